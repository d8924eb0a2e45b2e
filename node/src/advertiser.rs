//! Advertising with bluer: a broadcast advertisement of 0xFD6F service data, registered anew at
//! every rotation.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use bluer::adv::{Advertisement, AdvertisementHandle, Type};
use bluer::{Adapter, Session};

use crate::{Error, Result, SERVICE_UUID};

/// How long to let bluer unregister the previous advertisement (it does so on a task of its own
/// when the handle is dropped) before registering the next one, so that the two are not on air
/// together.
const UNREGISTER_GRACE: Duration = Duration::from_millis(50);

/// A BlueZ adapter's advertiser (`LEAdvertisingManager1` through bluer).
pub struct Advertiser {
    // Kept alive: the advertisement objects live on this session's D-Bus connection.
    _session: Session,
    adapter: Adapter,
    current: Option<AdvertisementHandle>,
    registrations: u64,
}

impl std::fmt::Debug for Advertiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Advertiser")
            .field("adapter", &self.adapter.name())
            .field("advertising", &self.current.is_some())
            .field("registrations", &self.registrations)
            .finish()
    }
}

impl Advertiser {
    /// Connects to BlueZ on the system bus (`DBUS_SYSTEM_BUS_ADDRESS` when set) and opens the
    /// adapter named `adapter` (`hci0` when `None`); an adapter BlueZ does not have is an error.
    pub async fn open(adapter: Option<&str>) -> Result<Self> {
        let name = adapter.unwrap_or(crate::DEFAULT_ADAPTER);
        let session = Session::new()
            .await
            .map_err(|error| Error::NoBus(error.to_string()))?;
        let names = session
            .adapter_names()
            .await
            .map_err(|error| Error::NoBus(error.to_string()))?;
        if !names.iter().any(|known| known == name) {
            return Err(Error::NoAdapter(name.to_owned()));
        }
        let adapter = session
            .adapter(name)
            .map_err(|_| Error::NoAdapter(name.to_owned()))?;
        Ok(Self {
            _session: session,
            adapter,
            current: None,
            registrations: 0,
        })
    }

    /// The adapter's name (`hci0`).
    pub fn adapter_name(&self) -> &str {
        self.adapter.name()
    }

    /// How many advertisements this advertiser has registered (one per call of
    /// [`Advertiser::advertise`] that succeeded).
    pub fn registrations(&self) -> u64 {
        self.registrations
    }

    /// Broadcasts `service_data` (the 20 bytes RPI ‖ AEM) from now on: unregisters the current
    /// advertisement, if any, and registers a new one, so that the kernel starts a new
    /// advertising instance with a new random address.
    pub async fn advertise(&mut self, service_data: &[u8]) -> Result<()> {
        if service_data.len() != mimamori_gaen::ble::SERVICE_DATA_LENGTH {
            return Err(Error::ServiceDataLength(service_data.len()));
        }
        self.stop().await;
        let advertisement = Advertisement {
            advertisement_type: Type::Broadcast,
            service_uuids: BTreeSet::from([SERVICE_UUID]),
            service_data: BTreeMap::from([(SERVICE_UUID, service_data.to_vec())]),
            ..Advertisement::default()
        };
        let handle = self
            .adapter
            .advertise(advertisement)
            .await
            .map_err(|error| Error::Advertise {
                adapter: self.adapter.name().to_owned(),
                reason: error.to_string(),
            })?;
        self.current = Some(handle);
        self.registrations += 1;
        Ok(())
    }

    /// Stops broadcasting (unregisters the current advertisement, if any).
    pub async fn stop(&mut self) {
        if self.current.take().is_some() {
            tokio::time::sleep(UNREGISTER_GRACE).await;
        }
    }
}
