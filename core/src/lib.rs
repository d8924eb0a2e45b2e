//! # Mimamori core
//!
//! The sans-I/O engine of Mimamori, an open-source exposure-notification system in the style of
//! Japan's COCOA. It produces and recognises the Bluetooth identifiers of the Google/Apple
//! Exposure Notification (GAEN) protocol v1.2 byte for byte, keeps the phone's keys, and (in later
//! modules) turns what a phone heard into a decision a resident can trust.
//!
//! Time, randomness and storage come in through small traits ([`Clock`], [`RandomSource`],
//! [`TekStore`]), so every rule here is testable without a phone, a clock or a radio. The
//! diagnosis server is reached the same way: [`upload`] (keys after a positive test) and [`sync`]
//! (new export files, COCOA's `list.json`) drive the conversation through a
//! [`transport::Transport`] the platform implements (docs/adr/0006).
//!
//! ## Vocabulary
//!
//! | term | meaning |
//! |------|---------|
//! | ENIN | ENIntervalNumber: Unix time in 10-minute intervals ([`IntervalNumber`]) |
//! | TEK  | Temporary Exposure Key: a random daily key ([`TemporaryExposureKey`]) |
//! | RPIK | Rolling Proximity Identifier Key, derived from the TEK |
//! | RPI  | Rolling Proximity Identifier: the 16 bytes a phone broadcasts ([`RollingProximityIdentifier`]) |
//! | AEMK | Associated Encrypted Metadata Key, derived from the TEK |
//! | AEM  | Associated Encrypted Metadata: the 4 metadata bytes, encrypted ([`AssociatedEncryptedMetadata`]) |
//!
//! ## Example
//!
//! Derive what a phone broadcasts in one interval and parse it back from the air:
//!
//! ```
//! use mimamori_core::{ExposurePayload, IntervalNumber, Metadata, TemporaryExposureKey};
//!
//! let tek = TemporaryExposureKey::from_hex("75c734c6dd1a782de7a965da5eb93125")?;
//! let interval = IntervalNumber::new(2_642_976);
//! let rpi = tek.rolling_proximity_identifier_key().rolling_proximity_identifier(interval);
//! let aem = tek.associated_encrypted_metadata_key().encrypt(&rpi, &Metadata::v1_0(8));
//! assert_eq!(rpi.to_string(), "8be6cd371c5c891604bfbe49df845096");
//! assert_eq!(aem.to_string(), "72033874");
//!
//! let advertisement = ExposurePayload::new(rpi, aem).advertisement();
//! let heard = ExposurePayload::parse_advertisement(&advertisement)?;
//! assert_eq!(heard.rpi, rpi);
//! # Ok::<(), mimamori_core::Error>(())
//! ```

#![warn(missing_docs)]

pub mod api;
pub mod ble;
pub mod calibration;
pub mod encounter;
mod environment;
mod error;
pub mod export;
pub mod ids;
pub mod keys;
pub mod listing;
pub mod matching;
pub mod phone;
pub mod risk;
pub mod schedule;
pub mod storage;
pub mod sync;
pub mod transport;
pub mod upload;
pub mod venue;
pub mod windows;

pub use ble::ExposurePayload;
pub use calibration::DeviceCalibration;
pub use encounter::{Scan, ScanBatch, Sighting, SightingStore, SqliteSightingStore};
pub use environment::{Clock, OsRandom, RandomSource, SystemClock};
#[cfg(any(test, feature = "testing"))]
pub use environment::{FixedClock, SeededRandom};
pub use error::{Error, Result};
pub use export::{ExportFile, ExportKey, ExportPublicKey, ExportSummary};
pub use ids::{
    AssociatedEncryptedMetadata, AssociatedEncryptedMetadataKey, CalibrationConfidence,
    IntervalNumber, Metadata, MetadataVersion, RollingProximityIdentifier,
    RollingProximityIdentifierKey, TemporaryExposureKey,
};
#[cfg(any(test, feature = "testing"))]
pub use keys::MemoryTekStore;
pub use keys::{DailyKey, SqliteTekStore, TekStore};
pub use matching::DiagnosisKey;
pub use phone::Phone;
pub use risk::{DayRisk, ExposureConfiguration, ExposureNotice, RiskRules};
pub use schedule::{Broadcast, KeySchedule};
pub use storage::Database;
pub use windows::{ExposureWindow, Infectiousness, ReportType, ScanInstance};
