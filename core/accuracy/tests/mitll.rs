//! The MIT LL converter on a log written by hand in the data set's format (not taken from it),
//! and, when `MIMAMORI_MITLL_DIR` points at a clone of the data set, on the real files against
//! counts made independently (docs/accuracy.md gives the Python check that made them).

use mimamori_accuracy::mitll::{
    self, Conversion, Placement, parse_iphone_log, readings, rotation_from_file_name,
};
use mimamori_accuracy::{Error, evaluate, format_readings, parse_readings};
use mimamori_gaen::{ExposureConfiguration, RiskRules};

/// Apple reference seconds 600000000 = Unix 1578307200. Offsets from the first test-phone row:
/// 0 (purse, −60), 1.5 (ear, −50), 4.5 (purse, −62), 9.25 (purse, −64); an unknown
/// advertiser, an RSSI of 127 and sensor rows are skipped.
const HAND_MADE_LOG: &str = "\
2020-01-06 10:39:58.000,Device,iPhone XR,Test, with a comma
2020-01-06 10:39:59.000,Range,6
2020-01-06 10:39:59.001,Angle,0
2020-01-06 10:40:00.000,Bluetooth,AAAA,-60,TestPhone2,8.0,600000000.0
2020-01-06 10:40:00.100,Accelerometer,0.1,0.2,0.3
2020-01-06 10:40:01.500,Bluetooth,BBBB,-50,TestPhone4,8.0,600000001.5
2020-01-06 10:40:02.000,Bluetooth,CCCC,-40,None,12.0,600000002.0
2020-01-06 10:40:03.750,Bluetooth,AAAA,127,TestPhone2,8.0,600000003.75
2020-01-06 10:40:04.500,Bluetooth,AAAA,-62,TestPhone2,8.0,600000004.5
2020-01-06 10:40:09.250,Bluetooth,AAAA,-64,TestPhone2,8.0,600000009.25
";

#[test]
fn a_hand_made_log_converts_to_the_hand_computed_readings() {
    let log = parse_iphone_log(HAND_MADE_LOG).unwrap();
    assert_eq!(log.range_feet, 6.0);
    assert!((log.range_m() - 1.8288).abs() < 1e-12);
    assert_eq!(log.unavailable_rssi, 1);
    assert_eq!(log.sightings.len(), 4);
    assert_eq!(log.sightings[1].placement, Placement::Ear);
    assert_eq!(log.sightings[0].at_unix, 1_578_307_200.0);

    // Default: TX −23 dBm, correction 0, 4 s slices 300 s apart.
    let converted = readings(&log, "lab", 90, &Conversion::default()).unwrap();
    let rows: Vec<(&str, u64, i8)> = converted
        .iter()
        .map(|r| (r.pair.as_str(), r.seen_at, r.rssi_dbm))
        .collect();
    assert_eq!(
        rows,
        [
            ("lab/90deg/iphone>TestPhone2-purse", 1_578_307_200, -60),
            // Offset 4.5: slice 1, 0.5 s into it.
            ("lab/90deg/iphone>TestPhone2-purse", 1_578_307_500, -62),
            // Offset 9.25: slice 2, 1.25 s into it.
            ("lab/90deg/iphone>TestPhone2-purse", 1_578_307_801, -64),
            ("lab/90deg/iphone>TestPhone4-ear", 1_578_307_201, -50),
        ]
    );
    assert!(
        converted
            .iter()
            .all(|r| r.tx_power_dbm == -23 && r.rssi_correction_db == 0)
    );
    // −23 − (−60) = 37 dB and so on.
    let attenuations: Vec<u32> = converted.iter().map(|r| r.attenuation_db()).collect();
    assert_eq!(attenuations, [37, 39, 41, 27]);

    let as_recorded = readings(
        &log,
        "lab",
        90,
        &Conversion {
            tx_power_dbm: -30,
            rssi_correction_db: 2,
            resample: None,
        },
    )
    .unwrap();
    let times: Vec<u64> = as_recorded.iter().map(|r| r.seen_at).collect();
    assert_eq!(
        times,
        [1_578_307_200, 1_578_307_204, 1_578_307_209, 1_578_307_201]
    );
    assert_eq!(as_recorded[0].attenuation_db(), 28);

    // Written, read back and evaluated: the purse pair is three scans, 120 + 300 + 300 s,
    // all at 1.83 m, too short for the rule (900 s).
    let text = format_readings(&[mitll::ATTRIBUTION], &converted);
    assert!(text.starts_with("# Converted from MIT Lincoln Laboratory"));
    let read = parse_readings(&text).unwrap();
    assert_eq!(read, converted);
    let evaluation = evaluate(&read, &ExposureConfiguration::cocoa(), &RiskRules::cocoa());
    let purse = &evaluation.pair_days[0];
    assert_eq!(purse.seconds, 720);
    assert_eq!(purse.seconds_within, [0, 0, 720]);
    assert!(!purse.flagged);
    let grouped = mimamori_accuracy::render_grouped(&evaluation, 3);
    assert!(grouped.contains("TestPhone2-purse"), "{grouped}");
    assert!(grouped.contains("TestPhone4-ear"), "{grouped}");
}

#[test]
fn malformed_logs_are_refused_by_line() {
    let refused = |text: &str| parse_iphone_log(text).unwrap_err();
    assert!(matches!(
        refused("2020-01-06 10:40:00.000,Bluetooth,A,-60,TestPhone2,8.0,600000000.0\n"),
        Error::MitllRange
    ));
    for (row, reason) in [
        ("t,Range,six", "line 1: the Range is not a number"),
        ("t,Range,-6", "line 1: the Range is not a number"),
        (
            "t,Bluetooth,A,-60,TestPhone1,8.0",
            "line 2: a test phone's Bluetooth row does not have 7 fields",
        ),
        (
            "t,Bluetooth,A,x,TestPhone1,8.0,600000000.0",
            "line 2: the RSSI is not a whole number",
        ),
        (
            "t,Bluetooth,A,21,TestPhone1,8.0,600000000.0",
            "line 2: the RSSI is not from -127 to 20",
        ),
        (
            "t,Bluetooth,A,-128,TestPhone1,8.0,600000000.0",
            "line 2: the RSSI is not from -127 to 20",
        ),
        (
            "t,Bluetooth,A,-60,TestPhone1,8.0,-978307201",
            "line 2: the last field is not seconds since 2001",
        ),
        (
            "t,Bluetooth,A,-60,TestPhone1,8.0,NaN",
            "line 2: the last field is not seconds since 2001",
        ),
    ] {
        let text = if row.contains("Range") {
            format!("{row}\n")
        } else {
            format!("t,Range,6\n{row}\n")
        };
        let message = refused(&text).to_string();
        assert!(message.contains(reason), "{row}: {message}");
    }
    // A "collect" spanning centuries cannot be laid out in 300 s steps before the year 9999.
    let long = parse_iphone_log(
        "t,Range,6\nt,Bluetooth,A,-60,TestPhone1,8.0,0\nt,Bluetooth,A,-60,TestPhone1,8.0,9000000000\n",
    )
    .unwrap();
    assert!(matches!(
        readings(&long, "x", 0, &Conversion::default()),
        Err(Error::MitllSpan)
    ));
    assert_eq!(
        readings(
            &long,
            "x",
            0,
            &Conversion {
                resample: None,
                ..Conversion::default()
            }
        )
        .unwrap()
        .len(),
        2
    );
    // Rows of other advertisers are not checked: they are not used.
    assert!(parse_iphone_log("t,Range,6\nt,Bluetooth,A,x,Someone,8.0\n").is_ok());
    assert_eq!(
        rotation_from_file_name("log_2020-05-05_16.55.43.834_315.txt"),
        Some(315)
    );
}

/// Counted by the Python check in docs/accuracy.md, not by this crate: 40 iPhone logs,
/// 112,217 test-phone readings with an RSSI, 1,262 distinct 4-second slices; per environment
/// (in folder order) the slices are 323, 351, 198, 189 and 201.
#[test]
fn the_real_data_set_converts_to_the_independently_counted_readings() {
    let Some(directory) = std::env::var_os("MIMAMORI_MITLL_DIR") else {
        assert!(
            std::env::var_os("MIMAMORI_REQUIRE_MITLL").is_none(),
            "MIMAMORI_REQUIRE_MITLL is set but MIMAMORI_MITLL_DIR is not"
        );
        eprintln!("MIMAMORI_MITLL_DIR not set: the real MIT LL data set is not checked");
        return;
    };
    let directory = std::path::PathBuf::from(directory);
    let mut all = Vec::new();
    let mut logs = 0;
    let mut environments = std::fs::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect::<Vec<_>>();
    environments.sort();
    for environment in environments {
        let iphone = environment.join("iPhone");
        if !iphone.is_dir() {
            continue;
        }
        let label = mitll::environment_label(environment.file_name().unwrap().to_str().unwrap());
        for file in std::fs::read_dir(&iphone).unwrap() {
            let file = file.unwrap().path();
            let rotation =
                rotation_from_file_name(file.file_name().unwrap().to_str().unwrap()).unwrap();
            let log = parse_iphone_log(&std::fs::read_to_string(&file).unwrap()).unwrap();
            logs += 1;
            all.extend(readings(&log, &label, rotation, &Conversion::default()).unwrap());
        }
    }
    assert_eq!(logs, 40);
    assert_eq!(all.len(), 112_217);
    let evaluation = evaluate(&all, &ExposureConfiguration::cocoa(), &RiskRules::cocoa());
    assert_eq!(evaluation.scans.len(), 1_262);
    for (environment, slices) in [
        ("anechoic-chamber", 323),
        ("screen-room", 351),
        ("conference-room", 198),
        ("conference-room-wall", 189),
        ("courtyard", 201),
    ] {
        let scans = evaluation
            .scans
            .iter()
            .filter(|scan| scan.pair.split('/').next() == Some(environment))
            .count();
        assert_eq!(scans, slices, "{environment}");
    }
}
