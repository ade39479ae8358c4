//! A desk's cards on the wire: the gateway's record of each view's live
//! calls (published retained on `view/{…}/live`), and the desk's side,
//! which prints each card line once and in its call's order, whether it
//! came live on `view/{…}/cards` or from the retained snapshot when the
//! desk joined mid-call.
//!
//! The snapshot holds, for each call still live, the very lines the cards
//! topic carried for it, in order. Each line on the cards topic carries its
//! place among its call's lines (the MQTT 5 user property [`LINE_PROPERTY`],
//! 0 for the first). A desk that missed one (it subscribed a moment after
//! the line went out, or the broker dropped it, QoS 0) holds the later ones
//! until the next snapshot brings it: the gateway publishes a line before
//! the snapshot that holds it (one connection, so the broker keeps that
//! order), and a snapshot follows every change within [`SNAPSHOT_EVERY`].

use std::collections::BTreeMap;

use rumqttc::v5::mqttbytes::v5::PublishProperties;
use serde::{Deserialize, Serialize};

/// The retained snapshot's payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSnapshot {
    /// Each live call with its lines so far.
    pub calls: Vec<LiveCall>,
    /// The gateway run it comes from: when that gateway started (Unix ms,
    /// the `since_ms` of its `online` status). A desk that sees a new run
    /// closes the calls it shows that the new run does not list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_ms: Option<i64>,
}

/// One live call in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveCall {
    /// The call id.
    pub call: String,
    /// Its card lines, as the cards topic carried them.
    pub lines: Vec<String>,
}

/// The gateway's record of one desk's live calls.
#[derive(Debug, Default)]
pub struct LiveCards {
    calls: BTreeMap<String, Vec<String>>,
}

/// The MQTT 5 user property of a line on a view's cards topic: its place
/// among its call's lines, 0 for the first.
pub const LINE_PROPERTY: &str = "line";

/// The place a line on a view's cards topic carries ([`LINE_PROPERTY`]).
pub fn line_place(properties: Option<&PublishProperties>) -> Option<usize> {
    properties?
        .user_properties
        .iter()
        .find(|(k, _)| k == LINE_PROPERTY)?
        .1
        .parse()
        .ok()
}

/// The properties of a line at `place` among its call's lines.
pub fn line_properties(place: usize) -> PublishProperties {
    PublishProperties {
        user_properties: vec![(LINE_PROPERTY.to_owned(), place.to_string())],
        ..PublishProperties::default()
    }
}

impl LiveCards {
    /// Records a card line of `call`; `ended` (a `call_end`) forgets it.
    /// Its place among the call's lines, 0 for the first.
    pub fn record(&mut self, call: &str, line: &str, ended: bool) -> usize {
        if ended {
            self.calls.remove(call).map_or(0, |lines| lines.len())
        } else {
            let lines = self.calls.entry(call.to_owned()).or_default();
            lines.push(line.to_owned());
            lines.len() - 1
        }
    }

    /// The snapshot's JSON, from the gateway run started at `since_ms`.
    pub fn snapshot(&self, since_ms: i64) -> String {
        let snap = LiveSnapshot {
            since_ms: Some(since_ms),
            calls: self
                .calls
                .iter()
                .map(|(call, lines)| LiveCall {
                    call: call.clone(),
                    lines: lines.clone(),
                })
                .collect(),
        };
        serde_json::to_string(&snap).unwrap_or_else(|_| "{\"calls\":[]}".to_owned())
    }
}

/// The gateway's record of every view's live calls, and which views'
/// retained snapshots are behind their lines.
///
/// A snapshot is for a desk that joins mid-call; a desk that is connected
/// gets every line live. So the gateway does not publish one per line
/// (with a busy extension that was a snapshot of every live call's lines
/// for every line, about 95 % of the bytes through the broker, and a queue
/// that grew without bound once the broker fell behind), but every
/// [`SNAPSHOT_EVERY`] for the views whose calls changed. A desk that joins
/// between a line and its view's next snapshot gets the older snapshot,
/// then the line in the next one: later, never lost, never twice.
#[derive(Debug, Default)]
pub struct DeskSnapshots {
    live: BTreeMap<String, LiveCards>,
    behind: std::collections::BTreeSet<String>,
    /// The gateway run's start (Unix ms), stamped on every snapshot.
    since_ms: i64,
}

/// How often the desks' retained snapshots are brought up to date.
pub const SNAPSHOT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

impl DeskSnapshots {
    /// No calls yet, for the gateway run started at `since_ms`.
    pub fn new(since_ms: i64) -> Self {
        Self {
            since_ms,
            ..Self::default()
        }
    }

    /// Marks `key`'s snapshot behind, calls or none: the gateway read the
    /// calls from the PBX, and the snapshots say what it found.
    pub fn touch(&mut self, key: &str) {
        self.behind.insert(key.to_owned());
    }

    /// Records a card line of `key`'s `call` (`ended`: its `call_end`);
    /// the snapshot is behind until [`Self::take_behind`]. The line's place
    /// among its call's lines ([`LINE_PROPERTY`]).
    pub fn record(&mut self, key: &str, call: &str, line: &str, ended: bool) -> usize {
        let at = self
            .live
            .entry(key.to_owned())
            .or_default()
            .record(call, line, ended);
        self.behind.insert(key.to_owned());
        at
    }

    /// The snapshots that are behind, by desk user, now up to date.
    pub fn take_behind(&mut self) -> Vec<(String, String)> {
        let behind = std::mem::take(&mut self.behind);
        behind
            .into_iter()
            .map(|user| {
                let snapshot = self.snapshot(&user);
                (user, snapshot)
            })
            .collect()
    }

    /// `user`'s snapshot (an empty one for a desk without calls).
    pub fn snapshot(&self, user: &str) -> String {
        self.live.get(user).map_or_else(
            || LiveCards::default().snapshot(self.since_ms),
            |c| c.snapshot(self.since_ms),
        )
    }
}

/// The desk's side: which of a call's lines it printed, and which gateway
/// run it last heard from.
///
/// When the gateway comes back (a restart, a `kill -9`), its first
/// snapshots come from a new run, published once it read the calls from
/// the PBX. A call the desk shows that the new run does not list ended
/// while the gateway was away: the desk prints an `ended_offline` line
/// for it ([`ringside_calls::lines::ended_offline`]). A call both list
/// keeps its card: the new run's lines for it are not printed again (no
/// second popup).
#[derive(Debug, Default)]
pub struct DeskFeed {
    printed: BTreeMap<String, Printed>,
    run: Option<i64>,
}

/// One live call at a desk: how many of its lines were printed, and the
/// later ones that came before a line missed (by their place).
#[derive(Debug, Default)]
struct Printed {
    count: usize,
    held: BTreeMap<usize, String>,
}

impl Printed {
    /// The held lines that follow the printed ones without a gap, now
    /// printed (those a snapshot already printed are dropped).
    fn release(&mut self, out: &mut Vec<String>) {
        self.held = self.held.split_off(&self.count);
        while let Some(line) = self.held.remove(&self.count) {
            out.push(line);
            self.count += 1;
        }
    }
}

impl DeskFeed {
    /// A line from the cards topic, with its place among its call's lines
    /// ([`LINE_PROPERTY`], when the gateway gave it): the lines to print
    /// now. A line already printed is not printed again; one that comes
    /// after a line missed is held until the next snapshot brings the
    /// missing one. A `call_end` prints what is held and forgets the call
    /// (an ended call leaves the snapshots). Any other line is printed as
    /// it comes.
    pub fn on_line(&mut self, line: &str, at: Option<usize>) -> Vec<String> {
        let Some((call, ended)) = card_of(line) else {
            return vec![line.to_owned()];
        };
        if ended {
            let mut out: Vec<String> = self
                .printed
                .remove(&call)
                .map(|p| p.held.into_values().collect())
                .unwrap_or_default();
            out.push(line.to_owned());
            return out;
        }
        let p = self.printed.entry(call).or_default();
        let Some(at) = at else {
            p.count += 1;
            return vec![line.to_owned()];
        };
        if at < p.count {
            return Vec::new();
        }
        p.held.insert(at, line.to_owned());
        let mut out = Vec::new();
        p.release(&mut out);
        out
    }

    /// The gateway said it is online, for its run started at `since_ms`
    /// (its status's `since_ms`, which its snapshots carry too). A desk
    /// that has not had a snapshot yet (the gateway went away before its
    /// first one reached the desk) still knows which run its calls came
    /// from, so the next run's first snapshot closes those that ended
    /// meanwhile. A run the desk already knows is kept: a new run's status
    /// may come before its first snapshot, which must still look new.
    pub fn on_gateway(&mut self, since_ms: i64) {
        self.run.get_or_insert(since_ms);
    }

    /// A snapshot from the live topic: the lines not printed yet, and for
    /// a new gateway run the `ended_offline` lines of the calls it lost.
    pub fn on_snapshot(&mut self, payload: &[u8]) -> Vec<String> {
        let Ok(snap) = serde_json::from_slice::<LiveSnapshot>(payload) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let new_run = snap.since_ms.is_some() && self.run.is_some() && snap.since_ms != self.run;
        if snap.since_ms.is_some() {
            self.run = snap.since_ms;
        }
        if new_run {
            out = self.new_run(&snap);
        }
        for c in snap.calls {
            let p = self.printed.entry(c.call).or_default();
            if c.lines.len() > p.count {
                out.extend(c.lines[p.count..].iter().cloned());
                p.count = c.lines.len();
            }
            p.release(&mut out);
        }
        out
    }
}

impl DeskFeed {
    /// A snapshot of a new gateway run: closes the calls it does not list,
    /// and takes the lines it lists for the others as printed.
    fn new_run(&mut self, snap: &LiveSnapshot) -> Vec<String> {
        let listed: BTreeMap<&str, usize> = snap
            .calls
            .iter()
            .map(|c| (c.call.as_str(), c.lines.len()))
            .collect();
        let at_ms = ringside_calls::clock::now_ms();
        let mut out = Vec::new();
        self.printed
            .retain(|call, p| match listed.get(call.as_str()) {
                Some(&n) => {
                    // The new run's lines are numbered afresh.
                    *p = Printed {
                        count: n,
                        held: BTreeMap::new(),
                    };
                    true
                }
                None => {
                    out.push(ringside_calls::lines::ended_offline(call, at_ms));
                    false
                }
            });
        out
    }
}

/// The call id of a card line, and whether it is the call's end; `None`
/// for a line that is not a card's.
fn card_of(line: &str) -> Option<(String, bool)> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let kind = v.get("type")?.as_str()?;
    if !matches!(kind, "popup" | "update" | "close" | "call_end") {
        return None;
    }
    Some((v.get("call")?.as_str()?.to_owned(), kind == "call_end"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const POPUP: &str = r#"{"type":"popup","call":"c1","extension":"1001"}"#;
    const UPDATE: &str = r#"{"type":"update","call":"c1"}"#;
    const END: &str = r#"{"type":"call_end","call":"c1"}"#;

    #[test]
    fn a_desk_joining_mid_call_prints_each_line_once() {
        let mut gw = LiveCards::default();
        gw.record("c1", POPUP, false);
        // The desk joins: the retained snapshot has the popup.
        let mut desk = DeskFeed::default();
        assert_eq!(desk.on_snapshot(gw.snapshot(1).as_bytes()), [POPUP]);
        // The update comes live, then the snapshot that holds it.
        let at = gw.record("c1", UPDATE, false);
        assert_eq!(desk.on_line(UPDATE, Some(at)), [UPDATE]);
        assert!(
            desk.on_snapshot(gw.snapshot(1).as_bytes()).is_empty(),
            "already printed"
        );
        assert!(desk.on_line(UPDATE, Some(at)).is_empty(), "a duplicate");
        let at = gw.record("c1", END, true);
        assert_eq!(desk.on_line(END, Some(at)), [END]);
        assert!(desk.printed.is_empty(), "an ended call is forgotten");
        assert_eq!(
            gw.snapshot(1),
            r#"{"calls":[],"since_ms":1}"#,
            "an ended call leaves"
        );
    }

    #[test]
    fn a_burst_of_lines_makes_one_snapshot_per_desk_holding_them_all() {
        let mut gw = DeskSnapshots::default();
        let mut desk = DeskFeed::default();
        for i in 0..100 {
            let call = format!("c{i}");
            let popup = POPUP.replace("c1", &call);
            let at = gw.record("reception", &call, &popup, false);
            assert_eq!(desk.on_line(&popup, Some(at)), [popup.as_str()]);
            if i % 2 == 0 {
                let end = END.replace("c1", &call);
                let at = gw.record("reception", &call, &end, true);
                assert_eq!(desk.on_line(&end, Some(at)), [end.as_str()]);
            }
        }
        gw.record("sales", "s1", POPUP, false);
        let due = gw.take_behind();
        let users: Vec<&str> = due.iter().map(|(u, _)| u.as_str()).collect();
        assert_eq!(users, ["reception", "sales"], "one snapshot per desk");
        let snap: LiveSnapshot = serde_json::from_str(&due[0].1).expect("JSON");
        assert_eq!(snap.calls.len(), 50, "the 50 calls still live");
        assert!(
            desk.on_snapshot(due[0].1.as_bytes()).is_empty(),
            "a desk that got the lines live prints nothing again"
        );
        assert!(gw.take_behind().is_empty(), "nothing changed since");
        // A desk that joins now gets every live call's lines from it.
        assert_eq!(
            DeskFeed::default()
                .on_snapshot(gw.snapshot("reception").as_bytes())
                .len(),
            50
        );
        assert_eq!(gw.snapshot("nobody"), r#"{"calls":[],"since_ms":0}"#);
    }

    #[test]
    fn a_line_after_a_missed_one_waits_for_the_snapshot_that_brings_it() {
        const CLOSE: &str = r#"{"type":"close","call":"c1","reason":"answered"}"#;
        let mut gw = LiveCards::default();
        // The popup went out before the desk subscribed to the cards topic.
        gw.record("c1", POPUP, false);
        let mut desk = DeskFeed::default();
        let close = gw.record("c1", CLOSE, false);
        let update = gw.record("c1", UPDATE, false);
        assert!(desk.on_line(CLOSE, Some(close)).is_empty(), "held");
        assert!(desk.on_line(UPDATE, Some(update)).is_empty(), "held");
        // The snapshot brings the popup; the held lines follow, in order.
        assert_eq!(
            desk.on_snapshot(gw.snapshot(1).as_bytes()),
            [POPUP, CLOSE, UPDATE]
        );
        // A line dropped on the way (QoS 0): the next one waits, and a
        // snapshot that holds both prints the missing one and releases it.
        let mut desk = DeskFeed::default();
        let mut gw = LiveCards::default();
        let popup = gw.record("c1", POPUP, false);
        assert_eq!(desk.on_line(POPUP, Some(popup)), [POPUP]);
        gw.record("c1", CLOSE, false);
        let update = gw.record("c1", UPDATE, false);
        assert!(desk.on_line(UPDATE, Some(update)).is_empty());
        assert_eq!(desk.on_snapshot(gw.snapshot(1).as_bytes()), [CLOSE, UPDATE]);
        // A call that ends with a line still missing: what is held, then
        // its end (no snapshot will list it again).
        let later = gw.record("c1", POPUP, false);
        gw.record("c1", UPDATE, false);
        assert!(desk.on_line(UPDATE, Some(later + 1)).is_empty());
        let end = gw.record("c1", END, true);
        assert_eq!(desk.on_line(END, Some(end)), [UPDATE, END]);
        assert!(desk.printed.is_empty());
        // A line without its place (an older gateway) is printed as it comes.
        assert_eq!(desk.on_line(POPUP, None), [POPUP]);
        let console = r#"{"type":"parked","call":"c9","slot":"71"}"#;
        assert_eq!(desk.on_line(console, Some(7)), [console], "not a card line");
    }

    #[test]
    fn a_desk_that_saw_no_snapshot_before_the_gateway_died_still_closes_its_calls() {
        let mut desk = DeskFeed::default();
        desk.on_gateway(1);
        assert_eq!(desk.on_line(POPUP, Some(0)), [POPUP]);
        // Killed before its first snapshot; run 2 says online, then its
        // first snapshot, without the call.
        desk.on_gateway(2);
        let printed = desk.on_snapshot(LiveCards::default().snapshot(2).as_bytes());
        assert_eq!(printed.len(), 1, "{printed:?}");
        assert!(printed[0].contains("\"type\":\"ended_offline\"") && printed[0].contains("\"c1\""));
    }

    #[test]
    fn a_snapshot_older_than_the_subscription_is_caught_up_by_the_next() {
        let mut gw = LiveCards::default();
        gw.record("c1", POPUP, false);
        let old = gw.snapshot(1);
        gw.record("c1", UPDATE, false);
        let mut desk = DeskFeed::default();
        // Subscribed after the update went out on the cards topic, but
        // before its snapshot: the old retained one, then the new one.
        assert_eq!(desk.on_snapshot(old.as_bytes()), [POPUP]);
        assert_eq!(desk.on_snapshot(gw.snapshot(1).as_bytes()), [UPDATE]);
        assert!(desk.on_snapshot(b"not json").is_empty());
    }

    #[test]
    fn a_call_that_ended_while_the_gateway_was_away_is_closed_once() {
        let mut before = LiveCards::default();
        before.record("c1", POPUP, false);
        before.record("c2", &POPUP.replace("c1", "c2"), false);
        let mut desk = DeskFeed::default();
        assert_eq!(desk.on_snapshot(before.snapshot(1).as_bytes()).len(), 2);
        // The same run again (a retained copy): nothing to close.
        assert!(desk.on_snapshot(before.snapshot(1).as_bytes()).is_empty());
        // The gateway came back (run 2): c1 is still live, its card as the
        // new run read it; c2 ended meanwhile; c3 began meanwhile.
        let mut after = LiveCards::default();
        after.record("c1", UPDATE, false);
        after.record("c3", &POPUP.replace("c1", "c3"), false);
        let printed = desk.on_snapshot(after.snapshot(2).as_bytes());
        assert_eq!(printed.len(), 2, "{printed:?}");
        let closed: serde_json::Value = serde_json::from_str(&printed[0]).expect("JSON");
        assert_eq!(closed["type"], "ended_offline");
        assert_eq!(closed["call"], "c2");
        assert_eq!(
            printed[1],
            POPUP.replace("c1", "c3"),
            "the new call's popup"
        );
        assert!(
            desk.on_snapshot(after.snapshot(2).as_bytes()).is_empty(),
            "closed once, no second popup for c1"
        );
        // A desk's first snapshot never closes anything.
        assert_eq!(
            DeskFeed::default()
                .on_snapshot(after.snapshot(3).as_bytes())
                .len(),
            2
        );
    }
}
