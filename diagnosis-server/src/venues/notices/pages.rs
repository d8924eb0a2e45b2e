//! The notice operations as pages: the operator's request form (manager key or staff keyword)
//! at [`crate::venues::NOTICE_REQUEST_PAGE_PATH`], and the authority's pending requests and
//! direct form in the staff portal ([`crate::venues::PORTAL_VENUES_PATH`]), behind the portal
//! login ([`StaffSession`], [`StaffForm`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{
    Credential, NoticeFields, NoticeProblem, decide, direct, file_request, make_keyword,
    notice_texts, pending, publications,
};
use crate::portal::session::{StaffForm, StaffSession, server_failed};
use crate::venues::html::{PageForm, PendingView, PublishedView};
use crate::venues::{VenueState, html};

/// The notice fields of a form, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NoticeForm {
    template: String,
    date: String,
    from_hour: String,
    to_hour: String,
    whole_day: Option<String>,
    rooms: String,
}

impl NoticeForm {
    /// The fields: hours that are not numbers are missing, rooms one a line.
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

// --- The operator's request page ---------------------------------------------------------------

/// The request form's fields.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RequestForm {
    action: String,
    credential: String,
    code: String,
    #[serde(flatten)]
    notice: NoticeForm,
}

/// `GET /venues/notice-request`.
pub(crate) async fn request_page() -> Response {
    html::page(StatusCode::OK, html::request_page(None))
}

/// `POST /venues/notice-request`.
pub(crate) async fn submit_request_form(
    State(venues): State<VenueState>,
    PageForm(form): PageForm<RequestForm>,
) -> Response {
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
            Err(error) => html::server_failed(&error),
        };
    }
    let credential = if form.credential == "keyword" {
        Credential::Keyword(&form.code)
    } else {
        Credential::Manager(&form.code)
    };
    match file_request(&venues, credential, &form.notice.fields()).await {
        Ok(Ok(id)) => html::page(StatusCode::ACCEPTED, html::request_filed_page(&id)),
        Ok(Err(problem)) => html::page(
            StatusCode::BAD_REQUEST,
            html::request_page(Some(problem.messages())),
        ),
        Err(error) => html::server_failed(&error),
    }
}

// --- The authority's pages in the portal -------------------------------------------------------

/// The portal page with the pending requests, the published notices and, after a decision,
/// its outcome.
async fn portal_answer(
    venues: &VenueState,
    staff: &StaffSession,
    outcome: Option<(&str, &str)>,
) -> Response {
    let (summaries, published) = match (pending(venues).await, publications(venues).await) {
        (Ok(summaries), Ok(published)) => (summaries, published),
        (Err(error), _) | (_, Err(error)) => return server_failed(&error),
    };
    let requests: Vec<PendingView> = summaries
        .into_iter()
        .map(|summary| PendingView {
            text: notice_texts(venues, &summary),
            summary,
        })
        .collect();
    let published: Vec<PublishedView> = published
        .into_iter()
        .map(|publication| PublishedView {
            text: notice_texts(venues, &publication.summary),
            publication,
        })
        .collect();
    html::page(
        StatusCode::OK,
        html::portal_page(staff, &requests, &published, outcome),
    )
}

/// `GET /portal/venues`.
pub(crate) async fn portal_page(staff: StaffSession, State(venues): State<VenueState>) -> Response {
    portal_answer(&venues, &staff, None).await
}

/// A decision on a pending request.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct DecideForm {
    id: String,
    decision: String,
}

/// `POST /portal/venues/decide`.
pub(crate) async fn portal_decide(
    State(venues): State<VenueState>,
    StaffForm { staff, form }: StaffForm<DecideForm>,
) -> Response {
    let approve = form.decision == "approve";
    let outcome = match decide(&venues, &form.id, approve, staff.name()).await {
        Ok(Ok(())) if approve => (
            "依頼を承認し、お知らせを公開しました。",
            "Approved; the notice is published.",
        ),
        Ok(Ok(())) => ("依頼を却下しました。", "Rejected."),
        Ok(Err(problem)) => problem.messages(),
        Err(error) => return server_failed(&error),
    };
    portal_answer(&venues, &staff, Some(outcome)).await
}

/// A notice published directly with the operator's trace code.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct DirectForm {
    trace_code: String,
    #[serde(flatten)]
    notice: NoticeForm,
}

/// `POST /portal/venues/direct`.
pub(crate) async fn portal_direct(
    State(venues): State<VenueState>,
    StaffForm { staff, form }: StaffForm<DirectForm>,
) -> Response {
    let outcome: (String, String) = match direct(
        &venues,
        &form.trace_code,
        &form.notice.fields(),
        staff.name(),
    )
    .await
    {
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
    portal_answer(&venues, &staff, Some((&outcome.0, &outcome.1))).await
}

#[cfg(test)]
mod tests {
    use axum::Form;
    use axum::extract::FromRequest;
    use serde::de::DeserializeOwned;

    use super::*;

    /// `body` read as the routes read a posted form.
    async fn posted<T: DeserializeOwned + Send>(body: &str) -> T {
        let request = axum::http::Request::post("/")
            .header(
                axum::http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(axum::body::Body::from(body.to_owned()))
            .unwrap();
        let Form(form) = Form::<T>::from_request(request, &()).await.unwrap();
        form
    }

    #[tokio::test]
    async fn forms_read_their_notice_fields() {
        let form: RequestForm = posted(
            "action=request&credential=keyword&code=K&template=tokyo_cluster&date=2026-11-20\
             &from_hour=+18&to_hour=x&rooms=1%E9%9A%8E%0A2%E9%9A%8E",
        )
        .await;
        assert_eq!(form.credential, "keyword");
        let fields = form.notice.fields();
        assert_eq!(fields.template, "tokyo_cluster");
        assert_eq!(fields.from_hour, Some(18));
        assert_eq!(fields.to_hour, None, "not a number: missing");
        assert!(!fields.whole_day);
        assert_eq!(fields.rooms, ["1階", "2階"]);
        let direct: DirectForm = posted("csrf=t&trace_code=C&date=2026-11-20&whole_day=on").await;
        assert_eq!(direct.trace_code, "C");
        assert!(direct.notice.fields().whole_day);
    }
}
