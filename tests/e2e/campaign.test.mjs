// End-to-end: the campaign view (www/campaign.js) on a folder of 300+ records in Debian's
// Chromium, against the command line's `predict DIR --csv` on the same folder. Run with
// `node --test tests/e2e/` after building pkg/ and the native binary (target/debug or
// target/release, or ECG_STENOSIS_BIN; scripts/check.sh keeps the tests' build in target/e2e/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch } from '../../scripts/browser.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Its own port: node runs the test files of tests/e2e/ side by side.
const port = Number(process.env.E2E_CAMPAIGN_PORT || 8124);
const origin = `http://127.0.0.1:${port}`;
const work = path.join(root, 'target/e2e-campaign');
// A folder whose name a spreadsheet would take for a formula: every file cell starts with it.
const folderName = '=1+2 campaign';
const folder = path.join(work, folderName);

let server;
let browser;
let cliCsv;
let records;
// A small folder (one copy of every fixture format, 12 synthetic ECGs, the bad files): its CSV
// and its cohort with saliency from the command line.
const small = path.join(work, 'small');
let smallCsv;
let smallCohort;
const allRequests = [];

function binary() {
  const candidates = [process.env.ECG_STENOSIS_BIN, 'target/e2e/ecg-stenosis',
    'target/debug/ecg-stenosis', 'target/release/ecg-stenosis'].filter(Boolean);
  const found = candidates.map((c) => path.resolve(root, c)).find((c) => fs.existsSync(c));
  assert.ok(found, `no ecg-stenosis binary: build one (cargo build) or set ECG_STENOSIS_BIN; looked in ${candidates.join(', ')}`);
  return found;
}

// RFC 4180 lines (CRLF) into fields.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 1; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field); rows.push(row); row = []; field = ''; i += 1;
    } else field += c;
  }
  assert.equal(field + row.join(''), '', 'the CSV ends with CRLF');
  return rows;
}

before(async () => {
  const bin = binary();
  // 5 copies of every fixture format, 200 synthetic ECGs, 14 bad files.
  const made = spawnSync('bash', [path.join(root, 'scripts/make-campaign.sh'), folder, '5', '200', bin], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const cli = spawnSync(bin, ['predict', folderName, '--csv', '-', '--jobs', '2'], { cwd: work, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.ok(cli.status === 0 || cli.status === 1, `predict failed: ${cli.stderr}`);
  cliCsv = cli.stdout;
  records = parseCsv(cliCsv).length - 1;
  const madeSmall = spawnSync('bash', [path.join(root, 'scripts/make-campaign.sh'), small, '1', '12', bin], { encoding: 'utf8' });
  assert.equal(madeSmall.status, 0, madeSmall.stderr);
  const json = path.join(work, 'small-cohort.json');
  const cliSmall = spawnSync(bin, ['predict', 'small', '--csv', '-', '--cohort-json', json, '--cohort-saliency'], { cwd: work, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.ok(cliSmall.status === 0 || cliSmall.status === 1, `predict failed: ${cliSmall.stderr}`);
  smallCsv = cliSmall.stdout;
  smallCohort = JSON.parse(fs.readFileSync(json, 'utf8'));
  server = await serve(port);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill();
});

async function openCampaign() {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  context.on('request', (request) => allRequests.push(request.url()));
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`${origin}/index.html?backend=cpu&testing`);
  await page.waitForFunction(() => ['ready', 'failed'].includes(document.body.dataset.state), null, { timeout: 120_000 });
  await page.click('#view-campaign');
  await page.fill('#campaign-workers', '2');
  return { page, context, errors };
}

async function chooseFolder(page) {
  await page.evaluate(() => { delete document.body.dataset.campaign; });
  await page.setInputFiles('#campaign-folder', folder);
}

test('a folder of 300+ records: one row each, bad ones with their reason, the CSV equals the command line\'s', async () => {
  assert.ok(records >= 300, `the campaign has ${records} records`);
  const { page, context, errors } = await openCampaign();
  await chooseFolder(page);
  await page.waitForFunction(() => ['finished', 'failed'].includes(document.body.dataset.campaign), null, { timeout: 600_000 });
  assert.equal(await page.getAttribute('body', 'data-campaign'), 'finished', await page.textContent('#campaign-status'));
  assert.equal(await page.evaluate(() => window.ecgTesting.campaign.workers()), 0, 'the pool is given back when done');
  // The summary: counts per stratum, and the histograms drawn by the worker.
  await page.waitForFunction(() => document.body.dataset.campaignHistograms, null, { timeout: 60_000 });
  const histograms = await page.evaluate(() => {
    const image = document.getElementById('campaign-histograms');
    return { width: image.naturalWidth, alt: image.alt, hidden: image.hidden };
  });
  assert.equal(histograms.hidden, false);
  assert.equal(histograms.width, 960);
  assert.match(histograms.alt, /RCA \d+ records, LM \d+ records, LAD \d+ records, LCX \d+ records/);
  assert.match(await page.textContent('#campaign-summary'), /records with an error: \d+ of \d+/);
  // The cohort view: every record with an estimate, in the groups of its strata.
  await page.waitForFunction(() => document.body.dataset.campaignCohort, null, { timeout: 60_000 });
  const cohortRows = parseCsv(cliCsv);
  const withEstimate = cohortRows.slice(1).filter((row) => row[cohortRows[0].indexOf('error')] === '');
  assert.equal(Number(await page.getAttribute('body', 'data-campaign-cohort')), withEstimate.length);
  const cohortImage = await page.evaluate(() => {
    const image = document.getElementById('campaign-cohort');
    return { width: image.naturalWidth, alt: image.alt, hidden: image.hidden };
  });
  assert.equal(cohortImage.hidden, false);
  assert.ok(cohortImage.width > 1000, `${cohortImage.width} px wide`);
  for (const vessel of ['RCA', 'LM', 'LAD', 'LCX']) {
    const stratum = cohortRows[0].indexOf(`${vessel}_stratum`);
    const count = (s) => withEstimate.filter((row) => row[stratum] === s).length;
    assert.ok(cohortImage.alt.includes(`${vessel} ${count('high')} high, ${count('low')} low`), `${vessel}: ${cohortImage.alt}`);
  }
  assert.equal(await page.locator('#campaign-attribution table').count(), 0, 'no attribution without cohort saliency');

  const pageRows = parseCsv(await page.evaluate(() => window.ecgTesting.campaign.exported('csv')));
  const cliRows = parseCsv(cliCsv);
  assert.deepEqual(pageRows[0], cliRows[0], 'same header');
  assert.equal(pageRows.length, cliRows.length, 'one row per record, as the command line');
  const header = cliRows[0];
  const timing = header.indexOf('total_ms');
  const probabilities = header.flatMap((h, i) => (h.endsWith('_probability') ? [i] : []));
  for (let r = 1; r < cliRows.length; r += 1) {
    for (let c = 0; c < header.length; c += 1) {
      if (c === timing) continue;
      if (probabilities.includes(c) && cliRows[r][c] !== '') {
        // wasm's simd128 and the native kernels sum in different orders: the sixth decimal
        // may differ by one.
        assert.ok(Math.abs(Number(pageRows[r][c]) - Number(cliRows[r][c])) <= 2e-6,
          `row ${r} ${header[c]}: page ${pageRows[r][c]}, command line ${cliRows[r][c]}`);
      } else {
        assert.equal(pageRows[r][c], cliRows[r][c], `row ${r} (${cliRows[r][0]}) column ${header[c]}`);
      }
    }
  }
  const error = header.indexOf('error');
  const bad = pageRows.slice(1).filter((row) => row[0].includes('/bad/'));
  assert.ok(bad.length >= 10, `${bad.length} bad files`);
  for (const row of bad) assert.notEqual(row[error], '', `${row[0]} carries its reason`);
  const pdf = bad.find((row) => row[0].endsWith('printed.pdf'));
  assert.match(pdf[error], /PDF/i);
  // Every file cell starts with the folder's name, '=1+2 …': neutralised.
  for (const row of pageRows.slice(1)) assert.ok(row[0].startsWith(`'${folderName}/`), row[0]);
  const raw = await page.evaluate(() => window.ecgTesting.campaign.exported('csv'));
  assert.ok(!/\r\n=/.test(raw), 'no line starts a formula');

  // Pseudonymised: no file name left, each row its position and hash.
  await page.check('#campaign-pseudonymise');
  const hidden = await page.evaluate(() => window.ecgTesting.campaign.exported('csv'));
  for (const name of ['campaign', 'copy-0', 'A000', 'guangxi', 'synthetic-', 'printed']) {
    assert.ok(!hidden.includes(name), `no name left: ${name} in ${hidden.split('\r\n').find((line) => line.includes(name))}`);
  }
  const hiddenRows = parseCsv(hidden);
  for (const row of hiddenRows.slice(1)) assert.match(row[0], /^record-\d{5}-[0-9a-f]{8}$/);
  const cliHidden = spawnSync(binary(), ['predict', folderName, '--csv', '-', '--pseudonymise'], { cwd: work, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.deepEqual(hiddenRows.map((row) => row[0]), parseCsv(cliHidden.stdout).map((row) => row[0]), 'same pseudonyms as the command line');
  const lines = (await page.evaluate(() => window.ecgTesting.campaign.exported('jsonl'))).trim().split('\n');
  assert.equal(lines.length, records);
  assert.deepEqual(Object.keys(JSON.parse(lines[lines.length - 1]).vessels), ['RCA', 'LM', 'LAD', 'LCX']);
  await page.uncheck('#campaign-pseudonymise');

  // The download button gives the same CSV as a file.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#campaign-csv')]);
  assert.equal(fs.readFileSync(await download.path(), 'utf8'), raw);

  // The printed summary: counts, histograms, model card and disclaimer, no table, no names.
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => {
    const shown = (id) => getComputedStyle(document.getElementById(id)).display !== 'none'
      && document.getElementById(id).closest('.no-print') === null;
    return {
      summary: shown('campaign-summary'),
      histograms: shown('campaign-histograms'),
      cohort: shown('campaign-cohort'),
      table: shown('campaign-table'),
      model: getComputedStyle(document.getElementById('model-card')).display !== 'none',
      disclaimer: shown('campaign-heading') && document.querySelector('#campaign .disclaimer').offsetParent !== null,
    };
  });
  assert.deepEqual(printed, { summary: true, histograms: true, cohort: true, table: false, model: true, disclaimer: true });
  fs.mkdirSync(path.join(root, 'target/screenshots'), { recursive: true });
  const printout = await page.pdf({ path: path.join(root, 'target/screenshots/campaign-summary.pdf'), preferCSSPageSize: true, printBackground: true });
  const pages = (printout.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.ok(pages >= 2 && pages <= 3, `the summary prints on ${pages} A4 pages (the cohort view on its own)`);
  await page.emulateMedia({ media: 'screen' });

  // The vessel filter offers the model's outputs; with a stratum it shows that stratum's rows.
  assert.deepEqual(await page.$$eval('#campaign-filter-vessel option', (options) => options.map((o) => o.value)),
    ['', 'RCA', 'LM', 'LAD', 'LCX']);
  await page.selectOption('#campaign-filter-vessel', 'LAD');
  await page.selectOption('#campaign-filter-stratum', 'high');
  const ladHigh = cliRows.slice(1).filter((row) => row[header.indexOf('LAD_stratum')] === 'high').length;
  assert.ok(ladHigh > 0);
  assert.equal(await page.locator('#campaign-table tr[data-position]').count(), Math.min(200, ladHigh));
  await page.selectOption('#campaign-filter-stratum', '');
  await page.selectOption('#campaign-filter-vessel', '');

  // Filter to errors, then open a good record from the table in the single-ECG view.
  await page.selectOption('#campaign-filter-error', 'error');
  const shownErrors = await page.locator('#campaign-table tr[data-position]').count();
  assert.ok(shownErrors >= 10 && shownErrors < records, `${shownErrors} rows with an error shown`);
  await page.selectOption('#campaign-filter-error', 'none');
  await page.evaluate(() => { document.body.dataset.state = 'waiting'; });
  await page.locator('#campaign-table tr[data-position]:not(.campaign-error) button').first().click();
  await page.waitForFunction(() => ['drawn', 'error'].includes(document.body.dataset.state), null, { timeout: 120_000 });
  assert.equal(await page.getAttribute('body', 'data-state'), 'drawn', await page.textContent('#message'));
  assert.equal(await page.getAttribute('body', 'data-view'), 'single');
  assert.match(await page.textContent('#summary'), new RegExp(`${folderName.replace(/[+]/g, '\\+')}/`));
  assert.deepEqual(errors, []);
  await context.close();
});

test('pause holds the queue, resume goes on, cancel stops with the rows done so far', async () => {
  const { page, context, errors } = await openCampaign();
  await chooseFolder(page);
  await page.waitForFunction(() => Number(document.body.dataset.campaignDone || 0) >= 10, null, { timeout: 300_000 });
  await page.click('#campaign-pause');
  assert.equal(await page.getAttribute('body', 'data-campaign'), 'paused');
  // What was in flight finishes (at most one record per worker), then nothing moves.
  await page.waitForTimeout(1500);
  const paused = Number(await page.getAttribute('body', 'data-campaign-done'));
  await page.waitForTimeout(1500);
  assert.equal(Number(await page.getAttribute('body', 'data-campaign-done')), paused, 'nothing is analysed while paused');
  await page.click('#campaign-resume');
  await page.waitForFunction((n) => Number(document.body.dataset.campaignDone) >= n + 10, paused, { timeout: 300_000 });
  await page.click('#campaign-cancel');
  await page.waitForFunction(() => document.body.dataset.campaign === 'cancelled');
  const done = Number(await page.getAttribute('body', 'data-campaign-done'));
  assert.ok(done < records, `cancelled after ${done} of ${records}`);
  await page.waitForTimeout(1000);
  assert.equal(Number(await page.getAttribute('body', 'data-campaign-done')), done, 'nothing after cancel');
  const rows = parseCsv(await page.evaluate(() => window.ecgTesting.campaign.exported('csv')));
  assert.ok(rows.length - 1 >= done, 'the rows done so far can be exported');
  assert.match(await page.textContent('#campaign-status'), /cancelled/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('cohort saliency: the mean shares of attribution per lead and phase equal the command line\'s', async () => {
  const native = smallCohort;
  assert.ok(native.records >= 20, `${native.records} records with an estimate`);

  const { page, context, errors } = await openCampaign();
  await page.check('#campaign-saliency');
  await page.evaluate(() => { delete document.body.dataset.campaign; });
  await page.setInputFiles('#campaign-folder', small);
  await page.waitForFunction(() => ['finished', 'failed'].includes(document.body.dataset.campaign), null, { timeout: 600_000 });
  await page.waitForFunction(() => document.body.dataset.campaignCohort, null, { timeout: 60_000 });
  const summary = await page.evaluate(() => window.ecgTesting.campaign.cohort());
  assert.equal(summary.records, native.records);
  assert.equal(await page.locator('#campaign-attribution table').count(), native.outputs.length);
  summary.outputs.forEach((output, o) => {
    const expected = native.outputs[o];
    assert.equal(output.vessel, expected.vessel);
    assert.deepEqual([output.high_records, output.low_records, output.attribution_records],
      [expected.high_records, expected.low_records, expected.attribution_records], output.vessel);
    assert.equal(output.attribution_records, native.records);
    let total = 0;
    output.attribution.forEach((row, i) => {
      for (const phase of ['P', 'QRS', 'ST-T']) {
        total += row[phase];
        // wasm's and the native kernels' sums run in different orders.
        assert.ok(Math.abs(row[phase] - expected.attribution[i][phase]) < 1e-4,
          `${output.vessel} ${row.lead} ${phase}: page ${row[phase]}, command line ${expected.attribution[i][phase]}`);
      }
    });
    assert.ok(Math.abs(total - 1) < 1e-9, `${output.vessel} shares sum to ${total}`);
  });
  assert.deepEqual(errors, []);
  await context.close();
});

// The CSV's rows without the timing column.
function withoutTiming(text) {
  const rows = parseCsv(text);
  const timing = rows[0].indexOf('total_ms');
  return rows.map((row) => row.filter((_, i) => i !== timing));
}

test('a worker whose engine stops mid-campaign is replaced, and its records in flight are analysed again', async () => {
  const { page, context, errors } = await openCampaign();
  await page.evaluate(() => { delete document.body.dataset.campaign; });
  await page.setInputFiles('#campaign-folder', small);
  await page.waitForFunction(() => Number(document.body.dataset.campaignDone || 0) >= 3, null, { timeout: 300_000 });
  assert.equal(await page.evaluate(() => window.ecgTesting.campaign.trap(0)), true);
  await page.waitForFunction(() => ['finished', 'failed'].includes(document.body.dataset.campaign), null, { timeout: 600_000 });
  assert.equal(await page.getAttribute('body', 'data-campaign'), 'finished', await page.textContent('#campaign-status'));
  assert.equal(await page.evaluate(() => window.ecgTesting.campaign.restarts()), 1, 'the stopped worker was replaced once');
  const pageRows = withoutTiming(await page.evaluate(() => window.ecgTesting.campaign.exported('csv')));
  const cliRows = withoutTiming(smallCsv);
  assert.equal(pageRows.length, cliRows.length);
  const probabilities = cliRows[0].flatMap((h, i) => (h.endsWith('_probability') ? [i] : []));
  for (let r = 1; r < cliRows.length; r += 1) {
    assert.ok(!pageRows[r].join(',').includes('engine stopped'), `row ${r}: ${pageRows[r].join(',')}`);
    for (let c = 0; c < cliRows[0].length; c += 1) {
      if (probabilities.includes(c) && cliRows[r][c] !== '') {
        assert.ok(Math.abs(Number(pageRows[r][c]) - Number(cliRows[r][c])) <= 2e-6, `row ${r} ${cliRows[0][c]}`);
      } else {
        assert.equal(pageRows[r][c], cliRows[r][c], `row ${r} column ${cliRows[0][c]}`);
      }
    }
  }
  assert.deepEqual(errors, []);
  await context.close();
});

// Rows kept in this browser's IndexedDB (only with the box ticked).
function keptCount(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('ecg-stenosis-campaigns', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('rows', { keyPath: ['campaign', 'position'] }).createIndex('campaign', 'campaign');
    open.onsuccess = () => {
      const count = open.result.transaction('rows').objectStore('rows').count();
      count.onsuccess = () => { resolve(count.result); open.result.close(); };
      count.onerror = () => reject(count.error);
    };
    open.onerror = () => reject(open.error);
  }));
}

test('kept rows resume an interrupted campaign after a reload, and forgetting removes them', async () => {
  const { page, context, errors } = await openCampaign();
  assert.equal(await keptCount(page), 0, 'nothing is kept unless asked');
  await page.check('#campaign-keep');
  await chooseFolder(page);
  await page.waitForFunction(() => Number(document.body.dataset.campaignDone || 0) >= 20, null, { timeout: 300_000 });
  await page.click('#campaign-cancel');
  await page.waitForFunction(() => document.body.dataset.campaign === 'cancelled');
  const first = Number(await page.getAttribute('body', 'data-campaign-done'));
  for (let i = 0; i < 50 && (await keptCount(page)) < first; i += 1) await page.waitForTimeout(100);
  assert.equal(await keptCount(page), first, 'every row done is kept');

  await page.reload();
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 120_000 });
  await page.click('#view-campaign');
  await page.fill('#campaign-workers', '2');
  await page.check('#campaign-keep');
  await chooseFolder(page);
  await page.waitForFunction(() => ['finished', 'failed'].includes(document.body.dataset.campaign), null, { timeout: 600_000 });
  const status = await page.textContent('#campaign-status');
  assert.match(status, new RegExp(`^${records} of ${records} records \\(finished\\) · ${first} kept from an earlier run`), status);
  const rows = parseCsv(await page.evaluate(() => window.ecgTesting.campaign.exported('csv')));
  assert.deepEqual(rows.map((row) => row[0]), parseCsv(cliCsv).map((row) => row[0]), 'every record once, in order');
  assert.equal(await keptCount(page), records);

  await page.click('#campaign-forget');
  await page.waitForFunction(() => document.body.dataset.campaign === 'forgotten');
  assert.equal(await keptCount(page), 0, 'forgotten in the browser too');
  assert.match(await page.textContent('#campaign-status'), new RegExp(`its ${records} kept records are gone`));
  assert.deepEqual(errors, []);
  await context.close();
});

// Local validation (issue 16): the campaign's rows against a labels file, in the page, give
// the report `evaluate --from-csv` gives on the page's own table; the calibrated model file the
// page saves is the file `calibrate` writes from the same table; the page then loads it and its
// model card says where and when it was calibrated. A bad labels file is named with its line
// and column, and no report is shown.
test('local validation: the report and the calibrated file equal the command line\'s, and the page loads the file', async () => {
  const bin = binary();
  const dir = path.join(work, 'labelled');
  fs.rmSync(dir, { recursive: true, force: true });
  const ecgs = path.join(dir, 'ecgs');
  const synth = spawnSync(bin, ['synth', '--seed', '3000', '--count', '60', '--out-dir', ecgs], { encoding: 'utf8' });
  assert.equal(synth.status, 0, synth.stderr);
  const labels = path.join(dir, 'labels.csv');
  fs.renameSync(path.join(ecgs, 'labels.csv'), labels);

  const { page, context, errors } = await openCampaign();
  await page.evaluate(() => { delete document.body.dataset.campaign; });
  await page.setInputFiles('#campaign-folder', ecgs);
  await page.waitForFunction(() => ['finished', 'failed'].includes(document.body.dataset.campaign), null, { timeout: 600_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.campaign), 'finished');

  await page.setInputFiles('#campaign-labels', { name: 'bad-labels.csv', mimeType: 'text/csv',
    buffer: Buffer.from('file,RCA,LM,LAD,LCX\nsynthetic-3000.csv,1,0,2,0\n') });
  await page.waitForFunction(() => document.body.dataset.campaignValidation === 'failed', null, { timeout: 60_000 });
  const said = await page.textContent('#campaign-validation-status');
  assert.match(said, /bad-labels\.csv: .*line 2, column 'LAD'/, said);
  assert.equal(await page.locator('#campaign-validation svg').count(), 0);
  assert.ok(await page.isDisabled('#campaign-calibrate'));

  await page.evaluate(() => { delete document.body.dataset.campaignValidation; });
  await page.setInputFiles('#campaign-labels', labels);
  await page.waitForFunction(() => document.body.dataset.campaignValidation, null, { timeout: 120_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.campaignValidation), '4',
    await page.textContent('#campaign-validation-status'));
  // Three plots per vessel, drawn by plotters in the worker, shown inline.
  assert.equal(await page.locator('#campaign-validation svg').count(), 12);
  const table = path.join(dir, 'page.csv');
  fs.writeFileSync(table, await page.evaluate(() => window.ecgTesting.campaign.exported('csv', false)));
  const [report] = await Promise.all([page.waitForEvent('download'), page.click('#campaign-report-html')]);
  const pageHtml = fs.readFileSync(await report.path(), 'utf8');
  const out = path.join(dir, 'report');
  const evaluate = spawnSync(bin, ['evaluate', '--from-csv', table, '--labels', labels, '--out', out], { encoding: 'utf8' });
  assert.equal(evaluate.status, 0, evaluate.stderr);
  assert.equal(pageHtml, fs.readFileSync(path.join(out, 'report.html'), 'utf8'), 'the page\'s report.html is evaluate\'s');

  await page.fill('#campaign-site', 'Cardiology, St Elsewhere');
  const [saved] = await Promise.all([page.waitForEvent('download'), page.click('#campaign-calibrate')]);
  const pageModel = fs.readFileSync(await saved.path());
  const date = await page.evaluate(() => new Date().toISOString().slice(0, 10));
  const cliModel = path.join(dir, 'calibrated.safetensors');
  const calibrate = spawnSync(bin, ['calibrate', '--from-csv', table, '--labels', labels, '--site', 'Cardiology, St Elsewhere',
    '--date', date, '--out', cliModel], { encoding: 'utf8' });
  assert.equal(calibrate.status, 0, calibrate.stderr);
  assert.ok(pageModel.equals(fs.readFileSync(cliModel)), 'the page\'s calibrated file is calibrate\'s, byte for byte');
  const lines = await page.textContent('#campaign-calibration-status');
  assert.match(lines, /RCA: rule-out/, lines);

  await page.click('#campaign-use-calibrated');
  await page.waitForFunction(() => (document.querySelector('#model-card')?.textContent ?? '').includes('calibrated locally at Cardiology, St Elsewhere'), null, { timeout: 120_000 });
  const card = await page.textContent('#model-card');
  assert.ok(card.includes(`on ${date}`), card);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a clinical context file: its columns equal predict --context\'s, a row naming no record is said by line, a bad file by line and column', async () => {
  const bin = binary();
  const cliRows = withoutTiming(smallCsv);
  const fileColumn = cliRows[0].indexOf('file');
  const errorColumn = cliRows[0].indexOf('error');
  const analysed = cliRows.slice(1).filter((row) => row[errorColumn] === '').map((row) => row[fileColumn]);
  assert.ok(analysed.length >= 4, `${analysed.length} records analysed`);
  // Rows for three records (as the table names them), and line 5 names no record.
  const contextCsv = ['file,age,sex,symptoms,risk_factors',
    `${analysed[0]},64,female,typical,2`,
    `${analysed[1]},45,m,atypical+dyspnoea,smoking+diabetes`,
    `${analysed[2]},25,male,non-anginal,`,
    'no-such-record.hea,50,f,typical,1', ''].join('\r\n');
  const contextPath = path.join(work, 'context.csv');
  fs.writeFileSync(contextPath, contextCsv);
  const cli = spawnSync(bin, ['predict', 'small', '--csv', '-', '--context', contextPath], { cwd: work, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(cli.status, 1, `a row naming no record exits 1: ${cli.stderr}`);
  assert.match(cli.stderr, /line 5/, cli.stderr);
  const expected = withoutTiming(cli.stdout);
  assert.ok(expected[0].includes('esc2024_ptp_category'), expected[0].join(','));

  const { page, context, errors } = await openCampaign();
  // A bad file first: refused with its line and column, nothing kept.
  await page.setInputFiles('#campaign-context', { name: 'bad-context.csv', mimeType: 'text/csv',
    buffer: Buffer.from('file,age,sex,symptoms\r\na.hea,abc,female,typical\r\n') });
  await page.waitForFunction(() => document.body.dataset.campaignContextFile === 'failed', null, { timeout: 60_000 });
  const refused = await page.textContent('#campaign-context-status');
  assert.match(refused, /bad-context\.csv: not used: .*line 2, column 'age'/, refused);
  assert.ok(await page.isDisabled('#campaign-context-remove'));

  await page.setInputFiles('#campaign-context', contextPath);
  await page.waitForFunction(() => document.body.dataset.campaignContextFile === '4', null, { timeout: 60_000 });
  await page.evaluate(() => { delete document.body.dataset.campaign; });
  await page.setInputFiles('#campaign-folder', small);
  await page.waitForFunction(() => ['finished', 'failed'].includes(document.body.dataset.campaign), null, { timeout: 600_000 });
  assert.equal(await page.getAttribute('body', 'data-campaign'), 'finished', await page.textContent('#campaign-status'));
  const matched = JSON.parse(await page.evaluate(() => document.body.dataset.campaignContext));
  assert.deepEqual(matched, { with_row: 3, unmatched: [5], several: [] });
  assert.match(await page.textContent('#campaign-context-status'), /3 of \d+ records had a row\. Rows on line 5 match no record/);
  // The table shows both guidelines' likelihoods for the records with a row.
  const headings = await page.locator('#campaign-table th').allTextContents();
  assert.ok(headings.some((h) => h.startsWith('ESC 2024 likelihood')), headings.join(' | '));

  const pageRows = withoutTiming(await page.evaluate(() => window.ecgTesting.campaign.exported('csv', false)));
  assert.deepEqual(pageRows[0], expected[0]);
  assert.equal(pageRows.length, expected.length);
  const probabilities = expected[0].flatMap((h, i) => (h.endsWith('_probability') || h.endsWith('_ptp_percent') ? [i] : []));
  for (let r = 1; r < expected.length; r += 1) {
    for (let c = 0; c < expected[0].length; c += 1) {
      if (probabilities.includes(c) && expected[r][c] !== '') {
        assert.ok(Math.abs(Number(pageRows[r][c]) - Number(expected[r][c])) <= 2e-6, `row ${r} ${expected[0][c]}: ${pageRows[r][c]} against ${expected[r][c]}`);
      } else {
        assert.equal(pageRows[r][c], expected[r][c], `row ${r} column ${expected[0][c]}`);
      }
    }
  }
  const withContext = expected.slice(1).filter((row) => row[expected[0].indexOf('esc2024_ptp_category')] !== '');
  assert.equal(withContext.length, 2, 'the 25-year-old is out of both tables\' range');

  // Removed, the next campaign's rows have no context columns.
  await page.click('#campaign-context-remove');
  assert.match(await page.textContent('#campaign-context-status'), /No clinical context file/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('no campaign page made a request to another origin', () => {
  assert.ok(allRequests.length > 0);
  const away = allRequests.filter((url) => !url.startsWith(origin) && !url.startsWith('blob:') && !url.startsWith('data:'));
  assert.deepEqual(away, []);
});
