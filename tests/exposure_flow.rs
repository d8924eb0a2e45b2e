//! The whole flow: phones A and B meet, A tests positive and uploads with the authority's code,
//! the server exports, B downloads and is flagged for the day they met; C, who never met A, is
//! not. Real HTTP on 127.0.0.1, real SQLite files, one fake clock.

use mimamori_api::v1::{TestType, export_list_path};
use mimamori_end_to_end::{World, is_sqlite_file};
use mimamori_environment::SeededRandom;
use mimamori_phone::sync::{SyncSettings, fetch_published_keys, sync};
use mimamori_phone::testing::{Hearing, hear, meet};
use mimamori_phone::upload::{UploadSettings, VerificationCode, upload};
use mimamori_phone::{Error, Phone};
use time::macros::date;

/// 2026-11-19 09:00 UTC: A and B meet.
const MEETING: u64 = 1_795_046_400 + 9 * 3_600;
const DAY: u64 = 86_400;

fn upload_settings(world: &World) -> UploadSettings {
    UploadSettings::new(world.server_url().as_str(), "JP.mimamori", None, false).unwrap()
}

fn sync_settings(world: &World, client: &mimamori_end_to_end::RecordingClient) -> SyncSettings {
    SyncSettings {
        server: world.server_url(),
        region: "JP".into(),
        public_keys: fetch_published_keys(client, &world.server_url()).unwrap(),
    }
}

/// Uploads `phone`'s keys with `code`.
fn upload_with(
    world: &World,
    phone: &mut Phone,
    code: &str,
) -> mimamori_phone::Result<mimamori_phone::upload::UploadReport> {
    upload(
        phone,
        &world.client(),
        &mut SeededRandom::new(99),
        &upload_settings(world),
        &VerificationCode::parse(code).unwrap(),
    )
}

/// A code that differs from `code` in its last digit.
fn wrong(code: &str) -> String {
    let last = code.chars().last().unwrap().to_digit(10).unwrap();
    format!("{}{}", &code[..7], (last + 1) % 10)
}

#[test]
fn a_contact_is_flagged_for_the_right_day_through_the_server_and_a_stranger_is_not() {
    let world = World::start(MEETING);
    let clock = world.clock.clone();
    let mut a = world.phone("a", 1);
    let mut b = world.phone("b", 2);
    let mut c = world.phone("c", 3);
    let mut d = world.phone("d", 4);
    let mut scans = 0;

    // Day 1, 09:00: A and B sit together for 24 minutes, near (-82 dBm: 55 dB, "near").
    meet(
        &mut a,
        &mut b,
        Hearing::BothWays,
        &clock,
        24,
        -82,
        &mut scans,
    );
    // Elsewhere C spends the afternoon next to D; neither ever meets A.
    clock.set(MEETING + 5 * 3_600);
    meet(
        &mut c,
        &mut d,
        Hearing::BothWays,
        &clock,
        60,
        -60,
        &mut scans,
    );
    // B also passed D briefly: a sighting that will never match anything.
    hear(&mut b, &mut d, &clock, -90, &mut scans);

    // Day 2, 10:00: A tests positive; staff issue a code with the onset date.
    clock.set(MEETING + DAY + 3_600);
    // A keeps advertising on day 2, with day 2's key.
    let before_upload = a.schedule().broadcast().unwrap();
    let code = world.issue_code("confirmed", Some(date!(2026 - 11 - 19)));

    // A mistyped code is refused, nothing is stored and the right code stays valid.
    let error = upload_with(&world, &mut a, &wrong(&code)).unwrap_err();
    assert!(
        matches!(&error, Error::ServerRefused { request: "verification code", code: Some(c), .. } if c == "code_invalid"),
        "{error:?}"
    );
    assert!(!error.to_string().contains(&code[..4]), "{error}");
    clock.advance(60);
    let export = world.run_export();
    assert_eq!(
        export["keys"], 0,
        "the refused upload stored nothing: {export}"
    );
    assert_eq!(export["files"].as_array().unwrap().len(), 0, "{export}");

    // The right code at 10:05: A uploads the key of day 1 and today's, released at once with its
    // rolling period cut after 10:00-10:10 (same-day release, ADR 0002); A goes on broadcasting
    // with a new key.
    clock.advance(240);
    let report = upload_with(&world, &mut a, &code).unwrap();
    assert_eq!(report.test_type, TestType::Confirmed);
    assert_eq!(report.onset, Some(date!(2026 - 11 - 19)));
    assert!(report.released_today);
    assert_eq!((report.keys_sent, report.inserted), (2, 2));
    let after_upload = a.schedule().broadcast().unwrap();
    assert_ne!(after_upload.payload, before_upload.payload);
    // The code is single use.
    let error = upload_with(&world, &mut a, &code).unwrap_err();
    assert!(matches!(error, Error::ServerRefused { .. }), "{error:?}");

    // 11:00: the export runs (today's released key ended at 10:10): one signed file, padded
    // with random keys.
    clock.set(MEETING + DAY + 2 * 3_600);
    let export = world.run_export();
    assert_eq!(export["keys"], 2, "{export}");
    assert_eq!(export["files"].as_array().unwrap().len(), 1, "{export}");
    assert!(export["paddingKeys"].as_u64().unwrap() >= 999, "{export}");

    // B syncs: one new file, verified with the server's published key, A's key matched.
    let b_client = world.client();
    let settings = sync_settings(&world, &b_client);
    b_client.clear();
    let synced = sync(&mut b, &b_client, &settings).unwrap();
    assert_eq!((synced.listed, synced.matched.len()), (1, 1), "{synced:?}");
    assert!(synced.failed.is_empty(), "{synced:?}");
    assert_eq!(synced.matched[0].report.matched_keys, 1);
    assert!(
        synced.matched[0].report.keys >= 1_000,
        "padding keys were read too"
    );
    assert!(synced.new_windows() > 0);
    let days = b.risk().unwrap();
    assert_eq!(days.len(), 1, "{days:?}");
    assert_eq!(days[0].date, date!(2026 - 11 - 19));
    assert!(days[0].high_risk, "{days:?}");
    assert_eq!(
        b.notice().unwrap().high_risk_days,
        vec![date!(2026 - 11 - 19)]
    );
    // B only fetched public files: the list and the new file.
    let urls: Vec<String> = b_client
        .requests()
        .into_iter()
        .map(|(m, u)| format!("{m} {u}"))
        .collect();
    assert_eq!(urls.len(), 2, "{urls:?}");
    assert_eq!(
        urls[0],
        format!("GET {}", world.server_url().join(&export_list_path("JP")))
    );
    assert!(
        urls[1].starts_with("GET ") && urls[1].ends_with(".zip"),
        "{urls:?}"
    );

    // C syncs the same file: nothing matches, no notice.
    let c_client = world.client();
    let synced = sync(&mut c, &c_client, &sync_settings(&world, &c_client)).unwrap();
    assert_eq!(synced.matched.len(), 1);
    assert_eq!(synced.matched[0].report.matched_keys, 0);
    assert!(c.risk().unwrap().iter().all(|day| !day.high_risk));
    assert!(c.notice().unwrap().high_risk_days.is_empty());
    assert!(
        c_client
            .requests()
            .iter()
            .all(|(method, _)| method == "GET")
    );

    // A second sync downloads nothing new.
    let windows = b.exposure_windows().unwrap().len();
    b_client.clear();
    let again = sync(&mut b, &b_client, &settings).unwrap();
    assert!(
        again.matched.is_empty() && again.failed.is_empty(),
        "{again:?}"
    );
    assert_eq!(again.already_matched, 1);
    assert_eq!(b_client.requests().len(), 1, "list.json only");
    assert_eq!(b.exposure_windows().unwrap().len(), windows);

    // Day 3: A uploads again with a new code: day 2's second key (used since the release) and
    // day 3's; the next file is the only one B downloads, even after B's app restarted.
    clock.set(MEETING + 2 * DAY + 3_600);
    let code = world.issue_code("confirmed", Some(date!(2026 - 11 - 19)));
    let report = upload_with(&world, &mut a, &code).unwrap();
    assert_eq!(
        report.keys_sent, 4,
        "day 1, day 2 (released and second key), day 3"
    );
    assert_eq!(
        report.inserted, 2,
        "day 1's and day 2's first were already there"
    );
    clock.advance(3_600);
    assert_eq!(world.run_export()["keys"], 2);
    drop(b);
    let mut b = world.phone("b", 2);
    b_client.clear();
    let third = sync(&mut b, &b_client, &settings).unwrap();
    assert_eq!(
        (third.listed, third.already_matched, third.matched.len()),
        (2, 1, 1)
    );
    assert_eq!(
        third.matched[0].report.matched_keys, 0,
        "B did not meet A on day 2"
    );
    assert_eq!(b_client.requests().len(), 2, "the list and the new file");
    assert_eq!(
        b.notice().unwrap().high_risk_days,
        vec![date!(2026 - 11 - 19)]
    );

    // Everything lives in real SQLite files.
    for phone in ["a", "b", "c", "d"] {
        assert!(is_sqlite_file(
            &world.phone_dir(phone).join("mimamori.sqlite3")
        ));
    }
    assert!(is_sqlite_file(
        &world.server_dir().join("diagnosis.sqlite3")
    ));
    world.shutdown();
}
