//! Connecting and logging in: the real captures replayed byte for byte, and
//! every way a login can fail giving a message a receptionist can act on.

mod client_common;

use std::time::Duration;

use client_common::*;
use ringside_ami::{AuthMode, Client, ConnectionState, Packet, SessionEvent};
use tokio::time::Instant;

async fn wait_state(
    client: &Client,
    what: &str,
    pred: impl Fn(&ConnectionState) -> bool,
) -> ConnectionState {
    let mut rx = client.state();
    let state = tokio::time::timeout(Duration::from_secs(3600), rx.wait_for(|s| pred(s)))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the client never reached {what}; last state {:?}",
                *client.state().borrow()
            )
        })
        .expect("the state channel stays open while the client lives");
    state.clone()
}

#[tokio::test(start_paused = true)]
async fn login_failed_capture_gives_wrong_password_message_and_no_tight_loop() {
    let (banner, packets) = pbx_packets("login-failed.ami");
    let sent = sent_packets_raw("login-failed.sent");
    let captured_login = parse_action(&sent[0]);
    let answer = packets[0].clone();
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    tokio::spawn(async move {
        while let Some(io) = servers.recv().await {
            let answer = answer.clone();
            let banner = banner.clone();
            let captured_login = captured_login.clone();
            tokio::spawn(async move {
                let mut peer = Peer::new(io);
                peer.write(format!("{banner}\r\n").as_bytes()).await;
                let Some(login) = peer.read_action().await else {
                    return;
                };
                assert_eq!(
                    login.action_name(),
                    captured_login.action_name(),
                    "the capture's session is a Login"
                );
                assert_eq!(
                    login.get("Secret"),
                    Some("ringside-secret"),
                    "plain mode sends the secret"
                );
                peer.send(&rewrite_id(&answer, login.action_id().unwrap_or_default()))
                    .await;
                // Keep the connection open, as Asterisk may: the client must hang up itself.
                while peer.read_raw().await.is_some() {}
            });
        }
    });
    let client = Client::start(config(connector.clone()).auth_mode(AuthMode::Plain))
        .expect("valid settings");
    let started = Instant::now();
    let state = wait_state(&client, "AuthFailed", |s| {
        matches!(s, ConnectionState::AuthFailed { .. })
    })
    .await;
    let message = state.message().unwrap_or_default().to_owned();
    assert!(
        message.contains("Wrong AMI password for user 'ringside' on pbx.test:5038"),
        "the receptionist must learn it is the password, for which user and PBX: {message}"
    );
    assert!(
        message.contains("Authentication failed"),
        "the PBX's own words are kept: {message}"
    );

    tokio::time::sleep_until(started + Duration::from_secs(20)).await;
    assert_eq!(
        connector.attempts(),
        1,
        "a refused login is not retried within seconds"
    );
    tokio::time::sleep_until(started + Duration::from_secs(600)).await;
    let attempts = connector.attempts();
    assert!(
        (5..=6).contains(&attempts),
        "over 10 minutes a refused login is retried with 30 s doubling backoff (5-6 attempts), got {attempts}"
    );
    client.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn md5_login_sends_exactly_the_captured_bytes_then_events_flow() {
    md5_replay("incoming-answered", "12.0.0").await;
}

#[tokio::test(start_paused = true)]
async fn md5_login_matches_the_asterisk_11_capture_too() {
    md5_replay("../ami-1.3/incoming-answered", "1.3").await;
}

/// Replays the login, first events and logoff of capture `name`, checking
/// the client's bytes against `name.sent`.
async fn md5_replay(name: &str, version: &str) {
    let (banner, packets) = pbx_packets(&format!("{name}.ami"));
    let sent = sent_packets_raw(&format!("{name}.sent"));
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    let client = Client::start(config(connector.clone()).keepalive(NO_KEEPALIVE, NO_KEEPALIVE))
        .expect("valid");
    let mut events = client.events();
    let io = servers.recv().await.expect("the client connects");
    let mut peer = Peer::new(io);
    peer.write(format!("{banner}\r\n").as_bytes()).await;

    let challenge = peer.read_raw().await.expect("a Challenge first");
    let challenge_id = parse_action(&challenge)
        .action_id()
        .expect("every action has an ActionID")
        .to_owned();
    assert_eq!(
        with_action_id(&challenge, "1"),
        String::from_utf8_lossy(&sent[0]),
        "the Challenge must be byte-identical to the captured one, ActionID aside"
    );
    peer.send(&rewrite_id(&packets[0], &challenge_id)).await;

    let login = peer.read_raw().await.expect("then the Login");
    let login_id = parse_action(&login)
        .action_id()
        .expect("the Login has an ActionID")
        .to_owned();
    assert_ne!(
        login_id, challenge_id,
        "ActionIDs are unique within the session"
    );
    assert_eq!(
        with_action_id(&login, "2"),
        String::from_utf8_lossy(&sent[1]),
        "the MD5 Login (Key = md5(challenge + secret)) must match the capture, ActionID aside"
    );
    peer.send(&rewrite_id(&packets[1], &login_id)).await;
    // The rest of the capture's first events (none carry an ActionID).
    for p in &packets[2..6] {
        assert!(
            p.action_id().is_none(),
            "these capture packets are plain events"
        );
        peer.send(p).await;
    }

    let state = wait_state(&client, "Connected", ConnectionState::is_connected).await;
    assert_eq!(
        state,
        ConnectionState::Connected {
            version: version.into()
        },
        "version comes from the banner"
    );
    assert_eq!(
        client.banner_version().as_deref(),
        Some(version),
        "banner_version reports it too"
    );
    assert_eq!(
        events.recv().await,
        Some(SessionEvent::Connected {
            version: version.into()
        }),
        "the stream opens with a Connected marker so consumers resync"
    );
    for expected in &packets[2..6] {
        let Some(SessionEvent::Event(ev)) = events.recv().await else {
            panic!("the capture's events follow")
        };
        assert_eq!(&ev.packet, expected, "events arrive unchanged and in order");
        assert!(
            ev.received_at_ms > 1_600_000_000_000,
            "events carry a wall-clock receive time in Unix ms"
        );
    }

    let shutdown = tokio::spawn({
        let client = client.clone();
        async move { client.shutdown().await }
    });
    let logoff = peer.read_raw().await.expect("shutdown sends Logoff");
    assert_eq!(
        with_action_id(&logoff, "99"),
        String::from_utf8_lossy(&sent[2]),
        "Logoff is sent as in the capture"
    );
    let goodbye = packets
        .iter()
        .find(|p| p.is("Response", "Goodbye"))
        .expect("the capture ends with Goodbye");
    peer.send(&rewrite_id(
        goodbye,
        parse_action(&logoff).action_id().unwrap_or_default(),
    ))
    .await;
    shutdown.await.expect("shutdown completes");
    assert!(
        matches!(
            *client.state().borrow(),
            ConnectionState::Disconnected {
                reason: ringside_ami::DisconnectReason::Shutdown,
                ..
            }
        ),
        "after shutdown the state says so"
    );
    assert_eq!(connector.attempts(), 1, "no reconnect after a shutdown");
    assert!(
        matches!(
            client.send(Packet::action("Ping")).await,
            Err(ringside_ami::Error::Closed)
        ),
        "actions after shutdown are refused as Closed"
    );
}

#[tokio::test(start_paused = true)]
async fn falls_back_to_plain_secret_when_the_challenge_is_refused() {
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    let client =
        Client::start(config(connector).keepalive(NO_KEEPALIVE, NO_KEEPALIVE)).expect("valid");
    let mut peer = Peer::new(servers.recv().await.expect("connects"));
    peer.write(b"Asterisk Call Manager/1.1\r\n").await;
    let challenge = peer.read_action().await.expect("challenge");
    assert!(challenge.is("Action", "Challenge"), "MD5 is tried first");
    peer.send(
        &Packet::new()
            .with("Response", "Error")
            .with("ActionID", challenge.action_id().unwrap_or_default())
            .with("Message", "Must specify AuthType"),
    )
    .await;
    let login = peer.read_action().await.expect("login");
    assert!(login.is("Action", "Login"), "then a Login");
    assert_eq!(
        login.get("Secret"),
        Some("ringside-secret"),
        "with the plain secret"
    );
    assert_eq!(login.get("Key"), None, "and no MD5 key");
    peer.send(
        &Packet::new()
            .with("Response", "Success")
            .with("ActionID", login.action_id().unwrap_or_default()),
    )
    .await;
    let state = wait_state(&client, "Connected", ConnectionState::is_connected).await;
    assert_eq!(
        state,
        ConnectionState::Connected {
            version: "1.1".into()
        },
        "an AMI 1.1 PBX logs in too"
    );
}

#[tokio::test(start_paused = true)]
async fn closed_right_after_banner_points_at_the_permit_list() {
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    let client = Client::start(config(connector)).expect("valid");
    tokio::spawn(async move {
        while let Some(io) = servers.recv().await {
            let mut peer = Peer::new(io);
            peer.write(b"Asterisk Call Manager/2.10.4\r\n").await;
            drop(peer);
        }
    });
    let state = wait_state(&client, "Unreachable", |s| {
        matches!(s, ConnectionState::Unreachable { .. })
    })
    .await;
    let message = state.message().unwrap_or_default();
    assert!(
        message.contains("PBX closed the connection before login")
            && message.contains("permitted list")
            && message.contains("pbx.test:5038"),
        "a PBX that hangs up before login most often has this IP off its permit list: {message}"
    );
}

#[tokio::test(start_paused = true)]
async fn login_permission_denied_names_the_permit_list() {
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    let client = Client::start(config(connector).auth_mode(AuthMode::Plain)).expect("valid");
    tokio::spawn(async move {
        while let Some(io) = servers.recv().await {
            let mut peer = Peer::new(io);
            peer.write(b"Asterisk Call Manager/1.3\r\n").await;
            if let Some(login) = peer.read_action().await {
                peer.send(
                    &Packet::new()
                        .with("Response", "Error")
                        .with("ActionID", login.action_id().unwrap_or_default())
                        .with("Message", "Permission denied"),
                )
                .await;
            }
        }
    });
    let state = wait_state(&client, "AuthFailed", |s| {
        matches!(s, ConnectionState::AuthFailed { .. })
    })
    .await;
    let message = state.message().unwrap_or_default();
    assert!(
        message.contains("permitted IP list") && message.contains("'ringside'") && message.contains("pbx.test:5038"),
        "a permit-list refusal must say to add this computer's IP, for which user and PBX: {message}"
    );
}

#[tokio::test]
async fn refused_connection_says_whether_ami_is_enabled() {
    // A port that was just free: nothing listens there now.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind an ephemeral port");
    let port = listener.local_addr().expect("bound").port();
    drop(listener);
    let cfg = ringside_ami::ClientConfig::new("127.0.0.1", port, "ringside", "x".into());
    let client = Client::start(cfg).expect("valid");
    let state = wait_state(&client, "Unreachable", |s| {
        matches!(s, ConnectionState::Unreachable { .. })
    })
    .await;
    let message = state.message().unwrap_or_default();
    assert_eq!(
        message,
        format!(
            "PBX refused the connection on 127.0.0.1:{port}: is AMI enabled on that port, and is this \
             computer's IP permitted?"
        ),
        "ECONNREFUSED gets the plain question a receptionist can pass on"
    );
    assert!(
        matches!(
            client.send(Packet::action("Ping")).await,
            Err(ringside_ami::Error::NotConnected)
        ),
        "while unreachable, actions fail at once with NotConnected"
    );
    client.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn silent_address_times_out_with_a_plain_message() {
    let (connector, _servers) = TestConnector::new(Mode::Hang);
    let client = Client::start(config(connector)).expect("valid");
    let started = Instant::now();
    let state = wait_state(&client, "Unreachable", |s| {
        matches!(s, ConnectionState::Unreachable { .. })
    })
    .await;
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(10),
        "the connect timeout (10 s by default) bounds the attempt"
    );
    let message = state.message().unwrap_or_default();
    assert!(
        message.starts_with("No answer from pbx.test:5038 within 10 s"),
        "timeouts name the PBX: {message}"
    );
}

#[tokio::test(start_paused = true)]
async fn silent_server_after_connect_suggests_the_tls_port() {
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    let client = Client::start(config(connector)).expect("valid");
    // Accept and say nothing, as a TLS port does to a plain-text client.
    let _held = servers.recv().await.expect("connects");
    let state = wait_state(&client, "Unreachable", |s| {
        matches!(s, ConnectionState::Unreachable { .. })
    })
    .await;
    let message = state.message().unwrap_or_default();
    assert!(
        message.contains("sent no AMI greeting") && message.contains("turn TLS on"),
        "no banner means wrong port or TLS: {message}"
    );
}

#[tokio::test(start_paused = true)]
async fn refused_connections_back_off_instead_of_spinning() {
    let (connector, _servers) = TestConnector::new(Mode::Refuse);
    let client = Client::start(config(connector.clone())).expect("valid");
    tokio::time::sleep(Duration::from_secs(120)).await;
    let attempts = connector.attempts();
    // 0.5 s doubling to 30 s, jittered to 75-100 %: 9 to 11 attempts in two minutes.
    assert!(
        (9..=11).contains(&attempts),
        "reconnects follow the capped exponential backoff, got {attempts}"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn unknown_host_name_is_reported_as_dns() {
    // `.invalid` is reserved (RFC 2606) and never resolves.
    let cfg = ringside_ami::ClientConfig::new("pbx.invalid", 5038, "ringside", "x".into());
    let client = Client::start(cfg).expect("valid");
    let state = wait_state(&client, "Unreachable", |s| {
        matches!(s, ConnectionState::Unreachable { .. })
    })
    .await;
    let message = state.message().unwrap_or_default();
    assert!(
        message.starts_with("Could not find pbx.invalid (DNS)"),
        "a name that does not resolve says so: {message}"
    );
    client.shutdown().await;
}
