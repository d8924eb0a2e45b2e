// Prints the time the check-in page's JavaScript takes to verify and match a signed feed of
// 10,000 notices against 100 stored visits (issue 16's target: under 200 ms), in this node.
// The same benchmark runs in headless Chromium in diagnosis-server/tests/checkin_flow/.
// Run: node diagnosis-server/web/tests/bench-match.mjs [notices] [visits]
import { readFileSync } from "node:fs";
import { webcrypto } from "node:crypto";

globalThis.crypto ??= webcrypto;

const { benchFeed } = await import("./bench-feed.mjs");

const noticeCount = Number(process.argv[2] ?? 10_000);
const visitCount = Number(process.argv[3] ?? 100);
const vectors = JSON.parse(
  readFileSync(
    new URL("../../../core/venue/tests/data/venue-vectors/venue-vectors.json", import.meta.url),
    "utf8",
  ),
);
const figure = await benchFeed(vectors, noticeCount, visitCount);
console.log(
  `venue feed: ${noticeCount} notices (${figure.bytes} bytes) against ${visitCount} visits ` +
    `in ${figure.totalMs.toFixed(1)} ms (verify and parse ${figure.verifyMs.toFixed(1)} ms, ` +
    `derive and match ${figure.matchMs.toFixed(1)} ms); ${figure.matches} notice found; ` +
    `node ${process.versions.node}`,
);
