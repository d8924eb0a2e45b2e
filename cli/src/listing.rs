//! `mimamori listing`: the contact listing of Hokkaido's guidance for an organisation.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{ArgGroup, Args};
use mimamori_listing::{
    Basis, CANDIDATES_NOTE_ENGLISH, CANDIDATES_NOTE_JAPANESE, Consultation, EVERYONE_ELSE_ENGLISH,
    EVERYONE_ELSE_JAPANESE, Listing, ListingFile, ListingRequest, Masking, Outcome, Setting,
};
use time::Date;

/// Arguments of `mimamori listing`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("basis").required(true).args(["onset", "specimen"])))]
pub(crate) struct ListingArgs {
    /// Where the positive person was: workplace, school, nursery or afterschool.
    #[arg(long, value_parser = parse_setting)]
    setting: Setting,
    /// The positive person's symptom onset (発症日), YYYY-MM-DD.
    #[arg(long, value_parser = crate::parse_date)]
    onset: Option<Date>,
    /// The specimen collection date (検体採取日), YYYY-MM-DD, when the positive person had no
    /// symptoms.
    #[arg(long, value_parser = crate::parse_date)]
    specimen: Option<Date>,
    /// The positive person's last day at work, school, nursery or club, YYYY-MM-DD.
    #[arg(long, value_parser = crate::parse_date)]
    last_attendance: Date,
    /// The positive person's days of attendance in the period, comma-separated YYYY-MM-DD
    /// (default: every day of the period).
    #[arg(long, value_parser = crate::parse_date, value_delimiter = ',')]
    attended: Vec<Date>,
    /// The positive person wore a mask (the shorter list of criteria; not for workplaces).
    #[arg(long)]
    masked: bool,
    /// The roster CSV: id,name,group,attendance,criteria,last_contact (see the README).
    #[arg(long)]
    roster: PathBuf,
    /// Room check-ins CSV: person_id,room,checked_in,checked_out, to propose candidates.
    #[arg(long, requires = "positive")]
    checkins: Option<PathBuf>,
    /// The positive person's id in the check-ins.
    #[arg(long, requires = "checkins")]
    positive: Option<String>,
    /// A consultation line JSON (name_japanese, name_english, phone) instead of Hokkaido's.
    #[arg(long)]
    consultation: Option<PathBuf>,
    /// Write the listing as CSV here.
    #[arg(long)]
    out_csv: Option<PathBuf>,
    /// Write the listing as JSON here.
    #[arg(long)]
    out_json: Option<PathBuf>,
    /// Write the printable A4 page (PDF) here; needs a CJK font (fonts-noto-cjk or
    /// MIMAMORI_CJK_FONT).
    #[arg(long)]
    pdf: Option<PathBuf>,
}

fn parse_setting(text: &str) -> Result<Setting, String> {
    text.parse().map_err(|error| format!("{error}"))
}

/// Runs `mimamori listing`: reads and checks everything (core's [`ListingRequest::run`]), renders
/// every output, and only then writes the files (each atomically), so a bad input leaves existing
/// output files untouched.
pub(crate) fn run(args: &ListingArgs, out: &mut impl Write) -> Result<()> {
    // clap asks for exactly one of --onset and --specimen; core checks it again.
    let basis = Basis::from_onset_or_specimen(args.onset, args.specimen)?;
    let roster_csv = read(&args.roster)?;
    let consultation = match &args.consultation {
        Some(path) => Consultation::from_json(&read(path)?)
            .with_context(|| format!("cannot use {}", path.display()))?,
        None => Consultation::hokkaido(),
    };
    let checkins_csv = args.checkins.as_deref().map(read).transpose()?;
    // clap gives --checkins and --positive together or not at all.
    let checkins = checkins_csv.as_deref().zip(args.positive.as_deref());
    let listing = ListingRequest {
        setting: args.setting,
        masking: Masking::from_masked(args.masked),
        basis,
        last_attendance: args.last_attendance,
        attended: &args.attended,
        roster_csv: &roster_csv,
        checkins,
        consultation,
    }
    .run()
    .map_err(|error| naming_the_file(error, args))?;
    let with_checkins = checkins.is_some();

    let pdf = match &args.pdf {
        Some(_) => {
            let fonts = mimamori_documents::FontSet::from_env_or_default()?;
            Some(mimamori_documents::listing::listing_pdf(&fonts, &listing)?)
        }
        None => None,
    };
    let mut files: Vec<(&Path, Vec<u8>)> = Vec::new();
    if let Some(path) = &args.out_csv {
        files.push((path, listing.to_csv().into_bytes()));
    }
    if let Some(path) = &args.out_json {
        files.push((path, listing.to_json().into_bytes()));
    }
    if let (Some(path), Some(pdf)) = (&args.pdf, pdf) {
        files.push((path, pdf));
    }
    for (path, bytes) in &files {
        write_atomically(path, bytes)?;
    }

    summary(&listing, with_checkins, out)?;
    for (path, _) in &files {
        writeln!(out, "wrote {}", path.display())?;
    }
    Ok(())
}

/// The listing for a person at a terminal.
fn summary(listing: &Listing, with_checkins: bool, out: &mut impl Write) -> Result<()> {
    let investigation = listing.investigation();
    let setting = investigation.setting();
    let period = investigation.period();
    let basis = period.basis();
    writeln!(
        out,
        "{} ({}), {}",
        setting.title_japanese(),
        setting.title_english(),
        investigation.criteria().heading_english.to_lowercase()
    )?;
    writeln!(
        out,
        "調査対象期間 investigation period: {} to {} (2 days before {} {} to the last {})",
        period.first(),
        period.last(),
        basis.english(),
        basis.date(),
        setting.attendance_day_english()
    )?;
    let days: Vec<String> = period.attendance_days().map(|d| d.to_string()).collect();
    writeln!(
        out,
        "{} {}s: {}",
        setting.attendance_day_japanese(),
        setting.attendance_day_english(),
        days.join(" ")
    )?;
    let listed: Vec<_> = listing.listed().collect();
    writeln!(
        out,
        "感染の可能性がある方 possible infection: {}",
        listed.len()
    )?;
    for (entry, dates) in listed {
        let criteria: Vec<&str> = entry.criteria.iter().map(|c| c.id).collect();
        writeln!(
            out,
            "  {} {} [{}] criteria {}; last contact {}; stay home {} to {}, released {}; \
             precautions until {}",
            entry.id,
            entry.name,
            entry.group,
            criteria.join(";"),
            dates.last_contact,
            dates.from,
            dates.until,
            dates.released_on,
            dates.precautions_until
        )?;
    }
    let watched: Vec<_> = listing.health_watch().collect();
    writeln!(out, "健康観察 health watch: {}", watched.len())?;
    for (entry, dates) in watched {
        writeln!(
            out,
            "  {} {} [{}] last contact {}; watch health {} to {}",
            entry.id, entry.name, entry.group, dates.last_contact, dates.from, dates.until
        )?;
    }
    let no_contact: Vec<&str> = listing
        .people()
        .iter()
        .filter(|(_, outcome)| *outcome == Outcome::NoContact)
        .map(|(entry, _)| entry.id.as_str())
        .collect();
    if !no_contact.is_empty() {
        writeln!(
            out,
            "no contact day in the period: {}",
            no_contact.join(" ")
        )?;
    }
    writeln!(out, "{EVERYONE_ELSE_JAPANESE}")?;
    writeln!(out, "{EVERYONE_ELSE_ENGLISH}")?;
    if with_checkins {
        writeln!(
            out,
            "PROPOSALS from check-ins (NOT listed): {}",
            listing.candidates().len()
        )?;
        writeln!(out, "  {CANDIDATES_NOTE_JAPANESE}")?;
        writeln!(out, "  {CANDIDATES_NOTE_ENGLISH}")?;
        for candidate in listing.candidates() {
            writeln!(
                out,
                "  proposal {} {} {} min: {}",
                candidate.person_id,
                candidate.name.as_deref().unwrap_or("(not in the roster)"),
                candidate.total_minutes(),
                candidate.overlap_rooms_and_times("-", ", ")
            )?;
        }
    }
    writeln!(out, "{}", listing.consultation().sentence_japanese())?;
    writeln!(out, "{}", listing.consultation().sentence_english())?;
    Ok(())
}

/// A listing error, with the path of the file it is about when it is about a line of the roster
/// or of the check-ins.
fn naming_the_file(error: mimamori_listing::Error, args: &ListingArgs) -> anyhow::Error {
    let file = match &error {
        mimamori_listing::Error::InvalidListingFile {
            file: ListingFile::Roster,
            ..
        } => Some(format!("the roster {}", args.roster.display())),
        mimamori_listing::Error::InvalidListingFile {
            file: ListingFile::CheckIns,
            ..
        } => args
            .checkins
            .as_ref()
            .map(|path| format!("the check-ins {}", path.display())),
        _ => None,
    };
    match file {
        Some(file) => anyhow::Error::new(error).context(format!("cannot use {file}")),
        None => error.into(),
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} (a UTF-8 text file)", path.display()))
}

/// Writes through a temporary file in the same directory and a rename, so a reader (or a crash)
/// never sees half a file and an old file is replaced only by a complete new one.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(directory)
        .with_context(|| format!("cannot write in {}", directory.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use mimamori_listing::{ListingFile, RowProblem};

    use super::*;

    #[test]
    fn a_refused_line_names_the_path_of_its_file() {
        let args = ListingArgs {
            setting: Setting::School,
            onset: Some(Date::MIN),
            specimen: None,
            last_attendance: Date::MIN,
            attended: Vec::new(),
            masked: false,
            roster: PathBuf::from("people.csv"),
            checkins: Some(PathBuf::from("rooms.csv")),
            positive: Some("p1".to_owned()),
            consultation: None,
            out_csv: None,
            out_json: None,
            pdf: None,
        };
        let refused = |file| mimamori_listing::Error::InvalidListingFile {
            file,
            line: 3,
            problem: RowProblem::BadStay,
        };
        let roster = naming_the_file(refused(ListingFile::Roster), &args);
        assert_eq!(roster.to_string(), "cannot use the roster people.csv");
        assert!(format!("{roster:#}").contains("roster line 3"));
        let checkins = naming_the_file(refused(ListingFile::CheckIns), &args);
        assert_eq!(checkins.to_string(), "cannot use the check-ins rooms.csv");
        assert!(format!("{checkins:#}").contains("check-in file line 3"));
    }
}
