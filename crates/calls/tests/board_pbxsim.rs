//! The colleagues board against a simulated PBX whose dialplan declares the
//! phones' hints with one pattern (`exten => _10XX,hint,PJSIP/${EXTEN}`):
//! Asterisk lists such a hint in `ExtensionStateList` only once something
//! watches it, so a board read from that list alone shows nobody. The
//! resync must list every phone of the endpoint listing (not the trunk),
//! with its device or peer state, and events must keep it current.

use std::time::Duration;

use ringside_ami::{Client, EventStream, Packet, SessionEvent};
use ringside_calls::live::{resync, LiveParts};
use ringside_calls::presence::Presence;
use ringside_calls::{CallTracker, Console, TrackerConfig};
use ringside_pbxsim::{Dialect, Hints, Party, Scenario, SimConfig, SimHandle};

mod support;

use support::pbx::WAIT;

async fn pattern_hint_pbx(dialect: Dialect) -> (SimHandle, Client) {
    support::pbx::sim_and_client(SimConfig {
        hints: Hints::Pattern,
        ..SimConfig::dialect(dialect)
    })
    .await
}

fn parts<'a>(
    tracker: &'a mut CallTracker,
    presence: &'a mut Presence,
    console: &'a mut Console,
) -> LiveParts<'a> {
    LiveParts {
        tracker,
        presence,
        console,
    }
}

/// The board as `(extension, label)`, by extension.
fn board(presence: &Presence) -> Vec<(String, String)> {
    presence
        .colleagues()
        .map(|c| (c.extension.clone(), c.label.clone()))
        .collect()
}

fn row(ext: &str, label: &str) -> (String, String) {
    (ext.to_owned(), label.to_owned())
}

/// Waits (up to `WAIT`, a deadline only) until the simulator says
/// extension `ext` has state `code`.
async fn sim_state(sim: &SimHandle, ext: &str, code: u8) {
    let reached = tokio::time::timeout(WAIT, async {
        while !sim.extension_states().contains(&(ext.to_owned(), code)) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(
        reached.is_ok(),
        "the simulator puts {ext} in state {code}: {:?}",
        sim.extension_states()
    );
}

/// Applies events to `presence` until `done` holds (up to `WAIT`).
async fn follow_until(
    events: &mut EventStream,
    presence: &mut Presence,
    done: impl Fn(&Presence) -> bool,
) {
    let followed = tokio::time::timeout(WAIT, async {
        while !done(presence) {
            match events.recv().await {
                Some(SessionEvent::Event(ev)) => {
                    presence.apply(&ev.packet);
                }
                Some(_) => {}
                None => panic!("the event stream ended"),
            }
        }
    })
    .await;
    assert!(
        followed.is_ok(),
        "the events bring the board there: {:?}",
        board(presence)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_phone_is_on_the_board_though_the_pbx_lists_no_hint() {
    let (sim, client) = pattern_hint_pbx(Dialect::Modern).await;
    // Reception is in a call and 1005 is not registered when the app starts.
    drop(
        sim.play(
            Scenario::incoming(Party::new("+15551234567", "ACME Corp"), "5550100", "1000")
                .with_timing(Duration::from_millis(100), Duration::from_secs(600)),
        ),
    );
    sim.set_unavailable("1005", true);
    sim_state(&sim, "1000", 1).await;

    let hints = client
        .send_list(Packet::action("ExtensionStateList"))
        .await
        .expect("ExtensionStateList answers");
    let mut hints_only = Presence::new();
    hints_only.resync(&hints.events);
    assert!(
        board(&hints_only).is_empty(),
        "read from the hints alone, the board is empty: {:?}",
        board(&hints_only)
    );

    let mut events = client.events();
    let mut tracker = CallTracker::new(TrackerConfig::watching(["1001"]));
    let mut presence = Presence::new();
    let mut console = Console::new();
    resync(
        &client,
        parts(&mut tracker, &mut presence, &mut console),
        0,
        &mut |_| {},
    )
    .await
    .expect("resync");
    assert_eq!(
        board(&presence),
        [
            row("1000", "in use"),
            row("1001", "idle"),
            row("1002", "idle"),
            row("1003", "idle"),
            row("1004", "idle"),
            row("1005", "unavailable"),
        ],
        "every phone of PJSIPShowEndpoints, with its DeviceStateList state; not the carrier trunk"
    );
    assert_eq!(
        presence.get("1004").and_then(|c| c.hint.as_deref()),
        Some("PJSIP/1004"),
        "the phone's own device"
    );

    // DeviceStateChange keeps a phone without a hint current.
    sim.set_unavailable("1004", true);
    follow_until(&mut events, &mut presence, |p| {
        p.get("1004").is_some_and(|c| c.state.unavailable())
    })
    .await;
    // A hint made later (a BLF key now watches 1003) reports with ExtensionStatus.
    sim.watch_hint("1003");
    let mut hinted = false;
    sim.set_unavailable("1003", true);
    let followed = tokio::time::timeout(WAIT, async {
        while let Some(item) = events.recv().await {
            if let SessionEvent::Event(ev) = item {
                hinted |= ev.packet.event() == Some("ExtensionStatus")
                    && ev.packet.get("Exten") == Some("1003");
                presence.apply(&ev.packet);
                if hinted {
                    return;
                }
            }
        }
    })
    .await;
    assert!(followed.is_ok(), "the new hint reports 1003");
    assert_eq!(
        presence.get("1003").map(|c| c.label.as_str()),
        Some("unavailable"),
        "ExtensionStatus updates the phone's row"
    );
    assert_eq!(
        board(&presence).len(),
        6,
        "still one row per phone: {:?}",
        board(&presence)
    );
    client.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chan_sip_phones_come_from_sippeers_with_their_peer_status() {
    let (sim, client) = pattern_hint_pbx(Dialect::Ami11).await;
    sim.set_unavailable("1005", true);
    sim_state(&sim, "1005", 4).await;

    let mut events = client.events();
    let mut tracker = CallTracker::new(TrackerConfig::watching(["1001"]));
    let mut presence = Presence::new();
    let mut console = Console::new();
    resync(
        &client,
        parts(&mut tracker, &mut presence, &mut console),
        0,
        &mut |_| {},
    )
    .await
    .expect("resync");
    assert_eq!(
        board(&presence),
        [
            row("1000", "idle"),
            row("1001", "idle"),
            row("1002", "idle"),
            row("1003", "idle"),
            row("1004", "idle"),
            row("1005", "unavailable"),
        ],
        "Asterisk 1.8 has neither ExtensionStateList nor DeviceStateList: SIPpeers' Status says who is reachable"
    );
    assert_eq!(
        presence.get("1002").and_then(|c| c.hint.as_deref()),
        Some("SIP/1002"),
        "chan_sip's device"
    );

    sim.watch_hint("1002");
    sim.set_unavailable("1002", true);
    follow_until(&mut events, &mut presence, |p| {
        p.get("1002").is_some_and(|c| c.state.unavailable())
    })
    .await;
    assert_eq!(
        board(&presence).len(),
        6,
        "ExtensionStatus updated 1002's row, no new one: {:?}",
        board(&presence)
    );
    client.shutdown().await;
    sim.shutdown().await;
}
