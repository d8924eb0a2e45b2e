// The check-in page's service worker: keeps the page's own files so that a resident can check
// in without a connection (the keys are pinned in IndexedDB). Network first, so a fixed page
// reaches phones at once; the cache answers only when the network fails. It never touches the
// keys, the notice feed or any other origin, and it sees no visit: visits never leave the page.
const CACHE = "mimamori-checkin-1";
const FILES = [
  "./",
  "app.js",
  "venue-protocol.js",
  "notice-text.js",
  "checkin-store.js",
  "style.css",
  "manifest.webmanifest",
  "icon.svg",
];
const scope = new URL("./", self.location).href;
const OWN = new Set(FILES.map((file) => new URL(file, scope).href));

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(FILES))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  url.hash = "";
  url.search = "";
  if (event.request.method !== "GET" || !OWN.has(url.href)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(event.request);
        if (response.ok) {
          await cache.put(url.href, response.clone());
          return response;
        }
        if (response.status < 500) return response;
      } catch {
        // Offline: the cached copy below.
      }
      return (await cache.match(url.href)) ?? Response.error();
    })(),
  );
});
