//! CardDAV sync bench (issue 19), against a real Radicale on loopback with
//! 5,000 generated cards (see tests/support/radicale.rs):
//! - the first sync of the whole book into an empty store (target < 10 s);
//! - an incremental sync with nothing changed (target < 300 ms).
//!
//! Radicale parses every card the first time it is asked (about 17 s for
//! 5,000 on the bench machine) and caches them; that is the server's cost,
//! paid once per server start, so it is measured and printed apart, and
//! the syncs are timed against the warmed server. Each figure includes
//! discovery (three PROPFINDs) and the server's own time.
//!
//! A plain timing binary, like the store's benches: the figures wanted are
//! a few long runs. `RINGSIDE_BENCH_CARDS` changes the book's size,
//! `RINGSIDE_BENCH_ROUNDS` the number of first syncs.

#[path = "../tests/support/radicale.rs"]
mod radicale;

use std::time::{Duration, Instant};

use radicale::{Radicale, PASSWORD, USER};
use ringside_ami::{Secret, TlsTrust};
use ringside_directory::carddav::{self, CardDavConfig};
use ringside_store::{HistoryStore, NumberPlan, StoreConfig};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if cfg!(windows) {
        eprintln!("skipped: Radicale (a Python server) is not run under Wine");
        return;
    }
    let cards = env_usize("RINGSIDE_BENCH_CARDS", 5_000);
    let rounds = env_usize("RINGSIDE_BENCH_ROUNDS", 3).max(1);
    let server = Radicale::start(cards, &[]);
    let config = CardDavConfig::new(
        server.url(),
        USER,
        Secret::new(PASSWORD),
        TlsTrust::system(),
    );
    let cold = server.warm();
    println!(
        "Radicale's own first read of {cards} cards (cold cache): {}",
        ms(cold)
    );
    let warm = server.warm();
    println!(
        "Radicale answering the same REPORT again (warm): {}",
        ms(warm)
    );

    let mut firsts = Vec::new();
    let mut nothing = Vec::new();
    for _ in 0..rounds {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = HistoryStore::open(
            StoreConfig::new(NumberPlan::new("49", "0", "00"))
                .with_path(dir.path().join("history.db")),
        )
        .expect("store");
        let started = Instant::now();
        let report = carddav::sync(&config, &store).await.expect("first sync");
        firsts.push(started.elapsed());
        assert_eq!(
            report.books[0].added, cards,
            "every card synced: {report:?}"
        );
        for _ in 0..10 {
            let started = Instant::now();
            let report = carddav::sync(&config, &store).await.expect("sync");
            nothing.push(started.elapsed());
            let b = &report.books[0];
            assert_eq!(
                (b.added, b.updated, b.removed),
                (0, 0, 0),
                "nothing changed"
            );
        }
    }
    let edited = edits_then_sync(&server, &config, cards).await;
    let worst = |v: &[Duration]| v.iter().max().copied().unwrap_or_default();
    println!(
        "first sync of {cards} cards: median {} max {} over {rounds} rounds (target < 10 s)",
        ms(median(firsts.clone())),
        ms(worst(&firsts))
    );
    println!(
        "incremental sync, nothing changed: median {} max {} over {} syncs (target < 300 ms)",
        ms(median(nothing.clone())),
        ms(worst(&nothing)),
        nothing.len()
    );
    println!(
        "incremental sync after 10 edits, 5 deletions and 5 new cards: {}",
        ms(edited)
    );
}

/// A synced store, then 20 changes on the server; returns how long the
/// sync that brings them takes.
async fn edits_then_sync(server: &Radicale, config: &CardDavConfig, cards: usize) -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = HistoryStore::open(
        StoreConfig::new(NumberPlan::new("49", "0", "00")).with_path(dir.path().join("history.db")),
    )
    .expect("store");
    carddav::sync(config, &store).await.expect("first sync");
    for i in 0..10 {
        server.put(
            &radicale::href(i),
            &radicale::person(i).replace("Buyer", "Manager"),
        );
    }
    for i in 10..15 {
        server.delete(&radicale::href(i));
    }
    for i in cards..cards + 5 {
        server.put(&radicale::href(i), &radicale::person(i));
    }
    let started = Instant::now();
    let report = carddav::sync(config, &store).await.expect("sync");
    let took = started.elapsed();
    let b = &report.books[0];
    assert_eq!(
        (b.added, b.updated, b.removed),
        (5, 10, 5),
        "the 20 changes: {b:?}"
    );
    took
}
