//! The reusable answers and the schemas of the OpenAPI document, each schema with an example
//! the unit tests (in [`super`]) deserialise into the real wire type.

use mimamori_api::v1::venues::{
    CAPACITY_BANDS, MAX_ADDRESS_LINE_CHARS, MAX_EMAIL_CHARS, MAX_ROOMS, PosterFormat, RequestStatus,
};
use mimamori_api::v1::{
    HMAC_KEY_BYTES, MAX_KEYS_PER_PUBLISH, MAX_TRANSMISSION_RISK, TestType, VERIFICATION_CODE_DIGITS,
};
use mimamori_gaen::ids::TEK_ROLLING_PERIOD;
use mimamori_venue::{
    DEFAULT_STAY_MINUTES_RANGE, MAX_NAME_CHARS, MAX_ROOM_CHARS, NoticeTemplate, VenueType,
};
use serde_json::{Map, Value, json};

use super::{MAX_ID_CHARS, MAX_JWT_CHARS, MAX_PADDING_CHARS, json_answer, schema_ref};

/// The reusable answers.
pub(super) fn responses() -> Value {
    json!({
        "Unauthorized": json_answer("The `X-API-Key` header is missing or the key is not valid.", "Error"),
        "NotFound": json_answer("Nothing here.", "Error"),
        "PayloadTooLarge": json_answer("The body is larger than the operation's limit.", "Error"),
        "TooManyRequests": {
            "description": "Too many attempts from this client, or too many failed verifications on the server as a whole; try again after `Retry-After` seconds. Nothing was checked or used up.",
            "headers": { "Retry-After": {
                "description": "Seconds to wait.", "required": true,
                "schema": { "type": "integer", "minimum": 0 },
            } },
            "content": { "application/json": { "schema": schema_ref("Error") } },
        },
        "InternalError": json_answer("A failure inside the server (logged); try again later.", "Error"),
    })
}

fn string_max(max: usize) -> Value {
    json!({ "type": "string", "maxLength": max })
}

fn padding() -> Value {
    json!({ "type": "string", "maxLength": MAX_PADDING_CHARS, "description": "Random base64, ignored; hides sizes on the wire." })
}

fn nullable(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}

fn date() -> Value {
    json!({ "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "YYYY-MM-DD" })
}

fn notice_fields(required: &[&str]) -> (Map<String, Value>, Vec<Value>) {
    let templates: Vec<&str> = NoticeTemplate::ALL.iter().map(|t| t.slug()).collect();
    let properties = json!({
        "template": { "enum": templates },
        "date": date(),
        "fromHour": nullable(json!({ "type": "integer", "minimum": 0, "maximum": 23 })),
        "toHour": nullable(json!({ "type": "integer", "minimum": 1, "maximum": 24 })),
        "wholeDay": { "type": "boolean", "description": "The whole day; the hours are ignored." },
        "rooms": { "type": "array", "maxItems": MAX_ROOMS, "items": string_max(MAX_ROOM_CHARS),
                   "description": "Room labels; empty: every room." },
    });
    let Value::Object(mut properties) = properties else {
        return (Map::new(), Vec::new());
    };
    let mut names: Vec<Value> = vec![json!("template"), json!("date")];
    for name in required {
        properties.insert(
            (*name).into(),
            json!({ "type": "string", "minLength": 1, "maxLength": 64 }),
        );
        names.push(json!(name));
    }
    (properties, names)
}

/// The schemas, each with an example the unit tests deserialise into the real type.
pub(super) fn schemas() -> Value {
    let test_types: Vec<&str> = TestType::ALL.iter().map(|t| t.as_str()).collect();
    let venue_types: Vec<&str> = VenueType::ALL.iter().map(|t| t.slug()).collect();
    let capacities: Vec<&str> = CAPACITY_BANDS.iter().map(|(slug, _, _)| *slug).collect();
    let base64 = |description: &str| json!({ "type": "string", "pattern": "^[A-Za-z0-9+/]*={0,2}$", "description": description });
    let integer = json!({ "type": "integer" });
    let string = json!({ "type": "string" });
    let key_example = "dcc3NMbdGngt56ll3rkxJQ==";
    let (request_notice, request_required) = notice_fields(&[]);
    let mut notice_request = request_notice.clone();
    notice_request.insert("managerKey".into(), json!({ "type": ["string", "null"], "maxLength": 64, "description": "The manager device's key (give this or `keyword`)." }));
    notice_request.insert("keyword".into(), json!({ "type": ["string", "null"], "maxLength": 64, "description": "A staff keyword (give this or `managerKey`)." }));
    let (direct_notice, direct_required) = notice_fields(&["traceCode"]);
    let notice_example = json!({ "template": "tokyo_cluster", "date": "2026-11-30", "fromHour": 18, "toHour": 21, "wholeDay": false, "rooms": [] });
    let mut request_example = notice_example.clone();
    request_example["managerKey"] = json!("7K2M-9QXP-4RTV-H8WA");
    let mut direct_example = notice_example.clone();
    direct_example["traceCode"] = json!("0QZ7-MK2P-RT4V-8HWA");
    let mut schemas = json!({
        "Error": {
            "type": "object", "required": ["error"],
            "description": "A refusal or failure. `code` (`errorCode` on the verification endpoints) is machine-readable; `error` is for people.",
            "properties": {
                "error": string, "code": string, "errorCode": string, "padding": padding(),
                "problems": { "type": "array", "items": schema_ref("RegistrationProblem") },
                "expired": { "type": "boolean" },
            },
            "example": { "error": "the API key is not valid" },
        },
        "VerifyCodeRequest": {
            "type": "object", "required": ["code"],
            "properties": {
                "code": { "type": "string", "pattern": format!("^[0-9]{{{VERIFICATION_CODE_DIGITS}}}$"),
                          "description": "The 8-digit code (spaces and hyphens between the digits are ignored)." },
                "accept": { "type": "array", "uniqueItems": true, "items": { "enum": test_types },
                            "description": "Test types the app handles; absent or empty: only `confirmed`." },
                "padding": padding(),
            },
            "example": { "code": "12345678", "accept": ["confirmed", "likely"] },
        },
        "VerifyCodeResponse": {
            "type": "object",
            "properties": {
                "testtype": { "enum": test_types }, "symptomDate": date(),
                "token": { "type": "string", "description": "A signed JWT, valid for minutes." },
                "error": string, "errorCode": string, "padding": padding(),
            },
            "example": { "testtype": "confirmed", "symptomDate": "2026-11-28", "token": "eyJhbGciOiJFUzI1NiJ9.e30.c2ln" },
        },
        "CertificateRequest": {
            "type": "object", "required": ["token", "ekeyhmac"],
            "properties": {
                "token": { "type": "string", "maxLength": MAX_JWT_CHARS, "description": "The token from /api/verify." },
                "ekeyhmac": { "type": "string", "pattern": "^[A-Za-z0-9+/]{43}=$", "description": "Base64 of the 32-byte HMAC-SHA256 of the keys to upload." },
                "padding": padding(),
            },
            "example": { "token": "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", "ekeyhmac": "qJjJdMmkAM3Fb0j9t3aTb9ZHl4tA1rP1K3Pe4HkYlL4=" },
        },
        "CertificateResponse": {
            "type": "object",
            "properties": { "certificate": string, "error": string, "errorCode": string, "padding": padding() },
            "example": { "certificate": "eyJhbGciOiJFUzI1NiJ9.e30.c2ln" },
        },
        "ExposureKey": {
            "type": "object", "required": ["key", "rollingStartNumber", "rollingPeriod"],
            "properties": {
                "key": { "type": "string", "pattern": "^[A-Za-z0-9+/]{22}==$", "description": "Base64 of the 16 key bytes." },
                "rollingStartNumber": { "type": "integer", "minimum": 0, "maximum": u32::MAX },
                "rollingPeriod": { "type": "integer", "minimum": 1, "maximum": TEK_ROLLING_PERIOD },
                "transmissionRisk": { "type": "integer", "minimum": 0, "maximum": MAX_TRANSMISSION_RISK },
            },
            "example": { "key": key_example, "rollingStartNumber": 2_649_888, "rollingPeriod": 144, "transmissionRisk": 0 },
        },
        "PublishRequest": {
            "type": "object", "required": ["temporaryExposureKeys", "healthAuthorityID", "verificationPayload", "hmacKey"],
            "properties": {
                "temporaryExposureKeys": { "type": "array", "maxItems": MAX_KEYS_PER_PUBLISH, "items": schema_ref("ExposureKey") },
                "healthAuthorityID": string_max(MAX_ID_CHARS),
                "verificationPayload": { "type": "string", "maxLength": MAX_JWT_CHARS, "description": "The certificate from /api/certificate." },
                "hmacKey": { "type": "string", "pattern": "^[A-Za-z0-9+/]*={0,2}$", "maxLength": MAX_ID_CHARS,
                             "description": format!("Base64 of the random HMAC key ({HMAC_KEY_BYTES} bytes from phones) the certificate's HMAC was made with.") },
                "symptomOnsetInterval": nullable(json!({ "type": "integer", "minimum": 0, "maximum": u32::MAX })),
                "traveler": { "type": "boolean" },
                "revisionToken": string_max(MAX_JWT_CHARS),
                "padding": padding(),
            },
            "example": {
                "temporaryExposureKeys": [{ "key": key_example, "rollingStartNumber": 2_649_888, "rollingPeriod": 144 }],
                "healthAuthorityID": "JP.mimamori", "verificationPayload": "eyJhbGciOiJFUzI1NiJ9.e30.c2ln",
                "hmacKey": "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
            },
        },
        "PublishResponse": {
            "type": "object",
            "properties": {
                "revisionToken": string, "insertedExposures": { "type": "integer", "minimum": 0 },
                "error": string, "code": string, "padding": padding(),
            },
            "example": { "insertedExposures": 14 },
        },
    });
    let mut parts = Vec::new();
    parts.push(json!({
        "IssueCodeRequest": {
            "type": "object", "required": ["testType"],
            "properties": {
                "testType": { "enum": test_types },
                "symptomDate": nullable(date()),
                "testDate": nullable(date()),
            },
            "example": { "testType": "confirmed", "symptomDate": "2026-11-28" },
        },
        "IssuedCode": {
            "type": "object", "required": ["id", "code", "expiresAt"],
            "properties": {
                "id": { "type": "string", "pattern": "^[0-9a-f]{32}$" },
                "code": { "type": "string", "pattern": format!("^[0-9]{{{VERIFICATION_CODE_DIGITS}}}$") },
                "expiresAt": { "type": "integer", "description": "Unix seconds." },
            },
            "example": { "id": "00112233445566778899aabbccddeeff", "code": "12345678", "expiresAt": 1_796_000_000 },
        },
        "CodeStatus": {
            "type": "object", "required": ["id", "testType", "issuedAt", "expiresAt", "state"],
            "properties": {
                "id": string, "testType": { "enum": test_types }, "issuedAt": integer, "expiresAt": integer,
                "redeemedAt": nullable(integer.clone()), "expiredAt": nullable(integer.clone()),
                "state": { "enum": ["valid", "redeemed", "expired"] },
            },
        },
        "Expired": {
            "type": "object", "required": ["expired"],
            "properties": { "expired": { "type": "boolean" }, "error": string },
        },
        "Statistics": {
            "type": "object", "required": ["days"],
            "properties": { "days": { "type": "array", "items": {
                "type": "object",
                "required": ["day", "codesIssued", "codesRedeemed", "codesExpired", "uploads", "keysPublished", "exportFiles"],
                "properties": {
                    "day": date(), "codesIssued": integer, "codesRedeemed": integer, "codesExpired": integer,
                    "uploads": integer, "keysPublished": integer, "exportFiles": integer,
                },
            } } },
        },
        "ExportOutcome": {
            "type": "object", "required": ["batch", "files", "keys", "paddingKeys", "keysDeleted", "filesDeleted"],
            "properties": {
                "batch": nullable(json!({ "type": "array", "items": integer, "minItems": 2, "maxItems": 2 })),
                "files": { "type": "array", "items": string },
                "keys": integer, "paddingKeys": integer, "keysDeleted": integer, "filesDeleted": integer,
            },
        },
        "ExportVerificationKey": {
            "type": "object", "required": ["keyId", "version", "created", "publicKeyPem"],
            "properties": { "keyId": string, "version": string, "created": integer, "publicKeyPem": string },
            "example": { "keyId": "440", "version": "v1", "created": 1_796_000_000,
                         "publicKeyPem": "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n" },
        },
        "ExportVerificationKeys": {
            "type": "object", "required": ["keys"],
            "properties": { "keys": { "type": "array", "items": schema_ref("ExportVerificationKey") } },
            "example": { "keys": [{ "keyId": "440", "version": "v1", "created": 1_796_000_000,
                                    "publicKeyPem": "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n" }] },
        },
        "ExportList": {
            "type": "array",
            "items": { "type": "object", "required": ["region", "url", "created"],
                       "properties": { "region": string, "url": string, "created": integer } },
        },
    }));
    parts.push(json!({
        "RegistrationForm": {
            "type": "object",
            "required": ["venueType", "capacity", "name", "postalCode", "address1", "phone", "email", "consent"],
            "properties": {
                "venueType": { "enum": venue_types },
                "capacity": { "enum": capacities },
                "name": { "type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS },
                "postalCode": { "type": "string", "pattern": "^[0-9]{3}-?[0-9]{4}$" },
                "address1": { "type": "string", "minLength": 1, "maxLength": MAX_ADDRESS_LINE_CHARS },
                "address2": string_max(MAX_ADDRESS_LINE_CHARS),
                "phone": { "type": "string", "pattern": "^0[0-9-]{9,13}$", "description": "10 or 11 digits starting with 0; single hyphens allowed." },
                "email": { "type": "string", "format": "email", "maxLength": MAX_EMAIL_CHARS },
                "consent": { "const": true, "description": "Consent to the terms of use (required)." },
                "optIn": { "type": "boolean" },
                "rooms": { "type": "array", "maxItems": MAX_ROOMS, "items": string_max(MAX_ROOM_CHARS),
                           "description": "Room, floor or table labels, one QR each, distinct after trimming (blank labels are ignored); none: one QR for the whole venue." },
                "defaultStayMinutes": nullable(json!({ "type": "integer",
                    "minimum": DEFAULT_STAY_MINUTES_RANGE.start(), "maximum": DEFAULT_STAY_MINUTES_RANGE.end() })),
            },
            "example": {
                "venueType": "restaurant_bar", "capacity": "11_50", "name": "喫茶みまもり",
                "postalCode": "020-8570", "address1": "岩手県盛岡市内丸10-1", "address2": "",
                "phone": "019-629-5487", "email": "shop@example.com", "consent": true, "optIn": false,
                "rooms": ["1F", "2F"], "defaultStayMinutes": 90,
            },
        },
        "RegistrationProblem": {
            "type": "object", "required": ["field", "ja", "en"],
            "properties": { "field": string, "ja": string, "en": string },
        },
        "RegisteredVenue": {
            "type": "object", "required": ["registrationId", "traceCode", "managerKey", "rooms", "leafletPdf", "operatorCopyPdf"],
            "properties": {
                "registrationId": string,
                "traceCode": { "type": "string", "description": "`XXXX-XXXX-XXXX-XXXX`, Crockford base32." },
                "managerKey": string,
                "rooms": { "type": "array", "items": {
                    "type": "object", "required": ["room", "qrUrl"],
                    "properties": { "room": string, "qrUrl": { "type": "string", "description": "The QR text; its poster and images from `POST /venues/v1/posters`." } },
                } },
                "leafletPdf": base64("PDF"), "operatorCopyPdf": base64("PDF"),
            },
        },
        "PosterRequest": {
            "type": "object", "required": ["qrUrl", "format"],
            "properties": {
                "qrUrl": { "type": "string", "minLength": 1, "maxLength": mimamori_venue::MAX_QR_TEXT_LENGTH },
                "format": { "type": "string", "enum": PosterFormat::ALL.map(PosterFormat::as_str) },
            },
        },
        "NoticeRequest": {
            "type": "object", "required": request_required, "properties": notice_request,
            "example": request_example,
        },
        "NoticeRequested": {
            "type": "object", "required": ["requestId", "status"],
            "properties": { "requestId": string, "status": { "const": RequestStatus::Pending.as_str() } },
        },
        "KeywordRequest": {
            "type": "object", "required": ["managerKey"],
            "properties": { "managerKey": { "type": "string", "maxLength": 64 } },
            "example": { "managerKey": "7K2M-9QXP-4RTV-H8WA" },
        },
        "Keyword": {
            "type": "object", "required": ["keyword", "expiresAt"],
            "properties": { "keyword": string, "expiresAt": integer },
        },
        "PendingRequests": {
            "type": "object", "required": ["requests"],
            "properties": { "requests": { "type": "array", "items": {
                "type": "object",
                "required": ["id", "registrationId", "venueName", "venuePhone", "requestedBy", "requestedAt", "notice"],
                "properties": {
                    "id": string, "registrationId": string, "venueName": string, "venuePhone": string,
                    "requestedBy": { "enum": ["manager", "staff"] }, "requestedAt": integer,
                    "notice": { "type": "object", "properties": request_notice },
                },
            } } },
        },
        "Decision": {
            "type": "object", "required": ["status"],
            "properties": { "status": { "enum": ([RequestStatus::Approved.as_str(), RequestStatus::Rejected.as_str()]) } },
        },
        "DirectNotice": {
            "type": "object", "required": direct_required, "properties": direct_notice,
            "example": direct_example,
        },
        "Published": {
            "type": "object", "required": ["published"],
            "properties": { "published": { "type": "integer", "minimum": 0 } },
        },
        "PublishedVenueKeys": {
            "type": "object", "required": ["qr_keys", "feed_keys", "seal_key"],
            "properties": {
                "qr_keys": { "type": "array", "items": string },
                "feed_keys": { "type": "array", "items": string },
                "seal_key": base64("The X25519 public key venue records are sealed to."),
            },
            "example": { "qr_keys": ["-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n"],
                         "feed_keys": ["-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n"],
                         "seal_key": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" },
        },
    }));
    for part in parts {
        if let (Value::Object(all), Value::Object(part)) = (&mut schemas, part) {
            all.extend(part);
        }
    }
    schemas
}
