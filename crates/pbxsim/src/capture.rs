//! A recorded AMI session (`tests/fixtures/ami/*.ami`, optionally gzipped),
//! cut into raw packets and reduced to what a replay may send: the
//! unsolicited events. The recorded banner, the answers to the recording
//! client's own actions (responses, their event-list items,
//! `OriginateResponse`) are dropped, because a replay answers the real
//! client's actions itself. Bytes are kept exactly as recorded.

use std::io::Read;
use std::path::Path;

use bytes::{Bytes, BytesMut};
use ringside_ami::{AmiCodec, Frame};
use tokio_util::codec::Decoder;

use crate::error::{Error, Result};

/// The replayable part of one capture, as one contiguous buffer of packets.
#[derive(Clone)]
pub struct Capture {
    banner: Option<String>,
    data: Bytes,
    /// End offset in `data` of each kept packet.
    ends: Vec<usize>,
    /// The packets that say what a phone is doing, by packet index.
    phone_states: Vec<(usize, PhoneState)>,
}

/// What one replayed event says a phone is doing: a `DeviceStateChange`
/// (`Device: PJSIP/1001`, `State: RINGING`) or an `ExtensionStatus`
/// (`Exten: 1001`, `Status: 8`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneState {
    /// A device and its state name.
    Device { device: String, state: String },
    /// An extension and its `ExtensionStatus` code.
    Extension { exten: String, status: u8 },
}

impl PhoneState {
    /// Reads one recorded packet with the shared AMI codec.
    fn parse(packet: &[u8]) -> Option<Self> {
        let Ok(Some(Frame::Packet(p))) = AmiCodec::server().decode(&mut BytesMut::from(packet))
        else {
            return None;
        };
        let owned = |key: &str| p.get(key).map(str::to_owned);
        if p.is("Event", "DeviceStateChange") {
            Some(Self::Device {
                device: owned("Device")?,
                state: owned("State")?,
            })
        } else if p.is("Event", "ExtensionStatus") {
            Some(Self::Extension {
                exten: owned("Exten")?,
                status: p.get("Status")?.parse().ok()?,
            })
        } else {
            None
        }
    }
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture")
            .field("banner", &self.banner)
            .field("bytes", &self.data.len())
            .field("packets", &self.ends.len())
            .finish()
    }
}

impl Capture {
    /// Reads a capture file; a name ending in `.gz` is decompressed.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let wrap = |source| Error::Capture {
            path: path.to_owned(),
            source,
        };
        let raw = std::fs::read(path).map_err(wrap)?;
        let raw = if path.extension().is_some_and(|e| e == "gz") {
            let mut out = Vec::with_capacity(raw.len() * 8);
            flate2::read::GzDecoder::new(raw.as_slice())
                .read_to_end(&mut out)
                .map_err(wrap)?;
            out
        } else {
            raw
        };
        Ok(Self::from_bytes(&raw))
    }

    /// Cuts a recorded byte stream (banner line first, CRLF or LF line ends)
    /// into packets and keeps the unsolicited events.
    pub fn from_bytes(raw: &[u8]) -> Self {
        let mut rest = raw;
        let mut banner = None;
        if rest.starts_with(b"Asterisk Call Manager/") {
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len(), |i| i + 1);
            banner = Some(String::from_utf8_lossy(&rest[..end]).trim_end().to_owned());
            rest = &rest[end..];
        }
        let mut data = BytesMut::with_capacity(rest.len());
        let mut ends = Vec::new();
        let mut phone_states = Vec::new();
        for packet in split_packets(rest) {
            if is_unsolicited_event(packet) {
                if let Some(state) = PhoneState::parse(packet) {
                    phone_states.push((ends.len(), state));
                }
                data.extend_from_slice(packet);
                ends.push(data.len());
            }
        }
        Self {
            banner,
            data: data.freeze(),
            ends,
            phone_states,
        }
    }

    /// What packets `range` (packet indices) say phones are doing, in order.
    pub fn phone_states(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = &PhoneState> {
        let from = self.phone_states.partition_point(|(i, _)| *i < range.start);
        self.phone_states[from..]
            .iter()
            .take_while(move |(i, _)| *i < range.end)
            .map(|(_, s)| s)
    }

    /// The recorded banner line (without line end), if the capture has one.
    pub fn banner(&self) -> Option<&str> {
        self.banner.as_deref()
    }

    /// How many packets a replay sends.
    pub fn packet_count(&self) -> usize {
        self.ends.len()
    }

    /// All replayed bytes, exactly as recorded.
    pub fn bytes(&self) -> &Bytes {
        &self.data
    }

    /// Packet `i` (cheap: a slice of the shared buffer).
    pub fn packet(&self, i: usize) -> Bytes {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.data.slice(start..self.ends[i])
    }

    /// Whole packets from `first`, at most about `max_bytes` long (always at
    /// least one packet): the unit a fast replay writes. Returns the slice and
    /// the index of the next packet.
    pub fn chunk(&self, first: usize, max_bytes: usize) -> (Bytes, usize) {
        let start = if first == 0 { 0 } else { self.ends[first - 1] };
        let mut next = first + 1;
        while next < self.ends.len() && self.ends[next] - start <= max_bytes {
            next += 1;
        }
        (self.data.slice(start..self.ends[next - 1]), next)
    }
}

/// Splits on blank lines, each packet keeping its terminating blank line.
/// Stray blank lines between packets are dropped.
fn split_packets(mut rest: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        // Skip stray line ends.
        while let Some(&b) = rest.first() {
            if b == b'\r' || b == b'\n' {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        if rest.is_empty() {
            return None;
        }
        let mut i = 0;
        let end = loop {
            match rest[i..].iter().position(|&b| b == b'\n') {
                None => break rest.len(),
                Some(p) => {
                    let line_end = i + p + 1;
                    // A blank line: "\n" or "\r\n" right after this line end.
                    let after = &rest[line_end..];
                    if after.starts_with(b"\r\n") {
                        break line_end + 2;
                    }
                    if after.starts_with(b"\n") {
                        break line_end + 1;
                    }
                    i = line_end;
                }
            }
        };
        let (packet, tail) = rest.split_at(end);
        rest = tail;
        Some(packet)
    })
}

/// An event nobody asked for: starts with `Event:` and carries no ActionID.
fn is_unsolicited_event(packet: &[u8]) -> bool {
    if !packet.starts_with(b"Event:") {
        return false;
    }
    !packet
        .split(|&b| b == b'\n')
        .any(|line| line.len() >= 9 && line[..9].eq_ignore_ascii_case(b"ActionID:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_unsolicited_events_and_the_banner() {
        let raw = b"Asterisk Call Manager/12.0.0\r\nResponse: Success\r\nActionID: 1\r\n\r\n\
Event: A\r\nX: 1\r\n\r\nEvent: ExtensionStatus\r\nActionID: l\r\n\r\n\r\nEvent: B\r\n\r\n";
        let c = Capture::from_bytes(raw);
        assert_eq!(
            c.banner(),
            Some("Asterisk Call Manager/12.0.0"),
            "the banner line is kept apart"
        );
        assert_eq!(
            c.packet_count(),
            2,
            "the response and the list item must be dropped"
        );
        assert_eq!(
            &c.packet(0)[..],
            b"Event: A\r\nX: 1\r\n\r\n",
            "bytes are kept as recorded"
        );
        assert_eq!(
            &c.packet(1)[..],
            b"Event: B\r\n\r\n",
            "a stray blank line is not a packet"
        );
        let (chunk, next) = c.chunk(0, 1);
        assert_eq!(
            (chunk.len(), next),
            (18, 1),
            "a chunk holds at least one whole packet"
        );
        let (chunk, next) = c.chunk(0, 1 << 16);
        assert_eq!(
            (chunk.len(), next),
            (30, 2),
            "a big chunk takes every packet"
        );
    }
}
