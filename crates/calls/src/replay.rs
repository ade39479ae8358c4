//! Offline replay of a captured AMI session through the same
//! [`CallTracker`] the live app uses: decode the captured bytes with the
//! real [`AmiCodec`], stamp each event with a time, apply it.
//!
//! Decoding bytes is not I/O: reading the file (and gunzipping it) is the
//! caller's job, so this module stays free of files and sockets.

use bytes::BytesMut;
use ringside_ami::{AmiCodec, Banner, CodecError, Frame, Packet};
use tokio_util::codec::Decoder;

use crate::console::{Console, ConsoleChange};
use crate::tracker::{CallTracker, CardChange};

/// A decoded capture: the banner (when the capture starts with one) and
/// every packet in wire order.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    /// The greeting line, e.g. version `12.0.0` or `1.3`.
    pub banner: Option<Banner>,
    /// Every packet, responses included, in order.
    pub packets: Vec<Packet>,
    /// Packets the codec skipped for being over its size caps.
    pub oversized: usize,
}

impl Capture {
    /// Decodes every byte the PBX sent, exactly as captured.
    pub fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        let mut codec = AmiCodec::client();
        let mut buf = BytesMut::from(bytes);
        let mut cap = Self::default();
        loop {
            let frame = match codec.decode(&mut buf)? {
                Some(f) => Some(f),
                None => codec.decode_eof(&mut buf)?,
            };
            match frame {
                Some(Frame::Banner(b)) => cap.banner = Some(b),
                Some(Frame::Packet(p)) => cap.packets.push(p),
                Some(Frame::Oversized { .. }) => cap.oversized += 1,
                Some(_) => {}
                None => break,
            }
        }
        Ok(cap)
    }

    /// The events only (responses and list items to actions included, as
    /// the live client would pass them on).
    pub fn events(&self) -> impl Iterator<Item = &Packet> {
        self.packets.iter().filter(|p| p.event().is_some())
    }
}

/// The time of an event for a replay: the PBX's own `Timestamp` (sent when
/// `timestampevents = yes`) when present, otherwise a synthetic clock of one
/// millisecond per packet from `base_ms`, so order and durations stay
/// deterministic.
pub fn event_time_ms(p: &Packet, index: usize, base_ms: i64) -> i64 {
    p.get("Timestamp")
        .and_then(|t| t.trim().parse::<f64>().ok())
        .map(|secs| (secs * 1000.0) as i64)
        .unwrap_or(base_ms + index as i64)
}

/// Feeds a whole capture through `tracker` and returns every change, in order.
pub fn replay(tracker: &mut CallTracker, capture: &Capture) -> Vec<CardChange> {
    if let Some(b) = &capture.banner {
        tracker.observe_banner(&b.version);
    }
    let mut out = Vec::new();
    for (i, p) in capture.packets.iter().enumerate() {
        if p.event().is_some() {
            tracker.apply_into(p, event_time_ms(p, i, 0), &mut out);
        }
    }
    out
}

/// One change a replay with the console reports.
#[derive(Debug, Clone, PartialEq, Eq)]
// Cards are most of a replay; boxing them would cost an allocation each.
#[allow(clippy::large_enum_variant)]
pub enum Replayed {
    /// A card's change.
    Card(CardChange),
    /// The console's change.
    Console(ConsoleChange),
}

/// Feeds a whole capture through `tracker` and `console` as the live loop
/// does (each event to the tracker, then to the console with the tracker's
/// changes) and returns every change, in order: an event's card changes,
/// then its console changes. A replay has no clock, so a recall set up on
/// `console` is never ticked.
pub fn replay_with_console(
    tracker: &mut CallTracker,
    console: &mut Console,
    capture: &Capture,
) -> Vec<Replayed> {
    if let Some(b) = &capture.banner {
        tracker.observe_banner(&b.version);
    }
    let mut out = Vec::new();
    let mut cards = Vec::new();
    for (i, p) in capture.packets.iter().enumerate() {
        if p.event().is_none() {
            continue;
        }
        let at = event_time_ms(p, i, 0);
        tracker.apply_into(p, at, &mut cards);
        let changes = console.apply(p, at, tracker, &cards);
        out.extend(cards.drain(..).map(Replayed::Card));
        out.extend(changes.into_iter().map(Replayed::Console));
    }
    out
}
