//! Office mode's command: this desk's broker password into the keyring.

use tauri::{AppHandle, Runtime};

use super::off_main;
use crate::ipc::IpcResult;
use crate::settings::Secret;

/// Puts this desk's broker password in the OS keyring (for the saved
/// broker and user) and reconnects through the office gateway with it.
#[tauri::command]
pub async fn set_broker_password<R: Runtime>(app: AppHandle<R>, password: Secret) -> IpcResult<()> {
    off_main(app, move |app, shell| {
        let s = shell.saved_settings();
        crate::office::store_password(shell.secrets.as_ref(), &s, &password)?;
        tracing::info!(broker = %s.office.broker, user = %s.office.user, "broker password stored in the system keyring");
        if shell.args.pbx.is_none() && !shell.args.demo {
            crate::session::restart(app);
        }
        Ok(())
    })
    .await
}
