//! Signatures of export files: public keys that verify them, signing keys that make them, and
//! `export.sig` itself.

use std::fmt;
use std::io::Read;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use prost::Message;
use zeroize::Zeroizing;

use super::{
    ExportReader, ExportSignature, ExportSummary, SIGNATURE_ALGORITHM, SignatureInfo, proto,
};
use mimamori_environment::RandomSource;

use crate::{DiagnosisKey, Error, Result};

/// The longest key id or key version accepted for signing.
const MAX_KEY_NAME_LENGTH: usize = 64;

/// A public key that verifies export-file signatures: ECDSA P-256, as a health authority
/// publishes it (PEM `PUBLIC KEY`, or the base64 of its DER `SubjectPublicKeyInfo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportPublicKey(VerifyingKey);

impl ExportPublicKey {
    /// Reads a PEM `-----BEGIN PUBLIC KEY-----` block.
    pub fn from_pem(pem: &str) -> Result<Self> {
        VerifyingKey::from_public_key_pem(pem.trim())
            .map(Self)
            .map_err(|error| invalid_public_key(error.to_string()))
    }

    /// Reads a DER `SubjectPublicKeyInfo`.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        VerifyingKey::from_public_key_der(der)
            .map(Self)
            .map_err(|error| invalid_public_key(error.to_string()))
    }

    /// Reads the base64 of a DER `SubjectPublicKeyInfo` (white space is ignored), e.g. the
    /// Corona-Warn-App key `MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…`.
    pub fn from_base64_der(text: &str) -> Result<Self> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let der = BASE64
            .decode(compact)
            .map_err(|error| invalid_public_key(format!("not base64: {error}")))?;
        Self::from_der(&der)
    }

    /// Reads PEM when the text holds a `-----BEGIN` line, base64 DER otherwise.
    pub fn parse(text: &str) -> Result<Self> {
        if text.contains("-----BEGIN") {
            Self::from_pem(text)
        } else {
            Self::from_base64_der(text)
        }
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

    /// Whether `der_signature` is this key's signature of `digest` (a SHA-256).
    pub fn verifies(&self, digest: &[u8; 32], der_signature: &[u8]) -> bool {
        Signature::from_der(der_signature)
            .is_ok_and(|signature| self.0.verify_prehash(digest, &signature).is_ok())
    }
}

impl FromStr for ExportPublicKey {
    type Err = Error;

    /// As [`ExportPublicKey::parse`].
    fn from_str(text: &str) -> Result<Self> {
        Self::parse(text)
    }
}

fn invalid_public_key(reason: String) -> Error {
    Error::InvalidPublicKey { reason }
}

/// What checking one signature of `export.sig` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureStatus {
    /// One of the given public keys verifies it.
    Verified,
    /// None of the given public keys verifies it.
    DoesNotVerify,
    /// Its algorithm is not [`SIGNATURE_ALGORITHM`]; it was not checked.
    UnsupportedAlgorithm,
    /// The signature bytes are not an ASN.1 DER ECDSA signature.
    MalformedSignature,
}

impl fmt::Display for SignatureStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Verified => "verified",
            Self::DoesNotVerify => "does not verify",
            Self::UnsupportedAlgorithm => "unsupported algorithm",
            Self::MalformedSignature => "malformed signature",
        })
    }
}

/// The verdict on a whole export file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verification {
    /// At least one signature verifies with one of the given public keys.
    Verified,
    /// The file has signatures, and none verifies with the given public keys.
    NotVerified,
    /// The file has no signature at all.
    Unsigned,
}

impl Verification {
    /// Why a file with this verdict is refused, in words (for [`Error::ExportNotVerified`]).
    pub fn failure(self) -> &'static str {
        match self {
            Self::Verified => "it verified",
            Self::NotVerified => "none of its signatures verifies with the configured public keys",
            Self::Unsigned => "it has no signature",
        }
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Verified => "verified",
            Self::NotVerified => "not verified",
            Self::Unsigned => "unsigned",
        })
    }
}

impl ExportSignature {
    /// Checks this signature of the `export.bin` whose SHA-256 is `digest` against each of
    /// `keys`. An empty algorithm is taken as [`SIGNATURE_ALGORITHM`].
    pub fn check(&self, digest: &[u8; 32], keys: &[ExportPublicKey]) -> SignatureStatus {
        if !(self.info.algorithm.is_empty() || self.info.algorithm == SIGNATURE_ALGORITHM) {
            return SignatureStatus::UnsupportedAlgorithm;
        }
        let Ok(signature) = Signature::from_der(&self.signature) else {
            return SignatureStatus::MalformedSignature;
        };
        if keys
            .iter()
            .any(|key| key.0.verify_prehash(digest, &signature).is_ok())
        {
            SignatureStatus::Verified
        } else {
            SignatureStatus::DoesNotVerify
        }
    }
}

impl ExportSummary {
    /// Checks each signature of `export.sig` against `keys`, in the file's order.
    pub fn check_signatures(&self, keys: &[ExportPublicKey]) -> Vec<SignatureStatus> {
        self.signatures
            .iter()
            .map(|signature| signature.check(&self.digest, keys))
            .collect()
    }

    /// Whether the file is verified: at least one signature verifies with one of `keys`.
    pub fn verification(&self, keys: &[ExportPublicKey]) -> Verification {
        if self.signatures.is_empty() {
            Verification::Unsigned
        } else if self
            .signatures
            .iter()
            .any(|signature| signature.check(&self.digest, keys) == SignatureStatus::Verified)
        {
            Verification::Verified
        } else {
            Verification::NotVerified
        }
    }

    /// Whether at least one signature verifies with `key`.
    pub fn is_verified_by(&self, key: &ExportPublicKey) -> bool {
        self.verification(std::slice::from_ref(key)) == Verification::Verified
    }
}

/// The keys of an export file, usable only if the file verifies: each key as a
/// [`DiagnosisKey`] (keys and revised keys alike), then, once the whole file is read, an
/// [`Error::ExportNotVerified`] as the last item if no signature verifies with the public keys
/// given. A consumer that stops at the first error (as matching does) thus never commits the keys
/// of a file that fails its check.
///
/// Made by [`ExportReader::into_verified_keys`]; iterate it `by_ref()` to read the
/// [`VerifiedKeys::summary`] afterwards.
#[derive(Debug)]
pub struct VerifiedKeys<'k, R> {
    reader: Option<ExportReader<R>>,
    public_keys: &'k [ExportPublicKey],
    summary: Option<ExportSummary>,
}

impl<R: Read> ExportReader<R> {
    /// The keys, followed by an error if the file does not verify with `public_keys` (see
    /// [`VerifiedKeys`]). The reader must carry the file's signatures, as the readers of
    /// [`crate::export::ExportFile::keys`] do.
    pub fn into_verified_keys(self, public_keys: &[ExportPublicKey]) -> VerifiedKeys<'_, R> {
        VerifiedKeys {
            reader: Some(self),
            public_keys,
            summary: None,
        }
    }
}

impl<R> VerifiedKeys<'_, R> {
    /// The file's summary, once every key has been read and the signatures checked (whether or
    /// not they verified).
    pub fn summary(&self) -> Option<&ExportSummary> {
        self.summary.as_ref()
    }
}

impl<R: Read> Iterator for VerifiedKeys<'_, R> {
    type Item = Result<DiagnosisKey>;

    fn next(&mut self) -> Option<Self::Item> {
        let reader = self.reader.as_mut()?;
        match reader.next_key() {
            Ok(Some(key)) => Some(Ok(key.key)),
            Err(error) => {
                self.reader = None;
                Some(Err(error))
            }
            Ok(None) => {
                let summary = match self.reader.take()?.finish() {
                    Ok(summary) => summary,
                    Err(error) => return Some(Err(error)),
                };
                let verification = summary.verification(self.public_keys);
                self.summary = Some(summary);
                (verification != Verification::Verified)
                    .then_some(Err(Error::ExportNotVerified { verification }))
            }
        }
    }
}

/// Parses `export.sig` (a `TEKSignatureList`).
pub fn parse_signature_list(bytes: &[u8]) -> Result<Vec<ExportSignature>> {
    let list =
        proto::TekSignatureList::decode(bytes).map_err(|error| Error::InvalidSignatureList {
            reason: error.to_string(),
        })?;
    Ok(list
        .signatures
        .into_iter()
        .map(|signature| ExportSignature {
            info: signature.signature_info.map(Into::into).unwrap_or_default(),
            batch_num: signature.batch_num.unwrap_or_default(),
            batch_size: signature.batch_size.unwrap_or_default(),
            signature: signature.signature.unwrap_or_default(),
        })
        .collect())
}

/// Encodes `export.sig`.
pub(crate) fn encode_signature_list(signatures: &[ExportSignature]) -> Vec<u8> {
    proto::TekSignatureList {
        signatures: signatures
            .iter()
            .map(|signature| proto::TekSignature {
                signature_info: Some((&signature.info).into()),
                batch_num: Some(signature.batch_num),
                batch_size: Some(signature.batch_size),
                signature: Some(signature.signature.clone()),
            })
            .collect(),
    }
    .encode_to_vec()
}

impl From<proto::SignatureInfo> for SignatureInfo {
    fn from(info: proto::SignatureInfo) -> Self {
        Self {
            key_id: info.verification_key_id.unwrap_or_default(),
            key_version: info.verification_key_version.unwrap_or_default(),
            algorithm: info.signature_algorithm.unwrap_or_default(),
        }
    }
}

impl From<&SignatureInfo> for proto::SignatureInfo {
    fn from(info: &SignatureInfo) -> Self {
        Self {
            verification_key_version: Some(info.key_version.clone()),
            verification_key_id: Some(info.key_id.clone()),
            signature_algorithm: Some(info.algorithm.clone()),
        }
    }
}

/// A health authority's ECDSA P-256 key for signing export files, with the id and version that
/// phones know its public key by.
///
/// The secret is zeroized when dropped and never printed.
pub struct ExportSigningKey {
    key: SigningKey,
    info: SignatureInfo,
}

impl ExportSigningKey {
    /// Makes a new key from 32 random bytes of `random` (drawing again in the negligible case
    /// that they are not a valid P-256 scalar).
    ///
    /// `key_id` and `key_version` are 1 to 64 characters of `[A-Za-z0-9_]`, as the format asks
    /// (for Apple, `key_id` is the mobile country code, e.g. `440` for Japan).
    pub fn generate(
        random: &mut dyn RandomSource,
        key_id: &str,
        key_version: &str,
    ) -> Result<Self> {
        let info = signature_info(key_id, key_version)?;
        let mut bytes = Zeroizing::new([0u8; 32]);
        for _ in 0..64 {
            random.fill_bytes(&mut bytes[..]);
            if let Ok(key) = SigningKey::from_slice(&bytes[..]) {
                return Ok(Self { key, info });
            }
        }
        Err(Error::InvalidSigningKey {
            reason: "the random source gave no valid P-256 key in 64 draws; it is broken".into(),
        })
    }

    /// Reads a PKCS #8 PEM (`-----BEGIN PRIVATE KEY-----`) P-256 key.
    pub fn from_pkcs8_pem(pem: &str, key_id: &str, key_version: &str) -> Result<Self> {
        let info = signature_info(key_id, key_version)?;
        let key = SigningKey::from_pkcs8_pem(pem.trim()).map_err(|_| Error::InvalidSigningKey {
            reason: "not a PKCS #8 PEM P-256 private key (-----BEGIN PRIVATE KEY-----)".into(),
        })?;
        Ok(Self { key, info })
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
    pub fn public_key(&self) -> ExportPublicKey {
        ExportPublicKey(*self.key.verifying_key())
    }

    /// The `SignatureInfo` written with this key's signatures.
    pub fn info(&self) -> &SignatureInfo {
        &self.info
    }

    /// Signs the SHA-256 `digest` of an `export.bin`: ASN.1 DER ECDSA, deterministic (RFC 6979).
    pub fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        let signature: Signature =
            self.key
                .sign_prehash(digest)
                .map_err(|_| Error::ExportWrite {
                    reason: "ECDSA signing failed".into(),
                })?;
        Ok(signature.to_der().as_bytes().to_vec())
    }
}

impl fmt::Debug for ExportSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportSigningKey")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

fn signature_info(key_id: &str, key_version: &str) -> Result<SignatureInfo> {
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
    Ok(SignatureInfo {
        key_id: key_id.to_owned(),
        key_version: key_version.to_owned(),
        algorithm: SIGNATURE_ALGORITHM.to_owned(),
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_refused_file_says_why_once() {
        let not_verified = Error::ExportNotVerified {
            verification: Verification::NotVerified,
        }
        .to_string();
        assert!(
            not_verified.starts_with(
                "the export file could not be verified: none of its signatures verifies with \
                 the configured public keys, so"
            ),
            "{not_verified}"
        );
        assert!(!not_verified.contains("(not verified)"));
        let unsigned = Error::ExportNotVerified {
            verification: Verification::Unsigned,
        }
        .to_string();
        assert!(
            unsigned.contains("could not be verified: it has no signature"),
            "{unsigned}"
        );
    }

    use sha2::{Digest, Sha256};

    use super::*;
    use mimamori_environment::SeededRandom;

    /// The public key of google/exposure-notifications-server's sample export.
    const GAEN_SAMPLE_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEml59itec9qzwVojreLXdPNRsUWzf
YHc1cKvIIi6/H56AJS/kZEYQnfDpxrgyGhdAm+pNN2GAJ3XdnQZ1Sk4amg==
-----END PUBLIC KEY-----
";

    #[test]
    fn public_keys_read_from_pem_and_base64_der_alike() {
        let from_pem = ExportPublicKey::parse(GAEN_SAMPLE_PEM).unwrap();
        let base64: String = GAEN_SAMPLE_PEM
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        let from_der: ExportPublicKey = base64.parse().unwrap();
        assert_eq!(from_pem, from_der);
        assert_eq!(from_pem.to_pem().unwrap(), GAEN_SAMPLE_PEM);
        assert_eq!(from_pem.to_base64_der().unwrap(), base64);
    }

    #[test]
    fn bad_public_keys_are_refused() {
        for text in [
            "",
            "not base64!",
            "AAAA",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        ] {
            assert!(
                matches!(
                    ExportPublicKey::parse(text),
                    Err(Error::InvalidPublicKey { .. })
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn a_generated_key_signs_and_its_pem_round_trips() {
        let mut random = SeededRandom::new(7);
        let key = ExportSigningKey::generate(&mut random, "440", "v1").unwrap();
        let digest: [u8; 32] = Sha256::digest(b"EK Export v1    ").into();
        let signature = key.sign_digest(&digest).unwrap();
        assert!(key.public_key().verifies(&digest, &signature));
        let other_digest: [u8; 32] = Sha256::digest(b"something else").into();
        assert!(!key.public_key().verifies(&other_digest, &signature));

        let pem = key.to_pkcs8_pem().unwrap();
        let again = ExportSigningKey::from_pkcs8_pem(&pem, "440", "v1").unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert!(!format!("{key:?}").contains("PRIVATE"));
    }

    #[test]
    fn key_ids_and_versions_are_checked() {
        let mut random = SeededRandom::new(1);
        for (id, version) in [("", "v1"), ("a b", "v1"), ("310", "v.1"), ("310", "")] {
            assert!(matches!(
                ExportSigningKey::generate(&mut random, id, version),
                Err(Error::InvalidSigningKey { .. })
            ));
        }
    }

    #[test]
    fn a_broken_random_source_is_reported() {
        struct Zeros;
        impl RandomSource for Zeros {
            fn fill_bytes(&mut self, dest: &mut [u8]) {
                dest.fill(0);
            }
        }
        assert!(matches!(
            ExportSigningKey::generate(&mut Zeros, "310", "v1"),
            Err(Error::InvalidSigningKey { .. })
        ));
    }

    #[test]
    fn signature_statuses() {
        let mut random = SeededRandom::new(3);
        let key = ExportSigningKey::generate(&mut random, "310", "v1").unwrap();
        let other = ExportSigningKey::generate(&mut random, "310", "v2").unwrap();
        let digest = [7u8; 32];
        let signature = ExportSignature {
            info: key.info().clone(),
            batch_num: 1,
            batch_size: 1,
            signature: key.sign_digest(&digest).unwrap(),
        };
        let keys = [other.public_key(), key.public_key()];
        assert_eq!(signature.check(&digest, &keys), SignatureStatus::Verified);
        assert_eq!(
            signature.check(&digest, &keys[..1]),
            SignatureStatus::DoesNotVerify
        );
        assert_eq!(
            signature.check(&digest, &[]),
            SignatureStatus::DoesNotVerify
        );
        let mut sha512 = signature.clone();
        sha512.info.algorithm = "1.2.840.10045.4.3.4".into();
        assert_eq!(
            sha512.check(&digest, &keys),
            SignatureStatus::UnsupportedAlgorithm
        );
        let mut garbled = signature.clone();
        garbled.signature = vec![0x30, 0x02, 0x01];
        assert_eq!(
            garbled.check(&digest, &keys),
            SignatureStatus::MalformedSignature
        );

        let list = encode_signature_list(&[signature.clone(), garbled]);
        assert_eq!(parse_signature_list(&list).unwrap()[0], signature);
        assert!(matches!(
            parse_signature_list(&[0x0a, 0x05, 0x01]),
            Err(Error::InvalidSignatureList { .. })
        ));
    }
}
