//! `mimamori node`: a resident's device on Linux (a Raspberry Pi at a reception desk, a laptop).
//!
//! The phone's radio loop (`mimamori_phone::radio`) decides everything: what to advertise and
//! until when, when to scan, what a window recorded, when to purge and sync. This file only
//! carries out its commands with `mimamori_node`'s BlueZ scanner and advertiser, reports what
//! the scanner hears, waits until the loop's next wake-up, and stops cleanly on SIGTERM or
//! SIGINT (the window in progress is written before exit).
//!
//! A sync (downloads, matching: seconds to minutes) runs on a thread of its own with its own
//! `Phone` on the same data directory (SQLite in WAL mode with a busy timeout), so that the loop
//! keeps advertising, scanning and recording meanwhile. Its output is printed when it ends; a
//! failure is reported to the loop (`sync_failed`), which retries later. At most one sync runs:
//! one asked for while another is in flight is skipped. On SIGTERM or SIGINT the node records
//! the window in progress, then waits for the sync in flight; a second signal abandons it, which
//! loses nothing (each export file is matched and marked in one transaction; the rest are
//! downloaded at the next sync).
//!
//! Faults: when BlueZ or the adapter is missing or goes away, the node logs the error, tells the
//! loop (`scan_failed`, `advertising_failed`) and tries again every `--retry-seconds`, without
//! recording scans it did not make; when the data
//! directory cannot be written, the loop keeps what it decided and the node retries; only a data
//! directory that cannot be opened at start is fatal.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use mimamori_environment::{Clock, OsRandom, SystemClock};
use mimamori_gaen::DeviceCalibration;
use mimamori_node::{Advertiser, Heard, Scanner};
use mimamori_phone::radio::{RadioCommand, RadioConfig, RadioStep, SyncSchedule};
use mimamori_phone::{Phone, RadioLoop};

use crate::phone_flow::{DEFAULT_REGION, sync_and_report};

/// Arguments of `mimamori node`.
#[derive(Debug, clap::Args)]
pub(crate) struct NodeArgs {
    /// The phone's data directory (keys, sightings; the one `advertise`, `upload` and `sync`
    /// use).
    #[arg(long, default_value = "mimamori-data")]
    data_dir: PathBuf,
    /// The Bluetooth adapter.
    #[arg(long, default_value = mimamori_node::DEFAULT_ADAPTER)]
    adapter: String,
    /// The diagnosis server to sync with on a schedule (every 4 hours with up to 30 minutes of
    /// random delay; 15 minutes after a failure). Without it the node never syncs.
    #[arg(long)]
    server: Option<String>,
    /// The region whose export files to download.
    #[arg(long, default_value = DEFAULT_REGION, requires = "server")]
    region: String,
    /// The server's export signing key (as for `mimamori sync`); without it the keys the server
    /// publishes are used (trust on first use).
    #[arg(long = "public-key", requires = "server")]
    public_keys: Vec<String>,
    /// Seconds between attempts to reach BlueZ, the adapter or the data directory again after a
    /// failure.
    #[arg(long, default_value_t = 10)]
    retry_seconds: u64,
    /// For tests and demonstrations only: the node's clock runs this many times faster than
    /// real time (from the real time at start), so that scan windows, rotations (10-20 minutes)
    /// and syncs come sooner. Sightings are recorded at the node's clock.
    #[arg(long, default_value_t = 1, hide = true)]
    clock_speed: u32,
    /// For tests only, with `--clock-speed`: the node's clock starts at this Unix time instead
    /// of now (two nodes started with the same value share a clock; a start in the past lets an
    /// accelerated run end near real time, where `upload` and the server are).
    #[arg(long, hide = true)]
    clock_start: Option<u64>,
}

/// The node's clock: the system clock, or (tests) one running `speed` times faster from a
/// given start.
#[derive(Clone, Copy, Debug)]
enum NodeClock {
    System,
    Scaled {
        start_unix: u64,
        start: Instant,
        speed: u32,
    },
}

impl NodeClock {
    fn new(speed: u32, start_unix: Option<u64>) -> Self {
        if speed <= 1 && start_unix.is_none() {
            return Self::System;
        }
        Self::Scaled {
            start_unix: start_unix.unwrap_or_else(|| SystemClock.now_unix_seconds()),
            start: Instant::now(),
            speed: speed.max(1),
        }
    }

    /// The real instant at which this clock reads `unix` (now if past), at most a minute of
    /// clock time away so that a wall clock set back is noticed.
    fn real_instant(&self, unix: u64) -> tokio::time::Instant {
        let ahead = Duration::from_secs(unix.saturating_sub(self.now_unix_seconds()).min(60));
        let speed = match self {
            Self::System => 1,
            Self::Scaled { speed, .. } => *speed,
        };
        tokio::time::Instant::now() + ahead / speed
    }
}

impl Clock for NodeClock {
    fn now_unix_seconds(&self) -> u64 {
        match self {
            Self::System => SystemClock.now_unix_seconds(),
            Self::Scaled {
                start_unix,
                start,
                speed,
            } => start_unix + (start.elapsed().as_secs_f64() * f64::from(*speed)) as u64,
        }
    }
}

/// BlueZ's side: the scanner and advertiser on one adapter.
struct Radio {
    scanner: Scanner,
    advertiser: Advertiser,
    scanning: bool,
}

impl Radio {
    async fn open(adapter: &str) -> Result<Self, mimamori_node::Error> {
        Ok(Self {
            scanner: Scanner::open(Some(adapter)).await?,
            advertiser: Advertiser::open(Some(adapter)).await?,
            scanning: false,
        })
    }

    /// The next advertisement heard during a window (`Some(None)`: not 0xFD6F, or an event
    /// between windows, taken and dropped so that none pile up); `None` when BlueZ's event
    /// stream ended.
    async fn next_heard(radio: &mut Option<Self>) -> Option<Option<Heard>> {
        match radio {
            Some(radio) if radio.scanning => radio.scanner.next_heard().await,
            Some(radio) => radio.scanner.skip_event().await.map(|()| None),
            None => std::future::pending().await,
        }
    }
}

/// Prints a log line with the node's time.
fn log(out: &mut impl Write, clock: &NodeClock, line: std::fmt::Arguments<'_>) {
    let at = time::OffsetDateTime::from_unix_timestamp(
        i64::try_from(clock.now_unix_seconds()).unwrap_or(0),
    )
    .ok()
    .and_then(|at| {
        at.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
    .unwrap_or_default();
    let _ = writeln!(out, "{at} {line}");
    let _ = out.flush();
}

/// `mimamori node`.
pub(crate) fn run_node(args: &NodeArgs, out: &mut impl Write) -> Result<()> {
    crate::radio::runtime()?.block_on(node(args, out))
}

async fn node(args: &NodeArgs, out: &mut impl Write) -> Result<()> {
    // The handlers are installed before anything else, so a SIGTERM from now on is a clean stop.
    let mut stop = Shutdown::install()?;
    let clock = NodeClock::new(args.clock_speed, args.clock_start);
    let mut phone = Phone::open(
        &args.data_dir,
        DeviceCalibration::UNKNOWN_DEVICE,
        Arc::new(clock),
        Box::new(OsRandom),
    )
    .with_context(|| format!("opening the phone in {}", args.data_dir.display()))?;
    let config = RadioConfig {
        sync: args.server.as_ref().map(|_| SyncSchedule::default()),
        ..RadioConfig::default()
    };
    let mut radio = RadioLoop::new(config, Box::new(OsRandom))?;
    let retry = Duration::from_secs(args.retry_seconds.max(1));
    let mut hardware: Option<Radio> = None;
    let mut poll_now = false;
    let mut syncing: Option<SyncInFlight> = None;
    log(
        out,
        &clock,
        format_args!(
            "node started: data {}, adapter {}, sync {}",
            args.data_dir.display(),
            args.adapter,
            if args.server.is_some() { "on" } else { "off" }
        ),
    );
    loop {
        if hardware.is_none() {
            match Radio::open(&args.adapter).await {
                Ok(opened) => {
                    log(out, &clock, format_args!("radio ready on {}", args.adapter));
                    hardware = Some(opened);
                    // The loop knows the radio was lost: poll it now to advertise and scan again.
                    poll_now = true;
                }
                Err(error) => {
                    log(
                        out,
                        &clock,
                        format_args!("error: {error}; retrying in {} s", retry.as_secs()),
                    );
                    tokio::select! {
                        () = stop.wait() => break,
                        () = tokio::time::sleep(retry) => continue,
                    }
                }
            }
        }
        let wake = if std::mem::take(&mut poll_now) {
            tokio::time::Instant::now()
        } else {
            clock.real_instant(radio.next_wake())
        };
        tokio::select! {
            () = stop.wait() => break,
            outcome = SyncInFlight::wait(&mut syncing) => {
                syncing = None;
                finish_sync(outcome, &mut radio, &phone, &clock, out);
            }
            heard = Radio::next_heard(&mut hardware) => match heard {
                Some(Some(heard)) => {
                    radio.heard(&heard.service_data, heard.rssi_dbm, clock.now_unix_seconds());
                }
                Some(None) => {}
                None => {
                    log(out, &clock, format_args!("error: BlueZ's event stream ended; reopening"));
                    hardware = None;
                    radio_lost(&mut radio, &mut phone, &clock, out);
                }
            },
            () = tokio::time::sleep_until(wake) => {
                match radio.poll(&mut phone) {
                    Ok(step) => {
                        let carried = carry_out(&step, &mut hardware, &clock, out).await;
                        // A sync asked for is started even when the radio failed.
                        start_sync(&step, &mut syncing, &mut radio, &phone, args, &clock, out);
                        if let Err(error) = carried {
                            log(out, &clock, format_args!("error: {error}; retrying in {} s", retry.as_secs()));
                            hardware = None;
                            radio_lost(&mut radio, &mut phone, &clock, out);
                        }
                    }
                    Err(error) => {
                        log(out, &clock, format_args!(
                            "error: {error:#} (nothing recorded is lost; retrying in {} s)",
                            retry.as_secs()
                        ));
                        tokio::select! {
                            () = stop.wait() => break,
                            () = tokio::time::sleep(retry) => {}
                        }
                    }
                }
            }
        }
    }
    // Stop: the window in progress is written, then the radio is stopped.
    let step = radio
        .stop(&mut phone)
        .context("writing the last scan window")?;
    if let Err(error) = carry_out(&step, &mut hardware, &clock, out).await {
        log(out, &clock, format_args!("error while stopping: {error}"));
    }
    if syncing.is_some() {
        log(
            out,
            &clock,
            format_args!(
                "waiting for the sync in progress (signal again to abandon it: nothing is lost, \
                 what it did not match is downloaded at the next sync)"
            ),
        );
        tokio::select! {
            outcome = SyncInFlight::wait(&mut syncing) => {
                finish_sync(outcome, &mut radio, &phone, &clock, out);
            }
            () = stop.wait() => {
                log(out, &clock, format_args!("sync abandoned"));
            }
        }
    }
    let stats = radio.stats();
    log(
        out,
        &clock,
        format_args!(
            "node stopped: {} scan windows, {} sightings recorded, {} rejected, {} rotations, {} syncs",
            stats.scans, stats.sightings, stats.rejected, stats.rotations, stats.syncs
        ),
    );
    Ok(())
}

/// The radio went away (adapter removed, BlueZ stopped): the loop records what the window in
/// progress heard (an empty one is dropped: no scan took place) and forgets the advertisement,
/// so that both start again once the radio is back.
fn radio_lost(radio: &mut RadioLoop, phone: &mut Phone, clock: &NodeClock, out: &mut impl Write) {
    if radio.scanning().is_some() {
        match radio.scan_failed(phone) {
            Ok(step) => log_windows(&step, clock, out),
            Err(error) => log(
                out,
                clock,
                format_args!("error: {error:#} (nothing recorded is lost; retried)"),
            ),
        }
    }
    radio.advertising_failed(phone);
}

/// One log line per window recorded in `step`.
fn log_windows(step: &RadioStep, clock: &NodeClock, out: &mut impl Write) {
    for window in &step.recorded {
        log(
            out,
            clock,
            format_args!(
                "scan window {}..{}: {} sightings of {} devices recorded, {} rejected, {} dropped",
                window.started_at,
                window.ended_at,
                window.sightings,
                window.payloads,
                window.rejected,
                window.dropped
            ),
        );
    }
}

/// Starts the sync `step` asks for, if any, on its own thread; skipped while another runs.
fn start_sync(
    step: &RadioStep,
    syncing: &mut Option<SyncInFlight>,
    radio: &mut RadioLoop,
    phone: &Phone,
    args: &NodeArgs,
    clock: &NodeClock,
    out: &mut impl Write,
) {
    let Some(server) = &args.server else {
        return;
    };
    if !step.commands.contains(&RadioCommand::Sync) {
        return;
    }
    if syncing.is_some() {
        log(
            out,
            clock,
            format_args!("sync still in progress; this one is skipped"),
        );
        return;
    }
    log(out, clock, format_args!("syncing with {server}"));
    match SyncInFlight::start(args, server, *clock) {
        Ok(started) => *syncing = Some(started),
        Err(error) => {
            log(
                out,
                clock,
                format_args!("sync failed: {error:#} (tried again later)"),
            );
            radio.sync_failed(phone);
        }
    }
}

/// Carries out one step's radio commands: logs each window recorded, then the commands in
/// order (a sync is started by [`start_sync`]).
async fn carry_out(
    step: &RadioStep,
    hardware: &mut Option<Radio>,
    clock: &NodeClock,
    out: &mut impl Write,
) -> Result<(), mimamori_node::Error> {
    log_windows(step, clock, out);
    if let Some(purged) = &step.purged {
        log(out, clock, format_args!("purged: {purged:?}"));
    }
    for command in &step.commands {
        match command {
            RadioCommand::Sync => {}
            RadioCommand::StartAdvertising(broadcast) => {
                if let Some(hardware) = hardware.as_mut() {
                    hardware
                        .advertiser
                        .advertise(&broadcast.payload.service_data())
                        .await?;
                }
            }
            RadioCommand::StopAdvertising => {
                if let Some(hardware) = hardware.as_mut() {
                    hardware.advertiser.stop().await;
                }
            }
            RadioCommand::StartScan { .. } => {
                if let Some(hardware) = hardware.as_mut() {
                    hardware.scanner.start_scan().await?;
                    hardware.scanning = true;
                }
            }
            RadioCommand::StopScan => {
                if let Some(hardware) = hardware.as_mut() {
                    hardware.scanning = false;
                    hardware.scanner.stop_scan().await?;
                }
            }
        }
    }
    Ok(())
}

/// What a sync printed, and how it ended.
struct SyncOutcome {
    printed: Vec<u8>,
    result: Result<()>,
}

/// The sync running on its own thread, with its own `Phone` on the node's data directory.
struct SyncInFlight {
    done: tokio::sync::oneshot::Receiver<SyncOutcome>,
}

impl SyncInFlight {
    /// Starts a sync with `server` on a new thread. A plain thread rather than tokio's blocking
    /// pool: the runtime would wait for it at exit, and an abandoned sync must not hold the
    /// node up.
    fn start(args: &NodeArgs, server: &str, clock: NodeClock) -> Result<Self> {
        let (sender, done) = tokio::sync::oneshot::channel();
        let data_dir = args.data_dir.clone();
        let server = server.to_owned();
        let region = args.region.clone();
        let public_keys = args.public_keys.clone();
        std::thread::Builder::new()
            .name("mimamori-sync".to_owned())
            .spawn(move || {
                let mut printed = Vec::new();
                let result = Phone::open(
                    &data_dir,
                    DeviceCalibration::UNKNOWN_DEVICE,
                    Arc::new(clock),
                    Box::new(OsRandom),
                )
                .with_context(|| format!("opening the phone in {}", data_dir.display()))
                .and_then(|mut phone| {
                    sync_and_report(&mut phone, &server, &region, &public_keys, &mut printed)
                });
                // The node may have stopped and dropped the receiver: nothing to report to.
                let _ = sender.send(SyncOutcome { printed, result });
            })
            .context("starting the sync thread")?;
        Ok(Self { done })
    }

    /// Completes when the sync in `syncing` ended (never when there is none).
    async fn wait(syncing: &mut Option<Self>) -> SyncOutcome {
        match syncing {
            Some(sync) => (&mut sync.done).await.unwrap_or_else(|_| SyncOutcome {
                printed: Vec::new(),
                result: Err(anyhow!("the sync thread stopped without an answer")),
            }),
            None => std::future::pending().await,
        }
    }
}

/// Prints what a finished sync printed; a failure is told to the loop, which retries later.
fn finish_sync(
    outcome: SyncOutcome,
    radio: &mut RadioLoop,
    phone: &Phone,
    clock: &NodeClock,
    out: &mut impl Write,
) {
    let _ = out.write_all(&outcome.printed);
    let _ = out.flush();
    match outcome.result {
        Ok(()) => log(out, clock, format_args!("sync done")),
        Err(error) => {
            log(
                out,
                clock,
                format_args!("sync failed: {error:#} (tried again later)"),
            );
            radio.sync_failed(phone);
        }
    }
}

/// SIGTERM and SIGINT, installed once.
struct Shutdown {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Shutdown {
    fn install() -> Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                terminate: signal(SignalKind::terminate()).context("installing SIGTERM")?,
                interrupt: signal(SignalKind::interrupt()).context("installing SIGINT")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Completes when a stop was asked for.
    async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
