//! The queues' state: each queue's members (static from the
//! configuration, dynamic once a client's `QueueAdd` logs them in), paused
//! or not, and the callers waiting in it with their positions; and the
//! member events in each dialect, as app_queue.c sends them: 12+ one
//! member blob (`Queue`, `MemberName`, `Interface`, `StateInterface`, …,
//! `PausedReason`, `Ringinuse`, `Wrapuptime`) under `QueueMemberStatus`,
//! `QueueMemberAdded`, `QueueMemberRemoved` and `QueueMemberPause`; 11 its
//! own field lists, with the interface as `Location` and a pause as
//! `QueueMemberPaused` (with `Reason` only when one was given).

use ringside_ami::Packet;

use super::World;
use crate::config::Dialect;

/// One member of a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    /// `PJSIP/1003`, `Local/1002@from-queue/n`.
    pub interface: String,
    pub name: String,
    /// Where its busy state is read (`hint:1002@ext-local`), else the
    /// interface itself.
    pub state_interface: String,
    /// Logged in by `QueueAdd` (else set in `queues.conf`).
    pub dynamic: bool,
    pub paused: bool,
    pub reason: String,
    pub calls: u32,
    pub last_pause: u64,
    pub login: u64,
}

/// A caller waiting in a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Waiting {
    pub channel: String,
    pub uniqueid: String,
    /// When it joined (epoch seconds).
    pub since: u64,
}

/// One queue.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct QueueState {
    pub members: Vec<Member>,
    /// Waiting callers, position 1 first.
    pub callers: Vec<Waiting>,
    pub completed: u32,
    pub abandoned: u32,
}

/// Why `QueueAdd` or `QueueRemove` failed (app_queue's `RES_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueueRefusal {
    NoSuchQueue,
    /// Add: already a member. Remove: not a member.
    Exists,
    NotThere,
    /// Remove: a member from `queues.conf`.
    NotDynamic,
}

impl QueueState {
    /// A queue with these static members: an extension is its phone's
    /// device (`PJSIP/1003`), an interface (`Local/1002@internal/n`) is
    /// kept; logged in at `now` (when the configuration was loaded).
    pub fn new(dialect: Dialect, members: &[String], now: u64) -> Self {
        Self {
            members: members
                .iter()
                .map(|m| {
                    let interface = if m.contains('/') {
                        m.clone()
                    } else {
                        format!("{}/{m}", dialect.tech())
                    };
                    Member {
                        name: interface.clone(),
                        state_interface: interface.clone(),
                        interface,
                        dynamic: false,
                        paused: false,
                        reason: String::new(),
                        calls: 0,
                        last_pause: 0,
                        login: now,
                    }
                })
                .collect(),
            ..Self::default()
        }
    }

    fn member(&self, interface: &str) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.interface.eq_ignore_ascii_case(interface))
    }
}

/// The extension behind an interface or state interface:
/// `PJSIP/1003`, `SIP/1003`, `Local/1002@from-queue/n`, `hint:1002@ext-local`.
pub(crate) fn member_extension(interface: &str) -> &str {
    let rest = interface
        .strip_prefix("hint:")
        .or_else(|| interface.split_once('/').map(|(_, r)| r))
        .unwrap_or(interface);
    rest.split(['@', '/', '-']).next().unwrap_or(rest)
}

impl World {
    /// The queues, by name.
    pub fn queues(&self) -> impl Iterator<Item = (&String, &QueueState)> {
        self.queues.iter()
    }

    /// The caller on channel `chan` joins `queue` (made on the fly when a
    /// scenario names one the configuration lacks); its position and the
    /// number now waiting.
    pub fn queue_join(&mut self, queue: &str, chan: &str) -> (usize, usize) {
        let now = self.now().as_secs();
        let Some(c) = self.chan(chan).cloned() else {
            return (1, 1);
        };
        let q = self.queues.entry(queue.to_owned()).or_default();
        q.callers.push(Waiting {
            channel: c.name,
            uniqueid: c.uniqueid,
            since: now,
        });
        (q.callers.len(), q.callers.len())
    }

    /// The caller on channel `chan` leaves `queue`, answered or not; the
    /// position it had and the number still waiting.
    pub fn queue_leave(&mut self, queue: &str, chan: &str, answered: bool) -> (usize, usize) {
        let Some(q) = self.queues.get_mut(queue) else {
            return (1, 0);
        };
        let Some(i) = q.callers.iter().position(|w| w.channel == chan) else {
            return (1, q.callers.len());
        };
        q.callers.remove(i);
        if answered {
            q.completed += 1;
        } else {
            q.abandoned += 1;
        }
        (i + 1, q.callers.len())
    }

    /// Where the caller on `chan` waits in `queue`: its position and how
    /// long it has waited (seconds).
    pub fn queue_wait(&self, queue: &str, chan: &str) -> Option<(usize, u64)> {
        let now = self.now().as_secs();
        let q = self.queues.get(queue)?;
        let i = q.callers.iter().position(|w| w.channel == chan)?;
        Some((i + 1, now.saturating_sub(q.callers[i].since)))
    }

    /// Whether `ext` is a paused member of `queue` (a paused member is not
    /// rung).
    pub fn member_paused(&self, queue: &str, ext: &str) -> bool {
        self.queues.get(queue).is_some_and(|q| {
            q.members
                .iter()
                .any(|m| m.paused && member_extension(&m.interface) == ext)
        })
    }

    /// `QueuePause`: pauses or unpauses `interface` in `queue`, or in every
    /// queue that has it; false when none has it (`Interface not found`).
    pub fn queue_pause(
        &mut self,
        queue: Option<&str>,
        interface: &str,
        paused: bool,
        reason: &str,
    ) -> bool {
        let now = self.now().as_secs();
        let mut changed = Vec::new();
        for (name, q) in &mut self.queues {
            if queue.is_some_and(|want| !want.eq_ignore_ascii_case(name)) {
                continue;
            }
            for m in &mut q.members {
                if m.interface.eq_ignore_ascii_case(interface) {
                    m.paused = paused;
                    m.reason = if paused {
                        reason.to_owned()
                    } else {
                        String::new()
                    };
                    m.last_pause = now;
                    changed.push((name.clone(), m.clone()));
                }
            }
        }
        let event = match self.dialect {
            Dialect::Modern => "QueueMemberPause",
            Dialect::Ami11 => "QueueMemberPaused",
        };
        for (name, m) in &changed {
            self.member_event(event, name, m);
        }
        !changed.is_empty()
    }

    /// `QueueAdd`: logs `interface` in to `queue` as a dynamic member.
    pub fn queue_add(
        &mut self,
        queue: &str,
        interface: &str,
        name: &str,
        state_interface: &str,
        paused: bool,
    ) -> Result<(), QueueRefusal> {
        let now = self.now().as_secs();
        let q = self
            .queues
            .get_mut(queue)
            .ok_or(QueueRefusal::NoSuchQueue)?;
        if q.member(interface).is_some() {
            return Err(QueueRefusal::Exists);
        }
        let m = Member {
            interface: interface.to_owned(),
            name: if name.is_empty() { interface } else { name }.to_owned(),
            state_interface: if state_interface.is_empty() {
                interface
            } else {
                state_interface
            }
            .to_owned(),
            dynamic: true,
            paused,
            reason: String::new(),
            calls: 0,
            last_pause: 0,
            login: now,
        };
        q.members.push(m.clone());
        self.member_event("QueueMemberAdded", queue, &m);
        Ok(())
    }

    /// `QueueRemove`: logs a dynamic member out of `queue`.
    pub fn queue_remove(&mut self, queue: &str, interface: &str) -> Result<(), QueueRefusal> {
        let q = self
            .queues
            .get_mut(queue)
            .ok_or(QueueRefusal::NoSuchQueue)?;
        let i = q
            .members
            .iter()
            .position(|m| m.interface.eq_ignore_ascii_case(interface))
            .ok_or(QueueRefusal::NotThere)?;
        if !q.members[i].dynamic {
            return Err(QueueRefusal::NotDynamic);
        }
        let m = q.members.remove(i);
        self.member_event("QueueMemberRemoved", queue, &m);
        Ok(())
    }

    /// A member's device state as app_queue reports it (`ast_device_state`:
    /// 1 not in use, 2 in use, 3 busy, 5 unavailable, 6 ringing, 7 ringing
    /// while in use, 8 on hold; 0 unknown).
    pub fn member_status(&self, m: &Member) -> u8 {
        let ext = member_extension(&m.state_interface);
        match self.ext_status.get(ext) {
            Some(0) => 1,
            Some(1 | 17) => 2,
            Some(2) => 3,
            Some(4) => 5,
            Some(8) => 6,
            Some(9) => 7,
            Some(16) => 8,
            _ => 0,
        }
    }

    /// Whether the member's phone is in a call.
    fn member_in_call(&self, m: &Member) -> bool {
        matches!(self.member_status(m), 2 | 7 | 8)
    }

    /// `QueueMemberStatus` for every member whose phone is `ext`, after its
    /// state changed.
    pub(super) fn queue_members_changed(&self, ext: &str) {
        let hits: Vec<(String, Member)> = self
            .queues
            .iter()
            .flat_map(|(name, q)| {
                q.members
                    .iter()
                    .filter(|m| member_extension(&m.state_interface) == ext)
                    .map(move |m| (name.clone(), m.clone()))
            })
            .collect();
        for (name, m) in &hits {
            self.member_event("QueueMemberStatus", name, m);
        }
    }

    /// A member event in the dialect's form.
    fn member_event(&self, event: &str, queue: &str, m: &Member) {
        let mut p = Packet::new()
            .with("Event", event)
            .with("Privilege", "agent,all")
            .with("Queue", queue);
        let membership = if m.dynamic { "dynamic" } else { "static" };
        let flag = |b: bool| if b { "1" } else { "0" };
        match self.dialect {
            Dialect::Modern => {
                p.push("MemberName", &m.name);
                p.push("Interface", &m.interface);
                p.push("StateInterface", &m.state_interface);
                p.push("Membership", membership);
                p.push("Penalty", "0");
                p.push("CallsTaken", m.calls.to_string());
                p.push("LastCall", "0");
                p.push("LastPause", m.last_pause.to_string());
                p.push("LoginTime", m.login.to_string());
                p.push("InCall", flag(self.member_in_call(m)));
                p.push("Status", self.member_status(m).to_string());
                p.push("Paused", flag(m.paused));
                p.push("PausedReason", &m.reason);
                p.push("Ringinuse", "1");
                p.push("Wrapuptime", "0");
            }
            Dialect::Ami11 => old_member_fields(&mut p, event, m, self.member_status(m)),
        }
        self.emit(&p);
    }
}

/// Asterisk 11's member events, each with its own fields.
fn old_member_fields(p: &mut Packet, event: &str, m: &Member, status: u8) {
    let membership = if m.dynamic { "dynamic" } else { "static" };
    let paused = if m.paused { "1" } else { "0" };
    p.push("Location", &m.interface);
    p.push("MemberName", &m.name);
    match event {
        "QueueMemberPaused" => {
            p.push("Paused", paused);
            if !m.reason.is_empty() {
                p.push("Reason", &m.reason);
            }
        }
        "QueueMemberRemoved" => {}
        _ => {
            p.push("StateInterface", &m.state_interface);
            p.push("Membership", membership);
            p.push("Penalty", "0");
            p.push("CallsTaken", m.calls.to_string());
            p.push("LastCall", "0");
            if event == "QueueMemberStatus" {
                p.push(
                    "InCall",
                    if matches!(status, 2 | 7 | 8) {
                        "1"
                    } else {
                        "0"
                    },
                );
            }
            p.push("Status", status.to_string());
            p.push("Paused", paused);
        }
    }
}
