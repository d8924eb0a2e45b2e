//! Fixtures for tests of phones, in this crate and in the crates above it (the CLI's tests, the
//! end-to-end flows): a phone on a fixed clock in a directory, phones that meet (one hears the
//! other's advertisement, parsed back from its 31 bytes, or each hears the other), and a phone's
//! keys for upload as the diagnosis keys or export-file keys a server would publish.
//!
//! Behind the `testing` feature, like `mimamori-environment`'s `FixedClock` and `SeededRandom`
//! it is built on; nothing here is for production.
//!
//! ```
//! use mimamori_environment::FixedClock;
//! use mimamori_phone::testing::{diagnosis_keys, met};
//!
//! let directory = tempfile::tempdir()?;
//! let clock = FixedClock::new(1_585_818_000); // 2020-04-02 09:00 UTC
//! let (mut a, mut b) = met(directory.path(), &clock, 24);
//! clock.advance(86_400); // the next day A tests positive and uploads the key of the meeting day
//! let day = time::macros::date!(2020 - 04 - 02);
//! assert!(b.match_keys(&diagnosis_keys(&mut a, day, day))? > 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)] // fixtures: a failure is the test's failure

use std::path::Path;
use std::sync::Arc;

use mimamori_environment::{Clock, FixedClock, SeededRandom};
use mimamori_gaen::encounter::{ScanBatch, Sighting};
use mimamori_gaen::export::ExportKey;
use mimamori_gaen::windows::ReportType;
use mimamori_gaen::{DeviceCalibration, DiagnosisKey, ExposurePayload};
use time::Date;

use crate::Phone;

/// Seconds between two scans in these fixtures (GAEN phones scan every few minutes).
pub const SCAN_INTERVAL_SECONDS: u64 = 240;

/// A signal strength, dBm, that COCOA's rule counts as near: 55 dB attenuation for a phone that
/// sends at -23 dBm and a listener that corrects by +4 dB.
pub const NEAR_RSSI: i16 = -82;

/// The phone in `dir` on `clock`, with an unknown device's calibration and a random source
/// seeded with `seed`.
pub fn open_phone(dir: &Path, clock: &FixedClock, seed: u64) -> Phone {
    Phone::open(
        dir,
        DeviceCalibration::UNKNOWN_DEVICE,
        Arc::new(clock.clone()),
        Box::new(SeededRandom::new(seed)),
    )
    .unwrap()
}

/// Phones A (in `dir/a`, seed 1) and B (in `dir/b`, seed 2) on `clock`; B hears A for `minutes`
/// at [`NEAR_RSSI`] from the clock's time (see [`meet`]). Returns (A, B).
pub fn met(dir: &Path, clock: &FixedClock, minutes: u64) -> (Phone, Phone) {
    let mut a = open_phone(&dir.join("a"), clock, 1);
    let mut b = open_phone(&dir.join("b"), clock, 2);
    meet(
        &mut a,
        &mut b,
        Hearing::OneWay,
        clock,
        minutes,
        NEAR_RSSI,
        &mut 0,
    );
    (a, b)
}

/// Who hears whom when two phones meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hearing {
    /// The second phone hears the first.
    OneWay,
    /// Each hears the other at every scan.
    BothWays,
}

/// `b` hears `a` (and `a` hears `b` too, with [`Hearing::BothWays`]) every
/// [`SCAN_INTERVAL_SECONDS`] for `minutes` at `rssi` (see [`hear`]); the clock moves on by
/// `minutes`. `scan_ids` counts the scans of every phone.
pub fn meet(
    a: &mut Phone,
    b: &mut Phone,
    hearing: Hearing,
    clock: &FixedClock,
    minutes: u64,
    rssi: i16,
    scan_ids: &mut u64,
) {
    let end = clock.now_unix_seconds() + minutes * 60;
    while clock.now_unix_seconds() < end {
        hear(b, a, clock, rssi, scan_ids);
        if hearing == Hearing::BothWays {
            hear(a, b, clock, rssi, scan_ids);
        }
        clock.advance(SCAN_INTERVAL_SECONDS);
    }
}

/// `listener` runs one scan (the next of `scan_ids`) at the clock's time that hears `speaker`'s
/// current advertisement three times, a second later, at `rssi`: what `speaker` broadcasts goes
/// through the air as the 31-byte advertisement and is parsed back.
pub fn hear(
    listener: &mut Phone,
    speaker: &mut Phone,
    clock: &FixedClock,
    rssi: i16,
    scan_ids: &mut u64,
) {
    let advertisement = speaker
        .schedule()
        .broadcast()
        .unwrap()
        .payload
        .advertisement();
    let heard = ExposurePayload::parse_advertisement(&advertisement).unwrap();
    let now = clock.now_unix_seconds();
    *scan_ids += 1;
    listener
        .record_scan(&ScanBatch {
            scan_id: *scan_ids,
            started_at: now,
            sightings: vec![Sighting::new(heard, rssi, now + 1).unwrap(); 3],
        })
        .unwrap();
}

/// The keys `phone` would upload for the days `first..=last`, as a server publishes them after a
/// confirmed test (transmission risk 0).
pub fn diagnosis_keys(phone: &mut Phone, first: Date, last: Date) -> Vec<DiagnosisKey> {
    phone
        .schedule()
        .keys_for_upload(first, last)
        .unwrap()
        .into_iter()
        .map(|key| {
            DiagnosisKey::new(
                key.key,
                key.rolling_start,
                key.rolling_period,
                ReportType::ConfirmedTest,
                Some(0),
            )
            .unwrap()
        })
        .collect()
}

/// As [`diagnosis_keys`], as the keys of an export file.
pub fn export_keys(phone: &mut Phone, first: Date, last: Date) -> Vec<ExportKey> {
    diagnosis_keys(phone, first, last)
        .into_iter()
        .map(ExportKey::new)
        .collect()
}
