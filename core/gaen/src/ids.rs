//! GAEN identifiers: temporary exposure keys and everything derived from them.
//!
//! This module implements the *Exposure Notification Cryptography Specification* v1.2
//! (Google/Apple, April 2020) exactly:
//!
//! | name | derivation |
//! |------|------------|
//! | TEK  | 16 random bytes, one per rolling period (a UTC day) |
//! | RPIK | `HKDF-SHA256(IKM = TEK, salt = none, info = "EN-RPIK", L = 16)` |
//! | RPI  | `AES-128(RPIK, PaddedData)` with `PaddedData = "EN-RPI" ‖ 0x00×6 ‖ LE32(ENIN)` |
//! | AEMK | `HKDF-SHA256(TEK, none, "EN-AEMK", 16)` |
//! | AEM  | `AES-128-CTR(AEMK, IV = RPI, metadata)` |
//!
//! Every type here is a newtype: a byte array cannot be passed where a different key is expected,
//! and key material is zeroized when dropped and never printed by `Debug`.

use std::fmt;

use aes::Aes128;
use aes::cipher::{BlockCipherEncrypt, KeyInit};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::Error;

/// Length of one ENIntervalNumber interval, in seconds (Cryptography Specification v1.2,
/// "ENIntervalNumber": "10 minutes").
pub const INTERVAL_SECONDS: u64 = 600;

/// Number of ENIN intervals a TEK is valid for (`TEKRollingPeriod`, Cryptography
/// Specification v1.2): 144 intervals of 10 minutes, one UTC day.
pub const TEK_ROLLING_PERIOD: u32 = 144;

/// Checks that a rolling period is 1 to [`TEK_ROLLING_PERIOD`] intervals.
pub fn check_rolling_period(rolling_period: u32) -> Result<u32, Error> {
    if (1..=TEK_ROLLING_PERIOD).contains(&rolling_period) {
        Ok(rolling_period)
    } else {
        Err(Error::InvalidRollingPeriod(rolling_period))
    }
}

/// Length in bytes of a TEK, an RPIK, an AEMK and an RPI.
pub const KEY_LENGTH: usize = 16;

/// Length in bytes of the metadata and of the AEM that encrypts it.
pub const METADATA_LENGTH: usize = 4;

/// HKDF `info` for the RPIK (Cryptography Specification v1.2, "Rolling Proximity Identifier Key").
const RPIK_INFO: &[u8] = b"EN-RPIK";

/// HKDF `info` for the AEMK (Cryptography Specification v1.2, "Associated Encrypted Metadata Key").
const AEMK_INFO: &[u8] = b"EN-AEMK";

/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// First six bytes of `PaddedData` (Cryptography Specification v1.2, "Rolling Proximity
/// Identifier").
const PADDED_DATA_PREFIX: &[u8; 6] = b"EN-RPI";

/// An ENIntervalNumber (ENIN): the number of whole 10-minute intervals since the Unix epoch.
///
/// ```
/// use mimamori_gaen::IntervalNumber;
/// let enin = IntervalNumber::from_unix_seconds(1_585_785_600);
/// assert_eq!(enin.value(), 2_642_976);
/// assert_eq!(enin.rolling_start(), enin); // UTC midnight
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IntervalNumber(u32);

impl IntervalNumber {
    /// Wraps a raw ENIN.
    pub const fn new(value: u32) -> Self {
        Self(value)
    }

    /// The interval containing the given Unix time. Times after the year 80,000 saturate.
    pub fn from_unix_seconds(seconds: u64) -> Self {
        Self(u32::try_from(seconds / INTERVAL_SECONDS).unwrap_or(u32::MAX))
    }

    /// The raw ENIN.
    pub const fn value(self) -> u32 {
        self.0
    }

    /// The Unix time at which this interval starts.
    pub const fn unix_seconds(self) -> u64 {
        self.0 as u64 * INTERVAL_SECONDS
    }

    /// The first interval of the rolling period (UTC day) that contains this interval:
    /// `TEKRollingPeriod × floor(ENIN / TEKRollingPeriod)`.
    pub const fn rolling_start(self) -> Self {
        Self(self.0 - self.0 % TEK_ROLLING_PERIOD)
    }

    /// The first interval of a UTC day; days before 1970 saturate to interval 0.
    pub fn from_utc_date(date: time::Date) -> Self {
        let days = i64::from(date.to_julian_day() - UNIX_EPOCH_JULIAN_DAY).max(0);
        Self(u32::try_from(days * i64::from(TEK_ROLLING_PERIOD)).unwrap_or(u32::MAX))
    }

    /// The UTC day this interval falls in.
    pub fn utc_date(self) -> time::Date {
        let days = i32::try_from(self.0 / TEK_ROLLING_PERIOD).unwrap_or(i32::MAX);
        // ENINs beyond 9999-12-31 have no `time::Date`; they read as the last representable day.
        time::Date::from_julian_day(UNIX_EPOCH_JULIAN_DAY + days).unwrap_or(time::Date::MAX)
    }

    /// Whole UTC days from `earlier`'s day to this interval's day: the difference of their
    /// rolling periods (days since symptom onset, for a key and the onset interval). Negative
    /// when `earlier` is in fact later; defined for every ENIN, also beyond the year 9999.
    pub fn days_since(self, earlier: Self) -> i64 {
        i64::from(self.0 / TEK_ROLLING_PERIOD) - i64::from(earlier.0 / TEK_ROLLING_PERIOD)
    }

    /// This interval plus `intervals`, saturating at the largest ENIN.
    pub const fn saturating_add(self, intervals: u32) -> Self {
        Self(self.0.saturating_add(intervals))
    }

    /// This interval minus `intervals`, saturating at zero.
    pub const fn saturating_sub(self, intervals: u32) -> Self {
        Self(self.0.saturating_sub(intervals))
    }

    /// The 16-byte `PaddedData` block that is encrypted into the RPI for this interval.
    pub fn padded_data(self) -> [u8; KEY_LENGTH] {
        let mut block = [0u8; KEY_LENGTH];
        block[..6].copy_from_slice(PADDED_DATA_PREFIX);
        // Bytes 6..12 stay zero (reserved).
        block[12..].copy_from_slice(&self.0.to_le_bytes());
        block
    }
}

impl fmt::Display for IntervalNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Implements the traits every secret key type shares: construction from bytes, hex parsing,
/// byte access, and a `Debug` that never shows the key.
macro_rules! secret_key {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
        pub struct $name([u8; KEY_LENGTH]);

        impl $name {
            /// Wraps 16 bytes of key material.
            pub const fn from_bytes(bytes: [u8; KEY_LENGTH]) -> Self {
                Self(bytes)
            }

            /// Parses exactly 16 bytes; any other length is an error.
            pub fn from_slice(bytes: &[u8]) -> Result<Self, Error> {
                <[u8; KEY_LENGTH]>::try_from(bytes).map(Self).map_err(|_| Error::InvalidLength {
                    what: $what,
                    expected: KEY_LENGTH,
                    actual: bytes.len(),
                })
            }

            /// Parses 32 hexadecimal digits.
            pub fn from_hex(text: &str) -> Result<Self, Error> {
                decode_hex::<KEY_LENGTH>(text, $what).map(Self)
            }

            /// The key bytes. Handle with care: this is secret material.
            pub const fn as_bytes(&self) -> &[u8; KEY_LENGTH] {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

secret_key!(
    /// A Temporary Exposure Key (TEK): 16 random bytes valid for one rolling period.
    ///
    /// A TEK is secret while it is valid. It leaves the phone only when the resident, after a
    /// verified positive test, uploads it as a diagnosis key.
    TemporaryExposureKey,
    "temporary exposure key"
);

secret_key!(
    /// A Rolling Proximity Identifier Key (RPIK), derived from a TEK.
    RollingProximityIdentifierKey,
    "rolling proximity identifier key"
);

secret_key!(
    /// An Associated Encrypted Metadata Key (AEMK), derived from a TEK.
    AssociatedEncryptedMetadataKey,
    "associated encrypted metadata key"
);

impl TemporaryExposureKey {
    /// Generates a fresh TEK from the given random source.
    pub fn generate(random: &mut dyn mimamori_environment::RandomSource) -> Self {
        let mut bytes = [0u8; KEY_LENGTH];
        random.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Derives the RPIK: `HKDF-SHA256(TEK, salt = none, info = "EN-RPIK", 16)`.
    pub fn rolling_proximity_identifier_key(&self) -> RollingProximityIdentifierKey {
        RollingProximityIdentifierKey(self.hkdf_16(RPIK_INFO))
    }

    /// Derives the AEMK: `HKDF-SHA256(TEK, salt = none, info = "EN-AEMK", 16)`.
    pub fn associated_encrypted_metadata_key(&self) -> AssociatedEncryptedMetadataKey {
        AssociatedEncryptedMetadataKey(self.hkdf_16(AEMK_INFO))
    }

    fn hkdf_16(&self, info: &[u8]) -> [u8; KEY_LENGTH] {
        // An absent salt is a string of HashLen zero bytes (RFC 5869 §2.2), as the spec requires.
        let hkdf = Hkdf::<Sha256>::new(None, &self.0);
        let mut okm = [0u8; KEY_LENGTH];
        // 16 bytes is far below HKDF-SHA256's limit of 255 × 32 bytes, so expand cannot fail.
        #[allow(clippy::expect_used)]
        hkdf.expand(info, &mut okm)
            .expect("16 bytes is a valid HKDF-SHA256 output length");
        okm
    }
}

impl RollingProximityIdentifierKey {
    /// Computes the RPI for one interval: `AES-128(RPIK, PaddedData(ENIN))`.
    pub fn rolling_proximity_identifier(
        &self,
        interval: IntervalNumber,
    ) -> RollingProximityIdentifier {
        self.cipher().rolling_proximity_identifier(interval)
    }

    /// An AES key schedule for computing many RPIs from this key.
    pub fn cipher(&self) -> RpiCipher {
        RpiCipher(Aes128::new(&self.0.into()))
    }
}

/// An expanded AES key schedule for one RPIK, for deriving many RPIs without re-expanding it.
pub struct RpiCipher(Aes128);

impl RpiCipher {
    /// Computes the RPI for one interval.
    pub fn rolling_proximity_identifier(
        &self,
        interval: IntervalNumber,
    ) -> RollingProximityIdentifier {
        let mut block = interval.padded_data();
        self.0.encrypt_block((&mut block).into());
        RollingProximityIdentifier(block)
    }
}

impl fmt::Debug for RpiCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RpiCipher(<redacted>)")
    }
}

impl AssociatedEncryptedMetadataKey {
    /// Encrypts metadata for broadcast alongside `rpi`: `AES-128-CTR(AEMK, IV = RPI, metadata)`.
    pub fn encrypt(
        &self,
        rpi: &RollingProximityIdentifier,
        metadata: &Metadata,
    ) -> AssociatedEncryptedMetadata {
        AssociatedEncryptedMetadata(self.apply_keystream(rpi, metadata.to_bytes()))
    }

    /// Decrypts an AEM received together with `rpi`.
    pub fn decrypt(
        &self,
        rpi: &RollingProximityIdentifier,
        aem: &AssociatedEncryptedMetadata,
    ) -> Metadata {
        Metadata::from_bytes(self.apply_keystream(rpi, aem.0))
    }

    /// AES-CTR over at most one block is the plaintext XOR the encryption of the IV; the
    /// metadata is 4 bytes, so the counter never advances and its width does not matter.
    fn apply_keystream(
        &self,
        rpi: &RollingProximityIdentifier,
        mut data: [u8; METADATA_LENGTH],
    ) -> [u8; METADATA_LENGTH] {
        let mut keystream = rpi.0;
        Aes128::new(&self.0.into()).encrypt_block((&mut keystream).into());
        for (byte, key) in data.iter_mut().zip(keystream) {
            *byte ^= key;
        }
        keystream.zeroize();
        data
    }
}

/// Implements what the public byte types share: construction from bytes, hex parsing, byte
/// access, a hex `Display`, and a `Debug` that shows the hex with the type's name.
macro_rules! public_bytes {
    ($(#[$attribute:meta])* $name:ident, $length:ident, $what:literal) => {
        $(#[$attribute])*
        pub struct $name([u8; $length]);

        impl $name {
            /// Wraps the bytes.
            pub const fn from_bytes(bytes: [u8; $length]) -> Self {
                Self(bytes)
            }

            /// Parses two hexadecimal digits per byte.
            pub fn from_hex(text: &str) -> Result<Self, Error> {
                decode_hex::<$length>(text, $what).map(Self)
            }

            /// The bytes.
            pub const fn as_bytes(&self) -> &[u8; $length] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_hex(f, &self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }
    };
}

public_bytes!(
    /// A Rolling Proximity Identifier (RPI): what a phone broadcasts for about 15 minutes; 16
    /// bytes, 32 hexadecimal digits.
    ///
    /// An RPI is public (it is in the air) but still pseudonymous, so its `Display` is hex while
    /// its `Debug` shows it too: it is fine in a developer's debug output, not in production logs.
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    RollingProximityIdentifier,
    KEY_LENGTH,
    "rolling proximity identifier"
);

public_bytes!(
    /// Associated Encrypted Metadata (AEM): the 4 metadata bytes encrypted with the AEMK; 8
    /// hexadecimal digits.
    #[derive(Clone, Copy, PartialEq, Eq, Hash)]
    AssociatedEncryptedMetadata,
    METADATA_LENGTH,
    "associated encrypted metadata"
);

/// The version of the metadata format, in byte 0 of the metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MetadataVersion {
    /// Version 1.0 (`0x40`): no calibration confidence.
    V1_0,
    /// Version 1.1 (`0x50`): bits 3..2 of byte 0 carry the calibration confidence.
    V1_1,
    /// A version byte this implementation does not know; kept so the byte round-trips.
    Other(u8),
}

/// How confident the sender's calibration is (Bluetooth Specification v1.2), 0 (lowest) to 3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalibrationConfidence(u8);

impl CalibrationConfidence {
    /// The highest confidence, 3.
    pub const HIGHEST: Self = Self(3);
    /// The lowest confidence, 0.
    pub const LOWEST: Self = Self(0);

    /// A confidence from 0 to 3; anything higher is an error.
    pub fn new(value: u8) -> Result<Self, Error> {
        if value <= 3 {
            Ok(Self(value))
        } else {
            Err(Error::InvalidCalibrationConfidence(value))
        }
    }

    /// The confidence, 0 to 3.
    pub const fn value(self) -> u8 {
        self.0
    }
}

/// The plaintext metadata a phone broadcasts, encrypted, with every RPI.
///
/// Byte 0 is the version (`0x40` for 1.0, `0x50` for 1.1 with the calibration confidence in
/// bits 3..2), byte 1 is the transmit power in dBm as a signed byte, bytes 2 and 3 are reserved
/// and zero.
///
/// ```
/// use mimamori_gaen::Metadata;
/// let metadata = Metadata::from_bytes([0x40, 0x08, 0x00, 0x00]);
/// assert_eq!(metadata.tx_power_dbm(), 8);
/// assert_eq!(metadata.to_bytes(), [0x40, 0x08, 0x00, 0x00]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Metadata {
    bytes: [u8; METADATA_LENGTH],
}

impl Metadata {
    const VERSION_MASK: u8 = 0xF0;
    const VERSION_1_0: u8 = 0x40;
    const VERSION_1_1: u8 = 0x50;
    const CONFIDENCE_SHIFT: u8 = 2;

    /// Version 1.0 metadata carrying only a TX power.
    pub const fn v1_0(tx_power_dbm: i8) -> Self {
        Self {
            bytes: [Self::VERSION_1_0, tx_power_dbm as u8, 0, 0],
        }
    }

    /// Version 1.1 metadata carrying TX power and the calibration confidence.
    pub const fn v1_1(tx_power_dbm: i8, confidence: CalibrationConfidence) -> Self {
        Self {
            bytes: [
                Self::VERSION_1_1 | (confidence.0 << Self::CONFIDENCE_SHIFT),
                tx_power_dbm as u8,
                0,
                0,
            ],
        }
    }

    /// Metadata exactly as received or decrypted. Unknown versions and non-zero reserved bytes
    /// are kept: a receiver must not reject what a newer sender might put there.
    pub const fn from_bytes(bytes: [u8; METADATA_LENGTH]) -> Self {
        Self { bytes }
    }

    /// Parses 8 hexadecimal digits.
    pub fn from_hex(text: &str) -> Result<Self, Error> {
        decode_hex::<METADATA_LENGTH>(text, "metadata").map(Self::from_bytes)
    }

    /// The four metadata bytes.
    pub const fn to_bytes(self) -> [u8; METADATA_LENGTH] {
        self.bytes
    }

    /// The metadata version.
    pub const fn version(self) -> MetadataVersion {
        match self.bytes[0] & Self::VERSION_MASK {
            Self::VERSION_1_0 => MetadataVersion::V1_0,
            Self::VERSION_1_1 => MetadataVersion::V1_1,
            _ => MetadataVersion::Other(self.bytes[0]),
        }
    }

    /// The sender's transmit power in dBm.
    pub const fn tx_power_dbm(self) -> i8 {
        self.bytes[1] as i8
    }

    /// The calibration confidence, present from version 1.1 on.
    pub const fn calibration_confidence(self) -> Option<CalibrationConfidence> {
        match self.version() {
            MetadataVersion::V1_1 => Some(CalibrationConfidence(
                (self.bytes[0] >> Self::CONFIDENCE_SHIFT) & 0x03,
            )),
            _ => None,
        }
    }
}

impl fmt::Display for Metadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.bytes)
    }
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    bytes.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
}

/// Decodes exactly `N` bytes of hexadecimal (upper or lower case, no prefix or separators).
pub(crate) fn decode_hex<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N], Error> {
    let text = trim(text);
    if text.len() != 2 * N {
        return Err(Error::InvalidHex {
            what,
            reason: format!("expected {} hex digits, got {}", 2 * N, text.len()),
        });
    }
    let mut out = [0u8; N];
    for (index, pair) in text.as_bytes().chunks_exact(2).enumerate() {
        let (high, low) = (
            HEX_DIGITS[usize::from(pair[0])],
            HEX_DIGITS[usize::from(pair[1])],
        );
        if high | low > 0xF {
            let offset = usize::from(high <= 0xF);
            return Err(Error::InvalidHex {
                what,
                reason: format!("character {} is not a hex digit", 2 * index + offset + 1),
            });
        }
        out[index] = high << 4 | low;
    }
    Ok(out)
}

/// The value of each byte as a hex digit (either case), or `NOT_HEX`.
const HEX_DIGITS: [u8; 256] = {
    let mut digits = [NOT_HEX; 256];
    let mut byte = 0;
    while byte < 256 {
        digits[byte] = match byte as u8 {
            digit @ b'0'..=b'9' => digit - b'0',
            digit @ b'a'..=b'f' => digit - b'a' + 10,
            digit @ b'A'..=b'F' => digit - b'A' + 10,
            _ => NOT_HEX,
        };
        byte += 1;
    }
    digits
};

/// Marks a byte that is not a hex digit in [`HEX_DIGITS`].
const NOT_HEX: u8 = 0xFF;

/// [`str::trim`], with a fast path for text that starts and ends with a visible ASCII character
/// (the usual case in files: nothing to trim, and no need to decode characters to know it).
pub(crate) fn trim(text: &str) -> &str {
    match text.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        [only] if only.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// A TEK with the intervals it is valid for: one of a phone's daily keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyKey {
    /// The key.
    pub key: TemporaryExposureKey,
    /// The first interval the key is valid for.
    pub rolling_start: IntervalNumber,
    /// How many intervals the key is valid for, 1 to 144.
    pub rolling_period: u32,
}

impl DailyKey {
    /// A key valid for `rolling_period` intervals from `rolling_start`.
    pub fn new(
        key: TemporaryExposureKey,
        rolling_start: IntervalNumber,
        rolling_period: u32,
    ) -> Result<Self, Error> {
        let rolling_period = check_rolling_period(rolling_period)?;
        Ok(Self {
            key,
            rolling_start,
            rolling_period,
        })
    }

    /// The first interval after the key's validity.
    pub fn end(&self) -> IntervalNumber {
        self.rolling_start.saturating_add(self.rolling_period)
    }

    /// Whether the key is valid during `interval`.
    pub fn is_valid_at(&self, interval: IntervalNumber) -> bool {
        self.rolling_start <= interval && interval < self.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_number_is_ten_minutes_since_epoch() {
        assert_eq!(IntervalNumber::from_unix_seconds(0).value(), 0);
        assert_eq!(IntervalNumber::from_unix_seconds(599).value(), 0);
        assert_eq!(IntervalNumber::from_unix_seconds(600).value(), 1);
        assert_eq!(
            IntervalNumber::new(2_643_119).rolling_start().value(),
            2_642_976
        );
        assert_eq!(
            IntervalNumber::new(2_643_120).rolling_start().value(),
            2_643_120
        );
        assert_eq!(
            IntervalNumber::from_unix_seconds(u64::MAX).value(),
            u32::MAX
        );
        let day = time::macros::date!(2020 - 04 - 02);
        assert_eq!(IntervalNumber::from_utc_date(day).value(), 2_642_976);
        assert_eq!(IntervalNumber::new(2_643_119).utc_date(), day);
        assert_eq!(
            IntervalNumber::from_utc_date(time::macros::date!(1969 - 12 - 31)).value(),
            0
        );
    }

    #[test]
    fn days_since_counts_utc_days_not_intervals() {
        let day = |date| IntervalNumber::from_utc_date(date);
        let onset = day(time::macros::date!(2020 - 04 - 02));
        // 2020-04-02 is rolling period 18_354 (interval 2_642_976).
        assert_eq!(onset.value(), 2_642_976);
        assert_eq!(onset.days_since(onset), 0);
        // The last interval of the same day is still day 0; the next one is day 1.
        assert_eq!(onset.saturating_add(143).days_since(onset), 0);
        assert_eq!(onset.saturating_add(144).days_since(onset), 1);
        // One interval before midnight is already the day before.
        assert_eq!(onset.saturating_sub(1).days_since(onset), -1);
        // Across a month end and a leap day: 2020-02-28 to 2020-03-01 is 2 days.
        assert_eq!(
            day(time::macros::date!(2020 - 03 - 01))
                .days_since(day(time::macros::date!(2020 - 02 - 28))),
            2
        );
        assert_eq!(
            day(time::macros::date!(2020 - 03 - 20)).days_since(onset),
            -13,
            "a key from before the onset counts negative days"
        );
        assert_eq!(
            IntervalNumber::new(u32::MAX).days_since(IntervalNumber::new(0)),
            i64::from(u32::MAX / TEK_ROLLING_PERIOD)
        );
    }

    #[test]
    fn padded_data_uses_little_endian_interval() {
        let padded = IntervalNumber::new(0x0102_0304).padded_data();
        assert_eq!(&padded[..6], b"EN-RPI");
        assert_eq!(&padded[6..12], &[0; 6]);
        assert_eq!(&padded[12..], &[0x04, 0x03, 0x02, 0x01]);
    }

    #[test]
    fn debug_never_shows_key_material() {
        let tek = TemporaryExposureKey::from_bytes([0xAB; 16]);
        let shown = format!("{tek:?} {:?}", tek.rolling_proximity_identifier_key());
        assert!(!shown.contains("ab"), "{shown}");
        assert!(!shown.contains("171"), "{shown}");
    }

    #[test]
    fn hex_parsing_reports_what_is_wrong() {
        let error = TemporaryExposureKey::from_hex("00").unwrap_err();
        assert!(
            error.to_string().contains("expected 32 hex digits, got 2"),
            "{error}"
        );
        let error = Metadata::from_hex("4008000g").unwrap_err();
        assert!(error.to_string().contains("character 8"), "{error}");
        assert!(TemporaryExposureKey::from_slice(&[0; 15]).is_err());
        assert_eq!(
            Metadata::from_hex("4008000A").unwrap().to_bytes(),
            [0x40, 8, 0, 0x0A]
        );
    }

    #[test]
    fn metadata_versions_and_confidence() {
        let v11 = Metadata::v1_1(-12, CalibrationConfidence::new(2).unwrap());
        assert_eq!(v11.to_bytes(), [0x58, 0xF4, 0, 0]);
        assert_eq!(v11.version(), MetadataVersion::V1_1);
        assert_eq!(v11.tx_power_dbm(), -12);
        assert_eq!(
            v11.calibration_confidence(),
            Some(CalibrationConfidence::new(2).unwrap())
        );
        assert_eq!(Metadata::v1_0(8).calibration_confidence(), None);
        assert_eq!(
            Metadata::from_bytes([0x70, 0, 0, 0]).version(),
            MetadataVersion::Other(0x70)
        );
        assert!(CalibrationConfidence::new(4).is_err());
    }

    #[test]
    fn aem_round_trips() {
        let tek = TemporaryExposureKey::from_bytes([7; 16]);
        let rpi = tek
            .rolling_proximity_identifier_key()
            .rolling_proximity_identifier(IntervalNumber::new(5));
        let aemk = tek.associated_encrypted_metadata_key();
        let metadata = Metadata::v1_0(-3);
        let aem = aemk.encrypt(&rpi, &metadata);
        assert_ne!(aem.as_bytes(), &metadata.to_bytes());
        assert_eq!(aemk.decrypt(&rpi, &aem), metadata);
    }
}
