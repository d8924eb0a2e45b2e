//! No half-written export is ever listed: when writing a batch's files fails midway, nothing is
//! listed and no key is lost; the next run (after the claim's lease) exports the same keys. When
//! rewriting `index.txt`/`list.json` fails after a file was listed, the next run rewrites them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use mimamori_diagnosis_server::Result;
use mimamori_diagnosis_server::blobs::{BlobStore, LocalBlobStore};
use mimamori_diagnosis_server::config::Config;
use mimamori_diagnosis_server::export::{BATCH_LEASE_SECONDS, run_export};
use mimamori_diagnosis_server::keys::{
    ExportKeyRing, load_or_create_code_secret, load_or_create_token_key,
};
use mimamori_diagnosis_server::service::Services;
use mimamori_diagnosis_server::storage::{SqliteStorage, Storage, StoredExposure};
use mimamori_diagnosis_server::tokens::TokenSigner;
use mimamori_environment::FixedClock;

const NOW: u64 = 1_795_176_000;

/// A store whose writes of zip files fail while `broken` is set (a full disk, a lost bucket),
/// and writes of `index.txt` and `list.json` while `listing_broken` is set.
struct FlakyStore {
    inner: LocalBlobStore,
    broken: AtomicBool,
    listing_broken: AtomicBool,
}

#[async_trait]
impl BlobStore for FlakyStore {
    async fn put(&self, name: &str, bytes: Bytes) -> Result<()> {
        if self.broken.load(Ordering::SeqCst) && name.ends_with(".zip") {
            return Err(mimamori_diagnosis_server::Error::Blob("disk full".into()));
        }
        if self.listing_broken.load(Ordering::SeqCst)
            && (name.ends_with("index.txt") || name.ends_with("list.json"))
        {
            return Err(mimamori_diagnosis_server::Error::Blob("disk full".into()));
        }
        self.inner.put(name, bytes).await
    }
    async fn get(&self, name: &str) -> Result<Option<Bytes>> {
        self.inner.get(name).await
    }
    async fn delete(&self, name: &str) -> Result<()> {
        self.inner.delete(name).await
    }
}

/// A key of yesterday, available now.
fn key() -> StoredExposure {
    StoredExposure {
        key: [7; 16],
        rolling_start: (NOW / 600 / 144 * 144 - 144) as u32,
        rolling_period: 144,
        transmission_risk: 0,
        report_type: 1,
        days_since_onset: None,
        available_at: NOW as i64,
    }
}

/// Services over SQLite and a [`FlakyStore`] in `directory`, on a fixed clock.
async fn flaky_services(
    directory: &std::path::Path,
) -> (Services, Arc<dyn Storage>, Arc<FlakyStore>, FixedClock) {
    let config = Config::new(directory);
    let storage: Arc<dyn Storage> = Arc::new(
        SqliteStorage::open(&directory.join("db.sqlite3"))
            .await
            .unwrap(),
    );
    let store = Arc::new(FlakyStore {
        inner: LocalBlobStore::new(&directory.join("store")).unwrap(),
        broken: AtomicBool::new(true),
        listing_broken: AtomicBool::new(false),
    });
    let clock = FixedClock::new(NOW);
    let (ring, _) = ExportKeyRing::load_or_create(directory, "440", NOW as i64).unwrap();
    let services = Services::new(
        config,
        Arc::clone(&storage),
        store.clone(),
        ring,
        TokenSigner::new(load_or_create_token_key(directory).unwrap()),
        load_or_create_code_secret(directory).unwrap(),
        Arc::new(clock.clone()),
    );
    (services, storage, store, clock)
}

#[tokio::test]
async fn a_failed_export_lists_nothing_and_loses_no_key() {
    let directory = tempfile::tempdir().unwrap();
    let (services, storage, store, clock) = flaky_services(directory.path()).await;
    storage
        .insert_exposures(&[key()], NOW as i64)
        .await
        .unwrap();

    let error = run_export(&services).await.unwrap_err().to_string();
    assert!(error.contains("disk full"), "{error}");
    assert!(
        storage.export_files("JP").await.unwrap().is_empty(),
        "nothing listed"
    );
    assert_eq!(store.get("exports/JP/index.txt").await.unwrap(), None);

    // While the failed run's claim is fresh, another run does not start a second batch.
    store.broken.store(false, Ordering::SeqCst);
    assert_eq!(run_export(&services).await.unwrap().batch, None);

    // After the lease the batch is taken over and the key is exported.
    clock.advance(BATCH_LEASE_SECONDS as u64 + 1);
    let outcome = run_export(&services).await.unwrap();
    assert_eq!(outcome.keys, 1);
    assert_eq!(outcome.files.len(), 1);
    let listed = storage.export_files("JP").await.unwrap();
    assert_eq!(listed.len(), 1);
    let index = store.get("exports/JP/index.txt").await.unwrap().unwrap();
    assert_eq!(index, Bytes::from(format!("{}\n", listed[0].object_name)));
}

/// Issue 13, defect 5: a write fault between listing a file in the database and rewriting
/// `index.txt`/`list.json` heals at the next run, even one that makes no file.
#[tokio::test]
async fn a_missed_listing_rewrite_heals_at_the_next_run() {
    let directory = tempfile::tempdir().unwrap();
    let (services, storage, store, _clock) = flaky_services(directory.path()).await;
    store.broken.store(false, Ordering::SeqCst);
    store.listing_broken.store(true, Ordering::SeqCst);
    storage
        .insert_exposures(&[key()], NOW as i64)
        .await
        .unwrap();

    let error = run_export(&services).await.unwrap_err().to_string();
    assert!(error.contains("disk full"), "{error}");
    let listed = storage.export_files("JP").await.unwrap();
    assert_eq!(listed.len(), 1, "the file is listed in the database");
    assert_eq!(store.get("exports/JP/index.txt").await.unwrap(), None);

    store.listing_broken.store(false, Ordering::SeqCst);
    let outcome = run_export(&services).await.unwrap();
    assert!(outcome.files.is_empty(), "this run makes no file");
    let index = store.get("exports/JP/index.txt").await.unwrap().unwrap();
    assert_eq!(index, Bytes::from(format!("{}\n", listed[0].object_name)));
    let list = store.get("exports/JP/list.json").await.unwrap().unwrap();
    assert!(
        String::from_utf8_lossy(&list).contains(&listed[0].object_name),
        "list.json lists the file"
    );
}
