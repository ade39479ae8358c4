//! The parking lot, as on the capture PBX: lot `default`, spaces 71–79.
//! Which call waits in which space ([`ParkedSlot`]), the lot's holding
//! bridge on 12+ (`BridgeType: parking`, created once and kept, as
//! `park-retrieve.ami` shows), and the parking events in each dialect:
//! 12+ res_parking's `Parkee…` snapshot with `ParkerDialString`,
//! `Parkinglot`, `ParkingSpace`, `ParkingTimeout` and `ParkingDuration`
//! (`UnParkedCall` adds the `Retriever…` snapshot); 1.x features.c's flat
//! `Exten`, `Channel`, `Parkinglot`, `From` and caller-ID headers.

use ringside_ami::Packet;

use super::{chan_fields, connected_or_unknown, dial_string_of, CallId, Chan, World};
use crate::config::Dialect;

/// The lot's name.
pub(crate) const PARKING_LOT: &str = "default";

/// The lot's spaces.
const SPACES: std::ops::RangeInclusive<u32> = 71..=79;

/// A call waiting in a parking space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParkedSlot {
    pub space: String,
    /// The call task that holds the parked channel.
    pub call: CallId,
    /// The parked channel.
    pub channel: String,
    /// The channel that parked it (where a timeout rings again).
    pub parker: String,
    /// When it was parked (epoch seconds).
    pub since: u64,
    /// How long it may wait (seconds).
    pub timeout: u64,
}

/// What a parking event reports.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ParkEv<'a> {
    /// `ParkedCall`.
    Parked,
    /// `ParkedCallTimeOut`.
    TimedOut,
    /// `ParkedCallGiveUp`: the caller hung up.
    GaveUp,
    /// `UnParkedCall`: this channel dialled the space.
    Unparked(&'a str),
}

impl World {
    /// Whether `space` is one of the lot's spaces.
    pub fn is_parking_space(&self, space: &str) -> bool {
        space.parse::<u32>().is_ok_and(|n| SPACES.contains(&n)) && !space.starts_with('0')
    }

    /// The first free space, if any.
    pub fn free_space(&self) -> Option<String> {
        SPACES
            .map(|n| n.to_string())
            .find(|s| self.parked_in(s).is_none())
    }

    /// The calls waiting, oldest first.
    pub fn parked_calls(&self) -> &[ParkedSlot] {
        &self.parked
    }

    /// The call waiting in `space`.
    pub fn parked_in(&self, space: &str) -> Option<&ParkedSlot> {
        self.parked.iter().find(|p| p.space == space)
    }

    /// A call now waits in its space.
    pub fn occupy(&mut self, slot: ParkedSlot) {
        self.parked.retain(|p| p.space != slot.space);
        self.parked.push(slot);
    }

    /// The call leaves `space`.
    pub fn vacate(&mut self, space: &str) -> Option<ParkedSlot> {
        let i = self.parked.iter().position(|p| p.space == space)?;
        Some(self.parked.remove(i))
    }

    /// 12+: the lot's holding bridge, announced with `BridgeCreate` the
    /// first time a call is parked.
    pub fn parking_bridge(&mut self) -> String {
        if let Some(id) = &self.parking_bridge {
            return id.clone();
        }
        let id = super::uuid_v4();
        let mut p = Packet::new()
            .with("Event", "BridgeCreate")
            .with("Privilege", "call,all");
        push_parking_bridge(&mut p, &id, 0);
        self.emit(&p);
        self.parking_bridge = Some(id.clone());
        id
    }

    /// Whether `id` is the lot's holding bridge.
    pub fn is_parking_bridge(&self, id: &str) -> bool {
        self.parking_bridge.as_deref() == Some(id)
    }

    /// A parking event about `slot`.
    pub fn park_event(&self, ev: ParkEv<'_>, slot: &ParkedSlot) {
        let Some(c) = self.chan(&slot.channel) else {
            return;
        };
        let name = match ev {
            ParkEv::Parked => "ParkedCall",
            ParkEv::TimedOut => "ParkedCallTimeOut",
            ParkEv::GaveUp => "ParkedCallGiveUp",
            ParkEv::Unparked(_) => "UnParkedCall",
        };
        let mut p = Packet::new()
            .with("Event", name)
            .with("Privilege", "call,all");
        match self.dialect {
            Dialect::Modern => {
                chan_fields(&mut p, c, "Parkee");
                if let Some(r) = self.retriever(ev) {
                    chan_fields(&mut p, r, "Retriever");
                }
                self.parking_fields(&mut p, slot);
            }
            Dialect::Ami11 => old_park_fields(&mut p, ev, slot, c),
        }
        self.emit(&p);
    }

    fn retriever(&self, ev: ParkEv<'_>) -> Option<&Chan> {
        match ev {
            ParkEv::Unparked(r) => self.chan(r),
            _ => None,
        }
    }

    /// 12+ res_parking's fields after the snapshots; the timeout is what
    /// is left of it, as Asterisk reports it.
    fn parking_fields(&self, p: &mut Packet, slot: &ParkedSlot) {
        let waited = self.now().as_secs().saturating_sub(slot.since);
        p.push("ParkerDialString", dial_string_of(&slot.parker));
        p.push("Parkinglot", PARKING_LOT);
        p.push("ParkingSpace", &slot.space);
        p.push(
            "ParkingTimeout",
            slot.timeout.saturating_sub(waited).to_string(),
        );
        p.push("ParkingDuration", waited.to_string());
    }

    /// One item of a `ParkedCalls` listing (the answer's `ActionID` is
    /// added by the caller): 12+ the event's own fields, 1.x features.c's
    /// `manager_parking_status` (empty caller IDs, not `<unknown>`).
    pub fn parked_call_item(&self, slot: &ParkedSlot) -> Option<Packet> {
        let c = self.chan(&slot.channel)?;
        let mut p = Packet::new().with("Event", "ParkedCall");
        match self.dialect {
            Dialect::Modern => {
                chan_fields(&mut p, c, "Parkee");
                self.parking_fields(&mut p, slot);
            }
            Dialect::Ami11 => {
                let waited = self.now().as_secs().saturating_sub(slot.since);
                p.push("Parkinglot", PARKING_LOT);
                p.push("Exten", &slot.space);
                p.push("Channel", &c.name);
                p.push("From", &slot.parker);
                p.push("Timeout", slot.timeout.saturating_sub(waited).to_string());
                p.push("Duration", waited.to_string());
                p.push("CallerIDNum", &c.cid_num);
                p.push("CallerIDName", &c.cid_name);
                p.push("ConnectedLineNum", &c.conn_num);
                p.push("ConnectedLineName", &c.conn_name);
            }
        }
        Some(p)
    }
}

/// 1.x features.c: `ParkedCall` (park_call_full) names the parker in
/// `From` and spells `Uniqueid`; `UnParkedCall` names the retriever in
/// `From`; the timeout and give-up (post_manager_event) spell `UniqueID`.
fn old_park_fields(p: &mut Packet, ev: ParkEv<'_>, slot: &ParkedSlot, c: &Chan) {
    p.push("Exten", &slot.space);
    p.push("Channel", &c.name);
    p.push("Parkinglot", PARKING_LOT);
    match ev {
        ParkEv::Parked => {
            p.push("From", &slot.parker);
            p.push("Timeout", slot.timeout.to_string());
        }
        ParkEv::Unparked(r) => p.push("From", r),
        ParkEv::TimedOut | ParkEv::GaveUp => {}
    }
    p.push("CallerIDNum", &c.cid_num);
    p.push("CallerIDName", &c.cid_name);
    p.push("ConnectedLineNum", connected_or_unknown(&c.conn_num));
    p.push("ConnectedLineName", connected_or_unknown(&c.conn_name));
    let key = match ev {
        ParkEv::Parked | ParkEv::Unparked(_) => "Uniqueid",
        ParkEv::TimedOut | ParkEv::GaveUp => "UniqueID",
    };
    p.push(key, &c.uniqueid);
}

/// The lot's holding bridge as 12+ describes it (`park-retrieve.ami`).
pub(super) fn push_parking_bridge(p: &mut Packet, id: &str, n: usize) {
    p.push("BridgeUniqueid", id);
    p.push("BridgeType", "parking");
    p.push("BridgeTechnology", "holding_bridge");
    p.push("BridgeCreator", "Parking");
    p.push("BridgeName", PARKING_LOT);
    p.push("BridgeNumChannels", n.to_string());
    p.push("BridgeVideoSourceMode", "none");
}
