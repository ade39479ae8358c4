//! How Asterisk moves channels between calls, in each dialect: the 1.x
//! masquerade (a channel's guts move into another struct, which keeps its
//! own Uniqueid), Local channel pairs, 12+ bridges that channels join one
//! at a time, and the events that announce pickups and transfers (parks:
//! `lots.rs`).
//!
//! Header names and orders follow the Asterisk sources (11.25.3 for 1.x,
//! 20 for 12+) and the captures in `tests/fixtures`. Like the rest of the
//! world, these only change state and emit; the flows decide when.

use ringside_ami::Packet;

use super::bridges::push_bridge;
use super::{chan_fields, uuid_v4, Chan, World};
use crate::config::Dialect;
use crate::world::{CallId, ChanState, NewChan};

impl World {
    /// A channel's current bridge.
    pub fn bridge_of(&self, name: &str) -> Option<String> {
        self.chan(name).and_then(|c| c.bridge.clone())
    }

    /// Changes a channel's caller ID without an event, as chan_local's
    /// copy of the requester's caller ID onto `;2` does.
    pub fn set_caller_quietly(&mut self, name: &str, num: &str, cid_name: &str) {
        if let Some(c) = self.chan_mut(name) {
            c.cid_num = num.to_owned();
            c.cid_name = cid_name.to_owned();
        }
    }

    /// Gives a channel another Linkedid without an event (12+ bridges push
    /// the oldest Linkedid onto every member; only later events show it).
    pub fn set_linkedid_quietly(&mut self, name: &str, linkedid: &str) {
        if let Some(c) = self.chan_mut(name) {
            c.linkedid = linkedid.to_owned();
        }
    }

    /// Sets the caller ID and announces it (`NewCallerid`).
    pub fn new_caller_id(&mut self, name: &str, num: &str, cid_name: &str) {
        self.set_caller_quietly(name, num, cid_name);
        let Some(c) = self.chan(name).cloned() else {
            return;
        };
        self.emit(&self.caller_id_packet(&c));
    }

    fn caller_id_packet(&self, c: &Chan) -> Packet {
        let mut p = Packet::new()
            .with("Event", "NewCallerid")
            .with("Privilege", "call,all");
        match self.dialect {
            Dialect::Modern => chan_fields(&mut p, c, ""),
            Dialect::Ami11 => {
                p.push("Channel", &c.name);
                p.push("CallerIDNum", &c.cid_num);
                p.push("CallerIDName", &c.cid_name);
                p.push("Uniqueid", &c.uniqueid);
            }
        }
        p.push("CID-CallingPres", "0 (Presentation Allowed, Not Screened)");
        p
    }

    /// `VarSet` of a dialplan variable on a channel.
    pub fn var_set(&self, name: &str, variable: &str, value: &str) {
        let Some(c) = self.chan(name) else { return };
        let mut p = Packet::new()
            .with("Event", "VarSet")
            .with("Privilege", "dialplan,all");
        match self.dialect {
            Dialect::Modern => chan_fields(&mut p, c, ""),
            Dialect::Ami11 => p.push("Channel", &c.name),
        }
        p.push("Variable", variable);
        p.push("Value", value);
        if self.dialect == Dialect::Ami11 {
            p.push("Uniqueid", &c.uniqueid);
        }
        self.emit(&p);
    }

    /// `MusicOnHold` (1.x `State: Start|Stop`) or `MusicOnHoldStart/Stop`.
    pub fn music_on_hold(&self, name: &str, on: bool) {
        let Some(c) = self.chan(name) else { return };
        let p = match self.dialect {
            Dialect::Modern => {
                let mut p = Packet::new()
                    .with(
                        "Event",
                        if on {
                            "MusicOnHoldStart"
                        } else {
                            "MusicOnHoldStop"
                        },
                    )
                    .with("Privilege", "call,all");
                chan_fields(&mut p, c, "");
                if on {
                    p.push("Class", "default");
                }
                p
            }
            Dialect::Ami11 => Packet::new()
                .with("Event", "MusicOnHold")
                .with("Privilege", "call,all")
                .with("State", if on { "Start" } else { "Stop" })
                .with("Channel", &c.name)
                .with("UniqueID", &c.uniqueid)
                .with("Class", "default"),
        };
        self.emit(&p);
    }

    /// Creates the `;1`/`;2` halves of `Local/<exten>@<context>-XXXXXXXX`
    /// with empty caller IDs (`;2` ringing into the dialplan) and announces
    /// them with `LocalBridge`, as `Dial`/`Queue`/a feature's `ast_request`
    /// of a Local channel does. `/n`: never optimised away.
    pub fn local_pair(
        &mut self,
        call: CallId,
        exten: &str,
        context: &str,
        linkedid: &str,
    ) -> (String, String) {
        let base = format!("Local/{exten}@{context}-{:08x}", self.seq);
        let ep = format!("{exten}@{context}");
        let half = |w: &mut World, suffix: &str, state| {
            w.new_channel(
                call,
                NewChan {
                    endpoint: &ep,
                    state,
                    cid_num: "",
                    cid_name: "",
                    context,
                    exten,
                    linkedid: Some(linkedid),
                    uniqueid: None,
                    local_name: Some(&format!("{base};{suffix}")),
                },
            )
        };
        let l1 = half(self, "1", ChanState::Down);
        let l2 = half(self, "2", ChanState::Ring);
        let (Some(c1), Some(c2)) = (self.chan(&l1).cloned(), self.chan(&l2).cloned()) else {
            return (l1, l2);
        };
        let mut p = Packet::new()
            .with("Event", "LocalBridge")
            .with("Privilege", "call,all");
        match self.dialect {
            Dialect::Modern => {
                chan_fields(&mut p, &c1, "LocalOne");
                chan_fields(&mut p, &c2, "LocalTwo");
            }
            Dialect::Ami11 => {
                p.push("Channel1", &c1.name);
                p.push("Channel2", &c2.name);
                p.push("Uniqueid1", &c1.uniqueid);
                p.push("Uniqueid2", &c2.uniqueid);
            }
        }
        p.push("Context", context);
        p.push("Exten", exten);
        p.push("LocalOptimization", "No");
        self.emit(&p);
        (l1, l2)
    }

    /// 12+: one channel enters a bridge (a new one when `into` is `None`,
    /// announced with `BridgeCreate`); `swap` names the channel it replaces
    /// (`SwapUniqueid`, as an attended transfer's swap shows). Returns the
    /// bridge id. Asterisk 1.x has no bridge objects: use [`World::bridge`].
    pub fn join_bridge(&mut self, name: &str, into: Option<&str>, swap: Option<&str>) -> String {
        let id = into.map_or_else(uuid_v4, str::to_owned);
        if into.is_none() {
            let mut p = Packet::new()
                .with("Event", "BridgeCreate")
                .with("Privilege", "call,all");
            push_bridge(&mut p, &id, "simple_bridge", 0);
            self.emit(&p);
        }
        if let Some(c) = self.chan_mut(name) {
            c.bridge = Some(id.clone());
        }
        let n = self
            .chans
            .values()
            .filter(|c| c.bridge.as_deref() == Some(&id))
            .count();
        let Some(c) = self.chan(name).cloned() else {
            return id;
        };
        let mut p = Packet::new()
            .with("Event", "BridgeEnter")
            .with("Privilege", "call,all");
        self.push_bridge_of(&mut p, &id, "simple_bridge", n);
        chan_fields(&mut p, &c, "");
        if let Some(uid) = swap.and_then(|s| self.chan(s)).map(|s| s.uniqueid.clone()) {
            p.push("SwapUniqueid", uid);
        }
        self.emit(&p);
        id
    }

    /// 12+ `BridgeMerge`: the channels of `from` move to `to`.
    pub fn bridge_merge_event(&self, to: &str, from: &str) {
        let count = |id: &str| {
            self.chans
                .values()
                .filter(|c| c.bridge.as_deref() == Some(id))
                .count()
        };
        let mut p = Packet::new()
            .with("Event", "BridgeMerge")
            .with("Privilege", "call,all");
        for (prefix, id) in [("To", to), ("From", from)] {
            let mut b = Packet::new();
            push_bridge(&mut b, id, "simple_bridge", count(id));
            for (k, v) in b.fields() {
                p.push(format!("{prefix}{k}"), v);
            }
        }
        self.emit(&p);
    }

    /// The 1.x masquerade (`ast_do_masquerade`): `clone`'s name, caller ID,
    /// state and device move into `original`, which keeps its Uniqueid and
    /// bridge; the old `clone` struct becomes `<original's old name><ZOMBIE>`
    /// with the clone's Uniqueid and is to be hung up. Emits `Masquerade`,
    /// three `Rename`s and `NewCallerid`, no `Newstate`. Returns the zombie.
    pub fn masquerade(&mut self, original: &str, clone: &str) -> String {
        let (Some(o), Some(c)) = (self.chan(original).cloned(), self.chan(clone).cloned()) else {
            return String::new();
        };
        self.emit(
            &Packet::new()
                .with("Event", "Masquerade")
                .with("Privilege", "call,all")
                .with("Clone", &c.name)
                .with("CloneState", c.state.desc())
                .with("Original", &o.name)
                .with("OriginalState", o.state.desc()),
        );
        let masq = format!("{}<MASQ>", c.name);
        let zombie = format!("{}<ZOMBIE>", o.name);
        for (from, to, uid) in [
            (&c.name, &masq, &c.uniqueid),
            (&o.name, &c.name, &o.uniqueid),
            (&masq, &zombie, &c.uniqueid),
        ] {
            self.emit(
                &Packet::new()
                    .with("Event", "Rename")
                    .with("Privilege", "call,all")
                    .with("Channel", from)
                    .with("Newname", to)
                    .with("Uniqueid", uid),
            );
        }
        let keys: Vec<u64> = [&o.uniqueid, &c.uniqueid]
            .iter()
            .filter_map(|uid| {
                self.chans
                    .iter()
                    .find(|(_, x)| &&x.uniqueid == uid)
                    .map(|(k, _)| *k)
            })
            .collect();
        if let [ko, kc] = keys[..] {
            let swap = |x: &mut Chan, from: &Chan, name: String| {
                x.name = name;
                x.endpoint.clone_from(&from.endpoint);
                x.cid_num.clone_from(&from.cid_num);
                x.cid_name.clone_from(&from.cid_name);
                x.conn_num.clone_from(&from.conn_num);
                x.conn_name.clone_from(&from.conn_name);
                x.state = from.state;
            };
            if let Some(x) = self.chans.get_mut(&ko) {
                swap(x, &c, c.name.clone());
            }
            if let Some(x) = self.chans.get_mut(&kc) {
                swap(x, &o, zombie.clone());
            }
        }
        if let Some(n) = self.chan(&c.name).cloned() {
            self.emit(&self.caller_id_packet(&n));
        }
        self.refresh_ext(&o.endpoint);
        self.refresh_ext(&c.endpoint);
        zombie
    }

    /// Allocates a 1.x pseudo-channel such as `Transfered/SIP/x` or
    /// `Parked/SIP/x` (announced Down with an empty caller ID).
    pub fn pseudo_channel(
        &mut self,
        call: CallId,
        prefix: &str,
        of: &str,
        context: &str,
        exten: &str,
    ) -> String {
        let linkedid = self.chan(of).map(|c| c.linkedid.clone());
        let name = format!("{prefix}/{of}");
        self.new_channel(
            call,
            NewChan {
                endpoint: "",
                state: ChanState::Down,
                cid_num: "",
                cid_name: "",
                context,
                exten,
                linkedid: linkedid.as_deref(),
                uniqueid: None,
                local_name: Some(&name),
            },
        )
    }

    /// `Pickup`: 12+ the picker's snapshot and the target's prefixed
    /// `Target`; 1.x only `Channel` and `TargetChannel`.
    pub fn pickup_event(&self, picker: &Chan, target: &Chan) {
        let mut p = Packet::new()
            .with("Event", "Pickup")
            .with("Privilege", "call,all");
        match self.dialect {
            Dialect::Modern => {
                chan_fields(&mut p, picker, "");
                chan_fields(&mut p, target, "Target");
            }
            Dialect::Ami11 => {
                p.push("Channel", &picker.name);
                p.push("TargetChannel", &target.name);
            }
        }
        self.emit(&p);
    }
}

/// `ast_channel_name_to_dial_string`: the channel name cut at its last `-`.
pub(crate) fn dial_string_of(chan: &str) -> String {
    chan.rsplit_once('-').map_or(chan, |(d, _)| d).to_owned()
}

/// The 12+ `AttendedTransfer` event (stasis_bridges.c), snapshots taken
/// before the move. `target` is absent when the second transferer's peer is
/// not known (the Atxfer action's Local pair).
pub(crate) struct AttendedTransfer<'a> {
    pub orig: &'a Chan,
    pub orig_bridge: &'a str,
    pub second: &'a Chan,
    pub second_bridge: &'a str,
    pub transferee: &'a Chan,
    pub target: Option<&'a Chan>,
    pub external: bool,
    pub dest_bridge: &'a str,
}

impl AttendedTransfer<'_> {
    pub fn emit(&self, w: &World) {
        let mut p = Packet::new()
            .with("Event", "AttendedTransfer")
            .with("Privilege", "call,all");
        p.push("Result", "Success");
        let bridge = |p: &mut Packet, prefix: &str, id: &str| {
            let n = w
                .chans
                .values()
                .filter(|c| c.bridge.as_deref() == Some(id))
                .count();
            let mut b = Packet::new();
            push_bridge(&mut b, id, "simple_bridge", n);
            for (k, v) in b.fields() {
                p.push(format!("{prefix}{k}"), v);
            }
        };
        chan_fields(&mut p, self.orig, "OrigTransferer");
        bridge(&mut p, "Orig", self.orig_bridge);
        chan_fields(&mut p, self.second, "SecondTransferer");
        bridge(&mut p, "Second", self.second_bridge);
        chan_fields(&mut p, self.transferee, "Transferee");
        if let Some(t) = self.target {
            chan_fields(&mut p, t, "TransferTarget");
        }
        p.push("IsExternal", if self.external { "Yes" } else { "No" });
        p.push("DestType", "Bridge");
        p.push("DestBridgeUniqueid", self.dest_bridge);
        w.emit(&p);
    }
}

/// 1.x chan_sip `Transfer` for a REFER with Replaces found locally.
pub(crate) fn sip_attended_transfer_event(w: &World, b1: &Chan, b2: &Chan) {
    w.emit(
        &Packet::new()
            .with("Event", "Transfer")
            .with("Privilege", "call,all")
            .with("TransferMethod", "SIP")
            .with("TransferType", "Attended")
            .with("Channel", &b1.name)
            .with("Uniqueid", &b1.uniqueid)
            .with(
                "SIP-Callid",
                format!("{}@192.0.2.10", b1.uniqueid.replace('.', "")),
            )
            .with("TargetChannel", &b2.name)
            .with("TargetUniqueid", &b2.uniqueid),
    );
}

/// Asterisk 12+ `BlindTransfer` event.
pub(crate) fn blind_transfer_event(
    w: &World,
    transferer: &str,
    transferee: &str,
    exten: &str,
    bridge: &str,
) {
    let (Some(t), Some(e)) = (w.chan(transferer).cloned(), w.chan(transferee).cloned()) else {
        return;
    };
    let mut p = Packet::new()
        .with("Event", "BlindTransfer")
        .with("Privilege", "call,all");
    p.push("Result", "Success");
    for (k, v) in [
        ("TransfererChannel", &t.name),
        ("TransfererCallerIDNum", &t.cid_num),
        ("TransfererCallerIDName", &t.cid_name),
        ("TransfererUniqueid", &t.uniqueid),
        ("TransfererLinkedid", &t.linkedid),
        ("TransfereeChannel", &e.name),
        ("TransfereeCallerIDNum", &e.cid_num),
        ("TransfereeCallerIDName", &e.cid_name),
        ("TransfereeUniqueid", &e.uniqueid),
        ("TransfereeLinkedid", &e.linkedid),
    ] {
        p.push(k, v.clone());
    }
    p.push("BridgeUniqueid", bridge);
    p.push("BridgeType", "basic");
    p.push("IsExternal", "No");
    p.push("Context", "internal");
    p.push("Extension", exten);
    w.emit(&p);
}
