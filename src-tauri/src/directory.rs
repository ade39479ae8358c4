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
