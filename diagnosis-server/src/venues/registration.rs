//! Venue registration: the fields of Iwate's form (business type, capacity band, name, postal
//! code, address lines, phone, e-mail, consent, opt-in) plus rooms; checked, turned into one
//! signed QR per room, sealed, stored, and answered at once with each room's QR text, the
//! leaflet and the operator copy (posters and QR images: [`super::posters`]).

use axum::Form;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use mimamori_documents::FontSet;
use mimamori_documents::venue::{LeafletInput, OperatorCopyInput};
use mimamori_environment::{OsRandom, RandomSource};
use mimamori_venue::{
    DEFAULT_STAY_MINUTES_RANGE, MAX_NAME_CHARS, MAX_ROOM_CHARS, SealedRecord, TraceCode,
    VenuePayload, VenueQr, VenueSeed, VenueType,
};
use serde::{Deserialize, Serialize};

use super::{
    NOTICE_REQUEST_PAGE_PATH, VenueService, VenueState, html, internal_error, json, lookup,
};
use crate::storage::VenueRegistrationRow;
use crate::{Error, Result};

/// Most rooms (QR codes) in one registration.
pub const MAX_ROOMS: usize = 50;

/// Longest address line, in characters.
pub const MAX_ADDRESS_LINE_CHARS: usize = 90;

/// Longest e-mail address (RFC 5321 path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Default stay when the form leaves it empty, in minutes (visitors are checked out after it).
pub const DEFAULT_STAY_MINUTES: u16 = 120;

/// Pixels per QR module in the PNG (a 300-dpi print of a version-15 code is ~9 cm).
pub const QR_PNG_MODULE_PIXELS: u32 = 12;

/// The capacity bands of the form (利用規模数): slug, Japanese, English. Iwate's form has the
/// field but the source does not list its choices; these bands are Mimamori's.
pub const CAPACITY_BANDS: [(&str, &str, &str); 6] = [
    ("up_to_10", "10人以下", "up to 10 people"),
    ("11_50", "11〜50人", "11 to 50 people"),
    ("51_100", "51〜100人", "51 to 100 people"),
    ("101_300", "101〜300人", "101 to 300 people"),
    ("301_1000", "301〜1,000人", "301 to 1,000 people"),
    ("over_1000", "1,001人以上", "over 1,000 people"),
];

/// The form as submitted (JSON body of [`super::REGISTRATIONS_PATH`]; the HTML form has the same
/// names, with `rooms` one a line).
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RegistrationForm {
    /// Business type slug (`restaurant_bar`, `theatre`, ... see [`VenueType::slug`]).
    pub venue_type: String,
    /// Capacity band slug ([`CAPACITY_BANDS`]).
    pub capacity: String,
    /// Name of the facility, shop or event.
    pub name: String,
    /// Postal code, `NNN-NNNN` (or seven digits).
    pub postal_code: String,
    /// Address line 1.
    pub address1: String,
    /// Address line 2 (number, building), optional.
    pub address2: String,
    /// Telephone number (10 or 11 digits, hyphens allowed).
    pub phone: String,
    /// E-mail address.
    pub email: String,
    /// Consent to the terms of use (required).
    pub consent: bool,
    /// Opt-in to news and surveys from the authority.
    pub opt_in: bool,
    /// Room, floor or table labels, one QR each; empty for one code for the whole venue.
    pub rooms: Vec<String>,
    /// Minutes after which visitors are checked out automatically (1 to 1440; default 120).
    pub default_stay_minutes: Option<u16>,
}

impl std::fmt::Debug for RegistrationForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationForm")
            .field("venue_type", &self.venue_type)
            .finish_non_exhaustive()
    }
}

/// The HTML form's fields (checkboxes are present or absent; rooms one a line).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct HtmlRegistrationForm {
    venue_type: String,
    capacity: String,
    name: String,
    postal_code: String,
    address1: String,
    address2: String,
    phone: String,
    email: String,
    consent: Option<String>,
    opt_in: Option<String>,
    rooms: String,
    default_stay_minutes: String,
}

/// One problem with a submitted form, for the field it concerns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegistrationProblem {
    /// The field's name in the form/JSON.
    pub field: &'static str,
    /// What is wrong, in Japanese.
    pub ja: &'static str,
    /// What is wrong, in English.
    pub en: &'static str,
}

/// A checked form.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VenueDetails {
    pub(crate) venue_type: String,
    pub(crate) capacity: String,
    pub(crate) name: String,
    pub(crate) postal_code: String,
    pub(crate) address1: String,
    pub(crate) address2: String,
    pub(crate) phone: String,
    pub(crate) email: String,
    pub(crate) opt_in: bool,
    pub(crate) default_stay_minutes: u16,
}

/// What is sealed: the details, each room's QR URL, when it was registered.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SealedVenue {
    pub(crate) version: u32,
    pub(crate) registration_id: String,
    pub(crate) registered_at: i64,
    pub(crate) details: VenueDetails,
    pub(crate) rooms: Vec<SealedRoom>,
}

/// A room's label and QR URL.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SealedRoom {
    pub(crate) room: String,
    pub(crate) qr_url: String,
}

/// One room's QR. Its poster (PDF) and QR images (PNG, SVG) are fetched one at a time from
/// [`super::POSTERS_PATH`] with this `qr_url`, so that the answer stays small.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredRoom {
    /// The label (empty: the whole venue).
    pub room: String,
    /// The QR's text (`https://<host>/v/#...`).
    pub qr_url: String,
}

/// The answer to a registration: everything the operator needs, at once. Shown once; the
/// server keeps none of it readable.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredVenue {
    /// The registration number (public).
    pub registration_id: String,
    /// The private trace code (`XXXX-XXXX-XXXX-XXXX`), also on the operator copy.
    pub trace_code: String,
    /// The manager device's key for notice requests and staff keywords; keep it on that
    /// device only.
    pub manager_key: String,
    /// One QR per room (posters and images from [`super::POSTERS_PATH`]).
    pub rooms: Vec<RegisteredRoom>,
    /// The A4 leaflet PDF, base64.
    pub leaflet_pdf: String,
    /// The A4 operator copy PDF (with the trace code), base64.
    pub operator_copy_pdf: String,
}

impl std::fmt::Debug for RegisteredVenue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisteredVenue")
            .field("registration_id", &self.registration_id)
            .field("rooms", &self.rooms.len())
            .finish_non_exhaustive()
    }
}

fn problem(field: &'static str, ja: &'static str, en: &'static str) -> RegistrationProblem {
    RegistrationProblem { field, ja, en }
}

fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// Checks every field; all problems at once.
pub(crate) fn check(
    form: &RegistrationForm,
) -> std::result::Result<(VenueDetails, Vec<String>), Vec<RegistrationProblem>> {
    let mut problems = Vec::new();
    let venue_type = form.venue_type.trim();
    if VenueType::from_slug(venue_type).is_err() {
        problems.push(problem(
            "venueType",
            "業態を選択してください。",
            "Choose the business type.",
        ));
    }
    let capacity = form.capacity.trim();
    if !CAPACITY_BANDS.iter().any(|(slug, _, _)| *slug == capacity) {
        problems.push(problem(
            "capacity",
            "利用規模数を選択してください。",
            "Choose the capacity band.",
        ));
    }
    let name = form.name.trim();
    if name.is_empty() {
        problems.push(problem(
            "name",
            "施設・店舗・イベント名を入力してください。",
            "Enter the name of the facility, shop or event.",
        ));
    } else if name.chars().count() > MAX_NAME_CHARS || has_control(name) {
        problems.push(problem(
            "name",
            "施設・店舗・イベント名は100文字以内で入力してください。",
            "The name must be at most 100 characters on one line.",
        ));
    }
    let postal_digits: String = form
        .postal_code
        .trim()
        .chars()
        .filter(|c| *c != '-' && *c != 'ー' && *c != '－')
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    let postal_code =
        if postal_digits.len() == 7 && postal_digits.chars().all(|c| c.is_ascii_digit()) {
            format!("{}-{}", &postal_digits[..3], &postal_digits[3..])
        } else {
            problems.push(problem(
                "postalCode",
                "郵便番号は7桁の数字（例 020-8570）で入力してください。",
                "Enter the postal code as 7 digits (e.g. 020-8570).",
            ));
            String::new()
        };
    let address1 = form.address1.trim();
    if address1.is_empty() {
        problems.push(problem(
            "address1",
            "住所1を入力してください。",
            "Enter address line 1.",
        ));
    } else if address1.chars().count() > MAX_ADDRESS_LINE_CHARS || has_control(address1) {
        problems.push(problem(
            "address1",
            "住所1は90文字以内で入力してください。",
            "Address line 1 must be at most 90 characters.",
        ));
    }
    let address2 = form.address2.trim();
    if address2.chars().count() > MAX_ADDRESS_LINE_CHARS || has_control(address2) {
        problems.push(problem(
            "address2",
            "住所2は90文字以内で入力してください。",
            "Address line 2 must be at most 90 characters.",
        ));
    }
    let phone = form.phone.trim();
    let phone_digits = phone.chars().filter(char::is_ascii_digit).count();
    if !(phone.starts_with('0')
        && (10..=11).contains(&phone_digits)
        && phone.chars().all(|c| c.is_ascii_digit() || c == '-')
        && !phone.contains("--"))
    {
        problems.push(problem(
            "phone",
            "電話番号は0から始まる10桁または11桁の数字（例 019-629-5487）で入力してください。",
            "Enter the phone number as 10 or 11 digits starting with 0 (e.g. 019-629-5487).",
        ));
    }
    let email = form.email.trim();
    let email_ok = email.len() <= MAX_EMAIL_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if !email_ok {
        problems.push(problem(
            "email",
            "メールアドレスを正しく入力してください（例 email@example.com）。",
            "Enter a valid e-mail address (e.g. email@example.com).",
        ));
    }
    if !form.consent {
        problems.push(problem(
            "consent",
            "利用規約に同意してください。",
            "You must agree to the terms of use.",
        ));
    }
    let stay = form.default_stay_minutes.unwrap_or(DEFAULT_STAY_MINUTES);
    if !DEFAULT_STAY_MINUTES_RANGE.contains(&stay) {
        problems.push(problem(
            "defaultStayMinutes",
            "標準の滞在時間は1〜1440分で入力してください。",
            "The usual stay must be 1 to 1440 minutes.",
        ));
    }
    let mut rooms: Vec<String> = form
        .rooms
        .iter()
        .map(|room| room.trim().to_owned())
        .filter(|room| !room.is_empty())
        .collect();
    if rooms.len() > MAX_ROOMS {
        problems.push(problem(
            "rooms",
            "部屋・区画は50件までです。",
            "At most 50 rooms.",
        ));
    }
    if rooms
        .iter()
        .any(|room| room.chars().count() > MAX_ROOM_CHARS || has_control(room))
    {
        problems.push(problem(
            "rooms",
            "部屋・区画の名前は1行50文字以内で入力してください。",
            "Each room label must be at most 50 characters.",
        ));
    }
    let mut sorted = rooms.clone();
    sorted.sort();
    if sorted.windows(2).any(|pair| pair[0] == pair[1]) {
        problems.push(problem(
            "rooms",
            "同じ部屋・区画の名前が重複しています。",
            "Two rooms have the same label.",
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if rooms.is_empty() {
        rooms.push(String::new());
    }
    Ok((
        VenueDetails {
            venue_type: venue_type.to_owned(),
            capacity: capacity.to_owned(),
            name: name.to_owned(),
            postal_code,
            address1: address1.to_owned(),
            address2: address2.to_owned(),
            phone: phone.to_owned(),
            email: email.to_owned(),
            opt_in: form.opt_in,
            default_stay_minutes: stay,
        },
        rooms,
    ))
}

/// The capacity band's label, Japanese and English.
pub(crate) fn capacity_label(slug: &str) -> String {
    CAPACITY_BANDS
        .iter()
        .find(|(band, _, _)| *band == slug)
        .map_or_else(|| slug.to_owned(), |(_, ja, en)| format!("{ja} {en}"))
}

/// The address printed in the payload: `〒NNN-NNNN address1 address2`.
fn payload_address(details: &VenueDetails) -> String {
    let mut address = format!("〒{} {}", details.postal_code, details.address1);
    if !details.address2.is_empty() {
        address.push(' ');
        address.push_str(&details.address2);
    }
    address
}

/// A random public registration number: 10 Crockford base32 characters.
fn registration_id(random: &mut dyn RandomSource) -> String {
    const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bytes = [0u8; 10];
    random.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|byte| char::from(CROCKFORD[usize::from(byte & 0x1f)]))
        .collect()
}

/// Why a registration could not be made.
#[derive(Debug)]
pub(crate) enum RegisterOutcome {
    /// Done.
    Registered(Box<RegisteredVenue>),
    /// The form has problems; nothing was stored.
    Invalid(Vec<RegistrationProblem>),
    /// The PDFs cannot be made (font missing); nothing was stored.
    DocumentsUnavailable(String),
}

/// Registers a venue: checks the form, makes one signed QR per room, the documents, seals the
/// record twice and stores it. Nothing is stored unless everything succeeded.
pub(crate) async fn register(
    venues: &VenueService,
    form: &RegistrationForm,
) -> Result<RegisterOutcome> {
    let (details, rooms) = match check(form) {
        Ok(checked) => checked,
        Err(problems) => return Ok(RegisterOutcome::Invalid(problems)),
    };
    let fonts = match venues.fonts() {
        Ok(fonts) => fonts.clone(),
        Err(reason) => return Ok(RegisterOutcome::DocumentsUnavailable(reason)),
    };
    let sealed = seal_registration(venues, &details, &rooms)?;
    let SealedRegistration {
        record,
        trace_code,
        manager_key,
        row,
    } = sealed;

    let documents_input = DocumentsInput {
        fonts,
        settings: venues.settings.clone(),
        record: record.clone(),
        trace_code: trace_code.to_display().to_string(),
        request_url: format!(
            "https://{}{NOTICE_REQUEST_PAGE_PATH}",
            venues.settings.authority_host
        ),
    };
    let documents = tokio::task::spawn_blocking(move || make_documents(&documents_input))
        .await
        .map_err(|error| Error::Config(format!("the document task failed: {error}")))?;
    let (rooms_out, leaflet_pdf, operator_copy_pdf) = match documents {
        Ok(documents) => documents,
        Err(error) => return Ok(RegisterOutcome::DocumentsUnavailable(error.to_string())),
    };

    venues
        .services
        .storage
        .insert_venue_registration(&row)
        .await?;
    tracing::info!(rooms = rooms_out.len(), "venue registered");
    Ok(RegisterOutcome::Registered(Box::new(RegisteredVenue {
        registration_id: row.id,
        trace_code: trace_code.to_display().to_string(),
        manager_key: manager_key.to_display().to_string(),
        rooms: rooms_out,
        leaflet_pdf: BASE64.encode(leaflet_pdf),
        operator_copy_pdf: BASE64.encode(operator_copy_pdf),
    })))
}

/// A registration ready to store: the record, its two codes, and the database row with the
/// record sealed to each.
pub(crate) struct SealedRegistration {
    /// What was sealed.
    pub(crate) record: SealedVenue,
    /// The operator's trace code.
    pub(crate) trace_code: TraceCode,
    /// The manager device's key.
    pub(crate) manager_key: TraceCode,
    /// The row to store.
    pub(crate) row: VenueRegistrationRow,
}

/// Makes one signed QR per room of a checked registration, a registration id, the trace code
/// and the manager key, and seals the record to each (nothing is stored).
pub(crate) fn seal_registration(
    venues: &VenueService,
    details: &VenueDetails,
    rooms: &[String],
) -> Result<SealedRegistration> {
    let keys = venues.keys()?;
    let now = venues.now();
    let mut random = OsRandom;
    let venue_type = VenueType::from_slug(&details.venue_type)?;
    let address = payload_address(details);
    let mut sealed_rooms = Vec::with_capacity(rooms.len());
    for room in rooms {
        let payload = VenuePayload::new(
            venue_type,
            details.default_stay_minutes,
            VenueSeed::generate(&mut random),
            &details.name,
            &address,
            room,
        )?;
        let qr: VenueQr = payload.sign(&keys.signing, &venues.settings.authority_host)?;
        sealed_rooms.push(SealedRoom {
            room: room.clone(),
            qr_url: qr.url(),
        });
    }
    let id = registration_id(&mut random);
    let trace_code = TraceCode::generate(&mut random);
    let manager_key = TraceCode::generate(&mut random);
    let record = SealedVenue {
        version: 1,
        registration_id: id.clone(),
        registered_at: now,
        details: details.clone(),
        rooms: sealed_rooms,
    };
    let plaintext = zeroize::Zeroizing::new(
        serde_json::to_vec(&record).map_err(|error| Error::Database(error.to_string()))?,
    );
    let authority = keys.seal.public_key();
    let sealed_for_trace = SealedRecord::seal(&authority, &trace_code, &plaintext, &mut random)?;
    let sealed_for_manager = SealedRecord::seal(&authority, &manager_key, &plaintext, &mut random)?;
    let row = VenueRegistrationRow {
        id,
        created_at: now,
        trace_lookup: lookup("trace", trace_code.as_bytes()),
        manager_lookup: lookup("manager", manager_key.as_bytes()),
        sealed_for_trace: sealed_for_trace.to_bytes(),
        sealed_for_manager: sealed_for_manager.to_bytes(),
    };
    Ok(SealedRegistration {
        record,
        trace_code,
        manager_key,
        row,
    })
}

struct DocumentsInput {
    fonts: FontSet,
    settings: super::VenueSettings,
    record: SealedVenue,
    trace_code: String,
    request_url: String,
}

type Documents = (Vec<RegisteredRoom>, Vec<u8>, Vec<u8>);

fn make_documents(
    input: &DocumentsInput,
) -> std::result::Result<Documents, mimamori_documents::DocumentError> {
    let details = &input.record.details;
    let venue_type = VenueType::from_slug(&details.venue_type).unwrap_or(VenueType::RestaurantBar);
    let rooms = input
        .record
        .rooms
        .iter()
        .map(|room| RegisteredRoom {
            room: room.room.clone(),
            qr_url: room.qr_url.clone(),
        })
        .collect();
    let leaflet = mimamori_documents::venue::leaflet(
        &input.fonts,
        &LeafletInput {
            authority_name: input.settings.authority_name.clone(),
            authority_phone: input.settings.authority_phone.clone(),
            consultation_phone: input.settings.consultation_phone.clone(),
        },
    )?;
    let mut address = details.address1.clone();
    if !details.address2.is_empty() {
        address.push(' ');
        address.push_str(&details.address2);
    }
    let copy = mimamori_documents::venue::operator_copy(
        &input.fonts,
        &OperatorCopyInput {
            registration_id: input.record.registration_id.clone(),
            trace_code: input.trace_code.clone(),
            venue_name: details.name.clone(),
            venue_type: format!("{} {}", venue_type.japanese(), venue_type.english()),
            capacity: capacity_label(&details.capacity),
            postal_code: details.postal_code.clone(),
            address,
            phone: details.phone.clone(),
            email: details.email.clone(),
            rooms: input
                .record
                .rooms
                .iter()
                .map(|room| room.room.clone())
                .collect(),
            registered_at: crate::portal::html::display_time(input.record.registered_at),
            authority_name: input.settings.authority_name.clone(),
            notice_request_url: input.request_url.clone(),
        },
    )?;
    Ok((rooms, leaflet, copy))
}

impl HtmlRegistrationForm {
    fn into_form(self) -> (RegistrationForm, bool) {
        let stay_text = self.default_stay_minutes.trim().to_owned();
        let stay = if stay_text.is_empty() {
            Some(DEFAULT_STAY_MINUTES)
        } else {
            stay_text.parse::<u16>().ok().or(Some(0))
        };
        (
            RegistrationForm {
                venue_type: self.venue_type,
                capacity: self.capacity,
                name: self.name,
                postal_code: self.postal_code,
                address1: self.address1,
                address2: self.address2,
                phone: self.phone,
                email: self.email,
                consent: self.consent.is_some(),
                opt_in: self.opt_in.is_some(),
                rooms: self.rooms.lines().map(str::to_owned).collect(),
                default_stay_minutes: stay,
            },
            stay_text.is_empty(),
        )
    }
}

/// `POST /venues/v1/registrations` (JSON).
pub(crate) async fn register_json(State(venues): State<VenueState>, body: Bytes) -> Response {
    let form: RegistrationForm = match serde_json::from_slice(&body) {
        Ok(form) => form,
        Err(_) => {
            return json(
                400,
                &serde_json::json!({
                    "error": "the body must be a JSON registration form",
                    "code": "bad_request",
                }),
            );
        }
    };
    match register(&venues, &form).await {
        Ok(RegisterOutcome::Registered(registered)) => json(201, &*registered),
        Ok(RegisterOutcome::Invalid(problems)) => json(
            400,
            &serde_json::json!({
                "error": problems.iter().map(|p| p.en).collect::<Vec<_>>().join(" "),
                "code": "invalid_registration",
                "problems": problems,
            }),
        ),
        Ok(RegisterOutcome::DocumentsUnavailable(reason)) => json(
            503,
            &serde_json::json!({
                "error": format!("the documents cannot be made now; nothing was stored ({reason})"),
                "code": "documents_unavailable",
            }),
        ),
        Err(error) => internal_error(&error),
    }
}

/// `GET /venues/register`.
pub(crate) async fn form_page() -> Response {
    html::page(
        StatusCode::OK,
        html::registration_page(&RegistrationForm::default(), true, &[]),
    )
}

/// `POST /venues/register` (the HTML form).
pub(crate) async fn submit_form(
    State(venues): State<VenueState>,
    form: std::result::Result<Form<HtmlRegistrationForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return html::problem(
            StatusCode::BAD_REQUEST,
            "フォームの内容が読めません。ページを開き直してください。",
            "The form could not be read; reload the page and try again.",
        );
    };
    let (form, stay_empty) = form.into_form();
    match register(&venues, &form).await {
        Ok(RegisterOutcome::Registered(registered)) => html::page(
            StatusCode::CREATED,
            html::registered_page(&registered, &form),
        ),
        Ok(RegisterOutcome::Invalid(problems)) => html::page(
            StatusCode::BAD_REQUEST,
            html::registration_page(&form, stay_empty, &problems),
        ),
        Ok(RegisterOutcome::DocumentsUnavailable(_)) => html::problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "現在ポスター等を作成できません。何も登録されていません。しばらくしてからやり直してください。",
            "The documents cannot be made now; nothing was registered. Try again later.",
        ),
        Err(error) => {
            tracing::error!(%error, "venue registration failed");
            html::problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "サーバーでエラーが起きました。しばらくしてからやり直してください。",
                "The server failed; try again later.",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> RegistrationForm {
        RegistrationForm {
            venue_type: "restaurant_bar".into(),
            capacity: "11_50".into(),
            name: "居酒屋もしサポ".into(),
            postal_code: "０２０８５７０".into(),
            address1: "岩手県盛岡市内丸10番1号".into(),
            address2: String::new(),
            phone: "019-629-5487".into(),
            email: "owner@example.jp".into(),
            consent: true,
            opt_in: false,
            rooms: vec![" 1階 ".into(), "".into(), "2階".into()],
            default_stay_minutes: None,
        }
    }

    #[test]
    fn a_valid_form_is_normalised() {
        let (details, rooms) = check(&valid()).unwrap();
        assert_eq!(details.postal_code, "020-8570");
        assert_eq!(details.default_stay_minutes, DEFAULT_STAY_MINUTES);
        assert_eq!(rooms, ["1階", "2階"]);
        let mut whole = valid();
        whole.rooms.clear();
        assert_eq!(check(&whole).unwrap().1, [""]);
    }

    #[test]
    fn every_bad_field_is_named() {
        let form = RegistrationForm {
            venue_type: "casino".into(),
            capacity: "huge".into(),
            name: " ".into(),
            postal_code: "12-34".into(),
            address1: "".into(),
            address2: "x".repeat(91),
            phone: "12345".into(),
            email: "not-an-email".into(),
            consent: false,
            opt_in: false,
            rooms: vec!["A".into(), "A".into()],
            default_stay_minutes: Some(0),
        };
        let Err(problems) = check(&form) else {
            panic!("a bad form was accepted")
        };
        let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
        for field in [
            "venueType",
            "capacity",
            "name",
            "postalCode",
            "address1",
            "address2",
            "phone",
            "email",
            "consent",
            "defaultStayMinutes",
            "rooms",
        ] {
            assert!(fields.contains(&field), "{field} not reported: {fields:?}");
        }
    }
}
