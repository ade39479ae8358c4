//! [`Packet`]: one AMI message as it came off (or goes onto) the wire.
//!
//! A packet is an ordered list of `Key: Value` fields. Order matters and keys
//! repeat (`Variable`, `ChanVariable`, `Output`), so it is a `Vec`, not a map.
//! Keys are compared ASCII-case-insensitively, as Asterisk itself does.
//! Encoding refuses CR, LF and NUL anywhere in a key or value, so no
//! user-typed text can ever end a packet early and smuggle in an action.

use std::fmt;

/// One AMI packet: an action, a response or an event.
///
/// Command output from `Response: Follows` (Asterisk ≤ 13) is stored as one
/// `Output` field per line, the same shape Asterisk 14+ sends natively, so
/// callers read both with [`Packet::get_all`]`("Output")`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Packet {
    fields: Vec<(String, String)>,
}

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
        Self { fields: Vec::with_capacity(n) }
    }

    /// Starts an action packet: `Action: <name>`.
    ///
    /// ```
    /// let p = ringside_ami::Packet::action("Ping");
    /// assert_eq!(p.get("action"), Some("Ping"));
    /// ```
    pub fn action(name: &str) -> Self {
        let mut p = Self::with_capacity(4);
        p.push("Action", name);
        p
    }

    /// Appends a field, keeping any earlier field with the same key.
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.fields.push((key.into(), value.into()));
    }

    /// Builder form of [`Packet::push`].
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.push(key, value);
        self
    }

    /// Sets a field: replaces the first field with this key, or appends it.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        match self.fields.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            Some((_, v)) => *v = value.into(),
            None => self.fields.push((key.to_owned(), value.into())),
        }
    }

    /// Removes every field with this key.
    pub fn remove(&mut self, key: &str) {
        self.fields.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
    }

    /// The first value for `key`, compared case-insensitively.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// Every value for `key`, in wire order.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// True when `key` is present and equals `value` (case-insensitively).
    pub fn is(&self, key: &str, value: &str) -> bool {
        self.get(key).is_some_and(|v| v.eq_ignore_ascii_case(value))
    }

    /// All fields in wire order.
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
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
        for (k, v) in &self.fields {
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
        out.reserve(self.fields.iter().map(|(k, v)| k.len() + v.len() + 4).sum::<usize>() + 2);
        for (k, v) in &self.fields {
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

fn has_forbidden(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0))
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(64)
        .collect()
}

impl fmt::Debug for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.fields {
            // Never print secrets that an action may carry.
            if k.eq_ignore_ascii_case("Secret") || k.eq_ignore_ascii_case("Key") {
                m.entry(k, &"<redacted>");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

impl FromIterator<(String, String)> for Packet {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self { fields: iter.into_iter().collect() }
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
        assert_eq!(p.get("EVENT"), Some("VarSet"), "AMI keys are case-insensitive");
        assert_eq!(p.get_all("Variable").collect::<Vec<_>>(), ["A=1", "B=2"], "repeats keep wire order");
    }

    #[test]
    fn encoder_refuses_injected_actions() {
        for bad in ["1002\r\nAction: Originate", "1002\nAction: Hangup", "10\r02", "1002\0"] {
            let p = Packet::action("Originate").with("Exten", bad);
            assert_eq!(
                p.to_bytes(),
                Err(EncodeError::ForbiddenCharacter { field: "Exten".into() }),
                "{bad:?} must never reach the socket"
            );
        }
        let p = Packet::action("Originate").with("Bad\nKey", "1");
        assert!(p.to_bytes().is_err(), "a key with a line break must be refused too");
    }

    #[test]
    fn encodes_crlf_lines_and_blank_terminator() {
        let p = Packet::action("Ping").with("ActionID", "7");
        assert_eq!(p.to_bytes().unwrap(), b"Action: Ping\r\nActionID: 7\r\n\r\n");
    }

    #[test]
    fn debug_redacts_secrets() {
        let p = Packet::action("Login").with("Secret", "hunter2");
        assert!(!format!("{p:?}").contains("hunter2"), "secrets must not be logged");
    }
}
