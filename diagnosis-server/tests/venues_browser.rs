#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The venue pages in a real headless Chromium (through chromedriver, fantoccini): the
//! registration form refuses a bad submission and stores nothing, then registers a venue with
//! two rooms and shows the QR codes, downloads and the trace code; the manager requests a notice
//! with the manager key; staff log in to the portal, approve it, and publish another notice
//! directly with the trace code; the signed feed then holds the entries.
//!
//! Needs Debian's `chromium` and `chromium-driver` (or `MIMAMORI_CHROMIUM` and
//! `MIMAMORI_CHROMEDRIVER`), and fonts-noto-cjk. Without a browser the test prints "skipped" and
//! passes, unless `MIMAMORI_REQUIRE_BROWSER=1` (CI), which makes it fail.

#[allow(dead_code)]
#[path = "common/browser.rs"]
mod browser;
mod common;

use std::sync::Arc;

use browser::{CHROMIUM_FLAGS, click, fill, find_binary, path, start_driver, submit, text};
use fantoccini::{Client, ClientBuilder, Locator};
use mimamori_diagnosis_server::{portal, venues};
use mimamori_venue::{FEED_PATH, KEYS_PATH, NoticeFeed, PublishedVenueKeys, VenuePublicKey};
use serde_json::json;

const PASSWORD: &str = "sakura-hokenjo-2026";

fn registrations(server: &common::TestServer) -> i64 {
    let connection =
        rusqlite::Connection::open(server.directory.path().join("diagnosis.sqlite3")).unwrap();
    connection
        .query_row("SELECT COUNT(*) FROM venue_registrations", [], |row| {
            row.get(0)
        })
        .unwrap()
}

#[tokio::test]
async fn operators_and_staff_use_the_venue_pages_in_headless_chromium() {
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

    let steps = tokio::spawn(venue_steps(client.clone(), Arc::clone(&server), base));
    let outcome = steps.await;
    let _ = client.close().await;
    drop(driver);
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
    let server = Arc::try_unwrap(server).ok().expect("the steps are done");
    server.server.shutdown().await.unwrap();
}

async fn select(client: &Client, css: &str, value: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

async fn fill_notice(client: &Client, template: &str) {
    select(client, "#template", template).await;
    fill(client, "#date", "2026-11-20").await;
    fill(client, "#from_hour", "18").await;
    fill(client, "#to_hour", "20").await;
}

async fn venue_steps(client: Client, server: Arc<common::TestServer>, base: String) {
    // A submission without consent and with a bad e-mail: refused, values kept, nothing stored.
    client
        .goto(&format!("{base}{}", venues::REGISTER_PAGE_PATH))
        .await
        .unwrap();
    assert!(
        client
            .title()
            .await
            .unwrap()
            .contains("QRコード発行フォーム")
    );
    select(&client, "#venueType", "restaurant_bar").await;
    select(&client, "#capacity", "11_50").await;
    fill(&client, "#name", "喫茶みまもり").await;
    fill(&client, "#postalCode", "020-8570").await;
    fill(&client, "#address1", "岩手県盛岡市内丸10番1号").await;
    fill(&client, "#phone", "019-629-5487").await;
    fill(&client, "#email", "owner-at-example.jp").await;
    fill(&client, "#rooms", "1階\n2階").await;
    submit(&client, "#submit").await;
    let problems = text(&client, "#problems").await;
    assert!(problems.contains("メールアドレス"), "{problems}");
    assert!(problems.contains("terms of use"), "{problems}");
    let kept = client
        .find(Locator::Css("#name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("喫茶みまもり"));
    assert_eq!(registrations(&server), 0, "a refused form stores nothing");

    // Corrected and agreed: registered, with two rooms' QR codes and the documents.
    fill(&client, "#email", "owner@example.jp").await;
    click(&client, "#consent").await;
    submit(&client, "#submit").await;
    let done = text(&client, "#done").await;
    assert!(done.contains("喫茶みまもり"), "{done}");
    let trace_code = text(&client, "#trace-code").await;
    assert_eq!(trace_code.len(), 19, "{trace_code}");
    let manager_key = text(&client, "#manager-key").await;
    for css in [
        "#poster-1",
        "#poster-2",
        "#png-2",
        "#svg-2",
        "#leaflet",
        "#operator-copy",
    ] {
        client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("{css} missing"));
    }
    // Posters are fetched one at a time with the room's QR text (issue 13: a small page).
    let qr_url = client
        .find(Locator::Css("form input[name=qrUrl]"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    assert!(qr_url.starts_with("https://"), "{qr_url}");
    assert_eq!(registrations(&server), 1);

    // The manager requests a notice with the manager key.
    client
        .goto(&format!("{base}{}", venues::NOTICE_REQUEST_PAGE_PATH))
        .await
        .unwrap();
    fill(&client, "#code", &manager_key).await;
    fill_notice(&client, "tokyo_positive_visitor").await;
    submit(&client, "#send-request").await;
    let filed = text(&client, "#filed").await;
    assert!(filed.contains("承認"), "{filed}");

    // Staff: the venue page needs a login.
    client
        .goto(&format!("{base}{}", venues::PORTAL_VENUES_PATH))
        .await
        .unwrap();
    assert_eq!(path(&client).await, portal::LOGIN_PATH);
    fill(&client, "#name", "tanaka").await;
    fill(&client, "#password", PASSWORD).await;
    submit(&client, "#login").await;
    // Logged in: the portal's header has the logout button.
    text(&client, "#logout").await;
    client
        .goto(&format!("{base}{}", venues::PORTAL_VENUES_PATH))
        .await
        .unwrap();
    let page = text(&client, "main").await;
    assert!(page.contains("喫茶みまもり"), "{page}");
    submit(&client, "button[name=decision][value=approve]").await;
    let outcome = text(&client, "#outcome").await;
    assert!(outcome.contains("承認"), "{outcome}");
    text(&client, "#no-requests").await;

    // Directly with a wrong trace code: refused; with the right one: published.
    fill(&client, "#trace_code", "ABCD-EFGH-JKMN-PQRS").await;
    fill_notice(&client, "tokyo_cluster").await;
    submit(&client, "#publish").await;
    let refused = text(&client, "#outcome").await;
    assert!(refused.contains("nothing was changed"), "{refused}");
    fill(&client, "#trace_code", &trace_code).await;
    fill_notice(&client, "tokyo_cluster").await;
    submit(&client, "#publish").await;
    let published = text(&client, "#outcome").await;
    assert!(published.contains("公開しました"), "{published}");

    // The signed feed holds both notices for both rooms.
    let http = reqwest::Client::new();
    let keys: PublishedVenueKeys = common::json_from(http.get(format!("{base}{KEYS_PATH}"))).await;
    let keys: Vec<VenuePublicKey> = keys
        .feed_keys
        .iter()
        .map(|pem| VenuePublicKey::parse(pem).unwrap())
        .collect();
    let bytes = http
        .get(format!("{base}{FEED_PATH}"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(NoticeFeed::parse(&bytes, &keys).unwrap().entries().len(), 4);
}
