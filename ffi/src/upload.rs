//! Uploading the phone's keys after a positive test, and decoy uploads.

use std::sync::Arc;

use mimamori_environment::OsRandom;
use mimamori_phone::transport::ServerUrl;
use mimamori_phone::upload::{UploadReport, UploadSettings, VerificationCode};

use crate::arguments::parse_day;
use crate::redacted::debug_showing_only;
use crate::transport::ForeignTransport;
use crate::{HttpClient, MimamoriError, MimamoriPhone};

#[uniffi::export]
impl MimamoriPhone {
    /// Uploads this phone's keys after a positive test: trades the health authority's 8-digit
    /// `code` for a certificate and publishes the keys from 3 days before `onset_day` (symptom
    /// onset or test date, `YYYY-MM-DD`; the last 14 days when `None`), today's included: once
    /// the code is accepted, today's key is released with its rolling period cut now and a new
    /// key is broadcast from then on (same-day release, docs/adr/0002; a radio loop running on
    /// this phone changes its advertisement at its next tick). Nothing is sent when there are no
    /// keys to upload, so the code is not spent. Blocks: call it from a background thread.
    pub fn upload_keys(
        &self,
        client: Arc<dyn HttpClient>,
        request: UploadRequest,
    ) -> Result<UploadInfo, MimamoriError> {
        let code = VerificationCode::parse(&request.code)?;
        let onset = request.onset_day.as_deref();
        let settings = UploadSettings::new(
            &request.server,
            &request.health_authority_id,
            onset.map(|day| parse_day("onset_day", day)).transpose()?,
            request.traveler,
        )?;
        let report = mimamori_phone::upload::upload(
            &mut self.phone(),
            &ForeignTransport(client),
            &mut OsRandom,
            &settings,
            &code,
        )?;
        Ok(report.into())
    }
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

// Leaves the code out.
debug_showing_only!(UploadRequest { server, onset_day });

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
    /// The last UTC day considered (today).
    pub last_day: String,
    /// Keys sent.
    pub keys_sent: u32,
    /// Keys the server stored that it did not have.
    pub inserted: u32,
    /// Whether today's key was released (and replaced by a new one for the rest of the day).
    pub released_today: bool,
    /// The server's revision token, for revising this upload later; keep it secret.
    pub revision_token: String,
}

// Leaves the revision token out.
debug_showing_only!(UploadInfo {
    test_type,
    keys_sent,
    inserted,
    released_today
});

impl From<UploadReport> for UploadInfo {
    fn from(report: UploadReport) -> Self {
        Self {
            test_type: report.test_type.to_string(),
            onset_day: report.onset.map(|day| day.to_string()),
            first_day: report.days.0.to_string(),
            last_day: report.days.1.to_string(),
            keys_sent: report.keys_sent as u32,
            inserted: report.inserted,
            released_today: report.released_today,
            revision_token: report.revision_token.to_string(),
        }
    }
}
