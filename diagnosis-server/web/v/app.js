// The check-in page at /v/: reads the venue QR payload from the URL fragment (which browsers
// never send to a server), verifies the authority's signature with the keys pinned at first use,
// asks consent once, records the visit in this browser's IndexedDB, and checks the signed notice
// feed against the stored visits. The only requests: the page's files, the published keys and
// the whole feed, none of which carries anything about a visit. Only DOM text is written (no
// innerHTML), so the page runs under `require-trusted-types-for 'script'`.
import { VenueError, importPublicKey, keyFingerprint, parseFragment } from "./venue-protocol.js";
import { SYNC_TAG, checkFeed, clock, hourMinute } from "./notices.js";
import * as store from "./checkin-store.js";

/** The server's venue API: this origin, or the one index.html's meta names (static hosting). */
const API = document.querySelector('meta[name="mimamori-api"]')?.content ?? "";
/** Where the server publishes its venue keys (core's KEYS_PATH). */
const KEYS_PATH = "/venues/v1/keys.json";

const $ = (id) => document.getElementById(id);

/** index.html's text for a VenueError kind or an event, Japanese then English; or null. */
const message = (kind) => document.querySelector(`#messages [data-kind="${kind}"]`);

function say(element, kind, isError = false) {
  element.replaceChildren(...message(kind).cloneNode(true).childNodes);
  element.classList.toggle("error", isError);
}

// --- the authority's keys, pinned at first use ------------------------------------------------

const samePems = (a, b) =>
  a.length === b.length && a.every((pem, i) => pem.replace(/\s/g, "") === b[i].replace(/\s/g, ""));

let keysPromise;

/**
 * The pinned keys {qr, feed (WebCrypto keys), fingerprint, changed}. At first use the published
 * keys are pinned; later, published keys that differ only raise `changed` (the warning): the
 * pinned ones stay in use and nothing stored changes.
 */
function authorityKeys() {
  keysPromise ??= (async () => {
    let published;
    try {
      const response = await fetch(API + KEYS_PATH, { credentials: "omit", cache: "no-cache" });
      if (response.ok) {
        const json = await response.json();
        const pems = (list) => (Array.isArray(list) && list.every((pem) => typeof pem === "string") ? list : []);
        published = { qr: pems(json.qr_keys), feed: pems(json.feed_keys) };
      }
    } catch {
      // Offline: the pinned keys serve.
    }
    let pinned = await store.read("settings", "keys");
    const changed = Boolean(pinned && published) &&
      !(samePems(pinned.qr, published.qr) && samePems(pinned.feed, published.feed));
    if (!pinned) {
      if (!published?.qr.length || !published.feed.length) {
        throw new VenueError("keys-unavailable", "no pinned keys and none downloaded");
      }
      // Every key must read before any is pinned.
      const qr = await Promise.all(published.qr.map(importPublicKey));
      await Promise.all(published.feed.map(importPublicKey));
      pinned = { ...published, fingerprint: await keyFingerprint(qr[0]) };
      await store.write("settings", pinned, "keys");
    }
    return {
      qr: await Promise.all(pinned.qr.map(importPublicKey)),
      feed: await Promise.all(pinned.feed.map(importPublicKey)),
      fingerprint: pinned.fingerprint,
      changed,
    };
  })();
  keysPromise.catch(() => (keysPromise = undefined));
  return keysPromise;
}

/** A fingerprint's first 16 hex digits in groups of four, for reading aloud or comparing. */
const shortFingerprint = (hex) => hex.slice(0, 16).replace(/(.{4})(?!$)/g, "$1 ");

// --- visits and notices on this device --------------------------------------------------------

async function showVisits() {
  const visits = (await store.all("visits")).sort((a, b) => b.arrived - a.arrived);
  const list = $("visits");
  list.replaceChildren(
    ...visits.map((record) => {
      const item = document.createElement("li");
      item.dataset.visit = record.id;
      const role = record.role === "staff" ? "（従業員 / staff）" : "";
      item.textContent = `${clock(record.arrived)}–${hourMinute(record.left)} ${record.name}` +
        `${record.room ? ` ${record.room}` : ""}${role} `;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary small";
      remove.textContent = "削除 / Delete";
      remove.setAttribute("aria-label", `${record.name} ${clock(record.arrived)} 削除 / Delete`);
      remove.addEventListener("click", async () => {
        await store.removeVisit(record.id);
        await store.purge(Math.floor(Date.now() / 1000));
        await showVisits();
        await showNotices();
      });
      item.append(remove);
      return item;
    }),
  );
  $("no-visits").hidden = visits.length > 0;
  return visits;
}

async function showNotices() {
  const notices = (await store.all("notices")).sort((a, b) => b.publishedAt - a.publishedAt);
  $("notices").replaceChildren(
    ...notices.map((notice) => {
      const article = document.createElement("article");
      article.className = "notice";
      article.dataset.notice = notice.id;
      const heading = document.createElement("h3");
      heading.textContent = `${notice.venueName}（${notice.visited}）`;
      const ja = document.createElement("p");
      ja.className = "notice-text";
      ja.textContent = notice.ja;
      const en = document.createElement("p");
      en.className = "notice-text en";
      en.lang = "en";
      en.textContent = notice.en;
      article.append(heading, ja, en);
      return article;
    }),
  );
  return notices;
}

async function checkNotices() {
  const status = $("notice-status");
  const button = $("check-notices");
  button.disabled = true;
  document.body.dataset.noticeCheck = "running";
  say(status, "checking");
  try {
    await checkFeed(API, (await authorityKeys()).feed);
    const shown = await showNotices();
    say(status, shown.length ? "found-notices" : "no-notices");
  } catch (error) {
    const kind = error instanceof VenueError && message(error.kind) ? error.kind : "invalid-feed";
    say(status, kind, true);
  } finally {
    button.disabled = false;
    document.body.dataset.noticeCheck = "done";
  }
}

// --- check-in ---------------------------------------------------------------------------------

/** The verified scan waiting for consent or the check-in button: {payload, payloadBytes, scannedAt}. */
let pending;
/** Whether this page load has checked notices on its own. */
let checkedOnOpen = false;

function showCheckIn() {
  $("consent").hidden = true;
  $("arrived").textContent = clock(pending.scannedAt);
  $("stay").value = String(pending.payload.defaultStayMinutes);
  $("check-in").hidden = false;
  performance.mark("check-in-ready");
}

async function consent(agreed) {
  if (!pending) return;
  if (!agreed) {
    $("consent").hidden = true;
    pending = undefined;
    say($("status"), "declined");
    return;
  }
  try {
    await store.write("settings", true, "consent");
  } catch {
    say($("status"), "store-failed", true);
    return;
  }
  showCheckIn();
}

async function checkIn() {
  if (!pending) return;
  performance.mark("check-in-clicked");
  const minutes = Number($("stay").value);
  const role = $("role-staff").checked ? "staff" : "visitor";
  let record;
  try {
    record = store.visitRecord(pending.payload, pending.payloadBytes, pending.scannedAt, minutes, role);
  } catch {
    say($("status"), "bad-stay", true);
    $("stay").focus();
    return;
  }
  try {
    await store.write("visits", record);
  } catch {
    say($("status"), "store-failed", true);
    return;
  }
  pending = undefined;
  // A reload or a shared link no longer carries the code, so it cannot check in twice.
  history.replaceState(null, "", location.pathname + location.search);
  $("check-in").hidden = true;
  say($("status"), "checked-in");
  $("status").dataset.checkedIn = record.id;
  performance.mark("checked-in");
  await showVisits();
}

async function start() {
  const status = $("status");
  const scannedAt = Math.floor(Date.now() / 1000);
  pending = undefined;
  for (const id of ["venue", "consent", "check-in"]) $(id).hidden = true;
  delete status.dataset.checkedIn;
  let stored = [];
  try {
    stored = await store.purge(scannedAt);
    await showVisits();
    await showNotices();
  } catch {
    say(status, "store-failed", true);
  }
  const fragment = location.hash.replace(/^#/, "");
  // Notices are checked whenever the page opens with visits stored (the whole feed: nothing
  // about the visits is sent), and after the scan is dealt with.
  if (stored.length && !checkedOnOpen) {
    checkedOnOpen = true;
    setTimeout(checkNotices, 0);
  }
  try {
    const keys = await authorityKeys();
    $("pinned-key").textContent = shortFingerprint(keys.fingerprint);
    $("key-warning").hidden = !keys.changed;
    if (keys.changed) say($("key-warning"), "key-changed", true);
    if (!fragment) {
      say(status, "no-code", stored.length === 0);
      return;
    }
    const { payload, payloadBytes, key } = await parseFragment(fragment, keys.qr);
    $("venue-name").textContent = payload.name;
    $("venue-room").textContent = payload.room || "—";
    $("venue-address").textContent = payload.address || "—";
    $("venue-stay").textContent = `${payload.defaultStayMinutes} 分 / minutes`;
    $("key-fingerprint").textContent = shortFingerprint(await keyFingerprint(key));
    $("venue").hidden = false;
    say(status, "verified");
    pending = { payload, payloadBytes, scannedAt };
    if (await store.read("settings", "consent")) showCheckIn();
    else $("consent").hidden = false;
  } catch (error) {
    const kind = !fragment ? "no-code" : error instanceof VenueError && message(error.kind) ? error.kind : "invalid-qr";
    say(status, kind, true);
  }
}

$("consent-yes").addEventListener("click", () => consent(true));
$("consent-no").addEventListener("click", () => consent(false));
$("check-in-button").addEventListener("click", checkIn);
$("check-notices").addEventListener("click", checkNotices);
// A code scanned while the page is open replaces the fragment without reloading.
window.addEventListener("hashchange", start);
start();

// The service worker (a module: it imports notices.js) keeps the page's files for offline
// check-in; where the browser allows periodic background sync (installed, in Chromium) it also
// checks notices about twice a day. Elsewhere nothing more happens: the page checks at open.
if ("serviceWorker" in navigator) {
  const policy = globalThis.trustedTypes?.createPolicy("mimamori-sw", {
    createScriptURL: (url) => {
      if (url !== "sw.js") throw new TypeError("only the page's own worker");
      return url;
    },
  });
  navigator.serviceWorker
    .register(policy ? policy.createScriptURL("sw.js") : "sw.js", { scope: "./", type: "module" })
    .then(() => store.write("settings", API, "api"))
    .then(() => navigator.serviceWorker.ready)
    .then(async (registration) => {
      if (!("periodicSync" in registration)) return;
      const { state } = await navigator.permissions.query({ name: "periodic-background-sync" });
      if (state === "granted") {
        await registration.periodicSync.register(SYNC_TAG, { minInterval: 12 * 3600 * 1000 });
      }
    })
    .catch(() => {});
}
