//! # Mimamori listing
//!
//! Contact listing for workplaces, schools, nurseries and after-school clubs.
//!
//! After a positive case, an organisation lists the people who may have been infected, following
//! Hokkaido's guidance 「接触者の リストアップ と対応方法」 (one edition per [`Setting`]):
//!
//! 1. **Preparation** (手順①): the investigation period runs from [`DAYS_BEFORE_ONSET`] days
//!    before symptom onset (the specimen collection date when there were no symptoms) to the
//!    positive person's last day of attendance ([`InvestigationPeriod`]).
//! 2. **Listing** (手順②): everyone to whom at least one criterion applies is listed as
//!    「感染の可能性がある方」 ("possible infection"). The criteria depend on the setting and on
//!    whether the positive person wore a mask ([`Setting::criteria`], [`Masking`]); they are
//!    kept verbatim in Japanese with English beside them.
//! 3. **What to ask** (手順③): a listed person stays at home for [`STAY_HOME_DAYS`] days from the
//!    day after the last contact (released on day 8) and takes precautions until day
//!    [`PRECAUTION_DAYS`] ([`StayHome`]); everyone else in contact watches their health for
//!    [`HEALTH_WATCH_DAYS`] days ([`HealthWatch`]). The consultation line is data
//!    ([`Consultation`], Hokkaido's by default).
//!
//! The organisation's roster comes in as CSV ([`Roster`], format in [`roster`]); the result
//! ([`Listing`]) goes out as CSV or JSON. Beyond the paper, [`propose_candidates`] reads the
//! organisation's room check-ins and proposes the people who shared a room with the positive
//! person, for someone to confirm; they are never listed automatically.
//!
//! Everything here is sans-I/O: text in, text out; dates are calendar dates of the
//! organisation's local calendar.
//!
//! # Example
//!
//! ```
//! use mimamori_listing::{Basis, Investigation, InvestigationPeriod, Listing, Masking,
//!     Roster, Setting, Consultation};
//! use time::macros::date;
//!
//! let period = InvestigationPeriod::new(
//!     Basis::SymptomOnset(date!(2021 - 01 - 01)),
//!     date!(2021 - 01 - 04),
//!     None,
//! )?;
//! assert_eq!(period.first(), date!(2020 - 12 - 30));
//! let investigation = Investigation::new(Setting::School, Masking::Unmasked, period)?;
//! let roster = Roster::parse(
//!     "id,name,group,attendance,criteria,last_contact\n\
//!      s01,Hanako,2-1,2021-01-04,same-table,\n\
//!      s02,Taro,2-1,2021-01-02,,\n",
//!     &investigation,
//! )?;
//! let listing = Listing::new(investigation, &roster, Consultation::hokkaido())?;
//! let listed: Vec<_> = listing.listed().collect();
//! assert_eq!(listed[0].0.name, "Hanako");
//! assert_eq!(listed[0].1.released_on, date!(2021 - 01 - 12));
//! assert!(listing.to_csv().contains("possible-infection"));
//! # Ok::<(), mimamori_listing::Error>(())
//! ```

#![warn(missing_docs)]

mod checkins;
mod consultation;
mod csv;
mod error;
mod period;
pub mod roster;
mod setting;

use serde::Serialize;
use time::Date;

pub use checkins::{
    CHECKIN_COLUMNS, Candidate, CheckIn, MAX_STAY, Overlap, parse_checkins, propose_candidates,
};
pub use consultation::Consultation;
pub use period::{
    Basis, DAYS_BEFORE_ONSET, HEALTH_WATCH_DAYS, HealthWatch, InvestigationPeriod, MAX_PERIOD_DAYS,
    PRECAUTION_DAYS, STAY_HOME_DAYS, StayHome,
};
pub use roster::{ROSTER_COLUMNS, Roster, RosterEntry, RowProblem};
pub use setting::{
    CriteriaList, Criterion, EVERYONE_ELSE_ENGLISH, EVERYONE_ELSE_JAPANESE, LISTED_ARE_ENGLISH,
    LISTED_ARE_JAPANESE, Masking, POSSIBLE_INFECTION_ENGLISH, POSSIBLE_INFECTION_JAPANESE,
    PRECAUTIONS_ENGLISH, PRECAUTIONS_JAPANESE, STAY_HOME_ENGLISH, STAY_HOME_JAPANESE, Setting,
};

pub use error::{Error, ListingFile, Result};

/// The most rows a roster may have (a large school); the check-in file may have ten times as many.
pub const MAX_ROWS: usize = 10_000;

/// The longest field accepted in a roster or check-in file, in characters.
pub const MAX_FIELD_CHARS: usize = 1_000;

/// The identifier and version of the JSON output, its `format` field.
pub const JSON_FORMAT: &str = "mimamori-listing/1";

/// The header of the listing CSV ([`Listing::to_csv`]).
pub const LISTING_CSV_COLUMNS: [&str; 12] = [
    "id",
    "name",
    "group",
    "status",
    "criteria",
    "attendance",
    "last_contact",
    "stay_home_from",
    "stay_home_until",
    "released_on",
    "precautions_until",
    "health_watch_until",
];

/// The note that goes with candidates from check-ins, in Japanese (Mimamori's wording, not the
/// guidance's).
pub const CANDIDATES_NOTE_JAPANESE: &str = "【提案】施設のチェックイン記録で陽性者と同じ部屋にいた方です。リストには含まれていません。リストアップの基準に当てはまるか、本人に確認してから判断してください。";
/// The same note in English.
pub const CANDIDATES_NOTE_ENGLISH: &str = "PROPOSALS: people checked in to the same room as the \
     positive person, from the organisation's check-ins. They are NOT listed. Confirm with each \
     person whether a listing criterion applies before listing them.";

/// What the organisation is investigating: the setting, whether the positive person wore a
/// mask, and the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Investigation {
    setting: Setting,
    masking: Masking,
    period: InvestigationPeriod,
    criteria: &'static CriteriaList,
}

impl Investigation {
    /// An investigation; refuses a masking case the setting's guidance has no list for (a
    /// workplace with a masked positive person).
    pub fn new(setting: Setting, masking: Masking, period: InvestigationPeriod) -> Result<Self> {
        Ok(Self {
            setting,
            masking,
            criteria: setting.criteria(masking)?,
            period,
        })
    }

    /// The setting.
    pub fn setting(&self) -> Setting {
        self.setting
    }

    /// Whether the positive person wore a mask.
    pub fn masking(&self) -> Masking {
        self.masking
    }

    /// The investigation period.
    pub fn period(&self) -> &InvestigationPeriod {
        &self.period
    }

    /// The criteria that apply.
    pub fn criteria(&self) -> &'static CriteriaList {
        self.criteria
    }
}

/// Everything one listing needs, for callers that hold the inputs as text (the FFI, web forms):
/// [`ListingRequest::run`] checks them in order and makes the [`Listing`].
#[derive(Debug, Clone)]
pub struct ListingRequest<'a> {
    /// The setting.
    pub setting: Setting,
    /// Whether the positive person wore a mask.
    pub masking: Masking,
    /// Symptom onset or specimen collection date.
    pub basis: Basis,
    /// The positive person's last day of attendance.
    pub last_attendance: Date,
    /// The positive person's attendance days; none given (empty) means every day of the period.
    pub attended: &'a [Date],
    /// The roster CSV ([`roster`] describes it).
    pub roster_csv: &'a str,
    /// Room check-ins CSV and the positive person's id in it, to propose candidates.
    pub checkins: Option<(&'a str, &'a str)>,
    /// The consultation line.
    pub consultation: Consultation,
}

impl ListingRequest<'_> {
    /// Checks the period, the setting's criteria, the roster and the check-ins, and makes the
    /// listing (with the proposals when check-ins were given). The first problem found is the
    /// error; nothing is kept from a refused request.
    pub fn run(&self) -> Result<Listing> {
        let attended = (!self.attended.is_empty()).then_some(self.attended);
        let period = InvestigationPeriod::new(self.basis, self.last_attendance, attended)?;
        let investigation = Investigation::new(self.setting, self.masking, period)?;
        let roster = Roster::parse(self.roster_csv, &investigation)?;
        let candidates = match self.checkins {
            Some((checkins_csv, positive_id)) => {
                if positive_id.trim().is_empty() {
                    return Err(Error::InvalidInvestigation {
                        reason: "check-ins were given without the positive person's id in them; \
                                 give the positive id to propose candidates"
                            .into(),
                    });
                }
                let checkins = parse_checkins(checkins_csv)?;
                propose_candidates(&investigation, &roster, &checkins, positive_id)
            }
            None => Vec::new(),
        };
        Ok(
            Listing::new(investigation, &roster, self.consultation.clone())?
                .with_candidates(candidates),
        )
    }
}

/// What a person of the roster is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Listed: 「感染の可能性がある方」; stays at home and takes precautions.
    PossibleInfection(StayHome),
    /// In contact but not listed: watches their health.
    HealthWatch(HealthWatch),
    /// No contact day in the period (no attendance shared with the positive person and no last
    /// contact date given).
    NoContact,
}

impl Outcome {
    /// The stay-at-home dates of a listed person.
    pub fn stay_home(&self) -> Option<&StayHome> {
        match self {
            Self::PossibleInfection(dates) => Some(dates),
            _ => None,
        }
    }

    /// The health-watch dates of a person in contact but not listed.
    pub fn health_watch(&self) -> Option<&HealthWatch> {
        match self {
            Self::HealthWatch(dates) => Some(dates),
            _ => None,
        }
    }

    /// `possible-infection`, `health-watch` or `no-contact`, as in the CSV's `status`.
    pub fn id(&self) -> &'static str {
        match self {
            Self::PossibleInfection(_) => "possible-infection",
            Self::HealthWatch(_) => "health-watch",
            Self::NoContact => "no-contact",
        }
    }
}

/// The result: every person of the roster with what they are asked, and any proposals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    investigation: Investigation,
    consultation: Consultation,
    people: Vec<(RosterEntry, Outcome)>,
    candidates: Vec<Candidate>,
}

impl Listing {
    /// Decides each person's outcome from the roster.
    pub fn new(
        investigation: Investigation,
        roster: &Roster,
        consultation: Consultation,
    ) -> Result<Self> {
        let mut people = Vec::with_capacity(roster.entries().len());
        for entry in roster.entries() {
            let outcome = match entry.last_contact {
                Some(day) if entry.is_listed() => Outcome::PossibleInfection(StayHome::after(day)?),
                Some(day) => Outcome::HealthWatch(HealthWatch::after(day)?),
                // `Roster::parse` refuses listed people without a contact date.
                None => Outcome::NoContact,
            };
            people.push((entry.clone(), outcome));
        }
        Ok(Self {
            investigation,
            consultation,
            people,
            candidates: Vec::new(),
        })
    }

    /// Adds the proposals from check-ins ([`propose_candidates`]); they stay separate from the
    /// listing.
    pub fn with_candidates(mut self, candidates: Vec<Candidate>) -> Self {
        self.candidates = candidates;
        self
    }

    /// The investigation.
    pub fn investigation(&self) -> &Investigation {
        &self.investigation
    }

    /// The consultation line.
    pub fn consultation(&self) -> &Consultation {
        &self.consultation
    }

    /// Every person of the roster with their outcome, in the order of the roster.
    pub fn people(&self) -> &[(RosterEntry, Outcome)] {
        &self.people
    }

    /// The listed people ("possible infection") and their dates.
    pub fn listed(&self) -> impl Iterator<Item = (&RosterEntry, &StayHome)> {
        self.people
            .iter()
            .filter_map(|(entry, outcome)| Some((entry, outcome.stay_home()?)))
    }

    /// The people asked to watch their health, and their dates.
    pub fn health_watch(&self) -> impl Iterator<Item = (&RosterEntry, &HealthWatch)> {
        self.people
            .iter()
            .filter_map(|(entry, outcome)| Some((entry, outcome.health_watch()?)))
    }

    /// The proposals from check-ins (not listed).
    pub fn candidates(&self) -> &[Candidate] {
        &self.candidates
    }

    /// The listing as CSV, one line per person of the roster, with the header
    /// [`LISTING_CSV_COLUMNS`]. `status` is [`Outcome::id`]; `criteria` and `attendance` are
    /// `;`-separated; dates are `YYYY-MM-DD`; fields that do not apply are empty.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        csv::write_line(&mut out, &LISTING_CSV_COLUMNS);
        for (entry, outcome) in &self.people {
            let criteria = entry
                .criteria
                .iter()
                .map(|criterion| criterion.id)
                .collect::<Vec<_>>()
                .join(";");
            let attendance = join_dates(&entry.attendance);
            let last_contact = entry.last_contact.map(|day| day.to_string());
            let [from, until, released, precautions, watch] = match outcome {
                Outcome::PossibleInfection(dates) => [
                    Some(dates.from),
                    Some(dates.until),
                    Some(dates.released_on),
                    Some(dates.precautions_until),
                    None,
                ],
                Outcome::HealthWatch(dates) => [None, None, None, None, Some(dates.until)],
                Outcome::NoContact => [None; 5],
            }
            .map(|day| day.map(|day| day.to_string()).unwrap_or_default());
            csv::write_line(
                &mut out,
                &[
                    &entry.id,
                    &entry.name,
                    &entry.group,
                    outcome.id(),
                    &criteria,
                    &attendance,
                    last_contact.as_deref().unwrap_or(""),
                    &from,
                    &until,
                    &released,
                    &precautions,
                    &watch,
                ],
            );
        }
        out
    }

    /// The listing as JSON (pretty-printed), `format` [`JSON_FORMAT`]:
    ///
    /// ```text
    /// { "format", "setting", "setting_japanese", "masking", "basis" ("onset"|"specimen"),
    ///   "basis_date", "period": {"first", "last"}, "attendance_days": [dates],
    ///   "criteria": [{"id", "number", "japanese", "english"}],
    ///   "listed": [{"id", "name", "group", "criteria": [ids], "attendance": [dates],
    ///               "last_contact", "stay_home_from", "stay_home_until", "released_on",
    ///               "precautions_until"}],
    ///   "health_watch": [{"id", "name", "group", "attendance", "last_contact",
    ///                     "health_watch_from", "health_watch_until"}],
    ///   "no_contact": [{"id", "name", "group"}],
    ///   "instructions": {"listed_japanese": [..], "listed_english": [..],
    ///                    "everyone_else_japanese", "everyone_else_english"},
    ///   "consultation": {"name_japanese", "name_english", "phone", "sentence_japanese",
    ///                    "sentence_english"},
    ///   "proposed_candidates": {"note_japanese", "note_english", "listed": false,
    ///       "candidates": [{"person_id", "name", "group", "total_minutes",
    ///                       "overlaps": [{"room", "from", "to", "minutes"}]}]} }
    /// ```
    pub fn to_json(&self) -> String {
        let json = JsonListing::from(self);
        // Serialising plain strings, numbers and vectors cannot fail.
        serde_json::to_string_pretty(&json).unwrap_or_default()
    }

    /// What listed people are asked, verbatim, with the setting's request line first.
    pub fn instructions_japanese(&self) -> [&'static str; 3] {
        [
            self.investigation.setting.request_japanese(),
            STAY_HOME_JAPANESE,
            PRECAUTIONS_JAPANESE,
        ]
    }

    /// The same in English.
    pub fn instructions_english(&self) -> [&'static str; 3] {
        [
            self.investigation.setting.request_english(),
            STAY_HOME_ENGLISH,
            PRECAUTIONS_ENGLISH,
        ]
    }
}

fn join_dates(days: &[Date]) -> String {
    days.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(";")
}

fn dates(days: &[Date]) -> Vec<String> {
    days.iter().map(ToString::to_string).collect()
}

#[derive(Serialize)]
struct JsonListing {
    format: &'static str,
    setting: &'static str,
    setting_japanese: &'static str,
    masking: &'static str,
    basis: &'static str,
    basis_date: String,
    period: JsonPeriod,
    attendance_days: Vec<String>,
    criteria: Vec<JsonCriterion>,
    listed: Vec<JsonListed>,
    health_watch: Vec<JsonWatched>,
    no_contact: Vec<JsonPerson>,
    instructions: JsonInstructions,
    consultation: JsonConsultation,
    proposed_candidates: JsonCandidates,
}

#[derive(Serialize)]
struct JsonPeriod {
    first: String,
    last: String,
}

#[derive(Serialize)]
struct JsonCriterion {
    id: &'static str,
    number: &'static str,
    japanese: &'static str,
    english: &'static str,
}

#[derive(Serialize)]
struct JsonListed {
    #[serde(flatten)]
    person: JsonPerson,
    criteria: Vec<&'static str>,
    attendance: Vec<String>,
    last_contact: String,
    stay_home_from: String,
    stay_home_until: String,
    released_on: String,
    precautions_until: String,
}

#[derive(Serialize)]
struct JsonWatched {
    #[serde(flatten)]
    person: JsonPerson,
    attendance: Vec<String>,
    last_contact: String,
    health_watch_from: String,
    health_watch_until: String,
}

/// A person's id, name and group, the first fields of every person in the JSON.
#[derive(Serialize)]
struct JsonPerson {
    id: String,
    name: String,
    group: String,
}

impl From<&RosterEntry> for JsonPerson {
    fn from(entry: &RosterEntry) -> Self {
        Self {
            id: entry.id.clone(),
            name: entry.name.clone(),
            group: entry.group.clone(),
        }
    }
}

#[derive(Serialize)]
struct JsonInstructions {
    listed_japanese: [&'static str; 3],
    listed_english: [&'static str; 3],
    everyone_else_japanese: &'static str,
    everyone_else_english: &'static str,
}

#[derive(Serialize)]
struct JsonConsultation {
    name_japanese: String,
    name_english: String,
    phone: String,
    sentence_japanese: String,
    sentence_english: String,
}

#[derive(Serialize)]
struct JsonCandidates {
    note_japanese: &'static str,
    note_english: &'static str,
    listed: bool,
    candidates: Vec<JsonCandidate>,
}

#[derive(Serialize)]
struct JsonCandidate {
    person_id: String,
    name: Option<String>,
    group: Option<String>,
    total_minutes: i64,
    overlaps: Vec<JsonOverlap>,
}

#[derive(Serialize)]
struct JsonOverlap {
    room: String,
    from: String,
    to: String,
    minutes: i64,
}

impl From<&Listing> for JsonListing {
    fn from(listing: &Listing) -> Self {
        let investigation = &listing.investigation;
        let period = &investigation.period;
        Self {
            format: JSON_FORMAT,
            setting: investigation.setting.id(),
            setting_japanese: investigation.setting.title_japanese(),
            masking: investigation.masking.id(),
            basis: period.basis().id(),
            basis_date: period.basis().date().to_string(),
            period: JsonPeriod {
                first: period.first().to_string(),
                last: period.last().to_string(),
            },
            attendance_days: period.attendance_days().map(|d| d.to_string()).collect(),
            criteria: investigation
                .criteria
                .criteria
                .iter()
                .map(|c| JsonCriterion {
                    id: c.id,
                    number: c.number,
                    japanese: c.japanese,
                    english: c.english,
                })
                .collect(),
            listed: listing
                .listed()
                .map(|(entry, dates)| JsonListed {
                    person: entry.into(),
                    criteria: entry.criteria.iter().map(|c| c.id).collect(),
                    attendance: self::dates(&entry.attendance),
                    last_contact: dates.last_contact.to_string(),
                    stay_home_from: dates.from.to_string(),
                    stay_home_until: dates.until.to_string(),
                    released_on: dates.released_on.to_string(),
                    precautions_until: dates.precautions_until.to_string(),
                })
                .collect(),
            health_watch: listing
                .health_watch()
                .map(|(entry, dates)| JsonWatched {
                    person: entry.into(),
                    attendance: self::dates(&entry.attendance),
                    last_contact: dates.last_contact.to_string(),
                    health_watch_from: dates.from.to_string(),
                    health_watch_until: dates.until.to_string(),
                })
                .collect(),
            no_contact: listing
                .people
                .iter()
                .filter(|(_, outcome)| *outcome == Outcome::NoContact)
                .map(|(entry, _)| JsonPerson::from(entry))
                .collect(),
            instructions: JsonInstructions {
                listed_japanese: listing.instructions_japanese(),
                listed_english: listing.instructions_english(),
                everyone_else_japanese: EVERYONE_ELSE_JAPANESE,
                everyone_else_english: EVERYONE_ELSE_ENGLISH,
            },
            consultation: JsonConsultation {
                name_japanese: listing.consultation.name_japanese.clone(),
                name_english: listing.consultation.name_english.clone(),
                phone: listing.consultation.phone.clone(),
                sentence_japanese: listing.consultation.sentence_japanese(),
                sentence_english: listing.consultation.sentence_english(),
            },
            proposed_candidates: JsonCandidates {
                note_japanese: CANDIDATES_NOTE_JAPANESE,
                note_english: CANDIDATES_NOTE_ENGLISH,
                listed: false,
                candidates: listing
                    .candidates
                    .iter()
                    .map(|candidate| JsonCandidate {
                        person_id: candidate.person_id.clone(),
                        name: candidate.name.clone(),
                        group: candidate.group.clone(),
                        total_minutes: candidate.total_minutes(),
                        overlaps: candidate
                            .overlaps
                            .iter()
                            .map(|overlap| JsonOverlap {
                                room: overlap.room.clone(),
                                from: overlap.start_minute(),
                                to: overlap.end_minute(),
                                minutes: overlap.minutes(),
                            })
                            .collect(),
                    })
                    .collect(),
            },
        }
    }
}

/// What the tests of every module share.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// An investigation that must be valid; `attended` empty means every day of the period.
    pub(crate) fn investigation(
        setting: Setting,
        masking: Masking,
        basis: Basis,
        last_attendance: Date,
        attended: &[Date],
    ) -> Investigation {
        let attended = (!attended.is_empty()).then_some(attended);
        let period = InvestigationPeriod::new(basis, last_attendance, attended).unwrap();
        Investigation::new(setting, masking, period).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    /// Workplace, asymptomatic: specimen taken 2021-02-25, last at work 2021-02-27.
    fn workplace_listing() -> Listing {
        let investigation = testing::investigation(
            Setting::Workplace,
            Masking::Unmasked,
            Basis::SpecimenCollection(date!(2021 - 02 - 25)),
            date!(2021 - 02 - 27),
            &[
                date!(2021 - 02 - 23),
                date!(2021 - 02 - 25),
                date!(2021 - 02 - 27),
            ],
        );
        let roster = Roster::parse(
            "id,name,group,attendance,criteria,last_contact\n\
             e1,=HYPERLINK(\"x\"),Sales,2021-02-25;2021-02-27,conversation;smoking,\n\
             e2,\"Kushiro, Ken\",Sales,2021-02-23,,\n\
             e3,Nemuro Nao,Plant,2021-02-24,,\n\
             e4,Abashiri Aki,Plant,,same-car,2021-02-24\n",
            &investigation,
        )
        .unwrap();
        Listing::new(investigation, &roster, Consultation::hokkaido()).unwrap()
    }

    #[test]
    fn listed_people_stay_home_and_others_watch_their_health() {
        let listing = workplace_listing();
        let outcomes: Vec<(&str, &str)> = listing
            .people()
            .iter()
            .map(|(entry, outcome)| (entry.id.as_str(), outcome.id()))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("e1", "possible-infection"),
                ("e2", "health-watch"),
                ("e3", "no-contact"),
                ("e4", "possible-infection"),
            ]
        );
        let listed: Vec<_> = listing.listed().collect();
        assert_eq!(listed[0].1.last_contact, date!(2021 - 02 - 27));
        assert_eq!(listed[0].1.until, date!(2021 - 03 - 06));
        assert_eq!(listed[0].1.released_on, date!(2021 - 03 - 07));
        assert_eq!(listed[0].1.precautions_until, date!(2021 - 03 - 09));
        assert_eq!(
            listed[1].1.until,
            date!(2021 - 03 - 03),
            "contact 02-24 in the car"
        );
        let watched: Vec<_> = listing.health_watch().collect();
        assert_eq!(watched[0].1.until, date!(2021 - 03 - 05));
        let e2 = &listing.people()[1].1;
        assert_eq!(e2.health_watch(), Some(watched[0].1));
        assert_eq!(e2.stay_home(), None);
        assert_eq!(Outcome::NoContact.health_watch(), None);
    }

    #[test]
    fn the_csv_has_one_line_per_person_with_dates() {
        let csv = workplace_listing().to_csv();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], LISTING_CSV_COLUMNS.join(","));
        assert_eq!(
            lines[1],
            "e1,\"'=HYPERLINK(\"\"x\"\")\",Sales,possible-infection,conversation;smoking,\
             2021-02-25;2021-02-27,2021-02-27,2021-02-28,2021-03-06,2021-03-07,2021-03-09,"
        );
        assert_eq!(
            lines[2],
            "e2,\"Kushiro, Ken\",Sales,health-watch,,2021-02-23,2021-02-23,,,,,2021-03-05"
        );
        assert_eq!(lines[3], "e3,Nemuro Nao,Plant,no-contact,,2021-02-24,,,,,,");
        assert_eq!(
            lines.len(),
            6,
            "header, four people, and the final line end"
        );
        // The output reads back with the same reader.
        let records = csv::parse(&csv).unwrap();
        assert_eq!(records[2].fields[1], "Kushiro, Ken");
    }

    #[test]
    fn the_json_holds_the_period_dates_texts_and_separate_proposals() {
        let candidate = Candidate {
            person_id: "v9".into(),
            name: None,
            group: None,
            overlaps: vec![Overlap {
                room: "canteen".into(),
                from: time::macros::datetime!(2021 - 02 - 27 12:00),
                to: time::macros::datetime!(2021 - 02 - 27 12:40),
            }],
        };
        let listing = workplace_listing().with_candidates(vec![candidate]);
        let text = listing.to_json();
        assert!(
            text.contains(
                "\"id\": \"e2\",\n      \"name\": \"Kushiro, Ken\",\n      \"group\": \"Sales\",\n      \"attendance\""
            ),
            "a person's id, name and group come first: {text}"
        );
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["format"], JSON_FORMAT);
        assert_eq!(json["setting"], "workplace");
        assert_eq!(json["setting_japanese"], "事業所編");
        assert_eq!(json["basis"], "specimen");
        assert_eq!(json["period"]["first"], "2021-02-23");
        assert_eq!(json["period"]["last"], "2021-02-27");
        assert_eq!(
            json["attendance_days"],
            serde_json::json!(["2021-02-23", "2021-02-25", "2021-02-27"])
        );
        assert_eq!(json["criteria"].as_array().unwrap().len(), 6);
        assert_eq!(json["listed"][0]["released_on"], "2021-03-07");
        assert_eq!(
            json["listed"][0]["criteria"],
            serde_json::json!(["conversation", "smoking"])
        );
        assert_eq!(json["listed"][1]["id"], "e4");
        assert_eq!(json["health_watch"][0]["health_watch_until"], "2021-03-05");
        assert_eq!(json["no_contact"][0]["id"], "e3");
        assert_eq!(json["consultation"]["phone"], "0120-501-507");
        assert_eq!(
            json["instructions"]["listed_japanese"][1],
            STAY_HOME_JAPANESE
        );
        let proposals = &json["proposed_candidates"];
        assert_eq!(proposals["listed"], false);
        assert_eq!(proposals["candidates"][0]["person_id"], "v9");
        assert_eq!(proposals["candidates"][0]["total_minutes"], 40);
        assert_eq!(
            proposals["candidates"][0]["overlaps"][0]["from"],
            "2021-02-27 12:00"
        );
        assert!(
            json["listed"]
                .as_array()
                .unwrap()
                .iter()
                .all(|person| person["id"] != "v9"),
            "a proposal is never listed"
        );
    }

    #[test]
    fn a_request_runs_every_step() {
        let attended = [date!(2021 - 02 - 23), date!(2021 - 02 - 27)];
        let request = ListingRequest {
            setting: Setting::AfterSchoolClub,
            masking: Masking::Masked,
            basis: Basis::SymptomOnset(date!(2021 - 02 - 25)),
            last_attendance: date!(2021 - 02 - 27),
            attended: &attended,
            roster_csv: "id,name,group,attendance,criteria,last_contact\n\
                         c1,A,x,2021-02-27,long-time,\n\
                         c2,B,x,2021-02-27,,\n",
            checkins: Some((
                "person_id,room,checked_in,checked_out\n\
                 pos,r1,2021-02-27 15:00,2021-02-27 17:00\n\
                 c2,r1,2021-02-27 16:00,2021-02-27 18:00\n",
                "pos",
            )),
            consultation: Consultation::hokkaido(),
        };
        let listing = request.run().unwrap();
        assert_eq!(listing.listed().count(), 1);
        assert_eq!(listing.candidates()[0].person_id, "c2");
        let no_positive = ListingRequest {
            checkins: request.checkins.map(|(csv, _)| (csv, " ")),
            consultation: request.consultation.clone(),
            ..request
        };
        assert!(matches!(
            no_positive.run().unwrap_err(),
            crate::Error::InvalidInvestigation { .. }
        ));
        let every_day = ListingRequest {
            attended: &[],
            consultation: request.consultation.clone(),
            ..request
        }
        .run()
        .unwrap();
        assert_eq!(
            every_day.investigation().period().attendance_days().count(),
            5,
            "no attendance days given: every day of 02-23 to 02-27"
        );
        let bad = ListingRequest {
            roster_csv: "id,name,group,attendance,criteria,last_contact\nc1,A,x,2021-02-27,same-room,\n",
            ..request
        };
        assert!(matches!(
            bad.run().unwrap_err(),
            crate::Error::InvalidListingFile { line: 2, .. }
        ));
    }

    #[test]
    fn a_masked_workplace_investigation_is_refused() {
        let school = testing::investigation(
            Setting::School,
            Masking::Masked,
            Basis::SymptomOnset(date!(2021 - 02 - 25)),
            date!(2021 - 02 - 27),
            &[],
        );
        assert_eq!(school.criteria().criteria.len(), 3);
        let period = school.period().clone();
        assert!(Investigation::new(Setting::Workplace, Masking::Masked, period).is_err());
    }
}
