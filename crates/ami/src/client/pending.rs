//! The actions waiting for their answers, and where each incoming packet
//! goes: to the action whose ActionID it carries, or to the event stream.
//! A state machine with no I/O and no clock of its own (the caller passes
//! `now`), so the routing rules are tested without sockets.
//!
//! Rules:
//! - A `Response` completes the action with its ActionID, except that a
//!   successful response to a *list* action only opens the list.
//! - A list collects every event with its ActionID until one says
//!   `EventList: Complete` or `Cancelled` (or, only when the caller named
//!   one, the given completion event of an old PBX that never says
//!   `EventList`). Event names are never guessed.
//! - An error response to a list action completes it at once.
//! - Everything else with `Event:` goes to the event stream, including
//!   events that carry the ActionID of an ordinary action already answered
//!   (e.g. `OriginateResponse`).
//! - Answers to actions that timed out are read and dropped, so they never
//!   reach the event stream.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::packet::Packet;

/// A finished action: its response, and for a list its events and the
/// event that ended it.
#[derive(Debug)]
pub(crate) struct Completed {
    pub(crate) response: Packet,
    pub(crate) events: Vec<Packet>,
    pub(crate) complete: Option<Packet>,
}

/// Where an action's answer is delivered.
pub(crate) type ReplyTx = oneshot::Sender<Result<Completed>>;

/// What answer an action expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expect {
    /// One response.
    Single,
    /// A response, then events up to the list's end.
    List {
        /// An event name that also ends the list, for PBXes whose lists do
        /// not say `EventList: Complete`. Only ever given by the caller.
        end_event: Option<String>,
    },
}

#[derive(Debug)]
struct Pending {
    action: String,
    expect: Expect,
    reply: ReplyTx,
    seq: u64,
    deadline: Instant,
    timeout: Duration,
    response: Option<Packet>,
    events: Vec<Packet>,
    complete: Option<Packet>,
}

/// What became of a routed packet.
#[derive(Debug, PartialEq)]
pub(crate) enum Routed {
    /// It answered (part of) an action, or was a late answer and dropped.
    Consumed,
    /// An event for the event stream.
    Event(Packet),
    /// A response nobody asked for (no or unknown ActionID).
    Unmatched(Packet),
}

/// How many timed-out ActionIDs are remembered so their late answers can be
/// dropped quietly.
const EXPIRED_MEMORY: usize = 1024;

/// The table of actions in flight.
#[derive(Debug, Default)]
pub(crate) struct Pendings {
    by_id: HashMap<String, Pending>,
    deadlines: BTreeMap<(Instant, u64), String>,
    expired: HashSet<String>,
    expired_order: VecDeque<String>,
}

fn ends_list(p: &Packet, end_event: Option<&str>) -> bool {
    p.is("EventList", "Complete")
        || p.is("EventList", "Cancelled")
        || end_event.is_some_and(|name| p.event().is_some_and(|e| e.eq_ignore_ascii_case(name)))
}

impl Pendings {
    /// Registers an action sent with ActionID `id`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert(
        &mut self,
        id: String,
        seq: u64,
        action: String,
        expect: Expect,
        now: Instant,
        timeout: Duration,
        reply: ReplyTx,
    ) {
        let deadline = now + timeout;
        self.deadlines.insert((deadline, seq), id.clone());
        self.by_id.insert(
            id,
            Pending {
                action,
                expect,
                reply,
                seq,
                deadline,
                timeout,
                response: None,
                events: Vec::new(),
                complete: None,
            },
        );
    }

    /// Number of actions in flight.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// When the earliest action times out.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.keys().next().map(|(at, _)| *at)
    }

    fn finish(&mut self, id: &str) {
        if let Some(p) = self.by_id.remove(id) {
            self.deadlines.remove(&(p.deadline, p.seq));
            let Some(response) = p.response else { return };
            // The caller may have gone away; its answer is simply dropped.
            let _ = p.reply.send(Ok(Completed {
                response,
                events: p.events,
                complete: p.complete,
            }));
        }
    }

    fn remember_expired(&mut self, id: String) {
        if self.expired_order.len() >= EXPIRED_MEMORY {
            if let Some(old) = self.expired_order.pop_front() {
                self.expired.remove(&old);
            }
        }
        self.expired.insert(id.clone());
        self.expired_order.push_back(id);
    }

    /// Sends `packet` where it belongs.
    pub(crate) fn route(&mut self, packet: Packet) -> Routed {
        // An `Event:` key wins: `OriginateResponse` is an event that also carries
        // `Response:` (and the Originate's ActionID), and must reach the event stream.
        let is_event = packet.event().is_some();
        let is_response = !is_event && packet.response().is_some();
        let Some(id) = packet.action_id() else {
            return if is_event {
                Routed::Event(packet)
            } else {
                Routed::Unmatched(packet)
            };
        };
        if let Some(pending) = self.by_id.get_mut(id) {
            let id = id.to_owned();
            match (&pending.expect, is_response) {
                (Expect::Single, true) => {
                    pending.response = Some(packet);
                    self.finish(&id);
                    return Routed::Consumed;
                }
                (Expect::Single, false) => {
                    return if is_event {
                        Routed::Event(packet)
                    } else {
                        Routed::Unmatched(packet)
                    };
                }
                (Expect::List { .. }, true) => {
                    let failed = packet.is("Response", "Error");
                    pending.response = Some(packet);
                    if failed || pending.complete.is_some() {
                        self.finish(&id);
                    }
                    return Routed::Consumed;
                }
                (Expect::List { end_event }, false) if is_event => {
                    if ends_list(&packet, end_event.as_deref()) {
                        pending.complete = Some(packet);
                        if pending.response.is_some() {
                            self.finish(&id);
                        }
                    } else {
                        pending.events.push(packet);
                    }
                    return Routed::Consumed;
                }
                (Expect::List { .. }, false) => return Routed::Unmatched(packet),
            }
        }
        if self.expired.contains(id) {
            // A late answer to an action that already timed out: read and
            // dropped. Forget the id once its last packet has gone by.
            if is_response && !packet.is("EventList", "start") || ends_list(&packet, None) {
                self.expired.remove(id);
            }
            return Routed::Consumed;
        }
        if is_event {
            Routed::Event(packet)
        } else {
            Routed::Unmatched(packet)
        }
    }

    /// Fails every action whose deadline is at or before `now` with
    /// [`Error::Timeout`].
    pub(crate) fn expire(&mut self, now: Instant) -> usize {
        let mut n = 0;
        while let Some(entry) = self.deadlines.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let id = entry.remove();
            if let Some(p) = self.by_id.remove(&id) {
                tracing::debug!(action = %p.action, action_id = %id, "AMI action timed out");
                let _ = p.reply.send(Err(Error::Timeout {
                    action: p.action,
                    after: p.timeout,
                }));
                n += 1;
            }
            self.remember_expired(id);
        }
        n
    }

    /// Fails every action in flight (the connection dropped).
    pub(crate) fn fail_all(&mut self) {
        self.deadlines.clear();
        for (_, p) in self.by_id.drain() {
            let _ = p
                .reply
                .send(Err(Error::ConnectionLost { action: p.action }));
        }
        self.expired.clear();
        self.expired_order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(id: &str) -> Packet {
        Packet::new()
            .with("Response", "Success")
            .with("ActionID", id)
    }

    fn event(name: &str, id: Option<&str>) -> Packet {
        let p = Packet::new().with("Event", name);
        match id {
            Some(id) => p.with("ActionID", id),
            None => p,
        }
    }

    fn add(
        p: &mut Pendings,
        id: &str,
        expect: Expect,
        now: Instant,
    ) -> oneshot::Receiver<Result<Completed>> {
        let (tx, rx) = oneshot::channel();
        p.insert(
            id.into(),
            p.len() as u64,
            "Test".into(),
            expect,
            now,
            Duration::from_secs(10),
            tx,
        );
        rx
    }

    #[test]
    fn list_collects_until_eventlist_complete_not_by_event_name() {
        let now = Instant::now();
        let mut p = Pendings::default();
        let mut rx = add(&mut p, "x-1", Expect::List { end_event: None }, now);
        assert_eq!(
            p.route(response("x-1").with("EventList", "start")),
            Routed::Consumed
        );
        assert_eq!(
            p.route(event("CoreShowChannel", Some("x-1"))),
            Routed::Consumed
        );
        // A name that looks like an end, without the EventList marker, is an item.
        assert_eq!(
            p.route(event("CoreShowChannelsComplete", Some("x-1"))),
            Routed::Consumed
        );
        assert!(
            rx.try_recv().is_err(),
            "an event name alone must not end a list"
        );
        let other = event("Newchannel", None);
        assert_eq!(
            p.route(other.clone()),
            Routed::Event(other),
            "unrelated events go to the stream"
        );
        p.route(event("Done", Some("x-1")).with("EventList", "Complete"));
        let done = rx
            .try_recv()
            .expect("EventList: Complete ends the list")
            .expect("a success");
        assert_eq!(done.events.len(), 2, "both items were collected");
        assert!(
            done.complete.is_some(),
            "the completion event is returned too"
        );
    }

    #[test]
    fn error_response_ends_a_list_at_once_and_late_answers_are_dropped() {
        let now = Instant::now();
        let mut p = Pendings::default();
        let mut rx = add(&mut p, "x-1", Expect::List { end_event: None }, now);
        p.route(
            Packet::new()
                .with("Response", "Error")
                .with("ActionID", "x-1"),
        );
        let done = rx
            .try_recv()
            .expect("an error response completes the list")
            .expect("delivered");
        assert!(
            done.response.is("Response", "Error"),
            "the error response is what the caller sees"
        );

        let mut rx = add(&mut p, "x-2", Expect::Single, now);
        assert_eq!(
            p.expire(now + Duration::from_secs(11)),
            1,
            "past its deadline the action times out"
        );
        assert!(
            matches!(rx.try_recv(), Ok(Err(Error::Timeout { .. }))),
            "the caller gets a Timeout"
        );
        assert_eq!(
            p.route(response("x-2")),
            Routed::Consumed,
            "the late response is read and dropped"
        );
    }

    #[test]
    fn events_after_a_single_answer_reach_the_stream() {
        let now = Instant::now();
        let mut p = Pendings::default();
        let _rx = add(&mut p, "x-1", Expect::Single, now);
        p.route(response("x-1"));
        // The real shape (click-to-dial.ami): an event that also carries `Response: Success`.
        let ev = event("OriginateResponse", Some("x-1")).with("Response", "Success");
        assert_eq!(
            p.route(ev.clone()),
            Routed::Event(ev),
            "OriginateResponse is an event for the tracker"
        );
    }

    #[test]
    fn a_dropped_caller_does_not_disturb_routing() {
        let now = Instant::now();
        let mut p = Pendings::default();
        drop(add(&mut p, "x-1", Expect::Single, now));
        assert_eq!(
            p.route(response("x-1")),
            Routed::Consumed,
            "the orphan answer is consumed, not leaked"
        );
        assert_eq!(p.len(), 0, "and its entry is gone");
    }
}
