//! `mimamori`: Mimamori's engine by hand, for operators, developers and researchers.
//!
//! ```text
//! mimamori advertise [--data-dir DIR]            what this machine, as a phone, broadcasts today
//! mimamori ids --tek HEX --interval ENIN [--metadata HEX]
//! mimamori ble advert --tek HEX --interval ENIN --metadata HEX
//! mimamori ble parse HEX
//! ```

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use mimamori_core::ids::TEK_ROLLING_PERIOD;
use mimamori_core::{
    CalibrationConfidence, Database, ExposurePayload, IntervalNumber, KeySchedule, Metadata,
    OsRandom, SqliteTekStore, SystemClock, TemporaryExposureKey,
};
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
        Command::Ble(BleCommand::Advert {
            tek,
            interval,
            metadata,
        }) => {
            let tek = TemporaryExposureKey::from_hex(&tek)?;
            let metadata = Metadata::from_hex(&metadata)?;
            let payload = payload(&tek, IntervalNumber::new(interval), &metadata);
            writeln!(out, "{}", to_hex(&payload.advertisement()))?;
            Ok(())
        }
        Command::Ble(BleCommand::Parse { hex }) => {
            let bytes = from_hex(&hex)?;
            let payload = if bytes.len() == mimamori_core::ble::SERVICE_DATA_LENGTH {
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

fn payload(
    tek: &TemporaryExposureKey,
    interval: IntervalNumber,
    metadata: &Metadata,
) -> ExposurePayload {
    let rpi = tek
        .rolling_proximity_identifier_key()
        .rolling_proximity_identifier(interval);
    ExposurePayload::new(
        rpi,
        tek.associated_encrypted_metadata_key()
            .encrypt(&rpi, metadata),
    )
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
