// The page: DOM only. It forwards files to the worker and shows what comes back; no ECG logic
// lives here (parsing, analysis, saliency and drawing are Rust, in the worker). Text from
// files and models is set with textContent only, never as HTML.
import { initCampaign } from './campaign.js';

// The worker that owns the wasm instance. If it crashes (a panic or exhausted memory inside
// it), the request that crashed it fails with that message, and a fresh worker takes its place
// with the model and the record of before: one bad file never stops the page.
let worker = null;
// Resolves when the current worker has started; requests wait for it.
let engine = null;
const pending = new Map();
let nextId = 1;
let restarts = 0;

function spawnWorker() {
  const created = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  created.onmessage = (event) => {
    const { id, ok, result, error, progress, crashed } = event.data;
    const request = pending.get(id);
    if (crashed && created === worker) restartWorker(error.message);
    if (!request) return;
    if (progress) {
      if (request.onProgress) request.onProgress(progress);
      return;
    }
    pending.delete(id);
    if (ok) request.resolve(result); else request.reject(error);
  };
  // An error the worker could not even report (it died loading, say).
  created.onerror = (event) => {
    event.preventDefault();
    const reason = event.message || 'the engine stopped';
    if (created === worker) restartWorker(reason);
    else failRequests(created, reason);
  };
  return created;
}

// Fails every request waiting on `target` with `reason`.
function failRequests(target, reason) {
  for (const [id, request] of pending) {
    if (request.target !== target) continue;
    pending.delete(id);
    request.reject({ kind: 'internal', message: reason });
  }
}

// Sends one request to a worker as it is (started or not).
function sendTo(target, message, transfer = [], onProgress = null) {
  const id = nextId++;
  const request = { onProgress, target };
  const answer = new Promise((resolve, reject) => {
    request.resolve = resolve;
    request.reject = reject;
  });
  request.settled = answer.then(() => {}, () => {});
  pending.set(id, request);
  target.postMessage({ ...message, id }, transfer);
  return answer;
}

// Sends one request to the current worker as it is (started or not).
function send(message, transfer = [], onProgress = null) {
  return sendTo(worker, message, transfer, onProgress);
}

// One request to the worker once it has started; `onProgress({done, total})` hears the long
// ones' progress.
async function ask(message, transfer = [], onProgress = null) {
  await engine;
  return send(message, transfer, onProgress);
}

// New canvases in place of the ones handed to a worker (a canvas goes offscreen only once).
function freshCanvas(id) {
  const old = $(id);
  const canvas = old.cloneNode(false);
  old.replaceWith(canvas);
  return canvas.transferControlToOffscreen();
}

// ?backend=cpu or ?backend=webgpu overrides the page's own choice (auto).
const backendChoice = new URLSearchParams(location.search).get('backend') || 'auto';

// Which build of the module the page's worker runs (www/worker.js): the CPU-only one first,
// small, so that the first risk card does not wait for burn's GPU compiler (issue 19); the
// WebGPU one once it has started in the background, where the browser's adapter is worth it.
let engineModule = 'cpu';
// The WebGPU engine started in the background and waiting to take over: {worker, started}.
let standby = null;

// The demonstration model's bytes ({bytes} or {error}), fetched once, as soon as this script
// runs: index.html preloads it, so its download starts with the page's, not after the worker's
// script and module (issue 19, cold start). Every page worker (a restart, the WebGPU engine)
// gets a copy.
const shippedModel = fetch(new URL('./models/demo.safetensors', import.meta.url))
  .then(async (response) => {
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return { bytes: await response.arrayBuffer(), error: null };
  })
  .catch((error) => ({ bytes: null, error: error.message }));

// Starts `target` as an engine (`module`: 'cpu' or 'webgpu') with the shipped model, handed
// over as soon as it is here; returns what the worker's 'start' answers.
function startEngine(target, module, message = {}, transfer = []) {
  const started = sendTo(target, { ...message, type: 'start', module, backend: backendChoice, modelFromPage: true }, transfer);
  shippedModel.then(({ bytes, error }) => {
    const copy = bytes ? bytes.slice(0) : null;
    target.postMessage({ type: 'shippedModel', id: 0, bytes: copy, error }, copy ? [copy] : []);
  });
  return started;
}

// Starts a worker with its canvases and the shipped model, and (after a crash) the model file
// the user had loaded.
async function startWorker(tracing, beats) {
  const started = await startEngine(worker, engineModule, { canvas: tracing, beatsCanvas: beats }, [tracing, beats]);
  if (state.modelBytes) {
    const bytes = state.modelBytes.slice(0);
    started.model = await send({ type: 'loadModel', bytes }, [bytes]);
  }
  return started;
}

// Replaces a crashed worker: what was waiting on it fails with `reason`, a fresh one starts,
// and the record shown before is read and drawn again, unless another file is on its way.
function restartWorker(reason) {
  // Only the crashed worker's requests fail: a WebGPU engine starting in the background goes on.
  worker.terminate();
  failRequests(worker, reason);
  restarts += 1;
  document.body.dataset.restarts = String(restarts);
  document.body.dataset.engine = 'restarting';
  worker = spawnWorker();
  const generation = state.generation;
  engine = startWorker(freshCanvas('tracing'), freshCanvas('beats')).then((started) => {
    state.model = started.model;
    showModel(state.model);
  }).catch((error) => {
    $('backend').textContent = `unavailable after a restart: ${error.message}`;
  });
  engine.then(async () => {
    if (state.lastFiles && state.generation === generation) await restoreRecord(state.lastFiles);
    document.body.dataset.engine = 'ready';
  });
}

// Starts the WebGPU engine in a second worker, in the background, once the CPU engine has
// started and said that the browser's adapter is worth it. It takes over at once when the
// page shows nothing, else when the next ECG is opened (a sheet on screen, its saliency or a
// campaign's cohort view are never swapped away under the user).
async function loadWebgpuEngine() {
  document.body.dataset.upgrade = 'loading';
  const candidate = spawnWorker();
  try {
    const started = await startEngine(candidate, 'webgpu');
    if (started.backend.kind !== 'webgpu') {
      // It measured the CPU faster, or WebGPU failed: the CPU engine stays, and says why.
      candidate.terminate();
      $('backend').textContent = describeBackend(started.backend);
      document.body.dataset.upgrade = 'declined';
      return;
    }
    standby = { worker: candidate, started };
    document.body.dataset.upgrade = 'standby';
    // Nothing opened yet: take over now.
    if (state.generation === 0) await adoptStandby().catch(() => {});
  } catch (error) {
    failRequests(candidate, 'the WebGPU engine did not start');
    candidate.terminate();
    $('backend').textContent = `CPU (WebGPU not used: its engine did not start: ${error.message})`;
    document.body.dataset.upgrade = 'failed';
  }
}

// The WebGPU engine takes the CPU engine's place: every request made from now on waits for it;
// once each request already sent to the CPU engine has been answered, it gets the page's
// canvases and the model file the user loaded, if any. Returns the new engine.
function adoptStandby() {
  if (!standby || state.cohortInWorker) return engine;
  const { worker: candidate, started } = standby;
  standby = null;
  const previous = engine;
  engine = (async () => {
    await previous;
    const inFlight = () => [...pending.values()].filter((r) => r.target === worker);
    for (let waiting = inFlight(); waiting.length; waiting = inFlight()) {
      await Promise.race(waiting.map((r) => r.settled));
    }
    const old = worker;
    worker = candidate;
    engineModule = 'webgpu';
    old.terminate();
    const tracing = freshCanvas('tracing');
    const beats = freshCanvas('beats');
    await send({ type: 'canvases', canvas: tracing, beatsCanvas: beats }, [tracing, beats]);
    if (state.modelBytes) {
      const bytes = state.modelBytes.slice(0);
      started.model = await send({ type: 'loadModel', bytes }, [bytes]);
    }
    return started;
  })();
  engine.then((taken) => {
    state.model = taken.model;
    showModel(state.model);
    $('backend').textContent = describeBackend(taken.backend);
    document.body.dataset.backend = taken.backend.kind;
    document.body.dataset.upgrade = 'done';
  }, (error) => {
    // The page's worker is the WebGPU one now; a crash there restarts it as any other.
    $('backend').textContent = `the WebGPU engine failed to take over: ${error.message}`;
  });
  return engine;
}

// The record shown before a crash, read again into the fresh worker and redrawn.
async function restoreRecord(kept) {
  const files = kept.map((f) => ({ name: f.name, bytes: f.bytes.slice(0) }));
  const sampleRateHz = state.lastRate;
  try {
    await ask({ type: 'load', files, sampleRateHz }, files.map((f) => f.bytes));
    if (state.report) await analyse(state.overridden);
    await drawAll();
  } catch (error) {
    $('message').textContent += ` The record shown before could not be restored: ${error.message}.`;
  }
}

const $ = (id) => document.getElementById(id);
const el = (tag, text, className) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
};
const percent = (p) => `${(100 * p).toFixed(1)} %`;

// What the page shows but does not decide (vessel names, strata in words, the sheet's width)
// comes from Rust with the worker's start: App.facts() in src/web/types.rs.
const facts = {
  arteries: {}, // RCA: 'right coronary artery', …
  strata: {}, // low: {symbol, words}, …
  // Width of the sheet at 25 mm/s: the canvas scale fits it to the screen; at 50 mm/s the
  // sheet is wider and scrolls.
  sheetWidthMmAt25: 275,
  // The largest file the readers take (Limits::max_bytes).
  maxFileBytes: 256 * 1024 * 1024,
  // The software's release and the page's build, e.g. 'ecg-stenosis 0.1.0, build 344f4f3ab64c'.
  release: '',
  // The clinical context form's guideline models: [{key, title, categories, grey_zone}].
  guidelines: [],
};
// scripts/dist.sh writes the release's hash into index.html; served from the repository, the
// page says 'development'.
const buildOfPage = document.querySelector('meta[name="build"]')?.content || 'unknown';

function takeFacts(given) {
  for (const v of given.vessels) facts.arteries[v.vessel] = v.artery;
  for (const s of given.strata) facts.strata[s.name] = { symbol: s.symbol, words: s.words };
  facts.sheetWidthMmAt25 = given.sheet_width_mm_at_25;
  facts.maxFileBytes = given.max_file_bytes;
  facts.release = `${given.release}, build ${buildOfPage}`;
  facts.guidelines = given.guidelines;
  $('release').textContent = facts.release;
}

const state = {
  // Bumped by every file opened (a crash's restore gives way to a newer file).
  generation: 0,
  // The last record's files and rate, kept to read it again after a crash.
  lastFiles: null,
  lastRate: undefined,
  // A model file the user loaded, kept to load it again after a crash.
  modelBytes: null,
  model: null,
  modelError: null,
  record: null, // {name, summary}
  report: null,
  overridden: false,
  explained: null, // {vessel, method}
  // A campaign's cohort view keeps its running sums in the page's worker (www/campaign.js).
  cohortInWorker: false,
  // Bumped by every change of the clinical context form: an older answer is not shown.
  contextGeneration: 0,
};

function paperOptions(saliency) {
  const ratio = window.devicePixelRatio || 1;
  const box = $('tracing').parentElement.clientWidth || 1000;
  const cssPerMm = Math.max(1.2, (box - 2) / facts.sheetWidthMmAt25);
  return {
    layout: $('layout').value,
    speed: Number($('speed').value),
    gain: Number($('gain').value),
    px_per_mm: Math.min(40, cssPerMm * ratio),
    saliency: Boolean(saliency),
  };
}

function fitCanvas(canvas, drawn) {
  const ratio = window.devicePixelRatio || 1;
  canvas.style.width = `${drawn.width / ratio}px`;
  canvas.style.height = `${drawn.height / ratio}px`;
}

// Draws the sheet and the median beats; with the saliency of the vessel explained last when
// one is chosen.
async function drawAll() {
  if (!state.record) return;
  const saliency = Boolean(state.explained && selectedVessel());
  const options = paperOptions(saliency);
  const sheet = await ask({ type: 'draw', options });
  const canvas = $('tracing');
  fitCanvas(canvas, sheet);
  canvas.dataset.panels = JSON.stringify(sheet.panels);
  canvas.dataset.saliency = saliency ? state.explained.vessel : '';
  const names = state.record.summary.leads.map((l) => l.name + (l.derived ? ' (derived)' : '')).join(', ');
  canvas.setAttribute('aria-label', `ECG tracing of ${state.record.name}, ${options.layout} layout, `
    + `${options.speed} mm/s, ${options.gain} mm/mV: ${names}`
    + (saliency ? `; shaded by the saliency for ${state.explained.vessel}` : ''));
  const beats = await ask({ type: 'drawBeats', options });
  fitCanvas($('beats'), beats);
  $('beats').setAttribute('aria-label', `Median beat of each lead (${beats.beats} beats detected)`
    + (saliency ? `, shaded by the saliency for ${state.explained.vessel}` : ''));
}

function describeBackend(info, upgrading = false) {
  if (info.kind === 'webgpu') return `WebGPU (adapter: ${info.adapter})`;
  if (upgrading) return `CPU for now (${info.reason})`;
  return `CPU (WebGPU not used: ${info.reason})`;
}

function showError(fileName, error) {
  document.body.dataset.state = 'error';
  $('message').textContent = `Could not read ${fileName}: ${error.message}`;
}

function selectedVessel() {
  const checked = document.querySelector('input[name="vessel"]:checked');
  return checked ? checked.value : '';
}

function resetWhy() {
  state.explained = null;
  document.querySelector('input[name="vessel"][value=""]').checked = true;
  $('why-summary').replaceChildren(el('p', 'Choose a vessel to shade the tracing where the model\'s estimate for it comes from.', 'muted'));
}

// Several files can form one record (a WFDB header and its signal files): all are sent.
// `files` are {name, bytes: ArrayBuffer}.
async function openFiles(files) {
  const started = performance.now();
  if (standby) await adoptStandby().catch(() => {});
  $('message').textContent = '';
  document.body.dataset.state = 'loading';
  const name = files.map((f) => f.name).join(' + ');
  $('summary').textContent = `Reading and analysing ${name}…`;
  const rateText = $('rate').value.trim();
  const sampleRateHz = rateText === '' ? undefined : Number(rateText);
  state.generation += 1;
  const kept = files.map((f) => ({ name: f.name, bytes: f.bytes.slice(0) }));
  try {
    const summary = await ask({ type: 'load', files, sampleRateHz }, files.map((f) => f.bytes));
    // The form speaks of one patient: another ECG clears it (not the first one opened, so
    // that the form may be filled before).
    if (state.record) clearContext();
    state.lastFiles = kept;
    state.lastRate = sampleRateHz;
    state.record = { name, summary };
    state.report = null;
    state.overridden = false;
    resetWhy();
    $('summary').textContent = `${summary.sources.join(' + ')} (${summary.format}): `
      + `${summary.leads.length} leads (${summary.leads.map((l) => l.name + (l.derived ? '*' : '')).join(', ')}), `
      + `${summary.sample_rate_hz} Hz, ${summary.duration_secs.toFixed(2)} s.`
      + (summary.warnings.length ? ` Notes: ${summary.warnings.join('; ')}.` : '')
      + summary.errors.map((e) => ` Could not read ${e.sources.join(' + ')}: ${e.message}.`).join('');
    await analyse(false);
    document.body.dataset.cardsMs = String(Math.round(performance.now() - started));
    await drawAll();
    document.body.dataset.state = 'drawn';
  } catch (error) {
    showError(name, error);
  }
}

// Quality, risk cards and the disclaimer from the worker's report, then the clinical context
// against it.
async function analyse(overrideQuality) {
  await showAnalysis(overrideQuality);
  await updateContext();
}

async function showAnalysis(overrideQuality) {
  const box = $('risk');
  box.replaceChildren();
  $('override-box').hidden = true;
  $('quality').replaceChildren();
  $('disclaimer').hidden = true;
  if (!state.model) {
    box.append(el('p', `No risk estimate: no model is loaded (${state.modelError || 'none found'}).`));
    return;
  }
  let report;
  try {
    report = await ask({ type: 'analyse', overrideQuality });
  } catch (error) {
    box.append(el('p', `No risk estimate: ${error.message}`));
    return;
  }
  state.report = report;
  state.overridden = report.quality_overridden;
  showQuality(report);
  showDisclaimer(report.model);
  if (report.error) {
    if (report.error.kind === 'quality') {
      $('override-box').hidden = false;
      box.append(el('p', 'No risk shown: the ECG did not pass the quality check.'));
    } else {
      box.append(el('p', `No risk estimate: ${report.error.message}`));
    }
    return;
  }
  if (report.quality_overridden) {
    box.append(el('p', 'Quality check overridden by you: this ECG was judged unusable, so these numbers are even less reliable than usual.', 'override-banner'));
  }
  const cards = el('div', undefined, 'cards');
  cards.id = 'risk-cards';
  for (const [vessel, v] of Object.entries(report.vessels)) cards.append(riskCard(vessel, v, report));
  box.append(cards);
}

function riskCard(vessel, v, report) {
  const stratum = v.stratum || 'none';
  const words = facts.strata[stratum] || { symbol: '', words: 'no strata in this model' };
  const card = el('article', undefined, `risk-card stratum-${stratum}`);
  card.dataset.vessel = vessel;
  card.setAttribute('aria-label', `${vessel} (${facts.arteries[vessel] || vessel}): probability ${percent(v.probability)}, ${words.words}`
    + (report.model.demonstration ? ', from a demonstration model that is not clinically validated' : ''));
  const title = el('h3', vessel);
  if (facts.arteries[vessel]) title.append(el('span', ` ${facts.arteries[vessel]}`, 'vessel-name'));
  card.append(title);
  card.append(el('p', percent(v.probability), 'probability'));
  const badge = el('p', undefined, 'stratum');
  badge.append(el('span', words.symbol, 'symbol'), ` ${words.words}`);
  card.append(badge);
  if (v.thresholds) {
    const t = v.thresholds;
    card.append(el('p', `Low below ${percent(t.rule_out.probability)} (rule-out, sensitivity ${percent(t.rule_out.sensitivity)}); `
      + `high from ${percent(t.rule_in.probability)} (rule-in, specificity ${percent(t.rule_in.specificity)}).`, 'thresholds'));
  }
  if (report.model.demonstration) card.append(el('p', 'Demonstration model: not clinically validated.', 'card-disclaimer'));
  const why = el('button', `Why? Show ${vessel} saliency`);
  why.type = 'button';
  why.className = 'no-print';
  why.addEventListener('click', () => {
    document.querySelector(`input[name="vessel"][value="${vessel}"]`).checked = true;
    explain();
    $('why-heading').scrollIntoView();
  });
  card.append(why);
  return card;
}

// The clinical context form (issue 17): what the clinician types goes to the worker, which
// computes both guidelines' likelihoods and sets the ECG's strata against them under the model
// file's rule (App.context in src/web/context.rs). Nothing typed is kept: the form lives in
// the DOM only, and is cleared when another ECG is opened.
const CONTEXT_INPUTS = ['context-age', 'context-sex', 'context-pain', 'context-dyspnoea'];

function contextFields() {
  const pain = $('context-pain').value;
  const dyspnoea = $('context-dyspnoea').checked;
  let symptoms = pain;
  if (dyspnoea) symptoms = pain && pain !== 'none' ? `${pain}+dyspnoea` : 'dyspnoea';
  const factors = Array.from(document.querySelectorAll('#context-factors input:checked'), (i) => i.value);
  return { age: $('context-age').value.trim(), sex: $('context-sex').value, symptoms, risk_factors: factors.join('+') };
}

function clearContext() {
  $('context-form').reset();
  for (const id of CONTEXT_INPUTS) $(id).removeAttribute('aria-invalid');
  state.contextGeneration += 1;
  $('context-result').replaceChildren();
}

async function updateContext() {
  const box = $('context-result');
  const fields = contextFields();
  for (const id of CONTEXT_INPUTS) $(id).removeAttribute('aria-invalid');
  const generation = ++state.contextGeneration;
  if (!fields.age && !fields.sex && !fields.symptoms && !fields.risk_factors) {
    box.replaceChildren();
    return;
  }
  const missing = ['age', 'sex', 'symptoms'].filter((k) => !fields[k]);
  if (missing.length) {
    box.replaceChildren(el('p', `Clinical context: fill in ${missing.join(', ')} to see the guideline likelihood.`, 'muted'));
    return;
  }
  let view;
  try {
    view = await ask({ type: 'context', fields });
  } catch (error) {
    if (generation !== state.contextGeneration) return;
    const input = { age: 'context-age', sex: 'context-sex', symptoms: 'context-pain' }[error.field];
    if (input) $(input).setAttribute('aria-invalid', 'true');
    box.replaceChildren(el('p', `Clinical context: ${error.field ? `${error.field}: ` : ''}${error.message}`, 'context-error'));
    return;
  }
  if (generation !== state.contextGeneration) return;
  box.replaceChildren(...contextView(view, fields));
}

const guidelineOf = (key) => facts.guidelines.find((g) => g.key === key) || { title: key, categories: [] };
const categoryWords = (guideline, key) => (guidelineOf(guideline).categories.find((c) => c.key === key) || { words: key }).words;
const stratumWords = (s) => (s ? (facts.strata[s] || { words: s }).words : 'no stratum');
const AGAINST = { same: 'the same band', higher: 'ECG higher', lower: 'ECG lower' };

function contextView({ context, rule }, fields) {
  const out = [el('h3', 'Clinical context')];
  const factors = fields.risk_factors ? fields.risk_factors.split('+').length : 0;
  out.push(el('p', `As typed: ${fields.age} years, ${fields.sex}, symptoms ${fields.symptoms}, `
    + `${factors} risk factor${factors === 1 ? '' : 's'}.`, 'context-typed'));
  const table = el('table', undefined, 'context-table');
  table.id = 'context-likelihoods';
  const head = el('tr');
  for (const h of ['Guideline model', 'Pre-test likelihood', 'Category']) head.append(el('th', h));
  table.append(head);
  for (const l of context.likelihoods) {
    const row = el('tr');
    row.dataset.guideline = l.guideline;
    row.append(el('td', guidelineOf(l.guideline).title));
    if (l.percent === null || l.percent === undefined) {
      const cell = el('td', `none: ${l.out_of_range}`);
      cell.colSpan = 2;
      row.append(cell);
    } else {
      row.append(el('td', `${l.percent} %`, 'ptp'));
      const grey = guidelineOf(l.guideline).grey_zone === l.category ? ' (grey zone)' : '';
      row.append(el('td', categoryWords(l.guideline, l.category) + grey, 'category'));
    }
    table.append(row);
  }
  out.push(table);
  if (context.vessels.length) {
    const against = el('table', undefined, 'context-table');
    against.id = 'context-against';
    const titles = context.likelihoods.filter((l) => l.category).map((l) => l.guideline);
    const top = el('tr');
    top.append(el('th', 'ECG stratum'));
    for (const g of titles) top.append(el('th', `against ${g === 'esc2019' ? 'ESC 2019' : 'ESC 2024'}`));
    against.append(top);
    for (const v of context.vessels) {
      const row = el('tr');
      row.dataset.vessel = v.vessel;
      row.append(el('td', `${v.vessel === 'any' ? 'any vessel' : v.vessel}: ${stratumWords(v.stratum)}`));
      for (const g of titles) {
        const a = v.against.find((x) => x.guideline === g);
        row.append(el('td', a ? `likelihood band ${a.band}: ${AGAINST[a.ecg]}` : '—'));
      }
      against.append(row);
    }
    out.push(el('p', 'How each vessel\'s ECG stratum sits against the likelihood (below the guideline\'s grey zone = low, the grey zone = intermediate, above = high): a side-by-side reading, not a combination.', 'hint'));
    out.push(against);
  }
  const combined = context.combined;
  if (combined) {
    const box = el('div', undefined, 'context-combined');
    box.id = 'context-combined';
    const g = combined.guideline;
    box.append(el('p', `Combined under the model file's rule (${guidelineOf(g).title}): likelihood ${categoryWords(g, combined.likelihood)} `
      + `with the ECG's ${stratumWords(combined.stratum)} for any vessel → ${categoryWords(g, combined.combined)}.`));
    box.append(el('p', combined.wording));
    if (combined.demonstration) box.append(el('p', 'This is a demonstration rule: it was validated on no patient and must not guide any decision.', 'disclaimer'));
    out.push(box);
  }
  for (const note of context.notes) out.push(el('p', `Note: ${note}.`, 'context-note'));
  if (rule && !rule.demonstration) out.push(el('p', `The rule's validation, as its model file states it: ${rule.source}`, 'hint'));
  const model = (state.report && state.report.model) || state.model;
  out.push(el('p', 'The likelihoods are the guidelines\' published tables; the ECG strata come from the loaded model'
    + (model && model.demonstration ? ', a demonstration model trained on synthetic ECGs and synthetic patterns on real recordings. Nothing here is clinically validated.' : '. The combination is only as valid as that model file\'s validation.'), 'disclaimer'));
  return out;
}

function showQuality(report) {
  const box = $('quality');
  if (!report.quality) return;
  const verdict = report.quality.verdict;
  const line = el('p', undefined, `quality quality-${verdict}`);
  line.append(el('strong', `Signal quality: ${verdict}`));
  const findings = report.quality.findings;
  line.append(findings.length ? ` (${findings.length} finding${findings.length > 1 ? 's' : ''})` : ' (nothing found)');
  box.append(line);
  if (findings.length) {
    const list = el('ul', undefined, 'findings');
    for (const f of findings) list.append(el('li', `${f.severity}: ${f.message}`));
    box.append(list);
  }
  for (const w of report.warnings) box.append(el('p', `Note: ${w.message}`, 'warning'));
}

function showDisclaimer(model) {
  const note = $('disclaimer');
  note.hidden = !model.demonstration;
  note.textContent = model.demonstration ? model.disclaimer : '';
}

// Saliency for the chosen vessel: progress for integrated gradients, then the lists of the
// leads and beat phases with the largest share, and the shaded tracing.
async function explain() {
  const vessel = selectedVessel();
  const box = $('why-summary');
  if (!vessel) {
    state.explained = null;
    resetWhy();
    await drawAll();
    return;
  }
  if (!state.report || state.report.error) {
    box.replaceChildren(el('p', 'No saliency: there is no risk estimate for this ECG.'));
    return;
  }
  const method = $('method').value;
  const steps = method === 'integrated-gradients' ? 32 : undefined;
  const bar = $('explain-progress');
  bar.hidden = method !== 'integrated-gradients';
  bar.value = 0;
  box.replaceChildren(el('p', `Computing the ${vessel} saliency…`));
  document.body.dataset.explaining = vessel;
  try {
    const result = await ask({ type: 'explain', vessel, method, steps }, [], ({ done, total }) => {
      bar.max = total;
      bar.value = done;
    });
    state.explained = { vessel, method };
    showWhy(result.summary, result.method_words, result.elapsed_ms);
    await drawAll();
  } catch (error) {
    box.replaceChildren(el('p', `No saliency: ${error.message}`));
  } finally {
    bar.hidden = true;
    delete document.body.dataset.explaining;
    document.body.dataset.explained = selectedVessel();
  }
}

function showWhy(summary, methodWords, elapsedMs) {
  const box = $('why-summary');
  box.replaceChildren();
  box.append(el('p', `${summary.vessel}: saliency by ${methodWords}, computed in ${Math.round(elapsedMs)} ms on this device.`));
  const top = (shares, n) => Object.entries(shares).sort((a, b) => b[1] - a[1]).slice(0, n);
  const leads = el('ol', undefined, 'top-leads');
  leads.id = 'top-leads';
  for (const [lead, share] of top(summary.lead_share, 4)) leads.append(el('li', `${lead}: ${percent(share)} of the attribution`));
  const phases = el('ol', undefined, 'top-phases');
  phases.id = 'top-phases';
  for (const [phase, share] of top(summary.phase_share, 3)) phases.append(el('li', `${phase}: ${percent(share)}`));
  const columns = el('div', undefined, 'why-columns');
  const a = el('div'); a.append(el('h3', 'Leads with the largest share'), leads);
  const b = el('div'); b.append(el('h3', 'Beat phases'), phases,
    el('p', `${percent(summary.phase_coverage)} of the attribution falls inside the P, QRS and ST-T windows of the detected beats.`, 'hint'));
  columns.append(a, b);
  box.append(columns);
}

// The model card: name, version, intended use, metrics, disclaimer, warnings.
function showModel(model) {
  const box = $('model-card');
  box.replaceChildren();
  if (!model) {
    box.append(el('p', `No model loaded (${state.modelError || 'none found'}): the page reads and draws ECGs but gives no risk estimate.`));
    return;
  }
  box.dataset.model = `${model.name} ${model.version}`;
  box.append(el('h3', `${model.name}, version ${model.version}`));
  if (model.demonstration) box.append(el('p', 'A demonstration model, not clinically validated.', 'demo-flag'));
  // A file made by 'calibrate' (or the campaign view's "Save a calibrated model file"): the
  // cut-offs (and any recalibration) are a site's own, chosen on its labelled ECGs.
  if (model.local_validation) box.append(el('p', `Site calibration: ${model.local_validation}.`, 'local-validation'));
  const facts = el('dl', undefined, 'facts');
  const fact = (term, value) => { facts.append(el('dt', term), el('dd', value)); };
  fact('Intended use', model.intended_use);
  fact('Training data', model.training_data);
  fact('Outputs', model.outputs.join(', '));
  fact('Input', `${model.preprocessing} preprocessing; ${model.parameters.toLocaleString('en')} parameters`);
  box.append(facts);
  if (model.metrics && typeof model.metrics === 'object' && Object.keys(model.metrics).length) {
    box.append(el('h4', 'Metrics stated by the model file'));
    box.append(metricsTable(model.metrics));
  }
  box.append(el('p', model.disclaimer, 'disclaimer'));
  for (const w of model.warnings) box.append(el('p', `Note: ${w}`, 'warning'));
}

// Metrics as a definition list, one line per entry: numbers rounded for reading, nested
// objects flattened one level, long arrays (reliability bins, say) counted rather than listed.
function describeMetric(value, depth = 0) {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3);
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'number') && value.length <= 4) return value.map((v) => describeMetric(v)).join(value.length === 2 ? '–' : ', ');
    return `${value.length} entries`;
  }
  if (value && typeof value === 'object') {
    if (depth >= 2) return `${Object.keys(value).length} fields`;
    return Object.entries(value).map(([k, v]) => `${k} ${describeMetric(v, depth + 1)}`).join(', ');
  }
  return String(value);
}

function metricsTable(metrics) {
  const list = el('dl', undefined, 'metrics');
  for (const [key, value] of Object.entries(metrics)) {
    if (value && typeof value === 'object' && !Array.isArray(value)
      && Object.values(value).every((v) => v && typeof v === 'object' && !Array.isArray(v))) {
      // One line per member (per vessel, say).
      for (const [member, inner] of Object.entries(value)) {
        list.append(el('dt', `${key}: ${member}`), el('dd', describeMetric(inner, 1)));
      }
    } else {
      list.append(el('dt', key), el('dd', describeMetric(value)));
    }
  }
  return list;
}

async function loadModelFile(file) {
  $('model-message').textContent = '';
  $('model-card').setAttribute('aria-busy', 'true');
  $('model-card').prepend(el('p', `Loading ${file.name}…`, 'muted'));
  try {
    const bytes = await file.arrayBuffer();
    const kept = bytes.slice(0);
    const model = await ask({ type: 'loadModel', bytes }, [bytes]);
    state.modelBytes = kept;
    state.model = model;
    showModel(model);
    if (state.record) {
      resetWhy();
      await analyse(false);
      await drawAll();
    }
  } catch (error) {
    $('model-message').textContent = `Could not load ${file.name}: ${error.message}. The previous model is still in use.`;
    showModel(state.model);
  } finally {
    $('model-card').removeAttribute('aria-busy');
  }
}

async function loadExamples() {
  const list = $('example-list');
  try {
    const response = await fetch(new URL('./examples.json', import.meta.url));
    const { examples } = await response.json();
    for (const example of examples) {
      const item = el('li');
      const button = el('button', example.title);
      button.type = 'button';
      button.addEventListener('click', async () => {
        try {
          const files = await Promise.all(example.files.map(async (path) => {
            const r = await fetch(new URL(`../${path}`, import.meta.url));
            if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
            return { name: path.split('/').pop(), bytes: await r.arrayBuffer() };
          }));
          await openFiles(files);
        } catch (error) {
          showError(example.title, error);
        }
      });
      item.append(button, el('span', ` Licence: ${example.licence}.`, 'licence'));
      list.append(item);
    }
  } catch (error) {
    list.append(el('li', `The example list could not be loaded: ${error.message}`));
  }
}

// Print: the report carries the saliency of the highest-risk vessel, the date and, only when
// the box is ticked, the patient identifiers from the file (cleared again after printing).
async function printReport() {
  if (state.report && !state.report.error) {
    const [top] = Object.entries(state.report.vessels).sort((a, b) => b[1].probability - a[1].probability);
    if (top && !(state.explained && state.explained.vessel === top[0] && selectedVessel() === top[0])) {
      document.querySelector(`input[name="vessel"][value="${top[0]}"]`).checked = true;
      await explain();
    }
  }
  const r = state.report;
  $('print-meta').textContent = `Printed ${new Date().toLocaleString()} · ${facts.release} · file: ${state.record ? state.record.name : 'none'}`
    + (r ? ` · model: ${r.model.name} ${r.model.version} · computed on ${r.backend.kind}` : '');
  $('print-patient').textContent = '';
  if ($('include-patient').checked && state.record) {
    const patient = await ask({ type: 'patient' });
    $('print-patient').textContent = patient
      ? `Patient: ${[patient.name, patient.id && `ID ${patient.id}`, patient.birth_date && `born ${patient.birth_date}`].filter(Boolean).join(' · ')}`
      : 'Patient: the file carries no identifiers this reader knows.';
  }
  window.print();
}

async function startOffline() {
  const status = $('offline-status');
  if (!('serviceWorker' in navigator)) {
    status.textContent = 'offline use: not available in this browser';
    return;
  }
  try {
    await navigator.serviceWorker.register(new URL('../sw.js', import.meta.url), { scope: '../' });
    await navigator.serviceWorker.ready;
    status.textContent = 'offline use: ready (the page is kept in this browser)';
    document.body.dataset.offlineReady = 'true';
  } catch (error) {
    status.textContent = `offline use: not available (${error.message})`;
  }
}

// The chosen or dropped files' bytes, or null after saying which one could not be read: a
// file over the readers' byte limit is refused by its size before it is read, and one the
// browser cannot read (gone, or too large for it) gets a message too.
async function readPicked(picked) {
  const name = picked.map((f) => f.name).join(' + ');
  const tooLarge = picked.find((f) => f.size > facts.maxFileBytes);
  if (tooLarge) {
    showError(tooLarge.name, { message: `${tooLarge.size} bytes, more than the limit of ${facts.maxFileBytes}` });
    return null;
  }
  try {
    return await Promise.all(picked.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
  } catch (error) {
    showError(name, { message: `the browser could not read it (${error.name}: ${error.message})` });
    return null;
  }
}

function wire() {
  const openChosen = async () => {
    const picked = Array.from($('file').files);
    if (!picked.length) return;
    const files = await readPicked(picked);
    // Cleared, so that choosing the same file again (after editing it, say) reads it again.
    $('file').value = '';
    if (files) await openFiles(files);
  };
  $('file').addEventListener('change', openChosen);
  // On a slow link the file input is on screen before this script has run: a file chosen
  // then is opened now (it waits for the engine as any other).
  openChosen();
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('dragging'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', async (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    const dropped = Array.from(event.dataTransfer.files);
    if (!dropped.length) return;
    const files = await readPicked(dropped);
    if (files) await openFiles(files);
  });
  $('override').addEventListener('click', async () => {
    await analyse(true);
    await drawAll();
  });
  for (const id of ['layout', 'speed', 'gain']) $(id).addEventListener('change', () => drawAll());
  for (const radio of document.querySelectorAll('input[name="vessel"]')) radio.addEventListener('change', () => explain());
  $('method').addEventListener('change', () => { if (selectedVessel()) explain(); });
  $('model-file').addEventListener('change', () => {
    const [file] = $('model-file').files;
    if (file) loadModelFile(file);
  });
  $('print').addEventListener('click', () => printReport());
  $('context-form').addEventListener('input', () => updateContext());
  $('context-form').addEventListener('submit', (event) => event.preventDefault());
  $('context-clear').addEventListener('click', () => clearContext());
  window.addEventListener('afterprint', () => { $('print-patient').textContent = ''; });
  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => drawAll(), 200);
  });
}

// With ?testing in the address, the end-to-end suite can make the worker panic, to check that
// the page recovers (tests/e2e/page.test.mjs). Nothing else uses it.
if (new URLSearchParams(location.search).has('testing')) {
  window.ecgTesting = { trap: () => ask({ type: 'trap' }).catch((error) => error.message) };
}

// The two views: one ECG, or a campaign (www/campaign.js).
function showView(view) {
  document.body.dataset.view = view;
  $('view-single').setAttribute('aria-pressed', String(view === 'single'));
  $('view-campaign').setAttribute('aria-pressed', String(view === 'campaign'));
}

function wireCampaign() {
  $('view-single').addEventListener('click', () => showView('single'));
  $('view-campaign').addEventListener('click', () => showView('campaign'));
  const campaign = initCampaign({
    modelBytes: () => state.modelBytes,
    modelInfo: () => state.model,
    backendChoice,
    engineModule: () => engineModule,
    // The summary's histograms, drawn by the page's own worker (campaign workers come and go).
    drawHistograms: (names, values) => ask({ type: 'campaignHistograms', names, values, width: 960, height: 480 }),
    // The cohort view's running sums live in the page's worker too: each record's part is
    // added as it comes, so they outlast the campaign's workers.
    cohort: {
      reset: (setup) => {
        // The running sums live in this worker now: the WebGPU engine does not take over
        // until they are forgotten.
        state.cohortInWorker = true;
        return ask({ type: 'cohortReset', setup });
      },
      add: (part, beats) => ask({ type: 'cohortAdd', part, beats }, [beats.buffer]),
      draw: () => ask({ type: 'cohortDraw' }),
      forget: () => ask({ type: 'cohortForget' }).finally(() => { state.cohortInWorker = false; }),
    },
    // A clinical context file is checked by the page's worker when chosen.
    checkContext: (bytes) => ask({ type: 'campaignContextCheck', bytes }, [bytes]),
    // Local validation: the report and the calibrated file are made by the page's worker,
    // which holds the model the campaign ran; a calibrated file can then replace it.
    validate: {
      report: (table, labelsName, labels, options) => ask({ type: 'validationReport', table, labelsName, labels, options }),
      calibrate: (table, labelsName, labels, options) => ask({ type: 'calibratedModel', table, labelsName, labels, options }),
      useModel: async (file) => {
        showView('single');
        await loadModelFile(file);
      },
    },
    // A row opens its record in the single-ECG view, read again from its files' handles.
    openRecord: async (picked) => {
      showView('single');
      const files = await readPicked(picked.map(({ name, file }) => ({ name, size: file.size, arrayBuffer: () => file.arrayBuffer() })));
      if (files) await openFiles(files);
    },
  });
  if (new URLSearchParams(location.search).has('testing')) window.ecgTesting.campaign = campaign;
}

async function start() {
  const tracing = $('tracing').transferControlToOffscreen();
  const beats = $('beats').transferControlToOffscreen();
  wire();
  wireCampaign();
  loadExamples();
  worker = spawnWorker();
  engine = startWorker(tracing, beats);
  // The service worker's first install downloads the page's files again (module and model
  // included): only once the engine has them, so that it does not halve the bandwidth of a
  // cold start (scripts/bench-cold.mjs: 10.2 s → see BENCHMARKS.md).
  engine.finally(() => startOffline());
  try {
    const started = await engine;
    document.body.dataset.engine = 'ready';
    takeFacts(started.facts);
    state.model = started.model;
    state.modelError = started.modelError;
    $('backend').textContent = describeBackend(started.backend, started.upgrade);
    showModel(state.model);
    document.body.dataset.backend = started.backend.kind;
    document.body.dataset.state = 'ready';
    if (started.upgrade) loadWebgpuEngine();
  } catch (error) {
    $('backend').textContent = `unavailable: ${error.message}`;
    document.body.dataset.state = 'failed';
  }
}

start();
