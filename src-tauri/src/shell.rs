//! The app's shared state ([`Shell`], managed by Tauri) and the few things
//! every part of the shell does with it: publish the connection state, show
//! or hide the popup for a card, notify. No telephony logic lives here: the
//! cards come from `ringside-calls`, the history from `ringside-store`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::cli::Args;
use crate::directory::CompanyDirectory;
use crate::ipc::{
    ConnectionState, ConnectionStatus, IpcError, IpcResult, Settings, Status, EVENT_CONNECTION,
};
use crate::popup::{self, PopupState, WindowChange};
use crate::settings::{self, SecretStore};
use crate::sync::LockExt;
use crate::tray::Tray;

/// Everything the commands and background tasks share. Locks are held only
/// for a few field reads or writes, never across an `.await` or I/O.
#[derive(Debug)]
pub struct Shell {
    /// The command line of this run.
    pub args: Args,
    /// Where `settings.json` lives.
    pub config_dir: PathBuf,
    /// Where the history database and the log live.
    pub data_dir: PathBuf,
    /// The OS keyring.
    pub secrets: Arc<dyn SecretStore>,
    saved: Mutex<Settings>,
    connection: Mutex<ConnectionStatus>,
    /// The popup's cards and do-not-disturb.
    pub popup: Mutex<PopupState>,
    live: Mutex<LiveInfo>,
    store: Result<ringside_store::HistoryStore, IpcError>,
    window_ops: Mutex<Option<tokio::sync::mpsc::UnboundedSender<WindowOp>>>,
    /// The login entry `startWithOs` creates or removes.
    pub autostart: ringside_config::autostart::Autostart,
    /// The company directory, opened from the settings when first asked
    /// (`None` inside: none is set); emptied when its settings change.
    directory: Mutex<Option<Option<Arc<CompanyDirectory>>>>,
}

/// A change to the popup window, applied in order by one task: window calls
/// wait for the GUI thread, and the session task must never wait for it.
#[derive(Debug, Clone, Copy)]
enum WindowOp {
    Show(crate::ipc::PopupPosition),
    Hide,
}

/// What the running session is connected as.
#[derive(Debug, Clone, Default)]
pub struct LiveInfo {
    /// Connected to the built-in demo PBX.
    pub demo: bool,
    /// The extensions whose calls pop up.
    pub extensions: Vec<String>,
}

impl Shell {
    /// The shell for this run, with the saved settings loaded (defaults when
    /// the file is damaged; the error is logged and shown as the status).
    pub fn new(
        args: Args,
        config_dir: PathBuf,
        data_dir: PathBuf,
        secrets: Arc<dyn SecretStore>,
    ) -> Self {
        let saved = settings::load(&config_dir).unwrap_or_else(|e| {
            tracing::warn!("{}", e.message);
            settings::default_settings()
        });
        let db = data_dir.join(ringside_store::DEFAULT_FILE_NAME);
        let store = ringside_store::HistoryStore::open(
            ringside_store::StoreConfig::new(number_plan(&saved)).with_path(&db),
        )
        .map_err(|e| {
            tracing::error!("{e}");
            IpcError::from(e)
        });
        Self {
            store,
            args,
            config_dir,
            data_dir,
            secrets,
            saved: Mutex::new(saved),
            connection: Mutex::new(ConnectionStatus {
                state: ConnectionState::Connecting,
                message: "Starting…".into(),
                version: None,
            }),
            popup: Mutex::new(PopupState::default()),
            live: Mutex::new(LiveInfo::default()),
            window_ops: Mutex::new(None),
            autostart: ringside_config::autostart::Autostart::from_env(),
            directory: Mutex::new(None),
        }
    }

    /// The company directory the settings name, if any. Opened on first
    /// use (it reads the keyring); a directory that cannot be opened is
    /// logged and counts as none until the settings change.
    pub fn directory(&self) -> Option<Arc<CompanyDirectory>> {
        let mut slot = self.directory.lock_or_recover();
        if let Some(open) = slot.as_ref() {
            return open.clone();
        }
        let s = self.saved_settings();
        let open = crate::directory::open(self.secrets.as_ref(), &s).unwrap_or_else(|e| {
            tracing::warn!("the company directory is not used: {}", e.message);
            None
        });
        *slot = Some(open.clone());
        open
    }

    /// The directory's settings or password changed: the next card opens it
    /// again.
    pub fn forget_directory(&self) {
        *self.directory.lock_or_recover() = None;
    }

    fn window_op<R: Runtime>(&self, app: &AppHandle<R>, op: WindowOp) {
        let mut tx = self.window_ops.lock_or_recover();
        if tx.is_none() {
            let (sender, mut rx) = tokio::sync::mpsc::unbounded_channel::<WindowOp>();
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                while let Some(op) = rx.recv().await {
                    let app = app.clone();
                    // Window calls block until the GUI thread answers.
                    let _ = tauri::async_runtime::spawn_blocking(move || match op {
                        WindowOp::Show(corner) => popup::show_window(&app, corner),
                        WindowOp::Hide => popup::hide_window(&app),
                    })
                    .await;
                }
            });
            *tx = Some(sender);
        }
        if let Some(tx) = tx.as_ref() {
            let _ = tx.send(op);
        }
    }

    /// The history store, or why it could not be opened.
    pub fn store(&self) -> IpcResult<&ringside_store::HistoryStore> {
        self.store.as_ref().map_err(Clone::clone)
    }

    /// What `get_status` returns.
    pub fn status(&self) -> Status {
        let live = self.live.lock_or_recover().clone();
        Status {
            connection: self.connection(),
            demo: live.demo,
            extensions: live.extensions,
        }
    }

    /// Records what the session connects as.
    pub fn set_live(&self, info: LiveInfo) {
        *self.live.lock_or_recover() = info;
    }

    /// Settings were saved: whether the session must restart, because what
    /// it was started from differs now: the PBX login, the watched
    /// extensions, the profile, or the console's recall time and queues. A
    /// run started with `--pbx` or `--demo` keeps its command-line PBX (and
    /// user and extensions when given there), but still takes the rest
    /// from the settings, so a change to those restarts it too.
    pub fn needs_restart(&self, old: &Settings) -> bool {
        let new = self.settings();
        let args = &self.args;
        // The console is built with the session: a new recall time or
        // queue list takes a fresh session (and resync).
        let console = |s: &Settings| (s.profile, s.recall_after_secs, s.watched_queues.clone());
        if args.demo {
            return console(old) != console(&new);
        }
        if args.pbx.is_some() {
            let rest = |s: &Settings| {
                (
                    console(s),
                    s.watched_groups.clone(),
                    args.extensions.is_empty().then(|| s.extensions.clone()),
                    args.user.is_none().then(|| s.ami_user.clone()),
                )
            };
            return rest(old) != rest(&new);
        }
        let login = |s: &Settings| {
            (
                s.host.clone(),
                s.port,
                s.tls,
                s.pinned_fingerprint.clone(),
                s.ami_user.clone(),
                s.extensions.clone(),
                s.watched_groups.clone(),
                console(s),
                s.office.clone(),
            )
        };
        login(old) != login(&new)
            || old.has_secret != new.has_secret
            || old.has_broker_password != new.has_broker_password
    }

    /// The saved settings without asking the keyring (`hasSecret` false):
    /// for the hot paths (dial, transfer) that only need the PBX profile.
    pub fn saved_settings(&self) -> Settings {
        self.saved.lock_or_recover().clone()
    }

    /// The saved settings, with `hasSecret` filled from the keyring.
    pub fn settings(&self) -> Settings {
        let mut s = self.saved.lock_or_recover().clone();
        s.has_secret = !s.host.is_empty()
            && !s.ami_user.is_empty()
            && matches!(
                self.secrets
                    .get(&settings::keyring_account(&s.ami_user, &s.host)),
                Ok(Some(_))
            );
        s.has_api_token = crate::elastix::has_token(self.secrets.as_ref(), &s);
        s.has_directory_password = crate::directory::has_password(self.secrets.as_ref(), &s);
        s.has_address_book_password = crate::address_book::has_password(self.secrets.as_ref(), &s);
        s.has_broker_password = crate::office::has_password(self.secrets.as_ref(), &s);
        s
    }

    /// Validates, writes and adopts new settings.
    pub fn save_settings(&self, new: Settings) -> IpcResult<Settings> {
        settings::save(&self.config_dir, &new)?;
        let mut saved = self.saved.lock_or_recover();
        let old = std::mem::replace(
            &mut *saved,
            Settings {
                has_secret: false,
                has_api_token: false,
                has_directory_password: false,
                has_address_book_password: false,
                has_broker_password: false,
                ..new
            },
        );
        drop(saved);
        self.forget_directory();
        Ok(old)
    }

    /// After a save: adds or removes the login entry when `startWithOs`
    /// changed (or the entry was removed by hand while the setting is on).
    pub fn sync_autostart(&self, old: &Settings) -> IpcResult<()> {
        let on = self.saved.lock_or_recover().start_with_os;
        if old.start_with_os != on || on != self.autostart.is_enabled() {
            self.autostart.apply(on)?;
            tracing::info!(
                start_with_os = on,
                "login entry {}",
                if on { "added" } else { "removed" }
            );
        }
        Ok(())
    }

    /// At start-up: when `startWithOs` is on, rewrite the login entry so it
    /// starts this program even after the app moved (an update, an AppImage
    /// in another folder).
    pub fn refresh_autostart(&self) {
        if self.saved.lock_or_recover().start_with_os {
            if let Err(e) = self.autostart.apply(true) {
                tracing::warn!("{e}");
            }
        }
    }

    /// The current connection state.
    pub fn connection(&self) -> ConnectionStatus {
        self.connection.lock_or_recover().clone()
    }

    /// Records and publishes a connection state: event to every window, tray icon.
    pub fn set_connection<R: Runtime>(&self, app: &AppHandle<R>, status: ConnectionStatus) {
        {
            let mut cur = self.connection.lock_or_recover();
            if *cur == status {
                return;
            }
            *cur = status.clone();
        }
        tracing::info!(state = ?status.state, "{}", status.message);
        let _ = app.emit(EVENT_CONNECTION, &status);
        if let Some(tray) = app.try_state::<Tray<R>>() {
            tray.set_connection(app, &status);
        }
    }

    /// A call started ringing at a watched extension: show the popup (unless
    /// do-not-disturb) and, only when no popup is on screen or she asked for
    /// both, the desktop notification at the same moment.
    pub fn popup_opened<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        call: &str,
        notice: impl Into<crate::notify::Notice>,
    ) {
        let notice = notice.into();
        let (change, dnd, on_screen) = {
            let mut popup = self.popup.lock_or_recover();
            let change = popup.open(call);
            (change, popup.do_not_disturb, popup.on_screen())
        };
        if dnd {
            return;
        }
        // A missing popup window (never in a normal run) shows nothing.
        let on_screen = on_screen && app.get_webview_window(popup::POPUP_WINDOW).is_some();
        let s = self.saved.lock_or_recover().clone();
        if change == WindowChange::Show {
            self.window_op(app, WindowOp::Show(s.popup_position));
        }
        if popup::notify_too(on_screen, &s) {
            tauri::async_runtime::spawn_blocking(move || crate::notify::show_blocking(&notice));
        }
    }

    /// A card went away; `linger` keeps it for the configured seconds first.
    pub fn popup_closed<R: Runtime>(&self, app: &AppHandle<R>, call: &str, linger: bool) {
        let secs = self.saved.lock_or_recover().popup_duration_secs;
        if linger && secs > 0 {
            let app = app.clone();
            let call = call.to_string();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(u64::from(secs))).await;
                if let Some(shell) = app.try_state::<Shell>() {
                    shell.popup_closed(&app, &call, false);
                }
            });
            return;
        }
        if self.popup.lock_or_recover().close(call) == WindowChange::Hide {
            self.window_op(app, WindowOp::Hide);
        }
    }
}

/// The number plan for the settings' country: `011` international prefix
/// in the North American plan, `00` elsewhere.
pub fn number_plan(s: &Settings) -> ringside_calls::NumberPlan {
    let intl = if s.country_code == "1" { "011" } else { "00" };
    ringside_calls::NumberPlan::new(&s.country_code, &s.trunk_prefix, intl)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shell over temp dirs started with `args`, as `main` builds it.
    fn shell(dir: &std::path::Path, args: Args) -> Shell {
        let secrets = Arc::new(settings::FileSecretStore::new(dir.join("keys")));
        Shell::new(args, dir.join("config"), dir.join("data"), secrets)
    }

    /// Saves the current settings changed by `change`; whether that
    /// restarts the session.
    fn save_restarts(shell: &Shell, change: impl FnOnce(&mut Settings)) -> bool {
        let mut s = shell.saved_settings();
        change(&mut s);
        let old = shell.save_settings(s).expect("valid settings");
        shell.needs_restart(&old)
    }

    #[test]
    fn a_pbx_run_restarts_for_what_it_takes_from_the_settings() {
        let dir = tempfile::tempdir().unwrap();
        let shell = shell(
            dir.path(),
            Args {
                pbx: Some("127.0.0.1:5038".into()),
                user: Some("ringside".into()),
                extensions: vec!["1001".into()],
                ..Args::default()
            },
        );
        assert!(
            save_restarts(&shell, |s| s.recall_after_secs = 5),
            "the recall time is the saved one's even with --pbx: saving it must rebuild the console"
        );
        assert!(save_restarts(&shell, |s| s.watched_queues = vec!["support".into()]));
        assert!(save_restarts(&shell, |s| s.watched_groups = vec!["600".into()]));
        assert!(
            !save_restarts(&shell, |s| {
                s.host = "pbx.example".into();
                s.port = 5039;
                s.ami_user = "someone".into();
                s.extensions = vec!["1002".into()];
            }),
            "the PBX, user and extensions given with --pbx stay: nothing to restart for"
        );
        assert!(!save_restarts(&shell, |s| s.popup_duration_secs = 9));
    }

    #[test]
    fn a_pbx_run_without_extensions_takes_them_from_the_settings() {
        let dir = tempfile::tempdir().unwrap();
        let shell = shell(
            dir.path(),
            Args {
                pbx: Some("127.0.0.1:5038".into()),
                ..Args::default()
            },
        );
        assert!(save_restarts(&shell, |s| s.extensions = vec!["1002".into()]));
        assert!(save_restarts(&shell, |s| s.ami_user = "frontdesk".into()));
    }

    #[test]
    fn a_demo_run_restarts_for_the_console_only() {
        let dir = tempfile::tempdir().unwrap();
        let shell = shell(
            dir.path(),
            Args {
                demo: true,
                ..Args::default()
            },
        );
        assert!(save_restarts(&shell, |s| s.recall_after_secs = 0));
        assert!(!save_restarts(&shell, |s| s.extensions = vec!["1002".into()]));
    }

    #[test]
    fn a_saved_pbx_run_restarts_for_its_login_and_its_console() {
        let dir = tempfile::tempdir().unwrap();
        let shell = shell(dir.path(), Args::default());
        assert!(save_restarts(&shell, |s| {
            s.host = "pbx.example".into();
            s.ami_user = "ringside".into();
            s.extensions = vec!["1001".into()];
        }));
        assert!(save_restarts(&shell, |s| s.recall_after_secs = 30));
        assert!(!save_restarts(&shell, |s| s.popup_duration_secs = 9));
    }
}
