//! What the phone heard: sightings of other phones' payloads, grouped into scans.
//!
//! The platform scanner runs a short scan every few minutes (Google's implementation: about 4 s
//! every 210–300 s) and hands the engine each scan's results in one or more batches. Every scan is
//! recorded, even one that heard nothing: the time between scans is what an exposure window's
//! `secondsSinceLastScan` is made of. Each batch is written in one transaction, so a crash between
//! two batches loses at most the batch in flight. Sightings and scans are kept for
//! [`SIGHTING_RETENTION_DAYS`] and then deleted.

use rusqlite::params;

use crate::ble::ExposurePayload;
use crate::ids::{
    AssociatedEncryptedMetadata, KEY_LENGTH, METADATA_LENGTH, RollingProximityIdentifier,
};
use crate::storage::Database;
use crate::{Error, Result};

/// How many days sightings are kept (Cryptography Specification v1.2: identifiers heard are kept
/// for 14 days, the longest a diagnosis key can be relevant).
pub const SIGHTING_RETENTION_DAYS: u64 = 14;

/// Seconds in a day.
const SECONDS_PER_DAY: u64 = 86_400;

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

/// Where the phone keeps what it heard.
pub trait SightingStore: Send {
    /// Records one batch durably and atomically: after an error nothing of it is stored.
    fn record(&mut self, batch: &ScanBatch) -> Result<()>;

    /// Every scan that started in `from..until` (Unix seconds), oldest first, with its sightings.
    fn scans(&mut self, from: u64, until: u64) -> Result<Vec<Scan>>;

    /// Deletes scans (and their sightings) that started before `cutoff`; returns how many scans.
    fn delete_before(&mut self, cutoff: u64) -> Result<usize>;
}

/// The cutoff for [`SightingStore::delete_before`] at `now`: [`SIGHTING_RETENTION_DAYS`] ago.
pub fn retention_cutoff(now: u64) -> u64 {
    now.saturating_sub(SIGHTING_RETENTION_DAYS * SECONDS_PER_DAY)
}

/// Sightings kept in the phone's SQLite [`Database`].
#[derive(Debug)]
pub struct SqliteSightingStore {
    database: Database,
}

impl SqliteSightingStore {
    /// Keeps sightings in `database`.
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    fn record_batch(&mut self, batch: &ScanBatch) -> rusqlite::Result<()> {
        let transaction = self.database.connection().transaction()?;
        {
            // A scan seen again (a later batch of the same scan) keeps its first start time.
            transaction
                .prepare_cached(
                    "INSERT INTO scans (scan_id, started_at) VALUES (?1, ?2)
                     ON CONFLICT (scan_id) DO UPDATE SET started_at = min(started_at, excluded.started_at)",
                )?
                .execute(params![id_to_sql(batch.scan_id), time_to_sql(batch.started_at)])?;
            let mut insert = transaction.prepare_cached(
                "INSERT INTO sightings (scan_id, rpi, aem, rssi, seen_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for sighting in &batch.sightings {
                insert.execute(params![
                    id_to_sql(batch.scan_id),
                    &sighting.payload.rpi.as_bytes()[..],
                    &sighting.payload.aem.as_bytes()[..],
                    sighting.rssi_dbm,
                    time_to_sql(sighting.seen_at),
                ])?;
            }
        }
        transaction.commit()
    }

    fn load_scans(&mut self, from: u64, until: u64) -> rusqlite::Result<Vec<Scan>> {
        let connection = self.database.connection();
        let mut scans: Vec<Scan> = connection
            .prepare_cached(
                "SELECT scan_id, started_at FROM scans
                 WHERE started_at >= ?1 AND started_at < ?2 ORDER BY started_at, scan_id",
            )?
            .query_map(params![time_to_sql(from), time_to_sql(until)], |row| {
                Ok(Scan {
                    scan_id: id_from_sql(row.get(0)?),
                    started_at: time_from_sql(row.get(1)?),
                    sightings: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let index: std::collections::HashMap<u64, usize> = scans
            .iter()
            .enumerate()
            .map(|(at, scan)| (scan.scan_id, at))
            .collect();
        let mut statement = connection.prepare_cached(
            "SELECT s.scan_id, s.rpi, s.aem, s.rssi, s.seen_at FROM sightings s
             JOIN scans c ON c.scan_id = s.scan_id
             WHERE c.started_at >= ?1 AND c.started_at < ?2 ORDER BY s.id",
        )?;
        let mut rows = statement.query(params![time_to_sql(from), time_to_sql(until)])?;
        while let Some(row) = rows.next()? {
            let scan_id: u64 = id_from_sql(row.get(0)?);
            let rpi: [u8; KEY_LENGTH] = row.get(1)?;
            let aem: [u8; METADATA_LENGTH] = row.get(2)?;
            let sighting = Sighting {
                payload: ExposurePayload::new(
                    RollingProximityIdentifier::from_bytes(rpi),
                    AssociatedEncryptedMetadata::from_bytes(aem),
                ),
                rssi_dbm: row.get(3)?,
                seen_at: time_from_sql(row.get(4)?),
            };
            if let Some(&at) = index.get(&scan_id) {
                scans[at].sightings.push(sighting);
            }
        }
        Ok(scans)
    }
}

impl SightingStore for SqliteSightingStore {
    fn record(&mut self, batch: &ScanBatch) -> Result<()> {
        self.record_batch(batch)
            .map_err(|error| self.database.error(error))
    }

    fn scans(&mut self, from: u64, until: u64) -> Result<Vec<Scan>> {
        self.load_scans(from, until)
            .map_err(|error| self.database.error(error))
    }

    fn delete_before(&mut self, cutoff: u64) -> Result<usize> {
        // Sightings go with their scan (ON DELETE CASCADE).
        self.database
            .connection()
            .execute(
                "DELETE FROM scans WHERE started_at < ?1",
                [time_to_sql(cutoff)],
            )
            .map_err(|error| self.database.error(error))
    }
}

/// SQLite integers are signed: scan ids are stored bit-for-bit, so every `u64` id round-trips.
fn id_to_sql(id: u64) -> i64 {
    id as i64
}

fn id_from_sql(id: i64) -> u64 {
    id as u64
}

/// Times are clamped to `i64::MAX` seconds (far beyond any real time), so ranges stay ordered.
fn time_to_sql(seconds: u64) -> i64 {
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

fn time_from_sql(seconds: i64) -> u64 {
    u64::try_from(seconds).unwrap_or(0)
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

    #[test]
    fn batches_of_one_scan_are_grouped_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("phone.sqlite3");
        {
            let mut store = SqliteSightingStore::new(Database::open(&path).unwrap());
            store
                .record(&ScanBatch {
                    scan_id: 7,
                    started_at: 1_000,
                    sightings: (0..300)
                        .map(|i| sighting((i % 250) as u8, -60, 1_001))
                        .collect(),
                })
                .unwrap();
            store
                .record(&ScanBatch {
                    scan_id: 7,
                    started_at: 1_002,
                    sightings: vec![sighting(9, -70, 1_003)],
                })
                .unwrap();
            store
                .record(&ScanBatch {
                    scan_id: 8,
                    started_at: 1_240,
                    sightings: vec![],
                })
                .unwrap();
        }
        let mut store = SqliteSightingStore::new(Database::open(&path).unwrap());
        let scans = store.scans(0, u64::MAX).unwrap();
        assert_eq!(scans.len(), 2);
        assert_eq!(
            (
                scans[0].scan_id,
                scans[0].started_at,
                scans[0].sightings.len()
            ),
            (7, 1_000, 301)
        );
        assert_eq!(scans[0].sightings[300], sighting(9, -70, 1_003));
        assert_eq!((scans[1].scan_id, scans[1].sightings.len()), (8, 0));
        assert_eq!(store.scans(1_100, 2_000).unwrap().len(), 1);
    }

    #[test]
    fn retention_deletes_old_scans_with_their_sightings() {
        let mut store = SqliteSightingStore::new(Database::open_in_memory().unwrap());
        let now = 100 * SECONDS_PER_DAY;
        let cutoff = retention_cutoff(now);
        assert_eq!(cutoff, 86 * SECONDS_PER_DAY);
        store
            .record(&ScanBatch {
                scan_id: 1,
                started_at: cutoff - 1,
                sightings: vec![sighting(1, -50, cutoff - 1)],
            })
            .unwrap();
        store
            .record(&ScanBatch {
                scan_id: 2,
                started_at: cutoff,
                sightings: vec![sighting(2, -50, cutoff)],
            })
            .unwrap();
        assert_eq!(store.delete_before(cutoff).unwrap(), 1);
        let scans = store.scans(0, u64::MAX).unwrap();
        assert_eq!(scans.len(), 1);
        assert_eq!(scans[0].scan_id, 2);
        let orphans: i64 = store
            .database
            .connection()
            .query_row(
                "SELECT count(*) FROM sightings WHERE scan_id = 1",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0);
    }

    #[test]
    fn a_batch_that_fails_midway_stores_nothing_and_keeps_earlier_batches() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("phone.sqlite3");
        let mut store = SqliteSightingStore::new(Database::open(&path).unwrap());
        store
            .record(&ScanBatch {
                scan_id: 1,
                started_at: 10,
                sightings: vec![sighting(1, -50, 11)],
            })
            .unwrap();
        // Make the 150th row of the next batch fail, as a full disk or a crash would.
        store
            .database
            .connection()
            .execute_batch(
                "CREATE TEMP TRIGGER fail_midway BEFORE INSERT ON sightings
                 WHEN NEW.rpi = zeroblob(16) BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;",
            )
            .unwrap();
        let mut sightings: Vec<Sighting> = (1..=300)
            .map(|i| sighting((i % 200 + 1) as u8, -60, 20))
            .collect();
        sightings[149] = sighting(0, -60, 20);
        let error = store
            .record(&ScanBatch {
                scan_id: 2,
                started_at: 20,
                sightings,
            })
            .unwrap_err();
        assert!(error.to_string().contains("simulated failure"), "{error}");
        drop(store);
        let mut store = SqliteSightingStore::new(Database::open(&path).unwrap());
        let scans = store.scans(0, u64::MAX).unwrap();
        assert_eq!(scans.len(), 1, "the failed batch left no scan behind");
        assert_eq!(scans[0].sightings, vec![sighting(1, -50, 11)]);
    }
}
