//! The radio loop for the apps: two foreign traits the app implements with its Bluetooth API
//! ([`Advertiser`], [`Scanner`]) and the exported [`MimamoriRadio`] that drives them. Every
//! decision (what to advertise until when, when to scan, what to record, when to purge and sync)
//! is `mimamori_phone::radio::RadioLoop`'s (docs/adr/0014); this file only converts.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use mimamori_environment::OsRandom;
use mimamori_phone::radio::{
    Heard, RadioCommand, RadioConfig, RadioLoop, RadioStep, ScanSummary, SyncSchedule,
};

use crate::ble::BroadcastInfo;
use crate::{MimamoriError, MimamoriPhone};

/// The app's Bluetooth advertiser (Android `BluetoothLeAdvertiser`; on iOS only the Exposure
/// Notification framework may advertise 0xFD6F, see the ffi README). Calls return at once; a
/// failure is the app's to log and retry at the next [`MimamoriRadio::tick`].
#[uniffi::export(with_foreign)]
pub trait Advertiser: Send + Sync {
    /// Start advertising `broadcast` (its 20-byte `service_data` for UUID 0xFD6F, or the whole
    /// `advertisement`) from a new random (non-resolvable) Bluetooth address, connectable no,
    /// until `broadcast.rotate_at_unix`. Always preceded by
    /// [`stop_advertising`](Self::stop_advertising) when something
    /// was advertised before, so that payload and address change together.
    fn start_advertising(&self, broadcast: BroadcastInfo);

    /// Stop advertising.
    fn stop_advertising(&self);
}

/// The app's Bluetooth scanner (Android `BluetoothLeScanner`, iOS `CBCentralManager`).
#[uniffi::export(with_foreign)]
pub trait Scanner: Send + Sync {
    /// Start scanning for service UUID 0xFD6F, reporting every advertisement heard (duplicates
    /// included) with [`MimamoriRadio::heard`], until the loop says [`stop_scan`](Self::stop_scan)
    /// (about `until_unix`).
    fn start_scan(&self, scan_id: u64, until_unix: u64);

    /// Stop scanning: the window has been recorded.
    fn stop_scan(&self);
}

/// How the radio loop behaves ([`default_radio_settings`] is GAEN's behaviour without syncing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RadioSettings {
    /// Whether this device advertises.
    pub advertise: bool,
    /// Length of one scan window, in seconds (4).
    pub scan_window_seconds: u64,
    /// Shortest time between the starts of two scan windows, in seconds (210).
    pub min_scan_interval_seconds: u64,
    /// Longest time between the starts of two scan windows, in seconds (300).
    pub max_scan_interval_seconds: u64,
    /// Time between two syncs, in seconds (before up to 30 minutes of jitter); `None`: the loop
    /// never asks for one.
    pub sync_interval_seconds: Option<u64>,
}

/// GAEN's scanning (4 s every 210 to 300 s), advertising on, no syncs.
#[uniffi::export]
pub fn default_radio_settings() -> RadioSettings {
    let config = RadioConfig::default();
    RadioSettings {
        advertise: config.advertise,
        scan_window_seconds: config.scan_window_seconds,
        min_scan_interval_seconds: config.min_scan_interval_seconds,
        max_scan_interval_seconds: config.max_scan_interval_seconds,
        sync_interval_seconds: None,
    }
}

impl From<RadioSettings> for RadioConfig {
    fn from(settings: RadioSettings) -> Self {
        Self {
            advertise: settings.advertise,
            scan_window_seconds: settings.scan_window_seconds,
            min_scan_interval_seconds: settings.min_scan_interval_seconds,
            max_scan_interval_seconds: settings.max_scan_interval_seconds,
            sync: settings.sync_interval_seconds.map(|interval| SyncSchedule {
                interval_seconds: interval,
                ..SyncSchedule::default()
            }),
            ..Self::default()
        }
    }
}

/// What one call did, after the app's advertiser and scanner were told what to do.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RadioTick {
    /// When to call [`MimamoriRadio::tick`] next, in Unix seconds (set a timer or an alarm).
    pub next_wake_unix: u64,
    /// The loop asks for a sync now: call [`MimamoriPhone::sync_exports`] (on a background
    /// thread), then [`MimamoriRadio::sync_failed`] if it failed.
    pub sync_due: bool,
    /// Scan windows recorded by this call.
    pub recorded: Vec<RecordedWindow>,
    /// Whether data past the 14-day retention was purged.
    pub purged: bool,
}

/// One scan window written to the phone's database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RecordedWindow {
    /// The scan's identifier.
    pub scan_id: u64,
    /// When the window started, in Unix seconds.
    pub started_at_unix: u64,
    /// Sightings stored.
    pub sightings: u32,
    /// Distinct payloads among them.
    pub payloads: u32,
    /// Reports left out: malformed or foreign service data, impossible RSSI.
    pub rejected: u32,
}

impl From<ScanSummary> for RecordedWindow {
    fn from(summary: ScanSummary) -> Self {
        Self {
            scan_id: summary.scan_id,
            started_at_unix: summary.started_at,
            sightings: summary.sightings as u32,
            payloads: summary.payloads as u32,
            rejected: summary.rejected as u32,
        }
    }
}

/// What [`MimamoriRadio::heard`] did with a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum HeardOutcome {
    /// Kept for the window's batch.
    Kept,
    /// Malformed or foreign service data, or an impossible RSSI: dropped.
    Rejected,
    /// The window is full: dropped.
    Dropped,
    /// No scan window is open: dropped.
    NotScanning,
}

impl From<Heard> for HeardOutcome {
    fn from(heard: Heard) -> Self {
        match heard {
            Heard::Kept => Self::Kept,
            Heard::Rejected => Self::Rejected,
            Heard::Dropped => Self::Dropped,
            Heard::NotScanning => Self::NotScanning,
        }
    }
}

/// The radio loop over a phone, driving the app's advertiser and scanner. Safe to share between
/// threads; the app's traits are called with no lock held, so they may call back in. One app
/// object may implement both traits.
#[derive(uniffi::Object)]
pub struct MimamoriRadio {
    phone: Arc<MimamoriPhone>,
    advertiser: Arc<dyn Advertiser>,
    scanner: Arc<dyn Scanner>,
    radio: Mutex<RadioLoop>,
}

impl std::fmt::Debug for MimamoriRadio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MimamoriRadio")
            .field("radio", &self.radio)
            .finish_non_exhaustive()
    }
}

#[uniffi::export]
impl MimamoriRadio {
    /// A stopped loop over `phone`; nothing happens until the first [`tick`](Self::tick).
    #[uniffi::constructor]
    pub fn new(
        phone: Arc<MimamoriPhone>,
        advertiser: Arc<dyn Advertiser>,
        scanner: Arc<dyn Scanner>,
        settings: RadioSettings,
    ) -> Result<Arc<Self>, MimamoriError> {
        let radio = RadioLoop::new(settings.into(), Box::new(OsRandom))?;
        Ok(Arc::new(Self {
            phone,
            advertiser,
            scanner,
            radio: Mutex::new(radio),
        }))
    }

    /// Does everything due now (start, rotate, end and record a window, start the next, purge)
    /// and tells the advertiser and scanner. Call it at start and at every `next_wake_unix`.
    pub fn tick(&self) -> Result<RadioTick, MimamoriError> {
        let step = self.radio().poll(&mut self.phone.phone())?;
        Ok(self.carry_out(step))
    }

    /// Reports one advertisement the scanner heard: the service data for UUID 0xFD6F (Android
    /// `ScanRecord.getServiceData(ParcelUuid)`), the RSSI as measured in dBm and when, in Unix
    /// seconds. Cheap: nothing is written until the window ends.
    pub fn heard(&self, service_data: Vec<u8>, rssi_dbm: i16, seen_at_unix: u64) -> HeardOutcome {
        self.radio()
            .heard(&service_data, rssi_dbm, seen_at_unix)
            .into()
    }

    /// The platform changed its Bluetooth address on its own: the payload changes now too.
    pub fn address_changed(&self) -> Result<RadioTick, MimamoriError> {
        let step = self.radio().address_changed(&mut self.phone.phone())?;
        Ok(self.carry_out(step))
    }

    /// A sync the loop asked for failed: it asks again in 15 minutes.
    pub fn sync_failed(&self) {
        self.radio().sync_failed(&self.phone.phone());
    }

    /// The advertiser could not start (or lost) the advertisement: the loop starts it again
    /// within 30 seconds (tick at the returned time).
    pub fn advertising_failed(&self) -> u64 {
        let mut radio = self.radio();
        radio.advertising_failed(&self.phone.phone());
        radio.next_wake()
    }

    /// The scanner could not start the scan, or lost it midway: what it heard is recorded and the
    /// next window starts within 30 seconds.
    pub fn scan_failed(&self) -> Result<RadioTick, MimamoriError> {
        let step = self.radio().scan_failed(&mut self.phone.phone())?;
        Ok(self.carry_out(step))
    }

    /// Stops: records the window in progress and stops the scanner and the advertiser. A later
    /// [`tick`](Self::tick) starts again.
    pub fn stop(&self) -> Result<RadioTick, MimamoriError> {
        let step = self.radio().stop(&mut self.phone.phone())?;
        Ok(self.carry_out(step))
    }
}

impl MimamoriRadio {
    fn radio(&self) -> MutexGuard<'_, RadioLoop> {
        // The loop's state only changes together with the commands it hands out; after a panic
        // it is at worst behind what the platform was told, and the next tick sets it right.
        self.radio.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells the app's advertiser and scanner what the loop decided (no lock held).
    fn carry_out(&self, step: RadioStep) -> RadioTick {
        let mut sync_due = false;
        for command in step.commands {
            match command {
                RadioCommand::StartAdvertising(broadcast) => {
                    self.advertiser.start_advertising(broadcast.into())
                }
                RadioCommand::StopAdvertising => self.advertiser.stop_advertising(),
                RadioCommand::StartScan { scan_id, until } => {
                    self.scanner.start_scan(scan_id, until)
                }
                RadioCommand::StopScan => self.scanner.stop_scan(),
                RadioCommand::Sync => sync_due = true,
            }
        }
        RadioTick {
            next_wake_unix: step.next_wake,
            sync_due,
            recorded: step.recorded.into_iter().map(Into::into).collect(),
            purged: step.purged.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::testing::phone;

    #[derive(Default)]
    struct Radio(Mutex<Vec<String>>);

    impl Radio {
        fn log(&self, what: String) {
            self.0.lock().unwrap().push(what);
        }
    }

    impl Advertiser for Radio {
        fn start_advertising(&self, broadcast: BroadcastInfo) {
            self.log(format!("advertise {}", broadcast.rpi_hex));
        }
        fn stop_advertising(&self) {
            self.log("stop advertising".into());
        }
    }

    impl Scanner for Radio {
        fn start_scan(&self, scan_id: u64, _until_unix: u64) {
            self.log(format!("scan {scan_id}"));
        }
        fn stop_scan(&self) {
            self.log("stop scanning".into());
        }
    }

    #[test]
    fn the_loop_drives_the_apps_advertiser_and_scanner() {
        let dir = tempfile::tempdir().unwrap();
        let phone = phone(dir.path());
        let platform = Arc::new(Radio::default());
        let radio = MimamoriRadio::new(
            phone.clone(),
            platform.clone(),
            platform.clone(),
            default_radio_settings(),
        )
        .unwrap();
        let tick = radio.tick().unwrap();
        assert!(!tick.sync_due);
        let rpi = phone.broadcast().unwrap().rpi_hex;
        let log = platform.0.lock().unwrap().clone();
        assert_eq!(log[0], format!("advertise {rpi}"));
        assert!(log[1].starts_with("scan "), "{log:?}");
        assert_eq!(radio.heard(vec![7; 20], -60, 1), HeardOutcome::Kept);
        assert_eq!(radio.heard(vec![7; 3], -60, 1), HeardOutcome::Rejected);
        assert!(radio.advertising_failed() > 0);
        let stopped = radio.stop().unwrap();
        assert_eq!(stopped.recorded[0].sightings, 1);
        assert_eq!(stopped.recorded[0].rejected, 1);
        let log = platform.0.lock().unwrap().clone();
        assert_eq!(
            &log[2..],
            ["stop scanning"],
            "nothing advertised after the failure"
        );
        let bad = RadioSettings {
            scan_window_seconds: 0,
            ..default_radio_settings()
        };
        assert!(matches!(
            MimamoriRadio::new(phone, platform.clone(), platform, bad),
            Err(MimamoriError::InvalidInput { .. })
        ));
    }
}
