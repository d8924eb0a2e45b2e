//! A staff member's day in the portal beyond logging in (issue 17): days and times in a
//! configured staff time zone, the printable code slip, and an export run from the statistics
//! page.

use mimamori_diagnosis_server::portal;
use reqwest::StatusCode;

use crate::common::{
    self,
    staff::{Browser, STAFF_PASSWORD as PASSWORD, add_staff, between, start_portal},
};

async fn portal_server() -> (common::TestServer, Browser) {
    let server = start_portal().await;
    let browser = Browser::new(server.server.base_url());
    (server, browser)
}

/// The staff zone is configurable: with `America/Los_Angeles`, at 08:45 JST (15:45 PST the day
/// before) Japan's date is refused as tomorrow, Los Angeles' is accepted; expiry, the code's
/// status and the statistics' days are in Pacific time, and the forms say so.
#[tokio::test]
async fn another_staff_time_zone_is_used_for_forms_times_and_statistics() {
    let zone =
        mimamori_diagnosis_server::staff_time::StaffZone::parse("America/Los_Angeles").unwrap();
    let server = common::start_with(|config| config.staff_time_zone = zone).await;
    add_staff(&server).await;
    let mut browser = Browser::new(server.server.base_url());
    // START is 2026-11-20 12:00 UTC; 11 h 45 min later it is 2026-11-20 15:45 PST.
    server.clock.advance(11 * 3600 + 45 * 60);
    browser.log_in("tanaka", PASSWORD).await;
    let csrf = browser.session_csrf().await;
    let issue = |test_date: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("test_type", "confirmed".to_owned()),
            ("symptom_date", String::new()),
            ("test_date", test_date.to_owned()),
        ]
    };
    let form = issue("2026-11-21");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = browser.post(portal::CODES_PATH, &fields).await;
    assert_eq!(
        page.status,
        StatusCode::BAD_REQUEST,
        "Japan's today is tomorrow here"
    );
    assert!(
        page.body.contains("今日まで（America/Los_Angeles）"),
        "the form names the zone"
    );
    let form = issue("2026-11-20");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = browser.post(portal::CODES_PATH, &fields).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("2026-11-20 16:00 PST"),
        "expiry in Pacific time"
    );
    let id = between(&page.body, "<code id=\"code-id\">", "</code>").unwrap();
    let status = browser
        .get(&format!("{}?id={id}", portal::STATUS_PATH))
        .await;
    assert!(
        status.body.contains("2026-11-20 15:45 PST"),
        "{}",
        status.body
    );
    let stats = browser.get(portal::STATS_PATH).await;
    assert!(stats.body.contains("days in America/Los_Angeles"));
    let row = between(&stats.body, "<tr data-day=\"2026-11-20\">", "</tr>").unwrap();
    assert!(row.contains("<td class=\"codes-issued\">1</td>"), "{row}");
    assert!(
        between(&stats.body, "<tr data-day=\"2026-11-21\">", "</tr>")
            .is_none_or(|row| !row.contains("<td class=\"codes-issued\">1</td>")),
        "not on Japan's day"
    );
    server.server.shutdown().await.unwrap();
}

/// The code slip: the issued page's slip form downloads an A4 PDF with the code in two groups,
/// its expiry and the steps; a form whose code or token was changed is refused, and so is the
/// slip of a code already used.
#[tokio::test]
async fn the_issued_code_prints_as_a_slip_and_only_that_code_while_valid() {
    let (server, mut browser) = portal_server().await;
    browser.log_in("tanaka", PASSWORD).await;
    let page = browser.issue("confirmed", "2026-11-18").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let code = between(&page.body, "id=\"issued-code\">", "<").unwrap();
    let form = between(&page.body, "id=\"slip-form\">", "</form>").unwrap();
    let field = |name: &str| between(&form, &format!("name=\"{name}\" value=\""), "\"").unwrap();
    let (csrf, id, slip) = (field("csrf"), field("id"), field("slip"));
    assert_eq!(field("code"), code);

    let pdf = browser
        .post(
            portal::SLIP_PATH,
            &[
                ("csrf", &csrf),
                ("id", &id),
                ("code", &code),
                ("slip", &slip),
            ],
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert_eq!(pdf.headers["cache-control"], "no-store");
    assert!(
        pdf.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("slip.pdf");
    std::fs::write(&path, &pdf.bytes).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains(&format!("{} {}", &code[..4], &code[4..])),
        "{text}"
    );
    assert!(text.contains("2026-11-20 21:15 JST"), "{text}");
    assert!(text.contains("陽性情報の登録"), "{text}");

    // Another code with this form's token, or a made-up token: refused, no PDF.
    let other = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for (sent_code, sent_slip) in [
        (other, slip.as_str()),
        (code.as_str(), "0".repeat(64).as_str()),
    ] {
        let refused = browser
            .post(
                portal::SLIP_PATH,
                &[
                    ("csrf", &csrf),
                    ("id", &id),
                    ("code", sent_code),
                    ("slip", sent_slip),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(!refused.body.contains("%PDF"));
    }
    // Used by a phone: no slip any more.
    let (verify_status, _) = server.verify(&code).await;
    assert_eq!(verify_status, 200);
    let used = browser
        .post(
            portal::SLIP_PATH,
            &[
                ("csrf", &csrf),
                ("id", &id),
                ("code", &code),
                ("slip", &slip),
            ],
        )
        .await;
    assert_eq!(used.status, StatusCode::GONE);
    server.server.shutdown().await.unwrap();
}

/// Export on demand from the portal: the statistics page explains the schedule and offers the
/// button; a run exports the uploaded key once (a second run finds nothing new), through the
/// worker's code path; without the CSRF token nothing is exported.
#[tokio::test]
async fn staff_run_an_export_from_the_statistics_page() {
    let (server, mut browser) = portal_server().await;
    let (status, _) = server
        .upload(vec![common::key(1, common::TODAY - 144)])
        .await;
    assert_eq!(status, 200);
    browser.log_in("tanaka", PASSWORD).await;
    let stats = browser.get(portal::STATS_PATH).await;
    let form = between(&stats.body, "id=\"export-form\">", "</form>").unwrap();
    assert!(
        form.contains("--no-export-worker"),
        "this test server has no worker: {form}"
    );
    assert!(form.contains("mimamori-diagnosis-server export"));

    let refused = browser.post(portal::EXPORT_PATH, &[("csrf", "nope")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let csrf = stats.csrf();
    let page = browser.post(portal::EXPORT_PATH, &[("csrf", &csrf)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let outcome = between(&page.body, "id=\"export-outcome\" role=\"status\">", "</p>").unwrap();
    assert!(
        outcome.contains("配布ファイルを1件作りました（鍵1件"),
        "{outcome}"
    );
    let row = between(&page.body, "<tr data-day=\"2026-11-20\">", "</tr>").unwrap();
    assert!(row.contains("<td class=\"export-files\">1</td>"), "{row}");
    let (status, index) = server.get_bytes("/exports/JP/index.txt").await;
    assert_eq!(status, 200);
    assert_eq!(String::from_utf8(index).unwrap().lines().count(), 1);

    let again = browser.post(portal::EXPORT_PATH, &[("csrf", &csrf)]).await;
    assert!(
        again.body.contains("新しく配布する鍵はありませんでした"),
        "{}",
        again.body
    );
    assert_eq!(server.export().await["keys"], 0, "exported once");
    server.server.shutdown().await.unwrap();
}

/// The slip on a server without its Japanese font (`MIMAMORI_CJK_FONT` naming a missing file;
/// the binary, since the font is loaded once a process): a 503 page in the portal's layout
/// that says to read the code out, no PDF; the code itself was issued and stays valid.
#[tokio::test]
async fn without_its_japanese_font_the_slip_is_a_clear_503_page() {
    use std::io::Write as _;
    let directory = tempfile::tempdir().unwrap();
    let mut add = std::process::Command::new(common::SERVER_BINARY)
        .arg("--data-dir")
        .arg(directory.path())
        .args(["staff", "add", "tanaka", "--password-stdin"])
        .env("MIMAMORI_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = add.stdin.take().unwrap();
    writeln!(stdin, "{PASSWORD}").unwrap();
    drop(stdin);
    assert!(add.wait().unwrap().success());
    let missing = directory.path().join("no-such-font.ttc");
    let (_server, base) = common::spawn_binary(directory.path(), |command| {
        command.env("MIMAMORI_CJK_FONT", &missing);
    });
    let mut browser = Browser::new(base);
    let login = browser.log_in("tanaka", PASSWORD).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    // No dates: the server's real clock decides what today is.
    let page = browser.issue("confirmed", "").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let code = between(&page.body, "id=\"issued-code\">", "<").unwrap();
    let form = between(&page.body, "id=\"slip-form\">", "</form>").unwrap();
    let field = |name: &str| between(&form, &format!("name=\"{name}\" value=\""), "\"").unwrap();
    let (csrf, id, slip) = (field("csrf"), field("id"), field("slip"));
    let refused = browser
        .post(
            portal::SLIP_PATH,
            &[
                ("csrf", &csrf),
                ("id", &id),
                ("code", &code),
                ("slip", &slip),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        refused.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        refused.body.contains("日本語フォントがありません")
            && refused.body.contains("read the code out instead"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("id=\"logout\""),
        "the portal's layout"
    );
    assert!(!refused.body.contains("%PDF") && !refused.body.contains(&code));
    let status = browser
        .get(&format!("{}?id={id}", portal::STATUS_PATH))
        .await;
    assert!(
        status.body.contains("data-state=\"valid\""),
        "{}",
        status.body
    );
}
