//! Shared pieces of the client tests: an in-memory transport that hands the
//! server end to the test, a raw AMI peer for the server side, and capture
//! loading. Nothing here binds a fixed port or sleeps on the wall clock.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use futures::future::BoxFuture;
use ringside_ami::{
    AmiCodec, BoxedStream, ClientConfig, ConnectError, Connector, Frame, Packet, Secret,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;
use tokio_util::codec::Decoder;

/// Path of a capture in the repository's `tests/fixtures/ami`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/ami")
        .join(name)
}

pub fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("fixture {name} must be readable: {e}"))
}

/// Every frame of a PBX → client capture.
pub fn pbx_packets(name: &str) -> (String, Vec<Packet>) {
    let mut buf = BytesMut::from(&read_fixture(name)[..]);
    let mut codec = AmiCodec::client();
    let mut banner = String::new();
    let mut packets = Vec::new();
    while let Some(frame) = codec.decode_eof(&mut buf).expect("captures decode cleanly") {
        match frame {
            Frame::Banner(b) => banner = b.raw,
            Frame::Packet(p) => packets.push(p),
            other => panic!("unexpected frame in a capture: {other:?}"),
        }
    }
    (banner, packets)
}

/// The raw bytes of each packet a captured client sent (`.sent`), terminator included.
pub fn sent_packets_raw(name: &str) -> Vec<Vec<u8>> {
    let bytes = read_fixture(name);
    let mut out = Vec::new();
    let mut start = 0;
    while let Some(i) = find(&bytes[start..], b"\r\n\r\n") {
        out.push(bytes[start..start + i + 4].to_vec());
        start += i + 4;
    }
    out
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub fn parse_action(raw: &[u8]) -> Packet {
    let mut buf = BytesMut::from(raw);
    match AmiCodec::server().decode(&mut buf) {
        Ok(Some(Frame::Packet(p))) => p,
        other => panic!(
            "not one action: {other:?} from {:?}",
            String::from_utf8_lossy(raw)
        ),
    }
}

/// How a [`TestConnector`] answers a connection attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Open an in-memory pipe and give its far end to the test.
    Pipe,
    /// Fail as a closed port does.
    Refuse,
    /// Never finish connecting (a black-holed address).
    Hang,
}

/// An in-memory transport: each `connect` makes a `tokio::io::duplex` pipe
/// and hands the server end to the test over a channel.
#[derive(Debug)]
pub struct TestConnector {
    pub attempts: AtomicUsize,
    mode: Mode,
    servers: mpsc::UnboundedSender<DuplexStream>,
}

impl TestConnector {
    pub fn new(mode: Mode) -> (Arc<Self>, mpsc::UnboundedReceiver<DuplexStream>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Arc::new(Self {
                attempts: AtomicUsize::new(0),
                mode,
                servers: tx,
            }),
            rx,
        )
    }

    pub fn attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }
}

impl Connector for TestConnector {
    fn connect(&self) -> BoxFuture<'_, Result<BoxedStream, ConnectError>> {
        Box::pin(async move {
            self.attempts.fetch_add(1, Ordering::SeqCst);
            match self.mode {
                Mode::Refuse => Err(ConnectError::Refused),
                Mode::Hang => std::future::pending().await,
                Mode::Pipe => {
                    let (client, server) = tokio::io::duplex(64 * 1024);
                    let _ = self.servers.send(server);
                    Ok(Box::new(client) as BoxedStream)
                }
            }
        })
    }
}

/// The default test configuration: user `ringside` with the captures'
/// secret, talking to `pbx.test:5038` through `connector`.
pub fn config(connector: Arc<dyn Connector>) -> ClientConfig {
    ClientConfig::new("pbx.test", 5038, "ringside", Secret::new("ringside-secret"))
        .connector(connector)
}

/// The server side of one connection, reading raw action bytes.
pub struct Peer {
    pub io: BoxedStream,
    buf: Vec<u8>,
}

impl Peer {
    pub fn new(io: impl ringside_ami::AmiStream + 'static) -> Self {
        Self {
            io: Box::new(io),
            buf: Vec::new(),
        }
    }

    pub async fn write(&mut self, bytes: &[u8]) {
        // The client may have gone away (reconnect tests); that is fine.
        let _ = self.io.write_all(bytes).await;
    }

    pub async fn send(&mut self, p: &Packet) {
        self.write(&p.to_bytes().expect("test packets encode"))
            .await;
    }

    /// The next action as raw bytes (up to and including the blank line), or
    /// `None` when the client closed the connection.
    pub async fn read_raw(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                let rest = self.buf.split_off(i + 4);
                return Some(std::mem::replace(&mut self.buf, rest));
            }
            let mut chunk = [0u8; 4096];
            match self.io.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    pub async fn read_action(&mut self) -> Option<Packet> {
        Some(parse_action(&self.read_raw().await?))
    }

    /// Answers `Login` (and a `Challenge` before it) with success, after
    /// sending the banner.
    pub async fn accept_login(&mut self) {
        self.write(b"Asterisk Call Manager/12.0.0\r\n").await;
        loop {
            let Some(action) = self.read_action().await else {
                return;
            };
            let id = action.action_id().unwrap_or_default().to_owned();
            if action.is("Action", "Challenge") {
                self.send(
                    &Packet::new()
                        .with("Response", "Success")
                        .with("ActionID", id)
                        .with("Challenge", "1234"),
                )
                .await;
            } else if action.is("Action", "Login") {
                self.send(
                    &Packet::new()
                        .with("Response", "Success")
                        .with("ActionID", id)
                        .with("Message", "Authentication accepted"),
                )
                .await;
                return;
            }
        }
    }
}

/// Rewrites the `ActionID` line of a raw packet, to compare a client's
/// bytes with a capture's.
pub fn with_action_id(raw: &[u8], id: &str) -> String {
    let text = String::from_utf8_lossy(raw);
    text.split_inclusive("\r\n")
        .map(|line| {
            if line.to_ascii_lowercase().starts_with("actionid:") {
                format!("ActionID: {id}\r\n")
            } else {
                line.to_owned()
            }
        })
        .collect()
}

/// A copy of `p` with its ActionID replaced.
pub fn rewrite_id(p: &Packet, id: &str) -> Packet {
    let mut p = p.clone();
    p.set("ActionID", id);
    p
}

/// A pong for a Ping.
pub fn pong(id: &str) -> Packet {
    Packet::new()
        .with("Response", "Success")
        .with("ActionID", id)
        .with("Ping", "Pong")
}

/// Long enough that no keepalive fires during a test that does not want one.
pub const NO_KEEPALIVE: Duration = Duration::from_secs(24 * 3600);
