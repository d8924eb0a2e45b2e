//! Uploading the phone's keys after a verified positive test: the phone side of the
//! verification server and of the publish API ([`mimamori_api::v1`]).
//!
//! One [`upload`] call is one session:
//!
//! 1. The phone picks its keys first ([`KeySchedule::keys_for_upload`](crate::KeySchedule):
//!    the keys whose validity has ended) from [`UPLOAD_DAYS_BEFORE_ONSET`] days before the
//!    symptom onset (or test) date, or from the last [`UPLOAD_DAYS_WITHOUT_ONSET`] days when no
//!    date is known, and today's key, which it will release (below). A phone with nothing to
//!    upload stops here, before the one-time code is spent.
//! 2. It trades the code for a token (`POST /api/verify`). The answer says the test type and may
//!    carry the date the health authority entered, which then replaces the resident's own.
//! 3. Same-day release (docs/adr/0002): once the code is accepted, the phone ends today's key
//!    at the current interval and switches to a new key for the rest of the day
//!    ([`KeySchedule::release_current_key`](crate::KeySchedule::release_current_key)), so the
//!    released key, with its rolling period cut there, is uploaded today and never broadcast
//!    again. The server holds it back until its (cut) end.
//! 4. It makes a fresh random HMAC key, computes [`key_hmac`] over the keys with the transmission
//!    risk of the test type ([`transmission_risk`]) and trades the token and the HMAC for a
//!    certificate (`POST /api/certificate`).
//! 5. It publishes the keys with the certificate, the HMAC key, the symptom onset interval and
//!    random padding (`POST /v1/publish`).
//!
//! Nothing is stored on the phone: a failed session can be repeated with a new code. Codes,
//! tokens, certificates and the HMAC key never appear in errors or logs, and are zeroized when
//! dropped. [`send_chaff`] sends a decoy publish request that the server answers like a real
//! one, so that a network observer cannot tell who uploads.

use base64::Engine as _;
use serde::de::DeserializeOwned;
use time::Duration;
use zeroize::Zeroizing;

use crate::phone::Phone;
use crate::transport::{HttpResponse, ServerUrl, Transport, parse_json};
use crate::{Error, Result};
use mimamori_api::v1::{
    CERTIFICATE_PATH, CHAFF_HEADER, CertificateRequest, CertificateResponse, ExposureKey,
    HMAC_KEY_BYTES, PUBLISH_PATH, PublishRequest, PublishResponse, TestType, VERIFY_PATH,
    VerifyCodeRequest, VerifyCodeResponse, key_hmac, random_padding,
};
use mimamori_environment::RandomSource;
use mimamori_gaen::ids::DailyKey;
use mimamori_gaen::ids::IntervalNumber;

/// How many days before the symptom onset (or test) date keys are uploaded. COCOA's
/// infectiousness table counts a contact from 3 days before onset (days −3..+10 are HIGH, see
/// `risk`), so earlier keys could never raise anyone's risk.
pub const UPLOAD_DAYS_BEFORE_ONSET: i64 = 3;

/// How many days of keys are uploaded when no onset or test date is known: every key the phone
/// still keeps (14 days, Cryptography Specification v1.2).
pub const UPLOAD_DAYS_WITHOUT_ONSET: i64 = 14;

/// Largest answer accepted from the verification and publish endpoints, in bytes (padding
/// included: a few KiB in practice).
pub const MAX_API_RESPONSE_BYTES: u64 = 64 * 1024;

/// The transmission risk sent with each key for a test type: the values
/// google/exposure-notifications-server backfills for clients that send none (confirmed 2,
/// likely 4, negative 6). The HMAC in the certificate covers them, so they must be chosen before
/// the certificate is requested.
pub const fn transmission_risk(test_type: TestType) -> i32 {
    match test_type {
        TestType::Confirmed => 2,
        TestType::Likely => 4,
        TestType::Negative => 6,
    }
}

/// The one-time code a health authority gives a resident who tested positive: 8 digits.
/// Zeroized when dropped; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct VerificationCode(Zeroizing<String>);

impl VerificationCode {
    /// Parses a code as typed: 8 digits; spaces and hyphens between them are ignored.
    pub fn parse(text: &str) -> Result<Self> {
        let digits: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
                .collect(),
        );
        if digits.len() != mimamori_api::v1::VERIFICATION_CODE_DIGITS
            || !digits.bytes().all(|byte| byte.is_ascii_digit())
        {
            return Err(Error::InvalidVerificationCode);
        }
        Ok(Self(digits))
    }

    /// The digits, for the verify request.
    fn digits(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerificationCode(<redacted>)")
    }
}

/// What a resident's upload needs besides the code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadSettings {
    /// The diagnosis server (verification and publish endpoints on the same base URL).
    pub server: ServerUrl,
    /// The health authority's identifier the server expects in `healthAuthorityID`.
    pub health_authority_id: String,
    /// The symptom onset date, or the test date for a resident without symptoms, as the resident
    /// entered it. A date from the health authority (in the verify answer) takes precedence.
    pub onset: Option<time::Date>,
    /// Whether the resident travelled abroad in the upload period.
    pub traveler: bool,
}

impl UploadSettings {
    /// The settings as an app or a command line gives them: the server's base URL as text
    /// (checked by [`ServerUrl::parse`]), the health authority's identifier, the onset (or test)
    /// date if the resident gave one, and whether they travelled.
    pub fn new(
        server: &str,
        health_authority_id: &str,
        onset: Option<time::Date>,
        traveler: bool,
    ) -> Result<Self> {
        Ok(Self {
            server: ServerUrl::parse(server)?,
            health_authority_id: health_authority_id.to_owned(),
            onset,
            traveler,
        })
    }
}

/// What an upload did.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadReport {
    /// The test type the code was issued for.
    pub test_type: TestType,
    /// The onset (or test) date used, if any.
    pub onset: Option<time::Date>,
    /// The UTC days whose keys were considered, first and last.
    pub days: (time::Date, time::Date),
    /// How many keys were sent.
    pub keys_sent: usize,
    /// How many the server says it inserted (keys it already had are not counted).
    pub inserted: u32,
    /// Whether today's key was released (and replaced by a new one for the rest of the day).
    pub released_today: bool,
    /// The server's revision token, needed to revise this upload later; keep it secret.
    pub revision_token: Zeroizing<String>,
}

impl std::fmt::Debug for UploadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadReport")
            .field("test_type", &self.test_type)
            .field("onset", &self.onset)
            .field("days", &self.days)
            .field("keys_sent", &self.keys_sent)
            .field("inserted", &self.inserted)
            .field("released_today", &self.released_today)
            .finish_non_exhaustive()
    }
}

/// Uploads the phone's keys with a verification code; see the module documentation for the
/// steps. The code is spent only when the phone has keys to upload.
pub fn upload(
    phone: &mut Phone,
    transport: &dyn Transport,
    random: &mut dyn RandomSource,
    settings: &UploadSettings,
    code: &VerificationCode,
) -> Result<UploadReport> {
    let today = IntervalNumber::from_unix_seconds(phone.now_unix_seconds()).utc_date();
    let (first, last) = upload_days(settings.onset, today);
    let mut candidates = phone.schedule().keys_for_upload(first, last)?;
    let now = IntervalNumber::from_unix_seconds(phone.now_unix_seconds());
    // Today's key can be released unless it only started in this interval (it replaced a key
    // released moments ago).
    let today_releasable = phone.schedule().current_key()?.rolling_start < now;
    if candidates.is_empty() && !today_releasable {
        return Err(Error::NothingToUpload { first, last });
    }

    // 1. The code for a token.
    let verify = VerifyCodeRequest {
        code: code.digits().to_owned(),
        accept_test_types: vec![TestType::Confirmed, TestType::Likely],
        padding: random_padding(random),
    };
    let verified: VerifyCodeResponse = exchange(
        transport,
        &settings.server.join(VERIFY_PATH),
        &[],
        &verify,
        "verification code",
    )?;
    drop(Zeroizing::new(verify.code));
    let token = Zeroizing::new(verified.token);
    if token.is_empty() {
        return Err(invalid("verification answer", "it has no token"));
    }
    let test_type = match verified.test_type {
        Some(kind @ (TestType::Confirmed | TestType::Likely)) => kind,
        Some(TestType::Negative) => {
            return Err(invalid(
                "verification answer",
                "the code is for a negative test, which this app does not upload",
            ));
        }
        None => return Err(invalid("verification answer", "it has no test type")),
    };
    let onset = match verified.symptom_date.as_deref() {
        Some(text) => Some(parse_day(text)?),
        None => settings.onset,
    };
    let (first, last) = upload_days(onset, today);
    // The code is good: release today's key (the HMAC below must cover its cut period).
    let released = if today_releasable {
        phone.schedule().release_current_key()?
    } else {
        None
    };
    let released_today = released.is_some();
    candidates.extend(released);
    let keys = wire_keys(&candidates, first, last, transmission_risk(test_type))?;
    if keys.is_empty() {
        return Err(Error::NothingToUpload { first, last });
    }

    // 2. The token and the HMAC of the keys for a certificate.
    let mut hmac_key = Zeroizing::new([0u8; HMAC_KEY_BYTES]);
    random.fill_bytes(hmac_key.as_mut());
    let certificate_request = CertificateRequest {
        token: token.to_string(),
        ekeyhmac: base64::engine::general_purpose::STANDARD.encode(key_hmac(&*hmac_key, &keys)),
        padding: random_padding(random),
    };
    let certified: CertificateResponse = exchange(
        transport,
        &settings.server.join(CERTIFICATE_PATH),
        &[],
        &certificate_request,
        "certificate request",
    )?;
    drop(Zeroizing::new(certificate_request.token));
    let certificate = Zeroizing::new(certified.certificate);
    if certificate.is_empty() {
        return Err(invalid("certificate answer", "it has no certificate"));
    }

    // 3. The keys, the certificate and the HMAC key.
    let keys_sent = keys.len();
    let mut publish = PublishRequest::for_upload(
        keys,
        &settings.health_authority_id,
        &certificate,
        &*hmac_key,
        onset.map(|day| IntervalNumber::from_utc_date(day).value()),
        random,
    );
    publish.traveler = settings.traveler;
    let published: std::result::Result<PublishResponse, Error> = exchange(
        transport,
        &settings.server.join(PUBLISH_PATH),
        &[],
        &publish,
        "upload",
    );
    drop(Zeroizing::new(publish.verification_payload));
    drop(Zeroizing::new(publish.hmac_key));
    let published = published?;
    Ok(UploadReport {
        test_type,
        onset,
        days: (first, last),
        keys_sent,
        inserted: published.inserted_exposures,
        released_today,
        revision_token: Zeroizing::new(published.revision_token),
    })
}

/// Sends one decoy publish request (header `X-Chaff: 1`, random keys and certificate, the size of
/// a real one). The server answers it like a real one and stores nothing. Apps send these now
/// and then so that an upload does not stand out on the network.
pub fn send_chaff(
    transport: &dyn Transport,
    random: &mut dyn RandomSource,
    server: &ServerUrl,
) -> Result<()> {
    let request = PublishRequest::chaff(random);
    let _: PublishResponse = exchange(
        transport,
        &server.join(PUBLISH_PATH),
        &[(CHAFF_HEADER, "1")],
        &request,
        "upload",
    )?;
    Ok(())
}

/// The UTC days whose keys to upload: from [`UPLOAD_DAYS_BEFORE_ONSET`] days before `onset`
/// (but not before the 14 days the phone keeps, nor after today) to today.
pub fn upload_days(onset: Option<time::Date>, today: time::Date) -> (time::Date, time::Date) {
    let oldest = today
        .checked_sub(Duration::days(UPLOAD_DAYS_WITHOUT_ONSET))
        .unwrap_or(today);
    let first = onset
        .and_then(|onset| onset.checked_sub(Duration::days(UPLOAD_DAYS_BEFORE_ONSET)))
        .map_or(oldest, |first| first.clamp(oldest, today));
    (first, today)
}

/// The keys of `candidates` from `first` to `last`, in the wire shape.
fn wire_keys(
    candidates: &[DailyKey],
    first: time::Date,
    last: time::Date,
    transmission_risk: i32,
) -> Result<Vec<ExposureKey>> {
    candidates
        .iter()
        .filter(|key| (first..=last).contains(&key.rolling_start.utc_date()))
        .take(mimamori_api::v1::MAX_KEYS_PER_PUBLISH)
        .map(|key| ExposureKey::from_daily_key(key, transmission_risk))
        .collect::<mimamori_api::Result<_>>()
        .map_err(Error::from)
}

/// POSTs `request` as JSON and reads the answer: a 2xx answer must parse as `R`; any other is
/// [`Error::ServerRefused`] with the server's error code when it gave one.
fn exchange<Q, R>(
    transport: &dyn Transport,
    url: &str,
    headers: &[(&str, &str)],
    request: &Q,
    what: &'static str,
) -> Result<R>
where
    Q: serde::Serialize,
    R: DeserializeOwned,
{
    // Serialising plain strings, numbers and lists cannot fail.
    let body = Zeroizing::new(serde_json::to_vec(request).unwrap_or_default());
    let response = transport.post_json(url, headers, &body, MAX_API_RESPONSE_BYTES)?;
    if !response.is_success() {
        return Err(refused(what, &response));
    }
    parse_json(&response.body, answer_name(what), "the expected JSON")
}

/// The error for a non-2xx answer, with the error code of a verification or publish answer.
fn refused(request: &'static str, response: &HttpResponse) -> Error {
    #[derive(serde::Deserialize)]
    struct ErrorAnswer {
        #[serde(rename = "errorCode", default)]
        error_code: String,
        #[serde(default)]
        code: String,
    }
    let code = serde_json::from_slice::<ErrorAnswer>(&response.body)
        .ok()
        .map(|answer| {
            if answer.error_code.is_empty() {
                answer.code
            } else {
                answer.error_code
            }
        })
        // Only a short machine-readable token is repeated; anything else from the server is not.
        .filter(|code| {
            !code.is_empty()
                && code.len() <= 64
                && code
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
        });
    let advice = match (request, response.status, code.as_deref()) {
        ("verification code", _, Some("code_expired")) => {
            "the code has expired; ask the health authority for a new one"
        }
        ("verification code", _, Some("code_invalid" | "code_not_found" | "token_invalid")) => {
            "the code is wrong or was already used; check it, or ask the health authority for a \
             new one"
        }
        ("verification code", _, Some("unsupported_test_type")) => {
            "the code is for a test type this app cannot upload"
        }
        (_, 429, _) => "too many attempts; wait a while and try again",
        (_, 500..=599, _) => "the server has a problem; try again later",
        ("upload" | "certificate request", 400..=499, _) => {
            "the server did not accept the keys; ask the health authority for a new code and try \
             again"
        }
        _ => "check the server URL, or try again later",
    };
    Error::ServerRefused {
        request,
        status: response.status,
        code,
        advice,
    }
}

fn answer_name(request: &'static str) -> &'static str {
    match request {
        "verification code" => "verification answer",
        "certificate request" => "certificate answer",
        _ => "publish answer",
    }
}

fn invalid(what: &'static str, reason: &str) -> Error {
    Error::InvalidServerResponse {
        what,
        reason: reason.to_owned(),
    }
}

fn parse_day(text: &str) -> Result<time::Date> {
    time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| invalid("verification answer", "its symptomDate is not YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::testing::open_phone;
    use crate::transport::ScriptedTransport;
    use mimamori_environment::Clock;
    use mimamori_environment::{FixedClock, SeededRandom};

    /// 2020-04-10 09:00 UTC.
    const NOW: u64 = 1_586_476_800 + 9 * 3_600;
    const SERVER: &str = "http://127.0.0.1:9";

    fn phone_with_days(dir: &std::path::Path, days: u64) -> (Phone, FixedClock) {
        let clock = FixedClock::new(NOW - days * 86_400);
        let mut phone = open_phone(dir, &clock, 1);
        for _ in 0..days {
            phone.schedule().current_key().unwrap();
            clock.advance(86_400);
        }
        phone.schedule().current_key().unwrap();
        assert_eq!(clock.now_unix_seconds(), NOW);
        (phone, clock)
    }

    fn settings(onset: Option<time::Date>) -> UploadSettings {
        UploadSettings::new(SERVER, "JP.mimamori", onset, false).unwrap()
    }

    #[test]
    fn settings_from_text_check_the_server_url() {
        let settings = settings(Some(date!(2020 - 04 - 05)));
        assert_eq!(settings.server.as_str(), SERVER);
        assert_eq!(settings.health_authority_id, "JP.mimamori");
        assert!(matches!(
            UploadSettings::new("diagnosis.example.jp", "JP.mimamori", None, false),
            Err(Error::InvalidServerUrl { .. })
        ));
    }

    fn script_success(transport: &ScriptedTransport, symptom_date: Option<&str>) {
        let verify = VerifyCodeResponse {
            test_type: Some(TestType::Confirmed),
            symptom_date: symptom_date.map(str::to_owned),
            token: "token-1".into(),
            ..Default::default()
        };
        transport.respond(
            &format!("{SERVER}{VERIFY_PATH}"),
            200,
            serde_json::to_vec(&verify).unwrap(),
        );
        let certificate = CertificateResponse {
            certificate: "certificate-1".into(),
            ..Default::default()
        };
        transport.respond(
            &format!("{SERVER}{CERTIFICATE_PATH}"),
            200,
            serde_json::to_vec(&certificate).unwrap(),
        );
        let published = PublishResponse {
            revision_token: "revision".into(),
            inserted_exposures: 5,
            ..Default::default()
        };
        transport.respond(
            &format!("{SERVER}{PUBLISH_PATH}"),
            200,
            serde_json::to_vec(&published).unwrap(),
        );
    }

    fn body<T: DeserializeOwned>(transport: &ScriptedTransport, index: usize) -> T {
        serde_json::from_slice(transport.requests()[index].body.as_ref().unwrap()).unwrap()
    }

    #[test]
    fn codes_are_8_digits_and_never_printed() {
        let code = VerificationCode::parse("1234 5678").unwrap();
        assert_eq!(code.digits(), "12345678");
        assert_eq!(
            VerificationCode::parse("1234-5678").unwrap().digits(),
            "12345678"
        );
        assert!(!format!("{code:?}").contains("1234"));
        for bad in ["1234567", "123456789", "1234567a", "", "１２３４５６７８"] {
            assert!(matches!(
                VerificationCode::parse(bad),
                Err(Error::InvalidVerificationCode)
            ));
        }
    }

    #[test]
    fn the_upload_days_start_3_days_before_onset_within_14_days() {
        let today = date!(2020 - 04 - 10);
        assert_eq!(
            upload_days(Some(date!(2020 - 04 - 07)), today),
            (date!(2020 - 04 - 04), today)
        );
        assert_eq!(upload_days(None, today), (date!(2020 - 03 - 27), today));
        assert_eq!(
            upload_days(Some(date!(2020 - 01 - 01)), today),
            (date!(2020 - 03 - 27), today)
        );
        assert_eq!(
            upload_days(Some(date!(2020 - 05 - 01)), today),
            (today, today),
            "an onset in the future uploads nothing older than today"
        );
    }

    #[test]
    fn an_upload_sends_the_expired_keys_bound_to_the_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let (mut phone, _clock) = phone_with_days(dir.path(), 10);
        let transport = ScriptedTransport::new();
        script_success(&transport, Some("2020-04-07"));
        let code = VerificationCode::parse("12345678").unwrap();
        let report = upload(
            &mut phone,
            &transport,
            &mut SeededRandom::new(9),
            &settings(None),
            &code,
        )
        .unwrap();
        assert_eq!(report.test_type, TestType::Confirmed);
        assert_eq!(
            report.onset,
            Some(date!(2020 - 04 - 07)),
            "the authority's date"
        );
        // Keys of 04-04 .. 04-09, and today's (04-10), released at once.
        assert_eq!(report.keys_sent, 7);
        assert!(report.released_today);
        assert_eq!(report.inserted, 5);
        assert_eq!(report.revision_token.as_str(), "revision");
        assert!(!format!("{report:?}").contains("revision"));

        let requests = transport.requests();
        assert_eq!(requests.len(), 3);
        let verify: VerifyCodeRequest = body(&transport, 0);
        assert_eq!(verify.code, "12345678");
        assert!(!verify.padding.is_empty());
        let certificate: CertificateRequest = body(&transport, 1);
        assert_eq!(certificate.token, "token-1");
        let publish: PublishRequest = body(&transport, 2);
        assert_eq!(publish.verification_payload, "certificate-1");
        assert_eq!(publish.health_authority_id, "JP.mimamori");
        assert_eq!(
            publish.symptom_onset_interval,
            Some(IntervalNumber::from_utc_date(date!(2020 - 04 - 07)).value())
        );
        assert!(!publish.padding.is_empty());
        assert!(
            publish
                .temporary_exposure_keys
                .iter()
                .all(|key| key.transmission_risk == 2)
        );
        // The certificate was asked for the HMAC of exactly the keys published.
        let hmac_key = publish.decoded_hmac_key().unwrap();
        assert_eq!(hmac_key.len(), HMAC_KEY_BYTES);
        assert_eq!(
            certificate.ekeyhmac,
            base64::engine::general_purpose::STANDARD
                .encode(key_hmac(&hmac_key, &publish.temporary_exposure_keys))
        );
        let today_start = IntervalNumber::from_utc_date(date!(2020 - 04 - 10)).value();
        let (today, before): (Vec<_>, Vec<_>) = publish
            .temporary_exposure_keys
            .iter()
            .partition(|key| key.rolling_start_number == today_start);
        assert_eq!(before.len(), 6);
        assert!(before.iter().all(|key| key.rolling_period == 144));
        // Today's key with its rolling period cut after the current interval (09:00-09:10 is
        // interval 54 of the day).
        assert_eq!(today.len(), 1);
        assert_eq!(today[0].rolling_period, 55);
    }

    #[test]
    fn a_same_day_upload_releases_todays_key_and_broadcasting_continues_with_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let (mut phone, clock) = phone_with_days(dir.path(), 2);
        clock.advance(5 * 60 + 17); // 09:05:17, inside interval 54 of the day
        let before = phone.schedule().broadcast().unwrap();
        let old_key = phone.schedule().current_key().unwrap().clone();
        let transport = ScriptedTransport::new();
        script_success(&transport, None);
        let report = upload(
            &mut phone,
            &transport,
            &mut SeededRandom::new(9),
            &settings(None),
            &VerificationCode::parse("12345678").unwrap(),
        )
        .unwrap();
        assert!(report.released_today);
        assert_eq!(report.keys_sent, 3);
        let publish: PublishRequest = body(&transport, 2);
        let released = publish
            .temporary_exposure_keys
            .iter()
            .find(|key| key.rolling_start_number == old_key.rolling_start.value())
            .unwrap();
        assert_eq!(
            released.temporary_exposure_key().unwrap().as_bytes(),
            old_key.key.as_bytes()
        );
        let now = IntervalNumber::from_unix_seconds(clock.now_unix_seconds());
        assert_eq!(
            released.rolling_period,
            now.value() - old_key.rolling_start.value() + 1,
            "cut after the interval in which it was last broadcast"
        );

        // The new key is valid for the rest of the day and is never released.
        let new_key = phone.schedule().current_key().unwrap().clone();
        assert_ne!(new_key.key, old_key.key);
        assert_eq!(new_key.rolling_start, now);
        assert_eq!(new_key.end(), old_key.end(), "until UTC midnight");
        assert!(publish.temporary_exposure_keys.iter().all(|key| {
            key.temporary_exposure_key().unwrap().as_bytes() != new_key.key.as_bytes()
        }));
        // Broadcasting goes on at once with the new key: a new payload (and address).
        let after = phone.schedule().broadcast().unwrap();
        assert_ne!(after.payload, before.payload);
        assert_eq!(
            after.payload,
            mimamori_gaen::ExposurePayload::derive(&new_key.key, now, &phone.schedule().metadata())
        );
        // What is stored says the same after a restart.
        drop(phone);
        let mut phone = open_phone(dir.path(), &clock, 3);
        assert_eq!(phone.schedule().current_key().unwrap(), &new_key);
        let stored = phone.schedule().keys().to_vec();
        assert!(
            stored
                .iter()
                .any(|key| key.key == old_key.key && key.rolling_period == released.rolling_period)
        );

        // A second upload in the same interval cannot release the new key (it only started).
        let transport = ScriptedTransport::new();
        script_success(&transport, None);
        let mut settings = settings(None);
        settings.onset = Some(date!(2020 - 04 - 10));
        let second = upload(
            &mut phone,
            &transport,
            &mut SeededRandom::new(9),
            &settings,
            &VerificationCode::parse("12345678").unwrap(),
        )
        .unwrap();
        // From 3 days before today only the ended keys of 04-08 and 04-09 are sent.
        assert!(!second.released_today);
        assert_eq!(second.keys_sent, 2);
        // At the next interval the new key can be released too.
        clock.advance(600);
        let transport = ScriptedTransport::new();
        script_success(&transport, None);
        let report = upload(
            &mut phone,
            &transport,
            &mut SeededRandom::new(9),
            &settings,
            &VerificationCode::parse("12345678").unwrap(),
        )
        .unwrap();
        assert!(report.released_today);
    }

    #[test]
    fn a_refused_code_stops_the_session_with_the_reason_and_no_secret() {
        let dir = tempfile::tempdir().unwrap();
        let (mut phone, _clock) = phone_with_days(dir.path(), 3);
        let transport = ScriptedTransport::new();
        let refusal = VerifyCodeResponse {
            error: "verification code 87654321 invalid".into(),
            error_code: "code_invalid".into(),
            ..Default::default()
        };
        transport.respond(
            &format!("{SERVER}{VERIFY_PATH}"),
            400,
            serde_json::to_vec(&refusal).unwrap(),
        );
        let code = VerificationCode::parse("87654321").unwrap();
        let error = upload(
            &mut phone,
            &transport,
            &mut SeededRandom::new(9),
            &settings(None),
            &code,
        )
        .unwrap_err();
        assert!(
            matches!(&error, Error::ServerRefused { status: 400, code: Some(code), .. } if code == "code_invalid"),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains("wrong or was already used"), "{message}");
        assert!(!message.contains("87654321"), "{message}");
        assert_eq!(transport.requests().len(), 1, "no certificate, no publish");
        // The phone's keys are untouched.
        assert_eq!(phone.schedule().keys().len(), 4);
    }

    #[test]
    fn a_phone_whose_only_key_just_started_does_not_spend_the_code() {
        let dir = tempfile::tempdir().unwrap();
        // A phone set up at 00:03 UTC: its first key started in this very interval.
        let clock = FixedClock::new(NOW - 9 * 3_600 + 180);
        let mut phone = open_phone(dir.path(), &clock, 1);
        phone.schedule().current_key().unwrap();
        let transport = ScriptedTransport::new();
        script_success(&transport, None);
        let error = upload(
            &mut phone,
            &transport,
            &mut SeededRandom::new(9),
            &settings(None),
            &VerificationCode::parse("12345678").unwrap(),
        )
        .unwrap_err();
        assert!(matches!(error, Error::NothingToUpload { .. }), "{error:?}");
        assert!(error.to_string().contains("upload again"), "{error}");
        assert!(transport.requests().is_empty());
        assert_eq!(phone.schedule().keys().len(), 1, "nothing released");
    }

    #[test]
    fn unusable_answers_are_errors_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let (mut phone, _clock) = phone_with_days(dir.path(), 2);
        let transport = ScriptedTransport::new();
        let code = VerificationCode::parse("12345678").unwrap();
        let mut run = |transport: &ScriptedTransport| {
            upload(
                &mut phone,
                transport,
                &mut SeededRandom::new(9),
                &settings(None),
                &code,
            )
            .unwrap_err()
        };
        let verify_url = format!("{SERVER}{VERIFY_PATH}");
        transport.respond(&verify_url, 200, "not json");
        assert!(matches!(
            run(&transport),
            Error::InvalidServerResponse { .. }
        ));
        transport.respond(&verify_url, 200, r#"{"testtype":"confirmed"}"#);
        assert!(run(&transport).to_string().contains("no token"));
        transport.respond(
            &verify_url,
            200,
            r#"{"testtype":"confirmed","token":"t","symptomDate":"yesterday"}"#,
        );
        assert!(run(&transport).to_string().contains("symptomDate"));
        transport.respond(&verify_url, 200, r#"{"testtype":"negative","token":"t"}"#);
        assert!(run(&transport).to_string().contains("negative"));
        transport.respond(&verify_url, 503, "<html>");
        let error = run(&transport);
        assert!(
            matches!(
                error,
                Error::ServerRefused {
                    status: 503,
                    code: None,
                    ..
                }
            ),
            "{error:?}"
        );
        transport.forget(&verify_url);
        assert!(matches!(run(&transport), Error::Transport { .. }));
    }

    #[test]
    fn chaff_is_marked_and_shaped_like_an_upload() {
        let transport = ScriptedTransport::new();
        transport.respond(&format!("{SERVER}{PUBLISH_PATH}"), 200, "{}");
        send_chaff(
            &transport,
            &mut SeededRandom::new(4),
            &ServerUrl::parse(SERVER).unwrap(),
        )
        .unwrap();
        let request = &transport.requests()[0];
        assert_eq!(
            request.headers,
            vec![(CHAFF_HEADER.to_owned(), "1".to_owned())]
        );
        let publish: PublishRequest =
            serde_json::from_slice(request.body.as_ref().unwrap()).unwrap();
        assert_eq!(publish.temporary_exposure_keys.len(), 14);
    }
}
