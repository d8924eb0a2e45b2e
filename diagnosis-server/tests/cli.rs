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

/// `export` runs one export now beside a running server, through the worker's code path: two
/// commands and an HTTP export at once export the uploaded key exactly once (the batch lease),
/// the running server serves the file in its `index.txt`, and a later run finds nothing new.
#[tokio::test]
async fn export_runs_now_beside_a_running_server_and_exports_each_key_once() {
    let directory = tempfile::tempdir().unwrap();
    let (_server, base) = crate::common::spawn_binary(directory.path(), |_| {});
    let client = reqwest::Client::new();
    let (_, response) = crate::common::upload_one_key(&client, &base).await;
    assert_eq!(response.status().as_u16(), 200);

    let export_command = || {
        server()
            .arg("--data-dir")
            .arg(directory.path())
            .arg("export")
            .env("MIMAMORI_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let commands = [export_command(), export_command()];
    let over_http = crate::common::export_over_http(&client, &base).await;
    let mut keys = over_http["keys"].as_u64().unwrap();
    let mut files = over_http["files"].as_array().unwrap().len();
    for command in commands {
        let output = command.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        let outcome: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        keys += outcome["keys"].as_u64().unwrap();
        files += outcome["files"].as_array().unwrap().len();
        assert!(
            stderr.contains("Exported 1 keys") || stderr.contains("No new keys"),
            "{stderr}"
        );
    }
    assert_eq!(keys, 1, "the key is exported once");
    let index = client
        .get(format!("{base}/exports/JP/index.txt"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(index.lines().count(), files, "{index}");
    assert!(files >= 1);

    let output = export_command().wait_with_output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("No new keys to export"));
    let outcome: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(outcome["keys"], 0);
}

/// First run: while there is no staff account the server prints the next steps after
/// `Listening on` (adding staff, the portal and registration addresses, the public key file,
/// where the data lives) and the login page says how to add the first account; once one exists
/// the login page is the plain form.
#[tokio::test]
async fn the_first_start_prints_the_next_steps_and_the_login_page_explains() {
    use std::io::{BufRead, BufReader};
    let directory = tempfile::tempdir().unwrap();
    let mut child = server()
        .arg("--data-dir")
        .arg(directory.path())
        .args(["--listen", "127.0.0.1:0", "--no-export-worker"])
        .env("MIMAMORI_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _child = crate::common::KillOnDrop(child);
    // The start-up output up to the last step, read on a thread that then keeps draining.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let mut printed = String::new();
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            printed.push_str(&line);
            printed.push('\n');
            if line.trim_start().starts_with("5. Data:") {
                break;
            }
        }
        let _ = sender.send(printed);
        for _ in lines {}
    });
    let printed = receiver
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the start-up output");
    let address = printed
        .lines()
        .find_map(|line| line.strip_prefix("Listening on "))
        .unwrap()
        .to_owned();
    let key_file = directory.path().join("export-public-key.pem");
    for expected in [
        "Next steps (no staff account yet)".to_owned(),
        "staff add <name>".to_owned(),
        format!("http://{address}/portal/login"),
        format!("http://{address}/venues/register"),
        key_file.display().to_string(),
        "diagnosis.sqlite3".to_owned(),
    ] {
        assert!(printed.contains(&expected), "{expected}: {printed}");
    }
    let pem = std::fs::read_to_string(&key_file).unwrap();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");

    let login_page = || async {
        reqwest::get(format!("http://{address}/portal/login"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let page = login_page().await;
    assert!(page.contains("id=\"first-run\""), "{page}");
    assert!(page.contains("staff add &lt;name&gt;"));
    let added = server()
        .arg("--data-dir")
        .arg(directory.path())
        .args(["staff", "add", "tanaka"])
        .env("MIMAMORI_LOG", "warn")
        .output()
        .unwrap();
    assert!(added.status.success());
    assert!(
        !login_page().await.contains("first-run"),
        "an account exists now"
    );
}
