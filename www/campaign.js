// The campaign view: a folder (or many files) of ECGs → one row per record, on a pool of
// workers, nothing uploaded. DOM and scheduling only: planning, reading, analysing and the
// CSV/JSON rows are Rust in the workers (src/web/campaign.rs), the same rows the command
// line's `predict DIR --csv` writes. The page keeps the files' handles, never their bytes:
// each record is read from disk by the worker that analyses it, and dropped.

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// Rows shown at once; the exports always hold every row.
const SHOWN = 200;

// One worker of the pool with its own wasm instance and model.
class PoolWorker {
  constructor() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.crashed = null;
    this.worker.onmessage = (event) => {
      const { id, ok, result, error, crashed } = event.data;
      if (crashed) this.crashed = error;
      const request = this.pending.get(id);
      if (!request || event.data.progress) return;
      this.pending.delete(id);
      if (ok) request.resolve(result); else request.reject(error);
    };
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.crashed = { kind: 'internal', message: event.message || 'the engine stopped' };
      for (const request of this.pending.values()) request.reject(this.crashed);
      this.pending.clear();
    };
  }

  ask(message) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  terminate() {
    this.worker.terminate();
    for (const request of this.pending.values()) request.reject({ kind: 'cancelled', message: 'cancelled' });
    this.pending.clear();
  }
}

// Every file under a dropped directory entry, with its path in the drop ("campaign/a/1.xml").
async function entryFiles(entry, out) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    out.push({ name: entry.fullPath.replace(/^\//, ''), file });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = entry.createReader();
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const child of batch) await entryFiles(child, out);
  }
}

// Opt-in resuming: the result rows of a campaign (never the ECG files) in this browser's
// IndexedDB, keyed by the campaign's identity: a SHA-256 of its files' paths, sizes and
// modification times and of the model's name and version.
const DB_NAME = 'ecg-stenosis-campaigns';

function openStore() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore('rows', { keyPath: ['campaign', 'position'] })
        .createIndex('campaign', 'campaign');
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function campaignId(files, model, context) {
  // Rows made with a clinical context file are not those made without (nor with another).
  const contextDigest = context
    ? Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', context.bytes)), (b) => b.toString(16).padStart(2, '0')).join('')
    : null;
  const text = JSON.stringify([model ? [model.name, model.version] : null,
    files.map((f) => [f.name, f.file.size, f.file.lastModified]), contextDigest]);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function keptRows(id) {
  const db = await openStore();
  try {
    const index = db.transaction('rows').objectStore('rows').index('campaign');
    return await done(index.getAll(IDBKeyRange.only(id)));
  } finally {
    db.close();
  }
}

async function keepRows(id, position, rows) {
  const db = await openStore();
  try {
    // The files' handles cannot be stored, and are not needed: they come from the new drop.
    const plain = rows.map(({ files, ...row }) => row);
    await done(db.transaction('rows', 'readwrite').objectStore('rows').put({ campaign: id, position, rows: plain }));
  } finally {
    db.close();
  }
}

async function forgetRows(id) {
  const db = await openStore();
  try {
    const store = db.transaction('rows', 'readwrite').objectStore('rows');
    const keys = await done(store.index('campaign').getAllKeys(IDBKeyRange.only(id)));
    await Promise.all(keys.map((key) => done(store.delete(key))));
    return keys.length;
  } finally {
    db.close();
  }
}

// The table's columns: [heading, value of a row, sort key].
function columns(outputs, withContext) {
  const list = [
    ['#', (r) => String(r.position), (r) => r.position],
    ['File', (r) => r.file, (r) => r.file],
    ['Format', (r) => r.format, (r) => r.format],
  ];
  for (const vessel of outputs) {
    list.push([`${vessel} probability`, (r) => (r.vessels[vessel] ? r.vessels[vessel].probability.toFixed(3) : ''),
      (r) => (r.vessels[vessel] ? r.vessels[vessel].probability : -1)]);
    list.push([`${vessel} stratum`, (r) => (r.vessels[vessel] ? r.vessels[vessel].stratum || '' : ''),
      (r) => (r.vessels[vessel] ? r.vessels[vessel].stratum || '' : '')]);
  }
  list.push(['Quality', (r) => r.quality, (r) => r.quality]);
  list.push(['Error', (r) => r.error, (r) => r.error]);
  if (withContext) {
    // The clinical context file's additions (README, "Clinical context").
    for (const [heading, key] of [['ESC 2019 likelihood', 'esc2019'], ['ESC 2024 likelihood', 'esc2024'], ['Combined', 'combined']]) {
      list.push([heading, (r) => (r.context ? r.context[key] : ''), (r) => (r.context ? r.context[key] : '')]);
    }
  }
  return list;
}

// A report's clinical context part as the table shows it (null without one).
function contextCells(c) {
  if (!c) return null;
  const likelihood = (l) => (l && l.percent !== null && l.percent !== undefined ? `${l.percent} % (${l.category})` : '');
  return {
    esc2019: likelihood(c.likelihoods.find((l) => l.guideline === 'esc2019')),
    esc2024: likelihood(c.likelihoods.find((l) => l.guideline === 'esc2024')),
    combined: c.combined ? c.combined.combined : '',
  };
}

// The largest context file taken (a million rows is about 40 MiB); the worker says so too.
const MAX_CONTEXT_BYTES = 64 * 1024 * 1024;

export function initCampaign({ modelBytes, modelInfo, backendChoice, engineModule, openRecord, drawHistograms, cohort, validate, checkContext }) {
  const state = {
    records: [],
    rows: [],
    outputs: [],
    header: '',
    pool: [],
    paused: false,
    cancelled: false,
    running: false,
    resume: null,
    done: 0,
    started: 0,
    sort: { column: 0, descending: false },
    generation: 0,
    // Workers replaced after their engine stopped, in this page.
    restarts: 0,
    // The cohort view: each record's part goes to the page's worker in order, on one chain.
    cohortChain: Promise.resolve(),
    cohortAdded: 0,
    cohortFailed: null,
    // The clinical context file chosen ({name, bytes, rows, lines}), for the next campaign;
    // `context` is the one the current campaign runs with.
    contextFile: null,
    context: null,
  };

  const workersInput = $('campaign-workers');
  const cores = navigator.hardwareConcurrency || 2;
  workersInput.value = String(Math.max(1, cores - 1));
  workersInput.max = String(Math.max(1, cores));

  function setStatus(text) {
    $('campaign-status').textContent = text;
  }

  // The progress bar and status line, at most four times a second while records finish (each
  // update costs the page a style, layout and paint pass, taken from the workers' cores); the
  // count the tests read (data-campaign-done) is set at once.
  let progressTimer = null;
  function progressSoon() {
    document.body.dataset.campaignDone = String(state.done);
    if (progressTimer) return;
    progressTimer = setTimeout(() => {
      progressTimer = null;
      progress();
    }, 250);
  }

  function progress() {
    clearTimeout(progressTimer);
    progressTimer = null;
    const total = state.records.length;
    const bar = $('campaign-progress');
    bar.max = Math.max(1, total);
    bar.value = state.done;
    const secs = (performance.now() - state.started) / 1000;
    const rate = (state.done - (state.resumed || 0)) / Math.max(secs, 1e-3);
    const left = rate > 0 ? (total - state.done) / rate : 0;
    const what = state.cancelled ? 'cancelled' : state.paused ? 'paused' : state.running ? 'running' : 'finished';
    setStatus(`${state.done} of ${total} records (${what})`
      + (state.resumed ? ` · ${state.resumed} kept from an earlier run in this browser` : '')
      + ` · ${rate.toFixed(1)} ECG per second`
      + (state.running && !state.paused ? ` · about ${Math.ceil(left)} s left` : ''));
    document.body.dataset.campaignDone = String(state.done);
  }

  // A row as the table and the summary need it (the rest of the report is in its JSON line).
  function tableRow(position, files, row) {
    const r = row.report;
    const vessels = {};
    for (const [name, v] of Object.entries(r.vessels)) vessels[name] = { probability: v.probability, stratum: v.stratum };
    return {
      position,
      files,
      file: r.sources.join(' + '),
      pseudonym: row.pseudonym,
      format: r.format,
      vessels,
      quality: r.quality ? r.quality.verdict : '',
      error: r.error ? r.error.message : '',
      errorKind: r.error ? r.error.kind : '',
      csv: row.csv,
      csvPseudonymous: row.csv_pseudonymous,
      json: row.json,
      jsonPseudonymous: row.json_pseudonymous,
      context: contextCells(r.clinical_context),
      contextLine: row.context_line ?? null,
    };
  }

  // A record the engine crashed on: its row says so, and the campaign goes on.
  function crashRow(position, files, error) {
    return {
      position,
      files,
      file: files.map((f) => f.name).join(' + '),
      pseudonym: `record-${String(position).padStart(5, '0')}`,
      format: '',
      vessels: {},
      quality: '',
      error: `the engine stopped on this record (${error.message})`,
      errorKind: 'internal',
      csv: null,
      csvPseudonymous: null,
      json: null,
      jsonPseudonymous: null,
      context: null,
      contextLine: null,
    };
  }

  async function startWorker() {
    const worker = new PoolWorker();
    const bytes = modelBytes();
    // The build of the module the page's own worker runs (CPU-only, or WebGPU once it took over).
    await worker.ask({ type: 'start', module: engineModule(), backend: backendChoice, modelBytes: bytes ? bytes.slice(0) : undefined });
    if (state.context) await worker.ask({ type: 'campaignContext', bytes: state.context.bytes.slice(0) });
    return worker;
  }

  // Records each worker is given at once: while it analyses one, it reads the next from disk,
  // so it never waits for the page's main thread between records.
  const DEPTH = 2;

  // One lane of a worker: takes records from the queue until it is empty. A worker has DEPTH
  // lanes. When the engine crashes, the records in flight go back to the queue once, for a
  // fresh worker: the one that crashes it again gets its row with the reason. Near the end a
  // worker's extra lanes stop taking records, so that no worker holds two while another has
  // none (with the full-size network that tail cost up to two records' time).
  async function runLane(slot, generation, lane) {
    while (!state.cancelled && generation === state.generation) {
      if (state.paused) {
        await state.resume;
        continue;
      }
      if (lane > 0 && state.queue.length < state.pool.length) return;
      const next = state.queue.shift();
      if (!next) return;
      const { position, files } = next;
      const worker = state.pool[slot];
      let rows;
      try {
        const answer = await worker.ask({
          type: 'campaignRecord',
          files,
          position,
          sampleRateHz: state.sampleRateHz,
          cohortSaliency: state.cohortSaliency,
        });
        rows = answer.map((row) => tableRow(position, files, row));
        if (generation === state.generation) {
          for (const { cohort: part, cohort_beats: beats } of answer) if (part) addToCohort(part, beats);
        }
      } catch (error) {
        if (state.cancelled || generation !== state.generation) return;
        if (worker.crashed) {
          if (!worker.replacement) {
            worker.terminate();
            state.restarts += 1;
            worker.replacement = startWorker().then((fresh) => { state.pool[slot] = fresh; });
          }
          await worker.replacement;
          if (generation !== state.generation) return;
          if (!next.retried) {
            state.queue.unshift({ ...next, retried: true });
            continue;
          }
        }
        rows = [crashRow(position, files, error)];
      }
      state.rows[position - 1] = rows;
      if (state.keep && generation === state.generation) {
        keepRows(state.id, position, rows).catch((error) => setStatus(`The rows could not be kept in this browser: ${error.message}`));
      }
      state.done += 1;
      progressSoon();
      scheduleRender();
    }
  }

  // One record's part in the cohort view; only running sums are kept, in the page's worker.
  function addToCohort(part, beats) {
    state.cohortChain = state.cohortChain.then(() => cohort.add(part, beats)).then(
      () => { state.cohortAdded += 1; },
      (error) => { state.cohortFailed = state.cohortFailed || `Some records could not be added: ${error.message}.`; },
    );
  }

  // The cohort view: per vessel the average median beats of the high-risk records against the
  // low-risk ones (a PNG drawn in the page's worker), and with cohort saliency the mean share of
  // attribution per lead and beat phase.
  async function cohortView() {
    await state.cohortChain;
    const image = $('campaign-cohort');
    const box = $('campaign-attribution');
    box.replaceChildren();
    const restored = state.resumed
      ? ` The ${state.resumed} records restored from an earlier run in this browser are not in it (their ECGs were not read again).`
      : '';
    const failed = state.cohortFailed ? ` ${state.cohortFailed}` : '';
    try {
      const { image: blob, summary } = await cohort.draw();
      if (image.src) URL.revokeObjectURL(image.src);
      image.src = URL.createObjectURL(blob);
      image.alt = `Average median beats of the 12 leads per vessel, high-risk records against low-risk ones: ${summary.outputs
        .map((o) => `${o.vessel} ${o.high_records} high, ${o.low_records} low`).join('; ')}.`;
      image.hidden = false;
      $('campaign-cohort-status').textContent = `${summary.records} records with an estimate are in the cohort view; `
        + 'the groups are the model\'s own high and low strata, so the view shows what the model reacts to, not what stenosis looks like.'
        + restored + failed;
      for (const output of summary.outputs) {
        if (output.attribution) box.append(attributionTable(output));
      }
      if (state.cohortSaliency && !summary.outputs.some((o) => o.attribution)) {
        box.append(el('p', 'No record could be explained, so there are no attribution shares.'));
      }
      state.cohortSummary = summary;
      document.body.dataset.campaignCohort = String(summary.records);
    } catch (error) {
      image.hidden = true;
      $('campaign-cohort-status').textContent = `The cohort view could not be drawn: ${error.message}.${restored}${failed}`;
    }
  }

  // One vessel's mean share of attribution per lead and beat phase, as percentages.
  function attributionTable(output) {
    const table = el('table', undefined, 'attribution');
    table.append(el('caption', `${output.vessel}: mean share of attribution (input × gradient) per lead and beat phase, over ${output.attribution_records} records`));
    const head = el('tr');
    for (const h of ['Lead', 'P', 'QRS', 'ST-T', 'lead']) head.append(el('th', h));
    table.append(head);
    const percent = (v) => `${(100 * v).toFixed(1)} %`;
    const shaded = (v) => {
      const td = el('td', percent(v));
      td.style.backgroundColor = `rgba(0, 110, 220, ${Math.min(0.6, 3 * v).toFixed(3)})`;
      return td;
    };
    const totals = [0, 0, 0];
    for (const row of output.attribution) {
      const tr = el('tr');
      tr.append(el('th', row.lead));
      ['P', 'QRS', 'ST-T'].forEach((phase, i) => {
        totals[i] += row[phase];
        tr.append(shaded(row[phase]));
      });
      tr.append(el('td', percent(row.P + row.QRS + row['ST-T'])));
      table.append(tr);
    }
    const foot = el('tr');
    foot.append(el('th', 'phase'));
    for (const t of totals) foot.append(el('td', percent(t)));
    foot.append(el('td', percent(totals[0] + totals[1] + totals[2])));
    table.append(foot);
    return table;
  }

  // The table and summary are redrawn at most once a second while a campaign runs: the page's
  // main thread shares the cores with the workers.
  let renderTimer = null;
  function scheduleRender() {
    if (renderTimer) return;
    renderTimer = setTimeout(() => {
      renderTimer = null;
      render();
    }, 1000);
  }

  // The vessel filter offers the campaign model's outputs (a researcher's model may have others
  // than the four vessels); a choice the new model does not have falls back to "any".
  function vesselFilter(outputs) {
    const select = $('campaign-filter-vessel');
    const chosen = select.value;
    const any = el('option', 'any');
    any.value = '';
    select.replaceChildren(any, ...outputs.map((name) => el('option', name)));
    select.value = outputs.includes(chosen) ? chosen : '';
  }

  function allRows() {
    return state.rows.filter(Boolean).flat();
  }

  function filtered() {
    const quality = $('campaign-filter-quality').value;
    const errors = $('campaign-filter-error').value;
    const vessel = $('campaign-filter-vessel').value;
    const stratum = $('campaign-filter-stratum').value;
    return allRows().filter((r) => (!quality || r.quality === quality)
      && (!errors || (errors === 'error' ? r.error !== '' : r.error === ''))
      && (!vessel || !stratum || (r.vessels[vessel] && r.vessels[vessel].stratum === stratum)));
  }

  // What the table on screen shows (render): its campaign, order, columns and rows' positions.
  let shownSignature = '';

  function render() {
    const cols = columns(state.outputs, Boolean(state.context));
    const rows = filtered();
    const [, , key] = cols[state.sort.column];
    rows.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      const order = x < y ? -1 : x > y ? 1 : a.position - b.position;
      return state.sort.descending ? -order : order;
    });
    const shown = rows.slice(0, SHOWN);
    $('campaign-shown').textContent = rows.length > SHOWN
      ? `Showing the first ${SHOWN} of ${rows.length} matching rows (sort or filter to see others; the exports hold every row).`
      : `${rows.length} matching rows.`;
    renderSummary();
    // The rows on screen are rebuilt only when they are not the same rows as before: once a
    // running campaign has filled the first SHOWN rows in its order, new rows fall below them,
    // and rebuilding the table every second would take a share of the workers' cores.
    const signature = [state.generation, state.sort.column, state.sort.descending,
      cols.map(([heading]) => heading).join('|'), shown.map((r) => r.position).join(',')].join(';');
    if (signature === shownSignature) return;
    shownSignature = signature;
    const table = $('campaign-table');
    table.replaceChildren();
    const head = el('tr');
    cols.forEach(([heading], i) => {
      const th = el('th');
      th.scope = 'col';
      const button = el('button', heading + (state.sort.column === i ? (state.sort.descending ? ' ▼' : ' ▲') : ''));
      button.type = 'button';
      button.addEventListener('click', () => {
        state.sort = { column: i, descending: state.sort.column === i ? !state.sort.descending : false };
        render();
      });
      th.append(button);
      head.append(th);
    });
    head.append(el('th', ''));
    table.append(head);
    for (const r of shown) {
      const tr = el('tr');
      tr.dataset.position = String(r.position);
      if (r.error) tr.className = 'campaign-error';
      for (const [, value] of cols) tr.append(el('td', value(r)));
      const open = el('button', 'Open');
      open.type = 'button';
      open.addEventListener('click', () => openRecord(r.files));
      const td = el('td');
      td.append(open);
      tr.append(td);
      table.append(tr);
    }
  }

  function renderSummary() {
    const rows = allRows();
    const box = $('campaign-summary');
    box.replaceChildren();
    const table = el('table');
    const head = el('tr');
    for (const h of ['Vessel', 'low', 'intermediate', 'high', 'no estimate']) head.append(el('th', h));
    table.append(head);
    for (const vessel of state.outputs) {
      const tr = el('tr');
      tr.append(el('th', vessel));
      for (const stratum of ['low', 'intermediate', 'high']) {
        tr.append(el('td', String(rows.filter((r) => r.vessels[vessel] && r.vessels[vessel].stratum === stratum).length)));
      }
      tr.append(el('td', String(rows.filter((r) => !r.vessels[vessel]).length)));
      table.append(tr);
    }
    box.append(table);
    const verdicts = ['ok', 'caution', 'unusable'].map((v) => `${v} ${rows.filter((r) => r.quality === v).length}`);
    box.append(el('p', `Quality: ${verdicts.join(' · ')} · records with an error: ${rows.filter((r) => r.error).length} of ${rows.length}.`));
  }

  // Per vessel, a histogram of the probabilities with the model's two cut-offs (drawn in a
  // worker with plotters), when the campaign has finished or stopped.
  async function histograms() {
    const rows = allRows();
    const values = state.outputs.map((vessel) => rows.filter((r) => r.vessels[vessel]).map((r) => r.vessels[vessel].probability));
    const image = $('campaign-histograms');
    try {
      const blob = await drawHistograms(state.outputs, values);
      if (image.src) URL.revokeObjectURL(image.src);
      image.src = URL.createObjectURL(blob);
      image.alt = `Histograms of the probabilities per vessel with the model's cut-offs: ${state.outputs
        .map((vessel, i) => `${vessel} ${values[i].length} records`).join(', ')}.`;
      image.hidden = false;
      document.body.dataset.campaignHistograms = String(rows.length);
    } catch (error) {
      image.hidden = true;
      image.alt = '';
      $('campaign-shown').textContent += ` The histograms could not be drawn: ${error.message}.`;
    }
  }

  function download(name, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = el('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // The export, in campaign order: CSV (the command line's rows) or JSON Lines.
  function exported(kind, pseudonymous = $('campaign-pseudonymise').checked) {
    const rows = state.rows.filter(Boolean).flat();
    if (kind === 'csv') {
      return state.header + rows.map((r) => (pseudonymous ? r.csvPseudonymous : r.csv) ?? crashCsv(r, pseudonymous)).join('');
    }
    return rows.map((r) => (pseudonymous ? r.jsonPseudonymous : r.json)
      ?? JSON.stringify({ sources: [pseudonymous ? r.pseudonym : r.file], error: { kind: r.errorKind, message: r.error } })).join('\n') + '\n';
  }

  // A crashed record's CSV line: its file, then its error in the error column, each cell
  // made safe as the Rust rows are (a leading apostrophe before a formula, RFC 4180 quotes).
  function crashCsv(r, pseudonymous) {
    const quote = (raw) => {
      const text = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    };
    const cells = [quote(pseudonymous ? r.pseudonym : r.file), ''];
    for (let i = 0; i < state.outputs.length; i += 1) cells.push('', '');
    cells.push('', 'false', quote(r.error), '', '', '', '', '', '');
    // The context columns: nothing to say of a record the engine stopped on.
    if (state.context) cells.push('', '', '', '', '', '', '');
    return `${cells.join(',')}\r\n`;
  }

  // Local validation (issue 16): the campaign's own table (with its file names) against a
  // labels file the user picks, in the page's worker, as `ecg-stenosis evaluate --from-csv`
  // computes it; the report's plots are SVG drawn there by plotters. The calibrated model
  // file is made there too and handed to the page as a download. Nothing leaves the device.
  // `pending`: labels were given while there was no finished table to check them against; the
  // report follows when the campaign finishes or stops. `run` numbers the reports asked for:
  // only the latest one is shown.
  const validation = { name: '', text: null, html: null, calibrated: null, pending: false, run: 0 };
  // A labels file larger than this is not a labels file (a million rows is about 30 MiB).
  const MAX_LABELS_BYTES = 64 * 1024 * 1024;

  function setValidationStatus(text) {
    $('campaign-validation-status').textContent = text;
  }

  function setValidationButtons() {
    $('campaign-report-html').disabled = !validation.html;
    $('campaign-calibrate').disabled = !validation.html || state.running;
    $('campaign-use-calibrated').disabled = !validation.calibrated;
  }

  function clearValidation(why) {
    validation.html = null;
    validation.calibrated = null;
    $('campaign-validation').replaceChildren();
    $('campaign-calibration-status').textContent = '';
    setValidationStatus(why);
    delete document.body.dataset.campaignValidation;
    setValidationButtons();
  }

  // The report's body (tables and inline SVG; escaped by Rust, no script, no style attribute)
  // into the page, without its own style sheet: the page's CSP allows only its own.
  function showReport(html) {
    const parsed = new DOMParser().parseFromString(html, 'text/html');
    const nodes = Array.from(parsed.body.childNodes)
      .filter((node) => !['STYLE', 'SCRIPT'].includes(node.nodeName))
      .map((node) => document.importNode(node, true));
    $('campaign-validation').replaceChildren(...nodes);
  }

  async function runValidation() {
    const { name, text } = validation;
    const run = ++validation.run;
    clearValidation(`Computing the report of ${name}…`);
    validation.pending = state.running || !state.rows.some(Boolean);
    if (validation.pending) {
      setValidationStatus(`The report against ${name} follows when a campaign has finished or stopped: it needs its rows.`);
      return;
    }
    try {
      const result = await validate.report(exported('csv', false), name, text, {});
      if (run !== validation.run) return;
      validation.html = result.html;
      showReport(result.html);
      const r = result.report.records;
      setValidationStatus(`${name}: ${r.labelled} of ${r.given} records labelled`
        + ` (${r.labelled_without_estimate} of them without an estimate, left out); ${r.unlabelled} without a label.`);
      document.body.dataset.campaignValidation = String(result.report.vessels.length);
    } catch (error) {
      if (run !== validation.run) return;
      setValidationStatus(`No report: ${error.message}`);
      document.body.dataset.campaignValidation = 'failed';
    }
    setValidationButtons();
  }

  async function addLabels(file) {
    if (file.size > MAX_LABELS_BYTES) {
      clearValidation(`${file.name}: ${file.size} bytes is too large for a labels file (at most ${MAX_LABELS_BYTES}).`);
      document.body.dataset.campaignValidation = 'failed';
      return;
    }
    try {
      validation.text = await file.text();
      validation.name = file.name;
    } catch (error) {
      clearValidation(`${file.name}: the browser could not read it (${error.message}).`);
      document.body.dataset.campaignValidation = 'failed';
      return;
    }
    await runValidation();
  }

  async function saveCalibrated() {
    const out = $('campaign-calibration-status');
    const info = modelInfo();
    validation.calibrated = null;
    setValidationButtons();
    try {
      const result = await validate.calibrate(exported('csv', false), validation.name, validation.text, {
        sensitivity: Number($('campaign-sensitivity').value),
        specificity: Number($('campaign-specificity').value),
        recalibrate: $('campaign-recalibrate').checked,
        site: $('campaign-site').value,
        // The card's date: today, in UTC as the command line writes it.
        date: new Date().toISOString().slice(0, 10),
      });
      const name = `${(info ? info.name : 'model').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60)}-calibrated.safetensors`;
      validation.calibrated = { bytes: result.bytes, name };
      download(name, result.bytes, 'application/octet-stream');
      out.replaceChildren(el('span', `Saved ${name} (version ${result.version}; same weights, the site's cut-offs`
        + `${$('campaign-recalibrate').checked ? ' and recalibration' : ''}). `));
      const list = el('ul');
      for (const line of result.lines) list.append(el('li', line));
      out.append(list);
      document.body.dataset.campaignCalibrated = result.version;
    } catch (error) {
      out.textContent = `No calibrated file: ${error.message}`;
      document.body.dataset.campaignCalibrated = 'failed';
    }
    setValidationButtons();
  }

  // The clinical context file (issue 17): checked by the page's worker when chosen, handed to
  // every worker of the next campaign. Its rows are matched to records as `predict --context`
  // matches them; when the campaign ends the page says which rows matched no record or
  // several, by line only (a row's file name may be a patient's).
  function setContextStatus(text) {
    $('campaign-context-status').textContent = text;
    $('campaign-context-remove').disabled = !state.contextFile;
  }

  async function addContext(file) {
    state.contextFile = null;
    if (file.size > MAX_CONTEXT_BYTES) {
      setContextStatus(`${file.name}: ${file.size} bytes is too large for a context file (at most ${MAX_CONTEXT_BYTES}).`);
      document.body.dataset.campaignContextFile = 'failed';
      return;
    }
    let bytes;
    try {
      bytes = await file.arrayBuffer();
    } catch (error) {
      setContextStatus(`${file.name}: the browser could not read it (${error.message}).`);
      document.body.dataset.campaignContextFile = 'failed';
      return;
    }
    try {
      const { rows, lines } = await checkContext(bytes.slice(0));
      state.contextFile = { name: file.name, bytes, rows, lines };
      setContextStatus(`${file.name}: ${rows} row${rows === 1 ? '' : 's'} of clinical context; they apply to the campaign started next`
        + (state.rows.some(Boolean) ? ' (choose the folder again to add them to this one).' : '.'));
      document.body.dataset.campaignContextFile = String(rows);
    } catch (error) {
      setContextStatus(`${file.name}: not used: ${error.message}`);
      document.body.dataset.campaignContextFile = 'failed';
    }
  }

  function removeContext() {
    state.contextFile = null;
    setContextStatus('No clinical context file: the next campaign\'s rows have no context columns.');
    delete document.body.dataset.campaignContextFile;
  }

  function contextMatches() {
    const context = state.context;
    if (!context) return;
    const used = new Map(context.lines.map((line) => [line, 0]));
    let withRow = 0;
    for (const r of allRows()) {
      if (r.contextLine === null || r.contextLine === undefined) continue;
      withRow += 1;
      used.set(r.contextLine, (used.get(r.contextLine) || 0) + 1);
    }
    const none = context.lines.filter((line) => used.get(line) === 0);
    const several = context.lines.filter((line) => used.get(line) > 1);
    const total = allRows().length;
    setContextStatus(`Clinical context from ${context.name}: ${withRow} of ${total} records had a row.`
      + (none.length ? ` Rows on line${none.length > 1 ? 's' : ''} ${none.join(', ')} match no record of this campaign.` : '')
      + (several.length ? ` Rows on line${several.length > 1 ? 's' : ''} ${several.join(', ')} match several records: give each one's path as the table writes it.` : ''));
    document.body.dataset.campaignContext = JSON.stringify({ with_row: withRow, unmatched: none, several });
  }

  async function stopPool() {
    for (const worker of state.pool) worker.terminate();
    state.pool = [];
  }

  async function run(files) {
    state.generation += 1;
    const generation = state.generation;
    await stopPool();
    state.cancelled = false;
    state.paused = false;
    state.running = true;
    state.rows = [];
    state.done = 0;
    state.resumed = 0;
    state.records = [];
    const rateText = $('rate').value.trim();
    state.sampleRateHz = rateText === '' ? undefined : Number(rateText);
    state.context = state.contextFile;
    delete document.body.dataset.campaignContext;
    document.body.dataset.campaign = 'planning';
    $('campaign-histograms').hidden = true;
    // A report of the previous rows still being computed is not shown; labels already given are
    // checked against this campaign's rows once it has finished or stopped.
    validation.run += 1;
    validation.pending = Boolean(validation.text);
    clearValidation(validation.text
      ? `The report against ${validation.name} follows when this campaign has finished or stopped.`
      : 'Add a labels file once a campaign has finished or stopped.');
    delete document.body.dataset.campaignHistograms;
    delete document.body.dataset.campaignSeconds;
    hideCohort();
    setButtons();
    setStatus(`Planning ${files.length} files…`);
    const count = Math.max(1, Math.min(64, Math.floor(Number(workersInput.value) || 1)));
    try {
      state.pool = await Promise.all(Array.from({ length: count }, () => startWorker()));
      if (generation !== state.generation) return;
      const info = modelInfo();
      state.outputs = info ? info.outputs : [];
      vesselFilter(state.outputs);
      state.header = await state.pool[0].ask({ type: 'csvHeader' });
      state.cohortSaliency = $('campaign-saliency').checked;
      state.cohortChain = Promise.resolve();
      state.cohortAdded = 0;
      state.cohortFailed = null;
      // Without the page's own worker the campaign still runs; its cohort view says why it
      // is missing.
      await cohort.reset({
        outputs: state.outputs,
        model: info ? `${info.name} ${info.version}` : 'unknown',
        disclaimer: info ? info.disclaimer : '',
        demonstration: info ? info.demonstration : false,
      }).catch((error) => { state.cohortFailed = `The cohort view could not be started: ${error.message}.`; });
      const groups = await state.pool[0].ask({ type: 'campaignPlan', files });
      if (generation !== state.generation) return;
      state.records = groups.map((group, i) => ({ position: i + 1, files: group.map((k) => files[k]) }));
      state.queue = state.records.slice();
      state.keep = $('campaign-keep').checked;
      state.id = await campaignId(files, info, state.context);
      state.resumed = 0;
      if (state.keep) {
        for (const kept of await keptRows(state.id)) {
          const record = state.records[kept.position - 1];
          if (!record) continue;
          state.rows[kept.position - 1] = kept.rows.map((row) => ({ ...row, files: record.files }));
          state.resumed += 1;
        }
        state.done = state.resumed;
        state.queue = state.records.filter((r) => !state.rows[r.position - 1]);
      }
      if (generation !== state.generation) return;
    } catch (error) {
      state.running = false;
      setStatus(`The campaign could not start: ${error.message}`);
      document.body.dataset.campaign = 'failed';
      setButtons();
      return;
    }
    state.started = performance.now();
    document.body.dataset.campaign = 'running';
    progress();
    try {
      await Promise.all(state.pool.flatMap((_, slot) => Array.from({ length: DEPTH }, (_, lane) => runLane(slot, generation, lane))));
    } catch (error) {
      // A fault of the page itself: say so rather than leave the campaign hanging.
      state.running = false;
      await stopPool();
      setStatus(`The campaign stopped: ${error.message}. The rows done so far can be exported.`);
      document.body.dataset.campaign = 'failed';
      setButtons();
      return;
    }
    if (generation !== state.generation) return;
    // Seconds from the first record's start to the last one's end, paused time left out: the
    // figure the campaign benchmark reads.
    document.body.dataset.campaignSeconds = ((performance.now() - state.started) / 1000).toFixed(3);
    state.running = false;
    if (!state.cancelled) {
      await stopPool();
      document.body.dataset.campaign = 'finished';
    }
    progress();
    render();
    contextMatches();
    await histograms();
    await cohortView();
    setButtons();
    // Labels added before (or during) the campaign: the report of its rows.
    if (validation.pending) await runValidation();
  }

  function hideCohort() {
    $('campaign-cohort').hidden = true;
    $('campaign-attribution').replaceChildren();
    $('campaign-cohort-status').textContent = 'The cohort view appears when a campaign has finished or stopped.';
    delete document.body.dataset.campaignCohort;
  }

  function setButtons() {
    $('campaign-pause').disabled = !state.running || state.paused;
    $('campaign-resume').disabled = !state.running || !state.paused;
    $('campaign-cancel').disabled = !state.running;
    const any = state.rows.some(Boolean);
    $('campaign-csv').disabled = !any;
    $('campaign-jsonl').disabled = !any;
    $('campaign-forget').disabled = !any || state.running;
    $('campaign-print').disabled = !any || state.running;
    setValidationButtons();
  }

  function pause() {
    if (!state.running || state.paused) return;
    state.paused = true;
    state.pausedAt = performance.now();
    state.resume = new Promise((resolve) => { state.resolveResume = resolve; });
    document.body.dataset.campaign = 'paused';
    progress();
    setButtons();
  }

  function resume() {
    if (!state.paused) return;
    state.paused = false;
    // The time spent paused does not count against the rate.
    state.started += performance.now() - state.pausedAt;
    state.resolveResume();
    document.body.dataset.campaign = 'running';
    progress();
    setButtons();
  }

  async function cancel() {
    if (!state.running) return;
    state.cancelled = true;
    if (state.paused) {
      state.paused = false;
      state.resolveResume();
    }
    state.running = false;
    await stopPool();
    document.body.dataset.campaign = 'cancelled';
    progress();
    render();
    contextMatches();
    setButtons();
    await histograms();
    await cohortView();
    if (validation.pending) await runValidation();
  }

  async function forget() {
    const id = state.id;
    let removed = 0;
    if (id) {
      try {
        removed = await forgetRows(id);
      } catch (error) {
        setStatus(`The rows kept in this browser could not be removed: ${error.message}`);
        return;
      }
    }
    state.id = null;
    state.generation += 1;
    $('campaign-histograms').hidden = true;
    hideCohort();
    await cohort.forget().catch(() => {});
    state.rows = [];
    state.records = [];
    state.done = 0;
    validation.text = null;
    validation.pending = false;
    validation.run += 1;
    clearValidation('Add a labels file once a campaign has finished or stopped.');
    render();
    setStatus('Forgotten: no result of that campaign is left in this page'
      + (removed ? `, and its ${removed} kept records are gone from this browser.` : '.'));
    document.body.dataset.campaign = 'forgotten';
    setButtons();
  }

  async function filesFromDrop(event) {
    const items = Array.from(event.dataTransfer.items || []);
    const entries = items.map((item) => (item.webkitGetAsEntry ? item.webkitGetAsEntry() : null));
    if (entries.length && entries.every(Boolean)) {
      const out = [];
      for (const entry of entries) await entryFiles(entry, out);
      return out;
    }
    return Array.from(event.dataTransfer.files).map((file) => ({ name: file.name, file }));
  }

  const zone = $('campaign-drop');
  zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('dragging'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', async (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    const files = await filesFromDrop(event);
    if (files.length) run(files);
  });
  for (const id of ['campaign-folder', 'campaign-files']) {
    $(id).addEventListener('change', () => {
      const files = Array.from($(id).files).map((file) => ({ name: file.webkitRelativePath || file.name, file }));
      $(id).value = '';
      if (files.length) run(files);
    });
  }
  // The printed summary (A4): the counts, the histograms, the model card with its disclaimer,
  // the date; no file name.
  $('campaign-print').addEventListener('click', () => {
    const info = modelInfo();
    $('print-meta').textContent = `Campaign summary printed ${new Date().toLocaleString()} · ${allRows().length} records`
      + (info ? ` · model: ${info.name} ${info.version}` : '');
    $('print-patient').textContent = '';
    window.print();
  });
  $('campaign-pause').addEventListener('click', pause);
  $('campaign-resume').addEventListener('click', resume);
  $('campaign-cancel').addEventListener('click', cancel);
  $('campaign-forget').addEventListener('click', forget);
  $('campaign-csv').addEventListener('click', () => download('ecg-stenosis-campaign.csv', exported('csv'), 'text/csv'));
  $('campaign-jsonl').addEventListener('click', () => download('ecg-stenosis-campaign.jsonl', exported('jsonl'), 'application/jsonl'));
  $('campaign-context').addEventListener('change', () => {
    const [file] = $('campaign-context').files;
    $('campaign-context').value = '';
    if (file) addContext(file);
  });
  $('campaign-context-remove').addEventListener('click', removeContext);
  $('campaign-labels').addEventListener('change', () => {
    const [file] = $('campaign-labels').files;
    $('campaign-labels').value = '';
    if (file) addLabels(file);
  });
  $('campaign-report-html').addEventListener('click', () => {
    if (validation.html) download('ecg-stenosis-validation.html', validation.html, 'text/html');
  });
  $('campaign-calibrate').addEventListener('click', saveCalibrated);
  $('campaign-use-calibrated').addEventListener('click', () => {
    const file = validation.calibrated;
    if (file) validate.useModel(new File([file.bytes], file.name));
  });
  for (const id of ['campaign-filter-quality', 'campaign-filter-error', 'campaign-filter-vessel', 'campaign-filter-stratum']) {
    $(id).addEventListener('change', render);
  }
  setButtons();

  // For the end-to-end suite and the benchmarks: the exports as text, and the pool's size.
  return {
    exported,
    workers: () => state.pool.length,
    cohort: () => state.cohortSummary,
    restarts: () => state.restarts,
    // Makes one worker of the pool panic (end-to-end suite: the pool recovers). True when sent.
    trap: (slot) => {
      const worker = state.pool[slot];
      if (!worker) return false;
      worker.ask({ type: 'trap' }).catch(() => {});
      return true;
    },
    pause,
    resume,
    cancel,
  };
}
