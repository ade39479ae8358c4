//! The recall in the one live loop against the simulated PBX over real
//! TCP, in both dialects. Extension 1001 answers an outside caller and
//! blind-transfers it to 1002 the way Ringside's Transfer button does
//! (`actions::transfer_call`: `BlindTransfer` of her channel on Asterisk
//! 12+, `Redirect` of the caller on 1.x); the loop notices the transfer on
//! the card. A colleague who does not answer in time gets the caller sent
//! back once; one who answers in time keeps it; a reconnect in the middle
//! (before the deadline, or after the redirect) sends it back no more than
//! once.
//!
//! The simulator's colleague answers after its ring time, so "does not
//! answer" is a ring time well beyond the recall's wait, and "answers in
//! time" one well within it; the margins are seconds, and nothing is
//! asserted about how long anything took.

mod support;

use std::time::Duration;

use ringside_ami::Client;
use ringside_calls::actions;
use ringside_calls::live::{Live, LiveModel, LiveUpdate};
use ringside_calls::profile::{PbxKind, Profile};
use ringside_calls::recall::{RecallConfig, RecallSetup};
use ringside_calls::{
    CallTracker, CardChange, Console, ConsoleChange, RecallOutput, TrackerConfig,
};
use ringside_pbxsim::{Dialect, Fault, Party, Scenario, SimConfig, SimHandle};
use support::feed::{following, Updates};

const HER: &str = "1001";
const COLLEAGUE: &str = "1002";

fn live(after: Duration) -> tokio::sync::Mutex<Live> {
    let tracker = CallTracker::new(TrackerConfig::watching([HER]));
    let console = Console::new().with_recall(RecallSetup {
        config: RecallConfig {
            after_ms: u64::try_from(after.as_millis()).expect("short"),
        },
        extensions: vec![HER.into()],
        profile: Profile::of(PbxKind::Generic),
        context: None,
    });
    tokio::sync::Mutex::new(Live::new(tracker).with_console(console))
}

fn recall(u: &LiveUpdate) -> Option<&RecallOutput> {
    match u {
        LiveUpdate::Console(ConsoleChange::Recall(r)) => Some(r),
        _ => None,
    }
}

/// The Redirects the simulator received that send a caller to her.
fn redirects_to_her(sim: &SimHandle) -> usize {
    sim.received()
        .iter()
        .filter(|p| p.is("Action", "Redirect") && p.get("Exten") == Some(HER))
        .count()
}

/// An outside caller for her, who answers after `ring`; the caller stays
/// on the line long after. Returns the call id once she talks to it, after
/// blind-transferring it to the colleague as the Transfer button does.
async fn answered_then_transferred(
    sim: &SimHandle,
    client: &Client,
    live: &tokio::sync::Mutex<Live>,
    updates: &mut Updates,
    ring: Duration,
    talk: Duration,
) -> String {
    updates
        .until("Connected", |u| matches!(u, LiveUpdate::Connected(_)))
        .await;
    drop(
        sim.play(
            Scenario::incoming(Party::new("+15551234567", "ACME Corp"), "5550100", HER)
                .with_timing(ring, talk),
        ),
    );
    let answered = updates
        .until("her answer", |u| {
            matches!(u, LiveUpdate::Card(CardChange::Update { card, .. })
                if card.connected_to.as_deref() == Some(HER))
        })
        .await;
    let LiveUpdate::Card(CardChange::Update { call, .. }) = answered else {
        unreachable!("matched above");
    };
    let transfer = {
        let mut l = live.lock().await;
        let tracker = &*l.parts().tracker;
        actions::transfer_call(
            &Profile::of(PbxKind::Generic),
            tracker.dialect(),
            &tracker.channels_of(&call),
            &[HER.to_owned()],
            COLLEAGUE,
            false,
            None,
        )
        .expect("a live call can be transferred")
    };
    actions::send(client, transfer)
        .await
        .expect("the PBX takes the transfer");
    call
}

fn sim_of(dialect: Dialect) -> SimConfig {
    SimConfig::dialect(dialect)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_nobody_answers_comes_back_once() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        let (sim, client) = support::pbx::sim_and_client(sim_of(dialect)).await;
        let live = &live(Duration::from_millis(1_000));
        let (sim_ref, client_ref) = (&sim, &client);
        following(&client, live, |mut updates| async move {
            let ring = Duration::from_secs(4);
            let call = answered_then_transferred(
                sim_ref,
                client_ref,
                live,
                &mut updates,
                ring,
                Duration::from_secs(60),
            )
            .await;
            let sent = updates.until("the redirect", |u| recall(u).is_some()).await;
            let want = |to: &str| (call.clone(), COLLEAGUE.to_owned(), to.to_owned());
            assert!(
                matches!(recall(&sent), Some(RecallOutput::Redirect { call: c, from, to })
                    if (c.clone(), from.clone(), to.clone()) == want(HER)),
                "{dialect:?}: sent back first: {sent:?}"
            );
            let after_redirect = updates.seen.len();
            let back = updates.until("the recall", |u| recall(u).is_some()).await;
            assert!(
                matches!(recall(&back), Some(RecallOutput::Recalled { call: c, from, to })
                    if (c.clone(), from.clone(), to.clone()) == want(HER)),
                "{dialect:?}: back from 1002: {back:?}"
            );
            // Her phone rings with the call again: the card says so (the
            // update may come before the recall's own), and no longer says
            // the colleague's phone rings.
            let rings_her = |u: &LiveUpdate| {
                matches!(u, LiveUpdate::Card(CardChange::Update { card, .. })
                    if card.call == call && card.ringing.iter().any(|e| e == HER))
            };
            let already = updates.seen[after_redirect..]
                .iter()
                .find(|u| rings_her(u))
                .cloned();
            let again = match already {
                Some(u) => u,
                None => updates.until("her phone ringing again", rings_her).await,
            };
            let LiveUpdate::Card(CardChange::Update { card, .. }) = &again else {
                unreachable!("matched above");
            };
            assert_eq!(
                card.ringing,
                [HER],
                "{dialect:?}: only her phone rings once the caller is back: {card:?}"
            );
            let popups = updates.count(|u| {
                matches!(u, LiveUpdate::Card(CardChange::Popup { call: c, extension, .. })
                    if *c == call && extension == HER)
            });
            assert_eq!(popups, 2, "{dialect:?}: the call, and the call coming back");
            // While the colleague's phone rang, the caller talked to nobody.
            for u in &updates.seen {
                if let LiveUpdate::Card(CardChange::Update { card, .. }) = u {
                    if card.call == call && card.ringing.iter().any(|e| e == COLLEAGUE) {
                        assert_eq!(
                            card.connected_to, None,
                            "{dialect:?}: ringing the colleague, the caller is connected to nobody: {card:?}"
                        );
                    }
                }
            }
        })
        .await;
        assert_eq!(redirects_to_her(&sim), 1, "{dialect:?}: one redirect back");
        client.shutdown().await;
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_answered_late_in_the_wait_is_not_recalled() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        let (sim, client) = support::pbx::sim_and_client(sim_of(dialect)).await;
        // 1002 answers after 1 s of the 2 s the caller may ring; the call
        // then goes on past the deadline and ends.
        let live = &live(Duration::from_millis(2_000));
        let (sim_ref, client_ref) = (&sim, &client);
        following(&client, live, |mut updates| async move {
            let call = answered_then_transferred(
                sim_ref,
                client_ref,
                live,
                &mut updates,
                Duration::from_millis(1_000),
                Duration::from_millis(3_500),
            )
            .await;
            let end = updates
                .until("the call's end", |u| {
                    matches!(u, LiveUpdate::Card(CardChange::Ended { call: c, .. }) if *c == call)
                })
                .await;
            assert!(
                matches!(&end, LiveUpdate::Card(CardChange::Ended { answered_by, .. })
                    if answered_by.as_deref() == Some(COLLEAGUE)),
                "{dialect:?}: 1002 kept the caller: {end:?}"
            );
            assert_eq!(
                updates.count(|u| recall(u).is_some()),
                0,
                "{dialect:?}: nothing recalled: {:#?}",
                updates.seen
            );
        })
        .await;
        assert_eq!(redirects_to_her(&sim), 0, "{dialect:?}: never sent back");
        client.shutdown().await;
        sim.shutdown().await;
    }
}

/// When the session is dropped: while the caller rings the colleague, or
/// just after the redirect back was sent.
#[derive(Debug, Clone, Copy)]
enum DropWhen {
    Waiting,
    Redirected,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_in_the_middle_does_not_redirect_twice() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        for when in [DropWhen::Waiting, DropWhen::Redirected] {
            let (sim, client) = support::pbx::sim_and_client(sim_of(dialect)).await;
            // 1002 would answer after 6 s, the recall comes at 1 s: the
            // reconnect and resync have 5 s to fit in, even on a loaded
            // machine (one CI run missed the recall with a 2.5 s margin).
            let live = &live(Duration::from_millis(1_000));
            let (sim_ref, client_ref) = (&sim, &client);
            following(&client, live, |mut updates| async move {
                answered_then_transferred(
                    sim_ref,
                    client_ref,
                    live,
                    &mut updates,
                    Duration::from_secs(6),
                    Duration::from_secs(60),
                )
                .await;
                match when {
                    // Once the card shows her transfer (the recall watches;
                    // a transfer whose events a drop lost is not) and the
                    // colleague's phone ringing with it: the session drops
                    // while the caller rings 1002.
                    DropWhen::Waiting => {
                        updates
                            .until("1002 ringing after her transfer", |u| {
                                matches!(u, LiveUpdate::Card(CardChange::Update { card, .. })
                                    if card.transfers.iter().any(|t| t.by.as_deref() == Some(HER))
                                        && card.ringing.iter().any(|e| e == COLLEAGUE))
                            })
                            .await;
                    }
                    DropWhen::Redirected => {
                        updates.until("the redirect", |u| recall(u).is_some()).await;
                    }
                }
                sim_ref.inject(Fault::DisconnectMidPacket);
                updates
                    .until("Disconnected", |u| matches!(u, LiveUpdate::Disconnected(_)))
                    .await;
                updates
                    .until("Connected again", |u| matches!(u, LiveUpdate::Connected(_)))
                    .await;
                let recalled =
                    |u: &LiveUpdate| matches!(recall(u), Some(RecallOutput::Recalled { .. }));
                let her_popup = |u: &LiveUpdate| {
                    matches!(u, LiveUpdate::Card(CardChange::Popup { extension, .. }) if extension == HER)
                };
                // An AMI 1.x listing has no Linkedid: a phone found ringing
                // at the resync is a call of its own to the tracker, so when
                // the session dropped between the redirect and her phone
                // ringing, the caller rings her without a recall to say so.
                let tied = dialect == Dialect::Modern || matches!(when, DropWhen::Waiting);
                // Her phone may have rung before the session dropped.
                let back = |u: &Updates| {
                    u.count(recalled) > 0 || (!tied && u.count(her_popup) >= 2)
                };
                while !back(&updates) {
                    let what = if tied { "the recall" } else { "her phone ringing again" };
                    updates.until(what, |u| recalled(u) || her_popup(u)).await;
                }
                // A Redirect whose answer the drop cut off is unknown: if the
                // PBX never got it, the colleague still rings and it is sent
                // once more; if it did, it is not. Either way the PBX gets one.
                let asked =
                    updates.count(|u| matches!(recall(u), Some(RecallOutput::Redirect { .. })));
                let unknown = updates.count(|u| matches!(u, LiveUpdate::RecallFailed { .. }));
                assert!(
                    asked == 1 || (asked == 2 && unknown == 1),
                    "{dialect:?} {when:?}: {asked} asked, {unknown} unknown: {:#?}",
                    updates.seen
                );
                assert_eq!(
                    updates.count(|u| matches!(recall(u), Some(RecallOutput::GaveUp { .. }))),
                    0
                );
            })
            .await;
            assert_eq!(
                redirects_to_her(&sim),
                1,
                "{dialect:?} {when:?}: the PBX redirects the caller back once, whatever the reconnect"
            );
            client.shutdown().await;
            sim.shutdown().await;
        }
    }
}
