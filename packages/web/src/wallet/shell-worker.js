// The wallet page's service worker (docs/offline-codes.md, "On the wallet page"): it keeps the
// page's shell (its HTML, script, styles and icon) in the browser, so the page opens with no
// network and can show an offline code. The build puts `SHELL = { version, files }` above this
// (packages/web/build.mjs). Nothing but these GET requests is touched: every API call goes to the
// network, and no answer of the platform is ever kept.
/* global SHELL */
const CACHE = `micropay-wallet-${SHELL.version}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL.files)).then(() => self.skipWaiting()));
});

// A new build's worker drops the old build's copies once it takes over.
self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key.startsWith('micropay-wallet-') && key !== CACHE).map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !SHELL.files.includes(url.pathname)) return;
  // The page itself from the network first (a new build names new assets), the copy only without
  // one, or when a proxy answers for a platform that is down (5xx); the assets are named by their
  // content's hash, so the copy is always right.
  if (url.pathname === '/wallet') {
    const copy = () => caches.open(CACHE).then((cache) => cache.match('/wallet'));
    event.respondWith(fetch(request)
      .then((answer) => (answer.status >= 500 ? copy().then((kept) => kept ?? answer) : answer))
      .catch(() => copy().then((kept) => kept ?? Response.error())));
    return;
  }
  event.respondWith(caches.open(CACHE).then((cache) => cache.match(url.pathname)).then((copy) => copy ?? fetch(request)));
});
