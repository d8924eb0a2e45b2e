// The venue check-in protocol in the browser: the second implementation of core/venue (Rust),
// written from its documented wire formats and held to the same known-answer vectors
// (core/venue/tests/data/venue-vectors) by diagnosis-server/web/tests/venue-protocol.test.mjs.
//
// Plain ES module; WebCrypto only (crypto.subtle: ECDSA P-256, HMAC-SHA256, AES-CTR). Nothing
// here talks to a network or storage: callers hand in the scanned text, the published keys and
// the downloaded feed, and get verified values back.
//
// QR:   https://<host>/v/#base64url(SignedVenuePayload{1: payload, 2: r||s})
//       signature = ECDSA P-256/SHA-256 over "mimamori-venue-qr-v1" || payload
//       payload   = VenuePayload{1 version=1, 2 venue_type 1..9, 3 default_stay_minutes 1..1440,
//                                4 seed (32 bytes), 5 name, 6 address, 7 room}
// Tags: prk = HKDF-Extract(salt "mimamori-venue-v1", ikm = payload)
//       tag(slot) = HKDF-Expand(prk, "slot" || u64 BE slot start, 16); slots are Unix hours
//       enc key = HKDF-Expand(prk, "mimamori-venue-notice-enc", 32)  (AES-256-CTR, 128-bit BE counter)
//       mac key = HKDF-Expand(prk, "mimamori-venue-notice-mac", 32)  (HMAC-SHA256)
// Feed: SignedNoticeFeed{1 feed, 2 repeated FeedSignature{1 key_id, 2 key_version, 3 signature}}
//       signature over "mimamori-venue-feed-v1" || feed
//       NoticeFeed{1 created u64, 2 repeated FeedEntry{1 id(16), 2 repeated tag(16), 3 iv(16),
//                  4 ciphertext, 5 mac(32), 6 published_at u64}}
//       mac = HMAC(mac key, "mimamori-venue-notice-v1" || id || iv || ciphertext)
//       body = NoticeBody{1 template 1..3, 2 date YYYY-MM-DD (JST), 3 from_hour, 4 to_hour,
//                         5 issuer, 6 contact_phone, 7 venue_name}

const subtle = globalThis.crypto.subtle;
const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The payload version this code reads. */
export const PAYLOAD_VERSION = 1;
/** The path of a venue QR URL. */
export const QR_PATH = "/v/";
/** The longest QR text accepted, in bytes. */
export const MAX_QR_TEXT_LENGTH = 2048;
/** Length of a slot, in seconds: one hour. */
export const SLOT_SECONDS = 3600;
/** The longest visit matched, in seconds. */
export const MAX_VISIT_SECONDS = 86400;
/** The largest signed feed accepted, in bytes. */
export const MAX_FEED_BYTES = 16 * 1024 * 1024;
/** Japan Standard Time's offset from UTC, in seconds. */
export const JST_OFFSET_SECONDS = 9 * 3600;

const QR_SIGNATURE_CONTEXT = encoder.encode("mimamori-venue-qr-v1");
const FEED_SIGNATURE_CONTEXT = encoder.encode("mimamori-venue-feed-v1");
const NOTICE_MAC_CONTEXT = encoder.encode("mimamori-venue-notice-v1");
const TAG_SALT = encoder.encode("mimamori-venue-v1");
const SLOT_INFO_PREFIX = encoder.encode("slot");
const NOTICE_ENCRYPTION_INFO = encoder.encode("mimamori-venue-notice-enc");
const NOTICE_MAC_INFO = encoder.encode("mimamori-venue-notice-mac");
const MAX_TAGS_PER_ENTRY = 24;
const MAX_NOTICE_CIPHERTEXT = 4096;
const LIMITS = { name: 100, address: 200, room: 50, issuer: 100, phone: 30 };

/**
 * Why something was refused. `kind` is one of `invalid-qr`, `qr-not-verified`,
 * `invalid-feed`, `feed-not-verified`, `invalid-notice`, `notice-not-authentic`,
 * `invalid-visit`, `invalid-key`; `reason` is English for logs and tests (the page shows its own
 * Japanese and English text per kind). Never holds a key, a payload or a venue's details.
 */
export class VenueError extends Error {
  constructor(kind, reason) {
    super(`${kind}: ${reason}`);
    this.name = "VenueError";
    this.kind = kind;
    this.reason = reason;
  }
}

// --- bytes ------------------------------------------------------------------------------------

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** Lowercase hex of bytes. */
export function toHex(bytes) {
  let text = "";
  for (const byte of bytes) text += HEX[byte];
  return text;
}

/** Bytes of an even-length hex string. */
export function fromHex(text) {
  if (text.length % 2 !== 0 || /[^0-9a-fA-F]/.test(text)) throw new TypeError("not hex");
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Decodes base64url without padding, as the QR fragment carries it; null if it is not that. */
export function base64urlDecode(text) {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const char of text) {
    const digit = BASE64URL.indexOf(char);
    if (digit < 0) return null;
    value = (value << 6) | digit;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (value >> bits) & 0xff;
    }
  }
  // Canonical encodings only: the unused low bits of the last digit are zero.
  if ((value & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

function base64Decode(text) {
  const compact = text.replace(/\s+/g, "");
  const url = compact.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return base64urlDecode(url);
}

// --- protobuf (proto3 decoding, as prost reads it) --------------------------------------------

class Reader {
  constructor(bytes, fail) {
    this.bytes = bytes;
    this.at = 0;
    this.fail = fail;
  }
  done() {
    return this.at >= this.bytes.length;
  }
  varint() {
    // Nearly every key and length fits in four bytes (below 2^28): exact in a Number.
    let small = 0;
    for (let i = 0; i < 4 && this.at + i < this.bytes.length; i++) {
      const byte = this.bytes[this.at + i];
      small |= (byte & 0x7f) << (7 * i);
      if (byte < 0x80) {
        this.at += i + 1;
        return BigInt(small);
      }
    }
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.at >= this.bytes.length) this.fail();
      const byte = this.bytes[this.at++];
      if (shift === 63n && byte > 1) this.fail();
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
    return this.fail();
  }
  take(length) {
    if (length > BigInt(this.bytes.length - this.at)) this.fail();
    const start = this.at;
    this.at += Number(length);
    return this.bytes.subarray(start, this.at);
  }
  key() {
    const key = this.varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0 || key >> 3n > 0x1fffffffn) this.fail();
    return [field, wire];
  }
  skip(wire, field, depth = 0) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.take(8n);
    else if (wire === 2) this.take(this.varint());
    else if (wire === 5) this.take(4n);
    else if (wire === 3 && depth < 100) {
      for (;;) {
        const [inner, innerWire] = this.key();
        if (innerWire === 4) {
          if (inner !== field) this.fail();
          return;
        }
        this.skip(innerWire, inner, depth + 1);
      }
    } else this.fail();
  }
}

/**
 * Decodes a message: `schema` maps field numbers to [name, type], type one of `uint32`,
 * `uint64`, `bytes`, `string`, `bytes[]`, `message[]` (the raw bytes of each element). Unknown
 * fields are skipped; a known field with another wire type, a truncated field or invalid UTF-8
 * fails. Absent fields get proto3 defaults.
 */
function decodeMessage(bytes, schema, fail) {
  const reader = new Reader(bytes, fail);
  const out = {};
  for (const [name, type] of Object.values(schema)) {
    out[name] = type.endsWith("[]") ? [] : type === "bytes" ? new Uint8Array(0) : type === "string" ? "" : 0;
  }
  while (!reader.done()) {
    const [field, wire] = reader.key();
    const known = schema[field];
    if (!known) {
      reader.skip(wire, field);
      continue;
    }
    const [name, type] = known;
    if (type === "uint32" || type === "uint64") {
      if (wire !== 0) fail();
      const value = reader.varint();
      // prost casts a uint32 varint to its low 32 bits.
      out[name] = type === "uint32" ? Number(value & 0xffffffffn) : Number(value);
      continue;
    }
    if (wire !== 2) fail();
    const value = reader.take(reader.varint());
    if (type === "string") {
      try {
        out[name] = utf8.decode(value);
      } catch {
        fail();
      }
    } else if (type === "bytes") out[name] = value;
    else out[name].push(value);
  }
  return out;
}

// --- text checks (as core's checked_text, notice_text) ----------------------------------------

function trim(text) {
  return text.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, "");
}

function characters(text) {
  return [...text].length;
}

function hasControl(text) {
  return /\p{Cc}/u.test(text);
}

function checkHost(host) {
  return host.length > 0 && host.length <= 253 && /^[A-Za-z0-9.:-]+$/.test(host);
}

// --- keys and signatures ----------------------------------------------------------------------

/**
 * Reads an authority public key (PEM `PUBLIC KEY`, or the base64 of its DER), as published in
 * `qr_keys` and `feed_keys` of /venues/v1/keys.json, into a WebCrypto ECDSA P-256 key.
 */
export async function importPublicKey(text) {
  const body = text.includes("-----BEGIN")
    ? text.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "")
    : text;
  const der = base64Decode(body);
  if (!der) throw new VenueError("invalid-key", "the public key is not base64");
  try {
    return await subtle.importKey("spki", der, { name: "ECDSA", namedCurve: "P-256" }, true, [
      "verify",
    ]);
  } catch {
    throw new VenueError("invalid-key", "the public key is not an ECDSA P-256 key");
  }
}

/** SHA-256 of the key's raw uncompressed point, as hex: what the page pins and shows the user. */
export async function keyFingerprint(key) {
  const raw = new Uint8Array(await subtle.exportKey("raw", key));
  return toHex(new Uint8Array(await subtle.digest("SHA-256", raw)));
}

/** An ECDSA signature as WebCrypto wants it (r || s, 64 bytes) from r || s or ASN.1 DER. */
function rawSignature(signature) {
  if (signature.length === 64) return signature;
  // SEQUENCE { INTEGER r, INTEGER s }, short lengths only (a P-256 signature is < 128 bytes).
  const s = signature;
  if (s.length < 8 || s[0] !== 0x30 || s[1] !== s.length - 2) return null;
  const out = new Uint8Array(64);
  let at = 2;
  for (let part = 0; part < 2; part++) {
    if (s[at] !== 0x02) return null;
    const length = s[at + 1];
    let value = s.subarray(at + 2, at + 2 + length);
    if (value.length !== length || length === 0) return null;
    if (value[0] & 0x80) return null;
    if (value.length > 1 && value[0] === 0 && !(value[1] & 0x80)) return null;
    if (value[0] === 0) value = value.subarray(1);
    if (value.length > 32) return null;
    out.set(value, part * 32 + 32 - value.length);
    at += 2 + length;
  }
  return at === s.length ? out : null;
}

/** The first of `keys` that verifies `signature` of `context || message`, or null. */
async function verifyingKey(keys, context, message, signature) {
  const raw = rawSignature(signature);
  if (!raw) return null;
  const signed = concat(context, message);
  for (const key of keys) {
    if (await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, raw, signed)) return key;
  }
  return null;
}

// --- the QR payload ---------------------------------------------------------------------------

const PAYLOAD_SCHEMA = {
  1: ["version", "uint32"],
  2: ["venueType", "uint32"],
  3: ["defaultStayMinutes", "uint32"],
  4: ["seed", "bytes"],
  5: ["name", "string"],
  6: ["address", "string"],
  7: ["room", "string"],
};

function invalidQr(reason) {
  return new VenueError("invalid-qr", reason);
}

/**
 * Reads an encoded payload and checks every field as core does (the signature is not checked
 * here). Returns {venueType, defaultStayMinutes, seed, name, address, room}.
 */
export function decodePayload(bytes) {
  const wire = decodeMessage(bytes, PAYLOAD_SCHEMA, () => {
    throw invalidQr("the payload is not a venue payload");
  });
  if (wire.version !== PAYLOAD_VERSION) {
    throw invalidQr("the payload has a version this app does not know; update the app");
  }
  if (wire.seed.length !== 32) throw invalidQr("the venue seed is not 32 bytes");
  if (wire.defaultStayMinutes > 0xffff) throw invalidQr("the default stay is out of range");
  if (wire.venueType < 1 || wire.venueType > 9) {
    throw invalidQr(`venue type code ${wire.venueType} is not one of 1 to 9`);
  }
  if (wire.defaultStayMinutes < 1 || wire.defaultStayMinutes > 1440) {
    throw invalidQr("the default stay must be 1 to 1440 minutes");
  }
  const text = (what, value, max) => {
    const trimmed = trim(value);
    if (characters(trimmed) > max) throw invalidQr(`the ${what} is longer than ${max} characters`);
    if (hasControl(trimmed)) throw invalidQr(`the ${what} contains control characters`);
    return trimmed;
  };
  const name = text("venue name", wire.name, LIMITS.name);
  if (name.length === 0) throw invalidQr("the venue name is empty");
  return {
    venueType: wire.venueType,
    defaultStayMinutes: wire.defaultStayMinutes,
    seed: wire.seed,
    name,
    address: text("address", wire.address, LIMITS.address),
    room: text("room label", wire.room, LIMITS.room),
  };
}

/**
 * Reads the text of a scanned QR code (`https://<host>/v/#...`) and verifies it with the
 * authority's `publicKeys` (from {@link importPublicKey}). Returns {host, payload,
 * payloadBytes, key}; throws {@link VenueError} `invalid-qr` or `qr-not-verified`.
 */
export async function parseQrUrl(text, publicKeys) {
  text = trim(text);
  if (encoder.encode(text).length > MAX_QR_TEXT_LENGTH) {
    throw invalidQr("the code is far longer than any venue code; it is not one");
  }
  if (!text.startsWith("https://")) {
    throw invalidQr("it is not a Mimamori venue code (no https:// link)");
  }
  const rest = text.slice("https://".length);
  const hash = rest.indexOf("#");
  if (hash < 0) throw invalidQr("it is not a Mimamori venue code (no #fragment)");
  const before = rest.slice(0, hash);
  if (!before.endsWith(QR_PATH)) {
    throw invalidQr("it is not a Mimamori venue code (the link's path is not /v/)");
  }
  const host = before.slice(0, -QR_PATH.length);
  if (!checkHost(host)) throw invalidQr("the link's host is not a host name");
  const verified = await parseFragment(rest.slice(hash + 1), publicKeys);
  return { host, ...verified };
}

/**
 * Reads the fragment of the page's own URL (`location.hash` without its `#`) and verifies it
 * with `publicKeys`. Returns {payload, payloadBytes, key} (`key`: the one that verified it).
 */
export async function parseFragment(fragment, publicKeys) {
  const signed = base64urlDecode(fragment);
  if (!signed) throw invalidQr("the code's data is not base64url; it may be cut short");
  const envelope = decodeMessage(
    signed,
    { 1: ["payload", "bytes"], 2: ["signature", "bytes"] },
    () => {
      throw invalidQr("the code's data is damaged or cut short");
    },
  );
  if (envelope.signature.length !== 64) throw invalidQr("the code carries no valid signature");
  const payload = decodePayload(envelope.payload);
  const key = await verifyingKey(publicKeys, QR_SIGNATURE_CONTEXT, envelope.payload, envelope.signature);
  if (!key) {
    throw new VenueError(
      "qr-not-verified",
      "the code is not signed by this health authority's key, or it was altered",
    );
  }
  return { payload, payloadBytes: envelope.payload, key };
}

// --- hour-slot tags and notice keys -----------------------------------------------------------

async function hmacKey(raw) {
  return subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

async function hmac(key, data) {
  return new Uint8Array(await subtle.sign("HMAC", key, data));
}

/** The start (Unix seconds) of the slot holding `unixSeconds`. */
export function slotStart(unixSeconds) {
  return unixSeconds - (unixSeconds % SLOT_SECONDS);
}

/**
 * The slot starts that `[from, until)` touches; an empty interval touches the slot holding
 * `from`.
 */
export function slotsOverlapping(from, until) {
  const first = slotStart(from);
  const last = slotStart(Math.max(until, from + 1) - 1);
  const slots = [];
  for (let slot = first; slot <= last; slot += SLOT_SECONDS) slots.push(slot);
  return slots;
}

/**
 * A venue's secret (HKDF-Extract of its encoded payload) and what it derives: slot tags and the
 * notice keys. Make one with {@link VenueSecret.fromPayloadBytes}.
 */
export class VenueSecret {
  constructor(prk, prkKey) {
    this.prk = prk;
    this.prkKey = prkKey;
    this.noticeKeys = null;
  }

  /** The secret of the venue whose encoded payload is `payloadBytes`. */
  static async fromPayloadBytes(payloadBytes) {
    const prk = await hmac(await hmacKey(TAG_SALT), payloadBytes);
    return new VenueSecret(prk, await hmacKey(prk));
  }

  /** HKDF-Expand for outputs of at most 32 bytes: the first block, cut to `length`. */
  async expand(info, length) {
    const block = await hmac(this.prkKey, concat(info, Uint8Array.of(1)));
    return block.subarray(0, length);
  }

  /** The 16-byte tag of the slot holding `unixSeconds`. */
  async tag(unixSeconds) {
    const info = new Uint8Array(SLOT_INFO_PREFIX.length + 8);
    info.set(SLOT_INFO_PREFIX);
    new DataView(info.buffer).setBigUint64(SLOT_INFO_PREFIX.length, BigInt(slotStart(unixSeconds)));
    return this.expand(info, 16);
  }

  /** The tags of every slot `[from, until)` touches, as [slotStart, tag] pairs. */
  async tagsOverlapping(from, until) {
    return Promise.all(slotsOverlapping(from, until).map(async (slot) => [slot, await this.tag(slot)]));
  }

  /** The raw AES-256 and HMAC keys of the venue's notices: {encryption, mac}. */
  async noticeKeyBytes() {
    return {
      encryption: await this.expand(NOTICE_ENCRYPTION_INFO, 32),
      mac: await this.expand(NOTICE_MAC_INFO, 32),
    };
  }

  async keys() {
    if (!this.noticeKeys) {
      const raw = await this.noticeKeyBytes();
      this.noticeKeys = {
        encryption: await subtle.importKey("raw", raw.encryption, "AES-CTR", false, ["decrypt"]),
        mac: await hmacKey(raw.mac),
      };
    }
    return this.noticeKeys;
  }
}

// --- notices ----------------------------------------------------------------------------------

const BODY_SCHEMA = {
  1: ["template", "uint32"],
  2: ["date", "string"],
  3: ["fromHour", "uint32"],
  4: ["toHour", "uint32"],
  5: ["issuer", "string"],
  6: ["contactPhone", "string"],
  7: ["venueName", "string"],
};

function invalidNotice(reason) {
  return new VenueError("invalid-notice", reason);
}

/** Reads `YYYY-MM-DD` as core does; returns {year, month, day}. */
function parseDate(text) {
  const parts = text.split("-");
  const rest = parts.length > 3 ? [parts[0], parts[1], parts.slice(2).join("-")] : parts;
  if (rest.length !== 3 || !rest.every((part) => /^\+?[0-9]+$/.test(part))) {
    throw invalidNotice("the date must be YYYY-MM-DD");
  }
  const [year, month, day] = rest.map((part) => Number(part));
  const daysIn = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const last = month === 2 ? (leap ? 29 : 28) : daysIn;
  if (year > 9999 || month < 1 || month > 12 || day < 1 || day > last) {
    throw invalidNotice("the date must be YYYY-MM-DD");
  }
  return { year, month, day };
}

/** The Unix seconds of JST midnight starting `date` ({year, month, day}). */
export function jstMidnight({ year, month, day }) {
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  return Math.max(0, utc.getTime() / 1000 - JST_OFFSET_SECONDS);
}

/**
 * A notice's window: whole JST hours [fromHour, toHour) of one JST date, with its start and end
 * in Unix seconds. `overlaps(arrived, left)` is core's NoticeWindow::overlaps: a visit of no
 * length counts at its instant.
 */
export function noticeWindow(date, fromHour, toHour) {
  if (fromHour > 23 || toHour > 24 || toHour <= fromHour) {
    throw invalidNotice("the window must start at an hour 0 to 23 and end at a later hour up to 24");
  }
  const start = jstMidnight(date) + fromHour * SLOT_SECONDS;
  const end = start + (toHour - fromHour) * SLOT_SECONDS;
  return {
    date,
    fromHour,
    toHour,
    start,
    end,
    wholeDay: fromHour === 0 && toHour === 24,
    overlaps(arrived, left) {
      const until = Math.max(left, arrived + 1);
      return arrived < end && start < until;
    },
  };
}

/** Reads a decrypted notice body and checks it as core does. */
export function decodeNoticeBody(bytes) {
  const wire = decodeMessage(bytes, BODY_SCHEMA, () => {
    throw invalidNotice("the notice body is malformed");
  });
  if (wire.fromHour > 255 || wire.toHour > 255) throw invalidNotice("the notice's hours are out of range");
  const window = noticeWindow(parseDate(wire.date), wire.fromHour, wire.toHour);
  if (wire.template < 1 || wire.template > 3) {
    throw invalidNotice(`notice template ${wire.template} is not one of 1 to 3`);
  }
  const phone = trim(wire.contactPhone);
  if (phone.length === 0 || characters(phone) > LIMITS.phone || !/^[0-9+\-() ]+$/.test(phone)) {
    throw invalidNotice("the contact phone must be 1 to 30 digits, '+', '-', parentheses or spaces");
  }
  const text = (what, value, max) => {
    const trimmed = trim(value);
    if (trimmed.length === 0 || characters(trimmed) > max || hasControl(trimmed)) {
      throw invalidNotice(`the ${what} must be 1 to ${max} characters without control characters`);
    }
    return trimmed;
  };
  return {
    template: wire.template,
    window,
    issuer: text("issuer", wire.issuer, LIMITS.issuer),
    contactPhone: phone,
    venueName: text("venue name", wire.venueName, LIMITS.name),
  };
}

/**
 * Checks a feed entry's MAC with the venue's keys and decrypts it; throws
 * `notice-not-authentic` when the MAC does not match (another venue's notice under a colliding
 * tag, or a damaged entry).
 */
export async function decryptEntry(entry, secret) {
  const keys = await secret.keys();
  const signed = concat(NOTICE_MAC_CONTEXT, entry.noticeId, entry.iv, entry.ciphertext);
  if (!(await subtle.verify("HMAC", keys.mac, entry.mac, signed))) {
    throw new VenueError("notice-not-authentic", "the notice's MAC does not match this venue");
  }
  const plaintext = await subtle.decrypt(
    { name: "AES-CTR", counter: entry.iv, length: 128 },
    keys.encryption,
    entry.ciphertext,
  );
  return decodeNoticeBody(new Uint8Array(plaintext));
}

// --- the signed feed --------------------------------------------------------------------------

function invalidFeed(reason) {
  return new VenueError("invalid-feed", reason);
}

/**
 * Reads a downloaded signed feed (bytes of /venues/v1/notices) and verifies it with the
 * authority's `publicKeys`. Returns {created, entries}; each entry {noticeId, tags, iv,
 * ciphertext, mac, publishedAt}. Throws `invalid-feed` or `feed-not-verified` (with
 * `unsigned` true when it carries no signature at all).
 */
export async function parseFeed(bytes, publicKeys) {
  if (bytes.length > MAX_FEED_BYTES) throw invalidFeed(`it is larger than ${MAX_FEED_BYTES} bytes`);
  const signed = decodeMessage(
    bytes,
    { 1: ["feed", "bytes"], 2: ["signatures", "message[]"] },
    () => {
      throw invalidFeed("it is not a signed notice feed, or it is cut short");
    },
  );
  const signatures = signed.signatures.map((raw) =>
    decodeMessage(
      raw,
      { 1: ["keyId", "string"], 2: ["keyVersion", "string"], 3: ["signature", "bytes"] },
      () => {
        throw invalidFeed("it is not a signed notice feed, or it is cut short");
      },
    ),
  );
  if (signatures.length === 0) {
    const error = new VenueError("feed-not-verified", "the feed carries no signature");
    error.unsigned = true;
    throw error;
  }
  let verified = false;
  for (const { signature } of signatures) {
    if (await verifyingKey(publicKeys, FEED_SIGNATURE_CONTEXT, signed.feed, signature)) {
      verified = true;
      break;
    }
  }
  if (!verified) {
    const error = new VenueError("feed-not-verified", "no signature verifies with the authority's keys");
    error.unsigned = false;
    throw error;
  }
  const feed = decodeMessage(
    signed.feed,
    { 1: ["created", "uint64"], 2: ["entries", "message[]"] },
    () => {
      throw invalidFeed("its notice list is malformed");
    },
  );
  const entries = feed.entries.map((raw, index) => {
    const problem = (text) => invalidFeed(`notice ${index + 1}: ${text}`);
    const wire = decodeMessage(
      raw,
      {
        1: ["noticeId", "bytes"],
        2: ["tags", "bytes[]"],
        3: ["iv", "bytes"],
        4: ["ciphertext", "bytes"],
        5: ["mac", "bytes"],
        6: ["publishedAt", "uint64"],
      },
      () => {
        throw invalidFeed("its notice list is malformed");
      },
    );
    if (wire.noticeId.length !== 16) throw problem("its id is not 16 bytes");
    if (wire.iv.length !== 16) throw problem("its IV is not 16 bytes");
    if (wire.mac.length !== 32) throw problem("its MAC is not 32 bytes");
    if (wire.tags.length === 0 || wire.tags.length > MAX_TAGS_PER_ENTRY) {
      throw problem(`it has not 1 to ${MAX_TAGS_PER_ENTRY} tags`);
    }
    if (wire.tags.some((tag) => tag.length !== 16)) throw problem("a tag is not 16 bytes");
    if (wire.ciphertext.length === 0 || wire.ciphertext.length > MAX_NOTICE_CIPHERTEXT) {
      throw problem(`its ciphertext is not 1 to ${MAX_NOTICE_CIPHERTEXT} bytes`);
    }
    return wire;
  });
  return { created: feed.created, entries };
}

// --- matching ---------------------------------------------------------------------------------

/**
 * A visit to match: `id` (the caller's), `payloadBytes` (the verified encoded payload stored at
 * check-in), `arrived` and `left` (Unix seconds, at most 24 hours apart), `role` (`visitor` or
 * `staff`). Checks it as core's Visit does and derives the venue's secret.
 */
export async function visit({ id, payloadBytes, arrived, left, role = "visitor" }) {
  if (!Number.isSafeInteger(arrived) || !Number.isSafeInteger(left) || arrived < 0) {
    throw new VenueError("invalid-visit", "arrival and departure must be Unix seconds");
  }
  if (left < arrived) throw new VenueError("invalid-visit", "the visit ends before it starts");
  if (left - arrived > MAX_VISIT_SECONDS) {
    throw new VenueError("invalid-visit", "a visit lasts at most 24 hours");
  }
  if (role !== "visitor" && role !== "staff") {
    throw new VenueError("invalid-visit", "the role must be visitor or staff");
  }
  const venue = decodePayload(payloadBytes);
  return { id, venue, secret: await VenueSecret.fromPayloadBytes(payloadBytes), arrived, left, role };
}

/**
 * Finds the notices of `feed` (from {@link parseFeed}) that concern `visits` (from
 * {@link visit}), exactly as core's match_visits: each visit's slot tags are looked up, each
 * entry found must pass its MAC and decrypt to a body whose window the visit overlaps; each
 * notice is reported once, with every visit it concerns, in feed order. Returns {matches:
 * [{noticeId, visitIds, role, publishedAt, body}], rejectedEntries}.
 */
export async function matchVisits(visits, feed) {
  const byTag = new Map();
  feed.entries.forEach((entry, index) => {
    for (const tag of entry.tags) {
      const key = toHex(tag);
      if (!byTag.has(key)) byTag.set(key, []);
      byTag.get(key).push(index);
    }
  });
  const order = [...visits].sort((a, b) => a.arrived - b.arrived || a.left - b.left);
  const found = new Map();
  const rejected = new Set();
  for (const one of order) {
    const tried = new Set();
    for (const [, tag] of await one.secret.tagsOverlapping(one.arrived, one.left)) {
      for (const index of byTag.get(toHex(tag)) ?? []) {
        if (tried.has(index)) continue;
        tried.add(index);
        const entry = feed.entries[index];
        const id = toHex(entry.noticeId);
        const known = found.get(id);
        if (known) {
          if (known.match.body.window.overlaps(one.arrived, one.left)) known.match.visitIds.push(one.id);
          continue;
        }
        let body;
        try {
          body = await decryptEntry(entry, one.secret);
        } catch {
          rejected.add(index);
          continue;
        }
        if (body.window.overlaps(one.arrived, one.left)) {
          found.set(id, {
            index,
            match: {
              noticeId: entry.noticeId,
              visitIds: [one.id],
              role: one.role,
              publishedAt: entry.publishedAt,
              body,
            },
          });
        }
      }
    }
  }
  const matches = [...found.values()].sort((a, b) => a.index - b.index).map((item) => item.match);
  return { matches, rejectedEntries: rejected.size };
}
