//! Beyond the paper: candidates proposed from the organisation's own venue check-ins.
//!
//! When the organisation has room QR codes that people check in to, the check-ins show who was
//! in the same room as the positive person at the same time. Those people are **proposals**
//! for a person to confirm against the criteria, never listed automatically: being in the same
//! room is not one of the guidance's criteria on its own.
//!
//! # Format
//!
//! A UTF-8 CSV file whose header has exactly these four columns, in any order:
//!
//! ```text
//! person_id,room,checked_in,checked_out
//! s01,room-2-1,2021-01-05 08:30,2021-01-05 15:10
//! ```
//!
//! `person_id` is the roster's `id`; `room` is the room's QR code id; `checked_in` and
//! `checked_out` are local times `YYYY-MM-DD HH:MM` (a `T` instead of the space, and `:SS`
//! seconds, are accepted). A stay must end after it starts and last at most 24 hours.

use std::collections::BTreeMap;

use time::{Duration, PrimitiveDateTime};

use super::roster::{RowProblem, parse_date, read_rows, required};
use super::{Investigation, MAX_ROWS, Roster};
use crate::error::{ListingFile, Result};

/// The check-in file's column names.
pub const CHECKIN_COLUMNS: [&str; 4] = ["person_id", "room", "checked_in", "checked_out"];

/// The longest stay a check-in may record.
pub const MAX_STAY: Duration = Duration::hours(24);

/// One stay in a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIn {
    /// The line of the file.
    pub line: usize,
    /// The roster id of the person.
    pub person_id: String,
    /// The room's QR code id.
    pub room: String,
    /// When the person checked in (local time).
    pub checked_in: PrimitiveDateTime,
    /// When the person checked out (local time).
    pub checked_out: PrimitiveDateTime,
}

/// Reads and checks a check-in CSV: a header with exactly the columns [`CHECKIN_COLUMNS`] in
/// any order (`person_id,room,checked_in,checked_out`), local times `YYYY-MM-DD HH:MM` (a `T`
/// instead of the space, and `:SS` seconds, are accepted), each stay ending after it starts and
/// lasting at most [`MAX_STAY`].
///
/// Any problem rejects the whole file with [`crate::Error::InvalidListingFile`] naming the line and the
/// reason.
pub fn parse_checkins(text: &str) -> Result<Vec<CheckIn>> {
    let mut checkins = Vec::new();
    read_rows(
        ListingFile::CheckIns,
        text,
        &CHECKIN_COLUMNS,
        MAX_ROWS * 10,
        |line, [person_id, room, checked_in, checked_out]| {
            let person_id = required("person_id", person_id)?;
            let room = required("room", room)?;
            let checked_in = parse_time(checked_in, "checked_in")?;
            let checked_out = parse_time(checked_out, "checked_out")?;
            if checked_out <= checked_in || checked_out - checked_in > MAX_STAY {
                return Err(RowProblem::BadStay);
            }
            checkins.push(CheckIn {
                line,
                person_id: person_id.to_owned(),
                room: room.to_owned(),
                checked_in,
                checked_out,
            });
            Ok(())
        },
    )?;
    Ok(checkins)
}

fn parse_time(text: &str, column: &'static str) -> Result<PrimitiveDateTime, RowProblem> {
    let bad = RowProblem::BadDate {
        column,
        expected: "YYYY-MM-DD HH:MM",
    };
    let text = text.trim();
    let (date, time) = text.split_once([' ', 'T']).ok_or_else(|| bad.clone())?;
    let date = parse_date(date, column).map_err(|_| bad.clone())?;
    let time = time::Time::parse(time, time::macros::format_description!("[hour]:[minute]"))
        .or_else(|_| {
            time::Time::parse(
                time,
                time::macros::format_description!("[hour]:[minute]:[second]"),
            )
        })
        .map_err(|_| bad)?;
    Ok(PrimitiveDateTime::new(date, time))
}

/// A time two people were in the same room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// The room's QR code id.
    pub room: String,
    /// When the overlap started.
    pub from: PrimitiveDateTime,
    /// When it ended.
    pub to: PrimitiveDateTime,
}

impl Overlap {
    /// The overlap's length in whole minutes.
    pub fn minutes(&self) -> i64 {
        (self.to - self.from).whole_minutes()
    }

    /// When the overlap started, as `YYYY-MM-DD HH:MM` (local).
    pub fn start_minute(&self) -> String {
        minute_time(self.from)
    }

    /// When the overlap ended, as `YYYY-MM-DD HH:MM` (local).
    pub fn end_minute(&self) -> String {
        minute_time(self.to)
    }

    /// The times as `YYYY-MM-DD HH:MM{dash}HH:MM`, with the start's date (the end's date is
    /// left out: a stay lasts at most [`MAX_STAY`]). `dash` is `-` for a terminal, `–` for a
    /// page or a printed document.
    pub fn times(&self, dash: &str) -> String {
        format!(
            "{}{dash}{:02}:{:02}",
            self.start_minute(),
            self.to.hour(),
            self.to.minute()
        )
    }

    /// The room and the times: `room YYYY-MM-DD HH:MM{dash}HH:MM` ([`Overlap::times`]).
    pub fn room_and_times(&self, dash: &str) -> String {
        format!("{} {}", self.room, self.times(dash))
    }
}

/// `YYYY-MM-DD HH:MM`.
fn minute_time(time: PrimitiveDateTime) -> String {
    format!("{} {:02}:{:02}", time.date(), time.hour(), time.minute())
}

/// A person proposed from the check-ins, for someone to confirm. Never a listed person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The id from the check-ins.
    pub person_id: String,
    /// The roster name, if the id is in the roster.
    pub name: Option<String>,
    /// The roster group, if the id is in the roster.
    pub group: Option<String>,
    /// The times in the same room as the positive person, in order.
    pub overlaps: Vec<Overlap>,
}

impl Candidate {
    /// All overlaps together, in minutes.
    pub fn total_minutes(&self) -> i64 {
        self.overlaps.iter().map(Overlap::minutes).sum()
    }

    /// Every overlap's [`Overlap::times`], in order, joined by `separator`.
    pub fn overlap_times(&self, dash: &str, separator: &str) -> String {
        self.join_overlaps(|overlap| overlap.times(dash), separator)
    }

    /// Every overlap's [`Overlap::room_and_times`], in order, joined by `separator`.
    pub fn overlap_rooms_and_times(&self, dash: &str, separator: &str) -> String {
        self.join_overlaps(|overlap| overlap.room_and_times(dash), separator)
    }

    fn join_overlaps(&self, text: impl Fn(&Overlap) -> String, separator: &str) -> String {
        self.overlaps
            .iter()
            .map(text)
            .collect::<Vec<_>>()
            .join(separator)
    }
}

/// Proposes the people who were checked in to a room while the positive person (`positive_id`)
/// was checked in to it, on the positive person's attendance days in the investigation period.
///
/// People the roster already lists (criteria apply) are left out, and so is the positive person.
/// Candidates come ordered by the most minutes together first, then by id.
pub fn propose_candidates(
    investigation: &Investigation,
    roster: &Roster,
    checkins: &[CheckIn],
    positive_id: &str,
) -> Vec<Candidate> {
    let period = investigation.period();
    let positive_id = positive_id.trim();
    let positive: Vec<&CheckIn> = checkins
        .iter()
        .filter(|stay| stay.person_id == positive_id)
        .filter(|stay| {
            // A stay counts if any day it touches is an attendance day of the period.
            let first = stay.checked_in.date();
            let last = stay.checked_out.date();
            period.attended(first) || period.attended(last)
        })
        .collect();
    let mut found: BTreeMap<&str, Vec<Overlap>> = BTreeMap::new();
    for stay in checkins {
        if stay.person_id == positive_id
            || roster
                .find(&stay.person_id)
                .is_some_and(super::RosterEntry::is_listed)
        {
            continue;
        }
        for theirs in positive.iter().filter(|theirs| theirs.room == stay.room) {
            let from = stay.checked_in.max(theirs.checked_in);
            let to = stay.checked_out.min(theirs.checked_out);
            if from < to {
                found.entry(&stay.person_id).or_default().push(Overlap {
                    room: stay.room.clone(),
                    from,
                    to,
                });
            }
        }
    }
    let mut candidates: Vec<Candidate> = found
        .into_iter()
        .map(|(person_id, mut overlaps)| {
            overlaps.sort_by(|a, b| (a.from, &a.room).cmp(&(b.from, &b.room)));
            let entry = roster.find(person_id);
            Candidate {
                person_id: person_id.to_owned(),
                name: entry.map(|entry| entry.name.clone()),
                group: entry.map(|entry| entry.group.clone()),
                overlaps,
            }
        })
        .collect();
    candidates.sort_by(|a, b| {
        b.total_minutes()
            .cmp(&a.total_minutes())
            .then_with(|| a.person_id.cmp(&b.person_id))
    });
    candidates
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;
    use crate::{Basis, Masking, Setting};

    fn investigation() -> Investigation {
        // Onset 2021-03-03: the period is 2021-03-01 to 2021-03-04; the positive person attended
        // on the 1st and the 3rd.
        crate::testing::investigation(
            Setting::AfterSchoolClub,
            Masking::Unmasked,
            Basis::SymptomOnset(date!(2021 - 03 - 03)),
            date!(2021 - 03 - 04),
            &[date!(2021 - 03 - 01), date!(2021 - 03 - 03)],
        )
    }

    const ROSTER: &str = "id,name,group,attendance,criteria,last_contact\n\
                          pos,Positive,A,2021-03-01;2021-03-03,,\n\
                          c1,Listed Already,A,2021-03-03,same-room,\n\
                          c2,Near Room,A,2021-03-03,,\n\
                          c3,Other Room,B,2021-03-03,,\n";

    const CHECKINS: &str = "person_id,room,checked_in,checked_out\n\
                            pos,room-a,2021-03-03 14:00,2021-03-03 16:00\n\
                            pos,room-b,2021-03-01T15:00,2021-03-01T15:30\n\
                            pos,room-a,2021-03-02 14:00,2021-03-02 18:00\n\
                            c1,room-a,2021-03-03 14:00,2021-03-03 16:00\n\
                            c2,room-a,2021-03-03 15:30,2021-03-03 17:00\n\
                            c2,room-b,2021-03-01 15:20:00,2021-03-01 16:00:00\n\
                            c3,room-b,2021-03-03 14:00,2021-03-03 16:00\n\
                            c4,room-a,2021-03-03 13:00,2021-03-03 14:00\n\
                            c5,room-a,2021-03-02 15:00,2021-03-02 16:00\n\
                            c6,room-a,2021-03-03 13:50,2021-03-03 14:10\n";

    #[test]
    fn people_in_the_same_room_at_the_same_time_are_proposed() {
        let investigation = investigation();
        let roster = Roster::parse(ROSTER, &investigation).unwrap();
        let checkins = parse_checkins(CHECKINS).unwrap();
        let candidates = propose_candidates(&investigation, &roster, &checkins, "pos");
        let summary: Vec<(&str, i64)> = candidates
            .iter()
            .map(|c| (c.person_id.as_str(), c.total_minutes()))
            .collect();
        // c1 is listed already; c3 was in another room; c4 left as the positive person came;
        // c5 overlapped on the 2nd, not an attendance day; c6 is not in the roster.
        assert_eq!(summary, [("c2", 40), ("c6", 10)]);
        let c2 = &candidates[0];
        assert_eq!(c2.name.as_deref(), Some("Near Room"));
        assert_eq!(
            c2.overlaps,
            [
                Overlap {
                    room: "room-b".into(),
                    from: datetime!(2021 - 03 - 01 15:20),
                    to: datetime!(2021 - 03 - 01 15:30),
                },
                Overlap {
                    room: "room-a".into(),
                    from: datetime!(2021 - 03 - 03 15:30),
                    to: datetime!(2021 - 03 - 03 16:00),
                },
            ]
        );
        assert_eq!(candidates[1].name, None, "not in the roster");
        assert!(
            propose_candidates(&investigation, &roster, &checkins, "nobody").is_empty(),
            "no check-ins of the positive person, no proposals"
        );
    }

    #[test]
    fn an_overlap_is_written_to_the_minute() {
        let overlap = Overlap {
            room: "room-a".into(),
            from: datetime!(2021 - 03 - 03 09:05:59),
            to: datetime!(2021 - 03 - 03 10:30),
        };
        assert_eq!(overlap.start_minute(), "2021-03-03 09:05");
        assert_eq!(overlap.end_minute(), "2021-03-03 10:30");
        assert_eq!(overlap.times("–"), "2021-03-03 09:05–10:30");
        assert_eq!(overlap.room_and_times("-"), "room-a 2021-03-03 09:05-10:30");
        let candidate = Candidate {
            person_id: "c1".into(),
            name: None,
            group: None,
            overlaps: vec![
                overlap.clone(),
                Overlap {
                    room: "room-b".into(),
                    from: datetime!(2021 - 03 - 03 11:00),
                    to: datetime!(2021 - 03 - 03 11:20),
                },
            ],
        };
        assert_eq!(
            candidate.overlap_times("–", "\n"),
            "2021-03-03 09:05–10:30\n2021-03-03 11:00–11:20"
        );
        assert_eq!(
            candidate.overlap_rooms_and_times("-", ", "),
            "room-a 2021-03-03 09:05-10:30, room-b 2021-03-03 11:00-11:20"
        );
    }

    #[test]
    fn bad_checkin_files_are_refused_with_the_line() {
        let cases = [
            (
                "person_id,room,checked_in\n",
                1,
                RowProblem::MissingColumn("checked_out"),
            ),
            (
                "person_id,room,checked_in,checked_out\np,r,2021-03-03 14:00,2021-03-03 13:00\n",
                2,
                RowProblem::BadStay,
            ),
            (
                "person_id,room,checked_in,checked_out\np,r,2021-03-03 14:00,2021-03-04 14:01\n",
                2,
                RowProblem::BadStay,
            ),
            (
                "person_id,room,checked_in,checked_out\np,r,2021-03-03 14:00,2021-03-03 14:00\n",
                2,
                RowProblem::BadStay,
            ),
            (
                "person_id,room,checked_in,checked_out\np,r,2021-03-03 14:00,2021-03-03 14:30\np,,2021-03-03 14:00,2021-03-03 14:30\n",
                3,
                RowProblem::EmptyField("room"),
            ),
            (
                "person_id,room,checked_in,checked_out\np,r,2021-03-03,2021-03-03 14:30\n",
                2,
                RowProblem::BadDate {
                    column: "checked_in",
                    expected: "YYYY-MM-DD HH:MM",
                },
            ),
            (
                "person_id,room,checked_in,checked_out\np,r,2021-03-03 14:00,2021-03-03 25:00\n",
                2,
                RowProblem::BadDate {
                    column: "checked_out",
                    expected: "YYYY-MM-DD HH:MM",
                },
            ),
        ];
        for (text, line, problem) in cases {
            match parse_checkins(text).unwrap_err() {
                crate::Error::InvalidListingFile {
                    file: ListingFile::CheckIns,
                    line: got_line,
                    problem: got,
                } => assert_eq!((got_line, got), (line, problem), "{text}"),
                other => panic!("{other}"),
            }
        }
    }
}
