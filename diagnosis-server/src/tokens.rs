//! Verification tokens and certificates: compact JWTs signed with ES256 (ECDSA P-256 over
//! SHA-256, signature `r || s`), as Google's verification server issues them.
//!
//! A token (from a redeemed code) is traded once for a certificate; the certificate carries the
//! report type, the symptom onset interval and the HMAC of the keys to upload, and the publish
//! endpoint checks all of it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mimamori_gaen::export::{ExportPublicKey, ExportSigningKey};
use p256::ecdsa::Signature;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Issuer of tokens and certificates.
pub const ISSUER: &str = "mimamori-diagnosis-server";

/// Audience of verification tokens (certificates are for the health authority id).
pub const TOKEN_AUDIENCE: &str = "mimamori-token";

/// How long a token is valid: 24 hours, as Google's server (`TOKEN_DURATION`), so a phone can
/// upload after today's key expires.
pub const TOKEN_SECONDS: i64 = 24 * 3600;

/// How long a certificate is valid: 15 minutes (Google's `CERTIFICATE_DURATION`).
pub const CERTIFICATE_SECONDS: i64 = 15 * 60;

/// Claims of a verification token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    /// Issuer.
    pub iss: String,
    /// Audience: [`TOKEN_AUDIENCE`].
    pub aud: String,
    /// Unique id, recorded when the token is used.
    pub jti: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
    /// Test type (`confirmed`, `likely`, `negative`).
    pub testtype: String,
    /// Symptom onset date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symptom_date: Option<String>,
}

/// Claims of a verification certificate (the names of Google's verification server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateClaims {
    /// Issuer.
    pub iss: String,
    /// Audience: the health authority id the phone must name.
    pub aud: String,
    /// Issued at.
    pub iat: i64,
    /// Expires at.
    pub exp: i64,
    /// GAEN report type of the keys (1 confirmed, 2 clinical diagnosis, 5 revoked).
    pub report_type: i32,
    /// Interval of symptom onset, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symptom_onset_interval: Option<u32>,
    /// Base64 HMAC of the keys ([`mimamori_api::v1::key_hmac`]).
    pub tekmac: String,
}

/// Why a JWT was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenProblem {
    /// Not a JWT, a wrong algorithm, a bad signature or the wrong audience.
    Invalid,
    /// Expired.
    Expired,
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: String,
}

/// Signs and verifies ES256 JWTs with the server's token key.
#[derive(Debug)]
pub struct TokenSigner {
    key: ExportSigningKey,
    public: ExportPublicKey,
}

impl TokenSigner {
    /// A signer over a P-256 key.
    pub fn new(key: ExportSigningKey) -> Self {
        let public = key.public_key();
        Self { key, public }
    }

    /// A compact JWT of `claims`.
    pub fn sign<C: Serialize>(&self, claims: &C) -> crate::Result<String> {
        let header = Header {
            alg: "ES256".into(),
            typ: "JWT".into(),
        };
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(to_json(&header)?),
            URL_SAFE_NO_PAD.encode(to_json(claims)?)
        );
        let digest: [u8; 32] = Sha256::digest(input.as_bytes()).into();
        let der = self.key.sign_digest(&digest)?;
        let signature = Signature::from_der(&der)
            .map_err(|_| crate::Error::SigningKey("ECDSA produced a malformed signature".into()))?;
        Ok(format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        ))
    }

    /// Verifies a JWT's signature, algorithm, audience and expiry, and returns its claims.
    pub fn verify<C: DeserializeOwned + Audience>(
        &self,
        token: &str,
        audience: &str,
        now: i64,
    ) -> Result<C, TokenProblem> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenProblem::Invalid);
        };
        let decoded_header = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| TokenProblem::Invalid)?;
        let parsed: Header =
            serde_json::from_slice(&decoded_header).map_err(|_| TokenProblem::Invalid)?;
        if parsed.alg != "ES256" {
            return Err(TokenProblem::Invalid);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenProblem::Invalid)?;
        let signature = Signature::from_slice(&signature).map_err(|_| TokenProblem::Invalid)?;
        let digest: [u8; 32] = Sha256::digest(format!("{header}.{payload}").as_bytes()).into();
        if !self.public.verifies(&digest, signature.to_der().as_bytes()) {
            return Err(TokenProblem::Invalid);
        }
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenProblem::Invalid)?;
        let claims: C = serde_json::from_slice(&payload).map_err(|_| TokenProblem::Invalid)?;
        let (claimed_audience, issuer, expires_at) = claims.registered();
        if claimed_audience != audience || issuer != ISSUER {
            return Err(TokenProblem::Invalid);
        }
        if expires_at <= now {
            return Err(TokenProblem::Expired);
        }
        Ok(claims)
    }
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> crate::Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|error| crate::Error::SigningKey(error.to_string()))
}

/// The registered claims [`TokenSigner::verify`] checks.
pub trait Audience {
    /// `aud`, `iss` and `exp`.
    fn registered(&self) -> (&str, &str, i64);
}

impl Audience for TokenClaims {
    fn registered(&self) -> (&str, &str, i64) {
        (&self.aud, &self.iss, self.exp)
    }
}

impl Audience for CertificateClaims {
    fn registered(&self) -> (&str, &str, i64) {
        (&self.aud, &self.iss, self.exp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mimamori_environment::SeededRandom;

    fn make_signer(seed: u64) -> TokenSigner {
        TokenSigner::new(
            ExportSigningKey::generate(&mut SeededRandom::new(seed), "t", "v1").unwrap(),
        )
    }

    fn certificate(exp: i64) -> CertificateClaims {
        CertificateClaims {
            iss: ISSUER.into(),
            aud: "JP.mimamori".into(),
            iat: 0,
            exp,
            report_type: 1,
            symptom_onset_interval: Some(2_649_600),
            tekmac: "bWFj".into(),
        }
    }

    #[test]
    fn signed_claims_verify_and_tampering_does_not() {
        let signer = make_signer(1);
        let jwt = signer.sign(&certificate(100)).unwrap();
        let claims: CertificateClaims = signer.verify(&jwt, "JP.mimamori", 50).unwrap();
        assert_eq!(claims, certificate(100));
        assert_eq!(
            signer.verify::<CertificateClaims>(&jwt, "JP.mimamori", 100),
            Err(TokenProblem::Expired)
        );
        assert_eq!(
            signer.verify::<CertificateClaims>(&jwt, "other", 50),
            Err(TokenProblem::Invalid)
        );
        assert_eq!(
            make_signer(2).verify::<CertificateClaims>(&jwt, "JP.mimamori", 50),
            Err(TokenProblem::Invalid)
        );
        // A payload swapped under the same signature fails.
        let parts: Vec<&str> = jwt.split('.').collect();
        let forged_payload =
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&certificate(10_000)).unwrap());
        let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(
            signer.verify::<CertificateClaims>(&forged, "JP.mimamori", 50),
            Err(TokenProblem::Invalid)
        );
        for garbage in ["", "a.b", "a.b.c", "a.b.c.d", &jwt.replace('.', "")] {
            assert_eq!(
                signer.verify::<CertificateClaims>(garbage, "JP.mimamori", 50),
                Err(TokenProblem::Invalid)
            );
        }
    }

    #[test]
    fn alg_none_is_refused() {
        let signer = make_signer(1);
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&certificate(100)).unwrap());
        assert_eq!(
            signer.verify::<CertificateClaims>(&format!("{header}.{payload}."), "JP.mimamori", 1),
            Err(TokenProblem::Invalid)
        );
    }
}
