//! The venue pages: plain server-rendered HTML, Japanese first with English beside it, no
//! JavaScript; every value not written here goes through [`escape`].

use std::fmt::Write as _;

use axum::extract::{Form, FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use mimamori_api::v1::venues::{
    CAPACITY_BANDS, NoticeFields, RegisteredVenue, RegistrationForm, RegistrationProblem,
    RequestSummary,
};
use mimamori_venue::{NoticeTemplate, VenueType};
use serde::de::DeserializeOwned;

use super::{
    NOTICE_REQUEST_PAGE_PATH, PORTAL_DECIDE_PATH, PORTAL_DIRECT_PATH, POSTER_FORM_PATH,
    REGISTER_PAGE_PATH,
};
use crate::pages::{self, Site, escape, ja_en};
use crate::portal::html::display_time;
use crate::portal::session::StaffSession;
use crate::venues::notices::Publication;

/// An HTML answer, never cached, whose images may be inline (the QR codes and downloads are
/// `data:` URLs, so nothing about a venue is fetched again).
pub(crate) fn page(status: StatusCode, body: String) -> Response {
    let mut response = pages::html(status, body);
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(pages::CONTENT_SECURITY_POLICY_WITH_DATA_IMAGES),
    );
    response
}

/// A venue page with one message.
pub(crate) fn problem(status: StatusCode, ja: &str, en: &str) -> Response {
    page(status, pages::problem_page(Site::Venues, ja, en))
}

/// A form posted to a venue page; one that cannot be read is answered with a problem page.
pub(crate) struct PageForm<T>(pub(crate) T);

impl<S, T> FromRequest<S> for PageForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(form)) => Ok(Self(form)),
            Err(_) => Err(problem(
                StatusCode::BAD_REQUEST,
                "フォームの内容が読めません。ページを開き直してください。",
                "The form could not be read; reload the page and try again.",
            )),
        }
    }
}

/// The answer to a failure inside the server on a venue page (logged; messages never hold
/// personal data).
pub(crate) fn server_failed(error: &crate::Error) -> Response {
    tracing::error!(%error, "venue page failed");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "サーバーでエラーが起きました。しばらくしてからやり直してください。",
        "The server failed; try again later.",
    )
}

/// A paragraph of class `class` and id `id` with `message` in Japanese and English; nothing
/// without a message.
fn message_paragraph(class: &str, id: &str, message: Option<(&str, &str)>) -> String {
    message.map_or_else(String::new, |(ja, en)| {
        format!("<p class=\"{class}\" id=\"{id}\">{}</p>", ja_en(ja, en))
    })
}

/// A venue operator's page.
fn layout(title_ja: &str, title_en: &str, body: &str) -> String {
    pages::layout(title_ja, title_en, Site::Venues, body)
}

fn field_errors(problems: &[RegistrationProblem], field: &str) -> String {
    problems
        .iter()
        .filter(|p| p.field == field)
        .map(|p| {
            format!(
                "<p class=\"error\" data-field=\"{}\">{}</p>",
                escape(field),
                ja_en(&p.ja, &p.en)
            )
        })
        .collect()
}

fn text_input(
    name: &str,
    label_ja: &str,
    label_en: &str,
    value: &str,
    kind: &str,
    problems: &[RegistrationProblem],
) -> String {
    format!(
        "<label for=\"{name}\">{}</label>{}<input type=\"{kind}\" id=\"{name}\" name=\"{name}\" value=\"{}\">",
        ja_en(label_ja, label_en),
        field_errors(problems, name),
        escape(value)
    )
}

/// A labelled choice `name` of `choices` (slug, Japanese, English), `selected` chosen, with
/// the problems of the field.
fn select_input<'a>(
    name: &str,
    (label_ja, label_en): (&str, &str),
    selected: &str,
    choices: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    problems: &[RegistrationProblem],
) -> String {
    let mut select = format!(
        "<label for=\"{name}\">{}</label>{}<select id=\"{name}\" name=\"{name}\"><option value=\"\">選択してください / choose</option>",
        ja_en(label_ja, label_en),
        field_errors(problems, name)
    );
    for (slug, ja, en) in choices {
        let chosen = if selected == slug { " selected" } else { "" };
        let _ = write!(
            select,
            "<option value=\"{}\"{chosen}>{} / {}</option>",
            escape(slug),
            escape(ja),
            escape(en)
        );
    }
    select.push_str("</select>");
    select
}

/// The registration form, with the values and problems of a refused submission.
pub(crate) fn registration_page(
    form: &RegistrationForm,
    stay_empty: bool,
    problems: &[RegistrationProblem],
) -> String {
    let mut body = String::new();
    body.push_str(&format!(
        "<p>{}</p>",
        ja_en(
            "必要事項をご入力いただき、QRコードを取得してください。",
            "Fill in the form to get your venue's QR code(s), posters and leaflet."
        )
    ));
    if !problems.is_empty() {
        let _ = write!(
            body,
            "<div class=\"error\" id=\"problems\">{}<ul>{}</ul></div>",
            ja_en(
                "入力内容を確認してください。何も登録されていません。",
                "Please correct the form; nothing was registered."
            ),
            problems
                .iter()
                .map(|p| format!("<li>{}</li>", ja_en(&p.ja, &p.en)))
                .collect::<String>()
        );
    }
    let _ = write!(
        body,
        "<form class=\"box\" method=\"post\" action=\"{REGISTER_PAGE_PATH}\" id=\"register\" novalidate>"
    );
    body.push_str(&select_input(
        "venueType",
        ("業態", "Business type"),
        &form.venue.venue_type,
        VenueType::ALL.map(|kind| (kind.slug(), kind.japanese(), kind.english())),
        problems,
    ));
    body.push_str(&select_input(
        "capacity",
        ("利用規模数", "Capacity"),
        &form.venue.capacity,
        CAPACITY_BANDS,
        problems,
    ));
    body.push_str(&text_input(
        "name",
        "施設・店舗・イベント名",
        "Name of the facility, shop or event",
        &form.venue.name,
        "text",
        problems,
    ));
    body.push_str(&text_input(
        "postalCode",
        "郵便番号",
        "Postal code",
        &form.venue.postal_code,
        "text",
        problems,
    ));
    body.push_str(&text_input(
        "address1",
        "住所1",
        "Address line 1",
        &form.venue.address1,
        "text",
        problems,
    ));
    body.push_str(&text_input(
        "address2",
        "住所2（番地・ビル名等）",
        "Address line 2 (number, building)",
        &form.venue.address2,
        "text",
        problems,
    ));
    body.push_str(&text_input(
        "phone",
        "電話番号",
        "Phone",
        &form.venue.phone,
        "tel",
        problems,
    ));
    body.push_str(&text_input(
        "email",
        "メールアドレス",
        "E-mail",
        &form.venue.email,
        "email",
        problems,
    ));
    let stay = if stay_empty {
        String::new()
    } else {
        form.default_stay_minutes
            .map(|m| m.to_string())
            .unwrap_or_default()
    };
    body.push_str(&text_input(
        "defaultStayMinutes",
        "標準の滞在時間（分、空欄は120分）",
        "Usual stay in minutes (empty: 120); visitors are checked out after it",
        &stay,
        "number",
        problems,
    ));
    let _ = write!(
        body,
        "<label for=\"rooms\">{}</label>{}<textarea id=\"rooms\" name=\"rooms\" rows=\"4\" cols=\"40\">{}</textarea>",
        ja_en(
            "部屋・区画（1行に1つ。3密条件が重なる部屋が複数ある場合は部屋ごとにQRコードを発行します。空欄は施設全体で1つ）",
            "Rooms, floors or tables, one a line: one QR each (empty: one QR for the venue)"
        ),
        field_errors(problems, "rooms"),
        escape(&form.rooms.join("\n"))
    );
    let _ = write!(
        body,
        "{}<label><input type=\"checkbox\" id=\"consent\" name=\"consent\" value=\"on\"{}> {}</label>\
         <label><input type=\"checkbox\" id=\"optIn\" name=\"optIn\" value=\"on\"{}> {}</label>\
         <p><button type=\"submit\" id=\"submit\">{}</button></p></form>",
        field_errors(problems, "consent"),
        if form.consent { " checked" } else { "" },
        ja_en("利用規約に同意する", "I agree to the terms of use"),
        if form.opt_in { " checked" } else { "" },
        ja_en(
            "県からのお知らせを受け取る（新型コロナウイルス対策に関する情報・アンケートなど）",
            "Receive news and surveys from the authority"
        ),
        ja_en(
            "情報を登録してQRコードを取得",
            "Register and get the QR code"
        ),
    );
    layout("QRコード発行フォーム", "Venue QR code registration", &body)
}

/// The answer page: which address the QR codes open, QR images, downloads, the trace code and
/// manager key.
pub(crate) fn registered_page(
    registered: &RegisteredVenue,
    form: &RegistrationForm,
    settings: &super::VenueSettings,
) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<p class=\"notice\" id=\"done\">{}</p>",
        ja_en(
            &format!(
                "「{}」のQRコードを発行いたしました。下記のポスターまたはQRコードを印刷してご利用ください。",
                form.venue.name.trim()
            ),
            "The QR code(s) are issued. Print the posters or the QR codes below."
        )
    );
    let page_url = settings.check_in_page_url();
    let _ = write!(
        body,
        "<p id=\"qr-host\">{}</p>",
        ja_en(
            &format!("QRコードを読み取ると {page_url} が開きます。"),
            &format!("Scanning a QR code opens {page_url}.")
        )
    );
    if settings.qr_host_is_local() {
        let _ = write!(
            body,
            "<p class=\"error\" id=\"qr-host-local\">{}</p>",
            ja_en(
                "このサーバーは公開アドレス（--public-url）が設定されていないため、QRコードはこのコンピューター自身を指しています。利用者のスマートフォンでは開けませんので、掲示しないでください。",
                "This server has no public address (--public-url), so the QR codes point to this computer itself and residents' phones cannot open them: do not post them."
            )
        );
    }
    let _ = write!(
        body,
        "<section class=\"box\"><h2>{}</h2><p>{}</p><p class=\"code\" id=\"trace-code\">{}</p>\
         <p>{}</p><p><a id=\"operator-copy\" download=\"operator-copy.pdf\" href=\"data:application/pdf;base64,{}\">{}</a></p></section>",
        ja_en("追跡コード（施設管理者控え）", "Trace code (operator copy)"),
        ja_en(
            "感染者が発生した場合に保健所からお尋ねします。紛失しないよう保管し、掲示しないでください。",
            "The health authority asks for it when a case occurs. Keep it safe; never post it."
        ),
        escape(&registered.trace_code),
        ja_en(
            &format!("登録番号 {}", registered.registration_id),
            "Registration number"
        ),
        registered.operator_copy_pdf,
        ja_en(
            "施設管理者控え（PDF）をダウンロード",
            "Download the operator copy (PDF)"
        ),
    );
    let _ = write!(
        body,
        "<section class=\"box\"><h2>{}</h2><p>{}</p><p class=\"code\" id=\"manager-key\">{}</p></section>",
        ja_en("責任者キー", "Manager key"),
        ja_en(
            "お知らせの依頼と従業員用キーワードの発行に使います。責任者の端末だけに保管してください。",
            "Used to request notices and to make keywords for staff. Keep it on the manager's device only."
        ),
        escape(&registered.manager_key)
    );
    for (index, room) in registered.rooms.iter().enumerate() {
        let number = index + 1;
        let label = if room.room.is_empty() {
            ja_en("施設全体", "Whole venue")
        } else {
            escape(&room.room)
        };
        // The files come one at a time from the poster form, so the page stays small.
        let _ = write!(
            body,
            "<section class=\"box room\"><h2>{number}. {label}</h2>\
             <form method=\"post\" action=\"{POSTER_FORM_PATH}\">\
             <input type=\"hidden\" name=\"qrUrl\" value=\"{}\">\
             <button id=\"poster-{number}\" name=\"format\" value=\"pdf\">{}</button> \
             <button id=\"png-{number}\" name=\"format\" value=\"png\">{}</button> \
             <button id=\"svg-{number}\" name=\"format\" value=\"svg\">{}</button></form></section>",
            escape(&room.qr_url),
            ja_en("掲示用ポスター（PDF）", "Poster (PDF)"),
            ja_en("QRコード画像（PNG）", "QR image (PNG)"),
            ja_en("QRコード画像（SVG）", "QR image (SVG)"),
        );
    }
    let _ = write!(
        body,
        "<p><a id=\"leaflet\" download=\"leaflet.pdf\" href=\"data:application/pdf;base64,{}\">{}</a></p>\
         <p>{}</p>",
        registered.leaflet_pdf,
        ja_en("説明用リーフレット（PDF）", "Explanatory leaflet (PDF)"),
        ja_en(
            "QRコード単体のデータは店内用の案内などに使えます。読み取り日時が来店日時になるため、配布物には入れないでください。",
            "The QR image alone may go on your own in-store signs; do not put it in anything handed out, since the scan time counts as the visit time."
        ),
    );
    layout("コード発行完了", "QR codes issued", &body)
}

/// A template's name for staff and operators, Japanese and English.
fn template_label(template: NoticeTemplate) -> (&'static str, &'static str) {
    match template {
        NoticeTemplate::TokyoPositiveVisitor => (
            "テンプレート1：陽性者の利用",
            "Template 1: a positive person visited",
        ),
        NoticeTemplate::TokyoCluster => (
            "テンプレート2：集団発生の疑い",
            "Template 2: suspected cluster",
        ),
        NoticeTemplate::IwateSameDay => ("同日利用のお知らせ（岩手県）", "Same-day notice (Iwate)"),
        _ => ("その他のテンプレート", "Other template"),
    }
}

/// A requested notice's template by name (the slug itself only when it names no template).
fn template_name_html(slug: &str) -> String {
    match NoticeTemplate::from_slug(slug) {
        Ok(template) => {
            let (ja, en) = template_label(template);
            ja_en(ja, en)
        }
        Err(_) => escape(slug),
    }
}

/// The rooms a notice asks for: the labels, or every room when none was chosen.
fn rooms_html(rooms: &[String]) -> String {
    if rooms.is_empty() {
        ja_en("全室", "All rooms")
    } else {
        escape(&rooms.join("、"))
    }
}

fn template_options() -> String {
    NoticeTemplate::ALL
        .iter()
        .map(|template| {
            let (ja, en) = template_label(*template);
            format!(
                "<option value=\"{}\">{} / {}</option>",
                template.slug(),
                escape(ja),
                escape(en)
            )
        })
        .collect()
}

fn notice_fields_html() -> String {
    format!(
        "<label for=\"template\">{}</label><select id=\"template\" name=\"template\">{}</select>\
         <label for=\"date\">{}</label><input type=\"text\" id=\"date\" name=\"date\" placeholder=\"YYYY-MM-DD\" inputmode=\"numeric\">\
         <label for=\"from_hour\">{}</label><input type=\"number\" id=\"from_hour\" name=\"from_hour\" min=\"0\" max=\"23\">\
         <label for=\"to_hour\">{}</label><input type=\"number\" id=\"to_hour\" name=\"to_hour\" min=\"1\" max=\"24\">\
         <label><input type=\"checkbox\" id=\"whole_day\" name=\"whole_day\" value=\"on\"> {}</label>\
         <label for=\"rooms\">{}</label><textarea id=\"rooms\" name=\"rooms\" rows=\"2\" cols=\"40\"></textarea>",
        ja_en("テンプレート", "Template"),
        template_options(),
        ja_en("対象日", "Date (JST)"),
        ja_en("開始時刻（時）", "From (hour)"),
        ja_en("終了時刻（時）", "To (hour)"),
        ja_en(
            "終日（同じ日に利用した方すべて）",
            "Whole day (everyone who came that day)"
        ),
        ja_en(
            "部屋・区画（1行に1つ。空欄はすべて）",
            "Rooms, one a line (empty: all)"
        ),
    )
}

/// The operator's request page (and the manager's keyword form).
pub(crate) fn request_page(message: Option<(&str, &str)>) -> String {
    let mut body = message_paragraph("error", "error", message);
    let _ = write!(
        body,
        "<p>{}</p><form class=\"box\" method=\"post\" action=\"{NOTICE_REQUEST_PAGE_PATH}\" id=\"request\">\
         <input type=\"hidden\" name=\"action\" value=\"request\">\
         <label><input type=\"radio\" name=\"credential\" value=\"manager\" checked> {}</label>\
         <label><input type=\"radio\" name=\"credential\" value=\"keyword\" id=\"use-keyword\"> {}</label>\
         <label for=\"code\">{}</label><input type=\"text\" id=\"code\" name=\"code\" autocomplete=\"off\">{}\
         <p><button type=\"submit\" id=\"send-request\">{}</button></p></form>",
        ja_en(
            "保健所と相談の上、使用するテンプレートと対象の日時を決めて依頼してください。保健所が承認するとお知らせが公開されます。",
            "After consulting the public health centre about the template, date and hours, request the notice; it is published once the authority approves."
        ),
        ja_en("責任者キー", "Manager key"),
        ja_en("キーワード（従業員）", "Keyword (staff)"),
        ja_en("責任者キーまたはキーワード", "Manager key or keyword"),
        notice_fields_html(),
        ja_en("お知らせを依頼する", "Request the notice"),
    );
    let _ = write!(
        body,
        "<form class=\"box\" method=\"post\" action=\"{NOTICE_REQUEST_PAGE_PATH}\" id=\"keyword\">\
         <input type=\"hidden\" name=\"action\" value=\"keyword\"><h2>{}</h2>\
         <label for=\"manager-code\">{}</label><input type=\"text\" id=\"manager-code\" name=\"code\" autocomplete=\"off\">\
         <p><button type=\"submit\" id=\"make-keyword\">{}</button></p></form>",
        ja_en(
            "従業員用キーワードの表示（責任者）",
            "A keyword for staff (manager)"
        ),
        ja_en("責任者キー", "Manager key"),
        ja_en("キーワードを表示", "Show a keyword"),
    );
    layout("お知らせの依頼", "Request a notice", &body)
}

/// A new keyword, shown to the manager.
pub(crate) fn keyword_page(keyword: &str, expires_at: i64) -> String {
    layout(
        "従業員用キーワード",
        "Keyword for staff",
        &format!(
            "<p class=\"code\" id=\"new-keyword\">{}</p><p>{}</p>",
            escape(keyword),
            ja_en(
                &format!("1回だけ使えます。有効期限 {}", display_time(expires_at)),
                "It works once, until the time shown."
            )
        ),
    )
}

/// The request was filed.
pub(crate) fn request_filed_page(id: &str) -> String {
    layout(
        "依頼を受け付けました",
        "Request received",
        &format!(
            "<p class=\"notice\" id=\"filed\">{}</p><p>{}</p>",
            ja_en(
                "保健所が承認するとお知らせが公開されます。",
                "The notice is published once the health authority approves it."
            ),
            ja_en(&format!("受付番号 {id}"), "Request id")
        ),
    )
}

/// A notice's window for staff: the JST date and hours, or the whole day.
fn window_text(notice: &NoticeFields) -> String {
    let hours = if notice.whole_day {
        "終日 whole day".to_owned()
    } else {
        format!(
            "{}時〜{}時",
            notice.from_hour.unwrap_or(0),
            notice.to_hour.unwrap_or(0)
        )
    };
    format!("{} {hours}", notice.date)
}

/// How a notice was asked for, in words.
fn requested_by_html(requested_by: &str) -> String {
    match requested_by {
        "manager" => ja_en("施設の管理端末", "The venue's manager device"),
        "staff" => ja_en("職員（施設の合言葉）", "Staff, with the venue's keyword"),
        super::notices::BY_TRACE_CODE => ja_en(
            "職員（追跡コードで直接）",
            "Staff, directly with the trace code",
        ),
        other => escape(other),
    }
}

/// What residents will read, in Japanese and English (`None`: the fields make no notice).
fn notice_text_html(class: &str, text: Option<&(String, String)>) -> String {
    match text {
        Some((ja, en)) => format!(
            "<div class=\"{class}\"><p lang=\"ja\">{}</p><p lang=\"en\">{}</p></div>",
            escape(ja).replace('\n', "<br>"),
            escape(en).replace('\n', "<br>"),
        ),
        None => format!("<p class=\"{class}\">-</p>"),
    }
}

/// A pending request as the portal shows it, with the text residents would read.
pub(crate) struct PendingView {
    /// The request.
    pub summary: RequestSummary,
    /// Its notice rendered in Japanese and English.
    pub text: Option<(String, String)>,
}

/// A published notice as the portal lists it, with the text residents read.
pub(crate) struct PublishedView {
    /// The publication.
    pub publication: Publication,
    /// Its notice rendered in Japanese and English.
    pub text: Option<(String, String)>,
}

/// The portal's venue notices page: pending requests to approve or reject, each with the text
/// residents will read; the direct form; and the list of published notices.
pub(crate) fn portal_page(
    staff: &StaffSession,
    requests: &[PendingView],
    published: &[PublishedView],
    outcome: Option<(&str, &str)>,
) -> String {
    let csrf = &staff.csrf();
    let mut body = message_paragraph("notice", "outcome", outcome);
    let _ = write!(
        body,
        "<h2>{}</h2>",
        ja_en("承認待ちの依頼", "Pending requests")
    );
    if requests.is_empty() {
        let _ = write!(
            body,
            "<p id=\"no-requests\">{}</p>",
            ja_en("ありません。", "None.")
        );
    }
    for PendingView {
        summary: request,
        text,
    } in requests
    {
        let _ = write!(
            body,
            "<form class=\"box request\" method=\"post\" action=\"{PORTAL_DECIDE_PATH}\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"id\" value=\"{}\">\
             <p><strong>{}</strong> ({})</p><dl>\
             <dt>{}</dt><dd class=\"template\">{}</dd>\
             <dt>{}</dt><dd class=\"window\">{}</dd>\
             <dt>{}</dt><dd class=\"rooms\">{}</dd>\
             <dt>{}</dt><dd class=\"requested\">{} {}</dd>\
             <dt>{}</dt><dd>{}</dd></dl>\
             <button type=\"submit\" name=\"decision\" value=\"approve\">{}</button> \
             <button type=\"submit\" name=\"decision\" value=\"reject\">{}</button></form>",
            escape(csrf),
            escape(&request.id),
            escape(&request.venue_name),
            escape(&request.registration_id),
            ja_en("テンプレート", "Template"),
            template_name_html(&request.notice.template),
            ja_en("対象日時", "When (JST)"),
            escape(&window_text(&request.notice)),
            ja_en("対象の部屋・エリア", "Rooms"),
            rooms_html(&request.notice.rooms),
            ja_en("依頼者", "Requested by"),
            requested_by_html(&request.requested_by),
            escape(&staff.zone().display(request.requested_at)),
            ja_en("利用者に届く文面", "What residents will read"),
            notice_text_html("notice-text", text.as_ref()),
            ja_en("承認して公開", "Approve and publish"),
            ja_en("却下", "Reject"),
        );
    }
    let _ = write!(
        body,
        "<h2>{}</h2><form class=\"box\" method=\"post\" action=\"{PORTAL_DIRECT_PATH}\" id=\"direct\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label for=\"trace_code\">{}</label><input type=\"text\" id=\"trace_code\" name=\"trace_code\" autocomplete=\"off\">{}\
         <p><button type=\"submit\" id=\"publish\">{}</button></p></form>",
        ja_en(
            "追跡コードで直接公開",
            "Publish directly with the trace code"
        ),
        escape(csrf),
        ja_en(
            "追跡コード（施設から聴取）",
            "Trace code (from the operator)"
        ),
        notice_fields_html(),
        ja_en("お知らせを公開", "Publish the notice"),
    );
    body.push_str(&published_html(staff, published));
    pages::layout(
        "店舗・施設のお知らせ",
        "Venue notices",
        Site::Portal(Some(staff)),
        &body,
    )
}

/// The list of published notices (the last 14 days, newest first), each with its text.
fn published_html(staff: &StaffSession, published: &[PublishedView]) -> String {
    let mut html = format!(
        "<h2 id=\"published-heading\">{}</h2>",
        ja_en(
            "公開中のお知らせ（過去14日間）",
            "Published notices (last 14 days)"
        )
    );
    if published.is_empty() {
        let _ = write!(
            html,
            "<p id=\"no-published\">{}</p>",
            ja_en("ありません。", "None.")
        );
        return html;
    }
    html.push_str("<ul class=\"published\" id=\"published\">");
    for PublishedView { publication, text } in published {
        let notice = &publication.summary.notice;
        let _ = write!(
            html,
            "<li class=\"box\"><p><strong>{}</strong> ({})</p><dl>\
             <dt>{}</dt><dd class=\"published-at\">{}</dd>\
             <dt>{}</dt><dd class=\"template\">{}</dd>\
             <dt>{}</dt><dd class=\"window\">{}</dd>\
             <dt>{}</dt><dd class=\"rooms\">{} ({})</dd>\
             <dt>{}</dt><dd class=\"published-by\">{} / {}</dd></dl>\
             <details><summary>{}</summary>{}</details></li>",
            escape(&publication.summary.venue_name),
            escape(&publication.summary.registration_id),
            ja_en("公開日時", "Published"),
            escape(&staff.zone().display(publication.published_at)),
            ja_en("テンプレート", "Template"),
            template_name_html(&notice.template),
            ja_en("対象日時", "When (JST)"),
            escape(&window_text(notice)),
            ja_en("対象の部屋・エリア", "Rooms"),
            rooms_html(&notice.rooms),
            ja_en(
                &format!("{}件", publication.entries),
                &format!("{} entries", publication.entries)
            ),
            ja_en("公開した人・依頼", "Published by, asked for by"),
            escape(&publication.published_by),
            requested_by_html(&publication.summary.requested_by),
            ja_en("利用者に届く文面", "What residents read"),
            notice_text_html("notice-text", text.as_ref()),
        );
    }
    html.push_str("</ul>");
    html
}
