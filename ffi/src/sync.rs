//! Downloading and matching the diagnosis server's new export files.

use std::sync::Arc;

use mimamori_gaen::export::ExportPublicKey;
use mimamori_phone::sync::{SyncReport, SyncSettings};
use mimamori_phone::transport::ServerUrl;

use crate::arguments::parse_each;
use crate::transport::ForeignTransport;
use crate::{ExportMatchInfo, HttpClient, MimamoriError, MimamoriPhone};

#[uniffi::export]
impl MimamoriPhone {
    /// Downloads the diagnosis server's new export files of `region` through `client`,
    /// verifies each with one of `public_keys` (PEM or base64 DER) while matching it, and
    /// remembers how far it got, so that the next call downloads only newer files and a crash
    /// midway loses and repeats nothing. Only plain GETs of public files are made. Blocks: call
    /// it from a background thread (a WorkManager job, a background task).
    pub fn sync_exports(
        &self,
        client: Arc<dyn HttpClient>,
        server: String,
        region: String,
        public_keys: Vec<String>,
    ) -> Result<SyncInfo, MimamoriError> {
        let settings = SyncSettings {
            server: ServerUrl::parse(&server)?,
            region,
            public_keys: parse_each(&public_keys, ExportPublicKey::parse)?,
        };
        let report =
            mimamori_phone::sync::sync(&mut self.phone(), &ForeignTransport(client), &settings)?;
        Ok(report.into())
    }
}

/// What a sync did.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SyncInfo {
    /// Files listed for the region.
    pub listed: u32,
    /// Listed files already matched earlier (not downloaded again).
    pub already_matched: u32,
    /// Files downloaded and matched now, oldest first.
    pub matched: Vec<SyncedFile>,
    /// Files that could not be used now; the next sync tries them again.
    pub failed: Vec<FailedDownload>,
    /// Exposure windows found now that were not stored before.
    pub new_windows: u64,
    /// How far the phone has synced (the listed `created` time, Unix milliseconds), if at all.
    pub progress_millis: Option<u64>,
}

/// A file downloaded and matched.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SyncedFile {
    /// The file's URL as listed.
    pub url: String,
    /// When the server created it, Unix milliseconds.
    pub created_millis: u64,
    /// What matching it found.
    pub result: ExportMatchInfo,
}

/// A file that could not be used.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FailedDownload {
    /// The file's URL as listed.
    pub url: String,
    /// Why.
    pub reason: String,
}

impl From<SyncReport> for SyncInfo {
    fn from(report: SyncReport) -> Self {
        Self {
            listed: report.listed as u32,
            already_matched: report.already_matched as u32,
            new_windows: report.new_windows() as u64,
            matched: report
                .matched
                .into_iter()
                .map(|file| SyncedFile {
                    url: file.url,
                    created_millis: file.created,
                    result: file.report.into(),
                })
                .collect(),
            failed: report
                .failed
                .into_iter()
                .map(|file| FailedDownload {
                    url: file.url,
                    reason: file.reason,
                })
                .collect(),
            progress_millis: report.progress,
        }
    }
}
