//! Venue check-in records ([`crate::venues`]) in the same database as everything else:
//! [`VenueStorage`], a supertrait of [`super::Storage`], implemented here for both backends.
//!
//! Nothing here is readable without the authority's X25519 secret key (a file in the data
//! directory, never in the database): registrations, keywords and request summaries are sealed
//! records; codes are stored only as SHA-256 lookups of 80-bit random values; the notices are
//! the encrypted feed entries phones download anyway.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::shared::{ReadRow, read_row, sqlite};
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
CREATE TABLE IF NOT EXISTS venue_publications (
    id TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    published_by TEXT NOT NULL,
    entries INTEGER NOT NULL,
    summary BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS venue_publications_published ON venue_publications (published_at);
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
CREATE TABLE IF NOT EXISTS venue_publications (
    id TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT NOT NULL,
    entries BIGINT NOT NULL,
    summary BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS venue_publications_published ON venue_publications (published_at);
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

/// One act of publishing, as staff see it in the portal's list of published notices: a
/// request approved or a notice published with the trace code. Its feed entries (one per room)
/// are [`StoredNotice`]s; this row says what they were, for which venue, when and by whom.
///
/// The table is new in issue 17: both backends create it when they open an older database
/// (`CREATE TABLE IF NOT EXISTS`), which then lists what is published from then on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VenuePublicationRow {
    /// The approved request's id, or a random id for a notice published with the trace code.
    pub id: String,
    /// The registration.
    pub registration_id: String,
    /// When it was published.
    pub published_at: i64,
    /// Who published it: a staff login name, or `API key <name>`.
    pub published_by: String,
    /// How many feed entries (rooms) were published.
    pub entries: i64,
    /// What was published (venue, template, window, rooms), sealed to the authority key like a
    /// request's summary.
    pub summary: Vec<u8>,
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

    /// Decides a pending request in one transaction: approving stores `notices` as published
    /// and `publication` in the list of published notices. `None` when there is no pending
    /// request with this id (decided before, or unknown); then nothing is stored.
    async fn decide_notice_request(
        &self,
        id: &str,
        approve: bool,
        notices: &[StoredNotice],
        publication: Option<&VenuePublicationRow>,
        now: i64,
    ) -> Result<Option<NoticeRequestRow>>;

    /// Stores published notices (ignoring ids already stored) and, in the same transaction,
    /// `publication` in the list of published notices.
    async fn insert_venue_notices(
        &self,
        notices: &[StoredNotice],
        publication: Option<&VenuePublicationRow>,
    ) -> Result<()>;

    /// Notices published at or after `since`, oldest first; deletes older ones.
    async fn venue_notices_since(&self, since: i64) -> Result<Vec<StoredNotice>>;

    /// The list of published notices: those published at or after `since`, newest first;
    /// deletes older ones (the feed no longer carries them).
    async fn venue_publications_since(&self, since: i64) -> Result<Vec<VenuePublicationRow>>;
}

/// Reads a [`VenueRegistrationRow`] from the columns of [`REGISTRATION_COLUMNS`].
fn registration<R: ReadRow>(row: &R) -> std::result::Result<VenueRegistrationRow, R::Error> {
    read_row!(row => VenueRegistrationRow {
        id, created_at, trace_lookup, manager_lookup, sealed_for_trace, sealed_for_manager
    })
}

/// Reads a [`NoticeRequestRow`] from `id, registration_id, created_at, status, decided_at,
/// summary, entries`.
fn request<R: ReadRow>(row: &R) -> std::result::Result<NoticeRequestRow, R::Error> {
    read_row!(row => NoticeRequestRow {
        id, registration_id, created_at, status, decided_at, summary, entries
    })
}

/// Reads a [`VenueKeywordRow`] from `lookup, registration_id, sealed, expires_at`.
fn keyword<R: ReadRow>(row: &R) -> std::result::Result<VenueKeywordRow, R::Error> {
    read_row!(row => VenueKeywordRow { lookup, registration_id, sealed, expires_at })
}

/// Reads a [`StoredNotice`] from `notice_id, published_at, entry`.
fn notice<R: ReadRow>(row: &R) -> std::result::Result<StoredNotice, R::Error> {
    read_row!(row => StoredNotice { notice_id, published_at, entry })
}

/// Reads a [`VenuePublicationRow`] from [`PUBLICATION_COLUMNS`].
fn publication<R: ReadRow>(row: &R) -> std::result::Result<VenuePublicationRow, R::Error> {
    read_row!(row => VenuePublicationRow {
        id, registration_id, published_at, published_by, entries, summary
    })
}

/// The columns [`publication`] reads.
const PUBLICATION_COLUMNS: &str =
    "id, registration_id, published_at, published_by, entries, summary";

/// The columns [`registration`] reads.
const REGISTRATION_COLUMNS: &str =
    "id, created_at, trace_lookup, manager_lookup, sealed_for_trace, sealed_for_manager";

// The SQL of both backends, in PostgreSQL's placeholders (see `super::shared::sqlite`).
const INSERT_REGISTRATION: &str = "INSERT INTO venue_registrations (id, created_at, trace_lookup, \
     manager_lookup, sealed_for_trace, sealed_for_manager) VALUES ($1, $2, $3, $4, $5, $6)";
const INSERT_KEYWORD: &str = "INSERT INTO venue_keywords (lookup, registration_id, sealed, expires_at) VALUES ($1, $2, $3, $4)";
const DELETE_EXPIRED_KEYWORDS: &str = "DELETE FROM venue_keywords WHERE expires_at <= $1";
const TAKE_KEYWORD: &str = "DELETE FROM venue_keywords WHERE lookup = $1
     RETURNING lookup, registration_id, sealed, expires_at";
const INSERT_REQUEST: &str = "INSERT INTO venue_notice_requests (id, registration_id, created_at, \
     status, decided_at, summary, entries) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const PENDING_REQUESTS: &str = "SELECT id, registration_id, created_at, status, decided_at, \
     summary, entries FROM venue_notice_requests WHERE status = 'pending' ORDER BY created_at, id";
const DECIDE_REQUEST: &str = "UPDATE venue_notice_requests SET status = $2, decided_at = $3
     WHERE id = $1 AND status = 'pending'
     RETURNING id, registration_id, created_at, status, decided_at, summary, entries";
const INSERT_NOTICE: &str = "INSERT INTO venue_notices (notice_id, published_at, entry) \
     VALUES ($1, $2, $3) ON CONFLICT (notice_id) DO NOTHING";
const DELETE_OLD_NOTICES: &str = "DELETE FROM venue_notices WHERE published_at < $1";
const NOTICES: &str = "SELECT notice_id, published_at, entry FROM venue_notices
     ORDER BY published_at, notice_id";
const INSERT_PUBLICATION: &str = "INSERT INTO venue_publications (id, registration_id, \
     published_at, published_by, entries, summary) VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (id) DO NOTHING";
const DELETE_OLD_PUBLICATIONS: &str = "DELETE FROM venue_publications WHERE published_at < $1";

/// The list of published notices, newest first.
fn publications_query() -> String {
    format!("SELECT {PUBLICATION_COLUMNS} FROM venue_publications ORDER BY published_at DESC, id")
}

/// Which lookup finds a registration.
#[derive(Clone, Copy)]
enum Lookup {
    Trace,
    Manager,
}

impl Lookup {
    /// The query for the registration with this lookup.
    fn query(self) -> String {
        let column = match self {
            Self::Trace => "trace_lookup",
            Self::Manager => "manager_lookup",
        };
        format!("SELECT {REGISTRATION_COLUMNS} FROM venue_registrations WHERE {column} = $1")
    }
}

/// The decision's status.
fn decided(approve: bool) -> &'static str {
    if approve { "approved" } else { "rejected" }
}

impl SqliteStorage {
    async fn venue_by(&self, by: Lookup, lookup: &str) -> Result<Option<VenueRegistrationRow>> {
        let lookup = lookup.to_owned();
        self.with(move |connection| {
            Ok(connection
                .query_row(&sqlite(&by.query()), [&lookup], |row| registration(row))
                .optional()?)
        })
        .await
    }
}

/// Stores `notices` in `transaction`, ignoring ids already stored.
fn insert_notices_sqlite(
    transaction: &rusqlite::Transaction<'_>,
    notices: &[StoredNotice],
) -> rusqlite::Result<()> {
    for notice in notices {
        transaction.execute(
            &sqlite(INSERT_NOTICE),
            params![notice.notice_id, notice.published_at, notice.entry],
        )?;
    }
    Ok(())
}

/// Stores `publication` in `transaction`, if there is one.
fn insert_publication_sqlite(
    transaction: &rusqlite::Transaction<'_>,
    publication: Option<&VenuePublicationRow>,
) -> rusqlite::Result<()> {
    if let Some(row) = publication {
        transaction.execute(
            &sqlite(INSERT_PUBLICATION),
            params![
                row.id,
                row.registration_id,
                row.published_at,
                row.published_by,
                row.entries,
                row.summary
            ],
        )?;
    }
    Ok(())
}

#[async_trait]
impl VenueStorage for SqliteStorage {
    async fn insert_venue_registration(&self, row: &VenueRegistrationRow) -> Result<()> {
        let row = row.clone();
        let params = (
            row.id,
            row.created_at,
            row.trace_lookup,
            row.manager_lookup,
            row.sealed_for_trace,
            row.sealed_for_manager,
        );
        self.execute(INSERT_REGISTRATION, params).await?;
        Ok(())
    }

    async fn venue_by_trace_lookup(&self, lookup: &str) -> Result<Option<VenueRegistrationRow>> {
        self.venue_by(Lookup::Trace, lookup).await
    }

    async fn venue_by_manager_lookup(&self, lookup: &str) -> Result<Option<VenueRegistrationRow>> {
        self.venue_by(Lookup::Manager, lookup).await
    }

    async fn insert_venue_keyword(&self, row: &VenueKeywordRow) -> Result<()> {
        let row = row.clone();
        let params = (row.lookup, row.registration_id, row.sealed, row.expires_at);
        self.execute(INSERT_KEYWORD, params).await?;
        Ok(())
    }

    async fn take_venue_keyword(&self, lookup: &str, now: i64) -> Result<Option<VenueKeywordRow>> {
        let lookup = lookup.to_owned();
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            transaction.execute(&sqlite(DELETE_EXPIRED_KEYWORDS), [now])?;
            let row = transaction
                .query_row(&sqlite(TAKE_KEYWORD), [&lookup], |row| keyword(row))
                .optional()?;
            transaction.commit()?;
            Ok(row)
        })
        .await
    }

    async fn insert_notice_request(&self, row: &NoticeRequestRow) -> Result<()> {
        let row = row.clone();
        let params = (
            row.id,
            row.registration_id,
            row.created_at,
            row.status,
            row.decided_at,
            row.summary,
            row.entries,
        );
        self.execute(INSERT_REQUEST, params).await?;
        Ok(())
    }

    async fn pending_notice_requests(&self) -> Result<Vec<NoticeRequestRow>> {
        self.with(move |connection| {
            let mut statement = connection.prepare(&sqlite(PENDING_REQUESTS))?;
            let rows = statement
                .query_map([], |row| request(row))?
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
        publication: Option<&VenuePublicationRow>,
        now: i64,
    ) -> Result<Option<NoticeRequestRow>> {
        let (id, notices) = (id.to_owned(), notices.to_vec());
        let publication = publication.cloned();
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            let row = transaction
                .query_row(
                    &sqlite(DECIDE_REQUEST),
                    params![id, decided(approve), now],
                    |row| request(row),
                )
                .optional()?;
            if row.is_some() && approve {
                insert_notices_sqlite(&transaction, &notices)?;
                insert_publication_sqlite(&transaction, publication.as_ref())?;
            }
            transaction.commit()?;
            Ok(row)
        })
        .await
    }

    async fn insert_venue_notices(
        &self,
        notices: &[StoredNotice],
        publication: Option<&VenuePublicationRow>,
    ) -> Result<()> {
        let notices = notices.to_vec();
        let publication = publication.cloned();
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            insert_notices_sqlite(&transaction, &notices)?;
            insert_publication_sqlite(&transaction, publication.as_ref())?;
            transaction.commit()?;
            Ok(())
        })
        .await
    }

    async fn venue_notices_since(&self, since: i64) -> Result<Vec<StoredNotice>> {
        self.with(move |connection| {
            connection.execute(&sqlite(DELETE_OLD_NOTICES), [since])?;
            let mut statement = connection.prepare(NOTICES)?;
            let rows = statement
                .query_map([], |row| notice(row))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn venue_publications_since(&self, since: i64) -> Result<Vec<VenuePublicationRow>> {
        self.with(move |connection| {
            connection.execute(&sqlite(DELETE_OLD_PUBLICATIONS), [since])?;
            let mut statement = connection.prepare(&publications_query())?;
            let rows = statement
                .query_map([], |row| publication(row))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }
}

impl PostgresStorage {
    async fn venue_by(&self, by: Lookup, lookup: &str) -> Result<Option<VenueRegistrationRow>> {
        let client = self.pool.get().await?;
        let row = client.query_opt(&by.query(), &[&lookup]).await?;
        Ok(row.as_ref().map(registration).transpose()?)
    }
}

/// Stores `notices` in `transaction`, ignoring ids already stored.
async fn insert_notices_postgres(
    transaction: &deadpool_postgres::Transaction<'_>,
    notices: &[StoredNotice],
) -> Result<()> {
    for notice in notices {
        transaction
            .execute(
                INSERT_NOTICE,
                &[&notice.notice_id, &notice.published_at, &notice.entry],
            )
            .await?;
    }
    Ok(())
}

/// Stores `publication` in `transaction`, if there is one.
async fn insert_publication_postgres(
    transaction: &deadpool_postgres::Transaction<'_>,
    publication: Option<&VenuePublicationRow>,
) -> Result<()> {
    if let Some(row) = publication {
        transaction
            .execute(
                INSERT_PUBLICATION,
                &[
                    &row.id,
                    &row.registration_id,
                    &row.published_at,
                    &row.published_by,
                    &row.entries,
                    &row.summary,
                ],
            )
            .await?;
    }
    Ok(())
}

#[async_trait]
impl VenueStorage for PostgresStorage {
    async fn insert_venue_registration(&self, row: &VenueRegistrationRow) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                INSERT_REGISTRATION,
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
        self.venue_by(Lookup::Trace, lookup).await
    }

    async fn venue_by_manager_lookup(&self, lookup: &str) -> Result<Option<VenueRegistrationRow>> {
        self.venue_by(Lookup::Manager, lookup).await
    }

    async fn insert_venue_keyword(&self, row: &VenueKeywordRow) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                INSERT_KEYWORD,
                &[
                    &row.lookup,
                    &row.registration_id,
                    &row.sealed,
                    &row.expires_at,
                ],
            )
            .await?;
        Ok(())
    }

    async fn take_venue_keyword(&self, lookup: &str, now: i64) -> Result<Option<VenueKeywordRow>> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        transaction
            .execute(DELETE_EXPIRED_KEYWORDS, &[&now])
            .await?;
        let row = transaction.query_opt(TAKE_KEYWORD, &[&lookup]).await?;
        transaction.commit().await?;
        Ok(row.as_ref().map(keyword).transpose()?)
    }

    async fn insert_notice_request(&self, row: &NoticeRequestRow) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                INSERT_REQUEST,
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
        let rows = client.query(PENDING_REQUESTS, &[]).await?;
        Ok(rows
            .iter()
            .map(request)
            .collect::<std::result::Result<_, _>>()?)
    }

    async fn decide_notice_request(
        &self,
        id: &str,
        approve: bool,
        notices: &[StoredNotice],
        publication: Option<&VenuePublicationRow>,
        now: i64,
    ) -> Result<Option<NoticeRequestRow>> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        let row = transaction
            .query_opt(DECIDE_REQUEST, &[&id, &decided(approve), &now])
            .await?;
        if row.is_some() && approve {
            insert_notices_postgres(&transaction, notices).await?;
            insert_publication_postgres(&transaction, publication).await?;
        }
        transaction.commit().await?;
        Ok(row.as_ref().map(request).transpose()?)
    }

    async fn insert_venue_notices(
        &self,
        notices: &[StoredNotice],
        publication: Option<&VenuePublicationRow>,
    ) -> Result<()> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        insert_notices_postgres(&transaction, notices).await?;
        insert_publication_postgres(&transaction, publication).await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn venue_notices_since(&self, since: i64) -> Result<Vec<StoredNotice>> {
        let client = self.pool.get().await?;
        client.execute(DELETE_OLD_NOTICES, &[&since]).await?;
        let rows = client.query(NOTICES, &[]).await?;
        Ok(rows
            .iter()
            .map(notice)
            .collect::<std::result::Result<_, _>>()?)
    }

    async fn venue_publications_since(&self, since: i64) -> Result<Vec<VenuePublicationRow>> {
        let client = self.pool.get().await?;
        client.execute(DELETE_OLD_PUBLICATIONS, &[&since]).await?;
        let rows = client.query(&publications_query(), &[]).await?;
        Ok(rows
            .iter()
            .map(publication)
            .collect::<std::result::Result<_, _>>()?)
    }
}
