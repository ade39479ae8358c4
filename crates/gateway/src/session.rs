//! One MQTT 5 session with the broker, as the gateway and the desks both
//! open it: the options (TLS with the AMI crate's trust, a CA or a SHA-256
//! pin; the password only where it may travel; the gateway's Last Will),
//! and the loop that drives it, reconnecting with backoff.
//!
//! ## Behavior
//! `rumqttc` reconnects on the next poll after a failure; [`drive`] waits
//! between polls with exponential backoff (250 ms doubling to 10 s, with
//! jitter), back to the start once the broker accepts the connection. The
//! session starts clean each time, so the caller re-subscribes and
//! re-publishes its retained state on every [`SessionEvent::Up`].

use std::time::Duration;

use rumqttc::v5::mqttbytes::v5::{ConnectReturnCode, LastWill, Packet, Publish};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, ConnectionError, Event, EventLoop, MqttOptions};
use rumqttc::{TlsConfiguration, Transport};

use ringside_ami::{Secret, TlsTrust};

use crate::broker::BrokerUrl;
use crate::topics::Topics;

/// The keepalive: a gateway killed outright is shown offline (its Last
/// Will) within one and a half of these.
pub const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// Who connects, and how.
#[derive(Debug, Clone)]
pub struct Login {
    /// The broker.
    pub broker: BrokerUrl,
    /// The broker user.
    pub user: String,
    /// Its password.
    pub password: Secret,
    /// How the broker's certificate is trusted (`mqtts://` only).
    pub trust: Option<TlsTrust>,
    /// The client id: unique per connection (the broker drops an older
    /// session with the same id).
    pub client_id: String,
}

/// The gateway's status, as published on `office/gateway`.
pub fn status_payload(online: bool, since_ms: i64) -> String {
    let state = if online { "online" } else { "offline" };
    serde_json::json!({ "state": state, "since_ms": since_ms }).to_string()
}

/// The options for `login`: TLS as its trust says, the password only over
/// TLS or to a loopback broker (refused in words otherwise).
pub fn options(login: &Login) -> Result<MqttOptions, String> {
    login.broker.password_allowed()?;
    let mut o = MqttOptions::new(&login.client_id, &login.broker.host, login.broker.port);
    o.set_keep_alive(KEEP_ALIVE);
    o.set_clean_start(true);
    o.set_connection_timeout(10);
    // A card line or a request leaves at once, not after the ACK of the
    // one before it (Nagle's algorithm and a delayed ACK: up to 40 ms).
    let mut net = o.network_options();
    net.set_tcp_nodelay(true);
    o.set_network_options(net);
    o.set_credentials(&login.user, login.password.expose());
    if login.broker.tls {
        let trust = login.trust.clone().unwrap_or_else(TlsTrust::system);
        let config = trust
            .rustls_client_config()
            .map_err(|e| format!("the broker's TLS settings cannot work: {e}"))?;
        o.set_transport(Transport::Tls(TlsConfiguration::Rustls(config)));
    }
    Ok(o)
}

/// The gateway's options: `login`'s, with a Last Will that sets its
/// retained status to `offline` when it vanishes without saying goodbye.
pub fn gateway_options(login: &Login, topics: &Topics, now_ms: i64) -> Result<MqttOptions, String> {
    let mut o = options(login)?;
    o.set_last_will(LastWill::new(
        topics.gateway_status(),
        status_payload(false, now_ms),
        QoS::AtLeastOnce,
        true,
        None,
    ));
    Ok(o)
}

/// What the session reports to its owner.
#[derive(Debug)]
pub enum SessionEvent {
    /// The broker accepted the connection (again): subscribe and publish
    /// the retained state now.
    Up,
    /// A message arrived on a subscription.
    Message(Publish),
    /// The connection failed or was lost; why, in words. It is tried
    /// again after the backoff.
    Down(String),
    /// Any other packet (acknowledgements), for those who look.
    Other(Packet),
}

/// Starts a session: the handle to publish and subscribe with, and the
/// loop to hand to [`drive`].
pub fn start(options: MqttOptions) -> (AsyncClient, EventLoop) {
    AsyncClient::new(options, 256)
}

/// Drives the session until `on` returns `false`, reconnecting with
/// backoff after each failure.
pub async fn drive(
    mut eventloop: EventLoop,
    broker: &BrokerUrl,
    mut on: impl FnMut(SessionEvent) -> bool,
) {
    let mut delay = Duration::from_millis(250);
    loop {
        let event = match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                delay = Duration::from_millis(250);
                SessionEvent::Up
            }
            Ok(Event::Incoming(Packet::Publish(p))) => SessionEvent::Message(p),
            Ok(Event::Incoming(other)) => SessionEvent::Other(other),
            Ok(Event::Outgoing(_)) => continue,
            Err(e) => {
                let down = on(SessionEvent::Down(failure_words(&e, broker)));
                if !down {
                    return;
                }
                tokio::time::sleep(jittered(delay)).await;
                delay = (delay * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        if !on(event) {
            return;
        }
    }
}

/// `delay` give or take a quarter, so desks do not all come back at once.
fn jittered(delay: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let quarter = delay / 4;
    delay - quarter + quarter * (nanos % 1000) / 500
}

/// Why the session failed, in words an office admin can act on.
pub fn failure_words(e: &ConnectionError, broker: &BrokerUrl) -> String {
    match e {
        ConnectionError::ConnectionRefused(code) => match code {
            ConnectReturnCode::BadUserNamePassword | ConnectReturnCode::NotAuthorized => format!(
                "The broker {broker} refused the user name or password: check the broker user and its password"
            ),
            ConnectReturnCode::Banned => format!("The broker {broker} has banned this client"),
            other => format!("The broker {broker} refused the connection ({other:?})"),
        },
        ConnectionError::Tls(t) => format!(
            "The TLS handshake with the broker {broker} failed ({t}): check its certificate, the CA file or the SHA-256 pin"
        ),
        ConnectionError::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => format!(
            "Broker unreachable: nothing answers on {broker} (is Mosquitto running, and is the port right?)"
        ),
        ConnectionError::Io(io) => format!("Broker unreachable: {broker}: {io}"),
        ConnectionError::Timeout(_) => {
            format!("Broker unreachable: {broker} did not answer within 10 s")
        }
        other => format!("The connection to the broker {broker} was lost: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(url: &str) -> Login {
        Login {
            broker: BrokerUrl::parse(url).expect("url"),
            user: "reception".into(),
            password: Secret::new("pw"),
            trust: None,
            client_id: "t".into(),
        }
    }

    #[test]
    fn a_password_travels_only_over_tls_or_to_loopback() {
        let e = options(&login("mqtt://broker.office.lan")).expect_err("clear text");
        assert!(e.contains("mqtts://"), "{e}");
        assert!(options(&login("mqtt://127.0.0.1:18830")).is_ok());
        let tls = options(&login("mqtts://broker.office.lan")).expect("tls");
        assert!(matches!(tls.transport(), Transport::Tls(_)), "TLS set up");
        let pinned = Login {
            trust: Some(TlsTrust::pinned(&"AB".repeat(32)).expect("pin")),
            ..login("mqtts://broker.office.lan")
        };
        assert!(options(&pinned).is_ok(), "a pin is a trust of its own");
    }

    #[test]
    fn backoff_jitter_stays_within_a_quarter() {
        for ms in [250, 1000, 10_000] {
            let d = jittered(Duration::from_millis(ms));
            assert!(
                d >= Duration::from_millis(ms * 3 / 4) && d <= Duration::from_millis(ms * 5 / 4),
                "{d:?}"
            );
        }
    }
}
