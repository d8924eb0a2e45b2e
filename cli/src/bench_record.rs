//! `mimamori bench record`: sightings recorded per second into a phone's database through the
//! radio loop, as a crowded place would feed it (issue 15's figure: at least 5,000 a second).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use mimamori_environment::{Clock, OsRandom};
use mimamori_gaen::DeviceCalibration;
use mimamori_phone::Phone;
use mimamori_phone::radio::{Heard, RadioConfig, RadioLoop};

/// Arguments of `mimamori bench record`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchRecordArgs {
    /// Devices advertising around the phone.
    #[arg(long, default_value_t = 200)]
    devices: u64,
    /// Advertisements each device is heard with per second (GAEN phones advertise every
    /// 200-270 ms: about 4).
    #[arg(long, default_value_t = 4)]
    per_second: u64,
    /// Scan windows to record (each 4 s long, every 210-300 s of simulated time).
    #[arg(long, default_value_t = 50)]
    windows: u64,
    /// The phone's data directory (default: a temporary one, removed afterwards).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// A clock the benchmark moves by hand: windows follow each other at once, not minutes apart.
#[derive(Debug, Default)]
struct SimulatedClock(AtomicU64);

impl Clock for SimulatedClock {
    fn now_unix_seconds(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Feeds every window what `devices` advertisers send in it, records it, and prints the rate.
pub(crate) fn run(args: &BenchRecordArgs, out: &mut impl Write) -> Result<()> {
    if args.devices == 0 || args.per_second == 0 || args.windows == 0 {
        bail!("--devices, --per-second and --windows must be at least 1");
    }
    let temporary = tempfile::tempdir().context("cannot create a temporary directory")?;
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| temporary.path().join("phone"));
    let clock = Arc::new(SimulatedClock(AtomicU64::new(1_700_000_000)));
    let mut phone = Phone::open(
        &data_dir,
        DeviceCalibration::UNKNOWN_DEVICE,
        clock.clone(),
        Box::new(OsRandom),
    )?;
    let config = RadioConfig::default();
    let mut radio = RadioLoop::new(config, Box::new(OsRandom))?;
    let reports = args.devices * args.per_second * config.scan_window_seconds;
    writeln!(
        out,
        "{} windows, {} devices heard {} times a second: {reports} reports a window, into {}",
        args.windows,
        args.devices,
        args.per_second,
        data_dir.display()
    )?;
    let (mut stored, mut windows) = (0u64, 0u64);
    let mut slowest_write = 0f64;
    let started = Instant::now();
    let mut step = radio.poll(&mut phone)?;
    while windows < args.windows {
        if let Some((_, until)) = radio.scanning() {
            let window_start = clock.now_unix_seconds();
            for report in 0..reports {
                let device = report % args.devices;
                let mut service_data = [0u8; 20];
                service_data[..8].copy_from_slice(&device.to_le_bytes());
                service_data[8..16].copy_from_slice(&window_start.to_le_bytes());
                let rssi = -50 - (device % 40) as i16;
                let seen_at = window_start + report * config.scan_window_seconds / reports;
                if radio.heard(&service_data, rssi, seen_at) != Heard::Kept {
                    bail!("a valid report was not kept");
                }
            }
            clock.0.store(until, Ordering::SeqCst);
        } else {
            clock.0.store(step.next_wake, Ordering::SeqCst);
        }
        let write = Instant::now();
        step = radio.poll(&mut phone)?;
        for recorded in &step.recorded {
            slowest_write = slowest_write.max(write.elapsed().as_secs_f64());
            stored += recorded.sightings as u64;
            windows += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    writeln!(
        out,
        "recorded {stored} sightings in {windows} windows in {seconds:.2} s: {:.0} sightings/s \
         (heard and written, one transaction a window); slowest window write {:.1} ms",
        stored as f64 / seconds,
        slowest_write * 1_000.0
    )?;
    Ok(())
}
