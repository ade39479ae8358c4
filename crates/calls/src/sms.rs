//! SMS through OpenVox VoxStack GSM gateways over AMI: reading incoming
//! messages out of the gateway's dialplan events, and building, checking and
//! reading back the `gsm send sms` CLI command that sends one.
//!
//! An incoming SMS arrives as `Event: Newexten` on a channel like
//! `EXTRA-SMS/3-1`, context `gsm-2`, `Extension: sms`; its `AppData` holds
//! either the bare message or, when the dialplan runs the gateway's
//! `process_sms` program, the span, sender, receive time and message, which
//! OpenVox's own C example reads at fixed offsets. Gateways and dialplans
//! differ, so [`parse_incoming_sms`] reads that layout first and then falls
//! back to `key=value` and positional forms, and always keeps the raw
//! `AppData` so nothing is lost when it guesses wrong. It is a pure function
//! of one event; [`SmsDetector`] adds the one piece of memory needed to
//! report each message once when a dialplan emits several `Newexten` for it.
//!
//! Sending goes through `Action: Command` with
//! `gsm send sms <span> <destination> <message> <timeout> [id]`. Asterisk's
//! CLI splits that line itself (double quotes group words, a backslash
//! escapes the next character), so [`quote_cli_arg`] quotes the text so the
//! CLI reads back exactly what the user typed. A text with a line break is
//! refused, not rewritten: AMI values cannot carry one and the CLI has no
//! escape for it, and silently turning it into a space would send a message
//! the user did not write.
//!
//! This module does no I/O except the thin [`send_sms`] glue to a
//! [`ringside_ami::Client`], as `actions.rs` does; errors are the crate's
//! [`ActionError`].

use std::collections::{HashSet, VecDeque};

use ringside_ami::{Client, Packet};
use serde::Serialize;

use crate::actions::{ActionError, Result};

/// The gateway program whose arguments the `AppData` carries.
const PROCESS_SMS: &str = "process_sms";

/// Longest `Command:` value sent. Asterisk reads an AMI line into a 1024-byte
/// buffer; `Command: ` and the line end must fit beside the command.
pub const MAX_COMMAND_BYTES: usize = 1000;

/// How long the gateway keeps trying to send, when the request names no
/// timeout (the command's `<timeout>` argument, in seconds).
pub const DEFAULT_SMS_TIMEOUT_S: u32 = 20;

/// Highest span number accepted; VoxStack chassis have far fewer GSM spans,
/// and the gateway itself says which exist.
pub const MAX_SPAN: u32 = 255;

/// Longest destination number (digits, plus an optional leading `+`).
pub const MAX_DESTINATION_LEN: usize = 20;

// ---- receiving ---------------------------------------------------------

/// One SMS that reached the gateway, as read from its `Newexten` event.
///
/// Everything the event said is kept: `raw` is the `AppData` exactly as
/// received, so a format this parser does not know still shows the user the
/// whole message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IncomingSms {
    /// The GSM span (SIM slot) that received it: from `process_sms`'s
    /// arguments, else the digit in the channel (`EXTRA-SMS/3-1` → 3) or
    /// the context (`gsm-2` → 2).
    pub span: Option<u32>,
    /// The sender's number, when the event names one.
    pub sender: Option<String>,
    /// The receive time as the gateway wrote it (`2015-03-27 09:44:02`).
    pub received_at: Option<String>,
    /// That time as Unix milliseconds, read as UTC since the gateway sends
    /// no time zone; `None` when it could not be read.
    pub received_at_ms: Option<i64>,
    /// The message, with percent-encoding or `\n` escapes decoded.
    pub text: String,
    /// The `AppData` exactly as it arrived.
    pub raw: String,
    /// The event's `Channel` (`EXTRA-SMS/3-1`).
    pub channel: String,
    /// The event's `Context` (`gsm-2`).
    pub context: String,
    /// The event's `Uniqueid`, when it has one.
    pub uniqueid: Option<String>,
}

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

/// Whether `p` is a `Newexten` of the gateway's SMS dialplan: its extension
/// is `sms`, or its `AppData` runs `process_sms`.
pub fn is_sms_event(p: &Packet) -> bool {
    let Some(ev) = p.event() else { return false };
    if !ev.eq_ignore_ascii_case("Newexten") {
        return false;
    }
    let app_data = p.get("AppData").unwrap_or_default();
    if find_ascii_ci(app_data, PROCESS_SMS).is_some() {
        return true;
    }
    // An empty AppData (a `Hangup()` priority, say) is the dialplan going
    // on, not a message.
    p.get("Extension")
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("sms"))
        && !app_data.trim().is_empty()
}

/// Reads an incoming SMS out of one event; `None` when the event is not one
/// (see [`is_sms_event`]). Never panics, whatever the event holds.
///
/// ```
/// use ringside_ami::Packet;
/// use ringside_calls::sms::parse_incoming_sms;
/// let ev = Packet::new()
///     .with("Event", "Newexten")
///     .with("Channel", "EXTRA-SMS/3-1")
///     .with("Context", "gsm-3")
///     .with("Extension", "sms")
///     .with("Priority", "1")
///     .with("AppData", "process_sms: 3 from 13632919026 @ 2015-03-27 09:44:02 : hello word");
/// let sms = parse_incoming_sms(&ev).unwrap();
/// assert_eq!(sms.span, Some(3));
/// assert_eq!(sms.sender.as_deref(), Some("13632919026"));
/// assert_eq!(sms.text, "hello word");
/// ```
pub fn parse_incoming_sms(p: &Packet) -> Option<IncomingSms> {
    if !is_sms_event(p) {
        return None;
    }
    let raw = p.get("AppData").unwrap_or_default();
    let channel = p.get("Channel").unwrap_or_default();
    let context = p.get("Context").unwrap_or_default();
    let fields = parse_app_data(raw);
    let span = fields
        .span
        .or_else(|| span_of_channel(channel))
        .or_else(|| span_of_context(context));
    // Without process_sms the event may still name the sender as caller ID.
    let sender = fields.sender.or_else(|| {
        p.get("CallerIDNum")
            .map(str::trim)
            .filter(|n| is_phone_like(n))
            .map(str::to_owned)
    });
    let received_at_ms = fields.received_at.as_deref().and_then(parse_time_ms);
    Some(IncomingSms {
        span,
        sender,
        received_at: fields.received_at,
        received_at_ms,
        text: fields.text,
        raw: raw.to_owned(),
        channel: channel.to_owned(),
        context: context.to_owned(),
        uniqueid: p
            .get("Uniqueid")
            .filter(|u| !u.is_empty())
            .map(str::to_owned),
    })
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

/// A span number: 1 to [`MAX_SPAN`], at most three digits.
fn parse_span(token: &str) -> Option<u32> {
    if token.is_empty() || token.len() > 3 || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok().filter(|n| (1..=MAX_SPAN).contains(n))
}

/// An optional `+` and 3 to 20 digits.
fn is_phone_like(token: &str) -> bool {
    let digits = token.strip_prefix('+').unwrap_or(token);
    (3..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `EXTRA-SMS/3-1` → 3.
fn span_of_channel(channel: &str) -> Option<u32> {
    let (_, rest) = channel.split_once('/')?;
    parse_span(rest.split(['-', '@', ';']).next()?)
}

/// `gsm-2` → 2.
fn span_of_context(context: &str) -> Option<u32> {
    let lower = context.to_ascii_lowercase();
    let rest = lower.strip_prefix("gsm")?;
    parse_span(rest.trim_start_matches(['-', '_']))
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

/// ASCII-case-insensitive `find`.
fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// How many recent messages [`SmsDetector`] remembers by default.
pub const DEFAULT_DETECTOR_MEMORY: usize = 256;

/// Reports each incoming SMS once. A gateway's dialplan may pass several
/// priorities of the `sms` extension for one message (a `NoOp`, then
/// `process_sms`), each a `Newexten` with the same `Uniqueid`; only the
/// first is reported. The memory of recent ids is bounded, so it cannot grow
/// on a long-running session.
#[derive(Debug, Clone)]
pub struct SmsDetector {
    /// Oldest first, to forget in order.
    order: VecDeque<String>,
    /// The same keys, for a lookup that does not scan the whole memory.
    seen: HashSet<String>,
    capacity: usize,
}

impl Default for SmsDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl SmsDetector {
    /// A detector remembering [`DEFAULT_DETECTOR_MEMORY`] messages.
    pub fn new() -> Self {
        Self::with_memory(DEFAULT_DETECTOR_MEMORY)
    }

    /// A detector remembering the last `capacity` messages (at least one).
    pub fn with_memory(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let prealloc = capacity.min(1024);
        Self {
            order: VecDeque::with_capacity(prealloc),
            seen: HashSet::with_capacity(prealloc),
            capacity,
        }
    }

    /// The SMS this event carries, unless an earlier event of the same
    /// message was already reported.
    pub fn observe(&mut self, p: &Packet) -> Option<IncomingSms> {
        let sms = parse_incoming_sms(p)?;
        // Without a Uniqueid, the channel and text identify the message.
        let key = match &sms.uniqueid {
            Some(u) => format!("u:{u}"),
            None => format!("c:{}\u{1f}{}", sms.channel, sms.raw),
        };
        if self.seen.contains(&key) {
            return None;
        }
        if self.order.len() == self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        self.seen.insert(key.clone());
        self.order.push_back(key);
        Some(sms)
    }
}

// ---- sending -----------------------------------------------------------

/// An SMS to send through the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsRequest {
    /// The GSM span (SIM) to send from, `1` to [`MAX_SPAN`].
    pub span: String,
    /// The number to send to: digits with an optional leading `+`.
    pub destination: String,
    /// The message, any single-line text (Unicode welcome).
    pub text: String,
    /// How long (seconds) the gateway keeps trying; [`DEFAULT_SMS_TIMEOUT_S`]
    /// when `None`.
    pub timeout_s: Option<u32>,
    /// An optional identifier of this SMS (letters, digits, `-`, `_`, `.`).
    pub id: Option<String>,
}

impl SmsRequest {
    /// A request with the default timeout and no id.
    pub fn new(
        span: impl Into<String>,
        destination: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Self {
            span: span.into(),
            destination: destination.into(),
            text: text.into(),
            timeout_s: None,
            id: None,
        }
    }
}

/// Shows control characters in a refused value instead of printing them.
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(60).flat_map(char::escape_debug).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// Quotes one argument for Asterisk's CLI parser (`main/cli.c`
/// `parse_args`): wrapped in double quotes, with `"` and `\` escaped by a
/// backslash, so spaces, quotes, backslashes and Unicode all read back as
/// one argument, unchanged. The caller keeps CR, LF and NUL out.
///
/// ```
/// use ringside_calls::sms::quote_cli_arg;
/// assert_eq!(quote_cli_arg(r#"say "hi" \o/"#), r#""say \"hi\" \\o/""#);
/// ```
pub fn quote_cli_arg(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn check_span(span: &str) -> Result<u32> {
    if span.is_empty() {
        return Err(ActionError::Empty { field: "span" });
    }
    parse_span(span).ok_or_else(|| ActionError::BadField {
        field: "span (a GSM span number such as 1)",
        shown: shown(span),
    })
}

fn check_destination(destination: &str) -> Result<String> {
    if destination.is_empty() {
        return Err(ActionError::Empty {
            field: "SMS destination",
        });
    }
    let digits = destination.strip_prefix('+').unwrap_or(destination);
    if digits.is_empty()
        || digits.len() > MAX_DESTINATION_LEN
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(ActionError::BadField {
            field: "SMS destination (digits, with an optional leading +)",
            shown: shown(destination),
        });
    }
    Ok(destination.to_owned())
}

fn check_text(text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(ActionError::NoText);
    }
    if text.contains(['\r', '\n']) {
        return Err(ActionError::BadField {
            field: "SMS text (write it on one line: the gateway cannot send a line break)",
            shown: shown(text),
        });
    }
    if text.chars().any(char::is_control) {
        return Err(ActionError::BadField {
            field: "SMS text (control characters cannot be sent)",
            shown: shown(text),
        });
    }
    Ok(())
}

fn check_id(id: &str) -> Result<String> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(ActionError::BadField {
            field: "SMS id (letters, digits, -, _ and .)",
            shown: shown(id),
        });
    }
    Ok(id.to_owned())
}

/// Builds the `Action: Command` that sends an SMS:
/// `gsm send sms <span> <destination> "<text>" <timeout> [id]`, every field
/// checked and the text quoted by [`quote_cli_arg`]. Refused before any
/// byte could be sent: an empty or non-numeric span, a destination with
/// anything but digits and a leading `+`, a text with a line break or other
/// control character, an unsafe id, or a command longer than
/// [`MAX_COMMAND_BYTES`].
///
/// ```
/// use ringside_calls::sms::{send_sms_action, SmsRequest};
/// let p = send_sms_action(&SmsRequest::new("1", "13632919026", "hello word")).unwrap();
/// assert_eq!(p.get("Command"), Some(r#"gsm send sms 1 13632919026 "hello word" 20"#));
/// assert!(send_sms_action(&SmsRequest::new("1", "13632919026", "two\nlines")).is_err());
/// ```
pub fn send_sms_action(req: &SmsRequest) -> Result<Packet> {
    let span = check_span(&req.span)?;
    let destination = check_destination(&req.destination)?;
    check_text(&req.text)?;
    let timeout = req.timeout_s.unwrap_or(DEFAULT_SMS_TIMEOUT_S);
    if timeout == 0 {
        return Err(ActionError::BadField {
            field: "SMS timeout (seconds, at least 1)",
            shown: "0".into(),
        });
    }
    let mut command = format!(
        "gsm send sms {span} {destination} {} {timeout}",
        quote_cli_arg(&req.text)
    );
    if let Some(id) = &req.id {
        command.push(' ');
        command.push_str(&check_id(id)?);
    }
    if command.len() > MAX_COMMAND_BYTES {
        return Err(ActionError::BadField {
            field: "SMS text (too long for one gateway command: shorten it)",
            shown: shown(&req.text),
        });
    }
    Ok(Packet::action("Command").with("Command", command))
}

/// The gateway accepted an SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsSent {
    /// What the gateway's CLI printed, one entry per line.
    pub output: Vec<String>,
}

/// Words in the CLI output that mean the gateway did not take the SMS.
const FAILURE_WORDS: &[&str] = &[
    "fail",
    "error",
    "unable",
    "invalid",
    "no such",
    "not exist",
    "doesn't exist",
    "does not exist",
    "not a gsm",
    "not ready",
    "not available",
    "unavailable",
    "usage:",
    "permission denied",
];

/// Reads the gateway's answer to the `gsm send sms` command. `Response:
/// Error` (or output naming a failure) becomes an error a receptionist can
/// act on: "No such command" means this PBX is not an OpenVox GSM gateway,
/// "Permission denied" that the AMI user may not run commands.
pub fn sms_send_outcome(reply: &Packet) -> Result<SmsSent> {
    let mut output: Vec<String> = reply.get_all("Output").map(str::to_owned).collect();
    let message = reply.get("Message").unwrap_or_default();
    if output.is_empty() && reply.is("Response", "Error") && !message.is_empty() {
        output.push(message.to_owned());
    }
    let all = output.join("\n");
    let lower = all.to_ascii_lowercase();
    if lower.contains("no such command") || lower.contains("invalid/unknown command") {
        return Err(ActionError::Unsupported {
            action:
                "sending SMS: it is not an OpenVox GSM gateway (it has no 'gsm send sms' command)",
        });
    }
    if lower.contains("permission denied")
        || message.to_ascii_lowercase().contains("permission denied")
    {
        return Err(ActionError::CommandsDenied);
    }
    let failed = reply.is("Response", "Error") || FAILURE_WORDS.iter().any(|w| lower.contains(w));
    if failed {
        let said = if all.trim().is_empty() {
            message.to_owned()
        } else {
            all.trim().replace('\n', " / ")
        };
        return Err(ActionError::SmsFailed(said));
    }
    Ok(SmsSent { output })
}

/// Sends an SMS through the gateway and reads its answer (see
/// [`send_sms_action`] and [`sms_send_outcome`]).
pub async fn send_sms(client: &Client, req: &SmsRequest) -> Result<SmsSent> {
    let action = send_sms_action(req)?;
    let reply = client.send_raw(action).await?;
    sms_send_outcome(&reply)
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

    #[test]
    fn span_falls_back_to_channel_then_context() {
        assert_eq!(
            span_of_channel("EXTRA-SMS/3-1"),
            Some(3),
            "the seed's channel names span 3"
        );
        assert_eq!(
            span_of_context("gsm-2"),
            Some(2),
            "the seed's context names span 2"
        );
        assert_eq!(
            span_of_channel("PJSIP/1001-00000001"),
            None,
            "a four-digit endpoint is no span"
        );
    }
}
