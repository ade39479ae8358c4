//! Faults: the PBX vanishing mid-packet, going silent (half-open), and
//! flooding a subscriber that does not read. Paused time throughout, so the
//! keepalive and backoff timers run in virtual seconds.

mod client_common;

use std::time::Duration;

use client_common::*;
use ringside_ami::{Client, ConnectionState, DisconnectReason, Error, Packet, SessionEvent};
use tokio::time::Instant;

async fn wait_for(client: &Client, pred: impl Fn(&ConnectionState) -> bool) -> ConnectionState {
    client
        .state()
        .wait_for(|s| pred(s))
        .await
        .expect("state channel open")
        .clone()
}

#[tokio::test(start_paused = true)]
async fn disconnect_mid_packet_fails_pending_reports_and_reconnects() {
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    let client = Client::start(config(connector.clone()).keepalive(NO_KEEPALIVE, NO_KEEPALIVE))
        .expect("valid");
    let mut events = client.events();
    let mut peer = Peer::new(servers.recv().await.expect("connects"));
    peer.accept_login().await;
    wait_for(&client, ConnectionState::is_connected).await;

    let pending = tokio::spawn({
        let client = client.clone();
        async move { client.send(Packet::action("CoreStatus")).await }
    });
    let action = peer
        .read_action()
        .await
        .expect("the action reaches the PBX");
    assert!(action.is("Action", "CoreStatus"), "the PBX saw the action");
    peer.write(b"Event: Newchannel\r\nChannel: PJSIP/1001-0000")
        .await;
    drop(peer);

    let result = pending.await.expect("joined");
    assert!(
        matches!(&result, Err(Error::ConnectionLost { action }) if action == "CoreStatus"),
        "an action in flight when the connection drops fails as ConnectionLost: {result:?}"
    );
    let state = wait_for(&client, |s| {
        matches!(s, ConnectionState::Disconnected { .. })
    })
    .await;
    assert!(
        matches!(
            state,
            ConnectionState::Disconnected {
                reason: DisconnectReason::ClosedByPbx,
                ..
            }
        ),
        "a PBX hanging up mid-packet is reported as closed by the PBX: {state:?}"
    );
    assert!(
        state.message().is_some_and(|m| m.contains("pbx.test:5038")),
        "the message names the PBX"
    );

    let mut peer = Peer::new(
        servers
            .recv()
            .await
            .expect("the client reconnects by itself"),
    );
    peer.accept_login().await;
    wait_for(&client, ConnectionState::is_connected).await;
    assert_eq!(connector.attempts(), 2, "exactly one reconnect");
    let markers: Vec<SessionEvent> = std::iter::from_fn(|| events.try_recv()).collect();
    assert_eq!(
        markers,
        vec![
            SessionEvent::Connected {
                version: "12.0.0".into()
            },
            SessionEvent::Disconnected,
            SessionEvent::Connected {
                version: "12.0.0".into()
            },
        ],
        "the half packet is never published, and the markers tell consumers to resync"
    );
}

#[tokio::test(start_paused = true)]
async fn pbx_that_stops_answering_ping_is_declared_dead_within_the_deadline() {
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    let client = Client::start(config(connector.clone())).expect("valid");
    let mut peer = Peer::new(servers.recv().await.expect("connects"));
    peer.accept_login().await;
    wait_for(&client, ConnectionState::is_connected).await;
    let up = Instant::now();
    // Answer the first two Pings, then go silent while keeping the socket open (half-open).
    let server = tokio::spawn(async move {
        let mut pings = 0;
        while let Some(action) = peer.read_action().await {
            assert!(
                action.is("Action", "Ping"),
                "only keepalives are sent here: {action:?}"
            );
            pings += 1;
            if pings <= 2 {
                peer.send(&pong(action.action_id().unwrap_or_default()))
                    .await;
            }
        }
        pings
    });
    let state = wait_for(&client, |s| {
        matches!(s, ConnectionState::Disconnected { .. })
    })
    .await;
    let dead_after = up.elapsed();
    assert!(
        matches!(
            state,
            ConnectionState::Disconnected {
                reason: DisconnectReason::KeepaliveTimeout,
                ..
            }
        ),
        "silence is a keepalive timeout: {state:?}"
    );
    // Pings at 20 s and 40 s are answered; the one at 60 s is not; dead at 60 + 10 s.
    assert_eq!(
        dead_after,
        Duration::from_secs(70),
        "declared dead exactly at the 10 s Ping deadline"
    );
    assert!(
        state
            .message()
            .is_some_and(|m| m.contains("stopped answering")),
        "the message says what happened"
    );
    assert_eq!(
        server.await.expect("server joined"),
        3,
        "three Pings were sent, every 20 s"
    );
    assert!(
        servers.recv().await.is_some(),
        "the client reconnects after a dead connection"
    );
}

#[tokio::test(start_paused = true)]
async fn answered_keepalives_keep_the_session_up() {
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    let client = Client::start(config(connector.clone())).expect("valid");
    let mut peer = Peer::new(servers.recv().await.expect("connects"));
    peer.accept_login().await;
    let server = tokio::spawn(async move {
        let mut pings = 0u32;
        while let Some(action) = peer.read_action().await {
            pings += 1;
            peer.send(&pong(action.action_id().unwrap_or_default()))
                .await;
        }
        pings
    });
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert!(
        client.state().borrow().is_connected(),
        "a PBX that answers its Pings stays connected"
    );
    assert_eq!(connector.attempts(), 1, "and is never reconnected");
    client.shutdown().await;
    let pings = server.await.expect("joined");
    // 600 s / 20 s = 30 Pings, plus the Logoff.
    assert_eq!(pings, 31, "one Ping every 20 s, then the Logoff");
}

#[tokio::test(start_paused = true)]
async fn slow_consumer_never_stalls_reading_and_is_told_it_lagged() {
    const BURST: usize = 100_000;
    const CAPACITY: usize = 1024;
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    let client = Client::start(
        config(connector)
            .keepalive(NO_KEEPALIVE, NO_KEEPALIVE)
            .event_capacity(CAPACITY),
    )
    .expect("valid");
    let mut slow = client.events();
    let mut peer = Peer::new(servers.recv().await.expect("connects"));
    peer.accept_login().await;
    wait_for(&client, ConnectionState::is_connected).await;

    let server = tokio::spawn(async move {
        let mut burst = Vec::with_capacity(BURST * 64);
        for i in 0..BURST {
            burst.extend_from_slice(
                format!("Event: UserEvent\r\nUserEvent: Flood\r\nSeq: {i}\r\n\r\n").as_bytes(),
            );
        }
        peer.write(&burst).await;
        let action = peer.read_action().await.expect("an action after the burst");
        peer.send(&pong(action.action_id().unwrap_or_default()))
            .await;
        peer
    });
    // The subscriber reads nothing while the burst goes by; the reply to an
    // action sent meanwhile still arrives, so reading went on.
    let reply = tokio::time::timeout(Duration::from_secs(60), client.send(Packet::action("Ping")))
        .await
        .expect("the reply arrives although nobody reads the event stream");
    assert!(reply.is_ok(), "and it is matched to its action: {reply:?}");
    let _peer = server.await.expect("server joined");

    assert_eq!(
        slow.unread(),
        BURST + 1,
        "the marker and the whole burst were published while nobody read"
    );
    let Some(SessionEvent::Lagged(lost)) = slow.recv().await else {
        panic!("the first item says it lagged")
    };
    let mut received = Vec::new();
    while let Some(item) = slow.try_recv() {
        match item {
            SessionEvent::Event(ev) => {
                received.push(ev.packet.get("Seq").and_then(|s| s.parse::<usize>().ok()))
            }
            other => panic!("only events remain after the lag notice: {other:?}"),
        }
    }
    assert!(
        received.len() <= CAPACITY,
        "memory is bounded: at most {CAPACITY} items held, got {}",
        received.len()
    );
    // The Connected marker plus BURST events went into the stream.
    assert_eq!(
        lost as usize + received.len(),
        BURST + 1,
        "every item is either delivered or counted as lost"
    );
    assert!(
        lost as usize >= BURST + 1 - CAPACITY,
        "the overflow is counted: {lost}"
    );
    assert_eq!(
        received.last().copied().flatten(),
        Some(BURST - 1),
        "the newest events are kept, up to the last"
    );
}

#[tokio::test(start_paused = true)]
async fn announced_pbx_restart_is_explained() {
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    let client =
        Client::start(config(connector).keepalive(NO_KEEPALIVE, NO_KEEPALIVE)).expect("valid");
    let mut peer = Peer::new(servers.recv().await.expect("connects"));
    peer.accept_login().await;
    wait_for(&client, ConnectionState::is_connected).await;
    // What Asterisk sends on `core restart now` before it closes the socket.
    peer.write(
        b"Event: Shutdown\r\nPrivilege: system,all\r\nShutdown: Cleanly\r\nRestart: True\r\n\r\n",
    )
    .await;
    drop(peer);
    let state = wait_for(&client, |s| {
        matches!(s, ConnectionState::Disconnected { .. })
    })
    .await;
    assert_eq!(
        state.message(),
        Some("The PBX at pbx.test:5038 is restarting; reconnecting when it is back"),
        "a restart announced by the PBX is not reported as a mysterious hang-up"
    );
}
