//! Counts AMI events through asterisk-manager's public API
//! (`Manager::new()`/`new_with_buffer(n)`, `connect_and_login`, `all_events_stream`).
//! argv: HOST PORT EXPECTED IDLE_S [BUFFER]. Prints one JSON line.
//! Without BUFFER, `Manager::new()` (capacity 1024) is used, as in its README.

use std::time::{Duration, Instant};

use asterisk_manager::{Manager, ManagerOptions};
use tokio_stream::StreamExt;

#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (host, port, expected, idle) =
        (a[1].clone(), a[2].parse::<u16>().unwrap(), a[3].parse::<u64>().unwrap(), a[4].parse::<f64>().unwrap());
    let mut manager = match a.get(5) {
        Some(cap) => Manager::new_with_buffer(cap.parse().unwrap()),
        None => Manager::new(),
    };
    let options = ManagerOptions {
        port,
        host,
        username: "ringside".to_string(),
        password: "ringside-secret".to_string(),
        events: true,
    };
    if let Err(e) = manager.connect_and_login(options).await {
        println!("{{\"events\":0,\"lagged\":0,\"first_to_last_s\":0,\"end\":\"connect failed: {e}\"}}");
        return;
    }
    let mut stream = manager.all_events_stream().await;
    let (mut n, mut lagged) = (0u64, 0u64);
    let (mut t0, mut t1) = (None::<Instant>, None::<Instant>);
    let idle = Duration::from_secs_f64(idle);
    let end = loop {
        match tokio::time::timeout(idle, stream.next()).await {
            Ok(Some(Ok(_ev))) => {
                let now = Instant::now();
                t0.get_or_insert(now);
                t1 = Some(now);
                n += 1;
                if n >= expected {
                    break "all events";
                }
            }
            Ok(Some(Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(k)))) => lagged += k,
            Ok(None) => break "stream closed",
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
