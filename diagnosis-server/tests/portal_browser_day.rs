//! A staff member's whole day from the portal alone, in a real headless Chromium (issue 17's
//! "done when"): log in, issue a code and print its slip, check it; a phone uploads with that
//! code over the HTTP API; 今すぐエクスポート exports the upload and the statistics count it; a
//! venue's notice request, filed over the venue API, is approved and listed as published; a
//! school's contact listing is made. Every time shown is in Japan time (the default staff
//! zone).
//!
//! Needs Chromium and chromedriver like `portal_browser`; without them it prints "skipped"
//! and passes, unless `MIMAMORI_REQUIRE_BROWSER=1`, which makes it fail.

use std::sync::Arc;

use fantoccini::Client;
use mimamori_diagnosis_server::{listing_page, portal, venues};
use serde_json::json;

use crate::common::browser::{
    click, fill, find, in_chromium, make_school_listing, open, path, submit, text,
};
use crate::common::staff::{STAFF_NAME, STAFF_PASSWORD};
use crate::common::{self, TestServer};

#[tokio::test]
async fn a_staff_members_day_in_the_portal_in_headless_chromium() {
    in_chromium(day_steps).await;
}

/// The texts of the main menu's links.
async fn menu(client: &Client) -> Vec<String> {
    let texts = client
        .execute(
            "return Array.from(document.querySelectorAll('header nav a')).map(a => a.textContent);",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(texts).unwrap()
}

/// The value of the field `css`.
async fn value(client: &Client, css: &str) -> String {
    find(client, css)
        .await
        .attr("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn day_steps(client: Client, server: Arc<TestServer>, base: String) {
    // Overnight a venue registered and asked for a notice (its own API, no staff involved).
    let venue = json!({
        "venueType": "restaurant_bar",
        "capacity": "11_50",
        "name": "居酒屋もしサポ",
        "postalCode": "020-8570",
        "address1": "岩手県盛岡市内丸10番1号",
        "phone": "019-629-5487",
        "email": "owner@example.jp",
        "consent": true,
        "rooms": ["1階", "2階 大宴会場"],
    });
    let (status, registered) = server.post("/venues/v1/registrations", &venue).await;
    assert_eq!(status, 201, "{registered}");
    let request = json!({
        "managerKey": registered["managerKey"],
        "template": "tokyo_cluster",
        "date": "2026-11-20",
        "fromHour": 18,
        "toHour": 20,
        "rooms": ["2階 大宴会場"],
    });
    let (status, filed) = server.post("/venues/v1/notice-requests", &request).await;
    assert_eq!(status, 202, "{filed}");

    // Log in: the codes page, with the one menu.
    open(&client, &base, portal::LOGIN_PATH).await;
    fill(&client, "#name", STAFF_NAME).await;
    fill(&client, "#password", STAFF_PASSWORD).await;
    click(&client, "#login").await;
    text(&client, "#issue").await;
    assert_eq!(path(&client).await, portal::CODES_PATH);
    assert_eq!(
        menu(&client).await,
        [
            "処理番号の発行・確認 Issue and check codes",
            "統計 Statistics",
            "店舗・施設のお知らせ Venue notices",
            "接触者リスト Contact listing",
        ]
    );
    assert!(text(&client, "#logout").await.contains("ログアウト"));

    // Issue a code for a confirmed case, onset two days ago; its expiry is in JST.
    find(&client, "#test_type")
        .await
        .select_by_value("confirmed")
        .await
        .unwrap();
    client
        .execute(
            "document.getElementById('symptom_date').value = '2026-11-18';",
            vec![],
        )
        .await
        .unwrap();
    submit(&client, "#issue").await;
    let code = text(&client, "#issued-code").await;
    assert_eq!(code.len(), 8, "{code}");
    assert_eq!(text(&client, "#expires-at").await, "2026-11-20 21:15 JST");
    let id = text(&client, "#code-id").await;

    // Print its slip: the issued page's slip form, sent with this browser's session, gives a
    // PDF (Chromium would download it; the test reads it instead).
    let mut form = Vec::new();
    for name in ["csrf", "id", "code", "slip"] {
        let field = format!("#slip-form input[name={name}]");
        form.push((name, value(&client, &field).await));
    }
    assert_eq!(form[2].1, code);
    let cookies: Vec<String> = client
        .get_all_cookies()
        .await
        .unwrap()
        .iter()
        .map(|cookie| format!("{}={}", cookie.name(), cookie.value()))
        .collect();
    let slip = server
        .client
        .post(format!("{base}{}", portal::SLIP_PATH))
        .header("cookie", cookies.join("; "))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(slip.status().as_u16(), 200);
    assert_eq!(slip.headers()["content-type"], "application/pdf");
    assert!(slip.bytes().await.unwrap().starts_with(b"%PDF"));

    // Check it from the same menu entry: valid, issued by this member of staff, in JST.
    submit(&client, "#nav-codes").await;
    fill(&client, "#id", &id).await;
    submit(&client, "#check").await;
    assert_eq!(
        find(&client, "#state")
            .await
            .attr("data-state")
            .await
            .unwrap()
            .as_deref(),
        Some("valid")
    );
    assert_eq!(text(&client, "#issued-by").await, STAFF_NAME);
    assert!(
        text(&client, "main table")
            .await
            .contains("2026-11-20 21:00 JST")
    );

    // The person's phone uploads with the code over the HTTP API; the code is then used.
    let (status, published) = server
        .upload_with_code(&code, vec![common::key(1, common::TODAY - 144)])
        .await;
    assert_eq!(status, 200, "{published:?}");
    client.refresh().await.unwrap();
    assert_eq!(
        find(&client, "#state")
            .await
            .attr("data-state")
            .await
            .unwrap()
            .as_deref(),
        Some("redeemed")
    );

    // Export now from the statistics page: the run is reported and counted on today (JST).
    submit(&client, "#nav-stats").await;
    assert_eq!(
        text(&client, "tr[data-day=\"2026-11-20\"] td.export-files").await,
        "0"
    );
    submit(&client, "#export").await;
    let outcome = text(&client, "#export-outcome").await;
    assert!(
        outcome.contains("配布ファイルを1件作りました（鍵1件"),
        "{outcome}"
    );
    assert_eq!(
        text(&client, "tr[data-day=\"2026-11-20\"] td.codes-issued").await,
        "1"
    );
    assert_eq!(
        text(&client, "tr[data-day=\"2026-11-20\"] td.export-files").await,
        "1"
    );
    let (status, index) = server.get_bytes("/exports/JP/index.txt").await;
    assert_eq!(status, 200);
    assert_eq!(String::from_utf8(index).unwrap().lines().count(), 1);

    // Approve the venue's pending notice: it is then listed as published, at 21:00 JST.
    submit(&client, "#nav-venues").await;
    let pending = text(&client, "form.request").await;
    assert!(pending.contains("居酒屋もしサポ"), "{pending}");
    assert!(pending.contains("2026-11-20 18時〜20時"), "{pending}");
    submit(&client, "button[name=decision][value=approve]").await;
    let listed = text(&client, "#published").await;
    assert!(listed.contains("居酒屋もしサポ"), "{listed}");
    assert_eq!(
        text(&client, "#published dd.published-at").await,
        "2026-11-20 21:00 JST"
    );
    assert!(
        text(&client, "#published dd.published-by")
            .await
            .starts_with(STAFF_NAME)
    );
    assert_eq!(path(&client).await, venues::PORTAL_DECIDE_PATH);

    // A school's contact listing from its roster: the classmate is listed, the other not.
    submit(&client, "#nav-listing").await;
    assert_eq!(path(&client).await, listing_page::LISTING_PATH);
    make_school_listing(
        &client,
        "id,name,group,attendance,criteria,last_contact\n\
         s01,盛岡 花子,2-1,2026-11-19,same-class;same-table,\n\
         s02,\"Hanamaki, Taro\",3-2,2026-11-16,,\n",
        "2026-11-18",
        "2026-11-20",
    )
    .await;
    if let Ok(error) = client.find(fantoccini::Locator::Css("#error")).await {
        panic!("the listing was refused: {}", error.text().await.unwrap());
    }
    let listed = text(&client, "#listed").await;
    assert!(listed.contains("盛岡 花子"), "{listed}");
    assert!(!listed.contains("Hanamaki"), "{listed}");

    // The day ends: log out.
    submit(&client, "#logout").await;
    text(&client, "#login").await;
    assert_eq!(path(&client).await, portal::LOGIN_PATH);
}
