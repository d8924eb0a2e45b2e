//! JSON answers: the one place that builds a JSON response ([`json`]) and the body of a JSON
//! error ([`error_body`]), used by every API route, by the layer that turns axum's plain-text
//! rejections into JSON ([`crate::routes::every_response`]) and by the failures inside the server
//! ([`internal_error`]).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A JSON response with `status` that is never cached.
pub(crate) fn json<T: Serialize>(status: u16, body: &T) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The body of a JSON error: `error` for people, the machine-readable `code` twice (as `code`
/// and as `errorCode`, the name the verification endpoints use).
pub(crate) fn error_body(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({
        "error": message,
        "code": code,
        "errorCode": code,
    })
}

/// The answer to a request that failed inside the server. The cause is logged (messages never
/// hold personal data); the client learns only that it should retry.
pub(crate) fn internal_error(error: &crate::Error) -> Response {
    tracing::error!(%error, "request failed");
    json(
        500,
        &error_body("internal", "internal error; try again later"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_errors_are_json_with_both_code_names_and_never_cached() {
        let response = internal_error(&crate::Error::Config("x".into()));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let bytes = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap_or_default();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        assert_eq!(
            body,
            serde_json::json!({
                "error": "internal error; try again later",
                "code": "internal",
                "errorCode": "internal",
            })
        );
    }
}
