//! `mimamori hear`: one sighting recorded by hand; bad input is refused with a clear message and
//! nothing is stored.

use mimamori_gaen::ExposurePayload;
use mimamori_phone::phone::DATABASE_FILE_NAME;
use mimamori_phone::{Database, SightingStore, SqliteSightingStore};

use crate::common::{mimamori, stderr, stdout};

const SERVICE_DATA: &str = "000102030405060708090a0b0c0d0e0f10111213";

#[test]
fn hear_records_an_advertisement_or_service_data_as_one_scan_each() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("b");
    let data = data_dir.display().to_string();
    let payload = ExposurePayload::parse_service_data(&hex::decode(SERVICE_DATA).unwrap()).unwrap();
    let advertisement = hex::encode(payload.advertisement_with_flags(0x06));

    let out = stdout(&mimamori(&[
        "hear",
        SERVICE_DATA,
        "--rssi",
        "-60",
        "--at",
        "2026-12-01T09:30:00Z",
        "--data-dir",
        &data,
    ]));
    assert_eq!(
        out,
        format!(
            "recorded RPI 000102030405060708090a0b0c0d0e0f AEM 10111213 at \
             2026-12-01T09:30:00Z (-60 dBm) in {data}\n"
        )
    );
    // The whole advertisement, spaced as a person might paste it, at the same second.
    let spaced: String = advertisement
        .as_bytes()
        .chunks(2)
        .map(|pair| std::str::from_utf8(pair).unwrap())
        .collect::<Vec<_>>()
        .join(":");
    stdout(&mimamori(&[
        "hear",
        &spaced,
        "--rssi",
        "-75",
        "--at",
        "2026-12-01T09:30:00Z",
        "--data-dir",
        &data,
    ]));
    // Without --at: now.
    stdout(&mimamori(&[
        "hear",
        SERVICE_DATA,
        "--rssi",
        "-90",
        "--data-dir",
        &data,
    ]));

    let mut store =
        SqliteSightingStore::new(Database::open(data_dir.join(DATABASE_FILE_NAME)).unwrap());
    let scans = store.scans(0, u64::MAX).unwrap();
    assert_eq!(scans.len(), 3, "one scan per sighting, never merged");
    assert_eq!(scans[0].started_at, 1_796_117_400);
    assert_eq!(scans[1].started_at, 1_796_117_400);
    assert_ne!(scans[0].scan_id, scans[1].scan_id);
    let rssis: Vec<i8> = scans.iter().map(|s| s.sightings[0].rssi_dbm()).collect();
    assert_eq!(rssis, vec![-60, -75, -90]);
    assert!(scans.iter().all(|s| *s.sightings[0].payload() == payload));
}

#[test]
fn hear_refuses_bad_input_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("b");
    let data = data_dir.display().to_string();
    let payload = ExposurePayload::parse_service_data(&hex::decode(SERVICE_DATA).unwrap()).unwrap();
    let mut foreign = payload.advertisement();
    foreign[5] = 0x0F; // the UUID list names 0xFD0F
    foreign[9] = 0x0F; // and so does the service data
    let foreign = hex::encode(foreign);
    let short = &SERVICE_DATA[..38];
    let long = format!("{SERVICE_DATA}00");
    let truncated = &hex::encode(payload.advertisement())[..60];
    for (args, reason) in [
        (vec!["zz"], "non-hex character"),
        (vec!["abc"], "odd number of digits"),
        (vec![short], "19 bytes are neither"),
        (vec![&long], "21 bytes are neither"),
        (vec![truncated], "30 bytes are neither"),
        (vec![&foreign], "does not include 0xFD6F"),
        (
            vec![SERVICE_DATA, "--at", "yesterday"],
            "not an RFC 3339 time",
        ),
        (
            vec![SERVICE_DATA, "--at", "2020-01-01T00:00:00Z"],
            "more than 14 days ago",
        ),
    ] {
        let mut all = vec!["hear"];
        all.extend(args.iter().copied());
        all.extend(["--rssi", "-60", "--data-dir", &data]);
        let error = stderr(&mimamori(&all));
        assert!(error.contains(reason), "{args:?}: {error}");
    }
    for rssi in ["127", "-128", "21"] {
        let error = stderr(&mimamori(&[
            "hear",
            SERVICE_DATA,
            "--rssi",
            rssi,
            "--data-dir",
            &data,
        ]));
        assert!(error.contains("RSSI"), "{rssi}: {error}");
    }
    assert!(!data_dir.exists(), "nothing was created or stored");
}
