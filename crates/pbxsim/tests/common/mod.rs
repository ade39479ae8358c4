//! A deliberately minimal AMI client for the simulator's tests: a socket and
//! the shared `AmiCodec`, nothing of the real client, so these tests check
//! the simulator and not the client.

// Each test binary uses only some of these helpers.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use md5::{Digest, Md5};
use ringside_ami::{AmiCodec, Banner, Frame, Packet};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

/// How long any single wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// The repo's copy of the captures.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

/// Decodes every packet of a capture file with the client codec.
pub fn decode_file(name: &str) -> Vec<Packet> {
    use tokio_util::codec::Decoder;
    let mut buf =
        bytes::BytesMut::from(&std::fs::read(fixture(name)).expect("fixture readable")[..]);
    let mut codec = AmiCodec::client();
    let mut out = Vec::new();
    while let Some(f) = codec.decode_eof(&mut buf).expect("fixtures decode") {
        if let Frame::Packet(p) = f {
            out.push(p);
        }
    }
    out
}

/// Decodes a `.sent` file (the recording client's actions).
pub fn decode_actions(name: &str) -> Vec<Packet> {
    use tokio_util::codec::Decoder;
    let mut buf =
        bytes::BytesMut::from(&std::fs::read(fixture(name)).expect("fixture readable")[..]);
    let mut codec = AmiCodec::server();
    let mut out = Vec::new();
    while let Some(f) = codec.decode_eof(&mut buf).expect(".sent files decode") {
        if let Frame::Packet(p) = f {
            out.push(p);
        }
    }
    out
}

pub struct RawClient<S> {
    pub framed: Framed<S, AmiCodec>,
    pub banner: Option<Banner>,
    /// Events seen while waiting for responses.
    pub events: Vec<Packet>,
}

/// Starts a simulator in `dialect` and logs a raw client in with MD5, with
/// the login's own events cleared.
pub async fn logged_in(
    dialect: ringside_pbxsim::Dialect,
) -> (ringside_pbxsim::SimHandle, RawClient<TcpStream>) {
    let sim = ringside_pbxsim::PbxSim::start(ringside_pbxsim::SimConfig::dialect(dialect))
        .await
        .expect("starts");
    let mut c = connect(sim.addr()).await;
    let r = c.login_md5("ringside", "ringside-secret").await;
    assert_eq!(r.response(), Some("Success"), "login works");
    c.events.clear();
    (sim, c)
}

pub async fn connect(addr: SocketAddr) -> RawClient<TcpStream> {
    let tcp = TcpStream::connect(addr)
        .await
        .expect("simulator accepts connections");
    RawClient::over(tcp).await
}

impl<S: AsyncRead + AsyncWrite + Unpin> RawClient<S> {
    pub async fn over(stream: S) -> Self {
        let mut framed = Framed::new(stream, AmiCodec::client());
        let banner = match tokio::time::timeout(WAIT, framed.next()).await {
            Ok(Some(Ok(Frame::Banner(b)))) => Some(b),
            _ => None,
        };
        Self {
            framed,
            banner,
            events: Vec::new(),
        }
    }

    pub async fn send(&mut self, p: Packet) {
        self.framed.send(&p).await.expect("send action");
    }

    /// The next frame, `None` at EOF or error; panics after `WAIT`.
    pub async fn frame(&mut self) -> Option<Frame> {
        match tokio::time::timeout(WAIT, self.framed.next()).await {
            Ok(Some(Ok(f))) => Some(f),
            Ok(_) => None,
            Err(_) => panic!("nothing from the simulator within {WAIT:?}"),
        }
    }

    /// The next packet, `None` at EOF.
    pub async fn next(&mut self) -> Option<Packet> {
        loop {
            match self.frame().await? {
                Frame::Packet(p) => return Some(p),
                _ => continue,
            }
        }
    }

    /// Reads until the response carrying `id`, keeping events aside.
    pub async fn response(&mut self, id: &str) -> Packet {
        loop {
            let p = self
                .next()
                .await
                .expect("connection stays open until the response");
            // OriginateResponse is an event that also has a Response field.
            if p.response().is_some() && p.event().is_none() && p.action_id() == Some(id) {
                return p;
            }
            self.events.push(p);
        }
    }

    /// Sends an action with this ActionID and returns its response.
    pub async fn ask(&mut self, action: Packet, id: &str) -> Packet {
        self.send(action.with("ActionID", id)).await;
        self.response(id).await
    }

    /// Reads an event list: the response, then items until `EventList: Complete`.
    pub async fn list(&mut self, action: Packet, id: &str) -> (Packet, Vec<Packet>, Packet) {
        let first = self.ask(action, id).await;
        let mut items = Vec::new();
        loop {
            let p = self.next().await.expect("list completes before EOF");
            if p.action_id() != Some(id) {
                self.events.push(p);
                continue;
            }
            if p.is("EventList", "Complete") || p.event().is_some_and(|e| e.ends_with("Complete")) {
                return (first, items, p);
            }
            items.push(p);
        }
    }

    /// Challenge + MD5 login, as the captures do.
    pub async fn login_md5(&mut self, user: &str, secret: &str) -> Packet {
        let ch = self
            .ask(Packet::action("Challenge").with("AuthType", "MD5"), "1")
            .await;
        let challenge = ch.get("Challenge").expect("challenge answered").to_owned();
        let key = hex::encode(Md5::digest(format!("{challenge}{secret}").as_bytes()));
        let login = Packet::action("Login")
            .with("AuthType", "MD5")
            .with("Username", user)
            .with("Key", key)
            .with("Events", "on");
        self.ask(login, "2").await
    }

    pub async fn login_plain(&mut self, user: &str, secret: &str) -> Packet {
        self.ask(
            Packet::action("Login")
                .with("Username", user)
                .with("Secret", secret),
            "2",
        )
        .await
    }

    /// Collects events until one matches `stop` (included).
    pub async fn events_until(&mut self, stop: impl Fn(&Packet) -> bool) -> Vec<Packet> {
        let mut out = std::mem::take(&mut self.events);
        if out.iter().any(&stop) {
            return out;
        }
        loop {
            let p = self.next().await.expect("the event arrives before EOF");
            let done = stop(&p);
            out.push(p);
            if done {
                return out;
            }
        }
    }
}

/// Names of events in order.
pub fn names(events: &[Packet]) -> Vec<&str> {
    events.iter().filter_map(Packet::event).collect()
}

/// Events that shape a call: channels, states, dials, bridges, hangups, Cdr.
pub const SHAPING: &[&str] = &[
    "Newchannel",
    "Newstate",
    "DialBegin",
    "DialEnd",
    "Dial",
    "BridgeEnter",
    "BridgeLeave",
    "Bridge",
    "Hangup",
    "Cdr",
];

/// `Event(endpoint,detail)` for call-shaping events, e.g.
/// `DialBegin(PJSIP/carrier,Ring)` or `Dial(SIP/carrier,Begin)`.
pub fn signature(events: &[Packet]) -> Vec<String> {
    signature_of(events, SHAPING)
}

/// [`signature`] over a chosen set of event names.
pub fn signature_of(events: &[Packet], set: &[&str]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.event().is_some_and(|n| set.contains(&n)))
        .map(|e| {
            let chan = e
                .get("Channel")
                .or_else(|| e.get("Channel1"))
                .unwrap_or_default();
            let endpoint = chan.rsplit_once('-').map_or(chan, |(ep, _)| ep);
            let detail: String = ["SubEvent", "Bridgestate", "ChannelStateDesc", "DialStatus"]
                .iter()
                .filter_map(|k| e.get(k))
                .collect();
            format!("{}({endpoint},{detail})", e.event().unwrap_or_default())
        })
        .collect()
}
