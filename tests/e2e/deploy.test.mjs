// End-to-end: the deployable page. dist/ (scripts/dist.sh) served by Debian's nginx on a
// loopback port with deploy/nginx.conf (only `listen` and `root` changed, scripts/nginx.mjs), then a subset of
// the page's cases (tests/e2e/page-cases.mjs: open every format, risk cards, saliency,
// offline reload, no request off-origin), the response headers, the manifest's checksums,
// and the page's installability as an app.
//
// Needs dist/ (scripts/check.sh makes it before this stage) and nginx with the brotli_static
// module (scripts/setup.sh checks installs both packages). Missing either is a failure with
// its reason, never a skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serveNginx } from '../../scripts/nginx.mjs';
import { launchOptions } from '../../scripts/browser.mjs';
import { pageTests, root, pageOrigin, upload, assertAnalysed, fixture, foreign } from './page-cases.mjs';

const dist = path.join(root, process.env.DIST_OUT || 'dist');
const port = Number(process.env.E2E_DEPLOY_PORT || 8125);

pageTests({
  serve: () => serveNginx(dist, port),
  only: [
    'one sample of every supported format: risk cards, the disclaimer and a 13-panel tracing',
    'choosing a vessel shades the tracing, names the leads and phases, and shades the median beats',
    'after the first visit the page reloads and analyses an ECG with the network off',
    'no page made a request to another origin',
  ],
});

// dist/'s files by their name before hashing: 'pkg/cpu/ecg_stenosis_bg.wasm' -> the shipped path.
function shippedFiles() {
  const listing = fs.readFileSync(path.join(dist, 'MANIFEST.sha256'), 'utf8').trim().split('\n');
  const byName = {};
  for (const line of listing) {
    const file = line.slice(66);
    byName[file.replace(/\.[0-9a-f]{10}((\.[a-z]+)+)$/, '$1')] = file;
  }
  return { listing, byName };
}

test('dist/ holds only the page, every file is in MANIFEST.sha256, and sha256sum -c checks it', () => {
  const { listing, byName } = shippedFiles();
  const onDisk = [];
  const walk = (folder) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else onDisk.push(path.relative(dist, full));
    }
  };
  walk(dist);
  assert.deepEqual(onDisk.filter((f) => f !== 'MANIFEST.sha256').sort(), listing.map((l) => l.slice(66)).sort());
  for (const name of ['index.html', 'sw.js', 'manifest.webmanifest', 'www/main.js', 'www/worker.js',
    'www/campaign.js', 'pkg/cpu/ecg_stenosis_bg.wasm', 'pkg/ecg_stenosis_bg.wasm', 'www/models/demo.safetensors']) {
    assert.ok(byName[name], `${name} shipped`);
  }
  assert.match(byName['www/main.js'], /^www\/main\.[0-9a-f]{10}\.js$/, 'content-hashed name');
  assert.ok(byName['pkg/ecg_stenosis_bg.wasm.br'] && byName['pkg/ecg_stenosis_bg.wasm.gz'], 'precompressed beside the module');
  for (const file of onDisk) {
    assert.ok(!/(^|\/)(\.git|src|target|node_modules)(\/|$)|\.rs$|\.d\.ts$|Cargo\./.test(file), `${file} is not part of the page`);
  }
  const checked = spawnSync('sha256sum', ['-c', '--strict', 'MANIFEST.sha256'], { cwd: dist, encoding: 'utf8' });
  assert.equal(checked.status, 0, checked.stderr);
  assert.equal((checked.stdout.match(/: OK$/gm) || []).length, listing.length);
});

test('nginx sends what the page needs: CSP, the wasm type, precompressed files, caching by name', async () => {
  const origin = pageOrigin();
  const { byName } = shippedFiles();
  const get = (file, encoding) => fetch(`${origin}/${file}`, { headers: { 'Accept-Encoding': encoding } });
  for (const [module, encoding, expected] of [['pkg/cpu/ecg_stenosis_bg.wasm', 'br, gzip', 'br'],
    ['pkg/ecg_stenosis_bg.wasm', 'gzip', 'gzip'], ['pkg/cpu/ecg_stenosis_bg.wasm', 'identity', null]]) {
    const response = await get(byName[module], encoding);
    assert.equal(response.status, 200, module);
    assert.equal(response.headers.get('content-type'), 'application/wasm', module);
    assert.equal(response.headers.get('content-encoding'), expected, `${module} for ${encoding}`);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable', module);
    const csp = response.headers.get('content-security-policy') || '';
    for (const directive of ["default-src 'self'", "connect-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self'"]) {
      assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
    }
    await response.arrayBuffer();
  }
  // The module as sent with brotli is the module: undici decodes it, and its hash is in the name.
  const body = Buffer.from(await (await get(byName['pkg/cpu/ecg_stenosis_bg.wasm'], 'br')).arrayBuffer());
  assert.deepEqual(body.subarray(0, 4), Buffer.from([0, 0x61, 0x73, 0x6d]), 'a wasm module');
  assert.equal(body.length, fs.statSync(path.join(dist, byName['pkg/cpu/ecg_stenosis_bg.wasm'])).size);
  for (const file of ['index.html', 'sw.js', 'manifest.webmanifest']) {
    const response = await get(file, 'gzip');
    assert.equal(response.headers.get('cache-control'), 'no-cache', `${file}: checked on every load`);
    assert.ok(response.headers.get('content-security-policy'), `${file}: CSP`);
    await response.arrayBuffer();
  }
  assert.equal((await get('manifest.webmanifest', 'identity')).headers.get('content-type'), 'application/manifest+json');
  assert.match((await get(byName['www/main.js'], 'gzip')).headers.get('content-type'), /^application\/javascript/);
  for (const denied of ['/.git/HEAD', '/Cargo.toml', '/src/lib.rs', '/www/main.js']) {
    assert.equal((await fetch(`${origin}${denied}`)).status, 404, denied);
  }
  assert.notEqual((await fetch(`${origin}/www/`)).status, 200, 'no directory listing');
});

test('installable: Chromium finds no installability error, and the page shows its release and build', async () => {
  // An incognito context (playwright's newContext) can never install an app: a profile on disk.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ecg-profile-'));
  const context = await chromium.launchPersistentContext(profile, launchOptions);
  try {
    const requests = [];
    context.on('request', (request) => requests.push(request.url()));
    const page = context.pages()[0] ?? await context.newPage();
    await page.goto(`${pageOrigin()}/index.html?backend=cpu`);
    await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 120_000 });
    await page.waitForFunction(() => document.body.dataset.offlineReady === 'true', null, { timeout: 60_000 });
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, [], JSON.stringify(installabilityErrors));
    const manifest = await cdp.send('Page.getAppManifest');
    assert.deepEqual(manifest.errors, []);
    const build = await page.getAttribute('meta[name="build"]', 'content');
    assert.match(build, /^[0-9a-f]{12}$/, 'dist/ stamps the release hash');
    assert.match(await page.textContent('#release'), new RegExp(`^ecg-stenosis \\d+\\.\\d+\\.\\d+, build ${build}$`));
    assert.equal(await upload(page, [fixture('wfdb/A0002.hea'), fixture('wfdb/A0002.mat')]), 'drawn');
    await assertAnalysed(page, 'installed page');
    assert.match(await page.getAttribute('#model-card', 'data-model') || '', /\S+ \S+/, 'the model file\'s name and version');
    assert.deepEqual(foreign(requests), [], 'requests outside the page origin');
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});
