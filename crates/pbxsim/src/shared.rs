//! The state the server, its sessions and the handle share: what a session
//! needs of the configuration, the live world and its event broadcast, what
//! clients sent (actions and SMS), the running sessions with the control
//! channel to each ([`Ctl`]), the logged-in count and the server-wide fault
//! flags.
//!
//! It uses none of the modules that hold it (`server.rs`, `session.rs`,
//! `actions.rs`), so they all depend on it and not on each other.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use ringside_ami::Packet;
use tokio::sync::{broadcast, mpsc, watch};

use crate::config::{Dialect, Replay, SimConfig, SimUser};
use crate::fault::Fault;
use crate::openvox::{OpenVox, SentSms};
use crate::world::World;

/// Control from the handle to one session.
#[derive(Debug, Clone)]
pub(crate) enum Ctl {
    Fault(Fault),
    Close,
}

/// State shared by the server, its sessions and the handle.
pub(crate) struct Shared {
    pub dialect: Dialect,
    pub users: Vec<SimUser>,
    pub replay: Option<Replay>,
    pub default_fault: Option<Fault>,
    pub login_timeout: Option<Duration>,
    pub banner: Option<String>,
    pub openvox: Option<OpenVox>,
    sms_sent: Mutex<Vec<SentSms>>,
    pub world: Arc<Mutex<World>>,
    pub events: broadcast::Sender<Bytes>,
    received: Mutex<Vec<Packet>>,
    received_count: watch::Sender<usize>,
    sessions: Mutex<Vec<(u64, mpsc::UnboundedSender<Ctl>)>>,
    next_session: AtomicU64,
    pub refuse_logins: AtomicBool,
    pub close_after_banner: AtomicBool,
    logged_in: watch::Sender<usize>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// The state of a server started with `config`, around its `world`,
    /// whose events go out through `events`: nothing received, no
    /// session, nobody logged in, no server-wide fault set.
    pub fn new(config: &SimConfig, world: World, events: broadcast::Sender<Bytes>) -> Self {
        Self {
            dialect: config.dialect,
            users: config.users.clone(),
            replay: config.replay.clone(),
            default_fault: config.fault.clone(),
            login_timeout: config.login_timeout,
            banner: config.banner.clone(),
            openvox: config.openvox.clone(),
            sms_sent: Mutex::new(Vec::new()),
            world: Arc::new(Mutex::new(world)),
            events,
            received: Mutex::new(Vec::new()),
            received_count: watch::channel(0).0,
            sessions: Mutex::new(Vec::new()),
            next_session: AtomicU64::new(1),
            refuse_logins: AtomicBool::new(false),
            close_after_banner: AtomicBool::new(false),
            logged_in: watch::channel(0).0,
        }
    }

    /// Records an action a client sent.
    pub fn record(&self, p: &Packet) {
        let mut r = self
            .received
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        r.push(p.clone());
        self.received_count.send_replace(r.len());
    }

    /// Every action recorded so far, in order.
    pub fn received(&self) -> Vec<Packet> {
        self.received
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Follows how many actions have been recorded.
    pub fn watch_received(&self) -> watch::Receiver<usize> {
        self.received_count.subscribe()
    }

    /// Records an SMS a client sent through the OpenVox `gsm send sms`.
    pub fn record_sms(&self, sms: SentSms) {
        self.sms_sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(sms);
    }

    /// Every SMS recorded so far, in order.
    pub fn sent_sms(&self) -> Vec<SentSms> {
        self.sms_sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Registers a session's control channel; returns its id.
    pub fn add_session(&self, tx: mpsc::UnboundedSender<Ctl>) -> u64 {
        let id = self.next_session.fetch_add(1, Ordering::Relaxed);
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((id, tx));
        id
    }

    pub fn remove_session(&self, id: u64) {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|(i, _)| *i != id);
    }

    /// Sends a control message to every session.
    pub fn broadcast_ctl(&self, ctl: &Ctl) {
        for (_, tx) in self
            .sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = tx.send(ctl.clone());
        }
    }

    /// Counts logged-in sessions up or down.
    pub fn logged_in_changed(&self, up: bool) {
        self.logged_in.send_modify(|n| {
            if up {
                *n += 1
            } else {
                *n = n.saturating_sub(1)
            }
        });
    }

    /// How many sessions are logged in now.
    pub fn logged_in(&self) -> usize {
        *self.logged_in.borrow()
    }

    /// Follows how many sessions are logged in.
    pub fn watch_logged_in(&self) -> watch::Receiver<usize> {
        self.logged_in.subscribe()
    }
}
