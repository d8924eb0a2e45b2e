//! The error type of `mimamori-listing`.

/// Everything that can go wrong making Hokkaido's contact listing.
///
/// Messages say what was wrong and what to do; they never contain keys, identifiers or other
/// personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A contact-listing investigation that cannot be carried out as given (dates that do not
    /// fit, a setting without a list for the masking case).
    #[error("cannot make the contact listing: {reason}")]
    InvalidInvestigation {
        /// What is wrong and what to do (never names or ids).
        reason: String,
    },

    /// A consultation line (name and phone number) that cannot be used.
    #[error("not a usable consultation line: {reason}")]
    InvalidConsultation {
        /// What is wrong.
        reason: String,
    },

    /// A line of a contact-listing roster or check-in file is wrong; the whole file was refused.
    #[error("{file} line {line}: {problem}; the file was not used: correct it and try again")]
    InvalidListingFile {
        /// The roster or the check-in file.
        file: ListingFile,
        /// The line of the file (from 1).
        line: usize,
        /// What is wrong (never the line's content).
        problem: crate::RowProblem,
    },
}

/// The file of a contact listing that a line belongs to ([`Error::InvalidListingFile`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ListingFile {
    /// The organisation's roster ([`crate::roster`]).
    Roster,
    /// The room check-ins ([`crate::parse_checkins`]).
    CheckIns,
}

impl std::fmt::Display for ListingFile {
    /// `roster` or `check-in file`, as in the error's message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Roster => "roster",
            Self::CheckIns => "check-in file",
        })
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RowProblem;

    #[test]
    fn the_file_is_named_in_todays_words() {
        let roster = Error::InvalidListingFile {
            file: ListingFile::Roster,
            line: 2,
            problem: RowProblem::BadStay,
        };
        assert!(
            roster.to_string().starts_with("roster line 2: "),
            "{roster}"
        );
        assert_eq!(ListingFile::CheckIns.to_string(), "check-in file");
    }
}
