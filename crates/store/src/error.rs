//! The store's one error type. Every message names the database file and
//! says what the user can do, because it ends up in front of a receptionist.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// A `Result` with [`StoreError`].
pub type Result<T> = std::result::Result<T, StoreError>;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The disk (or the partition) holding the database has no room left.
    #[error("The disk holding {} is full. Free some space; calls are not being saved to history until then.", path.display())]
    DiskFull {
        /// The database file.
        path: PathBuf,
    },
    /// The database file (or its folder) cannot be written.
    #[error("{} is read-only. Ringside needs to write to it to keep call history; check the file's permissions.", path.display())]
    ReadOnly {
        /// The database file.
        path: PathBuf,
    },
    /// The file is not a SQLite database, or its pages are damaged.
    #[error("{} is not a valid Ringside history database (file is damaged). Move it aside to start a new history.", path.display())]
    Corrupt {
        /// The database file.
        path: PathBuf,
    },
    /// The schema in the file is newer than this build understands; the file
    /// was left untouched.
    #[error("{} was written by a newer version of Ringside (schema {found}, this version understands {supported}). Update Ringside; the file was left untouched.", path.display())]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The schema version found in the file.
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },
    /// The file or its folder could not be created or read.
    #[error("Cannot use {}: {source}", path.display())]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Any other SQLite failure.
    #[error("The history database {} failed: {source}", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// No platform data directory could be found and no path was given.
    #[error(
        "No data folder could be found for the call history; set a database path in the settings."
    )]
    NoDataDir,
    /// A contact id that does not exist.
    #[error("There is no contact with id {0}.")]
    NoSuchContact(i64),
    /// The contact was synced from an address book: it is changed there,
    /// and the next sync brings the change.
    #[error("This contact comes from the address book {book}; change it there.")]
    SyncedContact {
        /// The address book's name.
        book: String,
    },
    /// An input the store refuses (an empty contact name, ...).
    #[error("{0}")]
    Invalid(String),
    /// A whole import file could not be read (single rows are skipped and
    /// reported instead).
    #[error("Cannot import this file: {0}")]
    Import(String),
    /// The store's worker threads have stopped (the store was closed or a
    /// worker panicked).
    #[error("The call history store for {} is closed.", path.display())]
    Closed {
        /// The database file.
        path: PathBuf,
    },
}

impl StoreError {
    /// A stable machine-readable code for the UI's `{code, message}` error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::DiskFull { .. } => "disk_full",
            Self::ReadOnly { .. } => "read_only",
            Self::Corrupt { .. } => "corrupt",
            Self::NewerSchema { .. } => "newer_schema",
            Self::Io { .. } => "io",
            Self::Sqlite { .. } => "sqlite",
            Self::NoDataDir => "no_data_dir",
            Self::NoSuchContact(_) => "no_such_contact",
            Self::SyncedContact { .. } => "synced_contact",
            Self::Invalid(_) => "invalid",
            Self::Import(_) => "import",
            Self::Closed { .. } => "closed",
        }
    }

    /// Maps a SQLite error to the variant a user can act on.
    pub(crate) fn from_sqlite(path: &Path, source: rusqlite::Error) -> Self {
        let path = path.to_path_buf();
        match source.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Self::DiskFull { path },
            Some(ErrorCode::ReadOnly) | Some(ErrorCode::PermissionDenied) => {
                Self::ReadOnly { path }
            }
            Some(ErrorCode::DatabaseCorrupt) | Some(ErrorCode::NotADatabase) => {
                Self::Corrupt { path }
            }
            _ => Self::Sqlite { path, source },
        }
    }
}

/// Attaches the database path to rusqlite results.
pub(crate) trait SqlContext<T> {
    /// Converts the error with [`StoreError::from_sqlite`].
    fn at(self, path: &Path) -> Result<T>;
}

impl<T> SqlContext<T> for std::result::Result<T, rusqlite::Error> {
    fn at(self, path: &Path) -> Result<T> {
        self.map_err(|e| StoreError::from_sqlite(path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: std::os::raw::c_int) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn sqlite_codes_map_to_actionable_errors() {
        let path = Path::new("/data/history.db");
        let full = StoreError::from_sqlite(path, failure(rusqlite::ffi::SQLITE_FULL));
        assert_eq!(
            full.code(),
            "disk_full",
            "SQLITE_FULL must read as a full disk"
        );
        assert!(
            full.to_string()
                .starts_with("The disk holding /data/history.db is full"),
            "the message must name the file: {full}"
        );
        let ro = StoreError::from_sqlite(path, failure(rusqlite::ffi::SQLITE_READONLY));
        assert_eq!(
            ro.code(),
            "read_only",
            "SQLITE_READONLY must read as a read-only file"
        );
        let bad = StoreError::from_sqlite(path, failure(rusqlite::ffi::SQLITE_NOTADB));
        assert_eq!(
            bad.code(),
            "corrupt",
            "SQLITE_NOTADB must read as a damaged file"
        );
        assert!(
            bad.to_string()
                .contains("/data/history.db is not a valid Ringside history database"),
            "the message must name the file: {bad}"
        );
    }
}
