//! The PBX's wall-clock timestamps ([`PbxDateTime`], `2015-12-05 10:07:05`,
//! local time with no zone) and the [`UtcOffset`] that turns them into Unix
//! milliseconds and back. Pure arithmetic on the proleptic Gregorian
//! calendar; no time-zone database, no clock.

use std::fmt;
use std::str::FromStr;

use ringside_calls::civil::{civil_from_days, days_from_civil};

use crate::error::Error;

/// A PBX timestamp as the CDR table stores it: `YYYY-MM-DD HH:MM:SS`, local
/// to the PBX, without a zone.
///
/// ```
/// use ringside_elastix::{PbxDateTime, UtcOffset};
/// let t: PbxDateTime = "2015-12-05 10:07:05".parse()?;
/// assert_eq!(t.to_string(), "2015-12-05 10:07:05");
/// // The PBX runs at UTC+3: 10:07:05 there is 07:07:05 UTC.
/// assert_eq!(t.to_unix_ms(UtcOffset::from_minutes(180)), 1_449_299_225_000);
/// # Ok::<(), ringside_elastix::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PbxDateTime {
    /// Year, e.g. 2015.
    pub year: u16,
    /// Month 1-12.
    pub month: u8,
    /// Day of the month 1-31.
    pub day: u8,
    /// Hour 0-23.
    pub hour: u8,
    /// Minute 0-59.
    pub minute: u8,
    /// Second 0-59 (60 is accepted for a leap second).
    pub second: u8,
}

/// The PBX's offset from UTC, in minutes east of Greenwich (UTC+3 is 180).
///
/// Elastix stores `calldate` in the PBX's local time without saying which;
/// the user (or the app, from the PBX's settings) supplies this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UtcOffset(i32);

impl UtcOffset {
    /// UTC itself.
    pub const UTC: UtcOffset = UtcOffset(0);

    /// An offset in minutes east of UTC (`-300` for New York in winter).
    pub const fn from_minutes(minutes: i32) -> Self {
        Self(minutes)
    }

    /// The offset in minutes east of UTC.
    pub fn minutes(self) -> i32 {
        self.0
    }
}

impl PbxDateTime {
    /// Unix milliseconds of this local time at `offset`.
    pub fn to_unix_ms(&self, offset: UtcOffset) -> i64 {
        let days = days_from_civil(
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        let secs = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        (secs - i64::from(offset.0) * 60) * 1000
    }

    /// The local time at `offset` of Unix milliseconds `ms` (sub-second part dropped).
    pub fn from_unix_ms(ms: i64, offset: UtcOffset) -> Self {
        let secs = ms.div_euclid(1000) + i64::from(offset.0) * 60;
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        Self {
            year: y.clamp(0, 9999) as u16,
            month: m as u8,
            day: d as u8,
            hour: (rem / 3600) as u8,
            minute: (rem / 60 % 60) as u8,
            second: (rem % 60) as u8,
        }
    }

    /// The `YYYY/MM/DD` folder under which Elastix files this day's recordings.
    pub fn recording_folder(&self) -> String {
        format!("{:04}/{:02}/{:02}", self.year, self.month, self.day)
    }

    /// Parses exactly `YYYY-MM-DD HH:MM:SS` from bytes, without allocating;
    /// `None` for anything else (including impossible dates such as February 30).
    pub fn parse_bytes(b: &[u8]) -> Option<Self> {
        if b.len() != 19
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b' '
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let t = Self {
            year: num(0..4)? as u16,
            month: num(5..7)? as u8,
            day: num(8..10)? as u8,
            hour: num(11..13)? as u8,
            minute: num(14..16)? as u8,
            second: num(17..19)? as u8,
        };
        let valid = (1..=12).contains(&t.month)
            && t.day >= 1
            && t.day <= days_in_month(t.year, t.month)
            && t.hour < 24
            && t.minute < 60
            && t.second <= 60;
        valid.then_some(t)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl FromStr for PbxDateTime {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse_bytes(s.trim().as_bytes()).ok_or_else(|| {
            Error::Config(format!(
                "{s:?} is not a date and time in the form 2015-12-05 10:07:05"
            ))
        })
    }
}

impl fmt::Display for PbxDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_round_trip_through_unix_ms_at_any_offset() {
        for text in [
            "1970-01-01 00:00:00",
            "2000-02-29 23:59:59",
            "2015-12-05 10:07:05",
            "2038-01-19 03:14:08",
        ] {
            let t: PbxDateTime = text.parse().expect("a valid timestamp");
            assert_eq!(
                t.to_string(),
                text,
                "display must give back the PBX's own text"
            );
            for off in [-720, -300, 0, 180, 330, 840] {
                let o = UtcOffset::from_minutes(off);
                assert_eq!(
                    PbxDateTime::from_unix_ms(t.to_unix_ms(o), o),
                    t,
                    "{text} at {off} min must round-trip"
                );
            }
        }
        let epoch: PbxDateTime = "1970-01-01 00:00:00".parse().expect("valid");
        assert_eq!(
            epoch.to_unix_ms(UtcOffset::UTC),
            0,
            "the epoch at UTC is zero"
        );
        assert_eq!(
            epoch.to_unix_ms(UtcOffset::from_minutes(60)),
            -3_600_000,
            "midnight at UTC+1 is an hour before midnight UTC"
        );
    }

    #[test]
    fn impossible_or_misshapen_timestamps_are_refused() {
        for bad in [
            "2015-02-29 10:00:00",
            "2015-13-01 10:00:00",
            "2015-12-05T10:07:05",
            "2015-12-05 24:00:00",
            "2015-12-5 10:07:05",
            "",
        ] {
            assert!(
                bad.parse::<PbxDateTime>().is_err(),
                "{bad:?} is not a PBX timestamp"
            );
        }
    }
}
