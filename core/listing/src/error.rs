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
        /// `roster` or `check-in file`.
        file: &'static str,
        /// The line of the file (from 1).
        line: usize,
        /// What is wrong (never the line's content).
        problem: crate::RowProblem,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
