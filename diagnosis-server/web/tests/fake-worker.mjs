// Fakes of what a browser gives the check-in page's service worker, for node: IndexedDB
// (checkin-store.js's own calls run against it), fetch, the worker's global scope and its
// notifications. Importing this module installs them and then loads the real web/v/sw.js.
// Used by notice-sync.test.mjs and sync-feed.mjs.
import assert from "node:assert/strict";
import { webcrypto } from "node:crypto";

globalThis.crypto ??= webcrypto;

/** The object stores, by name: {keyPath, data: Map}. */
export const stores = new Map();

/** A request that succeeds with `result` after the current task, as IndexedDB's do. */
function request(result) {
  const answer = { result };
  setTimeout(() => answer.onsuccess?.());
  return answer;
}

const database = {
  createObjectStore(name, options = {}) {
    stores.set(name, { keyPath: options.keyPath, data: new Map() });
  },
  transaction(names) {
    const transaction = {
      objectStore(name) {
        const { keyPath, data } = stores.get(name);
        return {
          getAll: () => request([...data.values()].map((value) => structuredClone(value))),
          get: (key) => request(structuredClone(data.get(key))),
          put: (value, key) => request(data.set(key ?? value[keyPath], structuredClone(value)) && undefined),
          delete: (key) => request(data.delete(key) && undefined),
        };
      },
    };
    assert.ok(names.every((name) => stores.has(name)), `${names}`);
    // Completes after the requests made in this task have succeeded.
    setTimeout(() => setTimeout(() => transaction.oncomplete?.()));
    return transaction;
  },
};

globalThis.indexedDB = {
  open() {
    const opening = { result: database };
    setTimeout(() => {
      if (stores.size === 0) opening.onupgradeneeded?.();
      opening.onsuccess?.();
    });
    return opening;
  },
};

/** Every fetch the worker made: {url, init}; and what the next ones answer. */
export const fetched = [];
let answer = () => Promise.reject(new TypeError("no feed set"));
/** Makes every later fetch answer `respond()` (a Response, or a rejection as when offline). */
export const answerWith = (respond) => (answer = respond);
globalThis.fetch = async (url, init) => {
  fetched.push({ url: String(url), init });
  return answer();
};

/** The worker's global scope: its listeners, its notifications and the permission granted. */
export const shown = [];
export const listeners = {};
globalThis.self = {
  location: new URL("https://checkin.example.jp/v/sw.js"),
  addEventListener: (type, listener) => (listeners[type] = listener),
  registration: { showNotification: async (title, options) => shown.push({ title, ...options }) },
  Notification: { permission: "granted" },
  clients: {},
};

const { SYNC_TAG } = await import("../v/notices.js");
await import("../v/sw.js");

/** Dispatches a periodic sync as the browser would; resolves with what the handler awaited. */
export async function periodicSync(tag = SYNC_TAG) {
  let work;
  listeners.periodicsync({ tag, waitUntil: (promise) => (work = promise) });
  return work;
}

/** Asks the worker for the check by message, as the page (and the Chromium test) may. */
export function messageCheck() {
  return new Promise((resolve) => {
    listeners.message({ data: SYNC_TAG, ports: [{ postMessage: resolve }], waitUntil: () => {} });
  });
}
