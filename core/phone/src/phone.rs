//! The phone: everything one resident's device does, over one data directory.
//!
//! [`Phone`] ties the pieces together: the key schedule (what to broadcast), the sightings store
//! (what was heard), matching of downloaded diagnosis keys, the stored exposure windows, and
//! COCOA's rule over them. The platform layer (the FFI crate, the CLI) only converts arguments.
//!
//! Retention: keys, sightings, exposure windows and venue visits older than 14 days are deleted
//! when the phone opens and at most every [`PURGE_INTERVAL_SECONDS`] while it records scans.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::params;

use crate::keys::SqliteTekStore;
use crate::schedule::KeySchedule;
use crate::sightings::{SightingStore, SqliteSightingStore, retention_cutoff};
use crate::storage::{Database, from_sql, to_sql};
use crate::venue_book::VenueBook;
use crate::{Error, Result};
use mimamori_environment::{Clock, RandomSource};
use mimamori_gaen::calibration::DeviceCalibration;
use mimamori_gaen::encounter::ScanBatch;
use mimamori_gaen::export::{ExportFile, ExportPublicKey};
use mimamori_gaen::matching::{DiagnosisKey, KeyMatches, MATCH_TOLERANCE_INTERVALS, SightingIndex};
use mimamori_gaen::risk::{DayRisk, ExposureConfiguration, ExposureNotice, RiskRules, assess_days};
use mimamori_gaen::windows::ExposureWindow;

/// The phone's database file inside its data directory.
pub const DATABASE_FILE_NAME: &str = "mimamori.sqlite3";

/// How often, at most, recording a scan also deletes data past retention, in seconds.
pub const PURGE_INTERVAL_SECONDS: u64 = 3_600;

/// How long the mark of a matched export file is kept, in seconds: 28 days, twice the 14 days a
/// diagnosis server lists a file (exposure-notifications-server's retention), so no file is still
/// listed when its mark goes. Marks keep a file from being matched (and downloaded) twice.
pub const PROCESSED_EXPORT_RETENTION_SECONDS: u64 = 28 * 86_400;

/// How many rows a purge deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Temporary exposure keys deleted.
    pub keys: usize,
    /// Scans deleted (with their sightings).
    pub scans: usize,
    /// Exposure windows deleted.
    pub windows: usize,
    /// Venue visits deleted (with the notices found for them).
    pub visits: usize,
    /// Marks of export files matched more than [`PROCESSED_EXPORT_RETENTION_SECONDS`] ago.
    pub processed_exports: usize,
}

/// One resident's phone.
pub struct Phone {
    schedule: KeySchedule,
    sightings: SqliteSightingStore,
    windows: Database,
    calibration: DeviceCalibration,
    configuration: ExposureConfiguration,
    rules: RiskRules,
    clock: Arc<dyn Clock>,
    last_purge: u64,
    data_dir: PathBuf,
    venues: VenueBook,
}

impl Phone {
    /// Opens the phone in `data_dir` (created if missing) with this device's calibration,
    /// COCOA's risk configuration, and purges data past retention.
    pub fn open(
        data_dir: impl AsRef<Path>,
        calibration: DeviceCalibration,
        clock: Arc<dyn Clock>,
        random: Box<dyn RandomSource>,
    ) -> Result<Self> {
        let data_dir = data_dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&data_dir).map_err(|cause| Error::Io {
            path: data_dir.clone(),
            cause,
        })?;
        let path = data_dir.join(DATABASE_FILE_NAME);
        let keys = SqliteTekStore::new(Database::open(&path)?);
        let schedule = KeySchedule::open(
            Box::new(keys),
            clock.clone(),
            random,
            calibration.metadata(),
        )?;
        let mut phone = Self {
            schedule,
            sightings: SqliteSightingStore::new(Database::open(&path)?),
            windows: Database::open(&path)?,
            calibration,
            configuration: ExposureConfiguration::cocoa(),
            rules: RiskRules::cocoa(),
            clock: clock.clone(),
            last_purge: 0,
            data_dir,
            venues: VenueBook::new(Database::open(&path)?, clock),
        };
        phone.purge()?;
        Ok(phone)
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The time on this phone's clock, in Unix seconds.
    pub fn now_unix_seconds(&self) -> u64 {
        self.clock.now_unix_seconds()
    }

    /// The venue check-ins kept on this phone (consent, visits, notices found).
    pub fn venues(&mut self) -> &mut VenueBook {
        &mut self.venues
    }

    /// The key schedule: what to broadcast, rotation, keys for upload.
    pub fn schedule(&mut self) -> &mut KeySchedule {
        &mut self.schedule
    }

    /// This device's calibration.
    pub fn calibration(&self) -> DeviceCalibration {
        self.calibration
    }

    /// Changes this device's calibration: the RSSI correction applies to the next matching, the
    /// TX power and confidence to the next broadcast.
    pub fn set_calibration(&mut self, calibration: DeviceCalibration) {
        self.calibration = calibration;
        self.schedule.set_metadata(calibration.metadata());
    }

    /// Replaces the risk configuration (COCOA's `configuration.json` and
    /// `risk_calculation_configuration.json` by default).
    pub fn set_risk_configuration(
        &mut self,
        configuration: ExposureConfiguration,
        rules: RiskRules,
    ) {
        self.configuration = configuration;
        self.rules = rules;
    }

    /// Records one batch of a scan (atomically), and purges if a purge is due.
    pub fn record_scan(&mut self, batch: &ScanBatch) -> Result<()> {
        self.sightings.record(batch)?;
        if self
            .clock
            .now_unix_seconds()
            .saturating_sub(self.last_purge)
            >= PURGE_INTERVAL_SECONDS
        {
            self.purge()?;
        }
        Ok(())
    }

    /// Records one batch of a scan atomically, and nothing else: unlike
    /// [`record_scan`](Self::record_scan) it never purges, so an error always means the batch was
    /// not stored and can be recorded again. The radio loop uses it and purges on its own
    /// schedule.
    pub fn record_batch(&mut self, batch: &ScanBatch) -> Result<()> {
        self.sightings.record(batch)
    }

    /// The largest scan identifier recorded, if any (the radio loop numbers new scans after it).
    pub fn last_scan_id(&mut self) -> Result<Option<u64>> {
        self.sightings.last_scan_id()
    }

    /// Deletes keys, scans, windows, venue visits and export marks past retention.
    pub fn purge(&mut self) -> Result<PurgeReport> {
        let now = self.clock.now_unix_seconds();
        let cutoff = retention_cutoff(now);
        let report = PurgeReport {
            keys: self.schedule.purge()?,
            scans: self.sightings.delete_before(cutoff)?,
            windows: self
                .windows
                .connection()
                .execute(
                    "DELETE FROM exposure_windows WHERE date_millis < ?1",
                    [to_sql(cutoff / 86_400 * 86_400_000)],
                )
                .map_err(|error| self.windows.error(error))?,
            visits: self.venues.purge(now)?,
            processed_exports: self
                .windows
                .connection()
                .execute(
                    "DELETE FROM processed_exports WHERE processed_at < ?1",
                    [to_sql(
                        now.saturating_sub(PROCESSED_EXPORT_RETENTION_SECONDS),
                    )],
                )
                .map_err(|error| self.windows.error(error))?,
        };
        self.last_purge = now;
        Ok(report)
    }

    /// Matches diagnosis keys against the last 14 days of sightings and stores the exposure
    /// windows found. Matching the same keys again adds nothing. Returns the number of new windows.
    pub fn match_keys(&mut self, keys: &[DiagnosisKey]) -> Result<usize> {
        let matches = self.find_matches(keys.iter().cloned().map(Ok))?;
        self.store_windows(&windows_by_key(matches.matched), None)
    }

    /// Matches keys against the last 14 days of sightings (and the ±2 h tolerance ahead of now)
    /// on all cores.
    fn find_matches<I>(&mut self, keys: I) -> Result<KeyMatches>
    where
        I: IntoIterator<Item = mimamori_gaen::Result<DiagnosisKey>>,
    {
        let index = self.sighting_index()?;
        self.find_matches_in(&index, keys)
    }

    /// Matches keys against `index` on all cores.
    fn find_matches_in<I>(&self, index: &SightingIndex, keys: I) -> Result<KeyMatches>
    where
        I: IntoIterator<Item = mimamori_gaen::Result<DiagnosisKey>>,
    {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(index.match_keys(
            keys,
            &self.calibration,
            &self.configuration.mapping,
            threads,
        )?)
    }

    /// The sightings matching looks at, indexed: the last 14 days (and the ±2 h tolerance ahead
    /// of now). Reading them from the database and indexing them is the fixed cost of matching;
    /// to match several export files, build this once and pass it to
    /// [`match_export_file_with`](Self::match_export_file_with) for each ([`crate::sync`] does).
    /// It is a snapshot: scans recorded afterwards are not in it.
    pub fn sighting_index(&mut self) -> Result<SightingIndex> {
        let now = self.clock.now_unix_seconds();
        let tolerance = u64::from(MATCH_TOLERANCE_INTERVALS) * mimamori_gaen::ids::INTERVAL_SECONDS;
        let scans = self
            .sightings
            .scans(retention_cutoff(now), now.saturating_add(tolerance))?;
        Ok(SightingIndex::new(&scans))
    }

    /// Matches the keys of one downloaded export file, once: a file already matched (same
    /// `source`, e.g. the server's URL or region, and `name`) is skipped and `None` returned.
    ///
    /// `keys` streams the file's keys; `verify` runs after the last key (when the file's digest is
    /// known) and must return an error for a file that fails its signature check. Only when it
    /// succeeds are the windows found and the "processed" mark stored, in one transaction: a crash
    /// or a bad file midway stores nothing (the file is simply matched again next time), and a
    /// file is never counted twice.
    pub fn match_export<I, V>(
        &mut self,
        source: &str,
        name: &str,
        keys: I,
        verify: V,
    ) -> Result<Option<ExportMatchReport>>
    where
        I: IntoIterator<Item = mimamori_gaen::Result<DiagnosisKey>>,
        V: FnOnce() -> Result<()>,
    {
        if self.is_processed(source, name)? {
            return Ok(None);
        }
        let index = self.sighting_index()?;
        self.match_unprocessed_export(&index, source, name, keys, verify)
            .map(Some)
    }

    /// Matches the keys of a file known not to be processed against `index`, then verifies it
    /// and stores its windows and mark in one transaction (see [`match_export`](Self::match_export)).
    fn match_unprocessed_export<I, V>(
        &mut self,
        index: &SightingIndex,
        source: &str,
        name: &str,
        keys: I,
        verify: V,
    ) -> Result<ExportMatchReport>
    where
        I: IntoIterator<Item = mimamori_gaen::Result<DiagnosisKey>>,
        V: FnOnce() -> Result<()>,
    {
        let matches = self.find_matches_in(index, keys)?;
        verify()?;
        let found = windows_by_key(matches.matched);
        let report = ExportMatchReport {
            keys: matches.keys_checked,
            matched_keys: found
                .iter()
                .map(|(key, _)| key)
                .collect::<std::collections::HashSet<_>>()
                .len(),
            new_windows: 0,
        };
        let new_windows = self.store_windows(&found, Some((source, name, report.keys)))?;
        Ok(ExportMatchReport {
            new_windows,
            ..report
        })
    }

    /// [`match_export`](Self::match_export) for a downloaded file on disk (`.zip`, or `.bin` with
    /// its `.sig`): the file counts only when one of its signatures verifies with one of
    /// `public_keys`; otherwise nothing is stored and the error says so.
    pub fn match_export_file(
        &mut self,
        source: &str,
        name: &str,
        path: &Path,
        public_keys: &[ExportPublicKey],
    ) -> Result<Option<ExportMatchReport>> {
        if self.is_processed(source, name)? {
            return Ok(None);
        }
        let index = self.sighting_index()?;
        self.match_export_file_with(&index, source, name, path, public_keys)
    }

    /// [`match_export_file`](Self::match_export_file) against sightings already indexed with
    /// [`sighting_index`](Self::sighting_index): several files matched in a row (a sync, a
    /// folder of files) read and index the sightings once.
    pub fn match_export_file_with(
        &mut self,
        index: &SightingIndex,
        source: &str,
        name: &str,
        path: &Path,
        public_keys: &[ExportPublicKey],
    ) -> Result<Option<ExportMatchReport>> {
        if self.is_processed(source, name)? {
            return Ok(None);
        }
        let mut file = ExportFile::open(path)?;
        let keys = file.keys()?.into_verified_keys(public_keys);
        self.match_unprocessed_export(index, source, name, keys, || Ok(()))
            .map(Some)
    }

    /// Whether the export file `name` from `source` has been matched.
    pub fn is_processed(&mut self, source: &str, name: &str) -> Result<bool> {
        self.windows
            .connection()
            .prepare_cached(
                "SELECT count(*) FROM processed_exports WHERE source = ?1 AND name = ?2",
            )
            .and_then(|mut statement| {
                statement.query_row(params![source, name], |row| row.get::<_, i64>(0))
            })
            .map(|count| count > 0)
            .map_err(|error| self.windows.error(error))
    }

    /// How far the export list of `source` (a server and region) has been synced: the `created`
    /// time (Unix milliseconds) up to which every listed file has been matched, if any.
    pub fn sync_progress(&mut self, source: &str) -> Result<Option<u64>> {
        self.windows
            .connection()
            .prepare_cached("SELECT last_created FROM sync_progress WHERE source = ?1")
            .and_then(|mut statement| {
                statement
                    .query_row([source], |row| row.get::<_, i64>(0))
                    .map(Some)
                    .or_else(|error| match error {
                        rusqlite::Error::QueryReturnedNoRows => Ok(None),
                        error => Err(error),
                    })
            })
            .map(|created| created.map(from_sql))
            .map_err(|error| self.windows.error(error))
    }

    /// Records that every file of `source`'s list created up to `created` (Unix milliseconds)
    /// has been matched. Progress only moves forward: an older time is ignored.
    pub fn advance_sync_progress(&mut self, source: &str, created: u64) -> Result<()> {
        let now = to_sql(self.clock.now_unix_seconds());
        self.windows
            .connection()
            .execute(
                "INSERT INTO sync_progress (source, last_created, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (source) DO UPDATE SET
                     last_created = max(last_created, excluded.last_created),
                     updated_at = excluded.updated_at",
                params![source, to_sql(created), now],
            )
            .map(|_| ())
            .map_err(|error| self.windows.error(error))
    }

    /// The stored exposure windows of the last 14 days, oldest first.
    pub fn exposure_windows(&mut self) -> Result<Vec<ExposureWindow>> {
        let cutoff = retention_cutoff(self.clock.now_unix_seconds()) / 86_400 * 86_400_000;
        let rows: rusqlite::Result<Vec<String>> = (|| {
            let mut statement = self.windows.connection().prepare_cached(
                "SELECT window_json FROM exposure_windows WHERE date_millis >= ?1 ORDER BY date_millis, id",
            )?;
            let rows = statement.query_map([to_sql(cutoff)], |row| row.get(0))?;
            rows.collect()
        })();
        let rows = rows.map_err(|error| self.windows.error(error))?;
        rows.iter()
            .map(|json| {
                serde_json::from_str(json).map_err(|_| Error::CorruptDatabase {
                    path: self.windows.path().to_path_buf(),
                })
            })
            .collect()
    }

    /// COCOA's verdict for every day with an exposure window in the last 14 days.
    pub fn risk(&mut self) -> Result<Vec<DayRisk>> {
        let windows = self.exposure_windows()?;
        let today =
            mimamori_gaen::ids::IntervalNumber::from_unix_seconds(self.clock.now_unix_seconds())
                .utc_date();
        Ok(assess_days(
            &windows,
            &self.configuration,
            &self.rules,
            today,
        ))
    }

    /// What the resident is told: the days with a high-risk contact.
    pub fn notice(&mut self) -> Result<ExposureNotice> {
        Ok(ExposureNotice::from_days(&self.risk()?))
    }

    /// Stores windows (ignoring ones already stored) and, when given, marks an export file as
    /// processed, all in one transaction.
    fn store_windows(
        &mut self,
        windows: &[(Vec<u8>, ExposureWindow)],
        processed: Option<(&str, &str, u64)>,
    ) -> Result<usize> {
        let now = to_sql(self.clock.now_unix_seconds());
        let result: rusqlite::Result<usize> = (|| {
            let transaction = self.windows.connection().transaction()?;
            let mut added = 0;
            {
                let mut insert = transaction.prepare_cached(
                    "INSERT OR IGNORE INTO exposure_windows (key_data, date_millis, window_json)
                     VALUES (?1, ?2, ?3)",
                )?;
                for (key, window) in windows {
                    // Serialising a window of plain numbers cannot fail.
                    let json = serde_json::to_string(window).unwrap_or_default();
                    added += insert.execute(params![
                        key,
                        to_sql(window.date_millis_since_epoch),
                        json
                    ])?;
                }
            }
            if let Some((source, name, keys)) = processed {
                transaction.execute(
                    "INSERT INTO processed_exports (source, name, processed_at, keys, windows)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![source, name, now, to_sql(keys), to_sql(added as u64)],
                )?;
            }
            transaction.commit()?;
            Ok(added)
        })();
        result.map_err(|error| self.windows.error(error))
    }
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Phone")
            .field("data_dir", &self.data_dir)
            .field("schedule", &self.schedule)
            .field("calibration", &self.calibration)
            .finish_non_exhaustive()
    }
}

/// What matching one export file found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportMatchReport {
    /// Keys in the file.
    pub keys: u64,
    /// Keys that were heard and have at least one exposure window.
    pub matched_keys: usize,
    /// Exposure windows stored that were not stored before.
    pub new_windows: usize,
}

/// Flattens matched keys into (key bytes, window) rows.
fn windows_by_key(
    matched: Vec<mimamori_gaen::matching::MatchedKey>,
) -> Vec<(Vec<u8>, ExposureWindow)> {
    matched
        .into_iter()
        .flat_map(|matched| {
            let key = matched.key.key.as_bytes().to_vec();
            matched
                .windows
                .into_iter()
                .map(move |window| (key.clone(), window))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::testing::{Hearing, diagnosis_keys, meet, met, open_phone as phone};
    use mimamori_environment::{FixedClock, SeededRandom};

    /// 2020-04-02 09:00 UTC.
    const MORNING: u64 = 1_585_785_600 + 9 * 3_600;

    /// Phones A and B in `dir`; B spends `minutes` near A this morning; the next day A uploads
    /// the key of the meeting day.
    fn met_yesterday(
        dir: &Path,
        clock: &FixedClock,
        minutes: u64,
    ) -> (Phone, Phone, Vec<DiagnosisKey>) {
        let (mut a, b) = met(dir, clock, minutes);
        clock.advance(86_400);
        let keys = diagnosis_keys(&mut a, date!(2020 - 04 - 02), date!(2020 - 04 - 02));
        (a, b, keys)
    }

    #[test]
    fn a_close_long_contact_is_flagged_for_its_day_only() {
        let dir = tempfile::tempdir().unwrap();
        let clock = FixedClock::new(MORNING);
        let mut a = phone(&dir.path().join("a"), &clock, 1);
        let mut b = phone(&dir.path().join("b"), &clock, 2);
        let mut c = phone(&dir.path().join("c"), &clock, 3);
        let mut scan_id = 0;
        // A sends TX power -23 dBm; B and C correct RSSI by +4 dB. B sits near A (-82 dBm:
        // 55 dB attenuation, "near") for 24 minutes; C is as long but far (-95 dBm: 68 dB, "other").
        meet(
            &mut a,
            &mut b,
            Hearing::OneWay,
            &clock,
            24,
            -82,
            &mut scan_id,
        );
        clock.advance(600);
        meet(
            &mut a,
            &mut c,
            Hearing::OneWay,
            &clock,
            24,
            -95,
            &mut scan_id,
        );
        // The next day A tests positive and uploads yesterday's key.
        clock.advance(86_400);
        let keys = diagnosis_keys(&mut a, date!(2020 - 04 - 01), date!(2020 - 04 - 03));
        assert_eq!(keys.len(), 1);
        assert!(b.match_keys(&keys).unwrap() > 0);
        assert_eq!(
            b.match_keys(&keys).unwrap(),
            0,
            "matching again adds nothing"
        );
        let days = b.risk().unwrap();
        assert_eq!(days.len(), 1);
        assert_eq!(days[0].date, date!(2020 - 04 - 02));
        assert!(days[0].high_risk, "{days:?}");
        assert_eq!(
            b.notice().unwrap().high_risk_days,
            vec![date!(2020 - 04 - 02)]
        );

        c.match_keys(&keys).unwrap();
        let days = c.risk().unwrap();
        assert_eq!(days.len(), 1, "C heard A");
        assert!(!days[0].high_risk, "but not close: {days:?}");
        assert!(c.notice().unwrap().high_risk_days.is_empty());
    }

    #[test]
    fn a_short_contact_is_not_flagged_and_everything_expires_after_14_days() {
        let dir = tempfile::tempdir().unwrap();
        let clock = FixedClock::new(MORNING);
        let (_a, mut b, keys) = met_yesterday(dir.path(), &clock, 8);
        b.match_keys(&keys).unwrap();
        let days = b.risk().unwrap();
        assert!(!days[0].high_risk, "8 minutes is not 15: {days:?}");

        // Reopening after 15 days purges sightings, windows and keys.
        drop(b);
        clock.advance(15 * 86_400);
        let mut b = phone(&dir.path().join("b"), &clock, 2);
        assert!(b.risk().unwrap().is_empty());
        assert_eq!(b.match_keys(&keys).unwrap(), 0, "the sightings are gone");
        assert!(b.schedule().keys().is_empty());
    }

    #[test]
    fn an_export_file_is_matched_once_and_a_failure_midway_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let clock = FixedClock::new(MORNING);
        let (_a, mut b, keys) = met_yesterday(dir.path(), &clock, 24);
        let stream = || keys.iter().cloned().map(Ok);

        // A signature that does not verify: nothing is stored, the file is not marked.
        let error = b
            .match_export("jp", "1.zip", stream(), || {
                Err(mimamori_gaen::Error::InvalidRiskInput("bad signature".into()).into())
            })
            .unwrap_err();
        assert!(error.to_string().contains("bad signature"));
        assert!(b.risk().unwrap().is_empty());
        assert!(!b.is_processed("jp", "1.zip").unwrap());

        // A file that breaks off midway: likewise.
        let broken = stream().chain(std::iter::once(Err(
            mimamori_gaen::Error::InvalidRollingPeriod(0),
        )));
        assert!(b.match_export("jp", "1.zip", broken, || Ok(())).is_err());
        assert!(b.risk().unwrap().is_empty());

        // Matched once...
        let report = b
            .match_export("jp", "1.zip", stream(), || Ok(()))
            .unwrap()
            .unwrap();
        assert_eq!((report.keys, report.matched_keys), (1, 1));
        assert!(report.new_windows > 0);
        assert!(b.is_processed("jp", "1.zip").unwrap());
        // ...and never again, even after reopening.
        drop(b);
        let mut b = phone(&dir.path().join("b"), &clock, 2);
        assert_eq!(
            b.match_export("jp", "1.zip", stream(), || panic!("not read again"))
                .unwrap(),
            None
        );
        assert_eq!(b.exposure_windows().unwrap().len(), report.new_windows);
        // The same keys in another file add no windows.
        let again = b
            .match_export("jp", "2.zip", stream(), || Ok(()))
            .unwrap()
            .unwrap();
        assert_eq!(again.new_windows, 0);
        assert!(b.risk().unwrap()[0].high_risk);
    }

    #[test]
    fn a_signed_export_file_is_matched_and_an_unsigned_one_refused() {
        use mimamori_gaen::export::{ExportHeader, ExportKey, ExportSigningKey, ExportWriter};
        let dir = tempfile::tempdir().unwrap();
        let clock = FixedClock::new(MORNING);
        let (_a, mut b, keys) = met_yesterday(dir.path(), &clock, 24);
        let keys: Vec<ExportKey> = keys.into_iter().map(ExportKey::new).collect();
        let signer = ExportSigningKey::generate(&mut SeededRandom::new(5), "440", "v1").unwrap();
        let header = ExportHeader {
            start_timestamp: MORNING,
            end_timestamp: MORNING + 3_600,
            region: "JP".into(),
            batch_num: 1,
            batch_size: 1,
        };
        let zip = dir.path().join("1.zip");
        std::fs::write(
            &zip,
            ExportWriter::new(header.clone(), std::slice::from_ref(&signer))
                .to_zip(&keys)
                .unwrap(),
        )
        .unwrap();
        let unsigned = dir.path().join("2.zip");
        std::fs::write(
            &unsigned,
            ExportWriter::new(header, &[]).to_zip(&keys).unwrap(),
        )
        .unwrap();
        let public = [signer.public_key()];

        assert!(
            b.match_export_file("jp", "2.zip", &unsigned, &public)
                .is_err()
        );
        assert!(
            b.risk().unwrap().is_empty(),
            "nothing from an unsigned file"
        );
        let report = b
            .match_export_file("jp", "1.zip", &zip, &public)
            .unwrap()
            .unwrap();
        assert_eq!(report.matched_keys, 1);
        assert!(b.risk().unwrap()[0].high_risk);
        assert_eq!(
            b.match_export_file("jp", "1.zip", &zip, &public).unwrap(),
            None
        );
    }

    #[test]
    fn one_index_serves_several_files_as_matching_each_alone_would() {
        use mimamori_gaen::export::{ExportHeader, ExportKey, ExportSigningKey, ExportWriter};
        let dir = tempfile::tempdir().unwrap();
        let clock = FixedClock::new(MORNING);
        let (_a, mut b, keys) = met_yesterday(dir.path(), &clock, 24);
        let keys: Vec<ExportKey> = keys.into_iter().map(ExportKey::new).collect();
        let signer = ExportSigningKey::generate(&mut SeededRandom::new(5), "440", "v1").unwrap();
        let zip = dir.path().join("1.zip");
        let header = ExportHeader {
            start_timestamp: MORNING,
            end_timestamp: MORNING + 3_600,
            region: "JP".into(),
            batch_num: 1,
            batch_size: 1,
        };
        std::fs::write(
            &zip,
            ExportWriter::new(header, std::slice::from_ref(&signer))
                .to_zip(&keys)
                .unwrap(),
        )
        .unwrap();
        let public = [signer.public_key()];
        let index = b.sighting_index().unwrap();
        assert!(index.sighting_count() > 0);
        // The same file under two names, both against one index, then alone (its own index).
        let first = b
            .match_export_file_with(&index, "jp", "1.zip", &zip, &public)
            .unwrap()
            .unwrap();
        let second = b
            .match_export_file_with(&index, "jp", "1-again.zip", &zip, &public)
            .unwrap()
            .unwrap();
        let alone = b
            .match_export_file("jp", "1-alone.zip", &zip, &public)
            .unwrap()
            .unwrap();
        assert_eq!(first.matched_keys, 1);
        assert!(first.new_windows > 0);
        assert_eq!(
            (second.keys, second.matched_keys, second.new_windows),
            (first.keys, 1, 0),
            "the same windows, already stored"
        );
        assert_eq!(
            (alone.keys, alone.matched_keys, alone.new_windows),
            (first.keys, 1, 0)
        );
        // A file already matched is skipped with a prebuilt index too.
        assert_eq!(
            b.match_export_file_with(&index, "jp", "1.zip", &zip, &public)
                .unwrap(),
            None
        );
    }
}
