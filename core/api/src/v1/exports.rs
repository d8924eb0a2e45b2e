//! The two listings of a region's export files: the plain `index.txt` of
//! google/exposure-notifications-server and COCOA's `list.json`.
//!
//! Both come from the network, so parsing is hostile-input safe: sizes are capped before
//! anything is allocated for them, and every entry is checked.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Largest `index.txt` accepted, in bytes (1 MiB: some 14 days of files need a few KiB).
pub const MAX_INDEX_BYTES: usize = 1024 * 1024;

/// Largest `list.json` accepted, in bytes (4 MiB).
pub const MAX_EXPORT_LIST_BYTES: usize = 4 * 1024 * 1024;

/// Longest object path or URL accepted in a listing, in characters.
pub const MAX_OBJECT_PATH_CHARS: usize = 1024;

/// `index.txt`: the object paths of a region's export files, one per line, oldest first.
///
/// Each path is relative to the server's download root (e.g. `exports/JP/1700000000-1.zip`), as
/// in google/exposure-notifications-server, where a phone downloads `<base URL>/<path>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportIndex {
    paths: Vec<String>,
}

impl ExportIndex {
    /// An index of the given paths (oldest first); fails when a path is not a safe relative
    /// object path.
    pub fn new(paths: Vec<String>) -> Result<Self> {
        for (line, path) in paths.iter().enumerate() {
            check_object_path(path, line + 1)?;
        }
        Ok(Self { paths })
    }

    /// Parses `index.txt`. Blank lines and a trailing newline are allowed; every other line must
    /// be a relative object path without `..`, control characters or spaces.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_INDEX_BYTES {
            return Err(invalid(
                "index.txt",
                format!("it is larger than {MAX_INDEX_BYTES} bytes"),
            ));
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| invalid("index.txt", "it is not UTF-8 text".into()))?;
        let mut paths = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            check_object_path(line, number + 1)?;
            paths.push(line.to_owned());
        }
        Ok(Self { paths })
    }

    /// Renders `index.txt`: one path a line, each ended by a newline.
    pub fn render(&self) -> String {
        let mut text = String::new();
        for path in &self.paths {
            text.push_str(path);
            text.push('\n');
        }
        text
    }

    /// The paths, oldest first.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// Whether the index lists no file.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

/// One file in COCOA's `list.json`: `{"region":"440","url":"https://…/1.zip","created":…}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportListEntry {
    /// The region the file is for.
    pub region: String,
    /// Where to download it (absolute URL, or a path relative to the server root).
    pub url: String,
    /// When the file was created, Unix milliseconds. COCOA processes the entries newer than the
    /// last one it processed.
    pub created: u64,
}

/// One public key that verifies export files, as the server publishes them at
/// [`super::EXPORT_KEYS_PATH`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportVerificationKey {
    /// `verification_key_id` in the files' `SignatureInfo` (e.g. `440`).
    pub key_id: String,
    /// `verification_key_version` (e.g. `v1`, `v2` after a rotation).
    pub version: String,
    /// When the version was made, Unix seconds.
    pub created: i64,
    /// The public key, PEM `PUBLIC KEY`.
    pub public_key_pem: String,
}

/// The answer of [`super::EXPORT_KEYS_PATH`]: every version's key, oldest first. Files signed
/// before a rotation stay verifiable with the older versions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportVerificationKeys {
    /// The keys, oldest first.
    pub keys: Vec<ExportVerificationKey>,
}

/// Parses COCOA's `list.json`: a JSON array of [`ExportListEntry`].
pub fn parse_export_list(bytes: &[u8]) -> Result<Vec<ExportListEntry>> {
    if bytes.len() > MAX_EXPORT_LIST_BYTES {
        return Err(invalid(
            "list.json",
            format!("it is larger than {MAX_EXPORT_LIST_BYTES} bytes"),
        ));
    }
    let entries: Vec<ExportListEntry> = serde_json::from_slice(bytes).map_err(|error| {
        invalid(
            "list.json",
            format!(
                "it is not a JSON array of {{region, url, created}} ({})",
                error.classify_name()
            ),
        )
    })?;
    for (index, entry) in entries.iter().enumerate() {
        if entry.region.is_empty() || entry.region.len() > 64 {
            return Err(invalid(
                "list.json",
                format!("entry {} has an empty or overlong region", index + 1),
            ));
        }
        if entry.url.is_empty()
            || entry.url.chars().count() > MAX_OBJECT_PATH_CHARS
            || entry
                .url
                .chars()
                .any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(invalid(
                "list.json",
                format!(
                    "entry {} has an empty or overlong URL, or one with spaces or control characters",
                    index + 1
                ),
            ));
        }
    }
    Ok(entries)
}

/// Renders COCOA's `list.json`.
pub fn render_export_list(entries: &[ExportListEntry]) -> String {
    // Serialising plain strings and integers cannot fail.
    serde_json::to_string(entries).unwrap_or_else(|_| "[]".to_owned())
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "wrong fields or types",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

fn check_object_path(path: &str, line: usize) -> Result<()> {
    let problem = if path.is_empty() {
        Some("is empty")
    } else if path.chars().count() > MAX_OBJECT_PATH_CHARS {
        Some("is too long")
    } else if path.starts_with('/') || path.contains("://") {
        Some("is not a relative path")
    } else if path
        .split('/')
        .any(|part| part == ".." || part == "." || part.is_empty())
    {
        Some("has an empty, `.` or `..` segment")
    } else if path.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Some("contains spaces or control characters")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(invalid("index.txt", format!("line {line} {problem}"))),
        None => Ok(()),
    }
}

fn invalid(what: &'static str, problem: String) -> Error {
    Error::InvalidWireMessage { what, problem }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_round_trips_oldest_first() {
        let index = ExportIndex::parse(
            b"exports/JP/1700000000-1700003600-00001.zip\r\n\nexports/JP/1700003600-1700007200-00001.zip\n",
        )
        .unwrap();
        assert_eq!(index.paths().len(), 2);
        assert_eq!(
            index.render(),
            "exports/JP/1700000000-1700003600-00001.zip\nexports/JP/1700003600-1700007200-00001.zip\n"
        );
        assert_eq!(
            ExportIndex::parse(&index.render().into_bytes()).unwrap(),
            index
        );
        assert!(ExportIndex::parse(b"").unwrap().is_empty());
    }

    #[test]
    fn hostile_indexes_are_refused_with_the_line() {
        for (bytes, expected) in [
            (&b"a.zip\n../etc/passwd\n"[..], "line 2"),
            (b"/abs.zip", "not a relative path"),
            (b"https://evil/x.zip", "not a relative path"),
            (b"a b.zip", "spaces"),
            (b"a//b.zip", "segment"),
            (b"\xff\xfe", "UTF-8"),
        ] {
            let error = ExportIndex::parse(bytes).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
        let huge = vec![b'a'; MAX_INDEX_BYTES + 1];
        assert!(
            ExportIndex::parse(&huge)
                .unwrap_err()
                .to_string()
                .contains("larger")
        );
        assert!(ExportIndex::new(vec!["..".into()]).is_err());
    }

    #[test]
    fn list_json_round_trips_in_cocoas_shape() {
        let text = r#"[{"region":"440","url":"https://example.org/c19r/440/1.zip","created":1597365604000}]"#;
        let entries = parse_export_list(text.as_bytes()).unwrap();
        assert_eq!(
            entries,
            [ExportListEntry {
                region: "440".into(),
                url: "https://example.org/c19r/440/1.zip".into(),
                created: 1_597_365_604_000,
            }]
        );
        assert_eq!(render_export_list(&entries), text);
        assert_eq!(parse_export_list(b"[]").unwrap(), []);
    }

    #[test]
    fn verification_keys_have_camel_case_names() {
        let keys = ExportVerificationKeys {
            keys: vec![ExportVerificationKey {
                key_id: "440".into(),
                version: "v1".into(),
                created: 1,
                public_key_pem: "pem".into(),
            }],
        };
        assert_eq!(
            serde_json::to_string(&keys).unwrap(),
            r#"{"keys":[{"keyId":"440","version":"v1","created":1,"publicKeyPem":"pem"}]}"#
        );
    }

    #[test]
    fn hostile_lists_are_refused() {
        for (bytes, expected) in [
            (&br#"{"region":"440"}"#[..], "JSON array"),
            (br#"[{"region":"440","url":"x"}]"#, "JSON array"),
            (
                br#"[{"region":"440","url":"x","created":-1}]"#,
                "JSON array",
            ),
            (br#"[{"region":"","url":"x","created":1}]"#, "region"),
            (br#"[{"region":"1","url":"a b","created":1}]"#, "URL"),
            (b"[", "truncated"),
        ] {
            let error = parse_export_list(bytes).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
        let huge = vec![b' '; MAX_EXPORT_LIST_BYTES + 1];
        assert!(parse_export_list(&huge).is_err());
    }
}
