//! The attendant console's panels beside the call cards: the parked calls
//! ([`ParkedCalls`]), the queues with their waiting callers and agents
//! ([`Queues`]) and the colleagues' voicemail ([`Voicemail`]).
//!
//! Pure, like the [`tracker`](crate::tracker): each panel is rebuilt from a
//! listing at connect and at every resync (`resync`: the items of a
//! `ParkedCalls`, `QueueStatus`/`QueueSummary` or `MailboxCount` answer),
//! then kept live from events (`apply`), and both return the changes that
//! are the CLI's JSON lines. No I/O and no clock: the caller passes each
//! event's time, and a panel shows a live wait as that time minus the
//! `since_ms`/`joined_ms` it keeps.
//!
//! [`Console`] holds the three panels and the recall together, as the live
//! loop keeps them beside the tracker and presence, and as the CLI's
//! replay feeds them.
//!
//! The events are decoded by the tracker's own `CallEvent` where the
//! tracker reads them too (parking, queue joins and leaves, bridges,
//! hangups), so both read the two dialects alike; `events.rs` here decodes
//! only what the tracker never acts on.
//!
//! ## Call ids
//! A parked or queued caller's `call` is the id the [`CallTracker`] gives the
//! same call: its Linkedid on AMI 2+ (Asterisk 12+), the call's first
//! Uniqueid on AMI 1.x. On 1.x an event names the caller's channel, which is
//! usually that first channel, but not always: a 1.x park by transfer parks
//! a `Parked/…` channel that took the caller's place in a masquerade, and a
//! caller may reach a queue through a Local channel. Feed the panels with
//! `apply_with(ev, at_ms, &tracker)` after the tracker saw the event, and
//! they ask the tracker ([`CallIds`]); `apply` alone uses the event's ids.
//!
//! ```
//! use ringside_ami::Packet;
//! use ringside_calls::console::{ParkChange, ParkedCalls};
//! use ringside_calls::{CallTracker, TrackerConfig};
//! let mut tracker = CallTracker::new(TrackerConfig::default());
//! let mut parked = ParkedCalls::new();
//! let ev = [
//!     ("Event", "ParkedCall"), ("ParkeeChannel", "PJSIP/carrier-00000003"),
//!     ("ParkeeUniqueid", "1796392630.3"), ("ParkeeLinkedid", "1796392630.3"),
//!     ("ParkerDialString", "PJSIP/1001"), ("Parkinglot", "default"), ("ParkingSpace", "71"),
//! ]
//! .iter()
//! .fold(Packet::new(), |p, (k, v)| p.with(*k, *v));
//! tracker.apply(&ev, 0);
//! let changes = parked.apply_with(&ev, 0, &tracker);
//! assert!(matches!(&changes[0], ParkChange::Parked { call, slot, parked_by, .. }
//!     if call == "1796392630.3" && slot == "71" && parked_by.as_deref() == Some("1001")));
//! ```

use crate::channel::ChannelName;
use crate::tracker::events::ChannelRef;
use crate::tracker::CallTracker;

mod desk;
mod events;
mod parking;
mod queues;
mod voicemail;

pub use desk::{Console, ConsoleChange, ConsoleListing};
pub use parking::{ParkChange, ParkOutcome, ParkedCall, ParkedCalls};
pub use queues::{
    MemberState, Queue, QueueCaller, QueueChange, QueueMember, QueueOutcome, QueueSummary, Queues,
};
pub use voicemail::{Mailbox, Voicemail, VoicemailChange};

/// Names calls the way the [`CallTracker`] does, for the panels' `call` ids.
pub trait CallIds {
    /// The id of the call of the channel with this Uniqueid or, failing
    /// that, this name; `None` when unknown.
    fn call_id(&self, uniqueid: Option<&str>, channel: Option<&str>) -> Option<&str>;
}

impl CallIds for CallTracker {
    fn call_id(&self, uniqueid: Option<&str>, channel: Option<&str>) -> Option<&str> {
        self.call_of_channel(uniqueid, channel)
    }
}

/// No tracker: every id comes from the event itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventIds;

impl CallIds for EventIds {
    fn call_id(&self, _: Option<&str>, _: Option<&str>) -> Option<&str> {
        None
    }
}

/// The call id of a caller an event names by these channel references (the
/// prefixed snapshot first): the tracker's when it knows the channel, else
/// the event's Linkedid, else the first Uniqueid; empty when the event
/// names neither (a 1.x `ParkedCalls` listing gives only a channel name).
fn call_id(ids: &dyn CallIds, refs: &[ChannelRef<'_>], linkedid: Option<&str>) -> String {
    refs.iter()
        .find_map(|r| ids.call_id(r.uniqueid, r.name))
        .or(linkedid)
        .or_else(|| {
            refs.iter()
                .find_map(|r| r.uniqueid.filter(|u| !u.is_empty()))
        })
        .unwrap_or_default()
        .to_owned()
}

/// The extension behind a channel name, dial string or queue interface:
/// `PJSIP/1001-0000000c`, `PJSIP/1001` and `SIP/1001` are 1001, and a Local
/// channel or interface (`Local/1002@internal/n`, `…-00000001;1`) is the
/// extension it dials, 1002.
fn extension_of(channel: &str) -> Option<String> {
    let name = ChannelName::parse(channel)?;
    let ext = match name.local_target() {
        Some((exten, _)) => exten,
        None => name.endpoint,
    };
    (!ext.is_empty()).then(|| ext.to_owned())
}

/// A caller ID as app_queue sends it, which spells a missing one `unknown`.
fn known(v: Option<&str>) -> Option<&str> {
    v.filter(|v| !v.eq_ignore_ascii_case("unknown"))
}

/// How a panel shows a wait: `0:42`, `12:05`, `1:02:03`.
///
/// ```
/// use ringside_calls::console::wait_clock;
/// assert_eq!(wait_clock(42_900), "0:42");
/// assert_eq!(wait_clock(3_723_000), "1:02:03");
/// ```
pub fn wait_clock(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_of_channels_dial_strings_and_interfaces() {
        for (raw, want) in [
            ("PJSIP/1001-0000000c", Some("1001")),
            ("PJSIP/1001", Some("1001")),
            ("SIP/1003-00000011", Some("1003")),
            ("Local/1002@internal/n", Some("1002")),
            ("Local/1002@internal-00000001;1", Some("1002")),
            ("Parked/SIP/1001-0000000c", Some("1001")),
            ("", None),
        ] {
            assert_eq!(extension_of(raw).as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn a_wait_reads_as_minutes_and_seconds() {
        assert_eq!(wait_clock(0), "0:00");
        assert_eq!(wait_clock(-5), "0:00");
        assert_eq!(wait_clock(59_999), "0:59");
        assert_eq!(wait_clock(725_000), "12:05");
        assert_eq!(wait_clock(3_600_000), "1:00:00");
    }

    #[test]
    fn ids_come_from_the_tracker_then_the_event() {
        struct One;
        impl CallIds for One {
            fn call_id(&self, u: Option<&str>, _: Option<&str>) -> Option<&str> {
                (u == Some("2.2")).then_some("1.1")
            }
        }
        let r = |u| ChannelRef {
            uniqueid: Some(u),
            name: None,
        };
        assert_eq!(call_id(&One, &[r("2.2")], Some("9.9")), "1.1");
        assert_eq!(call_id(&EventIds, &[r("2.2")], Some("9.9")), "9.9");
        assert_eq!(call_id(&EventIds, &[r("2.2")], None), "2.2");
        assert_eq!(call_id(&EventIds, &[ChannelRef::default()], None), "");
    }
}
