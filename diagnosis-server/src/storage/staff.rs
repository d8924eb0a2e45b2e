//! Staff accounts and sessions of the staff portal ([`crate::portal`]), in the same database as
//! everything else: [`StaffStorage`], a supertrait of [`super::Storage`], implemented here for
//! both backends.
//!
//! Only hashes are stored: an Argon2id PHC string for a password, SHA-256 of a session token.
//! The per-account failure count and lock below ([`StaffStorage::record_login_failure`]) are
//! no longer used by the portal, which locks a name per client in memory instead
//! ([`crate::portal::auth::LoginFailures`], issue 13: a per-account lock let anyone lock a
//! colleague out); the columns stay so that older databases open unchanged.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::shared::{ReadRow, read_row, sqlite};
use super::{PostgresStorage, SqliteStorage};
use crate::Result;

/// Tables of the portal (SQLite). Created with the rest of the schema.
pub(super) const SQLITE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS staff_users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS staff_sessions (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES staff_users (name) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
";

/// Tables of the portal (PostgreSQL).
pub(super) const POSTGRES_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS staff_users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS staff_sessions (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES staff_users (name) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
";

/// A staff account as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct StaffAccount {
    /// Login name.
    pub name: String,
    /// Argon2id hash of the password (PHC string).
    pub password_hash: String,
    /// Failed logins since the last success or lock.
    pub failed_logins: i64,
    /// Logins are refused before this time (Unix seconds; 0 when not locked).
    pub locked_until: i64,
}

impl std::fmt::Debug for StaffAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffAccount")
            .field("name", &self.name)
            .field("failed_logins", &self.failed_logins)
            .field("locked_until", &self.locked_until)
            .finish_non_exhaustive()
    }
}

/// Staff accounts and portal sessions.
#[async_trait]
pub trait StaffStorage: Send + Sync + 'static {
    /// Creates the account, or sets a new password for it: its failure count and lock are
    /// cleared and its sessions ended.
    async fn put_staff_account(&self, name: &str, password_hash: &str, now: i64) -> Result<()>;

    /// Deletes the account and its sessions; `false` when there was none.
    async fn delete_staff_account(&self, name: &str) -> Result<bool>;

    /// The account with this name.
    async fn staff_account(&self, name: &str) -> Result<Option<StaffAccount>>;

    /// Names of all accounts, sorted.
    async fn staff_names(&self) -> Result<Vec<String>>;

    /// Counts a failed login in one statement; at `max_failures` the account is locked until
    /// `now + lock_seconds` and the count starts again. Returns the lock end (0 when not
    /// locked); `None` when there is no such account.
    async fn record_login_failure(
        &self,
        name: &str,
        now: i64,
        max_failures: i64,
        lock_seconds: i64,
    ) -> Result<Option<i64>>;

    /// Clears the failure count after a successful login.
    async fn record_login_success(&self, name: &str) -> Result<()>;

    /// Stores a session (the SHA-256 of its token) of an account.
    async fn create_staff_session(
        &self,
        token_hash: &str,
        name: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()>;

    /// The account name of an unexpired session.
    async fn staff_session(&self, token_hash: &str, now: i64) -> Result<Option<String>>;

    /// Ends a session; `false` when there was none.
    async fn delete_staff_session(&self, token_hash: &str) -> Result<bool>;

    /// Deletes sessions that expired before `now`; returns how many.
    async fn delete_expired_staff_sessions(&self, now: i64) -> Result<u64>;
}

// The SQL of both backends, in PostgreSQL's placeholders (see `super::shared::sqlite`).
const END_SESSIONS_OF: &str = "DELETE FROM staff_sessions WHERE name = $1";
const PUT_ACCOUNT: &str = "INSERT INTO staff_users (name, password_hash, created_at)
     VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash,
     failed_logins = 0, locked_until = 0";
const DELETE_ACCOUNT: &str = "DELETE FROM staff_users WHERE name = $1";
const ACCOUNT: &str = "SELECT name, password_hash, CAST(failed_logins AS BIGINT), locked_until
     FROM staff_users WHERE name = $1";
const NAMES: &str = "SELECT name FROM staff_users ORDER BY name";
const RECORD_FAILURE: &str = "UPDATE staff_users SET
       locked_until = CASE WHEN failed_logins + 1 >= $2
                      THEN CAST($3 AS BIGINT) + CAST($4 AS BIGINT) ELSE locked_until END,
       failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END
     WHERE name = $1
     RETURNING locked_until";
const RECORD_SUCCESS: &str = "UPDATE staff_users SET failed_logins = 0 WHERE name = $1";
const CREATE_SESSION: &str = "INSERT INTO staff_sessions (token_hash, name, created_at, expires_at)
     VALUES ($1, $2, $3, $4)";
const SESSION: &str = "SELECT name FROM staff_sessions WHERE token_hash = $1 AND expires_at > $2";
const DELETE_SESSION: &str = "DELETE FROM staff_sessions WHERE token_hash = $1";
const DELETE_EXPIRED_SESSIONS: &str = "DELETE FROM staff_sessions WHERE expires_at <= $1";

/// Reads a [`StaffAccount`] from the columns of [`ACCOUNT`].
fn account<R: ReadRow>(row: &R) -> std::result::Result<StaffAccount, R::Error> {
    read_row!(row => StaffAccount { name, password_hash, failed_logins, locked_until })
}

#[async_trait]
impl StaffStorage for SqliteStorage {
    async fn put_staff_account(&self, name: &str, password_hash: &str, now: i64) -> Result<()> {
        let (name, password_hash) = (name.to_owned(), password_hash.to_owned());
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            transaction.execute(&sqlite(END_SESSIONS_OF), [&name])?;
            transaction.execute(&sqlite(PUT_ACCOUNT), params![name, password_hash, now])?;
            transaction.commit()?;
            Ok(())
        })
        .await
    }

    async fn delete_staff_account(&self, name: &str) -> Result<bool> {
        let name = name.to_owned();
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            transaction.execute(&sqlite(END_SESSIONS_OF), [&name])?;
            let deleted = transaction.execute(&sqlite(DELETE_ACCOUNT), [&name])?;
            transaction.commit()?;
            Ok(deleted == 1)
        })
        .await
    }

    async fn staff_account(&self, name: &str) -> Result<Option<StaffAccount>> {
        let name = name.to_owned();
        self.with(move |connection| {
            Ok(connection
                .query_row(&sqlite(ACCOUNT), [name], |row| account(row))
                .optional()?)
        })
        .await
    }

    async fn staff_names(&self) -> Result<Vec<String>> {
        self.with(move |connection| {
            let mut statement = connection.prepare(NAMES)?;
            let names = statement
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(names)
        })
        .await
    }

    async fn record_login_failure(
        &self,
        name: &str,
        now: i64,
        max_failures: i64,
        lock_seconds: i64,
    ) -> Result<Option<i64>> {
        let name = name.to_owned();
        self.with(move |connection| {
            Ok(connection
                .query_row(
                    &sqlite(RECORD_FAILURE),
                    params![name, max_failures, now, lock_seconds],
                    |row| row.get(0),
                )
                .optional()?)
        })
        .await
    }

    async fn record_login_success(&self, name: &str) -> Result<()> {
        self.execute(RECORD_SUCCESS, [name.to_owned()]).await?;
        Ok(())
    }

    async fn create_staff_session(
        &self,
        token_hash: &str,
        name: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let params = (token_hash.to_owned(), name.to_owned(), now, expires_at);
        self.execute(CREATE_SESSION, params).await?;
        Ok(())
    }

    async fn staff_session(&self, token_hash: &str, now: i64) -> Result<Option<String>> {
        let token_hash = token_hash.to_owned();
        self.with(move |connection| {
            Ok(connection
                .query_row(&sqlite(SESSION), params![token_hash, now], |row| row.get(0))
                .optional()?)
        })
        .await
    }

    async fn delete_staff_session(&self, token_hash: &str) -> Result<bool> {
        Ok(self
            .execute(DELETE_SESSION, [token_hash.to_owned()])
            .await?
            == 1)
    }

    async fn delete_expired_staff_sessions(&self, now: i64) -> Result<u64> {
        let deleted = self.execute(DELETE_EXPIRED_SESSIONS, [now]).await?;
        Ok(u64::try_from(deleted).unwrap_or(u64::MAX))
    }
}

#[async_trait]
impl StaffStorage for PostgresStorage {
    async fn put_staff_account(&self, name: &str, password_hash: &str, now: i64) -> Result<()> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        transaction.execute(END_SESSIONS_OF, &[&name]).await?;
        transaction
            .execute(PUT_ACCOUNT, &[&name, &password_hash, &now])
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn delete_staff_account(&self, name: &str) -> Result<bool> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        transaction.execute(END_SESSIONS_OF, &[&name]).await?;
        let deleted = transaction.execute(DELETE_ACCOUNT, &[&name]).await?;
        transaction.commit().await?;
        Ok(deleted == 1)
    }

    async fn staff_account(&self, name: &str) -> Result<Option<StaffAccount>> {
        let client = self.pool.get().await?;
        let row = client.query_opt(ACCOUNT, &[&name]).await?;
        Ok(row.as_ref().map(account).transpose()?)
    }

    async fn staff_names(&self) -> Result<Vec<String>> {
        let client = self.pool.get().await?;
        let rows = client.query(NAMES, &[]).await?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    async fn record_login_failure(
        &self,
        name: &str,
        now: i64,
        max_failures: i64,
        lock_seconds: i64,
    ) -> Result<Option<i64>> {
        let client = self.pool.get().await?;
        let max_failures = i32::try_from(max_failures).unwrap_or(i32::MAX);
        let row = client
            .query_opt(RECORD_FAILURE, &[&name, &max_failures, &now, &lock_seconds])
            .await?;
        Ok(row.map(|row| row.get(0)))
    }

    async fn record_login_success(&self, name: &str) -> Result<()> {
        let client = self.pool.get().await?;
        client.execute(RECORD_SUCCESS, &[&name]).await?;
        Ok(())
    }

    async fn create_staff_session(
        &self,
        token_hash: &str,
        name: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(CREATE_SESSION, &[&token_hash, &name, &now, &expires_at])
            .await?;
        Ok(())
    }

    async fn staff_session(&self, token_hash: &str, now: i64) -> Result<Option<String>> {
        let client = self.pool.get().await?;
        let row = client.query_opt(SESSION, &[&token_hash, &now]).await?;
        Ok(row.map(|row| row.get(0)))
    }

    async fn delete_staff_session(&self, token_hash: &str) -> Result<bool> {
        let client = self.pool.get().await?;
        let deleted = client.execute(DELETE_SESSION, &[&token_hash]).await?;
        Ok(deleted == 1)
    }

    async fn delete_expired_staff_sessions(&self, now: i64) -> Result<u64> {
        let client = self.pool.get().await?;
        Ok(client.execute(DELETE_EXPIRED_SESSIONS, &[&now]).await?)
    }
}
