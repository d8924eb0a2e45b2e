// The venue-feed benchmark shared by node (bench-match.mjs) and Chromium
// (tests/checkin_flow/): a signed feed of `noticeCount` notices, the known-answer vectors' real
// notice (core/venue/tests/data/venue-vectors) among random entries, signed with a fresh P-256
// key; `visitCount` visits: the vectors' venue on the evening of the notice and venues that differ
// from it by their seed, over the same hours. Times the page's own steps: verify and parse the
// feed, derive every visit's tags and match. Uses only WebCrypto and venue-protocol.js.
const { fromHex, matchVisits, parseFeed, visit } = await import("../v/venue-protocol.js");

/**
 * Runs the benchmark on `vectors` (the parsed venue-vectors.json); returns {bytes, totalMs,
 * verifyMs, matchMs, matches}. Throws unless exactly the one real notice is found.
 */
export async function benchFeed(vectors, noticeCount = 10_000, visitCount = 100) {
  // --- a minimal protobuf writer ---
  function varint(value) {
    const out = [];
    let v = BigInt(value);
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    return out;
  }
  const bytesField = (field, bytes) => [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
  const varintField = (field, value) => [...varint(field << 3), ...varint(value)];
  const random = (length) => crypto.getRandomValues(new Uint8Array(length));

  const n = vectors.notice;
  const entries = [];
  const realAt = Math.floor(noticeCount / 2);
  for (let i = 0; i < noticeCount; i++) {
    const real = i === realAt;
    const tags = real ? n.tags.map(fromHex) : Array.from({ length: 2 }, () => random(16));
    entries.push(
      Uint8Array.from([
        ...bytesField(1, real ? fromHex(n.notice_id) : random(16)),
        ...tags.flatMap((tag) => bytesField(2, tag)),
        ...bytesField(3, real ? fromHex(n.iv) : random(16)),
        ...bytesField(4, real ? fromHex(n.ciphertext) : random(80)),
        ...bytesField(5, real ? fromHex(n.mac) : random(32)),
        ...varintField(6, n.published_at),
      ]),
    );
  }
  const feed = Uint8Array.from([
    ...varintField(1, n.published_at + 60),
    ...entries.flatMap((entry) => bytesField(2, entry)),
  ]);
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
    "sign",
    "verify",
  ]);
  const context = new TextEncoder().encode("mimamori-venue-feed-v1");
  const signature = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, Uint8Array.from([...context, ...feed])),
  );
  const signed = Uint8Array.from([
    ...bytesField(1, feed),
    ...bytesField(2, [...bytesField(1, new TextEncoder().encode("bench")), ...bytesField(3, signature)]),
  ]);

  // 19:00-20:30 JST on 2021-07-20, the notice's evening.
  const payload = fromHex(vectors.payload.encoded);
  const stored = [];
  for (let i = 0; i < visitCount; i++) {
    const bytes = Uint8Array.from(payload);
    if (i > 0) bytes.set(random(32), 8); // the seed: another venue
    stored.push({ id: `visit ${i}`, payloadBytes: bytes, arrived: 1_626_775_200, left: 1_626_780_600 });
  }

  const started = performance.now();
  const verified = await parseFeed(signed, [pair.publicKey]);
  const parsed = performance.now();
  const visits = await Promise.all(stored.map(visit));
  const report = await matchVisits(visits, verified);
  const done = performance.now();
  if (report.matches.length !== 1) throw new Error(`expected 1 match, found ${report.matches.length}`);
  return {
    bytes: signed.length,
    totalMs: done - started,
    verifyMs: parsed - started,
    matchMs: done - parsed,
    matches: report.matches.length,
  };
}
