//! The authority's venue keys in the data directory, made on first start (mode 0600, in a 0700
//! directory, through [`crate::private_files`]):
//!
//! | file | what |
//! |------|------|
//! | `keys/venue-signing.pem` | ECDSA P-256 (PKCS #8 PEM): signs QR payloads and the notice feed |
//! | `keys/venue-seal.key` | X25519 secret (32 bytes): opens sealed venue records |
//!
//! The public halves are published at [`mimamori_venue::KEYS_PATH`].

use std::path::Path;

use mimamori_environment::OsRandom;
use mimamori_venue::{SealSecretKey, VenueSigningKey};
use zeroize::Zeroizing;

use crate::private_files::{create_private_dir, load_or_create, pem_text};
use crate::{Error, Result};

/// Key id of the venue signing key in feed signatures.
pub const VENUE_KEY_ID: &str = "venue";
/// Key version of the venue signing key.
pub const VENUE_KEY_VERSION: &str = "v1";

/// The authority's venue keys.
pub struct VenueKeys {
    /// Signs QR payloads and the feed.
    pub signing: VenueSigningKey,
    /// Opens sealed records.
    pub seal: SealSecretKey,
}

impl std::fmt::Debug for VenueKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VenueKeys(<secret>)")
    }
}

/// Loads the keys from `directory` ([`crate::Config::venue_keys_dir`], by default
/// `<data dir>/keys`), making the missing ones (the directory 0700, the files 0600).
pub fn load_or_create_venue_keys(directory: &Path) -> Result<VenueKeys> {
    create_private_dir(directory)?;
    let signing_path = directory.join("venue-signing.pem");
    let (signing, created) = load_or_create(
        &signing_path,
        |bytes| {
            let pem = pem_text(&signing_path, bytes)?;
            Ok(VenueSigningKey::from_pkcs8_pem(
                pem,
                VENUE_KEY_ID,
                VENUE_KEY_VERSION,
            )?)
        },
        || {
            let key = VenueSigningKey::generate(&mut OsRandom, VENUE_KEY_ID, VENUE_KEY_VERSION)?;
            let pem = Zeroizing::new(key.to_pkcs8_pem()?.as_bytes().to_vec());
            Ok((key, pem))
        },
    )?;
    if created {
        tracing::info!(path = %signing_path.display(), "created the venue signing key");
    }
    let seal_path = directory.join("venue-seal.key");
    let (seal, created) = load_or_create(
        &seal_path,
        |bytes| {
            let bytes: [u8; 32] = bytes.try_into().map_err(|_| {
                Error::SigningKey(format!(
                    "{} is not a 32-byte X25519 secret key",
                    seal_path.display()
                ))
            })?;
            Ok(SealSecretKey::from_bytes(bytes))
        },
        || {
            let key = SealSecretKey::generate(&mut OsRandom);
            let bytes = Zeroizing::new(key.to_bytes()[..].to_vec());
            Ok((key, bytes))
        },
    )?;
    if created {
        tracing::info!(path = %seal_path.display(), "created the venue sealing key");
    }
    Ok(VenueKeys { signing, seal })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_once_private_and_reloaded() {
        let root = tempfile::tempdir().unwrap();
        // A venue key directory of its own (`--venue-keys-dir`), not yet there.
        let directory = root.path().join("venue-keys");
        let first = load_or_create_venue_keys(&directory).unwrap();
        let again = load_or_create_venue_keys(&directory).unwrap();
        assert_eq!(first.signing.public_key(), again.signing.public_key());
        assert_eq!(first.seal.public_key(), again.seal.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&directory).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "the venue key directory");
        }
        #[cfg(unix)]
        for name in ["venue-signing.pem", "venue-seal.key"] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(directory.join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
    }
}
