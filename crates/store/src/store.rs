//! [`HistoryStore`]: the handle the app and the CLI hold. It owns one writer
//! thread and a small pool of reader threads, each with its own SQLite
//! connection; callers send closures over channels and get the answer back
//! through a [`Pending`], which can be awaited from async code or waited on
//! from blocking code. No database work ever runs on the caller's thread.
//!
//! ## Behavior
//! - Writes are applied in the order they were requested, one transaction
//!   per request. A request is queued when the method is called; dropping
//!   its [`Pending`] does not cancel it.
//! - Reads use separate connections; in WAL mode they never wait for the
//!   writer, so a long import or purge cannot delay a popup lookup.
//! - New calls enter the search index after they are recorded: the writer
//!   indexes them in small chunks once idle for 200 ms (or as soon as
//!   20,000 are waiting, under a stream that never pauses). Search scans the
//!   not-yet-indexed tail, so a call is findable as soon as it is recorded.
//! - WAL checkpoints run on a thread of their own, never in a write.
//! - When the last handle is dropped, queued writes finish before the
//!   threads stop.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;

use ringside_calls::{CallRecord, NumberPlan};
use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::address_books::{self, BookChanges, BookState, BookSyncApplied};
use crate::error::{Result, StoreError};
use crate::model::{
    CallQuery, CallerContext, CdrCursor, CdrImportProgress, CdrImportReport, Contact,
    ContactFields, ImportReport, ImportedCall, MissedCursor, Note, NoteTarget, Retention,
    SmsRecord, SmsStatus, StoredCall, StoredSms,
};
use crate::schema::{self, Durability, LATEST_VERSION};
use crate::workers::{spawn_checkpointer, spawn_worker, spawn_writer, Job, INDEX_AFTER_IDLE};
use crate::{calls, cdr, contacts, import, notes, popup, retention, search, sms};

/// The file name used inside the platform data directory.
pub const DEFAULT_FILE_NAME: &str = "history.db";

/// CDR rows imported per transaction. Each batch is queued behind the
/// writes requested while the previous one ran, so a live `record_call`
/// waits for at most one batch (a few tens of milliseconds; see the bench).
pub const CDR_BATCH: usize = 1_000;

// Wall-clock time stamps bookkeeping here (when a cursor moved, when a text
// was last updated); nothing is decided by it.
use ringside_calls::clock::now_ms;

/// A CDR import in progress: it runs one batch per writer job and queues
/// the next batch behind whatever was requested meanwhile.
struct CdrImportRun<F> {
    source: String,
    rows: Vec<ImportedCall>,
    batch: usize,
    done: usize,
    report: CdrImportReport,
    progress: F,
    reply: oneshot::Sender<Result<CdrImportReport>>,
    writer: mpsc::Sender<Job>,
    path: Arc<PathBuf>,
    plan: NumberPlan,
}

impl<F: FnMut(CdrImportProgress) + Send + 'static> CdrImportRun<F> {
    fn step(mut self, conn: &mut Connection) {
        let total = self.rows.len();
        let end = (self.done + self.batch).min(total);
        if end > self.done {
            let batch = cdr::CdrBatch {
                source: &self.source,
                rows: &self.rows[self.done..end],
                first_line: self.done,
                now_ms: now_ms(),
            };
            if let Err(e) = cdr::import_batch(conn, &self.path, &self.plan, batch, &mut self.report)
            {
                // Earlier batches stay committed, with the cursor past them.
                tracing::warn!(path = %self.path.display(), source = %self.source, done = self.done, total, error = %e,
                    "CDR import stopped");
                let _ = self.reply.send(Err(e));
                return;
            }
            self.done = end;
            (self.progress)(CdrImportProgress { done: end, total });
        }
        if self.done >= total {
            let result = cdr::cursor(conn, &self.path, &self.source).map(|cursor| {
                let mut report = std::mem::take(&mut self.report);
                report.cursor = cursor;
                report
            });
            let _ = self.reply.send(result);
            return;
        }
        let writer = self.writer.clone();
        // If the writer is gone the run (and its reply sender) is dropped,
        // and the caller sees `Closed`.
        let _ = writer.send(Box::new(move |conn: &mut Connection| self.step(conn)));
    }
}

/// Calls deleted per retention transaction: small, so other writes
/// interleave and no transaction holds the write lock for long.
pub const PURGE_BATCH: u32 = 500;

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The database file; `None` uses [`default_path`].
    pub path: Option<PathBuf>,
    /// How numbers are normalized for matching.
    pub plan: NumberPlan,
    /// Which calls [`HistoryStore::purge`] removes.
    pub retention: Retention,
    /// Reader threads (at least 1).
    pub readers: usize,
    /// How hard commits are synced; see [`Durability`].
    pub durability: Durability,
    /// How long the writer waits without requests before indexing new calls
    /// for search (default 200 ms).
    pub index_after_idle: Duration,
    /// CDR rows per import transaction (default [`CDR_BATCH`]; at least 1).
    pub cdr_batch: usize,
}

impl StoreConfig {
    /// Defaults: the platform data directory, keep everything, two readers,
    /// [`Durability::Normal`].
    pub fn new(plan: NumberPlan) -> Self {
        Self {
            path: None,
            plan,
            retention: Retention::default(),
            readers: 2,
            durability: Durability::default(),
            index_after_idle: INDEX_AFTER_IDLE,
            cdr_batch: CDR_BATCH,
        }
    }

    /// The same config with a user-chosen database file.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }
}

/// `<platform data dir>/history.db`, e.g.
/// `~/.local/share/ringside/history.db` on Linux.
pub fn default_path() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("app", "Ringside", "ringside")
        .ok_or(StoreError::NoDataDir)?;
    Ok(dirs.data_dir().join(DEFAULT_FILE_NAME))
}

/// The answer to one store request: `.await` it in async code, or call
/// [`Pending::wait`] in blocking code (never inside an async task).
#[derive(Debug)]
#[must_use = "the request runs anyway, but its result (and any error) is lost"]
pub struct Pending<T> {
    rx: oneshot::Receiver<Result<T>>,
    path: Arc<PathBuf>,
}

impl<T> Pending<T> {
    /// Blocks the current thread until the answer arrives.
    ///
    /// # Panics
    /// When called from inside an async runtime (use `.await` there).
    pub fn wait(self) -> Result<T> {
        let path = self.path;
        self.rx.blocking_recv().unwrap_or_else(|_| {
            Err(StoreError::Closed {
                path: path.to_path_buf(),
            })
        })
    }
}

impl<T> Future for Pending<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = self.get_mut();
        Pin::new(&mut this.rx).poll(cx).map(|r| {
            r.unwrap_or_else(|_| {
                Err(StoreError::Closed {
                    path: this.path.to_path_buf(),
                })
            })
        })
    }
}

#[derive(Debug)]
struct Inner {
    path: Arc<PathBuf>,
    plan: NumberPlan,
    cdr_batch: usize,
    retention: Mutex<Retention>,
    writer: Option<mpsc::Sender<Job>>,
    readers: Option<mpsc::Sender<Job>>,
    /// Dropping it stops the checkpointer.
    checkpoint_stop: Option<mpsc::Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the channels lets each thread drain its queue and stop.
        self.writer.take();
        self.readers.take();
        self.checkpoint_stop.take();
        for t in self.threads.drain(..) {
            if t.join().is_err() {
                tracing::error!(path = %self.path.display(), "a history store thread panicked");
            }
        }
    }
}

/// The call history, contacts and notes. A cheap `Clone` handle.
///
/// # Example
/// ```
/// use ringside_calls::NumberPlan;
/// use ringside_store::{HistoryStore, StoreConfig};
/// # let dir = tempfile::tempdir().unwrap();
/// let store = HistoryStore::open(
///     StoreConfig::new(NumberPlan::new("44", "0", "00")).with_path(dir.path().join("history.db")),
/// )?;
/// let popup = store.lookup_caller("020 7946 000", 0, 5).wait()?;
/// assert!(popup.contact.is_none());
/// # Ok::<(), ringside_store::StoreError>(())
/// ```
#[derive(Debug, Clone)]
pub struct HistoryStore {
    inner: Arc<Inner>,
}

impl HistoryStore {
    /// Opens (creating or upgrading) the database and starts its threads.
    /// Blocking: takes a few milliseconds, longer only when a migration
    /// runs. From async code use [`HistoryStore::open_async`].
    ///
    /// A file from a newer Ringside, a damaged file and a read-only file are
    /// refused with an error naming the file, and left untouched.
    pub fn open(config: StoreConfig) -> Result<Self> {
        let path = match config.path {
            Some(p) => p,
            None => default_path()?,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        schema::precheck(&path)?;
        let mut writer = schema::connect(&path, config.durability, false)?;
        schema::migrate(&mut writer, &path, LATEST_VERSION)?;
        // The checkpointer thread does this instead; see spawn_checkpointer.
        writer
            .pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(|e| StoreError::from_sqlite(&path, e))?;
        let checkpointer = schema::connect(&path, config.durability, false)?;
        let mut reader_conns = Vec::new();
        for _ in 0..config.readers.max(1) {
            reader_conns.push(schema::connect(&path, config.durability, true)?);
        }
        let (wtx, wrx) = mpsc::channel::<Job>();
        let (rtx, rrx) = mpsc::channel::<Job>();
        let path = Arc::new(path);
        let mut threads = vec![spawn_writer(
            writer,
            path.clone(),
            wrx,
            config.index_after_idle,
        )?];
        let rrx = Arc::new(Mutex::new(rrx));
        for conn in reader_conns {
            threads.push(spawn_worker("ringside-store-reader", conn, rrx.clone())?);
        }
        let (stop_tx, stop_rx) = mpsc::channel();
        threads.push(spawn_checkpointer(checkpointer, path.clone(), stop_rx)?);
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                checkpoint_stop: Some(stop_tx),
                plan: config.plan,
                cdr_batch: config.cdr_batch.max(1),
                retention: Mutex::new(config.retention),
                writer: Some(wtx),
                readers: Some(rtx),
                threads,
            }),
        })
    }

    /// [`HistoryStore::open`] on a thread of its own, for async callers.
    pub async fn open_async(config: StoreConfig) -> Result<Self> {
        let (tx, rx) = oneshot::channel();
        let path = config.path.clone().unwrap_or_default();
        std::thread::Builder::new()
            .name("ringside-store-open".into())
            .spawn(move || {
                let _ = tx.send(Self::open(config));
            })
            .map_err(|source| StoreError::Io {
                path: path.clone(),
                source,
            })?;
        rx.await.unwrap_or(Err(StoreError::Closed { path }))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The numbering plan used for matching.
    pub fn plan(&self) -> &NumberPlan {
        &self.inner.plan
    }

    fn submit<T: Send + 'static>(
        &self,
        sender: Option<&mpsc::Sender<Job>>,
        f: impl FnOnce(&mut Connection, &Path, &NumberPlan) -> Result<T> + Send + 'static,
    ) -> Pending<T> {
        let (tx, rx) = oneshot::channel();
        let path = self.inner.path.clone();
        let plan = self.inner.plan.clone();
        let job_path = path.clone();
        let job: Job = Box::new(move |conn| {
            // The caller may have gone away; the work is done regardless.
            let _ = tx.send(f(conn, &job_path, &plan));
        });
        if let Some(sender) = sender {
            // On failure the job (and its reply sender) is dropped, so the
            // Pending resolves to `Closed`.
            let _ = sender.send(job);
        }
        Pending { rx, path }
    }

    fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection, &Path, &NumberPlan) -> Result<T> + Send + 'static,
    ) -> Pending<T> {
        self.submit(self.inner.writer.as_ref(), f)
    }

    fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection, &Path, &NumberPlan) -> Result<T> + Send + 'static,
    ) -> Pending<T> {
        self.submit(self.inner.readers.as_ref(), f)
    }

    // ---- calls ----

    /// Records a finished call, or updates it if a call with the same
    /// `call_id` is already stored (a resync never duplicates a call).
    ///
    /// When it resolves to `Ok`, the call is committed: it survives the
    /// process being killed. An answered outbound call marks earlier missed
    /// calls from the same number as called back.
    pub fn record_call(&self, record: CallRecord) -> Pending<()> {
        self.write(move |conn, path, plan| {
            calls::record_calls(conn, path, plan, std::slice::from_ref(&record))
        })
    }

    /// [`HistoryStore::record_call`] for many calls in one transaction.
    pub fn record_calls(&self, records: Vec<CallRecord>) -> Pending<()> {
        self.write(move |conn, path, plan| calls::record_calls(conn, path, plan, &records))
    }

    /// Indexes every call not yet in the search index, now. The writer does
    /// this by itself when idle; tests, benches and bulk imports call it to
    /// stop waiting. Resolves to the number of calls indexed.
    pub fn finish_indexing(&self) -> Pending<usize> {
        self.write(|conn, path, _| {
            let mut total = 0;
            loop {
                match search::index_calls_step(conn, path, 10_000)? {
                    0 => return Ok(total),
                    n => total += n,
                }
            }
        })
    }

    /// How many calls are not in the search index yet (search still finds
    /// them, by scanning).
    pub fn unindexed_calls(&self) -> Pending<u64> {
        self.read(|conn, path, _| search::unindexed_calls(conn, path))
    }

    /// One call by its `call_id`, with its notes.
    pub fn get_call(&self, call_id: &str) -> Pending<Option<StoredCall>> {
        let call_id = call_id.to_owned();
        self.read(move |conn, path, _| calls::get_call(conn, path, &call_id))
    }

    /// How many calls are stored.
    pub fn count_calls(&self) -> Pending<u64> {
        self.read(|conn, path, _| calls::count_calls(conn, path))
    }

    /// What the popup shows for `number` (any format): the contact, the last
    /// `recent` calls with their notes, how many calls started at or after
    /// `today_start_ms` (the caller's local midnight, in Unix milliseconds),
    /// notes on the number, and the last `recent` texts with it.
    pub fn lookup_caller(
        &self,
        number: &str,
        today_start_ms: i64,
        recent: u32,
    ) -> Pending<CallerContext> {
        let number = number.to_owned();
        self.read(move |conn, path, plan| {
            popup::lookup_caller(conn, path, plan, &number, today_start_ms, recent)
        })
    }

    /// The name of the contact holding each of `numbers` (any format), keyed
    /// by the number as given; numbers no contact has are left out. The same
    /// contact wins as in [`Self::lookup_caller`]: the oldest one.
    pub fn contact_names(&self, numbers: Vec<String>) -> Pending<BTreeMap<String, String>> {
        self.read(move |conn, path, plan| contacts::contact_names(conn, path, plan, &numbers))
    }

    /// Missed calls (missed, abandoned, voicemail) that started at or after
    /// `since_ms`, newest first, at most `limit`; without those already
    /// called back unless `include_called_back`. With `before`, the page
    /// after that call: the list is read a page at a time.
    pub fn missed_calls(
        &self,
        since_ms: i64,
        include_called_back: bool,
        before: Option<MissedCursor>,
        limit: u32,
    ) -> Pending<Vec<StoredCall>> {
        self.read(move |conn, path, _| {
            calls::missed_calls(
                conn,
                path,
                since_ms,
                include_called_back,
                before.as_ref(),
                limit,
            )
        })
    }

    /// Marks a missed call as called back by hand (she rang back from
    /// another phone); `by_call_id` of its [`crate::CalledBack`] is then
    /// `manual`. Resolves to false when the call is unknown or was already
    /// marked.
    pub fn mark_called_back(&self, call_id: &str, at_ms: i64) -> Pending<bool> {
        let call_id = call_id.to_owned();
        self.write(move |conn, path, _| calls::mark_called_back(conn, path, &call_id, at_ms))
    }

    /// Searches the call history; see [`CallQuery`]. Results are the most
    /// recently recorded matches, shown newest first.
    pub fn search_calls(&self, query: CallQuery) -> Pending<Vec<StoredCall>> {
        self.read(move |conn, path, plan| search::search_calls(conn, path, plan, &query))
    }

    /// Imports calls from the PBX's call detail records (`source` names the
    /// PBX, e.g. its host), in transactions of [`StoreConfig::cdr_batch`]
    /// rows (default [`CDR_BATCH`]) on the
    /// writer thread. Each batch queues behind the writes requested while
    /// the previous one ran, so live calls keep being recorded and lookups
    /// (on the readers) never wait.
    ///
    /// A row matching a stored call (its uniqueid is that call's `uniqueid`
    /// or `call_id`, or its `call_id` is that call's) is not added again; it
    /// only gives the call a recording file it lacks (`merged`). Other rows
    /// are added with source [`crate::CallSource::Cdr`] (`inserted`), so
    /// importing the same rows twice changes nothing. Each batch moves the
    /// source's [`CdrCursor`] past its rows in the same transaction.
    ///
    /// `progress` is called on the writer thread after each committed batch;
    /// it must return at once (forward the value to a channel). When a
    /// batch fails, the import stops with that batch's error: earlier
    /// batches stay committed and [`HistoryStore::cdr_cursor`] says how far
    /// it got, so running it again resumes.
    pub fn import_cdr(
        &self,
        source: &str,
        calls: Vec<ImportedCall>,
        progress: impl FnMut(CdrImportProgress) + Send + 'static,
    ) -> Pending<CdrImportReport> {
        let (tx, rx) = oneshot::channel();
        let path = self.inner.path.clone();
        if let Some(writer) = self.inner.writer.as_ref() {
            let run = CdrImportRun {
                source: source.to_owned(),
                rows: calls,
                batch: self.inner.cdr_batch,
                done: 0,
                report: CdrImportReport::default(),
                progress,
                reply: tx,
                writer: writer.clone(),
                path: path.clone(),
                plan: self.inner.plan.clone(),
            };
            let _ = writer.send(Box::new(move |conn: &mut Connection| run.step(conn)));
        }
        Pending { rx, path }
    }

    /// How far `source`'s call records have been imported; `None` before
    /// its first import.
    pub fn cdr_cursor(&self, source: &str) -> Pending<Option<CdrCursor>> {
        let source = source.to_owned();
        self.read(move |conn, path, _| cdr::cursor(conn, path, &source))
    }

    // ---- text messages ----

    /// Records a text message, or updates the one with the same id (a
    /// gateway event seen twice is stored once). A later report replaces
    /// the stored fields, except that a missing `raw` or `span` keeps the
    /// stored one.
    pub fn record_sms(&self, record: SmsRecord) -> Pending<()> {
        self.write(move |conn, path, plan| sms::record_sms(conn, path, plan, &record, now_ms()))
    }

    /// Sets a text's status (and failure message, cleared with `None`).
    /// Resolves to false when no text has this id.
    pub fn set_sms_status(
        &self,
        id: &str,
        status: SmsStatus,
        error: Option<String>,
    ) -> Pending<bool> {
        let id = id.to_owned();
        self.write(move |conn, path, _| {
            sms::set_sms_status(conn, path, &id, status, error.as_deref(), now_ms())
        })
    }

    /// One text by its id.
    pub fn get_sms(&self, id: &str) -> Pending<Option<StoredSms>> {
        let id = id.to_owned();
        self.read(move |conn, path, _| sms::get_sms(conn, path, &id))
    }

    /// The last `limit` texts with `number` (any format: matched by the
    /// normalized number, like calls), newest first.
    pub fn sms_thread(&self, number: &str, limit: u32) -> Pending<Vec<StoredSms>> {
        let number = number.to_owned();
        self.read(move |conn, path, plan| sms::sms_thread(conn, path, plan, &number, limit))
    }

    /// The last `limit` texts with anyone, newest first.
    pub fn recent_sms(&self, limit: u32) -> Pending<Vec<StoredSms>> {
        self.read(move |conn, path, _| sms::recent_sms(conn, path, limit))
    }

    /// Texts whose number matches a number fragment (as in
    /// [`HistoryStore::search_calls`]) or whose text or sender name contains
    /// a text fragment (case- and accent-insensitive), newest first.
    pub fn search_sms(&self, text: &str, limit: u32) -> Pending<Vec<StoredSms>> {
        let text = text.to_owned();
        self.read(move |conn, path, plan| sms::search_sms(conn, path, plan, &text, limit))
    }

    /// How many texts are stored.
    pub fn count_sms(&self) -> Pending<u64> {
        self.read(|conn, path, _| sms::count_sms(conn, path))
    }

    // ---- notes ----

    /// Adds a timestamped note to a call (live or finished) or a number.
    pub fn add_note(&self, target: NoteTarget, body: &str, at_ms: i64) -> Pending<Note> {
        let body = body.to_owned();
        self.write(move |conn, path, plan| notes::add_note(conn, path, plan, &target, &body, at_ms))
    }

    /// Deletes a note; resolves to whether it existed.
    pub fn delete_note(&self, id: i64) -> Pending<bool> {
        self.write(move |conn, path, _| notes::delete_note(conn, path, id))
    }

    /// Notes on a number (any format), newest first.
    pub fn notes_for_number(&self, number: &str) -> Pending<Vec<Note>> {
        let number = number.to_owned();
        self.read(move |conn, path, plan| match plan.normalize(&number) {
            Some(norm) => notes::notes_for_number(conn, path, &norm),
            None => Ok(Vec::new()),
        })
    }

    // ---- contacts ----

    /// Adds a contact.
    pub fn create_contact(&self, fields: ContactFields, now_ms: i64) -> Pending<Contact> {
        self.write(move |conn, path, plan| {
            let ids =
                contacts::create_contacts(conn, path, plan, std::slice::from_ref(&fields), now_ms)?;
            let id = ids
                .first()
                .copied()
                .ok_or_else(|| StoreError::Invalid("no contact was created".into()))?;
            contacts::get_contact(conn, path, id)?.ok_or(StoreError::NoSuchContact(id))
        })
    }

    /// Adds many contacts in one transaction; resolves to their ids.
    pub fn create_contacts(&self, all: Vec<ContactFields>, now_ms: i64) -> Pending<Vec<i64>> {
        self.write(move |conn, path, plan| {
            contacts::create_contacts(conn, path, plan, &all, now_ms)
        })
    }

    /// Replaces a contact's fields. A contact synced from an address book
    /// is refused ([`StoreError::SyncedContact`]).
    pub fn update_contact(&self, id: i64, fields: ContactFields, now_ms: i64) -> Pending<Contact> {
        self.write(move |conn, path, plan| {
            contacts::update_contact(conn, path, plan, id, &fields, now_ms)
        })
    }

    /// Deletes a contact; notes on its numbers stay. A contact synced from
    /// an address book is refused ([`StoreError::SyncedContact`]).
    pub fn delete_contact(&self, id: i64) -> Pending<()> {
        self.write(move |conn, path, _| contacts::delete_contact(conn, path, id))
    }

    /// One contact.
    pub fn get_contact(&self, id: i64) -> Pending<Option<Contact>> {
        self.read(move |conn, path, _| contacts::get_contact(conn, path, id))
    }

    /// Contacts matching a number fragment (any format) or a name, company,
    /// e-mail or notes fragment (case- and accent-insensitive), by name.
    pub fn search_contacts(&self, text: &str, limit: u32) -> Pending<Vec<Contact>> {
        let text = text.to_owned();
        self.read(move |conn, path, plan| contacts::search_contacts(conn, path, plan, &text, limit))
    }

    /// Imports contacts from a CSV file's bytes; see [`import::parse_csv`].
    pub fn import_csv(&self, bytes: Vec<u8>, now_ms: i64) -> Pending<ImportReport> {
        self.write(move |conn, path, plan| {
            let parsed = import::parse_csv(plan, &bytes)?;
            contacts::import_contacts(conn, path, plan, parsed, now_ms)
        })
    }

    /// Imports contacts from a vCard file; see [`import::parse_vcard`].
    pub fn import_vcard(&self, text: String, now_ms: i64) -> Pending<ImportReport> {
        self.write(move |conn, path, plan| {
            let parsed = import::parse_vcard(plan, &text);
            contacts::import_contacts(conn, path, plan, parsed, now_ms)
        })
    }

    /// All contacts as CSV; see [`import::contacts_to_csv`].
    pub fn export_csv(&self) -> Pending<Vec<u8>> {
        self.read(|conn, path, _| import::contacts_to_csv(&contacts::all_contacts(conn, path)?))
    }

    // ---- address books ----

    /// Where the last sync of the address book at `url` ended: its sync
    /// token and each stored card's ETag (empty before the first sync).
    pub fn address_book_state(&self, url: &str) -> Pending<BookState> {
        let url = url.to_owned();
        self.read(move |conn, path, _| address_books::book_state(conn, path, &url))
    }

    /// Writes one sync of one address book, with its new sync token, in one
    /// transaction: a process killed meanwhile leaves the book's contacts as
    /// they were. Synced contacts are read-only to
    /// [`Self::update_contact`] and [`Self::delete_contact`]; deleting one
    /// here keeps the notes on its numbers.
    pub fn apply_address_book_sync(&self, changes: BookChanges) -> Pending<BookSyncApplied> {
        self.write(move |conn, path, plan| {
            address_books::apply_changes(conn, path, plan, &changes, now_ms())
        })
    }

    // ---- retention ----

    /// Changes which calls [`HistoryStore::purge`] removes.
    pub fn set_retention(&self, retention: Retention) {
        if let Ok(mut r) = self.inner.retention.lock() {
            *r = retention;
        }
    }

    /// Deletes one batch (at most [`PURGE_BATCH`] calls and as many texts)
    /// outside the retention policy; resolves to how many went (0: nothing
    /// left). Texts go by age only.
    pub fn purge_step(&self, now_ms: i64) -> Pending<usize> {
        let retention = self.inner.retention.lock().map(|r| *r).unwrap_or_default();
        self.write(move |conn, path, _| {
            retention::purge_batch(conn, path, retention, now_ms, PURGE_BATCH)
        })
    }

    /// Deletes every call (and text) outside the retention policy, one small
    /// transaction at a time so recording and lookups interleave. Resolves
    /// to the number deleted.
    pub async fn purge(&self, now_ms: i64) -> Result<usize> {
        let mut total = 0;
        loop {
            let n = self.purge_step(now_ms).await?;
            total += n;
            if n == 0 {
                return Ok(total);
            }
        }
    }

    /// [`HistoryStore::purge`] for blocking callers.
    pub fn purge_blocking(&self, now_ms: i64) -> Result<usize> {
        let mut total = 0;
        loop {
            let n = self.purge_step(now_ms).wait()?;
            total += n;
            if n == 0 {
                return Ok(total);
            }
        }
    }
}
