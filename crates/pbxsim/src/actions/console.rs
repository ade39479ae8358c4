//! The attendant console's actions, answered as Asterisk answers them in
//! each dialect: `Park` (11 features.c `manager_park`: `Channel2` required,
//! `Park successful`/`Park failure`; 12+ res_parking: `TimeoutChannel` or
//! `Channel2`, `Park action failed`), `ParkedCalls`, `QueueStatus` and
//! `QueueSummary` (12+ event lists; 11 plain acks with a closing event),
//! `QueuePause`, `QueueAdd` and `QueueRemove` (app_queue.c's messages),
//! `MailboxCount`, and the Originates that take a call rather than place
//! one: to `PickupChan`, `Pickup` or a `**<ext>` pickup code, and to a
//! parking space. Those are handed to the task of the call they take; when there
//! is nothing to take, the phone rings, answers and hangs up again.

use std::sync::Arc;
use std::time::Duration;

use ringside_ami::Packet;

use super::queries::{list_complete, list_start};
use super::{error, lock, response, success, with_id, Answer};
use crate::config::Dialect;
use crate::scenario::originate_alone;
use crate::shared::Shared;
use crate::world::{CallCmd, ChanState, OriginateSpec, QueueRefusal, World, PARKING_LOT};

/// How long a phone rings for an Originate that finds nothing to take.
const RING: Duration = Duration::from_secs(1);

/// `Park`.
pub(super) fn park(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let modern = shared.dialect == Dialect::Modern;
    let failed = if modern {
        "Park action failed"
    } else {
        "Park failure"
    };
    let Some(channel) = action.get("Channel").filter(|c| !c.is_empty()) else {
        return Answer::packets(&[error(action, "Channel not specified")]);
    };
    let parker = action
        .get("TimeoutChannel")
        .or(action.get("Channel2"))
        .filter(|c| !c.is_empty());
    if !modern && parker.is_none() {
        return Answer::packets(&[error(action, "Channel2 not specified")]);
    }
    let w = lock(shared);
    let timeout = match action.get("Timeout").filter(|t| !t.is_empty()) {
        None => w.parking_time,
        Some(t) => match t.trim().parse::<u64>() {
            Ok(ms) => Duration::from_secs((ms / 1000).max(1)),
            Err(_) if modern => return Answer::packets(&[error(action, "Invalid Timeout value.")]),
            Err(_) => return Answer::packets(&[error(action, "Invalid timeout value.")]),
        },
    };
    for c in std::iter::once(channel).chain(parker.filter(|_| !modern)) {
        if w.chan(c).is_none() {
            return Answer::packets(&[error(action, &format!("Channel does not exist: {c}"))]);
        }
    }
    let lot_known = action
        .get("Parkinglot")
        .is_none_or(|l| l.is_empty() || l == PARKING_LOT);
    // Only a call in progress is parked here (Asterisk 12+ would also
    // park a channel that is not bridged).
    let bridged = w
        .chan(channel)
        .is_some_and(|c| c.state == ChanState::Up && c.bridge.is_some());
    let Some(space) = w.free_space().filter(|_| bridged && (lot_known || !modern)) else {
        return Answer::packets(&[error(action, failed)]);
    };
    let cmd = CallCmd::Park {
        channel: channel.to_owned(),
        parker: parker.map(str::to_owned),
        space,
        timeout,
    };
    if !w.command(channel, cmd) {
        return Answer::packets(&[error(action, failed)]);
    }
    Answer::packets(&[success(action, "Park successful")])
}

/// `ParkedCalls`: every call waiting, in the lot's listing format.
pub(super) fn parked_calls(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let w = lock(shared);
    let modern = shared.dialect == Dialect::Modern;
    let wanted = action.get("ParkingLot").filter(|l| !l.is_empty());
    if modern && wanted.is_some_and(|l| l != PARKING_LOT) {
        return Answer::packets(&[error(action, "Requested parking lot could not be found.")]);
    }
    let mut packets = vec![if modern {
        list_start(action, "Parked calls will follow")
    } else {
        success(action, "Parked calls will follow")
    }];
    for slot in w.parked_calls() {
        if let Some(p) = w.parked_call_item(slot) {
            packets.push(with_id(p, action));
        }
    }
    let n = packets.len() - 1;
    let done = if modern {
        list_complete(action, "ParkedCallsComplete", n)
    } else {
        with_id(Packet::new().with("Event", "ParkedCallsComplete"), action)
    };
    packets.push(done.with("Total", n.to_string()));
    Answer::packets(&packets)
}

/// `QueueStatus`: each queue's parameters, members and waiting callers.
pub(super) fn queue_status(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let w = lock(shared);
    let modern = shared.dialect == Dialect::Modern;
    let wanted = action.get("Queue").filter(|q| !q.is_empty());
    let mut packets = vec![if modern {
        list_start(action, "Queue status will follow")
    } else {
        success(action, "Queue status will follow")
    }];
    let now = w.now().as_secs();
    for (name, q) in w.queues().filter(|(n, _)| wanted.is_none_or(|x| x == *n)) {
        let mut params = Packet::new()
            .with("Event", "QueueParams")
            .with("Queue", name)
            .with("Max", "0")
            .with("Strategy", "ringall")
            .with("Calls", q.callers.len().to_string())
            .with("Holdtime", "0")
            .with("TalkTime", "0")
            .with("Completed", q.completed.to_string())
            .with("Abandoned", q.abandoned.to_string())
            .with("ServiceLevel", "0")
            .with("ServicelevelPerf", "0.0");
        if modern {
            params.push("ServicelevelPerf2", "0.0");
        }
        packets.push(with_id(params.with("Weight", "0"), action));
        for m in &q.members {
            packets.push(with_id(member_item(&w, name, m), action));
        }
        for (i, c) in q.callers.iter().enumerate() {
            let Some(ch) = w.chan(&c.channel) else {
                continue;
            };
            let known = |v: &str| if v.is_empty() { "unknown" } else { v }.to_owned();
            let mut p = Packet::new()
                .with("Event", "QueueEntry")
                .with("Queue", name)
                .with("Position", (i + 1).to_string())
                .with("Channel", &ch.name)
                .with("Uniqueid", &ch.uniqueid)
                .with("CallerIDNum", known(&ch.cid_num))
                .with("CallerIDName", known(&ch.cid_name))
                .with("ConnectedLineNum", known(&ch.conn_num))
                .with("ConnectedLineName", known(&ch.conn_name))
                .with("Wait", now.saturating_sub(c.since).to_string());
            if modern {
                p.push("Priority", "0");
            }
            packets.push(with_id(p, action));
        }
    }
    let n = packets.len() - 1;
    packets.push(if modern {
        list_complete(action, "QueueStatusComplete", n)
    } else {
        with_id(Packet::new().with("Event", "QueueStatusComplete"), action)
    });
    Answer::packets(&packets)
}

/// A `QueueStatus` listing's `QueueMember`.
fn member_item(w: &World, queue: &str, m: &crate::world::Member) -> Packet {
    let modern = w.dialect == Dialect::Modern;
    let status = w.member_status(m);
    let in_call = if matches!(status, 2 | 7 | 8) {
        "1"
    } else {
        "0"
    };
    let mut p = Packet::new()
        .with("Event", "QueueMember")
        .with("Queue", queue)
        .with("Name", &m.name)
        .with("Location", &m.interface)
        .with("StateInterface", &m.state_interface)
        .with("Membership", if m.dynamic { "dynamic" } else { "static" })
        .with("Penalty", "0")
        .with("CallsTaken", m.calls.to_string())
        .with("LastCall", "0");
    if modern {
        p.push("LastPause", m.last_pause.to_string());
        p.push("LoginTime", m.login.to_string());
        p.push("InCall", in_call);
    } else {
        p.push("IsInCall", in_call);
    }
    p.push("Status", status.to_string());
    p.push("Paused", if m.paused { "1" } else { "0" });
    if modern {
        p.push("PausedReason", &m.reason);
        p.push("Wrapuptime", "0");
    }
    p
}

/// `QueueSummary`: per queue, members logged in and free, callers and the
/// longest wait.
pub(super) fn queue_summary(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let w = lock(shared);
    let modern = shared.dialect == Dialect::Modern;
    let wanted = action.get("Queue").filter(|q| !q.is_empty());
    let mut packets = vec![if modern {
        list_start(action, "Queue summary will follow")
    } else {
        success(action, "Queue summary will follow")
    }];
    let now = w.now().as_secs();
    for (name, q) in w.queues().filter(|(n, _)| wanted.is_none_or(|x| x == *n)) {
        let logged_in = q.members.iter().filter(|m| w.member_status(m) != 5).count();
        let available = q
            .members
            .iter()
            .filter(|m| !m.paused && w.member_status(m) == 1)
            .count();
        let longest = q.callers.first().map_or(0, |c| now.saturating_sub(c.since));
        packets.push(with_id(
            Packet::new()
                .with("Event", "QueueSummary")
                .with("Queue", name)
                .with("LoggedIn", logged_in.to_string())
                .with("Available", available.to_string())
                .with("Callers", q.callers.len().to_string())
                .with("HoldTime", "0")
                .with("TalkTime", "0")
                .with("LongestHoldTime", longest.to_string()),
            action,
        ));
    }
    let n = packets.len() - 1;
    packets.push(if modern {
        list_complete(action, "QueueSummaryComplete", n)
    } else {
        with_id(Packet::new().with("Event", "QueueSummaryComplete"), action)
    });
    Answer::packets(&packets)
}

/// `QueuePause`.
pub(super) fn queue_pause(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let interface = action.get("Interface").filter(|i| !i.is_empty());
    let paused = action.get("Paused").filter(|p| !p.is_empty());
    let (Some(interface), Some(paused)) = (interface, paused) else {
        return Answer::packets(&[error(action, "Need 'Interface' and 'Paused' parameters.")]);
    };
    let paused = matches!(
        paused.to_ascii_lowercase().as_str(),
        "true" | "yes" | "1" | "on"
    );
    let queue = action.get("Queue").filter(|q| !q.is_empty());
    let reason = action.get("Reason").unwrap_or_default();
    if !lock(shared).queue_pause(queue, interface, paused, reason) {
        return Answer::packets(&[error(action, "Interface not found")]);
    }
    let message = if paused {
        "Interface paused successfully"
    } else {
        "Interface unpaused successfully"
    };
    Answer::packets(&[success(action, message)])
}

/// `QueueAdd`.
pub(super) fn queue_add(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let Some(queue) = action.get("Queue").filter(|q| !q.is_empty()) else {
        return Answer::packets(&[error(action, "'Queue' not specified.")]);
    };
    let Some(interface) = action.get("Interface").filter(|i| !i.is_empty()) else {
        return Answer::packets(&[error(action, "'Interface' not specified.")]);
    };
    let paused = action
        .get("Paused")
        .is_some_and(|p| matches!(p.to_ascii_lowercase().as_str(), "true" | "yes" | "1" | "on"));
    let added = lock(shared).queue_add(
        queue,
        interface,
        action.get("MemberName").unwrap_or_default(),
        action.get("StateInterface").unwrap_or_default(),
        paused,
    );
    Answer::packets(&[match added {
        Ok(()) => success(action, "Added interface to queue"),
        Err(QueueRefusal::Exists) => error(action, "Unable to add interface: Already there"),
        Err(_) => error(action, "Unable to add interface to queue: No such queue"),
    }])
}

/// `QueueRemove`.
pub(super) fn queue_remove(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let queue = action.get("Queue").filter(|q| !q.is_empty());
    let interface = action.get("Interface").filter(|i| !i.is_empty());
    let (Some(queue), Some(interface)) = (queue, interface) else {
        return Answer::packets(&[error(action, "Need 'Queue' and 'Interface' parameters.")]);
    };
    Answer::packets(&[match lock(shared).queue_remove(queue, interface) {
        Ok(()) => success(action, "Removed interface from queue"),
        Err(QueueRefusal::NoSuchQueue) => error(
            action,
            "Unable to remove interface from queue: No such queue",
        ),
        Err(QueueRefusal::NotDynamic) => error(action, "Member not dynamic"),
        Err(_) => error(action, "Unable to remove interface: Not there"),
    }])
}

/// `MailboxCount` of `1002@default` (or `1002`).
pub(super) fn mailbox_count(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let Some(mailbox) = action.get("Mailbox").filter(|m| !m.is_empty()) else {
        return Answer::packets(&[error(action, "Mailbox not specified")]);
    };
    let ext = mailbox.split('@').next().unwrap_or(mailbox);
    let (new, old) = lock(shared).mailbox(ext);
    Answer::packets(&[response(action, "Success")
        .with("Message", "Mailbox Message Count")
        .with("Mailbox", mailbox)
        .with("UrgMessages", "0")
        .with("NewMessages", new.to_string())
        .with("OldMessages", old.to_string())])
}

/// An Originate that takes a call: to `PickupChan` (or a `**<ext>`
/// pickup code) or to a parking space. `Some` when it was one; the call
/// it takes plays it, or, with nothing to take, the phone rings, answers
/// and hangs up again.
pub(super) fn originate_takes(shared: &Arc<Shared>, spec: &OriginateSpec) -> Option<()> {
    let w = lock(shared);
    let device = match &spec.app {
        Some((app, data)) if app.eq_ignore_ascii_case("PickupChan") => {
            Some(data.split(['&', ',']).next().unwrap_or_default().to_owned())
        }
        // `Pickup(1002@context)`: the extension the ringing channel was
        // dialled at, which is its phone here.
        Some((app, data)) if app.eq_ignore_ascii_case("Pickup") => {
            let ext = data.split(['&', '@']).next().unwrap_or_default();
            Some(format!("{}/{ext}", w.dialect.tech()))
        }
        Some(_) => None,
        None => spec
            .exten
            .strip_prefix("**")
            .map(|ext| format!("{}/{ext}", w.dialect.tech())),
    };
    if let Some(device) = device {
        let prefix = format!("{device}-");
        let ringing = w
            .channels()
            .find(|c| c.state == ChanState::Ringing && c.name.starts_with(&prefix))
            .map(|c| c.name.clone());
        let taken = ringing.is_some_and(|target| {
            let cmd = CallCmd::PickUp {
                target: target.clone(),
                by: Box::new(spec.clone()),
            };
            w.command(&target, cmd)
        });
        if !taken {
            let mut alone = spec.clone();
            alone.app = Some(("PickupChan".to_owned(), device));
            tokio::spawn(originate_alone(shared.world.clone(), alone, RING));
        }
        return Some(());
    }
    if spec.app.is_some() || !w.is_parking_space(&spec.exten) {
        return None;
    }
    let parked = w.parked_in(&spec.exten).map(|s| s.channel.clone());
    let taken = parked.is_some_and(|c| {
        w.command(
            &c,
            CallCmd::Retrieve {
                by: Box::new(spec.clone()),
            },
        )
    });
    if !taken {
        let mut alone = spec.clone();
        alone.app = Some((
            "ParkedCall".to_owned(),
            format!("{PARKING_LOT},{}", spec.exten),
        ));
        tokio::spawn(originate_alone(shared.world.clone(), alone, RING));
    }
    Some(())
}
