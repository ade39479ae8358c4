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
    /// Connects, runs the session and waits out the backoff, over and over,
    /// until a shutdown is asked for or every handle is gone.
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
                    self.session_ended(end, &host_port);
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
        self.finish(&host_port, stop);
    }

    /// Publishes why a session ended: the log line, the `Disconnected`
    /// state with its message, and the subscribers' `Disconnected` event.
    fn session_ended(&self, end: End, host_port: &str) {
        let (reason, message) = match end {
            End::Closed(None) => (
                DisconnectReason::ClosedByPbx,
                messages::closed_by_pbx(host_port),
            ),
            End::Closed(Some(restart)) => (
                DisconnectReason::ClosedByPbx,
                messages::pbx_shut_down(host_port, restart),
            ),
            End::Keepalive => (
                DisconnectReason::KeepaliveTimeout,
                messages::keepalive(host_port, self.cfg.ping_timeout),
            ),
            End::Io(e) => (DisconnectReason::Io, messages::io_lost(host_port, &e)),
            End::Shutdown => (DisconnectReason::Shutdown, messages::shutdown(host_port)),
        };
        tracing::info!(pbx = %host_port, ?reason, "AMI session ended");
        self.state
            .send_replace(ConnectionState::Disconnected { reason, message });
        self.events.send(SessionEvent::Disconnected);
    }

    /// The task's last step: the state ends as `Disconnected` by shutdown
    /// (unless it already is), then whoever waits for the shutdown is told.
    fn finish(&self, host_port: &str, stop: Stop) {
        if !matches!(
            *self.state.borrow(),
            ConnectionState::Disconnected {
                reason: DisconnectReason::Shutdown,
                ..
            }
        ) {
            self.state.send_replace(ConnectionState::Disconnected {
                reason: DisconnectReason::Shutdown,
                message: messages::shutdown(host_port),
            });
        }
        for done in stop.waiters {
            let _ = done.send(());
        }
    }

    /// Serves one logged-in session until it ends. Each `select!` branch
    /// awaits only its own future (a read, a write, a command, the timer);
    /// what a branch's result means is worked out by a [`Live`] method
    /// after the branch won.
    async fn run_session(&mut self, mut s: Session, host_port: &str, stop: &mut Stop) -> End {
        self.session_up(&s.version, host_port);
        let cfg = &self.cfg;
        let mut live = Live::new(Instant::now() + cfg.ping_interval);
        let timer = tokio::time::sleep_until(live.next_ping);
        let mut timer = std::pin::pin!(timer);

        let end = loop {
            let wake = live.wake_at();
            if timer.deadline() != wake {
                timer.as_mut().reset(wake);
            }

            tokio::select! {
                more = s.reader.read_frames(&mut live.frames, MAX_BATCH) => {
                    let ended = live.route_frames(host_port, cfg.ping_interval);
                    live.publish(&self.events).await;
                    if let Some(end) = ended {
                        break end;
                    }
                    if let Some(end) = live.read_end(more) {
                        break end;
                    }
                },
                res = poll_fn(|cx| poll_write_out(cx, &mut s.writer, &mut live.out, &mut live.out_pos, &mut live.needs_flush)),
                    if live.out_pos < live.out.len() || live.needs_flush =>
                {
                    if let Err(e) = res {
                        break if live.closing.is_some() { End::Shutdown } else { End::Io(e.to_string()) };
                    }
                }
                cmd = self.commands.recv(), if live.closing.is_none() => {
                    live.command(cmd, &mut s.ids, stop);
                }
                () = &mut timer => {
                    if let Some(end) = live.timer_fired(&mut s.ids, cfg.ping_timeout) {
                        break end;
                    }
                }
            }
        };

        live.pendings.fail_all();
        if matches!(end, End::Shutdown) {
            // Best effort: let the TLS layer say goodbye properly.
            let _ = timeout(Duration::from_millis(500), s.writer.shutdown()).await;
        }
        end
    }

    /// Publishes a new session: the log line, the version and cleared TLS
    /// failure the handles read, the `Connected` state and event.
    fn session_up(&self, version: &str, host_port: &str) {
        tracing::info!(pbx = %host_port, version = %version, "AMI session up");
        if let Ok(mut v) = self.shared.version.lock() {
            *v = Some(version.to_owned());
        }
        if let Ok(mut tls) = self.shared.tls_failure.lock() {
            *tls = None;
        }
        self.state.send_replace(ConnectionState::Connected {
            version: version.to_owned(),
        });
        self.events.send(SessionEvent::Connected {
            version: version.to_owned(),
        });
    }
}

/// What one session keeps between turns of its loop. The session's
/// `select!` borrows these fields one by one for its branches; the methods
/// run only after a branch won, so none of them can be cancelled halfway.
struct Live {
    /// Actions sent and waiting for their answer.
    pendings: Pendings,
    /// Encoded actions waiting to be written.
    out: Vec<u8>,
    /// How much of `out` is written already.
    out_pos: usize,
    /// Written bytes not flushed yet.
    needs_flush: bool,
    /// The keepalive `Ping` in flight: its ActionID and answer deadline.
    ping: Option<(String, Instant)>,
    /// When to send the next keepalive, if none is in flight.
    next_ping: Instant,
    /// The `Logoff` sent at shutdown: its ActionID and when to stop waiting.
    closing: Option<(String, Instant)>,
    /// Set when the PBX announces it is going down, to explain the hang-up.
    pbx_shutdown: Option<bool>,
    /// The frames of the latest read.
    frames: Vec<Frame>,
    /// The latest read's events, published together.
    published: Vec<SessionEvent>,
}

impl Live {
    fn new(next_ping: Instant) -> Self {
        Self {
            pendings: Pendings::default(),
            out: Vec::new(),
            out_pos: 0,
            needs_flush: false,
            ping: None,
            next_ping,
            closing: None,
            pbx_shutdown: None,
            frames: Vec::new(),
            published: Vec::new(),
        }
    }

    /// When the timer must fire next: the keepalive (its answer deadline
    /// while one is in flight), an action's deadline or the logoff's grace,
    /// whichever comes first.
    fn wake_at(&self) -> Instant {
        let mut wake = match &self.ping {
            Some((_, deadline)) => *deadline,
            None => self.next_ping,
        };
        if let Some(d) = self.pendings.next_deadline() {
            wake = wake.min(d);
        }
        if let Some((_, at)) = &self.closing {
            wake = wake.min(*at);
        }
        wake
    }

    /// Takes the frames of one read: the keepalive's answer re-arms the
    /// keepalive, the logoff's answer ends the session (`Some`, the frames
    /// after it are dropped), the rest go to the pending actions or, as
    /// events, to `published`.
    fn route_frames(&mut self, host_port: &str, ping_interval: Duration) -> Option<End> {
        // Every frame of one read arrived at the same moment.
        let received_at_ms = now_unix_ms();
        let mut ended = None;
        for frame in self.frames.drain(..) {
            let Frame::Packet(p) = frame else {
                if let Frame::Oversized { bytes } = frame {
                    tracing::warn!(pbx = %host_port, bytes, "skipped an oversized AMI packet");
                }
                continue;
            };
            if p.response().is_some() {
                if self
                    .ping
                    .as_ref()
                    .is_some_and(|(id, _)| p.action_id() == Some(id))
                {
                    self.ping = None;
                    self.next_ping = Instant::now() + ping_interval;
                    continue;
                }
                if self
                    .closing
                    .as_ref()
                    .is_some_and(|(id, _)| p.action_id() == Some(id))
                {
                    ended = Some(End::Shutdown);
                    break;
                }
            }
            match self.pendings.route(p) {
                Routed::Consumed => {}
                Routed::Event(p) => {
                    if p.is("Event", "Shutdown") {
                        self.pbx_shutdown = Some(p.is("Restart", "True"));
                    }
                    self.published
                        .push(SessionEvent::Event(Arc::new(ReceivedEvent {
                            packet: p,
                            received_at_ms,
                        })));
                }
                Routed::Unmatched(p) => {
                    tracing::debug!(packet = ?p, "AMI response matches no action; dropped");
                }
            }
        }
        self.frames.clear();
        ended
    }

    /// Hands the latest read's events to the subscribers.
    async fn publish(&mut self, events: &EventSender) {
        // One lock and one wake-up for all of this read's events.
        let n = self.published.len();
        events.send_all(self.published.drain(..));
        // Each event is a unit of work for tokio's cooperative
        // budget: on a runtime shared with the subscribers (a
        // current-thread one in particular) they get a turn after
        // every few bursts, instead of finding their queue overrun.
        for _ in 0..n {
            tokio::task::consume_budget().await;
        }
    }

    /// How the session ends after a read that returned `more`, if it does:
    /// any end while logging off is the shutdown, an end of stream is the
    /// PBX closing, any other error is a lost connection.
    fn read_end(&self, more: Option<Result<(), CodecError>>) -> Option<End> {
        match more {
            Some(Ok(())) => None,
            Some(Err(_)) | None if self.closing.is_some() => Some(End::Shutdown),
            Some(Err(CodecError::Io(e))) if e.kind() == io::ErrorKind::UnexpectedEof => {
                Some(End::Closed(self.pbx_shutdown))
            }
            Some(Err(e)) => Some(End::Io(e.to_string())),
            None => Some(End::Closed(self.pbx_shutdown)),
        }
    }

    /// A handle's command: an action is given its ActionID and queued for
    /// writing; a shutdown (or the last handle going away) queues the logoff.
    fn command(&mut self, cmd: Option<Command>, ids: &mut ActionIds, stop: &mut Stop) {
        match cmd {
            Some(Command::Action {
                mut packet,
                expect,
                timeout,
                reply,
            }) => {
                let (id, seq) = ids.next_id();
                packet.set("ActionID", id.clone());
                let action = packet.action_name().unwrap_or_default().to_owned();
                match packet.encode_into(&mut self.out) {
                    Ok(()) => {
                        tracing::trace!(%action, action_id = %id, "AMI action queued");
                        self.pendings.insert(
                            id,
                            seq,
                            action,
                            expect,
                            Instant::now(),
                            timeout,
                            reply,
                        );
                    }
                    Err(e) => {
                        let _ = reply.send(Err(Error::Encode(e)));
                    }
                }
            }
            Some(Command::Shutdown { done }) => {
                stop.request(Some(done));
                self.closing = Some(queue_logoff(ids, &mut self.out));
            }
            None => {
                stop.request(None);
                self.closing = Some(queue_logoff(ids, &mut self.out));
            }
        }
    }

    /// The timer fired: the session ends when the logoff's grace or the
    /// keepalive's deadline ran out (`Some`); otherwise a keepalive is
    /// queued when due, and actions past their deadline fail.
    fn timer_fired(&mut self, ids: &mut ActionIds, ping_timeout: Duration) -> Option<End> {
        let now = Instant::now();
        if self.closing.as_ref().is_some_and(|(_, at)| now >= *at) {
            return Some(End::Shutdown);
        }
        if self
            .ping
            .as_ref()
            .is_some_and(|(_, deadline)| now >= *deadline)
        {
            return Some(End::Keepalive);
        }
        if self.ping.is_none() && now >= self.next_ping {
            let (id, _) = ids.next_id();
            match Packet::action("Ping")
                .with("ActionID", id.as_str())
                .encode_into(&mut self.out)
            {
                Ok(()) => self.ping = Some((id, now + ping_timeout)),
                Err(e) => tracing::error!(error = %e, "cannot encode the keepalive Ping"),
            }
        }
        self.pendings.expire(now);
        None
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
