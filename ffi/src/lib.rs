//! # Mimamori FFI
//!
//! The thin [uniffi](https://mozilla.github.io/uniffi-rs/) adapter that lets the Android (Kotlin)
//! and iOS (Swift) apps use [`mimamori_core`]. It holds no protocol logic: each exported method
//! converts its arguments, calls one function of the core and converts the result. Rules about
//! keys, identifiers, rotation and storage live, and are tested, in `mimamori-core`.
//!
//! What a phone app gets:
//!
//! - [`MimamoriPhone`]: the phone's key schedule over its SQLite file. The platform asks it what
//!   to advertise ([`MimamoriPhone::broadcast`]), tells it when the Bluetooth address changed on
//!   its own ([`MimamoriPhone::address_changed`]), and asks for the keys to upload after a
//!   verified positive test ([`MimamoriPhone::keys_for_upload`]).
//! - [`parse_service_data`] and [`parse_advertisement`]: what the scan callback uses to recognise
//!   an Exposure Notification payload it heard.
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

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use mimamori_core::{
    Broadcast, CalibrationConfidence, DailyKey, Database, ExposurePayload, KeySchedule, Metadata,
    OsRandom, SqliteTekStore, SystemClock,
};
use time::macros::format_description;

uniffi::setup_scaffolding!("mimamori");

/// The name of the phone's database file inside its data directory.
pub const DATABASE_FILE_NAME: &str = "mimamori.sqlite3";

/// The phone: its key schedule over the database in its data directory.
///
/// Safe to share between threads; calls are serialised.
#[derive(Debug, uniffi::Object)]
pub struct MimamoriPhone {
    schedule: Mutex<KeySchedule>,
}

#[uniffi::export]
impl MimamoriPhone {
    /// Opens the phone's database `mimamori.sqlite3` in `data_dir` (creating the directory and the
    /// database if missing) and its key schedule, with the system clock and the OS random source.
    ///
    /// `device` is this phone model's Bluetooth calibration, broadcast in every AEM.
    #[uniffi::constructor]
    pub fn open(data_dir: String, device: DeviceCalibration) -> Result<Arc<Self>, MimamoriError> {
        let metadata = device.metadata()?;
        let data_dir = PathBuf::from(data_dir);
        std::fs::create_dir_all(&data_dir).map_err(|source| mimamori_core::Error::Io {
            path: data_dir.clone(),
            source,
        })?;
        let store = SqliteTekStore::new(Database::open(data_dir.join(DATABASE_FILE_NAME))?);
        let schedule = KeySchedule::open(
            Box::new(store),
            Arc::new(SystemClock),
            Box::new(OsRandom),
            metadata,
        )?;
        Ok(Arc::new(Self {
            schedule: Mutex::new(schedule),
        }))
    }

    /// What to advertise now. The same broadcast comes back until its `rotate_at_unix`; at that
    /// moment the platform must change its Bluetooth address and call this again.
    pub fn broadcast(&self) -> Result<BroadcastInfo, MimamoriError> {
        Ok(self.schedule().broadcast()?.into())
    }

    /// Tells the schedule that the platform changed its Bluetooth address on its own: the next
    /// [`broadcast`](Self::broadcast) starts a new one, so address and payload change together.
    pub fn address_changed(&self) {
        self.schedule().rotate();
    }

    /// Changes the calibration broadcast in the AEM. It takes effect at the next rotation.
    pub fn set_calibration(&self, device: DeviceCalibration) -> Result<(), MimamoriError> {
        self.schedule().set_metadata(device.metadata()?);
        Ok(())
    }

    /// The keys to upload after a verified positive test: those of the UTC days `first_day` to
    /// `last_day` (inclusive, each written `YYYY-MM-DD`) whose validity has ended. Today's key is
    /// held back until after midnight.
    pub fn keys_for_upload(
        &self,
        first_day: String,
        last_day: String,
    ) -> Result<Vec<ExposureKeyRecord>, MimamoriError> {
        let first = parse_day("first_day", &first_day)?;
        let last = parse_day("last_day", &last_day)?;
        let keys = self.schedule().keys_for_upload(first, last)?;
        Ok(keys.into_iter().map(ExposureKeyRecord::from).collect())
    }
}

impl MimamoriPhone {
    /// The schedule, locked for one call.
    fn schedule(&self) -> MutexGuard<'_, KeySchedule> {
        // A panic in an earlier call reached the platform as an exception already. The schedule
        // writes each key to the database before using it, so after a panic its in-memory copy
        // is at worst behind the database: later calls may fail with a storage error until the
        // phone is reopened, but nothing stored is lost and no key is exposed.
        self.schedule.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Parses the 20 service-data bytes heard for UUID 0xFD6F (what Android's
/// `ScanRecord.getServiceData` returns): the RPI and the AEM.
#[uniffi::export]
pub fn parse_service_data(data: Vec<u8>) -> Result<HeardPayload, MimamoriError> {
    Ok(ExposurePayload::parse_service_data(&data)?.into())
}

/// Parses a raw legacy advertisement (Android's `ScanRecord.getBytes`): finds and parses the
/// service data for UUID 0xFD6F.
#[uniffi::export]
pub fn parse_advertisement(data: Vec<u8>) -> Result<HeardPayload, MimamoriError> {
    Ok(ExposurePayload::parse_advertisement(&data)?.into())
}

/// This phone model's Bluetooth calibration, broadcast (encrypted) in every AEM so that other
/// phones can estimate the distance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeviceCalibration {
    /// The calibrated transmit power in dBm, from the GAEN device calibration table.
    pub tx_power_dbm: i8,
    /// How much the calibration can be trusted, 0 (lowest) to 3 (highest).
    pub calibration_confidence: u8,
}

impl DeviceCalibration {
    /// The version 1.1 metadata this calibration is broadcast as.
    fn metadata(self) -> Result<Metadata, mimamori_core::Error> {
        Ok(Metadata::v1_1(
            self.tx_power_dbm,
            CalibrationConfidence::new(self.calibration_confidence)?,
        ))
    }
}

/// What to advertise now and until when.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct BroadcastInfo {
    /// The 20 bytes of service data for UUID 0xFD6F: RPI then AEM (what Android's
    /// `AdvertiseData.Builder.addServiceData` takes).
    pub service_data: Vec<u8>,
    /// The whole 31-byte legacy advertisement (flags, UUID list and service data), for platforms
    /// that take raw advertising data.
    pub advertisement: Vec<u8>,
    /// The RPI in lowercase hexadecimal, for diagnostics.
    pub rpi_hex: String,
    /// The interval (Unix time in 10-minute steps) the RPI was derived for.
    pub interval: u32,
    /// When this broadcast started, in Unix seconds.
    pub started_at_unix: u64,
    /// When the platform must change its Bluetooth address and this payload, in Unix seconds.
    pub rotate_at_unix: u64,
}

impl From<Broadcast> for BroadcastInfo {
    fn from(broadcast: Broadcast) -> Self {
        Self {
            service_data: broadcast.payload.service_data().to_vec(),
            advertisement: broadcast.payload.advertisement().to_vec(),
            rpi_hex: broadcast.payload.rpi.to_string(),
            interval: broadcast.interval.value(),
            started_at_unix: broadcast.started_at,
            rotate_at_unix: broadcast.rotate_at,
        }
    }
}

/// One of the phone's keys, in the shape a diagnosis server's publish request takes.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExposureKeyRecord {
    /// The 16-byte TEK.
    pub key_data: Vec<u8>,
    /// The first interval the key is valid for.
    pub rolling_start_interval: u32,
    /// How many intervals the key is valid for, 1 to 144.
    pub rolling_period: u32,
}

impl From<DailyKey> for ExposureKeyRecord {
    fn from(key: DailyKey) -> Self {
        Self {
            key_data: key.key.as_bytes().to_vec(),
            rolling_start_interval: key.rolling_start.value(),
            rolling_period: key.rolling_period,
        }
    }
}

impl std::fmt::Debug for ExposureKeyRecord {
    /// Leaves the key out: keys never go to logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExposureKeyRecord")
            .field("rolling_start_interval", &self.rolling_start_interval)
            .field("rolling_period", &self.rolling_period)
            .finish_non_exhaustive()
    }
}

/// An Exposure Notification payload heard from another phone.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct HeardPayload {
    /// The 16-byte RPI.
    pub rpi: Vec<u8>,
    /// The 4-byte AEM.
    pub aem: Vec<u8>,
}

impl From<ExposurePayload> for HeardPayload {
    fn from(payload: ExposurePayload) -> Self {
        Self {
            rpi: payload.rpi.as_bytes().to_vec(),
            aem: payload.aem.as_bytes().to_vec(),
        }
    }
}

/// Everything an exported call can throw. The message says what was wrong and what to do; it
/// never contains keys or identifiers.
///
/// A flat error: the platforms get the variant and its message (`reason`), as
/// `MimamoriException.InvalidInput` with `message` in Kotlin, `MimamoriError.InvalidInput(message:)`
/// in Swift and `MimamoriError.InvalidInput` with `str(error)` in Python.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum MimamoriError {
    /// An argument was malformed: bytes of the wrong length or shape, a calibration confidence
    /// above 3, a day not written `YYYY-MM-DD`, or a date range that ends before it starts.
    #[error("{reason}")]
    InvalidInput {
        /// What was wrong.
        reason: String,
    },
    /// The database file is damaged or is not a database. It is left as it is; the app may move
    /// it aside and start with new keys (keys in it can then no longer be uploaded).
    #[error("{reason}")]
    CorruptDatabase {
        /// Which file, and what to do.
        reason: String,
    },
    /// The database file belongs to another application; it is left untouched.
    #[error("{reason}")]
    ForeignDatabase {
        /// Which file, and what to do.
        reason: String,
    },
    /// The database was written by a newer Mimamori; it is left untouched until the app is updated.
    #[error("{reason}")]
    UnsupportedSchema {
        /// The versions found and supported.
        reason: String,
    },
    /// Reading or writing the data directory or the database failed (full disk, permissions).
    #[error("{reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// An error of a kind this version of the adapter does not name yet.
    #[error("{reason}")]
    Other {
        /// What went wrong.
        reason: String,
    },
}

/// The one mapping from the core's errors to the exported ones.
impl From<mimamori_core::Error> for MimamoriError {
    fn from(error: mimamori_core::Error) -> Self {
        use mimamori_core::Error as Core;
        let reason = error.to_string();
        match error {
            Core::InvalidLength { .. }
            | Core::InvalidHex { .. }
            | Core::InvalidCalibrationConfidence(_)
            | Core::InvalidAdvertisement(_)
            | Core::InvalidSighting(_)
            | Core::InvalidRollingPeriod(_)
            | Core::InvalidDateRange { .. } => Self::InvalidInput { reason },
            Core::CorruptDatabase { .. } => Self::CorruptDatabase { reason },
            Core::ForeignDatabase { .. } => Self::ForeignDatabase { reason },
            Core::UnsupportedSchema { .. } => Self::UnsupportedSchema { reason },
            Core::DuplicateKey { .. } | Core::Storage(_) | Core::Io { .. } => {
                Self::Storage { reason }
            }
            _ => Self::Other { reason },
        }
    }
}

/// Parses a `YYYY-MM-DD` day; `name` is the argument's name for the message.
fn parse_day(name: &str, text: &str) -> Result<time::Date, MimamoriError> {
    time::Date::parse(text, format_description!("[year]-[month]-[day]")).map_err(|error| {
        MimamoriError::InvalidInput {
            reason: format!("{name} must be a day written YYYY-MM-DD, such as 2020-04-02: {error}"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEVICE: DeviceCalibration = DeviceCalibration {
        tx_power_dbm: -8,
        calibration_confidence: 2,
    };

    #[test]
    fn broadcast_round_trips_through_the_exported_functions() {
        let dir = tempfile::tempdir().unwrap();
        let phone =
            MimamoriPhone::open(dir.path().join("new").display().to_string(), DEVICE).unwrap();
        let broadcast = phone.broadcast().unwrap();
        let heard = parse_advertisement(broadcast.advertisement.clone()).unwrap();
        assert_eq!([heard.rpi, heard.aem].concat(), broadcast.service_data);
        assert!(dir.path().join("new").join(DATABASE_FILE_NAME).is_file());
    }

    #[test]
    fn errors_are_mapped_to_their_kind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().display().to_string();
        let bad_device = DeviceCalibration {
            calibration_confidence: 4,
            ..DEVICE
        };
        assert!(matches!(
            MimamoriPhone::open(path.clone(), bad_device),
            Err(MimamoriError::InvalidInput { .. })
        ));
        let phone = MimamoriPhone::open(path, DEVICE).unwrap();
        let error = phone
            .keys_for_upload("2020-4-2".into(), "2020-04-02".into())
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("first_day must be a day written YYYY-MM-DD"),
            "{error}"
        );
        assert!(matches!(
            phone.keys_for_upload("2020-04-03".into(), "2020-04-02".into()),
            Err(MimamoriError::InvalidInput { .. })
        ));
        assert!(matches!(
            parse_service_data(vec![0; 19]),
            Err(MimamoriError::InvalidInput { .. })
        ));
    }
}
