//! Protobuf decoding by hand for the hot path: varints, tags, and the small
//! `TemporaryExposureKey` message, without allocating. A test checks it against prost.

use super::{DEFAULT_ROLLING_PERIOD, ExportKey, ExportKeyProblem, ExportProblem};
use crate::ids::{KEY_LENGTH, TEK_ROLLING_PERIOD};
use crate::{DiagnosisKey, IntervalNumber, ReportType, TemporaryExposureKey};

/// The largest protobuf field number (2^29 - 1).
const MAX_FIELD_NUMBER: u64 = (1 << 29) - 1;

/// Protobuf wire types.
pub(super) const VARINT: u8 = 0;
pub(super) const FIXED64: u8 = 1;
pub(super) const LENGTH_DELIMITED: u8 = 2;
pub(super) const FIXED32: u8 = 5;

/// The longest varint: 10 bytes carry 64 bits.
pub(super) const MAX_VARINT_BYTES: usize = 10;

/// Decodes a varint at `bytes[*position..]`, as prost does: at most 10 bytes, the tenth at most 1.
/// Returns the value and its length and advances `position`. Running out of bytes is
/// [`ExportProblem::TruncatedKeyMessage`].
#[inline(always)]
pub(super) fn decode_varint(
    bytes: &[u8],
    position: &mut usize,
) -> Result<(u64, usize), ExportProblem> {
    let start = *position;
    // Most varints in an export file are one byte long (tags, lengths, small values).
    if let Some(&byte) = bytes.get(start)
        && byte < 0x80
    {
        *position = start + 1;
        return Ok((u64::from(byte), 1));
    }
    let mut value = 0u64;
    for index in 0..MAX_VARINT_BYTES {
        let Some(&byte) = bytes.get(start + index) else {
            return Err(ExportProblem::TruncatedKeyMessage);
        };
        if index == MAX_VARINT_BYTES - 1 && byte > 1 {
            return Err(ExportProblem::InvalidVarint);
        }
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte < 0x80 {
            *position = start + index + 1;
            return Ok((value, index + 1));
        }
    }
    Err(ExportProblem::InvalidVarint)
}

/// Splits a tag into field number and wire type.
#[inline]
pub(super) fn split_tag(tag: u64) -> Result<(u32, u8), ExportProblem> {
    let field = tag >> 3;
    if field == 0 || field > MAX_FIELD_NUMBER {
        return Err(ExportProblem::InvalidTag);
    }
    // Both fit: field <= 2^29 - 1 and the wire type is 3 bits.
    Ok((field as u32, (tag & 7) as u8))
}

/// The fields of a `TemporaryExposureKey` message, before the rules are checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct RawKey {
    key_data: [u8; KEY_LENGTH],
    key_length: usize,
    transmission_risk_level: Option<i32>,
    rolling_start: i32,
    rolling_period: i32,
    report_type: i32,
    days_since_onset: Option<i32>,
}

impl RawKey {
    #[inline(always)]
    pub(super) fn into_export_key(self, revised: bool) -> Result<ExportKey, ExportKeyProblem> {
        if self.key_length != KEY_LENGTH {
            return Err(ExportKeyProblem::KeyLength(self.key_length));
        }
        let rolling_start = u32::try_from(self.rolling_start)
            .map_err(|_| ExportKeyProblem::NegativeRollingStart)?;
        let rolling_period = u32::try_from(self.rolling_period)
            .ok()
            .filter(|period| (1..=TEK_ROLLING_PERIOD).contains(period))
            .ok_or(ExportKeyProblem::RollingPeriod(self.rolling_period))?;
        let report_type = ReportType::try_from(self.report_type)
            .map_err(|_| ExportKeyProblem::UnknownReportType(self.report_type))?;
        Ok(ExportKey {
            key: DiagnosisKey {
                key: TemporaryExposureKey::from_bytes(self.key_data),
                rolling_start: IntervalNumber::new(rolling_start),
                rolling_period,
                report_type,
                days_since_onset: self.days_since_onset,
            },
            transmission_risk_level: self.transmission_risk_level,
            revised,
        })
    }
}

/// Decodes a `TemporaryExposureKey` message by hand: no allocation, same results as prost (a test
/// compares them). Unknown fields are skipped; known fields with another wire type are refused.
#[inline(always)]
pub(super) fn decode_key_message(message: &[u8]) -> Result<RawKey, ExportProblem> {
    match decode_in_order(message) {
        Some(key) => Ok(key),
        None => decode_any_order(message),
    }
}

/// The fields before any is read: proto3 defaults, and GAEN's default rolling period.
const UNSET: RawKey = RawKey {
    key_data: [0; KEY_LENGTH],
    key_length: 0,
    transmission_risk_level: None,
    rolling_start: 0,
    rolling_period: DEFAULT_ROLLING_PERIOD as i32,
    report_type: 0,
    days_since_onset: None,
};

/// Tags (field number and wire type in one byte) of the key message's fields after the key data.
const TRANSMISSION_RISK_LEVEL_TAG: u8 = 2 << 3 | VARINT;
const ROLLING_START_TAG: u8 = 3 << 3 | VARINT;
const ROLLING_PERIOD_TAG: u8 = 4 << 3 | VARINT;
const REPORT_TYPE_TAG: u8 = 5 << 3 | VARINT;
const DAYS_SINCE_ONSET_TAG: u8 = 6 << 3 | VARINT;
const VARIANT_OF_CONCERN_TAG: u8 = 8 << 3 | VARINT;

/// The fast path for the layout that export writers produce (prost, the Google server, CWA):
/// 16 bytes of key data first, then the other fields in number order, each at most once.
/// `None` for anything else, and for anything wrong, which [`decode_any_order`] then decodes or
/// names; where both decode a message they give the same key (a test compares them).
#[inline(always)]
fn decode_in_order(message: &[u8]) -> Option<RawKey> {
    let (head, mut rest) = message.split_first_chunk::<{ 2 + KEY_LENGTH }>()?;
    let [tag, length, key_data @ ..] = head;
    if (*tag, *length) != (1 << 3 | LENGTH_DELIMITED, KEY_LENGTH as u8) {
        return None;
    }
    let mut key = RawKey {
        key_data: *key_data,
        key_length: KEY_LENGTH,
        ..UNSET
    };
    if let Some(value) = varint_field(&mut rest, TRANSMISSION_RISK_LEVEL_TAG)? {
        key.transmission_risk_level = Some(value as i32);
    }
    if let Some(value) = varint_field(&mut rest, ROLLING_START_TAG)? {
        key.rolling_start = value as i32;
    }
    if let Some(value) = varint_field(&mut rest, ROLLING_PERIOD_TAG)? {
        key.rolling_period = value as i32;
    }
    if let Some(value) = varint_field(&mut rest, REPORT_TYPE_TAG)? {
        key.report_type = value as i32;
    }
    if let Some(value) = varint_field(&mut rest, DAYS_SINCE_ONSET_TAG)? {
        key.days_since_onset = Some(zigzag32(value));
    }
    varint_field(&mut rest, VARIANT_OF_CONCERN_TAG)?;
    rest.is_empty().then_some(key)
}

/// The value of the varint field `tag` if `rest` starts with it (and then moves past it),
/// `Some(None)` if it starts with something else, `None` if the varint is bad.
#[inline(always)]
fn varint_field(rest: &mut &[u8], tag: u8) -> Option<Option<u64>> {
    match rest {
        [first, tail @ ..] if *first == tag => {
            let mut position = 0;
            let (value, _) = decode_varint(tail, &mut position).ok()?;
            *rest = &tail[position..];
            Some(Some(value))
        }
        _ => Some(None),
    }
}

/// A `sint32`: zigzag over the low 32 bits of the varint, as prost decodes it.
#[inline]
fn zigzag32(value: u64) -> i32 {
    let value = value as u32;
    (value >> 1) as i32 ^ -((value & 1) as i32)
}

/// The general decoder: fields in any order, repeated (the last wins), unknown ones skipped.
fn decode_any_order(message: &[u8]) -> Result<RawKey, ExportProblem> {
    let mut key = UNSET;
    let mut position = 0;
    while position < message.len() {
        let (tag, _) = decode_varint(message, &mut position)?;
        let (field, wire_type) = split_tag(tag)?;
        match (field, wire_type) {
            (1, LENGTH_DELIMITED) => {
                let (length, _) = decode_varint(message, &mut position)?;
                let data = take(message, &mut position, length)?;
                key.key_length = data.len();
                if let Ok(bytes) = <[u8; KEY_LENGTH]>::try_from(data) {
                    key.key_data = bytes;
                }
            }
            (2, VARINT) => {
                key.transmission_risk_level = Some(decode_varint(message, &mut position)?.0 as i32);
            }
            (3, VARINT) => key.rolling_start = decode_varint(message, &mut position)?.0 as i32,
            (4, VARINT) => key.rolling_period = decode_varint(message, &mut position)?.0 as i32,
            (5, VARINT) => key.report_type = decode_varint(message, &mut position)?.0 as i32,
            (6, VARINT) => {
                key.days_since_onset = Some(zigzag32(decode_varint(message, &mut position)?.0));
            }
            // variant_of_concern: read and not kept.
            (8, VARINT) => {
                decode_varint(message, &mut position)?;
            }
            (1..=6 | 8, _) => return Err(ExportProblem::WrongWireType { field, wire_type }),
            (_, VARINT) => {
                decode_varint(message, &mut position)?;
            }
            (_, FIXED64) => {
                take(message, &mut position, 8)?;
            }
            (_, FIXED32) => {
                take(message, &mut position, 4)?;
            }
            (_, LENGTH_DELIMITED) => {
                let (length, _) = decode_varint(message, &mut position)?;
                take(message, &mut position, length)?;
            }
            (_, other) => return Err(ExportProblem::UnsupportedWireType(other)),
        }
    }
    Ok(key)
}

/// `length` bytes of `message` from `position`, or a truncated key message.
#[inline]
fn take<'m>(
    message: &'m [u8],
    position: &mut usize,
    length: u64,
) -> Result<&'m [u8], ExportProblem> {
    let start = *position;
    let end = usize::try_from(length)
        .ok()
        .and_then(|length| start.checked_add(length))
        .filter(|&end| end <= message.len())
        .ok_or(ExportProblem::TruncatedKeyMessage)?;
    *position = end;
    Ok(&message[start..end])
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;
    use crate::export::proto;

    #[test]
    fn varints_decode_like_prost() {
        for value in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut encoded = Vec::new();
            prost::encoding::encode_varint(value, &mut encoded);
            let mut position = 0;
            assert_eq!(
                decode_varint(&encoded, &mut position),
                Ok((value, encoded.len()))
            );
            assert_eq!(position, encoded.len());
        }
        let mut position = 0;
        assert_eq!(
            decode_varint(&[0xff; 10], &mut position),
            Err(ExportProblem::InvalidVarint)
        );
        assert_eq!(
            decode_varint(&[0x80, 0x80], &mut position),
            Err(ExportProblem::TruncatedKeyMessage)
        );
    }

    /// Every key message prost can decode decodes the same by hand, and vice versa.
    #[test]
    fn the_hand_decoder_agrees_with_prost() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut agreed = 0;
        let mut in_order = 0;
        for round in 0..20_000 {
            // Well-formed messages from prost, then random mutations of them.
            let message = proto::TemporaryExposureKey {
                key_data: (next() % 4 != 0).then(|| {
                    (0..if next() % 8 == 0 { next() % 20 } else { 16 })
                        .map(|_| next() as u8)
                        .collect()
                }),
                transmission_risk_level: (next() % 2 == 0).then(|| next() as i32 % 10),
                rolling_start_interval_number: (next() % 8 != 0).then(|| next() as i32),
                rolling_period: (next() % 2 == 0).then(|| (next() % 150) as i32 - 2),
                report_type: (next() % 2 == 0).then(|| (next() % 7) as i32 - 1),
                days_since_onset_of_symptoms: (next() % 2 == 0).then(|| next() as i32),
                variant_of_concern: (next() % 4 == 0).then(|| (next() % 5) as i32),
            };
            let mut bytes = message.encode_to_vec();
            if round % 2 == 1 && !bytes.is_empty() {
                for _ in 0..=next() % 3 {
                    let index = (next() as usize) % bytes.len();
                    bytes[index] = next() as u8;
                }
                if next() % 4 == 0 {
                    bytes.truncate((next() as usize) % bytes.len());
                }
            }
            let by_hand = decode_key_message(&bytes);
            // The fast path, where it applies, gives exactly what the general decoder gives.
            if let Some(fast) = decode_in_order(&bytes) {
                assert_eq!(Ok(fast), decode_any_order(&bytes), "{bytes:02x?}");
                in_order += 1;
            }
            let by_prost = proto::TemporaryExposureKey::decode(bytes.as_slice());
            match (by_hand, by_prost) {
                (Ok(raw), Ok(decoded)) => {
                    let data = decoded.key_data.clone().unwrap_or_default();
                    assert_eq!(raw.key_length, data.len());
                    if data.len() == KEY_LENGTH {
                        assert_eq!(raw.key_data[..], data[..]);
                    }
                    assert_eq!(raw.transmission_risk_level, decoded.transmission_risk_level);
                    assert_eq!(raw.rolling_start, decoded.rolling_start_interval_number());
                    assert_eq!(raw.rolling_period, decoded.rolling_period());
                    assert_eq!(raw.report_type, decoded.report_type());
                    assert_eq!(raw.days_since_onset, decoded.days_since_onset_of_symptoms);
                    agreed += 1;
                }
                (Err(_), Err(_)) => {}
                (hand, prost) => panic!("{bytes:02x?}: by hand {hand:?}, by prost {prost:?}"),
            }
        }
        assert!(agreed > 10_000, "{agreed}");
        assert!(in_order > 2_000, "{in_order}");
    }
}
