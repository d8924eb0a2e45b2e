//! Notices: (a) the operator's request — from the manager's device (manager key) or from staff
//! with a one-time keyword the manager made — which authority staff approve; (b) authority
//! staff directly with the operator's trace code. Either way the server opens the sealed record,
//! encrypts the notice body for each chosen room under the room's venue secret, and (on
//! approval, or at once for (b)) publishes the entries into the signed feed.

use axum::Form;
use axum::body::Bytes;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mimamori_core::OsRandom;
use mimamori_core::venue::{
    FeedEntry, NoticeBody, NoticeTemplate, NoticeWindow, SealedRecord, TraceCode, VenueQr, jst_date,
};
use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;

use super::registration::SealedVenue;
use super::{
    VenueService, VenueState, decode_entry, encode_entry, html, json, json_internal, lookup,
    stored_notice,
};
use crate::portal::auth::{SecretToken, session_user};
use crate::routes::authority::API_KEY_HEADER;
use crate::storage::{NoticeRequestRow, VenueKeywordRow, VenueRegistrationRow};
use crate::{Error, Result};

/// How long a staff keyword works: 24 hours.
pub const KEYWORD_SECONDS: i64 = 24 * 3600;

/// How far back a notice's date may lie: 14 days (phones keep visits that long).
pub const MAX_NOTICE_AGE_DAYS: i64 = 14;

/// Request summaries are sealed to the authority key alone: this fixed "trace code" stands in
/// for the operator's (the summary holds nothing the operator must unlock).
const SUMMARY_CODE: [u8; 10] = [0; 10];

/// CSRF purpose of the portal's logged-in forms (the portal's own purpose, so one token).
const SESSION_PURPOSE: &str = "session";

/// What a notice is: template, JST date, window, rooms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NoticeFields {
    /// `tokyo_positive_visitor`, `tokyo_cluster` or `iwate_same_day`.
    pub template: String,
    /// JST date, `YYYY-MM-DD`.
    pub date: String,
    /// First hour of the window (0 to 23).
    pub from_hour: Option<u8>,
    /// Hour the window ends (1 to 24).
    pub to_hour: Option<u8>,
    /// The whole day (Iwate's same-day rule); the hours are ignored.
    pub whole_day: bool,
    /// Room labels the notice is for; empty: every room.
    pub rooms: Vec<String>,
}

/// Why a notice request or publication was refused (nothing was stored or changed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeProblem {
    /// No venue has this trace code / manager key / keyword (or it expired, or was used).
    UnknownCode,
    /// Unknown template.
    BadTemplate,
    /// The date is not `YYYY-MM-DD`, in the future, or older than 14 days.
    BadDate,
    /// The window is not whole hours `from < to` within the day.
    BadWindow,
    /// A room label is not one of the venue's.
    UnknownRoom,
    /// No pending request has this id.
    UnknownRequest,
}

impl NoticeProblem {
    /// Machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::UnknownCode => "unknown_code",
            Self::BadTemplate => "bad_template",
            Self::BadDate => "bad_date",
            Self::BadWindow => "bad_window",
            Self::UnknownRoom => "unknown_room",
            Self::UnknownRequest => "unknown_request",
        }
    }

    /// The message, Japanese and English.
    pub fn messages(self) -> (&'static str, &'static str) {
        match self {
            Self::UnknownCode => (
                "コードが正しくないか、期限切れまたは使用済みです。何も変更していません。",
                "The code is wrong, expired or already used; nothing was changed.",
            ),
            Self::BadTemplate => (
                "テンプレートを選択してください。",
                "Choose a template (tokyo_positive_visitor, tokyo_cluster or iwate_same_day).",
            ),
            Self::BadDate => (
                "日付は今日から14日前までの日付（YYYY-MM-DD）で入力してください。",
                "The date must be YYYY-MM-DD, not in the future and at most 14 days ago (JST).",
            ),
            Self::BadWindow => (
                "時間帯は0〜24時の範囲で、開始を終了より前にしてください。",
                "The window must be whole hours with 0 <= from < to <= 24, or the whole day.",
            ),
            Self::UnknownRoom => (
                "この施設にない部屋・区画が指定されています。",
                "A room is not one of this venue's rooms.",
            ),
            Self::UnknownRequest => (
                "承認待ちの依頼が見つかりません。",
                "No pending request has this id.",
            ),
        }
    }

    fn answer(self) -> Response {
        let (_, en) = self.messages();
        let status = match self {
            Self::UnknownCode | Self::UnknownRequest => 404,
            _ => 400,
        };
        json(
            status,
            &serde_json::json!({"error": en, "code": self.code()}),
        )
    }
}

/// A checked notice.
struct CheckedNotice {
    template: NoticeTemplate,
    window: NoticeWindow,
    rooms: Vec<String>,
}

fn check_fields(
    fields: &NoticeFields,
    now: i64,
) -> std::result::Result<CheckedNotice, NoticeProblem> {
    let template = NoticeTemplate::from_slug(fields.template.trim())
        .map_err(|_| NoticeProblem::BadTemplate)?;
    let date = Date::parse(
        fields.date.trim(),
        format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| NoticeProblem::BadDate)?;
    let today = jst_date(u64::try_from(now).unwrap_or(0));
    if date > today || (today - date).whole_days() > MAX_NOTICE_AGE_DAYS {
        return Err(NoticeProblem::BadDate);
    }
    let window = if fields.whole_day {
        NoticeWindow::whole_day(date)
    } else {
        let (Some(from), Some(to)) = (fields.from_hour, fields.to_hour) else {
            return Err(NoticeProblem::BadWindow);
        };
        NoticeWindow::new(date, from, to).map_err(|_| NoticeProblem::BadWindow)?
    };
    let rooms = fields
        .rooms
        .iter()
        .map(|room| room.trim().to_owned())
        .filter(|room| !room.is_empty())
        .collect();
    Ok(CheckedNotice {
        template,
        window,
        rooms,
    })
}

/// Opens a sealed record with `code`.
fn open(venues: &VenueService, sealed: &[u8], code: &TraceCode) -> Result<Option<SealedVenue>> {
    let keys = venues.keys()?;
    let Ok(record) = SealedRecord::from_bytes(sealed) else {
        return Ok(None);
    };
    let Ok(plaintext) = record.open(&keys.seal, code) else {
        return Ok(None);
    };
    Ok(serde_json::from_slice(&plaintext).ok())
}

async fn open_by_trace(
    venues: &VenueService,
    text: &str,
) -> Result<Option<(VenueRegistrationRow, SealedVenue)>> {
    let Ok(code) = TraceCode::parse(text) else {
        return Ok(None);
    };
    let Some(row) = venues
        .services
        .storage
        .venue_by_trace_lookup(&lookup("trace", code.as_bytes()))
        .await?
    else {
        return Ok(None);
    };
    Ok(open(venues, &row.sealed_for_trace, &code)?.map(|record| (row, record)))
}

async fn open_by_manager(
    venues: &VenueService,
    text: &str,
) -> Result<Option<(VenueRegistrationRow, SealedVenue)>> {
    let Ok(code) = TraceCode::parse(text) else {
        return Ok(None);
    };
    let Some(row) = venues
        .services
        .storage
        .venue_by_manager_lookup(&lookup("manager", code.as_bytes()))
        .await?
    else {
        return Ok(None);
    };
    Ok(open(venues, &row.sealed_for_manager, &code)?.map(|record| (row, record)))
}

/// Takes (uses up) a keyword and opens its record.
async fn open_by_keyword(venues: &VenueService, text: &str) -> Result<Option<SealedVenue>> {
    let Ok(code) = TraceCode::parse(text) else {
        return Ok(None);
    };
    let Some(row) = venues
        .services
        .storage
        .take_venue_keyword(&lookup("keyword", code.as_bytes()), venues.now())
        .await?
    else {
        return Ok(None);
    };
    open(venues, &row.sealed, &code)
}

/// The encrypted feed entries of a notice for the chosen rooms of `record`.
fn entries_for(
    venues: &VenueService,
    record: &SealedVenue,
    notice: &CheckedNotice,
) -> Result<std::result::Result<Vec<FeedEntry>, NoticeProblem>> {
    if notice
        .rooms
        .iter()
        .any(|room| !record.rooms.iter().any(|r| &r.room == room))
    {
        return Ok(Err(NoticeProblem::UnknownRoom));
    }
    let keys = venues.keys()?;
    let public_keys = [keys.signing.public_key()];
    let body = NoticeBody::new(
        notice.template,
        notice.window,
        &venues.settings.authority_name,
        &record.details.phone,
        &record.details.name,
    )?;
    let now = u64::try_from(venues.now()).unwrap_or(0);
    let mut entries = Vec::new();
    for room in &record.rooms {
        if !notice.rooms.is_empty() && !notice.rooms.contains(&room.room) {
            continue;
        }
        let qr = VenueQr::parse(&room.qr_url, &public_keys)?;
        entries.push(body.encrypt(&qr.secret(), now, &mut OsRandom));
    }
    Ok(Ok(entries))
}

/// What staff see about a request (sealed to the authority key in the database).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestSummary {
    /// The request id.
    #[serde(default)]
    pub id: String,
    /// Registration number.
    pub registration_id: String,
    /// Venue name.
    pub venue_name: String,
    /// Venue phone.
    pub venue_phone: String,
    /// Who asked: `manager` or `staff`.
    pub requested_by: String,
    /// When, Unix seconds.
    pub requested_at: i64,
    /// The notice.
    pub notice: NoticeFields,
}

fn summary_code() -> TraceCode {
    TraceCode::from_bytes(SUMMARY_CODE)
}

/// Files an operator's request (pending until staff approve).
async fn file_request(
    venues: &VenueService,
    credential: Credential<'_>,
    fields: &NoticeFields,
) -> Result<std::result::Result<String, NoticeProblem>> {
    let now = venues.now();
    let notice = match check_fields(fields, now) {
        Ok(notice) => notice,
        Err(problem) => return Ok(Err(problem)),
    };
    let (record, requested_by) = match credential {
        Credential::Manager(key) => match open_by_manager(venues, key).await? {
            Some((_, record)) => (record, "manager"),
            None => return Ok(Err(NoticeProblem::UnknownCode)),
        },
        Credential::Keyword(keyword) => {
            // The fields were checked above; the keyword is used up here (one use), even if
            // a room label turns out not to be the venue's.
            match open_by_keyword(venues, keyword).await? {
                Some(record) => (record, "staff"),
                None => return Ok(Err(NoticeProblem::UnknownCode)),
            }
        }
    };
    let entries = match entries_for(venues, &record, &notice)? {
        Ok(entries) => entries,
        Err(problem) => return Ok(Err(problem)),
    };
    let mut id_bytes = [0u8; 16];
    mimamori_core::RandomSource::fill_bytes(&mut OsRandom, &mut id_bytes);
    let id = hex::encode(id_bytes);
    let summary = RequestSummary {
        id: id.clone(),
        registration_id: record.registration_id.clone(),
        venue_name: record.details.name.clone(),
        venue_phone: record.details.phone.clone(),
        requested_by: requested_by.to_owned(),
        requested_at: now,
        notice: NoticeFields {
            rooms: notice.rooms.clone(),
            ..fields.clone()
        },
    };
    let summary_bytes =
        serde_json::to_vec(&summary).map_err(|error| Error::Database(error.to_string()))?;
    let keys = venues.keys()?;
    let sealed = SealedRecord::seal(
        &keys.seal.public_key(),
        &summary_code(),
        &summary_bytes,
        &mut OsRandom,
    )?;
    let encoded: Vec<serde_json::Value> = entries
        .iter()
        .map(|entry| {
            serde_json::Value::String(String::from_utf8_lossy(&encode_entry(entry)).into_owned())
        })
        .collect();
    venues
        .services
        .storage
        .insert_notice_request(&NoticeRequestRow {
            id: id.clone(),
            registration_id: record.registration_id,
            created_at: now,
            status: "pending".into(),
            decided_at: None,
            summary: sealed.to_bytes(),
            entries: serde_json::to_vec(&encoded)
                .map_err(|error| Error::Database(error.to_string()))?,
        })
        .await?;
    tracing::info!("venue notice request filed");
    Ok(Ok(id))
}

/// Who files a request.
#[derive(Clone, Copy)]
enum Credential<'a> {
    Manager(&'a str),
    Keyword(&'a str),
}

/// Makes a one-time keyword for staff from the manager's key.
async fn make_keyword(venues: &VenueService, manager_key: &str) -> Result<Option<(String, i64)>> {
    let Ok(code) = TraceCode::parse(manager_key) else {
        return Ok(None);
    };
    let Some(row) = venues
        .services
        .storage
        .venue_by_manager_lookup(&lookup("manager", code.as_bytes()))
        .await?
    else {
        return Ok(None);
    };
    let keys = venues.keys()?;
    let Ok(sealed) = SealedRecord::from_bytes(&row.sealed_for_manager) else {
        return Ok(None);
    };
    let Ok(plaintext) = sealed.open(&keys.seal, &code) else {
        return Ok(None);
    };
    let keyword = TraceCode::generate(&mut OsRandom);
    let resealed =
        SealedRecord::seal(&keys.seal.public_key(), &keyword, &plaintext, &mut OsRandom)?;
    let expires_at = venues.now() + KEYWORD_SECONDS;
    venues
        .services
        .storage
        .insert_venue_keyword(&VenueKeywordRow {
            lookup: lookup("keyword", keyword.as_bytes()),
            registration_id: row.id,
            sealed: resealed.to_bytes(),
            expires_at,
        })
        .await?;
    Ok(Some((keyword.to_display().to_string(), expires_at)))
}

/// Pending requests with their opened summaries.
pub(crate) async fn pending(venues: &VenueService) -> Result<Vec<RequestSummary>> {
    let keys = venues.keys()?;
    let rows = venues.services.storage.pending_notice_requests().await?;
    let mut summaries = Vec::with_capacity(rows.len());
    for row in rows {
        let Ok(sealed) = SealedRecord::from_bytes(&row.summary) else {
            continue;
        };
        let Ok(plaintext) = sealed.open(&keys.seal, &summary_code()) else {
            continue;
        };
        if let Ok(mut summary) = serde_json::from_slice::<RequestSummary>(&plaintext) {
            summary.id = row.id;
            summaries.push(summary);
        }
    }
    Ok(summaries)
}

/// Approves or rejects a pending request; approving publishes its entries.
pub(crate) async fn decide(
    venues: &VenueService,
    id: &str,
    approve: bool,
) -> Result<std::result::Result<(), NoticeProblem>> {
    let rows = venues.services.storage.pending_notice_requests().await?;
    let Some(row) = rows.into_iter().find(|row| row.id == id) else {
        return Ok(Err(NoticeProblem::UnknownRequest));
    };
    let now = u64::try_from(venues.now()).unwrap_or(0);
    let mut notices = Vec::new();
    if approve {
        let encoded: Vec<String> = serde_json::from_slice(&row.entries)
            .map_err(|_| Error::Database("a stored notice request is damaged".into()))?;
        for text in encoded {
            let mut entry = decode_entry(text.as_bytes())?;
            entry.published_at = now;
            notices.push(stored_notice(&entry));
        }
    }
    let decided = venues
        .services
        .storage
        .decide_notice_request(id, approve, &notices, venues.now())
        .await?;
    if decided.is_none() {
        return Ok(Err(NoticeProblem::UnknownRequest));
    }
    if approve {
        venues.publish_feed().await?;
    }
    tracing::info!(approve, "venue notice request decided");
    Ok(Ok(()))
}

/// Publishes a notice directly with the operator's trace code.
pub(crate) async fn direct(
    venues: &VenueService,
    trace_code: &str,
    fields: &NoticeFields,
) -> Result<std::result::Result<(String, usize), NoticeProblem>> {
    let notice = match check_fields(fields, venues.now()) {
        Ok(notice) => notice,
        Err(problem) => return Ok(Err(problem)),
    };
    let Some((_, record)) = open_by_trace(venues, trace_code).await? else {
        return Ok(Err(NoticeProblem::UnknownCode));
    };
    let entries = match entries_for(venues, &record, &notice)? {
        Ok(entries) => entries,
        Err(problem) => return Ok(Err(problem)),
    };
    let count = entries.len();
    venues.publish_entries(entries).await?;
    tracing::info!(entries = count, "venue notice published with a trace code");
    Ok(Ok((record.details.name, count)))
}

// --- JSON routes -------------------------------------------------------------------------------

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
        Ok(Err(problem)) => problem.answer(),
        Err(error) => json_internal(&error),
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
        Ok(None) => NoticeProblem::UnknownCode.answer(),
        Err(error) => json_internal(&error),
    }
}

async fn api_staff(
    venues: &VenueService,
    headers: &HeaderMap,
) -> std::result::Result<String, Response> {
    let key = headers
        .get(API_KEY_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    if key.is_empty() {
        return Err(json(
            401,
            &serde_json::json!({"error": "an API key is required (X-API-Key)"}),
        ));
    }
    match venues.services.authenticate(key).await {
        Ok(Some(name)) => Ok(name),
        Ok(None) => Err(json(
            401,
            &serde_json::json!({"error": "the API key is not valid"}),
        )),
        Err(error) => Err(json_internal(&error)),
    }
}

/// `GET /api/v1/authority/venues/notice-requests`.
pub(crate) async fn pending_json(State(venues): State<VenueState>, headers: HeaderMap) -> Response {
    if let Err(refusal) = api_staff(&venues, &headers).await {
        return refusal;
    }
    match pending(&venues).await {
        Ok(summaries) => json(200, &serde_json::json!({"requests": summaries})),
        Err(error) => json_internal(&error),
    }
}

async fn decide_json(
    venues: VenueState,
    headers: HeaderMap,
    id: String,
    approve: bool,
) -> Response {
    if let Err(refusal) = api_staff(&venues, &headers).await {
        return refusal;
    }
    match decide(&venues, &id, approve).await {
        Ok(Ok(())) => json(
            200,
            &serde_json::json!({"status": if approve { "approved" } else { "rejected" }}),
        ),
        Ok(Err(problem)) => problem.answer(),
        Err(error) => json_internal(&error),
    }
}

/// `POST .../notice-requests/{id}/approve`.
pub(crate) async fn approve_json(
    State(venues): State<VenueState>,
    headers: HeaderMap,
    id: std::result::Result<Path<String>, PathRejection>,
) -> Response {
    // An id that is not even text (bad percent-encoding) names no request.
    let id = id.map(|Path(id)| id).unwrap_or_default();
    decide_json(venues, headers, id, true).await
}

/// `POST .../notice-requests/{id}/reject`.
pub(crate) async fn reject_json(
    State(venues): State<VenueState>,
    headers: HeaderMap,
    id: std::result::Result<Path<String>, PathRejection>,
) -> Response {
    // An id that is not even text (bad percent-encoding) names no request.
    let id = id.map(|Path(id)| id).unwrap_or_default();
    decide_json(venues, headers, id, false).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DirectBody {
    trace_code: String,
    #[serde(flatten)]
    fields: NoticeFields,
}

/// Deserialises the bodies of [`super::NOTICE_REQUESTS_PATH`], [`super::KEYWORDS_PATH`] and
/// [`super::AUTHORITY_NOTICES_PATH`] as the routes do (for the OpenAPI example test).
#[cfg(test)]
pub(crate) fn notice_bodies_deserialise(
    request: &serde_json::Value,
    keyword: &serde_json::Value,
    direct: &serde_json::Value,
) -> serde_json::Result<()> {
    let request = RequestBody::deserialize(request)?;
    assert!(request.manager_key.is_some() != request.keyword.is_some());
    let keyword = KeywordBody::deserialize(keyword)?;
    assert!(TraceCode::parse(&keyword.manager_key).is_ok());
    let direct = DirectBody::deserialize(direct)?;
    assert!(TraceCode::parse(&direct.trace_code).is_ok());
    assert!(!request.fields.template.is_empty() && !direct.fields.date.is_empty());
    Ok(())
}

/// `POST /api/v1/authority/venues/notices`.
pub(crate) async fn direct_json(
    State(venues): State<VenueState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refusal) = api_staff(&venues, &headers).await {
        return refusal;
    }
    let Ok(body) = serde_json::from_slice::<DirectBody>(&body) else {
        return bad_json();
    };
    match direct(&venues, &body.trace_code, &body.fields).await {
        Ok(Ok((_, count))) => json(201, &serde_json::json!({"published": count})),
        Ok(Err(problem)) => problem.answer(),
        Err(error) => json_internal(&error),
    }
}

// --- HTML: the operator's request page ---------------------------------------------------------

/// The request form's fields.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RequestForm {
    action: String,
    credential: String,
    code: String,
    template: String,
    date: String,
    from_hour: String,
    to_hour: String,
    whole_day: Option<String>,
    rooms: String,
}

impl RequestForm {
    fn fields(&self) -> NoticeFields {
        NoticeFields {
            template: self.template.clone(),
            date: self.date.clone(),
            from_hour: self.from_hour.trim().parse().ok(),
            to_hour: self.to_hour.trim().parse().ok(),
            whole_day: self.whole_day.is_some(),
            rooms: self.rooms.lines().map(str::to_owned).collect(),
        }
    }
}

/// `GET /venues/notice-request`.
pub(crate) async fn request_page() -> Response {
    html::page(StatusCode::OK, html::request_page(None))
}

/// `POST /venues/notice-request`.
pub(crate) async fn submit_request_form(
    State(venues): State<VenueState>,
    form: std::result::Result<Form<RequestForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return html::problem(
            StatusCode::BAD_REQUEST,
            "フォームの内容が読めません。",
            "The form could not be read.",
        );
    };
    if form.action == "keyword" {
        return match make_keyword(&venues, &form.code).await {
            Ok(Some((keyword, expires_at))) => html::page(
                StatusCode::CREATED,
                html::keyword_page(&keyword, expires_at),
            ),
            Ok(None) => html::page(
                StatusCode::NOT_FOUND,
                html::request_page(Some(NoticeProblem::UnknownCode.messages())),
            ),
            Err(error) => server_failed(&error),
        };
    }
    let credential = if form.credential == "keyword" {
        Credential::Keyword(&form.code)
    } else {
        Credential::Manager(&form.code)
    };
    match file_request(&venues, credential, &form.fields()).await {
        Ok(Ok(id)) => html::page(StatusCode::ACCEPTED, html::request_filed_page(&id)),
        Ok(Err(problem)) => html::page(
            StatusCode::BAD_REQUEST,
            html::request_page(Some(problem.messages())),
        ),
        Err(error) => server_failed(&error),
    }
}

fn server_failed(error: &Error) -> Response {
    tracing::error!(%error, "venue page failed");
    html::problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "サーバーでエラーが起きました。しばらくしてからやり直してください。",
        "The server failed; try again later.",
    )
}

// --- HTML: the authority's pages in the portal -------------------------------------------------

/// The logged-in staff member and their session token, or the redirect to the login page.
async fn portal_staff(
    venues: &VenueService,
    headers: &HeaderMap,
) -> std::result::Result<(String, SecretToken), Response> {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == crate::portal::SESSION_COOKIE)
        .and_then(|(_, value)| SecretToken::parse(value.trim()));
    let Some(token) = token else {
        return Err(Redirect::to(crate::portal::LOGIN_PATH).into_response());
    };
    match session_user(&venues.services, &token).await {
        Ok(Some(name)) => Ok((name, token)),
        Ok(None) => Err(Redirect::to(crate::portal::LOGIN_PATH).into_response()),
        Err(error) => Err(server_failed(&error)),
    }
}

/// `GET /portal/venues`.
pub(crate) async fn portal_page(State(venues): State<VenueState>, headers: HeaderMap) -> Response {
    let (name, token) = match portal_staff(&venues, &headers).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    match pending(&venues).await {
        Ok(summaries) => html::page(
            StatusCode::OK,
            html::portal_page(&name, &token.csrf_token(SESSION_PURPOSE), &summaries, None),
        ),
        Err(error) => server_failed(&error),
    }
}

#[derive(Deserialize)]
pub(crate) struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    decision: String,
}

/// `POST /portal/venues/decide`.
pub(crate) async fn portal_decide(
    State(venues): State<VenueState>,
    headers: HeaderMap,
    form: std::result::Result<Form<DecideForm>, FormRejection>,
) -> Response {
    let (name, token) = match portal_staff(&venues, &headers).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let Ok(Form(form)) = form else {
        return html::forbidden();
    };
    if !token.csrf_matches(SESSION_PURPOSE, &form.csrf) {
        return html::forbidden();
    }
    let outcome = match decide(&venues, &form.id, form.decision == "approve").await {
        Ok(Ok(())) => {
            if form.decision == "approve" {
                (
                    "依頼を承認し、お知らせを公開しました。",
                    "Approved; the notice is published.",
                )
            } else {
                ("依頼を却下しました。", "Rejected.")
            }
        }
        Ok(Err(problem)) => problem.messages(),
        Err(error) => return server_failed(&error),
    };
    match pending(&venues).await {
        Ok(summaries) => html::page(
            StatusCode::OK,
            html::portal_page(
                &name,
                &token.csrf_token(SESSION_PURPOSE),
                &summaries,
                Some(outcome),
            ),
        ),
        Err(error) => server_failed(&error),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct DirectForm {
    csrf: String,
    trace_code: String,
    template: String,
    date: String,
    from_hour: String,
    to_hour: String,
    whole_day: Option<String>,
    rooms: String,
}

/// `POST /portal/venues/direct`.
pub(crate) async fn portal_direct(
    State(venues): State<VenueState>,
    headers: HeaderMap,
    form: std::result::Result<Form<DirectForm>, FormRejection>,
) -> Response {
    let (name, token) = match portal_staff(&venues, &headers).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let Ok(Form(form)) = form else {
        return html::forbidden();
    };
    if !token.csrf_matches(SESSION_PURPOSE, &form.csrf) {
        return html::forbidden();
    }
    let fields = NoticeFields {
        template: form.template.clone(),
        date: form.date.clone(),
        from_hour: form.from_hour.trim().parse().ok(),
        to_hour: form.to_hour.trim().parse().ok(),
        whole_day: form.whole_day.is_some(),
        rooms: form.rooms.lines().map(str::to_owned).collect(),
    };
    let outcome: (String, String) = match direct(&venues, &form.trace_code, &fields).await {
        Ok(Ok((venue, count))) => (
            format!("「{venue}」のお知らせを公開しました（{count}件）。"),
            format!("Published the notice ({count} room(s))."),
        ),
        Ok(Err(problem)) => {
            let (ja, en) = problem.messages();
            (ja.to_owned(), en.to_owned())
        }
        Err(error) => return server_failed(&error),
    };
    match pending(&venues).await {
        Ok(summaries) => html::page(
            StatusCode::OK,
            html::portal_page(
                &name,
                &token.csrf_token(SESSION_PURPOSE),
                &summaries,
                Some((&outcome.0, &outcome.1)),
            ),
        ),
        Err(error) => server_failed(&error),
    }
}
