//! The error type of `mimamori-venue`.

/// Everything that can go wrong with venue QR codes, sealed records, notices and the notice feed.
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

    /// A visit that cannot be recorded or matched (times, stay, role, partner CSV row).
    #[error("invalid visit: {reason}")]
    InvalidVisit {
        /// What is wrong (never the visit's details).
        reason: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
