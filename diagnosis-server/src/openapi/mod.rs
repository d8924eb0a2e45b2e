//! The OpenAPI 3.1 document of the server, served at [`OPENAPI_PATH`].
//!
//! Written by hand, but from the same constants as the routes and the validation (paths,
//! lengths, counts, enumerations), and held to the server three ways:
//!
//! - `tests/openapi/` reads the routers' source (`routes/`, `portal/`, `venues/`,
//!   `listing_page.rs`) and checks that every route is documented here with its methods, or is
//!   one of the [`HTML_PAGES`] left out on purpose, and that nothing documented is missing from
//!   the router;
//! - the unit tests below deserialise every request and response example into the real wire
//!   types (`mimamori_api::v1` and the server's own);
//! - `scripts/schemathesis` runs schemathesis against a real server with every check (status
//!   codes, content types, response schemas and headers), from `scripts/test`.
//!
//! What the document promises beyond the shapes:
//!
//! - **Chaff.** A phone request with the `X-Chaff` header (any value; phones send `1`) is a
//!   decoy: its body must still be a well-formed request of the endpoint (otherwise it gets the
//!   same 400 as without the header), it is answered 200 with a response of the real shape and
//!   similar size, and nothing is looked up, stored or changed.
//! - **429.** Every operation that checks a secret (verification code, token, API key, manager
//!   key, keyword, trace code) and venue registration may answer 429 with `Retry-After` (whole
//!   seconds).
//! - **Unknown fields** in JSON bodies are ignored, as Google's servers do, so no schema sets
//!   `additionalProperties: false`.
//! - The HTML pages ([`HTML_PAGES`], the staff portal and the venue forms) are not described:
//!   they are forms for people, behind CSRF tokens and the portal login, not an API.

mod schemas;

use axum::response::Response;
use mimamori_api::v1::{
    CERTIFICATE_PATH, CHAFF_HEADER, EXPORT_INDEX_FILE, EXPORT_LIST_FILE, MAX_PADDING_BYTES,
    MAX_PUBLISH_BODY_BYTES, PUBLISH_PATH, VERIFY_PATH,
};
use mimamori_venue::{FEED_CONTENT_TYPE, FEED_PATH, KEYS_PATH};
use serde_json::{Map, Value, json};

use self::schemas::{responses, schemas};
use crate::routes::HEALTH_PATH;
use crate::routes::authority::{
    API_KEY_HEADER, CODE_PATH, CODES_PATH, EXPIRE_CODE_PATH, EXPORT_PATH, ROTATE_PATH, STATS_PATH,
};
use crate::routes::files::{EXPORT_FILE_PATH, EXPORT_KEYS_PATH};
use crate::venues::{
    AUTHORITY_APPROVE_PATH, AUTHORITY_NOTICES_PATH, AUTHORITY_REJECT_PATH, AUTHORITY_REQUESTS_PATH,
    KEYWORDS_PATH, NOTICE_REQUEST_PAGE_PATH, NOTICE_REQUESTS_PATH, POSTER_FORM_PATH, POSTERS_PATH,
    REGISTER_PAGE_PATH, REGISTRATIONS_PATH,
};

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// Routes that serve HTML pages for people and are left out of the document: every path under
/// the staff portal ([`crate::portal::PORTAL_PREFIX`], the portal's venue pages and the
/// contact-listing page included), the venue operators' two forms and the result page's poster
/// download buttons; and the residents' check-in page with its script, stylesheet, protocol
/// notice-text and notice-check modules, store module, service worker, manifest and icon
/// ([`crate::checkin_page`]).
pub const HTML_PAGES: &[&str] = &[
    REGISTER_PAGE_PATH,
    NOTICE_REQUEST_PAGE_PATH,
    POSTER_FORM_PATH,
    crate::checkin_page::CHECK_IN_PREFIX,
    crate::checkin_page::CHECK_IN_APP_PATH,
    crate::checkin_page::CHECK_IN_PROTOCOL_PATH,
    crate::checkin_page::CHECK_IN_NOTICE_TEXT_PATH,
    crate::checkin_page::CHECK_IN_NOTICES_PATH,
    crate::checkin_page::CHECK_IN_STYLESHEET_PATH,
    crate::checkin_page::CHECK_IN_STORE_PATH,
    crate::checkin_page::CHECK_IN_SERVICE_WORKER_PATH,
    crate::checkin_page::CHECK_IN_MANIFEST_PATH,
    crate::checkin_page::CHECK_IN_ICON_PATH,
];

/// Longest base64 padding a request may carry and a response carries, in characters.
pub(crate) const MAX_PADDING_CHARS: usize = MAX_PADDING_BYTES.div_ceil(3) * 4;

/// Longest token, certificate or revision token a request may carry, in characters (the
/// server's are under 1,000; the bound keeps every well-formed body under the body limit).
pub(crate) const MAX_JWT_CHARS: usize = 4096;

/// Longest health authority id or HMAC key, in characters.
pub(crate) const MAX_ID_CHARS: usize = 256;

/// Body limit of the authority API, in bytes (`routes::authority`).
const AUTHORITY_BODY_BYTES: usize = 16 * 1024;

/// Body limit of the venue API, in bytes (`venues`).
const VENUE_BODY_BYTES: usize = 64 * 1024;

/// Who calls an operation; sets its tag, its security and its 401/429 answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Caller {
    /// Phones: no API key; the code or token is the secret.
    Phone,
    /// Anyone: public files and keys.
    Public,
    /// The health authority's systems, with an API key.
    Authority,
    /// Venue operators and their staff: a manager key, keyword or nothing.
    Venue,
}

impl Caller {
    fn tag(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Public => "public",
            Self::Authority => "authority",
            Self::Venue => "venue",
        }
    }
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn response_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

/// A JSON answer with `schema` (a component name).
fn json_answer(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": schema_ref(schema) } },
    })
}

/// A JSON request body with `schema` (a component name) of at most `limit` bytes.
fn json_body(schema: &str, limit: usize) -> Value {
    json!({
        "required": true,
        "description": format!("JSON, at most {limit} bytes (larger: 413)."),
        "content": { "application/json": { "schema": schema_ref(schema) } },
    })
}

/// One operation: its summary and description, caller, answers and body.
fn operation(
    id: &str,
    summary: &str,
    description: &str,
    caller: Caller,
    responses: Value,
    body: Option<Value>,
) -> Value {
    let mut responses = responses;
    let secret_checked = match caller {
        Caller::Authority => {
            responses["401"] = response_ref("Unauthorized");
            true
        }
        Caller::Phone => true,
        Caller::Venue => true,
        Caller::Public => false,
    };
    if secret_checked {
        responses["429"] = response_ref("TooManyRequests");
    }
    responses["500"] = response_ref("InternalError");
    let mut operation = json!({
        "operationId": id,
        "summary": summary,
        "description": description,
        "tags": [caller.tag()],
        "responses": responses,
    });
    if caller == Caller::Authority {
        operation["security"] = json!([{ "apiKey": [] }]);
    } else {
        operation["security"] = json!([]);
    }
    if let Some(body) = body {
        operation["requestBody"] = body;
        operation["responses"]["413"] = response_ref("PayloadTooLarge");
    }
    operation
}

fn with_parameters(mut operation: Value, parameters: Value) -> Value {
    operation["parameters"] = parameters;
    operation
}

fn id_parameter(description: &str) -> Value {
    json!({
        "name": "id", "in": "path", "required": true, "description": description,
        "schema": { "type": "string", "minLength": 1, "maxLength": 64 },
    })
}

fn chaff_parameter() -> Value {
    json!({
        "name": CHAFF_HEADER, "in": "header", "required": false,
        "description": "Marks a decoy (phones send `1`; any value counts). The body must still be a well-formed request (otherwise 400, as without the header); the answer is 200 with a response of the real shape and similar size; nothing is looked up, stored or changed.",
        "schema": { "type": "string" },
    })
}

/// The phone API.
fn phone_paths(paths: &mut Map<String, Value>) {
    let chaff = json!([chaff_parameter()]);
    paths.insert(VERIFY_PATH.into(), json!({ "post": with_parameters(operation(
        "verifyCode",
        "Trade a verification code for a token",
        "Google's verification-server API. The code is used up only when it is answered 200.",
        Caller::Phone,
        json!({
            "200": json_answer("The token; `testtype` and `symptomDate` say what the code was issued for.", "VerifyCodeResponse"),
            "400": json_answer("Refused: `errorCode` is `bad_request` (not a verify request), `code_invalid` (not 8 digits, unknown or already used) or `code_expired`.", "VerifyCodeResponse"),
            "412": json_answer("`unsupported_test_type`: the code is of a test type not in `accept`; the code stays usable.", "VerifyCodeResponse"),
        }),
        Some(json_body("VerifyCodeRequest", MAX_PUBLISH_BODY_BYTES)),
    ), chaff.clone()) }));
    paths.insert(CERTIFICATE_PATH.into(), json!({ "post": with_parameters(operation(
        "certificate",
        "Trade a token and the key HMAC for a certificate",
        "Google's verification-server API. A token is used up by its first 200.",
        Caller::Phone,
        json!({
            "200": json_answer("The certificate, for `verificationPayload` of the upload.", "CertificateResponse"),
            "400": json_answer("Refused: `errorCode` is `bad_request`, `token_invalid`, `token_expired` or `hmac_invalid`.", "CertificateResponse"),
        }),
        Some(json_body("CertificateRequest", MAX_PUBLISH_BODY_BYTES)),
    ), chaff.clone()) }));
    paths.insert(PUBLISH_PATH.into(), json!({ "post": with_parameters(operation(
        "publish",
        "Publish temporary exposure keys",
        "exposure-notifications-server v1. Answered 200 only once the keys are stored durably.",
        Caller::Phone,
        json!({
            "200": json_answer("Stored; `insertedExposures` keys were new.", "PublishResponse"),
            "400": json_answer("Refused: `code` says why (`bad_request`, `hmac_invalid`, or a rule on the keys).", "PublishResponse"),
            "401": json_answer("Refused: `unknown_health_authority_id` or `health_authority_verification_failed`.", "PublishResponse"),
        }),
        Some(json_body("PublishRequest", MAX_PUBLISH_BODY_BYTES)),
    ), chaff) }));
}

/// The export files and keys, the document itself and the liveness check.
fn public_paths(paths: &mut Map<String, Value>) {
    let etag = json!({ "description": "Quoted hash of the body.", "schema": { "type": "string" }, "required": true });
    let cache = json!({ "description": "How long a cache may keep it.", "schema": { "type": "string" }, "required": true });
    paths.insert(EXPORT_FILE_PATH.into(), json!({ "get": with_parameters(operation(
        "exportFile",
        "An export zip, index.txt or list.json",
        &format!("`{EXPORT_INDEX_FILE}` lists the region's export files oldest first, one object name a line; `{EXPORT_LIST_FILE}` is COCOA's JSON listing; `*.zip` are signed GAEN export files. A region without exports has an empty index and an empty list."),
        Caller::Public,
        json!({
            "200": {
                "description": "The file.",
                "headers": { "ETag": etag, "Cache-Control": cache },
                "content": {
                    "application/zip": { "schema": { "type": "string", "contentMediaType": "application/zip" } },
                    "text/plain; charset=utf-8": { "schema": { "type": "string" } },
                    "application/json": { "schema": schema_ref("ExportList") },
                },
            },
            "304": { "description": "Not modified (`If-None-Match` matched the `ETag`)." },
            "404": response_ref("NotFound"),
        }),
        None,
    ), json!([
        { "name": "region", "in": "path", "required": true, "schema": { "type": "string", "minLength": 1 } },
        { "name": "file", "in": "path", "required": true, "schema": { "type": "string", "minLength": 1 },
          "description": format!("`{EXPORT_INDEX_FILE}`, `{EXPORT_LIST_FILE}` or an export file's `<name>.zip`.") },
        { "name": "If-None-Match", "in": "header", "required": false, "schema": { "type": "string" } },
    ])) }));
    paths.insert(
        EXPORT_KEYS_PATH.into(),
        json!({ "get": operation(
        "exportKeys",
        "Export verification public keys, every version",
        "What phones need to check the signatures of export files.",
        Caller::Public,
        json!({ "200": json_answer("The keys, oldest first.", "ExportVerificationKeys") }),
        None,
    ) }),
    );
    paths.insert(OPENAPI_PATH.into(), json!({ "get": operation(
        "openapi", "This document", "The OpenAPI 3.1 description of the JSON API.", Caller::Public,
        json!({ "200": { "description": "This document.", "content": { "application/json": { "schema": { "type": "object", "required": ["openapi", "paths"] } } } } }),
        None,
    ) }));
    paths.insert(HEALTH_PATH.into(), json!({ "get": operation(
        "health", "Liveness check", "Answers `ok` while the server serves requests.", Caller::Public,
        json!({ "200": { "description": "`ok`", "content": { "text/plain; charset=utf-8": { "schema": { "const": "ok" } } } } }),
        None,
    ) }));
}

/// The health authority's API.
fn authority_paths(paths: &mut Map<String, Value>) {
    paths.insert(CODES_PATH.into(), json!({ "post": operation(
        "issueCode",
        "Issue a verification code",
        "An 8-digit code, valid 15 minutes, usable once. Shown once: only its hash is stored.",
        Caller::Authority,
        json!({
            "200": json_answer("The code.", "IssuedCode"),
            "400": json_answer("Not an issue request, or a date not `YYYY-MM-DD`, in the future or more than 28 days ago.", "Error"),
        }),
        Some(json_body("IssueCodeRequest", AUTHORITY_BODY_BYTES)),
    ) }));
    paths.insert(
        CODE_PATH.into(),
        json!({ "get": with_parameters(operation(
        "codeStatus",
        "Status of an issued code",
        "Kept one day after the code expires.",
        Caller::Authority,
        json!({
            "200": json_answer("The code's status.", "CodeStatus"),
            "404": response_ref("NotFound"),
        }),
        None,
    ), json!([id_parameter("The `id` of the issued code.")])) }),
    );
    paths.insert(
        EXPIRE_CODE_PATH.into(),
        json!({ "post": with_parameters(operation(
        "expireCode",
        "Expire an unused code",
        "A code not yet used can be expired at once (say, when it went to the wrong person).",
        Caller::Authority,
        json!({
            "200": json_answer("Expired.", "Expired"),
            "409": json_answer("No unused, unexpired code has this id.", "Expired"),
        }),
        None,
    ), json!([id_parameter("The `id` of the issued code.")])) }),
    );
    paths.insert(STATS_PATH.into(), json!({ "get": with_parameters(operation(
        "statistics",
        "Daily statistics",
        "Counters per UTC day, today included.",
        Caller::Authority,
        json!({
            "200": json_answer("One entry per day that has counters.", "Statistics"),
            "400": json_answer("`days` is not a whole number from 1 to 366.", "Error"),
        }),
        None,
    ), json!([{ "name": "days", "in": "query", "required": false, "description": "How many days back (default 14).",
                "schema": { "type": "integer", "minimum": 1, "maximum": 366 } }])) }));
    paths.insert(
        EXPORT_PATH.into(),
        json!({ "post": operation(
        "exportNow",
        "Run an export batch now",
        "What the export worker does each period: a batch, padding, signing, listings, retention. \
         The portal's Export now button (POST /portal/export) and `mimamori-diagnosis-server \
         export` run the same code; the batch is claimed under a lease, so runs at once export \
         each key once.",
        Caller::Authority,
        json!({ "200": json_answer("What the run did.", "ExportOutcome") }),
        None,
    ) }),
    );
    paths.insert(
        ROTATE_PATH.into(),
        json!({ "post": operation(
        "rotateSigningKey",
        "Add a new export signing key version",
        "New export files are signed with the new version; every version stays published.",
        Caller::Authority,
        json!({ "200": json_answer("The new version's public key.", "ExportVerificationKey") }),
        None,
    ) }),
    );
}

/// The venue API: registration, notice requests, the feed and keys, and its authority part.
fn venue_paths(paths: &mut Map<String, Value>) {
    paths.insert(REGISTRATIONS_PATH.into(), json!({ "post": operation(
        "registerVenue",
        "Register a venue",
        "Checks the form, makes one signed QR per room, seals the record and answers at once with each room's QR text, the leaflet and the operator's copy (PDF). Posters and QR images come one at a time from `POST /venues/v1/posters`, so the answer grows with the rooms by about a QR text each. The server keeps none of the answer readable.",
        Caller::Venue,
        json!({
            "201": json_answer("Registered.", "RegisteredVenue"),
            "400": json_answer("Not a registration form (`bad_request`), or fields refused (`invalid_registration`, each in `problems`).", "Error"),
            "503": json_answer("The documents cannot be made now (`documents_unavailable`); nothing was stored.", "Error"),
        }),
        Some(json_body("RegistrationForm", VENUE_BODY_BYTES)),
    ) }));
    paths.insert(POSTERS_PATH.into(), json!({ "post": operation(
        "venuePoster",
        "A room's poster or QR image",
        "Makes the A4 poster (PDF) or the QR image (PNG, SVG) of one room from its QR text, which must carry this server's signature. The QR text travels in the body so that no access log records it.",
        Caller::Venue,
        json!({
            "200": {
                "description": "The file, as a download (`Content-Disposition: attachment`).",
                "content": {
                    "application/pdf": { "schema": { "type": "string", "contentMediaType": "application/pdf" } },
                    "image/png": { "schema": { "type": "string", "contentMediaType": "image/png" } },
                    "image/svg+xml": { "schema": { "type": "string" } },
                },
            },
            "400": json_answer("Not a poster request or an unknown `format` (`bad_request`), or the QR text is not one this server signed (`qr_invalid`).", "Error"),
            "503": json_answer("The PDF cannot be made now (`documents_unavailable`).", "Error"),
        }),
        Some(json_body("PosterRequest", VENUE_BODY_BYTES)),
    ) }));
    paths.insert(NOTICE_REQUESTS_PATH.into(), json!({ "post": operation(
        "requestNotice",
        "Request a notice for a venue",
        "From the manager's device (`managerKey`) or staff with a one-time `keyword`: exactly one of the two. Pending until authority staff approve.",
        Caller::Venue,
        json!({
            "202": json_answer("Filed, pending.", "NoticeRequested"),
            "400": json_answer("Not a notice request (`bad_request`), or `bad_template`, `bad_date`, `bad_window`, `unknown_room`.", "Error"),
            "404": json_answer("`unknown_code`: no venue has this manager key or keyword (or it expired, or was used).", "Error"),
        }),
        Some(json_body("NoticeRequest", VENUE_BODY_BYTES)),
    ) }));
    paths.insert(KEYWORDS_PATH.into(), json!({ "post": operation(
        "makeKeyword",
        "Make a one-time keyword for staff",
        "The manager's device makes a keyword that lets one member of staff file one request within 24 hours.",
        Caller::Venue,
        json!({
            "201": json_answer("The keyword.", "Keyword"),
            "400": json_answer("Not a keyword request (`bad_request`).", "Error"),
            "404": json_answer("`unknown_code`: no venue has this manager key.", "Error"),
        }),
        Some(json_body("KeywordRequest", VENUE_BODY_BYTES)),
    ) }));
    paths.insert(FEED_PATH.into(), json!({ "get": operation(
        "noticeFeed",
        "The signed notice feed",
        "Encrypted notices of the last 14 days, filed under hour-slot tags; phones match them locally.",
        Caller::Public,
        json!({
            "200": {
                "description": "The feed (protobuf, signed).",
                "headers": {
                    "ETag": { "schema": { "type": "string" }, "required": true },
                    "Cache-Control": { "schema": { "type": "string" }, "required": true },
                },
                "content": { FEED_CONTENT_TYPE: { "schema": { "type": "string", "contentMediaType": FEED_CONTENT_TYPE } } },
            },
            "304": { "description": "Not modified (`If-None-Match` matched the `ETag`)." },
        }),
        None,
    ) }));
    paths.insert(
        KEYS_PATH.into(),
        json!({ "get": operation(
        "venueKeys",
        "The venue QR, feed and sealing public keys",
        "What phones and partners need to check QR codes and the feed.",
        Caller::Public,
        json!({ "200": json_answer("The keys.", "PublishedVenueKeys") }),
        None,
    ) }),
    );
    paths.insert(
        AUTHORITY_REQUESTS_PATH.into(),
        json!({ "get": operation(
        "pendingNoticeRequests",
        "Pending notice requests",
        "Opened with the authority's key; oldest first.",
        Caller::Authority,
        json!({ "200": json_answer("The pending requests.", "PendingRequests") }),
        None,
    ) }),
    );
    for (path, id, summary, approve) in [
        (
            AUTHORITY_APPROVE_PATH,
            "approveNoticeRequest",
            "Approve a notice request (publishes it)",
            true,
        ),
        (
            AUTHORITY_REJECT_PATH,
            "rejectNoticeRequest",
            "Reject a notice request",
            false,
        ),
    ] {
        let state = if approve { "approved" } else { "rejected" };
        paths.insert(path.into(), json!({ "post": with_parameters(operation(
            id, summary, &format!("The request is {state}; it is no longer pending."), Caller::Authority,
            json!({
                "200": json_answer("Decided.", "Decision"),
                "404": json_answer("`unknown_request`: no pending request has this id.", "Error"),
            }),
            None,
        ), json!([id_parameter("The `requestId` of the notice request.")])) }));
    }
    paths.insert(AUTHORITY_NOTICES_PATH.into(), json!({ "post": operation(
        "publishNotice",
        "Publish a notice directly with the trace code",
        "Authority staff holding the operator's trace code publish at once, without a request.",
        Caller::Authority,
        json!({
            "201": json_answer("Published; `published` feed entries were added.", "Published"),
            "400": json_answer("Not a notice (`bad_request`), or `bad_template`, `bad_date`, `bad_window`, `unknown_room`.", "Error"),
            "404": json_answer("`unknown_code`: no venue has this trace code.", "Error"),
        }),
        Some(json_body("DirectNotice", VENUE_BODY_BYTES)),
    ) }));
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    phone_paths(&mut paths);
    public_paths(&mut paths);
    authority_paths(&mut paths);
    venue_paths(&mut paths);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Mimamori diagnosis server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Verification codes, verified key uploads (exposure-notifications-server v1), signed GAEN export files, and venue check-in notices.\n\nA request with the `X-Chaff` header is a decoy: its body must still be well formed (else 400), it is answered 200 in the real shape, and nothing is looked up, stored or changed.\n\nEvery operation that checks a secret (code, token, API key, manager key, keyword, trace code), and venue registration, may answer 429 with `Retry-After`.\n\nUnknown fields in JSON bodies are ignored. The HTML pages for people (the staff portal under /portal and the venue forms /venues/register and /venues/notice-request) are not described here.",
        },
        "tags": [
            { "name": "phone", "description": "The phone's upload flow; responses are padded." },
            { "name": "public", "description": "Files and keys anyone may download." },
            { "name": "authority", "description": "The health authority's systems, with an API key." },
            { "name": "venue", "description": "Venue operators and their staff." },
        ],
        "paths": paths,
        "components": {
            "securitySchemes": { "apiKey": { "type": "apiKey", "in": "header", "name": API_KEY_HEADER } },
            "responses": responses(),
            "schemas": schemas(),
        }
    })
}

/// Serves the document.
pub async fn serve() -> Response {
    crate::routes::json(200, &document())
}

#[cfg(test)]
mod tests {
    use mimamori_api::v1::VERIFICATION_CODE_DIGITS;
    use mimamori_api::v1::{
        CertificateRequest, CertificateResponse, ExportVerificationKey, ExportVerificationKeys,
        ExposureKey, PublishRequest, PublishResponse, VerifyCodeRequest, VerifyCodeResponse,
    };
    use mimamori_venue::PublishedVenueKeys;
    use serde::de::DeserializeOwned;

    use super::*;
    use crate::service::{IssueCodeRequest, IssuedCode};
    use crate::venues::RegistrationForm;

    fn example(document: &Value, schema: &str) -> Value {
        let example = &document["components"]["schemas"][schema]["example"];
        assert!(example.is_object(), "{schema} has no example");
        example.clone()
    }

    fn deserialises<T: DeserializeOwned>(document: &Value, schema: &str) -> T {
        serde_json::from_value(example(document, schema))
            .unwrap_or_else(|error| panic!("the example of {schema} is not the wire type: {error}"))
    }

    #[test]
    fn every_example_deserialises_into_the_wire_type() {
        let document = document();
        let verify: VerifyCodeRequest = deserialises(&document, "VerifyCodeRequest");
        assert_eq!(verify.code.len(), VERIFICATION_CODE_DIGITS);
        deserialises::<VerifyCodeResponse>(&document, "VerifyCodeResponse");
        let certificate: CertificateRequest = deserialises(&document, "CertificateRequest");
        assert_eq!(
            base64::Engine::decode(
                &base64::engine::general_purpose::STANDARD,
                &certificate.ekeyhmac
            )
            .map(|bytes| bytes.len()),
            Ok(32)
        );
        deserialises::<CertificateResponse>(&document, "CertificateResponse");
        let key: ExposureKey = deserialises(&document, "ExposureKey");
        assert!(
            key.temporary_exposure_key().is_ok(),
            "the example key is 16 bytes"
        );
        let publish: PublishRequest = deserialises(&document, "PublishRequest");
        assert_eq!(publish.temporary_exposure_keys.len(), 1);
        deserialises::<PublishResponse>(&document, "PublishResponse");
        deserialises::<IssueCodeRequest>(&document, "IssueCodeRequest");
        deserialises::<IssuedCode>(&document, "IssuedCode");
        deserialises::<ExportVerificationKey>(&document, "ExportVerificationKey");
        deserialises::<ExportVerificationKeys>(&document, "ExportVerificationKeys");
        deserialises::<PublishedVenueKeys>(&document, "PublishedVenueKeys");
        let form: RegistrationForm = deserialises(&document, "RegistrationForm");
        assert!(
            form.check().is_ok(),
            "the example registration passes the server's checks"
        );
        crate::venues::notice_bodies_deserialise(
            &example(&document, "NoticeRequest"),
            &example(&document, "KeywordRequest"),
            &example(&document, "DirectNotice"),
        )
        .unwrap_or_else(|error| panic!("a venue example is not the wire type: {error}"));
        // The error example is what the routes send.
        assert!(example(&document, "Error")["error"].is_string());
    }

    #[test]
    fn every_schema_names_only_properties_it_has_and_required_ones_exist() {
        let document = document();
        let Value::Object(schemas) = &document["components"]["schemas"] else {
            panic!("no schemas");
        };
        for (name, schema) in schemas {
            if let Some(required) = schema["required"].as_array() {
                for field in required {
                    let field = field.as_str().unwrap_or_default();
                    assert!(
                        schema["properties"][field].is_object(),
                        "{name} requires {field}, which it does not describe"
                    );
                }
            }
        }
        let text = serde_json::to_string(&document).unwrap_or_default();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("#/components/") {
            let tail = &rest[start + "#/components/".len()..];
            let end = tail.find('"').unwrap_or(tail.len());
            let mut parts = tail[..end].split('/');
            let (kind, name) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            assert!(
                document["components"][kind][name].is_object(),
                "dangling reference #/components/{kind}/{name}"
            );
            rest = &tail[end..];
        }
    }

    #[test]
    fn operations_that_check_a_secret_document_401_or_429() {
        let document = document();
        let Value::Object(paths) = &document["paths"] else {
            panic!("no paths");
        };
        for (path, item) in paths {
            let Value::Object(operations) = item else {
                continue;
            };
            for (method, operation) in operations {
                let responses = &operation["responses"];
                assert!(responses["500"].is_object(), "{method} {path}: 500");
                if operation["security"] == json!([{ "apiKey": [] }]) {
                    assert!(responses["401"].is_object(), "{method} {path}: 401");
                    assert!(responses["429"].is_object(), "{method} {path}: 429");
                }
                if operation["requestBody"].is_object() {
                    assert!(responses["413"].is_object(), "{method} {path}: 413");
                }
            }
        }
        assert_eq!(document["openapi"], "3.1.0");
    }
}
