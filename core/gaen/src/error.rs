//! The error type of `mimamori-gaen`.

use std::path::PathBuf;

/// Everything that can go wrong with GAEN identifiers, advertisements, export files, matching and scoring.
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
        "the export file could not be verified: {}, so its keys were not used; check the keys \
         configured for this server, or download the file again",
        .verification.failure()
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
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
