//! `mimamori upload` and `mimamori sync` against the real diagnosis server on 127.0.0.1 (system
//! clock, since the binary runs on it): A uploads with a code staff issued, the server exports,
//! B syncs with the keys the server publishes and is flagged for yesterday.

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
    assert_contains_all(&out, &["uploaded 1 keys of", "the server stored 1 new"]);

    // The export runs; B syncs with the server's published keys and is flagged for yesterday.
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
