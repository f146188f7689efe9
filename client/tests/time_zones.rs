//! Time formatting across time zones and daylight-saving changes (chrono-tz).

use banter_client::time::{clock, clock_millis, day_label, needs_day_separator, rfc3339, to_zone};
use chrono::{TimeZone, Utc};
use chrono_tz::America::New_York;
use chrono_tz::Asia::Kolkata;
use chrono_tz::Australia::Lord_Howe;
use chrono_tz::Europe::Berlin;
use chrono_tz::Pacific::{Kiritimati, Pago_Pago};

fn ms(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .timestamp_millis()
}

#[test]
fn one_instant_in_many_zones() {
    let t = ms(2026, 1, 15, 23, 30); // 23:30 UTC
    assert_eq!(clock_millis(t, &Utc), "11:30 pm");
    assert_eq!(clock_millis(t, &Berlin), "12:30 am"); // next day, UTC+1
    assert_eq!(clock_millis(t, &New_York), "6:30 pm"); // UTC-5
    assert_eq!(clock_millis(t, &Kolkata), "5:00 am"); // UTC+5:30
    assert_eq!(clock_millis(t, &Kiritimati), "1:30 pm"); // UTC+14, next day
    assert_eq!(clock_millis(t, &Pago_Pago), "12:30 pm"); // UTC-11
    assert_eq!(
        rfc3339(t, &Kolkata).unwrap(),
        "2026-01-16T05:00:00.000+05:30"
    );
    assert_eq!(
        rfc3339(t, &New_York).unwrap(),
        "2026-01-15T18:30:00.000-05:00"
    );
    // The same instant is on different calendar days in different zones.
    let prev = ms(2026, 1, 15, 22, 0);
    assert!(!needs_day_separator(Some(prev), t, &Utc));
    assert!(
        needs_day_separator(Some(prev), t, &Berlin),
        "22:00 UTC is 23:00 in Berlin, 23:30 UTC is 00:30"
    );
    assert!(needs_day_separator(None, t, &Utc));
}

#[test]
fn spring_forward_in_new_york() {
    // 2026-03-08: 2:00 am EST jumps to 3:00 am EDT (07:00 UTC).
    assert_eq!(clock_millis(ms(2026, 3, 8, 6, 59), &New_York), "1:59 am");
    assert_eq!(clock_millis(ms(2026, 3, 8, 7, 0), &New_York), "3:00 am");
    assert_eq!(
        rfc3339(ms(2026, 3, 8, 7, 0), &New_York).unwrap(),
        "2026-03-08T03:00:00.000-04:00"
    );
    // A 23-hour day is still one day: 00:30 on the 8th and 23:30 on the 8th, no separator.
    let a = ms(2026, 3, 8, 5, 30); // 00:30 EST
    let b = ms(2026, 3, 9, 3, 30); // 23:30 EDT
    assert!(!needs_day_separator(Some(a), b, &New_York));
    // "Yesterday" by calendar day, not by 24 hours: 23 hours apart across the change.
    let yesterday = to_zone(ms(2026, 3, 8, 5, 30), &New_York).unwrap();
    let now = to_zone(ms(2026, 3, 9, 4, 30), &New_York).unwrap(); // 00:30 on the 9th
    assert_eq!(day_label(&yesterday, &now), "Yesterday");
}

#[test]
fn fall_back_in_new_york_repeats_an_hour() {
    // 2026-11-01: 2:00 am EDT falls back to 1:00 am EST; 1:30 am happens twice.
    let first = ms(2026, 11, 1, 5, 30);
    let second = ms(2026, 11, 1, 6, 30);
    assert_eq!(clock_millis(first, &New_York), "1:30 am");
    assert_eq!(clock_millis(second, &New_York), "1:30 am");
    assert_eq!(
        rfc3339(first, &New_York).unwrap(),
        "2026-11-01T01:30:00.000-04:00"
    );
    assert_eq!(
        rfc3339(second, &New_York).unwrap(),
        "2026-11-01T01:30:00.000-05:00"
    );
    // A 25-hour day: 00:10 and 23:50 local are the same day.
    assert!(!needs_day_separator(
        Some(ms(2026, 11, 1, 4, 10)),
        ms(2026, 11, 2, 4, 50),
        &New_York
    ));
    let now = to_zone(ms(2026, 11, 2, 4, 50), &New_York).unwrap(); // 23:50 on the 1st
    let early = to_zone(ms(2026, 11, 1, 4, 10), &New_York).unwrap(); // 00:10 on the 1st
    assert_eq!(day_label(&early, &now), "Today", "25 hours apart, same day");
}

#[test]
fn berlin_and_lord_howe_half_hour_dst() {
    // Berlin: 2026-03-29 02:00 CET -> 03:00 CEST (01:00 UTC).
    assert_eq!(clock_millis(ms(2026, 3, 29, 0, 59), &Berlin), "1:59 am");
    assert_eq!(clock_millis(ms(2026, 3, 29, 1, 0), &Berlin), "3:00 am");
    // Lord Howe shifts by 30 minutes: +11 in summer, +10:30 in winter.
    assert_eq!(
        rfc3339(ms(2026, 1, 10, 0, 0), &Lord_Howe).unwrap(),
        "2026-01-10T11:00:00.000+11:00"
    );
    assert_eq!(
        rfc3339(ms(2026, 7, 10, 0, 0), &Lord_Howe).unwrap(),
        "2026-07-10T10:30:00.000+10:30"
    );
}

#[test]
fn day_labels() {
    let now = Berlin.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    let at = |d: u32, h: u32| Berlin.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
    assert_eq!(day_label(&at(25, 0), &now), "Today");
    assert_eq!(day_label(&at(24, 23), &now), "Yesterday");
    assert_eq!(day_label(&at(22, 12), &now), "Sunday");
    assert_eq!(day_label(&at(10, 12), &now), "Tuesday, November 10, 2026");
    assert_eq!(clock(&at(25, 0)), "12:00 am");
    // "Today" is judged in the zone of the message: 23:30 UTC on the 24th is the 25th in Berlin.
    let utc_now = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
    let t = to_zone(ms(2026, 11, 24, 23, 30), &Berlin).unwrap();
    assert_eq!(day_label(&t, &utc_now.with_timezone(&Berlin)), "Today");
    assert_eq!(day_label(&t.with_timezone(&Utc), &utc_now), "Yesterday");
}
