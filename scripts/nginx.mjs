// Debian's nginx serving dist/ with deploy/nginx.conf, on a loopback port, for the deployment
// end-to-end tests (tests/e2e/deploy.test.mjs) and the cold-start benchmark
// (scripts/bench-cold.mjs, COLD_SERVER=nginx). Only the configuration's `listen` and `root`
// lines are changed; a minimal main configuration around it keeps every file nginx writes
// (pid, error log, temporary files) in a temporary folder, so no root and no /etc change.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForServer } from './browser.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const NGINX = '/usr/sbin/nginx';
export const BROTLI_MODULE = '/usr/lib/nginx/modules/ngx_http_brotli_static_module.so';

function writeConfig(folder, dist, port) {
  const site = fs.readFileSync(path.join(root, 'deploy/nginx.conf'), 'utf8');
  let replaced = 0;
  const changed = site
    .replace(/^(\s*)listen 80;$/m, (_, indent) => { replaced++; return `${indent}listen 127.0.0.1:${port};`; })
    .replace(/^(\s*)root \/var\/www\/ecg-stenosis;$/m, (_, indent) => { replaced++; return `${indent}root ${dist};`; });
  if (replaced !== 2) {
    throw new Error('deploy/nginx.conf lacks the `listen 80;` or `root /var/www/ecg-stenosis;` line the tests replace');
  }
  fs.writeFileSync(path.join(folder, 'site.conf'), changed);
  const temp = (name) => `${name}_temp_path ${path.join(folder, name)};`;
  fs.writeFileSync(path.join(folder, 'nginx.conf'), `load_module ${BROTLI_MODULE};
daemon off;
worker_processes 1;
pid ${path.join(folder, 'nginx.pid')};
error_log ${path.join(folder, 'error.log')} warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  log_not_found off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  include ${path.join(folder, 'site.conf')};
}
`);
}

// Starts nginx on 127.0.0.1:`port` serving `dist` (absolute) and waits until it answers:
// {origin, stop}. stop() prints nginx's error log when it is not empty.
export async function serveNginx(dist, port) {
  for (const [what, file] of [['nginx (apt: nginx-light)', NGINX],
    ['the brotli_static module (apt: libnginx-mod-http-brotli-static)', BROTLI_MODULE],
    ['dist/ (scripts/dist.sh)', path.join(dist, 'MANIFEST.sha256')]]) {
    if (!fs.existsSync(file)) throw new Error(`${what} is missing: ${file} (scripts/setup.sh checks; scripts/dist.sh)`);
  }
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ecg-nginx-'));
  writeConfig(folder, dist, port);
  const config = path.join(folder, 'nginx.conf');
  const check = spawnSync(NGINX, ['-t', '-q', '-p', folder, '-c', config], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t: ${check.stderr}`);
  const child = spawn(NGINX, ['-p', folder, '-c', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForServer(origin);
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    origin,
    stop: () => {
      child.kill('SIGQUIT');
      const log = path.join(folder, 'error.log');
      if (fs.existsSync(log) && fs.statSync(log).size > 0) console.log(`# nginx error.log:\n${fs.readFileSync(log, 'utf8')}`);
    },
  };
}
