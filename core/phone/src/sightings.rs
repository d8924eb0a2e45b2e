//! The phone's record of what it heard: [`Scan`]s and their [`Sighting`]s in its SQLite file.
//!
//! Each [`ScanBatch`] is written in one transaction, so a crash between two batches loses at most
//! the batch in flight. Scans are deleted with their sightings once older than
//! [`mimamori_gaen::encounter::SIGHTING_RETENTION_DAYS`] ([`retention_cutoff`]).

use mimamori_gaen::encounter::{Scan, ScanBatch, Sighting};
use mimamori_gaen::ids::{KEY_LENGTH, METADATA_LENGTH};
use mimamori_gaen::{AssociatedEncryptedMetadata, ExposurePayload, RollingProximityIdentifier};
use rusqlite::params;

pub use mimamori_gaen::encounter::retention_cutoff;

use crate::Result;
use crate::storage::{Database, from_sql, to_sql};

/// Where the phone keeps what it heard.
pub trait SightingStore: Send {
    /// Records one batch durably and atomically: after an error nothing of it is stored.
    fn record(&mut self, batch: &ScanBatch) -> Result<()>;

    /// Every scan that started in `from..until` (Unix seconds), oldest first, with its sightings.
    fn scans(&mut self, from: u64, until: u64) -> Result<Vec<Scan>>;

    /// Deletes scans (and their sightings) that started before `cutoff`; returns how many scans.
    fn delete_before(&mut self, cutoff: u64) -> Result<usize>;
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

    /// The largest scan identifier stored, if any: a radio loop opened again numbers its scans
    /// after it, so a new scan never joins an old one.
    pub fn last_scan_id(&mut self) -> Result<Option<u64>> {
        self.database
            .connection()
            .query_row("SELECT max(scan_id) FROM scans", [], |row| {
                row.get::<_, Option<i64>>(0)
            })
            .map(|id| id.map(id_from_sql))
            .map_err(|error| self.database.error(error))
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
                .execute(params![id_to_sql(batch.scan_id), to_sql(batch.started_at)])?;
            let mut insert = transaction.prepare_cached(
                "INSERT INTO sightings (scan_id, rpi, aem, rssi, seen_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for sighting in &batch.sightings {
                insert.execute(params![
                    id_to_sql(batch.scan_id),
                    &sighting.payload().rpi.as_bytes()[..],
                    &sighting.payload().aem.as_bytes()[..],
                    sighting.rssi_dbm(),
                    to_sql(sighting.seen_at()),
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
            .query_map(params![to_sql(from), to_sql(until)], |row| {
                Ok(Scan {
                    scan_id: id_from_sql(row.get(0)?),
                    started_at: from_sql(row.get(1)?),
                    sightings: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let index: std::collections::HashMap<u64, usize> = scans
            .iter()
            .enumerate()
            .map(|(at, scan)| (scan.scan_id, at))
            .collect();
        // In the order recorded, and only those of the scans above. Read straight through the
        // table in rowid order (NOT INDEXED), each row's scan checked against a temporary index
        // of the scans' ids: the table holds about the 14 days read anyway (older rows are
        // purged), and the planner's choice (looking up each scan's sightings by index, then
        // sorting them all) did more work for the same rows in the same order.
        let mut statement = connection.prepare_cached(
            "SELECT scan_id, rpi, aem, rssi, seen_at FROM sightings NOT INDEXED
             WHERE scan_id IN (SELECT scan_id FROM scans WHERE started_at >= ?1 AND started_at < ?2)
             ORDER BY id",
        )?;
        let mut rows = statement.query(params![to_sql(from), to_sql(until)])?;
        while let Some(row) = rows.next()? {
            let scan_id: u64 = id_from_sql(row.get(0)?);
            let rpi: [u8; KEY_LENGTH] = row.get(1)?;
            let aem: [u8; METADATA_LENGTH] = row.get(2)?;
            let rssi_dbm: i8 = row.get(3)?;
            // Stored RSSIs were checked when recorded; one out of range means a damaged file.
            let sighting = Sighting::new(
                ExposurePayload::new(
                    RollingProximityIdentifier::from_bytes(rpi),
                    AssociatedEncryptedMetadata::from_bytes(aem),
                ),
                i16::from(rssi_dbm),
                from_sql(row.get(4)?),
            )
            .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(3, i64::from(rssi_dbm)))?;
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
            .execute("DELETE FROM scans WHERE started_at < ?1", [to_sql(cutoff)])
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

#[cfg(test)]
mod tests {
    use super::*;
    use mimamori_gaen::encounter::SECONDS_PER_DAY;
    use mimamori_gaen::{AssociatedEncryptedMetadata, ExposurePayload, RollingProximityIdentifier};

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
