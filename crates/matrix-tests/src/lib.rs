//! Support for the fault and abuse matrix (`tests/`) and the soak
//! (`ringside-soak`): what the whole chain (AMI client, call tracker,
//! history store) is measured with, not any part of it. (The peer
//! benchmark's Ringside consumer is `bench/consumers/ringside`.)
//!
//! It owns process probes (RSS, open descriptors), the capture fixtures, a
//! TCP proxy that can go half-open, and the id rewriting that makes one
//! busy hour look like the next. It must not reimplement anything the
//! product crates do: tests drive the real `ringside-ami`, `ringside-calls`,
//! `ringside-store` and `ringside-pbxsim` through their public APIs.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The repository's AMI fixture directory (`tests/fixtures/ami`).
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ami")
}

/// The bytes of a fixture capture; `.gz` files are decompressed.
///
/// # Panics
/// When the fixture is missing: every caller needs it to mean anything.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixtures_dir().join(name);
    let raw = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("fixture {} must exist: {e}", path.display()));
    if name.ends_with(".gz") {
        let mut out = Vec::with_capacity(raw.len() * 8);
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("fixture {name} must be valid gzip: {e}"));
        out
    } else {
        raw
    }
}

/// One field of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`), if readable.
pub fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

/// Resident set size of this process now, in KiB.
pub fn rss_kib() -> Option<u64> {
    proc_status_kib("VmRSS")
}

/// Open file descriptors of this process now.
pub fn open_fds() -> Option<usize> {
    Some(std::fs::read_dir("/proc/self/fd").ok()?.count())
}

/// Threads of this process now (`Threads:` of `/proc/self/status`).
pub fn threads() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:")?.trim().parse().ok())
}

/// Rewrites every AMI call id (`Uniqueid`, `Linkedid` and friends: ten
/// digits, a dot, digits) by adding `shift_s` to its seconds part, so that
/// replaying the same capture again looks like a later hour with new calls
/// rather than the same calls twice. Nothing else changes.
pub fn shift_call_ids(bytes: &[u8], shift_s: u64) -> Vec<u8> {
    if shift_s == 0 {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 64);
    let mut i = 0;
    while i < bytes.len() {
        // An id starts right after ": " and is 10 digits then '.' then a digit.
        if i >= 2
            && &bytes[i - 2..i] == b": "
            && i + 12 <= bytes.len()
            && bytes[i..i + 10].iter().all(u8::is_ascii_digit)
            && bytes[i + 10] == b'.'
            && bytes[i + 11].is_ascii_digit()
        {
            let secs: u64 = std::str::from_utf8(&bytes[i..i + 10])
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            out.extend_from_slice((secs + shift_s).to_string().as_bytes());
            i += 10;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// A TCP proxy on `127.0.0.1:0` in front of `target` that can be frozen:
/// it then stops forwarding in both directions but keeps every socket open,
/// which is what a half-open connection (a dead NAT entry, an unplugged
/// cable upstream) looks like to the client.
#[derive(Debug, Clone)]
pub struct FreezableProxy {
    addr: SocketAddr,
    frozen: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
}

impl FreezableProxy {
    /// Starts the proxy on the current runtime.
    pub async fn start(target: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let frozen = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let (f, n) = (frozen.clone(), accepted.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                n.fetch_add(1, Ordering::SeqCst);
                let Ok(server) = TcpStream::connect(target).await else {
                    continue;
                };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pump(cr, sw, f.clone()));
                tokio::spawn(pump(sr, cw, f.clone()));
            }
        });
        Ok(Self {
            addr,
            frozen,
            accepted,
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop (true) or resume (false) forwarding, without closing anything.
    pub fn set_frozen(&self, frozen: bool) {
        self.frozen.store(frozen, Ordering::SeqCst);
    }

    /// How many client connections the proxy has accepted.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if frozen.load(Ordering::SeqCst) {
            // Swallow the bytes and keep both sockets open: half-open, as
            // seen from either end. Hold `to` so it is not closed.
            continue;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    // The source closed. While frozen, never pass the close on: a half-open
    // path does not deliver FINs either.
    while frozen.load(Ordering::SeqCst) {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = to.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_call_ids_moves_only_ids() {
        let src = b"Uniqueid: 1795445061.52\r\nLinkedid: 1795445061.52\r\nCallerIDNum: +15550001\r\nUptime: 484\r\n";
        let out = shift_call_ids(src, 3600);
        let text = String::from_utf8(out).expect("ASCII in, ASCII out");
        assert!(
            text.contains("Uniqueid: 1795448661.52"),
            "the id must move by an hour: {text}"
        );
        assert!(
            text.contains("Linkedid: 1795448661.52"),
            "Linkedid moves with Uniqueid so calls stay grouped"
        );
        assert!(
            text.contains("CallerIDNum: +15550001"),
            "numbers that are not ids must not change"
        );
        assert!(
            text.contains("Uptime: 484"),
            "short numbers must not change"
        );
    }

    #[test]
    fn probes_read_this_process() {
        assert!(
            rss_kib().is_some_and(|k| k > 0),
            "VmRSS must be readable on Linux"
        );
        assert!(open_fds().is_some_and(|n| n >= 3), "stdin/out/err are open");
    }
}
