//! Transfers: blind (`BlindTransfer`, chan_sip's `Transfer`), attended
//! (`AttendedTransfer`), and the consultation before an attended transfer,
//! which lives in the caller's call until it completes or ends; AMI 1.x
//! masquerades that move the caller.

use super::*;

impl CallTracker {
    /// The live call, other than `except`, in which extension `x` is talking
    /// to someone: the one a new dial by `x` consults for.
    pub(super) fn consulting_call(&self, x: &str, except: CallKey) -> Option<CallKey> {
        // Its own call first (an `Atxfer` dials inside the caller's call).
        let talking = |c: &Call| c.connected.as_deref() == Some(x) && c.consulting.is_none();
        if self.calls.get(&except).is_some_and(&talking) {
            return Some(except);
        }
        // A call of its own that is nothing yet (no popup, nobody answered)
        // while `x` talks in another one: the phone's own transfer key.
        // (A 1.x `Atxfer` dials through a Local pair of its own: no origin.)
        let fresh = self.calls.get(&except).is_some_and(|c| {
            c.is_nothing_yet() && (c.origin_kind == EndpointKind::Extension || c.origin.is_none())
        });
        if !fresh {
            return None;
        }
        self.calls
            .iter()
            .filter(|(k, c)| **k != except && talking(c))
            .map(|(k, _)| *k)
            .min()
    }

    /// Rings the consulted colleague: a popup from the transferring
    /// extension, naming the caller who waits.
    pub(super) fn ring_consultation(
        &mut self,
        key: CallKey,
        dest_uid: &str,
        by: &str,
        by_name: Option<String>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let Some(d) = self.channels.get_mut(dest_uid) else {
            return;
        };
        d.leg = LegState::Ringing;
        d.consult = true;
        let to = d.endpoint.clone();
        let watched = self.is_watched(&to);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let waiting = Party {
            caller_num: call.caller_num.clone(),
            caller_name: (!call.caller_name.is_empty()).then(|| call.caller_name.clone()),
        };
        call.consulting = Some(Consultation {
            by: by.to_owned(),
            to: to.to_string(),
            answered: false,
        });
        if watched {
            call.relevant = true;
            call.slots
                .retain(|s| !(s.consult && *s.ext == *to && s.state == SlotState::Closed));
            call.slots.push(Slot {
                consult: true,
                ..Slot::new(to.clone(), SlotState::Open, call.answers)
            });
            out.push(CardChange::Popup {
                call: call.id.to_string(),
                extension: to.to_string(),
                caller_num: by.to_owned(),
                caller_name: by_name,
                direction: Direction::Internal,
                trunk: None,
                did: None,
                queue: None,
                transferred_by: None,
                consultation: true,
                consulting_for: Some(waiting),
                park_return: false,
                park_slot: None,
                parked_by: None,
                at_ms,
            });
        }
        self.push_update(key, at_ms, out);
    }

    /// A consultation is over without a transfer (declined, cancelled, or
    /// the colleague hung up): the colleague's popup goes, and the caller's
    /// card is the transferring extension's again. Idempotent.
    pub(super) fn end_consultation(
        &mut self,
        key: CallKey,
        ext: &str,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let mut changed = false;
        if call.consulting.as_ref().is_some_and(|c| c.to == ext) {
            call.consulting = None;
            changed = true;
        }
        for slot in call
            .slots
            .iter_mut()
            .filter(|s| s.consult && &*s.ext == ext && s.state != SlotState::Closed)
        {
            slot.state = SlotState::Closed;
            changed = true;
            out.push(CardChange::Close {
                call: call.id.to_string(),
                extension: ext.to_owned(),
                reason: CloseReason::ConsultationEnded,
                answered_by: None,
                at_ms,
            });
        }
        if changed {
            self.push_update(key, at_ms, out);
        }
    }

    /// The transferring extension hands the caller to the colleague it
    /// consulted (`AttendedTransfer`, chan_sip's attended `Transfer`, or the
    /// masquerade of a 1.x feature transfer). False when no consultation was
    /// in progress in this call.
    pub(super) fn complete_consultation(
        &mut self,
        key: CallKey,
        target_uid: Option<&str>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) -> bool {
        let Some(cons) = self.calls.get(&key).and_then(|c| c.consulting.clone()) else {
            return false;
        };
        let named = target_uid
            .filter(|u| {
                self.channels
                    .get(*u)
                    .is_some_and(|c| c.call == key && c.consult)
            })
            .map(str::to_owned);
        let leg = named.or_else(|| {
            self.channels
                .iter()
                .filter(|(_, c)| c.call == key && c.consult && *c.endpoint == *cons.to)
                .map(|(u, _)| u.to_string())
                .min()
        });
        let mut ringing = false;
        if let Some(c) = leg.as_deref().and_then(|u| self.channels.get_mut(u)) {
            c.consult = false;
            ringing = c.leg == LegState::Ringing;
        }
        let Some(call) = self.calls.get_mut(&key) else {
            return false;
        };
        call.consulting = None;
        call.transfers.push(Transfer {
            by: Some(cons.by.clone()),
            to: cons.to.clone(),
            kind: TransferKind::Attended,
            at_ms,
        });
        if !call.rang.contains(&cons.to) {
            call.rang.push(cons.to.clone());
        }
        for slot in call
            .slots
            .iter_mut()
            .filter(|s| s.consult && *s.ext == *cons.to && s.state != SlotState::Closed)
        {
            // Her colleague's card is now the caller's card.
            slot.consult = false;
            slot.state = if ringing {
                SlotState::Open
            } else {
                SlotState::Talking
            };
        }
        if !ringing {
            call.note_answer(&cons.to);
            call.connected = Some(cons.to.clone());
            call.answered_at_ms.get_or_insert(at_ms);
        }
        self.push_update(key, at_ms, out);
        true
    }

    /// AMI 1.x `Masquerade`: the `Clone` channel takes the place of the
    /// `Original`. A phone's channel cloned into a ringing leg of another
    /// call is a pickup (Asterisk 1.8 sends no `Pickup` event; 11 sends one
    /// first, and then the leg has already stopped ringing here).
    pub(super) fn on_masquerade(
        &mut self,
        clone: &str,
        original: &str,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let (Some(clone), Some(original)) = (self.uid_named(clone), self.uid_named(original))
        else {
            return;
        };
        if self
            .channels
            .get(&*original)
            .is_some_and(|o| o.leg == LegState::Ringing && !o.consult)
        {
            self.picked_up(&clone, &original, at_ms, out);
            return;
        }
        self.take_identity(&clone, &original, at_ms, out);
    }

    /// AMI 1.x masquerade of `clone` into `original` (not a pickup): the
    /// original's Uniqueid carries on as the clone's channel, under the
    /// clone's name, and the clone's old Uniqueid hangs up as a zombie.
    /// `Transfered/…` (a feature transfer), `Parked/…`, `AsyncGoto/…`, and a
    /// phone's consultative transfer all look like this. When the caller
    /// moves while a consultation has been answered, the transfer is done.
    pub(super) fn take_identity(
        &mut self,
        clone: &str,
        original: &str,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let Some(c) = self.channels.get(clone) else {
            return;
        };
        let (key, kind, endpoint, up, leg, consult) =
            (c.call, c.kind, c.endpoint.clone(), c.up, c.leg, c.consult);
        let Some(o) = self.channels.get(original) else {
            return;
        };
        let from = o.call;
        if from != key {
            let fresh = self.calls.get(&from).is_some_and(Call::is_nothing_yet);
            if !fresh {
                return;
            }
            self.fold_call(from, key);
        }
        let original_key = self
            .channels
            .get_key_value(original)
            .map(|(k, _)| k.clone());
        if let Some(o) = self.channels.get_mut(original) {
            o.kind = kind;
            o.endpoint = endpoint;
            o.up = up;
            o.leg = leg;
            o.consult = consult;
        }
        if let Some(c) = self.channels.get_mut(clone) {
            c.leg = LegState::None;
            c.consult = false;
        }
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let caller_moved = call.origin.as_deref() == Some(clone);
        if caller_moved {
            call.origin = original_key.map(|k| k.to_string().into());
        }
        let consulted = call.consulting.as_ref().is_some_and(|c| c.answered);
        if caller_moved && consulted {
            self.complete_consultation(key, None, at_ms, out);
        }
    }

    pub(super) fn on_blind_transfer(
        &mut self,
        t: &BlindTransfer<'_>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let by = t
            .transferer
            .and_then(|u| self.channels.get(u))
            .filter(|c| c.kind == EndpointKind::Extension)
            .map(|c| c.endpoint.to_string());
        let Some(key) = self.channels.get(t.transferee).map(|c| c.call) else {
            return;
        };
        let to = t.extension.to_owned();
        self.record_transfer(key, by, to, TransferKind::Blind, at_ms, out);
    }

    /// chan_sip's `Transfer` event (Asterisk 1.4–11): `Channel` transfers
    /// `TargetChannel` to `TransferExten`.
    pub(super) fn on_sip_transfer(
        &mut self,
        t: &SipTransfer<'_>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let kind = t.kind;
        let transferer = t.transferer.and_then(|u| self.channels.get(u));
        let by = transferer
            .filter(|c| c.kind == EndpointKind::Extension)
            .map(|c| c.endpoint.to_string());
        // A phone's consultative transfer completes the consultation it made.
        let own = transferer.map(|c| c.call);
        let Some(key) = self.channels.get(t.target).map(|c| c.call) else {
            return;
        };
        let to = t.exten.to_owned();
        if kind == TransferKind::Attended
            && [Some(key), own]
                .into_iter()
                .flatten()
                .any(|k| self.complete_consultation(k, None, at_ms, out))
        {
            return;
        }
        self.record_transfer(key, by, to, kind, at_ms, out);
    }

    pub(super) fn record_transfer(
        &mut self,
        key: CallKey,
        by: Option<String>,
        to: String,
        kind: TransferKind,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        call.transfers.push(Transfer {
            by: by.clone(),
            to,
            kind,
            at_ms,
        });
        if kind == TransferKind::Blind {
            // Sent away: the caller talks to nobody until someone answers
            // again, even if the transferer's phone hangs up only later.
            call.connected = None;
        }
        call.pending_transfer = Some(PendingTransfer { by });
        if call.relevant {
            self.push_update(key, at_ms, out);
        }
    }

    /// Asterisk 12+ `AttendedTransfer`: the transferee (the caller) is now
    /// talking to the transfer target. The target's channel moves into the
    /// caller's call, so the card keeps the real caller.
    pub(super) fn on_attended_transfer(
        &mut self,
        t: &AttendedTransfer<'_>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let ext_of = |t: &Self, uid: Option<&Arc<str>>| {
            uid.and_then(|u| t.channels.get(&**u))
                .filter(|c| c.kind == EndpointKind::Extension)
                .map(|c| c.endpoint.to_string())
        };
        let transferer = self.first_uid_of(&t.transferer);
        let by = ext_of(self, transferer.as_ref());
        let target = self.uid_of(&t.target);
        let target_ext = ext_of(self, target.as_ref());
        let Some(key) = self
            .uid_of(&t.transferee)
            .and_then(|u| self.channels.get(&*u))
            .map(|c| c.call)
        else {
            return;
        };
        if self.complete_consultation(key, target.as_deref(), at_ms, out) {
            return;
        }
        let Some(target_uid) = target else {
            let to = t.extension.to_owned();
            self.record_transfer(key, by, to, TransferKind::Attended, at_ms, out);
            return;
        };
        let target_uid: &str = &target_uid;
        let Some(to) = target_ext else { return };
        // Move the target's channel into the caller's call.
        let old_key = self.channels.get(target_uid).map(|c| c.call).unwrap_or(key);
        if old_key != key {
            if let Some(c) = self.channels.get_mut(target_uid) {
                c.call = key;
                c.leg = LegState::Answered;
            }
            if let Some(c) = self.calls.get_mut(&key) {
                c.live += 1;
            }
        }
        let watched = self.is_watched(&to);
        if let Some(call) = self.calls.get_mut(&key) {
            call.transfers.push(Transfer {
                by: by.clone(),
                to: to.clone(),
                kind: TransferKind::Attended,
                at_ms,
            });
            call.note_answer(&to);
            call.answered_at_ms.get_or_insert(at_ms);
            if !call.rang.contains(&to) {
                call.rang.push(to.clone());
            }
            if watched {
                call.relevant = true;
                if !call.slots.iter().any(|s| *s.ext == *to) {
                    call.slots.push(Slot::new(
                        to.as_str().into(),
                        SlotState::Talking,
                        call.answers,
                    ));
                    let p = popup_for(call, &to, by.clone(), at_ms);
                    out.push(p);
                }
            }
            if call.relevant {
                self.push_update(key, at_ms, out);
            }
        }
        if old_key != key {
            let done = self.calls.get_mut(&old_key).is_some_and(|c| {
                c.live = c.live.saturating_sub(1);
                c.live == 0
            });
            if done {
                self.finish_call(old_key, at_ms, false, out);
            }
        }
    }
}
