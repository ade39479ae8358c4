//! Forgiving field deserializers for the Elastix API's JSON, which comes
//! from PHP: numbers arrive as strings or as numbers depending on the
//! version and driver, and absent values as `null`, `""` or not at all.
//! These accept every such spelling of a scalar but still refuse a list or
//! an object where a scalar belongs, so a response of the wrong shape is
//! reported instead of silently read as empty.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// Text: a string, a number or a boolean as its text, `null` as empty.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(TextVisitor)
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a text value (string, number or null)")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(if v { "yes" } else { "no" }.to_owned())
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
}

/// A non-negative whole number: `41`, `"41"`, `" 41 "`; `null` and `""` are 0.
pub(crate) fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    d.deserialize_any(CountVisitor)
}

struct CountVisitor;

impl<'de> Visitor<'de> for CountVisitor {
    type Value = u32;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number (as a number or a string of digits)")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| E::custom(format!("{v} is too large")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| E::custom(format!("{v} is not a count")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u32, E> {
        if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
            Ok(v as u32)
        } else {
            Err(E::custom(format!("{v} is not a whole number")))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u32, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(0);
        }
        t.parse()
            .map_err(|_| E::custom(format!("{v:?} is not a whole number")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<u32, E> {
        Ok(0)
    }
    fn visit_none<E: de::Error>(self) -> Result<u32, E> {
        Ok(0)
    }
}

/// Asterisk's `yes`/`no` flags; also `true`/`false`, `1`/`0`; `null` is no.
pub(crate) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let t = text(d)?;
    Ok(matches!(
        t.trim().to_ascii_lowercase().as_str(),
        "yes" | "true" | "1" | "on"
    ))
}
