//! [`Voicemail`]: each colleague's new and old voicemail messages, for the
//! count on the board. From `MailboxCount` answers at connect and at every
//! resync, then `MessageWaiting` events (Asterisk 1.8+ and 12+ send `New`
//! and `Old`; 1.x sends only `Waiting` when a caller merely listened).
//!
//! Mailboxes are keyed by their number: `1002@default` is extension 1002,
//! whatever its voicemail context.

use std::collections::BTreeMap;

use ringside_ami::Packet;
use serde::{Deserialize, Serialize};

use super::events::{ConsoleEvent, MailboxCounts};

/// A colleague's mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Mailbox {
    /// The extension (`1002` of `1002@default`).
    pub extension: String,
    /// New (unheard) messages.
    pub new: u32,
    /// Old (heard, kept) messages.
    pub old: u32,
    /// When the counts last changed, Unix ms.
    pub updated_ms: i64,
}

/// A change of the voicemail counts. These values are CLI JSON lines (an
/// enum, so the line carries its `type` as the other panels' do).
///
/// ```
/// use ringside_calls::console::VoicemailChange;
/// let c = VoicemailChange::Voicemail { extension: "1002".into(), new: 2, old: 5 };
/// assert_eq!(
///     serde_json::to_string(&c).unwrap(),
///     r#"{"type":"voicemail","extension":"1002","new":2,"old":5}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VoicemailChange {
    /// A mailbox's counts changed (or were first learnt).
    Voicemail {
        /// The extension.
        extension: String,
        /// New messages.
        new: u32,
        /// Old messages.
        old: u32,
    },
}

/// The voicemail counts. See the module docs.
#[derive(Debug, Default)]
pub struct Voicemail {
    boxes: BTreeMap<String, Mailbox>,
}

impl Voicemail {
    /// No counts known.
    pub fn new() -> Self {
        Self::default()
    }

    /// The mailboxes known, by extension.
    pub fn mailboxes(&self) -> impl Iterator<Item = &Mailbox> {
        self.boxes.values()
    }

    /// One extension's mailbox.
    pub fn get(&self, extension: &str) -> Option<&Mailbox> {
        self.boxes.get(extension)
    }

    /// Applies one event (or `MailboxCount` answer) received at `at_ms`.
    pub fn apply(&mut self, ev: &Packet, at_ms: i64) -> Vec<VoicemailChange> {
        match ConsoleEvent::decode(ev) {
            Some(ConsoleEvent::Mailbox(m)) => self.on_counts(&m, at_ms).into_iter().collect(),
            _ => Vec::new(),
        }
    }

    /// Takes the `MailboxCount` answers asked at connect or resync,
    /// received at `at_ms`. A mailbox not among them keeps its counts: the
    /// app asks only for the colleagues it shows.
    pub fn resync(&mut self, answers: &[Packet], at_ms: i64) -> Vec<VoicemailChange> {
        answers.iter().flat_map(|p| self.apply(p, at_ms)).collect()
    }

    fn on_counts(&mut self, m: &MailboxCounts<'_>, at_ms: i64) -> Option<VoicemailChange> {
        let extension = m.mailbox.split('@').next().unwrap_or("").trim();
        if extension.is_empty() {
            return None;
        }
        let known = self.boxes.get(extension);
        let (was_new, was_old) = known.map_or((0, 0), |b| (b.new, b.old));
        let new = match (m.new, m.waiting) {
            (Some(n), _) => n,
            // Only `Waiting`: none, or at least one.
            (None, Some(false)) => 0,
            (None, Some(true)) => was_new.max(1),
            (None, None) => was_new,
        };
        let old = m.old.unwrap_or(was_old);
        if known.is_some_and(|b| (b.new, b.old) == (new, old)) {
            return None;
        }
        self.boxes.insert(
            extension.to_owned(),
            Mailbox {
                extension: extension.to_owned(),
                new,
                old,
                updated_ms: at_ms,
            },
        );
        Some(VoicemailChange::Voicemail {
            extension: extension.to_owned(),
            new,
            old,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(pairs: &[(&str, &str)]) -> Packet {
        pairs.iter().fold(Packet::new(), |p, (k, v)| p.with(*k, *v))
    }

    fn change(extension: &str, new: u32, old: u32) -> VoicemailChange {
        VoicemailChange::Voicemail {
            extension: extension.into(),
            new,
            old,
        }
    }

    fn waiting(mailbox: &str, fields: &[(&str, &str)]) -> Packet {
        let mut p = ev(&[("Event", "MessageWaiting"), ("Mailbox", mailbox)]);
        for (k, v) in fields {
            p.push(*k, *v);
        }
        p
    }

    #[test]
    fn message_waiting_counts_new_and_old_per_extension() {
        let mut v = Voicemail::new();
        let left = waiting(
            "1002@default",
            &[("Waiting", "1"), ("New", "2"), ("Old", "5")],
        );
        assert_eq!(v.apply(&left, 7), vec![change("1002", 2, 5)]);
        assert_eq!(
            v.get("1002").map(|b| (b.new, b.old, b.updated_ms)),
            Some((2, 5, 7))
        );
        assert!(v.apply(&left, 8).is_empty(), "the same counts again");
        let heard = waiting(
            "1002@default",
            &[("Waiting", "0"), ("New", "0"), ("Old", "7")],
        );
        assert_eq!(v.apply(&heard, 9), vec![change("1002", 0, 7)]);
    }

    #[test]
    fn an_old_message_waiting_without_counts_says_only_whether_any_is_new() {
        let mut v = Voicemail::new();
        v.apply(&waiting("1003@default", &[("New", "3"), ("Old", "1")]), 0);
        assert!(
            v.apply(&waiting("1003@default", &[("Waiting", "1")]), 1)
                .is_empty(),
            "still some new: the counts stand"
        );
        assert_eq!(
            v.apply(&waiting("1003@default", &[("Waiting", "0")]), 2),
            vec![change("1003", 0, 1)]
        );
        assert_eq!(
            v.apply(&waiting("1004", &[("Waiting", "1")]), 3),
            vec![change("1004", 1, 0)],
            "at least one"
        );
    }

    #[test]
    fn mailbox_count_answers_set_the_counts_at_resync() {
        let mut v = Voicemail::new();
        v.apply(&waiting("1001@default", &[("New", "1"), ("Old", "0")]), 0);
        let answers = [
            ev(&[
                ("Response", "Success"),
                ("Message", "Mailbox Message Count"),
                ("Mailbox", "1002@default"),
                ("UrgMessages", "0"),
                ("NewMessages", "2"),
                ("OldMessages", "5"),
            ]),
            ev(&[("Response", "Error"), ("Message", "Mailbox not specified")]),
        ];
        assert_eq!(v.resync(&answers, 10), vec![change("1002", 2, 5)]);
        let all: Vec<&str> = v.mailboxes().map(|b| b.extension.as_str()).collect();
        assert_eq!(all, vec!["1001", "1002"], "1001 was not asked: kept");
    }
}
