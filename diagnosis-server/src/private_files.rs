//! Private files in the data directory: the one place that creates a directory readable only by
//! the owner (0700), writes a file readable only by the owner (0600, atomically), and loads a
//! secret from a file or makes it on first start. The export signing keys, the token key, the
//! code secret and the venue keys ([`crate::keys`], [`crate::venues::load_or_create_venue_keys`])
//! and the local export files ([`crate::blobs::LocalBlobStore`]) all go through it.

use std::path::Path;

use zeroize::Zeroizing;

use crate::{Error, Result};

/// Creates `directory` and its missing parents readable only by the owner (0700, whatever the
/// umask), and makes an existing `directory` 0700 too.
pub fn create_private_dir(directory: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder
            .create(directory)
            .map_err(|cause| Error::io(directory, cause))?;
        std::fs::set_permissions(directory, std::fs::Permissions::from_mode(0o700))
            .map_err(|cause| Error::io(directory, cause))?;
    }
    #[cfg(not(unix))]
    builder
        .create(directory)
        .map_err(|cause| Error::io(directory, cause))?;
    Ok(())
}

/// Writes `bytes` to `path` readable only by the owner (0600), atomically: a temporary file with
/// a random name beside it, synced, renamed into place, and the directory synced, so the file is
/// complete or absent after a crash and concurrent writers never share a temporary file. Creates
/// the directory (0700) when it is missing.
pub fn write_private_file(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let directory = path.parent().ok_or_else(|| {
        Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "a file needs a directory"),
        )
    })?;
    create_private_dir(directory)?;
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|error| {
        Error::io(
            directory,
            std::io::Error::other(format!("no randomness: {error}")),
        )
    })?;
    let temporary = directory.join(format!(".tmp-{}", hex::encode(random)));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
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
        std::fs::rename(&temporary, path).map_err(|cause| Error::io(path, cause))?;
        if let Ok(handle) = std::fs::File::open(directory) {
            // Best effort: not every platform can sync a directory.
            let _ = handle.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// Reads a private file whole; the bytes are wiped when dropped.
pub fn read_private_file(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    std::fs::read(path)
        .map(Zeroizing::new)
        .map_err(|cause| Error::io(path, cause))
}

/// Loads the secret in `path` with `load`, or, when there is no such file, makes one with
/// `create` (the secret and the bytes to store) and writes it 0600 in a 0700 directory. Returns
/// the secret and whether it was made now.
pub fn load_or_create<T>(
    path: &Path,
    load: impl FnOnce(&[u8]) -> Result<T>,
    create: impl FnOnce() -> Result<(T, Zeroizing<Vec<u8>>)>,
) -> Result<(T, bool)> {
    if let Some(directory) = path.parent() {
        create_private_dir(directory)?;
    }
    if path.exists() {
        return Ok((load(&read_private_file(path)?)?, false));
    }
    let (secret, bytes) = create()?;
    write_private_file(path, &bytes)?;
    Ok((secret, true))
}

/// The text of a PEM file read by [`load_or_create`], or an error naming the file.
pub fn pem_text<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes)
        .map_err(|_| Error::SigningKey(format!("{} is not a PEM text file", path.display())))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).map_or(0, |metadata| metadata.permissions().mode() & 0o777)
    }

    #[test]
    fn directories_are_0700_and_files_0600_whatever_was_there() {
        let root = tempfile::tempdir().unwrap();
        let directory = root.path().join("a/b");
        let path = directory.join("secret");
        write_private_file(&path, b"one").unwrap();
        assert_eq!(mode(&directory), 0o700);
        assert_eq!(mode(&root.path().join("a")), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(*read_private_file(&path).unwrap(), b"one");
        // An existing open directory is closed down to 0700.
        std::fs::set_permissions(&directory, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_private_dir(&directory).unwrap();
        assert_eq!(mode(&directory), 0o700);
        // Rewriting leaves no temporary file behind.
        write_private_file(&path, b"two").unwrap();
        assert_eq!(std::fs::read_dir(&directory).unwrap().count(), 1);
    }

    #[test]
    fn secrets_are_made_once_then_loaded() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("keys/secret");
        let make = || Ok((7u8, Zeroizing::new(vec![7u8])));
        let load = |bytes: &[u8]| Ok(bytes[0]);
        assert_eq!(load_or_create(&path, load, make).unwrap(), (7, true));
        assert_eq!(mode(&root.path().join("keys")), 0o700);
        assert_eq!(mode(&path), 0o600);
        let never = || -> Result<(u8, Zeroizing<Vec<u8>>)> { panic!("made twice") };
        assert_eq!(load_or_create(&path, load, never).unwrap(), (7, false));
    }
}
