//! Every `#[tauri::command]` of the IPC contract. Each is a few lines: check
//! the input, call a headless crate (or the shell state), map the error to
//! `{code, message}`. Each is listed once more, with its wire types, in
//! `ipc_table.in`, which makes the handler, the permissions and the UI's
//! command types.

use tauri::{AppHandle, Emitter, Manager, Runtime, State};

mod console;
mod directory;
mod office;
pub use console::*;
pub use directory::*;
pub use office::*;

use crate::ipc::{
    ApiTestResult, CallRow, CallerContext, CdrImportSummary, Colleague, Contact, ErrorCode,
    HistoryChanged, HistoryQuery, ImportReport, IpcError, IpcResult, MissedPage, Note, PbxChannel,
    Settings, SmsRow, Status, TestReport, EVENT_CDR_IMPORT, EVENT_HISTORY_CHANGED,
    MISSED_PAGE_ROWS,
};
use crate::session::{Link, SessionSlot};
use crate::settings::{self, Secret};
use crate::shell::Shell;
use ringside_calls::actions::{self, DialRequest};
use ringside_calls::channel::EndpointKind;
use ringside_calls::clock::now_ms;
use ringside_gateway::DeskRequest;
use ringside_store::MissedCursor;

/// Connection, demo flag and watched extensions.
#[tauri::command]
pub fn get_status(shell: State<'_, Shell>) -> Status {
    shell.status()
}

/// The saved settings; never the secret, only `hasSecret` (read from the
/// keyring, off the GUI thread).
#[tauri::command]
pub async fn get_settings<R: Runtime>(app: AppHandle<R>) -> IpcResult<Settings> {
    off_main(app, |_, shell| Ok(shell.settings())).await
}

/// Validates and saves settings; reconnects when the PBX login changed.
#[tauri::command]
pub async fn save_settings<R: Runtime>(app: AppHandle<R>, settings: Settings) -> IpcResult<()> {
    off_main(app, move |app, shell| {
        let old = shell.save_settings(settings)?;
        if shell.needs_restart(&old) {
            crate::session::restart(app);
        }
        shell.sync_autostart(&old)
    })
    .await
}

/// Puts the AMI secret in the OS keyring (for the saved host and user) and
/// reconnects with it.
#[tauri::command]
pub async fn set_secret<R: Runtime>(app: AppHandle<R>, secret: Secret) -> IpcResult<()> {
    off_main(app, move |app, shell| {
        let s = shell.settings();
        settings::store_secret(shell.secrets.as_ref(), &s, &secret)?;
        tracing::info!(user = %s.ami_user, host = %s.host, "AMI secret stored in the system keyring");
        if shell.args.pbx.is_none() && !shell.args.demo {
            crate::session::restart(app);
        }
        Ok(())
    })
    .await
}

/// Runs a settings command's keyring and settings-file work on a blocking
/// thread and waits for it. Tauri runs a plain `fn` command on the GUI
/// thread, where a slow Secret Service, or one waiting for the person to
/// unlock it, would freeze every window. The work still runs one command at
/// a time, as it did on the GUI thread, so a save and a secret cannot
/// interleave their reads and writes.
async fn off_main<R: Runtime, T: Send + 'static>(
    app: AppHandle<R>,
    work: impl FnOnce(&AppHandle<R>, &Shell) -> IpcResult<T> + Send + 'static,
) -> IpcResult<T> {
    use crate::sync::LockExt;
    use tauri::Manager;
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    tauri::async_runtime::spawn_blocking(move || {
        let _turn = ONE_AT_A_TIME.lock_or_recover();
        work(&app, &app.state::<Shell>())
    })
    .await
    .map_err(|e| {
        tracing::error!("settings work stopped: {e}");
        IpcError::new(
            ErrorCode::Io,
            "Ringside could not finish reading or saving its settings; try again.",
        )
    })?
}

/// Tries the given (unsaved) settings step by step with the secret saved
/// for their user and host.
#[tauri::command]
pub async fn test_connection(shell: State<'_, Shell>, settings: Settings) -> IpcResult<TestReport> {
    settings::validate(&settings)?;
    let account = settings::keyring_account(&settings.ami_user, &settings.host);
    let secret = shell.secrets.get(&account)?;
    Ok(crate::probe::test_connection(&settings, secret).await)
}

/// Opens the CRM URL template, filled with the percent-encoded number, in
/// the default browser (http and https only).
#[tauri::command]
pub fn open_crm<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    number: String,
) -> IpcResult<()> {
    use tauri_plugin_opener::OpenerExt;
    open_crm_with(&shell, &number, |url| {
        app.opener()
            .open_url(url, None::<&str>)
            .map_err(|e| e.to_string())
    })
}

/// What `open_crm` does, with the browser as a parameter so tests can see
/// the exact URL that would be opened. The number is the caller's as the
/// PBX sent it (it may hold letters, `#` or spaces, or be "anonymous"), so it
/// is only checked for length and control characters and then
/// percent-encoded in full; the template must be http(s).
pub fn open_crm_with(
    shell: &Shell,
    number: &str,
    open: impl FnOnce(String) -> Result<(), String>,
) -> IpcResult<()> {
    let number = check_lookup_number(number)?;
    let url = settings::crm_url(&shell.saved_settings().crm_url_template, number)?;
    open(url).map_err(|e| {
        IpcError::new(
            ErrorCode::Io,
            format!("Could not open the browser for the CRM page: {e}."),
        )
    })
}

/// Closes one card of the popup (the window hides with the last one).
#[tauri::command]
pub fn dismiss_popup<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    call: String,
) -> IpcResult<()> {
    if call.is_empty() || call.len() > 128 {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "That call is not shown any more.",
        ));
    }
    shell.popup_closed(&app, &call, false);
    Ok(())
}

/// The language the UI shows (its tag, as `ui/src/i18n.ts` names it): the
/// tray and the notifications follow it.
#[tauri::command]
pub fn set_shown_language<R: Runtime>(app: AppHandle<R>, language: String) -> IpcResult<()> {
    if !crate::lang::set_shown(&language) {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "Ringside does not have that language. Pick one from the list in Settings.",
        ));
    }
    if let Some(tray) = app.try_state::<crate::tray::Tray<R>>() {
        tray.relabel(&app);
    }
    Ok(())
}

/// Checks a number as the PBX or the UI gave it (caller numbers may hold
/// letters or be "anonymous", so only length and control characters matter).
fn check_lookup_number(number: &str) -> IpcResult<&str> {
    let n = number.trim();
    if n.is_empty() || n.len() > 64 || n.chars().any(char::is_control) {
        return Err(IpcError::new(
            ErrorCode::InvalidNumber,
            "That number cannot be looked up.",
        ));
    }
    Ok(n)
}

/// Adds a note to a call (live or finished) or to a number.
#[tauri::command]
pub async fn add_note<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    call_id: Option<String>,
    number: Option<String>,
    text: String,
) -> IpcResult<Note> {
    let text = text.trim();
    if text.is_empty() || text.len() > 4000 {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "Write a note of up to 4000 characters.",
        ));
    }
    let target = match (call_id.filter(|c| !c.is_empty()), number) {
        (Some(call), _) if call.len() <= 128 => ringside_store::NoteTarget::Call(call),
        (None, Some(n)) => ringside_store::NoteTarget::Number(check_lookup_number(&n)?.to_string()),
        _ => {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "A note needs a call or a number to belong to.",
            ))
        }
    };
    let note = shell.store()?.add_note(target, text, now_ms()).await?;
    let _ = app.emit(EVENT_HISTORY_CHANGED, HistoryChanged {});
    Ok(note.into())
}

/// What history knows about a number: contact, last calls, calls today.
#[tauri::command]
pub async fn lookup_caller(shell: State<'_, Shell>, number: String) -> IpcResult<CallerContext> {
    let n = check_lookup_number(&number)?;
    Ok(shell
        .store()?
        .lookup_caller(n, crate::clock::today_start_ms(), 5)
        .await?
        .into())
}

/// Searches the call history.
#[tauri::command]
pub async fn search_history(
    shell: State<'_, Shell>,
    query: HistoryQuery,
) -> IpcResult<Vec<CallRow>> {
    if query.text.as_deref().is_some_and(|t| t.len() > 200) {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "Search for at most 200 characters.",
        ));
    }
    let rows = shell.store()?.search_calls(query.to_store()).await?;
    Ok(rows.into_iter().map(CallRow::from).collect())
}

/// Missed calls of the last 30 days, newest first (called-back ones included
/// and marked), a page at a time: the first page without `before_*`, the
/// next with the last row's `started_at_ms` and `call_id`.
#[tauri::command]
pub async fn list_missed(
    shell: State<'_, Shell>,
    before_ms: Option<i64>,
    before_call: Option<String>,
) -> IpcResult<MissedPage> {
    let before =
        match (before_ms, before_call) {
            (Some(started_at_ms), Some(call_id)) => {
                check_call_id(&call_id)?;
                Some(MissedCursor {
                    started_at_ms,
                    call_id,
                })
            }
            (None, None) => None,
            _ => return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "Older missed calls are asked for after a call: give both its start and its id.",
            )),
        };
    let since = now_ms() - 30 * 86_400_000;
    let mut rows = shell
        .store()?
        .missed_calls(since, true, before, MISSED_PAGE_ROWS + 1)
        .await?;
    let older = rows.len() > MISSED_PAGE_ROWS as usize;
    rows.truncate(MISSED_PAGE_ROWS as usize);
    Ok(MissedPage {
        rows: rows.into_iter().map(CallRow::from).collect(),
        older,
    })
}

/// Marks a missed call as called back by hand.
#[tauri::command]
pub async fn mark_called_back<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    call_id: String,
) -> IpcResult<()> {
    check_call_id(&call_id)?;
    if !shell.store()?.mark_called_back(&call_id, now_ms()).await? {
        return Err(IpcError::new(
            ErrorCode::UnknownCall,
            "That call is not in the history, or it is already marked as called back.",
        ));
    }
    crate::feeds::history_changed(&app);
    Ok(())
}

/// Contacts matching a name, company or number fragment.
#[tauri::command]
pub async fn search_contacts(shell: State<'_, Shell>, text: String) -> IpcResult<Vec<Contact>> {
    if text.len() > 200 {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "Search for at most 200 characters.",
        ));
    }
    let rows = shell.store()?.search_contacts(text.trim(), 200).await?;
    Ok(rows.into_iter().map(Contact::from).collect())
}

/// Imports a CSV or vCard (`.vcf`) file's text.
#[tauri::command]
pub async fn import_contacts<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    slot: State<'_, SessionSlot>,
    file_name: String,
    content: String,
) -> IpcResult<ImportReport> {
    if content.len() > 20 * 1024 * 1024 {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "That file is larger than 20 MB; split it and import the parts.",
        ));
    }
    let store = shell.store()?;
    let lower = file_name.to_ascii_lowercase();
    let report = if lower.ends_with(".vcf") || lower.ends_with(".vcard") {
        store.import_vcard(content, now_ms()).await?
    } else {
        store.import_csv(content.into_bytes(), now_ms()).await?
    };
    let _ = app.emit(EVENT_HISTORY_CHANGED, HistoryChanged {});
    // A contact may name a colleague on the board.
    if let Some(live) = slot.live().await {
        crate::session::names_from_contacts(&app, &live).await;
    }
    Ok(report.into())
}

/// All contacts as CSV text.
#[tauri::command]
pub async fn export_contacts(shell: State<'_, Shell>) -> IpcResult<String> {
    let bytes = shell.store()?.export_csv().await?;
    String::from_utf8(bytes).map_err(|_| {
        IpcError::new(
            ErrorCode::StoreUnavailable,
            "The contacts could not be exported as text.",
        )
    })
}

pub(crate) fn not_connected() -> IpcError {
    IpcError::new(ErrorCode::NotConnected, crate::errors::NOT_CONNECTED)
}

/// How long a request through the office gateway may take: a dial, a
/// pickup or a retrieval waits for her phone to answer first.
pub(crate) const GATEWAY_WAIT: std::time::Duration = std::time::Duration::from_secs(75);

/// Asks the office gateway to run `req` for this desk.
pub(crate) async fn ask_gateway(
    desk: &ringside_gateway::desk::Desk,
    req: DeskRequest,
) -> IpcResult<()> {
    tracing::info!(?req, "asking the office gateway");
    Ok(desk.ask(&req, GATEWAY_WAIT).await?)
}

pub(crate) fn check_call_id(call: &str) -> IpcResult<()> {
    if call.is_empty() || call.len() > 128 || call.chars().any(char::is_control) {
        return Err(IpcError::new(
            ErrorCode::UnknownCall,
            "That call is not live any more.",
        ));
    }
    Ok(())
}

/// Every colleague's presence.
#[tauri::command]
pub async fn get_presence(
    shell: State<'_, Shell>,
    slot: State<'_, SessionSlot>,
) -> IpcResult<Vec<Colleague>> {
    let ami = match slot.live().await {
        Some(live) => crate::session::presence_list(&live).await,
        None => Vec::new(),
    };
    if !ami.is_empty() {
        return Ok(ami);
    }
    // No hints over AMI (no session, or a PBX without them): the Elastix
    // API's SIP peers at least say who is online.
    let s = shell.saved_settings();
    if s.elastix_url.trim().is_empty() {
        return Ok(ami);
    }
    match crate::elastix::client(shell.secrets.as_ref(), &s) {
        Ok(client) => match client.sip_peers().await {
            Ok(peers) => Ok(crate::elastix::presence_from_peers(&peers)),
            Err(e) => {
                tracing::warn!("no presence from the Elastix API either: {e}");
                Ok(ami)
            }
        },
        Err(_) => Ok(ami),
    }
}

/// The calls in flight, as the tracker sees them.
#[tauri::command]
pub async fn list_live_calls(
    slot: State<'_, SessionSlot>,
) -> IpcResult<Vec<ringside_calls::CallCard>> {
    match slot.live().await {
        Some(live) => Ok(live.lock().await.live_calls()),
        None => Ok(Vec::new()),
    }
}

/// Click-to-dial: my phone rings first, then the number is dialled.
/// Resolves once the PBX says the call started (or why it did not).
#[tauri::command]
pub async fn dial(
    shell: State<'_, Shell>,
    slot: State<'_, SessionSlot>,
    number: String,
) -> IpcResult<()> {
    let number = actions::clean_dial_input(&number)?;
    let (link, live, target) = slot.link().await.ok_or_else(not_connected)?;
    let extension = target.extensions.first().cloned().ok_or_else(|| {
        IpcError::new(
            ErrorCode::InvalidSetting,
            "My extension: set your extension in Settings so Ringside knows which phone to ring.",
        )
    })?;
    let client = match link {
        Link::Office(desk) => {
            let req = DeskRequest::Dial {
                from: extension,
                number,
            };
            return ask_gateway(&desk, req).await;
        }
        Link::Ami(client) => client,
    };
    let profile = shell.saved_settings().profile.profile();
    let dialect = live.lock().await.tracker.dialect();
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let channel_id = format!(
        "ringside-c2d-{}-{}",
        now_ms(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let req = DialRequest {
        extension,
        number,
        caller_name: None,
        channel_id: channel_id.clone(),
        context: None,
    };
    let packet = actions::click_to_dial(&profile, dialect, &req).map_err(IpcError::from)?;
    tracing::info!(number = %req.number, from = %req.extension, "click-to-dial");
    actions::send_click_to_dial(
        &client,
        packet,
        &channel_id,
        std::time::Duration::from_secs(40),
    )
    .await
    .map_err(IpcError::from)
}

/// Transfers a live call to `target`: blind (`Redirect` of the caller while
/// it still rings here, else the profile's blind transfer) or attended
/// (`Atxfer` of my own answered channel).
#[tauri::command]
pub async fn transfer(
    shell: State<'_, Shell>,
    slot: State<'_, SessionSlot>,
    call: String,
    target: String,
    attended: bool,
) -> IpcResult<()> {
    check_call_id(&call)?;
    let target = actions::clean_dial_input(&target)?;
    let (link, live, session_target) = slot.link().await.ok_or_else(not_connected)?;
    let client = match link {
        Link::Office(desk) => {
            let req = DeskRequest::Transfer {
                call,
                to: target,
                attended,
            };
            return ask_gateway(&desk, req).await;
        }
        Link::Ami(client) => client,
    };
    let profile = shell.saved_settings().profile.profile();
    let (channels, dialect) = {
        let l = live.lock().await;
        (l.tracker.channels_of(&call), l.tracker.dialect())
    };
    let packet = actions::transfer_call(
        &profile,
        dialect,
        &channels,
        &session_target.extensions,
        &target,
        attended,
        None,
    )
    .map_err(IpcError::from)?;
    tracing::info!(%call, %target, attended, action = packet.action_name().unwrap_or(""), "transfer");
    actions::send(&client, packet)
        .await
        .map(|_| ())
        .map_err(IpcError::from)
}

/// Hangs up my phone's leg of a call (declines it while ringing).
#[tauri::command]
pub async fn hangup(slot: State<'_, SessionSlot>, call: String) -> IpcResult<()> {
    check_call_id(&call)?;
    let (link, live, target) = slot.link().await.ok_or_else(not_connected)?;
    let client = match link {
        Link::Office(desk) => return ask_gateway(&desk, DeskRequest::Hangup { call }).await,
        Link::Ami(client) => client,
    };
    let channels = live.lock().await.tracker.channels_of(&call);
    let own = channels
        .iter()
        .filter(|c| c.kind == EndpointKind::Extension && target.extensions.contains(&c.endpoint))
        .max_by_key(|c| c.up)
        .ok_or_else(|| {
            IpcError::new(
                ErrorCode::UnknownCall,
                "That call is not on your phone any more.",
            )
        })?;
    let packet = actions::hangup(&own.name).map_err(IpcError::from)?;
    actions::send(&client, packet)
        .await
        .map(|_| ())
        .map_err(IpcError::from)
}

/// Sends a text message through the OpenVox gateway: checked by the calls
/// crate's action, recorded as sending, sent, then marked sent or failed
/// with the gateway's answer in plain words. `span` defaults to the
/// settings' GSM span.
#[tauri::command]
pub async fn send_sms<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    slot: State<'_, SessionSlot>,
    number: String,
    text: String,
    span: Option<u32>,
) -> IpcResult<SmsRow> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = format!(
        "out-{}-{}",
        now_ms(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let req =
        crate::sms::outgoing_request(&number, &text, span, shell.saved_settings().gsm_span, id)?;
    let row = match slot.link().await.ok_or_else(not_connected)? {
        (Link::Ami(client), ..) => crate::sms::send(shell.store()?, &client, &req, now_ms()).await,
        (Link::Office(desk), ..) => {
            crate::sms::send_through_office(shell.store()?, &desk, &req, now_ms()).await
        }
    };
    crate::feeds::history_changed(&app);
    row
}

/// The last texts with a number, newest first.
#[tauri::command]
pub async fn sms_thread(shell: State<'_, Shell>, number: String) -> IpcResult<Vec<SmsRow>> {
    let n = check_lookup_number(&number)?;
    Ok(shell
        .store()?
        .sms_thread(n, 200)
        .await?
        .into_iter()
        .map(SmsRow::from)
        .collect())
}

/// Texts whose number, sender or text matches; the latest ones for an empty search.
#[tauri::command]
pub async fn search_sms(shell: State<'_, Shell>, text: String) -> IpcResult<Vec<SmsRow>> {
    if text.len() > 200 {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "Search for at most 200 characters.",
        ));
    }
    Ok(shell
        .store()?
        .search_sms(text.trim(), 200)
        .await?
        .into_iter()
        .map(SmsRow::from)
        .collect())
}

/// Puts the Elastix API token in the OS keyring for the saved API address
/// (off the GUI thread).
#[tauri::command]
pub async fn set_api_token<R: Runtime>(app: AppHandle<R>, token: Secret) -> IpcResult<()> {
    off_main(app, move |_, shell| {
        let s = shell.saved_settings();
        crate::elastix::store_token(shell.secrets.as_ref(), &s, &token)?;
        tracing::info!(url = %s.elastix_url, "Elastix API token stored in the system keyring");
        Ok(())
    })
    .await
}

/// Tries the given (unsaved) API address and certificate with the token
/// saved for that address.
#[tauri::command]
pub async fn test_api_connection(
    shell: State<'_, Shell>,
    settings: Settings,
) -> IpcResult<ApiTestResult> {
    settings::validate(&settings)?;
    let client = crate::elastix::client(shell.secrets.as_ref(), &settings)?;
    Ok(crate::elastix::test(&client).await)
}

/// Imports the PBX's call records since the last import; progress goes to
/// the main window as `ringside://cdr-import`.
#[tauri::command]
pub async fn import_cdr<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
) -> IpcResult<CdrImportSummary> {
    let client = crate::elastix::client(shell.secrets.as_ref(), &shell.saved_settings())?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let forward = {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            while let Some(p) = rx.recv().await {
                let _ = app.emit_to(crate::popup::MAIN_WINDOW, EVENT_CDR_IMPORT, p);
            }
        })
    };
    let summary = crate::elastix::import(&client, shell.store()?, move |p| {
        let _ = tx.send(p);
    })
    .await;
    let _ = forward.await;
    crate::feeds::history_changed(&app);
    summary
}

/// The calls in progress on the PBX, from its API.
#[tauri::command]
pub async fn list_pbx_calls(shell: State<'_, Shell>) -> IpcResult<Vec<PbxChannel>> {
    let client = crate::elastix::client(shell.secrets.as_ref(), &shell.saved_settings())?;
    Ok(crate::elastix::channels(
        client.active_calls().await.map_err(IpcError::from)?,
    ))
}

/// Fetches a call's recording into the app's cache and opens it in the
/// system's audio player.
#[tauri::command]
pub async fn play_recording<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    call_id: String,
) -> IpcResult<()> {
    use tauri::Manager;
    use tauri_plugin_opener::OpenerExt;
    check_call_id(&call_id)?;
    let client = crate::elastix::client(shell.secrets.as_ref(), &shell.saved_settings())?;
    let dir = app
        .path()
        .app_cache_dir()
        .map_err(|e| {
            IpcError::new(
                ErrorCode::Io,
                format!("Ringside has no cache folder for recordings: {e}."),
            )
        })?
        .join("recordings");
    let path = crate::elastix::fetch_recording(&client, shell.store()?, &call_id, &dir).await?;
    app.opener()
        .open_path(path.to_string_lossy(), None::<&str>)
        .map_err(|e| {
            IpcError::new(
                ErrorCode::Io,
                format!(
                    "The recording was saved to {} but no audio player opened it: {e}.",
                    path.display()
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A shell over temp dirs whose settings file says `template`, written
    /// as a hand-edited file would be (no validation on the way in), so the
    /// opening path itself must refuse a bad scheme.
    fn shell_with_crm(dir: &std::path::Path, template: &str) -> Shell {
        let config = dir.join("config");
        std::fs::create_dir_all(&config).unwrap();
        let body = serde_json::json!({ "crmUrlTemplate": template }).to_string();
        std::fs::write(config.join(settings::SETTINGS_FILE), body).unwrap();
        let secrets = Arc::new(settings::FileSecretStore::new(dir.join("keys")));
        Shell::new(
            crate::cli::Args::default(),
            config,
            dir.join("data"),
            secrets,
        )
    }

    /// What `open_crm` would hand the browser, or its error.
    fn crm_open(shell: &Shell, number: &str) -> Result<String, IpcError> {
        let mut opened = None;
        open_crm_with(shell, number, |url| {
            opened = Some(url);
            Ok(())
        })?;
        Ok(opened.expect("success means the browser was asked to open something"))
    }

    #[test]
    fn open_crm_percent_encodes_the_whole_caller_number() {
        let dir = tempfile::tempdir().unwrap();
        let shell = shell_with_crm(dir.path(), "https://crm.example/search?phone={number}");
        let base = "https://crm.example/search?phone=";
        let cases = [
            ("+1 555&x=<script>", "%2B1%20555%26x%3D%3Cscript%3E"),
            ("+1 555 123 4567", "%2B1%20555%20123%204567"),
            ("12#34", "12%2334"),
            ("1001/../../admin", "1001%2F..%2F..%2Fadmin"),
            ("Zoë ☎ 5", "Zo%C3%AB%20%E2%98%8E%205"),
            ("anonymous", "anonymous"),
            ("a?b=c%20", "a%3Fb%3Dc%2520"),
        ];
        for (number, encoded) in cases {
            let url =
                crm_open(&shell, number).unwrap_or_else(|e| panic!("{number:?}: {}", e.message));
            assert_eq!(
                url,
                format!("{base}{encoded}"),
                "{number:?} must stay one query value, not add parameters or a fragment"
            );
        }
        for bad in ["", "1\r\nX-Evil: 1", "1\u{0}2", &"9".repeat(65)] {
            let e = crm_open(&shell, bad).expect_err(bad);
            assert_eq!(e.code, ErrorCode::InvalidNumber, "{bad:?}");
        }
    }

    #[test]
    fn open_crm_opens_only_http_and_https_templates() {
        let dir = tempfile::tempdir().unwrap();
        for template in [
            "javascript:alert(document.cookie)//{number}",
            "JavaScript:alert(1)//{number}",
            " javascript:alert(1)//{number}",
            "file:///etc/passwd?{number}",
            "data:text/html,<script>alert(1)</script>{number}",
            "vbscript:msgbox({number})",
            "crm.example/search?phone={number}",
            "//crm.example/search?phone={number}",
            "https:///etc/passwd?{number}",
            "http://crm.example/a b?{number}",
            "https://crm.example/\njavascript:{number}",
            "",
        ] {
            let shell = shell_with_crm(dir.path(), template);
            let mut opened = false;
            let e = open_crm_with(&shell, "+15551234567", |_| {
                opened = true;
                Ok(())
            })
            .expect_err(template);
            assert!(!opened, "{template:?} must never reach the browser");
            assert_eq!(e.code, ErrorCode::InvalidSetting, "{template:?}");
            assert!(
                e.message.starts_with("CRM URL"),
                "the message names the setting to fix: {}",
                e.message
            );
        }
        for ok in [
            "HTTPS://crm.example/?q={number}",
            "http://10.0.0.5:8080/c/{number}",
        ] {
            let shell = shell_with_crm(dir.path(), ok);
            assert!(
                crm_open(&shell, "1001").is_ok(),
                "{ok:?} is a plain http(s) address"
            );
        }
    }

    #[test]
    fn a_browser_failure_is_reported_in_plain_words() {
        let dir = tempfile::tempdir().unwrap();
        let shell = shell_with_crm(dir.path(), "https://crm.example/?q={number}");
        let e = open_crm_with(&shell, "1001", |_| Err("no browser".into())).unwrap_err();
        assert_eq!(e.code, ErrorCode::Io);
        assert!(e.message.contains("no browser"), "{}", e.message);
    }

    #[test]
    fn saving_start_with_os_adds_and_removes_the_login_entry() {
        let dir = tempfile::tempdir().unwrap();
        let mut shell = shell_with_crm(dir.path(), "");
        let xdg_config_home = dir.path().join("xdg-config");
        shell.autostart = ringside_config::autostart::Autostart::from_env();
        shell.autostart.place =
            ringside_config::autostart::Place::Xdg(Some(xdg_config_home.join("autostart")));
        let entry = xdg_config_home
            .join("autostart")
            .join(ringside_config::autostart::ENTRY_FILE);
        let save = |on: bool| {
            let old = shell
                .save_settings(Settings {
                    start_with_os: on,
                    ..shell.saved_settings()
                })
                .unwrap();
            shell.sync_autostart(&old).unwrap();
        };
        save(true);
        let text = std::fs::read_to_string(&entry)
            .expect("turning startWithOs on creates the XDG autostart entry");
        let exe = std::env::current_exe().unwrap();
        assert!(
            text.contains(&format!("Exec=\"{}\"", exe.display())),
            "the entry starts this program: {text}"
        );
        save(true);
        assert!(entry.is_file(), "saving again with it on keeps the entry");
        save(false);
        assert!(!entry.exists(), "turning startWithOs off removes the entry");
        save(false);
        assert!(!entry.exists());
    }
}
