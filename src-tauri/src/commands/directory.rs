//! The company directory's and the address book's commands: their
//! passwords into the keyring, "Test directory", and "Sync now".

use tauri::{AppHandle, Emitter, Runtime, State};

use super::off_main;
use crate::ipc::{
    AddressBookSyncResult, DirectoryTestResult, HistoryChanged, IpcResult, Settings,
    EVENT_HISTORY_CHANGED,
};
use crate::settings::{self, Secret};
use crate::shell::Shell;

/// Puts the directory's bind password in the OS keyring (for the saved
/// server and user); the next card uses it.
#[tauri::command]
pub async fn set_directory_password<R: Runtime>(
    app: AppHandle<R>,
    password: Secret,
) -> IpcResult<()> {
    off_main(app, move |_, shell| {
        let s = shell.saved_settings();
        crate::directory::store_password(shell.secrets.as_ref(), &s, &password)?;
        shell.forget_directory();
        tracing::info!(url = %s.directory.url, "directory password stored in the system keyring");
        Ok(())
    })
    .await
}

/// Tries the given (unsaved) directory settings, with the password saved
/// for that server and user, step by step.
#[tauri::command]
pub async fn test_directory(
    shell: State<'_, Shell>,
    settings: Settings,
) -> IpcResult<DirectoryTestResult> {
    settings::validate(&settings)?;
    crate::directory::test(shell.secrets.as_ref(), &settings).await
}

/// Puts the address book's password in the OS keyring (for the saved
/// server and user).
#[tauri::command]
pub async fn set_address_book_password<R: Runtime>(
    app: AppHandle<R>,
    password: Secret,
) -> IpcResult<()> {
    off_main(app, move |_, shell| {
        let s = shell.saved_settings();
        crate::address_book::store_password(shell.secrets.as_ref(), &s, &password)?;
        tracing::info!(url = %s.address_book.url, "address book password stored in the system keyring");
        Ok(())
    })
    .await
}

/// Syncs the saved address book now; the contacts list refreshes.
#[tauri::command]
pub async fn sync_address_book<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
) -> IpcResult<AddressBookSyncResult> {
    let result = crate::address_book::sync_now(&shell).await?;
    if result.ok {
        let _ = app.emit(EVENT_HISTORY_CHANGED, HistoryChanged {});
    }
    Ok(result)
}
