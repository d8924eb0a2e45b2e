//! The server's secrets in its data directory, made on first start:
//!
//! | file | what |
//! |------|------|
//! | `keys/export-signing/<version>.pem` | export signing keys, ECDSA P-256, PKCS #8 PEM, one per version |
//! | `keys/export-signing/versions.json` | key id, versions and creation times, oldest first |
//! | `keys/token-signing.pem` | the ES256 key of verification tokens and certificates |
//! | `keys/code-secret` | the HMAC secret under which verification codes are stored |
//!
//! Files are written with mode 0600 in 0700 directories, atomically ([`crate::private_files`]). Several instances of
//! the server share these files (a mounted secret), so that they sign alike.
//!
//! Rotation ([`ExportKeyRing::rotate`]) adds a version; new files are signed with the newest
//! version, and every version's public key stays published (`/v1/export-keys`), so files signed
//! before the rotation stay verifiable.

use std::path::{Path, PathBuf};

use mimamori_environment::OsRandom;
use mimamori_gaen::export::ExportSigningKey;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::private_files::{
    create_private_dir, load_or_create, pem_text, read_private_file, write_private_file,
};
use crate::{Error, Result};

/// One published export verification key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedKey {
    /// `verification_key_id` in the files' `SignatureInfo`.
    pub key_id: String,
    /// `verification_key_version`.
    pub version: String,
    /// When the version was made, Unix seconds.
    pub created: i64,
    /// The public key, PEM `PUBLIC KEY`.
    #[serde(default)]
    pub public_key_pem: String,
}

/// The export signing keys, every version, newest last.
#[derive(Debug)]
pub struct ExportKeyRing {
    directory: PathBuf,
    keys: Vec<(PublishedKey, ExportSigningKey)>,
}

impl ExportKeyRing {
    /// Loads the keys in `<data dir>/keys/export-signing`, making version `v1` (with `key_id`)
    /// when there is none. Returns the ring and whether a key was made.
    pub fn load_or_create(keys_dir: &Path, key_id: &str, now: i64) -> Result<(Self, bool)> {
        create_private_dir(keys_dir)?;
        let directory = keys_dir.join("export-signing");
        create_private_dir(&directory)?;
        let versions_path = directory.join("versions.json");
        let mut ring = Self {
            directory,
            keys: Vec::new(),
        };
        if !versions_path.exists() {
            ring.add_version(key_id, "v1", now)?;
            return Ok((ring, true));
        }
        let text = std::fs::read_to_string(&versions_path)
            .map_err(|cause| Error::io(&versions_path, cause))?;
        let versions: Vec<PublishedKey> = serde_json::from_str(&text).map_err(|_| {
            Error::SigningKey(format!(
                "{} is not a list of key versions",
                versions_path.display()
            ))
        })?;
        for mut published in versions {
            let path = ring.directory.join(format!("{}.pem", published.version));
            let pem = read_private_file(&path)?;
            let key = ExportSigningKey::from_pkcs8_pem(
                pem_text(&path, &pem)?,
                &published.key_id,
                &published.version,
            )?;
            published.public_key_pem = key.public_key().to_pem()?;
            ring.keys.push((published, key));
        }
        if ring.keys.is_empty() {
            return Err(Error::SigningKey(format!(
                "{} lists no key; remove it to make a new key",
                versions_path.display()
            )));
        }
        Ok((ring, false))
    }

    /// Adds a new version (`v<n+1>`) and makes it the one new files are signed with.
    pub fn rotate(&mut self, now: i64) -> Result<PublishedKey> {
        let key_id = self.current_published().key_id.clone();
        let version = format!("v{}", self.keys.len() + 1);
        self.add_version(&key_id, &version, now)?;
        Ok(self.current_published().clone())
    }

    fn add_version(&mut self, key_id: &str, version: &str, now: i64) -> Result<()> {
        let key = ExportSigningKey::generate(&mut OsRandom, key_id, version)?;
        let pem = key.to_pkcs8_pem()?;
        write_private_file(
            &self.directory.join(format!("{version}.pem")),
            pem.as_bytes(),
        )?;
        let published = PublishedKey {
            key_id: key_id.to_owned(),
            version: version.to_owned(),
            created: now,
            public_key_pem: key.public_key().to_pem()?,
        };
        self.keys.push((published, key));
        let listing: Vec<PublishedKey> = self
            .keys
            .iter()
            .map(|(published, _)| PublishedKey {
                public_key_pem: String::new(),
                ..published.clone()
            })
            .collect();
        let text = serde_json::to_string_pretty(&listing)
            .map_err(|error| Error::SigningKey(error.to_string()))?;
        write_private_file(&self.directory.join("versions.json"), text.as_bytes())
    }

    /// The key new files are signed with.
    pub fn current(&self) -> &ExportSigningKey {
        // The ring is never empty: loading fails on an empty listing and creating adds a key.
        &self.keys[self.keys.len() - 1].1
    }

    fn current_published(&self) -> &PublishedKey {
        &self.keys[self.keys.len() - 1].0
    }

    /// Every version's public key, oldest first.
    pub fn published(&self) -> Vec<PublishedKey> {
        self.keys
            .iter()
            .map(|(published, _)| published.clone())
            .collect()
    }

    /// Where the keys are.
    pub fn directory(&self) -> &Path {
        &self.directory
    }
}

/// Loads `<keys dir>/token-signing.pem` as a P-256 key, or makes it.
pub fn load_or_create_token_key(keys_dir: &Path) -> Result<ExportSigningKey> {
    let path = keys_dir.join("token-signing.pem");
    let (key, _) = load_or_create(
        &path,
        |bytes| {
            Ok(ExportSigningKey::from_pkcs8_pem(
                pem_text(&path, bytes)?,
                "token",
                "v1",
            )?)
        },
        || {
            let key = ExportSigningKey::generate(&mut OsRandom, "token", "v1")?;
            let pem = Zeroizing::new(key.to_pkcs8_pem()?.as_bytes().to_vec());
            Ok((key, pem))
        },
    )?;
    Ok(key)
}

/// Loads `<keys dir>/code-secret` (32 bytes), or makes it.
pub fn load_or_create_code_secret(keys_dir: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let path = keys_dir.join("code-secret");
    let (secret, _) = load_or_create(
        &path,
        |bytes| {
            if bytes.len() == 32 {
                Ok(Zeroizing::new(bytes.to_vec()))
            } else {
                Err(Error::SigningKey(format!(
                    "{} is not 32 bytes; restore it from a backup (codes issued under it stop \
                     working if it is replaced)",
                    path.display()
                )))
            }
        },
        || {
            let mut secret = Zeroizing::new(vec![0u8; 32]);
            getrandom::fill(&mut secret).map_err(|error| Error::SigningKey(error.to_string()))?;
            Ok((secret.clone(), secret))
        },
    )?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_once_kept_private_and_rotated() {
        let directory = tempfile::tempdir().unwrap();
        let (mut ring, created) =
            ExportKeyRing::load_or_create(directory.path(), "440", 10).unwrap();
        assert!(created);
        let first = ring.published();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].version, "v1");
        let rotated = ring.rotate(20).unwrap();
        assert_eq!(rotated.version, "v2");
        assert_eq!(ring.current().info().key_version, "v2");

        let (again, created) = ExportKeyRing::load_or_create(directory.path(), "440", 30).unwrap();
        assert!(!created);
        assert_eq!(again.published(), ring.published());

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(ring.directory().join("v1.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        let secret = load_or_create_code_secret(directory.path()).unwrap();
        assert_eq!(
            *load_or_create_code_secret(directory.path()).unwrap(),
            *secret
        );
        let token = load_or_create_token_key(directory.path()).unwrap();
        assert_eq!(
            load_or_create_token_key(directory.path())
                .unwrap()
                .public_key(),
            token.public_key()
        );
    }
}
