//! The input format: distance-labelled Bluetooth readings, one CSV row per reading.
//!
//! Any lab's recording can be converted to it. The first line that is not blank and not a
//! `#` comment must be exactly this header:
//!
//! ```text
//! seen_at,pair,rssi_dbm,tx_power_dbm,rssi_correction_db,distance_m
//! ```
//!
//! | column | meaning |
//! |--------|---------|
//! | `seen_at` | when the receiver heard the advertisement, in Unix seconds (an integer, up to [`MAX_SEEN_AT`]) |
//! | `pair` | who heard whom, e.g. `phone07>phone12`: one direction of one pair of phones; no comma |
//! | `rssi_dbm` | the RSSI the receiver measured, uncorrected, −127 to 20 dBm |
//! | `tx_power_dbm` | the transmitter's calibrated TX power (Google's table, `tx`), −127 to 127 dBm |
//! | `rssi_correction_db` | the receiver's RSSI correction (Google's table), −127 to 127 dB |
//! | `distance_m` | the true distance between the two phones at that moment, in metres, ≥ 0 |
//!
//! The two calibration columns are the values Mimamori's own phones would use: look a model up
//! with `mimamori calibration` ([`mimamori_gaen::DeviceCalibration::for_device`]). Blank lines
//! and lines starting with `#` (attribution, notes) are skipped. A malformed row is refused with
//! its line number; nothing is half-read.

use std::fmt::Write as _;

use mimamori_gaen::DeviceCalibration;
use mimamori_gaen::ids::CalibrationConfidence;

use crate::{Error, Result};

/// The header every readings file starts with.
pub const HEADER: &str = "seen_at,pair,rssi_dbm,tx_power_dbm,rssi_correction_db,distance_m";

/// The latest `seen_at` accepted: 9999-12-31 23:59:59 UTC, the last second with a calendar date.
pub const MAX_SEEN_AT: u64 = 253_402_300_799;

/// The strongest RSSI a phone plausibly reports, in dBm; anything above is a recording error.
pub const MAX_RSSI_DBM: i8 = 20;

/// One reading: one advertisement heard, with the true distance at that moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// When it was heard, in Unix seconds.
    pub seen_at: u64,
    /// Which directed pair of phones (receiver hearing transmitter).
    pub pair: String,
    /// The measured, uncorrected RSSI, in dBm.
    pub rssi_dbm: i8,
    /// The transmitter's calibrated TX power, in dBm.
    pub tx_power_dbm: i8,
    /// The receiver's RSSI correction, in dB.
    pub rssi_correction_db: i8,
    /// The true distance, in metres.
    pub distance_m: f64,
}

impl Reading {
    /// The attenuation Mimamori's engine computes for this reading, through gaen's calibration:
    /// `max(TX power − (RSSI + receiver's correction), 0)` in dB, the corrected RSSI clamped as
    /// Google's scanner stores it.
    pub fn attenuation_db(&self) -> u32 {
        let receiver = DeviceCalibration {
            rssi_correction_db: self.rssi_correction_db,
            tx_power_dbm: self.tx_power_dbm,
            confidence: CalibrationConfidence::LOWEST,
        };
        let corrected = receiver.corrected_rssi(self.rssi_dbm);
        let attenuation = i16::from(self.tx_power_dbm) - i16::from(corrected);
        // max(…, 0) makes it non-negative, and it is at most 127 + 127.
        u32::from(attenuation.max(0).unsigned_abs())
    }
}

/// Reads a readings file (see the module docs). Refuses an empty file, a wrong header and any
/// malformed row, naming the line (counted from 1).
pub fn parse_readings(text: &str) -> Result<Vec<Reading>> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'));
    let Some((header_line, header)) = lines.next() else {
        return Err(Error::NoReadings);
    };
    if header != HEADER {
        return Err(Error::Header { line: header_line });
    }
    let readings = lines
        .map(|(line, row)| parse_row(row).map_err(|reason| Error::Row { line, reason }))
        .collect::<Result<Vec<_>>>()?;
    if readings.is_empty() {
        return Err(Error::NoReadings);
    }
    Ok(readings)
}

/// Writes readings in the format [`parse_readings`] reads: each note as a `#` line (an
/// attribution, the conversion's assumptions), the header, then one row per reading. A note's
/// line breaks start new `#` lines; a pair id's commas would break the format and are replaced
/// by `;`.
pub fn format_readings(notes: &[&str], readings: &[Reading]) -> String {
    let mut text = String::new();
    for note in notes {
        for line in note.lines() {
            text.push_str("# ");
            text.push_str(line);
            text.push('\n');
        }
    }
    text.push_str(HEADER);
    text.push('\n');
    for reading in readings {
        // `write!` to a String cannot fail.
        let _ = writeln!(
            text,
            "{},{},{},{},{},{}",
            reading.seen_at,
            reading.pair.replace(',', ";"),
            reading.rssi_dbm,
            reading.tx_power_dbm,
            reading.rssi_correction_db,
            reading.distance_m
        );
    }
    text
}

fn parse_row(row: &str) -> std::result::Result<Reading, String> {
    let fields: Vec<&str> = row.split(',').map(str::trim).collect();
    let [seen_at, pair, rssi, tx_power, correction, distance] = fields[..] else {
        return Err(format!("has {} fields, not 6", fields.len()));
    };
    let seen_at = seen_at
        .parse::<u64>()
        .ok()
        .filter(|&seconds| seconds <= MAX_SEEN_AT)
        .ok_or_else(|| {
            "seen_at is not a whole number of Unix seconds up to year 9999".to_owned()
        })?;
    if pair.is_empty() {
        return Err("pair is empty".to_owned());
    }
    let small = |value: &str, name: &str| {
        value
            .parse::<i8>()
            .map_err(|_| format!("{name} is not a whole number from -127 to 127"))
            .and_then(|parsed| {
                if parsed == i8::MIN {
                    Err(format!("{name} is not a whole number from -127 to 127"))
                } else {
                    Ok(parsed)
                }
            })
    };
    let rssi_dbm = small(rssi, "rssi_dbm")?;
    if rssi_dbm > MAX_RSSI_DBM {
        return Err(format!("rssi_dbm is above {MAX_RSSI_DBM} dBm"));
    }
    let tx_power_dbm = small(tx_power, "tx_power_dbm")?;
    let rssi_correction_db = small(correction, "rssi_correction_db")?;
    let distance_m = distance
        .parse::<f64>()
        .ok()
        .filter(|metres| metres.is_finite() && *metres >= 0.0)
        .ok_or_else(|| "distance_m is not a number of metres, 0 or more".to_owned())?;
    Ok(Reading {
        seen_at,
        pair: pair.to_owned(),
        rssi_dbm,
        tx_power_dbm,
        rssi_correction_db,
        distance_m,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attenuation_goes_through_the_calibration() {
        let reading = Reading {
            seen_at: 0,
            pair: "a>b".to_owned(),
            rssi_dbm: -70,
            tx_power_dbm: -24,
            rssi_correction_db: 5,
            distance_m: 1.0,
        };
        // −24 − (−70 + 5) = 41
        assert_eq!(reading.attenuation_db(), 41);
        let louder_than_sent = Reading {
            rssi_dbm: 10,
            ..reading
        };
        assert_eq!(louder_than_sent.attenuation_db(), 0);
    }

    #[test]
    fn written_readings_read_back_the_same() {
        let readings = vec![
            Reading {
                seen_at: 1_588_360_416,
                pair: "courtyard/45deg/iphone>TestPhone2-purse".to_owned(),
                rssi_dbm: -71,
                tx_power_dbm: -23,
                rssi_correction_db: 0,
                distance_m: 6.0 * 0.3048,
            },
            Reading {
                seen_at: 0,
                pair: "a,b".to_owned(),
                rssi_dbm: 20,
                tx_power_dbm: -127,
                rssi_correction_db: 127,
                distance_m: 0.0,
            },
        ];
        let text = format_readings(&["first\nsecond"], &readings);
        assert!(text.starts_with("# first\n# second\nseen_at,"), "{text}");
        let read = parse_readings(&text).unwrap();
        assert_eq!(read[0], readings[0]);
        assert_eq!(read[1].pair, "a;b");
        assert_eq!(read[1].distance_m, 0.0);
    }
}
