//! The search filters: a number turned into a pattern that finds it however
//! the directory writes it, escaped per RFC 4515 so that nothing in a number
//! can change the filter's meaning.

use ringside_calls::NumberPlan;

/// The placeholder in a filter template that the number's match stands for.
pub const PLACEHOLDER: &str = "{number}";

/// The most trailing digits a pattern asks for: enough to tell numbers
/// apart, few enough that an area code written differently still matches.
const PATTERN_DIGITS: usize = 10;

/// A value escaped for an LDAP filter (RFC 4515): `*`, `(`, `)`, `\` and NUL
/// become `\2a`, `\28`, `\29`, `\5c` and `\00`, so the value is matched as
/// text and never read as filter syntax.
///
/// ```
/// use ringside_directory::ldap::escape;
/// assert_eq!(escape("1*)(uid=*"), "1\\2a\\29\\28uid=\\2a");
/// ```
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' => out.push_str("\\2a"),
            '(' => out.push_str("\\28"),
            ')' => out.push_str("\\29"),
            '\\' => out.push_str("\\5c"),
            '\0' => out.push_str("\\00"),
            c => out.push(c),
        }
    }
    out
}

/// The assertion value that finds `number` (normalized under `plan`) in a
/// free-text attribute.
///
/// An outside number becomes its significant trailing digits (at most
/// ten, after the country code when it is the office's own) with `*`
/// between them: `+49301234567` is `*3*0*1*2*3*4*5*6*7`, which matches
/// `030 1234-567`, `+49 (0)30 1234567` and `0049-30-1234567` alike. The
/// server's candidates are normalized and compared exactly afterwards.
/// A short number (an extension or a feature code) is matched as it is,
/// escaped.
pub fn number_pattern(plan: &NumberPlan, number: &str) -> String {
    let Some(intl) = number.strip_prefix('+') else {
        return escape(number);
    };
    let national = intl
        .strip_prefix(plan.country_code.as_str())
        .filter(|_| !plan.country_code.is_empty())
        .unwrap_or(intl);
    let digits: Vec<char> = national.chars().filter(char::is_ascii_digit).collect();
    let tail = &digits[digits.len().saturating_sub(PATTERN_DIGITS)..];
    let mut pattern = String::with_capacity(tail.len() * 2);
    for d in tail {
        pattern.push('*');
        pattern.push(*d);
    }
    pattern
}

/// `(|(a1=v)(a2=v)...)` over `attributes`, where `value` is an assertion
/// value already escaped (or a pattern built of digits and `*`).
pub fn any_of(attributes: &[String], value: &str) -> String {
    let mut out = String::from("(|");
    for a in attributes {
        out.push('(');
        out.push_str(a);
        out.push('=');
        out.push_str(value);
        out.push(')');
    }
    out.push(')');
    out
}

/// The template with its placeholder replaced by `matcher`.
pub fn fill(template: &str, matcher: &str) -> String {
    template.replace(PLACEHOLDER, matcher)
}

/// Whether `name` is an attribute description (RFC 4512: a letter, then
/// letters, digits and `-`; options after `;`), so it cannot carry filter
/// syntax into a search.
pub fn is_attribute_name(name: &str) -> bool {
    let mut parts = name.split(';');
    let base = parts.next().unwrap_or_default();
    let word = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    word(base) && parts.all(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de() -> NumberPlan {
        NumberPlan::new("49", "0", "00")
    }

    #[test]
    fn escaping_covers_every_rfc4515_special_and_leaves_text_alone() {
        assert_eq!(escape("a*b(c)d\\e\0f"), "a\\2ab\\28c\\29d\\5ce\\00f");
        assert_eq!(escape("Müller <script>"), "Müller <script>");
    }

    #[test]
    fn a_hostile_number_does_not_change_the_filter_structure() {
        let attrs = vec!["telephoneNumber".to_owned(), "ipPhone".to_owned()];
        let hostile = "1*)(objectClass=*))(|(cn=\0";
        let filter = fill(
            "(&(objectClass=person){number})",
            &any_of(&attrs, &number_pattern(&de(), hostile)),
        );
        assert!(ldap3::parse_filter(&filter).is_ok(), "{filter}");
        // Exactly the parentheses the template and the two assertions add.
        assert_eq!(filter.matches('(').count(), 5, "{filter}");
        assert_eq!(filter.matches(')').count(), 5, "{filter}");
        assert!(!filter.contains('\0'));
    }

    #[test]
    fn outside_numbers_become_their_trailing_significant_digits() {
        assert_eq!(number_pattern(&de(), "+49301234567"), "*3*0*1*2*3*4*5*6*7");
        assert_eq!(
            number_pattern(&de(), "+4420794600012"),
            "*0*7*9*4*6*0*0*0*1*2"
        );
        assert_eq!(number_pattern(&de(), "1001"), "1001");
        assert_eq!(number_pattern(&de(), "*97"), "\\2a97");
    }

    #[test]
    fn attribute_names_are_checked() {
        assert!(is_attribute_name("telephoneNumber"));
        assert!(is_attribute_name("thumbnailPhoto;binary"));
        assert!(!is_attribute_name("cn=*)(x"));
        assert!(!is_attribute_name(""));
        assert!(!is_attribute_name("1abc"));
    }
}
