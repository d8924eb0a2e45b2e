//! # Mimamori venue
//!
//! Venue check-ins and cluster notices, decentralised: Mimamori's version of Tokyo's and Iwate's
//! "moshi-sapo" venue QR services and Tokyo's partner-based watch service
//! (docs/adr/0007). Sans I/O: no SQLite and no network; the phone keeps its visits with
//! `mimamori-phone`'s `VenueBook`, the diagnosis server keeps sealed records in its own storage,
//! and a partner system that only matches notices depends on this crate alone.
//!
//! Roles and data flow:
//!
//! 1. **Registration** (server): a random [`VenueSeed`] and a [`VenuePayload`] signed with the
//!    authority's [`VenueSigningKey`] make a [`VenueQr`] whose URL goes on the poster. The server
//!    keeps only a [`SealedRecord`], which opens with the authority's [`SealSecretKey`] *and* the
//!    operator's [`TraceCode`].
//! 2. **Check-in** (phone): [`VenueQr::parse`] verifies the scanned URL; the phone stores the
//!    visit and never uploads it.
//! 3. **Notice** (server): the authority opens the sealed record, writes a [`NoticeBody`] for a
//!    [`NoticeWindow`], encrypts it with keys from the venue's [`VenueSecret`] and files it under
//!    the venue's hour-slot [`SlotTag`]s in the signed [`NoticeFeed`] at [`FEED_PATH`].
//! 4. **Matching** (phone or partner system): [`match_visits`] computes the tags of each visit,
//!    looks them up in the feed, checks the MAC, decrypts, and keeps notices whose window the
//!    visit overlaps.
//!
//! With the `testing` feature, the `testing` module holds a fixture venue (an authority's key and
//! a QR code it signed) and its signed notice feed, for tests here and in the crates above.
//!
//! ```
//! use mimamori_environment::OsRandom;
//! use mimamori_venue::*;
//! use time::macros::date;
//!
//! let mut random = OsRandom;
//! let authority = VenueSigningKey::generate(&mut random, "venue", "v1")?;
//! let payload = VenuePayload::new(
//!     VenueType::RestaurantBar, 120, VenueSeed::generate(&mut random),
//!     "居酒屋もしサポ", "岩手県盛岡市内丸10-1", "",
//! )?;
//! let url = payload.sign(&authority, "venues.example.jp")?.url();
//!
//! // The phone scans the poster at 19:00 JST on 20 July 2021 and stays two hours.
//! let qr = VenueQr::parse(&url, &[authority.public_key()])?;
//! let visit = Visit::new("visit-1", qr.clone(), 1_626_775_200, 1_626_782_400)?;
//!
//! // The authority publishes a notice for 18:00 to 20:00 that day.
//! let body = NoticeBody::new(
//!     NoticeTemplate::TokyoPositiveVisitor,
//!     NoticeWindow::new(date!(2021 - 07 - 20), 18, 20)?,
//!     "盛岡市保健所", "019-603-8244", qr.payload().name(),
//! )?;
//! let entry = body.encrypt(&qr.secret(), 1_626_900_000, &mut random);
//! let feed = NoticeFeed::new(1_626_900_000, vec![entry]).sign(&[&authority])?;
//!
//! let feed = NoticeFeed::parse(&feed, &[authority.public_key()])?;
//! let report = match_visits(&[visit], &feed);
//! assert_eq!(report.matches.len(), 1);
//! assert!(report.matches[0].render(Language::Japanese).contains("居酒屋もしサポ"));
//! # Ok::<(), mimamori_venue::Error>(())
//! ```

#![warn(missing_docs)]

mod cipher;
mod error;
mod feed;
mod keys;
mod matching;
mod named;
mod notice;
mod partner;
mod payload;
mod seal;
mod tags;
mod templates;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::{Error, Result};
pub use feed::{
    FEED_CONTENT_TYPE, FEED_PATH, FEED_RETENTION_SECONDS, FEED_SIGNATURE_CONTEXT, FeedEntry,
    KEYS_PATH, MAX_FEED_BYTES, MAX_NOTICE_CIPHERTEXT, MAX_TAGS_PER_ENTRY, NoticeFeed,
    PublishedVenueKeys,
};
pub use keys::{VenuePublicKey, VenueSigningKey};
pub use matching::{MAX_VISIT_SECONDS, MatchReport, NoticeMatch, Visit, VisitRole, match_visits};
pub use notice::{
    JST, MAX_ISSUER_CHARS, MAX_PHONE_CHARS, NOTICE_ID_LENGTH, NOTICE_MAC_CONTEXT, NoticeBody,
    NoticeTemplate, NoticeWindow, jst_date,
};
pub use partner::{MAX_VISIT_ID_CHARS, PARTNER_CSV_HEADER, parse_partner_visits};
pub use payload::{
    DEFAULT_STAY_MINUTES_RANGE, MAX_ADDRESS_CHARS, MAX_NAME_CHARS, MAX_QR_TEXT_LENGTH,
    MAX_ROOM_CHARS, PAYLOAD_VERSION, QR_PATH, QR_SIGNATURE_CONTEXT, VENUE_SEED_LENGTH,
    VenuePayload, VenueQr, VenueSeed, VenueType,
};
pub use seal::{
    MAX_SEALED_PLAINTEXT, SEAL_INFO, SEAL_MAC_CONTEXT, SEAL_SALT, SEALED_RECORD_VERSION,
    SealPublicKey, SealSecretKey, SealedRecord, TRACE_CODE_BYTES, TRACE_CODE_CHARS, TraceCode,
};
pub use tags::{
    NOTICE_ENCRYPTION_INFO, NOTICE_MAC_INFO, SLOT_INFO_PREFIX, SLOT_SECONDS, SlotTag, TAG_LENGTH,
    TAG_SALT, VenueSecret, slot_start, slots_overlapping,
};
pub use templates::{Language, render};

/// How long a phone keeps a visit, in seconds: 14 days after it ended.
pub const VISIT_RETENTION_SECONDS: u64 = 14 * 86_400;
