//! `mimamori match` and `mimamori bench match`: matching diagnosis-key files against sightings,
//! for researchers and for anyone who wants to check the speed figures.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use mimamori_gaen::encounter::scans_from_csv;
use mimamori_gaen::export::{ExportFile, ExportPublicKey};
use mimamori_gaen::matching::{KeyMatches, SightingIndex};
use mimamori_gaen::risk::assess_days;
use mimamori_gaen::{DeviceCalibration, ExposureConfiguration, IntervalNumber, RiskRules};
use time::OffsetDateTime;

use crate::inspect::load_public_key;

/// Arguments of `mimamori match`.
#[derive(Debug, clap::Args)]
pub(crate) struct MatchArgs {
    /// The export file: a zip, or a bare export.bin (with its .sig beside it). Give it several
    /// times to match several files (a day's or a country's) against the sightings read once.
    #[arg(long, required = true)]
    pub(crate) export: Vec<PathBuf>,
    /// Sightings in the diagnosis-keys tool's CSV, semicolon-separated with the header
    /// `StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR`: one row per RPI heard (Unix seconds, hex,
    /// dBm; the address is ignored). Each row gives two sightings, one at its start and one at
    /// its end (when later), both at its MaxRSSI; sightings at the same second form one scan.
    #[arg(long)]
    pub(crate) sightings: PathBuf,
    /// The health authority's public key (PEM/DER file or base64 DER); without it the signature
    /// is not checked (and a warning says so).
    #[arg(long)]
    pub(crate) public_key: Option<String>,
    /// Matching threads (default: all cores).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
}

/// Arguments of `mimamori bench match`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchMatchArgs {
    /// How many diagnosis keys (written as signed export zips of at most 500,000 keys each).
    #[arg(long, default_value_t = 1_000_000)]
    keys: usize,
    /// How many sightings the phone holds.
    #[arg(long, default_value_t = 10_000)]
    sightings: usize,
    /// Matching threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Where to write the synthetic files (default: a temporary directory, removed afterwards).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// How many times to time the whole run; the best is reported too (machines are noisy).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
}

fn threads(requested: Option<usize>) -> Result<usize> {
    match requested {
        Some(0) => bail!("--threads must be at least 1"),
        Some(threads) => Ok(threads),
        None => Ok(std::thread::available_parallelism().map_or(1, usize::from)),
    }
}

/// Matches export files against a CSV of sightings (read and indexed once) and prints each
/// matched key (`<TEK hex> <rolling start> <sightings matched>`), then COCOA's verdict per UTC day
/// over the windows of all the files.
pub(crate) fn run_match(args: &MatchArgs, out: &mut impl Write) -> Result<()> {
    let threads = threads(args.threads)?;
    let csv = std::fs::read_to_string(&args.sightings)
        .with_context(|| format!("cannot read {}", args.sightings.display()))?;
    let scans = scans_from_csv(&csv).with_context(|| format!("in {}", args.sightings.display()))?;
    let public_keys: Vec<ExportPublicKey> = args
        .public_key
        .as_deref()
        .map(load_public_key)
        .transpose()?
        .into_iter()
        .collect();
    let index = SightingIndex::new(&scans);
    let configuration = ExposureConfiguration::cocoa();
    let receiver = DeviceCalibration::UNKNOWN_DEVICE;
    if public_keys.is_empty() {
        eprintln!("warning: no --public-key given; the file's signature is not checked");
    }
    let mut matches = KeyMatches::default();
    for export in &args.export {
        let context = || format!("reading the export file {}", export.display());
        let mut file = ExportFile::open(export).with_context(context)?;
        let found = if public_keys.is_empty() {
            let reader = file.keys().with_context(context)?;
            index.match_keys(
                reader.map(|key| key.map(|key| key.key)),
                &receiver,
                &configuration.mapping,
                threads,
            )
        } else {
            let keys = file
                .keys()
                .with_context(context)?
                .into_verified_keys(&public_keys);
            index.match_keys(keys, &receiver, &configuration.mapping, threads)
        }
        .with_context(context)?;
        matches.keys_checked += found.keys_checked;
        matches.matched.extend(found.matched);
    }
    matches.matched.retain(|matched| matched.sightings > 0);
    matches.matched.sort_by(|a, b| {
        (a.key.rolling_start, a.key.key.as_bytes())
            .cmp(&(b.key.rolling_start, b.key.key.as_bytes()))
    });
    for matched in &matches.matched {
        let hex: String = matched
            .key
            .key
            .as_bytes()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        writeln!(
            out,
            "{hex} {} {}",
            matched.key.rolling_start, matched.sightings
        )?;
    }
    let windows: Vec<_> = matches
        .matched
        .into_iter()
        .flat_map(|matched| matched.windows)
        .collect();
    let today = OffsetDateTime::now_utc().date();
    for day in assess_days(&windows, &configuration, &RiskRules::cocoa(), today) {
        writeln!(out, "{}", crate::risk_line(&day))?;
    }
    Ok(())
}

/// Writes synthetic signed export files and sightings, then times matching them from disk:
/// opening each zip, streaming and parsing its keys, checking its signature, deriving every RPI,
/// looking it up, and building windows for the keys that match. Prints keys per second.
pub(crate) fn run_bench(args: &BenchMatchArgs, out: &mut impl Write) -> Result<()> {
    let threads = threads(args.threads)?;
    if args.keys == 0 {
        bail!("--keys must be at least 1");
    }
    let temporary = tempfile::tempdir().context("cannot create a temporary directory")?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| temporary.path().to_path_buf());
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let today = IntervalNumber::from_unix_seconds(1_700_000_000);
    writeln!(
        out,
        "writing {} keys in signed export zips to {} ...",
        args.keys,
        dir.display()
    )?;
    let matching = 20.min(args.keys);
    let exports = mimamori_benches::write_synthetic_exports(
        &dir,
        args.keys,
        args.sightings,
        matching,
        today,
        42,
    )?;
    let bytes: u64 = exports
        .files
        .iter()
        .filter_map(|file| std::fs::metadata(file).ok())
        .map(|m| m.len())
        .sum();
    let index = SightingIndex::new(&exports.scans);
    let configuration = ExposureConfiguration::cocoa();
    let receiver = DeviceCalibration::UNKNOWN_DEVICE;
    let public_keys = [exports.public_key.clone()];
    reset_peak_memory();
    let before = peak_memory_kib();

    if args.repeat == 0 {
        bail!("--repeat must be at least 1");
    }
    let mut best: Option<f64> = None;
    for run in 1..=args.repeat {
        let started = Instant::now();
        let cpu_before = process_cpu_seconds();
        let mut checked = 0u64;
        let mut matched = 0usize;
        for path in &exports.files {
            let mut file = ExportFile::open(path)?;
            let keys = file.keys()?.into_verified_keys(&public_keys);
            let found = index.match_keys(keys, &receiver, &configuration.mapping, threads)?;
            checked += found.keys_checked;
            matched += found
                .matched
                .iter()
                .filter(|key| !key.windows.is_empty())
                .count();
        }
        let elapsed = started.elapsed().as_secs_f64();
        let cpu = process_cpu_seconds()
            .zip(cpu_before)
            .map(|(after, before)| after - before);
        if matched != matching {
            bail!(
                "expected {matching} keys with exposure windows, found {matched}: matching is broken"
            );
        }
        let rate = checked as f64 / elapsed;
        best = Some(best.map_or(rate, |best: f64| best.max(rate)));
        writeln!(
            out,
            "run {run}: matched {checked} keys from {} files ({:.1} MB) against {} sightings on \
             {threads} thread(s) in {elapsed:.3} s: {matched} keys with exposure windows, \
             {:.2} M keys/s{}",
            exports.files.len(),
            bytes as f64 / 1e6,
            args.sightings,
            rate / 1e6,
            cpu.filter(|cpu| *cpu > 0.0)
                .map(|cpu| format!(
                    " ({cpu:.2} s of CPU time: {:.2} M keys per CPU-second)",
                    checked as f64 / cpu / 1e6
                ))
                .unwrap_or_default()
        )?;
    }
    if let Some(best) = best {
        writeln!(
            out,
            "keys/s: {best:.0} ({:.2} M keys/s, best of {})",
            best / 1e6,
            args.repeat
        )?;
    }
    if let (Some(before), Some(after)) = (before, peak_memory_kib()) {
        writeln!(
            out,
            "peak memory while matching: {:.1} MB (resident, whole process; {:.1} MB before)",
            after as f64 / 1024.0,
            before as f64 / 1024.0
        )?;
    }
    Ok(())
}

/// Resets the kernel's peak-resident-memory mark (Linux), so that the peak printed afterwards
/// is that of matching and not of writing the synthetic files.
fn reset_peak_memory() {
    // Best effort: elsewhere the figure covers the whole run, which the output says.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The CPU time this process (all its threads, finished ones included) has used, in seconds
/// (Linux, from `/proc/self/stat` in clock ticks of 10 ms), if known. Unlike wall time it hardly
/// moves when other programs share the machine.
pub(crate) fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    // Linux reports these in USER_HZ, which is 100 on every supported architecture.
    Some((user + system) as f64 / 100.0)
}

/// The peak resident memory of this process in KiB (Linux `VmHWM`), if known.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
