//! Helpers shared by Mimamori's fuzz targets: a fixed venue signing key (so targets can sign
//! what the fuzzer made and reach the parsers behind a signature check), envelopes encoded by
//! hand, and a fixed listing investigation.
//!
//! Nothing here is secret: the key is derived from a constant and exists only for fuzzing.

#![warn(missing_docs)]

use std::sync::OnceLock;

use mimamori_listing::{Basis, Investigation, InvestigationPeriod, Masking, Setting};
use mimamori_venue::{VenuePublicKey, VenueSigningKey};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use prost::encoding::{WireType, encode_key, encode_varint};

/// The fuzzing key's secret scalar: any value below the P-256 order will do.
const FUZZ_KEY_BYTES: [u8; 32] = [7; 32];

/// The id and version the fuzzing key signs feeds with.
pub const FUZZ_KEY_ID: &str = "fuzz";
/// See [`FUZZ_KEY_ID`].
pub const FUZZ_KEY_VERSION: &str = "v1";

fn p256_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::from_slice(&FUZZ_KEY_BYTES).unwrap_or_else(|_| unreachable!("7…7 < n"))
    })
}

/// The fuzzing key as Mimamori's venue signing key (the same scalar as [`sign`] uses).
pub fn venue_signing_key() -> &'static VenueSigningKey {
    static KEY: OnceLock<VenueSigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let pem = p256_key()
            .to_pkcs8_pem(LineEnding::LF)
            .unwrap_or_else(|_| unreachable!("a valid key encodes"));
        VenueSigningKey::from_pkcs8_pem(&pem, FUZZ_KEY_ID, FUZZ_KEY_VERSION)
            .unwrap_or_else(|_| unreachable!("a valid key reads back"))
    })
}

/// The public half of the fuzzing key, as the one trusted key.
pub fn venue_public_keys() -> &'static [VenuePublicKey] {
    static KEYS: OnceLock<Vec<VenuePublicKey>> = OnceLock::new();
    KEYS.get_or_init(|| vec![venue_signing_key().public_key()])
}

/// ECDSA P-256 / SHA-256 signature of `context || message`, `r || s`, as core signs venue
/// codes and feeds.
pub fn sign(context: &[u8], message: &[u8]) -> [u8; 64] {
    let signature: Signature = p256_key().sign(&[context, message].concat());
    signature.to_bytes().into()
}

fn length_delimited(tag: u32, bytes: &[u8], out: &mut Vec<u8>) {
    encode_key(tag, WireType::LengthDelimited, out);
    encode_varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// `SignedVenuePayload { payload = 1; signature = 2 }` around `payload`, signed with the
/// fuzzing key.
pub fn signed_venue_payload(payload: &[u8]) -> Vec<u8> {
    let signature = sign(mimamori_venue::QR_SIGNATURE_CONTEXT, payload);
    let mut out = Vec::with_capacity(payload.len() + 80);
    length_delimited(1, payload, &mut out);
    length_delimited(2, &signature, &mut out);
    out
}

/// `SignedNoticeFeed { feed = 1; repeated FeedSignature signatures = 2 }` around `feed`,
/// signed with the fuzzing key.
pub fn signed_notice_feed(feed: &[u8]) -> Vec<u8> {
    let signature = sign(mimamori_venue::FEED_SIGNATURE_CONTEXT, feed);
    let mut entry = Vec::with_capacity(80);
    length_delimited(1, FUZZ_KEY_ID.as_bytes(), &mut entry);
    length_delimited(2, FUZZ_KEY_VERSION.as_bytes(), &mut entry);
    length_delimited(3, &signature, &mut entry);
    let mut out = Vec::with_capacity(feed.len() + entry.len() + 8);
    length_delimited(1, feed, &mut out);
    length_delimited(2, &entry, &mut out);
    out
}

/// A fixed investigation (workplace, unmasked, onset 2021-01-01, last attendance 2021-01-04)
/// against which roster files are read.
pub fn investigation() -> &'static Investigation {
    static INVESTIGATION: OnceLock<Investigation> = OnceLock::new();
    INVESTIGATION.get_or_init(|| {
        let day = |d| {
            time::Date::from_calendar_date(2021, time::Month::January, d)
                .unwrap_or_else(|_| unreachable!("a real date"))
        };
        let period =
            InvestigationPeriod::new(Basis::SymptomOnset(day(1)), day(4), Some(&[day(1), day(4)]))
                .unwrap_or_else(|_| unreachable!("a valid period"));
        Investigation::new(Setting::Workplace, Masking::Unmasked, period)
            .unwrap_or_else(|_| unreachable!("a valid investigation"))
    })
}
