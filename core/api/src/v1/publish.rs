//! The publish request and response (exposure-notifications-server v1 `publish` JSON) and the
//! HMAC that binds a verification certificate to the uploaded keys.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use mimamori_environment::RandomSource;
use mimamori_gaen::ids::{IntervalNumber, KEY_LENGTH, TemporaryExposureKey, check_rolling_period};

use crate::{Error, Result};

use super::random_padding;

/// Most keys one publish request may carry (exposure-notifications-server's default).
pub const MAX_KEYS_PER_PUBLISH: usize = 30;

/// Most keys one publish request may carry with the same rolling start interval
/// (exposure-notifications-server: a day's key plus up to two same-day keys after a reset).
pub const MAX_KEYS_PER_START_INTERVAL: usize = 3;

/// Keys whose validity ended more than this many days ago are refused (exposure-notifications-
/// server's `MaxIntervalAge`, 15 days: 14 days of keys plus the day in progress).
pub const MAX_KEY_AGE_DAYS: u32 = 15;

/// Highest transmission risk level (the deprecated GAEN v1 field), inclusive.
pub const MAX_TRANSMISSION_RISK: i32 = 8;

/// One temporary exposure key as the publish API carries it.
///
/// This is the wire shape; the server checks it ([`ExposureKey::temporary_exposure_key`] decodes
/// the key, the rolling period is checked when it is built with [`ExposureKey::new`]).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposureKey {
    /// The 16-byte key, base64 (standard alphabet, padded).
    pub key: String,
    /// The first interval (ENIN) the key was valid for.
    pub rolling_start_number: u32,
    /// How many intervals the key was valid for, 1 to 144.
    pub rolling_period: u32,
    /// Transmission risk level 0 to 8 (deprecated by GAEN v1.5; 0 when unused).
    #[serde(default)]
    pub transmission_risk: i32,
}

impl ExposureKey {
    /// The wire form of a key; fails when the rolling period is outside 1..=144.
    pub fn new(
        key: &TemporaryExposureKey,
        rolling_start: IntervalNumber,
        rolling_period: u32,
        transmission_risk: i32,
    ) -> Result<Self> {
        let rolling_period = check_rolling_period(rolling_period)?;
        Ok(Self {
            key: base64::engine::general_purpose::STANDARD.encode(key.as_bytes()),
            rolling_start_number: rolling_start.value(),
            rolling_period,
            transmission_risk,
        })
    }

    /// The wire form of one of the phone's daily keys.
    pub fn from_daily_key(
        key: &mimamori_gaen::ids::DailyKey,
        transmission_risk: i32,
    ) -> Result<Self> {
        Self::new(
            &key.key,
            key.rolling_start,
            key.rolling_period,
            transmission_risk,
        )
    }

    /// Decodes the key: base64 of exactly 16 bytes.
    pub fn temporary_exposure_key(&self) -> Result<TemporaryExposureKey> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.key.as_bytes())
            .map_err(|_| Error::InvalidWireMessage {
                what: "exposure key",
                problem: "the key is not valid base64".into(),
            })?;
        TemporaryExposureKey::from_slice(&bytes).map_err(Error::from)
    }

    /// The line this key contributes to [`key_hmac`]:
    /// `key.rollingStartNumber.rollingPeriod.transmissionRisk`.
    fn hmac_line(&self) -> String {
        format!(
            "{}.{}.{}.{}",
            self.key, self.rolling_start_number, self.rolling_period, self.transmission_risk
        )
    }
}

impl std::fmt::Debug for ExposureKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is secret material until published: never print it.
        f.debug_struct("ExposureKey")
            .field("key", &"<redacted>")
            .field("rolling_start_number", &self.rolling_start_number)
            .field("rolling_period", &self.rolling_period)
            .field("transmission_risk", &self.transmission_risk)
            .finish()
    }
}

/// The HMAC-SHA256 that binds a verification certificate to the keys of one upload.
///
/// As Google's verification protocol defines it: sort the keys by their base64 string, render
/// each as `key.rollingStartNumber.rollingPeriod.transmissionRisk`, join them with `,`, and
/// compute HMAC-SHA256 over that text with the upload's random HMAC key.
pub fn key_hmac(hmac_key: &[u8], keys: &[ExposureKey]) -> [u8; 32] {
    let mut sorted: Vec<&ExposureKey> = keys.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let text = sorted
        .iter()
        .map(|key| key.hmac_line())
        .collect::<Vec<_>>()
        .join(",");
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(hmac_key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    };
    mac.update(text.as_bytes());
    mac.finalize().into_bytes().into()
}

/// A publish request: the keys of one verified positive resident.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishRequest {
    /// The keys to publish, at most [`MAX_KEYS_PER_PUBLISH`].
    #[serde(default)]
    pub temporary_exposure_keys: Vec<ExposureKey>,
    /// The health authority that verified the diagnosis (the certificate's audience).
    #[serde(rename = "healthAuthorityID", default)]
    pub health_authority_id: String,
    /// The verification certificate (a signed JWT from [`super::CERTIFICATE_PATH`]).
    #[serde(default)]
    pub verification_payload: String,
    /// The random HMAC key of this upload, base64; see [`key_hmac`].
    #[serde(default)]
    pub hmac_key: String,
    /// The interval of symptom onset, when the resident gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symptom_onset_interval: Option<u32>,
    /// Whether the resident travelled (kept for compatibility; Mimamori ignores it).
    #[serde(default)]
    pub traveler: bool,
    /// A token from an earlier upload of this phone, for revisions (Mimamori does not issue
    /// revisions; empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision_token: String,
    /// Random padding, ignored by the server.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub padding: String,
}

impl PublishRequest {
    /// The request a phone sends to upload `keys` after it obtained `certificate` for
    /// [`key_hmac`]`(hmac_key, &keys)`, padded with random bytes.
    pub fn for_upload(
        keys: Vec<ExposureKey>,
        health_authority_id: &str,
        certificate: &str,
        hmac_key: &[u8],
        symptom_onset_interval: Option<u32>,
        random: &mut dyn RandomSource,
    ) -> Self {
        Self {
            temporary_exposure_keys: keys,
            health_authority_id: health_authority_id.to_owned(),
            verification_payload: certificate.to_owned(),
            hmac_key: base64::engine::general_purpose::STANDARD.encode(hmac_key),
            symptom_onset_interval,
            traveler: false,
            revision_token: String::new(),
            padding: random_padding(random),
        }
    }

    /// A decoy request of the same shape and a similar size as a real one, to be sent with the
    /// [`super::CHAFF_HEADER`] header so that network observers cannot tell who uploads.
    pub fn chaff(random: &mut dyn RandomSource) -> Self {
        let keys = (0..14u32)
            .map(|day| {
                let mut bytes = [0u8; KEY_LENGTH];
                random.fill_bytes(&mut bytes);
                ExposureKey {
                    key: base64::engine::general_purpose::STANDARD.encode(bytes),
                    rolling_start_number: day * 144,
                    rolling_period: 144,
                    transmission_risk: 0,
                }
            })
            .collect();
        let mut hmac_key = [0u8; super::HMAC_KEY_BYTES];
        random.fill_bytes(&mut hmac_key);
        let mut certificate = vec![0u8; 600];
        random.fill_bytes(&mut certificate);
        let certificate = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(certificate);
        Self::for_upload(keys, "chaff", &certificate, &hmac_key, None, random)
    }

    /// Decodes [`PublishRequest::hmac_key`].
    pub fn decoded_hmac_key(&self) -> Result<Vec<u8>> {
        base64::engine::general_purpose::STANDARD
            .decode(self.hmac_key.as_bytes())
            .map_err(|_| Error::InvalidWireMessage {
                what: "publish request",
                problem: "hmacKey is not valid base64".into(),
            })
    }
}

/// The answer to a publish request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishResponse {
    /// A token for later revisions (empty: Mimamori does not issue revisions).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision_token: String,
    /// How many keys were stored (duplicates of keys already stored are not counted).
    #[serde(default)]
    pub inserted_exposures: u32,
    /// What was wrong, when the request was refused; empty on success.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
    /// A machine-readable error code (exposure-notifications-server's codes, e.g.
    /// `"unknown_health_authority_id"`, `"health_authority_verification_failed"`,
    /// `"bad_request"`, `"too_many_keys"`); empty on success.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// Random padding, to be ignored.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub padding: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire_key(hex: &str, start: u32) -> ExposureKey {
        ExposureKey::new(
            &TemporaryExposureKey::from_hex(hex).unwrap(),
            IntervalNumber::new(start),
            144,
            0,
        )
        .unwrap()
    }

    #[test]
    fn key_hmac_known_answer() {
        // Expected value computed independently with Python:
        // hmac.new(bytes(range(32)), b"AAECAwQFBgcICQoLDA0ODw==.2649888.144.0,"
        //          b"dcc0xt0aeC3nqWXaXrkxJQ==.2649744.144.2", hashlib.sha256).hexdigest()
        let first = wire_key("75c734c6dd1a782de7a965da5eb93125", 2_649_744);
        let first = ExposureKey {
            transmission_risk: 2,
            ..first
        };
        let second = wire_key("000102030405060708090a0b0c0d0e0f", 2_649_888);
        let hmac_key: Vec<u8> = (0u8..32).collect();
        let expected = "024126476217ab792d43721f69d310f77bbddb6be84559b1708a9d8b06c8ffd6";
        // Order of the input does not matter: keys are sorted by their base64 text.
        assert_eq!(
            hex::encode(key_hmac(&hmac_key, &[first.clone(), second.clone()])),
            expected
        );
        assert_eq!(hex::encode(key_hmac(&hmac_key, &[second, first])), expected);
    }

    #[test]
    fn key_hmac_changes_with_any_field() {
        let key = wire_key("75c734c6dd1a782de7a965da5eb93125", 2_649_744);
        let base = key_hmac(b"k", std::slice::from_ref(&key));
        let other_period = ExposureKey {
            rolling_period: 100,
            ..key.clone()
        };
        assert_ne!(base, key_hmac(b"k", &[other_period]));
        assert_ne!(base, key_hmac(b"other", std::slice::from_ref(&key)));
    }

    #[test]
    fn json_field_names_are_those_of_exposure_notifications_server() {
        let request = PublishRequest {
            temporary_exposure_keys: vec![wire_key("75c734c6dd1a782de7a965da5eb93125", 2_649_744)],
            health_authority_id: "JP.mimamori".into(),
            verification_payload: "cert".into(),
            hmac_key: "aG1hYw==".into(),
            symptom_onset_interval: Some(2_649_600),
            traveler: true,
            revision_token: "rev".into(),
            padding: "pad".into(),
        };
        let value: serde_json::Value = serde_json::to_value(&request).unwrap();
        let object = value.as_object().unwrap();
        let mut names: Vec<&str> = object.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "healthAuthorityID",
                "hmacKey",
                "padding",
                "revisionToken",
                "symptomOnsetInterval",
                "temporaryExposureKeys",
                "traveler",
                "verificationPayload"
            ]
        );
        let key = &value["temporaryExposureKeys"][0];
        assert_eq!(key["key"], "dcc0xt0aeC3nqWXaXrkxJQ==");
        assert_eq!(key["rollingStartNumber"], 2_649_744);
        assert_eq!(key["rollingPeriod"], 144);
        assert_eq!(key["transmissionRisk"], 0);
        let back: PublishRequest = serde_json::from_value(value).unwrap();
        assert_eq!(back, request);

        let response: PublishResponse = serde_json::from_str(
            r#"{"revisionToken":"r","insertedExposures":3,"error":"e","code":"c","padding":"p"}"#,
        )
        .unwrap();
        assert_eq!(response.inserted_exposures, 3);
        assert_eq!(response.code, "c");
    }

    #[test]
    fn keys_decode_only_from_16_bytes_of_base64() {
        let good = wire_key("75c734c6dd1a782de7a965da5eb93125", 1);
        assert_eq!(
            good.temporary_exposure_key().unwrap(),
            TemporaryExposureKey::from_hex("75c734c6dd1a782de7a965da5eb93125").unwrap()
        );
        let short = ExposureKey {
            key: "AAEC".into(),
            ..good.clone()
        };
        assert!(matches!(
            short.temporary_exposure_key(),
            Err(Error::Gaen(mimamori_gaen::Error::InvalidLength {
                actual: 3,
                ..
            }))
        ));
        let garbage = ExposureKey {
            key: "not base64!".into(),
            ..good.clone()
        };
        let error = garbage.temporary_exposure_key().unwrap_err().to_string();
        assert!(error.contains("base64"), "{error}");
        assert!(
            ExposureKey::new(
                &TemporaryExposureKey::from_bytes([0; 16]),
                IntervalNumber::new(0),
                145,
                0
            )
            .is_err()
        );
        assert!(!format!("{good:?}").contains(&good.key));
    }

    #[test]
    fn upload_and_chaff_requests_are_padded_and_alike() {
        let mut random = mimamori_environment::SeededRandom::new(1);
        let keys = vec![wire_key("75c734c6dd1a782de7a965da5eb93125", 1)];
        let request = PublishRequest::for_upload(keys, "JP", "cert", &[1; 32], None, &mut random);
        assert!(!request.padding.is_empty());
        assert_eq!(request.decoded_hmac_key().unwrap(), vec![1; 32]);
        let chaff = PublishRequest::chaff(&mut random);
        assert_eq!(chaff.temporary_exposure_keys.len(), 14);
        assert!(!chaff.padding.is_empty());
    }
}
