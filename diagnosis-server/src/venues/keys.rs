//! The authority's venue keys in the data directory, made on first start (mode 0600):
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
    crate::keys::create_private_dir(directory)?;
    let signing_path = directory.join("venue-signing.pem");
    let signing = if signing_path.exists() {
        let pem = Zeroizing::new(
            std::fs::read_to_string(&signing_path)
                .map_err(|cause| Error::io(&signing_path, cause))?,
        );
        VenueSigningKey::from_pkcs8_pem(&pem, VENUE_KEY_ID, VENUE_KEY_VERSION)?
    } else {
        let key = VenueSigningKey::generate(&mut OsRandom, VENUE_KEY_ID, VENUE_KEY_VERSION)?;
        write_private_file(&signing_path, key.to_pkcs8_pem()?.as_bytes())?;
        tracing::info!(path = %signing_path.display(), "created the venue signing key");
        key
    };
    let seal_path = directory.join("venue-seal.key");
    let seal = if seal_path.exists() {
        let bytes = Zeroizing::new(
            std::fs::read(&seal_path).map_err(|cause| Error::io(&seal_path, cause))?,
        );
        let bytes: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            Error::SigningKey(format!(
                "{} is not a 32-byte X25519 secret key",
                seal_path.display()
            ))
        })?;
        SealSecretKey::from_bytes(bytes)
    } else {
        let key = SealSecretKey::generate(&mut OsRandom);
        write_private_file(&seal_path, &key.to_bytes()[..])?;
        tracing::info!(path = %seal_path.display(), "created the venue sealing key");
        key
    };
    Ok(VenueKeys { signing, seal })
}

/// Writes a file readable only by its owner (0600), atomically.
fn write_private_file(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let temporary = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&temporary)
        .map_err(|cause| Error::io(&temporary, cause))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|cause| Error::io(&temporary, cause))?;
    std::fs::rename(&temporary, path).map_err(|cause| Error::io(path, cause))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_once_private_and_reloaded() {
        let directory = tempfile::tempdir().unwrap();
        let first = load_or_create_venue_keys(directory.path()).unwrap();
        let again = load_or_create_venue_keys(directory.path()).unwrap();
        assert_eq!(first.signing.public_key(), again.signing.public_key());
        assert_eq!(first.seal.public_key(), again.seal.public_key());
        #[cfg(unix)]
        for name in ["venue-signing.pem", "venue-seal.key"] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(directory.path().join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
    }
}
