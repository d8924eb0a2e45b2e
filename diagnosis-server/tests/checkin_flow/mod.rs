//! A resident from a printed poster to a notice, in real headless Chromium at a 360 px phone
//! width (issue 16): a venue registers two rooms; its poster is rendered (pdftoppm) and its QR
//! decoded (zbarimg); the page at that URL pins the authority's keys, asks consent once, checks
//! in (stay edited, arrival = scan time) into IndexedDB; a second room is checked in as staff
//! without consent asked again; the authority issues notices with the trace code; "Check
//! notices" shows the one for the room and hour visited, in Japanese with the venue's name and
//! phone, and core matches the page's own IndexedDB records to the same notice (the JS→Rust
//! direction of the cross-test). A truncated feed, a feed signed by another key, a tampered
//! fragment, a QR signed by another key and a changed published key each show a clear message
//! and change nothing stored; visits past 14 days after checkout are deleted at the next open,
//! and one the resident deletes from the list is gone;
//! with the server unreachable the service worker still serves the page and a check-in works.
//!
//! The browser reaches the server through a recording proxy in this test, which can also spoil
//! the feed or the keys or answer as if offline; every request it saw is checked: only GETs of
//! the page's files, the keys and the whole feed, none carrying anything about a visit.
//!
//! At each step the page is checked for a 360 px width without sideways scrolling, labels and
//! names on every control, contrast of at least 4.5:1 and English marked as such.
//!
//! Screenshots are written to `target/tmp/checkin-screenshots/` (or `MIMAMORI_SCREENSHOTS`).
//! Prints the time from opening a QR URL to "checked in". Needs Chromium, chromedriver,
//! poppler-utils and zbar-tools; fails rather than skips under `MIMAMORI_REQUIRE_BROWSER=1`.

mod page;
mod proxy;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use fantoccini::{Client, Locator};
use mimamori_environment::SeededRandom;
use mimamori_venue::{
    FEED_PATH, KEYS_PATH, NoticeFeed, PublishedVenueKeys, VenuePayload, VenuePublicKey, VenueQr,
    VenueSeed, VenueSigningKey, VenueType, Visit, VisitRole, match_visits,
};
use serde_json::{Value, json};

use crate::common::TestServer;
use crate::common::browser::{click, fill, in_chromium, text};

use page::{
    accessibility_problems, check_notices, forget_notices, hidden, open_url, periodic_sync_state,
    screenshot, screenshot_directory, store_visit, stored, wait_for, wait_service_worker,
    worker_notice_check,
};
use proxy::{Mode, start_proxy};

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

/// The QR URL printed on room `index`'s poster, read back with zbarimg.
async fn scan_poster(server: &TestServer, qr_url: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let poster = dir.path().join("poster.pdf");
    std::fs::write(&poster, server.room_file(qr_url, "pdf").await).unwrap();
    let prefix = dir.path().join("poster");
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
            "-Sdisable",
            "-Sqrcode.enable",
            "-Sbinary",
            &format!("{}.png", prefix.display()),
        ],
    );
    String::from_utf8(decoded)
        .unwrap()
        .trim_end_matches('\n')
        .to_owned()
}

/// Japan time's hour of `unix_seconds` and the JST date `YYYY-MM-DD` `days_back` days before.
fn jst(unix_seconds: u64, days_back: u64) -> (u8, String) {
    let local = unix_seconds + 9 * 3600;
    let hour = ((local % 86_400) / 3600) as u8;
    let date = time::OffsetDateTime::from_unix_timestamp((local - days_back * 86_400) as i64)
        .unwrap()
        .date();
    (hour, date.to_string())
}

#[tokio::test]
async fn a_resident_goes_from_a_printed_poster_to_a_notice_in_chromium() {
    in_chromium(flow).await;
}

async fn flow(client: Client, server: Arc<TestServer>, base: String) {
    let mut random = SeededRandom::new(1616);
    let other_key = VenueSigningKey::generate(&mut random, "other", "v1").unwrap();
    // A well-formed QR signed by a key that is not the authority's.
    let forged = VenuePayload::new(
        VenueType::Nightlife,
        60,
        VenueSeed::generate(&mut random),
        "偽の店",
        "",
        "",
    )
    .unwrap()
    .sign(&other_key, "localhost")
    .unwrap()
    .url();
    let (proxy, page) = start_proxy(&base, other_key).await;
    client.set_window_size(360, 800).await.unwrap();
    let width = client
        .execute("return window.innerWidth", vec![])
        .await
        .unwrap();
    assert!(
        width.as_u64().unwrap() <= 360,
        "a phone-sized viewport: {width}"
    );

    // A venue with two rooms; the second room's poster, printed and scanned.
    let (status, venue) = server
        .post(
            "/venues/v1/registrations",
            &json!({
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
            }),
        )
        .await;
    assert_eq!(status, 201, "{venue}");
    let hall_url = scan_poster(&server, venue["rooms"][1]["qrUrl"].as_str().unwrap()).await;
    assert_eq!(hall_url, venue["rooms"][1]["qrUrl"].as_str().unwrap());
    let first_floor_url = venue["rooms"][0]["qrUrl"].as_str().unwrap().to_owned();
    let fragment = |url: &str| url.split_once('#').unwrap().1.to_owned();

    // The first scan: the keys are pinned, the venue shown, consent asked.
    let opened = Instant::now();
    open_url(&client, &format!("{page}/v/#{}", fragment(&hall_url))).await;
    wait_for(&client, "#consent:not([hidden])").await;
    assert_eq!(text(&client, "#venue-name").await, "居酒屋もしサポ");
    assert_eq!(text(&client, "#venue-room").await, "2階 大宴会場");
    let consent = text(&client, "#consent").await;
    assert!(
        consent.contains("情報取得に同意のうえ、お進みください"),
        "{consent}"
    );
    let pinned = text(&client, "#pinned-key").await;
    assert_eq!(pinned.len(), 19, "four groups of four hex digits: {pinned}");
    assert!(hidden(&client, "#check-in").await);
    screenshot(&client, "#consent", "1-consent").await;
    assert_eq!(accessibility_problems(&client).await, Vec::<String>::new());
    // The check itself finds faint text, an unlabelled field and content too wide.
    client
        .execute(
            "const p = document.createElement('p'); p.id = 'faint'; p.textContent = 'faint';
             p.style.color = '#aaa'; p.style.width = '500px';
             const input = document.createElement('input'); input.id = 'unlabelled';
             document.querySelector('main').append(p, input);",
            vec![],
        )
        .await
        .unwrap();
    let problems = accessibility_problems(&client).await.join("\n");
    for found in [
        "contrast 2.32: P faint",
        "no label: #unlabelled",
        "px wide in",
    ] {
        assert!(problems.contains(found), "{found} in {problems}");
    }
    client
        .execute(
            "document.getElementById('faint').remove(); \
             document.getElementById('unlabelled').remove();",
            vec![],
        )
        .await
        .unwrap();
    let before_consent = stored(&client).await;
    assert_eq!(
        before_consent["visits"],
        json!([]),
        "nothing before consent"
    );

    // Consent, the stay edited from the payload's 90 minutes to 30, checked in as a visitor.
    click(&client, "#consent-yes").await;
    wait_for(&client, "#check-in:not([hidden])").await;
    assert_eq!(accessibility_problems(&client).await, Vec::<String>::new());
    let stay = client.find(Locator::Css("#stay")).await.unwrap();
    assert_eq!(stay.prop("value").await.unwrap().as_deref(), Some("90"));
    fill(&client, "#stay", "30").await;
    click(&client, "#check-in-button").await;
    wait_for(&client, "#status[data-checked-in]").await;
    println!(
        "first scan to checked in (consent given by the test at once): {} ms",
        opened.elapsed().as_millis()
    );
    assert!(
        text(&client, "#status")
            .await
            .contains("チェックインしました")
    );
    assert!(
        !client.current_url().await.unwrap().as_str().contains('#'),
        "the code leaves the address once checked in"
    );
    screenshot(&client, "#status", "2-checked-in").await;
    let after = stored(&client).await;
    let visits = after["visits"].as_array().unwrap();
    assert_eq!(visits.len(), 1, "{after}");
    let hall_visit = &visits[0][1];
    let hall_qr = VenueQr::parse(&hall_url, &qr_keys(&server).await).unwrap();
    assert_eq!(
        hall_visit["payload"].as_str().unwrap(),
        hex(hall_qr.payload_bytes())
    );
    assert_eq!(hall_visit["role"], "visitor");
    assert_eq!(hall_visit["room"], "2階 大宴会場");
    let arrived = hall_visit["arrived"].as_u64().unwrap();
    assert_eq!(hall_visit["left"].as_u64().unwrap(), arrived + 30 * 60);
    let browser_now = client
        .execute("return Math.floor(Date.now() / 1000)", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap();
    assert!(
        arrived <= browser_now && browser_now - arrived < 120,
        "arrival is the scan time"
    );
    let settings = &after["settings"];
    assert!(
        settings.to_string().contains("\"consent\",true"),
        "{settings}"
    );

    // The first floor, scanned while the server worker is ready: no consent asked again; staff.
    wait_service_worker(&client).await;
    let opened = Instant::now();
    open_url(
        &client,
        &format!("{page}/v/#{}", fragment(&first_floor_url)),
    )
    .await;
    wait_for(&client, "#check-in:not([hidden])").await;
    assert!(hidden(&client, "#consent").await, "consent is asked once");
    click(&client, "#role-staff").await;
    click(&client, "#check-in-button").await;
    wait_for(&client, "#status[data-checked-in]").await;
    let marks = client
        .execute(
            "const at = (name) => performance.getEntriesByName(name)[0].startTime;
             return [at('check-in-ready'), at('checked-in') - at('check-in-clicked')];",
            vec![],
        )
        .await
        .unwrap();
    println!(
        "figure: opening a QR URL to \"checked in\" (consent given before): {:.0} ms from \
         navigation to the check-in button ready, {:.0} ms from the click to the visit stored; \
         {} ms as the test drives it (WebDriver round trips included)",
        marks[0].as_f64().unwrap(),
        marks[1].as_f64().unwrap(),
        opened.elapsed().as_millis()
    );
    let listed = text(&client, "#visits").await;
    assert!(
        listed.contains("2階 大宴会場") && listed.contains("1階"),
        "{listed}"
    );
    assert!(listed.contains("staff"), "{listed}");

    // The authority issues notices with the trace code, its clock at the browser's: the hall at
    // the hour visited (shown); the first floor at that hour and the hall the day before and at
    // other hours (not shown).
    server.clock.set(browser_now);
    let (hour, today) = jst(arrived, 0);
    let (_, yesterday) = jst(arrived, 1);
    let other_hours = if hour <= 20 {
        (hour + 2, hour + 3)
    } else {
        (hour - 2, hour - 1)
    };
    let issue = async |template: &str, date: &str, (from, to): (u8, u8), room: &str| {
        let (status, answer) = server
            .authority_post(
                "/api/v1/authority/venues/notices",
                json!({
                    "template": template, "date": date, "fromHour": from, "toHour": to,
                    "traceCode": venue["traceCode"], "rooms": [room],
                }),
            )
            .await;
        assert_eq!(status, 201, "{answer}");
    };
    issue(
        "tokyo_positive_visitor",
        &today,
        (hour, hour + 1),
        "2階 大宴会場",
    )
    .await;
    issue("tokyo_cluster", &today, other_hours, "2階 大宴会場").await;
    issue(
        "tokyo_cluster",
        &yesterday,
        (hour, hour + 1),
        "2階 大宴会場",
    )
    .await;
    issue("iwate_same_day", &yesterday, (0, 24), "1階").await;

    check_notices(&client).await;
    wait_for(&client, "#notices article.notice").await;
    let notices = client
        .find_all(Locator::Css("#notices article.notice"))
        .await
        .unwrap();
    assert_eq!(notices.len(), 1, "only the room and hour visited");
    let notice = text(&client, "#notices").await;
    for needed in [
        "居酒屋もしサポ",
        "019-629-5487",
        "新型コロナウイルスの陽性者",
        &format!("{hour}時から{}時頃", hour + 1),
        "2階 大宴会場",
        "This does not mean you are infected",
    ] {
        assert!(notice.contains(needed), "{needed} in {notice}");
    }
    assert!(
        text(&client, "#notice-status")
            .await
            .contains("お知らせがあります")
    );
    screenshot(&client, "#notices-heading", "3-notice").await;
    assert_eq!(accessibility_problems(&client).await, Vec::<String>::new());
    let with_notice = stored(&client).await;

    // JS→Rust: core matches the page's own records against the same feed to the same notice.
    let feed_bytes = crate::common::fetch_bytes(&server.client, &server.url(FEED_PATH)).await;
    let feed = NoticeFeed::parse(&feed_bytes, &feed_keys(&server).await).unwrap();
    let core_visits: Vec<Visit> = with_notice["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let record = &entry[1];
            let payload = unhex(record["payload"].as_str().unwrap());
            Visit::from_payload_bytes(
                record["id"].as_str().unwrap(),
                &payload,
                record["arrived"].as_u64().unwrap(),
                record["left"].as_u64().unwrap(),
            )
            .expect("core accepts the page's check-in record")
            .with_role(VisitRole::parse(record["role"].as_str().unwrap()).unwrap())
        })
        .collect();
    let report = match_visits(&core_visits, &feed);
    let stored_notices = with_notice["notices"].as_array().unwrap();
    assert_eq!(report.matches.len(), 1);
    assert_eq!(stored_notices.len(), 1);
    let stored_notice = &stored_notices[0][1];
    assert_eq!(stored_notice["id"], report.matches[0].notice_id_hex());
    assert_eq!(
        stored_notice["visitIds"],
        json!(report.matches[0].visit_ids)
    );
    assert_eq!(
        stored_notice["ja"],
        report.matches[0].render(mimamori_venue::Language::Japanese)
    );
    assert_eq!(
        report.matches[0].visit_ids,
        [hall_visit["id"].as_str().unwrap()]
    );

    // The service worker's periodic-sync check (the same notices.js, with the pinned keys from
    // IndexedDB), asked by message: it stores the same notice once, then finds nothing new, and
    // a truncated or wrongly signed feed changes nothing stored.
    forget_notices(&client).await;
    assert_eq!(worker_notice_check(&client).await, json!(1));
    assert_eq!(
        stored(&client).await,
        with_notice,
        "the worker stores what the page did"
    );
    assert_eq!(worker_notice_check(&client).await, json!(0));
    assert_eq!(stored(&client).await, with_notice);
    for (mode, kind) in [
        (Mode::TruncatedFeed, "invalid-feed"),
        (Mode::FeedSignedByAnotherKey, "feed-not-verified"),
    ] {
        proxy.set(mode);
        assert_eq!(worker_notice_check(&client).await, json!(kind), "{mode:?}");
        assert_eq!(
            stored(&client).await,
            with_notice,
            "{mode:?} changed the store"
        );
    }
    proxy.set(Mode::Pass);
    // The page registered the periodic sync only if the browser granted it (an installed app
    // in Chromium); headless Chromium's page is not installed, so, most likely, nothing.
    let sync = periodic_sync_state(&client).await;
    let expected = if sync["state"] == "granted" {
        json!(["mimamori-notices"])
    } else {
        json!([])
    };
    assert_eq!(sync["tags"], expected, "{sync}");

    // A truncated feed and one signed by another key: a clear message, nothing changed.
    for (mode, message) in [
        (Mode::TruncatedFeed, "途中で切れています"),
        (Mode::FeedSignedByAnotherKey, "保健所の署名と一致しません"),
    ] {
        proxy.set(mode);
        check_notices(&client).await;
        wait_for(&client, "#notice-status.error").await;
        let status = text(&client, "#notice-status").await;
        assert!(status.contains(message), "{mode:?}: {status}");
        assert!(status.contains("Nothing stored was changed"), "{status}");
        assert_eq!(
            stored(&client).await,
            with_notice,
            "{mode:?} changed the store"
        );
        screenshot(&client, "#notices-heading", &format!("4-{mode:?}")).await;
        proxy.set(Mode::Pass);
        open_url(&client, &format!("{page}/v/")).await;
        wait_for(&client, "#notices article.notice").await;
        // The check at opening (visits are stored) finds the same notice and stores it again.
        wait_for(&client, "body[data-notice-check=done]").await;
        assert!(
            !text(&client, "#notice-status")
                .await
                .contains("Nothing stored")
        );
    }

    // A tampered fragment, and a well-formed QR signed by another key: refused, nothing changed.
    let mut signed = BASE64URL.decode(fragment(&hall_url)).unwrap();
    let at = signed
        .windows("居酒屋".len())
        .position(|window| window == "居酒屋".as_bytes())
        .unwrap();
    signed[at + 2] ^= 0x01;
    for (name, bad) in [
        ("tampered", BASE64URL.encode(&signed)),
        ("other-key", fragment(&forged)),
    ] {
        open_url(&client, &format!("{page}/v/#{bad}")).await;
        wait_for(&client, "#status.error").await;
        let status = text(&client, "#status").await;
        assert!(status.contains("確認できません"), "{name}: {status}");
        assert!(status.contains("Nothing was recorded"), "{status}");
        assert!(hidden(&client, "#check-in").await && hidden(&client, "#venue").await);
        assert_eq!(
            stored(&client).await,
            with_notice,
            "{name} changed the store"
        );
        screenshot(&client, "#status", &format!("5-{name}-qr")).await;
    }

    // The published QR key changes to the other key: a warning, the pinned key stays, and the
    // other key's QR is still refused.
    proxy.set(Mode::ChangedKeys);
    open_url(&client, &format!("{page}/v/#{}", fragment(&forged))).await;
    wait_for(&client, "#status.error").await;
    wait_for(&client, "#key-warning:not([hidden])").await;
    let warning = text(&client, "#key-warning").await;
    assert!(
        warning.contains("鍵が、この端末が最初に記録した鍵と異なります"),
        "{warning}"
    );
    assert!(text(&client, "#status").await.contains("確認できません"));
    assert_eq!(text(&client, "#pinned-key").await, pinned);
    assert_eq!(
        stored(&client).await,
        with_notice,
        "a key change changed the store"
    );
    screenshot(&client, "#status", "6-key-changed").await;
    assert_eq!(accessibility_problems(&client).await, Vec::<String>::new());
    proxy.set(Mode::Pass);

    // Retention: a visit whose checkout was 14 days ago and a minute is deleted at the next
    // open; one 13 days ago is kept.
    let day = 86_400;
    for (id, left) in [
        ("expired", browser_now - 14 * day - 60),
        ("kept", browser_now - 13 * day),
    ] {
        let mut record = hall_visit.clone();
        record["id"] = json!(id);
        record["left"] = json!(left);
        record["arrived"] = json!(left - 1800);
        store_visit(&client, &record).await;
    }
    open_url(&client, &format!("{page}/v/")).await;
    wait_for(&client, "#visits li[data-visit=kept]").await;
    let ids: BTreeSet<String> = stored(&client).await["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry[0].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.contains("kept") && !ids.contains("expired"), "{ids:?}");
    assert_eq!(ids.len(), 3);

    // The resident deletes a visit from the list; the hall's notice stays with its visit.
    click(&client, "#visits li[data-visit=kept] button").await;
    for _ in 0..100 {
        if client
            .find(Locator::Css("#visits li[data-visit=kept]"))
            .await
            .is_err()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let now_stored = stored(&client).await;
    assert_eq!(now_stored["visits"].as_array().unwrap().len(), 2);
    assert!(!now_stored["visits"].to_string().contains("\"kept\""));
    assert_eq!(now_stored["notices"], with_notice["notices"]);

    // Offline: the service worker serves the page and a check-in works with the pinned keys.
    proxy.set(Mode::Offline);
    open_url(&client, &format!("{page}/v/#{}", fragment(&hall_url))).await;
    wait_for(&client, "#check-in:not([hidden])").await;
    click(&client, "#check-in-button").await;
    wait_for(&client, "#status[data-checked-in]").await;
    assert_eq!(stored(&client).await["visits"].as_array().unwrap().len(), 3);
    screenshot(&client, "#status", "7-offline-check-in").await;
    proxy.set(Mode::Pass);

    // Nothing about a visit left the browser: GETs of the page's files, the keys and the whole
    // feed only, without a body or a query, and no referrer but the worker's own.
    let allowed: BTreeSet<&str> = [
        "/v/",
        "/v/app.js",
        "/v/venue-protocol.js",
        "/v/notice-text.js",
        "/v/notices.js",
        "/v/checkin-store.js",
        "/v/style.css",
        "/v/sw.js",
        "/v/manifest.webmanifest",
        "/v/icon.svg",
        KEYS_PATH,
        FEED_PATH,
        "/favicon.ico",
    ]
    .into_iter()
    .collect();
    let seen = proxy.seen.lock().unwrap().clone();
    assert!(seen.len() > 10, "{seen:?}");
    for request in &seen {
        assert_eq!(request.method, "GET", "{request:?}");
        assert!(
            allowed.contains(request.path_and_query.as_str()),
            "{request:?}"
        );
        assert!(request.body.is_empty(), "{request:?}");
        // The page sends no referrer; the browser's own update check of the worker names the
        // worker's script.
        let referer = request.referer.strip_prefix(page.as_str()).unwrap_or("");
        assert!(
            request.referer.is_empty() || referer == "/v/sw.js",
            "{request:?}"
        );
    }
    assert!(
        seen.iter()
            .any(|request| request.path_and_query == FEED_PATH)
    );
    println!(
        "requests the browser sent: {}; screenshots in {}",
        seen.len(),
        screenshot_directory().display()
    );

    // The figure: the page's own code verifies and matches 10,000 notices against 100 visits,
    // five times after a warm-up; the median and the best.
    let runs = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               (async () => {
                 const { benchFeed } = await import("/bench/bench-feed.mjs");
                 const vectors = await (await fetch("/bench/venue-vectors.json")).json();
                 await benchFeed(vectors, 1000, 10);
                 const runs = [];
                 for (let i = 0; i < 5; i++) runs.push(await benchFeed(vectors, 10000, 100));
                 return runs;
               })().then(done, (error) => done({ error: String(error) }));"#,
            vec![],
        )
        .await
        .unwrap();
    let mut runs: Vec<&Value> = runs
        .as_array()
        .unwrap_or_else(|| panic!("{runs}"))
        .iter()
        .collect();
    assert!(runs.iter().all(|run| run["matches"] == 1), "{runs:?}");
    runs.sort_by(|a, b| {
        a["totalMs"]
            .as_f64()
            .partial_cmp(&b["totalMs"].as_f64())
            .unwrap()
    });
    let median = runs[2];
    println!(
        "figure: Chromium verifies and matches a feed of 10,000 notices ({} bytes) against 100 \
         visits in {:.1} ms median of 5 (verify and parse {:.1} ms, derive and match {:.1} ms); \
         best {:.1} ms",
        median["bytes"],
        median["totalMs"].as_f64().unwrap(),
        median["verifyMs"].as_f64().unwrap(),
        median["matchMs"].as_f64().unwrap(),
        runs[0]["totalMs"].as_f64().unwrap()
    );
}

async fn qr_keys(server: &TestServer) -> Vec<VenuePublicKey> {
    published(server, |keys| keys.qr_keys).await
}

async fn feed_keys(server: &TestServer) -> Vec<VenuePublicKey> {
    published(server, |keys| keys.feed_keys).await
}

async fn published(
    server: &TestServer,
    pick: impl FnOnce(PublishedVenueKeys) -> Vec<String>,
) -> Vec<VenuePublicKey> {
    let keys: PublishedVenueKeys =
        crate::common::json_from(server.client.get(server.url(KEYS_PATH))).await;
    pick(keys)
        .iter()
        .map(|pem| VenuePublicKey::parse(pem).unwrap())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}
