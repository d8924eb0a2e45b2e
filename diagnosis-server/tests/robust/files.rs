//! Issue 13, defect 9: under umask 000 the data directory and the export store are still 0700
//! (their files 0600), and with `--keys-dir`/`--venue-keys-dir` no key or secret is in the data
//! directory, so a copy of it cannot open the sealed venue records or sign anything.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::{self, spawn_binary_after};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every file and directory under `root`, `root` included.
fn walk(root: &Path) -> Vec<PathBuf> {
    let mut found = vec![root.to_path_buf()];
    let mut index = 0;
    while index < found.len() {
        let path = found[index].clone();
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                found.push(entry.unwrap().path());
            }
        }
        index += 1;
    }
    found
}

#[tokio::test]
async fn data_and_export_store_are_private_under_umask_000_and_keys_live_elsewhere() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path().join("data");
    let keys = directory.path().join("secrets").join("keys");
    let venue_keys = directory.path().join("offline").join("venue-keys");
    let (_child, base) = spawn_binary_after("umask 000", &data, |command| {
        command
            .arg("--keys-dir")
            .arg(&keys)
            .arg("--venue-keys-dir")
            .arg(&venue_keys);
    });
    let client = reqwest::Client::new();

    // Write export files and make the venue keys.
    common::upload_and_export(&client, &base).await;
    let venue_public = common::status_of(&client, &format!("{base}/venues/v1/keys.json")).await;
    assert_eq!(venue_public, 200);

    assert_eq!(mode(&data), 0o700, "the data directory");
    let store = data.join("exports-store");
    let mut store_files = 0;
    for path in walk(&store) {
        let expected = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&path), expected, "{}", path.display());
        store_files += usize::from(path.is_file());
    }
    assert!(
        store_files >= 3,
        "a zip, index.txt and list.json were written"
    );

    // The keys are where the flags say, private; the data directory holds none of them.
    for path in [
        keys.join("export-signing").join("v1.pem"),
        keys.join("token-signing.pem"),
        keys.join("code-secret"),
        venue_keys.join("venue-seal.key"),
        venue_keys.join("venue-signing.pem"),
    ] {
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    assert_eq!(mode(&keys), 0o700);
    assert_eq!(mode(&venue_keys), 0o700);
    // The one key file there is the export public key, public and 0600 like every file.
    let public_key = data.join("export-public-key.pem");
    assert_eq!(mode(&public_key), 0o600);
    let pem = std::fs::read_to_string(&public_key).unwrap();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----") && !pem.contains("PRIVATE"));
    for path in walk(&data).into_iter().filter(|path| *path != public_key) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !(name.ends_with(".pem") || name.ends_with(".key") || name == "code-secret"),
            "a secret is in the data directory: {}",
            path.display()
        );
    }
}
