//! The notice operations as the JSON API ([`mimamori_api::v1::venues`]): operators' requests
//! and keywords ([`crate::venues::NOTICE_REQUESTS_PATH`], [`crate::venues::KEYWORDS_PATH`]) and
//! the authority's decisions and direct notices behind an API key ([`AuthorityKey`]).

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use mimamori_api::v1::venues::{
    Decision, DirectNotice, ErrorResponse, Keyword, KeywordRequest, NoticeRequest, NoticeRequested,
    PendingRequests, Published, RequestStatus,
};

use super::{NoticeProblem, decide, direct, file_request, make_keyword, pending};
use crate::answers::{internal_error, json};
use crate::routes::authority::AuthorityKey;
use crate::venues::{VenueState, bad_request};

/// The JSON answer to a refused notice: 404 for an unknown code or request, else 400.
fn refusal(problem: NoticeProblem) -> Response {
    json(problem.status(), &ErrorResponse::notice(problem))
}

/// The refusal of a body that is not the expected JSON.
fn bad_json() -> Response {
    bad_request("the body is not the expected JSON")
}

/// `POST /venues/v1/notice-requests`.
pub(crate) async fn request_json(State(venues): State<VenueState>, bytes: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<NoticeRequest>(&bytes) else {
        return bad_json();
    };
    let Some(credential) = request.credential() else {
        return bad_request(
            "give exactly one of managerKey (the manager's device) or keyword (staff)",
        );
    };
    match file_request(&venues, credential, &request.fields).await {
        Ok(Ok(request_id)) => json(
            202,
            &NoticeRequested {
                request_id,
                status: RequestStatus::Pending,
            },
        ),
        Ok(Err(problem)) => refusal(problem),
        Err(error) => internal_error(&error),
    }
}

/// `POST /venues/v1/keywords`.
pub(crate) async fn keyword_json(State(venues): State<VenueState>, bytes: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<KeywordRequest>(&bytes) else {
        return bad_json();
    };
    match make_keyword(&venues, &request.manager_key).await {
        Ok(Some((keyword, expires_at))) => json(
            201,
            &Keyword {
                keyword,
                expires_at,
            },
        ),
        Ok(None) => refusal(NoticeProblem::UnknownCode),
        Err(error) => internal_error(&error),
    }
}

/// `GET /api/v1/authority/venues/notice-requests`.
pub(crate) async fn pending_json(_: AuthorityKey, State(venues): State<VenueState>) -> Response {
    match pending(&venues).await {
        Ok(requests) => json(200, &PendingRequests { requests }),
        Err(error) => internal_error(&error),
    }
}

/// `POST .../notice-requests/{id}/approve` (`APPROVE`) and `.../reject`: decides the request
/// the path names. An id that is not even text (bad percent-encoding) names no request.
pub(crate) async fn decide_json<const APPROVE: bool>(
    key: AuthorityKey,
    State(venues): State<VenueState>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let id = id.map(|Path(id)| id).unwrap_or_default();
    match decide(&venues, &id, APPROVE, &key.by()).await {
        Ok(Ok(())) => json(
            200,
            &Decision {
                status: RequestStatus::decided(APPROVE),
            },
        ),
        Ok(Err(problem)) => refusal(problem),
        Err(error) => internal_error(&error),
    }
}

/// Deserialises the bodies of [`crate::venues::NOTICE_REQUESTS_PATH`],
/// [`crate::venues::KEYWORDS_PATH`] and [`crate::venues::AUTHORITY_NOTICES_PATH`] as the routes
/// do (for the OpenAPI example test).
#[cfg(test)]
pub(crate) fn notice_bodies_deserialise(
    request: &serde_json::Value,
    keyword: &serde_json::Value,
    direct: &serde_json::Value,
) -> serde_json::Result<()> {
    use serde::Deserialize as _;
    let request = NoticeRequest::deserialize(request)?;
    assert!(request.credential().is_some());
    let keyword = KeywordRequest::deserialize(keyword)?;
    assert!(mimamori_venue::TraceCode::parse(&keyword.manager_key).is_ok());
    let direct = DirectNotice::deserialize(direct)?;
    assert!(mimamori_venue::TraceCode::parse(&direct.trace_code).is_ok());
    assert!(!request.fields.template.is_empty() && !direct.fields.date.is_empty());
    Ok(())
}

/// `POST /api/v1/authority/venues/notices`.
pub(crate) async fn direct_json(
    key: AuthorityKey,
    State(venues): State<VenueState>,
    bytes: Bytes,
) -> Response {
    let Ok(notice) = serde_json::from_slice::<DirectNotice>(&bytes) else {
        return bad_json();
    };
    match direct(&venues, &notice.trace_code, &notice.fields, &key.by()).await {
        Ok(Ok((_, published))) => json(201, &Published { published }),
        Ok(Err(problem)) => refusal(problem),
        Err(error) => internal_error(&error),
    }
}
