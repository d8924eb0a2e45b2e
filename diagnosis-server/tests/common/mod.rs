//! Helpers shared by the integration tests: a server on 127.0.0.1:0 with a fake clock, the real
//! binary as a child process, the phone's side of the upload flow over real HTTP, export files,
//! PostgreSQL databases; `browser` drives headless Chromium, `staff` the portal's HTML forms.

#![allow(dead_code)]

pub mod browser;
pub mod staff;

use std::sync::Arc;

use base64::Engine as _;
use mimamori_api::v1::{
    CERTIFICATE_PATH, CertificateRequest, CertificateResponse, ExposureKey, PUBLISH_PATH,
    PublishRequest, PublishResponse, TestType, VERIFY_PATH, VerifyCodeRequest, VerifyCodeResponse,
    key_hmac,
};
use mimamori_diagnosis_server::ratelimit::{Rate, RateLimits};
use mimamori_diagnosis_server::{Config, RunningServer, Server};
use mimamori_environment::{FixedClock, SeededRandom};
use mimamori_gaen::export::{ExportFile, ExportKey, ExportSummary};
use mimamori_gaen::{IntervalNumber, TemporaryExposureKey};
use serde_json::{Value, json};

/// 2026-11-20 12:00:00 UTC.
pub const START: u64 = 1_795_176_000;

/// The interval of today's UTC midnight at [`START`].
pub const TODAY: u32 = (START / 600 / 144 * 144) as u32;

pub struct TestServer {
    pub server: RunningServer,
    pub clock: FixedClock,
    pub api_key: String,
    pub client: reqwest::Client,
    pub directory: tempfile::TempDir,
}

/// A test server's configuration. Every request of a test comes from 127.0.0.1, so the rate
/// limits are raised far above what the tests send; the tests of the limits set their own.
pub fn config(directory: &std::path::Path) -> Config {
    let mut config = Config::new(directory);
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.export_worker = false;
    config.rate_limits = relaxed_limits();
    config
}

pub fn relaxed_limits() -> RateLimits {
    let plenty = Rate {
        burst: 100_000,
        per_minute: 100_000,
    };
    RateLimits {
        verify: plenty,
        certificate: plenty,
        authority: plenty,
        login: plenty,
        venue_secrets: plenty,
        venue_registrations: plenty,
        venue_documents: plenty,
        failed_verifications_per_minute: 100_000,
        ..RateLimits::default()
    }
}

pub async fn start() -> TestServer {
    start_with(|_| {}).await
}

pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
    let directory = tempfile::tempdir().unwrap();
    let mut config = config(directory.path());
    adjust(&mut config);
    let clock = FixedClock::new(START);
    let server = Server::start_with_clock(config, Arc::new(clock.clone()))
        .await
        .unwrap();
    let api_key = server.create_api_key("staff").await.unwrap();
    TestServer {
        server,
        clock,
        api_key,
        client: reqwest::Client::new(),
        directory,
    }
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    /// POSTs `body` as JSON without an API key; the status and the JSON answer (`Null` if none).
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        status_and_json(self.client.post(self.url(path)).json(body)).await
    }

    pub async fn authority_post(&self, path: &str, body: Value) -> (u16, Value) {
        status_and_json(
            self.client
                .post(self.url(path))
                .header("X-API-Key", &self.api_key)
                .json(&body),
        )
        .await
    }

    pub async fn authority_get(&self, path: &str) -> (u16, Value) {
        status_and_json(
            self.client
                .get(self.url(path))
                .header("X-API-Key", &self.api_key),
        )
        .await
    }

    /// Issues a code over HTTP with `request` (`testType`, `symptomDate`...); the answer.
    pub async fn issue(&self, request: Value) -> Value {
        let (status, body) = self
            .authority_post("/api/v1/authority/codes", request)
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Issues a code over HTTP; returns (id, code).
    pub async fn issue_code(&self, test_type: &str) -> (String, String) {
        let body = self.issue(json!({ "testType": test_type })).await;
        (
            body["id"].as_str().unwrap().to_owned(),
            body["code"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn post_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &impl serde::Serialize,
    ) -> (u16, T) {
        let response = self
            .client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    pub async fn verify(&self, code: &str) -> (u16, VerifyCodeResponse) {
        let request = VerifyCodeRequest {
            code: code.to_owned(),
            accept_test_types: vec![TestType::Confirmed, TestType::Likely, TestType::Negative],
            padding: String::new(),
        };
        self.post_json(VERIFY_PATH, &request).await
    }

    pub async fn certificate(&self, token: &str, hmac: &[u8]) -> (u16, CertificateResponse) {
        let request = CertificateRequest {
            token: token.to_owned(),
            ekeyhmac: base64::engine::general_purpose::STANDARD.encode(hmac),
            padding: String::new(),
        };
        self.post_json(CERTIFICATE_PATH, &request).await
    }

    /// The whole phone flow for `keys`: issue a code, verify, certificate, publish.
    pub async fn upload(&self, keys: Vec<ExposureKey>) -> (u16, PublishResponse) {
        let request = self.certified_request(keys).await;
        self.post_json(PUBLISH_PATH, &request).await
    }

    /// The phone flow for `keys` with a code staff gave out: verify, certificate, publish.
    pub async fn upload_with_code(
        &self,
        code: &str,
        keys: Vec<ExposureKey>,
    ) -> (u16, PublishResponse) {
        let request = self.certified_request_with(code, keys).await;
        self.post_json(PUBLISH_PATH, &request).await
    }

    /// A publish request with a valid certificate, not yet sent.
    pub async fn certified_request(&self, keys: Vec<ExposureKey>) -> PublishRequest {
        let (_, code) = self.issue_code("confirmed").await;
        self.certified_request_with(&code, keys).await
    }

    /// A publish request for `keys` with a certificate bought with `code`, not yet sent.
    pub async fn certified_request_with(
        &self,
        code: &str,
        keys: Vec<ExposureKey>,
    ) -> PublishRequest {
        let (status, verified) = self.verify(code).await;
        assert_eq!(status, 200, "{verified:?}");
        let hmac_key = [7u8; 32];
        let (status, certificate) = self
            .certificate(&verified.token, &key_hmac(&hmac_key, &keys))
            .await;
        assert_eq!(status, 200, "{certificate:?}");
        PublishRequest::for_upload(
            keys,
            "JP.mimamori",
            &certificate.certificate,
            &hmac_key,
            None,
            &mut SeededRandom::new(1),
        )
    }

    pub async fn export(&self) -> Value {
        let (status, body) = self
            .authority_post("/api/v1/authority/export", json!({}))
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// GETs `path`; the response, which must arrive.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// POSTs `size` bytes of spaces as JSON to `path` (to go over a body limit); the response.
    pub async fn post_blank_json(&self, path: &str, size: usize) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(vec![b' '; size])
            .send()
            .await
            .unwrap()
    }

    pub async fn get_bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    }

    /// A venue room's poster or QR image (`format`: pdf, png, svg), fetched with its QR text.
    pub async fn room_file(&self, qr_url: &str, format: &str) -> Vec<u8> {
        let response = self
            .client
            .post(self.url(mimamori_diagnosis_server::venues::POSTERS_PATH))
            .json(&json!({"qrUrl": qr_url, "format": format}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{format}");
        response.bytes().await.unwrap().to_vec()
    }

    /// The number of rows in `table` of the server's SQLite database.
    pub fn count_rows(&self, table: &str) -> i64 {
        let connection =
            rusqlite::Connection::open(self.directory.path().join("diagnosis.sqlite3")).unwrap();
        connection
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .unwrap()
    }
}

/// Sends `request`; the status and the JSON answer (`Null` if the body is not JSON).
pub async fn status_and_json(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The status of a GET of `url`.
pub async fn status_of(client: &reqwest::Client, url: &str) -> u16 {
    client.get(url).send().await.unwrap().status().as_u16()
}

/// The body of a GET of `url`, which must arrive (any status).
pub async fn fetch_bytes(client: &reqwest::Client, url: &str) -> Vec<u8> {
    client
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

/// A wire key with all bytes `byte`, starting at `start`, valid a whole day.
pub fn key(byte: u8, start: u32) -> ExposureKey {
    ExposureKey::new(
        &TemporaryExposureKey::from_bytes([byte; 16]),
        IntervalNumber::new(start),
        144,
        0,
    )
    .unwrap()
}

/// The keys of an export zip's bytes, in file order, and its summary.
pub fn export_keys(bytes: &[u8]) -> (Vec<ExportKey>, ExportSummary) {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("export.zip");
    std::fs::write(&path, bytes).unwrap();
    let mut file = ExportFile::open(&path).unwrap();
    let mut reader = file.keys().unwrap();
    let mut keys = Vec::new();
    while let Some(key) = reader.next_key().unwrap() {
        keys.push(key);
    }
    (keys, reader.finish().unwrap())
}

/// The keys of an export zip's bytes, in file order, and whether the given public key verifies
/// it.
pub fn read_export(bytes: &[u8], public_key_pem: &str) -> (Vec<[u8; 16]>, ExportSummary, bool) {
    let (keys, summary) = export_keys(bytes);
    let keys = keys.iter().map(|key| *key.key.key.as_bytes()).collect();
    let public = mimamori_gaen::ExportPublicKey::from_pem(public_key_pem).unwrap();
    let verified = summary.is_verified_by(&public);
    (keys, summary, verified)
}

/// The bootstrap API key of the real binary in the process-level tests.
pub const BINARY_API_KEY: &str = "binary-test-api-key-0123456789";

/// The real server binary as a child on 127.0.0.1:0 over `data_dir`, with [`BINARY_API_KEY`] as
/// its bootstrap API key and no export worker; `configure` adds flags and environment. Returns
/// the child (killed when dropped) and the server's base URL, once it listens.
pub fn spawn_binary(
    data_dir: &std::path::Path,
    configure: impl FnOnce(&mut std::process::Command),
) -> (KillOnDrop, String) {
    spawn_binary_command(
        std::process::Command::new(SERVER_BINARY),
        data_dir,
        configure,
    )
}

/// As [`spawn_binary`], but through `sh -c "<setup> && exec <binary> ..."`: a `umask` or a
/// `ulimit` for the server alone.
pub fn spawn_binary_after(
    setup: &str,
    data_dir: &std::path::Path,
    configure: impl FnOnce(&mut std::process::Command),
) -> (KillOnDrop, String) {
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(format!("{setup} && exec \"$0\" \"$@\""))
        .arg(SERVER_BINARY);
    spawn_binary_command(command, data_dir, configure)
}

fn spawn_binary_command(
    mut command: std::process::Command,
    data_dir: &std::path::Path,
    configure: impl FnOnce(&mut std::process::Command),
) -> (KillOnDrop, String) {
    command
        .args(server_arguments(data_dir, BINARY_API_KEY))
        .env("MIMAMORI_LOG", "warn")
        .stderr(std::process::Stdio::null());
    configure(&mut command);
    let (child, base) = spawn_listening(command);
    (KillOnDrop(child), base)
}

/// The server binary under test.
pub const SERVER_BINARY: &str = env!("CARGO_BIN_EXE_mimamori-diagnosis-server");

/// The arguments [`spawn_binary`] gives the server: `data_dir`, 127.0.0.1:0, no export worker,
/// `api_key` as the bootstrap API key.
fn server_arguments(data_dir: &std::path::Path, api_key: &str) -> Vec<std::ffi::OsString> {
    vec![
        "--data-dir".into(),
        data_dir.into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--no-export-worker".into(),
        "--bootstrap-api-key".into(),
        api_key.into(),
    ]
}

/// Spawns `command` (the server binary, or a shell that execs it) with stdout piped, and waits
/// until it prints the address it listens on.
fn spawn_listening(mut command: std::process::Command) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    command.stdout(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server exited before listening")
            .unwrap();
        if let Some(address) = line.strip_prefix("Listening on ") {
            break address.to_owned();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://{address}"))
}

/// The JSON answer to `request`, which must arrive.
pub async fn json_from<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    request.send().await.unwrap().json().await.unwrap()
}

/// Runs an export over HTTP on the binary at `base` (with [`BINARY_API_KEY`]); the answer.
pub async fn export_over_http(client: &reqwest::Client, base: &str) -> Value {
    json_from(
        client
            .post(format!("{base}/api/v1/authority/export"))
            .header("X-API-Key", BINARY_API_KEY),
    )
    .await
}

/// [`upload_one_key`] to the binary at `base`, which must acknowledge it, then an export over
/// HTTP, which must export that key; the key.
pub async fn upload_and_export(client: &reqwest::Client, base: &str) -> TemporaryExposureKey {
    let (tek, response) = upload_one_key(client, base).await;
    assert_eq!(response.status().as_u16(), 200);
    let published: PublishResponse = response.json().await.unwrap();
    assert_eq!(published.inserted_exposures, 1);
    let outcome = export_over_http(client, base).await;
    assert_eq!(outcome["keys"], 1, "{outcome}");
    tek
}

/// A phone's whole upload over HTTP to the binary at `base` on the system clock: a code issued
/// with [`BINARY_API_KEY`], verified, a certificate for one fresh key of yesterday, and the publish
/// request. Returns the key and the publish answer.
pub async fn upload_one_key(
    client: &reqwest::Client,
    base: &str,
) -> (TemporaryExposureKey, reqwest::Response) {
    let issued: Value = json_from(
        client
            .post(format!("{base}/api/v1/authority/codes"))
            .header("X-API-Key", BINARY_API_KEY)
            .json(&json!({ "testType": "confirmed" })),
    )
    .await;
    let verified: VerifyCodeResponse = json_from(
        client
            .post(format!("{base}{VERIFY_PATH}"))
            .json(&json!({ "code": issued["code"] })),
    )
    .await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let yesterday = (now / 600 / 144 * 144 - 144) as u32;
    let tek = TemporaryExposureKey::generate(&mut mimamori_environment::OsRandom);
    let keys = vec![ExposureKey::new(&tek, IntervalNumber::new(yesterday), 144, 0).unwrap()];
    let hmac_key = [9u8; 32];
    let hmac = base64::engine::general_purpose::STANDARD.encode(key_hmac(&hmac_key, &keys));
    let certificate: CertificateResponse = json_from(
        client
            .post(format!("{base}{CERTIFICATE_PATH}"))
            .json(&json!({ "token": verified.token, "ekeyhmac": hmac })),
    )
    .await;
    let request = PublishRequest::for_upload(
        keys,
        "JP.mimamori",
        &certificate.certificate,
        &hmac_key,
        None,
        &mut mimamori_environment::OsRandom,
    );
    let response = client
        .post(format!("{base}{PUBLISH_PATH}"))
        .json(&request)
        .send()
        .await
        .unwrap();
    (tek, response)
}

/// A child server process killed (SIGKILL) and reaped when dropped, also when a test fails.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The PostgreSQL URL of the storage tests (`MIMAMORI_TEST_POSTGRES_URL`), `None` to skip them;
/// with `MIMAMORI_REQUIRE_POSTGRES=1` a missing URL fails the test instead.
pub fn postgres_url() -> Option<String> {
    let url = std::env::var("MIMAMORI_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty());
    if url.is_none() {
        assert!(
            std::env::var("MIMAMORI_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "MIMAMORI_REQUIRE_POSTGRES=1 but MIMAMORI_TEST_POSTGRES_URL is not set"
        );
        eprintln!("note: MIMAMORI_TEST_POSTGRES_URL is not set; skipping the PostgreSQL tests");
    }
    url
}

/// Creates the database `mimamori_<purpose>_<process id>` on the server of `url` and returns its
/// URL. `purpose` tells the tests of this process apart.
pub async fn fresh_postgres_database(url: &str, purpose: &str) -> String {
    let database = format!("mimamori_{purpose}_{}", std::process::id());
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {database}"))
        .await
        .unwrap();
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    format!("{base}/{database}")
}
