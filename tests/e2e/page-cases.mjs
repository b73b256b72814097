// End-to-end cases of the page, shared by three suites: tests/e2e/page.test.mjs (every case,
// the page served from the repository by scripts/serve.py), tests/e2e/deploy.test.mjs (a
// subset, the page from dist/ served by nginx with deploy/nginx.conf), both in Debian's
// Chromium driven by playwright-core (which never downloads a browser), and
// tests/e2e/firefox.test.mjs (a subset in Debian's Firefox ESR through WebDriver:
// geckodriver driven by selenium-webdriver, behind tests/e2e/webdriver-firefox.mjs, which
// gives the cases the same page interface). Run with `node --test tests/e2e/` after building
// pkg/ (and dist/).
//
// Screenshots of the page (1440 × 900 and 390 × 844) and of the printed report go to
// target/screenshots/ (README, "Screenshots"); Firefox's carry a `firefox-` prefix.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { launchOptions, serve } from '../../scripts/browser.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The page's origin, set by pageTests() before any case runs.
let origin = '';
export const fixture = (name) => path.join(root, 'tests/fixtures', name);
const shots = path.join(root, 'target/screenshots');

// The cases, in order, as [name, fn]; pageTests() registers them (all, or those it names).
const cases = [];
const test = (name, fn) => { cases.push([name, fn]); };

let server;
let browser;
// 'chromium' or 'firefox', set by pageTests().
let engine = 'chromium';
// Every request any page made, across all tests: none may leave the page's origin.
const allRequests = [];

// scripts/serve.py on `port`, serving the page from the repository: {origin, stop}.
export async function servePython(port) {
  const child = await serve(port);
  return { origin: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

// Registers the cases with node:test: `serve()` starts the server ({origin, stop}); `only`,
// when given, names the cases to run (each must exist); `browser` is 'chromium' (the
// default) or 'firefox'.
export function pageTests({ serve, only = null, browser: which = 'chromium' }) {
  engine = which;
  const names = new Set(cases.map(([name]) => name));
  for (const name of only ?? []) if (!names.has(name)) throw new Error(`no page case named ${name}`);
  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    server = await serve();
    origin = server.origin;
    browser = engine === 'firefox'
      ? await (await import('./webdriver-firefox.mjs')).launch({ origin })
      : await chromium.launch(launchOptions);
  });
  after(async () => {
    await browser?.close();
    server?.stop();
  });
  for (const [name, fn] of cases) if (!only || only.includes(name)) nodeTest(name, fn);
}

// The page's origin, for a suite's own cases (set once the server has started).
export const pageOrigin = () => origin;

// Where a screenshot named `name` goes: Chromium's under its name, Firefox's prefixed.
const shot = (name) => path.join(shots, engine === 'chromium' ? name : `${engine}-${name}`);

// A fresh browser context (own cache and service worker) with one page on the app.
export async function openPage(query = '?backend=cpu', options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const requests = [];
  context.on('request', (request) => { requests.push(request.url()); allRequests.push(request.url()); });
  const consoleErrors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  await page.goto(`${origin}/index.html${query}`);
  await waitReady(page);
  return { page, context, requests, consoleErrors };
}

async function waitReady(page) {
  await page.waitForFunction(() => ['ready', 'failed'].includes(document.body.dataset.state),
    null, { timeout: 120_000 });
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready',
    `page failed to start: ${await page.textContent('#backend')}`);
}

async function settle(page) {
  await page.waitForFunction(() => ['drawn', 'error'].includes(document.body.dataset.state),
    null, { timeout: 120_000 });
  return page.getAttribute('body', 'data-state');
}

// Through the file picker.
export async function upload(page, files) {
  await page.evaluate(() => { document.body.dataset.state = 'waiting'; });
  await page.setInputFiles('#file', files);
  return settle(page);
}

// Through the drop zone: a real drop event carrying File objects.
async function drop(page, files) {
  const payload = files.map((file) => ({ name: path.basename(file), base64: fs.readFileSync(file).toString('base64') }));
  await page.evaluate((items) => {
    document.body.dataset.state = 'waiting';
    const transfer = new DataTransfer();
    for (const { name, base64 } of items) {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], name));
    }
    const zone = document.getElementById('drop-zone');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, payload);
  return settle(page);
}

// Measures a screenshot of a canvas in the page (the page's CSP forbids evaluating strings,
// so both measures live in this one function): 'dark' counts trace pixels per panel (the
// grid is light red and the shading light blue, so only traces and labels are dark);
// 'shaded' counts saliency-shading pixels (blue well above red) over the whole canvas.
async function canvasPixels(page, selector, kind) {
  const png = await page.locator(selector).screenshot({ scale: 'device' });
  const panels = JSON.parse(await page.getAttribute('#tracing', 'data-panels') || '[]');
  return page.evaluate(async ({ base64, panels, kind }) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    context.drawImage(bitmap, 0, 0);
    const { data, width } = context.getImageData(0, 0, bitmap.width, bitmap.height);
    if (kind === 'shaded') {
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 2] > data[i] + 40 && data[i + 2] > 150) n++;
      }
      return n;
    }
    return panels.map((p) => {
      let dark = 0;
      for (let y = p.y + 2; y < p.y + p.height - 2; y++) {
        for (let x = p.x + 2; x < p.x + p.width - 2; x++) {
          const i = 4 * (y * width + x);
          if (data[i] + data[i + 1] + data[i + 2] < 300) dark++;
        }
      }
      return { lead: p.lead, rhythm: p.rhythm, recorded: p.recorded, dark, width: p.width };
    });
  }, { base64: png.toString('base64'), panels, kind });
}

// The pages of a PDF: its /Type /Page objects, in the file as written and inside its
// compressed object streams (Firefox's printer keeps them there; Chromium's does not).
function pdfPages(pdf) {
  const text = pdf.toString('latin1');
  const count = (t) => (t.match(/\/Type\s*\/Page[^s]/g) || []).length;
  let pages = count(text);
  const streams = /stream\r?\n/g;
  for (let m = streams.exec(text); m; m = streams.exec(text)) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) break;
    try { pages += count(zlib.inflateSync(pdf.subarray(start, end)).toString('latin1')); } catch { /* not deflated */ }
  }
  return pages;
}

const DARK_PER_PANEL = 'dark';
const SHADED = 'shaded';

async function tracedPanels(page) {
  // The worker's frame reaches the screen through the compositor: retry for up to 10 s.
  let counts = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    counts = await canvasPixels(page, '#tracing', DARK_PER_PANEL);
    if (counts.every(({ dark, width, recorded }) => !recorded || dark >= width / 2)) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return counts;
}

async function riskCards(page) {
  return page.$$eval('#risk-cards .risk-card', (cards) => cards.map((card) => ({
    vessel: card.dataset.vessel,
    probability: card.querySelector('.probability').textContent,
    stratum: card.querySelector('.stratum').textContent.trim(),
    thresholds: card.querySelector('.thresholds')?.textContent || '',
    label: card.getAttribute('aria-label'),
  })));
}

export async function assertAnalysed(page, what) {
  const cards = await riskCards(page);
  assert.deepEqual(cards.map((c) => c.vessel), ['RCA', 'LM', 'LAD', 'LCX'], what);
  for (const card of cards) {
    assert.match(card.probability, /^\d+\.\d %$/, what);
    assert.match(card.stratum, /^[▽◇▲] (low|intermediate|high) risk$/, what);
    assert.match(card.thresholds, /^Low below \d+\.\d % \(rule-out, sensitivity \d+\.\d %\); high from \d+\.\d % \(rule-in, specificity \d+\.\d %\)\.$/, what);
    assert.match(card.label, /not clinically validated/, what);
  }
  assert.ok(await page.isVisible('#disclaimer'), `${what}: disclaimer visible`);
  assert.match(await page.textContent('#disclaimer'), /trained on synthetic ECGs and on synthetic patterns added to\s+real recordings/, what);
  const counts = await tracedPanels(page);
  assert.equal(counts.length, 13, `${what}: 13 panels`);
  assert.deepEqual(counts.map((c) => c.lead),
    ['I', 'aVR', 'V1', 'V4', 'II', 'aVL', 'V2', 'V5', 'III', 'aVF', 'V3', 'V6', 'II'], what);
  for (const { lead, dark, width, recorded } of counts) {
    assert.ok(recorded, `${what}: ${lead} recorded`);
    assert.ok(dark >= width / 2, `${what}: lead ${lead}: only ${dark} trace pixels in a ${width}px panel`);
  }
}

export function foreign(requests) {
  return requests.filter((url) => new URL(url).origin !== origin
    && !url.startsWith('data:') && !url.startsWith('blob:'));
}

test('one sample of every supported format: risk cards, the disclaimer and a 13-panel tracing', async () => {
  const { page, context, requests, consoleErrors } = await openPage();
  assert.equal(await page.textContent('#backend'), 'CPU (WebGPU not used: the CPU was requested)');
  assert.match(await page.textContent('#privacy'), /never leaves this device/);
  const cases = [
    [['A0001.csv'], /A0001\.csv \(csv\): 12 leads .* 500 Hz, 15\.00 s/],
    [['wfdb/A0002.hea', 'wfdb/A0002.mat'], /A0002\.hea \+ A0002\.mat \(wfdb\): 12 leads .* 500 Hz, 10\.00 s/],
    [['muse/guangxi_sinus_rhythm.xml'], /\(muse\): 12 leads \(I, II, III\*, aVR\*, aVL\*, aVF\*, V1, V2, V3, V4, V5, V6\), 500 Hz/],
    [['philips/3191723_v1.04_utf16.xml'], /\(philips\): 12 leads .* 500 Hz, 10\.60 s\. Notes: the calibration pulse after 10\.600 s was removed/],
    [['hl7-aecg/ecgtoolkit_example.xml'], /\(hl7-aecg\): 12 leads .* 500 Hz, 10\.00 s/],
    [['dicom/ecgtoolkit_example_implicit_vr.dcm'], /\(dicom\): 12 leads .* 500 Hz, 10\.00 s/],
    [['scp/ecgtoolkit_example.scp'], /\(scp-ecg\): 12 leads .* 500 Hz, 10\.00 s/],
    [['edf/A0001.edf'], /\(edf\): 12 leads .* 500 Hz, 15\.00 s/],
  ];
  // Every format arrives by drag and drop (a WFDB header with its signal file together).
  for (const [files, expected] of cases) {
    assert.equal(await drop(page, files.map(fixture)), 'drawn', `${files}: ${await page.textContent('#message')}`);
    assert.match(await page.textContent('#summary'), expected);
    await assertAnalysed(page, files.join(' + '));
  }
  // NumPy carries no rate: the rate box gives it.
  await page.fill('#rate', '500');
  assert.equal(await drop(page, [fixture('npy/A0002_mV.npy')]), 'drawn', await page.textContent('#message'));
  assert.match(await page.textContent('#summary'), /A0002_mV\.npy \(npy\): 12 leads .* 500 Hz, 10\.00 s/);
  await assertAnalysed(page, 'npy');
  await page.fill('#rate', '');
  // The file picker, with two files forming one record.
  assert.equal(await upload(page, [fixture('wfdb/A0002.hea'), fixture('wfdb/A0002.mat')]), 'drawn');
  await assertAnalysed(page, 'wfdb (file picker)');

  assert.deepEqual(foreign(requests), [], 'requests outside the page origin');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('the bundled examples open from the list, each with its licence', async () => {
  const { page, context } = await openPage();
  await page.click('#examples summary');
  const items = await page.$$eval('#example-list li', (lis) => lis.map((li) => li.textContent));
  assert.ok(items.length >= 8, `${items.length} examples`);
  for (const item of items) assert.match(item, /Licence: (CC BY 4\.0|MIT|Apache-2\.0)/);
  await page.evaluate(() => { document.body.dataset.state = 'waiting'; });
  await page.click('#example-list li:nth-child(2) button');
  assert.equal(await settle(page), 'drawn', await page.textContent('#message'));
  assert.match(await page.textContent('#summary'), /guangxi_sinus_rhythm\.xml \(muse\)/);
  await assertAnalysed(page, 'example');
  await context.close();
});

test('choosing a vessel shades the tracing, names the leads and phases, and shades the median beats', async () => {
  const { page, context } = await openPage();
  assert.equal(await upload(page, [fixture('wfdb/A0002.hea'), fixture('wfdb/A0002.mat')]), 'drawn');
  const before = await canvasPixels(page, '#tracing', SHADED);
  const beatsBefore = await canvasPixels(page, '#beats', SHADED);
  assert.equal(before, 0, 'no shading before a vessel is chosen');
  assert.equal(beatsBefore, 0);

  await page.check('input[name="vessel"][value="LAD"]');
  await page.waitForFunction(() => document.body.dataset.explained === 'LAD', null, { timeout: 60_000 });
  await page.waitForFunction(() => document.getElementById('tracing').dataset.saliency === 'LAD');
  let after = 0;
  for (let attempt = 0; attempt < 20 && after === 0; attempt++) {
    after = await canvasPixels(page, '#tracing', SHADED);
    if (after === 0) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.ok(after > 1000, `the overlay shades ${after} pixels`);
  assert.ok(await canvasPixels(page, '#beats', SHADED) > 100, 'median beats shaded');
  const leads = await page.$$eval('#top-leads li', (lis) => lis.map((li) => li.textContent));
  assert.equal(leads.length, 4);
  for (const line of leads) assert.match(line, /^(I|II|III|aVR|aVL|aVF|V[1-6]): \d+\.\d % of the attribution$/);
  const phases = await page.$$eval('#top-phases li', (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(phases.map((p) => p.split(':')[0]).sort(), ['P', 'QRS', 'ST-T']);

  // Integrated gradients report progress while they run.
  await page.selectOption('#method', 'integrated-gradients');
  await page.waitForFunction(() => !document.getElementById('explain-progress').hidden, null, { timeout: 10_000 });
  await page.waitForFunction(() => document.getElementById('explain-progress').value > 0, null, { timeout: 60_000 });
  await page.waitForFunction(() => !document.body.dataset.explaining, null, { timeout: 120_000 });
  assert.match(await page.textContent('#why-summary'), /LAD: saliency by integrated gradients \(32 steps\)/);

  // Keyboard: the arrow keys move the vessel choice.
  await page.selectOption('#method', 'grad-x-input');
  await page.waitForFunction(() => !document.body.dataset.explaining, null, { timeout: 60_000 });
  await page.focus('input[name="vessel"][value="LAD"]');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.body.dataset.explained === 'LCX', null, { timeout: 60_000 });
  // "none" removes the shading.
  await page.check('input[name="vessel"][value=""]');
  await page.waitForFunction(() => document.getElementById('tracing').dataset.saliency === '');
  let cleared = -1;
  for (let attempt = 0; attempt < 20 && cleared !== 0; attempt++) {
    cleared = await canvasPixels(page, '#tracing', SHADED);
    if (cleared !== 0) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.equal(cleared, 0);
  await context.close();
});

test('gain, speed and the 12 × 1 layout redraw the sheet at the chosen scale', async () => {
  const { page, context } = await openPage();
  assert.equal(await upload(page, [fixture('A0001.csv')]), 'drawn');
  const size = () => page.evaluate(() => {
    const c = document.getElementById('tracing');
    return { w: parseFloat(c.style.width), h: parseFloat(c.style.height), panels: JSON.parse(c.dataset.panels) };
  });
  const base = await size();
  const mm = base.panels[0].width / 62.5; // device px per mm: 2.5 s at 25 mm/s is 62.5 mm
  await page.selectOption('#speed', '50');
  await page.waitForFunction((w) => parseFloat(document.getElementById('tracing').style.width) > 1.5 * w, base.w);
  const fast = await size();
  assert.ok(Math.abs(fast.panels[0].width / mm - 125) <= 1, `2.5 s at 50 mm/s: ${fast.panels[0].width / mm} mm`);
  await page.selectOption('#speed', '25');
  await page.selectOption('#gain', '20');
  await page.waitForFunction((h) => parseFloat(document.getElementById('tracing').style.height) > 1.5 * h, base.h);
  await page.selectOption('#gain', '10');
  await page.selectOption('#layout', '12x1');
  await page.waitForFunction(() => JSON.parse(document.getElementById('tracing').dataset.panels).length === 12);
  const tall = await size();
  assert.deepEqual(tall.panels.map((p) => p.lead), ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
  assert.ok(Math.abs(tall.panels[0].width / mm - 250) <= 1);
  await context.close();
});

test('an unusable ECG shows no risk until the user overrides, visibly', async () => {
  const { page, context } = await openPage();
  // A0001 with V3 disconnected (every V3 value 0): the quality check calls it unusable.
  const lines = fs.readFileSync(fixture('A0001.csv'), 'utf8').trimEnd().split('\n');
  const v3 = lines[0].split(',').indexOf('V3');
  assert.ok(v3 > 0, lines[0]);
  const flat = lines.map((line, i) => {
    if (i === 0) return line;
    const values = line.split(',');
    values[v3] = '0';
    return values.join(',');
  }).join('\n');
  await page.evaluate(() => { document.body.dataset.state = 'waiting'; });
  await page.setInputFiles('#file', { name: 'flat-v3.csv', mimeType: 'text/csv', buffer: Buffer.from(flat) });
  assert.equal(await settle(page), 'drawn', await page.textContent('#message'));
  assert.match(await page.textContent('#quality'), /Signal quality: unusable/);
  assert.match(await page.textContent('#quality'), /V3/);
  assert.equal(await page.$$eval('#risk-cards .risk-card', (c) => c.length), 0);
  assert.match(await page.textContent('#risk'), /No risk shown: the ECG did not pass the quality check/);
  assert.ok(await page.isVisible('#override'));
  await page.click('#override');
  await page.waitForSelector('#risk-cards .risk-card');
  assert.match(await page.textContent('#risk'), /Quality check overridden by you/);
  assert.equal((await riskCards(page)).length, 4);
  assert.ok(!(await page.isVisible('#override')), 'the override button goes once used');
  await context.close();
});

test('a file chosen before the page\'s script has arrived (a slow link) is opened once it has', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/www/main.js', async (route) => { await held; await route.continue(); });
  await page.goto(`${origin}/index.html?backend=cpu`, { waitUntil: 'commit' });
  await page.waitForSelector('#file', { state: 'attached' });
  await page.setInputFiles('#file', fixture('A0001.csv'));
  assert.equal(await page.getAttribute('body', 'data-state'), 'starting', 'the script is held back');
  release();
  await settle(page);
  assert.equal(await page.getAttribute('body', 'data-state'), 'drawn', await page.textContent('#message'));
  assert.equal(await page.locator('.risk-card').count(), 4);
  await context.close();
});

test('a corrupted or wrong file gets a clear message and the page keeps working', async () => {
  const { page, context, consoleErrors } = await openPage();
  const scp = fs.readFileSync(fixture('scp/ecgtoolkit_example.scp'));
  const dicom = fs.readFileSync(fixture('dicom/ecgtoolkit_example_implicit_vr.dcm'));
  const cases = [
    [{ name: 'cut.scp', mimeType: 'application/octet-stream', buffer: scp.subarray(0, 3000) }, /Could not read cut\.scp: .+/],
    [{ name: 'cut.dcm', mimeType: 'application/dicom', buffer: dicom.subarray(0, dicom.length - 40_000) }, /Could not read cut\.dcm: .+/],
    [fixture('bad/printed.pdf'), /printed\.pdf: this is a printed ECG \(PDF\), not a signal file/],
    [fixture('bad/ragged.csv'), /ragged\.csv: line 4: 2 values, but the header has 3 columns/],
    [fixture('npy/mitbih_208_single_lead.npz'), /mitbih_208_single_lead\.npz: .+/],
  ];
  for (const [file, expected] of cases) {
    await page.evaluate(() => { document.body.dataset.state = 'waiting'; });
    await page.setInputFiles('#file', file);
    assert.equal(await settle(page), 'error', `${file.name || file} was accepted`);
    const message = await page.textContent('#message');
    assert.match(message, expected);
    assert.doesNotMatch(message, /undefined|\[object|panicked|RuntimeError/, message);
    assert.equal(await upload(page, [fixture('A0001.csv')]), 'drawn', `usable after ${file.name || file}`);
    assert.equal(await page.textContent('#message'), '');
  }
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

// Hostile files of issue 15, as the tests/integration/hostile.rs ones, built here.
function museWithEntities() {
  const text = fs.readFileSync(fixture('muse/synthetic_muse.xml'), 'latin1');
  const doctype = '<!DOCTYPE RestingECG SYSTEM "restecg.dtd">';
  return Buffer.from(text
    .replace(doctype, `<!DOCTYPE RestingECG SYSTEM "restecg.dtd" [<!ENTITY big "${'Smith'.repeat(800)}">]>`)
    .replace('<RestingECG>', `<RestingECG><Note>${'&big;'.repeat(1_000_000)}</Note>`), 'latin1');
}

function dicomWithRate() {
  const bytes = Buffer.from(fs.readFileSync(fixture('dicom/ecgtoolkit_example_implicit_vr.dcm')));
  const at = bytes.indexOf(Buffer.from([0x3a, 0x00, 0x1a, 0x00, 0x04, 0x00, 0x00, 0x00, 0x35, 0x30, 0x30, 0x20]));
  assert.ok(at > 0);
  bytes.write('1E99', at + 8, 'latin1');
  return bytes;
}

// A readable DICOM whose only (0010,0010) bytes end the file: main's identifier scan read past
// the end there.
function craftedDicom() {
  let bytes = Buffer.from(fs.readFileSync(fixture('dicom/pydicom_mortara_1000hz.dcm')));
  const tag = Buffer.from([0x10, 0x00, 0x10, 0x00]);
  for (let at = bytes.indexOf(tag); at >= 0; at = bytes.indexOf(tag)) bytes[at + 2] = 0x11;
  return Buffer.concat([bytes, Buffer.from([0x11, 0x00, 0x10, 0x00, 0x4c, 0x4f, 6, 0, 0x10, 0x00, 0x10, 0x00, 0x50, 0x4e])]);
}

// A drop of files made inside the page (too large to pass through the test's channel):
// `lines` repeats of `unit` after `head`, or `size` zero bytes.
async function dropMade(page, made) {
  await page.evaluate(({ name, head, unit, repeat, size }) => {
    document.body.dataset.state = 'waiting';
    const parts = size ? [new Uint8Array(size)] : [head, unit.repeat(repeat)];
    const transfer = new DataTransfer();
    transfer.items.add(new File(parts, name));
    const zone = document.getElementById('drop-zone');
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, made);
  return settle(page);
}

test('hostile files in one session: each is named in its message, a panic is survived, the good file is analysed', async () => {
  const { page, context, consoleErrors } = await openPage('?backend=cpu&testing');
  await page.evaluate(() => { window.print = () => { document.body.dataset.printed = String(Number(document.body.dataset.printed || 0) + 1); }; });
  const dir = fs.mkdtempSync(path.join(root, 'target/e2e-hostile-'));
  const write = (name, bytes) => { fs.writeFileSync(path.join(dir, name), bytes); return path.join(dir, name); };
  const bad = [
    [write('laughs.xml', museWithEntities()), /laughs\.xml: .*RestingECG: internal XML entities expand the document/],
    [write('rate.dcm', dicomWithRate()), /rate\.dcm: .*1e99 Hz is outside/],
  ];
  for (const [file, expected] of bad) {
    assert.equal(await drop(page, [file]), 'error', file);
    assert.match(await page.textContent('#message'), expected);
  }
  assert.equal(await dropMade(page, { name: 'line.csv', head: 'I,', unit: '0,', repeat: 100_000_000 }), 'error');
  assert.match(await page.textContent('#message'), /line\.csv: line 1: 100000002 columns; the limit is 64/);
  assert.equal(await dropMade(page, { name: 'huge.csv', size: 300 * 1024 * 1024 }), 'error');
  assert.match(await page.textContent('#message'), /huge\.csv: 314572800 bytes, more than the limit of 268435456/);
  // The crafted DICOM reads, and printing with its identifiers asked for works.
  assert.equal(await drop(page, [write('crafted.dcm', craftedDicom())]), 'drawn');
  await page.check('#include-patient');
  await page.click('#print');
  await page.waitForFunction(() => document.body.dataset.printed === '1', null, { timeout: 60_000 });
  assert.match(await page.textContent('#print-patient'), /^Patient: /);
  // A panic inside the worker: the request fails, a fresh worker takes over with the record.
  const trapped = await page.evaluate(() => window.ecgTesting.trap());
  assert.match(trapped, /the engine stopped/);
  await page.waitForFunction(() => document.body.dataset.restarts === '1' && document.body.dataset.engine === 'ready',
    null, { timeout: 120_000 });
  assert.match(await page.textContent('#summary'), /crafted\.dcm/);
  const panels = JSON.parse(await page.getAttribute('#tracing', 'data-panels') || '[]');
  assert.ok(panels.length >= 12, 'the record is drawn again after the restart');
  assert.equal(await drop(page, [fixture('A0001.csv')]), 'drawn');
  assert.equal(await page.textContent('#message'), '');
  assert.equal((await riskCards(page)).length, 4);
  // The panic is the only console error: the one the trap asked for.
  assert.ok(consoleErrors.every((line) => /recovery test|RuntimeError|unreachable/.test(line)), consoleErrors.join('\n'));
  fs.rmSync(dir, { recursive: true, force: true });
  await context.close();
});

test('loading a model file changes the model card, and a bad one is refused with the old kept', async () => {
  const { page, context } = await openPage();
  assert.match(await page.textContent('#model-card'), /ecg-stenosis demonstration \(real backgrounds\), version synth-v1-ptbxl/);
  assert.match(await page.textContent('#model-card'), /A demonstration model, not clinically validated/);
  assert.equal(await upload(page, [fixture('wfdb/A0002.hea'), fixture('wfdb/A0002.mat')]), 'drawn');
  await page.setInputFiles('#model-file', fixture('A0001.csv'));
  await page.waitForFunction(() => document.getElementById('model-message').textContent !== '');
  assert.match(await page.textContent('#model-message'), /Could not load A0001\.csv: .+\. The previous model is still in use\./);
  assert.match(await page.getAttribute('#model-card', 'data-model'), /^ecg-stenosis demonstration/);
  await page.setInputFiles('#model-file', fixture('model/golden-bn.safetensors'));
  await page.waitForFunction(() => document.getElementById('model-card').dataset.model === 'golden-bn 0.0.1');
  assert.match(await page.textContent('#model-card'), /golden-bn, version 0\.0\.1/);
  await page.waitForSelector('#risk-cards .risk-card');
  await context.close();
});

test('after the first visit the page reloads and analyses an ECG with the network off', async () => {
  const { page, context, requests } = await openPage();
  await page.waitForFunction(() => document.body.dataset.offlineReady === 'true', null, { timeout: 60_000 });
  await context.setOffline(true);
  await page.reload();
  await waitReady(page);
  assert.equal(await upload(page, [fixture('scp/ecgtoolkit_example.scp')]), 'drawn', await page.textContent('#message'));
  await assertAnalysed(page, 'offline');
  await page.click('#examples summary');
  await page.evaluate(() => { document.body.dataset.state = 'waiting'; });
  await page.click('#example-list li:nth-child(1) button');
  assert.equal(await settle(page), 'drawn', 'an example opens offline');
  assert.deepEqual(foreign(requests), []);
  await context.close();
});

test('high-DPI screens get a sharp sheet; the WebGPU engine loads behind the CPU one and names its adapter', async () => {
  // ?backend=webgpu: any adapter, the software one here included (auto would pick the CPU).
  // The page starts on the CPU-only module and loads the WebGPU one in the background.
  const { page, context, requests } = await openPage('?backend=webgpu', { deviceScaleFactor: 2 });
  const early = await page.textContent('#backend');
  const hasGpu = await page.evaluate(() => Boolean(navigator.gpu));
  assert.ok(requests.some((url) => url.endsWith('/pkg/cpu/ecg_stenosis_bg.wasm')), 'the CPU module came first');
  if (hasGpu) {
    assert.equal(await page.getAttribute('body', 'data-backend'), 'cpu');
    await page.waitForFunction(() => ['done', 'declined', 'failed'].includes(document.body.dataset.upgrade),
      null, { timeout: 120_000 });
    assert.equal(await page.getAttribute('body', 'data-upgrade'), 'done', await page.textContent('#backend'));
    assert.ok(requests.some((url) => url.endsWith('/pkg/ecg_stenosis_bg.wasm')), 'the WebGPU module was loaded');
  }
  const text = await page.textContent('#backend');
  console.log(`# backend reported by the page: at start "${early}", then "${text}"`);
  assert.match(text, /^(WebGPU \(adapter: .+\)|CPU \(WebGPU not used: .+\))$/);
  assert.equal(await page.getAttribute('body', 'data-backend'), hasGpu ? 'webgpu' : 'cpu');
  assert.equal(await upload(page, [fixture('A0001.csv')]), 'drawn');
  assert.equal(await page.locator('.risk-card').count(), 4);
  const { cssWidth, pixels } = await page.evaluate(() => {
    const c = document.getElementById('tracing');
    return { cssWidth: c.clientWidth, pixels: JSON.parse(c.dataset.panels).at(-1) };
  });
  assert.ok(pixels.x + pixels.width > 1.5 * cssWidth * 0.9, `panels end at ${pixels.x + pixels.width} px on a ${cssWidth} CSS px canvas`);
  for (const { lead, dark, width } of await tracedPanels(page)) {
    assert.ok(dark >= width / 2, `lead ${lead}: only ${dark} trace pixels at 2x`);
  }
  await context.close();
});

test('a software-only WebGPU adapter does not win over the CPU, and the page says why', async (t) => {
  const { page, context } = await openPage('');
  // What the browser offers here (headless Chromium on a machine without a GPU: SwiftShader).
  const adapter = await page.evaluate(async () => {
    const a = navigator.gpu && await navigator.gpu.requestAdapter();
    if (!a) return null;
    const { vendor, architecture, isFallbackAdapter } = a.info;
    return { vendor, architecture, fallback: isFallbackAdapter ?? a.isFallbackAdapter ?? false };
  });
  const text = await page.textContent('#backend');
  console.log(`# adapter offered: ${JSON.stringify(adapter)}; page: ${text}`);
  const software = adapter && (adapter.fallback || /swiftshader|llvmpipe|lavapipe|softpipe/i.test(adapter.architecture));
  if (!software) {
    await context.close();
    t.skip('this browser offers a hardware WebGPU adapter (or none): the software case is not reachable here');
    return;
  }
  assert.equal(await page.getAttribute('body', 'data-backend'), 'cpu');
  assert.match(text, /^CPU \(WebGPU not used: the only WebGPU adapter is a software renderer \(.+\); the CPU is faster\)$/);
  // The WebGPU engine is not even started.
  assert.equal(await page.getAttribute('body', 'data-upgrade'), null);
  assert.equal(await upload(page, [fixture('A0001.csv')]), 'drawn');
  assert.equal(await page.locator('.risk-card').count(), 4);
  await context.close();
});

test('accessibility: every control is labelled and text meets WCAG AA contrast', async () => {
  const { page, context } = await openPage();
  assert.equal(await upload(page, [fixture('wfdb/A0002.hea'), fixture('wfdb/A0002.mat')]), 'drawn');
  const unlabelled = await page.$$eval('input, select, button, canvas, progress', (nodes) => nodes
    .filter((n) => {
      if (n.type === 'hidden') return false;
      const label = n.getAttribute('aria-label') || (n.labels && Array.from(n.labels).map((l) => l.textContent).join(''))
        || (n.tagName === 'BUTTON' && n.textContent.trim());
      return !label || !String(label).trim();
    })
    .map((n) => n.outerHTML.slice(0, 80)));
  assert.deepEqual(unlabelled, []);
  const failures = await page.evaluate(() => {
    const parse = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (node) => {
      for (let n = node; n; n = n.parentElement) {
        const c = parse(getComputedStyle(n).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
      }
      return [250, 250, 250];
    };
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const node = t.parentElement;
      if (!t.textContent.trim() || !node.checkVisibility()) continue;
      const fg = parse(getComputedStyle(node).color).slice(0, 3);
      const [a, b] = [lum(fg), lum(background(node))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (ratio < 4.5) out.push(`${ratio.toFixed(2)}: ${t.textContent.trim().slice(0, 40)}`);
    }
    return out;
  });
  assert.deepEqual(failures, [], 'text below 4.5:1');
  // The risk cards say the stratum in words and carry a text alternative.
  for (const card of await riskCards(page)) assert.match(card.label, /probability \d+\.\d %, (low|intermediate|high) risk/);
  await context.close();
});

test('screenshots at 1440 × 900 and 390 × 844, and the printed report', async () => {
  for (const [name, viewport] of [['page-1440x900.png', { width: 1440, height: 900 }], ['page-390x844.png', { width: 390, height: 844 }]]) {
    const { page, context } = await openPage('?backend=cpu', { viewport, deviceScaleFactor: 1 });
    assert.equal(await upload(page, [fixture('wfdb/A0002.hea'), fixture('wfdb/A0002.mat')]), 'drawn');
    await page.check('input[name="vessel"][value="RCA"]');
    await page.waitForFunction(() => document.body.dataset.explained === 'RCA', null, { timeout: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await page.screenshot({ path: shot(name), fullPage: true });
    // Nothing but the sheet itself (in its own scroll box) may be wider than the screen.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= viewport.width, `${name}: the page scrolls sideways`);
    if (viewport.width === 1440) {
      // The print button picks the highest-risk vessel's saliency and fills the header.
      await page.evaluate(() => { window.print = () => { document.body.dataset.printed = 'yes'; }; });
      await page.click('#print');
      await page.waitForFunction(() => document.body.dataset.printed === 'yes', null, { timeout: 60_000 });
      assert.match(await page.textContent('#print-meta'), /^Printed .* · ecg-stenosis \d+\.\d+\.\d+, build development · file: A0002\.hea \+ A0002\.mat · model: /);
      assert.equal(await page.textContent('#print-patient'), '', 'no identifiers unless ticked');
      await new Promise((resolve) => setTimeout(resolve, 500));
      // WebDriver cannot emulate print media: Firefox's printed report is its PDF only.
      if (engine === 'chromium') {
        await page.emulateMedia({ media: 'print' });
        await page.screenshot({ path: shot('report-print.png'), fullPage: true });
      }
      await page.pdf({ path: shot('report.pdf'), preferCSSPageSize: true, printBackground: true });
      const pages = pdfPages(fs.readFileSync(shot('report.pdf')));
      console.log(`# printed report: ${pages} page(s)`);
      assert.ok(pages >= 1 && pages <= 2, `${pages} pages`);
    }
    await context.close();
  }
  const made = ['page-1440x900.png', 'page-390x844.png', 'report.pdf', ...(engine === 'chromium' ? ['report-print.png'] : [])];
  for (const name of made) {
    assert.ok(fs.statSync(shot(name)).size > 10_000, name);
  }
});

test('patient identifiers reach the printed report only when the box is ticked', async () => {
  const { page, context, consoleErrors } = await openPage();
  await page.evaluate(() => { window.print = () => { document.body.dataset.printed = String(Number(document.body.dataset.printed || 0) + 1); }; });
  assert.equal(await upload(page, [fixture('muse/guangxi_sinus_rhythm.xml')]), 'drawn');
  const pageText = await page.textContent('body');
  await page.click('#print');
  await page.waitForFunction(() => document.body.dataset.printed === '1', null, { timeout: 60_000 });
  assert.equal(await page.textContent('#print-patient'), '');
  await page.check('#include-patient');
  await page.click('#print');
  await page.waitForFunction(() => document.body.dataset.printed === '2', null, { timeout: 60_000 });
  const patient = await page.textContent('#print-patient');
  assert.match(patient, /^Patient: .+/);
  // Shown nowhere else on the page, and never logged.
  const name = patient.replace(/^Patient: /, '').split(' · ')[0];
  assert.ok(!pageText.includes(name), 'the identifiers were not on the page before');
  assert.ok(!consoleErrors.some((line) => line.includes(name)));
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  assert.equal(await page.textContent('#print-patient'), '', 'removed after printing');
  await context.close();
});

test('the clinical context form: both likelihoods, the strata against them and the combined category; cleared; printed only when filled', async () => {
  const { page, context, requests, consoleErrors } = await openPage();
  await page.evaluate(() => { window.print = () => { document.body.dataset.printed = String(Number(document.body.dataset.printed || 0) + 1); }; });
  assert.equal(await upload(page, [fixture('wfdb/A0002.hea'), fixture('wfdb/A0002.mat')]), 'drawn');
  assert.equal(await page.textContent('#context-result'), '', 'nothing before the form is filled');
  assert.equal(await page.getAttribute('#context-details', 'open'), null, 'the form starts collapsed');
  await page.click('#context-details summary');
  // A 58-year-old man with atypical angina and two risk factors, worked by hand in
  // src/clinical.rs (worked_examples): ESC 2019 Table 5, 50–59, atypical, male: 17 %, over
  // 15 %; ESC 2024 Figure 4, 50–59, male, symptom score 2, 2–3 risk factors: 11 %, low, the
  // grey zone.
  const fill = async (age) => {
    await page.fill('#context-age', age);
    await page.selectOption('#context-sex', 'male');
    await page.selectOption('#context-pain', 'atypical');
    await page.check('#context-factors input[value="smoking"]');
    await page.check('#context-factors input[value="hypertension"]');
  };
  const likelihoods = () => page.$$eval('#context-likelihoods tr[data-guideline]', (rows) => rows.map((r) => ({
    guideline: r.dataset.guideline, cells: Array.from(r.cells).slice(1).map((c) => c.textContent),
  })));
  await page.fill('#context-age', '58');
  await page.waitForFunction(() => /fill in sex, symptoms/.test(document.getElementById('context-result').textContent));
  await fill('58');
  await page.waitForFunction(() => document.querySelectorAll('#context-likelihoods tr[data-guideline]').length === 2);
  await page.waitForFunction(() => /2 risk factors/.test(document.getElementById('context-result').textContent));
  assert.deepEqual(await likelihoods(), [
    { guideline: 'esc2019', cells: ['17 %', 'over 15 %'] },
    { guideline: 'esc2024', cells: ['11 %', 'low (> 5–15 %) (grey zone)'] },
  ]);
  // Each vessel's stratum (as its card says) against the two bands: ESC 2019 17 % is above
  // its grey zone (band high), ESC 2024 11 % is its grey zone (band intermediate).
  const rank = { low: 0, intermediate: 1, high: 2 };
  const strata = Object.fromEntries((await riskCards(page)).map((c) => [c.vessel, c.stratum.match(/(low|intermediate|high)/)[1]]));
  const any = Object.values(strata).reduce((a, b) => (rank[b] > rank[a] ? b : a));
  const against = (stratum, band) => `likelihood band ${band}: ${
    rank[stratum] === rank[band] ? 'the same band' : rank[stratum] > rank[band] ? 'ECG higher' : 'ECG lower'}`;
  const rows = await page.$$eval('#context-against tr[data-vessel]', (trs) => trs.map((r) => [r.dataset.vessel, ...Array.from(r.cells).map((c) => c.textContent)]));
  assert.deepEqual(rows, [...Object.entries(strata), ['any', any]].map(([vessel, s]) => [
    vessel, `${vessel === 'any' ? 'any vessel' : vessel}: ${s} risk`, against(s, 'high'), against(s, 'intermediate')]));
  // The demonstration model's rule (ESC 2024): one category down for a low stratum, one up
  // for a high one, the same for intermediate; labelled a demonstration.
  const combined = { low: 'very low (≤ 5 %)', intermediate: 'low (> 5–15 %)', high: 'moderate (> 15–50 %)' }[any];
  const combinedText = await page.textContent('#context-combined');
  assert.ok(combinedText.includes(`likelihood low (> 5–15 %) with the ECG's ${any} risk for any vessel → ${combined}.`), combinedText);
  assert.match(combinedText, /demonstration rule: it was validated on no patient/);
  assert.match(await page.textContent('#context-result'), /demonstration model trained on synthetic ECGs and synthetic patterns on real recordings\. Nothing here is clinically validated\./);
  // Outside the tables: a message, never an extrapolation; a bad age is named.
  await page.fill('#context-age', '25');
  await page.waitForFunction(() => /age 25 is below the table's range/.test(document.getElementById('context-result').textContent));
  assert.deepEqual((await likelihoods()).map((l) => l.cells.length), [1, 1]);
  await page.fill('#context-age', '200');
  await page.waitForFunction(() => document.querySelector('#context-result .context-error'));
  assert.match(await page.textContent('#context-result'), /^Clinical context: age: '200' is not an age in years \(0 to 130\)$/);
  assert.equal(await page.getAttribute('#context-age', 'aria-invalid'), 'true');
  // Printed with the form filled: the context is on the report, the form is not.
  await page.fill('#context-age', '58');
  await page.waitForFunction(() => document.querySelectorAll('#context-likelihoods tr[data-guideline]').length === 2
    && !document.querySelector('#context-age[aria-invalid]'));
  await page.click('#print');
  await page.waitForFunction(() => document.body.dataset.printed === '1', null, { timeout: 60_000 });
  await page.emulateMedia({ media: 'print' });
  assert.ok(await page.isVisible('#context-likelihoods'), 'printed with the form filled');
  assert.ok(!(await page.isVisible('#context-form')), 'the form itself is not printed');
  await page.emulateMedia({ media: 'screen' });
  // Cleared: nothing left, on the page or on a report printed now.
  await page.click('#context-clear');
  assert.equal(await page.textContent('#context-result'), '');
  assert.equal(await page.inputValue('#context-age'), '');
  assert.equal(await page.$$eval('#context-factors input:checked', (n) => n.length), 0);
  await page.click('#print');
  await page.waitForFunction(() => document.body.dataset.printed === '2', null, { timeout: 60_000 });
  await page.emulateMedia({ media: 'print' });
  assert.ok(!/Clinical context|17 %|58 years/.test(await page.evaluate(() => document.body.innerText)), 'nothing of the context on the printed report');
  await page.emulateMedia({ media: 'screen' });
  // Another ECG clears a filled form: the context was of the patient of the first.
  await fill('58');
  await page.waitForFunction(() => document.querySelector('#context-combined'));
  assert.equal(await upload(page, [fixture('A0001.csv')]), 'drawn');
  assert.equal(await page.textContent('#context-result'), '');
  assert.equal(await page.inputValue('#context-age'), '');
  assert.ok(!consoleErrors.some((line) => /58|atypical/.test(line)), 'nothing typed is logged');
  assert.deepEqual(foreign(requests), []);
  await context.close();
});

test('the server serves the page and its examples only: no .git, no sources, no listings', async () => {
  for (const denied of ['/.git/HEAD', '/.git/', '/src/lib.rs', '/Cargo.toml', '/www/', '/pkg/', '/tests/fixtures/bad/ragged.csv', '/www/%2e%2e/Cargo.toml']) {
    assert.equal((await fetch(`${origin}${denied}`)).status, 404, denied);
  }
  for (const served of ['/', '/index.html', '/sw.js', '/www/main.js', '/pkg/ecg_stenosis_bg.wasm', '/tests/fixtures/A0001.csv']) {
    assert.equal((await fetch(`${origin}${served}`)).status, 200, served);
  }
});

test('no page made a request to another origin', () => {
  assert.ok(allRequests.length > 20, `${allRequests.length} requests seen`);
  assert.deepEqual(foreign(allRequests), []);
});
