//! Two server instances on one PostgreSQL database and one file store, as a national
//! deployment runs them behind a load balancer: a code issued on one is redeemed on the other,
//! an upload to one is exported by the other, and concurrent redeems across both succeed once.
//! They also share one budget of failed verifications (issue 13 defect 1).
//! Runs when `MIMAMORI_TEST_POSTGRES_URL` is set (`MIMAMORI_REQUIRE_POSTGRES=1` makes its absence
//! fail).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::{START, TODAY, TestServer, key};
use mimamori_diagnosis_server::Server;
use mimamori_diagnosis_server::config::{BlobConfig, DatabaseConfig};
use mimamori_environment::FixedClock;

async fn fresh_database(url: &str, purpose: &str) -> String {
    let database = format!("mimamori_instances_{purpose}_{}", std::process::id());
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {database}"))
        .await
        .unwrap();
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    format!("{base}/{database}")
}

#[tokio::test]
async fn two_instances_share_one_postgres_database() {
    let Some((instances, _shared)) = two_instances("flow", 100_000).await else {
        return;
    };
    let (a, b) = (&instances[0], &instances[1]);

    // A code issued on a is redeemed on b, once, even when both are asked at once.
    let (_, code) = a.issue_code("confirmed").await;
    let (first, second) = tokio::join!(a.verify(&code), b.verify(&code));
    assert_eq!(
        [first.0, second.0]
            .iter()
            .filter(|status| **status == 200)
            .count(),
        1
    );

    // An upload through a, exported by b; a sees the listing b wrote.
    let (status, _) = a.upload(vec![key(1, TODAY - 144)]).await;
    assert_eq!(status, 200);
    let outcome = b.export().await;
    assert_eq!(outcome["keys"], 1);
    let (status, index) = a.get_bytes("/exports/JP/index.txt").await;
    assert_eq!(status, 200);
    assert_eq!(
        mimamori_api::v1::ExportIndex::parse(&index)
            .unwrap()
            .paths()
            .len(),
        1
    );
    // The batch is claimed once: exporting on a right after finds nothing new.
    assert_eq!(a.export().await["keys"], 0);
}

/// Two instances on one database and one file store, as a national deployment runs them (one
/// data directory for the keys: a mounted secret in production), each with `failed_verifications_per_minute` set.
async fn two_instances(purpose: &str, budget: u32) -> Option<(Vec<TestServer>, tempfile::TempDir)> {
    let url = common::postgres_url()?;
    let database = fresh_database(&url, purpose).await;
    let shared = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(START);
    let mut instances = Vec::new();
    for name in ["staff-a", "staff-b"] {
        let mut config = common::config(shared.path());
        config.database = Some(DatabaseConfig::Postgres(database.clone()));
        config.blobs = Some(BlobConfig::Local(shared.path().join("store")));
        config.rate_limits.failed_verifications_per_minute = budget;
        let server = Server::start_with_clock(config, Arc::new(clock.clone()))
            .await
            .unwrap();
        let api_key = server.create_api_key(name).await.unwrap();
        instances.push(TestServer {
            server,
            clock: clock.clone(),
            api_key,
            client: reqwest::Client::new(),
            directory: tempfile::tempdir().unwrap(),
        });
    }
    Some((instances, shared))
}

#[tokio::test]
async fn two_instances_share_the_failed_verification_budget() {
    let Some((instances, _shared)) = two_instances("budget", 4).await else {
        return;
    };
    let (a, b) = (&instances[0], &instances[1]);
    let (_, code) = a.issue_code("confirmed").await;
    let wrong = if code == "00000000" {
        "00000001"
    } else {
        "00000000"
    };
    // Two failures on each instance use up the budget of four...
    for server in [a, b, a, b] {
        let (status, body) = server.verify(wrong).await;
        assert_eq!((status, body.error_code.as_str()), (400, "code_invalid"));
    }
    // ...so both refuse every verification, the right code included, until the minute ends.
    for server in [a, b] {
        let (status, body) = server.verify(&code).await;
        assert_eq!((status, body.error_code.as_str()), (429, "rate_limited"));
    }
    a.clock.advance(60);
    let (status, body) = b.verify(&code).await;
    assert_eq!(status, 200, "{}", body.error);
}
