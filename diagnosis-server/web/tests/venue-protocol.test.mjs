// Known-answer tests of the check-in page's venue protocol (web/v/venue-protocol.js) against the
// same vectors core/venue passes (core/venue/tests/data/venue-vectors/venue-vectors.json, made by
// an independent Python implementation). Run: node --test diagnosis-server/web/tests/
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { webcrypto } from "node:crypto";

// Node 18 (Debian's) has WebCrypto only under node:crypto; browsers and Node 20 have it global.
globalThis.crypto ??= webcrypto;

const {
  VenueSecret,
  decodeNoticeBody,
  decodePayload,
  decryptEntry,
  fromHex,
  importPublicKey,
  matchVisits,
  noticeWindow,
  parseFeed,
  parseFragment,
  parseQrUrl,
  slotsOverlapping,
  toHex,
  visit,
} = await import("../v/venue-protocol.js");

const vectors = JSON.parse(
  readFileSync(
    new URL("../../../core/venue/tests/data/venue-vectors/venue-vectors.json", import.meta.url),
    "utf8",
  ),
);
const authority = () => importPublicKey(vectors.authority_public_key_pem);
const payloadBytes = fromHex(vectors.payload.encoded);

/** A fresh P-256 key pair that is not the authority's. */
async function otherKey() {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  return pair.publicKey;
}

async function rejects(promise, kind) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.kind, kind, error.message);
    return true;
  });
}

test("the Python QR verifies and decodes to the vector's fields", async () => {
  const qr = await parseQrUrl(vectors.payload.url, [await authority()]);
  assert.equal(qr.host, "venues.example.jp");
  assert.equal(toHex(qr.payloadBytes), vectors.payload.encoded);
  const p = vectors.payload;
  assert.deepEqual(
    {
      venueType: qr.payload.venueType,
      defaultStayMinutes: qr.payload.defaultStayMinutes,
      seed: toHex(qr.payload.seed),
      name: qr.payload.name,
      address: qr.payload.address,
      room: qr.payload.room,
    },
    {
      venueType: p.venue_type,
      defaultStayMinutes: p.default_stay_minutes,
      seed: p.seed,
      name: p.name,
      address: p.address,
      room: p.room,
    },
  );
  // The page reads only the fragment.
  const fragment = vectors.payload.url.split("#")[1];
  const fromPage = await parseFragment(fragment, [await authority()]);
  assert.equal(toHex(fromPage.payloadBytes), vectors.payload.encoded);
});

test("foreign, tampered, truncated and unverified codes are refused", async () => {
  const keys = [await authority()];
  const url = vectors.payload.url;
  for (const foreign of [
    "https://line.me/R/ti/p/@example",
    "http://venues.example.jp/v/#AAAA",
    "https://venues.example.jp/x/#AAAA",
    "https://venues.example.jp/v/#!!!",
    "https://venues.example.jp/v/#AAAA",
    "hello",
    url + "A".repeat(2048),
    url.slice(0, -10),
  ]) {
    await rejects(parseQrUrl(foreign, keys), "invalid-qr");
  }
  await rejects(parseQrUrl(url, [await otherKey()]), "qr-not-verified");
  await rejects(parseQrUrl(url, []), "qr-not-verified");
  // One byte of the venue name changed: still a well-formed payload, but the signature fails.
  const fragment = url.split("#")[1];
  const signed = Buffer.from(fragment, "base64url");
  const nameAt = signed.indexOf(Buffer.from(vectors.payload.name));
  assert.ok(nameAt > 0);
  signed[nameAt + 2] ^= 0x01;
  await rejects(
    parseFragment(signed.toString("base64url"), keys),
    "qr-not-verified",
  );
});

test("payload fields are checked as core checks them", () => {
  // version 2
  const versionTwo = Uint8Array.from(payloadBytes);
  assert.equal(versionTwo[0], 0x08);
  versionTwo[1] = 2;
  assert.throws(() => decodePayload(versionTwo), /version/);
  // venue type 10
  const typeTen = Uint8Array.from(payloadBytes);
  assert.equal(typeTen[2], 0x10);
  typeTen[3] = 10;
  assert.throws(() => decodePayload(typeTen), /venue type/);
  assert.throws(() => decodePayload(payloadBytes.subarray(0, 20)), /not a venue payload/);
  assert.equal(decodePayload(payloadBytes).name, vectors.payload.name);
});

test("hour-slot tags and notice keys", async () => {
  const secret = await VenueSecret.fromPayloadBytes(payloadBytes);
  assert.equal(toHex(secret.prk), vectors.tags.prk);
  for (const slot of vectors.tags.slots) {
    assert.equal(toHex(await secret.tag(slot.slot_start)), slot.tag);
    assert.equal(toHex(await secret.tag(slot.slot_start + 3599)), slot.tag);
  }
  const keys = await secret.noticeKeyBytes();
  assert.equal(toHex(keys.encryption), vectors.notice.encryption_key);
  assert.equal(toHex(keys.mac), vectors.notice.mac_key);
  assert.deepEqual(slotsOverlapping(3600, 7200), [3600]);
  assert.deepEqual(slotsOverlapping(3599, 7201), [0, 3600, 7200]);
  assert.deepEqual(slotsOverlapping(5000, 5000), [3600]);
});

function vectorEntry() {
  const n = vectors.notice;
  return {
    noticeId: fromHex(n.notice_id),
    tags: n.tags.map(fromHex),
    iv: fromHex(n.iv),
    ciphertext: fromHex(n.ciphertext),
    mac: fromHex(n.mac),
    publishedAt: n.published_at,
  };
}

test("the notice decrypts, its MAC is checked and its tags cover its window", async () => {
  const n = vectors.notice;
  const secret = await VenueSecret.fromPayloadBytes(payloadBytes);
  const body = await decryptEntry(vectorEntry(), secret);
  assert.deepEqual(decodeNoticeBody(fromHex(n.encoded_body)).window.start, body.window.start);
  assert.equal(body.template, n.template);
  assert.deepEqual(body.window.date, { year: 2021, month: 7, day: 20 });
  assert.equal(body.window.fromHour, n.from_hour);
  assert.equal(body.window.toHour, n.to_hour);
  assert.equal(body.issuer, n.issuer);
  assert.equal(body.contactPhone, n.contact_phone);
  assert.equal(body.venueName, n.venue_name);
  // 2021-07-20 18:00 JST = 09:00 UTC.
  assert.equal(body.window.start, 1_626_771_600);
  const tags = await secret.tagsOverlapping(body.window.start, body.window.end);
  assert.deepEqual(
    tags.map(([, tag]) => toHex(tag)),
    n.tags,
  );

  const badMac = vectorEntry();
  badMac.mac[31] ^= 1;
  await rejects(decryptEntry(badMac, secret), "notice-not-authentic");
  const badText = vectorEntry();
  badText.ciphertext[0] ^= 1;
  await rejects(decryptEntry(badText, secret), "notice-not-authentic");
  const otherVenue = await VenueSecret.fromPayloadBytes(Uint8Array.of(1, 2, 3));
  await rejects(decryptEntry(vectorEntry(), otherVenue), "notice-not-authentic");
});

test("windows overlap exactly as core's NoticeWindow::overlaps", () => {
  const window = noticeWindow({ year: 2021, month: 7, day: 20 }, 18, 22);
  const start = 1_626_771_600;
  assert.equal(window.end, start + 4 * 3600);
  assert.ok(window.overlaps(start - 60, start + 60));
  assert.ok(!window.overlaps(start - 3600, start));
  assert.ok(!window.overlaps(window.end, window.end + 10));
  assert.ok(window.overlaps(start, start), "a visit of no length counts at its instant");
  assert.ok(window.overlaps(window.end - 1, window.end - 1));
  const day = noticeWindow({ year: 2021, month: 7, day: 20 }, 0, 24);
  assert.ok(day.wholeDay);
  assert.equal(day.start, 1_626_706_800);
  for (const [from, to] of [[0, 0], [5, 4], [24, 25], [0, 25]]) {
    assert.throws(() => noticeWindow({ year: 2021, month: 7, day: 20 }, from, to));
  }
});

test("the Python feed verifies and matches only the visit in its window", async () => {
  const keys = [await authority()];
  const signed = fromHex(vectors.feed.signed);
  const feed = await parseFeed(signed, keys);
  assert.equal(feed.created, vectors.feed.created);
  assert.equal(feed.entries.length, 1);
  assert.equal(toHex(feed.entries[0].ciphertext), vectors.notice.ciphertext);
  assert.equal(feed.entries[0].publishedAt, vectors.notice.published_at);

  // 19:00-20:30 JST on 2021-07-20 (window 18-22): matched; the same hours a day later and an
  // evening before 18:00 are not.
  const during = await visit({ id: "during", payloadBytes, arrived: 1_626_775_200, left: 1_626_780_600 });
  const dayAfter = await visit({ id: "day after", payloadBytes, arrived: 1_626_775_200 + 86400, left: 1_626_780_600 + 86400 });
  const before = await visit({ id: "before", payloadBytes, arrived: 1_626_771_600 - 7200, left: 1_626_771_600 });
  const staff = await visit({ id: "staff", payloadBytes, arrived: 1_626_771_600 + 3 * 3600, left: 1_626_771_600 + 6 * 3600, role: "staff" });
  const report = await matchVisits([staff, dayAfter, during, before], feed);
  assert.equal(report.rejectedEntries, 0);
  assert.equal(report.matches.length, 1, "one notice, reported once");
  const [match] = report.matches;
  assert.deepEqual(match.visitIds, ["during", "staff"], "earliest visit first");
  assert.equal(match.role, "visitor");
  assert.equal(toHex(match.noticeId), vectors.notice.notice_id);
  assert.equal(match.body.venueName, vectors.notice.venue_name);

  const none = await matchVisits([dayAfter, before], feed);
  assert.deepEqual(none, { matches: [], rejectedEntries: 0 });
});

test("truncated, unsigned and wrongly signed feeds are refused", async () => {
  const keys = [await authority()];
  const signed = fromHex(vectors.feed.signed);
  await rejects(parseFeed(signed.subarray(0, signed.length - 3), keys), "invalid-feed");
  await rejects(parseFeed(signed, [await otherKey()]), "feed-not-verified");
  // A feed field alone, no signatures.
  await assert.rejects(parseFeed(Uint8Array.of(0x0a, 0x00), keys), (error) => {
    assert.equal(error.kind, "feed-not-verified");
    assert.equal(error.unsigned, true);
    return true;
  });
  const flipped = Uint8Array.from(signed);
  flipped[10] ^= 0x40;
  await assert.rejects(parseFeed(flipped, keys));
});

test("visits are checked as core checks them", async () => {
  await rejects(visit({ id: "x", payloadBytes, arrived: 100, left: 99 }), "invalid-visit");
  await rejects(visit({ id: "x", payloadBytes, arrived: 0, left: 86401 }), "invalid-visit");
  await rejects(visit({ id: "x", payloadBytes, arrived: 0, left: 1, role: "boss" }), "invalid-visit");
  assert.equal((await visit({ id: "x", payloadBytes, arrived: 0, left: 86400 })).role, "visitor");
});
