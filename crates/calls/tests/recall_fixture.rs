//! The recall driven by the real tracker: the `redirect-transfer` capture
//! (1001 answers an outside caller and redirects them to 1002, who answers
//! about 1.5 s later, on the capture's clock a few packets later) replayed
//! through a `CallTracker` watching 1001, with `Recall::transferred` called
//! where the app would, on the Redirect's `Response: Success`, and ticks
//! given the tracker's cards as they are. An answered transfer is never
//! recalled.

use std::path::Path;

use ringside_calls::recall::{Recall, RecallConfig, RecallOutput};
use ringside_calls::replay::{event_time_ms, Capture};
use ringside_calls::{CallTracker, CardChange, TrackerConfig};

const CALL: &str = "1795444730.14";

fn capture() -> Capture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/ami/redirect-transfer.ami");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    Capture::decode(&bytes).expect("the capture decodes")
}

/// What a replay with the recall gave, and when (on the replay's clock)
/// the transfer was made, the tracker showed 1002 ringing, and 1002 answered.
struct Run {
    outputs: Vec<RecallOutput>,
    transferred_at: i64,
    rang_at: i64,
    answered_at: i64,
}

fn replay_with_recall(config: RecallConfig) -> Run {
    let cap = capture();
    let mut tracker = CallTracker::new(TrackerConfig::watching(["1001"]));
    if let Some(b) = &cap.banner {
        tracker.observe_banner(&b.version);
    }
    let mut recall = Recall::new(config);
    let mut outputs = Vec::new();
    let (mut transferred_at, mut rang_at, mut answered_at) = (None, None, None);
    for (i, p) in cap.packets.iter().enumerate() {
        let at = event_time_ms(p, i, 0);
        if recall.next_deadline().is_some_and(|d| d <= at) {
            outputs.extend(recall.tick(&tracker.cards(), at));
        }
        if p.get("ActionID") == Some("xfer-1") && p.get("Response") == Some("Success") {
            let card = tracker.cards().into_iter().find(|c| c.call == CALL);
            let card = card.expect("the call is live when the Redirect succeeds");
            recall.transferred(&card, "1001", "1002", at);
            transferred_at = Some(at);
        }
        if p.event().is_none() {
            continue;
        }
        for change in tracker.apply(p, at) {
            if let CardChange::Update { card, .. } = &change {
                if card.ringing == ["1002"] {
                    rang_at.get_or_insert(at);
                }
                if card.connected_to.as_deref() == Some("1002") {
                    answered_at.get_or_insert(at);
                }
            }
            outputs.extend(recall.observe(&change));
        }
    }
    assert_eq!(tracker.live_calls(), 0, "the capture's call ended");
    outputs.extend(recall.tick(&tracker.cards(), i64::MAX));
    assert_eq!(recall.watching(), 0, "an ended call is not watched");
    Run {
        outputs,
        transferred_at: transferred_at.expect("the capture has the Redirect's response"),
        rang_at: rang_at.expect("the tracker showed 1002 ringing"),
        answered_at: answered_at.expect("the tracker showed 1002 answering"),
    }
}

#[test]
fn an_answered_redirect_transfer_is_never_recalled() {
    let run = replay_with_recall(RecallConfig::default());
    assert!(
        run.transferred_at < run.rang_at && run.rang_at < run.answered_at,
        "transfer {}, 1002 rings {}, answers {}",
        run.transferred_at,
        run.rang_at,
        run.answered_at
    );
    assert_eq!(run.outputs, []);
}

#[test]
fn a_deadline_while_1002_rings_is_the_race_and_reports_the_answer() {
    // The deadline falls after the tracker showed 1002 ringing and before
    // 1002 answered: the redirect is asked for once, then the answer is
    // reported as such, never as a recall.
    let times = replay_with_recall(RecallConfig::default());
    let after_ms = u64::try_from(times.rang_at + 1 - times.transferred_at).expect("positive");
    assert!(times.transferred_at + (after_ms as i64) < times.answered_at);
    let run = replay_with_recall(RecallConfig { after_ms });
    assert_eq!(
        run.outputs,
        [
            RecallOutput::Redirect {
                call: CALL.into(),
                from: "1002".into(),
                to: "1001".into(),
            },
            RecallOutput::Answered {
                call: CALL.into(),
                from: "1002".into(),
                by: "1002".into(),
            },
        ]
    );
}
