//! The health authority's time zone ([`StaffZone`]): the days and times staff see and type.
//! Forms (a test date, a symptom onset), the statistics' days, code expiry and every time in
//! the portal are in this zone; the APIs stay ISO 8601 (dates as the authority writes them,
//! times as Unix seconds or with an offset).
//!
//! The zone is an IANA name, `Asia/Tokyo` by default (`--staff-time-zone`,
//! `MIMAMORI_STAFF_TIME_ZONE`). Its rules come from the system's `/usr/share/zoneinfo` or, where
//! there is none, from the copy of the time zone database built into the server (`jiff`), so
//! daylight saving is followed where a zone has it.
//!
//! Venue notices are the exception: their windows are Japan Standard Time by the venue protocol
//! (`mimamori_venue::JST`), the same for every phone, so the notice pages say "JST" whatever
//! this zone is.

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};

/// The default staff time zone: Japan (UTC+09:00, no daylight saving since 1951).
pub const DEFAULT_STAFF_TIME_ZONE: &str = "Asia/Tokyo";

/// A staff time zone name that is not in the time zone database.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the staff time zone {0:?} is not an IANA time zone name; give one such as Asia/Tokyo, \
     Europe/Berlin or UTC"
)]
pub struct UnknownTimeZone(pub String);

/// The time zone of the days and times staff see and type (see the module docs).
#[derive(Clone, Debug)]
pub struct StaffZone {
    zone: TimeZone,
    name: String,
}

impl Default for StaffZone {
    /// [`DEFAULT_STAFF_TIME_ZONE`].
    fn default() -> Self {
        Self::tokyo()
    }
}

impl PartialEq for StaffZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for StaffZone {}

impl StaffZone {
    /// Japan, [`DEFAULT_STAFF_TIME_ZONE`]. Should the database not have it, the fixed offset
    /// UTC+09:00 is the same zone exactly.
    pub fn tokyo() -> Self {
        let zone = TimeZone::get(DEFAULT_STAFF_TIME_ZONE)
            .unwrap_or_else(|_| TimeZone::fixed(Offset::constant(9)));
        Self {
            zone,
            name: DEFAULT_STAFF_TIME_ZONE.to_owned(),
        }
    }

    /// The zone of the IANA name `name` (`Asia/Tokyo`, `Europe/Berlin`, `UTC`).
    pub fn parse(name: &str) -> Result<Self, UnknownTimeZone> {
        let name = name.trim();
        if name == DEFAULT_STAFF_TIME_ZONE {
            return Ok(Self::tokyo());
        }
        let zone = TimeZone::get(name).map_err(|_| UnknownTimeZone(name.to_owned()))?;
        Ok(Self {
            zone,
            name: name.to_owned(),
        })
    }

    /// The IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone's date and time of a Unix time (`None` outside the representable range).
    pub fn date_time(&self, unix_seconds: i64) -> Option<time::PrimitiveDateTime> {
        let local = self
            .zone
            .to_datetime(Timestamp::from_second(unix_seconds).ok()?);
        let month = time::Month::try_from(u8::try_from(local.month()).ok()?).ok()?;
        let date = time::Date::from_calendar_date(
            i32::from(local.year()),
            month,
            local.day().unsigned_abs(),
        )
        .ok()?;
        let clock = time::Time::from_hms(
            local.hour().unsigned_abs(),
            local.minute().unsigned_abs(),
            local.second().unsigned_abs(),
        )
        .ok()?;
        Some(time::PrimitiveDateTime::new(date, clock))
    }

    /// The zone's date of a Unix time (`Date::MIN` outside the representable range).
    pub fn date(&self, unix_seconds: i64) -> time::Date {
        self.date_time(unix_seconds)
            .map_or(time::Date::MIN, |t| t.date())
    }

    /// The zone's day (`YYYY-MM-DD`) of a Unix time: the day statistics are counted on.
    pub fn day(&self, unix_seconds: i64) -> String {
        let date = self.date(unix_seconds);
        format!(
            "{:04}-{:02}-{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        )
    }

    /// The zone's abbreviation at a Unix time (`JST`, `CET`/`CEST`, `UTC`), or its offset
    /// (`+0530`-style) where the database has no abbreviation.
    pub fn abbreviation(&self, unix_seconds: i64) -> String {
        let Ok(timestamp) = Timestamp::from_second(unix_seconds) else {
            return String::new();
        };
        let info = self.zone.to_offset_info(timestamp);
        let abbreviation = info.abbreviation();
        if abbreviation.is_empty() || abbreviation.starts_with(['+', '-']) {
            let offset = info.offset().seconds();
            let sign = if offset < 0 { '-' } else { '+' };
            let minutes = offset.unsigned_abs() / 60;
            format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
        } else {
            abbreviation.to_owned()
        }
    }

    /// A time for staff: `YYYY-MM-DD HH:MM` and the zone's abbreviation (`-` outside the
    /// representable range).
    pub fn display(&self, unix_seconds: i64) -> String {
        match self.date_time(unix_seconds) {
            Some(t) => format!(
                "{:04}-{:02}-{:02} {:02}:{:02} {}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                self.abbreviation(unix_seconds)
            ),
            None => "-".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-20 23:45 UTC, which is 2026-11-21 08:45 JST.
    const QUARTER_TO_NINE_JST: i64 = 1_795_218_300;

    #[test]
    fn the_default_staff_day_is_the_japanese_day() {
        let zone = StaffZone::default();
        assert_eq!(zone.name(), "Asia/Tokyo");
        assert_eq!(crate::storage::utc_day(QUARTER_TO_NINE_JST), "2026-11-20");
        assert_eq!(zone.day(QUARTER_TO_NINE_JST), "2026-11-21");
        let time = zone.date_time(QUARTER_TO_NINE_JST).unwrap();
        assert_eq!((time.hour(), time.minute()), (8, 45));
        // Midnight JST is 15:00 UTC the day before.
        assert_eq!(zone.day(1_795_186_800 - 1), "2026-11-20");
        assert_eq!(zone.day(1_795_186_800), "2026-11-21");
        assert_eq!(zone.display(QUARTER_TO_NINE_JST), "2026-11-21 08:45 JST");
        assert_eq!(
            zone.day(i64::MAX),
            format!("{:04}-01-01", time::Date::MIN.year())
        );
        assert_eq!(zone.display(i64::MAX), "-");
    }

    #[test]
    fn another_zone_follows_its_own_days_and_daylight_saving() {
        let berlin = StaffZone::parse(" Europe/Berlin ").unwrap();
        assert_eq!(berlin.name(), "Europe/Berlin");
        // 23:45 UTC in November is 00:45 CET the next day.
        assert_eq!(berlin.day(QUARTER_TO_NINE_JST), "2026-11-21");
        assert_eq!(berlin.display(QUARTER_TO_NINE_JST), "2026-11-21 00:45 CET");
        // 2026-07-01 22:30 UTC is 00:30 CEST on 2 July (summer time, UTC+2).
        assert_eq!(berlin.display(1_782_945_000), "2026-07-02 00:30 CEST");
        let utc = StaffZone::parse("UTC").unwrap();
        assert_eq!(utc.day(QUARTER_TO_NINE_JST), "2026-11-20");
        assert_eq!(utc.display(QUARTER_TO_NINE_JST), "2026-11-20 23:45 UTC");
        // A zone whose database entry has no abbreviation shows its offset.
        let kolkata = StaffZone::parse("Asia/Kolkata").unwrap();
        assert!(
            kolkata
                .display(QUARTER_TO_NINE_JST)
                .starts_with("2026-11-21 05:15 ")
        );
        for wrong in ["Asia/Tokio", "", "JST+9", "../../etc/passwd"] {
            let error = StaffZone::parse(wrong).unwrap_err();
            assert!(error.to_string().contains("IANA"), "{wrong}: {error}");
        }
        assert_ne!(berlin, StaffZone::default());
    }
}
