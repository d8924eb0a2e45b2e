//! The Exposure Notification Bluetooth Low Energy payload.
//!
//! *Exposure Notification Bluetooth Specification* v1.2: a phone advertises a legacy (31-byte)
//! advertisement made of three AD structures:
//!
//! ```text
//! 02 01 1A                      Flags (LE General Discoverable set)
//! 03 03 6F FD                   Complete List of 16-bit Service UUIDs: 0xFD6F
//! 17 16 6F FD <RPI 16> <AEM 4>  Service Data - 16-bit UUID 0xFD6F
//! ```
//!
//! Receivers get either that raw advertisement or, more often, what the platform scanner
//! extracted from it: the service data for 0xFD6F (Android's `ScanRecord.getServiceData`,
//! iOS's `CBAdvertisementDataServiceDataKey`, btleplug's `service_data` map keyed by the 128-bit
//! UUID). [`ExposurePayload`] parses all three, strictly on lengths and tolerant of flag values.

use std::fmt;

use uuid::Uuid;

use crate::Error;
use crate::ids::{
    AssociatedEncryptedMetadata, IntervalNumber, KEY_LENGTH, METADATA_LENGTH, Metadata,
    RollingProximityIdentifier, TemporaryExposureKey,
};

/// The 16-bit service UUID assigned to Exposure Notification.
pub const SERVICE_UUID_16: u16 = 0xFD6F;

/// The Exposure Notification service UUID in 128-bit form (Bluetooth Base UUID), as btleplug and
/// CoreBluetooth report it.
pub const SERVICE_UUID: Uuid = Uuid::from_u128(0x0000_FD6F_0000_1000_8000_0080_5F9B_34FB);

/// The Flags value the specification shows (`0x1A`: LE General Discoverable, simultaneous LE and
/// BR/EDR). Receivers must accept any value: Android sends `0x06` or `0x02`, for example.
pub const DEFAULT_FLAGS: u8 = 0x1A;

/// Length of the service data after the UUID: RPI (16) and AEM (4).
pub const SERVICE_DATA_LENGTH: usize = KEY_LENGTH + METADATA_LENGTH;

/// Length of a legacy advertisement built by [`ExposurePayload::advertisement`].
pub const ADVERTISEMENT_LENGTH: usize = 31;

/// AD type: Flags.
const AD_FLAGS: u8 = 0x01;
/// AD type: Incomplete List of 16-bit Service UUIDs.
const AD_INCOMPLETE_UUID16_LIST: u8 = 0x02;
/// AD type: Complete List of 16-bit Service UUIDs.
const AD_COMPLETE_UUID16_LIST: u8 = 0x03;
/// AD type: Service Data - 16-bit UUID.
const AD_SERVICE_DATA_UUID16: u8 = 0x16;

/// What an Exposure Notification phone broadcasts: an RPI and its AEM.
///
/// ```
/// use mimamori_gaen::{AssociatedEncryptedMetadata, ExposurePayload, RollingProximityIdentifier};
/// let payload = ExposurePayload::new(
///     RollingProximityIdentifier::from_bytes([1; 16]),
///     AssociatedEncryptedMetadata::from_bytes([2; 4]),
/// );
/// let advertisement = payload.advertisement();
/// assert_eq!(advertisement.len(), 31);
/// assert_eq!(ExposurePayload::parse_advertisement(&advertisement).unwrap(), payload);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExposurePayload {
    /// The rolling proximity identifier.
    pub rpi: RollingProximityIdentifier,
    /// The associated encrypted metadata.
    pub aem: AssociatedEncryptedMetadata,
}

impl ExposurePayload {
    /// A payload from its parts.
    pub const fn new(rpi: RollingProximityIdentifier, aem: AssociatedEncryptedMetadata) -> Self {
        Self { rpi, aem }
    }

    /// What the owner of `tek` broadcasts in `interval`: the RPI and the AEM of `metadata`.
    pub fn derive(
        tek: &TemporaryExposureKey,
        interval: IntervalNumber,
        metadata: &Metadata,
    ) -> Self {
        let rpi = tek
            .rolling_proximity_identifier_key()
            .rolling_proximity_identifier(interval);
        let aem = tek
            .associated_encrypted_metadata_key()
            .encrypt(&rpi, metadata);
        Self::new(rpi, aem)
    }

    /// The 20 service-data bytes: `RPI ‖ AEM`.
    pub fn service_data(&self) -> [u8; SERVICE_DATA_LENGTH] {
        let mut data = [0u8; SERVICE_DATA_LENGTH];
        data[..KEY_LENGTH].copy_from_slice(self.rpi.as_bytes());
        data[KEY_LENGTH..].copy_from_slice(self.aem.as_bytes());
        data
    }

    /// The full 31-byte legacy advertisement with the specification's flags value.
    pub fn advertisement(&self) -> [u8; ADVERTISEMENT_LENGTH] {
        self.advertisement_with_flags(DEFAULT_FLAGS)
    }

    /// The full 31-byte legacy advertisement with the given flags value.
    pub fn advertisement_with_flags(&self, flags: u8) -> [u8; ADVERTISEMENT_LENGTH] {
        let [uuid_low, uuid_high] = SERVICE_UUID_16.to_le_bytes();
        let mut bytes = [0u8; ADVERTISEMENT_LENGTH];
        bytes[..11].copy_from_slice(&[
            0x02,
            AD_FLAGS,
            flags,
            0x03,
            AD_COMPLETE_UUID16_LIST,
            uuid_low,
            uuid_high,
            // The length byte counts the type, the UUID and the service data.
            (1 + 2 + SERVICE_DATA_LENGTH) as u8,
            AD_SERVICE_DATA_UUID16,
            uuid_low,
            uuid_high,
        ]);
        bytes[11..].copy_from_slice(&self.service_data());
        bytes
    }

    /// Parses the service data for 0xFD6F (without the UUID): exactly 20 bytes.
    pub fn parse_service_data(data: &[u8]) -> Result<Self, Error> {
        if data.len() != SERVICE_DATA_LENGTH {
            return Err(Error::InvalidAdvertisement(format!(
                "service data for 0xFD6F must be {SERVICE_DATA_LENGTH} bytes (RPI and AEM), got {}",
                data.len()
            )));
        }
        let mut rpi = [0u8; KEY_LENGTH];
        let mut aem = [0u8; METADATA_LENGTH];
        rpi.copy_from_slice(&data[..KEY_LENGTH]);
        aem.copy_from_slice(&data[KEY_LENGTH..]);
        Ok(Self::new(
            RollingProximityIdentifier::from_bytes(rpi),
            AssociatedEncryptedMetadata::from_bytes(aem),
        ))
    }

    /// Finds and parses the 0xFD6F entry of a service-data map keyed by 128-bit UUID, the shape
    /// btleplug's `PeripheralProperties::service_data` and CoreBluetooth report.
    pub fn from_service_data_map<'a, I, V>(entries: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (&'a Uuid, V)>,
        V: AsRef<[u8]>,
    {
        let mut found = None;
        for (uuid, data) in entries {
            if *uuid == SERVICE_UUID {
                found = Some(Self::parse_service_data(data.as_ref())?);
            }
        }
        found.ok_or_else(|| {
            Error::InvalidAdvertisement("no service data for UUID 0xFD6F".to_owned())
        })
    }

    /// Parses a raw legacy advertisement (or scan response) made of AD structures.
    ///
    /// The Service Data AD for 0xFD6F must be present with exactly 20 bytes of data; the Flags
    /// value is not checked; a 16-bit UUID list, if present, must list 0xFD6F. Trailing zero
    /// bytes (padding after a zero-length AD structure) are allowed; an AD structure running past
    /// the end is not.
    pub fn parse_advertisement(advertisement: &[u8]) -> Result<Self, Error> {
        let mut payload = None;
        let mut rest = advertisement;
        while let Some((&length, after_length)) = rest.split_first() {
            if length == 0 {
                // Core Specification Vol 3 Part C §11: a zero length ends the significant part.
                break;
            }
            let length = usize::from(length);
            if after_length.len() < length {
                return Err(Error::InvalidAdvertisement(format!(
                    "an AD structure claims {length} bytes but only {} remain",
                    after_length.len()
                )));
            }
            let (structure, next) = after_length.split_at(length);
            rest = next;
            let (&ad_type, data) = structure
                .split_first()
                .ok_or_else(|| Error::InvalidAdvertisement("empty AD structure".to_owned()))?;
            match ad_type {
                AD_SERVICE_DATA_UUID16 if data.len() >= 2 && uuid16(data) == SERVICE_UUID_16 => {
                    if payload.is_some() {
                        return Err(Error::InvalidAdvertisement(
                            "service data for 0xFD6F appears twice".to_owned(),
                        ));
                    }
                    payload = Some(Self::parse_service_data(&data[2..])?);
                }
                AD_COMPLETE_UUID16_LIST | AD_INCOMPLETE_UUID16_LIST => {
                    if !data.len().is_multiple_of(2) {
                        return Err(Error::InvalidAdvertisement(
                            "a 16-bit UUID list has an odd length".to_owned(),
                        ));
                    }
                    if !data
                        .chunks_exact(2)
                        .any(|uuid| uuid16(uuid) == SERVICE_UUID_16)
                    {
                        return Err(Error::InvalidAdvertisement(
                            "the 16-bit UUID list does not include 0xFD6F".to_owned(),
                        ));
                    }
                }
                _ => {}
            }
        }
        payload.ok_or_else(|| {
            Error::InvalidAdvertisement("no service data for UUID 0xFD6F".to_owned())
        })
    }
}

impl fmt::Display for ExposurePayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.rpi, self.aem)
    }
}

fn uuid16(bytes: &[u8]) -> u16 {
    u16::from_le_bytes([bytes[0], bytes[1]])
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn payload() -> ExposurePayload {
        ExposurePayload::new(
            RollingProximityIdentifier::from_bytes(*b"0123456789abcdef"),
            AssociatedEncryptedMetadata::from_bytes(*b"WXYZ"),
        )
    }

    #[test]
    fn advertisement_has_the_specified_layout() {
        let advertisement = payload().advertisement();
        assert_eq!(
            &advertisement[..11],
            &[
                0x02, 0x01, 0x1A, 0x03, 0x03, 0x6F, 0xFD, 0x17, 0x16, 0x6F, 0xFD
            ]
        );
        assert_eq!(&advertisement[11..27], b"0123456789abcdef");
        assert_eq!(&advertisement[27..], b"WXYZ");
    }

    #[test]
    fn parses_any_flags_value_and_padding() {
        for flags in [0x1A, 0x06, 0x02, 0x00] {
            let advertisement = payload().advertisement_with_flags(flags);
            assert_eq!(
                ExposurePayload::parse_advertisement(&advertisement).unwrap(),
                payload()
            );
        }
        let mut padded = payload().advertisement().to_vec();
        padded.extend([0; 6]);
        assert_eq!(
            ExposurePayload::parse_advertisement(&padded).unwrap(),
            payload()
        );
        // Without flags or UUID list (some scanners strip them) the service data suffices.
        let bare = &payload().advertisement()[7..];
        assert_eq!(
            ExposurePayload::parse_advertisement(bare).unwrap(),
            payload()
        );
    }

    #[test]
    fn rejects_wrong_lengths_and_foreign_advertisements() {
        let advertisement = payload().advertisement();
        // Truncated: the service data AD runs past the end.
        let error = ExposurePayload::parse_advertisement(&advertisement[..30]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("claims 23 bytes but only 22 remain"),
            "{error}"
        );
        // Service data one byte short, with a consistent AD length.
        let mut short = advertisement[..30].to_vec();
        short[7] = 0x16;
        let error = ExposurePayload::parse_advertisement(&short).unwrap_err();
        assert!(error.to_string().contains("must be 20 bytes"), "{error}");
        // One byte long.
        let mut long = advertisement.to_vec();
        long[7] = 0x18;
        long.push(0xEE);
        assert!(ExposurePayload::parse_advertisement(&long).is_err());
        // Another service.
        let mut other = advertisement;
        other[9] = 0x0F;
        other[5] = 0x0F;
        let error = ExposurePayload::parse_advertisement(&other).unwrap_err();
        assert!(
            error.to_string().contains("does not include 0xFD6F"),
            "{error}"
        );
        assert!(ExposurePayload::parse_advertisement(&[]).is_err());
        assert!(ExposurePayload::parse_advertisement(&[0x01, 0x16]).is_err());
    }

    #[test]
    fn service_data_is_strict() {
        let data = payload().service_data();
        assert_eq!(
            ExposurePayload::parse_service_data(&data).unwrap(),
            payload()
        );
        assert!(ExposurePayload::parse_service_data(&data[..19]).is_err());
        assert!(ExposurePayload::parse_service_data(&[0; 21]).is_err());
    }

    #[test]
    fn reads_the_btleplug_service_data_map() {
        let mut map: HashMap<Uuid, Vec<u8>> = HashMap::new();
        map.insert(
            Uuid::from_u128(0x0000_180F_0000_1000_8000_0080_5F9B_34FB),
            vec![99],
        );
        assert!(ExposurePayload::from_service_data_map(&map).is_err());
        map.insert(SERVICE_UUID, payload().service_data().to_vec());
        assert_eq!(
            ExposurePayload::from_service_data_map(&map).unwrap(),
            payload()
        );
        map.insert(SERVICE_UUID, vec![1, 2, 3]);
        assert!(ExposurePayload::from_service_data_map(&map).is_err());
        assert_eq!(
            SERVICE_UUID.to_string(),
            "0000fd6f-0000-1000-8000-00805f9b34fb"
        );
    }
}
