//! "Test connection" in Settings: tries each step a real session takes and
//! reports, in plain words, which worked and where it stopped: reach the
//! PBX, TLS, the AMI banner, the login, and the permissions Ringside needs.
//! Every transport and protocol step is the `ringside-ami` code the session
//! uses; this module only runs them one by one with timeouts.

use std::time::Duration;

use futures::StreamExt;
use ringside_ami::{
    AmiCodec, Client, ClientConfig, ConnectionState, Connector, Frame, Packet, TcpConnector,
    TlsConnector,
};
use tokio_util::codec::FramedRead;

use crate::ipc::{Settings, TestReport, TestStep};
use crate::settings::Secret;

const STEP_TIMEOUT: Duration = Duration::from_secs(8);

fn step(name: &str, ok: bool, message: impl Into<String>) -> TestStep {
    TestStep {
        name: name.into(),
        ok,
        message: message.into(),
    }
}

/// Runs the steps against `settings` with `secret`; stops at the first failure.
pub async fn test_connection(settings: &Settings, secret: Option<Secret>) -> TestReport {
    let mut steps = Vec::new();
    let host = settings.host.trim().to_string();
    let place = format!("{host}:{}", settings.port);
    if host.is_empty() {
        steps.push(step(
            "Reach the PBX",
            false,
            "Enter the PBX's host name or IP address first.",
        ));
        return TestReport { steps };
    }

    // 1. TCP.
    let tcp = TcpConnector::new(host.clone(), settings.port);
    match tokio::time::timeout(STEP_TIMEOUT, tcp.connect()).await {
        Ok(Ok(_stream)) => steps.push(step("Reach the PBX", true, format!("{place} answers."))),
        Ok(Err(e)) => {
            let msg = match e {
                ringside_ami::ConnectError::Refused => format!(
                    "{place} refused the connection: is AMI enabled on the PBX, on this port, and is this computer's IP permitted?"
                ),
                other => format!("Could not reach {place}: {other}. Check the host name, the port and the network."),
            };
            steps.push(step("Reach the PBX", false, msg));
            return TestReport { steps };
        }
        Err(_) => {
            steps.push(step(
                "Reach the PBX",
                false,
                format!("{place} did not answer within {} s: a firewall may be dropping the connection.", STEP_TIMEOUT.as_secs()),
            ));
            return TestReport { steps };
        }
    }

    // 2. TLS (when enabled), then 3. the banner, on one fresh stream.
    let stream = if settings.tls {
        let trust = ringside_config::tls_trust(settings.pinned_fingerprint.as_deref(), None);
        let connector = match trust.and_then(|t| TlsConnector::new(host.clone(), settings.port, t))
        {
            Ok(c) => c,
            Err(e) => {
                steps.push(step(
                    "TLS",
                    false,
                    format!("The TLS settings cannot work: {e}."),
                ));
                return TestReport { steps };
            }
        };
        match tokio::time::timeout(STEP_TIMEOUT, connector.connect()).await {
            Ok(Ok(s)) => {
                steps.push(step(
                    "TLS",
                    true,
                    "The TLS handshake worked and the certificate is trusted.",
                ));
                s
            }
            Ok(Err(ringside_ami::ConnectError::Tls(f))) => {
                steps.push(step("TLS", false, f.message(&place)));
                return TestReport { steps };
            }
            Ok(Err(e)) => {
                steps.push(step(
                    "TLS",
                    false,
                    format!("TLS to {place} failed: {e}. Is TLS enabled on the PBX's AMI?"),
                ));
                return TestReport { steps };
            }
            Err(_) => {
                steps.push(step(
                    "TLS",
                    false,
                    format!(
                        "The TLS handshake with {place} timed out. Is this the PBX's AMI TLS port?"
                    ),
                ));
                return TestReport { steps };
            }
        }
    } else {
        match tokio::time::timeout(STEP_TIMEOUT, tcp.connect()).await {
            Ok(Ok(s)) => s,
            _ => {
                steps.push(step(
                    "AMI banner",
                    false,
                    format!("{place} stopped answering."),
                ));
                return TestReport { steps };
            }
        }
    };
    let mut frames = FramedRead::new(stream, AmiCodec::client());
    match tokio::time::timeout(STEP_TIMEOUT, frames.next()).await {
        Ok(Some(Ok(Frame::Banner(b)))) => {
            steps.push(step(
                "AMI banner",
                true,
                format!("The PBX speaks AMI {} (“{}”).", b.version, b.raw),
            ));
        }
        Ok(Some(Ok(_))) | Ok(Some(Err(_))) => {
            steps.push(step(
                "AMI banner",
                false,
                format!("{place} answered, but not with the AMI greeting. Is this the AMI port (not SIP or the web interface)?"),
            ));
            return TestReport { steps };
        }
        Ok(None) => {
            steps.push(step(
                "AMI banner",
                false,
                format!("{place} closed the connection at once: this computer's IP is probably not in the AMI user's permitted list."),
            ));
            return TestReport { steps };
        }
        Err(_) => {
            steps.push(step(
                "AMI banner",
                false,
                format!("{place} sent no AMI greeting. Is this the AMI port?"),
            ));
            return TestReport { steps };
        }
    }
    drop(frames);

    // 4. Login, with the client the app uses.
    let Some(secret) = secret else {
        steps.push(step(
            "Log in",
            false,
            format!(
                "No AMI secret is saved for user '{}'. Type it in Settings and save it.",
                settings.ami_user
            ),
        ));
        return TestReport { steps };
    };
    let mut config = ClientConfig::new(
        host.clone(),
        settings.port,
        settings.ami_user.clone(),
        ringside_ami::Secret::new(secret.expose()),
    )
    .connect_timeout(STEP_TIMEOUT)
    .login_timeout(STEP_TIMEOUT);
    if settings.tls {
        if let Ok(t) = ringside_config::tls_trust(settings.pinned_fingerprint.as_deref(), None) {
            config = config.tls(t);
        }
    }
    let client = match Client::start(config) {
        Ok(c) => c,
        Err(e) => {
            steps.push(step(
                "Log in",
                false,
                format!("The settings cannot work: {e}."),
            ));
            return TestReport { steps };
        }
    };
    let mut state = client.state();
    let outcome = {
        let settled = tokio::time::timeout(
            STEP_TIMEOUT * 2,
            state.wait_for(|s| !matches!(s, ConnectionState::Connecting { .. })),
        )
        .await;
        match settled {
            Ok(Ok(s)) => s.clone(),
            _ => ConnectionState::Unreachable {
                message: format!("The login on {place} did not finish in time."),
            },
        }
    };
    if !outcome.is_connected() {
        let msg = outcome
            .message()
            .unwrap_or("The login did not work.")
            .to_string();
        steps.push(step("Log in", false, msg));
        client.shutdown().await;
        return TestReport { steps };
    }
    steps.push(step(
        "Log in",
        true,
        format!("Logged in as '{}'.", settings.ami_user),
    ));

    // 5. Permissions: the lists the session needs to see calls and presence.
    let mut missing = Vec::new();
    if client
        .send_list(Packet::action("CoreShowChannels"))
        .await
        .is_err()
    {
        missing.push("list live calls (CoreShowChannels: read 'system' or 'reporting')");
    }
    if client
        .send_list(Packet::action("ExtensionStateList"))
        .await
        .is_err()
    {
        missing.push("see colleagues' presence (ExtensionStateList: read 'call' or 'reporting')");
    }
    client.shutdown().await;
    if missing.is_empty() {
        steps.push(step(
            "Permissions",
            true,
            "Ringside can list live calls and see presence.",
        ));
    } else {
        steps.push(step(
            "Permissions",
            false,
            format!("The AMI user may not {}. Give it read/write = system,call,originate,reporting on the PBX.", missing.join(", nor ")),
        ));
    }
    TestReport { steps }
}
