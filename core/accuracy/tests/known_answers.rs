//! The evaluation and the loader on a tiny hand-made input whose answers are counted by hand.

use mimamori_accuracy::evaluation::{CONTACT_DISTANCES_M, band, band_label};
use mimamori_accuracy::{Error, evaluate, parse_readings, render};
use mimamori_gaen::{ExposureConfiguration, RiskRules};

const HAND_MADE: &str = include_str!("../data/hand-made.csv");

/// By hand, with COCOA's files (buckets ≤46 / ≤60 / ≤65 dB weighing 1.0 / 2.5 / 1.3 / 0.01;
/// flagged when ScoreSum ≥ 1350 and SecondsSinceLastScanSum ≥ 900). Every pair has five scans
/// 5 minutes apart: 120 + 4 × 300 = 1320 s, all at one distance.
/// - a>b, 0.5 m, 49 and 52 dB (typical 51, near): 1320 × 2.5 = 3300 → flagged; contact. TP.
/// - a>c, 3 m, 70 dB (other): 13.2 → not flagged; no contact. TN.
/// - b>c, 3 m, 55 dB (near): 3300 → flagged; no contact. FP.
/// - c>d, 0.8 m, 70 dB (a phone in a bag): not flagged; contact. FN.
/// - a>d, 0.5 m, 40 dB (immediate, weight 1.0): 1320 < 1350 → not flagged; contact. FN: with
///   COCOA's weights, 20 minutes face to face scores less than 20 minutes a little further.
#[test]
fn the_hand_made_scene_gives_the_hand_counted_confusion() {
    let readings = parse_readings(HAND_MADE).unwrap();
    assert_eq!(readings.len(), 30);
    let evaluation = evaluate(
        &readings,
        &ExposureConfiguration::cocoa(),
        &RiskRules::cocoa(),
    );

    let days: Vec<(&str, u64, f64, bool)> = evaluation
        .pair_days
        .iter()
        .map(|day| (day.pair.as_str(), day.seconds, day.score_sum, day.flagged))
        .collect();
    let expected = [
        ("a>b", 1320, 3300.0, true),
        ("a>c", 1320, 13.2, false),
        ("a>d", 1320, 1320.0, false),
        ("b>c", 1320, 3300.0, true),
        ("c>d", 1320, 13.2, false),
    ];
    assert_eq!(days.len(), expected.len());
    for (found, wanted) in days.iter().zip(expected) {
        assert_eq!(found.0, wanted.0);
        assert_eq!(found.1, wanted.1, "{}", wanted.0);
        assert!((found.2 - wanted.2).abs() < 1e-9, "{found:?}");
        assert_eq!(found.3, wanted.3, "{}", wanted.0);
    }
    let a_b: Vec<u32> = evaluation
        .scans
        .iter()
        .filter(|scan| scan.pair == "a>b")
        .map(|scan| scan.typical_attenuation_db)
        .collect();
    assert_eq!(
        a_b, [51; 5],
        "two readings 2 s apart make one scan, rounded half up"
    );

    for index in 0..CONTACT_DISTANCES_M.len() {
        let confusion = evaluation.confusion(index);
        assert_eq!(confusion.true_positives, 1);
        assert_eq!(confusion.false_positives, 1);
        assert_eq!(confusion.false_negatives, 2);
        assert_eq!(confusion.true_negatives, 1);
        assert_eq!(confusion.recall(), Some(1.0 / 3.0));
        assert_eq!(confusion.false_positive_rate(), Some(0.5));
        assert_eq!(confusion.precision(), Some(0.5));
    }

    let figures = render(&evaluation);
    assert!(
        figures.contains("1 m        1     1     2     1     33%     50%       50%"),
        "{figures}"
    );
    // 0.5 m scans: a>b near (5), a>d immediate (5).
    assert!(
        figures.contains("<= 0.5 m        10        50%    50%      0%     0%"),
        "{figures}"
    );
}

#[test]
fn a_contact_needs_fifteen_minutes_within_the_distance() {
    // Three scans 5 minutes apart at 0.5 m: 120 + 2 × 300 = 720 s < 900: no contact, and the
    // rule's SecondsSinceLastScanSum >= 900 does not hold either.
    let mut csv = String::from(mimamori_accuracy::readings::HEADER);
    for (scan, distance) in [(0, 0.5), (1, 0.5), (2, 0.5), (3, 2.5)] {
        csv += &format!("\n{},x>y,-74,-24,0,{distance}", 1_585_785_600 + scan * 300);
    }
    let evaluation = evaluate(
        &parse_readings(&csv).unwrap(),
        &ExposureConfiguration::cocoa(),
        &RiskRules::cocoa(),
    );
    let day = &evaluation.pair_days[0];
    assert_eq!(day.seconds, 1020);
    assert_eq!(day.seconds_within, [720, 720, 720]);
    assert!(!day.is_contact(0));
    // 1020 s at 50 dB: 2550 ≥ 1350 and 1020 ≥ 900: the rule flags what was 3 scans near and
    // one far: a false positive at every distance.
    assert!(day.flagged);
    assert_eq!(evaluation.confusion(2).false_positives, 1);
    // (0.5 × 120 + 0.5 × 300 + 0.5 × 300 + 2.5 × 300) ÷ 1020
    assert!((day.mean_distance_m - 1110.0 / 1020.0).abs() < 1e-9);
}

#[test]
fn readings_far_apart_in_time_are_evaluated_without_overflow() {
    let csv = format!(
        "{}\n0,a>b,-60,-24,0,1\n{},a>b,-60,-24,0,1\n",
        mimamori_accuracy::readings::HEADER,
        mimamori_accuracy::readings::MAX_SEEN_AT
    );
    let evaluation = evaluate(
        &parse_readings(&csv).unwrap(),
        &ExposureConfiguration::cocoa(),
        &RiskRules::cocoa(),
    );
    assert_eq!(evaluation.scans.len(), 2);
    assert_eq!(evaluation.pair_days.len(), 2);
    assert!(evaluation.pair_days.iter().all(|day| !day.flagged));
}

#[test]
fn bands_have_readable_labels() {
    assert_eq!(band(0.0), 0);
    assert_eq!(band(1.0), 1);
    assert_eq!(band(1.01), 2);
    assert_eq!(band(40.0), 6);
    assert_eq!(band_label(0), "<= 0.5 m");
    assert_eq!(band_label(1), "0.5-1 m");
    assert_eq!(band_label(6), "> 5 m");
}

#[test]
fn the_loader_refuses_malformed_rows_by_line() {
    let header = mimamori_accuracy::readings::HEADER;
    let refused = |text: &str| parse_readings(text).unwrap_err().to_string();
    assert!(refused("").contains("has no readings"));
    assert!(refused(&format!("# only a header\n{header}\n")).contains("has no readings"));
    assert!(refused("time,pair,rssi\n1,a>b,-60\n").starts_with("line 1: the header must be"));
    let row = |line: &str| refused(&format!("# note\n\n{header}\n1,a>b,-60,-24,0,1\n{line}\n"));
    for (line, reason) in [
        ("2,a>b,-60,-24,0", "line 5: has 5 fields, not 6"),
        ("2,a>b,-60,-24,0,1,7", "line 5: has 7 fields, not 6"),
        (
            "-2,a>b,-60,-24,0,1",
            "line 5: seen_at is not a whole number",
        ),
        (
            "2.5,a>b,-60,-24,0,1",
            "line 5: seen_at is not a whole number",
        ),
        ("2,,-60,-24,0,1", "line 5: pair is empty"),
        ("2,a>b,21,-24,0,1", "line 5: rssi_dbm is above 20 dBm"),
        (
            "2,a>b,-128,-24,0,1",
            "line 5: rssi_dbm is not a whole number",
        ),
        (
            "2,a>b,-60,x,0,1",
            "line 5: tx_power_dbm is not a whole number",
        ),
        (
            "2,a>b,-60,-24,300,1",
            "line 5: rssi_correction_db is not a whole number",
        ),
        (
            "2,a>b,-60,-24,0,-1",
            "line 5: distance_m is not a number of metres",
        ),
        (
            "2,a>b,-60,-24,0,NaN",
            "line 5: distance_m is not a number of metres",
        ),
        (
            "2,a>b,-60,-24,0,inf",
            "line 5: distance_m is not a number of metres",
        ),
    ] {
        let message = row(line);
        assert!(message.starts_with(reason), "{line}: {message}");
    }
    let Error::Row { line, .. } =
        parse_readings(&format!("{header}\n1,a>b,-60,-24,0,x\n")).unwrap_err()
    else {
        panic!("not a row error");
    };
    assert_eq!(line, 2);
}

#[test]
fn the_optional_columns_are_read_and_their_bad_values_refused_by_line() {
    use mimamori_accuracy::Carriage;
    use mimamori_accuracy::readings::HEADER_WITH_CONTEXT;
    let read = parse_readings(&format!(
        "{HEADER_WITH_CONTEXT}\n1,a>b,-60,-24,0,1,hand,yes\n2,a>b,-60,-24,0,1,pocket,no\n\
         3,a>b,-60,-24,0,1,bag,\n4,a>b,-60,-24,0,1,,\n"
    ))
    .unwrap();
    let context: Vec<_> = read.iter().map(|r| (r.carriage, r.body_between)).collect();
    assert_eq!(
        context,
        [
            (Some(Carriage::Hand), Some(true)),
            (Some(Carriage::Pocket), Some(false)),
            (Some(Carriage::Bag), None),
            (None, None),
        ]
    );
    let example = parse_readings(include_str!("../data/hand-made-with-context.csv")).unwrap();
    assert_eq!(example.len(), 5);
    assert_eq!(example[1].carriage, Some(Carriage::Pocket));
    assert_eq!(example[4].body_between, None);
    // The 6-column format is unchanged: both unknown.
    let old = parse_readings(
        "seen_at,pair,rssi_dbm,tx_power_dbm,rssi_correction_db,distance_m\n1,a>b,-60,-24,0,1\n",
    )
    .unwrap();
    assert_eq!((old[0].carriage, old[0].body_between), (None, None));
    let refused = |line: &str| {
        parse_readings(&format!(
            "{HEADER_WITH_CONTEXT}\n1,a>b,-60,-24,0,1,hand,no\n{line}\n"
        ))
        .unwrap_err()
        .to_string()
    };
    for (line, reason) in [
        ("2,a>b,-60,-24,0,1", "line 3: has 6 fields, not 8"),
        ("2,a>b,-60,-24,0,1,hand", "line 3: has 7 fields, not 8"),
        (
            "2,a>b,-60,-24,0,1,Hand,no",
            "line 3: carriage is not `hand`",
        ),
        (
            "2,a>b,-60,-24,0,1,purse,no",
            "line 3: carriage is not `hand`",
        ),
        (
            "2,a>b,-60,-24,0,1,hand,true",
            "line 3: body_between is not `yes`",
        ),
        (
            "2,a>b,-60,-24,0,1,hand,1",
            "line 3: body_between is not `yes`",
        ),
    ] {
        let message = refused(line);
        assert!(message.starts_with(reason), "{line}: {message}");
    }
}
