use std::time::{Duration, Instant};
use ringside_calls::{CallRecord, Direction, NumberPlan, Outcome};
use ringside_store::{HistoryStore, StoreConfig};
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    Duration::from_millis([11usize, 12].iter().filter_map(|&i| f.get(i)?.parse::<u64>().ok()).sum::<u64>() * 10)
}
fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    drop(HistoryStore::open(StoreConfig::new(NumberPlan::new("44","0","00")).with_path(&path)).unwrap());
    let drop_sql = std::env::var("DROP").unwrap_or_default();
    if !drop_sql.is_empty() {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(&drop_sql).unwrap();
    }
    let store = HistoryStore::open(StoreConfig::new(NumberPlan::new("44","0","00")).with_path(&path)).unwrap();
    let outcome = match std::env::var("OUT").as_deref() { Ok("answered") => Outcome::Answered, _ => Outcome::Missed };
    let mk = |i: u64| CallRecord { call_id: format!("c{i}"), uniqueid: format!("{i}.1"), direction: Direction::Inbound,
        remote_num: format!("020 {:08}", (i * 7919) % 100_000_000), remote_name: Some(format!("José García {}", i % 100)),
        from_extension: None, trunk: Some("PJSIP/carrier".into()), did: Some("+442071234567".into()),
        rang: vec!["1001".into(), "1002".into()], answered_by: None, transfers: vec![], outcome,
        started_at_ms: 1_795_392_000_000 + i as i64 * 1000, answered_at_ms: None, ended_at_ms: 1_795_392_000_000 + i as i64 * 1000 + 5, ended_offline: false };
    let batches: Vec<Vec<CallRecord>> = (0..50).map(|b| (0..1000).map(|j| mk(b * 1000 + j)).collect()).collect();
    let (t, c) = (Instant::now(), cpu());
    for b in batches { store.record_calls(b).wait().unwrap(); }
    println!("wall {:.0}/s cpu {:.0}/s", 50000.0 / t.elapsed().as_secs_f64(), 50000.0 / (cpu() - c).as_secs_f64());
}
