//! # Mimamori phone
//!
//! The resident's device: everything a phone (or a Linux device) keeps and does, on one SQLite
//! file. It holds the phone's daily keys and rotates what it broadcasts ([`KeySchedule`]),
//! records what it heard ([`sightings`]), matches downloaded export files against it and decides
//! with COCOA's rule ([`Phone`]), uploads its keys with a health authority's code ([`upload`]),
//! downloads new export files and the venue notice feed ([`sync`], [`venue_sync`]), and keeps the
//! venues the resident checked in to ([`VenueBook`]).
//!
//! The [`radio`] loop drives the Bluetooth radio for every platform, sans-I/O: the platform
//! calls [`RadioLoop::poll`] at each wake-up, carries out the [`RadioCommand`]s (advertise this
//! payload until then, scan now, stop, sync) and reports what its scanner heard; the loop
//! records one [`mimamori_gaen::ScanBatch`] per scan window and purges on schedule
//! (docs/adr/0014; its module docs have an example).
//!
//! The protocols themselves live in the sans-I/O crates below this one (`mimamori-gaen`,
//! `mimamori-venue`, with the wire types in `mimamori-api`). This crate adds storage and the
//! conversation with the diagnosis server, which it reaches through a [`transport::Transport`]
//! the platform implements (docs/adr/0006); time and randomness come from
//! `mimamori-environment`.
//!
//! With the `testing` feature, the `testing` module holds the fixtures phone tests repeat
//! (a phone on a fixed clock, two phones that met, a phone's keys as a server publishes them),
//! and [`transport`] a scripted transport.
//!
//! ## Example
//!
//! A phone broadcasts today's identifier, hears another phone, and keeps both across a restart:
//!
//! ```
//! use std::sync::Arc;
//!
//! use mimamori_environment::{FixedClock, SeededRandom};
//! use mimamori_gaen::{DeviceCalibration, ExposurePayload, ScanBatch};
//! use mimamori_phone::Phone;
//!
//! let directory = tempfile::tempdir()?;
//! let clock = Arc::new(FixedClock::new(1_600_000_000));
//! let open = |seed| {
//!     let random = Box::new(SeededRandom::new(seed));
//!     Phone::open(directory.path(), DeviceCalibration::UNKNOWN_DEVICE, clock.clone(), random)
//! };
//! let mut phone = open(1)?;
//! let broadcast = phone.schedule().broadcast()?;
//!
//! // Another phone's payload, heard at -60 dBm during scan 1.
//! let other = ExposurePayload::parse_service_data(&[0x42; 20])?;
//! let heard = [(&other.service_data()[..], -60, 1_600_000_001)];
//! let (batch, rejected) = ScanBatch::from_heard(1, 1_600_000_000, heard);
//! assert_eq!(rejected, 0);
//! phone.record_scan(&batch)?;
//! drop(phone);
//!
//! // After a restart the phone broadcasts the same identifier until the next rotation.
//! let mut phone = open(2)?;
//! assert_eq!(phone.schedule().broadcast()?.payload.rpi, broadcast.payload.rpi);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod error;
pub mod keys;
pub mod phone;
pub mod radio;
pub mod schedule;
pub mod sightings;
pub mod storage;
pub mod sync;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod transport;
pub mod upload;
pub mod venue_book;
pub mod venue_sync;

pub use error::{Error, Result};
#[cfg(any(test, feature = "testing"))]
pub use keys::MemoryTekStore;
pub use keys::{SqliteTekStore, TekStore};
pub use phone::Phone;
pub use radio::{RadioCommand, RadioConfig, RadioLoop, RadioStep};
pub use schedule::{Broadcast, KeySchedule};
pub use sightings::{SightingStore, SqliteSightingStore};
pub use storage::Database;
pub use venue_book::{CheckIn, FeedCheck, StoredVisit, VenueBook};
