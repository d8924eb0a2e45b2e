//! The phone API: [`VERIFY_PATH`], [`CERTIFICATE_PATH`], [`PUBLISH_PATH`].
//!
//! Every response is padded with random bytes. A request with `X-Chaff` is a decoy: its body must
//! still be a well-formed request of the endpoint, as `/openapi.json` describes it (required
//! fields present, lengths and patterns kept); otherwise it gets 400 in the shape of the real
//! refusal, so the header never turns a malformed request into a 200. A well-formed decoy is
//! answered 200 with a response of the real shape and similar size; nothing is looked up, stored
//! or changed.
//! Bodies larger than [`MAX_PUBLISH_BODY_BYTES`] are refused with 413 in the endpoint's padded
//! JSON; axum's other rejections (404, 405) are made JSON and padded by
//! [`super::every_response`].
//!
//! Verify and certificate requests are limited per client ([`crate::ratelimit`]), and failed
//! verifications on the whole server per minute; both answer 429 with `Retry-After` and a
//! padded body whose `errorCode` is `rate_limited`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use base64::Engine as _;
use mimamori_api::v1::{
    CERTIFICATE_PATH, CHAFF_HEADER, CertificateRequest, CertificateResponse, MAX_KEYS_PER_PUBLISH,
    MAX_PUBLISH_BODY_BYTES, MAX_TRANSMISSION_RISK, PUBLISH_PATH, PublishRequest, PublishResponse,
    TestType, VERIFICATION_CODE_DIGITS, VERIFY_PATH, VerifyCodeRequest, VerifyCodeResponse,
    random_padding,
};
use mimamori_environment::OsRandom;
use mimamori_environment::RandomSource;
use mimamori_gaen::ids::TEK_ROLLING_PERIOD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{AppState, internal_error, json};
use crate::openapi::{MAX_ID_CHARS, MAX_JWT_CHARS, MAX_PADDING_CHARS};

/// The phone routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(VERIFY_PATH, post(verify))
        .route(CERTIFICATE_PATH, post(certificate))
        .route(PUBLISH_PATH, post(publish))
        .layer(DefaultBodyLimit::max(MAX_PUBLISH_BODY_BYTES))
}

/// The status, error code and message for a body that could not be read: 413
/// `body_too_large` over [`MAX_PUBLISH_BODY_BYTES`], else 400 `bad_request`. Answered in the
/// endpoint's padded JSON, like every other phone response.
fn unread_body(rejection: &BytesRejection) -> (u16, &'static str, String) {
    if rejection.status().as_u16() == 413 {
        (
            413,
            "body_too_large",
            format!("the body is larger than {MAX_PUBLISH_BODY_BYTES} bytes"),
        )
    } else {
        (
            400,
            "bad_request",
            "the request body could not be read".into(),
        )
    }
}

fn is_chaff(headers: &HeaderMap) -> bool {
    headers.contains_key(CHAFF_HEADER)
}

/// Whether `body` (already read as a request) names every field in `required`: the wire types
/// default absent fields, the document requires them.
fn names_fields(body: &[u8], required: &[&str]) -> bool {
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body)
        .is_ok_and(|fields| required.iter().all(|name| fields.contains_key(*name)))
}

fn at_most(text: &str, characters: usize) -> bool {
    text.chars().count() <= characters
}

/// Standard base64 of `bytes` bytes, padded.
fn is_base64_of(text: &str, bytes: usize) -> bool {
    text.len() == bytes.div_ceil(3) * 4
        && base64::engine::general_purpose::STANDARD
            .decode(text)
            .is_ok_and(|decoded| decoded.len() == bytes)
}

/// The shape `/openapi.json` gives a verify request (what a chaff verify must keep).
fn well_formed_verify(body: &[u8], request: &VerifyCodeRequest) -> bool {
    let mut accepted = request.accept_test_types.clone();
    accepted.sort_by_key(|kind| kind.as_str());
    accepted.dedup();
    names_fields(body, &["code"])
        && request.code.len() == VERIFICATION_CODE_DIGITS
        && request.code.bytes().all(|byte| byte.is_ascii_digit())
        && accepted.len() == request.accept_test_types.len()
        && at_most(&request.padding, MAX_PADDING_CHARS)
}

/// The shape `/openapi.json` gives a certificate request.
fn well_formed_certificate(body: &[u8], request: &CertificateRequest) -> bool {
    names_fields(body, &["token", "ekeyhmac"])
        && at_most(&request.token, MAX_JWT_CHARS)
        && is_base64_of(&request.ekeyhmac, 32)
        && at_most(&request.padding, MAX_PADDING_CHARS)
}

/// The shape `/openapi.json` gives a publish request.
fn well_formed_publish(body: &[u8], request: &PublishRequest) -> bool {
    let required = [
        "temporaryExposureKeys",
        "healthAuthorityID",
        "verificationPayload",
        "hmacKey",
    ];
    names_fields(body, &required)
        && request.temporary_exposure_keys.len() <= MAX_KEYS_PER_PUBLISH
        && request.temporary_exposure_keys.iter().all(|key| {
            is_base64_of(&key.key, 16)
                && (1..=TEK_ROLLING_PERIOD).contains(&key.rolling_period)
                && (0..=MAX_TRANSMISSION_RISK).contains(&key.transmission_risk)
        })
        && at_most(&request.health_authority_id, MAX_ID_CHARS)
        && at_most(&request.verification_payload, MAX_JWT_CHARS)
        && at_most(&request.hmac_key, MAX_ID_CHARS)
        && request.decoded_hmac_key().is_ok()
        && at_most(&request.revision_token, MAX_JWT_CHARS)
        && at_most(&request.padding, MAX_PADDING_CHARS)
}

/// Random text shaped like a JWT of about `length` characters.
fn fake_jwt(length: usize) -> String {
    let mut bytes = vec![0u8; length * 3 / 4];
    OsRandom.fill_bytes(&mut bytes);
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let (a, rest) = text.split_at(text.len().min(36));
    let (b, c) = rest.split_at(rest.len().saturating_sub(86));
    format!("{a}.{b}.{c}")
}

/// What differs between the three phone endpoints; [`read_request`] and [`padded`] do the rest
/// the same way for each.
trait PhoneEndpoint {
    /// The request body.
    type Request: DeserializeOwned;
    /// The response body.
    type Response: Serialize + Default;
    /// The request's name in refusals (`verify`, `certificate`, `publish`).
    const NAME: &'static str;
    /// The shape `/openapi.json` gives the request (what a chaff request must keep).
    fn well_formed(body: &[u8], request: &Self::Request) -> bool;
    /// A refusal with a machine-readable `code` and a message.
    fn refusal(code: &str, error: String) -> Self::Response;
    /// The answer to a well-formed decoy: the real shape, about the real size.
    fn decoy(services: &AppState, request: &Self::Request) -> Self::Response;
    /// Where the response's padding goes.
    fn padding(response: &mut Self::Response) -> &mut String;
}

/// `body` as `response` with random padding.
fn padded<E: PhoneEndpoint>(status: u16, mut response: E::Response) -> Response {
    *E::padding(&mut response) = random_padding(&mut OsRandom);
    json(status, &response)
}

/// Reads an endpoint's request. `Err` holds the whole answer (boxed: it is large): 413 or 400 for a body that cannot
/// be read or is not the request, 400 for a malformed decoy, 200 for a well-formed decoy.
fn read_request<E: PhoneEndpoint>(
    services: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<E::Request, Box<Response>> {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let (status, code, error) = unread_body(&rejection);
            return Err(Box::new(padded::<E>(status, E::refusal(code, error))));
        }
    };
    let refuse = |error: String| Err(Box::new(padded::<E>(400, E::refusal("bad_request", error))));
    let Ok(request) = serde_json::from_slice::<E::Request>(&body) else {
        return refuse(format!("the request is not a JSON {} request", E::NAME));
    };
    if is_chaff(headers) {
        if !E::well_formed(&body, &request) {
            return refuse(format!(
                "the decoy is not a well-formed {} request",
                E::NAME
            ));
        }
        return Err(Box::new(padded::<E>(200, E::decoy(services, &request))));
    }
    Ok(request)
}

/// `POST` [`VERIFY_PATH`].
struct Verify;

impl PhoneEndpoint for Verify {
    type Request = VerifyCodeRequest;
    type Response = VerifyCodeResponse;
    const NAME: &'static str = "verify";

    fn well_formed(body: &[u8], request: &Self::Request) -> bool {
        well_formed_verify(body, request)
    }

    fn refusal(code: &str, error: String) -> Self::Response {
        VerifyCodeResponse {
            error,
            error_code: code.into(),
            ..Default::default()
        }
    }

    fn decoy(services: &AppState, _: &Self::Request) -> Self::Response {
        VerifyCodeResponse {
            test_type: Some(TestType::Confirmed),
            symptom_date: Some(crate::storage::utc_day(services.now())),
            token: fake_jwt(330),
            ..Default::default()
        }
    }

    fn padding(response: &mut Self::Response) -> &mut String {
        &mut response.padding
    }
}

/// `POST` [`CERTIFICATE_PATH`].
struct Certificate;

impl PhoneEndpoint for Certificate {
    type Request = CertificateRequest;
    type Response = CertificateResponse;
    const NAME: &'static str = "certificate";

    fn well_formed(body: &[u8], request: &Self::Request) -> bool {
        well_formed_certificate(body, request)
    }

    fn refusal(code: &str, error: String) -> Self::Response {
        CertificateResponse {
            error,
            error_code: code.into(),
            ..Default::default()
        }
    }

    fn decoy(_: &AppState, _: &Self::Request) -> Self::Response {
        CertificateResponse {
            certificate: fake_jwt(390),
            ..Default::default()
        }
    }

    fn padding(response: &mut Self::Response) -> &mut String {
        &mut response.padding
    }
}

/// `POST` [`PUBLISH_PATH`].
struct Publish;

impl PhoneEndpoint for Publish {
    type Request = PublishRequest;
    type Response = PublishResponse;
    const NAME: &'static str = "publish";

    fn well_formed(body: &[u8], request: &Self::Request) -> bool {
        well_formed_publish(body, request)
    }

    fn refusal(code: &str, error: String) -> Self::Response {
        PublishResponse {
            error,
            code: code.into(),
            ..Default::default()
        }
    }

    fn decoy(_: &AppState, request: &Self::Request) -> Self::Response {
        PublishResponse {
            inserted_exposures: u32::try_from(request.temporary_exposure_keys.len()).unwrap_or(0),
            ..Default::default()
        }
    }

    fn padding(response: &mut Self::Response) -> &mut String {
        &mut response.padding
    }
}

async fn verify(
    State(services): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request = match read_request::<Verify>(&services, &headers, body) {
        Ok(request) => request,
        Err(answer) => return *answer,
    };
    match services.verify_code(&request).await {
        Ok(answer) => {
            let mut response = padded::<Verify>(answer.status, answer.body);
            if answer.status == 429 {
                // The server-wide budget is per UTC minute: wait for the next one.
                let wait = 60 - services.now().rem_euclid(60);
                crate::ratelimit::set_retry_after(&mut response, wait.unsigned_abs());
            }
            response
        }
        Err(error) => internal_error(&error),
    }
}

async fn certificate(
    State(services): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request = match read_request::<Certificate>(&services, &headers, body) {
        Ok(request) => request,
        Err(answer) => return *answer,
    };
    match services.certificate(&request).await {
        Ok(answer) => padded::<Certificate>(answer.status, answer.body),
        Err(error) => internal_error(&error),
    }
}

async fn publish(
    State(services): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request = match read_request::<Publish>(&services, &headers, body) {
        Ok(request) => request,
        Err(answer) => return *answer,
    };
    match services.publish(&request).await {
        Ok(answer) => padded::<Publish>(answer.status, answer.body),
        Err(error) => internal_error(&error),
    }
}
