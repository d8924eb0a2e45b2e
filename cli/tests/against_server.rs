//! `mimamori upload`, `sync`, `advertise` and `hear` against the real diagnosis server on
//! 127.0.0.1 (the binary runs on the system clock): A uploads with a code staff issued, the
//! server exports, B syncs with the keys the server publishes and is flagged for yesterday; and
//! the same day: B hears A by hand, A uploads today's key at once, B is flagged today.

use mimamori_diagnosis_server::{Config, Server};
use mimamori_environment::FixedClock;
use mimamori_gaen::IntervalNumber;
use mimamori_phone::testing::met;

use crate::common::{
    assert_contains_all, assert_high_risk_on, stdout, sync, upload, yesterday_morning,
};

#[test]
fn a_phone_uploads_and_another_syncs_with_the_real_server() {
    let dir = tempfile::tempdir().unwrap();
    // Yesterday 09:00 UTC, B sat next to A for 24 minutes.
    let morning = yesterday_morning();
    met(dir.path(), &FixedClock::new(morning), 24);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut config = Config::new(dir.path().join("server"));
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.export_worker = false;
    let server = runtime.block_on(Server::start(config)).unwrap();
    let api_key = runtime.block_on(server.create_api_key("cli-test")).unwrap();
    let base = server.base_url();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let authority = |path: &str, body: &str| -> serde_json::Value {
        let mut response = agent
            .post(format!("{base}{path}"))
            .header("X-API-Key", &api_key)
            .header("Content-Type", "application/json")
            .send(body)
            .unwrap();
        let text = response.body_mut().read_to_string().unwrap();
        assert_eq!(response.status().as_u16(), 200, "{text}");
        serde_json::from_str(&text).unwrap()
    };

    // Staff issue a code; A uploads yesterday's key with it.
    let yesterday = IntervalNumber::from_unix_seconds(morning).utc_date();
    let issued = authority(
        "/api/v1/authority/codes",
        &format!(r#"{{"testType":"confirmed","symptomDate":"{yesterday}"}}"#),
    );
    let code = issued["code"].as_str().unwrap();
    let a = dir.path().join("a").display().to_string();
    let out = stdout(&upload(&base, code, &a));
    // Yesterday's key, and today's, released at once (same-day release, ADR 0002).
    assert_contains_all(
        &out,
        &[
            "uploaded 2 keys of",
            "the server stored 2 new",
            "today's key was released",
        ],
    );

    // The export runs (today's released key is held back until its cut end, minutes away); B syncs with the server's published keys and is flagged for yesterday.
    let export = authority("/api/v1/authority/export", "{}");
    assert_eq!(export["keys"], 1, "{export}");
    let b = dir.path().join("b").display().to_string();
    let out = stdout(&sync(&base, &b, None));
    assert_contains_all(
        &out,
        &[
            "using the 1 export key(s)",
            "1 files listed for JP, 0 already matched, 1 downloaded",
            "matched_keys=1",
        ],
    );
    assert_high_risk_on(&out, yesterday);
    assert!(out.contains(&format!("notice: On {yesterday}")), "{out}");

    // Again: nothing new.
    let out = stdout(&sync(&base, &b, None));
    assert!(out.contains("1 already matched, 0 downloaded"), "{out}");

    // The same code cannot be used twice.
    let output = upload(&base, code, &a);
    assert!(!output.status.success());
    let error = String::from_utf8(output.stderr).unwrap();
    assert!(error.contains("refused the verification code"), "{error}");
    assert!(!error.contains(code), "{error}");

    runtime.block_on(server.shutdown()).unwrap();
}

/// The `advertising: <hex>` line of `mimamori advertise`.
fn advertised(out: &str) -> String {
    out.lines()
        .find_map(|line| line.strip_prefix("advertising: "))
        .unwrap_or_else(|| panic!("no advertisement in:\n{out}"))
        .to_owned()
}

/// `mimamori hear` of `advertisement` by the phone in `data_dir` every 4 minutes for 24 minutes
/// from `start`, at -82 dBm (55 dB from a phone sending at -23 dBm: "near" in COCOA's rule).
fn hear_for_24_minutes(data_dir: &str, advertisement: &str, start: u64) {
    for scan in 0..=6 {
        let at = time::OffsetDateTime::from_unix_timestamp((start + scan * 240) as i64)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let out = stdout(&crate::common::mimamori(&[
            "hear",
            advertisement,
            "--rssi",
            "-82",
            "--at",
            &at,
            "--data-dir",
            data_dir,
        ]));
        assert!(out.starts_with("recorded RPI "), "{out}");
    }
}

#[test]
fn a_contact_heard_today_is_flagged_today_after_a_same_day_upload() {
    let dir = tempfile::tempdir().unwrap();
    let now = crate::common::now();
    // All of B's sightings fall on today's UTC date: the last half hour, or the next one
    // just after midnight.
    let start = if now % 86_400 >= 40 * 60 {
        now - 30 * 60
    } else {
        now + 60
    };
    let today = IntervalNumber::from_unix_seconds(start).utc_date();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let (a, b, c) = (path("a"), path("b"), path("c"));

    // A advertises (sending at -23 dBm); B hears it for 24 minutes with `mimamori hear`.
    let first = advertised(&stdout(&crate::common::mimamori(&[
        "advertise",
        "--data-dir",
        &a,
        "--tx-power",
        "-23",
    ])));
    hear_for_24_minutes(&b, &first, start);

    // The server runs on a clock the test can move (the phones run on the system clock).
    let clock = FixedClock::new(now);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut config = Config::new(dir.path().join("server"));
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.export_worker = false;
    let server = runtime
        .block_on(Server::start_with_clock(
            config,
            std::sync::Arc::new(clock.clone()),
        ))
        .unwrap();
    let api_key = runtime.block_on(server.create_api_key("cli-test")).unwrap();
    let base = server.base_url();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let authority = |path: &str, body: &str| -> serde_json::Value {
        let mut response = agent
            .post(format!("{base}{path}"))
            .header("X-API-Key", &api_key)
            .header("Content-Type", "application/json")
            .send(body)
            .unwrap();
        let text = response.body_mut().read_to_string().unwrap();
        assert_eq!(response.status().as_u16(), 200, "{text}");
        serde_json::from_str(&text).unwrap()
    };

    // A tests positive today and uploads at once: today's key is released and replaced.
    let issued = authority(
        "/api/v1/authority/codes",
        &format!(r#"{{"testType":"confirmed","symptomDate":"{today}"}}"#),
    );
    let code = issued["code"].as_str().unwrap();
    let out = stdout(&upload(&base, code, &a));
    assert_contains_all(
        &out,
        &[
            "uploaded 1 keys of",
            "the server stored 1 new",
            "today's key was released and replaced",
        ],
    );

    // A goes on broadcasting with its new key; C hears that for 24 minutes.
    let second = advertised(&stdout(&crate::common::mimamori(&[
        "advertise",
        "--data-dir",
        &a,
        "--tx-power",
        "-23",
    ])));
    assert_ne!(second, first, "a new key, a new identifier");
    hear_for_24_minutes(&c, &second, start);

    // The server holds the released key until the end of its cut rolling period (the next
    // 10-minute boundary), then exports it.
    let held = authority("/api/v1/authority/export", "{}");
    assert_eq!(held["keys"], 0, "{held}");
    clock.set(now + 600);
    let export = authority("/api/v1/authority/export", "{}");
    assert_eq!(export["keys"], 1, "{export}");

    // B syncs and is flagged today; C, who heard only A's new key, is not.
    let out = stdout(&sync(&base, &b, None));
    assert_contains_all(&out, &["matched_keys=1"]);
    assert_high_risk_on(&out, today);
    assert!(out.contains(&format!("notice: On {today}")), "{out}");
    let out = stdout(&sync(&base, &c, None));
    assert_contains_all(&out, &["matched_keys=0"]);
    assert!(!out.contains("high_risk=true"), "{out}");

    runtime.block_on(server.shutdown()).unwrap();
}
