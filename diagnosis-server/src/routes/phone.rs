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

async fn verify(
    State(services): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let (status, code, error) = unread_body(&rejection);
            let body = VerifyCodeResponse {
                error,
                error_code: code.into(),
                padding: random_padding(&mut OsRandom),
                ..Default::default()
            };
            return json(status, &body);
        }
    };
    let Ok(request) = serde_json::from_slice::<VerifyCodeRequest>(&body) else {
        let body = VerifyCodeResponse {
            error: "the request is not a JSON verify request".into(),
            error_code: "bad_request".into(),
            padding: random_padding(&mut OsRandom),
            ..Default::default()
        };
        return json(400, &body);
    };
    if is_chaff(&headers) && !well_formed_verify(&body, &request) {
        let body = VerifyCodeResponse {
            error: "the decoy is not a well-formed verify request".into(),
            error_code: "bad_request".into(),
            padding: random_padding(&mut OsRandom),
            ..Default::default()
        };
        return json(400, &body);
    }
    if is_chaff(&headers) {
        let body = VerifyCodeResponse {
            test_type: Some(TestType::Confirmed),
            symptom_date: Some(crate::storage::utc_day(services.now())),
            token: fake_jwt(330),
            padding: random_padding(&mut OsRandom),
            ..Default::default()
        };
        return json(200, &body);
    }
    match services.verify_code(&request).await {
        Ok(mut answer) => {
            answer.body.padding = random_padding(&mut OsRandom);
            let mut response = json(answer.status, &answer.body);
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
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let (status, code, error) = unread_body(&rejection);
            let body = CertificateResponse {
                error,
                error_code: code.into(),
                padding: random_padding(&mut OsRandom),
                ..Default::default()
            };
            return json(status, &body);
        }
    };
    let Ok(request) = serde_json::from_slice::<CertificateRequest>(&body) else {
        let body = CertificateResponse {
            error: "the request is not a JSON certificate request".into(),
            error_code: "bad_request".into(),
            padding: random_padding(&mut OsRandom),
            ..Default::default()
        };
        return json(400, &body);
    };
    if is_chaff(&headers) && !well_formed_certificate(&body, &request) {
        let body = CertificateResponse {
            error: "the decoy is not a well-formed certificate request".into(),
            error_code: "bad_request".into(),
            padding: random_padding(&mut OsRandom),
            ..Default::default()
        };
        return json(400, &body);
    }
    if is_chaff(&headers) {
        let body = CertificateResponse {
            certificate: fake_jwt(390),
            padding: random_padding(&mut OsRandom),
            ..Default::default()
        };
        return json(200, &body);
    }
    match services.certificate(&request).await {
        Ok(mut answer) => {
            answer.body.padding = random_padding(&mut OsRandom);
            json(answer.status, &answer.body)
        }
        Err(error) => internal_error(&error),
    }
}

async fn publish(
    State(services): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let (status, code, error) = unread_body(&rejection);
            let body = PublishResponse {
                error,
                code: code.into(),
                padding: random_padding(&mut OsRandom),
                ..Default::default()
            };
            return json(status, &body);
        }
    };
    let Ok(request) = serde_json::from_slice::<PublishRequest>(&body) else {
        let body = PublishResponse {
            error: "the request is not a JSON publish request".into(),
            code: "bad_request".into(),
            padding: random_padding(&mut OsRandom),
            ..Default::default()
        };
        return json(400, &body);
    };
    if is_chaff(&headers) && !well_formed_publish(&body, &request) {
        let body = PublishResponse {
            error: "the decoy is not a well-formed publish request".into(),
            code: "bad_request".into(),
            padding: random_padding(&mut OsRandom),
            ..Default::default()
        };
        return json(400, &body);
    }
    if is_chaff(&headers) {
        let body = PublishResponse {
            inserted_exposures: u32::try_from(request.temporary_exposure_keys.len()).unwrap_or(0),
            padding: random_padding(&mut OsRandom),
            ..Default::default()
        };
        return json(200, &body);
    }
    match services.publish(&request).await {
        Ok(mut answer) => {
            answer.body.padding = random_padding(&mut OsRandom);
            json(answer.status, &answer.body)
        }
        Err(error) => internal_error(&error),
    }
}
