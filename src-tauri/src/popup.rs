//! The caller popup window: which calls it currently shows, do-not-disturb,
//! and where on screen it sits. The window itself is declared in
//! `tauri.conf.json` (hidden, always on top, no decorations, not focused on
//! show); this module only shows, positions and hides it. What a card says
//! is the UI's business, fed by `ringside://card` events.

use std::collections::BTreeSet;

use tauri::{AppHandle, Manager, PhysicalPosition, Runtime};

use crate::ipc::{PopupPosition, Settings};

/// The label of the popup window in `tauri.conf.json`.
pub const POPUP_WINDOW: &str = "popup";
/// The label of the main window.
pub const MAIN_WINDOW: &str = "main";
/// The popup's logical size, as declared in `tauri.conf.json`.
const POPUP_SIZE: (f64, f64) = (380.0, 480.0);
/// Distance from the screen edges, physical pixels.
const MARGIN: i32 = 16;

/// The popup's bookkeeping: the calls whose cards are up, and DND.
#[derive(Debug, Default)]
pub struct PopupState {
    shown: BTreeSet<String>,
    /// Do not disturb: no popup and no notification (events still flow, so
    /// the main window stays live).
    pub do_not_disturb: bool,
}

/// What the caller must do to the window after a bookkeeping change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowChange {
    /// Show (and position) the window.
    Show,
    /// Hide the window: no card left.
    Hide,
    /// Nothing to do.
    Keep,
}

impl PopupState {
    /// A call started ringing here. Returns `Keep` under DND.
    pub fn open(&mut self, call: &str) -> WindowChange {
        if self.do_not_disturb {
            return WindowChange::Keep;
        }
        let first = self.shown.is_empty();
        self.shown.insert(call.to_string());
        if first {
            WindowChange::Show
        } else {
            WindowChange::Keep
        }
    }

    /// A card went away (answered elsewhere, ended, dismissed).
    pub fn close(&mut self, call: &str) -> WindowChange {
        if self.shown.remove(call) && self.shown.is_empty() {
            WindowChange::Hide
        } else {
            WindowChange::Keep
        }
    }

    /// True while this call's card is up.
    pub fn is_shown(&self, call: &str) -> bool {
        self.shown.contains(call)
    }

    /// True while any card is up, so the window is on screen.
    pub fn on_screen(&self) -> bool {
        !self.shown.is_empty()
    }
}

/// Whether a new card also gets a desktop notification. The popup already
/// says who is calling, and the notification, drawn in a screen corner by
/// the daemon, covered the popup's caller number: it goes out only when the
/// popup is not on screen, unless she asked for both (`notifyWithPopup`).
pub fn notify_too(popup_on_screen: bool, settings: &Settings) -> bool {
    settings.notifications && (!popup_on_screen || settings.notify_with_popup)
}

/// Top-left corner of a `size` window in `corner` of the work area.
pub fn corner_position(
    area_pos: (i32, i32),
    area_size: (u32, u32),
    size: (u32, u32),
    corner: PopupPosition,
) -> (i32, i32) {
    let (ax, ay) = area_pos;
    let (aw, ah) = (area_size.0 as i32, area_size.1 as i32);
    let (w, h) = (size.0 as i32, size.1 as i32);
    let left = ax + MARGIN;
    let right = (ax + aw - w - MARGIN).max(ax);
    let top = ay + MARGIN;
    let bottom = (ay + ah - h - MARGIN).max(ay);
    match corner {
        PopupPosition::TopLeft => (left, top),
        PopupPosition::TopRight => (right, top),
        PopupPosition::BottomLeft => (left, bottom),
        PopupPosition::BottomRight => (right, bottom),
    }
}

/// Positions the popup in its corner and shows it without taking focus.
pub fn show_window<R: Runtime>(app: &AppHandle<R>, corner: PopupPosition) {
    let Some(win) = app.get_webview_window(POPUP_WINDOW) else {
        return;
    };
    let monitor = win
        .current_monitor()
        .ok()
        .flatten()
        .or_else(|| win.primary_monitor().ok().flatten());
    if let Some(m) = monitor {
        let area = m.work_area();
        // A window that was never shown reports a zero size on X11: fall
        // back to the size declared in tauri.conf.json.
        let size = win
            .outer_size()
            .ok()
            .filter(|s| s.width > 0 && s.height > 0)
            .map(|s| (s.width, s.height))
            .unwrap_or_else(|| {
                let f = m.scale_factor();
                (
                    (POPUP_SIZE.0 * f).round() as u32,
                    (POPUP_SIZE.1 * f).round() as u32,
                )
            });
        let (x, y) = corner_position(
            (area.position.x, area.position.y),
            (area.size.width, area.size.height),
            size,
            corner,
        );
        if let Err(e) = win.set_position(PhysicalPosition::new(x, y)) {
            tracing::warn!("could not position the popup: {e}");
        }
    }
    if let Err(e) = win.show() {
        tracing::warn!("could not show the popup: {e}");
    }
    let _ = win.set_always_on_top(true);
}

/// Hides the popup window.
pub fn hide_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(win) = app.get_webview_window(POPUP_WINDOW) {
        if let Err(e) = win.hide() {
            tracing::warn!("could not hide the popup: {e}");
        }
    }
}

/// Brings the main window to the front (tray, second instance, deep link).
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(win) = app.get_webview_window(MAIN_WINDOW) {
        let _ = win.unminimize();
        let _ = win.show();
        let _ = win.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_keep_a_margin_inside_the_work_area() {
        let area = ((0, 32), (1280, 768));
        assert_eq!(
            corner_position(area.0, area.1, (380, 480), PopupPosition::TopRight),
            (1280 - 380 - 16, 48)
        );
        assert_eq!(
            corner_position(area.0, area.1, (380, 480), PopupPosition::BottomLeft),
            (16, 32 + 768 - 480 - 16)
        );
        assert_eq!(
            corner_position((0, 0), (300, 200), (380, 480), PopupPosition::BottomRight),
            (0, 0),
            "a screen smaller than the popup pins it to the top left rather than off screen"
        );
    }

    #[test]
    fn no_duplicate_notification_while_the_popup_shows_unless_she_asks_for_both() {
        let mut s = crate::settings::default_settings();
        assert!(
            !notify_too(true, &s),
            "by default the popup on screen is the notice"
        );
        assert!(
            notify_too(false, &s),
            "with no popup on screen the notification is the only notice"
        );
        s.notify_with_popup = true;
        assert!(notify_too(true, &s), "she asked for both");
        s.notifications = false;
        assert!(
            !notify_too(false, &s) && !notify_too(true, &s),
            "notifications off means none at all"
        );
        let mut p = PopupState::default();
        assert!(!p.on_screen());
        p.open("a");
        assert!(p.on_screen(), "the window is up with its first card");
    }

    #[test]
    fn default_corner_is_away_from_notification_daemons() {
        assert_eq!(
            crate::settings::default_settings().popup_position,
            PopupPosition::BottomRight,
            "dunst, GNOME and KDE draw notifications top right, where the popup used to sit"
        );
    }

    #[test]
    fn the_window_shows_with_the_first_card_and_hides_with_the_last() {
        let mut p = PopupState::default();
        assert_eq!(p.open("a"), WindowChange::Show);
        assert_eq!(
            p.open("b"),
            WindowChange::Keep,
            "a second call stacks as a card in the same window"
        );
        assert_eq!(p.close("a"), WindowChange::Keep);
        assert_eq!(
            p.close("a"),
            WindowChange::Keep,
            "closing twice is harmless"
        );
        assert_eq!(p.close("b"), WindowChange::Hide);
        p.do_not_disturb = true;
        assert_eq!(
            p.open("c"),
            WindowChange::Keep,
            "do-not-disturb keeps the popup down"
        );
        assert!(!p.is_shown("c"));
    }
}
