//! What a card learns about its caller after it shows: the history (the
//! caller context) and who the caller is (the identity: name, its source,
//! company, photo). The card never waits for either: it shows at once with
//! the PBX's caller ID, and each answer fills in when it comes. The company
//! directory is asked last, through `ringside_directory::lookup`, whose
//! deadline bounds how long the card may still change.

use base64::Engine;
use ringside_directory::lookup::Answer;
use ringside_directory::precedence::{identify, Shown, StoredContact};
use ringside_directory::Person;
use ringside_store::{Contact, ContactOrigin};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::ipc::{
    CallerContext, CallerContextEvent, CallerIdentity, CallerIdentityEvent, EVENT_CALLER_CONTEXT,
    EVENT_CALLER_IDENTITY,
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
        let found = match store
            .lookup_caller(&number, crate::clock::today_start_ms(), 5)
            .await
        {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!("could not look up the caller in history: {e}");
                return;
            }
        };
        let directory = shell.directory();
        let known = Known {
            number: &number,
            contact: found.contact.as_ref(),
            pbx_name: pbx_name.as_deref(),
        };
        send_identity(&app, &call, known.identity(None, directory.is_some()));
        let caller_context = CallerContext::from(found.clone());
        let _ = app.emit(
            EVENT_CALLER_CONTEXT,
            CallerContextEvent {
                call: call.clone(),
                caller_context,
            },
        );
        let Some(directory) = directory else { return };
        let key = crate::shell::number_plan(&shell.saved_settings())
            .normalize(&number)
            .unwrap_or_else(|| number.clone());
        let person = match directory.lookup(&key).await {
            Answer::Found { person } => Some(person),
            // Nothing more to say: the card stops waiting.
            Answer::NotFound | Answer::TimedOut | Answer::Failed { .. } => None,
        };
        let known = Known {
            number: &number,
            contact: found.contact.as_ref(),
            pbx_name: pbx_name.as_deref(),
        };
        send_identity(&app, &call, known.identity(person.as_ref(), false));
    });
}

/// What is known about a caller before the directory answers.
struct Known<'a> {
    number: &'a str,
    /// The contact the store has for the number: saved or synced.
    contact: Option<&'a Contact>,
    pbx_name: Option<&'a str>,
}

impl Known<'_> {
    fn identity(&self, directory: Option<&Person>, pending: bool) -> CallerIdentity {
        let contact = self.contact.map(|c| StoredContact {
            name: &c.fields.name,
            company: c.fields.company.as_deref(),
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
