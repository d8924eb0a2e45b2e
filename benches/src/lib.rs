//! Synthetic, reproducible data for Mimamori's benchmarks.
//!
//! The benchmarks themselves are in `benches/benches/`; run them with
//! `cargo bench -p mimamori-benches`. Data is made from a fixed seed so that two runs (or two
//! machines) measure the same work.

use mimamori_core::ids::TEK_ROLLING_PERIOD;
use mimamori_core::{DailyKey, IntervalNumber, RandomSource, SeededRandom, TemporaryExposureKey};

/// `count` random keys with full-day rolling periods spread over the 14 days before `last_day`.
pub fn synthetic_keys(count: usize, last_day: IntervalNumber, seed: u64) -> Vec<DailyKey> {
    let mut random = SeededRandom::new(seed);
    let last_day = last_day.rolling_start();
    (0..count)
        .map(|index| {
            let day = u32::try_from(index % 14).unwrap_or(0);
            let start = last_day.saturating_sub(day * TEK_ROLLING_PERIOD);
            let key = TemporaryExposureKey::generate(&mut random);
            DailyKey::new(key, start, TEK_ROLLING_PERIOD)
                .unwrap_or_else(|_| unreachable!("144 is a valid rolling period"))
        })
        .collect()
}

/// A random 16-byte key from `seed`.
pub fn synthetic_key(seed: u64) -> TemporaryExposureKey {
    let mut bytes = [0u8; 16];
    SeededRandom::new(seed).fill_bytes(&mut bytes);
    TemporaryExposureKey::from_bytes(bytes)
}
