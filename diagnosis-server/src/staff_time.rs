//! The health authority's time zone: the days and times staff see and type. Forms (a test
//! date, a symptom onset), the statistics' days, code expiry, venue notices and the listing are
//! in this zone; the APIs stay ISO 8601 (dates as the authority writes them, times as Unix
//! seconds or with an offset).
//!
//! The zone is Japan Standard Time, UTC+09:00 (`Asia/Tokyo`, which has had no daylight saving
//! since 1951, so a fixed offset is exact). Making it configurable is issue 17's next step.

/// Offset of the staff time zone from UTC, in seconds: JST, UTC+9.
pub const STAFF_UTC_OFFSET_SECONDS: i64 = 9 * 3600;

/// Name of the staff time zone shown after times.
pub const STAFF_TIME_ZONE_NAME: &str = "JST";

/// The IANA name of the staff time zone.
pub const STAFF_TIME_ZONE: &str = "Asia/Tokyo";

/// The staff-zone date and time of a Unix time (`None` outside the representable range).
pub fn staff_date_time(unix_seconds: i64) -> Option<time::PrimitiveDateTime> {
    let offset = time::UtcOffset::from_whole_seconds(
        // 9 h is within the ±25 h a `UtcOffset` holds.
        i32::try_from(STAFF_UTC_OFFSET_SECONDS).unwrap_or(0),
    )
    .unwrap_or(time::UtcOffset::UTC);
    let utc = time::OffsetDateTime::from_unix_timestamp(unix_seconds).ok()?;
    let local = utc.checked_to_offset(offset)?;
    Some(time::PrimitiveDateTime::new(local.date(), local.time()))
}

/// The staff-zone date of a Unix time (`Date::MIN` outside the representable range).
pub fn staff_date(unix_seconds: i64) -> time::Date {
    staff_date_time(unix_seconds).map_or(time::Date::MIN, |t| t.date())
}

/// The staff-zone day (`YYYY-MM-DD`) of a Unix time: the day statistics are counted on.
pub fn staff_day(unix_seconds: i64) -> String {
    let date = staff_date(unix_seconds);
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-20 23:45 UTC, which is 2026-11-21 08:45 JST.
    const QUARTER_TO_NINE_JST: i64 = 1_795_218_300;

    #[test]
    fn the_staff_day_is_the_japanese_day() {
        assert_eq!(crate::storage::utc_day(QUARTER_TO_NINE_JST), "2026-11-20");
        assert_eq!(staff_day(QUARTER_TO_NINE_JST), "2026-11-21");
        let time = staff_date_time(QUARTER_TO_NINE_JST).unwrap();
        assert_eq!((time.hour(), time.minute()), (8, 45));
        // Midnight JST is 15:00 UTC the day before.
        assert_eq!(staff_day(1_795_186_800 - 1), "2026-11-20");
        assert_eq!(staff_day(1_795_186_800), "2026-11-21");
        assert_eq!(
            staff_day(i64::MAX),
            format!("{:04}-01-01", time::Date::MIN.year())
        );
    }
}
