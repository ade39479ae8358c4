//! Office mode's settings as the shell uses them: "Connect through the
//! office gateway" (the broker, this desk's user, the CA or pin), the
//! desk's broker password in the OS keyring, and the login they make.
//!
//! It must not speak MQTT or decide what a desk may do: the gateway crate
//! holds the desk's connection (`ringside_gateway::desk`), the broker's
//! address rules and the keyring's name for the password, shared with the
//! CLI's `--broker`.

use ringside_gateway::session::Login;
use ringside_gateway::{BrokerUrl, Topics};

use crate::ipc::{ErrorCode, IpcError, IpcResult, OfficeSettings, Settings};
use crate::settings::{Secret, SecretStore};

fn invalid(why: impl std::fmt::Display) -> IpcError {
    IpcError::new(ErrorCode::InvalidSetting, format!("Office gateway: {why}"))
}

/// Whether the settings ask for office mode.
pub fn enabled(s: &Settings) -> bool {
    !s.office.broker.trim().is_empty()
}

/// The keyring account of this desk's broker password, `mqtt:USER@HOST`,
/// as the CLI reads it.
pub fn password_account(o: &OfficeSettings) -> String {
    let host = BrokerUrl::parse(&o.broker).map_or_else(|_| o.broker.trim().to_owned(), |b| b.host);
    ringside_gateway::broker::keyring_account(o.user.trim(), &host)
}

/// Whether the keyring holds the broker password for the saved desk.
pub fn has_password(secrets: &dyn SecretStore, s: &Settings) -> bool {
    enabled(s)
        && !s.office.user.trim().is_empty()
        && matches!(secrets.get(&password_account(&s.office)), Ok(Some(_)))
}

/// Puts this desk's broker password in the keyring.
pub fn store_password(secrets: &dyn SecretStore, s: &Settings, password: &Secret) -> IpcResult<()> {
    let o = &s.office;
    if !enabled(s) || o.user.trim().is_empty() {
        return Err(invalid(
            "save the broker and this desk's user first, then type the password.",
        ));
    }
    let p = password.expose();
    if p.is_empty() || p.len() > 1024 || p.contains(['\r', '\n', '\0']) {
        return Err(IpcError::new(
            ErrorCode::InvalidSetting,
            "Broker password: type the password on one line.",
        ));
    }
    Ok(secrets.set(&password_account(o), password)?)
}

/// Checks the office settings (Settings' save runs it). Empty = off.
pub fn validate(o: &OfficeSettings) -> IpcResult<()> {
    crate::settings::validate_pin(o.fingerprint.as_deref(), "Broker certificate")?;
    if o.broker.trim().is_empty() {
        return Ok(());
    }
    let broker = BrokerUrl::parse(&o.broker).map_err(|e| invalid(format_args!("{e}.")))?;
    broker
        .password_allowed()
        .map_err(|e| invalid(format_args!("{e}.")))?;
    let user = o.user.trim();
    if user.is_empty() {
        return Err(invalid(
            "enter this desk's broker user, as the office admin set it up.",
        ));
    }
    if user.len() > 128 || user.contains(['/', '+', '#']) || user.chars().any(char::is_control) {
        return Err(invalid(
            "the desk's user may not contain /, + or # (the broker uses them in its topics).",
        ));
    }
    Ok(())
}

/// The login and topic tree the settings describe, with the password from
/// the keyring.
pub fn login(secrets: &dyn SecretStore, s: &Settings) -> IpcResult<(Login, Topics)> {
    let o = &s.office;
    validate(o)?;
    let broker = BrokerUrl::parse(&o.broker).map_err(|e| invalid(format_args!("{e}.")))?;
    let password = secrets.get(&password_account(o))?.ok_or_else(|| {
        IpcError::new(
            ErrorCode::AuthFailed,
            format!(
                "No broker password is saved for desk '{}' on {broker}. Type it in Settings.",
                o.user.trim()
            ),
        )
    })?;
    let trust = if broker.tls {
        let pem = match o.ca_file.trim() {
            "" => None,
            path => Some(
                std::fs::read(path)
                    .map_err(|e| invalid(format_args!("cannot read the CA file {path}: {e}.")))?,
            ),
        };
        Some(
            ringside_config::tls_trust(o.fingerprint.as_deref(), pem.as_deref())
                .map_err(|e| invalid(format_args!("the certificate settings cannot work: {e}.")))?,
        )
    } else {
        None
    };
    let login = Login {
        broker,
        user: o.user.trim().to_owned(),
        password: ringside_ami::Secret::new(password.expose()),
        trust,
        client_id: format!(
            "ringside-app-{}-{}",
            std::process::id(),
            ringside_calls::clock::now_ms()
        ),
    };
    let topics = Topics::new(ringside_gateway::topics::DEFAULT_ROOT).map_err(invalid)?;
    Ok((login, topics))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{default_settings, FileSecretStore};

    fn office(broker: &str, user: &str) -> Settings {
        let mut s = default_settings();
        s.office.broker = broker.into();
        s.office.user = user.into();
        s
    }

    #[test]
    fn office_settings_are_checked_with_words_to_act_on() {
        assert!(validate(&OfficeSettings::default()).is_ok(), "off");
        let clear = validate(&office("mqtt://broker.office.lan", "reception").office)
            .expect_err("clear text off loopback");
        assert!(clear.message.contains("mqtts://"), "{}", clear.message);
        assert!(validate(&office("mqtt://127.0.0.1:1883", "reception").office).is_ok());
        let nouser = validate(&office("mqtts://b.lan", "").office).expect_err("user");
        assert!(nouser.message.contains("user"), "{}", nouser.message);
        for bad in ["a/b", "#", "x\r\ny"] {
            assert!(
                validate(&office("mqtts://b.lan", bad).office).is_err(),
                "{bad:?}"
            );
        }
        let scheme = validate(&office("http://b.lan", "reception").office).expect_err("scheme");
        assert!(
            scheme.message.starts_with("Office gateway:"),
            "{}",
            scheme.message
        );
    }

    #[test]
    fn the_password_lives_in_the_keyring_under_the_clis_name() {
        let dir = tempfile::tempdir().expect("dir");
        let secrets = FileSecretStore::new(dir.path().join("keys"));
        let s = office("mqtts://broker.office.lan:8883", "reception");
        assert_eq!(
            password_account(&s.office),
            "mqtt:reception@broker.office.lan"
        );
        assert!(!has_password(&secrets, &s));
        let e = login(&secrets, &s).expect_err("no password yet");
        assert!(e.message.contains("Type it in Settings"), "{}", e.message);
        store_password(&secrets, &s, &Secret::new("pw")).expect("stored");
        assert!(has_password(&secrets, &s));
        assert!(store_password(&secrets, &s, &Secret::new("a\nb")).is_err());
        let (l, _) = login(&secrets, &s).expect("login");
        assert_eq!((l.user.as_str(), l.broker.port), ("reception", 8883));
        assert!(l.trust.is_some(), "TLS with the system's CAs");
    }
}
