//! The health authority's ECDSA P-256 keys for venues: one signs the QR payloads of the posters
//! it issues, one (or the same) signs the notice feed. Phones and partner systems hold the public
//! keys.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use zeroize::Zeroizing;

use mimamori_environment::RandomSource;

use crate::{Error, Result};

/// The longest key id or key version accepted.
const MAX_KEY_NAME_LENGTH: usize = 64;

/// A public key that verifies the authority's venue signatures (QR payloads and notice feeds):
/// ECDSA P-256, read from a PEM `PUBLIC KEY` or the base64 of its DER `SubjectPublicKeyInfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VenuePublicKey(VerifyingKey);

impl VenuePublicKey {
    /// Reads PEM when the text holds a `-----BEGIN` line, base64 DER otherwise (white space is
    /// ignored).
    pub fn parse(text: &str) -> Result<Self> {
        if text.contains("-----BEGIN") {
            VerifyingKey::from_public_key_pem(text.trim())
                .map(Self)
                .map_err(|error| invalid_public_key(error.to_string()))
        } else {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let der = BASE64
                .decode(compact)
                .map_err(|error| invalid_public_key(format!("not base64: {error}")))?;
            Self::from_der(&der)
        }
    }

    /// Reads a DER `SubjectPublicKeyInfo`.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        VerifyingKey::from_public_key_der(der)
            .map(Self)
            .map_err(|error| invalid_public_key(error.to_string()))
    }

    /// The key as PEM (`PUBLIC KEY`, line feeds).
    pub fn to_pem(&self) -> Result<String> {
        self.0
            .to_public_key_pem(LineEnding::LF)
            .map_err(|error| invalid_public_key(error.to_string()))
    }

    /// The base64 of the key's DER `SubjectPublicKeyInfo`.
    pub fn to_base64_der(&self) -> Result<String> {
        let der = self
            .0
            .to_public_key_der()
            .map_err(|error| invalid_public_key(error.to_string()))?;
        Ok(BASE64.encode(der.as_bytes()))
    }

    /// Whether `signature` (64 bytes `r || s`, or ASN.1 DER) is this key's ECDSA P-256 /
    /// SHA-256 signature of `context || message`.
    pub(crate) fn verifies(&self, context: &[u8], message: &[u8], signature: &[u8]) -> bool {
        let parsed = if signature.len() == 64 {
            Signature::from_slice(signature)
        } else {
            Signature::from_der(signature)
        };
        let Ok(signature) = parsed else {
            return false;
        };
        let signed = [context, message].concat();
        self.0.verify(&signed, &signature).is_ok()
    }
}

impl std::str::FromStr for VenuePublicKey {
    type Err = Error;

    /// As [`VenuePublicKey::parse`].
    fn from_str(text: &str) -> Result<Self> {
        Self::parse(text)
    }
}

fn invalid_public_key(reason: String) -> Error {
    Error::InvalidPublicKey { reason }
}

/// The health authority's ECDSA P-256 key for venue QR payloads and notice feeds, with the id and
/// version that feeds name it by (QR payloads carry no key name: a phone tries each key it
/// trusts).
///
/// The secret is zeroized when dropped and never printed.
pub struct VenueSigningKey {
    key: SigningKey,
    key_id: String,
    key_version: String,
}

impl VenueSigningKey {
    /// Makes a new key from `random`. `key_id` and `key_version` are 1 to 64 characters of
    /// `[A-Za-z0-9_]`.
    pub fn generate(
        random: &mut dyn RandomSource,
        key_id: &str,
        key_version: &str,
    ) -> Result<Self> {
        check_key_names(key_id, key_version)?;
        let mut bytes = Zeroizing::new([0u8; 32]);
        for _ in 0..64 {
            random.fill_bytes(&mut bytes[..]);
            if let Ok(key) = SigningKey::from_slice(&bytes[..]) {
                return Ok(Self {
                    key,
                    key_id: key_id.to_owned(),
                    key_version: key_version.to_owned(),
                });
            }
        }
        Err(Error::InvalidSigningKey {
            reason: "the random source gave no valid P-256 key in 64 draws; it is broken".into(),
        })
    }

    /// Reads a PKCS #8 PEM (`-----BEGIN PRIVATE KEY-----`) P-256 key.
    pub fn from_pkcs8_pem(pem: &str, key_id: &str, key_version: &str) -> Result<Self> {
        check_key_names(key_id, key_version)?;
        let key = SigningKey::from_pkcs8_pem(pem.trim()).map_err(|_| Error::InvalidSigningKey {
            reason: "not a PKCS #8 PEM P-256 private key (-----BEGIN PRIVATE KEY-----)".into(),
        })?;
        Ok(Self {
            key,
            key_id: key_id.to_owned(),
            key_version: key_version.to_owned(),
        })
    }

    /// The key as PKCS #8 PEM, in memory that is zeroized when dropped.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>> {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|_| Error::InvalidSigningKey {
                reason: "it cannot be encoded as PKCS #8".into(),
            })
    }

    /// The public key that verifies this key's signatures.
    pub fn public_key(&self) -> VenuePublicKey {
        VenuePublicKey(*self.key.verifying_key())
    }

    /// The key id written into signed feeds.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The key version written into signed feeds.
    pub fn key_version(&self) -> &str {
        &self.key_version
    }

    /// ECDSA P-256 / SHA-256 signature of `context || message` as 64 bytes `r || s`
    /// (deterministic, RFC 6979).
    pub(crate) fn sign(&self, context: &[u8], message: &[u8]) -> [u8; 64] {
        let signed = [context, message].concat();
        let signature: Signature = self.key.sign(&signed);
        signature.to_bytes().into()
    }
}

impl fmt::Debug for VenueSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VenueSigningKey")
            .field("key_id", &self.key_id)
            .field("key_version", &self.key_version)
            .finish_non_exhaustive()
    }
}

fn check_key_names(key_id: &str, key_version: &str) -> Result<()> {
    for (what, value) in [("key id", key_id), ("key version", key_version)] {
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_';
        if value.is_empty() || value.len() > MAX_KEY_NAME_LENGTH || !value.chars().all(allowed) {
            return Err(Error::InvalidSigningKey {
                reason: format!(
                    "the {what} must be 1 to {MAX_KEY_NAME_LENGTH} characters of A-Z, a-z, 0-9 \
                     and _"
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mimamori_environment::SeededRandom;

    #[test]
    fn signs_and_verifies_with_context_and_round_trips() {
        let key = VenueSigningKey::generate(&mut SeededRandom::new(1), "jp_venue", "v1").unwrap();
        let signature = key.sign(b"ctx", b"message");
        let public = key.public_key();
        assert!(public.verifies(b"ctx", b"message", &signature));
        assert!(!public.verifies(b"other", b"message", &signature));
        assert!(!public.verifies(b"ctx", b"messagf", &signature));
        let pem = public.to_pem().unwrap();
        assert_eq!(VenuePublicKey::parse(&pem).unwrap(), public);
        assert_eq!(
            VenuePublicKey::parse(&public.to_base64_der().unwrap()).unwrap(),
            public
        );
        let again = VenueSigningKey::from_pkcs8_pem(&key.to_pkcs8_pem().unwrap(), "jp_venue", "v1")
            .unwrap();
        assert_eq!(again.public_key(), public);
        assert!(!format!("{key:?}").contains("PRIVATE"));
        assert!(VenueSigningKey::generate(&mut SeededRandom::new(1), "a b", "v1").is_err());
        assert!(VenuePublicKey::parse("AAAA").is_err());
    }
}
