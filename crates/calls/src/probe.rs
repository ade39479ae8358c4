//! "Test connection": tries each step a real session takes and says, in
//! plain words, which worked and where it stopped: reach the PBX, TLS, the
//! AMI banner, the login, and the rights Ringside needs. Every transport
//! and protocol step is the `ringside-ami` code a session uses; this module
//! only runs them one by one, each with a deadline. The app's Settings and
//! `ringside check` both run it.

use std::time::Duration;

use bytes::BytesMut;
use ringside_ami::{
    AmiCodec, BoxedStream, Client, ClientConfig, ConnectError, ConnectionState, Connector, Frame,
    Packet, TcpConnector, TlsConnector,
};
use ringside_config::Transport;
use tokio::io::AsyncReadExt;
use tokio_util::codec::Decoder;

/// Where to test, and as whom.
#[derive(Debug, Clone)]
pub struct ProbeTarget {
    /// Host name or address of the PBX.
    pub host: String,
    /// Its AMI port.
    pub port: u16,
    /// Plain TCP or TLS.
    pub transport: Transport,
    /// With TLS, a company CA (PEM) to trust besides the system's.
    pub ca_pem: Option<Vec<u8>>,
    /// The AMI user.
    pub user: String,
}

/// One step of the test and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeStep {
    /// The step, as shown ("Reach the PBX", "TLS", "AMI banner", "Log in",
    /// "Permissions").
    pub name: &'static str,
    /// Whether it worked.
    pub ok: bool,
    /// What happened, and what to do when it failed.
    pub message: String,
}

/// How long each step may take (the login twice this).
pub const STEP_TIMEOUT: Duration = Duration::from_secs(8);

fn passed(name: &'static str, message: impl Into<String>) -> ProbeStep {
    ProbeStep {
        name,
        ok: true,
        message: message.into(),
    }
}

fn failed(name: &'static str, message: impl Into<String>) -> ProbeStep {
    ProbeStep {
        name,
        ok: false,
        message: message.into(),
    }
}

/// Runs the steps against `target` with `secret` (`None`: none is saved);
/// stops at the first failure, which is the last step returned.
pub async fn probe(target: &ProbeTarget, secret: Option<&str>) -> Vec<ProbeStep> {
    let mut steps = Vec::new();
    let run = run_steps(target, secret, &mut steps).await;
    if let Err(failure) = run {
        steps.push(failure);
    }
    steps
}

async fn run_steps(
    target: &ProbeTarget,
    secret: Option<&str>,
    steps: &mut Vec<ProbeStep>,
) -> Result<(), ProbeStep> {
    let place = format!("{}:{}", target.host.trim(), target.port);
    if target.host.trim().is_empty() {
        return Err(failed(
            "Reach the PBX",
            "Enter the PBX's host name or IP address first.",
        ));
    }
    steps.push(reach(target, &place).await?);
    let stream = match &target.transport {
        Transport::Tls { pin } => {
            let (stream, step) = tls(target, pin.as_deref(), &place).await?;
            steps.push(step);
            stream
        }
        Transport::Plain => plain(target, &place).await?,
    };
    steps.push(banner(stream, &place).await?);
    let Some(secret) = secret else {
        return Err(failed(
            "Log in",
            format!(
                "No AMI secret is saved for user '{}'. Type it in Settings and save it.",
                target.user
            ),
        ));
    };
    let client = log_in(target, secret, &place).await?;
    steps.push(passed("Log in", format!("Logged in as '{}'.", target.user)));
    let rights = permissions(&client).await;
    client.shutdown().await;
    steps.push(rights?);
    Ok(())
}

fn tcp(target: &ProbeTarget) -> TcpConnector {
    TcpConnector::new(target.host.trim().to_owned(), target.port)
}

/// 1. A TCP connection.
async fn reach(target: &ProbeTarget, place: &str) -> Result<ProbeStep, ProbeStep> {
    match tokio::time::timeout(STEP_TIMEOUT, tcp(target).connect()).await {
        Ok(Ok(_stream)) => Ok(passed("Reach the PBX", format!("{place} answers."))),
        Ok(Err(ConnectError::Refused)) => Err(failed(
            "Reach the PBX",
            format!("{place} refused the connection: is AMI enabled on the PBX, on this port, and is this computer's IP permitted?"),
        )),
        Ok(Err(other)) => Err(failed(
            "Reach the PBX",
            format!("Could not reach {place}: {other}. Check the host name, the port and the network."),
        )),
        Err(_) => Err(failed(
            "Reach the PBX",
            format!("{place} did not answer within {} s: a firewall may be dropping the connection.", STEP_TIMEOUT.as_secs()),
        )),
    }
}

/// 2. TLS, with the trust the session would use.
async fn tls(
    target: &ProbeTarget,
    pin: Option<&str>,
    place: &str,
) -> Result<(BoxedStream, ProbeStep), ProbeStep> {
    let connector = ringside_config::tls_trust(pin, target.ca_pem.as_deref())
        .and_then(|t| TlsConnector::new(target.host.trim().to_owned(), target.port, t))
        .map_err(|e| failed("TLS", format!("The TLS settings cannot work: {e}.")))?;
    match tokio::time::timeout(STEP_TIMEOUT, connector.connect()).await {
        Ok(Ok(s)) => Ok((
            s,
            passed(
                "TLS",
                "The TLS handshake worked and the certificate is trusted.",
            ),
        )),
        Ok(Err(ConnectError::Tls(f))) => Err(failed("TLS", f.message(place))),
        Ok(Err(e)) => Err(failed(
            "TLS",
            format!("TLS to {place} failed: {e}. Is TLS enabled on the PBX's AMI?"),
        )),
        Err(_) => Err(failed(
            "TLS",
            format!("The TLS handshake with {place} timed out. Is this the PBX's AMI TLS port?"),
        )),
    }
}

/// A fresh plain stream for the banner.
async fn plain(target: &ProbeTarget, place: &str) -> Result<BoxedStream, ProbeStep> {
    match tokio::time::timeout(STEP_TIMEOUT, tcp(target).connect()).await {
        Ok(Ok(s)) => Ok(s),
        _ => Err(failed("AMI banner", format!("{place} stopped answering."))),
    }
}

/// 3. The AMI greeting, read with the session's own codec.
async fn banner(mut stream: BoxedStream, place: &str) -> Result<ProbeStep, ProbeStep> {
    let mut codec = AmiCodec::client();
    let mut buf = BytesMut::with_capacity(256);
    let first = tokio::time::timeout(STEP_TIMEOUT, async {
        loop {
            if let Some(frame) = codec.decode(&mut buf)? {
                return Ok(Some(frame));
            }
            if stream.read_buf(&mut buf).await? == 0 {
                return Ok(None);
            }
        }
    })
    .await;
    let first: Result<Option<Frame>, Box<dyn std::error::Error + Send + Sync>> = match first {
        Ok(r) => r,
        Err(_) => {
            return Err(failed(
                "AMI banner",
                format!("{place} sent no AMI greeting. Is this the AMI port?"),
            ))
        }
    };
    match first {
        // Asterisk greets with "Asterisk Call Manager/<version>"; a web or
        // SIP port's first line also decodes as a banner ("HTTP/1.1 400").
        Ok(Some(Frame::Banner(b))) if b.product.to_ascii_lowercase().contains("call manager") => Ok(passed(
            "AMI banner",
            format!("The PBX speaks AMI {} (“{}”).", b.version, b.raw),
        )),
        Ok(None) => Err(failed(
            "AMI banner",
            format!("{place} closed the connection at once: this computer's IP is probably not in the AMI user's permitted list."),
        )),
        Ok(Some(_)) | Err(_) => Err(failed(
            "AMI banner",
            format!("{place} answered, but not with the AMI greeting. Is this the AMI port (not SIP or the web interface)?"),
        )),
    }
}

/// 4. The login, with the client a session uses.
async fn log_in(target: &ProbeTarget, secret: &str, place: &str) -> Result<Client, ProbeStep> {
    let mut config = ClientConfig::new(
        target.host.trim().to_owned(),
        target.port,
        target.user.clone(),
        ringside_ami::Secret::new(secret),
    )
    .connect_timeout(STEP_TIMEOUT)
    .login_timeout(STEP_TIMEOUT);
    if let Transport::Tls { pin } = &target.transport {
        if let Ok(t) = ringside_config::tls_trust(pin.as_deref(), target.ca_pem.as_deref()) {
            config = config.tls(t);
        }
    }
    let client = Client::start(config)
        .map_err(|e| failed("Log in", format!("The settings cannot work: {e}.")))?;
    let mut state = client.state();
    // The guard wait_for returns is not Send: clone the state out of it.
    let outcome = match tokio::time::timeout(
        STEP_TIMEOUT * 2,
        state.wait_for(|s| !matches!(s, ConnectionState::Connecting { .. })),
    )
    .await
    {
        Ok(Ok(s)) => s.clone(),
        _ => ConnectionState::Unreachable {
            message: format!("The login on {place} did not finish in time."),
        },
    };
    if outcome.is_connected() {
        return Ok(client);
    }
    client.shutdown().await;
    Err(failed(
        "Log in",
        outcome.message().unwrap_or("The login did not work."),
    ))
}

/// 5. The lists a session needs to see calls and presence.
async fn permissions(client: &Client) -> Result<ProbeStep, ProbeStep> {
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
    if missing.is_empty() {
        return Ok(passed(
            "Permissions",
            "Ringside can list live calls and see presence.",
        ));
    }
    Err(failed(
        "Permissions",
        format!("The AMI user may not {}. Give it read/write = system,call,originate,reporting on the PBX.", missing.join(", nor ")),
    ))
}
