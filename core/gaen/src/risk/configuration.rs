//! The configuration of scoring, in COCOA's own file formats: GAEN's daily-summaries
//! configuration and diagnosis-keys data mapping (`configuration.json`), and COCOA's five
//! threshold conditions (`risk_calculation_configuration.json`). COCOA's published files are
//! embedded and are the defaults.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::Error;
use crate::windows::{Infectiousness, ReportType};

/// COCOA's published `configuration.json` (cocoa-mhlw/cocoa).
pub const COCOA_CONFIGURATION_JSON: &str = include_str!("../../data/cocoa/configuration.json");

/// COCOA's published `risk_calculation_configuration.json` (cocoa-mhlw/cocoa).
pub const COCOA_RISK_RULES_JSON: &str =
    include_str!("../../data/cocoa/risk_calculation_configuration.json");

/// How far from symptom onset the infectiousness table reaches, in days (−14..=14).
pub const MAX_DAYS_SINCE_ONSET: i32 = 14;

/// GAEN v2 `DailySummariesConfig`.
#[derive(Clone, Debug, PartialEq)]
pub struct DailySummariesConfig {
    /// Upper bounds (inclusive), in dB, of the immediate, near and medium buckets.
    pub attenuation_thresholds_db: [u32; 3],
    /// Weights of the immediate, near, medium and other buckets.
    pub attenuation_weights: [f64; 4],
    /// Windows more than this many days before today are left out; 0 keeps all.
    pub days_since_exposure_threshold: u32,
    /// Weight of windows whose infectiousness is standard.
    pub infectiousness_standard_weight: f64,
    /// Weight of windows whose infectiousness is high.
    pub infectiousness_high_weight: f64,
    /// Windows scoring less than this are left out.
    pub minimum_window_score: f64,
    /// Weights of confirmed-test, clinical-diagnosis, self-report and recursive windows.
    pub report_type_weights: ReportTypeWeights,
}

/// A weight per report type; unknown and revoked reports are never scored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReportTypeWeights {
    /// `CONFIRMED_TEST`.
    pub confirmed_test: f64,
    /// `CONFIRMED_CLINICAL_DIAGNOSIS`.
    pub confirmed_clinical_diagnosis: f64,
    /// `SELF_REPORT`.
    pub self_report: f64,
    /// `RECURSIVE`.
    pub recursive: f64,
}

/// GAEN `DiagnosisKeysDataMapping`: how a diagnosis key's fields become a window's report type
/// and infectiousness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiagnosisKeysDataMapping {
    /// Infectiousness for days since onset −14..=14 (index 0 is −14).
    pub infectiousness_by_days_since_onset: [Infectiousness; 29],
    /// Infectiousness when the onset is unknown or more than 14 days away.
    pub infectiousness_when_days_since_onset_missing: Infectiousness,
    /// The report type of keys that carry none.
    pub report_type_when_missing: ReportType,
}

impl DiagnosisKeysDataMapping {
    /// The infectiousness of a key `days_since_onset` days from the positive person's onset.
    pub fn infectiousness(&self, days_since_onset: Option<i32>) -> Infectiousness {
        match days_since_onset {
            Some(days) if (-MAX_DAYS_SINCE_ONSET..=MAX_DAYS_SINCE_ONSET).contains(&days) => {
                // The guard keeps the index within 0..=28.
                self.infectiousness_by_days_since_onset[(days + MAX_DAYS_SINCE_ONSET) as usize]
            }
            _ => self.infectiousness_when_days_since_onset_missing,
        }
    }

    /// The report type to score a key with: its own, or the default when it has none.
    pub fn report_type(&self, report_type: ReportType) -> ReportType {
        match report_type {
            ReportType::Unknown => self.report_type_when_missing,
            known => known,
        }
    }
}

/// Everything `configuration.json` says about scoring.
#[derive(Clone, Debug, PartialEq)]
pub struct ExposureConfiguration {
    /// How windows are scored.
    pub daily_summaries: DailySummariesConfig,
    /// How diagnosis keys become windows' report types and infectiousness.
    pub mapping: DiagnosisKeysDataMapping,
}

impl ExposureConfiguration {
    /// COCOA's published configuration.
    pub fn cocoa() -> Self {
        embedded(Self::from_cocoa_json(COCOA_CONFIGURATION_JSON))
    }

    /// Reads COCOA's `configuration.json` format (other sections are ignored).
    pub fn from_cocoa_json(json: &str) -> Result<Self, Error> {
        read_cocoa_file::<CocoaConfigurationFile>("configuration.json", json)?.try_into()
    }
}

/// A comparison from `risk_calculation_configuration.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    /// `NOP`: always holds.
    Nop,
    /// `=`.
    Equal,
    /// `>`.
    Greater,
    /// `>=`.
    GreaterOrEqual,
    /// `<`.
    Less,
    /// `<=`.
    LessOrEqual,
}

/// One condition: `measured op value`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Condition {
    /// The comparison.
    pub op: Operator,
    /// The configured value.
    pub value: f64,
}

impl Condition {
    /// A condition that always holds.
    pub const NOP: Self = Self {
        op: Operator::Nop,
        value: 0.0,
    };

    /// Whether `measured op value` holds.
    pub fn holds(&self, measured: f64) -> bool {
        match self.op {
            Operator::Nop => true,
            Operator::Equal => measured == self.value,
            Operator::Greater => measured > self.value,
            Operator::GreaterOrEqual => measured >= self.value,
            Operator::Less => measured < self.value,
            Operator::LessOrEqual => measured <= self.value,
        }
    }
}

/// COCOA's `risk_calculation_configuration.json`: the conditions a day must meet to be a
/// high-risk contact.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RiskRules {
    /// `DailySummary_DaySummary_ScoreSum`.
    pub score_sum: Condition,
    /// `DailySummary_DaySummary_WeightedDurationAverage`.
    pub weighted_duration_average: Condition,
    /// `ExposureWindow_ScanInstance_SecondsSinceLastScanSum`.
    pub seconds_since_last_scan_sum: Condition,
    /// `ExposureWindow_ScanInstance_TypicalAttenuationDb_Max`.
    pub typical_attenuation_max: Condition,
    /// `ExposureWindow_ScanInstance_TypicalAttenuationDb_Min`.
    pub typical_attenuation_min: Condition,
}

impl RiskRules {
    /// COCOA's published rules: `ScoreSum >= 1350 AND SecondsSinceLastScanSum >= 900`.
    pub fn cocoa() -> Self {
        embedded(Self::from_cocoa_json(COCOA_RISK_RULES_JSON))
    }

    /// Reads COCOA's `risk_calculation_configuration.json`. A condition the file leaves out is
    /// `NOP`, as in COCOA; an operator COCOA does not know is an error (COCOA would silently
    /// treat it as never holding, which would hide a typo that disables notifications).
    pub fn from_cocoa_json(json: &str) -> Result<Self, Error> {
        let file: CocoaRiskRulesFile =
            read_cocoa_file("risk_calculation_configuration.json", json)?;
        let condition = |name: &str, raw: Option<RawCondition>| -> Result<Condition, Error> {
            let Some(raw) = raw else {
                return Ok(Condition::NOP);
            };
            let op = match raw.op.as_str() {
                "NOP" => Operator::Nop,
                "=" => Operator::Equal,
                ">" => Operator::Greater,
                ">=" => Operator::GreaterOrEqual,
                "<" => Operator::Less,
                "<=" => Operator::LessOrEqual,
                other => {
                    return Err(invalid(format!(
                        "{name}: operator {other:?} is not one of NOP, =, >, >=, <, <="
                    )));
                }
            };
            Ok(Condition {
                op,
                value: raw.value,
            })
        };
        Ok(Self {
            score_sum: condition("DailySummary_DaySummary_ScoreSum", file.score_sum)?,
            weighted_duration_average: condition(
                "DailySummary_DaySummary_WeightedDurationAverage",
                file.weighted_duration_average,
            )?,
            seconds_since_last_scan_sum: condition(
                "ExposureWindow_ScanInstance_SecondsSinceLastScanSum",
                file.seconds_since_last_scan_sum,
            )?,
            typical_attenuation_max: condition(
                "ExposureWindow_ScanInstance_TypicalAttenuationDb_Max",
                file.typical_attenuation_max,
            )?,
            typical_attenuation_min: condition(
                "ExposureWindow_ScanInstance_TypicalAttenuationDb_Min",
                file.typical_attenuation_min,
            )?,
        })
    }

    pub(super) fn all_nop(&self) -> bool {
        [
            self.score_sum,
            self.weighted_duration_average,
            self.seconds_since_last_scan_sum,
            self.typical_attenuation_max,
            self.typical_attenuation_min,
        ]
        .iter()
        .all(|condition| condition.op == Operator::Nop)
    }
}

pub(super) fn invalid(message: String) -> Error {
    Error::InvalidRiskInput(message)
}

/// Reads one of COCOA's JSON files, naming it in the error.
fn read_cocoa_file<T: serde::de::DeserializeOwned>(name: &str, json: &str) -> Result<T, Error> {
    serde_json::from_str(json).map_err(|error| invalid(format!("{name}: {error}")))
}

/// The value read from one of COCOA's published files embedded here.
fn embedded<T>(read: Result<T, Error>) -> T {
    // The embedded files are COCOA's published ones, checked by this module's tests.
    #[allow(clippy::expect_used)]
    read.expect("COCOA's published configuration files parse")
}

// ---- COCOA's file formats ----------------------------------------------------------------------

#[derive(Deserialize)]
struct CocoaConfigurationFile {
    google_daily_summaries_config: CocoaDailySummariesConfig,
    google_diagnosis_keys_data_mapping_config: CocoaMappingConfig,
}

#[derive(Deserialize)]
struct CocoaDailySummariesConfig {
    attenuation_bucket_threshold_db: Vec<u32>,
    attenuation_bucket_weights: Vec<f64>,
    #[serde(default)]
    days_since_exposure_threshold: u32,
    infectiousness_weights: BTreeMap<String, f64>,
    #[serde(default)]
    minimum_window_score: f64,
    report_type_weights: BTreeMap<String, f64>,
}

#[derive(Deserialize)]
struct CocoaMappingConfig {
    infectiousness_when_days_since_onset_missing: Infectiousness,
    report_type_when_missing: ReportType,
    infectiousness_for_days_since_onset_of_symptoms: BTreeMap<String, Infectiousness>,
}

#[derive(Deserialize)]
struct CocoaRiskRulesFile {
    #[serde(rename = "DailySummary_DaySummary_ScoreSum")]
    score_sum: Option<RawCondition>,
    #[serde(rename = "DailySummary_DaySummary_WeightedDurationAverage")]
    weighted_duration_average: Option<RawCondition>,
    #[serde(rename = "ExposureWindow_ScanInstance_SecondsSinceLastScanSum")]
    seconds_since_last_scan_sum: Option<RawCondition>,
    #[serde(rename = "ExposureWindow_ScanInstance_TypicalAttenuationDb_Max")]
    typical_attenuation_max: Option<RawCondition>,
    #[serde(rename = "ExposureWindow_ScanInstance_TypicalAttenuationDb_Min")]
    typical_attenuation_min: Option<RawCondition>,
}

#[derive(Deserialize)]
struct RawCondition {
    op: String,
    value: f64,
}

impl TryFrom<CocoaConfigurationFile> for ExposureConfiguration {
    type Error = Error;

    fn try_from(file: CocoaConfigurationFile) -> Result<Self, Error> {
        let summaries = file.google_daily_summaries_config;
        let thresholds: [u32; 3] = summaries
            .attenuation_bucket_threshold_db
            .as_slice()
            .try_into()
            .map_err(|_| {
                invalid("attenuation_bucket_threshold_db must list 3 thresholds".to_owned())
            })?;
        if !thresholds.is_sorted() {
            return Err(invalid(format!(
                "attenuation_bucket_threshold_db {thresholds:?} must be ascending"
            )));
        }
        let weights: [f64; 4] = summaries
            .attenuation_bucket_weights
            .as_slice()
            .try_into()
            .map_err(|_| invalid("attenuation_bucket_weights must list 4 weights".to_owned()))?;
        let weight = |map: &BTreeMap<String, f64>, name: &str| -> Result<f64, Error> {
            // A weight the file leaves out is 0, as in GAEN's DailySummariesConfig builder.
            let value = map.get(name).copied().unwrap_or(0.0);
            check_weight(name, value)
        };
        for (at, value) in weights.iter().enumerate() {
            check_weight(&format!("attenuation_bucket_weights[{at}]"), *value)?;
        }
        check_weight("minimum_window_score", summaries.minimum_window_score)?;
        let daily_summaries = DailySummariesConfig {
            attenuation_thresholds_db: thresholds,
            attenuation_weights: weights,
            days_since_exposure_threshold: summaries.days_since_exposure_threshold,
            infectiousness_standard_weight: weight(&summaries.infectiousness_weights, "Standard")?,
            infectiousness_high_weight: weight(&summaries.infectiousness_weights, "High")?,
            minimum_window_score: summaries.minimum_window_score,
            report_type_weights: ReportTypeWeights {
                confirmed_test: weight(&summaries.report_type_weights, "ConfirmedTest")?,
                confirmed_clinical_diagnosis: weight(
                    &summaries.report_type_weights,
                    "ConfirmedClinicalDiagnosis",
                )?,
                self_report: weight(&summaries.report_type_weights, "SelfReport")?,
                recursive: weight(&summaries.report_type_weights, "Recursive")?,
            },
        };

        let mapping = file.google_diagnosis_keys_data_mapping_config;
        // Days the file leaves out are NONE, as in GAEN's DiagnosisKeysDataMapping builder.
        let mut table = [Infectiousness::None; 29];
        for (day, infectiousness) in &mapping.infectiousness_for_days_since_onset_of_symptoms {
            let days: i32 = day
                .trim()
                .parse()
                .map_err(|_| invalid(format!("days since onset {day:?} is not a number")))?;
            if !(-MAX_DAYS_SINCE_ONSET..=MAX_DAYS_SINCE_ONSET).contains(&days) {
                return Err(invalid(format!(
                    "days since onset {days} is outside -14..=14"
                )));
            }
            // Checked just above: 0..=28.
            table[(days + MAX_DAYS_SINCE_ONSET) as usize] = *infectiousness;
        }
        Ok(Self {
            daily_summaries,
            mapping: DiagnosisKeysDataMapping {
                infectiousness_by_days_since_onset: table,
                infectiousness_when_days_since_onset_missing: mapping
                    .infectiousness_when_days_since_onset_missing,
                report_type_when_missing: mapping.report_type_when_missing,
            },
        })
    }
}

fn check_weight(name: &str, value: f64) -> Result<f64, Error> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(invalid(format!(
            "{name} must be a finite number of at least 0, got {value}"
        )))
    }
}
