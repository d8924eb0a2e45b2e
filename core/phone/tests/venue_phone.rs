//! Venue check-ins on a whole phone: consent, check-in, notices from a signed feed, retention
//! across reopening, and bad input that changes nothing stored.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use mimamori_environment::{FixedClock, OsRandom};
use mimamori_phone::testing::open_phone;
use mimamori_phone::{CheckIn, Error};
use mimamori_venue::testing::TestVenue;
use mimamori_venue::*;
use time::macros::date;

/// 2021-07-20 00:00 JST.
const JULY_20: u64 = 1_626_706_800;
const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;

#[test]
fn a_phone_checks_in_is_notified_and_forgets_after_14_days() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(JULY_20 + 19 * HOUR);
    let mut random = OsRandom;
    let venue = TestVenue::new(&mut random, "スナックもしサポ", "");
    let keys = [venue.authority.public_key()];
    let url = venue.qr.url();

    let mut phone = open_phone(dir.path(), &clock, 1);
    let qr = VenueQr::parse(&url, &keys).unwrap();
    assert!(matches!(
        phone.venues().check_in(&qr, CheckIn::default()),
        Err(Error::VenueConsentRequired)
    ));
    phone.venues().consent().unwrap();
    phone.venues().check_in(&qr, CheckIn::default()).unwrap();

    // A forged poster is refused before anything is stored.
    let forger = TestVenue::new(&mut random, "偽", "");
    let forged = forger.qr.url();
    assert!(matches!(
        VenueQr::parse(&forged, &keys),
        Err(mimamori_venue::Error::VenueQrNotVerified)
    ));
    assert_eq!(phone.venues().visits().unwrap().len(), 1);

    let window = NoticeWindow::new(date!(2021 - 07 - 20), 20, 23).unwrap();
    let signed = venue.signed_feed(window, JULY_20 + 2 * DAY, &mut random);
    // A truncated or wrongly signed feed is refused and stores nothing.
    assert!(NoticeFeed::parse(&signed[..signed.len() / 2], &keys).is_err());
    assert!(matches!(
        NoticeFeed::parse(&signed, &[forger.authority.public_key()]),
        Err(mimamori_venue::Error::NoticeFeedNotVerified { .. })
    ));
    assert!(phone.venues().notices().unwrap().is_empty());

    let feed = NoticeFeed::parse(&signed, &keys).unwrap();
    let check = phone.venues().match_feed(&feed).unwrap();
    assert_eq!(check.new_notices.len(), 1);
    drop(phone);

    // Reopened, the phone still has the visit and notice; 14 days after checkout both are gone.
    clock.set(JULY_20 + 3 * DAY);
    let mut phone = open_phone(dir.path(), &clock, 1);
    assert_eq!(phone.venues().notices().unwrap().len(), 1);
    assert!(phone.venues().has_consented().unwrap());
    clock.set(JULY_20 + 21 * HOUR + 14 * DAY + 1);
    let report = phone.purge().unwrap();
    assert_eq!(report.visits, 1);
    assert!(phone.venues().visits().unwrap().is_empty());
    assert!(phone.venues().notices().unwrap().is_empty());
}
