//! Local-time formatting of message timestamps (chrono), done on the Rust side so the UI
//! shows exactly what the core decided.
//! TODO(banter-client): switch to banter-client's formatting helpers when they land.

use chrono::{DateTime, Datelike, Local, NaiveDate, TimeZone};

/// (time of day, day key, day heading) for a timestamp in ms, relative to `today`.
pub fn stamp_in<Tz: TimeZone>(ms: i64, tz: &Tz, today: NaiveDate) -> (String, String, String)
where
    Tz::Offset: std::fmt::Display,
{
    let Some(utc) = DateTime::from_timestamp_millis(ms) else {
        return (String::new(), String::new(), String::new());
    };
    let t = utc.with_timezone(tz);
    let day = t.date_naive();
    let label = if day == today {
        "Today".to_owned()
    } else if today.pred_opt() == Some(day) {
        "Yesterday".to_owned()
    } else if day.year() == today.year() {
        t.format("%A %-d %B").to_string()
    } else {
        t.format("%A %-d %B %Y").to_string()
    };
    (t.format("%H:%M").to_string(), day.format("%Y-%m-%d").to_string(), label)
}

/// [`stamp_in`] for the machine's time zone and today.
pub fn stamp(ms: i64) -> (String, String, String) {
    stamp_in(ms, &Local, Local::now().date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, Utc};

    #[test]
    fn days_and_times() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let ms = |y, m, d, h, mi| Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap().timestamp_millis();
        assert_eq!(stamp_in(ms(2026, 11, 25, 14, 5), &Utc, today), ("14:05".into(), "2026-11-25".into(), "Today".into()));
        assert_eq!(stamp_in(ms(2026, 11, 24, 23, 59), &Utc, today).2, "Yesterday");
        assert_eq!(stamp_in(ms(2026, 11, 2, 8, 0), &Utc, today).2, "Monday 2 November");
        assert_eq!(stamp_in(ms(2025, 1, 1, 8, 0), &Utc, today).2, "Wednesday 1 January 2025");
        // the zone moves the day: 23:30 UTC is the next day at UTC+2
        let plus2 = FixedOffset::east_opt(2 * 3600).unwrap();
        assert_eq!(stamp_in(ms(2026, 11, 24, 23, 30), &plus2, today), ("01:30".into(), "2026-11-25".into(), "Today".into()));
        assert_eq!(stamp_in(i64::MAX, &Utc, today).0, "");
    }
}
