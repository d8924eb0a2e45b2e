//! A room's poster (A4 PDF) and QR image (PNG, SVG), one file a request.
//!
//! The registration answer carries each room's QR text and no images, so that its size grows
//! with the number of rooms by about the length of a QR text (issue 13: 1.6 KB in gave 9.3 MB
//! out when every poster was inlined). The files are made here on demand from the QR text,
//! which must carry this server's signature: the QR is printed on a public poster, so it is no
//! secret, but only genuine codes are rendered. The QR text travels in a POST body, never in a
//! URL, so that no access log records the venue's seed.
//!
//! - `POST` [`super::POSTERS_PATH`], JSON ([`PosterRequest`]) `{"qrUrl", "format": "pdf"|"png"|"svg"}`: the file;
//!   400 `{"error", "code": "bad_request"|"qr_invalid"}`, 503 `documents_unavailable`.
//! - `POST` [`POSTER_FORM_PATH`], the same fields form-encoded (the buttons of the result page):
//!   the file as a download; errors as HTML pages.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mimamori_api::v1::venues::{
    DOCUMENTS_UNAVAILABLE, ErrorResponse, PosterFormat as Format, PosterRequest, QR_INVALID,
};
use mimamori_documents::QrMatrix;
use mimamori_documents::venue::PosterInput;
use mimamori_venue::VenueQr;

use super::html::PageForm;
use super::registration::QR_PNG_MODULE_PIXELS;
use super::{VenueState, bad_request, html, internal_error, json};
use crate::Error;

/// The form target of the result page's download buttons.
pub const POSTER_FORM_PATH: &str = "/venues/posters";

/// Longest QR text accepted, in bytes ([`mimamori_venue::MAX_QR_TEXT_LENGTH`]).
const MAX_QR_TEXT: usize = mimamori_venue::MAX_QR_TEXT_LENGTH;

/// Why no file was made.
enum Refusal {
    /// The format is not one of pdf, png, svg.
    BadFormat,
    /// The QR text is not a code signed by this server.
    QrInvalid,
    /// The PDF cannot be made (no CJK font).
    DocumentsUnavailable,
    /// Something inside the server failed.
    Internal(Error),
}

/// Makes the file asked for.
async fn render(
    venues: &VenueState,
    request: &PosterRequest,
) -> Result<(Format, Vec<u8>), Refusal> {
    let format = request.format().ok_or(Refusal::BadFormat)?;
    let text = request.qr_url.trim();
    if text.len() > MAX_QR_TEXT {
        return Err(Refusal::QrInvalid);
    }
    let keys = venues.keys().map_err(Refusal::Internal)?;
    let qr = VenueQr::parse(text, &[keys.signing.public_key()]).map_err(|_| Refusal::QrInvalid)?;
    let url = qr.url();
    let payload = qr.payload();
    let input = PosterInput {
        qr_text: url.clone(),
        venue_name: payload.name().to_owned(),
        room: payload.room().to_owned(),
        venue_type_ja: payload.venue_type().japanese().to_owned(),
        venue_type_en: payload.venue_type().english().to_owned(),
        authority_name: venues.settings.authority_name.clone(),
    };
    let fonts = match format {
        Format::Pdf => Some(
            venues
                .fonts()
                .map_err(|_| Refusal::DocumentsUnavailable)?
                .clone(),
        ),
        Format::Png | Format::Svg => None,
    };
    let made = tokio::task::spawn_blocking(move || match (format, fonts) {
        (Format::Pdf, Some(fonts)) => mimamori_documents::venue::poster(&fonts, &input),
        (Format::Png, _) => QrMatrix::encode(&url)?.to_png(QR_PNG_MODULE_PIXELS),
        (_, _) => Ok(QrMatrix::encode(&url)?.to_svg(60.0).into_bytes()),
    })
    .await
    .map_err(|error| Refusal::Internal(Error::Config(format!("the poster task failed: {error}"))))?
    .map_err(|error| {
        Refusal::Internal(Error::Config(format!("making a poster failed: {error}")))
    })?;
    Ok((format, made))
}

fn file_response(format: Format, bytes: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{}\"", format.file_name()))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        Bytes::from(bytes),
    )
        .into_response()
}

/// `POST /venues/v1/posters` (JSON).
pub(crate) async fn poster_json(State(venues): State<VenueState>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<PosterRequest>(&body) else {
        return bad_request(
            "the body must be JSON {\"qrUrl\", \"format\": \"pdf\"|\"png\"|\"svg\"}",
        );
    };
    match render(&venues, &request).await {
        Ok((format, bytes)) => file_response(format, bytes),
        Err(Refusal::BadFormat) => bad_request("format must be pdf, png or svg"),
        Err(Refusal::QrInvalid) => json(
            400,
            &ErrorResponse::new(
                QR_INVALID,
                "qrUrl is not a venue QR code signed by this server",
            ),
        ),
        Err(Refusal::DocumentsUnavailable) => json(
            503,
            &ErrorResponse::new(
                DOCUMENTS_UNAVAILABLE,
                "posters cannot be made now (no CJK font); try again later",
            ),
        ),
        Err(Refusal::Internal(error)) => internal_error(&error),
    }
}

/// `POST /venues/posters` (the result page's buttons).
pub(crate) async fn poster_form(
    State(venues): State<VenueState>,
    PageForm(request): PageForm<PosterRequest>,
) -> Response {
    match render(&venues, &request).await {
        Ok((format, bytes)) => file_response(format, bytes),
        Err(Refusal::BadFormat | Refusal::QrInvalid) => html::problem(
            StatusCode::BAD_REQUEST,
            "このQRコードのポスターは作成できません。",
            "No poster can be made for this QR code.",
        ),
        Err(Refusal::DocumentsUnavailable) => html::problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "現在ポスターを作成できません。しばらくしてからやり直してください。",
            "Posters cannot be made now; try again later.",
        ),
        Err(Refusal::Internal(error)) => html::server_failed(&error),
    }
}
