//! What a card learns about its caller after it shows: the history (the
//! caller context) and who the caller is (the identity: name, its source,
//! company, photo). The card never waits for either: it shows at once with
//! the PBX's caller ID, and each answer fills in when it comes. The company
//! directory is asked last, through `ringside_directory::lookup`, whose
//! deadline bounds how long the card may still change.

use base64::Engine;
use ringside_directory::precedence::{identify, Shown, StoredContact};
use ringside_directory::Person;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::ipc::{
    CallerContext, CallerContextEvent, CallerIdentity, CallerIdentityEvent, ContactOrigin,
    EVENT_CALLER_CONTEXT, EVENT_CALLER_IDENTITY,
};
use crate::shell::Shell;

/// Looks the caller up and sends the card what is found: the history and
/// the identity, then the identity again once the directory has answered.
pub fn send_context<R: Runtime>(
    app: &AppHandle<R>,
    call: String,
    number: String,
    pbx_name: Option<String>,
) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(shell) = app.try_state::<Shell>() else {
            return;
        };
        let Ok(store) = shell.store() else { return };
        let ctx = match store
            .lookup_caller(&number, crate::clock::today_start_ms(), 5)
            .await
        {
            Ok(ctx) => CallerContext::from(ctx),
            Err(e) => {
                tracing::warn!("could not look up the caller in history: {e}");
                return;
            }
        };
        let known = Known {
            number: &number,
            ctx: &ctx,
            pbx_name: pbx_name.as_deref(),
        };
        send_identity(&app, &call, known.identity(None, false));
        let _ = app.emit(
            EVENT_CALLER_CONTEXT,
            CallerContextEvent {
                call,
                caller_context: ctx,
            },
        );
    });
}

/// What is known about a caller before the directory answers.
struct Known<'a> {
    number: &'a str,
    ctx: &'a CallerContext,
    pbx_name: Option<&'a str>,
}

impl Known<'_> {
    fn identity(&self, directory: Option<&Person>, pending: bool) -> CallerIdentity {
        let contact = self.ctx.contact.as_ref().map(|c| StoredContact {
            name: &c.name,
            company: c.company.as_deref(),
            from_address_book: c.origin == ContactOrigin::AddressBook,
        });
        to_ipc(
            identify(self.number, contact, directory, self.pbx_name),
            pending,
        )
    }
}

fn to_ipc(shown: Shown, pending: bool) -> CallerIdentity {
    let (name, source) = shown.name.unzip();
    CallerIdentity {
        name,
        source,
        company: shown.company,
        department: shown.department,
        title: shown.title,
        photo: shown.photo.map(|p| {
            let data = base64::engine::general_purpose::STANDARD.encode(&p.bytes);
            format!("data:{};base64,{data}", p.mime)
        }),
        pending,
    }
}

fn send_identity<R: Runtime>(app: &AppHandle<R>, call: &str, identity: CallerIdentity) {
    let event = CallerIdentityEvent {
        call: call.to_owned(),
        identity,
    };
    if let Err(e) = app.emit(EVENT_CALLER_IDENTITY, event) {
        tracing::warn!("could not send the caller's identity: {e}");
    }
}
