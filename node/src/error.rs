//! The node's errors.

/// What went wrong between the engine and BlueZ. Messages say what to do; none carries an
/// identifier heard or broadcast.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The system D-Bus could not be reached, so BlueZ cannot be asked anything.
    #[error(
        "cannot reach BlueZ on the system D-Bus ({0}): is dbus running and bluetoothd started \
         (systemctl status bluetooth)?"
    )]
    NoBus(String),
    /// BlueZ answered, but it has no adapter of that name (removed, unplugged or never there).
    #[error(
        "no Bluetooth adapter named {0:?}: check `bluetoothctl list` (or `hciconfig`) and pass \
         --adapter"
    )]
    NoAdapter(String),
    /// BlueZ refused or failed a scan (start or stop discovery).
    #[error("scanning on {adapter} failed: {reason}")]
    Scan {
        /// The adapter's name.
        adapter: String,
        /// BlueZ's or btleplug's reason.
        reason: String,
    },
    /// BlueZ refused or failed to register an advertisement.
    #[error(
        "advertising on {adapter} failed: {reason} (is the adapter powered and does it support \
         LE advertising? `bluetoothctl show`)"
    )]
    Advertise {
        /// The adapter's name.
        adapter: String,
        /// BlueZ's or bluer's reason.
        reason: String,
    },
    /// The service data to broadcast is not the 20 bytes of RPI ‖ AEM.
    #[error("service data to broadcast must be 20 bytes (RPI ‖ AEM), got {0}")]
    ServiceDataLength(usize),
    /// This platform has no Bluetooth backend in this crate.
    #[error("Bluetooth scanning and advertising are implemented for Linux (BlueZ) only")]
    Unsupported,
}

/// The node's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_check() {
        let no_bus = Error::NoBus("connection refused".to_owned()).to_string();
        assert!(no_bus.contains("systemctl status bluetooth"), "{no_bus}");
        let no_adapter = Error::NoAdapter("hci7".to_owned()).to_string();
        assert!(no_adapter.contains("--adapter"), "{no_adapter}");
        assert_eq!(
            Error::ServiceDataLength(19).to_string(),
            "service data to broadcast must be 20 bytes (RPI ‖ AEM), got 19"
        );
    }
}
