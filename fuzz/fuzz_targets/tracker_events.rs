//! The call tracker fed arbitrary event sequences built from a realistic
//! vocabulary: real event names (both dialects), real field names, channel
//! names of every technology Ringside meets (PJSIP, SIP, Local ;1/;2, DAHDI,
//! IAX2), a few Uniqueids that channels share and pass around as Linkedids,
//! contexts and extensions from the captures, and now and then a resync or a
//! banner. Each packet always names a channel and its ids, so most events
//! reach the tracker's real logic instead of being skipped.
//!
//! Checks, beyond "never panics":
//! - the tracker is a pure function: the same sequence gives the same changes
//!   (as a multiset, see below);
//! - every `Ended` carries the record of the call it ends;
//! - once every channel that ever appeared has hung up, no call and no
//!   channel is left in flight (a leak here grows without bound in a
//!   long-running app, and the UI would show a call that is over).
#![no_main]

use std::collections::BTreeSet;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ringside_calls::tracker::{CallTracker, CardChange, TrackerConfig};
use ringside_ami::Packet;

const EVENTS: &[&str] = &[
    "Newchannel", "Newstate", "Newexten", "NewCallerid", "DialBegin", "DialEnd", "Dial", "BridgeEnter",
    "BridgeLeave", "Bridge", "Link", "Unlink", "LocalBridge", "Hangup", "Rename", "BlindTransfer",
    "AttendedTransfer", "Transfer", "QueueCallerJoin", "QueueCallerAbandon", "QueueCallerLeave", "Join",
    "Leave", "VarSet", "Cdr", "DialState", "HangupRequest", "SoftHangupRequest", "BridgeCreate",
    "BridgeDestroy", "DeviceStateChange", "NewConnectedLine", "ExtensionStatus", "Masquerade", "Hold",
    "Unhold", "AgentCalled", "AgentConnect", "CoreShowChannel", "Status", "PeerStatus", "newstate", "HANGUP",
];

const CHANNELS: &[&str] = &[
    "PJSIP/1001-0000000", "PJSIP/carrier-0000002", "Local/600@internal-0000000a;1", "Local/600@internal-0000000a;2",
    "SIP/1002-000079d", "DAHDI/i1/5550100-1", "PJSIP/1003-0000003", "IAX2/trunk-1234", "SIP/trunk-test1-00000",
    "Local/1002@from-internal-00000001;2", "PJSIP/1004-0000004", "Parked/PJSIP/1001-0000000",
];

const KEYS: &[&str] = &[
    "Channel", "Uniqueid", "Linkedid", "ChannelState", "ChannelStateDesc", "CallerIDNum", "CallerIDName",
    "ConnectedLineNum", "ConnectedLineName", "Context", "Exten", "Priority", "DestChannel", "DestUniqueid",
    "DestLinkedid", "DestCallerIDNum", "DestCallerIDName", "DestContext", "DestExten", "DestChannelState",
    "DialString", "Dialstring", "DialStatus", "SubEvent", "Destination", "UniqueID", "DestUniqueID", "SrcUniqueID",
    "BridgeUniqueid", "BridgeType", "Bridgestate", "Channel1", "Channel2", "Uniqueid1", "Uniqueid2", "Cause",
    "Cause-txt", "Newname", "Oldname", "TransfererChannel", "TransfererUniqueid", "TransfereeChannel",
    "TransfereeUniqueid", "TransferTargetChannel", "TransferTargetUniqueid", "Extension", "IsExternal", "Result",
    "DestType", "DestBridgeUniqueid", "OrigTransfererChannel", "OrigTransfererUniqueid", "SecondTransfererChannel",
    "SecondTransfererUniqueid", "TransferExten", "TransferContext", "TargetChannel", "TargetUniqueid",
    "TransferType", "Queue", "Position", "Count", "LocalOneChannel", "LocalTwoChannel", "LocalOneUniqueid",
    "LocalTwoUniqueid", "Variable", "Value", "Application", "AppData", "Event", "Timestamp",
];

const VALUES: &[&str] = &[
    "", "<unknown>", "1001", "1002", "1003", "600", "support", "+15550001", "5550100", "0015550001", "s", "h",
    "from-trunk", "internal", "from-internal", "DLPN_DialPlan1001", "macro-dial", "ANSWER", "NOANSWER", "BUSY",
    "CANCEL", "CHANUNAVAIL", "Begin", "End", "Link", "Unlink", "0", "4", "5", "6", "16", "17", "19", "21", "26",
    "127", "Up", "Ring", "Ringing", "Down", "Success", "Fail", "Bridge", "App", "Link", "Yes", "No", "basic",
    "simple_bridge", "PJSIP/1002", "1002@internal", "Caller 1", "<script>alert(1)</script>", "\u{202e}evil",
    "b-1", "b-2", "b-3", "1795445061.52", "Reception", "Alice Front Desk",
];

#[derive(Debug, Arbitrary)]
enum Op {
    /// One event on channel slot `slot`, linked to slot `linked`, with extra fields.
    Event { name: u8, slot: u8, linked: u8, extra: Vec<(u8, u8, u8)> },
    /// A new channel takes this slot (a fresh Uniqueid).
    NewChannel { slot: u8 },
    /// A reconnect's resync from CoreShowChannels listing these slots.
    Resync { slots: Vec<(u8, u8, u8)> },
    /// The banner of a (re)connection: AMI 1.x or 2+.
    Banner { old: bool },
}

#[derive(Debug, Arbitrary)]
struct Input {
    watched: Vec<u8>,
    ops: Vec<Op>,
}

struct World {
    gens: [u32; 8],
    used: BTreeSet<(usize, String)>,
}

impl World {
    fn chan(&self, slot: u8) -> (usize, String, String) {
        let s = usize::from(slot) % self.gens.len();
        let g = self.gens[s];
        let name = format!("{}{}", CHANNELS[(s + g as usize) % CHANNELS.len()], g % 10);
        (s, name, format!("17000000{s}{g:02}.{}", s * 100 + g as usize))
    }

    fn value(&mut self, key: &str, pick: u8, slot: u8) -> String {
        let lk = key.to_ascii_lowercase();
        if lk.contains("channel") || lk == "destination" || lk == "newname" || lk == "oldname" {
            let (s, name, uid) = self.chan(slot);
            self.used.insert((s, uid));
            name
        } else if lk.contains("uniqueid") || lk.contains("linkedid") {
            let (s, _, uid) = self.chan(slot);
            self.used.insert((s, uid.clone()));
            uid
        } else {
            VALUES[usize::from(pick) % VALUES.len()].to_owned()
        }
    }

    fn event(&mut self, name: &str, slot: u8, linked: u8, extra: &[(u8, u8, u8)]) -> Packet {
        let (s, ch, uid) = self.chan(slot);
        self.used.insert((s, uid.clone()));
        let (_, _, luid) = self.chan(linked);
        let mut p = Packet::new().with("Event", name).with("Channel", ch).with("Uniqueid", uid).with("Linkedid", luid);
        for &(k, v, sl) in extra.iter().take(12) {
            let key = KEYS[usize::from(k) % KEYS.len()];
            let val = self.value(key, v, sl);
            p.push(key, val);
        }
        p
    }
}

/// A packet as a JSON array of [key, value] pairs (for RINGSIDE_FUZZ_DUMP).
fn json_fields(p: &Packet) -> String {
    let esc = |s: &str| {
        let mut o = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => o.push_str("\\\""),
                '\\' => o.push_str("\\\\"),
                c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
                c => o.push(c),
            }
        }
        o.push('"');
        o
    };
    let pairs: Vec<String> = p.fields().map(|(k, v)| format!("[{},{}]", esc(k), esc(v))).collect();
    format!("[{}]", pairs.join(","))
}

fn run(input: &Input) -> (Vec<CardChange>, usize, usize, Vec<String>) {
    let exts = ["1001", "1002", "1003", "600", "support"];
    let watched: Vec<String> = input.watched.iter().take(3).map(|w| exts[usize::from(*w) % exts.len()].to_owned()).collect();
    let t_watched = watched.clone();
    let mut t = CallTracker::new(TrackerConfig { trunks: vec!["carrier".into()], ..TrackerConfig::watching(watched) });
    let mut w = World { gens: [0; 8], used: BTreeSet::new() };
    let mut out = Vec::new();
    let mut clock = 1_795_445_061_000i64;
    // RINGSIDE_FUZZ_DUMP=1 prints every packet applied, to turn a crash
    // input into a readable regression test.
    let dump = std::env::var_os("RINGSIDE_FUZZ_DUMP").is_some();
    if dump {
        eprintln!("{{\"op\":\"watch\",\"exts\":{:?}}}", t_watched);
    }
    for op in input.ops.iter().take(200) {
        clock += 7;
        match op {
            Op::Event { name, slot, linked, extra } => {
                let p = w.event(EVENTS[usize::from(*name) % EVENTS.len()], *slot, *linked, extra);
                if dump {
                    eprintln!("{{\"op\":\"apply\",\"at\":{clock},\"fields\":{}}}", json_fields(&p));
                }
                t.apply_into(&p, clock, &mut out);
            }
            Op::NewChannel { slot } => {
                let s = usize::from(*slot) % w.gens.len();
                w.gens[s] += 1;
            }
            Op::Resync { slots } => {
                let list: Vec<Packet> = slots
                    .iter()
                    .take(8)
                    .map(|(s, l, v)| w.event("CoreShowChannel", *s, *l, &[(5, *v, 0), (9, *v, 0), (10, *v, 0), (3, *v, 0)]))
                    .collect();
                if dump {
                    eprintln!("{{\"op\":\"resync\",\"at\":{clock},\"list\":[{}]}}", list.iter().map(json_fields).collect::<Vec<_>>().join(","));
                }
                out.extend(t.resync(&list, clock));
            }
            Op::Banner { old } => {
                if dump {
                    eprintln!("{{\"op\":\"banner\",\"old\":{old}}}");
                }
                t.observe_banner(if *old { "1.3" } else { "12.0.0" })
            }
        }
        let _ = t.cards();
    }
    // Every channel that ever appeared hangs up.
    let used: Vec<(usize, String)> = w.used.iter().cloned().collect();
    for (s, uid) in &used {
        clock += 7;
        let name = format!("{}0", CHANNELS[*s % CHANNELS.len()]);
        let p = Packet::new().with("Event", "Hangup").with("Channel", name).with("Uniqueid", uid.as_str()).with("Cause", "16");
        if dump {
            eprintln!("{{\"op\":\"apply\",\"at\":{clock},\"fields\":{}}}", json_fields(&p));
        }
        t.apply_into(&p, clock, &mut out);
    }
    let live_cards: Vec<String> = t.cards().into_iter().map(|c| c.call).collect();
    (out, t.live_calls(), t.live_channels(), live_cards)
}

fuzz_target!(|input: Input| {
    let (changes, live_calls, live_channels, live_cards) = run(&input);
    let (again, ..) = run(&input);
    // Compared as multisets: the order of the calls one resync ends is
    // HashMap order today (a known bug with its own regression test,
    // crates/matrix-tests/tests/matrix/fuzz_regressions.rs); comparing in
    // order would stop every run there instead of finding something new.
    let canon = |v: &[CardChange]| {
        let mut s: Vec<String> = v.iter().map(|c| format!("{c:?}")).collect();
        s.sort();
        s
    };
    assert_eq!(canon(&changes), canon(&again), "the tracker must be a pure function of its input");
    for c in &changes {
        if let CardChange::Ended { call, record, .. } = c {
            assert_eq!(&record.call_id, call, "an Ended change must carry the record of the call it ends");
        }
    }
    assert_eq!(live_channels, 0, "every channel hung up, so none may still be tracked");
    assert_eq!(live_calls, 0, "every channel hung up, so no call may still be in flight: {live_cards:?}");
});
