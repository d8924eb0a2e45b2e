//! `mimamori export inspect`: what an export file holds and whether its signatures verify.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use mimamori_gaen::export::{ExportFile, ExportPublicKey, SignatureStatus};
use mimamori_gaen::ids::TEK_ROLLING_PERIOD;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Arguments of `mimamori export inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct InspectArgs {
    /// The export file: a zip (export.bin and export.sig), or a bare export.bin, whose
    /// signatures are then read from the .sig beside it (same name, or export.sig) if there is
    /// one.
    pub(crate) file: PathBuf,
    /// The health authority's public key (ECDSA P-256) to check the signatures with: a file
    /// (PEM "PUBLIC KEY", base64 or raw DER) or the base64 of its DER SubjectPublicKeyInfo.
    #[arg(long)]
    pub(crate) public_key: Option<String>,
}

/// Streams the file and prints its region, time range, batch, key counts, how many keys have
/// a rolling period shorter than a day, and each signature with its verdict. An `export.sig`
/// that cannot be decoded is reported after the keys. With `--public-key`, fails (after
/// printing everything) unless a signature verifies with it.
pub(crate) fn run(args: &InspectArgs, out: &mut impl Write) -> Result<()> {
    let public_key = args
        .public_key
        .as_deref()
        .map(load_public_key)
        .transpose()?;
    let context = || format!("reading the export file {}", args.file.display());

    let (mut file, signature_problem) =
        ExportFile::open_reporting_signatures(&args.file).with_context(context)?;
    let mut reader = file.keys().with_context(context)?;
    let mut all_keys = 0u64;
    let mut short_keys = 0u64;
    while let Some(key) = reader.next_key().with_context(context)? {
        all_keys += 1;
        if key.key.rolling_period < TEK_ROLLING_PERIOD {
            short_keys += 1;
        }
    }
    let summary = reader.finish().with_context(context)?;
    let header = &summary.header;

    writeln!(out, "region: {}", shown(&header.region))?;
    writeln!(
        out,
        "time range: {} to {}",
        timestamp(header.start_timestamp),
        timestamp(header.end_timestamp)
    )?;
    writeln!(out, "batch: {} of {}", header.batch_num, header.batch_size)?;
    writeln!(out, "keys: {}", summary.key_count)?;
    writeln!(out, "revised keys: {}", summary.revised_key_count)?;
    writeln!(
        out,
        "rolling period < {TEK_ROLLING_PERIOD}: {short_keys} of {all_keys} keys"
    )?;
    writeln!(
        out,
        "export.bin: {} bytes, SHA-256 {}",
        summary.size,
        to_hex(&summary.digest)
    )?;
    if let Some(problem) = &signature_problem {
        writeln!(out, "signatures: export.sig could not be read: {problem}")?;
    } else if summary.signatures.is_empty() {
        writeln!(out, "signatures: none (unsigned)")?;
    }
    let mut verified = false;
    for (number, signature) in summary.signatures.iter().enumerate() {
        let verdict = match &public_key {
            Some(key) => {
                let status = signature.check(&summary.digest, std::slice::from_ref(key));
                verified |= status == SignatureStatus::Verified;
                status.to_string()
            }
            None => "not checked: no --public-key".to_owned(),
        };
        writeln!(
            out,
            "signature {}: key id {}, version {}, algorithm {}: {verdict}",
            number + 1,
            shown(&signature.info.key_id),
            shown(&signature.info.key_version),
            shown(&signature.info.algorithm),
        )?;
    }
    if public_key.is_some() && !verified {
        anyhow::bail!(
            "no signature of {} verifies with the given public key: do not use its keys",
            args.file.display()
        );
    }
    Ok(())
}

/// A public key from a file (PEM, base64 or DER) or from the argument itself (PEM or base64).
pub(crate) fn load_public_key(argument: &str) -> Result<ExportPublicKey> {
    let path = Path::new(argument);
    if path.is_file() {
        let bytes =
            fs::read(path).with_context(|| format!("reading the public key {}", path.display()))?;
        let from_text = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|text| ExportPublicKey::parse(text).ok());
        return match from_text {
            Some(key) => Ok(key),
            None => ExportPublicKey::from_der(&bytes)
                .with_context(|| format!("reading the public key {}", path.display())),
        };
    }
    ExportPublicKey::parse(argument)
        .context("--public-key is neither a key file nor a base64 (or PEM) public key")
}

/// Unix seconds as RFC 3339 UTC; `(none)` for 0 (a file without timestamps); the bare number
/// when it is not a representable time.
fn timestamp(unix_seconds: u64) -> String {
    if unix_seconds == 0 {
        return "(none)".to_owned();
    }
    i64::try_from(unix_seconds)
        .ok()
        .and_then(|seconds| OffsetDateTime::from_unix_timestamp(seconds).ok())
        .and_then(|time| time.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{unix_seconds} (not a valid time)"))
}

/// A text field of the file, or `(none)` when it is empty. The file is untrusted: control
/// characters (terminal escapes) are shown escaped.
fn shown(value: &str) -> String {
    if value.is_empty() {
        return "(none)".to_owned();
    }
    value
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
