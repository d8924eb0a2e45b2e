//! Scoring exposure windows: GAEN v2 daily summaries and COCOA's rule for "within about 1 m for
//! 15 minutes or more".
//!
//! Configuration comes in COCOA's own files, read unchanged:
//!
//! - `configuration.json`: `google_daily_summaries_config` (attenuation thresholds and bucket
//!   weights, report-type and infectiousness weights, minimum window score, days-since-exposure
//!   threshold) and `google_diagnosis_keys_data_mapping_config` (infectiousness by days since
//!   symptom onset, defaults for missing onset and report type).
//! - `risk_calculation_configuration.json`: five threshold conditions, each `{"op", "value"}`.
//!
//! COCOA's published files (cocoa-mhlw/cocoa) are embedded and are the defaults
//! ([`ExposureConfiguration::cocoa`], [`RiskRules::cocoa`]).
//!
//! ## Daily summaries (Google's `DailySummaryUtils`)
//! For each window: `weightedDuration = Σ secondsSinceLastScan × bucketWeight(typicalAttenuationDb)`
//! with buckets `≤ t0` immediate, `≤ t1` near, `≤ t2` medium, else other;
//! `score = weightedDuration × reportTypeWeight × infectiousnessWeight` (infectiousness NONE
//! weighs 0). Windows of unknown or revoked reports, older than the days-since-exposure threshold
//! (when it is not 0) or scoring below the minimum window score are left out. Per UTC day:
//! `scoreSum`, `maxScore`, `weightedDurationSum`.
//!
//! ## COCOA's decision (`ExposureRiskCalculationService.CalcRiskLevel`)
//! Per UTC day that has a daily summary, all five conditions must hold (AND); `NOP` always holds,
//! but a rule set that is all `NOP` never flags a day:
//! `ScoreSum` of the day, `WeightedDurationAverage` (= weightedDurationSum ÷ secondsSinceLastScan
//! sum, 0 when the sum is 0), `SecondsSinceLastScanSum` over every scan instance of the day's
//! windows, and the maximum and minimum `typicalAttenuationDb` of those scan instances. COCOA's
//! values: `ScoreSum >= 1350 AND SecondsSinceLastScanSum >= 900`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::Error;
use crate::windows::{ExposureWindow, Infectiousness, ReportType};

/// COCOA's published `configuration.json` (cocoa-mhlw/cocoa).
pub const COCOA_CONFIGURATION_JSON: &str = include_str!("../data/cocoa/configuration.json");

/// COCOA's published `risk_calculation_configuration.json` (cocoa-mhlw/cocoa).
pub const COCOA_RISK_RULES_JSON: &str =
    include_str!("../data/cocoa/risk_calculation_configuration.json");

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
        // The embedded file is COCOA's published one, checked by this module's tests.
        #[allow(clippy::expect_used)]
        Self::from_cocoa_json(COCOA_CONFIGURATION_JSON).expect("COCOA's configuration.json parses")
    }

    /// Reads COCOA's `configuration.json` format (other sections are ignored).
    pub fn from_cocoa_json(json: &str) -> Result<Self, Error> {
        let file: CocoaConfigurationFile = serde_json::from_str(json)
            .map_err(|error| invalid(format!("configuration.json: {error}")))?;
        file.try_into()
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
        // The embedded file is COCOA's published one, checked by this module's tests.
        #[allow(clippy::expect_used)]
        Self::from_cocoa_json(COCOA_RISK_RULES_JSON).expect("COCOA's risk rules parse")
    }

    /// Reads COCOA's `risk_calculation_configuration.json`. A condition the file leaves out is
    /// `NOP`, as in COCOA; an operator COCOA does not know is an error (COCOA would silently
    /// treat it as never holding, which would hide a typo that disables notifications).
    pub fn from_cocoa_json(json: &str) -> Result<Self, Error> {
        let file: CocoaRiskRulesFile = serde_json::from_str(json)
            .map_err(|error| invalid(format!("risk_calculation_configuration.json: {error}")))?;
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

    fn all_nop(&self) -> bool {
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

/// GAEN's `DailySummary` for one UTC day (all report types together).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DailySummary {
    /// The UTC day.
    pub date: time::Date,
    /// Sum of the day's window scores.
    pub score_sum: f64,
    /// The highest window score of the day.
    pub max_score: f64,
    /// Sum of the day's weighted durations (without report-type or infectiousness weights).
    pub weighted_duration_sum: f64,
}

/// Computes GAEN v2 daily summaries, one per UTC day with at least one scored window.
pub fn daily_summaries(
    windows: &[ExposureWindow],
    config: &DailySummariesConfig,
    today: time::Date,
) -> Vec<DailySummary> {
    let mut days: BTreeMap<time::Date, DailySummary> = BTreeMap::new();
    for window in windows {
        let Some(report_weight) = config.report_type_weight(window.report_type) else {
            continue;
        };
        let date = window.date();
        let age = (today - date).whole_days();
        if config.days_since_exposure_threshold > 0
            && age > i64::from(config.days_since_exposure_threshold)
        {
            continue;
        }
        let weighted_duration = config.weighted_duration(window);
        let score =
            weighted_duration * report_weight * config.infectiousness_weight(window.infectiousness);
        if score < config.minimum_window_score {
            continue;
        }
        let day = days.entry(date).or_insert(DailySummary {
            date,
            score_sum: 0.0,
            max_score: 0.0,
            weighted_duration_sum: 0.0,
        });
        day.score_sum += score;
        day.max_score = day.max_score.max(score);
        day.weighted_duration_sum += weighted_duration;
    }
    days.into_values().collect()
}

impl DailySummariesConfig {
    /// The bucket weight for a scan instance's typical attenuation.
    pub fn bucket_weight(&self, typical_attenuation_db: u32) -> f64 {
        let [immediate, near, medium] = self.attenuation_thresholds_db;
        let bucket = if typical_attenuation_db <= immediate {
            0
        } else if typical_attenuation_db <= near {
            1
        } else if typical_attenuation_db <= medium {
            2
        } else {
            3
        };
        self.attenuation_weights[bucket]
    }

    /// `Σ secondsSinceLastScan × bucketWeight(typicalAttenuationDb)` over a window.
    pub fn weighted_duration(&self, window: &ExposureWindow) -> f64 {
        window
            .scan_instances
            .iter()
            .map(|scan| {
                f64::from(scan.seconds_since_last_scan)
                    * self.bucket_weight(scan.typical_attenuation_db)
            })
            .sum()
    }

    /// The weight of a report type; `None` for unknown and revoked reports, which are not scored.
    pub fn report_type_weight(&self, report_type: ReportType) -> Option<f64> {
        let weights = &self.report_type_weights;
        match report_type {
            ReportType::ConfirmedTest => Some(weights.confirmed_test),
            ReportType::ConfirmedClinicalDiagnosis => Some(weights.confirmed_clinical_diagnosis),
            ReportType::SelfReport => Some(weights.self_report),
            ReportType::Recursive => Some(weights.recursive),
            ReportType::Unknown | ReportType::Revoked => None,
        }
    }

    /// The weight of an infectiousness; NONE weighs 0.
    pub fn infectiousness_weight(&self, infectiousness: Infectiousness) -> f64 {
        match infectiousness {
            Infectiousness::None => 0.0,
            Infectiousness::Standard => self.infectiousness_standard_weight,
            Infectiousness::High => self.infectiousness_high_weight,
        }
    }
}

/// COCOA's verdict for one UTC day with at least one exposure window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DayRisk {
    /// The UTC day.
    pub date: time::Date,
    /// The day's `scoreSum` (0 when no window of the day was scored).
    pub score_sum: f64,
    /// The day's `weightedDurationSum`.
    pub weighted_duration_sum: f64,
    /// Sum of `secondsSinceLastScan` over every scan instance of the day's windows.
    pub seconds_since_last_scan_sum: u64,
    /// Whether the day was a high-risk contact ("within about 1 m for 15 minutes or more").
    pub high_risk: bool,
}

/// Applies COCOA's rule to every UTC day that has an exposure window, oldest first.
///
/// A day whose windows were all left out of the daily summaries (unknown or revoked reports,
/// below the minimum score, too old) has no summary and is never high risk, as in COCOA.
pub fn assess_days(
    windows: &[ExposureWindow],
    configuration: &ExposureConfiguration,
    rules: &RiskRules,
    today: time::Date,
) -> Vec<DayRisk> {
    let summaries: BTreeMap<time::Date, DailySummary> =
        daily_summaries(windows, &configuration.daily_summaries, today)
            .into_iter()
            .map(|summary| (summary.date, summary))
            .collect();
    let mut by_day: BTreeMap<time::Date, Vec<&ExposureWindow>> = BTreeMap::new();
    for window in windows {
        by_day.entry(window.date()).or_default().push(window);
    }
    by_day
        .into_iter()
        .map(|(date, windows)| {
            let seconds: u64 = windows
                .iter()
                .map(|window| window.seconds_since_last_scan_sum())
                .sum();
            let typical = windows
                .iter()
                .flat_map(|window| &window.scan_instances)
                .map(|scan| scan.typical_attenuation_db);
            let typical_max = typical.clone().max().unwrap_or(0);
            let typical_min = typical.min().unwrap_or(0);
            let summary = summaries.get(&date);
            let (score_sum, weighted_duration_sum) = summary.map_or((0.0, 0.0), |summary| {
                (summary.score_sum, summary.weighted_duration_sum)
            });
            let weighted_duration_average = if seconds == 0 {
                0.0
            } else {
                weighted_duration_sum / seconds as f64
            };
            let high_risk = summary.is_some()
                && !rules.all_nop()
                && rules.score_sum.holds(score_sum)
                && rules
                    .weighted_duration_average
                    .holds(weighted_duration_average)
                && rules.seconds_since_last_scan_sum.holds(seconds as f64)
                && rules.typical_attenuation_max.holds(f64::from(typical_max))
                && rules.typical_attenuation_min.holds(f64::from(typical_min));
            DayRisk {
                date,
                score_sum,
                weighted_duration_sum,
                seconds_since_last_scan_sum: seconds,
                high_risk,
            }
        })
        .collect()
}

/// What the resident is told: the days with a high-risk contact, and nothing else about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExposureNotice {
    /// The UTC days with a high-risk contact, oldest first.
    pub high_risk_days: Vec<time::Date>,
}

impl ExposureNotice {
    /// The notice for a set of assessed days.
    pub fn from_days(days: &[DayRisk]) -> Self {
        Self {
            high_risk_days: days
                .iter()
                .filter(|day| day.high_risk)
                .map(|day| day.date)
                .collect(),
        }
    }

    /// The message in Japanese (wording of the national overview of COCOA: "感染者と１メートル以内の
    /// 距離で１５分以上接触した可能性がある場合に通知").
    pub fn message_ja(&self) -> String {
        if self.high_risk_days.is_empty() {
            return "陽性者との接触は確認されませんでした。".to_owned();
        }
        let days: Vec<String> = self
            .high_risk_days
            .iter()
            .map(|day| format!("{}年{}月{}日", day.year(), u8::from(day.month()), day.day()))
            .collect();
        format!(
            "{}に、陽性者と１メートル以内の距離で１５分以上接触した可能性があります。",
            days.join("、")
        )
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        if self.high_risk_days.is_empty() {
            return "No contact with a person who tested positive was found.".to_owned();
        }
        let days: Vec<String> = self
            .high_risk_days
            .iter()
            .map(ToString::to_string)
            .collect();
        format!(
            "On {} you may have been within 1 metre of a person who tested positive for 15 minutes or more.",
            days.join(", ")
        )
    }
}

fn invalid(message: String) -> Error {
    Error::InvalidRiskInput(message)
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

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::ids::CalibrationConfidence;
    use crate::windows::ScanInstance;

    const TODAY: time::Date = date!(2020 - 04 - 10);

    fn window(day: time::Date, instances: &[(u32, u32)]) -> ExposureWindow {
        let midnight = day.midnight().assume_utc().unix_timestamp() as u64;
        ExposureWindow {
            date_millis_since_epoch: midnight * 1000,
            report_type: ReportType::ConfirmedTest,
            infectiousness: Infectiousness::High,
            calibration_confidence: CalibrationConfidence::LOWEST,
            scan_instances: instances
                .iter()
                .map(|&(typical, seconds)| ScanInstance {
                    min_attenuation_db: typical,
                    typical_attenuation_db: typical,
                    seconds_since_last_scan: seconds,
                })
                .collect(),
        }
    }

    fn assess(windows: &[ExposureWindow]) -> Vec<DayRisk> {
        assess_days(
            windows,
            &ExposureConfiguration::cocoa(),
            &RiskRules::cocoa(),
            TODAY,
        )
    }

    #[test]
    fn cocoa_files_read_as_published() {
        let configuration = ExposureConfiguration::cocoa();
        let summaries = &configuration.daily_summaries;
        assert_eq!(summaries.attenuation_thresholds_db, [46, 60, 65]);
        assert_eq!(summaries.attenuation_weights, [1.0, 2.5, 1.3, 0.01]);
        assert_eq!(summaries.report_type_weights.confirmed_test, 1.0);
        assert_eq!(summaries.infectiousness_high_weight, 1.0);
        let mapping = &configuration.mapping;
        assert_eq!(mapping.infectiousness(Some(-4)), Infectiousness::None);
        assert_eq!(mapping.infectiousness(Some(-3)), Infectiousness::High);
        assert_eq!(mapping.infectiousness(Some(10)), Infectiousness::High);
        assert_eq!(mapping.infectiousness(Some(11)), Infectiousness::None);
        assert_eq!(mapping.infectiousness(None), Infectiousness::High);
        assert_eq!(
            mapping.infectiousness(Some(15)),
            Infectiousness::High,
            "beyond the table: as missing"
        );
        assert_eq!(
            mapping.report_type(ReportType::Unknown),
            ReportType::ConfirmedTest
        );
        assert_eq!(
            mapping.report_type(ReportType::SelfReport),
            ReportType::SelfReport
        );
        let rules = RiskRules::cocoa();
        assert_eq!(
            rules.score_sum,
            Condition {
                op: Operator::GreaterOrEqual,
                value: 1350.0
            }
        );
        assert_eq!(
            rules.seconds_since_last_scan_sum,
            Condition {
                op: Operator::GreaterOrEqual,
                value: 900.0
            }
        );
        assert_eq!(rules.weighted_duration_average, Condition::NOP);
    }

    #[test]
    fn bucket_thresholds_are_inclusive_upper_bounds() {
        let config = ExposureConfiguration::cocoa().daily_summaries;
        let weights: Vec<f64> = [0, 46, 47, 60, 61, 65, 66, 255]
            .iter()
            .map(|&db| config.bucket_weight(db))
            .collect();
        assert_eq!(weights, vec![1.0, 1.0, 2.5, 2.5, 1.3, 1.3, 0.01, 0.01]);
    }

    #[test]
    fn known_answer_by_hand() {
        // 3 × 300 s at 50 dB (near, 2.5) = 2250; 2 × 300 s at 40 dB (immediate, 1.0) = 600;
        // 1 × 240 s at 70 dB (other, 0.01) = 2.4. Score sum 2852.4, seconds 1740.
        let day = date!(2020 - 04 - 05);
        let windows = [
            window(day, &[(50, 300), (50, 300), (50, 300)]),
            window(day, &[(40, 300), (40, 300), (70, 240)]),
        ];
        let summaries = daily_summaries(
            &windows,
            &ExposureConfiguration::cocoa().daily_summaries,
            TODAY,
        );
        assert_eq!(summaries.len(), 1);
        assert!(
            (summaries[0].score_sum - 2852.4).abs() < 1e-9,
            "{summaries:?}"
        );
        assert!((summaries[0].max_score - 2250.0).abs() < 1e-9);
        assert!((summaries[0].weighted_duration_sum - 2852.4).abs() < 1e-9);
        let days = assess(&windows);
        assert_eq!(days.len(), 1);
        assert_eq!(days[0].seconds_since_last_scan_sum, 1740);
        assert!(days[0].high_risk);
    }

    #[test]
    fn boundaries_exactly_1350_and_exactly_900_seconds() {
        let day = date!(2020 - 04 - 06);
        // 540 s at 50 dB (2.5) = 1350; plus 360 s at 66 dB (0.01) = 3.6; seconds 900.
        let exact = [window(day, &[(50, 300), (50, 240), (66, 300), (66, 60)])];
        let result = assess(&exact);
        assert!((result[0].score_sum - 1353.6).abs() < 1e-9);
        assert_eq!(result[0].seconds_since_last_scan_sum, 900);
        assert!(result[0].high_risk);
        // Both exactly at the threshold: 300 s near (750) + 600 s immediate (600) = 1350 in 900 s.
        let both_exact = [window(day, &[(60, 300), (46, 300), (46, 300)])];
        let result = assess(&both_exact);
        assert_eq!(result[0].score_sum, 1350.0);
        assert_eq!(result[0].seconds_since_last_scan_sum, 900);
        assert!(result[0].high_risk, "both conditions are >=");
        // One second less of either fails.
        let short = [window(day, &[(60, 300), (46, 300), (46, 299)])];
        assert!(!assess(&short)[0].high_risk);
        // Score over 1350 in less than 900 s: near for 599 s = 1497.5, seconds 599.
        let brief = [window(day, &[(60, 300), (60, 299)])];
        let result = assess(&brief);
        assert!(result[0].score_sum >= 1350.0);
        assert!(!result[0].high_risk);
    }

    #[test]
    fn thresholds_46_60_65_decide_the_weight() {
        let day = date!(2020 - 04 - 07);
        // 900 s at each attenuation; only 60 dB (near) reaches 1350 (2250); 46 dB gives 900.
        for (db, expected) in [
            (46, false),
            (47, true),
            (60, true),
            (61, false),
            (65, false),
            (66, false),
        ] {
            let result = assess(&[window(day, &[(db, 300), (db, 300), (db, 300)])]);
            assert_eq!(result[0].high_risk, expected, "{db} dB: {result:?}");
        }
    }

    #[test]
    fn infectiousness_none_days_never_count() {
        let day = date!(2020 - 04 - 08);
        let mut none = window(day, &[(50, 300), (50, 300), (50, 300), (50, 300)]);
        none.infectiousness = Infectiousness::None;
        let result = assess(&[none.clone()]);
        assert_eq!(result.len(), 1, "the day is listed");
        assert_eq!(result[0].score_sum, 0.0);
        assert!(!result[0].high_risk);
        // A NONE window still adds its seconds to the day (COCOA sums every window).
        let high = window(day, &[(50, 300), (50, 300)]); // 1500 points, 600 s
        let result = assess(&[none, high]);
        assert_eq!(result[0].seconds_since_last_scan_sum, 1800);
        assert!(result[0].high_risk);
    }

    #[test]
    fn revoked_and_too_low_windows_have_no_summary() {
        let day = date!(2020 - 04 - 09);
        let mut revoked = window(day, &[(50, 300), (50, 300), (50, 300)]);
        revoked.report_type = ReportType::Revoked;
        assert!(!assess(&[revoked])[0].high_risk);
        let mut configuration = ExposureConfiguration::cocoa();
        configuration.daily_summaries.minimum_window_score = 5000.0;
        let result = assess_days(
            &[window(day, &[(50, 300), (50, 300), (50, 300)])],
            &configuration,
            &RiskRules::cocoa(),
            TODAY,
        );
        assert_eq!(result[0].score_sum, 0.0);
        assert!(!result[0].high_risk);
    }

    #[test]
    fn days_since_exposure_threshold_drops_old_windows() {
        let mut configuration = ExposureConfiguration::cocoa();
        configuration.daily_summaries.days_since_exposure_threshold = 3;
        let old = window(date!(2020 - 04 - 06), &[(50, 300), (50, 300), (50, 300)]);
        let recent = window(date!(2020 - 04 - 07), &[(50, 300), (50, 300), (50, 300)]);
        let summaries = daily_summaries(&[old, recent], &configuration.daily_summaries, TODAY);
        assert_eq!(
            summaries.iter().map(|s| s.date).collect::<Vec<_>>(),
            vec![date!(2020 - 04 - 07)]
        );
    }

    #[test]
    fn all_nop_rules_never_flag_and_other_operators_work() {
        let nop = RiskRules::from_cocoa_json(r#"{"format_version":1}"#).unwrap();
        let windows = [window(
            date!(2020 - 04 - 05),
            &[(50, 300), (50, 300), (50, 300)],
        )];
        assert!(!assess_days(&windows, &ExposureConfiguration::cocoa(), &nop, TODAY)[0].high_risk);
        let rules = RiskRules::from_cocoa_json(
            r#"{"ExposureWindow_ScanInstance_TypicalAttenuationDb_Max":{"op":"<","value":51},
                "ExposureWindow_ScanInstance_TypicalAttenuationDb_Min":{"op":"=","value":50},
                "DailySummary_DaySummary_WeightedDurationAverage":{"op":">","value":2.4}}"#,
        )
        .unwrap();
        assert!(assess_days(&windows, &ExposureConfiguration::cocoa(), &rules, TODAY)[0].high_risk);
        let error = RiskRules::from_cocoa_json(
            r#"{"DailySummary_DaySummary_ScoreSum":{"op":"==","value":1}}"#,
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("operator \"==\" is not one of"),
            "{error}"
        );
    }

    #[test]
    fn bad_configuration_is_explained() {
        let error = ExposureConfiguration::from_cocoa_json("{}").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("missing field `google_daily_summaries_config`"),
            "{error}"
        );
        let broken = COCOA_CONFIGURATION_JSON.replacen("46,", "", 1);
        let error = ExposureConfiguration::from_cocoa_json(&broken).unwrap_err();
        assert!(error.to_string().contains("3 thresholds"), "{error}");
        let negative = COCOA_CONFIGURATION_JSON.replacen("2.5,", "-2.5,", 1);
        assert!(ExposureConfiguration::from_cocoa_json(&negative).is_err());
    }

    #[test]
    fn the_resident_is_told_only_the_days() {
        let days = [
            DayRisk {
                date: date!(2020 - 04 - 03),
                score_sum: 2000.0,
                weighted_duration_sum: 2000.0,
                seconds_since_last_scan_sum: 1200,
                high_risk: true,
            },
            DayRisk {
                date: date!(2020 - 04 - 04),
                score_sum: 20.0,
                weighted_duration_sum: 20.0,
                seconds_since_last_scan_sum: 60,
                high_risk: false,
            },
        ];
        let notice = ExposureNotice::from_days(&days);
        assert_eq!(notice.high_risk_days, vec![date!(2020 - 04 - 03)]);
        assert_eq!(
            notice.message_ja(),
            "2020年4月3日に、陽性者と１メートル以内の距離で１５分以上接触した可能性があります。"
        );
        assert!(
            notice
                .message_en()
                .starts_with("On 2020-04-03 you may have been within 1 metre")
        );
        assert!(
            ExposureNotice::from_days(&days[1..])
                .message_en()
                .starts_with("No contact")
        );
    }
}
