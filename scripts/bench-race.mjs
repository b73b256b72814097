// The race of issue 19, browser half: the same seeded full-size Net1D (tools/race_export.py
// wrote WORK_DIR) in onnxruntime-web (1 and 2 threads) and in this project's page module
// (pkg/, CPU backend), each in its own fresh page of one headless Debian Chromium, served
// cross-origin isolated (COOP/COEP, so onnxruntime-web may start its threads). Prints one
// `RACE|runtime|threads|median ms|min ms|runs|max |Δlogit| vs PyTorch` line per runtime.
// Run by scripts/bench-race.sh: `node scripts/bench-race.mjs WORK_DIR`. A benchmark, not a test.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.resolve(process.argv[2] || '');
const runs = Number(process.env.RACE_RUNS || 9);
const ortVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/onnxruntime-web/package.json'))).version;
const reference = JSON.parse(fs.readFileSync(path.join(work, 'reference.json'))).logits;

// The harness page: one runtime per load (onnxruntime-web fixes its thread count when it
// starts), 2 warm-up runs, then `runs` timed ones, all on the page's main thread.
const page = `<!doctype html><meta charset="utf-8"><title>race</title><script type="module">
const params = new URLSearchParams(location.search);
const runtime = params.get('runtime');
const runs = Number(params.get('runs'));
const x = new Float32Array(await (await fetch('/work/x.f32')).arrayBuffer());
let run;
if (runtime === 'ort') {
  const ort = await import('/ort/ort.wasm.min.mjs');
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = Number(params.get('threads'));
  const session = await ort.InferenceSession.create('/work/net.onnx', { executionProviders: ['wasm'] });
  const feeds = { x: new ort.Tensor('float32', x, [1, 12, 5000]) };
  run = async () => (await session.run(feeds)).logits.data;
} else {
  const { default: init, App } = await import('/pkg/ecg_stenosis.js');
  await init();
  const app = await App.start('cpu', undefined);
  app.load_model(new Uint8Array(await (await fetch('/work/net.safetensors')).arrayBuffer()));
  run = async () => app.forward_tensor(x);
}
let logits;
for (let i = 0; i < 2; i++) logits = await run();
const times = [];
for (let i = 0; i < runs; i++) {
  const start = performance.now();
  await run();
  times.push(performance.now() - start);
}
window.result = { times, logits: Array.from(logits), isolated: self.crossOriginIsolated };
console.log(runtime, JSON.stringify(times.map(Math.round)));
</script>`;

const types = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const server = http.createServer((request, response) => {
  const url = new URL(request.url, 'http://localhost');
  const headers = {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cache-Control': 'no-store',
  };
  let file = null;
  if (url.pathname === '/race.html') {
    response.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
    response.end(page);
    return;
  }
  const mounts = [['/ort/', path.join(root, 'node_modules/onnxruntime-web/dist')],
    ['/pkg/', path.join(root, 'pkg')], ['/work/', work]];
  for (const [prefix, dir] of mounts) {
    if (url.pathname.startsWith(prefix)) {
      const name = path.basename(url.pathname);
      file = path.join(dir, name);
    }
  }
  if (!file || !fs.existsSync(file)) {
    response.writeHead(404, headers);
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(response);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const races = [
  { label: `onnxruntime-web ${ortVersion} (wasm, Chromium ${browser.version()})`, query: 'runtime=ort&threads=1', threads: 1 },
  { label: `onnxruntime-web ${ortVersion} (wasm, Chromium ${browser.version()})`, query: 'runtime=ort&threads=2', threads: 2 },
  { label: `ecg-stenosis page module (wasm CPU, Chromium ${browser.version()})`, query: 'runtime=ours', threads: 1 },
];
try {
  for (const race of races) {
    const context = await browser.newContext();
    const tab = await context.newPage();
    const errors = [];
    tab.on('pageerror', (error) => errors.push(String(error)));
    if (process.env.RACE_VERBOSE) tab.on('console', (m) => console.error(m.text()));
    await tab.goto(`${origin}/race.html?${race.query}&runs=${runs}`);
    await tab.waitForFunction(() => window.result || null, null, { timeout: 600_000, polling: 500 })
      .catch((error) => { throw new Error(`${race.label}: ${errors.join('; ') || error}`); });
    const { times, logits, isolated } = await tab.evaluate(() => window.result);
    if (!isolated) throw new Error('the race page is not cross-origin isolated');
    const diff = Math.max(...logits.map((v, i) => Math.abs(v - reference[i])));
    console.log(`RACE|${race.label}|${race.threads}|${median(times).toFixed(1)}|${Math.min(...times).toFixed(1)}|${times.length}|${diff.toExponential(2)}`);
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
