//! Phone-number normalization under a PBX's numbering plan, so that
//! "0207946000", "+44 20 7946 000" and "0044 20 7946 000" are recognized as
//! the same party by the tracker, the actions and the store.
//!
//! This module owns only the text rules: it knows nothing about contacts,
//! calls or the database. It is deliberately small and heuristic (it is not
//! libphonenumber): it rewrites the leading prefix and strips punctuation, and
//! leaves short numbers (internal extensions, feature codes, emergency
//! numbers) exactly as they are.

use serde::{Deserialize, Serialize};

/// Numbers with at most this many digits and no `+` or international prefix
/// are internal extensions or short codes, and are never rewritten.
pub const MAX_EXTENSION_DIGITS: usize = 6;

/// How numbers are written where the PBX stands.
///
/// # Example
/// ```
/// use ringside_calls::number::NumberPlan;
/// let uk = NumberPlan::new("44", "0", "00");
/// assert_eq!(uk.normalize("(020) 7946-000").as_deref(), Some("+44207946000"));
/// assert_eq!(uk.normalize("1001").as_deref(), Some("1001"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NumberPlan {
    /// The country calling code, digits only, without `+`: `"44"`, `"1"`.
    pub country_code: String,
    /// The national trunk prefix dialled before an area code: `"0"` in the
    /// UK, `"1"` in North America, empty where there is none (Italy).
    pub trunk_prefix: String,
    /// The prefix dialled before a country code: `"00"` in most of Europe,
    /// `"011"` in North America.
    pub international_prefix: String,
}

/// A search fragment turned into the digit forms it can match in a
/// normalized number (the digits of [`NumberPlan::normalize`]'s result,
/// without the `+`). See [`NumberPlan::digits_fragment`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitsFragment {
    /// The fragment's digits as typed; matches anywhere in a number.
    pub anywhere: String,
    /// When the fragment began like the start of a full number (`+`, the
    /// international prefix or the trunk prefix), the same fragment in
    /// international form; matches only at the start of a number.
    pub leading: Option<String>,
}

impl NumberPlan {
    /// A plan from its three parts (digits only).
    pub fn new(country_code: &str, trunk_prefix: &str, international_prefix: &str) -> Self {
        Self {
            country_code: country_code.to_owned(),
            trunk_prefix: trunk_prefix.to_owned(),
            international_prefix: international_prefix.to_owned(),
        }
    }

    /// Normalizes a number for matching and storage.
    ///
    /// Outside numbers become E.164 (`+44207946000`); short numbers
    /// (at most [`MAX_EXTENSION_DIGITS`] digits, no `+`) and feature codes
    /// containing `*` or `#` stay as they are, without punctuation.
    /// Returns `None` for something that is not a number at all: empty,
    /// `anonymous`, or letters mixed in.
    ///
    /// Spaces, dots, dashes, slashes and parentheses are ignored; a `+` is
    /// accepted only in front.
    pub fn normalize(&self, raw: &str) -> Option<String> {
        let compact = compact(raw)?;
        if let Some(rest) = compact.strip_prefix('+') {
            if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            return Some(compact);
        }
        if compact.bytes().any(|b| b == b'*' || b == b'#') {
            // Feature codes (*97, #31#...) are PBX-internal: keep verbatim.
            return Some(compact);
        }
        let digits = compact;
        if digits.len() <= MAX_EXTENSION_DIGITS {
            return Some(digits);
        }
        if let Some(rest) = nonempty_strip(&digits, &self.international_prefix) {
            return Some(format!("+{rest}"));
        }
        if let Some(rest) = nonempty_strip(&digits, &self.trunk_prefix) {
            return Some(format!("+{}{rest}", self.country_code));
        }
        // No prefix at all. Providers often send the country code without
        // `+` ("442079460000"); a national number is at least 9 digits long,
        // and national numbers never start with a country code in the plans
        // we target, so a long number starting with it is already international.
        if !self.country_code.is_empty()
            && digits.starts_with(&self.country_code)
            && digits.len() >= self.country_code.len() + 9
        {
            return Some(format!("+{digits}"));
        }
        // A national number given without its trunk prefix.
        Some(format!("+{}{digits}", self.country_code))
    }

    /// The national form of a number, for display and for dialling through
    /// a trunk that wants national numbers: `+44207946000` → `0207946000`.
    /// Numbers of other countries get the international prefix; extensions
    /// stay as they are.
    pub fn to_national(&self, raw: &str) -> Option<String> {
        let norm = self.normalize(raw)?;
        let Some(intl) = norm.strip_prefix('+') else {
            return Some(norm);
        };
        match intl.strip_prefix(self.country_code.as_str()) {
            Some(national) if !self.country_code.is_empty() => {
                Some(format!("{}{national}", self.trunk_prefix))
            }
            _ => Some(format!("{}{intl}", self.international_prefix)),
        }
    }

    /// Turns a search fragment typed in any format ("7946 000", "020 7946",
    /// "+44 20") into the digit strings to look for in normalized numbers.
    /// Returns `None` when the fragment holds no digit.
    ///
    /// # Example
    /// ```
    /// use ringside_calls::number::NumberPlan;
    /// let uk = NumberPlan::new("44", "0", "00");
    /// let f = uk.digits_fragment("020 7946").unwrap();
    /// assert_eq!(f.anywhere, "0207946");
    /// assert_eq!(f.leading.as_deref(), Some("44207946"));
    /// ```
    pub fn digits_fragment(&self, raw: &str) -> Option<DigitsFragment> {
        let trimmed = raw.trim_start();
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return None;
        }
        let leading = if trimmed.starts_with('+') {
            Some(digits.clone())
        } else if let Some(rest) = nonempty_strip(&digits, &self.international_prefix) {
            Some(rest.to_owned())
        } else {
            nonempty_strip(&digits, &self.trunk_prefix)
                .map(|rest| format!("{}{rest}", self.country_code))
        };
        Some(DigitsFragment {
            anywhere: digits,
            leading,
        })
    }
}

/// Strips `prefix` when it is non-empty and something remains after it.
fn nonempty_strip<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if prefix.is_empty() {
        return None;
    }
    s.strip_prefix(prefix).filter(|rest| !rest.is_empty())
}

/// Removes punctuation; `None` if anything but digits, `*`, `#` and one
/// leading `+` remains.
fn compact(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    for c in raw.trim().chars() {
        match c {
            '0'..='9' | '*' | '#' => out.push(c),
            '+' if out.is_empty() => out.push('+'),
            ' ' | '\u{a0}' | '\t' | '-' | '.' | '/' | '(' | ')' => {}
            _ => return None,
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}

/// The name in a caller ID as Asterisk writes it (`"Bob Sales" <1002>`,
/// `Bob <1002>`), when there is one that is not just the number. Control
/// characters are dropped: the name goes into lists and menus.
///
/// ```
/// use ringside_calls::number::callerid_name;
/// assert_eq!(callerid_name(r#""Bob Sales" <1002>"#, "1002").as_deref(), Some("Bob Sales"));
/// assert_eq!(callerid_name("<1002>", "1002"), None);
/// assert_eq!(callerid_name(r#""1002" <1002>"#, "1002"), None);
/// ```
pub fn callerid_name(clid: &str, number: &str) -> Option<String> {
    let (name, _) = clid.rsplit_once('<')?;
    let name: String = name
        .trim()
        .trim_matches('"')
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    (!name.is_empty() && name != number).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uk() -> NumberPlan {
        NumberPlan::new("44", "0", "00")
    }

    fn us() -> NumberPlan {
        NumberPlan::new("1", "1", "011")
    }

    #[test]
    fn normalize_table() {
        let cases: &[(&NumberPlan, &str, Option<&str>)] = &[
            // The issue's example: all are the same contact.
            (&uk(), "0207946000", Some("+44207946000")),
            (&uk(), "+44207946000", Some("+44207946000")),
            (&uk(), "+44 20 7946 000", Some("+44207946000")),
            (&uk(), "0044 20 7946 000", Some("+44207946000")),
            (&uk(), "(020) 7946-000", Some("+44207946000")),
            (&uk(), "020.7946.000", Some("+44207946000")),
            (&uk(), "  020 7946 000 ", Some("+44207946000")),
            (&uk(), "44207946000", Some("+44207946000")),
            (&uk(), "207946000", Some("+44207946000")),
            (&uk(), "0033 1 23 45 67 89", Some("+33123456789")),
            (&uk(), "+1 (555) 123-4567", Some("+15551234567")),
            // Internal extensions and short codes stay as they are.
            (&uk(), "1001", Some("1001")),
            (&uk(), "474", Some("474")),
            (&uk(), "999", Some("999")),
            (&uk(), "0", Some("0")),
            (&uk(), "*97", Some("*97")),
            (&uk(), "#31#0207946000", Some("#31#0207946000")),
            // Not numbers.
            (&uk(), "", None),
            (&uk(), "   ", None),
            (&uk(), "anonymous", None),
            (&uk(), "Unknown", None),
            (&uk(), "+", None),
            (&uk(), "12+34", None),
            (&uk(), "+44*12", None),
            // North America: trunk prefix 1 equals the country code.
            (&us(), "15551234567", Some("+15551234567")),
            (&us(), "5551234567", Some("+15551234567")),
            (&us(), "(555) 123-4567", Some("+15551234567")),
            (&us(), "011 44 20 7946 000", Some("+44207946000")),
            (&us(), "201", Some("201")),
        ];
        for (plan, raw, want) in cases {
            assert_eq!(
                plan.normalize(raw).as_deref(),
                *want,
                "normalize({raw:?}) under {plan:?} must give {want:?}"
            );
        }
    }

    #[test]
    fn national_and_international_forms_are_one_contact() {
        let plan = uk();
        let a = plan.normalize("0207946000");
        let b = plan.normalize("+44 20 7946 000");
        assert!(a.is_some(), "a UK national number must normalize");
        assert_eq!(
            a, b,
            "national and E.164 forms must compare equal after normalization"
        );
    }

    #[test]
    fn to_national_table() {
        let plan = uk();
        let cases = [
            ("+44 20 7946 000", Some("0207946000")),
            ("0207946000", Some("0207946000")),
            ("+33 1 23 45 67 89", Some("0033123456789")),
            ("1001", Some("1001")),
            ("anonymous", None),
        ];
        for (raw, want) in cases {
            assert_eq!(
                plan.to_national(raw).as_deref(),
                want,
                "to_national({raw:?})"
            );
        }
    }

    #[test]
    fn digits_fragment_table() {
        let plan = uk();
        let cases = [
            ("7946 000", Some(("7946000", None))),
            ("020 7946", Some(("0207946", Some("44207946")))),
            ("+44 20", Some(("4420", Some("4420")))),
            ("0044 20", Some(("004420", Some("4420")))),
            ("(020)", Some(("020", Some("4420")))),
            ("000", Some(("000", Some("0")))),
            ("abc", None),
            ("", None),
        ];
        for (raw, want) in cases {
            let got = plan.digits_fragment(raw);
            let got = got
                .as_ref()
                .map(|f| (f.anywhere.as_str(), f.leading.as_deref()));
            assert_eq!(got, want, "digits_fragment({raw:?})");
        }
    }

    #[test]
    fn fragment_of_national_form_matches_normalized_number() {
        let plan = uk();
        let stored = plan.normalize("+44 20 7946 000").unwrap_or_default();
        let stored_digits = stored.trim_start_matches('+');
        for typed in ["7946 000", "020 7946", "0044 207", "+44 20 79"] {
            let f = plan.digits_fragment(typed);
            let hit = f.is_some_and(|f| {
                stored_digits.contains(&f.anywhere)
                    || f.leading.is_some_and(|l| stored_digits.starts_with(&l))
            });
            assert!(hit, "typing {typed:?} must find {stored}");
        }
    }
}
