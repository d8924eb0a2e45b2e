//! GAEN export files: the signed diagnosis-key files a health authority publishes and phones
//! download, read as a stream and written by the diagnosis server.
//!
//! ## Format
//!
//! The format is that of google/exposure-notifications-server ("Exposure Key Export File Format
//! and Verification"):
//!
//! - `export.zip` holds two entries, `export.bin` and `export.sig`.
//! - `export.bin` is the 16-byte header [`EXPORT_HEADER`] (`"EK Export v1    "`, four trailing
//!   spaces) followed by a `TemporaryExposureKeyExport` protobuf (proto2): time window, region,
//!   batch number and size, `SignatureInfo`s, then the `keys` (field 7) and `revised_keys`
//!   (field 8), each a small `TemporaryExposureKey` message.
//! - `export.sig` is a `TEKSignatureList` protobuf. Each `TEKSignature` is ECDSA P-256 over the
//!   SHA-256 of the *whole* `export.bin` (header included), ASN.1 DER encoded, algorithm OID
//!   [`SIGNATURE_ALGORITHM`]; its `SignatureInfo` names the verification key by id and version.
//!   A file may carry several signatures (key rollover).
//!
//! ## Reading
//!
//! [`ExportFile::open`] takes a `.zip`, or a bare `export.bin` with its `.sig` beside it, or a
//! bare `export.bin` alone (then it is unsigned). [`ExportFile::keys`] then streams `export.bin`
//! through a 64 KiB buffer: the bytes are hashed with SHA-256 as they are read, the top-level
//! protobuf fields are parsed one by one, and keys come out one at a time from
//! [`ExportReader::next_key`]. Memory does not grow with the number of keys, so a 500,000-key file
//! costs the same as a 2-key one. Header fields may come before or after the keys;
//! [`ExportReader::finish`] reads to the end and returns them in an [`ExportSummary`] with the key
//! counts and the digest, which [`ExportSummary::verification`] checks against public keys.
//!
//! Revised keys (field 8) are yielded too, in file order, with [`ExportKey::revised`] set, and
//! counted apart from the keys of field 7.
//!
//! For matching, [`ExportReader::into_verified_keys`] turns the reader into an iterator of
//! [`DiagnosisKey`]s whose last item is an error when the file does not verify, so that nothing
//! read from a file that fails its signature check is kept.
//!
//! ## Limits
//!
//! | what | limit | why |
//! |------|-------|-----|
//! | `export.bin` | [`MAX_EXPORT_BIN_BYTES`] (32 MiB) | 500,000 keys take about 20 MB; stops zip bombs |
//! | `export.sig` | [`MAX_EXPORT_SIG_BYTES`] (64 KiB) | ten signatures take about 1.3 KiB |
//! | a zip archive | [`MAX_EXPORT_ARCHIVE_BYTES`] (33 MiB) | bounds the zip directory read into memory |
//! | one key message, the region, one `SignatureInfo` | [`MAX_EMBEDDED_MESSAGE_BYTES`] (4 KiB) | a key takes about 35 bytes |
//! | `SignatureInfo`s in `export.bin` | [`MAX_SIGNATURE_INFOS`] (64) | the format allows 10 |
//! | keys written to one file | [`MAX_KEYS_PER_FILE`] (500,000) | the Google server's limit |
//!
//! A zip entry is refused when its declared size is over the limit, and it is read through a
//! limit as well, so an archive whose header lies cannot make the reader allocate or hash more.
//! The zip library reads the archive's directory into memory before any of this: a plain zip
//! lists at most 65,535 entries (some 16 MB of bookkeeping at worst); a zip64 directory is
//! bounded only by the archive limit. An archive of more than 16 entries is then refused.
//!
//! ## Example
//!
//! Write a signed file, read it back and check its signature:
//!
//! ```
//! use mimamori_gaen::export::{
//!     ExportFile, ExportHeader, ExportKey, ExportSigningKey, ExportWriter, Verification,
//! };
//! use mimamori_gaen::{DiagnosisKey, IntervalNumber, ReportType, TemporaryExposureKey};
//! use mimamori_environment::OsRandom;
//!
//! let signer = ExportSigningKey::generate(&mut OsRandom, "310", "v1")?;
//! let header = ExportHeader {
//!     start_timestamp: 1_590_159_600,
//!     end_timestamp: 1_590_246_000,
//!     region: "JP".into(),
//!     batch_num: 1,
//!     batch_size: 1,
//! };
//! let key = DiagnosisKey::new(
//!     TemporaryExposureKey::from_hex("75c734c6dd1a782de7a965da5eb93125")?,
//!     IntervalNumber::new(2_649_888),
//!     144,
//!     ReportType::ConfirmedTest,
//!     Some(2),
//! )?;
//! let zip = ExportWriter::new(header, std::slice::from_ref(&signer))
//!     .to_zip(&[ExportKey::new(key.clone())])?;
//!
//! let dir = std::env::temp_dir().join(format!("mimamori-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("export.zip");
//! std::fs::write(&path, &zip)?;
//!
//! let mut file = ExportFile::open(&path)?;
//! let mut reader = file.keys()?;
//! while let Some(read) = reader.next_key()? {
//!     assert_eq!(read.key, key);
//! }
//! let summary = reader.finish()?;
//! assert_eq!(summary.key_count, 1);
//! assert_eq!(summary.verification(&[signer.public_key()]), Verification::Verified);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod archive;
mod proto;
mod reader;
mod signature;
mod wire;
mod writer;

use std::fmt;

use crate::DiagnosisKey;

pub use archive::{ExportBin, ExportFile};
pub use reader::ExportReader;
pub use signature::{
    ExportPublicKey, ExportSigningKey, SignatureStatus, Verification, VerifiedKeys,
    parse_signature_list,
};
pub use writer::ExportWriter;

/// The 16 bytes every `export.bin` starts with: `"EK Export v1"` and four spaces.
pub const EXPORT_HEADER: &[u8; 16] = b"EK Export v1    ";

/// Name of the key file inside an export zip.
pub const EXPORT_BIN_NAME: &str = "export.bin";

/// Name of the signature file inside an export zip.
pub const EXPORT_SIG_NAME: &str = "export.sig";

/// OID of ECDSA with SHA-256 (`ecdsa-with-SHA256`), the algorithm of every signature written here
/// and the only one verified.
pub const SIGNATURE_ALGORITHM: &str = "1.2.840.10045.4.3.2";

/// The most bytes of `export.bin` read, header included (32 MiB). 500,000 keys (the server's limit
/// per file) take about 20 MB, so a larger file is damaged or hostile (a zip bomb).
pub const MAX_EXPORT_BIN_BYTES: u64 = 32 * 1024 * 1024;

/// The most bytes of `export.sig` read (64 KiB). Ten signatures (the most a phone checks) take
/// about 1.3 KiB.
pub const MAX_EXPORT_SIG_BYTES: u64 = 64 * 1024;

/// The largest export zip opened (33 MiB): the two entries at their limits, stored uncompressed,
/// and room for the zip's own records. The zip library reads the archive's directory into memory,
/// so this bounds that too.
pub const MAX_EXPORT_ARCHIVE_BYTES: u64 = MAX_EXPORT_BIN_BYTES + 1024 * 1024;

/// The longest key message, region string or `SignatureInfo` accepted in `export.bin` (4 KiB).
/// A key message takes about 35 bytes; this leaves room for fields added later.
pub const MAX_EMBEDDED_MESSAGE_BYTES: usize = 4 * 1024;

/// The most `SignatureInfo`s accepted in `export.bin` (the format allows 10; phones check no
/// more). More would let a small file fill memory with empty entries.
pub const MAX_SIGNATURE_INFOS: usize = 64;

/// The most keys (and revised keys) [`ExportWriter`] puts in one file, as the Google server does.
pub const MAX_KEYS_PER_FILE: usize = 500_000;

/// The `rolling_period` of a key message that has none (the proto2 default: one day).
pub const DEFAULT_ROLLING_PERIOD: u32 = crate::ids::TEK_ROLLING_PERIOD;

/// The header fields of `export.bin`. Absent fields read as the proto2 defaults (0 and "").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportHeader {
    /// Start of the time window of the file's keys (their arrival at the server), Unix seconds.
    pub start_timestamp: u64,
    /// End of that time window, Unix seconds.
    pub end_timestamp: u64,
    /// Region the keys came from, e.g. a country code (`"US"`, `"DE"`, `"JP"`).
    pub region: String,
    /// 1-based number of this file within its batch.
    pub batch_num: i32,
    /// Number of files in the batch.
    pub batch_size: i32,
}

/// Names the key that made a signature (`SignatureInfo`). Absent fields read as "".
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SignatureInfo {
    /// `verification_key_id`: alias of the public key; for Apple, the mobile country code.
    pub key_id: String,
    /// `verification_key_version`: the key's version, for rollovers (e.g. `v1`).
    pub key_version: String,
    /// `signature_algorithm`: ASN.1 OID, normally [`SIGNATURE_ALGORITHM`].
    pub algorithm: String,
}

/// One signature of `export.sig` (`TEKSignature`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportSignature {
    /// Which key made it.
    pub info: SignatureInfo,
    /// The batch number it claims (should match [`ExportHeader::batch_num`]).
    pub batch_num: i32,
    /// The batch size it claims (should match [`ExportHeader::batch_size`]).
    pub batch_size: i32,
    /// The ECDSA signature, ASN.1 DER.
    pub signature: Vec<u8>,
}

/// A key read from, or to be written to, an export file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportKey {
    /// The key as matching uses it.
    pub key: DiagnosisKey,
    /// The deprecated `transmission_risk_level`, when the file has one.
    pub transmission_risk_level: Option<i32>,
    /// Whether it is one of the `revised_keys` (field 8), whose status changed since an earlier
    /// file (for example revoked), rather than one of the `keys` (field 7).
    pub revised: bool,
}

impl ExportKey {
    /// A first-release key without a transmission risk level.
    pub fn new(key: DiagnosisKey) -> Self {
        Self {
            key,
            transmission_risk_level: None,
            revised: false,
        }
    }
}

/// What [`ExportReader::finish`] learns once the whole of `export.bin` has been read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportSummary {
    /// The header fields.
    pub header: ExportHeader,
    /// The `SignatureInfo`s listed inside `export.bin`.
    pub signature_infos: Vec<SignatureInfo>,
    /// The signatures of `export.sig`; empty for an unsigned file or a bare [`ExportReader`].
    pub signatures: Vec<ExportSignature>,
    /// How many keys (field 7) the file holds.
    pub key_count: u64,
    /// How many revised keys (field 8) the file holds.
    pub revised_key_count: u64,
    /// SHA-256 of the whole `export.bin`, header included: what the signatures sign.
    pub digest: [u8; 32],
    /// Size of `export.bin` in bytes.
    pub size: u64,
}

/// What is wrong with the bytes of `export.bin` (see [`crate::Error::MalformedExport`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportProblem {
    /// The file does not start with [`EXPORT_HEADER`].
    WrongHeader,
    /// The file ends in the middle of a field.
    Truncated,
    /// A varint is longer than 10 bytes or overflows 64 bits.
    InvalidVarint,
    /// A field tag with field number 0 or above the protobuf maximum.
    InvalidTag,
    /// A wire type this format never uses (groups, 3 and 4) or that does not exist (6 and 7).
    UnsupportedWireType(u8),
    /// A known field with the wrong wire type.
    WrongWireType {
        /// The field number.
        field: u32,
        /// The wire type found.
        wire_type: u8,
    },
    /// A key message, region or `SignatureInfo` longer than [`MAX_EMBEDDED_MESSAGE_BYTES`].
    FieldTooLong {
        /// The field number.
        field: u32,
        /// Its declared length in bytes.
        length: u64,
    },
    /// The region is not UTF-8.
    InvalidRegion,
    /// A `SignatureInfo` inside `export.bin` does not parse.
    InvalidSignatureInfo,
    /// A length inside a key message runs past the end of the message.
    TruncatedKeyMessage,
    /// More than [`MAX_SIGNATURE_INFOS`] `SignatureInfo`s.
    TooManySignatureInfos,
    /// An earlier call already failed; the reader cannot go on.
    AfterError,
}

impl fmt::Display for ExportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongHeader => write!(f, "it does not start with \"EK Export v1    \""),
            Self::Truncated => write!(f, "it ends in the middle of a field"),
            Self::InvalidVarint => write!(f, "a varint is longer than 10 bytes"),
            Self::InvalidTag => write!(f, "a field number is 0 or too large"),
            Self::UnsupportedWireType(wire_type) => {
                write!(
                    f,
                    "protobuf wire type {wire_type} is not used by this format"
                )
            }
            Self::WrongWireType { field, wire_type } => {
                write!(f, "field {field} has the wrong wire type {wire_type}")
            }
            Self::FieldTooLong { field, length } => write!(
                f,
                "field {field} is {length} bytes long, over the {MAX_EMBEDDED_MESSAGE_BYTES}-byte \
                 limit"
            ),
            Self::InvalidRegion => write!(f, "the region is not UTF-8 text"),
            Self::InvalidSignatureInfo => write!(f, "a SignatureInfo does not parse"),
            Self::TruncatedKeyMessage => write!(f, "a key message ends in the middle of a field"),
            Self::TooManySignatureInfos => write!(
                f,
                "it lists more than {MAX_SIGNATURE_INFOS} SignatureInfos (the format allows 10)"
            ),
            Self::AfterError => write!(f, "reading already failed here"),
        }
    }
}

/// What is wrong with one key of an export file (see [`crate::Error::InvalidExportKey`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportKeyProblem {
    /// `key_data` is not 16 bytes long (or is absent: 0).
    KeyLength(usize),
    /// `rolling_period` is outside 1..=144.
    RollingPeriod(i32),
    /// `rolling_start_interval_number` is negative.
    NegativeRollingStart,
    /// `report_type` is not one of 0 to 5.
    UnknownReportType(i32),
}

impl fmt::Display for ExportKeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeyLength(length) => {
                write!(f, "its key data is {length} bytes long instead of 16")
            }
            Self::RollingPeriod(period) => {
                write!(f, "its rolling period {period} is not 1 to 144 intervals")
            }
            Self::NegativeRollingStart => write!(f, "its rolling start interval is negative"),
            Self::UnknownReportType(report_type) => {
                write!(f, "its report type {report_type} is not 0 to 5")
            }
        }
    }
}

/// Where a key sits in `export.bin`: its 1-based position among the keys, or among the revised
/// keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportKeyPosition {
    /// 1-based position within its list.
    pub number: u64,
    /// Whether the list is `revised_keys` rather than `keys`.
    pub revised: bool,
}

impl fmt::Display for ExportKeyPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.revised {
            write!(f, "revised key {}", self.number)
        } else {
            write!(f, "key {}", self.number)
        }
    }
}
