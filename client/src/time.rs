//! Time: the server's `createdAt` (milliseconds since the Unix epoch, UTC) to local time, and
//! the formatting the chat tutorial uses (`h:mm a`, i.e. `3:05 pm`), day separators and the
//! "Today" / "Yesterday" labels. Every function takes the time zone, so tests can run across
//! zones and daylight-saving changes with `chrono-tz`; the app passes `chrono::Local`.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};

/// The server's `createdAt` as a UTC instant; `None` when out of chrono's range.
pub fn from_millis(created_at_ms: i64) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_millis(created_at_ms)
}

/// The server's `createdAt` in a time zone; `None` when out of range.
pub fn to_zone<Tz: TimeZone>(created_at_ms: i64, tz: &Tz) -> Option<DateTime<Tz>> {
    from_millis(created_at_ms).map(|t| t.with_timezone(tz))
}

/// RFC 3339 with the zone's offset, millisecond precision (`2026-11-25T22:31:00.000+01:00`).
pub fn rfc3339<Tz: TimeZone>(created_at_ms: i64, tz: &Tz) -> Option<String>
where
    Tz::Offset: std::fmt::Display,
{
    to_zone(created_at_ms, tz).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false))
}

/// The tutorial's Moment.js `h:mm a`: `3:05 pm`, `12:00 am`.
pub fn clock<Tz: TimeZone>(t: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    t.format("%-I:%M %P").to_string()
}

/// [`clock`] straight from `createdAt`; out-of-range times give `"?"`.
pub fn clock_millis<Tz: TimeZone>(created_at_ms: i64, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    to_zone(created_at_ms, tz)
        .map(|t| clock(&t))
        .unwrap_or_else(|| "?".to_owned())
}

/// The label of a day separator, seen from `now`: `Today`, `Yesterday`, the weekday for the
/// last week (`Monday`), else the full date (`Tuesday, March 4, 2025`). Days are calendar days
/// in the zone of `t`, so a 23- or 25-hour day around a DST change counts as one day.
pub fn day_label<Tz: TimeZone>(t: &DateTime<Tz>, now: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let day = t.date_naive();
    let today = now.with_timezone(&t.timezone()).date_naive();
    let diff = days_between(day, today);
    match diff {
        0 => "Today".to_owned(),
        1 => "Yesterday".to_owned(),
        2..=6 => t.format("%A").to_string(),
        _ => t.format("%A, %B %-d, %Y").to_string(),
    }
}

/// Whether a day separator belongs between two consecutive messages (different calendar
/// days in `tz`). The first message of a timeline (`prev` = `None`) always gets one.
pub fn needs_day_separator<Tz: TimeZone>(prev_ms: Option<i64>, next_ms: i64, tz: &Tz) -> bool {
    let Some(prev_ms) = prev_ms else { return true };
    match (to_zone(prev_ms, tz), to_zone(next_ms, tz)) {
        (Some(a), Some(b)) => a.date_naive() != b.date_naive(),
        _ => true,
    }
}

fn days_between(earlier: NaiveDate, later: NaiveDate) -> i64 {
    i64::from(later.num_days_from_ce()) - i64::from(earlier.num_days_from_ce())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_is_none_not_a_panic() {
        assert!(from_millis(i64::MAX).is_none());
        assert!(from_millis(i64::MIN).is_none());
        assert_eq!(clock_millis(i64::MAX, &Utc), "?");
    }

    #[test]
    fn clock_is_moment_h_mm_a() {
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 0, 5, 0).unwrap();
        assert_eq!(clock(&t), "12:05 am");
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 15, 5, 0).unwrap();
        assert_eq!(clock(&t), "3:05 pm");
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 12, 0, 0).unwrap();
        assert_eq!(clock(&t), "12:00 pm");
    }
}
