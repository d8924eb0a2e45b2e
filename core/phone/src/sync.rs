//! Downloading and matching a diagnosis server's new export files, COCOA's way.
//!
//! A server lists a region's export files in `list.json` (COCOA's format, [`ExportListEntry`]:
//! region, url, created in Unix milliseconds). For each server and region the phone remembers
//! how far it got: the `created` time up to which every listed file has been matched
//! ([`Phone::sync_progress`]). One [`sync`]:
//!
//! 1. `GET`s `list.json`: a plain request for a public static file, the same for every phone, so
//!    a resident who never uploads is never known to the server.
//! 2. Picks the entries of the region created at or after the remembered time, oldest first
//!    ([`new_entries`]), and skips those already matched (a file's match is recorded in the same
//!    transaction as its exposure windows, see [`Phone::match_export`]).
//! 3. Downloads each remaining file, verifies its signature with the configured public keys while
//!    matching it, and stores its windows and its "processed" mark in one transaction. The
//!    phone's sightings are read and indexed once per sync ([`Phone::sighting_index`]), not once
//!    per file.
//! 4. Only then advances the remembered time, and only over files that all succeeded: a file
//!    that failed (network, bad signature) is tried again at the next sync, while files after it
//!    that succeeded are not downloaded again.
//!
//! So a crash at any point loses nothing (the windows of a file are committed before the
//! progress moves past it) and repeats nothing (a committed file is never matched or downloaded
//! again; after a crash between the two commits the file is recognised as processed).

use std::path::{Path, PathBuf};

use crate::phone::{ExportMatchReport, Phone};
use crate::transport::{ServerUrl, Transport, parse_json};
use crate::{Error, Result};
use mimamori_api::v1::{
    EXPORT_KEYS_PATH, ExportListEntry, ExportVerificationKeys, MAX_EXPORT_LIST_BYTES,
    export_list_path, parse_export_list,
};
use mimamori_gaen::export::{ExportPublicKey, MAX_EXPORT_ARCHIVE_BYTES};
use mimamori_gaen::matching::SightingIndex;

/// The folder inside the phone's data directory where a file is kept while it is matched.
pub const DOWNLOAD_DIRECTORY: &str = "downloads";

/// Largest answer accepted from [`EXPORT_KEYS_PATH`], in bytes.
pub const MAX_EXPORT_KEYS_BYTES: u64 = 256 * 1024;

/// Most keys accepted from [`EXPORT_KEYS_PATH`].
pub const MAX_PUBLISHED_KEYS: usize = 64;

/// Downloads the export signing keys the server publishes.
///
/// Trusting them is trust on first use: they come from the server whose files they verify, so
/// they protect against a tampering CDN or cache, not against the server itself. Apps ship the
/// health authority's keys instead (as GAEN apps are configured with them) and pass them to
/// [`sync`]; this is for tools and tests.
pub fn fetch_published_keys(
    transport: &dyn Transport,
    server: &ServerUrl,
) -> Result<Vec<ExportPublicKey>> {
    let response = transport.get(&server.join(EXPORT_KEYS_PATH), MAX_EXPORT_KEYS_BYTES)?;
    let body = response.downloaded(
        "download",
        "the server does not publish its export keys there; configure them instead",
    )?;
    let published: ExportVerificationKeys = parse_json(
        &body,
        "list of export keys",
        "{\"keys\": [{\"publicKeyPem\": ...}]}",
    )?;
    if published.keys.is_empty() || published.keys.len() > MAX_PUBLISHED_KEYS {
        return Err(Error::InvalidServerResponse {
            what: "list of export keys",
            reason: format!(
                "it holds {} keys; expected 1 to {MAX_PUBLISHED_KEYS}",
                published.keys.len()
            ),
        });
    }
    published
        .keys
        .iter()
        .map(|key| ExportPublicKey::parse(&key.public_key_pem))
        .collect::<mimamori_gaen::Result<_>>()
        .map_err(Error::from)
}

/// Where to sync from.
#[derive(Clone, Debug)]
pub struct SyncSettings {
    /// The diagnosis server (or the CDN serving its export files).
    pub server: ServerUrl,
    /// The region whose files to download, as in `/exports/<region>/list.json`.
    pub region: String,
    /// The server's export signing keys; a file counts only if one of its signatures verifies
    /// with one of them.
    pub public_keys: Vec<ExportPublicKey>,
}

impl SyncSettings {
    /// The URL of the region's `list.json`, which also names the source of its files in the
    /// phone's database.
    pub fn list_url(&self) -> String {
        self.server.join(&export_list_path(&self.region))
    }
}

/// What one sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Entries in `list.json` for the region.
    pub listed: usize,
    /// Entries at or after the remembered progress that had already been matched (skipped
    /// without downloading).
    pub already_matched: usize,
    /// Files downloaded and matched now, oldest first.
    pub matched: Vec<MatchedFile>,
    /// Files that could not be used now; they are tried again at the next sync.
    pub failed: Vec<FailedFile>,
    /// The remembered progress after this sync (Unix milliseconds), if any.
    pub progress: Option<u64>,
}

impl SyncReport {
    /// Exposure windows stored by this sync that were not stored before.
    pub fn new_windows(&self) -> usize {
        self.matched
            .iter()
            .map(|file| file.report.new_windows)
            .sum()
    }
}

/// A file downloaded and matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchedFile {
    /// The file's URL as listed.
    pub url: String,
    /// Its `created` time, Unix milliseconds.
    pub created: u64,
    /// What matching it found.
    pub report: ExportMatchReport,
}

/// A file that could not be downloaded or used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedFile {
    /// The file's URL as listed.
    pub url: String,
    /// Why (the error's message: no keys, no personal data).
    pub reason: String,
}

/// The entries of `region` to look at, given the remembered progress: those created at or after
/// `progress` (all when there is none), oldest first, each URL once.
///
/// Entries created exactly at `progress` are included because several files may share a
/// creation time; the ones among them already matched are recognised by their processed mark.
pub fn new_entries(
    entries: &[ExportListEntry],
    region: &str,
    progress: Option<u64>,
) -> Vec<ExportListEntry> {
    let mut picked: Vec<ExportListEntry> = entries
        .iter()
        .filter(|entry| entry.region == region)
        .filter(|entry| progress.is_none_or(|progress| entry.created >= progress))
        .cloned()
        .collect();
    picked.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.url.cmp(&b.url)));
    picked.dedup_by(|a, b| a.url == b.url);
    picked
}

/// Downloads and matches the new export files of one server and region; see the module
/// documentation. Fails only when `list.json` cannot be had or the phone's database fails; a
/// file that cannot be used is reported in [`SyncReport::failed`] and the others still count.
pub fn sync(
    phone: &mut Phone,
    transport: &dyn Transport,
    settings: &SyncSettings,
) -> Result<SyncReport> {
    if settings.public_keys.is_empty() {
        return Err(mimamori_gaen::Error::InvalidPublicKey {
            reason: "no public key is configured for this server's export files".into(),
        }
        .into());
    }
    let source = settings.list_url();
    let response = transport.get(&source, MAX_EXPORT_LIST_BYTES as u64)?;
    let body = response.downloaded(
        "download",
        "the list of export files is not available; check the server URL and region, \
                     or try again later",
    )?;
    let entries = parse_export_list(&body)?;
    let mut report = SyncReport {
        listed: entries
            .iter()
            .filter(|entry| entry.region == settings.region)
            .count(),
        progress: phone.sync_progress(&source)?,
        ..SyncReport::default()
    };
    let download_dir = phone.data_dir().join(DOWNLOAD_DIRECTORY);
    let download = download_dir.join("export.zip");
    // Progress may move only over an unbroken run of files that are matched.
    let mut unbroken = true;
    // The sightings are read and indexed once, when the first file needs matching.
    let mut index = None;
    for entry in new_entries(&entries, &settings.region, report.progress) {
        let outcome = if phone.is_processed(&source, &entry.url)? {
            report.already_matched += 1;
            Ok(())
        } else {
            fetch_and_match(
                phone, &mut index, transport, settings, &source, &entry, &download,
            )
            .map(|matched| report.matched.extend(matched))
        };
        match outcome {
            Ok(()) if unbroken => {
                phone.advance_sync_progress(&source, entry.created)?;
                report.progress = Some(report.progress.unwrap_or(0).max(entry.created));
            }
            Ok(()) => {}
            Err(error) if is_database_failure(&error) => return Err(error),
            Err(error) => {
                unbroken = false;
                report.failed.push(FailedFile {
                    url: entry.url.clone(),
                    reason: error.to_string(),
                });
            }
        }
    }
    remove_if_present(&download)?;
    Ok(report)
}

/// Downloads one file into `download` and matches it against `index`, indexing the phone's
/// sightings first if no file of this sync has (`None` if another sync matched it meanwhile).
fn fetch_and_match(
    phone: &mut Phone,
    index: &mut Option<SightingIndex>,
    transport: &dyn Transport,
    settings: &SyncSettings,
    source: &str,
    entry: &ExportListEntry,
    download: &Path,
) -> Result<Option<MatchedFile>> {
    let response = transport.get(&settings.server.join(&entry.url), MAX_EXPORT_ARCHIVE_BYTES)?;
    let body = response.downloaded(
        "download",
        "a listed export file is not available; it is tried again at the next sync",
    )?;
    write_file(download, &body)?;
    let index = match index {
        Some(index) => index,
        None => index.insert(phone.sighting_index()?),
    };
    let matched =
        phone.match_export_file_with(index, source, &entry.url, download, &settings.public_keys);
    remove_if_present(download)?;
    Ok(matched?.map(|report| MatchedFile {
        url: entry.url.clone(),
        created: entry.created,
        report,
    }))
}

/// Errors of the phone's own storage stop a sync; anything about one file does not.
fn is_database_failure(error: &Error) -> bool {
    matches!(
        error,
        Error::Storage(_)
            | Error::CorruptDatabase { .. }
            | Error::ForeignDatabase { .. }
            | Error::UnsupportedSchema { .. }
    )
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, bytes).map_err(io)
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(cause) => Err(Error::Io {
            path: PathBuf::from(path),
            cause,
        }),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::testing::{export_keys, met, open_phone};
    use crate::transport::ScriptedTransport;
    use mimamori_api::v1::render_export_list;
    use mimamori_environment::{FixedClock, SeededRandom};
    use mimamori_gaen::export::{ExportHeader, ExportKey, ExportSigningKey, ExportWriter};

    /// 2020-04-02 09:00 UTC.
    const MORNING: u64 = 1_585_785_600 + 9 * 3_600;
    const SERVER: &str = "http://127.0.0.1:9";

    fn entry(url: &str, created: u64) -> ExportListEntry {
        ExportListEntry {
            region: "JP".into(),
            url: url.into(),
            created,
        }
    }

    /// Serves a `list.json` at `url` listing `files` (URL, creation time) of region JP.
    fn serve_list(transport: &ScriptedTransport, url: &str, files: &[(&str, u64)]) {
        let entries: Vec<ExportListEntry> = files
            .iter()
            .map(|(file, created)| entry(file, *created))
            .collect();
        transport.respond(url, 200, render_export_list(&entries));
    }

    #[test]
    fn new_entries_are_those_of_the_region_from_the_progress_on_oldest_first() {
        let entries = vec![
            entry("c.zip", 30),
            entry("a.zip", 10),
            ExportListEntry {
                region: "US".into(),
                ..entry("us.zip", 40)
            },
            entry("b.zip", 20),
            entry("b2.zip", 20),
            entry("c.zip", 30),
        ];
        let urls = |picked: Vec<ExportListEntry>| {
            picked
                .into_iter()
                .map(|entry| entry.url)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            urls(new_entries(&entries, "JP", None)),
            ["a.zip", "b.zip", "b2.zip", "c.zip"]
        );
        assert_eq!(
            urls(new_entries(&entries, "JP", Some(20))),
            ["b.zip", "b2.zip", "c.zip"],
            "the same creation time is looked at again"
        );
        assert!(new_entries(&entries, "JP", Some(31)).is_empty());
        assert_eq!(urls(new_entries(&entries, "US", None)), ["us.zip"]);
    }

    /// Phone B heard phone A for 24 minutes this morning; returns B, A's key of the day as a
    /// diagnosis key, and the clock (now the next day).
    fn b_met_a(dir: &Path) -> (Phone, Vec<ExportKey>, FixedClock) {
        let clock = FixedClock::new(MORNING);
        let (mut a, b) = met(dir, &clock, 24);
        clock.advance(86_400);
        let keys = export_keys(&mut a, date!(2020 - 04 - 02), date!(2020 - 04 - 02));
        (b, keys, clock)
    }

    fn signed_zip(signer: &ExportSigningKey, keys: &[ExportKey], batch: i32) -> Vec<u8> {
        let header = ExportHeader {
            start_timestamp: MORNING,
            end_timestamp: MORNING + 3_600,
            region: "JP".into(),
            batch_num: batch,
            batch_size: 1,
        };
        ExportWriter::new(header, std::slice::from_ref(signer))
            .to_zip(keys)
            .unwrap()
    }

    #[test]
    fn sync_matches_new_files_once_remembers_progress_and_retries_failures() {
        let dir = tempfile::tempdir().unwrap();
        let (mut b, keys, _clock) = b_met_a(dir.path());
        let signer = ExportSigningKey::generate(&mut SeededRandom::new(5), "440", "v1").unwrap();
        let other = ExportSigningKey::generate(&mut SeededRandom::new(6), "440", "v1").unwrap();
        let settings = SyncSettings {
            server: ServerUrl::parse(SERVER).unwrap(),
            region: "JP".into(),
            public_keys: vec![signer.public_key()],
        };
        let transport = ScriptedTransport::new();
        let list_url = settings.list_url();
        // 1.zip: nothing of A's; 2.zip: signed by a key the phone does not trust; 3.zip: A's key.
        serve_list(
            &transport,
            &list_url,
            &[
                ("exports/JP/1.zip", 1_000),
                ("exports/JP/2.zip", 2_000),
                ("/exports/JP/3.zip", 3_000),
            ],
        );
        transport.respond(
            &format!("{SERVER}/exports/JP/1.zip"),
            200,
            signed_zip(&signer, &[], 1),
        );
        transport.respond(
            &format!("{SERVER}/exports/JP/2.zip"),
            200,
            signed_zip(&other, &keys, 2),
        );
        transport.respond(
            &format!("{SERVER}/exports/JP/3.zip"),
            200,
            signed_zip(&signer, &keys, 3),
        );

        let report = sync(&mut b, &transport, &settings).unwrap();
        assert_eq!(report.listed, 3);
        let matched: Vec<&str> = report.matched.iter().map(|f| f.url.as_str()).collect();
        assert_eq!(matched, ["exports/JP/1.zip", "/exports/JP/3.zip"]);
        assert_eq!(report.failed.len(), 1);
        assert_eq!(report.failed[0].url, "exports/JP/2.zip");
        assert!(report.failed[0].reason.contains("could not be verified"));
        assert!(report.new_windows() > 0);
        assert_eq!(report.progress, Some(1_000), "not past the failed file");
        assert!(b.risk().unwrap()[0].high_risk);
        assert!(
            !dir.path()
                .join("b")
                .join(DOWNLOAD_DIRECTORY)
                .join("export.zip")
                .exists()
        );

        // Next sync: only the failed file is downloaded again; now it is fine.
        transport.respond(
            &format!("{SERVER}/exports/JP/2.zip"),
            200,
            signed_zip(&signer, &keys, 2),
        );
        let before = transport.requests().len();
        let report = sync(&mut b, &transport, &settings).unwrap();
        let urls: Vec<String> = transport.requests()[before..]
            .iter()
            .map(|request| request.url.clone())
            .collect();
        assert_eq!(
            urls,
            [list_url.clone(), format!("{SERVER}/exports/JP/2.zip")]
        );
        assert_eq!(report.matched.len(), 1);
        assert_eq!(
            report.matched[0].report.new_windows, 0,
            "same keys, no new windows"
        );
        assert_eq!(
            report.already_matched, 2,
            "1.zip (at the progress) and 3.zip"
        );
        assert_eq!(report.progress, Some(3_000));

        // And then nothing more is downloaded, even after reopening the phone.
        let windows = b.exposure_windows().unwrap().len();
        drop(b);
        let mut b = open_phone(&dir.path().join("b"), &FixedClock::new(MORNING + 86_400), 2);
        let before = transport.requests().len();
        let report = sync(&mut b, &transport, &settings).unwrap();
        assert_eq!(transport.requests().len(), before + 1, "list.json only");
        assert!(report.matched.is_empty() && report.failed.is_empty());
        assert_eq!(b.exposure_windows().unwrap().len(), windows);

        // 29 days later the marks are gone, the progress stays, and a server that still lists
        // old files does not make the phone fetch them again.
        drop(b);
        let later = FixedClock::new(MORNING + 30 * 86_400);
        let mut b = open_phone(&dir.path().join("b"), &later, 2);
        assert!(!b.is_processed(&list_url, "exports/JP/1.zip").unwrap());
        serve_list(
            &transport,
            &list_url,
            &[("exports/JP/1.zip", 1_000), ("exports/JP/2.zip", 2_000)],
        );
        let before = transport.requests().len();
        let report = sync(&mut b, &transport, &settings).unwrap();
        assert_eq!(transport.requests().len(), before + 1, "list.json only");
        assert_eq!(report.progress, Some(3_000));
    }

    #[test]
    fn a_crash_between_matching_and_progress_repeats_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (mut b, keys, _clock) = b_met_a(dir.path());
        let signer = ExportSigningKey::generate(&mut SeededRandom::new(5), "440", "v1").unwrap();
        let settings = SyncSettings {
            server: ServerUrl::parse(SERVER).unwrap(),
            region: "JP".into(),
            public_keys: vec![signer.public_key()],
        };
        // As if a sync had matched 1.zip and died before storing the progress.
        let path = dir.path().join("1.zip");
        std::fs::write(&path, signed_zip(&signer, &keys, 1)).unwrap();
        let source = settings.list_url();
        b.match_export_file(&source, "exports/JP/1.zip", &path, &settings.public_keys)
            .unwrap()
            .unwrap();
        assert_eq!(b.sync_progress(&source).unwrap(), None);

        let transport = ScriptedTransport::new();
        serve_list(&transport, &source, &[("exports/JP/1.zip", 1_000)]);
        let report = sync(&mut b, &transport, &settings).unwrap();
        assert_eq!(report.already_matched, 1);
        assert!(report.matched.is_empty());
        assert_eq!(
            transport.requests().len(),
            1,
            "the file is not downloaded again"
        );
        assert_eq!(b.sync_progress(&source).unwrap(), Some(1_000));
    }

    #[test]
    fn published_keys_are_read_and_bad_lists_refused() {
        let signer = ExportSigningKey::generate(&mut SeededRandom::new(5), "440", "v1").unwrap();
        let pem = signer.public_key().to_pem().unwrap();
        let server = ServerUrl::parse(SERVER).unwrap();
        let transport = ScriptedTransport::new();
        let url = server.join(EXPORT_KEYS_PATH);
        let body = serde_json::json!({"keys": [
            {"keyId": "440", "version": "v1", "created": 1, "publicKeyPem": pem}
        ]});
        transport.respond(&url, 200, body.to_string());
        let keys = fetch_published_keys(&transport, &server).unwrap();
        assert_eq!(keys, vec![signer.public_key()]);
        for bad in [
            r#"{"keys": []}"#,
            "[]",
            r#"{"keys": [{"publicKeyPem": "x"}]}"#,
        ] {
            transport.respond(&url, 200, bad);
            assert!(fetch_published_keys(&transport, &server).is_err(), "{bad}");
        }
        transport.respond(&url, 404, "");
        assert!(matches!(
            fetch_published_keys(&transport, &server),
            Err(Error::ServerRefused { status: 404, .. })
        ));
    }

    #[test]
    fn a_missing_or_bad_list_is_an_error_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (mut b, _keys, _clock) = b_met_a(dir.path());
        let signer = ExportSigningKey::generate(&mut SeededRandom::new(5), "440", "v1").unwrap();
        let mut settings = SyncSettings {
            server: ServerUrl::parse(SERVER).unwrap(),
            region: "JP".into(),
            public_keys: vec![],
        };
        let transport = ScriptedTransport::new();
        let error = sync(&mut b, &transport, &settings).unwrap_err();
        assert!(
            matches!(
                error,
                Error::Gaen(mimamori_gaen::Error::InvalidPublicKey { .. })
            ),
            "{error:?}"
        );
        assert!(transport.requests().is_empty());

        settings.public_keys = vec![signer.public_key()];
        assert!(matches!(
            sync(&mut b, &transport, &settings).unwrap_err(),
            Error::Transport { .. }
        ));
        transport.respond(&settings.list_url(), 404, "not found");
        assert!(matches!(
            sync(&mut b, &transport, &settings).unwrap_err(),
            Error::ServerRefused { status: 404, .. }
        ));
        transport.respond(&settings.list_url(), 200, "{\"not\": \"a list\"}");
        assert!(matches!(
            sync(&mut b, &transport, &settings).unwrap_err(),
            Error::Api(mimamori_api::Error::InvalidWireMessage { .. })
        ));
        assert_eq!(b.sync_progress(&settings.list_url()).unwrap(), None);
        assert!(b.exposure_windows().unwrap().is_empty());
    }
}
