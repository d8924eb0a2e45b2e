//! The validation rules of a publish request (exposure-notifications-server v1), as a pure
//! function of the request and the time.
//!
//! | rule | refusal code |
//! |------|--------------|
//! | 1 to [`MAX_KEYS_PER_PUBLISH`] keys | `too_many_keys` / `missing_keys` |
//! | a key is base64 of 16 bytes | `bad_key` |
//! | rolling period 1..=144 | `bad_rolling_period` |
//! | transmission risk 0..=8 | `bad_transmission_risk` |
//! | no key starting before UTC midnight [`MAX_KEY_AGE_DAYS`] days ago | `key_too_old` |
//! | no key starting after the current interval | `key_in_future` |
//! | at most [`MAX_KEYS_PER_START_INTERVAL`] keys a start interval | `too_many_keys_per_interval` |
//!
//! Duplicate keys within a request are ignored (the first is kept), as are keys already stored.
//! Any broken rule refuses the whole request, and nothing is stored.

use mimamori_api::v1::{
    ExposureKey, MAX_KEY_AGE_DAYS, MAX_KEYS_PER_PUBLISH, MAX_KEYS_PER_START_INTERVAL,
    MAX_TRANSMISSION_RISK,
};
use mimamori_gaen::ids::{IntervalNumber, TEK_ROLLING_PERIOD};
/// Days from symptom onset beyond which the export files do not carry the number (GAEN's
/// `days_since_onset_of_symptoms` range is -14..=14; core's constant).
pub use mimamori_gaen::risk::MAX_DAYS_SINCE_ONSET;

use crate::storage::StoredExposure;

/// Why a publish request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublishProblem {
    /// The request has no keys.
    MissingKeys,
    /// More than [`MAX_KEYS_PER_PUBLISH`] keys.
    TooManyKeys,
    /// A key is not base64 of 16 bytes.
    BadKey,
    /// A rolling period outside 1..=144.
    BadRollingPeriod,
    /// A transmission risk outside 0..=8.
    BadTransmissionRisk,
    /// A key older than [`MAX_KEY_AGE_DAYS`] days.
    KeyTooOld,
    /// A key starting in the future.
    KeyInFuture,
    /// More than [`MAX_KEYS_PER_START_INTERVAL`] keys with one start interval.
    TooManyKeysPerInterval,
}

impl PublishProblem {
    /// The machine-readable code in [`mimamori_api::v1::PublishResponse::code`].
    pub const fn code(self) -> &'static str {
        match self {
            PublishProblem::MissingKeys => "missing_keys",
            PublishProblem::TooManyKeys => "too_many_keys",
            PublishProblem::BadKey => "bad_key",
            PublishProblem::BadRollingPeriod => "bad_rolling_period",
            PublishProblem::BadTransmissionRisk => "bad_transmission_risk",
            PublishProblem::KeyTooOld => "key_too_old",
            PublishProblem::KeyInFuture => "key_in_future",
            PublishProblem::TooManyKeysPerInterval => "too_many_keys_per_interval",
        }
    }

    /// What was wrong, for [`mimamori_api::v1::PublishResponse::error`].
    pub fn message(self) -> String {
        match self {
            PublishProblem::MissingKeys => "the request has no temporaryExposureKeys".into(),
            PublishProblem::TooManyKeys => {
                format!("a request may carry at most {MAX_KEYS_PER_PUBLISH} keys")
            }
            PublishProblem::BadKey => "a key is not the base64 of 16 bytes".into(),
            PublishProblem::BadRollingPeriod => {
                format!("a rollingPeriod is outside 1..={TEK_ROLLING_PERIOD}")
            }
            PublishProblem::BadTransmissionRisk => {
                format!("a transmissionRisk is outside 0..={MAX_TRANSMISSION_RISK}")
            }
            PublishProblem::KeyTooOld => {
                format!("a key is older than {MAX_KEY_AGE_DAYS} days")
            }
            PublishProblem::KeyInFuture => "a key starts in the future".into(),
            PublishProblem::TooManyKeysPerInterval => {
                format!("at most {MAX_KEYS_PER_START_INTERVAL} keys may share a rollingStartNumber")
            }
        }
    }
}

/// Checks the keys of a request at time `now` and turns them into what is stored: deduplicated,
/// with report type and days since onset, and held back (`available_at`) until the end of their
/// validity.
pub fn validate_keys(
    keys: &[ExposureKey],
    now: i64,
    report_type: i32,
    symptom_onset_interval: Option<u32>,
) -> Result<Vec<StoredExposure>, PublishProblem> {
    if keys.is_empty() {
        return Err(PublishProblem::MissingKeys);
    }
    if keys.len() > MAX_KEYS_PER_PUBLISH {
        return Err(PublishProblem::TooManyKeys);
    }
    let now_interval = IntervalNumber::from_unix_seconds(u64::try_from(now).unwrap_or(0));
    let oldest_start = now_interval
        .rolling_start()
        .saturating_sub(MAX_KEY_AGE_DAYS * TEK_ROLLING_PERIOD);
    let mut accepted: Vec<StoredExposure> = Vec::with_capacity(keys.len());
    for key in keys {
        let bytes = key
            .temporary_exposure_key()
            .map_err(|_| PublishProblem::BadKey)?;
        if !(1..=TEK_ROLLING_PERIOD).contains(&key.rolling_period) {
            return Err(PublishProblem::BadRollingPeriod);
        }
        if !(0..=MAX_TRANSMISSION_RISK).contains(&key.transmission_risk) {
            return Err(PublishProblem::BadTransmissionRisk);
        }
        let start = IntervalNumber::new(key.rolling_start_number);
        if start < oldest_start {
            return Err(PublishProblem::KeyTooOld);
        }
        if start > now_interval {
            return Err(PublishProblem::KeyInFuture);
        }
        let key_bytes = *bytes.as_bytes();
        if accepted.iter().any(|stored| stored.key == key_bytes) {
            continue;
        }
        let end = i64::try_from(start.saturating_add(key.rolling_period).unix_seconds())
            .unwrap_or(i64::MAX);
        let days_since_onset = symptom_onset_interval.and_then(|onset| {
            i32::try_from(start.days_since(IntervalNumber::new(onset)))
                .ok()
                .filter(|days| days.abs() <= MAX_DAYS_SINCE_ONSET)
        });
        accepted.push(StoredExposure {
            key: key_bytes,
            rolling_start: key.rolling_start_number,
            rolling_period: key.rolling_period,
            transmission_risk: key.transmission_risk,
            report_type,
            days_since_onset,
            available_at: end.max(now),
        });
    }
    let mut starts: Vec<u32> = accepted.iter().map(|key| key.rolling_start).collect();
    starts.sort_unstable();
    if starts
        .windows(MAX_KEYS_PER_START_INTERVAL + 1)
        .any(|window| window[0] == window[MAX_KEYS_PER_START_INTERVAL])
    {
        return Err(PublishProblem::TooManyKeysPerInterval);
    }
    Ok(accepted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mimamori_gaen::{IntervalNumber, TemporaryExposureKey};

    /// 2026-11-20 12:00 UTC.
    const NOW: i64 = 1_795_176_000;
    const TODAY: u32 = (NOW / 600 / 144 * 144) as u32;

    fn key(byte: u8, start: u32) -> ExposureKey {
        ExposureKey::new(
            &TemporaryExposureKey::from_bytes([byte; 16]),
            IntervalNumber::new(start),
            144,
            0,
        )
        .unwrap()
    }

    #[test]
    fn a_good_request_is_held_back_until_keys_expire() {
        let keys = [key(1, TODAY - 144), key(2, TODAY)];
        let stored = validate_keys(&keys, NOW, 1, Some(TODAY - 288)).unwrap();
        assert_eq!(stored.len(), 2);
        assert_eq!(
            stored[0].available_at, NOW,
            "an expired key is available now"
        );
        assert_eq!(
            stored[1].available_at,
            i64::from(TODAY + 144) * 600,
            "today's key is held back until midnight"
        );
        assert_eq!(stored[0].days_since_onset, Some(1));
        assert_eq!(stored[1].days_since_onset, Some(2));
        assert_eq!(stored[0].report_type, 1);
    }

    #[test]
    fn a_key_released_the_same_day_is_held_back_only_until_its_cut_end() {
        // Released at 09:05 with its rolling period cut after interval 54 of the day (GAEN's
        // same-day release, docs/adr/0002): available from 09:10, not from midnight.
        let mut released = key(3, TODAY);
        released.rolling_period = 55;
        let stored = validate_keys(&[released], NOW - 3 * 3_600 + 300, 1, None).unwrap();
        assert_eq!(stored[0].rolling_period, 55);
        assert_eq!(stored[0].available_at, i64::from(TODAY + 55) * 600);
    }

    #[test]
    fn every_rule_has_its_refusal() {
        let check = |keys: Vec<ExposureKey>| validate_keys(&keys, NOW, 1, None).unwrap_err();
        assert_eq!(check(vec![]), PublishProblem::MissingKeys);
        assert_eq!(
            check((0..31).map(|i| key(i, TODAY - 144)).collect()),
            PublishProblem::TooManyKeys
        );
        let mut bad = key(1, TODAY);
        bad.key = "AAAA".into();
        assert_eq!(check(vec![bad]), PublishProblem::BadKey);
        let mut bad = key(1, TODAY);
        bad.rolling_period = 0;
        assert_eq!(check(vec![bad.clone()]), PublishProblem::BadRollingPeriod);
        bad.rolling_period = 145;
        assert_eq!(check(vec![bad]), PublishProblem::BadRollingPeriod);
        let mut bad = key(1, TODAY);
        bad.transmission_risk = 9;
        assert_eq!(check(vec![bad]), PublishProblem::BadTransmissionRisk);
        assert_eq!(
            check(vec![key(1, TODAY - 16 * 144)]),
            PublishProblem::KeyTooOld
        );
        assert!(validate_keys(&[key(1, TODAY - 15 * 144)], NOW, 1, None).is_ok());
        assert_eq!(
            check(vec![key(1, (NOW / 600) as u32 + 1)]),
            PublishProblem::KeyInFuture
        );
        assert_eq!(
            check((0..4).map(|i| key(i, TODAY - 144)).collect()),
            PublishProblem::TooManyKeysPerInterval
        );
        assert!(
            validate_keys(
                &(0..3).map(|i| key(i, TODAY - 144)).collect::<Vec<_>>(),
                NOW,
                1,
                None
            )
            .is_ok()
        );
    }

    #[test]
    fn duplicates_are_ignored_not_refused() {
        let keys = [
            key(1, TODAY - 144),
            key(1, TODAY - 144),
            key(1, TODAY - 144),
            key(1, TODAY - 144),
        ];
        let stored = validate_keys(&keys, NOW, 1, None).unwrap();
        assert_eq!(stored.len(), 1);
    }
}
