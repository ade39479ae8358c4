//! The native desktop notification that goes out at the same moment as the
//! caller popup (notify-rust over D-Bus on Linux, a toast on Windows), with the
//! same caller text.
//!
//! Caller names come from the PBX and may be anything, including HTML
//! (`<img src=x onerror=...>`). The freedesktop spec treats the summary as
//! plain text but lets servers parse the body as markup, so the name goes in
//! the summary and the body is escaped when the server says it understands
//! markup (`body-markup` capability): either way the user reads the literal
//! text. This module must not decide *when* to notify; the session does.

use crate::lang::Words;

/// What one notification says about a ringing call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerNotice {
    /// The caller's number as the PBX sent it.
    pub caller_num: String,
    /// The caller's name as the PBX sent it (any text).
    pub caller_name: Option<String>,
    /// The line, DID or queue it came in on.
    pub line: Option<String>,
    /// The extension it rings.
    pub extension: String,
}

impl CallerNotice {
    /// The summary line: the caller's name (or number), as plain text.
    pub fn summary(&self, words: Words) -> String {
        let name = self
            .caller_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.caller_num);
        words.text("popup.callFrom", &[("name", name)])
    }

    /// The body as plain text: number, then where the call came in.
    pub fn body_text(&self, words: Words) -> String {
        let ext = ("extension", self.extension.as_str());
        let place = match &self.line {
            Some(line) if !line.is_empty() => {
                words.text("shell.notify.onLine", &[("line", line), ext])
            }
            _ => words.text("popup.ringingAt", &[ext]),
        };
        format!("{}\n{place}", self.caller_num)
    }
}

/// What one notification says about an incoming text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsNotice {
    /// The sender's number (or name) as the gateway gave it.
    pub sender: String,
    /// The message (any text).
    pub text: String,
}

/// Longest part of a text shown in a notification; the popup has the rest.
pub const SMS_NOTICE_CHARS: usize = 200;

impl SmsNotice {
    /// "Text from +15551234567", as plain text.
    pub fn summary(&self, words: Words) -> String {
        words.text("popup.textFrom", &[("number", &self.sender)])
    }

    /// The message, cut at [`SMS_NOTICE_CHARS`] with an ellipsis.
    pub fn body_text(&self) -> String {
        let mut body: String = self.text.chars().take(SMS_NOTICE_CHARS).collect();
        if self.text.chars().count() > SMS_NOTICE_CHARS {
            body.push('…');
        }
        body
    }
}

/// Any notification the shell raises with a popup card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A call rings.
    Call(CallerNotice),
    /// A text message came in.
    Sms(SmsNotice),
}

impl From<CallerNotice> for Notice {
    fn from(n: CallerNotice) -> Self {
        Self::Call(n)
    }
}

impl From<SmsNotice> for Notice {
    fn from(n: SmsNotice) -> Self {
        Self::Sms(n)
    }
}

impl Notice {
    fn parts(&self, words: Words) -> (String, String, &'static str) {
        match self {
            Self::Call(n) => (n.summary(words), n.body_text(words), "call-start"),
            Self::Sms(n) => (n.summary(words), n.body_text(), "mail-message-new"),
        }
    }
}

/// Escapes the five characters the notification body markup gives meaning to.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether the notification server parses body markup; asked once.
#[cfg(not(windows))]
fn server_parses_markup() -> bool {
    use std::sync::OnceLock;
    static MARKUP: OnceLock<bool> = OnceLock::new();
    *MARKUP.get_or_init(|| {
        notify_rust::get_capabilities()
            .map(|caps| caps.iter().any(|c| c == "body-markup"))
            .unwrap_or(true)
    })
}

/// A Windows toast's texts are set as plain text (the toast XML's inner text).
#[cfg(windows)]
fn server_parses_markup() -> bool {
    false
}

/// The AppUserModelID Windows files Ringside's toasts under: the app's identifier
/// (tauri.conf.json), which the installer registers with the name and icon and
/// puts on the Start-menu shortcut (packaging/windows/ringside.nsi).
#[cfg(windows)]
const WINDOWS_APP_ID: &str = "app.ringside.desktop";

/// Sends the notification. Blocking (a D-Bus round trip): call it from a
/// blocking thread. A missing notification server is logged, not fatal: the
/// popup still shows.
pub fn show_blocking(notice: &Notice) {
    let (summary, body, icon) = notice.parts(Words::shown());
    let body = if server_parses_markup() {
        escape_markup(&body)
    } else {
        body
    };
    let mut notification = notify_rust::Notification::new();
    notification
        .appname("Ringside")
        .summary(&summary)
        .body(&body)
        .icon(icon)
        .timeout(notify_rust::Timeout::Milliseconds(15_000));
    #[cfg(not(windows))]
    notification.hint(notify_rust::Hint::Category("im.received".into()));
    #[cfg(windows)]
    notification.app_id(WINDOWS_APP_ID);
    let result = notification.show();
    match result {
        Ok(_) => tracing::debug!("notification sent"),
        Err(e) => tracing::warn!("could not show the desktop notification: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en() -> Words {
        Words::of("en").expect("English is ours")
    }

    #[test]
    fn hostile_names_stay_literal_text() {
        let n = CallerNotice {
            caller_num: "+15551234567".into(),
            caller_name: Some("<img src=x onerror=alert(document.domain)>".into()),
            line: Some("5550100".into()),
            extension: "1001".into(),
        };
        assert_eq!(
            n.summary(en()),
            "Call from <img src=x onerror=alert(document.domain)>",
            "the summary is plain text by spec"
        );
        assert_eq!(escape_markup("<b>&'\""), "&lt;b&gt;&amp;&apos;&quot;");
        assert!(
            n.body_text(en()).starts_with("+15551234567\n"),
            "the number leads the body"
        );
    }

    #[test]
    fn sms_notices_are_plain_and_cut() {
        let n = SmsNotice {
            sender: "+15551234567".into(),
            text: "<b>hi</b> ".repeat(40),
        };
        assert_eq!(n.summary(en()), "Text from +15551234567");
        let body = n.body_text();
        assert_eq!(
            body.chars().count(),
            SMS_NOTICE_CHARS + 1,
            "a long text is cut, with an ellipsis: {body}"
        );
        assert!(
            body.starts_with("<b>hi</b>") && body.ends_with('…'),
            "the text stays literal; escaping happens only for markup servers"
        );
    }

    #[test]
    fn a_call_without_a_name_shows_the_number() {
        let n = CallerNotice {
            caller_num: "1004".into(),
            caller_name: Some(" ".into()),
            line: None,
            extension: "1001".into(),
        };
        assert_eq!(n.summary(en()), "Call from 1004");
    }
}
