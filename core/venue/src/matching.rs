//! Matching stored visits against the notice feed: one function for phones and partner systems.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::feed::NoticeFeed;
use super::notice::{NOTICE_ID_LENGTH, NoticeBody};
use super::payload::{VenuePayload, VenueQr};
use super::tags::{SlotTag, VenueSecret};
use super::templates::{Language, render};
use crate::{Error, Result};

/// The longest visit matched, in seconds: 24 hours.
pub const MAX_VISIT_SECONDS: u64 = 86_400;

/// Whether a visit was a guest's or a member of staff's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VisitRole {
    /// A guest, customer or participant.
    Visitor,
    /// Staff of the venue.
    Staff,
}

impl VisitRole {
    /// `visitor` or `staff`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visitor => "visitor",
            Self::Staff => "staff",
        }
    }

    /// The role named `text` (`visitor` or `staff`).
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "visitor" => Ok(Self::Visitor),
            "staff" => Ok(Self::Staff),
            _ => Err(Error::InvalidVisit {
                reason: "the role must be visitor or staff".into(),
            }),
        }
    }
}

/// One visit to a venue: whose (an id meaningful to the caller), where, when.
#[derive(Clone)]
pub struct Visit {
    id: String,
    payload: VenuePayload,
    secret: VenueSecret,
    arrived: u64,
    left: u64,
    role: VisitRole,
}

impl Visit {
    /// A guest's visit to the venue of `qr` from `arrived` until `left` (Unix seconds; at most
    /// [`MAX_VISIT_SECONDS`] apart, `left` not before `arrived`).
    pub fn new(id: &str, qr: VenueQr, arrived: u64, left: u64) -> Result<Self> {
        Self::from_parts(id, qr.payload().clone(), qr.secret(), arrived, left)
    }

    /// A visit to the venue whose encoded payload is `payload_bytes` (as a phone stored it after
    /// verifying the QR).
    pub fn from_payload_bytes(
        id: &str,
        payload_bytes: &[u8],
        arrived: u64,
        left: u64,
    ) -> Result<Self> {
        let payload = VenuePayload::decode(payload_bytes)?;
        Self::from_parts(
            id,
            payload,
            VenueSecret::from_payload_bytes(payload_bytes),
            arrived,
            left,
        )
    }

    fn from_parts(
        id: &str,
        payload: VenuePayload,
        secret: VenueSecret,
        arrived: u64,
        left: u64,
    ) -> Result<Self> {
        if left < arrived {
            return Err(Error::InvalidVisit {
                reason: "the visit ends before it starts".into(),
            });
        }
        if left - arrived > MAX_VISIT_SECONDS {
            return Err(Error::InvalidVisit {
                reason: "a visit lasts at most 24 hours".into(),
            });
        }
        Ok(Self {
            id: id.to_owned(),
            payload,
            secret,
            arrived,
            left,
            role: VisitRole::Visitor,
        })
    }

    /// The same visit with `role`.
    pub fn with_role(mut self, role: VisitRole) -> Self {
        self.role = role;
        self
    }

    /// The caller's id of the visit.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The venue.
    pub fn venue(&self) -> &VenuePayload {
        &self.payload
    }

    /// Arrival, Unix seconds.
    pub fn arrived(&self) -> u64 {
        self.arrived
    }

    /// Departure, Unix seconds.
    pub fn left(&self) -> u64 {
        self.left
    }

    /// Guest or staff.
    pub fn role(&self) -> VisitRole {
        self.role
    }
}

impl fmt::Debug for Visit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Visit")
            .field("arrived", &self.arrived)
            .field("left", &self.left)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A notice that concerns a visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeMatch {
    /// The notice's id.
    pub notice_id: [u8; NOTICE_ID_LENGTH],
    /// The ids of the visits it concerns, earliest first (a phone has one resident; a partner
    /// system notifies the user of each).
    pub visit_ids: Vec<String>,
    /// The role of the earliest visit.
    pub role: VisitRole,
    /// When the notice was published, Unix seconds.
    pub published_at: u64,
    /// What the notice says.
    pub body: NoticeBody,
}

impl NoticeMatch {
    /// The notice's text in `language`.
    pub fn render(&self, language: Language) -> String {
        render(&self.body, language)
    }

    /// The notice's id as lowercase hex (32 characters), as apps and partner reports show it.
    pub fn notice_id_hex(&self) -> String {
        crate::tags::hex_string(&self.notice_id)
    }
}

/// What matching found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatchReport {
    /// Notices whose window a visit overlaps, one per notice id, in feed order.
    pub matches: Vec<NoticeMatch>,
    /// Entries under a visit's tag whose MAC did not verify (or whose body was malformed): they
    /// were skipped.
    pub rejected_entries: usize,
}

/// Finds the notices of `feed` that concern `visits`: for each visit, the tags of the hour slots
/// it overlaps are looked up in the feed; each entry found must verify with the venue's MAC key
/// and decrypt to a body whose window the visit overlaps (the same JST date and hours). Each
/// notice is reported once (de-duplicated by notice id), with every visit it concerns. An entry that fails its MAC is
/// counted in [`MatchReport::rejected_entries`] and skipped.
pub fn match_visits(visits: &[Visit], feed: &NoticeFeed) -> MatchReport {
    let mut by_tag: HashMap<SlotTag, Vec<usize>> = HashMap::new();
    for (index, entry) in feed.entries().iter().enumerate() {
        for tag in &entry.tags {
            by_tag.entry(*tag).or_default().push(index);
        }
    }
    let mut order: Vec<&Visit> = visits.iter().collect();
    order.sort_by_key(|visit| (visit.arrived, visit.left));

    let mut found: HashMap<[u8; NOTICE_ID_LENGTH], (usize, NoticeMatch)> = HashMap::new();
    let mut rejected: HashSet<usize> = HashSet::new();
    for visit in order {
        let mut tried = HashSet::new();
        for (_, tag) in visit.secret.tags_overlapping(visit.arrived, visit.left) {
            for &index in by_tag.get(&tag).into_iter().flatten() {
                if !tried.insert(index) {
                    continue;
                }
                let entry = &feed.entries()[index];
                if let Some((_, known)) = found.get_mut(&entry.notice_id) {
                    if known.body.window().overlaps(visit.arrived, visit.left) {
                        known.visit_ids.push(visit.id.clone());
                    }
                    continue;
                }
                let Ok(body) = entry.decrypt(&visit.secret) else {
                    rejected.insert(index);
                    continue;
                };
                if body.window().overlaps(visit.arrived, visit.left) {
                    found.insert(
                        entry.notice_id,
                        (
                            index,
                            NoticeMatch {
                                notice_id: entry.notice_id,
                                visit_ids: vec![visit.id.clone()],
                                role: visit.role,
                                published_at: entry.published_at,
                                body,
                            },
                        ),
                    );
                }
            }
        }
    }
    let mut matches: Vec<(usize, NoticeMatch)> = found.into_values().collect();
    matches.sort_by_key(|(index, _)| *index);
    MatchReport {
        matches: matches.into_iter().map(|(_, found)| found).collect(),
        rejected_entries: rejected.len(),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::{NoticeTemplate, NoticeWindow, VenueSeed, VenueSigningKey, VenueType};
    use mimamori_environment::SeededRandom;

    /// 2021-07-20 00:00 JST.
    const JULY_20: u64 = 1_626_706_800;
    const HOUR: u64 = 3_600;

    struct World {
        key: VenueSigningKey,
        qr: VenueQr,
        other: VenueQr,
        random: SeededRandom,
    }

    fn world() -> World {
        let mut random = SeededRandom::new(9);
        let key = VenueSigningKey::generate(&mut random, "v", "1").unwrap();
        let venue = |name: &str, random: &mut SeededRandom| {
            VenuePayload::new(
                VenueType::Nightlife,
                120,
                VenueSeed::generate(random),
                name,
                "",
                "",
            )
            .unwrap()
            .sign(&key, "venues.example.jp")
            .unwrap()
        };
        let qr = venue("バー", &mut random);
        let other = venue("劇場", &mut random);
        World {
            key,
            qr,
            other,
            random,
        }
    }

    fn feed(world: &mut World, windows: &[(&VenueQr, NoticeWindow)]) -> NoticeFeed {
        let entries = windows
            .iter()
            .map(|(qr, window)| {
                NoticeBody::new(
                    NoticeTemplate::TokyoCluster,
                    *window,
                    "保健所",
                    "03-1234-5678",
                    qr.payload().name(),
                )
                .unwrap()
                .encrypt(&qr.secret(), JULY_20 + 40 * HOUR, &mut world.random)
            })
            .collect();
        let bytes = NoticeFeed::new(JULY_20 + 40 * HOUR, entries)
            .sign(&[&world.key])
            .unwrap();
        NoticeFeed::parse(&bytes, &[world.key.public_key()]).unwrap()
    }

    fn visit(qr: &VenueQr, id: &str, from: u64, to: u64) -> Visit {
        Visit::new(id, qr.clone(), from, to).unwrap()
    }

    #[test]
    fn an_overlapping_visit_is_notified_and_the_day_before_or_after_is_not() {
        let mut world = world();
        let window = NoticeWindow::new(date!(2021 - 07 - 20), 18, 22).unwrap();
        let qr = world.qr.clone();
        let feed = feed(&mut world, &[(&qr, window)]);
        let during = visit(&qr, "during", JULY_20 + 19 * HOUR, JULY_20 + 21 * HOUR);
        let before = visit(
            &qr,
            "day before",
            JULY_20 - 24 * HOUR + 19 * HOUR,
            JULY_20 - 24 * HOUR + 21 * HOUR,
        );
        let after = visit(
            &qr,
            "day after",
            JULY_20 + 24 * HOUR + 19 * HOUR,
            JULY_20 + 24 * HOUR + 21 * HOUR,
        );
        let earlier_same_day = visit(&qr, "morning", JULY_20 + 9 * HOUR, JULY_20 + 11 * HOUR);
        let edge = visit(
            &qr,
            "left at 18:00",
            JULY_20 + 16 * HOUR,
            JULY_20 + 18 * HOUR,
        );
        let report = match_visits(
            &[before.clone(), after.clone(), earlier_same_day, edge],
            &feed,
        );
        assert!(report.matches.is_empty(), "{report:?}");
        let report = match_visits(&[before, during, after], &feed);
        assert_eq!(report.matches.len(), 1);
        assert_eq!(report.matches[0].visit_ids, ["during"]);
        assert_eq!(report.rejected_entries, 0);
        let id_hex = report.matches[0].notice_id_hex();
        assert_eq!(id_hex.len(), 2 * NOTICE_ID_LENGTH);
        assert!(id_hex.starts_with(&format!("{:02x}", report.matches[0].notice_id[0])));
        // Another venue at the same time is not notified.
        let other = world.other.clone();
        let report = match_visits(
            &[visit(&other, "x", JULY_20 + 19 * HOUR, JULY_20 + 21 * HOUR)],
            &feed,
        );
        assert!(report.matches.is_empty());
    }

    #[test]
    fn jst_midnight_boundaries_and_whole_days() {
        let mut world = world();
        let qr = world.qr.clone();
        // 23:30 on 20 July to 00:30 on 21 July JST.
        let late = visit(
            &qr,
            "late",
            JULY_20 + 23 * HOUR + 1_800,
            JULY_20 + 24 * HOUR + 1_800,
        );
        let on_21st_early = NoticeWindow::new(date!(2021 - 07 - 21), 0, 1).unwrap();
        let on_20th_late = NoticeWindow::new(date!(2021 - 07 - 20), 23, 24).unwrap();
        let on_20th_evening = NoticeWindow::new(date!(2021 - 07 - 20), 20, 23).unwrap();
        let on_21st_day = NoticeWindow::new(date!(2021 - 07 - 21), 1, 24).unwrap();
        for (window, expected) in [
            (on_21st_early, 1),
            (on_20th_late, 1),
            (on_20th_evening, 0),
            (on_21st_day, 0),
            (NoticeWindow::whole_day(date!(2021 - 07 - 20)), 1),
            (NoticeWindow::whole_day(date!(2021 - 07 - 21)), 1),
            (NoticeWindow::whole_day(date!(2021 - 07 - 19)), 0),
            (NoticeWindow::whole_day(date!(2021 - 07 - 22)), 0),
        ] {
            let feed = feed(&mut world, &[(&qr, window)]);
            assert_eq!(
                match_visits(std::slice::from_ref(&late), &feed)
                    .matches
                    .len(),
                expected,
                "{window:?}"
            );
        }
        // A visit 23:30-23:59 UTC (08:30 JST) is on the JST date, not the UTC date.
        let morning = visit(
            &qr,
            "morning",
            JULY_20 + 8 * HOUR + 1_800,
            JULY_20 + 9 * HOUR,
        );
        let feed19 = feed(
            &mut world,
            &[(&qr, NoticeWindow::whole_day(date!(2021 - 07 - 19)))],
        );
        assert!(match_visits(&[morning], &feed19).matches.is_empty());
    }

    #[test]
    fn duplicates_collapse_and_bad_macs_are_counted() {
        let mut world = world();
        let qr = world.qr.clone();
        let window = NoticeWindow::whole_day(date!(2021 - 07 - 20));
        let mut feed = feed(&mut world, &[(&qr, window)]);
        let visits = [
            visit(&qr, "second", JULY_20 + 20 * HOUR, JULY_20 + 21 * HOUR),
            visit(&qr, "first", JULY_20 + 10 * HOUR, JULY_20 + 11 * HOUR)
                .with_role(VisitRole::Staff),
        ];
        let report = match_visits(&visits, &feed);
        assert_eq!(report.matches.len(), 1);
        assert_eq!(report.matches[0].visit_ids, ["first", "second"]);
        assert_eq!(report.matches[0].role, VisitRole::Staff);
        let mut entry = feed.entries()[0].clone();
        entry.mac[0] ^= 1;
        feed = NoticeFeed::new(feed.created(), vec![entry]);
        let report = match_visits(&visits, &feed);
        assert!(report.matches.is_empty());
        assert_eq!(report.rejected_entries, 1);
    }

    #[test]
    fn visits_are_checked() {
        let world = world();
        assert!(Visit::new("a", world.qr.clone(), 10, 5).is_err());
        assert!(Visit::new("a", world.qr.clone(), 0, MAX_VISIT_SECONDS + 1).is_err());
        assert!(VisitRole::parse("guest").is_err());
        // Times at the end of the range do not overflow.
        let late = Visit::new("z", world.qr.clone(), u64::MAX, u64::MAX).unwrap();
        let feed = NoticeFeed::new(0, vec![]);
        assert!(match_visits(&[late], &feed).matches.is_empty());
    }
}
