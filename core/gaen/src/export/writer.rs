//! Writing signed export files, as the diagnosis server publishes them.

use std::io::{Cursor, Seek, Write};

use prost::Message;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::signature::encode_signature_list;
use super::{
    EXPORT_BIN_NAME, EXPORT_HEADER, EXPORT_SIG_NAME, ExportHeader, ExportKey, ExportSignature,
    ExportSigningKey, MAX_EXPORT_BIN_BYTES, MAX_KEYS_PER_FILE, proto,
};
use crate::ids::TEK_ROLLING_PERIOD;
use crate::{Error, ReportType, Result};

/// Field numbers of the key lists in `TemporaryExposureKeyExport`.
const KEYS_FIELD: u32 = 7;
const REVISED_KEYS_FIELD: u32 = 8;

/// Writes export files: `export.bin` with the keys sorted by key bytes (as the Google server
/// does, so the order tells nothing about who uploaded when), signed by each signing key, in a
/// deflated zip with `export.sig`.
///
/// It writes what it is given: padding a batch with random keys, holding back keys that are still
/// valid and splitting batches at [`MAX_KEYS_PER_FILE`] are the server's job.
#[derive(Debug)]
pub struct ExportWriter<'a> {
    header: ExportHeader,
    signers: &'a [ExportSigningKey],
}

impl<'a> ExportWriter<'a> {
    /// A writer of files with this header, signed by every key of `signers` (none: unsigned,
    /// with an empty `export.sig`).
    pub fn new(header: ExportHeader, signers: &'a [ExportSigningKey]) -> Self {
        Self { header, signers }
    }

    /// The bytes of `export.bin`: header, then the keys (field 7) and revised keys (field 8),
    /// each list sorted by key bytes. At most [`MAX_KEYS_PER_FILE`] keys in all.
    pub fn export_bin(&self, keys: &[ExportKey]) -> Result<Vec<u8>> {
        if keys.len() > MAX_KEYS_PER_FILE {
            return Err(Error::ExportWrite {
                reason: format!(
                    "{} keys are more than the {MAX_KEYS_PER_FILE} a file may hold; split them \
                     into a batch of several files",
                    keys.len()
                ),
            });
        }
        let mut sorted: Vec<&ExportKey> = keys.iter().collect();
        sorted.sort_by(|a, b| {
            (a.revised, a.key.key.as_bytes()).cmp(&(b.revised, b.key.key.as_bytes()))
        });

        let header = proto::TemporaryExposureKeyExport {
            start_timestamp: Some(self.header.start_timestamp),
            end_timestamp: Some(self.header.end_timestamp),
            region: Some(self.header.region.clone()),
            batch_num: Some(self.header.batch_num),
            batch_size: Some(self.header.batch_size),
            signature_infos: self
                .signers
                .iter()
                .map(|signer| signer.info().into())
                .collect(),
            keys: Vec::new(),
            revised_keys: Vec::new(),
        };
        // About 36 bytes a key.
        let mut bytes = Vec::with_capacity(EXPORT_HEADER.len() + 128 + 40 * sorted.len());
        bytes.extend_from_slice(EXPORT_HEADER);
        header
            .encode(&mut bytes)
            .map_err(|error| Error::ExportWrite {
                reason: error.to_string(),
            })?;
        for key in sorted {
            let field = if key.revised {
                REVISED_KEYS_FIELD
            } else {
                KEYS_FIELD
            };
            prost::encoding::message::encode(field, &key_message(key)?, &mut bytes);
        }
        if bytes.len() as u64 > MAX_EXPORT_BIN_BYTES {
            return Err(Error::ExportWrite {
                reason: format!(
                    "export.bin would be {} bytes, over the {MAX_EXPORT_BIN_BYTES}-byte limit \
                     readers enforce",
                    bytes.len()
                ),
            });
        }
        Ok(bytes)
    }

    /// The bytes of `export.sig` for this `export.bin`: one signature for each signing key, in
    /// the order given (the format asks for the most recent key first).
    pub fn export_sig(&self, export_bin: &[u8]) -> Result<Vec<u8>> {
        let digest: [u8; 32] = Sha256::digest(export_bin).into();
        let signatures = self
            .signers
            .iter()
            .map(|signer| {
                Ok(ExportSignature {
                    info: signer.info().clone(),
                    batch_num: self.header.batch_num,
                    batch_size: self.header.batch_size,
                    signature: signer.sign_digest(&digest)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(encode_signature_list(&signatures))
    }

    /// Writes the zip (`export.bin` and `export.sig`, deflated) to `out` and returns it.
    pub fn write_zip<W: Write + Seek>(&self, keys: &[ExportKey], out: W) -> Result<W> {
        let export_bin = self.export_bin(keys)?;
        let export_sig = self.export_sig(&export_bin)?;
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        let mut zip = ZipWriter::new(out);
        for (name, contents) in [
            (EXPORT_BIN_NAME, &export_bin),
            (EXPORT_SIG_NAME, &export_sig),
        ] {
            zip.start_file(name, options).map_err(write_error)?;
            zip.write_all(contents).map_err(write_error)?;
        }
        zip.finish().map_err(write_error)
    }

    /// The zip as bytes.
    pub fn to_zip(&self, keys: &[ExportKey]) -> Result<Vec<u8>> {
        Ok(self.write_zip(keys, Cursor::new(Vec::new()))?.into_inner())
    }
}

/// A key as its protobuf message. An unknown report type is left out, as the Google server does.
fn key_message(key: &ExportKey) -> Result<proto::TemporaryExposureKey> {
    let diagnosis = &key.key;
    // The fields of DiagnosisKey are public, so its checks may have been bypassed.
    if !(1..=TEK_ROLLING_PERIOD).contains(&diagnosis.rolling_period) {
        return Err(Error::InvalidRollingPeriod(diagnosis.rolling_period));
    }
    let rolling_start =
        i32::try_from(diagnosis.rolling_start.value()).map_err(|_| Error::ExportWrite {
            reason: "a key's rolling start interval does not fit the format's int32".into(),
        })?;
    Ok(proto::TemporaryExposureKey {
        key_data: Some(diagnosis.key.as_bytes().to_vec()),
        transmission_risk_level: key.transmission_risk_level,
        rolling_start_interval_number: Some(rolling_start),
        // 1..=144, checked above.
        rolling_period: Some(diagnosis.rolling_period as i32),
        report_type: (diagnosis.report_type != ReportType::Unknown)
            .then(|| i32::from(diagnosis.report_type)),
        days_since_onset_of_symptoms: diagnosis.days_since_onset,
        variant_of_concern: None,
    })
}

fn write_error(error: impl std::fmt::Display) -> Error {
    Error::ExportWrite {
        reason: error.to_string(),
    }
}
