//! `mimamori`: Mimamori's engine by hand, for operators, developers and researchers.
//!
//! ```text
//! mimamori advertise [--data-dir DIR]            what this machine, as a phone, broadcasts today
//! mimamori ids --tek HEX --interval ENIN [--metadata HEX]
//! mimamori ble advert --tek HEX --interval ENIN --metadata HEX
//! mimamori ble parse HEX
//! mimamori risk --windows FILE.json [--config configuration.json] [--rules risk_calculation_configuration.json]
//! mimamori calibration --manufacturer M --device D --model M
//! mimamori accuracy evaluate --readings CSV [--config configuration.json] [--rules risk_calculation_configuration.json] [--group-by-pair-part N]…
//! mimamori accuracy convert-mitll DIR [--tx-power DBM] [--rssi-correction DB] [--as-recorded] > readings.csv
//! mimamori accuracy convert-dp3t SCENE.sqlite… > readings.csv
//! mimamori accuracy tune --readings CSV [--distance 1|1.5|2] [--recall R] [--write-config F --write-rules F]
//! mimamori accuracy fit --readings CSV
//! mimamori accuracy simulate [--phones N] [--days D] [--encounters-per-phone E] [--seed S] [--out CSV]
//! mimamori accuracy report --readings CSV [--config F --rules F] [--distance 1|1.5|2] [--out report.html]
//! mimamori listing --setting workplace|school|nursery|afterschool (--onset DATE | --specimen DATE) --last-attendance DATE [--masked] --roster CSV [--checkins CSV --positive ID] [--out-csv F] [--out-json F] [--pdf F]
//! mimamori export inspect FILE [--public-key PEM|BASE64]
//! mimamori scan --seconds N [--window S] [--csv FILE] [--adapter hci0]   (Linux, BlueZ)
//! mimamori node --data-dir D [--adapter hci0] [--server URL [--region JP]]   (Linux, BlueZ)
//! mimamori match --export FILE [--export FILE ...] --sightings CSV [--public-key PEM|BASE64] [--threads T]
//! mimamori bench match --keys N --sightings M [--threads T]
//! mimamori bench end-to-end [--keys N] [--sightings M] [--sync-files F] [--sync-file-keys K] [--phone-sightings P] [--dir DIR]
//! mimamori bench record [--devices 200] [--per-second 4] [--windows 50] [--data-dir D]
//! mimamori upload --server URL --code 8DIGITS [--data-dir DIR] [--onset DATE | --test-date DATE]
//! mimamori sync --server URL [--public-key PEM|BASE64] [--data-dir DIR] [--region JP]
//! mimamori venue checkin QR-URL [--at RFC3339] [--stay MINUTES] [--staff] [--consent] [--data-dir DIR] [--authority-key PEM|BASE64]
//! mimamori venue notices --server URL [--data-dir DIR] [--public-key PEM|BASE64]
//! mimamori venue partner-match --visits CSV --feed FILE|URL [--public-key PEM|BASE64]
//! ```

mod accuracy;
mod bench_end_to_end;
mod bench_record;
mod client;
mod hear;
mod inspect;
mod listing;
mod matching;
mod node;
mod phone_flow;
mod radio;
mod venue;
mod venue_register;

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use mimamori_environment::{OsRandom, SystemClock};
use mimamori_gaen::ids::TEK_ROLLING_PERIOD;
use mimamori_gaen::{
    CalibrationConfidence, DayRisk, DeviceCalibration, ExposureConfiguration, ExposurePayload,
    ExposureWindow, IntervalNumber, Metadata, RiskRules, TemporaryExposureKey,
};
use mimamori_phone::{Database, KeySchedule, SqliteTekStore};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Mimamori: an open-source exposure-notification engine (GAEN v1.2, COCOA's rules).
#[derive(Debug, Parser)]
#[command(name = "mimamori", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Act as a phone: create or load its keys in a data directory and show what it advertises
    /// now and the identifiers it would advertise today.
    Advertise(AdvertiseArgs),
    /// Print a TEK's rolling proximity identifiers (and AEMs), one line per interval:
    /// `<ENIN> <RPI hex> [<AEM hex>]`.
    Ids(IdsArgs),
    /// Bluetooth advertisements: build one or parse one.
    #[command(subcommand)]
    Ble(BleCommand),
    /// Score exposure windows (JSON with the Android API's field names) with COCOA's rule and
    /// print one line per UTC day: `<date> score_sum=<n> weighted_duration=<n> seconds=<n>
    /// high_risk=<true|false>`.
    Risk(RiskArgs),
    /// Look a phone model up in Google's calibration table.
    Calibration(CalibrationArgs),
    /// How well the rule separates near from far: distance-labelled readings through the engine.
    #[command(subcommand)]
    Accuracy(accuracy::AccuracyCommand),
    /// GAEN export files (diagnosis keys).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Match an export file against sightings (the diagnosis-keys tool's CSV): prints each
    /// matched key `<TEK hex> <rolling start> <sightings matched>`, then the per-day risk lines
    /// of `mimamori risk`.
    Match(matching::MatchArgs),
    /// Scan for Exposure Notification advertisements on a Bluetooth adapter (Linux, BlueZ) and
    /// write the diagnosis-keys tool's CSV (`StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR`) that
    /// `mimamori match --sightings` reads: one row per RPI heard in a scan window.
    Scan(radio::ScanArgs),
    /// Run as a resident's device on Linux (BlueZ): advertise, scan, record, purge and sync on a
    /// schedule until stopped (SIGTERM or SIGINT: the window in progress is written first); one
    /// log line per scan window; notices in Japanese and English.
    Node(node::NodeArgs),
    /// Contact listing for a workplace, school, nursery or after-school club (Hokkaido's
    /// guidance): the investigation period, the people listed as "possible infection" with their
    /// stay-home dates, everyone else's health watch, and proposals from room check-ins.
    Listing(listing::ListingArgs),
    /// Benchmarks anyone can rerun.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Act as a phone that tested positive: trade the health authority's code for a
    /// certificate and upload the phone's keys to a diagnosis server, today's included (it is
    /// released and replaced by a new key at once).
    Upload(phone_flow::UploadArgs),
    /// Act as a phone's scanner: record one sighting of another phone's advertisement (or its
    /// 0xFD6F service data) by hand, with its RSSI and time, in the phone's database.
    Hear(hear::HearArgs),
    /// Act as a phone checking for exposure: download the server's new export files (plain GETs
    /// of public files), verify and match them, remember progress, and print each file, the
    /// per-day risk lines of `mimamori risk` and the notice.
    Sync(phone_flow::SyncArgs),
    /// Venue QR check-ins and cluster notices (kept on this phone; partner matching).
    #[command(subcommand)]
    Venue(venue::VenueCommand),
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// Print an export file's region, time range, batch, key count and each signature's key
    /// id, version, algorithm and whether it verifies.
    Inspect(inspect::InspectArgs),
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Write synthetic signed export files and time matching them from disk; prints keys/s.
    Match(matching::BenchMatchArgs),
    /// Feed the radio loop a crowd's advertisements window after window and time recording them
    /// into a phone's database; prints sightings/s.
    Record(bench_record::BenchRecordArgs),
    /// Time matching end to end: `mimamori match` from files to answer (its fixed cost apart) and
    /// a phone sync of a day's files from disk to stored windows; prints ms and keys/s.
    EndToEnd(bench_end_to_end::BenchEndToEndArgs),
}

#[derive(Debug, Args)]
struct RiskArgs {
    /// A JSON array of exposure windows (dateMillisSinceEpoch, reportType, infectiousness,
    /// calibrationConfidence, scanInstances [{minAttenuationDb, typicalAttenuationDb,
    /// secondsSinceLastScan}]).
    #[arg(long)]
    windows: PathBuf,
    /// COCOA's configuration.json (default: COCOA's published one).
    #[arg(long)]
    config: Option<PathBuf>,
    /// COCOA's risk_calculation_configuration.json (default: COCOA's published one).
    #[arg(long)]
    rules: Option<PathBuf>,
    /// The day to count "days since exposure" from (default: today, UTC).
    #[arg(long, value_parser = parse_date)]
    today: Option<time::Date>,
}

#[derive(Debug, Args)]
struct CalibrationArgs {
    /// The manufacturer (Android `Build.MANUFACTURER`), e.g. Google.
    #[arg(long)]
    manufacturer: String,
    /// The device (Android `Build.DEVICE`), e.g. blueline.
    #[arg(long)]
    device: String,
    /// The model (Android `Build.MODEL`), e.g. "Pixel 3".
    #[arg(long)]
    model: String,
}

#[derive(Debug, Args)]
struct AdvertiseArgs {
    /// Where the phone keeps its key database (created if missing).
    #[arg(long, default_value = "mimamori-data")]
    data_dir: PathBuf,
    /// This device's calibrated transmit power in dBm, broadcast in the metadata.
    #[arg(long, default_value_t = -8, allow_negative_numbers = true)]
    tx_power: i8,
    /// Calibration confidence, 0 (lowest) to 3.
    #[arg(long, default_value_t = 0)]
    confidence: u8,
}

#[derive(Debug, Args)]
struct IdsArgs {
    /// The temporary exposure key, 32 hex digits.
    #[arg(long)]
    tek: String,
    /// The key's rolling start interval number (ENIN).
    #[arg(long)]
    interval: u32,
    /// How many intervals to print, 1 to 144.
    #[arg(long, default_value_t = TEK_ROLLING_PERIOD)]
    period: u32,
    /// Metadata to encrypt into AEMs, 8 hex digits (e.g. 40080000).
    #[arg(long)]
    metadata: Option<String>,
}

#[derive(Debug, Subcommand)]
enum BleCommand {
    /// Print the 31-byte legacy advertisement for one interval, in hex.
    Advert {
        /// The temporary exposure key, 32 hex digits.
        #[arg(long)]
        tek: String,
        /// The interval number (ENIN) whose RPI to advertise.
        #[arg(long)]
        interval: u32,
        /// The metadata to encrypt, 8 hex digits.
        #[arg(long)]
        metadata: String,
    },
    /// Parse a raw advertisement (or the 20-byte 0xFD6F service data) given in hex and print
    /// its RPI and AEM.
    Parse {
        /// The bytes in hex; spaces and colons are ignored.
        hex: String,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let mut out = io::stdout().lock();
    match run(cli.command, &mut out) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // A closed pipe (`mimamori ids ... | head`) is not an error worth reporting.
            if error
                .downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            {
                return std::process::ExitCode::SUCCESS;
            }
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(command: Command, out: &mut impl Write) -> Result<()> {
    match command {
        Command::Advertise(args) => advertise(&args, out),
        Command::Ids(args) => ids(&args, out),
        Command::Risk(args) => risk(&args, out),
        Command::Accuracy(command) => accuracy::run(&command, out),
        Command::Export(ExportCommand::Inspect(args)) => inspect::run(&args, out),
        Command::Match(args) => matching::run_match(&args, out),
        Command::Scan(args) => radio::run_scan(&args, out),
        Command::Node(args) => node::run_node(&args, out),
        Command::Listing(args) => listing::run(&args, out),
        Command::Bench(BenchCommand::Match(args)) => matching::run_bench(&args, out),
        Command::Bench(BenchCommand::Record(args)) => bench_record::run(&args, out),
        Command::Bench(BenchCommand::EndToEnd(args)) => bench_end_to_end::run(&args, out),
        Command::Upload(args) => phone_flow::run_upload(&args, out),
        Command::Hear(args) => hear::run(&args, out),
        Command::Sync(args) => phone_flow::run_sync(&args, out),
        Command::Venue(command) => venue::run(&command, out),
        Command::Calibration(args) => {
            let found = DeviceCalibration::lookup(&args.manufacturer, &args.device, &args.model);
            let (calibration, source) = match found {
                Some(calibration) => (calibration, "en_calibration_2020_08_12"),
                None => (
                    DeviceCalibration::UNKNOWN_DEVICE,
                    "not in the table: default for unknown models",
                ),
            };
            writeln!(
                out,
                "rssi_correction={} tx_power={} confidence={} ({source})",
                calibration.rssi_correction_db,
                calibration.tx_power_dbm,
                calibration.confidence.value()
            )?;
            Ok(())
        }
        Command::Ble(BleCommand::Advert {
            tek,
            interval,
            metadata,
        }) => {
            let tek = TemporaryExposureKey::from_hex(&tek)?;
            let metadata = Metadata::from_hex(&metadata)?;
            let payload = ExposurePayload::derive(&tek, IntervalNumber::new(interval), &metadata);
            writeln!(out, "{}", to_hex(&payload.advertisement()))?;
            Ok(())
        }
        Command::Ble(BleCommand::Parse { hex }) => {
            let bytes = from_hex(&hex)?;
            let payload = if bytes.len() == mimamori_gaen::ble::SERVICE_DATA_LENGTH {
                ExposurePayload::parse_service_data(&bytes)?
            } else {
                ExposurePayload::parse_advertisement(&bytes)?
            };
            writeln!(out, "RPI {}", payload.rpi)?;
            writeln!(out, "AEM {}", payload.aem)?;
            Ok(())
        }
    }
}

fn ids(args: &IdsArgs, out: &mut impl Write) -> Result<()> {
    if !(1..=TEK_ROLLING_PERIOD).contains(&args.period) {
        bail!(
            "--period must be 1 to {TEK_ROLLING_PERIOD}, got {}",
            args.period
        );
    }
    let tek = TemporaryExposureKey::from_hex(&args.tek)?;
    let metadata = args
        .metadata
        .as_deref()
        .map(Metadata::from_hex)
        .transpose()?;
    let cipher = tek.rolling_proximity_identifier_key().cipher();
    let aemk = tek.associated_encrypted_metadata_key();
    let start = IntervalNumber::new(args.interval);
    if start.value().checked_add(args.period).is_none() {
        bail!(
            "--interval {} is too large: the key's intervals would overflow",
            args.interval
        );
    }
    let mut out = io::BufWriter::new(out);
    for offset in 0..args.period {
        let interval = start.saturating_add(offset);
        let rpi = cipher.rolling_proximity_identifier(interval);
        match &metadata {
            Some(metadata) => writeln!(out, "{interval} {rpi} {}", aemk.encrypt(&rpi, metadata))?,
            None => writeln!(out, "{interval} {rpi}")?,
        }
    }
    out.flush()?;
    Ok(())
}

fn risk(args: &RiskArgs, out: &mut impl Write) -> Result<()> {
    let read = |path: &PathBuf| {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let windows: Vec<ExposureWindow> =
        serde_json::from_str(&read(&args.windows)?).with_context(|| {
            format!(
                "{} is not a JSON array of exposure windows",
                args.windows.display()
            )
        })?;
    let (configuration, rules) = cocoa_files(args.config.as_ref(), args.rules.as_ref())?;
    let today = args
        .today
        .unwrap_or_else(|| OffsetDateTime::now_utc().date());
    for day in mimamori_gaen::risk::assess_days(&windows, &configuration, &rules, today) {
        writeln!(out, "{}", risk_line(&day))?;
    }
    Ok(())
}

/// One line of `mimamori risk`:
/// `<date> score_sum=<n> weighted_duration=<n> seconds=<n> high_risk=<bool>`.
/// COCOA's `configuration.json` and `risk_calculation_configuration.json`: the files given, else
/// the embedded ones COCOA publishes.
pub(crate) fn cocoa_files(
    config: Option<&PathBuf>,
    rules: Option<&PathBuf>,
) -> Result<(ExposureConfiguration, RiskRules)> {
    let read = |path: &PathBuf| {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let configuration = match config {
        Some(path) => ExposureConfiguration::from_cocoa_json(&read(path)?)
            .with_context(|| format!("cannot use {}", path.display()))?,
        None => ExposureConfiguration::cocoa(),
    };
    let rules = match rules {
        Some(path) => RiskRules::from_cocoa_json(&read(path)?)
            .with_context(|| format!("cannot use {}", path.display()))?,
        None => RiskRules::cocoa(),
    };
    Ok((configuration, rules))
}

fn risk_line(day: &DayRisk) -> String {
    format!(
        "{} score_sum={} weighted_duration={} seconds={} high_risk={}",
        day.date,
        number(day.score_sum),
        number(day.weighted_duration_sum),
        day.seconds_since_last_scan_sum,
        day.high_risk
    )
}

/// A score for people: at most 6 decimals, no trailing zeros (2852.4, 1350).
fn number(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

fn parse_date(text: &str) -> Result<time::Date, String> {
    time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|error| format!("expected YYYY-MM-DD: {error}"))
}

fn advertise(args: &AdvertiseArgs, out: &mut impl Write) -> Result<()> {
    let metadata = Metadata::v1_1(args.tx_power, CalibrationConfidence::new(args.confidence)?);
    std::fs::create_dir_all(&args.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            args.data_dir.display()
        )
    })?;
    let database_path = args.data_dir.join("mimamori.sqlite3");
    let store = SqliteTekStore::new(Database::open(&database_path)?);
    let mut schedule = KeySchedule::open(
        Box::new(store),
        Arc::new(SystemClock),
        Box::new(OsRandom),
        metadata,
    )?;
    let broadcast = schedule.broadcast()?;
    let key = schedule.current_key()?.clone();
    let stored = schedule.keys().len();

    writeln!(out, "key database: {}", database_path.display())?;
    writeln!(
        out,
        "today's key: {} UTC, rolling start {}, {} intervals ({stored} keys stored)",
        key.rolling_start.utc_date(),
        key.rolling_start,
        key.rolling_period
    )?;
    writeln!(
        out,
        "now: {} (interval {})",
        timestamp(broadcast.started_at)?,
        broadcast.interval
    )?;
    writeln!(
        out,
        "advertising: {}",
        to_hex(&broadcast.payload.advertisement())
    )?;
    writeln!(
        out,
        "  RPI {}  AEM {}  metadata {metadata}",
        broadcast.payload.rpi, broadcast.payload.aem
    )?;
    writeln!(
        out,
        "  change address and RPI at {} (in {} s)",
        timestamp(broadcast.rotate_at)?,
        broadcast.rotate_at.saturating_sub(broadcast.started_at)
    )?;
    writeln!(out, "identifiers for today (UTC time, ENIN, RPI, AEM):")?;
    let cipher = key.key.rolling_proximity_identifier_key().cipher();
    let aemk = key.key.associated_encrypted_metadata_key();
    for offset in 0..key.rolling_period {
        let interval = key.rolling_start.saturating_add(offset);
        let rpi = cipher.rolling_proximity_identifier(interval);
        let marker = if interval == broadcast.interval {
            "  <- now"
        } else {
            ""
        };
        let start = OffsetDateTime::from_unix_timestamp(i64::try_from(interval.unix_seconds())?)?;
        writeln!(
            out,
            "  {:02}:{:02} {interval} {rpi} {}{marker}",
            start.hour(),
            start.minute(),
            aemk.encrypt(&rpi, &metadata)
        )?;
    }
    Ok(())
}

fn timestamp(unix_seconds: u64) -> Result<String> {
    Ok(OffsetDateTime::from_unix_timestamp(i64::try_from(unix_seconds)?)?.format(&Rfc3339)?)
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn from_hex(text: &str) -> Result<Vec<u8>> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | ':' | '\t' | '\n'))
        .collect();
    let digits = digits.strip_prefix("0x").unwrap_or(&digits);
    if !digits.is_ascii() {
        bail!("the hex input contains a non-ASCII character");
    }
    if !digits.len().is_multiple_of(2) {
        bail!(
            "the hex input has an odd number of digits ({})",
            digits.len()
        );
    }
    (0..digits.len())
        .step_by(2)
        .map(|at| {
            u8::from_str_radix(&digits[at..at + 2], 16).with_context(|| {
                format!(
                    "the hex input has a non-hex character near position {}",
                    at + 1
                )
            })
        })
        .collect()
}
