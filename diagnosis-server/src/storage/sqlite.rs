//! [`Storage`] on a SQLite file: the default, for one server on one machine.
//!
//! One connection behind a mutex, used from `spawn_blocking`: SQLite has one writer at a time
//! anyway, and a prefecture's upload rate is far below what one connection sustains. WAL journal
//! with `synchronous = FULL`, so a committed upload survives a crash or power loss.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use mimamori_api::v1::TestType;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::shared::{EXPOSURES_BETWEEN, ReadRow, export_file, exposure, read_row, sqlite};
use super::{
    CodeStatus, DailyStatistics, ExportBatch, ExportFileRecord, NewCode, RedeemOutcome,
    RetentionOutcome, Storage, StoredExposure, test_type_from_str,
};
use crate::staff_time::StaffZone;
use crate::{Error, Result};

/// Application id in the SQLite header: "MMDS" (Mimamori diagnosis server).
const APPLICATION_ID: i32 = 0x4D4D_4453;

/// The schema (version 1). Also the PostgreSQL schema, up to column types.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS api_keys (
    name TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS codes (
    id TEXT PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    test_type TEXT NOT NULL,
    symptom_date TEXT,
    test_date TEXT,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    redeemed_at INTEGER,
    expired_at INTEGER,
    issued_by TEXT
);
CREATE TABLE IF NOT EXISTS used_tokens (
    token_id TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS exposures (
    key BLOB PRIMARY KEY,
    rolling_start INTEGER NOT NULL,
    rolling_period INTEGER NOT NULL,
    transmission_risk INTEGER NOT NULL,
    report_type INTEGER NOT NULL,
    days_since_onset INTEGER,
    available_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS exposures_by_availability ON exposures (available_at);
CREATE TABLE IF NOT EXISTS export_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    start_time INTEGER NOT NULL UNIQUE,
    end_time INTEGER NOT NULL,
    status TEXT NOT NULL,
    claimed_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS export_files (
    object_name TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    batch_id INTEGER NOT NULL,
    batch_num INTEGER NOT NULL,
    batch_size INTEGER NOT NULL,
    key_count INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS verification_attempts (
    minute INTEGER PRIMARY KEY,
    attempts INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS daily_stats (
    day TEXT PRIMARY KEY,
    codes_issued INTEGER NOT NULL DEFAULT 0,
    codes_redeemed INTEGER NOT NULL DEFAULT 0,
    codes_expired INTEGER NOT NULL DEFAULT 0,
    uploads INTEGER NOT NULL DEFAULT 0,
    keys_published INTEGER NOT NULL DEFAULT 0,
    export_files INTEGER NOT NULL DEFAULT 0
);
";

/// A code's row, read before redeeming it.
pub(super) struct CodeRow {
    pub(super) test_type: String,
    pub(super) symptom_date: Option<String>,
    pub(super) test_date: Option<String>,
    pub(super) redeemed_at: Option<i64>,
    pub(super) expired_at: Option<i64>,
    pub(super) expires_at: i64,
}

impl CodeRow {
    /// The SQL (either backend) that reads a code's row by its hash, before redeeming it.
    pub(super) const BY_HASH: &str = "SELECT test_type, symptom_date, test_date, redeemed_at, \
         expired_at, expires_at FROM codes WHERE code_hash = $1";

    /// Reads the columns of [`Self::BY_HASH`].
    pub(super) fn read<R: ReadRow>(row: &R) -> std::result::Result<Self, R::Error> {
        read_row!(row => Self {
            test_type, symptom_date, test_date, redeemed_at, expired_at, expires_at
        })
    }

    /// The outcome when the code cannot be redeemed now; `None` when it can.
    pub(super) fn outcome(&self, accepted: &[TestType], now: i64) -> Result<Option<RedeemOutcome>> {
        Ok(if self.redeemed_at.is_some() {
            Some(RedeemOutcome::AlreadyUsed)
        } else if self.expired_at.is_some() || self.expires_at <= now {
            Some(RedeemOutcome::Expired)
        } else if !accepted.contains(&test_type_from_str(&self.test_type)?) {
            Some(RedeemOutcome::UnsupportedTestType)
        } else {
            None
        })
    }

    /// The outcome once it was redeemed.
    pub(super) fn redeemed(self) -> Result<RedeemOutcome> {
        Ok(RedeemOutcome::Redeemed {
            test_type: test_type_from_str(&self.test_type)?,
            symptom_date: self.symptom_date,
            test_date: self.test_date,
        })
    }
}

/// The counters of `daily_stats` (column names, never from input).
#[derive(Clone, Copy)]
pub(super) enum Counter {
    CodesIssued,
    CodesRedeemed,
    CodesExpired,
    Uploads,
    KeysPublished,
    ExportFiles,
}

impl Counter {
    pub(super) const fn column(self) -> &'static str {
        match self {
            Counter::CodesIssued => "codes_issued",
            Counter::CodesRedeemed => "codes_redeemed",
            Counter::CodesExpired => "codes_expired",
            Counter::Uploads => "uploads",
            Counter::KeysPublished => "keys_published",
            Counter::ExportFiles => "export_files",
        }
    }
}

/// [`Storage`] in a SQLite file.
#[derive(Clone, Debug)]
pub struct SqliteStorage {
    connection: Arc<Mutex<Connection>>,
    path: PathBuf,
    staff_zone: StaffZone,
}

impl SqliteStorage {
    /// Opens the file, creating it (mode 0600) and its schema when missing.
    pub async fn open(path: &Path) -> Result<Self> {
        let path = path.to_path_buf();
        let opened = path.clone();
        let connection = tokio::task::spawn_blocking(move || open_blocking(&opened))
            .await
            .map_err(|error| {
                Error::Database(format!("opening the database panicked: {error}"))
            })??;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
            path,
            staff_zone: StaffZone::default(),
        })
    }

    /// Counts the statistics by day in `zone` (default: [`StaffZone::default`], Japan).
    #[must_use]
    pub fn with_staff_zone(mut self, zone: StaffZone) -> Self {
        self.staff_zone = zone;
        self
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs one statement on the connection's thread (the SQL in either placeholder style, see
    /// [`super::shared::sqlite`]); returns how many rows it changed.
    pub(super) async fn execute<P>(&self, sql: &str, params: P) -> Result<usize>
    where
        P: rusqlite::Params + Send + 'static,
    {
        let sql = super::shared::sqlite(sql);
        self.with(move |connection| Ok(connection.execute(&sql, params)?))
            .await
    }

    /// Runs `work` with the connection on a blocking thread.
    pub(super) async fn with<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            let mut guard = connection
                .lock()
                .map_err(|_| Error::Database("the database connection was poisoned".into()))?;
            work(&mut guard)
        })
        .await
        .map_err(|error| Error::Database(format!("a database task failed: {error}")))?
    }
}

fn open_blocking(path: &Path) -> Result<Connection> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|cause| Error::io(parent, cause))?;
    }
    let existed = path.exists();
    let connection = Connection::open(path)?;
    if !existed {
        restrict_permissions(path)?;
    }
    connection.busy_timeout(std::time::Duration::from_secs(10))?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    let application_id: i32 =
        connection.query_row("PRAGMA application_id", [], |row| row.get(0))?;
    if application_id != 0 && application_id != APPLICATION_ID {
        return Err(Error::Database(format!(
            "{} belongs to another application; choose another data directory",
            path.display()
        )));
    }
    connection.execute_batch(SCHEMA)?;
    add_issued_by_column(&connection)?;
    connection.execute_batch(super::staff::SQLITE_SCHEMA)?;
    connection.execute_batch(super::venues::SQLITE_SCHEMA)?;
    connection.pragma_update(None, "application_id", APPLICATION_ID)?;
    connection.pragma_update(None, "user_version", 1)?;
    Ok(connection)
}

/// Databases made before codes recorded who issued them get the column (empty for old codes).
fn add_issued_by_column(connection: &Connection) -> Result<()> {
    let has_column: bool = connection.query_row(
        "SELECT COUNT(*) > 0 FROM pragma_table_info('codes') WHERE name = 'issued_by'",
        [],
        |row| row.get(0),
    )?;
    if !has_column {
        connection.execute_batch("ALTER TABLE codes ADD COLUMN issued_by TEXT")?;
    }
    Ok(())
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|cause| Error::io(path, cause))
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) -> Result<()> {
    Ok(())
}

fn bump(transaction: &Transaction<'_>, day: &str, counter: Counter, by: i64) -> Result<()> {
    if by == 0 {
        return Ok(());
    }
    let column = counter.column();
    transaction.execute(
        &format!(
            "INSERT INTO daily_stats (day, {column}) VALUES (?1, ?2)
             ON CONFLICT (day) DO UPDATE SET {column} = {column} + excluded.{column}"
        ),
        params![day, by],
    )?;
    Ok(())
}

const FILE_COLUMNS: &str =
    "object_name, region, batch_id, batch_num, batch_size, key_count, created_ms";

#[async_trait]
impl Storage for SqliteStorage {
    async fn put_api_key(&self, name: &str, key_hash: &str, now: i64) -> Result<()> {
        self.execute(
            "INSERT INTO api_keys (name, key_hash, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET key_hash = excluded.key_hash,
             created_at = excluded.created_at",
            (name.to_owned(), key_hash.to_owned(), now),
        )
        .await?;
        Ok(())
    }

    async fn api_key_name(&self, key_hash: &str) -> Result<Option<String>> {
        let key_hash = key_hash.to_owned();
        self.with(move |connection| {
            Ok(connection
                .query_row(
                    "SELECT name FROM api_keys WHERE key_hash = ?1",
                    [key_hash],
                    |row| row.get(0),
                )
                .optional()?)
        })
        .await
    }

    async fn insert_code(&self, code: &NewCode) -> Result<bool> {
        let code = code.clone();
        let zone = self.staff_zone.clone();
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            let inserted = transaction.execute(
                "INSERT INTO codes (id, code_hash, test_type, symptom_date, test_date, issued_at,
                 expires_at, issued_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT DO NOTHING",
                params![
                    code.id,
                    code.code_hash,
                    code.test_type.as_str(),
                    code.symptom_date,
                    code.test_date,
                    code.issued_at,
                    code.expires_at,
                    code.issued_by
                ],
            )?;
            if inserted == 1 {
                bump(
                    &transaction,
                    &zone.day(code.issued_at),
                    Counter::CodesIssued,
                    1,
                )?;
            }
            transaction.commit()?;
            Ok(inserted == 1)
        })
        .await
    }

    async fn redeem_code(
        &self,
        code_hash: &str,
        accepted: &[TestType],
        now: i64,
    ) -> Result<RedeemOutcome> {
        let code_hash = code_hash.to_owned();
        let accepted = accepted.to_vec();
        let zone = self.staff_zone.clone();
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            let found: Option<CodeRow> = transaction
                .query_row(&sqlite(CodeRow::BY_HASH), [&code_hash], |row| {
                    CodeRow::read(row)
                })
                .optional()?;
            let outcome = match found {
                None => RedeemOutcome::NotFound,
                Some(row) => match row.outcome(&accepted, now)? {
                    Some(outcome) => outcome,
                    None => {
                        let updated = transaction.execute(
                            "UPDATE codes SET redeemed_at = ?2
                             WHERE code_hash = ?1 AND redeemed_at IS NULL AND expired_at IS NULL
                               AND expires_at > ?2",
                            params![code_hash, now],
                        )?;
                        if updated == 1 {
                            bump(&transaction, &zone.day(now), Counter::CodesRedeemed, 1)?;
                            row.redeemed()?
                        } else {
                            RedeemOutcome::AlreadyUsed
                        }
                    }
                },
            };
            transaction.commit()?;
            Ok(outcome)
        })
        .await
    }

    async fn count_verification_attempt(&self, minute: i64, now: i64) -> Result<i64> {
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            transaction.execute(
                "DELETE FROM verification_attempts WHERE minute < ?1",
                [now.div_euclid(60) - 60],
            )?;
            let attempts: i64 = transaction.query_row(
                "INSERT INTO verification_attempts (minute, attempts) VALUES (?1, 1)
                 ON CONFLICT (minute) DO UPDATE SET attempts = verification_attempts.attempts + 1
                 RETURNING attempts",
                [minute],
                |row| row.get(0),
            )?;
            transaction.commit()?;
            Ok(attempts)
        })
        .await
    }

    async fn verification_attempts(&self, minute: i64) -> Result<i64> {
        self.with(move |connection| {
            let attempts: Option<i64> = connection
                .query_row(
                    "SELECT attempts FROM verification_attempts WHERE minute = ?1",
                    [minute],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(attempts.unwrap_or(0))
        })
        .await
    }

    async fn uncount_verification_attempt(&self, minute: i64) -> Result<()> {
        self.execute(
            "UPDATE verification_attempts SET attempts = attempts - 1
             WHERE minute = ?1 AND attempts > 0",
            [minute],
        )
        .await?;
        Ok(())
    }

    async fn code_status(&self, id: &str) -> Result<Option<CodeStatus>> {
        let id = id.to_owned();
        self.with(move |connection| {
            type Row = (
                String,
                String,
                i64,
                i64,
                Option<i64>,
                Option<i64>,
                Option<String>,
            );
            let row: Option<Row> = connection
                .query_row(
                    "SELECT id, test_type, issued_at, expires_at, redeemed_at, expired_at, issued_by
                     FROM codes WHERE id = ?1",
                    [id],
                    |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            row.get(4)?,
                            row.get(5)?,
                            row.get(6)?,
                        ))
                    },
                )
                .optional()?;
            row.map(
                |(id, test_type, issued_at, expires_at, redeemed_at, expired_at, issued_by)| {
                    Ok(CodeStatus {
                        id,
                        test_type: test_type_from_str(&test_type)?,
                        issued_at,
                        expires_at,
                        redeemed_at,
                        expired_at,
                        issued_by,
                    })
                },
            )
            .transpose()
        })
        .await
    }

    async fn expire_code(&self, id: &str, now: i64) -> Result<bool> {
        let id = id.to_owned();
        let zone = self.staff_zone.clone();
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            let changed = transaction.execute(
                "UPDATE codes SET expired_at = ?2
                 WHERE id = ?1 AND redeemed_at IS NULL AND expired_at IS NULL AND expires_at > ?2",
                params![id, now],
            )?;
            if changed == 1 {
                bump(&transaction, &zone.day(now), Counter::CodesExpired, 1)?;
            }
            transaction.commit()?;
            Ok(changed == 1)
        })
        .await
    }

    async fn claim_token(&self, token_id: &str, expires_at: i64) -> Result<bool> {
        let token_id = token_id.to_owned();
        self.with(move |connection| {
            let inserted = connection.execute(
                "INSERT INTO used_tokens (token_id, expires_at) VALUES (?1, ?2)
                 ON CONFLICT DO NOTHING",
                params![token_id, expires_at],
            )?;
            Ok(inserted == 1)
        })
        .await
    }

    async fn insert_exposures(&self, keys: &[StoredExposure], now: i64) -> Result<u32> {
        let keys = keys.to_vec();
        let zone = self.staff_zone.clone();
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            let mut inserted = 0u32;
            {
                let mut statement = transaction.prepare_cached(
                    "INSERT INTO exposures (key, rolling_start, rolling_period, transmission_risk,
                     report_type, days_since_onset, available_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6,
                       MAX(?7, COALESCE((SELECT MAX(end_time) FROM export_batches), 0)))
                     ON CONFLICT DO NOTHING",
                )?;
                for key in &keys {
                    inserted += u32::try_from(statement.execute(params![
                        &key.key[..],
                        key.rolling_start,
                        key.rolling_period,
                        key.transmission_risk,
                        key.report_type,
                        key.days_since_onset,
                        key.available_at
                    ])?)
                    .unwrap_or(0);
                }
            }
            let day = zone.day(now);
            bump(&transaction, &day, Counter::Uploads, 1)?;
            bump(
                &transaction,
                &day,
                Counter::KeysPublished,
                i64::from(inserted),
            )?;
            transaction.commit()?;
            Ok(inserted)
        })
        .await
    }

    async fn begin_export_batch(
        &self,
        end: i64,
        first_start: i64,
        lease_seconds: i64,
        now: i64,
    ) -> Result<Option<ExportBatch>> {
        self.with(move |connection| {
            let transaction =
                connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let open: Option<(i64, i64)> = transaction
                .query_row(
                    "SELECT id, claimed_at FROM export_batches WHERE status = 'open'",
                    [],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            if let Some((id, claimed_at)) = open {
                if claimed_at > now - lease_seconds {
                    return Ok(None);
                }
                transaction.execute("DELETE FROM export_batches WHERE id = ?1", [id])?;
            }
            let last_end: Option<i64> = transaction.query_row(
                "SELECT MAX(end_time) FROM export_batches WHERE status = 'complete'",
                [],
                |row| row.get(0),
            )?;
            let start = last_end.unwrap_or(first_start);
            if start >= end {
                return Ok(None);
            }
            let id: Option<i64> = transaction
                .query_row(
                    "INSERT INTO export_batches (start_time, end_time, status, claimed_at)
                     VALUES (?1, ?2, 'open', ?3) ON CONFLICT DO NOTHING RETURNING id",
                    params![start, end, now],
                    |row| row.get(0),
                )
                .optional()?;
            transaction.commit()?;
            Ok(id.map(|id| ExportBatch { id, start, end }))
        })
        .await
    }

    async fn renew_export_batch(&self, batch: &ExportBatch, now: i64) -> Result<bool> {
        let id = batch.id;
        self.with(move |connection| {
            let changed = connection.execute(
                "UPDATE export_batches SET claimed_at = ?2 WHERE id = ?1 AND status = 'open'",
                params![id, now],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn exposures_between(&self, start: i64, end: i64) -> Result<Vec<StoredExposure>> {
        self.with(move |connection| {
            let mut statement = connection.prepare(&sqlite(EXPOSURES_BETWEEN))?;
            let mut rows = statement.query(params![start, end])?;
            let mut keys = Vec::new();
            while let Some(row) = rows.next()? {
                keys.push(exposure(row)?);
            }
            Ok(keys)
        })
        .await
    }

    async fn complete_export_batch(
        &self,
        batch: &ExportBatch,
        files: &[ExportFileRecord],
    ) -> Result<()> {
        let (batch, files) = (*batch, files.to_vec());
        let zone = self.staff_zone.clone();
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            let changed = transaction.execute(
                "UPDATE export_batches SET status = 'complete' WHERE id = ?1 AND status = 'open'",
                [batch.id],
            )?;
            if changed != 1 {
                return Err(Error::Database(
                    "the export batch was taken over by another instance; its files are not listed"
                        .into(),
                ));
            }
            for file in &files {
                transaction.execute(
                    &format!("INSERT INTO export_files ({FILE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
                    params![
                        file.object_name,
                        file.region,
                        file.batch_id,
                        file.batch_num,
                        file.batch_size,
                        file.key_count,
                        file.created_ms
                    ],
                )?;
                bump(&transaction, &zone.day(file.created_ms / 1000), Counter::ExportFiles, 1)?;
            }
            transaction.commit()?;
            Ok(())
        })
        .await
    }

    async fn export_files(&self, region: &str) -> Result<Vec<ExportFileRecord>> {
        let region = region.to_owned();
        self.with(move |connection| {
            let mut statement = connection.prepare(&format!(
                "SELECT {FILE_COLUMNS} FROM export_files WHERE region = ?1
                 ORDER BY created_ms, batch_id, batch_num"
            ))?;
            let files = statement
                .query_map([region], |row| export_file(row))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(files)
        })
        .await
    }

    async fn delete_expired(
        &self,
        key_cutoff: i64,
        file_cutoff_ms: i64,
        code_cutoff: i64,
    ) -> Result<RetentionOutcome> {
        let zone = self.staff_zone.clone();
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            let keys_deleted = transaction
                .execute("DELETE FROM exposures WHERE available_at < ?1", [key_cutoff])?;
            let files_deleted = {
                let mut statement = transaction.prepare(&format!(
                    "DELETE FROM export_files WHERE created_ms < ?1 RETURNING {FILE_COLUMNS}"
                ))?;
                statement
                    .query_map([file_cutoff_ms], |row| export_file(row))?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            };
            let lapsed: Vec<(i64,)> = {
                let mut statement = transaction.prepare(
                    "SELECT expires_at FROM codes WHERE expires_at < ?1
                     AND redeemed_at IS NULL AND expired_at IS NULL",
                )?;
                statement
                    .query_map([code_cutoff], |row| Ok((row.get(0)?,)))?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            };
            for (expires_at,) in lapsed {
                bump(&transaction, &zone.day(expires_at), Counter::CodesExpired, 1)?;
            }
            transaction.execute("DELETE FROM codes WHERE expires_at < ?1", [code_cutoff])?;
            transaction.execute("DELETE FROM used_tokens WHERE expires_at < ?1", [code_cutoff])?;
            transaction.execute(
                "DELETE FROM export_batches WHERE status = 'complete' AND end_time < ?1
                 AND end_time < (SELECT MAX(end_time) FROM export_batches WHERE status = 'complete')",
                [key_cutoff],
            )?;
            transaction.commit()?;
            Ok(RetentionOutcome {
                keys_deleted: keys_deleted as u64,
                files_deleted,
            })
        })
        .await
    }

    async fn statistics(&self, since_day: &str) -> Result<Vec<DailyStatistics>> {
        let since_day = since_day.to_owned();
        self.with(move |connection| {
            let mut statement = connection.prepare(
                "SELECT day, codes_issued, codes_redeemed, codes_expired, uploads, keys_published,
                 export_files FROM daily_stats WHERE day >= ?1 ORDER BY day",
            )?;
            let days = statement
                .query_map([since_day], |row| {
                    Ok(DailyStatistics {
                        day: row.get(0)?,
                        codes_issued: row.get(1)?,
                        codes_redeemed: row.get(2)?,
                        codes_expired: row.get(3)?,
                        uploads: row.get(4)?,
                        keys_published: row.get(5)?,
                        export_files: row.get(6)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(days)
        })
        .await
    }
}
