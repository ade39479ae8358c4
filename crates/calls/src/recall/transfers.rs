//! [`LiveRecall`]: the [`Recall`] as the live loop runs it. The machine only
//! watches transfers it is told about; this part tells it, from the
//! tracker's own changes, and builds the `Redirect` it asks for.
//!
//! ## Why the trigger is the tracker's card
//! A watch starts when a call's card shows, for the first time, a blind
//! transfer ([`TransferKind::Blind`]) made by one of her extensions
//! ([`RecallSetup::extensions`]). The tracker records one whatever made it:
//! Ringside's Transfer button or `ringside transfer` (a `BlindTransfer` or
//! `Redirect` action), or her phone's own transfer key (`BlindTransfer` on
//! Asterisk 12+, chan_sip's `Transfer`). An explicit call from the transfer
//! action would miss the phone's transfers and those made by another
//! process (the CLI's `transfer` is not the process running `watch`), and
//! would need the action and the loop to share state. The price: a
//! transfer made while Ringside was disconnected is never watched (the
//! resync cannot see how the call got where it is).
//!
//! The deadline counts from the transfer's own time (the event's, as the
//! tracker stamped it). A transfer whose target is not known yet (an empty
//! `to`, filled in when the target's phone is dialled) waits until it is.
//!
//! On AMI 1.x a resync cannot tie a phone found ringing to the caller's
//! call (its listings have no Linkedid): when the session drops between a
//! `Redirect` and her phone ringing, the caller rings her as a call of its
//! own to the tracker, with no recall said; the watch ends without one,
//! and nothing is redirected twice.
//!
//! Pure like the rest of the crate: the loop sends the packet
//! [`LiveRecall::redirect`] builds and reports back
//! ([`LiveRecall::redirect_failed`]).

use std::collections::BTreeMap;

use ringside_ami::Packet;

use super::{Recall, RecallConfig, RecallOutput};
use crate::actions::{self, ActionError};
use crate::profile::Profile;
use crate::record::TransferKind;
use crate::tracker::{CallCard, CallTracker, CardChange};

/// What the live loop needs to bring unanswered blind transfers back. The
/// recall is off unless one is given ([`crate::console::Console::with_recall`]).
#[derive(Debug, Clone)]
pub struct RecallSetup {
    /// How long a transferred caller may ring before coming back.
    pub config: RecallConfig,
    /// Her extensions: a blind transfer made from one of them is watched,
    /// and the caller comes back to the one that made it. They must be
    /// extensions the tracker watches, since her phone ringing again is seen
    /// through its popup.
    pub extensions: Vec<String>,
    /// The PBX profile the `Redirect` back is built with
    /// ([`actions::transfer_call`]): its transfer context for her extension.
    pub profile: Profile,
    /// A transfer context to use instead of the profile's.
    pub context: Option<String>,
}

/// The recall fed by the tracker's changes. See the module docs.
#[derive(Debug)]
pub struct LiveRecall {
    setup: RecallSetup,
    recall: Recall,
    /// Per call with transfers on its card: how many of them were looked at
    /// already. Dropped at the call's end and at a resync that no longer
    /// lists the call, so it holds only calls in flight.
    seen: BTreeMap<String, usize>,
}

impl LiveRecall {
    /// Watching nothing yet.
    pub fn new(setup: RecallSetup) -> Self {
        Self {
            recall: Recall::new(setup.config),
            setup,
            seen: BTreeMap::new(),
        }
    }

    /// How it was set up.
    pub fn setup(&self) -> &RecallSetup {
        &self.setup
    }

    /// One change the tracker reported, in order: a blind transfer of hers
    /// the card shows for the first time starts a watch, then the change
    /// goes to the machine ([`Recall::observe`]).
    pub fn observe(&mut self, change: &CardChange) -> Vec<RecallOutput> {
        match change {
            CardChange::Update { card, .. } => self.notice_transfers(card),
            CardChange::Ended { call, .. } => {
                self.seen.remove(call);
            }
            _ => {}
        }
        self.recall.observe(change)
    }

    /// Time is `at_ms` (Unix ms): decides every watch whose deadline came,
    /// on the tracker's current cards. Call it at
    /// [`LiveRecall::next_deadline`], only while the session is up.
    pub fn tick(&mut self, tracker: &CallTracker, at_ms: i64) -> Vec<RecallOutput> {
        self.recall.tick(&tracker.cards(), at_ms)
    }

    /// The tracker was rebuilt by a resync whose changes were already
    /// [`observed`](LiveRecall::observe): catches up with its cards.
    pub fn resynced(&mut self, tracker: &CallTracker) -> Vec<RecallOutput> {
        let cards = tracker.cards();
        self.seen
            .retain(|call, _| cards.iter().any(|c| c.call == *call));
        self.recall.resynced(&cards)
    }

    /// The `Redirect` of `call` could not be sent at `at_ms`: it is asked
    /// for once more at the next tick, then given up.
    pub fn redirect_failed(&mut self, call: &str, at_ms: i64) -> Vec<RecallOutput> {
        self.recall.redirect_failed(call, at_ms)
    }

    /// When the next tick is due (Unix ms), if any watch waits.
    pub fn next_deadline(&self) -> Option<i64> {
        self.recall.next_deadline()
    }

    /// How many transfers are being watched.
    pub fn watching(&self) -> usize {
        self.recall.watching()
    }

    /// The action that sends the caller of `call` back to extension `to`
    /// (a [`RecallOutput::Redirect`]'s fields): the one blind-transfer rule
    /// ([`actions::transfer_call`]) applied to the call's live channels. Her
    /// own channel left the call with the transfer, so it is the caller's
    /// channel that is redirected to her extension, in the profile's
    /// transfer context for her.
    pub fn redirect(
        &self,
        tracker: &CallTracker,
        call: &str,
        to: &str,
    ) -> Result<Packet, ActionError> {
        actions::transfer_call(
            &self.setup.profile,
            tracker.dialect(),
            &tracker.channels_of(call),
            &[to.to_owned()],
            to,
            false,
            self.setup.context.as_deref(),
        )
    }

    /// Starts a watch for each blind transfer of hers on `card` not looked
    /// at before.
    fn notice_transfers(&mut self, card: &CallCard) {
        if card.transfers.is_empty() {
            return;
        }
        let seen = self.seen.entry(card.call.clone()).or_default();
        // A resync may have rebuilt the call with a shorter history.
        *seen = (*seen).min(card.transfers.len());
        for t in &card.transfers[*seen..] {
            if t.to.is_empty() {
                // Its target is named when the target's phone is dialled.
                break;
            }
            *seen += 1;
            let Some(her) = t.by.as_deref() else { continue };
            if t.kind == TransferKind::Blind && self.setup.extensions.iter().any(|e| e == her) {
                self.recall.transferred(card, her, &t.to, t.at_ms);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::PbxKind;
    use crate::record::{Direction, Transfer};
    use crate::tracker::CallState;

    fn setup() -> RecallSetup {
        RecallSetup {
            config: RecallConfig::after_secs(20),
            extensions: vec!["1001".into()],
            profile: Profile::of(PbxKind::Generic),
            context: None,
        }
    }

    fn card(transfers: Vec<Transfer>, ringing: &[&str]) -> CallCard {
        CallCard {
            call: "7.1".into(),
            caller_num: "+15551234567".into(),
            caller_name: None,
            direction: Some(Direction::Inbound),
            trunk: None,
            did: None,
            queue: None,
            dialed: None,
            from_extension: None,
            ringing: ringing.iter().map(|&e| e.to_owned()).collect(),
            rang: Vec::new(),
            state: CallState::Answered,
            answered_by: Some("1001".into()),
            answered_by_trunk: None,
            answered_at_ms: Some(0),
            transfers,
            started_at_ms: 0,
            connected_to: Some("1001".into()),
            picked_up_by: None,
            parked: None,
            consulting: None,
        }
    }

    fn blind(by: Option<&str>, to: &str, at_ms: i64) -> Transfer {
        Transfer {
            by: by.map(str::to_owned),
            to: to.into(),
            kind: TransferKind::Blind,
            at_ms,
        }
    }

    fn update(card: CallCard) -> CardChange {
        CardChange::Update {
            call: card.call.clone(),
            card,
            at_ms: 0,
        }
    }

    #[test]
    fn her_blind_transfer_on_the_card_starts_one_watch_from_its_own_time() {
        let mut r = LiveRecall::new(setup());
        let once = card(vec![blind(Some("1001"), "1002", 1_000)], &["1002"]);
        assert!(r.observe(&update(once.clone())).is_empty());
        assert_eq!(r.next_deadline(), Some(21_000), "20 s from the transfer");
        // The same card again (another update of the call) starts nothing new.
        r.observe(&update(once));
        assert_eq!(r.watching(), 1);
    }

    #[test]
    fn transfers_by_others_attended_ones_and_unnamed_targets_are_not_watched() {
        let mut r = LiveRecall::new(setup());
        let attended = Transfer {
            kind: TransferKind::Attended,
            ..blind(Some("1001"), "1003", 1_000)
        };
        let others = vec![
            blind(Some("1004"), "1002", 1_000),
            blind(None, "1002", 1_000),
            attended,
        ];
        r.observe(&update(card(others.clone(), &["1002"])));
        assert_eq!(r.watching(), 0, "not hers, not known to be hers, attended");
        // Her transfer recorded before its target is known waits for it.
        let mut pending = others;
        pending.push(blind(Some("1001"), "", 2_000));
        r.observe(&update(card(pending.clone(), &[])));
        assert_eq!(r.watching(), 0, "no target yet");
        pending.last_mut().expect("pending transfer").to = "1002".into();
        r.observe(&update(card(pending, &["1002"])));
        assert_eq!(
            r.next_deadline(),
            Some(22_000),
            "watched once its target is named"
        );
    }

    #[test]
    fn a_history_that_shrank_is_read_from_where_it_stands() {
        let mut r = LiveRecall::new(setup());
        let theirs = |at| blind(Some("1004"), "1001", at);
        r.observe(&update(card(vec![theirs(500), theirs(600)], &[])));
        // Rebuilt with a shorter history: nothing to read, and no panic.
        r.observe(&update(card(vec![theirs(500)], &[])));
        assert_eq!(r.watching(), 0);
        r.observe(&update(card(
            vec![theirs(500), blind(Some("1001"), "1002", 9_000)],
            &["1002"],
        )));
        assert_eq!(r.next_deadline(), Some(29_000), "her later transfer");
        // A resync that no longer lists the call forgets it.
        r.resynced(&CallTracker::new(crate::TrackerConfig::default()));
        assert!(r.seen.is_empty(), "nothing kept for calls gone");
        assert_eq!(r.watching(), 0);
    }
}
