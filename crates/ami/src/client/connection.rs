//! The task that owns the socket. One loop connects, logs in, runs the
//! session and waits out the backoff; while a session is up, a single
//! `select!` serves socket reads, socket writes, the command channel and one
//! timer (keepalive, action deadlines, logoff). It awaits nothing else, so a
//! slow event subscriber or a slow caller can never stall reading.
//!
//! It owns no policy of its own: messages are worded in `state`, routing
//! rules live in `pending`, delays come from `backoff`.

use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncWrite, AsyncWriteExt, WriteHalf};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{timeout, Instant};

use super::backoff::Backoff;
use super::config::ClientConfig;
use super::connector::{BoxedStream, ConnectError, Connector};
use super::event_queue::EventSender;
use super::login::{self, ActionIds, LoginFailure, Phase};
use super::pending::{Expect, Pendings, ReplyTx, Routed};
use super::state::{
    messages, now_unix_ms, ConnectionState, DisconnectReason, ReceivedEvent, SessionEvent,
};
use super::tls::TlsFailure;
use super::Reader;
use crate::codec::{AmiCodec, CodecError, Frame};
use crate::error::Error;
use crate::packet::Packet;

/// The most frames taken from the read buffer per turn of the session loop,
/// so commands and timers are served between bursts.
const MAX_BATCH: usize = 256;

/// How long a shutdown waits for the PBX's `Goodbye` before closing anyway.
const LOGOFF_GRACE: Duration = Duration::from_secs(2);

/// A request from a [`Client`](crate::Client) handle.
#[derive(Debug)]
pub(crate) enum Command {
    /// Send an action and deliver its answer.
    Action {
        packet: Packet,
        expect: Expect,
        timeout: Duration,
        reply: ReplyTx,
    },
    /// Log off and stop; `done` fires when the task has finished.
    Shutdown { done: oneshot::Sender<()> },
}

/// State the handles read directly.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// The AMI version from the most recent banner.
    pub(crate) version: Mutex<Option<String>>,
    /// How the latest connection attempt's TLS handshake failed, if it did;
    /// cleared by the next successful login.
    pub(crate) tls_failure: Mutex<Option<TlsFailure>>,
}

/// Shutdown bookkeeping: whether one was asked for, and who waits for it.
#[derive(Debug, Default)]
struct Stop {
    requested: bool,
    waiters: Vec<oneshot::Sender<()>>,
}

impl Stop {
    fn request(&mut self, done: Option<oneshot::Sender<()>>) {
        self.requested = true;
        self.waiters.extend(done);
    }
}

/// Runs `fut` while answering commands with [`Error::NotConnected`]. Returns
/// `None` when a shutdown was requested (or every handle is gone) first.
async fn serve_while<F: Future>(
    commands: &mut mpsc::Receiver<Command>,
    stop: &mut Stop,
    fut: F,
) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    loop {
        tokio::select! {
            out = &mut fut => return Some(out),
            cmd = commands.recv() => match cmd {
                Some(Command::Action { reply, .. }) => {
                    let _ = reply.send(Err(Error::NotConnected));
                }
                Some(Command::Shutdown { done }) => {
                    stop.request(Some(done));
                    return None;
                }
                None => {
                    stop.request(None);
                    return None;
                }
            }
        }
    }
}

/// A logged-in transport.
struct Session {
    reader: Reader,
    writer: WriteHalf<BoxedStream>,
    version: String,
    ids: ActionIds,
}

/// Why connecting or logging in failed, with the user-facing message.
enum Failure {
    Auth(String),
    /// Unreachable; with the TLS details when the handshake was the problem.
    Unreachable(String, Option<TlsFailure>),
}

/// Why a session ended.
enum End {
    /// The PBX closed the connection; `Some(restart)` when it announced its
    /// own shutdown first (`Event: Shutdown`).
    Closed(Option<bool>),
    Keepalive,
    Io(String),
    Shutdown,
}

/// Opens the transport and logs in, each inside its own timeout.
async fn establish(
    cfg: &ClientConfig,
    connector: &dyn Connector,
    host_port: &str,
    mut ids: ActionIds,
) -> Result<Session, Failure> {
    let stream = match timeout(cfg.connect_timeout, connector.connect()).await {
        Err(_) => {
            return Err(Failure::Unreachable(
                messages::connect_timeout(host_port, cfg.connect_timeout),
                None,
            ))
        }
        Ok(Err(e)) => {
            let tls = match &e {
                ConnectError::Tls(t) => Some(t.clone()),
                _ => None,
            };
            return Err(Failure::Unreachable(
                messages::connect_failed(&e, &cfg.host, host_port),
                tls,
            ));
        }
        Ok(Ok(stream)) => stream,
    };
    let (read, mut writer) = tokio::io::split(stream);
    let mut reader = Reader::new(read, AmiCodec::client());
    let mut phase = Phase::Banner;
    let result = timeout(
        cfg.login_timeout,
        login::login(
            &mut reader,
            &mut writer,
            cfg,
            &mut ids,
            &mut phase,
            host_port,
        ),
    )
    .await;
    match result {
        Err(_) => Err(Failure::Unreachable(
            match phase {
                Phase::Banner => messages::no_banner(host_port, cfg.login_timeout),
                Phase::Login => {
                    messages::login_no_answer(&cfg.username, host_port, cfg.login_timeout)
                }
            },
            None,
        )),
        Ok(Err(LoginFailure::Refused(message))) => Err(Failure::Auth(message)),
        Ok(Err(LoginFailure::Broken(message))) => Err(Failure::Unreachable(message, None)),
        Ok(Ok(version)) => Ok(Session {
            reader,
            writer,
            version,
            ids,
        }),
    }
}

/// Writes as much of `buf[*pos..]` as the transport takes, then flushes.
/// Progress is recorded inside the poll, so dropping the future between
/// polls (another `select!` branch won) never loses or repeats a byte.
fn poll_write_out<W: AsyncWrite + Unpin>(
    cx: &mut Context<'_>,
    writer: &mut W,
    buf: &mut Vec<u8>,
    pos: &mut usize,
    needs_flush: &mut bool,
) -> Poll<io::Result<()>> {
    while *pos < buf.len() {
        let n = ready!(Pin::new(&mut *writer).poll_write(cx, &buf[*pos..]))?;
        if n == 0 {
            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
        }
        *pos += n;
        *needs_flush = true;
    }
    buf.clear();
    *pos = 0;
    if *needs_flush {
        ready!(Pin::new(&mut *writer).poll_flush(cx))?;
        *needs_flush = false;
    }
    Poll::Ready(Ok(()))
}

/// The socket-owning task.
pub(crate) struct Actor {
    pub(crate) cfg: ClientConfig,
    pub(crate) connector: Arc<dyn Connector>,
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) state: watch::Sender<ConnectionState>,
    pub(crate) events: EventSender,
    pub(crate) shared: Arc<Shared>,
    /// Random per client, so ActionIDs differ between clients and sessions.
    pub(crate) id_prefix: String,
}

impl Actor {
    pub(crate) async fn run(mut self) {
        let host_port = self.cfg.host_port();
        let mut stop = Stop::default();
        let mut backoff = Backoff::new(self.cfg.backoff);
        let mut auth_backoff = Backoff::new(self.cfg.auth_backoff);
        let mut attempt: u32 = 0;
        let mut sessions: u64 = 0;
        loop {
            attempt = attempt.saturating_add(1);
            sessions += 1;
            self.state
                .send_replace(ConnectionState::Connecting { attempt });
            let ids = ActionIds::new(format!("{}.{sessions}", self.id_prefix));
            let establishing = establish(&self.cfg, &*self.connector, &host_port, ids);
            let Some(outcome) = serve_while(&mut self.commands, &mut stop, establishing).await
            else {
                break;
            };
            let delay = match outcome {
                Ok(session) => {
                    attempt = 0;
                    let started = Instant::now();
                    let end = self.run_session(session, &host_port, &mut stop).await;
                    let (reason, message) = match end {
                        End::Closed(None) => (
                            DisconnectReason::ClosedByPbx,
                            messages::closed_by_pbx(&host_port),
                        ),
                        End::Closed(Some(restart)) => (
                            DisconnectReason::ClosedByPbx,
                            messages::pbx_shut_down(&host_port, restart),
                        ),
                        End::Keepalive => (
                            DisconnectReason::KeepaliveTimeout,
                            messages::keepalive(&host_port, self.cfg.ping_timeout),
                        ),
                        End::Io(e) => (DisconnectReason::Io, messages::io_lost(&host_port, &e)),
                        End::Shutdown => {
                            (DisconnectReason::Shutdown, messages::shutdown(&host_port))
                        }
                    };
                    tracing::info!(pbx = %host_port, ?reason, "AMI session ended");
                    self.state
                        .send_replace(ConnectionState::Disconnected { reason, message });
                    self.events.send(SessionEvent::Disconnected);
                    if stop.requested {
                        break;
                    }
                    if started.elapsed() >= self.cfg.stable_after {
                        backoff.reset();
                        auth_backoff.reset();
                    }
                    backoff.next_delay()
                }
                Err(Failure::Auth(message)) => {
                    tracing::warn!(pbx = %host_port, user = %self.cfg.username, "AMI login refused");
                    self.state
                        .send_replace(ConnectionState::AuthFailed { message });
                    auth_backoff.next_delay()
                }
                Err(Failure::Unreachable(message, tls)) => {
                    tracing::warn!(pbx = %host_port, %message, "AMI connection failed");
                    if let Ok(mut slot) = self.shared.tls_failure.lock() {
                        *slot = tls;
                    }
                    self.state
                        .send_replace(ConnectionState::Unreachable { message });
                    backoff.next_delay()
                }
            };
            tracing::debug!(pbx = %host_port, ?delay, "waiting before reconnecting");
            if serve_while(&mut self.commands, &mut stop, tokio::time::sleep(delay))
                .await
                .is_none()
            {
                break;
            }
        }
        if !matches!(
            *self.state.borrow(),
            ConnectionState::Disconnected {
                reason: DisconnectReason::Shutdown,
                ..
            }
        ) {
            self.state.send_replace(ConnectionState::Disconnected {
                reason: DisconnectReason::Shutdown,
                message: messages::shutdown(&host_port),
            });
        }
        for done in stop.waiters.drain(..) {
            let _ = done.send(());
        }
    }

    async fn run_session(&mut self, mut s: Session, host_port: &str, stop: &mut Stop) -> End {
        tracing::info!(pbx = %host_port, version = %s.version, "AMI session up");
        if let Ok(mut v) = self.shared.version.lock() {
            *v = Some(s.version.clone());
        }
        if let Ok(mut tls) = self.shared.tls_failure.lock() {
            *tls = None;
        }
        self.state.send_replace(ConnectionState::Connected {
            version: s.version.clone(),
        });
        self.events.send(SessionEvent::Connected {
            version: s.version.clone(),
        });

        let cfg = &self.cfg;
        let mut pendings = Pendings::default();
        let mut out: Vec<u8> = Vec::new();
        let mut out_pos = 0usize;
        let mut needs_flush = false;
        let mut ping: Option<(String, Instant)> = None;
        let mut next_ping = Instant::now() + cfg.ping_interval;
        let mut closing: Option<(String, Instant)> = None;
        // Set when the PBX announces it is going down, to explain the hang-up.
        let mut pbx_shutdown: Option<bool> = None;
        let mut frames: Vec<Frame> = Vec::new();
        let mut published: Vec<SessionEvent> = Vec::new();
        let timer = tokio::time::sleep_until(next_ping);
        let mut timer = std::pin::pin!(timer);

        let end = loop {
            let mut wake = match &ping {
                Some((_, deadline)) => *deadline,
                None => next_ping,
            };
            if let Some(d) = pendings.next_deadline() {
                wake = wake.min(d);
            }
            if let Some((_, at)) = &closing {
                wake = wake.min(*at);
            }
            if timer.deadline() != wake {
                timer.as_mut().reset(wake);
            }

            tokio::select! {
                more = s.reader.read_frames(&mut frames, MAX_BATCH) => {
                    // Every frame of one read arrived at the same moment.
                    let received_at_ms = now_unix_ms();
                    let mut ended = None;
                    for frame in frames.drain(..) {
                        let Frame::Packet(p) = frame else {
                            if let Frame::Oversized { bytes } = frame {
                                tracing::warn!(pbx = %host_port, bytes, "skipped an oversized AMI packet");
                            }
                            continue;
                        };
                        if p.response().is_some() {
                            if ping.as_ref().is_some_and(|(id, _)| p.action_id() == Some(id)) {
                                ping = None;
                                next_ping = Instant::now() + cfg.ping_interval;
                                continue;
                            }
                            if closing.as_ref().is_some_and(|(id, _)| p.action_id() == Some(id)) {
                                ended = Some(End::Shutdown);
                                break;
                            }
                        }
                        match pendings.route(p) {
                            Routed::Consumed => {}
                            Routed::Event(p) => {
                                if p.is("Event", "Shutdown") {
                                    pbx_shutdown = Some(p.is("Restart", "True"));
                                }
                                published.push(SessionEvent::Event(Arc::new(ReceivedEvent {
                                    packet: p,
                                    received_at_ms,
                                })));
                            }
                            Routed::Unmatched(p) => {
                                tracing::debug!(packet = ?p, "AMI response matches no action; dropped");
                            }
                        }
                    }
                    frames.clear();
                    // One lock and one wake-up for all of this read's events.
                    let n = published.len();
                    self.events.send_all(published.drain(..));
                    // Each event is a unit of work for tokio's cooperative
                    // budget: on a runtime shared with the subscribers (a
                    // current-thread one in particular) they get a turn after
                    // every few bursts, instead of finding their queue overrun.
                    for _ in 0..n {
                        tokio::task::consume_budget().await;
                    }
                    if let Some(end) = ended {
                        break end;
                    }
                    match more {
                        Some(Ok(())) => {}
                        Some(Err(_)) | None if closing.is_some() => break End::Shutdown,
                        Some(Err(CodecError::Io(e))) if e.kind() == io::ErrorKind::UnexpectedEof => break End::Closed(pbx_shutdown),
                        Some(Err(e)) => break End::Io(e.to_string()),
                        None => break End::Closed(pbx_shutdown),
                    }
                },
                res = poll_fn(|cx| poll_write_out(cx, &mut s.writer, &mut out, &mut out_pos, &mut needs_flush)),
                    if out_pos < out.len() || needs_flush =>
                {
                    if let Err(e) = res {
                        break if closing.is_some() { End::Shutdown } else { End::Io(e.to_string()) };
                    }
                }
                cmd = self.commands.recv(), if closing.is_none() => match cmd {
                    Some(Command::Action { mut packet, expect, timeout, reply }) => {
                        let (id, seq) = s.ids.next_id();
                        packet.set("ActionID", id.clone());
                        let action = packet.action_name().unwrap_or_default().to_owned();
                        match packet.encode_into(&mut out) {
                            Ok(()) => {
                                tracing::trace!(%action, action_id = %id, "AMI action queued");
                                pendings.insert(id, seq, action, expect, Instant::now(), timeout, reply);
                            }
                            Err(e) => {
                                let _ = reply.send(Err(Error::Encode(e)));
                            }
                        }
                    }
                    Some(Command::Shutdown { done }) => {
                        stop.request(Some(done));
                        closing = Some(queue_logoff(&mut s.ids, &mut out));
                    }
                    None => {
                        stop.request(None);
                        closing = Some(queue_logoff(&mut s.ids, &mut out));
                    }
                },
                () = &mut timer => {
                    let now = Instant::now();
                    if closing.as_ref().is_some_and(|(_, at)| now >= *at) {
                        break End::Shutdown;
                    }
                    if ping.as_ref().is_some_and(|(_, deadline)| now >= *deadline) {
                        break End::Keepalive;
                    }
                    if ping.is_none() && now >= next_ping {
                        let (id, _) = s.ids.next_id();
                        match Packet::action("Ping").with("ActionID", id.as_str()).encode_into(&mut out) {
                            Ok(()) => ping = Some((id, now + cfg.ping_timeout)),
                            Err(e) => tracing::error!(error = %e, "cannot encode the keepalive Ping"),
                        }
                    }
                    pendings.expire(now);
                }
            }
        };

        pendings.fail_all();
        if matches!(end, End::Shutdown) {
            // Best effort: let the TLS layer say goodbye properly.
            let _ = timeout(Duration::from_millis(500), s.writer.shutdown()).await;
        }
        end
    }
}

/// Appends a `Logoff` to the output and returns its ActionID and the time to
/// give up waiting for the `Goodbye`.
fn queue_logoff(ids: &mut ActionIds, out: &mut Vec<u8>) -> (String, Instant) {
    let (id, _) = ids.next_id();
    if let Err(e) = Packet::action("Logoff")
        .with("ActionID", id.as_str())
        .encode_into(out)
    {
        tracing::error!(error = %e, "cannot encode Logoff");
    }
    (id, Instant::now() + LOGOFF_GRACE)
}
