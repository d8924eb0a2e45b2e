// The JavaScript side of the JS→Rust cross-test (diagnosis-server/tests/venues.rs,
// `check_ins_the_javascript_records_are_matched_by_core`): reads JSON from standard input,
// {qrKeys: [PEM], checkIns: [{qrUrl, scannedAt, stayMinutes, role}]}, verifies each QR URL with
// venue-protocol.js and makes the record the page stores with checkin-store.js's visitRecord;
// prints [{id, payloadHex, name, room, arrived, left, role}] as JSON for core to match.
// Run: node diagnosis-server/web/tests/check-in-records.mjs
import { webcrypto } from "node:crypto";

globalThis.crypto ??= webcrypto;

const { importPublicKey, parseQrUrl, toHex } = await import("../v/venue-protocol.js");
const { visitRecord } = await import("../v/checkin-store.js");

let input = "";
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
const keys = await Promise.all(request.qrKeys.map(importPublicKey));
const records = [];
for (const { qrUrl, scannedAt, stayMinutes, role } of request.checkIns) {
  const { payload, payloadBytes } = await parseQrUrl(qrUrl, keys);
  const record = visitRecord(payload, payloadBytes, scannedAt, stayMinutes ?? payload.defaultStayMinutes, role);
  const { payload: bytes, ...rest } = record;
  records.push({ ...rest, payloadHex: toHex(bytes) });
}
console.log(JSON.stringify(records));
