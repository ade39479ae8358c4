//! [`Packet`]: one AMI message as it came off (or goes onto) the wire.
//!
//! A packet is an ordered list of `Key: Value` fields. Order matters and keys
//! repeat (`Variable`, `ChanVariable`, `Output`), so it is a list, not a map.
//! Keys are compared ASCII-case-insensitively, as Asterisk itself does.
//! Encoding refuses CR, LF and NUL anywhere in a key or value, so no
//! user-typed text can ever end a packet early and smuggle in an action.
//!
//! All keys and values of a packet live in one `String`, with a list of
//! offsets into it: the decoder then makes two allocations per packet instead
//! of two per field, which was most of its time on a busy PBX. This module
//! owns that layout; only the codec builds one from wire offsets.
//!
//! The packet also remembers where its routing keys (`Event`, `Response`,
//! `ActionID`, `EventList`) first occur, so the client can route each
//! packet without scanning its fields again for every one of them.

use std::fmt;

/// One AMI packet: an action, a response or an event.
///
/// Command output from `Response: Follows` (Asterisk ≤ 13) is stored as one
/// `Output` field per line, the same shape Asterisk 14+ sends natively, so
/// callers read both with [`Packet::get_all`]`("Output")`.
///
/// Two packets are equal when they hold the same fields in the same order;
/// how their text happens to be laid out in memory does not matter.
#[derive(Clone, Default)]
pub struct Packet {
    /// Every key and value, back to back. Bytes no field points at any more
    /// (left by [`Packet::set`] and [`Packet::remove`]) are dead until the
    /// next compaction.
    text: String,
    /// The fields in wire order, as offsets into `text`. Every offset is a
    /// char boundary of `text`.
    fields: Vec<FieldSpan>,
    /// Index of the first field with each routing key, kept in step with
    /// `fields` by every edit.
    routing: Routing,
}

/// Where one field's key and value lie in [`Packet::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldSpan {
    pub(crate) key_start: u32,
    pub(crate) key_len: u32,
    pub(crate) value_start: u32,
    pub(crate) value_len: u32,
}

/// The keys the client routes by, in the order of [`Routing::first`].
const ROUTING_KEYS: [&str; 4] = ["Event", "Response", "ActionID", "EventList"];

/// "No such field" in [`Routing::first`].
const ABSENT: u32 = u32::MAX;

/// Index of the first field for each of [`ROUTING_KEYS`], or [`ABSENT`].
#[derive(Debug, Clone, Copy)]
struct Routing {
    first: [u32; 4],
}

impl Default for Routing {
    fn default() -> Self {
        Self { first: [ABSENT; 4] }
    }
}

/// Which of [`ROUTING_KEYS`] `key` is, case-insensitively. Checks the length
/// first, so for most keys this costs one comparison.
fn routing_slot(key: &str) -> Option<usize> {
    let slot = match key.len() {
        5 => 0,
        8 if key.as_bytes()[0].eq_ignore_ascii_case(&b'R') => 1,
        8 => 2,
        9 => 3,
        _ => return None,
    };
    key.eq_ignore_ascii_case(ROUTING_KEYS[slot]).then_some(slot)
}

/// The longest text a packet can hold, so that 32-bit offsets always fit.
pub(crate) const MAX_TEXT: usize = u32::MAX as usize;

/// Dead bytes tolerated before [`Packet::set`] or [`Packet::remove`] compacts
/// the text: repeated `set` on a reused packet must not grow it forever, but
/// one small edit should not copy the whole packet either.
const COMPACT_SLACK: usize = 256;

/// Why a packet could not be encoded. Nothing is written when this happens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A key or value holds a carriage return, line feed or NUL, which would
    /// end the line (or the packet) early on the wire.
    #[error("the {field} field contains a line break or NUL character, which is not allowed")]
    ForbiddenCharacter {
        /// The key of the offending field (sanitised for display).
        field: String,
    },
    /// A key is empty or contains a colon, so it cannot be parsed back.
    #[error("'{field}' is not a valid AMI field name")]
    InvalidKey {
        /// The offending key (sanitised for display).
        field: String,
    },
}

impl Packet {
    /// An empty packet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A packet with room for `n` fields.
    pub fn with_capacity(n: usize) -> Self {
        // Actions are a few short fields; 32 bytes each covers most of them.
        Self::with_text_capacity(n, n.saturating_mul(32))
    }

    /// A packet with room for `fields` fields holding `text` bytes of keys
    /// and values together: the decoder knows both exactly.
    pub(crate) fn with_text_capacity(fields: usize, text: usize) -> Self {
        Self {
            text: String::with_capacity(text),
            fields: Vec::with_capacity(fields),
            routing: Routing::default(),
        }
    }

    /// A packet over `text` as it is, with `fields` pointing into it: the
    /// decoder's fast path, one copy of the wire bytes and no per-field
    /// work. Returns `None`, building nothing, when a span is out of bounds,
    /// not on a char boundary, or `text` is too long for 32-bit offsets.
    pub(crate) fn from_spans(text: String, fields: Vec<FieldSpan>) -> Option<Self> {
        if text.len() > MAX_TEXT {
            return None;
        }
        let on_boundary = |start: u32, len: u32| {
            let (start, end) = (start as usize, start as usize + len as usize);
            end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end)
        };
        if !fields
            .iter()
            .all(|f| on_boundary(f.key_start, f.key_len) && on_boundary(f.value_start, f.value_len))
        {
            return None;
        }
        let mut p = Self {
            text,
            fields,
            routing: Routing::default(),
        };
        p.reindex();
        Some(p)
    }

    /// Recomputes [`Packet::routing`] from the fields.
    fn reindex(&mut self) {
        let mut routing = Routing::default();
        for (i, f) in self.fields.iter().enumerate() {
            if let Some(slot) = routing_slot(self.key(f)) {
                if routing.first[slot] == ABSENT {
                    // Fields fit in u32: each takes at least one byte of
                    // text, which stays under 4 GiB.
                    routing.first[slot] = i as u32;
                }
            }
        }
        self.routing = routing;
    }

    /// Starts an action packet: `Action: <name>`.
    ///
    /// ```
    /// let p = ringside_ami::Packet::action("Ping");
    /// assert_eq!(p.get("action"), Some("Ping"));
    /// ```
    pub fn action(name: &str) -> Self {
        let mut p = Self::with_capacity(4);
        p.push_str("Action", name);
        p
    }

    /// Appends a field, keeping any earlier field with the same key.
    ///
    /// # Panics
    ///
    /// If the packet's keys and values together would pass 4 GiB.
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.push_str(&key.into(), &value.into());
    }

    /// [`Packet::push`] without converting to owned strings first: both are
    /// copied straight into the packet's text.
    pub(crate) fn push_str(&mut self, key: &str, value: &str) {
        let (key_start, key_len) = self.append(key);
        let (value_start, value_len) = self.append(value);
        if let Some(slot) = routing_slot(key) {
            if self.routing.first[slot] == ABSENT {
                self.routing.first[slot] = u32::try_from(self.fields.len()).unwrap_or(ABSENT);
            }
        }
        self.fields.push(FieldSpan {
            key_start,
            key_len,
            value_start,
            value_len,
        });
    }

    /// Copies `s` onto the end of the text; returns its offset and length.
    fn append(&mut self, s: &str) -> (u32, u32) {
        let start = self.text.len();
        assert!(
            s.len() <= MAX_TEXT - start,
            "a packet's keys and values must stay under 4 GiB so their 32-bit offsets fit"
        );
        self.text.push_str(s);
        // Both fit: start + len <= MAX_TEXT, checked above.
        (start as u32, s.len() as u32)
    }

    /// Builder form of [`Packet::push`].
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.push(key, value);
        self
    }

    /// Sets a field: replaces the first field with this key, or appends it.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.position(key) {
            Some(i) => {
                // The old value's bytes stay behind, dead, until compaction.
                let (value_start, value_len) = self.append(&value);
                let field = &mut self.fields[i];
                field.value_start = value_start;
                field.value_len = value_len;
                self.compact_if_mostly_dead();
            }
            None => self.push_str(key, &value),
        }
    }

    /// Removes every field with this key.
    pub fn remove(&mut self, key: &str) {
        let text = &self.text;
        self.fields
            .retain(|f| !slice(text, f.key_start, f.key_len).eq_ignore_ascii_case(key));
        self.reindex();
        self.compact_if_mostly_dead();
    }

    /// Rewrites the text without dead bytes once they outweigh the live ones
    /// (plus some slack), so edits cost amortised O(1) copying each.
    fn compact_if_mostly_dead(&mut self) {
        let live: usize = self
            .fields
            .iter()
            .map(|f| f.key_len as usize + f.value_len as usize)
            .sum();
        if self.text.len() - live <= live + COMPACT_SLACK {
            return;
        }
        let mut compact = Self::with_text_capacity(self.fields.len(), live);
        for (k, v) in self.fields() {
            compact.push_str(k, v);
        }
        *self = compact;
    }

    /// Index of the first field whose key is `key`, case-insensitively.
    /// A routing key is answered from the index, without a scan.
    fn position(&self, key: &str) -> Option<usize> {
        if let Some(slot) = routing_slot(key) {
            let i = self.routing.first[slot];
            return (i != ABSENT).then_some(i as usize);
        }
        self.fields
            .iter()
            .position(|f| self.key(f).eq_ignore_ascii_case(key))
    }

    fn key(&self, f: &FieldSpan) -> &str {
        slice(&self.text, f.key_start, f.key_len)
    }

    fn value(&self, f: &FieldSpan) -> &str {
        slice(&self.text, f.value_start, f.value_len)
    }

    /// The first value for `key`, compared case-insensitively.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.position(key).map(|i| self.value(&self.fields[i]))
    }

    /// Every value for `key`, in wire order.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    /// True when `key` is present and equals `value` (case-insensitively).
    pub fn is(&self, key: &str, value: &str) -> bool {
        self.get(key).is_some_and(|v| v.eq_ignore_ascii_case(value))
    }

    /// All fields in wire order, as `(key, value)`.
    ///
    /// ```
    /// let p = ringside_ami::Packet::action("Ping").with("ActionID", "7");
    /// let fields: Vec<(&str, &str)> = p.fields().collect();
    /// assert_eq!(fields, [("Action", "Ping"), ("ActionID", "7")]);
    /// ```
    pub fn fields(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + DoubleEndedIterator + '_ {
        self.fields.iter().map(|f| (self.key(f), self.value(f)))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the packet has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The event name, when this is an event (`Event: Newchannel` → `Newchannel`).
    pub fn event(&self) -> Option<&str> {
        self.get("Event")
    }

    /// The response kind, when this is a response (`Success`, `Error`, `Follows`, `Goodbye`).
    pub fn response(&self) -> Option<&str> {
        self.get("Response")
    }

    /// The action name, when this is an action.
    pub fn action_name(&self) -> Option<&str> {
        self.get("Action")
    }

    /// The ActionID, when present.
    pub fn action_id(&self) -> Option<&str> {
        self.get("ActionID")
    }

    /// Checks that every key and value can go on the wire unchanged.
    pub fn validate(&self) -> Result<(), EncodeError> {
        for (k, v) in self.fields() {
            if k.is_empty() || k.contains(':') || k.bytes().any(|b| b == b' ') {
                return Err(EncodeError::InvalidKey { field: sanitize(k) });
            }
            if has_forbidden(k) || has_forbidden(v) {
                return Err(EncodeError::ForbiddenCharacter { field: sanitize(k) });
            }
        }
        Ok(())
    }

    /// Appends the wire form (`Key: Value\r\n` per field, then `\r\n`) to `out`.
    /// On error nothing is appended.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.validate()?;
        out.reserve(
            self.fields()
                .map(|(k, v)| k.len() + v.len() + 4)
                .sum::<usize>()
                + 2,
        );
        for (k, v) in self.fields() {
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        Ok(())
    }

    /// The wire form as a new buffer.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode_into(&mut out)?;
        Ok(out)
    }
}

/// `text[start..start + len]`. Spans are only ever made from char-boundary
/// offsets of this same text, so this cannot fail for a span of this packet.
fn slice(text: &str, start: u32, len: u32) -> &str {
    let start = start as usize;
    &text[start..start + len as usize]
}

fn has_forbidden(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0))
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(64)
        .collect()
}

impl PartialEq for Packet {
    /// Same fields in the same order; dead bytes and layout are ignored.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.fields().eq(other.fields())
    }
}

impl Eq for Packet {}

impl fmt::Debug for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in self.fields() {
            // Never print secrets that an action may carry.
            if k.eq_ignore_ascii_case("Secret") || k.eq_ignore_ascii_case("Key") {
                m.entry(&k, &"<redacted>");
            } else {
                m.entry(&k, &v);
            }
        }
        m.finish()
    }
}

impl FromIterator<(String, String)> for Packet {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut p = Self::with_capacity(iter.size_hint().0);
        for (k, v) in iter {
            p.push_str(&k, &v);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_keeps_repeats_in_order() {
        let p = Packet::new()
            .with("Event", "VarSet")
            .with("Variable", "A=1")
            .with("variable", "B=2");
        assert_eq!(
            p.get("EVENT"),
            Some("VarSet"),
            "AMI keys are case-insensitive"
        );
        assert_eq!(
            p.get_all("Variable").collect::<Vec<_>>(),
            ["A=1", "B=2"],
            "repeats keep wire order"
        );
    }

    #[test]
    fn encoder_refuses_injected_actions() {
        for bad in [
            "1002\r\nAction: Originate",
            "1002\nAction: Hangup",
            "10\r02",
            "1002\0",
        ] {
            let p = Packet::action("Originate").with("Exten", bad);
            assert_eq!(
                p.to_bytes(),
                Err(EncodeError::ForbiddenCharacter {
                    field: "Exten".into()
                }),
                "{bad:?} must never reach the socket"
            );
        }
        let p = Packet::action("Originate").with("Bad\nKey", "1");
        assert!(
            p.to_bytes().is_err(),
            "a key with a line break must be refused too"
        );
    }

    #[test]
    fn encodes_crlf_lines_and_blank_terminator() {
        let p = Packet::action("Ping").with("ActionID", "7");
        assert_eq!(
            p.to_bytes().expect("plain ASCII fields encode"),
            b"Action: Ping\r\nActionID: 7\r\n\r\n",
            "one CRLF per field and a blank line to end the packet"
        );
    }

    #[test]
    fn debug_redacts_secrets() {
        let p = Packet::action("Login").with("Secret", "hunter2");
        assert!(
            !format!("{p:?}").contains("hunter2"),
            "secrets must not be logged"
        );
    }

    #[test]
    fn edits_keep_order_and_equality_ignores_dead_bytes() {
        let mut p = Packet::action("Originate")
            .with("Channel", "PJSIP/1000")
            .with("Variable", "A=1")
            .with("Variable", "B=2");
        p.set("CHANNEL", "PJSIP/1001-with-a-longer-name");
        p.set("ActionID", "42");
        p.remove("variable");
        p.push("Exten", "1002");
        let want = [
            ("Action", "Originate"),
            ("Channel", "PJSIP/1001-with-a-longer-name"),
            ("ActionID", "42"),
            ("Exten", "1002"),
        ];
        assert_eq!(
            p.fields().collect::<Vec<_>>(),
            want,
            "set replaces in place, appends new keys, remove drops every repeat, push appends"
        );
        assert_eq!(
            p.get("channel"),
            Some("PJSIP/1001-with-a-longer-name"),
            "lookup sees the new value"
        );
        assert_eq!(
            p.get("Variable"),
            None,
            "removed fields are gone from lookup"
        );
        let fresh: Packet = want
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert!(
            p.text.len() > fresh.text.len(),
            "the edits left dead bytes, so the next check is meaningful"
        );
        assert_eq!(
            p, fresh,
            "equality compares fields, not the text buffer with its dead bytes"
        );
        assert_ne!(
            p,
            fresh.clone().with("Extra", "1"),
            "a packet with one more field differs"
        );
    }

    #[test]
    fn routing_keys_answer_from_the_index_through_every_edit() {
        let mut p = Packet::new()
            .with("Event", "OriginateResponse")
            .with("response", "Success")
            .with("ActionID", "a1")
            .with("ActionID", "a2");
        assert_eq!(
            (p.event(), p.response(), p.action_id(), p.get("EVENTLIST")),
            (Some("OriginateResponse"), Some("Success"), Some("a1"), None),
            "the first of each routing key, any case; an absent one is None"
        );
        p.remove("Event");
        assert_eq!(
            p.event(),
            None,
            "a removed routing key is gone from the index"
        );
        assert_eq!(
            p.action_id(),
            Some("a1"),
            "and the others moved with their fields"
        );
        p.remove("ActionID");
        p.set("EventList", "Complete");
        p.push("ActionID", "a3");
        assert!(
            p.is("eventlist", "complete"),
            "set appends a new routing key to the index"
        );
        assert_eq!(
            p.action_id(),
            Some("a3"),
            "push of a routing key after a remove is indexed"
        );
        let fresh: Packet = p
            .fields()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(
            (fresh.response(), fresh.action_id(), fresh.get("EventList")),
            (p.response(), p.action_id(), p.get("EventList")),
            "a packet built from the same fields answers the same"
        );
    }

    #[test]
    fn repeated_set_does_not_grow_the_text_forever() {
        let mut p = Packet::action("Ping").with("ActionID", "0");
        for i in 0..10_000 {
            p.set("ActionID", i.to_string());
        }
        assert_eq!(p.get("ActionID"), Some("9999"), "the last set wins");
        assert!(
            p.text.len() <= 2 * ("ActionPingActionID9999".len()) + COMPACT_SLACK,
            "dead bytes are compacted away: {} bytes of text",
            p.text.len()
        );
    }
}
