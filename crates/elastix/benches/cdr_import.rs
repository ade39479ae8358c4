//! How long a full CDR history import takes: 100,000 rows fetched from the
//! test server over HTTPS (pinned self-signed certificate), parsed and
//! turned into call records; and the parse alone from bytes in memory, to
//! tell network and TLS from parsing.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ringside_elastix::cdr::parse_cdr_rows;
use ringside_elastix::testserver::{synthetic_cdr_json, CdrSource, TestServer, TestServerOptions};
use ringside_elastix::{
    calls_from_cdr, CdrQuery, ElastixClient, ElastixConfig, PbxDateTime, Secret, UtcOffset,
};

const ROWS: usize = 100_000;

fn first_call() -> PbxDateTime {
    "2024-03-01 08:00:00".parse().expect("a valid timestamp")
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let server = rt
        .block_on(TestServer::start(TestServerOptions {
            cdr: CdrSource::Synthetic {
                rows: ROWS,
                first_call: first_call(),
            },
            ..TestServerOptions::default()
        }))
        .expect("test server");
    let client = ElastixClient::new(ElastixConfig::new(
        server.base_url(),
        Secret::new(server.token()),
        server.pinned_trust(),
    ))
    .expect("client settings");
    let body = synthetic_cdr_json(ROWS, first_call(), None, None, None);

    let mut g = c.benchmark_group("cdr_100k");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("parse_only", |b| {
        b.iter(|| black_box(parse_cdr_rows(black_box(&body)).expect("parses")).len())
    });
    g.bench_function("parse_and_convert", |b| {
        b.iter(|| {
            let rows = parse_cdr_rows(&body).expect("parses");
            black_box(calls_from_cdr(&rows, UtcOffset::from_minutes(60))).len()
        })
    });
    g.bench_function("fetch_https_parse_convert", |b| {
        b.iter(|| {
            rt.block_on(async {
                let rows = client
                    .cdr_report(&CdrQuery::default())
                    .await
                    .expect("fetch");
                assert_eq!(rows.len(), ROWS, "every generated row arrives");
                black_box(calls_from_cdr(&rows, UtcOffset::from_minutes(60))).len()
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
