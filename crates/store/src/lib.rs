//! Ringside's local store: call history, contacts and notes in one SQLite
//! file, with import/export and search.
//!
//! It stores the [`CallRecord`] the call tracker emits, upserted by its call
//! id. All database work runs on the store's own threads (one writer, a few
//! readers), never on an async runtime thread; see [`HistoryStore`]. The
//! schema is created and upgraded by numbered migrations (see [`schema`]).
//! The file never holds a secret.

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
