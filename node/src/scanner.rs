//! Scanning with btleplug: one scan window at a time, 0xFD6F service data and RSSI out.

use std::pin::Pin;
use std::time::Duration;

use btleplug::api::{Central, CentralEvent, Manager as _, Peripheral as _, ScanFilter};
use btleplug::platform::{Adapter, Manager, PeripheralId};
use futures_util::{FutureExt, Stream, StreamExt};

use crate::heard::unix_now;
use crate::{Error, Heard, Result, SERVICE_UUID, ScanWindow};

type Events = Pin<Box<dyn Stream<Item = CentralEvent> + Send>>;

/// A BlueZ adapter's scanner (btleplug). Holds one event stream for its life, so that devices
/// BlueZ remembers from earlier windows are not reported again as heard when a window starts.
pub struct Scanner {
    adapter: Adapter,
    name: String,
    events: Events,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("adapter", &self.name)
            .finish()
    }
}

impl Scanner {
    /// Connects to BlueZ on the system bus (`DBUS_SYSTEM_BUS_ADDRESS` when set) and opens the
    /// adapter named `adapter` (`hci0` when `None`).
    pub async fn open(adapter: Option<&str>) -> Result<Self> {
        let name = adapter.unwrap_or(crate::DEFAULT_ADAPTER).to_owned();
        let manager = Manager::new()
            .await
            .map_err(|error| Error::NoBus(error.to_string()))?;
        let adapters = manager
            .adapters()
            .await
            .map_err(|error| Error::NoBus(error.to_string()))?;
        let mut found = None;
        for candidate in adapters {
            // btleplug describes a BlueZ adapter as "hci0 (usb:v1D6B...)".
            let info = candidate.adapter_info().await.unwrap_or_default();
            if info.split_whitespace().next() == Some(name.as_str()) {
                found = Some(candidate);
                break;
            }
        }
        let adapter = found.ok_or_else(|| Error::NoAdapter(name.clone()))?;
        let mut events = adapter.events().await.map_err(|error| Error::Scan {
            adapter: name.clone(),
            reason: error.to_string(),
        })?;
        drain(&mut events);
        Ok(Self {
            adapter,
            name,
            events,
        })
    }

    /// The adapter's name (`hci0`).
    pub fn adapter_name(&self) -> &str {
        &self.name
    }

    /// Scans for `duration`: sets BlueZ's discovery filter (0xFD6F, `DuplicateData=true`),
    /// starts discovery, collects every 0xFD6F advertisement heard and stops discovery. An error
    /// starting or stopping (the adapter removed, BlueZ gone) is returned and what the window
    /// heard is dropped with it: a caller that must not lose sightings calls
    /// [`Scanner::scan_window_into`].
    pub async fn scan_window(&mut self, duration: Duration) -> Result<ScanWindow> {
        let mut window = ScanWindow::default();
        self.scan_window_into(duration, &mut window).await?;
        Ok(window)
    }

    /// As [`Scanner::scan_window`], filling `window` as advertisements arrive, so that what was
    /// heard is kept in `window` even when stopping the scan fails.
    pub async fn scan_window_into(
        &mut self,
        duration: Duration,
        window: &mut ScanWindow,
    ) -> Result<()> {
        window.started_at = unix_now();
        self.start_scan().await?;
        let deadline = tokio::time::Instant::now() + duration;
        while let Ok(next) = tokio::time::timeout_at(deadline, self.next_heard()).await {
            match next {
                Some(Some(heard)) => window.heard.push(heard),
                Some(None) => window.ignored += 1,
                None => break,
            }
        }
        window.ended_at = unix_now();
        self.stop_scan().await
    }

    /// Starts a discovery: BlueZ's discovery filter (0xFD6F, `DuplicateData=true`), then
    /// `StartDiscovery`. Events that arrived since the last discovery (BlueZ's cache changing)
    /// are dropped first: they are not sightings of this window.
    pub async fn start_scan(&mut self) -> Result<()> {
        drain(&mut self.events);
        let filter = ScanFilter {
            services: vec![SERVICE_UUID],
        };
        self.adapter
            .start_scan(filter)
            .await
            .map_err(|error| self.scan_error(error))
    }

    /// Waits for the next advertisement event: `Some(Some(heard))` for 0xFD6F service data,
    /// `Some(None)` for an advertisement without it (counted as ignored), `None` when BlueZ's
    /// event stream ended. Cancel-safe: use it in `select!` or under a timeout.
    pub async fn next_heard(&mut self) -> Option<Option<Heard>> {
        loop {
            let id = match self.events.next().await? {
                CentralEvent::DeviceDiscovered(id) => id,
                CentralEvent::ServiceDataAdvertisement { id, .. } => id,
                _ => continue,
            };
            return Some(self.read_heard(&id).await);
        }
    }

    /// Takes the next event without reading anything from BlueZ: for the time between windows,
    /// when events (another program's discovery, BlueZ's cache) are not sightings but must not
    /// pile up. `None` when BlueZ's event stream ended. Cancel-safe.
    pub async fn skip_event(&mut self) -> Option<()> {
        self.events.next().await.map(|_| ())
    }

    /// Stops the discovery (`StopDiscovery`); an error when the adapter or BlueZ is gone.
    pub async fn stop_scan(&mut self) -> Result<()> {
        self.adapter
            .stop_scan()
            .await
            .map_err(|error| self.scan_error(error))
    }

    /// The device's 0xFD6F service data and RSSI now, or `None` when it has no 0xFD6F service
    /// data, no RSSI, or is gone.
    async fn read_heard(&self, id: &PeripheralId) -> Option<Heard> {
        let peripheral = self.adapter.peripheral(id).await.ok()?;
        let properties = peripheral.properties().await.ok()??;
        let service_data = properties.service_data.get(&SERVICE_UUID)?.clone();
        Some(Heard {
            service_data,
            rssi_dbm: properties.rssi?,
            seen_at: unix_now(),
            address: properties.address.into_inner(),
        })
    }

    fn scan_error(&self, error: btleplug::Error) -> Error {
        Error::Scan {
            adapter: self.name.clone(),
            reason: error.to_string(),
        }
    }
}

/// Takes every event already waiting, without waiting for more.
fn drain(events: &mut Events) {
    while let Some(Some(_)) = events.next().now_or_never() {}
}
