//! Export files on disk: [`ExportFile`] finds `export.bin` and `export.sig` in a zip (with
//! limits on entries and sizes against zip bombs) or beside each other, reads the small
//! signature list, and hands `export.bin` to [`ExportReader`] as a stream.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use zip::ZipArchive;
use zip::read::ZipFile;
use zip::result::ZipError;

use super::reader::ExportReader;
use super::{
    EXPORT_BIN_NAME, EXPORT_SIG_NAME, ExportSignature, MAX_EXPORT_ARCHIVE_BYTES,
    MAX_EXPORT_BIN_BYTES, MAX_EXPORT_SIG_BYTES, parse_signature_list,
};
use crate::{Error, Result};

/// The most entries an export zip may hold (it needs two). The zip library has read the
/// directory by the time this is checked, so it limits what is kept, not the first allocation.
const MAX_ARCHIVE_ENTRIES: usize = 16;

/// An export file on disk: a zip, or a bare `export.bin` with or without its `.sig`.
///
/// Opening reads the small `export.sig`; [`ExportFile::keys`] then streams `export.bin`, as many
/// times as wanted.
#[derive(Debug)]
pub struct ExportFile {
    path: PathBuf,
    source: FileSource,
    signatures: Vec<ExportSignature>,
}

#[derive(Debug)]
enum FileSource {
    Zip(Box<ZipArchive<BufReader<File>>>),
    Bare,
}

impl ExportFile {
    /// Opens an export file.
    ///
    /// - A zip archive (recognised by its first bytes, whatever its name) must hold `export.bin`
    ///   and `export.sig`; the signatures are read now.
    /// - Anything else is taken as a bare `export.bin`. Its signatures are read from the file of
    ///   the same name with the extension `.sig` beside it, else from `export.sig` in the same
    ///   directory; without either the file is unsigned and
    ///   [`super::ExportSummary::verification`] says so.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        match Self::open_reporting_signatures(path)? {
            (file, None) => Ok(file),
            (_, Some(problem)) => Err(problem),
        }
    }

    /// As [`ExportFile::open`], but an `export.sig` that cannot be decoded does not stop the
    /// file from being read: the file is opened without signatures and the problem is returned
    /// beside it (for a tool that shows what a file holds, such as `mimamori export inspect`).
    /// Its keys must not be trusted then.
    pub fn open_reporting_signatures(path: impl AsRef<Path>) -> Result<(Self, Option<Error>)> {
        let path = path.as_ref().to_path_buf();
        let mut file = File::open(&path).map_err(|source| io_error(&path, source))?;
        let mut magic = [0u8; 2];
        let is_zip = match file.read_exact(&mut magic) {
            Ok(()) => &magic == b"PK",
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => false,
            Err(source) => return Err(io_error(&path, source)),
        };
        if is_zip {
            file.seek(SeekFrom::Start(0))
                .map_err(|source| io_error(&path, source))?;
            Self::open_zip(path, file)
        } else {
            let (signatures, problem) = match signature_path(&path) {
                Some(sig_path) => match read_signature_file(&sig_path) {
                    Ok(signatures) => (signatures, None),
                    Err(problem @ Error::InvalidSignatureList { .. }) => {
                        (Vec::new(), Some(problem))
                    }
                    Err(other) => return Err(other),
                },
                None => (Vec::new(), None),
            };
            Ok((
                Self {
                    path,
                    source: FileSource::Bare,
                    signatures,
                },
                problem,
            ))
        }
    }

    fn open_zip(path: PathBuf, file: File) -> Result<(Self, Option<Error>)> {
        let length = file
            .metadata()
            .map_err(|source| io_error(&path, source))?
            .len();
        if length > MAX_EXPORT_ARCHIVE_BYTES {
            return Err(Error::ExportTooLarge {
                what: "the export archive",
                limit: MAX_EXPORT_ARCHIVE_BYTES,
            });
        }
        let mut archive = ZipArchive::new(BufReader::new(file)).map_err(archive_error)?;
        if archive.len() > MAX_ARCHIVE_ENTRIES {
            return Err(Error::InvalidExportArchive {
                reason: format!(
                    "it holds {} entries; an export zip holds export.bin and export.sig",
                    archive.len()
                ),
            });
        }
        if archive.has_duplicate_names() {
            return Err(Error::InvalidExportArchive {
                reason: "it holds two entries with the same name".into(),
            });
        }
        let signature_bytes = {
            let entry = zip_entry(&mut archive, EXPORT_SIG_NAME, MAX_EXPORT_SIG_BYTES)?;
            read_limited(entry, MAX_EXPORT_SIG_BYTES, EXPORT_SIG_NAME)
                .map_err(|fault| fault.into_error(&path, true))?
        };
        let (signatures, problem) = match parse_signature_list(&signature_bytes) {
            Ok(signatures) => (signatures, None),
            Err(problem) => (Vec::new(), Some(problem)),
        };
        // Fail now, not at the first read, on an archive without a usable export.bin.
        zip_entry(&mut archive, EXPORT_BIN_NAME, MAX_EXPORT_BIN_BYTES)?;
        Ok((
            Self {
                path,
                source: FileSource::Zip(Box::new(archive)),
                signatures,
            },
            problem,
        ))
    }

    /// The path the file was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether it is a zip archive (rather than a bare `export.bin`).
    pub fn is_zip(&self) -> bool {
        matches!(self.source, FileSource::Zip(_))
    }

    /// The signatures of `export.sig` (empty when a bare `export.bin` has none beside it).
    pub fn signatures(&self) -> &[ExportSignature] {
        &self.signatures
    }

    /// Starts streaming `export.bin` from its beginning. The summary that
    /// [`ExportReader::finish`] returns carries this file's signatures.
    pub fn keys(&mut self) -> Result<ExportReader<ExportBin<'_>>> {
        let in_archive = self.is_zip();
        let bin = match &mut self.source {
            FileSource::Zip(archive) => {
                let entry = zip_entry(archive, EXPORT_BIN_NAME, MAX_EXPORT_BIN_BYTES)?;
                // One byte over the limit, so that the reader sees the overflow and refuses it.
                BinSource::Zip(Box::new(entry.take(MAX_EXPORT_BIN_BYTES + 1)))
            }
            FileSource::Bare => BinSource::Bare(
                File::open(&self.path).map_err(|source| io_error(&self.path, source))?,
            ),
        };
        let mut reader = ExportReader::with_path(ExportBin(bin), self.path.clone(), in_archive)?;
        reader.set_signatures(self.signatures.clone());
        Ok(reader)
    }
}

/// The bytes of `export.bin`, from a zip entry or a bare file ([`ExportFile::keys`]).
#[derive(Debug)]
pub struct ExportBin<'a>(BinSource<'a>);

#[derive(Debug)]
enum BinSource<'a> {
    Zip(Box<io::Take<ZipFile<'a, BufReader<File>>>>),
    Bare(File),
}

impl Read for ExportBin<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.0 {
            BinSource::Zip(entry) => entry.read(buf),
            BinSource::Bare(file) => file.read(buf),
        }
    }
}

pub(super) fn io_error(path: &Path, cause: io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        cause,
    }
}

/// An error reading a zip entry: damaged contents are the archive's fault, anything else is I/O.
pub(super) fn entry_read_error(path: &Path, source: io::Error) -> Error {
    if source.kind() == io::ErrorKind::InvalidData {
        Error::InvalidExportArchive {
            reason: source.to_string(),
        }
    } else {
        io_error(path, source)
    }
}

fn archive_error(error: ZipError) -> Error {
    Error::InvalidExportArchive {
        reason: error.to_string(),
    }
}

/// The entry `name` of the archive, refused when missing or declared larger than `limit`.
fn zip_entry<'a>(
    archive: &'a mut ZipArchive<BufReader<File>>,
    name: &'static str,
    limit: u64,
) -> Result<ZipFile<'a, BufReader<File>>> {
    let entry = archive.by_name(name).map_err(|error| match error {
        ZipError::FileNotFound => Error::MissingExportEntry { name },
        other => archive_error(other),
    })?;
    if entry.size() > limit {
        return Err(Error::ExportTooLarge { what: name, limit });
    }
    Ok(entry)
}

/// Reads all of `reader`, refusing more than `limit` bytes without reading them.
fn read_limited(reader: impl Read, limit: u64, what: &'static str) -> Result<Vec<u8>, ReadFault> {
    let mut bytes = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadFault::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadFault::TooLarge(Error::ExportTooLarge { what, limit }));
    }
    Ok(bytes)
}

/// Why [`read_limited`] failed, before the caller says where the bytes came from.
enum ReadFault {
    Io(io::Error),
    TooLarge(Error),
}

impl ReadFault {
    fn into_error(self, path: &Path, in_archive: bool) -> Error {
        match self {
            Self::Io(source) if in_archive => entry_read_error(path, source),
            Self::Io(source) => io_error(path, source),
            Self::TooLarge(error) => error,
        }
    }
}

/// Where the signatures of a bare `export.bin` are: `<stem>.sig` beside it, else `export.sig`.
fn signature_path(bin: &Path) -> Option<PathBuf> {
    let beside = bin.with_extension("sig");
    let in_directory = bin.parent().map_or_else(
        || PathBuf::from(EXPORT_SIG_NAME),
        |dir| dir.join(EXPORT_SIG_NAME),
    );
    [beside, in_directory]
        .into_iter()
        .find(|candidate| candidate != bin && candidate.is_file())
}

fn read_signature_file(path: &Path) -> Result<Vec<ExportSignature>> {
    let file = File::open(path).map_err(|source| io_error(path, source))?;
    let bytes = read_limited(file, MAX_EXPORT_SIG_BYTES, EXPORT_SIG_NAME)
        .map_err(|fault| fault.into_error(path, false))?;
    parse_signature_list(&bytes)
}
