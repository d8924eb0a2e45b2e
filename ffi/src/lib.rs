//! # Mimamori FFI
//!
//! The thin [uniffi](https://mozilla.github.io/uniffi-rs/) adapter that lets the Android (Kotlin)
//! and iOS (Swift) apps use [`mimamori_phone`] and the protocol crates below it
//! ([`mimamori_gaen`], [`mimamori_venue`], [`mimamori_listing`]). It holds no protocol logic:
//! each exported method converts its arguments, calls one function of those crates and converts
//! the result. Rules about keys, identifiers, rotation and storage live, and are tested, there.
//!
//! What a phone app gets:
//!
//! - [`MimamoriPhone`]: the phone's key schedule over its SQLite file. The platform asks it what
//!   to advertise ([`MimamoriPhone::broadcast`]), tells it when the Bluetooth address changed on
//!   its own ([`MimamoriPhone::address_changed`]), and asks for the keys to upload after a
//!   verified positive test ([`MimamoriPhone::keys_for_upload`]).
//! - [`MimamoriRadio`]: the radio loop (docs/adr/0014) over the phone. The app implements two
//!   foreign traits with its Bluetooth API, [`Advertiser`] (start with this service data, stop)
//!   and [`Scanner`] (start, stop), calls [`MimamoriRadio::tick`] at start and at each
//!   `next_wake_unix`, and hands every advertisement heard to [`MimamoriRadio::heard`]; the loop
//!   decides when to rotate, scan, record, purge and sync.
//! - [`parse_service_data`] and [`parse_advertisement`]: what the scan callback uses to recognise
//!   an Exposure Notification payload it heard.
//! - The diagnosis server: [`MimamoriPhone::sync_exports`] downloads, verifies and matches the
//!   new export files, [`MimamoriPhone::upload_keys`] uploads the keys after a positive test, and
//!   [`send_chaff`] sends a decoy upload, all through the app's own HTTP client, the foreign
//!   trait [`HttpClient`] (docs/adr/0006).
//! - Venue check-ins: [`venue_parse_qr`], [`MimamoriPhone::venue_check_in`] after
//!   [`MimamoriPhone::venue_consent`], [`MimamoriPhone::venue_match_feed`] over the signed notice
//!   feed, and [`venue_partner_match`] for partner systems.
//! - Contact listing for organisations (issue 7): [`make_listing`] and [`listing_criteria`].
//! - [`MimamoriError`]: the one error type every fallible call throws.
//!
//! GAEN terms used below: TEK (Temporary Exposure Key, the phone's random daily key), RPI
//! (Rolling Proximity Identifier, the 16 bytes broadcast and changed about every 15 minutes),
//! AEM (Associated Encrypted Metadata, the 4 encrypted bytes sent with the RPI) and interval
//! (ENIntervalNumber: Unix time in 10-minute steps).
//!
//! ## Bindings
//!
//! The bindings are generated from the compiled library by the workspace's pinned
//! `uniffi-bindgen` and are never committed:
//!
//! ```text
//! cargo build -p mimamori-ffi
//! cargo run -p uniffi-bindgen -- generate --no-format --language kotlin \
//!     --out-dir target/bindings/kotlin target/debug/libmimamori_ffi.so
//! ```
//!
//! `scripts/bindings-test` generates the Kotlin, Swift and Python bindings this way and calls the
//! library through them. Package and module names are set in `ffi/uniffi.toml`.

uniffi::setup_scaffolding!("mimamori");

// One module a concern; each holds its exported functions, its `MimamoriPhone` methods and the
// records they take and return.
mod arguments;
mod ble;
mod calibration;
mod error;
mod listing;
mod matching;
mod phone;
mod radio;
mod redacted;
mod sync;
mod transport;
mod upload;
mod venue;

pub use ble::{
    BroadcastInfo, HeardPayload, HeardSighting, RecordedScan, ScanResult, parse_advertisement,
    parse_service_data,
};
pub use calibration::{DeviceCalibration, DeviceModel, calibration_for};
pub use error::MimamoriError;
pub use listing::{
    ListedPerson, ListingCandidate, ListingCriterion, ListingInput, ListingResult, RoomOverlap,
    WatchedPerson, listing_criteria, make_listing,
};
pub use matching::{DiagnosisKeyRecord, ExportMatchInfo, ExposureNoticeInfo, RiskDay};
pub use phone::{ExposureKeyRecord, MimamoriPhone};
pub use radio::{
    Advertiser, HeardOutcome, MimamoriRadio, RadioSettings, RadioTick, RecordedWindow, Scanner,
    default_radio_settings,
};
pub use sync::{FailedDownload, SyncInfo, SyncedFile};
pub use transport::{HttpClient, HttpClientError, HttpHeader, HttpReply};
pub use upload::{UploadInfo, UploadRequest, send_chaff};
pub use venue::{
    VenueCheckIn, VenueFeedCheck, VenueInfo, VenueNoticeRecord, VenueVisitRecord, venue_feed_path,
    venue_keys_path, venue_parse_qr, venue_partner_match,
};

pub use mimamori_phone::phone::DATABASE_FILE_NAME;
