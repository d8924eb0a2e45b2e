//! Venue check-in records ([`crate::venues`]) in the same database as everything else:
//! [`VenueStorage`], a supertrait of [`super::Storage`], implemented here for both backends.
//!
//! Nothing here is readable without the authority's X25519 secret key (a file in the data
//! directory, never in the database): registrations, keywords and request summaries are sealed
//! records; codes are stored only as SHA-256 lookups of 80-bit random values; the notices are
//! the encrypted feed entries phones download anyway.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::{PostgresStorage, SqliteStorage};
use crate::Result;

/// Tables of venue check-ins (SQLite). Created with the rest of the schema.
pub(super) const SQLITE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS venue_registrations (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    trace_lookup TEXT NOT NULL UNIQUE,
    manager_lookup TEXT NOT NULL UNIQUE,
    sealed_for_trace BLOB NOT NULL,
    sealed_for_manager BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS venue_keywords (
    lookup TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES venue_registrations (id) ON DELETE CASCADE,
    sealed BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS venue_notice_requests (
    id TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES venue_registrations (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    decided_at INTEGER,
    summary BLOB NOT NULL,
    entries BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS venue_notices (
    notice_id TEXT PRIMARY KEY,
    published_at INTEGER NOT NULL,
    entry BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS venue_notices_published ON venue_notices (published_at);
";

/// Tables of venue check-ins (PostgreSQL).
pub(super) const POSTGRES_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS venue_registrations (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    trace_lookup TEXT NOT NULL UNIQUE,
    manager_lookup TEXT NOT NULL UNIQUE,
    sealed_for_trace BYTEA NOT NULL,
    sealed_for_manager BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS venue_keywords (
    lookup TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES venue_registrations (id) ON DELETE CASCADE,
    sealed BYTEA NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS venue_notice_requests (
    id TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES venue_registrations (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    decided_at BIGINT,
    summary BYTEA NOT NULL,
    entries BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS venue_notices (
    notice_id TEXT PRIMARY KEY,
    published_at BIGINT NOT NULL,
    entry BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS venue_notices_published ON venue_notices (published_at);
";

/// A registered venue as stored: two sealed copies of the same record, one opened with the
/// operator's trace code, one with the manager device's key.
#[derive(Clone, PartialEq, Eq)]
pub struct VenueRegistrationRow {
    /// Public registration number.
    pub id: String,
    /// When it was registered.
    pub created_at: i64,
    /// SHA-256 lookup of the trace code.
    pub trace_lookup: String,
    /// SHA-256 lookup of the manager key.
    pub manager_lookup: String,
    /// The record sealed to the authority key and the trace code.
    pub sealed_for_trace: Vec<u8>,
    /// The record sealed to the authority key and the manager key.
    pub sealed_for_manager: Vec<u8>,
}

impl std::fmt::Debug for VenueRegistrationRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VenueRegistrationRow")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A one-time keyword the manager made for staff: the record sealed again under the keyword.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VenueKeywordRow {
    /// SHA-256 lookup of the keyword.
    pub lookup: String,
    /// The registration.
    pub registration_id: String,
    /// The record sealed to the authority key and the keyword.
    pub sealed: Vec<u8>,
    /// When it stops working.
    pub expires_at: i64,
}

/// An operator's notice request awaiting the authority's decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeRequestRow {
    /// Random id.
    pub id: String,
    /// The registration.
    pub registration_id: String,
    /// When it was made.
    pub created_at: i64,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// When staff decided.
    pub decided_at: Option<i64>,
    /// What staff see (sealed to the authority key).
    pub summary: Vec<u8>,
    /// The encrypted feed entries to publish on approval.
    pub entries: Vec<u8>,
}

/// A published notice: one encrypted feed entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredNotice {
    /// The notice id, hex.
    pub notice_id: String,
    /// When it was published.
    pub published_at: i64,
    /// The entry's bytes ([`crate::venues`] encodes them).
    pub entry: Vec<u8>,
}

/// Venue registrations, keywords, notice requests and published notices.
#[async_trait]
pub trait VenueStorage: Send + Sync + 'static {
    /// Stores a registration (ids and lookups are random and unique).
    async fn insert_venue_registration(&self, row: &VenueRegistrationRow) -> Result<()>;

    /// The registration whose trace code has this lookup.
    async fn venue_by_trace_lookup(&self, lookup: &str) -> Result<Option<VenueRegistrationRow>>;

    /// The registration whose manager key has this lookup.
    async fn venue_by_manager_lookup(&self, lookup: &str) -> Result<Option<VenueRegistrationRow>>;

    /// Stores a keyword.
    async fn insert_venue_keyword(&self, row: &VenueKeywordRow) -> Result<()>;

    /// Deletes and returns the keyword with this lookup if it has not expired at `now` (one
    /// use); expired keywords are deleted too.
    async fn take_venue_keyword(&self, lookup: &str, now: i64) -> Result<Option<VenueKeywordRow>>;

    /// Stores a pending notice request.
    async fn insert_notice_request(&self, row: &NoticeRequestRow) -> Result<()>;

    /// Pending requests, oldest first.
    async fn pending_notice_requests(&self) -> Result<Vec<NoticeRequestRow>>;

    /// Decides a pending request in one transaction: approving stores `notices` as published.
    /// `None` when there is no pending request with this id (decided before, or unknown).
    async fn decide_notice_request(
        &self,
        id: &str,
        approve: bool,
        notices: &[StoredNotice],
        now: i64,
    ) -> Result<Option<NoticeRequestRow>>;

    /// Stores published notices (ignoring ids already stored).
    async fn insert_venue_notices(&self, notices: &[StoredNotice]) -> Result<()>;

    /// Notices published at or after `since`, oldest first; deletes older ones.
    async fn venue_notices_since(&self, since: i64) -> Result<Vec<StoredNotice>>;
}

fn registration_from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<VenueRegistrationRow> {
    Ok(VenueRegistrationRow {
        id: row.get(0)?,
        created_at: row.get(1)?,
        trace_lookup: row.get(2)?,
        manager_lookup: row.get(3)?,
        sealed_for_trace: row.get(4)?,
        sealed_for_manager: row.get(5)?,
    })
}

fn request_from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<NoticeRequestRow> {
    Ok(NoticeRequestRow {
        id: row.get(0)?,
        registration_id: row.get(1)?,
        created_at: row.get(2)?,
        status: row.get(3)?,
        decided_at: row.get(4)?,
        summary: row.get(5)?,
        entries: row.get(6)?,
    })
}

const REGISTRATION_COLUMNS: &str =
    "id, created_at, trace_lookup, manager_lookup, sealed_for_trace, sealed_for_manager";
const REQUEST_COLUMNS: &str =
    "id, registration_id, created_at, status, decided_at, summary, entries";

#[async_trait]
impl VenueStorage for SqliteStorage {
    async fn insert_venue_registration(&self, row: &VenueRegistrationRow) -> Result<()> {
        let row = row.clone();
        self.with(move |connection| {
            connection.execute(
                &format!(
                    "INSERT INTO venue_registrations ({REGISTRATION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                ),
                params![
                    row.id,
                    row.created_at,
                    row.trace_lookup,
                    row.manager_lookup,
                    row.sealed_for_trace,
                    row.sealed_for_manager
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn venue_by_trace_lookup(&self, lookup: &str) -> Result<Option<VenueRegistrationRow>> {
        let lookup = lookup.to_owned();
        self.with(move |connection| {
            Ok(connection
                .query_row(
                    &format!(
                        "SELECT {REGISTRATION_COLUMNS} FROM venue_registrations WHERE trace_lookup = ?1"
                    ),
                    [&lookup],
                    registration_from_sqlite,
                )
                .optional()?)
        })
        .await
    }

    async fn venue_by_manager_lookup(&self, lookup: &str) -> Result<Option<VenueRegistrationRow>> {
        let lookup = lookup.to_owned();
        self.with(move |connection| {
            Ok(connection
                .query_row(
                    &format!(
                        "SELECT {REGISTRATION_COLUMNS} FROM venue_registrations WHERE manager_lookup = ?1"
                    ),
                    [&lookup],
                    registration_from_sqlite,
                )
                .optional()?)
        })
        .await
    }

    async fn insert_venue_keyword(&self, row: &VenueKeywordRow) -> Result<()> {
        let row = row.clone();
        self.with(move |connection| {
            connection.execute(
                "INSERT INTO venue_keywords (lookup, registration_id, sealed, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![row.lookup, row.registration_id, row.sealed, row.expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn take_venue_keyword(&self, lookup: &str, now: i64) -> Result<Option<VenueKeywordRow>> {
        let lookup = lookup.to_owned();
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            transaction.execute("DELETE FROM venue_keywords WHERE expires_at <= ?1", [now])?;
            let row = transaction
                .query_row(
                    "DELETE FROM venue_keywords WHERE lookup = ?1
                     RETURNING lookup, registration_id, sealed, expires_at",
                    [&lookup],
                    |row| {
                        Ok(VenueKeywordRow {
                            lookup: row.get(0)?,
                            registration_id: row.get(1)?,
                            sealed: row.get(2)?,
                            expires_at: row.get(3)?,
                        })
                    },
                )
                .optional()?;
            transaction.commit()?;
            Ok(row)
        })
        .await
    }

    async fn insert_notice_request(&self, row: &NoticeRequestRow) -> Result<()> {
        let row = row.clone();
        self.with(move |connection| {
            connection.execute(
                &format!(
                    "INSERT INTO venue_notice_requests ({REQUEST_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                ),
                params![
                    row.id,
                    row.registration_id,
                    row.created_at,
                    row.status,
                    row.decided_at,
                    row.summary,
                    row.entries
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn pending_notice_requests(&self) -> Result<Vec<NoticeRequestRow>> {
        self.with(move |connection| {
            let mut statement = connection.prepare(&format!(
                "SELECT {REQUEST_COLUMNS} FROM venue_notice_requests WHERE status = 'pending'
                 ORDER BY created_at, id"
            ))?;
            let rows = statement
                .query_map([], request_from_sqlite)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn decide_notice_request(
        &self,
        id: &str,
        approve: bool,
        notices: &[StoredNotice],
        now: i64,
    ) -> Result<Option<NoticeRequestRow>> {
        let (id, notices) = (id.to_owned(), notices.to_vec());
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            let status = if approve { "approved" } else { "rejected" };
            let row = transaction
                .query_row(
                    &format!(
                        "UPDATE venue_notice_requests SET status = ?2, decided_at = ?3
                         WHERE id = ?1 AND status = 'pending' RETURNING {REQUEST_COLUMNS}"
                    ),
                    params![id, status, now],
                    request_from_sqlite,
                )
                .optional()?;
            if row.is_some() && approve {
                for notice in &notices {
                    transaction.execute(
                        "INSERT INTO venue_notices (notice_id, published_at, entry) VALUES (?1, ?2, ?3)
                         ON CONFLICT (notice_id) DO NOTHING",
                        params![notice.notice_id, notice.published_at, notice.entry],
                    )?;
                }
            }
            transaction.commit()?;
            Ok(row)
        })
        .await
    }

    async fn insert_venue_notices(&self, notices: &[StoredNotice]) -> Result<()> {
        let notices = notices.to_vec();
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            for notice in &notices {
                transaction.execute(
                    "INSERT INTO venue_notices (notice_id, published_at, entry) VALUES (?1, ?2, ?3)
                     ON CONFLICT (notice_id) DO NOTHING",
                    params![notice.notice_id, notice.published_at, notice.entry],
                )?;
            }
            transaction.commit()?;
            Ok(())
        })
        .await
    }

    async fn venue_notices_since(&self, since: i64) -> Result<Vec<StoredNotice>> {
        self.with(move |connection| {
            connection.execute("DELETE FROM venue_notices WHERE published_at < ?1", [since])?;
            let mut statement = connection.prepare(
                "SELECT notice_id, published_at, entry FROM venue_notices
                 ORDER BY published_at, notice_id",
            )?;
            let rows = statement
                .query_map([], |row| {
                    Ok(StoredNotice {
                        notice_id: row.get(0)?,
                        published_at: row.get(1)?,
                        entry: row.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }
}

fn registration_from_postgres(row: &tokio_postgres::Row) -> VenueRegistrationRow {
    VenueRegistrationRow {
        id: row.get(0),
        created_at: row.get(1),
        trace_lookup: row.get(2),
        manager_lookup: row.get(3),
        sealed_for_trace: row.get(4),
        sealed_for_manager: row.get(5),
    }
}

fn request_from_postgres(row: &tokio_postgres::Row) -> NoticeRequestRow {
    NoticeRequestRow {
        id: row.get(0),
        registration_id: row.get(1),
        created_at: row.get(2),
        status: row.get(3),
        decided_at: row.get(4),
        summary: row.get(5),
        entries: row.get(6),
    }
}

#[async_trait]
impl VenueStorage for PostgresStorage {
    async fn insert_venue_registration(&self, row: &VenueRegistrationRow) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                &format!(
                    "INSERT INTO venue_registrations ({REGISTRATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
                ),
                &[
                    &row.id,
                    &row.created_at,
                    &row.trace_lookup,
                    &row.manager_lookup,
                    &row.sealed_for_trace,
                    &row.sealed_for_manager,
                ],
            )
            .await?;
        Ok(())
    }

    async fn venue_by_trace_lookup(&self, lookup: &str) -> Result<Option<VenueRegistrationRow>> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {REGISTRATION_COLUMNS} FROM venue_registrations WHERE trace_lookup = $1"
                ),
                &[&lookup],
            )
            .await?;
        Ok(row.as_ref().map(registration_from_postgres))
    }

    async fn venue_by_manager_lookup(&self, lookup: &str) -> Result<Option<VenueRegistrationRow>> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {REGISTRATION_COLUMNS} FROM venue_registrations WHERE manager_lookup = $1"
                ),
                &[&lookup],
            )
            .await?;
        Ok(row.as_ref().map(registration_from_postgres))
    }

    async fn insert_venue_keyword(&self, row: &VenueKeywordRow) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                "INSERT INTO venue_keywords (lookup, registration_id, sealed, expires_at) VALUES ($1, $2, $3, $4)",
                &[&row.lookup, &row.registration_id, &row.sealed, &row.expires_at],
            )
            .await?;
        Ok(())
    }

    async fn take_venue_keyword(&self, lookup: &str, now: i64) -> Result<Option<VenueKeywordRow>> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        transaction
            .execute("DELETE FROM venue_keywords WHERE expires_at <= $1", &[&now])
            .await?;
        let row = transaction
            .query_opt(
                "DELETE FROM venue_keywords WHERE lookup = $1
                 RETURNING lookup, registration_id, sealed, expires_at",
                &[&lookup],
            )
            .await?;
        transaction.commit().await?;
        Ok(row.map(|row| VenueKeywordRow {
            lookup: row.get(0),
            registration_id: row.get(1),
            sealed: row.get(2),
            expires_at: row.get(3),
        }))
    }

    async fn insert_notice_request(&self, row: &NoticeRequestRow) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                &format!(
                    "INSERT INTO venue_notice_requests ({REQUEST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                ),
                &[
                    &row.id,
                    &row.registration_id,
                    &row.created_at,
                    &row.status,
                    &row.decided_at,
                    &row.summary,
                    &row.entries,
                ],
            )
            .await?;
        Ok(())
    }

    async fn pending_notice_requests(&self) -> Result<Vec<NoticeRequestRow>> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {REQUEST_COLUMNS} FROM venue_notice_requests WHERE status = 'pending'
                     ORDER BY created_at, id"
                ),
                &[],
            )
            .await?;
        Ok(rows.iter().map(request_from_postgres).collect())
    }

    async fn decide_notice_request(
        &self,
        id: &str,
        approve: bool,
        notices: &[StoredNotice],
        now: i64,
    ) -> Result<Option<NoticeRequestRow>> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        let status = if approve { "approved" } else { "rejected" };
        let row = transaction
            .query_opt(
                &format!(
                    "UPDATE venue_notice_requests SET status = $2, decided_at = $3
                     WHERE id = $1 AND status = 'pending' RETURNING {REQUEST_COLUMNS}"
                ),
                &[&id, &status, &now],
            )
            .await?;
        if row.is_some() && approve {
            for notice in notices {
                transaction
                    .execute(
                        "INSERT INTO venue_notices (notice_id, published_at, entry) VALUES ($1, $2, $3)
                         ON CONFLICT (notice_id) DO NOTHING",
                        &[&notice.notice_id, &notice.published_at, &notice.entry],
                    )
                    .await?;
            }
        }
        transaction.commit().await?;
        Ok(row.as_ref().map(request_from_postgres))
    }

    async fn insert_venue_notices(&self, notices: &[StoredNotice]) -> Result<()> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        for notice in notices {
            transaction
                .execute(
                    "INSERT INTO venue_notices (notice_id, published_at, entry) VALUES ($1, $2, $3)
                     ON CONFLICT (notice_id) DO NOTHING",
                    &[&notice.notice_id, &notice.published_at, &notice.entry],
                )
                .await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    async fn venue_notices_since(&self, since: i64) -> Result<Vec<StoredNotice>> {
        let client = self.pool.get().await?;
        client
            .execute(
                "DELETE FROM venue_notices WHERE published_at < $1",
                &[&since],
            )
            .await?;
        let rows = client
            .query(
                "SELECT notice_id, published_at, entry FROM venue_notices
                 ORDER BY published_at, notice_id",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| StoredNotice {
                notice_id: row.get(0),
                published_at: row.get(1),
                entry: row.get(2),
            })
            .collect())
    }
}
