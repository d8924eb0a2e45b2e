//! Venue check-ins and cluster notices (issue 6) end to end, over real HTTP on 127.0.0.1 with
//! one fake clock for the server and every phone:
//!
//! 1. A venue operator registers a venue with two rooms through the server's JSON registration
//!    API and gets one signed QR URL per room and the operator copy's trace code.
//! 2. Phones verify each QR with the keys the server publishes at `/venues/v1/keys.json`. V
//!    (refused until it consents) checks in at room 1 at 19:00 JST on day D; W checks in at room 1
//!    on day D-1; X checks in at room 2 on day D at 19:00.
//! 3. The authority publishes a Tokyo 1 (cluster) notice for room 1, day D, 18:00-21:00 with the
//!    trace code over its API. A wrong trace code is refused first and the feed is unchanged.
//! 4. Each phone downloads the signed feed from `/venues/v1/notices`, verifies it and matches it:
//!    V gets exactly one notice (venue name, date and window, in Japanese and English), W and X
//!    none. Matching the same feed again stores nothing new.
//!
//! Registration makes PDFs, so the server needs fonts-noto-cjk (scripts/test installs it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use mimamori_diagnosis_server::{Config, RunningServer, Server};
use mimamori_end_to_end::RecordingClient;
use mimamori_environment::{FixedClock, SeededRandom};
use mimamori_gaen::DeviceCalibration;
use mimamori_phone::CheckIn;
use mimamori_phone::Error;
use mimamori_phone::Phone;
use mimamori_phone::transport::{ServerUrl, Transport};
use mimamori_venue::{
    FEED_PATH, KEYS_PATH, Language, NoticeFeed, NoticeTemplate, PublishedVenueKeys, VenuePublicKey,
    VenueQr,
};
use serde_json::{Value, json};

/// Day D, 2026-11-20, 21:00 JST (12:00 UTC): the server's and the phones' clock.
const NOW: u64 = 1_795_176_000;
/// Day D as the API writes it.
const DAY_D: &str = "2026-11-20";
/// 19:00 JST on day D.
const SEVEN_PM_JST_DAY_D: u64 = NOW - 2 * 3600;
/// 19:00 JST on day D-1.
const SEVEN_PM_JST_DAY_BEFORE: u64 = SEVEN_PM_JST_DAY_D - 24 * 3600;
/// The venue's name.
const VENUE_NAME: &str = "居酒屋もしサポ";
/// The two rooms.
const ROOMS: [&str; 2] = ["1階", "2階 大宴会場"];

/// The diagnosis server on 127.0.0.1:0 over a temporary data directory, with the health
/// authority's API key and a blocking HTTP client.
struct VenueWorld {
    runtime: tokio::runtime::Runtime,
    server: Option<RunningServer>,
    clock: FixedClock,
    api_key: String,
    directory: tempfile::TempDir,
    http: RecordingClient,
}

impl VenueWorld {
    fn start() -> Self {
        let directory = tempfile::tempdir().unwrap();
        let clock = FixedClock::new(NOW);
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let mut config = Config::new(directory.path().join("server"));
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.export_worker = false;
        let server = runtime
            .block_on(Server::start_with_clock(config, Arc::new(clock.clone())))
            .unwrap();
        let api_key = runtime
            .block_on(server.create_api_key("end-to-end venues"))
            .unwrap();
        Self {
            runtime,
            server: Some(server),
            clock,
            api_key,
            directory,
            http: RecordingClient::default(),
        }
    }

    fn url(&self, path: &str) -> String {
        ServerUrl::parse(&self.server.as_ref().unwrap().base_url())
            .unwrap()
            .join(path)
    }

    fn phone(&self, name: &str, seed: u64) -> Phone {
        Phone::open(
            self.directory.path().join("phones").join(name),
            DeviceCalibration::UNKNOWN_DEVICE,
            Arc::new(self.clock.clone()),
            Box::new(SeededRandom::new(seed)),
        )
        .unwrap()
    }

    fn post(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post_json(
                &self.url(path),
                headers,
                body.to_string().as_bytes(),
                16 << 20,
            )
            .unwrap();
        let answer = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        (response.status, answer)
    }

    fn authority_post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post(path, &[("X-API-Key", self.api_key.as_str())], body)
    }

    fn get(&self, path: &str) -> Vec<u8> {
        let response = self.http.get(&self.url(path), 16 << 20).unwrap();
        assert_eq!(response.status, 200, "GET {path}");
        response.body
    }

    /// The keys the server publishes, as a phone fetches them.
    fn published_keys(&self) -> PublishedVenueKeys {
        serde_json::from_slice(&self.get(KEYS_PATH)).unwrap()
    }

    /// The signed feed bytes, as a phone downloads them.
    fn feed_bytes(&self) -> Vec<u8> {
        self.get(FEED_PATH)
    }

    fn shutdown(mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown()).unwrap();
        }
    }
}

fn parse_keys(pems: &[String]) -> Vec<VenuePublicKey> {
    pems.iter()
        .map(|pem| VenuePublicKey::parse(pem).unwrap())
        .collect()
}

/// A phone's sync: download the feed, verify it with the published feed keys, match it.
fn download_feed(world: &VenueWorld) -> NoticeFeed {
    let keys = parse_keys(&world.published_keys().feed_keys);
    NoticeFeed::parse(&world.feed_bytes(), &keys).unwrap()
}

fn check_in_at(phone: &mut Phone, qr: &VenueQr, scanned_at: u64) {
    let visit = phone
        .venues()
        .check_in(
            qr,
            CheckIn {
                scanned_at: Some(scanned_at),
                ..CheckIn::default()
            },
        )
        .unwrap();
    assert_eq!(visit.venue_name, VENUE_NAME);
    assert_eq!(visit.scanned_at, scanned_at);
    // The venue's default stay: 90 minutes.
    assert_eq!(visit.checkout_at, scanned_at + 90 * 60);
}

fn notice_request(trace_code: &str) -> Value {
    json!({
        "traceCode": trace_code,
        "template": "tokyo_cluster",
        "date": DAY_D,
        "fromHour": 18,
        "toHour": 21,
        "rooms": [ROOMS[0]],
    })
}

#[test]
fn a_cluster_notice_reaches_only_the_phone_in_that_room_in_that_window() {
    let world = VenueWorld::start();

    // 1. The operator registers the venue with two rooms.
    let (status, registered) = world.post(
        "/venues/v1/registrations",
        &[],
        &json!({
            "venueType": "restaurant_bar",
            "capacity": "11_50",
            "name": VENUE_NAME,
            "postalCode": "020-8570",
            "address1": "岩手県盛岡市内丸10番1号",
            "address2": "みまもりビル2階",
            "phone": "019-629-5487",
            "email": "owner@example.jp",
            "consent": true,
            "optIn": false,
            "rooms": ROOMS,
            "defaultStayMinutes": 90
        }),
    );
    assert_eq!(status, 201, "{registered}");
    let trace_code = registered["traceCode"].as_str().unwrap().to_owned();
    let rooms = registered["rooms"].as_array().unwrap();
    assert_eq!(rooms.len(), 2);
    let qr_url = |index: usize| {
        assert_eq!(rooms[index]["room"], ROOMS[index]);
        rooms[index]["qrUrl"].as_str().unwrap().to_owned()
    };

    // 2. Phones verify the room QRs with the server's published QR keys and check in.
    let qr_keys = parse_keys(&world.published_keys().qr_keys);
    assert!(!qr_keys.is_empty());
    let room_1 = VenueQr::parse(&qr_url(0), &qr_keys).unwrap();
    let room_2 = VenueQr::parse(&qr_url(1), &qr_keys).unwrap();
    assert_eq!(room_1.payload().name(), VENUE_NAME);
    assert_eq!(room_1.payload().room(), ROOMS[0]);
    assert_eq!(room_2.payload().room(), ROOMS[1]);

    let mut v = world.phone("v", 1);
    let mut w = world.phone("w", 2);
    let mut x = world.phone("x", 3);
    // No check-in without consent, and nothing is stored.
    let refused = v.venues().check_in(
        &room_1,
        CheckIn {
            scanned_at: Some(SEVEN_PM_JST_DAY_D),
            ..CheckIn::default()
        },
    );
    assert!(matches!(refused, Err(Error::VenueConsentRequired)));
    assert!(v.venues().visits().unwrap().is_empty());
    for phone in [&mut v, &mut w, &mut x] {
        phone.venues().consent().unwrap();
    }
    check_in_at(&mut v, &room_1, SEVEN_PM_JST_DAY_D);
    check_in_at(&mut w, &room_1, SEVEN_PM_JST_DAY_BEFORE);
    check_in_at(&mut x, &room_2, SEVEN_PM_JST_DAY_D);

    // 3. A wrong trace code is refused and the feed is unchanged.
    let feed_before = world.feed_bytes();
    let entries_before = download_feed(&world).entries().to_vec();
    assert!(entries_before.is_empty());
    let (status, answer) = world.authority_post(
        "/api/v1/authority/venues/notices",
        &notice_request("ABCD-EFGH-JKMN-PQRS"),
    );
    assert_eq!(status, 404, "{answer}");
    assert_eq!(answer["code"], "unknown_code");
    assert!(!answer.to_string().contains("ABCD"), "{answer}");
    assert_eq!(world.feed_bytes(), feed_before);
    // Without the API key nothing is published either.
    let (status, _) = world.post(
        "/api/v1/authority/venues/notices",
        &[],
        &notice_request(&trace_code),
    );
    assert_eq!(status, 401);
    assert_eq!(world.feed_bytes(), feed_before);

    // The right code publishes the cluster notice for room 1 at once.
    let (status, answer) = world.authority_post(
        "/api/v1/authority/venues/notices",
        &notice_request(&trace_code),
    );
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["published"], 1);

    // 4. Every phone downloads and verifies the same signed feed and matches it.
    let feed = download_feed(&world);
    assert_eq!(feed.entries().len(), 1);

    let found = v.venues().match_feed(&feed).unwrap();
    assert_eq!(found.rejected_entries, 0);
    assert_eq!(found.already_known, 0);
    assert_eq!(found.new_notices.len(), 1);
    let notice = &found.new_notices[0];
    assert_eq!(notice.body.template(), NoticeTemplate::TokyoCluster);
    assert_eq!(notice.body.venue_name(), VENUE_NAME);
    let window = notice.body.window();
    assert_eq!(window.date().to_string(), DAY_D);
    assert_eq!((window.from_hour(), window.to_hour()), (18, 21));
    let japanese = notice.render(Language::Japanese);
    assert!(japanese.contains(&format!("11月20日に立ち寄られた『{VENUE_NAME}』")));
    assert!(japanese.contains("18時から21時頃まで"));
    assert!(japanese.contains("集団発生の疑い"));
    let english = notice.render(Language::English);
    assert!(english.contains(&format!(
        "\"{VENUE_NAME}\", which you visited on 20 November 2026"
    )));
    assert!(english.contains("between about 18:00 and 21:00"));
    assert!(english.contains("cluster"));

    for (name, phone) in [("W (day D-1)", &mut w), ("X (other room)", &mut x)] {
        let found = phone.venues().match_feed(&feed).unwrap();
        assert!(found.new_notices.is_empty(), "{name}");
        assert_eq!(found.already_known, 0, "{name}");
        assert!(phone.venues().notices().unwrap().is_empty(), "{name}");
    }

    // Matching the same feed again (a second sync) stores the notice once.
    let again = v.venues().match_feed(&download_feed(&world)).unwrap();
    assert!(again.new_notices.is_empty());
    assert_eq!(again.already_known, 1);
    let stored = v.venues().notices().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].notice_id, notice.notice_id);
    assert_eq!(stored[0].body, notice.body);

    world.shutdown();
}
