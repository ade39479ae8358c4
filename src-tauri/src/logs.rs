//! Logging: `tracing` to stderr and to `ringside.log` in the data dir, so a
//! receptionist can send the file to whoever supports her. Nothing secret is
//! ever passed to a log macro (the AMI secret is a `Secret` whose `Debug`
//! is `<redacted>`); the end-to-end test greps this file for the secret.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::EnvFilter;

/// The log file's name inside the data dir.
pub const LOG_FILE: &str = "ringside.log";

/// Starts logging (`RUST_LOG` filters, default `info`). Returns the log
/// file's path when it could be opened; stderr logging works regardless.
pub fn init(data_dir: &Path) -> Option<PathBuf> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let path = data_dir.join(LOG_FILE);
    let file = std::fs::create_dir_all(data_dir)
        .and_then(|_| OpenOptions::new().create(true).append(true).open(&path))
        .ok();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = match file {
        Some(f) => builder
            .with_writer(std::io::stderr.and(Mutex::new(f)))
            .with_ansi(false)
            .try_init(),
        None => builder.with_writer(std::io::stderr).try_init(),
    };
    if result.is_err() {
        return None;
    }
    Some(path)
}
