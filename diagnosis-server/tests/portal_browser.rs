//! The staff portal in a real headless Chromium, driven through chromedriver (WebDriver) with
//! fantoccini: log in, issue a code, see it, statistics show one issued, a wrong password is
//! refused, a POST without the CSRF token is refused and stores nothing.
//!
//! Needs Debian's `chromium` and `chromium-driver` (or `MIMAMORI_CHROMIUM` and
//! `MIMAMORI_CHROMEDRIVER` pointing at the binaries). Without them the test prints "skipped"
//! and passes, unless `MIMAMORI_REQUIRE_BROWSER=1` (CI), which makes it fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "common/browser.rs"]
mod browser;
mod common;

use std::sync::Arc;

use browser::{CHROMIUM_FLAGS, click, fill, find_binary, path, start_driver, submit, text};
use fantoccini::{Client, ClientBuilder, Locator};
use mimamori_diagnosis_server::portal;
use serde_json::json;

const PASSWORD: &str = "sakura-hokenjo-2026";

async fn log_in(client: &Client, base: &str, password: &str) {
    client
        .goto(&format!("{base}{}", portal::LOGIN_PATH))
        .await
        .unwrap();
    fill(client, "#name", "tanaka").await;
    fill(client, "#password", password).await;
    click(client, "#login").await;
}

#[tokio::test]
async fn staff_use_the_portal_in_headless_chromium() {
    let required = std::env::var("MIMAMORI_REQUIRE_BROWSER").as_deref() == Ok("1");
    let chromium = find_binary(
        "MIMAMORI_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let chromedriver = find_binary("MIMAMORI_CHROMEDRIVER", &["chromedriver"]);
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        assert!(
            !required,
            "MIMAMORI_REQUIRE_BROWSER=1 but chromium or chromedriver is missing \
             (apt-get install chromium chromium-driver)"
        );
        eprintln!(
            "skipped: chromium or chromedriver not found (MIMAMORI_REQUIRE_BROWSER=1 fails instead)"
        );
        return;
    };

    let server = Arc::new(common::start().await);
    portal::add_staff_account(server.server.services(), "tanaka", PASSWORD)
        .await
        .unwrap();
    let base = server.server.base_url();
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({"binary": chromium, "args": args}),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session through chromedriver");

    // The steps run in their own task so that a failed assertion still closes Chromium.
    let steps = tokio::spawn(portal_steps(client.clone(), Arc::clone(&server), base));
    let outcome = steps.await;
    let _ = client.close().await;
    drop(driver);
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
    let server = Arc::try_unwrap(server).ok().expect("the steps are done");
    server.server.shutdown().await.unwrap();
}

async fn portal_steps(client: Client, server: Arc<common::TestServer>, base: String) {
    // Not logged in: the portal sends to the login page.
    client.goto(&format!("{base}/portal")).await.unwrap();
    assert_eq!(path(&client).await, portal::LOGIN_PATH);
    assert!(client.title().await.unwrap().contains("ログイン"));

    // Log in.
    log_in(&client, &base, PASSWORD).await;
    text(&client, "#issue").await;
    assert_eq!(path(&client).await, portal::CODES_PATH);
    // The session cookie is HttpOnly: scripts cannot read it.
    let cookies = client
        .execute("return document.cookie;", vec![])
        .await
        .unwrap();
    assert_eq!(cookies, json!(""));

    // Issue a code: test type confirmed, symptom onset two days ago.
    let select = client.find(Locator::Css("#test_type")).await.unwrap();
    select.select_by_value("confirmed").await.unwrap();
    client
        .execute(
            "document.getElementById('symptom_date').value = arguments[0];",
            vec![json!("2026-11-18")],
        )
        .await
        .unwrap();
    submit(&client, "#issue").await;

    // See the code, large, with its expiry.
    let code = text(&client, "#issued-code").await;
    assert_eq!(code.len(), 8, "{code}");
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
    let expires = text(&client, "#expires-at").await;
    assert_eq!(expires, "2026-11-20 21:15 JST");
    let font_size = client
        .find(Locator::Css("#issued-code"))
        .await
        .unwrap()
        .css_value("font-size")
        .await
        .unwrap();
    let pixels: f64 = font_size.trim_end_matches("px").parse().unwrap();
    assert!(pixels >= 40.0, "the code is shown large: {font_size}");

    // Statistics show one code issued today.
    submit(&client, "#nav-stats").await;
    let issued = text(&client, "tr[data-day=\"2026-11-20\"] td.codes-issued").await;
    assert_eq!(issued, "1");

    // The code is real: a phone can trade it.
    let (status, _) = server.verify(&code).await;
    assert_eq!(status, 200);

    // Log out, then a wrong password is refused.
    submit(&client, "#logout").await;
    text(&client, "#login").await;
    assert_eq!(path(&client).await, portal::LOGIN_PATH);
    log_in(&client, &base, "not-the-password").await;
    let refusal = text(&client, "#login-error").await;
    assert!(refusal.contains("ログインできませんでした"), "{refusal}");
    client
        .goto(&format!("{base}{}", portal::STATS_PATH))
        .await
        .unwrap();
    assert_eq!(path(&client).await, portal::LOGIN_PATH, "not logged in");

    // Logged in again, a POST without the CSRF token is refused and issues nothing.
    log_in(&client, &base, PASSWORD).await;
    text(&client, "#issue").await;
    client
        .execute(
            "document.querySelector('form[action=\"/portal/codes\"] input[name=csrf]').remove();",
            vec![],
        )
        .await
        .unwrap();
    submit(&client, "#issue").await;
    let problem = text(&client, "#problem").await;
    assert!(problem.contains("form token"), "{problem}");
    let days = server.server.services().statistics(1).await.unwrap();
    assert_eq!(days.iter().map(|d| d.codes_issued).sum::<i64>(), 1);
    click(&client, "a[href=\"/portal/login\"]").await;
    text(&client, "#issue").await;
    assert_eq!(path(&client).await, portal::CODES_PATH, "still logged in");
}
