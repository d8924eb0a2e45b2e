//! The staff session as axum extractors: [`StaffSession`] (a logged-in member of staff, from the
//! session cookie) and [`StaffForm`] (a form posted by one, its CSRF token checked). Every page
//! behind the portal login takes one of them as an argument: the portal's own pages, the venue
//! notices in the portal and the contact listing.
//!
//! Without a live session the request is answered with a redirect to the login page; a form
//! that cannot be read is answered 400, and one without this session's CSRF token 403, before
//! the handler runs.

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::auth::{self, SecretToken};
use super::{LOGIN_PATH, SESSION_COOKIE};
use crate::pages::{Site, html, problem_page};
use crate::routes::ServicesState;
use crate::staff_time::StaffZone;

/// CSRF purpose of the forms of a logged-in session: one token for every form behind the login
/// (the contact listing's multipart form checks it itself, with [`StaffSession::csrf_matches`]).
pub const SESSION_PURPOSE: &str = "session";

/// The value of the cookie `name` in the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_owned())
}

/// A logged-in member of staff: the name and the session token (from the session cookie,
/// checked against the database).
#[derive(Debug)]
pub struct StaffSession {
    name: String,
    token: SecretToken,
    zone: StaffZone,
}

impl StaffSession {
    /// The staff name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The staff time zone the pages show days and times in ([`crate::staff_time`]).
    pub fn zone(&self) -> &StaffZone {
        &self.zone
    }

    /// The session token.
    pub fn token(&self) -> &SecretToken {
        &self.token
    }

    /// The CSRF token of this session's forms.
    pub fn csrf(&self) -> String {
        self.csrf_for(SESSION_PURPOSE)
    }

    /// The CSRF token of this session's forms for `purpose`.
    pub fn csrf_for(&self, purpose: &str) -> String {
        self.token.csrf_token(purpose)
    }

    /// Whether `sent` is this session's CSRF token for `purpose` (constant time).
    pub fn csrf_matches(&self, purpose: &str, sent: &str) -> bool {
        self.token.csrf_matches(purpose, sent)
    }

    /// A session of `name` with a new token (for the pages' unit tests).
    #[cfg(test)]
    pub(crate) fn for_tests(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            token: SecretToken::generate(),
            zone: StaffZone::default(),
        }
    }

    /// The session in `headers`, if it is live; `Err` holds the answer: the redirect to the
    /// login page, or a 500 page when the database failed.
    pub async fn from_headers(
        state: &impl ServicesState,
        headers: &HeaderMap,
    ) -> Result<Self, Response> {
        let Some(token) =
            cookie(headers, SESSION_COOKIE).and_then(|value| SecretToken::parse(&value))
        else {
            return Err(Redirect::to(LOGIN_PATH).into_response());
        };
        match auth::session_user(state.services(), &token).await {
            Ok(Some(name)) => Ok(Self {
                name,
                token,
                zone: state.services().config.staff_time_zone.clone(),
            }),
            Ok(None) => Err(Redirect::to(LOGIN_PATH).into_response()),
            Err(error) => Err(server_failed(&error)),
        }
    }
}

impl<S: ServicesState> FromRequestParts<S> for StaffSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Self::from_headers(state, &parts.headers).await
    }
}

/// A posted form with its CSRF token beside the form's own fields.
#[derive(Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: T,
}

/// A form posted by a logged-in member of staff with this session's CSRF token (the `csrf`
/// field, read beside the fields of `T`, which need not name it).
#[derive(Debug)]
pub struct StaffForm<T> {
    /// Who posted it.
    pub staff: StaffSession,
    /// The form.
    pub form: T,
}

impl<S, T> FromRequest<S> for StaffForm<T>
where
    S: ServicesState,
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let staff = StaffSession::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let Ok(Form(WithCsrf { csrf, form })) =
            Form::<WithCsrf<T>>::from_request(request, state).await
        else {
            return Err(bad_form());
        };
        if !staff.csrf_matches(SESSION_PURPOSE, &csrf) {
            return Err(forbidden_form());
        }
        Ok(Self { staff, form })
    }
}

/// A page of the portal with one message.
pub fn problem(status: StatusCode, ja: &str, en: &str) -> Response {
    html(status, problem_page(Site::Portal(None), ja, en))
}

/// The answer to a failure inside the server behind the login (logged; messages never hold
/// personal data).
pub fn server_failed(error: &crate::Error) -> Response {
    tracing::error!(%error, "portal request failed");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "サーバーでエラーが起きました。しばらくしてからやり直してください。",
        "The server failed; try again later.",
    )
}

/// The answer to a form without this session's CSRF token.
pub fn forbidden_form() -> Response {
    problem(
        StatusCode::FORBIDDEN,
        "このフォームは受け付けられません。ページを開き直してからやり直してください。",
        "This form was not accepted (missing or wrong form token); reload the page and try again.",
    )
}

/// The answer to a form that cannot be read.
pub fn bad_form() -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "フォームの内容が読めません。ページを開き直してください。",
        "The form could not be read; reload the page and try again.",
    )
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name_across_headers() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; mimamori_staff_x=2"),
        );
        headers.append(
            header::COOKIE,
            HeaderValue::from_static(" mimamori_staff = 3 ;b=4"),
        );
        assert_eq!(cookie(&headers, "a").as_deref(), Some("1"));
        assert_eq!(cookie(&headers, "mimamori_staff_x").as_deref(), Some("2"));
        assert_eq!(cookie(&headers, "b").as_deref(), Some("4"));
        assert_eq!(cookie(&headers, "c"), None);
    }

    #[tokio::test]
    async fn the_csrf_token_is_read_beside_the_form_fields() {
        #[derive(Deserialize)]
        struct Expire {
            id: String,
        }
        let request = Request::post("/")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(axum::body::Body::from("id=abc&csrf=t0k"))
            .unwrap();
        let Form(WithCsrf { csrf, form }) = Form::<WithCsrf<Expire>>::from_request(request, &())
            .await
            .unwrap();
        assert_eq!((csrf.as_str(), form.id.as_str()), ("t0k", "abc"));
    }

    #[test]
    fn refusals_are_pages_with_their_status() {
        assert_eq!(forbidden_form().status(), StatusCode::FORBIDDEN);
        assert_eq!(bad_form().status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            server_failed(&crate::Error::Config("x".into())).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn session_csrf_tokens_are_bound_to_the_session_and_purpose() {
        let staff = StaffSession::for_tests("tanaka");
        assert!(staff.csrf_matches(SESSION_PURPOSE, &staff.csrf()));
        assert!(!staff.csrf_matches("listing", &staff.csrf()));
        assert!(staff.csrf_matches("listing", &staff.csrf_for("listing")));
        assert!(!staff.csrf_matches(SESSION_PURPOSE, ""));
    }
}
