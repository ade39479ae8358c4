//! Incoming SMS: the gateway's `Newexten` read into an [`IncomingSms`]
//! (the `AppData` itself is `app_data`'s), and [`SmsDetector`], which
//! reports each message once.

use std::collections::{HashSet, VecDeque};

use ringside_ami::Packet;
use serde::{Deserialize, Serialize};

use super::app_data::{parse_app_data, parse_time_ms};
use super::{find_ascii_ci, is_phone_like, parse_span, PROCESS_SMS};

/// One SMS that reached the gateway, as read from its `Newexten` event.
///
/// Everything the event said is kept: `raw` is the `AppData` exactly as
/// received, so a format this parser does not know still shows the user the
/// whole message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

#[cfg(test)]
mod tests {
    use super::*;

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
