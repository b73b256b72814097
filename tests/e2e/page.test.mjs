// End-to-end: the served page in Debian's Chromium, driven by playwright-core (which never
// downloads a browser). Run with `node --test tests/e2e/` after building pkg/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const port = Number(process.env.E2E_PORT || 8123);
const origin = `http://127.0.0.1:${port}`;
const fixture = (name) => path.join(root, 'tests/fixtures', name);

let server;
let browser;

async function waitForServer() {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const response = await fetch(`${origin}/index.html`);
      if (response.ok) return;
    } catch { /* not up yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server on ${origin} did not start`);
}

before(async () => {
  server = spawn('python3', [path.join(root, 'scripts/serve.py'), '--port', String(port)], {
    env: { ...process.env, SERVE_QUIET: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForServer();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

async function openPage(query = '', options = {}) {
  const page = await browser.newPage(options);
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  const consoleErrors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  await page.goto(`${origin}/index.html${query}`);
  await page.waitForFunction(() => ['ready', 'failed'].includes(document.body.dataset.state),
    null, { timeout: 120_000 });
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready',
    `page failed to start: ${await page.textContent('#backend')}`);
  return { page, requests, consoleErrors };
}

async function upload(page, file) {
  await page.evaluate(() => { document.body.dataset.state = 'waiting'; });
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => ['drawn', 'error'].includes(document.body.dataset.state),
    null, { timeout: 60_000 });
  return page.getAttribute('body', 'data-state');
}

// Counts dark (trace) pixels inside each lead's panel of a PNG screenshot of the canvas. The
// grid is light red and labels sit outside the panels, so only the trace is dark there.
async function darkPixelsPerPanel(page) {
  // The worker's frame reaches the screen through the compositor; on a loaded machine one
  // screenshot can predate it. Up to 10 s of screenshots are taken until every panel shows a
  // trace; the last counts are returned for the caller to check either way.
  let counts = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    counts = await darkPixelsOnce(page);
    if (counts.every(({ dark, width }) => dark >= width / 2)) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return counts;
}

async function darkPixelsOnce(page) {
  // Device scale: one screenshot pixel per canvas pixel, the unit the panels are given in.
  const png = await page.locator('#tracing').screenshot({ scale: 'device' });
  const panels = JSON.parse(await page.getAttribute('#tracing', 'data-panels'));
  return page.evaluate(async ({ base64, panels }) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    context.drawImage(bitmap, 0, 0);
    return panels.map((panel) => {
      const { x, y, width: w, height: h } = panel;
      const { data } = context.getImageData(x + 2, y + 2, w - 4, h - 4);
      let dark = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i] + data[i + 1] + data[i + 2] < 3 * 100) dark++;
      }
      return { lead: panel.lead, dark, width: w };
    });
  }, { base64: png.toString('base64'), panels });
}

test('the page names its backend and draws all 12 leads of a CSV, with no request off-origin', async () => {
  const { page, requests, consoleErrors } = await openPage();
  const backend = await page.textContent('#backend');
  assert.match(backend, /^(WebGPU \(adapter: .+\)|CPU \(WebGPU not used: .+\))$/);
  console.log(`# backend reported by the page: ${backend}`);

  assert.equal(await upload(page, fixture('A0001.csv')), 'drawn', await page.textContent('#message'));
  assert.match(await page.textContent('#summary'), /12 leads .* 500 Hz, 15\.00 s/);
  // The shipped demonstration model gives four vessels, each with a probability and a stratum,
  // and its disclaimer stands right under them.
  assert.match(await page.textContent('#model'), /a demonstration model, not clinically validated/);
  const rows = await page.$$eval('#risk-table tbody tr', (trs) => trs.map((tr) =>
    Array.from(tr.cells, (td) => td.textContent)));
  assert.deepEqual(rows.map((r) => r[0]), ['RCA', 'LM', 'LAD', 'LCX']);
  for (const [, probability, stratum] of rows) {
    assert.match(probability, /^\d+\.\d %$/);
    assert.match(stratum, /^(low|intermediate|high)$/);
  }
  assert.match(await page.textContent('#disclaimer'), /trained only on synthetic ECGs/);

  const counts = await darkPixelsPerPanel(page);
  assert.deepEqual(counts.map((c) => c.lead),
    ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
  for (const { lead, dark, width } of counts) {
    // A trace crosses the whole panel: at least one dark pixel per two columns.
    assert.ok(dark >= width / 2, `lead ${lead}: only ${dark} trace pixels in a ${width}px panel`);
  }

  const foreign = requests.filter((url) => new URL(url).origin !== origin
    && !url.startsWith('data:') && !url.startsWith('blob:'));
  assert.deepEqual(foreign, [], 'requests outside the page origin');
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('the page reads a WFDB header with its signal file, GE MUSE, DICOM, Philips and SCP-ECG, and names a printed ECG', async () => {
  const { page } = await openPage();
  const cases = [
    [['wfdb/A0002.hea', 'wfdb/A0002.mat'], /A0002\.hea \+ A0002\.mat: 12 leads .* 500 Hz, 10\.00 s/],
    [['muse/guangxi_sinus_rhythm.xml'], /guangxi_sinus_rhythm\.xml: 12 leads \(I, II, III\*, aVR\*, aVL\*, aVF\*, V1, V2, V3, V4, V5, V6\), 500 Hz/],
    [['dicom/ecgtoolkit_example_implicit_vr.dcm'], /12 leads .* 500 Hz, 10\.00 s/],
    [['philips/3191723_v1.04_utf16.xml'], /12 leads .* 500 Hz, 10\.60 s\. Notes: the calibration pulse after 10\.600 s was removed/],
    [['scp/ecgtoolkit_example.scp'], /12 leads .* 500 Hz, 10\.00 s/],
  ];
  for (const [files, expected] of cases) {
    assert.equal(await upload(page, files.map(fixture)), 'drawn', `${files}: ${await page.textContent('#message')}`);
    assert.match(await page.textContent('#summary'), expected);
  }
  assert.equal(await upload(page, fixture('bad/printed.pdf')), 'error');
  assert.match(await page.textContent('#message'), /printed\.pdf: this is a printed ECG \(PDF\), not a signal file/);
  await page.close();
});

test('a malformed CSV gets a message naming the line, and the page stays usable', async () => {
  const { page } = await openPage();
  const cases = [
    ['bad/ragged.csv', /ragged\.csv: line 4: 2 values, but the header has 3 columns/],
    ['bad/text-in-number.csv', /text-in-number\.csv: line 3, column 3 \(II\): not a finite number/],
    ['bad/empty.csv', /empty\.csv: the file is empty/],
    ['bad/no-rate.csv', /no-rate\.csv: the file does not give its sample rate \(no time column, or a single row\): please give the sample rate in Hz/],
  ];
  for (const [file, expected] of cases) {
    assert.equal(await upload(page, fixture(file)), 'error', `${file} was accepted`);
    assert.match(await page.textContent('#message'), expected);
    // Still usable: the good file loads and draws right after.
    assert.equal(await upload(page, fixture('A0001.csv')), 'drawn', `after ${file}`);
    assert.equal(await page.textContent('#message'), '');
  }
  // The rate box supplies what the file lacks.
  await page.fill('#rate', '250');
  assert.equal(await upload(page, fixture('bad/no-rate.csv')), 'drawn');
  // III, aVR, aVL and aVF are derived from I and II and marked with a star.
  assert.match(await page.textContent('#summary'),
    /no-rate\.csv: 6 leads \(I, II, III\*, aVR\*, aVL\*, aVF\*\), 250 Hz/);
  await page.close();
});

test('the CPU fallback can be chosen and says why; high-DPI screens get a sharp canvas', async () => {
  const { page } = await openPage('?backend=cpu', { deviceScaleFactor: 2 });
  assert.equal(await page.textContent('#backend'), 'CPU (WebGPU not used: the CPU was requested)');
  assert.equal(await upload(page, fixture('A0001.csv')), 'drawn');
  // The canvas is drawn at device resolution: twice its CSS size.
  const { cssWidth, panelRight } = await page.evaluate(() => {
    const panels = JSON.parse(document.getElementById('tracing').dataset.panels);
    const last = panels[panels.length - 1];
    return { cssWidth: document.getElementById('tracing').clientWidth, panelRight: last.x + last.width };
  });
  assert.ok(panelRight > 1.5 * cssWidth, `panels end at ${panelRight} px on a ${cssWidth} CSS px canvas`);
  for (const { lead, dark, width } of await darkPixelsPerPanel(page)) {
    assert.ok(dark >= width / 2, `lead ${lead}: only ${dark} trace pixels at 2x`);
  }
  await page.close();
});
