//! The OpenAPI 3.1 document of the server, served at [`OPENAPI_PATH`].
//!
//! Written by hand from [`ROUTES`], the list every route of the router is tested against.

use axum::response::Response;
use mimamori_core::api::v1::{CERTIFICATE_PATH, PUBLISH_PATH, VERIFY_PATH};
use serde_json::{Value, json};

use crate::routes::authority::{
    CODE_PATH, CODES_PATH, EXPIRE_CODE_PATH, EXPORT_PATH, ROTATE_PATH, STATS_PATH,
};
use crate::routes::files::EXPORT_KEYS_PATH;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// Every route: method, path, who calls it, summary.
pub const ROUTES: &[(&str, &str, &str, &str)] = &[
    (
        "post",
        VERIFY_PATH,
        "phone",
        "Trade a verification code for a token",
    ),
    (
        "post",
        CERTIFICATE_PATH,
        "phone",
        "Trade a token and the key HMAC for a certificate",
    ),
    (
        "post",
        PUBLISH_PATH,
        "phone",
        "Publish temporary exposure keys",
    ),
    (
        "get",
        "/exports/{region}/{file}",
        "public",
        "An export zip, index.txt or list.json",
    ),
    (
        "get",
        EXPORT_KEYS_PATH,
        "public",
        "Export verification public keys, every version",
    ),
    ("post", CODES_PATH, "authority", "Issue a verification code"),
    ("get", CODE_PATH, "authority", "Status of an issued code"),
    (
        "post",
        EXPIRE_CODE_PATH,
        "authority",
        "Expire an unused code",
    ),
    ("get", STATS_PATH, "authority", "Daily statistics"),
    ("post", EXPORT_PATH, "authority", "Run an export batch now"),
    (
        "post",
        ROTATE_PATH,
        "authority",
        "Add a new export signing key version",
    ),
    ("get", OPENAPI_PATH, "public", "This document"),
    (
        "get",
        crate::routes::HEALTH_PATH,
        "public",
        "Liveness check",
    ),
];

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn body_schema(path: &str) -> Option<(Value, Value)> {
    Some(match path {
        p if p == VERIFY_PATH => (
            schema_ref("VerifyCodeRequest"),
            schema_ref("VerifyCodeResponse"),
        ),
        p if p == CERTIFICATE_PATH => (
            schema_ref("CertificateRequest"),
            schema_ref("CertificateResponse"),
        ),
        p if p == PUBLISH_PATH => (schema_ref("PublishRequest"), schema_ref("PublishResponse")),
        p if p == CODES_PATH => (schema_ref("IssueCodeRequest"), schema_ref("IssuedCode")),
        _ => return None,
    })
}

/// The document.
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, caller, summary) in ROUTES {
        let mut operation = json!({
            "summary": summary,
            "tags": [caller],
            "responses": { "200": { "description": "OK" } },
        });
        if *caller == "authority" {
            operation["security"] = json!([{ "apiKey": [] }]);
            operation["responses"]["401"] = json!({ "description": "missing or invalid API key" });
        }
        if *caller == "phone" {
            operation["parameters"] = json!([{
                "name": "X-Chaff", "in": "header", "required": false,
                "description": "a decoy request: answered alike, nothing stored",
                "schema": { "type": "string" }
            }]);
            operation["responses"]["400"] = json!({ "description": "refused; see error and code" });
            operation["responses"]["413"] = json!({ "description": "body over 64 KiB" });
        }
        if let Some((request, response)) = body_schema(path) {
            operation["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": request } } });
            operation["responses"]["200"] = json!({ "description": "OK", "content": { "application/json": { "schema": response } } });
        }
        let mut parameters: Vec<Value> = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for name in ["id", "region", "file"] {
            if path.contains(&format!("{{{name}}}")) {
                parameters.push(json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }));
            }
        }
        if !parameters.is_empty() {
            operation["parameters"] = Value::Array(parameters);
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = operation;
    }
    let string = json!({ "type": "string" });
    let integer = json!({ "type": "integer" });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Mimamori diagnosis server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Verification codes, verified key uploads (exposure-notifications-server v1) and signed GAEN export files.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": { "apiKey": { "type": "apiKey", "in": "header", "name": "X-API-Key" } },
            "schemas": {
                "ExposureKey": { "type": "object", "required": ["key", "rollingStartNumber", "rollingPeriod"], "properties": {
                    "key": string, "rollingStartNumber": integer, "rollingPeriod": integer, "transmissionRisk": integer } },
                "PublishRequest": { "type": "object", "properties": {
                    "temporaryExposureKeys": { "type": "array", "maxItems": 30, "items": schema_ref("ExposureKey") },
                    "healthAuthorityID": string, "verificationPayload": string, "hmacKey": string,
                    "symptomOnsetInterval": integer, "traveler": { "type": "boolean" },
                    "revisionToken": string, "padding": string } },
                "PublishResponse": { "type": "object", "properties": {
                    "revisionToken": string, "insertedExposures": integer, "error": string, "code": string, "padding": string } },
                "VerifyCodeRequest": { "type": "object", "properties": {
                    "code": string, "accept": { "type": "array", "items": { "enum": ["confirmed", "likely", "negative"] } }, "padding": string } },
                "VerifyCodeResponse": { "type": "object", "properties": {
                    "testtype": string, "symptomDate": string, "token": string, "error": string, "errorCode": string, "padding": string } },
                "CertificateRequest": { "type": "object", "properties": { "token": string, "ekeyhmac": string, "padding": string } },
                "CertificateResponse": { "type": "object", "properties": {
                    "certificate": string, "error": string, "errorCode": string, "padding": string } },
                "IssueCodeRequest": { "type": "object", "required": ["testType"], "properties": {
                    "testType": { "enum": ["confirmed", "likely", "negative"] }, "symptomDate": string, "testDate": string } },
                "IssuedCode": { "type": "object", "properties": { "id": string, "code": string, "expiresAt": integer } },
            }
        }
    })
}

/// Serves the document.
pub async fn serve() -> Response {
    crate::routes::json(200, &document())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_lists_every_route_once() {
        let document = document();
        let text = serde_json::to_string(&document).unwrap();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        for (method, path, _, _) in ROUTES {
            assert!(
                parsed["paths"][*path][*method].is_object(),
                "{method} {path}"
            );
        }
        assert_eq!(parsed["openapi"], "3.1.0");
    }
}
