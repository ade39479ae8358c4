//! OpenVox VoxStack GSM gateway mode: the `gsm send sms` CLI command (read
//! with Asterisk's own CLI argument rules), the SMS it "sent", and incoming
//! SMS announced as the gateway announces them, a `Newexten` of the `sms`
//! extension whose `AppData` runs `process_sms`.
//!
//! The `AppData` layout is chosen so that OpenVox's published C example
//! (`readsms_fun`, which reads fixed byte offsets counted from
//! `process_sms`) reads a 1-digit span and an 11-digit sender correctly:
//! span at 13, sender at 20, time at 34, message from 56 to the end. The
//! message is written through Asterisk's `URIENCODE` when it could not
//! travel as it is (a line break, which would end the AMI line, or text a
//! decoder would take for an escape); otherwise it is sent raw, as in the
//! seed's example.
//!
//! This module owns no socket and no state: `Command` is answered with
//! what `gsm_command` returns, and the world emits the events it lays out.

/// The OpenVox gateway mode of the simulated PBX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenVox {
    /// The GSM spans that exist; `gsm send sms` on any other fails.
    pub spans: Vec<u32>,
}

impl Default for OpenVox {
    /// A four-span gateway (spans 1 to 4), like a VS-GW1200-4G.
    fn default() -> Self {
        Self {
            spans: vec![1, 2, 3, 4],
        }
    }
}

/// An SMS a client sent with `gsm send sms`, as the gateway's CLI read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    /// The span it went out on.
    pub span: u32,
    /// The destination number, as given.
    pub destination: String,
    /// The message, after the CLI's quoting was undone.
    pub text: String,
    /// The `<timeout>` argument, in seconds.
    pub timeout_s: u32,
    /// The optional `[id]` argument.
    pub id: Option<String>,
}

/// The usage line the gateway prints for a malformed command.
pub const SEND_SMS_USAGE: &str =
    "Usage: gsm send sms <span> <destination> <message> <timeout> [id]";

/// Splits a CLI line into arguments exactly as Asterisk's `main/cli.c`
/// `parse_args` does: spaces and tabs separate arguments, a double quote
/// toggles quoting (and opens an argument, so `""` is an empty one), and a
/// backslash makes the next character literal. Asterisk stops at 64
/// arguments (`AST_MAX_ARGS`); so does this.
///
/// ```
/// use ringside_pbxsim::openvox::parse_cli_args;
/// assert_eq!(parse_cli_args(r#"gsm send sms 1 123 "hello \"word\"" 20"#),
///     ["gsm", "send", "sms", "1", "123", "hello \"word\"", "20"]);
/// ```
pub fn parse_cli_args(line: &str) -> Vec<String> {
    const MAX_ARGS: usize = 64;
    let mut args: Vec<String> = Vec::new();
    let mut quoted = false;
    let mut escaped = false;
    let mut whitespace = true;
    for c in line.chars() {
        if args.len() >= MAX_ARGS - 1 {
            // parse_args stops reading once the argument table is full,
            // even in the middle of the last argument.
            break;
        }
        if c == '"' && !escaped {
            quoted = !quoted;
            if quoted && whitespace {
                args.push(String::new());
                whitespace = false;
            }
        } else if (c == ' ' || c == '\t') && !(quoted || escaped) {
            whitespace = true;
        } else if c == '\\' && !escaped {
            escaped = true;
        } else {
            if whitespace {
                args.push(String::new());
                whitespace = false;
            }
            if let Some(last) = args.last_mut() {
                last.push(c);
            }
            escaped = false;
        }
    }
    args
}

/// Asterisk's `URIENCODE`: every byte but ASCII letters, digits and
/// `-_.!~*'()` as `%XX`.
pub fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether a message must be `URIENCODE`d to arrive unchanged: it holds a
/// control character (a line break would end the AMI line), or something a
/// reader would decode (`%41`, a literal `\n`).
fn needs_encoding(text: &str) -> bool {
    let b = text.as_bytes();
    let escape_like = b
        .windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit());
    text.chars().any(char::is_control)
        || escape_like
        || text.contains("\\n")
        || text.contains("\\r")
}

/// The `AppData` of an incoming SMS:
/// `process_sms: <span> from <sender> @ <time> : <message>`. For a 1-digit
/// span and an 11-digit sender every field sits where OpenVox's C example
/// reads it (13, 20, 34, 56).
///
/// ```
/// use ringside_pbxsim::openvox::sms_app_data;
/// let d = sms_app_data(3, "13632919026", "2015-03-27 09:44:02", "hello word");
/// assert_eq!(&d[13..14], "3");
/// assert_eq!(&d[20..31], "13632919026");
/// assert_eq!(&d[34..53], "2015-03-27 09:44:02");
/// assert_eq!(&d[56..], "hello word");
/// ```
pub fn sms_app_data(span: u32, sender: &str, time: &str, text: &str) -> String {
    let message = if needs_encoding(text) {
        uri_encode(text)
    } else {
        text.to_owned()
    };
    format!("process_sms: {span} from {sender} @ {time} : {message}")
}

/// The answer of `gateway` to a CLI command, when the command is one of
/// its `gsm` commands; `None` lets the ordinary CLI answer (and say "No
/// such command"). An SMS the command sends is handed to `sent`.
pub(crate) fn gsm_command(
    gateway: &OpenVox,
    command: &str,
    sent: impl FnOnce(SentSms),
) -> Option<Vec<String>> {
    let args = parse_cli_args(command);
    let is = |i: usize, word: &str| args.get(i).is_some_and(|a| a.eq_ignore_ascii_case(word));
    if !(is(0, "gsm") && is(1, "send") && is(2, "sms")) {
        return None;
    }
    if !(7..=8).contains(&args.len()) {
        return Some(vec![SEND_SMS_USAGE.to_owned()]);
    }
    let Some(timeout_s) = args[6].parse::<u32>().ok().filter(|t| *t > 0) else {
        return Some(vec![SEND_SMS_USAGE.to_owned()]);
    };
    let span = match args[3].parse::<u32>() {
        Ok(s) if gateway.spans.contains(&s) => s,
        _ => {
            return Some(vec![format!(
                "ERROR: span {} does not exist or is not a GSM span, unable to send SMS",
                args[3]
            )])
        }
    };
    sent(SentSms {
        span,
        destination: args[4].clone(),
        text: args[5].clone(),
        timeout_s,
        id: args.get(7).cloned(),
    });
    // The gateway queues the SMS and prints nothing; the C example counts
    // `Response: Follows` (a command that ran) as sent.
    Some(Vec::new())
}

/// The messages the demo PBX receives in turn: a plain one as in the seed,
/// and a two-line one in German with an emoji.
pub(crate) fn demo_messages() -> [(u32, &'static str, &'static str); 2] {
    [
        (
            1,
            "13632919026",
            "This is a short message from my mobile phone",
        ),
        (2, "15551234567", "Grüße aus München 👋\nBitte um Rückruf"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_args_follow_asterisk_rules() {
        assert_eq!(
            parse_cli_args("  a   b\tc "),
            ["a", "b", "c"],
            "runs of spaces and tabs separate"
        );
        assert_eq!(
            parse_cli_args(r#"a "" b"#),
            ["a", "", "b"],
            "an empty quoted string is an argument"
        );
        assert_eq!(
            parse_cli_args(r#"a\ b "c d"e"#),
            ["a b", "c de"],
            "escaped space and quotes both join words"
        );
        assert_eq!(
            parse_cli_args(r#"\\ \""#),
            ["\\", "\""],
            "backslash escapes backslash and quote"
        );
        let many = vec!["x"; 100].join(" ");
        assert_eq!(
            parse_cli_args(&many).len(),
            63,
            "truncated like AST_MAX_ARGS with its NULL slot"
        );
    }

    #[test]
    fn only_text_that_cannot_travel_is_encoded() {
        assert!(
            sms_app_data(1, "13632919026", "2015-03-27 09:44:02", "50% off").ends_with(": 50% off"),
            "a lone % is no escape"
        );
        let d = sms_app_data(1, "13632919026", "2015-03-27 09:44:02", "a\nb");
        assert!(
            d.ends_with(": a%0Ab"),
            "a line break would end the AMI line: {d}"
        );
        assert!(
            sms_app_data(1, "1", "t", "%41").ends_with(": %2541"),
            "text that looks encoded is encoded so it decodes back"
        );
    }
}
