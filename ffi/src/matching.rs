//! Matching diagnosis keys and export files against what the phone heard, and the verdict.

use std::path::Path;

use mimamori_gaen::export::ExportPublicKey;
use mimamori_gaen::{
    DayRisk, DiagnosisKey, ExposureNotice, IntervalNumber, ReportType, TemporaryExposureKey,
};

use mimamori_phone::phone::ExportMatchReport;

use crate::arguments::parse_each;
use crate::redacted::debug_showing_only;
use crate::{MimamoriError, MimamoriPhone};

#[uniffi::export]
impl MimamoriPhone {
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
        let keys = parse_each(&public_keys, ExportPublicKey::parse)?;
        let report = self
            .phone()
            .match_export_file(&source, &name, Path::new(&path), &keys)?;
        Ok(report.map(ExportMatchInfo::from))
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

// Leaves the key out of logs.
debug_showing_only!(DiagnosisKeyRecord {
    rolling_start_interval
});

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
