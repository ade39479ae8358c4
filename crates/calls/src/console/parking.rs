//! [`ParkedCalls`]: the parked calls panel. Each call with its space, lot,
//! caller, who parked it and since when; rebuilt from a `ParkedCalls`
//! listing, then kept live from `ParkedCall`, `UnParkedCall`,
//! `ParkedCallTimeOut` and `ParkedCallGiveUp` in both dialects (12+
//! `res_parking`'s `Parkee…` snapshots and `ParkingSpace`; 1.x
//! `features.c`'s bare channel, `Exten` and `From`).
//!
//! A space holds one call at a time, so the end events find their call by
//! lot and space (both dialects name them), else by the parked channel.

use std::collections::BTreeMap;

use ringside_ami::Packet;
use serde::{Deserialize, Serialize};

use super::{call_id, extension_of, CallIds, EventIds};
use crate::tracker::events::{CallEvent, ParkPlace, Parked, Parkee, Unparked};

/// A call waiting in a parking space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ParkedCall {
    /// The tracker's id of the call (see the module docs of
    /// [`crate::console`]); empty when nothing names it (an AMI 1.x
    /// listing item no tracker knew).
    pub call: String,
    /// The space (`71`).
    pub slot: String,
    /// The lot (`default`), when the PBX names it.
    pub lot: Option<String>,
    /// The parked caller's number; empty when unknown.
    pub caller_num: String,
    /// The parked caller's name.
    pub caller_name: Option<String>,
    /// The extension that parked it: the parker's device (12+
    /// `ParkerDialString`, 1.x `From`), else whom the caller was talking to.
    pub parked_by: Option<String>,
    /// Since when it waits, Unix ms.
    pub since_ms: i64,
    /// The parked channel's name.
    pub channel: Option<String>,
}

/// How a park ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ParkOutcome {
    /// Someone dialled the space.
    Retrieved,
    /// Nobody did before the parking time ran out.
    Timeout,
    /// The caller hung up while parked.
    Hangup,
}

/// A change of the parked calls panel. These values are CLI JSON lines.
///
/// ```
/// use ringside_calls::console::{ParkChange, ParkOutcome};
/// let c = ParkChange::ParkEnd {
///     call: "1796392630.3".into(),
///     slot: "71".into(),
///     lot: Some("default".into()),
///     end: ParkOutcome::Retrieved,
///     retrieved_by: Some("1003".into()),
///     returned_to: None,
/// };
/// assert_eq!(
///     serde_json::to_string(&c).unwrap(),
///     r#"{"type":"park_end","call":"1796392630.3","slot":"71","lot":"default","end":"retrieved","retrieved_by":"1003","returned_to":null}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ParkChange {
    /// A call was parked.
    Parked {
        /// The call id.
        call: String,
        /// The space.
        slot: String,
        /// The lot.
        lot: Option<String>,
        /// The parked caller's number.
        caller_num: String,
        /// The parked caller's name.
        caller_name: Option<String>,
        /// The extension that parked it.
        parked_by: Option<String>,
    },
    /// A parked call left its space.
    ParkEnd {
        /// The call id.
        call: String,
        /// The space.
        slot: String,
        /// The lot.
        lot: Option<String>,
        /// `retrieved`, `timeout` or `hangup`.
        end: ParkOutcome,
        /// For `retrieved`: the extension that dialled the space.
        retrieved_by: Option<String>,
        /// For `timeout`: the extension it rings again (its parker), when
        /// the lot comes back to origin.
        returned_to: Option<String>,
    },
}

/// A space's key: its lot, then the space in numeric order.
type SpaceKey = (Option<String>, u64, String);

fn key_of(lot: Option<&str>, slot: &str) -> SpaceKey {
    (
        lot.map(str::to_owned),
        slot.trim().parse().unwrap_or(u64::MAX),
        slot.to_owned(),
    )
}

/// The parked calls panel. See the module docs.
#[derive(Debug)]
pub struct ParkedCalls {
    comeback_to_origin: bool,
    calls: BTreeMap<SpaceKey, ParkedCall>,
}

impl Default for ParkedCalls {
    fn default() -> Self {
        Self::new()
    }
}

impl ParkedCalls {
    /// No parked calls; a call that times out goes back to its parker
    /// (`comebacktoorigin=yes`, Asterisk's default).
    pub fn new() -> Self {
        Self {
            comeback_to_origin: true,
            calls: BTreeMap::new(),
        }
    }

    /// Whether the parking lot sends a timed-out call back to its parker
    /// (`comebacktoorigin`): the PBX does not say, so the user's settings
    /// do. When it does not, a timeout names no `returned_to`.
    pub fn comeback_to_origin(mut self, yes: bool) -> Self {
        self.comeback_to_origin = yes;
        self
    }

    /// The parked calls, by lot and space.
    pub fn calls(&self) -> impl Iterator<Item = &ParkedCall> {
        self.calls.values()
    }

    /// The call in this space.
    pub fn get(&self, lot: Option<&str>, slot: &str) -> Option<&ParkedCall> {
        self.calls.get(&key_of(lot, slot))
    }

    /// Applies one event received at `at_ms`, naming calls by the event's
    /// own ids.
    pub fn apply(&mut self, ev: &Packet, at_ms: i64) -> Vec<ParkChange> {
        self.apply_with(ev, at_ms, &EventIds)
    }

    /// Applies one event received at `at_ms`, naming calls as `ids` (the
    /// tracker, fed the event first) does.
    pub fn apply_with(&mut self, ev: &Packet, at_ms: i64, ids: &dyn CallIds) -> Vec<ParkChange> {
        let Some(event) = CallEvent::decode(ev) else {
            return Vec::new();
        };
        let change = match event {
            CallEvent::Parked(p) => self.on_parked(&p, at_ms, ids),
            CallEvent::Unparked(u) => self.on_unparked(&u),
            CallEvent::ParkTimeout { parkee, place } => {
                self.end(&place, &parkee, ParkOutcome::Timeout, None)
            }
            CallEvent::ParkGiveUp { parkee, place } => {
                self.end(&place, &parkee, ParkOutcome::Hangup, None)
            }
            _ => None,
        };
        change.into_iter().collect()
    }

    /// Rebuilds the panel from the items of a `ParkedCalls` answer received
    /// at `at_ms` (its `ParkedCall` items; anything else is skipped). A call
    /// seen before keeps its `since_ms` and id and is not reported again; a
    /// new one is reported `parked`; one no longer listed left while
    /// Ringside was away, how is not known, and it goes without a line.
    pub fn resync(&mut self, items: &[Packet], at_ms: i64) -> Vec<ParkChange> {
        self.resync_with(items, at_ms, &EventIds)
    }

    /// [`ParkedCalls::resync`], naming calls as `ids` does.
    pub fn resync_with(
        &mut self,
        items: &[Packet],
        at_ms: i64,
        ids: &dyn CallIds,
    ) -> Vec<ParkChange> {
        let mut out = Vec::new();
        let mut fresh = BTreeMap::new();
        for p in items {
            let Some(CallEvent::Parked(p)) = CallEvent::decode(p) else {
                continue;
            };
            let mut call = parked_call(&p, at_ms, ids);
            let key = key_of(call.lot.as_deref(), &call.slot);
            match self.calls.remove(&key) {
                Some(old) if old.is_same(&call) => {
                    call.since_ms = old.since_ms;
                    if call.call.is_empty() {
                        call.call = old.call;
                    }
                    call.parked_by = old.parked_by.or(call.parked_by);
                }
                _ => out.push(call.parked_change()),
            }
            fresh.insert(key, call);
        }
        self.calls = fresh;
        out
    }

    fn on_parked(&mut self, p: &Parked<'_>, at_ms: i64, ids: &dyn CallIds) -> Option<ParkChange> {
        let call = parked_call(p, at_ms, ids);
        let key = key_of(call.lot.as_deref(), &call.slot);
        if let Some(old) = self.calls.get_mut(&key).filter(|o| o.is_same(&call)) {
            // Told again (a listing item arriving live): nothing new.
            old.caller_num = call.caller_num;
            old.caller_name = call.caller_name;
            return None;
        }
        let change = call.parked_change();
        self.calls.insert(key, call);
        Some(change)
    }

    fn on_unparked(&mut self, u: &Unparked<'_>) -> Option<ParkChange> {
        let by = u
            .retriever
            .iter()
            .find_map(|r| r.name.and_then(extension_of));
        self.end(&u.place, &u.parkee, ParkOutcome::Retrieved, by)
    }

    /// The call in `place` (else the parked channel's) left its space.
    fn end(
        &mut self,
        place: &ParkPlace<'_>,
        parkee: &Parkee<'_>,
        end: ParkOutcome,
        retrieved_by: Option<String>,
    ) -> Option<ParkChange> {
        let by_place = place.space.and_then(|s| {
            let key = key_of(place.lot, s);
            self.calls.contains_key(&key).then_some(key)
        });
        let key = by_place.or_else(|| {
            let names: Vec<&str> = parkee.iter().filter_map(|r| r.name).collect();
            self.calls
                .iter()
                .find(|(_, c)| c.channel.as_deref().is_some_and(|n| names.contains(&n)))
                .map(|(k, _)| k.clone())
        })?;
        let call = self.calls.remove(&key)?;
        let back = end == ParkOutcome::Timeout && self.comeback_to_origin;
        let returned_to = if back { call.parked_by } else { None };
        Some(ParkChange::ParkEnd {
            call: call.call,
            slot: call.slot,
            lot: call.lot,
            end,
            retrieved_by,
            returned_to,
        })
    }
}

/// The parked call a `ParkedCall` event or listing item describes.
fn parked_call(p: &Parked<'_>, at_ms: i64, ids: &dyn CallIds) -> ParkedCall {
    let parked_by = p
        .parker
        .and_then(extension_of)
        .or_else(|| p.connected.map(str::to_owned));
    let duration_ms = p.duration_s.map_or(0, |d| d.saturating_mul(1000));
    ParkedCall {
        call: call_id(ids, &p.parkee, p.linkedid),
        slot: p.space.to_owned(),
        lot: p.lot.map(str::to_owned),
        caller_num: p.caller.num.unwrap_or("").to_owned(),
        caller_name: p.caller.name.map(str::to_owned),
        parked_by,
        since_ms: at_ms.saturating_sub(i64::try_from(duration_ms).unwrap_or(i64::MAX)),
        channel: p.parkee.iter().find_map(|r| r.name).map(str::to_owned),
    }
}

impl ParkedCall {
    /// The same parked call told again: same channel, else same call id.
    fn is_same(&self, other: &Self) -> bool {
        match (&self.channel, &other.channel) {
            (Some(a), Some(b)) => a == b,
            _ => !self.call.is_empty() && self.call == other.call,
        }
    }

    fn parked_change(&self) -> ParkChange {
        ParkChange::Parked {
            call: self.call.clone(),
            slot: self.slot.clone(),
            lot: self.lot.clone(),
            caller_num: self.caller_num.clone(),
            caller_name: self.caller_name.clone(),
            parked_by: self.parked_by.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
