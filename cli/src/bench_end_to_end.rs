//! `mimamori bench end-to-end`: matching as a researcher and a phone do it, from files on disk to
//! the answer, so that the costs around the matcher (reading sightings, indexing them, opening
//! files, storing windows) show next to the matcher's own speed.
//!
//! It writes synthetic inputs (a signed export zip with its public key and a sightings CSV for
//! `mimamori match`; a phone's data directory holding 14 days of scans and a day of export files
//! for a sync), then times, best of `--repeat`:
//!
//! - reading and parsing the sightings CSV, and indexing the sightings;
//! - the fixed cost: `mimamori match` on a one-key file with all the sightings;
//! - `mimamori match` on the big file on one thread, and the matcher alone on the same file;
//! - a phone sync: the phone's sightings read from SQLite and indexed, then every file opened,
//!   verified, matched and its windows and mark stored, as [`mimamori_phone::sync`] does.
//!
//! The `mimamori match` runs call the command's own code in this process (without the ~2 ms of
//! starting a process); the command line to time the real process with hyperfine is printed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use mimamori_environment::{Clock, OsRandom};
use mimamori_gaen::encounter::{ScanBatch, scans_from_csv};
use mimamori_gaen::export::{ExportFile, ExportPublicKey};
use mimamori_gaen::matching::SightingIndex;
use mimamori_gaen::{DeviceCalibration, ExposureConfiguration, IntervalNumber};
use mimamori_phone::phone::Phone;

use crate::matching::{MatchArgs, run_match};

/// Arguments of `mimamori bench end-to-end`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchEndToEndArgs {
    /// Keys in the export file given to `mimamori match`.
    #[arg(long, default_value_t = 100_000)]
    keys: usize,
    /// Sightings in the CSV given to `mimamori match`.
    #[arg(long, default_value_t = 20_000)]
    sightings: usize,
    /// Export files in the phone's sync.
    #[arg(long, default_value_t = 14)]
    sync_files: usize,
    /// Keys in each file of the sync.
    #[arg(long, default_value_t = 50_000)]
    sync_file_keys: usize,
    /// Sightings the phone holds, over 14 days.
    #[arg(long, default_value_t = 20_000)]
    phone_sightings: usize,
    /// Where to write the inputs (default: a temporary directory, removed afterwards). Given, it
    /// keeps them for timing `mimamori match` as a process (the command is printed).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// How many times to time each step; the best is reported (machines are noisy).
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// Only this part: `match` (the `mimamori match` steps) or `sync` (the phone sync).
    #[arg(long, value_parser = ["match", "sync"])]
    only: Option<String>,
}

/// The day the synthetic data ends: 2023-11-14 (interval of Unix time 1,700,000,000), fixed so
/// that every run and machine does the same work.
const TODAY_UNIX_SECONDS: u64 = 1_700_000_000;

/// Keys in each file that the phone heard (six scans each, near enough to give windows).
const MATCHING_KEYS: usize = 20;

/// The phone's clock in the bench: stopped at one hour past the start of the synthetic data's
/// last day, so that every meeting (at noon of each of the 14 days before) is within retention.
#[derive(Debug)]
struct BenchClock(u64);

impl Clock for BenchClock {
    fn now_unix_seconds(&self) -> u64 {
        self.0
    }
}

/// Writes the inputs, times each step and prints the figures.
pub(crate) fn run(args: &BenchEndToEndArgs, out: &mut impl Write) -> Result<()> {
    if args.keys == 0 || args.sync_files == 0 || args.sync_file_keys == 0 {
        bail!("--keys, --sync-files and --sync-file-keys must be at least 1");
    }
    if args.repeat == 0 {
        bail!("--repeat must be at least 1");
    }
    let temporary = tempfile::tempdir().context("cannot create a temporary directory")?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| temporary.path().to_path_buf());
    let today = IntervalNumber::from_unix_seconds(TODAY_UNIX_SECONDS);
    if args.only.as_deref() == Some("sync") {
        return bench_sync(&dir.join("sync"), args, today, out);
    }
    let inputs = MatchInputs::write(&dir.join("match"), args, today)?;
    writeln!(
        out,
        "inputs in {}; to time the process: hyperfine -N 'mimamori match --export {} \
         --sightings {} --public-key {} --threads 1'",
        dir.display(),
        inputs.export.display(),
        inputs.sightings.display(),
        inputs.public_key.display(),
    )?;
    bench_match(&inputs, args, out)?;
    if args.only.is_none() {
        bench_sync(&dir.join("sync"), args, today, out)?;
    }
    Ok(())
}

/// The inputs of `mimamori match`.
struct MatchInputs {
    export: PathBuf,
    one_key_export: PathBuf,
    sightings: PathBuf,
    public_key: PathBuf,
    parsed_public_key: ExportPublicKey,
    keys: u64,
}

impl MatchInputs {
    fn write(dir: &Path, args: &BenchEndToEndArgs, today: IntervalNumber) -> Result<Self> {
        let one_key_dir = dir.join("one-key");
        std::fs::create_dir_all(&one_key_dir)
            .with_context(|| format!("cannot create {}", one_key_dir.display()))?;
        let matching = MATCHING_KEYS.min(args.keys);
        let exports = mimamori_benches::write_synthetic_exports(
            dir,
            args.keys,
            args.sightings,
            matching,
            today,
            42,
        )?;
        let [export] = exports.files.as_slice() else {
            bail!("--keys must fit one export file (at most 500,000)");
        };
        // The same seed signs with the same key.
        let one_key = mimamori_benches::write_synthetic_exports(&one_key_dir, 1, 0, 0, today, 42)?;
        let sightings = dir.join("sightings.csv");
        write(&sightings, mimamori_benches::sightings_csv(&exports.scans))?;
        let public_key = dir.join("public-key.pem");
        write(&public_key, exports.public_key.to_pem()?)?;
        Ok(Self {
            export: export.clone(),
            one_key_export: one_key
                .files
                .into_iter()
                .next()
                .context("no file written")?,
            sightings,
            public_key,
            parsed_public_key: exports.public_key,
            keys: args.keys as u64,
        })
    }

    fn match_args(&self, export: &Path) -> MatchArgs {
        MatchArgs {
            export: vec![export.to_path_buf()],
            sightings: self.sightings.clone(),
            public_key: Some(self.public_key.display().to_string()),
            threads: Some(1),
        }
    }
}

fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

/// The best (shortest) of `repeat` timings of `step`, in seconds, with the last run's result.
fn best_of<T>(repeat: usize, mut step: impl FnMut() -> Result<T>) -> Result<(f64, T)> {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..repeat {
        let started = Instant::now();
        let result = step()?;
        best = best.min(started.elapsed().as_secs_f64());
        last = Some(result);
    }
    Ok((best, last.context("no run")?))
}

fn bench_match(inputs: &MatchInputs, args: &BenchEndToEndArgs, out: &mut impl Write) -> Result<()> {
    let repeat = args.repeat;
    let (parse, scans) = best_of(repeat, || {
        let csv = std::fs::read_to_string(&inputs.sightings)?;
        Ok(scans_from_csv(&csv)?)
    })?;
    let sighting_count: usize = scans.iter().map(|scan| scan.sightings.len()).sum();
    let (index_build, index) = best_of(repeat, || Ok(SightingIndex::new(&scans)))?;
    let (fixed, _) = best_of(repeat, || {
        run_match(
            &inputs.match_args(&inputs.one_key_export),
            &mut std::io::sink(),
        )
    })?;
    let mut output = Vec::new();
    let (whole, _) = best_of(repeat, || {
        output.clear();
        run_match(&inputs.match_args(&inputs.export), &mut output)
    })?;
    let matched_lines = output
        .split(|byte| *byte == b'\n')
        .filter(|line| {
            line.len() > 32 && line[32] == b' ' && line[..32].iter().all(u8::is_ascii_hexdigit)
        })
        .count();
    if matched_lines != MATCHING_KEYS.min(args.keys) {
        bail!("`mimamori match` printed {matched_lines} matched keys: matching is broken");
    }
    let configuration = ExposureConfiguration::cocoa();
    let public_keys = [inputs.parsed_public_key.clone()];
    let (matcher, _) = best_of(repeat, || {
        let mut file = ExportFile::open(&inputs.export)?;
        let keys = file.keys()?.into_verified_keys(&public_keys);
        Ok(index.match_keys(
            keys,
            &DeviceCalibration::UNKNOWN_DEVICE,
            &configuration.mapping,
            1,
        )?)
    })?;
    let rate = |seconds: f64| inputs.keys as f64 / seconds / 1e6;
    writeln!(
        out,
        "sightings CSV of {sighting_count} sightings: read and parsed in {:.2} ms, indexed in {:.2} ms",
        parse * 1e3,
        index_build * 1e3
    )?;
    writeln!(
        out,
        "fixed cost: `mimamori match` of a 1-key file against {sighting_count} sightings: {:.2} ms (target: under 10 ms)",
        fixed * 1e3
    )?;
    writeln!(
        out,
        "`mimamori match` end to end, {} keys, signed zip, 1 thread: {:.1} ms, {:.2} M keys/s (target: 1.5 M keys/s or more)",
        inputs.keys,
        whole * 1e3,
        rate(whole)
    )?;
    writeln!(
        out,
        "the matcher alone on the same file (index built beforehand), 1 thread: {:.1} ms, {:.2} M keys/s",
        matcher * 1e3,
        rate(matcher)
    )?;
    Ok(())
}

fn bench_sync(
    dir: &Path,
    args: &BenchEndToEndArgs,
    today: IntervalNumber,
    out: &mut impl Write,
) -> Result<()> {
    let files_dir = dir.join("exports");
    std::fs::create_dir_all(&files_dir)
        .with_context(|| format!("cannot create {}", files_dir.display()))?;
    let key_count = args.sync_files * args.sync_file_keys;
    let exports = mimamori_benches::write_synthetic_export_files(
        &files_dir,
        key_count,
        args.sync_file_keys,
        args.phone_sightings,
        MATCHING_KEYS,
        today,
        43,
    )?;
    let phone_dir = dir.join("phone");
    // A fresh phone each time the bench runs: the files are matched once per source.
    if phone_dir.exists() {
        std::fs::remove_dir_all(&phone_dir)
            .with_context(|| format!("cannot remove {}", phone_dir.display()))?;
    }
    let mut phone = Phone::open(
        &phone_dir,
        DeviceCalibration::UNKNOWN_DEVICE,
        Arc::new(BenchClock(today.rolling_start().unix_seconds() + 3_600)),
        Box::new(OsRandom),
    )?;
    for scan in &exports.scans {
        phone.record_scan(&ScanBatch {
            scan_id: scan.scan_id,
            started_at: scan.started_at,
            sightings: scan.sightings.clone(),
        })?;
    }
    let public_keys = [exports.public_key.clone()];
    let mut run = 0;
    let cpu_before = crate::matching::process_cpu_seconds();
    let (seconds, (checked, matched)) = best_of(args.repeat, || {
        run += 1;
        // Each run is a new source, so every file is matched again.
        match_files(
            &mut phone,
            &format!("bench-{run}"),
            &exports.files,
            &public_keys,
        )
    })?;
    let cpu = crate::matching::process_cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| (after - before) / args.repeat as f64);
    if checked != key_count as u64 || matched != MATCHING_KEYS.min(args.sync_file_keys) {
        bail!("the sync matched {matched} keys of {checked}: matching is broken");
    }
    writeln!(
        out,
        "phone sync of {} files of {} keys against {} sightings (SQLite, 14 days), files on disk \
         to stored windows, all cores: {:.1} ms, {:.2} M keys/s{} (target: 1.5 M keys/s or more)",
        args.sync_files,
        args.sync_file_keys,
        args.phone_sightings,
        seconds * 1e3,
        checked as f64 / seconds / 1e6,
        cpu.filter(|cpu| *cpu > 0.0)
            .map(|cpu| format!(
                " ({:.2} M keys per CPU-second, mean of the runs)",
                checked as f64 / cpu / 1e6
            ))
            .unwrap_or_default()
    )?;
    Ok(())
}

/// Matches `files` as a sync does (the sightings read and indexed once); returns the keys
/// checked and the keys with windows.
fn match_files(
    phone: &mut Phone,
    source: &str,
    files: &[PathBuf],
    public_keys: &[ExportPublicKey],
) -> Result<(u64, usize)> {
    let index = phone.sighting_index()?;
    let (mut checked, mut matched) = (0, 0);
    for path in files {
        let name = path.display().to_string();
        let report = phone
            .match_export_file_with(&index, source, &name, path, public_keys)?
            .context("a file of a new source was already matched")?;
        checked += report.keys;
        matched += report.matched_keys;
    }
    Ok((checked, matched))
}
