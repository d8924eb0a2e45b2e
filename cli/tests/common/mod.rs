//! Helpers shared by the CLI's tests: running the binary, reading its output, and a small HTTP
//! server on 127.0.0.1 with fixed answers (phones on a fixed clock are
//! `mimamori_phone::testing`'s).

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// The binary under test, not yet run. Local servers are reached directly, never via a proxy.
pub fn mimamori_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mimamori"));
    command.args(args).env("NO_PROXY", "127.0.0.1");
    command
}

/// Runs the binary with `args` to the end.
pub fn mimamori(args: &[&str]) -> Output {
    mimamori_command(args).output().unwrap()
}

/// Runs the binary with `args` followed by `more`.
pub fn mimamori_then(args: &[&str], more: &[&str]) -> Output {
    mimamori(&[args, more].concat())
}

/// `name value` as arguments if there is a value, else none.
pub fn flag<'a>(name: &'a str, value: Option<&'a str>) -> Vec<&'a str> {
    value.map(|value| vec![name, value]).unwrap_or_default()
}

/// The standard output of a run that must have succeeded.
pub fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "mimamori failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// The standard error of a run that must have failed.
pub fn stderr(output: &Output) -> String {
    assert!(!output.status.success(), "unexpectedly succeeded");
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Asserts that `text` (a run's output) contains each of `parts`, showing the whole text if not.
#[track_caller]
pub fn assert_contains_all(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "no {part:?} in:\n{text}");
    }
}

/// Asserts that `out` (a sync's or risk's output) has the line of `day` flagged high risk.
#[track_caller]
pub fn assert_high_risk_on(out: &str, day: time::Date) {
    assert!(
        out.lines()
            .any(|line| line.starts_with(&day.to_string()) && line.ends_with("high_risk=true")),
        "{day} is not flagged high risk in:\n{out}"
    );
}

/// `mimamori upload` of the phone in `data_dir` to `server` with `code`.
pub fn upload(server: &str, code: &str, data_dir: &str) -> Output {
    mimamori(&[
        "upload",
        "--server",
        server,
        "--code",
        code,
        "--data-dir",
        data_dir,
    ])
}

/// `mimamori sync` of the phone in `data_dir` with `server`, verifying with the PEM file
/// `public_key` (else with the keys the server publishes).
pub fn sync(server: &str, data_dir: &str, public_key: Option<&Path>) -> Output {
    mimamori(&sync_args(server, data_dir, public_key))
}

/// The arguments of [`sync`].
pub fn sync_args<'a>(
    server: &'a str,
    data_dir: &'a str,
    public_key: Option<&'a Path>,
) -> Vec<&'a str> {
    let key = flag("--public-key", public_key.map(|key| key.to_str().unwrap()));
    [
        &["sync", "--server", server, "--data-dir", data_dir][..],
        &key,
    ]
    .concat()
}

/// The system clock in Unix seconds (the binary runs on it).
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// 09:00 UTC yesterday (the CLI runs on the system clock, so a meeting then is recent).
pub fn yesterday_morning() -> u64 {
    (now() / 86_400 - 1) * 86_400 + 9 * 3_600
}

/// A request the fixture server received: method, path, body.
pub type Request = (String, String, Vec<u8>);

/// Path to (status, body).
type Routes = Arc<Mutex<HashMap<String, (u16, Vec<u8>)>>>;

/// The path whose requests are held, and who to tell when one arrives.
type Held = Arc<Mutex<Option<(String, std::sync::mpsc::Sender<()>)>>>;

/// An HTTP/1.1 server on 127.0.0.1 answering each path with a fixed status and body; a "held"
/// path is never answered (the server reports that it was asked for it).
pub struct FixtureServer {
    pub url: String,
    routes: Routes,
    requests: Arc<Mutex<Vec<Request>>>,
    held: Held,
}

impl FixtureServer {
    pub fn start() -> Self {
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

    /// A server answering 200 with each body at its path.
    pub fn with_files(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Self {
        let server = Self::start();
        for (path, body) in files {
            server.serve(&path, 200, body);
        }
        server
    }

    pub fn serve(&self, path: &str, status: u16, body: impl Into<Vec<u8>>) {
        self.routes
            .lock()
            .unwrap()
            .insert(path.to_owned(), (status, body.into()));
    }

    /// Requests for `path` get no answer; the receiver hears of each one.
    pub fn hold(&self, path: &str) -> std::sync::mpsc::Receiver<()> {
        let (sender, receiver) = std::sync::mpsc::channel();
        *self.held.lock().unwrap() = Some((path.to_owned(), sender));
        receiver
    }

    pub fn release(&self) {
        *self.held.lock().unwrap() = None;
    }

    pub fn requests(&self) -> Vec<Request> {
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

pub mod bluez_mock;
