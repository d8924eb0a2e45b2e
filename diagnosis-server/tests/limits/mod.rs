//! Issue 13 defects 1 and 4 (the rate half): per-client limits on every endpoint that checks a
//! secret, the server-wide failed verification budget, and `X-Forwarded-For` believed only
//! from trusted proxies. Included from `http.rs`.

use mimamori_api::v1::{VERIFY_PATH, VerifyCodeResponse};
use mimamori_diagnosis_server::ratelimit::{IpNetwork, Rate, RateLimits};
use serde_json::json;

use super::common::{self, TestServer};

async fn server_with(adjust: impl FnOnce(&mut RateLimits), trust_localhost: bool) -> TestServer {
    common::start_with(|config| {
        if trust_localhost {
            config.trusted_proxies = vec![IpNetwork::parse("127.0.0.1").unwrap()];
        }
        adjust(&mut config.rate_limits);
    })
    .await
}

/// A verify request from `forwarded_for` (when given); returns the status, `Retry-After` and
/// the body.
async fn verify_from(
    server: &TestServer,
    code: &str,
    forwarded_for: Option<&str>,
) -> (u16, Option<u64>, VerifyCodeResponse) {
    let mut request = server
        .client
        .post(server.url(VERIFY_PATH))
        .json(&json!({ "code": code, "accept": ["confirmed"] }));
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().parse().unwrap());
    (status, retry_after, response.json().await.unwrap())
}

/// A wrong code: the real one with its last digit changed.
fn wrong(code: &str, n: u32) -> String {
    let last = code.chars().last().unwrap().to_digit(10).unwrap();
    format!("{}{}", &code[..7], (last + 1 + n % 9) % 10)
}

#[tokio::test]
async fn one_address_is_limited_even_with_the_right_code_until_retry_after() {
    let server = server_with(
        |limits| {
            limits.verify = Rate {
                burst: 3,
                per_minute: 2,
            }
        },
        false,
    )
    .await;
    let (_, code) = server.issue_code("confirmed").await;
    for n in 0..3 {
        let (status, _, body) = verify_from(&server, &wrong(&code, n), None).await;
        assert_eq!((status, body.error_code.as_str()), (400, "code_invalid"));
    }
    let (status, retry_after, body) = verify_from(&server, &wrong(&code, 3), None).await;
    assert_eq!((status, body.error_code.as_str()), (429, "rate_limited"));
    assert_eq!(retry_after, Some(30));
    assert!(!body.padding.is_empty(), "429 answers are padded too");
    // The right code is refused too while the bucket is empty...
    let (status, _, _) = verify_from(&server, &code, None).await;
    assert_eq!(status, 429);
    // ...and accepted once Retry-After has passed.
    server.clock.advance(30);
    let (status, _, body) = verify_from(&server, &code, None).await;
    assert_eq!(status, 200, "{}", body.error);
    assert!(!body.token.is_empty());
    server.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let server = server_with(
        |limits| {
            limits.verify = Rate {
                burst: 2,
                per_minute: 1,
            }
        },
        false,
    )
    .await;
    let (_, code) = server.issue_code("confirmed").await;
    let mut statuses = Vec::new();
    for n in 0..4 {
        let address = format!("203.0.113.{}", n + 1);
        statuses.push(
            verify_from(&server, &wrong(&code, n), Some(&address))
                .await
                .0,
        );
    }
    assert_eq!(
        statuses,
        [400, 400, 429, 429],
        "one client, whatever the header says"
    );
    server.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn many_addresses_behind_a_trusted_proxy_hit_the_server_wide_budget() {
    let server = server_with(
        |limits| {
            limits.verify = Rate {
                burst: 2,
                per_minute: 1,
            };
            limits.failed_verifications_per_minute = 5;
        },
        true,
    )
    .await;
    let (_, code) = server.issue_code("confirmed").await;
    // Each address has its own bucket (the header of a trusted proxy is believed)...
    for n in 0..5 {
        let address = format!("198.18.0.{}", n + 1);
        let (status, _, body) = verify_from(&server, &wrong(&code, n), Some(&address)).await;
        assert_eq!((status, body.error_code.as_str()), (400, "code_invalid"));
    }
    // ...but together they have used the server's budget for this minute.
    let (status, retry_after, body) =
        verify_from(&server, &wrong(&code, 5), Some("198.18.0.99")).await;
    assert_eq!((status, body.error_code.as_str()), (429, "rate_limited"));
    assert!(body.error.contains("on this server"), "{}", body.error);
    // START is on a minute boundary: the budget renews in 60 s.
    assert_eq!(retry_after, Some(60));
    // Every verification is refused until the minute ends, the right code from a fresh
    // address included.
    let (status, _, _) = verify_from(&server, &code, Some("198.18.1.1")).await;
    assert_eq!(status, 429);
    server.clock.advance(60);
    let (status, _, body) = verify_from(&server, &code, Some("198.18.1.2")).await;
    assert_eq!(status, 200, "{}", body.error);
    server.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn api_keys_manager_keys_registrations_and_posters_are_limited_per_client() {
    let two = Rate {
        burst: 2,
        per_minute: 1,
    };
    let server = server_with(
        |limits| {
            limits.authority = two;
            limits.venue_secrets = two;
            limits.venue_registrations = two;
            limits.venue_documents = two;
        },
        false,
    )
    .await;
    let post = |path: &'static str, key: &'static str, body: serde_json::Value| {
        let request = server
            .client
            .post(server.url(path))
            .header("X-API-Key", key)
            .json(&body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let retry_after = response.headers().contains_key("retry-after");
            let body: serde_json::Value = response.json().await.unwrap();
            (
                status,
                retry_after,
                body["code"].as_str().map(str::to_owned),
            )
        }
    };
    // Wrong API keys: two answered 401, then 429.
    let codes = "/api/v1/authority/codes";
    for _ in 0..2 {
        let (status, _, _) = post(codes, "mmk_wrong_wrong_wrong", json!({})).await;
        assert_eq!(status, 401);
    }
    let (status, retry_after, code) = post(codes, "mmk_wrong_wrong_wrong", json!({})).await;
    assert_eq!(
        (status, retry_after, code.as_deref()),
        (429, true, Some("rate_limited"))
    );
    // Wrong manager keys.
    let keywords = mimamori_diagnosis_server::venues::KEYWORDS_PATH;
    for _ in 0..2 {
        let (status, _, _) = post(keywords, "", json!({"managerKey": "AAAA-BBBB-CCCC-DDDD"})).await;
        assert!((400..500).contains(&status) && status != 429, "{status}");
    }
    let (status, retry_after, _) =
        post(keywords, "", json!({"managerKey": "AAAA-BBBB-CCCC-DDDD"})).await;
    assert_eq!((status, retry_after), (429, true));
    // Registrations count whatever they answer.
    let registrations = mimamori_diagnosis_server::venues::REGISTRATIONS_PATH;
    for _ in 0..2 {
        let (status, _, _) = post(registrations, "", json!({})).await;
        assert_ne!(status, 429);
    }
    let (status, retry_after, _) = post(registrations, "", json!({})).await;
    assert_eq!((status, retry_after), (429, true));
    // Posters made on demand count whatever they answer (each PDF costs CPU).
    let posters = mimamori_diagnosis_server::venues::POSTERS_PATH;
    let forged = json!({"qrUrl": "https://localhost/v/#AAAA", "format": "pdf"});
    for _ in 0..2 {
        let (status, _, code) = post(posters, "", forged.clone()).await;
        assert_eq!((status, code.as_deref()), (400, Some("qr_invalid")));
    }
    let (status, retry_after, code) = post(posters, "", forged).await;
    assert_eq!(
        (status, retry_after, code.as_deref()),
        (429, true, Some("rate_limited"))
    );
    server.server.shutdown().await.unwrap();
}
