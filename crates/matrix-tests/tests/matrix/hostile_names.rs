//! Row: hostile caller names (HTML, script, an RTL override, 10,000
//! characters, invalid UTF-8 bytes on the wire). Each must reach the popup
//! and the history as the very same text, a plain string: never dropped,
//! never cut short by the chain, never "cleaned" into something else. How
//! the UI renders it (as text, truncated) is the UI's row; what this row
//! guarantees is that the UI gets the exact text to render.

use std::sync::Arc;
use std::time::Duration;

use ringside_calls::live::LiveUpdate;
use ringside_calls::CardChange;
use ringside_pbxsim::{Capture, Party, PbxSim, Replay, Scenario, SimConfig};

use crate::common::*;

async fn name_seen_and_stored(chain: &mut Chain) -> (String, Option<String>, Option<String>) {
    let popup = chain
        .wait_for("the popup", |s| is_popup_for(s, "1001"))
        .await;
    let Seen::Update(LiveUpdate::Card(CardChange::Popup {
        call, caller_name, ..
    })) = popup
    else {
        unreachable!()
    };
    chain.wait_for("the record", is_stored).await;
    let stored = chain
        .store
        .get_call(&call)
        .await
        .expect("the store answers")
        .expect("the call is in the history");
    (call, caller_name, stored.record.remote_name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_caller_names_come_back_as_the_same_text() {
    tokio::time::timeout(Duration::from_secs(90), async {
        let long: String = "Ω<b>ünïcødé</b>🙂".chars().cycle().take(10_000).collect();
        let names = [
            "<img src=x onerror=alert(document.domain)>".to_owned(),
            "<script>window.__pwned = 1</script>".to_owned(),
            "\u{202E}lanigiro\u{202C} Caller & Sons \"Ltd\" 'x'".to_owned(),
            "{{constructor.constructor('alert(1)')()}} ${7*7} %s %n".to_owned(),
            long,
        ];
        let sim = PbxSim::start(SimConfig::default())
            .await
            .expect("pbxsim starts");
        let mut chain = Chain::start(config_for(sim.addr()), &["1001"]).await;
        chain
            .wait_for("the session", |s| {
                matches!(s, Seen::Update(LiveUpdate::Connected(_)))
            })
            .await;
        for (i, name) in names.iter().enumerate() {
            let number = format!("+1555000{i:04}");
            sim.play(
                Scenario::incoming(Party::new(number.clone(), name.clone()), "5550100", "1001")
                    .with_timing(Duration::from_millis(200), Duration::from_millis(200)),
            )
            .finished()
            .await;
            let (_, shown, stored) = name_seen_and_stored(&mut chain).await;
            assert_eq!(
                shown.as_deref(),
                Some(name.as_str()),
                "the popup gets the caller name exactly as sent ({} chars)",
                name.chars().count()
            );
            assert_eq!(
                stored.as_deref(),
                Some(name.as_str()),
                "the history keeps the caller name exactly as sent ({} chars)",
                name.chars().count()
            );
        }
        assert_eq!(
            chain.store.count_calls().await.expect("count"),
            names.len() as u64,
            "every hostile call is recorded"
        );
        chain.stop().await;
        sim.shutdown().await;
    })
    .await
    .expect("the hostile-names row must finish, not hang");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_in_a_caller_name_is_kept_as_the_same_replacement_text() {
    tokio::time::timeout(Duration::from_secs(60), async {
        let bad: &[u8] = b"ACME \xff\xfe Corp \xc3\x28 \xe2\x80";
        let raw = ringside_matrix_tests::fixture("incoming-answered.ami");
        let mut hostile = Vec::with_capacity(raw.len() + 64);
        let mut rest = &raw[..];
        while let Some(i) = rest.windows(9).position(|w| w == b"ACME Corp") {
            hostile.extend_from_slice(&rest[..i]);
            hostile.extend_from_slice(bad);
            rest = &rest[i + 9..];
        }
        hostile.extend_from_slice(rest);
        assert!(
            hostile.len() > raw.len(),
            "the capture must really carry the invalid bytes"
        );
        let expected = String::from_utf8_lossy(bad).into_owned();

        let capture = Arc::new(Capture::from_bytes(&hostile));
        let sim = PbxSim::start(SimConfig {
            replay: Some(Replay {
                start_delay: Duration::from_millis(300),
                ..Replay::new(capture)
            }),
            ..SimConfig::default()
        })
        .await
        .expect("pbxsim starts with the replay");
        let mut chain = Chain::start(config_for(sim.addr()), &["1001"]).await;
        let (_, shown, stored) = name_seen_and_stored(&mut chain).await;
        assert_eq!(
            shown.as_deref(),
            Some(expected.as_str()),
            "invalid bytes become U+FFFD, the rest of the name is kept"
        );
        assert_eq!(
            stored.as_deref(),
            Some(expected.as_str()),
            "and the history keeps exactly what the popup showed"
        );
        assert!(
            chain.client.state().borrow().is_connected(),
            "invalid bytes never cost the connection"
        );
        chain.stop().await;
        sim.shutdown().await;
    })
    .await
    .expect("the invalid-UTF-8 row must finish, not hang");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_hostile_callerid_capture_is_stored_as_text() {
    tokio::time::timeout(Duration::from_secs(60), async {
        let capture = Arc::new(Capture::from_bytes(&ringside_matrix_tests::fixture(
            "hostile-callerid.ami",
        )));
        let sim = PbxSim::start(SimConfig {
            replay: Some(Replay {
                start_delay: Duration::from_millis(300),
                ..Replay::new(capture)
            }),
            ..SimConfig::default()
        })
        .await
        .expect("pbxsim starts with the replay");
        let mut chain = Chain::start(config_for(sim.addr()), &["1001"]).await;
        let (_, shown, stored) = name_seen_and_stored(&mut chain).await;
        let want = "<img src=x onerror=alert(document.domain)>";
        assert_eq!(
            shown.as_deref(),
            Some(want),
            "the real PBX's payload reaches the popup as the same text"
        );
        assert_eq!(stored.as_deref(), Some(want), "and the history");
        chain.stop().await;
        sim.shutdown().await;
    })
    .await
    .expect("the hostile-capture row must finish, not hang");
}
