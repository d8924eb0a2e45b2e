//! # Mimamori environment
//!
//! What Mimamori's engine needs from the world: the time and randomness. The protocol crates
//! (`mimamori-gaen`, `mimamori-venue`) and the phone (`mimamori-phone`) never read the system
//! clock or an RNG directly. Production code passes [`SystemClock`] and [`OsRandom`]; tests pass
//! the fakes behind the `testing` feature, so every behaviour that depends on time or chance can
//! be checked exactly.
//!
//! This crate is tiny on purpose: it is the one thing every domain crate shares, and it has no
//! dependency beyond the operating system's random source (docs/adr/0009).
//!
//! ```
//! use mimamori_environment::{Clock, OsRandom, RandomSource, SystemClock};
//!
//! let mut random = OsRandom;
//! let mut seed = [0u8; 16];
//! random.fill_bytes(&mut seed);
//! let roll = random.uniform_inclusive(1, 6);
//! assert!((1..=6).contains(&roll));
//! assert!(SystemClock.now_unix_seconds() > 1_600_000_000);
//! ```

#![warn(missing_docs)]

use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch, UTC.
    fn now_unix_seconds(&self) -> u64;
}

/// A source of cryptographically secure random bytes.
pub trait RandomSource: Send {
    /// Fills `dest` with random bytes.
    fn fill_bytes(&mut self, dest: &mut [u8]);

    /// A uniformly distributed integer in `low..=high` (requires `low <= high`).
    fn uniform_inclusive(&mut self, low: u64, high: u64) -> u64 {
        debug_assert!(low <= high);
        let span = high.saturating_sub(low).saturating_add(1);
        // Rejection sampling: discard the top partial range so every value is equally likely.
        let zone = u64::MAX - (u64::MAX % span);
        loop {
            let mut bytes = [0u8; 8];
            self.fill_bytes(&mut bytes);
            let value = u64::from_le_bytes(bytes);
            if value < zone {
                return low + value % span;
            }
        }
    }
}

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix_seconds(&self) -> u64 {
        // A clock set before 1970 reads as the epoch; every later computation stays defined.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs())
    }
}

/// The operating system's CSPRNG (`getrandom`).
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // Without an OS random source no key can be made safely; continuing would be worse than
        // stopping, and every supported platform (Android, iOS, Linux, macOS) has one.
        #[allow(clippy::expect_used)]
        getrandom::fill(dest).expect("the operating system's random number generator failed");
    }
}

#[cfg(any(test, feature = "testing"))]
pub use fakes::{FixedClock, SeededRandom};

#[cfg(any(test, feature = "testing"))]
mod fakes {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::{Clock, RandomSource};

    /// A clock that stands still until told to move. Clones share the same time.
    #[derive(Clone, Debug, Default)]
    pub struct FixedClock(Arc<AtomicU64>);

    impl FixedClock {
        /// A clock reading `unix_seconds`.
        pub fn new(unix_seconds: u64) -> Self {
            Self(Arc::new(AtomicU64::new(unix_seconds)))
        }

        /// Sets the time.
        pub fn set(&self, unix_seconds: u64) {
            self.0.store(unix_seconds, Ordering::SeqCst);
        }

        /// Moves the time forward.
        pub fn advance(&self, seconds: u64) {
            self.0.fetch_add(seconds, Ordering::SeqCst);
        }
    }

    impl Clock for FixedClock {
        fn now_unix_seconds(&self) -> u64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    /// A deterministic (and insecure) random source: SplitMix64 from a seed.
    #[derive(Clone, Debug)]
    pub struct SeededRandom(u64);

    impl SeededRandom {
        /// A generator that always yields the same bytes for the same seed.
        pub fn new(seed: u64) -> Self {
            Self(seed)
        }
    }

    impl RandomSource for SeededRandom {
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for chunk in dest.chunks_mut(8) {
                self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = self.0;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
            }
        }
    }
}
