// Offline once loaded: every file of the page is cached on install, and each request goes to
// the network first (so a rebuilt page is picked up at once) and to the cache when the
// network is not there.
const CACHE = 'playground-v1';
const FILES = [
  './', 'index.html', 'style.css', 'app.js', 'worker.js', 'pkg/web.js', 'pkg/web_bg.wasm',
  'examples/sleep.yaml', 'examples/job.yaml', 'examples/cronjob.yaml', 'examples/opted-out.yaml',
  'examples/host-network.yaml', 'examples/gateway.yaml', 'examples/bad-annotation.yaml',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
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
