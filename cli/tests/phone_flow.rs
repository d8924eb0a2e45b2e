//! `mimamori upload` and `mimamori sync`, run as a user would run them, against a small HTTP
//! server on 127.0.0.1 that serves fixed answers (the real diagnosis server is driven by the
//! end-to-end tests in the top-level `tests/` crate).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use mimamori_api::v1::{ExportListEntry, PublishRequest, render_export_list};
use mimamori_environment::{Clock, FixedClock, SeededRandom};
use mimamori_gaen::export::{ExportHeader, ExportKey, ExportSigningKey, ExportWriter};
use mimamori_gaen::{
    DeviceCalibration, DiagnosisKey, IntervalNumber, ReportType, ScanBatch, Sighting,
};
use mimamori_phone::Phone;

/// A request the fixture server received: method, path, body.
type Request = (String, String, Vec<u8>);

/// Path to (status, body).
type Routes = Arc<Mutex<HashMap<String, (u16, Vec<u8>)>>>;

/// The path whose requests are held, and who to tell when one arrives.
type Held = Arc<Mutex<Option<(String, std::sync::mpsc::Sender<()>)>>>;

/// An HTTP/1.1 server on 127.0.0.1 answering each path with a fixed status and body; a "held"
/// path is never answered (the server reports that it was asked for it).
struct FixtureServer {
    url: String,
    routes: Routes,
    requests: Arc<Mutex<Vec<Request>>>,
    held: Held,
}

impl FixtureServer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = Self {
            url,
            routes: Arc::default(),
            requests: Arc::default(),
            held: Arc::default(),
        };
        let (routes, log, held) = (
            server.routes.clone(),
            server.requests.clone(),
            server.held.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (routes, log, held) = (routes.clone(), log.clone(), held.clone());
                std::thread::spawn(move || answer(stream, &routes, &log, &held));
            }
        });
        server
    }

    fn serve(&self, path: &str, status: u16, body: impl Into<Vec<u8>>) {
        self.routes
            .lock()
            .unwrap()
            .insert(path.to_owned(), (status, body.into()));
    }

    /// Requests for `path` get no answer; the receiver hears of each one.
    fn hold(&self, path: &str) -> std::sync::mpsc::Receiver<()> {
        let (sender, receiver) = std::sync::mpsc::channel();
        *self.held.lock().unwrap() = Some((path.to_owned(), sender));
        receiver
    }

    fn release(&self) {
        *self.held.lock().unwrap() = None;
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

/// Reads one request and answers it from `routes` (or holds it).
fn answer(
    mut stream: std::net::TcpStream,
    routes: &Routes,
    log: &Mutex<Vec<Request>>,
    held: &Held,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    log.lock().unwrap().push((method, path.clone(), body));
    let hold = held
        .lock()
        .unwrap()
        .as_ref()
        .filter(|(held_path, _)| *held_path == path)
        .map(|(_, sender)| sender.clone());
    if let Some(sender) = hold {
        let _ = sender.send(());
        // Never answer: the client waits until it is killed.
        loop {
            std::thread::park();
        }
    }
    let (status, body) = routes
        .lock()
        .unwrap()
        .get(&path)
        .cloned()
        .unwrap_or((404, b"not found".to_vec()));
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

fn mimamori(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mimamori"))
        .args(args)
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    assert!(!output.status.success(), "unexpectedly succeeded");
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// 09:00 UTC yesterday (the CLI runs on the system clock, so the meeting is recent).
fn yesterday_morning() -> u64 {
    (now() / 86_400 - 1) * 86_400 + 9 * 3_600
}

fn open(dir: &Path, clock: &FixedClock, seed: u64) -> Phone {
    Phone::open(
        dir,
        DeviceCalibration::UNKNOWN_DEVICE,
        Arc::new(clock.clone()),
        Box::new(SeededRandom::new(seed)),
    )
    .unwrap()
}

/// Phone B (in `dir/b`) spent 24 minutes near phone A (`dir/a`) yesterday morning. Returns A's
/// key of yesterday as an export key.
fn b_met_a_yesterday(dir: &Path) -> Vec<ExportKey> {
    let clock = FixedClock::new(yesterday_morning());
    let mut a = open(&dir.join("a"), &clock, 1);
    let mut b = open(&dir.join("b"), &clock, 2);
    for scan_id in 0..6 {
        let payload = a.schedule().broadcast().unwrap().payload;
        let at = clock.now_unix_seconds();
        b.record_scan(&ScanBatch {
            scan_id,
            started_at: at,
            sightings: vec![Sighting::new(payload, -82, at + 1).unwrap(); 3],
        })
        .unwrap();
        clock.advance(240);
    }
    clock.set(now());
    let yesterday = IntervalNumber::from_unix_seconds(yesterday_morning()).utc_date();
    a.schedule()
        .keys_for_upload(yesterday, yesterday)
        .unwrap()
        .into_iter()
        .map(|key| {
            ExportKey::new(
                DiagnosisKey::new(
                    key.key,
                    key.rolling_start,
                    key.rolling_period,
                    ReportType::ConfirmedTest,
                    Some(0),
                )
                .unwrap(),
            )
        })
        .collect()
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
    let dir = tempfile::tempdir().unwrap();
    let keys = b_met_a_yesterday(dir.path());
    let signer = ExportSigningKey::generate(&mut SeededRandom::new(5), "440", "v1").unwrap();
    let server = FixtureServer::start();
    server.serve(
        "/exports/JP/list.json",
        200,
        render_export_list(&[ExportListEntry {
            region: "JP".into(),
            url: "exports/JP/1.zip".into(),
            created: now() * 1_000,
        }]),
    );
    server.serve("/exports/JP/1.zip", 200, signed_zip(&signer, &keys));
    let public_key = write_public_key(dir.path(), "key.pem", &signer);
    let b = dir.path().join("b").display().to_string();
    let sync = |data_dir: &str, key: &Path| {
        mimamori(&[
            "sync",
            "--server",
            &server.url,
            "--data-dir",
            data_dir,
            "--public-key",
            key.to_str().unwrap(),
        ])
    };

    let out = stdout(&sync(&b, &public_key));
    let yesterday = IntervalNumber::from_unix_seconds(yesterday_morning()).utc_date();
    assert!(
        out.contains("1 files listed for JP, 0 already matched, 1 downloaded"),
        "{out}"
    );
    assert!(
        out.contains("matched exports/JP/1.zip keys=1 matched_keys=1 new_windows="),
        "{out}"
    );
    assert!(
        out.lines().any(
            |line| line.starts_with(&yesterday.to_string()) && line.ends_with("high_risk=true")
        ),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "notice: On {yesterday} you may have been within 1 metre"
        )),
        "{out}"
    );

    // The second sync downloads nothing and keeps the verdict; without --public-key it uses the
    // keys the server publishes.
    server.serve(
        "/v1/export-keys",
        200,
        serde_json::json!({"keys": [{"publicKeyPem": signer.public_key().to_pem().unwrap()}]})
            .to_string(),
    );
    let before = server.requests().len();
    let out = stdout(&mimamori(&[
        "sync",
        "--server",
        &server.url,
        "--data-dir",
        &b,
    ]));
    assert!(
        out.contains("using the 1 export key(s) the server publishes"),
        "{out}"
    );
    assert!(out.contains("1 already matched, 0 downloaded"), "{out}");
    assert!(out.contains("new exposure windows: 0"), "{out}");
    assert!(out.contains("high_risk=true"), "{out}");
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
    let dir = tempfile::tempdir().unwrap();
    let keys = b_met_a_yesterday(dir.path());
    let signer = ExportSigningKey::generate(&mut SeededRandom::new(5), "440", "v1").unwrap();
    let stranger = ExportSigningKey::generate(&mut SeededRandom::new(6), "440", "v1").unwrap();
    let server = FixtureServer::start();
    server.serve(
        "/exports/JP/list.json",
        200,
        render_export_list(&[ExportListEntry {
            region: "JP".into(),
            url: "/exports/JP/1.zip".into(),
            created: 1,
        }]),
    );
    server.serve("/exports/JP/1.zip", 200, signed_zip(&stranger, &keys));
    let public_key = write_public_key(dir.path(), "key.pem", &signer);
    let b = dir.path().join("b").display().to_string();
    let output = mimamori(&[
        "sync",
        "--server",
        &server.url,
        "--data-dir",
        &b,
        "--public-key",
        public_key.to_str().unwrap(),
    ]);
    let out = String::from_utf8(output.stdout.clone()).unwrap();
    let error = stderr(&output);
    assert!(
        out.contains("failed /exports/JP/1.zip: the export file could not be verified"),
        "{out}"
    );
    assert!(out.contains("notice: No contact"), "{out}");
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
    let out = stdout(&mimamori(&[
        "sync",
        "--server",
        &server.url,
        "--data-dir",
        &b,
        "--public-key",
        both.to_str().unwrap(),
    ]));
    assert!(
        out.contains("matched /exports/JP/1.zip keys=1 matched_keys=1"),
        "{out}"
    );
    assert!(out.contains("high_risk=true"), "{out}");
}

#[test]
fn sync_without_a_server_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let signer = ExportSigningKey::generate(&mut SeededRandom::new(5), "440", "v1").unwrap();
    let key = write_public_key(dir.path(), "key.pem", &signer);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let data_dir = dir.path().join("p").display().to_string();
    let error = stderr(&mimamori(&[
        "sync",
        "--server",
        &url,
        "--data-dir",
        &data_dir,
        "--public-key",
        key.to_str().unwrap(),
    ]));
    assert!(error.contains("could not be reached"), "{error}");
    assert!(
        !error.contains("127.0.0.1"),
        "no addresses in errors: {error}"
    );
    let error = stderr(&mimamori(&[
        "sync",
        "--server",
        "ftp://example.jp",
        "--data-dir",
        &data_dir,
        "--public-key",
        key.to_str().unwrap(),
    ]));
    assert!(error.contains("must start with https://"), "{error}");
}

#[test]
fn upload_trades_the_code_and_publishes_yesterdays_key() {
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
    let out = stdout(&mimamori(&[
        "upload",
        "--server",
        &server.url,
        "--code",
        "1234 5678",
        "--data-dir",
        &a,
    ]));
    assert!(out.contains("uploaded 1 keys of"), "{out}");
    assert!(
        out.contains("(confirmed test); the server stored 1 new"),
        "{out}"
    );
    let requests = server.requests();
    let paths: Vec<&str> = requests.iter().map(|(_, path, _)| path.as_str()).collect();
    assert_eq!(paths, ["/api/verify", "/api/certificate", "/v1/publish"]);
    let publish: PublishRequest = serde_json::from_slice(&requests[2].2).unwrap();
    assert_eq!(publish.temporary_exposure_keys.len(), 1);
    assert_eq!(
        publish.temporary_exposure_keys[0]
            .temporary_exposure_key()
            .unwrap(),
        keys[0].key.key
    );
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
    let error = stderr(&mimamori(&[
        "upload",
        "--server",
        &server.url,
        "--code",
        "87654321",
        "--data-dir",
        &a,
    ]));
    assert!(
        error.contains("refused the verification code (HTTP 400, code_invalid)"),
        "{error}"
    );
    assert!(!error.contains("87654321"), "{error}");
    assert_eq!(server.requests().len(), 1);

    // A malformed code is refused before anything is sent.
    let error = stderr(&mimamori(&[
        "upload",
        "--server",
        &server.url,
        "--code",
        "1234",
        "--data-dir",
        &a,
    ]));
    assert!(error.contains("a verification code is 8 digits"), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_sync_killed_midway_loses_nothing_and_repeats_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let keys = b_met_a_yesterday(dir.path());
    let signer = ExportSigningKey::generate(&mut SeededRandom::new(5), "440", "v1").unwrap();
    let server = FixtureServer::start();
    let created = now() * 1_000;
    server.serve(
        "/exports/JP/list.json",
        200,
        render_export_list(&[
            ExportListEntry {
                region: "JP".into(),
                url: "exports/JP/1.zip".into(),
                created,
            },
            ExportListEntry {
                region: "JP".into(),
                url: "exports/JP/2.zip".into(),
                created: created + 1,
            },
        ]),
    );
    server.serve("/exports/JP/1.zip", 200, signed_zip(&signer, &keys));
    server.serve("/exports/JP/2.zip", 200, signed_zip(&signer, &[]));
    let public_key = write_public_key(dir.path(), "key.pem", &signer);
    let b = dir.path().join("b").display().to_string();
    let args = [
        "sync",
        "--server",
        &server.url,
        "--data-dir",
        &b,
        "--public-key",
        public_key.to_str().unwrap(),
    ];

    // The sync matches 1.zip, then hangs downloading 2.zip and is killed with SIGKILL.
    let asked = server.hold("/exports/JP/2.zip");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mimamori"))
        .args(args)
        .env("NO_PROXY", "127.0.0.1")
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
    let out = stdout(&mimamori(&args));
    assert!(
        out.contains("2 files listed for JP, 1 already matched, 1 downloaded"),
        "{out}"
    );
    assert!(out.contains("matched exports/JP/2.zip"), "{out}");
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
