// The check-in page at /v/: reads the venue QR payload from the URL fragment (which browsers
// never send to a server), verifies the authority's signature with the keys pinned at first use,
// asks consent once, records the visit in this browser's IndexedDB, and checks the signed notice
// feed against the stored visits. The only requests: the page's files, the published keys and
// the whole feed, none of which carries anything about a visit. Only DOM text is written (no
// innerHTML), so the page runs under `require-trusted-types-for 'script'`.
import {
  VenueError,
  importPublicKey,
  keyFingerprint,
  matchVisits,
  parseFeed,
  parseFragment,
  toHex,
  visit,
} from "./venue-protocol.js";
import { renderNotice } from "./notice-text.js";
import * as store from "./checkin-store.js";

/** The server's venue API: this origin, or the one index.html's meta names (static hosting). */
const API = document.querySelector('meta[name="mimamori-api"]')?.content ?? "";
/** Where the server publishes its venue keys (core's KEYS_PATH). */
const KEYS_PATH = "/venues/v1/keys.json";
/** The signed notice feed (core's FEED_PATH). */
const FEED_PATH = "/venues/v1/notices";

/** What the page says, by VenueError kind or event: [Japanese, English]. */
const MESSAGES = {
  "no-code": [
    "QRコードの情報がありません。施設に掲示されたQRコードをカメラで読み取ってください。",
    "This link carries no venue code. Scan the QR code posted at the venue with your camera.",
  ],
  "invalid-qr": [
    "このQRコードは読み取れません。一部が欠けているか、みまもりのQRコードではありません。記録しませんでした。",
    "This QR code cannot be read: it is cut short or it is not a Mimamori venue code. Nothing was recorded.",
  ],
  "qr-not-verified": [
    "このQRコードは保健所が発行したものと確認できません。記録しませんでした。",
    "This QR code could not be confirmed as issued by the health authority. Nothing was recorded.",
  ],
  "keys-unavailable": [
    "確認に必要な鍵を取得できませんでした。通信状態を確認して、もう一度お試しください。",
    "The keys needed to check the code could not be downloaded. Check your connection and try again.",
  ],
  "key-changed": [
    "注意：保健所の鍵が、この端末が最初に記録した鍵と異なります。この端末は最初の鍵だけを使い続け、記録は何も変更していません。鍵の変更を知らされていない場合は、保健所にお問い合わせください。",
    "Warning: the health authority's key differs from the one this device recorded first. This device keeps using the first key and changed nothing stored. If you were not told of a key change, contact the health authority.",
  ],
  verified: ["QRコードを確認しました。", "The QR code is confirmed."],
  declined: [
    "同意されなかったため、記録しませんでした。",
    "You did not agree, so nothing was recorded.",
  ],
  "bad-stay": [
    "滞在時間は1分から1440分までの整数で入力してください。",
    "Enter the length of stay as whole minutes from 1 to 1440.",
  ],
  "checked-in": [
    "チェックインしました。同じ施設等の利用者に感染が確認され、保健所が不特定の方への感染の恐れがあると判断した場合は、「お知らせを確認」でお知らせが表示されます。",
    "Checked in. If an infection is found among people who used the same place and the health authority judges that others may have been exposed, a notice appears under \"Check notices\".",
  ],
  "store-failed": [
    "この端末に記録できませんでした（プライベートブラウズでは保存できないことがあります）。",
    "The visit could not be stored on this device (private browsing may prevent it).",
  ],
  checking: ["お知らせを確認しています…", "Checking notices…"],
  "no-notices": ["あなたの来店に関するお知らせはありません。", "There is no notice about your visits."],
  "found-notices": ["あなたの来店に関するお知らせがあります。", "There are notices about your visits."],
  "feed-unavailable": [
    "お知らせの一覧を取得できませんでした。通信状態を確認して、もう一度お試しください。記録は変わっていません。",
    "The list of notices could not be downloaded. Check your connection and try again. Nothing stored was changed.",
  ],
  "invalid-feed": [
    "お知らせの一覧が壊れているか、途中で切れています。記録は変わっていません。時間をおいて、もう一度お試しください。",
    "The list of notices is damaged or cut short. Nothing stored was changed. Try again later.",
  ],
  "feed-not-verified": [
    "お知らせの一覧が保健所の署名と一致しません。記録は変わっていません。",
    "The list of notices does not carry the health authority's signature. Nothing stored was changed.",
  ],
};

const $ = (id) => document.getElementById(id);

function say(element, kind, isError = false) {
  const [ja, en] = MESSAGES[kind];
  element.replaceChildren(document.createTextNode(`${ja} `));
  const english = document.createElement("span");
  english.className = "en";
  english.lang = "en";
  english.textContent = en;
  element.append(english);
  element.classList.toggle("error", isError);
}

const timeFormat = new Intl.DateTimeFormat("ja-JP", {
  timeZone: "Asia/Tokyo",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
});
const clock = (unixSeconds) => timeFormat.format(new Date(unixSeconds * 1000));
const hourMinute = (unixSeconds) => clock(unixSeconds).slice(-5);

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
    const keys = await authorityKeys();
    const download = async (cache) => {
      try {
        const response = await fetch(API + FEED_PATH, { credentials: "omit", cache });
        if (!response.ok) throw new Error(String(response.status));
        return parseFeed(new Uint8Array(await response.arrayBuffer()), keys.feed);
      } catch (error) {
        if (error instanceof VenueError) throw error;
        throw new VenueError("feed-unavailable", "the feed could not be downloaded");
      }
    };
    // Revalidated (a copy still current is not downloaded again); a copy that fails is
    // downloaded afresh once, in case a spoiled answer was cached.
    const feed = await download("no-cache").catch((error) =>
      error.kind === "feed-unavailable" ? Promise.reject(error) : download("reload"),
    );
    const records = await store.all("visits");
    const visits = [];
    for (const record of records) {
      try {
        visits.push(await visit({ ...record, payloadBytes: record.payload }));
      } catch {
        // A record this version cannot read is kept, not matched.
      }
    }
    const byId = new Map(records.map((record) => [record.id, record]));
    const report = await matchVisits(visits, feed);
    const known = new Map((await store.all("notices")).map((notice) => [notice.id, notice]));
    const found = report.matches.map((match) => {
      const id = toHex(match.noticeId);
      const first = byId.get(match.visitIds[0]);
      const visitIds = [...new Set([...(known.get(id)?.visitIds ?? []), ...match.visitIds])];
      return {
        id,
        visitIds,
        publishedAt: match.publishedAt,
        venueName: match.body.venueName,
        contactPhone: match.body.contactPhone,
        visited: `${first.room ? `${first.room} ` : ""}${clock(first.arrived)}–${hourMinute(first.left)}`,
        ja: renderNotice(match.body, "ja"),
        en: renderNotice(match.body, "en"),
      };
    });
    await store.writeNotices(found);
    const shown = await showNotices();
    say(status, shown.length ? "found-notices" : "no-notices");
  } catch (error) {
    const kind = error instanceof VenueError && MESSAGES[error.kind] ? error.kind : "invalid-feed";
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
    const kind = !fragment ? "no-code" : error instanceof VenueError && MESSAGES[error.kind] ? error.kind : "invalid-qr";
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

// Offline check-in: the service worker keeps the page's files (same origin, under this CSP).
if ("serviceWorker" in navigator) {
  const policy = globalThis.trustedTypes?.createPolicy("mimamori-sw", {
    createScriptURL: (url) => {
      if (url !== "sw.js") throw new TypeError("only the page's own worker");
      return url;
    },
  });
  navigator.serviceWorker
    .register(policy ? policy.createScriptURL("sw.js") : "sw.js", { scope: "./" })
    .catch(() => {});
}
