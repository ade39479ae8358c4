//! Text folding and FTS5 query building for search. Pure functions.

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// Folds text for case- and accent-insensitive matching: "José" → "jose",
/// "MÜLLER" → "muller". The same function is registered in SQLite as
/// `ringside_fold`, so the index and the query fold alike.
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Quotes a string as one FTS5 phrase.
pub(crate) fn fts_phrase(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// True when `s` looks like a phone-number fragment rather than a name:
/// digits with only phone punctuation around them.
pub(crate) fn is_number_like(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || " +-()./\u{a0}".contains(c))
}

/// The trigram tokenizer cannot use its index for fewer than three characters.
pub(crate) fn trigram_usable(s: &str) -> bool {
    s.chars().count() >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_and_accents() {
        let cases = [
            ("José", "jose"),
            ("MÜLLER", "muller"),
            ("Zoë Ångström", "zoe angstrom"),
            ("plain", "plain"),
        ];
        for (raw, want) in cases {
            assert_eq!(fold(raw), want, "fold({raw:?}) must drop case and accents");
        }
    }

    #[test]
    fn number_like_detection() {
        assert!(
            is_number_like("020 7946-000"),
            "a formatted number is a number fragment"
        );
        assert!(is_number_like("+44"), "a country code is a number fragment");
        assert!(
            !is_number_like("Flat 3"),
            "text with letters is a name fragment"
        );
        assert!(!is_number_like("--"), "punctuation alone is not a number");
    }
}
