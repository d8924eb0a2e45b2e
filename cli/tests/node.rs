//! `mimamori node` against BlueZ emulated by python-dbusmock (`common::bluez_mock`): the real
//! bluer advertiser and btleplug scanner driven by the phone's radio loop.
//!
//! The node runs on an accelerated clock (`--clock-speed`, a hidden test-only option): at 100
//! times real time a 4-second window lasts 40 ms, windows come every 2-3 s and the RPI rotates
//! every 6-12 s. `--clock-start` puts that clock in the past so that a run ends near real time,
//! on today's UTC date, where `upload` and the server are.

use std::io::{BufRead, BufReader};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mimamori_diagnosis_server::{Config, Server};
use mimamori_environment::FixedClock;
use mimamori_gaen::{DeviceCalibration, IntervalNumber};
use mimamori_phone::phone::DATABASE_FILE_NAME;
use mimamori_phone::{Database, SightingStore, SqliteSightingStore};
use serde_json::{Value, json};

use crate::common::bluez_mock::{BluezMock, FD6F};
use crate::common::{assert_contains_all, assert_high_risk_on, mimamori_command, now, stdout};

/// A `mimamori node` running, its standard output collected line by line.
struct Node {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Node {
    fn start(bus: &str, data_dir: &str, more: &[&str]) -> Self {
        let mut child = mimamori_command(&[&["node", "--data-dir", data_dir], more].concat())
            .env("DBUS_SYSTEM_BUS_ADDRESS", bus)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let output = BufReader::new(child.stdout.take().unwrap());
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in output.lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Self { child, lines }
    }

    fn output(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    fn count(&self, part: &str) -> usize {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|line| line.contains(part))
            .count()
    }

    /// Waits until `count` lines contain `part`.
    fn wait_for(&self, part: &str, count: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.count(part) < count {
            assert!(
                Instant::now() < deadline,
                "no {count} lines with {part:?} in:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then the exit status and everything printed.
    fn terminate(self) -> (ExitStatus, String) {
        let pid = self.child.id().to_string();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        self.terminate_after_exit()
    }

    /// Waits for the node to exit (after a signal already sent), then the exit status and
    /// everything printed.
    fn terminate_after_exit(mut self) -> (ExitStatus, String) {
        let status = self.child.wait().unwrap();
        // Let the reader thread take the last lines.
        std::thread::sleep(Duration::from_millis(100));
        (status, self.output())
    }
}

impl Drop for Node {
    /// A test that failed midway leaves no node running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A clock start in the past such that `minutes` of accelerated time end before now, on today's
/// UTC date (just after midnight: from midnight on).
fn clock_start(minutes: u64) -> u64 {
    let now = now();
    (now - minutes * 60).max(now - now % 86_400 + 60)
}

/// The 0xFD6F service data of every advertisement registered on `adapter` now.
fn service_data(adverts: &[Value]) -> Vec<String> {
    adverts
        .iter()
        .map(|advert| advert["ServiceData"][FD6F].as_str().unwrap().to_owned())
        .collect()
}

/// The `RPI AEM` pairs of today's identifiers that `mimamori advertise` prints, joined as hex,
/// with the metadata the node broadcasts (an unknown device's calibrated TX power).
fn todays_payloads(data_dir: &str) -> Vec<String> {
    let tx_power = DeviceCalibration::UNKNOWN_DEVICE.tx_power_dbm.to_string();
    let out = stdout(&crate::common::mimamori(&[
        "advertise",
        "--data-dir",
        data_dir,
        "--tx-power",
        &tx_power,
    ]));
    out.lines()
        .skip_while(|line| !line.starts_with("identifiers for today"))
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.len() == 4).then(|| format!("{}{}", fields[2], fields[3]))
        })
        .collect()
}

#[test]
fn the_node_advertises_what_the_engine_says_and_registers_anew_at_each_rotation() {
    let Some(mut mock) = BluezMock::start(&["hci0"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("a").display().to_string();
    let start = clock_start(60).to_string();
    let node = Node::start(
        mock.address(),
        &data,
        &["--clock-speed", "100", "--clock-start", &start],
    );
    node.wait_for("radio ready on hci0", 1, Duration::from_secs(30));
    let mut seen: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let (adverts, registrations) = mock.adverts("hci0");
        assert!(
            adverts.len() <= 1,
            "one advertisement at a time: {adverts:?}"
        );
        if let Some(advert) = adverts.first() {
            assert_eq!(advert["Type"], json!("broadcast"), "{advert}");
            assert_eq!(advert["ServiceUUIDs"], json!([FD6F]), "{advert}");
            let data = service_data(&adverts).remove(0);
            if seen.last() != Some(&data) {
                seen.push(data);
            }
        }
        if registrations >= 3 && seen.len() >= 3 {
            // One registration per broadcast: a rotation registers a new advertisement.
            assert_eq!(registrations as usize, seen.len(), "{seen:?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{registrations} registrations: {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, out) = node.terminate();
    assert!(status.success(), "{out}");
    assert!(out.contains("rotations"), "{out}");
    // Stopped: nothing left on air.
    assert!(mock.adverts("hci0").0.is_empty());
    // Each broadcast was exactly one of the engine's payloads for today (RPI ‖ AEM), all
    // different.
    let today = todays_payloads(&data);
    for data in &seen {
        assert!(
            today.contains(data),
            "{data} is not one of today's: {today:?}"
        );
    }
    let mut distinct = seen.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), seen.len(), "{seen:?}");
}

const PAYLOAD: &str = "00112233445566778899aabbccddeeff01020304";

#[test]
fn sigterm_during_a_run_loses_nothing_and_bad_service_data_is_never_stored() {
    let Some(mut mock) = BluezMock::start(&["hci0"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("n");
    let data = data_dir.display().to_string();
    let node = Node::start(mock.address(), &data, &["--clock-speed", "100"]);
    node.wait_for("radio ready on hci0", 1, Duration::from_secs(30));
    // A phone nearby, a malformed one (19 bytes) and a foreign service: heard until two windows
    // have recorded, then SIGTERM at an arbitrary moment.
    let started = Instant::now();
    let mut sent = 0u64;
    while node.count("sightings of 1 devices") < 2 || sent % 7 != 3 {
        mock.advertise(
            "hci0",
            "C0:00:00:00:00:01",
            FD6F,
            PAYLOAD,
            -60 - (sent % 5) as i16,
        );
        mock.advertise("hci0", "C0:00:00:00:00:02", FD6F, &PAYLOAD[2..], -60);
        mock.advertise(
            "hci0",
            "C0:00:00:00:00:03",
            "0000feaa-0000-1000-8000-00805f9b34fb",
            PAYLOAD,
            -60,
        );
        sent += 1;
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{}",
            node.output()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let (status, out) = node.terminate();
    assert!(status.success(), "{out}");
    let last = out.lines().last().unwrap();
    let numbers: Vec<usize> = last
        .split([' ', ','])
        .filter_map(|word| word.parse().ok())
        .collect();
    let (windows, sightings, rejected) = (numbers[0], numbers[1], numbers[2]);
    assert!(last.contains("node stopped"), "{out}");
    assert!(rejected > 0, "the 19-byte service data is rejected: {out}");
    // Every window the node counted, and every sighting, is in the database.
    let mut store =
        SqliteSightingStore::new(Database::open(data_dir.join(DATABASE_FILE_NAME)).unwrap());
    let scans = store.scans(0, u64::MAX).unwrap();
    assert_eq!(scans.len(), windows, "{out}");
    let stored: usize = scans.iter().map(|scan| scan.sightings.len()).sum();
    assert_eq!(stored, sightings, "{out}");
    assert!(stored >= 2, "{out}");
    let logged: usize = out
        .lines()
        .filter(|line| line.contains(" scan window "))
        .map(|line| {
            line.split(": ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    assert_eq!(
        logged, stored,
        "one log line per window, all written: {out}"
    );
    for scan in &scans {
        for sighting in &scan.sightings {
            assert_eq!(
                hex::encode(sighting.payload().service_data()),
                PAYLOAD,
                "only the well-formed 0xFD6F payload is stored"
            );
        }
    }
}

#[test]
fn the_node_retries_while_bluez_or_the_adapter_is_missing() {
    // BlueZ not running: a clear error, retried, and a clean stop.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("n").display().to_string();
    let node = Node::start(
        "unix:path=/nonexistent/mimamori-test-bus",
        &data,
        &["--retry-seconds", "1"],
    );
    node.wait_for(
        "cannot reach BlueZ on the system D-Bus",
        2,
        Duration::from_secs(30),
    );
    let (status, out) = node.terminate();
    assert!(status.success(), "{out}");
    assert_contains_all(&out, &["retrying in 1 s", "node stopped: 0 scan windows"]);

    // A data directory that cannot be opened is fatal at start, with the reason.
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, "x").unwrap();
    let output = mimamori_command(&["node", "--data-dir", file.to_str().unwrap()])
        .env(
            "DBUS_SYSTEM_BUS_ADDRESS",
            "unix:path=/nonexistent/mimamori-test-bus",
        )
        .output()
        .unwrap();
    let error = crate::common::stderr(&output);
    assert!(error.contains("opening the phone in"), "{error}");

    // The adapter disappears mid-run: the node says so, retries, and carries on when it is back.
    let Some(mut mock) = BluezMock::start(&["hci0"]) else {
        return;
    };
    let node = Node::start(
        mock.address(),
        &data,
        &["--clock-speed", "100", "--retry-seconds", "1"],
    );
    node.wait_for("radio ready on hci0", 1, Duration::from_secs(30));
    node.wait_for(" scan window ", 1, Duration::from_secs(30));
    mock.command(json!({"cmd": "remove_adapter", "adapter": "hci0"}));
    node.wait_for(
        "no Bluetooth adapter named \"hci0\"",
        1,
        Duration::from_secs(30),
    );
    let windows_while_gone = node.count(" scan window ");
    mock.command(json!({"cmd": "add_adapter", "adapter": "hci0"}));
    node.wait_for("radio ready on hci0", 2, Duration::from_secs(30));
    node.wait_for(
        " scan window ",
        windows_while_gone + 1,
        Duration::from_secs(30),
    );
    let (adverts, _) = mock.adverts("hci0");
    assert_eq!(adverts.len(), 1, "advertising again on the new adapter");
    let (status, out) = node.terminate();
    assert!(status.success(), "{out}");
    assert!(out.contains("retrying in 1 s"), "{out}");
}

#[test]
fn two_nodes_meet_a_uploads_today_b_is_flagged_c_is_not() {
    let Some(mut mock) = BluezMock::start(&["hci0", "hci1", "hci2"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let (a, b, c) = (path("a"), path("b"), path("c"));
    // Forty minutes of the nodes' clock in about 24 s, ending before now on today's date.
    // In the first 46 minutes of a UTC day there is less of today behind us: the clock runs
    // slower to end near now, the exposure is shorter than COCOA's threshold, and only the
    // match (not the high-risk verdict) is asserted.
    let since_midnight = now() % 86_400;
    let (start, speed, whole) = if since_midnight >= 46 * 60 {
        (now() - 45 * 60, 100, true)
    } else {
        let start = now() - since_midnight + 30;
        (start, ((now() - start) / 25).max(1), false)
    };
    let (start, speed) = (start.to_string(), speed.to_string());
    let fast = [
        "--clock-speed",
        speed.as_str(),
        "--clock-start",
        start.as_str(),
    ];
    let node_a = Node::start(
        mock.address(),
        &a,
        &[&["--adapter", "hci0"][..], &fast].concat(),
    );
    let node_b = Node::start(
        mock.address(),
        &b,
        &[&["--adapter", "hci1"][..], &fast].concat(),
    );
    let node_c = Node::start(
        mock.address(),
        &c,
        &[&["--adapter", "hci2"][..], &fast].concat(),
    );
    for node in [&node_a, &node_b, &node_c] {
        node.wait_for("radio ready", 1, Duration::from_secs(30));
    }
    // The mock does not carry radio waves: what A registers on hci0 is injected as a device
    // that B hears on hci1, again and again (a phone advertises every 200-270 ms); C hears a
    // stranger on hci2.
    let began = Instant::now();
    while began.elapsed() < Duration::from_secs(24) {
        let (adverts, _) = mock.adverts("hci0");
        if let Some(data) = service_data(&adverts).first() {
            mock.advertise("hci1", "C0:0A:0A:0A:0A:0A", FD6F, data, -55);
        }
        mock.advertise("hci2", "C0:0C:0C:0C:0C:0C", FD6F, PAYLOAD, -55);
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut logs = Vec::new();
    for node in [node_a, node_b, node_c] {
        let (status, out) = node.terminate();
        assert!(status.success(), "{out}");
        logs.push(out);
    }

    // A tests positive today and uploads at once with a code issued over the authority API.
    let now = now();
    let clock = FixedClock::new(now);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut config = Config::new(dir.path().join("server"));
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.export_worker = false;
    let server = runtime
        .block_on(Server::start_with_clock(config, Arc::new(clock.clone())))
        .unwrap();
    let api_key = runtime
        .block_on(server.create_api_key("node-test"))
        .unwrap();
    let base = server.base_url();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let authority = |path: &str, body: &str| -> Value {
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
    let today = IntervalNumber::from_unix_seconds(now).utc_date();
    let issued = authority(
        "/api/v1/authority/codes",
        &format!(r#"{{"testType":"confirmed","symptomDate":"{today}"}}"#),
    );
    let code = issued["code"].as_str().unwrap();
    let out = stdout(&crate::common::upload(&base, code, &a));
    assert_contains_all(&out, &["today's key was released and replaced"]);
    // The released key is exported once its cut rolling period has ended.
    clock.set(now + 600);
    let export = authority("/api/v1/authority/export", "{}");
    assert_eq!(export["keys"], 1, "{export}");

    // B, who heard A through the node, is flagged today; C is not.
    let out = stdout(&crate::common::sync(&base, &b, None));
    // On failure the nodes' own logs say what A advertised and what B recorded, window by window.
    assert!(
        out.contains("matched_keys=1"),
        "no matched_keys=1 in B's sync:\n{out}\nnode A:\n{}\nnode B:\n{}",
        logs[0],
        logs[1]
    );
    if whole {
        assert_high_risk_on(&out, today);
        assert!(out.contains(&format!("notice: On {today}")), "{out}");
    }
    assert!(out.contains("通知: "), "{out}");
    let out = stdout(&crate::common::sync(&base, &c, None));
    assert_contains_all(&out, &["matched_keys=0"]);
    assert!(!out.contains("high_risk=true"), "{out}");

    runtime.block_on(server.shutdown()).unwrap();
}

#[test]
fn a_database_that_cannot_be_written_is_retried_and_nothing_heard_is_lost() {
    let Some(mut mock) = BluezMock::start(&["hci0"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("n");
    let data = data_dir.display().to_string();
    let node = Node::start(
        mock.address(),
        &data,
        &["--clock-speed", "100", "--retry-seconds", "1"],
    );
    node.wait_for(" scan window ", 1, Duration::from_secs(30));
    // Another process holds the database's write lock for longer than the node's busy timeout
    // (5 s), as a stuck backup or a full disk would: windows cannot be written.
    let mut locker = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys, time\n\
             c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
             c.execute('BEGIN EXCLUSIVE')\n\
             print('locked', flush=True)\n\
             time.sleep(8)\n\
             c.execute('COMMIT')\n",
            data_dir.join(DATABASE_FILE_NAME).to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(locker.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    let before = node.count(" scan window ");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(14) {
        mock.advertise("hci0", "C0:00:00:00:00:01", FD6F, PAYLOAD, -60);
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(locker.wait().unwrap().success());
    node.wait_for("nothing recorded is lost", 1, Duration::from_secs(30));
    node.wait_for(" scan window ", before + 2, Duration::from_secs(30));
    let (status, out) = node.terminate();
    assert!(status.success(), "{out}");
    let last = out.lines().last().unwrap();
    let numbers: Vec<usize> = last
        .split([' ', ','])
        .filter_map(|word| word.parse().ok())
        .collect();
    let mut store =
        SqliteSightingStore::new(Database::open(data_dir.join(DATABASE_FILE_NAME)).unwrap());
    let scans = store.scans(0, u64::MAX).unwrap();
    assert_eq!(scans.len(), numbers[0], "{out}");
    let stored: usize = scans.iter().map(|scan| scan.sightings.len()).sum();
    assert_eq!(stored, numbers[1], "{out}");
}

/// A TCP proxy to `upstream` that holds every connection until [`Gate::open`] is called: a
/// diagnosis server that answers as late as the test wants.
struct Gate {
    address: String,
    open: Arc<(Mutex<bool>, std::sync::Condvar)>,
}

impl Gate {
    fn start(upstream: std::net::SocketAddr) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let open = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let gate = Arc::clone(&open);
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let gate = Arc::clone(&gate);
                std::thread::spawn(move || {
                    let (lock, opened) = &*gate;
                    let mut is_open = lock.lock().unwrap();
                    while !*is_open {
                        is_open = opened.wait(is_open).unwrap();
                    }
                    drop(is_open);
                    let Ok(server) = std::net::TcpStream::connect(upstream) else {
                        return;
                    };
                    let (Ok(mut client_read), Ok(mut server_write)) =
                        (client.try_clone(), server.try_clone())
                    else {
                        return;
                    };
                    let (mut client_write, mut server_read) = (client, server);
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut client_read, &mut server_write);
                        let _ = server_write.shutdown(std::net::Shutdown::Write);
                    });
                    let _ = std::io::copy(&mut server_read, &mut client_write);
                    let _ = client_write.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Self { address, open }
    }

    fn open(&self) {
        let (lock, opened) = &*self.open;
        *lock.lock().unwrap() = true;
        opened.notify_all();
    }
}

#[test]
fn a_slow_sync_does_not_stop_the_windows_and_sigterm_waits_for_its_notice() {
    let Some(mut mock) = BluezMock::start(&["hci0"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut config = Config::new(dir.path().join("server"));
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.export_worker = false;
    let server = runtime.block_on(Server::start(config)).unwrap();
    let upstream = server
        .base_url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let gate = Gate::start(upstream);
    let data_dir = dir.path().join("n");
    let data = data_dir.display().to_string();
    // The node syncs at start; the server does not answer until the gate opens.
    let node = Node::start(
        mock.address(),
        &data,
        &["--clock-speed", "100", "--server", &gate.address],
    );
    node.wait_for("syncing with", 1, Duration::from_secs(30));
    // Meanwhile the node keeps scanning and recording what it hears.
    let started = Instant::now();
    while node.count("sightings of 1 devices") < 3 {
        mock.advertise("hci0", "C0:00:00:00:00:01", FD6F, PAYLOAD, -60);
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{}",
            node.output()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(node.count("通知: "), 0, "{}", node.output());
    assert_eq!(node.count("sync done"), 0, "{}", node.output());
    let mut store =
        SqliteSightingStore::new(Database::open(data_dir.join(DATABASE_FILE_NAME)).unwrap());
    let recorded = store.scans(0, u64::MAX).unwrap();
    assert!(
        recorded
            .iter()
            .filter(|scan| !scan.sightings.is_empty())
            .count()
            >= 3,
        "windows are written while the sync waits: {}",
        node.output()
    );
    // SIGTERM while the sync is still waiting: the node records the window in progress and
    // waits for the sync, whose notice arrives once the server answers.
    let pid = node.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    node.wait_for(
        "waiting for the sync in progress",
        1,
        Duration::from_secs(30),
    );
    assert_eq!(node.count("通知: "), 0, "{}", node.output());
    gate.open();
    let (status, out) = node.terminate_after_exit();
    assert!(status.success(), "{out}");
    assert_contains_all(&out, &["notice: ", "通知: ", "sync done", "node stopped"]);
    assert!(!out.contains("sync failed"), "{out}");
    let notice = out.find("通知: ").unwrap();
    assert!(
        notice > out.find("waiting for the sync in progress").unwrap(),
        "{out}"
    );
    // Every window the node counted, and every sighting, is in the database.
    let last = out.lines().last().unwrap();
    let numbers: Vec<usize> = last
        .split([' ', ','])
        .filter_map(|word| word.parse().ok())
        .collect();
    let scans = store.scans(0, u64::MAX).unwrap();
    assert_eq!(scans.len(), numbers[0], "{out}");
    let stored: usize = scans.iter().map(|scan| scan.sightings.len()).sum();
    assert_eq!(stored, numbers[1], "{out}");
    runtime.block_on(server.shutdown()).unwrap();
}

#[test]
fn a_failed_sync_is_retried_later_while_the_windows_go_on() {
    let Some(mut mock) = BluezMock::start(&["hci0"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("n").display().to_string();
    // A port nobody listens on: every sync fails at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let server = format!("http://{closed}");
    // At 100 times real time the retry 15 minutes later comes after 9 s.
    let node = Node::start(
        mock.address(),
        &data,
        &["--clock-speed", "100", "--server", &server],
    );
    node.wait_for("sync failed", 1, Duration::from_secs(30));
    let windows = node.count(" scan window ");
    let started = Instant::now();
    while node.count("syncing with") < 2 {
        mock.advertise("hci0", "C0:00:00:00:00:01", FD6F, PAYLOAD, -60);
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{}",
            node.output()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    node.wait_for("sync failed", 2, Duration::from_secs(30));
    assert!(node.count(" scan window ") > windows, "{}", node.output());
    let (status, out) = node.terminate();
    assert!(status.success(), "{out}");
    assert!(!out.contains("sync done"), "{out}");
    assert!(!out.contains("sync still in progress"), "{out}");
}
