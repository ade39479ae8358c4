//! Starting on Windows, where the release app has no console
//! (`windows_subsystem = "windows"` in `main.rs`): a start that cannot go on
//! says so in a message box as well as in the log, so it never ends silently.
//!
//! - Before Tauri is built, [`require_webview2`] looks for the Microsoft Edge
//!   WebView2 Runtime where the installer looks (`CheckWebView2` in
//!   `packaging/windows/ringside.nsi`): the `pv` value of EdgeUpdate's client
//!   key, under HKLM (WOW6432Node, then not) and HKCU. Without it the app
//!   says where to get it and exits with [`EXIT_NO_WEBVIEW2`].
//! - A wrong command line ([`bad_command_line`]) or a failed start
//!   ([`start_failed`]) shows the error in a box too.
//!
//! Elsewhere these only log (and clap prints), as before. The words and the
//! decision are plain functions, tested on every system; reading the registry
//! and showing the box are the `sys` module, Windows only.
//! `RINGSIDE_NO_MESSAGE_BOX=1` writes the box's text to stderr instead, for
//! the Wine check in `packaging/windows/check-installer.sh`, which has no
//! one to press OK.

use std::fmt::Display;
use std::path::Path;

/// The EdgeUpdate client ID of the WebView2 Runtime (the installer's `WEBVIEW2_GUID`).
pub const WEBVIEW2_CLIENT: &str = "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}";

/// Microsoft's download page for the runtime (the installer's `WEBVIEW2_URL`).
pub const WEBVIEW2_URL: &str = "https://go.microsoft.com/fwlink/p/?LinkId=2124703";

/// Set to `1`: the box's text goes to stderr (and the log) instead of a box.
pub const NO_MESSAGE_BOX_VAR: &str = "RINGSIDE_NO_MESSAGE_BOX";

/// The exit status when the runtime is missing (a failed start is 1, as
/// before, and a wrong command line clap's 2).
pub const EXIT_NO_WEBVIEW2: i32 = 3;

/// The message box's title.
#[cfg(windows)]
const TITLE: &str = "Ringside";

/// A registry root the runtime may register under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hive {
    /// `HKEY_LOCAL_MACHINE`: installed for every user of the PC.
    LocalMachine,
    /// `HKEY_CURRENT_USER`: installed for this user only.
    CurrentUser,
}

/// Where the runtime keeps its version (`pv`), in the order the installer
/// reads them.
pub const WEBVIEW2_KEYS: [(Hive, &str); 3] = [
    (
        Hive::LocalMachine,
        r"SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}",
    ),
    (
        Hive::LocalMachine,
        r"SOFTWARE\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}",
    ),
    (
        Hive::CurrentUser,
        r"Software\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}",
    ),
];

/// The runtime's version from the `pv` values read at [`WEBVIEW2_KEYS`]
/// (`None` where the key or value is missing): the first that is neither
/// empty nor `0.0.0.0` (what an uninstalled runtime leaves behind), as the
/// installer decides. `None`: the runtime is not installed.
pub fn webview2_version<I>(pvs: I) -> Option<String>
where
    I: IntoIterator<Item = Option<String>>,
{
    pvs.into_iter()
        .flatten()
        .map(|v| v.trim().to_owned())
        .find(|v| !v.is_empty() && v != "0.0.0.0")
}

/// What the box says when the runtime is missing: the installer's words, for
/// the start rather than the install.
pub fn missing_webview2_text() -> String {
    format!(
        "Ringside cannot start: it needs the Microsoft Edge WebView2 Runtime to show \
         its windows, and this computer does not have it.\r\n\r\n\
         Download it free from Microsoft at\r\n{WEBVIEW2_URL}\r\n\
         install it, then start Ringside again.\r\n\r\n\
         If you cannot install programs on this computer, ask whoever looks after it."
    )
}

/// What the box says when the start failed for another reason.
pub fn failed_start_text(error: &str, log: Option<&Path>) -> String {
    let mut text =
        format!("Ringside could not start, and has closed.\r\n\r\nWhat went wrong: {error}");
    if let Some(log) = log {
        text.push_str(&format!(
            "\r\n\r\nThe details are in its log:\r\n{}",
            log.display()
        ));
    }
    text.push_str(
        "\r\n\r\nIf starting it again does not help, send the log to whoever \
         looks after this computer.",
    );
    text
}

/// Whether `RINGSIDE_NO_MESSAGE_BOX`'s value asks for stderr instead of a box.
pub fn message_box_off(value: Option<&str>) -> bool {
    matches!(value.map(str::trim), Some("1" | "true" | "yes"))
}

/// On Windows, stops the start when the WebView2 Runtime is missing: logs it,
/// says so in a message box and exits with [`EXIT_NO_WEBVIEW2`]. Elsewhere,
/// and when the runtime is there, returns.
pub fn require_webview2() {
    #[cfg(windows)]
    {
        let pvs = WEBVIEW2_KEYS
            .iter()
            .map(|(hive, key)| sys::read_pv(*hive, key));
        match webview2_version(pvs) {
            Some(version) => tracing::info!(%version, "Microsoft Edge WebView2 Runtime"),
            None => {
                tracing::error!(
                    "Ringside cannot start: the Microsoft Edge WebView2 Runtime is not installed \
                     (no version under EdgeUpdate\\Clients\\{WEBVIEW2_CLIENT} in HKLM or HKCU); \
                     get it from {WEBVIEW2_URL}"
                );
                tell(&missing_webview2_text());
                std::process::exit(EXIT_NO_WEBVIEW2);
            }
        }
    }
}

/// A wrong command line. On Windows an error (not `--help` or `--version`)
/// goes to a message box as well, since no console shows it; then clap exits
/// as it would.
pub fn bad_command_line(error: clap::Error) -> ! {
    if cfg!(windows) && error.use_stderr() {
        tell(&error.to_string());
        std::process::exit(error.exit_code());
    }
    error.exit()
}

/// A start that failed after Tauri was built: logged, on Windows said in a
/// message box too, and the process exits with 1.
pub fn start_failed(error: &dyn Display, log: Option<&Path>) -> ! {
    tracing::error!("Ringside stopped: {error}");
    if cfg!(windows) {
        tell(&failed_start_text(&error.to_string(), log));
    }
    std::process::exit(1)
}

/// Shows `text` in a message box on Windows; on stderr elsewhere or when
/// `RINGSIDE_NO_MESSAGE_BOX` is set.
fn tell(text: &str) {
    #[cfg(windows)]
    if !message_box_off(std::env::var(NO_MESSAGE_BOX_VAR).ok().as_deref()) {
        sys::message_box(TITLE, text);
        return;
    }
    eprintln!("{}", text.replace("\r\n", "\n"));
}

/// The Windows calls: the registry through `windows-registry` (as the config
/// crate's Run value), the message box through `windows-sys`.
#[cfg(windows)]
mod sys {
    use super::Hive;

    /// The `pv` value under `key`, if the key and a string value are there.
    pub fn read_pv(hive: Hive, key: &str) -> Option<String> {
        let root = match hive {
            Hive::LocalMachine => windows_registry::LOCAL_MACHINE,
            Hive::CurrentUser => windows_registry::CURRENT_USER,
        };
        root.open(key).ok()?.get_string("pv").ok()
    }

    /// A modal box with an OK button and the error icon, owned by no window.
    #[allow(unsafe_code)]
    pub fn message_box(title: &str, text: &str) {
        use windows_sys::Win32::UI::WindowsAndMessaging::{
            MessageBoxW, MB_ICONERROR, MB_OK, MB_SETFOREGROUND,
        };
        let wide = |s: &str| s.encode_utf16().chain(Some(0)).collect::<Vec<u16>>();
        let (title, text) = (wide(title), wide(text));
        // SAFETY: both are NUL-terminated UTF-16 buffers that outlive the
        // call, and a null owner window is allowed.
        unsafe {
            MessageBoxW(
                std::ptr::null_mut(),
                text.as_ptr(),
                title.as_ptr(),
                MB_OK | MB_ICONERROR | MB_SETFOREGROUND,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NSI: &str = include_str!("../../packaging/windows/ringside.nsi");

    fn pv(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn the_first_real_version_wins_as_in_the_installer() {
        assert_eq!(webview2_version([None, None, None]), None);
        assert_eq!(
            webview2_version([pv(""), pv("0.0.0.0"), None]),
            None,
            "an uninstalled runtime leaves 0.0.0.0 or an empty value"
        );
        assert_eq!(
            webview2_version([None, None, pv("120.0.2210.91")]).as_deref(),
            Some("120.0.2210.91"),
            "a per-user runtime counts"
        );
        assert_eq!(
            webview2_version([pv("0.0.0.0"), pv("119.0.1"), pv("120.0.1")]).as_deref(),
            Some("119.0.1")
        );
    }

    #[test]
    fn the_keys_and_link_are_the_installers() {
        assert!(NSI.contains(&format!("!define WEBVIEW2_GUID \"{WEBVIEW2_CLIENT}\"")));
        assert!(NSI.contains(&format!("!define WEBVIEW2_URL \"{WEBVIEW2_URL}\"")));
        let mut at = Vec::new();
        for (hive, key) in WEBVIEW2_KEYS {
            let (root, client) = key.rsplit_once('\\').unwrap();
            assert_eq!(client, WEBVIEW2_CLIENT);
            let nsis_root = match hive {
                Hive::LocalMachine => "HKLM",
                Hive::CurrentUser => "HKCU",
            };
            let line = format!("ReadRegStr $0 {nsis_root} \"{root}\\${{WEBVIEW2_GUID}}\" \"pv\"");
            match NSI.find(&line) {
                Some(i) => at.push(i),
                None => panic!("the installer has no {line}"),
            }
        }
        assert!(
            at.windows(2).all(|w| w[0] < w[1]),
            "read in the installer's order"
        );
    }

    #[test]
    fn the_missing_runtime_is_said_in_plain_words() {
        let text = missing_webview2_text();
        assert!(text.contains("Microsoft Edge WebView2 Runtime"));
        assert!(text.contains(WEBVIEW2_URL));
        assert!(text.contains("start Ringside again"));
        assert!(text.contains("ask whoever looks after it"));
    }

    #[test]
    fn a_failed_start_names_the_error_and_the_log() {
        let text = failed_start_text("no tray", Some(Path::new(r"C:\x\ringside.log")));
        assert!(text.contains("What went wrong: no tray"));
        assert!(text.contains(r"C:\x\ringside.log"));
        assert!(!failed_start_text("no tray", None).contains("log:"));
    }

    #[test]
    fn the_box_is_off_only_when_asked() {
        assert!(message_box_off(Some("1")));
        assert!(message_box_off(Some("yes")));
        assert!(!message_box_off(Some("0")));
        assert!(!message_box_off(Some("")));
        assert!(!message_box_off(None));
    }
}
