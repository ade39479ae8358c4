//! The company directory (LDAP / Active Directory) as the shell uses it:
//! built from the settings with the bind password from the OS keyring,
//! asked for each caller behind `ringside_directory::lookup`'s deadline and
//! cache, asked for the board's colleague names, and tested step by step
//! from Settings.
//!
//! It must not speak LDAP or decide a name: `ringside_directory` does both,
//! for the CLI too.

use std::collections::BTreeMap;
use std::sync::Arc;

use ringside_directory::ldap::{LdapConfig, LdapDirectory, Step};
use ringside_directory::lookup::{Limits, Lookup};

use crate::ipc::{
    DirectorySettings, DirectoryStep, DirectoryTestResult, ErrorCode, IpcError, IpcResult, Settings,
};
use crate::settings::{Secret, SecretStore};

/// The directory every card asks, behind its deadline and cache.
pub type CompanyDirectory = Lookup<LdapDirectory>;

/// The keyring account of the bind password: `ldap:BIND_DN@HOST`, as the
/// CLI reads it.
pub fn password_account(d: &DirectorySettings) -> String {
    let host = ringside_directory::ldap::server_address(&d.url)
        .map_or_else(|_| d.url.trim().to_owned(), |(h, _)| h);
    ringside_directory::ldap::keyring_account(&d.bind_dn, &host)
}

/// Whether the keyring holds the bind password for the settings' directory.
pub fn has_password(secrets: &dyn SecretStore, s: &Settings) -> bool {
    let d = &s.directory;
    !d.url.trim().is_empty()
        && !d.bind_dn.trim().is_empty()
        && matches!(secrets.get(&password_account(d)), Ok(Some(_)))
}

/// Puts the bind password in the keyring for the saved directory and user.
pub fn store_password(secrets: &dyn SecretStore, s: &Settings, password: &Secret) -> IpcResult<()> {
    let d = &s.directory;
    if d.url.trim().is_empty() || d.bind_dn.trim().is_empty() {
        return Err(IpcError::new(
            ErrorCode::InvalidSetting,
            "Company directory: save the server and the user first, then type the password.",
        ));
    }
    let p = password.expose();
    if p.is_empty() || p.len() > 1024 || p.contains(['\r', '\n', '\0']) {
        return Err(IpcError::new(
            ErrorCode::InvalidSetting,
            "Directory password: type the password on one line.",
        ));
    }
    Ok(secrets.set(&password_account(d), password)?)
}

fn invalid(why: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        ErrorCode::InvalidSetting,
        format!("Company directory: {why}."),
    )
}

/// Checks the directory's settings (Settings' save runs it).
pub fn validate(d: &DirectorySettings) -> IpcResult<()> {
    crate::settings::validate_pin(d.fingerprint.as_deref(), "Directory certificate")?;
    if d.url.trim().is_empty() {
        return Ok(());
    }
    build(d, Secret::new("")).map(drop)
}

/// The LDAP settings `d` describes, signing in with `password`.
fn build(d: &DirectorySettings, password: Secret) -> IpcResult<LdapConfig> {
    let mut c = LdapConfig::new(d.url.trim(), d.base_dn.trim());
    c.starttls = d.start_tls;
    let pem = match d.ca_file.trim() {
        "" => None,
        path => Some(
            std::fs::read(path)
                .map_err(|e| invalid(format_args!("cannot read the CA file {path}: {e}")))?,
        ),
    };
    c.trust = ringside_config::tls_trust(d.fingerprint.as_deref(), pem.as_deref())
        .map_err(|e| invalid(format_args!("the certificate settings cannot work: {e}")))?;
    c.bind_dn = d.bind_dn.trim().to_owned();
    c.password = ringside_ami::Secret::new(password.expose());
    if !d.filter.trim().is_empty() {
        c.filter = d.filter.trim().to_owned();
    }
    if !d.attributes.is_empty() {
        c.attributes = d.attributes.iter().map(|a| a.trim().to_owned()).collect();
    }
    c.validate().map_err(|e| invalid(e.0))?;
    Ok(c)
}

/// The LDAP settings the settings describe, with the password from the
/// keyring; `None` when no directory is set.
pub fn config(secrets: &dyn SecretStore, s: &Settings) -> IpcResult<Option<LdapConfig>> {
    let d = &s.directory;
    if d.url.trim().is_empty() {
        return Ok(None);
    }
    let password = match d.bind_dn.trim() {
        "" => Secret::new(""),
        _ => secrets
            .get(&password_account(d))?
            .unwrap_or_else(|| Secret::new("")),
    };
    build(d, password).map(Some)
}

/// The directory the settings describe, ready for cards; `None` when none
/// is set.
pub fn open(secrets: &dyn SecretStore, s: &Settings) -> IpcResult<Option<Arc<CompanyDirectory>>> {
    let Some(c) = config(secrets, s)? else {
        return Ok(None);
    };
    let dir = LdapDirectory::new(c, crate::shell::number_plan(s)).map_err(|e| invalid(e.0))?;
    Ok(Some(Arc::new(Lookup::new(dir, Limits::default()))))
}

/// "Test directory": reach, TLS, sign in, search, in order; says which step
/// failed.
pub async fn test(secrets: &dyn SecretStore, s: &Settings) -> IpcResult<DirectoryTestResult> {
    let Some(c) = config(secrets, s)? else {
        return Err(invalid(
            "enter the server's address first, such as ldaps://dc1.example.com",
        ));
    };
    let dir = LdapDirectory::new(c, crate::shell::number_plan(s)).map_err(|e| invalid(e.0))?;
    Ok(match dir.check().await {
        Ok(checked) => DirectoryTestResult {
            ok: true,
            step: None,
            encrypted: checked.encrypted,
            message: String::new(),
        },
        Err(failed) => DirectoryTestResult {
            ok: false,
            step: Some(step(failed.step)),
            encrypted: dir.config().uses_tls(),
            message: failed.error.to_string(),
        },
    })
}

fn step(s: Step) -> DirectoryStep {
    match s {
        Step::Reach => DirectoryStep::Reach,
        Step::Tls => DirectoryStep::Tls,
        Step::SignIn => DirectoryStep::SignIn,
        Step::Search => DirectoryStep::Search,
    }
}

/// The colleagues' names the directory has, by extension; empty without a
/// directory or when it cannot be asked (logged).
pub async fn colleague_names(shell: &crate::shell::Shell) -> BTreeMap<String, String> {
    let Some(dir) = shell.directory() else {
        return BTreeMap::new();
    };
    match dir.directory().colleagues().await {
        Ok(list) => list.into_iter().map(|c| (c.extension, c.name)).collect(),
        Err(e) => {
            tracing::warn!("could not read the colleagues' names from the directory: {e}");
            BTreeMap::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{default_settings, FileSecretStore};

    fn with_directory(url: &str, bind_dn: &str) -> Settings {
        let mut s = default_settings();
        s.directory.url = url.into();
        s.directory.bind_dn = bind_dn.into();
        s.directory.base_dn = "dc=example,dc=com".into();
        s
    }

    #[test]
    fn the_password_is_kept_for_the_server_and_user_the_cli_reads() {
        let dir = tempfile::tempdir().expect("temp dir");
        let secrets = FileSecretStore::new(dir.path().join("keys"));
        let s = with_directory("ldaps://dc1.example.com:636", "cn=reader,dc=example,dc=com");
        assert_eq!(
            password_account(&s.directory),
            "ldap:cn=reader,dc=example,dc=com@dc1.example.com"
        );
        assert!(!has_password(&secrets, &s));
        let refused = store_password(&secrets, &s, &Secret::new("a\r\nb")).expect_err("CR/LF");
        assert!(refused.message.contains("one line"), "{}", refused.message);
        store_password(&secrets, &s, &Secret::new("s3cret")).expect("stored");
        assert!(has_password(&secrets, &s));
        let c = config(&secrets, &s)
            .expect("valid")
            .expect("a directory is set");
        assert_eq!(c.password.expose(), "s3cret");
        let unsaved = with_directory("", "");
        let refused = store_password(&secrets, &unsaved, &Secret::new("x")).expect_err("no server");
        assert!(
            refused.message.contains("save the server"),
            "{}",
            refused.message
        );
        assert!(config(&secrets, &unsaved)
            .expect("no directory is fine")
            .is_none());
    }

    #[test]
    fn settings_that_cannot_work_name_the_field_and_what_to_type() {
        let mut bad_url = with_directory("http://dc1", "");
        bad_url.directory.url = "http://dc1".into();
        let mut no_placeholder = with_directory("ldap://dc1", "");
        no_placeholder.directory.filter = "(cn=*)".into();
        let mut bad_pin = with_directory("ldaps://dc1", "");
        bad_pin.directory.fingerprint = Some("not a pin".into());
        let mut bad_attribute = with_directory("ldap://dc1", "");
        bad_attribute.directory.attributes = vec!["mobile)(cn=*".into()];
        for s in [bad_url, no_placeholder, bad_pin, bad_attribute] {
            let e = validate(&s.directory).expect_err("refused");
            assert_eq!(e.code, ErrorCode::InvalidSetting, "{}", e.message);
            assert!(
                e.message.starts_with("Company directory")
                    || e.message.contains("Directory certificate"),
                "names the section: {}",
                e.message
            );
        }
        validate(&with_directory("ldaps://dc1.example.com", "").directory)
            .expect("a plain directory is fine");
        validate(&with_directory("", "").directory).expect("no directory is fine");
    }
}
