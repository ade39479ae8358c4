//! Bridges in each dialect: a 12+ bridge is created, entered, left one
//! channel at a time and destroyed when empty (`BridgeCreate`,
//! `BridgeEnter`, `BridgeLeave`, `BridgeDestroy`, named by a UUID); 1.8
//! links and unlinks two channels (`Bridge` with `Bridgestate:
//! Link|Unlink`). Bridges joined one at a time and merged are in
//! `moves.rs`.

use ringside_ami::Packet;

use super::{chan_fields, uuid_v4, Chan, World};
use crate::config::Dialect;

impl World {
    /// Puts two channels in a new bridge.
    pub fn bridge(&mut self, a: &str, b: &str) {
        let (Some(ca), Some(cb)) = (self.chan(a).cloned(), self.chan(b).cloned()) else {
            return;
        };
        let id = uuid_v4();
        match self.dialect {
            Dialect::Modern => {
                let head = |n: usize, tech: &str| {
                    Packet::new()
                        .with("BridgeUniqueid", &id)
                        .with("BridgeType", "basic")
                        .with("BridgeTechnology", tech)
                        .with("BridgeCreator", "<unknown>")
                        .with("BridgeName", "<unknown>")
                        .with("BridgeNumChannels", n.to_string())
                        .with("BridgeVideoSourceMode", "none")
                };
                let mut create = Packet::new()
                    .with("Event", "BridgeCreate")
                    .with("Privilege", "call,all");
                extend(&mut create, &head(0, "simple_bridge"));
                self.emit(&create);
                for (n, c) in [(1, &cb), (2, &ca)] {
                    let mut p = Packet::new()
                        .with("Event", "BridgeEnter")
                        .with("Privilege", "call,all");
                    extend(&mut p, &head(n, "simple_bridge"));
                    chan_fields(&mut p, c, "");
                    self.emit(&p);
                }
            }
            Dialect::Ami11 => self.emit(&bridge_11("Link", &ca, &cb)),
        }
        for n in [a, b] {
            if let Some(c) = self.chan_mut(n) {
                c.bridge = Some(id.clone());
            }
        }
    }

    /// Takes two bridged channels out of their bridge and destroys it.
    pub fn unbridge(&mut self, a: &str, b: &str) {
        self.leave_bridge(a);
        self.leave_bridge(b);
    }

    /// One channel leaves its bridge (`BridgeLeave`, and `BridgeDestroy`
    /// when it was the last one). On 1.8 the first leave unlinks the pair.
    pub fn leave_bridge(&mut self, name: &str) {
        let Some(c) = self.chan(name).cloned() else {
            return;
        };
        let Some(id) = c.bridge.clone() else { return };
        let peers: Vec<Chan> = self
            .chans
            .values()
            .filter(|x| x.name != name && x.bridge.as_deref() == Some(&id))
            .cloned()
            .collect();
        match self.dialect {
            Dialect::Modern => {
                let mut p = Packet::new()
                    .with("Event", "BridgeLeave")
                    .with("Privilege", "call,all");
                self.push_bridge_of(&mut p, &id, "native_rtp", peers.len());
                chan_fields(&mut p, &c, "");
                self.emit(&p);
                // The lot's holding bridge stays for the next parked call.
                if peers.is_empty() && !self.is_parking_bridge(&id) {
                    let mut p = Packet::new()
                        .with("Event", "BridgeDestroy")
                        .with("Privilege", "call,all");
                    push_bridge(&mut p, &id, "native_rtp", 0);
                    self.emit(&p);
                }
            }
            Dialect::Ami11 => {
                if let Some(peer) = peers.first() {
                    // 1.8 names the channels in the order they were linked.
                    let (one, two) = if peer.created <= c.created && self.is_older(&peer.name, name)
                    {
                        (peer, &c)
                    } else {
                        (&c, peer)
                    };
                    self.emit(&bridge_11("Unlink", one, two));
                }
                for p in &peers {
                    if let Some(x) = self.chan_mut(&p.name) {
                        x.bridge = None;
                    }
                }
            }
        }
        if let Some(x) = self.chan_mut(name) {
            x.bridge = None;
        }
    }

    /// A 12+ bridge's fields: the lot's holding bridge, or a basic one.
    pub(super) fn push_bridge_of(&self, p: &mut Packet, id: &str, tech: &str, n: usize) {
        if self.is_parking_bridge(id) {
            super::lots::push_parking_bridge(p, id, n);
        } else {
            push_bridge(p, id, tech, n);
        }
    }

    /// 12+: a new basic bridge, announced (`BridgeCreate`) before anyone
    /// enters it; returns its id.
    pub fn new_bridge(&mut self) -> String {
        let id = uuid_v4();
        let mut p = Packet::new()
            .with("Event", "BridgeCreate")
            .with("Privilege", "call,all");
        push_bridge(&mut p, &id, "simple_bridge", 0);
        self.emit(&p);
        id
    }

    /// True when channel `a` was created before channel `b`.
    fn is_older(&self, a: &str, b: &str) -> bool {
        let key = |n: &str| {
            self.chans
                .iter()
                .find(|(_, c)| c.name == n)
                .map(|(k, _)| *k)
        };
        key(a) < key(b)
    }
}

pub(super) fn push_bridge(p: &mut Packet, id: &str, tech: &str, n: usize) {
    p.push("BridgeUniqueid", id);
    p.push("BridgeType", "basic");
    p.push("BridgeTechnology", tech);
    p.push("BridgeCreator", "<unknown>");
    p.push("BridgeName", "<unknown>");
    p.push("BridgeNumChannels", n.to_string());
    p.push("BridgeVideoSourceMode", "none");
}

fn extend(p: &mut Packet, other: &Packet) {
    for (k, v) in other.fields() {
        p.push(k, v);
    }
}

fn bridge_11(state: &str, a: &Chan, b: &Chan) -> Packet {
    Packet::new()
        .with("Event", "Bridge")
        .with("Privilege", "call,all")
        .with("Bridgestate", state)
        .with("Bridgetype", "core")
        .with("Channel1", &a.name)
        .with("Channel2", &b.name)
        .with("Uniqueid1", &a.uniqueid)
        .with("Uniqueid2", &b.uniqueid)
        .with("CallerID1", &a.cid_num)
        .with("CallerID2", &b.cid_num)
}
