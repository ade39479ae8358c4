//! `ringside directory`: the company directory (LDAP or Active Directory)
//! from the command line, with the same lookups, colleagues and test steps
//! as the app (crates/directory does all of it; this only reads arguments
//! and prints).

use std::io::{BufRead, Write};

use ringside_ami::Secret;
use ringside_calls::NumberPlan;
use ringside_config::{OsKeyring, SecretStore};
use ringside_directory::ldap::{self, LdapConfig, LdapDirectory, Step};

use crate::args::{DirectoryAction, DirectoryArgs, LdapArgs};
use crate::{output, with_runtime, Failure};

/// Runs one `directory` subcommand.
pub fn run(a: DirectoryArgs) -> Result<(), Failure> {
    match a.action {
        DirectoryAction::Test(l) => with_runtime(test(l)),
        DirectoryAction::Lookup(l) => with_runtime(lookup(l.ldap, l.number, l.json)),
        DirectoryAction::Colleagues(l) => with_runtime(colleagues(l)),
        DirectoryAction::Login(l) => login(&l),
    }
}

/// The number plan, as the app's Settings make it.
fn plan(a: &LdapArgs) -> NumberPlan {
    let cc = a.country_code.trim().trim_start_matches('+');
    let intl = if cc == "1" { "011" } else { "00" };
    NumberPlan::new(cc, a.trunk_prefix.trim(), intl)
}

/// The keyring account of the bind user's password.
fn account(a: &LdapArgs, bind_dn: &str) -> Result<String, Failure> {
    let (host, _) = ldap::server_address(&a.server).map_err(|e| Failure::usage(e.to_string()))?;
    Ok(ldap::keyring_account(bind_dn, &host))
}

/// The password: RINGSIDE_LDAP_PASSWORD, else the OS keyring.
fn password(a: &LdapArgs, bind_dn: &str) -> Result<Secret, Failure> {
    if let Ok(p) = std::env::var("RINGSIDE_LDAP_PASSWORD") {
        if !p.is_empty() {
            return Ok(Secret::new(p));
        }
    }
    let account = account(a, bind_dn)?;
    match OsKeyring.get(&account) {
        Ok(Some(s)) => Ok(Secret::new(s.expose())),
        _ => Err(Failure::runtime(format!(
            "no directory password stored for {account}: run `ringside directory login` \
             (or set RINGSIDE_LDAP_PASSWORD)"
        ))),
    }
}

/// The settings the arguments describe.
fn config(a: &LdapArgs) -> Result<LdapConfig, Failure> {
    let mut c = LdapConfig::new(a.server.trim(), a.base.trim());
    // Naming what to trust asks for TLS: StartTLS on an ldap:// server.
    c.starttls = a.starttls || a.tls_pin.is_some() || a.ca.is_some();
    c.filter = a.filter.clone();
    if !a.attributes.is_empty() {
        c.attributes = a.attributes.clone();
    }
    let pem = match &a.ca {
        Some(path) => Some(std::fs::read(path).map_err(|e| {
            Failure::usage(format!(
                "cannot read the CA file {}: {e}",
                output::safe(&path.display().to_string())
            ))
        })?),
        None => None,
    };
    c.trust = ringside_config::tls_trust(a.tls_pin.as_deref(), pem.as_deref())
        .map_err(|e| Failure::usage(format!("the TLS settings cannot work: {e}")))?;
    if let Some(dn) = a.bind_dn.as_deref().filter(|d| !d.trim().is_empty()) {
        c.bind_dn = dn.trim().to_owned();
        c.password = password(a, &c.bind_dn)?;
    }
    Ok(c)
}

fn directory(a: &LdapArgs) -> Result<LdapDirectory, Failure> {
    LdapDirectory::new(config(a)?, plan(a)).map_err(|e| Failure::usage(e.to_string()))
}

/// `ringside directory test`: each step, and where it stops.
async fn test(a: LdapArgs) -> Result<(), Failure> {
    let dir = directory(&a)?;
    let c = dir.config();
    let mut steps = vec![Step::Reach];
    if c.uses_tls() {
        steps.push(Step::Tls);
    }
    if !c.bind_dn.is_empty() {
        steps.push(Step::SignIn);
    }
    steps.push(Step::Search);
    let result = dir.check().await;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for step in steps {
        match &result {
            Err(f) if f.step == step => {
                let _ = writeln!(out, "FAIL {step}: {}", output::safe(&f.error.to_string()));
                return Err(Failure::runtime(format!("{step} failed")));
            }
            _ => {
                let _ = writeln!(out, "ok   {step}");
            }
        }
    }
    if let Ok(checked) = result {
        if !checked.encrypted {
            let _ = writeln!(
                out,
                "note: the connection is not encrypted, so the password travels in clear text; \
                 use ldaps:// or --starttls"
            );
        }
        let _ = writeln!(
            out,
            "the directory answered in {} ms",
            checked.took.as_millis()
        );
    }
    Ok(())
}

/// `ringside directory lookup NUMBER`.
async fn lookup(a: LdapArgs, number: String, json: bool) -> Result<(), Failure> {
    let plan = plan(&a);
    let Some(normalized) = plan.normalize(&number) else {
        return Err(Failure::usage(format!(
            "'{}' is not a phone number",
            output::safe(&number)
        )));
    };
    let dir = directory(&a)?;
    let person = dir
        .find_person(&normalized)
        .await
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        let line = serde_json::to_string(&person).unwrap_or_else(|_| "null".into());
        let _ = writeln!(out, "{line}");
        return Ok(());
    }
    let Some(p) = person else {
        let _ = writeln!(out, "nobody in the directory has {normalized}");
        return Ok(());
    };
    let _ = writeln!(out, "name: {}", output::safe(&p.name));
    let fields = [
        ("company", &p.company),
        ("department", &p.department),
        ("title", &p.title),
        ("extension", &p.extension),
    ];
    for (label, value) in fields {
        if let Some(v) = value {
            let _ = writeln!(out, "{label}: {}", output::safe(v));
        }
    }
    if let Some(photo) = &p.photo {
        let _ = writeln!(out, "photo: {}, {} bytes", photo.mime, photo.bytes.len());
    }
    Ok(())
}

/// `ringside directory colleagues`: one `EXTENSION NAME` line each.
async fn colleagues(a: LdapArgs) -> Result<(), Failure> {
    let list = directory(&a)?
        .colleagues()
        .await
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for c in list {
        let _ = writeln!(
            out,
            "{} {}",
            output::safe(&c.extension),
            output::safe(&c.name)
        );
    }
    Ok(())
}

/// `ringside directory login`: the password from standard input into the
/// OS keyring.
fn login(a: &LdapArgs) -> Result<(), Failure> {
    let bind_dn = a
        .bind_dn
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| Failure::usage("which user signs in? give --bind-dn DN"))?;
    let account = account(a, bind_dn)?;
    eprintln!(
        "directory password for {} (one line on standard input):",
        output::safe(bind_dn)
    );
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("cannot read the password: {e}")))?;
    let secret = line.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        return Err(Failure::usage("the password is empty; nothing stored"));
    }
    OsKeyring
        .set(&account, &ringside_config::Secret::new(secret))
        .map_err(|e| {
            Failure::runtime(format!(
                "could not store the password in the OS keyring: {e}"
            ))
        })?;
    eprintln!(
        "stored in the OS keyring as {}/{account}",
        ringside_config::KEYRING_SERVICE
    );
    Ok(())
}
