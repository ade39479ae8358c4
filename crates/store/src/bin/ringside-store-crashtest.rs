//! A helper for the kill -9 test (`tests/crash.rs`): records calls in a loop
//! into the database given as the first argument and prints each call id on
//! stdout only after the store reported it recorded. The test kills this
//! process with SIGKILL at random moments and checks that every printed id
//! is in the file. Not part of the product.
//!
//! Usage: `ringside-store-crashtest DB_PATH ROUND`

use std::io::Write;

use ringside_calls::{CallRecord, Direction, NumberPlan, Outcome};
use ringside_store::{HistoryStore, NoteTarget, StoreConfig};

fn call(round: &str, i: u64) -> CallRecord {
    CallRecord {
        call_id: format!("r{round}-{i}"),
        uniqueid: format!("{i}.0"),
        direction: if i % 3 == 0 {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        remote_num: format!("020 7946 {:04}", i % 50),
        remote_name: Some(format!("Caller {i}")),
        from_extension: None,
        trunk: None,
        did: None,
        rang: vec!["1001".into(), "1002".into()],
        answered_by: None,
        transfers: Vec::new(),
        outcome: if i % 3 == 0 {
            Outcome::Answered
        } else {
            Outcome::Missed
        },
        started_at_ms: 1_795_392_000_000 + i as i64 * 1000,
        answered_at_ms: None,
        ended_at_ms: 1_795_392_000_000 + i as i64 * 1000 + 500,
        ended_offline: false,
        queue: None,
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(round)) = (args.next(), args.next()) else {
        eprintln!("usage: ringside-store-crashtest DB_PATH ROUND");
        std::process::exit(2);
    };
    let store = match HistoryStore::open(
        StoreConfig::new(NumberPlan::new("44", "0", "00")).with_path(&path),
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let stdout = std::io::stdout();
    let mut i = 0u64;
    loop {
        // Mix single writes, batches and notes, as the app does.
        let batch: Vec<CallRecord> = if i % 7 == 0 {
            (i..i + 10).map(|j| call(&round, j)).collect()
        } else {
            vec![call(&round, i)]
        };
        let result = if batch.len() == 1 {
            store.record_call(batch[0].clone()).wait()
        } else {
            store.record_calls(batch.clone()).wait()
        };
        if let Err(e) = result {
            eprintln!("{e}");
            std::process::exit(1);
        }
        let mut out = stdout.lock();
        for rec in &batch {
            // Only now is the call reported as recorded.
            if writeln!(out, "{}", rec.call_id)
                .and_then(|()| out.flush())
                .is_err()
            {
                std::process::exit(0);
            }
        }
        drop(out);
        if i % 5 == 0 {
            let _ = store
                .add_note(
                    NoteTarget::Call(batch[0].call_id.clone()),
                    "crash test note",
                    0,
                )
                .wait();
        }
        i += batch.len() as u64;
    }
}
