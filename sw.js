// Service worker: keeps the page's own files in this browser so that, after the first visit,
// the page opens and analyses ECGs with the network off. It only ever fetches from this
// page's origin and never stores an ECG the user opens (those are read from disk, not
// fetched). Network first, so a rebuilt page is picked up when online; the cache answers
// when the network does not.
// scripts/dist.sh names the cache by the release's hash.
const CACHE = 'ecg-stenosis-v3';
const PAGE = [
  './',
  'index.html',
  'manifest.webmanifest',
  'www/main.js',
  'www/worker.js',
  'www/campaign.js',
  'www/style.css',
  'www/examples.json',
  'www/models/demo.safetensors',
  'www/icons/icon-192.png',
  'www/icons/icon-512.png',
  'pkg/cpu/ecg_stenosis.js',
  'pkg/cpu/ecg_stenosis_bg.wasm',
  'pkg/ecg_stenosis.js',
  'pkg/ecg_stenosis_bg.wasm',
];

async function examples() {
  try {
    const response = await fetch('www/examples.json');
    const { examples: list } = await response.json();
    return list.flatMap((example) => example.files);
  } catch {
    return [];
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(PAGE);
    // Examples are a convenience: one that fails to download does not stop offline use.
    await Promise.all((await examples()).map((path) => cache.add(path).catch(() => {})));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(request, response.clone());
      return response;
    } catch (error) {
      const cached = await cache.match(request, { ignoreSearch: true });
      if (cached) return cached;
      throw error;
    }
  })());
});
