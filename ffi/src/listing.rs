//! Contact listing for organisations (issue 7), for an app that helps a workplace, school,
//! nursery or after-school club list contacts after a positive case. The rules live in
//! `mimamori_listing`; here are only conversions.

use mimamori_listing::{
    Basis, Candidate, Consultation, HealthWatch, ListingRequest, Masking, RosterEntry, Setting,
    StayHome,
};

use crate::MimamoriError;
use crate::arguments::parse_day;

/// The inputs of [`make_listing`]. Dates are `YYYY-MM-DD`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ListingInput {
    /// `workplace`, `school`, `nursery` or `afterschool`.
    pub setting: String,
    /// The positive person's symptom onset; give this or `specimen_day`.
    pub onset_day: Option<String>,
    /// The specimen collection date, when the positive person had no symptoms.
    pub specimen_day: Option<String>,
    /// The positive person's last day of attendance.
    pub last_attendance: String,
    /// The positive person's attendance days; empty for every day of the period.
    pub attended: Vec<String>,
    /// Whether the positive person wore a mask (not allowed for workplaces).
    pub masked: bool,
    /// The roster CSV: `id,name,group,attendance,criteria,last_contact`.
    pub roster_csv: String,
    /// Room check-ins CSV (`person_id,room,checked_in,checked_out`), to propose candidates.
    pub checkins_csv: Option<String>,
    /// The positive person's id in the check-ins: required with `checkins_csv` (a listing with
    /// check-ins and no positive id is refused).
    pub positive_id: Option<String>,
    /// A consultation line as JSON (`name_japanese`, `name_english`, `phone`); `None` for
    /// Hokkaido's.
    pub consultation_json: Option<String>,
}

/// A person listed as 「感染の可能性がある方」 and their dates (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ListedPerson {
    /// The roster id.
    pub id: String,
    /// The name.
    pub name: String,
    /// Class, group or department.
    pub group: String,
    /// The ids of the criteria that apply.
    pub criteria: Vec<String>,
    /// The last contact.
    pub last_contact: String,
    /// First day at home.
    pub stay_home_from: String,
    /// Last day at home.
    pub stay_home_until: String,
    /// The day the stay at home ends (day 8).
    pub released_on: String,
    /// Last day of precautions (day 10).
    pub precautions_until: String,
}

/// A person asked to watch their health for 10 days.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WatchedPerson {
    /// The roster id.
    pub id: String,
    /// The name.
    pub name: String,
    /// Class, group or department.
    pub group: String,
    /// The last contact.
    pub last_contact: String,
    /// Last day of the health watch.
    pub watch_until: String,
}

/// A time in the same room as the positive person; times are `YYYY-MM-DD HH:MM` (local).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RoomOverlap {
    /// The room's QR code id.
    pub room: String,
    /// Start.
    pub from: String,
    /// End.
    pub to: String,
    /// Length in minutes.
    pub minutes: i64,
}

/// A PROPOSAL from check-ins, for a person to confirm; never a listed person.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ListingCandidate {
    /// The id in the check-ins.
    pub person_id: String,
    /// The roster name, if the id is in the roster.
    pub name: Option<String>,
    /// All overlaps together, in minutes.
    pub total_minutes: i64,
    /// The overlaps.
    pub overlaps: Vec<RoomOverlap>,
}

/// The listing made by [`make_listing`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ListingResult {
    /// First day of the investigation period.
    pub period_first: String,
    /// Last day of the period.
    pub period_last: String,
    /// The positive person's attendance days in the period.
    pub attendance_days: Vec<String>,
    /// The people listed ("possible infection").
    pub listed: Vec<ListedPerson>,
    /// The people asked to watch their health.
    pub health_watch: Vec<WatchedPerson>,
    /// Proposals from check-ins (not listed).
    pub candidates: Vec<ListingCandidate>,
    /// The listing as CSV (one line per roster person).
    pub csv: String,
    /// The listing as JSON (`mimamori-listing/1`).
    pub json: String,
}

/// One listing criterion, verbatim in Japanese with English.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ListingCriterion {
    /// The id used in rosters.
    pub id: String,
    /// The guidance's number (`1`, `2A`), empty for workplaces.
    pub number: String,
    /// The criterion, verbatim.
    pub japanese: String,
    /// In English.
    pub english: String,
}

fn setting(text: &str) -> Result<Setting, MimamoriError> {
    Ok(text.parse::<Setting>()?)
}

/// The criteria a roster may use for a setting (`workplace`, `school`, `nursery`,
/// `afterschool`) and masking case.
#[uniffi::export]
pub fn listing_criteria(
    setting_id: String,
    masked: bool,
) -> Result<Vec<ListingCriterion>, MimamoriError> {
    let list = setting(&setting_id)?.criteria(Masking::from_masked(masked))?;
    Ok(list
        .criteria
        .iter()
        .map(|c| ListingCriterion {
            id: c.id.to_owned(),
            number: c.number.to_owned(),
            japanese: c.japanese.to_owned(),
            english: c.english.to_owned(),
        })
        .collect())
}

/// Makes the contact listing from a roster (and check-ins); a bad roster line, or check-ins
/// without `positive_id`, is an [`MimamoriError::InvalidInput`] saying what to correct.
#[uniffi::export]
pub fn make_listing(input: ListingInput) -> Result<ListingResult, MimamoriError> {
    let day = |name: &str, day: &Option<String>| day.as_deref().map(|day| parse_day(name, day));
    let basis = Basis::from_onset_or_specimen(
        day("onset_day", &input.onset_day).transpose()?,
        day("specimen_day", &input.specimen_day).transpose()?,
    )?;
    let attended = input
        .attended
        .iter()
        .map(|day| parse_day("attended", day))
        .collect::<Result<Vec<_>, _>>()?;
    let consultation = match &input.consultation_json {
        Some(json) => Consultation::from_json(json)?,
        None => Consultation::hokkaido(),
    };
    let listing = ListingRequest {
        setting: setting(&input.setting)?,
        masking: Masking::from_masked(input.masked),
        basis,
        last_attendance: parse_day("last_attendance", &input.last_attendance)?,
        attended: &attended,
        roster_csv: &input.roster_csv,
        checkins: checkins(&input)?,
        consultation,
    }
    .run()?;
    let period = listing.investigation().period();
    Ok(ListingResult {
        period_first: period.first().to_string(),
        period_last: period.last().to_string(),
        attendance_days: period.attendance_days().map(|d| d.to_string()).collect(),
        listed: listing.listed().map(listed_person).collect(),
        health_watch: listing.health_watch().map(watched_person).collect(),
        candidates: listing.candidates().iter().map(candidate).collect(),
        csv: listing.to_csv(),
        json: listing.to_json(),
    })
}

/// The check-ins and the positive person's id in them; check-ins without a positive id are
/// refused (as the staff portal refuses them), since no candidate can be proposed without it.
fn checkins(input: &ListingInput) -> Result<Option<(&str, &str)>, MimamoriError> {
    match (&input.checkins_csv, &input.positive_id) {
        (None, _) => Ok(None),
        (Some(csv), Some(id)) if !id.trim().is_empty() => Ok(Some((csv, id))),
        (Some(_), _) => Err(MimamoriError::InvalidInput {
            reason: "give positive_id, the positive person's id in the check-ins, to use \
                     checkins_csv"
                .to_owned(),
        }),
    }
}

fn listed_person((entry, dates): (&RosterEntry, &StayHome)) -> ListedPerson {
    ListedPerson {
        id: entry.id.clone(),
        name: entry.name.clone(),
        group: entry.group.clone(),
        criteria: entry.criteria.iter().map(|c| c.id.to_owned()).collect(),
        last_contact: dates.last_contact.to_string(),
        stay_home_from: dates.from.to_string(),
        stay_home_until: dates.until.to_string(),
        released_on: dates.released_on.to_string(),
        precautions_until: dates.precautions_until.to_string(),
    }
}

fn watched_person((entry, dates): (&RosterEntry, &HealthWatch)) -> WatchedPerson {
    WatchedPerson {
        id: entry.id.clone(),
        name: entry.name.clone(),
        group: entry.group.clone(),
        last_contact: dates.last_contact.to_string(),
        watch_until: dates.until.to_string(),
    }
}

fn candidate(candidate: &Candidate) -> ListingCandidate {
    ListingCandidate {
        person_id: candidate.person_id.clone(),
        name: candidate.name.clone(),
        total_minutes: candidate.total_minutes(),
        overlaps: candidate
            .overlaps
            .iter()
            .map(|o| RoomOverlap {
                room: o.room.clone(),
                from: o.start_minute(),
                to: o.end_minute(),
                minutes: o.minutes(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(positive_id: Option<&str>) -> ListingInput {
        ListingInput {
            setting: "workplace".into(),
            onset_day: Some("2021-02-25".into()),
            specimen_day: None,
            last_attendance: "2021-02-27".into(),
            attended: Vec::new(),
            masked: false,
            roster_csv: "id,name,group,attendance,criteria,last_contact\n".into(),
            checkins_csv: Some(
                "person_id,room,checked_in,checked_out\n\
                 pos,r1,2021-02-27 09:00,2021-02-27 10:00\n"
                    .into(),
            ),
            positive_id: positive_id.map(str::to_owned),
            consultation_json: None,
        }
    }

    #[test]
    fn check_ins_without_a_positive_id_are_refused() {
        for missing in [None, Some(""), Some("  ")] {
            let error = make_listing(input(missing)).unwrap_err();
            assert!(
                matches!(&error, MimamoriError::InvalidInput { reason } if reason.contains("positive_id")),
                "{error}"
            );
        }
        assert!(make_listing(input(Some("pos"))).is_ok());
    }

    #[test]
    fn exactly_one_of_onset_and_specimen_is_needed() {
        let both = ListingInput {
            specimen_day: Some("2021-02-25".into()),
            ..input(Some("pos"))
        };
        let neither = ListingInput {
            onset_day: None,
            ..input(Some("pos"))
        };
        for refused in [both, neither] {
            let error = make_listing(refused).unwrap_err();
            assert!(
                matches!(&error, MimamoriError::InvalidInput { reason } if reason.contains("exactly one")),
                "{error}"
            );
        }
        let specimen = ListingInput {
            onset_day: None,
            specimen_day: Some("2021-02-25".into()),
            attended: vec!["2021-02-24".into(), "2021-02-27".into()],
            ..input(Some("pos"))
        };
        let result = make_listing(specimen).unwrap();
        assert!(result.json.contains("\"basis\": \"specimen\""));
        assert_eq!(result.attendance_days, ["2021-02-24", "2021-02-27"]);
    }
}
