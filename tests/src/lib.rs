//! The harness of Mimamori's end-to-end flows: a real diagnosis server on 127.0.0.1:0 over a
//! temporary data directory (SQLite database, signing keys, export files), phones over their
//! own temporary SQLite files, one fake clock for all of them, and a blocking HTTP client the
//! phones' engine uses as its [`Transport`].
//!
//! ```no_run
//! use mimamori_end_to_end::World;
//!
//! let world = World::start(1_795_078_800);
//! let mut phone = world.phone("a", 1);
//! let code = world.issue_code("confirmed", None);
//! # let _ = (&mut phone, code);
//! world.shutdown();
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use mimamori_diagnosis_server::{Config, RunningServer, Server};
use mimamori_environment::FixedClock;
use mimamori_phone::testing::open_phone;
use mimamori_phone::transport::{HttpRequest, HttpResponse, ServerUrl, Transport};
use mimamori_phone::{Phone, Result};

/// The server and everything around it.
pub struct World {
    runtime: tokio::runtime::Runtime,
    server: Option<RunningServer>,
    /// The clock of the server and of every phone.
    pub clock: FixedClock,
    /// The health authority's API key.
    api_key: String,
    /// Every phone's and the server's files live under here.
    directory: tempfile::TempDir,
    /// The operator's HTTP client.
    http: RecordingClient,
}

impl World {
    /// Starts a diagnosis server (export worker off: exports run when a test says so) with the
    /// clock at `unix_seconds`.
    pub fn start(unix_seconds: u64) -> Self {
        let directory = tempfile::tempdir().unwrap();
        let clock = FixedClock::new(unix_seconds);
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let mut config = Config::new(directory.path().join("server"));
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.export_worker = false;
        let server = runtime
            .block_on(Server::start_with_clock(config, Arc::new(clock.clone())))
            .unwrap();
        let api_key = runtime
            .block_on(server.create_api_key("end-to-end"))
            .unwrap();
        Self {
            runtime,
            server: Some(server),
            clock,
            api_key,
            directory,
            http: RecordingClient::default(),
        }
    }

    fn server(&self) -> &RunningServer {
        self.server.as_ref().unwrap()
    }

    /// The server's base URL, `http://127.0.0.1:<port>`.
    pub fn server_url(&self) -> ServerUrl {
        ServerUrl::parse(&self.server().base_url()).unwrap()
    }

    /// The server's data directory.
    pub fn server_dir(&self) -> PathBuf {
        self.directory.path().join("server")
    }

    /// A phone named `name` (its data directory is under the world's) with a seeded random
    /// source and the world's clock.
    pub fn phone(&self, name: &str, seed: u64) -> Phone {
        open_phone(&self.phone_dir(name), &self.clock, seed)
    }

    /// The data directory of phone `name`.
    pub fn phone_dir(&self, name: &str) -> PathBuf {
        self.directory.path().join("phones").join(name)
    }

    /// Health-authority staff issue a verification code over HTTP
    /// (`POST /api/v1/authority/codes` with the API key).
    pub fn issue_code(&self, test_type: &str, symptom_date: Option<time::Date>) -> String {
        let mut request = serde_json::json!({ "testType": test_type });
        if let Some(date) = symptom_date {
            request["symptomDate"] = date.to_string().into();
        }
        let (status, answer) = self.authority_post("/api/v1/authority/codes", &request);
        assert_eq!(status, 200, "{answer}");
        answer["code"].as_str().unwrap().to_owned()
    }

    /// Runs an export batch now, over HTTP as an operator would
    /// (`POST /api/v1/authority/export`); returns the server's answer.
    pub fn run_export(&self) -> serde_json::Value {
        let (status, answer) =
            self.authority_post("/api/v1/authority/export", &serde_json::json!({}));
        assert_eq!(status, 200, "{answer}");
        answer
    }

    /// POSTs `body` as JSON to `path` of the server with `headers`; the status and the JSON
    /// answer (`Null` if the body is not JSON).
    pub fn post(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post_json(
                &self.server_url().join(path),
                headers,
                body.to_string().as_bytes(),
                16 << 20,
            )
            .unwrap();
        let answer = serde_json::from_slice(&response.body).unwrap_or(serde_json::Value::Null);
        (response.status, answer)
    }

    /// As [`World::post`], with the health authority's API key.
    pub fn authority_post(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        self.post(path, &[("X-API-Key", self.api_key.as_str())], body)
    }

    /// The body of a GET of `path` of the server, which must answer 200.
    pub fn get(&self, path: &str) -> Vec<u8> {
        let response = self
            .http
            .get(&self.server_url().join(path), 16 << 20)
            .unwrap();
        assert_eq!(response.status, 200, "GET {path}");
        response.body
    }

    /// A blocking HTTP client for a phone, recording the requests it makes.
    pub fn client(&self) -> RecordingClient {
        RecordingClient::default()
    }

    /// Stops the server gracefully.
    pub fn shutdown(mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown()).unwrap();
        }
    }
}

/// Whether the file exists and starts with SQLite's header.
pub fn is_sqlite_file(path: &Path) -> bool {
    let mut header = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut header))
        .is_ok()
        && &header == b"SQLite format 3\0"
}

/// The CLI's own HTTP client (`cli/src/client.rs`, ureq), compiled into this crate too: the flows
/// run through the client `mimamori upload` and `mimamori sync` ship with.
#[path = "../../cli/src/client.rs"]
mod cli_client;

/// The CLI's blocking HTTP client as the engine's [`Transport`], remembering every request's
/// method and URL.
#[derive(Clone)]
pub struct RecordingClient {
    client: Arc<cli_client::HttpClient>,
    requests: Arc<Mutex<Vec<(String, String)>>>,
}

impl Default for RecordingClient {
    fn default() -> Self {
        Self {
            client: Arc::new(cli_client::HttpClient::new()),
            requests: Arc::default(),
        }
    }
}

impl RecordingClient {
    /// Every request so far: method and URL.
    pub fn requests(&self) -> Vec<(String, String)> {
        self.requests.lock().unwrap().clone()
    }

    /// Forgets the requests so far.
    pub fn clear(&self) {
        self.requests.lock().unwrap().clear();
    }
}

impl Transport for RecordingClient {
    fn send(&self, request: HttpRequest<'_>, max_bytes: u64) -> Result<HttpResponse> {
        self.requests
            .lock()
            .unwrap()
            .push((request.method().into(), request.url().to_owned()));
        self.client.send(request, max_bytes)
    }
}
