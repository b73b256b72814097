// Campaign benchmarks in headless Chromium (scripts/bench-campaign.sh builds what they need):
//  - throughput: ECG per second of the campaign view with 1 and 2 workers, on the
//    demonstration model and on the full-size seeded network;
//  - memory: one campaign of about 2,000 records with 2 workers, the page's peak memory (the
//    page's JS heap through the DevTools protocol, each worker's JS heap and the wasm memory
//    of its instance) up to 200 records done and up to the end.
// Prints Markdown tables. Usage: node scripts/bench-campaign.mjs WORK_DIR
import path from 'node:path';
import { serve, launch } from './browser.mjs';

const work = path.resolve(process.argv[2] || 'target/bench-campaign');
const port = 8141;
const origin = `http://127.0.0.1:${port}`;

async function openCampaign(browser, workers, model) {
  const page = await browser.newPage();
  await page.goto(`${origin}/index.html?backend=cpu&testing`);
  await page.waitForFunction(() => ['ready', 'failed'].includes(document.body.dataset.state), null, { timeout: 120_000 });
  if (model) {
    await page.setInputFiles('#model-file', model);
    await page.waitForFunction(() => !document.getElementById('model-card').hasAttribute('aria-busy')
      && /seeded/.test(document.getElementById('model-card').textContent), null, { timeout: 300_000 });
  }
  await page.click('#view-campaign');
  await page.fill('#campaign-workers', String(workers));
  return page;
}

// Starts the campaign; resolves to its seconds from the first record's start to the last
// record's end, as the page measures them (`data-campaign-seconds`: worker start-up, model
// loading and planning left out), and the records done.
async function runCampaign(page, folder, onTick) {
  await page.setInputFiles('#campaign-folder', folder);
  await page.waitForFunction(() => document.body.dataset.campaign === 'running', null, { timeout: 600_000 });
  for (;;) {
    const state = await page.getAttribute('body', 'data-campaign');
    if (onTick) await onTick(Number(await page.getAttribute('body', 'data-campaign-done') || 0));
    if (state !== 'running') break;
    await page.waitForTimeout(250);
  }
  await page.waitForFunction(() => document.body.dataset.campaignSeconds, null, { timeout: 60_000 });
  const secs = Number(await page.getAttribute('body', 'data-campaign-seconds'));
  const done = Number(await page.getAttribute('body', 'data-campaign-done'));
  return { secs, done };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// The DevTools protocol to every dedicated worker of the browser: Runtime.getHeapUsage on
// each (through Target.sendMessageToTarget), and the size of each worker's wasm memory.
function workerHeaps(browserCdp) {
  const sessions = new Map();
  const waiting = new Map();
  let nextId = 1;
  browserCdp.on('Target.receivedMessageFromTarget', ({ message }) => {
    const reply = JSON.parse(message);
    const resolve = waiting.get(reply.id);
    if (resolve) { waiting.delete(reply.id); resolve(reply.result); }
  });
  return async () => {
    const { targetInfos } = await browserCdp.send('Target.getTargets');
    let total = 0;
    for (const target of targetInfos.filter((t) => t.type === 'worker')) {
      try {
        if (!sessions.has(target.targetId)) {
          const { sessionId } = await browserCdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
          sessions.set(target.targetId, sessionId);
        }
        const id = nextId++;
        const result = new Promise((resolve) => waiting.set(id, resolve));
        await browserCdp.send('Target.sendMessageToTarget', {
          sessionId: sessions.get(target.targetId),
          message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }),
        });
        const usage = await Promise.race([result, new Promise((r) => setTimeout(() => r(null), 2000))]);
        if (usage) total += usage.usedSize;
      } catch { /* a worker that just ended */ }
    }
    return total;
  };
}

async function memory(page, cdp, heaps) {
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const workersHeap = await heaps();
  let wasm = 0;
  for (const worker of page.workers()) {
    try {
      wasm += await worker.evaluate(() => (self.wasmMemory ? self.wasmMemory.buffer.byteLength : 0));
    } catch { /* a worker that just ended */ }
  }
  return { page: usedSize, workers: workersHeap, wasm, total: usedSize + workersHeap + wasm };
}

const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
const server = await serve(port);
const browser = await launch();
try {
  // ROUNDS rounds per model, alternating the order of 1 and 2 workers from one round to the
  // next, so that a slow spell of the machine falls on both; the ratio of the medians.
  const rounds = Math.max(1, Number(process.env.ROUNDS || 3));
  console.log(`\n| model | round | workers | records | seconds | ECG per second |`);
  console.log('|---|---:|---:|---:|---:|---:|');
  const summary = [];
  for (const [name, model, folder] of [
    ['demonstration', null, path.join(work, 'throughput-demo')],
    ['full-size seeded (30.7 M)', path.join(work, 'seeded.safetensors'), path.join(work, 'throughput-full')],
  ]) {
    const rates = { 1: [], 2: [] };
    for (let round = 1; round <= rounds; round += 1) {
      for (const workers of round % 2 ? [1, 2] : [2, 1]) {
        const page = await openCampaign(browser, workers, model);
        const { secs, done } = await runCampaign(page, folder);
        rates[workers].push(done / secs);
        console.log(`| ${name} | ${round} | ${workers} | ${done} | ${secs.toFixed(2)} | ${(done / secs).toFixed(2)} |`);
        await page.close();
      }
    }
    summary.push([name, median(rates[1]), median(rates[2])]);
  }
  console.log(`\n| model | median ECG/s, 1 worker | median ECG/s, 2 workers | 2 ÷ 1 |`);
  console.log('|---|---:|---:|---:|');
  for (const [name, one, two] of summary) {
    console.log(`| ${name} | ${one.toFixed(2)} | ${two.toFixed(2)} | ${(two / one).toFixed(2)} |`);
  }

  const page = await openCampaign(browser, 2, null);
  const cdp = await page.context().newCDPSession(page);
  const heaps = workerHeaps(await browser.newBrowserCDPSession());
  let peak200 = null;
  let peak = { total: 0 };
  const { done } = await runCampaign(page, path.join(work, 'memory'), async (n) => {
    const m = await memory(page, cdp, heaps);
    if (m.total > peak.total) peak = m;
    if (n >= 200 && !peak200) peak200 = { ...peak };
  });
  console.log('\n| records done | peak MiB (page JS heap + workers\' JS heaps + wasm memories) | page JS | workers JS | wasm |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const [n, m] of [[200, peak200], [done, peak]]) {
    console.log(`| ${n} | ${mb(m.total)} | ${mb(m.page)} | ${mb(m.workers)} | ${mb(m.wasm)} |`);
  }
  console.log(`\npeak at ${done} ÷ peak at 200: ${(peak.total / peak200.total).toFixed(3)}`);
} finally {
  await browser.close();
  server.kill();
}
