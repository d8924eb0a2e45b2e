//! The `mimamori` binary, run as a user would run it.

use std::path::Path;
use std::process::Output;

use crate::common::{assert_contains_all, flag, mimamori, mimamori_then, stderr, stdout};

const TEK: &str = "75c734c6dd1a782de7a965da5eb93125";
const VECTORS: &str = include_str!("../../core/gaen/tests/data/gaen-test-vectors.txt");

/// The official vectors' rows as `ENIN RPI AEM` lines.
fn vector_lines() -> Vec<String> {
    VECTORS
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(
            |line| match line.split_whitespace().collect::<Vec<_>>().as_slice() {
                [_, enin, rpi, aem] if rpi.len() == 32 => Some(format!("{enin} {rpi} {aem}")),
                _ => None,
            },
        )
        .collect()
}

#[test]
fn ids_prints_the_official_vectors() {
    let out = stdout(&mimamori(&[
        "ids",
        "--tek",
        TEK,
        "--interval",
        "2642976",
        "--metadata",
        "40080000",
    ]));
    let lines: Vec<String> = out.lines().map(str::to_owned).collect();
    assert_eq!(lines, vector_lines());
}

#[test]
fn ids_without_metadata_prints_rpis_only() {
    let out = stdout(&mimamori(&["ids", "--tek", TEK, "--interval", "2642976"]));
    let expected: Vec<String> = vector_lines()
        .iter()
        .map(|line| line.rsplit_once(' ').unwrap().0.to_owned())
        .collect();
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn ids_rejects_bad_keys_and_periods() {
    let error = stderr(&mimamori(&["ids", "--tek", "1234", "--interval", "1"]));
    assert!(
        error.contains("temporary exposure key is not valid hex: expected 32 hex digits, got 4"),
        "{error}"
    );
    let error = stderr(&mimamori(&[
        "ids",
        "--tek",
        TEK,
        "--interval",
        "1",
        "--period",
        "145",
    ]));
    assert!(error.contains("--period must be 1 to 144"), "{error}");
    let error = stderr(&mimamori(&[
        "ids",
        "--tek",
        TEK,
        "--interval",
        "4294967295",
    ]));
    assert!(error.contains("too large"), "{error}");
}

#[test]
fn ble_advert_and_parse_round_trip() {
    let advert = stdout(&mimamori(&[
        "ble",
        "advert",
        "--tek",
        TEK,
        "--interval",
        "2642976",
        "--metadata",
        "40080000",
    ]));
    assert_eq!(
        advert.trim(),
        "02011a03036ffd17166ffd8be6cd371c5c891604bfbe49df84509672033874"
    );
    let parsed = stdout(&mimamori(&["ble", "parse", advert.trim()]));
    assert_eq!(
        parsed,
        "RPI 8be6cd371c5c891604bfbe49df845096\nAEM 72033874\n"
    );
    // Android's flags value and the bare service data are read too.
    let android = advert.trim().replacen("02011a", "020106", 1);
    assert_eq!(stdout(&mimamori(&["ble", "parse", &android])), parsed);
    let service_data = &advert.trim()[22..];
    assert_eq!(stdout(&mimamori(&["ble", "parse", service_data])), parsed);
}

#[test]
fn ble_parse_explains_bad_input() {
    let error = stderr(&mimamori(&["ble", "parse", "02011a03036ffd17166ffd8be6"]));
    assert!(
        error.contains("not an Exposure Notification advertisement"),
        "{error}"
    );
    let error = stderr(&mimamori(&["ble", "parse", "zz"]));
    assert!(error.contains("non-hex character"), "{error}");
    let error = stderr(&mimamori(&["ble", "parse", "日本"]));
    assert!(error.contains("non-ASCII"), "{error}");
    let error = stderr(&mimamori(&["ble", "parse", "abc"]));
    assert!(error.contains("odd number"), "{error}");
}

#[test]
fn advertise_keeps_the_key_across_runs_and_refuses_a_foreign_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("phone");
    let data = data.to_str().unwrap();
    let first = stdout(&mimamori(&["advertise", "--data-dir", data]));
    assert_contains_all(
        &first,
        &["advertising: 02011a03036ffd17166ffd", "(1 keys stored)"],
    );
    let interval_lines = |out: &str| -> Vec<String> {
        out.lines()
            .filter(|l| l.starts_with("  ") && l.as_bytes()[2].is_ascii_digit())
            .map(str::to_owned)
            .collect()
    };
    let today = interval_lines(&first);
    assert_eq!(today.len(), 144, "{first}");
    assert_eq!(
        first
            .lines()
            .filter(|line| line.ends_with("<- now"))
            .count(),
        1
    );
    let second = stdout(&mimamori(&[
        "advertise",
        "--data-dir",
        data,
        "--tx-power",
        "-8",
    ]));
    let second_today = interval_lines(&second);
    // The same key (same RPIs) after a restart, unless the run crossed midnight UTC.
    if first.lines().nth(1) == second.lines().nth(1) {
        let rpis = |lines: &[String]| {
            lines
                .iter()
                .map(|l| l.split_whitespace().nth(2).unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(rpis(&today), rpis(&second_today));
    }

    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(
        foreign.join("mimamori.sqlite3"),
        b"not a database at all, just some text",
    )
    .unwrap();
    let error = stderr(&mimamori(&[
        "advertise",
        "--data-dir",
        foreign.to_str().unwrap(),
    ]));
    assert!(error.contains("damaged or is not a database"), "{error}");
    assert_eq!(
        std::fs::read(foreign.join("mimamori.sqlite3")).unwrap(),
        b"not a database at all, just some text"
    );
    let error = stderr(&mimamori(&[
        "advertise",
        "--data-dir",
        data,
        "--confidence",
        "7",
    ]));
    assert!(
        error.contains("calibration confidence must be 0 to 3"),
        "{error}"
    );
}

/// Windows of 2020-04-05 (a near contact of 900 s: 2250 points) and 2020-04-06 (600 s).
const WINDOWS: &str = r#"[
  {"dateMillisSinceEpoch": 1586044800000, "reportType": 1, "infectiousness": 2, "calibrationConfidence": 0,
   "scanInstances": [{"minAttenuationDb": 50, "typicalAttenuationDb": 55, "secondsSinceLastScan": 300},
                     {"minAttenuationDb": 50, "typicalAttenuationDb": 55, "secondsSinceLastScan": 300},
                     {"minAttenuationDb": 50, "typicalAttenuationDb": 55, "secondsSinceLastScan": 300}]},
  {"dateMillisSinceEpoch": 1586131200000, "reportType": 1, "infectiousness": 2, "calibrationConfidence": 3,
   "scanInstances": [{"minAttenuationDb": 40, "typicalAttenuationDb": 44, "secondsSinceLastScan": 300},
                     {"minAttenuationDb": 60, "typicalAttenuationDb": 70, "secondsSinceLastScan": 300}]}
]"#;

/// `mimamori risk` of the windows file `windows`, with the rules file `rules` if given.
fn risk(windows: &Path, rules: Option<&Path>) -> Output {
    mimamori_then(
        &["risk", "--windows", windows.to_str().unwrap()],
        &flag("--rules", rules.map(|rules| rules.to_str().unwrap())),
    )
}

#[test]
fn risk_prints_one_line_per_day_with_cocoas_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let windows = dir.path().join("windows.json");
    std::fs::write(&windows, WINDOWS).unwrap();
    let out = stdout(&risk(&windows, None));
    assert_eq!(
        out,
        "2020-04-05 score_sum=2250 weighted_duration=2250 seconds=900 high_risk=true\n\
         2020-04-06 score_sum=303 weighted_duration=303 seconds=600 high_risk=false\n"
    );
    // COCOA's files given explicitly give the same answer.
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/gaen/data/cocoa/configuration.json"
    );
    let rules = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/gaen/data/cocoa/risk_calculation_configuration.json"
    );
    let explicit = stdout(&mimamori(&[
        "risk",
        "--windows",
        windows.to_str().unwrap(),
        "--config",
        config,
        "--rules",
        rules,
    ]));
    assert_eq!(explicit, out);
}

#[test]
fn risk_follows_the_given_rules() {
    let dir = tempfile::tempdir().unwrap();
    let windows = dir.path().join("windows.json");
    std::fs::write(&windows, WINDOWS).unwrap();
    let rules = dir.path().join("rules.json");
    std::fs::write(
        &rules,
        r#"{"format_version":1,"DailySummary_DaySummary_ScoreSum":{"op":">=","value":300.0},
            "ExposureWindow_ScanInstance_SecondsSinceLastScanSum":{"op":">=","value":600.0}}"#,
    )
    .unwrap();
    let out = stdout(&risk(&windows, Some(&rules)));
    assert!(
        out.contains("2020-04-06 score_sum=303 weighted_duration=303 seconds=600 high_risk=true"),
        "{out}"
    );
}

#[test]
fn risk_explains_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let windows = dir.path().join("windows.json");
    std::fs::write(
        &windows,
        r#"[{"dateMillisSinceEpoch": 1, "scanInstances": []}]"#,
    )
    .unwrap();
    let error = stderr(&risk(&windows, None));
    assert_contains_all(
        &error,
        &[
            "is not a JSON array of exposure windows",
            "missing field `reportType`",
        ],
    );
    let error = stderr(&risk(Path::new("/nonexistent/windows.json"), None));
    assert!(
        error.contains("cannot read /nonexistent/windows.json"),
        "{error}"
    );
    std::fs::write(&windows, WINDOWS).unwrap();
    let rules = dir.path().join("rules.json");
    std::fs::write(
        &rules,
        r#"{"DailySummary_DaySummary_ScoreSum":{"op":"=>","value":1}}"#,
    )
    .unwrap();
    let error = stderr(&risk(&windows, Some(&rules)));
    assert!(error.contains("operator \"=>\" is not one of"), "{error}");
}

#[test]
fn calibration_looks_models_up() {
    let out = stdout(&mimamori(&[
        "calibration",
        "--manufacturer",
        "Google",
        "--device",
        "blueline",
        "--model",
        "Pixel 3",
    ]));
    assert_eq!(
        out,
        "rssi_correction=5 tx_power=-33 confidence=3 (en_calibration_2020_08_12)\n"
    );
    let out = stdout(&mimamori(&[
        "calibration",
        "--manufacturer",
        "x",
        "--device",
        "y",
        "--model",
        "z",
    ]));
    assert!(
        out.starts_with("rssi_correction=4 tx_power=-23 confidence=0 (not in the table"),
        "{out}"
    );
}

const SAMPLE_ZIP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/gaen/tests/data/gaen-sample/testExport-2-records-1-of-1.zip"
);
const SAMPLE_PEM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/gaen/tests/data/gaen-sample/testExport-public.pem"
);
const CWA_KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEc7DEstcUIRcyk35OYDJ95/hTg3UVhsaDXKT0zK7NhHPXoyzipEnOp3GyNXDVpaPi3cAfQmxeuFMZAIX2+6A5Xg==";

#[test]
fn export_inspect_prints_the_sample_and_checks_its_signature() {
    let out = stdout(&mimamori(&["export", "inspect", SAMPLE_ZIP]));
    assert_eq!(
        out,
        "region: US\n\
         time range: 2020-05-22T15:00:00Z to 2020-05-23T15:00:00Z\n\
         batch: 1 of 1\n\
         keys: 2\n\
         revised keys: 0\n\
         rolling period < 144: 2 of 2 keys\n\
         export.bin: 135 bytes, SHA-256 38edb6fc758d9ba014eb66226a9ee580201de3a985dca5467234c5f41099ad3f\n\
         signature 1: key id some_id, version 1, algorithm 1.2.840.10045.4.3.2: not checked: no --public-key\n"
    );
    let verified = stdout(&mimamori(&[
        "export",
        "inspect",
        SAMPLE_ZIP,
        "--public-key",
        SAMPLE_PEM,
    ]));
    assert!(
        verified.ends_with("algorithm 1.2.840.10045.4.3.2: verified\n"),
        "{verified}"
    );
    // With a key that verifies no signature: everything is printed, and the exit is non-zero.
    let wrong = mimamori(&["export", "inspect", SAMPLE_ZIP, "--public-key", CWA_KEY]);
    let printed = String::from_utf8(wrong.stdout.clone()).unwrap();
    assert!(printed.ends_with(": does not verify\n"), "{printed}");
    let error = stderr(&wrong);
    assert!(
        error.contains("no signature of") && error.contains("verifies with the given public key"),
        "{error}"
    );
    let error = stderr(&mimamori(&["export", "inspect", SAMPLE_PEM]));
    assert!(error.contains("reading the export file"), "{error}");
}

/// A bare export.bin without timestamps whose `.sig` beside it cannot be decoded (as a real
/// test file from Latvia): the header and keys are still shown, the timestamps as `(none)`, the
/// `.sig` as unreadable; given a key, the exit is non-zero.
#[test]
fn export_inspect_reports_an_unreadable_sig_and_missing_timestamps() {
    use mimamori_gaen::export::{ExportHeader, ExportSigningKey, ExportWriter};
    let directory = tempfile::tempdir().unwrap();
    let signer =
        ExportSigningKey::generate(&mut mimamori_environment::OsRandom, "247", "v1").unwrap();
    let header = ExportHeader {
        region: "LV".into(),
        batch_num: 1,
        batch_size: 1,
        ..ExportHeader::default()
    };
    let signers = [signer];
    let bin = ExportWriter::new(header, &signers).export_bin(&[]).unwrap();
    let bin_path = directory.path().join("lv.bin");
    std::fs::write(&bin_path, bin).unwrap();
    std::fs::write(directory.path().join("lv.sig"), [0xff, 0xff, 0xff, 0x0f]).unwrap();
    let bin_path = bin_path.to_str().unwrap();

    let out = stdout(&mimamori(&["export", "inspect", bin_path]));
    assert_contains_all(
        &out,
        &[
            "region: LV\n",
            "time range: (none) to (none)\n",
            "keys: 0\n",
            "signatures: export.sig could not be read: ",
        ],
    );
    assert!(!out.contains("1970"), "{out}");
    let with_key = mimamori(&["export", "inspect", bin_path, "--public-key", CWA_KEY]);
    assert!(String::from_utf8_lossy(&with_key.stdout).contains("region: LV"));
    assert!(stderr(&with_key).contains("no signature of"));
}

/// `match --help` explains the sightings CSV: its header, and that each row gives two
/// sightings.
#[test]
fn match_help_explains_the_sightings_csv() {
    let help = stdout(&mimamori(&["match", "--help"]));
    let flat: String = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_contains_all(
        &flat,
        &[
            "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR",
            "Each row gives two sightings, one at its start and one at its end",
        ],
    );
}

/// Sightings of the sample file's first key (rolling start 2649980, period 1), heard at -60 dBm
/// in three rows of two sightings, two minutes apart.
fn sample_sightings(dir: &std::path::Path) -> std::path::PathBuf {
    let ids = stdout(&mimamori(&[
        "ids",
        "--tek",
        "172fc480e598490c34177604339b1543",
        "--interval",
        "2649980",
        "--period",
        "1",
        "--metadata",
        "40080000",
    ]));
    let fields: Vec<&str> = ids.split_whitespace().collect();
    let (rpi, aem) = (fields[1], fields[2]);
    let t = 2_649_980u64 * 600 + 10;
    let mut csv = String::from("StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR\n");
    for row in 0..3 {
        let start = t + row * 240;
        csv.push_str(&format!(
            "{start};{};{rpi};{aem};-60;00:11:22:33:44:55\n",
            start + 120
        ));
    }
    // A stranger, never matched.
    csv.push_str(&format!("{t};{t};{};00000000;-40;\n", "ab".repeat(16)));
    let path = dir.join("sightings.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

/// `mimamori match` of the sample export against the sightings file `sightings`, verified with
/// the PEM file `public_key` if given.
fn match_sample(sightings: &Path, public_key: Option<&str>) -> Output {
    let sightings = sightings.to_str().unwrap();
    mimamori_then(
        &["match", "--export", SAMPLE_ZIP, "--sightings", sightings],
        &flag("--public-key", public_key),
    )
}

#[test]
fn match_prints_matched_keys_then_the_risk_lines() {
    let dir = tempfile::tempdir().unwrap();
    let sightings = sample_sightings(dir.path());
    let out = stdout(&match_sample(&sightings, Some(SAMPLE_PEM)));
    // +8 dBm - (-60 + 4 dB correction) = 64 dB (medium, 1.3); six scan instances of 120 s.
    assert_eq!(
        out,
        "172fc480e598490c34177604339b1543 2649980 6\n\
         2020-05-20 score_sum=936 weighted_duration=936 seconds=720 high_risk=false\n"
    );
    // With the wrong key the file is refused and nothing is printed.
    let output = match_sample(&sightings, Some(CWA_KEY));
    let error = stderr(&output);
    assert!(error.contains("verif"), "{error}");
    assert!(output.stdout.is_empty());
    // Without a key it matches but warns.
    let output = match_sample(&sightings, None);
    assert_eq!(stdout(&output), out);
    assert!(String::from_utf8_lossy(&output.stderr).contains("signature is not checked"));
}

#[test]
fn match_explains_bad_sightings() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(
        &csv,
        "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR\n1;2;zz;00;1;\n",
    )
    .unwrap();
    let error = stderr(&match_sample(&csv, None));
    assert!(error.contains("line 2"), "{error}");
}

#[test]
fn bench_match_runs_and_prints_keys_per_second() {
    let out = stdout(&mimamori(&[
        "bench",
        "match",
        "--keys",
        "3000",
        "--sightings",
        "500",
        "--threads",
        "2",
    ]));
    assert_contains_all(
        &out,
        &[
            "matched 3000 keys from 1 files",
            "20 keys with exposure windows",
        ],
    );
    assert!(
        out.lines().any(|line| line.starts_with("keys/s: ")),
        "{out}"
    );
    let error = stderr(&mimamori(&[
        "bench",
        "match",
        "--keys",
        "10",
        "--threads",
        "0",
    ]));
    assert!(error.contains("--threads must be at least 1"), "{error}");
}

#[test]
fn bench_record_feeds_the_radio_loop_and_prints_sightings_per_second() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("phone").display().to_string();
    let out = stdout(&mimamori(&[
        "bench",
        "record",
        "--devices",
        "10",
        "--windows",
        "3",
        "--data-dir",
        &data_dir,
    ]));
    assert_contains_all(
        &out,
        &[
            "3 windows, 10 devices heard 4 times a second: 160 reports a window",
            "recorded 480 sightings in 3 windows in ",
            " sightings/s (heard and written, one transaction a window)",
        ],
    );
    let error = stderr(&mimamori(&["bench", "record", "--devices", "0"]));
    assert!(error.contains("must be at least 1"), "{error}");
}

#[test]
fn bench_end_to_end_runs_and_keeps_inputs_that_mimamori_match_reads() {
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().to_str().unwrap();
    let out = stdout(&mimamori(&[
        "bench",
        "end-to-end",
        "--keys",
        "2000",
        "--sightings",
        "300",
        "--sync-files",
        "3",
        "--sync-file-keys",
        "700",
        "--phone-sightings",
        "300",
        "--repeat",
        "1",
        "--dir",
        kept,
    ]));
    // The bench fails unless `mimamori match` and the sync each find the 20 keys really heard.
    assert_contains_all(
        &out,
        &[
            "sightings CSV of 420 sightings: read and parsed in ",
            "fixed cost: `mimamori match` of a 1-key file against 420 sightings: ",
            "`mimamori match` end to end, 2000 keys, signed zip, 1 thread: ",
            "the matcher alone on the same file",
            "phone sync of 3 files of 700 keys against 300 sightings",
        ],
    );
    // The kept files are what the printed command times: the 20 keys heard, 6 sightings each.
    let inputs = dir.path().join("match");
    let export = std::fs::read_dir(&inputs)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|extension| extension == "zip"))
        .unwrap();
    let matched = stdout(&mimamori(&[
        "match",
        "--export",
        export.to_str().unwrap(),
        "--sightings",
        inputs.join("sightings.csv").to_str().unwrap(),
        "--public-key",
        inputs.join("public-key.pem").to_str().unwrap(),
        "--threads",
        "1",
    ]));
    let keys: Vec<&str> = matched
        .lines()
        .filter(|line| line.len() > 32 && line.as_bytes()[32] == b' ')
        .collect();
    assert_eq!(keys.len(), 20, "{matched}");
    assert!(keys.iter().all(|line| line.ends_with(" 6")), "{matched}");
    // Several files against the sightings read once: the one-key file holds the big file's
    // first key (same seed), so it is printed twice and its day's windows count twice.
    let both = stdout(&mimamori(&[
        "match",
        "--export",
        export.to_str().unwrap(),
        "--export",
        std::fs::read_dir(inputs.join("one-key"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path()
            .to_str()
            .unwrap(),
        "--sightings",
        inputs.join("sightings.csv").to_str().unwrap(),
        "--public-key",
        inputs.join("public-key.pem").to_str().unwrap(),
    ]));
    let mut keys_of_both: Vec<&str> = both
        .lines()
        .filter(|line| line.len() > 32 && line.as_bytes()[32] == b' ')
        .collect();
    assert_eq!(keys_of_both.len(), 21, "{both}");
    keys_of_both.dedup();
    assert_eq!(keys_of_both, keys);
    let error = stderr(&mimamori(&["bench", "end-to-end", "--repeat", "0"]));
    assert!(error.contains("--repeat must be at least 1"), "{error}");
}

#[test]
fn accuracy_evaluate_prints_the_hand_counted_confusion_and_refuses_bad_rows() {
    let readings = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/accuracy/data/hand-made.csv"
    );
    let out = stdout(&mimamori(&["accuracy", "evaluate", "--readings", readings]));
    assert_contains_all(
        &out,
        &[
            "30 readings, 25 scans, 5 pair-days",
            "1 m        1     1     2     1     33%     50%       50%",
            "<= 0.5 m           2        1     50%",
        ],
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "seen_at,pair,rssi_dbm,tx_power_dbm,rssi_correction_db,distance_m\n1,a>b,-60\n",
    )
    .unwrap();
    let error = stderr(&mimamori(&[
        "accuracy",
        "evaluate",
        "--readings",
        bad.to_str().unwrap(),
    ]));
    assert!(error.contains("line 2: has 3 fields, not 6"), "{error}");
}

#[test]
fn accuracy_convert_mitll_writes_readings_that_evaluate_reads() {
    // A log written by hand in MIT LL's iPhone format: the purse phone heard at −80 dBm at
    // offsets 0, 4, 8, 12 and 16 s: five 4-second slices, laid 300 s apart: five scans,
    // 120 + 4 × 300 = 1320 s at 57 dB (near, × 2.5) = 3300 ≥ 1350: flagged, at 1.83 m.
    let dir = tempfile::tempdir().unwrap();
    let iphone = dir.path().join("1-May Lab Room").join("iPhone");
    std::fs::create_dir_all(&iphone).unwrap();
    let mut log = String::from("t,Device,iPhone XR,Test\nt,Range,6\nt,Angle,0\n");
    for offset in [0, 4, 8, 12, 16] {
        log += &format!(
            "t,Bluetooth,AAAA,-80,TestPhone2,8.0,{}.0\n",
            600_000_000 + offset
        );
    }
    std::fs::write(iphone.join("log_2020-05-01_09.00.00.000_90.txt"), log).unwrap();
    std::fs::write(iphone.join("notes.md"), "not a log").unwrap();

    let csv = stdout(&mimamori(&[
        "accuracy",
        "convert-mitll",
        dir.path().to_str().unwrap(),
    ]));
    assert_contains_all(
        &csv,
        &[
            "# Converted from MIT Lincoln Laboratory",
            "1 iPhone logs, 5 readings",
            "1578307500,lab-room/90deg/iphone>TestPhone2-purse,-80,-23,0,1.8288",
        ],
    );
    let readings = dir.path().join("readings.csv");
    std::fs::write(&readings, &csv).unwrap();
    let out = stdout(&mimamori(&[
        "accuracy",
        "evaluate",
        "--readings",
        readings.to_str().unwrap(),
        "--group-by-pair-part",
        "0",
    ]));
    assert_contains_all(
        &out,
        &[
            "5 readings, 5 scans, 1 pair-days",
            "1 m        0     1     0     0       -    100%        0%",
            "2 m        1     0     0     0    100%       -      100%",
            "lab-room      5         0%   100%      0%     0%     57.0    0.0         1     100%",
        ],
    );

    let empty = tempfile::tempdir().unwrap();
    let error = stderr(&mimamori(&[
        "accuracy",
        "convert-mitll",
        empty.path().to_str().unwrap(),
    ]));
    assert!(
        error.contains("no iPhone log with test-phone readings"),
        "{error}"
    );
}

#[test]
fn accuracy_convert_dp3t_reads_a_scene_file_written_in_its_schema() {
    // A scene file made here with experiment 34's table (no data from the experiment): phone
    // 6 hears phone 2 at −80 dBm (51 dB) and 0.8 m in five scans 5 minutes apart, and once
    // out of the cameras' view.
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("scenario01-lunch.sqlite");
    let connection = rusqlite::Connection::open(&scene).unwrap();
    connection
        .execute_batch(
            "CREATE TABLE results(db_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
             receiver_id TEXT NOT NULL, receiver_model TEXT NOT NULL,
             transmitter_id TEXT NOT NULL, transmitter_model TEXT NOT NULL,
             timestamp REAL NOT NULL, rssi INTEGER NOT NULL, tx_power INTEGER,
             ground_truth_distance REAL);",
        )
        .unwrap();
    for scan in 0..5 {
        connection
            .execute(
                "INSERT INTO results(receiver_id, receiver_model, transmitter_id,
                 transmitter_model, timestamp, rssi, tx_power, ground_truth_distance)
                 VALUES ('6', 'SM-G981B/DS', '2', 'SM-G981B/DS', ?1, -80, 0, 0.8)",
                [1_596_096_000.5 + f64::from(scan) * 300.0],
            )
            .unwrap();
    }
    connection
        .execute(
            "INSERT INTO results(receiver_id, receiver_model, transmitter_id, transmitter_model,
             timestamp, rssi, tx_power, ground_truth_distance)
             VALUES ('6', 'SM-G981B/DS', '2', 'SM-G981B/DS', 1596096001.0, -60, 0, NULL)",
            [],
        )
        .unwrap();
    drop(connection);

    let csv = stdout(&mimamori(&[
        "accuracy",
        "convert-dp3t",
        scene.to_str().unwrap(),
    ]));
    assert_contains_all(
        &csv,
        &[
            "licensed CC BY-ND 4.0",
            "do not share it",
            "lunch: 6 rows, 5 readings, 1 without a camera distance (dropped), 0 with",
            "1596096300,lunch/6>2,-80,-24,5,0.8",
        ],
    );
    let readings = dir.path().join("readings.csv");
    std::fs::write(&readings, &csv).unwrap();
    let out = stdout(&mimamori(&[
        "accuracy",
        "evaluate",
        "--readings",
        readings.to_str().unwrap(),
    ]));
    assert_contains_all(
        &out,
        &[
            "5 readings, 5 scans, 1 pair-days",
            "1 m        1     0     0     0    100%       -      100%",
        ],
    );

    let not_a_scene = dir.path().join("readings.csv");
    let error = stderr(&mimamori(&[
        "accuracy",
        "convert-dp3t",
        not_a_scene.to_str().unwrap(),
    ]));
    assert!(error.contains("as an experiment 34 scene"), "{error}");
}

#[test]
fn accuracy_tune_recommends_a_setting_that_the_written_files_reproduce() {
    let readings = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/accuracy/data/hand-made.csv"
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("configuration.json");
    let rules = dir.path().join("risk_calculation_configuration.json");
    let out = stdout(&mimamori(&[
        "accuracy",
        "tune",
        "--readings",
        readings,
        "--write-config",
        config.to_str().unwrap(),
        "--write-rules",
        rules.to_str().unwrap(),
    ]));
    // COCOA at 1 m: TP 1, FP 1, FN 2, TN 1, cost 7/6; the best any setting can do here is
    // TP 2, FP 0, FN 1, TN 2 (c>d and a>c look alike), cost 1/3.
    assert_contains_all(
        &out,
        &[
            "30 readings, 5 pair-days, 3 contacts at 1 m; searching 127680 settings",
            "given (engine)            46/60/65     1/2.5/1.3/0.01    1350     1     1     2     1     33%    50%       50%  1.167",
            "2     0     1     2     67%     0%      100%  0.333",
            "ROC of the given thresholds and weights over the score threshold: area 0.500",
        ],
    );
    assert!(!out.contains("warning"), "{out}");
    let recommended = out
        .lines()
        .find(|line| line.starts_with("recommended (engine)"))
        .unwrap();
    assert!(recommended.ends_with("0.333"), "{out}");

    // The written files are COCOA's format and give the same verdicts through `evaluate`.
    let evaluated = stdout(&mimamori(&[
        "accuracy",
        "evaluate",
        "--readings",
        readings,
        "--config",
        config.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
    ]));
    assert!(
        evaluated.contains("1 m        2     0     1     2     67%      0%      100%"),
        "{evaluated}"
    );

    // The report compares COCOA's current and earlier settings with the tuned one.
    let page = dir.path().join("report.html");
    stdout(&mimamori(&[
        "accuracy",
        "report",
        "--readings",
        readings,
        "--config",
        config.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--out",
        page.to_str().unwrap(),
    ]));
    let page = std::fs::read_to_string(page).unwrap();
    assert_eq!(page.matches("<section>").count(), 3);
    assert!(page.contains("COCOA's earlier setting"), "{page}");
    assert!(page.contains("thresholds [50, 54, 65] dB"), "{page}");
    // Three ROC curves and the fit plot (the hand-made readings have two distances).
    assert_eq!(page.matches("<svg").count(), 4);
    assert!(page.contains("Attenuation against distance, real and simulated"));

    let error = stderr(&mimamori(&[
        "accuracy",
        "tune",
        "--readings",
        readings,
        "--distance",
        "3",
    ]));
    assert!(error.contains("--distance must be 1, 1.5 or 2"), "{error}");
}

#[test]
fn accuracy_simulate_is_the_same_for_a_seed_and_fit_reads_its_readings() {
    let dir = tempfile::tempdir().unwrap();
    let run = |seed: &str, name: &str| {
        let path = dir.path().join(name);
        let output = mimamori(&[
            "accuracy",
            "simulate",
            "--phones",
            "40",
            "--days",
            "2",
            "--seed",
            seed,
            "--out",
            path.to_str().unwrap(),
        ]);
        // The progress bar is drawn on terminals only: a captured stderr stays empty.
        assert!(
            output.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        (stdout(&output), std::fs::read_to_string(path).unwrap())
    };
    let (first, readings) = run("3", "a.csv");
    let (_, again) = run("3", "b.csv");
    let (_, other) = run("4", "c.csv");
    assert_eq!(readings, again);
    assert_ne!(readings, other);
    assert!(
        first.starts_with("40 phones, 4 encounters a phone a day, 2 days: "),
        "{first}"
    );
    assert!(first.contains("time: "), "{first}");

    // The written readings evaluate to the same counts as the run printed.
    let path = dir.path().join("a.csv");
    let evaluated = stdout(&mimamori(&[
        "accuracy",
        "evaluate",
        "--readings",
        path.to_str().unwrap(),
    ]));
    let counts = first.lines().next().unwrap().split(": ").nth(1).unwrap();
    assert!(evaluated.starts_with(counts), "{counts} / {evaluated}");

    let fit_svg = dir.path().join("fit.svg");
    let fitted = stdout(&mimamori(&[
        "accuracy",
        "fit",
        "--readings",
        path.to_str().unwrap(),
        "--svg",
        fit_svg.to_str().unwrap(),
    ]));
    assert!(fitted.contains("attenuation at 1 m"), "{fitted}");
    let plot = std::fs::read_to_string(fit_svg).unwrap();
    // Real scans in blue, simulated in orange, the fitted model's line in red.
    assert!(plot.contains("real scans ("), "{plot}");
    assert!(plot.contains("fill=\"#1F77B4\""), "{plot}");
    assert!(plot.contains("fill=\"#FF7F0E\""), "{plot}");
    assert!(
        plot.contains("stroke=\"#D62728\" stroke-width=\"2\""),
        "{plot}"
    );

    // tune draws its ROC curves.
    let svg = dir.path().join("roc.svg");
    let tuned = mimamori(&[
        "accuracy",
        "tune",
        "--readings",
        path.to_str().unwrap(),
        "--roc-svg",
        svg.to_str().unwrap(),
    ]);
    stdout(&tuned);
    assert!(tuned.stderr.is_empty(), "no progress bar off a terminal");
    let drawn = std::fs::read_to_string(svg).unwrap();
    assert!(drawn.contains("given (area "), "{drawn}");
}
