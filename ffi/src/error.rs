//! The one error the exported calls throw, mapped from the engine crates' errors here only.

/// Everything an exported call can throw. The message says what was wrong and what to do; it
/// never contains keys or identifiers.
///
/// A flat error: the platforms get the variant and its message (`reason`), as
/// `MimamoriException.InvalidInput` with `message` in Kotlin, `MimamoriError.InvalidInput(message:)`
/// in Swift and `MimamoriError.InvalidInput` with `str(error)` in Python.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum MimamoriError {
    /// An argument was malformed: bytes of the wrong length or shape, a calibration confidence
    /// above 3, a day not written `YYYY-MM-DD`, or a date range that ends before it starts.
    #[error("{reason}")]
    InvalidInput {
        /// What was wrong.
        reason: String,
    },
    /// A downloaded export file is malformed, too large, or its signature does not verify with
    /// the given keys. Nothing from it was stored; download it again or report it.
    #[error("{reason}")]
    InvalidExportFile {
        /// What is wrong with the file.
        reason: String,
    },
    /// The database file is damaged or is not a database. It is left as it is; the app may move
    /// it aside and start with new keys (keys in it can then no longer be uploaded).
    #[error("{reason}")]
    CorruptDatabase {
        /// Which file, and what to do.
        reason: String,
    },
    /// The database file belongs to another application; it is left untouched.
    #[error("{reason}")]
    ForeignDatabase {
        /// Which file, and what to do.
        reason: String,
    },
    /// The database was written by a newer Mimamori; it is left untouched until the app is updated.
    #[error("{reason}")]
    UnsupportedSchema {
        /// The versions found and supported.
        reason: String,
    },
    /// Reading or writing the data directory or the database failed (full disk, permissions).
    #[error("{reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// The diagnosis server could not be reached (no network, timeout, the app's HTTP client
    /// failed). Nothing was changed; try again later.
    #[error("{reason}")]
    Network {
        /// What failed.
        reason: String,
    },
    /// The diagnosis server refused a request (a wrong or used code, a server problem) or sent
    /// something unusable. The message says what to do.
    #[error("{reason}")]
    Server {
        /// What the server said (its error code only) and what to do.
        reason: String,
    },
    /// There is nothing to upload yet (no key whose validity has ended); the code was not used.
    #[error("{reason}")]
    NothingToUpload {
        /// Which days, and when to try again.
        reason: String,
    },
    /// A scanned code is not a venue code of this app, or was not issued by the health
    /// authority (forged or altered poster). Nothing was stored.
    #[error("{reason}")]
    InvalidVenueQr {
        /// What is wrong with it.
        reason: String,
    },
    /// Venue check-ins need the resident's consent first ([`crate::MimamoriPhone::venue_consent`]).
    #[error("{reason}")]
    VenueConsentRequired {
        /// What to ask the resident.
        reason: String,
    },
    /// A downloaded notice feed is malformed or its signature does not verify. Nothing from it
    /// was stored.
    #[error("{reason}")]
    InvalidNoticeFeed {
        /// What is wrong with it.
        reason: String,
    },
    /// An error of a kind this version of the adapter does not name yet.
    #[error("{reason}")]
    Other {
        /// What went wrong.
        reason: String,
    },
}

/// The one mapping from the engine's errors to the exported ones: the phone's errors, and the
/// protocol crates' errors they wrap (or that the FFI meets directly).
impl From<mimamori_phone::Error> for MimamoriError {
    fn from(error: mimamori_phone::Error) -> Self {
        use mimamori_phone::Error as Phone;
        let reason = error.to_string();
        match error {
            Phone::Gaen(error) => error.into(),
            Phone::Venue(error) => error.into(),
            Phone::Api(error) => error.into(),
            Phone::InvalidDateRange { .. }
            | Phone::InvalidServerUrl { .. }
            | Phone::InvalidVerificationCode
            | Phone::InvalidVisit { .. }
            | Phone::InvalidRadioConfig { .. } => Self::InvalidInput { reason },
            Phone::VenueConsentRequired => Self::VenueConsentRequired { reason },
            Phone::Transport { .. } => Self::Network { reason },
            Phone::ServerRefused { .. }
            | Phone::InvalidServerResponse { .. }
            | Phone::InvalidWireMessage { .. } => Self::Server { reason },
            Phone::NothingToUpload { .. } => Self::NothingToUpload { reason },
            Phone::CorruptDatabase { .. } => Self::CorruptDatabase { reason },
            Phone::ForeignDatabase { .. } => Self::ForeignDatabase { reason },
            Phone::UnsupportedSchema { .. } => Self::UnsupportedSchema { reason },
            Phone::DuplicateKey { .. } | Phone::Storage(_) | Phone::Io { .. } => {
                Self::Storage { reason }
            }
            _ => Self::Other { reason },
        }
    }
}

impl From<mimamori_gaen::Error> for MimamoriError {
    fn from(error: mimamori_gaen::Error) -> Self {
        use mimamori_gaen::Error as Gaen;
        let reason = error.to_string();
        match error {
            Gaen::InvalidLength { .. }
            | Gaen::InvalidHex { .. }
            | Gaen::InvalidCalibrationConfidence(_)
            | Gaen::InvalidAdvertisement(_)
            | Gaen::InvalidSighting(_)
            | Gaen::InvalidRiskInput(_)
            | Gaen::InvalidPublicKey { .. }
            | Gaen::InvalidRollingPeriod(_) => Self::InvalidInput { reason },
            Gaen::MalformedExport { .. }
            | Gaen::InvalidExportKey { .. }
            | Gaen::ExportTooLarge { .. }
            | Gaen::InvalidExportArchive { .. }
            | Gaen::MissingExportEntry { .. }
            | Gaen::InvalidSignatureList { .. }
            | Gaen::ExportNotVerified { .. } => Self::InvalidExportFile { reason },
            Gaen::Io { .. } => Self::Storage { reason },
            _ => Self::Other { reason },
        }
    }
}

impl From<mimamori_venue::Error> for MimamoriError {
    fn from(error: mimamori_venue::Error) -> Self {
        use mimamori_venue::Error as Venue;
        let reason = error.to_string();
        match error {
            Venue::InvalidVenueQr { .. } | Venue::VenueQrNotVerified => {
                Self::InvalidVenueQr { reason }
            }
            Venue::InvalidNoticeFeed { .. }
            | Venue::NoticeFeedNotVerified { .. }
            | Venue::NoticeNotAuthentic => Self::InvalidNoticeFeed { reason },
            Venue::InvalidLength { .. }
            | Venue::InvalidPublicKey { .. }
            | Venue::InvalidVisit { .. }
            | Venue::InvalidNotice { .. } => Self::InvalidInput { reason },
            _ => Self::Other { reason },
        }
    }
}

impl From<mimamori_api::Error> for MimamoriError {
    fn from(error: mimamori_api::Error) -> Self {
        match error {
            mimamori_api::Error::Gaen(error) => error.into(),
            error => Self::Server {
                reason: error.to_string(),
            },
        }
    }
}

impl From<mimamori_listing::Error> for MimamoriError {
    fn from(error: mimamori_listing::Error) -> Self {
        Self::InvalidInput {
            reason: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::testing::phone;
    use crate::{DeviceCalibration, DiagnosisKeyRecord, parse_service_data};

    #[test]
    fn errors_are_mapped_to_their_kind() {
        let dir = tempfile::tempdir().unwrap();
        let phone = phone(dir.path());
        let bad = DeviceCalibration {
            rssi_correction_db: 0,
            tx_power_dbm: 0,
            calibration_confidence: 4,
        };
        assert!(matches!(
            phone.set_calibration(bad),
            Err(MimamoriError::InvalidInput { .. })
        ));
        let error = phone
            .keys_for_upload("2020-4-2".into(), "2020-04-02".into())
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("first_day must be a day written YYYY-MM-DD"),
            "{error}"
        );
        assert!(matches!(
            phone.keys_for_upload("2020-04-03".into(), "2020-04-02".into()),
            Err(MimamoriError::InvalidInput { .. })
        ));
        assert!(matches!(
            parse_service_data(vec![0; 19]),
            Err(MimamoriError::InvalidInput { .. })
        ));
        let key = DiagnosisKeyRecord {
            key_data: vec![0; 15],
            rolling_start_interval: 0,
            rolling_period: 144,
            report_type: 1,
            days_since_onset: None,
        };
        assert!(matches!(
            phone.match_diagnosis_keys(vec![key]),
            Err(MimamoriError::InvalidInput { .. })
        ));
    }
}
