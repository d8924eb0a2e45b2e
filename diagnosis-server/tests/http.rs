//! The diagnosis server over real HTTP on 127.0.0.1:0: the phone flow, every validation rule,
//! hostile requests, chaff, concurrency, and the export files.

use mimamori_api::v1::{
    ExportIndex, PUBLISH_PATH, PublishRequest, PublishResponse, VERIFY_PATH, VerifyCodeResponse,
    parse_export_list,
};
use serde_json::{Value, json};

use crate::common::{START, TODAY, TestServer, key, read_export, start};

#[tokio::test]
async fn a_verified_upload_ends_up_in_a_signed_export_file() {
    let server = start().await;
    let (status, response) = server
        .upload(vec![key(1, TODAY - 144), key(2, TODAY - 288)])
        .await;
    assert_eq!(status, 200, "{response:?}");
    assert_eq!(response.inserted_exposures, 2);
    assert!(!response.padding.is_empty(), "responses are padded");

    let outcome = server.export().await;
    assert_eq!(outcome["keys"], 2);
    let (status, index) = server.get_bytes("/exports/JP/index.txt").await;
    assert_eq!(status, 200);
    let index = ExportIndex::parse(&index).unwrap();
    assert_eq!(index.paths().len(), 1);
    let (status, zip) = server.get_bytes(&format!("/{}", index.paths()[0])).await;
    assert_eq!(status, 200);

    let (status, keys) = server.get_bytes("/v1/export-keys").await;
    assert_eq!(status, 200);
    let keys: Value = serde_json::from_slice(&keys).unwrap();
    let pem = keys["keys"][0]["publicKeyPem"].as_str().unwrap();
    let (exported, summary, verified) = read_export(&zip, pem);
    assert!(verified, "the file verifies with the published key");
    assert!(exported.contains(&[1; 16]) && exported.contains(&[2; 16]));
    let minimum = 1000;
    assert!(
        (minimum..=minimum + 100).contains(&exported.len()),
        "padded to 1,000 + 0..100 keys, got {}",
        exported.len()
    );
    let mut sorted = exported.clone();
    sorted.sort_unstable();
    assert_eq!(exported, sorted, "keys are sorted by their bytes");
    assert_eq!(summary.header.region, "JP");

    let (status, list) = server.get_bytes("/exports/JP/list.json").await;
    assert_eq!(status, 200);
    let list = parse_export_list(&list).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].url, format!("/{}", index.paths()[0]));
    assert_eq!(list[0].created, START * 1000);
}

#[tokio::test]
async fn every_publish_rule_is_enforced_and_nothing_is_stored_on_refusal() {
    let server = start().await;
    let mut cases: Vec<(Vec<mimamori_api::v1::ExposureKey>, &str)> = vec![
        (vec![], "missing_keys"),
        (
            (0..31).map(|i| key(i, TODAY - 144)).collect(),
            "too_many_keys",
        ),
        (
            (0..4).map(|i| key(i, TODAY - 144)).collect(),
            "too_many_keys_per_interval",
        ),
        (vec![key(1, TODAY - 16 * 144)], "key_too_old"),
        (vec![key(1, TODAY + 144)], "key_in_future"),
    ];
    let mut short = key(1, TODAY - 144);
    short.key = "AAECAwQFBgcICQoLDA0O".into(); // 15 bytes
    cases.push((vec![short], "bad_key"));
    let mut period = key(1, TODAY - 144);
    period.rolling_period = 145;
    cases.push((vec![period], "bad_rolling_period"));
    let mut period = key(1, TODAY - 144);
    period.rolling_period = 0;
    cases.push((vec![period], "bad_rolling_period"));
    let mut risk = key(1, TODAY - 144);
    risk.transmission_risk = 9;
    cases.push((vec![risk], "bad_transmission_risk"));
    for (keys, code) in cases {
        // A good key rides along with the bad ones: it must not be stored either.
        let (status, response) = server.upload(keys).await;
        assert_eq!(status, 400, "{code}: {response:?}");
        assert_eq!(response.code, code);
        assert!(!response.error.is_empty());
    }
    let outcome = server.export().await;
    assert_eq!(outcome["keys"], 0, "no refused request stored anything");

    // Duplicates are ignored, within a request and across requests.
    let (status, response) = server
        .upload(vec![key(5, TODAY - 144), key(5, TODAY - 144)])
        .await;
    assert_eq!((status, response.inserted_exposures), (200, 1));
    let (status, response) = server.upload(vec![key(5, TODAY - 144)]).await;
    assert_eq!((status, response.inserted_exposures), (200, 0));
    // The 15-day limit is inclusive; 3 keys a start interval are fine.
    let (status, response) = server
        .upload(vec![
            key(6, TODAY - 15 * 144),
            key(7, TODAY - 144),
            key(8, TODAY - 144),
        ])
        .await;
    assert_eq!(
        (status, response.inserted_exposures),
        (200, 3),
        "{response:?}"
    );
}

#[tokio::test]
async fn hostile_requests_are_refused_clearly() {
    let server = start().await;
    // Oversized body.
    let response = server.post_blank_json(PUBLISH_PATH, 65 * 1024).await;
    assert_eq!(response.status().as_u16(), 413);
    // Bad JSON on each phone route.
    for path in [PUBLISH_PATH, VERIFY_PATH, "/api/certificate"] {
        let response = server
            .client
            .post(server.url(path))
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{path}");
        let body: Value = response.json().await.unwrap();
        assert!(body["code"] == "bad_request" || body["errorCode"] == "bad_request");
    }
    // Wrong, malformed, reused and expired codes.
    let (status, body) = server.verify("12345678").await;
    assert_eq!((status, body.error_code.as_str()), (400, "code_invalid"));
    let (status, body) = server.verify("12ab").await;
    assert_eq!((status, body.error_code.as_str()), (400, "code_invalid"));
    let (_, code) = server.issue_code("confirmed").await;
    assert_eq!(server.verify(&code).await.0, 200);
    let (status, body) = server.verify(&code).await;
    assert_eq!((status, body.error_code.as_str()), (400, "code_invalid"));
    let (_, code) = server.issue_code("confirmed").await;
    server.clock.advance(15 * 60);
    let (status, body) = server.verify(&code).await;
    assert_eq!((status, body.error_code.as_str()), (400, "code_expired"));

    // A token is traded for one certificate only, and a bad HMAC is refused.
    let (_, code) = server.issue_code("confirmed").await;
    let (_, verified) = server.verify(&code).await;
    let (status, body) = server.certificate(&verified.token, &[1; 5]).await;
    assert_eq!((status, body.error_code.as_str()), (400, "hmac_invalid"));
    let (status, _) = server.certificate(&verified.token, &[1; 32]).await;
    assert_eq!(status, 200);
    let (status, body) = server.certificate(&verified.token, &[1; 32]).await;
    assert_eq!((status, body.error_code.as_str()), (400, "token_invalid"));
    let (status, body) = server.certificate("not.a.token", &[1; 32]).await;
    assert_eq!((status, body.error_code.as_str()), (400, "token_invalid"));

    // Keys other than those the certificate was made for.
    let mut request = server.certified_request(vec![key(1, TODAY - 144)]).await;
    request.temporary_exposure_keys = vec![key(2, TODAY - 144)];
    let (status, body): (u16, PublishResponse) = server.post_json(PUBLISH_PATH, &request).await;
    assert_eq!(
        (status, body.code.as_str()),
        (401, "health_authority_verification_failed")
    );
    // Another HMAC key.
    let mut request = server.certified_request(vec![key(1, TODAY - 144)]).await;
    request.hmac_key = "AAAA".into();
    let (status, body): (u16, PublishResponse) = server.post_json(PUBLISH_PATH, &request).await;
    assert_eq!(
        (status, body.code.as_str()),
        (401, "health_authority_verification_failed")
    );
    // A forged certificate, another health authority, an expired certificate.
    let mut request = server.certified_request(vec![key(1, TODAY - 144)]).await;
    let good = request.clone();
    request.verification_payload.push('x');
    let (status, _): (u16, PublishResponse) = server.post_json(PUBLISH_PATH, &request).await;
    assert_eq!(status, 401);
    let mut request = good.clone();
    request.health_authority_id = "XX.other".into();
    let (status, body): (u16, PublishResponse) = server.post_json(PUBLISH_PATH, &request).await;
    assert_eq!(
        (status, body.code.as_str()),
        (401, "unknown_health_authority_id")
    );
    server.clock.advance(16 * 60);
    let (status, _): (u16, PublishResponse) = server.post_json(PUBLISH_PATH, &good).await;
    assert_eq!(status, 401);

    let outcome = server.export().await;
    assert_eq!(
        outcome["keys"], 0,
        "nothing from a refused request was stored"
    );
}

#[tokio::test]
async fn chaff_is_answered_like_real_requests_and_changes_nothing() {
    let server = start().await;
    let (_, code) = server.issue_code("confirmed").await;
    let chaff = PublishRequest::chaff(&mut mimamori_environment::SeededRandom::new(3));
    let response = server
        .client
        .post(server.url(PUBLISH_PATH))
        .header("X-Chaff", "1")
        .json(&chaff)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: PublishResponse = response.json().await.unwrap();
    assert!(!body.padding.is_empty());
    assert_eq!(body.inserted_exposures, 14);

    let response = server
        .client
        .post(server.url(VERIFY_PATH))
        .header("X-Chaff", "1")
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: VerifyCodeResponse = response.json().await.unwrap();
    assert_eq!(body.token.split('.').count(), 3, "a token-shaped answer");

    // The chaff verify did not use up the code, and the chaff upload stored nothing.
    assert_eq!(server.verify(&code).await.0, 200);
    assert_eq!(server.export().await["keys"], 0);
}

#[tokio::test]
async fn a_code_is_redeemed_once_under_concurrent_attempts() {
    let server = std::sync::Arc::new(start().await);
    for _ in 0..3 {
        let (_, code) = server.issue_code("confirmed").await;
        let attempts: Vec<_> = (0..16)
            .map(|_| {
                let (server, code) = (std::sync::Arc::clone(&server), code.clone());
                tokio::spawn(async move { server.verify(&code).await.0 })
            })
            .collect();
        let mut successes = 0;
        for attempt in attempts {
            if attempt.await.unwrap() == 200 {
                successes += 1;
            }
        }
        assert_eq!(successes, 1);
    }
}

#[tokio::test]
async fn authority_api_needs_a_key_and_reports_codes_and_statistics() {
    let server = start().await;
    let response = server
        .client
        .post(server.url("/api/v1/authority/codes"))
        .json(&json!({ "testType": "confirmed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let response = server
        .client
        .post(server.url("/api/v1/authority/export"))
        .header("X-API-Key", "mmk_wrongwrongwrongwrong")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);

    let body = server
        .issue(json!({ "testType": "likely", "symptomDate": "2026-11-18" }))
        .await;
    let code = body["code"].as_str().unwrap();
    assert_eq!(code.len(), 8);
    assert_eq!(body["expiresAt"], START + 15 * 60);
    let id = body["id"].as_str().unwrap();
    let (status, status_body) = server
        .authority_get(&format!("/api/v1/authority/codes/{id}"))
        .await;
    assert_eq!(
        (status, status_body["state"].as_str()),
        (200, Some("valid"))
    );
    assert!(
        !status_body.to_string().contains(code),
        "the code is never shown again"
    );
    assert!(
        status_body.get("issuedBy").is_none(),
        "who issued a code is for the portal only"
    );

    let (status, verified) = server.verify(code).await;
    assert_eq!(status, 200);
    assert_eq!(verified.symptom_date.as_deref(), Some("2026-11-18"));
    assert_eq!(verified.test_type, Some(mimamori_api::v1::TestType::Likely));
    let (_, status_body) = server
        .authority_get(&format!("/api/v1/authority/codes/{id}"))
        .await;
    assert_eq!(status_body["state"], "redeemed");

    // Expire an unused code: it can no longer be redeemed.
    let (id, code) = server.issue_code("confirmed").await;
    let (status, _) = server
        .authority_post(&format!("/api/v1/authority/codes/{id}/expire"), json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, _) = server
        .authority_post(&format!("/api/v1/authority/codes/{id}/expire"), json!({}))
        .await;
    assert_eq!(status, 409);
    assert_eq!(server.verify(&code).await.1.error_code, "code_expired");

    // Bad requests.
    let (status, _) = server
        .authority_post("/api/v1/authority/codes", json!({ "testType": "positive" }))
        .await;
    assert_eq!(status, 400);
    let (status, _) = server
        .authority_post(
            "/api/v1/authority/codes",
            json!({ "testType": "confirmed", "symptomDate": "2026-12-01" }),
        )
        .await;
    assert_eq!(status, 400, "a future date is refused");

    // A code of a type the app does not accept.
    let (_, code) = server.issue_code("negative").await;
    let (status, body): (u16, VerifyCodeResponse) = server
        .post_json(
            VERIFY_PATH,
            &json!({ "code": code, "accept": ["confirmed"] }),
        )
        .await;
    assert_eq!(
        (status, body.error_code.as_str()),
        (412, "unsupported_test_type")
    );
    // Issue 13 defect 3: the 412 left the code usable; an app that accepts it redeems it.
    let (status, body): (u16, VerifyCodeResponse) = server
        .post_json(
            VERIFY_PATH,
            &json!({ "code": code, "accept": ["confirmed", "negative"] }),
        )
        .await;
    assert_eq!(
        (status, body.test_type),
        (200, Some(mimamori_api::v1::TestType::Negative))
    );

    let (status, _) = server.upload(vec![key(1, TODAY - 144)]).await;
    assert_eq!(status, 200);
    let (status, stats) = server.authority_get("/api/v1/authority/stats?days=7").await;
    assert_eq!(status, 200);
    let today = &stats["days"][0];
    assert_eq!(today["day"], "2026-11-20");
    assert_eq!(today["codesIssued"], 4);
    assert_eq!(today["codesRedeemed"], 3);
    assert_eq!(today["codesExpired"], 1);
    assert_eq!(today["uploads"], 1);
    assert_eq!(today["keysPublished"], 1);
}

/// A GET of the export index with `If-None-Match: etag`.
async fn if_none_match(server: &TestServer, etag: &str) -> reqwest::Response {
    server
        .client
        .get(server.url("/exports/JP/index.txt"))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn export_holds_back_valid_keys_and_serves_etags() {
    let server = start().await;
    // Today's key is still valid at noon: it is held back.
    let (status, _) = server
        .upload(vec![key(1, TODAY - 144), key(2, TODAY)])
        .await;
    assert_eq!(status, 200);
    let first = server.export().await;
    assert_eq!(first["keys"], 1);
    // An export with nothing new writes no file.
    server.clock.advance(60);
    let empty = server.export().await;
    assert_eq!(empty["files"].as_array().unwrap().len(), 0);

    let (_, index_before) = server.get_bytes("/exports/JP/index.txt").await;
    let response = server
        .client
        .get(server.url("/exports/JP/index.txt"))
        .send()
        .await
        .unwrap();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    let response = if_none_match(&server, &etag).await;
    assert_eq!(response.status().as_u16(), 304);

    // After midnight, today's key is exported in the next batch.
    server.clock.set(u64::from(TODAY + 144) * 600 + 60);
    let second = server.export().await;
    assert_eq!(second["keys"], 1);
    let (_, index_after) = server.get_bytes("/exports/JP/index.txt").await;
    let index = ExportIndex::parse(&index_after).unwrap();
    assert_eq!(index.paths().len(), 2, "oldest first, the new file last");
    assert!(index_after.starts_with(&index_before));
    let response = if_none_match(&server, &etag).await;
    assert_eq!(
        response.status().as_u16(),
        200,
        "a changed listing has a new ETag"
    );

    let (status, zip) = server.get_bytes(&format!("/{}", index.paths()[1])).await;
    assert_eq!(status, 200);
    let (_, keys) = server.get_bytes("/v1/export-keys").await;
    let keys: Value = serde_json::from_slice(&keys).unwrap();
    let (exported, _, verified) =
        read_export(&zip, keys["keys"][0]["publicKeyPem"].as_str().unwrap());
    assert!(verified);
    assert!(exported.contains(&[2; 16]) && !exported.contains(&[1; 16]));

    let response = server
        .client
        .get(server.url(&format!("/{}", index.paths()[1])))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=86400, immutable"
    );
    assert_eq!(server.get_bytes("/exports/JP/nothing.zip").await.0, 404);
    assert_eq!(server.get_bytes("/exports/JP/..%2F..%2Fkeys").await.0, 404);
}

#[tokio::test]
async fn retention_deletes_keys_and_files_after_14_days() {
    let server = start().await;
    server.upload(vec![key(1, TODAY - 144)]).await;
    let outcome = server.export().await;
    let name = outcome["files"][0].as_str().unwrap().to_owned();
    assert_eq!(server.get_bytes(&format!("/{name}")).await.0, 200);

    server.clock.advance(13 * 86_400);
    let outcome = server.export().await;
    assert_eq!(outcome["filesDeleted"], 0);
    server.clock.advance(86_400 + 60);
    let outcome = server.export().await;
    assert_eq!(outcome["filesDeleted"], 1);
    assert_eq!(outcome["keysDeleted"], 1);
    assert_eq!(server.get_bytes(&format!("/{name}")).await.0, 404);
    let (_, index) = server.get_bytes("/exports/JP/index.txt").await;
    assert!(ExportIndex::parse(&index).unwrap().is_empty());
    let (_, list) = server.get_bytes("/exports/JP/list.json").await;
    assert!(parse_export_list(&list).unwrap().is_empty());
}

#[tokio::test]
async fn rotation_keeps_old_files_verifiable() {
    let server = start().await;
    server.upload(vec![key(1, TODAY - 144)]).await;
    let old = server.export().await["files"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, rotated) = server
        .authority_post("/api/v1/authority/signing-keys/rotate", json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(rotated["version"], "v2");
    server.clock.advance(60);
    server.upload(vec![key(2, TODAY - 144)]).await;
    let new = server.export().await["files"][0]
        .as_str()
        .unwrap()
        .to_owned();

    let (_, keys) = server.get_bytes("/v1/export-keys").await;
    let keys: Value = serde_json::from_slice(&keys).unwrap();
    let v1 = keys["keys"][0]["publicKeyPem"].as_str().unwrap();
    let v2 = keys["keys"][1]["publicKeyPem"].as_str().unwrap();
    assert_eq!(keys["keys"][1]["version"], "v2");
    let (_, old_zip) = server.get_bytes(&format!("/{old}")).await;
    let (_, new_zip) = server.get_bytes(&format!("/{new}")).await;
    assert!(read_export(&old_zip, v1).2 && !read_export(&old_zip, v2).2);
    let (_, summary, verified) = read_export(&new_zip, v2);
    assert!(verified);
    assert_eq!(summary.signatures[0].info.key_version, "v2");
}

#[tokio::test]
async fn the_certificate_carries_report_type_and_onset_into_the_export() {
    let server = start().await;
    let body = server
        .issue(json!({ "testType": "likely", "symptomDate": "2026-11-17" }))
        .await;
    let keys = vec![key(1, TODAY - 144), key(2, TODAY - 5 * 144)];
    let request = server
        .certified_request_with(body["code"].as_str().unwrap(), keys)
        .await;
    let (status, _): (u16, PublishResponse) = server.post_json(PUBLISH_PATH, &request).await;
    assert_eq!(status, 200);
    let name = server.export().await["files"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, zip) = server.get_bytes(&format!("/{name}")).await;
    let mut seen = 0;
    for exported in crate::common::export_keys(&zip).0 {
        let expected_days = match exported.key.key.as_bytes()[0] {
            1 if exported.key.key.as_bytes() == &[1; 16] => Some(2),
            2 if exported.key.key.as_bytes() == &[2; 16] => Some(-2),
            _ => continue,
        };
        seen += 1;
        assert_eq!(
            exported.key.report_type,
            mimamori_gaen::ReportType::ConfirmedClinicalDiagnosis
        );
        assert_eq!(exported.key.days_since_onset, expected_days);
    }
    assert_eq!(seen, 2);
}

#[tokio::test]
async fn openapi_document_parses_and_lists_every_route() {
    let server = start().await;
    let (status, body) = server.get_bytes("/openapi.json").await;
    assert_eq!(status, 200);
    let document: Value = serde_json::from_slice(&body).unwrap();
    for path in [
        "/v1/publish",
        "/api/verify",
        "/api/certificate",
        "/exports/{region}/{file}",
        "/v1/export-keys",
        "/api/v1/authority/codes",
        "/api/v1/authority/codes/{id}",
        "/api/v1/authority/codes/{id}/expire",
        "/api/v1/authority/stats",
        "/api/v1/authority/export",
        "/api/v1/authority/signing-keys/rotate",
        "/openapi.json",
        "/health",
    ] {
        assert!(document["paths"][path].is_object(), "{path}");
    }
}
