//! Counts AMI events through asterisk-rs-ami's public API
//! (`AmiClient::builder()...build()`, then `subscribe()` and `recv()`).
//! argv: HOST PORT EXPECTED IDLE_S [EVENT_CAPACITY]. Prints one JSON line.
//! Without EVENT_CAPACITY the crate's default (1024) is used, as in its quick start.

use std::time::{Duration, Instant};

use asterisk_rs_ami::AmiClient;
use asterisk_rs_core::event::EventReceive;

#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (host, port, expected, idle) =
        (a[1].clone(), a[2].parse::<u16>().unwrap(), a[3].parse::<u64>().unwrap(), a[4].parse::<f64>().unwrap());
    let mut builder = AmiClient::builder().host(host).port(port).credentials("ringside", "ringside-secret");
    if let Some(cap) = a.get(5) {
        builder = builder.event_capacity(cap.parse().unwrap());
    }
    let client = match builder.build().await {
        Ok(c) => c,
        Err(e) => {
            println!("{{\"events\":0,\"lagged\":0,\"first_to_last_s\":0,\"end\":\"connect failed: {e}\"}}");
            return;
        }
    };
    let mut sub = client.subscribe();
    let (mut n, mut lagged) = (0u64, 0u64);
    let (mut t0, mut t1) = (None::<Instant>, None::<Instant>);
    let idle = Duration::from_secs_f64(idle);
    let end = loop {
        match tokio::time::timeout(idle, sub.recv()).await {
            Ok(EventReceive::Event(_ev)) => {
                let now = Instant::now();
                t0.get_or_insert(now);
                t1 = Some(now);
                n += 1;
                if n >= expected {
                    break "all events";
                }
            }
            Ok(EventReceive::Lagged(k)) => lagged += k,
            Ok(EventReceive::Closed) => break "stream closed",
            Err(_) => break "idle timeout",
        }
    };
    let span = match (t0, t1) {
        (Some(a), Some(b)) => (b - a).as_secs_f64(),
        _ => 0.0,
    };
    println!("{{\"events\":{n},\"lagged\":{lagged},\"first_to_last_s\":{span},\"end\":\"{end}\"}}");
    std::process::exit(0);
}
