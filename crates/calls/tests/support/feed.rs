//! Running the one live loop (`live::follow`) in a test: the loop runs
//! while the test reads its updates in order, and stops when the test is
//! done. Waits are deadlines only (a failing test ends instead of hanging),
//! never what a test asserts on.

use std::future::Future;

use ringside_ami::Client;
use ringside_calls::live::{follow, LiveModel, LiveUpdate};
use tokio::sync::mpsc;

use super::pbx::WAIT;

/// The updates the loop reported, read in order.
pub struct Updates {
    rx: mpsc::UnboundedReceiver<LiveUpdate>,
    /// Every update read so far.
    pub seen: Vec<LiveUpdate>,
}

impl Updates {
    /// The next update for which `wanted` holds (others are kept in
    /// `seen`); panics, naming `what` and what was seen, after [`WAIT`].
    pub async fn until(&mut self, what: &str, wanted: impl Fn(&LiveUpdate) -> bool) -> LiveUpdate {
        let found = tokio::time::timeout(WAIT, async {
            while let Some(u) = self.rx.recv().await {
                self.seen.push(u.clone());
                if wanted(&u) {
                    return Some(u);
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(u)) => u,
            // One line per update: the pretty form of a whole session
            // would not fit in a truncated test log.
            _ => panic!(
                "no {what}; seen, one per line:\n{}",
                self.seen
                    .iter()
                    .map(|u| format!("{u:?}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }

    /// How many updates seen so far satisfy `counted`.
    pub fn count(&self, counted: impl Fn(&LiveUpdate) -> bool) -> usize {
        self.seen.iter().filter(|u| counted(u)).count()
    }
}

/// Runs `follow(client, live)` while `watch` reads its updates; returns what
/// `watch` returns.
pub async fn following<M, T, F>(
    client: &Client,
    live: &tokio::sync::Mutex<M>,
    watch: impl FnOnce(Updates) -> F,
) -> T
where
    M: LiveModel,
    F: Future<Output = T>,
{
    let (tx, rx) = mpsc::unbounded_channel();
    let mut send = |u| drop(tx.send(u));
    let feed = follow(client, live, &mut send);
    let watch = watch(Updates {
        rx,
        seen: Vec::new(),
    });
    tokio::select! {
        () = feed => panic!("the feed only ends with the client"),
        r = watch => r,
    }
}
