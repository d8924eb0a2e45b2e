//! MIT Lincoln Laboratory's BLE-RSSI-Various-Static-Configurations, converted to readings.
//!
//! The data set (<https://github.com/mitll/BLE-RSSI-Various-Static-Configurations>, © 2020
//! Massachusetts Institute of Technology, CC BY 4.0) holds collects of about 30 to 60 seconds,
//! all at 6 ft (1.83 m) between a person carrying up to four transmitting phones and a
//! receiver, in five environments (`<date> <environment>/`: anechoic chamber, screen room,
//! conference room, conference room with a wall in between, courtyard), at eight rotations of
//! the person (0° facing the receiver … 315°), with three receivers (`iPhone/`, `Ubertooth/`,
//! `nRF52/`).
//!
//! Only the iPhone logs are converted: the iPhone is the one receiver a GAEN phone resembles,
//! and its logs carry absolute times. A log (`iPhone/log_<date>_<time>_<rotation>.txt`) is CSV
//! without a header:
//!
//! ```text
//! 2020-05-01 15:13:28.013,Device,iPhone XR,Mark’s iPhone
//! 2020-05-01 15:13:35.979,Range,6
//! 2020-05-01 15:13:35.981,Angle,0
//! 2020-05-01 15:13:36.012,Bluetooth,<uuid>,-77,TestPhone3,8.0,610053216.010054
//! 2020-05-01 15:13:36.064,Accelerometer,<x>,<y>,<z>
//! ```
//!
//! - `Range` is the separation in feet; it is the distance every reading gets.
//! - `Angle` says 0 in every log: the rotation is the number at the end of the file name, as
//!   the data set's README says ([`rotation_from_file_name`]).
//! - A `Bluetooth` row is local time, the receiver's identifier for the transmitter, the RSSI
//!   (127 when iOS had none: such rows are skipped and counted), the transmitter's name, its
//!   advertised TX power level, and the time in seconds since 2001-01-01 UTC (Apple's reference
//!   date), which gives UTC without guessing the time zone.
//! - Transmitters were named by where the person carried them: TestPhone1 front trouser pocket,
//!   TestPhone2 purse, TestPhone3 back trouser pocket, TestPhone4 held to the ear
//!   ([`Placement`]). Other advertisers the iPhone heard are skipped.
//!
//! ## Calibration assumption
//!
//! The transmitters ran nRF Connect, not GAEN, so their advertisements carry no GAEN TX power.
//! The conversion assumes what a GAEN engine would have used: by default the receiver's RSSI
//! correction is 0 dB (Google computes every Android correction so that the phone reads what a
//! typical iPhone reads, so an iPhone needs none) and the transmitter's calibrated TX power is
//! −23 dBm ([`DeviceCalibration::UNKNOWN_DEVICE`], the mean of Google's table). Every dB of
//! error in either moves every attenuation by a dB; both are options of the conversion.
//!
//! ## Resampling
//!
//! A collect is about 30 s of continuous readings, which GAEN would see as one scan. By default
//! each collect is cut into slices of [`Resample::slice_seconds`] (4 s, a GAEN scan's length)
//! and the slices are laid [`Resample::scan_interval_seconds`] apart (300 s, GAEN's longest
//! interval between scans): a static encounter of several minutes, every scan of which is a
//! real slice of the recording. This assumes the channel holds still for that long (the
//! placements are static; a real person moves). [`Conversion::resample`] `None` keeps the
//! times as recorded.

use mimamori_gaen::DeviceCalibration;

use crate::readings::{MAX_RSSI_DBM, Reading};
use crate::{Error, Result};

/// Metres in a foot.
pub const METRES_PER_FOOT: f64 = 0.3048;

/// Apple's reference date (2001-01-01 00:00:00 UTC) in Unix seconds.
pub const APPLE_REFERENCE_DATE_UNIX: f64 = 978_307_200.0;

/// The RSSI iOS reports when it has no measurement.
pub const RSSI_UNAVAILABLE: i16 = 127;

/// Where the person carried a transmitter (the data set's README).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Placement {
    /// TestPhone1: front trouser pocket (left).
    FrontPocket,
    /// TestPhone2: in a purse (right).
    Purse,
    /// TestPhone3: back trouser pocket.
    BackPocket,
    /// TestPhone4: held to the left ear.
    Ear,
}

impl Placement {
    /// The placement of a transmitter name (`TestPhone1` … `TestPhone4`); `None` for others.
    pub fn of_transmitter(name: &str) -> Option<Self> {
        match name {
            "TestPhone1" => Some(Self::FrontPocket),
            "TestPhone2" => Some(Self::Purse),
            "TestPhone3" => Some(Self::BackPocket),
            "TestPhone4" => Some(Self::Ear),
            _ => None,
        }
    }

    /// A short label, used in pair ids: `front-pocket`, `purse`, `back-pocket`, `ear`.
    pub fn label(self) -> &'static str {
        match self {
            Self::FrontPocket => "front-pocket",
            Self::Purse => "purse",
            Self::BackPocket => "back-pocket",
            Self::Ear => "ear",
        }
    }
}

/// One advertisement the iPhone heard from a test phone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sighting {
    /// When, in Unix seconds (fractional).
    pub at_unix: f64,
    /// Which transmitter, by where it was carried.
    pub placement: Placement,
    /// The RSSI, in dBm.
    pub rssi_dbm: i8,
}

/// One iPhone log, read.
#[derive(Clone, Debug, PartialEq)]
pub struct IphoneLog {
    /// The separation in feet (the `Range` line).
    pub range_feet: f64,
    /// The test phones' advertisements, in file order.
    pub sightings: Vec<Sighting>,
    /// Test-phone rows skipped because iOS reported no RSSI (127).
    pub unavailable_rssi: usize,
}

impl IphoneLog {
    /// The separation in metres.
    pub fn range_m(&self) -> f64 {
        self.range_feet * METRES_PER_FOOT
    }
}

/// Reads one iPhone log (see the module docs). Refuses a log without a `Range` line, a
/// malformed `Range` or test-phone `Bluetooth` row, naming the line; skips other rows.
pub fn parse_iphone_log(text: &str) -> Result<IphoneLog> {
    let mut range_feet = None;
    let mut sightings = Vec::new();
    let mut unavailable_rssi = 0;
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let refuse = |reason: &str| Error::Mitll {
            line: line_number,
            reason: reason.to_owned(),
        };
        let fields: Vec<&str> = line.trim().split(',').map(str::trim).collect();
        match fields.get(1).copied() {
            Some("Range") => {
                let feet = fields
                    .get(2)
                    .and_then(|value| value.parse::<f64>().ok())
                    .filter(|feet| feet.is_finite() && *feet >= 0.0)
                    .ok_or_else(|| refuse("the Range is not a number of feet, 0 or more"))?;
                range_feet = Some(feet);
            }
            Some("Bluetooth") => {
                let Some(placement) = fields
                    .get(4)
                    .and_then(|name| Placement::of_transmitter(name))
                else {
                    continue;
                };
                let [_, _, _, rssi, _, _, reference_seconds] = fields[..] else {
                    return Err(refuse(
                        "a test phone's Bluetooth row does not have 7 fields",
                    ));
                };
                let rssi = rssi
                    .parse::<i16>()
                    .map_err(|_| refuse("the RSSI is not a whole number"))?;
                if rssi == RSSI_UNAVAILABLE {
                    unavailable_rssi += 1;
                    continue;
                }
                let rssi_dbm = i8::try_from(rssi)
                    .ok()
                    .filter(|&rssi| rssi > i8::MIN && rssi <= MAX_RSSI_DBM)
                    .ok_or_else(|| refuse("the RSSI is not from -127 to 20 dBm (or 127)"))?;
                let at_unix = reference_seconds
                    .parse::<f64>()
                    .ok()
                    .map(|seconds| seconds + APPLE_REFERENCE_DATE_UNIX)
                    .filter(|at| at.is_finite() && *at >= 0.0 && *at <= MAX_UNIX_SECONDS)
                    .ok_or_else(|| {
                        refuse("the last field is not seconds since 2001 up to year 9999")
                    })?;
                sightings.push(Sighting {
                    at_unix,
                    placement,
                    rssi_dbm,
                });
            }
            _ => {}
        }
    }
    let range_feet = range_feet.ok_or(Error::MitllRange)?;
    Ok(IphoneLog {
        range_feet,
        sightings,
        unavailable_rssi,
    })
}

/// The latest time accepted, as in the readings format.
const MAX_UNIX_SECONDS: f64 = crate::readings::MAX_SEEN_AT as f64;

/// The person's rotation from a log's file name, `log_<date>_<time>_<rotation>.txt`: `Some`
/// when the last `_` part before `.txt` is a whole number of degrees below 360.
pub fn rotation_from_file_name(file_name: &str) -> Option<u16> {
    let stem = file_name.strip_suffix(".txt")?;
    let (_, rotation) = stem.rsplit_once('_')?;
    rotation
        .parse::<u16>()
        .ok()
        .filter(|&degrees| degrees < 360)
}

/// An environment's folder name as a pair-id part: the date prefix dropped, lower case, words
/// joined by `-`: `1-May Anechoic Chamber` → `anechoic-chamber`.
pub fn environment_label(folder_name: &str) -> String {
    let mut words = folder_name.split_whitespace().peekable();
    // The first word is the date (`1-May`) when it starts with a digit.
    if words
        .peek()
        .is_some_and(|word| word.starts_with(|c: char| c.is_ascii_digit()))
    {
        words.next();
    }
    words
        .map(|word| {
            word.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// How slices of a continuous collect become GAEN-like scans (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resample {
    /// The length of one slice, in seconds (a GAEN scan lasts about 4 s).
    pub slice_seconds: u32,
    /// The time between the starts of consecutive slices once laid out, in seconds.
    pub scan_interval_seconds: u32,
}

/// The conversion's assumptions (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conversion {
    /// The transmitters' calibrated TX power, in dBm.
    pub tx_power_dbm: i8,
    /// The iPhone's RSSI correction, in dB.
    pub rssi_correction_db: i8,
    /// How collects become scans; `None` keeps the recorded times.
    pub resample: Option<Resample>,
}

impl Default for Conversion {
    fn default() -> Self {
        Self {
            tx_power_dbm: DeviceCalibration::UNKNOWN_DEVICE.tx_power_dbm,
            rssi_correction_db: 0,
            resample: Some(Resample {
                slice_seconds: 4,
                scan_interval_seconds: 300,
            }),
        }
    }
}

/// One log's readings. The pair id is `<environment>/<rotation>deg/iphone>TestPhoneN-<placement>`
/// (e.g. `courtyard/135deg/iphone>TestPhone2-purse`), so that `evaluate`'s grouping by pair-id
/// part (split at `/` and `>`) gives the environment (0), the rotation (1), the receiver (2)
/// and the transmitter's placement (3). Readings come out in time order per transmitter.
/// Refuses a log whose slices, once laid apart, would run past the year 9999 (a real collect
/// lasts about a minute).
pub fn readings(
    log: &IphoneLog,
    environment: &str,
    rotation_degrees: u16,
    conversion: &Conversion,
) -> Result<Vec<Reading>> {
    let start = log
        .sightings
        .iter()
        .map(|sighting| sighting.at_unix)
        .fold(f64::INFINITY, f64::min);
    let distance_m = log.range_m();
    let mut readings: Vec<Reading> = log
        .sightings
        .iter()
        .map(|sighting| -> Result<Reading> {
            let seen_at = match conversion.resample {
                None => sighting.at_unix,
                Some(resample) => {
                    let slice = f64::from(resample.slice_seconds.max(1));
                    let offset = sighting.at_unix - start;
                    let index = (offset / slice).floor();
                    start.floor()
                        + index * f64::from(resample.scan_interval_seconds)
                        + (offset - index * slice)
                }
            };
            if seen_at.is_nan() || seen_at > MAX_UNIX_SECONDS {
                return Err(Error::MitllSpan);
            }
            Ok(Reading {
                // Within 0..=MAX_SEEN_AT: recorded times are checked when read, and checked
                // again above once laid apart.
                seen_at: seen_at.floor() as u64,
                pair: format!(
                    "{environment}/{rotation_degrees}deg/iphone>{}-{}",
                    transmitter_name(sighting.placement),
                    sighting.placement.label()
                ),
                rssi_dbm: sighting.rssi_dbm,
                tx_power_dbm: conversion.tx_power_dbm,
                rssi_correction_db: conversion.rssi_correction_db,
                distance_m,
            })
        })
        .collect::<Result<_>>()?;
    readings.sort_by(|a, b| a.pair.cmp(&b.pair).then(a.seen_at.cmp(&b.seen_at)));
    Ok(readings)
}

fn transmitter_name(placement: Placement) -> &'static str {
    match placement {
        Placement::FrontPocket => "TestPhone1",
        Placement::Purse => "TestPhone2",
        Placement::BackPocket => "TestPhone3",
        Placement::Ear => "TestPhone4",
    }
}

/// The attribution to put at the top of converted files (CC BY 4.0 requires it).
pub const ATTRIBUTION: &str = "\
Converted from MIT Lincoln Laboratory, BLE-RSSI-Various-Static-Configurations \
(https://github.com/mitll/BLE-RSSI-Various-Static-Configurations), \
(c) 2020 Massachusetts Institute of Technology, licensed CC BY 4.0 \
(https://creativecommons.org/licenses/by/4.0/). Changed: iPhone logs only, test phones only, \
RSSI 127 dropped, calibration assumed and times resampled as stated by mimamori accuracy \
convert-mitll.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_folders_give_rotation_and_environment() {
        assert_eq!(
            rotation_from_file_name("log_2020-05-01_15.13.28.008_135.txt"),
            Some(135)
        );
        assert_eq!(rotation_from_file_name("log_x_360.txt"), None);
        assert_eq!(rotation_from_file_name("log_x_45.csv"), None);
        assert_eq!(rotation_from_file_name("45.txt"), None);
        assert_eq!(
            environment_label("5-May Conference Room Wall"),
            "conference-room-wall"
        );
        assert_eq!(environment_label("Courtyard"), "courtyard");
    }
}
