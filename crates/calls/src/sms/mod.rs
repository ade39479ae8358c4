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
//! [`ActionError`](crate::actions::ActionError).
//!
//! Receiving is `incoming` (the event, and [`SmsDetector`]) over
//! `app_data` (the `AppData` layouts, times and text encodings); sending is
//! `send`.

mod app_data;
mod incoming;
mod send;

pub use app_data::{decode_sms_text, parse_app_data, parse_time_ms, SmsFields};
pub use incoming::{
    is_sms_event, parse_incoming_sms, IncomingSms, SmsDetector, DEFAULT_DETECTOR_MEMORY,
};
pub use send::{
    quote_cli_arg, send_sms, send_sms_action, sms_send_outcome, SmsRequest, SmsSent,
    DEFAULT_SMS_TIMEOUT_S, MAX_COMMAND_BYTES, MAX_DESTINATION_LEN,
};

/// The gateway program whose arguments the `AppData` carries.
const PROCESS_SMS: &str = "process_sms";

/// Highest span number accepted; VoxStack chassis have far fewer GSM spans,
/// and the gateway itself says which exist.
pub const MAX_SPAN: u32 = 255;

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

/// ASCII-case-insensitive `find`.
fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}
