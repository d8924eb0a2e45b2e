//! The phone's SQLite database: opening, identifying and migrating it.
//!
//! One file holds everything the phone keeps (its keys now; what it heard, check-ins and
//! download progress in later schema versions). The file is marked with a SQLite
//! `application_id` so that a file of another program is never mistaken for ours, and carries its
//! schema version in `user_version`. Opening:
//!
//! 1. A file that is not SQLite, or is damaged, is [`Error::CorruptDatabase`].
//! 2. A SQLite file with another application id, or with tables but no id, is
//!    [`Error::ForeignDatabase`]; it is never modified.
//! 3. A schema newer than this build is [`Error::UnsupportedSchema`]; it is never modified.
//! 4. Otherwise pending migrations run in one transaction: all or nothing.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::{Error, Result};

/// The SQLite `application_id` of a Mimamori phone database: ASCII "MMRI".
pub const APPLICATION_ID: i32 = 0x4D4D_5249;

/// Schema migrations, in order; migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // Version 1: temporary exposure keys, one per rolling start.
    "CREATE TABLE temporary_exposure_keys (
         rolling_start INTEGER PRIMARY KEY NOT NULL,
         rolling_period INTEGER NOT NULL CHECK (rolling_period BETWEEN 1 AND 144),
         key_data BLOB NOT NULL CHECK (length(key_data) = 16)
     ) STRICT;",
    // Version 2: scans and what they heard.
    "CREATE TABLE scans (
         scan_id INTEGER PRIMARY KEY NOT NULL,
         started_at INTEGER NOT NULL
     ) STRICT;
     CREATE INDEX scans_by_start ON scans (started_at);
     CREATE TABLE sightings (
         id INTEGER PRIMARY KEY,
         scan_id INTEGER NOT NULL REFERENCES scans (scan_id) ON DELETE CASCADE,
         rpi BLOB NOT NULL CHECK (length(rpi) = 16),
         aem BLOB NOT NULL CHECK (length(aem) = 4),
         rssi INTEGER NOT NULL CHECK (rssi BETWEEN -127 AND 20),
         seen_at INTEGER NOT NULL
     ) STRICT;
     CREATE INDEX sightings_by_scan ON sightings (scan_id);
     CREATE INDEX sightings_by_rpi ON sightings (rpi);",
    // Version 3: exposure windows found by matching diagnosis keys (the key is public data).
    "CREATE TABLE exposure_windows (
         id INTEGER PRIMARY KEY,
         key_data BLOB NOT NULL CHECK (length(key_data) = 16),
         date_millis INTEGER NOT NULL,
         window_json TEXT NOT NULL,
         UNIQUE (key_data, window_json)
     ) STRICT;
     CREATE INDEX exposure_windows_by_date ON exposure_windows (date_millis);",
    // Version 4: which downloaded export files have been matched, so that each is matched once.
    "CREATE TABLE processed_exports (
         source TEXT NOT NULL,
         name TEXT NOT NULL,
         processed_at INTEGER NOT NULL,
         keys INTEGER NOT NULL,
         windows INTEGER NOT NULL,
         PRIMARY KEY (source, name)
     ) STRICT;",
    // Version 5: how far the phone has synced each server's export list (one row per server and
    // region), advanced only after the files up to that point are matched.
    "CREATE TABLE sync_progress (
         source TEXT PRIMARY KEY NOT NULL,
         last_created INTEGER NOT NULL,
         updated_at INTEGER NOT NULL
     ) STRICT;",
    // Version 6: venue check-ins (kept on the phone, never uploaded), the resident's one-time
    // consent to them, and the venue notices found for them (one row per notice id).
    "CREATE TABLE venue_consent (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         consented_at INTEGER NOT NULL
     ) STRICT;
     CREATE TABLE venue_visits (
         id INTEGER PRIMARY KEY,
         payload BLOB NOT NULL,
         scanned_at INTEGER NOT NULL,
         checkout_at INTEGER NOT NULL CHECK (checkout_at >= scanned_at),
         role TEXT NOT NULL CHECK (role IN ('visitor', 'staff'))
     ) STRICT;
     CREATE INDEX venue_visits_by_checkout ON venue_visits (checkout_at);
     CREATE TABLE venue_notices (
         notice_id BLOB PRIMARY KEY NOT NULL CHECK (length(notice_id) = 16),
         visit_id INTEGER NOT NULL REFERENCES venue_visits (id) ON DELETE CASCADE,
         body BLOB NOT NULL,
         published_at INTEGER NOT NULL,
         found_at INTEGER NOT NULL
     ) STRICT;",
];

/// The newest schema version this build writes and reads.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// An open, identified and migrated phone database.
#[derive(Debug)]
pub struct Database {
    connection: Connection,
    path: PathBuf,
}

impl Database {
    /// Opens (creating it if absent) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let existed = path.exists();
        let connection = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|error| classify(error, &path))?;
        if !existed {
            restrict_permissions(&path)?;
        }
        let mut database = Self { connection, path };
        database.identify_and_migrate()?;
        Ok(database)
    }

    /// Opens a private database that lives only in memory (for tests and tools).
    pub fn open_in_memory() -> Result<Self> {
        let connection = Connection::open_in_memory()?;
        let mut database = Self {
            connection,
            path: PathBuf::from(":memory:"),
        };
        database.identify_and_migrate()?;
        Ok(database)
    }

    /// The file this database lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for the stores built on this database.
    pub(crate) fn connection(&mut self) -> &mut Connection {
        &mut self.connection
    }

    /// Turns a SQLite error into an [`Error`] that names a damaged file as such.
    pub(crate) fn error(&self, error: rusqlite::Error) -> Error {
        classify(error, &self.path)
    }

    fn identify_and_migrate(&mut self) -> Result<()> {
        let path = &self.path;
        let sqlite = |error| classify(error, path);
        let connection = &mut self.connection;
        // The first read of the header is where SQLite notices a file that is not a database.
        let application_id: i32 = connection
            .pragma_query_value(None, "application_id", |row| row.get(0))
            .map_err(sqlite)?;
        let version: i32 = connection
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(sqlite)?;
        let tables: i64 = connection
            .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
            .map_err(sqlite)?;
        if application_id != APPLICATION_ID && (application_id != 0 || tables > 0) {
            return Err(Error::ForeignDatabase {
                path: path.clone(),
                application_id,
            });
        }
        let pending = usize::try_from(version)
            .ok()
            .and_then(|applied| MIGRATIONS.get(applied..))
            .ok_or_else(|| Error::UnsupportedSchema {
                path: path.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            })?;
        if path.as_os_str() != ":memory:" {
            // WAL: readers never block the writer.
            connection
                .pragma_update(None, "journal_mode", "WAL")
                .map_err(sqlite)?;
        }
        // Several connections (key store, sighting store) may share the file.
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sqlite)?;
        connection
            .pragma_update(None, "foreign_keys", true)
            .map_err(sqlite)?;
        // FULL: a committed transaction survives a crash or power loss.
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(sqlite)?;
        let transaction = connection.transaction().map_err(sqlite)?;
        for migration in pending {
            transaction.execute_batch(migration).map_err(sqlite)?;
        }
        transaction
            .pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(sqlite)?;
        transaction
            .pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(sqlite)?;
        transaction.commit().map_err(sqlite)
    }
}

/// Names a damaged or non-database file as such; passes other errors through.
/// A count or a time in Unix seconds as a SQLite integer (signed): clamped to `i64::MAX`, far
/// beyond any real time or count, so ranges stay ordered.
pub(crate) fn to_sql(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A SQLite integer written by [`to_sql`] back as a `u64`; a negative one (never written) is 0.
pub(crate) fn from_sql(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn classify(error: rusqlite::Error, path: &Path) -> Error {
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Error::CorruptDatabase {
            path: path.to_path_buf(),
        },
        _ => Error::Storage(error),
    }
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|cause| {
        Error::Io {
            path: path.to_path_buf(),
            cause,
        }
    })
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_identifies_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("phone.sqlite3");
        drop(Database::open(&path).unwrap());
        let mut database = Database::open(&path).unwrap();
        let id: i32 = database
            .connection()
            .pragma_query_value(None, "application_id", |row| row.get(0))
            .unwrap();
        assert_eq!(id, APPLICATION_ID);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn rejects_a_file_that_is_not_a_database_and_leaves_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("phone.sqlite3");
        let garbage = b"this is certainly not a SQLite database, it is a text file".repeat(100);
        std::fs::write(&path, &garbage).unwrap();
        let error = Database::open(&path).unwrap_err();
        assert!(matches!(error, Error::CorruptDatabase { .. }), "{error:?}");
        assert!(
            error.to_string().contains("damaged or is not a database"),
            "{error}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), garbage);
    }

    #[test]
    fn rejects_another_applications_database_and_leaves_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.sqlite3");
        {
            let connection = Connection::open(&path).unwrap();
            connection
                .execute_batch(
                    "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x');",
                )
                .unwrap();
        }
        // Refused as another application's database, with the application id found.
        let refused_as_foreign = |expected: i32| {
            let error = Database::open(&path).unwrap_err();
            assert!(
                matches!(error, Error::ForeignDatabase { application_id, .. } if application_id == expected),
                "{error:?}"
            );
        };
        refused_as_foreign(0);
        let connection = Connection::open(&path).unwrap();
        let count: i64 = connection
            .query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 1);
        let version: i32 = connection
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 0);

        connection
            .pragma_update(None, "application_id", 0x1234)
            .unwrap();
        drop(connection);
        refused_as_foreign(0x1234);
    }

    #[test]
    fn rejects_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("phone.sqlite3");
        drop(Database::open(&path).unwrap());
        {
            let connection = Connection::open(&path).unwrap();
            connection
                .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let error = Database::open(&path).unwrap_err();
        assert!(
            matches!(error, Error::UnsupportedSchema { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("update the app"), "{error}");
    }

    #[test]
    fn migrates_an_older_schema_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("phone.sqlite3");
        {
            let connection = Connection::open(&path).unwrap();
            connection.execute_batch(MIGRATIONS[0]).unwrap();
            connection
                .execute(
                    "INSERT INTO temporary_exposure_keys VALUES (144, 144, zeroblob(16))",
                    [],
                )
                .unwrap();
            connection
                .pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            connection.pragma_update(None, "user_version", 1).unwrap();
        }
        let mut database = Database::open(&path).unwrap();
        let connection = database.connection();
        let version: i32 = connection
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let keys: i64 = connection
            .query_row("SELECT count(*) FROM temporary_exposure_keys", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(keys, 1);
        let scans: i64 = connection
            .query_row("SELECT count(*) FROM scans", [], |r| r.get(0))
            .unwrap();
        assert_eq!(scans, 0);
    }
}
