//! The signed notice feed: every notice of the last 14 days, as the server publishes it at
//! [`FEED_PATH`] and phones and partner systems download it.
//!
//! ```text
//! message NoticeFeed {
//!   uint64 created = 1;                 // Unix seconds
//!   repeated FeedEntry entries = 2;
//! }
//! message FeedEntry {
//!   bytes notice_id = 1;                // 16 bytes
//!   repeated bytes tags = 2;            // 16 bytes each, one per hour of the window (1..=24)
//!   bytes iv = 3;                       // 16 bytes
//!   bytes ciphertext = 4;
//!   bytes mac = 5;                      // 32 bytes
//!   uint64 published_at = 6;            // Unix seconds
//! }
//! message SignedNoticeFeed {            // the file served at FEED_PATH
//!   bytes feed = 1;                     // the encoded NoticeFeed, exactly as signed
//!   repeated FeedSignature signatures = 2;
//! }
//! message FeedSignature {
//!   string key_id = 1;
//!   string key_version = 2;
//!   bytes signature = 3;                // ECDSA P-256/SHA-256 over FEED_SIGNATURE_CONTEXT || feed, r || s
//! }
//! ```

use prost::Message;

use super::cipher::{IV_LENGTH, MAC_LENGTH};
use super::keys::{VenuePublicKey, VenueSigningKey};
use super::notice::NOTICE_ID_LENGTH;
use super::tags::{SlotTag, TAG_LENGTH};
use crate::{Error, Result};

/// Where a server publishes its signed notice feed (a static file).
pub const FEED_PATH: &str = "/venues/v1/notices";

/// Where a server publishes its venue public keys, as [`PublishedVenueKeys`] JSON.
pub const KEYS_PATH: &str = "/venues/v1/keys.json";

/// The media type of the signed feed.
pub const FEED_CONTENT_TYPE: &str = "application/x-protobuf";

/// What a feed signature covers before the encoded feed (domain separation from QR signatures).
pub const FEED_SIGNATURE_CONTEXT: &[u8] = b"mimamori-venue-feed-v1";

/// How long a notice stays in the feed, in seconds: 14 days.
pub const FEED_RETENTION_SECONDS: u64 = 14 * 86_400;

/// The largest signed feed accepted, in bytes (16 MiB: some 100,000 notices).
pub const MAX_FEED_BYTES: usize = 16 * 1024 * 1024;

/// The most tags one entry may carry: one per hour of a day.
pub const MAX_TAGS_PER_ENTRY: usize = 24;

/// The largest notice ciphertext accepted, in bytes.
pub const MAX_NOTICE_CIPHERTEXT: usize = 4_096;

/// The public keys a server publishes at [`KEYS_PATH`] (JSON).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublishedVenueKeys {
    /// PEM public keys that verify venue QR codes, newest first.
    pub qr_keys: Vec<String>,
    /// PEM public keys that verify the notice feed, newest first.
    pub feed_keys: Vec<String>,
    /// The base64 X25519 public key venue records are sealed to.
    pub seal_key: String,
}

/// One published notice: encrypted, filed under the slot tags of its window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedEntry {
    /// The notice's random id (notices are de-duplicated by it).
    pub notice_id: [u8; NOTICE_ID_LENGTH],
    /// The tags of the hour slots the window covers.
    pub tags: Vec<SlotTag>,
    /// The CTR IV.
    pub iv: [u8; IV_LENGTH],
    /// The encrypted [`crate::NoticeBody`].
    pub ciphertext: Vec<u8>,
    /// HMAC-SHA256 over the context, notice id, IV and ciphertext.
    pub mac: [u8; MAC_LENGTH],
    /// When it was published, Unix seconds.
    pub published_at: u64,
}

/// A verified notice feed. [`NoticeFeed::parse`] is the only way to get one from downloaded
/// bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeFeed {
    created: u64,
    entries: Vec<FeedEntry>,
}

impl NoticeFeed {
    /// A feed made at `created` (Unix seconds) with `entries`; entries published more than
    /// [`FEED_RETENTION_SECONDS`] before `created` are left out.
    pub fn new(created: u64, entries: Vec<FeedEntry>) -> Self {
        let cutoff = created.saturating_sub(FEED_RETENTION_SECONDS);
        Self {
            created,
            entries: entries
                .into_iter()
                .filter(|entry| entry.published_at >= cutoff)
                .collect(),
        }
    }

    /// When the feed was made, Unix seconds.
    pub fn created(&self) -> u64 {
        self.created
    }

    /// The notices.
    pub fn entries(&self) -> &[FeedEntry] {
        &self.entries
    }

    /// The signed file to publish at [`FEED_PATH`], signed by every key of `keys` (at least one).
    pub fn sign(&self, keys: &[&VenueSigningKey]) -> Result<Vec<u8>> {
        if keys.is_empty() {
            return Err(Error::InvalidSigningKey {
                reason: "a notice feed needs at least one signing key".into(),
            });
        }
        let feed = self.encode();
        let signatures = keys
            .iter()
            .map(|key| proto::FeedSignature {
                key_id: key.key_id().to_owned(),
                key_version: key.key_version().to_owned(),
                signature: key.sign(FEED_SIGNATURE_CONTEXT, &feed).to_vec(),
            })
            .collect();
        Ok(proto::SignedNoticeFeed { feed, signatures }.encode_to_vec())
    }

    fn encode(&self) -> Vec<u8> {
        proto::NoticeFeed {
            created: self.created,
            entries: self
                .entries
                .iter()
                .map(|entry| proto::FeedEntry {
                    notice_id: entry.notice_id.to_vec(),
                    tags: entry.tags.iter().map(|tag| tag.0.to_vec()).collect(),
                    iv: entry.iv.to_vec(),
                    ciphertext: entry.ciphertext.clone(),
                    mac: entry.mac.to_vec(),
                    published_at: entry.published_at,
                })
                .collect(),
        }
        .encode_to_vec()
    }

    /// Reads a downloaded signed feed and verifies it with the authority's `public_keys`.
    ///
    /// Errors: [`Error::InvalidNoticeFeed`] for bytes that are not a well-formed feed (truncated,
    /// oversized, malformed entries), [`Error::NoticeFeedNotVerified`] when no signature
    /// verifies with any of the keys.
    pub fn parse(bytes: &[u8], public_keys: &[VenuePublicKey]) -> Result<Self> {
        if bytes.len() > MAX_FEED_BYTES {
            return Err(invalid_feed(format!(
                "it is larger than {MAX_FEED_BYTES} bytes"
            )));
        }
        let signed = proto::SignedNoticeFeed::decode(bytes).map_err(|_| {
            invalid_feed("it is not a signed notice feed, or it is cut short".into())
        })?;
        if signed.signatures.is_empty() {
            return Err(Error::NoticeFeedNotVerified { unsigned: true });
        }
        let verified = signed.signatures.iter().any(|signature| {
            public_keys
                .iter()
                .any(|key| key.verifies(FEED_SIGNATURE_CONTEXT, &signed.feed, &signature.signature))
        });
        if !verified {
            return Err(Error::NoticeFeedNotVerified { unsigned: false });
        }
        let feed = proto::NoticeFeed::decode(signed.feed.as_slice())
            .map_err(|_| invalid_feed("its notice list is malformed".into()))?;
        let entries = feed
            .entries
            .into_iter()
            .enumerate()
            .map(|(index, entry)| {
                entry_from_wire(entry)
                    .map_err(|problem| invalid_feed(format!("notice {}: {problem}", index + 1)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            created: feed.created,
            entries,
        })
    }
}

fn entry_from_wire(entry: proto::FeedEntry) -> std::result::Result<FeedEntry, String> {
    let notice_id = entry
        .notice_id
        .as_slice()
        .try_into()
        .map_err(|_| format!("its id is not {NOTICE_ID_LENGTH} bytes"))?;
    let iv = entry
        .iv
        .as_slice()
        .try_into()
        .map_err(|_| format!("its IV is not {IV_LENGTH} bytes"))?;
    let mac = entry
        .mac
        .as_slice()
        .try_into()
        .map_err(|_| format!("its MAC is not {MAC_LENGTH} bytes"))?;
    if entry.tags.is_empty() || entry.tags.len() > MAX_TAGS_PER_ENTRY {
        return Err(format!("it has not 1 to {MAX_TAGS_PER_ENTRY} tags"));
    }
    let tags = entry
        .tags
        .iter()
        .map(|tag| SlotTag::from_slice(tag).map_err(|_| format!("a tag is not {TAG_LENGTH} bytes")))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if entry.ciphertext.is_empty() || entry.ciphertext.len() > MAX_NOTICE_CIPHERTEXT {
        return Err(format!(
            "its ciphertext is not 1 to {MAX_NOTICE_CIPHERTEXT} bytes"
        ));
    }
    Ok(FeedEntry {
        notice_id,
        tags,
        iv,
        ciphertext: entry.ciphertext,
        mac,
        published_at: entry.published_at,
    })
}

fn invalid_feed(reason: String) -> Error {
    Error::InvalidNoticeFeed { reason }
}

mod proto {
    /// `NoticeFeed`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct NoticeFeed {
        #[prost(uint64, tag = "1")]
        pub(super) created: u64,
        #[prost(message, repeated, tag = "2")]
        pub(super) entries: Vec<FeedEntry>,
    }

    /// `FeedEntry`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct FeedEntry {
        #[prost(bytes = "vec", tag = "1")]
        pub(super) notice_id: Vec<u8>,
        #[prost(bytes = "vec", repeated, tag = "2")]
        pub(super) tags: Vec<Vec<u8>>,
        #[prost(bytes = "vec", tag = "3")]
        pub(super) iv: Vec<u8>,
        #[prost(bytes = "vec", tag = "4")]
        pub(super) ciphertext: Vec<u8>,
        #[prost(bytes = "vec", tag = "5")]
        pub(super) mac: Vec<u8>,
        #[prost(uint64, tag = "6")]
        pub(super) published_at: u64,
    }

    /// `SignedNoticeFeed`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct SignedNoticeFeed {
        #[prost(bytes = "vec", tag = "1")]
        pub(super) feed: Vec<u8>,
        #[prost(message, repeated, tag = "2")]
        pub(super) signatures: Vec<FeedSignature>,
    }

    /// `FeedSignature`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct FeedSignature {
        #[prost(string, tag = "1")]
        pub(super) key_id: String,
        #[prost(string, tag = "2")]
        pub(super) key_version: String,
        #[prost(bytes = "vec", tag = "3")]
        pub(super) signature: Vec<u8>,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::{NoticeBody, NoticeTemplate, NoticeWindow, VenueSecret};
    use mimamori_environment::SeededRandom;

    fn entry(published_at: u64, seed: u64) -> FeedEntry {
        let body = NoticeBody::new(
            NoticeTemplate::TokyoPositiveVisitor,
            NoticeWindow::new(date!(2021 - 07 - 20), 18, 20).unwrap(),
            "保健所",
            "03-0000-0000",
            "店",
        )
        .unwrap();
        body.encrypt(
            &VenueSecret::from_payload_bytes(b"p"),
            published_at,
            &mut SeededRandom::new(seed),
        )
    }

    #[test]
    fn a_signed_feed_round_trips_and_drops_old_notices() {
        let mut random = SeededRandom::new(2);
        let key = VenueSigningKey::generate(&mut random, "feed", "v1").unwrap();
        let now = 1_627_000_000;
        let feed = NoticeFeed::new(
            now,
            vec![
                entry(now - 60, 1),
                entry(now - FEED_RETENTION_SECONDS - 1, 2),
            ],
        );
        assert_eq!(feed.entries().len(), 1);
        let bytes = feed.sign(&[&key]).unwrap();
        let parsed = NoticeFeed::parse(&bytes, &[key.public_key()]).unwrap();
        assert_eq!(parsed, feed);
        assert_eq!(parsed.created(), now);
    }

    #[test]
    fn bad_signatures_and_truncated_feeds_are_refused() {
        let mut random = SeededRandom::new(3);
        let key = VenueSigningKey::generate(&mut random, "feed", "v1").unwrap();
        let other = VenueSigningKey::generate(&mut random, "feed", "v2").unwrap();
        let bytes = NoticeFeed::new(1_000_000, vec![entry(999_000, 1)])
            .sign(&[&key])
            .unwrap();
        assert!(matches!(
            NoticeFeed::parse(&bytes, &[other.public_key()]),
            Err(Error::NoticeFeedNotVerified { unsigned: false })
        ));
        assert!(matches!(
            NoticeFeed::parse(&bytes[..bytes.len() - 7], &[key.public_key()]),
            Err(Error::InvalidNoticeFeed { .. })
        ));
        let unsigned = proto::SignedNoticeFeed {
            feed: vec![],
            signatures: vec![],
        }
        .encode_to_vec();
        assert!(matches!(
            NoticeFeed::parse(&unsigned, &[key.public_key()]),
            Err(Error::NoticeFeedNotVerified { unsigned: true })
        ));
        let mut flipped = bytes.clone();
        flipped[10] ^= 0x40;
        assert!(NoticeFeed::parse(&flipped, &[key.public_key()]).is_err());
        assert!(NoticeFeed::new(0, vec![]).sign(&[]).is_err());
    }
}
