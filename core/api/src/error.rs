//! The error type of `mimamori-api`.

/// A wire message that could not be read or built.
///
/// Messages say what was wrong and what to do; they never contain keys, identifiers or other
/// personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A message of the phone ↔ server API (`mimamori_api::v1`) is malformed.
    #[error("the {what} is malformed: {problem}")]
    InvalidWireMessage {
        /// Which message or file (`index.txt`, `list.json`, `publish request`, ...).
        what: &'static str,
        /// What is wrong (never the content itself).
        problem: String,
    },

    /// A GAEN rule refused a value in the message (a key of the wrong length, a rolling
    /// period).
    #[error(transparent)]
    Gaen(#[from] mimamori_gaen::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
