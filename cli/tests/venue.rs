//! `mimamori venue checkin | notices | partner-match` end to end: the real binary, a real data
//! directory, and a fixture HTTP server on 127.0.0.1 serving a signed feed.

use std::io::Write;
use std::path::Path;
use std::process::Output;

use mimamori_environment::{FixedClock, SeededRandom};
use mimamori_phone::testing::open_phone;
use mimamori_venue::testing::TestVenue;
use mimamori_venue::*;
use time::{Date, Duration};

use crate::common::{FixtureServer, assert_contains_all, mimamori, mimamori_then, now};

/// The CLI runs on the system clock, so the tests' visits are yesterday (JST) and around it.
fn yesterday() -> Date {
    jst_date(now()) - Duration::days(1)
}

/// `day` at `hh:mm` JST, RFC 3339.
fn at(day: Date, hh_mm: &str) -> String {
    format!("{day}T{hh_mm}:00+09:00")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Serves fixed bodies by path on 127.0.0.1; the server's URL.
fn serve(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> (FixtureServer, String) {
    let server = FixtureServer::with_files(files);
    let url = server.url.clone();
    (server, url)
}

/// `mimamori venue notices` of the phone in `dir` from `server`.
fn notices(server: &str, dir: &Path) -> Output {
    mimamori(&[
        "venue",
        "notices",
        "--server",
        server,
        "--data-dir",
        dir.to_str().unwrap(),
    ])
}

/// `mimamori venue partner-match` of the visits in `csv` against `feed`, verified with `key`.
fn partner_match(csv: &Path, feed: &Path, key: &Path) -> Output {
    mimamori(&[
        "venue",
        "partner-match",
        "--visits",
        csv.to_str().unwrap(),
        "--feed",
        feed.to_str().unwrap(),
        "--public-key",
        key.to_str().unwrap(),
    ])
}

struct Authority {
    venue: TestVenue,
    pem_file: tempfile::NamedTempFile,
    url: String,
    random: SeededRandom,
}

fn authority(seed: u64) -> Authority {
    let mut random = SeededRandom::new(seed);
    let venue = TestVenue::new(&mut random, "居酒屋もしサポ", "2階");
    let mut pem_file = tempfile::NamedTempFile::new().unwrap();
    pem_file
        .write_all(venue.authority.public_key().to_pem().unwrap().as_bytes())
        .unwrap();
    Authority {
        url: venue.qr.url(),
        venue,
        pem_file,
        random,
    }
}

fn signed_feed(authority: &mut Authority, window: NoticeWindow) -> Vec<u8> {
    authority
        .venue
        .signed_feed(window, now(), &mut authority.random)
}

fn checkin(dir: &Path, authority: &Authority, url: &str, extra: &[&str]) -> Output {
    let key = authority.pem_file.path().to_str().unwrap();
    let data_dir = dir.to_str().unwrap();
    mimamori_then(
        &[
            "venue",
            "checkin",
            url,
            "--data-dir",
            data_dir,
            "--authority-key",
            key,
        ],
        extra,
    )
}

/// The number of stored visits, read through the core (opening the phone, now, as the CLI does).
fn visits(dir: &Path) -> usize {
    let mut phone = open_phone(dir, &FixedClock::new(now()), 1);
    phone.venues().visits().unwrap().len()
}

#[test]
fn checkin_needs_consent_and_refuses_foreign_and_tampered_codes() {
    let authority = authority(1);
    let dir = tempfile::tempdir().unwrap();
    let day = yesterday();
    let scan = at(day, "19:00");
    let at = ["--at", scan.as_str()];

    let refused = checkin(dir.path(), &authority, &authority.url, &at);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("--consent"), "{}", text(&refused));

    let ok = checkin(
        dir.path(),
        &authority,
        &authority.url,
        &[&at[..], &["--consent", "--staff"]].concat(),
    );
    assert!(ok.status.success(), "{}", text(&ok));
    let out = text(&ok);
    assert_contains_all(
        &out,
        &[
            "居酒屋もしサポ (2階)",
            "as staff",
            &format!("{day} 19:00 to {day} 21:00"),
        ],
    );

    // Consent is remembered; --stay changes the checkout.
    let again = checkin(
        dir.path(),
        &authority,
        &authority.url,
        &[&at[..], &["--stay", "30"]].concat(),
    );
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains(&format!("19:00 to {day} 19:30")));
    assert_eq!(visits(dir.path()), 2);

    let foreign = checkin(
        dir.path(),
        &authority,
        "https://line.me/R/ti/p/@moshisapo",
        &[],
    );
    assert!(!foreign.status.success());
    assert!(
        text(&foreign).contains("not a venue code"),
        "{}",
        text(&foreign)
    );

    let mut tampered = authority.url.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let tampered = checkin(dir.path(), &authority, &tampered, &[]);
    assert!(!tampered.status.success());

    let forger = self::authority(2);
    let forged = checkin(dir.path(), &authority, &forger.url, &[]);
    assert!(!forged.status.success());
    assert!(
        text(&forged).contains("not issued by the health authority"),
        "{}",
        text(&forged)
    );
    assert_eq!(visits(dir.path()), 2, "refused codes stored nothing");
}

#[test]
fn notices_are_printed_for_an_overlapping_visit_only() {
    let mut authority = authority(3);
    let feed = signed_feed(
        &mut authority,
        NoticeWindow::new(yesterday(), 18, 22).unwrap(),
    );
    let keys = PublishedVenueKeys {
        qr_keys: vec![authority.venue.authority.public_key().to_pem().unwrap()],
        feed_keys: vec![authority.venue.authority.public_key().to_pem().unwrap()],
        seal_key: "AAAA".into(),
    };
    let (_fixture, server) = serve([
        (FEED_PATH.to_owned(), feed),
        (KEYS_PATH.to_owned(), serde_json::to_vec(&keys).unwrap()),
    ]);

    let during = tempfile::tempdir().unwrap();
    let day_after = tempfile::tempdir().unwrap();
    for (dir, scan) in [
        (&during, at(yesterday(), "21:30")),
        (&day_after, at(yesterday() + Duration::days(1), "19:00")),
    ] {
        let output = checkin(
            dir.path(),
            &authority,
            &authority.url,
            &["--at", &scan, "--consent"],
        );
        assert!(output.status.success(), "{}", text(&output));
    }

    let output = notices(&server, during.path());
    assert!(output.status.success(), "{}", text(&output));
    let out = text(&output);
    assert_contains_all(
        &out,
        &[
            "1 new for this phone",
            &format!(
                "あなたが{}月{}日に立ち寄られた『居酒屋もしサポ』を",
                u8::from(yesterday().month()),
                yesterday().day()
            ),
            "18時から22時頃まで",
            "does not mean you are infected",
            "019-603-8244",
        ],
    );

    // Again: nothing new, the notice is still shown.
    let output = notices(&server, during.path());
    assert!(
        text(&output).contains("0 new for this phone, 1 already known"),
        "{}",
        text(&output)
    );

    let output = notices(&server, day_after.path());
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("0 new for this phone, 0 already known"),
        "{}",
        text(&output)
    );
    assert!(!text(&output).contains("あなたが"));

    // A phone that never checked in has no pinned key: it uses the keys the server publishes,
    // and keeps them for its next check-in.
    let fresh = tempfile::tempdir().unwrap();
    let output = notices(&server, fresh.path());
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("trust on first use"),
        "{}",
        text(&output)
    );
    let output = mimamori(&[
        "venue",
        "checkin",
        &authority.url,
        "--consent",
        "--data-dir",
        fresh.path().to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn a_feed_signed_by_another_key_is_refused_and_stores_nothing() {
    let authority = authority(4);
    let mut impostor = self::authority(5);
    let feed = signed_feed(&mut impostor, NoticeWindow::whole_day(yesterday()));
    let (_fixture, server) = serve([(FEED_PATH.to_owned(), feed.clone())]);
    let dir = tempfile::tempdir().unwrap();
    let output = checkin(
        dir.path(),
        &authority,
        &authority.url,
        &["--at", &at(yesterday(), "19:00"), "--consent"],
    );
    assert!(output.status.success(), "{}", text(&output));
    // The phone pinned the authority's key at check-in.
    let output = notices(&server, dir.path());
    assert!(!output.status.success());
    assert!(
        text(&output).contains("no signature that verifies"),
        "{}",
        text(&output)
    );

    let (_truncated_fixture, truncated) =
        serve([(FEED_PATH.to_owned(), feed[..feed.len() / 2].to_vec())]);
    let output = notices(&truncated, dir.path());
    assert!(!output.status.success());
    assert_eq!(visits(dir.path()), 1);
}

#[test]
fn partner_match_over_a_csv_of_visits() {
    let mut authority = authority(6);
    let feed = signed_feed(
        &mut authority,
        NoticeWindow::new(time::macros::date!(2021 - 07 - 20), 18, 20).unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let feed_path = dir.path().join("notices.bin");
    std::fs::write(&feed_path, &feed).unwrap();
    let csv_path = dir.path().join("visits.csv");
    let url = &authority.url;
    std::fs::write(
        &csv_path,
        format!(
            "{PARTNER_CSV_HEADER}\n\
             pay-1,{url},2021-07-20T19:10:00+09:00,2021-07-20T19:10:00+09:00\n\
             res-2,{url},2021-07-19T18:00:00+09:00,2021-07-19T20:00:00+09:00\n\
             res-3,{url},2021-07-20T17:00:00+09:00,2021-07-20T18:30:00+09:00\n\
             res-4,{url},2021-07-21T18:00:00+09:00,2021-07-21T20:00:00+09:00\n"
        ),
    )
    .unwrap();
    let output = partner_match(&csv_path, &feed_path, authority.pem_file.path());
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let visit_ids: Vec<&str> = stdout
        .lines()
        .skip(1)
        .filter(|line| !line.starts_with(' ') && line.contains(",tokyo_positive_visitor,"))
        .map(|line| line.split(',').next().unwrap())
        .collect();
    assert_eq!(visit_ids, ["res-3", "pay-1"], "{stdout}");
    assert!(stdout.contains("居酒屋もしサポ"));

    // A CSV with a foreign QR is refused as a whole, naming the line.
    std::fs::write(&csv_path, format!("{PARTNER_CSV_HEADER}\nx,https://example.com/v/#AAAA,2021-07-20T19:10:00Z,2021-07-20T19:10:00Z\n")).unwrap();
    let output = partner_match(&csv_path, &feed_path, authority.pem_file.path());
    assert!(!output.status.success());
    assert!(text(&output).contains("line 2"), "{}", text(&output));
}
