//! # Mimamori GAEN
//!
//! The Google/Apple Exposure Notification (GAEN) protocol v1.2 as Mimamori speaks it, sans I/O:
//! the Bluetooth identifiers byte for byte, the 0xFD6F advertisement, Google's calibration table,
//! the export files the diagnosis server publishes (reader, writer, signatures), matching
//! diagnosis keys against what a phone heard (with a fast path near the hardware's limit),
//! exposure windows exactly as Google builds them, GAEN v2 daily summaries and COCOA's rule
//! ("within about 1 m for 15 minutes or more").
//!
//! No SQLite, no network, no clock: a researcher who only matches export files, or a server that
//! only writes them, depends on this crate alone. Time and randomness come in through
//! `mimamori-environment`; the phone's storage is `mimamori-phone` (docs/adr/0009).
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
//! use mimamori_gaen::{ExposurePayload, IntervalNumber, Metadata, TemporaryExposureKey};
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
//! # Ok::<(), mimamori_gaen::Error>(())
//! ```

#![warn(missing_docs)]

pub mod ble;
pub mod calibration;
pub mod encounter;
mod error;
pub mod export;
pub mod ids;
pub mod matching;
pub mod risk;
pub mod windows;

pub use ble::ExposurePayload;
pub use calibration::DeviceCalibration;
pub use encounter::{Scan, ScanBatch, Sighting, SightingsCsvRow};
pub use error::{Error, Result};
pub use export::{ExportFile, ExportKey, ExportPublicKey, ExportSummary};
pub use ids::{
    AssociatedEncryptedMetadata, AssociatedEncryptedMetadataKey, CalibrationConfidence, DailyKey,
    IntervalNumber, Metadata, MetadataVersion, RollingProximityIdentifier,
    RollingProximityIdentifierKey, TemporaryExposureKey,
};
pub use matching::DiagnosisKey;
pub use risk::{DayRisk, ExposureConfiguration, ExposureNotice, RiskRules};
pub use windows::{ExposureWindow, Infectiousness, ReportType, ScanInstance};
