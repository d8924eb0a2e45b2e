//! Venue check-ins over real HTTP: registration (valid; every bad field refused with a clear
//! message and nothing stored; the database alone reveals nothing), the poster's QR rendered
//! with pdftoppm and decoded with zbarimg back to the exact payload, notice requests (manager
//! key, staff keyword) approved by the authority, direct publication with the trace code, a
//! wrong trace code refused with nothing changed, and the feed's signature; the cross-tests
//! with the check-in page's JavaScript in node, in both directions.
//!
//! Needs fonts-noto-cjk, poppler-utils and zbar-tools (scripts/test installs them).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use mimamori_venue::{
    FEED_PATH, KEYS_PATH, NoticeFeed, PublishedVenueKeys, VenuePublicKey, VenueQr, Visit,
    match_visits,
};
use serde_json::{Value, json};

use crate::common::{self, START, TestServer, start};

fn form() -> Value {
    json!({
        "venueType": "restaurant_bar",
        "capacity": "11_50",
        "name": "居酒屋もしサポ",
        "postalCode": "020-8570",
        "address1": "岩手県盛岡市内丸10番1号",
        "address2": "みまもりビル2階",
        "phone": "019-629-5487",
        "email": "owner@example.jp",
        "consent": true,
        "optIn": true,
        "rooms": ["1階", "2階 大宴会場"],
        "defaultStayMinutes": 90
    })
}

async fn keys(server: &TestServer) -> Vec<VenuePublicKey> {
    let published: PublishedVenueKeys =
        common::json_from(server.client.get(server.url(KEYS_PATH))).await;
    published
        .qr_keys
        .iter()
        .map(|pem| VenuePublicKey::parse(pem).unwrap())
        .collect()
}

async fn feed_bytes(server: &TestServer) -> Vec<u8> {
    let response = server.get(FEED_PATH).await;
    assert_eq!(response.status().as_u16(), 200);
    response.bytes().await.unwrap().to_vec()
}

async fn feed(server: &TestServer) -> NoticeFeed {
    let bytes = feed_bytes(server).await;
    NoticeFeed::parse(&bytes, &keys(server).await).unwrap()
}

async fn register(server: &TestServer) -> Value {
    let (status, body) = server.post("/venues/v1/registrations", &form()).await;
    assert_eq!(status, 201, "{body}");
    body
}

fn run(program: &str, args: &[&str]) -> Vec<u8> {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("{program}: {error}; install poppler-utils and zbar-tools"));
    assert!(
        output.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[tokio::test]
async fn registration_returns_signed_qrs_posters_and_documents_and_stores_only_sealed_records() {
    let server = start().await;
    let body = register(&server).await;
    let public_keys = keys(&server).await;
    let rooms = body["rooms"].as_array().unwrap();
    assert_eq!(rooms.len(), 2, "one QR per room");
    let trace_code = body["traceCode"].as_str().unwrap();
    assert_eq!(trace_code.len(), 19, "XXXX-XXXX-XXXX-XXXX");

    let dir = tempfile::tempdir().unwrap();
    for (index, room) in rooms.iter().enumerate() {
        let url = room["qrUrl"].as_str().unwrap();
        let qr = VenueQr::parse(url, &public_keys).unwrap();
        assert_eq!(qr.payload().name(), "居酒屋もしサポ");
        assert_eq!(qr.payload().room(), ["1階", "2階 大宴会場"][index]);
        assert_eq!(qr.payload().default_stay_minutes(), 90);
        assert!(url.starts_with("https://localhost/v/#"));
        assert!(server.room_file(url, "png").await.starts_with(b"\x89PNG"));
        let svg = server.room_file(url, "svg").await;
        assert!(String::from_utf8(svg).unwrap().contains("<svg"));

        // The poster's QR, printed and scanned, is exactly the payload URL.
        let poster = dir.path().join(format!("poster-{index}.pdf"));
        std::fs::write(&poster, server.room_file(url, "pdf").await).unwrap();
        let prefix = dir.path().join(format!("poster-{index}"));
        run(
            "pdftoppm",
            &[
                "-r",
                "150",
                "-gray",
                "-png",
                "-singlefile",
                poster.to_str().unwrap(),
                prefix.to_str().unwrap(),
            ],
        );
        let decoded = run(
            "zbarimg",
            &[
                "--raw",
                "-q",
                // QR codes only: other symbologies can misread the poster's text as a barcode.
                "-Sdisable",
                "-Sqrcode.enable",
                "-Sbinary",
                &format!("{}.png", prefix.display()),
            ],
        );
        assert_eq!(
            String::from_utf8(decoded).unwrap().trim_end_matches('\n'),
            url
        );
        let text = String::from_utf8(run("pdftotext", &[poster.to_str().unwrap(), "-"])).unwrap();
        assert!(text.contains("来店のたびに読み取ってください"));
        assert!(
            !text.contains(trace_code),
            "the poster never shows the trace code"
        );
    }
    let copy = dir.path().join("copy.pdf");
    std::fs::write(
        &copy,
        BASE64
            .decode(body["operatorCopyPdf"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    let copy_text = String::from_utf8(run("pdftotext", &[copy.to_str().unwrap(), "-"])).unwrap();
    assert!(copy_text.contains(trace_code));
    assert!(
        BASE64
            .decode(body["leafletPdf"].as_str().unwrap())
            .unwrap()
            .starts_with(b"%PDF-")
    );

    // The database alone reveals nothing: no name, address, phone, e-mail, QR payload or code.
    assert_eq!(server.count_rows("venue_registrations"), 1);
    let dump = std::fs::read(server.directory.path().join("diagnosis.sqlite3")).unwrap();
    let wal =
        std::fs::read(server.directory.path().join("diagnosis.sqlite3-wal")).unwrap_or_default();
    let url = rooms[0]["qrUrl"].as_str().unwrap();
    let fragment = url.split_once('#').unwrap().1;
    for secret in [
        "居酒屋もしサポ",
        "owner@example.jp",
        "019-629-5487",
        "内丸10番1号",
        &fragment[..40],
        trace_code,
        &trace_code.replace('-', ""),
    ] {
        for bytes in [&dump, &wal] {
            assert!(
                !bytes
                    .windows(secret.len())
                    .any(|window| window == secret.as_bytes()),
                "the database holds {secret:?} in the clear"
            );
        }
    }
}

#[tokio::test]
async fn every_missing_or_invalid_field_is_refused_clearly_and_nothing_is_stored() {
    let server = start().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("venueType", json!(""), "business type"),
        ("venueType", json!("casino"), "business type"),
        ("capacity", json!(""), "capacity"),
        ("name", json!(""), "name"),
        ("name", json!("x".repeat(101)), "at most 100"),
        ("postalCode", json!("123"), "postal code"),
        ("address1", json!(""), "address line 1"),
        ("address2", json!("y".repeat(91)), "Address line 2"),
        ("phone", json!("090"), "phone number"),
        ("phone", json!("phone me"), "phone number"),
        ("email", json!("owner.example.jp"), "e-mail"),
        ("email", json!(""), "e-mail"),
        ("consent", json!(false), "terms of use"),
        ("defaultStayMinutes", json!(0), "1 to 1440"),
        ("rooms", json!(["A", "A"]), "same label"),
        ("rooms", json!(["z".repeat(51)]), "at most 50 characters"),
    ];
    for (field, value, message) in cases {
        let mut body = form();
        body[field] = value;
        let (status, answer) = server.post("/venues/v1/registrations", &body).await;
        assert_eq!(status, 400, "{field}: {answer}");
        assert_eq!(answer["code"], "invalid_registration");
        let problems = answer["problems"].as_array().unwrap();
        assert!(
            problems.iter().any(|p| p["field"] == field),
            "{field} not named: {answer}"
        );
        assert!(
            answer["error"].as_str().unwrap().contains(message),
            "{field}: {answer}"
        );
    }
    // A missing field (absent from the JSON) is refused the same way.
    let mut body = form();
    body.as_object_mut().unwrap().remove("email");
    let (status, answer) = server.post("/venues/v1/registrations", &body).await;
    assert_eq!(status, 400);
    assert!(
        answer["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["field"] == "email")
    );
    // Not JSON at all.
    let response = server
        .client
        .post(server.url("/venues/v1/registrations"))
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(
        server.count_rows("venue_registrations"),
        0,
        "nothing was stored"
    );
}

fn notice(template: &str, date: &str, from: u8, to: u8) -> Value {
    json!({"template": template, "date": date, "fromHour": from, "toHour": to})
}

/// A phone that scanned room `index` of `body` and stayed from `arrived` to `left`.
async fn visit(server: &TestServer, body: &Value, index: usize, arrived: u64, left: u64) -> Visit {
    let url = body["rooms"][index]["qrUrl"].as_str().unwrap();
    let qr = VenueQr::parse(url, &keys(server).await).unwrap();
    Visit::new("visit", qr, arrived, left).unwrap()
}

/// 2026-11-20 19:00 JST (START is 21:00 JST that day).
const SEVEN_PM_JST: u64 = START - 2 * 3600;

#[tokio::test]
async fn a_managers_request_is_published_only_after_the_authority_approves_it() {
    let server = start().await;
    let body = register(&server).await;
    let manager_key = body["managerKey"].as_str().unwrap();
    let mut request = notice("tokyo_positive_visitor", "2026-11-20", 18, 20);
    request["managerKey"] = json!(manager_key);
    let (status, filed) = server.post("/venues/v1/notice-requests", &request).await;
    assert_eq!(status, 202, "{filed}");
    let id = filed["requestId"].as_str().unwrap().to_owned();

    // Pending: nothing in the feed yet.
    assert!(feed(&server).await.entries().is_empty());
    let (status, pending) = server
        .authority_get("/api/v1/authority/venues/notice-requests")
        .await;
    assert_eq!(status, 200);
    let requests = pending["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["venueName"], "居酒屋もしサポ");
    assert_eq!(requests[0]["requestedBy"], "manager");

    // Without an API key the authority routes refuse.
    let (status, _) = server
        .post(
            &format!("/api/v1/authority/venues/notice-requests/{id}/approve"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 401);
    assert!(feed(&server).await.entries().is_empty());

    let (status, _) = server
        .authority_post(
            &format!("/api/v1/authority/venues/notice-requests/{id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let published = feed(&server).await;
    assert_eq!(published.entries().len(), 2, "one entry per room");

    // A visitor of room 1 at 19:00-20:00 JST is notified; one who came the day before is not.
    let visitor = visit(&server, &body, 0, SEVEN_PM_JST, SEVEN_PM_JST + 3600).await;
    let report = match_visits(&[visitor], &published);
    assert_eq!(report.matches.len(), 1);
    let text = report.matches[0].render(mimamori_venue::Language::Japanese);
    assert!(text.contains("居酒屋もしサポ"), "{text}");
    assert!(text.contains("019-629-5487"), "{text}");
    let day_before = visit(
        &server,
        &body,
        0,
        SEVEN_PM_JST - 86_400,
        SEVEN_PM_JST - 86_400 + 3600,
    )
    .await;
    assert!(match_visits(&[day_before], &published).matches.is_empty());

    // Deciding again: no pending request.
    let (status, _) = server
        .authority_post(
            &format!("/api/v1/authority/venues/notice-requests/{id}/reject"),
            json!({}),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn staff_request_with_a_one_time_keyword_and_rejection_publishes_nothing() {
    let server = start().await;
    let body = register(&server).await;
    let (status, keyword) = server
        .post(
            "/venues/v1/keywords",
            &json!({"managerKey": body["managerKey"]}),
        )
        .await;
    assert_eq!(status, 201, "{keyword}");
    let keyword = keyword["keyword"].as_str().unwrap().to_owned();

    let mut request = notice("iwate_same_day", "2026-11-20", 0, 24);
    request["wholeDay"] = json!(true);
    request["rooms"] = json!(["2階 大宴会場"]);
    request["keyword"] = json!(keyword);
    let (status, filed) = server.post("/venues/v1/notice-requests", &request).await;
    assert_eq!(status, 202, "{filed}");
    // The keyword works once.
    let (status, again) = server.post("/venues/v1/notice-requests", &request).await;
    assert_eq!(status, 404, "{again}");
    assert_eq!(again["code"], "unknown_code");

    let (_, pending) = server
        .authority_get("/api/v1/authority/venues/notice-requests")
        .await;
    assert_eq!(pending["requests"][0]["requestedBy"], "staff");
    let id = filed["requestId"].as_str().unwrap();
    let (status, _) = server
        .authority_post(
            &format!("/api/v1/authority/venues/notice-requests/{id}/reject"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        feed(&server).await.entries().is_empty(),
        "a rejected request publishes nothing"
    );

    // A made-up manager key gets no keyword.
    let (status, answer) = server
        .post(
            "/venues/v1/keywords",
            &json!({"managerKey": "0000-0000-0000-0000"}),
        )
        .await;
    assert_eq!(status, 404, "{answer}");
}

#[tokio::test]
async fn the_authority_publishes_directly_with_the_trace_code_and_a_wrong_code_changes_nothing() {
    let server = start().await;
    let body = register(&server).await;
    let trace_code = body["traceCode"].as_str().unwrap();

    // Wrong trace code (well-formed) and malformed one: refused, feed unchanged.
    let before = feed(&server).await;
    for wrong in ["ABCD-EFGH-JKMN-PQRS", "not a code"] {
        let mut request = notice("tokyo_cluster", "2026-11-20", 18, 20);
        request["traceCode"] = json!(wrong);
        let (status, answer) = server
            .authority_post("/api/v1/authority/venues/notices", request)
            .await;
        assert_eq!(status, 404, "{answer}");
        assert_eq!(answer["code"], "unknown_code");
    }
    // The manager key is not a trace code either.
    let mut request = notice("tokyo_cluster", "2026-11-20", 18, 20);
    request["traceCode"] = body["managerKey"].clone();
    let (status, _) = server
        .authority_post("/api/v1/authority/venues/notices", request)
        .await;
    assert_eq!(status, 404);
    assert_eq!(feed(&server).await.entries(), before.entries());
    assert_eq!(server.count_rows("venue_notices"), 0);

    // Bad fields with the right code: refused, nothing published.
    for (field, value, code) in [
        ("template", json!("tokyo_3"), "bad_template"),
        ("date", json!("2026-11-21"), "bad_date"),
        ("date", json!("2026-10-01"), "bad_date"),
        ("toHour", json!(18), "bad_window"),
        ("rooms", json!(["3階"]), "unknown_room"),
    ] {
        let mut request = notice("tokyo_cluster", "2026-11-20", 18, 20);
        request["traceCode"] = json!(trace_code);
        request[field] = value;
        let (status, answer) = server
            .authority_post("/api/v1/authority/venues/notices", request)
            .await;
        assert_eq!(status, 400, "{field}: {answer}");
        assert_eq!(answer["code"], code);
    }
    assert_eq!(server.count_rows("venue_notices"), 0);

    // The right code (typed in lower case without hyphens) publishes at once.
    let mut request = notice("tokyo_cluster", "2026-11-20", 18, 20);
    request["traceCode"] = json!(trace_code.replace('-', "").to_lowercase());
    let (status, answer) = server
        .authority_post("/api/v1/authority/venues/notices", request)
        .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["published"], 2);
    let published = feed(&server).await;
    assert_eq!(published.entries().len(), 2);
    let visitor = visit(&server, &body, 1, SEVEN_PM_JST, SEVEN_PM_JST + 1800).await;
    let report = match_visits(&[visitor], &published);
    assert_eq!(report.matches.len(), 1);
    assert!(
        report.matches[0]
            .render(mimamori_venue::Language::Japanese)
            .contains("集団発生の疑い")
    );
}

#[tokio::test]
async fn the_feed_is_signed_by_the_published_key_and_tampering_is_detected() {
    let server = start().await;
    let body = register(&server).await;
    let mut request = notice("tokyo_positive_visitor", "2026-11-20", 18, 20);
    request["traceCode"] = body["traceCode"].clone();
    let (status, _) = server
        .authority_post("/api/v1/authority/venues/notices", request)
        .await;
    assert_eq!(status, 201);

    let bytes = feed_bytes(&server).await;
    let public_keys = keys(&server).await;
    assert_eq!(
        NoticeFeed::parse(&bytes, &public_keys)
            .unwrap()
            .entries()
            .len(),
        2
    );

    // Another authority's key does not verify it.
    let other = {
        let other_server = start().await;
        keys(&other_server).await
    };
    assert!(NoticeFeed::parse(&bytes, &other).is_err());
    // A flipped byte anywhere is refused.
    for position in [bytes.len() / 3, bytes.len() / 2, bytes.len() - 5] {
        let mut tampered = bytes.clone();
        tampered[position] ^= 0x01;
        assert!(
            NoticeFeed::parse(&tampered, &public_keys).is_err(),
            "byte {position}"
        );
    }
    // The same keys across restarts (persisted in the data directory, 0600).
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(server.directory.path().join("keys").join("venue-seal.key"))
            .unwrap()
            .permissions()
            .mode()
    };
    assert_eq!(mode & 0o777, 0o600);
}

/// The portal's venue notices page shows a pending request as staff must judge it: the
/// template by name (not its slug), the date and hours, and the room asked for (or every
/// room), with the main menu and logout of every portal page.
#[tokio::test]
async fn a_pending_request_shows_its_text_and_once_approved_is_listed_as_published() {
    use crate::common::staff::{Browser, STAFF_NAME, STAFF_PASSWORD, add_staff, between};
    let server = start().await;
    add_staff(&server).await;
    let body = register(&server).await;
    let manager_key = body["managerKey"].as_str().unwrap();
    let mut request = notice("tokyo_cluster", "2026-11-20", 18, 20);
    request["managerKey"] = json!(manager_key);
    request["rooms"] = json!(["2階 大宴会場"]);
    let (status, filed) = server.post("/venues/v1/notice-requests", &request).await;
    assert_eq!(status, 202, "{filed}");
    let mut whole_day =
        json!({"template": "iwate_same_day", "date": "2026-11-19", "wholeDay": true});
    whole_day["managerKey"] = json!(manager_key);
    let (status, filed) = server.post("/venues/v1/notice-requests", &whole_day).await;
    assert_eq!(status, 202, "{filed}");

    let mut browser = Browser::new(server.server.base_url());
    browser.log_in(STAFF_NAME, STAFF_PASSWORD).await;
    let page = browser
        .get(mimamori_diagnosis_server::venues::PORTAL_VENUES_PATH)
        .await;
    assert_eq!(page.status, reqwest::StatusCode::OK, "{}", page.body);
    let requests: Vec<&str> = page
        .body
        .split("<form class=\"box request\"")
        .skip(1)
        .collect();
    assert_eq!(requests.len(), 2, "{}", page.body);
    let cluster = requests
        .iter()
        .find(|r| r.contains("集団発生の疑い"))
        .expect("the template by name");
    assert_eq!(
        between(cluster, "<dd class=\"rooms\">", "</dd>").unwrap(),
        "2階 大宴会場"
    );
    assert!(
        between(cluster, "<dd class=\"window\">", "</dd>")
            .unwrap()
            .contains("2026-11-20 18時〜20時")
    );
    let iwate = requests
        .iter()
        .find(|r| r.contains("同日利用のお知らせ（岩手県）"))
        .expect("the template by name");
    assert!(
        between(iwate, "<dd class=\"rooms\">", "</dd>")
            .unwrap()
            .contains("全室")
    );
    for request in &requests {
        let shown = request.split("</form>").next().unwrap();
        assert!(
            !shown.contains("tokyo_cluster") && !shown.contains("iwate_same_day"),
            "no raw template id: {shown}"
        );
    }
    for id in [
        "nav-codes",
        "nav-stats",
        "nav-venues",
        "nav-listing",
        "logout",
    ] {
        assert!(page.body.contains(&format!("id=\"{id}\"")), "{id}");
    }

    // Each request shows what residents will read, in Japanese and English, with the date,
    // the hours, the venue and its phone filled in.
    let text = between(cluster, "<div class=\"notice-text\">", "</div>").unwrap();
    for expected in [
        "11月20日に立ち寄られた『居酒屋もしサポ』",
        "18時から20時頃",
        "019-629-5487",
        "lang=\"en\">A cluster of novel coronavirus infections",
        "between about 18:00 and 20:00",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    assert!(
        page.body.contains("id=\"no-published\""),
        "nothing published yet"
    );

    // Approving in the portal publishes the notice and lists it: who published it, when (JST),
    // the template, window and room, and its text.
    let id = between(cluster, "name=\"id\" value=\"", "\"").unwrap();
    let csrf = page.csrf();
    let decided = browser
        .post(
            mimamori_diagnosis_server::venues::PORTAL_DECIDE_PATH,
            &[("csrf", &csrf), ("id", &id), ("decision", "approve")],
        )
        .await;
    assert_eq!(decided.status, reqwest::StatusCode::OK, "{}", decided.body);
    assert_eq!(
        feed(&server).await.entries().len(),
        1,
        "the one room asked for"
    );
    let page = browser
        .get(mimamori_diagnosis_server::venues::PORTAL_VENUES_PATH)
        .await;
    let listed = between(
        &page.body,
        "<ul class=\"published\" id=\"published\">",
        "</ul>",
    )
    .expect("the list of published notices");
    assert_eq!(listed.matches("<li").count(), 1, "{listed}");
    assert!(listed.contains("居酒屋もしサポ"));
    assert_eq!(
        between(&listed, "<dd class=\"published-at\">", "</dd>").unwrap(),
        "2026-11-20 21:00 JST"
    );
    assert!(
        between(&listed, "<dd class=\"published-by\">", "</dd>")
            .unwrap()
            .starts_with(&format!("{STAFF_NAME} / 施設の管理端末"))
    );
    assert!(
        between(&listed, "<dd class=\"rooms\">", "</dd>")
            .unwrap()
            .starts_with("2階 大宴会場")
    );
    assert!(listed.contains("2026-11-20 18時〜20時") && listed.contains("18時から20時頃"));
    assert_eq!(
        page.body.split("<form class=\"box request\"").count(),
        2,
        "one request still pending"
    );
}

/// Posts the HTML registration form; the status and the page.
async fn register_with_form(server: &TestServer) -> (u16, String) {
    let fields = [
        ("venueType", "restaurant_bar"),
        ("capacity", "11_50"),
        ("name", "居酒屋もしサポ"),
        ("postalCode", "020-8570"),
        ("address1", "岩手県盛岡市内丸10番1号"),
        ("address2", ""),
        ("phone", "019-629-5487"),
        ("email", "owner@example.jp"),
        ("consent", "on"),
        ("rooms", "1階\n2階"),
        ("defaultStayMinutes", "90"),
    ];
    let response = server
        .client
        .post(server.url("/venues/register"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn the_public_url_is_the_qr_host_and_the_result_page_names_it() {
    let server = common::start_with(|config| {
        config.public_url = Some("https://venues.example.jp:8443/".into());
    })
    .await;
    let body = register(&server).await;
    for room in body["rooms"].as_array().unwrap() {
        let url = room["qrUrl"].as_str().unwrap();
        assert!(
            url.starts_with("https://venues.example.jp:8443/v/#"),
            "{url}"
        );
        assert!(VenueQr::parse(url, &keys(&server).await).is_ok());
    }
    let (status, page) = register_with_form(&server).await;
    assert_eq!(status, 201, "{page}");
    assert!(
        page.contains("QRコードを読み取ると https://venues.example.jp:8443/v/ が開きます。"),
        "{page}"
    );
    assert!(page.contains("Scanning a QR code opens https://venues.example.jp:8443/v/."));
    assert!(!page.contains("id=\"qr-host-local\""), "{page}");

    // Without a public URL the codes point to localhost, and the page says not to post them.
    let local = start().await;
    let (status, page) = register_with_form(&local).await;
    assert_eq!(status, 201, "{page}");
    assert!(
        page.contains("Scanning a QR code opens https://localhost/v/."),
        "{page}"
    );
    assert!(page.contains("id=\"qr-host-local\""), "{page}");
    assert!(page.contains("--public-url"), "{page}");
}

#[tokio::test]
async fn the_check_in_page_is_served_at_the_qr_path_under_a_strict_csp() {
    use mimamori_diagnosis_server::checkin_page::{
        CHECK_IN_APP_PATH, CHECK_IN_ICON_PATH, CHECK_IN_MANIFEST_PATH, CHECK_IN_NOTICE_TEXT_PATH,
        CHECK_IN_NOTICES_PATH, CHECK_IN_PREFIX, CHECK_IN_PROTOCOL_PATH,
        CHECK_IN_SERVICE_WORKER_PATH, CHECK_IN_STORE_PATH, CHECK_IN_STYLESHEET_PATH,
        CONTENT_SECURITY_POLICY,
    };
    let server = start().await;
    let files = [
        (CHECK_IN_PREFIX, "text/html", "index.html"),
        (CHECK_IN_APP_PATH, "text/javascript", "app.js"),
        (
            CHECK_IN_PROTOCOL_PATH,
            "text/javascript",
            "venue-protocol.js",
        ),
        (
            CHECK_IN_NOTICE_TEXT_PATH,
            "text/javascript",
            "notice-text.js",
        ),
        (CHECK_IN_NOTICES_PATH, "text/javascript", "notices.js"),
        (CHECK_IN_STYLESHEET_PATH, "text/css", "style.css"),
        (CHECK_IN_STORE_PATH, "text/javascript", "checkin-store.js"),
        (CHECK_IN_SERVICE_WORKER_PATH, "text/javascript", "sw.js"),
        (
            CHECK_IN_MANIFEST_PATH,
            "application/manifest+json",
            "manifest.webmanifest",
        ),
        (CHECK_IN_ICON_PATH, "image/svg+xml", "icon.svg"),
    ];
    for (path, media_type, file) in files {
        let response = server.get(path).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|value| value.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        assert!(header("content-type").starts_with(media_type), "{path}");
        assert_eq!(header("content-security-policy"), CONTENT_SECURITY_POLICY);
        assert_eq!(header("referrer-policy"), "no-referrer");
        assert_eq!(header("x-frame-options"), "DENY");
        let body = response.bytes().await.unwrap();
        let on_disk =
            std::fs::read(format!("{}/web/v/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        assert_eq!(
            body.as_ref(),
            on_disk.as_slice(),
            "{path} is the embedded file"
        );
    }
    for needed in [
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "trusted-types mimamori-sw",
    ] {
        assert!(CONTENT_SECURITY_POLICY.contains(needed), "{needed}");
    }
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
    let page = String::from_utf8(server.get_bytes(CHECK_IN_PREFIX).await.1).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"));
    assert!(page.contains("<script type=\"module\" src=\"app.js\">"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no other origin"
    );
}

#[tokio::test]
async fn the_keys_and_feed_allow_the_check_in_pages_own_origin_only_when_configured() {
    let header = |response: &reqwest::Response| {
        response
            .headers()
            .get("access-control-allow-origin")
            .map(|value| value.to_str().unwrap().to_owned())
    };
    // The page on this server's origin: no CORS header anywhere.
    let server = start().await;
    for path in [KEYS_PATH, FEED_PATH, "/v/"] {
        assert_eq!(header(&server.get(path).await), None, "{path}");
    }
    // The page on a static host: the two downloads allow exactly its origin; nothing else does.
    let server = crate::common::start_with(|config| {
        config.check_in_origin = Some("https://Checkin.Example.jp/".into());
    })
    .await;
    for path in [KEYS_PATH, FEED_PATH] {
        let response = server
            .client
            .get(server.url(path))
            .header("origin", "https://checkin.example.jp")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(
            header(&response).as_deref(),
            Some("https://checkin.example.jp"),
            "{path}"
        );
    }
    for path in ["/v/", "/venues/v1/registrations", "/openapi.json"] {
        assert_eq!(header(&server.get(path).await), None, "{path}");
    }
}

/// Node for the cross-tests with the check-in page's JavaScript; `None` (the test then prints
/// "skipped") when it is missing, unless `MIMAMORI_REQUIRE_NODE=1` (scripts/test, CI).
fn node() -> Option<std::path::PathBuf> {
    let found = common::browser::find_binary("MIMAMORI_NODE", &["node", "nodejs"]);
    if found.is_none() {
        assert!(
            std::env::var("MIMAMORI_REQUIRE_NODE").as_deref() != Ok("1"),
            "MIMAMORI_REQUIRE_NODE=1 but node is missing (apt-get install nodejs)"
        );
        eprintln!("skipped: node not found (MIMAMORI_REQUIRE_NODE=1 fails instead)");
    }
    found
}

/// Runs `web/tests/<script>` in `node` with `input` as JSON on standard input; its JSON answer.
fn run_node(node: &std::path::Path, script: &str, input: &Value) -> Value {
    use std::io::Write as _;
    let script = format!("{}/web/tests/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut child = std::process::Command::new(node)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.to_string().as_bytes()).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn check_ins_the_javascript_records_are_matched_by_core() {
    let Some(node) = node() else { return };
    let server = start().await;
    let body = register(&server).await;
    // One notice for the second room, 18:00-20:00 JST on 2026-11-20.
    let mut request = notice("tokyo_positive_visitor", "2026-11-20", 18, 20);
    request["traceCode"] = body["traceCode"].clone();
    request["rooms"] = json!(["2階 大宴会場"]);
    let (status, answer) = server
        .authority_post("/api/v1/authority/venues/notices", request)
        .await;
    assert_eq!(status, 201, "{answer}");
    let published: PublishedVenueKeys =
        common::json_from(server.client.get(server.url(KEYS_PATH))).await;

    // The page's check-ins, made by its own code: the second room at 19:00 for 30 minutes as
    // staff; the first room at the same time; the second room at 20:10 with the payload's
    // default stay (90 minutes: after the window).
    let check_ins = json!([
        {"qrUrl": body["rooms"][1]["qrUrl"], "scannedAt": SEVEN_PM_JST, "stayMinutes": 30,
         "role": "staff"},
        {"qrUrl": body["rooms"][0]["qrUrl"], "scannedAt": SEVEN_PM_JST, "stayMinutes": 30,
         "role": "visitor"},
        {"qrUrl": body["rooms"][1]["qrUrl"], "scannedAt": SEVEN_PM_JST + 4200, "role": "visitor"},
    ]);
    let records = run_node(
        &node,
        "check-in-records.mjs",
        &json!({"qrKeys": published.qr_keys, "checkIns": check_ins}),
    );
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 3);

    let qr_keys = keys(&server).await;
    let mut visits = Vec::new();
    for (record, check_in) in records.iter().zip(check_ins.as_array().unwrap()) {
        let qr = VenueQr::parse(check_in["qrUrl"].as_str().unwrap(), &qr_keys).unwrap();
        let payload = hex::decode(record["payloadHex"].as_str().unwrap()).unwrap();
        assert_eq!(
            payload,
            qr.payload_bytes(),
            "the verified payload is stored"
        );
        assert_eq!(record["name"], qr.payload().name());
        assert_eq!(record["room"], qr.payload().room());
        let arrived = record["arrived"].as_u64().unwrap();
        let stay = check_in["stayMinutes"].as_u64().unwrap_or(90);
        assert_eq!(arrived, check_in["scannedAt"].as_u64().unwrap());
        assert_eq!(record["left"].as_u64().unwrap(), arrived + stay * 60);
        let role = mimamori_venue::VisitRole::parse(record["role"].as_str().unwrap()).unwrap();
        visits.push(
            Visit::from_payload_bytes(
                record["id"].as_str().unwrap(),
                &payload,
                arrived,
                record["left"].as_u64().unwrap(),
            )
            .expect("core accepts the record the page makes")
            .with_role(role),
        );
    }
    let report = match_visits(&visits, &feed(&server).await);
    assert_eq!(report.matches.len(), 1);
    assert_eq!(
        report.matches[0].visit_ids,
        [records[0]["id"].as_str().unwrap()],
        "only the second room during the window"
    );
    assert_eq!(report.matches[0].role, mimamori_venue::VisitRole::Staff);
}

#[tokio::test]
async fn notices_the_server_issues_are_matched_by_the_check_in_page_javascript() {
    let Some(node) = node() else { return };
    let server = start().await;
    let body = register(&server).await;
    // Notices for the second room only on 2026-11-20, one of each template: 18:00-20:00,
    // 19:00-21:00 and the whole day.
    for (template, from, to) in [
        ("tokyo_positive_visitor", 18, 20),
        ("tokyo_cluster", 19, 21),
        ("iwate_same_day", 0, 24),
    ] {
        let mut request = notice(template, "2026-11-20", from, to);
        request["traceCode"] = body["traceCode"].clone();
        request["rooms"] = json!(["2階 大宴会場"]);
        let (status, answer) = server
            .authority_post("/api/v1/authority/venues/notices", request)
            .await;
        assert_eq!(status, 201, "{answer}");
    }
    let feed_bytes = feed_bytes(&server).await;
    let published: PublishedVenueKeys =
        common::json_from(server.client.get(server.url(KEYS_PATH))).await;

    // (id, room, arrived, left): in the room and hours; the other room at the same time; the
    // same room the day before; the same room just after the window.
    let visits = [
        ("in the window", 1, SEVEN_PM_JST, SEVEN_PM_JST + 1800),
        ("other room", 0, SEVEN_PM_JST, SEVEN_PM_JST + 1800),
        (
            "day before",
            1,
            SEVEN_PM_JST - 86_400,
            SEVEN_PM_JST - 86_400 + 1800,
        ),
        ("after", 1, SEVEN_PM_JST + 3600, SEVEN_PM_JST + 7200),
    ];
    let input = json!({
        "qrKeys": published.qr_keys,
        "feedKeys": published.feed_keys,
        "feedBase64": BASE64.encode(&feed_bytes),
        "visits": visits.iter().map(|(id, room, arrived, left)| json!({
            "id": id,
            "qrUrl": body["rooms"][*room]["qrUrl"],
            "arrived": arrived,
            "left": left,
        })).collect::<Vec<_>>(),
    });
    let javascript = run_node(&node, "match-feed.mjs", &input);

    // Core, on the same feed and visits.
    let feed = NoticeFeed::parse(&feed_bytes, &keys(&server).await).unwrap();
    let mut rust_visits = Vec::new();
    for (id, room, arrived, left) in visits {
        let url = body["rooms"][room]["qrUrl"].as_str().unwrap();
        let qr = VenueQr::parse(url, &keys(&server).await).unwrap();
        rust_visits.push(Visit::new(id, qr, arrived, left).unwrap());
    }
    let report = match_visits(&rust_visits, &feed);
    assert_eq!(report.matches.len(), 3, "one notice of each template");
    let expected: Vec<Value> = report
        .matches
        .iter()
        .map(|core| {
            // Never the other room or another day; "after" (20:00-21:00) only where the window
            // reaches past 20:00.
            let expected_visits = if core.body.window().to_hour() > 20 {
                vec!["in the window", "after"]
            } else {
                vec!["in the window"]
            };
            assert_eq!(core.visit_ids, expected_visits);
            let window = core.body.window();
            json!({
                "noticeId": core.notice_id_hex(),
                "visitIds": core.visit_ids,
                "role": "visitor",
                "template": core.body.template().code(),
                "date": window.date().to_string(),
                "fromHour": window.from_hour(),
                "toHour": window.to_hour(),
                "issuer": core.body.issuer(),
                "contactPhone": core.body.contact_phone(),
                "venueName": core.body.venue_name(),
                "ja": core.render(mimamori_venue::Language::Japanese),
                "en": core.render(mimamori_venue::Language::English),
            })
        })
        .collect();
    assert_eq!(
        javascript,
        json!({
            "matches": expected,
            "rejectedEntries": report.rejected_entries,
        })
    );

    // The service worker's periodic check (the real sw.js and notices.js over node fakes of
    // IndexedDB, fetch and the worker scope; web/tests/sync-feed.mjs) on the same feed and
    // visits, a day later: the same notices for the same visits in the same words, stored
    // once (the second sync finds nothing new), one notification, the feed's GET only.
    let mut worker_input = input.clone();
    worker_input["now"] = json!(SEVEN_PM_JST + 86_400);
    let worker = run_node(&node, "sync-feed.mjs", &worker_input);
    assert_eq!(worker["first"], json!(3), "{worker}");
    assert_eq!(worker["second"], json!(0), "{worker}");
    assert_eq!(worker["notifications"], json!(1));
    assert_eq!(worker["fetched"], json!([FEED_PATH, FEED_PATH]));
    let mut stored: Vec<Value> = report
        .matches
        .iter()
        .map(|core| {
            json!({
                "id": core.notice_id_hex(),
                "visitIds": core.visit_ids,
                "ja": core.render(mimamori_venue::Language::Japanese),
                "en": core.render(mimamori_venue::Language::English),
            })
        })
        .collect();
    stored.sort_by_key(|notice| notice["id"].as_str().unwrap_or_default().to_owned());
    assert_eq!(worker["notices"], json!(stored));
}
