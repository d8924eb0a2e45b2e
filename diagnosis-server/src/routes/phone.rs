//! The phone API: [`VERIFY_PATH`], [`CERTIFICATE_PATH`], [`PUBLISH_PATH`].
//!
//! Every response is padded with random bytes. A request with `X-Chaff` is answered with a
//! response of the same shape and similar size, after reading its body, and changes nothing.
//! Bodies larger than [`MAX_PUBLISH_BODY_BYTES`] are refused with 413.
//!
//! Verify and certificate requests are limited per client ([`crate::ratelimit`]), and failed
//! verifications on the whole server per minute; both answer 429 with `Retry-After` and a
//! padded body whose `errorCode` is `rate_limited`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use base64::Engine as _;
use mimamori_core::OsRandom;
use mimamori_core::RandomSource;
use mimamori_core::api::v1::{
    CERTIFICATE_PATH, CHAFF_HEADER, CertificateRequest, CertificateResponse,
    MAX_PUBLISH_BODY_BYTES, PUBLISH_PATH, PublishRequest, PublishResponse, TestType, VERIFY_PATH,
    VerifyCodeRequest, VerifyCodeResponse, random_padding,
};

use super::{AppState, internal_error, json};

/// The phone routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(VERIFY_PATH, post(verify))
        .route(CERTIFICATE_PATH, post(certificate))
        .route(PUBLISH_PATH, post(publish))
        .layer(DefaultBodyLimit::max(MAX_PUBLISH_BODY_BYTES))
}

fn is_chaff(headers: &HeaderMap) -> bool {
    headers.contains_key(CHAFF_HEADER)
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

async fn verify(State(services): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
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
    let Ok(request) = serde_json::from_slice::<VerifyCodeRequest>(&body) else {
        let body = VerifyCodeResponse {
            error: "the request is not a JSON verify request".into(),
            error_code: "bad_request".into(),
            padding: random_padding(&mut OsRandom),
            ..Default::default()
        };
        return json(400, &body);
    };
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
    body: Bytes,
) -> Response {
    if is_chaff(&headers) {
        let body = CertificateResponse {
            certificate: fake_jwt(390),
            padding: random_padding(&mut OsRandom),
            ..Default::default()
        };
        return json(200, &body);
    }
    let Ok(request) = serde_json::from_slice::<CertificateRequest>(&body) else {
        let body = CertificateResponse {
            error: "the request is not a JSON certificate request".into(),
            error_code: "bad_request".into(),
            padding: random_padding(&mut OsRandom),
            ..Default::default()
        };
        return json(400, &body);
    };
    match services.certificate(&request).await {
        Ok(mut answer) => {
            answer.body.padding = random_padding(&mut OsRandom);
            json(answer.status, &answer.body)
        }
        Err(error) => internal_error(&error),
    }
}

async fn publish(State(services): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if is_chaff(&headers) {
        let inserted = serde_json::from_slice::<PublishRequest>(&body)
            .map(|request| u32::try_from(request.temporary_exposure_keys.len()).unwrap_or(0))
            .unwrap_or(14);
        let body = PublishResponse {
            inserted_exposures: inserted,
            padding: random_padding(&mut OsRandom),
            ..Default::default()
        };
        return json(200, &body);
    }
    let Ok(request) = serde_json::from_slice::<PublishRequest>(&body) else {
        let body = PublishResponse {
            error: "the request is not a JSON publish request".into(),
            code: "bad_request".into(),
            padding: random_padding(&mut OsRandom),
            ..Default::default()
        };
        return json(400, &body);
    };
    match services.publish(&request).await {
        Ok(mut answer) => {
            answer.body.padding = random_padding(&mut OsRandom);
            json(answer.status, &answer.body)
        }
        Err(error) => internal_error(&error),
    }
}
