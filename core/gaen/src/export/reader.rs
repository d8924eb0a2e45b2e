//! Parsing `export.bin` as a stream: [`ExportReader`] reads one key at a time while hashing it.
//! Finding `export.bin` and `export.sig` in a zip or beside each other is [`super::archive`].

use std::io::{self, Read};
use std::path::PathBuf;

use prost::Message;
use sha2::{Digest, Sha256};

use super::archive::{entry_read_error, io_error};
use super::wire::{
    FIXED32, FIXED64, LENGTH_DELIMITED, MAX_VARINT_BYTES, RawKey, VARINT, decode_key_message,
    decode_varint, split_tag,
};
use super::{
    EXPORT_BIN_NAME, EXPORT_HEADER, ExportHeader, ExportKey, ExportKeyPosition, ExportProblem,
    ExportSignature, ExportSummary, MAX_EMBEDDED_MESSAGE_BYTES, MAX_EXPORT_BIN_BYTES,
    MAX_SIGNATURE_INFOS, SignatureInfo, proto,
};
use crate::{Error, Result};

/// Bytes read from `export.bin` at a time (and hashed at a time).
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// Field numbers of `TemporaryExposureKeyExport`.
const START_TIMESTAMP: u32 = 1;
const END_TIMESTAMP: u32 = 2;
const REGION: u32 = 3;
const BATCH_NUM: u32 = 4;
const BATCH_SIZE: u32 = 5;
const SIGNATURE_INFOS: u32 = 6;
const KEYS: u32 = 7;
const REVISED_KEYS: u32 = 8;
/// Streams the keys of one `export.bin`.
///
/// [`ExportReader::new`] checks the 16-byte header; [`ExportReader::next_key`] yields the keys
/// (and revised keys) in file order; [`ExportReader::finish`] reads the rest and returns the
/// header fields, counts and digest. It also iterates over `Result<ExportKey>`.
///
/// Memory use is fixed: a 64 KiB buffer, whatever the number of keys. After an error the reader
/// is spent: further calls fail with [`ExportProblem::AfterError`].
#[derive(Debug)]
pub struct ExportReader<R> {
    input: Input<R>,
    header: ExportHeader,
    signature_infos: Vec<SignatureInfo>,
    signatures: Vec<ExportSignature>,
    key_count: u64,
    revised_key_count: u64,
    state: State,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Reading,
    Done,
    Failed { offset: u64 },
}

impl<R: Read> ExportReader<R> {
    /// Starts reading an `export.bin` from any reader (unbuffered is fine: reads are 64 KiB) and
    /// checks its header. Reading stops with [`Error::ExportTooLarge`] past
    /// [`MAX_EXPORT_BIN_BYTES`].
    pub fn new(input: R) -> Result<Self> {
        Self::with_path(input, PathBuf::from(EXPORT_BIN_NAME), false)
    }

    /// A reader whose I/O errors name `path`; `in_archive` when the bytes come out of a zip,
    /// whose data errors (bad CRC, bad deflate data, more bytes than declared) then say so.
    pub(super) fn with_path(input: R, path: PathBuf, in_archive: bool) -> Result<Self> {
        let mut input = Input::new(input, path, in_archive);
        let available = input.fill(EXPORT_HEADER.len())?;
        let head = &input.buffer[..available.min(EXPORT_HEADER.len())];
        if head != &EXPORT_HEADER[..head.len()] {
            return Err(malformed(0, ExportProblem::WrongHeader));
        }
        if head.len() < EXPORT_HEADER.len() {
            return Err(malformed(0, ExportProblem::Truncated));
        }
        input.position = EXPORT_HEADER.len();
        Ok(Self {
            input,
            header: ExportHeader::default(),
            signature_infos: Vec::new(),
            signatures: Vec::new(),
            key_count: 0,
            revised_key_count: 0,
            state: State::Reading,
        })
    }

    /// The next key or revised key, `None` at the end of the file.
    pub fn next_key(&mut self) -> Result<Option<ExportKey>> {
        match self.state {
            State::Reading => {}
            State::Done => return Ok(None),
            State::Failed { offset } => return Err(malformed(offset, ExportProblem::AfterError)),
        }
        match self.read_next() {
            Ok(Some(key)) => Ok(Some(key)),
            Ok(None) => {
                self.state = State::Done;
                Ok(None)
            }
            Err(error) => {
                self.state = State::Failed {
                    offset: self.input.offset(),
                };
                Err(error)
            }
        }
    }

    /// Reads (and checks) whatever keys are left and returns the file's header fields, key
    /// counts and SHA-256 digest.
    pub fn finish(mut self) -> Result<ExportSummary> {
        while self.next_key()?.is_some() {}
        Ok(ExportSummary {
            header: self.header,
            signature_infos: self.signature_infos,
            signatures: self.signatures,
            key_count: self.key_count,
            revised_key_count: self.revised_key_count,
            digest: self.input.hasher.finalize().into(),
            size: self.input.total,
        })
    }

    /// Parses top-level fields until a key, or the end.
    fn read_next(&mut self) -> Result<Option<ExportKey>> {
        loop {
            let field_start = self.input.offset();
            if let Some((revised, message)) = self.input.short_key() {
                let decoded = decode_key_message(message);
                return self.counted(revised, decoded, field_start);
            }
            let at = |fault: Fault| fault.at(field_start);
            let Some(tag) = self.input.varint_or_end().map_err(at)? else {
                return Ok(None);
            };
            let (field, wire_type) =
                split_tag(tag).map_err(|problem| malformed(field_start, problem))?;
            match (field, wire_type) {
                (KEYS | REVISED_KEYS, LENGTH_DELIMITED) => {
                    let decoded = decode_key_message(self.input.embedded(field).map_err(at)?);
                    return self.counted(field == REVISED_KEYS, decoded, field_start);
                }
                (START_TIMESTAMP, FIXED64) => {
                    self.header.start_timestamp = self.input.fixed64().map_err(at)?;
                }
                (END_TIMESTAMP, FIXED64) => {
                    self.header.end_timestamp = self.input.fixed64().map_err(at)?;
                }
                (REGION, LENGTH_DELIMITED) => {
                    let bytes = self.input.embedded(field).map_err(at)?;
                    let region = std::str::from_utf8(bytes)
                        .map_err(|_| malformed(field_start, ExportProblem::InvalidRegion))?;
                    self.header.region = region.to_owned();
                }
                (BATCH_NUM, VARINT) => {
                    self.header.batch_num = self.input.varint().map_err(at)? as i32;
                }
                (BATCH_SIZE, VARINT) => {
                    self.header.batch_size = self.input.varint().map_err(at)? as i32;
                }
                (SIGNATURE_INFOS, LENGTH_DELIMITED) => {
                    let bytes = self.input.embedded(field).map_err(at)?;
                    let info = proto::SignatureInfo::decode(bytes)
                        .map_err(|_| malformed(field_start, ExportProblem::InvalidSignatureInfo))?;
                    if self.signature_infos.len() == MAX_SIGNATURE_INFOS {
                        return Err(malformed(field_start, ExportProblem::TooManySignatureInfos));
                    }
                    self.signature_infos.push(info.into());
                }
                (START_TIMESTAMP..=REVISED_KEYS, _) => {
                    return Err(malformed(
                        field_start,
                        ExportProblem::WrongWireType { field, wire_type },
                    ));
                }
                (_, VARINT) => {
                    self.input.varint().map_err(at)?;
                }
                (_, FIXED64) => self.input.skip(8).map_err(at)?,
                (_, FIXED32) => self.input.skip(4).map_err(at)?,
                (_, LENGTH_DELIMITED) => {
                    let length = self.input.varint().map_err(at)?;
                    self.input.skip(length).map_err(at)?;
                }
                (_, other) => {
                    return Err(malformed(
                        field_start,
                        ExportProblem::UnsupportedWireType(other),
                    ));
                }
            }
        }
    }
}

impl<R> ExportReader<R> {
    /// The signatures that came with the file (from its `export.sig`), returned by `finish`.
    pub(super) fn set_signatures(&mut self, signatures: Vec<ExportSignature>) {
        self.signatures = signatures;
    }

    /// Counts a key (or revised key) just decoded and checks it; errors name its position.
    #[inline(always)]
    fn counted(
        &mut self,
        revised: bool,
        decoded: Result<RawKey, ExportProblem>,
        field_start: u64,
    ) -> Result<Option<ExportKey>> {
        let number = if revised {
            self.revised_key_count += 1;
            self.revised_key_count
        } else {
            self.key_count += 1;
            self.key_count
        };
        let position = ExportKeyPosition { number, revised };
        match decoded {
            Ok(raw) => raw
                .into_export_key(revised)
                .map(Some)
                .map_err(|problem| Error::InvalidExportKey { position, problem }),
            Err(problem) => Err(malformed(field_start, problem)),
        }
    }
}

impl<R: Read> Iterator for ExportReader<R> {
    type Item = Result<ExportKey>;

    /// The next key; after an error, `None`.
    fn next(&mut self) -> Option<Self::Item> {
        if matches!(self.state, State::Failed { .. }) {
            return None;
        }
        self.next_key().transpose()
    }
}

/// A failure while reading one element of `export.bin`: an error that stands on its own, or a
/// format problem that still needs the offset of the field it is in.
#[derive(Debug)]
enum Fault {
    Error(Error),
    Problem(ExportProblem),
}

impl Fault {
    fn at(self, offset: u64) -> Error {
        match self {
            Self::Error(error) => error,
            Self::Problem(problem) => malformed(offset, problem),
        }
    }
}

impl From<Error> for Fault {
    fn from(error: Error) -> Self {
        Self::Error(error)
    }
}

/// A buffered, hashing, size-limited view of `export.bin`.
struct Input<R> {
    inner: R,
    path: PathBuf,
    in_archive: bool,
    buffer: Box<[u8]>,
    /// Next unread byte in `buffer`.
    position: usize,
    /// End of the valid bytes in `buffer`.
    end: usize,
    /// File offset of `buffer[0]`.
    buffer_offset: u64,
    /// Bytes read (and hashed) so far.
    total: u64,
    hasher: Sha256,
}

impl<R> std::fmt::Debug for Input<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("path", &self.path)
            .field("offset", &(self.buffer_offset + self.position as u64))
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl<R: Read> Input<R> {
    fn new(inner: R, path: PathBuf, in_archive: bool) -> Self {
        Self {
            inner,
            path,
            in_archive,
            buffer: vec![0u8; READ_BUFFER_BYTES].into_boxed_slice(),
            position: 0,
            end: 0,
            buffer_offset: 0,
            total: 0,
            hasher: Sha256::new(),
        }
    }

    /// Offset in the file of the next unread byte.
    fn offset(&self) -> u64 {
        self.buffer_offset + self.position as u64
    }

    fn available(&self) -> usize {
        self.end - self.position
    }

    /// Moves the unread bytes to the front and reads once more; `false` at the end of the input.
    fn refill(&mut self) -> Result<bool> {
        if self.position > 0 {
            self.buffer.copy_within(self.position..self.end, 0);
            self.buffer_offset += self.position as u64;
            self.end -= self.position;
            self.position = 0;
        }
        loop {
            match self.inner.read(&mut self.buffer[self.end..]) {
                Ok(0) => return Ok(false),
                Ok(read) => {
                    self.hasher.update(&self.buffer[self.end..self.end + read]);
                    self.end += read;
                    self.total += read as u64;
                    if self.total > MAX_EXPORT_BIN_BYTES {
                        return Err(Error::ExportTooLarge {
                            what: EXPORT_BIN_NAME,
                            limit: MAX_EXPORT_BIN_BYTES,
                        });
                    }
                    return Ok(true);
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(source) if self.in_archive => return Err(entry_read_error(&self.path, source)),
                Err(source) => return Err(io_error(&self.path, source)),
            }
        }
    }

    /// Reads until `wanted` bytes are unread in the buffer (`wanted` fits the buffer) or the input
    /// ends; returns how many are.
    fn fill(&mut self, wanted: usize) -> Result<usize> {
        while self.available() < wanted {
            if !self.refill()? {
                break;
            }
        }
        Ok(self.available())
    }

    /// Makes `wanted` bytes available or reports a truncated file.
    fn require(&mut self, wanted: usize) -> Result<(), Fault> {
        if self.fill(wanted)? < wanted {
            return Err(Fault::Problem(ExportProblem::Truncated));
        }
        Ok(())
    }

    /// The fast path for the commonest field: a key (`true` if revised) whose tag and length are
    /// one byte each and which is in the buffer whole, as [`Self::embedded`] would give it;
    /// `None`, consuming nothing, for anything else.
    #[inline(always)]
    fn short_key(&mut self) -> Option<(bool, &[u8])> {
        const KEYS_TAG: u8 = (KEYS as u8) << 3 | LENGTH_DELIMITED;
        const REVISED_KEYS_TAG: u8 = (REVISED_KEYS as u8) << 3 | LENGTH_DELIMITED;
        let (&[tag, length], rest) = self.buffer[self.position..self.end].split_first_chunk()?;
        let revised = match tag {
            KEYS_TAG => false,
            REVISED_KEYS_TAG => true,
            _ => return None,
        };
        let length = usize::from(length);
        if length >= 0x80 || rest.len() < length {
            return None;
        }
        self.position += 2 + length;
        Some((revised, &rest[..length]))
    }

    /// A varint, or `None` when the input ends before it starts.
    fn varint_or_end(&mut self) -> Result<Option<u64>, Fault> {
        if self.available() == 0 && self.fill(1)? == 0 {
            return Ok(None);
        }
        self.varint().map(Some)
    }

    /// A varint that must be there.
    fn varint(&mut self) -> Result<u64, Fault> {
        if self.available() < MAX_VARINT_BYTES {
            self.fill(MAX_VARINT_BYTES)?;
        }
        let unread = &self.buffer[self.position..self.end];
        match decode_varint(unread, &mut 0) {
            Ok((value, length)) => {
                self.position += length;
                Ok(value)
            }
            // Fewer than 10 bytes were left, so the input ended inside the varint.
            Err(ExportProblem::TruncatedKeyMessage) => {
                Err(Fault::Problem(ExportProblem::Truncated))
            }
            Err(problem) => Err(Fault::Problem(problem)),
        }
    }

    fn fixed64(&mut self) -> Result<u64, Fault> {
        self.require(8)?;
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&self.buffer[self.position..self.position + 8]);
        self.position += 8;
        Ok(u64::from_le_bytes(bytes))
    }

    /// Consumes `length` bytes, reading (and hashing) them as it goes.
    fn skip(&mut self, mut length: u64) -> Result<(), Fault> {
        loop {
            let step = usize::try_from(length)
                .unwrap_or(usize::MAX)
                .min(self.available());
            self.position += step;
            length -= step as u64;
            if length == 0 {
                return Ok(());
            }
            if !self.refill()? {
                return Err(Fault::Problem(ExportProblem::Truncated));
            }
        }
    }

    /// The contents of a length-delimited field that is read whole (a key, the region, a
    /// `SignatureInfo`): at most [`MAX_EMBEDDED_MESSAGE_BYTES`], borrowed from the buffer.
    fn embedded(&mut self, field: u32) -> Result<&[u8], Fault> {
        let length = self.varint()?;
        if length > MAX_EMBEDDED_MESSAGE_BYTES as u64 {
            return Err(Fault::Problem(ExportProblem::FieldTooLong {
                field,
                length,
            }));
        }
        // Within MAX_EMBEDDED_MESSAGE_BYTES, so it fits usize.
        let length = length as usize;
        self.require(length)?;
        let start = self.position;
        self.position += length;
        Ok(&self.buffer[start..start + length])
    }
}

fn malformed(offset: u64, problem: ExportProblem) -> Error {
    Error::MalformedExport { offset, problem }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::ExportKeyProblem;
    use crate::{IntervalNumber, ReportType};

    fn export_bin(body: &[u8]) -> Vec<u8> {
        let mut bytes = EXPORT_HEADER.to_vec();
        bytes.extend_from_slice(body);
        bytes
    }

    fn read_all(bytes: &[u8]) -> Result<(Vec<ExportKey>, ExportSummary)> {
        let mut reader = ExportReader::new(bytes)?;
        let mut keys = Vec::new();
        while let Some(key) = reader.next_key()? {
            keys.push(key);
        }
        Ok((keys, reader.finish()?))
    }

    /// A reader that hands out one byte per call, to exercise every refill path.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some((&first, rest)) = self.0.split_first() else {
                return Ok(0);
            };
            if buf.is_empty() {
                return Ok(0);
            }
            buf[0] = first;
            self.0 = rest;
            Ok(1)
        }
    }

    fn key_message(fields: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0x3a, fields.len() as u8];
        bytes.extend_from_slice(fields);
        bytes
    }

    const KEY_FIELD: [u8; 18] = [
        0x0a, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    ];

    #[test]
    fn a_key_without_optional_fields_takes_the_proto_defaults() {
        let (keys, summary) = read_all(&export_bin(&key_message(&KEY_FIELD))).unwrap();
        assert_eq!(keys.len(), 1);
        let key = &keys[0];
        assert_eq!(key.key.rolling_period, 144);
        assert_eq!(key.key.rolling_start, IntervalNumber::new(0));
        assert_eq!(key.key.report_type, ReportType::Unknown);
        assert_eq!(key.key.days_since_onset, None);
        assert_eq!(key.transmission_risk_level, None);
        assert!(!key.revised);
        assert_eq!(summary.key_count, 1);
        assert_eq!(summary.header, ExportHeader::default());
    }

    #[test]
    fn header_fields_after_the_keys_are_read_too() {
        let mut body = key_message(&KEY_FIELD);
        body.extend_from_slice(&[0x1a, 2, b'J', b'P', 0x20, 3, 0x28, 4]);
        body.push(0x09);
        body.extend_from_slice(&7u64.to_le_bytes());
        let (_, summary) = read_all(&export_bin(&body)).unwrap();
        assert_eq!(summary.header.region, "JP");
        assert_eq!(summary.header.batch_num, 3);
        assert_eq!(summary.header.batch_size, 4);
        assert_eq!(summary.header.start_timestamp, 7);
    }

    #[test]
    fn revised_keys_are_yielded_and_counted_apart() {
        let mut body = key_message(&KEY_FIELD);
        let mut revised = key_message(&KEY_FIELD);
        revised[0] = 0x42; // field 8, length-delimited
        body.extend_from_slice(&revised);
        let (keys, summary) = read_all(&export_bin(&body)).unwrap();
        assert_eq!(
            keys.iter().map(|key| key.revised).collect::<Vec<_>>(),
            [false, true]
        );
        assert_eq!((summary.key_count, summary.revised_key_count), (1, 1));
    }

    #[test]
    fn unknown_fields_are_skipped_and_hashed() {
        let mut body = vec![0x4a, 3, 1, 2, 3]; // field 9, length-delimited
        body.extend_from_slice(&[0x50, 0x96, 0x01]); // field 10, varint
        body.extend_from_slice(&[0x5d, 1, 2, 3, 4]); // field 11, fixed32
        body.extend_from_slice(&[0x61, 1, 2, 3, 4, 5, 6, 7, 8]); // field 12, fixed64
        body.extend_from_slice(&key_message(&KEY_FIELD));
        let bytes = export_bin(&body);
        let (keys, summary) = read_all(&bytes).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(summary.size, bytes.len() as u64);
        assert_eq!(summary.digest, <[u8; 32]>::from(Sha256::digest(&bytes)));
    }

    #[test]
    fn a_key_with_a_long_length_varint_reads_as_the_short_form() {
        // `0x9a 0x00` is 26 as a two-byte varint: the general path reads it, and the one-byte
        // fast path gives the same key and counts.
        let fields = [
            &KEY_FIELD[..],
            &[0x18, 0xe0, 0xc3, 0xa3, 0x01, 0x20, 0x90, 0x01],
        ]
        .concat();
        assert_eq!(fields.len(), 0x1a);
        let short = export_bin(&[key_message(&fields), key_message(&fields)].concat());
        let mut long_body = vec![0x3a, 0x9a, 0x00];
        long_body.extend_from_slice(&fields);
        long_body.extend_from_slice(&key_message(&fields));
        let long = export_bin(&long_body);
        let (short_keys, short_summary) = read_all(&short).unwrap();
        let (long_keys, long_summary) = read_all(&long).unwrap();
        assert_eq!(short_keys, long_keys);
        assert_eq!(
            short_keys[0].key.rolling_start,
            IntervalNumber::new(2_679_264)
        );
        assert_eq!((short_summary.key_count, long_summary.key_count), (2, 2));
    }

    #[test]
    fn one_byte_reads_give_the_same_result() {
        let mut body = vec![0x4a, 3, 1, 2, 3];
        for _ in 0..3 {
            body.extend_from_slice(&key_message(
                &[
                    &KEY_FIELD[..],
                    &[0x18, 0xe0, 0xc3, 0xa3, 0x01, 0x20, 0x90, 0x01],
                ]
                .concat(),
            ));
        }
        body.extend_from_slice(&[0x1a, 2, b'D', b'E']);
        let bytes = export_bin(&body);
        let expected = read_all(&bytes).unwrap();
        let mut reader = ExportReader::new(Trickle(&bytes)).unwrap();
        let keys: Vec<ExportKey> = reader.by_ref().collect::<Result<_>>().unwrap();
        assert_eq!((keys, reader.finish().unwrap()), expected);
    }

    #[test]
    fn malformed_bytes_are_named() {
        let cases: Vec<(Vec<u8>, ExportProblem)> = vec![
            (b"EK Export v2    ".to_vec(), ExportProblem::WrongHeader),
            (b"PK\x03\x04".to_vec(), ExportProblem::WrongHeader),
            (b"EK Export".to_vec(), ExportProblem::Truncated),
            (export_bin(&[0x3a]), ExportProblem::Truncated),
            (export_bin(&[0x3a, 20, 0x0a]), ExportProblem::Truncated),
            (export_bin(&[0x09, 1, 2, 3]), ExportProblem::Truncated),
            (export_bin(&[0xb8]), ExportProblem::Truncated), // mid-varint tag
            (export_bin(&[0x4a, 0x05, 1]), ExportProblem::Truncated), // skipped field cut short
            (export_bin(&[0x4b]), ExportProblem::UnsupportedWireType(3)),
            (export_bin(&[0x4e]), ExportProblem::UnsupportedWireType(6)),
            (
                export_bin(&[0x38, 1]),
                ExportProblem::WrongWireType {
                    field: 7,
                    wire_type: 0,
                },
            ),
            (export_bin(&[0x00]), ExportProblem::InvalidTag),
            (
                export_bin(&[
                    0x50, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
                ]),
                ExportProblem::InvalidVarint,
            ),
            (
                export_bin(&[0x3a, 0x81, 0x40]),
                ExportProblem::FieldTooLong {
                    field: 7,
                    length: 8193,
                },
            ),
            (export_bin(&[0x1a, 1, 0xff]), ExportProblem::InvalidRegion),
            (
                export_bin(&[0x32, 2, 0x1a, 5]),
                ExportProblem::InvalidSignatureInfo,
            ),
            (
                export_bin(&key_message(&[0x0a, 20, 1])),
                ExportProblem::TruncatedKeyMessage,
            ),
            (
                export_bin(&key_message(&[0x18])),
                ExportProblem::TruncatedKeyMessage,
            ),
            (
                export_bin(&key_message(&[0x1d, 0, 0, 0, 0])),
                ExportProblem::WrongWireType {
                    field: 3,
                    wire_type: 5,
                },
            ),
            (
                export_bin(&key_message(&[0x4f])),
                ExportProblem::UnsupportedWireType(7),
            ),
        ];
        let mut cases = cases;
        cases.push((
            export_bin(&[0x32, 0x00].repeat(MAX_SIGNATURE_INFOS + 1)),
            ExportProblem::TooManySignatureInfos,
        ));
        for (bytes, expected) in cases {
            let problem = match read_all(&bytes) {
                Err(Error::MalformedExport { problem, .. }) => problem,
                other => panic!("{bytes:02x?}: expected {expected:?}, got {other:?}"),
            };
            assert_eq!(problem, expected, "{bytes:02x?}");
        }
    }

    #[test]
    fn invalid_keys_are_named_with_their_position() {
        let cases: Vec<(Vec<u8>, ExportKeyProblem)> = vec![
            (vec![0x0a, 2, 1, 2], ExportKeyProblem::KeyLength(2)),
            (vec![0x10, 1], ExportKeyProblem::KeyLength(0)),
            (
                [&KEY_FIELD[..], &[0x20, 0]].concat(),
                ExportKeyProblem::RollingPeriod(0),
            ),
            (
                [&KEY_FIELD[..], &[0x20, 145, 1]].concat(),
                ExportKeyProblem::RollingPeriod(145),
            ),
            (
                [
                    &KEY_FIELD[..],
                    &[
                        0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
                    ],
                ]
                .concat(),
                ExportKeyProblem::RollingPeriod(-1),
            ),
            (
                [
                    &KEY_FIELD[..],
                    &[
                        0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
                    ],
                ]
                .concat(),
                ExportKeyProblem::NegativeRollingStart,
            ),
            (
                [&KEY_FIELD[..], &[0x28, 6]].concat(),
                ExportKeyProblem::UnknownReportType(6),
            ),
        ];
        for (fields, expected) in cases {
            let mut body = key_message(&KEY_FIELD);
            body.extend_from_slice(&key_message(&fields));
            match read_all(&export_bin(&body)) {
                Err(Error::InvalidExportKey { position, problem }) => {
                    assert_eq!(problem, expected);
                    assert_eq!(
                        position,
                        ExportKeyPosition {
                            number: 2,
                            revised: false
                        }
                    );
                }
                other => panic!("expected {expected:?}, got {other:?}"),
            }
        }
    }

    #[test]
    fn error_messages_do_not_contain_key_bytes() {
        let mut fields = vec![0x0a, 17];
        fields.extend_from_slice(&[0xab; 17]);
        let error = read_all(&export_bin(&key_message(&fields))).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("key 1"), "{message}");
        assert!(!message.to_lowercase().contains("ab"), "{message}");
    }

    #[test]
    fn a_spent_reader_keeps_failing() {
        let bytes = export_bin(&[0x4b]);
        let mut reader = ExportReader::new(&bytes[..]).unwrap();
        assert!(reader.next_key().is_err());
        assert!(matches!(
            reader.next_key(),
            Err(Error::MalformedExport {
                problem: ExportProblem::AfterError,
                ..
            })
        ));
        assert!(reader.next().is_none());
        assert!(reader.finish().is_err());
    }

    #[test]
    fn an_oversized_export_bin_is_refused_while_streaming() {
        // A header and one unknown field declared longer than the limit, fed as zeros.
        let mut head = EXPORT_HEADER.to_vec();
        head.push(0x4a);
        prost::encoding::encode_varint(MAX_EXPORT_BIN_BYTES, &mut head);
        let input = head.as_slice().chain(io::repeat(0));
        let mut reader = ExportReader::new(input).unwrap();
        assert!(matches!(
            reader.next_key(),
            Err(Error::ExportTooLarge {
                what: "export.bin",
                ..
            })
        ));
    }
}
