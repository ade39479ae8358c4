//! The one place a headless crate's error becomes the UI's `{code,
//! reason, message}`: `code` is the UI's small vocabulary
//! ([`ErrorCode`], what a page branches on), chosen here by the error's
//! variant, never by its text; `reason` is the crate's own `code()`, the
//! finer word a log or a later page can use; `message` is the crate's
//! sentence, already written for the person at the desk.

pub use ringside_calls::actions::sentence;
use ringside_calls::actions::ActionError;

use crate::ipc::{ErrorCode, IpcError};

/// No live AMI session: what the receptionist is told to do about it.
pub const NOT_CONNECTED: &str =
    "Ringside is not connected to the PBX right now; wait until the status says Connected.";

impl From<ringside_gateway::desk::AskError> for IpcError {
    fn from(e: ringside_gateway::desk::AskError) -> Self {
        use ringside_gateway::desk::AskError as E;
        match e {
            E::Refused { code, message } => {
                IpcError::new(ErrorCode::PbxRefused, sentence(&message)).because(&code)
            }
            E::NoAnswer(message) => IpcError::new(ErrorCode::Timeout, sentence(&message)),
        }
    }
}

impl From<ringside_ami::Error> for IpcError {
    fn from(e: ringside_ami::Error) -> Self {
        use ringside_ami::Error as E;
        let reason = e.code();
        let (code, message) = match &e {
            E::NotConnected | E::ConnectionLost { .. } | E::Closed => {
                (ErrorCode::NotConnected, NOT_CONNECTED.to_owned())
            }
            E::Timeout { .. } => (ErrorCode::Timeout, sentence(&e.to_string())),
            E::Encode(_) | E::MissingAction => (ErrorCode::InvalidInput, sentence(&e.to_string())),
            E::Config(_) => (ErrorCode::InvalidSetting, sentence(&e.to_string())),
            _ => (ErrorCode::PbxRefused, sentence(&e.to_string())),
        };
        IpcError::new(code, message).because(reason)
    }
}

impl From<ActionError> for IpcError {
    fn from(e: ActionError) -> Self {
        let e = match e {
            ActionError::Pbx(inner) => return inner.into(),
            other => other,
        };
        let code = match &e {
            ActionError::NotDialable { .. }
            | ActionError::NotANumber { .. }
            | ActionError::Empty { .. } => ErrorCode::InvalidNumber,
            ActionError::BadField { .. } | ActionError::NotAnswered | ActionError::NoText => {
                ErrorCode::InvalidInput
            }
            ActionError::CallGone | ActionError::NoSuchChannel => ErrorCode::UnknownCall,
            ActionError::NotRinging { .. }
            | ActionError::NothingParked { .. }
            | ActionError::NoSuchQueue { .. }
            | ActionError::NotQueueMember { .. } => ErrorCode::NotFound,
            _ => ErrorCode::PbxRefused,
        };
        IpcError::new(code, sentence(&e.to_string())).because(e.code())
    }
}

impl From<ringside_elastix::Error> for IpcError {
    fn from(e: ringside_elastix::Error) -> Self {
        use ringside_elastix::Error as E;
        let code = match &e {
            E::Config(_) => ErrorCode::InvalidSetting,
            E::BadToken { .. } => ErrorCode::AuthFailed,
            E::RecordingNotFound { .. } => ErrorCode::NotFound,
            E::UnsafeRecordingName { .. } | E::BadCdrRow { .. } => ErrorCode::InvalidInput,
            E::Timeout { .. } => ErrorCode::Timeout,
            E::Unreachable { .. } | E::Tls { .. } | E::Connection { .. } => ErrorCode::NotConnected,
            E::Write { .. } => ErrorCode::Io,
            E::Store(_) => ErrorCode::StoreUnavailable,
            _ => ErrorCode::PbxRefused,
        };
        IpcError::new(code, sentence(&e.to_string())).because(e.code())
    }
}

impl From<ringside_store::StoreError> for IpcError {
    fn from(e: ringside_store::StoreError) -> Self {
        use ringside_store::StoreError as E;
        let code = match e {
            E::Invalid(_) | E::Import(_) | E::SyncedContact { .. } => ErrorCode::InvalidInput,
            _ => ErrorCode::StoreUnavailable,
        };
        IpcError::new(code, e.to_string()).because(e.code())
    }
}

impl From<ringside_store::texts::SendError> for IpcError {
    fn from(e: ringside_store::texts::SendError) -> Self {
        match e {
            ringside_store::texts::SendError::Gateway(e) => e.into(),
            ringside_store::texts::SendError::Store(e) => e.into(),
        }
    }
}

impl From<ringside_config::Error> for IpcError {
    fn from(e: ringside_config::Error) -> Self {
        use ringside_config::Error as E;
        let code = match &e {
            E::SettingsDamaged { .. } | E::SettingsWrongValue { .. } => ErrorCode::InvalidSetting,
            E::SettingsUnreadable { .. }
            | E::SettingsUnwritable { .. }
            | E::Autostart { .. }
            | E::NoAutostartDir => ErrorCode::Io,
            _ => ErrorCode::KeyringUnavailable,
        };
        IpcError::new(code, sentence(&e.to_string())).because(e.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pbx_not_being_connected_is_told_as_such_whichever_action_met_it() {
        for e in [
            ringside_ami::Error::NotConnected,
            ringside_ami::Error::Closed,
        ] {
            let reason = e.code();
            let ipc = IpcError::from(ActionError::Pbx(e));
            assert_eq!(ipc.code, ErrorCode::NotConnected);
            assert_eq!(ipc.message, NOT_CONNECTED);
            assert_eq!(ipc.reason.as_deref(), Some(reason));
        }
    }

    #[test]
    fn a_refused_action_keeps_the_pbxs_words_and_the_variant_picks_the_code() {
        let refused = ActionError::Pbx(ringside_ami::Error::ActionFailed {
            action: "Redirect".into(),
            message: "Channel not found".into(),
        });
        let ipc = IpcError::from(refused);
        assert_eq!(ipc.code, ErrorCode::PbxRefused);
        assert_eq!(
            ipc.message,
            "The PBX refused the Redirect action: Channel not found."
        );
        assert_eq!(ipc.reason.as_deref(), Some("action_failed"));
        let gone = IpcError::from(ActionError::CallGone);
        assert_eq!(gone.code, ErrorCode::UnknownCall);
        let channel = IpcError::from(ActionError::NoSuchChannel);
        assert_eq!(channel.code, ErrorCode::UnknownCall);
        let empty = IpcError::from(ActionError::NothingParked {
            space: "71".into(),
            lot: None,
        });
        assert_eq!(
            (empty.code, empty.message.as_str()),
            (ErrorCode::NotFound, "No call is parked in space 71.")
        );
        let queue = IpcError::from(ActionError::NoSuchQueue {
            queue: "suport".into(),
        });
        assert_eq!(queue.code, ErrorCode::NotFound);
        let text = IpcError::from(ActionError::NoText);
        assert_eq!(
            (text.code, text.message.as_str()),
            (ErrorCode::InvalidInput, "Type the text message first.")
        );
    }

    #[test]
    fn a_settings_or_keyring_failure_keeps_its_words_and_the_variant_picks_the_code() {
        let locked = IpcError::from(ringside_config::Error::Keyring {
            reason: "Couldn't access platform storage: locked".into(),
        });
        assert_eq!(locked.code, ErrorCode::KeyringUnavailable);
        assert_eq!(
            locked.message,
            "The system keyring could not be used (Couldn't access platform storage: locked). Unlock your keyring (GNOME Keyring / KWallet) and try again."
        );
        assert_eq!(locked.reason.as_deref(), Some("keyring"));
        let damaged = IpcError::from(ringside_config::Error::SettingsDamaged {
            path: "/home/ana/.config/ringside/settings.json".into(),
            reason: "key must be a string at line 1 column 2".into(),
        });
        assert_eq!(damaged.code, ErrorCode::InvalidSetting);
        assert_eq!(
            damaged.message,
            "The settings file /home/ana/.config/ringside/settings.json is damaged (key must be a string at line 1 column 2); fix or delete it."
        );
        let full = IpcError::from(ringside_config::Error::SettingsUnwritable {
            dir: "/home/ana/.config/ringside".into(),
            source: std::io::Error::other("No space left on device"),
        });
        assert_eq!(
            (full.code, full.reason.as_deref()),
            (ErrorCode::Io, Some("settings_unwritable"))
        );
    }
}
