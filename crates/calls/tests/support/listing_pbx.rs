//! A scripted AMI peer for the console's listings: it answers `ParkedCalls`,
//! `QueueStatus`, `QueueSummary` and `MailboxCount` with what a test puts
//! in its [`Book`], in either dialect's framing as the Asterisk sources
//! write it (Asterisk 11's `features.c` and `app_queue.c`: an ack without
//! `EventList`, items, then a `…Complete` event; 12+'s `res_parking` and
//! `app_queue.c`: `EventList: start` … `EventList: Complete`), refuses what
//! the test says, and sends the events the test pushes. The simulated PBX
//! lists no parked call, no queue caller and no mailbox, so the tests of
//! what the panels read at connect use this peer; it runs over an
//! in-memory pipe, with no port and no sleep.

use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::BytesMut;
use ringside_ami::{
    AmiCodec, BoxedStream, Client, ClientConfig, ConnectError, Connector, Frame, Packet, Secret,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;
use tokio_util::codec::Decoder;

/// How long the peer waits for the client's login.
const WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// What the peer holds and how it answers.
#[derive(Debug, Clone, Default)]
pub struct Book {
    /// Asterisk 1.x framing and banner (`Asterisk Call Manager/1.1`).
    pub old: bool,
    /// The phones, listed by `PJSIPShowEndpoints` (12+) or `SIPpeers` (1.x).
    pub phones: Vec<String>,
    /// `ParkedCall` items of the `ParkedCalls` answer.
    pub parked: Vec<Packet>,
    /// `QueueParams`/`QueueMember`/`QueueEntry` items of `QueueStatus`.
    pub queue_status: Vec<Packet>,
    /// `QueueSummary` items.
    pub queue_summary: Vec<Packet>,
    /// (mailbox, new, old) for `MailboxCount`.
    pub mailboxes: Vec<(String, u32, u32)>,
    /// Actions (lower case) answered `Response: Error` (`Permission denied`).
    pub refuse: Vec<&'static str>,
    /// `CoreShowChannels` is answered only once these actions (lower case)
    /// were received too: a client that waits for the calls before asking
    /// for them never gets its answer.
    pub calls_wait_for: Vec<&'static str>,
}

/// A client connected to a scripted peer.
pub struct ListingPbx {
    /// The client, logged in.
    pub client: Client,
    received: Arc<Mutex<Vec<Packet>>>,
    events: mpsc::UnboundedSender<Packet>,
}

impl ListingPbx {
    /// Starts the peer and a client of it, and waits for the login.
    pub async fn start(book: Book) -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let (events, events_rx) = mpsc::unbounded_channel();
        let connector = Arc::new(Pipe {
            book: Arc::new(book),
            received: received.clone(),
            events: Mutex::new(Some(events_rx)),
        });
        let config =
            ClientConfig::new("pbx.test", 5038, "ringside", Secret::new("ringside-secret"))
                .connector(connector);
        let client = Client::start(config).expect("client starts");
        tokio::time::timeout(WAIT, client.state().wait_for(|s| s.is_connected()))
            .await
            .expect("logs in in time")
            .expect("state stream open");
        Self {
            client,
            received,
            events,
        }
    }

    /// Sends an event to the client.
    pub fn send(&self, event: Packet) {
        let _ = self.events.send(event);
    }

    /// The actions received so far.
    pub fn received(&self) -> Vec<Packet> {
        self.received.lock().expect("not poisoned").clone()
    }
}

#[derive(Debug)]
struct Pipe {
    book: Arc<Book>,
    received: Arc<Mutex<Vec<Packet>>>,
    events: Mutex<Option<mpsc::UnboundedReceiver<Packet>>>,
}

type Connecting<'a> =
    Pin<Box<dyn std::future::Future<Output = Result<BoxedStream, ConnectError>> + Send + 'a>>;

impl Connector for Pipe {
    fn connect(&self) -> Connecting<'_> {
        let (client, server) = tokio::io::duplex(1 << 20);
        let events = self.events.lock().expect("not poisoned").take();
        tokio::spawn(serve(
            server,
            self.book.clone(),
            self.received.clone(),
            events,
        ));
        Box::pin(async move { Ok(Box::new(client) as BoxedStream) })
    }
}

async fn serve(
    mut io: DuplexStream,
    book: Arc<Book>,
    received: Arc<Mutex<Vec<Packet>>>,
    mut events: Option<mpsc::UnboundedReceiver<Packet>>,
) {
    let banner = if book.old { "1.1" } else { "12.0.0" };
    let mut out = format!("Asterisk Call Manager/{banner}\r\n").into_bytes();
    let _ = io.write_all(&out).await;
    let mut codec = AmiCodec::server();
    let mut buf = BytesMut::new();
    let mut names: Vec<String> = Vec::new();
    let mut held: Option<Packet> = None;
    loop {
        while let Ok(Some(Frame::Packet(action))) = codec.decode(&mut buf) {
            received.lock().expect("not poisoned").push(action.clone());
            let name = action
                .action_name()
                .unwrap_or_default()
                .to_ascii_lowercase();
            names.push(name.clone());
            let mut ready = vec![action];
            if name == "coreshowchannels" && !book.calls_wait_for.is_empty() {
                held = ready.pop();
            }
            let all_in = book
                .calls_wait_for
                .iter()
                .all(|w| names.iter().any(|n| n == w));
            if all_in {
                ready.extend(held.take());
            }
            out.clear();
            for action in &ready {
                for p in answer(&book, action) {
                    out.extend_from_slice(&p.to_bytes().expect("encodes"));
                }
            }
            if io.write_all(&out).await.is_err() {
                return;
            }
        }
        let mut chunk = [0u8; 4096];
        tokio::select! {
            read = io.read(&mut chunk) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            },
            Some(ev) = async { events.as_mut()?.recv().await }, if events.is_some() => {
                if io.write_all(&ev.to_bytes().expect("encodes")).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn reply(action: &Packet, kind: &str) -> Packet {
    let p = Packet::new().with("Response", kind);
    match action.action_id() {
        Some(id) => p.with("ActionID", id),
        None => p,
    }
}

fn with_id(mut p: Packet, action: &Packet) -> Packet {
    if let Some(id) = action.action_id() {
        p.push("ActionID", id);
    }
    p
}

/// A list in the dialect's framing.
fn list(book: &Book, action: &Packet, items: &[Packet], complete: &str) -> Vec<Packet> {
    let mut start = reply(action, "Success");
    if !book.old {
        start.push("EventList", "start");
    }
    start.push("Message", "Will follow");
    let mut out = vec![start];
    out.extend(items.iter().map(|p| with_id(p.clone(), action)));
    let mut end = with_id(Packet::new().with("Event", complete), action);
    if !book.old {
        end.push("EventList", "Complete");
        end.push("ListItems", items.len().to_string());
    }
    out.push(end);
    out
}

fn answer(book: &Book, action: &Packet) -> Vec<Packet> {
    let name = action
        .action_name()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if book.refuse.contains(&name.as_str()) {
        return vec![reply(action, "Error").with("Message", "Permission denied")];
    }
    match name.as_str() {
        "challenge" => vec![reply(action, "Success").with("Challenge", "1234")],
        "login" => vec![reply(action, "Success").with("Message", "Authentication accepted")],
        "ping" => vec![reply(action, "Success").with("Ping", "Pong")],
        "logoff" => vec![reply(action, "Goodbye")],
        // Asterisk 1.8 and 11 list channels and SIP peers with EventList too.
        "coreshowchannels" => list(&Book::default(), action, &[], "CoreShowChannelsComplete"),
        "parkedcalls" => list(book, action, &book.parked, "ParkedCallsComplete"),
        "queuestatus" => list(book, action, &book.queue_status, "QueueStatusComplete"),
        "queuesummary" => list(book, action, &book.queue_summary, "QueueSummaryComplete"),
        "pjsipshowendpoints" if !book.old => {
            let items: Vec<Packet> = book.phones.iter().map(|p| endpoint(p)).collect();
            list(book, action, &items, "EndpointListComplete")
        }
        "sippeers" if book.old => {
            let items: Vec<Packet> = book.phones.iter().map(|p| peer(p)).collect();
            list(&Book::default(), action, &items, "PeerlistComplete")
        }
        "mailboxcount" => {
            let mailbox = action.get("Mailbox").unwrap_or_default();
            let (new, old) = book
                .mailboxes
                .iter()
                .find(|(m, ..)| m == mailbox)
                .map_or((0, 0), |(_, n, o)| (*n, *o));
            vec![reply(action, "Success")
                .with("Message", "Mailbox Message Count")
                .with("Mailbox", mailbox)
                .with("UrgMessages", "0")
                .with("NewMessages", new.to_string())
                .with("OldMessages", old.to_string())]
        }
        _ => vec![reply(action, "Error").with("Message", "Invalid/unknown command")],
    }
}

fn endpoint(ext: &str) -> Packet {
    Packet::new()
        .with("Event", "EndpointList")
        .with("ObjectType", "endpoint")
        .with("ObjectName", ext)
        .with("Aor", ext)
        .with("Auths", ext)
        .with("OutboundAuths", "")
        .with("DeviceState", "Not in use")
        .with("ActiveChannels", "")
}

fn peer(ext: &str) -> Packet {
    Packet::new()
        .with("Event", "PeerEntry")
        .with("Channeltype", "SIP")
        .with("ObjectName", ext)
        .with("ChanObjectType", "peer")
        .with("IPaddress", "192.0.2.10")
        .with("Status", "OK (1 ms)")
}
