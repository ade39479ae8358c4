//! One office run per speed, the direct alternative, and the figures.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::desks::{now_us, Board, Desk, DeskRecord};
use crate::procs::{self, PbxRun, Proc, Usage};
use crate::truth;
use crate::{Args, Setup};

const GATEWAY_USER: &str = "ringside-gateway";

/// Every run the arguments ask for, as one JSON report.
pub async fn all(args: &Args) -> Value {
    let setup = setup(args);
    let mut office = Vec::new();
    for &speed in &args.speeds {
        eprintln!("office bench: {} desks at {speed}x", args.desks);
        let run = office_run(args, &setup, speed).await;
        // Also said as it comes, so a later run's failure loses nothing.
        eprintln!("office bench: result {run}");
        office.push(run);
    }
    let mut direct = Vec::new();
    if args.direct_sessions > 0 {
        for &speed in &args.direct_speeds {
            eprintln!(
                "office bench: direct, {} AMI sessions at {speed}x",
                args.direct_sessions
            );
            let run = direct_run(args, &setup, speed).await;
            eprintln!("office bench: result {run}");
            direct.push(run);
        }
    }
    json!({
        "desks": args.desks,
        "packets": setup.capture.packet_count(),
        "stream_bytes": setup.capture.bytes().len(),
        "recorded_s": setup.recorded_s,
        "extensions": setup.truths.iter().map(|(e, t)| json!({"extension": e, "lines": t.lines.len()})).collect::<Vec<_>>(),
        "office": office,
        "direct": direct,
    })
}

fn setup(args: &Args) -> Setup {
    let capture =
        Arc::new(ringside_pbxsim::Capture::load(&args.capture).expect("the capture loads"));
    let packets = truth::decode_packets(&capture);
    let recorded_s = truth::recorded_seconds(&packets);
    // The capture PBX's extensions; a desk watches one that has calls in it.
    let truths: Vec<(String, Arc<truth::Truth>)> = (1000..=1005)
        .map(|e| e.to_string())
        .map(|e| {
            let t = truth::truth(&capture, &packets, &e);
            (e, Arc::new(t))
        })
        .filter(|(_, t)| !t.lines.is_empty())
        .collect();
    assert!(!truths.is_empty(), "no extension has a card in the capture");
    Setup {
        capture,
        packets,
        recorded_s,
        truths,
    }
}

fn rate(setup: &Setup, speed: f64) -> f64 {
    setup.packets.len() as f64 / setup.recorded_s * speed
}

/// The processes of one office run.
struct Office {
    dir: tempfile::TempDir,
    mosquitto: Proc,
    pbx: Proc,
    gateway: Option<Proc>,
    desks: Vec<Desk>,
    board: Arc<Board>,
}

/// Mosquitto, the PBX and the desks, subscribed; then the gateway, online.
async fn start_office(args: &Args, setup: &Setup, speed: f64) -> Office {
    let dir = tempfile::tempdir().expect("temp dir");
    let nonce = now_us();
    let password = |user: &str| format!("{user}-{nonce}");
    let users: Vec<String> = (1..=args.desks).map(|i| format!("desk{i:04}")).collect();
    let mut logins = vec![(GATEWAY_USER.to_owned(), password(GATEWAY_USER))];
    logins.extend(users.iter().map(|u| (u.clone(), password(u))));
    let views: Vec<(String, Vec<String>)> = users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            (
                u.clone(),
                vec![setup.truths[i % setup.truths.len()].0.clone()],
            )
        })
        .collect();
    let (mosquitto, port) = procs::mosquitto(dir.path(), &logins, GATEWAY_USER, &views);
    let (pbx, pbx_addr) = procs::pbxsim(&PbxRun {
        bin: args.pbxsim.clone(),
        capture: args.capture.clone(),
        rate: rate(setup, speed),
        start_delay: Duration::from_secs_f64(args.start_delay),
        sent_log: Some(dir.path().join("sent.log")),
    });
    let board = Arc::new(Board::default());
    let mut desks = Vec::new();
    let mut config = format!(
        "[pbx]\naddress = \"{pbx_addr}\"\nuser = \"ringside\"\n\n[broker]\nurl = \"mqtt://127.0.0.1:{port}\"\nuser = \"{GATEWAY_USER}\"\n\n"
    );
    for (i, user) in users.iter().enumerate() {
        let (ext, truth) = &setup.truths[i % setup.truths.len()];
        config.push_str(&format!(
            "[[desk]]\nuser = \"{user}\"\nextensions = [\"{ext}\"]\n\n"
        ));
        desks.push(Desk::join(
            port,
            user.clone(),
            password(user),
            truth.clone(),
            board.clone(),
        ));
    }
    wait_for("every desk subscribed", 120, || {
        board.subscribed.load(Ordering::Relaxed) >= 3 * args.desks
    })
    .await;
    let path = dir.path().join("gateway.toml");
    std::fs::write(&path, config).expect("gateway.toml");
    let gateway = procs::gateway(
        &args.gateway,
        &path,
        &password(GATEWAY_USER),
        &dir.path().join("gateway.log"),
    );
    wait_for("every desk seeing the gateway online", 60, || {
        board.online.load(Ordering::Relaxed) >= args.desks
    })
    .await;
    // Then the view the gateway named: its cards and live topics.
    wait_for("every desk subscribed to its view", 60, || {
        board.subscribed.load(Ordering::Relaxed) >= 5 * args.desks
    })
    .await;
    Office {
        dir,
        mosquitto,
        pbx,
        gateway: Some(gateway),
        desks,
        board,
    }
}

async fn wait_for(what: &str, secs: u64, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "office bench: no {what} within {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// CPU and peak RSS of the gateway, the broker, the PBX and the desks'
/// process (this one).
fn usages(o: &Office) -> [Usage; 4] {
    let gw = o.gateway.as_ref().map(Proc::usage).unwrap_or_default();
    [
        gw,
        o.mosquitto.usage(),
        o.pbx.usage(),
        procs::usage(std::process::id()),
    ]
}

/// Waits until every desk has every line, or no new line came for the
/// drain time after the stream's scheduled end; returns the usages at the
/// first card and at the end.
async fn follow_stream(
    args: &Args,
    setup: &Setup,
    speed: f64,
    o: &mut Office,
    expected: u64,
) -> ([Usage; 4], [Usage; 4]) {
    let play = Duration::from_secs_f64(args.start_delay + setup.recorded_s / speed);
    let started = Instant::now();
    let mut at_first = None;
    let (mut last, mut last_change) = (0, Instant::now());
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if at_first.is_none() && o.board.first_card_us.load(Ordering::Relaxed) != 0 {
            at_first = Some(usages(o));
        }
        let matched = o.board.cards.load(Ordering::Relaxed);
        if matched != last {
            (last, last_change) = (matched, Instant::now());
        }
        let idle = last_change.elapsed() > Duration::from_secs_f64(args.drain);
        if matched >= expected || (started.elapsed() > play && idle) {
            break;
        }
        for p in [o.gateway.as_mut(), Some(&mut o.pbx), Some(&mut o.mosquitto)]
            .into_iter()
            .flatten()
        {
            if let Err(e) = p.check_alive() {
                eprintln!("office bench: {e}");
            }
        }
    }
    let end = usages(o);
    (at_first.unwrap_or_default(), end)
}

fn usage_json(first: Usage, end: Usage) -> Value {
    json!({
        "cpu_s_stream": end.cpu_s - first.cpu_s,
        "cpu_s_total": end.cpu_s,
        "peak_rss_mb": end.peak_rss_mb,
    })
}

/// One office run at `speed`.
async fn office_run(args: &Args, setup: &Setup, speed: f64) -> Value {
    let mut o = start_office(args, setup, speed).await;
    let expected: u64 = o
        .desks
        .iter()
        .map(|d| lock(&d.record).truth.lines.len() as u64)
        .sum();
    let (first, end) = follow_stream(args, setup, speed, &mut o, expected).await;
    let n = setup.packets.len();
    let log = o.dir.path().join("sent.log");
    wait_for("complete sent log", 30, || {
        std::fs::read_to_string(&log)
            .map(|t| t.lines().count() >= n)
            .unwrap_or(false)
    })
    .await;
    let sent = procs::read_sent_log(&log, n);
    for d in &o.desks {
        d.leave();
    }
    o.gateway = None; // stopped before the broker, so nothing is lost in the order
    let records: Vec<DeskRecord> = o
        .desks
        .iter()
        .map(|d| std::mem::take(&mut *lock(&d.record)))
        .collect();
    let gateway_log = std::fs::read_to_string(o.dir.path().join("gateway.log")).unwrap_or_default();
    let mut out = figures(&records, &sent, expected);
    let replay_s = sent
        .iter()
        .max()
        .zip(sent.iter().filter(|&&t| t > 0).min())
        .map_or(0.0, |(a, b)| (a - b) as f64 / 1e6);
    let extra = json!({
        "speed": speed,
        "rate_per_s": rate(setup, speed),
        "replay_s": replay_s,
        "last_card_after_replay_s": (o.board.last_card_us.load(Ordering::Relaxed) as f64 - *sent.iter().max().unwrap_or(&0) as f64) / 1e6,
        "gateway": usage_json(first[0], end[0]),
        "broker": usage_json(first[1], end[1]),
        "pbx": usage_json(first[2], end[2]),
        "desks_process": usage_json(first[3], end[3]),
        "pbx_bytes": setup.capture.bytes().len(),
        "gateway_log_tail": gateway_log.lines().rev().take(5).collect::<Vec<_>>(),
    });
    if let (Value::Object(a), Value::Object(b)) = (&mut out, extra) {
        a.extend(b);
    }
    out
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Latency percentiles (ms) of `v` (µs), sorted in place.
fn percentiles(v: &mut [u64]) -> Value {
    v.sort_unstable();
    let at = |q: f64| {
        v.get(((v.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |&x| x as f64 / 1000.0)
    };
    json!({"n": v.len(), "p50_ms": at(0.50), "p90_ms": at(0.90), "p99_ms": at(0.99), "max_ms": at(1.0)})
}

/// Lost, duplicated and unexpected lines, the latencies and the bytes,
/// over all desks.
fn figures(records: &[DeskRecord], sent: &[u64], expected: u64) -> Value {
    let (mut all, mut popups) = (Vec::new(), Vec::new());
    let (mut lost, mut dup, mut unexpected, mut other, mut unstamped) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let (mut cards_bytes, mut live_bytes, mut snapshots) = (0u64, 0u64, 0u64);
    let mut first_unexpected = None;
    let mut desks_with_loss = 0;
    for r in records {
        let m = r.matched();
        let before = lost;
        for (i, &got) in m.got_us.iter().enumerate() {
            let line = &r.truth.lines[i];
            if got == 0 {
                lost += 1;
                continue;
            }
            let at = sent[line.packet];
            if at == 0 {
                unstamped += 1;
                continue;
            }
            let l = got.saturating_sub(at);
            all.push(l);
            if line.popup {
                popups.push(l);
            }
        }
        desks_with_loss += usize::from(lost > before);
        dup += m.duplicates;
        unexpected += m.unexpected;
        other += m.other_lines;
        first_unexpected = first_unexpected.or(m.first_unexpected);
        cards_bytes += r.cards_bytes;
        live_bytes += r.live_bytes;
        snapshots += r.snapshots;
    }
    json!({
        "expected_lines": expected,
        "delivered_lines": expected - lost,
        "lost_lines": lost,
        "desks_with_loss": desks_with_loss,
        "duplicates": dup,
        "unexpected_lines": unexpected,
        "first_unexpected": first_unexpected,
        "console_lines": other,
        "unstamped": unstamped,
        "cards_bytes": cards_bytes,
        "live_bytes": live_bytes,
        "live_snapshots": snapshots,
        "latency": percentiles(&mut all),
        "popup_latency": percentiles(&mut popups),
    })
}

/// The direct alternative at `speed`: N AMI sessions to the simulated PBX.
async fn direct_run(args: &Args, setup: &Setup, speed: f64) -> Value {
    let (pbx, addr) = procs::pbxsim(&PbxRun {
        bin: args.pbxsim.clone(),
        capture: args.capture.clone(),
        rate: rate(setup, speed),
        start_delay: Duration::from_secs_f64(args.start_delay),
        sent_log: None,
    });
    let before = pbx.usage();
    let stream = setup.capture.bytes().len() as u64;
    let limit = Duration::from_secs_f64(args.start_delay + 2.0 * setup.recorded_s / speed + 30.0);
    let (tally, took) = crate::direct::run(addr, args.direct_sessions, stream, limit).await;
    let after = pbx.usage();
    json!({
        "speed": speed,
        "sessions": args.direct_sessions,
        "greeted": tally.greeted.load(Ordering::Relaxed),
        "logged_in": tally.logged_in.load(Ordering::Relaxed),
        "complete": tally.complete.load(Ordering::Relaxed),
        "pbx_bytes": tally.bytes.load(Ordering::Relaxed),
        "pbx_cpu_s": after.cpu_s - before.cpu_s,
        "pbx_peak_rss_mb": after.peak_rss_mb,
        "wall_s": took.as_secs_f64(),
        "scheduled_s": args.start_delay + setup.recorded_s / speed,
    })
}
