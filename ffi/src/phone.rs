//! The exported phone object: the phone's keys over its SQLite file. Its other methods live in
//! the module of their concern (`ble`, `calibration`, `matching`, `sync`, `upload`, `venue`).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use mimamori_environment::{OsRandom, SystemClock};
use mimamori_gaen::DailyKey;
use mimamori_phone::Phone;

use crate::arguments::parse_day;
use crate::redacted::debug_showing_only;
use crate::{DeviceModel, MimamoriError};

/// The phone: its keys, what it heard and its exposure result, over the database in its data
/// directory.
///
/// Safe to share between threads; calls are serialised.
#[derive(Debug, uniffi::Object)]
pub struct MimamoriPhone {
    phone: Mutex<Phone>,
}

#[uniffi::export]
impl MimamoriPhone {
    /// Opens the phone's database `mimamori.sqlite3` in `data_dir` (creating the directory and the
    /// database if missing) with the system clock and the OS random source, and deletes data past
    /// the 14-day retention.
    ///
    /// `device` names this phone model; its Bluetooth calibration comes from Google's calibration
    /// table (see [`crate::calibration_for`]).
    #[uniffi::constructor]
    pub fn open(data_dir: String, device: DeviceModel) -> Result<Arc<Self>, MimamoriError> {
        let calibration = device.calibration();
        let phone = Phone::open(
            data_dir,
            calibration,
            Arc::new(SystemClock),
            Box::new(OsRandom),
        )?;
        Ok(Arc::new(Self {
            phone: Mutex::new(phone),
        }))
    }

    /// The keys to upload after a verified positive test: those of the UTC days `first_day` to
    /// `last_day` (inclusive, each written `YYYY-MM-DD`) whose validity has ended. Today's key is
    /// not among them: [`MimamoriPhone::upload_keys`] releases it (same-day release).
    pub fn keys_for_upload(
        &self,
        first_day: String,
        last_day: String,
    ) -> Result<Vec<ExposureKeyRecord>, MimamoriError> {
        let first = parse_day("first_day", &first_day)?;
        let last = parse_day("last_day", &last_day)?;
        let keys = self.phone().schedule().keys_for_upload(first, last)?;
        Ok(keys.into_iter().map(ExposureKeyRecord::from).collect())
    }
}

impl MimamoriPhone {
    /// The phone, locked for one call.
    pub(crate) fn phone(&self) -> MutexGuard<'_, Phone> {
        // A panic in an earlier call reached the platform as an exception already. The phone
        // commits every key and every scan batch to the database before using it, so after a
        // panic its in-memory state is at worst behind the database: nothing stored is lost and
        // no key is exposed.
        self.phone.lock().unwrap_or_else(PoisonError::into_inner)
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

// Leaves the key out: keys never go to logs.
debug_showing_only!(ExposureKeyRecord {
    rolling_start_interval,
    rolling_period
});

#[cfg(test)]
pub(crate) mod testing {
    //! What the unit tests of every module share.

    use super::*;

    /// A model the calibration table knows.
    pub(crate) fn device() -> DeviceModel {
        DeviceModel {
            manufacturer: "Google".into(),
            device: "blueline".into(),
            model: "Pixel 3".into(),
        }
    }

    /// A phone in `dir`.
    pub(crate) fn phone(dir: &std::path::Path) -> Arc<MimamoriPhone> {
        MimamoriPhone::open(dir.display().to_string(), device()).unwrap()
    }
}
