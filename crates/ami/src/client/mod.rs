//! The AMI client: one long-lived, self-healing session with one PBX.
//!
//! [`Client`] is the public handle, a cheap `Clone` over a channel to the
//! task that owns the socket (`connection`). This module holds the handle
//! and the shapes of its answers; configuration, transports, TLS trust,
//! routing, login, backoff and the wording of state messages each have a
//! file of their own. Nothing here knows about calls or the UI.

mod backoff;
mod config;
mod connection;
mod connector;
mod event_queue;
mod login;
mod pending;
mod reader;
mod state;
mod tls;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};

pub use backoff::BackoffPolicy;
pub use config::{AuthMode, ClientConfig, Secret};
pub use connector::{AmiStream, BoxedStream, ConnectError, Connector, TcpConnector, TlsConnector};
pub use event_queue::EventStream;
pub use state::{ConnectionState, DisconnectReason, ReceivedEvent, SessionEvent};
pub use tls::{CertFingerprint, TlsFailure, TlsFailureKind, TlsTrust};

use crate::error::{Error, Result};
use crate::packet::Packet;
use connection::{Actor, Command, Shared};
use event_queue::{EventQueue, EventSender};
use pending::{Completed, Expect};

pub(crate) use reader::Reader;

/// How many requests may queue for the socket task before `send` waits.
const COMMAND_QUEUE: usize = 256;

/// The answer to an event-list action (`CoreShowChannels`,
/// `ExtensionStateList`, `Status`, `DeviceStateList`, `QueueStatus`,
/// `PJSIPShowEndpoints`, `SIPpeers`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventList {
    /// The response that opened the list (`EventList: start`).
    pub response: Packet,
    /// The list's items, in the order received, without the final event.
    pub events: Vec<Packet>,
    /// The event that ended the list (`EventList: Complete`, often with
    /// `ListItems: n`).
    pub complete: Packet,
}

/// A handle to one AMI session with one PBX. Cheap to clone; every clone
/// talks to the same task and the same socket.
///
/// ```no_run
/// # async fn demo() -> ringside_ami::Result<()> {
/// use ringside_ami::{Client, ClientConfig, Packet, Secret, SessionEvent};
/// let client = Client::start(ClientConfig::new("pbx.local", 5038, "ringside", Secret::new("s3cret")))?;
/// let mut events = client.events();
/// let mut state = client.state();
/// state.wait_for(|s| s.is_connected()).await.ok();
/// let pong = client.send(Packet::action("Ping")).await?;
/// let channels = client.send_list(Packet::action("CoreShowChannels")).await?;
/// while let Some(item) = events.recv().await {
///     if let SessionEvent::Event(ev) = item { println!("{:?}", ev.packet.event()); }
/// }
/// client.shutdown().await;
/// # Ok(()) }
/// ```
///
/// ## Behavior
///
/// - **One task owns the socket.** [`Client::start`] spawns it on the
///   current tokio runtime. It connects at once and stays connected until
///   [`Client::shutdown`] is called or every handle is dropped (then it
///   sends `Logoff` and stops).
/// - **Login** reads the banner, then uses the MD5 challenge (`Challenge`,
///   then `Login` with `Key`), falling back to the plain secret only if the
///   PBX answers the challenge with an error or [`AuthMode::Plain`] is set.
///   Connecting and logging in each have a timeout.
/// - **Reconnection** is automatic and never runs twice at once. After a
///   lost or unreachable connection it waits 0.5 s, doubling up to 30 s;
///   after a refused login, 30 s doubling up to 5 min, so a wrong password
///   never becomes a tight loop. Every delay is jittered (75-100 % of its
///   nominal value). The delays start over once a session has lasted a
///   minute.
/// - **Connection state** is published on [`Client::state`]: `Connecting`,
///   `Connected`, `AuthFailed`, `Unreachable`, `Disconnected`, each failure
///   with a message naming the user and `host:port` and saying what to do.
/// - **Actions** sent while no session is up fail at once with
///   [`Error::NotConnected`]; they are not queued for later. Each action gets
///   a fresh ActionID (any ActionID you set is replaced), unique per session,
///   and its answer is matched by it. No answer within the timeout (default
///   10 s) gives [`Error::Timeout`]; the late answer is read and dropped.
///   Actions in flight when the connection drops fail with
///   [`Error::ConnectionLost`]: whether the PBX carried them out is unknown.
/// - **Event lists** collect the events carrying the action's ActionID until
///   one says `EventList: Complete` (or `Cancelled`); no event name is
///   guessed. An error response ends the list at once.
/// - **Events** go to every [`EventStream`] from [`Client::events`], with a
///   `Connected` marker after each login and a `Disconnected` marker after
///   each session, so consumers know when to rebuild their state. A slow
///   subscriber loses the oldest events and is told how many
///   ([`SessionEvent::Lagged`]); reading from the PBX never waits for it.
/// - **Keepalive**: a `Ping` every 20 s; no answer within 10 s and the
///   connection is declared dead (this catches half-open TCP connections),
///   reported as `Disconnected` and re-established.
/// - **Secrets** are held as [`Secret`] and never logged.
#[derive(Debug, Clone)]
pub struct Client {
    commands: mpsc::Sender<Command>,
    events: Arc<EventQueue>,
    state: watch::Receiver<ConnectionState>,
    shared: Arc<Shared>,
    action_timeout: Duration,
}

impl Client {
    /// Starts the session task on the current tokio runtime and returns its
    /// handle. Fails only when the settings cannot work (e.g. an invalid TLS
    /// server name, or no CA certificates to verify against); connection
    /// problems are reported on [`Client::state`] instead.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn start(config: ClientConfig) -> Result<Client> {
        let connector = config.build_connector()?;
        let (commands, commands_rx) = mpsc::channel(COMMAND_QUEUE);
        let events = EventQueue::new(config.event_capacity);
        let (state_tx, state) = watch::channel(ConnectionState::Connecting { attempt: 1 });
        let shared = Arc::new(Shared::default());
        let client = Client {
            commands,
            events: events.clone(),
            state,
            shared: shared.clone(),
            action_timeout: config.action_timeout,
        };
        let actor = Actor {
            cfg: config,
            connector,
            commands: commands_rx,
            state: state_tx,
            events: EventSender::new(events),
            shared,
            id_prefix: format!("rs{:08x}", rand::random::<u32>()),
        };
        tokio::spawn(actor.run());
        Ok(client)
    }

    async fn request(
        &self,
        mut action: Packet,
        expect: Expect,
        timeout: Option<Duration>,
    ) -> Result<Completed> {
        if action.action_name().is_none() {
            return Err(Error::MissingAction);
        }
        // Refuse injection here, before the packet goes anywhere near the socket.
        action.validate()?;
        // The session assigns the real one; drop any caller-supplied ActionID
        // so a duplicate can never confuse matching.
        action.remove("ActionID");
        let (reply, answer) = oneshot::channel();
        let timeout = timeout.unwrap_or(self.action_timeout);
        self.commands
            .send(Command::Action {
                packet: action,
                expect,
                timeout,
                reply,
            })
            .await
            .map_err(|_| Error::Closed)?;
        answer.await.map_err(|_| Error::Closed)?
    }

    /// Sends an action and returns its response. `Response: Error` becomes
    /// [`Error::ActionFailed`] with the PBX's message.
    pub async fn send(&self, action: Packet) -> Result<Packet> {
        let name = action.action_name().unwrap_or_default().to_owned();
        let done = self.request(action, Expect::Single, None).await?;
        success(done.response, &name)
    }

    /// As [`Client::send`] with its own timeout instead of the default (for
    /// a synchronous `Originate` that waits for the phone to answer).
    pub async fn send_with_timeout(&self, action: Packet, timeout: Duration) -> Result<Packet> {
        let name = action.action_name().unwrap_or_default().to_owned();
        let done = self.request(action, Expect::Single, Some(timeout)).await?;
        success(done.response, &name)
    }

    /// Sends an action and returns its response as it is, `Response: Error`
    /// included.
    pub async fn send_raw(&self, action: Packet) -> Result<Packet> {
        Ok(self.request(action, Expect::Single, None).await?.response)
    }

    /// Sends an event-list action and returns the response and every event
    /// of the list, once an event says `EventList: Complete`.
    pub async fn send_list(&self, action: Packet) -> Result<EventList> {
        self.list(action, None).await
    }

    /// As [`Client::send_list`], for old PBXes (Asterisk 1.8 `Status`,
    /// `QueueStatus`) whose lists never say `EventList: Complete`: the list
    /// also ends at the event named `complete_event` (e.g. `StatusComplete`).
    pub async fn send_list_until(&self, action: Packet, complete_event: &str) -> Result<EventList> {
        self.list(action, Some(complete_event.to_owned())).await
    }

    async fn list(&self, action: Packet, end_event: Option<String>) -> Result<EventList> {
        let name = action.action_name().unwrap_or_default().to_owned();
        let done = self
            .request(action, Expect::List { end_event }, None)
            .await?;
        let response = success(done.response, &name)?;
        let Some(complete) = done.complete else {
            // Only an error response ends a list without its final event,
            // and that was handled above.
            return Err(Error::ListCancelled { action: name });
        };
        if complete.is("EventList", "Cancelled") {
            return Err(Error::ListCancelled { action: name });
        }
        Ok(EventList {
            response,
            events: done.events,
            complete,
        })
    }

    /// Subscribes to the session stream from now on. See [`EventStream`].
    /// A subscriber that joins while connected gets no `Connected` marker:
    /// check [`Client::state`] first.
    pub fn events(&self) -> EventStream {
        // Once the session task is gone, this is a stream that is already over.
        self.events.subscribe()
    }

    /// The connection state, as a `watch` receiver (`borrow()` for now,
    /// `changed()`/`wait_for()` to follow it).
    pub fn state(&self) -> watch::Receiver<ConnectionState> {
        self.state.clone()
    }

    /// The AMI version from the most recent banner (`12.0.0`, `1.3`), once
    /// a session has been up.
    pub fn banner_version(&self) -> Option<String> {
        self.shared.version.lock().ok().and_then(|v| v.clone())
    }

    /// How the latest connection attempt's TLS handshake failed, while the
    /// state is `Unreachable` because of it: the kind of problem and the
    /// fingerprint of the certificate the PBX presented, so the UI can offer
    /// to pin it. `None` after a successful login.
    pub fn last_tls_failure(&self) -> Option<TlsFailure> {
        self.shared.tls_failure.lock().ok().and_then(|t| t.clone())
    }

    /// Logs off (`Logoff`, waiting briefly for `Goodbye`), closes the
    /// connection and stops reconnecting. Returns when the session task
    /// has finished; later calls return at once.
    pub async fn shutdown(&self) {
        let (done, finished) = oneshot::channel();
        if self.commands.send(Command::Shutdown { done }).await.is_ok() {
            let _ = finished.await;
        }
    }
}

/// `Ok(response)` unless it is `Response: Error`.
fn success(response: Packet, action: &str) -> Result<Packet> {
    if !response.is("Response", "Error") {
        return Ok(response);
    }
    // A failing Command says "Command output follows"; its output says why.
    let output: Vec<&str> = response.get_all("Output").collect();
    let message = if output.is_empty() {
        response
            .get("Message")
            .unwrap_or("the PBX gave no reason")
            .to_owned()
    } else {
        output.join("\n")
    };
    Err(Error::ActionFailed {
        action: action.to_owned(),
        message,
    })
}
