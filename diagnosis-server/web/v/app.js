// The check-in page at /v/: reads the venue QR payload from the URL fragment (which browsers
// never send to a server), verifies the authority's signature with the keys this server
// publishes, and shows the venue. Only DOM text is written (no innerHTML), so the page runs
// under `require-trusted-types-for 'script'`.
import { VenueError, importPublicKey, keyFingerprint, parseFragment } from "./venue-protocol.js";

/** Where the server publishes its venue keys (core's KEYS_PATH). */
const KEYS_PATH = "/venues/v1/keys.json";

/** What the page says when something is refused, by VenueError kind: [Japanese, English]. */
const MESSAGES = {
  "no-code": [
    "QRコードの情報がありません。施設に掲示されたQRコードをカメラで読み取ってください。",
    "This link carries no venue code. Scan the QR code posted at the venue with your camera.",
  ],
  "invalid-qr": [
    "このQRコードは読み取れません。一部が欠けているか、みまもりのQRコードではありません。",
    "This QR code cannot be read: it is cut short or it is not a Mimamori venue code.",
  ],
  "qr-not-verified": [
    "このQRコードは保健所が発行したものと確認できません。記録しませんでした。",
    "This QR code could not be confirmed as issued by the health authority. Nothing was recorded.",
  ],
  "keys-unavailable": [
    "確認に必要な鍵を取得できませんでした。通信状態を確認して、もう一度お試しください。",
    "The keys needed to check the code could not be downloaded. Check your connection and try again.",
  ],
};

function say(element, [ja, en], isError) {
  element.replaceChildren(document.createTextNode(`${ja} `));
  const english = document.createElement("span");
  english.className = "en";
  english.lang = "en";
  english.textContent = en;
  element.append(english);
  element.classList.toggle("error", isError);
}

async function qrKeys() {
  let published;
  try {
    const response = await fetch(KEYS_PATH, { credentials: "omit", cache: "no-cache" });
    if (!response.ok) throw new Error(String(response.status));
    published = await response.json();
  } catch {
    throw new VenueError("keys-unavailable", "the venue keys could not be downloaded");
  }
  return Promise.all((published.qr_keys ?? []).map(importPublicKey));
}

async function start() {
  const status = document.getElementById("status");
  document.getElementById("venue").hidden = true;
  const fragment = location.hash.replace(/^#/, "");
  try {
    if (!fragment) throw new VenueError("no-code", "the URL has no fragment");
    const keys = await qrKeys();
    const { payload, key } = await parseFragment(fragment, keys);
    document.getElementById("venue-name").textContent = payload.name;
    document.getElementById("venue-room").textContent = payload.room || "—";
    document.getElementById("venue-address").textContent = payload.address || "—";
    document.getElementById("venue-stay").textContent = `${payload.defaultStayMinutes} 分 / minutes`;
    document.getElementById("key-fingerprint").textContent = (await keyFingerprint(key)).slice(0, 16);
    document.getElementById("venue").hidden = false;
    say(status, ["QRコードを確認しました。", "The QR code is confirmed."], false);
  } catch (error) {
    const kind = error instanceof VenueError ? error.kind : "invalid-qr";
    say(status, MESSAGES[kind] ?? MESSAGES["invalid-qr"], true);
  }
}

// A code scanned while the page is open replaces the fragment without reloading.
window.addEventListener("hashchange", start);
start();
