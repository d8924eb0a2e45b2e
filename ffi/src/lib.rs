//! # Mimamori FFI
//!
//! The thin [uniffi](https://mozilla.github.io/uniffi-rs/) adapter that lets the Android (Kotlin)
//! and iOS (Swift) apps use [`mimamori_phone`] and the protocol crates below it. It holds no protocol logic: each exported method
//! converts its arguments, calls one function of the core and converts the result. Rules about
//! keys, identifiers, rotation and storage live, and are tested, in `mimamori-core`.
//!
//! What a phone app gets:
//!
//! - [`MimamoriPhone`]: the phone's key schedule over its SQLite file. The platform asks it what
//!   to advertise ([`MimamoriPhone::broadcast`]), tells it when the Bluetooth address changed on
//!   its own ([`MimamoriPhone::address_changed`]), and asks for the keys to upload after a
//!   verified positive test ([`MimamoriPhone::keys_for_upload`]).
//! - [`parse_service_data`] and [`parse_advertisement`]: what the scan callback uses to recognise
//!   an Exposure Notification payload it heard.
//! - The diagnosis server: [`MimamoriPhone::sync_exports`] downloads, verifies and matches the
//!   new export files, [`MimamoriPhone::upload_keys`] uploads the keys after a positive test, and
//!   [`send_chaff`] sends a decoy upload, all through the app's own HTTP client, the foreign
//!   trait [`HttpClient`] (docs/adr/0006).
//! - Venue check-ins (`venue.rs`): [`venue_parse_qr`], [`MimamoriPhone::venue_check_in`] after
//!   [`MimamoriPhone::venue_consent`], [`MimamoriPhone::venue_match_feed`] over the signed notice
//!   feed, and [`venue_partner_match`] for partner systems.
//! - Contact listing for organisations (`listing.rs`, issue 7): [`make_listing`] and
//!   [`listing_criteria`].
//! - [`MimamoriError`]: the one error type every fallible call throws.
//!
//! GAEN terms used below: TEK (Temporary Exposure Key, the phone's random daily key), RPI
//! (Rolling Proximity Identifier, the 16 bytes broadcast and changed about every 15 minutes),
//! AEM (Associated Encrypted Metadata, the 4 encrypted bytes sent with the RPI) and interval
//! (ENIntervalNumber: Unix time in 10-minute steps).
//!
//! ## Bindings
//!
//! The bindings are generated from the compiled library by the workspace's pinned
//! `uniffi-bindgen` and are never committed:
//!
//! ```text
//! cargo build -p mimamori-ffi
//! cargo run -p uniffi-bindgen -- generate --no-format --language kotlin \
//!     --out-dir target/bindings/kotlin target/debug/libmimamori_ffi.so
//! ```
//!
//! `scripts/bindings-test` generates the Kotlin, Swift and Python bindings this way and calls the
//! library through them. Package and module names are set in `ffi/uniffi.toml`.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use mimamori_gaen::export::ExportPublicKey;
use mimamori_phone::phone::ExportMatchReport;
use mimamori_phone::sync::{SyncReport, SyncSettings};
use mimamori_phone::transport::{HttpResponse, ServerUrl, Transport};
use mimamori_phone::upload::{UploadReport, UploadSettings, VerificationCode};

use mimamori_environment::{OsRandom, SystemClock};
use mimamori_gaen::{
    CalibrationConfidence, DailyKey, DayRisk, DiagnosisKey, ExposureNotice, ExposurePayload,
    IntervalNumber, ReportType, ScanBatch, TemporaryExposureKey,
};
use mimamori_phone::{Broadcast, Phone};
use time::macros::format_description;

uniffi::setup_scaffolding!("mimamori");

mod listing;
mod venue;

pub use listing::{
    ListedPerson, ListingCandidate, ListingCriterion, ListingInput, ListingResult, RoomOverlap,
    WatchedPerson, listing_criteria, make_listing,
};

pub use venue::{
    VenueCheckIn, VenueFeedCheck, VenueInfo, VenueNoticeRecord, VenueVisitRecord, venue_feed_path,
    venue_keys_path, venue_parse_qr, venue_partner_match,
};

pub use mimamori_phone::phone::DATABASE_FILE_NAME;

/// The phone: its keys, what it heard and its exposure result, over the database in its data
/// directory.
///
/// Safe to share between threads; calls are serialised.
#[derive(Debug, uniffi::Object)]
pub struct MimamoriPhone {
    phone: Mutex<Phone>,
}

#[uniffi::export]
impl MimamoriPhone {
    /// Opens the phone's database `mimamori.sqlite3` in `data_dir` (creating the directory and the
    /// database if missing) with the system clock and the OS random source, and deletes data past
    /// the 14-day retention.
    ///
    /// `device` names this phone model; its Bluetooth calibration comes from Google's calibration
    /// table (see [`calibration_for`]).
    #[uniffi::constructor]
    pub fn open(data_dir: String, device: DeviceModel) -> Result<Arc<Self>, MimamoriError> {
        let calibration = device.calibration();
        let phone = Phone::open(
            data_dir,
            calibration,
            Arc::new(SystemClock),
            Box::new(OsRandom),
        )?;
        Ok(Arc::new(Self {
            phone: Mutex::new(phone),
        }))
    }

    /// What to advertise now. The same broadcast comes back until its `rotate_at_unix`; at that
    /// moment the platform must change its Bluetooth address and call this again.
    pub fn broadcast(&self) -> Result<BroadcastInfo, MimamoriError> {
        Ok(self.phone().schedule().broadcast()?.into())
    }

    /// Tells the schedule that the platform changed its Bluetooth address on its own: the next
    /// [`broadcast`](Self::broadcast) starts a new one, so address and payload change together.
    pub fn address_changed(&self) {
        self.phone().schedule().rotate();
    }

    /// This phone's Bluetooth calibration.
    pub fn calibration(&self) -> DeviceCalibration {
        self.phone().calibration().into()
    }

    /// Overrides the calibration (for a model the table does not know, or a measured one). The
    /// TX power takes effect at the next rotation, the RSSI correction at the next matching.
    pub fn set_calibration(&self, calibration: DeviceCalibration) -> Result<(), MimamoriError> {
        self.phone().set_calibration(calibration.try_into()?);
        Ok(())
    }

    /// The keys to upload after a verified positive test: those of the UTC days `first_day` to
    /// `last_day` (inclusive, each written `YYYY-MM-DD`) whose validity has ended. Today's key is
    /// held back until after midnight.
    pub fn keys_for_upload(
        &self,
        first_day: String,
        last_day: String,
    ) -> Result<Vec<ExposureKeyRecord>, MimamoriError> {
        let first = parse_day("first_day", &first_day)?;
        let last = parse_day("last_day", &last_day)?;
        let keys = self.phone().schedule().keys_for_upload(first, last)?;
        Ok(keys.into_iter().map(ExposureKeyRecord::from).collect())
    }

    /// Records what one scan (or one batch of a long scan) heard, in one transaction. Call it for
    /// every scan, even one that heard nothing. Sightings that do not parse are left out and
    /// counted in the result; the others are stored.
    pub fn record_scan(&self, scan: ScanResult) -> Result<RecordedScan, MimamoriError> {
        let heard = scan
            .sightings
            .iter()
            .map(|s| (&s.service_data[..], s.rssi_dbm, s.seen_at_unix));
        let (batch, rejected) = ScanBatch::from_heard(scan.scan_id, scan.started_at_unix, heard);
        self.phone().record_scan(&batch)?;
        Ok(RecordedScan {
            stored: batch.sightings.len() as u32,
            rejected: rejected as u32,
        })
    }

    /// Matches diagnosis keys against the last 14 days of sightings and stores the exposure
    /// windows found; returns how many new windows there are.
    pub fn match_diagnosis_keys(
        &self,
        keys: Vec<DiagnosisKeyRecord>,
    ) -> Result<u32, MimamoriError> {
        let keys = keys
            .into_iter()
            .map(DiagnosisKey::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.phone().match_keys(&keys)? as u32)
    }

    /// Matches a downloaded export file (`.zip`, or `.bin` with its `.sig` beside it) once:
    /// `source` and `name` identify it (e.g. the server and the file name), and a file already
    /// matched returns `None`. The file counts only if a signature verifies with one of
    /// `public_keys` (PEM or base64 DER); otherwise it throws and nothing is stored.
    pub fn match_export_file(
        &self,
        source: String,
        name: String,
        path: String,
        public_keys: Vec<String>,
    ) -> Result<Option<ExportMatchInfo>, MimamoriError> {
        let keys = public_keys
            .iter()
            .map(|key| ExportPublicKey::parse(key))
            .collect::<Result<Vec<_>, _>>()?;
        let report = self
            .phone()
            .match_export_file(&source, &name, Path::new(&path), &keys)?;
        Ok(report.map(ExportMatchInfo::from))
    }

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
            public_keys: public_keys
                .iter()
                .map(|key| ExportPublicKey::parse(key))
                .collect::<Result<Vec<_>, _>>()?,
        };
        let report =
            mimamori_phone::sync::sync(&mut self.phone(), &ForeignTransport(client), &settings)?;
        Ok(report.into())
    }

    /// Uploads this phone's expired keys after a positive test: trades the health authority's
    /// 8-digit `code` for a certificate and publishes the keys from 3 days before `onset_day`
    /// (symptom onset or test date, `YYYY-MM-DD`; the last 14 days when `None`). Nothing is sent
    /// when there are no keys to upload yet, so the code is not spent. Blocks: call it from a
    /// background thread.
    pub fn upload_keys(
        &self,
        client: Arc<dyn HttpClient>,
        request: UploadRequest,
    ) -> Result<UploadInfo, MimamoriError> {
        let code = VerificationCode::parse(&request.code)?;
        let settings = UploadSettings {
            server: ServerUrl::parse(&request.server)?,
            health_authority_id: request.health_authority_id,
            onset: request
                .onset_day
                .as_deref()
                .map(|day| parse_day("onset_day", day))
                .transpose()?,
            traveler: request.traveler,
        };
        let report = mimamori_phone::upload::upload(
            &mut self.phone(),
            &ForeignTransport(client),
            &mut OsRandom,
            &settings,
            &code,
        )?;
        Ok(report.into())
    }

    /// COCOA's verdict for every UTC day with an exposure window in the last 14 days.
    pub fn risk_days(&self) -> Result<Vec<RiskDay>, MimamoriError> {
        Ok(self
            .phone()
            .risk()?
            .into_iter()
            .map(RiskDay::from)
            .collect())
    }

    /// What to tell the resident: the days with a high-risk contact, in Japanese and English.
    pub fn exposure_notice(&self) -> Result<ExposureNoticeInfo, MimamoriError> {
        Ok(self.phone().notice()?.into())
    }
}

impl MimamoriPhone {
    /// The phone, locked for one call.
    fn phone(&self) -> MutexGuard<'_, Phone> {
        // A panic in an earlier call reached the platform as an exception already. The phone
        // commits every key and every scan batch to the database before using it, so after a
        // panic its in-memory state is at worst behind the database: nothing stored is lost and
        // no key is exposed.
        self.phone.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The Bluetooth calibration Google's table gives a phone model (or the default for unknown
/// models).
#[uniffi::export]
pub fn calibration_for(device: DeviceModel) -> DeviceCalibration {
    device.calibration().into()
}

/// Parses the 20 service-data bytes heard for UUID 0xFD6F (what Android's
/// `ScanRecord.getServiceData` returns): the RPI and the AEM.
#[uniffi::export]
pub fn parse_service_data(data: Vec<u8>) -> Result<HeardPayload, MimamoriError> {
    Ok(ExposurePayload::parse_service_data(&data)?.into())
}

/// Parses a raw legacy advertisement (Android's `ScanRecord.getBytes`): finds and parses the
/// service data for UUID 0xFD6F.
#[uniffi::export]
pub fn parse_advertisement(data: Vec<u8>) -> Result<HeardPayload, MimamoriError> {
    Ok(ExposurePayload::parse_advertisement(&data)?.into())
}

/// Sends one decoy upload (`X-Chaff: 1`, random content the size of a real one) that the server
/// answers like a real one and ignores, so that real uploads do not stand out on the network.
/// Blocks: call it from a background thread.
#[uniffi::export]
pub fn send_chaff(client: Arc<dyn HttpClient>, server: String) -> Result<(), MimamoriError> {
    let server = ServerUrl::parse(&server)?;
    Ok(mimamori_phone::upload::send_chaff(
        &ForeignTransport(client),
        &mut OsRandom,
        &server,
    )?)
}

/// The app's HTTP client, implemented in Kotlin (e.g. OkHttp) or Swift (`URLSession`): the
/// engine decides what to send and what to accept, the client only moves bytes.
///
/// Both calls block until the answer has arrived and return it whatever its HTTP status; they
/// throw [`HttpClientError`] only when no answer arrived or it was longer than `max_bytes`. Send
/// no cookies and no identifying headers, and never log bodies (they carry codes and keys).
#[uniffi::export(with_foreign)]
pub trait HttpClient: Send + Sync {
    /// `GET url`, reading at most `max_bytes` of the body.
    fn get(&self, url: String, max_bytes: u64) -> Result<HttpReply, HttpClientError>;

    /// `POST url` with `Content-Type: application/json`, the given extra headers and `body`,
    /// reading at most `max_bytes` of the answer's body.
    fn post_json(
        &self,
        url: String,
        headers: Vec<HttpHeader>,
        body: Vec<u8>,
        max_bytes: u64,
    ) -> Result<HttpReply, HttpClientError>;
}

/// An answer from the server.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpReply {
    /// The HTTP status, e.g. 200.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

impl std::fmt::Debug for HttpReply {
    /// Leaves the body out: it may carry a token or a certificate.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpReply")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// An extra request header.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    /// The header's name, e.g. `X-Chaff`.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// What an [`HttpClient`] throws when no answer arrived. It is the app's error, so it is
/// separate from [`MimamoriError`], which the engine throws; the engine reports it as
/// `MimamoriError.Network`.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum HttpClientError {
    /// No answer: no network, a refused connection, a timeout, a TLS failure, or an answer
    /// longer than allowed. `reason` must not contain the URL, an address or a body.
    #[error("{reason}")]
    Failed {
        /// What went wrong.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for HttpClientError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed {
            reason: format!(
                "the app's HTTP client failed unexpectedly: {}",
                error.reason
            ),
        }
    }
}

/// The app's [`HttpClient`] as the engine's transport.
struct ForeignTransport(Arc<dyn HttpClient>);

impl Transport for ForeignTransport {
    fn get(&self, url: &str, max_bytes: u64) -> mimamori_phone::Result<HttpResponse> {
        reply(self.0.get(url.to_owned(), max_bytes), max_bytes)
    }

    fn post_json(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        max_bytes: u64,
    ) -> mimamori_phone::Result<HttpResponse> {
        let headers = headers
            .iter()
            .map(|(name, value)| HttpHeader {
                name: (*name).to_owned(),
                value: (*value).to_owned(),
            })
            .collect();
        reply(
            self.0
                .post_json(url.to_owned(), headers, body.to_vec(), max_bytes),
            max_bytes,
        )
    }
}

/// The app's answer as the engine's, holding the app to `max_bytes`.
fn reply(
    answer: Result<HttpReply, HttpClientError>,
    max_bytes: u64,
) -> mimamori_phone::Result<HttpResponse> {
    match answer {
        Ok(reply) if reply.body.len() as u64 <= max_bytes => Ok(HttpResponse {
            status: reply.status,
            body: reply.body,
        }),
        Ok(_) => Err(mimamori_phone::Error::Transport {
            reason: format!("the answer is longer than {max_bytes} bytes"),
        }),
        Err(HttpClientError::Failed { reason }) => Err(mimamori_phone::Error::Transport { reason }),
    }
}

/// What [`MimamoriPhone::upload_keys`] needs besides the phone.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct UploadRequest {
    /// The diagnosis server's base URL (`https://...`).
    pub server: String,
    /// The 8-digit code from the health authority (spaces and hyphens are ignored).
    pub code: String,
    /// The health authority identifier the server expects (`healthAuthorityID`).
    pub health_authority_id: String,
    /// The symptom onset day, or the test day without symptoms, `YYYY-MM-DD`, if known.
    pub onset_day: Option<String>,
    /// Whether the resident travelled abroad in the period.
    pub traveler: bool,
}

impl std::fmt::Debug for UploadRequest {
    /// Leaves the code out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadRequest")
            .field("server", &self.server)
            .field("onset_day", &self.onset_day)
            .finish_non_exhaustive()
    }
}

/// What an upload did.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct UploadInfo {
    /// The test type of the code: `confirmed` or `likely`.
    pub test_type: String,
    /// The onset (or test) day used, `YYYY-MM-DD`, if any (the health authority's when it gave
    /// one).
    pub onset_day: Option<String>,
    /// The first UTC day whose keys were considered, `YYYY-MM-DD`.
    pub first_day: String,
    /// The last UTC day considered (today; today's key is uploaded only after midnight).
    pub last_day: String,
    /// Keys sent.
    pub keys_sent: u32,
    /// Keys the server stored that it did not have.
    pub inserted: u32,
    /// The server's revision token, for revising this upload later; keep it secret.
    pub revision_token: String,
}

impl std::fmt::Debug for UploadInfo {
    /// Leaves the revision token out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadInfo")
            .field("test_type", &self.test_type)
            .field("keys_sent", &self.keys_sent)
            .field("inserted", &self.inserted)
            .finish_non_exhaustive()
    }
}

impl From<UploadReport> for UploadInfo {
    fn from(report: UploadReport) -> Self {
        Self {
            test_type: report.test_type.to_string(),
            onset_day: report.onset.map(|day| day.to_string()),
            first_day: report.days.0.to_string(),
            last_day: report.days.1.to_string(),
            keys_sent: report.keys_sent as u32,
            inserted: report.inserted,
            revision_token: report.revision_token.to_string(),
        }
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

/// A phone model as Android reports it (`Build.MANUFACTURER`, `Build.DEVICE`, `Build.MODEL`);
/// iPhones pass "Apple" and their model identifier.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeviceModel {
    /// The manufacturer, e.g. "Google".
    pub manufacturer: String,
    /// The device (board) name, e.g. "blueline".
    pub device: String,
    /// The model name, e.g. "Pixel 3".
    pub model: String,
}

impl DeviceModel {
    fn calibration(&self) -> mimamori_gaen::DeviceCalibration {
        mimamori_gaen::DeviceCalibration::for_device(&self.manufacturer, &self.device, &self.model)
    }
}

/// A phone's Bluetooth calibration: the RSSI correction it applies to what it measures, and the
/// TX power and confidence it broadcasts (encrypted) in every AEM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeviceCalibration {
    /// Added to every RSSI this phone measures, in dB.
    pub rssi_correction_db: i8,
    /// The calibrated transmit power in dBm.
    pub tx_power_dbm: i8,
    /// How much the calibration can be trusted, 0 (lowest) to 3 (highest).
    pub calibration_confidence: u8,
}

impl From<mimamori_gaen::DeviceCalibration> for DeviceCalibration {
    fn from(calibration: mimamori_gaen::DeviceCalibration) -> Self {
        Self {
            rssi_correction_db: calibration.rssi_correction_db,
            tx_power_dbm: calibration.tx_power_dbm,
            calibration_confidence: calibration.confidence.value(),
        }
    }
}

impl TryFrom<DeviceCalibration> for mimamori_gaen::DeviceCalibration {
    type Error = MimamoriError;

    fn try_from(calibration: DeviceCalibration) -> Result<Self, MimamoriError> {
        Ok(Self {
            rssi_correction_db: calibration.rssi_correction_db,
            tx_power_dbm: calibration.tx_power_dbm,
            confidence: CalibrationConfidence::new(calibration.calibration_confidence)?,
        })
    }
}

/// One scan's results as the platform's scan callback reports them.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ScanResult {
    /// The platform's identifier for the scan; batches with the same id belong to one scan.
    pub scan_id: u64,
    /// When the scan started, in Unix seconds.
    pub started_at_unix: u64,
    /// What it heard (may be empty).
    pub sightings: Vec<HeardSighting>,
}

/// One Exposure Notification advertisement heard.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct HeardSighting {
    /// The 20 service-data bytes for UUID 0xFD6F (Android `ScanRecord.getServiceData`).
    pub service_data: Vec<u8>,
    /// The received signal strength in dBm, as measured (uncorrected).
    pub rssi_dbm: i16,
    /// When it was heard, in Unix seconds.
    pub seen_at_unix: u64,
}

/// What [`MimamoriPhone::record_scan`] kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RecordedScan {
    /// Sightings stored.
    pub stored: u32,
    /// Sightings left out because their service data or RSSI was invalid.
    pub rejected: u32,
}

/// A diagnosis key from a health authority's export file.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct DiagnosisKeyRecord {
    /// The 16-byte TEK.
    pub key_data: Vec<u8>,
    /// The first interval it was valid for.
    pub rolling_start_interval: u32,
    /// How many intervals it was valid for, 1 to 144.
    pub rolling_period: u32,
    /// The report type: 0 unknown, 1 confirmed test, 2 clinical diagnosis, 3 self-report,
    /// 4 recursive, 5 revoked.
    pub report_type: i32,
    /// Days from symptom onset to the key's day, when known.
    pub days_since_onset: Option<i32>,
}

impl std::fmt::Debug for DiagnosisKeyRecord {
    /// Leaves the key out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiagnosisKeyRecord")
            .field("rolling_start_interval", &self.rolling_start_interval)
            .finish_non_exhaustive()
    }
}

impl TryFrom<DiagnosisKeyRecord> for DiagnosisKey {
    type Error = MimamoriError;

    fn try_from(record: DiagnosisKeyRecord) -> Result<Self, MimamoriError> {
        Ok(DiagnosisKey::new(
            TemporaryExposureKey::from_slice(&record.key_data)?,
            IntervalNumber::new(record.rolling_start_interval),
            record.rolling_period,
            ReportType::try_from(record.report_type)?,
            record.days_since_onset,
        )?)
    }
}

/// COCOA's verdict for one UTC day.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct RiskDay {
    /// The UTC day, `YYYY-MM-DD`.
    pub date: String,
    /// The day's score sum.
    pub score_sum: f64,
    /// The day's weighted duration sum.
    pub weighted_duration_sum: f64,
    /// The sum of seconds since the last scan over the day's scan instances.
    pub seconds_since_last_scan_sum: u64,
    /// Whether the day was a high-risk contact (within about 1 m for 15 minutes or more).
    pub high_risk: bool,
}

impl From<DayRisk> for RiskDay {
    fn from(day: DayRisk) -> Self {
        Self {
            date: day.date.to_string(),
            score_sum: day.score_sum,
            weighted_duration_sum: day.weighted_duration_sum,
            seconds_since_last_scan_sum: day.seconds_since_last_scan_sum,
            high_risk: day.high_risk,
        }
    }
}

/// What matching one export file found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ExportMatchInfo {
    /// Keys in the file.
    pub keys: u64,
    /// Keys that were heard, with at least one exposure window.
    pub matched_keys: u64,
    /// Exposure windows stored that were not stored before.
    pub new_windows: u64,
}

impl From<ExportMatchReport> for ExportMatchInfo {
    fn from(report: ExportMatchReport) -> Self {
        Self {
            keys: report.keys,
            matched_keys: report.matched_keys as u64,
            new_windows: report.new_windows as u64,
        }
    }
}

/// What the resident is told.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ExposureNoticeInfo {
    /// The UTC days with a high-risk contact, `YYYY-MM-DD`, oldest first.
    pub high_risk_days: Vec<String>,
    /// The message in Japanese.
    pub message_ja: String,
    /// The message in English.
    pub message_en: String,
}

impl From<ExposureNotice> for ExposureNoticeInfo {
    fn from(notice: ExposureNotice) -> Self {
        Self {
            high_risk_days: notice
                .high_risk_days
                .iter()
                .map(ToString::to_string)
                .collect(),
            message_ja: notice.message_ja(),
            message_en: notice.message_en(),
        }
    }
}

/// What to advertise now and until when.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct BroadcastInfo {
    /// The 20 bytes of service data for UUID 0xFD6F: RPI then AEM (what Android's
    /// `AdvertiseData.Builder.addServiceData` takes).
    pub service_data: Vec<u8>,
    /// The whole 31-byte legacy advertisement (flags, UUID list and service data), for platforms
    /// that take raw advertising data.
    pub advertisement: Vec<u8>,
    /// The RPI in lowercase hexadecimal, for diagnostics.
    pub rpi_hex: String,
    /// The interval (Unix time in 10-minute steps) the RPI was derived for.
    pub interval: u32,
    /// When this broadcast started, in Unix seconds.
    pub started_at_unix: u64,
    /// When the platform must change its Bluetooth address and this payload, in Unix seconds.
    pub rotate_at_unix: u64,
}

impl From<Broadcast> for BroadcastInfo {
    fn from(broadcast: Broadcast) -> Self {
        Self {
            service_data: broadcast.payload.service_data().to_vec(),
            advertisement: broadcast.payload.advertisement().to_vec(),
            rpi_hex: broadcast.payload.rpi.to_string(),
            interval: broadcast.interval.value(),
            started_at_unix: broadcast.started_at,
            rotate_at_unix: broadcast.rotate_at,
        }
    }
}

/// One of the phone's keys, in the shape a diagnosis server's publish request takes.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExposureKeyRecord {
    /// The 16-byte TEK.
    pub key_data: Vec<u8>,
    /// The first interval the key is valid for.
    pub rolling_start_interval: u32,
    /// How many intervals the key is valid for, 1 to 144.
    pub rolling_period: u32,
}

impl From<DailyKey> for ExposureKeyRecord {
    fn from(key: DailyKey) -> Self {
        Self {
            key_data: key.key.as_bytes().to_vec(),
            rolling_start_interval: key.rolling_start.value(),
            rolling_period: key.rolling_period,
        }
    }
}

impl std::fmt::Debug for ExposureKeyRecord {
    /// Leaves the key out: keys never go to logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExposureKeyRecord")
            .field("rolling_start_interval", &self.rolling_start_interval)
            .field("rolling_period", &self.rolling_period)
            .finish_non_exhaustive()
    }
}

/// An Exposure Notification payload heard from another phone.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct HeardPayload {
    /// The 16-byte RPI.
    pub rpi: Vec<u8>,
    /// The 4-byte AEM.
    pub aem: Vec<u8>,
}

impl From<ExposurePayload> for HeardPayload {
    fn from(payload: ExposurePayload) -> Self {
        Self {
            rpi: payload.rpi.as_bytes().to_vec(),
            aem: payload.aem.as_bytes().to_vec(),
        }
    }
}

/// Everything an exported call can throw. The message says what was wrong and what to do; it
/// never contains keys or identifiers.
///
/// A flat error: the platforms get the variant and its message (`reason`), as
/// `MimamoriException.InvalidInput` with `message` in Kotlin, `MimamoriError.InvalidInput(message:)`
/// in Swift and `MimamoriError.InvalidInput` with `str(error)` in Python.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum MimamoriError {
    /// An argument was malformed: bytes of the wrong length or shape, a calibration confidence
    /// above 3, a day not written `YYYY-MM-DD`, or a date range that ends before it starts.
    #[error("{reason}")]
    InvalidInput {
        /// What was wrong.
        reason: String,
    },
    /// A downloaded export file is malformed, too large, or its signature does not verify with
    /// the given keys. Nothing from it was stored; download it again or report it.
    #[error("{reason}")]
    InvalidExportFile {
        /// What is wrong with the file.
        reason: String,
    },
    /// The database file is damaged or is not a database. It is left as it is; the app may move
    /// it aside and start with new keys (keys in it can then no longer be uploaded).
    #[error("{reason}")]
    CorruptDatabase {
        /// Which file, and what to do.
        reason: String,
    },
    /// The database file belongs to another application; it is left untouched.
    #[error("{reason}")]
    ForeignDatabase {
        /// Which file, and what to do.
        reason: String,
    },
    /// The database was written by a newer Mimamori; it is left untouched until the app is updated.
    #[error("{reason}")]
    UnsupportedSchema {
        /// The versions found and supported.
        reason: String,
    },
    /// Reading or writing the data directory or the database failed (full disk, permissions).
    #[error("{reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// The diagnosis server could not be reached (no network, timeout, the app's HTTP client
    /// failed). Nothing was changed; try again later.
    #[error("{reason}")]
    Network {
        /// What failed.
        reason: String,
    },
    /// The diagnosis server refused a request (a wrong or used code, a server problem) or sent
    /// something unusable. The message says what to do.
    #[error("{reason}")]
    Server {
        /// What the server said (its error code only) and what to do.
        reason: String,
    },
    /// There is nothing to upload yet (no key whose validity has ended); the code was not used.
    #[error("{reason}")]
    NothingToUpload {
        /// Which days, and when to try again.
        reason: String,
    },
    /// A scanned code is not a venue code of this app, or was not issued by the health
    /// authority (forged or altered poster). Nothing was stored.
    #[error("{reason}")]
    InvalidVenueQr {
        /// What is wrong with it.
        reason: String,
    },
    /// Venue check-ins need the resident's consent first ([`MimamoriPhone::venue_consent`]).
    #[error("{reason}")]
    VenueConsentRequired {
        /// What to ask the resident.
        reason: String,
    },
    /// A downloaded notice feed is malformed or its signature does not verify. Nothing from it
    /// was stored.
    #[error("{reason}")]
    InvalidNoticeFeed {
        /// What is wrong with it.
        reason: String,
    },
    /// An error of a kind this version of the adapter does not name yet.
    #[error("{reason}")]
    Other {
        /// What went wrong.
        reason: String,
    },
}

/// The one mapping from the engine's errors to the exported ones: the phone's errors, and the
/// protocol crates' errors they wrap (or that the FFI meets directly).
impl From<mimamori_phone::Error> for MimamoriError {
    fn from(error: mimamori_phone::Error) -> Self {
        use mimamori_phone::Error as Phone;
        let reason = error.to_string();
        match error {
            Phone::Gaen(error) => error.into(),
            Phone::Venue(error) => error.into(),
            Phone::Api(error) => error.into(),
            Phone::InvalidDateRange { .. }
            | Phone::InvalidServerUrl { .. }
            | Phone::InvalidVerificationCode
            | Phone::InvalidVisit { .. } => Self::InvalidInput { reason },
            Phone::VenueConsentRequired => Self::VenueConsentRequired { reason },
            Phone::Transport { .. } => Self::Network { reason },
            Phone::ServerRefused { .. }
            | Phone::InvalidServerResponse { .. }
            | Phone::InvalidWireMessage { .. } => Self::Server { reason },
            Phone::NothingToUpload { .. } => Self::NothingToUpload { reason },
            Phone::CorruptDatabase { .. } => Self::CorruptDatabase { reason },
            Phone::ForeignDatabase { .. } => Self::ForeignDatabase { reason },
            Phone::UnsupportedSchema { .. } => Self::UnsupportedSchema { reason },
            Phone::DuplicateKey { .. } | Phone::Storage(_) | Phone::Io { .. } => {
                Self::Storage { reason }
            }
            _ => Self::Other { reason },
        }
    }
}

impl From<mimamori_gaen::Error> for MimamoriError {
    fn from(error: mimamori_gaen::Error) -> Self {
        use mimamori_gaen::Error as Gaen;
        let reason = error.to_string();
        match error {
            Gaen::InvalidLength { .. }
            | Gaen::InvalidHex { .. }
            | Gaen::InvalidCalibrationConfidence(_)
            | Gaen::InvalidAdvertisement(_)
            | Gaen::InvalidSighting(_)
            | Gaen::InvalidRiskInput(_)
            | Gaen::InvalidPublicKey { .. }
            | Gaen::InvalidRollingPeriod(_) => Self::InvalidInput { reason },
            Gaen::MalformedExport { .. }
            | Gaen::InvalidExportKey { .. }
            | Gaen::ExportTooLarge { .. }
            | Gaen::InvalidExportArchive { .. }
            | Gaen::MissingExportEntry { .. }
            | Gaen::InvalidSignatureList { .. }
            | Gaen::ExportNotVerified { .. } => Self::InvalidExportFile { reason },
            Gaen::Io { .. } => Self::Storage { reason },
            _ => Self::Other { reason },
        }
    }
}

impl From<mimamori_venue::Error> for MimamoriError {
    fn from(error: mimamori_venue::Error) -> Self {
        use mimamori_venue::Error as Venue;
        let reason = error.to_string();
        match error {
            Venue::InvalidVenueQr { .. } | Venue::VenueQrNotVerified => {
                Self::InvalidVenueQr { reason }
            }
            Venue::InvalidNoticeFeed { .. }
            | Venue::NoticeFeedNotVerified { .. }
            | Venue::NoticeNotAuthentic => Self::InvalidNoticeFeed { reason },
            Venue::InvalidLength { .. }
            | Venue::InvalidPublicKey { .. }
            | Venue::InvalidVisit { .. }
            | Venue::InvalidNotice { .. } => Self::InvalidInput { reason },
            _ => Self::Other { reason },
        }
    }
}

impl From<mimamori_api::Error> for MimamoriError {
    fn from(error: mimamori_api::Error) -> Self {
        match error {
            mimamori_api::Error::Gaen(error) => error.into(),
            error => Self::Server {
                reason: error.to_string(),
            },
        }
    }
}

impl From<mimamori_listing::Error> for MimamoriError {
    fn from(error: mimamori_listing::Error) -> Self {
        Self::InvalidInput {
            reason: error.to_string(),
        }
    }
}

/// Parses a `YYYY-MM-DD` day; `name` is the argument's name for the message.
fn parse_day(name: &str, text: &str) -> Result<time::Date, MimamoriError> {
    time::Date::parse(text, format_description!("[year]-[month]-[day]")).map_err(|error| {
        MimamoriError::InvalidInput {
            reason: format!("{name} must be a day written YYYY-MM-DD, such as 2020-04-02: {error}"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device() -> DeviceModel {
        DeviceModel {
            manufacturer: "Google".into(),
            device: "blueline".into(),
            model: "Pixel 3".into(),
        }
    }

    #[test]
    fn broadcast_round_trips_through_the_exported_functions() {
        let dir = tempfile::tempdir().unwrap();
        let phone =
            MimamoriPhone::open(dir.path().join("new").display().to_string(), device()).unwrap();
        let broadcast = phone.broadcast().unwrap();
        let heard = parse_advertisement(broadcast.advertisement.clone()).unwrap();
        assert_eq!([heard.rpi, heard.aem].concat(), broadcast.service_data);
        assert!(dir.path().join("new").join(DATABASE_FILE_NAME).is_file());
        assert_eq!(phone.calibration(), calibration_for(device()));
        assert_eq!(phone.calibration().tx_power_dbm, -33);
    }

    /// Answers every GET with an empty `list.json` and every POST with a refusal.
    struct EmptyServer;

    impl HttpClient for EmptyServer {
        fn get(&self, _url: String, _max_bytes: u64) -> Result<HttpReply, HttpClientError> {
            Ok(HttpReply {
                status: 200,
                body: b"[]".to_vec(),
            })
        }

        fn post_json(
            &self,
            _url: String,
            _headers: Vec<HttpHeader>,
            _body: Vec<u8>,
            _max_bytes: u64,
        ) -> Result<HttpReply, HttpClientError> {
            Err(HttpClientError::Failed {
                reason: "offline".into(),
            })
        }
    }

    #[test]
    fn the_server_flow_goes_through_the_apps_client() {
        let dir = tempfile::tempdir().unwrap();
        let phone = MimamoriPhone::open(dir.path().display().to_string(), device()).unwrap();
        let key = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEc7DEstcUIRcyk35OYDJ95/hTg3UVhsaDXKT0zK7NhHPXoyzipEnOp3GyNXDVpaPi3cAfQmxeuFMZAIX2+6A5Xg==";
        let info = phone
            .sync_exports(
                Arc::new(EmptyServer),
                "https://diagnosis.example.jp".into(),
                "JP".into(),
                vec![key.into()],
            )
            .unwrap();
        assert_eq!((info.listed, info.new_windows), (0, 0));
        assert!(matches!(
            send_chaff(Arc::new(EmptyServer), "https://diagnosis.example.jp".into()),
            Err(MimamoriError::Network { .. })
        ));
        let request = UploadRequest {
            server: "https://diagnosis.example.jp".into(),
            code: "12345678".into(),
            health_authority_id: "JP.mimamori".into(),
            onset_day: None,
            traveler: false,
        };
        assert!(matches!(
            phone.upload_keys(Arc::new(EmptyServer), request),
            Err(MimamoriError::NothingToUpload { .. })
        ));
    }

    #[test]
    fn errors_are_mapped_to_their_kind() {
        let dir = tempfile::tempdir().unwrap();
        let phone = MimamoriPhone::open(dir.path().display().to_string(), device()).unwrap();
        let bad = DeviceCalibration {
            rssi_correction_db: 0,
            tx_power_dbm: 0,
            calibration_confidence: 4,
        };
        assert!(matches!(
            phone.set_calibration(bad),
            Err(MimamoriError::InvalidInput { .. })
        ));
        let error = phone
            .keys_for_upload("2020-4-2".into(), "2020-04-02".into())
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("first_day must be a day written YYYY-MM-DD"),
            "{error}"
        );
        assert!(matches!(
            phone.keys_for_upload("2020-04-03".into(), "2020-04-02".into()),
            Err(MimamoriError::InvalidInput { .. })
        ));
        assert!(matches!(
            parse_service_data(vec![0; 19]),
            Err(MimamoriError::InvalidInput { .. })
        ));
        let key = DiagnosisKeyRecord {
            key_data: vec![0; 15],
            rolling_start_interval: 0,
            rolling_period: 144,
            report_type: 1,
            days_since_onset: None,
        };
        assert!(matches!(
            phone.match_diagnosis_keys(vec![key]),
            Err(MimamoriError::InvalidInput { .. })
        ));
    }
}
