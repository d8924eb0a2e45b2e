//! The investigation period and the dates each person is given.

use std::collections::BTreeSet;

use time::{Date, Duration};

use crate::error::{Error, Result};

/// Days before symptom onset (or specimen collection) at which the investigation period starts:
/// 「調査対象期間（発症日2日前～最終出勤日）」 (step ① of every edition).
pub const DAYS_BEFORE_ONSET: i64 = 2;

/// Days a listed person stays at home, counted from the day after the last contact; they are
/// released on the day after that: 「翌日から 7 日間（8 日目解除）の自宅待機」.
pub const STAY_HOME_DAYS: i64 = 7;

/// Days, counted from the day after the last contact, until which a listed person keeps taking
/// precautions (temperature checks, no high-risk places or group meals, a mask):
/// 「10 日間を経過するまでは…感染対策の実施」.
pub const PRECAUTION_DAYS: i64 = 10;

/// Days, counted from the day after the contact, for which everyone else watches their health:
/// 「陽性者と接触した翌日から10日間は健康に気を付けてください」.
pub const HEALTH_WATCH_DAYS: i64 = 10;

/// The most days an investigation period may span; a longer one is a typing mistake (a wrong
/// year) rather than a real investigation.
pub const MAX_PERIOD_DAYS: i64 = 62;

/// The date the period counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// 発症日: the positive person's symptom onset.
    SymptomOnset(Date),
    /// 検体採取日: the specimen collection date, for a positive person without symptoms.
    SpecimenCollection(Date),
}

impl Basis {
    /// The basis from the two dates a form or command line asks for: exactly one of the symptom
    /// onset and the specimen collection date (for a positive person without symptoms) must be
    /// given.
    pub fn from_onset_or_specimen(onset: Option<Date>, specimen: Option<Date>) -> Result<Self> {
        match (onset, specimen) {
            (Some(onset), None) => Ok(Self::SymptomOnset(onset)),
            (None, Some(specimen)) => Ok(Self::SpecimenCollection(specimen)),
            (Some(_), Some(_)) | (None, None) => Err(Error::InvalidInvestigation {
                reason: "give either the symptom onset or, for a positive person without \
                         symptoms, the specimen collection date (exactly one of the two)"
                    .to_owned(),
            }),
        }
    }

    /// The date itself.
    pub fn date(self) -> Date {
        match self {
            Self::SymptomOnset(date) | Self::SpecimenCollection(date) => date,
        }
    }

    /// `onset` or `specimen`.
    pub fn id(self) -> &'static str {
        match self {
            Self::SymptomOnset(_) => "onset",
            Self::SpecimenCollection(_) => "specimen",
        }
    }

    /// 「発症日」 or 「検体採取日」.
    pub fn japanese(self) -> &'static str {
        match self {
            Self::SymptomOnset(_) => "発症日",
            Self::SpecimenCollection(_) => "検体採取日",
        }
    }

    /// "symptom onset" or "specimen collection".
    pub fn english(self) -> &'static str {
        match self {
            Self::SymptomOnset(_) => "symptom onset",
            Self::SpecimenCollection(_) => "specimen collection",
        }
    }
}

/// The investigation period: from [`DAYS_BEFORE_ONSET`] days before onset (or specimen
/// collection) to the positive person's last day of attendance, both included, and the days in it
/// the positive person attended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvestigationPeriod {
    basis: Basis,
    first: Date,
    last: Date,
    attendance: BTreeSet<Date>,
}

impl InvestigationPeriod {
    /// The period from `basis` to `last_attendance`.
    ///
    /// `attended` are the positive person's days of attendance; `None` means every day of the
    /// period. Refuses a last attendance before the period starts, a period longer than
    /// [`MAX_PERIOD_DAYS`], attendance days outside the period, and an empty attendance list.
    pub fn new(basis: Basis, last_attendance: Date, attended: Option<&[Date]>) -> Result<Self> {
        let first = add_days(basis.date(), -DAYS_BEFORE_ONSET)?;
        if last_attendance < first {
            return Err(Error::InvalidInvestigation {
                reason: format!(
                    "the last day of attendance ({last_attendance}) is before the investigation \
                     period starts ({first}, {DAYS_BEFORE_ONSET} days before {}); check the dates",
                    basis.english()
                ),
            });
        }
        if (last_attendance - first).whole_days() >= MAX_PERIOD_DAYS {
            return Err(Error::InvalidInvestigation {
                reason: format!(
                    "the investigation period from {first} to {last_attendance} is longer than \
                     {MAX_PERIOD_DAYS} days; check the year and month of the dates"
                ),
            });
        }
        let attendance: BTreeSet<Date> = match attended {
            None => Self::days_between(first, last_attendance).collect(),
            Some(days) => {
                if let Some(outside) = days
                    .iter()
                    .find(|day| **day < first || **day > last_attendance)
                {
                    return Err(Error::InvalidInvestigation {
                        reason: format!(
                            "the attendance day {outside} is outside the investigation period \
                             {first} to {last_attendance}"
                        ),
                    });
                }
                days.iter().copied().collect()
            }
        };
        if attendance.is_empty() {
            return Err(Error::InvalidInvestigation {
                reason: "the positive person's attendance days are empty; give at least the last \
                         day of attendance"
                    .to_owned(),
            });
        }
        Ok(Self {
            basis,
            first,
            last: last_attendance,
            attendance,
        })
    }

    /// What the period counts from.
    pub fn basis(&self) -> Basis {
        self.basis
    }

    /// The first day of the period.
    pub fn first(&self) -> Date {
        self.first
    }

    /// The last day of the period: the positive person's last day of attendance.
    pub fn last(&self) -> Date {
        self.last
    }

    /// Whether `day` is in the period.
    pub fn contains(&self, day: Date) -> bool {
        self.first <= day && day <= self.last
    }

    /// The positive person's days of attendance in the period, in order.
    pub fn attendance_days(&self) -> impl Iterator<Item = Date> + '_ {
        self.attendance.iter().copied()
    }

    /// Whether the positive person attended on `day`.
    pub fn attended(&self, day: Date) -> bool {
        self.attendance.contains(&day)
    }

    /// Every day of the period, in order.
    pub fn days(&self) -> impl Iterator<Item = Date> {
        Self::days_between(self.first, self.last)
    }

    fn days_between(first: Date, last: Date) -> impl Iterator<Item = Date> {
        std::iter::successors(Some(first), move |day| {
            day.next_day().filter(|next| *next <= last)
        })
    }
}

/// What a listed person ("possible infection") is asked to do, as dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StayHome {
    /// The last contact with the positive person.
    pub last_contact: Date,
    /// First day at home: the day after the last contact.
    pub from: Date,
    /// Last day at home: day [`STAY_HOME_DAYS`] counted from the day after the last contact.
    pub until: Date,
    /// The day the stay at home ends (day 8).
    pub released_on: Date,
    /// Last day of precautions: day [`PRECAUTION_DAYS`] counted from the day after the contact.
    pub precautions_until: Date,
}

impl StayHome {
    /// The dates for a last contact on `last_contact`.
    pub fn after(last_contact: Date) -> Result<Self> {
        Ok(Self {
            last_contact,
            from: add_days(last_contact, 1)?,
            until: add_days(last_contact, STAY_HOME_DAYS)?,
            released_on: add_days(last_contact, STAY_HOME_DAYS + 1)?,
            precautions_until: add_days(last_contact, PRECAUTION_DAYS)?,
        })
    }
}

/// What everyone else in contact is asked: to watch their health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthWatch {
    /// The last contact with the positive person.
    pub last_contact: Date,
    /// First day of the watch: the day after the contact.
    pub from: Date,
    /// Last day: day [`HEALTH_WATCH_DAYS`] counted from the day after the contact.
    pub until: Date,
}

impl HealthWatch {
    /// The dates for a contact on `last_contact`.
    pub fn after(last_contact: Date) -> Result<Self> {
        Ok(Self {
            last_contact,
            from: add_days(last_contact, 1)?,
            until: add_days(last_contact, HEALTH_WATCH_DAYS)?,
        })
    }
}

fn add_days(date: Date, days: i64) -> Result<Date> {
    date.checked_add(Duration::days(days))
        .ok_or_else(|| Error::InvalidInvestigation {
            reason: "a date is outside the calendar this program supports (years -9999 to 9999)"
                .to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn the_period_starts_two_days_before_onset_across_a_year_boundary() {
        let period = InvestigationPeriod::new(
            Basis::SymptomOnset(date!(2021 - 01 - 01)),
            date!(2021 - 01 - 04),
            None,
        )
        .unwrap();
        assert_eq!(period.first(), date!(2020 - 12 - 30));
        assert_eq!(period.last(), date!(2021 - 01 - 04));
        let days: Vec<Date> = period.attendance_days().collect();
        assert_eq!(
            days,
            [
                date!(2020 - 12 - 30),
                date!(2020 - 12 - 31),
                date!(2021 - 01 - 01),
                date!(2021 - 01 - 02),
                date!(2021 - 01 - 03),
                date!(2021 - 01 - 04),
            ]
        );
    }

    #[test]
    fn the_period_crosses_month_ends_and_leap_days() {
        // (onset and last attendance, first day of the period, days in the period)
        for (onset, first, days, why) in [
            (
                date!(2024 - 03 - 01),
                date!(2024 - 02 - 28),
                3,
                "28 Feb, 29 Feb, 1 Mar",
            ),
            (
                date!(2021 - 03 - 01),
                date!(2021 - 02 - 27),
                3,
                "no 29 Feb in 2021",
            ),
            (
                date!(2021 - 05 - 01),
                date!(2021 - 04 - 29),
                3,
                "April has 30 days",
            ),
        ] {
            let period = InvestigationPeriod::new(Basis::SymptomOnset(onset), onset, None).unwrap();
            assert_eq!(
                (period.first(), period.days().count()),
                (first, days),
                "{why}"
            );
        }
    }

    #[test]
    fn an_asymptomatic_person_counts_from_the_specimen_date() {
        let basis = Basis::SpecimenCollection(date!(2021 - 06 - 10));
        let period = InvestigationPeriod::new(
            basis,
            date!(2021 - 06 - 11),
            Some(&[
                date!(2021 - 06 - 08),
                date!(2021 - 06 - 10),
                date!(2021 - 06 - 11),
            ]),
        )
        .unwrap();
        assert_eq!(period.first(), date!(2021 - 06 - 08));
        assert_eq!(period.basis().japanese(), "検体採取日");
        assert!(period.attended(date!(2021 - 06 - 10)));
        assert!(!period.attended(date!(2021 - 06 - 09)), "not attended");
        assert!(period.contains(date!(2021 - 06 - 09)));
        assert_eq!(period.attendance_days().count(), 3);
    }

    #[test]
    fn the_basis_is_exactly_one_of_onset_and_specimen() {
        let day = date!(2021 - 01 - 10);
        assert_eq!(
            Basis::from_onset_or_specimen(Some(day), None).unwrap(),
            Basis::SymptomOnset(day)
        );
        assert_eq!(
            Basis::from_onset_or_specimen(None, Some(day)).unwrap(),
            Basis::SpecimenCollection(day)
        );
        for (onset, specimen) in [(None, None), (Some(day), Some(day))] {
            let error = Basis::from_onset_or_specimen(onset, specimen).unwrap_err();
            assert!(matches!(error, Error::InvalidInvestigation { .. }));
            assert!(error.to_string().contains("exactly one"), "{error}");
        }
    }

    #[test]
    fn impossible_periods_are_refused() {
        let onset = Basis::SymptomOnset(date!(2021 - 01 - 10));
        let early = InvestigationPeriod::new(onset, date!(2021 - 01 - 07), None).unwrap_err();
        assert!(
            early
                .to_string()
                .contains("before the investigation period starts")
        );
        let long = InvestigationPeriod::new(onset, date!(2022 - 01 - 10), None).unwrap_err();
        assert!(long.to_string().contains("longer than"));
        let outside =
            InvestigationPeriod::new(onset, date!(2021 - 01 - 12), Some(&[date!(2021 - 01 - 13)]))
                .unwrap_err();
        assert!(
            outside
                .to_string()
                .contains("outside the investigation period")
        );
        let empty = InvestigationPeriod::new(onset, date!(2021 - 01 - 12), Some(&[])).unwrap_err();
        assert!(empty.to_string().contains("empty"));
        // Two days before onset is the first day, so a last attendance on that day is fine.
        assert!(InvestigationPeriod::new(onset, date!(2021 - 01 - 08), None).is_ok());
    }

    /// The `YYYY-MM-DD` dates of a row of a test table, separated by spaces.
    fn days<const N: usize>(row: &str) -> [Date; N] {
        let days: Vec<Date> = row
            .split_whitespace()
            .map(|text| crate::roster::parse_date(text, "test").unwrap())
            .collect();
        days.try_into().unwrap()
    }

    #[test]
    fn stay_home_crosses_month_ends_leap_days_and_the_year_end() {
        for row in [
            // last contact, stay home from, until, released on, precautions until
            "2021-02-27 2021-02-28 2021-03-06 2021-03-07 2021-03-09",
            // A leap year counts the 29th.
            "2024-02-25 2024-02-26 2024-03-03 2024-03-04 2024-03-06",
            "2020-12-28 2020-12-29 2021-01-04 2021-01-05 2021-01-07",
            // 2100 is not a leap year (a century); 2000 was (divisible by 400).
            "2100-02-27 2100-02-28 2100-03-06 2100-03-07 2100-03-09",
            "2000-02-27 2000-02-28 2000-03-05 2000-03-06 2000-03-08",
        ] {
            let [contact, from, until, released, precautions] = days(row);
            let dates = StayHome::after(contact).unwrap();
            assert_eq!(
                [
                    dates.from,
                    dates.until,
                    dates.released_on,
                    dates.precautions_until
                ],
                [from, until, released, precautions],
                "{row}"
            );
        }
    }

    #[test]
    fn the_health_watch_lasts_ten_days_after_the_contact() {
        // contact, watch from, until
        for row in [
            "2021-02-27 2021-02-28 2021-03-09",
            "2020-12-31 2021-01-01 2021-01-10",
        ] {
            let [contact, from, until] = days(row);
            let watch = HealthWatch::after(contact).unwrap();
            assert_eq!([watch.from, watch.until], [from, until], "{row}");
        }
    }

    #[test]
    fn dates_at_the_end_of_the_calendar_are_an_error_not_a_panic() {
        assert!(StayHome::after(Date::MAX).is_err());
        assert!(HealthWatch::after(Date::MAX).is_err());
    }
}
