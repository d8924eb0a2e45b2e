//! The organisation's roster: who was there, on which days, and which criteria apply.
//!
//! # Format
//!
//! A UTF-8 CSV file (RFC 4180; a byte-order mark, CRLF line ends and blank lines are fine). The
//! first line is the header, with exactly these six column names in any order:
//!
//! ```text
//! id,name,group,attendance,criteria,last_contact
//! s01,札幌 花子,2-1,2021-01-04;2021-01-05,same-class;same-table,2021-01-05
//! s02,旭川 太郎,2-1,2021-01-04,,
//! ```
//!
//! | column | content |
//! |---|---|
//! | `id` | the organisation's id for the person, unique in the file, required |
//! | `name` | the person's name, required |
//! | `group` | class, group or department; may be empty |
//! | `attendance` | the person's days of attendance in the investigation period, `YYYY-MM-DD`, separated by `;`; may be empty |
//! | `criteria` | the criteria that apply, by id (`same-table`) or the source's number (`2`, `②`, `2B`), separated by `;`; empty when none applies |
//! | `last_contact` | the last day of contact with the positive person, `YYYY-MM-DD`; when empty, the person's last attendance day on which the positive person attended too |
//!
//! Dates are ISO 8601 calendar dates (`2021-01-04`), the organisation's local calendar.
//! Every date must lie in the investigation period. A person with at least one criterion is
//! listed ("possible infection") and needs a last contact date (given or from attendance).

use std::collections::HashMap;
use std::fmt;

use time::Date;

use super::csv;
use super::setting::Criterion;
use super::{Investigation, MAX_FIELD_CHARS, MAX_ROWS};
use crate::error::{Error, ListingFile, Result};

/// The roster's column names, in the order a template shows them.
pub const ROSTER_COLUMNS: [&str; 6] = [
    "id",
    "name",
    "group",
    "attendance",
    "criteria",
    "last_contact",
];

/// What is wrong with one line of a roster or check-in file. Never holds the content of the line
/// (names, ids or dates), only where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowProblem {
    /// The file is not CSV.
    NotCsv(&'static str),
    /// The file has no header line.
    Empty,
    /// A required column is not in the header.
    MissingColumn(&'static str),
    /// The header names a column twice.
    DuplicateColumn(&'static str),
    /// The header has a column this format does not have (its position, from 1).
    UnknownColumn(usize),
    /// A row has more or fewer fields than the header.
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A required field is empty.
    EmptyField(&'static str),
    /// A field is longer than [`super::MAX_FIELD_CHARS`] characters.
    FieldTooLong(&'static str),
    /// The file has more than [`super::MAX_ROWS`] rows.
    TooManyRows,
    /// A date (or time) is not in the format.
    BadDate {
        /// The column.
        column: &'static str,
        /// The format expected.
        expected: &'static str,
    },
    /// A criterion is not one of the setting's for this masking case.
    UnknownCriterion {
        /// Which item of the `criteria` field (from 1).
        position: usize,
        /// The setting.
        setting: &'static str,
        /// `masked` or `unmasked`.
        masking: &'static str,
        /// The ids that are allowed.
        allowed: String,
    },
    /// The id was already used on an earlier line.
    DuplicateId {
        /// The earlier line.
        first_line: usize,
    },
    /// An attendance day is outside the investigation period.
    AttendanceOutsidePeriod {
        /// First day of the period.
        first: Date,
        /// Last day of the period.
        last: Date,
    },
    /// The last contact is outside the investigation period.
    ContactOutsidePeriod {
        /// First day of the period.
        first: Date,
        /// Last day of the period.
        last: Date,
    },
    /// A listed person has no last contact date and no attendance day shared with the positive
    /// person to take it from.
    NoContactDate,
    /// A check-in ends before it starts, or lasts longer than a day.
    BadStay,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotCsv(problem) => write!(f, "not CSV: {problem}"),
            Self::Empty => f.write_str("the file is empty; the first line must be the header"),
            Self::MissingColumn(column) => {
                write!(f, "the header has no column \"{column}\"")
            }
            Self::DuplicateColumn(column) => {
                write!(f, "the header has the column \"{column}\" twice")
            }
            Self::UnknownColumn(position) => write!(
                f,
                "column {position} of the header is not one of this file's columns"
            ),
            Self::FieldCount { expected, found } => write!(
                f,
                "the line has {found} fields but the header has {expected}; quote fields that \
                 contain commas"
            ),
            Self::EmptyField(column) => write!(f, "the {column} field is empty"),
            Self::FieldTooLong(column) => write!(
                f,
                "the {column} field is longer than {} characters",
                super::MAX_FIELD_CHARS
            ),
            Self::TooManyRows => write!(
                f,
                "the file has more than {} rows; split it",
                super::MAX_ROWS
            ),
            Self::BadDate { column, expected } => {
                write!(
                    f,
                    "the {column} field is not a valid date in the format {expected}"
                )
            }
            Self::UnknownCriterion {
                position,
                setting,
                masking,
                allowed,
            } => write!(
                f,
                "criterion {position} of the criteria field is not one of the {setting} criteria \
                 ({masking}); use the ids {allowed} (or their numbers in the guidance)"
            ),
            Self::DuplicateId { first_line } => {
                write!(f, "the id is already used on line {first_line}")
            }
            Self::AttendanceOutsidePeriod { first, last } => write!(
                f,
                "an attendance day is outside the investigation period {first} to {last}; list \
                 only the days in the period"
            ),
            Self::ContactOutsidePeriod { first, last } => write!(
                f,
                "the last contact is outside the investigation period {first} to {last}"
            ),
            Self::NoContactDate => f.write_str(
                "criteria apply but there is no last_contact date and no attendance day shared \
                 with the positive person; give the last_contact date",
            ),
            Self::BadStay => {
                f.write_str("checked_out must be after checked_in and at most 24 hours later")
            }
        }
    }
}

/// One person of the roster, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    /// The line of the file the person is on.
    pub line: usize,
    /// The organisation's id for the person.
    pub id: String,
    /// The person's name.
    pub name: String,
    /// Class, group or department (may be empty).
    pub group: String,
    /// The person's attendance days in the period, sorted, without repeats.
    pub attendance: Vec<Date>,
    /// The criteria that apply, in the order of the guidance, without repeats.
    pub criteria: Vec<&'static Criterion>,
    /// The last contact with the positive person: given, or the person's last attendance day on
    /// which the positive person attended too; `None` if there was neither.
    pub last_contact: Option<Date>,
}

impl RosterEntry {
    /// Whether at least one criterion applies, so the person is listed ("possible infection").
    pub fn is_listed(&self) -> bool {
        !self.criteria.is_empty()
    }
}

/// A checked roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    entries: Vec<RosterEntry>,
}

impl Roster {
    /// Reads and checks a roster CSV (see the [module documentation](self)) for `investigation`.
    ///
    /// Any problem rejects the whole file with [`Error::InvalidListingFile`] naming the line and
    /// the reason; nothing is kept from a rejected file.
    pub fn parse(text: &str, investigation: &Investigation) -> Result<Self> {
        let list = investigation.criteria();
        let period = investigation.period();
        let mut entries: Vec<RosterEntry> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        read_rows(
            ListingFile::Roster,
            text,
            &ROSTER_COLUMNS,
            MAX_ROWS,
            |line, fields| {
                let [id, name, group, attendance, criteria, last_contact] = fields;
                let id = required("id", id)?;
                let name = required("name", name)?;
                if let Some(first_line) = seen.get(id) {
                    return Err(RowProblem::DuplicateId {
                        first_line: *first_line,
                    });
                }
                let mut days = Vec::new();
                for item in split_list(attendance) {
                    let day = parse_date(item, "attendance")?;
                    if !period.contains(day) {
                        return Err(RowProblem::AttendanceOutsidePeriod {
                            first: period.first(),
                            last: period.last(),
                        });
                    }
                    days.push(day);
                }
                days.sort_unstable();
                days.dedup();
                let mut applying: Vec<&'static Criterion> = Vec::new();
                for (position, item) in split_list(criteria).enumerate() {
                    let criterion =
                        list.find(item)
                            .ok_or_else(|| RowProblem::UnknownCriterion {
                                position: position + 1,
                                setting: investigation.setting().id(),
                                masking: investigation.masking().id(),
                                allowed: list.ids(),
                            })?;
                    if !applying.contains(&criterion) {
                        applying.push(criterion);
                    }
                }
                applying.sort_by_key(|criterion| {
                    list.criteria
                        .iter()
                        .position(|known| known.id == criterion.id)
                });
                let last_contact = if last_contact.trim().is_empty() {
                    days.iter().rev().copied().find(|day| period.attended(*day))
                } else {
                    let day = parse_date(last_contact.trim(), "last_contact")?;
                    if !period.contains(day) {
                        return Err(RowProblem::ContactOutsidePeriod {
                            first: period.first(),
                            last: period.last(),
                        });
                    }
                    Some(day)
                };
                if !applying.is_empty() && last_contact.is_none() {
                    return Err(RowProblem::NoContactDate);
                }
                seen.insert(id.to_owned(), line);
                entries.push(RosterEntry {
                    line,
                    id: id.to_owned(),
                    name: name.to_owned(),
                    group: group.trim().to_owned(),
                    attendance: days,
                    criteria: applying,
                    last_contact,
                });
                Ok(())
            },
        )?;
        Ok(Self { entries })
    }

    /// The people, in the order of the file.
    pub fn entries(&self) -> &[RosterEntry] {
        &self.entries
    }

    /// The person with this id.
    pub fn find(&self, id: &str) -> Option<&RosterEntry> {
        self.entries.iter().find(|entry| entry.id == id)
    }
}

/// Reads a listing CSV file whose header has exactly the columns `names` (any order) and hands
/// each row's fields, in the order of `names`, to `row` with the row's line. The first problem
/// (not CSV, a bad header, a bad row, more than `max_rows` rows, or a problem `row` finds)
/// refuses the whole file with [`Error::InvalidListingFile`] naming `file` and the line.
pub(crate) fn read_rows<const N: usize>(
    file: ListingFile,
    text: &str,
    names: &[&'static str; N],
    max_rows: usize,
    mut row: impl FnMut(usize, [&str; N]) -> Result<(), RowProblem>,
) -> Result<()> {
    let refuse = |line: usize, problem: RowProblem| Error::InvalidListingFile {
        file,
        line,
        problem,
    };
    let records = csv::parse(text)
        .map_err(|(line, problem)| refuse(line, RowProblem::NotCsv(problem.describe())))?;
    let mut records = records.into_iter();
    let header = records.next().ok_or_else(|| refuse(1, RowProblem::Empty))?;
    let columns = Columns::from_header(&header.fields, names)
        .map_err(|problem| refuse(header.line, problem))?;
    for (count, record) in records.enumerate() {
        let line = record.line;
        if count >= max_rows {
            return Err(refuse(line, RowProblem::TooManyRows));
        }
        columns
            .fields(&record.fields, names)
            .and_then(|fields| row(line, fields))
            .map_err(|problem| refuse(line, problem))?;
    }
    Ok(())
}

/// Where each expected column is in a file's rows.
pub(crate) struct Columns<const N: usize> {
    positions: [usize; N],
    width: usize,
}

impl<const N: usize> Columns<N> {
    /// Maps a header to the expected column names (any order, exact names, ignoring case and
    /// surrounding spaces).
    pub(crate) fn from_header(
        header: &[String],
        expected: &[&'static str; N],
    ) -> Result<Self, RowProblem> {
        let mut positions = [usize::MAX; N];
        for (at, name) in header.iter().enumerate() {
            let name = name.trim().to_ascii_lowercase();
            let Some(index) = expected.iter().position(|column| *column == name) else {
                return Err(RowProblem::UnknownColumn(at + 1));
            };
            if positions[index] != usize::MAX {
                return Err(RowProblem::DuplicateColumn(expected[index]));
            }
            positions[index] = at;
        }
        if let Some(index) = positions.iter().position(|at| *at == usize::MAX) {
            return Err(RowProblem::MissingColumn(expected[index]));
        }
        Ok(Self {
            positions,
            width: header.len(),
        })
    }

    /// The row's fields in the expected order.
    pub(crate) fn fields<'a>(
        &self,
        row: &'a [String],
        names: &[&'static str; N],
    ) -> Result<[&'a str; N], RowProblem> {
        if row.len() != self.width {
            return Err(RowProblem::FieldCount {
                expected: self.width,
                found: row.len(),
            });
        }
        let mut fields = [""; N];
        for (index, at) in self.positions.iter().enumerate() {
            let field = row.get(*at).map_or("", String::as_str);
            if field.chars().count() > MAX_FIELD_CHARS {
                return Err(RowProblem::FieldTooLong(names[index]));
            }
            fields[index] = field;
        }
        Ok(fields)
    }
}

/// A required field, trimmed.
pub(crate) fn required<'a>(column: &'static str, field: &'a str) -> Result<&'a str, RowProblem> {
    let field = field.trim();
    if field.is_empty() {
        Err(RowProblem::EmptyField(column))
    } else {
        Ok(field)
    }
}

/// The non-empty items of a `;`-separated field, trimmed.
fn split_list(field: &str) -> impl Iterator<Item = &str> {
    field
        .split(';')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// A `YYYY-MM-DD` date.
pub(crate) fn parse_date(text: &str, column: &'static str) -> Result<Date, RowProblem> {
    Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| RowProblem::BadDate {
        column,
        expected: "YYYY-MM-DD",
    })
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::{Basis, Masking, Setting};

    const HEADER: &str = "id,name,group,attendance,criteria,last_contact\n";

    /// Onset 2021-01-01: the period runs 2020-12-30 to 2021-01-04.
    fn investigation(setting: Setting, masking: Masking) -> Investigation {
        crate::testing::investigation(
            setting,
            masking,
            Basis::SymptomOnset(date!(2021 - 01 - 01)),
            date!(2021 - 01 - 04),
            &[date!(2020 - 12 - 30), date!(2021 - 01 - 04)],
        )
    }

    fn refused(text: &str, investigation: &Investigation) -> (usize, RowProblem) {
        match Roster::parse(text, investigation).unwrap_err() {
            Error::InvalidListingFile {
                file: ListingFile::Roster,
                line,
                problem,
            } => (line, problem),
            other => panic!("unexpected error {other}"),
        }
    }

    #[test]
    fn a_roster_is_read_in_any_column_order() {
        let school = investigation(Setting::School, Masking::Unmasked);
        let text = "\u{feff}Name, ID ,criteria,group,last_contact,attendance\r\n\
                    \"Sapporo, Hanako\",s01,same-table;①;②,2-1,,2021-01-04;2020-12-30;2021-01-04\r\n\
                    Asahikawa Taro,s02,,2-1,2021-01-02,\r\n\
                    \r\n\
                    Obihiro Jiro,s03,,2-2,,2021-01-02\r\n";
        let roster = Roster::parse(text, &school).unwrap();
        let [first, second, third] = roster.entries() else {
            panic!("three people expected");
        };
        assert_eq!(first.line, 2);
        assert_eq!(first.name, "Sapporo, Hanako");
        assert_eq!(
            first.attendance,
            [date!(2020 - 12 - 30), date!(2021 - 01 - 04)]
        );
        let ids: Vec<&str> = first.criteria.iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            ["same-class", "same-table"],
            "guidance order, no repeats"
        );
        assert_eq!(
            first.last_contact,
            Some(date!(2021 - 01 - 04)),
            "from attendance"
        );
        assert!(first.is_listed());
        assert_eq!(second.last_contact, Some(date!(2021 - 01 - 02)), "given");
        assert!(!second.is_listed());
        assert_eq!(third.line, 5, "the blank line still counts");
        assert_eq!(
            third.last_contact, None,
            "2021-01-02 is not a day the positive person attended"
        );
        assert_eq!(roster.find("s02").unwrap().name, "Asahikawa Taro");
    }

    #[test]
    fn each_setting_takes_its_own_criteria_masked_and_unmasked() {
        let cases = [
            (
                Setting::Workplace,
                Masking::Unmasked,
                "shared-bedding",
                "same-class",
            ),
            (
                Setting::School,
                Masking::Unmasked,
                "poor-ventilation",
                "long-time",
            ),
            (Setting::School, Masking::Masked, "long-time", "same-class"),
            (
                Setting::Nursery,
                Masking::Unmasked,
                "joint-care",
                "long-time",
            ),
            (
                Setting::Nursery,
                Masking::Masked,
                "secretions",
                "joint-care",
            ),
            (
                Setting::AfterSchoolClub,
                Masking::Unmasked,
                "same-room",
                "secretions",
            ),
            (
                Setting::AfterSchoolClub,
                Masking::Masked,
                "long-time",
                "same-room",
            ),
        ];
        for (setting, masking, allowed, refused_id) in cases {
            let investigation = investigation(setting, masking);
            let good = format!("{HEADER}p1,A,g,2021-01-04,{allowed},\n");
            let roster = Roster::parse(&good, &investigation).unwrap();
            assert_eq!(roster.entries()[0].criteria[0].id, allowed);
            let bad = format!("{HEADER}p1,A,g,2021-01-04,{allowed};{refused_id},\n");
            let (line, problem) = refused(&bad, &investigation);
            assert_eq!(line, 2);
            let RowProblem::UnknownCriterion {
                position,
                setting: named,
                masking: case,
                ..
            } = problem
            else {
                panic!("{setting} {masking:?}: {problem}");
            };
            assert_eq!((position, named, case), (2, setting.id(), masking.id()));
        }
    }

    #[test]
    fn bad_rosters_are_refused_with_the_line_and_the_reason() {
        let school = investigation(Setting::School, Masking::Unmasked);
        let period = (date!(2020 - 12 - 30), date!(2021 - 01 - 04));
        let cases: Vec<(String, usize, RowProblem)> = vec![
            (String::new(), 1, RowProblem::Empty),
            (
                "id,name,group,attendance,criteria\n".into(),
                1,
                RowProblem::MissingColumn("last_contact"),
            ),
            (
                "id,name,group,attendance,criteria,last_contact,notes\n".into(),
                1,
                RowProblem::UnknownColumn(7),
            ),
            (
                "id,name,id,group,attendance,criteria,last_contact\n".into(),
                1,
                RowProblem::DuplicateColumn("id"),
            ),
            (
                format!("{HEADER}s1,A,1,2021-01-04,,\ns2,B,1,2021-01-04,,,\n"),
                3,
                RowProblem::FieldCount {
                    expected: 6,
                    found: 7,
                },
            ),
            (
                format!("{HEADER}s1,A,1,2021-01-04,,\ns2,B,1,2021-01-04,,\ns1,C,1,,,\n"),
                4,
                RowProblem::DuplicateId { first_line: 2 },
            ),
            (
                format!("{HEADER}s1,A,1,2021-01-04,tall,\n"),
                2,
                RowProblem::UnknownCriterion {
                    position: 1,
                    setting: "school",
                    masking: "unmasked",
                    allowed: "same-class, same-table, close-friend, poor-ventilation, other".into(),
                },
            ),
            (
                format!("{HEADER}s1,A,1,2021/01/04,,\n"),
                2,
                RowProblem::BadDate {
                    column: "attendance",
                    expected: "YYYY-MM-DD",
                },
            ),
            (
                format!("{HEADER}s1,A,1,2021-02-30,,\n"),
                2,
                RowProblem::BadDate {
                    column: "attendance",
                    expected: "YYYY-MM-DD",
                },
            ),
            (
                format!("{HEADER}s1,A,1,,other,yesterday\n"),
                2,
                RowProblem::BadDate {
                    column: "last_contact",
                    expected: "YYYY-MM-DD",
                },
            ),
            (
                format!("{HEADER}s1,A,1,2021-01-04;2021-01-05,,\n"),
                2,
                RowProblem::AttendanceOutsidePeriod {
                    first: period.0,
                    last: period.1,
                },
            ),
            (
                format!("{HEADER}s1,A,1,2020-12-29,,\n"),
                2,
                RowProblem::AttendanceOutsidePeriod {
                    first: period.0,
                    last: period.1,
                },
            ),
            (
                format!("{HEADER}s1,A,1,,other,2021-01-05\n"),
                2,
                RowProblem::ContactOutsidePeriod {
                    first: period.0,
                    last: period.1,
                },
            ),
            (
                format!("{HEADER}s1,A,1,2021-01-02,other,\n"),
                2,
                RowProblem::NoContactDate,
            ),
            (
                format!("{HEADER} ,A,1,,,\n"),
                2,
                RowProblem::EmptyField("id"),
            ),
            (
                format!("{HEADER}s1,,1,,,\n"),
                2,
                RowProblem::EmptyField("name"),
            ),
            (
                format!("{HEADER}s1,\"A,1,,,\n"),
                2,
                RowProblem::NotCsv("a quoted field is not closed (a \" is missing)"),
            ),
            (
                format!("{HEADER}s1,{},1,,,\n", "x".repeat(MAX_FIELD_CHARS + 1)),
                2,
                RowProblem::FieldTooLong("name"),
            ),
        ];
        for (text, line, problem) in cases {
            assert_eq!(refused(&text, &school), (line, problem), "{text}");
        }
    }

    #[test]
    fn messages_name_the_line_and_reason_but_not_the_content() {
        let school = investigation(Setting::School, Masking::Unmasked);
        let text =
            format!("{HEADER}s1,Secret Name,1,2021-01-04,,\ns1,Secret Name,1,1999-99-99,,\n");
        let message = Roster::parse(&text, &school).unwrap_err().to_string();
        assert!(message.starts_with("roster line 3: "), "{message}");
        assert!(message.contains("already used on line 2"), "{message}");
        assert!(
            !message.contains("Secret") && !message.contains("s1,"),
            "{message}"
        );
        let text = format!("{HEADER}s1,A,1,,tall-person,\n");
        let message = Roster::parse(&text, &school).unwrap_err().to_string();
        assert!(!message.contains("tall-person"), "{message}");
        assert!(message.contains("same-class, same-table"), "{message}");
    }

    #[test]
    fn too_many_rows_are_refused() {
        let school = investigation(Setting::School, Masking::Unmasked);
        let mut text = HEADER.to_owned();
        for row in 0..=MAX_ROWS {
            text.push_str(&format!("p{row},N,1,,,\n"));
        }
        assert_eq!(
            refused(&text, &school),
            (MAX_ROWS + 2, RowProblem::TooManyRows)
        );
    }
}
