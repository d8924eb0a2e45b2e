//! A crash between two batches loses at most the batch in flight: a child process records scans
//! as fast as it can and is killed with SIGKILL; every batch it reported as recorded is there,
//! complete, and no batch is there in part.

// Test helpers outside #[test] functions may unwrap: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use mimamori_gaen::encounter::{ScanBatch, Sighting};
use mimamori_gaen::{AssociatedEncryptedMetadata, ExposurePayload, RollingProximityIdentifier};
use mimamori_phone::Database;
use mimamori_phone::{SightingStore, SqliteSightingStore};

const CHILD_ENV: &str = "MIMAMORI_CRASH_TEST_DATABASE";
const SIGHTINGS_PER_BATCH: usize = 250;

fn batch(scan_id: u64) -> ScanBatch {
    let sightings = (0..SIGHTINGS_PER_BATCH)
        .map(|i| {
            let mut rpi = [0u8; 16];
            rpi[..8].copy_from_slice(&scan_id.to_le_bytes());
            rpi[8..].copy_from_slice(&(i as u64).to_le_bytes());
            let payload = ExposurePayload::new(
                RollingProximityIdentifier::from_bytes(rpi),
                AssociatedEncryptedMetadata::from_bytes([1, 2, 3, 4]),
            );
            Sighting::new(payload, -60, 1_000 + scan_id).unwrap()
        })
        .collect();
    ScanBatch {
        scan_id,
        started_at: 1_000 + scan_id,
        sightings,
    }
}

/// The child: records batches until killed, printing each scan id once it is committed.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut store = SqliteSightingStore::new(Database::open(path).unwrap());
    for scan_id in 1.. {
        store.record(&batch(scan_id)).unwrap();
        println!("recorded {scan_id}");
    }
}

#[cfg(unix)]
#[test]
fn sigkill_between_batches_loses_at_most_the_batch_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phone.sqlite3");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash::crash_child",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acknowledged = 0u64;
    while acknowledged < 40 {
        let line = lines.next().expect("the child stopped early").unwrap();
        if let Some(id) = line.strip_prefix("recorded ") {
            acknowledged = id.parse().unwrap();
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let mut store = SqliteSightingStore::new(Database::open(&path).unwrap());
    let scans = store.scans(0, u64::MAX).unwrap();
    assert!(
        scans.len() as u64 >= acknowledged,
        "{} scans, {acknowledged} acknowledged",
        scans.len()
    );
    for (index, scan) in scans.iter().enumerate() {
        assert_eq!(scan.scan_id, index as u64 + 1, "scans are consecutive");
        assert_eq!(
            scan.sightings.len(),
            SIGHTINGS_PER_BATCH,
            "scan {} is complete",
            scan.scan_id
        );
    }
    // And the database still takes new batches.
    store.record(&batch(10_000)).unwrap();
}
