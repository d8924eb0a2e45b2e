//! An upload acknowledged with 200 survives `kill -9` of the server: the real binary is started
//! as a child, an upload is acknowledged, the process is killed with SIGKILL, restarted on the
//! same data directory, and the key is found in the export file. The modules under `robust/` run
//! the binary in other hostile conditions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

// Issue 13: the process-level robustness tests (the real binary under limits).
#[path = "robust/export_lease.rs"]
mod export_lease;
#[path = "robust/files.rs"]
mod files;
#[path = "robust/slow_clients.rs"]
mod slow_clients;

use std::process::Child;

use mimamori_api::v1::{ExportIndex, PublishResponse};
use serde_json::Value;

const API_KEY: &str = "kill9-test-api-key-0123456789";

fn spawn(data_dir: &std::path::Path) -> (Child, String) {
    common::spawn_binary(data_dir, API_KEY, |_| {})
}

#[tokio::test]
async fn an_acknowledged_upload_survives_sigkill() {
    let directory = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let (mut child, base) = spawn(directory.path());

    let (tek, response) = common::upload_one_key(&client, &base, API_KEY).await;
    assert_eq!(response.status().as_u16(), 200);
    let published: PublishResponse = response.json().await.unwrap();
    assert_eq!(published.inserted_exposures, 1);

    // SIGKILL right after the acknowledgement: no graceful shutdown, no flush.
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, base) = spawn(directory.path());
    let outcome: Value = common::json_from(
        client
            .post(format!("{base}/api/v1/authority/export"))
            .header("X-API-Key", API_KEY),
    )
    .await;
    assert_eq!(outcome["keys"], 1, "{outcome}");
    let index = client
        .get(format!("{base}/exports/JP/index.txt"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let index = ExportIndex::parse(&index).unwrap();
    let zip = client
        .get(format!("{base}/{}", index.paths()[0]))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let path = directory.path().join("downloaded.zip");
    std::fs::write(&path, &zip).unwrap();
    let mut file = mimamori_gaen::export::ExportFile::open(&path).unwrap();
    let mut reader = file.keys().unwrap();
    let mut found = false;
    while let Some(key) = reader.next_key().unwrap() {
        found |= key.key.key == tek;
    }
    assert!(
        found,
        "the acknowledged key is in the export after kill -9 and restart"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
