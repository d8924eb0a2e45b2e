// The service worker's side of a cross-test with the Rust server (diagnosis-server/tests/venues.rs,
// `the_service_worker_periodic_check_matches_a_feed_the_server_issued`): runs the real
// web/v/sw.js over fake-worker.mjs's fakes. Reads JSON from standard input, {qrKeys: [PEM],
// feedKeys: [PEM], feedBase64, now (Unix seconds), visits: [{id, qrUrl, arrived, left}]}; stores
// the visits as the page would (checkin-store.js) with the feed keys pinned, answers the worker's
// fetch with the feed, dispatches two periodic syncs (notifications allowed), and prints
// {first, second, notices: [{id, visitIds, ja, en}], notifications, fetched} as JSON.
// Run: node diagnosis-server/web/tests/sync-feed.mjs
const { fetched, shown, answerWith, periodicSync } = await import("./fake-worker.mjs");
const { importPublicKey, parseQrUrl } = await import("../v/venue-protocol.js");
const store = await import("../v/checkin-store.js");

let input = "";
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
Date.now = () => request.now * 1000;
const qrKeys = await Promise.all(request.qrKeys.map(importPublicKey));
for (const one of request.visits) {
  const { payload, payloadBytes } = await parseQrUrl(one.qrUrl, qrKeys);
  const record = store.visitRecord(payload, payloadBytes, one.arrived, 1, "visitor");
  await store.write("visits", { ...record, id: one.id, left: one.left });
}
await store.write("settings", { qr: request.qrKeys, feed: request.feedKeys, fingerprint: "" }, "keys");
const feed = Buffer.from(request.feedBase64, "base64");
answerWith(() => new Response(feed));
const first = await periodicSync();
const second = await periodicSync();
const notices = (await store.all("notices")).sort((a, b) => a.id.localeCompare(b.id));
console.log(
  JSON.stringify({
    first,
    second,
    notices: notices.map(({ id, visitIds, ja, en }) => ({ id, visitIds, ja, en })),
    notifications: shown.length,
    fetched: fetched.map(({ url }) => url),
  }),
);
