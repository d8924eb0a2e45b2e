//! Issue 13, defects 6 and 9 over HTTP in process: security headers on every page and error,
//! JSON (and on the phone API padded) errors from axum's own rejections, and the idle timeout of
//! kept-alive connections.

use std::time::Duration;

use mimamori_api::v1::{PUBLISH_PATH, VERIFY_PATH};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::common::{self, start};

/// Asserts the headers every response carries.
fn assert_security_headers(response: &reqwest::Response, what: &str) {
    let headers = response.headers();
    assert_eq!(
        headers.get("x-content-type-options").map(|v| v.as_bytes()),
        Some(&b"nosniff"[..]),
        "{what}"
    );
    assert_eq!(
        headers.get("x-frame-options").map(|v| v.as_bytes()),
        Some(&b"DENY"[..]),
        "{what}"
    );
    assert_eq!(
        headers.get("referrer-policy").map(|v| v.as_bytes()),
        Some(&b"no-referrer"[..]),
        "{what}"
    );
    let csp = headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
}

/// The JSON error of `response`, which must be JSON.
async fn json_error(response: reqwest::Response, what: &str) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{what}: {content_type}"
    );
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].is_string(), "{what}: {body}");
    assert!(body["code"].is_string(), "{what}: {body}");
    body
}

#[tokio::test]
async fn every_page_and_error_carries_the_security_headers() {
    let server = start().await;
    let pages = [
        ("GET", "/venues/register", 200),
        ("GET", "/venues/notice-request", 200),
        ("GET", "/portal/login", 200),
        ("GET", "/health", 200),
        ("GET", "/v1/export-keys", 200),
        ("GET", "/no/such/path", 404),
        ("GET", "/portal/no-such-page", 404),
        ("GET", VERIFY_PATH, 405),
        ("DELETE", "/venues/register", 405),
    ];
    for (method, path, status) in pages {
        let response = server
            .client
            .request(method.parse().unwrap(), server.url(path))
            .send()
            .await
            .unwrap();
        let what = format!("{method} {path}");
        assert_eq!(response.status().as_u16(), status, "{what}");
        assert_security_headers(&response, &what);
    }
}

#[tokio::test]
async fn axum_rejections_are_json_errors_and_padded_on_the_phone_api() {
    let server = start().await;

    // 413 from the body limit of the phone API: JSON, padded.
    let response = server
        .client
        .post(server.url(PUBLISH_PATH))
        .header("content-type", "application/json")
        .body(vec![b' '; 65 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    assert_security_headers(&response, "413");
    let body = json_error(response, "413 on publish").await;
    assert_eq!(body["code"], "body_too_large");
    assert!(
        body["padding"].as_str().is_some_and(|p| !p.is_empty()),
        "{body}"
    );

    // 405 on a phone path: JSON, padded, Allow kept.
    let response = server
        .client
        .get(server.url(VERIFY_PATH))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert!(response.headers().contains_key("allow"));
    let body = json_error(response, "405 on verify").await;
    assert_eq!(body["errorCode"], "method_not_allowed");
    assert!(body["padding"].is_string(), "{body}");

    // A query that cannot be read on the authority API: JSON.
    let response = server
        .client
        .get(server.url("/api/v1/authority/stats?days=lots"))
        .header("X-API-Key", &server.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body = json_error(response, "400 query").await;
    assert_eq!(body["code"], "bad_request");

    // 404 on an API path and on an unknown path: JSON.
    for path in [
        "/api/v1/authority/nothing",
        "/venues/v1/nothing",
        "/nothing",
    ] {
        let response = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 404, "{path}");
        let body = json_error(response, path).await;
        assert_eq!(body["code"], "not_found");
    }

    // 413 on the venue API (its own body limit): JSON.
    let response = server
        .client
        .post(server.url("/venues/v1/registrations"))
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    json_error(response, "413 on venue registration").await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let server = common::start_with(|config| {
        config.connection_limits.header_read_timeout = Duration::from_secs(1);
    })
    .await;
    let address = server.server.local_addr();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    // The answer arrives, then the idle connection is closed (read gives 0 or an error).
    let closed = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(read) => received.extend_from_slice(&buffer[..read]),
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the server closes a kept-alive connection that stays idle"
    );
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
}
