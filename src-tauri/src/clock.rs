//! The app's sense of "today": local midnight in the computer's time zone.
//! A leaf: it imports nothing of the app.

use ringside_calls::clock::now_ms;

/// Start of today (local midnight, in the computer's time zone) in Unix ms,
/// for "called 3 times today": a receptionist's day starts at her midnight,
/// not at UTC's (which is mid-afternoon or morning in the Americas and Asia).
pub fn today_start_ms() -> i64 {
    day_start_ms(now_ms(), &chrono::Local)
}

/// The first instant of the day that contains `at_ms`, in `tz`, as Unix ms.
/// Where a DST jump skips midnight (clocks go from 23:59 to 01:00), the day
/// starts at the first local time that exists.
pub fn day_start_ms<Tz: chrono::TimeZone>(at_ms: i64, tz: &Tz) -> i64 {
    use chrono::{LocalResult, NaiveTime};
    let Some(utc) = chrono::DateTime::from_timestamp_millis(at_ms) else {
        return at_ms - at_ms.rem_euclid(86_400_000);
    };
    let date = utc.with_timezone(tz).date_naive();
    for hour in 0..=3 {
        let Some(t) = NaiveTime::from_hms_opt(hour, 0, 0) else {
            continue;
        };
        match date.and_time(t).and_local_timezone(tz.clone()) {
            LocalResult::Single(start) | LocalResult::Ambiguous(start, _) => {
                return start.timestamp_millis()
            }
            LocalResult::None => {}
        }
    }
    at_ms - at_ms.rem_euclid(86_400_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_starts_at_local_midnight_not_utc_midnight() {
        use chrono::{FixedOffset, TimeZone, Utc};
        // 2026-11-23 23:30 in New York (UTC-5) is 2026-11-24 04:30 UTC:
        // her day began at 05:00 UTC on the 23rd, not at UTC midnight on the 24th.
        let new_york = FixedOffset::west_opt(5 * 3600).unwrap();
        let at = new_york
            .with_ymd_and_hms(2026, 11, 23, 23, 30, 0)
            .unwrap()
            .timestamp_millis();
        let want = Utc
            .with_ymd_and_hms(2026, 11, 23, 5, 0, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!(
            day_start_ms(at, &new_york),
            want,
            "a call at 20:00 her time is still today at 23:30"
        );
        // 2026-11-24 08:00 in Sydney (UTC+11) is 2026-11-23 21:00 UTC: her
        // day began at 13:00 UTC on the 23rd; UTC midnight would count
        // yesterday afternoon's calls as today's.
        let sydney = FixedOffset::east_opt(11 * 3600).unwrap();
        let at = sydney
            .with_ymd_and_hms(2026, 11, 24, 8, 0, 0)
            .unwrap()
            .timestamp_millis();
        let want = Utc
            .with_ymd_and_hms(2026, 11, 23, 13, 0, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!(day_start_ms(at, &sydney), want);
        assert_eq!(
            day_start_ms(at, &Utc),
            Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0)
                .unwrap()
                .timestamp_millis()
        );
        let now = now_ms();
        let start = today_start_ms();
        assert!(
            start <= now && now - start < 25 * 3_600_000,
            "today began within the last 25 hours: {start} vs {now}"
        );
    }
}
