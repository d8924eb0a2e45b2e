//! BlueZ emulated on a private system bus: `node/tests/bluez_mock.py` (python-dbusmock's `bluez5`
//! template) driven over its standard input and output, one JSON line per command.
//!
//! The Python comes from `MIMAMORI_BLUEZ_MOCK_PYTHON`, else the virtualenv scripts/test builds
//! (`~/.cache/mimamori/bluez-mock-venv`). Without it the tests skip, unless
//! `MIMAMORI_REQUIRE_BLUEZ_MOCK=1` (scripts/test sets it), when they fail.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The Exposure Notification service UUID as BlueZ writes it.
pub const FD6F: &str = "0000fd6f-0000-1000-8000-00805f9b34fb";

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../node/tests/bluez_mock.py");

/// A running mock: BlueZ's D-Bus API with the adapters it was started with.
pub struct BluezMock {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    address: String,
}

fn python() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MIMAMORI_BLUEZ_MOCK_PYTHON") {
        return Some(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME")?;
    let venv = PathBuf::from(home).join(".cache/mimamori/bluez-mock-venv/bin/python");
    venv.exists().then_some(venv)
}

impl BluezMock {
    /// Starts the mock with `adapters`; `None` (and a note on standard error) when it cannot be
    /// started and `MIMAMORI_REQUIRE_BLUEZ_MOCK` is not set.
    pub fn start(adapters: &[&str]) -> Option<Self> {
        let required = std::env::var("MIMAMORI_REQUIRE_BLUEZ_MOCK").is_ok_and(|value| value == "1");
        let skip = |why: String| {
            assert!(
                !required,
                "MIMAMORI_REQUIRE_BLUEZ_MOCK=1 but the BlueZ mock cannot start: {why}"
            );
            eprintln!("skipped: the BlueZ mock cannot start ({why}); scripts/test installs it");
            None
        };
        let Some(python) = python() else {
            return skip("no python-dbusmock virtualenv; set MIMAMORI_BLUEZ_MOCK_PYTHON".into());
        };
        let mut child = match Command::new(&python)
            .arg(SCRIPT)
            .args(adapters)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(error) => return skip(format!("{}: {error}", python.display())),
        };
        let input = child.stdin.take().unwrap();
        let mut output = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        output.read_line(&mut line).unwrap();
        let ready: Value = match serde_json::from_str(&line) {
            Ok(ready) => ready,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return skip(format!("the mock did not start: {line:?}"));
            }
        };
        let address = ready["address"].as_str().unwrap().to_owned();
        Some(Self {
            child,
            input,
            output,
            address,
        })
    }

    /// The bus address to give a client as `DBUS_SYSTEM_BUS_ADDRESS`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Sends one command and returns the answer; an `{"error": ..}` answer fails the test.
    pub fn command(&mut self, command: Value) -> Value {
        let answer = self.try_command(command.clone());
        assert!(answer.get("error").is_none(), "{command} -> {answer}");
        answer
    }

    /// Sends one command and returns the answer, errors included.
    pub fn try_command(&mut self, command: Value) -> Value {
        writeln!(self.input, "{command}").unwrap();
        self.input.flush().unwrap();
        let mut line = String::new();
        self.output.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap()
    }

    /// A device on `adapter` advertising `service_data` (hex) under `uuid`, heard at `rssi`:
    /// added when new, else its ServiceData and RSSI change as when BlueZ hears it again.
    pub fn advertise(&mut self, adapter: &str, address: &str, uuid: &str, data: &str, rssi: i16) {
        self.command(json!({
            "cmd": "device", "adapter": adapter, "address": address,
            "service_data": { uuid: data }, "rssi": rssi,
        }));
    }

    /// The advertisements registered now on `adapter` and how many registrations there were.
    pub fn adverts(&mut self, adapter: &str) -> (Vec<Value>, u64) {
        let answer = self.command(json!({"cmd": "adverts", "adapter": adapter}));
        (
            answer["adverts"].as_array().unwrap().clone(),
            answer["registrations"].as_u64().unwrap(),
        )
    }

    /// The adapter's discovery state: `{"discovering", "filter", "start_calls"}`.
    pub fn discovery(&mut self, adapter: &str) -> Value {
        self.command(json!({"cmd": "discovery", "adapter": adapter}))
    }

    /// Waits (up to `timeout`) until `check` holds for the answer to `command`, returning it.
    pub fn wait_for(
        &mut self,
        command: Value,
        timeout: Duration,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let answer = self.try_command(command.clone());
            if check(&answer) {
                return answer;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting: {command} -> {answer}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until a discovery is running on `adapter`.
    pub fn wait_discovering(&mut self, adapter: &str) {
        self.wait_for(
            json!({"cmd": "discovery", "adapter": adapter}),
            Duration::from_secs(30),
            |answer| answer["discovering"] == json!(true),
        );
    }
}

impl Drop for BluezMock {
    fn drop(&mut self) {
        // "quit" stops the mock and its bus; kill only if it does not exit in time.
        let _ = writeln!(self.input, "{}", json!({"cmd": "quit"}));
        let _ = self.input.flush();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
