// Benchmark (issue 19, item 7): cold start to the first risk card. The page served by
// scripts/serve.py (as built in pkg/: `scripts/build-web.sh` first) behind a throttling proxy
// in this script: one shared link of 20 Mbit/s with a 40 ms round trip added to every request,
// for every request of the page, its worker and its service worker alike (DevTools throttling
// applies per target, and the worker's and service worker's requests escaped it). A fresh
// browser context (empty cache, no service worker) of headless Debian Chromium; the file
// A0001.csv is handed to the page's file input as soon as the page exists (the page holds it
// until its engine is ready). Measured: navigation start → the fourth risk card in the
// document, and the bytes of every response (serve.py sends the module, its glue and the model
// gzip-compressed, as a real web server would; COLD_IDENTITY=1 asks for them uncompressed, as
// before). The page chooses its backend itself (auto). Prints a Markdown table. Not part of CI.
// RUNS (default 3).
//
// COLD_SERVER=nginx serves dist/ (scripts/dist.sh) with Debian's nginx and deploy/nginx.conf
// instead (scripts/nginx.mjs): content-hashed names, the precompressed files as they are.
//
//   scripts/build-web.sh && node scripts/bench-cold.mjs
//   DIST_SKIP_WEB_BUILD=1 scripts/dist.sh && COLD_SERVER=nginx node scripts/bench-cold.mjs
import http from 'node:http';
import path from 'node:path';
import { launch, root, serve } from './browser.mjs';
import { serveNginx } from './nginx.mjs';

const port = Number(process.env.COLD_PORT || 8131);
const LINK_BYTES_PER_S = 20e6 / 8;
const RTT_MS = 40;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One link for all responses: chunks go out in turn, each after the link has had time to carry
// the bytes before it.
let linkFreeAt = 0;
async function carry(bytes) {
  const now = Date.now();
  linkFreeAt = Math.max(linkFreeAt, now) + (1000 * bytes) / LINK_BYTES_PER_S;
  await sleep(linkFreeAt - now);
}
const identity = process.env.COLD_IDENTITY === '1';
const proxy = http.createServer((request, response) => {
  const headers = identity ? { ...request.headers, 'accept-encoding': 'identity' } : request.headers;
  const upstream = http.request({ host: '127.0.0.1', port, path: request.url, method: request.method,
    headers }, async (answer) => {
    await sleep(RTT_MS);
    response.writeHead(answer.statusCode, answer.headers);
    try {
      for await (const chunk of answer) {
        for (let i = 0; i < chunk.length && !response.destroyed; i += 16384) {
          const piece = chunk.subarray(i, i + 16384);
          await carry(piece.length);
          response.write(piece);
        }
      }
      response.end();
    } catch {
      response.destroy(); // the browser went away mid-transfer (a context closed)
    }
  });
  upstream.on('error', () => { if (!response.headersSent) response.writeHead(502); response.end(); });
  response.on('close', () => upstream.destroy());
  request.pipe(upstream);
});
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${proxy.address().port}`;
const RUNS = Number(process.env.RUNS || 3);
const file = path.join(root, 'tests/fixtures/A0001.csv');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const nginx = process.env.COLD_SERVER === 'nginx';
const server = nginx ? await serveNginx(path.join(root, 'dist'), port) : await serve(port, origin);
try {
  // serve.py compresses each file once: done here, not in the first measured run.
  for (const file of nginx ? [] : ['pkg/cpu/ecg_stenosis_bg.wasm', 'pkg/cpu/ecg_stenosis.js', 'pkg/ecg_stenosis_bg.wasm',
    'pkg/ecg_stenosis.js', 'www/models/demo.safetensors']) {
    await (await fetch(`http://127.0.0.1:${port}/${file}`, { headers: { 'accept-encoding': 'gzip' } })).arrayBuffer();
  }
  const browser = await launch();
  const rows = [];
  for (let run = 1; run <= RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    // Every response the context received, the worker's (wasm, model) included.
    const sizes = [];
    const encodings = new Set();
    context.on('requestfinished', (request) => {
      sizes.push(request.sizes());
      request.response().then((r) => { if (r) encodings.add(r.headers()['content-encoding'] || 'identity'); }, () => {});
    });
    const t0 = Date.now();
    await page.goto(`${origin}/index.html`, { waitUntil: 'commit' });
    await page.waitForSelector('#file', { state: 'attached' });
    await page.setInputFiles('#file', file);
    await page.waitForSelector('#risk-cards .risk-card:nth-child(4)', { timeout: 300_000 });
    const ms = Date.now() - t0;
    const backend = await page.textContent('#backend');
    const bytes = (await Promise.all(sizes))
      .reduce((sum, size) => sum + size.responseBodySize + size.responseHeadersSize, 0);
    rows.push({ run, ms, bytes, backend, encodings: [...encodings].sort().join(', ') });
    await context.close();
  }
  await browser.close();
  console.log(`Chromium ${browser.version()} headless; ${nginx ? 'nginx serving dist/' : 'scripts/serve.py'}; one 20 Mbit/s link, 40 ms added per request; cold cache; ${identity ? 'uncompressed' : 'compressed'}; ${new Date().toISOString()}`);
  console.log(`content encodings seen: ${rows[0].encodings}`);
  console.log(`backend chosen: ${rows[0].backend}`);
  console.log('| run | navigation → first risk card | bytes over the network |');
  console.log('|---:|---:|---:|');
  for (const { run, ms, bytes } of rows) console.log(`| ${run} | ${ms} ms | ${bytes.toLocaleString('en')} |`);
  console.log(`| median | ${median(rows.map((r) => r.ms))} ms | |`);
} finally {
  if (nginx) server.stop(); else server.kill();
  proxy.close();
}
