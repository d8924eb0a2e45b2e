//! Export files in an S3-compatible bucket: the real binary with `--blob-store s3://...` against
//! the endpoint in `MIMAMORI_TEST_S3_ENDPOINT` (moto's server in CI). The files are read both
//! through the server and straight from the bucket, as a CDN would serve them. With
//! `MIMAMORI_REQUIRE_S3=1` a missing endpoint fails the test instead of skipping it.

use mimamori_api::v1::{ExportIndex, parse_export_list};
use serde_json::json;

use crate::common::{self, export_keys, fetch_bytes, spawn_binary};

/// PUTs `body` to `url` (the bucket's S3 API), which must succeed.
async fn put(client: &reqwest::Client, url: &str, body: String, what: &str) {
    let response = client.put(url).body(body).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{what}: {}",
        response.status()
    );
}

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
    put(
        &client,
        &format!("{endpoint}/{bucket}"),
        String::new(),
        "creating the bucket",
    )
    .await;
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
    put(
        &client,
        &format!("{endpoint}/{bucket}?policy"),
        policy.to_string(),
        "setting the bucket policy",
    )
    .await;

    let directory = tempfile::tempdir().unwrap();
    let (_child, base) = spawn_binary(directory.path(), |command| {
        command
            .args(["--blob-store", &format!("s3://{bucket}")])
            .args(["--s3-endpoint", &endpoint, "--s3-region", "us-east-1"])
            .args(["--public-base-url", &format!("{endpoint}/{bucket}")])
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
    });

    let tek = common::upload_and_export(&client, &base).await;

    // Straight from the bucket, as a CDN serves it.
    let index = client
        .get(format!("{endpoint}/{bucket}/exports/JP/index.txt"))
        .send()
        .await
        .unwrap();
    assert!(index.status().is_success());
    let index = ExportIndex::parse(&index.bytes().await.unwrap()).unwrap();
    assert_eq!(index.paths().len(), 1);
    let list = fetch_bytes(
        &client,
        &format!("{endpoint}/{bucket}/exports/JP/list.json"),
    )
    .await;
    let list = parse_export_list(&list).unwrap();
    assert_eq!(
        list[0].url,
        format!("{endpoint}/{bucket}/{}", index.paths()[0])
    );
    let from_bucket = fetch_bytes(&client, &list[0].url).await;
    // And the same bytes through the server.
    let from_server = fetch_bytes(&client, &format!("{base}/{}", index.paths()[0])).await;
    assert_eq!(from_bucket, from_server);
    let (keys, _) = export_keys(&from_bucket);
    assert!(keys.iter().any(|key| key.key.key == tek));
}
