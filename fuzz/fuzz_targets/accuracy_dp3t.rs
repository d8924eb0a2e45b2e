//! Rows of a DP-3T experiment 34 scene (`mimamori_accuracy::dp3t::convert`), then evaluated
//! with COCOA's rule: neither may panic. The SQLite file itself is read by rusqlite in the CLI;
//! what comes out of it is fuzzed here as lines of
//! `receiver_id,receiver_model,transmitter_id,timestamp,rssi,distance` (an empty distance is
//! NULL; lines that do not split into six fields with a number where one is due are skipped).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_accuracy::dp3t::{Row, convert};
use mimamori_gaen::{ExposureConfiguration, RiskRules};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let rows: Vec<Row> = text
        .lines()
        .filter_map(|line| {
            let [receiver, model, transmitter, timestamp, rssi, distance] =
                line.split(',').collect::<Vec<_>>()[..]
            else {
                return None;
            };
            Some(Row {
                receiver_id: receiver.to_owned(),
                receiver_model: model.to_owned(),
                transmitter_id: transmitter.to_owned(),
                timestamp: timestamp.parse().ok()?,
                rssi: rssi.parse().ok()?,
                ground_truth_distance: if distance.is_empty() {
                    None
                } else {
                    Some(distance.parse().ok()?)
                },
            })
        })
        .collect();
    if let Ok(conversion) = convert("fuzz", &rows) {
        assert!(conversion.readings.len() + conversion.without_distance == rows.len());
        let written = mimamori_accuracy::format_readings(&[], &conversion.readings);
        if !conversion.readings.is_empty() {
            let read = mimamori_accuracy::parse_readings(&written)
                .expect("converted readings must read back");
            assert_eq!(read, conversion.readings);
        }
        let evaluation = mimamori_accuracy::evaluate(
            &conversion.readings,
            &ExposureConfiguration::cocoa(),
            &RiskRules::cocoa(),
        );
        let _ = mimamori_accuracy::render(&evaluation);
    }
});
