//! The settings file, `settings.json` in the config dir ([`crate::config_dir`]).
//!
//! Defaults live in code; the file stores only the keys that differ from
//! them, so a new default reaches everybody who never changed that setting.
//! The settings type itself is the app's (its IPC type, with the
//! TypeScript the UI is typed with): it implements [`Persisted`], and this
//! module sees it only as a JSON object of keys and values.
//!
//! ## Behavior
//! - A missing file is a fresh install: the defaults.
//! - A file that cannot be read, is not JSON, or gives a known key a value
//!   of the wrong kind is an [`Error`], never silently replaced: the caller
//!   decides (the app starts on the defaults and says why).
//! - Keys the defaults do not have (a newer version's) are ignored, and so
//!   are the [`Persisted::RUNTIME_KEYS`]; a file that is JSON but not an
//!   object gives the defaults.
//! - Saving writes a temp file beside the real one, flushes it to disk and
//!   renames it over the old file, so a crash or a full disk mid-write leaves
//!   the old settings whole. Saves in one process run one at a time.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::Error;

/// The name of the settings file inside the config dir.
pub const SETTINGS_FILE: &str = "settings.json";

/// A settings type the file can keep: serialized as one JSON object whose
/// keys are the setting names.
pub trait Persisted: Serialize + DeserializeOwned {
    /// Keys filled in at run time (whether the keyring holds a secret):
    /// never written, and ignored in a file that has them.
    const RUNTIME_KEYS: &'static [&'static str];

    /// The settings of a fresh install.
    fn defaults() -> Self;
}

/// Reads the settings in `dir`: the defaults overlaid with the file's keys
/// (see the module's Behavior).
pub fn load<T: Persisted>(dir: &Path) -> Result<T, Error> {
    let path = dir.join(SETTINGS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(T::defaults()),
        Err(source) => return Err(Error::SettingsUnreadable { path, source }),
    };
    let file: Value = serde_json::from_str(&text).map_err(|e| Error::SettingsDamaged {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let mut merged = to_object(&T::defaults());
    if let Value::Object(file) = file {
        overlay(&mut merged, file, T::RUNTIME_KEYS);
    }
    serde_json::from_value(Value::Object(merged)).map_err(|e| Error::SettingsWrongValue {
        path,
        reason: e.to_string(),
    })
}

/// Writes the keys of `settings` that differ from the defaults to the file
/// in `dir` (creating `dir`), atomically.
pub fn save<T: Persisted>(dir: &Path, settings: &T) -> Result<(), Error> {
    write_keys(dir, &diff_from_defaults(settings))
}

/// The keys of `settings` that differ from the defaults, never a runtime
/// key: what [`save`] writes.
pub fn diff_from_defaults<T: Persisted>(settings: &T) -> Map<String, Value> {
    changed_keys(
        to_object(settings),
        &to_object(&T::defaults()),
        T::RUNTIME_KEYS,
    )
}

/// Puts the file's keys over `base`, skipping those `base` does not have
/// and the runtime keys.
fn overlay(base: &mut Map<String, Value>, file: Map<String, Value>, runtime_keys: &[&str]) {
    for (key, value) in file {
        if base.contains_key(&key) && !runtime_keys.contains(&key.as_str()) {
            base.insert(key, value);
        }
    }
}

/// The keys of `current` whose value is not the default's, runtime keys left out.
fn changed_keys(
    current: Map<String, Value>,
    defaults: &Map<String, Value>,
    runtime_keys: &[&str],
) -> Map<String, Value> {
    current
        .into_iter()
        .filter(|(k, v)| !runtime_keys.contains(&k.as_str()) && defaults.get(k) != Some(v))
        .collect()
}

/// Writes `keys` as the settings file: temp file, flushed, renamed over the
/// old one, then the folder flushed so the rename itself survives a crash.
fn write_keys(dir: &Path, keys: &Map<String, Value>) -> Result<(), Error> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let unwritable = |source| Error::SettingsUnwritable {
        dir: dir.to_path_buf(),
        source,
    };
    let body = serde_json::to_string_pretty(keys).expect("a JSON object always serializes");
    std::fs::create_dir_all(dir).map_err(unwritable)?;
    let tmp = dir.join(format!("{SETTINGS_FILE}.tmp"));
    let mut file = std::fs::File::create(&tmp).map_err(unwritable)?;
    file.write_all(body.as_bytes()).map_err(unwritable)?;
    file.sync_all().map_err(unwritable)?;
    drop(file);
    std::fs::rename(&tmp, dir.join(SETTINGS_FILE)).map_err(unwritable)?;
    sync_dir(dir);
    Ok(())
}

/// Flushes the folder's entry list (the rename) to disk. Best effort: the
/// new file is in place already, and not every platform can open a folder.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// `value` as a JSON object. A settings type is a struct of plain fields,
/// so anything else is a bug in that type.
fn to_object<T: Serialize>(value: &T) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        other => unreachable!("settings must serialize to a JSON object, not {other:?}"),
    }
}

#[cfg(test)]
mod tests;
