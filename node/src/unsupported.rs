//! Platforms without a Bluetooth backend: every call says so.

use std::time::Duration;

use crate::{Error, Result, ScanWindow};

/// The scanner (Linux only; elsewhere every call returns [`Error::Unsupported`]).
#[derive(Debug)]
pub struct Scanner(());

impl Scanner {
    /// Always [`Error::Unsupported`] off Linux.
    pub async fn open(_adapter: Option<&str>) -> Result<Self> {
        Err(Error::Unsupported)
    }

    /// Always [`Error::Unsupported`] off Linux.
    pub async fn scan_window(&self, _duration: Duration) -> Result<ScanWindow> {
        Err(Error::Unsupported)
    }
}

/// The advertiser (Linux only; elsewhere every call returns [`Error::Unsupported`]).
#[derive(Debug)]
pub struct Advertiser(());

impl Advertiser {
    /// Always [`Error::Unsupported`] off Linux.
    pub async fn open(_adapter: Option<&str>) -> Result<Self> {
        Err(Error::Unsupported)
    }

    /// Always [`Error::Unsupported`] off Linux.
    pub async fn advertise(&mut self, _service_data: &[u8]) -> Result<()> {
        Err(Error::Unsupported)
    }

    /// Does nothing off Linux.
    pub async fn stop(&mut self) {}
}
