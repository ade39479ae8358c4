//! [`Queues`]: the queues panel. Per queue, the callers waiting (position,
//! caller, since when) and the members with their device state and pause;
//! rebuilt from a `QueueStatus` (and `QueueSummary`) answer, then kept live
//! from `QueueCallerJoin`/`QueueCallerLeave`/`QueueCallerAbandon` (1.x:
//! `Join`/`Leave`/`QueueCallerAbandon`) and the `QueueMember…` events.
//!
//! ## How a wait ends
//! - **Abandoned**: `QueueCallerAbandon` (before its leave, in both dialects).
//! - **Answered**: app_queue takes the caller out of the queue *before* it
//!   connects the member (`leave_queue`, then `AgentConnect` on 12+ and on
//!   1.x with `eventwhencalled`, or only the 1.x `Bridge` otherwise). So a
//!   leave is settled by what follows it: the caller connected to a member
//!   (`AgentConnect`, a `Bridge`/`Link`) is answered by that member.
//! - **Timeout**: the caller moves on instead: its next dialplan step
//!   (`Newexten`), a dial of its own, a queue again, or its hangup.
//!
//! Positions renumber as Asterisk's do: a caller leaving moves everyone
//! behind it up one.

use std::collections::{BTreeMap, BTreeSet};

use ringside_ami::Packet;
use serde::{Deserialize, Serialize};

use super::events::{ConsoleEvent, MemberUpdate, QueueEntry, SummaryItem};
use super::{call_id, extension_of, known, CallIds, EventIds};
use crate::tracker::events::{CallEvent, ChannelRef, QueueJoin};

/// A caller waiting in a queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueCaller {
    /// The tracker's id of the call (see the module docs of
    /// [`crate::console`]).
    pub call: String,
    /// The waiting channel's Uniqueid.
    pub uniqueid: String,
    /// The waiting channel's name.
    pub channel: Option<String>,
    /// 1 is next.
    pub position: u32,
    /// The caller's number; empty when unknown.
    pub caller_num: String,
    /// The caller's name.
    pub caller_name: Option<String>,
    /// Since when it waits, Unix ms.
    pub joined_ms: i64,
}

/// A queue member's device state: the `Status` code of `QueueMemberStatus`
/// (Asterisk's `ast_device_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MemberState {
    /// 0, or a code Asterisk does not define.
    Unknown,
    /// 1: idle.
    NotInUse,
    /// 2: on a call.
    InUse,
    /// 3.
    Busy,
    /// 4: no such device.
    Invalid,
    /// 5: not registered or unreachable.
    Unavailable,
    /// 6.
    Ringing,
    /// 7: on a call and ringing.
    RingInUse,
    /// 8.
    OnHold,
}

impl MemberState {
    /// From the numeric `Status`.
    pub fn from_code(code: u8) -> Self {
        match code {
            1 => Self::NotInUse,
            2 => Self::InUse,
            3 => Self::Busy,
            4 => Self::Invalid,
            5 => Self::Unavailable,
            6 => Self::Ringing,
            7 => Self::RingInUse,
            8 => Self::OnHold,
            _ => Self::Unknown,
        }
    }
}

/// A queue member (an agent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueMember {
    /// The member's interface (`PJSIP/1003`, `Local/1002@internal/n`).
    pub interface: String,
    /// Its member name, as configured.
    pub name: Option<String>,
    /// The extension behind the interface, to match a colleague.
    pub extension: Option<String>,
    /// Its device state.
    pub state: MemberState,
    /// Paused: the queue does not ring it.
    pub paused: bool,
    /// Why, when the pause says.
    pub paused_reason: Option<String>,
    /// On a queue call now (`InCall`, Asterisk 11+).
    pub in_call: bool,
    /// Calls it took from this queue.
    pub calls_taken: u32,
}

impl QueueMember {
    /// Would the queue ring it now: not paused, and idle.
    pub fn available(&self) -> bool {
        !self.paused && self.state == MemberState::NotInUse
    }

    fn new(interface: &str) -> Self {
        Self {
            interface: interface.to_owned(),
            name: None,
            extension: extension_of(interface),
            state: MemberState::Unknown,
            paused: false,
            paused_reason: None,
            in_call: false,
            calls_taken: 0,
        }
    }

    /// Takes what the event says; a field it leaves out stays as it was.
    fn update(&mut self, m: &MemberUpdate<'_>) {
        if let Some(n) = m.name {
            self.name = Some(n.to_owned());
        }
        if let Some(s) = m.status {
            self.state = MemberState::from_code(s);
        }
        if let Some(p) = m.paused {
            self.paused = p;
        }
        if !self.paused {
            self.paused_reason = None;
        } else if let Some(r) = m.paused_reason {
            self.paused_reason = Some(r.to_owned());
        }
        if let Some(c) = m.in_call {
            self.in_call = c;
        }
        if let Some(c) = m.calls_taken {
            self.calls_taken = c;
        }
    }
}

/// A queue's totals from a `QueueSummary` answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueSummary {
    /// Members logged in.
    pub logged_in: u32,
    /// Members free to take a call.
    pub available: u32,
    /// Callers waiting.
    pub callers: u32,
    /// The longest wait now, s.
    pub longest_hold_s: u32,
}

/// One queue: who waits, who answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Queue {
    /// Its name (`sales`).
    pub name: String,
    /// The callers waiting, by position.
    pub callers: Vec<QueueCaller>,
    /// Its members, as the PBX lists them.
    pub members: Vec<QueueMember>,
    /// Its totals, when a `QueueSummary` gave them.
    pub summary: Option<QueueSummary>,
}

impl Queue {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            callers: Vec::new(),
            members: Vec::new(),
            summary: None,
        }
    }

    /// The caller waiting longest: the one the panel makes stand out.
    pub fn longest_wait(&self) -> Option<&QueueCaller> {
        self.callers.iter().min_by_key(|c| c.joined_ms)
    }

    fn renumber(&mut self) {
        for (i, c) in self.callers.iter_mut().enumerate() {
            c.position = u32::try_from(i + 1).unwrap_or(u32::MAX);
        }
    }

    fn member_mut(&mut self, interface: &str) -> &mut QueueMember {
        let i = match self.members.iter().position(|m| m.interface == interface) {
            Some(i) => i,
            None => {
                self.members.push(QueueMember::new(interface));
                self.members.len() - 1
            }
        };
        &mut self.members[i]
    }
}

/// How a caller's wait in a queue ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum QueueOutcome {
    /// A member answered.
    Answered,
    /// The caller hung up while waiting.
    Abandoned,
    /// The queue let the caller go unanswered (its timeout, an exit key,
    /// nobody left to ring).
    Timeout,
}

/// A change of the queues panel. These values are CLI JSON lines.
///
/// ```
/// use ringside_calls::console::QueueChange;
/// let c = QueueChange::QueueJoin {
///     queue: "sales".into(),
///     call: "1796392669.9".into(),
///     caller_num: "+12015550111".into(),
///     caller_name: Some("Vandelay Industries".into()),
///     position: 1,
/// };
/// assert_eq!(
///     serde_json::to_string(&c).unwrap(),
///     r#"{"type":"queue_join","queue":"sales","call":"1796392669.9","caller_num":"+12015550111","caller_name":"Vandelay Industries","position":1}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QueueChange {
    /// A caller started waiting.
    QueueJoin {
        /// The queue.
        queue: String,
        /// The call id.
        call: String,
        /// The caller's number.
        caller_num: String,
        /// The caller's name.
        caller_name: Option<String>,
        /// Its position on joining.
        position: u32,
    },
    /// A caller's wait is over.
    QueueLeave {
        /// The queue.
        queue: String,
        /// The call id.
        call: String,
        /// The caller's number.
        caller_num: String,
        /// `answered`, `abandoned` or `timeout`.
        end: QueueOutcome,
        /// For `answered`: the member's extension.
        answered_by: Option<String>,
        /// How long it waited, ms.
        waited_ms: i64,
    },
}

/// A caller out of its queue whose leave is not settled yet (see the
/// module docs).
#[derive(Debug)]
struct Left {
    queue: String,
    caller: QueueCaller,
    left_ms: i64,
}

/// The queues panel. See the module docs.
#[derive(Debug, Default)]
pub struct Queues {
    /// Empty: every queue.
    watched: BTreeSet<String>,
    queues: BTreeMap<String, Queue>,
    left: Vec<Left>,
}

impl Queues {
    /// Every queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only these queues (the CLI's `--queue NAME`); none means every queue.
    pub fn watching<I, S>(queues: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            watched: queues.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Is this queue on the panel?
    pub fn is_watched(&self, queue: &str) -> bool {
        self.watched.is_empty() || self.watched.contains(queue)
    }

    /// The queues seen, by name.
    pub fn queues(&self) -> impl Iterator<Item = &Queue> {
        self.queues.values()
    }

    /// One queue.
    pub fn get(&self, name: &str) -> Option<&Queue> {
        self.queues.get(name)
    }

    /// Applies one event received at `at_ms`, naming calls by the event's
    /// own ids.
    pub fn apply(&mut self, ev: &Packet, at_ms: i64) -> Vec<QueueChange> {
        self.apply_with(ev, at_ms, &EventIds)
    }

    /// Applies one event received at `at_ms`, naming calls as `ids` (the
    /// tracker, fed the event first) does. A member's change gives no line:
    /// read it from [`Queues::get`].
    pub fn apply_with(&mut self, ev: &Packet, at_ms: i64, ids: &dyn CallIds) -> Vec<QueueChange> {
        let mut out = Vec::new();
        let Some(event) = ConsoleEvent::decode(ev) else {
            if let Some(c) = CallEvent::decode(ev) {
                self.on_call_event(c, at_ms, ids, &mut out);
            }
            return out;
        };
        match event {
            ConsoleEvent::Dialplan { uniqueid } => self.settle(uniqueid, None, &mut out),
            ConsoleEvent::AgentConnect(a) => {
                let by = a.member_channel.or(a.interface).and_then(extension_of);
                self.settle(a.caller, Some(by), &mut out);
            }
            ConsoleEvent::Member(m) if self.is_watched(m.queue) => {
                self.queue_mut(m.queue).member_mut(m.interface).update(&m);
            }
            ConsoleEvent::MemberRemoved { queue, interface } => {
                if let Some(q) = self.queues.get_mut(queue) {
                    q.members.retain(|m| m.interface != interface);
                }
            }
            ConsoleEvent::Summary(s) => self.on_summary(&s),
            _ => {}
        }
        out
    }

    /// Rebuilds the panel from the items of a `QueueStatus` answer (and
    /// `QueueSummary` items, which only set each queue's totals) received
    /// at `at_ms`. A caller seen before keeps its `joined_ms` and is not
    /// reported again; a new one is reported `queue_join`, waiting since
    /// its `Wait`; one no longer listed left while Ringside was away, how
    /// is not known, and it goes without a line. A queue the answer does
    /// not list is dropped.
    pub fn resync(&mut self, items: &[Packet], at_ms: i64) -> Vec<QueueChange> {
        self.resync_with(items, at_ms, &EventIds)
    }

    /// [`Queues::resync`], naming calls as `ids` does.
    pub fn resync_with(
        &mut self,
        items: &[Packet],
        at_ms: i64,
        ids: &dyn CallIds,
    ) -> Vec<QueueChange> {
        let mut listing = false;
        let mut fresh: BTreeMap<String, Queue> = BTreeMap::new();
        let mut summaries = Vec::new();
        for p in items {
            let Some(ev) = ConsoleEvent::decode(p) else {
                continue;
            };
            let queue = match &ev {
                ConsoleEvent::Params { queue } => *queue,
                ConsoleEvent::Entry(e) => e.queue,
                ConsoleEvent::Member(m) => m.queue,
                ConsoleEvent::StatusComplete => {
                    listing = true;
                    continue;
                }
                ConsoleEvent::Summary(s) => {
                    summaries.push(p);
                    s.queue
                }
                _ => continue,
            };
            if !self.is_watched(queue) || matches!(ev, ConsoleEvent::Summary(_)) {
                continue;
            }
            listing = true;
            let q = fresh
                .entry(queue.to_owned())
                .or_insert_with(|| Queue::new(queue));
            match ev {
                ConsoleEvent::Entry(e) => q.callers.push(listed_caller(&e, at_ms, ids)),
                ConsoleEvent::Member(m) => q.member_mut(m.interface).update(&m),
                _ => {}
            }
        }
        let out = if listing {
            self.take_listed(fresh)
        } else {
            Vec::new()
        };
        for p in summaries {
            if let Some(ConsoleEvent::Summary(s)) = ConsoleEvent::decode(p) {
                self.on_summary(&s);
            }
        }
        out
    }

    /// The listed queues replace the panel's: a caller seen before keeps
    /// its time and id, a new one is reported, and a queue keeps its totals.
    fn take_listed(&mut self, listed: BTreeMap<String, Queue>) -> Vec<QueueChange> {
        let mut out = Vec::new();
        self.left.clear();
        let mut old = std::mem::replace(&mut self.queues, listed);
        for q in self.queues.values_mut() {
            q.callers.sort_by_key(|c| c.position);
            q.renumber();
            let before = old.remove(&q.name);
            q.summary = before.as_ref().and_then(|b| b.summary);
            for c in &mut q.callers {
                let seen = before
                    .as_ref()
                    .and_then(|b| b.callers.iter().find(|o| o.uniqueid == c.uniqueid));
                match seen {
                    Some(o) => {
                        c.joined_ms = o.joined_ms;
                        c.call.clone_from(&o.call);
                    }
                    None => out.push(join_change(&q.name, c)),
                }
            }
        }
        out
    }

    fn on_call_event(
        &mut self,
        event: CallEvent<'_>,
        at_ms: i64,
        ids: &dyn CallIds,
        out: &mut Vec<QueueChange>,
    ) {
        match event {
            CallEvent::QueueJoin(j) => {
                self.settle(j.uniqueid, None, out);
                self.on_join(&j, at_ms, ids, out);
            }
            CallEvent::QueueAbandon {
                uniqueid,
                queue,
                hold_s,
            } => self.on_abandon(uniqueid, queue, hold_s, at_ms, out),
            CallEvent::QueueLeave { uniqueid, queue } => {
                if let Some((queue, caller)) = self.take_caller(uniqueid, queue) {
                    self.left.push(Left {
                        queue,
                        caller,
                        left_ms: at_ms,
                    });
                }
            }
            CallEvent::Link { uniqueids, names } => {
                for (uid, peer) in uniqueids.into_iter().zip(names.into_iter().rev()) {
                    self.settle(uid, Some(peer.and_then(extension_of)), out);
                }
            }
            CallEvent::Hangup { uniqueid, .. } => self.settle(uniqueid, None, out),
            CallEvent::DialBegin(d) => {
                if let Some(uid) = d.caller.uniqueid {
                    self.settle(uid, None, out);
                }
            }
            _ => {}
        }
    }

    fn on_join(
        &mut self,
        j: &QueueJoin<'_>,
        at_ms: i64,
        ids: &dyn CallIds,
        out: &mut Vec<QueueChange>,
    ) {
        if !self.is_watched(j.queue) {
            return;
        }
        let caller = QueueCaller {
            call: call_id(
                ids,
                &[ChannelRef {
                    uniqueid: Some(j.uniqueid),
                    name: j.channel,
                }],
                j.linkedid,
            ),
            uniqueid: j.uniqueid.to_owned(),
            channel: j.channel.map(str::to_owned),
            position: 0,
            caller_num: known(j.caller.num).unwrap_or("").to_owned(),
            caller_name: known(j.caller.name).map(str::to_owned),
            joined_ms: at_ms,
        };
        let q = self.queue_mut(j.queue);
        if q.callers.iter().any(|c| c.uniqueid == caller.uniqueid) {
            return;
        }
        let at = j
            .position
            .and_then(|p| usize::try_from(p).ok())
            .map_or(q.callers.len(), |p| {
                p.saturating_sub(1).min(q.callers.len())
            });
        q.callers.insert(at, caller);
        q.renumber();
        out.push(join_change(&q.name, &q.callers[at]));
    }

    /// `QueueCallerAbandon`: the caller hung up waiting (its leave follows).
    /// The wait is at least the PBX's own `HoldTime`, as the tracker counts it.
    fn on_abandon(
        &mut self,
        uid: &str,
        queue: Option<&str>,
        hold_s: Option<i64>,
        at_ms: i64,
        out: &mut Vec<QueueChange>,
    ) {
        let (queue, mut caller, until) = match self.take_caller(uid, queue) {
            Some((q, c)) => (q, c, at_ms),
            None => match self.left.iter().position(|l| l.caller.uniqueid == uid) {
                Some(i) => {
                    let l = self.left.remove(i);
                    (l.queue, l.caller, l.left_ms)
                }
                None => return,
            },
        };
        if let Some(hold_s) = hold_s {
            caller.joined_ms = caller
                .joined_ms
                .min(until.saturating_sub(hold_s.saturating_mul(1000)));
        }
        out.push(leave_change(
            queue,
            caller,
            QueueOutcome::Abandoned,
            None,
            until,
        ));
    }

    /// Settles the leave of the caller with this Uniqueid, if one is
    /// waiting to be: answered by the member `answered`, or (`None`) a
    /// timeout.
    fn settle(&mut self, uid: &str, answered: Option<Option<String>>, out: &mut Vec<QueueChange>) {
        let Some(i) = self.left.iter().position(|l| l.caller.uniqueid == uid) else {
            return;
        };
        let l = self.left.remove(i);
        let (end, by) = match answered {
            Some(by) => (QueueOutcome::Answered, by),
            None => (QueueOutcome::Timeout, None),
        };
        out.push(leave_change(l.queue, l.caller, end, by, l.left_ms));
    }

    /// Takes a waiting caller out of its queue (the named one, else
    /// whichever holds it); those behind it move up.
    fn take_caller(&mut self, uid: &str, queue: Option<&str>) -> Option<(String, QueueCaller)> {
        self.queues
            .values_mut()
            .filter(|q| queue.is_none_or(|n| q.name == n))
            .find_map(|q| {
                let i = q.callers.iter().position(|c| c.uniqueid == uid)?;
                let c = q.callers.remove(i);
                q.renumber();
                Some((q.name.clone(), c))
            })
    }

    fn on_summary(&mut self, s: &SummaryItem<'_>) {
        if !self.is_watched(s.queue) {
            return;
        }
        self.queue_mut(s.queue).summary = Some(QueueSummary {
            logged_in: s.logged_in.unwrap_or(0),
            available: s.available.unwrap_or(0),
            callers: s.callers.unwrap_or(0),
            longest_hold_s: s.longest_hold_s.unwrap_or(0),
        });
    }

    fn queue_mut(&mut self, name: &str) -> &mut Queue {
        self.queues
            .entry(name.to_owned())
            .or_insert_with(|| Queue::new(name))
    }
}

/// A caller as a `QueueStatus` listing gives it.
fn listed_caller(e: &QueueEntry<'_>, at_ms: i64, ids: &dyn CallIds) -> QueueCaller {
    let waited_ms = e.wait_s.map_or(0, |w| w.saturating_mul(1000));
    QueueCaller {
        // A QueueEntry has no Linkedid, in either dialect.
        call: call_id(
            ids,
            &[ChannelRef {
                uniqueid: Some(e.uniqueid),
                name: e.channel,
            }],
            None,
        ),
        uniqueid: e.uniqueid.to_owned(),
        channel: e.channel.map(str::to_owned),
        position: e.position.unwrap_or(u32::MAX),
        caller_num: known(e.caller.num).unwrap_or("").to_owned(),
        caller_name: known(e.caller.name).map(str::to_owned),
        joined_ms: at_ms.saturating_sub(i64::try_from(waited_ms).unwrap_or(i64::MAX)),
    }
}

fn join_change(queue: &str, c: &QueueCaller) -> QueueChange {
    QueueChange::QueueJoin {
        queue: queue.to_owned(),
        call: c.call.clone(),
        caller_num: c.caller_num.clone(),
        caller_name: c.caller_name.clone(),
        position: c.position,
    }
}

fn leave_change(
    queue: String,
    c: QueueCaller,
    end: QueueOutcome,
    answered_by: Option<String>,
    until_ms: i64,
) -> QueueChange {
    QueueChange::QueueLeave {
        queue,
        call: c.call,
        caller_num: c.caller_num,
        end,
        answered_by,
        waited_ms: until_ms.saturating_sub(c.joined_ms),
    }
}

#[cfg(test)]
mod tests;
