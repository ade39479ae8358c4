//! The tray icon: connection state as the icon (and tooltip where the
//! desktop shows one), the last calls, quick dial, do-not-disturb for
//! popups, show the window, quit. Menu labels that come from the PBX
//! (caller names) are made literal for the menu toolkit first.

use std::sync::Mutex;

use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::ipc::{ConnectionState, ConnectionStatus, HistoryChanged, EVENT_FOCUS_DIALER};
use crate::lang::Words;
use crate::popup::{show_main, MAIN_WINDOW};
use crate::sync::LockExt;
use ringside_calls::Outcome;

const ICON_CONNECTED: &[u8] = include_bytes!("../../icons/tray-connected.png");
const ICON_CONNECTING: &[u8] = include_bytes!("../../icons/tray-connecting.png");
const ICON_ERROR: &[u8] = include_bytes!("../../icons/tray-error.png");
const ICON_OFFLINE: &[u8] = include_bytes!("../../icons/tray-offline.png");

const ID_STATUS: &str = "tray:status";
const ID_QUICK_DIAL: &str = "tray:quick-dial";
const ID_DND: &str = "tray:dnd";
const ID_SHOW: &str = "tray:show";
const ID_QUIT: &str = "tray:quit";
const RECENT_PREFIX: &str = "tray:recent:";

/// One line of the tray's "Recent calls".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentCall {
    /// The number to call back.
    pub number: String,
    /// Who called, as the menu names them ("ACME Corp (+15551234567)").
    pub who: String,
    /// How the call ended.
    pub outcome: Outcome,
}

impl RecentCall {
    /// What the menu shows: "ACME Corp (+15551234567) · Missed", in `words`.
    pub fn label(&self, words: Words) -> String {
        let key = match self.outcome {
            Outcome::Answered => "outcome.answered",
            Outcome::Missed => "outcome.missed",
            Outcome::AnsweredElsewhere => "outcome.answeredElsewhere",
            Outcome::Abandoned => "outcome.abandoned",
            Outcome::Voicemail => "outcome.voicemail",
            Outcome::Unanswered => "outcome.unanswered",
        };
        format!("{} · {}", self.who, words.text(key, &[]))
    }
}

/// The tray's live parts, kept to update them.
pub struct Tray<R: Runtime> {
    icon: TrayIcon<R>,
    inner: Mutex<TrayState>,
}

impl<R: Runtime> std::fmt::Debug for Tray<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tray")
            .field("state", &self.inner)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct TrayState {
    status: Option<ConnectionStatus>,
    recent: Vec<RecentCall>,
    dnd: bool,
}

/// Makes PBX-supplied text literal in a menu label: `&` is the mnemonic
/// marker for the menu toolkit, control characters are dropped, and a long
/// name is cut so the menu stays usable.
pub fn menu_label(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).take(60).collect();
    clean.replace('&', "&&")
}

fn icon_for(state: ConnectionState) -> &'static [u8] {
    match state {
        ConnectionState::Connected => ICON_CONNECTED,
        ConnectionState::Connecting => ICON_CONNECTING,
        ConnectionState::AuthFailed | ConnectionState::Unreachable => ICON_ERROR,
        ConnectionState::Disconnected => ICON_OFFLINE,
    }
}

/// What the tray does when a menu item is picked; the shell implements it.
pub trait TrayActions<R: Runtime>: Send + Sync + 'static {
    /// Do-not-disturb was toggled.
    fn set_do_not_disturb(&self, app: &AppHandle<R>, on: bool);
    /// A recent call was picked: confirm, then call back.
    fn call_back(&self, app: &AppHandle<R>, number: &str);
}

impl<R: Runtime> Tray<R> {
    /// Builds the tray icon and its menu.
    pub fn build(app: &AppHandle<R>, actions: impl TrayActions<R>) -> tauri::Result<Self> {
        let state = TrayState::default();
        let menu = build_menu(app, &state, Words::shown())?;
        let icon = TrayIconBuilder::with_id("ringside")
            .icon(Image::from_bytes(ICON_OFFLINE)?)
            .tooltip("Ringside")
            .menu(&menu)
            .show_menu_on_left_click(true)
            .on_menu_event(move |app, event| {
                let id = event.id().as_ref();
                match id {
                    ID_QUIT => app.exit(0),
                    ID_SHOW => show_main(app),
                    ID_QUICK_DIAL => {
                        show_main(app);
                        let _ = app.emit_to(MAIN_WINDOW, EVENT_FOCUS_DIALER, HistoryChanged {});
                    }
                    ID_DND => {
                        let on = app
                            .try_state::<Tray<R>>()
                            .map(|t| {
                                let mut s = t.inner.lock_or_recover();
                                s.dnd = !s.dnd;
                                s.dnd
                            })
                            .unwrap_or(false);
                        actions.set_do_not_disturb(app, on);
                    }
                    _ => {
                        if let Some(number) = id.strip_prefix(RECENT_PREFIX) {
                            actions.call_back(app, number);
                        }
                    }
                }
            })
            .build(app)?;
        Ok(Self {
            icon,
            inner: Mutex::new(state),
        })
    }

    /// Shows a new connection state as icon, tooltip and status line.
    pub fn set_connection(&self, app: &AppHandle<R>, status: &ConnectionStatus) {
        if let Ok(img) = Image::from_bytes(icon_for(status.state)) {
            let _ = self.icon.set_icon(Some(img));
        }
        let mut s = self.inner.lock_or_recover();
        s.status = Some(status.clone());
        self.refresh(app, &s);
    }

    /// Rebuilds the menu and tooltip in the language the UI now shows.
    pub fn relabel(&self, app: &AppHandle<R>) {
        let s = self.inner.lock_or_recover();
        self.refresh(app, &s);
    }

    /// Replaces the "Recent calls" list.
    pub fn set_recent(&self, app: &AppHandle<R>, recent: Vec<RecentCall>) {
        let mut s = self.inner.lock_or_recover();
        if s.recent == recent {
            return;
        }
        s.recent = recent;
        self.refresh(app, &s);
    }

    fn refresh(&self, app: &AppHandle<R>, s: &TrayState) {
        let words = Words::shown();
        if let Some(status) = &s.status {
            let state = words.text(state_key(status.state), &[]);
            let _ = self.icon.set_tooltip(Some(format!("Ringside: {state}")));
        }
        match build_menu(app, s, words) {
            Ok(menu) => {
                let _ = self.icon.set_menu(Some(menu));
            }
            Err(e) => tracing::warn!("could not rebuild the tray menu: {e}"),
        }
    }
}

/// The catalog key naming a connection state: the words the UI's status
/// line uses.
fn state_key(state: ConnectionState) -> &'static str {
    match state {
        ConnectionState::Connected => "connection.connected",
        ConnectionState::Connecting => "connection.connecting",
        ConnectionState::AuthFailed => "connection.authFailed",
        ConnectionState::Unreachable => "connection.unreachable",
        ConnectionState::Disconnected => "connection.disconnected",
    }
}

fn build_menu<R: Runtime>(
    app: &AppHandle<R>,
    s: &TrayState,
    words: Words,
) -> tauri::Result<Menu<R>> {
    let status_text = match &s.status {
        Some(st) => words.text(state_key(st.state), &[]),
        None => words.text("shell.tray.starting", &[]),
    };
    let status = MenuItem::with_id(app, ID_STATUS, status_text, false, None::<&str>)?;
    let recent_title = words.text("shell.tray.recentCalls", &[]);
    let recent = Submenu::with_id(app, "tray:recent", recent_title, true)?;
    if s.recent.is_empty() {
        let none = words.text("shell.tray.noCalls", &[]);
        recent.append(&MenuItem::new(app, none, false, None::<&str>)?)?;
    }
    for call in &s.recent {
        let item = MenuItem::with_id(
            app,
            format!("{RECENT_PREFIX}{}", call.number),
            menu_label(&call.label(words)),
            true,
            None::<&str>,
        )?;
        recent.append(&item)?;
    }
    let item =
        |id: &str, key: &str| MenuItem::with_id(app, id, words.text(key, &[]), true, None::<&str>);
    let quick = item(ID_QUICK_DIAL, "shell.tray.quickDial")?;
    let dnd_text = words.text("shell.tray.dnd", &[]);
    let dnd = CheckMenuItem::with_id(app, ID_DND, dnd_text, true, s.dnd, None::<&str>)?;
    let show = item(ID_SHOW, "shell.tray.show")?;
    let quit = item(ID_QUIT, "shell.tray.quit")?;
    Menu::with_items(
        app,
        &[
            &status,
            &PredefinedMenuItem::separator(app)?,
            &recent,
            &quick,
            &dnd,
            &PredefinedMenuItem::separator(app)?,
            &show,
            &quit,
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbx_text_is_literal_in_menus() {
        assert_eq!(
            menu_label("Smith & Sons"),
            "Smith && Sons",
            "a lone & would become a mnemonic and vanish"
        );
        assert_eq!(menu_label("a\nb\u{7}c"), "abc");
        assert_eq!(menu_label(&"x".repeat(100)).len(), 60);
        assert_eq!(
            menu_label("<img src=x onerror=alert(document.domain)>"),
            "<img src=x onerror=alert(document.domain)>",
            "menus are not HTML; the name shows as typed"
        );
    }
}
