//! [`Console`]: the attendant console as one part of a live model, beside
//! the tracker and presence: the three panels and, when it is set up, the
//! recall of unanswered blind transfers. The live loop
//! ([`crate::live::follow`]) and the CLI's replay feed it each event right
//! after the tracker, with the tracker's changes, so the panels name calls
//! as the cards do and the recall sees every card change in order.
//!
//! Pure, like its parts: the loop reads the listings and sends the recall's
//! `Redirect`s; this only decides.

use ringside_ami::Packet;
use serde::Serialize;

use super::{ParkChange, ParkedCalls, Queue, QueueChange, Queues, Voicemail, VoicemailChange};
use crate::recall::{LiveRecall, RecallOutput, RecallSetup};
use crate::tracker::{CallTracker, CardChange};

/// A change of the console: one panel's, or the recall's. Serialized as the
/// inner value, so each is its own CLI JSON line (`parked`, `park_end`,
/// `queue_join`, `queue_leave`, `voicemail`, `recall`, …).
///
/// ```
/// use ringside_calls::console::{ConsoleChange, VoicemailChange};
/// let c = ConsoleChange::Voicemail(VoicemailChange::Voicemail {
///     extension: "1002".into(),
///     new: 2,
///     old: 5,
/// });
/// assert_eq!(
///     serde_json::to_string(&c).unwrap(),
///     r#"{"type":"voicemail","extension":"1002","new":2,"old":5}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(untagged)]
pub enum ConsoleChange {
    /// The parked calls changed.
    Park(ParkChange),
    /// A caller joined or left a watched queue.
    Queue(QueueChange),
    /// A colleague's voicemail counts changed.
    Voicemail(VoicemailChange),
    /// The recall decided something. A [`RecallOutput::Redirect`] is an
    /// order to the live loop, which reports it once the `Redirect` was
    /// sent.
    Recall(RecallOutput),
}

/// The listings a resync rebuilds the panels from, each `None` when the PBX
/// refused it: that panel then stays as it was.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleListing<'a> {
    /// The items of a `ParkedCalls` answer.
    pub parked: Option<&'a [Packet]>,
    /// The items of a `QueueStatus` answer with its `QueueStatusComplete`,
    /// and those of a `QueueSummary` answer.
    pub queues: Option<&'a [Packet]>,
}

/// The attendant console. Its panels are public to read (and to set up:
/// [`Queues::watching`], [`ParkedCalls::comeback_to_origin`]); feed it only
/// through [`Console::apply`] and [`Console::resync`].
#[derive(Debug, Default)]
pub struct Console {
    /// The parked calls.
    pub parked: ParkedCalls,
    /// The queues (every queue, unless set up with [`Queues::watching`]).
    pub queues: Queues,
    /// The colleagues' voicemail counts.
    pub voicemail: Voicemail,
    /// The recall of unanswered blind transfers; `None` (the default): off.
    pub recall: Option<LiveRecall>,
}

impl Console {
    /// Every queue, no recall.
    pub fn new() -> Self {
        Self::default()
    }

    /// With these queues' panel (e.g. [`Queues::watching`] the CLI's
    /// `--queue` names).
    #[must_use]
    pub fn with_queues(mut self, queues: Queues) -> Self {
        self.queues = queues;
        self
    }

    /// With the recall on, as `setup` says.
    ///
    /// ```
    /// use ringside_calls::console::Console;
    /// use ringside_calls::profile::{PbxKind, Profile};
    /// use ringside_calls::recall::{RecallConfig, RecallSetup};
    /// let console = Console::new().with_recall(RecallSetup {
    ///     config: RecallConfig::after_secs(20),
    ///     extensions: vec!["1001".into()],
    ///     profile: Profile::of(PbxKind::FreePbx),
    ///     context: None,
    /// });
    /// assert!(console.recall.is_some());
    /// ```
    #[must_use]
    pub fn with_recall(mut self, setup: RecallSetup) -> Self {
        self.recall = Some(LiveRecall::new(setup));
        self
    }

    /// One event received at `at_ms`, after `tracker` applied it and
    /// reported `cards`: each panel, naming calls as the tracker does, then
    /// the recall, which reads the card changes.
    pub fn apply(
        &mut self,
        ev: &Packet,
        at_ms: i64,
        tracker: &CallTracker,
        cards: &[CardChange],
    ) -> Vec<ConsoleChange> {
        let mut out: Vec<ConsoleChange> = self
            .parked
            .apply_with(ev, at_ms, tracker)
            .into_iter()
            .map(ConsoleChange::Park)
            .collect();
        let queues = self.queues.apply_with(ev, at_ms, tracker);
        out.extend(queues.into_iter().map(ConsoleChange::Queue));
        let counts = self.voicemail.apply(ev, at_ms);
        out.extend(counts.into_iter().map(ConsoleChange::Voicemail));
        self.observe(cards, &mut out);
        out
    }

    /// A resync at `at_ms`: `tracker` was rebuilt first and reported
    /// `cards`. Each panel with a listing is rebuilt from it; the recall
    /// catches up with the rebuilt cards.
    pub fn resync(
        &mut self,
        listing: ConsoleListing<'_>,
        at_ms: i64,
        tracker: &CallTracker,
        cards: &[CardChange],
    ) -> Vec<ConsoleChange> {
        let mut out = Vec::new();
        if let Some(items) = listing.parked {
            let changes = self.parked.resync_with(items, at_ms, tracker);
            out.extend(changes.into_iter().map(ConsoleChange::Park));
        }
        if let Some(items) = listing.queues {
            let changes = self.queues.resync_with(items, at_ms, tracker);
            out.extend(changes.into_iter().map(ConsoleChange::Queue));
        }
        self.observe(cards, &mut out);
        if let Some(recall) = &mut self.recall {
            out.extend(
                recall
                    .resynced(tracker)
                    .into_iter()
                    .map(ConsoleChange::Recall),
            );
        }
        out
    }

    /// The queues its panel shows (every queue it saw, or those it was set
    /// up to watch): the app's Queues panel and the office gateway's
    /// retained `office/queues` both read this.
    pub fn watched_queues(&self) -> Vec<Queue> {
        self.queues
            .queues()
            .filter(|q| self.queues.is_watched(&q.name))
            .cloned()
            .collect()
    }

    /// Takes `MailboxCount` answers received at `at_ms` (a mailbox not
    /// among them keeps its counts).
    pub fn mailbox_counts(&mut self, answers: &[Packet], at_ms: i64) -> Vec<ConsoleChange> {
        let changes = self.voicemail.resync(answers, at_ms);
        changes.into_iter().map(ConsoleChange::Voicemail).collect()
    }

    fn observe(&mut self, cards: &[CardChange], out: &mut Vec<ConsoleChange>) {
        if let Some(recall) = &mut self.recall {
            for c in cards {
                out.extend(recall.observe(c).into_iter().map(ConsoleChange::Recall));
            }
        }
    }
}
