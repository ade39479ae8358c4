//! The attendant console's commands (issue 16): pick up, park, retrieve,
//! pause and log queue members in and out, send to voicemail, and the
//! console's state. Like the rest of `commands`, each checks its input,
//! asks `ringside_calls::actions` for the packet and its way of sending
//! (the CLI's `pickup`, `park`, `retrieve` and `queue` use the same), and
//! maps the error. What may be offered at all is `ringside_calls::rights`'s
//! decision, read here from the session. In office mode each is a request
//! to the office gateway instead (`ringside_gateway::DeskRequest`), which
//! makes the same checks and refuses what is not the desk's own.

use std::time::Duration;

use tauri::State;

use super::{ask_gateway, check_call_id, not_connected};
use crate::ipc::{ConsoleState, ErrorCode, IpcError, IpcResult};
use crate::session::Link;
use crate::session::SessionSlot;
use crate::shell::Shell;
use ringside_calls::actions::{self, PickupRequest, RetrieveRequest};
use ringside_calls::clock::now_ms;
use ringside_calls::rights::ConsoleAction;
use ringside_gateway::DeskRequest;

/// How long her phone may ring before a pickup or retrieval is given up.
const ANSWER_WAIT: Duration = Duration::from_secs(40);
/// How long a park waits for the PBX to name the space.
const PARK_WAIT: Duration = Duration::from_secs(5);

/// A preset channel id for her leg, unique in this process.
fn channel_id(what: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("ringside-{what}-{}-{n}", now_ms())
}

/// Her first extension: the phone that rings first.
fn own_extension(extensions: &[String]) -> IpcResult<String> {
    extensions.first().cloned().ok_or_else(|| {
        IpcError::new(
            ErrorCode::InvalidSetting,
            "My extension: set your extension in Settings so Ringside knows which phone to ring.",
        )
    })
}

/// The parked calls, queues, voicemail counts and what may be offered.
#[tauri::command]
pub async fn get_console(slot: State<'_, SessionSlot>) -> IpcResult<ConsoleState> {
    let live = slot.live().await.ok_or_else(not_connected)?;
    let state = crate::session::console_state(&*live.lock().await);
    Ok(state)
}

/// Picks up a colleague's ringing call to her own phone: her phone rings
/// first; done once the PBX reports the pickup.
#[tauri::command]
pub async fn pickup(
    shell: State<'_, Shell>,
    slot: State<'_, SessionSlot>,
    extension: String,
) -> IpcResult<()> {
    let (link, live, target) = slot.link().await.ok_or_else(not_connected)?;
    let client = match link {
        Link::Office(desk) => {
            let req = DeskRequest::Pickup {
                from: own_extension(&target.extensions)?,
                ringing: extension,
            };
            return ask_gateway(&desk, req).await;
        }
        Link::Ami(client) => client,
    };
    let profile = shell.saved_settings().profile.profile();
    let dialect = live.lock().await.tracker.dialect();
    let req = PickupRequest {
        extension: own_extension(&target.extensions)?,
        ringing: extension,
        caller_name: None,
        channel_id: channel_id("pickup"),
    };
    let packet = actions::pickup(&profile, dialect, &req)?;
    tracing::info!(ringing = %req.ringing, to = %req.extension, "pickup");
    Ok(actions::send_pickup(&client, &profile, &req, packet, ANSWER_WAIT).await?)
}

/// Parks a live call into the PBX's lot; it comes back to her phone if
/// nobody takes it.
#[tauri::command]
pub async fn park(
    shell: State<'_, Shell>,
    slot: State<'_, SessionSlot>,
    call: String,
) -> IpcResult<()> {
    check_call_id(&call)?;
    let (link, live, target) = slot.link().await.ok_or_else(not_connected)?;
    let client = match link {
        Link::Office(desk) => return ask_gateway(&desk, DeskRequest::Park { call }).await,
        Link::Ami(client) => client,
    };
    let profile = shell.saved_settings().profile.profile();
    let (channels, dialect) = {
        let l = live.lock().await;
        (l.tracker.channels_of(&call), l.tracker.dialect())
    };
    let packet = actions::park_call(&profile, dialect, &channels, &target.extensions)?;
    tracing::info!(%call, "park");
    let at = actions::send_park_call(&client, packet, PARK_WAIT).await?;
    tracing::info!(%call, space = ?at.map(|a| a.space), "parked");
    Ok(())
}

/// Takes a parked call to her phone: her phone rings first, then dials
/// the space in the lot's context; done once the PBX reports the unpark.
#[tauri::command]
pub async fn retrieve(
    shell: State<'_, Shell>,
    session: State<'_, SessionSlot>,
    slot: String,
    lot: Option<String>,
) -> IpcResult<()> {
    let (link, live, target) = session.link().await.ok_or_else(not_connected)?;
    let client = match link {
        // The gateway checks the space is parked, as its console knows.
        Link::Office(desk) => {
            let req = DeskRequest::Retrieve {
                slot,
                lot,
                from: Some(own_extension(&target.extensions)?),
            };
            return ask_gateway(&desk, req).await;
        }
        Link::Ami(client) => client,
    };
    let profile = shell.saved_settings().profile.profile();
    let (dialect, parked) = {
        let l = live.lock().await;
        let parked = l.console.parked.get(lot.as_deref(), &slot).is_some();
        (l.tracker.dialect(), parked)
    };
    if !parked {
        return Err(actions::ActionError::NothingParked { space: slot, lot }.into());
    }
    let req = RetrieveRequest {
        extension: own_extension(&target.extensions)?,
        space: slot,
        caller_name: None,
        channel_id: channel_id("retrieve"),
        context: None,
    };
    let packet = actions::retrieve(&profile, dialect, &req)?;
    tracing::info!(space = %req.space, to = %req.extension, "retrieve");
    Ok(actions::send_retrieve(&client, &req, lot.as_deref(), packet, ANSWER_WAIT).await?)
}

/// Pauses or unpauses a queue member (in `queue`, or every queue).
#[tauri::command]
pub async fn queue_pause(
    shell: State<'_, Shell>,
    slot: State<'_, SessionSlot>,
    queue: Option<String>,
    member: String,
    paused: bool,
    reason: Option<String>,
) -> IpcResult<()> {
    let client = match slot.link().await.ok_or_else(not_connected)?.0 {
        // The gateway lets a desk pause only its own extensions.
        Link::Office(desk) => {
            let req = DeskRequest::QueuePause {
                queue,
                member,
                paused,
                reason,
            };
            return ask_gateway(&desk, req).await;
        }
        Link::Ami(client) => client,
    };
    let profile = shell.saved_settings().profile.profile();
    let packet = actions::queue_pause(
        &profile,
        queue.as_deref(),
        &member,
        paused,
        reason.as_deref(),
    )?;
    actions::send_console(&client, ConsoleAction::QueuePause, packet).await?;
    Ok(())
}

/// Logs a member in to (`QueueAdd`) or out of (`QueueRemove`) a queue.
#[tauri::command]
pub async fn queue_member(
    shell: State<'_, Shell>,
    slot: State<'_, SessionSlot>,
    queue: String,
    member: String,
    logged_in: bool,
) -> IpcResult<()> {
    let client = match slot.link().await.ok_or_else(not_connected)?.0 {
        // The gateway lets a desk log in or out only its own extensions.
        Link::Office(desk) => {
            let req = DeskRequest::QueueMember {
                queue,
                member,
                logged_in,
            };
            return ask_gateway(&desk, req).await;
        }
        Link::Ami(client) => client,
    };
    let profile = shell.saved_settings().profile.profile();
    let packet = if logged_in {
        actions::queue_add(&profile, &queue, &member, None, false)?
    } else {
        actions::queue_remove(&profile, &queue, &member)?
    };
    actions::send_console(&client, ConsoleAction::QueueMembers, packet).await?;
    Ok(())
}

/// Sends a live call's caller to a colleague's voicemail.
#[tauri::command]
pub async fn send_to_voicemail(
    shell: State<'_, Shell>,
    slot: State<'_, SessionSlot>,
    call: String,
    extension: String,
) -> IpcResult<()> {
    check_call_id(&call)?;
    let (link, live, target) = slot.link().await.ok_or_else(not_connected)?;
    let client = match link {
        Link::Office(desk) => {
            let req = DeskRequest::Voicemail {
                call,
                to: extension,
            };
            return ask_gateway(&desk, req).await;
        }
        Link::Ami(client) => client,
    };
    let profile = shell.saved_settings().profile.profile();
    let channels = live.lock().await.tracker.channels_of(&call);
    let packet = actions::voicemail_call(&profile, &channels, &target.extensions, &extension)?;
    tracing::info!(%call, to = %extension, "send to voicemail");
    actions::send_console(&client, ConsoleAction::SendToVoicemail, packet).await?;
    Ok(())
}
