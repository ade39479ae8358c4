//! The config crate's one error type, for the settings file and the secret
//! stores. Every message names the file or the keyring and says what to do,
//! because it ends up in front of a receptionist or the office's admin; the
//! app shows it as it is and picks its own error code by variant.

use std::path::PathBuf;

/// Everything that can go wrong reading or writing the settings and secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The settings file exists but could not be read.
    #[error("Ringside could not read its settings file {}: {source}.", path.display())]
    SettingsUnreadable {
        /// The settings file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The settings file is not JSON: reported rather than overwritten.
    #[error("The settings file {} is damaged ({reason}); fix or delete it.", path.display())]
    SettingsDamaged {
        /// The settings file.
        path: PathBuf,
        /// What the JSON parser said.
        reason: String,
    },
    /// The settings file is JSON but a known key holds a value of the wrong
    /// kind (a word where a number belongs).
    #[error("The settings file {} has a wrong value ({reason}); fix or delete it.", path.display())]
    SettingsWrongValue {
        /// The settings file.
        path: PathBuf,
        /// Which value, in the JSON reader's words.
        reason: String,
    },
    /// The settings folder or file could not be written; the old file, if
    /// any, is left as it was.
    #[error("Ringside could not save its settings in {}: {source}.", dir.display())]
    SettingsUnwritable {
        /// The settings folder.
        dir: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// No OS keyring could be opened at all (no Secret Service running, no
    /// desktop session bus). On Windows the keyring is the Credential Manager,
    /// and the message says so.
    #[cfg_attr(not(windows), error("The system keyring could not be used ({reason}). Unlock your keyring (GNOME Keyring / KWallet) and try again."))]
    #[cfg_attr(windows, error("Windows Credential Manager could not be used ({reason}). Sign out of Windows and back in, then try again; if it keeps failing, ask whoever looks after this computer."))]
    NoKeyring {
        /// The keyring library's words.
        reason: String,
    },
    /// The OS keyring is there but refused to read or store the secret
    /// (typically because it is locked).
    #[cfg_attr(not(windows), error("The system keyring could not be used ({reason}). Unlock your keyring (GNOME Keyring / KWallet) and try again."))]
    #[cfg_attr(windows, error("Windows Credential Manager could not be used ({reason}). Sign out of Windows and back in, then try again; if it keeps failing, ask whoever looks after this computer."))]
    Keyring {
        /// The keyring library's words.
        reason: String,
    },
    /// A [`FileSecretStore`](crate::FileSecretStore) file could not be read
    /// or written.
    #[error("The secret file {} could not be used: {source}.", path.display())]
    SecretFile {
        /// The secret's file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The login entry ("Start Ringside when I log in") could not be added
    /// or removed.
    #[error("Start with the system: could not change {what}: {reason}.")]
    Autostart {
        /// The entry: the `.desktop` file, or the Windows Run value.
        what: String,
        /// What the OS said.
        reason: String,
    },
    /// There is no folder for a Linux login entry.
    #[error("Start with the system: neither XDG_CONFIG_HOME nor HOME is set, so there is no autostart folder.")]
    NoAutostartDir,
}

impl Error {
    /// A stable machine-readable word for the error (the UI's `reason`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::SettingsUnreadable { .. } => "settings_unreadable",
            Self::SettingsDamaged { .. } => "settings_damaged",
            Self::SettingsWrongValue { .. } => "settings_wrong_value",
            Self::SettingsUnwritable { .. } => "settings_unwritable",
            Self::NoKeyring { .. } => "no_keyring",
            Self::Keyring { .. } => "keyring",
            Self::SecretFile { .. } => "secret_file",
            Self::Autostart { .. } => "autostart",
            Self::NoAutostartDir => "no_autostart_dir",
        }
    }
}
