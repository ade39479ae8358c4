//! What the panels read of an AMI packet: [`ConsoleEvent`]. The events the
//! tracker reads too (parking, queue joins and leaves, bridges, dials,
//! hangups) come decoded by the tracker's `CallEvent`.
//!
//! Like the tracker's decoding, it reads fields, nothing else, borrowed
//! from the packet, and skips a packet it has no use for by its name.

use ringside_ami::Packet;

use crate::tracker::events::CallEvent;

/// A packet one of the panels acts on, decoded.
#[derive(Debug)]
pub(super) enum ConsoleEvent<'a> {
    /// An event the tracker reads too.
    Call(CallEvent<'a>),
}

impl<'a> ConsoleEvent<'a> {
    /// Decodes a packet a panel acts on; `None` for anything else.
    pub(super) fn decode(ev: &'a Packet) -> Option<Self> {
        CallEvent::decode(ev).map(Self::Call)
    }
}
