//! Running readings through the engine and scoring its verdicts against the true distance.
//!
//! ## Method
//!
//! For each directed pair, readings are taken in time order and grouped into scans the way
//! gaen groups sightings into scan instances: a reading within 25.5 s of the previous one
//! ([`SCAN_INSTANCE_GAP_DECISECONDS`]) belongs to the same scan. Each reading becomes a
//! [`KeySighting`] with gaen's attenuation (TX power − calibrated RSSI) and, as "previous scan",
//! the last reading of the pair's previous scan; [`exposure_windows`] then builds the windows
//! and [`assess_days`] applies the configured rule, per UTC day, with the report type
//! "confirmed test" and infectiousness "high" (COCOA weighs every report type and
//! infectiousness 1.0).
//!
//! The ground truth uses the engine's own duration accounting, so that only the distance is
//! being judged: each scan stands for `60 × min(5, minutes since the previous scan)` seconds
//! (120 for a pair's first scan), and lies within `d` metres when the mean true distance of its
//! readings is at most `d`. A pair-day is a true contact at `d` when its scans within `d` add up
//! to 15 minutes or more ([`CONTACT_SECONDS`]).
//!
//! Two views come out:
//! - per scan: which of the configuration's attenuation buckets (immediate, near, medium,
//!   other) the scan's typical attenuation falls in, by true-distance band;
//! - per pair-day: the rule's verdict against the truth at 1 m, 1.5 m and 2 m (true and false
//!   positives, recall, false-positive rate, precision), and the share of pair-days flagged by
//!   band of their time-weighted mean distance.
//!
//! A pair-day is counted on the UTC day of its scans (truth) and of its windows (engine); they
//! differ only for a window that starts before midnight and runs past it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use mimamori_gaen::ids::CalibrationConfidence;
use mimamori_gaen::risk::assess_days;
use mimamori_gaen::windows::{
    DEFAULT_SECONDS_SINCE_LAST_SCAN, KeySighting, MAX_MINUTES_SINCE_LAST_SCAN,
    SCAN_INSTANCE_GAP_DECISECONDS, exposure_windows,
};
use mimamori_gaen::{ExposureConfiguration, Infectiousness, ReportType, RiskRules};

use crate::readings::Reading;

/// "15 minutes or more": the contact time that makes a true contact, in seconds.
pub const CONTACT_SECONDS: u64 = 15 * 60;

/// The distances the pair-day truth is judged at, in metres (1 m is COCOA's wording).
pub const CONTACT_DISTANCES_M: [f64; 3] = [1.0, 1.5, 2.0];

/// Upper bounds of the true-distance bands of the tables, in metres; a last band holds the rest.
pub const BAND_UPPER_BOUNDS_M: [f64; 6] = [0.5, 1.0, 1.5, 2.0, 3.0, 5.0];

/// One scan of one pair: readings within 25.5 s of each other.
#[derive(Clone, Debug, PartialEq)]
pub struct ScanResult {
    /// The directed pair.
    pub pair: String,
    /// When the scan's first reading was heard, in Unix seconds.
    pub started_at: u64,
    /// The seconds this scan stands for (gaen's `secondsSinceLastScan`).
    pub seconds: u32,
    /// The mean true distance of its readings, in metres.
    pub distance_m: f64,
    /// The mean attenuation, rounded half up (gaen's `typicalAttenuationDb`), in dB.
    pub typical_attenuation_db: u32,
}

/// The rule's verdict and the truth for one pair on one UTC day.
#[derive(Clone, Debug, PartialEq)]
pub struct PairDay {
    /// The directed pair.
    pub pair: String,
    /// The UTC day.
    pub date: time::Date,
    /// Seconds of scans whose mean true distance is within each of [`CONTACT_DISTANCES_M`].
    pub seconds_within: [u64; 3],
    /// All the day's scan seconds.
    pub seconds: u64,
    /// Time-weighted mean true distance over the day's scans, in metres.
    pub mean_distance_m: f64,
    /// The day's score sum from the engine.
    pub score_sum: f64,
    /// Whether the engine's rule flagged the day (a "high-risk contact").
    pub flagged: bool,
}

impl PairDay {
    /// Whether the pair-day is a true contact at `CONTACT_DISTANCES_M[index]`.
    pub fn is_contact(&self, index: usize) -> bool {
        self.seconds_within
            .get(index)
            .is_some_and(|&seconds| seconds >= CONTACT_SECONDS)
    }
}

/// A confusion matrix of the rule against one truth distance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Confusion {
    /// Flagged and a true contact.
    pub true_positives: u64,
    /// Flagged but not a true contact.
    pub false_positives: u64,
    /// A true contact the rule missed.
    pub false_negatives: u64,
    /// Neither flagged nor a contact.
    pub true_negatives: u64,
}

impl Confusion {
    /// Recall (true-positive rate): flagged contacts ÷ contacts; `None` with no contacts.
    pub fn recall(&self) -> Option<f64> {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// False-positive rate: flagged non-contacts ÷ non-contacts; `None` with no non-contacts.
    pub fn false_positive_rate(&self) -> Option<f64> {
        ratio(
            self.false_positives,
            self.false_positives + self.true_negatives,
        )
    }

    /// Precision: flagged contacts ÷ flagged; `None` when nothing was flagged.
    pub fn precision(&self) -> Option<f64> {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Everything an evaluation found.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Every scan, by pair and time.
    pub scans: Vec<ScanResult>,
    /// Every pair-day, by pair and day.
    pub pair_days: Vec<PairDay>,
    /// The configuration's attenuation thresholds (immediate, near, medium), in dB.
    pub attenuation_thresholds_db: [u32; 3],
}

impl Evaluation {
    /// The rule's confusion matrix against the truth at `CONTACT_DISTANCES_M[index]`.
    pub fn confusion(&self, index: usize) -> Confusion {
        confusion_of(&self.pair_days, index)
    }

    /// The attenuation bucket (0 immediate, 1 near, 2 medium, 3 other) of a typical attenuation.
    pub fn bucket(&self, typical_attenuation_db: u32) -> usize {
        self.attenuation_thresholds_db
            .iter()
            .position(|&threshold| typical_attenuation_db <= threshold)
            .unwrap_or(3)
    }
}

/// The confusion matrix of some pair-days against the truth at `CONTACT_DISTANCES_M[index]`.
pub fn confusion_of<'a>(days: impl IntoIterator<Item = &'a PairDay>, index: usize) -> Confusion {
    let mut confusion = Confusion::default();
    for day in days {
        let counter = match (day.flagged, day.is_contact(index)) {
            (true, true) => &mut confusion.true_positives,
            (true, false) => &mut confusion.false_positives,
            (false, true) => &mut confusion.false_negatives,
            (false, false) => &mut confusion.true_negatives,
        };
        *counter += 1;
    }
    confusion
}

/// The index of the true-distance band of a distance (see [`BAND_UPPER_BOUNDS_M`]).
pub fn band(distance_m: f64) -> usize {
    BAND_UPPER_BOUNDS_M
        .iter()
        .position(|&upper| distance_m <= upper)
        .unwrap_or(BAND_UPPER_BOUNDS_M.len())
}

/// A band's label, e.g. `0.5–1 m` or `> 5 m`.
pub fn band_label(index: usize) -> String {
    let upper = BAND_UPPER_BOUNDS_M.get(index);
    let lower = index
        .checked_sub(1)
        .and_then(|below| BAND_UPPER_BOUNDS_M.get(below));
    match (lower, upper) {
        (None, Some(upper)) => format!("<= {upper} m"),
        (Some(lower), Some(upper)) => format!("{lower}-{upper} m"),
        (Some(lower), None) => format!("> {lower} m"),
        (None, None) => "all".to_owned(),
    }
}

/// Runs readings through the engine with a configuration and rule set (see the module docs).
pub fn evaluate(
    readings: &[Reading],
    configuration: &ExposureConfiguration,
    rules: &RiskRules,
) -> Evaluation {
    let mut by_pair: BTreeMap<&str, Vec<&Reading>> = BTreeMap::new();
    for reading in readings {
        by_pair.entry(&reading.pair).or_default().push(reading);
    }
    let mut scans = Vec::new();
    let mut pair_days = Vec::new();
    for (pair, mut pair_readings) in by_pair {
        pair_readings.sort_by_key(|reading| reading.seen_at);
        let (sightings, pair_scans) = scans_of_pair(pair, &pair_readings);

        let windows = exposure_windows(&sightings, ReportType::ConfirmedTest, Infectiousness::High);
        let mut days: BTreeMap<time::Date, PairDay> = BTreeMap::new();
        for scan in &pair_scans {
            let date = utc_date(scan.started_at);
            let day = days.entry(date).or_insert_with(|| PairDay {
                pair: pair.to_owned(),
                date,
                seconds_within: [0; 3],
                seconds: 0,
                mean_distance_m: 0.0,
                score_sum: 0.0,
                flagged: false,
            });
            let seconds = u64::from(scan.seconds);
            day.seconds += seconds;
            day.mean_distance_m += scan.distance_m * seconds as f64;
            for (within, limit) in day.seconds_within.iter_mut().zip(CONTACT_DISTANCES_M) {
                if scan.distance_m <= limit {
                    *within += seconds;
                }
            }
        }
        for day in days.values_mut() {
            if day.seconds > 0 {
                day.mean_distance_m /= day.seconds as f64;
            }
        }
        for (date, day) in days.iter_mut() {
            // Assessed as on the day itself, so a days-since-exposure threshold drops nothing.
            let risk = assess_days(&windows, configuration, rules, *date)
                .into_iter()
                .find(|risk| risk.date == *date);
            if let Some(risk) = risk {
                day.score_sum = risk.score_sum;
                day.flagged = risk.high_risk;
            }
        }
        pair_days.extend(days.into_values());
        scans.extend(pair_scans);
    }
    Evaluation {
        scans,
        pair_days,
        attenuation_thresholds_db: configuration.daily_summaries.attenuation_thresholds_db,
    }
}

/// One pair's readings (in time order) as gaen sightings, and its scans.
fn scans_of_pair(pair: &str, readings: &[&Reading]) -> (Vec<KeySighting>, Vec<ScanResult>) {
    let mut sightings = Vec::with_capacity(readings.len());
    let mut scans: Vec<ScanResult> = Vec::new();
    // The scan being built: its readings' attenuations and distances.
    let mut attenuations: Vec<u32> = Vec::new();
    let mut distances: Vec<f64> = Vec::new();
    let mut previous_scan_end: Option<u64> = None;
    let mut last_seen: Option<u64> = None;
    for reading in readings {
        let continues = last_seen
            .is_some_and(|last| (reading.seen_at - last) * 10 <= SCAN_INSTANCE_GAP_DECISECONDS);
        if !continues {
            finish_scan(&mut scans, &mut attenuations, &mut distances);
            previous_scan_end = last_seen;
            let seconds = match previous_scan_end {
                None => DEFAULT_SECONDS_SINCE_LAST_SCAN,
                Some(previous) => {
                    let minutes = (reading.seen_at / 60).saturating_sub(previous / 60);
                    // At most 5 × 60.
                    (60 * minutes.min(MAX_MINUTES_SINCE_LAST_SCAN)) as u32
                }
            };
            scans.push(ScanResult {
                pair: pair.to_owned(),
                started_at: reading.seen_at,
                seconds,
                distance_m: 0.0,
                typical_attenuation_db: 0,
            });
        }
        let attenuation_db = reading.attenuation_db();
        attenuations.push(attenuation_db);
        distances.push(reading.distance_m);
        sightings.push(KeySighting {
            seen_at: reading.seen_at,
            attenuation_db,
            calibration_confidence: CalibrationConfidence::LOWEST,
            previous_scan_at: previous_scan_end,
        });
        last_seen = Some(reading.seen_at);
    }
    finish_scan(&mut scans, &mut attenuations, &mut distances);
    (sightings, scans)
}

/// Fills in the last scan's means from the readings gathered for it, and empties them.
fn finish_scan(scans: &mut [ScanResult], attenuations: &mut Vec<u32>, distances: &mut Vec<f64>) {
    if let (Some(scan), false) = (scans.last_mut(), attenuations.is_empty()) {
        let count = attenuations.len() as u64;
        let sum: u64 = attenuations.iter().map(|&a| u64::from(a)).sum();
        // Rounded half up, as gaen rounds typicalAttenuationDb.
        scan.typical_attenuation_db = u32::try_from((2 * sum + count) / (2 * count)).unwrap_or(0);
        scan.distance_m = distances.iter().sum::<f64>() / distances.len() as f64;
    }
    attenuations.clear();
    distances.clear();
}

fn utc_date(unix_seconds: u64) -> time::Date {
    mimamori_gaen::IntervalNumber::from_unix_seconds(unix_seconds).utc_date()
}

/// The figures as plain text: the per-scan bucket table, the confusion matrices and the
/// flagged share by band.
pub fn render(evaluation: &Evaluation) -> String {
    let mut text = String::new();
    let [immediate, near, medium] = evaluation.attenuation_thresholds_db;
    let bands = BAND_UPPER_BOUNDS_M.len() + 1;
    // `write!` to a String cannot fail.
    let _ = writeln!(
        text,
        "scans by true distance: share in each attenuation bucket \
         (immediate <= {immediate} dB, near <= {near} dB, medium <= {medium} dB, other)"
    );
    let _ = writeln!(
        text,
        "{:<10} {:>7} {:>10} {:>6} {:>7} {:>6} {:>9}",
        "distance", "scans", "immediate", "near", "medium", "other", "mean dB"
    );
    for index in 0..bands {
        let in_band: Vec<&ScanResult> = evaluation
            .scans
            .iter()
            .filter(|scan| band(scan.distance_m) == index)
            .collect();
        if in_band.is_empty() {
            continue;
        }
        let mut buckets = [0_usize; 4];
        for scan in &in_band {
            buckets[evaluation.bucket(scan.typical_attenuation_db)] += 1;
        }
        let share = |count: usize| format!("{:.0}%", 100.0 * count as f64 / in_band.len() as f64);
        let mean = in_band
            .iter()
            .map(|scan| f64::from(scan.typical_attenuation_db))
            .sum::<f64>()
            / in_band.len() as f64;
        let _ = writeln!(
            text,
            "{:<10} {:>7} {:>10} {:>6} {:>7} {:>6} {:>9.1}",
            band_label(index),
            in_band.len(),
            share(buckets[0]),
            share(buckets[1]),
            share(buckets[2]),
            share(buckets[3]),
            mean
        );
    }
    let _ = writeln!(
        text,
        "\npair-days: the rule's verdict against a true contact (>= 15 min within d)"
    );
    let _ = writeln!(
        text,
        "{:<6} {:>5} {:>5} {:>5} {:>5} {:>7} {:>7} {:>9}",
        "d", "TP", "FP", "FN", "TN", "recall", "FPR", "precision"
    );
    let percent =
        |value: Option<f64>| value.map_or("-".to_owned(), |v| format!("{:.0}%", 100.0 * v));
    for (index, distance) in CONTACT_DISTANCES_M.iter().enumerate() {
        let confusion = evaluation.confusion(index);
        let _ = writeln!(
            text,
            "{:<6} {:>5} {:>5} {:>5} {:>5} {:>7} {:>7} {:>9}",
            format!("{distance} m"),
            confusion.true_positives,
            confusion.false_positives,
            confusion.false_negatives,
            confusion.true_negatives,
            percent(confusion.recall()),
            percent(confusion.false_positive_rate()),
            percent(confusion.precision())
        );
    }
    let _ = writeln!(
        text,
        "\npair-days by time-weighted mean true distance: share the rule flagged"
    );
    let _ = writeln!(
        text,
        "{:<10} {:>9} {:>8} {:>7}",
        "distance", "pair-days", "flagged", "share"
    );
    for index in 0..bands {
        let in_band: Vec<&PairDay> = evaluation
            .pair_days
            .iter()
            .filter(|day| band(day.mean_distance_m) == index)
            .collect();
        if in_band.is_empty() {
            continue;
        }
        let flagged = in_band.iter().filter(|day| day.flagged).count();
        let _ = writeln!(
            text,
            "{:<10} {:>9} {:>8} {:>7}",
            band_label(index),
            in_band.len(),
            flagged,
            percent(ratio(flagged as u64, in_band.len() as u64))
        );
    }
    text
}

/// The part of a pair id that [`render_grouped`] groups by: the id split at every `/` and `>`,
/// part `index` (counted from 0); `None` when the id has fewer parts.
pub fn pair_part(pair: &str, index: usize) -> Option<&str> {
    pair.split(['/', '>']).nth(index)
}

/// The figures grouped by one part of the pair id (see [`pair_part`]), e.g. by environment,
/// rotation or carriage in a converted MIT LL file: per group, the scans' share in each
/// attenuation bucket, their mean and spread (standard deviation) of typical attenuation, and
/// the share of pair-days the rule flagged. Pair ids without that part fall in a group `-`.
pub fn render_grouped(evaluation: &Evaluation, part: usize) -> String {
    let mut groups: BTreeMap<&str, (Vec<&ScanResult>, Vec<&PairDay>)> = BTreeMap::new();
    for scan in &evaluation.scans {
        let key = pair_part(&scan.pair, part).unwrap_or("-");
        groups.entry(key).or_default().0.push(scan);
    }
    for day in &evaluation.pair_days {
        let key = pair_part(&day.pair, part).unwrap_or("-");
        groups.entry(key).or_default().1.push(day);
    }
    let width = groups
        .keys()
        .map(|key| key.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let mut text = String::new();
    let [immediate, near, medium] = evaluation.attenuation_thresholds_db;
    // `write!` to a String cannot fail.
    let _ = writeln!(
        text,
        "scans and pair-days by part {part} of the pair id \
         (immediate <= {immediate} dB, near <= {near} dB, medium <= {medium} dB, other)"
    );
    let _ = writeln!(
        text,
        "{:<width$} {:>6} {:>10} {:>6} {:>7} {:>6} {:>8} {:>6} {:>9} {:>8}",
        "group",
        "scans",
        "immediate",
        "near",
        "medium",
        "other",
        "mean dB",
        "sd dB",
        "pair-days",
        "flagged"
    );
    let percent = |part: usize, whole: usize| {
        ratio(part as u64, whole as u64).map_or("-".to_owned(), |v| format!("{:.0}%", 100.0 * v))
    };
    for (key, (scans, days)) in &groups {
        let mut buckets = [0_usize; 4];
        for scan in scans {
            buckets[evaluation.bucket(scan.typical_attenuation_db)] += 1;
        }
        let (mean, spread) = mean_and_spread(
            scans
                .iter()
                .map(|scan| f64::from(scan.typical_attenuation_db)),
        );
        let flagged = days.iter().filter(|day| day.flagged).count();
        let _ = writeln!(
            text,
            "{:<width$} {:>6} {:>10} {:>6} {:>7} {:>6} {:>8.1} {:>6.1} {:>9} {:>8}",
            key,
            scans.len(),
            percent(buckets[0], scans.len()),
            percent(buckets[1], scans.len()),
            percent(buckets[2], scans.len()),
            percent(buckets[3], scans.len()),
            mean,
            spread,
            days.len(),
            percent(flagged, days.len())
        );
    }
    let _ = writeln!(
        text,
        "\npair-days by part {part} of the pair id: the rule against a true contact (>= 15 min within d)"
    );
    let _ = writeln!(
        text,
        "{:<width$} {:<6} {:>5} {:>5} {:>5} {:>5} {:>7} {:>7} {:>9}",
        "group", "d", "TP", "FP", "FN", "TN", "recall", "FPR", "precision"
    );
    let share = |value: Option<f64>| value.map_or("-".to_owned(), |v| format!("{:.0}%", 100.0 * v));
    for (key, (_, days)) in &groups {
        for (index, distance) in CONTACT_DISTANCES_M.iter().enumerate() {
            let confusion = confusion_of(days.iter().copied(), index);
            let _ = writeln!(
                text,
                "{:<width$} {:<6} {:>5} {:>5} {:>5} {:>5} {:>7} {:>7} {:>9}",
                key,
                format!("{distance} m"),
                confusion.true_positives,
                confusion.false_positives,
                confusion.false_negatives,
                confusion.true_negatives,
                share(confusion.recall()),
                share(confusion.false_positive_rate()),
                share(confusion.precision())
            );
        }
    }
    text
}

/// The mean and the population standard deviation of some values (0 and 0 for none).
pub fn mean_and_spread(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let (count, sum) = values.clone().fold((0_usize, 0.0), |(count, sum), value| {
        (count + 1, sum + value)
    });
    if count == 0 {
        return (0.0, 0.0);
    }
    let mean = sum / count as f64;
    let variance = values.map(|value| (value - mean).powi(2)).sum::<f64>() / count as f64;
    (mean, variance.sqrt())
}
