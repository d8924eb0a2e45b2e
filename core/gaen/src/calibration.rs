//! Per-device Bluetooth calibration: how much to correct the RSSI this phone measures, and what TX
//! power it should broadcast.
//!
//! Phones differ by up to tens of dB in what they measure and send. Google measured thousands of
//! Android models against a reference iPhone and published the results as
//! `en_calibration_2020_08_12.csv` ("EN Calibration", developers.google.com, 2020-08-12), with the
//! columns `oem, device, model, rssi correction, tx, calibration confidence`. Mimamori ships that
//! file unchanged in `core/gaen/data/` (the copy published in CoraLibre/CoraLibre-android-sdk,
//! `sdk/src/main/res/raw/`, sha256 `6db99892…5754`, 11,809 models).
//!
//! - The receiver adds its own `rssi correction` to every RSSI it measures (Google:
//!   `Attenuation = TX power − (RSSI_measured + RSSI_correction)`).
//! - The sender broadcasts its `tx` value in the metadata, with the `calibration confidence`.
//!
//! A model that is not in the table gets [`DeviceCalibration::UNKNOWN_DEVICE`]: the table's mean
//! RSSI correction (+3.5 → +4 dB) and mean TX power (−22.9 → −23 dBm), rounded, with the lowest
//! confidence, the approach microG takes.

use crate::ids::{CalibrationConfidence, Metadata};

/// Google's calibration table, as published (CSV with a header row).
pub const CALIBRATION_TABLE_CSV: &str = include_str!("../data/en_calibration_2020_08_12.csv");

/// The calibration of one phone model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceCalibration {
    /// Added to every RSSI this phone measures, in dB.
    pub rssi_correction_db: i8,
    /// The calibrated TX power this phone broadcasts, in dBm.
    pub tx_power_dbm: i8,
    /// How much to trust the values, 0 (lowest) to 3.
    pub confidence: CalibrationConfidence,
}

impl DeviceCalibration {
    /// What a model missing from the table gets: the table's rounded means, lowest confidence.
    pub const UNKNOWN_DEVICE: Self = Self {
        rssi_correction_db: 4,
        tx_power_dbm: -23,
        confidence: CalibrationConfidence::LOWEST,
    };

    /// Looks a phone up by the values Android reports (`Build.MANUFACTURER`, `Build.DEVICE`,
    /// `Build.MODEL`), ignoring case and surrounding spaces: first on all three, then on
    /// manufacturer and device, then on manufacturer and model. `None` when the model is unknown.
    pub fn lookup(manufacturer: &str, device: &str, model: &str) -> Option<Self> {
        let rows = || CALIBRATION_TABLE_CSV.lines().skip(1).filter_map(Row::parse);
        let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        rows()
            .find(|row| {
                same(row.oem, manufacturer) && same(row.device, device) && same(row.model, model)
            })
            .or_else(|| rows().find(|row| same(row.oem, manufacturer) && same(row.device, device)))
            .or_else(|| rows().find(|row| same(row.oem, manufacturer) && same(row.model, model)))
            .map(|row| row.calibration)
    }

    /// [`lookup`](Self::lookup), or [`UNKNOWN_DEVICE`](Self::UNKNOWN_DEVICE) for a model that is
    /// not in the table.
    pub fn for_device(manufacturer: &str, device: &str, model: &str) -> Self {
        Self::lookup(manufacturer, device, model).unwrap_or(Self::UNKNOWN_DEVICE)
    }

    /// The metadata this phone broadcasts (version 1.1, with TX power and confidence).
    pub fn metadata(&self) -> Metadata {
        Metadata::v1_1(self.tx_power_dbm, self.confidence)
    }

    /// The calibrated RSSI for a measured one: corrected and clamped to −127..=126 dBm, as
    /// Google's scanner stores it.
    pub fn corrected_rssi(&self, measured_rssi_dbm: i8) -> i8 {
        let corrected = i16::from(measured_rssi_dbm) + i16::from(self.rssi_correction_db);
        // The clamp keeps the value within i8.
        corrected.clamp(-127, 126) as i8
    }
}

/// One parsed row of the table.
struct Row<'a> {
    oem: &'a str,
    device: &'a str,
    model: &'a str,
    calibration: DeviceCalibration,
}

impl<'a> Row<'a> {
    fn parse(line: &'a str) -> Option<Self> {
        let mut fields = line.split(',');
        let oem = fields.next()?;
        let device = fields.next()?;
        let model = fields.next()?;
        let rssi_correction_db = fields.next()?.trim().parse().ok()?;
        let tx_power_dbm = fields.next()?.trim().parse().ok()?;
        let confidence = CalibrationConfidence::new(fields.next()?.trim().parse().ok()?).ok()?;
        fields.next().is_none().then_some(Self {
            oem,
            device,
            model,
            calibration: DeviceCalibration {
                rssi_correction_db,
                tx_power_dbm,
                confidence,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_is_complete() {
        let mut lines = CALIBRATION_TABLE_CSV.lines();
        assert_eq!(
            lines.next(),
            Some("oem,device, model,rssi correction,tx,calibration confidence")
        );
        let rows: Vec<Row<'_>> = lines.clone().filter_map(Row::parse).collect();
        assert_eq!(lines.count(), 11_809);
        assert_eq!(rows.len(), 11_809, "every row parses");
    }

    #[test]
    fn the_unknown_device_default_is_the_tables_rounded_mean() {
        let rows: Vec<Row<'_>> = CALIBRATION_TABLE_CSV
            .lines()
            .skip(1)
            .filter_map(Row::parse)
            .collect();
        let count = rows.len() as f64;
        let mean_rssi: f64 = rows
            .iter()
            .map(|r| f64::from(r.calibration.rssi_correction_db))
            .sum::<f64>()
            / count;
        let mean_tx: f64 = rows
            .iter()
            .map(|r| f64::from(r.calibration.tx_power_dbm))
            .sum::<f64>()
            / count;
        assert_eq!(
            mean_rssi.round() as i8,
            DeviceCalibration::UNKNOWN_DEVICE.rssi_correction_db
        );
        assert_eq!(
            mean_tx.round() as i8,
            DeviceCalibration::UNKNOWN_DEVICE.tx_power_dbm
        );
    }

    #[test]
    fn looks_up_known_models() {
        let pixel3 = DeviceCalibration::lookup("Google", "blueline", "Pixel 3").unwrap();
        assert_eq!(
            (
                pixel3.rssi_correction_db,
                pixel3.tx_power_dbm,
                pixel3.confidence.value()
            ),
            (5, -33, 3)
        );
        // Japanese models: Sharp and Sony (NTT docomo).
        let sharp = DeviceCalibration::lookup("SHARP", "SH01D", "SH-01D").unwrap();
        assert_eq!((sharp.rssi_correction_db, sharp.tx_power_dbm), (5, -25));
        // Falls back to manufacturer and device when the model string differs.
        assert_eq!(
            DeviceCalibration::lookup("google", "blueline", "Pixel 3 (renamed)"),
            Some(pixel3)
        );
        assert_eq!(DeviceCalibration::lookup("nobody", "nothing", "none"), None);
        assert_eq!(
            DeviceCalibration::for_device("nobody", "x", "y"),
            DeviceCalibration::UNKNOWN_DEVICE
        );
    }

    #[test]
    fn corrected_rssi_is_clamped() {
        let calibration = DeviceCalibration {
            rssi_correction_db: 5,
            ..DeviceCalibration::UNKNOWN_DEVICE
        };
        assert_eq!(calibration.corrected_rssi(-60), -55);
        assert_eq!(calibration.corrected_rssi(125), 126);
        let negative = DeviceCalibration {
            rssi_correction_db: -29,
            ..DeviceCalibration::UNKNOWN_DEVICE
        };
        assert_eq!(negative.corrected_rssi(-120), -127);
        assert_eq!(calibration.metadata().tx_power_dbm(), -23);
    }
}
