//! Opening the database file and bringing its schema up to date.
//!
//! Migrations are numbered SQL files in `migrations/`, embedded at build
//! time. Each runs in one `BEGIN IMMEDIATE` transaction that also sets
//! `PRAGMA user_version` to its number, so a crash leaves the file at the
//! previous version, never half-way. `user_version` lives in the file header,
//! which lets [`precheck`] refuse a newer or damaged file by reading 100
//! bytes, before SQLite touches it.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{Result, SqlContext, StoreError};
use crate::text::fold;

/// The migrations, in order; migration `i` (0-based) brings the schema to
/// version `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_search_and_callbacks.sql"),
    include_str!("../migrations/0003_deferred_call_index.sql"),
    include_str!("../migrations/0004_sms_and_cdr_import.sql"),
    include_str!("../migrations/0005_queue_wait.sql"),
    include_str!("../migrations/0006_address_books.sql"),
];

/// The schema version this build writes and understands.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// How SQLite syncs commits to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Durability {
    /// `synchronous=NORMAL` in WAL mode: a commit is in the WAL file (in the
    /// OS page cache) when `record_call` returns, so killing the process,
    /// even with `kill -9`, loses nothing; only a power cut or OS crash can
    /// lose the last commits. One fsync per checkpoint, not per call.
    #[default]
    Normal,
    /// `synchronous=FULL`: every commit is fsynced, surviving a power cut too,
    /// at the price of one fsync per write.
    Full,
}

/// Refuses a file that SQLite should not open, without modifying it: one
/// that is read-only, is not a SQLite file, or has a newer schema.
pub(crate) fn precheck(path: &Path) -> Result<()> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(StoreError::Io {
                path: path.into(),
                source,
            })
        }
    };
    // SQLite running as root would write to a 0444 file; honour the user's
    // intent instead.
    if meta.permissions().readonly() {
        return Err(StoreError::ReadOnly { path: path.into() });
    }
    if meta.len() == 0 {
        return Ok(());
    }
    let mut header = [0u8; 100];
    let mut file = File::open(path).map_err(|source| StoreError::Io {
        path: path.into(),
        source,
    })?;
    let mut filled = 0;
    while filled < header.len() {
        match file.read(&mut header[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(source) => {
                return Err(StoreError::Io {
                    path: path.into(),
                    source,
                })
            }
        }
    }
    if filled < header.len() || &header[..16] != b"SQLite format 3\0" {
        return Err(StoreError::Corrupt { path: path.into() });
    }
    let version = i64::from(i32::from_be_bytes([
        header[60], header[61], header[62], header[63],
    ]));
    check_version(path, version)
}

fn check_version(path: &Path, found: i64) -> Result<()> {
    if found > LATEST_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.into(),
            found,
            supported: LATEST_VERSION,
        });
    }
    if found < 0 {
        return Err(StoreError::Corrupt { path: path.into() });
    }
    Ok(())
}

/// Opens a connection with the settings every store connection shares, and
/// the `ringside_fold` SQL function the search triggers use.
pub(crate) fn connect(path: &Path, durability: Durability, read_only: bool) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).at(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .at(path)?;
    conn.create_scalar_function(
        "ringside_fold",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|s| fold(&s))),
    )
    .at(path)?;
    // Before anything that writes: a file whose WAL holds a newer schema
    // must stay untouched too.
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .at(path)?;
    check_version(path, version)?;
    if conn.is_readonly(rusqlite::DatabaseName::Main).at(path)? {
        return Err(StoreError::ReadOnly { path: path.into() });
    }
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .at(path)?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(path = %path.display(), mode, "WAL mode refused; running in {mode} mode");
    }
    let sync = match durability {
        Durability::Normal => "NORMAL",
        Durability::Full => "FULL",
    };
    conn.pragma_update(None, "synchronous", sync).at(path)?;
    conn.pragma_update(None, "foreign_keys", "ON").at(path)?;
    // Page cache per connection (writer, readers, checkpointer), in KiB. At
    // 32 MiB each the 100-hour soak's RSS still climbed at hour 100; misses
    // are served from the OS page cache anyway.
    conn.pragma_update(None, "cache_size", -8_000).at(path)?;
    conn.pragma_update(None, "temp_store", "MEMORY").at(path)?;
    // Without a limit the WAL keeps its high-water size after checkpoints
    // (about 100 MB in the 100-hour soak); SQLite trims it back to this.
    conn.pragma_update(None, "journal_size_limit", 16 * 1024 * 1024)
        .at(path)?;
    if read_only {
        conn.pragma_update(None, "query_only", "ON").at(path)?;
    }
    Ok(conn)
}

/// Applies the migrations the file lacks, up to `target`.
pub(crate) fn migrate(conn: &mut Connection, path: &Path, target: i64) -> Result<()> {
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(path)?;
        // Read inside the write lock: another process may have migrated.
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .at(path)?;
        check_version(path, version)?;
        if version >= target {
            return Ok(());
        }
        let next = version + 1;
        tracing::info!(path = %path.display(), from = version, to = next, "migrating history database");
        let sql = MIGRATIONS[version as usize];
        tx.execute_batch(sql).at(path)?;
        tx.pragma_update(None, "user_version", next).at(path)?;
        tx.commit().at(path)?;
    }
}

/// Creates (or upgrades) a database at `path` with the schema of `version`
/// exactly, for migration tests and tools that need an older file.
pub fn create_at_version(path: &Path, version: i64) -> Result<()> {
    if !(0..=LATEST_VERSION).contains(&version) {
        return Err(StoreError::Invalid(format!("no schema version {version}")));
    }
    precheck(path)?;
    let mut conn = connect(path, Durability::Normal, false)?;
    migrate(&mut conn, path, version)
}

/// The schema version recorded in a database file, read without changing it.
pub fn file_version(path: &Path) -> Result<i64> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).at(path)?;
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .at(path)
}
