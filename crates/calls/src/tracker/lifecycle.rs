//! A call's end (the outcome and the record to store) and the card and
//! popup built from its state.

use super::*;

impl CallTracker {
    pub(super) fn finish_call(
        &mut self,
        key: CallKey,
        at_ms: i64,
        offline: bool,
        out: &mut Vec<CardChange>,
    ) {
        let Some(mut call) = self.calls.remove(&key) else {
            return;
        };
        self.call_ids.remove(&call.id);
        for a in &call.aliases {
            self.call_ids.remove(a);
        }
        self.shrink_if_idle();
        call.close_remaining_popups(at_ms, out);
        if !call.relevant {
            return;
        }
        let watched = |e: &Option<String>| e.as_deref().is_some_and(|e| self.is_watched(e));
        let outcome = call.outcome(watched(&call.answered_by), watched(&call.from_extension));
        let answered_label = call.answered_by.clone().or_else(|| {
            call.answered_by_trunk
                .as_ref()
                .map(|t| format!("trunk {t}"))
        });
        let record = call.record(outcome, at_ms, offline);
        out.push(CardChange::Ended {
            call: call.id.to_string(),
            answered_by: answered_label,
            // A caller who gave up waiting in a queue was missed too, though
            // no phone may have rung.
            missed: ((call.rang_here() || call.abandoned) && call.answered_by.is_none())
                // A phone rung after the answer (a blind transfer) that
                // nobody answered since, the caller gone or moved on.
                || call.missed_since_last_answer(),
            answered_elsewhere_for: call.answered_elsewhere_for.clone(),
            picked_up_by: call.picked_up_by.clone(),
            queue: record.queue.clone(),
            parks: call.take_parks(),
            ended_offline: offline,
            record,
        });
    }

    pub(super) fn push_update(&self, key: CallKey, at_ms: i64, out: &mut Vec<CardChange>) {
        if let Some(call) = self.calls.get(&key) {
            if call.relevant {
                let card = self.card(call, false);
                out.push(CardChange::Update {
                    call: card.call.clone(),
                    card,
                    at_ms,
                });
            }
        }
    }

    pub(super) fn card(&self, call: &Call, ended: bool) -> CallCard {
        let key = self.call_ids.get(&call.id).copied();
        let mut ringing: Vec<String> = self
            .channels
            .values()
            .filter(|c| Some(c.call) == key && c.leg == LegState::Ringing)
            .map(|c| c.endpoint.to_string())
            .collect();
        ringing.sort();
        ringing.dedup();
        let state = if ended {
            CallState::Ended
        } else if call.answered_by.is_some() || call.answered_by_trunk.is_some() {
            CallState::Answered
        } else if !ringing.is_empty() {
            CallState::Ringing
        } else {
            CallState::Dialing
        };
        CallCard {
            call: call.id.to_string(),
            caller_num: call.caller_num.clone(),
            caller_name: (!call.caller_name.is_empty()).then(|| call.caller_name.clone()),
            direction: call.direction,
            trunk: call.trunk.clone(),
            did: call.did.clone(),
            queue: call.queue.clone(),
            dialed: call.dialed.clone(),
            from_extension: call.from_extension.clone(),
            ringing,
            rang: call.rang.clone(),
            state,
            answered_by: call.answered_by.clone(),
            answered_by_trunk: call.answered_by_trunk.clone(),
            answered_at_ms: call.answered_at_ms,
            transfers: call.transfers.clone(),
            started_at_ms: call.started_at_ms,
            connected_to: call.connected.clone(),
            picked_up_by: call.picked_up_by.clone(),
            parked: call.park.clone(),
            consulting: call.consulting.clone(),
        }
    }
}

pub(super) fn popup_for(
    call: &Call,
    ext: &str,
    transferred_by: Option<String>,
    at_ms: i64,
) -> CardChange {
    let direction = match call.direction {
        Some(Direction::Inbound) => Direction::Inbound,
        Some(_) => Direction::Internal,
        None => origin_direction(call.origin_kind),
    };
    CardChange::Popup {
        call: call.id.to_string(),
        extension: ext.to_owned(),
        caller_num: call.caller_num.clone(),
        caller_name: (!call.caller_name.is_empty()).then(|| call.caller_name.clone()),
        direction,
        trunk: if direction == Direction::Inbound {
            call.trunk.clone()
        } else {
            None
        },
        did: call.did.clone(),
        queue: call.queue.clone(),
        transferred_by,
        consultation: false,
        consulting_for: None,
        park_return: false,
        park_slot: None,
        parked_by: None,
        at_ms,
    }
}

/// How a call ends, from its state.
impl Call {
    /// It popped at a watched extension (a consultation popup is not the
    /// caller's call ringing there).
    fn rang_here(&self) -> bool {
        self.slots.iter().any(|s| !s.consult)
    }

    /// Closes every popup still shown, each with why. An answer from before
    /// a phone began to ring (1001's, before her blind transfer to 1002) is
    /// no answer of that ringing: still ringing at the end, it was missed.
    fn close_remaining_popups(&mut self, at_ms: i64, out: &mut Vec<CardChange>) {
        let answers = self.answers;
        for slot in self.slots.iter_mut() {
            if slot.state == SlotState::Closed {
                continue;
            }
            let answered_since = answers > slot.answers_at_ring;
            let reason = match (slot.state, self.answered_by.as_deref()) {
                _ if slot.consult => CloseReason::ConsultationEnded,
                (SlotState::Talking, _) => CloseReason::Ended,
                (_, Some(by)) if by == &*slot.ext && answered_since => CloseReason::Ended,
                // Answered here, then rung here again (the recall's ring
                // back) and not answered since: missed.
                (_, Some(by)) if by == &*slot.ext => {
                    self.rang_back_unanswered = true;
                    self.missed_at_answers = Some(answers);
                    CloseReason::Missed
                }
                (_, Some(_)) if answered_since => {
                    self.answered_elsewhere_for.push(slot.ext.to_string());
                    CloseReason::AnsweredElsewhere
                }
                (_, Some(_)) => {
                    if answers > 0 {
                        self.missed_at_answers = Some(answers);
                    }
                    CloseReason::Missed
                }
                (_, None) => CloseReason::Missed,
            };
            slot.state = SlotState::Closed;
            out.push(CardChange::Close {
                call: self.id.to_string(),
                extension: slot.ext.to_string(),
                reason,
                answered_by: if reason == CloseReason::Missed {
                    None
                } else {
                    self.answered_by.clone()
                },
                at_ms,
            });
        }
    }

    /// How it ended for the watched extensions.
    fn outcome(&self, answered_here: bool, placed_by_user: bool) -> Outcome {
        let rang_here = self.rang_here();
        if self.answered_by.is_some() || self.answered_by_trunk.is_some() {
            if self.rang_back_unanswered && !placed_by_user {
                // Her phone rang again after she had answered and
                // transferred (the recall's ring back), and she did not
                // answer before the caller hung up: she lost the caller.
                Outcome::Missed
            } else if answered_here || placed_by_user || !rang_here {
                Outcome::Answered
            } else if self.missed_since_last_answer() {
                // Transferred here after someone else answered, and nobody
                // answered here: the watched extensions missed it.
                Outcome::Missed
            } else {
                Outcome::AnsweredElsewhere
            }
        } else if self.voicemail {
            Outcome::Voicemail
        } else if self.abandoned {
            Outcome::Abandoned
        } else if rang_here {
            Outcome::Missed
        } else {
            Outcome::Unanswered
        }
    }

    /// The history record.
    fn record(&self, outcome: Outcome, at_ms: i64, offline: bool) -> CallRecord {
        let direction = self
            .direction
            .unwrap_or_else(|| origin_direction(self.origin_kind));
        let outbound = direction == Direction::Outbound;
        CallRecord {
            call_id: self.id.to_string(),
            uniqueid: self.first_uid.to_string(),
            direction,
            remote_num: if outbound {
                self.dialed.clone().unwrap_or_default()
            } else {
                self.caller_num.clone()
            },
            remote_name: if outbound || self.caller_name.is_empty() {
                None
            } else {
                Some(self.caller_name.clone())
            },
            from_extension: self.from_extension.clone(),
            trunk: self.trunk.clone(),
            did: self.did.clone().or_else(|| self.queue.clone()),
            rang: self.rang.clone(),
            answered_by: self.answered_by.clone().or_else(|| {
                self.answered_by_trunk
                    .as_ref()
                    .and(self.from_extension.clone())
            }),
            transfers: self.transfers.clone(),
            outcome,
            started_at_ms: self.started_at_ms,
            answered_at_ms: self.answered_at_ms,
            ended_at_ms: at_ms,
            ended_offline: offline,
            queue: self.queue_wait(at_ms),
        }
    }

    /// The caller's wait in a queue, as it ended (a caller still queued when
    /// the call ended hung up waiting).
    fn queue_wait(&self, at_ms: i64) -> Option<QueueWait> {
        let w = self.queue_wait.as_ref()?;
        let unended = if self.answered_by.is_some() {
            WaitEnd::Answered
        } else {
            WaitEnd::Abandoned
        };
        Some(QueueWait {
            queue: w.queue.clone(),
            position: w.position,
            end: w.end.map_or(unended, |(e, _)| e),
            waited_ms: w.end.map_or(at_ms, |(_, t)| t) - w.since_ms,
        })
    }

    /// Every stay in parking; one still parked when the call ended was
    /// hung up there (one that timed out is already listed, on its way back).
    fn take_parks(&mut self) -> Vec<ParkStay> {
        let mut parks = std::mem::take(&mut self.parks);
        parks.extend(
            self.park
                .take()
                .filter(|_| !self.park_returning)
                .map(|p| ParkStay::ended(p, WaitEnd::Hangup)),
        );
        parks
    }
}
