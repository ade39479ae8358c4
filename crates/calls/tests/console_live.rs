//! The attendant console in the one live loop (`live::follow`), against a
//! scripted AMI peer that holds what the simulated PBX cannot list yet
//! (parked calls, queue callers and members, mailboxes), in both dialects'
//! framing: the panels are whole when `Connected` is announced, read at the
//! same time as the calls; they are kept live from events afterwards; a
//! listing the PBX refuses leaves its panel as it was while the rest works.

mod support;

use std::time::Instant;

use ringside_ami::Packet;
use ringside_calls::console::{ParkChange, ParkOutcome, QueueChange, QueueOutcome};
use ringside_calls::live::{mailbox_counts, Live, LiveModel, LiveUpdate};
use ringside_calls::{CallTracker, Console, ConsoleChange, TrackerConfig, VoicemailChange};
use support::feed::{following, Updates};
use support::listing_pbx::{Book, ListingPbx};

const PARKED: usize = 50;
const WAITING: usize = 200;
const AGENTS: usize = 50;

fn ev(pairs: &[(&str, &str)]) -> Packet {
    pairs.iter().fold(Packet::new(), |p, (k, v)| p.with(*k, *v))
}

/// Parked call `n` as a `ParkedCalls` listing gives it: space `701 + n`.
fn parked_item(old: bool, n: usize) -> Packet {
    let (space, num) = ((701 + n).to_string(), format!("+1555000{n:04}"));
    let name = format!("Parked {n}");
    if old {
        // features.c: no Uniqueid, the bare channel, `From` the parker.
        return ev(&[
            ("Event", "ParkedCall"),
            ("Parkinglot", "default"),
            ("Exten", &space),
            ("Channel", &format!("SIP/carrier-{n:08x}")),
            ("From", "SIP/1001-0000000c"),
            ("Timeout", "15"),
            ("Duration", "30"),
            ("CallerIDNum", &num),
            ("CallerIDName", &name),
            ("ConnectedLineNum", ""),
            ("ConnectedLineName", ""),
        ]);
    }
    let uid = format!("500.{n}");
    ev(&[
        ("Event", "ParkedCall"),
        ("ParkeeChannel", &format!("PJSIP/carrier-{n:08x}")),
        ("ParkeeChannelState", "6"),
        ("ParkeeCallerIDNum", &num),
        ("ParkeeCallerIDName", &name),
        ("ParkeeUniqueid", &uid),
        ("ParkeeLinkedid", &uid),
        ("ParkerDialString", "PJSIP/1001"),
        ("Parkinglot", "default"),
        ("ParkingSpace", &space),
        ("ParkingTimeout", "15"),
        ("ParkingDuration", "30"),
    ])
}

/// Queue `sales` as `QueueStatus` lists it: `AGENTS` members, `WAITING`
/// callers (the first has waited longest).
fn queue_status(old: bool) -> Vec<Packet> {
    let tech = if old { "SIP" } else { "PJSIP" };
    let mut items = vec![ev(&[
        ("Event", "QueueParams"),
        ("Queue", "sales"),
        ("Max", "0"),
        ("Strategy", "ringall"),
        ("Calls", &WAITING.to_string()),
    ])];
    for i in 0..AGENTS {
        let location = format!("{tech}/2{i:03}");
        items.push(ev(&[
            ("Event", "QueueMember"),
            ("Queue", "sales"),
            ("Name", &format!("Agent {i}")),
            ("Location", &location),
            ("StateInterface", &location),
            ("Membership", "static"),
            ("Penalty", "0"),
            ("CallsTaken", "0"),
            ("Status", "1"),
            ("Paused", if i == 0 { "1" } else { "0" }),
        ]));
    }
    for i in 0..WAITING {
        items.push(ev(&[
            ("Event", "QueueEntry"),
            ("Queue", "sales"),
            ("Position", &(i + 1).to_string()),
            ("Channel", &format!("{tech}/carrier-1{i:07x}")),
            ("Uniqueid", &format!("600.{i}")),
            ("CallerIDNum", &format!("+1201555{i:04}")),
            ("CallerIDName", "unknown"),
            ("ConnectedLineNum", "unknown"),
            ("ConnectedLineName", "unknown"),
            ("Wait", &(1_000 - i).to_string()),
        ]));
    }
    items
}

fn book(old: bool) -> Book {
    Book {
        old,
        phones: vec!["1001".into(), "1002".into(), "1003".into()],
        parked: (0..PARKED).map(|n| parked_item(old, n)).collect(),
        queue_status: queue_status(old),
        queue_summary: vec![ev(&[
            ("Event", "QueueSummary"),
            ("Queue", "sales"),
            ("LoggedIn", &AGENTS.to_string()),
            ("Available", &(AGENTS - 1).to_string()),
            ("Callers", &WAITING.to_string()),
            ("HoldTime", "0"),
            ("TalkTime", "0"),
            ("LongestHoldTime", "1000"),
        ])],
        mailboxes: vec![("1002".into(), 2, 5)],
        refuse: Vec::new(),
        // Answered only once the console's listings were asked too: read
        // one after the other, the resync would never finish.
        calls_wait_for: vec!["parkedcalls", "queuestatus", "queuesummary"],
    }
}

fn live() -> tokio::sync::Mutex<Live> {
    tokio::sync::Mutex::new(Live::new(CallTracker::new(TrackerConfig::watching([
        "1001",
    ]))))
}

fn is_connected(u: &LiveUpdate) -> bool {
    matches!(u, LiveUpdate::Connected(_))
}

fn park(u: &LiveUpdate) -> Option<&ParkChange> {
    match u {
        LiveUpdate::Console(ConsoleChange::Park(p)) => Some(p),
        _ => None,
    }
}

fn queue(u: &LiveUpdate) -> Option<&QueueChange> {
    match u {
        LiveUpdate::Console(ConsoleChange::Queue(q)) => Some(q),
        _ => None,
    }
}

fn voicemail(u: &LiveUpdate) -> Option<(&str, u32, u32)> {
    match u {
        LiveUpdate::Console(ConsoleChange::Voicemail(VoicemailChange::Voicemail {
            extension,
            new,
            old,
        })) => Some((extension.as_str(), *new, *old)),
        _ => None,
    }
}

/// The live events that end the first parked call (space 701) and the
/// first caller's wait (abandoned), and change 1002's voicemail.
fn live_events(old: bool) -> Vec<Packet> {
    let unparked = if old {
        ev(&[
            ("Event", "UnParkedCall"),
            ("Parkinglot", "default"),
            ("Exten", "701"),
            ("Channel", "SIP/carrier-00000000"),
            ("From", "SIP/1003-00000012"),
            ("CallerIDNum", "+15550000000"),
        ])
    } else {
        ev(&[
            ("Event", "UnParkedCall"),
            ("ParkeeChannel", "PJSIP/carrier-00000000"),
            ("ParkeeUniqueid", "500.0"),
            ("ParkeeLinkedid", "500.0"),
            ("ParkerDialString", "PJSIP/1001"),
            ("Parkinglot", "default"),
            ("ParkingSpace", "701"),
            ("RetrieverChannel", "PJSIP/1003-00000012"),
        ])
    };
    let (leave, tech) = if old {
        ("Leave", "SIP")
    } else {
        ("QueueCallerLeave", "PJSIP")
    };
    let caller = [
        ("Queue", "sales"),
        ("Uniqueid", "600.0"),
        ("Channel", &format!("{tech}/carrier-10000000") as &str),
        ("Position", "1"),
    ];
    let with = |event: &str| {
        let mut p = ev(&[("Event", event)]);
        for (k, v) in caller {
            p.push(k, v);
        }
        p
    };
    vec![
        unparked,
        with("QueueCallerAbandon"),
        with(leave),
        ev(&[
            ("Event", "MessageWaiting"),
            ("Mailbox", "1002@default"),
            ("Waiting", "1"),
            ("New", "3"),
            ("Old", "5"),
        ]),
    ]
}

/// Until `Connected`: the panels must be whole by then.
async fn connected_with_whole_panels(
    old: bool,
    updates: &mut Updates,
    live: &tokio::sync::Mutex<Live>,
) {
    let started = Instant::now();
    updates.until("Connected", is_connected).await;
    eprintln!(
        "{}: {PARKED} parked calls, {WAITING} callers and {AGENTS} agents read and applied {} ms after the session was up",
        if old { "AMI 1.1" } else { "AMI 2" },
        started.elapsed().as_millis()
    );
    let parked = updates.count(|u| matches!(park(u), Some(ParkChange::Parked { .. })));
    let joins = updates.count(|u| matches!(queue(u), Some(QueueChange::QueueJoin { .. })));
    assert_eq!(parked, PARKED, "each parked call reported before Connected");
    assert_eq!(
        joins, WAITING,
        "each waiting caller reported before Connected"
    );
    let mut l = live.lock().await;
    let console = l.parts().console;
    let spaces: Vec<&str> = console.parked.calls().map(|c| c.slot.as_str()).collect();
    assert_eq!(spaces.len(), PARKED);
    assert_eq!((spaces[0], spaces[PARKED - 1]), ("701", "750"));
    let first = console
        .parked
        .get(Some("default"), "701")
        .expect("space 701");
    assert_eq!(first.parked_by.as_deref(), Some("1001"), "{first:?}");
    assert_eq!(first.caller_num, "+15550000000");
    let sales = console.queues.get("sales").expect("queue sales listed");
    assert_eq!(sales.callers.len(), WAITING);
    assert_eq!(sales.members.len(), AGENTS);
    assert!(sales.members[0].paused, "the paused agent");
    assert_eq!(sales.callers[0].uniqueid, "600.0", "first in line");
    assert_eq!(sales.longest_wait().map(|c| c.position), Some(1));
    assert_eq!(
        sales.summary.map(|s| (s.logged_in, s.callers)),
        Some((AGENTS as u32, WAITING as u32)),
        "QueueSummary's totals"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panels_are_whole_at_connect_and_kept_live_in_both_dialects() {
    for old in [false, true] {
        let peer = &ListingPbx::start(book(old)).await;
        let live = &live();
        following(&peer.client, live, |mut updates| async move {
            connected_with_whole_panels(old, &mut updates, live).await;
            // The voicemail counts come after Connected, on a task of their own.
            let count = updates
                .until("1002's voicemail count", |u| {
                    voicemail(u).is_some_and(|(ext, ..)| ext == "1002")
                })
                .await;
            assert_eq!(voicemail(&count), Some(("1002", 2, 5)));

            for p in live_events(old) {
                peer.send(p);
            }
            let end = updates
                .until("the park's end", |u| {
                    matches!(park(u), Some(ParkChange::ParkEnd { .. }))
                })
                .await;
            assert!(
                matches!(park(&end), Some(ParkChange::ParkEnd { slot, end: ParkOutcome::Retrieved, retrieved_by, .. })
                    if slot == "701" && retrieved_by.as_deref() == Some("1003")),
                "{end:?}"
            );
            let left = updates
                .until("the first caller's leave", |u| {
                    matches!(queue(u), Some(QueueChange::QueueLeave { .. }))
                })
                .await;
            assert!(
                matches!(queue(&left), Some(QueueChange::QueueLeave { end: QueueOutcome::Abandoned, caller_num, .. })
                    if caller_num == "+12015550000"),
                "{left:?}"
            );
            let changed = updates
                .until("1002's new message", |u| {
                    voicemail(u).is_some_and(|(ext, new, _)| ext == "1002" && new != 2)
                })
                .await;
            assert_eq!(voicemail(&changed), Some(("1002", 3, 5)));
            let mut l = live.lock().await;
            let console = l.parts().console;
            assert_eq!(console.parked.calls().count(), PARKED - 1);
            let sales = console.queues.get("sales").expect("sales");
            assert_eq!(sales.callers.len(), WAITING - 1);
            assert_eq!(
                (sales.callers[0].uniqueid.as_str(), sales.callers[0].position),
                ("600.1", 1),
                "everyone moved up one"
            );
        })
        .await;
        let mut asked: Vec<String> = peer
            .received()
            .iter()
            .filter(|p| p.is("Action", "MailboxCount"))
            .filter_map(|p| p.get("Mailbox").map(str::to_owned))
            .collect();
        asked.sort();
        assert_eq!(
            asked,
            ["1001", "1002", "1003"],
            "each colleague on the board"
        );
        peer.client.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_listing_leaves_its_panel_as_it_was_and_the_rest_works() {
    for old in [false, true] {
        let mut refusing = book(old);
        refusing.refuse = vec!["parkedcalls"];
        let peer = &ListingPbx::start(refusing).await;
        let live = &live();
        // A call parked before (seen live, in an earlier session).
        let before = parked_item(old, 7);
        {
            let mut l = live.lock().await;
            let parts = l.parts();
            let parked = parts.console.parked.apply_with(&before, 0, &*parts.tracker);
            assert_eq!(parked.len(), 1);
        }
        following(&peer.client, live, |mut updates| async move {
            updates.until("Connected", is_connected).await;
            assert_eq!(
                updates.count(|u| matches!(u, LiveUpdate::ResyncFailed(_))),
                0,
                "a console listing refused is no failed resync: {:?}",
                updates.seen
            );
            assert_eq!(
                updates.count(|u| park(u).is_some()),
                0,
                "no parked line: the listing was refused"
            );
            let mut l = live.lock().await;
            let console = l.parts().console;
            let spaces: Vec<&str> = console.parked.calls().map(|c| c.slot.as_str()).collect();
            assert_eq!(spaces, ["708"], "the panel stays as it was");
            assert_eq!(
                console.queues.get("sales").map(|q| q.callers.len()),
                Some(WAITING),
                "the queues were still read"
            );
        })
        .await;
        peer.client.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mailboxes_are_counted_each_once_and_a_refusing_pbx_is_asked_once() {
    let phones: Vec<String> = (1000..1020).map(|e: u32| e.to_string()).collect();
    for refuse in [false, true] {
        let mut b = book(false);
        if refuse {
            b.refuse = vec!["mailboxcount"];
        }
        let peer = ListingPbx::start(b).await;
        let answers = mailbox_counts(&peer.client, &phones).await;
        let asked = peer
            .received()
            .iter()
            .filter(|p| p.is("Action", "MailboxCount"))
            .count();
        if refuse {
            assert_eq!((answers.len(), asked), (0, 1), "refused: asked once");
        } else {
            assert_eq!((answers.len(), asked), (20, 20), "each phone once");
            let mut console = Console::new();
            let counts = console.mailbox_counts(&answers, 0);
            assert_eq!(counts.len(), 20, "each count first learnt");
            assert_eq!(
                console.voicemail.get("1002").map(|m| (m.new, m.old)),
                Some((2, 5))
            );
        }
        peer.client.shutdown().await;
    }
}
