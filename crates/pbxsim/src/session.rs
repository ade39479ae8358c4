//! One AMI connection on the PBX side. A reader task decodes the client's
//! actions with [`AmiCodec::server`], records them, runs the login state
//! machine and asks `actions.rs` for answers; a writer loop owns the write
//! half and is the only place bytes go out: answers, live events, the
//! capture replay and every per-connection fault (drip, garbage, huge
//! packets, half-open silence, cut connections).
//!
//! The writer writes with `write_all`, so a client that stops reading slows
//! the replay down through TCP back-pressure instead of growing a buffer.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::ops::Range;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use md5::{Digest, Md5};
use ringside_ami::{AmiCodec, Frame, Packet};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, WriteHalf};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use crate::actions::{self, encode, error, response};
use crate::capture::Capture;
use crate::config::{Dialect, Pace, Replay};
use crate::fault::Fault;
use crate::shared::{Ctl, Shared};

/// A fast replay writes whole packets in pieces of about this size.
const REPLAY_CHUNK: usize = 64 * 1024;

/// From the reader to the writer, in order.
#[derive(Debug)]
enum Out {
    Bytes(Bytes),
    /// Login succeeded: subscribe to events (if wanted) before writing the
    /// response, so no event raised after the client sees the response is
    /// lost.
    LoggedIn {
        events: bool,
        response: Bytes,
    },
    Events(bool),
    Close,
}

/// Serves one connection until either side ends it.
pub(crate) async fn run<S>(shared: Arc<Shared>, stream: S, token: CancellationToken)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (rd, wr) = tokio::io::split(stream);
    let (ctl_tx, ctl_rx) = mpsc::unbounded_channel();
    let id = shared.add_session(ctl_tx);
    let mut writer = Writer::new(shared.clone(), wr);
    let banner = shared
        .replay
        .as_ref()
        .and_then(|r| r.capture.banner().map(str::to_owned))
        .or_else(|| shared.banner.clone())
        .unwrap_or_else(|| shared.dialect.banner().to_owned());
    let ok = writer.write(Bytes::from(format!("{banner}\r\n"))).await;
    if ok && !shared.close_after_banner.load(Ordering::SeqCst) {
        let (out_tx, out_rx) = mpsc::channel(64);
        let reader = tokio::spawn(read_actions(shared.clone(), rd, out_tx, token.clone()));
        writer.run(out_rx, ctl_rx, &token).await;
        token.cancel();
        let _ = reader.await;
    }
    if writer.logged_in {
        shared.logged_in_changed(false);
    }
    writer.close().await;
    shared.remove_session(id);
}

/// Where a session is in the login dance.
#[derive(Debug, Default)]
struct Auth {
    challenge: Option<String>,
    logged_in: bool,
    /// The logged-in user's `write=` classes.
    write: Vec<String>,
}

async fn read_actions<R>(
    shared: Arc<Shared>,
    rd: R,
    out: mpsc::Sender<Out>,
    token: CancellationToken,
) where
    R: AsyncRead + Send + Unpin,
{
    let mut frames = FramedRead::new(rd, AmiCodec::server());
    let mut auth = Auth::default();
    let login_deadline = shared.login_timeout.map(|t| Instant::now() + t);
    loop {
        let deadline = login_deadline.filter(|_| !auth.logged_in);
        let frame = tokio::select! {
            () = token.cancelled() => return,
            () = sleep_until_opt(deadline) => {
                tracing::debug!("no login within the login timeout; closing as Asterisk does");
                break;
            }
            f = frames.next() => f,
        };
        let packet = match frame {
            Some(Ok(Frame::Packet(p))) => p,
            // Asterisk ignores what it cannot parse and reads on.
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => break,
        };
        shared.record(&packet);
        let msgs = if auth.logged_in {
            after_login(&shared, &packet, &auth.write).await
        } else {
            before_login(&shared, &mut auth, &packet)
        };
        for m in msgs {
            if out.send(m).await.is_err() {
                return;
            }
        }
    }
    let _ = out.send(Out::Close).await;
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

async fn after_login(shared: &Arc<Shared>, packet: &Packet, write: &[String]) -> Vec<Out> {
    if packet
        .action_name()
        .is_some_and(|a| a.eq_ignore_ascii_case("logoff"))
    {
        return goodbye(packet);
    }
    let answer = actions::answer(shared, packet, write).await;
    let mut msgs = vec![Out::Bytes(Bytes::from(answer.bytes))];
    if let Some(on) = answer.events {
        msgs.push(Out::Events(on));
    }
    msgs
}

fn goodbye(packet: &Packet) -> Vec<Out> {
    let p = response(packet, "Goodbye").with("Message", "Thanks for all the fish.");
    vec![Out::Bytes(encode(&p)), Out::Close]
}

fn before_login(shared: &Shared, auth: &mut Auth, packet: &Packet) -> Vec<Out> {
    let action = packet.action_name().map(str::to_ascii_lowercase);
    match action.as_deref() {
        None | Some("") => vec![Out::Bytes(encode(&error(
            packet,
            "Missing action in request",
        )))],
        Some("challenge") => {
            if !packet.is("AuthType", "MD5") {
                return vec![Out::Bytes(encode(&error(packet, "Must specify AuthType")))];
            }
            let challenge = format!("{}", rand::random::<u32>() % 1_000_000_000);
            auth.challenge = Some(challenge.clone());
            vec![Out::Bytes(encode(
                &response(packet, "Success").with("Challenge", challenge),
            ))]
        }
        Some("login") => login(shared, auth, packet),
        Some("logoff") => goodbye(packet),
        Some(_) => vec![Out::Bytes(encode(&error(packet, "Permission denied")))],
    }
}

fn login(shared: &Shared, auth: &mut Auth, packet: &Packet) -> Vec<Out> {
    let user = packet
        .get("Username")
        .and_then(|u| shared.users.iter().find(|x| x.name == u));
    let secret_ok = user.is_some_and(|u| {
        if packet.is("AuthType", "MD5") {
            let (Some(challenge), Some(key)) = (&auth.challenge, packet.get("Key")) else {
                return false;
            };
            let digest = Md5::digest(format!("{challenge}{}", u.secret).as_bytes());
            hex::encode(digest).eq_ignore_ascii_case(key)
        } else {
            packet.get("Secret") == Some(u.secret.as_str())
        }
    });
    let permitted = user.is_some_and(|u| u.permitted);
    if !secret_ok || !permitted || shared.refuse_logins.load(Ordering::SeqCst) {
        // Asterisk answers a wrong secret and an ACL refusal alike, then
        // closes the session (tests/fixtures/ami/login-failed.ami).
        return vec![
            Out::Bytes(encode(&error(packet, "Authentication failed"))),
            Out::Close,
        ];
    }
    auth.logged_in = true;
    auth.write = user.map(|u| u.write.clone()).unwrap_or_default();
    let events = !packet
        .get("Events")
        .is_some_and(|e| e.eq_ignore_ascii_case("off"));
    let mut bytes = response(packet, "Success")
        .with("Message", "Authentication accepted")
        .to_bytes()
        .unwrap_or_default();
    // A replayed capture brings its own FullyBooted (and SuccessfulAuth).
    if events && shared.replay.is_none() {
        bytes.extend(encode(&fully_booted(shared.dialect)));
    }
    vec![Out::LoggedIn {
        events,
        response: Bytes::from(bytes),
    }]
}

fn fully_booted(dialect: Dialect) -> Packet {
    let p = Packet::new()
        .with("Event", "FullyBooted")
        .with("Privilege", "system,all");
    match dialect {
        Dialect::Modern => p
            .with("Uptime", "72")
            .with("LastReload", "72")
            .with("Status", "Fully Booted"),
        Dialect::Ami11 => p.with("Status", "Fully Booted"),
    }
}

/// Where a replay stands.
#[derive(Debug)]
struct ReplayCursor {
    capture: Arc<Capture>,
    pace: Pace,
    repeat: bool,
    next: usize,
    /// Not before this instant (kept across cancelled polls).
    not_before: Option<Instant>,
    /// When each packet left, if this replay claimed the sent log.
    log: Option<BufWriter<File>>,
}

impl ReplayCursor {
    fn new(r: &Replay) -> Self {
        let start = Instant::now() + r.start_delay;
        let first = match r.pace {
            Pace::Delay(d) => Some(start + d),
            _ if r.start_delay.is_zero() => None,
            _ => Some(start),
        };
        Self {
            capture: r.capture.clone(),
            pace: r.pace,
            repeat: r.repeat,
            next: 0,
            not_before: first,
            log: r.sent_log.as_ref().and_then(|l| l.claim()),
        }
    }

    /// Notes that `packets` leave now (a line each in the sent log).
    fn note_sent(&mut self, packets: Range<usize>) {
        let Some(log) = &mut self.log else { return };
        let now_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros());
        for i in packets {
            if writeln!(log, "{i} {now_us}").is_err() {
                self.log = None;
                return;
            }
        }
    }

    /// Writes out what the sent log holds (at the replay's end).
    fn flush_log(&mut self) {
        if let Some(mut log) = self.log.take() {
            if let Err(e) = log.flush() {
                eprintln!("ringside-pbxsim: cannot write the sent log: {e}");
            }
        }
    }

    /// The next piece to write and the indices of the packets in it, or
    /// `None` at the end. Cancel-safe.
    async fn next(&mut self) -> Option<(Bytes, Range<usize>)> {
        if self.next >= self.capture.packet_count() {
            if !self.repeat || self.capture.packet_count() == 0 {
                return None;
            }
            self.next = 0;
        }
        if let Some(t) = self.not_before {
            tokio::time::sleep_until(t).await;
        }
        let first = self.next;
        let bytes = match self.pace {
            Pace::AsFastAsPossible => {
                let (chunk, next) = self.capture.chunk(self.next, REPLAY_CHUNK);
                self.next = next;
                self.not_before = None;
                chunk
            }
            Pace::Delay(d) => {
                let p = self.capture.packet(self.next);
                self.next += 1;
                self.not_before = Some(Instant::now() + d);
                p
            }
            Pace::PerSecond(rate) => {
                let p = self.capture.packet(self.next);
                self.next += 1;
                let step = Duration::from_secs_f64(1.0 / rate.max(1e-3));
                self.not_before = Some(self.not_before.unwrap_or_else(Instant::now) + step);
                p
            }
        };
        Some((bytes, first..self.next))
    }
}

async fn next_replay(replay: &mut Option<ReplayCursor>) -> Option<(Bytes, Range<usize>)> {
    match replay {
        Some(r) => r.next().await,
        None => std::future::pending().await,
    }
}

async fn next_event(
    rx: &mut Option<broadcast::Receiver<Bytes>>,
) -> Result<Bytes, broadcast::error::RecvError> {
    match rx {
        Some(r) => r.recv().await,
        None => std::future::pending().await,
    }
}

/// The write half and everything that decides what goes on it.
struct Writer<W> {
    shared: Arc<Shared>,
    wr: WriteHalf<W>,
    drip: Option<Duration>,
    silent: bool,
    logged_in: bool,
    events: Option<broadcast::Receiver<Bytes>>,
    replay: Option<ReplayCursor>,
}

impl<W: AsyncRead + AsyncWrite + Send + Unpin> Writer<W> {
    fn new(shared: Arc<Shared>, wr: WriteHalf<W>) -> Self {
        Self {
            shared,
            wr,
            drip: None,
            silent: false,
            logged_in: false,
            events: None,
            replay: None,
        }
    }

    async fn run(
        &mut self,
        mut out: mpsc::Receiver<Out>,
        mut ctl: mpsc::UnboundedReceiver<Ctl>,
        token: &CancellationToken,
    ) {
        loop {
            let ok = tokio::select! {
                biased;
                () = token.cancelled() => false,
                c = ctl.recv() => match c {
                    Some(Ctl::Fault(f)) => self.fault(f).await,
                    Some(Ctl::Close) | None => false,
                },
                o = out.recv() => match o {
                    Some(Out::Bytes(b)) => self.write(b).await,
                    Some(Out::LoggedIn { events, response }) => self.logged_in(events, response).await,
                    Some(Out::Events(on)) => {
                        self.events = on.then(|| self.shared.events.subscribe());
                        true
                    }
                    Some(Out::Close) | None => false,
                },
                e = next_event(&mut self.events) => match e {
                    Ok(b) => self.write(b).await,
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::info!(missed = n, "client too slow for live events; dropping it as Asterisk would");
                        false
                    }
                    Err(broadcast::error::RecvError::Closed) => {
                        self.events = None;
                        true
                    }
                },
                r = next_replay(&mut self.replay) => match r {
                    Some((b, packets)) => {
                        self.note_phone_states(packets.clone());
                        if let Some(r) = &mut self.replay {
                            r.note_sent(packets);
                        }
                        self.write(b).await
                    }
                    None => {
                        if let Some(r) = &mut self.replay {
                            r.flush_log();
                        }
                        self.replay = None;
                        true
                    }
                },
            };
            if !ok {
                return;
            }
        }
    }

    async fn logged_in(&mut self, events: bool, response: Bytes) -> bool {
        self.logged_in = true;
        self.shared.logged_in_changed(true);
        if events {
            self.events = Some(self.shared.events.subscribe());
        }
        if !self.write(response).await {
            return false;
        }
        if let Some(r) = &self.shared.replay {
            self.replay = Some(ReplayCursor::new(r));
        }
        match self.shared.default_fault.clone() {
            Some(f) => self.fault(f).await,
            None => true,
        }
    }

    /// What the replayed packets about to be written say phones are doing
    /// becomes what this PBX lists for them (before the bytes go out, so an
    /// action answered after them agrees with them).
    fn note_phone_states(&self, packets: Range<usize>) {
        let Some(replay) = &self.replay else { return };
        let mut states = replay.capture.phone_states(packets).peekable();
        if states.peek().is_none() {
            return;
        }
        let mut w = self
            .shared
            .world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for state in states {
            w.note_phone_state(state);
        }
    }

    /// Writes bytes, honouring drip and silence. False when the peer is gone.
    async fn write(&mut self, bytes: Bytes) -> bool {
        if self.silent {
            return true;
        }
        let res = match self.drip {
            None => {
                async {
                    self.wr.write_all(&bytes).await?;
                    self.wr.flush().await
                }
                .await
            }
            Some(delay) => {
                async {
                    for b in bytes.iter() {
                        self.wr.write_all(std::slice::from_ref(b)).await?;
                        self.wr.flush().await?;
                        tokio::time::sleep(delay).await;
                    }
                    Ok(())
                }
                .await
            }
        };
        res.is_ok()
    }

    /// Carries out a per-connection fault. False when the session must end.
    async fn fault(&mut self, fault: Fault) -> bool {
        match fault {
            Fault::DisconnectMidPacket => {
                let p = sample_event(0);
                let _ = self.write(p.slice(..p.len() / 2)).await;
                false
            }
            Fault::Drip { delay } => {
                self.drip = Some(delay);
                true
            }
            Fault::Garbage { len } => {
                let mut junk: Vec<u8> = (0..len).map(|_| rand::random::<u8>()).collect();
                junk.extend_from_slice(b"\r\n\r\n");
                self.write(Bytes::from(junk)).await
            }
            Fault::HugePacket { bytes } => self.huge_packet(bytes).await,
            Fault::EndlessLine { bytes } => {
                if !self.write(Bytes::from_static(b"Event: ")).await {
                    return false;
                }
                let chunk = Bytes::from(vec![b'x'; REPLAY_CHUNK]);
                let mut left = bytes;
                while left > 0 {
                    let n = left.min(REPLAY_CHUNK as u64) as usize;
                    if !self.write(chunk.slice(..n)).await {
                        return false;
                    }
                    left -= n as u64;
                }
                self.write(Bytes::from_static(b"\r\n\r\n")).await
            }
            Fault::StopAnswering => {
                self.silent = true;
                self.replay = None;
                self.events = None;
                true
            }
            Fault::Flood { events } => {
                let mut buf = Vec::with_capacity(REPLAY_CHUNK + 512);
                for i in 0..events {
                    buf.extend_from_slice(&sample_event(i));
                    if buf.len() >= REPLAY_CHUNK {
                        if !self.write(Bytes::from(std::mem::take(&mut buf))).await {
                            return false;
                        }
                        buf.reserve(REPLAY_CHUNK + 512);
                    }
                }
                buf.is_empty() || self.write(Bytes::from(buf)).await
            }
            // Server-wide faults are handled by the handle.
            Fault::RefuseLogins | Fault::CloseAfterBanner | Fault::Restart { .. } => true,
        }
    }

    /// One event of about `total` bytes, streamed line by line.
    async fn huge_packet(&mut self, total: u64) -> bool {
        let head =
            Bytes::from_static(b"Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: Huge\r\n");
        if !self.write(head.clone()).await {
            return false;
        }
        let mut line = b"Data: ".to_vec();
        line.resize(1022, b'x');
        line.extend_from_slice(b"\r\n");
        let line = Bytes::from(line);
        // Batch lines so a 100 MiB packet takes a few thousand writes.
        let batch = Bytes::from(line.repeat(REPLAY_CHUNK / line.len()));
        let mut written = head.len() as u64;
        while written + (batch.len() as u64) + 2 <= total {
            if !self.write(batch.clone()).await {
                return false;
            }
            written += batch.len() as u64;
        }
        while written + (line.len() as u64) + 2 <= total {
            if !self.write(line.clone()).await {
                return false;
            }
            written += line.len() as u64;
        }
        self.write(Bytes::from_static(b"\r\n")).await
    }

    async fn close(&mut self) {
        let _ = self.wr.shutdown().await;
    }
}

/// A small valid event used by floods and cut-off packets.
fn sample_event(i: usize) -> Bytes {
    Bytes::from(format!(
        "Event: VarSet\r\nPrivilege: dialplan,all\r\nChannel: PJSIP/flood-{i:08x}\r\nUniqueid: 1795440000.{i}\r\nVariable: FLOOD\r\nValue: {i}\r\n\r\n"
    ))
}
