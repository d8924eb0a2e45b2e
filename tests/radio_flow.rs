//! Phones driven by the radio loop (`mimamori_phone::radio`) meet, with the air simulated: in
//! each of B's and C's scan windows they hear what A's loop told A's radio to advertise. A tests
//! positive at 09:30 and uploads at once (same-day release); the server exports the released key
//! ten minutes later; B, who sat next to A before the upload, is flagged that same day; C, who sat
//! next to A only after it, is not: A's loop had moved to the new key, which is never uploaded.

use mimamori_end_to_end::World;
use mimamori_environment::{Clock, SeededRandom};
use mimamori_phone::Phone;
use mimamori_phone::radio::{Heard, RadioConfig, RadioLoop};
use mimamori_phone::sync::{SyncSettings, fetch_published_keys, sync};
use mimamori_phone::testing::NEAR_RSSI;
use mimamori_phone::upload::{UploadSettings, VerificationCode, upload};
use time::macros::date;

/// 2026-11-19 09:00 UTC.
const MORNING: u64 = 1_795_046_400 + 9 * 3_600;

/// A phone and the radio loop driving it.
struct Device {
    phone: Phone,
    radio: RadioLoop,
    next_wake: u64,
}

impl Device {
    fn new(world: &World, name: &str, seed: u64) -> Self {
        Self {
            phone: world.phone(name, seed),
            radio: RadioLoop::new(
                RadioConfig::default(),
                Box::new(SeededRandom::new(seed + 100)),
            )
            .unwrap(),
            next_wake: 0,
        }
    }

    /// Polls the loop if it is due; returns whether a scan window opened.
    fn wake(&mut self, now: u64) -> bool {
        if now < self.next_wake {
            return false;
        }
        let was_scanning = self.radio.scanning().is_some();
        self.next_wake = self.radio.poll(&mut self.phone).unwrap().next_wake;
        !was_scanning && self.radio.scanning().is_some()
    }
}

/// Runs the devices until `end`; every listener hears `speaker`'s advertisement three times in
/// each of its scan windows.
fn run(world: &World, speaker: &mut Device, listeners: &mut [&mut Device], end: u64) {
    let clock = &world.clock;
    while clock.now_unix_seconds() < end {
        let now = clock.now_unix_seconds();
        speaker.wake(now);
        let advertised = speaker
            .radio
            .advertising()
            .map(|b| b.payload.service_data());
        for listener in listeners.iter_mut() {
            if listener.wake(now)
                && let Some(data) = advertised
            {
                for second in 0..3 {
                    assert_eq!(
                        listener.radio.heard(&data, NEAR_RSSI, now + second),
                        Heard::Kept
                    );
                }
            }
        }
        let next = listeners
            .iter()
            .map(|device| device.next_wake)
            .chain([speaker.next_wake])
            .min()
            .unwrap();
        clock.set(next.max(now + 1));
    }
}

#[test]
fn radio_loops_meet_and_a_same_day_upload_flags_the_contact_that_day() {
    let world = World::start(MORNING);
    let mut a = Device::new(&world, "a", 1);
    let mut b = Device::new(&world, "b", 2);
    let mut c = Device::new(&world, "c", 3);

    // 09:00-09:30: B sits next to A.
    run(&world, &mut a, &mut [&mut b], MORNING + 30 * 60);
    let before = *a.radio.advertising().unwrap();

    // 09:30: A tests positive and uploads at once, today's key included.
    let code = world.issue_code("confirmed", Some(date!(2026 - 11 - 19)));
    let report = upload(
        &mut a.phone,
        &world.client(),
        &mut SeededRandom::new(99),
        &UploadSettings::new(world.server_url().as_str(), "JP.mimamori", None, false).unwrap(),
        &VerificationCode::parse(&code).unwrap(),
    )
    .unwrap();
    assert!(report.released_today);
    assert_eq!(report.keys_sent, 1);

    // A's loop switches to the new key at its next poll; 09:30-10:00 C sits next to A.
    a.next_wake = 0;
    run(&world, &mut a, &mut [&mut c], MORNING + 60 * 60);
    assert_ne!(a.radio.advertising().unwrap().payload, before.payload);
    assert!(a.radio.stats().rotations >= 5, "{:?}", a.radio.stats());
    assert!(c.radio.stats().scans >= 6, "{:?}", c.radio.stats());

    // The released key ended at 09:40; the export runs at 10:00.
    assert_eq!(world.run_export()["keys"], 1);
    for (device, flagged) in [(&mut b, true), (&mut c, false)] {
        let client = world.client();
        let settings = SyncSettings {
            server: world.server_url(),
            region: "JP".into(),
            public_keys: fetch_published_keys(&client, &world.server_url()).unwrap(),
        };
        let synced = sync(&mut device.phone, &client, &settings).unwrap();
        assert_eq!(synced.matched[0].report.matched_keys, usize::from(flagged));
        let expected = if flagged {
            vec![date!(2026 - 11 - 19)]
        } else {
            vec![]
        };
        assert_eq!(device.phone.notice().unwrap().high_risk_days, expected);
    }
    world.shutdown();
}
