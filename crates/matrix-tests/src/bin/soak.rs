//! Soak: N busy hours streamed back to back, time-compressed, through the
//! whole chain (the real AMI [`Client`], a [`CallTracker`] and a
//! [`HistoryStore`] in a temp dir), sampling this process's RSS, open file
//! descriptors, threads and live tokio tasks as it goes. Run by `bench/soak`.
//!
//! `ringside-soak [--hours 100] [--samples 10] [--rate EVENTS_PER_S] [--no-store]`
//! (default rate 20,000 events/s, about 2,000 times a real busy hour; `--rate 0`
//! streams as fast as TCP allows, which a loaded machine turns into lost
//! events: the client never waits for a slow consumer, by design)
//! spawns itself as `ringside-soak serve` (a separate process, so the PBX
//! side's memory and sockets are not counted) which, after a real MD5 login,
//! streams the busy-hour capture N times with each hour's call ids moved an
//! hour on (so every hour's 450 calls are new calls, not the same ones
//! again). Prints one JSON line per sample and a final verdict; exits 1 if
//! a guarantee failed (live calls left over, calls missing from the store,
//! events lost, or growth beyond the bounds below).

use std::collections::VecDeque;
use std::io::Write as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use md5::{Digest, Md5};
use ringside_ami::{Client, ClientConfig, Secret, SessionEvent};
use ringside_calls::{CallTracker, CardChange, NumberPlan, TrackerConfig};
use ringside_matrix_tests::{fixture, open_fds, rss_kib, shift_call_ids, threads};
use ringside_store::{HistoryStore, StoreConfig};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const CALLS_PER_HOUR: u64 = 450;
const EVENTS_PER_HOUR: u64 = 31_814;

struct Args {
    serve: bool,
    hours: u64,
    samples: u64,
    rate: Option<f64>,
    /// Skip the store: isolates whose memory an RSS slope is.
    no_store: bool,
}

fn args() -> Args {
    let mut a = Args {
        serve: false,
        hours: 100,
        samples: 10,
        rate: Some(20_000.0),
        no_store: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "serve" => a.serve = true,
            "--no-store" => a.no_store = true,
            "--hours" => a.hours = val().parse().expect("--hours N"),
            "--samples" => a.samples = val().parse().expect("--samples N"),
            "--rate" => {
                a.rate =
                    Some(val().parse().expect("--rate EVENTS_PER_S")).filter(|r: &f64| *r > 0.0)
            }
            other => panic!("unknown argument {other}; see the module docs"),
        }
    }
    a
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let code = if a.serve {
        rt.block_on(serve(a))
    } else {
        rt.block_on(soak(a))
    };
    std::process::exit(code);
}

/// The event packets of the busy-hour capture (no banner, no responses).
fn busy_hour_events() -> Vec<u8> {
    let raw = fixture("busy-hour.ami.gz");
    let body = &raw[raw
        .windows(2)
        .position(|w| w == b"\r\n")
        .map_or(0, |i| i + 2)..];
    let mut out = Vec::with_capacity(body.len());
    let mut n = 0u64;
    for p in body.split_inclusive_packets() {
        if p.len() >= 6 && p[..6].eq_ignore_ascii_case(b"Event:") {
            out.extend_from_slice(p);
            n += 1;
        }
    }
    assert_eq!(
        n, EVENTS_PER_HOUR,
        "the busy-hour fixture must hold {EVENTS_PER_HOUR} events"
    );
    out
}

trait SplitPackets {
    fn split_inclusive_packets(&self) -> Vec<&[u8]>;
}

impl SplitPackets for [u8] {
    fn split_inclusive_packets(&self) -> Vec<&[u8]> {
        let mut v = Vec::new();
        let mut start = 0;
        while let Some(off) = self[start..].windows(4).position(|w| w == b"\r\n\r\n") {
            v.push(&self[start..start + off + 4]);
            start += off + 4;
        }
        v
    }
}

// ---------------------------------------------------------------- server --

async fn serve(a: Args) -> i32 {
    let events = busy_hour_events();
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    println!(
        "listening on {}",
        listener.local_addr().expect("bound address")
    );
    let _ = std::io::stdout().flush();
    let (sock, _) = listener.accept().await.expect("the soak client connects");
    let _ = sock.set_nodelay(true);
    let (rd, mut wr) = sock.into_split();
    let mut rd = BufReader::new(rd);
    wr.write_all(b"Asterisk Call Manager/12.0.0\r\n")
        .await
        .expect("banner");
    let challenge = "574203128";
    // Login: answer until a Login succeeds.
    loop {
        let Some(p) = read_packet(&mut rd).await else {
            return 1;
        };
        let aid = get(&p, "ActionID").unwrap_or_default();
        match get(&p, "Action")
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "challenge" => {
                let r = format!(
                    "Response: Success\r\nActionID: {aid}\r\nChallenge: {challenge}\r\n\r\n"
                );
                wr.write_all(r.as_bytes()).await.expect("write");
            }
            "login" => {
                let want = hex::encode(Md5::digest(
                    format!("{challenge}ringside-secret").as_bytes(),
                ));
                let ok = get(&p, "Username").as_deref() == Some("ringside")
                    && (get(&p, "Key").is_some_and(|k| k.eq_ignore_ascii_case(&want))
                        || get(&p, "Secret").as_deref() == Some("ringside-secret"));
                let r = if ok {
                    format!("Response: Success\r\nActionID: {aid}\r\nMessage: Authentication accepted\r\n\r\n")
                } else {
                    format!("Response: Error\r\nActionID: {aid}\r\nMessage: Authentication failed\r\n\r\n")
                };
                wr.write_all(r.as_bytes()).await.expect("write");
                if ok {
                    break;
                }
            }
            _ => {
                let r = format!(
                    "Response: Error\r\nActionID: {aid}\r\nMessage: Permission denied\r\n\r\n"
                );
                wr.write_all(r.as_bytes()).await.expect("write");
            }
        }
    }
    // Actions during the stream (keepalive Ping, resync lists) are answered
    // between chunks by the writer.
    let (tx, mut answers) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    tokio::spawn(async move {
        while let Some(p) = read_packet(&mut rd).await {
            let aid = get(&p, "ActionID").unwrap_or_default();
            let action = get(&p, "Action").unwrap_or_default().to_ascii_lowercase();
            let r = match action.as_str() {
                "ping" => format!("Response: Success\r\nActionID: {aid}\r\nPing: Pong\r\nTimestamp: 0.0\r\n\r\n"),
                // The resync's lists (CoreShowChannels, PJSIPShowEndpoints,
                // ExtensionStateList, the console's ParkedCalls and queues):
                // empty, as the stream itself is the only state this server keeps.
                "coreshowchannels" | "pjsipshowendpoints" | "extensionstatelist" | "sippeers" | "status" | "devicestatelist"
                | "parkedcalls" | "queuestatus" | "queuesummary" => format!(
                    "Response: Success\r\nActionID: {aid}\r\nEventList: start\r\nMessage: List will follow\r\n\r\n\
                     Event: ListComplete\r\nActionID: {aid}\r\nEventList: Complete\r\nListItems: 0\r\n\r\n"
                ),
                "logoff" => format!("Response: Goodbye\r\nActionID: {aid}\r\nMessage: Thanks for all the fish.\r\n\r\n"),
                _ => format!("Response: Success\r\nActionID: {aid}\r\nMessage: OK\r\n\r\n"),
            };
            if tx.send(r.into_bytes()).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let mut sent_events = 0u64;
    for hour in 0..a.hours {
        let bytes = shift_call_ids(&events, hour * 3600);
        let packets = bytes.split_inclusive_packets();
        for chunk in packets.chunks(64) {
            while let Ok(r) = answers.try_recv() {
                if wr.write_all(&r).await.is_err() {
                    return 0;
                }
            }
            for p in chunk {
                if wr.write_all(p).await.is_err() {
                    return 0;
                }
            }
            sent_events += chunk.len() as u64;
            if let Some(rate) = a.rate {
                let due = Duration::from_secs_f64(sent_events as f64 / rate);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
    // Keep answering until the client leaves.
    while let Some(r) = answers.recv().await {
        if wr.write_all(&r).await.is_err() {
            break;
        }
    }
    0
}

async fn read_packet<R: tokio::io::AsyncBufRead + Unpin>(
    rd: &mut R,
) -> Option<Vec<(String, String)>> {
    let mut fields = Vec::new();
    loop {
        let mut line = String::new();
        if rd.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if fields.is_empty() {
                continue;
            }
            return Some(fields);
        }
        let (k, v) = line.split_once(':').unwrap_or((line, ""));
        fields.push((k.trim().to_owned(), v.trim().to_owned()));
    }
}

fn get(p: &[(String, String)], key: &str) -> Option<String> {
    p.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.clone())
}

// ---------------------------------------------------------------- client --

#[derive(Debug, Clone)]
struct Sample {
    hour: f64,
    events: u64,
    rss_kib: u64,
    fds: usize,
    threads: u64,
    tasks: usize,
    live_calls: usize,
    live_channels: usize,
    calls_ended: u64,
    stored: u64,
    lagged: u64,
    /// history.db plus its WAL, in KiB: SQLite's page cache (32 MiB per
    /// connection in ringside-store) fills as the file grows.
    db_kib: u64,
}

async fn soak(a: Args) -> i32 {
    let exe = std::env::current_exe().expect("own path");
    let mut server_cmd = tokio::process::Command::new(exe);
    server_cmd
        .arg("serve")
        .arg("--hours")
        .arg(a.hours.to_string())
        .stdout(Stdio::piped())
        .kill_on_drop(true);
    if let Some(r) = a.rate {
        server_cmd.arg("--rate").arg(r.to_string());
    }
    let mut server = server_cmd.spawn().expect("start the soak server");
    let mut out = BufReader::new(server.stdout.take().expect("server stdout"));
    let mut first = String::new();
    out.read_line(&mut first)
        .await
        .expect("server prints its address");
    let addr: std::net::SocketAddr = first
        .trim()
        .strip_prefix("listening on ")
        .and_then(|s| s.parse().ok())
        .expect("listening on ADDR");
    // Drain the rest of the server's stdout so it never blocks on it.
    tokio::spawn(async move {
        let mut sink = Vec::new();
        let _ = out.read_to_end(&mut sink).await;
    });

    let dir = tempfile::tempdir().expect("a temp dir for the store");
    let _ = DB_PATH.set(dir.path().join("history.db"));
    let store = HistoryStore::open_async(
        StoreConfig::new(NumberPlan::new("1", "", "011")).with_path(dir.path().join("history.db")),
    )
    .await
    .expect("the store opens in a temp dir");

    let client = Client::start(ClientConfig::new(
        addr.ip().to_string(),
        addr.port(),
        "ringside",
        Secret::new("ringside-secret"),
    ))
    .expect("valid client settings");
    let mut events = client.events();
    let mut tracker = CallTracker::new(TrackerConfig::default());
    let mut changes = Vec::new();
    let total = a.hours * EVENTS_PER_HOUR;
    let every = (total / a.samples.max(1)).max(1);
    let (mut n, mut lagged, mut ended, mut popups, mut offline, mut resyncs) =
        (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    let mut presence = ringside_calls::presence::Presence::new();
    let mut writes: VecDeque<ringside_store::Pending<()>> = VecDeque::new();
    let mut write_errors = 0u64;
    let mut samples = Vec::new();
    let metrics = tokio::runtime::Handle::current().metrics();
    let started = Instant::now();
    let baseline = sample(0.0, 0, &metrics, &tracker, 0, 0, 0);
    println!("{}", sample_json(&baseline, 0.0));
    samples.push(baseline);
    let end = loop {
        let item = match tokio::time::timeout(Duration::from_secs(30), events.recv()).await {
            Ok(Some(item)) => item,
            Ok(None) => break "stream closed",
            Err(_) => break "no event for 30 s",
        };
        match item {
            SessionEvent::Connected { version } => {
                tracker.observe_banner(&version);
                resyncs += 1;
                resync(
                    &client,
                    &mut tracker,
                    &mut presence,
                    &store,
                    &mut writes,
                    &mut ended,
                    &mut offline,
                )
                .await;
            }
            SessionEvent::Event(ev) => {
                n += 1;
                tracker.apply_into(&ev.packet, ev.received_at_ms, &mut changes);
                for c in changes.drain(..) {
                    match c {
                        CardChange::Ended { record, .. } => {
                            ended += 1;
                            if !a.no_store {
                                writes.push_back(store.record_call(record));
                            }
                        }
                        CardChange::Popup { .. } => popups += 1,
                        _ => {}
                    }
                }
                // Bound the writes in flight: a store slower than the PBX
                // must show up as back-pressure here, not as a growing queue.
                while writes.len() > 1024 {
                    if let Some(w) = writes.pop_front() {
                        write_errors += u64::from(w.await.is_err());
                    }
                }
                if n % every == 0 || n == total {
                    let stored = store.count_calls().await.unwrap_or(0);
                    let s = sample(
                        n as f64 / EVENTS_PER_HOUR as f64,
                        n,
                        &metrics,
                        &tracker,
                        ended,
                        stored,
                        lagged,
                    );
                    println!("{}", sample_json(&s, started.elapsed().as_secs_f64()));
                    samples.push(s);
                }
                if n >= total {
                    break "all events";
                }
            }
            // What the app does after lost events: rebuild from the PBX's lists.
            SessionEvent::Lagged(k) => {
                lagged += k;
                resyncs += 1;
                resync(
                    &client,
                    &mut tracker,
                    &mut presence,
                    &store,
                    &mut writes,
                    &mut ended,
                    &mut offline,
                )
                .await;
            }
            SessionEvent::Disconnected => {}
            _ => {}
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    for w in writes.drain(..) {
        write_errors += u64::from(w.await.is_err());
    }
    let stored_end = store.count_calls().await.unwrap_or(0);
    let final_sample = sample(
        n as f64 / EVENTS_PER_HOUR as f64,
        n,
        &metrics,
        &tracker,
        ended,
        stored_end,
        lagged,
    );
    println!("{}", sample_json(&final_sample, elapsed));
    samples.push(final_sample);
    client.shutdown().await;
    let _ = server.kill().await;

    // Verdict.
    let last = samples
        .last()
        .cloned()
        .expect("at least the baseline sample");
    // Growth is judged from the first sample after warm-up (one hour in), so
    // allocator warm-up and the store's page cache do not count as a leak.
    let warm = samples.get(1).cloned().unwrap_or_else(|| last.clone());
    let mut failures = Vec::new();
    if end != "all events" {
        failures.push(format!(
            "the run ended early: {end} after {n} of {total} events"
        ));
    }
    if lagged > 0 {
        failures.push(format!(
            "{lagged} events were lost to a slow consumer (Lagged); try --rate"
        ));
    }
    if last.live_calls != 0 {
        failures.push(format!(
            "{} live calls left after the last hour (must be 0)",
            last.live_calls
        ));
    }
    if ended != a.hours * CALLS_PER_HOUR {
        failures.push(format!(
            "{ended} calls ended, expected {}",
            a.hours * CALLS_PER_HOUR
        ));
    }
    if !a.no_store && (last.stored != ended || write_errors > 0) {
        failures.push(format!(
            "{} calls stored for {ended} ended ({write_errors} write errors)",
            last.stored
        ));
    }
    let rss_growth = last.rss_kib.saturating_sub(warm.rss_kib);
    if rss_growth > 64 * 1024 {
        failures.push(format!(
            "RSS grew {rss_growth} KiB after warm-up (bound 64 MiB)"
        ));
    }
    if last.fds > warm.fds + 4 {
        failures.push(format!("open fds grew from {} to {}", warm.fds, last.fds));
    }
    if last.tasks > warm.tasks + 4 {
        failures.push(format!(
            "live tokio tasks grew from {} to {}",
            warm.tasks, last.tasks
        ));
    }
    println!(
        "{}",
        serde_json::json!({
            "summary": {
                "hours": a.hours, "events": n, "elapsed_s": elapsed, "events_per_s": n as f64 / elapsed,
                "popups": popups, "calls_ended": ended, "ended_offline": offline, "resyncs": resyncs, "stored": last.stored, "lagged": lagged,
                "live_calls_end": last.live_calls, "rss_kib_after_warmup": warm.rss_kib, "rss_kib_end": last.rss_kib,
                "rss_peak_kib": ringside_matrix_tests::proc_status_kib("VmHWM"),
                "fds_after_warmup": warm.fds, "fds_end": last.fds, "tasks_after_warmup": warm.tasks, "tasks_end": last.tasks,
                "failures": failures,
            }
        })
    );
    i32::from(!failures.is_empty())
}

/// The app's resync (`ringside_calls::live::resync`: endpoints, channels,
/// extension states, the console's listings), with the calls it ends written to the store.
async fn resync(
    client: &Client,
    tracker: &mut CallTracker,
    presence: &mut ringside_calls::presence::Presence,
    store: &HistoryStore,
    writes: &mut VecDeque<ringside_store::Pending<()>>,
    ended: &mut u64,
    offline: &mut u64,
) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let mut changes = Vec::new();
    // The soak follows the tracker only; the console is rebuilt and dropped.
    let mut console = ringside_calls::Console::new();
    let parts = ringside_calls::live::LiveParts {
        tracker,
        presence,
        console: &mut console,
    };
    let r = ringside_calls::live::resync(client, parts, now, &mut |u| changes.push(u)).await;
    if let Err(e) = r {
        eprintln!("resync failed: {e}");
    }
    for u in changes {
        if let ringside_calls::live::LiveUpdate::Card(CardChange::Ended { record, .. }) = u {
            *ended += 1;
            *offline += 1;
            writes.push_back(store.record_call(record));
        }
    }
}

fn sample(
    hour: f64,
    events: u64,
    metrics: &tokio::runtime::RuntimeMetrics,
    tracker: &CallTracker,
    calls_ended: u64,
    stored: u64,
    lagged: u64,
) -> Sample {
    Sample {
        hour,
        events,
        rss_kib: rss_kib().unwrap_or(0),
        fds: open_fds().unwrap_or(0),
        threads: threads().unwrap_or(0),
        tasks: metrics.num_alive_tasks(),
        live_calls: tracker.live_calls(),
        live_channels: tracker.live_channels(),
        calls_ended,
        stored,
        lagged,
        db_kib: DB_PATH.get().map_or(0, |p| {
            let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
            (size(p) + size(&p.with_extension("db-wal"))) / 1024
        }),
    }
}

static DB_PATH: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

fn sample_json(s: &Sample, elapsed: f64) -> serde_json::Value {
    serde_json::json!({
        "hour": (s.hour * 100.0).round() / 100.0, "elapsed_s": (elapsed * 10.0).round() / 10.0, "events": s.events,
        "rss_kib": s.rss_kib, "fds": s.fds, "threads": s.threads, "tokio_tasks": s.tasks,
        "live_calls": s.live_calls, "live_channels": s.live_channels, "calls_ended": s.calls_ended,
        "stored": s.stored, "lagged": s.lagged, "db_kib": s.db_kib,
    })
}
