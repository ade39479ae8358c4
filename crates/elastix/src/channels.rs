//! The `activecall` command: the PBX's live channels (`core show channels
//! verbose` as JSON, [`ActiveChannel`]) and the trailing summary lines
//! ("8 active channels", "4 active calls", "12164 calls processed") as
//! numbers ([`ActiveCalls`]). No networking here.

use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::loose;

/// One live channel.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActiveChannel {
    /// The channel name; Asterisk cuts it to 20 characters (`SIP/902422277777-000`).
    pub channel: String,
    /// The dialplan context it is in.
    pub context: String,
    /// The extension it is at.
    pub extension: String,
    /// The dialplan priority.
    pub priority: u32,
    /// `Up`, `Ring`, `Ringing`, `Down`, ...
    pub state: String,
    /// The running application (`Dial`, `Queue`, `AppDial`, ...).
    pub application: String,
    /// Its arguments.
    pub data: String,
    /// The caller ID number on this channel.
    pub caller_id: String,
    /// How long the channel has existed.
    pub duration: Option<Duration>,
    /// The account code.
    pub account_code: String,
    /// The bridged peer's account code.
    pub peer_account: String,
    /// The channel it is bridged to (cut to 20 characters); `None` for `(None)`.
    pub bridged_to: Option<String>,
}

/// The `activecall` answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ActiveCalls {
    /// The channels, in the PBX's order.
    pub channels: Vec<ActiveChannel>,
    /// "N active channels".
    pub active_channels: Option<u32>,
    /// "N active calls".
    pub active_calls: Option<u32>,
    /// "N calls processed" since the PBX started.
    pub calls_processed: Option<u64>,
    /// Summary lines this version does not know, kept as sent.
    pub other_lines: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawChannel {
    #[serde(default, deserialize_with = "loose::text")]
    channel: String,
    #[serde(default, deserialize_with = "loose::text")]
    context: String,
    #[serde(default, deserialize_with = "loose::text")]
    extension: String,
    #[serde(default, deserialize_with = "loose::count")]
    prio: u32,
    #[serde(default, deserialize_with = "loose::text")]
    state: String,
    #[serde(default, deserialize_with = "loose::text")]
    application: String,
    #[serde(default, deserialize_with = "loose::text")]
    data: String,
    #[serde(default, rename = "CallerID", deserialize_with = "loose::text")]
    caller_id: String,
    #[serde(default, deserialize_with = "loose::text")]
    duration: String,
    #[serde(default, deserialize_with = "loose::text")]
    accountcode: String,
    #[serde(default, deserialize_with = "loose::text")]
    peer_account: String,
    #[serde(default, deserialize_with = "loose::text")]
    bridged_to: String,
}

/// Reads `HH:MM:SS` (hours may exceed 24 and have more digits).
fn parse_hms(s: &str) -> Option<Duration> {
    let mut parts = s.trim().split(':');
    let h: u64 = parts.next()?.parse().ok()?;
    let m: u64 = parts.next()?.parse().ok()?;
    let sec: u64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || m >= 60 || sec >= 60 {
        return None;
    }
    Some(Duration::from_secs(h * 3600 + m * 60 + sec))
}

impl From<RawChannel> for ActiveChannel {
    fn from(r: RawChannel) -> Self {
        let bridged = r.bridged_to.trim();
        Self {
            duration: parse_hms(&r.duration),
            bridged_to: (!bridged.is_empty() && !bridged.eq_ignore_ascii_case("(None)"))
                .then(|| bridged.to_owned()),
            channel: r.channel,
            context: r.context,
            extension: r.extension,
            priority: r.prio,
            state: r.state,
            application: r.application,
            data: r.data,
            caller_id: r.caller_id,
            account_code: r.accountcode,
            peer_account: r.peer_account,
        }
    }
}

impl ActiveCalls {
    fn apply_summary(&mut self, line: &str) {
        let t = line.trim();
        let (num, rest) = t.split_once(' ').unwrap_or((t, ""));
        let rest = rest.trim().to_ascii_lowercase();
        let Ok(n) = num.parse::<u64>() else {
            self.other_lines.push(line.to_owned());
            return;
        };
        match rest.as_str() {
            "active channel" | "active channels" => self.active_channels = u32::try_from(n).ok(),
            "active call" | "active calls" => self.active_calls = u32::try_from(n).ok(),
            "call processed" | "calls processed" => self.calls_processed = Some(n),
            _ => self.other_lines.push(line.to_owned()),
        }
    }
}

/// Parses an `activecall` answer: a JSON list of channel objects followed
/// by summary strings.
pub fn parse_active_calls(body: &[u8]) -> Result<ActiveCalls> {
    parse_with_host(body, crate::response::NO_HOST)
}

pub(crate) fn parse_with_host(body: &[u8], host_port: &str) -> Result<ActiveCalls> {
    let items: Vec<serde_json::Value> =
        crate::response::decode_json("activecall", host_port, body)?;
    let mut out = ActiveCalls::default();
    for (i, item) in items.into_iter().enumerate() {
        match item {
            serde_json::Value::String(line) => out.apply_summary(&line),
            v @ serde_json::Value::Object(_) => {
                let raw: RawChannel =
                    serde_json::from_value(v).map_err(|e| Error::UnexpectedResponse {
                        command: "activecall".into(),
                        detail: format!("item {}: {e}", i + 1),
                    })?;
                out.channels.push(raw.into());
            }
            other => {
                return Err(Error::UnexpectedResponse {
                    command: "activecall".into(),
                    detail: format!(
                        "item {} is {}, not a channel or a summary line",
                        i + 1,
                        json_kind(&other)
                    ),
                })
            }
        }
    }
    Ok(out)
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_summaries_and_unknown_lines_are_handled() {
        let live = parse_active_calls(
            br#"["1 active channel", "1 active call", "7 calls processed", "Asterisk ending"]"#,
        )
        .expect("summary lines alone are a valid answer");
        assert_eq!(
            (
                live.active_channels,
                live.active_calls,
                live.calls_processed
            ),
            (Some(1), Some(1), Some(7)),
            "Asterisk writes the singular for one"
        );
        assert_eq!(
            live.other_lines,
            vec!["Asterisk ending".to_owned()],
            "unknown lines are kept, not fatal"
        );
        assert!(
            parse_active_calls(br#"[42]"#).is_err(),
            "a bare number is neither a channel nor a summary"
        );
        assert_eq!(
            parse_hms("100:00:01"),
            Some(Duration::from_secs(360_001)),
            "hours may pass 99"
        );
        assert_eq!(
            parse_hms("00:61:00"),
            None,
            "61 minutes is not a valid clock reading"
        );
    }
}
