//! The export worker: turns stored keys into signed GAEN export files, lists them, and deletes
//! what is older than the retention period.
//!
//! One run ([`run_export`]):
//!
//! 1. claims the next batch in the database (from the end of the last batch to now; one
//!    instance at a time);
//! 2. takes the keys made available in that time (keys still valid were stored with
//!    `available_at` at the end of their validity, so they are held back until they expire);
//! 3. pads a non-empty batch with random keys up to [`Config::min_export_keys`] + a random
//!    0..=100, so that file sizes do not reveal how many people uploaded;
//! 4. sorts the keys by their bytes, splits them into files of at most
//!    [`MAX_KEYS_PER_FILE`], signs each with the current export signing key and writes them to the
//!    blob store;
//! 5. only then marks the batch complete and lists its files (one transaction), and rewrites
//!    `index.txt` and `list.json`, so no half-written file is ever listed;
//! 6. deletes keys and files older than 14 days (files are unlisted before their blobs go).
//!
//! While a run holds a batch it renews the claim's lease every third of
//! [`Config::export_lease`]; a claim whose holder died is taken over by the next run after the
//! lease (a minute by default). `index.txt` and `list.json` are rewritten from the database at
//! every start ([`crate::server::Server::start`]) and after every run, whether or not it made a
//! file, so a rewrite missed by a crash or a write fault heals on its own.
//!
//! [`Config::export_lease`]: crate::config::Config::export_lease
//!
//! [`Config::min_export_keys`]: crate::config::Config::min_export_keys

use bytes::Bytes;
use mimamori_api::v1::{
    EXPORT_INDEX_FILE, EXPORT_LIST_FILE, ExportIndex, ExportListEntry, render_export_list,
};
use mimamori_environment::{OsRandom, RandomSource};
use mimamori_gaen::export::{
    ExportHeader, ExportKey, ExportSigningKey, ExportWriter, MAX_KEYS_PER_FILE,
};
use mimamori_gaen::{DiagnosisKey, IntervalNumber, ReportType, TemporaryExposureKey};

use crate::config::{EXPORT_PADDING_JITTER, RETENTION};
use crate::service::{CODE_RECORD_SECONDS, Services};
use crate::storage::{ExportBatch, ExportFileRecord, StoredExposure};
use crate::{Error, Result};

/// Default lease of a batch claim, in seconds: how long a claim whose holder stopped renewing it
/// (a process killed mid-run) blocks other runs before it is taken over. The holder renews it
/// every third of the lease while it works ([`crate::config::Config::export_lease`]).
pub const BATCH_LEASE_SECONDS: i64 = 60;

/// What one export run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportOutcome {
    /// Start and end of the batch made, if one was.
    pub batch: Option<(i64, i64)>,
    /// Object names of the files written.
    pub files: Vec<String>,
    /// Real keys exported.
    pub keys: usize,
    /// Random padding keys added.
    pub padding_keys: usize,
    /// Keys deleted by retention.
    pub keys_deleted: u64,
    /// Files deleted by retention.
    pub files_deleted: usize,
}

/// Object name of a region's folder: `exports/<region>`.
pub fn region_prefix(region: &str) -> String {
    format!("exports/{region}")
}

/// Runs one export batch and the retention sweep.
pub async fn run_export(services: &Services) -> Result<ExportOutcome> {
    let now = services.now();
    let retention = i64::try_from(RETENTION.as_secs()).unwrap_or(i64::MAX);
    let mut outcome = ExportOutcome::default();
    let lease_seconds =
        i64::try_from(services.config.export_lease.as_secs()).unwrap_or(BATCH_LEASE_SECONDS);
    if let Some(batch) = services
        .storage
        .begin_export_batch(now + 1, now - retention, lease_seconds, now)
        .await?
    {
        outcome.batch = Some((batch.start, batch.end));
        tokio::select! {
            exported = export_batch(services, &batch, now, &mut outcome) => exported?,
            lost = keep_claim(services, &batch) => return Err(lost),
        }
    }
    // Also when this run listed nothing new: heals a rewrite a crash or a fault missed.
    write_listings(services).await?;
    let swept = services
        .storage
        .delete_expired(
            now - retention,
            (now - retention) * 1000,
            now - CODE_RECORD_SECONDS,
        )
        .await?;
    outcome.keys_deleted = swept.keys_deleted;
    outcome.files_deleted = swept.files_deleted.len();
    if !swept.files_deleted.is_empty() {
        write_listings(services).await?;
        for file in &swept.files_deleted {
            services.blobs.delete(&file.object_name).await?;
        }
    }
    Ok(outcome)
}

/// Writes the files of a claimed `batch`, then completes it (lists them).
async fn export_batch(
    services: &Services,
    batch: &ExportBatch,
    now: i64,
    outcome: &mut ExportOutcome,
) -> Result<()> {
    let region = services.config.region.clone();
    if let Some(pause) = services.config.export_pause_after_claim {
        // Tests only: hold the claim so a test can kill the process mid-run.
        tokio::time::sleep(pause).await;
    }
    let stored = services
        .storage
        .exposures_between(batch.start, batch.end)
        .await?;
    let mut records = Vec::new();
    if !stored.is_empty() {
        outcome.keys = stored.len();
        let mut keys = to_export_keys(&stored)?;
        let target = services.config.min_export_keys
            + usize::try_from(OsRandom.uniform_inclusive(0, EXPORT_PADDING_JITTER as u64))
                .unwrap_or(0);
        outcome.padding_keys = pad_keys(&mut keys, target, &mut OsRandom)?;
        let signer = current_signer(services)?;
        let header = ExportHeader {
            start_timestamp: u64::try_from(batch.start).unwrap_or(0),
            end_timestamp: u64::try_from(batch.end).unwrap_or(0),
            region: region.clone(),
            batch_num: 1,
            batch_size: 1,
        };
        let files = tokio::task::spawn_blocking(move || build_files(header, keys, &signer))
            .await
            .map_err(|error| Error::Blob(format!("an export task failed: {error}")))??;
        let created_ms = now * 1000;
        for (header, key_count, zip) in files {
            let name = format!(
                "{}/{}-{}-{:05}.zip",
                region_prefix(&region),
                header.start_timestamp,
                header.end_timestamp,
                header.batch_num
            );
            services.blobs.put(&name, Bytes::from(zip)).await?;
            records.push(ExportFileRecord {
                region: region.clone(),
                object_name: name.clone(),
                batch_id: batch.id,
                batch_num: header.batch_num,
                batch_size: header.batch_size,
                key_count: i64::try_from(key_count).unwrap_or(i64::MAX),
                created_ms,
            });
            outcome.files.push(name);
        }
    }
    services
        .storage
        .complete_export_batch(batch, &records)
        .await
}

/// Renews the claim on `batch` every third of the lease, for as long as the run works; returns
/// only when the claim is lost (taken over after a lease this process failed to renew).
async fn keep_claim(services: &Services, batch: &ExportBatch) -> Error {
    let period = services.config.export_lease / 3;
    loop {
        tokio::time::sleep(period).await;
        match services
            .storage
            .renew_export_batch(batch, services.now())
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                return Error::Database(
                    "the export batch was taken over by another instance after its lease ran                      out; nothing of this run is listed, and the next run exports the keys"
                        .into(),
                );
            }
            Err(error) => tracing::warn!(%error, "renewing the export lease failed; retrying"),
        }
    }
}

/// Rewrites `index.txt` and `list.json` of the configured region from the listed files.
pub async fn write_listings(services: &Services) -> Result<()> {
    let region = &services.config.region;
    let files = services.storage.export_files(region).await?;
    let index = ExportIndex::new(files.iter().map(|file| file.object_name.clone()).collect())?;
    let base = services
        .config
        .public_base_url
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('/');
    let list: Vec<ExportListEntry> = files
        .iter()
        .map(|file| ExportListEntry {
            region: region.clone(),
            url: format!("{base}/{}", file.object_name),
            created: u64::try_from(file.created_ms).unwrap_or(0),
        })
        .collect();
    let prefix = region_prefix(region);
    services
        .blobs
        .put(
            &format!("{prefix}/{EXPORT_INDEX_FILE}"),
            Bytes::from(index.render()),
        )
        .await?;
    services
        .blobs
        .put(
            &format!("{prefix}/{EXPORT_LIST_FILE}"),
            Bytes::from(render_export_list(&list)),
        )
        .await
}

fn current_signer(services: &Services) -> Result<ExportSigningKey> {
    let ring = services
        .export_keys
        .read()
        .map_err(|_| Error::SigningKey("the key ring lock was poisoned".into()))?;
    let key = ring.current();
    let pem = key.to_pkcs8_pem()?;
    Ok(ExportSigningKey::from_pkcs8_pem(
        &pem,
        &key.info().key_id,
        &key.info().key_version,
    )?)
}

fn to_export_keys(stored: &[StoredExposure]) -> Result<Vec<ExportKey>> {
    stored
        .iter()
        .map(|key| {
            let diagnosis = DiagnosisKey::new(
                TemporaryExposureKey::from_bytes(key.key),
                IntervalNumber::new(key.rolling_start),
                key.rolling_period,
                ReportType::try_from(key.report_type)?,
                key.days_since_onset,
            )?;
            let mut export = ExportKey::new(diagnosis);
            export.transmission_risk_level = Some(key.transmission_risk);
            Ok(export)
        })
        .collect()
}

/// Adds random keys until there are `target` keys; returns how many were added. Each padding key
/// copies the metadata of a random real key (so padding looks like real keys) with fresh random
/// bytes. Needs at least one real key.
pub fn pad_keys(
    keys: &mut Vec<ExportKey>,
    target: usize,
    random: &mut dyn RandomSource,
) -> Result<usize> {
    let real = keys.len();
    if real == 0 || real >= target {
        return Ok(0);
    }
    for _ in real..target {
        let index = usize::try_from(random.uniform_inclusive(0, real as u64 - 1)).unwrap_or(0);
        let mut padding = keys[index].clone();
        padding.key.key = TemporaryExposureKey::generate(random);
        keys.push(padding);
    }
    Ok(target - real)
}

/// Sorts keys by their bytes and writes signed zips of at most [`MAX_KEYS_PER_FILE`] keys each.
/// Returns each file's header, key count and bytes.
pub fn build_files(
    header: ExportHeader,
    mut keys: Vec<ExportKey>,
    signer: &ExportSigningKey,
) -> Result<Vec<(ExportHeader, usize, Vec<u8>)>> {
    keys.sort_unstable_by(|a, b| a.key.key.as_bytes().cmp(b.key.key.as_bytes()));
    let chunks: Vec<&[ExportKey]> = keys.chunks(MAX_KEYS_PER_FILE).collect();
    let batch_size = i32::try_from(chunks.len()).unwrap_or(i32::MAX);
    let signers = std::slice::from_ref(signer);
    chunks
        .iter()
        .enumerate()
        .map(|(index, chunk)| {
            let header = ExportHeader {
                batch_num: i32::try_from(index + 1).unwrap_or(i32::MAX),
                batch_size,
                ..header.clone()
            };
            let zip = ExportWriter::new(header.clone(), signers).to_zip(chunk)?;
            Ok((header, chunk.len(), zip))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mimamori_environment::SeededRandom;
    use mimamori_gaen::export::ExportFile;

    fn key(byte: u8) -> ExportKey {
        ExportKey::new(
            DiagnosisKey::new(
                TemporaryExposureKey::from_bytes([byte; 16]),
                IntervalNumber::new(2_649_888),
                144,
                ReportType::ConfirmedTest,
                Some(1),
            )
            .unwrap(),
        )
    }

    #[test]
    fn padding_fills_to_the_target_with_real_looking_keys() {
        let mut keys = vec![key(1), key(2)];
        let added = pad_keys(&mut keys, 1000, &mut SeededRandom::new(1)).unwrap();
        assert_eq!(added, 998);
        assert_eq!(keys.len(), 1000);
        assert!(
            keys.iter()
                .all(|k| k.key.rolling_start.value() == 2_649_888)
        );
        let mut none: Vec<ExportKey> = Vec::new();
        assert_eq!(
            pad_keys(&mut none, 1000, &mut SeededRandom::new(1)).unwrap(),
            0
        );
    }

    #[test]
    fn files_are_sorted_signed_and_readable() {
        let signer = ExportSigningKey::generate(&mut SeededRandom::new(5), "440", "v1").unwrap();
        let header = ExportHeader {
            start_timestamp: 1,
            end_timestamp: 2,
            region: "JP".into(),
            batch_num: 1,
            batch_size: 1,
        };
        let files = build_files(header, vec![key(9), key(3), key(7)], &signer).unwrap();
        assert_eq!(files.len(), 1);
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("a.zip");
        std::fs::write(&path, &files[0].2).unwrap();
        let mut file = ExportFile::open(&path).unwrap();
        let mut reader = file.keys().unwrap();
        let mut bytes = Vec::new();
        while let Some(key) = reader.next_key().unwrap() {
            bytes.push(key.key.key.as_bytes()[0]);
        }
        assert_eq!(bytes, [3, 7, 9]);
        let summary = reader.finish().unwrap();
        assert!(summary.is_verified_by(&signer.public_key()));
    }
}
