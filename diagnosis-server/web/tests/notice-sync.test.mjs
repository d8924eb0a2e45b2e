// The service worker's periodic notice check (web/v/sw.js running web/v/notices.js, the code of
// the page's "Check notices") under node, over fake-worker.mjs's fakes of IndexedDB, fetch, the
// worker's global scope and its notifications. The feed is the Python vector feed core and
// venue-protocol.js pass (core/venue/tests/data/venue-vectors); the same check against a feed the Rust server issued
// runs in node from diagnosis-server/tests/venues.rs (sync-feed.mjs) and in Chromium
// (tests/checkin_flow/). Run: node --test diagnosis-server/web/tests/
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const vectors = JSON.parse(
  readFileSync(
    new URL("../../../core/venue/tests/data/venue-vectors/venue-vectors.json", import.meta.url),
    "utf8",
  ),
);

const { fetched, shown, stores, answerWith, periodicSync, messageCheck } = await import(
  "./fake-worker.mjs"
);
const { fromHex, decodePayload } = await import("../v/venue-protocol.js");
const store = await import("../v/checkin-store.js");
const { SYNC_TAG } = await import("../v/notices.js");

// --- the stored state -------------------------------------------------------------------------

const payloadBytes = fromHex(vectors.payload.encoded);
const payload = decodePayload(payloadBytes);
// 19:00-20:30 JST on 2021-07-20, in the notice's window (18-22); the next day's is not.
const during = store.visitRecord(payload, payloadBytes, 1_626_775_200, 90, "visitor");
const dayAfter = store.visitRecord(payload, payloadBytes, 1_626_775_200 + 86_400, 90, "visitor");
// "Now" is the day after the notice, within the visits' 14 days.
Date.now = () => (1_626_800_100 + 86_400) * 1000;

async function reset({ pinned = true } = {}) {
  for (const { data } of stores.values()) data.clear();
  await store.write("visits", during);
  await store.write("visits", dayAfter);
  if (pinned) {
    const pem = vectors.authority_public_key_pem;
    await store.write("settings", { qr: [pem], feed: [pem], fingerprint: "f" }, "keys");
  }
  await store.write("settings", true, "consent");
  fetched.length = 0;
  shown.length = 0;
  self.Notification.permission = "granted";
  answerWith(() => new Response(fromHex(vectors.feed.signed)));
}

const snapshot = async () => ({
  visits: (await store.all("visits")).sort((a, b) => a.arrived - b.arrived),
  notices: await store.all("notices"),
  settings: [await store.read("settings", "keys"), await store.read("settings", "consent")],
});

// --- tests ------------------------------------------------------------------------------------

test("a periodic sync stores the visit's notice once and notifies once, without the venue", async () => {
  await reset();
  assert.equal(await periodicSync(), 1);
  const notices = await store.all("notices");
  assert.equal(notices.length, 1);
  const [notice] = notices;
  assert.equal(notice.id, vectors.notice.notice_id);
  assert.deepEqual(notice.visitIds, [during.id]);
  assert.equal(notice.venueName, vectors.notice.venue_name);
  assert.ok(notice.ja.includes(vectors.notice.venue_name), notice.ja);
  assert.ok(notice.en.includes(vectors.notice.venue_name), notice.en);
  assert.equal(shown.length, 1);
  assert.ok(!JSON.stringify(shown).includes(vectors.notice.venue_name), "no venue on a lock screen");
  assert.equal(shown[0].tag, SYNC_TAG);

  // The next sync (or the page's button) finds the same notice: nothing new, no second alert.
  const before = await snapshot();
  assert.equal(await periodicSync(), 0);
  assert.equal(await messageCheck(), 0);
  assert.deepEqual(await snapshot(), before);
  assert.equal(shown.length, 1);

  // Only GETs of the whole feed, without credentials: nothing about a visit.
  assert.equal(fetched.length, 3);
  for (const { url, init } of fetched) {
    assert.equal(url, "/venues/v1/notices");
    assert.equal(init.credentials, "omit");
    assert.equal(init.method ?? "GET", "GET");
    assert.equal(init.body, undefined);
  }
});

test("the worker never asks for notification permission: not granted, the match waits for the page", async () => {
  await reset();
  self.Notification.permission = "default";
  assert.equal(await periodicSync(), 1);
  assert.equal((await store.all("notices")).length, 1);
  assert.equal(shown.length, 0);
});

test("a truncated, wrongly signed or unreachable feed changes nothing stored", async () => {
  await reset();
  await periodicSync();
  const before = await snapshot();
  const signed = fromHex(vectors.feed.signed);
  const flipped = Uint8Array.from(signed);
  flipped[flipped.length - 5] ^= 0x01;
  for (const [bytes, kind] of [
    [signed.subarray(0, signed.length - 7), "invalid-feed"],
    [flipped, "feed-not-verified"],
  ]) {
    answerWith(() => new Response(bytes));
    assert.equal(await periodicSync(), kind);
    assert.deepEqual(await snapshot(), before, kind);
  }
  answerWith(() => new Response("", { status: 503 }));
  assert.equal(await periodicSync(), "feed-unavailable");
  answerWith(() => Promise.reject(new TypeError("offline")));
  assert.equal(await periodicSync(), "feed-unavailable");
  assert.deepEqual(await snapshot(), before);
  assert.equal(shown.length, 1, "only the first sync's");
});

test("without pinned keys nothing is fetched; another tag is not this worker's", async () => {
  await reset({ pinned: false });
  assert.equal(await periodicSync(), "keys-unavailable");
  assert.equal(await periodicSync("someone-else"), undefined);
  assert.equal(fetched.length, 0);
  assert.equal((await store.all("notices")).length, 0);
});
