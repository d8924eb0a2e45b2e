//! What the SQLite and PostgreSQL backends share: SQL text written once, with PostgreSQL's
//! `$1` placeholders ([`sqlite`] turns them into SQLite's `?1`), and row mapping written once
//! over [`ReadRow`], which both drivers' rows implement.

use super::ExportFileRecord;

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
    Ok(ExportFileRecord {
        object_name: row.column(0)?,
        region: row.column(1)?,
        batch_id: row.column(2)?,
        batch_num: row.column(3)?,
        batch_size: row.column(4)?,
        key_count: row.column(5)?,
        created_ms: row.column(6)?,
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
