//! The one error type of `mimamori-core`.

use std::path::PathBuf;

/// Everything that can go wrong in the core engine.
///
/// Messages say what was wrong and what to do; they never contain keys, identifiers or other
/// personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A byte string had the wrong length.
    #[error("{what} must be {expected} bytes long, got {actual}")]
    InvalidLength {
        /// What was being parsed.
        what: &'static str,
        /// The required length in bytes.
        expected: usize,
        /// The length received.
        actual: usize,
    },

    /// A hexadecimal string could not be decoded.
    #[error("{what} is not valid hex: {reason}")]
    InvalidHex {
        /// What was being parsed.
        what: &'static str,
        /// Why it was rejected.
        reason: String,
    },

    /// A calibration confidence outside 0..=3.
    #[error("calibration confidence must be 0 to 3, got {0}")]
    InvalidCalibrationConfidence(u8),

    /// A Bluetooth advertisement or service-data payload was not an Exposure Notification one.
    #[error("not an Exposure Notification advertisement: {0}")]
    InvalidAdvertisement(String),

    /// A sighting handed in by the platform was not plausible.
    #[error("invalid sighting: {0}")]
    InvalidSighting(String),

    /// Exposure windows or a risk configuration could not be read.
    #[error("invalid risk input: {0}")]
    InvalidRiskInput(String),

    /// A rolling period outside 1..=144 intervals.
    #[error("rolling period must be 1 to 144 intervals, got {0}")]
    InvalidRollingPeriod(u32),

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

    /// The bytes of an export file's `export.bin` are not a well-formed GAEN export.
    #[error(
        "export.bin is malformed at byte {offset}: {problem}; the file is damaged or is not a \
         GAEN export file: download it again"
    )]
    MalformedExport {
        /// Offset in `export.bin` (header included) where the problem was found.
        offset: u64,
        /// What is wrong.
        problem: crate::export::ExportProblem,
    },

    /// A key in an export file breaks a rule of the format.
    #[error(
        "{position} of export.bin is invalid: {problem}; the file is faulty: report it to its \
         publisher"
    )]
    InvalidExportKey {
        /// Which key.
        position: crate::export::ExportKeyPosition,
        /// What is wrong with it.
        problem: crate::export::ExportKeyProblem,
    },

    /// An export file, or an entry of an export zip, is larger than the limit for it.
    #[error(
        "{what} is larger than {limit} bytes, more than any GAEN export file needs; refusing it \
         (the file is damaged or hostile)"
    )]
    ExportTooLarge {
        /// The file or zip entry (`export.bin`, `export.sig`, `the export archive`).
        what: &'static str,
        /// The limit in bytes.
        limit: u64,
    },

    /// An export zip cannot be read as a zip archive.
    #[error("the export archive is not a usable zip file: {reason}; download it again")]
    InvalidExportArchive {
        /// Why it was refused.
        reason: String,
    },

    /// An export zip lacks one of its two entries.
    #[error("the export archive has no {name}; a GAEN export zip holds export.bin and export.sig")]
    MissingExportEntry {
        /// The missing entry.
        name: &'static str,
    },

    /// An export file's `export.sig` is not a `TEKSignatureList`.
    #[error(
        "export.sig is not a valid signature list ({reason}); the file is damaged: download it \
         again"
    )]
    InvalidSignatureList {
        /// Why it does not parse.
        reason: String,
    },

    /// A public key for export-file signatures could not be read.
    #[error(
        "not a usable P-256 public key: {reason}; give a PEM \"PUBLIC KEY\" or the base64 of its \
         DER (SubjectPublicKeyInfo)"
    )]
    InvalidPublicKey {
        /// Why it was refused.
        reason: String,
    },

    /// A signing key for export files could not be read or made, or its id or version is not
    /// allowed.
    #[error("not a usable export signing key: {reason}")]
    InvalidSigningKey {
        /// Why it was refused (never the key itself).
        reason: String,
    },

    /// An export file's signatures do not verify with the public keys given, so its keys must
    /// not be used.
    #[error(
        "the export file could not be verified ({verification}) with the configured public keys, \
         so its keys were not used; check the keys configured for this server, or download the \
         file again"
    )]
    ExportNotVerified {
        /// What checking the signatures found: not verified, or unsigned.
        verification: crate::export::Verification,
    },

    /// An export file could not be written.
    #[error("cannot write the export file: {reason}")]
    ExportWrite {
        /// Why.
        reason: String,
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
        "this phone has no keys from {first} to {last} whose validity has ended, so there is nothing to upload; today's key can be uploaded after midnight (UTC)"
    )]
    NothingToUpload {
        /// First day asked.
        first: time::Date,
        /// Last day asked.
        last: time::Date,
    },

    /// A message of the phone ↔ server API (`mimamori_core::api`) is malformed.
    #[error("the {what} is malformed: {problem}")]
    InvalidWireMessage {
        /// Which message or file (`index.txt`, `list.json`, `publish request`, ...).
        what: &'static str,
        /// What is wrong (never the content itself).
        problem: String,
    },

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
        problem: crate::listing::RowProblem,
    },

    /// Venue details that cannot go into a venue QR code (registration input).
    #[error("invalid venue: {reason}")]
    InvalidVenue {
        /// What is wrong (never the venue's details themselves).
        reason: String,
    },

    /// A scanned code that is not a Mimamori venue QR code, or is damaged.
    #[error(
        "this QR code is not a venue code of this app: {reason}; scan the venue's poster again"
    )]
    InvalidVenueQr {
        /// What is wrong with it.
        reason: String,
    },

    /// A venue QR code whose signature does not verify with the health authority's keys.
    #[error(
        "this venue QR code was not issued by the health authority (its signature does not \
         verify): the poster may be forged or altered, so it was not used"
    )]
    VenueQrNotVerified,

    /// A trace code that is not 16 Crockford base32 characters.
    #[error(
        "not a trace code: {reason}; copy the code from the operator's copy of the registration"
    )]
    InvalidTraceCode {
        /// What is wrong (never the code itself).
        reason: String,
    },

    /// An X25519 key for sealing venue records that cannot be used.
    #[error("not a usable venue sealing key: {reason}")]
    InvalidSealKey {
        /// Why.
        reason: String,
    },

    /// Bytes that are not a sealed venue record.
    #[error("not a sealed venue record: {reason}")]
    InvalidSealedRecord {
        /// Why.
        reason: String,
    },

    /// A sealed venue record that does not open: the trace code or the authority key is wrong,
    /// or the record is damaged.
    #[error(
        "the venue record could not be opened: the trace code is wrong (or the record is \
         damaged); check the code on the operator's copy"
    )]
    SealNotOpened,

    /// A notice's template, window or text cannot be used.
    #[error("invalid notice: {reason}")]
    InvalidNotice {
        /// What is wrong.
        reason: String,
    },

    /// A notice whose MAC does not verify with the venue's key.
    #[error("a notice failed its integrity check (bad MAC) and was skipped")]
    NoticeNotAuthentic,

    /// Bytes that are not a well-formed signed notice feed.
    #[error("the notice feed is unusable: {reason}; download it again")]
    InvalidNoticeFeed {
        /// What is wrong.
        reason: String,
    },

    /// A notice feed whose signatures do not verify with the authority's keys.
    #[error(
        "the notice feed {}, so none of its notices were used; check the authority's public key \
         or download the feed again",
        if *.unsigned { "is not signed" } else { "has no signature that verifies with the configured public keys" }
    )]
    NoticeFeedNotVerified {
        /// Whether the feed carried no signature at all.
        unsigned: bool,
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
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
