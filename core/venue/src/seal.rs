//! Sealed venue records: what the server stores instead of a venue's seed, openable only with
//! the authority's X25519 secret key AND the operator's trace code.
//!
//! ```text
//! e, E        = ephemeral X25519 key pair (fresh per record)
//! shared      = X25519(e, A)                      A: the authority's seal public key
//!               (refused if all zero: A was a low-order point)
//! okm         = HKDF-SHA256(salt = SEAL_SALT, ikm = shared,
//!                           info = SEAL_INFO || trace code (10 bytes) || E || A, 64 bytes)
//! enc, mac    = okm[0..32], okm[32..64]
//! ciphertext  = AES-256-CTR(enc, iv, plaintext)   iv: 16 random bytes
//! tag         = HMAC-SHA256(mac, SEAL_MAC_CONTEXT || E || iv || ciphertext)
//! record      = SEALED_RECORD_VERSION (1 byte) || E (32) || iv (16) || tag (32) || ciphertext
//! ```
//!
//! A wrong trace code gives other keys, so the MAC check fails: [`Error::SealNotOpened`].

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hkdf::Hkdf;
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::cipher::{IV_LENGTH, MAC_LENGTH, apply_keystream, mac, mac_matches};
use mimamori_environment::RandomSource;

use crate::{Error, Result};

/// The HKDF salt of a sealed record's keys.
pub const SEAL_SALT: &[u8] = b"mimamori-venue-seal-v1";

/// The HKDF info prefix of a sealed record's keys (followed by the trace code's 10 bytes, the
/// ephemeral public key and the authority's public key).
pub const SEAL_INFO: &[u8] = b"mimamori-venue-seal";

/// What a sealed record's MAC covers before the ephemeral key, IV and ciphertext.
pub const SEAL_MAC_CONTEXT: &[u8] = b"mimamori-venue-seal-mac";

/// The first byte of a sealed record.
pub const SEALED_RECORD_VERSION: u8 = 1;

/// Length of a trace code in bytes (80 bits) and in Crockford base32 characters.
pub const TRACE_CODE_BYTES: usize = 10;
/// Length of a trace code in Crockford base32 characters (5 bits each).
pub const TRACE_CODE_CHARS: usize = 16;

/// The largest plaintext a record may seal, in bytes. The diagnosis server's largest accepted
/// venue registration (50 rooms, every field at its limit in 4-byte UTF-8 characters) seals to
/// about 110 KB (its test `venue_limits` stores it); 64 KiB was too small for it.
pub const MAX_SEALED_PLAINTEXT: usize = 256 * 1024;

const HEADER_LENGTH: usize = 1 + 32 + IV_LENGTH + MAC_LENGTH;

/// Crockford's base32 alphabet.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The operator's private trace code: 80 random bits written as 16 Crockford base32 characters
/// (`XXXX-XXXX-XXXX-XXXX`). Parsing ignores case, hyphens and spaces and reads `I`/`L` as `1`
/// and `O` as `0`. Zeroized when dropped; never printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct TraceCode([u8; TRACE_CODE_BYTES]);

impl TraceCode {
    /// A fresh random trace code.
    pub fn generate(random: &mut dyn RandomSource) -> Self {
        let mut bytes = [0u8; TRACE_CODE_BYTES];
        random.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A trace code from its 10 bytes.
    pub fn from_bytes(bytes: [u8; TRACE_CODE_BYTES]) -> Self {
        Self(bytes)
    }

    /// Reads a trace code as an operator types it.
    pub fn parse(text: &str) -> Result<Self> {
        let mut value: u128 = 0;
        let mut count = 0usize;
        for c in text.chars() {
            if c == '-' || c.is_whitespace() {
                continue;
            }
            let digit = match c.to_ascii_uppercase() {
                'I' | 'L' => 1,
                'O' => 0,
                upper => CROCKFORD
                    .iter()
                    .position(|&symbol| char::from(symbol) == upper)
                    .ok_or_else(|| Error::InvalidTraceCode {
                        reason: "it holds a character that is not a letter or digit of the code \
                                 (U is never used)"
                            .into(),
                    })?,
            };
            count += 1;
            if count > TRACE_CODE_CHARS {
                break;
            }
            value = value << 5 | digit as u128;
        }
        if count != TRACE_CODE_CHARS {
            return Err(Error::InvalidTraceCode {
                reason: format!(
                    "a trace code has {TRACE_CODE_CHARS} letters and digits, this has {}",
                    if count > TRACE_CODE_CHARS {
                        "more".to_owned()
                    } else {
                        count.to_string()
                    }
                ),
            });
        }
        let bytes = value.to_be_bytes();
        let mut code = [0u8; TRACE_CODE_BYTES];
        code.copy_from_slice(&bytes[16 - TRACE_CODE_BYTES..]);
        value.zeroize();
        Ok(Self(code))
    }

    /// The code's 10 bytes.
    pub fn as_bytes(&self) -> &[u8; TRACE_CODE_BYTES] {
        &self.0
    }

    /// The code as 16 characters without hyphens (`0123456789ABCDEF`-style).
    pub fn to_compact(&self) -> Zeroizing<String> {
        let mut padded = [0u8; 16];
        padded[16 - TRACE_CODE_BYTES..].copy_from_slice(&self.0);
        let value = u128::from_be_bytes(padded);
        let text = (0..TRACE_CODE_CHARS)
            .rev()
            .map(|index| char::from(CROCKFORD[((value >> (5 * index)) & 0x1f) as usize]))
            .collect();
        padded.zeroize();
        Zeroizing::new(text)
    }

    /// The code as printed on the operator's copy: four groups of four, `XXXX-XXXX-XXXX-XXXX`.
    pub fn to_display(&self) -> Zeroizing<String> {
        let compact = self.to_compact();
        let groups: Vec<&str> = (0..4).map(|i| &compact[i * 4..i * 4 + 4]).collect();
        Zeroizing::new(groups.join("-"))
    }
}

impl FromStr for TraceCode {
    type Err = Error;

    /// As [`TraceCode::parse`].
    fn from_str(text: &str) -> Result<Self> {
        Self::parse(text)
    }
}

impl fmt::Debug for TraceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TraceCode(..)")
    }
}

/// The authority's X25519 public key that venue records are sealed to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SealPublicKey([u8; 32]);

impl SealPublicKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Reads the (standard) base64 of the 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self> {
        let bytes = BASE64
            .decode(text.trim())
            .map_err(|_| invalid_seal_key("the public key is not base64"))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| invalid_seal_key("an X25519 public key is 32 bytes"))?;
        Ok(Self(bytes))
    }

    /// The standard base64 of the 32 bytes.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// The key's 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SealPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealPublicKey({})", self.to_base64())
    }
}

/// The authority's X25519 secret key that opens sealed venue records (together with the trace
/// code). Zeroized when dropped; never printed.
pub struct SealSecretKey(StaticSecret);

impl SealSecretKey {
    /// A fresh random key.
    pub fn generate(random: &mut dyn RandomSource) -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        random.fill_bytes(&mut bytes[..]);
        Self(StaticSecret::from(*bytes))
    }

    /// A key from its 32 bytes (as [`SealSecretKey::to_bytes`] gives them).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(StaticSecret::from(bytes))
    }

    /// The key's 32 bytes, for storing it (in memory zeroized when dropped).
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The public key records are sealed to.
    pub fn public_key(&self) -> SealPublicKey {
        SealPublicKey(PublicKey::from(&self.0).to_bytes())
    }
}

impl fmt::Debug for SealSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealSecretKey(public: {:?})", self.public_key())
    }
}

fn invalid_seal_key(reason: &str) -> Error {
    Error::InvalidSealKey {
        reason: reason.to_owned(),
    }
}

/// A sealed venue record, as the server stores it.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedRecord {
    ephemeral_public: [u8; 32],
    iv: [u8; IV_LENGTH],
    mac: [u8; MAC_LENGTH],
    ciphertext: Vec<u8>,
}

impl SealedRecord {
    /// Seals `plaintext` (at most [`MAX_SEALED_PLAINTEXT`] bytes) to the authority's key and the
    /// operator's trace code, with a fresh ephemeral key and IV from `random`.
    pub fn seal(
        authority: &SealPublicKey,
        trace_code: &TraceCode,
        plaintext: &[u8],
        random: &mut dyn RandomSource,
    ) -> Result<Self> {
        let mut ephemeral = Zeroizing::new([0u8; 32]);
        random.fill_bytes(&mut ephemeral[..]);
        let mut iv = [0u8; IV_LENGTH];
        random.fill_bytes(&mut iv);
        Self::seal_with(authority, trace_code, plaintext, &ephemeral, iv)
    }

    /// As [`SealedRecord::seal`] with a given ephemeral secret and IV (for known-answer tests;
    /// never reuse either).
    pub fn seal_with(
        authority: &SealPublicKey,
        trace_code: &TraceCode,
        plaintext: &[u8],
        ephemeral_secret: &[u8; 32],
        iv: [u8; IV_LENGTH],
    ) -> Result<Self> {
        if plaintext.len() > MAX_SEALED_PLAINTEXT {
            return Err(Error::InvalidSealedRecord {
                reason: format!("a record holds at most {MAX_SEALED_PLAINTEXT} bytes"),
            });
        }
        let ephemeral = StaticSecret::from(*ephemeral_secret);
        let ephemeral_public = PublicKey::from(&ephemeral).to_bytes();
        let shared = ephemeral.diffie_hellman(&PublicKey::from(authority.0));
        if !shared.was_contributory() {
            return Err(invalid_seal_key(
                "the authority's public key is a low-order point (all-zero shared secret); it \
                 is not a real key",
            ));
        }
        let (encryption_key, mac_key) = derive_keys(
            shared.as_bytes(),
            trace_code,
            &ephemeral_public,
            &authority.0,
        );
        let mut ciphertext = plaintext.to_vec();
        apply_keystream(&encryption_key, &iv, &mut ciphertext);
        let mac = mac(
            &mac_key,
            &[SEAL_MAC_CONTEXT, &ephemeral_public, &iv, &ciphertext],
        );
        Ok(Self {
            ephemeral_public,
            iv,
            mac,
            ciphertext,
        })
    }

    /// Opens the record with the authority's secret key and the operator's trace code.
    ///
    /// A wrong trace code, a wrong key or a damaged record is [`Error::SealNotOpened`].
    pub fn open(
        &self,
        secret: &SealSecretKey,
        trace_code: &TraceCode,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let authority = secret.public_key();
        let shared = secret
            .0
            .diffie_hellman(&PublicKey::from(self.ephemeral_public));
        if !shared.was_contributory() {
            return Err(Error::SealNotOpened);
        }
        let (encryption_key, mac_key) = derive_keys(
            shared.as_bytes(),
            trace_code,
            &self.ephemeral_public,
            &authority.0,
        );
        if !mac_matches(
            &mac_key,
            &[
                SEAL_MAC_CONTEXT,
                &self.ephemeral_public,
                &self.iv,
                &self.ciphertext,
            ],
            &self.mac,
        ) {
            return Err(Error::SealNotOpened);
        }
        let mut plaintext = Zeroizing::new(self.ciphertext.clone());
        apply_keystream(&encryption_key, &self.iv, &mut plaintext);
        Ok(plaintext)
    }

    /// The record's bytes: version, ephemeral public key, IV, MAC, ciphertext.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(HEADER_LENGTH + self.ciphertext.len());
        bytes.push(SEALED_RECORD_VERSION);
        bytes.extend_from_slice(&self.ephemeral_public);
        bytes.extend_from_slice(&self.iv);
        bytes.extend_from_slice(&self.mac);
        bytes.extend_from_slice(&self.ciphertext);
        bytes
    }

    /// Reads a record's bytes (as [`SealedRecord::to_bytes`] writes them).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < HEADER_LENGTH {
            return Err(Error::InvalidSealedRecord {
                reason: "it is shorter than a record's header".into(),
            });
        }
        if bytes[0] != SEALED_RECORD_VERSION {
            return Err(Error::InvalidSealedRecord {
                reason: "it has an unknown version".into(),
            });
        }
        if bytes.len() - HEADER_LENGTH > MAX_SEALED_PLAINTEXT {
            return Err(Error::InvalidSealedRecord {
                reason: format!("a record holds at most {MAX_SEALED_PLAINTEXT} bytes"),
            });
        }
        let mut ephemeral_public = [0u8; 32];
        ephemeral_public.copy_from_slice(&bytes[1..33]);
        let mut iv = [0u8; IV_LENGTH];
        iv.copy_from_slice(&bytes[33..33 + IV_LENGTH]);
        let mut mac = [0u8; MAC_LENGTH];
        mac.copy_from_slice(&bytes[33 + IV_LENGTH..HEADER_LENGTH]);
        Ok(Self {
            ephemeral_public,
            iv,
            mac,
            ciphertext: bytes[HEADER_LENGTH..].to_vec(),
        })
    }
}

impl fmt::Debug for SealedRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedRecord")
            .field("ciphertext_length", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

fn derive_keys(
    shared: &[u8; 32],
    trace_code: &TraceCode,
    ephemeral_public: &[u8; 32],
    authority_public: &[u8; 32],
) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
    let info = [
        SEAL_INFO,
        &trace_code.0[..],
        &ephemeral_public[..],
        &authority_public[..],
    ]
    .concat();
    let mut okm = Zeroizing::new([0u8; 64]);
    // 64 bytes are far below HKDF-SHA256's 8,160-byte limit: this cannot fail.
    let _ = Hkdf::<Sha256>::new(Some(SEAL_SALT), shared).expand(&info, &mut okm[..]);
    let mut encryption = Zeroizing::new([0u8; 32]);
    let mut mac = Zeroizing::new([0u8; 32]);
    encryption.copy_from_slice(&okm[..32]);
    mac.copy_from_slice(&okm[32..]);
    (encryption, mac)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mimamori_environment::SeededRandom;

    #[test]
    fn trace_codes_parse_tolerantly_and_print_in_groups() {
        let code =
            TraceCode::from_bytes([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23]);
        let display = code.to_display();
        assert_eq!(display.len(), 19);
        assert_eq!(TraceCode::parse(&display).unwrap(), code);
        assert_eq!(TraceCode::parse(&display.to_lowercase()).unwrap(), code);
        assert_eq!(TraceCode::parse(&code.to_compact()).unwrap(), code);
        let zero = TraceCode::from_bytes([0; 10]);
        assert_eq!(*zero.to_compact(), "0000000000000000");
        assert_eq!(TraceCode::parse("oooo-OOOO-0000-0000").unwrap(), zero);
        assert_eq!(
            *TraceCode::from_bytes([0xff; 10]).to_compact(),
            "ZZZZZZZZZZZZZZZZ"
        );
        assert_eq!(
            TraceCode::parse("1111 iiii LLLL llll").unwrap(),
            TraceCode::parse("1111111111111111").unwrap()
        );
        for bad in [
            "",
            "ABCD",
            "ABCD-EFGH-JKMN-PQRSX",
            "ABCD-EFGH-JKMN-PQRU",
            "ABCD-EFGH-JKMN-PQR!",
        ] {
            assert!(
                matches!(TraceCode::parse(bad), Err(Error::InvalidTraceCode { .. })),
                "{bad}"
            );
        }
        assert_eq!(format!("{code:?}"), "TraceCode(..)");
    }

    #[test]
    fn a_record_opens_only_with_the_key_and_the_trace_code() {
        let mut random = SeededRandom::new(5);
        let secret = SealSecretKey::generate(&mut random);
        let code = TraceCode::generate(&mut random);
        let sealed =
            SealedRecord::seal(&secret.public_key(), &code, b"venue record", &mut random).unwrap();
        let bytes = sealed.to_bytes();
        let again = SealedRecord::from_bytes(&bytes).unwrap();
        assert_eq!(again, sealed);
        assert_eq!(
            again.open(&secret, &code).unwrap().as_slice(),
            b"venue record"
        );

        let wrong_code = TraceCode::generate(&mut random);
        assert!(matches!(
            again.open(&secret, &wrong_code),
            Err(Error::SealNotOpened)
        ));
        let wrong_key = SealSecretKey::generate(&mut random);
        assert!(matches!(
            again.open(&wrong_key, &code),
            Err(Error::SealNotOpened)
        ));
        let mut damaged = bytes.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert!(matches!(
            SealedRecord::from_bytes(&damaged)
                .unwrap()
                .open(&secret, &code),
            Err(Error::SealNotOpened)
        ));
        assert!(SealedRecord::from_bytes(&bytes[..40]).is_err());
        let round = SealSecretKey::from_bytes(*secret.to_bytes());
        assert_eq!(round.public_key(), secret.public_key());
        assert_eq!(
            SealPublicKey::from_base64(&secret.public_key().to_base64()).unwrap(),
            secret.public_key()
        );
    }

    #[test]
    fn a_low_order_authority_key_is_refused() {
        let mut random = SeededRandom::new(6);
        let code = TraceCode::generate(&mut random);
        let zero = SealPublicKey::from_bytes([0; 32]);
        assert!(matches!(
            SealedRecord::seal(&zero, &code, b"x", &mut random),
            Err(Error::InvalidSealKey { .. })
        ));
    }
}
