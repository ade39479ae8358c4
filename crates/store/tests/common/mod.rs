//! Shared helpers for the store's integration tests: a UK numbering plan,
//! a store in a temp dir, and a call-record builder.
#![allow(dead_code)]

use std::path::Path;

use ringside_calls::{CallRecord, Direction, NumberPlan, Outcome};
use ringside_store::{HistoryStore, StoreConfig};

/// Midnight 2026-11-23 UTC, Unix milliseconds: "today" in the tests.
pub const DAY0: i64 = 1_795_392_000_000;
pub const HOUR: i64 = 3_600_000;

pub fn uk() -> NumberPlan {
    NumberPlan::new("44", "0", "00")
}

pub fn open(path: &Path) -> HistoryStore {
    HistoryStore::open(StoreConfig::new(uk()).with_path(path))
        .expect("a fresh store in a temp dir must open")
}

/// An inbound call from `num` at `at`.
pub fn inbound(call_id: &str, num: &str, outcome: Outcome, at: i64) -> CallRecord {
    CallRecord {
        call_id: call_id.to_owned(),
        uniqueid: format!("{call_id}.u"),
        direction: Direction::Inbound,
        remote_num: num.to_owned(),
        remote_name: None,
        from_extension: None,
        trunk: Some("PJSIP/carrier".into()),
        did: Some("+442071234567".into()),
        rang: vec!["1001".into(), "1002".into()],
        answered_by: (outcome == Outcome::Answered).then(|| "1001".to_owned()),
        transfers: Vec::new(),
        outcome,
        started_at_ms: at,
        answered_at_ms: (outcome == Outcome::Answered).then_some(at + 5_000),
        ended_at_ms: at + 60_000,
        ended_offline: false,
        queue: None,
    }
}

/// An outbound call from extension 1001 to `num` at `at`.
pub fn outbound(call_id: &str, num: &str, outcome: Outcome, at: i64) -> CallRecord {
    CallRecord {
        direction: Direction::Outbound,
        from_extension: Some("1001".into()),
        rang: Vec::new(),
        did: None,
        ..inbound(call_id, num, outcome, at)
    }
}
