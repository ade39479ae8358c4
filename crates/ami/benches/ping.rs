//! Client round trip and event throughput against an in-process fake AMI
//! server over real TCP on 127.0.0.1.
//!
//! - `ping_round_trip_tcp`: `Client::send(Ping)` until the matched reply.
//!   A plain timing loop before it prints p50/p99/max over 10,000 Pings.
//! - `events_flood_slow_consumer`: the server writes a burst of events, then
//!   the reply to the action that asked for them; one subscriber never reads.
//!   The time to the reply is the time the client needed to read and publish
//!   every event, so elements/s is its reading rate with a stalled consumer.
//!
//! Run: `cargo bench -p ringside-ami --bench ping`

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures::StreamExt;
use ringside_ami::{AmiCodec, Client, ClientConfig, ConnectionState, Frame, Packet, Secret};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio_util::codec::FramedRead;

const FLOOD: usize = 50_000;

/// A minimal AMI server: banner, any login accepted, `Ping` answered,
/// `Flood` answered after `Count` events.
async fn fake_pbx() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind an ephemeral port");
    let port = listener.local_addr().expect("bound").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tcp.set_nodelay(true).expect("nodelay");
            tokio::spawn(async move {
                let (read, mut write) = tcp.into_split();
                let mut actions = FramedRead::new(read, AmiCodec::server());
                write
                    .write_all(b"Asterisk Call Manager/12.0.0\r\n")
                    .await
                    .expect("banner");
                let mut out = Vec::new();
                while let Some(Ok(Frame::Packet(action))) = actions.next().await {
                    let id = action.action_id().unwrap_or_default().to_owned();
                    out.clear();
                    if action.is("Action", "Flood") {
                        let n: usize = action
                            .get("Count")
                            .and_then(|c| c.parse().ok())
                            .unwrap_or(0);
                        for i in 0..n {
                            out.extend_from_slice(
                                format!(
                                    "Event: Newstate\r\nPrivilege: call,all\r\nChannel: PJSIP/1001-{i:08x}\r\n\
                                     ChannelState: 5\r\nChannelStateDesc: Ringing\r\nCallerIDNum: 1001\r\n\
                                     Uniqueid: 1795444786.{i}\r\n\r\n"
                                )
                                .as_bytes(),
                            );
                        }
                    }
                    let reply = match action.action_name() {
                        Some(a) if a.eq_ignore_ascii_case("Challenge") => Packet::new()
                            .with("Response", "Success")
                            .with("ActionID", id)
                            .with("Challenge", "1"),
                        _ => Packet::new()
                            .with("Response", "Success")
                            .with("ActionID", id)
                            .with("Ping", "Pong"),
                    };
                    reply.encode_into(&mut out).expect("encodable");
                    if write.write_all(&out).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn connect(rt: &Runtime) -> Client {
    rt.block_on(async {
        let port = fake_pbx().await;
        let config = ClientConfig::new("127.0.0.1", port, "bench", Secret::new("bench"))
            .keepalive(Duration::from_secs(3600), Duration::from_secs(3600))
            .action_timeout(Duration::from_secs(60))
            .event_capacity(1024);
        let client = Client::start(config).expect("valid settings");
        client
            .state()
            .wait_for(ConnectionState::is_connected)
            .await
            .expect("the fake PBX accepts the login");
        client
    })
}

fn percentiles(rt: &Runtime, client: &Client) {
    let ping = Packet::action("Ping");
    let mut samples = Vec::with_capacity(10_000);
    rt.block_on(async {
        for _ in 0..1_000 {
            client.send(ping.clone()).await.expect("warm-up ping");
        }
        for _ in 0..10_000 {
            let t = Instant::now();
            client.send(ping.clone()).await.expect("ping");
            samples.push(t.elapsed());
        }
    });
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "ping round trip over TCP, 10000 samples: p50 {:?}  p99 {:?}  max {:?}",
        at(0.50),
        at(0.99),
        samples[samples.len() - 1]
    );
}

fn flood_rate(rt: &Runtime, client: &Client) {
    // The subscriber exists and never reads: the slow consumer.
    let _stalled = client.events();
    let flood = Packet::action("Flood").with("Count", (FLOOD * 4).to_string());
    let t = Instant::now();
    rt.block_on(client.send(flood))
        .expect("the reply after the flood");
    let elapsed = t.elapsed();
    let rate = (FLOOD * 4) as f64 / elapsed.as_secs_f64();
    assert!(
        rate >= 20_000.0,
        "reading must keep up with 20,000 events/s with a stalled subscriber: {rate:.0}/s"
    );
    println!(
        "events read with a stalled subscriber: {} in {:?} = {:.0} events/s",
        FLOOD * 4,
        elapsed,
        (FLOOD * 4) as f64 / elapsed.as_secs_f64()
    );
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = connect(&rt);
    percentiles(&rt, &client);
    flood_rate(&rt, &client);

    let ping = Packet::action("Ping");
    c.bench_function("ping_round_trip_tcp", |b| {
        b.iter(|| rt.block_on(client.send(ping.clone())).expect("ping"));
    });

    let _stalled = client.events();
    let flood = Packet::action("Flood").with("Count", FLOOD.to_string());
    let mut group = c.benchmark_group("events_flood_slow_consumer");
    group.throughput(Throughput::Elements(FLOOD as u64));
    group.sample_size(10);
    group.bench_function("newstate_events", |b| {
        b.iter(|| {
            rt.block_on(client.send(flood.clone()))
                .expect("the reply after the flood")
        });
    });
    group.finish();
}

criterion_group! {
    name = ping;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = benches
}
criterion_main!(ping);
