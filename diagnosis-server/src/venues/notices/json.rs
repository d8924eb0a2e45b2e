//! The notice operations as the JSON API: operators' requests and keywords
//! ([`crate::venues::NOTICE_REQUESTS_PATH`], [`crate::venues::KEYWORDS_PATH`]) and the authority's
//! decisions and direct notices behind an API key ([`AuthorityKey`]).

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::{
    Credential, NoticeFields, NoticeProblem, decide, direct, file_request, make_keyword, pending,
};
use crate::answers::{internal_error, json};
use crate::routes::authority::AuthorityKey;
use crate::venues::VenueState;

/// The JSON answer to a refused notice: 404 for an unknown code or request, else 400.
fn refusal(problem: NoticeProblem) -> Response {
    let (_, en) = problem.messages();
    let status = match problem {
        NoticeProblem::UnknownCode | NoticeProblem::UnknownRequest => 404,
        _ => 400,
    };
    json(
        status,
        &serde_json::json!({"error": en, "code": problem.code()}),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestBody {
    #[serde(default)]
    manager_key: Option<String>,
    #[serde(default)]
    keyword: Option<String>,
    #[serde(flatten)]
    fields: NoticeFields,
}

fn bad_json() -> Response {
    json(
        400,
        &serde_json::json!({"error": "the body is not the expected JSON", "code": "bad_request"}),
    )
}

/// `POST /venues/v1/notice-requests`.
pub(crate) async fn request_json(State(venues): State<VenueState>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<RequestBody>(&body) else {
        return bad_json();
    };
    let credential = match (&body.manager_key, &body.keyword) {
        (Some(key), None) => Credential::Manager(key),
        (None, Some(keyword)) => Credential::Keyword(keyword),
        _ => {
            return json(
                400,
                &serde_json::json!({
                    "error": "give exactly one of managerKey (the manager's device) or keyword (staff)",
                    "code": "bad_request",
                }),
            );
        }
    };
    match file_request(&venues, credential, &body.fields).await {
        Ok(Ok(id)) => json(
            202,
            &serde_json::json!({"requestId": id, "status": "pending"}),
        ),
        Ok(Err(problem)) => refusal(problem),
        Err(error) => internal_error(&error),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeywordBody {
    manager_key: String,
}

/// `POST /venues/v1/keywords`.
pub(crate) async fn keyword_json(State(venues): State<VenueState>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<KeywordBody>(&body) else {
        return bad_json();
    };
    match make_keyword(&venues, &body.manager_key).await {
        Ok(Some((keyword, expires_at))) => json(
            201,
            &serde_json::json!({"keyword": keyword, "expiresAt": expires_at}),
        ),
        Ok(None) => refusal(NoticeProblem::UnknownCode),
        Err(error) => internal_error(&error),
    }
}

/// `GET /api/v1/authority/venues/notice-requests`.
pub(crate) async fn pending_json(_: AuthorityKey, State(venues): State<VenueState>) -> Response {
    match pending(&venues).await {
        Ok(summaries) => json(200, &serde_json::json!({"requests": summaries})),
        Err(error) => internal_error(&error),
    }
}

async fn decide_json(venues: VenueState, id: String, approve: bool) -> Response {
    match decide(&venues, &id, approve).await {
        Ok(Ok(())) => json(
            200,
            &serde_json::json!({"status": if approve { "approved" } else { "rejected" }}),
        ),
        Ok(Err(problem)) => refusal(problem),
        Err(error) => internal_error(&error),
    }
}

/// `POST .../notice-requests/{id}/approve`.
pub(crate) async fn approve_json(
    _: AuthorityKey,
    State(venues): State<VenueState>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    // An id that is not even text (bad percent-encoding) names no request.
    let id = id.map(|Path(id)| id).unwrap_or_default();
    decide_json(venues, id, true).await
}

/// `POST .../notice-requests/{id}/reject`.
pub(crate) async fn reject_json(
    _: AuthorityKey,
    State(venues): State<VenueState>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    // An id that is not even text (bad percent-encoding) names no request.
    let id = id.map(|Path(id)| id).unwrap_or_default();
    decide_json(venues, id, false).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DirectBody {
    trace_code: String,
    #[serde(flatten)]
    fields: NoticeFields,
}

/// Deserialises the bodies of [`crate::venues::NOTICE_REQUESTS_PATH`], [`crate::venues::KEYWORDS_PATH`] and
/// [`crate::venues::AUTHORITY_NOTICES_PATH`] as the routes do (for the OpenAPI example test).
#[cfg(test)]
pub(crate) fn notice_bodies_deserialise(
    request: &serde_json::Value,
    keyword: &serde_json::Value,
    direct: &serde_json::Value,
) -> serde_json::Result<()> {
    let request = RequestBody::deserialize(request)?;
    assert!(request.manager_key.is_some() != request.keyword.is_some());
    let keyword = KeywordBody::deserialize(keyword)?;
    assert!(mimamori_venue::TraceCode::parse(&keyword.manager_key).is_ok());
    let direct = DirectBody::deserialize(direct)?;
    assert!(mimamori_venue::TraceCode::parse(&direct.trace_code).is_ok());
    assert!(!request.fields.template.is_empty() && !direct.fields.date.is_empty());
    Ok(())
}

/// `POST /api/v1/authority/venues/notices`.
pub(crate) async fn direct_json(
    _: AuthorityKey,
    State(venues): State<VenueState>,
    body: Bytes,
) -> Response {
    let Ok(body) = serde_json::from_slice::<DirectBody>(&body) else {
        return bad_json();
    };
    match direct(&venues, &body.trace_code, &body.fields).await {
        Ok(Ok((_, count))) => json(201, &serde_json::json!({"published": count})),
        Ok(Err(problem)) => refusal(problem),
        Err(error) => internal_error(&error),
    }
}
