//! Export files in an S3-compatible bucket: the real binary with `--blob-store s3://...` against
//! the endpoint in `MIMAMORI_TEST_S3_ENDPOINT` (moto's server in CI). The files are read both
//! through the server and straight from the bucket, as a CDN would serve them. With
//! `MIMAMORI_REQUIRE_S3=1` a missing endpoint fails the test instead of skipping it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use base64::Engine as _;
use mimamori_core::api::v1::{
    CertificateResponse, ExportIndex, ExposureKey, PublishRequest, VerifyCodeResponse, key_hmac,
    parse_export_list,
};
use mimamori_core::{IntervalNumber, OsRandom, TemporaryExposureKey};
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_mimamori-diagnosis-server"))
        .arg("--data-dir")
        .arg(directory.path())
        .args(["--listen", "127.0.0.1:0", "--no-export-worker"])
        .args(["--bootstrap-api-key", API_KEY])
        .args(["--blob-store", &format!("s3://{bucket}")])
        .args(["--s3-endpoint", &endpoint, "--s3-region", "us-east-1"])
        .args(["--public-base-url", &format!("{endpoint}/{bucket}")])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("MIMAMORI_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("the server exited").unwrap();
        if let Some(address) = line.strip_prefix("Listening on ") {
            break format!("http://{address}");
        }
    };
    std::thread::spawn(move || for _ in lines {});

    let issued: Value = client
        .post(format!("{base}/api/v1/authority/codes"))
        .header("X-API-Key", API_KEY)
        .json(&json!({ "testType": "confirmed" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let verified: VerifyCodeResponse = client
        .post(format!("{base}/api/verify"))
        .json(&json!({ "code": issued["code"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let yesterday = (now / 600 / 144 * 144 - 144) as u32;
    let tek = TemporaryExposureKey::generate(&mut OsRandom);
    let keys = vec![ExposureKey::new(&tek, IntervalNumber::new(yesterday), 144, 0).unwrap()];
    let hmac_key = [3u8; 32];
    let certificate: CertificateResponse = client
        .post(format!("{base}/api/certificate"))
        .json(&json!({
            "token": verified.token,
            "ekeyhmac": base64::engine::general_purpose::STANDARD.encode(key_hmac(&hmac_key, &keys)),
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let request = PublishRequest::for_upload(
        keys,
        "JP.mimamori",
        &certificate.certificate,
        &hmac_key,
        None,
        &mut OsRandom,
    );
    let status = client
        .post(format!("{base}/v1/publish"))
        .json(&request)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 200);
    let outcome: Value = client
        .post(format!("{base}/api/v1/authority/export"))
        .header("X-API-Key", API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let mut file = mimamori_core::export::ExportFile::open(&path).unwrap();
    let mut reader = file.keys().unwrap();
    let mut found = false;
    while let Some(key) = reader.next_key().unwrap() {
        found |= key.key.key == tek;
    }
    assert!(found);
    child.kill().unwrap();
    child.wait().unwrap();
}
