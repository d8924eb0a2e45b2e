//! `mimamori scan` against BlueZ emulated by python-dbusmock (`common::bluez_mock`): the real
//! btleplug code on a private system bus.

use std::process::Stdio;
use std::time::{SystemTime, UNIX_EPOCH};

use mimamori_gaen::encounter::scans_from_csv;
use serde_json::json;

use crate::common::bluez_mock::{BluezMock, FD6F};
use crate::common::*;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

const PAYLOAD: &str = "00112233445566778899aabbccddeeff01020304";

#[test]
fn a_device_heard_is_written_with_its_rssi_and_time_and_match_reads_the_csv() {
    let Some(mut mock) = BluezMock::start(&["hci0"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("sightings.csv");
    let before = unix_now();
    let scan = mimamori_command(&["scan", "--seconds", "3", "--csv", csv.to_str().unwrap()])
        .env("DBUS_SYSTEM_BUS_ADDRESS", mock.address())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    mock.wait_discovering("hci0");
    // btleplug asked BlueZ for 0xFD6F only, with every repeated advertisement reported.
    let discovery = mock.discovery("hci0");
    assert_eq!(
        discovery["filter"]["DuplicateData"],
        json!(true),
        "{discovery}"
    );
    assert_eq!(discovery["filter"]["UUIDs"], json!([FD6F]), "{discovery}");
    mock.advertise("hci0", "C0:11:22:33:44:55", FD6F, PAYLOAD, -71);
    std::thread::sleep(std::time::Duration::from_millis(300));
    // Heard again, nearer: the row keeps the strongest RSSI.
    mock.advertise("hci0", "C0:11:22:33:44:55", FD6F, PAYLOAD, -58);
    let output = scan.wait_with_output().unwrap();
    let after = unix_now();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains("2 advertisements, 1 RPIs, 0 malformed"),
        "{log}"
    );

    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0], "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR");
    let fields: Vec<&str> = lines[1].split(';').collect();
    let (start, end): (u64, u64) = (fields[0].parse().unwrap(), fields[1].parse().unwrap());
    assert!(before <= start && start <= end && end <= after, "{text}");
    assert_eq!(
        &fields[2..],
        [
            "00112233445566778899aabbccddeeff",
            "01020304",
            "-58",
            "C0:11:22:33:44:55"
        ]
    );
    // `mimamori match`'s reader takes it as it is.
    let scans = scans_from_csv(&text).unwrap();
    let heard = &scans[0].sightings[0];
    assert_eq!(heard.rssi_dbm(), -58);
    assert_eq!(heard.payload().service_data().to_vec(), hex(PAYLOAD));
    let sample_zip = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/gaen/tests/data/gaen-sample/testExport-2-records-1-of-1.zip"
    );
    let matched = mimamori(&[
        "match",
        "--export",
        sample_zip,
        "--sightings",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(stdout(&matched), "", "a stranger's RPI matches no key");
}

#[test]
fn foreign_and_malformed_service_data_are_counted_and_left_out() {
    let Some(mut mock) = BluezMock::start(&["hci0"]) else {
        return;
    };
    let scan = mimamori_command(&["scan", "--seconds", "2"])
        .env("DBUS_SYSTEM_BUS_ADDRESS", mock.address())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    mock.wait_discovering("hci0");
    // Eddystone's service data, then 0xFD6F data one byte short and one byte long, an RSSI no
    // receiver reports, and one good advertisement.
    mock.advertise(
        "hci0",
        "C0:00:00:00:00:01",
        "0000feaa-0000-1000-8000-00805f9b34fb",
        PAYLOAD,
        -60,
    );
    mock.advertise("hci0", "C0:00:00:00:00:02", FD6F, &PAYLOAD[2..], -60);
    mock.advertise(
        "hci0",
        "C0:00:00:00:00:03",
        FD6F,
        &format!("{PAYLOAD}ff"),
        -60,
    );
    mock.advertise("hci0", "C0:00:00:00:00:04", FD6F, PAYLOAD, 127);
    mock.advertise("hci0", "C0:00:00:00:00:05", FD6F, PAYLOAD, -80);
    let output = scan.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains("4 advertisements, 1 RPIs, 3 malformed, 1 without 0xFD6F data"),
        "{log}"
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.ends_with(";-80;C0:00:00:00:00:05\n"), "{text}");
}

#[test]
fn without_bluez_or_the_adapter_the_error_says_what_to_check() {
    let output = mimamori_command(&["scan", "--seconds", "1"])
        .env(
            "DBUS_SYSTEM_BUS_ADDRESS",
            "unix:path=/nonexistent/mimamori-test-bus",
        )
        .output()
        .unwrap();
    let error = stderr(&output);
    assert!(
        error.contains("cannot reach BlueZ on the system D-Bus"),
        "{error}"
    );

    let Some(mock) = BluezMock::start(&["hci0"]) else {
        return;
    };
    let output = mimamori_command(&["scan", "--seconds", "1", "--adapter", "hci7"])
        .env("DBUS_SYSTEM_BUS_ADDRESS", mock.address())
        .output()
        .unwrap();
    let error = stderr(&output);
    assert!(
        error.contains("no Bluetooth adapter named \"hci7\""),
        "{error}"
    );
}

#[test]
fn an_adapter_removed_mid_scan_is_an_error_and_what_was_heard_is_kept() {
    let Some(mut mock) = BluezMock::start(&["hci0"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("sightings.csv");
    let scan = mimamori_command(&["scan", "--seconds", "2", "--csv", csv.to_str().unwrap()])
        .env("DBUS_SYSTEM_BUS_ADDRESS", mock.address())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    mock.wait_discovering("hci0");
    mock.advertise("hci0", "C0:00:00:00:00:09", FD6F, PAYLOAD, -65);
    std::thread::sleep(std::time::Duration::from_millis(300));
    mock.command(json!({"cmd": "remove_adapter", "adapter": "hci0"}));
    let output = scan.wait_with_output().unwrap();
    let error = stderr(&output);
    assert!(error.contains("scanning on hci0 failed"), "{error}");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.ends_with(";-65;C0:00:00:00:00:09\n"), "{text}");
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}
