//! The error type of `mimamori-phone`.

use std::path::PathBuf;

/// Everything that can go wrong on the resident's device: its database, the diagnosis server, and the protocol rules below it.
///
/// Messages say what was wrong and what to do; they never contain keys, identifiers or other
/// personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key for this rolling period is already stored.
    #[error("a key for the rolling period starting at interval {rolling_start} is already stored")]
    DuplicateKey {
        /// The rolling start of the refused key.
        rolling_start: u32,
    },

    /// A date range whose end comes before its start.
    #[error("the date range ends ({end}) before it starts ({start})")]
    InvalidDateRange {
        /// First day of the range.
        start: time::Date,
        /// Last day of the range.
        end: time::Date,
    },

    /// The key database exists but is not a SQLite database (or is damaged).
    #[error(
        "the key database {path} is damaged or is not a database; move it aside to start with \
         new keys (keys in it can no longer be uploaded)"
    )]
    CorruptDatabase {
        /// The database file.
        path: PathBuf,
    },

    /// The file is a SQLite database of some other application.
    #[error(
        "{path} belongs to another application (application id {application_id:#010x}); \
         choose a different data directory"
    )]
    ForeignDatabase {
        /// The database file.
        path: PathBuf,
        /// The application id found in the file header.
        application_id: i32,
    },

    /// The database was written by a newer Mimamori with a schema this version cannot read.
    #[error(
        "{path} has schema version {found}, newer than the {supported} this version of Mimamori \
         supports; update the app"
    )]
    UnsupportedSchema {
        /// The database file.
        path: PathBuf,
        /// The schema version in the file.
        found: i32,
        /// The newest schema version this build understands.
        supported: i32,
    },

    /// A storage operation failed.
    #[error("storage failed: {0}")]
    Storage(#[from] rusqlite::Error),

    /// A file-system operation failed.
    #[error("cannot use {path}: {cause}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error (in the message, so it is not also a `source`).
        cause: std::io::Error,
    },

    /// A diagnosis server URL that cannot be used.
    #[error("not a usable diagnosis server URL: {reason}")]
    InvalidServerUrl {
        /// Why it was refused.
        reason: String,
    },

    /// A request to the diagnosis server got no answer (no network, refused connection, timeout,
    /// or an answer longer than allowed).
    #[error(
        "the diagnosis server could not be reached: {reason}; check the connection and try again"
    )]
    Transport {
        /// What the HTTP client reported (never a URL with secrets, a body or an address).
        reason: String,
    },

    /// The diagnosis server answered a request with an error.
    #[error("the diagnosis server refused the {request} (HTTP {status}{}): {advice}", .code.as_deref().map(|code| format!(", {code}")).unwrap_or_default())]
    ServerRefused {
        /// Which request: "verification code", "certificate request", "upload", "download".
        request: &'static str,
        /// The HTTP status.
        status: u16,
        /// The server's error code when it gave one (e.g. `code_invalid`).
        code: Option<String>,
        /// What the resident or operator can do.
        advice: &'static str,
    },

    /// The diagnosis server answered with something that is not what the protocol defines.
    #[error(
        "the diagnosis server sent an unusable {what}: {reason}; the server may be misconfigured or a different version"
    )]
    InvalidServerResponse {
        /// Which answer.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// A verification code that is not 8 digits.
    #[error(
        "a verification code is 8 digits (spaces and hyphens are ignored); check the code the health authority gave"
    )]
    InvalidVerificationCode,

    /// There are no keys to upload for the days asked.
    #[error(
        "this phone has no keys from {first} to {last} to upload: its only key started in the last 10 minutes, after an earlier upload released the one before; upload again with a new code after the next 10-minute interval"
    )]
    NothingToUpload {
        /// First day asked.
        first: time::Date,
        /// Last day asked.
        last: time::Date,
    },

    /// A message of the phone ↔ server API (`mimamori_api`) is malformed.
    #[error("the {what} is malformed: {problem}")]
    InvalidWireMessage {
        /// Which message or file (`index.txt`, `list.json`, `publish request`, ...).
        what: &'static str,
        /// What is wrong (never the content itself).
        problem: String,
    },

    /// A check-in before the resident consented to venue check-ins.
    #[error(
        "venue check-ins need your consent first: this app records the venues you scan on this \
         phone only, for 14 days, to tell you about notices; agree once to start"
    )]
    VenueConsentRequired,

    /// A visit that cannot be recorded or matched (times, stay, role, partner CSV row).
    #[error("invalid visit: {reason}")]
    InvalidVisit {
        /// What is wrong (never the visit's details).
        reason: String,
    },

    /// A radio loop configuration that cannot work (a scan window longer than the time between
    /// scans, a zero interval, ...).
    #[error("invalid radio configuration: {reason}")]
    InvalidRadioConfig {
        /// What is wrong.
        reason: String,
    },

    /// A GAEN rule refused the input (identifiers, export files, matching, scoring).
    #[error(transparent)]
    Gaen(#[from] mimamori_gaen::Error),

    /// A venue rule refused the input (QR codes, notices, the notice feed).
    #[error(transparent)]
    Venue(#[from] mimamori_venue::Error),

    /// A wire message from or for the diagnosis server was malformed.
    #[error(transparent)]
    Api(#[from] mimamori_api::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
