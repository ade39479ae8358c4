//! A directory put behind a deadline and a cache, so that a slow or dead
//! server never slows a popup, the board, or the event loop.
//!
//! ## Behavior
//! - [`Lookup::lookup`] answers within the deadline (default 1.5 s), always:
//!   with the person, with "nobody", with why the directory failed, or with
//!   [`Answer::TimedOut`]. The question goes on running in its own task up to
//!   [`GIVE_UP_AFTER`] deadlines, so a late answer still lands in the cache.
//! - One question on the wire per number: cards that ask while it runs wait
//!   for the same answer.
//! - Answers are cached for the time to live (default 10 min), failures
//!   for [`FAILURE_TTL`] at most, so a dead server is asked again soon but
//!   not once per ring. The cache holds at most `capacity` numbers (default
//!   10,000); the oldest goes first.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::{Directory, Error, Person};

/// How many deadlines a question may run before it is dropped as failed.
pub const GIVE_UP_AFTER: u32 = 20;
/// The longest a failure is remembered.
pub const FAILURE_TTL: Duration = Duration::from_secs(30);

/// What a lookup tells the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Answer {
    Found {
        person: Person,
    },
    NotFound,
    /// No answer within the deadline: the card says nothing more.
    TimedOut,
    /// The directory failed; `reason` is for the log and Settings' test.
    Failed {
        reason: String,
    },
}

impl From<Result<Option<Person>, Error>> for Answer {
    fn from(r: Result<Option<Person>, Error>) -> Answer {
        match r {
            Ok(Some(person)) => Answer::Found { person },
            Ok(None) => Answer::NotFound,
            Err(e) => Answer::Failed {
                reason: e.to_string(),
            },
        }
    }
}

/// The deadline, time to live and size of a [`Lookup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub deadline: Duration,
    pub ttl: Duration,
    pub capacity: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            deadline: Duration::from_millis(1500),
            ttl: Duration::from_secs(600),
            capacity: 10_000,
        }
    }
}

type Pending = watch::Receiver<Option<Answer>>;

#[derive(Debug, Default)]
struct State {
    cached: HashMap<String, (Answer, Instant)>,
    /// Numbers in the order they were cached, for eviction.
    order: VecDeque<String>,
    asking: HashMap<String, Pending>,
}

/// A [`Directory`] that never keeps anyone waiting (see the module docs).
#[derive(Debug)]
pub struct Lookup<D> {
    directory: Arc<D>,
    limits: Limits,
    state: Arc<Mutex<State>>,
}

impl<D: Directory> Lookup<D> {
    pub fn new(directory: D, limits: Limits) -> Lookup<D> {
        Lookup {
            directory: Arc::new(directory),
            limits,
            state: Arc::default(),
        }
    }

    /// The directory itself, for the checks in Settings (which do wait).
    pub fn directory(&self) -> &D {
        &self.directory
    }

    /// Whose `number` (normalized) is, within the deadline.
    pub async fn lookup(&self, number: &str) -> Answer {
        let mut pending = match self.cached_or_pending(number) {
            Ok(answer) => return answer,
            Err(pending) => pending,
        };
        let answered = pending.wait_for(Option::is_some);
        let answer = match tokio::time::timeout(self.limits.deadline, answered).await {
            Ok(Ok(answer)) => answer.clone(),
            Ok(Err(_)) | Err(_) => None,
        };
        answer.unwrap_or(Answer::TimedOut)
    }

    /// How many numbers the cache holds now.
    pub fn cached(&self) -> usize {
        lock(&self.state).cached.len()
    }

    fn cached_or_pending(&self, number: &str) -> Result<Answer, Pending> {
        let mut state = lock(&self.state);
        if let Some((answer, until)) = state.cached.get(number) {
            if Instant::now() < *until {
                return Ok(answer.clone());
            }
        }
        if let Some(pending) = state.asking.get(number) {
            return Err(pending.clone());
        }
        let (tx, rx) = watch::channel(None);
        state.asking.insert(number.to_owned(), rx.clone());
        drop(state);
        self.ask(number.to_owned(), tx);
        Err(rx)
    }

    fn ask(&self, number: String, tx: watch::Sender<Option<Answer>>) {
        let directory = Arc::clone(&self.directory);
        let state = Arc::clone(&self.state);
        let limits = self.limits;
        tokio::spawn(async move {
            let give_up = limits.deadline * GIVE_UP_AFTER;
            let answer = match tokio::time::timeout(give_up, directory.find(&number)).await {
                Ok(r) => Answer::from(r),
                Err(_) => Answer::Failed {
                    reason: format!("no answer in {} s", give_up.as_secs()),
                },
            };
            if let Answer::Failed { reason } = &answer {
                tracing::warn!(%number, %reason, "directory lookup failed");
            }
            remember(&mut lock(&state), &limits, number, answer.clone());
            // Nobody waiting any more is fine: the answer is cached.
            let _ = tx.send(Some(answer));
        });
    }
}

fn remember(state: &mut State, limits: &Limits, number: String, answer: Answer) {
    state.asking.remove(&number);
    let ttl = match answer {
        Answer::Failed { .. } => limits.ttl.min(FAILURE_TTL),
        _ => limits.ttl,
    };
    if state
        .cached
        .insert(number.clone(), (answer, Instant::now() + ttl))
        .is_none()
    {
        state.order.push_back(number);
    }
    while state.cached.len() > limits.capacity {
        match state.order.pop_front() {
            Some(oldest) => state.cached.remove(&oldest),
            None => break,
        };
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    // A panic while holding the lock leaves a cache that is still whole.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests;
