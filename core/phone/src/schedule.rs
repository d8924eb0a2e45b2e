//! The phone's key schedule: which TEK is current, what to broadcast now, when to rotate, and
//! which keys may be uploaded.
//!
//! Rules (Cryptography Specification v1.2; Bluetooth Specification v1.2):
//!
//! - A new TEK is generated for each rolling period, i.e. at each UTC midnight. Its rolling start
//!   is aligned to a multiple of 144 intervals even when the phone first starts mid-day.
//! - The broadcast RPI changes about every 15 minutes: each RPI lives a random
//!   [`MIN_ROTATION_SECONDS`]..=[`MAX_ROTATION_SECONDS`], and never past the end of its TEK.
//!   An RPI must change together with the Bluetooth address, never one without the other, or an
//!   observer could link the two; [`Broadcast::rotate_at`] tells the platform when to change
//!   both, and [`KeySchedule::rotate`] is called when the platform changed its address on its own.
//! - TEKs are kept for [`TEK_RETENTION_DAYS`] days after the current one and then deleted.
//! - Keys for upload are only those whose validity has ended (see
//!   [`KeySchedule::keys_for_upload`]); today's key is ended early for a same-day upload by
//!   [`KeySchedule::release_current_key`] (docs/adr/0002).

use std::sync::Arc;

use mimamori_environment::{Clock, RandomSource};
use mimamori_gaen::ble::ExposurePayload;
use mimamori_gaen::ids::DailyKey;
use mimamori_gaen::ids::{IntervalNumber, Metadata, TEK_ROLLING_PERIOD, TemporaryExposureKey};

use crate::keys::TekStore;
use crate::{Error, Result};

/// Shortest life of one RPI, in seconds (Bluetooth Specification v1.2: the address changes
/// "about every 15 minutes", randomised; Google's implementation uses 10 to 20 minutes).
pub const MIN_ROTATION_SECONDS: u64 = 10 * 60;

/// Longest life of one RPI, in seconds.
pub const MAX_ROTATION_SECONDS: u64 = 20 * 60;

/// How many days of past TEKs the phone keeps besides the current one (Cryptography
/// Specification v1.2: keys are stored for 14 days). Older keys are deleted; they could no longer
/// be matched against anyone's sightings, which are kept for 14 days too.
pub const TEK_RETENTION_DAYS: u32 = 14;

/// What the phone broadcasts now and until when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Broadcast {
    /// The RPI and AEM to put in the service data for 0xFD6F.
    pub payload: ExposurePayload,
    /// The interval the RPI was derived for: the interval in which this broadcast started.
    pub interval: IntervalNumber,
    /// When this broadcast started, in Unix seconds.
    pub started_at: u64,
    /// When the platform must stop broadcasting this payload, in Unix seconds: at that moment it
    /// changes its Bluetooth address and asks for the next broadcast.
    pub rotate_at: u64,
}

/// The phone's key schedule over a [`TekStore`].
///
/// ```
/// use std::sync::Arc;
/// use mimamori_phone::{KeySchedule, Database, SqliteTekStore};
/// use mimamori_gaen::Metadata;
/// use mimamori_environment::{OsRandom, SystemClock};
///
/// let store = SqliteTekStore::new(Database::open_in_memory()?);
/// let mut schedule =
///     KeySchedule::open(Box::new(store), Arc::new(SystemClock), Box::new(OsRandom), Metadata::v1_0(-8))?;
/// let broadcast = schedule.broadcast()?;
/// assert!(broadcast.rotate_at > broadcast.started_at);
/// # Ok::<(), mimamori_phone::Error>(())
/// ```
pub struct KeySchedule {
    store: Box<dyn TekStore>,
    clock: Arc<dyn Clock>,
    random: Box<dyn RandomSource>,
    metadata: Metadata,
    /// A copy of the stored keys, oldest first.
    keys: Vec<DailyKey>,
    current: Option<Broadcast>,
}

impl KeySchedule {
    /// Opens the schedule: loads the stored keys and deletes those past retention.
    ///
    /// `metadata` is what this phone broadcasts in every AEM (version and calibrated TX power).
    pub fn open(
        store: Box<dyn TekStore>,
        clock: Arc<dyn Clock>,
        random: Box<dyn RandomSource>,
        metadata: Metadata,
    ) -> Result<Self> {
        let mut schedule = Self {
            store,
            clock,
            random,
            metadata,
            keys: Vec::new(),
            current: None,
        };
        schedule.keys = schedule.store.load()?;
        schedule.purge()?;
        Ok(schedule)
    }

    /// The metadata broadcast in every AEM.
    pub fn metadata(&self) -> Metadata {
        self.metadata
    }

    /// Changes the broadcast metadata. It takes effect at the next rotation: changing the AEM
    /// without changing the RPI and address would link the two.
    pub fn set_metadata(&mut self, metadata: Metadata) {
        self.metadata = metadata;
    }

    /// The stored keys, oldest first.
    pub fn keys(&self) -> &[DailyKey] {
        &self.keys
    }

    /// The TEK valid now, generated and stored first if there is none.
    pub fn current_key(&mut self) -> Result<&DailyKey> {
        let now = self.now_interval();
        self.key_valid_at(now)
    }

    /// The key valid during `now`, generated and stored first if there is none.
    fn key_valid_at(&mut self, now: IntervalNumber) -> Result<&DailyKey> {
        if !self.keys.iter().any(|key| key.is_valid_at(now)) {
            let key = DailyKey::new(
                TemporaryExposureKey::generate(self.random.as_mut()),
                now.rolling_start(),
                TEK_ROLLING_PERIOD,
            )?;
            // Durable before first use: a broadcast key must be uploadable later.
            self.store.insert(&key)?;
            self.keys.push(key);
            self.keys.sort_by_key(|key| key.rolling_start);
            self.purge_at(now)?;
        }
        // After a same-day release two keys cover the release interval: the released one (cut
        // at the end of that interval) and its successor. The latest-starting one is current.
        let key = self.keys.iter().rev().find(|key| key.is_valid_at(now));
        // Invariant: a key valid at `now` was present or just added, and purging at `now` only
        // removes keys that started before today.
        #[allow(clippy::expect_used)]
        Ok(key.expect("a key valid now is present"))
    }

    /// What to broadcast now. Returns the same broadcast until its [`Broadcast::rotate_at`],
    /// then a new one with a fresh RPI.
    pub fn broadcast(&mut self) -> Result<Broadcast> {
        let now = self.clock.now_unix_seconds();
        if let Some(current) = self.current {
            // A clock that went backwards also ends the broadcast: its interval may be wrong.
            if current.started_at <= now && now < current.rotate_at {
                return Ok(current);
            }
        }
        let interval = IntervalNumber::from_unix_seconds(now);
        let metadata = self.metadata;
        let key = self.key_valid_at(interval)?;
        let payload = ExposurePayload::derive(&key.key, interval, &metadata);
        let key_end = key.end().unix_seconds();
        let lifetime = self
            .random
            .uniform_inclusive(MIN_ROTATION_SECONDS, MAX_ROTATION_SECONDS);
        let broadcast = Broadcast {
            payload,
            interval,
            started_at: now,
            rotate_at: (now + lifetime).min(key_end),
        };
        self.current = Some(broadcast);
        Ok(broadcast)
    }

    /// Ends the current broadcast: the next call to [`broadcast`](Self::broadcast) starts a new
    /// RPI. Call this when the platform changed the Bluetooth address on its own.
    pub fn rotate(&mut self) {
        self.current = None;
    }

    /// The keys to upload after a verified positive test: those whose rolling start falls on a
    /// UTC day from `first` to `last` (inclusive) and whose validity has ended.
    ///
    /// The key valid now is never released. Whoever holds a valid TEK can compute the RPIs this
    /// phone will broadcast for the rest of the day: published early, it would let anyone replay
    /// or forge the resident's identifiers and link all of today's broadcasts to a positive case
    /// while the resident is still out. Servers hold such keys back or reject them for the same
    /// reason. To upload today's key too, end it first with
    /// [`release_current_key`](Self::release_current_key) (what [`crate::upload::upload`] does).
    pub fn keys_for_upload(
        &mut self,
        first: time::Date,
        last: time::Date,
    ) -> Result<Vec<DailyKey>> {
        if last < first {
            return Err(Error::InvalidDateRange {
                start: first,
                end: last,
            });
        }
        let now = self.now_interval();
        let from = IntervalNumber::from_utc_date(first);
        let until = IntervalNumber::from_utc_date(last).saturating_add(TEK_ROLLING_PERIOD);
        Ok(self
            .keys
            .iter()
            .filter(|key| from <= key.rolling_start && key.rolling_start < until)
            .filter(|key| key.end() <= now)
            .cloned()
            .collect())
    }

    /// Same-day release: ends the key valid now so that it can be uploaded today, as Google's
    /// Exposure Notifications does (its `getTemporaryExposureKeyHistory` documentation: "When
    /// the current key is released, the device stops using it to generate BLE beacons, and
    /// replaces it with a new key"; docs/adr/0002).
    ///
    /// The key's rolling period is cut at the end of the current interval (the RPI broadcast in
    /// it is covered), a new random key takes over from the current interval to the old key's end
    /// (UTC midnight), both changes are stored in one transaction, and the next
    /// [`broadcast`](Self::broadcast) uses the new key: the platform changes payload and address.
    /// Returns the released key, or `None` when the key valid now only started in this interval
    /// (it was released moments ago; the next release, or tomorrow's upload, covers it).
    pub fn release_current_key(&mut self) -> Result<Option<DailyKey>> {
        let now = self.now_interval();
        let current = self.key_valid_at(now)?.clone();
        if current.rolling_start >= now {
            return Ok(None);
        }
        let released = DailyKey::new(
            current.key.clone(),
            current.rolling_start,
            now.value() - current.rolling_start.value() + 1,
        )?;
        let next = DailyKey::new(
            TemporaryExposureKey::generate(self.random.as_mut()),
            now,
            current.end().value() - now.value(),
        )?;
        self.store.release_and_insert(&released, &next)?;
        if let Some(stored) = self
            .keys
            .iter_mut()
            .find(|key| key.rolling_start == released.rolling_start)
        {
            stored.rolling_period = released.rolling_period;
        }
        self.keys.push(next);
        self.keys.sort_by_key(|key| key.rolling_start);
        self.current = None;
        Ok(Some(released))
    }

    /// Deletes keys older than [`TEK_RETENTION_DAYS`] before today; returns how many.
    pub fn purge(&mut self) -> Result<usize> {
        self.purge_at(self.now_interval())
    }

    fn purge_at(&mut self, now: IntervalNumber) -> Result<usize> {
        let cutoff = now
            .rolling_start()
            .saturating_sub(TEK_RETENTION_DAYS * TEK_ROLLING_PERIOD);
        let deleted = self.store.delete_before(cutoff)?;
        self.keys.retain(|key| key.rolling_start >= cutoff);
        Ok(deleted)
    }

    fn now_interval(&self) -> IntervalNumber {
        IntervalNumber::from_unix_seconds(self.clock.now_unix_seconds())
    }
}

impl std::fmt::Debug for KeySchedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySchedule")
            .field("metadata", &self.metadata)
            .field("keys", &self.keys.len())
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::keys::MemoryTekStore;
    use mimamori_environment::{FixedClock, SeededRandom};

    /// 2020-04-02 00:00:00 UTC, the day of the official test vectors.
    const DAY: u64 = 1_585_785_600;
    const SECONDS_PER_DAY: u64 = 86_400;

    fn schedule(clock: &FixedClock, store: &MemoryTekStore) -> KeySchedule {
        KeySchedule::open(
            Box::new(store.clone()),
            Arc::new(clock.clone()),
            Box::new(SeededRandom::new(7)),
            Metadata::v1_0(8),
        )
        .unwrap()
    }

    #[test]
    fn one_key_per_utc_day_aligned_to_midnight() {
        let clock = FixedClock::new(DAY + 13 * 3600 + 17);
        let store = MemoryTekStore::new();
        let mut schedule = schedule(&clock, &store);
        let first = schedule.current_key().unwrap().clone();
        assert_eq!(first.rolling_start.value(), 2_642_976);
        assert_eq!(first.rolling_period, 144);
        clock.set(DAY + SECONDS_PER_DAY - 1);
        assert_eq!(schedule.current_key().unwrap(), &first);
        clock.set(DAY + SECONDS_PER_DAY);
        let second = schedule.current_key().unwrap().clone();
        assert_eq!(second.rolling_start.value(), 2_642_976 + 144);
        assert_ne!(second.key, first.key);
        assert_eq!(store.keys(), vec![first, second]);
    }

    #[test]
    fn broadcast_matches_the_current_key_and_rotates_in_10_to_20_minutes() {
        let clock = FixedClock::new(DAY + 3600);
        let store = MemoryTekStore::new();
        let mut schedule = schedule(&clock, &store);
        let mut lifetimes = Vec::new();
        for _ in 0..50 {
            let broadcast = schedule.broadcast().unwrap();
            let key = schedule.current_key().unwrap().key.clone();
            let rpi = key
                .rolling_proximity_identifier_key()
                .rolling_proximity_identifier(IntervalNumber::from_unix_seconds(
                    broadcast.started_at,
                ));
            assert_eq!(broadcast.payload.rpi, rpi);
            let metadata = key
                .associated_encrypted_metadata_key()
                .decrypt(&rpi, &broadcast.payload.aem);
            assert_eq!(metadata, Metadata::v1_0(8));
            // Stable until rotate_at.
            clock.set(broadcast.rotate_at - 1);
            assert_eq!(schedule.broadcast().unwrap(), broadcast);
            clock.set(broadcast.rotate_at);
            lifetimes.push(broadcast.rotate_at - broadcast.started_at);
        }
        assert!(
            lifetimes
                .iter()
                .all(|s| (MIN_ROTATION_SECONDS..=MAX_ROTATION_SECONDS).contains(s))
        );
        // Randomised, not a fixed period.
        assert!(lifetimes.iter().any(|&s| s != lifetimes[0]));
    }

    #[test]
    fn broadcast_never_outlives_its_key() {
        let clock = FixedClock::new(DAY + SECONDS_PER_DAY - 120);
        let store = MemoryTekStore::new();
        let mut schedule = schedule(&clock, &store);
        let last = schedule.broadcast().unwrap();
        assert_eq!(last.rotate_at, DAY + SECONDS_PER_DAY);
        clock.set(last.rotate_at);
        let next = schedule.broadcast().unwrap();
        assert_ne!(next.payload, last.payload);
        assert_eq!(store.keys().len(), 2);
    }

    #[test]
    fn rotate_and_backwards_clock_start_a_new_rpi() {
        let clock = FixedClock::new(DAY + 3600);
        let store = MemoryTekStore::new();
        let mut schedule = schedule(&clock, &store);
        let first = schedule.broadcast().unwrap();
        schedule.rotate();
        let second = schedule.broadcast().unwrap();
        // Same interval, so the same RPI, but a new lifetime: the platform has a new address.
        assert_eq!(second.payload.rpi, first.payload.rpi);
        clock.advance(700);
        schedule.rotate();
        let third = schedule.broadcast().unwrap();
        assert_ne!(third.payload.rpi, first.payload.rpi);
        clock.set(DAY + 3000);
        assert_ne!(schedule.broadcast().unwrap(), third);
    }

    #[test]
    fn keeps_fourteen_past_days_and_deletes_older_ones() {
        let clock = FixedClock::new(DAY);
        let store = MemoryTekStore::new();
        let mut schedule = schedule(&clock, &store);
        for _ in 0..20 {
            schedule.current_key().unwrap();
            clock.advance(SECONDS_PER_DAY);
        }
        schedule.current_key().unwrap();
        // Today (day 20) and days 6..=19.
        let starts: Vec<u32> = store
            .keys()
            .iter()
            .map(|key| key.rolling_start.value())
            .collect();
        let expected: Vec<u32> = (6..=20).map(|day| 2_642_976 + day * 144).collect();
        assert_eq!(starts, expected);
        // Reopening after a long pause purges on open.
        clock.advance(30 * SECONDS_PER_DAY);
        let reopened = KeySchedule::open(
            Box::new(store.clone()),
            Arc::new(clock.clone()),
            Box::new(SeededRandom::new(1)),
            Metadata::v1_0(8),
        )
        .unwrap();
        assert!(reopened.keys().is_empty());
        assert!(store.keys().is_empty());
    }

    #[test]
    fn upload_releases_only_expired_keys_in_range() {
        let clock = FixedClock::new(DAY + 600);
        let store = MemoryTekStore::new();
        let mut schedule = schedule(&clock, &store);
        for _ in 0..3 {
            schedule.current_key().unwrap();
            clock.advance(SECONDS_PER_DAY);
        }
        let today = schedule.current_key().unwrap().clone();
        let all = schedule
            .keys_for_upload(date!(2020 - 03 - 20), date!(2020 - 04 - 30))
            .unwrap();
        assert_eq!(all.len(), 3, "today's key is held back");
        assert!(!all.contains(&today));
        let one = schedule
            .keys_for_upload(date!(2020 - 04 - 03), date!(2020 - 04 - 03))
            .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].rolling_start.utc_date(), date!(2020 - 04 - 03));
        // After midnight, yesterday's key is released.
        clock.advance(SECONDS_PER_DAY);
        let later = schedule
            .keys_for_upload(date!(2020 - 04 - 05), date!(2020 - 04 - 05))
            .unwrap();
        assert_eq!(later, vec![today]);
        let error = schedule
            .keys_for_upload(date!(2020 - 04 - 05), date!(2020 - 04 - 04))
            .unwrap_err();
        assert!(matches!(error, Error::InvalidDateRange { .. }));
    }
}
