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
    pub async fn scan_window_into(
        &mut self,
        _duration: Duration,
        _window: &mut ScanWindow,
    ) -> Result<()> {
        Err(Error::Unsupported)
    }

    /// Always [`Error::Unsupported`] off Linux.
    pub async fn start_scan(&mut self) -> Result<()> {
        Err(Error::Unsupported)
    }

    /// Never yields off Linux.
    pub async fn next_heard(&mut self) -> Option<Option<crate::Heard>> {
        std::future::pending().await
    }

    /// Never yields off Linux.
    pub async fn skip_event(&mut self) -> Option<()> {
        std::future::pending().await
    }

    /// Always [`Error::Unsupported`] off Linux.
    pub async fn stop_scan(&mut self) -> Result<()> {
        Err(Error::Unsupported)
    }

    /// The adapter's name.
    pub fn adapter_name(&self) -> &str {
        crate::DEFAULT_ADAPTER
    }

    /// Always [`Error::Unsupported`] off Linux.
    pub async fn scan_window(&mut self, _duration: Duration) -> Result<ScanWindow> {
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

    /// The adapter's name.
    pub fn adapter_name(&self) -> &str {
        crate::DEFAULT_ADAPTER
    }

    /// None off Linux.
    pub fn registrations(&self) -> u64 {
        0
    }

    /// Does nothing off Linux.
    pub async fn stop(&mut self) {}
}
