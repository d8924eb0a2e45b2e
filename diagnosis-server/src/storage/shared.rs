//! What the SQLite and PostgreSQL backends share: SQL text written once, with PostgreSQL's
//! `$1` placeholders ([`sqlite`] turns them into SQLite's `?1`), and row mapping written once
//! over [`ReadRow`], which both drivers' rows implement.

use super::ExportFileRecord;

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
