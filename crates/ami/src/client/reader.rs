//! The read side of a session: the transport, its read buffer and the
//! codec. It hands the session loop every frame already in the buffer at
//! once, so a burst from the PBX costs one trip through the loop's
//! `select!` per read instead of one per event.
//!
//! It owns the read buffer's size: it starts small and grows only while
//! reads keep filling it, up to [`MAX_READ`]. Framing rules and caps stay
//! in the codec; what a frame means is the session loop's business.

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, ReadHalf};
use tokio_util::codec::Decoder;

use super::connector::BoxedStream;
use crate::codec::{AmiCodec, CodecError, Frame};

/// The first read's size: what one quiet PBX packet needs, and what
/// tokio-util's `FramedRead` starts with.
const FIRST_READ: usize = 8 * 1024;
/// The largest read the buffer grows to for a busy stream: enough for about
/// 150 typical events per system call.
const MAX_READ: usize = 64 * 1024;

/// The framed read half of a session's transport.
pub(crate) struct Reader {
    io: ReadHalf<BoxedStream>,
    codec: AmiCodec,
    buf: BytesMut,
    /// How much free room to offer the next read.
    read_size: usize,
    /// The transport reported end of input.
    eof: bool,
    /// Nothing more will come: end of input was fully decoded, or decoding failed.
    done: bool,
    /// An error found after some frames of a batch, returned on the next call.
    pending_error: Option<CodecError>,
}

impl Reader {
    pub(crate) fn new(io: ReadHalf<BoxedStream>, codec: AmiCodec) -> Self {
        Self {
            io,
            codec,
            buf: BytesMut::new(),
            read_size: FIRST_READ,
            eof: false,
            done: false,
            pending_error: None,
        }
    }

    /// The next frame; `None` once the transport has closed and every frame
    /// before the close was returned. A transport that closes in the middle
    /// of a packet gives one `UnexpectedEof` error, then `None`.
    pub(crate) async fn next(&mut self) -> Option<Result<Frame, CodecError>> {
        let mut one = Vec::with_capacity(1);
        match self.read_frames(&mut one, 1).await? {
            Ok(()) => one.pop().map(Ok),
            Err(e) => Some(Err(e)),
        }
    }

    /// Appends to `out` every frame the buffer already holds (at most
    /// `max`), reading from the transport first only when it holds none.
    /// Returns `Some(Ok(()))` with at least one frame appended, `Some(Err)`
    /// when the stream is broken (frames decoded before the break come
    /// first), and `None` at the end.
    ///
    /// Cancel-safe: frames are appended only in the poll that returns, and
    /// a read cut short by dropping this future has taken no bytes.
    pub(crate) async fn read_frames(
        &mut self,
        out: &mut Vec<Frame>,
        max: usize,
    ) -> Option<Result<(), CodecError>> {
        let max = max.max(1);
        loop {
            if let Some(e) = self.pending_error.take() {
                return Some(Err(e));
            }
            if self.done {
                return None;
            }
            let before = out.len();
            while out.len() - before < max {
                let decoded = if self.eof {
                    self.codec.decode_eof(&mut self.buf)
                } else {
                    self.codec.decode(&mut self.buf)
                };
                match decoded {
                    Ok(Some(frame)) => out.push(frame),
                    Ok(None) => {
                        self.done = self.eof;
                        break;
                    }
                    Err(e) => {
                        self.done = true;
                        if out.len() == before {
                            return Some(Err(e));
                        }
                        self.pending_error = Some(e);
                        break;
                    }
                }
            }
            if out.len() > before {
                return Some(Ok(()));
            }
            if self.done {
                return None;
            }
            self.buf.reserve(self.read_size);
            let offered = self.buf.capacity() - self.buf.len();
            match self.io.read_buf(&mut self.buf).await {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    // A read that filled all the room offered says the PBX has
                    // more waiting: offer more next time, up to the cap.
                    if n == offered && self.read_size < MAX_READ {
                        self.read_size = (self.read_size * 2).min(MAX_READ);
                    }
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(CodecError::Io(e)));
                }
            }
        }
    }
}
