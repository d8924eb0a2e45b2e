//! The phone model's Bluetooth calibration, from Google's table or set by the app.

use mimamori_gaen::CalibrationConfidence;

use crate::{MimamoriError, MimamoriPhone};

#[uniffi::export]
impl MimamoriPhone {
    /// This phone's Bluetooth calibration.
    pub fn calibration(&self) -> DeviceCalibration {
        self.phone().calibration().into()
    }

    /// Overrides the calibration (for a model the table does not know, or a measured one). The
    /// TX power takes effect at the next rotation, the RSSI correction at the next matching.
    pub fn set_calibration(&self, calibration: DeviceCalibration) -> Result<(), MimamoriError> {
        self.phone().set_calibration(calibration.try_into()?);
        Ok(())
    }
}

/// The Bluetooth calibration Google's table gives a phone model (or the default for unknown
/// models).
#[uniffi::export]
pub fn calibration_for(device: DeviceModel) -> DeviceCalibration {
    device.calibration().into()
}

/// A phone model as Android reports it (`Build.MANUFACTURER`, `Build.DEVICE`, `Build.MODEL`);
/// iPhones pass "Apple" and their model identifier.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeviceModel {
    /// The manufacturer, e.g. "Google".
    pub manufacturer: String,
    /// The device (board) name, e.g. "blueline".
    pub device: String,
    /// The model name, e.g. "Pixel 3".
    pub model: String,
}

impl DeviceModel {
    /// The table's calibration for this model.
    pub(crate) fn calibration(&self) -> mimamori_gaen::DeviceCalibration {
        mimamori_gaen::DeviceCalibration::for_device(&self.manufacturer, &self.device, &self.model)
    }
}

/// A phone's Bluetooth calibration: the RSSI correction it applies to what it measures, and the
/// TX power and confidence it broadcasts (encrypted) in every AEM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeviceCalibration {
    /// Added to every RSSI this phone measures, in dB.
    pub rssi_correction_db: i8,
    /// The calibrated transmit power in dBm.
    pub tx_power_dbm: i8,
    /// How much the calibration can be trusted, 0 (lowest) to 3 (highest).
    pub calibration_confidence: u8,
}

impl From<mimamori_gaen::DeviceCalibration> for DeviceCalibration {
    fn from(calibration: mimamori_gaen::DeviceCalibration) -> Self {
        Self {
            rssi_correction_db: calibration.rssi_correction_db,
            tx_power_dbm: calibration.tx_power_dbm,
            calibration_confidence: calibration.confidence.value(),
        }
    }
}

impl TryFrom<DeviceCalibration> for mimamori_gaen::DeviceCalibration {
    type Error = MimamoriError;

    fn try_from(calibration: DeviceCalibration) -> Result<Self, MimamoriError> {
        Ok(Self {
            rssi_correction_db: calibration.rssi_correction_db,
            tx_power_dbm: calibration.tx_power_dbm,
            confidence: CalibrationConfidence::new(calibration.calibration_confidence)?,
        })
    }
}
