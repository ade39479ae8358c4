//! End to end: 100,000 CDR rows from the test server over HTTPS into a
//! fresh history store in a temp dir with `import_cdr_since_cursor`, then
//! the same import again after the PBX added 1,000 calls, where only the
//! new calls may be added (dedupe by uniqueid, resume from the cursor).
//! Target: the first import under 10 s.
//!
//! A plain timing binary rather than criterion: the figure wanted is one
//! long run's total, like the store's own CDR bench. The row count can be
//! changed with `RINGSIDE_BENCH_ELASTIX_ROWS`.

use std::time::Instant;

use ringside_elastix::testserver::{CdrSource, TestServer, TestServerOptions};
use ringside_elastix::{
    import_cdr_since_cursor, ElastixClient, ElastixConfig, PbxDateTime, Secret, UtcOffset,
};
use ringside_store::{HistoryStore, NumberPlan, StoreConfig};

fn main() {
    // `cargo test --benches` lists or smoke-runs bench targets; only time under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rows: usize = std::env::var("RINGSIDE_BENCH_ELASTIX_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let first: PbxDateTime = "2024-03-01 08:00:00".parse().expect("valid timestamp");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let server = TestServer::start(TestServerOptions {
            cdr: CdrSource::Synthetic { rows, first_call: first },
            ..TestServerOptions::default()
        })
        .await
        .expect("test server");
        let client =
            ElastixClient::new(ElastixConfig::new(server.base_url(), Secret::new(server.token()), server.pinned_trust()))
                .expect("client");
        let dir = tempfile::tempdir().expect("temp dir");
        let store = HistoryStore::open_async(StoreConfig::new(NumberPlan::new("90", "0", "00")).with_path(dir.path().join("h.db")))
            .await
            .expect("store");

        let t = Instant::now();
        let report = import_cdr_since_cursor(&client, &store, "bench-pbx", UtcOffset::from_minutes(180), |_| {})
            .await
            .expect("first import");
        let first_s = t.elapsed().as_secs_f64();
        println!(
            "elastix/store_import first: {rows} rows -> {} calls inserted, {} merged in {first_s:.2} s ({:.0} rows/s)",
            report.inserted,
            report.merged,
            rows as f64 / first_s
        );

        // 1,200 rows are 1,000 calls: the generator makes 6 rows per 5 calls.
        let more = 1_200;
        server.set_cdr(CdrSource::Synthetic { rows: rows + more, first_call: first });
        let t = Instant::now();
        let report = import_cdr_since_cursor(&client, &store, "bench-pbx", UtcOffset::from_minutes(180), |_| {})
            .await
            .expect("second import");
        println!(
            "elastix/store_import again (+{more} rows): {} inserted, {} merged (already stored) in {:.3} s",
            report.inserted,
            report.merged,
            t.elapsed().as_secs_f64()
        );
    });
}
