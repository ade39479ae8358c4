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
//! with `set_retention` + `purge`.
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

mod db;
pub mod error;
pub mod import;
pub mod model;
pub mod schema;
mod store;
pub mod text;

pub use error::{Result, StoreError};
pub use model::{
    CallQuery, CalledBack, CallerContext, Contact, ContactFields, ContactNumber, ImportReport, Note, NoteTarget,
    Retention, SkippedRow, StoredCall, MISSED_OUTCOMES,
};
pub use ringside_calls::{CallRecord, NumberPlan};
pub use schema::{Durability, LATEST_VERSION};
pub use store::{default_path, HistoryStore, Pending, StoreConfig, DEFAULT_FILE_NAME, PURGE_BATCH};
