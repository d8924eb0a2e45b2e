//! The tuner on the hand-made scene (`data/hand-made.csv`, counted by hand in
//! `known_answers.rs`): at 1 m, a>b (51 dB), a>d (40 dB) and c>d (70 dB, a bag) are contacts;
//! a>c (70 dB) and b>c (55 dB) are not; every pair has 1,320 s.

use mimamori_accuracy::tuning::{
    Candidate, Costs, Objective, SearchSpace, area_under, profiles, roc, search,
};
use mimamori_accuracy::{Confusion, evaluate, parse_readings};
use mimamori_gaen::{ExposureConfiguration, RiskRules};

const HAND_MADE: &str = include_str!("../data/hand-made.csv");

fn counts(confusion: &Confusion) -> (u64, u64, u64, u64) {
    (
        confusion.true_positives,
        confusion.false_positives,
        confusion.false_negatives,
        confusion.true_negatives,
    )
}

#[test]
fn the_shortcut_agrees_with_the_engine() {
    let readings = parse_readings(HAND_MADE).unwrap();
    let configuration = ExposureConfiguration::cocoa();
    let rules = RiskRules::cocoa();
    let evaluation = evaluate(&readings, &configuration, &rules);
    let days = profiles(&evaluation);
    assert_eq!(days.len(), 5);
    assert_eq!(days[0].seconds_by_attenuation, [(51, 1320)]);
    let cocoa = Candidate::of(&configuration, &rules).unwrap();
    assert_eq!(cocoa.thresholds_db, [46, 60, 65]);
    assert_eq!(cocoa.score_threshold, 1350.0);
    for candidate in [
        cocoa,
        Candidate {
            thresholds_db: [50, 54, 65],
            weights: [1.0, 2.5, 1.3, 0.01],
            score_threshold: 1170.0,
        },
        Candidate {
            thresholds_db: [52, 56, 72],
            weights: [2.5, 0.5, 1.0, 0.0],
            score_threshold: 900.0,
        },
    ] {
        let engine = evaluate(
            &readings,
            &candidate.configuration(&configuration),
            &candidate.rules(&rules),
        );
        for index in 0..3 {
            assert_eq!(
                candidate.confusion(&days, index),
                engine.confusion(index),
                "{candidate:?} at {index}"
            );
        }
    }
}

#[test]
fn the_cost_and_the_roc_have_hand_computed_values() {
    // COCOA at 1 m: TP 1, FP 1, FN 2, TN 1. P_miss 2/3, P_fa 1/2, prior 0.5:
    // (2/3 × 0.5 + 1/2 × 0.5) / min(0.5, 0.5) = 7/6.
    let cocoa = Confusion {
        true_positives: 1,
        false_positives: 1,
        false_negatives: 2,
        true_negatives: 1,
    };
    let cost = Costs::default().normalised(&cocoa).unwrap();
    assert!((cost - 7.0 / 6.0).abs() < 1e-12, "{cost}");
    // Misses ten times as costly, prior 0.1: (10 × 2/3 × 0.1 + 1/2 × 0.9) / min(1, 0.9).
    let weighted = Costs {
        miss: 10.0,
        false_alarm: 1.0,
        target_prior: 0.1,
    }
    .normalised(&cocoa)
    .unwrap();
    assert!((weighted - (2.0 / 3.0 + 0.45) / 0.9).abs() < 1e-12);
    assert_eq!(Costs::default().normalised(&Confusion::default()), None);

    // Scores: a>b 3300 (contact), b>c 3300 (not), a>d 1320 (contact), a>c and c>d 13.2 (one
    // each). Points: nothing, then (FPR 1/2, TPR 1/3), (1/2, 2/3), (1, 1); area 1/12 + 5/12.
    let evaluation = evaluate(
        &parse_readings(HAND_MADE).unwrap(),
        &ExposureConfiguration::cocoa(),
        &RiskRules::cocoa(),
    );
    let days = profiles(&evaluation);
    let curve = roc(&days, [46, 60, 65], [1.0, 2.5, 1.3, 0.01], 0).unwrap();
    let points: Vec<(f64, f64, f64)> = curve
        .iter()
        .map(|p| {
            (
                p.score_threshold,
                p.false_positive_rate,
                p.true_positive_rate,
            )
        })
        .collect();
    assert_eq!(points.len(), 4);
    assert_eq!(points[0].1, 0.0);
    assert_eq!(
        (points[1].0, points[1].1, points[1].2),
        (3300.0, 0.5, 1.0 / 3.0)
    );
    assert_eq!(
        (points[2].0, points[2].1, points[2].2),
        (1320.0, 0.5, 2.0 / 3.0)
    );
    assert!((points[3].0 - 13.2).abs() < 1e-9);
    assert_eq!((points[3].1, points[3].2), (1.0, 1.0));
    assert!((area_under(&curve) - 0.5).abs() < 1e-12);
}

#[test]
fn the_search_finds_the_best_separation_and_the_engine_confirms_it() {
    let readings = parse_readings(HAND_MADE).unwrap();
    let configuration = ExposureConfiguration::cocoa();
    let rules = RiskRules::cocoa();
    let days = profiles(&evaluate(&readings, &configuration, &rules));
    let space = SearchSpace {
        thresholds_db: vec![40, 52, 54, 56, 60, 70],
        weights: [
            vec![1.0, 2.5],
            vec![0.5, 2.5],
            vec![0.5, 1.3],
            vec![0.01, 2.5],
        ],
        score_thresholds: vec![900.0, 1350.0],
    };
    assert_eq!(space.len(), 20 * 16 * 2);

    // The lowest cost: flag a>b (51) and a>d (40), not b>c (55); c>d and a>c look alike
    // (70 dB, 1,320 s), so one of them is always wrong: TP 2, FP 0, FN 1, TN 2, cost 1/3.
    let best = search(
        &days,
        0,
        &space,
        Objective::Cost(Costs::default()),
        Costs::default(),
    )
    .unwrap();
    assert_eq!(counts(&best.confusion), (2, 0, 1, 2));
    assert!((best.cost.unwrap() - 1.0 / 3.0).abs() < 1e-12);
    let engine = evaluate(
        &readings,
        &best.candidate.configuration(&configuration),
        &best.candidate.rules(&rules),
    );
    assert_eq!(engine.confusion(0), best.confusion);
    let flagged: Vec<&str> = engine
        .pair_days
        .iter()
        .filter(|day| day.flagged)
        .map(|day| day.pair.as_str())
        .collect();
    assert_eq!(flagged, ["a>b", "a>d"]);

    // Every contact found: c>d must be flagged, so a>c is too; b>c need not be: FPR 1/2.
    let all = search(&days, 0, &space, Objective::Recall(1.0), Costs::default()).unwrap();
    assert_eq!(counts(&all.confusion), (3, 1, 0, 1));
    // Nothing reaches a recall above 1.
    assert!(search(&days, 0, &space, Objective::Recall(1.01), Costs::default()).is_none());
}

#[test]
fn the_roc_svg_draws_each_curve_and_escapes_labels() {
    let evaluation = evaluate(
        &parse_readings(HAND_MADE).unwrap(),
        &ExposureConfiguration::cocoa(),
        &RiskRules::cocoa(),
    );
    let days = profiles(&evaluation);
    let curve = roc(&days, [46, 60, 65], [1.0, 2.5, 1.3, 0.01], 0).unwrap();
    let svg = mimamori_accuracy::tuning::roc_svg("<1 m & 15 min>", &[("COCOA's", &curve)]);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("&lt;1 m &amp; 15 min&gt;"));
    assert!(!svg.contains("<script"));
    assert_eq!(svg.matches("<polyline").count(), 1);
    assert!(svg.contains("COCOA's (area 0.500)"), "{svg}");
    // (FPR 0, TPR 0) is the bottom-left corner: x 48, y 408; (1, 1) the top-right.
    assert!(svg.contains("points=\"48.0,408.0 "), "{svg}");
    assert!(svg.contains(" 408.0,48.0\""), "{svg}");
}
