//! The phone's own temporary exposure keys and where they are kept.

use rusqlite::params;

use crate::storage::Database;
use crate::{Error, Result};
use mimamori_gaen::ids::DailyKey;
use mimamori_gaen::{IntervalNumber, TemporaryExposureKey};

/// Where the phone keeps its TEKs. Implementations must make `insert` durable before returning:
/// a key that was broadcast and then lost could never be uploaded.
pub trait TekStore: Send {
    /// Every stored key, oldest first.
    fn load(&mut self) -> Result<Vec<DailyKey>>;

    /// Stores a new key. Storing a second key for the same rolling start is an error.
    fn insert(&mut self, key: &DailyKey) -> Result<()>;

    /// Deletes every key whose rolling start is before `cutoff`; returns how many were deleted.
    fn delete_before(&mut self, cutoff: IntervalNumber) -> Result<usize>;

    /// Same-day release, atomically: the stored key with `released`'s rolling start and key
    /// bytes gets `released`'s (shorter) rolling period, and `next` is stored. After an error
    /// neither change is made.
    fn release_and_insert(&mut self, released: &DailyKey, next: &DailyKey) -> Result<()>;
}

/// Keys kept in the phone's SQLite [`Database`].
#[derive(Debug)]
pub struct SqliteTekStore {
    database: Database,
}

impl SqliteTekStore {
    /// Keeps keys in `database`.
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// The database the keys live in.
    pub fn database(&self) -> &Database {
        &self.database
    }
}

impl TekStore for SqliteTekStore {
    fn load(&mut self) -> Result<Vec<DailyKey>> {
        let rows: rusqlite::Result<Vec<(u32, u32, Vec<u8>)>> = (|| {
            let mut statement = self.database.connection().prepare_cached(
                "SELECT rolling_start, rolling_period, key_data
                 FROM temporary_exposure_keys ORDER BY rolling_start",
            )?;
            let rows =
                statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
            rows.collect()
        })();
        let rows = rows.map_err(|error| self.database.error(error))?;
        rows.into_iter()
            .map(|(start, period, mut data)| {
                let key = TemporaryExposureKey::from_slice(&data);
                zeroize::Zeroize::zeroize(&mut data);
                DailyKey::new(key?, IntervalNumber::new(start), period)
            })
            .collect::<mimamori_gaen::Result<_>>()
            .map_err(Error::from)
    }

    fn insert(&mut self, key: &DailyKey) -> Result<()> {
        self.database
            .connection()
            .prepare_cached(
                "INSERT INTO temporary_exposure_keys (rolling_start, rolling_period, key_data)
                 VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    key.rolling_start.value(),
                    key.rolling_period,
                    &key.key.as_bytes()[..]
                ])
            })
            .map(drop)
            .map_err(|error| match error.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => Error::DuplicateKey {
                    rolling_start: key.rolling_start.value(),
                },
                _ => self.database.error(error),
            })
    }

    fn delete_before(&mut self, cutoff: IntervalNumber) -> Result<usize> {
        self.database
            .connection()
            .execute(
                "DELETE FROM temporary_exposure_keys WHERE rolling_start < ?1",
                [cutoff.value()],
            )
            .map_err(|error| self.database.error(error))
    }

    fn release_and_insert(&mut self, released: &DailyKey, next: &DailyKey) -> Result<()> {
        let result: rusqlite::Result<usize> = (|| {
            let transaction = self.database.connection().transaction()?;
            let updated = transaction.execute(
                "UPDATE temporary_exposure_keys SET rolling_period = ?1
                 WHERE rolling_start = ?2 AND key_data = ?3",
                params![
                    released.rolling_period,
                    released.rolling_start.value(),
                    &released.key.as_bytes()[..]
                ],
            )?;
            transaction.execute(
                "INSERT INTO temporary_exposure_keys (rolling_start, rolling_period, key_data)
                 VALUES (?1, ?2, ?3)",
                params![
                    next.rolling_start.value(),
                    next.rolling_period,
                    &next.key.as_bytes()[..]
                ],
            )?;
            if updated == 1 {
                transaction.commit()?;
            }
            Ok(updated)
        })();
        match result {
            Ok(1) => Ok(()),
            // The released key is not stored (a second process purged it?): nothing changed.
            Ok(_) => Err(Error::DuplicateKey {
                rolling_start: released.rolling_start.value(),
            }),
            Err(error) => Err(match error.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => Error::DuplicateKey {
                    rolling_start: next.rolling_start.value(),
                },
                _ => self.database.error(error),
            }),
        }
    }
}

#[cfg(any(test, feature = "testing"))]
pub use memory::MemoryTekStore;

#[cfg(any(test, feature = "testing"))]
mod memory {
    use std::sync::{Arc, Mutex, PoisonError};

    use super::{DailyKey, TekStore};
    use crate::{Error, Result};
    use mimamori_gaen::ids::IntervalNumber;

    /// Keys in memory, for tests. Clones share the same keys, so a test can look inside.
    #[derive(Clone, Debug, Default)]
    pub struct MemoryTekStore(Arc<Mutex<Vec<DailyKey>>>);

    impl MemoryTekStore {
        /// An empty store.
        pub fn new() -> Self {
            Self::default()
        }

        /// The keys stored now.
        pub fn keys(&self) -> Vec<DailyKey> {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        }
    }

    impl TekStore for MemoryTekStore {
        fn load(&mut self) -> Result<Vec<DailyKey>> {
            Ok(self.keys())
        }

        fn release_and_insert(&mut self, released: &DailyKey, next: &DailyKey) -> Result<()> {
            let mut keys = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            let duplicate = |rolling_start: IntervalNumber| Error::DuplicateKey {
                rolling_start: rolling_start.value(),
            };
            if keys
                .iter()
                .any(|stored| stored.rolling_start == next.rolling_start)
            {
                return Err(duplicate(next.rolling_start));
            }
            let stored = keys
                .iter_mut()
                .find(|stored| {
                    stored.rolling_start == released.rolling_start && stored.key == released.key
                })
                .ok_or_else(|| duplicate(released.rolling_start))?;
            stored.rolling_period = released.rolling_period;
            keys.push(next.clone());
            keys.sort_by_key(|key| key.rolling_start);
            Ok(())
        }

        fn insert(&mut self, key: &DailyKey) -> Result<()> {
            let mut keys = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            if keys
                .iter()
                .any(|stored| stored.rolling_start == key.rolling_start)
            {
                return Err(Error::DuplicateKey {
                    rolling_start: key.rolling_start.value(),
                });
            }
            keys.push(key.clone());
            keys.sort_by_key(|stored| stored.rolling_start);
            Ok(())
        }

        fn delete_before(&mut self, cutoff: IntervalNumber) -> Result<usize> {
            let mut keys = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            let before = keys.len();
            keys.retain(|stored| stored.rolling_start >= cutoff);
            Ok(before - keys.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(start: u32, byte: u8) -> DailyKey {
        DailyKey::new(
            TemporaryExposureKey::from_bytes([byte; 16]),
            IntervalNumber::new(start),
            144,
        )
        .unwrap()
    }

    #[test]
    fn validity_is_half_open() {
        let key = key(144, 1);
        assert!(!key.is_valid_at(IntervalNumber::new(143)));
        assert!(key.is_valid_at(IntervalNumber::new(144)));
        assert!(key.is_valid_at(IntervalNumber::new(287)));
        assert!(!key.is_valid_at(IntervalNumber::new(288)));
        assert!(
            DailyKey::new(
                TemporaryExposureKey::from_bytes([0; 16]),
                IntervalNumber::new(0),
                0
            )
            .is_err()
        );
        assert!(
            DailyKey::new(
                TemporaryExposureKey::from_bytes([0; 16]),
                IntervalNumber::new(0),
                145
            )
            .is_err()
        );
    }

    #[test]
    fn sqlite_store_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("phone.sqlite3");
        {
            let mut store = SqliteTekStore::new(Database::open(&path).unwrap());
            store.insert(&key(288, 2)).unwrap();
            store.insert(&key(144, 1)).unwrap();
            // A second key for the same day is refused and the first one kept.
            let error = store.insert(&key(144, 9)).unwrap_err();
            assert!(
                matches!(error, Error::DuplicateKey { rolling_start: 144 }),
                "{error:?}"
            );
        }
        let mut store = SqliteTekStore::new(Database::open(&path).unwrap());
        assert_eq!(store.load().unwrap(), vec![key(144, 1), key(288, 2)]);
        assert_eq!(store.delete_before(IntervalNumber::new(288)).unwrap(), 1);
        assert_eq!(store.load().unwrap(), vec![key(288, 2)]);
    }

    #[test]
    fn memory_store_behaves_like_sqlite() {
        let mut store = MemoryTekStore::new();
        store.insert(&key(288, 2)).unwrap();
        store.insert(&key(144, 1)).unwrap();
        assert!(store.insert(&key(144, 9)).is_err());
        assert_eq!(store.load().unwrap(), vec![key(144, 1), key(288, 2)]);
        assert_eq!(store.delete_before(IntervalNumber::new(288)).unwrap(), 1);
        assert_eq!(store.keys(), vec![key(288, 2)]);
    }
}
