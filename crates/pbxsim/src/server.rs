//! The listening side: [`PbxSim::start`] binds, accepts (plain TCP or TLS)
//! and runs one session task per connection; [`SimHandle`] is the test's or
//! app's grip on the running server: what it received, scripted calls,
//! faults, shutdown. Server-wide faults (refused logins, permit-list close,
//! restart) live here; per-connection behaviour lives in `session.rs`.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ringside_ami::Packet;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{Dialect, SimConfig};
use crate::error::{Error, Result};
use crate::fault::Fault;
use crate::openvox::SentSms;
use crate::scenario::{self, CallSpec, Scenario};
use crate::session;
use crate::shared::{Ctl, Shared};
use crate::world::World;

/// How many live events a session may fall behind before it is dropped,
/// as Asterisk drops a client that does not read within `writetimeout`.
const EVENT_BACKLOG: usize = 16 * 1024;

/// The simulated PBX. See [`PbxSim::start`].
#[derive(Debug)]
pub struct PbxSim;

impl PbxSim {
    /// Binds `config.listen` and serves AMI until [`SimHandle::shutdown`]
    /// (or until the handle is dropped).
    ///
    /// ```no_run
    /// # async fn demo() -> ringside_pbxsim::Result<()> {
    /// use ringside_pbxsim::{Party, PbxSim, Scenario, SimConfig};
    /// let sim = PbxSim::start(SimConfig::default()).await?;
    /// println!("AMI on {}", sim.addr());
    /// sim.play(Scenario::incoming(Party::new("+15551234567", "ACME Corp"), "5550100", "1001"));
    /// # Ok(()) }
    /// ```
    pub async fn start(config: SimConfig) -> Result<SimHandle> {
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| Error::Listen {
                addr: config.listen.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Listen {
            addr: config.listen.to_string(),
            source,
        })?;
        let tls = match &config.tls {
            Some(t) => Some(tokio_rustls::TlsAcceptor::from(t.server_config()?)),
            None => None,
        };
        let (events, _) = broadcast::channel(EVENT_BACKLOG);
        let world = World::new(&config, events.clone());
        let shared = Arc::new(Shared::new(&config, world, events));
        if let Some(f) = &config.fault {
            apply_server_flag(&shared, f);
        }
        let token = CancellationToken::new();
        let (restart_tx, restart_rx) = mpsc::unbounded_channel();
        let accept = tokio::spawn(accept_loop(
            listener,
            addr,
            tls,
            shared.clone(),
            token.clone(),
            restart_rx,
        ));
        let mut tasks = vec![accept];
        if let Some((every, calls)) = config.demo_plan() {
            tasks.push(tokio::spawn(demo_loop(
                shared.clone(),
                every,
                calls,
                token.clone(),
            )));
            if config.openvox.is_some() {
                tasks.push(tokio::spawn(demo_sms_loop(
                    shared.clone(),
                    every,
                    token.clone(),
                )));
            }
        }
        Ok(SimHandle {
            addr,
            shared,
            token,
            restart: restart_tx,
            tasks: Mutex::new(tasks),
        })
    }
}

fn apply_server_flag(shared: &Shared, fault: &Fault) {
    match fault {
        Fault::RefuseLogins => shared.refuse_logins.store(true, Ordering::SeqCst),
        Fault::CloseAfterBanner => shared.close_after_banner.store(true, Ordering::SeqCst),
        _ => {}
    }
}

async fn accept_loop(
    mut listener: TcpListener,
    addr: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
    token: CancellationToken,
    mut restart: mpsc::UnboundedReceiver<Duration>,
) {
    loop {
        tokio::select! {
            () = token.cancelled() => return,
            Some(down_for) = restart.recv() => {
                drop(listener);
                shared.broadcast_ctl(&Ctl::Close);
                shared.world.lock().unwrap_or_else(std::sync::PoisonError::into_inner).wipe();
                tokio::select! {
                    () = token.cancelled() => return,
                    () = tokio::time::sleep(down_for) => {}
                }
                listener = loop {
                    match TcpListener::bind(addr).await {
                        Ok(l) => break l,
                        Err(e) => {
                            tracing::warn!(%addr, error = %e, "re-binding after simulated restart failed; retrying");
                            tokio::select! {
                                () = token.cancelled() => return,
                                () = tokio::time::sleep(Duration::from_millis(50)) => {}
                            }
                        }
                    }
                };
            }
            accepted = listener.accept() => {
                let (tcp, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                let shared = shared.clone();
                let token = token.child_token();
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        None => session::run(shared, tcp, token).await,
                        Some(acceptor) => match acceptor.accept(tcp).await {
                            Ok(stream) => session::run(shared, stream, token).await,
                            Err(e) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        },
                    }
                });
            }
        }
    }
}

async fn demo_loop(
    shared: Arc<Shared>,
    every: Duration,
    calls: Vec<Scenario>,
    token: CancellationToken,
) {
    // A first call soon after start, so a newcomer sees a popup at once.
    let mut next = tokio::time::Instant::now() + every.min(Duration::from_secs(2));
    for scenario in calls.iter().cycle() {
        tokio::select! {
            () = token.cancelled() => return,
            () = tokio::time::sleep_until(next) => {}
        }
        tokio::spawn(scenario::play(shared.world.clone(), scenario.clone()));
        next += every;
    }
}

/// On a demo gateway, an incoming SMS every third demo period, the
/// messages in turn, so the app's SMS view has something to show.
async fn demo_sms_loop(shared: Arc<Shared>, every: Duration, token: CancellationToken) {
    let messages = crate::openvox::demo_messages();
    let period = every * 3;
    let mut next = tokio::time::Instant::now() + every.min(Duration::from_secs(5));
    for (span, sender, text) in messages.iter().cycle() {
        tokio::select! {
            () = token.cancelled() => return,
            () = tokio::time::sleep_until(next) => {}
        }
        shared
            .world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .incoming_sms(*span, sender, text);
        next += period;
    }
}

/// A scripted call being played; drop it to let the call run on its own.
#[derive(Debug)]
pub struct Playing(JoinHandle<()>);

impl Playing {
    /// Waits until the call has ended (every channel hung up).
    pub async fn finished(self) {
        let _ = self.0.await;
    }
}

/// The running simulated PBX.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    token: CancellationToken,
    restart: mpsc::UnboundedSender<Duration>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl SimHandle {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The dialect it speaks.
    pub fn dialect(&self) -> Dialect {
        self.shared.dialect
    }

    /// Every action packet received so far, from all sessions, in order
    /// (Login included, with its secret or key).
    pub fn received(&self) -> Vec<Packet> {
        self.shared.received()
    }

    /// Waits up to `timeout` for a received action matching `pred` (also
    /// one received before the call) and returns it.
    pub async fn wait_for_action(
        &self,
        timeout: Duration,
        pred: impl Fn(&Packet) -> bool,
    ) -> Option<Packet> {
        let mut rx = self.shared.watch_received();
        let wait = async {
            loop {
                if let Some(p) = self.received().into_iter().find(|p| pred(p)) {
                    return Some(p);
                }
                if rx.changed().await.is_err() {
                    return None;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.ok().flatten()
    }

    /// Waits up to `timeout` until at least `n` sessions are logged in.
    pub async fn wait_logged_in(&self, n: usize, timeout: Duration) -> bool {
        let mut rx = self.shared.watch_logged_in();
        tokio::time::timeout(timeout, rx.wait_for(|&c| c >= n))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// How many sessions are logged in now.
    pub fn logged_in(&self) -> usize {
        self.shared.logged_in()
    }

    /// Starts a scripted call; its events go to every logged-in session.
    pub fn play(&self, scenario: Scenario) -> Playing {
        Playing(tokio::spawn(scenario::play(
            self.shared.world.clone(),
            scenario,
        )))
    }

    /// Starts a call written as text ([`CallSpec`]) once a client is logged
    /// in (at once if one is), after the spec's `after`: a call from the
    /// command line rings when someone is there to see it.
    pub fn play_spec(&self, spec: CallSpec) -> Playing {
        let shared = self.shared.clone();
        Playing(tokio::spawn(async move {
            let mut logged_in = shared.watch_logged_in();
            if logged_in.wait_for(|&n| n >= 1).await.is_err() {
                return;
            }
            tokio::time::sleep(spec.after).await;
            scenario::play(shared.world.clone(), spec.scenario).await;
        }))
    }

    /// Every SMS clients sent with `gsm send sms` (OpenVox mode), in order,
    /// with the text exactly as the gateway's CLI read it.
    pub fn sent_sms(&self) -> Vec<SentSms> {
        self.shared.sent_sms()
    }

    /// Announces an incoming SMS as an OpenVox gateway does: a `Newexten`
    /// of the `sms` extension on `EXTRA-SMS/<span>-1`, context
    /// `gsm-<span>`, whose `AppData` runs `process_sms` with the span,
    /// sender, receive time (now, UTC) and message (see
    /// [`openvox::sms_app_data`](crate::openvox::sms_app_data)), then the
    /// dialplan's `Hangup` priority with the same `Uniqueid`. Returns that
    /// `Uniqueid`. Works in any mode, so a test can also show that a
    /// non-gateway client ignores it.
    pub fn inject_sms(&self, span: u32, sender: &str, text: &str) -> String {
        self.shared
            .world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .incoming_sms(span, sender, text)
    }

    /// Marks an extension's phone unregistered (state 4) or registered again.
    pub fn set_unavailable(&self, exten: &str, unavailable: bool) {
        self.shared
            .world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .set_unavailable(exten, unavailable);
    }

    /// Something watches extension `exten` (a phone subscribed to its BLF):
    /// with [`Hints::Pattern`](crate::Hints::Pattern), its hint exists from
    /// now on, so `ExtensionStateList` lists it and `ExtensionStatus`
    /// reports it. Changes nothing with one hint per extension.
    pub fn watch_hint(&self, exten: &str) {
        self.shared
            .world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .watch_hint(exten);
    }

    /// `(extension, state)` for every extension, with the `ExtensionStatus`
    /// codes: 0 idle, 1 in use, 4 unavailable, 8 ringing, 9 in use and
    /// ringing, 16 on hold.
    pub fn extension_states(&self) -> Vec<(String, u8)> {
        self.shared
            .world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extension_states()
    }

    /// Names of the live channels, oldest first.
    pub fn channels(&self) -> Vec<String> {
        let w = self
            .shared
            .world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        w.channels().map(|c| c.name.clone()).collect()
    }

    /// Injects a fault; see [`Fault`] for which sessions it hits.
    pub fn inject(&self, fault: Fault) {
        match fault {
            Fault::RefuseLogins | Fault::CloseAfterBanner => {
                apply_server_flag(&self.shared, &fault)
            }
            Fault::Restart { down_for } => {
                let _ = self.restart.send(down_for);
            }
            f => self.shared.broadcast_ctl(&Ctl::Fault(f)),
        }
    }

    /// Lifts the server-wide faults (refused logins, close after banner).
    /// Sessions already dripping or silent stay so; they end with their
    /// connection.
    pub fn heal(&self) {
        self.shared.refuse_logins.store(false, Ordering::SeqCst);
        self.shared
            .close_after_banner
            .store(false, Ordering::SeqCst);
    }

    /// Closes every session and stops listening.
    pub async fn shutdown(self) {
        self.token.cancel();
        self.shared.broadcast_ctl(&Ctl::Close);
        let tasks = std::mem::take(
            &mut *self
                .tasks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for t in tasks {
            let _ = t.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.token.cancel();
        self.shared.broadcast_ctl(&Ctl::Close);
    }
}
