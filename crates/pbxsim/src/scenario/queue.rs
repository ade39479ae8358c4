//! Queue calls: the queue events in each dialect (12+ `QueueCallerJoin`,
//! `AgentCalled`, `AgentConnect` …; 1.8 `Join`, `Leave` …) and the members
//! a queue rings through a Local channel pair, FreePBX's
//! `Local/<agent>@from-queue` on 12+ and a plain `queues.conf` member on 1.x
//! (`ami-1.3/queue-direct-answers.ami`).

use super::call::{CallRun, Leg};
use crate::config::Dialect;
use crate::world::{ChanState, NewChan, World};

#[derive(Debug, Clone, Copy)]
pub(super) enum QueueEv {
    Join,
    AgentCalled,
    AgentConnect,
    Leave,
    Abandon,
}

/// Queue events in each dialect (12+: `QueueCallerJoin` …; 1.8: `Join` …).
pub(super) fn queue_event(
    w: &World,
    ev: QueueEv,
    caller: &str,
    agent: Option<&str>,
    queue: &str,
    position: u32,
) {
    let modern = w.dialect == Dialect::Modern;
    let Some(c) = w.chan(caller).cloned() else {
        return;
    };
    let q = ("Queue", queue.to_owned());
    let pos = ("Position", position.to_string());
    match (ev, agent) {
        (QueueEv::Join, _) => {
            let name = if modern { "QueueCallerJoin" } else { "Join" };
            let mut extra = vec![q, pos, ("Count", "1".to_owned())];
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
            w.chan_event_with(name, caller, &extra);
        }
        (QueueEv::Leave, _) => {
            let name = if modern { "QueueCallerLeave" } else { "Leave" };
            let mut extra = vec![q, pos, ("Count", "0".to_owned())];
            if !modern {
                extra.splice(
                    0..0,
                    [
                        ("Channel", c.name.clone()),
                        ("Uniqueid", c.uniqueid.clone()),
                    ],
                );
            }
            w.chan_event_with(name, caller, &extra);
        }
        (QueueEv::Abandon, _) => {
            let mut extra = vec![
                q,
                pos,
                ("OriginalPosition", "1".to_owned()),
                ("HoldTime", "0".to_owned()),
            ];
            if !modern {
                extra.insert(1, ("Uniqueid", c.uniqueid.clone()));
            }
            w.chan_event_with("QueueCallerAbandon", caller, &extra);
        }
        (QueueEv::AgentCalled, Some(agent)) => {
            let member = agent.split(';').next().unwrap_or(agent).to_owned();
            let interface = member
                .rsplit_once('-')
                .map_or(member.clone(), |(i, _)| format!("{i}/n"));
            if modern {
                w.chan_pair_event(
                    "AgentCalled",
                    caller,
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
                    caller,
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
        (QueueEv::AgentConnect, Some(agent)) => {
            let member = agent.split(';').next().unwrap_or(agent).to_owned();
            let interface = member
                .rsplit_once('-')
                .map_or(member.clone(), |(i, _)| format!("{i}/n"));
            let mut extra = vec![
                q,
                ("MemberName", interface.clone()),
                ("Interface", interface),
                ("HoldTime", "0".to_owned()),
            ];
            if modern {
                extra.push(("RingTime", "2".to_owned()));
            } else {
                extra.extend([
                    ("Uniqueid", c.uniqueid.clone()),
                    ("Channel", agent.to_owned()),
                    ("BridgedChannel", c.name.clone()),
                    ("Ringtime", "2".to_owned()),
                ]);
            }
            w.chan_pair_event("AgentConnect", caller, agent, &extra);
        }
        _ => {}
    }
}

impl CallRun {
    /// Rings one queue agent the FreePBX way: the queue dials
    /// `Local/<agent>@from-queue-…;1`, whose `;2` half dials the phone.
    pub(super) fn ring_queue_agent(
        &self,
        w: &mut World,
        a: &crate::world::Chan,
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
        queue_event(w, QueueEv::AgentCalled, &self.a, Some(&l1), queue, 1);
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
    fn ring_local_member_11(
        &self,
        w: &mut World,
        a: &crate::world::Chan,
        queue: &str,
        agent: &str,
    ) -> Leg {
        let (l1, l2) = w.local_pair(self.id, agent, &self.local_context, &a.linkedid);
        w.new_caller_id(&l1, &a.dnid, "");
        w.set_connected(&l1, &a.cid_num, &a.cid_name);
        w.set_caller_quietly(&l2, &a.cid_num, &a.cid_name);
        w.set_connected(&l2, &a.dnid, "");
        if self.agent_events {
            queue_event(w, QueueEv::AgentCalled, &self.a, Some(&l1), queue, 1);
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
