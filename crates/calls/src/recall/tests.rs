//! Table tests: each row is a sequence of inputs, each with the outputs it
//! must give. She is 1001; her transfers are made at 1 s, so with the
//! default 20 s the deadline is 21 s.

use super::*;
use crate::record::{CallRecord, Direction, Outcome};
use crate::tracker::CallState;

const HER: &str = "1001";

/// A call's card as the tracker shows it: `ringing` these phones,
/// `talking` to this extension.
fn card(call: &str, ringing: &[&str], talking: Option<&str>) -> CallCard {
    CallCard {
        call: call.to_owned(),
        caller_num: "+15551234567".to_owned(),
        caller_name: None,
        direction: Some(Direction::Inbound),
        trunk: None,
        did: None,
        queue: None,
        dialed: None,
        from_extension: None,
        ringing: ringing.iter().map(|&e| e.to_owned()).collect(),
        rang: Vec::new(),
        state: CallState::Answered,
        answered_by: Some(HER.to_owned()),
        answered_by_trunk: None,
        answered_at_ms: Some(0),
        transfers: Vec::new(),
        started_at_ms: 0,
        connected_to: talking.map(str::to_owned),
        picked_up_by: None,
        parked: None,
        consulting: None,
    }
}

/// After her blind transfer: these phones ring, and the card still says
/// she talked to the caller.
fn rings(call: &str, phones: &[&str]) -> CallCard {
    card(call, phones, Some(HER))
}

/// `by` answered.
fn answered_by(call: &str, by: &str) -> CallCard {
    card(call, &[], Some(by))
}

/// Nothing rings and nobody new answered: voicemail, an outside number.
fn quiet(call: &str) -> CallCard {
    card(call, &[], Some(HER))
}

fn popup(call: &str, extension: &str, consultation: bool) -> CardChange {
    CardChange::Popup {
        call: call.to_owned(),
        extension: extension.to_owned(),
        caller_num: "+15551234567".to_owned(),
        caller_name: None,
        direction: Direction::Inbound,
        trunk: None,
        did: None,
        queue: None,
        transferred_by: None,
        consultation,
        consulting_for: None,
        park_return: false,
        park_slot: None,
        parked_by: None,
        at_ms: 0,
    }
}

fn ended(call: &str) -> CardChange {
    CardChange::Ended {
        call: call.to_owned(),
        answered_by: None,
        missed: false,
        answered_elsewhere_for: Vec::new(),
        picked_up_by: None,
        queue: None,
        parks: Vec::new(),
        ended_offline: false,
        record: CallRecord {
            call_id: call.to_owned(),
            uniqueid: call.to_owned(),
            direction: Direction::Inbound,
            remote_num: "+15551234567".to_owned(),
            remote_name: None,
            from_extension: None,
            trunk: None,
            did: None,
            rang: Vec::new(),
            answered_by: None,
            transfers: Vec::new(),
            outcome: Outcome::Unanswered,
            started_at_ms: 0,
            answered_at_ms: None,
            ended_at_ms: 0,
            ended_offline: false,
            queue: None,
        },
    }
}

fn redirect(call: &str, from: &str) -> RecallOutput {
    RecallOutput::Redirect {
        call: call.to_owned(),
        from: from.to_owned(),
        to: HER.to_owned(),
    }
}

fn recalled(call: &str, from: &str) -> RecallOutput {
    RecallOutput::Recalled {
        call: call.to_owned(),
        from: from.to_owned(),
        to: HER.to_owned(),
    }
}

fn answered(call: &str, from: &str, by: &str) -> RecallOutput {
    RecallOutput::Answered {
        call: call.to_owned(),
        from: from.to_owned(),
        by: by.to_owned(),
    }
}

fn gave_up(call: &str, from: &str) -> RecallOutput {
    RecallOutput::GaveUp {
        call: call.to_owned(),
        from: from.to_owned(),
        to: HER.to_owned(),
    }
}

/// One input of a row.
#[derive(Debug)]
enum Input {
    /// Her blind transfer of the call to the target at `at_ms`, made while
    /// she talked to the caller.
    Transfer(&'static str, &'static str, i64),
    /// Her blind transfer of the call on this card.
    TransferFrom(CallCard, &'static str, i64),
    /// A tracker update with this card.
    Update(CallCard),
    /// A tracker popup: the call rings this extension (consultation or not).
    Popup(&'static str, &'static str, bool),
    /// The call ends.
    End(&'static str),
    /// Time passes; the tracker's current cards.
    Tick(i64, Vec<CallCard>),
    /// A reconnect's resync rebuilt the tracker with these cards.
    Resync(Vec<CallCard>),
    /// The redirect of the call could not be sent at `at_ms`.
    RedirectFailed(&'static str, i64),
    /// Checks when the next tick is due (no outputs).
    NextDeadline(Option<i64>),
}

struct Row {
    name: &'static str,
    steps: Vec<(Input, Vec<RecallOutput>)>,
}

fn run(recall: &mut Recall, input: Input, row: &str, step: usize) -> Vec<RecallOutput> {
    match input {
        Input::Transfer(call, target, at) => {
            recall.transferred(&rings(call, &[]), HER, target, at);
            Vec::new()
        }
        Input::TransferFrom(card, target, at) => {
            recall.transferred(&card, HER, target, at);
            Vec::new()
        }
        Input::Update(card) => recall.observe(&CardChange::Update {
            call: card.call.clone(),
            card,
            at_ms: 0,
        }),
        Input::Popup(call, ext, consultation) => recall.observe(&popup(call, ext, consultation)),
        Input::End(call) => recall.observe(&ended(call)),
        Input::Tick(at, cards) => recall.tick(&cards, at),
        Input::Resync(cards) => recall.resynced(&cards),
        Input::RedirectFailed(call, at) => recall.redirect_failed(call, at),
        Input::NextDeadline(expected) => {
            assert_eq!(recall.next_deadline(), expected, "{row}, step {step}");
            Vec::new()
        }
    }
}

fn table() -> Vec<Row> {
    use Input::*;
    let none = Vec::new;
    vec![
        Row {
            name: "not answered: one redirect at exactly 20 s, then recalled when it rings her",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Update(rings("c1", &["1002"])), none()),
                (NextDeadline(Some(21_000)), none()),
                (Tick(20_999, vec![rings("c1", &["1002"])]), none()),
                (
                    Tick(21_000, vec![rings("c1", &["1002"])]),
                    vec![redirect("c1", "1002")],
                ),
                (NextDeadline(None), none()),
                (Tick(21_500, vec![rings("c1", &["1002"])]), none()),
                (Popup("c1", HER, false), vec![recalled("c1", "1002")]),
                (Update(rings("c1", &[HER])), none()),
                (Tick(60_000, vec![rings("c1", &[HER])]), none()),
            ],
        },
        Row {
            name: "ticks before the deadline do nothing",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Tick(1_000, vec![rings("c1", &["1002"])]), none()),
                (Tick(5_000, vec![rings("c1", &["1002"])]), none()),
                (Tick(20_999, vec![rings("c1", &["1002"])]), none()),
                (NextDeadline(Some(21_000)), none()),
            ],
        },
        Row {
            name: "answered at 19.9 s: no redirect",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Update(rings("c1", &["1002"])), none()),
                (Update(answered_by("c1", "1002")), none()),
                (NextDeadline(None), none()),
                (Tick(21_000, vec![answered_by("c1", "1002")]), none()),
            ],
        },
        Row {
            name: "answered at 19.9 s, update unseen: the card at the deadline rings nobody",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Update(rings("c1", &["1002"])), none()),
                (Tick(21_000, vec![answered_by("c1", "1002")]), none()),
                (NextDeadline(None), none()),
                (Update(answered_by("c1", "1002")), none()),
            ],
        },
        Row {
            name: "the colleague's phone stopped ringing (voicemail, busy): let go after one more look",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Update(rings("c1", &["1002"])), none()),
                (Tick(21_000, vec![quiet("c1")]), none()),
                (NextDeadline(Some(21_000 + GRACE_MS)), none()),
                (Tick(21_000 + GRACE_MS, vec![quiet("c1")]), none()),
                (NextDeadline(None), none()),
                (Popup("c1", HER, false), none()),
            ],
        },
        Row {
            name: "a ring not seen at the deadline (a slow dialplan, a reconnect's listing that missed it) is caught at the second look",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Tick(21_000, vec![quiet("c1")]), none()),
                (
                    Tick(21_000 + GRACE_MS, vec![rings("c1", &["1002"])]),
                    vec![redirect("c1", "1002")],
                ),
                (Popup("c1", HER, false), vec![recalled("c1", "1002")]),
            ],
        },
        Row {
            name: "the PBX sent it back to her by the second look: recalled, no redirect",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Tick(21_000, vec![quiet("c1")]), none()),
                (
                    Tick(21_000 + GRACE_MS, vec![rings("c1", &[HER])]),
                    vec![recalled("c1", "1002")],
                ),
                (NextDeadline(None), none()),
            ],
        },
        Row {
            name: "answered after the redirect was asked for (the race): answered, not recalled",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Update(rings("c1", &["1002"])), none()),
                (
                    Tick(21_000, vec![rings("c1", &["1002"])]),
                    vec![redirect("c1", "1002")],
                ),
                (
                    Update(answered_by("c1", "1002")),
                    vec![answered("c1", "1002", "1002")],
                ),
                // The redirect landed anyway: the tracker's own popup, no "not answered".
                (Popup("c1", HER, false), none()),
                (Tick(30_000, vec![rings("c1", &[HER])]), none()),
                (NextDeadline(None), none()),
            ],
        },
        Row {
            name: "the race seen only at a resync: answered",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (
                    Tick(21_000, vec![rings("c1", &["1002"])]),
                    vec![redirect("c1", "1002")],
                ),
                (
                    Resync(vec![answered_by("c1", "1002")]),
                    vec![answered("c1", "1002", "1002")],
                ),
                (Resync(vec![rings("c1", &[HER])]), none()),
            ],
        },
        Row {
            name: "the caller hangs up while it rings: forgotten",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Update(rings("c1", &["1002"])), none()),
                (End("c1"), none()),
                (NextDeadline(None), none()),
                (Tick(21_000, Vec::new()), none()),
            ],
        },
        Row {
            name: "the caller hangs up after the redirect was asked for: forgotten",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (
                    Tick(21_000, vec![rings("c1", &["1002"])]),
                    vec![redirect("c1", "1002")],
                ),
                (End("c1"), none()),
                (Popup("c1", HER, false), none()),
                (RedirectFailed("c1", 21_100), none()),
                (NextDeadline(None), none()),
            ],
        },
        Row {
            name: "the call's end was missed: gone from the cards at the deadline",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Tick(21_000, Vec::new()), none()),
                (NextDeadline(None), none()),
            ],
        },
        Row {
            name: "ring group: member 1003 answers, no recall",
            steps: vec![
                (Transfer("c1", "600", 1_000), none()),
                (Update(rings("c1", &["1002", "1003"])), none()),
                (Update(answered_by("c1", "1003")), none()),
                (NextDeadline(None), none()),
                (Tick(21_000, vec![answered_by("c1", "1003")]), none()),
            ],
        },
        Row {
            name: "ring group: nobody answers, recalled from the group",
            steps: vec![
                (Transfer("c1", "600", 1_000), none()),
                (Update(rings("c1", &["1002", "1003"])), none()),
                (
                    Tick(21_000, vec![rings("c1", &["1002", "1003"])]),
                    vec![redirect("c1", "600")],
                ),
                (Popup("c1", HER, false), vec![recalled("c1", "600")]),
            ],
        },
        Row {
            name: "a group ringing her too: her phone ringing before the deadline is no recall",
            steps: vec![
                (Transfer("c1", "600", 1_000), none()),
                (Update(rings("c1", &[HER, "1002"])), none()),
                (Popup("c1", HER, false), none()),
                (
                    Tick(21_000, vec![rings("c1", &[HER, "1002"])]),
                    vec![redirect("c1", "600")],
                ),
                (Update(rings("c1", &[HER])), vec![recalled("c1", "600")]),
            ],
        },
        Row {
            name: "after the redirect, a colleague's popup or her consultation is no recall",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (
                    Tick(21_000, vec![rings("c1", &["1002"])]),
                    vec![redirect("c1", "1002")],
                ),
                (Popup("c1", "1003", false), none()),
                (Popup("c1", HER, true), none()),
                (Popup("c1", HER, false), vec![recalled("c1", "1002")]),
            ],
        },
        Row {
            name: "reconnect before the deadline, still ringing: redirect at the original deadline",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Update(rings("c1", &["1002"])), none()),
                (Resync(vec![rings("c1", &["1002"])]), none()),
                (NextDeadline(Some(21_000)), none()),
                (Tick(20_000, vec![rings("c1", &["1002"])]), none()),
                (
                    Tick(21_000, vec![rings("c1", &["1002"])]),
                    vec![redirect("c1", "1002")],
                ),
                (Resync(vec![rings("c1", &["1002"])]), none()),
                (Tick(25_000, vec![rings("c1", &["1002"])]), none()),
            ],
        },
        Row {
            name: "reconnect after the redirect: no second one, recalled when it rings her",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (
                    Tick(21_000, vec![rings("c1", &["1002"])]),
                    vec![redirect("c1", "1002")],
                ),
                (Resync(vec![rings("c1", &["1002"])]), none()),
                (NextDeadline(None), none()),
                (Tick(40_000, vec![rings("c1", &["1002"])]), none()),
                (
                    Resync(vec![rings("c1", &[HER])]),
                    vec![recalled("c1", "1002")],
                ),
            ],
        },
        Row {
            name: "reconnect showing it was answered meanwhile: nothing",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Update(rings("c1", &["1002"])), none()),
                (Resync(vec![answered_by("c1", "1002")]), none()),
                (NextDeadline(None), none()),
                (Tick(21_000, vec![answered_by("c1", "1002")]), none()),
            ],
        },
        Row {
            name: "reconnect showing the call ended meanwhile: forgotten",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Resync(Vec::new()), none()),
                (NextDeadline(None), none()),
            ],
        },
        Row {
            name: "deadline passed while disconnected: one redirect, at the first tick after",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Update(rings("c1", &["1002"])), none()),
                (Resync(vec![rings("c1", &["1002"])]), none()),
                (
                    Tick(40_000, vec![rings("c1", &["1002"])]),
                    vec![redirect("c1", "1002")],
                ),
                (Tick(40_001, vec![rings("c1", &["1002"])]), none()),
            ],
        },
        Row {
            name: "a second transfer of the same call restarts the watch",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (
                    Tick(21_000, vec![rings("c1", &["1002"])]),
                    vec![redirect("c1", "1002")],
                ),
                (Popup("c1", HER, false), vec![recalled("c1", "1002")]),
                (Transfer("c1", "1003", 30_000), none()),
                (NextDeadline(Some(50_000)), none()),
                (Tick(49_999, vec![rings("c1", &["1003"])]), none()),
                (
                    Tick(50_000, vec![rings("c1", &["1003"])]),
                    vec![redirect("c1", "1003")],
                ),
            ],
        },
        Row {
            name: "a second transfer before the deadline replaces the first",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Transfer("c1", "1003", 10_000), none()),
                (Tick(21_000, vec![rings("c1", &["1003"])]), none()),
                (
                    Tick(30_000, vec![rings("c1", &["1003"])]),
                    vec![redirect("c1", "1003")],
                ),
            ],
        },
        Row {
            name: "who talked to the caller before the transfer is no answer; a new answer is",
            steps: vec![
                // 1003 had answered and sent the caller to her; she transfers it
                // while it rings her.
                (
                    TransferFrom(card("c1", &[HER], Some("1003")), "1002", 1_000),
                    none(),
                ),
                (Update(card("c1", &["1002"], Some("1003"))), none()),
                (
                    Tick(21_000, vec![card("c1", &["1002"], Some("1003"))]),
                    vec![redirect("c1", "1002")],
                ),
                (Popup("c1", HER, false), vec![recalled("c1", "1002")]),
                (
                    TransferFrom(card("c1", &[HER], Some("1003")), "1004", 30_000),
                    none(),
                ),
                (Update(card("c1", &[], Some("1004"))), none()),
                (NextDeadline(None), none()),
            ],
        },
        Row {
            name: "the PBX sent it back to her by itself: recalled without a redirect",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (Update(rings("c1", &["1002"])), none()),
                (
                    Tick(21_000, vec![rings("c1", &[HER])]),
                    vec![recalled("c1", "1002")],
                ),
                (NextDeadline(None), none()),
            ],
        },
        Row {
            name: "a colleague who answered and consults another is not ringing for the caller",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (
                    Tick(
                        21_000,
                        vec![CallCard {
                            consulting: Some(crate::tracker::Consultation {
                                by: HER.to_owned(),
                                to: "1005".to_owned(),
                                answered: false,
                            }),
                            ..rings("c1", &["1005"])
                        }],
                    ),
                    none(),
                ),
                (NextDeadline(None), none()),
            ],
        },
        Row {
            name: "a redirect that could not be sent is asked for once more, then given up",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (
                    Tick(21_000, vec![rings("c1", &["1002"])]),
                    vec![redirect("c1", "1002")],
                ),
                (RedirectFailed("c1", 21_100), none()),
                (NextDeadline(Some(21_100)), none()),
                (
                    Tick(21_100, vec![rings("c1", &["1002"])]),
                    vec![redirect("c1", "1002")],
                ),
                (RedirectFailed("c1", 21_200), vec![gave_up("c1", "1002")]),
                (NextDeadline(None), none()),
            ],
        },
        Row {
            name: "a redirect not sent while the colleague answered: not asked for again",
            steps: vec![
                (Transfer("c1", "1002", 1_000), none()),
                (
                    Tick(21_000, vec![rings("c1", &["1002"])]),
                    vec![redirect("c1", "1002")],
                ),
                (RedirectFailed("c1", 21_100), none()),
                (Tick(21_100, vec![answered_by("c1", "1002")]), none()),
                (NextDeadline(None), none()),
            ],
        },
        Row {
            name: "a failure report for a call with no redirect asked for changes nothing",
            steps: vec![
                (RedirectFailed("c9", 500), none()),
                (Transfer("c1", "1002", 1_000), none()),
                (RedirectFailed("c1", 1_500), none()),
                (NextDeadline(Some(21_000)), none()),
            ],
        },
        Row {
            name: "many calls at once are independent",
            steps: vec![
                (Transfer("c1", "1002", 0), none()),
                (Transfer("c2", "1003", 5_000), none()),
                (Transfer("c3", "600", 8_000), none()),
                (Transfer("c4", "1004", 0), none()),
                (NextDeadline(Some(20_000)), none()),
                (Update(answered_by("c2", "1003")), none()),
                (End("c3"), none()),
                (
                    Tick(
                        20_000,
                        vec![
                            rings("c1", &["1002"]),
                            answered_by("c2", "1003"),
                            rings("c4", &["1004"]),
                        ],
                    ),
                    vec![redirect("c1", "1002"), redirect("c4", "1004")],
                ),
                (NextDeadline(None), none()),
                (
                    Tick(
                        28_000,
                        vec![rings("c1", &["1002"]), answered_by("c2", "1003")],
                    ),
                    none(),
                ),
                (
                    Update(answered_by("c4", "1004")),
                    vec![answered("c4", "1004", "1004")],
                ),
                (Popup("c1", HER, false), vec![recalled("c1", "1002")]),
            ],
        },
        Row {
            name: "a transfer to herself is not watched",
            steps: vec![
                (Transfer("c1", HER, 1_000), none()),
                (NextDeadline(None), none()),
                (Tick(21_000, vec![rings("c1", &[HER])]), none()),
            ],
        },
    ]
}

#[test]
fn recall_table() {
    for row in table() {
        let mut recall = Recall::new(RecallConfig::default());
        for (step, (input, expected)) in row.steps.into_iter().enumerate() {
            let shown = format!("{input:?}");
            let got = run(&mut recall, input, row.name, step);
            assert_eq!(got, expected, "{}, step {step}: {shown}", row.name);
        }
    }
}

#[test]
fn every_watch_is_let_go_once_its_call_is_settled() {
    let mut recall = Recall::default();
    for (i, call) in ["c1", "c2", "c3", "c4"].into_iter().enumerate() {
        recall.transferred(&rings(call, &[]), HER, "1002", i as i64);
    }
    assert_eq!(recall.watching(), 4);
    recall.observe(&CardChange::Update {
        call: "c1".into(),
        card: answered_by("c1", "1002"),
        at_ms: 0,
    });
    recall.observe(&ended("c2"));
    recall.tick(&[rings("c3", &["1002"]), quiet("c4")], 30_000);
    assert_eq!(
        recall.watching(),
        2,
        "c3 is being recalled, c4 looked at once more"
    );
    recall.tick(&[rings("c3", &["1002"]), quiet("c4")], 30_000 + GRACE_MS);
    assert_eq!(recall.watching(), 1, "c4 let go at its second look");
    recall.observe(&popup("c3", HER, false));
    assert_eq!(recall.watching(), 0);
}

#[test]
fn the_wait_is_a_setting_in_seconds_defaulting_to_20() {
    assert_eq!(RecallConfig::default().after_ms, 20_000);
    assert_eq!(RecallConfig::after_secs(20), RecallConfig::default());
    let mut recall = Recall::new(RecallConfig::after_secs(5));
    recall.transferred(&rings("c1", &[]), HER, "1002", 1_000);
    assert_eq!(recall.next_deadline(), Some(6_000));
    assert_eq!(
        recall.tick(&[rings("c1", &["1002"])], 6_000),
        vec![redirect("c1", "1002")]
    );
}

#[test]
fn outputs_are_json_lines_tagged_by_type() {
    let line = |o: &RecallOutput| serde_json::to_string(o).expect("serializes");
    assert_eq!(
        line(&RecallOutput::Recalled {
            call: "1795444730.14".into(),
            from: "1002".into(),
            to: "1001".into(),
        }),
        r#"{"type":"recall","call":"1795444730.14","from":"1002","to":"1001"}"#
    );
    assert_eq!(
        line(&redirect("c1", "600")),
        r#"{"type":"redirect","call":"c1","from":"600","to":"1001"}"#
    );
    assert_eq!(
        line(&answered("c1", "600", "1003")),
        r#"{"type":"answered","call":"c1","from":"600","by":"1003"}"#
    );
    assert_eq!(
        line(&gave_up("c1", "1002")),
        r#"{"type":"gave_up","call":"c1","from":"1002","to":"1001"}"#
    );
    let back: RecallOutput =
        serde_json::from_str(r#"{"type":"recall","call":"c1","from":"1002","to":"1001"}"#)
            .expect("parses");
    assert_eq!(back, recalled("c1", "1002"));
}
