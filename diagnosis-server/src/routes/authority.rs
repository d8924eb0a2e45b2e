//! The health-authority API under [`AUTHORITY_PREFIX`], authenticated with an API key in the
//! [`API_KEY_HEADER`] header.
//!
//! | method | path | what |
//! |--------|------|------|
//! | POST | `/api/v1/authority/codes` | issue a code ([`IssueCodeRequest`] → [`IssuedCode`]) |
//! | GET | `/api/v1/authority/codes/{id}` | a code's status |
//! | POST | `/api/v1/authority/codes/{id}/expire` | expire an unused code now |
//! | GET | `/api/v1/authority/stats?days=N` | daily statistics |
//! | POST | `/api/v1/authority/export` | run an export batch now |
//! | POST | `/api/v1/authority/signing-keys/rotate` | add a new export signing key version |
//!
//! [`IssueCodeRequest`]: crate::service::IssueCodeRequest
//! [`IssuedCode`]: crate::service::IssuedCode

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json as value;

use super::{AppState, ServicesState, internal_error, json};
use crate::service::{AuthorityProblem, IssueCodeRequest};

/// Prefix of the authority API.
pub const AUTHORITY_PREFIX: &str = "/api/v1/authority";

/// Header carrying the API key.
pub const API_KEY_HEADER: &str = "X-API-Key";

/// Path to issue codes.
pub const CODES_PATH: &str = "/api/v1/authority/codes";
/// Path of one code's status.
pub const CODE_PATH: &str = "/api/v1/authority/codes/{id}";
/// Path to expire a code.
pub const EXPIRE_CODE_PATH: &str = "/api/v1/authority/codes/{id}/expire";
/// Path of the statistics.
pub const STATS_PATH: &str = "/api/v1/authority/stats";
/// Path to run an export batch now.
pub const EXPORT_PATH: &str = "/api/v1/authority/export";
/// Fewest and most days the statistics cover (`?days=`; 14 when absent).
pub const STATS_DAYS: std::ops::RangeInclusive<u32> = 1..=366;

/// Path to rotate the export signing key.
pub const ROTATE_PATH: &str = "/api/v1/authority/signing-keys/rotate";

/// The authority routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(CODES_PATH, post(issue_code))
        .route(CODE_PATH, get(code_status))
        .route(EXPIRE_CODE_PATH, post(expire_code))
        .route(STATS_PATH, get(statistics))
        .route(EXPORT_PATH, post(export_now))
        .route(ROTATE_PATH, post(rotate))
        .layer(DefaultBodyLimit::max(16 * 1024))
}

/// A request from the health authority's systems with a valid API key in [`API_KEY_HEADER`]:
/// the name the key was made for. Without a key, or with a wrong one, the request is answered
/// 401 (JSON) before its handler runs; the authority routes and the venue notice decisions take
/// it as an argument.
#[derive(Debug)]
pub struct AuthorityKey {
    /// The name the key was made for.
    pub name: String,
}

impl AuthorityKey {
    /// Who acted, as staff see it beside a code or a published notice: `API key <name>`.
    pub fn by(&self) -> String {
        format!("API key {}", self.name)
    }
}

impl<S: ServicesState> FromRequestParts<S> for AuthorityKey {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let key = parts
            .headers
            .get(API_KEY_HEADER)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        if key.is_empty() {
            return Err(json(
                401,
                &value!({"error": "an API key is required (X-API-Key)"}),
            ));
        }
        match state.services().authenticate(key).await {
            Ok(Some(name)) => Ok(Self { name }),
            Ok(None) => Err(json(401, &value!({"error": "the API key is not valid"}))),
            Err(error) => Err(internal_error(&error)),
        }
    }
}

async fn issue_code(key: AuthorityKey, State(services): State<AppState>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<IssueCodeRequest>(&body) else {
        return json(
            400,
            &value!({"error": "expected {\"testType\": \"confirmed\"|\"likely\"|\"negative\", \"symptomDate\"?: \"YYYY-MM-DD\", \"testDate\"?: \"YYYY-MM-DD\"}"}),
        );
    };
    match services.issue_code(&request, &key.by()).await {
        Ok(Ok(issued)) => json(200, &issued),
        Ok(Err(AuthorityProblem::BadDate)) => json(
            400,
            &value!({"error": "dates must be YYYY-MM-DD, not in the future and at most 28 days ago"}),
        ),
        Err(error) => internal_error(&error),
    }
}

async fn code_status(
    _: AuthorityKey,
    State(services): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    // An id that is not even text (bad percent-encoding) is simply not found.
    let Ok(Path(id)) = id else {
        return json(404, &value!({"error": "no code with this id"}));
    };
    match services.code_status(&id).await {
        Ok(Some(status)) => {
            let now = services.now();
            let state = if status.redeemed_at.is_some() {
                "redeemed"
            } else if status.expired_at.is_some() || status.expires_at <= now {
                "expired"
            } else {
                "valid"
            };
            let mut body = serde_json::to_value(&status).unwrap_or_default();
            body["state"] = value!(state);
            json(200, &body)
        }
        Ok(None) => json(404, &value!({"error": "no code with this id"})),
        Err(error) => internal_error(&error),
    }
}

async fn expire_code(
    _: AuthorityKey,
    State(services): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let expired = match id {
        Ok(Path(id)) => services.expire_code(&id).await,
        // An id that is not even text (bad percent-encoding) names no code.
        Err(_) => Ok(false),
    };
    match expired {
        Ok(true) => json(200, &value!({"expired": true})),
        Ok(false) => json(
            409,
            &value!({"expired": false, "error": "no unused, unexpired code with this id"}),
        ),
        Err(error) => internal_error(&error),
    }
}

#[derive(Deserialize)]
struct StatsQuery {
    days: Option<u32>,
}

async fn statistics(
    _: AuthorityKey,
    State(services): State<AppState>,
    query: Result<Query<StatsQuery>, QueryRejection>,
) -> Response {
    let days = match query {
        Ok(Query(StatsQuery { days: None })) => 14,
        Ok(Query(StatsQuery { days: Some(days) })) if STATS_DAYS.contains(&days) => days,
        _ => {
            return json(
                400,
                &value!({"error": "days must be a whole number from 1 to 366", "code": "bad_request"}),
            );
        }
    };
    match services.statistics(days).await {
        Ok(days) => json(200, &value!({ "days": days })),
        Err(error) => internal_error(&error),
    }
}

async fn export_now(_: AuthorityKey, State(services): State<AppState>) -> Response {
    match crate::export::run_export(&services).await {
        Ok(outcome) => json(200, &outcome),
        Err(error) => internal_error(&error),
    }
}

async fn rotate(_: AuthorityKey, State(services): State<AppState>) -> Response {
    let now = services.now();
    let rotated = match services.export_keys.write() {
        Ok(mut ring) => ring.rotate(now),
        Err(_) => Err(crate::Error::SigningKey(
            "the key ring lock was poisoned".into(),
        )),
    };
    match rotated {
        Ok(published) => {
            tracing::info!(version = %published.version, "export signing key rotated");
            json(200, &published)
        }
        Err(error) => internal_error(&error),
    }
}
