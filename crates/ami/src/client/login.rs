//! The start of a session: read the banner, then log in, by MD5 challenge
//! when the PBX supports it and with the plain secret otherwise. Runs on the
//! freshly opened transport, before the session loop takes it over; the
//! caller bounds it with the login timeout.

use md5::{Digest, Md5};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::config::{AuthMode, ClientConfig};
use super::state::messages;
use super::Reader;
use crate::codec::{CodecError, Frame};
use crate::packet::Packet;

/// Hands out this session's ActionIDs: a prefix unique to the session and a
/// counter, so no answer from an earlier session can be taken for a reply.
#[derive(Debug)]
pub(crate) struct ActionIds {
    prefix: String,
    next: u64,
}

impl ActionIds {
    pub(crate) fn new(prefix: String) -> Self {
        Self { prefix, next: 1 }
    }

    /// The next ActionID and its sequence number.
    pub(crate) fn next_id(&mut self) -> (String, u64) {
        let n = self.next;
        self.next += 1;
        (format!("{}-{n}", self.prefix), n)
    }
}

/// `Key` for an MD5 login: the hex MD5 of the challenge followed by the secret.
pub(crate) fn md5_key(challenge: &str, secret: &str) -> String {
    let mut h = Md5::new();
    h.update(challenge.as_bytes());
    h.update(secret.as_bytes());
    hex::encode(h.finalize())
}

/// The `Action: Challenge` packet, fields in the order Asterisk's own
/// clients send them.
pub(crate) fn challenge_action(action_id: &str) -> Packet {
    Packet::action("Challenge")
        .with("AuthType", "MD5")
        .with("ActionID", action_id)
}

/// The MD5 `Login` packet for a challenge.
pub(crate) fn md5_login_action(cfg: &ClientConfig, challenge: &str, action_id: &str) -> Packet {
    Packet::action("Login")
        .with("AuthType", "MD5")
        .with("Username", cfg.username.as_str())
        .with("Key", md5_key(challenge, cfg.secret.expose()))
        .with("Events", cfg.events.as_str())
        .with("ActionID", action_id)
}

/// The plain-secret `Login` packet.
pub(crate) fn plain_login_action(cfg: &ClientConfig, action_id: &str) -> Packet {
    Packet::action("Login")
        .with("Username", cfg.username.as_str())
        .with("Secret", cfg.secret.expose())
        .with("Events", cfg.events.as_str())
        .with("ActionID", action_id)
}

/// Where the login got to, so a timeout can say what was missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Banner,
    Login,
}

/// Why a login did not succeed; each carries the user-facing message.
#[derive(Debug)]
pub(crate) enum LoginFailure {
    /// The PBX answered the login with an error.
    Refused(String),
    /// The connection closed or failed before the login was answered.
    Broken(String),
}

/// True for the errors that mean the PBX hung up on us.
fn is_hang_up(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        UnexpectedEof | BrokenPipe | ConnectionReset | ConnectionAborted
    )
}

fn broken(e: &std::io::Error, host_port: &str) -> LoginFailure {
    LoginFailure::Broken(if is_hang_up(e) {
        messages::closed_before_login(host_port)
    } else {
        messages::io_during_login(host_port, e)
    })
}

async fn write_packet<W: AsyncWrite + Unpin>(
    w: &mut W,
    p: &Packet,
    host_port: &str,
) -> Result<(), LoginFailure> {
    let bytes = p
        .to_bytes()
        .map_err(|e| LoginFailure::Broken(format!("cannot send the login: {e}")))?;
    async {
        w.write_all(&bytes).await?;
        w.flush().await
    }
    .await
    .map_err(|e| broken(&e, host_port))
}

/// Reads until the response carrying `action_id`. Events before it are
/// skipped: nothing subscribes to them before the session is up.
async fn read_response(
    reader: &mut Reader,
    action_id: &str,
    host_port: &str,
) -> Result<Packet, LoginFailure> {
    loop {
        match reader.next().await {
            Some(Ok(Frame::Packet(p)))
                if p.response().is_some() && p.action_id() == Some(action_id) =>
            {
                return Ok(p)
            }
            Some(Ok(_)) => continue,
            Some(Err(CodecError::Io(e))) => return Err(broken(&e, host_port)),
            Some(Err(e)) => {
                return Err(LoginFailure::Broken(messages::io_during_login(
                    host_port, &e,
                )))
            }
            None => {
                return Err(LoginFailure::Broken(messages::closed_before_login(
                    host_port,
                )))
            }
        }
    }
}

fn refused(cfg: &ClientConfig, host_port: &str, response: &Packet) -> LoginFailure {
    let said = response.get("Message").unwrap_or("no reason given");
    let lower = said.to_ascii_lowercase();
    let message =
        if lower.contains("denied") || lower.contains("permit") || lower.contains("not allowed") {
            messages::not_permitted(&cfg.username, host_port, said)
        } else if lower.contains("authentication failed") {
            messages::wrong_password(&cfg.username, host_port, said)
        } else {
            messages::login_refused(&cfg.username, host_port, said)
        };
    LoginFailure::Refused(message)
}

/// Reads the banner and logs in. Returns the AMI version from the banner.
pub(crate) async fn login<W: AsyncWrite + Unpin>(
    reader: &mut Reader,
    writer: &mut W,
    cfg: &ClientConfig,
    ids: &mut ActionIds,
    phase: &mut Phase,
    host_port: &str,
) -> Result<String, LoginFailure> {
    *phase = Phase::Banner;
    let version = match reader.next().await {
        Some(Ok(Frame::Banner(b))) => b.version,
        // No banner: some AMI proxies skip it. Carry on and let the login decide.
        Some(Ok(_)) => String::new(),
        Some(Err(CodecError::Io(e))) => return Err(broken(&e, host_port)),
        Some(Err(e)) => {
            return Err(LoginFailure::Broken(messages::io_during_login(
                host_port, &e,
            )))
        }
        None => {
            return Err(LoginFailure::Broken(messages::closed_before_login(
                host_port,
            )))
        }
    };
    *phase = Phase::Login;

    let mut login = None;
    if cfg.auth == AuthMode::Md5Challenge {
        let (id, _) = ids.next_id();
        write_packet(writer, &challenge_action(&id), host_port).await?;
        let answer = read_response(reader, &id, host_port).await?;
        match answer.get("Challenge") {
            Some(challenge) if answer.is("Response", "Success") => {
                let (id, _) = ids.next_id();
                login = Some((md5_login_action(cfg, challenge, &id), id));
            }
            _ => tracing::info!(
                pbx = host_port,
                "the PBX does not offer an MD5 challenge; logging in with the plain secret"
            ),
        }
    }
    let (packet, id) = match login {
        Some(l) => l,
        None => {
            let (id, _) = ids.next_id();
            (plain_login_action(cfg, &id), id)
        }
    };
    write_packet(writer, &packet, host_port).await?;
    let answer = read_response(reader, &id, host_port).await?;
    if answer.is("Response", "Success") {
        Ok(version)
    } else {
        Err(refused(cfg, host_port, &answer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::config::Secret;

    #[test]
    fn md5_login_matches_the_captured_session_byte_for_byte() {
        // incoming-answered.sent: the captured client answered challenge
        // 200853529 for user ringside, secret ringside-secret, with these bytes.
        let cfg = ClientConfig::new("pbx", 5038, "ringside", Secret::new("ringside-secret"));
        let sent = md5_login_action(&cfg, "200853529", "2")
            .to_bytes()
            .expect("encodable");
        assert_eq!(
            String::from_utf8_lossy(&sent),
            "Action: Login\r\nAuthType: MD5\r\nUsername: ringside\r\nKey: f0f8e598f6a05196fe128d02553e4267\r\n\
             Events: on\r\nActionID: 2\r\n\r\n",
            "the Key must be md5(challenge + secret) in lower-case hex, as Asterisk checks it"
        );
    }
}
