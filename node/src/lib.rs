//! Mimamori's engine on a real Bluetooth stack: scanning and advertising through BlueZ on Linux.
//!
//! This crate only moves bytes between BlueZ and the engine (STYLE.md 23): it never decides when
//! to rotate, what to record or when to sync. [`Scanner`] runs one scan window with btleplug and
//! hands back what it heard: the 0xFD6F service data, RSSI, time and address of each
//! advertisement. [`Advertiser`] registers a broadcast advertisement carrying the 20 bytes of
//! 0xFD6F service data the engine says to broadcast, through BlueZ's `LEAdvertisingManager1`
//! with bluer, and registers a *new* one each time it is told to (a rotation).
//!
//! ```no_run
//! # async fn demo() -> Result<(), mimamori_node::Error> {
//! use std::time::Duration;
//! use mimamori_node::{Advertiser, Scanner};
//!
//! // What the engine says to broadcast now (RPI ‖ AEM), registered as a broadcast advertisement.
//! let mut advertiser = Advertiser::open(Some("hci0")).await?;
//! advertiser.advertise(&[0x11; 20]).await?;
//!
//! // One scan window: every 0xFD6F advertisement heard in four seconds.
//! let mut scanner = Scanner::open(Some("hci0")).await?;
//! let window = scanner.scan_window(Duration::from_secs(4)).await?;
//! for heard in &window.heard {
//!     println!("{} dBm at {}: {:02x?}", heard.rssi_dbm, heard.seen_at, heard.service_data);
//! }
//! advertiser.stop().await;
//! # Ok(()) }
//! ```
//!
//! # How it uses BlueZ
//!
//! - **Scanning** (btleplug 0.13, through bluez-async): `SetDiscoveryFilter` with the 0xFD6F
//!   service UUID, `Transport=auto` and `DuplicateData=true`, then `StartDiscovery`. btleplug
//!   sets that filter itself in `start_scan` (its `ScanFilter` carries only the UUIDs;
//!   `DuplicateData` is always on), so nothing is set through bluer. With `DuplicateData` BlueZ
//!   emits a `PropertiesChanged` for `ServiceData` every time an advertisement is heard, not only
//!   when its bytes change, which is what lets one RPI be heard many times in a window. A
//!   sighting is recorded when a device is discovered (its properties are read once) and at every
//!   `ServiceData` change; the RSSI is the device's `RSSI` property at that moment.
//! - **Advertising** (bluer 0.17): `RegisterAdvertisement` of an `org.bluez.LEAdvertisement1`
//!   object with `Type=broadcast`, `ServiceUUIDs=[0xFD6F]` and `ServiceData={0xFD6F: RPI ‖ AEM}`.
//!   BlueZ ignores changes to a registered advertisement, so every rotation unregisters the old
//!   object and registers a new one; a new advertising instance is when the kernel picks a new
//!   random address.
//!
//! # What the tests cannot show: check on real hardware
//!
//! The tests run this code against BlueZ's D-Bus API emulated by python-dbusmock's `bluez5`
//! template (`node/tests/bluez_mock.py`). The emulation has no radio and no kernel, so on a real
//! adapter (a Raspberry Pi's, a USB dongle) check with `btmon` in a second terminal:
//!
//! 1. **Flags.** GAEN's advertisement starts with the Flags AD `02 01 1A`. BlueZ writes the
//!    Flags itself: for a broadcast (non-connectable) advertisement it may write none or other
//!    bits. Look at `LE Set Extended Advertising Data` / `LE Set Advertising Data` in `btmon` and
//!    write down what your BlueZ version sends; Android and iOS scanners accept an advertisement
//!    whatever its Flags, but the difference shows in captures.
//! 2. **Address change.** At each rotation the address in `LE Set Advertising Set Random
//!    Address` (or `LE Set Random Address`) must change together with the service data. Some
//!    controllers keep the address of an advertising set across re-registration; if `btmon`
//!    shows the same address twice in a row, enable privacy (`Privacy = device` in
//!    `/etc/bluetooth/main.conf`) so that BlueZ uses a fresh resolvable address.
//! 3. **Duplicates.** Controllers filter duplicate advertisements in hardware unless told not
//!    to; BlueZ turns the filter off for a discovery with `DuplicateData=true`, but some
//!    controllers (older Broadcom and Realtek ones) still report one advertisement per address
//!    per scan, or only when the RSSI changes. Count the `HCI Event: LE Meta Event` reports for
//!    one phone over a minute: GAEN phones advertise every 200-270 ms, so a few hundred a minute
//!    is healthy, one a minute means the controller is filtering.
//! 4. **Scanning while advertising** works on most controllers; a few single-role ones refuse
//!    `StartDiscovery` while a broadcast is active (the node logs the error and retries).
//!
//! Example of what to look for in `btmon` after a rotation:
//!
//! ```text
//! < HCI Command: LE Set Advertising Set Random Address (0x08|0x0035)
//!         Advertising handle: 1
//!         Address: 3A:5F:.. (Non-Resolvable)
//! < HCI Command: LE Set Extended Advertising Data (0x08|0x0037)
//!         Service Data (UUID 0xfd6f): 5d1f...   (20 bytes: RPI ‖ AEM)
//! ```
//!
//! # Platforms
//!
//! Only Linux has a backend; elsewhere [`Scanner::open`] and [`Advertiser::open`] return
//! [`Error::Unsupported`].

#![warn(missing_docs)]

#[cfg(target_os = "linux")]
mod advertiser;
mod error;
mod heard;
#[cfg(target_os = "linux")]
mod scanner;
#[cfg(not(target_os = "linux"))]
mod unsupported;

#[cfg(target_os = "linux")]
pub use advertiser::Advertiser;
pub use error::{Error, Result};
pub use heard::{Heard, ScanWindow};
#[cfg(target_os = "linux")]
pub use scanner::Scanner;
#[cfg(not(target_os = "linux"))]
pub use unsupported::{Advertiser, Scanner};

/// The Exposure Notification service's 16-bit UUID as a full 128-bit UUID
/// (Bluetooth Specification v1.2 of the Exposure Notification service: 0xFD6F).
pub const SERVICE_UUID: uuid::Uuid = mimamori_gaen::ble::SERVICE_UUID;

/// The adapter used when none is named.
pub const DEFAULT_ADAPTER: &str = "hci0";
