//! Queue calls: the queue events in each dialect (12+ `QueueCallerJoin`,
//! `AgentCalled`, `AgentConnect` …; 1.8 `Join`, `Leave` …) and the members
//! a queue rings through a Local channel pair, FreePBX's
//! `Local/<agent>@from-queue` on 12+ and a plain `queues.conf` member on 1.x
//! (`ami-1.3/queue-direct-answers.ami`).

use super::call::{CallRun, Leg};
use crate::config::Dialect;
use crate::world::{Chan, ChanState, NewChan, World};

#[derive(Debug, Clone, Copy)]
pub(super) enum QueueEv {
    Join,
    AgentCalled,
    AgentConnect,
    /// The caller leaves the queue, answered or not.
    Leave {
        answered: bool,
    },
    Abandon,
}

/// Queue events in each dialect (12+: `QueueCallerJoin` …; 1.8: `Join` …),
/// with the caller's position and the count kept by the world's queues.
pub(super) fn queue_event(
    w: &mut World,
    ev: QueueEv,
    caller: &str,
    agent: Option<&str>,
    queue: &str,
) {
    let Some(c) = w.chan(caller).cloned() else {
        return;
    };
    let q = ("Queue", queue.to_owned());
    match (ev, agent) {
        (QueueEv::Join, _) => {
            let (position, count) = w.queue_join(queue, caller);
            caller_joins(w, &c, q, position, count);
        }
        (QueueEv::Leave { answered }, _) => {
            let (position, count) = w.queue_leave(queue, caller, answered);
            caller_leaves(w, &c, q, position, count);
        }
        (QueueEv::Abandon, _) => caller_abandons(w, &c, q),
        (QueueEv::AgentCalled, Some(agent)) => agent_called(w, &c, agent, q),
        (QueueEv::AgentConnect, Some(agent)) => agent_connects(w, &c, agent, q),
        _ => {}
    }
}

/// One header of a queue event, name and value.
type Field = (&'static str, String);

/// `QueueCallerJoin` (12+) or `Join` (1.8) for the caller `c`.
fn caller_joins(w: &World, c: &Chan, q: Field, position: usize, count: usize) {
    let modern = w.dialect == Dialect::Modern;
    let name = if modern { "QueueCallerJoin" } else { "Join" };
    let mut extra = vec![
        q,
        ("Position", position.to_string()),
        ("Count", count.to_string()),
    ];
    if !modern {
        extra.splice(
            0..0,
            [
                ("Channel", c.name.clone()),
                ("CallerIDNum", c.cid_num.clone()),
                ("CallerIDName", c.cid_name.clone()),
                ("Uniqueid", c.uniqueid.clone()),
            ],
        );
    }
    w.chan_event_with(name, &c.name, &extra);
}

/// `QueueCallerLeave` (12+) or `Leave` (1.8) for the caller `c`.
fn caller_leaves(w: &World, c: &Chan, q: Field, position: usize, count: usize) {
    let modern = w.dialect == Dialect::Modern;
    let name = if modern { "QueueCallerLeave" } else { "Leave" };
    let mut extra = vec![
        q,
        ("Position", position.to_string()),
        ("Count", count.to_string()),
    ];
    if !modern {
        extra.splice(
            0..0,
            [
                ("Channel", c.name.clone()),
                ("Uniqueid", c.uniqueid.clone()),
            ],
        );
    }
    w.chan_event_with(name, &c.name, &extra);
}

/// `QueueCallerAbandon` for the caller `c`, who gave up waiting: its
/// position now and how long it waited.
fn caller_abandons(w: &World, c: &Chan, q: Field) {
    let (position, held) = w.queue_wait(&q.1, &c.name).unwrap_or((1, 0));
    let mut extra = vec![
        q,
        ("Position", position.to_string()),
        ("OriginalPosition", position.to_string()),
        ("HoldTime", held.to_string()),
    ];
    if w.dialect != Dialect::Modern {
        extra.insert(1, ("Uniqueid", c.uniqueid.clone()));
    }
    w.chan_event_with("QueueCallerAbandon", &c.name, &extra);
}

/// The member interface the queue rings through `agent`'s channel
/// (`Local/1002@from-queue/n`, `SIP/1003/n`).
fn member_interface(agent: &str) -> String {
    let member = agent.split(';').next().unwrap_or(agent).to_owned();
    member
        .rsplit_once('-')
        .map_or(member.clone(), |(i, _)| format!("{i}/n"))
}

/// `AgentCalled`: the queue rings `agent` for the caller `c`.
fn agent_called(w: &World, c: &Chan, agent: &str, q: Field) {
    let interface = member_interface(agent);
    if w.dialect == Dialect::Modern {
        w.chan_pair_event(
            "AgentCalled",
            &c.name,
            agent,
            &[
                q,
                ("MemberName", interface.clone()),
                ("Interface", interface),
            ],
        );
    } else {
        w.chan_pair_event(
            "AgentCalled",
            &c.name,
            agent,
            &[
                q,
                ("AgentCalled", interface.clone()),
                ("AgentName", interface),
                ("ChannelCalling", c.name.clone()),
                ("DestinationChannel", agent.to_owned()),
                ("CallerIDNum", c.cid_num.clone()),
                ("CallerIDName", c.cid_name.clone()),
                ("Context", c.context.clone()),
                ("Extension", c.exten.clone()),
                ("Priority", "1".to_owned()),
                ("Uniqueid", c.uniqueid.clone()),
            ],
        );
    }
}

/// `AgentConnect`: `agent` answered the caller `c`.
fn agent_connects(w: &World, c: &Chan, agent: &str, q: Field) {
    let interface = member_interface(agent);
    let mut extra = vec![
        q,
        ("MemberName", interface.clone()),
        ("Interface", interface),
        ("HoldTime", "0".to_owned()),
    ];
    if w.dialect == Dialect::Modern {
        extra.push(("RingTime", "2".to_owned()));
    } else {
        extra.extend([
            ("Uniqueid", c.uniqueid.clone()),
            ("Channel", agent.to_owned()),
            ("BridgedChannel", c.name.clone()),
            ("Ringtime", "2".to_owned()),
        ]);
    }
    w.chan_pair_event("AgentConnect", &c.name, agent, &extra);
}

impl CallRun {
    /// Rings a queue's members once the caller has joined the queue: the
    /// direct ones, then the Local ones.
    pub(super) fn ring_queue(
        &self,
        w: &mut World,
        a: &Chan,
        queue: &str,
        targets: &[String],
    ) -> Vec<Leg> {
        let tech = w.dialect.tech();
        w.set_location(
            &self.a,
            "ext-queues",
            &self.destination,
            "Queue",
            &self.last_data,
        );
        if !self.agent_events {
            // A plain queue answers the caller first (`Answer()`).
            w.set_state(&self.a, ChanState::Up);
        }
        queue_event(w, QueueEv::Join, &self.a, None, queue);
        // A paused member is not rung.
        let (direct, local): (Vec<&String>, Vec<&String>) = targets
            .iter()
            .filter(|t| !w.member_paused(queue, t))
            .partition(|t| self.direct.contains(t));
        // app_queue requests every member before any rings; the
        // direct ones come first, as in ami-1.3/queue-direct-answers.
        let mut legs: Vec<Leg> = direct
            .iter()
            .map(|t| {
                let b = self.new_phone_chan(w, t, "", a);
                Leg {
                    target: (*t).clone(),
                    dialled: b,
                    local: None,
                }
            })
            .collect();
        for l in &legs {
            if self.agent_events || w.dialect == Dialect::Modern {
                queue_event(w, QueueEv::AgentCalled, &self.a, Some(&l.dialled), queue);
            }
            // 12+ announces each member with DialBegin; 1.x with nothing.
            w.dial_begin(Some(&self.a), &l.dialled, &format!("{tech}/{}", l.target));
            w.set_state(&l.dialled, ChanState::Ringing);
        }
        legs.extend(local.iter().map(|t| self.ring_queue_agent(w, a, queue, t)));
        legs
    }

    /// Rings one queue agent the FreePBX way: the queue dials
    /// `Local/<agent>@from-queue-…;1`, whose `;2` half dials the phone.
    pub(super) fn ring_queue_agent(
        &self,
        w: &mut World,
        a: &Chan,
        queue: &str,
        agent: &str,
    ) -> Leg {
        if w.dialect == Dialect::Ami11 {
            return self.ring_local_member_11(w, a, queue, agent);
        }
        // Local channel names carry a counter of their own.
        let lctx = self.local_context.clone();
        let base = format!(
            "Local/{agent}@{lctx}-{:08x}",
            w.channels().count() as u64 + 0x10
        );
        let ep = format!("{agent}@{lctx}");
        let half = |w: &mut World, suffix: &str, state| {
            w.new_channel(
                self.id,
                NewChan {
                    endpoint: &ep,
                    state,
                    cid_num: &a.cid_num,
                    cid_name: &a.cid_name,
                    context: &lctx,
                    exten: agent,
                    linkedid: Some(&a.linkedid),
                    uniqueid: None,
                    local_name: Some(&format!("{base};{suffix}")),
                },
            )
        };
        let l1 = half(w, "1", ChanState::Down);
        let l2 = half(w, "2", ChanState::Ring);
        w.dial_begin(
            Some(&self.a),
            &l1,
            &format!("Local/{agent}@{}/n", self.local_context),
        );
        queue_event(w, QueueEv::AgentCalled, &self.a, Some(&l1), queue);
        let l2_chan = w.chan(&l2).cloned().unwrap_or_else(|| a.clone());
        let phone = self.new_phone_leg(w, agent, &l2_chan, &l2);
        w.set_state(&l1, ChanState::Ringing);
        Leg {
            target: agent.to_owned(),
            dialled: l1,
            local: Some((l2, phone)),
        }
    }

    /// Rings a Local queue member on 1.x: app_queue requests
    /// `Local/<agent>@<context>` with no Dial event; the `;1` half gets the
    /// caller's dialled number as caller ID, the `;2` half the caller's,
    /// and `;2` dials the phone (ami-1.3/queue-direct-answers.ami).
    fn ring_local_member_11(&self, w: &mut World, a: &Chan, queue: &str, agent: &str) -> Leg {
        let (l1, l2) = w.local_pair(self.id, agent, &self.local_context, &a.linkedid);
        w.new_caller_id(&l1, &a.dnid, "");
        w.set_connected(&l1, &a.cid_num, &a.cid_name);
        w.set_caller_quietly(&l2, &a.cid_num, &a.cid_name);
        w.set_connected(&l2, &a.dnid, "");
        if self.agent_events {
            queue_event(w, QueueEv::AgentCalled, &self.a, Some(&l1), queue);
        }
        let l2_chan = w.chan(&l2).cloned().unwrap_or_else(|| a.clone());
        let phone = self.new_phone_leg(w, agent, &l2_chan, &l2);
        let name = w.ext_name(agent);
        w.set_caller_quietly(&l1, agent, &name);
        w.set_state(&l1, ChanState::Ringing);
        Leg {
            target: agent.to_owned(),
            dialled: l1,
            local: Some((l2, phone)),
        }
    }
}
