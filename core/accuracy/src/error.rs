//! The crate's one error type.

/// What went wrong reading or evaluating measurements.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file has no readings (empty, only comments, or only a header).
    #[error("the readings file has no readings: it needs the header line and at least one row")]
    NoReadings,
    /// The first line is not the expected header.
    #[error(
        "line {line}: the header must be exactly `{}`",
        crate::readings::HEADER
    )]
    Header {
        /// The line, counted from 1.
        line: usize,
    },
    /// A row is malformed.
    #[error("line {line}: {reason}; fix or remove that row")]
    Row {
        /// The line, counted from 1.
        line: usize,
        /// What is wrong with it (no values from the file are quoted).
        reason: String,
    },
    /// A line of an MIT LL iPhone log is malformed.
    #[error("MIT LL iPhone log, line {line}: {reason}; is this one of the data set's iPhone logs?")]
    Mitll {
        /// The line, counted from 1.
        line: usize,
        /// What is wrong with it (no values from the file are quoted).
        reason: String,
    },
    /// An MIT LL iPhone log has no `Range` line, so the distance is unknown.
    #[error(
        "the MIT LL iPhone log has no `Range` line (the distance in feet); is it one of the data set's iPhone logs?"
    )]
    MitllRange,
    /// An MIT LL iPhone log spans so long that its slices, laid apart, pass the year 9999.
    #[error(
        "the MIT LL iPhone log spans too long to lay its slices apart (a collect lasts about a minute); convert it --as-recorded"
    )]
    MitllSpan,
    /// A row of a DP-3T experiment 34 scene is unusable.
    #[error("DP-3T results row {row}: {reason}; is this one of experiment 34's scenario files?")]
    Dp3t {
        /// The row, counted from 1 in the order read.
        row: usize,
        /// What is wrong with it (no values from the file are quoted).
        reason: String,
    },
}

/// A result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
