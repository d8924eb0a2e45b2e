//! DP-3T's bt-measurements, experiment 34 (EPFL, 2020-07-30), converted to readings.
//!
//! DP-3T published (<https://github.com/DP-3T/bt-measurements>, © EPFL and ETH Zurich,
//! CC BY-ND 4.0) the Bluetooth readings of 20 soldiers carrying Samsung phones with GAEN
//! through six scenes, with the distance between each pair from a camera system. Its licence
//! allows no derivatives to be shared: Mimamori ships no data from it and no file derived from
//! it, only this loader for the files a user downloads; converted files stay on the user's
//! machine.
//!
//! Each scene is a SQLite file, `exp34-epfl-soldiers/scenarioNN-<scene>.sqlite`, with one
//! table (read by the CLI, which hands the rows here as [`Row`]s):
//!
//! ```text
//! results(db_id, receiver_id TEXT, receiver_model TEXT, transmitter_id TEXT,
//!         transmitter_model TEXT, timestamp REAL, rssi INTEGER, tx_power INTEGER,
//!         ground_truth_distance REAL)
//! ```
//!
//! - `timestamp` is Unix seconds; readings come in GAEN scans of about 4 s every 4 to 5
//!   minutes, so they are used as recorded.
//! - `rssi` is the receiver's raw RSSI in dBm; `tx_power` is 0 in every row (GAEN's metadata was
//!   not decrypted), so both calibration values come from Google's table, by model.
//! - `ground_truth_distance` is metres from the cameras, or NULL when a phone was out of view:
//!   such rows are skipped and counted, which shortens the pair's time.
//! - `transmitter_model` is wrong: it repeats the receiver's model (issue 18). The models come
//!   from the ids instead, through the phone list of the experiment's README
//!   ([`model_of_phone`]); a `receiver_model` that disagrees with its id is counted.

use mimamori_gaen::DeviceCalibration;

use crate::readings::{MAX_RSSI_DBM, MAX_SEEN_AT, Reading};
use crate::{Error, Result};

/// One row of a scene's `results` table, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// `receiver_id`: the receiving phone's number (`1` … `22`).
    pub receiver_id: String,
    /// `receiver_model`: the receiving phone's model code.
    pub receiver_model: String,
    /// `transmitter_id`: the transmitting phone's number.
    pub transmitter_id: String,
    /// `timestamp`: when the advertisement was heard, in Unix seconds.
    pub timestamp: f64,
    /// `rssi`: the receiver's uncorrected RSSI, in dBm.
    pub rssi: i64,
    /// `ground_truth_distance`: the camera-measured distance in metres, if known.
    pub ground_truth_distance: Option<f64>,
}

/// A phone model of the experiment, with its identifiers in Google's calibration table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhoneModel {
    /// Samsung's model code, as in the data (`SM-G973F`).
    pub model: &'static str,
    /// Android's `Build.DEVICE` (`beyond1`), to look the model up in Google's table.
    pub device: &'static str,
    /// The short name the README uses (`GS10`).
    pub short_name: &'static str,
}

const GS10: PhoneModel = PhoneModel {
    model: "SM-G973F",
    device: "beyond1",
    short_name: "GS10",
};
const GS10E: PhoneModel = PhoneModel {
    model: "SM-G970F",
    device: "beyond0",
    short_name: "GS10e",
};
const GA40: PhoneModel = PhoneModel {
    model: "SM-A405FN",
    device: "a40",
    short_name: "GA40",
};
const GS20: PhoneModel = PhoneModel {
    model: "SM-G981B",
    device: "x1s",
    short_name: "GS20",
};
const GA90: PhoneModel = PhoneModel {
    model: "SM-A908B",
    device: "r3q",
    short_name: "GA90",
};
const GA51: PhoneModel = PhoneModel {
    model: "SM-A515F",
    device: "a51",
    short_name: "GA51",
};

/// The model of phone `id`, from the experiment's README ("1AliceGS10", "2BobGS10", …,
/// "RobGA40 (no 14 prefix)", … "22JaneGA40"); `None` for another id.
pub fn model_of_phone(id: u8) -> Option<PhoneModel> {
    match id {
        1 | 2 | 7 | 9 | 11 | 12 => Some(GS10),
        3 | 4 => Some(GS10E),
        5 | 13..=22 => Some(GA40),
        6 => Some(GS20),
        8 => Some(GA90),
        10 => Some(GA51),
        _ => None,
    }
}

impl PhoneModel {
    /// The model's calibration in Google's table (Samsung, device, model); the table's
    /// unknown-device values if it were missing (all six are listed: +5 dB, −24 dBm).
    pub fn calibration(self) -> DeviceCalibration {
        DeviceCalibration::for_device("samsung", self.device, self.model)
    }

    /// Whether a `receiver_model` value names this model (the data writes the S20 as
    /// `SM-G981B/DS`).
    fn matches(self, stored: &str) -> bool {
        stored
            .split('/')
            .next()
            .is_some_and(|code| code.trim() == self.model)
    }
}

/// A scene's label from its file name: `scenario01-lunch.sqlite` → `lunch`; the file stem
/// otherwise.
pub fn scene_label(file_name: &str) -> String {
    let stem = file_name.strip_suffix(".sqlite").unwrap_or(file_name);
    let label = match stem.split_once('-') {
        Some((prefix, rest)) if prefix.starts_with("scenario") => rest,
        _ => stem,
    };
    label.replace([',', '/', '>'], "-")
}

/// What a conversion kept and skipped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conversion {
    /// The readings, one per row with a distance, with pair ids
    /// `<scene>/<receiver id>>(transmitter id)`.
    pub readings: Vec<Reading>,
    /// Rows skipped because the cameras had no distance.
    pub without_distance: usize,
    /// Rows whose `receiver_model` is not the model the README gives the receiver's id.
    pub receiver_model_mismatches: usize,
}

/// Converts one scene's rows (see the module docs). Refuses a row with an unknown phone id,
/// an RSSI out of −127..=20 dBm, a time that is not Unix seconds up to year 9999 or a
/// negative or non-finite distance, naming the row (counted from 1 in the order given).
pub fn convert(scene: &str, rows: &[Row]) -> Result<Conversion> {
    // Looking a model up reads Google's whole table: once per phone, not per row.
    let phones: Vec<Option<(PhoneModel, DeviceCalibration)>> = (0..=u8::MAX)
        .map(|id| model_of_phone(id).map(|model| (model, model.calibration())))
        .collect();
    let mut conversion = Conversion::default();
    for (index, row) in rows.iter().enumerate() {
        let refuse = |reason: &str| Error::Dp3t {
            row: index + 1,
            reason: reason.to_owned(),
        };
        let phone = |id: &str, which: &str| {
            id.trim()
                .parse::<u8>()
                .ok()
                .and_then(|id| phones.get(usize::from(id)).copied().flatten())
                .ok_or_else(|| refuse(&format!("the {which} id is not a phone of experiment 34")))
        };
        let receiver = phone(&row.receiver_id, "receiver")?;
        let transmitter = phone(&row.transmitter_id, "transmitter")?;
        let rssi_dbm = i8::try_from(row.rssi)
            .ok()
            .filter(|&rssi| rssi > i8::MIN && rssi <= MAX_RSSI_DBM)
            .ok_or_else(|| refuse("the RSSI is not from -127 to 20 dBm"))?;
        let timestamp = row.timestamp;
        if !(timestamp.is_finite() && timestamp >= 0.0 && timestamp <= MAX_SEEN_AT as f64) {
            return Err(refuse("the timestamp is not Unix seconds up to year 9999"));
        }
        if !receiver.0.matches(&row.receiver_model) {
            conversion.receiver_model_mismatches += 1;
        }
        let Some(distance_m) = row.ground_truth_distance else {
            conversion.without_distance += 1;
            continue;
        };
        if !(distance_m.is_finite() && distance_m >= 0.0) {
            return Err(refuse("the distance is not a number of metres, 0 or more"));
        }
        conversion.readings.push(Reading {
            // Checked above: finite, within 0..=MAX_SEEN_AT.
            seen_at: timestamp.floor() as u64,
            pair: format!(
                "{scene}/{}>{}",
                row.receiver_id.trim(),
                row.transmitter_id.trim()
            ),
            rssi_dbm,
            tx_power_dbm: transmitter.1.tx_power_dbm,
            rssi_correction_db: receiver.1.rssi_correction_db,
            distance_m,
        });
    }
    Ok(conversion)
}

/// The notice for converted files: attribution, and that they must not be shared.
pub const NOTICE: &str = "\
Converted on this machine from DP-3T, bt-measurements, experiment 34 \
(https://github.com/DP-3T/bt-measurements), (c) EPFL and ETH Zurich, licensed CC BY-ND 4.0 \
(https://creativecommons.org/licenses/by-nd/4.0/). This is a derived file: do not share it \
(share the command that made it). Changed: rows without a camera distance dropped, models \
from the phone ids (the transmitter_model column repeats the receiver's), calibration from \
Google's table.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phone_of_the_readme_has_a_model_in_googles_table() {
        for id in 1..=22 {
            let model = model_of_phone(id).unwrap();
            let calibration = model.calibration();
            assert_eq!(
                (calibration.rssi_correction_db, calibration.tx_power_dbm),
                (5, -24),
                "{}",
                model.short_name
            );
            // Found in the table, not the unknown-device fallback (+4, −23).
            assert!(
                DeviceCalibration::lookup("samsung", model.device, model.model).is_some(),
                "{}",
                model.short_name
            );
        }
        assert_eq!(model_of_phone(0), None);
        assert_eq!(model_of_phone(23), None);
        assert!(GS20.matches("SM-G981B/DS"));
        assert!(!GS20.matches("SM-G973F"));
        assert_eq!(scene_label("scenario02-train.sqlite"), "train");
        assert_eq!(scene_label("mine.sqlite"), "mine");
    }
}
