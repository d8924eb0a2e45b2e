//! An upload acknowledged with 200 survives `kill -9` of the server: the real binary is started
//! as a child, an upload is acknowledged, the process is killed with SIGKILL, restarted on the
//! same data directory, and the key is found in the export file. The modules under `robust/` run
//! the binary in other hostile conditions.

use mimamori_api::v1::{ExportIndex, PublishResponse};

use crate::common::{self, export_keys, export_over_http, fetch_bytes, spawn_binary};

#[tokio::test]
async fn an_acknowledged_upload_survives_sigkill() {
    let directory = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let (mut child, base) = spawn_binary(directory.path(), |_| {});

    let (tek, response) = common::upload_one_key(&client, &base).await;
    assert_eq!(response.status().as_u16(), 200);
    let published: PublishResponse = response.json().await.unwrap();
    assert_eq!(published.inserted_exposures, 1);

    // SIGKILL right after the acknowledgement: no graceful shutdown, no flush.
    child.0.kill().unwrap();
    child.0.wait().unwrap();

    let (_child, base) = spawn_binary(directory.path(), |_| {});
    let outcome = export_over_http(&client, &base).await;
    assert_eq!(outcome["keys"], 1, "{outcome}");
    let index = fetch_bytes(&client, &format!("{base}/exports/JP/index.txt")).await;
    let index = ExportIndex::parse(&index).unwrap();
    let zip = fetch_bytes(&client, &format!("{base}/{}", index.paths()[0])).await;
    let (keys, _) = export_keys(&zip);
    assert!(
        keys.iter().any(|key| key.key.key == tek),
        "the acknowledged key is in the export after kill -9 and restart"
    );
}
