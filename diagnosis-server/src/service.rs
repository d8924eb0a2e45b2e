//! The server's operations as plain async functions on [`Services`], called by the HTTP routes
//! and available to the staff portal (`portal::router`) and to tests without HTTP.

use std::sync::{Arc, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use mimamori_api::v1::{
    CertificateRequest, CertificateResponse, PublishRequest, PublishResponse, TestType,
    VERIFICATION_CODE_DIGITS, VerifyCodeRequest, VerifyCodeResponse, key_hmac,
};
use mimamori_environment::{Clock, RandomSource};
use mimamori_gaen::ids::IntervalNumber;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::blobs::BlobStore;
use crate::config::Config;
use crate::keys::ExportKeyRing;
use crate::portal::auth::{LoginFailures, PasswordCheckers};
use crate::publish::validate_keys;
use crate::ratelimit::{ClientIdentifier, RateLimiter};
use crate::storage::{CodeStatus, DailyStatistics, NewCode, RedeemOutcome, Storage};
use crate::tokens::{
    CERTIFICATE_SECONDS, CertificateClaims, ISSUER, TOKEN_AUDIENCE, TOKEN_SECONDS, TokenClaims,
    TokenProblem, TokenSigner,
};
use crate::{Error, Result};

/// How long a verification code is valid: 15 minutes.
pub const CODE_VALIDITY_SECONDS: i64 = 15 * 60;

/// How long codes, and records of used tokens, are kept after they expire: 1 day (for staff to
/// check a code's fate).
pub const CODE_RECORD_SECONDS: i64 = 24 * 3600;

/// How many random codes are drawn before issuing gives up (a draw fails only when the same
/// code was issued within the last day, out of 100,000,000).
const MAX_CODE_DRAWS: usize = 32;

/// Everything the routes and the export worker share.
pub struct Services {
    /// The configuration.
    pub config: Config,
    /// The database.
    pub storage: Arc<dyn Storage>,
    /// The export file store.
    pub blobs: Arc<dyn BlobStore>,
    /// Export signing keys.
    pub export_keys: RwLock<ExportKeyRing>,
    /// Token and certificate signer.
    pub tokens: TokenSigner,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Per-client token buckets ([`crate::ratelimit`]).
    pub limiter: RateLimiter,
    /// Keyed hashes of client addresses (a key made at start, in memory only).
    pub clients: ClientIdentifier,
    /// Permits to run an Argon2 password check ([`crate::ratelimit::RateLimits::login_hash_concurrency`]).
    pub login_hashes: Arc<tokio::sync::Semaphore>,
    /// Failed logins per account and client ([`crate::portal::auth`]).
    pub login_failures: LoginFailures,
    /// The threads that run login password checks, one per permit.
    pub password_checkers: PasswordCheckers,
    code_secret: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Staff's request for a verification code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueCodeRequest {
    /// `confirmed`, `likely` or `negative`.
    pub test_type: TestType,
    /// Symptom onset date, `YYYY-MM-DD`.
    #[serde(default)]
    pub symptom_date: Option<String>,
    /// Test date, `YYYY-MM-DD` (used as the onset when no symptom date is given).
    #[serde(default)]
    pub test_date: Option<String>,
}

/// An issued code, shown once to staff.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedCode {
    /// Id for checking or expiring the code later.
    pub id: String,
    /// The 8-digit code to give the resident.
    pub code: String,
    /// When it stops being valid, Unix seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for IssuedCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCode")
            .field("id", &self.id)
            .field("code", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Why staff's request was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorityProblem {
    /// A date is not `YYYY-MM-DD`, is in the future or more than 28 days ago.
    BadDate,
}

/// HTTP-independent outcome of a phone request: the status to answer with and the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer<T> {
    /// HTTP status code.
    pub status: u16,
    /// Response body.
    pub body: T,
}

impl Services {
    /// Builds the services over opened parts.
    pub fn new(
        config: Config,
        storage: Arc<dyn Storage>,
        blobs: Arc<dyn BlobStore>,
        export_keys: ExportKeyRing,
        tokens: TokenSigner,
        code_secret: Zeroizing<Vec<u8>>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let limits = config.rate_limits.clone();
        Self {
            limiter: RateLimiter::new(limits.clone()),
            clients: ClientIdentifier::new(config.trusted_proxies.clone()),
            login_hashes: Arc::new(tokio::sync::Semaphore::new(limits.login_hash_concurrency)),
            login_failures: LoginFailures::new(limits.max_tracked_clients),
            password_checkers: PasswordCheckers::new(limits.login_hash_concurrency),
            config,
            storage,
            blobs,
            export_keys: RwLock::new(export_keys),
            tokens,
            clock,
            code_secret,
        }
    }

    /// The current time, Unix seconds.
    pub fn now(&self) -> i64 {
        i64::try_from(self.clock.now_unix_seconds()).unwrap_or(i64::MAX)
    }

    fn code_hash(&self, code: &str) -> String {
        let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(&self.code_secret) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
        };
        mac.update(code.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    // --- API keys ----------------------------------------------------------------------------

    /// Creates (or replaces) the API key called `name` and returns it; only its hash is stored.
    pub async fn create_api_key(&self, name: &str) -> Result<String> {
        let mut bytes = Zeroizing::new([0u8; 24]);
        mimamori_environment::OsRandom.fill_bytes(&mut bytes[..]);
        let key = format!("mmk_{}", hex::encode(&bytes[..]));
        self.add_api_key(name, &key).await?;
        Ok(key)
    }

    /// Stores a given API key under `name`.
    pub async fn add_api_key(&self, name: &str, key: &str) -> Result<()> {
        if name.is_empty() || key.len() < 16 {
            return Err(Error::Config(
                "an API key needs a name and at least 16 characters".into(),
            ));
        }
        self.storage
            .put_api_key(name, &api_key_hash(key), self.now())
            .await
    }

    /// The name of the API key, when it is valid.
    pub async fn authenticate(&self, key: &str) -> Result<Option<String>> {
        self.storage.api_key_name(&api_key_hash(key)).await
    }

    // --- Health authority ---------------------------------------------------------------------

    /// Issues a verification code: 8 digits from the OS CSPRNG, valid 15 minutes, single use.
    /// `issued_by` (a staff login name, or `API key <name>`) is stored with it for staff.
    pub async fn issue_code(
        &self,
        request: &IssueCodeRequest,
        issued_by: &str,
    ) -> Result<std::result::Result<IssuedCode, AuthorityProblem>> {
        let now = self.now();
        for date in [&request.symptom_date, &request.test_date]
            .into_iter()
            .flatten()
        {
            if parse_recent_date(date, now, &self.config.staff_time_zone).is_none() {
                return Ok(Err(AuthorityProblem::BadDate));
            }
        }
        for _ in 0..MAX_CODE_DRAWS {
            let code = random_code();
            let mut id = [0u8; 16];
            mimamori_environment::OsRandom.fill_bytes(&mut id);
            let new = NewCode {
                id: hex::encode(id),
                code_hash: self.code_hash(&code),
                test_type: request.test_type,
                symptom_date: request.symptom_date.clone(),
                test_date: request.test_date.clone(),
                issued_at: now,
                expires_at: now + CODE_VALIDITY_SECONDS,
                issued_by: issued_by.to_owned(),
            };
            if self.storage.insert_code(&new).await? {
                return Ok(Ok(IssuedCode {
                    id: new.id,
                    code: code.to_string(),
                    expires_at: new.expires_at,
                }));
            }
            // The same code is live or recently used: draw another.
        }
        Err(Error::Database(format!(
            "no unused verification code in {MAX_CODE_DRAWS} draws; the code table is nearly full"
        )))
    }

    /// The status of an issued code.
    pub async fn code_status(&self, id: &str) -> Result<Option<CodeStatus>> {
        self.storage.code_status(id).await
    }

    /// Expires an unused code now; `false` when it was already used, expired or unknown.
    pub async fn expire_code(&self, id: &str) -> Result<bool> {
        self.storage.expire_code(id, self.now()).await
    }

    /// Daily statistics of the last `days` days (today included), by day in the staff time
    /// zone ([`crate::staff_time`]).
    pub async fn statistics(&self, days: u32) -> Result<Vec<DailyStatistics>> {
        let since = self.now() - i64::from(days.saturating_sub(1)) * 86_400;
        self.storage
            .statistics(&self.config.staff_time_zone.day(since))
            .await
    }

    // --- Phones -------------------------------------------------------------------------------

    /// Trades a code for a token.
    pub async fn verify_code(
        &self,
        request: &VerifyCodeRequest,
    ) -> Result<Answer<VerifyCodeResponse>> {
        let refuse = |status: u16, code: &str, message: &str| Answer {
            status,
            body: VerifyCodeResponse {
                error: message.into(),
                error_code: code.into(),
                ..Default::default()
            },
        };
        let code: String = request
            .code
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        if code.len() != VERIFICATION_CODE_DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
            return Ok(refuse(
                400,
                "code_invalid",
                "the verification code is not 8 digits",
            ));
        }
        let now = self.now();
        // The server-wide budget: every attempt is counted before the code is looked at (so
        // concurrent guesses cannot overshoot it), and a redeemed code gives its count back.
        // Once it is exceeded, a read suffices to refuse (the alert was logged when it was).
        let minute = now.div_euclid(60);
        let budget = i64::from(self.config.rate_limits.failed_verifications_per_minute);
        let exceeded = self.storage.verification_attempts(minute).await? > budget;
        let attempts = if exceeded {
            budget + 2
        } else {
            self.storage.count_verification_attempt(minute, now).await?
        };
        if attempts > budget {
            if attempts == budget + 1 {
                tracing::warn!(
                    budget,
                    "alert: failed verifications exceeded the server-wide budget this minute; \
                     every verification is refused until the minute ends"
                );
            }
            return Ok(refuse(
                429,
                crate::ratelimit::RATE_LIMITED,
                "too many failed verifications on this server; try again in a minute",
            ));
        }
        let accepted = if request.accept_test_types.is_empty() {
            &[TestType::Confirmed][..]
        } else {
            &request.accept_test_types[..]
        };
        let outcome = self
            .storage
            .redeem_code(&self.code_hash(&code), accepted, now)
            .await?;
        let (test_type, symptom_date, test_date) = match outcome {
            RedeemOutcome::Redeemed {
                test_type,
                symptom_date,
                test_date,
            } => {
                self.storage.uncount_verification_attempt(minute).await?;
                (test_type, symptom_date, test_date)
            }
            RedeemOutcome::NotFound => {
                return Ok(refuse(
                    400,
                    "code_invalid",
                    "the verification code is not valid",
                ));
            }
            RedeemOutcome::Expired => {
                return Ok(refuse(
                    400,
                    "code_expired",
                    "the verification code has expired",
                ));
            }
            RedeemOutcome::AlreadyUsed => {
                return Ok(refuse(
                    400,
                    "code_invalid",
                    "the verification code was already used",
                ));
            }
            RedeemOutcome::UnsupportedTestType => {
                // Checked before redeeming: the code stays usable by an app that accepts it.
                return Ok(refuse(
                    412,
                    "unsupported_test_type",
                    "the app does not accept this test type; update the app",
                ));
            }
        };
        let mut jti = [0u8; 16];
        mimamori_environment::OsRandom.fill_bytes(&mut jti);
        let claims = TokenClaims {
            iss: ISSUER.into(),
            aud: TOKEN_AUDIENCE.into(),
            jti: hex::encode(jti),
            iat: now,
            exp: now + TOKEN_SECONDS,
            testtype: test_type.as_str().into(),
            symptom_date: symptom_date.clone().or_else(|| test_date.clone()),
        };
        Ok(Answer {
            status: 200,
            body: VerifyCodeResponse {
                test_type: Some(test_type),
                symptom_date: symptom_date.or(test_date),
                token: self.tokens.sign(&claims)?,
                ..Default::default()
            },
        })
    }

    /// Trades a token (once) and a key HMAC for a certificate.
    pub async fn certificate(
        &self,
        request: &CertificateRequest,
    ) -> Result<Answer<CertificateResponse>> {
        let refuse = |code: &str, message: &str| Answer {
            status: 400,
            body: CertificateResponse {
                error: message.into(),
                error_code: code.into(),
                ..Default::default()
            },
        };
        let now = self.now();
        let claims: TokenClaims = match self.tokens.verify(&request.token, TOKEN_AUDIENCE, now) {
            Ok(claims) => claims,
            Err(TokenProblem::Expired) => {
                return Ok(refuse("token_expired", "the token has expired"));
            }
            Err(TokenProblem::Invalid) => {
                return Ok(refuse("token_invalid", "the token is not valid"));
            }
        };
        let hmac = match BASE64.decode(request.ekeyhmac.as_bytes()) {
            Ok(hmac) if hmac.len() == 32 => hmac,
            _ => {
                return Ok(refuse(
                    "hmac_invalid",
                    "ekeyhmac must be the base64 of a 32-byte HMAC-SHA256",
                ));
            }
        };
        if !self.storage.claim_token(&claims.jti, claims.exp).await? {
            return Ok(refuse("token_invalid", "the token was already used"));
        }
        let test_type = TestType::parse(&claims.testtype)
            .ok_or_else(|| Error::SigningKey("a signed token has an unknown test type".into()))?;
        // The date was checked when the code was issued; the token's signature vouches for it.
        let onset = claims
            .symptom_date
            .as_deref()
            .and_then(parse_date)
            .map(date_to_interval);
        let certificate = CertificateClaims {
            iss: ISSUER.into(),
            aud: self.config.health_authority_id.clone(),
            iat: now,
            exp: now + CERTIFICATE_SECONDS,
            report_type: report_type_number(test_type),
            symptom_onset_interval: onset,
            tekmac: BASE64.encode(hmac),
        };
        Ok(Answer {
            status: 200,
            body: CertificateResponse {
                certificate: self.tokens.sign(&certificate)?,
                ..Default::default()
            },
        })
    }

    /// Verifies and stores an upload. A 200 answer is sent only after the keys are durable.
    pub async fn publish(&self, request: &PublishRequest) -> Result<Answer<PublishResponse>> {
        let refuse = |status: u16, code: &str, message: String| Answer {
            status,
            body: PublishResponse {
                error: message,
                code: code.into(),
                ..Default::default()
            },
        };
        if request.health_authority_id != self.config.health_authority_id {
            return Ok(refuse(
                401,
                "unknown_health_authority_id",
                "healthAuthorityID is not this server's health authority".into(),
            ));
        }
        let now = self.now();
        let claims: CertificateClaims = match self.tokens.verify(
            &request.verification_payload,
            &self.config.health_authority_id,
            now,
        ) {
            Ok(claims) => claims,
            Err(TokenProblem::Expired) => {
                return Ok(refuse(
                    401,
                    "health_authority_verification_failed",
                    "the verification certificate has expired".into(),
                ));
            }
            Err(TokenProblem::Invalid) => {
                return Ok(refuse(
                    401,
                    "health_authority_verification_failed",
                    "the verification certificate is not valid".into(),
                ));
            }
        };
        let hmac_key = match request.decoded_hmac_key() {
            Ok(key) if !key.is_empty() => key,
            _ => {
                return Ok(refuse(
                    400,
                    "hmac_invalid",
                    "hmacKey must be non-empty base64".into(),
                ));
            }
        };
        let computed = BASE64.encode(key_hmac(&hmac_key, &request.temporary_exposure_keys));
        if !constant_time_eq(computed.as_bytes(), claims.tekmac.as_bytes()) {
            return Ok(refuse(
                401,
                "health_authority_verification_failed",
                "the keys do not match the HMAC in the verification certificate".into(),
            ));
        }
        let now_interval = IntervalNumber::from_unix_seconds(u64::try_from(now).unwrap_or(0));
        let onset = claims.symptom_onset_interval.or(request
            .symptom_onset_interval
            .filter(|onset| IntervalNumber::new(*onset) <= now_interval));
        let keys = match validate_keys(
            &request.temporary_exposure_keys,
            now,
            claims.report_type,
            onset,
        ) {
            Ok(keys) => keys,
            Err(problem) => return Ok(refuse(400, problem.code(), problem.message())),
        };
        let inserted = self.storage.insert_exposures(&keys, now).await?;
        Ok(Answer {
            status: 200,
            body: PublishResponse {
                inserted_exposures: inserted,
                ..Default::default()
            },
        })
    }
}

/// SHA-256 hex of an API key (keys are long random strings, so no slow hash is needed).
pub fn api_key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn random_code() -> Zeroizing<String> {
    let value = mimamori_environment::OsRandom.uniform_inclusive(0, 99_999_999);
    Zeroizing::new(format!("{value:08}"))
}

/// The report type number the keys of `test_type` carry (core's mapping, as Google's
/// verification server does it).
fn report_type_number(test_type: TestType) -> i32 {
    i32::from(test_type.report_type())
}

/// Parses `YYYY-MM-DD`.
fn parse_date(text: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format).ok()
}

/// Parses `YYYY-MM-DD`, accepted when not after `now`'s day in the staff time zone
/// ([`crate::staff_time`]) and at most 28 days before it.
fn parse_recent_date(
    text: &str,
    now: i64,
    zone: &crate::staff_time::StaffZone,
) -> Option<time::Date> {
    let date = parse_date(text)?;
    let today = zone.date(now);
    let age = (today - date).whole_days();
    (0..=28).contains(&age).then_some(date)
}

fn date_to_interval(date: time::Date) -> u32 {
    IntervalNumber::from_utc_date(date).value()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_digits() {
        for _ in 0..100 {
            let code = random_code();
            assert_eq!(code.len(), 8);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn dates_must_be_recent_and_well_formed() {
        let now = 1_795_176_000; // 2026-11-20 12:00 UTC
        let tokyo = crate::staff_time::StaffZone::default();
        assert!(parse_recent_date("2026-11-20", now, &tokyo).is_some());
        assert!(parse_recent_date("2026-10-23", now, &tokyo).is_some());
        assert!(parse_recent_date("2026-10-22", now, &tokyo).is_none());
        assert!(parse_recent_date("2026-11-21", now, &tokyo).is_none());
        assert!(parse_recent_date("20261120", now, &tokyo).is_none());
        // At 23:30 UTC it is already the 21st in Tokyo, still the 20th in Los Angeles.
        let late = 1_795_176_000 + 11 * 3600 + 1800;
        assert!(parse_recent_date("2026-11-21", late, &tokyo).is_some());
        let los_angeles = crate::staff_time::StaffZone::parse("America/Los_Angeles").unwrap();
        assert!(parse_recent_date("2026-11-21", late, &los_angeles).is_none());
        assert!(parse_recent_date("2026-11-20", late, &los_angeles).is_some());
        let date = parse_recent_date("2026-11-20", now, &tokyo).unwrap();
        assert_eq!(
            date_to_interval(date),
            (1_795_176_000 / 600 / 144 * 144) as u32
        );
    }
}
