//! `mimamori upload` and `mimamori sync`, run as a user would run them, against a small HTTP
//! server on 127.0.0.1 that serves fixed answers (the real diagnosis server is driven by the
//! end-to-end tests in the top-level `tests/` crate).

use std::path::{Path, PathBuf};

use mimamori_api::v1::{
    EXPORT_KEYS_PATH, ExportListEntry, ExportVerificationKey, ExportVerificationKeys,
    PublishRequest, render_export_list,
};
use mimamori_environment::{FixedClock, SeededRandom};
use mimamori_gaen::IntervalNumber;
use mimamori_gaen::export::{ExportHeader, ExportKey, ExportSigningKey, ExportWriter};
use mimamori_phone::testing::{export_keys, met};

use crate::common::{
    FixtureServer, assert_contains_all, assert_high_risk_on, mimamori_command, now, stderr, stdout,
    sync, sync_args, upload, yesterday_morning,
};

/// Phone B (in `dir/b`) spent 24 minutes near phone A (`dir/a`) yesterday morning. Returns A's
/// key of yesterday as an export key.
fn b_met_a_yesterday(dir: &Path) -> Vec<ExportKey> {
    let clock = FixedClock::new(yesterday_morning());
    let (mut a, _b) = met(dir, &clock, 24);
    clock.set(now());
    let yesterday = IntervalNumber::from_unix_seconds(yesterday_morning()).utc_date();
    export_keys(&mut a, yesterday, yesterday)
}

/// Where the sync tests start: phone B (in `dir/b`) met A yesterday, `keys` are A's key of that
/// day, `signer` is the health authority's export signing key, `server` serves nothing yet.
struct SyncCase {
    dir: tempfile::TempDir,
    keys: Vec<ExportKey>,
    signer: ExportSigningKey,
    server: FixtureServer,
}

impl SyncCase {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let keys = b_met_a_yesterday(dir.path());
        let signer = ExportSigningKey::generate(&mut SeededRandom::new(5), "440", "v1").unwrap();
        Self {
            dir,
            keys,
            signer,
            server: FixtureServer::start(),
        }
    }
}

/// Serves `/exports/JP/list.json` listing `files` (URL, creation time in milliseconds).
fn serve_jp_list(server: &FixtureServer, files: &[(&str, u64)]) {
    let entries: Vec<ExportListEntry> = files
        .iter()
        .map(|(url, created)| ExportListEntry {
            region: "JP".into(),
            url: (*url).into(),
            created: *created,
        })
        .collect();
    server.serve("/exports/JP/list.json", 200, render_export_list(&entries));
}

fn signed_zip(signer: &ExportSigningKey, keys: &[ExportKey]) -> Vec<u8> {
    let header = ExportHeader {
        start_timestamp: yesterday_morning(),
        end_timestamp: now(),
        region: "JP".into(),
        batch_num: 1,
        batch_size: 1,
    };
    ExportWriter::new(header, std::slice::from_ref(signer))
        .to_zip(keys)
        .unwrap()
}

fn write_public_key(dir: &Path, name: &str, signer: &ExportSigningKey) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, signer.public_key().to_pem().unwrap()).unwrap();
    path
}

#[test]
fn sync_downloads_only_new_files_verifies_them_and_prints_the_verdict() {
    let SyncCase {
        dir,
        keys,
        signer,
        server,
    } = SyncCase::start();
    serve_jp_list(&server, &[("exports/JP/1.zip", now() * 1_000)]);
    server.serve("/exports/JP/1.zip", 200, signed_zip(&signer, &keys));
    let public_key = write_public_key(dir.path(), "key.pem", &signer);
    let b = dir.path().join("b").display().to_string();
    let out = stdout(&sync(&server.url, &b, Some(&public_key)));
    let yesterday = IntervalNumber::from_unix_seconds(yesterday_morning()).utc_date();
    assert_contains_all(
        &out,
        &[
            "1 files listed for JP, 0 already matched, 1 downloaded",
            "matched exports/JP/1.zip keys=1 matched_keys=1 new_windows=",
        ],
    );
    assert_high_risk_on(&out, yesterday);
    assert!(
        out.contains(&format!(
            "notice: On {yesterday} you may have been within 1 metre"
        )),
        "{out}"
    );

    // The second sync downloads nothing and keeps the verdict; without --public-key it uses the
    // keys the server publishes.
    // The server's answer has every field of the wire type (the phone refuses less).
    let published = ExportVerificationKeys {
        keys: vec![ExportVerificationKey {
            key_id: "440".into(),
            version: "v1".into(),
            created: 1,
            public_key_pem: signer.public_key().to_pem().unwrap(),
        }],
    };
    server.serve(
        EXPORT_KEYS_PATH,
        200,
        serde_json::to_vec(&published).unwrap(),
    );
    let before = server.requests().len();
    let out = stdout(&sync(&server.url, &b, None));
    assert_contains_all(
        &out,
        &[
            "using the 1 export key(s) the server publishes",
            "1 already matched, 0 downloaded",
            "new exposure windows: 0",
            "high_risk=true",
        ],
    );
    let paths: Vec<String> = server.requests()[before..]
        .iter()
        .map(|(_, path, _)| path.clone())
        .collect();
    assert_eq!(paths, ["/v1/export-keys", "/exports/JP/list.json"]);
    // A phone that never uploads only ever GETs public files.
    assert!(
        server
            .requests()
            .iter()
            .all(|(method, _, _)| method == "GET")
    );
}

#[test]
fn sync_refuses_a_file_signed_by_another_key_and_stores_nothing() {
    let SyncCase {
        dir,
        keys,
        signer,
        server,
    } = SyncCase::start();
    let stranger = ExportSigningKey::generate(&mut SeededRandom::new(6), "440", "v1").unwrap();
    serve_jp_list(&server, &[("/exports/JP/1.zip", 1)]);
    server.serve("/exports/JP/1.zip", 200, signed_zip(&stranger, &keys));
    let public_key = write_public_key(dir.path(), "key.pem", &signer);
    let b = dir.path().join("b").display().to_string();
    let output = sync(&server.url, &b, Some(&public_key));
    let out = String::from_utf8(output.stdout.clone()).unwrap();
    let error = stderr(&output);
    assert_contains_all(
        &out,
        &[
            "failed /exports/JP/1.zip: the export file could not be verified",
            "notice: No contact",
        ],
    );
    assert!(
        error.contains("could not be used; run sync again later"),
        "{error}"
    );

    // With the right key (a PEM file holding both versions) it is downloaded again and counts.
    let both = dir.path().join("both.pem");
    std::fs::write(
        &both,
        signer.public_key().to_pem().unwrap() + &stranger.public_key().to_pem().unwrap(),
    )
    .unwrap();
    let out = stdout(&sync(&server.url, &b, Some(&both)));
    assert_contains_all(
        &out,
        &[
            "matched /exports/JP/1.zip keys=1 matched_keys=1",
            "high_risk=true",
        ],
    );
}

#[test]
fn sync_without_a_server_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let signer = ExportSigningKey::generate(&mut SeededRandom::new(5), "440", "v1").unwrap();
    let key = write_public_key(dir.path(), "key.pem", &signer);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let data_dir = dir.path().join("p").display().to_string();
    let error = stderr(&sync(&url, &data_dir, Some(&key)));
    assert!(error.contains("could not be reached"), "{error}");
    assert!(
        !error.contains("127.0.0.1"),
        "no addresses in errors: {error}"
    );
    let error = stderr(&sync("ftp://example.jp", &data_dir, Some(&key)));
    assert!(error.contains("must start with https://"), "{error}");
}

#[test]
fn upload_trades_the_code_and_publishes_yesterdays_key_and_todays() {
    let dir = tempfile::tempdir().unwrap();
    let keys = b_met_a_yesterday(dir.path());
    let server = FixtureServer::start();
    server.serve(
        "/api/verify",
        200,
        r#"{"testtype":"confirmed","token":"token-1","padding":"xx"}"#,
    );
    server.serve(
        "/api/certificate",
        200,
        r#"{"certificate":"certificate-1"}"#,
    );
    server.serve(
        "/v1/publish",
        200,
        r#"{"revisionToken":"r","insertedExposures":1}"#,
    );
    let a = dir.path().join("a").display().to_string();
    let out = stdout(&upload(&server.url, "1234 5678", &a));
    // Yesterday's key and today's, released at once (except in the first 10 minutes of a UTC
    // day, when today's key has only just started).
    let today_released = now() % 86_400 >= 600;
    let sent = 1 + usize::from(today_released);
    assert_contains_all(
        &out,
        &[
            &format!("uploaded {sent} keys of"),
            "(confirmed test); the server stored 1 new",
        ],
    );
    assert_eq!(out.contains("today's key was released"), today_released);
    let requests = server.requests();
    let paths: Vec<&str> = requests.iter().map(|(_, path, _)| path.as_str()).collect();
    assert_eq!(paths, ["/api/verify", "/api/certificate", "/v1/publish"]);
    let publish: PublishRequest = serde_json::from_slice(&requests[2].2).unwrap();
    assert_eq!(publish.temporary_exposure_keys.len(), sent);
    assert_eq!(
        publish.temporary_exposure_keys[0]
            .temporary_exposure_key()
            .unwrap(),
        keys[0].key.key
    );
    if today_released {
        let today = &publish.temporary_exposure_keys[1];
        let now_interval = IntervalNumber::from_unix_seconds(now());
        assert_eq!(
            today.rolling_start_number,
            now_interval.rolling_start().value()
        );
        assert!(today.rolling_period < 144, "cut at the release");
    }
    assert_eq!(publish.verification_payload, "certificate-1");
}

#[test]
fn upload_with_a_refused_code_says_why_and_never_prints_the_code() {
    let dir = tempfile::tempdir().unwrap();
    b_met_a_yesterday(dir.path());
    let server = FixtureServer::start();
    server.serve(
        "/api/verify",
        400,
        r#"{"error":"code 87654321 not found","errorCode":"code_invalid"}"#,
    );
    let a = dir.path().join("a").display().to_string();
    let error = stderr(&upload(&server.url, "87654321", &a));
    assert!(
        error.contains("refused the verification code (HTTP 400, code_invalid)"),
        "{error}"
    );
    assert!(!error.contains("87654321"), "{error}");
    assert_eq!(server.requests().len(), 1);

    // A malformed code is refused before anything is sent.
    let error = stderr(&upload(&server.url, "1234", &a));
    assert!(error.contains("a verification code is 8 digits"), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_sync_killed_midway_loses_nothing_and_repeats_nothing() {
    let SyncCase {
        dir,
        keys,
        signer,
        server,
    } = SyncCase::start();
    let created = now() * 1_000;
    serve_jp_list(
        &server,
        &[
            ("exports/JP/1.zip", created),
            ("exports/JP/2.zip", created + 1),
        ],
    );
    server.serve("/exports/JP/1.zip", 200, signed_zip(&signer, &keys));
    server.serve("/exports/JP/2.zip", 200, signed_zip(&signer, &[]));
    let public_key = write_public_key(dir.path(), "key.pem", &signer);
    let b = dir.path().join("b").display().to_string();
    let args = sync_args(&server.url, &b, Some(&public_key));

    // The sync matches 1.zip, then hangs downloading 2.zip and is killed with SIGKILL.
    let asked = server.hold("/exports/JP/2.zip");
    let mut child = mimamori_command(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    asked
        .recv_timeout(std::time::Duration::from_secs(120))
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();

    // Nothing is lost: the next sync keeps 1.zip's windows without downloading it again, and
    // fetches only 2.zip.
    server.release();
    let before = server.requests().len();
    let out = stdout(&sync(&server.url, &b, Some(&public_key)));
    assert_contains_all(
        &out,
        &[
            "2 files listed for JP, 1 already matched, 1 downloaded",
            "matched exports/JP/2.zip",
        ],
    );
    assert!(
        out.contains("high_risk=true"),
        "1.zip's windows survived the kill: {out}"
    );
    let paths: Vec<String> = server.requests()[before..]
        .iter()
        .map(|(_, path, _)| path.clone())
        .collect();
    assert_eq!(paths, ["/exports/JP/list.json", "/exports/JP/2.zip"]);
}
