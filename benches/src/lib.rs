//! Synthetic, reproducible data for Mimamori's benchmarks and the `mimamori bench` command.
//!
//! The benchmarks themselves are in `benches/benches/`; run them with
//! `cargo bench -p mimamori-benches`. Data is made from a fixed seed so that two runs (or two
//! machines) measure the same work.
//!
//! ```
//! use mimamori_benches::{synthetic_key, synthetic_keys};
//! use mimamori_gaen::IntervalNumber;
//!
//! // The same seed gives the same key, on every machine.
//! assert_eq!(synthetic_key(7), synthetic_key(7));
//! assert_ne!(synthetic_key(7), synthetic_key(8));
//! let keys = synthetic_keys(14, IntervalNumber::new(2_650_000), 1);
//! assert_eq!(keys.len(), 14);
//! ```

use std::path::{Path, PathBuf};

use mimamori_environment::{RandomSource, SeededRandom};
use mimamori_gaen::encounter::{Scan, Sighting};
use mimamori_gaen::export::{
    ExportHeader, ExportKey, ExportPublicKey, ExportSigningKey, ExportWriter, MAX_KEYS_PER_FILE,
};
use mimamori_gaen::ids::TEK_ROLLING_PERIOD;
use mimamori_gaen::{
    AssociatedEncryptedMetadata, DailyKey, DiagnosisKey, ExposurePayload, IntervalNumber, Metadata,
    ReportType, RollingProximityIdentifier, TemporaryExposureKey,
};

/// Seconds between two synthetic scans.
const SCAN_EVERY_SECONDS: u64 = 240;

/// Sightings per synthetic scan.
const SIGHTINGS_PER_SCAN: usize = 10;

/// `count` random keys with full-day rolling periods spread over the 14 days before `last_day`.
pub fn synthetic_keys(count: usize, last_day: IntervalNumber, seed: u64) -> Vec<DailyKey> {
    synthetic_diagnosis_keys(count, last_day, seed)
        .into_iter()
        .map(|key| {
            DailyKey::new(key.key, key.rolling_start, key.rolling_period)
                .unwrap_or_else(|_| unreachable!("144 is a valid rolling period"))
        })
        .collect()
}

/// `count` random diagnosis keys, like a national export file: full-day keys spread over the 14
/// days before `last_day` (every 12th key with a shorter period, as real files have).
pub fn synthetic_diagnosis_keys(
    count: usize,
    last_day: IntervalNumber,
    seed: u64,
) -> Vec<DiagnosisKey> {
    let mut random = SeededRandom::new(seed);
    let last_day = last_day.rolling_start();
    (0..count)
        .map(|index| {
            let day = (index % 14) as u32;
            let start = last_day.saturating_sub((day + 1) * TEK_ROLLING_PERIOD);
            let period = if index % 12 == 11 {
                1 + (index as u32 % 143)
            } else {
                TEK_ROLLING_PERIOD
            };
            let key = TemporaryExposureKey::generate(&mut random);
            DiagnosisKey::new(key, start, period, ReportType::ConfirmedTest, Some(0))
                .unwrap_or_else(|_| unreachable!("periods are within 1..=144"))
        })
        .collect()
}

/// A random 16-byte key from `seed`.
pub fn synthetic_key(seed: u64) -> TemporaryExposureKey {
    let mut bytes = [0u8; 16];
    SeededRandom::new(seed).fill_bytes(&mut bytes);
    TemporaryExposureKey::from_bytes(bytes)
}

/// A phone's scans over the 14 days before `today` with `sightings` sightings in all, of which
/// those of the first `matching` keys of `keys` are real broadcasts of theirs (each heard in six
/// consecutive scans, 24 minutes, near enough to count) and the rest random identifiers.
pub fn synthetic_scans(
    keys: &[DiagnosisKey],
    sightings: usize,
    matching: usize,
    today: IntervalNumber,
    seed: u64,
) -> Vec<Scan> {
    let mut random = SeededRandom::new(seed);
    let start = today
        .rolling_start()
        .saturating_sub(14 * TEK_ROLLING_PERIOD)
        .unix_seconds();
    let scan_count = sightings.div_ceil(SIGHTINGS_PER_SCAN).max(1);
    let span = 14 * 86_400 / scan_count as u64;
    let mut scans: Vec<Scan> = (0..scan_count)
        .map(|index| {
            let at = start + index as u64 * span.max(1);
            let heard = (0..SIGHTINGS_PER_SCAN.min(sightings - index * SIGHTINGS_PER_SCAN))
                .map(|_| {
                    let mut rpi = [0u8; 16];
                    let mut aem = [0u8; 4];
                    random.fill_bytes(&mut rpi);
                    random.fill_bytes(&mut aem);
                    let payload = ExposurePayload::new(
                        RollingProximityIdentifier::from_bytes(rpi),
                        AssociatedEncryptedMetadata::from_bytes(aem),
                    );
                    Sighting::new(payload, -70, at + 1)
                        .unwrap_or_else(|_| unreachable!("valid RSSI"))
                })
                .collect();
            Scan {
                scan_id: index as u64,
                started_at: at,
                sightings: heard,
            }
        })
        .collect();
    let mut scan_id = scan_count as u64;
    for key in keys.iter().take(matching) {
        let first = key
            .rolling_start
            .saturating_add(key.rolling_period / 2)
            .unix_seconds();
        for meeting in 0..6u64 {
            let at = first + meeting * SCAN_EVERY_SECONDS;
            let interval = IntervalNumber::from_unix_seconds(at);
            let payload = ExposurePayload::derive(&key.key, interval, &Metadata::v1_0(-20));
            let sighting =
                Sighting::new(payload, -75, at + 1).unwrap_or_else(|_| unreachable!("valid RSSI"));
            scans.push(Scan {
                scan_id,
                started_at: at,
                sightings: vec![sighting],
            });
            scan_id += 1;
        }
    }
    scans.sort_by_key(|scan| scan.started_at);
    scans
}

/// Synthetic signed export files for matching benchmarks: `key_count` keys in files of at most
/// 500,000 keys (as a national server publishes them), written to `dir`, with the phone's scans
/// (`sightings` in all, `matching` of them real broadcasts of the first file's first keys).
#[derive(Debug)]
pub struct SyntheticExports {
    /// The files, in order.
    pub files: Vec<PathBuf>,
    /// The key that verifies them.
    pub public_key: ExportPublicKey,
    /// The phone's scans.
    pub scans: Vec<Scan>,
}

/// Writes [`SyntheticExports`]. Keys are made file by file, so memory stays at one file's worth.
pub fn write_synthetic_exports(
    dir: &Path,
    key_count: usize,
    sightings: usize,
    matching: usize,
    today: IntervalNumber,
    seed: u64,
) -> mimamori_gaen::Result<SyntheticExports> {
    write_synthetic_export_files(
        dir,
        key_count,
        MAX_KEYS_PER_FILE,
        sightings,
        matching,
        today,
        seed,
    )
}

/// [`write_synthetic_exports`] with at most `keys_per_file` keys in a file (at least 1, at most
/// [`MAX_KEYS_PER_FILE`]): a day's worth of smaller files, as a phone syncs them.
pub fn write_synthetic_export_files(
    dir: &Path,
    key_count: usize,
    keys_per_file: usize,
    sightings: usize,
    matching: usize,
    today: IntervalNumber,
    seed: u64,
) -> mimamori_gaen::Result<SyntheticExports> {
    let keys_per_file = keys_per_file.clamp(1, MAX_KEYS_PER_FILE);
    let signer = ExportSigningKey::generate(&mut SeededRandom::new(seed), "999", "v1")?;
    let file_count = key_count.div_ceil(keys_per_file).max(1);
    let mut files = Vec::with_capacity(file_count);
    let mut scans = Vec::new();
    for index in 0..file_count {
        let count = keys_per_file.min(key_count - index * keys_per_file);
        let keys = synthetic_diagnosis_keys(count, today, seed.wrapping_add(index as u64 + 1));
        if index == 0 {
            scans = synthetic_scans(&keys, sightings, matching.min(count), today, seed);
        }
        let start = today.rolling_start().unix_seconds();
        let header = ExportHeader {
            start_timestamp: start,
            end_timestamp: start + 3_600,
            region: "JP".to_owned(),
            batch_num: index as i32 + 1,
            batch_size: file_count as i32,
        };
        let keys: Vec<ExportKey> = keys.into_iter().map(ExportKey::new).collect();
        let path = dir.join(format!("{}-{:05}.zip", today.value(), index + 1));
        let file = std::fs::File::create(&path).map_err(|cause| mimamori_gaen::Error::Io {
            path: path.clone(),
            cause,
        })?;
        let mut written = ExportWriter::new(header, std::slice::from_ref(&signer))
            .write_zip(&keys, std::io::BufWriter::new(file))?;
        std::io::Write::flush(&mut written).map_err(|cause| mimamori_gaen::Error::Io {
            path: path.clone(),
            cause,
        })?;
        files.push(path);
    }
    Ok(SyntheticExports {
        files,
        public_key: signer.public_key(),
        scans,
    })
}

/// `scans` as the sightings CSV of the `diagnosis-keys` research tool, which `mimamori match`
/// reads (`StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR`): one row per sighting, in time order, each
/// starting and ending at its time (so [`mimamori_gaen::encounter::scans_from_csv`] gives back
/// the same sightings, grouped by second).
pub fn sightings_csv(scans: &[Scan]) -> String {
    use std::fmt::Write;

    let mut sightings: Vec<&Sighting> = scans.iter().flat_map(|scan| &scan.sightings).collect();
    sightings.sort_by_key(|sighting| sighting.seen_at());
    let mut csv = String::with_capacity(90 * (sightings.len() + 1));
    csv.push_str(mimamori_gaen::encounter::SIGHTINGS_CSV_HEADER);
    csv.push('\n');
    for sighting in sightings {
        let payload = sighting.payload();
        // Writing to a String cannot fail.
        let _ = writeln!(
            csv,
            "{at};{at};{rpi};{aem};{rssi};00:11:22:33:44:55",
            at = sighting.seen_at(),
            rpi = payload.rpi,
            aem = payload.aem,
            rssi = sighting.rssi_dbm(),
        );
    }
    csv
}
