//! The phone's venue check-ins: consent, visits, and the notices found for them, in the phone's
//! database. Nothing here is ever uploaded.
//!
//! Retention: a visit is deleted [`VISIT_RETENTION_SECONDS`] after its checkout, with the notices
//! found for it; [`crate::Phone::purge`] does it.

use std::sync::Arc;

use rusqlite::{OptionalExtension, params};

use crate::storage::{Database, from_sql, to_sql};
use mimamori_environment::Clock;
use mimamori_venue::NoticeFeed;
use mimamori_venue::VISIT_RETENTION_SECONDS;
use mimamori_venue::{DEFAULT_STAY_MINUTES_RANGE, VenuePayload, VenueQr, VenueType};
use mimamori_venue::{MatchReport, NoticeMatch, Visit, VisitRole, match_visits};
use mimamori_venue::{NOTICE_ID_LENGTH, NoticeBody};

use crate::{Error, Result};

/// How a check-in is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckIn {
    /// The scan time, Unix seconds (default: now). Scan time is visit time.
    pub scanned_at: Option<u64>,
    /// The stay in minutes (default: the venue's default stay); checkout is scan + stay.
    pub stay_minutes: Option<u16>,
    /// Guest or staff.
    pub role: VisitRole,
}

impl Default for CheckIn {
    fn default() -> Self {
        Self {
            scanned_at: None,
            stay_minutes: None,
            role: VisitRole::Visitor,
        }
    }
}

/// A stored visit, as the phone shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredVisit {
    /// The visit's row id on this phone.
    pub id: i64,
    /// The venue's name.
    pub venue_name: String,
    /// The room, floor or table label (may be empty).
    pub room: String,
    /// The kind of venue.
    pub venue_type: VenueType,
    /// Scan time, Unix seconds.
    pub scanned_at: u64,
    /// Checkout time, Unix seconds.
    pub checkout_at: u64,
    /// Guest or staff.
    pub role: VisitRole,
}

/// What matching a feed against the stored visits did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedCheck {
    /// Notices found for the first time (now stored); notify the resident of these.
    pub new_notices: Vec<NoticeMatch>,
    /// Notices found again that were already stored.
    pub already_known: usize,
    /// Feed entries under one of this phone's tags that failed their MAC check and were skipped.
    pub rejected_entries: usize,
}

/// The phone's venue check-ins over its database.
pub struct VenueBook {
    database: Database,
    clock: Arc<dyn Clock>,
}

impl VenueBook {
    /// The check-ins kept in `database`.
    pub fn new(database: Database, clock: Arc<dyn Clock>) -> Self {
        Self { database, clock }
    }

    /// Whether the resident has consented to venue check-ins.
    pub fn has_consented(&mut self) -> Result<bool> {
        let connection = self.database.connection();
        let found: Option<i64> = connection
            .query_row(
                "SELECT consented_at FROM venue_consent WHERE id = 1",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(|error| self.database.error(error))?;
        Ok(found.is_some())
    }

    /// Records the resident's consent (once; later calls keep the first time).
    pub fn consent(&mut self) -> Result<()> {
        let now = to_sql(self.clock.now_unix_seconds());
        self.database
            .connection()
            .execute(
                "INSERT OR IGNORE INTO venue_consent (id, consented_at) VALUES (1, ?1)",
                [now],
            )
            .map_err(|error| self.database.error(error))?;
        Ok(())
    }

    /// Withdraws consent and deletes every visit and notice. Returns the visits deleted.
    pub fn withdraw_consent(&mut self) -> Result<usize> {
        let connection = self.database.connection();
        let transaction = connection.transaction()?;
        transaction.execute("DELETE FROM venue_consent", [])?;
        transaction.execute("DELETE FROM venue_notices", [])?;
        let visits = transaction.execute("DELETE FROM venue_visits", [])?;
        transaction.commit()?;
        Ok(visits)
    }

    /// Records a visit to the venue of a verified `qr`. Refused with
    /// [`Error::VenueConsentRequired`] until [`VenueBook::consent`]; a scan time older than the
    /// retention period or a stay outside 1 to 1,440 minutes is [`Error::InvalidVisit`].
    pub fn check_in(&mut self, qr: &VenueQr, check_in: CheckIn) -> Result<StoredVisit> {
        if !self.has_consented()? {
            return Err(Error::VenueConsentRequired);
        }
        let now = self.clock.now_unix_seconds();
        let scanned_at = check_in.scanned_at.unwrap_or(now);
        let stay = check_in
            .stay_minutes
            .unwrap_or(qr.payload().default_stay_minutes());
        if !DEFAULT_STAY_MINUTES_RANGE.contains(&stay) {
            return Err(Error::InvalidVisit {
                reason: "the stay must be 1 to 1,440 minutes".into(),
            });
        }
        let checkout_at = scanned_at
            .checked_add(u64::from(stay) * 60)
            .filter(|&checkout| i64::try_from(checkout).is_ok())
            .ok_or_else(|| Error::InvalidVisit {
                reason: "the scan time is out of range".into(),
            })?;
        if checkout_at < now.saturating_sub(VISIT_RETENTION_SECONDS) {
            return Err(Error::InvalidVisit {
                reason: "the visit is older than 14 days, the time check-ins are kept".into(),
            });
        }
        let connection = self.database.connection();
        connection
            .execute(
                "INSERT INTO venue_visits (payload, scanned_at, checkout_at, role)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    qr.payload_bytes(),
                    to_sql(scanned_at),
                    to_sql(checkout_at),
                    check_in.role.as_str()
                ],
            )
            .map_err(|error| self.database.error(error))?;
        let id = self.database.connection().last_insert_rowid();
        Ok(StoredVisit {
            id,
            venue_name: qr.payload().name().to_owned(),
            room: qr.payload().room().to_owned(),
            venue_type: qr.payload().venue_type(),
            scanned_at,
            checkout_at,
            role: check_in.role,
        })
    }

    /// Changes a visit's checkout time (the resident left earlier or later).
    pub fn set_checkout(&mut self, visit_id: i64, checkout_at: u64) -> Result<()> {
        let connection = self.database.connection();
        let scanned_at: Option<i64> = connection
            .query_row(
                "SELECT scanned_at FROM venue_visits WHERE id = ?1",
                [visit_id],
                |row| row.get(0),
            )
            .optional()?;
        let Some(scanned_at) = scanned_at else {
            return Err(Error::InvalidVisit {
                reason: "there is no such visit on this phone".into(),
            });
        };
        let scanned_at = from_sql(scanned_at);
        if checkout_at < scanned_at
            || checkout_at - scanned_at > u64::from(*DEFAULT_STAY_MINUTES_RANGE.end()) * 60
        {
            return Err(Error::InvalidVisit {
                reason: "the checkout must be between the scan and 24 hours after it".into(),
            });
        }
        connection.execute(
            "UPDATE venue_visits SET checkout_at = ?1 WHERE id = ?2",
            params![to_sql(checkout_at), visit_id],
        )?;
        Ok(())
    }

    /// The stored visits, oldest first.
    pub fn visits(&mut self) -> Result<Vec<StoredVisit>> {
        self.load()?
            .into_iter()
            .map(|(id, payload, scanned_at, checkout_at, role)| {
                let venue = VenuePayload::decode(&payload)?;
                Ok(StoredVisit {
                    id,
                    venue_name: venue.name().to_owned(),
                    room: venue.room().to_owned(),
                    venue_type: venue.venue_type(),
                    scanned_at,
                    checkout_at,
                    role,
                })
            })
            .collect()
    }

    #[allow(clippy::type_complexity)]
    fn load(&mut self) -> Result<Vec<(i64, Vec<u8>, u64, u64, VisitRole)>> {
        let connection = self.database.connection();
        let mut statement = connection.prepare(
            "SELECT id, payload, scanned_at, checkout_at, role FROM venue_visits
             ORDER BY scanned_at, id",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, Vec<u8>>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, String>(4)?,
            ))
        })?;
        let mut visits = Vec::new();
        for row in rows {
            let (id, payload, scanned_at, checkout_at, role) = row?;
            visits.push((
                id,
                payload,
                from_sql(scanned_at),
                from_sql(checkout_at),
                VisitRole::parse(&role)?,
            ));
        }
        Ok(visits)
    }

    /// Matches a verified feed against the stored visits and stores the notices found for the
    /// first time, in one transaction. Entries that fail their MAC are skipped and counted; they
    /// change nothing.
    pub fn match_feed(&mut self, feed: &NoticeFeed) -> Result<FeedCheck> {
        let visits = self
            .load()?
            .into_iter()
            .map(|(id, payload, scanned_at, checkout_at, role)| {
                Visit::from_payload_bytes(&id.to_string(), &payload, scanned_at, checkout_at)
                    .map(|visit| visit.with_role(role))
            })
            .collect::<mimamori_venue::Result<Vec<_>>>()?;
        let MatchReport {
            matches,
            rejected_entries,
        } = match_visits(&visits, feed);
        let now = to_sql(self.clock.now_unix_seconds());
        let connection = self.database.connection();
        let transaction = connection.transaction()?;
        let mut check = FeedCheck {
            rejected_entries,
            ..FeedCheck::default()
        };
        for found in matches {
            let first = found
                .visit_ids
                .first()
                .map(String::as_str)
                .unwrap_or_default();
            let visit_id: i64 = first.parse().map_err(|_| Error::InvalidVisit {
                reason: "a stored visit has a malformed id".into(),
            })?;
            let inserted = transaction.execute(
                "INSERT OR IGNORE INTO venue_notices
                     (notice_id, visit_id, body, published_at, found_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    found.notice_id.as_slice(),
                    visit_id,
                    found.body.encode(),
                    to_sql(found.published_at),
                    now
                ],
            )?;
            if inserted == 1 {
                check.new_notices.push(found);
            } else {
                check.already_known += 1;
            }
        }
        transaction.commit()?;
        Ok(check)
    }

    /// The notices found so far, oldest first.
    pub fn notices(&mut self) -> Result<Vec<NoticeMatch>> {
        let connection = self.database.connection();
        let mut statement = connection.prepare(
            "SELECT n.notice_id, n.visit_id, n.body, n.published_at, v.role
             FROM venue_notices n JOIN venue_visits v ON v.id = n.visit_id
             ORDER BY n.found_at, n.published_at",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, Vec<u8>>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Vec<u8>>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, String>(4)?,
            ))
        })?;
        let mut notices = Vec::new();
        for row in rows {
            let (notice_id, visit_id, body, published_at, role) = row?;
            let notice_id: [u8; NOTICE_ID_LENGTH] =
                notice_id.as_slice().try_into().map_err(|_| {
                    mimamori_venue::Error::InvalidLength {
                        what: "notice id",
                        expected: NOTICE_ID_LENGTH,
                        actual: notice_id.len(),
                    }
                })?;
            notices.push(NoticeMatch {
                notice_id,
                visit_ids: vec![visit_id.to_string()],
                role: VisitRole::parse(&role)?,
                published_at: from_sql(published_at),
                body: NoticeBody::decode(&body)?,
            });
        }
        Ok(notices)
    }

    /// Deletes visits that ended more than [`VISIT_RETENTION_SECONDS`] before `now` (with their
    /// notices) and notices published before then. Returns the visits deleted.
    pub fn purge(&mut self, now: u64) -> Result<usize> {
        let cutoff = to_sql(now.saturating_sub(VISIT_RETENTION_SECONDS));
        let connection = self.database.connection();
        let transaction = connection.transaction()?;
        transaction.execute(
            "DELETE FROM venue_notices WHERE published_at < ?1",
            [cutoff],
        )?;
        let visits =
            transaction.execute("DELETE FROM venue_visits WHERE checkout_at < ?1", [cutoff])?;
        transaction.commit()?;
        Ok(visits)
    }
}

impl std::fmt::Debug for VenueBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VenueBook").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use mimamori_environment::{FixedClock, SeededRandom};
    use mimamori_venue::{NoticeTemplate, NoticeWindow, VenueSeed, VenueSigningKey};

    /// 2021-07-20 00:00 JST.
    const JULY_20: u64 = 1_626_706_800;
    const HOUR: u64 = 3_600;

    fn setup() -> (VenueBook, FixedClock, VenueQr, VenueSigningKey) {
        let clock = FixedClock::new(JULY_20 + 12 * HOUR);
        let book = VenueBook::new(Database::open_in_memory().unwrap(), Arc::new(clock.clone()));
        let key = VenueSigningKey::generate(&mut SeededRandom::new(4), "v", "1").unwrap();
        let qr = VenuePayload::new(
            VenueType::Theatre,
            90,
            VenueSeed::from_bytes([3; 32]),
            "もしサポ劇場",
            "",
            "",
        )
        .unwrap()
        .sign(&key, "venues.example.jp")
        .unwrap();
        (book, clock, qr, key)
    }

    fn feed(qr: &VenueQr, key: &VenueSigningKey, window: NoticeWindow) -> NoticeFeed {
        let body = NoticeBody::new(
            NoticeTemplate::IwateSameDay,
            window,
            "岩手県",
            "019-629-5487",
            qr.payload().name(),
        )
        .unwrap();
        let entry = body.encrypt(&qr.secret(), JULY_20 + 30 * HOUR, &mut SeededRandom::new(8));
        let bytes = NoticeFeed::new(JULY_20 + 30 * HOUR, vec![entry])
            .sign(&[key])
            .unwrap();
        NoticeFeed::parse(&bytes, &[key.public_key()]).unwrap()
    }

    #[test]
    fn check_in_needs_consent_once() {
        let (mut book, _, qr, _) = setup();
        assert!(matches!(
            book.check_in(&qr, CheckIn::default()),
            Err(Error::VenueConsentRequired)
        ));
        assert!(book.visits().unwrap().is_empty());
        book.consent().unwrap();
        book.consent().unwrap();
        let visit = book.check_in(&qr, CheckIn::default()).unwrap();
        assert_eq!(visit.scanned_at, JULY_20 + 12 * HOUR);
        assert_eq!(visit.checkout_at, JULY_20 + 12 * HOUR + 90 * 60);
        assert_eq!(visit.role, VisitRole::Visitor);
        let staff = book
            .check_in(
                &qr,
                CheckIn {
                    scanned_at: Some(JULY_20 + 8 * HOUR),
                    stay_minutes: Some(600),
                    role: VisitRole::Staff,
                },
            )
            .unwrap();
        assert_eq!(staff.checkout_at, JULY_20 + 18 * HOUR);
        assert_eq!(book.visits().unwrap(), [staff.clone(), visit.clone()]);
        assert!(
            book.check_in(
                &qr,
                CheckIn {
                    stay_minutes: Some(0),
                    ..CheckIn::default()
                }
            )
            .is_err()
        );
        book.set_checkout(visit.id, visit.scanned_at + 60).unwrap();
        assert!(book.set_checkout(visit.id, visit.scanned_at - 1).is_err());
        assert_eq!(book.visits().unwrap()[1].checkout_at, visit.scanned_at + 60);
        assert_eq!(book.withdraw_consent().unwrap(), 2);
        assert!(!book.has_consented().unwrap());
    }

    #[test]
    fn a_notice_is_stored_once_and_a_bad_one_changes_nothing() {
        let (mut book, clock, qr, key) = setup();
        book.consent().unwrap();
        book.check_in(
            &qr,
            CheckIn {
                role: VisitRole::Staff,
                ..CheckIn::default()
            },
        )
        .unwrap();
        let good = feed(&qr, &key, NoticeWindow::whole_day(date!(2021 - 07 - 20)));
        let mut tampered_entry = good.entries()[0].clone();
        tampered_entry.ciphertext[0] ^= 1;
        tampered_entry.notice_id[0] ^= 1;
        let tampered = NoticeFeed::new(good.created(), vec![tampered_entry]);
        let check = book.match_feed(&tampered).unwrap();
        assert!(check.new_notices.is_empty());
        assert_eq!(check.rejected_entries, 1);
        assert!(book.notices().unwrap().is_empty());

        let check = book.match_feed(&good).unwrap();
        assert_eq!(check.new_notices.len(), 1);
        assert_eq!(check.new_notices[0].role, VisitRole::Staff);
        let again = book.match_feed(&good).unwrap();
        assert!(again.new_notices.is_empty());
        assert_eq!(again.already_known, 1);
        assert_eq!(book.notices().unwrap(), check.new_notices);

        let other_day = feed(&qr, &key, NoticeWindow::whole_day(date!(2021 - 07 - 21)));
        assert!(book.match_feed(&other_day).unwrap().new_notices.is_empty());

        // 14 days after checkout the visit and its notice are gone.
        clock.set(JULY_20 + 12 * HOUR + 90 * 60 + VISIT_RETENTION_SECONDS - 1);
        assert_eq!(book.purge(clock.now_unix_seconds()).unwrap(), 0);
        assert_eq!(book.visits().unwrap().len(), 1);
        clock.advance(2);
        assert_eq!(book.purge(clock.now_unix_seconds()).unwrap(), 1);
        assert!(book.visits().unwrap().is_empty());
        assert!(book.notices().unwrap().is_empty());
        assert!(
            book.check_in(
                &qr,
                CheckIn {
                    scanned_at: Some(u64::MAX),
                    ..CheckIn::default()
                }
            )
            .is_err()
        );
        // A check-in older than the retention period is refused.
        assert!(matches!(
            book.check_in(
                &qr,
                CheckIn {
                    scanned_at: Some(JULY_20),
                    ..CheckIn::default()
                }
            ),
            Err(Error::InvalidVisit { .. })
        ));
    }
}
