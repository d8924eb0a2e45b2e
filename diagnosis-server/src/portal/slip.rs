//! The code slip ([`SLIP_PATH`]): the A4 page staff print or hand over with a code they have
//! just issued ([`mimamori_documents::code_slip`]), with the code in two groups, its expiry in
//! the staff time zone, the test type and what to do in the app, in Japanese with English.
//!
//! The server keeps only a hash of each code, so the issued page carries the code back in the
//! slip form, with a token only the server can make for this session, this code id and this
//! code (the session's CSRF key over both). A slip is made only for a code that is still valid;
//! nothing is stored and the code is never logged.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use mimamori_documents::code_slip::{CodeSlipInput, code_slip};
use serde::Deserialize;

use super::html::{CodeState, test_type_names};
use super::session::{StaffForm, StaffSession, server_failed};
use crate::pages::{Site, html, problem_page};
use crate::routes::AppState;

/// `POST`: the slip of a code just issued, as a PDF download.
pub const SLIP_PATH: &str = "/portal/codes/slip";

/// The CSRF purpose binding a slip form to its code id and code.
fn slip_purpose(id: &str, code: &str) -> String {
    format!("slip\u{0}{id}\u{0}{code}")
}

/// The token of the slip form for `id` and `code` in this session.
pub(crate) fn slip_token(staff: &StaffSession, id: &str, code: &str) -> String {
    staff.csrf_for(&slip_purpose(id, code))
}

/// The slip form's fields.
#[derive(Default, Deserialize)]
#[serde(default)]
pub(crate) struct SlipForm {
    id: String,
    code: String,
    slip: String,
}

/// `POST /portal/codes/slip`.
pub(crate) async fn slip(
    State(services): State<AppState>,
    StaffForm { staff, form }: StaffForm<SlipForm>,
) -> Response {
    let refuse = |status: StatusCode, ja: &str, en: &str| {
        html(status, problem_page(Site::Portal(Some(&staff)), ja, en))
    };
    if !staff.csrf_matches(&slip_purpose(&form.id, &form.code), &form.slip) {
        return refuse(
            StatusCode::FORBIDDEN,
            "この処理番号の控えは作れません。発行した画面から印刷してください。",
            "No slip for this code: print it from the page that issued it.",
        );
    }
    let status = match services.code_status(&form.id).await {
        Ok(Some(status)) => status,
        Ok(None) => {
            return refuse(
                StatusCode::NOT_FOUND,
                "この処理番号は見つかりません。",
                "No such code.",
            );
        }
        Err(error) => return server_failed(&error),
    };
    if CodeState::of(&status, services.now()) != CodeState::Valid {
        return refuse(
            StatusCode::GONE,
            "この処理番号は使用済みか期限切れです。新しい番号を発行してください。",
            "This code was used or has expired: issue a new one.",
        );
    }
    let (test_type_ja, test_type_en) = test_type_names(status.test_type);
    let input = CodeSlipInput {
        code: form.code,
        valid_until: staff.zone().display(status.expires_at),
        test_type_ja: test_type_ja.to_owned(),
        test_type_en: test_type_en.to_owned(),
        authority_name: services.config.venue_authority_name.clone(),
        authority_phone: services.config.venue_authority_phone.clone(),
    };
    let rendered = tokio::task::spawn_blocking(move || {
        let fonts = crate::listing_page::fonts()?;
        code_slip(fonts, &input).map_err(|error| error.to_string())
    })
    .await;
    match rendered {
        Ok(Ok(pdf)) => {
            tracing::info!("a code slip was made (nothing stored)");
            crate::listing_page::download(pdf, "application/pdf", "shori-bango.pdf")
        }
        Ok(Err(message)) => {
            tracing::error!(%message, "code slip: the PDF could not be made");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "この端末では控えのPDFを作れません（日本語フォントがありません）。番号を口頭でお伝えください。",
                "The slip cannot be made on this server (its CJK font is missing): read the code out instead.",
            )
        }
        Err(_) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "控えを作れませんでした。もう一度お試しください。",
            "The slip could not be made; try again.",
        ),
    }
}
