//! One directory entry read as a [`Person`]: which attribute means what,
//! and every value made plain one-line text.

use std::collections::HashMap;

use ldap3::SearchEntry;
use ringside_calls::NumberPlan;

use crate::{Person, Photo};

/// The attributes a person is read from, besides the number attributes.
pub const PERSON_ATTRIBUTES: &[&str] = &[
    "displayName",
    "cn",
    "o",
    "company",
    "department",
    "ou",
    "title",
    "ipPhone",
    "thumbnailPhoto",
    "jpegPhoto",
];

/// An entry's values by lower-case attribute name (servers answer in their
/// own spelling: `telephonenumber`, `telephoneNumber`), text and bytes.
#[derive(Debug, Default)]
pub struct Entry {
    text: HashMap<String, Vec<String>>,
    bytes: HashMap<String, Vec<Vec<u8>>>,
}

impl From<SearchEntry> for Entry {
    fn from(e: SearchEntry) -> Entry {
        let mut entry = Entry::default();
        for (k, v) in e.attrs {
            entry
                .text
                .entry(k.to_ascii_lowercase())
                .or_default()
                .extend(v);
        }
        for (k, v) in e.bin_attrs {
            entry
                .bytes
                .entry(k.to_ascii_lowercase())
                .or_default()
                .extend(v);
        }
        entry
    }
}

impl Entry {
    /// The text values of `attr` (its base name, before any `;option`).
    fn values(&self, attr: &str) -> impl Iterator<Item = &str> {
        let base = attr.split(';').next().unwrap_or(attr).to_ascii_lowercase();
        self.text
            .iter()
            .filter(move |(k, _)| k.split(';').next() == Some(base.as_str()))
            .flat_map(|(_, v)| v.iter().map(String::as_str))
    }

    /// The first non-blank value of the first attribute that has one, as
    /// plain text.
    fn first(&self, attrs: &[&str]) -> Option<String> {
        attrs
            .iter()
            .flat_map(|a| self.values(a))
            .map(plain)
            .find(|v| !v.is_empty())
    }

    /// Whether any value of `attrs` is `number` once normalized.
    pub fn has_number(&self, plan: &NumberPlan, attrs: &[String], number: &str) -> bool {
        attrs
            .iter()
            .flat_map(|a| self.values(a))
            .any(|v| normalize(plan, v).as_deref() == Some(number))
    }

    /// The office extension: `ipPhone`, else a `telephoneNumber` short
    /// enough to be one (no `+`, at most six digits once normalized).
    pub fn extension(&self, plan: &NumberPlan) -> Option<String> {
        let short = |v: &str| {
            plan.normalize(v).filter(|n| {
                !n.starts_with('+') && n.len() <= ringside_calls::number::MAX_EXTENSION_DIGITS
            })
        };
        self.values("ipPhone")
            .find_map(short)
            .or_else(|| self.values("telephoneNumber").find_map(short))
    }

    /// The person as the popup shows them, when the entry has a name.
    pub fn person(&self, plan: &NumberPlan) -> Option<Person> {
        let name = self.first(&["displayName", "cn"])?;
        Some(Person {
            name,
            company: self.first(&["company", "o"]),
            department: self.first(&["department", "ou"]),
            title: self.first(&["title"]),
            extension: self.extension(plan),
            photo: self.photo(),
        })
    }

    /// The first photo that is a JPEG or a PNG.
    fn photo(&self) -> Option<Photo> {
        ["thumbnailphoto", "jpegphoto"].iter().find_map(|a| {
            let bytes = self.bytes.get(*a).into_iter().flatten().cloned();
            // A photo that happens to be valid UTF-8 arrives as text.
            let text = self.values(a).map(|s| s.as_bytes().to_vec());
            bytes.chain(text).find_map(Photo::sniff)
        })
    }
}

/// A directory's number normalized under `plan`, also when it is written
/// the German and Swiss way with the trunk prefix in parentheses after the
/// country code: `+49 (0)30 1234567` is `+49301234567`.
pub fn normalize(plan: &NumberPlan, raw: &str) -> Option<String> {
    let raw = raw.trim();
    let trunk = format!("({})", plan.trunk_prefix);
    let international = raw.starts_with('+')
        || (!plan.international_prefix.is_empty() && raw.starts_with(&plan.international_prefix));
    if international && !plan.trunk_prefix.is_empty() && raw.contains(&trunk) {
        return plan.normalize(&raw.replacen(&trunk, "", 1));
    }
    plan.normalize(raw)
}

/// A value as one line of plain text: control characters (CR, LF, tabs,
/// NUL) become spaces, runs of spaces one, and the ends are trimmed.
/// Markup stays as the characters it is; the UI shows text, never HTML.
pub fn plain(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trunk_prefix_in_parentheses_after_the_country_code_is_dropped() {
        let de = NumberPlan::new("49", "0", "00");
        for raw in [
            "+49 (0)30 1234567",
            "0049 (0)30 1234567",
            "030 1234567",
            "(030) 1234567",
        ] {
            assert_eq!(
                normalize(&de, raw).as_deref(),
                Some("+49301234567"),
                "{raw}"
            );
        }
    }

    #[test]
    fn plain_text_is_one_line_and_keeps_markup_as_characters() {
        assert_eq!(
            plain("<script>alert(1)</script>\r\nEvil\tCorp"),
            "<script>alert(1)</script> Evil Corp"
        );
        assert_eq!(plain("  Anna  Schmidt \n"), "Anna Schmidt");
    }
}
