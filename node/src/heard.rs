//! What one scan window heard, as plain bytes for the engine to parse.

use std::time::{SystemTime, UNIX_EPOCH};

/// One 0xFD6F advertisement heard: the service data exactly as received (the engine parses it
/// and rejects wrong lengths), its RSSI and time, and the advertiser's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heard {
    /// The 0xFD6F service data as received (20 bytes when well formed: RPI ‖ AEM).
    pub service_data: Vec<u8>,
    /// The received signal strength in dBm.
    pub rssi_dbm: i16,
    /// When it was heard, in Unix seconds.
    pub seen_at: u64,
    /// The advertiser's Bluetooth address, most significant byte first.
    pub address: [u8; 6],
}

/// Everything one scan window heard.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanWindow {
    /// When the window started, in Unix seconds.
    pub started_at: u64,
    /// When it ended, in Unix seconds.
    pub ended_at: u64,
    /// The 0xFD6F advertisements heard, in the order heard.
    pub heard: Vec<Heard>,
    /// Advertisements heard without 0xFD6F service data (other services' data) or without an
    /// RSSI, left out.
    pub ignored: usize,
}

/// Now, in Unix seconds (0 if the system clock is before 1970).
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
