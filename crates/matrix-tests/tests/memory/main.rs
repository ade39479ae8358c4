//! Memory-bound rows of the matrix: a 100 MiB packet, a 64 MiB line with no
//! end, and a flood of 100,000 events in one burst, each thrown at the whole
//! chain (client, `live::follow`, tracker, store) while this process's
//! resident memory is sampled every 10 ms. The user must see: the
//! connection stays up (AMI lets a client skip what it cannot use), the call
//! that follows pops up once and is recorded, and memory stays bounded, far
//! below what buffering the abuse would take. The tests here run one at a
//! time (a lock), and in a binary of their own, so no other test's
//! allocations blur the readings.

#[path = "../common/mod.rs"]
mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use ringside_ami::ConnectionState;
use ringside_calls::live::LiveUpdate;
use ringside_pbxsim::{Fault, Party, PbxSim, Scenario, SimConfig};

/// Far below the size of any of the abuses (64-100 MiB), well above what a
/// client holding one capped packet and a bounded event queue needs.
const GROWTH_BOUND_KIB: u64 = 24 * 1024;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Samples VmRSS on a thread of its own until dropped; keeps the maximum.
struct RssSampler {
    max: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RssSampler {
    fn start() -> Self {
        let max = Arc::new(AtomicU64::new(rss_kib()));
        let stop = Arc::new(AtomicBool::new(false));
        let (m, s) = (max.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                m.fetch_max(rss_kib(), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Self {
            max,
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.max.load(Ordering::SeqCst)
    }
}

fn quick_call(n: u32) -> Scenario {
    Scenario::incoming(
        Party::new(format!("+1555999{n:04}"), format!("Caller {n}")),
        "5550100",
        "1001",
    )
    // Long enough to ring after the abuse is through: a call that rang and
    // was answered wholly inside lost events is never popped up (the resync
    // finds it answered), which is right, but not what this row checks.
    .with_timing(Duration::from_millis(2_000), Duration::from_millis(200))
}

/// Runs one abuse against a warmed-up chain and checks the row's guarantees.
fn abuse_row(what: &str, fault: Fault) {
    let _serial = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(180), async {
            let sim = PbxSim::start(SimConfig::default()).await.expect("pbxsim starts");
            let mut chain = Chain::start(config_for(sim.addr()), &["1001"]).await;
            chain.wait_for("the session", |s| matches!(s, Seen::Update(LiveUpdate::Connected(_)))).await;
            // Warm up: one whole call, so first-use allocations are in the baseline.
            sim.play(quick_call(1)).finished().await;
            chain.wait_for("the warm-up call's record", is_stored).await;
            let baseline = rss_kib();

            let states = Arc::new(Mutex::new(Vec::new()));
            let watcher = {
                let mut rx = chain.client.state();
                let states = states.clone();
                tokio::spawn(async move {
                    while rx.changed().await.is_ok() {
                        let s = rx.borrow_and_update().clone();
                        states.lock().expect("states").push(s);
                    }
                })
            };
            let sampler = RssSampler::start();
            sim.inject(fault);
            // The call after the abuse: its popup arrives only once the
            // abuse has gone through the client, in stream order.
            sim.play(quick_call(2)).finished().await;
            let after = format!("the popup after {what}");
            chain
                .wait_for(&after, |s| {
                    matches!(s, Seen::Update(LiveUpdate::Card(ringside_calls::CardChange::Popup { caller_num, .. })) if caller_num == "+15559990002")
                })
                .await;
            chain.wait_for(&format!("the record after {what}"), |s| matches!(s, Seen::Stored(_))).await;
            let peak = sampler.finish();
            watcher.abort();

            let growth = peak.saturating_sub(baseline);
            eprintln!("{what}: baseline {baseline} KiB, peak {peak} KiB, growth {growth} KiB");
            assert!(
                growth < GROWTH_BOUND_KIB,
                "{what}: memory must stay bounded, grew {growth} KiB (bound {GROWTH_BOUND_KIB} KiB) from {baseline} KiB"
            );
            let states = states.lock().expect("states").clone();
            assert!(
                !states.iter().any(|s| matches!(s, ConnectionState::Disconnected { .. })),
                "{what}: the protocol lets the client skip it, so the connection must survive: {states:?}"
            );
            assert_eq!(chain.popups().len(), 2, "{what}: the warm-up call and the call after it popped up once each: {:?}", chain.popups());
            assert_eq!(chain.store.count_calls().await.expect("count"), 2, "{what}: both calls are in the history");
            chain.stop().await;
            sim.shutdown().await;
        })
        .await
        .unwrap_or_else(|_| panic!("the {what} row must finish, not hang"));
    });
}

#[test]
fn a_100_mib_packet_is_skipped_with_bounded_memory() {
    abuse_row(
        "a 100 MiB packet",
        Fault::HugePacket {
            bytes: 100 * 1024 * 1024,
        },
    );
}

#[test]
fn a_64_mib_line_without_an_end_is_skipped_with_bounded_memory() {
    abuse_row(
        "a 64 MiB line with no end",
        Fault::EndlessLine {
            bytes: 64 * 1024 * 1024,
        },
    );
}

#[test]
fn a_burst_of_100000_events_keeps_memory_bounded_and_the_next_call_right() {
    abuse_row(
        "a burst of 100,000 events",
        Fault::Flood { events: 100_000 },
    );
}
