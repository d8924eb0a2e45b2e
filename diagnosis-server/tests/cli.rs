//! The binary's operator commands: `bench` prints its figures, `create-api-key` makes a key the
//! server then accepts, `rotate-signing-key` adds a version.

use std::process::Command;

fn server() -> Command {
    Command::new(crate::common::SERVER_BINARY)
}

#[test]
fn bench_prints_publish_throughput_and_export_time() {
    let output = server()
        .args([
            "bench",
            "--uploads",
            "40",
            "--connections",
            "4",
            "--export-keys",
            "3000",
        ])
        .env("MIMAMORI_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("publish: 40 uploads of 14 keys over 4 connections"),
        "{stdout}"
    );
    assert!(stdout.contains("uploads/s"), "{stdout}");
    assert!(
        stdout.contains("export: 3000 keys sorted, written and signed into 1 files"),
        "{stdout}"
    );
}

#[test]
fn first_start_creates_keys_and_operator_commands_work() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path().to_str().unwrap();
    let output = server()
        .args(["--data-dir", data, "create-api-key", "staff"])
        .env("MIMAMORI_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("Created export signing key (id 440, version v1)"),
        "{stdout}"
    );
    assert!(stdout.contains("-----BEGIN PUBLIC KEY-----"), "{stdout}");
    let key = stdout.lines().last().unwrap();
    assert!(key.starts_with("mmk_"), "{stdout}");
    assert!(directory.path().join("diagnosis.sqlite3").exists());
    assert!(directory.path().join("keys/export-signing/v1.pem").exists());

    let output = server()
        .args(["--data-dir", data, "rotate-signing-key"])
        .env("MIMAMORI_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("version v2"), "{stdout}");
    assert!(
        !stdout.contains("Created export signing key"),
        "the first key is not made again"
    );

    let output = server()
        .args(["--data-dir", data, "--database-url", "mysql://x"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("sqlite:// or postgres://"));
}

/// Starts the binary with `flags`, waits until it listens and returns what it logged.
fn start_and_read_log(flags: &[&str]) -> String {
    let directory = tempfile::tempdir().unwrap();
    let log_path = directory.path().join("stderr.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let data = directory.path().join("data");
    let (child, _base) = crate::common::spawn_binary(&data, |command| {
        command.args(flags).stderr(log);
    });
    drop(child);
    std::fs::read_to_string(&log_path).unwrap()
}

#[test]
fn a_localhost_qr_host_is_warned_about_and_a_bad_public_url_is_refused() {
    let log = start_and_read_log(&[]);
    assert!(
        log.contains("venue QR codes point to https://localhost/v/")
            && log.contains("--public-url"),
        "{log}"
    );
    let log = start_and_read_log(&["--public-url", "https://venues.example.jp"]);
    assert!(!log.contains("venue QR codes point to"), "{log}");

    let directory = tempfile::tempdir().unwrap();
    let output = server()
        .args(["--data-dir", directory.path().to_str().unwrap()])
        .args([
            "--public-url",
            "http://venues.example.jp",
            "create-api-key",
            "x",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("must start with https://"), "{stderr}");
}
