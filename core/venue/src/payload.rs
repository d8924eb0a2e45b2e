//! The venue QR code: the payload the authority signs, its compact binary encoding, and the URL
//! that carries it in its fragment.
//!
//! Wire format (protobuf, proto3 field rules, written by hand for prost):
//!
//! ```text
//! message VenuePayload {            // the "encoded payload": signed, and the ikm of the tags
//!   uint32 version = 1;             // PAYLOAD_VERSION
//!   uint32 venue_type = 2;          // VenueType code, 1..=9
//!   uint32 default_stay_minutes = 3;
//!   bytes  seed = 4;                // 32 random bytes
//!   string name = 5;
//!   string address = 6;
//!   string room = 7;                // room, floor or table label; may be empty
//! }
//! message SignedVenuePayload {
//!   bytes payload = 1;              // the encoded VenuePayload, exactly as signed
//!   bytes signature = 2;            // ECDSA P-256/SHA-256 over QR_SIGNATURE_CONTEXT || payload, r || s
//! }
//! ```
//!
//! QR content: `https://<authority host>/v/#<base64url without padding of SignedVenuePayload>`.
//! The fragment never leaves the phone, so a scan tells no server where the resident is.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use prost::Message;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::keys::{VenuePublicKey, VenueSigningKey};
use super::named::{Named, by_code, by_slug};
use super::tags::VenueSecret;
use mimamori_environment::RandomSource;

use crate::{Error, Result};

/// The payload version this build writes and reads.
pub const PAYLOAD_VERSION: u32 = 1;

/// Length of a venue seed, in bytes.
pub const VENUE_SEED_LENGTH: usize = 32;

/// The longest venue name, in characters (Unicode scalar values).
pub const MAX_NAME_CHARS: usize = 100;

/// The longest address, in characters.
pub const MAX_ADDRESS_CHARS: usize = 200;

/// The longest room/floor/table label, in characters.
pub const MAX_ROOM_CHARS: usize = 50;

/// The shortest and longest default stay, in minutes (1 minute to 24 hours).
pub const DEFAULT_STAY_MINUTES_RANGE: std::ops::RangeInclusive<u16> = 1..=1_440;

/// The longest QR text accepted by [`VenueQr::parse`], in bytes. A payload at every length
/// limit stays below it; QR version 40 at error correction level M holds 2,331 bytes.
pub const MAX_QR_TEXT_LENGTH: usize = 2_048;

/// The path of a venue QR URL; the signed payload follows in the fragment.
pub const QR_PATH: &str = "/v/";

/// What the authority's QR signature covers before the encoded payload (domain separation from
/// the feed signature).
pub const QR_SIGNATURE_CONTEXT: &[u8] = b"mimamori-venue-qr-v1";

/// The kinds of venue, as Iwate's registration form lists them (「業態」).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VenueType {
    /// 食事提供施設: restaurants (including izakaya), cafés.
    RestaurantBar,
    /// 劇場等: theatres, stands, cinemas, vaudeville halls.
    Theatre,
    /// 集会・展示施設: rented meeting rooms, public halls, exhibition halls, cultural centres.
    MeetingHall,
    /// 博物館等: museums, art galleries, libraries.
    MuseumLibrary,
    /// 運動施設・遊戯施設: gyms, pools, bowling; mahjong, pachinko, game centres.
    SportsAmusement,
    /// 遊興施設: cabarets, night clubs, bars, karaoke boxes, internet cafés.
    Nightlife,
    /// 商業施設: shopping malls, electronics stores, department stores.
    Retail,
    /// 屋内イベント: concerts, exhibitions, professional sports, seminars.
    IndoorEvent,
    /// 屋外イベント: festivals, open-air music events.
    OutdoorEvent,
}

impl VenueType {
    /// Every venue type, in the order of Iwate's list.
    pub const ALL: [Self; 9] = [
        Self::RestaurantBar,
        Self::Theatre,
        Self::MeetingHall,
        Self::MuseumLibrary,
        Self::SportsAmusement,
        Self::Nightlife,
        Self::Retail,
        Self::IndoorEvent,
        Self::OutdoorEvent,
    ];

    /// This type's row of [`VENUE_TYPES`].
    fn named(self) -> &'static Named<Self, (&'static str, &'static str)> {
        // VENUE_TYPES lists every type in declaration order (tested), so the discriminant is
        // its index.
        &VENUE_TYPES[self as usize]
    }

    /// The code in the payload (1 to 9, in the order of [`VenueType::ALL`]).
    pub fn code(self) -> u32 {
        self.named().code
    }

    /// The type with payload code `code`.
    pub fn from_code(code: u32) -> Result<Self> {
        by_code(&VENUE_TYPES, code).ok_or_else(|| Error::InvalidVenue {
            reason: format!("venue type code {code} is not one of 1 to 9"),
        })
    }

    /// A stable ASCII name for forms and APIs (`restaurant_bar`, `theatre`, ...).
    pub fn slug(self) -> &'static str {
        self.named().slug
    }

    /// The type named `slug` (see [`VenueType::slug`]).
    pub fn from_slug(slug: &str) -> Result<Self> {
        by_slug(&VENUE_TYPES, slug).ok_or_else(|| Error::InvalidVenue {
            reason: "unknown venue type; use one of restaurant_bar, theatre, meeting_hall, \
                     museum_library, sports_amusement, nightlife, retail, indoor_event, \
                     outdoor_event"
                .into(),
        })
    }

    /// The Japanese name, as in Iwate's list.
    pub fn japanese(self) -> &'static str {
        self.named().names.0
    }

    /// The English name.
    pub fn english(self) -> &'static str {
        self.named().names.1
    }
}

/// Every venue type with its payload code, slug, and Japanese and English names, in the order of
/// [`VenueType::ALL`].
#[rustfmt::skip] // one row a type
const VENUE_TYPES: [Named<VenueType, (&str, &str)>; 9] = {
    use VenueType::*;
    const fn row(
        value: VenueType,
        code: u32,
        slug: &'static str,
        names: (&'static str, &'static str),
    ) -> Named<VenueType, (&'static str, &'static str)> {
        Named { value, code, slug, names }
    }
    [
        row(RestaurantBar, 1, "restaurant_bar", ("食事提供施設", "Restaurant or bar")),
        row(Theatre, 2, "theatre", ("劇場等", "Theatre or cinema")),
        row(MeetingHall, 3, "meeting_hall", ("集会・展示施設", "Meeting or exhibition hall")),
        row(MuseumLibrary, 4, "museum_library", ("博物館等", "Museum or library")),
        row(SportsAmusement, 5, "sports_amusement", ("運動施設・遊戯施設", "Sports or amusement facility")),
        row(Nightlife, 6, "nightlife", ("遊興施設", "Nightlife venue")),
        row(Retail, 7, "retail", ("商業施設", "Retail or shopping facility")),
        row(IndoorEvent, 8, "indoor_event", ("屋内イベント", "Indoor event")),
        row(OutdoorEvent, 9, "outdoor_event", ("屋外イベント", "Outdoor event")),
    ]
};

/// A venue's 32 random bytes: what makes its tags unguessable. Zeroized when dropped.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct VenueSeed([u8; VENUE_SEED_LENGTH]);

impl VenueSeed {
    /// A fresh random seed.
    pub fn generate(random: &mut dyn RandomSource) -> Self {
        let mut seed = [0u8; VENUE_SEED_LENGTH];
        random.fill_bytes(&mut seed);
        Self(seed)
    }

    /// A seed from its bytes.
    pub fn from_bytes(bytes: [u8; VENUE_SEED_LENGTH]) -> Self {
        Self(bytes)
    }

    /// The seed's bytes.
    pub fn as_bytes(&self) -> &[u8; VENUE_SEED_LENGTH] {
        &self.0
    }
}

impl fmt::Debug for VenueSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VenueSeed(..)")
    }
}

/// What a venue QR code says about the venue (everything but the signature). Made with
/// [`VenuePayload::new`], which checks every field.
#[derive(Clone, PartialEq, Eq)]
pub struct VenuePayload {
    venue_type: VenueType,
    default_stay_minutes: u16,
    seed: VenueSeed,
    name: String,
    address: String,
    room: String,
}

impl VenuePayload {
    /// A payload of [`PAYLOAD_VERSION`]. `name` (1 to [`MAX_NAME_CHARS`] characters), `address`
    /// (up to [`MAX_ADDRESS_CHARS`]) and `room` (up to [`MAX_ROOM_CHARS`], empty when the venue
    /// has one code) are trimmed and may hold no control characters; `default_stay_minutes` is
    /// in [`DEFAULT_STAY_MINUTES_RANGE`].
    pub fn new(
        venue_type: VenueType,
        default_stay_minutes: u16,
        seed: VenueSeed,
        name: &str,
        address: &str,
        room: &str,
    ) -> Result<Self> {
        if !DEFAULT_STAY_MINUTES_RANGE.contains(&default_stay_minutes) {
            return Err(Error::InvalidVenue {
                reason: format!(
                    "the default stay must be {} to {} minutes",
                    DEFAULT_STAY_MINUTES_RANGE.start(),
                    DEFAULT_STAY_MINUTES_RANGE.end()
                ),
            });
        }
        let name = checked_text("venue name", name, MAX_NAME_CHARS)?;
        if name.is_empty() {
            return Err(Error::InvalidVenue {
                reason: "the venue name is empty".into(),
            });
        }
        Ok(Self {
            venue_type,
            default_stay_minutes,
            seed,
            name,
            address: checked_text("address", address, MAX_ADDRESS_CHARS)?,
            room: checked_text("room label", room, MAX_ROOM_CHARS)?,
        })
    }

    /// The kind of venue.
    pub fn venue_type(&self) -> VenueType {
        self.venue_type
    }

    /// How long a visit lasts unless the visitor says otherwise, in minutes.
    pub fn default_stay_minutes(&self) -> u16 {
        self.default_stay_minutes
    }

    /// The venue's random seed.
    pub fn seed(&self) -> &VenueSeed {
        &self.seed
    }

    /// The venue's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The venue's address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The room, floor or table label (empty for a venue with one code).
    pub fn room(&self) -> &str {
        &self.room
    }

    /// The encoded payload: what the authority signs and the input keying material of the
    /// venue's tags. Kept secret like the seed inside it.
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut wire = proto::VenuePayload {
            version: PAYLOAD_VERSION,
            venue_type: self.venue_type.code(),
            default_stay_minutes: u32::from(self.default_stay_minutes),
            seed: self.seed.0.to_vec(),
            name: self.name.clone(),
            address: self.address.clone(),
            room: self.room.clone(),
        };
        let encoded = Zeroizing::new(wire.encode_to_vec());
        wire.seed.zeroize();
        encoded
    }

    /// Reads an encoded payload (as [`VenuePayload::encode`] writes it), checking every field.
    /// The signature is not checked here: use [`VenueQr::parse`] for anything scanned.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut wire = proto::VenuePayload::decode(bytes)
            .map_err(|_| invalid_qr("the payload is not a venue payload"))?;
        let result = Self::from_wire(&wire);
        wire.seed.zeroize();
        result
    }

    fn from_wire(wire: &proto::VenuePayload) -> Result<Self> {
        if wire.version != PAYLOAD_VERSION {
            return Err(invalid_qr(
                "the payload has a version this app does not know; update the app",
            ));
        }
        let seed: [u8; VENUE_SEED_LENGTH] = wire
            .seed
            .as_slice()
            .try_into()
            .map_err(|_| invalid_qr("the venue seed is not 32 bytes"))?;
        let stay = u16::try_from(wire.default_stay_minutes)
            .map_err(|_| invalid_qr("the default stay is out of range"))?;
        Self::new(
            VenueType::from_code(wire.venue_type)?,
            stay,
            VenueSeed(seed),
            &wire.name,
            &wire.address,
            &wire.room,
        )
        .map_err(|error| match error {
            Error::InvalidVenue { reason } => Error::InvalidVenueQr { reason },
            other => other,
        })
    }

    /// Signs the payload with the authority's key and makes the QR for `authority_host` (a host
    /// name, optionally with a port, e.g. `venues.example.jp`).
    pub fn sign(&self, key: &VenueSigningKey, authority_host: &str) -> Result<VenueQr> {
        check_host(authority_host)?;
        let payload_bytes = self.encode();
        let signature = key.sign(QR_SIGNATURE_CONTEXT, &payload_bytes);
        Ok(VenueQr {
            host: authority_host.to_owned(),
            payload: self.clone(),
            payload_bytes,
            signature,
        })
    }
}

impl fmt::Debug for VenuePayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VenuePayload")
            .field("venue_type", &self.venue_type)
            .field("default_stay_minutes", &self.default_stay_minutes)
            .finish_non_exhaustive()
    }
}

fn checked_text(what: &str, text: &str, max_chars: usize) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > max_chars {
        return Err(Error::InvalidVenue {
            reason: format!("the {what} is longer than {max_chars} characters"),
        });
    }
    if text.chars().any(char::is_control) {
        return Err(Error::InvalidVenue {
            reason: format!("the {what} contains control characters (such as line breaks)"),
        });
    }
    Ok(text.to_owned())
}

fn check_host(host: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':');
    if host.is_empty() || host.len() > 253 || !host.chars().all(allowed) {
        return Err(Error::InvalidVenue {
            reason: "the authority host must be a host name (letters, digits, '.', '-', and an \
                     optional ':port')"
                .into(),
        });
    }
    Ok(())
}

fn invalid_qr(reason: &str) -> Error {
    Error::InvalidVenueQr {
        reason: reason.to_owned(),
    }
}

/// A scanned (or freshly issued) venue QR code whose signature verified with one of the
/// authority's keys. [`VenueQr::parse`] is the only way to get one from outside.
#[derive(Clone, PartialEq, Eq)]
pub struct VenueQr {
    host: String,
    payload: VenuePayload,
    payload_bytes: Zeroizing<Vec<u8>>,
    signature: [u8; 64],
}

impl VenueQr {
    /// Reads the text of a scanned QR code and verifies it with the authority's `public_keys`.
    ///
    /// Errors: [`Error::InvalidVenueQr`] for text that is not a Mimamori venue code (another
    /// service's QR, a truncated or oversized code, an unknown version or venue type), and
    /// [`Error::VenueQrNotVerified`] when no key verifies the signature (a poster not issued by
    /// this authority, or altered).
    pub fn parse(text: &str, public_keys: &[VenuePublicKey]) -> Result<Self> {
        let text = text.trim();
        if text.len() > MAX_QR_TEXT_LENGTH {
            return Err(invalid_qr(
                "the code is far longer than any venue code; it is not one",
            ));
        }
        let rest = text
            .strip_prefix("https://")
            .ok_or_else(|| invalid_qr("it is not a Mimamori venue code (no https:// link)"))?;
        let (host, fragment) = rest
            .split_once('#')
            .ok_or_else(|| invalid_qr("it is not a Mimamori venue code (no #fragment)"))?;
        let host = host.strip_suffix(QR_PATH).ok_or_else(|| {
            invalid_qr("it is not a Mimamori venue code (the link's path is not /v/)")
        })?;
        check_host(host).map_err(|_| invalid_qr("the link's host is not a host name"))?;
        let signed = BASE64URL
            .decode(fragment)
            .map_err(|_| invalid_qr("the code's data is not base64url; it may be cut short"))?;
        let mut envelope = proto::SignedVenuePayload::decode(signed.as_slice())
            .map_err(|_| invalid_qr("the code's data is damaged or cut short"))?;
        let payload_bytes = Zeroizing::new(std::mem::take(&mut envelope.payload));
        let signature: [u8; 64] = envelope
            .signature
            .as_slice()
            .try_into()
            .map_err(|_| invalid_qr("the code carries no valid signature"))?;
        let payload = VenuePayload::decode(&payload_bytes)?;
        if !public_keys
            .iter()
            .any(|key| key.verifies(QR_SIGNATURE_CONTEXT, &payload_bytes, &signature))
        {
            return Err(Error::VenueQrNotVerified);
        }
        Ok(Self {
            host: host.to_owned(),
            payload,
            payload_bytes,
            signature,
        })
    }

    /// The text to put in the QR code: `https://<host>/v/#<base64url(SignedVenuePayload)>`.
    pub fn url(&self) -> String {
        let envelope = proto::SignedVenuePayload {
            payload: self.payload_bytes.to_vec(),
            signature: self.signature.to_vec(),
        };
        format!(
            "https://{}{QR_PATH}#{}",
            self.host,
            BASE64URL.encode(envelope.encode_to_vec())
        )
    }

    /// The authority host the URL names.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The venue's details.
    pub fn payload(&self) -> &VenuePayload {
        &self.payload
    }

    /// The encoded payload exactly as signed (the tags' input keying material).
    pub fn payload_bytes(&self) -> &[u8] {
        &self.payload_bytes
    }

    /// The secret from which the venue's hour-slot tags and notice keys are derived.
    pub fn secret(&self) -> VenueSecret {
        VenueSecret::from_payload_bytes(&self.payload_bytes)
    }
}

impl fmt::Debug for VenueQr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VenueQr")
            .field("payload", &self.payload)
            .finish_non_exhaustive()
    }
}

/// The protobuf messages of the QR code.
mod proto {
    /// `VenuePayload`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct VenuePayload {
        #[prost(uint32, tag = "1")]
        pub(super) version: u32,
        #[prost(uint32, tag = "2")]
        pub(super) venue_type: u32,
        #[prost(uint32, tag = "3")]
        pub(super) default_stay_minutes: u32,
        #[prost(bytes = "vec", tag = "4")]
        pub(super) seed: Vec<u8>,
        #[prost(string, tag = "5")]
        pub(super) name: String,
        #[prost(string, tag = "6")]
        pub(super) address: String,
        #[prost(string, tag = "7")]
        pub(super) room: String,
    }

    /// `SignedVenuePayload`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct SignedVenuePayload {
        #[prost(bytes = "vec", tag = "1")]
        pub(super) payload: Vec<u8>,
        #[prost(bytes = "vec", tag = "2")]
        pub(super) signature: Vec<u8>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mimamori_environment::SeededRandom;

    fn key() -> VenueSigningKey {
        VenueSigningKey::generate(&mut SeededRandom::new(11), "venue", "v1").unwrap()
    }

    fn payload() -> VenuePayload {
        VenuePayload::new(
            VenueType::RestaurantBar,
            90,
            VenueSeed::from_bytes([7; 32]),
            "居酒屋もしサポ",
            "岩手県盛岡市内丸10-1",
            "2階",
        )
        .unwrap()
    }

    #[test]
    fn a_signed_qr_round_trips_through_its_url() {
        let key = key();
        let qr = payload().sign(&key, "venues.example.jp").unwrap();
        let url = qr.url();
        assert!(url.starts_with("https://venues.example.jp/v/#"));
        let parsed = VenueQr::parse(&url, &[key.public_key()]).unwrap();
        assert_eq!(parsed, qr);
        assert_eq!(parsed.payload().name(), "居酒屋もしサポ");
        assert_eq!(parsed.payload().room(), "2階");
        assert_eq!(parsed.payload().default_stay_minutes(), 90);
        assert!(!format!("{parsed:?}").contains("もしサポ"));
    }

    #[test]
    fn foreign_tampered_and_unverified_codes_are_refused() {
        let key = key();
        let other = VenueSigningKey::generate(&mut SeededRandom::new(12), "venue", "v1").unwrap();
        let url = payload().sign(&key, "venues.example.jp").unwrap().url();
        let keys = [key.public_key()];
        for foreign in [
            "https://line.me/R/ti/p/@example",
            "http://venues.example.jp/v/#AAAA",
            "https://venues.example.jp/x/#AAAA",
            "https://venues.example.jp/v/#!!!",
            "https://venues.example.jp/v/#AAAA",
            "hello",
        ] {
            assert!(
                matches!(
                    VenueQr::parse(foreign, &keys),
                    Err(Error::InvalidVenueQr { .. })
                ),
                "{foreign}"
            );
        }
        let oversized = format!("{url}{}", "A".repeat(MAX_QR_TEXT_LENGTH));
        assert!(matches!(
            VenueQr::parse(&oversized, &keys),
            Err(Error::InvalidVenueQr { .. })
        ));
        let truncated = &url[..url.len() - 10];
        assert!(VenueQr::parse(truncated, &keys).is_err());
        assert!(matches!(
            VenueQr::parse(&url, &[other.public_key()]),
            Err(Error::VenueQrNotVerified)
        ));
        assert!(matches!(
            VenueQr::parse(&url, &[]),
            Err(Error::VenueQrNotVerified)
        ));
        // Change one byte of the payload (inside the name) and re-encode: the signature fails.
        let fragment = url.split_once('#').unwrap().1;
        let mut signed = BASE64URL.decode(fragment).unwrap();
        let position = signed.len() / 3;
        signed[position] ^= 0x01;
        let tampered = format!("https://venues.example.jp/v/#{}", BASE64URL.encode(&signed));
        assert!(VenueQr::parse(&tampered, &keys).is_err());
    }

    #[test]
    fn fields_are_checked() {
        let seed = || VenueSeed::from_bytes([1; 32]);
        let kind = VenueType::Retail;
        assert!(VenuePayload::new(kind, 0, seed(), "A", "", "").is_err());
        assert!(VenuePayload::new(kind, 1_441, seed(), "A", "", "").is_err());
        assert!(VenuePayload::new(kind, 60, seed(), "  ", "", "").is_err());
        assert!(VenuePayload::new(kind, 60, seed(), "a\nb", "", "").is_err());
        assert!(VenuePayload::new(kind, 60, seed(), &"名".repeat(101), "", "").is_err());
        assert!(VenuePayload::new(kind, 60, seed(), &"名".repeat(100), "", "").is_ok());
        assert!(payload().sign(&key(), "bad host/").is_err());
        for kind in VenueType::ALL {
            assert_eq!(VenueType::from_code(kind.code()).unwrap(), kind);
            assert_eq!(VenueType::from_slug(kind.slug()).unwrap(), kind);
        }
        assert!(VenueType::from_code(0).is_err());
        assert!(VenueType::from_code(10).is_err());
        assert!(crate::named::is_in_order(
            &VENUE_TYPES,
            &VenueType::ALL,
            |kind| kind as usize
        ));
        assert_eq!(
            (
                VenueType::Nightlife.code(),
                VenueType::Nightlife.slug(),
                VenueType::Nightlife.japanese(),
                VenueType::Nightlife.english()
            ),
            (6, "nightlife", "遊興施設", "Nightlife venue")
        );
    }

    #[test]
    fn a_payload_at_every_limit_fits_the_qr_limit() {
        let big = VenuePayload::new(
            VenueType::OutdoorEvent,
            1_440,
            VenueSeed::from_bytes([0xff; 32]),
            &"名".repeat(MAX_NAME_CHARS),
            &"住".repeat(MAX_ADDRESS_CHARS),
            &"室".repeat(MAX_ROOM_CHARS),
        )
        .unwrap();
        let key = key();
        let url = big.sign(&key, "venues.example.jp").unwrap().url();
        assert!(url.len() <= MAX_QR_TEXT_LENGTH, "{}", url.len());
        assert!(VenueQr::parse(&url, &[key.public_key()]).is_ok());
    }
}
