//! The office's panels on the broker: the live calls, the parked calls,
//! the queues and the voicemail counts of the whole office, each a
//! retained snapshot on its own `office/…` topic, so a desk that joins
//! reads them at once.
//!
//! Each payload is the very value the app's windows get for the same
//! panel (`ringside://live-calls`, `…/parked`, `…/queues`,
//! `…/voicemail`): a JSON array of the calls crate's [`CallCard`]s,
//! [`ParkedCall`](ringside_calls::console::ParkedCall)s, [`Queue`]s or
//! [`Mailbox`](ringside_calls::console::Mailbox)es, read from the
//! gateway's one tracker and console. Like the desks' `live` snapshots they
//! are coalesced: a change marks its panel behind, and the gateway
//! publishes the panels that are behind every [`crate::feed::SNAPSHOT_EVERY`],
//! and only when the payload differs from the one the broker holds.
//!
//! [`CallCard`]: ringside_calls::CallCard
//! [`Queue`]: ringside_calls::console::Queue

use std::collections::{BTreeMap, BTreeSet};

use ringside_calls::console::{Console, ConsoleChange};
use ringside_calls::CallTracker;

use crate::Topics;

/// One of the office's retained panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Panel {
    /// `office/calls`: every live call, as the app's live-calls list.
    Calls,
    /// `office/parked`: the parked calls.
    Parked,
    /// `office/queues`: every queue with its waiting callers and agents.
    Queues,
    /// `office/voicemail`: each colleague's message counts.
    Voicemail,
}

impl Panel {
    /// Every panel.
    pub const ALL: [Panel; 4] = [Panel::Calls, Panel::Parked, Panel::Queues, Panel::Voicemail];

    /// Its retained topic.
    pub fn topic(self, topics: &Topics) -> String {
        match self {
            Panel::Calls => topics.calls(),
            Panel::Parked => topics.parked(),
            Panel::Queues => topics.queues(),
            Panel::Voicemail => topics.voicemail(),
        }
    }

    /// The panel a console change concerns; `None` for the recall's.
    pub fn of(change: &ConsoleChange) -> Option<Panel> {
        match change {
            ConsoleChange::Park(_) => Some(Panel::Parked),
            ConsoleChange::Queue(_) => Some(Panel::Queues),
            ConsoleChange::Voicemail(_) => Some(Panel::Voicemail),
            ConsoleChange::Recall(_) => None,
        }
    }

    /// Its payload now: what the app's window for it would get.
    pub fn payload(self, tracker: &CallTracker, console: &Console) -> String {
        let json = match self {
            Panel::Calls => serde_json::to_string(&tracker.cards()),
            Panel::Parked => serde_json::to_string(&console.parked.calls().collect::<Vec<_>>()),
            Panel::Queues => serde_json::to_string(&console.watched_queues()),
            Panel::Voicemail => {
                serde_json::to_string(&console.voicemail.mailboxes().collect::<Vec<_>>())
            }
        };
        json.unwrap_or_else(|_| "[]".to_owned())
    }
}

/// Which panels are behind, and what the broker holds for each.
#[derive(Debug, Default)]
pub struct OfficePanels {
    behind: BTreeSet<Panel>,
    held: BTreeMap<Panel, String>,
}

impl OfficePanels {
    /// `panel` changed: published at the next round.
    pub fn touch(&mut self, panel: Panel) {
        self.behind.insert(panel);
    }

    /// Every panel is published at the next round (the gateway read the
    /// PBX's state again), changed or not for the first time.
    pub fn touch_all(&mut self) {
        self.behind.extend(Panel::ALL);
    }

    /// The panels behind, now taken.
    pub fn take_behind(&mut self) -> Vec<Panel> {
        std::mem::take(&mut self.behind).into_iter().collect()
    }

    /// `panel` reads `payload` now: whether it is to be published (the
    /// broker does not hold it already), and if so it is taken as held.
    pub fn update(&mut self, panel: Panel, payload: &str) -> bool {
        if self.held.get(&panel).is_some_and(|p| p == payload) {
            return false;
        }
        self.held.insert(panel, payload.to_owned());
        true
    }

    /// What the broker held, to publish again after it restarted.
    pub fn held(&self) -> impl Iterator<Item = (Panel, &String)> {
        self.held.iter().map(|(p, s)| (*p, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_ami::Packet;
    use ringside_calls::TrackerConfig;

    fn packet(fields: &[(&str, &str)]) -> Packet {
        fields
            .iter()
            .fold(Packet::new(), |p, (k, v)| p.with(*k, *v))
    }

    #[test]
    fn a_park_puts_the_call_in_the_parked_panel_as_the_app_shows_it() {
        let mut tracker = CallTracker::new(TrackerConfig::default());
        let mut console = Console::new();
        let ev = packet(&[
            ("Event", "ParkedCall"),
            ("ParkeeChannel", "PJSIP/carrier-00000003"),
            ("ParkeeUniqueid", "1796392630.3"),
            ("ParkeeLinkedid", "1796392630.3"),
            ("ParkeeCallerIDNum", "+15551234567"),
            ("ParkerDialString", "PJSIP/1001"),
            ("Parkinglot", "default"),
            ("ParkingSpace", "71"),
        ]);
        let cards = tracker.apply(&ev, 5);
        let changes = console.apply(&ev, 5, &tracker, &cards);
        assert_eq!(Panel::of(&changes[0]), Some(Panel::Parked));
        let payload = Panel::Parked.payload(&tracker, &console);
        let parked: Vec<ringside_calls::console::ParkedCall> =
            serde_json::from_str(&payload).expect("an array of parked calls");
        assert_eq!(parked.len(), 1);
        assert_eq!(parked[0].slot, "71");
        assert_eq!(parked[0].call, "1796392630.3");
        assert_eq!(Panel::Queues.payload(&tracker, &console), "[]");
        assert_eq!(Panel::Voicemail.payload(&tracker, &console), "[]");
    }

    #[test]
    fn a_panel_is_published_once_per_change_and_again_after_a_touch() {
        let mut panels = OfficePanels::default();
        assert!(panels.take_behind().is_empty());
        panels.touch_all();
        panels.touch(Panel::Parked);
        assert_eq!(panels.take_behind(), Panel::ALL.to_vec());
        assert!(panels.take_behind().is_empty(), "taken");
        assert!(panels.update(Panel::Parked, "[]"), "first: published");
        assert!(!panels.update(Panel::Parked, "[]"), "the broker holds it");
        assert!(panels.update(Panel::Parked, r#"[{"slot":"71"}]"#));
        let held: Vec<_> = panels.held().collect();
        assert_eq!(held, [(Panel::Parked, &r#"[{"slot":"71"}]"#.to_owned())]);
    }
}
