//! The server's database behind one async trait, [`Storage`]: SQLite by default
//! ([`SqliteStorage`]), PostgreSQL for several server instances ([`PostgresStorage`]).
//!
//! Both backends pass the same test suite (`diagnosis-server/tests/storage.rs`). The rules that
//! matter for correctness are enforced by the database, not by the caller:
//!
//! - a verification code is redeemed at most once, even under concurrent attempts (one
//!   conditional `UPDATE`), and only when the app accepts its test type (checked in the same
//!   transaction);
//! - failed verifications are counted per minute in the database, so instances sharing it
//!   share the server-wide budget;
//! - a token is traded for a certificate at most once (insert into a primary key);
//! - an upload is acknowledged only after its transaction committed (SQLite with
//!   `synchronous = FULL`), so it survives `kill -9`;
//! - an export batch is claimed by one instance (unique start time), and its files are listed
//!   only after they were written (`complete_export_batch`).
//!
//! Times are Unix seconds unless a name says otherwise.

mod postgres;
mod shared;
mod sqlite;
mod staff;
mod venues;

pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;
pub use staff::{StaffAccount, StaffStorage};
pub use venues::{
    NoticeRequestRow, StoredNotice, VenueKeywordRow, VenuePublicationRow, VenueRegistrationRow,
    VenueStorage,
};

use std::sync::Arc;

use async_trait::async_trait;
use mimamori_api::v1::TestType;

use crate::Result;
use crate::config::DatabaseConfig;

/// A verification code as stored: only its keyed hash, never the code itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCode {
    /// Random id by which staff check or expire the code.
    pub id: String,
    /// HMAC-SHA256 of the code with the server's secret, hex.
    pub code_hash: String,
    /// The diagnosis the code confirms.
    pub test_type: TestType,
    /// Symptom onset date, `YYYY-MM-DD`, when given.
    pub symptom_date: Option<String>,
    /// Test date, `YYYY-MM-DD`, when given.
    pub test_date: Option<String>,
    /// When it was issued.
    pub issued_at: i64,
    /// When it stops being valid.
    pub expires_at: i64,
    /// Who issued it: the member of staff's login name, or `API key <name>`.
    pub issued_by: String,
}

/// What redeeming a code found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedeemOutcome {
    /// The code was valid and is now used up.
    Redeemed {
        /// The diagnosis it confirms.
        test_type: TestType,
        /// Symptom onset date, when given.
        symptom_date: Option<String>,
        /// Test date, when given.
        test_date: Option<String>,
    },
    /// No such code.
    NotFound,
    /// The code expired (or was expired by staff).
    Expired,
    /// The code was already redeemed.
    AlreadyUsed,
    /// The code is live but of a test type the app does not accept; it was left unredeemed.
    UnsupportedTestType,
}

/// What staff see about an issued code.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeStatus {
    /// The code's id.
    pub id: String,
    /// The diagnosis it confirms.
    pub test_type: TestType,
    /// When it was issued.
    pub issued_at: i64,
    /// When it stops (or stopped) being valid.
    pub expires_at: i64,
    /// When it was redeemed, if it was.
    pub redeemed_at: Option<i64>,
    /// When staff expired it, if they did.
    pub expired_at: Option<i64>,
    /// Who issued it (unknown for codes issued before the server recorded it). Shown to staff
    /// in the portal only, never in the API's JSON.
    #[serde(skip)]
    pub issued_by: Option<String>,
}

/// One published key as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredExposure {
    /// The 16 key bytes.
    pub key: [u8; 16],
    /// First interval of validity.
    pub rolling_start: u32,
    /// Intervals of validity, 1..=144.
    pub rolling_period: u32,
    /// Transmission risk 0..=8.
    pub transmission_risk: i32,
    /// GAEN report type (1 confirmed, 2 clinical, 5 revoked, ...).
    pub report_type: i32,
    /// Days from symptom onset to the key's day, when known.
    pub days_since_onset: Option<i32>,
    /// When the key may first be exported: the later of its arrival and the end of its validity.
    pub available_at: i64,
}

/// An export batch claimed by this instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportBatch {
    /// Database id.
    pub id: i64,
    /// Keys made available at or after this time are in the batch...
    pub start: i64,
    /// ...and before this time.
    pub end: i64,
}

/// One export file, listed once its batch is complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportFileRecord {
    /// The region.
    pub region: String,
    /// Object path in the blob store, e.g. `exports/JP/1700000000-1700003600-00001.zip`.
    pub object_name: String,
    /// The batch it belongs to.
    pub batch_id: i64,
    /// 1-based number within the batch.
    pub batch_num: i32,
    /// Files in the batch.
    pub batch_size: i32,
    /// Keys in the file (padding included).
    pub key_count: i64,
    /// When it was created, Unix milliseconds.
    pub created_ms: i64,
}

/// What a retention sweep deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionOutcome {
    /// Keys deleted.
    pub keys_deleted: u64,
    /// Export files no longer listed; their blobs are to be deleted.
    pub files_deleted: Vec<ExportFileRecord>,
}

/// Counters of one day in the staff time zone ([`crate::staff_time`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyStatistics {
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// Codes issued.
    pub codes_issued: i64,
    /// Codes redeemed.
    pub codes_redeemed: i64,
    /// Codes that expired unused or were expired by staff.
    pub codes_expired: i64,
    /// Accepted uploads.
    pub uploads: i64,
    /// Keys newly stored.
    pub keys_published: i64,
    /// Export files written.
    pub export_files: i64,
}

/// The server's database (with the staff portal's accounts and sessions, [`StaffStorage`]).
#[async_trait]
pub trait Storage: StaffStorage + VenueStorage + Send + Sync + 'static {
    /// Stores an API key's hash under a name (replacing a key of the same name).
    async fn put_api_key(&self, name: &str, key_hash: &str, now: i64) -> Result<()>;

    /// The name of the API key with this hash, if there is one.
    async fn api_key_name(&self, key_hash: &str) -> Result<Option<String>>;

    /// Stores a new code; `false` when a code with the same hash exists (draw another code).
    async fn insert_code(&self, code: &NewCode) -> Result<bool>;

    /// Redeems a code atomically: at most one caller ever gets [`RedeemOutcome::Redeemed`]. A
    /// live code whose test type is not in `accepted` is left usable
    /// ([`RedeemOutcome::UnsupportedTestType`]); the check and the redemption are one
    /// transaction.
    async fn redeem_code(
        &self,
        code_hash: &str,
        accepted: &[TestType],
        now: i64,
    ) -> Result<RedeemOutcome>;

    /// Counts a verification attempt in the UTC minute `minute` (Unix seconds / 60) and
    /// returns the attempts counted in it so far, this one included; drops the counts of
    /// minutes more than an hour before `now`. Shared by every instance on the database: the
    /// server-wide budget of failed verifications.
    async fn count_verification_attempt(&self, minute: i64, now: i64) -> Result<i64>;

    /// The attempts counted in `minute` so far (0 when none); a read, so that requests refused
    /// while the budget is exceeded do not write.
    async fn verification_attempts(&self, minute: i64) -> Result<i64>;

    /// Takes back one attempt of `minute` (the code was right).
    async fn uncount_verification_attempt(&self, minute: i64) -> Result<()>;

    /// The status of the code with this id.
    async fn code_status(&self, id: &str) -> Result<Option<CodeStatus>>;

    /// Expires an unredeemed, unexpired code now; `false` when there was none such.
    async fn expire_code(&self, id: &str, now: i64) -> Result<bool>;

    /// Records that the token with this id was used; `false` when it had been used before.
    async fn claim_token(&self, token_id: &str, expires_at: i64) -> Result<bool>;

    /// Stores keys in one transaction, ignoring keys already stored; returns how many were new.
    /// Returns only after the transaction is durable.
    ///
    /// A key's `available_at` is raised to the end of the latest claimed export batch, so a key
    /// whose upload commits after a batch was claimed goes into the next batch instead of being
    /// missed by both.
    async fn insert_exposures(&self, keys: &[StoredExposure], now: i64) -> Result<u32>;

    /// Claims the next export batch, from the end of the last one (or `first_start`) to `end`.
    /// `None` when another instance holds a batch claimed less than `lease_seconds` ago or
    /// there is no time to cover. A stale claim is taken over.
    async fn begin_export_batch(
        &self,
        end: i64,
        first_start: i64,
        lease_seconds: i64,
        now: i64,
    ) -> Result<Option<ExportBatch>>;

    /// Renews this instance's claim on `batch` (its lease starts again at `now`). `false` when
    /// the claim is gone: its lease ran out and another instance took the batch over.
    async fn renew_export_batch(&self, batch: &ExportBatch, now: i64) -> Result<bool>;

    /// Keys with `available_at` in `start..end`.
    async fn exposures_between(&self, start: i64, end: i64) -> Result<Vec<StoredExposure>>;

    /// Marks a batch complete and lists its files, in one transaction.
    async fn complete_export_batch(
        &self,
        batch: &ExportBatch,
        files: &[ExportFileRecord],
    ) -> Result<()>;

    /// Listed export files of a region, oldest first.
    async fn export_files(&self, region: &str) -> Result<Vec<ExportFileRecord>>;

    /// Deletes keys available before `key_cutoff`, files created before `file_cutoff_ms`, and
    /// codes that expired before `code_cutoff` (counting unredeemed ones as expired).
    async fn delete_expired(
        &self,
        key_cutoff: i64,
        file_cutoff_ms: i64,
        code_cutoff: i64,
    ) -> Result<RetentionOutcome>;

    /// Daily counters from `since_day` (`YYYY-MM-DD`) on, oldest first.
    async fn statistics(&self, since_day: &str) -> Result<Vec<DailyStatistics>>;
}

/// Opens (and creates or migrates) the configured database, counting statistics by day in
/// `staff_zone`.
pub async fn open(
    config: &DatabaseConfig,
    staff_zone: &crate::staff_time::StaffZone,
) -> Result<Arc<dyn Storage>> {
    let zone = staff_zone.clone();
    Ok(match config {
        DatabaseConfig::Sqlite(path) => {
            Arc::new(SqliteStorage::open(path).await?.with_staff_zone(zone))
        }
        DatabaseConfig::Postgres(url) => {
            Arc::new(PostgresStorage::connect(url).await?.with_staff_zone(zone))
        }
    })
}

/// The UTC day (`YYYY-MM-DD`) of a Unix time.
pub fn utc_day(unix_seconds: i64) -> String {
    let date = time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN);
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

pub(crate) fn test_type_from_str(text: &str) -> Result<TestType> {
    TestType::parse(text).ok_or_else(|| {
        crate::Error::Database(format!("unknown test type {text:?} in the database"))
    })
}
