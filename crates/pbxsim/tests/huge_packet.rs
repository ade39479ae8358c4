//! The 100 MiB packet fault, alone in its test binary so the process's
//! peak memory says something about it.

mod common;

use common::connect;
use ringside_ami::{Frame, Packet};
use ringside_pbxsim::{Fault, PbxSim, SimConfig};

/// Peak resident memory of this process (Linux `VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_mib_packet_is_streamed_not_held() {
    let sim = PbxSim::start(SimConfig::default()).await.expect("starts");
    let mut c = connect(sim.addr()).await;
    c.login_md5("ringside", "ringside-secret").await;
    c.next().await.expect("FullyBooted");
    let before = peak_rss_kib();
    let size: u64 = 100 * 1024 * 1024;
    sim.inject(Fault::HugePacket { bytes: size });
    let skipped = loop {
        match c.frame().await.expect("the session stays open") {
            Frame::Oversized { bytes } => break bytes as u64,
            Frame::Packet(p) => panic!("the huge packet comes first, got {p:?}"),
            _ => continue,
        }
    };
    assert!(
        skipped > size - 64 * 1024 && skipped <= size,
        "about 100 MiB went by ({skipped} bytes)"
    );
    let r = c.ask(Packet::action("Ping"), "after-huge").await;
    assert_eq!(
        r.get("Ping"),
        Some("Pong"),
        "the session carries on after the huge packet"
    );
    if let (Some(before), Some(after)) = (before, peak_rss_kib()) {
        // Neither side may hold the packet: the simulator streams it in
        // 64 KiB writes and the codec skips it as it comes.
        assert!(
            after - before < 32 * 1024,
            "peak memory grew by {} KiB for a 100 MiB packet",
            after - before
        );
    }
}
