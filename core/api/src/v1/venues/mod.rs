//! Version 1 of the venue API: a venue operator registers and asks for notices, authority
//! staff decide and publish. The JSON of these routes is defined here once, for the diagnosis
//! server that answers them and for the `mimamori venue register` command that calls them (the
//! signed notice feed and the public keys are [`mimamori_venue`]'s).
//!
//! ## Routes
//!
//! | method | path | body | answer |
//! |--------|------|------|--------|
//! | POST | [`REGISTRATIONS_PATH`] | [`RegistrationForm`] | 201 [`RegisteredVenue`] |
//! | POST | [`POSTERS_PATH`] | [`PosterRequest`] | 200 the file ([`PosterFormat`]) |
//! | POST | [`NOTICE_REQUESTS_PATH`] | [`NoticeRequest`] | 202 [`NoticeRequested`] |
//! | POST | [`KEYWORDS_PATH`] | [`KeywordRequest`] | 201 [`Keyword`] |
//! | GET | [`AUTHORITY_REQUESTS_PATH`] (API key) | | 200 [`PendingRequests`] |
//! | POST | [`AUTHORITY_APPROVE_PATH`], [`AUTHORITY_REJECT_PATH`] (API key) | | 200 [`Decision`] |
//! | POST | [`AUTHORITY_NOTICES_PATH`] (API key) | [`DirectNotice`] | 201 [`Published`] |
//!
//! Every refusal is an [`ErrorResponse`]: `error` for people, `code` for programs
//! ([`BAD_REQUEST`], [`INVALID_REGISTRATION`] with its `problems`, [`QR_INVALID`],
//! [`DOCUMENTS_UNAVAILABLE`], or a [`NoticeProblem::code`]).
//!
//! ## Example
//!
//! ```
//! use mimamori_api::v1::venues::{
//!     RegisteredVenue, RegistrationForm, VenueFields, REGISTRATIONS_PATH,
//! };
//!
//! let form = RegistrationForm {
//!     venue: VenueFields {
//!         venue_type: "restaurant_bar".into(),
//!         capacity: "11_50".into(),
//!         name: "喫茶みまもり".into(),
//!         postal_code: "020-8570".into(),
//!         address1: "岩手県盛岡市内丸10-1".into(),
//!         phone: "019-629-5487".into(),
//!         email: "shop@example.com".into(),
//!         ..VenueFields::default()
//!     },
//!     consent: true,
//!     rooms: vec!["1F".into(), "2F".into()],
//!     ..RegistrationForm::default()
//! };
//! // What the server checks before it registers anything:
//! assert_eq!(form.check().map(|checked| checked.rooms.len()), Ok(2));
//! let body = serde_json::to_string(&form)?;
//! assert!(body.contains("\"postalCode\":\"020-8570\""));
//! // ... POST `body` to REGISTRATIONS_PATH; a 201 answer reads as:
//! let answer: RegisteredVenue = serde_json::from_str(
//!     r#"{"registrationId":"R7K2M9QX4D","traceCode":"ABCD-EFGH-JKMN-PQRS",
//!         "managerKey":"0123-4567-89AB-CDEF","rooms":[{"room":"1F","qrUrl":"https://h/v/#a"}],
//!         "leafletPdf":"","operatorCopyPdf":""}"#,
//! )?;
//! assert_eq!(answer.rooms[0].qr_url, "https://h/v/#a");
//! assert_eq!(REGISTRATIONS_PATH, "/venues/v1/registrations");
//! # Ok::<(), serde_json::Error>(())
//! ```

mod notices;
mod registration;

pub use notices::{
    Credential, Decision, DirectNotice, Keyword, KeywordRequest, NoticeFields, NoticeProblem,
    NoticeRequest, NoticeRequested, PendingRequests, Published, RequestStatus, RequestSummary,
};
pub use registration::{
    CAPACITY_BANDS, CheckedRegistration, DEFAULT_STAY_MINUTES, MAX_ADDRESS_LINE_CHARS,
    MAX_EMAIL_CHARS, MAX_ROOMS, PosterFormat, PosterRequest, RegisteredRoom, RegisteredVenue,
    RegistrationForm, RegistrationProblem, VenueDetails, VenueFields, capacity_label,
};

use serde::{Deserialize, Serialize};

/// Registration as JSON ([`RegistrationForm`] → [`RegisteredVenue`]).
pub const REGISTRATIONS_PATH: &str = "/venues/v1/registrations";

/// One room's poster or QR image, one file a request ([`PosterRequest`]).
pub const POSTERS_PATH: &str = "/venues/v1/posters";

/// Notice requests as JSON ([`NoticeRequest`] → [`NoticeRequested`]).
pub const NOTICE_REQUESTS_PATH: &str = "/venues/v1/notice-requests";

/// One-time keywords for staff ([`KeywordRequest`] → [`Keyword`]).
pub const KEYWORDS_PATH: &str = "/venues/v1/keywords";

/// Pending requests (authority API, [`PendingRequests`]).
pub const AUTHORITY_REQUESTS_PATH: &str = "/api/v1/authority/venues/notice-requests";

/// Approving a request (authority API; `{id}` is [`NoticeRequested::request_id`]).
pub const AUTHORITY_APPROVE_PATH: &str = "/api/v1/authority/venues/notice-requests/{id}/approve";

/// Rejecting a request (authority API; `{id}` is [`NoticeRequested::request_id`]).
pub const AUTHORITY_REJECT_PATH: &str = "/api/v1/authority/venues/notice-requests/{id}/reject";

/// Publishing a notice directly with the trace code (authority API, [`DirectNotice`] →
/// [`Published`]).
pub const AUTHORITY_NOTICES_PATH: &str = "/api/v1/authority/venues/notices";

/// The path that approves (or rejects) the request `id`: [`AUTHORITY_APPROVE_PATH`] or
/// [`AUTHORITY_REJECT_PATH`] with the id in place.
pub fn decision_path(id: &str, approve: bool) -> String {
    let path = if approve {
        AUTHORITY_APPROVE_PATH
    } else {
        AUTHORITY_REJECT_PATH
    };
    path.replace("{id}", id)
}

/// Refusal code: the body is not the JSON the route takes (or names an unknown format, or
/// both or neither credential).
pub const BAD_REQUEST: &str = "bad_request";

/// Refusal code: the registration form has problems ([`ErrorResponse::problems`]).
pub const INVALID_REGISTRATION: &str = "invalid_registration";

/// Refusal code: the QR text is not a venue code this server signed.
pub const QR_INVALID: &str = "qr_invalid";

/// Refusal code: the documents (PDF) cannot be made now; nothing was stored.
pub const DOCUMENTS_UNAVAILABLE: &str = "documents_unavailable";

/// The body of every refusal of the venue API.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct ErrorResponse {
    /// What was wrong, in English, for people.
    pub error: String,
    /// What was wrong, for programs ([`BAD_REQUEST`], [`NoticeProblem::code`], ...).
    pub code: String,
    /// Each problem of a refused registration form ([`INVALID_REGISTRATION`]); else empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<RegistrationProblem>,
}

impl ErrorResponse {
    /// A refusal with `code` and the message `error`.
    pub fn new(code: &str, error: &str) -> Self {
        Self {
            error: error.to_owned(),
            code: code.to_owned(),
            problems: Vec::new(),
        }
    }

    /// The refusal of a registration form with `problems` ([`INVALID_REGISTRATION`]); its
    /// `error` is the problems' English messages.
    pub fn invalid_registration(problems: Vec<RegistrationProblem>) -> Self {
        Self {
            error: problems
                .iter()
                .map(|problem| problem.en.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            code: INVALID_REGISTRATION.to_owned(),
            problems,
        }
    }

    /// The refusal of a notice: its code and English message.
    pub fn notice(problem: NoticeProblem) -> Self {
        Self::new(problem.code(), problem.messages().1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_the_ones_the_server_has_always_served() {
        assert_eq!(POSTERS_PATH, "/venues/v1/posters");
        assert_eq!(NOTICE_REQUESTS_PATH, "/venues/v1/notice-requests");
        assert_eq!(KEYWORDS_PATH, "/venues/v1/keywords");
        assert_eq!(
            decision_path("ab12", true),
            "/api/v1/authority/venues/notice-requests/ab12/approve"
        );
        assert_eq!(
            decision_path("ab12", false),
            "/api/v1/authority/venues/notice-requests/ab12/reject"
        );
        assert_eq!(AUTHORITY_NOTICES_PATH, "/api/v1/authority/venues/notices");
    }

    #[test]
    fn refusals_known_answers() {
        assert_eq!(
            serde_json::to_value(ErrorResponse::new(BAD_REQUEST, "no")).unwrap(),
            serde_json::json!({"error": "no", "code": "bad_request"})
        );
        assert_eq!(
            serde_json::to_value(ErrorResponse::notice(NoticeProblem::UnknownRoom)).unwrap(),
            serde_json::json!({
                "error": "A room is not one of this venue's rooms.",
                "code": "unknown_room",
            })
        );
        let Err(problems) = RegistrationForm::default().check() else {
            panic!("an empty form was accepted")
        };
        let refusal = ErrorResponse::invalid_registration(problems.clone());
        assert!(
            refusal
                .error
                .starts_with("Choose the business type. Choose the capacity band.")
        );
        let value = serde_json::to_value(&refusal).unwrap();
        assert_eq!(value["code"], "invalid_registration");
        assert_eq!(value["problems"][0]["field"], "venueType");
        let read: ErrorResponse = serde_json::from_value(value).unwrap();
        assert_eq!(read.problems, problems);
        let internal: ErrorResponse = serde_json::from_str(
            r#"{"error":"internal error; try again later","code":"internal","errorCode":"internal"}"#,
        )
        .unwrap();
        assert_eq!(internal.code, "internal");
        assert!(internal.problems.is_empty());
    }
}
