//! The store's threads: the writer (runs write requests in order, and
//! indexes new calls for search when idle or when the unindexed tail grows
//! too long), the readers (share one queue) and the WAL checkpointer. Each
//! owns its SQLite connection; a request is a [`Job`] sent over a channel.
//! What the requests are, and how their answers get back, is `store.rs`'s
//! business.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::{Result, StoreError};
use crate::search;

/// One request: run on whichever thread takes it, with that thread's
/// connection.
pub(crate) type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A reader thread: takes jobs from the queue it shares with the other
/// readers until that queue closes.
pub(crate) fn spawn_worker(
    name: &str,
    mut conn: Connection,
    rx: Arc<Mutex<mpsc::Receiver<Job>>>,
) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || loop {
            let job = {
                let Ok(rx) = rx.lock() else { return };
                match rx.recv() {
                    Ok(job) => job,
                    Err(_) => return,
                }
            };
            run_job(job, &mut conn);
        })
        .map_err(|source| StoreError::Io {
            path: PathBuf::from(name),
            source,
        })
}

/// By default the writer indexes new calls for search once no request has
/// arrived for this long; see migration 0003.
pub(crate) const INDEX_AFTER_IDLE: Duration = Duration::from_millis(200);

/// Calls indexed per transaction: small enough (a few milliseconds) that a
/// `record_call` arriving meanwhile barely waits.
const INDEX_CHUNK: u32 = 500;

/// Under a write stream that never pauses, the writer checks the unindexed
/// tail every this many requests...
const TAIL_CHECK_EVERY: u32 = 16;

/// ...and indexes a chunk when the tail is longer than this, so the scan
/// search does over it stays a few milliseconds. Indexing only past this
/// bound keeps it out of the way of single `record_call`s.
const MAX_TAIL: i64 = 20_000;

/// The writer thread: runs requests in order, and indexes calls for search
/// when idle.
pub(crate) fn spawn_writer(
    mut conn: Connection,
    path: Arc<PathBuf>,
    rx: mpsc::Receiver<Job>,
    idle: Duration,
) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("ringside-store-writer".into())
        .spawn(move || {
            // Calls left unindexed by an earlier session are indexed too.
            let mut dirty = true;
            let mut indexing = false;
            let mut since_index = 0u32;
            let index_step = |conn: &mut Connection| match search::index_calls_step(conn, &path, INDEX_CHUNK) {
                Ok(n) => n > 0,
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "indexing calls for search failed");
                    false
                }
            };
            loop {
                let next = if !dirty {
                    rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected)
                } else if indexing {
                    rx.try_recv().map_err(|e| match e {
                        mpsc::TryRecvError::Empty => mpsc::RecvTimeoutError::Timeout,
                        mpsc::TryRecvError::Disconnected => mpsc::RecvTimeoutError::Disconnected,
                    })
                } else {
                    rx.recv_timeout(idle)
                };
                match next {
                    Ok(job) => {
                        run_job(job, &mut conn);
                        dirty = true;
                        indexing = false;
                        since_index += 1;
                        if since_index >= TAIL_CHECK_EVERY {
                            since_index = 0;
                            if search::unindexed_tail(&conn).unwrap_or(0) > MAX_TAIL {
                                index_step(&mut conn);
                            }
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        since_index = 0;
                        indexing = index_step(&mut conn);
                        dirty = indexing;
                    }
                    // Closing: the next open indexes whatever is left.
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                }
            }
        })
        .map_err(|source| StoreError::Io { path: PathBuf::from("ringside-store-writer"), source })
}

/// Runs one request. A panicking request must not take the store down with
/// it; its caller sees `Closed` because its reply sender was dropped.
fn run_job(job: Job, conn: &mut Connection) {
    let run = std::panic::AssertUnwindSafe(|| job(conn));
    if std::panic::catch_unwind(run).is_err() {
        tracing::error!("a history store request panicked");
    }
}

/// How often the checkpointer copies the WAL into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Moves WAL checkpoints (and their fsyncs) off the writer thread, so no
/// `record_call` ever waits for one. PASSIVE checkpoints never block the
/// writer or readers.
pub(crate) fn spawn_checkpointer(
    conn: Connection,
    path: Arc<PathBuf>,
    stop: mpsc::Receiver<()>,
) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("ringside-store-checkpoint".into())
        .spawn(move || {
            let checkpoint = |mode: &str| {
                if let Err(e) =
                    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |_| Ok(()))
                {
                    tracing::warn!(path = %path.display(), error = %e, "WAL checkpoint failed");
                }
            };
            while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
                checkpoint("PASSIVE");
            }
            checkpoint("PASSIVE");
        })
        .map_err(|source| StoreError::Io {
            path: PathBuf::from("ringside-store-checkpoint"),
            source,
        })
}
