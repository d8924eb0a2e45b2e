//! The HTTP routes: the phone API ([`phone`]), the health-authority API ([`authority`]), the
//! export files ([`files`]) and the OpenAPI document ([`crate::openapi`]).
//!
//! The staff portal (another module, `portal`) merges its own router into [`router`] and calls
//! the same service functions ([`crate::service::Services`]).
//!
//! Privacy: no route logs or stores a client address, a code, a key or a token; no tracing
//! layer records remote addresses.
//!
//! One layer ([`every_response`]) wraps every route, the fallback (404) and the method
//! rejections (405):
//! - every response gets `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
//!   `Referrer-Policy: no-referrer`, and [`DEFAULT_CONTENT_SECURITY_POLICY`] unless the page set
//!   its own;
//! - an error answer that is not JSON (axum's plain-text rejections: 413 from a body limit, 400
//!   from a query, path or body that cannot be read, 404, 405, 415) becomes a JSON error
//!   `{"error", "code", "errorCode"}` on every path but the HTML pages (`/portal`,
//!   [`crate::venues::REGISTER_PAGE_PATH`], [`crate::venues::NOTICE_REQUEST_PAGE_PATH`]); on the
//!   padded phone API ([`phone`]) it carries `padding` too. Other headers (`Allow`,
//!   `Retry-After`) are kept.

pub mod authority;
pub mod files;
pub mod phone;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use mimamori_api::v1::{CERTIFICATE_PATH, PUBLISH_PATH, VERIFY_PATH, random_padding};
use mimamori_environment::OsRandom;

pub(crate) use crate::answers::{internal_error, json};
use crate::service::Services;

/// Shared state of every route.
pub type AppState = Arc<Services>;

/// A router state that reaches the server's services: what the extractors of a staff session
/// ([`crate::portal::session`]) and of an API key ([`authority::AuthorityKey`]) need, whichever
/// router (the application's or the venues') they run in.
pub trait ServicesState: Send + Sync {
    /// The services.
    fn services(&self) -> &Services;
}

impl ServicesState for AppState {
    fn services(&self) -> &Services {
        self
    }
}

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
        .merge(crate::checkin_page::router())
        .route(crate::openapi::OPENAPI_PATH, get(crate::openapi::serve))
        .route(HEALTH_PATH, get(|| async { "ok" }))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&services),
            crate::ratelimit::limit,
        ))
        .with_state(services)
        .layer(axum::middleware::from_fn(every_response))
}

/// Content-Security-Policy of responses whose route sets none (JSON, files, errors): nothing may
/// load, nothing may frame it.
pub const DEFAULT_CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// What kind of path a request went to, for the shape of its error answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PathKind {
    /// The phone API: JSON errors with padding.
    Phone,
    /// A server-rendered HTML page: errors stay as the page made them.
    Page,
    /// Everything else (APIs, files, unknown paths): JSON errors.
    Api,
}

impl PathKind {
    fn of(path: &str) -> Self {
        if [VERIFY_PATH, CERTIFICATE_PATH, PUBLISH_PATH].contains(&path) {
            Self::Phone
        } else if path == crate::portal::PORTAL_PREFIX
            || path.starts_with("/portal/")
            || path == crate::venues::REGISTER_PAGE_PATH
            || path == crate::venues::NOTICE_REQUEST_PAGE_PATH
            || path == crate::venues::POSTER_FORM_PATH
        {
            Self::Page
        } else {
            Self::Api
        }
    }
}

/// The layer around every route: security headers on every response, JSON errors on the APIs.
pub async fn every_response(request: Request, next: Next) -> Response {
    let kind = PathKind::of(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    let mut response = if (status.is_client_error() || status.is_server_error())
        && !is_json
        && kind != PathKind::Page
    {
        as_json_error(kind, response)
    } else {
        response
    };
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_CONTENT_SECURITY_POLICY),
        );
    }
    response
}

/// `response` (an error from axum's extractors or router) as a JSON error with the same status
/// and other headers. The message is fixed per status: axum's text may quote the request.
fn as_json_error(kind: PathKind, response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    let (code, message) = match parts.status {
        StatusCode::BAD_REQUEST => (
            "bad_request",
            "the request could not be read: check its query, path and body",
        ),
        StatusCode::NOT_FOUND => ("not_found", "nothing is served at this path"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this path does not accept that method; see the Allow header",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "body_too_large",
            "the request body is larger than this endpoint accepts",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "the request body has a content type this endpoint does not accept",
        ),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "the request did not arrive in time"),
        StatusCode::TOO_MANY_REQUESTS => (
            "rate_limited",
            "too many requests; retry after the time in Retry-After",
        ),
        StatusCode::SERVICE_UNAVAILABLE => {
            ("unavailable", "the service is unavailable; try again later")
        }
        status if status.is_server_error() => ("internal", "internal error; try again later"),
        _ => ("bad_request", "the request was refused"),
    };
    let mut body = crate::answers::error_body(code, message);
    if kind == PathKind::Phone {
        body["padding"] = serde_json::Value::String(random_padding(&mut OsRandom));
    }
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
