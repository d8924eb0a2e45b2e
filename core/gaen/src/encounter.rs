//! What the phone heard: sightings of other phones' payloads, grouped into scans.
//!
//! The platform scanner runs a short scan every few minutes (Google's implementation: about 4 s
//! every 210–300 s) and hands the engine each scan's results in one or more batches. Every scan is
//! recorded, even one that heard nothing: the time between scans is what an exposure window's
//! `secondsSinceLastScan` is made of. The phone (`mimamori-phone`) writes each batch in one
//! transaction and keeps sightings and scans for [`SIGHTING_RETENTION_DAYS`].

use crate::ble::ExposurePayload;
use crate::ids::{AssociatedEncryptedMetadata, RollingProximityIdentifier};
use crate::{Error, Result};

/// How many days sightings are kept (Cryptography Specification v1.2: identifiers heard are kept
/// for 14 days, the longest a diagnosis key can be relevant).
pub const SIGHTING_RETENTION_DAYS: u64 = 14;

/// Seconds in a day.
pub const SECONDS_PER_DAY: u64 = 86_400;

/// The weakest RSSI a Bluetooth LE receiver reports, in dBm (Core Specification: -127).
pub const MIN_RSSI_DBM: i16 = -127;

/// The strongest RSSI a Bluetooth LE receiver reports, in dBm (Core Specification: +20). Android
/// reports 127 for "unknown", which is rejected.
pub const MAX_RSSI_DBM: i16 = 20;

/// One payload heard once, with its signal strength and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sighting {
    payload: ExposurePayload,
    rssi_dbm: i8,
    seen_at: u64,
}

impl Sighting {
    /// A sighting of `payload` at `seen_at` (Unix seconds) with the received signal strength in
    /// dBm; an RSSI outside −127..=+20 dBm (such as Android's 127 for "unknown") is an error.
    pub fn new(payload: ExposurePayload, rssi_dbm: i16, seen_at: u64) -> Result<Self> {
        if !(MIN_RSSI_DBM..=MAX_RSSI_DBM).contains(&rssi_dbm) {
            return Err(Error::InvalidSighting(format!(
                "RSSI {rssi_dbm} dBm is outside {MIN_RSSI_DBM}..={MAX_RSSI_DBM} dBm"
            )));
        }
        let rssi_dbm = i8::try_from(rssi_dbm)
            .map_err(|_| Error::InvalidSighting(format!("RSSI {rssi_dbm} dBm is out of range")))?;
        Ok(Self {
            payload,
            rssi_dbm,
            seen_at,
        })
    }

    /// What was heard.
    pub const fn payload(&self) -> &ExposurePayload {
        &self.payload
    }

    /// The received signal strength, in dBm.
    pub const fn rssi_dbm(&self) -> i8 {
        self.rssi_dbm
    }

    /// When it was heard, in Unix seconds.
    pub const fn seen_at(&self) -> u64 {
        self.seen_at
    }
}

/// One scan's results (or part of them) as the platform hands them in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanBatch {
    /// The platform's identifier for the scan; batches with the same id belong to one scan.
    pub scan_id: u64,
    /// When the scan started, in Unix seconds.
    pub started_at: u64,
    /// What the scan heard (may be empty: a scan that heard nothing still counts).
    pub sightings: Vec<Sighting>,
}

impl ScanBatch {
    /// Builds a batch from what the platform's scan callback reports for each sighting: the
    /// 0xFD6F service data, the RSSI in dBm and the time in Unix seconds. Sightings that do not
    /// parse or have an impossible RSSI are left out; the second value counts them.
    pub fn from_heard<'a>(
        scan_id: u64,
        started_at: u64,
        heard: impl IntoIterator<Item = (&'a [u8], i16, u64)>,
    ) -> (Self, usize) {
        let mut rejected = 0;
        let sightings = heard
            .into_iter()
            .filter_map(|(service_data, rssi_dbm, seen_at)| {
                let sighting = ExposurePayload::parse_service_data(service_data)
                    .and_then(|payload| Sighting::new(payload, rssi_dbm, seen_at));
                rejected += usize::from(sighting.is_err());
                sighting.ok()
            })
            .collect();
        (
            Self {
                scan_id,
                started_at,
                sightings,
            },
            rejected,
        )
    }
}

/// A recorded scan with everything it heard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scan {
    /// The platform's identifier for the scan.
    pub scan_id: u64,
    /// When the scan started, in Unix seconds.
    pub started_at: u64,
    /// What the scan heard, in the order heard.
    pub sightings: Vec<Sighting>,
}

/// The header of the sightings CSV written by the `diagnosis-keys` research tool.
pub const SIGHTINGS_CSV_HEADER: &str = "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR";

/// Reads the semicolon-separated sightings CSV of the `diagnosis-keys` research tool: one row per
/// RPI heard, `StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR` (Unix seconds, hex, dBm; the address is
/// ignored). A row becomes a sighting at its start and, when later, one at its end, both at the
/// row's maximum RSSI; sightings at the same second form one scan. Errors name the line.
pub fn scans_from_csv(text: &str) -> Result<Vec<Scan>> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty());
    match lines.next() {
        Some((_, header))
            if header.trim().trim_start_matches('\u{feff}') == SIGHTINGS_CSV_HEADER => {}
        Some((_, header)) => {
            return Err(Error::InvalidSighting(format!(
                "line 1: the header must be {SIGHTINGS_CSV_HEADER:?}, found {:?}",
                header.chars().take(60).collect::<String>()
            )));
        }
        None => {
            return Err(Error::InvalidSighting(
                "the sightings file is empty".to_owned(),
            ));
        }
    }
    let mut by_time: std::collections::BTreeMap<u64, Vec<Sighting>> =
        std::collections::BTreeMap::new();
    for (index, line) in lines {
        let line_number = index + 1;
        let bad = |reason: String| Error::InvalidSighting(format!("line {line_number}: {reason}"));
        let fields: Vec<&str> = line.split(';').map(str::trim).collect();
        let [start, end, rpi, aem, rssi, _address] = fields.as_slice() else {
            return Err(bad(format!(
                "expected 6 fields separated by ';', found {}",
                fields.len()
            )));
        };
        let time = |name: &str, value: &str| {
            value
                .parse::<u64>()
                .map_err(|_| bad(format!("{name} {value:?} is not Unix seconds")))
        };
        let (start, end) = (time("StartTime", start)?, time("EndTime", end)?);
        if end < start {
            return Err(bad("EndTime is before StartTime".to_owned()));
        }
        let payload = ExposurePayload::new(
            RollingProximityIdentifier::from_hex(rpi).map_err(|error| bad(error.to_string()))?,
            AssociatedEncryptedMetadata::from_hex(aem).map_err(|error| bad(error.to_string()))?,
        );
        let rssi: i16 = rssi
            .parse()
            .map_err(|_| bad(format!("MaxRSSI {rssi:?} is not a number")))?;
        for at in if end > start {
            vec![start, end]
        } else {
            vec![start]
        } {
            let sighting =
                Sighting::new(payload, rssi, at).map_err(|error| bad(error.to_string()))?;
            by_time.entry(at).or_default().push(sighting);
        }
    }
    Ok(by_time
        .into_iter()
        .enumerate()
        .map(|(scan_id, (started_at, sightings))| Scan {
            scan_id: scan_id as u64,
            started_at,
            sightings,
        })
        .collect())
}

/// One row of the `diagnosis-keys` research tool's sightings CSV: one RPI heard during a scan
/// window, from its first to its last sighting, at its strongest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SightingsCsvRow {
    /// The first sighting in the window, in Unix seconds.
    pub start: u64,
    /// The last sighting in the window, in Unix seconds (equal to `start` when heard once).
    pub end: u64,
    /// What was heard.
    pub payload: ExposurePayload,
    /// The strongest RSSI in the window, in dBm.
    pub max_rssi_dbm: i8,
    /// The advertiser's Bluetooth address as the scanner reported it (the column is informative:
    /// [`scans_from_csv`] ignores it).
    pub address: [u8; 6],
}

impl SightingsCsvRow {
    /// The row for `sighting` alone, heard from `address`.
    pub const fn from_sighting(sighting: &Sighting, address: [u8; 6]) -> Self {
        Self {
            start: sighting.seen_at,
            end: sighting.seen_at,
            payload: sighting.payload,
            max_rssi_dbm: sighting.rssi_dbm,
            address,
        }
    }

    /// Widens the row by another sighting of the same payload: the time span grows and the
    /// strongest RSSI is kept.
    pub fn add(&mut self, sighting: &Sighting) {
        self.start = self.start.min(sighting.seen_at);
        self.end = self.end.max(sighting.seen_at);
        self.max_rssi_dbm = self.max_rssi_dbm.max(sighting.rssi_dbm);
    }
}

/// Writes rows as the `diagnosis-keys` tool's sightings CSV (the [`SIGHTINGS_CSV_HEADER`] line,
/// then one line per row; the address as `AA:BB:CC:DD:EE:FF`), the format [`scans_from_csv`]
/// reads.
pub fn sightings_csv<'a>(rows: impl IntoIterator<Item = &'a SightingsCsvRow>) -> String {
    let mut csv = format!("{SIGHTINGS_CSV_HEADER}\n");
    for row in rows {
        let [a, b, c, d, e, f] = row.address;
        csv.push_str(&format!(
            "{};{};{};{};{};{a:02X}:{b:02X}:{c:02X}:{d:02X}:{e:02X}:{f:02X}\n",
            row.start, row.end, row.payload.rpi, row.payload.aem, row.max_rssi_dbm
        ));
    }
    csv
}

/// The oldest scan start kept at `now` (Unix seconds): [`SIGHTING_RETENTION_DAYS`] ago.
pub fn retention_cutoff(now: u64) -> u64 {
    now.saturating_sub(SIGHTING_RETENTION_DAYS * SECONDS_PER_DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sighting(byte: u8, rssi: i16, at: u64) -> Sighting {
        Sighting::new(
            ExposurePayload::new(
                RollingProximityIdentifier::from_bytes([byte; 16]),
                AssociatedEncryptedMetadata::from_bytes([byte; 4]),
            ),
            rssi,
            at,
        )
        .unwrap()
    }

    #[test]
    fn written_rows_read_back_as_scans() {
        let mut row = SightingsCsvRow::from_sighting(&sighting(7, -70, 100), [0xC0, 1, 2, 3, 4, 5]);
        row.add(&sighting(7, -55, 130));
        let other = SightingsCsvRow::from_sighting(&sighting(8, -90, 100), [0xC1, 0, 0, 0, 0, 1]);
        let csv = sightings_csv([&row, &other]);
        assert!(csv.starts_with("StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR\n100;130;"));
        assert!(csv.contains(";-55;C0:01:02:03:04:05\n"));
        let scans = scans_from_csv(&csv).unwrap();
        assert_eq!(scans.len(), 2);
        assert_eq!(scans[0].started_at, 100);
        assert_eq!(
            scans[0].sightings,
            vec![sighting(7, -55, 100), sighting(8, -90, 100)]
        );
        assert_eq!(scans[1].sightings, vec![sighting(7, -55, 130)]);
    }

    #[test]
    fn raw_scan_results_that_do_not_parse_are_counted_and_left_out() {
        let good = sighting(3, -60, 5).payload().service_data();
        let heard: Vec<(&[u8], i16, u64)> = vec![
            (&good[..], -60, 5),
            (&good[..19], -60, 5),
            (&good[..], 127, 6),
            (&good[..], -70, 7),
        ];
        let (batch, rejected) = ScanBatch::from_heard(1, 4, heard);
        assert_eq!(rejected, 2);
        assert_eq!(
            batch.sightings,
            vec![sighting(3, -60, 5), sighting(3, -70, 7)]
        );
    }

    #[test]
    fn reads_the_diagnosis_keys_tool_csv() {
        let csv = "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR\n\
                   1000;1200;0101010101010101010101010101010101;01010101;-60;AA:BB:CC:DD:EE:FF\n";
        // 34 hex digits: the RPI is wrong.
        let error = scans_from_csv(csv).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("line 2: rolling proximity identifier is not valid hex"),
            "{error}"
        );
        let csv = "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR\n\
                   1000;1200;01010101010101010101010101010101;01010101;-60;AA:BB:CC:DD:EE:FF\n\
                   1000;1000;02020202020202020202020202020202;02020202;-70;\n";
        let scans = scans_from_csv(csv).unwrap();
        assert_eq!(scans.len(), 2);
        assert_eq!((scans[0].started_at, scans[0].sightings.len()), (1000, 2));
        assert_eq!((scans[1].started_at, scans[1].sightings.len()), (1200, 1));
        assert_eq!(scans[1].sightings[0], sighting(1, -60, 1200));
        for (bad, reason) in [
            ("x;1;2", "line 1: the header"),
            (
                "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR\n1;2;3",
                "line 2: expected 6 fields",
            ),
            (
                "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR\n5;4;00;00;1;",
                "line 2: EndTime is before",
            ),
            (
                "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR\n\n\n1;1;01010101010101010101010101010101;01010101;127;",
                "line 4: invalid sighting: RSSI 127",
            ),
            ("", "empty"),
        ] {
            let error = scans_from_csv(bad).unwrap_err().to_string();
            assert!(error.contains(reason), "{bad:?}: {error}");
        }
    }

    #[test]
    fn rssi_outside_the_bluetooth_range_is_rejected() {
        let payload = *sighting(1, -60, 0).payload();
        assert!(Sighting::new(payload, 127, 0).is_err());
        assert!(Sighting::new(payload, -128, 0).is_err());
        assert!(Sighting::new(payload, 21, 0).is_err());
        assert!(Sighting::new(payload, 20, 0).is_ok());
        assert!(Sighting::new(payload, -127, 0).is_ok());
    }
}
