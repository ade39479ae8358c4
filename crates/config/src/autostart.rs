//! "Start Ringside when I log in" (the `startWithOs` setting): the login
//! entry that starts this program when she signs in.
//!
//! - **Linux** (any freedesktop session: GNOME, KDE, Xfce, …): an XDG
//!   autostart entry, `$XDG_CONFIG_HOME/autostart/ringside.desktop`
//!   (`~/.config` when the variable is unset).
//! - **Windows**: the string value `Ringside` under
//!   `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`, the very value
//!   the installer's "Start Ringside when Windows starts" writes
//!   (`packaging/windows/ringside.nsi`), so the installer's choice and the
//!   setting are one thing.
//!
//! Turning the setting off removes the entry; removing one that is not
//! there is not an error. Turning it on again rewrites it, so it names the
//! program that runs now (after an update, or an AppImage moved).
//!
//! A plain file and a registry value rather than `tauri-plugin-autostart`:
//! the plugin pulls another dependency tree and reads the config dir only
//! from `$HOME`, so tests could not point it at a temp dir; and living
//! here, in a headless crate, the Windows half is tested under Wine.

use std::path::{Path, PathBuf};

use crate::Error;

/// The Linux entry's file name inside the autostart dir.
pub const ENTRY_FILE: &str = "ringside.desktop";

/// The Windows Run key, under `HKEY_CURRENT_USER`.
pub const RUN_KEY: &str = r"Software\Microsoft\Windows\CurrentVersion\Run";

/// The Windows Run value's name (the installer's `${APP}`).
pub const RUN_VALUE: &str = "Ringside";

/// Where a login entry lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A `.desktop` file named [`ENTRY_FILE`] in this autostart dir; `None`
    /// when neither `$XDG_CONFIG_HOME` nor `$HOME` is set.
    Xdg(Option<PathBuf>),
    /// The string value `name` under `HKEY_CURRENT_USER\key` (Windows).
    RunKey {
        /// The key's path under `HKEY_CURRENT_USER`.
        key: String,
        /// The value's name.
        name: String,
    },
}

/// One login entry: where it lives and what it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autostart {
    /// Where the entry lives.
    pub place: Place,
    /// The program to start: the AppImage when running from one, else this
    /// binary.
    pub exe: PathBuf,
}

impl Autostart {
    /// The entry for this user and this program on this system.
    pub fn from_env() -> Self {
        // An AppImage runs from a temporary mount; the login entry must
        // start the AppImage file itself.
        let exe = std::env::var_os("APPIMAGE")
            .map(PathBuf::from)
            .or_else(|| std::env::current_exe().ok())
            .unwrap_or_else(|| PathBuf::from("ringside-app"));
        let place = if cfg!(windows) {
            Place::RunKey {
                key: RUN_KEY.to_owned(),
                name: RUN_VALUE.to_owned(),
            }
        } else {
            let config_home = std::env::var_os("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
            Place::Xdg(config_home.map(|c| c.join("autostart")))
        };
        Self { place, exe }
    }

    /// The Linux entry's path, if this is one and there is an autostart dir.
    pub fn entry_path(&self) -> Option<PathBuf> {
        match &self.place {
            Place::Xdg(dir) => dir.as_ref().map(|d| d.join(ENTRY_FILE)),
            Place::RunKey { .. } => None,
        }
    }

    /// True when the entry exists.
    pub fn is_enabled(&self) -> bool {
        match &self.place {
            Place::Xdg(_) => self.entry_path().is_some_and(|p| p.is_file()),
            Place::RunKey { key, name } => run_key::read(key, name).is_some(),
        }
    }

    /// Creates (or rewrites, so it names the current program) or removes
    /// the login entry.
    pub fn apply(&self, enabled: bool) -> Result<(), Error> {
        match &self.place {
            Place::Xdg(_) => self.apply_xdg(enabled),
            Place::RunKey { key, name } => {
                let failed = |reason: String| Error::Autostart {
                    what: format!(r"the sign-in entry HKEY_CURRENT_USER\{key}\{name}"),
                    reason,
                };
                if enabled {
                    run_key::write(key, name, &run_command(&self.exe)).map_err(failed)
                } else {
                    run_key::remove(key, name).map_err(failed)
                }
            }
        }
    }

    fn apply_xdg(&self, enabled: bool) -> Result<(), Error> {
        let Some(path) = self.entry_path() else {
            return Err(Error::NoAutostartDir);
        };
        let io = |e: std::io::Error| Error::Autostart {
            what: path.display().to_string(),
            reason: e.to_string(),
        };
        if !enabled {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
                _ => Ok(()),
            };
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let tmp = dir.join(format!("{ENTRY_FILE}.tmp"));
        std::fs::write(&tmp, desktop_entry(&self.exe)).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }

    /// What the entry holds now: the `.desktop` text, or the Run value.
    pub fn current(&self) -> Option<String> {
        match &self.place {
            Place::Xdg(_) => std::fs::read_to_string(self.entry_path()?).ok(),
            Place::RunKey { key, name } => run_key::read(key, name),
        }
    }
}

/// The `.desktop` text that starts `exe` at login.
pub fn desktop_entry(exe: &Path) -> String {
    format!(
        "[Desktop Entry]\nType=Application\nName=Ringside\nComment=Caller popups for your desk phone\n\
         Exec={}\nIcon=ringside-app\nTerminal=false\nX-GNOME-Autostart-enabled=true\n",
        exec_quote(&exe.to_string_lossy())
    )
}

/// The Run value that starts `exe`: the path in double quotes, as the
/// installer writes it (a path with spaces is one program, not arguments).
/// A path cannot hold `"` on Windows; line breaks are dropped.
pub fn run_command(exe: &Path) -> String {
    let path: String = exe
        .to_string_lossy()
        .chars()
        .filter(|c| !matches!(c, '"' | '\r' | '\n'))
        .collect();
    format!("\"{path}\"")
}

/// Quotes one `Exec` argument as the Desktop Entry spec asks: inside double
/// quotes, `"`, `` ` ``, `$` and `\` are backslash-escaped, and a literal
/// `%` is doubled (field codes).
fn exec_quote(arg: &str) -> String {
    let mut out = String::from("\"");
    for c in arg.chars() {
        match c {
            '"' | '`' | '$' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '%' => out.push_str("%%"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The registry under `HKEY_CURRENT_USER`, on Windows.
#[cfg(windows)]
mod run_key {
    use windows_registry::CURRENT_USER;

    pub fn read(key: &str, name: &str) -> Option<String> {
        CURRENT_USER.open(key).ok()?.get_string(name).ok()
    }

    pub fn write(key: &str, name: &str, value: &str) -> Result<(), String> {
        CURRENT_USER
            .create(key)
            .and_then(|k| k.set_string(name, value))
            .map_err(|e| e.message())
    }

    pub fn remove(key: &str, name: &str) -> Result<(), String> {
        if read(key, name).is_none() {
            return Ok(());
        }
        CURRENT_USER
            .create(key)
            .and_then(|k| k.remove_value(name))
            .map_err(|e| e.message())
    }
}

/// Elsewhere there is no registry: a Run key entry is never there, and
/// cannot be made.
#[cfg(not(windows))]
mod run_key {
    const NO_REGISTRY: &str = "this system has no Windows registry";

    pub fn read(_key: &str, _name: &str) -> Option<String> {
        None
    }

    pub fn write(_key: &str, _name: &str, _value: &str) -> Result<(), String> {
        Err(NO_REGISTRY.to_owned())
    }

    pub fn remove(_key: &str, _name: &str) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_desktop_entry_is_created_refreshed_and_removed() {
        let home = tempfile::tempdir().expect("a temp dir");
        let a = Autostart {
            place: Place::Xdg(Some(home.path().join("autostart"))),
            exe: PathBuf::from("/opt/Ring side/ringside-app"),
        };
        a.apply(false)
            .expect("removing an entry that is not there is fine");
        a.apply(true).expect("the entry is written");
        let text = std::fs::read_to_string(home.path().join("autostart").join(ENTRY_FILE))
            .expect("the entry is there");
        assert!(text.starts_with("[Desktop Entry]\n"), "{text}");
        assert!(
            text.contains("\nExec=\"/opt/Ring side/ringside-app\"\n"),
            "the path with a space is quoted: {text}"
        );
        assert!(text.contains("\nType=Application\n"), "{text}");
        let moved = Autostart {
            exe: PathBuf::from("/usr/bin/ringside-app"),
            ..a.clone()
        };
        moved.apply(true).expect("the entry is rewritten");
        let text = moved.current().expect("the entry is there");
        assert!(
            text.contains("\nExec=\"/usr/bin/ringside-app\"\n"),
            "turning it on again points at the current program: {text}"
        );
        a.apply(false).expect("the entry is removed");
        assert!(!a.is_enabled(), "turning it off removes the entry");
    }

    #[test]
    fn no_autostart_dir_is_said_in_words() {
        let a = Autostart {
            place: Place::Xdg(None),
            exe: PathBuf::from("/usr/bin/ringside-app"),
        };
        let e = a.apply(true).expect_err("no dir, no entry");
        assert_eq!(e.code(), "no_autostart_dir");
        assert!(e.to_string().contains("XDG_CONFIG_HOME"), "{e}");
    }

    #[test]
    fn exec_arguments_are_quoted_per_the_desktop_entry_spec() {
        assert_eq!(exec_quote("/a/b"), "\"/a/b\"");
        assert_eq!(
            exec_quote("/a/$x`y\"z\\w%u"),
            "\"/a/\\$x\\`y\\\"z\\\\w%%u\""
        );
    }

    #[test]
    fn the_run_value_is_the_quoted_path_as_the_installer_writes_it() {
        assert_eq!(
            run_command(Path::new(
                r"C:\Users\Ana María\AppData\Local\Programs\Ringside\ringside-app.exe"
            )),
            r#""C:\Users\Ana María\AppData\Local\Programs\Ringside\ringside-app.exe""#
        );
        assert_eq!(
            run_command(Path::new("C:\\a\"b\r\nc.exe")),
            r#""C:\abc.exe""#
        );
    }
}
