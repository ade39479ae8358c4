//! The whole chain as the app runs it, for the matrix rows: the real
//! [`Client`] against a [`ringside_pbxsim`] PBX over real loopback TCP, the
//! real `ringside_calls::live::follow` glue feeding a [`CallTracker`] (with
//! its resync on every new session and after lost events), and every
//! `CardChange::Ended` written to a real [`HistoryStore`] in a temp dir,
//! exactly once per change. Tests watch what the user would see through
//! [`Chain::updates`] and the store, and the wire through pbxsim's log.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ringside_ami::{Client, ClientConfig, ConnectionState, Secret};
use ringside_calls::live::{follow, Live, LiveUpdate};
use ringside_calls::{CallTracker, CardChange, NumberPlan, TrackerConfig};
use ringside_store::{HistoryStore, StoreConfig};
use tokio::sync::mpsc;

/// Longest any single wait in a matrix test may take before it fails:
/// a hang is a failure, never a stuck CI job.
pub const WAIT: Duration = Duration::from_secs(30);

/// What the chain showed the user, in order, with store writes confirmed.
// Updates are the bulk and are kept as the glue made them; boxing them
// would only change how the tests match on them.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    Update(LiveUpdate),
    /// A `CardChange::Ended` whose record the store committed.
    Stored(String),
    /// The store refused a record (never expected).
    StoreFailed(String),
}

pub struct Chain {
    pub client: Client,
    pub store: HistoryStore,
    pub updates: mpsc::UnboundedReceiver<Seen>,
    /// Everything seen so far (also what `updates` delivered).
    pub log: Arc<Mutex<Vec<Seen>>>,
    _dir: tempfile::TempDir,
    task: std::thread::JoinHandle<()>,
}

/// A client config for a pbxsim at `addr` with the simulator's default user.
pub fn config_for(addr: std::net::SocketAddr) -> ClientConfig {
    ClientConfig::new(
        addr.ip().to_string(),
        addr.port(),
        "ringside",
        Secret::new("ringside-secret"),
    )
}

impl Chain {
    /// Starts client + follow + store, watching `watched` (empty: everyone).
    pub async fn start(config: ClientConfig, watched: &[&str]) -> Chain {
        let dir = tempfile::tempdir().expect("a temp dir for the history store");
        let store = HistoryStore::open_async(
            StoreConfig::new(NumberPlan::new("1", "", "011"))
                .with_path(dir.path().join("history.db")),
        )
        .await
        .expect("the history store opens in a temp dir");
        let client = Client::start(config).expect("the test's client settings are valid");
        let (tx, updates) = mpsc::unbounded_channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        // The glue runs on a thread of its own with a current-thread
        // runtime, as a shell with a dedicated tracker thread would; the
        // client and store handles work across runtimes.
        let task = {
            let (client, store, log) = (client.clone(), store.clone(), log.clone());
            let watched: Vec<String> = watched.iter().map(|s| (*s).to_owned()).collect();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the glue");
                rt.block_on(async move {
                    let live = tokio::sync::Mutex::new(Live::new(CallTracker::new(
                        TrackerConfig::watching(watched),
                    )));
                    // Records are queued from the synchronous callback and
                    // confirmed by a task, in order, as the app's writer does.
                    let (rec_tx, mut rec_rx) =
                        mpsc::unbounded_channel::<ringside_calls::CallRecord>();
                    let confirm = {
                        let (tx, log, store) = (tx.clone(), log.clone(), store.clone());
                        tokio::spawn(async move {
                            while let Some(record) = rec_rx.recv().await {
                                let id = record.call_id.clone();
                                let seen = match store.record_call(record).await {
                                    Ok(()) => Seen::Stored(id),
                                    Err(e) => Seen::StoreFailed(format!("{id}: {e}")),
                                };
                                log.lock().expect("log lock").push(seen.clone());
                                let _ = tx.send(seen);
                            }
                        })
                    };
                    let mut out = |u: LiveUpdate| {
                        if let LiveUpdate::Card(CardChange::Ended { record, .. }) = &u {
                            let _ = rec_tx.send(record.clone());
                        }
                        let seen = Seen::Update(u);
                        log.lock().expect("log lock").push(seen.clone());
                        let _ = tx.send(seen);
                    };
                    follow(&client, &live, &mut out).await;
                    drop(rec_tx);
                    let _ = confirm.await;
                });
            })
        };
        Chain {
            client,
            store,
            updates,
            log,
            _dir: dir,
            task,
        }
    }

    /// Waits until `n` colleagues have been named: each new session is
    /// followed by a round of `PJSIPShowEndpoint` questions, and a test that
    /// counts what reaches the PBX must start after it.
    pub async fn wait_named(&mut self, n: usize) {
        for i in 1..=n {
            self.wait_for(
                &format!("colleague name {i} of {n}"),
                |s| matches!(s, Seen::Update(LiveUpdate::Presence(c)) if c.name.is_some()),
            )
            .await;
        }
    }

    /// Waits (up to [`WAIT`]) for the next update matching `pred`, and
    /// returns it; fails the test on timeout.
    pub async fn wait_for(&mut self, what: &str, pred: impl Fn(&Seen) -> bool) -> Seen {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.updates.recv()).await {
                Ok(Some(s)) if pred(&s) => return s,
                Ok(Some(_)) => {}
                Ok(None) => panic!("the chain stopped while waiting for {what}"),
                Err(_) => panic!(
                    "no {what} within {WAIT:?}; seen so far: {:#?}",
                    self.log.lock().expect("log").clone()
                ),
            }
        }
    }

    /// Like [`Chain::wait_for`], but also accepts what was already seen
    /// (while waiting for something else): the record of a call that ended
    /// offline can be stored before the reconnection is announced, since
    /// the resync reports the call's end first.
    pub async fn seen_or_wait_for(&mut self, what: &str, pred: impl Fn(&Seen) -> bool) -> Seen {
        let earlier = self
            .log
            .lock()
            .expect("log")
            .iter()
            .find(|s| pred(s))
            .cloned();
        match earlier {
            Some(s) => s,
            None => self.wait_for(what, pred).await,
        }
    }

    /// Waits for the client's connection state to satisfy `pred`.
    pub async fn wait_state(
        &self,
        what: &str,
        pred: impl Fn(&ConnectionState) -> bool,
    ) -> ConnectionState {
        let mut rx = self.client.state();
        let got = match tokio::time::timeout(WAIT, rx.wait_for(|s| pred(s))).await {
            Ok(Ok(s)) => Some(s.clone()),
            Ok(Err(_)) => panic!("the client's state channel closed while waiting for {what}"),
            Err(_) => None,
        };
        got.unwrap_or_else(|| {
            panic!(
                "state never became {what} within {WAIT:?}; it is {:?}",
                *rx.borrow()
            )
        })
    }

    /// Every popup shown so far, as (call, extension).
    pub fn popups(&self) -> Vec<(String, String)> {
        self.log
            .lock()
            .expect("log")
            .iter()
            .filter_map(|s| match s {
                Seen::Update(LiveUpdate::Card(CardChange::Popup {
                    call, extension, ..
                })) => Some((call.clone(), extension.clone())),
                _ => None,
            })
            .collect()
    }

    /// Every call end reported so far, as (call, ended_offline).
    pub fn ends(&self) -> Vec<(String, bool)> {
        self.log
            .lock()
            .expect("log")
            .iter()
            .filter_map(|s| match s {
                Seen::Update(LiveUpdate::Card(CardChange::Ended {
                    call,
                    ended_offline,
                    ..
                })) => Some((call.clone(), *ended_offline)),
                _ => None,
            })
            .collect()
    }

    /// Stops the client and the glue.
    pub async fn stop(self) {
        self.client.shutdown().await;
        let task = self.task;
        let _ = tokio::time::timeout(WAIT, tokio::task::spawn_blocking(move || task.join())).await;
    }
}

/// Is this a popup for `ext`?
pub fn is_popup_for(s: &Seen, ext: &str) -> bool {
    matches!(s, Seen::Update(LiveUpdate::Card(CardChange::Popup { extension, .. })) if extension == ext)
}

/// Is this a confirmed store write?
pub fn is_stored(s: &Seen) -> bool {
    matches!(s, Seen::Stored(_))
}

/// VmRSS of this process in KiB (Linux).
pub fn rss_kib() -> u64 {
    ringside_matrix_tests::rss_kib().expect("VmRSS is readable on Linux")
}
