//! [`AmiCodec`]: frames the AMI byte stream into [`Frame`]s and encodes
//! [`Packet`]s back onto the wire, as a tokio-util `Decoder`/`Encoder`.
//!
//! This module owns framing only: where a banner, a packet, a line and a
//! `Response: Follows` command output begin and end, the per-line and
//! per-packet size caps, and turning bytes into UTF-8 field strings. It knows
//! nothing about sockets, logins, ActionIDs or events; the client does that.
//!
//! ## Behavior
//! - A packet is a run of `Key: Value` lines ended by a blank line. Lines may
//!   end in CRLF or bare LF; blank lines between packets are skipped.
//! - The key is everything before the first `:`; one space after the colon is
//!   dropped and the rest of the value is kept as it is. A line with no colon
//!   becomes a field with an empty value. Each key and value is decoded as
//!   UTF-8 lossily on its own, after framing, so invalid bytes never move a
//!   packet boundary.
//! - `Response: Follows` (Asterisk ≤ 13 `Command`): after its header lines
//!   comes raw text with bare LF line ends, up to `--END COMMAND--` (which may
//!   be glued onto the last output line). Each raw line, empty ones included,
//!   becomes an `Output` field, the shape Asterisk 14+ sends natively.
//! - The scan position is kept between calls, so no byte is scanned twice
//!   however the input is split into reads.
//! - A line longer than the line cap or a packet longer than the packet cap
//!   is discarded as it streams in (the buffer never grows past the caps plus
//!   one read) up to its terminating blank line, and reported as
//!   [`Frame::Oversized`]. Decoding then carries on with the next packet.

use std::io;
use std::ops::Range;

use bytes::{Buf, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::packet::{EncodeError, FieldSpan, Packet};

/// Default cap on one line, excluding its line end: 64 KiB.
pub const DEFAULT_MAX_LINE: usize = 64 * 1024;
/// Default cap on one packet, including its line ends and terminator: 1 MiB.
pub const DEFAULT_MAX_PACKET: usize = 1024 * 1024;

/// The highest packet cap [`AmiCodec::with_limits`] accepts: 512 MiB. A
/// decoded packet's text can be up to six times its wire size (a one-byte
/// output line becomes an `Output` key; an invalid byte becomes a three-byte
/// U+FFFD), and it must stay within the packet's 32-bit offsets.
pub const MAX_PACKET_LIMIT: usize = crate::packet::MAX_TEXT / 8;

/// The marker that ends `Response: Follows` command output.
const END_COMMAND: &[u8] = b"--END COMMAND--";
/// The key given to each raw line of `Response: Follows` command output.
const OUTPUT: &str = "Output";
/// The key prefix of Asterisk ≤ 11 channel variables, `ChanVariable(<channel>)`.
const CHAN_VARIABLE: &[u8] = b"ChanVariable(";
/// While skipping an oversized packet, the unfinished line is trimmed to this
/// many trailing bytes: enough to recognise `--END COMMAND--\r` at its end.
const SKIP_KEEP: usize = 32;

/// The greeting line an AMI server sends first, e.g. `Asterisk Call Manager/12.0.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    /// The whole line as received, without its line end.
    pub raw: String,
    /// The product part before the last `/`, e.g. `Asterisk Call Manager`.
    pub product: String,
    /// The AMI protocol version after the last `/`, e.g. `12.0.0` or `1.3`.
    pub version: String,
}

/// One unit decoded from the AMI stream.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Frame {
    /// The greeting line; only in [`AmiCodec::client`] mode, only first.
    Banner(Banner),
    /// A complete packet: an event, a response or an action.
    Packet(Packet),
    /// A packet or line over its cap was skipped up to the packet's
    /// terminating blank line; the stream stays in sync.
    Oversized {
        /// How many bytes were discarded, terminator included.
        bytes: usize,
    },
}

/// Why the codec failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// Reading or writing the transport failed, or it closed mid-packet.
    #[error("AMI connection I/O error: {0}")]
    Io(#[from] io::Error),
    /// A packet to send holds characters that cannot go on the wire.
    #[error("cannot send AMI packet: {0}")]
    Encode(#[from] EncodeError),
}

/// What kind of lines the pending packet expects next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    /// Ordinary `Key: Value` lines up to a blank line.
    Fields,
    /// After `Response: Follows`, before `--END COMMAND--`. `output_started`
    /// turns true at the first raw output line; header lines come before it.
    Follows { output_started: bool },
}

/// Where one field of the pending packet lies in the buffer. Fields are
/// turned into strings only once the packet is complete, so the whole packet
/// is UTF-8-checked and copied in one pass instead of two short steps per
/// line. The pending packet always starts at buffer offset 0 (everything
/// before it has been consumed), so these offsets are also offsets into the
/// packet's text, and they fit in 32 bits because the packet cap does.
/// A raw `Follows` output line has [`OUTPUT_KEY`] as its key start.
type Span = FieldSpan;

/// The key start of a raw `Follows` output line, whose key is `Output`.
const OUTPUT_KEY: u32 = u32::MAX;

/// A span for `key` and `value`, buffer ranges within the packet cap.
fn span(key: Range<usize>, value: Range<usize>) -> Span {
    // Within the packet cap (at most MAX_PACKET_LIMIT), so the casts keep every bit.
    Span {
        key_start: key.start as u32,
        key_len: key.len() as u32,
        value_start: value.start as u32,
        value_len: value.len() as u32,
    }
}

/// A span for one raw `Follows` output line.
fn output_span(value: Range<usize>) -> Span {
    Span {
        key_start: OUTPUT_KEY,
        key_len: OUTPUT.len() as u32,
        value_start: value.start as u32,
        value_len: value.len() as u32,
    }
}

/// State while discarding an oversized packet.
#[derive(Debug, Clone)]
struct Skip {
    /// Bytes discarded so far (no longer in the buffer).
    bytes: usize,
    /// Still inside `Follows` output: blank lines do not end the packet.
    in_output: bool,
    /// The unfinished line at the start of the buffer had bytes trimmed off,
    /// so it is certainly not blank.
    line_trimmed: bool,
    /// How far the unfinished line at the start of the buffer was searched.
    scanned: usize,
}

/// tokio-util codec for AMI. See the module docs for the framing rules.
///
/// ```
/// use bytes::BytesMut;
/// use ringside_ami::{AmiCodec, Frame};
/// use tokio_util::codec::Decoder;
///
/// let mut codec = AmiCodec::client();
/// let mut buf = BytesMut::from(&b"Asterisk Call Manager/12.0.0\r\nEvent: FullyBooted\r\n\r\n"[..]);
/// assert!(matches!(codec.decode(&mut buf)?, Some(Frame::Banner(_))));
/// assert_eq!(codec.banner().map(|b| b.version.as_str()), Some("12.0.0"));
/// let Some(Frame::Packet(p)) = codec.decode(&mut buf)? else { panic!("a packet follows the banner") };
/// assert_eq!(p.event(), Some("FullyBooted"));
/// # Ok::<(), ringside_ami::CodecError>(())
/// ```
#[derive(Debug, Clone)]
pub struct AmiCodec {
    /// The next non-blank line may be the banner (client mode, start of stream).
    expect_banner: bool,
    banner: Option<Banner>,
    max_line: usize,
    max_packet: usize,
    /// Start of the current, unfinished line in the buffer. Everything before
    /// it belongs to the pending packet and has been scanned into `spans`.
    line_start: usize,
    /// How far the search for the current line's end has got.
    scanned: usize,
    /// Fields of the packet being read, as offsets into the buffer.
    spans: Vec<Span>,
    /// Some span of the pending packet is a raw `Follows` output line.
    has_output: bool,
    body: Body,
    skip: Option<Skip>,
    /// Reused encoder output, so `Packet::encode_into` can write into a `Vec`.
    scratch: Vec<u8>,
}

impl AmiCodec {
    fn new(expect_banner: bool) -> Self {
        Self {
            expect_banner,
            banner: None,
            max_line: DEFAULT_MAX_LINE,
            max_packet: DEFAULT_MAX_PACKET,
            line_start: 0,
            scanned: 0,
            spans: Vec::new(),
            has_output: false,
            body: Body::Fields,
            skip: None,
            scratch: Vec::new(),
        }
    }

    /// Codec for the PBX → client direction: expects the banner line
    /// `Asterisk Call Manager/x.y.z` first. If the first line is a field
    /// instead, there is no banner and decoding goes on with packets.
    pub fn client() -> Self {
        Self::new(true)
    }

    /// Codec for the client → PBX direction (actions): no banner.
    pub fn server() -> Self {
        Self::new(false)
    }

    /// Sets the caps: `max_line` bytes per line (line end excluded) and
    /// `max_packet` bytes per packet (line ends and terminator included).
    /// Defaults are 64 KiB and 1 MiB. Values below 1 are raised to 1, and
    /// `max_packet` above [`MAX_PACKET_LIMIT`] is lowered to it.
    #[must_use]
    pub fn with_limits(mut self, max_line: usize, max_packet: usize) -> Self {
        self.max_line = max_line.max(1);
        self.max_packet = max_packet.clamp(1, MAX_PACKET_LIMIT);
        self
    }

    /// The banner, once it has been decoded.
    pub fn banner(&self) -> Option<&Banner> {
        self.banner.as_ref()
    }

    /// Forgets the pending packet; the buffer's first byte starts a new line.
    fn reset_packet(&mut self) {
        self.line_start = 0;
        self.scanned = 0;
        self.body = Body::Fields;
        self.spans.clear();
        self.has_output = false;
    }

    /// Builds the pending packet from `bytes`, the buffer up to its
    /// terminating blank line. Fast path: the packet's text is one copy of
    /// those bytes (line ends and `: ` separators stay in it, unused) and
    /// its fields are the spans as they are. Invalid UTF-8 takes the slow
    /// path, each key and value decoded lossily on its own.
    fn build_packet(&self, bytes: &[u8]) -> Packet {
        if let Ok(text) = std::str::from_utf8(bytes) {
            let mut text = String::from(text);
            let mut fields = self.spans.clone();
            if self.has_output {
                let at = text.len() as u32;
                text.push_str(OUTPUT);
                for f in fields.iter_mut().filter(|f| f.key_start == OUTPUT_KEY) {
                    f.key_start = at;
                }
            }
            // Every span boundary sits next to an ASCII byte, so it is a
            // char boundary of valid UTF-8; `from_spans` still checks.
            if let Some(packet) = Packet::from_spans(text, fields) {
                return packet;
            }
        }
        let text_len: usize = self
            .spans
            .iter()
            .map(|s| s.key_len as usize + s.value_len as usize)
            .sum();
        let mut packet = Packet::with_text_capacity(self.spans.len(), text_len);
        for span in &self.spans {
            push_lossy(&mut packet, bytes, span);
        }
        packet
    }

    /// Drops the pending packet and everything parsed of it, and starts
    /// discarding from the current line on.
    fn start_skipping(&mut self, buf: &mut BytesMut) {
        let in_output = matches!(self.body, Body::Follows { .. });
        let consumed = self.line_start;
        buf.advance(consumed);
        self.reset_packet();
        self.skip = Some(Skip {
            bytes: consumed,
            in_output,
            line_trimmed: false,
            scanned: 0,
        });
    }

    /// Discards input up to the end of the oversized packet. Returns the
    /// total size of the packet once its terminator has gone by.
    fn skip_to_terminator(&mut self, buf: &mut BytesMut) -> Option<usize> {
        let skip = self.skip.as_mut()?;
        loop {
            let Some(i) = memchr::memchr(b'\n', &buf[skip.scanned..]) else {
                // Keep only the tail of an unfinished line: memory stays
                // bounded even when the line never ends.
                if buf.len() > 2 * SKIP_KEEP {
                    let drop = buf.len() - SKIP_KEEP;
                    buf.advance(drop);
                    skip.bytes += drop;
                    skip.line_trimmed = true;
                }
                skip.scanned = buf.len();
                return None;
            };
            let nl = skip.scanned + i;
            let line = strip_cr(&buf[..nl]);
            let ends = if skip.in_output {
                if line.ends_with(END_COMMAND) {
                    skip.in_output = false;
                }
                false
            } else {
                !skip.line_trimmed && line.is_empty()
            };
            buf.advance(nl + 1);
            skip.bytes += nl + 1;
            skip.scanned = 0;
            skip.line_trimmed = false;
            if ends {
                let bytes = skip.bytes;
                self.skip = None;
                return Some(bytes);
            }
        }
    }

    /// Scans complete lines from the scan position on, without consuming
    /// anything, until one completes a frame, calls for skipping, or the
    /// buffer runs out.
    fn scan(&mut self, buf: &[u8]) -> Step {
        let base = self.scanned;
        // One iterator over all newlines: far cheaper than a memchr call per
        // short line.
        for i in memchr::memchr_iter(b'\n', &buf[base..]) {
            let nl = base + i;
            let start = self.line_start;
            let had_cr = nl > start && buf[nl - 1] == b'\r';
            let end = if had_cr { nl - 1 } else { nl };
            if end - start > self.max_line || nl + 1 > self.max_packet {
                // The skipper re-reads this line from its start, so a blank
                // terminator or an `--END COMMAND--` on it is still seen.
                return Step::Skip;
            }
            if let Some(step) = self.take_line(buf, start..end, had_cr, nl + 1) {
                return step;
            }
        }
        self.scanned = buf.len();
        if buf.len() - self.line_start > self.max_line + 1 || buf.len() > self.max_packet {
            return Step::Skip;
        }
        Step::NeedMore
    }

    /// Handles the complete line `buf[line]` (without its line end). `next`
    /// is the buffer offset after the line end. Returns a step when the line
    /// ends a frame or is a stray blank line.
    fn take_line(
        &mut self,
        buf: &[u8],
        line: Range<usize>,
        had_cr: bool,
        next: usize,
    ) -> Option<Step> {
        let Range { start, end } = line;
        let line = &buf[start..end];
        match self.body {
            Body::Fields if line.is_empty() => {
                if self.spans.is_empty() {
                    return Some(Step::Consume(next));
                }
                return Some(Step::Emit(
                    Frame::Packet(self.build_packet(&buf[..start])),
                    next,
                ));
            }
            Body::Fields => {
                if self.expect_banner {
                    self.expect_banner = false;
                    if let Some(banner) = parse_banner(line) {
                        self.banner = Some(banner.clone());
                        return Some(Step::Emit(Frame::Banner(banner), next));
                    }
                }
                let (key, value) = split_field(line, start);
                if key.len() == 8
                    && buf[key.clone()].eq_ignore_ascii_case(b"Response")
                    && buf[value.clone()].eq_ignore_ascii_case(b"Follows")
                {
                    self.body = Body::Follows {
                        output_started: false,
                    };
                }
                self.spans.push(span(key, value));
            }
            Body::Follows { output_started } => {
                if line.ends_with(END_COMMAND) {
                    // The marker may be glued onto the last output line.
                    let before = start..end - END_COMMAND.len();
                    if !before.is_empty() {
                        self.spans.push(output_span(before));
                        self.has_output = true;
                    }
                    self.body = Body::Fields;
                } else if !output_started && is_follows_header(line, had_cr) {
                    let (key, value) = split_field(line, start);
                    self.spans.push(span(key, value));
                } else {
                    self.spans.push(output_span(start..end));
                    self.has_output = true;
                    self.body = Body::Follows {
                        output_started: true,
                    };
                }
            }
        }
        self.line_start = next;
        None
    }
}

/// What [`AmiCodec::scan`] found.
#[derive(Debug)]
enum Step {
    /// A frame ends at this buffer offset.
    Emit(Frame, usize),
    /// Stray blank lines up to this offset: drop them.
    Consume(usize),
    /// The pending packet is over a cap.
    Skip,
    /// No complete frame yet.
    NeedMore,
}

impl Default for AmiCodec {
    /// The client-direction codec, as [`AmiCodec::client`].
    fn default() -> Self {
        Self::client()
    }
}

/// Drops one trailing carriage return.
fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Splits the line `buf[start..end]` at the first colon and drops one space
/// after it; returns the key and value ranges. A line without a colon is all key.
///
/// One exception: Asterisk ≤ 11 names the channel in the key,
/// `ChanVariable(IAX2/10.0.0.5:4569-123): NAME=value`, and a channel name may
/// hold a colon, so such a key runs to its closing `):`.
fn split_field(line: &[u8], start: usize) -> (Range<usize>, Range<usize>) {
    let end = start + line.len();
    // Keys are short: a plain loop beats a memchr call here.
    let first_colon = line.iter().position(|&b| b == b':');
    let colon = match first_colon {
        Some(c)
            if c > CHAN_VARIABLE.len()
                && line[c - 1] != b')'
                && line[..CHAN_VARIABLE.len()].eq_ignore_ascii_case(CHAN_VARIABLE) =>
        {
            line[c..]
                .windows(2)
                .position(|w| w == b"):")
                .map(|p| c + p + 1)
                .or(first_colon)
        }
        other => other,
    };
    match colon {
        Some(c) => {
            let colon = start + c;
            let value = if line.get(c + 1) == Some(&b' ') {
                colon + 2
            } else {
                colon + 1
            };
            (start..colon, value..end)
        }
        None => (start..end, end..end),
    }
}

/// Appends one field, decoding its key and value as UTF-8 lossily each on
/// its own: the slow path, for packets holding invalid UTF-8.
fn push_lossy(packet: &mut Packet, bytes: &[u8], span: &Span) {
    let field = |start: u32, len: u32| {
        let start = start as usize;
        String::from_utf8_lossy(bytes.get(start..start + len as usize).unwrap_or_default())
    };
    let key = if span.key_start == OUTPUT_KEY {
        OUTPUT.into()
    } else {
        field(span.key_start, span.key_len)
    };
    packet.push_str(&key, &field(span.value_start, span.value_len));
}

fn lossy(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// True when `key` is a plain field name: non-empty ASCII letters, digits, `-`, `_`.
fn is_token(key: &[u8]) -> bool {
    !key.is_empty()
        && key
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// Whether a line after `Response: Follows`, before any output, is a header.
/// Asterisk writes the headers (`Privilege`, `ActionID`) with CRLF and the
/// command's own text with bare LF, so a `Key: Value` line ending in CRLF is a
/// header; `Privilege` and `ActionID` are headers whatever the line end, so
/// streams that use bare LF throughout read the same.
fn is_follows_header(line: &[u8], had_cr: bool) -> bool {
    let Some(c) = memchr::memchr(b':', line) else {
        return false;
    };
    let key = &line[..c];
    is_token(key)
        && (had_cr
            || key.eq_ignore_ascii_case(b"Privilege")
            || key.eq_ignore_ascii_case(b"ActionID"))
}

/// Reads the first line as a banner unless it is a `Key: Value` field.
fn parse_banner(line: &[u8]) -> Option<Banner> {
    if let Some(c) = memchr::memchr(b':', line) {
        if is_token(&line[..c]) {
            return None;
        }
    }
    let raw = lossy(line);
    let (product, version) = match raw.rsplit_once('/') {
        Some((p, v)) => (p.trim().to_owned(), v.trim().to_owned()),
        None => (raw.trim().to_owned(), String::new()),
    };
    Some(Banner {
        raw,
        product,
        version,
    })
}

impl Decoder for AmiCodec {
    type Item = Frame;
    type Error = CodecError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        loop {
            if self.skip.is_some() {
                return Ok(self
                    .skip_to_terminator(buf)
                    .map(|bytes| Frame::Oversized { bytes }));
            }
            match self.scan(buf) {
                Step::Emit(frame, next) => {
                    buf.advance(next);
                    self.reset_packet();
                    return Ok(Some(frame));
                }
                Step::Consume(next) => {
                    buf.advance(next);
                    self.reset_packet();
                }
                Step::Skip => self.start_skipping(buf),
                Step::NeedMore => return Ok(None),
            }
        }
    }

    /// At end of input: a packet still being skipped is reported as
    /// oversized, trailing blank lines are fine, and anything else means the
    /// PBX closed the connection in the middle of a packet.
    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        if let Some(frame) = self.decode(buf)? {
            return Ok(Some(frame));
        }
        if let Some(skip) = self.skip.take() {
            let bytes = skip.bytes + buf.len();
            buf.clear();
            return Ok(Some(Frame::Oversized { bytes }));
        }
        if self.spans.is_empty() && buf.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            buf.clear();
            self.reset_packet();
            return Ok(None);
        }
        Err(CodecError::Io(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the AMI connection closed in the middle of a packet",
        )))
    }
}

impl Encoder<&Packet> for AmiCodec {
    type Error = CodecError;

    /// Writes `packet` in wire form. A key or value holding CR, LF or NUL is
    /// refused with [`CodecError::Encode`] and nothing is written.
    fn encode(&mut self, packet: &Packet, dst: &mut BytesMut) -> Result<(), CodecError> {
        self.scratch.clear();
        packet.encode_into(&mut self.scratch)?;
        dst.extend_from_slice(&self.scratch);
        Ok(())
    }
}

impl Encoder<Packet> for AmiCodec {
    type Error = CodecError;

    /// As `Encoder<&Packet>`.
    fn encode(&mut self, packet: Packet, dst: &mut BytesMut) -> Result<(), CodecError> {
        self.encode(&packet, dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(codec: &mut AmiCodec, input: &[u8]) -> Vec<Frame> {
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(f) = codec
            .decode_eof(&mut buf)
            .expect("test input is well formed")
        {
            out.push(f);
        }
        out
    }

    #[test]
    fn split_field_drops_one_space_only() {
        assert_eq!(
            split_field(b"Key:  two", 10),
            (10..13, 15..19),
            "only one leading space is AMI syntax"
        );
        assert_eq!(
            split_field(b"Key:v:w", 0),
            (0..3, 4..7),
            "split at the first colon only"
        );
        assert_eq!(split_field(b"Key:", 0), (0..3, 4..4), "an empty value");
        assert_eq!(
            split_field(b"nocolon", 2),
            (2..9, 9..9),
            "a line without a colon is all key"
        );
    }

    #[test]
    fn chan_variable_keys_run_to_their_closing_paren() {
        let line = b"ChanVariable(IAX2/10.0.0.5:4569-123): FOO=a:b";
        assert_eq!(
            split_field(line, 0),
            (0..36, 38..line.len()),
            "a colon in the channel name stays in the key"
        );
        let line = b"ChanVariable(SIP/1001-00000001): FOO=bar";
        assert_eq!(
            split_field(line, 0),
            (0..31, 33..line.len()),
            "the usual form"
        );
        let line = b"ChanVariable(never closed: x";
        assert_eq!(
            split_field(line, 0),
            (0..25, 27..line.len()),
            "no `):` falls back to the first colon"
        );
    }

    #[test]
    fn banner_or_not() {
        let b = parse_banner(b"Asterisk Call Manager/1.3").expect("the standard banner");
        assert_eq!(
            (b.product.as_str(), b.version.as_str()),
            ("Asterisk Call Manager", "1.3"),
            "split at the slash"
        );
        assert!(
            parse_banner(b"Response: Success").is_none(),
            "a field is not a banner"
        );
    }

    #[test]
    fn packet_exactly_at_the_cap_passes_and_one_byte_more_is_skipped() {
        let p = b"Event: X\r\n\r\n";
        let frames = decode_all(&mut AmiCodec::server().with_limits(64, p.len()), p);
        assert!(
            matches!(frames.as_slice(), [Frame::Packet(_)]),
            "the cap is inclusive: {frames:?}"
        );
        let frames = decode_all(&mut AmiCodec::server().with_limits(64, p.len() - 1), p);
        assert_eq!(
            frames,
            [Frame::Oversized { bytes: p.len() }],
            "one byte over the cap is oversized"
        );
    }

    #[test]
    fn line_exactly_at_the_cap_passes() {
        let frames = decode_all(
            &mut AmiCodec::server().with_limits(8, 1024),
            b"Event: X\r\n\r\n",
        );
        assert!(
            matches!(frames.as_slice(), [Frame::Packet(_)]),
            "an 8-byte line fits an 8-byte cap: {frames:?}"
        );
        let frames = decode_all(
            &mut AmiCodec::server().with_limits(7, 1024),
            b"Event: X\r\n\r\nEv: Y\n\n",
        );
        assert!(
            matches!(
                frames.as_slice(),
                [Frame::Oversized { bytes: 12 }, Frame::Packet(_)]
            ),
            "a 7-byte cap rejects it and the next packet survives: {frames:?}"
        );
    }

    #[test]
    fn eof_mid_packet_is_an_error() {
        let mut buf = BytesMut::from(&b"Event: X\r\n"[..]);
        let err = AmiCodec::server()
            .decode_eof(&mut buf)
            .expect_err("a half packet at EOF is a truncated stream");
        assert!(
            matches!(err, CodecError::Io(ref e) if e.kind() == io::ErrorKind::UnexpectedEof),
            "{err}"
        );
    }
}
