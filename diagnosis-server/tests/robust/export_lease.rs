//! Issue 13, defect 5, with the real binary: an exporter renews its batch claim while it works
//! (another process cannot take the batch over meanwhile), a claim whose process was killed
//! with SIGKILL is taken over after the lease (3 s here, a minute by default; it was ten), and
//! `index.txt`/`list.json` lost after an export are rebuilt from the database at the next start.

use std::path::Path;
use std::time::{Duration, Instant};

use mimamori_api::v1::ExportIndex;
use serde_json::Value;

use super::{API_KEY, common};

/// The lease used here, in seconds.
const LEASE_SECONDS: &str = "3";

fn spawn(data_dir: &Path, pause_seconds: Option<&str>) -> (common::KillOnDrop, String) {
    let (child, base) = common::spawn_binary(data_dir, API_KEY, |command| {
        command.args(["--export-lease-seconds", LEASE_SECONDS]);
        if let Some(pause) = pause_seconds {
            command.args(["--export-pause-after-claim-seconds", pause]);
        }
    });
    (common::KillOnDrop(child), base)
}

fn open_batches(data_dir: &Path) -> i64 {
    let connection = rusqlite::Connection::open(data_dir.join("diagnosis.sqlite3")).unwrap();
    connection
        .query_row(
            "SELECT COUNT(*) FROM export_batches WHERE status = 'open'",
            [],
            |row| row.get(0),
        )
        .unwrap()
}

async fn export(client: &reqwest::Client, base: &str) -> Value {
    common::json_from(
        client
            .post(format!("{base}/api/v1/authority/export"))
            .header("X-API-Key", API_KEY),
    )
    .await
}

async fn index(client: &reqwest::Client, base: &str) -> (u16, Vec<String>) {
    let response = client
        .get(format!("{base}/exports/JP/index.txt"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    if status != 200 {
        return (status, Vec::new());
    }
    (status, ExportIndex::parse(&bytes).unwrap().paths().to_vec())
}

#[tokio::test]
async fn a_killed_exporters_batch_is_taken_over_after_the_lease() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    let client = reqwest::Client::new();
    let (mut paused, paused_base) = spawn(data, Some("600"));
    let (_, response) = common::upload_one_key(&client, &paused_base, API_KEY).await;
    assert_eq!(response.status().as_u16(), 200);

    // The paused process claims the batch and holds it.
    let running = {
        let client = client.clone();
        let base = paused_base.clone();
        tokio::spawn(async move {
            let _ = client
                .post(format!("{base}/api/v1/authority/export"))
                .header("X-API-Key", API_KEY)
                .send()
                .await;
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while open_batches(data) == 0 {
        assert!(Instant::now() < deadline, "the export run claims a batch");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A second process on the same database: while the first renews its claim, well past one
    // lease, the batch is not taken over.
    let (_other, other_base) = spawn(data, None);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let outcome = export(&client, &other_base).await;
    assert_eq!(outcome["batch"], Value::Null, "{outcome}");
    assert_eq!(outcome["keys"], 0, "{outcome}");

    // SIGKILL the holder: after the lease the other process takes the batch over.
    paused.0.kill().unwrap();
    paused.0.wait().unwrap();
    running.abort();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let outcome = export(&client, &other_base).await;
        if outcome["keys"] == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the killed exporter's batch is exported within a minute: {outcome}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (status, listed) = index(&client, &other_base).await;
    assert_eq!(status, 200);
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn lost_listings_are_rebuilt_at_start() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    let client = reqwest::Client::new();
    let (first, base) = spawn(data, None);
    let (_, response) = common::upload_one_key(&client, &base, API_KEY).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(export(&client, &base).await["keys"], 1);
    let (_, listed) = index(&client, &base).await;
    assert_eq!(listed.len(), 1);
    drop(first);

    // As if the process died between listing the file and rewriting the listings.
    let folder = data.join("exports-store").join("exports").join("JP");
    std::fs::remove_file(folder.join("index.txt")).unwrap();
    std::fs::remove_file(folder.join("list.json")).unwrap();

    let (_second, base) = spawn(data, None);
    let (status, relisted) = index(&client, &base).await;
    assert_eq!(status, 200, "index.txt is back after the restart");
    assert_eq!(relisted, listed);
    let list = client
        .get(format!("{base}/exports/JP/list.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status().as_u16(), 200);
}
