//! The HTTP routes: the phone API ([`phone`]), the health-authority API ([`authority`]), the
//! export files ([`files`]) and the OpenAPI document ([`crate::openapi`]).
//!
//! The staff portal (another module, `portal`) merges its own router into [`router`] and calls
//! the same service functions ([`crate::service::Services`]).
//!
//! Privacy: no route logs or stores a client address, a code, a key or a token; no tracing
//! layer records remote addresses.

pub mod authority;
pub mod files;
pub mod phone;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use crate::service::Services;

/// Shared state of every route.
pub type AppState = Arc<Services>;

/// Path of the liveness check.
pub const HEALTH_PATH: &str = "/health";

/// The whole application.
pub fn router(services: AppState) -> Router {
    Router::new()
        .merge(phone::router())
        .merge(authority::router())
        .merge(files::router())
        .merge(crate::listing_page::router())
        .merge(crate::portal::router())
        .merge(crate::venues::router(&services))
        .route(crate::openapi::OPENAPI_PATH, get(crate::openapi::serve))
        .route(HEALTH_PATH, get(|| async { "ok" }))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&services),
            crate::ratelimit::limit,
        ))
        .with_state(services)
}

/// A JSON response that is never cached.
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

/// The answer to a request that failed inside the server. The cause is logged (messages never
/// hold personal data); the client learns only that it should retry.
pub(crate) fn internal_error(error: &crate::Error) -> Response {
    tracing::error!(%error, "request failed");
    json(
        500,
        &serde_json::json!({
            "error": "internal error; try again later",
            "code": "internal",
            "errorCode": "internal",
        }),
    )
}
