//! The residents' check-in page at `/v/` in a real headless Chromium (through chromedriver,
//! fantoccini), under the page's own CSP: a registered room's QR URL opens the page, which
//! verifies the payload in the fragment with the server's published keys and shows the venue
//! and room, and asks consent (declined: nothing recorded); a tampered payload, a truncated
//! one, one signed by another key and a URL without a fragment each show a clear message and no
//! venue. The whole flow from a poster to a notice is `checkin_flow`.
//!
//! Needs Debian's `chromium` and `chromium-driver`, and fonts-noto-cjk (for the registration's
//! PDFs). Without a browser the test prints "skipped" and passes, unless
//! `MIMAMORI_REQUIRE_BROWSER=1` (CI), which makes it fail.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use fantoccini::{Client, Locator};
use mimamori_environment::SeededRandom;
use mimamori_venue::{VenuePayload, VenueSeed, VenueSigningKey, VenueType};
use serde_json::json;

use crate::common::TestServer;
use crate::common::browser::{click, in_chromium, open, text};

#[tokio::test]
async fn a_scanned_qr_url_opens_the_check_in_page_which_verifies_it() {
    in_chromium(check_in_steps).await;
}

/// Opens `/v/#<fragment>` from a blank page (so the page loads afresh) and waits until it has
/// decided: the status text, and whether the venue is shown.
async fn open_fragment(client: &Client, base: &str, fragment: &str) -> (String, bool) {
    client.goto("about:blank").await.unwrap();
    open(client, base, &format!("/v/#{fragment}")).await;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#status.error, #venue:not([hidden])"))
        .await
        .expect("the page decides within 20 s");
    let status = text(client, "#status").await;
    let shown = client
        .find(Locator::Css("#venue:not([hidden])"))
        .await
        .is_ok();
    (status, shown)
}

async fn check_in_steps(client: Client, server: Arc<TestServer>, base: String) {
    let form = json!({
        "venueType": "restaurant_bar",
        "capacity": "11_50",
        "name": "居酒屋もしサポ",
        "postalCode": "020-8570",
        "address1": "岩手県盛岡市内丸10番1号",
        "address2": "",
        "phone": "019-629-5487",
        "email": "owner@example.jp",
        "consent": true,
        "optIn": false,
        "rooms": ["1階", "2階 大宴会場"],
        "defaultStayMinutes": 90
    });
    let (status, body) = server.post("/venues/v1/registrations", &form).await;
    assert_eq!(status, 201, "{body}");
    let url = body["rooms"][1]["qrUrl"].as_str().unwrap();
    let fragment = url.split_once('#').unwrap().1;

    let (status, shown) = open_fragment(&client, &base, fragment).await;
    assert!(shown, "{status}");
    assert!(status.contains("QRコードを確認しました"), "{status}");
    assert_eq!(text(&client, "#venue-name").await, "居酒屋もしサポ");
    assert_eq!(text(&client, "#venue-room").await, "2階 大宴会場");
    assert!(text(&client, "#venue-stay").await.contains("90"));
    assert_eq!(
        text(&client, "#key-fingerprint").await.len(),
        19,
        "four groups of four"
    );

    // Consent is asked at the first check-in; declined, nothing is recorded.
    click(&client, "#consent-no").await;
    let declined = text(&client, "#status").await;
    assert!(
        declined.contains("同意されなかったため、記録しませんでした"),
        "{declined}"
    );
    let visits = client
        .execute(
            "return document.querySelectorAll('#visits li').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(visits, 0);
    assert!(
        client
            .find(Locator::Css(
                "#check-in:not([hidden]), #consent:not([hidden])"
            ))
            .await
            .is_err()
    );

    // One byte of the venue name changed: the signature no longer verifies.
    let mut signed = BASE64URL.decode(fragment).unwrap();
    let name = "居酒屋もしサポ".as_bytes();
    let at = signed
        .windows(name.len())
        .position(|window| window == name)
        .unwrap();
    signed[at + 2] ^= 0x01;
    let (status, shown) = open_fragment(&client, &base, &BASE64URL.encode(&signed)).await;
    assert!(!shown);
    assert!(
        status.contains("保健所が発行したものと確認できません"),
        "{status}"
    );

    // Cut short: not a venue code at all.
    let (status, shown) = open_fragment(&client, &base, &fragment[..fragment.len() - 10]).await;
    assert!(!shown);
    assert!(status.contains("このQRコードは読み取れません"), "{status}");

    // A well-formed code signed by a key that is not the authority's.
    let mut random = SeededRandom::new(16);
    let other = VenueSigningKey::generate(&mut random, "other", "v1").unwrap();
    let forged = VenuePayload::new(
        VenueType::Nightlife,
        60,
        VenueSeed::generate(&mut random),
        "偽の店",
        "",
        "",
    )
    .unwrap()
    .sign(&other, "localhost")
    .unwrap()
    .url();
    let (status, shown) = open_fragment(&client, &base, forged.split_once('#').unwrap().1).await;
    assert!(!shown);
    assert!(status.contains("確認できません"), "{status}");

    // No fragment: the page says to scan the poster.
    client.goto("about:blank").await.unwrap();
    open(&client, &base, "/v/").await;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#status.error"))
        .await
        .unwrap();
    assert!(
        text(&client, "#status")
            .await
            .contains("QRコードの情報がありません")
    );
}
