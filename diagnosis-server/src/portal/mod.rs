//! The staff portal: a small server-rendered web application under [`PORTAL_PREFIX`] for health
//! authority staff to log in, issue a verification code (「処理番号」) to read to a person who
//! tested positive, check or expire a code, and see daily statistics. It calls the same service
//! functions as the JSON API ([`crate::service::Services`]).
//!
//! | method | path | what |
//! |--------|------|------|
//! | GET, POST | `/portal/login` | log in (name, password) |
//! | POST | `/portal/logout` | log out |
//! | GET, POST | `/portal/codes` | the issue form; issue a code |
//! | GET | `/portal/codes/status?id=` | a code's status |
//! | POST | `/portal/codes/expire` | expire an unused code |
//! | GET | `/portal/stats` | statistics of the last 14 days |
//!
//! Security ([`auth`] has the details): Argon2id passwords checked one at a time (503 when
//! busy), accounts created by the operator (`mimamori-diagnosis-server staff add <name>`), a
//! per-client login rate (429) and a lockout per account and client after repeated failures, random
//! session tokens stored hashed in an `HttpOnly`, `SameSite=Strict` cookie (`Secure` behind
//! HTTPS), a synchronizer CSRF token in every form, every value HTML-escaped, and a
//! Content-Security-Policy without scripts. Pages are never cached. Nothing about a code or a
//! session is logged.

pub mod auth;
pub mod html;
pub mod session;
mod slip;

pub use slip::SLIP_PATH;

use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use mimamori_api::v1::TestType;
use serde::Deserialize;

use self::auth::{LoginOutcome, SecretToken};
use self::html::{CodeState, StatusView};
use self::session::{StaffForm, StaffSession, bad_form, forbidden_form, problem, server_failed};
use crate::ratelimit::ClientId;
use crate::routes::AppState;
use crate::service::{AuthorityProblem, IssueCodeRequest};

pub use self::auth::{add_staff_account, generate_password, remove_staff_account};

/// Prefix of every portal path.
pub const PORTAL_PREFIX: &str = "/portal";
/// The login page.
pub const LOGIN_PATH: &str = "/portal/login";
/// Logging out.
pub const LOGOUT_PATH: &str = "/portal/logout";
/// The issue form.
pub const CODES_PATH: &str = "/portal/codes";
/// A code's status.
pub const STATUS_PATH: &str = "/portal/codes/status";
/// Expiring a code.
pub const EXPIRE_PATH: &str = "/portal/codes/expire";
/// Statistics.
pub const STATS_PATH: &str = "/portal/stats";

/// `POST`: run one export now (the worker's own run), then show the statistics with what it
/// made.
pub const EXPORT_PATH: &str = "/portal/export";
/// The stylesheet.
pub const STYLESHEET_PATH: &str = "/portal/style.css";

/// Cookie holding the session token.
pub const SESSION_COOKIE: &str = "mimamori_staff";
/// Cookie holding the pre-login token that the login form's CSRF token is bound to.
pub const LOGIN_COOKIE: &str = "mimamori_login";

/// Largest form accepted, in bytes.
const FORM_LIMIT_BYTES: usize = 8 * 1024;

/// How long the pre-login cookie lives: 1 hour.
const LOGIN_COOKIE_SECONDS: i64 = 3600;

/// Days shown on the statistics page.
pub const STATS_DAYS: u32 = 14;

/// CSRF purpose of the login form.
const LOGIN_PURPOSE: &str = "login";

/// The portal routes, merged into [`crate::routes::router`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route(PORTAL_PREFIX, get(|| async { Redirect::to(CODES_PATH) }))
        .route(LOGIN_PATH, get(login_form).post(login))
        .route(LOGOUT_PATH, axum::routing::post(logout))
        .route(CODES_PATH, get(issue_form).post(issue))
        .route(STATUS_PATH, get(status))
        .route(EXPIRE_PATH, axum::routing::post(expire))
        .route(SLIP_PATH, axum::routing::post(slip::slip))
        .route(STATS_PATH, get(statistics))
        .route(EXPORT_PATH, axum::routing::post(export_now))
        .route(STYLESHEET_PATH, get(stylesheet))
        .layer(DefaultBodyLimit::max(FORM_LIMIT_BYTES))
        .layer(axum::middleware::map_response(
            crate::pages::security_headers,
        ))
}

// --- Helpers ---------------------------------------------------------------------------------

fn page(status: StatusCode, body: String) -> Response {
    crate::pages::html(status, body)
}

/// Whether the browser reached us over HTTPS (through a TLS-terminating proxy, or because the
/// public base URL is HTTPS): then cookies get `Secure`.
fn over_https(services: &AppState, headers: &HeaderMap) -> bool {
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("https"))
        || headers
            .get(header::FORWARDED)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.to_ascii_lowercase().contains("proto=https"));
    forwarded
        || services
            .config
            .public_base_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
}

/// A `Set-Cookie` value; `None` as the value clears the cookie.
fn set_cookie(name: &str, value: Option<&str>, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = match value {
        Some(value) => format!(
            "{name}={value}; Path={PORTAL_PREFIX}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
        ),
        None => {
            format!("{name}=; Path={PORTAL_PREFIX}; Max-Age=0; HttpOnly; SameSite=Strict{secure}")
        }
    };
    // Names are constants and values hex: always a valid header value.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn see_other(to: &'static str) -> Response {
    Redirect::to(to).into_response()
}

fn with_cookies(mut response: Response, cookies: Vec<HeaderValue>) -> Response {
    for value in cookies {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

// --- Login and logout ------------------------------------------------------------------------

async fn login_form(State(services): State<AppState>, headers: HeaderMap) -> Response {
    if StaffSession::from_headers(&services, &headers)
        .await
        .is_ok()
    {
        return see_other(CODES_PATH);
    }
    let token = SecretToken::generate();
    let secure = over_https(&services, &headers);
    // First run: nothing to log in with yet (a failed lookup shows the plain form).
    let no_staff = services
        .storage
        .staff_names()
        .await
        .is_ok_and(|names| names.is_empty());
    with_cookies(
        page(
            StatusCode::OK,
            html::login_page_for(&token.csrf_token(LOGIN_PURPOSE), false, no_staff),
        ),
        vec![set_cookie(
            LOGIN_COOKIE,
            Some(token.as_str()),
            LOGIN_COOKIE_SECONDS,
            secure,
        )],
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(services): State<AppState>,
    client: Option<axum::Extension<ClientId>>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    // The rate limit middleware always adds the client; without it, all share one.
    let client = client.map_or_else(|| services.clients.identify(None, &headers), |c| c.0);
    let Ok(Form(form)) = form else {
        return bad_form();
    };
    let Some(pre_login) =
        session::cookie(&headers, LOGIN_COOKIE).and_then(|value| SecretToken::parse(&value))
    else {
        return forbidden_form();
    };
    if !pre_login.csrf_matches(LOGIN_PURPOSE, &form.csrf) {
        return forbidden_form();
    }
    let secure = over_https(&services, &headers);
    match auth::log_in(&services, form.name.trim(), &form.password, &client).await {
        Ok(LoginOutcome::LoggedIn(session)) => with_cookies(
            see_other(CODES_PATH),
            vec![
                set_cookie(
                    SESSION_COOKIE,
                    Some(session.as_str()),
                    auth::SESSION_SECONDS,
                    secure,
                ),
                set_cookie(LOGIN_COOKIE, None, 0, secure),
            ],
        ),
        Ok(LoginOutcome::Refused) => page(
            StatusCode::UNAUTHORIZED,
            html::login_page(&pre_login.csrf_token(LOGIN_PURPOSE), true),
        ),
        Ok(LoginOutcome::Busy) => {
            let mut response = problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "ログインが混み合っています。少し待ってからやり直してください。",
                "Too many logins are being checked right now; wait a moment and try again.",
            );
            crate::ratelimit::set_retry_after(&mut response, 1);
            response
        }
        Err(error) => server_failed(&error),
    }
}

/// A form that carries nothing but its CSRF token.
#[derive(Deserialize)]
struct TokenOnly {}

async fn logout(
    State(services): State<AppState>,
    headers: HeaderMap,
    StaffForm { staff, .. }: StaffForm<TokenOnly>,
) -> Response {
    if let Err(error) = auth::log_out(&services, staff.token()).await {
        return server_failed(&error);
    }
    with_cookies(
        see_other(LOGIN_PATH),
        vec![set_cookie(
            SESSION_COOKIE,
            None,
            0,
            over_https(&services, &headers),
        )],
    )
}

// --- Codes -----------------------------------------------------------------------------------

async fn issue_form(staff: StaffSession) -> Response {
    page(StatusCode::OK, html::issue_page(&staff, None))
}

#[derive(Deserialize)]
struct IssueForm {
    #[serde(default)]
    test_type: String,
    #[serde(default)]
    symptom_date: String,
    #[serde(default)]
    test_date: String,
}

async fn issue(
    State(services): State<AppState>,
    StaffForm { staff, form }: StaffForm<IssueForm>,
) -> Response {
    let refuse = |ja: &str, en: &str| {
        page(
            StatusCode::BAD_REQUEST,
            html::issue_page(&staff, Some((ja, en))),
        )
    };
    let Some(test_type) = TestType::parse(form.test_type.trim()) else {
        return refuse("診断の種類を選んでください。", "Choose a test type.");
    };
    let date = |text: &str| Some(text.trim().to_owned()).filter(|text| !text.is_empty());
    let request = IssueCodeRequest {
        test_type,
        symptom_date: date(&form.symptom_date),
        test_date: date(&form.test_date),
    };
    match services.issue_code(&request, staff.name()).await {
        Ok(Ok(issued)) => {
            tracing::info!("a verification code was issued through the portal");
            page(
                StatusCode::OK,
                html::issued_page(&staff, &issued, test_type, services.now()),
            )
        }
        Ok(Err(AuthorityProblem::BadDate)) => refuse(
            "日付は28日前から今日までの YYYY-MM-DD で入力してください。",
            "Dates must be YYYY-MM-DD, from 28 days ago up to today.",
        ),
        Err(error) => server_failed(&error),
    }
}

#[derive(Deserialize)]
struct StatusQuery {
    #[serde(default)]
    id: String,
}

/// A code id as staff type it: hex, at most 64 characters (longer input is not looked up).
fn code_id(text: &str) -> Option<String> {
    let id = text.trim().to_ascii_lowercase();
    (!id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

async fn status(
    staff: StaffSession,
    State(services): State<AppState>,
    query: Result<Query<StatusQuery>, QueryRejection>,
) -> Response {
    let typed = query.map(|Query(query)| query.id).unwrap_or_default();
    show_status(&services, &staff, &typed, None).await
}

async fn show_status(
    services: &AppState,
    staff: &StaffSession,
    typed: &str,
    message: Option<(&str, &str)>,
) -> Response {
    if typed.trim().is_empty() {
        return page(
            StatusCode::OK,
            html::status_page(staff, "", StatusView::Form, message),
        );
    }
    let found = match code_id(typed) {
        Some(id) => match services.code_status(&id).await {
            Ok(found) => found,
            Err(error) => return server_failed(&error),
        },
        None => None,
    };
    match found {
        Some(status) => {
            let state = CodeState::of(&status, services.now());
            page(
                StatusCode::OK,
                html::status_page(staff, typed, StatusView::Found(&status, state), message),
            )
        }
        None => page(
            StatusCode::NOT_FOUND,
            html::status_page(staff, typed, StatusView::NotFound, message),
        ),
    }
}

#[derive(Deserialize)]
struct ExpireForm {
    #[serde(default)]
    id: String,
}

async fn expire(
    State(services): State<AppState>,
    StaffForm { staff, form }: StaffForm<ExpireForm>,
) -> Response {
    let expired = match code_id(&form.id) {
        Some(id) => match services.expire_code(&id).await {
            Ok(expired) => expired,
            Err(error) => return server_failed(&error),
        },
        None => false,
    };
    let message = if expired {
        tracing::info!("a verification code was expired through the portal");
        ("処理番号を無効にしました。", "The code was expired.")
    } else {
        (
            "無効にできませんでした（使用済み・期限切れ・IDなし）。",
            "Nothing to expire: the code was used, had expired, or the id is unknown.",
        )
    };
    show_status(&services, &staff, &form.id, Some(message)).await
}

// --- Statistics ------------------------------------------------------------------------------

async fn statistics(staff: StaffSession, State(services): State<AppState>) -> Response {
    stats_answer(&services, &staff, StatusCode::OK, None).await
}

/// The statistics page, with the outcome of an export run from it.
async fn stats_answer(
    services: &AppState,
    staff: &StaffSession,
    status: StatusCode,
    outcome: Option<(&str, &str)>,
) -> Response {
    let worker = services
        .config
        .export_worker
        .then_some(services.config.export_period);
    match services.statistics(STATS_DAYS).await {
        Ok(days) => page(status, html::stats_page(staff, &days, worker, outcome)),
        Err(error) => server_failed(&error),
    }
}

/// The export form (its CSRF token only).
#[derive(Deserialize)]
struct ExportForm {}

/// `POST /portal/export`: one export run now, through the worker's own code path
/// ([`crate::export::run_export`]: the batch is claimed under its lease, so a run here and the
/// worker or another instance never export the same keys twice).
async fn export_now(
    State(services): State<AppState>,
    StaffForm { staff, form: _ }: StaffForm<ExportForm>,
) -> Response {
    match crate::export::run_export(&services).await {
        Ok(outcome) => {
            tracing::info!(
                files = outcome.files.len(),
                keys = outcome.keys,
                "an export was run from the portal"
            );
            let (ja, en) = html::export_outcome_words(&outcome);
            stats_answer(&services, &staff, StatusCode::OK, Some((&ja, &en))).await
        }
        Err(error) => {
            tracing::error!(%error, "an export run from the portal failed");
            stats_answer(
                &services,
                &staff,
                StatusCode::INTERNAL_SERVER_ERROR,
                Some((
                    "エクスポートに失敗しました。しばらくしてからもう一度お試しください（サーバーのログに原因があります）。",
                    "The export failed; try again shortly (the server log says why).",
                )),
            )
            .await
        }
    }
}

async fn stylesheet() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=3600"),
            ),
        ],
        html::STYLESHEET,
    )
        .into_response()
}
