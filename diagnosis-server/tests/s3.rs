//! Export files in an S3-compatible bucket: the real binary with `--blob-store s3://...` against
//! the endpoint in `MIMAMORI_TEST_S3_ENDPOINT` (moto's server in CI). The files are read both
//! through the server and straight from the bucket, as a CDN would serve them. With
//! `MIMAMORI_REQUIRE_S3=1` a missing endpoint fails the test instead of skipping it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use mimamori_api::v1::{ExportIndex, parse_export_list};
use serde_json::{Value, json};

const API_KEY: &str = "s3-test-api-key-0123456789";

#[tokio::test]
async fn export_files_are_written_to_and_served_from_an_s3_bucket() {
    let Some(endpoint) = std::env::var("MIMAMORI_TEST_S3_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
    else {
        assert!(
            std::env::var("MIMAMORI_REQUIRE_S3").as_deref() != Ok("1"),
            "MIMAMORI_REQUIRE_S3=1 but MIMAMORI_TEST_S3_ENDPOINT is not set"
        );
        eprintln!("note: MIMAMORI_TEST_S3_ENDPOINT is not set; skipping the S3 test");
        return;
    };
    let endpoint = endpoint.trim_end_matches('/').to_owned();
    let bucket = format!("mimamori-test-{}", std::process::id());
    let client = reqwest::Client::new();
    let created = client
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(
        created.status().is_success(),
        "creating the bucket: {}",
        created.status()
    );
    // Phones (or the CDN in front of the bucket) read the objects anonymously.
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*"),
        }]
    });
    let policy = client
        .put(format!("{endpoint}/{bucket}?policy"))
        .body(policy.to_string())
        .send()
        .await
        .unwrap();
    assert!(
        policy.status().is_success(),
        "setting the bucket policy: {}",
        policy.status()
    );

    let directory = tempfile::tempdir().unwrap();
    let (mut child, base) = common::spawn_binary(directory.path(), API_KEY, |command| {
        command
            .args(["--blob-store", &format!("s3://{bucket}")])
            .args(["--s3-endpoint", &endpoint, "--s3-region", "us-east-1"])
            .args(["--public-base-url", &format!("{endpoint}/{bucket}")])
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
    });

    let (tek, response) = common::upload_one_key(&client, &base, API_KEY).await;
    let status = response.status();
    assert_eq!(status.as_u16(), 200);
    let outcome: Value = common::json_from(
        client
            .post(format!("{base}/api/v1/authority/export"))
            .header("X-API-Key", API_KEY),
    )
    .await;
    assert_eq!(outcome["keys"], 1, "{outcome}");

    // Straight from the bucket, as a CDN serves it.
    let index = client
        .get(format!("{endpoint}/{bucket}/exports/JP/index.txt"))
        .send()
        .await
        .unwrap();
    assert!(index.status().is_success());
    let index = ExportIndex::parse(&index.bytes().await.unwrap()).unwrap();
    assert_eq!(index.paths().len(), 1);
    let list = client
        .get(format!("{endpoint}/{bucket}/exports/JP/list.json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let list = parse_export_list(&list).unwrap();
    assert_eq!(
        list[0].url,
        format!("{endpoint}/{bucket}/{}", index.paths()[0])
    );
    let from_bucket = client
        .get(&list[0].url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    // And the same bytes through the server.
    let from_server = client
        .get(format!("{base}/{}", index.paths()[0]))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(from_bucket, from_server);
    let path = directory.path().join("downloaded.zip");
    std::fs::write(&path, &from_bucket).unwrap();
    let mut file = mimamori_gaen::export::ExportFile::open(&path).unwrap();
    let mut reader = file.keys().unwrap();
    let mut found = false;
    while let Some(key) = reader.next_key().unwrap() {
        found |= key.key.key == tek;
    }
    assert!(found);
    child.kill().unwrap();
    child.wait().unwrap();
}
