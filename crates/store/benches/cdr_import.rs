//! CDR import bench (issue 7): import 100,000 calls from the PBX's call
//! records, 10,000 of which the store already holds from AMI, and measure
//! - the whole import, deduplication included (target < 10 s);
//! - while it runs, the latency of `lookup_caller` (the popup) and of
//!   `record_call` (a live call ending), p50/p99/max: the UI must stay
//!   responsive.
//!
//! A plain timing binary rather than criterion: the figures wanted are one
//! long run's total and the percentiles of what runs beside it. Sizes can
//! be changed with `RINGSIDE_BENCH_CDR_ROWS` and `RINGSIDE_BENCH_CDR_DUPES`,
//! the rows per transaction with `RINGSIDE_BENCH_CDR_BATCH`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use ringside_calls::{CallRecord, Direction, NumberPlan, Outcome};
use ringside_store::{HistoryStore, ImportedCall, StoreConfig, CDR_BATCH};

const DAY0: i64 = 1_795_392_000_000;
/// The epoch second of DAY0, the prefix of the PBX's uniqueids.
const EPOCH0: i64 = DAY0 / 1000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A pool of caller numbers in national format, so calls repeat numbers
/// the way a business's callers do.
fn numbers(rng: &mut StdRng, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let rest: String = (0..8)
                .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
                .collect();
            format!("020{rest}")
        })
        .collect()
}

/// Call `i`: started `i` seconds after DAY0; its Linkedid and first
/// Uniqueid as Asterisk writes them.
fn call(i: usize, num: &str, rng: &mut StdRng) -> CallRecord {
    let at = DAY0 + i as i64 * 1000;
    let outcome = [
        Outcome::Answered,
        Outcome::Answered,
        Outcome::Missed,
        Outcome::Voicemail,
    ][rng.gen_range(0..4)];
    let linkedid = format!("{}.{}", EPOCH0 + i as i64, i * 3);
    CallRecord {
        call_id: linkedid.clone(),
        uniqueid: linkedid,
        direction: Direction::Inbound,
        remote_num: num.to_owned(),
        remote_name: rng
            .gen_bool(0.5)
            .then(|| format!("Caller {}", rng.gen_range(0..5000))),
        from_extension: None,
        trunk: Some("SIP/carrier".into()),
        did: Some("+442071234567".into()),
        rang: vec!["1001".into(), "1002".into()],
        answered_by: (outcome == Outcome::Answered).then(|| "1001".to_owned()),
        transfers: Vec::new(),
        outcome,
        started_at_ms: at,
        answered_at_ms: (outcome == Outcome::Answered).then_some(at + 4_000),
        ended_at_ms: at + 90_000,
        ended_offline: false,
        queue: None,
    }
}

/// CPU time used by this process so far (user + system), from
/// /proc/self/stat, so the import can be stated per CPU-second on a machine
/// shared with other jobs (clock ticks are 10 ms on Linux).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_comm = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

fn percentiles(label: &str, mut samples: Vec<Duration>) {
    if samples.is_empty() {
        println!("RESULT {label}: no samples");
        return;
    }
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    println!(
        "RESULT {label}: n={} p50={:?} p99={:?} max={:?}",
        samples.len(),
        at(0.50),
        at(0.99),
        samples[samples.len() - 1]
    );
}

/// Runs `f` every `every` until `stop`, timing each call.
fn sample_until(
    stop: Arc<AtomicBool>,
    every: Duration,
    mut f: impl FnMut(usize) + Send + 'static,
) -> std::thread::JoinHandle<Vec<Duration>> {
    std::thread::spawn(move || {
        let mut samples = Vec::new();
        let mut i = 0;
        while !stop.load(Ordering::Relaxed) {
            let t = Instant::now();
            f(i);
            samples.push(t.elapsed());
            i += 1;
            std::thread::sleep(every);
        }
        samples
    })
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` must not run
    // the whole import.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rows_n = env_usize("RINGSIDE_BENCH_CDR_ROWS", 100_000);
    let dupes_n = env_usize("RINGSIDE_BENCH_CDR_DUPES", 10_000).min(rows_n);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cdr.db");
    let plan = NumberPlan::new("44", "0", "00");
    let mut config = StoreConfig::new(plan).with_path(&path);
    config.cdr_batch = env_usize("RINGSIDE_BENCH_CDR_BATCH", CDR_BATCH);
    let batch_size = config.cdr_batch;
    let store = HistoryStore::open(config).expect("bench store opens");
    let mut rng = StdRng::seed_from_u64(11);
    let pool = numbers(&mut rng, 20_000);

    // The CDR rows, oldest first, as cdrreport returns them. Every
    // (rows / dupes)-th call was also seen live from AMI.
    let stride = rows_n / dupes_n.max(1);
    let mut live = Vec::with_capacity(dupes_n);
    let mut rows = Vec::with_capacity(rows_n);
    for i in 0..rows_n {
        let num = &pool[rng.gen_range(0..pool.len())];
        let mut rec = call(i, num, &mut rng);
        let is_dupe = dupes_n > 0 && i % stride == 0 && live.len() < dupes_n;
        if is_dupe {
            // AMI recorded the Linkedid as call_id and the first channel's
            // Uniqueid; the CDR row is a later leg of the same call.
            let mut ami = rec.clone();
            ami.uniqueid = format!("{}.{}", EPOCH0 + i as i64, i * 3 + 1);
            if live.len() % 2 == 0 {
                // Found by call_id: the connector had the CDR's linkedid.
                rec.uniqueid = format!("{}.{}", EPOCH0 + i as i64, i * 3 + 2);
            } else {
                // Found by uniqueid: no linkedid in the CDR, so its call id
                // is the uniqueid, which AMI stored as `uniqueid`.
                rec.call_id = ami.uniqueid.clone();
                rec.uniqueid = ami.uniqueid.clone();
            }
            live.push(ami);
        }
        let secs = i;
        let calldate = format!(
            "2026-11-{:02} {:02}:{:02}:{:02}",
            23 + secs / 86_400,
            (secs / 3600) % 24,
            (secs / 60) % 60,
            secs % 60
        );
        let recording = (rec.outcome == Outcome::Answered)
            .then(|| format!("in-{}-{}.wav", rec.remote_num, rec.uniqueid));
        rows.push(ImportedCall {
            record: rec,
            recording_file: recording,
            pbx_calldate: calldate,
        });
    }
    let t = Instant::now();
    for chunk in live.chunks(5_000) {
        store
            .record_calls(chunk.to_vec())
            .wait()
            .expect("live calls");
    }
    store.finish_indexing().wait().expect("index live calls");
    println!(
        "RESULT store holds {} live-recorded calls (built in {:?})",
        live.len(),
        t.elapsed()
    );

    // Baseline: the same probes with nothing else running.
    let mut base_lookup = Vec::new();
    let mut base_record = Vec::new();
    for i in 0..500 {
        let num = &pool[rng.gen_range(0..pool.len())];
        let t = Instant::now();
        store.lookup_caller(num, DAY0, 5).wait().expect("lookup");
        base_lookup.push(t.elapsed());
        let mut rec = call(1_000_000 + i, num, &mut rng);
        rec.call_id = format!("base-{i}");
        let t = Instant::now();
        store.record_call(rec).wait().expect("record");
        base_record.push(t.elapsed());
    }
    percentiles("baseline lookup_caller (idle store)", base_lookup);
    percentiles("baseline record_call (idle store)", base_record);

    // The import, with a popup lookup every 2 ms and a live call ending
    // every 10 ms beside it.
    let stop = Arc::new(AtomicBool::new(false));
    let lookup_store = store.clone();
    let lookup_pool = pool.clone();
    let lookups = sample_until(stop.clone(), Duration::from_millis(2), move |i| {
        let num = &lookup_pool[(i * 7919) % lookup_pool.len()];
        lookup_store
            .lookup_caller(num, DAY0, 5)
            .wait()
            .expect("lookup during import");
    });
    let record_store = store.clone();
    let record_pool = pool.clone();
    let records = sample_until(stop.clone(), Duration::from_millis(10), move |i| {
        let mut r = StdRng::seed_from_u64(i as u64);
        let mut rec = call(2_000_000 + i, &record_pool[i % record_pool.len()], &mut r);
        rec.call_id = format!("during-{i}");
        record_store
            .record_call(rec)
            .wait()
            .expect("record during import");
    });
    let batches = Arc::new(Mutex::new(Vec::new()));
    let sink = batches.clone();
    let cpu_before = process_cpu();
    let started = Instant::now();
    let mut last = started;
    let report = store
        .import_cdr("pbx.example", rows, move |p| {
            let now = Instant::now();
            sink.lock().expect("lock").push((p.done, now - last));
            last = now;
        })
        .wait()
        .expect("import");
    let took = started.elapsed();
    // Includes the probe threads' work, which is small beside the import.
    let cpu = process_cpu() - cpu_before;
    stop.store(true, Ordering::Relaxed);
    let lookups = lookups.join().expect("lookup thread");
    let records = records.join().expect("record thread");

    println!(
        "RESULT import_cdr {} rows ({} batches of {batch_size}): {took:?}, {:.0} rows/s; inserted {}, merged {}, recordings added {} (target < 10 s: {})",
        report.total,
        report.total.div_ceil(batch_size),
        report.total as f64 / took.as_secs_f64(),
        report.inserted,
        report.merged,
        report.recordings_added,
        if took < Duration::from_secs(10) { "met" } else { "MISSED" }
    );
    println!(
        "RESULT import_cdr CPU time (whole process): {cpu:?}, {:.0} rows per CPU-second",
        report.total as f64 / cpu.as_secs_f64().max(0.01)
    );
    assert_eq!(
        report.merged,
        live.len(),
        "every live-recorded call is recognized"
    );
    assert_eq!(
        report.inserted,
        report.total - live.len(),
        "every other row is new"
    );
    let batch_times: Vec<Duration> = batches
        .lock()
        .expect("lock")
        .iter()
        .map(|(_, d)| *d)
        .collect();
    percentiles(
        "time between batch commits (writer busy per batch, incl. interleaved writes)",
        batch_times,
    );
    percentiles("lookup_caller during import", lookups);
    percentiles("record_call during import", records);
    let t = Instant::now();
    let indexed = store.finish_indexing().wait().expect("index");
    println!(
        "RESULT search indexing of what the import left unindexed: {indexed} calls in {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let again = store
        .import_cdr("pbx.example", Vec::new(), |_| {})
        .wait()
        .expect("noop import");
    println!(
        "RESULT empty import (cursor read): {:?}; cursor {:?}",
        t.elapsed(),
        again.cursor.map(|c| c.calldate)
    );
}
