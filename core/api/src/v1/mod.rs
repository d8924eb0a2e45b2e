//! Version 1 of the phone ↔ diagnosis-server API.
//!
//! ## Routes
//!
//! | method | path | body | answer |
//! |--------|------|------|--------|
//! | POST | [`VERIFY_PATH`] | [`VerifyCodeRequest`] | [`VerifyCodeResponse`] |
//! | POST | [`CERTIFICATE_PATH`] | [`CertificateRequest`] | [`CertificateResponse`] |
//! | POST | [`PUBLISH_PATH`] | [`PublishRequest`] | [`PublishResponse`] |
//! | GET | `/exports/<region>/index.txt` ([`export_index_path`]) | | [`ExportIndex`] |
//! | GET | `/exports/<region>/list.json` ([`export_list_path`]) | | [`ExportListEntry`]s |
//! | GET | `/exports/<region>/<file>.zip` | | a signed GAEN export file |
//! | GET | [`EXPORT_KEYS_PATH`] | | [`ExportVerificationKeys`] |
//!
//! The venue API (registration, posters, notice requests and decisions) is [`venues`].
//!
//! A request with the header [`CHAFF_HEADER`] (`X-Chaff: 1`) is a decoy: the server answers it
//! with a response of the same shape and similar size and stores nothing.
//!
//! ## Upload flow
//!
//! 1. Health-authority staff issue an 8-digit code ([`VERIFICATION_CODE_DIGITS`]) to a resident.
//! 2. The phone trades the code for a token ([`VerifyCodeRequest`]).
//! 3. The phone computes [`key_hmac`] over the keys it will upload with a fresh random HMAC key,
//!    and trades the token and that HMAC for a certificate ([`CertificateRequest`]).
//! 4. The phone publishes the keys with the certificate and the HMAC key
//!    ([`PublishRequest::for_upload`]); the server recomputes the HMAC and checks that it matches
//!    the one inside the certificate.
//!
//! ## Example
//!
//! ```
//! use mimamori_api::v1::{key_hmac, ExposureKey, PublishRequest};
//! use mimamori_gaen::{IntervalNumber, TemporaryExposureKey};
//! use mimamori_environment::OsRandom;
//!
//! let tek = TemporaryExposureKey::from_hex("75c734c6dd1a782de7a965da5eb93125")?;
//! let keys = vec![ExposureKey::new(&tek, IntervalNumber::new(2_649_888), 144, 0)?];
//! let hmac_key = [7u8; 32];
//! let hmac = key_hmac(&hmac_key, &keys);
//! // ... trade a code and `hmac` for a certificate, then:
//! let request = PublishRequest::for_upload(
//!     keys,
//!     "JP.mimamori",
//!     "certificate-from-the-server",
//!     &hmac_key,
//!     None,
//!     &mut OsRandom,
//! );
//! let json = serde_json::to_string(&request).unwrap();
//! assert!(json.contains("\"temporaryExposureKeys\""));
//! assert_eq!(hmac.len(), 32);
//! # Ok::<(), mimamori_api::Error>(())
//! ```

mod exports;
mod publish;
pub mod venues;
mod verification;

pub use exports::{
    ExportIndex, ExportListEntry, ExportVerificationKey, ExportVerificationKeys,
    MAX_EXPORT_LIST_BYTES, MAX_INDEX_BYTES, MAX_OBJECT_PATH_CHARS, parse_export_list,
    render_export_list,
};
pub use publish::{
    ExposureKey, MAX_KEY_AGE_DAYS, MAX_KEYS_PER_PUBLISH, MAX_KEYS_PER_START_INTERVAL,
    MAX_TRANSMISSION_RISK, PublishRequest, PublishResponse, key_hmac,
};
pub use verification::{
    CertificateRequest, CertificateResponse, TestType, VERIFICATION_CODE_DIGITS, VerifyCodeRequest,
    VerifyCodeResponse,
};

use base64::Engine as _;

use mimamori_environment::RandomSource;

/// Path of the publish endpoint (exposure-notifications-server v1).
pub const PUBLISH_PATH: &str = "/v1/publish";

/// Path of the endpoint that trades a verification code for a token (Google's verification
/// server).
pub const VERIFY_PATH: &str = "/api/verify";

/// Path of the endpoint that trades a token and a key HMAC for a certificate (Google's
/// verification server).
pub const CERTIFICATE_PATH: &str = "/api/certificate";

/// Path under which export files are served, one folder per region: `/exports/<region>/...`.
pub const EXPORTS_PATH: &str = "/exports";

/// Path of the export verification public keys, every version ([`ExportVerificationKeys`]).
pub const EXPORT_KEYS_PATH: &str = "/v1/export-keys";

/// File name of the plain-text index of a region's export files, oldest first.
pub const EXPORT_INDEX_FILE: &str = "index.txt";

/// File name of COCOA's JSON listing of a region's export files.
pub const EXPORT_LIST_FILE: &str = "list.json";

/// Header that marks a request as a decoy ("chaff"), as Google's servers use it: `X-Chaff: 1`.
pub const CHAFF_HEADER: &str = "X-Chaff";

/// Largest request body the publish endpoint accepts, in bytes (64 KiB, as Google's server).
pub const MAX_PUBLISH_BODY_BYTES: usize = 64 * 1024;

/// Fewest random bytes of padding a request or response carries (before base64).
pub const MIN_PADDING_BYTES: usize = 1024;

/// Most random bytes of padding a request or response carries (before base64).
pub const MAX_PADDING_BYTES: usize = 2048;

/// Length in bytes of the random HMAC key a phone makes for each upload.
pub const HMAC_KEY_BYTES: usize = 32;

/// Path of a region's `index.txt`: `/exports/<region>/index.txt`.
pub fn export_index_path(region: &str) -> String {
    format!("{EXPORTS_PATH}/{region}/{EXPORT_INDEX_FILE}")
}

/// Path of a region's `list.json`: `/exports/<region>/list.json`.
pub fn export_list_path(region: &str) -> String {
    format!("{EXPORTS_PATH}/{region}/{EXPORT_LIST_FILE}")
}

/// Random padding for a request or response: base64 of [`MIN_PADDING_BYTES`] to
/// [`MAX_PADDING_BYTES`] random bytes, so that sizes on the wire say nothing about the content.
pub fn random_padding(random: &mut dyn RandomSource) -> String {
    let length = random.uniform_inclusive(MIN_PADDING_BYTES as u64, MAX_PADDING_BYTES as u64);
    let mut bytes = vec![0u8; usize::try_from(length).unwrap_or(MIN_PADDING_BYTES)];
    random.fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mimamori_environment::SeededRandom;

    #[test]
    fn paths_are_the_documented_ones() {
        assert_eq!(export_index_path("JP"), "/exports/JP/index.txt");
        assert_eq!(export_list_path("440"), "/exports/440/list.json");
    }

    #[test]
    fn padding_is_base64_of_a_bounded_random_length() {
        let mut random = SeededRandom::new(3);
        for _ in 0..20 {
            let padding = random_padding(&mut random);
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&padding)
                .unwrap();
            assert!((MIN_PADDING_BYTES..=MAX_PADDING_BYTES).contains(&bytes.len()));
        }
    }
}
