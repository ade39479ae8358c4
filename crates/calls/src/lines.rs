//! The JSON lines `ringside watch --json` prints, written once so the CLI
//! and the office gateway (which publishes them to each desk) print the
//! same bytes for the same change: a card change, a console change, and
//! the connection's state.
//!
//! Each line is the serialized value ([`CardChange`], [`ConsoleChange`]),
//! documented in README.md; nothing here decides what a change is.

use crate::console::ConsoleChange;
use crate::recall::RecallOutput;
use crate::tracker::CardChange;

/// One card change's line.
pub fn card(change: &CardChange) -> String {
    serde_json::to_string(change)
        .unwrap_or_else(|e| format!("{{\"type\":\"error\",\"message\":\"{e}\"}}"))
}

/// One console change's line. Of the recall's steps only `recall` (the
/// caller rings her again) is a line; `None` for the others, which only the
/// readable text tells.
pub fn console(change: &ConsoleChange) -> Option<String> {
    if let ConsoleChange::Recall(r) = change {
        if !matches!(r, RecallOutput::Recalled { .. }) {
            return None;
        }
    }
    Some(
        serde_json::to_string(change)
            .unwrap_or_else(|e| format!("{{\"type\":\"error\",\"message\":\"{e}\"}}")),
    )
}

/// The line an office desk prints for a call it showed that ended while
/// the office gateway was offline: `{"type":"ended_offline","call":…,
/// "at_ms":…}`, `at_ms` when the desk learned it. The gateway came back
/// without the call, so nothing more is known of how it ended (no
/// `call_end`, no record, follows for it).
pub fn ended_offline(call: &str, at_ms: i64) -> String {
    serde_json::json!({ "type": "ended_offline", "call": call, "at_ms": at_ms }).to_string()
}

/// Where a watcher's link to its calls stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// A session is up and the calls were re-read.
    Connected,
    /// The session ended.
    Disconnected,
    /// An attempt to get it back failed; it is tried again.
    Reconnecting,
}

impl Link {
    /// The line's `state`.
    pub fn name(self) -> &'static str {
        match self {
            Link::Connected => "connected",
            Link::Disconnected => "disconnected",
            Link::Reconnecting => "reconnecting",
        }
    }
}

/// One `connection` line: `{"type":"connection","state":…,"message":…}`.
pub fn connection(link: Link, message: &str) -> String {
    serde_json::json!({ "type": "connection", "state": link.name(), "message": message })
        .to_string()
}

/// A printed line as a JSON value with its times (every `*_ms` number) set
/// to 0: what two watchers of the same calls printed compares equal, though
/// each stamped the events when it received them.
pub fn timeless(line: &str) -> Result<serde_json::Value, serde_json::Error> {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k.ends_with("_ms") && x.is_number() {
                        *x = serde_json::Value::from(0);
                    } else {
                        strip(x);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::from_str(line)?;
    strip(&mut v);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeless_line_has_every_time_at_zero_and_nothing_else_changed() {
        let v = timeless(r#"{"type":"x","at_ms":5,"card":{"started_at_ms":7,"rang":["1001"],"answered_at_ms":null},"n":3}"#)
            .expect("JSON");
        assert_eq!(
            v,
            serde_json::json!({"type":"x","at_ms":0,"card":{"started_at_ms":0,"rang":["1001"],"answered_at_ms":null},"n":3})
        );
        assert!(timeless("not json").is_err());
    }

    #[test]
    fn a_connection_line_is_the_documented_object() {
        let line = connection(
            Link::Reconnecting,
            "PBX refused the connection on pbx.local:5038",
        );
        let v: serde_json::Value = serde_json::from_str(&line).expect("one JSON object");
        assert_eq!(
            v,
            serde_json::json!({"type": "connection", "state": "reconnecting", "message": "PBX refused the connection on pbx.local:5038"}),
            "the documented JSON line"
        );
    }
}
