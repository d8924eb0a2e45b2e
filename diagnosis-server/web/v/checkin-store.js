// What the check-in page keeps, in this browser's IndexedDB only (nothing here is ever sent):
//   visits   {id, payload (the verified encoded venue payload), name, room, arrived, left, role}
//            arrived = scan time, left = arrived + the stay (Unix seconds); deleted
//            RETENTION_SECONDS after `left`, at every page open.
//   notices  {id (notice id, hex), visitIds, ja, en, venueName, contactPhone, expires}: each
//            matched notice once; deleted with the last visit it concerns.
//   settings "consent" (true once the resident agreed), "keys" (the pinned authority keys:
//            {qr: [PEM], feed: [PEM], fingerprint}).
// The rules (record shape, expiry) are plain functions, tested under node; the IndexedDB calls
// need a browser.

/** How long a visit is kept after its checkout, in seconds: 14 days (core's feed retention). */
export const RETENTION_SECONDS = 14 * 86400;
/** The longest stay a resident may enter, in minutes (core's 24-hour visit limit). */
export const MAX_STAY_MINUTES = 1440;

const DATABASE = "mimamori-checkin";

/** A random id for a visit: 16 bytes as hex. */
function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The record of a check-in: the venue of the verified `payload` ({name, room}) with its encoded
 * `payloadBytes`, scanned at `scannedAt` (Unix seconds), staying `stayMinutes` (whole minutes,
 * 1 to 1440) in `role` (`visitor` or `staff`). Throws RangeError on a stay or role out of range.
 */
export function visitRecord(payload, payloadBytes, scannedAt, stayMinutes, role) {
  if (!Number.isInteger(stayMinutes) || stayMinutes < 1 || stayMinutes > MAX_STAY_MINUTES) {
    throw new RangeError("the stay must be 1 to 1440 minutes");
  }
  if (role !== "visitor" && role !== "staff") throw new RangeError("the role is visitor or staff");
  return {
    id: randomId(),
    payload: Uint8Array.from(payloadBytes),
    name: payload.name,
    room: payload.room,
    arrived: scannedAt,
    left: scannedAt + stayMinutes * 60,
    role,
  };
}

/** Whether a visit record is past its retention at `now` (Unix seconds). */
export function visitExpired(record, now) {
  return record.left + RETENTION_SECONDS <= now;
}

// --- IndexedDB --------------------------------------------------------------------------------

let opened;

function database() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore("visits", { keyPath: "id" });
      db.createObjectStore("notices", { keyPath: "id" });
      db.createObjectStore("settings");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

/** Runs `work(stores)` in one transaction over `names`; resolves with its result once committed. */
async function transaction(names, mode, work) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(names, mode);
    const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
    let result;
    const request = work(stores);
    if (request) request.onsuccess = () => (result = request.result);
    tx.oncomplete = () => resolve(result);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/** Every record of `store`. */
export function all(store) {
  return transaction([store], "readonly", (s) => s[store].getAll());
}

/** The value of `store` under `key`, or undefined. */
export function read(store, key) {
  return transaction([store], "readonly", (s) => s[store].get(key));
}

/** Stores `value` (under `key` for `settings`). */
export function write(store, value, key) {
  return transaction([store], "readwrite", (s) => s[store].put(value, key));
}

/** Stores every one of `notices` in one transaction. */
export function writeNotices(notices) {
  return transaction(["notices"], "readwrite", (s) => {
    for (const notice of notices) s.notices.put(notice);
  });
}

/** Deletes the visit `id` (the resident's choice); its notices go at the next purge. */
export function removeVisit(id) {
  return transaction(["visits"], "readwrite", (s) => s.visits.delete(id));
}

/**
 * Deletes the visits past their retention at `now` and the notices that concern no kept visit.
 * Returns the kept visits.
 */
export async function purge(now) {
  const visits = await all("visits");
  const notices = await all("notices");
  const kept = visits.filter((record) => !visitExpired(record, now));
  const ids = new Set(kept.map((record) => record.id));
  await transaction(["visits", "notices"], "readwrite", (s) => {
    for (const record of visits) if (!ids.has(record.id)) s.visits.delete(record.id);
    for (const notice of notices) {
      if (!notice.visitIds.some((id) => ids.has(id))) s.notices.delete(notice.id);
    }
  });
  return kept;
}
