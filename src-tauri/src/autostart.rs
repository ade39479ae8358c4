//! "Start Ringside when I log in" (`startWithOs`): on Linux an XDG autostart
//! entry, `$XDG_CONFIG_HOME/autostart/ringside.desktop` (`~/.config` when
//! the variable is unset), which every freedesktop session (GNOME, KDE,
//! Xfce, …) runs at login. Turning the setting off removes that file.
//!
//! A plain file rather than `tauri-plugin-autostart`: the plugin writes the
//! same file on Linux but pulls another dependency tree and reads the
//! config dir only from `$HOME`, so tests could not point it at a temp dir.
//! Other platforms are not handled yet (the setting is then saved but
//! reported as unsupported in the log). This module touches no window.

use std::path::{Path, PathBuf};

use crate::ipc::{ErrorCode, IpcError, IpcResult};

/// The entry's file name inside the autostart dir.
pub const ENTRY_FILE: &str = "ringside.desktop";

/// Where the login entry goes and what it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autostart {
    /// `$XDG_CONFIG_HOME/autostart`; `None` when neither it nor `$HOME` is set.
    pub dir: Option<PathBuf>,
    /// The program to start: the AppImage when running from one, else this binary.
    pub exe: PathBuf,
}

impl Autostart {
    /// The entry for this user and this program, from the environment.
    pub fn from_env() -> Self {
        let config_home = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
        // An AppImage runs from a temporary mount; the login entry must
        // start the AppImage file itself.
        let exe = std::env::var_os("APPIMAGE")
            .map(PathBuf::from)
            .or_else(|| std::env::current_exe().ok())
            .unwrap_or_else(|| PathBuf::from("ringside-app"));
        Self {
            dir: config_home.map(|c| c.join("autostart")),
            exe,
        }
    }

    /// The entry's path, if there is an autostart dir.
    pub fn entry_path(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(ENTRY_FILE))
    }

    /// True when the entry file exists.
    pub fn is_enabled(&self) -> bool {
        self.entry_path().is_some_and(|p| p.is_file())
    }

    /// Creates (or refreshes, so it names the current program) or removes
    /// the login entry. Removing a missing entry is not an error.
    pub fn apply(&self, enabled: bool) -> IpcResult<()> {
        if !cfg!(target_os = "linux") {
            tracing::warn!("starting with the system is only supported on Linux so far");
            return Ok(());
        }
        let Some(path) = self.entry_path() else {
            return Err(IpcError::new(
                ErrorCode::Io,
                "Start with the system: neither XDG_CONFIG_HOME nor HOME is set, so there is no autostart folder.",
            ));
        };
        let io = |e: std::io::Error| {
            IpcError::new(
                ErrorCode::Io,
                format!(
                    "Start with the system: could not change {}: {e}.",
                    path.display()
                ),
            )
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
}

/// The `.desktop` text that starts `exe` at login.
pub fn desktop_entry(exe: &Path) -> String {
    format!(
        "[Desktop Entry]\nType=Application\nName=Ringside\nComment=Caller popups for your desk phone\n\
         Exec={}\nIcon=ringside-app\nTerminal=false\nX-GNOME-Autostart-enabled=true\n",
        exec_quote(&exe.to_string_lossy())
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_is_created_refreshed_and_removed() {
        let home = tempfile::tempdir().unwrap();
        let a = Autostart {
            dir: Some(home.path().join("autostart")),
            exe: PathBuf::from("/opt/Ring side/ringside-app"),
        };
        a.apply(false)
            .expect("removing an entry that is not there is fine");
        a.apply(true).unwrap();
        let text = std::fs::read_to_string(home.path().join("autostart").join(ENTRY_FILE)).unwrap();
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
        moved.apply(true).unwrap();
        let text = std::fs::read_to_string(moved.entry_path().unwrap()).unwrap();
        assert!(
            text.contains("\nExec=\"/usr/bin/ringside-app\"\n"),
            "turning it on again points at the current program: {text}"
        );
        a.apply(false).unwrap();
        assert!(!a.is_enabled(), "turning it off removes the entry");
    }

    #[test]
    fn exec_arguments_are_quoted_per_the_desktop_entry_spec() {
        assert_eq!(exec_quote("/a/b"), "\"/a/b\"");
        assert_eq!(
            exec_quote("/a/$x`y\"z\\w%u"),
            "\"/a/\\$x\\`y\\\"z\\\\w%%u\""
        );
    }
}
