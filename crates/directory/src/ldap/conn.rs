//! Opening a connection (TCP, then TLS when asked for), signing in, and
//! turning what the LDAP library reports into an [`Error`] an office admin
//! can act on.

use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, LdapResult};
use ringside_ami::TlsTrust;
use rustls::CertificateError;

use super::LdapConfig;
use crate::Error;

/// A connection, opened and (when the settings name a user) signed in.
pub async fn open(config: &LdapConfig) -> Result<Ldap, Error> {
    let mut ldap = connect(config).await?;
    bind(config, &mut ldap).await?;
    Ok(ldap)
}

/// A connection with TLS as the settings say, not yet signed in.
pub async fn connect(config: &LdapConfig) -> Result<Ldap, Error> {
    let mut settings = LdapConnSettings::new()
        .set_conn_timeout(config.timeout)
        .set_starttls(config.starttls);
    if config.uses_tls() {
        let tls = config
            .trust
            .rustls_client_config()
            .map_err(|e| Error::Certificate {
                server: config.url.clone(),
                reason: e.to_string(),
            })?;
        settings = settings.set_config(tls);
    }
    let (conn, ldap) = LdapConnAsync::with_settings(settings, &config.url)
        .await
        .map_err(|e| connect_error(config, &e))?;
    let server = config.url.clone();
    tokio::spawn(async move {
        if let Err(e) = conn.drive().await {
            tracing::debug!(%server, error = %e, "directory connection closed");
        }
    });
    Ok(ldap)
}

/// Signs in as the settings' user; no user means anonymous.
pub async fn bind(config: &LdapConfig, ldap: &mut Ldap) -> Result<(), Error> {
    if config.bind_dn.trim().is_empty() {
        return Ok(());
    }
    let result = ldap
        .with_timeout(config.timeout)
        .simple_bind(&config.bind_dn, config.password.expose())
        .await
        .map_err(|e| dropped(config, &e))?;
    match result.rc {
        0 => Ok(()),
        // invalidCredentials, inappropriateAuthentication, unwillingToPerform
        // (a user without a password, a locked account).
        48 | 49 | 53 => Err(Error::Refused {
            user: config.bind_dn.clone(),
        }),
        _ => Err(Error::Refused {
            user: format!("{} ({})", config.bind_dn, server_said(&result)),
        }),
    }
}

/// What the server said with a result code, for a message.
pub fn server_said(result: &LdapResult) -> String {
    let text = result.text.trim();
    if text.is_empty() {
        format!("the server answered with code {}", result.rc)
    } else {
        format!(
            "the server said \"{}\" (code {})",
            super::entry::plain(text),
            result.rc
        )
    }
}

/// Why a connection could not be opened.
fn connect_error(config: &LdapConfig, e: &LdapError) -> Error {
    let server = config.url.clone();
    if let Some(reason) = tls_reason(config, e) {
        return Error::Certificate { server, reason };
    }
    let reason = match e {
        LdapError::Timeout { .. } => {
            format!("no answer within {} seconds", config.timeout.as_secs_f32())
        }
        LdapError::Io { source } => io_reason(source),
        LdapError::LdapResult { result } if config.starttls => {
            return Error::Certificate {
                server,
                reason: format!("the server would not start TLS: {}", server_said(result)),
            }
        }
        other => other.to_string(),
    };
    Error::Unreachable { server, reason }
}

/// An I/O failure in words.
fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => "nothing answers on that port".into(),
        K::TimedOut => "no answer in time".into(),
        K::ConnectionReset | K::UnexpectedEof => "the server closed the connection".into(),
        _ if e.to_string().contains("lookup") || e.to_string().contains("resolve") => {
            format!("the name could not be found ({e})")
        }
        _ => e.to_string(),
    }
}

/// The reason, when a connection failed in TLS: the certificate did not
/// pass, or the server does not speak TLS there.
fn tls_reason(config: &LdapConfig, e: &LdapError) -> Option<String> {
    if !config.uses_tls() {
        return None;
    }
    let rustls_error = match e {
        LdapError::Rustls { source } => Some(source),
        // tokio-rustls wraps the handshake's error in an io::Error, whose
        // source() skips it: look inside.
        LdapError::Io { source } => source
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>()),
        _ => None,
    };
    if let Some(r) = rustls_error {
        return Some(rustls_reason(&config.trust, r));
    }
    match e {
        LdapError::Io { source } if source.kind() == std::io::ErrorKind::UnexpectedEof => Some(
            "the server closed the connection during the TLS handshake; is this its TLS port?"
                .into(),
        ),
        _ => None,
    }
}

fn rustls_reason(trust: &TlsTrust, e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::ApplicationVerificationFailure
                if matches!(trust, TlsTrust::Pinned(_)) =>
            {
                "its certificate is not the pinned one (if the server's certificate was replaced, pin the new fingerprint)".into()
            }
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                "its certificate is not signed by a trusted authority (a self-signed certificate needs its fingerprint pinned)".into()
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "its certificate has expired (or this computer's clock is wrong)".into()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "its certificate is not valid yet (check this computer's clock)".into()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "its certificate is for another name (use the name on the certificate)".into()
            }
            other => format!("its certificate was refused ({other:?})"),
        },
        rustls::Error::InvalidMessage(_) => {
            "the server did not answer in TLS; is this its TLS port (636 for ldaps://)?".into()
        }
        other => format!("the TLS handshake failed ({other})"),
    }
}

/// A connection that failed after it was open: it dropped or timed out.
pub fn dropped(config: &LdapConfig, e: &LdapError) -> Error {
    match e {
        LdapError::Timeout { .. } => Error::Dropped(format!(
            "no answer from {} within {} seconds",
            config.url,
            config.timeout.as_secs_f32()
        )),
        LdapError::FilterParsing => Error::Search("the filter is not a valid LDAP filter".into()),
        _ => Error::Dropped(format!("the connection to {} was lost ({e})", config.url)),
    }
}

/// The default time one connect or one request may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
