//! `mimamori scan`: a researcher's scanner on a real Bluetooth adapter (BlueZ, Linux), writing
//! the `diagnosis-keys` tool's sightings CSV that `mimamori match` reads.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use mimamori_gaen::encounter::{SightingsCsvRow, sightings_csv};
use mimamori_gaen::{ExposurePayload, Sighting};
use mimamori_node::{ScanWindow, Scanner};

/// Arguments of `mimamori scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct ScanArgs {
    /// How long to scan, in seconds.
    #[arg(long)]
    seconds: u64,
    /// Split the scan into windows of this many seconds (one CSV row per RPI per window;
    /// default: one window for the whole scan).
    #[arg(long)]
    window: Option<u64>,
    /// Write the sightings CSV here (rows are appended after every window, so an interrupted
    /// scan keeps what it heard); default: standard output.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// The Bluetooth adapter.
    #[arg(long, default_value = mimamori_node::DEFAULT_ADAPTER)]
    adapter: String,
}

/// A runtime for the Bluetooth calls (bluer and btleplug are tokio-based).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime for the Bluetooth calls")
}

/// `mimamori scan`.
pub(crate) fn run_scan(args: &ScanArgs, out: &mut impl Write) -> Result<()> {
    if args.seconds == 0 {
        bail!("--seconds must be at least 1");
    }
    let window_seconds = args.window.unwrap_or(args.seconds).clamp(1, args.seconds);
    let mut file = match &args.csv {
        Some(path) => Some(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write the CSV {}", path.display()))?,
        ),
        None => None,
    };
    let header = sightings_csv([]);
    match file.as_mut() {
        Some(file) => file.write_all(header.as_bytes())?,
        None => out.write_all(header.as_bytes())?,
    }
    runtime()?.block_on(async {
        let mut scanner = Scanner::open(Some(&args.adapter)).await?;
        let mut remaining = args.seconds;
        let mut totals = (0usize, 0usize, 0usize);
        while remaining > 0 {
            let seconds = remaining.min(window_seconds);
            remaining -= seconds;
            // What the window heard is written even when the scan then fails (the adapter gone).
            let mut window = ScanWindow::default();
            let outcome = scanner
                .scan_window_into(Duration::from_secs(seconds), &mut window)
                .await;
            let (rows, rejected) = rows_of(&window);
            let csv = sightings_csv(&rows);
            let body = csv.split_once('\n').map_or("", |(_, rows)| rows);
            match file.as_mut() {
                Some(file) => {
                    file.write_all(body.as_bytes())?;
                    file.flush()?;
                }
                None => {
                    out.write_all(body.as_bytes())?;
                    out.flush()?;
                }
            }
            eprintln!(
                "scan window {}..{} on {}: {} advertisements, {} RPIs, {} malformed, {} without 0xFD6F data",
                window.started_at,
                window.ended_at,
                scanner.adapter_name(),
                window.heard.len(),
                rows.len(),
                rejected,
                window.ignored
            );
            totals.0 += window.heard.len();
            totals.1 += rows.len();
            totals.2 += rejected;
            outcome?;
        }
        if let Some(path) = &args.csv {
            eprintln!(
                "wrote {} rows ({} advertisements, {} malformed) to {}",
                totals.1,
                totals.0,
                totals.2,
                path.display()
            );
        }
        Ok(())
    })
}

/// One row per RPI heard in the window (first and last time, strongest RSSI), in the order first
/// heard, and how many advertisements were malformed (wrong length, impossible RSSI).
fn rows_of(window: &ScanWindow) -> (Vec<SightingsCsvRow>, usize) {
    let mut rows: Vec<SightingsCsvRow> = Vec::new();
    let mut index: BTreeMap<[u8; 16], usize> = BTreeMap::new();
    let mut rejected = 0;
    for heard in &window.heard {
        let sighting = ExposurePayload::parse_service_data(&heard.service_data)
            .and_then(|payload| Sighting::new(payload, heard.rssi_dbm, heard.seen_at));
        let Ok(sighting) = sighting else {
            rejected += 1;
            continue;
        };
        let key = *sighting.payload().rpi.as_bytes();
        match index.get(&key) {
            Some(&row) => rows[row].add(&sighting),
            None => {
                index.insert(key, rows.len());
                rows.push(SightingsCsvRow::from_sighting(&sighting, heard.address));
            }
        }
    }
    (rows, rejected)
}
