//! What a health authority sees before anything is set up: at start, while the database has no
//! staff account, the server prints the next steps after `Listening on …` ([`next_steps`]): how
//! to add staff, the portal's and the venue registration's addresses, the public key file phones
//! need and where the data lives. The portal's login page says the same when there is no
//! account yet.
//!
//! The export public key is also written, at every start, to [`PUBLIC_KEY_FILE`] in the data
//! directory: the file to hand to whoever builds or configures the phones (it is public; the
//! same keys are served at `/v1/export-keys`).

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::Result;
use crate::config::{BlobConfig, Config, DatabaseConfig};

/// The export public key, written to the data directory at every start.
pub const PUBLIC_KEY_FILE: &str = "export-public-key.pem";

/// Writes the current export public key (PEM) to [`PUBLIC_KEY_FILE`] in the data directory;
/// its path.
pub fn write_public_key(config: &Config, public_key_pem: &str) -> Result<PathBuf> {
    let path = config.data_dir.join(PUBLIC_KEY_FILE);
    if std::fs::read_to_string(&path).is_ok_and(|existing| existing == public_key_pem) {
        return Ok(path);
    }
    // Atomic and 0600 whatever the umask, like every file the server writes: the key is
    // public, but nobody else should be able to replace the copy operators hand out.
    crate::private_files::write_private_file(&path, public_key_pem.as_bytes())?;
    Ok(path)
}

/// The next steps printed at start while there is no staff account (`None` once there is one).
/// `listening` is the address the server is bound to.
pub fn next_steps(
    config: &Config,
    listening: SocketAddr,
    public_key_file: &Path,
    staff_accounts: usize,
) -> Option<String> {
    if staff_accounts > 0 {
        return None;
    }
    let local = format!("http://{listening}");
    let residents = config.public_url.clone().unwrap_or_else(|| local.clone());
    let data_dir_argument = if config.data_dir == Path::new("./mimamori-data") {
        String::new()
    } else {
        format!(" --data-dir {}", config.data_dir.display())
    };
    let database = match config.database() {
        DatabaseConfig::Sqlite(path) => format!("SQLite {}", path.display()),
        DatabaseConfig::Postgres(_) => "PostgreSQL (--database-url)".to_owned(),
    };
    let blobs = match config.blobs() {
        BlobConfig::Local(path) => path.display().to_string(),
        BlobConfig::S3 { bucket, .. } => format!("s3://{bucket}"),
    };
    let mut text = String::from(
        "\nNext steps (no staff account yet) / 次の手順（職員アカウントがまだありません）:\n",
    );
    let _ = writeln!(
        text,
        "  1. Add a staff account; its password is printed once:\n       \
         mimamori-diagnosis-server{data_dir_argument} staff add <name>"
    );
    let _ = writeln!(
        text,
        "  2. Staff log in at {local}/portal/login (in production behind your TLS proxy) to issue \
         codes, approve venue notices, export now and list contacts."
    );
    let _ = writeln!(
        text,
        "  3. Venue operators register at {residents}/venues/register{}.",
        if config.public_url.is_none() {
            " (set --public-url to the https:// address residents reach first)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        text,
        "  4. Phones need the export public key: {} (also served at /v1/export-keys).",
        public_key_file.display()
    );
    let _ = writeln!(
        text,
        "  5. Data: {database}; export files: {blobs}; keys: {}; venue keys: {}. See the \
         README's Backups before going live.",
        config.keys_dir().display(),
        config.venue_keys_dir().display()
    );
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_steps_name_every_address_and_file_until_staff_exist() {
        let directory = tempfile::tempdir().unwrap();
        let mut config = Config::new(directory.path());
        let listening: SocketAddr = ([127, 0, 0, 1], 8080).into();
        let key = write_public_key(&config, "-----BEGIN PUBLIC KEY-----\nX\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&key).unwrap(),
            "-----BEGIN PUBLIC KEY-----\nX\n"
        );
        let steps = next_steps(&config, listening, &key, 0).unwrap();
        for expected in [
            format!(
                "mimamori-diagnosis-server --data-dir {} staff add <name>",
                directory.path().display()
            ),
            "http://127.0.0.1:8080/portal/login".to_owned(),
            "http://127.0.0.1:8080/venues/register (set --public-url".to_owned(),
            key.display().to_string(),
            format!(
                "SQLite {}",
                directory.path().join("diagnosis.sqlite3").display()
            ),
        ] {
            assert!(steps.contains(&expected), "{expected}: {steps}");
        }
        config.public_url = Some("https://venues.example.jp".into());
        let steps = next_steps(&config, listening, &key, 0).unwrap();
        assert!(
            steps.contains("https://venues.example.jp/venues/register."),
            "{steps}"
        );
        assert_eq!(next_steps(&config, listening, &key, 1), None);
    }
}
