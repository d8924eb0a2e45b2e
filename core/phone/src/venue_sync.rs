//! Checking venue notices: download the authority's signed notice feed and match it against the
//! venues in the phone's [`VenueBook`](crate::VenueBook). The venue counterpart of
//! [`crate::sync`], so that every app (the CLI, Android, iOS) runs the same steps.
//!
//! 1. The authority's venue keys: the ones the app pins ([`VenueSyncSettings::public_keys`]),
//!    else the ones stored at the first check, else the ones the server publishes at
//!    [`KEYS_PATH`] (trust on first use: they protect against a tampering CDN, not against the
//!    server itself). Keys used without being pinned are stored in the data directory
//!    ([`VENUE_KEYS_FILE_NAME`]) so that later checks use the same keys.
//! 2. The feed at [`FEED_PATH`], at most [`MAX_FEED_BYTES`], whose signature must verify with one
//!    of the keys; a feed that does not verify changes nothing.
//! 3. [`VenueBook::match_feed`](crate::VenueBook::match_feed): new notices are stored once.
//!
//! Nothing about the phone's visits is sent: the phone downloads the whole feed.

use std::path::Path;

use mimamori_venue::{
    FEED_PATH, KEYS_PATH, MAX_FEED_BYTES, NoticeFeed, PublishedVenueKeys, VenuePublicKey,
};

use crate::phone::Phone;
use crate::transport::{ServerUrl, Transport, parse_json};
use crate::venue_book::FeedCheck;
use crate::{Error, Result};

/// The file in the phone's data directory that keeps the venue keys used at the first check
/// (PEM `PUBLIC KEY` blocks).
pub const VENUE_KEYS_FILE_NAME: &str = "venue-authority-keys.pem";

/// The largest venue key list accepted from a server, in bytes.
pub const MAX_VENUE_KEYS_BYTES: u64 = 64 * 1024;

/// Where to check venue notices.
#[derive(Clone, Debug)]
pub struct VenueSyncSettings {
    /// The diagnosis server (or the CDN serving its feed).
    pub server: ServerUrl,
    /// The authority's venue keys, pinned by the app; empty to use the stored keys or, at the
    /// first check, the server's.
    pub public_keys: Vec<VenuePublicKey>,
}

/// Where the keys of a check came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySource {
    /// The keys the app pinned.
    Pinned,
    /// The keys stored at an earlier check.
    Stored,
    /// The keys the server publishes, trusted on first use and now stored.
    Server,
}

/// What one check found.
#[derive(Clone, Debug)]
pub struct VenueSyncReport {
    /// How many notices the feed holds (for every venue, not only this phone's).
    pub feed_entries: usize,
    /// What matching found: the new notices for this phone, those already known, entries that
    /// failed their integrity check.
    pub check: FeedCheck,
    /// Where the keys came from.
    pub key_source: KeySource,
}

/// Downloads the notice feed, verifies it and matches it against the phone's visits.
pub fn sync_venue_notices(
    phone: &mut Phone,
    transport: &dyn Transport,
    settings: &VenueSyncSettings,
) -> Result<VenueSyncReport> {
    let data_dir = phone.data_dir().to_path_buf();
    let stored = stored_venue_keys(&data_dir)?;
    let (keys, key_source) = if !settings.public_keys.is_empty() {
        (settings.public_keys.clone(), KeySource::Pinned)
    } else if let Some(keys) = stored.clone() {
        (keys, KeySource::Stored)
    } else {
        let published = fetch_venue_keys(transport, &settings.server)?;
        (published, KeySource::Server)
    };
    let feed = download_notice_feed(transport, &settings.server.join(FEED_PATH))?;
    let feed = NoticeFeed::parse(&feed, &keys)?;
    if key_source != KeySource::Pinned || stored.is_none() {
        store_venue_keys(&data_dir, &keys)?;
    }
    let check = phone.venues().match_feed(&feed)?;
    Ok(VenueSyncReport {
        feed_entries: feed.entries().len(),
        check,
        key_source,
    })
}

/// Downloads a notice feed (at most [`MAX_FEED_BYTES`]) from `url`; the caller verifies it with
/// [`NoticeFeed::parse`].
pub fn download_notice_feed(transport: &dyn Transport, url: &str) -> Result<Vec<u8>> {
    let response = transport.get(url, MAX_FEED_BYTES as u64)?;
    response.downloaded(
        "notice feed download",
        "the server does not publish a venue notice feed there; check the address",
    )
}

/// Downloads the venue keys the server publishes at [`KEYS_PATH`]: the feed keys and the QR keys.
pub fn fetch_venue_keys(
    transport: &dyn Transport,
    server: &ServerUrl,
) -> Result<Vec<VenuePublicKey>> {
    let response = transport.get(&server.join(KEYS_PATH), MAX_VENUE_KEYS_BYTES)?;
    let body = response.downloaded(
        "venue key list download",
        "the server does not publish venue keys there; pin the authority's keys instead",
    )?;
    let published: PublishedVenueKeys =
        parse_json(&body, "venue key list", "valid JSON of the venue key list")?;
    let mut keys = parse_venue_keys(&published.feed_keys)?;
    keys.extend(parse_venue_keys(&published.qr_keys)?);
    Ok(keys)
}

/// Parses keys given as PEM `PUBLIC KEY` blocks (several in one text are allowed) or as the
/// base64 of their DER.
pub fn parse_venue_keys(texts: &[String]) -> Result<Vec<VenuePublicKey>> {
    let mut keys = Vec::new();
    for text in texts {
        keys.extend(parse_venue_key_text(text)?);
    }
    Ok(keys)
}

/// Parses one text holding PEM `PUBLIC KEY` blocks, or one base64 DER key.
pub fn parse_venue_key_text(text: &str) -> Result<Vec<VenuePublicKey>> {
    if !text.contains("-----BEGIN") {
        return Ok(vec![VenuePublicKey::parse(text)?]);
    }
    let mut keys = Vec::new();
    for block in text.split_inclusive("-----END PUBLIC KEY-----") {
        if block.contains("-----BEGIN") {
            keys.push(VenuePublicKey::parse(block)?);
        }
    }
    Ok(keys)
}

/// The keys stored at an earlier check, if any.
pub fn stored_venue_keys(data_dir: &Path) -> Result<Option<Vec<VenuePublicKey>>> {
    let path = data_dir.join(VENUE_KEYS_FILE_NAME);
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|cause| Error::Io {
        path: path.clone(),
        cause,
    })?;
    Ok(Some(parse_venue_key_text(&text)?))
}

/// Stores `keys` as the ones later checks use ([`VENUE_KEYS_FILE_NAME`]).
pub fn store_venue_keys(data_dir: &Path, keys: &[VenuePublicKey]) -> Result<()> {
    let mut text = String::new();
    for key in keys {
        text.push_str(&key.to_pem()?);
    }
    let path = data_dir.join(VENUE_KEYS_FILE_NAME);
    std::fs::write(&path, text).map_err(|cause| Error::Io { path, cause })
}

#[cfg(test)]
mod tests {
    use mimamori_environment::{FixedClock, SeededRandom};
    use mimamori_venue::testing::TestVenue;
    use mimamori_venue::{NoticeWindow, VenueQr, VenueSigningKey};
    use time::macros::date;

    use super::*;
    use crate::testing::open_phone;
    use crate::transport::ScriptedTransport;
    use crate::venue_book::CheckIn;

    const SERVER: &str = "https://en.example.jp";
    /// 19:00 JST on 20 July 2021.
    const VISITED_AT: u64 = 1_626_775_200;

    #[test]
    fn notices_are_matched_once_with_keys_trusted_on_first_use_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let clock = FixedClock::new(VISITED_AT);
        let mut phone = open_phone(dir.path(), &clock, 1);
        let mut random = SeededRandom::new(2);
        let venue = TestVenue::new(&mut random, "居酒屋もしサポ", "");
        let authority = &venue.authority;
        let qr = VenueQr::parse(&venue.qr.url(), &[authority.public_key()]).unwrap();
        phone.venues().consent().unwrap();
        phone.venues().check_in(&qr, CheckIn::default()).unwrap();

        let window = NoticeWindow::new(date!(2021 - 07 - 20), 18, 20).unwrap();
        let feed = venue.signed_feed(window, VISITED_AT + 86_400, &mut random);
        let pem = authority.public_key().to_pem().unwrap();
        let keys = serde_json::json!({"qr_keys": [pem], "feed_keys": [pem], "seal_key": ""});
        let transport = ScriptedTransport::new();
        let server = ServerUrl::parse(SERVER).unwrap();
        transport.respond(&server.join(KEYS_PATH), 200, keys.to_string());
        let settings = VenueSyncSettings {
            server: server.clone(),
            public_keys: Vec::new(),
        };

        // A feed that does not verify changes nothing, not even the stored keys.
        transport.respond(&server.join(FEED_PATH), 200, b"not a feed".to_vec());
        assert!(sync_venue_notices(&mut phone, &transport, &settings).is_err());
        assert!(stored_venue_keys(dir.path()).unwrap().is_none());
        assert!(phone.venues().notices().unwrap().is_empty());

        transport.respond(&server.join(FEED_PATH), 200, feed.clone());
        let report = sync_venue_notices(&mut phone, &transport, &settings).unwrap();
        assert_eq!(report.key_source, KeySource::Server);
        assert_eq!(report.feed_entries, 1);
        assert_eq!(report.check.new_notices.len(), 1);
        assert_eq!(stored_venue_keys(dir.path()).unwrap().unwrap().len(), 2);

        // The second check uses the stored keys and finds nothing new.
        transport.forget(&server.join(KEYS_PATH));
        let report = sync_venue_notices(&mut phone, &transport, &settings).unwrap();
        assert_eq!(report.key_source, KeySource::Stored);
        assert!(report.check.new_notices.is_empty());
        assert_eq!(report.check.already_known, 1);
        assert_eq!(phone.venues().notices().unwrap().len(), 1);
    }

    #[test]
    fn a_missing_feed_is_refused_with_the_status() {
        let dir = tempfile::tempdir().unwrap();
        let mut phone = open_phone(dir.path(), &FixedClock::new(VISITED_AT), 1);
        let transport = ScriptedTransport::new();
        let server = ServerUrl::parse(SERVER).unwrap();
        transport.respond(&server.join(FEED_PATH), 404, "not found");
        let mut random = SeededRandom::new(3);
        let authority = VenueSigningKey::generate(&mut random, "venue", "v1").unwrap();
        let settings = VenueSyncSettings {
            server,
            public_keys: vec![authority.public_key()],
        };
        let error = sync_venue_notices(&mut phone, &transport, &settings).unwrap_err();
        assert!(
            matches!(error, Error::ServerRefused { status: 404, .. }),
            "{error:?}"
        );
    }
}
