//! [`Recall`]: a blind transfer that never loses a caller (issue 16). When
//! the receptionist blind-transfers a caller to a colleague (or a ring
//! group) and nobody answers within [`RecallConfig::after_ms`], Ringside
//! redirects the caller back to her phone ([`RecallOutput::Redirect`]) and,
//! once it rings there, says "Back from 1002: not answered"
//! ([`RecallOutput::Recalled`], the CLI's `{"type":"recall",…}` line).
//!
//! It owns only the transfers it was told about, and sits beside the
//! [`tracker`](crate::tracker) the way the tracker sits beside the PBX:
//! everything it knows of a call comes from the tracker's [`CardChange`]s and
//! [`CallCard`]s, and what it decides comes back as [`RecallOutput`]s for the
//! app to act on (send the `Redirect`, show the popup). It is pure: no clock
//! (every input that needs the time carries its `at_ms`), no I/O, no async.
//!
//! ## Inputs
//! - [`Recall::transferred`]: her blind transfer went through. In a live
//!   session [`LiveRecall`] calls it when the tracker's card of the call
//!   first shows her blind transfer, whatever made it (see its docs).
//! - [`Recall::observe`]: every change the tracker reports, in order.
//! - [`Recall::tick`]: time passed. Call it at [`Recall::next_deadline`],
//!   with the tracker's current [`cards`](crate::CallTracker::cards), and
//!   only while the AMI session is up (a `Redirect` could not be sent
//!   otherwise).
//! - [`Recall::resynced`]: the tracker was rebuilt after a reconnect (feed
//!   the resync's changes to `observe` first); pass its cards.
//! - [`Recall::redirect_failed`]: the `Redirect` it asked for was not sent.
//!
//! ## The states of a watched call
//! ```text
//!              transferred
//!                   │
//!                   ▼
//!   ┌─────────▶ Waiting ── someone else answers, or at the deadline ──▶ let go
//!   │               │      no colleague's phone rings for the call
//!   │               │ deadline, a colleague's phone rings: Redirect
//!   │               ▼
//!   └─ redirect ─ Recalling ── her phone rings ──▶ Recalled
//!      failed       │
//!      (twice:      └───────── someone else answers ──▶ Answered
//!       GaveUp)
//! ```
//! A call leaves the machine at every end (the call's end too, in any
//! state), so it holds only transfers in flight.
//!
//! ## The rules, and why each race resolves as it does
//! - **An answer** is a change, after the transfer, of who talks to the
//!   caller (the card's `connected_to`) to someone other than her: the
//!   colleague, any member of a ring group, a pickup. The card's
//!   `answered_by` and `state` cannot say it: after her blind transfer they
//!   still name her, who answered first. A `connected_to` left over from
//!   before the transfer (a call a colleague had already answered and sent
//!   to her) is not a new answer, hence "a change".
//! - **The deadline is decided on the call's current card**, the one
//!   [`Recall::tick`] is given, not the last change seen: a colleague's
//!   phone that stopped ringing (its dial timed out into voicemail, it was
//!   busy) rings on no current card, even when the update that said so was
//!   lost with a dropped session. The caller is redirected only when a
//!   phone other than hers still rings for the call. Otherwise the transfer
//!   went somewhere Ringside must not pull a caller out of (voicemail, an
//!   outside number, an IVR, a queue between two rounds of ringing) or was
//!   answered, and the watch ends. A call already ringing only her (the PBX
//!   sent it back itself) is reported `Recalled` without a redirect.
//! - **A deadline that finds no phone ringing looks once more**,
//!   [`GRACE_MS`] later, before the watch ends: a colleague's ring the PBX
//!   had not started yet (a slow dialplan), or that a reconnect's listing
//!   missed, is still caught. A call sent to voicemail is let go then.
//! - **Answered at the last moment** (19.9 s of 20): the update ends the
//!   watch, and even unseen the current card rings nobody: no redirect.
//! - **Answered after the redirect was asked for**: the redirect may already
//!   be on its way to the PBX, and nothing can call it back. There is no
//!   second one, and the watch ends with [`RecallOutput::Answered`], not
//!   `Recalled`: no popup says "not answered" about a call that was. Should
//!   the redirect land and take the caller from the colleague, her phone
//!   rings with the tracker's ordinary popup.
//! - **The caller hangs up**: the call's end drops the watch, in any state,
//!   silently; a redirect still in flight fails on a call that is gone.
//! - **A ring group**: the transfer's target is the group's number; any
//!   member answering is an answer, nobody answering is recalled with
//!   `from` = the group. A group that rings her too is not "her phone
//!   ringing again": until the redirect, her own phone ringing means nothing.
//! - **A reconnect**: this state is the app's, not the session's, so it
//!   survives. The tracker's resync reports the answers and ends it missed
//!   (through `observe`), and [`Recall::resynced`] reconciles every watch
//!   with the rebuilt cards: a call gone is dropped, one answered is done,
//!   one already redirected is never redirected again (a recalling watch
//!   has no deadline left), one still ringing keeps its original deadline.
//!   A deadline that passed while disconnected fires at the first tick
//!   after, on the fresh card.
//! - **A second transfer** of the same call starts a new watch, with a new
//!   target and deadline.
//! - **A redirect that could not be sent** (the session dropped, the PBX
//!   refused) is asked for once more at the next tick, on the then current
//!   card; a second failure gives up ([`RecallOutput::GaveUp`]).
//!
//! ## Limits
//! - Only a ringing phone is seen: a call waiting in a queue between two
//!   rounds of ringing at the deadline is left in the queue, and a transfer
//!   to an outside number is never recalled (its answer cannot be seen).
//! - "Her" is the extension that made the transfer; the caller comes back
//!   to that one.
//! - A recalling watch whose ringing at her phone was never seen (she
//!   answered while Ringside was disconnected) stays until the call ends; it
//!   has no deadline, so it can never redirect again.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::tracker::{CallCard, CardChange};

mod transfers;

pub use transfers::{LiveRecall, RecallSetup};

/// How long after a deadline that found no phone ringing the call is looked
/// at once more (see the module docs).
pub const GRACE_MS: i64 = 3_000;

/// How long a transferred caller may ring a colleague before coming back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallConfig {
    /// Milliseconds from the transfer to the redirect back to her.
    pub after_ms: u64,
}

impl RecallConfig {
    /// The default wait: 20 seconds.
    pub const DEFAULT_AFTER_MS: u64 = 20_000;

    /// A wait of `secs` seconds (the setting is in seconds).
    pub fn after_secs(secs: u64) -> Self {
        Self {
            after_ms: secs.saturating_mul(1000),
        }
    }

    /// The recall a setting in seconds asks for, as the app's Settings and
    /// the office gateway's configuration take it: `None` for 0 (never
    /// bring a caller back), 5 to 600 seconds, else what to write instead.
    pub fn from_setting(secs: u64) -> Result<Option<Self>, &'static str> {
        match secs {
            0 => Ok(None),
            5..=600 => Ok(Some(Self::after_secs(secs))),
            _ => Err("use 5 to 600 seconds, or 0 to never bring a caller back."),
        }
    }
}

impl Default for RecallConfig {
    fn default() -> Self {
        Self {
            after_ms: Self::DEFAULT_AFTER_MS,
        }
    }
}

/// What the recall decided. `from` is always the transfer's target (a
/// colleague such as `1002`, or a ring group such as `600`); `to` is her
/// extension, which made the transfer.
///
/// ```
/// use ringside_calls::recall::RecallOutput;
/// let back = RecallOutput::Recalled {
///     call: "1795444730.14".into(),
///     from: "1002".into(),
///     to: "1001".into(),
/// };
/// assert_eq!(
///     serde_json::to_string(&back).unwrap(),
///     r#"{"type":"recall","call":"1795444730.14","from":"1002","to":"1001"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RecallOutput {
    /// Nobody answered in time: redirect the caller of `call` to `to`
    /// (the live loop sends [`LiveRecall::redirect`]). Asked for
    /// once per transfer (twice only when the first could not be sent).
    Redirect {
        /// The call id.
        call: String,
        /// The target that did not answer.
        from: String,
        /// Her extension.
        to: String,
    },
    /// The caller rings her again: the popup "Back from `from`: not
    /// answered", offering `from`'s voicemail.
    #[serde(rename = "recall")]
    Recalled {
        /// The call id.
        call: String,
        /// The target that did not answer.
        from: String,
        /// Her extension, ringing now.
        to: String,
    },
    /// Someone answered after the redirect was asked for (the redirect may
    /// still land). Not a recall: nothing to pop.
    Answered {
        /// The call id.
        call: String,
        /// The transfer's target.
        from: String,
        /// Who answered: the colleague, a member of the group, a pickup.
        by: String,
    },
    /// The redirect could not be sent twice: the caller stays where they are.
    GaveUp {
        /// The call id.
        call: String,
        /// The target that did not answer.
        from: String,
        /// Her extension, which the caller could not be sent back to.
        to: String,
    },
}

/// The recall state machine. See the module docs for the rules.
#[derive(Debug, Default)]
pub struct Recall {
    config: RecallConfig,
    /// The transfers in flight, by call id (ordered, so the outputs of one
    /// tick come in the same order every time).
    watches: BTreeMap<String, Watch>,
}

/// One transfer being watched.
#[derive(Debug)]
struct Watch {
    /// Her extension: the one that transferred, and the one to come back to.
    her: String,
    /// The colleague or ring group it was transferred to.
    target: String,
    /// Who the last card seen said talks to the caller.
    talking: Option<String>,
    phase: Phase,
    /// A redirect was already asked for and could not be sent.
    redirect_failed: bool,
    /// A deadline already found no phone ringing and looked once more.
    graced: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The target rings; the caller comes back at `deadline_ms` unless
    /// answered by then.
    Waiting { deadline_ms: i64 },
    /// The redirect was asked for: until her phone rings, or someone answers.
    Recalling,
}

/// What becomes of a watch after an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Keep,
    Forget,
}

impl Recall {
    /// A recall watching nothing yet.
    pub fn new(config: RecallConfig) -> Self {
        Self {
            config,
            watches: BTreeMap::new(),
        }
    }

    /// Her blind transfer of the call on `card` went through at `at_ms`:
    /// extension `from` (hers) sent it to `target` (a colleague or a ring
    /// group). `card` is the call's card when the transfer was made (only
    /// who talks to the caller then is read). A watch of the same call is
    /// replaced, so a second transfer starts over. A transfer to herself is
    /// not watched.
    pub fn transferred(&mut self, card: &CallCard, from: &str, target: &str, at_ms: i64) {
        if from == target {
            return;
        }
        let after = i64::try_from(self.config.after_ms).unwrap_or(i64::MAX);
        self.watches.insert(
            card.call.clone(),
            Watch {
                her: from.to_owned(),
                target: target.to_owned(),
                talking: card.connected_to.clone(),
                phase: Phase::Waiting {
                    deadline_ms: at_ms.saturating_add(after),
                },
                redirect_failed: false,
                graced: false,
            },
        );
    }

    /// One change from the tracker: an answer, her phone ringing after a
    /// redirect, or the call's end.
    pub fn observe(&mut self, change: &CardChange) -> Vec<RecallOutput> {
        let mut out = Vec::new();
        let call = change.call();
        let Some(watch) = self.watches.get_mut(call) else {
            return out;
        };
        let next = match change {
            CardChange::Update { card, .. } => watch.on_card(card, &mut out),
            CardChange::Popup {
                extension,
                consultation: false,
                ..
            } if *extension == watch.her => watch.on_her_phone_ringing(call, &mut out),
            CardChange::Ended { .. } => Next::Forget,
            _ => Next::Keep,
        };
        if next == Next::Forget {
            self.watches.remove(call);
        }
        out
    }

    /// Time is `at_ms`: every watch whose deadline has come is decided on
    /// its call's card in `cards` (the tracker's current cards): redirected
    /// when a colleague's phone still rings, otherwise let go. A call not
    /// in `cards` has ended.
    pub fn tick(&mut self, cards: &[CallCard], at_ms: i64) -> Vec<RecallOutput> {
        let mut out = Vec::new();
        self.watches.retain(|call, watch| {
            if !watch.is_due(at_ms) {
                return true;
            }
            card_of(cards, call)
                .is_some_and(|card| watch.on_deadline(card, at_ms, &mut out) == Next::Keep)
        });
        out
    }

    /// The tracker was rebuilt after a reconnect; `cards` are its cards.
    /// Calls that are gone are dropped, answers and her phone ringing are
    /// caught up on; deadlines stay as they were, and nothing is redirected
    /// here (the next tick decides).
    pub fn resynced(&mut self, cards: &[CallCard]) -> Vec<RecallOutput> {
        let mut out = Vec::new();
        self.watches.retain(|call, watch| {
            card_of(cards, call).is_some_and(|card| watch.on_card(card, &mut out) == Next::Keep)
        });
        out
    }

    /// The `Redirect` asked for `call` could not be sent at `at_ms`. The
    /// first time, it is asked for again at the next tick (on the then
    /// current card); the second time, the recall gives up.
    pub fn redirect_failed(&mut self, call: &str, at_ms: i64) -> Vec<RecallOutput> {
        let Some(watch) = self.watches.get_mut(call) else {
            return Vec::new();
        };
        if watch.phase != Phase::Recalling {
            return Vec::new();
        }
        if watch.redirect_failed {
            let out = vec![RecallOutput::GaveUp {
                call: call.to_owned(),
                from: watch.target.clone(),
                to: watch.her.clone(),
            }];
            self.watches.remove(call);
            return out;
        }
        watch.redirect_failed = true;
        watch.phase = Phase::Waiting { deadline_ms: at_ms };
        Vec::new()
    }

    /// When the next tick is due: the earliest deadline, if any.
    pub fn next_deadline(&self) -> Option<i64> {
        self.watches
            .values()
            .filter_map(|w| match w.phase {
                Phase::Waiting { deadline_ms } => Some(deadline_ms),
                Phase::Recalling => None,
            })
            .min()
    }

    /// How many transfers are being watched.
    pub fn watching(&self) -> usize {
        self.watches.len()
    }
}

fn card_of<'a>(cards: &'a [CallCard], call: &str) -> Option<&'a CallCard> {
    cards.iter().find(|c| c.call == call)
}

impl Watch {
    fn is_due(&self, at_ms: i64) -> bool {
        matches!(self.phase, Phase::Waiting { deadline_ms } if deadline_ms <= at_ms)
    }

    /// A card of the call (an update, a resync's, a tick's): has someone
    /// answered since the last one, does her phone ring after a redirect?
    fn on_card(&mut self, card: &CallCard, out: &mut Vec<RecallOutput>) -> Next {
        if let Some(by) = self.answered(card) {
            if self.phase == Phase::Recalling {
                out.push(RecallOutput::Answered {
                    call: card.call.clone(),
                    from: self.target.clone(),
                    by,
                });
            }
            return Next::Forget;
        }
        if card.ringing.contains(&self.her) {
            return self.on_her_phone_ringing(&card.call, out);
        }
        Next::Keep
    }

    /// Her phone rings for the call: the recall has landed, unless none was
    /// asked for yet (a ring group that rings her too).
    fn on_her_phone_ringing(&self, call: &str, out: &mut Vec<RecallOutput>) -> Next {
        if self.phase != Phase::Recalling {
            return Next::Keep;
        }
        out.push(self.recalled(call));
        Next::Forget
    }

    /// The deadline has come at `at_ms`; `card` is the call's current card.
    fn on_deadline(&mut self, card: &CallCard, at_ms: i64, out: &mut Vec<RecallOutput>) -> Next {
        if self.answered(card).is_some() {
            return Next::Forget;
        }
        if card.consulting.is_some() {
            // Someone holds the caller and consults: the transfer was answered.
            return Next::Forget;
        }
        if card.ringing.iter().any(|e| *e != self.her) {
            out.push(RecallOutput::Redirect {
                call: card.call.clone(),
                from: self.target.clone(),
                to: self.her.clone(),
            });
            self.phase = Phase::Recalling;
            return Next::Keep;
        }
        if card.ringing.contains(&self.her) {
            // The PBX already sent it back to her.
            out.push(self.recalled(&card.call));
            return Next::Forget;
        }
        if !self.graced {
            self.graced = true;
            self.phase = Phase::Waiting {
                deadline_ms: at_ms.saturating_add(GRACE_MS),
            };
            return Next::Keep;
        }
        Next::Forget
    }

    /// Who answered the caller since the last card seen, if anyone did
    /// (someone other than her now talks to the caller).
    fn answered(&mut self, card: &CallCard) -> Option<String> {
        let changed = card.connected_to != self.talking;
        self.talking.clone_from(&card.connected_to);
        self.talking.clone().filter(|x| changed && *x != self.her)
    }

    fn recalled(&self, call: &str) -> RecallOutput {
        RecallOutput::Recalled {
            call: call.to_owned(),
            from: self.target.clone(),
            to: self.her.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
