//! Ringside's local store: call history, contacts and notes in one SQLite
//! file, with import/export and search.
//!
//! It stores the [`CallRecord`] the call tracker emits, upserted by its call
//! id. All database work runs on the store's own threads (one writer, a few
//! readers), never on an async runtime thread; see [`HistoryStore`]. The
//! schema is created and upgraded by numbered migrations (see [`schema`]).
//! The file never holds a secret.
//!
//! # Using it
//! [`HistoryStore::open`] (or `open_async`) with a [`StoreConfig`]; every
//! method returns a [`Pending`], to `.await` in async code (Tauri commands,
//! the CLI) or `.wait()` in blocking code (tests, benches):
//! `record_call` / `record_calls` (upsert by call id), `lookup_caller` (the
//! popup), `missed_calls`, `search_calls` / `search_contacts`, `add_note`,
//! contact CRUD, `import_csv` / `import_vcard` / `export_csv`, and retention
//! with `set_retention` + `purge`. Text messages from the GSM gateway:
//! `record_sms` (upsert by id), `set_sms_status`, `sms_thread`, `recent_sms`,
//! `search_sms`. Calls from the PBX's own call records: `import_cdr`
//! (batched, deduplicated against live-recorded calls, resumable with
//! `cdr_cursor`).
//!
//! # Durability
//! WAL mode with `synchronous=NORMAL` (see [`Durability`]): a call is
//! reported recorded only after its transaction committed to the WAL file,
//! and the OS keeps that even if the process is killed with `kill -9`
//! (`tests/crash.rs` does exactly that, 30 times). Only a power cut can lose
//! the last commits; [`Durability::Full`] trades one fsync per write for that.
//!
//! # Errors
//! One [`StoreError`]; each message names the file. A newer, damaged or
//! read-only file is refused before SQLite writes to it. The app should keep
//! showing popups without history when the store fails to open.

pub mod address_books;
mod calls;
mod cdr;
mod contacts;
pub mod error;
pub mod import;
pub mod model;
mod notes;
mod popup;
mod retention;
pub mod schema;
mod search;
mod sms;
mod sql;
mod store;
pub mod text;
pub mod texts;
pub mod vcard;
mod workers;

pub use address_books::{BookChanges, BookState, BookSyncApplied, SyncedCard};
pub use error::{Result, StoreError};
pub use model::{
    CallQuery, CallSource, CalledBack, CallerContext, CdrCursor, CdrImportProgress,
    CdrImportReport, Contact, ContactFields, ContactNumber, ContactOrigin, ImportReport,
    ImportedCall, MissedCursor, Note, NoteTarget, Retention, SkippedRow, SmsDirection, SmsRecord,
    SmsStatus, StoredCall, StoredSms, MISSED_OUTCOMES,
};
pub use ringside_calls::{CallRecord, NumberPlan};
pub use schema::{Durability, LATEST_VERSION};
pub use store::{
    default_path, HistoryStore, Pending, StoreConfig, CDR_BATCH, DEFAULT_FILE_NAME, PURGE_BATCH,
};
