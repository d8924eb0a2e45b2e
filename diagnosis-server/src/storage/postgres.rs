//! [`Storage`] on PostgreSQL, for several server instances behind a load balancer.
//!
//! The same schema and the same statements as the SQLite backend (with `$n` placeholders and
//! PostgreSQL types); every rule that needs atomicity is one statement or one transaction.

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use mimamori_api::v1::TestType;
use tokio_postgres::NoTls;

use super::shared::{EXPOSURES_BETWEEN, export_file, exposure};
use super::sqlite::{CodeRow, Counter};
use super::{
    CodeStatus, DailyStatistics, ExportBatch, ExportFileRecord, NewCode, RedeemOutcome,
    RetentionOutcome, Storage, StoredExposure, test_type_from_str,
};
use crate::staff_time::StaffZone;
use crate::{Error, Result};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS api_keys (
    name TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS codes (
    id TEXT PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    test_type TEXT NOT NULL,
    symptom_date TEXT,
    test_date TEXT,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    redeemed_at BIGINT,
    expired_at BIGINT,
    issued_by TEXT
);
ALTER TABLE codes ADD COLUMN IF NOT EXISTS issued_by TEXT;
CREATE TABLE IF NOT EXISTS used_tokens (
    token_id TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS exposures (
    key BYTEA PRIMARY KEY,
    rolling_start BIGINT NOT NULL,
    rolling_period INTEGER NOT NULL,
    transmission_risk INTEGER NOT NULL,
    report_type INTEGER NOT NULL,
    days_since_onset INTEGER,
    available_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS exposures_by_availability ON exposures (available_at);
CREATE TABLE IF NOT EXISTS export_batches (
    id BIGSERIAL PRIMARY KEY,
    start_time BIGINT NOT NULL UNIQUE,
    end_time BIGINT NOT NULL,
    status TEXT NOT NULL,
    claimed_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS export_files (
    object_name TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    batch_id BIGINT NOT NULL,
    batch_num INTEGER NOT NULL,
    batch_size INTEGER NOT NULL,
    key_count BIGINT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS verification_attempts (
    minute BIGINT PRIMARY KEY,
    attempts BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS daily_stats (
    day TEXT PRIMARY KEY,
    codes_issued BIGINT NOT NULL DEFAULT 0,
    codes_redeemed BIGINT NOT NULL DEFAULT 0,
    codes_expired BIGINT NOT NULL DEFAULT 0,
    uploads BIGINT NOT NULL DEFAULT 0,
    keys_published BIGINT NOT NULL DEFAULT 0,
    export_files BIGINT NOT NULL DEFAULT 0
);
";

/// Serialises schema creation between instances starting at once.
const SCHEMA_LOCK: i64 = 0x4D4D_4453;

/// Taken exclusively to claim an export batch, shared to insert keys.
const BATCH_LOCK: i64 = SCHEMA_LOCK + 1;

const FILE_COLUMNS: &str =
    "object_name, region, batch_id, batch_num, batch_size, key_count, created_ms";

/// [`Storage`] in a PostgreSQL database.
#[derive(Clone)]
pub struct PostgresStorage {
    pub(super) pool: Pool,
    staff_zone: StaffZone,
}

impl std::fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never print it.
        f.debug_struct("PostgresStorage").finish_non_exhaustive()
    }
}

impl PostgresStorage {
    /// Connects (`postgres://user:password@host:port/database`) and creates the schema when
    /// missing.
    pub async fn connect(url: &str) -> Result<Self> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|_| Error::Config("the PostgreSQL URL cannot be parsed".into()))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(|error| Error::Database(error.to_string()))?;
        let mut client = pool.get().await?;
        let transaction = client.transaction().await?;
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .await?;
        transaction.batch_execute(SCHEMA).await?;
        transaction
            .batch_execute(super::staff::POSTGRES_SCHEMA)
            .await?;
        transaction
            .batch_execute(super::venues::POSTGRES_SCHEMA)
            .await?;
        transaction.commit().await?;
        Ok(Self {
            pool,
            staff_zone: StaffZone::default(),
        })
    }

    /// Counts the statistics by day in `zone` (default: [`StaffZone::default`], Japan).
    #[must_use]
    pub fn with_staff_zone(mut self, zone: StaffZone) -> Self {
        self.staff_zone = zone;
        self
    }
}

async fn bump(
    transaction: &deadpool_postgres::Transaction<'_>,
    day: &str,
    counter: Counter,
    by: i64,
) -> Result<()> {
    if by == 0 {
        return Ok(());
    }
    let column = counter.column();
    transaction
        .execute(
            &format!(
                "INSERT INTO daily_stats (day, {column}) VALUES ($1, $2)
                 ON CONFLICT (day) DO UPDATE SET {column} = daily_stats.{column} + excluded.{column}"
            ),
            &[&day, &by],
        )
        .await?;
    Ok(())
}

#[async_trait]
impl Storage for PostgresStorage {
    async fn put_api_key(&self, name: &str, key_hash: &str, now: i64) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                "INSERT INTO api_keys (name, key_hash, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET key_hash = excluded.key_hash,
                 created_at = excluded.created_at",
                &[&name, &key_hash, &now],
            )
            .await?;
        Ok(())
    }

    async fn api_key_name(&self, key_hash: &str) -> Result<Option<String>> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT name FROM api_keys WHERE key_hash = $1",
                &[&key_hash],
            )
            .await?;
        Ok(row.map(|row| row.get(0)))
    }

    async fn insert_code(&self, code: &NewCode) -> Result<bool> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        let inserted = transaction
            .execute(
                "INSERT INTO codes (id, code_hash, test_type, symptom_date, test_date, issued_at,
                 expires_at, issued_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT DO NOTHING",
                &[
                    &code.id,
                    &code.code_hash,
                    &code.test_type.as_str(),
                    &code.symptom_date,
                    &code.test_date,
                    &code.issued_at,
                    &code.expires_at,
                    &code.issued_by,
                ],
            )
            .await?;
        if inserted == 1 {
            bump(
                &transaction,
                &self.staff_zone.day(code.issued_at),
                Counter::CodesIssued,
                1,
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(inserted == 1)
    }

    async fn redeem_code(
        &self,
        code_hash: &str,
        accepted: &[TestType],
        now: i64,
    ) -> Result<RedeemOutcome> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        // FOR UPDATE: a concurrent redeem waits here and then sees the code used.
        let found = transaction
            .query_opt(&format!("{} FOR UPDATE", CodeRow::BY_HASH), &[&code_hash])
            .await?;
        let outcome = match found {
            None => RedeemOutcome::NotFound,
            Some(row) => {
                let row = CodeRow::read(&row)?;
                match row.outcome(accepted, now)? {
                    Some(outcome) => outcome,
                    None => {
                        let updated = transaction
                            .execute(
                                "UPDATE codes SET redeemed_at = $2
                                 WHERE code_hash = $1 AND redeemed_at IS NULL
                                   AND expired_at IS NULL AND expires_at > $2",
                                &[&code_hash, &now],
                            )
                            .await?;
                        if updated == 1 {
                            bump(
                                &transaction,
                                &self.staff_zone.day(now),
                                Counter::CodesRedeemed,
                                1,
                            )
                            .await?;
                            row.redeemed()?
                        } else {
                            RedeemOutcome::AlreadyUsed
                        }
                    }
                }
            }
        };
        transaction.commit().await?;
        Ok(outcome)
    }

    async fn count_verification_attempt(&self, minute: i64, now: i64) -> Result<i64> {
        let client = self.pool.get().await?;
        client
            .execute(
                "DELETE FROM verification_attempts WHERE minute < $1",
                &[&(now.div_euclid(60) - 60)],
            )
            .await?;
        let row = client
            .query_one(
                "INSERT INTO verification_attempts (minute, attempts) VALUES ($1, 1)
                 ON CONFLICT (minute) DO UPDATE
                 SET attempts = verification_attempts.attempts + 1
                 RETURNING attempts",
                &[&minute],
            )
            .await?;
        Ok(row.get(0))
    }

    async fn verification_attempts(&self, minute: i64) -> Result<i64> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT attempts FROM verification_attempts WHERE minute = $1",
                &[&minute],
            )
            .await?;
        Ok(row.map_or(0, |row| row.get(0)))
    }

    async fn uncount_verification_attempt(&self, minute: i64) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                "UPDATE verification_attempts SET attempts = attempts - 1
                 WHERE minute = $1 AND attempts > 0",
                &[&minute],
            )
            .await?;
        Ok(())
    }

    async fn code_status(&self, id: &str) -> Result<Option<CodeStatus>> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT id, test_type, issued_at, expires_at, redeemed_at, expired_at, issued_by
                 FROM codes WHERE id = $1",
                &[&id],
            )
            .await?;
        row.map(|row| {
            let test_type: String = row.get(1);
            Ok(CodeStatus {
                id: row.get(0),
                test_type: test_type_from_str(&test_type)?,
                issued_at: row.get(2),
                expires_at: row.get(3),
                redeemed_at: row.get(4),
                expired_at: row.get(5),
                issued_by: row.get(6),
            })
        })
        .transpose()
    }

    async fn expire_code(&self, id: &str, now: i64) -> Result<bool> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        let changed = transaction
            .execute(
                "UPDATE codes SET expired_at = $2
                 WHERE id = $1 AND redeemed_at IS NULL AND expired_at IS NULL AND expires_at > $2",
                &[&id, &now],
            )
            .await?;
        if changed == 1 {
            bump(
                &transaction,
                &self.staff_zone.day(now),
                Counter::CodesExpired,
                1,
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(changed == 1)
    }

    async fn claim_token(&self, token_id: &str, expires_at: i64) -> Result<bool> {
        let client = self.pool.get().await?;
        let inserted = client
            .execute(
                "INSERT INTO used_tokens (token_id, expires_at) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                &[&token_id, &expires_at],
            )
            .await?;
        Ok(inserted == 1)
    }

    async fn insert_exposures(&self, keys: &[StoredExposure], now: i64) -> Result<u32> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        // Shared with other uploads, exclusive with claiming a batch: a batch never misses a
        // key committed after it was claimed (see `available_at` below).
        transaction
            .execute("SELECT pg_advisory_xact_lock_shared($1)", &[&BATCH_LOCK])
            .await?;
        let statement = transaction
            .prepare(
                "INSERT INTO exposures (key, rolling_start, rolling_period, transmission_risk,
                 report_type, days_since_onset, available_at)
                 VALUES ($1, $2, $3, $4, $5, $6,
                   GREATEST($7, COALESCE((SELECT MAX(end_time) FROM export_batches), 0)))
                 ON CONFLICT DO NOTHING",
            )
            .await?;
        let mut inserted = 0u32;
        for key in keys {
            let period = i32::try_from(key.rolling_period).unwrap_or(i32::MAX);
            let changed = transaction
                .execute(
                    &statement,
                    &[
                        &&key.key[..],
                        &i64::from(key.rolling_start),
                        &period,
                        &key.transmission_risk,
                        &key.report_type,
                        &key.days_since_onset,
                        &key.available_at,
                    ],
                )
                .await?;
            inserted += u32::try_from(changed).unwrap_or(0);
        }
        let day = self.staff_zone.day(now);
        bump(&transaction, &day, Counter::Uploads, 1).await?;
        bump(
            &transaction,
            &day,
            Counter::KeysPublished,
            i64::from(inserted),
        )
        .await?;
        transaction.commit().await?;
        Ok(inserted)
    }

    async fn begin_export_batch(
        &self,
        end: i64,
        first_start: i64,
        lease_seconds: i64,
        now: i64,
    ) -> Result<Option<ExportBatch>> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        // One claimer at a time across instances.
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&BATCH_LOCK])
            .await?;
        let open = transaction
            .query_opt(
                "SELECT id, claimed_at FROM export_batches WHERE status = 'open'",
                &[],
            )
            .await?;
        if let Some(row) = open {
            let (id, claimed_at): (i64, i64) = (row.get(0), row.get(1));
            if claimed_at > now - lease_seconds {
                return Ok(None);
            }
            transaction
                .execute("DELETE FROM export_batches WHERE id = $1", &[&id])
                .await?;
        }
        let last_end: Option<i64> = transaction
            .query_one(
                "SELECT MAX(end_time) FROM export_batches WHERE status = 'complete'",
                &[],
            )
            .await?
            .get(0);
        let start = last_end.unwrap_or(first_start);
        if start >= end {
            return Ok(None);
        }
        let row = transaction
            .query_opt(
                "INSERT INTO export_batches (start_time, end_time, status, claimed_at)
                 VALUES ($1, $2, 'open', $3) ON CONFLICT DO NOTHING RETURNING id",
                &[&start, &end, &now],
            )
            .await?;
        transaction.commit().await?;
        Ok(row.map(|row| ExportBatch {
            id: row.get(0),
            start,
            end,
        }))
    }

    async fn renew_export_batch(&self, batch: &ExportBatch, now: i64) -> Result<bool> {
        let client = self.pool.get().await?;
        let changed = client
            .execute(
                "UPDATE export_batches SET claimed_at = $2 WHERE id = $1 AND status = 'open'",
                &[&batch.id, &now],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn exposures_between(&self, start: i64, end: i64) -> Result<Vec<StoredExposure>> {
        let client = self.pool.get().await?;
        let rows = client.query(EXPOSURES_BETWEEN, &[&start, &end]).await?;
        rows.iter().map(exposure).collect()
    }

    async fn complete_export_batch(
        &self,
        batch: &ExportBatch,
        files: &[ExportFileRecord],
    ) -> Result<()> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        let changed = transaction
            .execute(
                "UPDATE export_batches SET status = 'complete' WHERE id = $1 AND status = 'open'",
                &[&batch.id],
            )
            .await?;
        if changed != 1 {
            return Err(Error::Database(
                "the export batch was taken over by another instance; its files are not listed"
                    .into(),
            ));
        }
        for file in files {
            transaction
                .execute(
                    &format!(
                        "INSERT INTO export_files ({FILE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                    ),
                    &[
                        &file.object_name,
                        &file.region,
                        &file.batch_id,
                        &file.batch_num,
                        &file.batch_size,
                        &file.key_count,
                        &file.created_ms,
                    ],
                )
                .await?;
            bump(
                &transaction,
                &self.staff_zone.day(file.created_ms / 1000),
                Counter::ExportFiles,
                1,
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    async fn export_files(&self, region: &str) -> Result<Vec<ExportFileRecord>> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {FILE_COLUMNS} FROM export_files WHERE region = $1
                     ORDER BY created_ms, batch_id, batch_num"
                ),
                &[&region],
            )
            .await?;
        Ok(rows
            .iter()
            .map(export_file)
            .collect::<std::result::Result<_, _>>()?)
    }

    async fn delete_expired(
        &self,
        key_cutoff: i64,
        file_cutoff_ms: i64,
        code_cutoff: i64,
    ) -> Result<RetentionOutcome> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        let keys_deleted = transaction
            .execute(
                "DELETE FROM exposures WHERE available_at < $1",
                &[&key_cutoff],
            )
            .await?;
        let files_deleted = transaction
            .query(
                &format!("DELETE FROM export_files WHERE created_ms < $1 RETURNING {FILE_COLUMNS}"),
                &[&file_cutoff_ms],
            )
            .await?
            .iter()
            .map(export_file)
            .collect::<std::result::Result<_, _>>()?;
        let lapsed = transaction
            .query(
                "SELECT expires_at FROM codes WHERE expires_at < $1
                 AND redeemed_at IS NULL AND expired_at IS NULL",
                &[&code_cutoff],
            )
            .await?;
        for row in lapsed {
            bump(
                &transaction,
                &self.staff_zone.day(row.get(0)),
                Counter::CodesExpired,
                1,
            )
            .await?;
        }
        transaction
            .execute("DELETE FROM codes WHERE expires_at < $1", &[&code_cutoff])
            .await?;
        transaction
            .execute(
                "DELETE FROM used_tokens WHERE expires_at < $1",
                &[&code_cutoff],
            )
            .await?;
        transaction
            .execute(
                "DELETE FROM export_batches WHERE status = 'complete' AND end_time < $1
                 AND end_time < (SELECT MAX(end_time) FROM export_batches WHERE status = 'complete')",
                &[&key_cutoff],
            )
            .await?;
        transaction.commit().await?;
        Ok(RetentionOutcome {
            keys_deleted,
            files_deleted,
        })
    }

    async fn statistics(&self, since_day: &str) -> Result<Vec<DailyStatistics>> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT day, codes_issued, codes_redeemed, codes_expired, uploads, keys_published,
                 export_files FROM daily_stats WHERE day >= $1 ORDER BY day",
                &[&since_day],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| DailyStatistics {
                day: row.get(0),
                codes_issued: row.get(1),
                codes_redeemed: row.get(2),
                codes_expired: row.get(3),
                uploads: row.get(4),
                keys_published: row.get(5),
                export_files: row.get(6),
            })
            .collect())
    }
}
