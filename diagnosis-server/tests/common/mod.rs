//! Helpers shared by the integration tests: a server on 127.0.0.1:0 with a fake clock, the real
//! binary as a child process, and the phone's side of the upload flow over real HTTP.

#![allow(dead_code, unreachable_pub, missing_docs)]

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

    pub async fn authority_post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url(path))
            .header("X-API-Key", &self.api_key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn authority_get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(self.url(path))
            .header("X-API-Key", &self.api_key)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Issues a code over HTTP; returns (id, code).
    pub async fn issue_code(&self, test_type: &str) -> (String, String) {
        let (status, body) = self
            .authority_post("/api/v1/authority/codes", json!({ "testType": test_type }))
            .await;
        assert_eq!(status, 200, "{body}");
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

    /// A publish request with a valid certificate, not yet sent.
    pub async fn certified_request(&self, keys: Vec<ExposureKey>) -> PublishRequest {
        let (_, code) = self.issue_code("confirmed").await;
        let (status, verified) = self.verify(&code).await;
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

    pub async fn get_bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    }
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

/// The keys of an export zip's bytes, in file order, and whether the given public key verifies
/// it.
pub fn read_export(
    bytes: &[u8],
    public_key_pem: &str,
) -> (Vec<[u8; 16]>, mimamori_gaen::export::ExportSummary, bool) {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("export.zip");
    std::fs::write(&path, bytes).unwrap();
    let mut file = mimamori_gaen::export::ExportFile::open(&path).unwrap();
    let mut reader = file.keys().unwrap();
    let mut keys = Vec::new();
    while let Some(key) = reader.next_key().unwrap() {
        keys.push(*key.key.key.as_bytes());
    }
    let summary = reader.finish().unwrap();
    let public = mimamori_gaen::ExportPublicKey::from_pem(public_key_pem).unwrap();
    let verified = summary.is_verified_by(&public);
    (keys, summary, verified)
}

/// The real server binary as a child on 127.0.0.1:0 over `data_dir`, with `api_key` as its
/// bootstrap API key and no export worker; `configure` adds flags and environment. Returns the
/// child and the server's base URL, once it listens.
pub fn spawn_binary(
    data_dir: &std::path::Path,
    api_key: &str,
    configure: impl FnOnce(&mut std::process::Command),
) -> (std::process::Child, String) {
    let mut command = std::process::Command::new(SERVER_BINARY);
    command
        .args(server_arguments(data_dir, api_key))
        .env("MIMAMORI_LOG", "warn")
        .stderr(std::process::Stdio::null());
    configure(&mut command);
    spawn_listening(command)
}

/// The server binary under test.
pub const SERVER_BINARY: &str = env!("CARGO_BIN_EXE_mimamori-diagnosis-server");

/// The arguments [`spawn_binary`] gives the server: `data_dir`, 127.0.0.1:0, no export worker,
/// `api_key` as the bootstrap API key.
pub fn server_arguments(data_dir: &std::path::Path, api_key: &str) -> Vec<std::ffi::OsString> {
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
pub fn spawn_listening(mut command: std::process::Command) -> (std::process::Child, String) {
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

/// A phone's whole upload over HTTP to a server at `base` on the system clock: a code issued
/// with `api_key`, verified, a certificate for one fresh key of yesterday, and the publish
/// request. Returns the key and the publish answer.
pub async fn upload_one_key(
    client: &reqwest::Client,
    base: &str,
    api_key: &str,
) -> (TemporaryExposureKey, reqwest::Response) {
    let issued: Value = json_from(
        client
            .post(format!("{base}/api/v1/authority/codes"))
            .header("X-API-Key", api_key)
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
