//! The session in office mode: the desk's connection to the office gateway
//! (`ringside_gateway::desk`, the CLI's too) instead of an AMI session. Its
//! card lines are the tracker's own `CardChange`s, dispatched as a direct
//! session dispatches them (popup, notification, history); the gateway's
//! board and live calls fill the main window; its status and the broker's
//! name the failing hop on the status line.
//!
//! It must not decide what a call is: the gateway's tracker did.

use std::sync::Arc;

use ringside_calls::clock::now_ms;
use ringside_calls::presence::Colleague;
use ringside_calls::recall::RecallOutput;
use ringside_calls::{CallCard, CardChange, CloseReason, ConsoleChange};
use ringside_gateway::desk::{Desk, DeskEvent, GatewayStatus, OfficeText, OfficeTopic};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::Mutex;

use super::{Link, LiveState, MainWindowFeeds, NoTarget, Session, Target};
use crate::ipc::{ConnectionState, ConnectionStatus};
use crate::shell::{LiveInfo, Shell};

/// Connects to the broker as this desk and starts following the gateway.
pub(super) fn start<R: Runtime>(
    app: &AppHandle<R>,
    shell: &Shell,
    mut target: Target,
) -> Result<Session, NoTarget> {
    let saved = shell.saved_settings();
    let refused = |e: crate::ipc::IpcError| {
        let state = match e.code {
            crate::ipc::ErrorCode::AuthFailed => ConnectionState::AuthFailed,
            _ => ConnectionState::Disconnected,
        };
        NoTarget(ConnectionStatus {
            state,
            message: e.message,
            version: None,
        })
    };
    let (login, topics) = crate::office::login(shell.secrets.as_ref(), &saved).map_err(refused)?;
    target.host = login.broker.host.clone();
    target.port = login.broker.port;
    target.user = login.user.clone();
    let place = login.broker.to_string();
    let (desk, events) = Desk::connect(&login, topics).map_err(|m| {
        refused(crate::ipc::IpcError::new(
            crate::ipc::ErrorCode::InvalidSetting,
            format!("Office gateway: {m}"),
        ))
    })?;
    shell.set_live(LiveInfo {
        demo: false,
        extensions: target.extensions.clone(),
    });
    shell.set_connection(
        app,
        ConnectionStatus {
            state: ConnectionState::Connecting,
            message: format!("Connecting to the office broker {place}…"),
            version: None,
        },
    );
    let profile = saved.profile.profile();
    // Offers as for a PBX user whose rights are unknown: the gateway
    // carries every console action and refuses what is not the desk's.
    let live = Arc::new(Mutex::new(super::live_state(&saved, &target, &profile)));
    let task = tauri::async_runtime::spawn(follow_desk(app.clone(), events, live.clone(), place));
    tracing::info!(broker = %login.broker, user = %login.user, "office session started");
    Ok(Session {
        link: Link::Office(desk),
        live,
        target,
        tasks: vec![task],
        demo: None,
    })
}

/// Follows the desk's events until the session stops.
async fn follow_desk<R: Runtime>(
    app: AppHandle<R>,
    mut events: UnboundedReceiver<DeskEvent>,
    live: Arc<Mutex<LiveState>>,
    place: String,
) {
    let windows = MainWindowFeeds::spawn(&app, &live);
    let mut named = false;
    while let Some(e) = events.recv().await {
        match e {
            DeskEvent::Line(line) => on_line(&app, &windows, &live, &line).await,
            DeskEvent::Office(OfficeTopic::Gateway, payload) => {
                if let Some(status) = GatewayStatus::parse(&payload) {
                    let online = status.online;
                    set_status(&app, gateway_status(status));
                    if online {
                        // Windows that asked before the session was up
                        // learn what their buttons may do.
                        let offers = live.lock().await.offers.clone();
                        if let Err(e) = app.emit(crate::ipc::EVENT_CONSOLE, &offers) {
                            tracing::warn!(
                                "could not send the console's offers to the windows: {e}"
                            );
                        }
                    }
                }
            }
            DeskEvent::Office(OfficeTopic::Presence, payload) => {
                let Ok(board) = serde_json::from_str::<Vec<Colleague>>(&payload) else {
                    tracing::warn!("the office gateway's board could not be read");
                    continue;
                };
                live.lock().await.presence.replace_board(board);
                windows.presence.poke();
                if !named {
                    named = true;
                    let (app, live) = (app.clone(), live.clone());
                    tauri::async_runtime::spawn(async move {
                        super::names_from_contacts(&app, &live).await;
                    });
                }
            }
            DeskEvent::Office(OfficeTopic::Calls, payload) => {
                match serde_json::from_str::<Vec<CallCard>>(&payload) {
                    Ok(calls) => live.lock().await.office_calls = Some(calls),
                    Err(e) => tracing::warn!("the office's live calls could not be read: {e}"),
                }
                windows.live_calls.poke();
            }
            DeskEvent::Office(OfficeTopic::Parked, payload) => {
                panel(&live, &payload, |p, v| p.parked = v).await;
                windows.console.parked.poke();
            }
            DeskEvent::Office(OfficeTopic::Queues, payload) => {
                panel(&live, &payload, |p, v| p.queues = v).await;
                windows.console.queues.poke();
            }
            DeskEvent::Office(OfficeTopic::Voicemail, payload) => {
                panel(&live, &payload, |p, v| p.voicemail = v).await;
                windows.console.voicemail.poke();
            }
            DeskEvent::Office(OfficeTopic::Texts, payload) => {
                // A text the office's GSM gateway received: shown and kept
                // as a direct session does.
                match serde_json::from_str::<OfficeText>(&payload) {
                    Ok(t) => crate::sms::incoming(
                        &app,
                        t.sms,
                        t.arrived_at_ms,
                        std::time::Instant::now(),
                    ),
                    Err(e) => {
                        tracing::warn!("a text from the office gateway could not be read: {e}")
                    }
                }
            }
            DeskEvent::Office(..) => {}
            DeskEvent::BrokerUp => set_status(
                &app,
                ConnectionStatus {
                    state: ConnectionState::Connecting,
                    message: format!(
                        "Connected to the office broker {place}; waiting for the office gateway…"
                    ),
                    version: None,
                },
            ),
            // Connected, yet no calls will come: say what the admin must do.
            DeskEvent::NoView(why) => set_status(
                &app,
                ConnectionStatus {
                    state: ConnectionState::Disconnected,
                    message: why,
                    version: None,
                },
            ),
            DeskEvent::BrokerDown(why) => set_status(
                &app,
                ConnectionStatus {
                    state: ConnectionState::Unreachable,
                    message: why,
                    version: None,
                },
            ),
        }
    }
}

/// One of the office's retained panels: the desk shows the gateway's
/// from now on (an unreadable payload is logged and the panel kept).
async fn panel<T: serde::de::DeserializeOwned>(
    live: &Arc<Mutex<LiveState>>,
    payload: &str,
    set: impl FnOnce(&mut super::OfficePanels, T),
) {
    match serde_json::from_str::<T>(payload) {
        Ok(v) => set(
            live.lock()
                .await
                .office_panels
                .get_or_insert_with(Default::default),
            v,
        ),
        Err(e) => tracing::warn!("an office panel from the gateway could not be read: {e}"),
    }
}

/// One card line of the desk's: a tracker change, dispatched as a direct
/// session dispatches it, or a call that ended while the gateway was away.
async fn on_line<R: Runtime>(
    app: &AppHandle<R>,
    windows: &MainWindowFeeds,
    live: &Arc<Mutex<LiveState>>,
    line: &str,
) {
    let change = match serde_json::from_str::<CardChange>(line) {
        Ok(change) => change,
        Err(_) => match ended_offline(line) {
            Some(call) => {
                live.lock().await.desk_cards.remove(&call);
                closed_offline(app, call)
            }
            None => {
                // The gateway's recall brought a caller back to her phone:
                // "Back from 1002: not answered", as in a direct session.
                // The other console lines (parked, queues, voicemail) reach
                // the panels from the office's retained topics instead.
                if let Ok(back @ RecallOutput::Recalled { .. }) = serde_json::from_str(line) {
                    windows.console.changed(app, ConsoleChange::Recall(back));
                }
                return;
            }
        },
    };
    {
        let mut l = live.lock().await;
        match &change {
            CardChange::Update { call, card, .. } => {
                l.desk_cards.insert(call.clone(), card.clone());
            }
            CardChange::Ended { call, .. } => {
                l.desk_cards.remove(call);
            }
            _ => {}
        }
    }
    windows.live_calls.poke();
    super::dispatch(app, change);
}

/// The call of an `ended_offline` line.
fn ended_offline(line: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    (v.get("type")?.as_str()? == "ended_offline").then_some(())?;
    Some(v.get("call")?.as_str()?.to_owned())
}

/// A call the desk showed that ended while the gateway was away: its
/// popup closes as ended (nobody saw how, so nothing is saved to history).
fn closed_offline<R: Runtime>(app: &AppHandle<R>, call: String) -> CardChange {
    let extension = app
        .try_state::<Shell>()
        .and_then(|s| s.status().extensions.first().cloned())
        .unwrap_or_default();
    CardChange::Close {
        call,
        extension,
        reason: CloseReason::Ended,
        answered_by: None,
        at_ms: now_ms(),
    }
}

/// The status line for the gateway's retained status.
fn gateway_status(status: GatewayStatus) -> ConnectionStatus {
    let words = status.words(local_time);
    if status.online {
        let message = match status.since_ms {
            Some(ms) => format!(
                "Connected through the office gateway (online since {})",
                local_time(ms)
            ),
            None => "Connected through the office gateway".to_owned(),
        };
        ConnectionStatus {
            state: ConnectionState::Connected,
            message,
            version: None,
        }
    } else {
        ConnectionStatus {
            state: ConnectionState::Disconnected,
            message: format!("{words}: calls will show again when it is back. Tell your office admin if it stays offline."),
            version: None,
        }
    }
}

/// `10:02` in the computer's time zone.
fn local_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&chrono::Local).format("%H:%M").to_string())
        .unwrap_or_default()
}

fn set_status<R: Runtime>(app: &AppHandle<R>, status: ConnectionStatus) {
    if let Some(shell) = app.try_state::<Shell>() {
        shell.set_connection(app, status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_names_the_gateway_and_since_when() {
        let since = 1_796_400_000_000;
        let off = gateway_status(GatewayStatus {
            online: false,
            since_ms: Some(since),
        });
        assert_eq!(off.state, ConnectionState::Disconnected);
        let at = local_time(since);
        assert!(
            off.message
                .starts_with(&format!("Office gateway offline since {at}")),
            "{}",
            off.message
        );
        let on = gateway_status(GatewayStatus {
            online: true,
            since_ms: None,
        });
        assert_eq!(on.state, ConnectionState::Connected);
        assert_eq!(on.message, "Connected through the office gateway");
    }

    #[test]
    fn an_ended_offline_line_names_its_call() {
        let line = ringside_calls::lines::ended_offline("1796.3", 5);
        assert_eq!(ended_offline(&line).as_deref(), Some("1796.3"));
        assert_eq!(ended_offline(r#"{"type":"parked","call":"x"}"#), None);
    }
}
