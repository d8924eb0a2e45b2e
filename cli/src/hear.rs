//! `mimamori hear`: record one sighting by hand, as if the phone's scanner had heard another
//! phone's advertisement (for demonstrations and tests; the radio loop records real ones).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use mimamori_environment::{Clock, OsRandom, SystemClock};
use mimamori_gaen::ble::SERVICE_DATA_LENGTH;
use mimamori_gaen::encounter::{SECONDS_PER_DAY, SIGHTING_RETENTION_DAYS, ScanBatch, Sighting};
use mimamori_gaen::{DeviceCalibration, ExposurePayload};
use mimamori_phone::Phone;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Arguments of `mimamori hear`.
#[derive(Debug, clap::Args)]
pub(crate) struct HearArgs {
    /// What was heard, in hex: the whole advertisement (`mimamori advertise` prints it, e.g.
    /// 02011a03036ffd17166ffd...) or the 20 bytes of service data for UUID 0xFD6F (RPI then
    /// AEM). Spaces and colons are ignored.
    hex: String,
    /// The received signal strength in dBm, -127 to 20 (e.g. -60).
    #[arg(long, allow_negative_numbers = true)]
    rssi: i16,
    /// When it was heard, RFC 3339 (e.g. 2026-12-02T09:30:00Z); now if not given.
    #[arg(long)]
    at: Option<String>,
    /// The phone's data directory.
    #[arg(long, default_value = "mimamori-data")]
    data_dir: PathBuf,
}

/// Checks everything first, then records the sighting as one scan of its own.
pub(crate) fn run(args: &HearArgs, out: &mut impl Write) -> Result<()> {
    let payload = parse_heard(&args.hex)?;
    let now = SystemClock.now_unix_seconds();
    let at = match &args.at {
        Some(text) => parse_time(text)?,
        None => now,
    };
    if at < now.saturating_sub(SIGHTING_RETENTION_DAYS * SECONDS_PER_DAY) {
        bail!(
            "--at {} is more than {SIGHTING_RETENTION_DAYS} days ago: the phone keeps sightings for \
             {SIGHTING_RETENTION_DAYS} days only",
            args.at.as_deref().unwrap_or_default()
        );
    }
    let sighting = Sighting::new(payload, args.rssi, at).context("--rssi")?;
    let mut phone = Phone::open(
        &args.data_dir,
        DeviceCalibration::UNKNOWN_DEVICE,
        Arc::new(SystemClock),
        Box::new(OsRandom),
    )
    .with_context(|| format!("opening the phone in {}", args.data_dir.display()))?;
    // One scan per sighting, numbered after every stored scan (as the radio loop numbers them).
    let scan_id = at.max(phone.last_scan_id()?.unwrap_or(0).saturating_add(1));
    phone.record_scan(&ScanBatch {
        scan_id,
        started_at: at,
        sightings: vec![sighting],
    })?;
    writeln!(
        out,
        "recorded RPI {} AEM {} at {} ({} dBm) in {}",
        payload.rpi,
        payload.aem,
        format_time(at)?,
        args.rssi,
        args.data_dir.display()
    )?;
    Ok(())
}

/// A whole advertisement or the bare 0xFD6F service data.
fn parse_heard(hex: &str) -> Result<ExposurePayload> {
    let bytes = crate::from_hex(hex)?;
    if bytes.len() == SERVICE_DATA_LENGTH {
        return Ok(ExposurePayload::parse_service_data(&bytes)?);
    }
    ExposurePayload::parse_advertisement(&bytes).with_context(|| {
        format!(
            "{} bytes are neither an Exposure Notification advertisement (with service data for \
             UUID 0xFD6F) nor its {SERVICE_DATA_LENGTH}-byte service data",
            bytes.len()
        )
    })
}

fn parse_time(text: &str) -> Result<u64> {
    let time = OffsetDateTime::parse(text, &Rfc3339)
        .with_context(|| format!("--at {text:?} is not an RFC 3339 time (2026-12-02T09:30:00Z)"))?;
    u64::try_from(time.unix_timestamp()).with_context(|| format!("--at {text:?} is before 1970"))
}

fn format_time(unix_seconds: u64) -> Result<String> {
    Ok(OffsetDateTime::from_unix_timestamp(i64::try_from(unix_seconds)?)?.format(&Rfc3339)?)
}
