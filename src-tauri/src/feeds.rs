//! What the windows and the tray hear of changes made elsewhere, each
//! coalesced so a busy office cannot flood them: "history changed" (with
//! the tray's recent calls), and the [`Coalesce`] the session's presence
//! and live-call feeds use. The session, texts and commands tell it; it
//! calls back into none of them.

use std::sync::Arc;

use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::ipc::{HistoryChanged, EVENT_HISTORY_CHANGED};
use crate::shell::Shell;
use crate::tray::{RecentCall, Tray};

/// Runs its `send` after a `poke`, then at most once per period however
/// many pokes come in the meantime; the last poke of a burst is always
/// followed by a send, so the windows end up with the latest state.
#[derive(Debug)]
pub struct Coalesce {
    dirty: Arc<tokio::sync::Notify>,
    task: JoinHandle<()>,
}

impl Coalesce {
    /// Starts the sending task.
    pub fn spawn<F, Fut>(every: std::time::Duration, mut send: F) -> Self
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let dirty = Arc::new(tokio::sync::Notify::new());
        let wake = dirty.clone();
        let task = tauri::async_runtime::spawn(async move {
            loop {
                wake.notified().await;
                send().await;
                tokio::time::sleep(every).await;
            }
        });
        Self { dirty, task }
    }

    /// Something changed: send within the period.
    pub fn poke(&self) {
        self.dirty.notify_one();
    }
}

impl Drop for Coalesce {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How often the windows and the tray hear "history changed" at most: in a
/// busy hour calls end several times a second, and each notice makes the
/// main window reload its history and the tray rebuild its menu.
const HISTORY_EVERY: std::time::Duration = std::time::Duration::from_millis(1000);

/// Tells the windows and the tray that history changed, coalesced.
pub fn history_changed<R: Runtime>(app: &AppHandle<R>) {
    static FEED: std::sync::OnceLock<Coalesce> = std::sync::OnceLock::new();
    FEED.get_or_init(|| {
        let app = app.clone();
        Coalesce::spawn(HISTORY_EVERY, move || {
            let app = app.clone();
            async move {
                let _ = app.emit(EVENT_HISTORY_CHANGED, HistoryChanged {});
                refresh_tray_recent(&app).await;
            }
        })
    })
    .poke();
}

/// Puts the last calls into the tray menu.
pub async fn refresh_tray_recent<R: Runtime>(app: &AppHandle<R>) {
    let Some(shell) = app.try_state::<Shell>() else {
        return;
    };
    let Ok(store) = shell.store() else { return };
    let query = ringside_store::CallQuery {
        limit: 8,
        ..Default::default()
    };
    let Ok(rows) = store.search_calls(query).await else {
        return;
    };
    let recent = rows
        .into_iter()
        .filter(|c| !c.record.remote_num.is_empty())
        .map(|c| {
            let r = c.record;
            let who = match r.remote_name.as_deref().filter(|n| !n.trim().is_empty()) {
                Some(name) => format!("{name} ({})", r.remote_num),
                None => r.remote_num.clone(),
            };
            RecentCall {
                number: r.remote_num,
                who,
                outcome: r.outcome,
            }
        })
        .collect();
    // Rebuilding a menu waits for the GUI thread: not on a runtime worker.
    let app = app.clone();
    let _ = tauri::async_runtime::spawn_blocking(move || {
        if let Some(tray) = app.try_state::<Tray<R>>() {
            tray.set_recent(&app, recent);
        }
    })
    .await;
}
