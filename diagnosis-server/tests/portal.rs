//! The staff portal over real HTTP on 127.0.0.1 (a fake clock moves time): login, lockout,
//! sessions, CSRF, issuing / checking / expiring codes, statistics, escaping, cookies and
//! headers; the staff storage on both backends; the `staff` operator command.
//! The headless Chromium tests are `portal_browser.rs` and `portal_browser_day.rs` (a whole day).

use std::sync::Arc;

use mimamori_diagnosis_server::portal::{self, auth};
use mimamori_diagnosis_server::storage::{PostgresStorage, SqliteStorage, StaffStorage};
use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;
use serde_json::json;

use crate::common::{
    self,
    staff::{Browser, STAFF_PASSWORD as PASSWORD, add_staff, between, start_portal},
};

async fn portal_server() -> (common::TestServer, Browser) {
    let server = start_portal().await;
    let browser = Browser::new(server.server.base_url());
    (server, browser)
}

async fn codes_issued_today(server: &common::TestServer) -> i64 {
    let days = server.server.services().statistics(1).await.unwrap();
    days.iter().map(|day| day.codes_issued).sum()
}

#[tokio::test]
async fn login_issue_check_expire_statistics_logout() {
    let (server, mut browser) = portal_server().await;

    // Not logged in: every page sends to the login page.
    for path in [
        portal::CODES_PATH,
        portal::STATS_PATH,
        portal::STATUS_PATH,
        "/portal",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            matches!(
                page.location(),
                Some(portal::LOGIN_PATH | portal::CODES_PATH)
            ),
            "{path}"
        );
    }

    // The login page: Japanese first, headers, a pre-login cookie bound to the form.
    let login = browser.get(portal::LOGIN_PATH).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("<html lang=\"ja\">"));
    assert!(login.body.contains("ログイン"));
    assert!(login.body.contains("Log in"));
    assert!(!login.body.contains("<script"));
    assert_eq!(login.headers["cache-control"], "no-store");
    assert_eq!(login.headers["x-frame-options"], "DENY");
    let csp = login.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"));
    assert_eq!(
        login.headers["content-type"], "text/html; charset=utf-8",
        "HTML"
    );
    let pre_cookie = &browser.last_set_cookies[0];
    assert!(pre_cookie.starts_with("mimamori_login="), "{pre_cookie}");
    assert!(pre_cookie.contains("HttpOnly") && pre_cookie.contains("SameSite=Strict"));
    assert!(!pre_cookie.contains("Secure"), "plain HTTP on 127.0.0.1");

    // Log in.
    let page = browser.log_in("tanaka", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), Some(portal::CODES_PATH));
    let session_cookie = browser
        .last_set_cookies
        .iter()
        .find(|c| c.starts_with("mimamori_staff="))
        .unwrap()
        .clone();
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/portal",
        "Max-Age=28800",
    ] {
        assert!(session_cookie.contains(attribute), "{session_cookie}");
    }
    assert!(!browser.cookies.contains_key("mimamori_login"), "cleared");
    // Only the hash of the session token is stored.
    let token = browser.cookies["mimamori_staff"].clone();
    let stored = server
        .server
        .services()
        .storage
        .staff_session(&token, common::START as i64)
        .await
        .unwrap();
    assert_eq!(stored, None, "the raw token is not a key in the database");

    // Issue a code.
    let page = browser.issue("confirmed", "2026-11-18").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let code = between(&page.body, "id=\"issued-code\">", "<").unwrap();
    assert_eq!(code.len(), 8);
    assert!(code.chars().all(|c| c.is_ascii_digit()));
    assert!(page.body.contains("2026-11-20 21:15 JST"), "expiry shown");
    assert!(page.body.contains("処理番号"));
    let id = between(&page.body, "id=\"code-id\">", "<").unwrap();
    assert_eq!(codes_issued_today(&server).await, 1);

    // Its status: valid.
    let status = browser
        .get(&format!("{}?id={id}", portal::STATUS_PATH))
        .await;
    assert_eq!(status.status, StatusCode::OK);
    assert!(status.body.contains("data-state=\"valid\""));
    assert_eq!(
        between(&status.body, "<td id=\"issued-by\">", "<").unwrap(),
        "tanaka",
        "who issued it"
    );

    // A phone redeems it; the status says so.
    let (verify_status, verified) = server.verify(&code).await;
    assert_eq!(verify_status, 200, "{}", verified.error);
    let status = browser
        .get(&format!("{}?id={id}", portal::STATUS_PATH))
        .await;
    assert!(status.body.contains("data-state=\"redeemed\""));
    assert!(!status.body.contains("id=\"expire\""), "nothing to expire");

    // Issue another and expire it from the portal; the phone is then refused.
    let page = browser.issue("likely", "").await;
    let second = between(&page.body, "id=\"issued-code\">", "<").unwrap();
    let second_id = between(&page.body, "id=\"code-id\">", "<").unwrap();
    let csrf = page.csrf();
    let page = browser
        .post(
            portal::EXPIRE_PATH,
            &[("csrf", &csrf), ("id", second_id.as_str())],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("処理番号を無効にしました"));
    assert!(page.body.contains("data-state=\"expired\""));
    let (status, body) = server.verify(&second).await;
    assert_eq!(status, 400);
    assert_eq!(body.error_code, "code_expired");
    // Expiring again changes nothing.
    let page = browser
        .post(
            portal::EXPIRE_PATH,
            &[("csrf", &csrf), ("id", second_id.as_str())],
        )
        .await;
    assert!(page.body.contains("Nothing to expire"));

    // Statistics: two issued, one redeemed, one expired today.
    let stats = browser.get(portal::STATS_PATH).await;
    assert_eq!(stats.status, StatusCode::OK);
    let row = between(&stats.body, "<tr data-day=\"2026-11-20\">", "</tr>").unwrap();
    assert!(row.contains("<td class=\"codes-issued\">2</td>"), "{row}");
    assert!(row.contains("<td class=\"codes-redeemed\">1</td>"), "{row}");
    assert!(row.contains("<td class=\"codes-expired\">1</td>"), "{row}");
    assert!(stats.body.contains("陽性登録"));

    // Log out: the cookie is cleared and the old token no longer works.
    let csrf = browser.session_csrf().await;
    let page = browser.post(portal::LOGOUT_PATH, &[("csrf", &csrf)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some(portal::LOGIN_PATH));
    assert!(!browser.cookies.contains_key("mimamori_staff"));
    browser.cookies.insert("mimamori_staff".into(), token);
    let page = browser.get(portal::CODES_PATH).await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "the session was deleted"
    );
    server.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn posts_without_the_right_csrf_token_are_refused_and_change_nothing() {
    let (server, mut browser) = portal_server().await;

    // Login without the pre-login cookie, or with a wrong token.
    let form = browser.get(portal::LOGIN_PATH).await;
    let csrf = form.csrf();
    let pre = browser.cookies.remove("mimamori_login").unwrap();
    let page = browser
        .post(
            portal::LOGIN_PATH,
            &[("csrf", &csrf), ("name", "tanaka"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    browser.cookies.insert("mimamori_login".into(), pre);
    let page = browser
        .post(
            portal::LOGIN_PATH,
            &[("name", "tanaka"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!browser.cookies.contains_key("mimamori_staff"));

    let page = browser.log_in("tanaka", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let good = browser.session_csrf().await;

    // Issue without a token, with an empty one, with one of another session.
    let mut other = Browser::new(server.server.base_url());
    other.log_in("tanaka", PASSWORD).await;
    let foreign = other.session_csrf().await;
    assert_ne!(foreign, good);
    for csrf in [None, Some(""), Some(foreign.as_str()), Some("00")] {
        let mut form = vec![("test_type", "confirmed"), ("symptom_date", "")];
        if let Some(csrf) = csrf {
            form.push(("csrf", csrf));
        }
        let page = browser.post(portal::CODES_PATH, &form).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{csrf:?}");
        assert!(page.body.contains("form token"));
    }
    assert_eq!(codes_issued_today(&server).await, 0, "nothing was issued");

    // Expire and logout need the token too.
    let page = browser.issue("confirmed", "").await;
    let id = between(&page.body, "id=\"code-id\">", "<").unwrap();
    let page = browser
        .post(portal::EXPIRE_PATH, &[("id", id.as_str())])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let status = server.server.services().code_status(&id).await.unwrap();
    assert_eq!(status.unwrap().expired_at, None, "still valid");
    let page = browser.post(portal::LOGOUT_PATH, &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        browser.get(portal::CODES_PATH).await.status,
        StatusCode::OK,
        "still logged in"
    );

    // A POST without a session goes to the login page and stores nothing.
    let mut stranger = Browser::new(server.server.base_url());
    let page = stranger
        .post(
            portal::CODES_PATH,
            &[("csrf", &good), ("test_type", "confirmed")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(codes_issued_today(&server).await, 1);
    server.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_lock_the_account() {
    let (server, mut browser) = portal_server().await;

    let page = browser.log_in("tanaka", "wrong password!").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("ログインできませんでした"));
    assert!(!browser.cookies.contains_key("mimamori_staff"));
    // An unknown name gets the same answer.
    let unknown = browser.log_in("suzuki", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.body.replace(&unknown.csrf(), ""),
        page.body.replace(&page.csrf(), "")
    );

    // A success clears the count.
    assert_eq!(
        browser.log_in("tanaka", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    browser.cookies.clear();

    for _ in 0..auth::MAX_FAILED_LOGINS {
        let page = browser.log_in("tanaka", "wrong password!").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right password is refused...
    let page = browser.log_in("tanaka", PASSWORD).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    server.clock.advance(auth::LOCK_SECONDS as u64 - 1);
    assert_eq!(
        browser.log_in("tanaka", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    // ...until the lock ends.
    server.clock.advance(1);
    let page = browser.log_in("tanaka", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // Sessions expire.
    assert_eq!(browser.get(portal::STATS_PATH).await.status, StatusCode::OK);
    server.clock.advance(auth::SESSION_SECONDS as u64);
    assert_eq!(
        browser.get(portal::STATS_PATH).await.status,
        StatusCode::SEE_OTHER
    );
    server.server.shutdown().await.unwrap();
}

/// A portal behind a trusted proxy on 127.0.0.1 (clients told apart by `X-Forwarded-For`),
/// with `adjust` applied to the limits.
async fn proxied_portal_server(
    adjust: impl FnOnce(&mut mimamori_diagnosis_server::ratelimit::RateLimits),
) -> common::TestServer {
    let server = common::start_with(|config| {
        config.trusted_proxies =
            vec![mimamori_diagnosis_server::ratelimit::IpNetwork::parse("127.0.0.1").unwrap()];
        adjust(&mut config.rate_limits);
    })
    .await;
    add_staff(&server).await;
    server
}

fn browser_from(server: &common::TestServer, address: &str) -> Browser {
    let mut browser = Browser::new(server.server.base_url());
    browser.forwarded_for = Some(address.into());
    browser
}

/// Issue 13 defect 7: wrong passwords from one client lock the name for that client only.
#[tokio::test]
async fn wrong_passwords_from_one_client_do_not_lock_out_another() {
    let server = proxied_portal_server(|_| {}).await;
    let mut attacker = browser_from(&server, "203.0.113.66");
    for _ in 0..=auth::MAX_FAILED_LOGINS {
        let page = attacker.log_in("tanaka", "guessed password").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    // The attacker's client is locked out of the name, even with the right password...
    assert_eq!(
        attacker.log_in("tanaka", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    // ...but tanaka, from another address, logs in.
    let mut victim = browser_from(&server, "198.51.100.7");
    let page = victim.log_in("tanaka", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(victim.cookies.contains_key("mimamori_staff"));
    server.server.shutdown().await.unwrap();
}

/// Issue 13 defect 2: with every Argon2 permit taken, a login is answered 503 at once without
/// being checked (so it neither succeeds nor counts as a failure), and works again after.
#[tokio::test]
async fn a_full_hashing_pool_refuses_logins_without_checking_them() {
    let server = proxied_portal_server(|limits| {
        limits.login_hash_concurrency = 2;
        limits.login = common::relaxed_limits().login;
    })
    .await;
    let pool = std::sync::Arc::clone(&server.server.services().login_hashes);
    let held = pool.clone().acquire_many_owned(2).await.unwrap();
    let mut browser = browser_from(&server, "192.0.2.10");
    for password in ["wrong password!", "wrong password!", PASSWORD] {
        for _ in 0..auth::MAX_FAILED_LOGINS {
            let page = browser.log_in("tanaka", password).await;
            assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(page.headers["retry-after"], "1");
            if password == PASSWORD {
                break;
            }
        }
    }
    assert!(!browser.cookies.contains_key("mimamori_staff"));
    drop(held);
    // Ten wrong passwords were never checked, so nothing is locked: the right one works.
    let page = browser.log_in("tanaka", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(pool.available_permits(), 2, "every permit was given back");
    server.server.shutdown().await.unwrap();
}

/// Issue 13 defect 2: each client may try only so many logins a minute (429, Retry-After).
#[tokio::test]
async fn logins_are_limited_per_client() {
    let server = proxied_portal_server(|limits| {
        limits.login = mimamori_diagnosis_server::ratelimit::Rate {
            burst: 3,
            per_minute: 1,
        };
    })
    .await;
    let mut attacker = browser_from(&server, "203.0.113.5");
    for _ in 0..3 {
        assert_eq!(
            attacker.log_in("tanaka", "wrong password!").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let page = attacker.log_in("tanaka", "wrong password!").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(page.headers["retry-after"], "60");
    // Another client is not affected; a success gives its token back.
    let mut staff = browser_from(&server, "198.51.100.20");
    for _ in 0..4 {
        assert_eq!(
            staff.log_in("tanaka", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        staff.cookies.clear();
    }
    server.clock.advance(60);
    assert_eq!(
        attacker.log_in("tanaka", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    server.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn bad_input_gets_a_clear_answer_and_is_escaped() {
    let (server, mut browser) = portal_server().await;
    browser.log_in("tanaka", PASSWORD).await;

    let page = browser.issue("confirmed", "2026-12-24").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("YYYY-MM-DD"));
    let page = browser.issue("<b>positive</b>", "").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("Choose a test type"));
    assert_eq!(codes_issued_today(&server).await, 0, "nothing stored");

    let hostile = "\"><script>alert(1)</script>";
    let page = browser
        .get(&format!(
            "{}?id={}",
            portal::STATUS_PATH,
            "%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E"
        ))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains(hostile));
    assert!(page.body.contains("&quot;&gt;&lt;script&gt;"));

    // A form that cannot be parsed.
    let response = browser
        .client
        .post(format!("{}{}", browser.base, portal::CODES_PATH))
        .header("Cookie", browser.cookie_header())
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // An oversized form.
    let big = "x".repeat(64 * 1024);
    let csrf = browser.session_csrf().await;
    let page = browser
        .post(
            portal::CODES_PATH,
            &[("csrf", &csrf), ("test_type", "confirmed"), ("pad", &big)],
        )
        .await;
    assert!(page.status.is_client_error(), "{}", page.status);
    assert_eq!(codes_issued_today(&server).await, 0);
    server.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn cookies_are_secure_behind_https_and_the_api_is_unchanged() {
    let (server, browser) = portal_server().await;
    let response = browser
        .client
        .get(format!("{}{}", browser.base, portal::LOGIN_PATH))
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");

    // The JSON API still needs its API key, not a portal session.
    let (status, _) = server
        .authority_post("/api/v1/authority/codes", json!({"testType": "confirmed"}))
        .await;
    assert_eq!(status, 200);
    let anonymous = browser
        .client
        .post(format!("{}/api/v1/authority/codes", browser.base))
        .json(&json!({"testType": "confirmed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let css = browser
        .client
        .get(format!("{}{}", browser.base, portal::STYLESHEET_PATH))
        .send()
        .await
        .unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    server.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn accounts_are_checked_and_a_new_password_ends_sessions() {
    let (server, mut browser) = portal_server().await;
    let services = server.server.services();
    for (name, password) in [
        ("", PASSWORD),
        ("a b", PASSWORD),
        ("<x>", PASSWORD),
        ("sato", "short"),
    ] {
        let error = portal::add_staff_account(services, name, password)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("staff name") || error.contains("staff password"),
            "{error}"
        );
    }
    assert_eq!(
        services.storage.staff_names().await.unwrap(),
        vec!["tanaka".to_string()],
        "nothing else stored"
    );

    browser.log_in("tanaka", PASSWORD).await;
    assert_eq!(browser.get(portal::STATS_PATH).await.status, StatusCode::OK);
    portal::add_staff_account(services, "tanaka", "a-new-long-password")
        .await
        .unwrap();
    assert_eq!(
        browser.get(portal::STATS_PATH).await.status,
        StatusCode::SEE_OTHER,
        "the old session ended"
    );
    browser.cookies.clear();
    assert_eq!(
        browser.log_in("tanaka", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        browser.log_in("tanaka", "a-new-long-password").await.status,
        StatusCode::SEE_OTHER
    );
    assert!(
        portal::remove_staff_account(services, "tanaka")
            .await
            .unwrap()
    );
    assert_eq!(
        browser.get(portal::STATS_PATH).await.status,
        StatusCode::SEE_OTHER,
        "removing the account ended its session"
    );
    server.server.shutdown().await.unwrap();
}

async fn staff_suite(storage: Arc<dyn StaffStorage>) {
    let now = 1_795_176_000;
    storage.put_staff_account("b", "hash-b", now).await.unwrap();
    storage.put_staff_account("a", "hash-a", now).await.unwrap();
    assert_eq!(storage.staff_names().await.unwrap(), ["a", "b"]);
    let account = storage.staff_account("a").await.unwrap().unwrap();
    assert_eq!(account.password_hash, "hash-a");
    assert_eq!((account.failed_logins, account.locked_until), (0, 0));
    assert_eq!(storage.staff_account("nobody").await.unwrap(), None);

    // Failures count up and lock at the limit, in one statement each.
    for expected in 1..3 {
        assert_eq!(
            storage
                .record_login_failure("a", now, 3, 900)
                .await
                .unwrap(),
            Some(0)
        );
        let account = storage.staff_account("a").await.unwrap().unwrap();
        assert_eq!(account.failed_logins, expected);
    }
    assert_eq!(
        storage
            .record_login_failure("a", now, 3, 900)
            .await
            .unwrap(),
        Some(now + 900)
    );
    let account = storage.staff_account("a").await.unwrap().unwrap();
    assert_eq!(
        (account.failed_logins, account.locked_until),
        (0, now + 900)
    );
    assert_eq!(
        storage
            .record_login_failure("nobody", now, 3, 900)
            .await
            .unwrap(),
        None
    );
    storage
        .record_login_failure("b", now, 3, 900)
        .await
        .unwrap();
    storage.record_login_success("b").await.unwrap();
    assert_eq!(
        storage
            .staff_account("b")
            .await
            .unwrap()
            .unwrap()
            .failed_logins,
        0
    );

    // Sessions.
    storage
        .create_staff_session("s1", "a", now, now + 100)
        .await
        .unwrap();
    storage
        .create_staff_session("s2", "b", now, now + 10)
        .await
        .unwrap();
    assert_eq!(
        storage.staff_session("s1", now).await.unwrap().as_deref(),
        Some("a")
    );
    assert_eq!(storage.staff_session("s2", now + 10).await.unwrap(), None);
    assert_eq!(
        storage
            .delete_expired_staff_sessions(now + 10)
            .await
            .unwrap(),
        1
    );
    assert!(
        storage
            .create_staff_session("s1", "b", now, now + 100)
            .await
            .is_err(),
        "a token hash is unique"
    );
    assert_eq!(
        storage.staff_session("s1", now).await.unwrap().as_deref(),
        Some("a"),
        "the refused insert changed nothing"
    );
    assert!(storage.delete_staff_session("s1").await.unwrap());
    assert!(!storage.delete_staff_session("s1").await.unwrap());

    // A new password clears the lock and ends the sessions; deleting ends them too.
    storage
        .create_staff_session("s3", "a", now, now + 100)
        .await
        .unwrap();
    storage
        .put_staff_account("a", "hash-a2", now)
        .await
        .unwrap();
    let account = storage.staff_account("a").await.unwrap().unwrap();
    assert_eq!(
        (account.password_hash.as_str(), account.locked_until),
        ("hash-a2", 0)
    );
    assert_eq!(storage.staff_session("s3", now).await.unwrap(), None);
    storage
        .create_staff_session("s4", "b", now, now + 100)
        .await
        .unwrap();
    assert!(storage.delete_staff_account("b").await.unwrap());
    assert!(!storage.delete_staff_account("b").await.unwrap());
    assert_eq!(storage.staff_session("s4", now).await.unwrap(), None);
    assert_eq!(storage.staff_names().await.unwrap(), ["a"]);
}

#[tokio::test]
async fn sqlite_passes_the_staff_storage_suite() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("db.sqlite3");
    staff_suite(Arc::new(SqliteStorage::open(&path).await.unwrap())).await;
    // Reopening keeps the accounts.
    let again = SqliteStorage::open(&path).await.unwrap();
    assert_eq!(again.staff_names().await.unwrap(), ["a"]);
}

#[tokio::test]
async fn postgres_passes_the_staff_storage_suite() {
    let Some(url) = common::postgres_url() else {
        return;
    };
    let test_url = common::fresh_postgres_database(&url, "portal").await;
    staff_suite(Arc::new(PostgresStorage::connect(&test_url).await.unwrap())).await;
    let again = PostgresStorage::connect(&test_url).await.unwrap();
    assert_eq!(again.staff_names().await.unwrap(), ["a"]);
}

#[test]
fn the_staff_command_adds_lists_and_removes_accounts() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let directory = tempfile::tempdir().unwrap();
    let binary = common::SERVER_BINARY;
    let run = |args: &[&str], input: Option<&str>| {
        let mut child = Command::new(binary)
            .arg("--data-dir")
            .arg(directory.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        if let Some(input) = input {
            stdin.write_all(input.as_bytes()).unwrap();
        }
        drop(stdin);
        let output = child.wait_with_output().unwrap();
        (
            output.status.success(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (ok, stdout, stderr) = run(&["staff", "add", "tanaka"], None);
    assert!(ok, "{stderr}");
    let password = stdout.lines().last().unwrap().trim();
    assert_eq!(password.len(), 20, "{stdout}");
    let (ok, _, stderr) = run(
        &["staff", "add", "sato", "--password-stdin"],
        Some("a-long-enough-password\n"),
    );
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = run(
        &["staff", "add", "kato", "--password-stdin"],
        Some("short\n"),
    );
    assert!(!ok);
    assert!(stderr.contains("12"), "{stderr}");
    let (ok, stdout, _) = run(&["staff", "list"], None);
    assert!(ok);
    assert_eq!(stdout, "sato\ntanaka\n");
    assert!(run(&["staff", "remove", "sato"], None).0);
    let (ok, _, stderr) = run(&["staff", "remove", "sato"], None);
    assert!(!ok);
    assert!(stderr.contains("no staff account"), "{stderr}");
    assert_eq!(run(&["staff", "list"], None).1, "tanaka\n");

    // The printed password logs in (checked against the stored hash).
    let database = directory.path().join("diagnosis.sqlite3");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hash = runtime.block_on(async {
        let storage = SqliteStorage::open(&database).await.unwrap();
        storage
            .staff_account("tanaka")
            .await
            .unwrap()
            .unwrap()
            .password_hash
    });
    assert!(auth::verify_password(&hash, password));
}

/// Staff work in Japan time: at 08:45 JST (23:45 UTC the day before) today's Japanese date is a
/// valid test date, tomorrow's is not, and the statistics count the code on the Japanese day.
#[tokio::test]
async fn dates_in_forms_and_statistics_are_japan_time() {
    let (server, mut browser) = portal_server().await;
    // START is 2026-11-20 21:00 JST; 11 h 45 min later it is 2026-11-21 08:45 JST.
    server.clock.advance(11 * 3600 + 45 * 60);
    let now = server.server.services().now();
    assert_eq!(
        mimamori_diagnosis_server::storage::utc_day(now),
        "2026-11-20"
    );
    browser.log_in("tanaka", PASSWORD).await;
    let csrf = browser.session_csrf().await;
    let page = browser
        .post(
            portal::CODES_PATH,
            &[
                ("csrf", &csrf),
                ("test_type", "confirmed"),
                ("symptom_date", "2026-11-20"),
                ("test_date", "2026-11-21"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"issued-code\""));
    assert!(page.body.contains("2026-11-21 09:00 JST"), "expiry in JST");
    let page = browser
        .post(
            portal::CODES_PATH,
            &[
                ("csrf", &csrf),
                ("test_type", "confirmed"),
                ("symptom_date", ""),
                ("test_date", "2026-11-22"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "tomorrow in Japan");
    assert!(
        page.body.contains("今日まで（日本時間）"),
        "the form says which today"
    );
    let stats = browser.get(portal::STATS_PATH).await;
    assert!(
        stats.body.contains("日本時間の日付"),
        "the table says which days"
    );
    let row = between(&stats.body, "<tr data-day=\"2026-11-21\">", "</tr>").unwrap();
    assert!(row.contains("<td class=\"codes-issued\">1</td>"), "{row}");
    assert!(
        between(&stats.body, "<tr data-day=\"2026-11-20\">", "</tr>")
            .is_none_or(|row| !row.contains("<td class=\"codes-issued\">1</td>")),
        "not on the UTC day"
    );
    server.server.shutdown().await.unwrap();
}
