//! Matching diagnosis keys against what the phone heard, as Google's implementation does
//! (`ExposureMatchingTracer` in google/exposure-notifications-internals):
//!
//! 1. Derive the key's RPIs for its own rolling period only.
//! 2. Keep sightings of an RPI heard within ±2 hours of its interval: a sighting at interval `s`
//!    matches the RPI of interval `e` when `e − 12 ≤ s < e + 13` ([`MATCH_TOLERANCE_INTERVALS`]).
//! 3. Drop sightings more than 20 minutes after that RPI's first sighting: a phone changes its RPI
//!    within 20 minutes, so a later one is a replay ([`REPLAY_WINDOW_SECONDS`]).
//! 4. Decrypt the AEM with the key's AEMK and drop sightings whose TX power is implausible
//!    (outside −50..=+20 dBm).
//! 5. Attenuation = max(TX power − (RSSI + this phone's RSSI correction), 0).
//! 6. Build exposure windows from the key's sightings ([`crate::windows`]).

#[cfg(target_arch = "x86_64")]
mod aes_x86;
mod derive;
#[cfg(target_arch = "x86_64")]
mod filter_x86;
#[cfg(target_arch = "x86_64")]
mod sha_x86;

use std::collections::HashMap;
use std::sync::mpsc::{self, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};

pub use derive::{RpiBatch, RpikDeriver};

use crate::Result;
use crate::calibration::DeviceCalibration;
use crate::encounter::{Scan, Sighting};
use crate::ids::{
    CalibrationConfidence, IntervalNumber, RollingProximityIdentifier, TemporaryExposureKey,
};
use crate::risk::DiagnosisKeysDataMapping;
use crate::windows::{ExposureWindow, KeySighting, ReportType, exposure_windows};

/// Intervals of clock drift tolerated each way when matching an RPI (±2 hours).
pub const MATCH_TOLERANCE_INTERVALS: u32 = 12;

/// Sightings of one RPI later than this after its first sighting are replays and are dropped.
pub const REPLAY_WINDOW_SECONDS: u64 = 20 * 60;

/// The lowest plausible TX power in received metadata, in dBm.
pub const MIN_TX_POWER_DBM: i8 = -50;

/// The highest plausible TX power in received metadata, in dBm.
pub const MAX_TX_POWER_DBM: i8 = 20;

/// A key published by a health authority after a positive test, with what the export file says
/// about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiagnosisKey {
    /// The positive person's TEK.
    pub key: TemporaryExposureKey,
    /// The first interval the key was valid for.
    pub rolling_start: IntervalNumber,
    /// How many intervals it was valid for, 1 to 144.
    pub rolling_period: u32,
    /// The diagnosis behind it (unknown when the file does not say).
    pub report_type: ReportType,
    /// Days from the positive person's symptom onset to the key's day, when known.
    pub days_since_onset: Option<i32>,
}

impl DiagnosisKey {
    /// A key with a checked rolling period.
    pub fn new(
        key: TemporaryExposureKey,
        rolling_start: IntervalNumber,
        rolling_period: u32,
        report_type: ReportType,
        days_since_onset: Option<i32>,
    ) -> Result<Self> {
        let rolling_period = crate::ids::check_rolling_period(rolling_period)?;
        Ok(Self {
            key,
            rolling_start,
            rolling_period,
            report_type,
            days_since_onset,
        })
    }
}

/// The phone's scans, indexed for matching.
///
/// Besides an exact map from RPI to sightings it keeps a small blocked Bloom filter (three bits per
/// RPI heard in one 64-bit word, 16 to 32 bits per distinct RPI, at least 32 KiB): a derived RPI
/// whose bits are not all set was certainly not heard, so nearly every one of a key's 144 RPIs is
/// ruled out with one cache-resident load (on x86-64 with AVX2, bit masks four RPIs at a time).
///
/// The index owns a copy of what it needs (one flat array of sightings grouped by RPI, and a map
/// from each RPI to its group), so it is built with a handful of allocations sized from the data
/// and can be kept and reused: a phone builds it once per sync, not once per export file.
#[derive(Debug)]
pub struct SightingIndex {
    by_rpi: HashMap<RollingProximityIdentifier, SightingGroup, RpiHasher>,
    sightings: Vec<IndexedSighting>,
    filter: Vec<u64>,
    filter_mask: usize,
}

/// Where one RPI's sightings are in [`SightingIndex::sightings`]: `start..start + len`, in the
/// order of the scans.
#[derive(Clone, Copy, Debug, Default)]
struct SightingGroup {
    start: u32,
    len: u32,
}

/// Smallest filter: 2^18 bits (32 KiB, a typical L1 data cache).
const MIN_FILTER_BITS: usize = 1 << 18;

/// Filter bits per distinct RPI heard, at least (the filter is a power of two): with three bits
/// per RPI in one 64-bit word (a blocked Bloom filter) that is a false-positive rate of at most
/// about 0.7 % per RPI (0.1 % at 32 bits per RPI). Half the 64 KiB that two bits per RPI needed
/// for the same rate, so a phone's filter stays within the L1 data cache.
const FILTER_BITS_PER_RPI: usize = 16;

/// Keys whose HKDFs run interleaved (see `derive::RpikDeriver::rpiks`).
const KEYS_AT_ONCE: usize = 4;

/// Keys handed to a worker thread at a time.
const CHUNK_KEYS: usize = 2_048;

#[derive(Clone, Copy, Debug)]
struct IndexedSighting {
    sighting: Sighting,
    previous_scan_at: Option<u64>,
}

impl SightingIndex {
    /// Indexes `scans` (oldest first, as the phone's `SightingStore::scans` returns them). Each
    /// sighting remembers when the device's previous scan ended: the later of its start and its
    /// last sighting.
    ///
    /// A counting sort by RPI: one pass counts each RPI's sightings (the map is sized for the
    /// worst case, every sighting a new RPI, so it never grows), one gives each RPI its group in
    /// the flat array, and one places the sightings, in scan order, into their groups.
    pub fn new(scans: &[Scan]) -> Self {
        let total: usize = scans.iter().map(|scan| scan.sightings.len()).sum();
        let mut by_rpi: HashMap<RollingProximityIdentifier, SightingGroup, RpiHasher> =
            HashMap::with_capacity_and_hasher(total, RpiHasher);
        for sighting in scans.iter().flat_map(|scan| &scan.sightings) {
            by_rpi.entry(sighting.payload().rpi).or_default().len += 1;
        }
        let mut start = 0u32;
        for group in by_rpi.values_mut() {
            group.start = start;
            // At most `total` sightings, each in one group: a phone holds far fewer than 2^32.
            start = start.saturating_add(group.len);
            group.len = 0;
        }
        let mut sightings: Vec<IndexedSighting> = Vec::with_capacity(total);
        if let Some(first) = scans.iter().flat_map(|scan| &scan.sightings).next() {
            // Every slot is overwritten below; this only gives them a value to start from.
            sightings.resize(
                total,
                IndexedSighting {
                    sighting: *first,
                    previous_scan_at: None,
                },
            );
        }
        let mut previous_scan_at = None;
        for scan in scans {
            let mut last_seen = 0;
            for sighting in &scan.sightings {
                last_seen = last_seen.max(sighting.seen_at());
                if let Some(group) = by_rpi.get_mut(&sighting.payload().rpi) {
                    let at = (group.start + group.len) as usize;
                    group.len += 1;
                    if let Some(slot) = sightings.get_mut(at) {
                        *slot = IndexedSighting {
                            sighting: *sighting,
                            previous_scan_at,
                        };
                    }
                }
            }
            previous_scan_at = Some(scan.started_at.max(last_seen));
        }
        let bits = (by_rpi.len() * FILTER_BITS_PER_RPI)
            .next_power_of_two()
            .max(MIN_FILTER_BITS);
        let mut filter = vec![0u64; bits / 64];
        let filter_mask = bits / 64 - 1;
        for rpi in by_rpi.keys() {
            let (word, bits) = filter_slot(rpi.as_bytes(), filter_mask);
            filter[word] |= bits;
        }
        Self {
            by_rpi,
            sightings,
            filter,
            filter_mask,
        }
    }

    /// How many sightings the index holds.
    pub fn sighting_count(&self) -> usize {
        self.sightings.len()
    }

    /// The sightings of `rpi`, in the order of the scans (empty when it was never heard).
    fn sightings_of(&self, rpi: &RollingProximityIdentifier) -> &[IndexedSighting] {
        self.by_rpi
            .get(rpi)
            .and_then(|group| {
                let start = group.start as usize;
                self.sightings.get(start..start + group.len as usize)
            })
            .unwrap_or_default()
    }

    /// Whether any RPI of `key` was heard (regardless of time; [`exposure_windows`] applies the
    /// time rules). Derives the RPIs with the fast path in `scratch`.
    ///
    /// [`exposure_windows`]: Self::exposure_windows
    pub fn was_heard(&self, key: &DiagnosisKey, scratch: &mut MatchScratch) -> bool {
        let [heard] = self.were_heard([key], scratch);
        heard
    }

    /// [`was_heard`](Self::was_heard) for several keys at once (their HKDFs and AES key
    /// schedules interleave).
    pub fn were_heard<const N: usize>(
        &self,
        keys: [&DiagnosisKey; N],
        scratch: &mut MatchScratch,
    ) -> [bool; N] {
        let mut heard = [false; N];
        if self.by_rpi.is_empty() {
            return heard;
        }
        let rpiks = scratch.deriver.rpiks(keys.map(|key| key.key.as_bytes()));
        scratch.batch.derive_each(
            &rpiks,
            keys.map(|key| (key.rolling_start, key.rolling_period)),
            |index, rpis| heard[index] = self.any_heard(rpis),
        );
        heard
    }

    /// Whether any of `rpis` was heard: the filter first, then the exact map.
    fn any_heard(&self, rpis: &[[u8; 16]]) -> bool {
        let exact = |rpi: &[u8; 16]| {
            self.by_rpi
                .contains_key(&RollingProximityIdentifier::from_bytes(*rpi))
        };
        #[cfg(target_arch = "x86_64")]
        if let Some(heard) = filter_x86::any_heard(rpis, &self.filter, self.filter_mask, exact) {
            return heard;
        }
        // The bit test is a branch that is almost never taken: the CPU predicts it and runs
        // ahead through the loop, overlapping the filter loads (measured faster here than a
        // branch-free OR over all RPIs).
        rpis.iter().any(|rpi| {
            let (word, bits) = filter_slot(rpi, self.filter_mask);
            self.filter[word] & bits == bits && exact(rpi)
        })
    }

    /// Matches many keys on `threads` threads (at least 1) and returns each key heard with its
    /// exposure windows (a key heard only outside the time, replay or TX-power rules comes back
    /// with no windows). Keys are read from the iterator in chunks, so a stream of millions of
    /// keys needs memory for a few chunks only. The first error from the iterator stops matching
    /// and is returned.
    pub fn match_keys<I>(
        &self,
        keys: I,
        receiver: &DeviceCalibration,
        mapping: &DiagnosisKeysDataMapping,
        threads: usize,
    ) -> Result<KeyMatches>
    where
        I: IntoIterator<Item = Result<DiagnosisKey>>,
    {
        let matcher =
            |chunk: &[DiagnosisKey], scratch: &mut MatchScratch, found: &mut Vec<MatchedKey>| {
                let mut found_key = |key: &DiagnosisKey| {
                    let sightings = self.key_sightings(key, receiver);
                    let windows = if sightings.is_empty() {
                        Vec::new()
                    } else {
                        exposure_windows(
                            &sightings,
                            mapping.report_type(key.report_type),
                            mapping.infectiousness(key.days_since_onset),
                        )
                    };
                    found.push(MatchedKey {
                        key: key.clone(),
                        sightings: sightings.len(),
                        windows,
                    });
                };
                let groups = chunk.chunks_exact(KEYS_AT_ONCE);
                let last = groups.remainder();
                for group in groups {
                    let group: [&DiagnosisKey; KEYS_AT_ONCE] = std::array::from_fn(|at| &group[at]);
                    let heard = self.were_heard(group, scratch);
                    for (key, heard) in group.into_iter().zip(heard) {
                        if heard {
                            found_key(key);
                        }
                    }
                }
                for key in last {
                    if self.was_heard(key, scratch) {
                        found_key(key);
                    }
                }
            };
        let mut keys = keys.into_iter();
        let mut next_chunk = || -> Result<Vec<DiagnosisKey>> {
            let mut chunk = Vec::with_capacity(CHUNK_KEYS);
            for key in keys.by_ref() {
                chunk.push(key?);
                if chunk.len() == CHUNK_KEYS {
                    break;
                }
            }
            Ok(chunk)
        };
        let mut result = KeyMatches::default();
        let mut scratch = MatchScratch::new();
        if threads <= 1 {
            loop {
                let chunk = next_chunk()?;
                if chunk.is_empty() {
                    return Ok(result);
                }
                result.keys_checked += chunk.len() as u64;
                matcher(&chunk, &mut scratch, &mut result.matched);
            }
        }
        // This thread reads keys and hands chunks to `threads - 1` workers; when they are all
        // busy it matches the chunk itself, so exactly `threads` threads do the work.
        let (sender, chunks) = mpsc::sync_channel::<Vec<DiagnosisKey>>(threads);
        let chunks = Arc::new(Mutex::new(chunks));
        std::thread::scope(|scope| {
            let workers: Vec<_> = (1..threads)
                .map(|_| {
                    let chunks = Arc::clone(&chunks);
                    scope.spawn(move || {
                        let mut scratch = MatchScratch::new();
                        let mut found = Vec::new();
                        loop {
                            let chunk =
                                chunks.lock().unwrap_or_else(PoisonError::into_inner).recv();
                            match chunk {
                                Ok(chunk) => matcher(&chunk, &mut scratch, &mut found),
                                Err(_) => return found,
                            }
                        }
                    })
                })
                .collect();
            let outcome = (|| -> Result<()> {
                loop {
                    let chunk = next_chunk()?;
                    if chunk.is_empty() {
                        return Ok(());
                    }
                    result.keys_checked += chunk.len() as u64;
                    match sender.try_send(chunk) {
                        Ok(()) => {}
                        Err(TrySendError::Full(chunk) | TrySendError::Disconnected(chunk)) => {
                            matcher(&chunk, &mut scratch, &mut result.matched);
                        }
                    }
                }
            })();
            drop(sender);
            for worker in workers {
                // A worker panics only on a bug in matching itself; pass the panic on.
                match worker.join() {
                    Ok(found) => result.matched.extend(found),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            outcome
        })?;
        Ok(result)
    }

    /// The exposure windows of one diagnosis key (empty when it was never heard).
    pub fn exposure_windows(
        &self,
        key: &DiagnosisKey,
        receiver: &DeviceCalibration,
        mapping: &DiagnosisKeysDataMapping,
    ) -> Vec<ExposureWindow> {
        let sightings = self.key_sightings(key, receiver);
        if sightings.is_empty() {
            return Vec::new();
        }
        exposure_windows(
            &sightings,
            mapping.report_type(key.report_type),
            mapping.infectiousness(key.days_since_onset),
        )
    }

    /// The sightings of one key that pass every check (time, replay, TX power), with their
    /// attenuations, ready for windowing.
    pub fn key_sightings(
        &self,
        key: &DiagnosisKey,
        receiver: &DeviceCalibration,
    ) -> Vec<KeySighting> {
        let cipher = key.key.rolling_proximity_identifier_key().cipher();
        let aemk = key.key.associated_encrypted_metadata_key();
        let mut found = Vec::new();
        for offset in 0..key.rolling_period {
            let interval = key.rolling_start.saturating_add(offset);
            let rpi = cipher.rolling_proximity_identifier(interval);
            let candidates = self.sightings_of(&rpi);
            if candidates.is_empty() {
                continue;
            }
            let earliest = interval.saturating_sub(MATCH_TOLERANCE_INTERVALS);
            let latest = interval.saturating_add(MATCH_TOLERANCE_INTERVALS + 1);
            let mut valid: Vec<&IndexedSighting> = candidates
                .iter()
                .filter(|candidate| {
                    let heard = IntervalNumber::from_unix_seconds(candidate.sighting.seen_at());
                    earliest <= heard && heard < latest
                })
                .collect();
            valid.sort_by_key(|candidate| candidate.sighting.seen_at());
            let Some(first) = valid.first().map(|candidate| candidate.sighting.seen_at()) else {
                continue;
            };
            for candidate in valid {
                let sighting = candidate.sighting;
                if sighting.seen_at() - first > REPLAY_WINDOW_SECONDS {
                    continue;
                }
                let metadata = aemk.decrypt(&rpi, &sighting.payload().aem);
                let tx_power = metadata.tx_power_dbm();
                if !(MIN_TX_POWER_DBM..=MAX_TX_POWER_DBM).contains(&tx_power) {
                    continue;
                }
                let rssi = receiver.corrected_rssi(sighting.rssi_dbm());
                let attenuation = (i16::from(tx_power) - i16::from(rssi)).max(0);
                found.push(KeySighting {
                    seen_at: sighting.seen_at(),
                    // Non-negative and at most 20 + 127, so the conversion is lossless.
                    attenuation_db: attenuation.unsigned_abs().into(),
                    calibration_confidence: metadata
                        .calibration_confidence()
                        .unwrap_or(CalibrationConfidence::LOWEST),
                    previous_scan_at: candidate.previous_scan_at,
                });
            }
        }
        found
    }
}

/// Reusable per-thread state for the fast path.
#[derive(Debug, Default)]
pub struct MatchScratch {
    deriver: RpikDeriver,
    batch: RpiBatch,
}

impl MatchScratch {
    /// Fresh scratch space.
    pub fn new() -> Self {
        Self::default()
    }
}

/// A diagnosis key that was heard, with its exposure windows.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchedKey {
    /// The key.
    pub key: DiagnosisKey,
    /// How many of its sightings passed the time, replay and TX-power rules.
    pub sightings: usize,
    /// Its exposure windows (empty when no sighting passed the time, replay and TX-power rules).
    pub windows: Vec<ExposureWindow>,
}

/// What [`SightingIndex::match_keys`] found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyMatches {
    /// How many keys were checked.
    pub keys_checked: u64,
    /// The keys that were heard, in no particular order.
    pub matched: Vec<MatchedKey>,
}

/// Hashes an RPI by its last 8 bytes. RPIs are AES outputs, uniformly random, so any 8 of their
/// bytes are a good hash; SipHash's protection against chosen keys buys nothing here (an attacker
/// who could choose RPIs that collide would only slow one phone's matching down) and costs time.
/// The filter uses the first 7 bytes, so the two stay independent.
#[derive(Clone, Copy, Debug, Default)]
struct RpiHasher;

impl std::hash::BuildHasher for RpiHasher {
    type Hasher = RpiHash;

    fn build_hasher(&self) -> RpiHash {
        RpiHash(0)
    }
}

/// The hasher [`RpiHasher`] builds.
#[derive(Clone, Copy, Debug, Default)]
struct RpiHash(u64);

impl std::hash::Hasher for RpiHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // An RPI hashes as its 16 bytes (plus, for slices, a length prefix written first).
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(29) ^ u64::from_le_bytes(word);
        }
    }
}

/// The filter word for an RPI and the three bits it sets there: the word from bytes 0..4, the
/// bits from bytes 4, 5 and 6 (the RPI is uniformly random, so these are independent hashes;
/// `filter_x86` reads the same layout).
fn filter_slot(rpi: &[u8; 16], word_mask: usize) -> (usize, u64) {
    let word = u32::from_le_bytes([rpi[0], rpi[1], rpi[2], rpi[3]]) as usize & word_mask;
    (
        word,
        (1u64 << (rpi[4] & 63)) | (1u64 << (rpi[5] & 63)) | (1u64 << (rpi[6] & 63)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::ble::ExposurePayload;
    use crate::ids::Metadata;
    use crate::risk::ExposureConfiguration;
    use crate::windows::Infectiousness;

    /// 2020-04-02 00:00:00 UTC.
    const DAY: u64 = 1_585_785_600;
    const START: IntervalNumber = IntervalNumber::new(2_642_976);

    fn tek() -> TemporaryExposureKey {
        TemporaryExposureKey::from_bytes([0x42; 16])
    }

    fn diagnosis_key(report_type: ReportType, onset: Option<i32>) -> DiagnosisKey {
        DiagnosisKey::new(tek(), START, 144, report_type, onset).unwrap()
    }

    /// What the key's owner broadcast in `interval`, heard at `seen_at`.
    fn heard(interval: u32, seen_at: u64, rssi: i16, metadata: Metadata) -> Sighting {
        let payload = ExposurePayload::derive(&tek(), IntervalNumber::new(interval), &metadata);
        Sighting::new(payload, rssi, seen_at).unwrap()
    }

    /// Scan 1 at `at`, which heard the test key of `interval` once, at -60 dBm from -10 dBm.
    fn heard_once(interval: u32, at: u64) -> Scan {
        scan(1, at, vec![heard(interval, at, -60, Metadata::v1_0(-10))])
    }

    fn scan(id: u64, at: u64, sightings: Vec<Sighting>) -> Scan {
        Scan {
            scan_id: id,
            started_at: at,
            sightings,
        }
    }

    const RECEIVER: DeviceCalibration = DeviceCalibration {
        rssi_correction_db: 5,
        tx_power_dbm: -25,
        confidence: CalibrationConfidence::LOWEST,
    };

    fn mapping() -> DiagnosisKeysDataMapping {
        ExposureConfiguration::cocoa().mapping
    }

    #[test]
    fn attenuation_uses_sender_tx_power_and_receiver_correction() {
        let metadata = Metadata::v1_1(-20, CalibrationConfidence::new(3).unwrap());
        let at = DAY + 3_600;
        let scans = [
            scan(1, at - 240, vec![]),
            scan(2, at, vec![heard(2_642_982, at + 1, -60, metadata)]),
        ];
        let index = SightingIndex::new(&scans);
        let windows = index.exposure_windows(
            &diagnosis_key(ReportType::ConfirmedTest, Some(0)),
            &RECEIVER,
            &mapping(),
        );
        assert_eq!(windows.len(), 1);
        // -20 - (-60 + 5) = 35 dB
        assert_eq!(windows[0].scan_instances[0].typical_attenuation_db, 35);
        // Previous scan started at at-240 and heard nothing: minute(at+1) - minute(at-240) = 4.
        assert_eq!(windows[0].scan_instances[0].seconds_since_last_scan, 240);
        assert_eq!(windows[0].calibration_confidence.value(), 3);
        assert_eq!(windows[0].infectiousness, Infectiousness::High);
        // A strong signal never gives a negative attenuation.
        let loud = [scan(1, at, vec![heard(2_642_982, at, 20, metadata)])];
        let windows = SightingIndex::new(&loud).exposure_windows(
            &diagnosis_key(ReportType::ConfirmedTest, None),
            &RECEIVER,
            &mapping(),
        );
        assert_eq!(windows[0].scan_instances[0].typical_attenuation_db, 0);
    }

    #[test]
    fn only_within_two_hours_of_the_interval() {
        let metadata = Metadata::v1_0(-10);
        let interval = 2_642_990; // 02:20 UTC
        let at = |enin: u32| u64::from(enin) * 600 + 30;
        let scans = [
            scan(
                1,
                at(interval - 13),
                vec![heard(interval, at(interval - 13), -60, metadata)],
            ), // too early
            scan(
                2,
                at(interval - 12),
                vec![heard(interval, at(interval - 12), -60, metadata)],
            ), // earliest
            scan(
                3,
                at(interval + 12),
                vec![heard(interval, at(interval + 12), -60, metadata)],
            ), // latest
            scan(
                4,
                at(interval + 13),
                vec![heard(interval, at(interval + 13), -60, metadata)],
            ), // too late
        ];
        let index = SightingIndex::new(&scans);
        let sightings =
            index.key_sightings(&diagnosis_key(ReportType::ConfirmedTest, None), &RECEIVER);
        // The replay filter would drop the latest (4 h after the first), so look at times only.
        let times: Vec<u64> = sightings.iter().map(|s| s.seen_at).collect();
        assert_eq!(times, vec![at(interval - 12)]);
    }

    #[test]
    fn replays_after_20_minutes_and_implausible_tx_power_are_dropped() {
        let at = DAY + 7_200;
        let interval = 2_642_988;
        // (scan id, seconds after `at`, transmit power): a replay after 20 minutes 1 second,
        // then powers above 20 dBm and below -50 dBm, which no phone transmits.
        let scans = [
            (1, 0, -10),
            (2, 1_200, -10),
            (3, 1_201, -10),
            (4, 300, 21),
            (5, 301, -51),
            (6, 302, -50),
        ]
        .map(|(id, after, tx_power)| {
            let seen_at = at + after;
            scan(
                id,
                seen_at,
                vec![heard(interval, seen_at, -60, Metadata::v1_0(tx_power))],
            )
        });
        let index = SightingIndex::new(&scans);
        let times: Vec<u64> = index
            .key_sightings(&diagnosis_key(ReportType::ConfirmedTest, None), &RECEIVER)
            .iter()
            .map(|s| s.seen_at)
            .collect();
        assert_eq!(times, vec![at, at + 302, at + 1_200]);
    }

    #[test]
    fn a_shorter_rolling_period_only_derives_its_own_rpis() {
        let at = u64::from(2_643_020u32) * 600; // interval 44 of the day
        let scans = [heard_once(2_643_020, at)];
        let index = SightingIndex::new(&scans);
        let short = DiagnosisKey::new(tek(), START, 44, ReportType::ConfirmedTest, None).unwrap();
        assert!(
            index
                .exposure_windows(&short, &RECEIVER, &mapping())
                .is_empty()
        );
        let long = DiagnosisKey::new(tek(), START, 45, ReportType::ConfirmedTest, None).unwrap();
        assert_eq!(
            index.exposure_windows(&long, &RECEIVER, &mapping()).len(),
            1
        );
        assert!(DiagnosisKey::new(tek(), START, 0, ReportType::ConfirmedTest, None).is_err());
    }

    #[test]
    fn report_type_and_infectiousness_come_from_the_mapping() {
        let at = DAY + 600;
        let scans = [heard_once(2_642_977, at)];
        let index = SightingIndex::new(&scans);
        let windows = index.exposure_windows(
            &diagnosis_key(ReportType::Unknown, Some(-5)),
            &RECEIVER,
            &mapping(),
        );
        assert_eq!(windows[0].report_type, ReportType::ConfirmedTest);
        assert_eq!(windows[0].infectiousness, Infectiousness::None);
        assert_eq!(
            windows[0].scan_instances[0].seconds_since_last_scan, 120,
            "no previous scan"
        );
    }

    #[test]
    fn match_keys_finds_the_same_keys_on_any_number_of_threads() {
        let at = DAY + 3_600;
        let scans = [scan(
            1,
            at,
            vec![heard(2_642_982, at + 1, -60, Metadata::v1_0(-10))],
        )];
        let index = SightingIndex::new(&scans);
        let mut keys: Vec<Result<DiagnosisKey>> = (0..10_000u32)
            .map(|i| {
                let mut bytes = [0u8; 16];
                bytes[..4].copy_from_slice(&i.to_le_bytes());
                DiagnosisKey::new(
                    TemporaryExposureKey::from_bytes(bytes),
                    START,
                    144,
                    ReportType::ConfirmedTest,
                    None,
                )
            })
            .collect();
        keys.insert(4_321, Ok(diagnosis_key(ReportType::ConfirmedTest, Some(1))));
        let copy = |keys: &[Result<DiagnosisKey>]| -> Vec<Result<DiagnosisKey>> {
            keys.iter()
                .map(|key| match key {
                    Ok(key) => Ok(key.clone()),
                    Err(_) => Err(Error::InvalidRollingPeriod(0)),
                })
                .collect()
        };
        for threads in [1, 2, 3] {
            let found = index
                .match_keys(copy(&keys), &RECEIVER, &mapping(), threads)
                .unwrap();
            assert_eq!(found.keys_checked, 10_001);
            assert_eq!(found.matched.len(), 1, "{threads} threads");
            assert_eq!(found.matched[0].key.key, tek());
            assert_eq!(found.matched[0].windows.len(), 1);
        }
        // An error in the stream stops matching and is returned.
        keys.insert(5_000, Err(Error::InvalidRollingPeriod(0)));
        for threads in [1, 2] {
            assert!(
                index
                    .match_keys(copy(&keys), &RECEIVER, &mapping(), threads)
                    .is_err()
            );
        }
    }

    #[test]
    fn was_heard_is_exact_despite_the_filter() {
        let at = DAY + 600;
        let scans = [heard_once(2_642_977, at)];
        let index = SightingIndex::new(&scans);
        let mut scratch = MatchScratch::new();
        assert!(index.was_heard(
            &diagnosis_key(ReportType::ConfirmedTest, None),
            &mut scratch
        ));
        let other = DiagnosisKey::new(
            TemporaryExposureKey::from_bytes([1; 16]),
            START,
            144,
            ReportType::ConfirmedTest,
            None,
        )
        .unwrap();
        assert!(!index.was_heard(&other, &mut scratch));
        assert!(!SightingIndex::new(&[]).was_heard(&other, &mut scratch));
    }

    #[test]
    fn an_rpi_is_found_at_every_offset_and_not_past_the_period() {
        // One sighting at each offset in turn, for a key alone and in every position of a batch
        // (the fast paths work in groups of RPIs and of keys); an RPI past the key's period is
        // not the key's.
        let mut scratch = MatchScratch::new();
        for offset in 0..144 {
            let at = DAY + 600;
            let sighting = heard(START.value() + offset, at, -60, Metadata::v1_0(-10));
            let scans = [scan(1, at, vec![sighting])];
            let index = SightingIndex::new(&scans);
            for period in [144, 100, 23, 1] {
                let key = DiagnosisKey::new(tek(), START, period, ReportType::ConfirmedTest, None)
                    .unwrap();
                let others = [[1u8; 16], [2; 16], [3; 16]].map(|bytes| {
                    DiagnosisKey::new(
                        TemporaryExposureKey::from_bytes(bytes),
                        START,
                        period,
                        ReportType::ConfirmedTest,
                        None,
                    )
                    .unwrap()
                });
                let expected = offset < period;
                assert_eq!(
                    index.was_heard(&key, &mut scratch),
                    expected,
                    "{offset}, {period}"
                );
                for position in 0..4 {
                    let mut batch = [&others[0], &others[1], &others[2], &others[0]];
                    batch[position] = &key;
                    let mut heard = [false; 4];
                    heard[position] = expected;
                    assert_eq!(index.were_heard(batch, &mut scratch), heard);
                }
            }
        }
    }
}
