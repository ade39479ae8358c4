//! A desk's cards on the wire: the gateway's record of each desk's live
//! calls (published retained on `desk/{user}/live`), and the desk's side,
//! which prints each card line once, whether it came live on
//! `desk/{user}/cards` or from the retained snapshot when the desk joined
//! mid-call.
//!
//! The snapshot holds, for each call still live, the very lines the cards
//! topic carried for it, in order. The gateway publishes a line on the
//! cards topic before the snapshot that holds it (one connection, so the
//! broker keeps that order), so a desk counting the lines it printed per
//! call never prints one twice, and never misses one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The retained snapshot's payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSnapshot {
    /// Each live call with its lines so far.
    pub calls: Vec<LiveCall>,
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

impl LiveCards {
    /// Records a card line of `call`; `ended` (a `call_end`) forgets it.
    pub fn record(&mut self, call: &str, line: &str, ended: bool) {
        if ended {
            self.calls.remove(call);
        } else {
            self.calls
                .entry(call.to_owned())
                .or_default()
                .push(line.to_owned());
        }
    }

    /// The snapshot's JSON.
    pub fn snapshot(&self) -> String {
        let snap = LiveSnapshot {
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

/// The gateway's record of every desk's live calls, and which desks'
/// retained snapshots are behind their lines.
///
/// A snapshot is for a desk that joins mid-call; a desk that is connected
/// gets every line live. So the gateway does not publish one per line
/// (with a busy extension that was a snapshot of every live call's lines
/// for every line, about 95 % of the bytes through the broker, and a queue
/// that grew without bound once the broker fell behind), but every
/// [`SNAPSHOT_EVERY`] for the desks whose calls changed. A desk that joins
/// between a line and that desk's next snapshot gets the older snapshot,
/// then the line in the next one: later, never lost, never twice.
#[derive(Debug, Default)]
pub struct DeskSnapshots {
    live: BTreeMap<String, LiveCards>,
    behind: std::collections::BTreeSet<String>,
}

/// How often the desks' retained snapshots are brought up to date.
pub const SNAPSHOT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

impl DeskSnapshots {
    /// Records a card line of `user`'s `call` (`ended`: its `call_end`);
    /// the desk's snapshot is behind until [`Self::take_behind`].
    pub fn record(&mut self, user: &str, call: &str, line: &str, ended: bool) {
        self.live
            .entry(user.to_owned())
            .or_default()
            .record(call, line, ended);
        self.behind.insert(user.to_owned());
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
        self.live
            .get(user)
            .map_or_else(|| LiveCards::default().snapshot(), LiveCards::snapshot)
    }
}

/// The desk's side: which of a call's lines it printed.
#[derive(Debug, Default)]
pub struct DeskFeed {
    printed: BTreeMap<String, usize>,
}

impl DeskFeed {
    /// A line from the cards topic, which the desk prints as it comes: a
    /// card line counts towards its call (a `call_end` forgets the call).
    pub fn on_line(&mut self, line: &str) {
        if let Some((call, ended)) = card_of(line) {
            if ended {
                self.printed.remove(&call);
            } else {
                *self.printed.entry(call).or_default() += 1;
            }
        }
    }

    /// A snapshot from the live topic: the lines not printed yet.
    pub fn on_snapshot(&mut self, payload: &[u8]) -> Vec<String> {
        let Ok(snap) = serde_json::from_slice::<LiveSnapshot>(payload) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for c in snap.calls {
            let done = self.printed.entry(c.call).or_default();
            if c.lines.len() > *done {
                out.extend(c.lines[*done..].iter().cloned());
                *done = c.lines.len();
            }
        }
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
        assert_eq!(desk.on_snapshot(gw.snapshot().as_bytes()), [POPUP]);
        // The update comes live, then the snapshot that holds it.
        gw.record("c1", UPDATE, false);
        desk.on_line(UPDATE);
        assert!(
            desk.on_snapshot(gw.snapshot().as_bytes()).is_empty(),
            "already printed"
        );
        gw.record("c1", END, true);
        desk.on_line(END);
        assert!(desk.printed.is_empty(), "an ended call is forgotten");
        assert_eq!(gw.snapshot(), r#"{"calls":[]}"#, "an ended call leaves");
    }

    #[test]
    fn a_burst_of_lines_makes_one_snapshot_per_desk_holding_them_all() {
        let mut gw = DeskSnapshots::default();
        let mut desk = DeskFeed::default();
        for i in 0..100 {
            let call = format!("c{i}");
            let popup = POPUP.replace("c1", &call);
            gw.record("reception", &call, &popup, false);
            desk.on_line(&popup);
            if i % 2 == 0 {
                let end = END.replace("c1", &call);
                gw.record("reception", &call, &end, true);
                desk.on_line(&end);
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
        assert_eq!(gw.snapshot("nobody"), r#"{"calls":[]}"#);
    }

    #[test]
    fn a_snapshot_older_than_the_subscription_is_caught_up_by_the_next() {
        let mut gw = LiveCards::default();
        gw.record("c1", POPUP, false);
        let old = gw.snapshot();
        gw.record("c1", UPDATE, false);
        let mut desk = DeskFeed::default();
        // Subscribed after the update went out on the cards topic, but
        // before its snapshot: the old retained one, then the new one.
        assert_eq!(desk.on_snapshot(old.as_bytes()), [POPUP]);
        assert_eq!(desk.on_snapshot(gw.snapshot().as_bytes()), [UPDATE]);
        assert!(desk.on_snapshot(b"not json").is_empty());
    }
}
