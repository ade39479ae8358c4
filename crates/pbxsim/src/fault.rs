//! The faults a simulated PBX can inject, as plain data. How each one is
//! carried out on the wire lives in `session.rs` (per-connection faults) and
//! `server.rs` (faults of the whole server).

use std::time::Duration;

/// Something going wrong on the PBX side, injected with
/// [`SimHandle::inject`](crate::SimHandle::inject) or set for every session
/// in [`SimConfig::fault`](crate::SimConfig::fault).
///
/// Per-session faults hit every session logged in at the time of injection
/// (and, from `SimConfig::fault`, each new session after its login).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Write the first half of one event, then close the socket.
    DisconnectMidPacket,
    /// From now on write one byte at a time with this pause between bytes.
    Drip {
        /// Pause between two bytes.
        delay: Duration,
    },
    /// Write `len` random bytes (then a blank line, so framing can resync)
    /// between two valid packets.
    Garbage {
        /// How many random bytes.
        len: usize,
    },
    /// Stream one event of about `bytes` bytes (many `Data:` lines), built in
    /// small pieces so the server never holds it whole.
    HugePacket {
        /// Total size of the packet on the wire.
        bytes: u64,
    },
    /// Write `Event: ` and then `bytes` bytes without any line end, then end
    /// the packet and carry on.
    EndlessLine {
        /// How many bytes the endless line has before it finally ends.
        bytes: u64,
    },
    /// Half-open connection: keep the socket open and keep reading, but never
    /// write another byte (Ping goes unanswered).
    StopAnswering,
    /// Every later login fails with `Authentication failed` (a revoked
    /// secret); sessions already logged in stay.
    RefuseLogins,
    /// Every later connection gets the banner and is closed at once, as a PBX
    /// whose permit list does not include the client.
    CloseAfterBanner,
    /// `events` events in one burst to each logged-in session.
    Flood {
        /// How many events.
        events: usize,
    },
    /// A PBX restart: every session is dropped, the port is closed for
    /// `down_for` (connections are refused), live calls are gone, and then
    /// the PBX listens again on the same address.
    Restart {
        /// How long the port stays closed.
        down_for: Duration,
    },
}
