//! vCard 3.0 and 4.0 (and most of 2.1) read into contacts: the one parser
//! behind both a vCard file import ([`crate::import::parse_vcard`]) and a
//! card synced from a CardDAV address book ([`parse_card`]). Pure text in,
//! values out; nothing here touches the database.
//!
//! Tolerated: folded lines (a leading space or tab), `\n` `\,` `\;` `\\`
//! escapes, quoted-printable values with their soft line breaks (vCard 2.1
//! `ENCODING=QUOTED-PRINTABLE`), `group.` prefixes, bare 2.1 parameters
//! (`TEL;CELL:`), `tel:` URIs. Every value stays plain text: markup is kept
//! as written, and line breaks in one-line fields (name, company, title)
//! become spaces.

use ringside_calls::NumberPlan;

use crate::import::Parsed;
use crate::model::{ContactFields, ContactNumber};

/// One card from an address book, read into a contact.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Card {
    /// Name (`FN`, else `N`, else the company), company, numbers, e-mail,
    /// note and URL.
    pub fields: ContactFields,
    /// The job title (`TITLE`).
    pub title: Option<String>,
}

/// Reads a single vCard (the body of one CardDAV resource). A card with a
/// line that is not `NAME:value`, without `BEGIN`/`END`, with more than one
/// card, or with neither a name nor a company is refused with the reason.
/// Numbers are kept whatever they are: one that is not a phone number is
/// stored but matches no caller.
pub fn parse_card(text: &str) -> Result<Card, String> {
    let lines = unfold(text);
    let mut content = lines.iter().filter(|(_, l)| !l.trim().is_empty());
    match content.next() {
        Some((_, l)) if l.trim().eq_ignore_ascii_case("BEGIN:VCARD") => {}
        _ => return Err("it does not start with BEGIN:VCARD".into()),
    }
    let mut props = Vec::new();
    let mut ended = false;
    for (line, l) in content {
        if ended {
            return Err(format!("line {line}: text after END:VCARD"));
        }
        let upper = l.trim().to_ascii_uppercase();
        if upper == "END:VCARD" {
            ended = true;
        } else if upper == "BEGIN:VCARD" {
            return Err(format!("line {line}: a second BEGIN:VCARD"));
        } else {
            props.push(parse_property(*line, l)?);
        }
    }
    if !ended {
        return Err("it has no END:VCARD".into());
    }
    let mut card = card_fields(props);
    if card.fields.name.is_empty() {
        card.fields.name = card.fields.company.clone().unwrap_or_default();
    }
    if card.fields.name.is_empty() {
        return Err("it has no name and no company".into());
    }
    Ok(card)
}

/// Parses a vCard file; see [`crate::import::parse_vcard`].
pub(crate) fn parse_file(plan: &NumberPlan, text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut card: Option<(u64, Vec<Property>, Option<String>)> = None;
    for (line, content) in unfold(text) {
        if content.trim().is_empty() {
            continue;
        }
        let upper = content.trim().to_ascii_uppercase();
        if upper == "BEGIN:VCARD" {
            if let Some((start, _, _)) = card.take() {
                out.skip(start, "card has no END:VCARD");
            }
            card = Some((line, Vec::new(), None));
            continue;
        }
        if upper == "END:VCARD" {
            match card.take() {
                Some((start, _, Some(e))) => out.skip(start, e),
                Some((start, props, None)) => {
                    out.accept(plan, start, card_fields(props).fields);
                }
                None => out.skip(line, "END:VCARD without BEGIN:VCARD"),
            }
            continue;
        }
        let Some((_, props, error)) = card.as_mut() else {
            out.skip(line, "text outside BEGIN:VCARD ... END:VCARD");
            continue;
        };
        match parse_property(line, &content) {
            Ok(p) => props.push(p),
            Err(e) => {
                if error.is_none() {
                    *error = Some(e);
                }
            }
        }
    }
    if let Some((start, _, _)) = card {
        out.skip(start, "card has no END:VCARD");
    }
    // Skipped text outside cards is reported once per stretch, not per line.
    out.skipped
        .dedup_by(|b, a| a.reason == b.reason && b.reason.starts_with("text outside"));
    out
}

/// Content lines with the 1-based line each starts on. A line starting
/// with a space or tab continues the previous one; so does the line after
/// a quoted-printable value ending in `=` (a soft line break).
fn unfold(text: &str) -> Vec<(u64, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines: Vec<(u64, String)> = Vec::new();
    let mut soft_break = false;
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let folded = raw.strip_prefix(' ').or_else(|| raw.strip_prefix('\t'));
        match (soft_break, folded, lines.last_mut()) {
            (true, _, Some((_, prev))) => {
                prev.pop();
                prev.push_str(raw);
            }
            (false, Some(cont), Some((_, prev))) => prev.push_str(cont),
            _ => lines.push((i as u64 + 1, raw.to_owned())),
        }
        soft_break = lines.last().is_some_and(|(_, l)| {
            l.ends_with('=') && is_quoted_printable(l.split(':').next().unwrap_or_default())
        });
    }
    lines
}

fn is_quoted_printable(head: &str) -> bool {
    head.to_ascii_uppercase().contains("QUOTED-PRINTABLE")
}

/// Decodes `=XX` escapes (and drops a trailing soft break) as UTF-8, with
/// anything undecodable kept as written.
fn decode_quoted_printable(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'=', None) if i + 1 == bytes.len() => i += 1,
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Undoes vCard text escaping: `\n`, `\,`, `\;`, `\\`.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits a structured value (N, ORG) on unescaped `;`.
fn split_components(s: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            if let Some(p) = parts.last_mut() {
                p.push('\\');
                p.push(c);
            }
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ';' {
            parts.push(String::new());
        } else if let Some(p) = parts.last_mut() {
            p.push(c);
        }
    }
    parts.iter().map(|p| unescape(p)).collect()
}

/// One unfolded content line: `group.NAME;PARAM=x:value`.
struct Property {
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

fn parse_property(line: u64, text: &str) -> Result<Property, String> {
    // The name and parameters end at the first ':' outside double quotes.
    let mut quoted = false;
    let colon = text
        .char_indices()
        .find(|&(_, c)| {
            if c == '"' {
                quoted = !quoted;
            }
            c == ':' && !quoted
        })
        .map(|(i, _)| i)
        .ok_or_else(|| {
            format!(
                "line {line}: \"{}\" has no ':'",
                text.chars().take(40).collect::<String>()
            )
        })?;
    let (head, value) = (&text[..colon], &text[colon + 1..]);
    let mut parts = head.split(';');
    let name = parts.next().unwrap_or_default();
    let name = name
        .rsplit('.')
        .next()
        .unwrap_or(name)
        .trim()
        .to_ascii_uppercase();
    let params = parts
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (
                k.trim().to_ascii_uppercase(),
                v.trim_matches('"').to_owned(),
            ),
            // vCard 2.1 style bare parameter: TEL;CELL:...
            None => ("TYPE".to_owned(), p.to_owned()),
        })
        .collect();
    let value = if is_quoted_printable(head) {
        decode_quoted_printable(value)
    } else {
        value.to_owned()
    };
    Ok(Property {
        name,
        params,
        value,
    })
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A one-line field: control characters (a CR/LF smuggled in through an
/// escape or quoted-printable) become spaces, so a name stays one line.
fn one_line(s: &str) -> Option<String> {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    non_empty(&flat)
}

fn card_fields(props: Vec<Property>) -> Card {
    let mut c = ContactFields::default();
    let mut title = None;
    let mut n_name = None;
    for p in props {
        match p.name.as_str() {
            "FN" => c.name = one_line(&unescape(&p.value)).unwrap_or_default(),
            "N" => n_name = name_from_n(&p.value),
            "ORG" => {
                c.company = split_components(&p.value)
                    .into_iter()
                    .next()
                    .and_then(|s| one_line(&s))
            }
            "TITLE" => title = title.or_else(|| one_line(&unescape(&p.value))),
            "EMAIL" => c.email = c.email.take().or_else(|| one_line(&unescape(&p.value))),
            "NOTE" => c.notes = non_empty(&unescape(&p.value)),
            "URL" => c.crm_url = c.crm_url.take().or_else(|| one_line(&unescape(&p.value))),
            "TEL" => c.numbers.extend(telephone(&p)),
            _ => {}
        }
    }
    if c.name.is_empty() {
        c.name = n_name.unwrap_or_default();
    }
    Card { fields: c, title }
}

/// `N`: Family;Given;Additional;Prefix;Suffix, shown as
/// "Prefix Given Additional Family Suffix".
fn name_from_n(value: &str) -> Option<String> {
    let parts = split_components(value);
    let pick = |i: usize| parts.get(i).and_then(|s| one_line(s));
    let joined: Vec<String> = [pick(3), pick(1), pick(2), pick(0), pick(4)]
        .into_iter()
        .flatten()
        .collect();
    Some(joined.join(" "))
}

/// A `TEL` property as a number with its type as the label ("Cell",
/// "Work"); `tel:` URIs lose their scheme and `;ext=` parameters.
fn telephone(p: &Property) -> Option<ContactNumber> {
    let value = unescape(&p.value);
    let value = value.trim();
    let number = value.strip_prefix("tel:").unwrap_or(value);
    let number = one_line(number.split(';').next().unwrap_or_default())?;
    let label = p
        .params
        .iter()
        .filter(|(k, _)| k == "TYPE")
        .flat_map(|(_, v)| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .find(|t| !matches!(t.as_str(), "voice" | "pref" | "internet" | ""))
        .map(|t| {
            let mut s = t;
            if let Some(f) = s.get_mut(0..1) {
                f.make_ascii_uppercase();
            }
            s
        });
    Some(ContactNumber {
        label,
        number,
        normalized: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vcard_escapes_are_undone() {
        assert_eq!(
            unescape(r"a\, b\; c\\d\ne"),
            "a, b; c\\d\ne",
            "vCard escapes must be decoded"
        );
        assert_eq!(
            split_components(r"Doe;John\;Jr;;"),
            vec!["Doe", "John;Jr", "", ""],
            "escaped ';' stays in its component"
        );
    }

    #[test]
    fn a_card_reads_every_field_the_popup_shows() {
        let card = parse_card(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Meier;Anna;;Dr.;\r\nORG:Meier \\, Söhne;Sales\r\n\
             TITLE:Head of\r\n  Sales\r\nitem1.TEL;TYPE=CELL,VOICE:+49 170 1234567\r\n\
             TEL;TYPE=work:tel:+49-30-1234-567;ext=12\r\nEMAIL;TYPE=INTERNET:anna@example.com\r\n\
             NOTE:Prefers mornings\\nCall back\r\nEND:VCARD\r\n",
        )
        .expect("a well-formed card");
        assert_eq!(
            card.fields.name, "Dr. Anna Meier",
            "N builds the name without FN"
        );
        assert_eq!(
            card.fields.company.as_deref(),
            Some("Meier , Söhne"),
            "ORG's first part"
        );
        assert_eq!(
            card.title.as_deref(),
            Some("Head of Sales"),
            "folded TITLE unfolded"
        );
        let numbers: Vec<_> = card
            .fields
            .numbers
            .iter()
            .map(|n| (n.label.as_deref(), n.number.as_str()))
            .collect();
        assert_eq!(
            numbers,
            [
                (Some("Cell"), "+49 170 1234567"),
                (Some("Work"), "+49-30-1234-567")
            ],
            "TEL types become labels; tel: URIs are cut to the number"
        );
        assert_eq!(card.fields.email.as_deref(), Some("anna@example.com"));
        assert_eq!(
            card.fields.notes.as_deref(),
            Some("Prefers mornings\nCall back")
        );
    }

    #[test]
    fn quoted_printable_is_decoded_across_soft_breaks() {
        let card = parse_card(
            "BEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen M=\n=C3=BCller\n\
             TEL;CELL:0170 1234567\nEND:VCARD\n",
        )
        .expect("a 2.1 card");
        assert_eq!(
            card.fields.name, "Jürgen Müller",
            "=XX bytes are UTF-8, '=' EOL joins"
        );
        assert_eq!(card.fields.numbers[0].label.as_deref(), Some("Cell"));
    }

    #[test]
    fn hostile_values_stay_text_on_one_line() {
        let card = parse_card(
            "BEGIN:VCARD\nFN:<img src=x onerror=alert(1)>\\r\\nX-Injected: yes\nEND:VCARD",
        )
        .expect("markup is just text");
        assert_eq!(
            card.fields.name, "<img src=x onerror=alert(1)>r X-Injected: yes",
            "markup kept verbatim; the escaped line break becomes a space"
        );
    }

    #[test]
    fn malformed_cards_are_refused_with_a_reason() {
        let cases = [
            ("FN:No begin\nEND:VCARD", "BEGIN"),
            ("BEGIN:VCARD\nFN:No end\n", "END"),
            ("BEGIN:VCARD\nthis line has no colon\nEND:VCARD", "no ':'"),
            ("BEGIN:VCARD\nTEL:123\nEND:VCARD", "no name"),
            (
                "BEGIN:VCARD\nFN:A\nEND:VCARD\nBEGIN:VCARD\nFN:B\nEND:VCARD",
                "after END",
            ),
        ];
        for (text, why) in cases {
            let err = parse_card(text).expect_err(text);
            assert!(err.contains(why), "{text:?}: {err}");
        }
    }
}
