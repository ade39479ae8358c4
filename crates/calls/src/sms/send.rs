//! Sending an SMS: the `gsm send sms` command built and checked from an
//! [`SmsRequest`], and the gateway's answer read back.

use ringside_ami::{Client, Packet};

use super::parse_span;
use crate::actions::{ActionError, Result};

/// Longest `Command:` value sent. Asterisk reads an AMI line into a 1024-byte
/// buffer; `Command: ` and the line end must fit beside the command.
pub const MAX_COMMAND_BYTES: usize = 1000;

/// How long the gateway keeps trying to send, when the request names no
/// timeout (the command's `<timeout>` argument, in seconds).
pub const DEFAULT_SMS_TIMEOUT_S: u32 = 20;

/// Longest destination number (digits, plus an optional leading `+`).
pub const MAX_DESTINATION_LEN: usize = 20;

/// An SMS to send through the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsRequest {
    /// The GSM span (SIM) to send from, `1` to [`MAX_SPAN`](super::MAX_SPAN).
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
