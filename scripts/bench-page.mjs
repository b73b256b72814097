// Benchmark: from file drop to risk cards on the page, in headless Debian Chromium
// (playwright-core) and then headless Firefox ESR (WebDriver, through the same adapter as the
// Firefox end-to-end cases, tests/e2e/webdriver-firefox.mjs), on the CPU backend with the
// demonstration model. Prints one table with a row per browser and file (milliseconds, median
// of RUNS after one warm-up per file). Run through scripts/bench-page.sh, which builds pkg/
// first. BROWSERS=chromium (or firefox) runs one only.
//
//   The driver's own columns carry its round trips: WebDriver's are slower than the DevTools
//   protocol's, and the adapter polls every 20 ms, so compare the browsers on "in-page".
//   "drop → cards" is measured in the test driver, from the moment the files are handed to
//   the page's file input until the four risk cards are in the document;
//   "in-page" is the page's own count (body[data-cards-ms]), from the files' bytes to cards;
//   "drop → drawn" adds drawing the sheet and the median beats.
import path from 'node:path';
import { launch, root, serve } from './browser.mjs';
import { launch as launchFirefox, firefoxVersion } from '../tests/e2e/webdriver-firefox.mjs';

const port = Number(process.env.BENCH_PORT || 8131);
const origin = `http://127.0.0.1:${port}`;
const RUNS = Number(process.env.RUNS || 15);
const fixture = (name) => path.join(root, 'tests/fixtures', name);
const FILES = [
  ['WFDB A0002 (.hea + .mat)', ['wfdb/A0002.hea', 'wfdb/A0002.mat']],
  ['GE MUSE XML (Guangxi)', ['muse/guangxi_sinus_rhythm.xml']],
  ['DICOM (ECG Toolkit)', ['dicom/ecgtoolkit_example_implicit_vr.dcm']],
  ['CSV A0001 (15 s, 625 kB)', ['A0001.csv']],
];

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

// The rows of one browser: [label, median cards, max cards, median in-page, median drawn].
async function measure(page) {
  await page.goto(`${origin}/index.html?backend=cpu`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 120_000 });
  const backend = await page.textContent('#backend');
  const rows = [];
  for (const [label, files] of FILES) {
    const cards = []; const inPage = []; const drawn = [];
    for (let run = 0; run <= RUNS; run++) {
      await page.evaluate(() => { document.body.dataset.state = 'waiting'; document.getElementById('risk').replaceChildren(); });
      const t0 = performance.now();
      await page.setInputFiles('#file', files.map(fixture));
      try {
        await page.waitForSelector('#risk-cards .risk-card:nth-child(4)', { timeout: 60_000 });
      } catch (error) {
        throw new Error(`${label}, run ${run}: no risk cards (state ${await page.getAttribute('body', 'data-state')}; ${await page.textContent('#message')} ${await page.textContent('#risk')})`);
      }
      const t1 = performance.now();
      await page.waitForFunction(() => document.body.dataset.state === 'drawn', null, { timeout: 60_000 });
      const t2 = performance.now();
      if (run === 0) continue; // warm-up
      cards.push(t1 - t0); drawn.push(t2 - t0);
      inPage.push(Number(await page.getAttribute('body', 'data-cards-ms')));
    }
    rows.push([label, median(cards), Math.max(...cards), median(inPage), median(drawn)]);
  }
  return { backend, rows };
}

async function main() {
  const which = (process.env.BROWSERS || 'chromium,firefox').split(',');
  const server = await serve(port);
  const results = [];
  try {
    if (which.includes('chromium')) {
      const browser = await launch();
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      results.push([`Chromium ${browser.version()}`, await measure(page)]);
      await browser.close();
    }
    if (which.includes('firefox')) {
      const browser = await launchFirefox({ origin });
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      try {
        results.push([firefoxVersion().replace(/^Mozilla /, ''), await measure(await context.newPage())]);
      } finally {
        await browser.close();
      }
    }
  } finally {
    server.kill();
  }
  console.log(`${RUNS} runs per file after one warm-up; headless; ${new Date().toISOString()}`);
  for (const [name, { backend }] of results) console.log(`${name}: backend ${backend}`);
  console.log('| browser | file | drop → cards (median) | drop → cards (max) | in-page bytes → cards | drop → sheet drawn |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const [name, { rows }] of results) {
    for (const [label, med, max, page_, drawn] of rows) {
      console.log(`| ${name} | ${label} | ${med.toFixed(0)} ms | ${max.toFixed(0)} ms | ${page_.toFixed(0)} ms | ${drawn.toFixed(0)} ms |`);
    }
  }
}

main().catch((error) => { console.error(error); process.exit(1); });
