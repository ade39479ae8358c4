//! The direct alternative: every desk with its own AMI session to the PBX,
//! each receiving the whole stream. Only the PBX side is measured (the
//! bytes it writes and the CPU it spends), so the sessions here are the
//! cheapest possible readers: log in, then count bytes.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// What the direct sessions got.
#[derive(Debug, Default)]
pub struct DirectTally {
    /// Bytes the PBX wrote to all sessions after their logins.
    pub bytes: AtomicU64,
    /// Sessions the PBX accepted (its banner came).
    pub greeted: AtomicUsize,
    /// Sessions that logged in.
    pub logged_in: AtomicUsize,
    /// Sessions that received the whole stream.
    pub complete: AtomicUsize,
}

/// One session: banner, `Login` with the secret, then reads until
/// `expect_bytes` of events arrived (or `give_up` passes).
async fn session(addr: SocketAddr, expect_bytes: u64, tally: Arc<DirectTally>, give_up: Instant) {
    let Ok(stream) = TcpStream::connect(addr).await else {
        return;
    };
    let _ = stream.set_nodelay(true);
    let mut rd = BufReader::with_capacity(64 * 1024, stream);
    let mut line = String::new();
    if rd.read_line(&mut line).await.is_err() {
        return;
    }
    tally.greeted.fetch_add(1, Ordering::Relaxed);
    let login =
        "Action: Login\r\nActionID: 1\r\nUsername: ringside\r\nSecret: ringside-secret\r\n\r\n";
    if rd.get_mut().write_all(login.as_bytes()).await.is_err() {
        return;
    }
    // The login's answer, up to its blank line.
    loop {
        line.clear();
        match rd.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {}
        }
    }
    tally.logged_in.fetch_add(1, Ordering::Relaxed);
    let mut got = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    while got < expect_bytes {
        let left = give_up.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rd.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {
                got += n as u64;
                tally.bytes.fetch_add(n as u64, Ordering::Relaxed);
            }
            _ => return,
        }
    }
    tally.complete.fetch_add(1, Ordering::Relaxed);
}

/// Opens `sessions` sessions to `addr` (a few at a time, as desks starting
/// in the morning would) and waits until each has its stream or `limit`
/// passes. Returns the tally and when the last session completed.
pub async fn run(
    addr: SocketAddr,
    sessions: usize,
    expect_bytes: u64,
    limit: Duration,
) -> (Arc<DirectTally>, Duration) {
    let tally = Arc::new(DirectTally::default());
    let started = Instant::now();
    let give_up = started + limit;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..sessions {
        let one = session(addr, expect_bytes, tally.clone(), give_up);
        // A session the PBX never answers gives up too.
        set.spawn(async move {
            let _ = tokio::time::timeout_at(give_up.into(), one).await;
        });
    }
    while set.join_next().await.is_some() {}
    (tally, started.elapsed())
}
