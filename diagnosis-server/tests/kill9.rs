//! An upload acknowledged with 200 survives `kill -9` of the server: the real binary is started
//! as a child, an upload is acknowledged, the process is killed with SIGKILL, restarted on the
//! same data directory, and the key is found in the export file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use base64::Engine as _;
use mimamori_core::api::v1::{
    CertificateResponse, ExportIndex, ExposureKey, PublishRequest, PublishResponse,
    VerifyCodeResponse, key_hmac,
};
use mimamori_core::{IntervalNumber, OsRandom, TemporaryExposureKey};
use serde_json::{Value, json};

const API_KEY: &str = "kill9-test-api-key-0123456789";

fn spawn(data_dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mimamori-diagnosis-server"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--listen", "127.0.0.1:0", "--no-export-worker"])
        .args(["--bootstrap-api-key", API_KEY])
        .env("MIMAMORI_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server exited before listening")
            .unwrap();
        if let Some(address) = line.strip_prefix("Listening on ") {
            break address.to_owned();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://{address}"))
}

#[tokio::test]
async fn an_acknowledged_upload_survives_sigkill() {
    let directory = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let (mut child, base) = spawn(directory.path());

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
    let hmac_key = [9u8; 32];
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
    let response = client
        .post(format!("{base}/v1/publish"))
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let published: PublishResponse = response.json().await.unwrap();
    assert_eq!(published.inserted_exposures, 1);

    // SIGKILL right after the acknowledgement: no graceful shutdown, no flush.
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, base) = spawn(directory.path());
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
    let mut file = mimamori_core::export::ExportFile::open(&path).unwrap();
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
