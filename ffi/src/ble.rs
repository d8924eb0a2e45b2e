//! The radio: what to advertise and when to rotate, and what a scan heard. The platform's BLE
//! stack only moves these bytes; the schedule in `mimamori_phone` decides.

use mimamori_gaen::{ExposurePayload, ScanBatch};
use mimamori_phone::Broadcast;

use crate::{MimamoriError, MimamoriPhone};

#[uniffi::export]
impl MimamoriPhone {
    /// What to advertise now. The same broadcast comes back until its `rotate_at_unix`; at that
    /// moment the platform must change its Bluetooth address and call this again.
    pub fn broadcast(&self) -> Result<BroadcastInfo, MimamoriError> {
        Ok(self.phone().schedule().broadcast()?.into())
    }

    /// Tells the schedule that the platform changed its Bluetooth address on its own: the next
    /// [`broadcast`](Self::broadcast) starts a new one, so address and payload change together.
    pub fn address_changed(&self) {
        self.phone().schedule().rotate();
    }

    /// Records what one scan (or one batch of a long scan) heard, in one transaction. Call it for
    /// every scan, even one that heard nothing. Sightings that do not parse are left out and
    /// counted in the result; the others are stored.
    pub fn record_scan(&self, scan: ScanResult) -> Result<RecordedScan, MimamoriError> {
        let heard = scan
            .sightings
            .iter()
            .map(|s| (&s.service_data[..], s.rssi_dbm, s.seen_at_unix));
        let (batch, rejected) = ScanBatch::from_heard(scan.scan_id, scan.started_at_unix, heard);
        self.phone().record_scan(&batch)?;
        Ok(RecordedScan {
            stored: batch.sightings.len() as u32,
            rejected: rejected as u32,
        })
    }
}

/// Parses the 20 service-data bytes heard for UUID 0xFD6F (what Android's
/// `ScanRecord.getServiceData` returns): the RPI and the AEM.
#[uniffi::export]
pub fn parse_service_data(data: Vec<u8>) -> Result<HeardPayload, MimamoriError> {
    Ok(ExposurePayload::parse_service_data(&data)?.into())
}

/// Parses a raw legacy advertisement (Android's `ScanRecord.getBytes`): finds and parses the
/// service data for UUID 0xFD6F.
#[uniffi::export]
pub fn parse_advertisement(data: Vec<u8>) -> Result<HeardPayload, MimamoriError> {
    Ok(ExposurePayload::parse_advertisement(&data)?.into())
}

/// What to advertise now and until when.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct BroadcastInfo {
    /// The 20 bytes of service data for UUID 0xFD6F: RPI then AEM (what Android's
    /// `AdvertiseData.Builder.addServiceData` takes).
    pub service_data: Vec<u8>,
    /// The whole 31-byte legacy advertisement (flags, UUID list and service data), for platforms
    /// that take raw advertising data.
    pub advertisement: Vec<u8>,
    /// The RPI in lowercase hexadecimal, for diagnostics.
    pub rpi_hex: String,
    /// The interval (Unix time in 10-minute steps) the RPI was derived for.
    pub interval: u32,
    /// When this broadcast started, in Unix seconds.
    pub started_at_unix: u64,
    /// When the platform must change its Bluetooth address and this payload, in Unix seconds.
    pub rotate_at_unix: u64,
}

impl From<Broadcast> for BroadcastInfo {
    fn from(broadcast: Broadcast) -> Self {
        Self {
            service_data: broadcast.payload.service_data().to_vec(),
            advertisement: broadcast.payload.advertisement().to_vec(),
            rpi_hex: broadcast.payload.rpi.to_string(),
            interval: broadcast.interval.value(),
            started_at_unix: broadcast.started_at,
            rotate_at_unix: broadcast.rotate_at,
        }
    }
}

/// An Exposure Notification payload heard from another phone.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct HeardPayload {
    /// The 16-byte RPI.
    pub rpi: Vec<u8>,
    /// The 4-byte AEM.
    pub aem: Vec<u8>,
}

impl From<ExposurePayload> for HeardPayload {
    fn from(payload: ExposurePayload) -> Self {
        Self {
            rpi: payload.rpi.as_bytes().to_vec(),
            aem: payload.aem.as_bytes().to_vec(),
        }
    }
}

/// One scan's results as the platform's scan callback reports them.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ScanResult {
    /// The platform's identifier for the scan; batches with the same id belong to one scan.
    pub scan_id: u64,
    /// When the scan started, in Unix seconds.
    pub started_at_unix: u64,
    /// What it heard (may be empty).
    pub sightings: Vec<HeardSighting>,
}

/// One Exposure Notification advertisement heard.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct HeardSighting {
    /// The 20 service-data bytes for UUID 0xFD6F (Android `ScanRecord.getServiceData`).
    pub service_data: Vec<u8>,
    /// The received signal strength in dBm, as measured (uncorrected).
    pub rssi_dbm: i16,
    /// When it was heard, in Unix seconds.
    pub seen_at_unix: u64,
}

/// What [`MimamoriPhone::record_scan`] kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RecordedScan {
    /// Sightings stored.
    pub stored: u32,
    /// Sightings left out because their service data or RSSI was invalid.
    pub rejected: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::testing::{device, phone};
    use crate::{DATABASE_FILE_NAME, calibration_for};

    #[test]
    fn broadcast_round_trips_through_the_exported_functions() {
        let dir = tempfile::tempdir().unwrap();
        let phone = phone(&dir.path().join("new"));
        let broadcast = phone.broadcast().unwrap();
        let heard = parse_advertisement(broadcast.advertisement.clone()).unwrap();
        assert_eq!([heard.rpi, heard.aem].concat(), broadcast.service_data);
        assert!(dir.path().join("new").join(DATABASE_FILE_NAME).is_file());
        assert_eq!(phone.calibration(), calibration_for(device()));
        assert_eq!(phone.calibration().tx_power_dbm, -33);
    }
}
