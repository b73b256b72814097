// Shared by the page benchmarks (scripts/bench-page.mjs, scripts/bench-cold.mjs) and the
// end-to-end page cases (tests/e2e/page-cases.mjs): the page
// served by scripts/serve.py, and headless Debian Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Waits until `origin` answers index.html (a server just started); throws after 10 s.
export async function waitForServer(origin) {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${origin}/index.html`)).ok) return; } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${origin} did not start`);
}

// Starts scripts/serve.py on `port` and waits until `origin` (the server, or a proxy in front
// of it) answers. Returns the child process; kill it when done.
export async function serve(port, origin = `http://127.0.0.1:${port}`) {
  const server = spawn('python3', [path.join(root, 'scripts/serve.py'), '--port', String(port)], {
    env: { ...process.env, SERVE_QUIET: '1' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitForServer(origin);
  } catch (error) {
    server.kill();
    throw error;
  }
  return server;
}

// Headless Chromium ($CHROMIUM or Debian's), WebGPU allowed, nothing fetched in the background.
export const launchOptions = {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-dev-shm-usage',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
};

export function launch() {
  return chromium.launch(launchOptions);
}
