//! Venue registration: the fields of Iwate's form (business type, capacity band, name, postal
//! code, address lines, phone, e-mail, consent, opt-in) plus rooms; checked, turned into one
//! signed QR per room, sealed, stored, and answered at once with each room's QR text, the
//! leaflet and the operator copy (posters and QR images: [`super::posters`]).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use mimamori_api::v1::venues::{
    CheckedRegistration, DEFAULT_STAY_MINUTES, DOCUMENTS_UNAVAILABLE, ErrorResponse,
    RegisteredRoom, RegisteredVenue, RegistrationForm, RegistrationProblem, VenueDetails,
    VenueFields, capacity_label,
};
use mimamori_documents::FontSet;
use mimamori_documents::venue::{LeafletInput, OperatorCopyInput};
use mimamori_environment::{OsRandom, RandomSource};
use mimamori_venue::{SealedRecord, TraceCode, VenuePayload, VenueQr, VenueSeed, VenueType};
use serde::{Deserialize, Serialize};

use super::html::PageForm;
use super::{
    NOTICE_REQUEST_PAGE_PATH, VenueService, VenueState, bad_request, html, internal_error, json,
    lookup,
};
use crate::storage::VenueRegistrationRow;
use crate::{Error, Result};

/// Pixels per QR module in the PNG (a 300-dpi print of a version-15 code is ~9 cm).
pub const QR_PNG_MODULE_PIXELS: u32 = 12;

/// The HTML form's fields (checkboxes are present or absent; rooms one a line).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct HtmlRegistrationForm {
    #[serde(flatten)]
    venue: VenueFields,
    consent: Option<String>,
    opt_in: Option<String>,
    rooms: String,
    default_stay_minutes: String,
}

/// What is sealed: the details, each room's QR URL, when it was registered.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SealedVenue {
    pub(crate) version: u32,
    pub(crate) registration_id: String,
    pub(crate) registered_at: i64,
    pub(crate) details: VenueDetails,
    pub(crate) rooms: Vec<RegisteredRoom>,
}

/// The address printed in the payload: `〒NNN-NNNN address1 address2`.
fn payload_address(details: &VenueDetails) -> String {
    format!(
        "〒{} {}",
        details.venue.postal_code,
        details.venue.address()
    )
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
    let CheckedRegistration { details, rooms } = match form.check() {
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
    let venue_type = VenueType::from_slug(&details.venue.venue_type)?;
    let address = payload_address(details);
    let mut sealed_rooms = Vec::with_capacity(rooms.len());
    for room in rooms {
        let payload = VenuePayload::new(
            venue_type,
            details.default_stay_minutes,
            VenueSeed::generate(&mut random),
            &details.venue.name,
            &address,
            room,
        )?;
        let qr: VenueQr = payload.sign(&keys.signing, &venues.settings.authority_host)?;
        sealed_rooms.push(RegisteredRoom {
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
    let venue_type =
        VenueType::from_slug(&details.venue.venue_type).unwrap_or(VenueType::RestaurantBar);
    let rooms = input.record.rooms.clone();
    let leaflet = mimamori_documents::venue::leaflet(
        &input.fonts,
        &LeafletInput {
            authority_name: input.settings.authority_name.clone(),
            authority_phone: input.settings.authority_phone.clone(),
            consultation_phone: input.settings.consultation_phone.clone(),
        },
    )?;
    let copy = mimamori_documents::venue::operator_copy(
        &input.fonts,
        &OperatorCopyInput {
            registration_id: input.record.registration_id.clone(),
            trace_code: input.trace_code.clone(),
            venue_name: details.venue.name.clone(),
            venue_type: format!("{} {}", venue_type.japanese(), venue_type.english()),
            capacity: capacity_label(&details.venue.capacity),
            postal_code: details.venue.postal_code.clone(),
            address: details.venue.address(),
            phone: details.venue.phone.clone(),
            email: details.venue.email.clone(),
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
                venue: self.venue,
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
    let Ok(form) = serde_json::from_slice::<RegistrationForm>(&body) else {
        return bad_request("the body must be a JSON registration form");
    };
    match register(&venues, &form).await {
        Ok(RegisterOutcome::Registered(registered)) => json(201, &*registered),
        Ok(RegisterOutcome::Invalid(problems)) => {
            json(400, &ErrorResponse::invalid_registration(problems))
        }
        Ok(RegisterOutcome::DocumentsUnavailable(reason)) => json(
            503,
            &ErrorResponse::new(
                DOCUMENTS_UNAVAILABLE,
                &format!("the documents cannot be made now; nothing was stored ({reason})"),
            ),
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
    PageForm(form): PageForm<HtmlRegistrationForm>,
) -> Response {
    let (form, stay_empty) = form.into_form();
    match register(&venues, &form).await {
        Ok(RegisterOutcome::Registered(registered)) => html::page(
            StatusCode::CREATED,
            html::registered_page(&registered, &form, &venues.settings),
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
        Err(error) => html::server_failed(&error),
    }
}
