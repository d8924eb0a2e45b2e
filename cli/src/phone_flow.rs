//! `mimamori upload` and `mimamori sync`: the phone's side of a diagnosis server, by hand.
//!
//! Both act on a phone's data directory (the one `mimamori advertise` uses) with the system clock
//! and the OS random source. All rules are in `mimamori_phone::{upload, sync}`; this file parses
//! arguments and prints.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use mimamori_environment::{OsRandom, SystemClock};
use mimamori_gaen::DeviceCalibration;
use mimamori_gaen::export::ExportPublicKey;
use mimamori_phone::Phone;
use mimamori_phone::sync::{SyncSettings, fetch_published_keys, sync};
use mimamori_phone::transport::ServerUrl;
use mimamori_phone::upload::{UploadSettings, VerificationCode, upload};

use crate::client::HttpClient;

/// The health authority identifier sent when none is given (`healthAuthorityID`).
pub(crate) const DEFAULT_HEALTH_AUTHORITY_ID: &str = "JP.mimamori";

/// The region synced when none is given.
pub(crate) const DEFAULT_REGION: &str = "JP";

/// Arguments of `mimamori upload`.
#[derive(Debug, clap::Args)]
pub(crate) struct UploadArgs {
    /// The diagnosis server's base URL, e.g. https://diagnosis.example.jp.
    #[arg(long)]
    server: String,
    /// The 8-digit code the health authority gave (spaces and hyphens are ignored).
    #[arg(long)]
    code: String,
    /// The phone's data directory.
    #[arg(long, default_value = "mimamori-data")]
    data_dir: PathBuf,
    /// The day symptoms began, YYYY-MM-DD (keys from 3 days before are uploaded).
    #[arg(long, value_parser = crate::parse_date, conflicts_with = "test_date")]
    onset: Option<time::Date>,
    /// For a resident without symptoms: the day of the test, YYYY-MM-DD.
    #[arg(long, value_parser = crate::parse_date)]
    test_date: Option<time::Date>,
    /// The health authority identifier the server expects.
    #[arg(long, default_value = DEFAULT_HEALTH_AUTHORITY_ID)]
    health_authority: String,
    /// Whether the resident travelled abroad in the period.
    #[arg(long)]
    traveler: bool,
}

/// Arguments of `mimamori sync`.
#[derive(Debug, clap::Args)]
pub(crate) struct SyncArgs {
    /// The diagnosis server's (or its CDN's) base URL.
    #[arg(long)]
    server: String,
    /// The phone's data directory.
    #[arg(long, default_value = "mimamori-data")]
    data_dir: PathBuf,
    /// The region whose export files to download.
    #[arg(long, default_value = DEFAULT_REGION)]
    region: String,
    /// The server's export signing key (ECDSA P-256): a file (PEM with one or more "PUBLIC KEY"
    /// blocks, base64 or raw DER) or the base64 of its DER. Repeat it for several key versions.
    /// Without it, the keys the server publishes at /v1/export-keys are used (trust on first
    /// use).
    #[arg(long = "public-key")]
    public_keys: Vec<String>,
}

/// Opens the phone in `data_dir` with the system clock and OS randomness.
pub(crate) fn open_phone(data_dir: &std::path::Path) -> Result<Phone> {
    Phone::open(
        data_dir,
        DeviceCalibration::UNKNOWN_DEVICE,
        Arc::new(SystemClock),
        Box::new(OsRandom),
    )
    .with_context(|| format!("opening the phone in {}", data_dir.display()))
}

/// Uploads the phone's keys with a verification code and prints what was sent.
pub(crate) fn run_upload(args: &UploadArgs, out: &mut impl Write) -> Result<()> {
    let code = VerificationCode::parse(&args.code)?;
    let settings = UploadSettings::new(
        &args.server,
        &args.health_authority,
        args.onset.or(args.test_date),
        args.traveler,
    )?;
    let mut phone = open_phone(&args.data_dir)?;
    let report = upload(
        &mut phone,
        &HttpClient::new(),
        &mut OsRandom,
        &settings,
        &code,
    )?;
    writeln!(
        out,
        "uploaded {} keys of {} to {} ({} test{}); the server stored {} new",
        report.keys_sent,
        report.days.0,
        report.days.1,
        report.test_type,
        report
            .onset
            .map(|onset| format!(", onset {onset}"))
            .unwrap_or_default(),
        report.inserted
    )?;
    if report.released_today {
        writeln!(
            out,
            "today's key was released and replaced: this phone now broadcasts a new key, which \
             is not uploaded"
        )?;
    }
    Ok(())
}

/// Downloads and matches the new export files; prints each file, the new windows, the risk
/// lines of `mimamori risk` and the notice.
pub(crate) fn run_sync(args: &SyncArgs, out: &mut impl Write) -> Result<()> {
    let mut phone = open_phone(&args.data_dir)?;
    sync_and_report(
        &mut phone,
        &args.server,
        &args.region,
        &args.public_keys,
        out,
    )
}

/// One sync of `phone` with the server (export keys given or trusted on first use), printing
/// each file, the new windows, the risk lines and the notice in English and Japanese; `mimamori
/// sync` and `mimamori node` share it.
pub(crate) fn sync_and_report(
    phone: &mut Phone,
    server: &str,
    region: &str,
    public_key_arguments: &[String],
    out: &mut impl Write,
) -> Result<()> {
    let server = ServerUrl::parse(server)?;
    let client = HttpClient::new();
    let public_keys = if public_key_arguments.is_empty() {
        let keys = fetch_published_keys(&client, &server)?;
        writeln!(
            out,
            "using the {} export key(s) the server publishes (trust on first use; pass \
             --public-key to pin them)",
            keys.len()
        )?;
        keys
    } else {
        load_public_keys(public_key_arguments)?
    };
    let settings = SyncSettings {
        server,
        region: region.to_owned(),
        public_keys,
    };
    let report = sync(phone, &client, &settings)?;
    writeln!(
        out,
        "{} files listed for {}, {} already matched, {} downloaded",
        report.listed,
        settings.region,
        report.already_matched,
        report.matched.len() + report.failed.len()
    )?;
    for file in &report.matched {
        writeln!(
            out,
            "matched {} keys={} matched_keys={} new_windows={}",
            file.url, file.report.keys, file.report.matched_keys, file.report.new_windows
        )?;
    }
    for file in &report.failed {
        writeln!(
            out,
            "failed {}: {} (tried again at the next sync)",
            file.url, file.reason
        )?;
    }
    writeln!(out, "new exposure windows: {}", report.new_windows())?;
    for day in phone.risk()? {
        writeln!(out, "{}", crate::risk_line(&day))?;
    }
    let notice = phone.notice()?;
    writeln!(out, "notice: {}", notice.message_en())?;
    writeln!(out, "通知: {}", notice.message_ja())?;
    if !report.failed.is_empty() {
        bail!(
            "{} of the new export files could not be used; run sync again later",
            report.failed.len()
        );
    }
    Ok(())
}

/// Reads every `--public-key`: files may hold several PEM blocks.
fn load_public_keys(arguments: &[String]) -> Result<Vec<ExportPublicKey>> {
    let mut keys = Vec::new();
    for argument in arguments {
        let path = std::path::Path::new(argument);
        let text = if path.is_file() {
            std::fs::read_to_string(path).ok()
        } else {
            None
        };
        match text {
            Some(text) if text.matches("-----BEGIN").count() > 1 => {
                for block in text.split_inclusive("-----END PUBLIC KEY-----") {
                    if block.contains("-----BEGIN") {
                        keys.push(ExportPublicKey::parse(block).with_context(|| {
                            format!("reading the public keys in {}", path.display())
                        })?);
                    }
                }
            }
            _ => keys.push(crate::inspect::load_public_key(argument)?),
        }
    }
    Ok(keys)
}
