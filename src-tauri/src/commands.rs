//! Every `#[tauri::command]` of the IPC contract. Each is a few lines: check
//! the input, call a headless crate (or the shell state), map the error to
//! `{code, message}`. The list here must match `COMMANDS` in `build.rs`,
//! which generates the per-window permissions.

use tauri::{AppHandle, Emitter, Runtime, State};

use crate::ipc::{
    CallRow, CallerContext, Contact, ErrorCode, HistoryChanged, HistoryQuery, ImportReport, IpcError, IpcResult, Note,
    Settings, Status, TestReport, EVENT_HISTORY_CHANGED,
};
use crate::settings::{self, Secret};
use crate::shell::Shell;

/// The handler with every command, for `Builder::invoke_handler`.
pub fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        get_status,
        get_settings,
        save_settings,
        set_secret,
        open_crm,
        dismiss_popup,
        add_note,
        lookup_caller,
        search_history,
        list_missed,
        search_contacts,
        import_contacts,
        export_contacts,
        test_connection,
    ]
}

/// Strips the punctuation people paste with numbers and checks what is left
/// is dialable: an optional leading `+`, then digits, `*` and `#`.
pub fn clean_dial_input(raw: &str) -> IpcResult<String> {
    let trimmed = raw.trim();
    let cleaned: String =
        trimmed.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}')).collect();
    let digits = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    if digits.is_empty() || digits.len() > 32 || !digits.chars().all(|c| c.is_ascii_digit() || c == '*' || c == '#') {
        let shown: String = trimmed.chars().filter(|c| !c.is_control()).take(40).collect();
        return Err(IpcError::new(
            ErrorCode::InvalidNumber,
            format!("“{shown}” is not a phone number or extension. Use digits, and + for international numbers."),
        ));
    }
    Ok(cleaned)
}

/// Connection, demo flag and watched extensions.
#[tauri::command]
pub fn get_status(shell: State<'_, Shell>) -> Status {
    shell.status()
}

/// The saved settings; never the secret, only `hasSecret`.
#[tauri::command]
pub fn get_settings(shell: State<'_, Shell>) -> Settings {
    shell.settings()
}

/// Validates and saves settings; reconnects when the PBX login changed.
#[tauri::command]
pub fn save_settings<R: Runtime>(app: AppHandle<R>, shell: State<'_, Shell>, settings: Settings) -> IpcResult<()> {
    let old = shell.save_settings(settings)?;
    shell.settings_changed(&app, &old);
    Ok(())
}

/// Puts the AMI secret in the OS keyring (for the saved host and user) and
/// reconnects with it.
#[tauri::command]
pub fn set_secret<R: Runtime>(app: AppHandle<R>, shell: State<'_, Shell>, secret: Secret) -> IpcResult<()> {
    let s = shell.settings();
    settings::store_secret(shell.secrets.as_ref(), &s, &secret)?;
    tracing::info!(user = %s.ami_user, host = %s.host, "AMI secret stored in the system keyring");
    if shell.args.pbx.is_none() && !shell.args.demo {
        crate::session::restart(&app);
    }
    Ok(())
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
pub fn open_crm<R: Runtime>(app: AppHandle<R>, shell: State<'_, Shell>, number: String) -> IpcResult<()> {
    use tauri_plugin_opener::OpenerExt;
    let number = clean_dial_input(&number)?;
    let url = settings::crm_url(&shell.settings().crm_url_template, &number)?;
    app.opener().open_url(url, None::<&str>).map_err(|e| {
        IpcError::new(ErrorCode::Io, format!("Could not open the browser for the CRM page: {e}."))
    })
}

/// Closes one card of the popup (the window hides with the last one).
#[tauri::command]
pub fn dismiss_popup<R: Runtime>(app: AppHandle<R>, shell: State<'_, Shell>, call: String) -> IpcResult<()> {
    if call.is_empty() || call.len() > 128 {
        return Err(IpcError::new(ErrorCode::InvalidInput, "That call is not shown any more."));
    }
    shell.popup_closed(&app, &call, false);
    Ok(())
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Start of today (UTC midnight) in Unix ms, for "called 3 times today".
fn today_start_ms() -> i64 {
    let day = 86_400_000;
    now_ms() - now_ms().rem_euclid(day)
}

/// Checks a number as the PBX or the UI gave it (caller numbers may hold
/// letters or be "anonymous", so only length and control characters matter).
fn check_lookup_number(number: &str) -> IpcResult<&str> {
    let n = number.trim();
    if n.is_empty() || n.len() > 64 || n.chars().any(char::is_control) {
        return Err(IpcError::new(ErrorCode::InvalidNumber, "That number cannot be looked up."));
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
        return Err(IpcError::new(ErrorCode::InvalidInput, "Write a note of up to 4000 characters."));
    }
    let target = match (call_id.filter(|c| !c.is_empty()), number) {
        (Some(call), _) if call.len() <= 128 => ringside_store::NoteTarget::Call(call),
        (None, Some(n)) => ringside_store::NoteTarget::Number(check_lookup_number(&n)?.to_string()),
        _ => return Err(IpcError::new(ErrorCode::InvalidInput, "A note needs a call or a number to belong to.")),
    };
    let note = shell.store()?.add_note(target, text, now_ms()).await?;
    let _ = app.emit(EVENT_HISTORY_CHANGED, HistoryChanged {});
    Ok(note.into())
}

/// What history knows about a number: contact, last calls, calls today.
#[tauri::command]
pub async fn lookup_caller(shell: State<'_, Shell>, number: String) -> IpcResult<CallerContext> {
    let n = check_lookup_number(&number)?;
    Ok(shell.store()?.lookup_caller(n, today_start_ms(), 5).await?.into())
}

/// Searches the call history.
#[tauri::command]
pub async fn search_history(shell: State<'_, Shell>, query: HistoryQuery) -> IpcResult<Vec<CallRow>> {
    if query.text.as_deref().is_some_and(|t| t.len() > 200) {
        return Err(IpcError::new(ErrorCode::InvalidInput, "Search for at most 200 characters."));
    }
    let rows = shell.store()?.search_calls(query.to_store()).await?;
    Ok(rows.into_iter().map(CallRow::from).collect())
}

/// Missed calls of the last 30 days, newest first (called-back ones included and marked).
#[tauri::command]
pub async fn list_missed(shell: State<'_, Shell>) -> IpcResult<Vec<CallRow>> {
    let since = now_ms() - 30 * 86_400_000;
    let rows = shell.store()?.missed_calls(since, true, 500).await?;
    Ok(rows.into_iter().map(CallRow::from).collect())
}

/// Contacts matching a name, company or number fragment.
#[tauri::command]
pub async fn search_contacts(shell: State<'_, Shell>, text: String) -> IpcResult<Vec<Contact>> {
    if text.len() > 200 {
        return Err(IpcError::new(ErrorCode::InvalidInput, "Search for at most 200 characters."));
    }
    let rows = shell.store()?.search_contacts(text.trim(), 200).await?;
    Ok(rows.into_iter().map(Contact::from).collect())
}

/// Imports a CSV or vCard (`.vcf`) file's text.
#[tauri::command]
pub async fn import_contacts<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    file_name: String,
    content: String,
) -> IpcResult<ImportReport> {
    if content.len() > 20 * 1024 * 1024 {
        return Err(IpcError::new(ErrorCode::InvalidInput, "That file is larger than 20 MB; split it and import the parts."));
    }
    let store = shell.store()?;
    let lower = file_name.to_ascii_lowercase();
    let report = if lower.ends_with(".vcf") || lower.ends_with(".vcard") {
        store.import_vcard(content, now_ms()).await?
    } else {
        store.import_csv(content.into_bytes(), now_ms()).await?
    };
    let _ = app.emit(EVENT_HISTORY_CHANGED, HistoryChanged {});
    Ok(report.into())
}

/// All contacts as CSV text.
#[tauri::command]
pub async fn export_contacts(shell: State<'_, Shell>) -> IpcResult<String> {
    let bytes = shell.store()?.export_csv().await?;
    String::from_utf8(bytes).map_err(|_| IpcError::new(ErrorCode::StoreUnavailable, "The contacts could not be exported as text."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dial_input_is_cleaned_or_refused_with_an_actionable_message() {
        assert_eq!(clean_dial_input(" +1 (555) 123-4567 ").unwrap(), "+15551234567");
        assert_eq!(clean_dial_input("*97").unwrap(), "*97");
        for bad in ["", "12a4", "1001\r\nAction: Originate", "++1", "1".repeat(40).as_str()] {
            let e = clean_dial_input(bad).expect_err(bad);
            assert_eq!(e.code, ErrorCode::InvalidNumber, "{bad:?}");
            assert!(!e.message.contains('\n'), "the message must not echo control characters");
        }
    }
}
