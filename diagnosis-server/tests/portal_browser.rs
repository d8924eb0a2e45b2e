//! The staff portal in a real headless Chromium, driven through chromedriver (WebDriver) with
//! fantoccini: log in, issue a code, see it, statistics show one issued, a wrong password is
//! refused, a POST without the CSRF token is refused and stores nothing.
//!
//! Needs Debian's `chromium` and `chromium-driver` (or `MIMAMORI_CHROMIUM` and
//! `MIMAMORI_CHROMEDRIVER` pointing at the binaries). Without them the test prints "skipped"
//! and passes, unless `MIMAMORI_REQUIRE_BROWSER=1` (CI), which makes it fail.

use std::sync::Arc;

use fantoccini::Client;
use mimamori_diagnosis_server::portal;
use serde_json::json;

use crate::common::TestServer;
use crate::common::browser::{
    axe_source, check_page, click, fill, find, in_chromium, make_school_listing, open, path,
    submit, text,
};
use crate::common::staff::{STAFF_NAME, STAFF_PASSWORD as PASSWORD};

async fn log_in(client: &Client, base: &str, password: &str) {
    open(client, base, portal::LOGIN_PATH).await;
    fill(client, "#name", STAFF_NAME).await;
    fill(client, "#password", password).await;
    click(client, "#login").await;
}

#[tokio::test]
async fn staff_use_the_portal_in_headless_chromium() {
    in_chromium(portal_steps).await;
}

async fn portal_steps(client: Client, server: Arc<TestServer>, base: String) {
    // Not logged in: the portal sends to the login page.
    open(&client, &base, "/portal").await;
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
    let select = find(&client, "#test_type").await;
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
    let font_size = find(&client, "#issued-code")
        .await
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
    open(&client, &base, portal::STATS_PATH).await;
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

/// Every staff page, and the venue operators' forms, at 360 px and 1280 px: nothing scrolls
/// sideways and axe-core finds no violation; screenshots of each are kept in
/// `target/tmp/portal-screenshots/` (the test's artifacts).
#[tokio::test]
async fn every_portal_page_fits_360_px_and_passes_axe() {
    in_chromium(layout_steps).await;
}

async fn layout_steps(client: Client, _server: Arc<TestServer>, base: String) {
    let axe = axe_source();
    let screenshots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("portal-screenshots");
    std::fs::create_dir_all(&screenshots).unwrap();
    let mut problems = Vec::new();
    let mut check = async |name: &str| {
        problems.extend(check_page(&client, axe.as_deref(), &screenshots, name).await);
    };
    open(&client, &base, portal::LOGIN_PATH).await;
    check("login").await;
    log_in(&client, &base, PASSWORD).await;
    text(&client, "#issue").await;
    check("codes").await;
    let select = find(&client, "#test_type").await;
    select.select_by_value("confirmed").await.unwrap();
    submit(&client, "#issue").await;
    let id = text(&client, "#code-id").await;
    check("issued").await;
    open(&client, &base, &format!("{}?id={id}", portal::STATUS_PATH)).await;
    check("status").await;
    open(&client, &base, portal::STATS_PATH).await;
    check("stats").await;
    open(
        &client,
        &base,
        mimamori_diagnosis_server::venues::PORTAL_VENUES_PATH,
    )
    .await;
    check("venues").await;
    open(
        &client,
        &base,
        mimamori_diagnosis_server::listing_page::LISTING_PATH,
    )
    .await;
    check("listing").await;
    // The listing of a school from a roster: the result's tables at 360 px.
    make_school_listing(
        &client,
        "id,name,group,attendance,criteria,last_contact\n\
         s01,札幌 花子,2-1,2021-01-04,same-class;same-table,\n\
         s02,\"Asahikawa, Taro\",2-1,2020-12-31,,\n",
        "2021-01-01",
        "2021-01-04",
    )
    .await;
    text(&client, "#listed").await;
    check("listing-result").await;
    open(
        &client,
        &base,
        mimamori_diagnosis_server::venues::REGISTER_PAGE_PATH,
    )
    .await;
    check("venue-register").await;
    open(
        &client,
        &base,
        mimamori_diagnosis_server::venues::NOTICE_REQUEST_PAGE_PATH,
    )
    .await;
    check("venue-notice-request").await;

    // A registered venue (the result page with its long QR URLs and codes), a filed request,
    // the pending request with its text, then the published notice.
    open(
        &client,
        &base,
        mimamori_diagnosis_server::venues::REGISTER_PAGE_PATH,
    )
    .await;
    for (css, value) in [("#venueType", "restaurant_bar"), ("#capacity", "11_50")] {
        find(&client, css)
            .await
            .select_by_value(value)
            .await
            .unwrap();
    }
    for (css, value) in [
        ("#name", "喫茶みまもり 駅前本店 Kissa Mimamori Ekimae"),
        ("#postalCode", "020-8570"),
        ("#address1", "岩手県盛岡市内丸10番1号"),
        ("#phone", "019-629-5487"),
        ("#email", "owner@example.jp"),
        ("#rooms", "1階 カウンター席\n2階 大宴会場"),
    ] {
        fill(&client, css, value).await;
    }
    click(&client, "#consent").await;
    submit(&client, "#submit").await;
    let manager_key = text(&client, "#manager-key").await;
    check("venue-registered").await;
    open(
        &client,
        &base,
        mimamori_diagnosis_server::venues::NOTICE_REQUEST_PAGE_PATH,
    )
    .await;
    fill(&client, "#code", &manager_key).await;
    find(&client, "#template")
        .await
        .select_by_value("tokyo_cluster")
        .await
        .unwrap();
    fill(&client, "#date", "2026-11-20").await;
    fill(&client, "#from_hour", "18").await;
    fill(&client, "#to_hour", "20").await;
    submit(&client, "#send-request").await;
    text(&client, "#filed").await;
    check("venue-request-filed").await;
    open(
        &client,
        &base,
        mimamori_diagnosis_server::venues::PORTAL_VENUES_PATH,
    )
    .await;
    check("venues-pending").await;
    submit(&client, "button[name=decision][value=approve]").await;
    text(&client, "#published").await;
    check("venues-published").await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
