//! The contact-listing page (issue 7): a server-rendered form at [`LISTING_PATH`], behind the
//! staff login of the [`portal`](crate::portal), where staff helping an organisation (workplace,
//! school, nursery, after-school club) upload its roster and get the listing of Hokkaido's
//! guidance: the investigation period, the people listed as 「感染の可能性がある方」 with their
//! stay-home dates, everyone else's health watch, and proposals from room check-ins.
//!
//! Nothing is stored on the server: the roster lives only in the request. The result page
//! carries the inputs in a hidden form whose buttons post them again for the CSV, JSON or PDF
//! download. Nothing about the roster is logged. The rules are `mimamori_listing`'s, run once through its `ListingRequest::run`.
//!
//! | method | path | what |
//! |--------|------|------|
//! | GET | `/portal/listing` | the form |
//! | POST | `/portal/listing` | `multipart/form-data`: the result page, or with `format` = `csv`, `json` or `pdf` a download |
//!
//! Form fields: `csrf`, `setting` (`workplace`, `school`, `nursery`, `afterschool`), `basis`
//! (`onset` or `specimen`), `basis_date`, `last_attendance`, `attended` (optional, dates
//! separated by commas or spaces), `masked` (present when the positive person wore a mask),
//! `roster` (file) or `roster_text`, optional `checkins` (file) or `checkins_text` with
//! `positive` (the positive person's id in the check-ins), and `format`.

use std::fmt::Write as _;
use std::sync::OnceLock;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mimamori_documents::FontSet;
use mimamori_listing::{
    Basis, CANDIDATES_NOTE_ENGLISH, CANDIDATES_NOTE_JAPANESE, Consultation, EVERYONE_ELSE_ENGLISH,
    EVERYONE_ELSE_JAPANESE, Listing, ListingRequest, Masking, Setting,
};

use crate::pages::{self, Site, escape, html, ja_en};
use crate::portal::session::{SESSION_PURPOSE, StaffSession};
use crate::routes::AppState;

/// The page's path (under the portal's prefix, so the staff session cookie reaches it).
pub const LISTING_PATH: &str = "/portal/listing";

/// Largest request accepted: a roster of [`mimamori_listing::MAX_ROWS`] rows and its
/// check-ins fit.
pub const BODY_LIMIT_BYTES: usize = 8 * 1024 * 1024;

/// The route, merged into [`crate::routes::router`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route(LISTING_PATH, get(form_page).post(submit))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(axum::middleware::map_response(
            crate::pages::security_headers,
        ))
}

async fn form_page(staff: StaffSession) -> Response {
    let csrf = staff.csrf();
    html(
        StatusCode::OK,
        layout(&staff, &form_html(&csrf, &Inputs::default(), None)),
    )
}
/// What the form sent.
#[derive(Debug, Default)]
struct Inputs {
    csrf: String,
    setting: String,
    basis: String,
    basis_date: String,
    last_attendance: String,
    attended: String,
    masked: bool,
    roster: String,
    checkins: String,
    positive: String,
    format: String,
}

impl Inputs {
    async fn read(mut multipart: Multipart) -> Result<Self, String> {
        let mut inputs = Self::default();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|error| format!("the form could not be read ({})", error.body_text()))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|error| format!("the form could not be read ({})", error.body_text()))?;
            let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                format!("the {name} field is not UTF-8 text; save the file as UTF-8 CSV")
            })?;
            let slot = match name.as_str() {
                "csrf" => &mut inputs.csrf,
                "setting" => &mut inputs.setting,
                "basis" => &mut inputs.basis,
                "basis_date" => &mut inputs.basis_date,
                "last_attendance" => &mut inputs.last_attendance,
                "attended" => &mut inputs.attended,
                "positive" => &mut inputs.positive,
                "format" => &mut inputs.format,
                "masked" => {
                    inputs.masked = !text.is_empty();
                    continue;
                }
                // A file chosen wins over the hidden text of a result page.
                "roster" | "roster_text" if !text.trim().is_empty() => &mut inputs.roster,
                "checkins" | "checkins_text" if !text.trim().is_empty() => &mut inputs.checkins,
                _ => continue,
            };
            *slot = text;
        }
        Ok(inputs)
    }

    fn listing(&self) -> Result<(Listing, bool), String> {
        let date = |text: &str, what: &str| {
            time::Date::parse(
                text.trim(),
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map_err(|_| format!("{what} must be a date YYYY-MM-DD"))
        };
        let setting: Setting = self.setting.parse().map_err(|e| format!("{e}"))?;
        let basis_date = date(&self.basis_date, "the onset or specimen date")?;
        // The form picks one of the two with its `basis` menu (onset unless `specimen`).
        let specimen = self.basis == "specimen";
        let basis = Basis::from_onset_or_specimen(
            (!specimen).then_some(basis_date),
            specimen.then_some(basis_date),
        )
        .map_err(|e| e.to_string())?;
        let last = date(&self.last_attendance, "the last day of attendance")?;
        let attended = self
            .attended
            .split([',', ' ', '\n', '\r', ';'])
            .filter(|item| !item.trim().is_empty())
            .map(|item| date(item, "each attendance day"))
            .collect::<Result<Vec<_>, _>>()?;
        // The form's own refusal, before core's pipeline: no roster chosen. (Check-ins without
        // the positive person's id are refused by `ListingRequest::run`, for every caller.)
        if self.roster.trim().is_empty() {
            return Err("choose the roster CSV file".to_owned());
        }
        let with_checkins = !self.checkins.trim().is_empty();
        let request = ListingRequest {
            setting,
            masking: Masking::from_masked(self.masked),
            basis,
            last_attendance: last,
            attended: &attended,
            roster_csv: &self.roster,
            checkins: with_checkins.then_some((self.checkins.as_str(), self.positive.as_str())),
            consultation: Consultation::hokkaido(),
        };
        let listing = request.run().map_err(|e| e.to_string())?;
        Ok((listing, with_checkins))
    }
}

async fn submit(staff: StaffSession, multipart: Result<Multipart, MultipartRejection>) -> Response {
    let csrf = staff.csrf();
    let refuse = |status: StatusCode, inputs: &Inputs, message: &str| {
        html(
            status,
            layout(&staff, &form_html(&csrf, inputs, Some(message))),
        )
    };
    let Ok(multipart) = multipart else {
        return refuse(
            StatusCode::BAD_REQUEST,
            &Inputs::default(),
            "the form must be sent as multipart/form-data",
        );
    };
    let inputs = match Inputs::read(multipart).await {
        Ok(inputs) => inputs,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, &Inputs::default(), &message),
    };
    if !staff.csrf_matches(SESSION_PURPOSE, &inputs.csrf) {
        return refuse(
            StatusCode::FORBIDDEN,
            &Inputs::default(),
            "this form was not accepted (missing or wrong form token); reload the page and try again",
        );
    }
    let (listing, with_checkins) = match inputs.listing() {
        Ok(result) => result,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, &inputs, &message),
    };
    tracing::info!("a contact listing was made (nothing stored)");
    match inputs.format.as_str() {
        "csv" => download(
            listing.to_csv().into_bytes(),
            "text/csv; charset=utf-8",
            "listing.csv",
        ),
        "json" => download(
            listing.to_json().into_bytes(),
            "application/json",
            "listing.json",
        ),
        "pdf" => {
            let rendered = tokio::task::spawn_blocking(move || {
                let fonts = fonts()?;
                mimamori_documents::listing::listing_pdf(fonts, &listing).map_err(|e| e.to_string())
            })
            .await;
            match rendered {
                Ok(Ok(pdf)) => download(pdf, "application/pdf", "listing.pdf"),
                Ok(Err(message)) => {
                    tracing::error!(%message, "listing page: the PDF could not be made");
                    refuse(
                        StatusCode::SERVICE_UNAVAILABLE,
                        &inputs,
                        "the PDF could not be made on this server (its CJK font is missing); use the CSV or JSON",
                    )
                }
                Err(_) => refuse(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &inputs,
                    "the PDF could not be made; try again",
                ),
            }
        }
        _ => html(
            StatusCode::OK,
            layout(
                &staff,
                &result_html(&csrf, &inputs, &listing, with_checkins),
            ),
        ),
    }
}

/// The CJK font, loaded once (the collection is large).
pub(crate) fn fonts() -> Result<&'static FontSet, String> {
    static FONTS: OnceLock<Result<FontSet, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| FontSet::from_env_or_default().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

/// A file to download (`attachment`), named `file_name`.
pub(crate) fn download(
    bytes: Vec<u8>,
    content_type: &'static str,
    file_name: &'static str,
) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The page in the portal's layout.
fn layout(staff: &StaffSession, body: &str) -> String {
    pages::layout(
        "接触者のリストアップ",
        "Contact listing",
        Site::Portal(Some(staff)),
        body,
    )
}

fn form_html(csrf: &str, inputs: &Inputs, error: Option<&str>) -> String {
    let mut page = String::new();
    if let Some(message) = error {
        let _ = write!(
            page,
            "<p class=\"error\" id=\"error\">入力を確認してください。 <span class=\"en\" lang=\"en\">{}</span></p>",
            escape(message)
        );
    }
    let _ = write!(
        page,
        "<p>{}</p>\
         <form class=\"box\" method=\"post\" action=\"{LISTING_PATH}\" enctype=\"multipart/form-data\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label for=\"setting\">{}</label><select id=\"setting\" name=\"setting\">",
        ja_en(
            "北海道「接触者の リストアップ と対応方法」に沿って、名簿から接触者をリストアップします。名簿はサーバーに保存されません。",
            "Lists contacts from a roster following Hokkaido's guidance. The roster is not stored on the server.",
        ),
        escape(csrf),
        ja_en("施設の種類", "Setting"),
    );
    for setting in Setting::ALL {
        let selected = if inputs.setting == setting.id() {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            page,
            "<option value=\"{}\"{selected}>{} / {}</option>",
            setting.id(),
            escape(setting.title_japanese()),
            escape(setting.title_english())
        );
    }
    let specimen = inputs.basis == "specimen";
    let _ = write!(
        page,
        "</select>\
         <label for=\"basis\">{}</label><select id=\"basis\" name=\"basis\">\
         <option value=\"onset\"{}>発症日 / symptom onset</option>\
         <option value=\"specimen\"{}>検体採取日（無症状） / specimen collection (no symptoms)</option></select>\
         <label for=\"basis_date\">{}</label><input type=\"date\" id=\"basis_date\" name=\"basis_date\" value=\"{}\" required>\
         <label for=\"last_attendance\">{}</label><input type=\"date\" id=\"last_attendance\" name=\"last_attendance\" value=\"{}\" required>\
         <label for=\"attended\">{}</label><input type=\"text\" id=\"attended\" name=\"attended\" size=\"50\" value=\"{}\" placeholder=\"2021-01-04, 2021-01-05\">\
         <label><input type=\"checkbox\" name=\"masked\" value=\"on\"{}> {}</label>\
         <label for=\"roster\">{}</label><input type=\"file\" id=\"roster\" name=\"roster\" accept=\".csv,text/csv\">\
         <p class=\"en\" lang=\"en\">id,name,group,attendance,criteria,last_contact — dates YYYY-MM-DD, lists separated by ;</p>\
         <label for=\"checkins\">{}</label><input type=\"file\" id=\"checkins\" name=\"checkins\" accept=\".csv,text/csv\">\
         <label for=\"positive\">{}</label><input type=\"text\" id=\"positive\" name=\"positive\" value=\"{}\">\
         <p><button type=\"submit\" name=\"format\" value=\"html\" id=\"make\">{}</button></p></form>",
        ja_en(
            "発症日（無症状の場合は検体採取日）",
            "Symptom onset (specimen collection date if no symptoms)"
        ),
        if specimen { "" } else { " selected" },
        if specimen { " selected" } else { "" },
        ja_en("その日付", "That date"),
        escape(&inputs.basis_date),
        ja_en("最終出勤・登校・登園・来所日", "Last day of attendance"),
        escape(&inputs.last_attendance),
        ja_en(
            "陽性者の出勤日など（省略時は期間中の毎日）",
            "The positive person's attendance days (default: every day)"
        ),
        escape(&inputs.attended),
        if inputs.masked { " checked" } else { "" },
        ja_en(
            "陽性者はマスクをしていた",
            "The positive person wore a mask"
        ),
        ja_en("名簿 CSV", "Roster CSV"),
        ja_en(
            "チェックイン記録 CSV（任意）",
            "Room check-ins CSV (optional): person_id,room,checked_in,checked_out"
        ),
        ja_en(
            "チェックイン記録での陽性者の ID",
            "The positive person's id in the check-ins"
        ),
        escape(&inputs.positive),
        ja_en("リストを作る", "Make the listing"),
    );
    page
}

fn result_html(csrf: &str, inputs: &Inputs, listing: &Listing, with_checkins: bool) -> String {
    let investigation = listing.investigation();
    let setting = investigation.setting();
    let period = investigation.period();
    let mut page = String::new();
    let days: Vec<String> = period.attendance_days().map(|d| d.to_string()).collect();
    let _ = write!(
        page,
        "<section class=\"box\"><h2>{}</h2><p id=\"period\">{} {} ～ {}</p><p>{} {}</p></section>",
        ja_en(setting.title_japanese(), setting.title_english()),
        ja_en("調査対象期間", "Investigation period"),
        period.first(),
        period.last(),
        ja_en(
            setting.attendance_day_japanese(),
            setting.attendance_day_english()
        ),
        escape(&days.join(", ")),
    );
    let _ = write!(
        page,
        "<h2>{}</h2><div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"Contacts\"><table id=\"listed\"><tr><th>ID</th><th>氏名 Name</th><th>所属 Group</th><th>基準 Criteria</th>\
         <th>最終接触日 Last contact</th><th>自宅待機 Stay home</th><th>解除日 Released</th><th>感染対策 Precautions until</th></tr>",
        ja_en("感染の可能性がある方", "Possible infection"),
    );
    for (entry, dates) in listing.listed() {
        let criteria: Vec<&str> = entry.criteria.iter().map(|c| c.id).collect();
        table_row(
            &mut page,
            [
                entry.id.clone(),
                entry.name.clone(),
                entry.group.clone(),
                criteria.join(", "),
                dates.last_contact.to_string(),
                format!("{} ～ {}", dates.from, dates.until),
                dates.released_on.to_string(),
                dates.precautions_until.to_string(),
            ],
        );
    }
    page.push_str("</table></div><ul>");
    for (ja, en) in listing
        .instructions_japanese()
        .iter()
        .zip(listing.instructions_english())
    {
        let _ = write!(page, "<li>{}</li>", ja_en(ja, en));
    }
    let _ = write!(
        page,
        "</ul><h2>{}</h2><p>{}</p><div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"Watch\"><table id=\"watch\"><tr><th>ID</th><th>氏名 Name</th><th>所属 Group</th>\
         <th>最終接触日 Last contact</th><th>健康観察 Watch until</th></tr>",
        ja_en("健康観察", "Health watch"),
        ja_en(EVERYONE_ELSE_JAPANESE, EVERYONE_ELSE_ENGLISH),
    );
    for (entry, dates) in listing.health_watch() {
        table_row(
            &mut page,
            [
                entry.id.clone(),
                entry.name.clone(),
                entry.group.clone(),
                dates.last_contact.to_string(),
                dates.until.to_string(),
            ],
        );
    }
    page.push_str("</table></div>");
    if with_checkins {
        let _ = write!(
            page,
            "<h2>{}</h2><p class=\"notice\" id=\"proposals-note\">{}</p><div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"Proposals\"><table id=\"proposals\"><tr><th>ID</th>\
             <th>氏名 Name</th><th>同室 Same room</th><th>分 Minutes</th></tr>",
            ja_en(
                "【提案】チェックイン記録からの候補",
                "PROPOSALS from check-ins (not listed)"
            ),
            ja_en(CANDIDATES_NOTE_JAPANESE, CANDIDATES_NOTE_ENGLISH),
        );
        for candidate in listing.candidates() {
            table_row(
                &mut page,
                [
                    candidate.person_id.clone(),
                    candidate
                        .name
                        .clone()
                        .unwrap_or_else(|| "(名簿にない not in roster)".to_owned()),
                    candidate.overlap_rooms_and_times("–", "; "),
                    candidate.total_minutes().to_string(),
                ],
            );
        }
        page.push_str("</table></div>");
    }
    let consultation = listing.consultation();
    let _ = write!(
        page,
        "<p class=\"notice\">{}</p>",
        ja_en(
            &consultation.sentence_japanese(),
            &consultation.sentence_english()
        )
    );
    // The downloads post the same inputs again: nothing is kept on the server.
    let _ = write!(
        page,
        "<form class=\"box\" method=\"post\" action=\"{LISTING_PATH}\" enctype=\"multipart/form-data\" id=\"downloads\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <input type=\"hidden\" name=\"setting\" value=\"{}\">\
         <input type=\"hidden\" name=\"basis\" value=\"{}\">\
         <input type=\"hidden\" name=\"basis_date\" value=\"{}\">\
         <input type=\"hidden\" name=\"last_attendance\" value=\"{}\">\
         <input type=\"hidden\" name=\"attended\" value=\"{}\">{}\
         <input type=\"hidden\" name=\"positive\" value=\"{}\">\
         <textarea name=\"roster_text\" hidden>{}</textarea>\
         <textarea name=\"checkins_text\" hidden>{}</textarea>\
         <button type=\"submit\" name=\"format\" value=\"csv\">CSV</button> \
         <button type=\"submit\" name=\"format\" value=\"json\">JSON</button> \
         <button type=\"submit\" name=\"format\" value=\"pdf\">{}</button></form>",
        escape(csrf),
        escape(&inputs.setting),
        escape(&inputs.basis),
        escape(&inputs.basis_date),
        escape(&inputs.last_attendance),
        escape(&inputs.attended),
        if inputs.masked {
            "<input type=\"hidden\" name=\"masked\" value=\"on\">"
        } else {
            ""
        },
        escape(&inputs.positive),
        escape(&inputs.roster),
        escape(&inputs.checkins),
        ja_en("印刷用 PDF (A4)", "Printable PDF (A4)"),
    );
    page
}

/// Appends a table row of `cells`, each escaped.
fn table_row<const N: usize>(page: &mut String, cells: [String; N]) {
    page.push_str("<tr>");
    for cell in cells {
        let _ = write!(page, "<td>{}</td>", escape(&cell));
    }
    page.push_str("</tr>");
}
