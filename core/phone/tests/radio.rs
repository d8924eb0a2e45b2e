//! The radio loop driven through whole days on a fixed clock: rotation bounds, UTC midnight, the
//! scan duty cycle, one batch per window, bad reports, purges and syncs, storage failures and a
//! restart on the same data directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use mimamori_environment::{FixedClock, SeededRandom};
use mimamori_gaen::encounter::Scan;
use mimamori_gaen::ids::IntervalNumber;
use mimamori_gaen::{DeviceCalibration, ExposurePayload};
use mimamori_phone::phone::DATABASE_FILE_NAME;
use mimamori_phone::radio::{
    Heard, MAX_SCAN_INTERVAL_SECONDS, MIN_SCAN_INTERVAL_SECONDS, RETRY_SECONDS, RadioCommand,
    RadioConfig, RadioLoop, RadioStep, SCAN_WINDOW_SECONDS, SyncSchedule,
};
use mimamori_phone::schedule::{MAX_ROTATION_SECONDS, MIN_ROTATION_SECONDS};
use mimamori_phone::{Broadcast, Database, Error, Phone, SqliteSightingStore};
use mimamori_phone::{SightingStore, TekStore};

/// 2020-04-02 00:00:00 UTC.
const DAY: u64 = 1_585_785_600;

fn open_phone(dir: &Path, clock: &FixedClock) -> Phone {
    Phone::open(
        dir,
        DeviceCalibration::UNKNOWN_DEVICE,
        Arc::new(clock.clone()),
        Box::new(SeededRandom::new(1)),
    )
    .unwrap()
}

fn radio(config: RadioConfig, seed: u64) -> RadioLoop {
    RadioLoop::new(config, Box::new(SeededRandom::new(seed))).unwrap()
}

fn stored_scans(dir: &Path) -> Vec<Scan> {
    SqliteSightingStore::new(Database::open(dir.join(DATABASE_FILE_NAME)).unwrap())
        .scans(0, u64::MAX)
        .unwrap()
}

/// Every step of a run, with the time it was taken.
type Run = Vec<(u64, RadioStep)>;

/// Polls at every `next_wake` until `end`, calling `during` after each step (to hear things).
fn run_until(
    radio: &mut RadioLoop,
    phone: &mut Phone,
    clock: &FixedClock,
    end: u64,
    mut during: impl FnMut(&mut RadioLoop, &RadioStep, u64),
) -> Run {
    let mut steps = Vec::new();
    loop {
        let now = clock.now();
        let step = radio.poll(phone).unwrap();
        during(radio, &step, now);
        assert!(step.next_wake > now, "the loop always asks to wake later");
        let next = step.next_wake;
        steps.push((now, step));
        if next > end {
            return steps;
        }
        clock.set(next);
    }
}

trait Now {
    fn now(&self) -> u64;
}

impl Now for FixedClock {
    fn now(&self) -> u64 {
        use mimamori_environment::Clock;
        self.now_unix_seconds()
    }
}

fn advertised(run: &Run) -> Vec<(u64, Broadcast)> {
    run.iter()
        .flat_map(|(at, step)| {
            step.commands
                .iter()
                .filter_map(move |command| match command {
                    RadioCommand::StartAdvertising(broadcast) => Some((*at, *broadcast)),
                    _ => None,
                })
        })
        .collect()
}

fn commands(run: &Run) -> Vec<(u64, RadioCommand)> {
    run.iter()
        .flat_map(|(at, step)| step.commands.iter().map(move |c| (*at, c.clone())))
        .collect()
}

#[test]
fn the_payload_and_address_change_every_10_to_20_minutes_and_at_midnight() {
    let dir = tempfile::tempdir().unwrap();
    // From 18:00 to 06:00 the next day: across one UTC midnight.
    let clock = FixedClock::new(DAY + 18 * 3_600);
    let mut phone = open_phone(dir.path(), &clock);
    let mut radio = radio(RadioConfig::default(), 2);
    let end = DAY + 30 * 3_600;
    let run = run_until(&mut radio, &mut phone, &clock, end, |_, _, _| {});

    let broadcasts = advertised(&run);
    assert!(broadcasts.len() > 12 * 3, "{}", broadcasts.len());
    let midnight = DAY + 86_400;
    let mut rpis = std::collections::HashSet::new();
    for (index, (at, broadcast)) in broadcasts.iter().enumerate() {
        assert_eq!(*at, broadcast.started_at, "advertised when decided");
        assert!(rpis.insert(broadcast.payload.rpi), "never an RPI twice");
        // The RPI is the one of the key valid when it started, for the interval it started in.
        let interval = IntervalNumber::from_unix_seconds(broadcast.started_at);
        assert_eq!(broadcast.interval, interval);
        let key = phone
            .schedule()
            .keys()
            .iter()
            .find(|key| key.is_valid_at(interval))
            .unwrap()
            .clone();
        assert_eq!(
            ExposurePayload::derive(&key.key, interval, &phone.schedule().metadata()),
            broadcast.payload
        );
        let lifetime = broadcast.rotate_at - broadcast.started_at;
        let crosses_midnight = broadcast.started_at < midnight
            && broadcast.started_at + MAX_ROTATION_SECONDS > midnight;
        if crosses_midnight && broadcast.rotate_at == midnight {
            assert!(lifetime <= MAX_ROTATION_SECONDS);
        } else {
            assert!(
                (MIN_ROTATION_SECONDS..=MAX_ROTATION_SECONDS).contains(&lifetime),
                "lifetime {lifetime}"
            );
        }
        if let Some((_, next)) = broadcasts.get(index + 1) {
            assert_eq!(next.started_at, broadcast.rotate_at, "no gap, no overlap");
        }
    }
    // One broadcast ends exactly at midnight and the next starts with the new day's key.
    let at_midnight = broadcasts
        .iter()
        .position(|(_, b)| b.started_at == midnight)
        .expect("a rotation at UTC midnight");
    assert_eq!(broadcasts[at_midnight - 1].1.rotate_at, midnight);
    assert_eq!(phone.schedule().keys().len(), 2, "two days, two keys");

    // Every payload change after the first is a stop then a start: a new address each time.
    let all = commands(&run);
    let starts: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, (_, c))| matches!(c, RadioCommand::StartAdvertising(_)))
        .map(|(i, _)| i)
        .collect();
    for &i in &starts[1..] {
        assert_eq!(all[i - 1].1, RadioCommand::StopAdvertising);
    }
    assert_eq!(radio.stats().rotations, broadcasts.len() as u64 - 1);
    // Lifetimes are spread over the whole range, not stuck at one value.
    let lifetimes: std::collections::BTreeSet<u64> = broadcasts
        .iter()
        .map(|(_, b)| b.rotate_at - b.started_at)
        .collect();
    assert!(lifetimes.len() > 20, "{lifetimes:?}");
}

#[test]
fn scans_last_4_seconds_every_3_and_a_half_to_5_minutes_and_each_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(DAY + 9 * 3_600);
    let mut phone = open_phone(dir.path(), &clock);
    let mut radio = radio(RadioConfig::default(), 3);
    let run = run_until(
        &mut radio,
        &mut phone,
        &clock,
        DAY + 15 * 3_600,
        |_, _, _| {},
    );
    let all = commands(&run);
    let mut windows = Vec::new();
    let mut open: Option<(u64, u64, u64)> = None;
    for (at, command) in &all {
        match command {
            RadioCommand::StartScan { scan_id, until } => {
                assert!(open.is_none(), "one window at a time");
                assert_eq!(*until, at + SCAN_WINDOW_SECONDS);
                open = Some((*scan_id, *at, *until));
            }
            RadioCommand::StopScan => {
                let (scan_id, started, until) = open.take().expect("a window was open");
                assert_eq!(*at, until, "stopped exactly at the end of the window");
                windows.push((scan_id, started));
            }
            _ => {}
        }
    }
    assert!(windows.len() >= 6 * 3_600 / MAX_SCAN_INTERVAL_SECONDS as usize);
    assert_eq!(
        windows[0].1,
        DAY + 9 * 3_600,
        "the first window starts at once"
    );
    for pair in windows.windows(2) {
        let gap = pair[1].1 - pair[0].1;
        assert!(
            (MIN_SCAN_INTERVAL_SECONDS..=MAX_SCAN_INTERVAL_SECONDS).contains(&gap),
            "{gap}"
        );
        assert!(pair[1].0 > pair[0].0, "scan ids increase");
    }
    // The duty cycle: about 4 s in 255 s, under 2 % of the time.
    let scanning = windows.len() as u64 * SCAN_WINDOW_SECONDS;
    assert!(
        scanning * 100 < 2 * 6 * 3_600,
        "{scanning} s scanning in 6 h"
    );
    // Every window is in the database, even those that heard nothing.
    let scans = stored_scans(dir.path());
    assert_eq!(scans.len(), windows.len());
    for (scan, (scan_id, started)) in scans.iter().zip(&windows) {
        assert_eq!((scan.scan_id, scan.started_at), (*scan_id, *started));
        assert!(scan.sightings.is_empty());
    }
    let summaries: Vec<_> = run.iter().flat_map(|(_, s)| s.recorded.clone()).collect();
    assert_eq!(summaries.len(), windows.len());
}

#[test]
fn what_one_window_hears_becomes_one_batch_and_bad_reports_are_counted_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(DAY + 9 * 3_600);
    let mut phone = open_phone(dir.path(), &clock);
    let mut radio = radio(RadioConfig::default(), 4);
    let now = clock.now();
    assert_eq!(radio.heard(&[1; 20], -60, now), Heard::NotScanning);

    let step = radio.poll(&mut phone).unwrap();
    let RadioCommand::StartScan { scan_id, until } = step.commands[1] else {
        panic!("{:?}", step.commands)
    };
    assert_eq!(step.next_wake, until);
    let a = [0xA1; 20];
    let b = [0xB2; 20];
    assert_eq!(radio.heard(&a, -60, now), Heard::Kept);
    assert_eq!(radio.heard(&a, -58, now + 1), Heard::Kept);
    assert_eq!(radio.heard(&b, -75, now + 2), Heard::Kept);
    // Malformed: too short, too long, empty, a whole advertisement instead of service data,
    // and impossible RSSIs (Android's 127 for "unknown").
    let advertisement = ExposurePayload::parse_service_data(&a)
        .unwrap()
        .advertisement();
    for (data, rssi) in [
        (&a[..19], -60),
        (&[0xA1; 21][..], -60),
        (&[][..], -60),
        (&advertisement[..], -60),
        (&a[..], 127),
        (&a[..], -128),
    ] {
        assert_eq!(radio.heard(data, rssi, now + 3), Heard::Rejected);
    }
    clock.set(until);
    let step = radio.poll(&mut phone).unwrap();
    assert_eq!(step.commands, vec![RadioCommand::StopScan]);
    let summary = step.recorded[0];
    assert_eq!(summary.scan_id, scan_id);
    assert_eq!(
        (
            summary.sightings,
            summary.payloads,
            summary.rejected,
            summary.dropped
        ),
        (3, 2, 6, 0)
    );
    assert_eq!(radio.heard(&a, -60, until), Heard::NotScanning, "late");
    let scans = stored_scans(dir.path());
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0].scan_id, scan_id);
    assert_eq!(scans[0].started_at, now);
    let stored: Vec<(u8, i8, u64)> = scans[0]
        .sightings
        .iter()
        .map(|s| (s.payload().rpi.as_bytes()[0], s.rssi_dbm(), s.seen_at()))
        .collect();
    assert_eq!(
        stored,
        vec![(0xA1, -60, now), (0xA1, -58, now + 1), (0xB2, -75, now + 2)]
    );
    let stats = radio.stats();
    assert_eq!(
        (
            stats.scans,
            stats.sightings,
            stats.rejected,
            stats.outside_scans
        ),
        (1, 3, 6, 2)
    );
}

#[test]
fn a_crowded_window_keeps_at_most_its_cap() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(DAY);
    let mut phone = open_phone(dir.path(), &clock);
    let config = RadioConfig {
        max_sightings_per_scan: 3,
        advertise: false,
        ..RadioConfig::default()
    };
    let mut radio = radio(config, 5);
    let step = radio.poll(&mut phone).unwrap();
    assert!(
        !step
            .commands
            .iter()
            .any(|c| matches!(c, RadioCommand::StartAdvertising(_))),
        "a listening-only device never advertises"
    );
    for i in 0..5u8 {
        let expected = if i < 3 { Heard::Kept } else { Heard::Dropped };
        assert_eq!(radio.heard(&[i; 20], -60, DAY), expected);
    }
    clock.set(step.next_wake);
    let step = radio.poll(&mut phone).unwrap();
    assert_eq!(
        (step.recorded[0].sightings, step.recorded[0].dropped),
        (3, 2)
    );
    assert_eq!(stored_scans(dir.path())[0].sightings.len(), 3);
}

#[test]
fn stopping_records_the_window_in_progress_and_a_restart_continues_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(DAY + 10 * 3_600);
    let mut phone = open_phone(dir.path(), &clock);
    let mut radio = radio(RadioConfig::default(), 6);
    let first = radio.poll(&mut phone).unwrap();
    let broadcast = *radio.advertising().unwrap();
    assert_eq!(radio.heard(&[7; 20], -50, clock.now() + 1), Heard::Kept);
    clock.advance(2);
    // SIGTERM in the middle of the window.
    let stopped = radio.stop(&mut phone).unwrap();
    assert_eq!(
        stopped.commands,
        vec![RadioCommand::StopScan, RadioCommand::StopAdvertising]
    );
    assert_eq!(stopped.recorded[0].sightings, 1);
    assert!(!radio.is_running());
    let RadioCommand::StartScan { scan_id, .. } = first.commands[1] else {
        panic!()
    };
    drop(radio);
    drop(phone);

    // A new process on the same data directory, a second later in the same interval.
    clock.advance(1);
    let mut phone = open_phone(dir.path(), &clock);
    let mut radio = self::radio(RadioConfig::default(), 7);
    let step = radio.poll(&mut phone).unwrap();
    let RadioCommand::StartAdvertising(again) = step.commands[0] else {
        panic!("{:?}", step.commands)
    };
    assert_eq!(again.payload, broadcast.payload, "same key, same interval");
    let RadioCommand::StartScan {
        scan_id: next_id, ..
    } = step.commands[1]
    else {
        panic!()
    };
    assert!(next_id > scan_id, "a new scan never joins an old one");
    radio.heard(&[8; 20], -55, clock.now());
    clock.set(step.next_wake);
    radio.poll(&mut phone).unwrap();
    let scans = stored_scans(dir.path());
    assert_eq!(scans.len(), 2);
    assert_eq!(scans[0].sightings.len(), 1);
    assert_eq!(scans[0].sightings[0].payload().rpi.as_bytes()[0], 7);
    assert_eq!(scans[1].sightings[0].payload().rpi.as_bytes()[0], 8);
    // The key that was broadcast is still there to upload.
    let keys = mimamori_phone::SqliteTekStore::new(
        Database::open(dir.path().join(DATABASE_FILE_NAME)).unwrap(),
    )
    .load()
    .unwrap();
    assert_eq!(keys.len(), 1);
}

#[test]
fn a_failed_write_loses_nothing_and_is_retried() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(DAY + 10 * 3_600);
    let mut phone = open_phone(dir.path(), &clock);
    let mut radio = radio(RadioConfig::default(), 8);
    let step = radio.poll(&mut phone).unwrap();
    radio.heard(&[9; 20], -60, clock.now());
    // The disk "fills up": every new scan row is refused.
    let path = dir.path().join(DATABASE_FILE_NAME);
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch(
            "CREATE TRIGGER full_disk BEFORE INSERT ON scans
             BEGIN SELECT RAISE(ABORT, 'simulated full disk'); END;",
        )
        .unwrap();
    clock.set(step.next_wake);
    let error = radio.poll(&mut phone).unwrap_err();
    assert!(error.to_string().contains("simulated full disk"), "{error}");
    assert!(radio.scanning().is_some(), "the window stays open");
    assert_eq!(radio.next_wake(), step.next_wake, "due now: poll again");
    // Still heard while the write waits.
    assert_eq!(radio.heard(&[10; 20], -61, clock.now()), Heard::Kept);
    other.execute_batch("DROP TRIGGER full_disk").unwrap();
    clock.advance(30);
    let step = radio.poll(&mut phone).unwrap();
    assert_eq!(step.commands[0], RadioCommand::StopScan);
    assert_eq!(step.recorded[0].sightings, 2);
    assert_eq!(stored_scans(dir.path())[0].sightings.len(), 2);
}

#[test]
fn commands_decided_before_an_error_come_out_of_the_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(DAY + 10 * 3_600);
    let mut phone = open_phone(dir.path(), &clock);
    let mut radio = radio(RadioConfig::default(), 9);
    let step = radio.poll(&mut phone).unwrap();
    let rotate_at = radio.advertising().unwrap().rotate_at;
    // Run windows until one ends right before a purge that will fail.
    let path = dir.path().join(DATABASE_FILE_NAME);
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch(
            "CREATE TRIGGER no_delete BEFORE DELETE ON scans
             BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;
             INSERT INTO scans (scan_id, started_at) VALUES (1, 0);",
        )
        .unwrap();
    let mut handed_out = step.commands.clone();
    let mut next = step.next_wake;
    let mut failed = false;
    while next <= DAY + 11 * 3_600 + 60 {
        clock.set(next);
        match radio.poll(&mut phone) {
            Ok(step) => {
                handed_out.extend(step.commands);
                next = step.next_wake;
            }
            Err(error) => {
                assert!(error.to_string().contains("simulated failure"), "{error}");
                failed = true;
                break;
            }
        }
    }
    assert!(failed, "the hourly purge met the failure");
    assert!(clock.now() >= rotate_at);
    assert!(radio.next_wake() <= clock.now(), "due: poll again now");
    other.execute_batch("DROP TRIGGER no_delete").unwrap();
    // The purge runs again and whatever was decided with the failed call is handed out now.
    let step = radio.poll(&mut phone).unwrap();
    assert_eq!(step.purged.unwrap().scans, 1, "the old scan is purged");
    handed_out.extend(step.commands);
    // Nothing was lost: windows open and close in turn, and each closed one is stored once.
    let mut open = false;
    let mut closed = 0;
    for command in &handed_out {
        match command {
            RadioCommand::StartScan { .. } => {
                assert!(!open);
                open = true;
            }
            RadioCommand::StopScan => {
                assert!(open);
                open = false;
                closed += 1;
            }
            _ => {}
        }
    }
    assert_eq!(stored_scans(dir.path()).len(), closed);
    assert_eq!(radio.stats().scans as usize, closed);
}

#[test]
fn syncs_follow_the_schedule_with_jitter_and_retry_after_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(DAY);
    let mut phone = open_phone(dir.path(), &clock);
    let schedule = SyncSchedule {
        interval_seconds: 4 * 3_600,
        jitter_seconds: 1_800,
        retry_seconds: 900,
    };
    let config = RadioConfig {
        sync: Some(schedule),
        ..RadioConfig::default()
    };
    let mut radio = radio(config, 10);
    let run = run_until(&mut radio, &mut phone, &clock, DAY + 86_400, |_, _, _| {});
    let syncs: Vec<u64> = commands(&run)
        .into_iter()
        .filter(|(_, c)| *c == RadioCommand::Sync)
        .map(|(at, _)| at)
        .collect();
    assert_eq!(syncs[0], DAY, "at start");
    assert!(syncs.len() >= 5, "{syncs:?}");
    let mut gaps = std::collections::BTreeSet::new();
    for pair in syncs.windows(2) {
        let gap = pair[1] - pair[0];
        assert!((4 * 3_600..=4 * 3_600 + 1_800).contains(&gap), "{gap}");
        gaps.insert(gap);
    }
    assert!(gaps.len() > 1, "jittered");
    // A failed sync is tried again after 15 minutes.
    radio.sync_failed(&phone);
    let retry = clock.now() + 900;
    assert!(radio.next_wake() <= retry);
    let run = run_until(&mut radio, &mut phone, &clock, retry, |_, _, _| {});
    let retried: Vec<u64> = commands(&run)
        .into_iter()
        .filter(|(_, c)| *c == RadioCommand::Sync)
        .map(|(at, _)| at)
        .collect();
    assert_eq!(retried, vec![retry]);

    // Without a schedule there is never a sync.
    let mut quiet = self::radio(RadioConfig::default(), 11);
    let run = run_until(
        &mut quiet,
        &mut phone,
        &clock,
        clock.now() + 86_400,
        |_, _, _| {},
    );
    assert!(!commands(&run).iter().any(|(_, c)| *c == RadioCommand::Sync));
}

#[test]
fn purges_run_every_hour() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(DAY);
    let mut phone = open_phone(dir.path(), &clock);
    let mut radio = radio(RadioConfig::default(), 12);
    let run = run_until(
        &mut radio,
        &mut phone,
        &clock,
        DAY + 3 * 3_600,
        |_, _, _| {},
    );
    let purges: Vec<u64> = run
        .iter()
        .filter(|(_, s)| s.purged.is_some())
        .map(|(at, _)| *at)
        .collect();
    assert_eq!(purges, vec![DAY + 3_600, DAY + 2 * 3_600, DAY + 3 * 3_600]);
    // Sightings older than 14 days go: a scan 15 days old is purged at the next hour.
    clock.advance(15 * 86_400);
    let mut radio = self::radio(RadioConfig::default(), 13);
    let now = clock.now();
    run_until(&mut radio, &mut phone, &clock, now + 3_600, |_, _, _| {});
    assert!(stored_scans(dir.path()).iter().all(|s| s.started_at >= now));
}

#[test]
fn an_address_changed_by_the_platform_restarts_the_advertisement_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(DAY + 3_600);
    let mut phone = open_phone(dir.path(), &clock);
    let mut radio = radio(RadioConfig::default(), 14);
    radio.poll(&mut phone).unwrap();
    let before = *radio.advertising().unwrap();
    clock.advance(2);
    let step = radio.address_changed(&mut phone).unwrap();
    assert_eq!(step.commands[0], RadioCommand::StopAdvertising);
    let RadioCommand::StartAdvertising(after) = step.commands[1] else {
        panic!()
    };
    assert_eq!(after.started_at, DAY + 3_602);
    // Within one interval the RPI cannot change (it is a function of the TEK and the interval,
    // Cryptography Specification v1.2); only the rotation time is drawn again. Rotations of the
    // loop itself are at least 10 minutes apart, so they always fall in different intervals.
    assert_eq!(after.payload, before.payload);
    assert_eq!(after.interval, before.interval);
    assert_ne!(after.rotate_at, before.rotate_at);
}

#[test]
fn the_same_seeds_and_clock_give_the_same_commands() {
    let run = |dir: &Path| {
        let clock = FixedClock::new(DAY + 5 * 3_600);
        let mut phone = open_phone(dir, &clock);
        let mut radio = radio(RadioConfig::default(), 15);
        commands(&run_until(
            &mut radio,
            &mut phone,
            &clock,
            DAY + 8 * 3_600,
            |_, _, _| {},
        ))
    };
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    assert_eq!(run(a.path()), run(b.path()));
}

#[test]
fn a_clock_set_back_ends_the_window_and_scanning_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(DAY + 5 * 3_600);
    let mut phone = open_phone(dir.path(), &clock);
    let mut radio = radio(RadioConfig::default(), 16);
    radio.poll(&mut phone).unwrap();
    clock.set(DAY + 3 * 3_600);
    let step = radio.poll(&mut phone).unwrap();
    assert!(step.commands.contains(&RadioCommand::StopScan));
    assert!(step.commands.contains(&RadioCommand::StopAdvertising));
    // Scanning resumes within one interval of the new time, not hours later.
    assert!(step.next_wake <= clock.now() + MAX_SCAN_INTERVAL_SECONDS);
}

#[test]
fn impossible_configurations_are_refused() {
    for config in [
        RadioConfig {
            scan_window_seconds: 0,
            ..RadioConfig::default()
        },
        RadioConfig {
            min_scan_interval_seconds: 400,
            ..RadioConfig::default()
        },
        RadioConfig {
            scan_window_seconds: 300,
            ..RadioConfig::default()
        },
        RadioConfig {
            sync: Some(SyncSchedule {
                interval_seconds: 0,
                ..SyncSchedule::default()
            }),
            ..RadioConfig::default()
        },
    ] {
        let error = RadioLoop::new(config, Box::new(SeededRandom::new(1))).unwrap_err();
        assert!(matches!(error, Error::InvalidRadioConfig { .. }), "{error}");
    }
}

#[test]
fn after_a_same_day_release_the_loop_advertises_the_new_key_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(DAY + 14 * 3_600 + 125);
    let mut phone = open_phone(dir.path(), &clock);
    let mut radio = radio(RadioConfig::default(), 17);
    radio.poll(&mut phone).unwrap();
    let before = *radio.advertising().unwrap();
    clock.advance(30);
    let released = phone.schedule().release_current_key().unwrap().unwrap();
    let step = radio.poll(&mut phone).unwrap();
    // (The scan window that was open ended meanwhile.)
    let commands: Vec<_> = step
        .commands
        .into_iter()
        .filter(|c| !matches!(c, RadioCommand::StopScan | RadioCommand::StartScan { .. }))
        .collect();
    assert_eq!(commands[0], RadioCommand::StopAdvertising);
    let RadioCommand::StartAdvertising(after) = commands[1] else {
        panic!("{commands:?}")
    };
    let current = phone.schedule().current_key().unwrap().clone();
    assert_ne!(current.key, released.key);
    assert_eq!(
        after.payload,
        ExposurePayload::derive(&current.key, after.interval, &phone.schedule().metadata())
    );
    assert_ne!(after.payload, before.payload);
    assert!(after.rotate_at - after.started_at <= MAX_ROTATION_SECONDS);
}

#[test]
fn a_failed_advertisement_is_started_again_and_a_failed_scan_loses_nothing_heard() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(DAY + 11 * 3_600);
    let mut phone = open_phone(dir.path(), &clock);
    let mut radio = radio(RadioConfig::default(), 18);
    let step = radio.poll(&mut phone).unwrap();
    let broadcast = *radio.advertising().unwrap();

    // BlueZ refused the advertisement: the loop wakes within 30 s and starts it again.
    radio.advertising_failed(&phone);
    assert!(radio.advertising().is_none());
    assert!(radio.next_wake() <= clock.now() + RETRY_SECONDS);
    clock.advance(1);
    let again = radio.poll(&mut phone).unwrap();
    assert_eq!(
        again.commands,
        vec![RadioCommand::StartAdvertising(broadcast)]
    );
    assert_eq!(radio.stats().advertising_failures, 1);

    // The adapter goes away mid-window after hearing one phone: that is recorded, and the next
    // window is tried within 30 s instead of minutes later.
    assert_eq!(radio.heard(&[5; 20], -70, clock.now()), Heard::Kept);
    let failed = radio.scan_failed(&mut phone).unwrap();
    assert_eq!(failed.recorded[0].sightings, 1);
    assert_eq!(stored_scans(dir.path()).len(), 1);
    assert!(failed.next_wake <= clock.now() + RETRY_SECONDS);
    clock.set(failed.next_wake);
    let retry = radio.poll(&mut phone).unwrap();
    assert!(
        matches!(retry.commands[0], RadioCommand::StartScan { .. }),
        "{retry:?}"
    );
    // A scan that never started heard nothing: no scan is recorded for it.
    let failed = radio.scan_failed(&mut phone).unwrap();
    assert!(failed.recorded.is_empty());
    assert_eq!(stored_scans(dir.path()).len(), 1);
    assert_eq!(radio.stats().scan_failures, 2);
    assert!(step.next_wake > 0);
}
