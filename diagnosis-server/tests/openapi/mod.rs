//! `/openapi.json` against the server it describes (issue 13, defect 8): every route of the
//! routers is documented with its methods (read from the routers' source, so a new route cannot
//! be forgotten), requests the server refuses are refused by the schema too, the answers the
//! server really gives are documented, and chaff needs a well-formed body.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use mimamori_api::v1::{CERTIFICATE_PATH, PUBLISH_PATH, VERIFY_PATH};
use mimamori_diagnosis_server::openapi::{HTML_PAGES, OPENAPI_PATH, document};
use mimamori_diagnosis_server::portal::PORTAL_PREFIX;
use serde_json::{Value, json};

use crate::common::start;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

fn rust_files(directory: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

/// The code of a source file without `//` comment lines (doc tables mention routes too) and
/// without its unit tests (which route paths of their own).
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let lines = text.lines().collect::<Vec<_>>();
    let lines = match lines
        .windows(2)
        .position(|pair| pair[0].trim() == "#[cfg(test)]" && pair[1].starts_with("mod tests"))
    {
        Some(end) => &lines[..end],
        None => &lines[..],
    };
    lines
        .iter()
        .filter(|line| !line.trim_start().starts_with("//"))
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `const NAME: &str = "value";` in `code`.
fn string_constants(code: &str) -> BTreeMap<String, String> {
    let mut constants = BTreeMap::new();
    let mut rest = code;
    while let Some(at) = rest.find("const ") {
        let preceded_by_ident = rest[..at].chars().last().is_some_and(is_ident);
        rest = &rest[at + "const ".len()..];
        if preceded_by_ident {
            continue;
        }
        let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
        let after = rest[name.len()..].trim_start();
        let Some(after) = after.strip_prefix(':') else {
            continue;
        };
        let after = after.trim_start();
        let Some(after) = after
            .strip_prefix("&str")
            .or_else(|| after.strip_prefix("&'static str"))
        else {
            continue;
        };
        let Some(after) = after.trim_start().strip_prefix('=') else {
            continue;
        };
        let Some(after) = after.trim_start().strip_prefix('"') else {
            continue;
        };
        if let Some(end) = after.find('"') {
            constants.insert(name, after[..end].to_owned());
        }
    }
    constants
}

/// The arguments of every `.route(...)` call in `code`: the path expression and the handler.
fn route_calls(code: &str) -> Vec<(String, String)> {
    let mut calls = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let mut depth = 1;
        let mut comma = None;
        let mut end = rest.len();
        for (index, c) in rest.char_indices() {
            match c {
                '(' | '{' | '[' => depth += 1,
                ')' | '}' | ']' => {
                    depth -= 1;
                    if depth == 0 {
                        end = index;
                        break;
                    }
                }
                ',' if depth == 1 && comma.is_none() => comma = Some(index),
                _ => {}
            }
        }
        let comma = comma.expect("a .route( call has two arguments");
        calls.push((
            rest[..comma].trim().to_owned(),
            rest[comma + 1..end].trim().to_owned(),
        ));
    }
    calls
}

/// The HTTP methods a handler expression such as `get(a).post(b)` routes.
fn methods_of(handler: &str) -> BTreeSet<String> {
    let mut methods = BTreeSet::new();
    for method in METHODS {
        let call = format!("{method}(");
        let mut search = 0;
        while let Some(at) = handler[search..].find(&call) {
            let at = search + at;
            if !handler[..at].chars().last().is_some_and(is_ident) {
                methods.insert(method.to_owned());
            }
            search = at + call.len();
        }
    }
    methods
}

/// Every (method, path) the server's routers route, read from their source.
fn routed() -> BTreeSet<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut core_files = Vec::new();
    rust_files(&root.join("../core"), &mut core_files);
    let mut per_file = BTreeMap::new();
    let mut everywhere: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files.iter().chain(&core_files) {
        let constants = string_constants(&code_of(file));
        for (name, value) in &constants {
            everywhere
                .entry(name.clone())
                .or_default()
                .insert(value.clone());
        }
        per_file.insert(file.clone(), constants);
    }
    let mut routes = BTreeSet::new();
    for file in &files {
        for (path, handler) in route_calls(&code_of(file)) {
            let path = if let Some(literal) = path.strip_prefix('"') {
                literal.trim_end_matches('"').to_owned()
            } else {
                let name = path.rsplit("::").next().unwrap_or(&path).to_owned();
                match per_file[file].get(&name) {
                    Some(value) => value.clone(),
                    None => {
                        let values = everywhere.get(&name).cloned().unwrap_or_default();
                        assert_eq!(
                            values.len(),
                            1,
                            "cannot resolve {name} in {}: define it there or make its name unique",
                            file.display()
                        );
                        values.into_iter().next().unwrap_or_default()
                    }
                }
            };
            let methods = methods_of(&handler);
            assert!(
                !methods.is_empty(),
                "no method in .route({path}, {handler})"
            );
            for method in methods {
                routes.insert((method, path.clone()));
            }
        }
    }
    routes
}

fn documented(document: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in METHODS {
            if item[method].is_object() {
                operations.insert((method.to_owned(), path.clone()));
            }
        }
    }
    operations
}

fn is_html_page(path: &str) -> bool {
    path == PORTAL_PREFIX
        || path.starts_with(&format!("{PORTAL_PREFIX}/"))
        || HTML_PAGES.contains(&path)
}

#[test]
fn every_route_of_the_routers_is_documented_and_nothing_else() {
    let routed = routed();
    assert!(
        routed.len() > 30,
        "the source scan found the routes: {routed:?}"
    );
    let api: BTreeSet<_> = routed
        .iter()
        .filter(|(_, path)| !is_html_page(path))
        .cloned()
        .collect();
    let documented = documented(&document());
    let missing: Vec<_> = api.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&api).collect();
    assert!(missing.is_empty(), "routed but not documented: {missing:?}");
    assert!(extra.is_empty(), "documented but not routed: {extra:?}");
    for page in HTML_PAGES {
        assert!(
            routed.iter().any(|(_, path)| path == page),
            "{page} is listed as an HTML page but not routed"
        );
    }
}

/// The operation `method path` of the served document.
fn operation<'a>(document: &'a Value, method: &str, path: &str) -> &'a Value {
    let operation = &document["paths"][path][method];
    assert!(operation.is_object(), "{method} {path} is not documented");
    operation
}

/// Asserts that `status` is a documented answer of `method path` with a JSON body.
fn assert_documented(document: &Value, method: &str, path: &str, status: u16, content_type: &str) {
    let answer = &operation(document, method, path)["responses"][status.to_string()];
    assert!(
        answer.is_object(),
        "{method} {path} answers {status}, which is not documented"
    );
    let answer = match answer["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            &document["components"]["responses"][name]
        }
        None => answer,
    };
    assert!(
        answer["content"]["application/json"].is_object(),
        "{method} {path} {status}: the document promises JSON"
    );
    assert_eq!(
        content_type, "application/json",
        "{method} {path} {status}: the answer is JSON"
    );
}

#[tokio::test]
async fn the_served_document_requires_what_the_server_requires() {
    let server = start().await;
    let (status, body) = server.get_bytes(OPENAPI_PATH).await;
    assert_eq!(status, 200);
    let document: Value = serde_json::from_slice(&body).unwrap();
    let schemas = &document["components"]["schemas"];
    // `{}` was valid against every request schema; the server refuses it with 400.
    for (schema, required) in [
        ("VerifyCodeRequest", "code"),
        ("CertificateRequest", "token"),
        ("CertificateRequest", "ekeyhmac"),
        ("PublishRequest", "verificationPayload"),
        ("IssueCodeRequest", "testType"),
        ("RegistrationForm", "consent"),
        ("NoticeRequest", "template"),
        ("DirectNotice", "traceCode"),
    ] {
        let list = schemas[schema]["required"].as_array().unwrap();
        assert!(
            list.contains(&json!(required)),
            "{schema} requires {required}"
        );
    }
    assert_eq!(
        schemas["VerifyCodeRequest"]["properties"]["code"]["pattern"],
        "^[0-9]{8}$"
    );
    assert_eq!(
        schemas["ExposureKey"]["properties"]["key"]["pattern"], "^[A-Za-z0-9+/]{22}==$",
        "base64 of 16 bytes"
    );
    assert_eq!(
        schemas["PublishRequest"]["properties"]["temporaryExposureKeys"]["maxItems"],
        30
    );
    assert_eq!(
        document["components"]["responses"]["TooManyRequests"]["headers"]["Retry-After"]["required"],
        true
    );
    for (method, path) in [
        ("post", VERIFY_PATH),
        ("post", CERTIFICATE_PATH),
        ("post", "/api/v1/authority/codes"),
        ("post", "/venues/v1/registrations"),
        ("post", "/venues/v1/notice-requests"),
        ("post", "/venues/v1/keywords"),
        ("post", "/api/v1/authority/venues/notices"),
    ] {
        assert!(
            operation(&document, method, path)["responses"]["429"].is_object(),
            "{method} {path} documents 429"
        );
    }
}

/// Sends `request` and returns its status, content type and JSON body.
async fn answer(request: reqwest::RequestBuilder) -> (u16, String, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = response.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, content_type, body)
}

#[tokio::test]
async fn the_answers_the_server_gives_are_documented_and_json() {
    let server = start().await;
    let document = document();
    let key = server.api_key.clone();
    let client = &server.client;

    // 401 without an API key, 404 for an unknown code, 409 for expiring it.
    let (status, content_type, _) = answer(client.get(server.url("/api/v1/authority/stats"))).await;
    assert_eq!(status, 401);
    assert_documented(
        &document,
        "get",
        "/api/v1/authority/stats",
        status,
        &content_type,
    );
    let unknown = "/api/v1/authority/codes/00000000000000000000000000000000";
    let (status, content_type, _) =
        answer(client.get(server.url(unknown)).header("X-API-Key", &key)).await;
    assert_eq!(status, 404);
    assert_documented(
        &document,
        "get",
        "/api/v1/authority/codes/{id}",
        status,
        &content_type,
    );
    let (status, content_type, _) = answer(
        client
            .post(server.url(&format!("{unknown}/expire")))
            .header("X-API-Key", &key),
    )
    .await;
    assert_eq!(status, 409);
    assert_documented(
        &document,
        "post",
        "/api/v1/authority/codes/{id}/expire",
        status,
        &content_type,
    );
    // An id that is not even UTF-8 is not found (it was a plain-text 400).
    let (status, content_type, _) = answer(
        client
            .get(server.url("/api/v1/authority/codes/%FF"))
            .header("X-API-Key", &key),
    )
    .await;
    assert_eq!(status, 404);
    assert_documented(
        &document,
        "get",
        "/api/v1/authority/codes/{id}",
        status,
        &content_type,
    );

    // 412 for a code of a test type the app does not accept.
    let (_, code) = server.issue_code("likely").await;
    let (status, content_type, body) = answer(
        client
            .post(server.url(VERIFY_PATH))
            .json(&json!({ "code": code, "accept": ["confirmed"] })),
    )
    .await;
    assert_eq!(status, 412, "{body}");
    assert_documented(&document, "post", VERIFY_PATH, status, &content_type);

    // Statistics: a query the server cannot read, or days out of range, is a JSON 400 (it was
    // plain text, or clamped to 200).
    for query in [
        "days=null",
        "days=-1",
        "days=0",
        "days=367",
        "days=7&days=8",
    ] {
        let (status, content_type, body) = answer(
            client
                .get(server.url(&format!("/api/v1/authority/stats?{query}")))
                .header("X-API-Key", &key),
        )
        .await;
        assert_eq!(status, 400, "{query}");
        assert_documented(
            &document,
            "get",
            "/api/v1/authority/stats",
            status,
            &content_type,
        );
        assert!(body["error"].is_string(), "{query}: {body}");
    }
    let (status, _, body) = answer(
        client
            .get(server.url("/api/v1/authority/stats?days=366"))
            .header("X-API-Key", &key),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // A missing export file is a JSON 404 (it had no body and no content type).
    for path in [
        "/exports/JP/nothing.zip",
        "/exports/JP/other.txt",
        "/exports/%FF/a.zip",
    ] {
        let (status, content_type, body) = answer(client.get(server.url(path))).await;
        assert_eq!(status, 404, "{path}");
        assert_documented(
            &document,
            "get",
            "/exports/{region}/{file}",
            status,
            &content_type,
        );
        assert!(body["error"].is_string(), "{path}: {body}");
    }

    // The venue API: unknown manager key and request id.
    let (status, content_type, _) = answer(
        client
            .post(server.url("/venues/v1/keywords"))
            .json(&json!({ "managerKey": "0000-0000-0000-0000" })),
    )
    .await;
    assert_eq!(status, 404);
    assert_documented(
        &document,
        "post",
        "/venues/v1/keywords",
        status,
        &content_type,
    );
    let (status, content_type, _) = answer(
        client
            .post(server.url("/api/v1/authority/venues/notice-requests/%FF/approve"))
            .header("X-API-Key", &key),
    )
    .await;
    assert_eq!(status, 404);
    assert_documented(
        &document,
        "post",
        "/api/v1/authority/venues/notice-requests/{id}/approve",
        status,
        &content_type,
    );
}

#[tokio::test]
async fn chaff_needs_a_well_formed_body_like_a_real_request() {
    let server = start().await;
    for path in [VERIFY_PATH, CERTIFICATE_PATH, PUBLISH_PATH] {
        for body in [
            "",
            "{not json",
            "[]",
            "{}",
            r#"{"code": 12}"#,
            r#"{"token": []}"#,
            r#"{"code": "1234"}"#,
            r#"{"token": "t"}"#,
            r#"{"temporaryExposureKeys": [], "healthAuthorityID": "x", "verificationPayload": "y"}"#,
        ] {
            let (status, content_type, answer_body) = answer(
                server
                    .client
                    .post(server.url(path))
                    .header("X-Chaff", "1")
                    .body(body),
            )
            .await;
            let (real_status, _, _) =
                self::answer(server.client.post(server.url(path)).body(body)).await;
            assert!(
                (400..500).contains(&real_status),
                "{path} {body:?}: the real request is refused too"
            );
            assert_eq!(status, 400, "{path} {body:?}: {answer_body}");
            assert_eq!(content_type, "application/json");
        }
    }
    // A well-formed chaff body is answered 200 in the real shape.
    let (status, _, body) = answer(
        server
            .client
            .post(server.url(VERIFY_PATH))
            .header("X-Chaff", "1")
            .json(&json!({ "code": "00000000" })),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["token"].is_string() && body["padding"].is_string());
}

#[tokio::test]
async fn an_oversized_phone_request_gets_a_padded_json_413() {
    let server = start().await;
    let document = document();
    for path in [VERIFY_PATH, CERTIFICATE_PATH, PUBLISH_PATH] {
        let (status, content_type, body) = answer(
            server
                .client
                .post(server.url(path))
                .header("content-type", "application/json")
                .body(vec![b' '; 65 * 1024]),
        )
        .await;
        assert_eq!(status, 413, "{path}");
        assert_documented(&document, "post", path, status, &content_type);
        assert!(body["error"].is_string(), "{path}: {body}");
        assert!(
            body["padding"].is_string(),
            "{path}: padded like every phone answer"
        );
    }
}
