//! Calendar arithmetic on proleptic Gregorian dates, for PBX timestamps
//! that come as text without a zone (an OpenVox SMS's receive time, an
//! Elastix CDR's calldate). Owns only the date ↔ day-number conversion;
//! callers apply their own UTC offset.

/// Days since 1970-01-01 of the date `y-m-d` (Howard Hinnant's
/// days-from-civil algorithm: exact for every Gregorian date, with no table
/// and no time-zone database).
///
/// ```
/// assert_eq!(ringside_calls::civil::days_from_civil(1970, 1, 1), 0);
/// assert_eq!(ringside_calls::civil::days_from_civil(2000, 3, 1), 11_017);
/// ```
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The `(year, month, day)` of a day number since 1970-01-01; the inverse of
/// [`days_from_civil`].
///
/// ```
/// use ringside_calls::civil::{civil_from_days, days_from_civil};
/// assert_eq!(civil_from_days(days_from_civil(2015, 12, 5)), (2015, 12, 5));
/// ```
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}
