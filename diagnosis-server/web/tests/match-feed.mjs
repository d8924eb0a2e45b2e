// The JavaScript side of the cross-test with the Rust server (diagnosis-server/tests/venues.rs,
// `notices_the_server_issues_are_matched_by_the_check_in_page_javascript`): reads JSON from
// standard input, {qrKeys: [PEM], feedKeys: [PEM], feedBase64, visits: [{id, qrUrl, arrived,
// left, role}]}, verifies every QR URL and the feed with venue-protocol.js, matches, and prints
// {matches: [{noticeId, visitIds, role, template, date, fromHour, toHour, issuer, contactPhone,
// venueName, ja, en}], rejectedEntries} as JSON, `ja` and `en` being the notice's text from
// notice-text.js. Run: node diagnosis-server/web/tests/match-feed.mjs
import { webcrypto } from "node:crypto";

globalThis.crypto ??= webcrypto;

const { importPublicKey, matchVisits, parseFeed, parseQrUrl, toHex, visit } = await import(
  "../v/venue-protocol.js"
);
const { renderNotice } = await import("../v/notice-text.js");

let input = "";
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
const qrKeys = await Promise.all(request.qrKeys.map(importPublicKey));
const feedKeys = await Promise.all(request.feedKeys.map(importPublicKey));
const visits = [];
for (const one of request.visits) {
  const qr = await parseQrUrl(one.qrUrl, qrKeys);
  visits.push(await visit({ ...one, payloadBytes: qr.payloadBytes }));
}
const feed = await parseFeed(new Uint8Array(Buffer.from(request.feedBase64, "base64")), feedKeys);
const report = await matchVisits(visits, feed);
const pad = (n) => String(n).padStart(2, "0");
console.log(
  JSON.stringify({
    matches: report.matches.map(({ noticeId, visitIds, role, body }) => ({
      noticeId: toHex(noticeId),
      visitIds,
      role,
      template: body.template,
      date: `${body.window.date.year}-${pad(body.window.date.month)}-${pad(body.window.date.day)}`,
      fromHour: body.window.fromHour,
      toHour: body.window.toHour,
      issuer: body.issuer,
      contactPhone: body.contactPhone,
      venueName: body.venueName,
      ja: renderNotice(body, "ja"),
      en: renderNotice(body, "en"),
    })),
    rejectedEntries: report.rejectedEntries,
  }),
);
