//! Exposure windows, built exactly as Google's Exposure Notification implementation builds them
//! (`KeyExposureEvaluator.findExposureWindows` in google/exposure-notifications-internals).
//!
//! For one matched diagnosis key, its sightings in time order become:
//!
//! - **Windows** of at most 30 minutes: a sighting 30 minutes or more after the current window's
//!   first sighting starts a new window. A window is dated to the UTC day of its first sighting and
//!   takes the sender's calibration confidence from that sighting's metadata.
//! - **Scan instances** within a window: consecutive sightings at most 25.5 s apart (1.5 × (4 s
//!   scan + 13 s extension)) form one. `typicalAttenuationDb` is the mean attenuation rounded half
//!   up (Java `Math.round`), `minAttenuationDb` the least; `secondsSinceLastScan` is taken from the
//!   instance's first sighting: 60 × min(5, minute(t) − minute(previous scan)), where minutes are
//!   whole minutes since the epoch and the previous scan is the device's, whoever it heard;
//!   120 s when no previous scan is known.
//!
//! The JSON form uses the Android API's field names, so windows exported from a real phone (or
//! COCOA's logs) can be scored by `mimamori risk`.

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::ids::CalibrationConfidence;

/// Longest span of one exposure window, in seconds (`maxExposureWindowDurationMinutes` = 30).
pub const MAX_WINDOW_SECONDS: u64 = 30 * 60;

/// Largest gap between two sightings of one scan instance, in tenths of a second: 1.5 × (4 s
/// scan + 13 s extension) = 25.5 s.
pub const SCAN_INSTANCE_GAP_DECISECONDS: u64 = 255;

/// `secondsSinceLastScan` is capped at this many minutes (`maxMinutesSinceLastScan`).
pub const MAX_MINUTES_SINCE_LAST_SCAN: u64 = 5;

/// `secondsSinceLastScan` when the previous scan is unknown (`defaultMinutesSinceLastScan` = 2).
pub const DEFAULT_SECONDS_SINCE_LAST_SCAN: u32 = 120;

/// Milliseconds in a day.
const MILLIS_PER_DAY: u64 = 86_400_000;

/// Declares an enum of the API whose variants are the integers 0, 1, 2, … in the order of their
/// declaration, with `TryFrom<i32>` (refusing any other number with [`Error::InvalidRiskInput`]
/// naming `$what`) and `From<enum> for i32`.
macro_rules! api_integers {
    (
        $(#[$attribute:meta])*
        pub enum $name:ident($what:literal) {
            $($(#[$variant_attribute:meta])* $variant:ident,)+
        }
    ) => {
        $(#[$attribute])*
        pub enum $name {
            $($(#[$variant_attribute])* $variant,)+
        }

        impl $name {
            /// Every variant, indexed by its API integer.
            const BY_INTEGER: &'static [Self] = &[$(Self::$variant),+];
        }

        impl TryFrom<i32> for $name {
            type Error = Error;

            #[inline]
            fn try_from(value: i32) -> Result<Self, Error> {
                usize::try_from(value)
                    .ok()
                    .and_then(|index| Self::BY_INTEGER.get(index))
                    .copied()
                    .ok_or_else(|| {
                        Error::InvalidRiskInput(format!(
                            concat!($what, " {} is not 0 to {}"),
                            value,
                            Self::BY_INTEGER.len() - 1
                        ))
                    })
            }
        }

        impl From<$name> for i32 {
            fn from(value: $name) -> Self {
                value as i32
            }
        }
    };
}

api_integers! {
    /// The kind of diagnosis behind a key (Android `ReportType`; the integer values are the API's).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(try_from = "i32", into = "i32")]
    pub enum ReportType("report type") {
        /// 0: not known; replaced by the configured default before scoring.
        Unknown,
        /// 1: confirmed by a test.
        ConfirmedTest,
        /// 2: confirmed by a clinical diagnosis.
        ConfirmedClinicalDiagnosis,
        /// 3: reported by the person themself.
        SelfReport,
        /// 4: recursive (contact of a case).
        Recursive,
        /// 5: revoked; never scored.
        Revoked,
    }
}

api_integers! {
    /// How infectious the positive person was on the day (Android `Infectiousness`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(try_from = "i32", into = "i32")]
    pub enum Infectiousness("infectiousness") {
        /// 0: not infectious; such windows score zero.
        None,
        /// 1: standard.
        Standard,
        /// 2: high.
        High,
    }
}

/// One scan's worth of a key's sightings in a window (Android `ScanInstance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScanInstance {
    /// The least attenuation of the instance's sightings, in dB.
    pub min_attenuation_db: u32,
    /// The mean attenuation, rounded half up, in dB.
    pub typical_attenuation_db: u32,
    /// Seconds since the device's previous scan, 0 to 300 (see the module docs).
    pub seconds_since_last_scan: u32,
}

/// Up to 30 minutes of sightings of one diagnosis key (Android `ExposureWindow`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposureWindow {
    /// The UTC day of the window's first sighting, as milliseconds since the epoch at its
    /// midnight.
    pub date_millis_since_epoch: u64,
    /// The diagnosis behind the key.
    pub report_type: ReportType,
    /// The positive person's infectiousness on the key's day.
    pub infectiousness: Infectiousness,
    /// The sender's calibration confidence, 0 to 3.
    #[serde(with = "confidence_as_integer")]
    pub calibration_confidence: CalibrationConfidence,
    /// The scan instances, in time order.
    pub scan_instances: Vec<ScanInstance>,
}

mod confidence_as_integer {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::ids::CalibrationConfidence;

    pub(super) fn serialize<S: Serializer>(
        value: &CalibrationConfidence,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(value.value())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<CalibrationConfidence, D::Error> {
        CalibrationConfidence::new(u8::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

impl ExposureWindow {
    /// The UTC day of the window.
    pub fn date(&self) -> time::Date {
        crate::ids::IntervalNumber::from_unix_seconds(self.date_millis_since_epoch / 1000)
            .utc_date()
    }

    /// The sum of the scan instances' `secondsSinceLastScan`.
    pub fn seconds_since_last_scan_sum(&self) -> u64 {
        self.scan_instances
            .iter()
            .map(|scan| u64::from(scan.seconds_since_last_scan))
            .sum()
    }
}

/// One sighting of a matched key, ready for windowing: already matched, decrypted, checked for a
/// plausible TX power, and turned into an attenuation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySighting {
    /// When it was heard, in Unix seconds.
    pub seen_at: u64,
    /// `max(TX power − calibrated RSSI, 0)`, in dB.
    pub attenuation_db: u32,
    /// The sender's calibration confidence from the decrypted metadata.
    pub calibration_confidence: CalibrationConfidence,
    /// When the device's previous scan ended, in Unix seconds, if known.
    pub previous_scan_at: Option<u64>,
}

/// Builds a key's exposure windows from its sightings (any order; they are sorted by time).
pub fn exposure_windows(
    sightings: &[KeySighting],
    report_type: ReportType,
    infectiousness: Infectiousness,
) -> Vec<ExposureWindow> {
    let mut sorted = sightings.to_vec();
    sorted.sort_by_key(|sighting| sighting.seen_at);

    let mut windows = Vec::new();
    let mut current: Option<WindowBuilder> = None;
    let mut previous_sighting_at: Option<u64> = None;
    for sighting in &sorted {
        let window = match &mut current {
            Some(window) if sighting.seen_at - window.started_at < MAX_WINDOW_SECONDS => window,
            _ => {
                windows.extend(
                    current
                        .take()
                        .map(|window| window.finish(report_type, infectiousness)),
                );
                current.insert(WindowBuilder::new(sighting))
            }
        };
        let continues_instance = previous_sighting_at.is_some_and(|previous| {
            (sighting.seen_at - previous) * 10 <= SCAN_INSTANCE_GAP_DECISECONDS
        });
        match window.instances.last_mut() {
            Some(instance) if continues_instance => {
                instance.attenuations.push(sighting.attenuation_db)
            }
            _ => window.instances.push(InstanceBuilder {
                attenuations: vec![sighting.attenuation_db],
                seconds_since_last_scan: seconds_since_last_scan(sighting),
            }),
        }
        previous_sighting_at = Some(sighting.seen_at);
    }
    windows.extend(current.map(|window| window.finish(report_type, infectiousness)));
    windows
}

/// 60 × min(5, minute(t) − minute(previous scan)); 120 when the previous scan is unknown.
fn seconds_since_last_scan(sighting: &KeySighting) -> u32 {
    match sighting.previous_scan_at {
        None => DEFAULT_SECONDS_SINCE_LAST_SCAN,
        Some(previous) => {
            let minutes = (sighting.seen_at / 60).saturating_sub(previous / 60);
            // At most 5 × 60 = 300, so the cast is lossless.
            (60 * minutes.min(MAX_MINUTES_SINCE_LAST_SCAN)) as u32
        }
    }
}

struct WindowBuilder {
    started_at: u64,
    calibration_confidence: CalibrationConfidence,
    instances: Vec<InstanceBuilder>,
}

struct InstanceBuilder {
    attenuations: Vec<u32>,
    seconds_since_last_scan: u32,
}

impl WindowBuilder {
    fn new(first: &KeySighting) -> Self {
        Self {
            started_at: first.seen_at,
            calibration_confidence: first.calibration_confidence,
            instances: Vec::new(),
        }
    }

    fn finish(self, report_type: ReportType, infectiousness: Infectiousness) -> ExposureWindow {
        ExposureWindow {
            date_millis_since_epoch: self.started_at / 86_400 * MILLIS_PER_DAY,
            report_type,
            infectiousness,
            calibration_confidence: self.calibration_confidence,
            scan_instances: self
                .instances
                .into_iter()
                .map(InstanceBuilder::finish)
                .collect(),
        }
    }
}

impl InstanceBuilder {
    fn finish(self) -> ScanInstance {
        let count = self.attenuations.len() as u64;
        let sum: u64 = self.attenuations.iter().map(|&a| u64::from(a)).sum();
        // Math.round(sum / count) = floor(sum / count + 1/2) = floor((2 sum + count) / (2 count)).
        let typical = (2 * sum + count) / (2 * count.max(1));
        ScanInstance {
            min_attenuation_db: self.attenuations.iter().copied().min().unwrap_or(0),
            typical_attenuation_db: u32::try_from(typical).unwrap_or(u32::MAX),
            seconds_since_last_scan: self.seconds_since_last_scan,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_integers_round_trip_and_others_are_refused() {
        for value in 0..=5 {
            assert_eq!(i32::from(ReportType::try_from(value).unwrap()), value);
        }
        assert_eq!(ReportType::try_from(5).unwrap(), ReportType::Revoked);
        assert_eq!(Infectiousness::try_from(2).unwrap(), Infectiousness::High);
        assert_eq!(i32::from(Infectiousness::Standard), 1);
        for (refused, message) in [
            (ReportType::try_from(6), "report type 6 is not 0 to 5"),
            (ReportType::try_from(-1), "report type -1 is not 0 to 5"),
        ] {
            assert!(refused.unwrap_err().to_string().contains(message));
        }
        let refused = Infectiousness::try_from(3).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("infectiousness 3 is not 0 to 2")
        );
    }

    /// 2020-04-02 00:00:00 UTC.
    const DAY: u64 = 1_585_785_600;

    fn sighting(seen_at: u64, attenuation_db: u32, previous_scan_at: Option<u64>) -> KeySighting {
        KeySighting {
            seen_at,
            attenuation_db,
            calibration_confidence: CalibrationConfidence::new(2).unwrap(),
            previous_scan_at,
        }
    }

    #[test]
    fn sightings_within_25_5_seconds_form_one_scan_instance() {
        let at = DAY + 3_600;
        let sightings = [
            sighting(at, 40, Some(at - 300)),
            sighting(at + 2, 43, Some(at - 300)),
            sighting(at + 27, 50, Some(at - 300)), // 25 s after the previous one: same instance
            sighting(at + 53, 60, Some(at + 40)),  // 26 s later: a new instance
        ];
        let windows = exposure_windows(&sightings, ReportType::ConfirmedTest, Infectiousness::High);
        assert_eq!(windows.len(), 1);
        let window = &windows[0];
        assert_eq!(window.date_millis_since_epoch, DAY * 1000);
        assert_eq!(window.calibration_confidence.value(), 2);
        assert_eq!(
            window.scan_instances,
            vec![
                // mean(40, 43, 50) = 44.33 -> 44
                ScanInstance {
                    min_attenuation_db: 40,
                    typical_attenuation_db: 44,
                    seconds_since_last_scan: 300
                },
                // minute(at+53) - minute(at+40) = 0
                ScanInstance {
                    min_attenuation_db: 60,
                    typical_attenuation_db: 60,
                    seconds_since_last_scan: 0
                },
            ]
        );
    }

    #[test]
    fn typical_attenuation_rounds_half_up() {
        let at = DAY;
        let windows = exposure_windows(
            &[sighting(at, 45, None), sighting(at + 1, 46, None)],
            ReportType::ConfirmedTest,
            Infectiousness::High,
        );
        assert_eq!(windows[0].scan_instances[0].typical_attenuation_db, 46); // 45.5 -> 46
        assert_eq!(windows[0].scan_instances[0].seconds_since_last_scan, 120); // unknown previous scan
    }

    #[test]
    fn seconds_since_last_scan_counts_clock_minutes_and_caps_at_five() {
        let at = DAY + 600;
        let cases = [
            (at - 1, 60),
            (at - 61, 120),
            (at - 240, 240),
            (at - 299, 300),
            (at - 3_600, 300),
            (at, 0),
        ];
        for (previous, expected) in cases {
            assert_eq!(
                seconds_since_last_scan(&sighting(at + 5, 50, Some(previous))),
                expected,
                "{previous}"
            );
        }
    }

    #[test]
    fn windows_are_cut_at_30_minutes_from_their_first_sighting_and_dated_to_its_day() {
        let start = DAY + 86_400 - 25 * 60; // 23:35 UTC
        let sightings: Vec<KeySighting> = (0..12)
            .map(|i| sighting(start + i * 300, 50, Some(start + i * 300 - 290)))
            .collect();
        let windows = exposure_windows(&sightings, ReportType::ConfirmedTest, Infectiousness::High);
        // 23:35 .. 00:00 (6 sightings, the last 25 min after the first) | 00:05 .. 00:30
        assert_eq!(
            windows
                .iter()
                .map(|w| w.scan_instances.len())
                .collect::<Vec<_>>(),
            vec![6, 6]
        );
        assert_eq!(
            windows[0].date_millis_since_epoch,
            DAY * 1000,
            "crosses midnight, dated to its start"
        );
        assert_eq!(windows[1].date_millis_since_epoch, (DAY + 86_400) * 1000);
        assert_eq!(windows[0].seconds_since_last_scan_sum(), 6 * 300);
        let exactly = exposure_windows(
            &[
                sighting(DAY, 50, None),
                sighting(DAY + MAX_WINDOW_SECONDS, 50, None),
            ],
            ReportType::ConfirmedTest,
            Infectiousness::High,
        );
        assert_eq!(
            exactly.len(),
            2,
            "30 minutes after the first sighting starts a new window"
        );
    }

    #[test]
    fn json_uses_the_android_field_names() {
        let json = r#"[{"dateMillisSinceEpoch":1585785600000,"reportType":1,"infectiousness":2,
            "calibrationConfidence":3,"scanInstances":[{"minAttenuationDb":40,"typicalAttenuationDb":45,
            "secondsSinceLastScan":300}]}]"#;
        let windows: Vec<ExposureWindow> = serde_json::from_str(json).unwrap();
        assert_eq!(windows[0].date(), time::macros::date!(2020 - 04 - 02));
        assert_eq!(windows[0].report_type, ReportType::ConfirmedTest);
        let again: Vec<ExposureWindow> =
            serde_json::from_str(&serde_json::to_string(&windows).unwrap()).unwrap();
        assert_eq!(again, windows);
        let bad = json.replace("\"infectiousness\":2", "\"infectiousness\":7");
        let error = serde_json::from_str::<Vec<ExposureWindow>>(&bad).unwrap_err();
        assert!(
            error.to_string().contains("infectiousness 7 is not 0 to 2"),
            "{error}"
        );
    }
}
