// The check-in page's record rules (web/v/checkin-store.js) under node: what a check-in stores
// and when a visit is deleted. The IndexedDB side runs in Chromium (tests/checkin_flow/).
// Run: node --test diagnosis-server/web/tests/
import { test } from "node:test";
import assert from "node:assert/strict";
import { webcrypto } from "node:crypto";

globalThis.crypto ??= webcrypto;

const { MAX_STAY_MINUTES, RETENTION_SECONDS, visitExpired, visitRecord } = await import(
  "../v/checkin-store.js"
);

const payload = { name: "居酒屋もしサポ", room: "2階 大宴会場", defaultStayMinutes: 90 };
const bytes = Uint8Array.of(8, 1, 16, 1);

test("a check-in records the scan time as arrival and the stay entered", () => {
  const record = visitRecord(payload, bytes, 1_795_176_000, 30, "staff");
  assert.equal(record.arrived, 1_795_176_000);
  assert.equal(record.left, 1_795_176_000 + 30 * 60);
  assert.equal(record.role, "staff");
  assert.equal(record.name, "居酒屋もしサポ");
  assert.equal(record.room, "2階 大宴会場");
  assert.deepEqual(record.payload, bytes);
  assert.notEqual(record.payload, bytes, "a copy of the payload");
  assert.match(record.id, /^[0-9a-f]{32}$/);
  assert.notEqual(visitRecord(payload, bytes, 0, 1, "visitor").id, record.id);
});

test("a stay outside 1 to 1440 whole minutes or an unknown role is refused", () => {
  for (const stay of [0, -5, 1.5, MAX_STAY_MINUTES + 1, Number.NaN]) {
    assert.throws(() => visitRecord(payload, bytes, 0, stay, "visitor"), RangeError, String(stay));
  }
  assert.throws(() => visitRecord(payload, bytes, 0, 30, "manager"), RangeError);
  assert.equal(visitRecord(payload, bytes, 0, MAX_STAY_MINUTES, "visitor").left, 86_400);
});

test("a visit is deleted 14 days after checkout, not before", () => {
  const record = visitRecord(payload, bytes, 1_000_000, 60, "visitor");
  assert.equal(RETENTION_SECONDS, 14 * 86_400);
  assert.equal(visitExpired(record, record.left + RETENTION_SECONDS - 1), false);
  assert.equal(visitExpired(record, record.left + RETENTION_SECONDS), true);
  assert.equal(visitExpired(record, record.arrived), false);
});
