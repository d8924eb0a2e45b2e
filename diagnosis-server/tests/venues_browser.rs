//! The venue pages in a real headless Chromium (through chromedriver, fantoccini): the
//! registration form refuses a bad submission and stores nothing, then registers a venue with
//! two rooms and shows the QR codes, downloads and the trace code; the manager requests a notice
//! with the manager key; staff log in to the portal, approve it, and publish another notice
//! directly with the trace code; the signed feed then holds the entries.
//!
//! Needs Debian's `chromium` and `chromium-driver` (or `MIMAMORI_CHROMIUM` and
//! `MIMAMORI_CHROMEDRIVER`), and fonts-noto-cjk. Without a browser the test prints "skipped" and
//! passes, unless `MIMAMORI_REQUIRE_BROWSER=1` (CI), which makes it fail.

use std::sync::Arc;

use fantoccini::Client;
use mimamori_diagnosis_server::{portal, venues};
use mimamori_venue::{FEED_PATH, KEYS_PATH, NoticeFeed, PublishedVenueKeys, VenuePublicKey};

use crate::common::browser::{click, fill, find, in_chromium, open, path, submit, text};
use crate::common::staff::{STAFF_NAME, STAFF_PASSWORD};
use crate::common::{self, TestServer};

fn registrations(server: &TestServer) -> i64 {
    server.count_rows("venue_registrations")
}

#[tokio::test]
async fn operators_and_staff_use_the_venue_pages_in_headless_chromium() {
    in_chromium(venue_steps).await;
}

async fn select(client: &Client, css: &str, value: &str) {
    find(client, css)
        .await
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

async fn venue_steps(client: Client, server: Arc<TestServer>, base: String) {
    // A submission without consent and with a bad e-mail: refused, values kept, nothing stored.
    open(&client, &base, venues::REGISTER_PAGE_PATH).await;
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
    let kept = find(&client, "#name").await.prop("value").await.unwrap();
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
        find(&client, css).await;
    }
    // Posters are fetched one at a time with the room's QR text (issue 13: a small page).
    let qr_url = find(&client, "form input[name=qrUrl]")
        .await
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    assert!(qr_url.starts_with("https://"), "{qr_url}");
    assert_eq!(registrations(&server), 1);

    // The manager requests a notice with the manager key.
    open(&client, &base, venues::NOTICE_REQUEST_PAGE_PATH).await;
    fill(&client, "#code", &manager_key).await;
    fill_notice(&client, "tokyo_positive_visitor").await;
    submit(&client, "#send-request").await;
    let filed = text(&client, "#filed").await;
    assert!(filed.contains("承認"), "{filed}");

    // Staff: the venue page needs a login.
    open(&client, &base, venues::PORTAL_VENUES_PATH).await;
    assert_eq!(path(&client).await, portal::LOGIN_PATH);
    fill(&client, "#name", STAFF_NAME).await;
    fill(&client, "#password", STAFF_PASSWORD).await;
    submit(&client, "#login").await;
    // Logged in: the portal's header has the logout button.
    text(&client, "#logout").await;
    open(&client, &base, venues::PORTAL_VENUES_PATH).await;
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
    let bytes = common::fetch_bytes(&http, &format!("{base}{FEED_PATH}")).await;
    assert_eq!(NoticeFeed::parse(&bytes, &keys).unwrap().entries().len(), 4);
}
