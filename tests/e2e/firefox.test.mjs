// End-to-end in Firefox: the cases of tests/e2e/page-cases.mjs that the page's promise to
// Firefox rests on (every format, the risk cards, saliency shading, bad files, the offline
// reload, the screenshots and printed report, no request leaving the origin), in Debian's
// headless Firefox ESR through geckodriver (tests/e2e/webdriver-firefox.mjs), against the page
// served from the repository by scripts/serve.py. Needs firefox-esr and geckodriver
// (scripts/setup.sh checks installs both); missing either is a failure, never a skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageTests, servePython } from './page-cases.mjs';
import { firefoxVersion } from './webdriver-firefox.mjs';

pageTests({
  serve: () => servePython(Number(process.env.E2E_FIREFOX_PORT || 8127)),
  browser: 'firefox',
  only: [
    'one sample of every supported format: risk cards, the disclaimer and a 13-panel tracing',
    'choosing a vessel shades the tracing, names the leads and phases, and shades the median beats',
    'a corrupted or wrong file gets a clear message and the page keeps working',
    'after the first visit the page reloads and analyses an ECG with the network off',
    'screenshots at 1440 × 900 and 390 × 844, and the printed report',
    'no page made a request to another origin',
  ],
});

test('the browser is Firefox ESR', () => {
  const version = firefoxVersion();
  console.log(`# browser: ${version}`);
  assert.match(version, /^Mozilla Firefox \d+\.\d+(\.\d+)?esr$/);
});
