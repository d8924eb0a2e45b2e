//! What the SQLite and PostgreSQL backends share: SQL text written once, with PostgreSQL's
//! `$1` placeholders ([`sqlite`] turns them into SQLite's `?1`), and row mapping written once
//! over [`ReadRow`], which both drivers' rows implement.

use super::{ExportFileRecord, StoredExposure};

/// `Ok` of a `$type` whose fields are read from the row's columns in the order written:
/// `read_row!(row => Type { a, b })` reads `a` from column 0 and `b` from column 1. (Struct
/// fields are evaluated in the order written.)
macro_rules! read_row {
    ($row:expr => $type:ident { $($field:ident),+ $(,)? }) => {{
        let mut columns = 0usize..;
        Ok($type {
            $($field: $row.column(columns.next().unwrap_or_default())?),+
        })
    }};
}
pub(super) use read_row;

/// A column value both drivers can read.
pub(super) trait Column:
    rusqlite::types::FromSql + for<'a> tokio_postgres::types::FromSql<'a>
{
}

impl<T> Column for T where T: rusqlite::types::FromSql + for<'a> tokio_postgres::types::FromSql<'a> {}

/// A result row of either driver.
pub(super) trait ReadRow {
    /// The driver's error.
    type Error;

    /// The value of column `index` (from 0).
    fn column<T: Column>(&self, index: usize) -> Result<T, Self::Error>;
}

impl ReadRow for rusqlite::Row<'_> {
    type Error = rusqlite::Error;

    fn column<T: Column>(&self, index: usize) -> Result<T, Self::Error> {
        self.get(index)
    }
}

impl ReadRow for tokio_postgres::Row {
    type Error = tokio_postgres::Error;

    fn column<T: Column>(&self, index: usize) -> Result<T, Self::Error> {
        self.try_get(index)
    }
}

/// Reads an [`ExportFileRecord`] from `object_name, region, batch_id, batch_num, batch_size,
/// key_count, created_ms`.
pub(super) fn export_file<R: ReadRow>(row: &R) -> Result<ExportFileRecord, R::Error> {
    read_row!(row => ExportFileRecord {
        object_name, region, batch_id, batch_num, batch_size, key_count, created_ms
    })
}

/// The SQL (either backend) of the keys that became available in `$1..$2`, the columns
/// [`exposure`] reads.
pub(super) const EXPOSURES_BETWEEN: &str = "SELECT key, CAST(rolling_start AS BIGINT), \
     CAST(rolling_period AS BIGINT), transmission_risk, report_type, days_since_onset, \
     available_at FROM exposures WHERE available_at >= $1 AND available_at < $2";

/// Reads a [`StoredExposure`] from the columns of [`EXPOSURES_BETWEEN`], checking the key's
/// length and the ranges the database types do not.
pub(super) fn exposure<R: ReadRow>(row: &R) -> crate::Result<StoredExposure>
where
    crate::Error: From<R::Error>,
{
    let key: Vec<u8> = row.column(0)?;
    let in_range = |value: i64, what: &str| {
        u32::try_from(value)
            .map_err(|_| crate::Error::Database(format!("a stored {what} is out of range")))
    };
    Ok(StoredExposure {
        key: key
            .as_slice()
            .try_into()
            .map_err(|_| crate::Error::Database("a stored key is not 16 bytes".into()))?,
        rolling_start: in_range(row.column(1)?, "rolling start")?,
        rolling_period: in_range(row.column(2)?, "rolling period")?,
        transmission_risk: row.column(3)?,
        report_type: row.column(4)?,
        days_since_onset: row.column(5)?,
        available_at: row.column(6)?,
    })
}

/// `sql` written for PostgreSQL (`$1`, `$2`, …) as SQLite takes it (`?1`, `?2`, …). A `$` that
/// is not followed by a digit is kept.
pub(super) fn sqlite(sql: &str) -> String {
    let mut converted = String::with_capacity(sql.len());
    let mut characters = sql.chars().peekable();
    while let Some(c) = characters.next() {
        if c == '$' && characters.peek().is_some_and(char::is_ascii_digit) {
            converted.push('?');
        } else {
            converted.push(c);
        }
    }
    converted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_sqlite_ones() {
        assert_eq!(
            sqlite("UPDATE t SET a = $2, b = $10 WHERE id = $1 AND c = '$x'"),
            "UPDATE t SET a = ?2, b = ?10 WHERE id = ?1 AND c = '$x'"
        );
    }

    #[test]
    fn rows_of_both_drivers_read_alike() {
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        let read = connection
            .query_row(
                &sqlite("SELECT $1, $2"),
                rusqlite::params![7_i64, "x"],
                |row| Ok((row.column::<i64>(0)?, row.column::<String>(1)?)),
            )
            .unwrap();
        assert_eq!(read, (7, "x".to_owned()));
    }
}
