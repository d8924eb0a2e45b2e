//! The DP-3T experiment 34 loader on rows written by hand in its table's shape (no data from
//! the experiment: its licence allows no derivatives to be shared).

use mimamori_accuracy::dp3t::{Row, convert, model_of_phone, scene_label};
use mimamori_accuracy::{Error, evaluate};
use mimamori_gaen::{ExposureConfiguration, RiskRules};

fn row(receiver: &str, transmitter: &str, at: f64, rssi: i64, distance: Option<f64>) -> Row {
    Row {
        receiver_id: receiver.to_owned(),
        receiver_model: "SM-G981B/DS".to_owned(),
        transmitter_id: transmitter.to_owned(),
        timestamp: at,
        rssi,
        ground_truth_distance: distance,
    }
}

/// Phone 6 (Galaxy S20) hears phone 2 (Galaxy S10): both +5 dB / −24 dBm in Google's table,
/// so −80 dBm is −24 − (−80 + 5) = 51 dB (near). Five scans 5 minutes apart at 0.8 m:
/// 120 + 4 × 300 = 1320 s, × 2.5 = 3300 ≥ 1350: flagged, and a contact at 1 m. Phone 6 also
/// hears phone 14 ("RobGA40") at 3 m at −95 dBm (66 dB, other): not flagged, no contact.
#[test]
fn hand_written_rows_convert_and_evaluate_to_the_hand_counted_answer() {
    let start = 1_596_096_000.0; // 2020-07-30 08:00 UTC
    let mut rows = Vec::new();
    for scan in 0..5 {
        let at = start + f64::from(scan) * 300.0;
        rows.push(row("6", "2", at + 0.25, -80, Some(0.8)));
        rows.push(row("6", "2", at + 1.5, -80, Some(0.8)));
        rows.push(row("6", "14", at + 2.0, -95, Some(3.0)));
    }
    // Out of the cameras' view: dropped and counted.
    rows.push(row("6", "2", start + 2.5, -60, None));
    // A receiver model that is not the README's for phone 6: counted, still converted.
    let mut odd = row("6", "14", start + 3.0, -95, Some(3.0));
    odd.receiver_model = "SM-G973F".to_owned();
    rows.push(odd);

    let conversion = convert("lunch", &rows).unwrap();
    assert_eq!(conversion.without_distance, 1);
    assert_eq!(conversion.receiver_model_mismatches, 1);
    assert_eq!(conversion.readings.len(), 16);
    let first = &conversion.readings[0];
    assert_eq!(first.pair, "lunch/6>2");
    assert_eq!(first.seen_at, 1_596_096_000);
    assert_eq!((first.tx_power_dbm, first.rssi_correction_db), (-24, 5));
    assert_eq!(first.attenuation_db(), 51);
    assert_eq!(conversion.readings[2].attenuation_db(), 66);

    let evaluation = evaluate(
        &conversion.readings,
        &ExposureConfiguration::cocoa(),
        &RiskRules::cocoa(),
    );
    let days: Vec<(&str, u64, f64, bool)> = evaluation
        .pair_days
        .iter()
        .map(|day| (day.pair.as_str(), day.seconds, day.score_sum, day.flagged))
        .collect();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0].0, "lunch/6>14");
    assert_eq!(days[0].1, 1320);
    assert!((days[0].2 - 13.2).abs() < 1e-9, "{days:?}");
    assert!(!days[0].3);
    assert_eq!(days[1], ("lunch/6>2", 1320, 3300.0, true));
    let at_1_m = evaluation.confusion(0);
    assert_eq!(
        (
            at_1_m.true_positives,
            at_1_m.false_positives,
            at_1_m.false_negatives,
            at_1_m.true_negatives
        ),
        (1, 0, 0, 1)
    );
}

#[test]
fn unusable_rows_are_refused_by_number() {
    let good = row("1", "22", 1_596_096_000.0, -70, Some(1.0));
    let refused = |bad: Row| {
        let message = convert("x", &[good.clone(), bad]).unwrap_err().to_string();
        assert!(message.starts_with("DP-3T results row 2: "), "{message}");
        message
    };
    assert!(refused(row("23", "1", 0.0, -70, Some(1.0))).contains("receiver id"));
    assert!(refused(row("1", "Alice", 0.0, -70, Some(1.0))).contains("transmitter id"));
    assert!(refused(row("1", "2", 0.0, 21, Some(1.0))).contains("RSSI"));
    assert!(refused(row("1", "2", 0.0, -128, Some(1.0))).contains("RSSI"));
    assert!(refused(row("1", "2", 0.0, i64::MAX, Some(1.0))).contains("RSSI"));
    assert!(refused(row("1", "2", f64::NAN, -70, Some(1.0))).contains("timestamp"));
    assert!(refused(row("1", "2", -1.0, -70, Some(1.0))).contains("timestamp"));
    assert!(refused(row("1", "2", 1e300, -70, Some(1.0))).contains("timestamp"));
    assert!(refused(row("1", "2", 0.0, -70, Some(-0.5))).contains("distance"));
    assert!(refused(row("1", "2", 0.0, -70, Some(f64::INFINITY))).contains("distance"));
    assert!(matches!(
        convert("x", &[row("0", "1", 0.0, -70, None)]),
        Err(Error::Dp3t { row: 1, .. })
    ));
    // Phone 14 has no number in its README name ("RobGA40") but is a Galaxy A40.
    assert_eq!(model_of_phone(14).unwrap().short_name, "GA40");
    assert_eq!(scene_label("scenario05-party.sqlite"), "party");
}
