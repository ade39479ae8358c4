//! "Test directory": the steps a connection takes, tried in order, so that
//! Settings can say which one failed.

use std::fmt;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::net::TcpStream;

use super::{conn, filter, run_search, server_address, LdapConfig};
use crate::Error;

/// One step of the test, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Step {
    /// A TCP connection to the server's address and port.
    Reach,
    /// TLS (`ldaps://` or StartTLS) with the certificate checked.
    Tls,
    /// Signing in as the bind user.
    SignIn,
    /// One search under the base with the filter.
    Search,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Reach => "Reach the server",
            Step::Tls => "Secure connection (TLS)",
            Step::SignIn => "Sign in",
            Step::Search => "Search",
        })
    }
}

/// A test that passed every step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Whether the connection is encrypted; a plain `ldap://` connection
    /// without StartTLS sends the password in clear.
    pub encrypted: bool,
    /// How long the whole test took.
    pub took: Duration,
}

/// The step that failed and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{step}: {error}")]
pub struct CheckFailed {
    pub step: Step,
    pub error: Error,
}

fn failed(step: Step) -> impl FnOnce(Error) -> CheckFailed {
    move |error| CheckFailed { step, error }
}

/// Runs the steps in order, each on the same fresh connection.
pub async fn run(config: &LdapConfig) -> Result<Checked, CheckFailed> {
    let start = Instant::now();
    let (host, port) = server_address(&config.url).map_err(|e| CheckFailed {
        step: Step::Reach,
        error: Error::Unreachable {
            server: config.url.clone(),
            reason: e.0,
        },
    })?;
    reach(config, &host, port)
        .await
        .map_err(failed(Step::Reach))?;
    let mut ldap = conn::connect(config).await.map_err(|e| match e {
        Error::Certificate { .. } => failed(Step::Tls)(e),
        e => failed(Step::Reach)(e),
    })?;
    conn::bind(config, &mut ldap)
        .await
        .map_err(failed(Step::SignIn))?;
    let any_number = filter::fill(&config.filter, &filter::any_of(&config.attributes, "*"));
    let found = run_search(config, &mut ldap, &any_number, 1)
        .await
        .map_err(failed(Step::Search))?;
    let _ = ldap.unbind().await;
    if found.is_empty() {
        return Err(failed(Step::Search)(Error::Search(format!(
            "nobody with a number in {} was found under '{}'",
            config.attributes.join(", "),
            config.base_dn
        ))));
    }
    Ok(Checked {
        encrypted: config.uses_tls(),
        took: start.elapsed(),
    })
}

/// A TCP connection to the server, closed again at once.
async fn reach(config: &LdapConfig, host: &str, port: u16) -> Result<(), Error> {
    let unreachable = |reason: String| Error::Unreachable {
        server: config.url.clone(),
        reason,
    };
    match tokio::time::timeout(config.timeout, TcpStream::connect((host, port))).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err(unreachable(format!("nothing answers on port {port}")))
        }
        Ok(Err(e)) => Err(unreachable(e.to_string())),
        Err(_) => Err(unreachable(format!(
            "no answer within {} seconds",
            config.timeout.as_secs_f32()
        ))),
    }
}
