//! Reading an SMS `AppData`: OpenVox's fixed `process_sms` layout, the
//! tolerant `key=value` and positional readers behind it, receive times,
//! and the encodings a gateway puts multi-line text in.

use super::{find_ascii_ci, is_phone_like, parse_span, PROCESS_SMS};

/// The fields read out of an `AppData` value, before the event's own
/// fields (channel, context) fill the gaps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmsFields {
    /// The span, when the text names one.
    pub span: Option<u32>,
    /// The first phone-number-like token, or a `sender=` value.
    pub sender: Option<String>,
    /// A time recognized by its shape, or a `time=` value.
    pub received_at: Option<String>,
    /// The message, decoded.
    pub text: String,
}

/// Reads the fields out of an SMS `AppData`: OpenVox's fixed `process_sms`
/// layout, `key=value` forms, positional forms, or (without `process_sms`)
/// the bare message.
pub fn parse_app_data(app_data: &str) -> SmsFields {
    let Some(at) = find_ascii_ci(app_data, PROCESS_SMS) else {
        return SmsFields {
            text: decode_sms_text(app_data.trim()),
            ..SmsFields::default()
        };
    };
    let from_program = &app_data[at..];
    let mut fields = seed_layout(from_program)
        .or_else(|| key_value_form(&from_program[PROCESS_SMS.len()..]))
        .unwrap_or_else(|| positional_form(&from_program[PROCESS_SMS.len()..]));
    fields.text = decode_sms_text(&fields.text);
    fields
}

/// The layout OpenVox's `readsms_fun` reads, counted in bytes from the
/// start of `process_sms`: span (1 byte) at 13, sender (11) at 20, time
/// (19) at 34, message from 56 to the end. Only taken when each piece has
/// the shape it must have, so another layout falls through to the tolerant
/// readers instead of being cut at the wrong places.
fn seed_layout(s: &str) -> Option<SmsFields> {
    let b = s.as_bytes();
    if b.len() < 56 {
        return None;
    }
    let digit = |i: usize| b[i].is_ascii_digit();
    let sender_ok = (20..31).all(digit);
    let separated =
        !digit(12) && !digit(14) && !digit(19) && !digit(31) && !digit(33) && !digit(53);
    if !(digit(13) && sender_ok && separated && is_time_shape(&b[34..53])) {
        return None;
    }
    let mut text = s.get(56..)?;
    // A quoted message loses its closing quote as well as its opening one.
    if matches!(b[55], b'"' | b'\'') {
        text = text.strip_suffix(b[55] as char).unwrap_or(text);
    }
    Some(SmsFields {
        span: Some(u32::from(b[13] - b'0')),
        sender: Some(s.get(20..31)?.to_owned()),
        received_at: Some(s.get(34..53)?.to_owned()),
        text: text.to_owned(),
    })
}

/// Which field a `key=` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Span,
    Sender,
    Time,
    Message,
}

const KEYS: &[(&str, Key)] = &[
    ("span", Key::Span),
    ("port", Key::Span),
    ("sender", Key::Sender),
    ("from", Key::Sender),
    ("src", Key::Sender),
    ("phonenumber", Key::Sender),
    ("time", Key::Time),
    ("message", Key::Message),
    ("text", Key::Message),
    ("msg", Key::Message),
];

/// Characters that may stand between fields.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | ';' | '&' | '|' | '(' | ')' | '"' | '\'' | ':')
}

/// The next `key=` at or after `from`, at a word start: `(key, key start,
/// value start)`.
fn next_key(s: &str, from: usize) -> Option<(Key, usize, usize)> {
    let mut prev_sep = from == 0 || s[..from].chars().next_back().is_some_and(is_separator);
    for (i, c) in s[from..].char_indices() {
        let i = from + i;
        if prev_sep {
            for (name, key) in KEYS {
                let end = i + name.len();
                if s.get(i..end).is_some_and(|k| k.eq_ignore_ascii_case(name))
                    && s[end..].starts_with('=')
                {
                    return Some((*key, i, end + 1));
                }
            }
        }
        prev_sep = is_separator(c);
    }
    None
}

/// `span=3 sender=+4915112345678 time="2015-03-27 09:44:02" message=Hi`.
/// An unquoted value runs to the next key; a quoted one to its closing
/// quote, so a message may hold `,` or even `from=`.
fn key_value_form(s: &str) -> Option<SmsFields> {
    let mut found = next_key(s, 0)?;
    let mut fields = SmsFields::default();
    loop {
        let (key, _, value_start) = found;
        let rest = &s[value_start..];
        let (value, next) = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => match closing_quote(s, value_start, q) {
                Some(close) => (&s[value_start + 1..close], next_key(s, close + 1)),
                None => {
                    let next = next_key(s, value_start + 1);
                    let end = next.map_or(s.len(), |n| n.1);
                    (s[value_start + 1..end].trim_end_matches(is_separator), next)
                }
            },
            _ => {
                let next = next_key(s, value_start);
                let end = next.map_or(s.len(), |n| n.1);
                let v = s[value_start..end].trim();
                // Only list separators are trimmed: a message may end in
                // `:)` or a quote of its own.
                (v.trim_end_matches([',', ';', '&']).trim_end(), next)
            }
        };
        match key {
            Key::Span => fields.span = fields.span.or_else(|| parse_span(value.trim())),
            Key::Sender if fields.sender.is_none() && !value.trim().is_empty() => {
                fields.sender = Some(value.trim().to_owned())
            }
            Key::Time if fields.received_at.is_none() && !value.trim().is_empty() => {
                fields.received_at = Some(value.trim().to_owned())
            }
            Key::Message if fields.text.is_empty() => fields.text = value.to_owned(),
            _ => {}
        }
        match next {
            Some(n) => found = n,
            None => return Some(fields),
        }
    }
}

/// The quote closing the value opened by `q` at `open`: the first one after
/// which only separators remain before the end or another key.
fn closing_quote(s: &str, open: usize, q: char) -> Option<usize> {
    let mut search = open + 1;
    while let Some(rel) = s[search..].find(q) {
        let close = search + rel;
        let after = &s[close + 1..];
        let trimmed = after
            .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '&' | ')'));
        if trimmed.is_empty()
            || next_key(s, s.len() - trimmed.len()).is_some_and(|k| k.1 == s.len() - trimmed.len())
        {
            return Some(close);
        }
        search = close + q.len_utf8();
    }
    None
}

/// `,"2","+4915112345678","2015/03/27 09:44:02","Hi"`, `2 +49151… Hi`:
/// the time is found by its shape, the sender is the first phone-number-
/// like token before it, a short number before the sender is the span, and
/// the message is what follows the time (or the sender, when there is no
/// time).
fn positional_form(s: &str) -> SmsFields {
    let mut fields = SmsFields::default();
    let time = find_time(s);
    let head_end = time.map_or(s.len(), |t| t);
    let mut message_from = None;
    for (start, token) in tokens(&s[..head_end]) {
        if is_phone_like(token) {
            fields.sender = Some(token.to_owned());
            message_from = Some(start + token.len());
            break;
        }
        if fields.span.is_none() {
            fields.span = parse_span(token);
        }
    }
    if let Some(t) = time {
        fields.received_at = Some(s[t..t + 19].to_owned());
        message_from = Some(t + 19);
    }
    let rest = match message_from {
        Some(m) => &s[m..],
        None => s,
    };
    fields.text = strip_field_separator(rest).to_owned();
    fields
}

/// Maximal runs of ASCII letters, digits and `+`, with their offsets.
fn tokens(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() && !(b[i].is_ascii_alphanumeric() || b[i] == b'+') {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'+') {
            i += 1;
        }
        // Only ASCII bytes end a token, so both ends are char boundaries.
        s.get(start..i).map(|t| (start, t))
    })
}

/// Removes the one separator between the previous field and the message:
/// a closing quote, whitespace, at most one of `, ; : |`, whitespace, an
/// opening quote (and its partner at the end). Only one, so a message that
/// itself starts with `:-)` keeps it.
fn strip_field_separator(s: &str) -> &str {
    let mut rest = s.strip_prefix(['"', '\'']).unwrap_or(s);
    rest = rest.trim_start();
    rest = rest.strip_prefix([',', ';', ':', '|']).unwrap_or(rest);
    rest = rest.trim_start();
    for q in ['"', '\''] {
        if let Some(inner) = rest.strip_prefix(q) {
            let inner = inner.trim_end();
            return inner.strip_suffix(q).unwrap_or(inner);
        }
    }
    rest.trim_end()
}

/// `YYYY-MM-DD HH:MM:SS` or `YYYY/MM/DD HH:MM:SS` (also `T` or `_` between).
fn is_time_shape(b: &[u8]) -> bool {
    if b.len() != 19 {
        return false;
    }
    let d = |i: usize| b[i].is_ascii_digit();
    (0..4).all(d)
        && matches!(b[4], b'-' | b'/')
        && b[7] == b[4]
        && d(5)
        && d(6)
        && d(8)
        && d(9)
        && matches!(b[10], b' ' | b'T' | b'_')
        && d(11)
        && d(12)
        && b[13] == b':'
        && d(14)
        && d(15)
        && b[16] == b':'
        && d(17)
        && d(18)
}

/// Byte offset of the first time-shaped run in `s`.
fn find_time(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(18)).find(|&i| is_time_shape(&b[i..i + 19]) && s.is_char_boundary(i))
}

/// A `YYYY-MM-DD HH:MM:SS` time as Unix milliseconds, read as UTC.
pub fn parse_time_ms(time: &str) -> Option<i64> {
    let b = time.trim().as_bytes();
    if !is_time_shape(b) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> i64 {
        b[r].iter().fold(0, |n, c| n * 10 + i64::from(c - b'0'))
    };
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    let (hh, mm, ss) = (num(11..13), num(14..16), num(17..19));
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    Some((crate::civil::days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss) * 1000)
}

/// Undoes the encodings a gateway uses to put a multi-line message into one
/// AMI value: well-formed percent-encoding (Asterisk's `URIENCODE`), else
/// literal `\n` / `\r\n` escapes. Text that is neither (`50% off`,
/// `C:\temp`) is returned as it is.
///
/// ```
/// use ringside_calls::sms::decode_sms_text;
/// assert_eq!(decode_sms_text("Gr%C3%BC%C3%9Fe%0Abis%20bald"), "Grüße\nbis bald");
/// assert_eq!(decode_sms_text("line one\\nline two"), "line one\nline two");
/// assert_eq!(decode_sms_text("50% off"), "50% off");
/// ```
pub fn decode_sms_text(s: &str) -> String {
    if let Some(decoded) = percent_decode(s) {
        return decoded;
    }
    if s.contains("\\n") || s.contains("\\r") {
        return unescape_line_breaks(s);
    }
    s.to_owned()
}

/// Decodes `s` only when it holds at least one escape, every `%` starts a
/// `%XX` escape, and the bytes are UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if !b.contains(&b'%') {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hi = (*b.get(i + 1)? as char).to_digit(16)?;
            let lo = (*b.get(i + 2)? as char).to_digit(16)?;
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn unescape_line_breaks(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('n') => {
                chars.next();
                out.push('\n');
            }
            Some('r') => {
                chars.next();
                // `\r\n` is one line break, as is a lone `\r`.
                let mut ahead = chars.clone();
                if ahead.next() == Some('\\') && ahead.next() == Some('n') {
                    chars.next();
                    chars.next();
                }
                out.push('\n');
            }
            Some('\\') => {
                chars.next();
                out.push('\\');
            }
            Some('t') => {
                chars.next();
                out.push('\t');
            }
            _ => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_utc() {
        assert_eq!(
            parse_time_ms("1970-01-01 00:00:00"),
            Some(0),
            "the epoch itself"
        );
        assert_eq!(
            parse_time_ms("2015-03-27 09:44:02"),
            Some(1_427_449_442_000),
            "the seed's receive time, UTC"
        );
        assert_eq!(
            parse_time_ms("2015/03/27 09:44:02"),
            Some(1_427_449_442_000),
            "slashes are the same date"
        );
        assert_eq!(
            parse_time_ms("2015-13-27 09:44:02"),
            None,
            "month 13 is no date"
        );
    }
}
