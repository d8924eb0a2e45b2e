//! The radio loop: one sans-I/O state machine that decides, for every platform, what the
//! Bluetooth radio does and when.
//!
//! Time and radio events go in; commands come out. The platform (an Android or iOS app through
//! the FFI's foreign traits, the Linux node with btleplug and bluer) only carries out
//! [`RadioCommand`]s and reports what it heard with [`RadioLoop::heard`]; it never decides when to
//! rotate, when to scan or what to record (docs/adr/0014).
//!
//! What the loop decides:
//!
//! - **What to advertise and until when.** The payload comes from the phone's
//!   [`KeySchedule`](crate::KeySchedule): a new RPI every 10 to 20 minutes, chosen at random, and
//!   always at UTC midnight when the TEK changes. Each change is a [`RadioCommand::StopAdvertising`]
//!   followed by a [`RadioCommand::StartAdvertising`]: the platform must give the new payload a new
//!   random Bluetooth address, so that the RPI and the address change together (Exposure
//!   Notification Bluetooth Specification v1.2, "Broadcasting Behavior").
//! - **The scan duty cycle.** A scan window of [`SCAN_WINDOW_SECONDS`] every
//!   [`MIN_SCAN_INTERVAL_SECONDS`] to [`MAX_SCAN_INTERVAL_SECONDS`] (start to start, at random),
//!   Google's figures: its Exposure Notifications module (google/exposure-notifications-internals,
//!   `ContactTracingFeature.java`) scans `scanTimeSeconds()` = 4 s, every
//!   `scanIntervalSeconds()` = 300 s less a random `scanIntervalRandomRangeSeconds()` = 90 s ("by
//!   default it could be 210 ~ 300 seconds"). The Bluetooth Specification v1.2 ("Scanning
//!   Behavior") asks that nearby advertisers be discovered within 5 minutes.
//! - **What one window recorded.** Every service data heard between
//!   [`RadioCommand::StartScan`] and the end of the window is parsed with
//!   [`ExposurePayload::parse_service_data`]; malformed or foreign data and impossible RSSIs are
//!   counted and dropped, never stored. When the window ends, everything it heard becomes one
//!   [`ScanBatch`] written in one transaction ([`Phone::record_batch`]); a window that heard
//!   nothing is recorded too, since the time between scans is what an exposure window's
//!   `secondsSinceLastScan` is made of.
//! - **When to purge** (every [`PURGE_INTERVAL_SECONDS`], [`Phone::purge`]) and **when to sync**
//!   ([`RadioCommand::Sync`], on a [`SyncSchedule`] with random jitter, so that devices started
//!   together do not call the server together).
//!
//! Storage goes through the [`Phone`] passed to each call, so nothing the loop accepted is lost:
//! a window is written before it is reported, [`RadioLoop::stop`] writes the window in progress,
//! and a loop opened again on the same data directory numbers its scans after the stored ones
//! and broadcasts from the stored keys. Time is the phone's [`Clock`](mimamori_environment::Clock)
//! and chance the loop's own [`RandomSource`], so tests drive it exactly with the fakes.
//!
//! ## Driving it
//!
//! Call [`RadioLoop::poll`] once at start and again at (or after) every
//! [`RadioStep::next_wake`]; carry out the step's commands in order. Report each advertisement heard
//! with [`RadioLoop::heard`] as it arrives (no storage, cheap). Call
//! [`RadioLoop::address_changed`] if the platform changed its address on its own, and
//! [`RadioLoop::stop`] before exiting. After an error (a full disk, say) nothing is lost: the
//! commands decided so far stay queued and come out of the next successful call; poll again a
//! little later.
//!
//! ```
//! use std::sync::Arc;
//!
//! use mimamori_environment::{FixedClock, SeededRandom};
//! use mimamori_gaen::DeviceCalibration;
//! use mimamori_phone::Phone;
//! use mimamori_phone::radio::{RadioCommand, RadioConfig, RadioLoop};
//!
//! let directory = tempfile::tempdir()?;
//! let clock = FixedClock::new(1_600_000_000);
//! let mut phone = Phone::open(
//!     directory.path(),
//!     DeviceCalibration::UNKNOWN_DEVICE,
//!     Arc::new(clock.clone()),
//!     Box::new(SeededRandom::new(1)),
//! )?;
//! let mut radio = RadioLoop::new(RadioConfig::default(), Box::new(SeededRandom::new(2)))?;
//!
//! // The first poll starts advertising and the first scan window.
//! let step = radio.poll(&mut phone)?;
//! assert!(matches!(step.commands[0], RadioCommand::StartAdvertising(_)));
//! assert!(matches!(step.commands[1], RadioCommand::StartScan { .. }));
//!
//! // Another phone is heard during the window (service data for 0xFD6F: RPI and AEM).
//! radio.heard(&[0x42; 20], -60, 1_600_000_001);
//! radio.heard(&[0x42; 3], -60, 1_600_000_002); // malformed: counted, never stored
//!
//! // At the end of the window the loop records it as one batch and stops scanning.
//! clock.set(step.next_wake);
//! let step = radio.poll(&mut phone)?;
//! assert_eq!(step.commands, vec![RadioCommand::StopScan]);
//! let recorded = step.recorded[0];
//! assert_eq!((recorded.sightings, recorded.rejected), (1, 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashSet;

use mimamori_environment::RandomSource;
use mimamori_gaen::ble::ExposurePayload;
use mimamori_gaen::encounter::{ScanBatch, Sighting};

use crate::phone::{PURGE_INTERVAL_SECONDS, Phone, PurgeReport};
use crate::schedule::Broadcast;
use crate::{Error, Result};

/// How long one scan window lasts, in seconds: Google's `ContactTracingFeature.scanTimeSeconds()`
/// (google/exposure-notifications-internals). Long enough to hear every advertiser around many
/// times: each advertises every 200 to 270 ms (Bluetooth Specification v1.2, "Broadcasting
/// Behavior"; Google's module uses `ADVERTISE_MODE_BALANCED`, 250 ms).
pub const SCAN_WINDOW_SECONDS: u64 = 4;

/// Shortest time from the start of one scan window to the start of the next, in seconds: Google's
/// `scanIntervalSeconds()` (300) less `scanIntervalRandomRangeSeconds()` (90).
pub const MIN_SCAN_INTERVAL_SECONDS: u64 = 210;

/// Longest time from the start of one scan window to the start of the next, in seconds: Google's
/// `scanIntervalSeconds()`, 5 minutes, the most the Bluetooth Specification v1.2 allows ("Scanning
/// Behavior": nearby advertisers discovered within 5 minutes). It is also where exposure windows
/// cap `secondsSinceLastScan`, so a longer gap would lose exposure time.
pub const MAX_SCAN_INTERVAL_SECONDS: u64 = 300;

/// Default time between two syncs with the diagnosis server, in seconds (4 hours), before jitter.
pub const DEFAULT_SYNC_INTERVAL_SECONDS: u64 = 4 * 3_600;

/// Default largest random delay added to each sync, in seconds (30 minutes).
pub const DEFAULT_SYNC_JITTER_SECONDS: u64 = 30 * 60;

/// Default wait before a failed sync is tried again, in seconds (15 minutes).
pub const DEFAULT_SYNC_RETRY_SECONDS: u64 = 15 * 60;

/// How long after [`RadioLoop::advertising_failed`] or [`RadioLoop::scan_failed`] the loop asks
/// to be polled again to retry, in seconds.
pub const RETRY_SECONDS: u64 = 30;

/// Default cap on the sightings one window keeps, so a crowd (or a flood of forged
/// advertisements) cannot exhaust memory: 200 devices advertising every 200 ms for 4 s make
/// 4,000. Sightings beyond it are counted in [`ScanSummary::dropped`].
pub const DEFAULT_MAX_SIGHTINGS_PER_SCAN: usize = 10_000;

/// When to sync with the diagnosis server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncSchedule {
    /// Time between two syncs, in seconds, before jitter.
    pub interval_seconds: u64,
    /// Largest random delay added to each interval, in seconds.
    pub jitter_seconds: u64,
    /// Wait before retrying after [`RadioLoop::sync_failed`], in seconds.
    pub retry_seconds: u64,
}

impl Default for SyncSchedule {
    fn default() -> Self {
        Self {
            interval_seconds: DEFAULT_SYNC_INTERVAL_SECONDS,
            jitter_seconds: DEFAULT_SYNC_JITTER_SECONDS,
            retry_seconds: DEFAULT_SYNC_RETRY_SECONDS,
        }
    }
}

/// How the radio loop behaves. [`Default`] is GAEN's behaviour without syncing; build others
/// with struct update syntax (`RadioConfig { sync: Some(SyncSchedule::default()),
/// ..RadioConfig::default() }`), since fields may be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RadioConfig {
    /// Whether this device advertises (a listening-only device sets `false`).
    pub advertise: bool,
    /// Length of one scan window, in seconds.
    pub scan_window_seconds: u64,
    /// Shortest time between the starts of two scan windows, in seconds.
    pub min_scan_interval_seconds: u64,
    /// Longest time between the starts of two scan windows, in seconds.
    pub max_scan_interval_seconds: u64,
    /// Time between two purges of data past retention, in seconds.
    pub purge_interval_seconds: u64,
    /// When to emit [`RadioCommand::Sync`]; `None` never does (no server configured).
    pub sync: Option<SyncSchedule>,
    /// Most sightings one window keeps.
    pub max_sightings_per_scan: usize,
}

impl Default for RadioConfig {
    fn default() -> Self {
        Self {
            advertise: true,
            scan_window_seconds: SCAN_WINDOW_SECONDS,
            min_scan_interval_seconds: MIN_SCAN_INTERVAL_SECONDS,
            max_scan_interval_seconds: MAX_SCAN_INTERVAL_SECONDS,
            purge_interval_seconds: PURGE_INTERVAL_SECONDS,
            sync: None,
            max_sightings_per_scan: DEFAULT_MAX_SIGHTINGS_PER_SCAN,
        }
    }
}

impl RadioConfig {
    /// Checks that the loop can run with this configuration.
    pub fn check(&self) -> Result<()> {
        let bad = |reason: &str| {
            Err(Error::InvalidRadioConfig {
                reason: reason.to_owned(),
            })
        };
        if self.scan_window_seconds == 0 {
            return bad("the scan window must last at least 1 second");
        }
        if self.min_scan_interval_seconds > self.max_scan_interval_seconds {
            return bad("the shortest scan interval is longer than the longest");
        }
        if self.scan_window_seconds >= self.min_scan_interval_seconds {
            return bad("the scan window must be shorter than the time between scans");
        }
        if self.purge_interval_seconds == 0 {
            return bad("the purge interval must be at least 1 second");
        }
        if let Some(sync) = self.sync
            && (sync.interval_seconds == 0 || sync.retry_seconds == 0)
        {
            return bad("the sync interval and retry must be at least 1 second");
        }
        Ok(())
    }
}

/// What the platform must do now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RadioCommand {
    /// Start advertising this payload (its [`Broadcast::payload`]'s service data for 0xFD6F, or
    /// the whole [`ExposurePayload::advertisement`]) from a new random Bluetooth address, until
    /// [`Broadcast::rotate_at`]. A platform that cannot change the payload of a running
    /// advertisement registers a new one (BlueZ ignores changes to a registered advertisement).
    StartAdvertising(Broadcast),
    /// Stop advertising (the address goes with the payload).
    StopAdvertising,
    /// Start scanning for service UUID 0xFD6F, reporting every advertisement (duplicates
    /// included) with [`RadioLoop::heard`], until `until` (Unix seconds); the loop says when to
    /// stop with [`RadioCommand::StopScan`].
    StartScan {
        /// The scan's identifier in the phone's database.
        scan_id: u64,
        /// When the window ends, in Unix seconds.
        until: u64,
    },
    /// Stop scanning: the window has been recorded.
    StopScan,
    /// Sync with the diagnosis server now (download and match new export files, check the venue
    /// feed), then call [`RadioLoop::sync_failed`] if it failed.
    Sync,
}

/// What one scan window recorded, for the log (one line a window).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanSummary {
    /// The scan's identifier in the phone's database.
    pub scan_id: u64,
    /// When the window started, in Unix seconds.
    pub started_at: u64,
    /// When it was recorded, in Unix seconds.
    pub ended_at: u64,
    /// Sightings stored.
    pub sightings: usize,
    /// Distinct payloads (RPI and AEM) among them.
    pub payloads: usize,
    /// Reports left out: malformed or foreign service data, or an impossible RSSI.
    pub rejected: usize,
    /// Valid sightings left out because the window already held
    /// [`RadioConfig::max_sightings_per_scan`].
    pub dropped: usize,
}

/// The result of one call: commands for the platform and what was done.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RadioStep {
    /// What the platform must do, in order.
    pub commands: Vec<RadioCommand>,
    /// Scan windows written to the database (at most one per call in practice).
    pub recorded: Vec<ScanSummary>,
    /// What a purge deleted, if one ran.
    pub purged: Option<PurgeReport>,
    /// When to call [`RadioLoop::poll`] next, in Unix seconds.
    pub next_wake: u64,
}

/// What [`RadioLoop::heard`] did with a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heard {
    /// Kept for the window's batch.
    Kept,
    /// Malformed or foreign service data, or an impossible RSSI: counted and dropped.
    Rejected,
    /// Valid, but the window is full: counted and dropped.
    Dropped,
    /// No scan window is open (a late callback): counted and dropped.
    NotScanning,
}

/// Counters since the loop was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RadioStats {
    /// Scan windows recorded.
    pub scans: u64,
    /// Sightings stored.
    pub sightings: u64,
    /// Reports rejected (malformed, foreign, impossible RSSI).
    pub rejected: u64,
    /// Valid reports dropped because a window was full.
    pub dropped: u64,
    /// Reports that came while no window was open.
    pub outside_scans: u64,
    /// Payload changes after the first advertisement.
    pub rotations: u64,
    /// Sync commands emitted.
    pub syncs: u64,
    /// Purges run.
    pub purges: u64,
    /// Advertisements the platform reported as failed ([`RadioLoop::advertising_failed`]).
    pub advertising_failures: u64,
    /// Scans the platform reported as failed ([`RadioLoop::scan_failed`]).
    pub scan_failures: u64,
}

/// A scan window in progress.
#[derive(Debug)]
struct OpenScan {
    scan_id: u64,
    started_at: u64,
    until: u64,
    sightings: Vec<Sighting>,
    rejected: usize,
    dropped: usize,
}

/// The radio loop. See the [module docs](self).
pub struct RadioLoop {
    config: RadioConfig,
    random: Box<dyn RandomSource>,
    /// Whether the first poll has happened (and `last_scan_id` was read from storage).
    running: bool,
    advertising: Option<Broadcast>,
    scan: Option<OpenScan>,
    last_scan_id: u64,
    next_scan_at: u64,
    next_purge_at: u64,
    next_sync_at: Option<u64>,
    /// When to retry an advertisement the platform could not start.
    retry_advertising_at: Option<u64>,
    /// Decided but not yet handed out (an error interrupted the call that decided them).
    pending: RadioStep,
    stats: RadioStats,
}

impl RadioLoop {
    /// A stopped loop with this configuration and its own random source (for scan and sync
    /// jitter; the RPI rotation uses the phone's). Nothing happens until [`poll`](Self::poll).
    pub fn new(config: RadioConfig, random: Box<dyn RandomSource>) -> Result<Self> {
        config.check()?;
        Ok(Self {
            config,
            random,
            running: false,
            advertising: None,
            scan: None,
            last_scan_id: 0,
            next_scan_at: 0,
            next_purge_at: 0,
            next_sync_at: None,
            retry_advertising_at: None,
            pending: RadioStep::default(),
            stats: RadioStats::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &RadioConfig {
        &self.config
    }

    /// Counters since the loop was made.
    pub fn stats(&self) -> RadioStats {
        self.stats
    }

    /// What the platform was last told to advertise, if it is advertising.
    pub fn advertising(&self) -> Option<&Broadcast> {
        self.advertising.as_ref()
    }

    /// The scan window in progress: its identifier and end, if one is open.
    pub fn scanning(&self) -> Option<(u64, u64)> {
        self.scan.as_ref().map(|scan| (scan.scan_id, scan.until))
    }

    /// Whether the loop has started and not been stopped.
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Does everything due at the phone's time: starts (at the first call), rotates the
    /// advertisement, ends and records a scan window, starts the next, purges, asks for a sync.
    ///
    /// On error nothing is lost: what was decided stays queued for the next call, and what failed
    /// (a window's write, a purge) is tried again then.
    pub fn poll(&mut self, phone: &mut Phone) -> Result<RadioStep> {
        let now = phone.now_unix_seconds();
        if !self.running {
            self.last_scan_id = phone.last_scan_id()?.unwrap_or(0);
            self.running = true;
            self.next_scan_at = now;
            self.next_purge_at = now.saturating_add(self.config.purge_interval_seconds);
            // A device that just started syncs at once: it may have been off for days.
            self.next_sync_at = self.config.sync.map(|_| now);
        }
        self.end_scan_if_due(phone, now)?;
        if self.config.advertise {
            let broadcast = phone.schedule().broadcast()?;
            if self.advertising != Some(broadcast) {
                if self.advertising.is_some() {
                    self.pending.commands.push(RadioCommand::StopAdvertising);
                    self.stats.rotations += 1;
                }
                self.pending
                    .commands
                    .push(RadioCommand::StartAdvertising(broadcast));
                self.advertising = Some(broadcast);
                self.retry_advertising_at = None;
            }
        }
        self.start_scan_if_due(now);
        if now >= self.next_purge_at
            || now.saturating_add(self.config.purge_interval_seconds) < self.next_purge_at
        {
            self.pending.purged = Some(phone.purge()?);
            self.stats.purges += 1;
            self.next_purge_at = now.saturating_add(self.config.purge_interval_seconds);
        }
        if let (Some(sync), Some(due)) = (self.config.sync, self.next_sync_at)
            && (now >= due || now.saturating_add(sync.interval_seconds + sync.jitter_seconds) < due)
        {
            self.pending.commands.push(RadioCommand::Sync);
            self.stats.syncs += 1;
            let jitter = self.random.uniform_inclusive(0, sync.jitter_seconds);
            self.next_sync_at = Some(
                now.saturating_add(sync.interval_seconds)
                    .saturating_add(jitter),
            );
        }
        Ok(self.take_step())
    }

    /// Reports one advertisement heard: its service data for UUID 0xFD6F (20 bytes: RPI and AEM),
    /// the RSSI as measured (dBm, uncorrected) and when it was heard (Unix seconds). Kept in
    /// memory for the window's batch; nothing is written until the window ends.
    pub fn heard(&mut self, service_data: &[u8], rssi_dbm: i16, seen_at: u64) -> Heard {
        let Some(scan) = self.scan.as_mut() else {
            self.stats.outside_scans += 1;
            return Heard::NotScanning;
        };
        let sighting = ExposurePayload::parse_service_data(service_data)
            .and_then(|payload| Sighting::new(payload, rssi_dbm, seen_at));
        match sighting {
            Err(_) => {
                scan.rejected += 1;
                self.stats.rejected += 1;
                Heard::Rejected
            }
            Ok(_) if scan.sightings.len() >= self.config.max_sightings_per_scan => {
                scan.dropped += 1;
                self.stats.dropped += 1;
                Heard::Dropped
            }
            Ok(sighting) => {
                scan.sightings.push(sighting);
                Heard::Kept
            }
        }
    }

    /// The platform changed its Bluetooth address on its own: the payload must change with it
    /// now. Returns the new advertisement (and anything else due).
    pub fn address_changed(&mut self, phone: &mut Phone) -> Result<RadioStep> {
        phone.schedule().rotate();
        self.poll(phone)
    }

    /// A sync the loop asked for failed: try again after [`SyncSchedule::retry_seconds`] (or at
    /// the next scheduled sync, if sooner).
    pub fn sync_failed(&mut self, phone: &Phone) {
        if let (Some(sync), Some(due)) = (self.config.sync, self.next_sync_at) {
            let retry = phone.now_unix_seconds().saturating_add(sync.retry_seconds);
            self.next_sync_at = Some(due.min(retry));
        }
    }

    /// The platform could not start the advertisement it was told to (or lost it: the adapter
    /// went away). The loop asks to be polled again within [`RETRY_SECONDS`] and then starts it
    /// again (the same payload until its rotation time, a new one after).
    pub fn advertising_failed(&mut self, phone: &Phone) {
        if self.advertising.take().is_some() {
            self.stats.advertising_failures += 1;
        }
        self.retry_advertising_at = Some(phone.now_unix_seconds().saturating_add(RETRY_SECONDS));
    }

    /// The platform could not start the scan it was told to, or lost it midway (the adapter went
    /// away). What the window heard before is recorded (a window that heard nothing is dropped:
    /// no scan took place); the next window starts within [`RETRY_SECONDS`].
    pub fn scan_failed(&mut self, phone: &mut Phone) -> Result<RadioStep> {
        let now = phone.now_unix_seconds();
        let heard_something = self.scan.as_ref().is_some_and(|scan| {
            !scan.sightings.is_empty() || scan.rejected > 0 || scan.dropped > 0
        });
        if heard_something {
            self.record_scan(phone, now)?;
        } else {
            self.scan = None;
        }
        self.stats.scan_failures += 1;
        self.next_scan_at = now.saturating_add(RETRY_SECONDS);
        Ok(self.take_step())
    }

    /// Stops: records the window in progress (what it heard so far), and tells the platform to
    /// stop scanning and advertising. A later [`poll`](Self::poll) starts again.
    pub fn stop(&mut self, phone: &mut Phone) -> Result<RadioStep> {
        if self.scan.is_some() {
            let now = phone.now_unix_seconds();
            self.record_scan(phone, now)?;
        }
        if self.advertising.take().is_some() {
            self.pending.commands.push(RadioCommand::StopAdvertising);
        }
        self.running = false;
        let mut step = self.take_step();
        step.next_wake = u64::MAX;
        Ok(step)
    }

    /// When [`poll`](Self::poll) must be called next, in Unix seconds: the earliest of the
    /// rotation, the end of the window or the next window, the purge and the sync. `0` before
    /// the first poll (or while decided commands wait after an error): poll now.
    pub fn next_wake(&self) -> u64 {
        if !self.running || !self.pending.commands.is_empty() || !self.pending.recorded.is_empty() {
            return 0;
        }
        let scan = self
            .scan
            .as_ref()
            .map_or(self.next_scan_at, |scan| scan.until);
        let rotation = match (self.advertising, self.retry_advertising_at) {
            (Some(broadcast), _) => broadcast.rotate_at,
            (None, Some(retry)) => retry,
            (None, None) => u64::MAX,
        };
        let sync = self.next_sync_at.unwrap_or(u64::MAX);
        scan.min(rotation).min(self.next_purge_at).min(sync)
    }

    fn end_scan_if_due(&mut self, phone: &mut Phone, now: u64) -> Result<()> {
        // A clock that went backwards ends the window too: its times would be wrong.
        let due = self
            .scan
            .as_ref()
            .is_some_and(|scan| now >= scan.until || now < scan.started_at);
        if due {
            self.record_scan(phone, now)?;
        }
        Ok(())
    }

    /// Writes the open window as one batch; only once it is stored is it closed and reported.
    fn record_scan(&mut self, phone: &mut Phone, now: u64) -> Result<()> {
        let Some(scan) = self.scan.as_ref() else {
            return Ok(());
        };
        let batch = ScanBatch {
            scan_id: scan.scan_id,
            started_at: scan.started_at,
            sightings: scan.sightings.clone(),
        };
        phone.record_batch(&batch)?;
        let payloads: HashSet<&ExposurePayload> =
            batch.sightings.iter().map(Sighting::payload).collect();
        let summary = ScanSummary {
            scan_id: scan.scan_id,
            started_at: scan.started_at,
            ended_at: now,
            sightings: batch.sightings.len(),
            payloads: payloads.len(),
            rejected: scan.rejected,
            dropped: scan.dropped,
        };
        let started_at = scan.started_at;
        self.scan = None;
        self.stats.scans += 1;
        self.stats.sightings += summary.sightings as u64;
        self.pending.commands.push(RadioCommand::StopScan);
        self.pending.recorded.push(summary);
        let gap = self.random.uniform_inclusive(
            self.config.min_scan_interval_seconds,
            self.config.max_scan_interval_seconds,
        );
        // Start to start; after a clock jump backwards, from now.
        self.next_scan_at = started_at.min(now).saturating_add(gap);
        Ok(())
    }

    fn start_scan_if_due(&mut self, now: u64) {
        if self.scan.is_some() {
            return;
        }
        // A clock set far back would otherwise keep the next window waiting for hours.
        let jumped_back =
            now.saturating_add(self.config.max_scan_interval_seconds) < self.next_scan_at;
        if now < self.next_scan_at && !jumped_back {
            return;
        }
        let scan_id = now.max(self.last_scan_id.saturating_add(1));
        self.last_scan_id = scan_id;
        let until = now.saturating_add(self.config.scan_window_seconds);
        self.scan = Some(OpenScan {
            scan_id,
            started_at: now,
            until,
            sightings: Vec::new(),
            rejected: 0,
            dropped: 0,
        });
        self.pending
            .commands
            .push(RadioCommand::StartScan { scan_id, until });
    }

    fn take_step(&mut self) -> RadioStep {
        let mut step = std::mem::take(&mut self.pending);
        step.next_wake = self.next_wake();
        step
    }
}

impl std::fmt::Debug for RadioLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RadioLoop")
            .field("config", &self.config)
            .field("running", &self.running)
            .field("scanning", &self.scanning())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}
