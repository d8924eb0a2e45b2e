#!/usr/bin/env python3
"""Known-answer vectors for mimamori_venue, from an independent implementation.

Written from the protocol description (core/venue/src/*.rs module docs, shared/design/venues.md)
with the `cryptography` package from PyPI and a hand-written protobuf encoder; it shares no code
with the Rust implementation. Run:

    python3 -m pip install cryptography
    python3 core/venue/tests/data/venue-vectors/generate.py > core/venue/tests/data/venue-vectors/venue-vectors.json

ECDSA signatures are randomised, so the file holds one signature made here; the Rust test
verifies it (it does not compare signatures byte for byte).
"""

import base64
import hashlib
import hmac
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand


# --- protobuf (proto3: default values are omitted, fields in tag order) ---------------------

def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(tag, value):
    return b"" if value == 0 else varint(tag << 3) + varint(value)


def field_bytes(tag, value):
    return b"" if len(value) == 0 else varint(tag << 3 | 2) + varint(len(value)) + value


def field_string(tag, value):
    return field_bytes(tag, value.encode("utf-8"))


def field_repeated_bytes(tag, values):
    # repeated bytes are never packed; every element is written, even an empty one
    return b"".join(varint(tag << 3 | 2) + varint(len(v)) + v for v in values)


# --- primitives ------------------------------------------------------------------------------

def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand(prk, info, length):
    return HKDFExpand(algorithm=hashes.SHA256(), length=length, info=info).derive(prk)


def aes256_ctr(key, iv, data):
    encryptor = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def hmac_sha256(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def ecdsa_raw(private_key, message):
    der = private_key.sign(message, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def crockford(code_bytes):
    value = int.from_bytes(code_bytes, "big")
    chars = [CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(16))]
    text = "".join(chars)
    return "-".join(text[i:i + 4] for i in range(0, 16, 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- fixed inputs ------------------------------------------------------------------------------

SIGNING_SCALAR = int.from_bytes(hashlib.sha256(b"mimamori venue test signing key").digest(), "big") % (
    0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551)
signing_key = ec.derive_private_key(SIGNING_SCALAR, ec.SECP256R1())
public_pem = signing_key.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

seed = bytes(range(32))
payload_fields = {
    "venue_type": 1,
    "default_stay_minutes": 120,
    "name": "居酒屋もしサポ 本店",
    "address": "岩手県盛岡市内丸10-1",
    "room": "2階 大宴会場",
}


def encode_payload(fields, seed):
    return (field_varint(1, 1) + field_varint(2, fields["venue_type"])
            + field_varint(3, fields["default_stay_minutes"]) + field_bytes(4, seed)
            + field_string(5, fields["name"]) + field_string(6, fields["address"])
            + field_string(7, fields["room"]))


payload = encode_payload(payload_fields, seed)
qr_signature = ecdsa_raw(signing_key, b"mimamori-venue-qr-v1" + payload)
signed = field_bytes(1, payload) + field_bytes(2, qr_signature)
url = "https://venues.example.jp/v/#" + b64url(signed)

# --- tags ----------------------------------------------------------------------------------------

prk = hkdf_extract(b"mimamori-venue-v1", payload)
slots = [1626771600, 1626775200, 1626786000]  # 2021-07-20 18:00, 19:00, 22:00 JST
tags = [hkdf_expand(prk, b"slot" + s.to_bytes(8, "big"), 16) for s in slots]

# --- sealing ------------------------------------------------------------------------------------

authority_secret = hashlib.sha256(b"mimamori authority seal key").digest()
ephemeral_secret = hashlib.sha256(b"mimamori ephemeral key").digest()
authority = x25519.X25519PrivateKey.from_private_bytes(authority_secret)
authority_public = authority.public_key().public_bytes(
    serialization.Encoding.Raw, serialization.PublicFormat.Raw)
ephemeral = x25519.X25519PrivateKey.from_private_bytes(ephemeral_secret)
ephemeral_public = ephemeral.public_key().public_bytes(
    serialization.Encoding.Raw, serialization.PublicFormat.Raw)
shared = ephemeral.exchange(x25519.X25519PublicKey.from_public_bytes(authority_public))
assert shared != bytes(32)
trace_code = bytes.fromhex("0f1e2d3c4b5a69788796")
seal_iv = bytes(range(100, 116))
seal_plaintext = payload
okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"mimamori-venue-seal-v1",
           info=b"mimamori-venue-seal" + trace_code + ephemeral_public + authority_public).derive(shared)
seal_ciphertext = aes256_ctr(okm[:32], seal_iv, seal_plaintext)
seal_mac = hmac_sha256(okm[32:], b"mimamori-venue-seal-mac" + ephemeral_public + seal_iv + seal_ciphertext)
sealed = bytes([1]) + ephemeral_public + seal_iv + seal_mac + seal_ciphertext

# --- notice --------------------------------------------------------------------------------------

body_fields = {
    "template": 2,
    "date": "2021-07-20",
    "from_hour": 18,
    "to_hour": 22,
    "issuer": "盛岡市保健所",
    "contact_phone": "019-603-8244",
    "venue_name": "居酒屋もしサポ 本店",
}
body = (field_varint(1, body_fields["template"]) + field_string(2, body_fields["date"])
        + field_varint(3, body_fields["from_hour"]) + field_varint(4, body_fields["to_hour"])
        + field_string(5, body_fields["issuer"]) + field_string(6, body_fields["contact_phone"])
        + field_string(7, body_fields["venue_name"]))
notice_id = bytes(range(200, 216))
notice_iv = bytes(range(16, 32))
enc_key = hkdf_expand(prk, b"mimamori-venue-notice-enc", 32)
mac_key = hkdf_expand(prk, b"mimamori-venue-notice-mac", 32)
notice_ciphertext = aes256_ctr(enc_key, notice_iv, body)
notice_mac = hmac_sha256(mac_key, b"mimamori-venue-notice-v1" + notice_id + notice_iv + notice_ciphertext)
window_start = 1626771600  # 2021-07-20 18:00 JST
notice_tags = [hkdf_expand(prk, b"slot" + (window_start + 3600 * i).to_bytes(8, "big"), 16) for i in range(4)]
published_at = 1626800000

# --- feed ----------------------------------------------------------------------------------------

entry = (field_bytes(1, notice_id) + field_repeated_bytes(2, notice_tags) + field_bytes(3, notice_iv)
         + field_bytes(4, notice_ciphertext) + field_bytes(5, notice_mac) + field_varint(6, published_at))
feed_created = 1626800100
feed = field_varint(1, feed_created) + field_bytes(2, entry)
feed_signature = ecdsa_raw(signing_key, b"mimamori-venue-feed-v1" + feed)
signed_feed = field_bytes(1, feed) + field_bytes(2, field_string(1, "jp_venue") + field_string(2, "v1")
                                                   + field_bytes(3, feed_signature))

vectors = {
    "authority_public_key_pem": public_pem,
    "payload": {
        **payload_fields,
        "seed": seed.hex(),
        "encoded": payload.hex(),
        "signature": qr_signature.hex(),
        "url": url,
    },
    "tags": {
        "prk": prk.hex(),
        "slots": [{"slot_start": s, "tag": t.hex()} for s, t in zip(slots, tags)],
    },
    "seal": {
        "authority_secret": authority_secret.hex(),
        "authority_public": authority_public.hex(),
        "ephemeral_secret": ephemeral_secret.hex(),
        "trace_code": crockford(trace_code),
        "trace_code_bytes": trace_code.hex(),
        "iv": seal_iv.hex(),
        "plaintext": seal_plaintext.hex(),
        "shared_secret": shared.hex(),
        "sealed": sealed.hex(),
    },
    "notice": {
        **body_fields,
        "encoded_body": body.hex(),
        "notice_id": notice_id.hex(),
        "iv": notice_iv.hex(),
        "encryption_key": enc_key.hex(),
        "mac_key": mac_key.hex(),
        "ciphertext": notice_ciphertext.hex(),
        "mac": notice_mac.hex(),
        "tags": [t.hex() for t in notice_tags],
        "published_at": published_at,
    },
    "feed": {
        "created": feed_created,
        "signed": signed_feed.hex(),
    },
}
print(json.dumps(vectors, ensure_ascii=False, indent=2))
