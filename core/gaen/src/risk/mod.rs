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

use crate::windows::{ExposureWindow, Infectiousness, ReportType};

mod configuration;
mod notice;

pub use configuration::{
    COCOA_CONFIGURATION_JSON, COCOA_RISK_RULES_JSON, Condition, DailySummariesConfig,
    DiagnosisKeysDataMapping, ExposureConfiguration, MAX_DAYS_SINCE_ONSET, Operator,
    ReportTypeWeights, RiskRules,
};
pub use notice::ExposureNotice;

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
