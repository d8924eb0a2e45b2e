// The check-in page's service worker (a module). It keeps the page's own files so that a
// resident can check in without a connection (network first, so a fixed page reaches phones at
// once; the cache answers only when the network fails). On a periodic sync, where the browser
// allows one, it runs the page's own notice check (notices.js): the same GET of the whole feed,
// verified with the keys pinned in IndexedDB; nothing about a visit leaves the browser.
import { importPublicKey } from "./venue-protocol.js";
import { SYNC_TAG, checkFeed } from "./notices.js";
import * as store from "./checkin-store.js";

const CACHE = "mimamori-checkin-1";
const FILES = [
  "./",
  "app.js",
  "venue-protocol.js",
  "notices.js",
  "notice-text.js",
  "checkin-store.js",
  "style.css",
  "manifest.webmanifest",
  "icon.svg",
];
const scope = new URL("./", self.location).href;
const OWN = new Set(FILES.map((file) => new URL(file, scope).href));

/**
 * The background notice check: with the pinned keys only (none pinned: nothing to do). A new
 * match is stored, and notified if the resident already allowed notifications (never asked
 * here; the page shows it at the next open). Resolves with the count of new notices, or the
 * error's kind, having then changed nothing stored.
 */
async function checkInBackground() {
  try {
    const keys = await store.read("settings", "keys");
    if (!keys) return "keys-unavailable";
    const api = (await store.read("settings", "api")) ?? "";
    const fresh = await checkFeed(api, await Promise.all(keys.feed.map(importPublicKey)));
    if (fresh.length && self.Notification?.permission === "granted") {
      // No venue on a lock screen: the page shows which.
      await self.registration.showNotification("みまもり / Mimamori", {
        body: "あなたの来店に関するお知らせがあります。\nThere are notices about your visits.",
        tag: SYNC_TAG,
        icon: "icon.svg",
      });
    }
    return fresh.length;
  } catch (error) {
    return error.kind ?? "invalid-feed";
  }
}

self.addEventListener("periodicsync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(checkInBackground());
});

// The page (and the Chromium test) may ask for the same check; the answer goes to its port.
self.addEventListener("message", (event) => {
  if (event.data === SYNC_TAG) event.waitUntil(checkInBackground().then((r) => event.ports[0]?.postMessage(r)));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(scope));
});

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
