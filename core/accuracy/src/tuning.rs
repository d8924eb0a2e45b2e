//! What other thresholds would do: ROC curves over the score threshold, NIST's normalised
//! detection cost, and a search of attenuation thresholds, bucket weights and score thresholds.
//!
//! ## The shortcut, and its check
//!
//! With COCOA's report-type and infectiousness weights (all 1.0) and no minimum window score, a
//! pair-day's score is `Σ seconds × weight(bucket(typical attenuation))` over its scans, so a
//! pair-day can be reduced once to its seconds per typical attenuation ([`DayProfile`]) and
//! scored under any thresholds and weights without rebuilding windows. The search uses that
//! shortcut; its recommendation must then be run through the real engine
//! ([`crate::evaluate`] with [`Candidate::configuration`] and [`Candidate::rules`]), which the
//! CLI does and prints beside it. They agree except where gaen splits one scan in two: a scan
//! whose readings straddle a window's 30-minute end becomes two scan instances, each credited
//! the scan's `secondsSinceLastScan` (as Google's implementation does), while the shortcut
//! counts the scan once. In a simulated day of 500 phones, 27 of 3,970 pair-days had such a
//! scan and 3 verdicts changed; exp34 showed none. The engine's row is the measure.
//!
//! ## Cost
//!
//! NIST's detection cost (used across its detection evaluations, e.g. the DetectionScore tool
//! of its TDT evaluations): `C = C_miss × P_miss × P_target + C_fa × P_fa × (1 − P_target)`,
//! normalised by the cost of the better of "flag every pair" and "flag none",
//! `min(C_miss × P_target, C_fa × (1 − P_target))`: 0 is perfect, 1 no better than not
//! looking. NIST's TC4TL challenge (2020) scored proximity this way; its parameter values were
//! not available when this was written, so they are [`Costs`] options (default 1, 1, 0.5).

use std::collections::BTreeMap;

use mimamori_gaen::risk::{Condition, Operator};
use mimamori_gaen::{ExposureConfiguration, RiskRules};

use crate::evaluation::{CONTACT_DISTANCES_M, Confusion, Evaluation};

/// The seconds a pair-day must reach for COCOA's second condition
/// (`SecondsSinceLastScanSum >= 900`); kept by every candidate.
pub const MINIMUM_SECONDS: u64 = 900;

/// One pair-day reduced to what scoring needs.
#[derive(Clone, Debug, PartialEq)]
pub struct DayProfile {
    /// Seconds of scans per typical attenuation (dB), ascending.
    pub seconds_by_attenuation: Vec<(u32, u64)>,
    /// All the day's scan seconds.
    pub seconds: u64,
    /// Whether it is a true contact at each of [`CONTACT_DISTANCES_M`].
    pub contact: [bool; 3],
}

impl DayProfile {
    /// The seconds in each bucket (immediate, near, medium, other) under some thresholds.
    pub fn bucket_seconds(&self, thresholds_db: [u32; 3]) -> [u64; 4] {
        let mut buckets = [0; 4];
        for &(attenuation, seconds) in &self.seconds_by_attenuation {
            let bucket = thresholds_db
                .iter()
                .position(|&threshold| attenuation <= threshold)
                .unwrap_or(3);
            buckets[bucket] += seconds;
        }
        buckets
    }

    /// The day's score under some thresholds and weights.
    pub fn score(&self, thresholds_db: [u32; 3], weights: [f64; 4]) -> f64 {
        let buckets = self.bucket_seconds(thresholds_db);
        buckets
            .iter()
            .zip(weights)
            .map(|(&seconds, weight)| seconds as f64 * weight)
            .sum()
    }
}

/// The pair-days of an evaluation as profiles (scans dated by their start, as the truth is).
pub fn profiles(evaluation: &Evaluation) -> Vec<DayProfile> {
    let mut days: BTreeMap<(&str, time::Date), BTreeMap<u32, u64>> = BTreeMap::new();
    for scan in &evaluation.scans {
        let date = mimamori_gaen::IntervalNumber::from_unix_seconds(scan.started_at).utc_date();
        *days
            .entry((scan.pair.as_str(), date))
            .or_default()
            .entry(scan.typical_attenuation_db)
            .or_default() += u64::from(scan.seconds);
    }
    evaluation
        .pair_days
        .iter()
        .map(|day| {
            let seconds_by_attenuation: Vec<(u32, u64)> = days
                .get(&(day.pair.as_str(), day.date))
                .map(|by| by.iter().map(|(&a, &s)| (a, s)).collect())
                .unwrap_or_default();
            DayProfile {
                seconds: seconds_by_attenuation.iter().map(|&(_, s)| s).sum(),
                seconds_by_attenuation,
                contact: [0, 1, 2].map(|index| day.is_contact(index)),
            }
        })
        .collect()
}

/// The costs of NIST's detection cost (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Costs {
    /// The cost of a missed contact.
    pub miss: f64,
    /// The cost of a false alarm.
    pub false_alarm: f64,
    /// The prior probability that a pair-day is a contact.
    pub target_prior: f64,
}

impl Default for Costs {
    fn default() -> Self {
        Self {
            miss: 1.0,
            false_alarm: 1.0,
            target_prior: 0.5,
        }
    }
}

impl Costs {
    /// The normalised detection cost of a confusion matrix; `None` when it has no contacts or
    /// no non-contacts, or the costs make the normaliser 0.
    pub fn normalised(&self, confusion: &Confusion) -> Option<f64> {
        let miss_rate = confusion.recall().map(|recall| 1.0 - recall)?;
        let false_alarm_rate = confusion.false_positive_rate()?;
        let cost = self.miss * miss_rate * self.target_prior
            + self.false_alarm * false_alarm_rate * (1.0 - self.target_prior);
        let normaliser =
            (self.miss * self.target_prior).min(self.false_alarm * (1.0 - self.target_prior));
        (normaliser > 0.0).then(|| cost / normaliser)
    }
}

/// One setting of the rule: attenuation thresholds, bucket weights and score threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// Upper bounds of the immediate, near and medium buckets, in dB.
    pub thresholds_db: [u32; 3],
    /// Weights of the immediate, near, medium and other buckets.
    pub weights: [f64; 4],
    /// `ScoreSum >=` this flags the day.
    pub score_threshold: f64,
}

impl Candidate {
    /// The setting of a configuration and rules, when the rules are COCOA's kind
    /// (`ScoreSum >=` a value); `None` otherwise.
    pub fn of(configuration: &ExposureConfiguration, rules: &RiskRules) -> Option<Self> {
        (rules.score_sum.op == Operator::GreaterOrEqual).then_some(Self {
            thresholds_db: configuration.daily_summaries.attenuation_thresholds_db,
            weights: configuration.daily_summaries.attenuation_weights,
            score_threshold: rules.score_sum.value,
        })
    }

    /// Whether the shortcut flags a profile (score and [`MINIMUM_SECONDS`]).
    pub fn flags(&self, day: &DayProfile) -> bool {
        day.seconds >= MINIMUM_SECONDS
            && day.score(self.thresholds_db, self.weights) >= self.score_threshold
    }

    /// The confusion at `CONTACT_DISTANCES_M[index]` by the shortcut.
    pub fn confusion(&self, days: &[DayProfile], index: usize) -> Confusion {
        confusion_by(days, index, |day| self.flags(day))
    }

    /// A configuration with this setting's thresholds and weights, the rest from `base`.
    pub fn configuration(&self, base: &ExposureConfiguration) -> ExposureConfiguration {
        let mut configuration = base.clone();
        configuration.daily_summaries.attenuation_thresholds_db = self.thresholds_db;
        configuration.daily_summaries.attenuation_weights = self.weights;
        configuration
    }

    /// Rules with this setting's score threshold and COCOA's `SecondsSinceLastScanSum >= 900`,
    /// the rest from `base`.
    pub fn rules(&self, base: &RiskRules) -> RiskRules {
        RiskRules {
            score_sum: Condition {
                op: Operator::GreaterOrEqual,
                value: self.score_threshold,
            },
            seconds_since_last_scan_sum: Condition {
                op: Operator::GreaterOrEqual,
                value: MINIMUM_SECONDS as f64,
            },
            ..*base
        }
    }
}

fn confusion_by(
    days: &[DayProfile],
    index: usize,
    flags: impl Fn(&DayProfile) -> bool,
) -> Confusion {
    let mut confusion = Confusion::default();
    for day in days {
        let contact = day.contact.get(index).copied().unwrap_or(false);
        let counter = match (flags(day), contact) {
            (true, true) => &mut confusion.true_positives,
            (true, false) => &mut confusion.false_positives,
            (false, true) => &mut confusion.false_negatives,
            (false, false) => &mut confusion.true_negatives,
        };
        *counter += 1;
    }
    confusion
}

/// One point of a ROC curve: a score threshold and what it gives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RocPoint {
    /// `ScoreSum >=` this flags (with [`MINIMUM_SECONDS`]).
    pub score_threshold: f64,
    /// True-positive rate (recall).
    pub true_positive_rate: f64,
    /// False-positive rate.
    pub false_positive_rate: f64,
}

/// The ROC curve of fixed thresholds and weights as the score threshold moves: one point per
/// distinct score of a day that has [`MINIMUM_SECONDS`], from the highest (fewest flagged) to
/// the lowest, after a first point that flags nothing. `None` without contacts or
/// non-contacts at that distance.
pub fn roc(
    days: &[DayProfile],
    thresholds_db: [u32; 3],
    weights: [f64; 4],
    index: usize,
) -> Option<Vec<RocPoint>> {
    let contacts = days.iter().filter(|day| day.contact[index]).count() as f64;
    let others = days.len() as f64 - contacts;
    if contacts == 0.0 || others == 0.0 {
        return None;
    }
    let mut scored: Vec<(f64, bool)> = days
        .iter()
        .filter(|day| day.seconds >= MINIMUM_SECONDS)
        .map(|day| (day.score(thresholds_db, weights), day.contact[index]))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut points = vec![RocPoint {
        score_threshold: f64::INFINITY,
        true_positive_rate: 0.0,
        false_positive_rate: 0.0,
    }];
    let (mut true_positives, mut false_positives) = (0.0, 0.0);
    for (position, &(score, contact)) in scored.iter().enumerate() {
        if contact {
            true_positives += 1.0;
        } else {
            false_positives += 1.0;
        }
        let last_of_score = scored
            .get(position + 1)
            .is_none_or(|&(next, _)| next < score);
        if last_of_score {
            points.push(RocPoint {
                score_threshold: score,
                true_positive_rate: true_positives / contacts,
                false_positive_rate: false_positives / others,
            });
        }
    }
    Some(points)
}

/// The area under a ROC curve (trapezoids), closed to (1, 1): days under
/// [`MINIMUM_SECONDS`] are never flagged, so the curve itself may stop short of it.
pub fn area_under(points: &[RocPoint]) -> f64 {
    let mut area = 0.0;
    let mut previous = (0.0, 0.0);
    for point in points
        .iter()
        .map(|point| (point.false_positive_rate, point.true_positive_rate))
        .chain([(1.0, 1.0)])
    {
        area += (point.0 - previous.0) * (point.1 + previous.1) / 2.0;
        previous = point;
    }
    area
}

/// What the search looks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Objective {
    /// The lowest normalised cost.
    Cost(Costs),
    /// The lowest false-positive rate among settings with at least this recall.
    Recall(f64),
}

/// The settings the search tries.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchSpace {
    /// Candidate attenuation thresholds, in dB, ascending; every increasing triple is tried.
    pub thresholds_db: Vec<u32>,
    /// Candidate weights per bucket (immediate, near, medium, other).
    pub weights: [Vec<f64>; 4],
    /// Candidate score thresholds.
    pub score_thresholds: Vec<f64>,
}

impl Default for SearchSpace {
    /// Thresholds 40 to 80 dB in 2 dB steps; COCOA's weights and a few others; score
    /// thresholds around COCOA's 1,350 (900 s at weight 1.0 up to 900 s at weight 3.0).
    fn default() -> Self {
        Self {
            thresholds_db: (40..=80).step_by(2).collect(),
            weights: [
                vec![1.0, 2.5],
                vec![1.0, 2.5],
                vec![0.5, 1.3],
                vec![0.0, 0.01],
            ],
            score_thresholds: vec![900.0, 1170.0, 1350.0, 1800.0, 2250.0, 2700.0],
        }
    }
}

impl SearchSpace {
    /// How many settings the search tries.
    pub fn len(&self) -> usize {
        let n = self.thresholds_db.len();
        let triples = n * n.saturating_sub(1) * n.saturating_sub(2) / 6;
        triples * self.weights.iter().map(Vec::len).product::<usize>() * self.score_thresholds.len()
    }

    /// Whether the search tries nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A setting the search found, with what it gives by the shortcut.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Found {
    /// The setting.
    pub candidate: Candidate,
    /// Its confusion at the chosen distance.
    pub confusion: Confusion,
    /// Its normalised cost with the given costs (`None` when undefined).
    pub cost: Option<f64>,
}

/// Searches the space for the best setting at `CONTACT_DISTANCES_M[index]`; `None` when no
/// setting meets the objective (or the data has no contacts or non-contacts). Ties go to the
/// first found, in the order thresholds, weights, score threshold.
pub fn search(
    days: &[DayProfile],
    index: usize,
    space: &SearchSpace,
    objective: Objective,
    costs: Costs,
) -> Option<Found> {
    let mut best: Option<(f64, Found)> = None;
    let values = &space.thresholds_db;
    for (i, &immediate) in values.iter().enumerate() {
        for (j, &near) in values.iter().enumerate().skip(i + 1) {
            for &medium in values.iter().skip(j + 1) {
                let thresholds_db = [immediate, near, medium];
                let buckets: Vec<[u64; 4]> = days
                    .iter()
                    .map(|day| day.bucket_seconds(thresholds_db))
                    .collect();
                for &w0 in &space.weights[0] {
                    for &w1 in &space.weights[1] {
                        for &w2 in &space.weights[2] {
                            for &w3 in &space.weights[3] {
                                let weights = [w0, w1, w2, w3];
                                let scores: Vec<f64> = buckets
                                    .iter()
                                    .map(|b| {
                                        b.iter().zip(weights).map(|(&s, w)| s as f64 * w).sum()
                                    })
                                    .collect();
                                for &score_threshold in &space.score_thresholds {
                                    let mut confusion = Confusion::default();
                                    for (day, &score) in days.iter().zip(&scores) {
                                        let flagged = day.seconds >= MINIMUM_SECONDS
                                            && score >= score_threshold;
                                        let counter = match (flagged, day.contact[index]) {
                                            (true, true) => &mut confusion.true_positives,
                                            (true, false) => &mut confusion.false_positives,
                                            (false, true) => &mut confusion.false_negatives,
                                            (false, false) => &mut confusion.true_negatives,
                                        };
                                        *counter += 1;
                                    }
                                    let cost = costs.normalised(&confusion);
                                    let rank = match objective {
                                        Objective::Cost(_) => cost,
                                        Objective::Recall(wanted) => confusion
                                            .recall()
                                            .filter(|&recall| recall >= wanted)
                                            .and_then(|_| confusion.false_positive_rate()),
                                    };
                                    let Some(rank) = rank else { continue };
                                    if best.as_ref().is_none_or(|(b, _)| rank < *b) {
                                        best = Some((
                                            rank,
                                            Found {
                                                candidate: Candidate {
                                                    thresholds_db,
                                                    weights,
                                                    score_threshold,
                                                },
                                                confusion,
                                                cost,
                                            },
                                        ));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    best.map(|(_, found)| found)
}

/// The contact distance's index for a distance in metres (1, 1.5 or 2).
pub fn distance_index(metres: f64) -> Option<usize> {
    CONTACT_DISTANCES_M
        .iter()
        .position(|&distance| (distance - metres).abs() < 1e-9)
}

/// ROC curves as a small self-contained SVG (no script, no external reference): false-positive
/// rate across, true-positive rate up, the diagonal of chance, one coloured line per curve with
/// its label and area in a legend. Labels are escaped.
pub fn roc_svg(title: &str, curves: &[(&str, &[RocPoint])]) -> String {
    const SIZE: f64 = 360.0;
    const MARGIN: f64 = 48.0;
    const COLOURS: [&str; 4] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
    let x = |rate: f64| MARGIN + rate.clamp(0.0, 1.0) * SIZE;
    let y = |rate: f64| MARGIN + (1.0 - rate.clamp(0.0, 1.0)) * SIZE;
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let full = SIZE + 2.0 * MARGIN;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{full}\" height=\"{height}\" \
         viewBox=\"0 0 {full} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{MARGIN}\" y=\"24\" font-size=\"14\">{}</text>\n\
         <rect x=\"{MARGIN}\" y=\"{MARGIN}\" width=\"{SIZE}\" height=\"{SIZE}\" fill=\"none\" stroke=\"#333\"/>\n\
         <line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#aaa\" stroke-dasharray=\"4 4\"/>\n",
        escape(title),
        x(0.0),
        y(0.0),
        x(1.0),
        y(1.0),
        height = full + 20.0 * curves.len() as f64,
    );
    for tick in 0..=4 {
        let rate = f64::from(tick) / 4.0;
        svg += &format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{rate}</text>\n\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{rate}</text>\n",
            x(rate),
            y(0.0) + 16.0,
            x(0.0) - 6.0,
            y(rate) + 4.0
        );
    }
    svg += &format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">false-positive rate</text>\n\
         <text x=\"14\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {:.1})\">recall (true-positive rate)</text>\n",
        x(0.5),
        y(0.0) + 34.0,
        y(0.5),
        y(0.5)
    );
    for (index, (label, points)) in curves.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let path: Vec<String> = points
            .iter()
            .map(|p| (p.false_positive_rate, p.true_positive_rate))
            .chain([(1.0, 1.0)])
            .map(|(fpr, tpr)| format!("{:.1},{:.1}", x(fpr), y(tpr)))
            .collect();
        svg += &format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>\n\
             <text x=\"{MARGIN}\" y=\"{:.1}\" fill=\"{colour}\">{} (area {:.3})</text>\n",
            path.join(" "),
            full + 20.0 * index as f64 + 4.0,
            escape(label),
            area_under(points)
        );
    }
    svg + "</svg>\n"
}
