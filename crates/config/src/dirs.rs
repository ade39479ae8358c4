//! Where Ringside keeps its files: the settings in the config dir, the call
//! history and the log in the data dir. An environment variable overrides
//! each (for tests, and for a portable install); otherwise the platform's
//! folders are used.

use std::path::PathBuf;

/// Overrides [`config_dir`].
pub const CONFIG_DIR_VAR: &str = "RINGSIDE_CONFIG_DIR";
/// Overrides [`data_dir`].
pub const DATA_DIR_VAR: &str = "RINGSIDE_DATA_DIR";

/// Where settings live: `RINGSIDE_CONFIG_DIR`, else the platform config dir
/// (`$XDG_CONFIG_HOME/ringside` on Linux).
pub fn config_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(CONFIG_DIR_VAR) {
        return PathBuf::from(dir);
    }
    project_dirs()
        .map(|d| d.config_dir().to_path_buf())
        .unwrap_or_else(fallback)
}

/// Where the history database and logs live: `RINGSIDE_DATA_DIR`, else the
/// platform data dir (`$XDG_DATA_HOME/ringside` on Linux).
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DATA_DIR_VAR) {
        return PathBuf::from(dir);
    }
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(fallback)
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("app", "ringside", "ringside")
}

/// No home directory at all (a bare service account): the working directory.
fn fallback() -> PathBuf {
    PathBuf::from(".ringside")
}
