//! The connection check's banner step against servers that are not an AMI
//! port: one answering with HTTP, one closing at once (an AMI user's
//! permitted-IP list does that), and a host left empty.

use ringside_calls::probe::{probe, ProbeTarget};
use ringside_config::Transport;
use tokio::io::AsyncWriteExt;

/// A server on loopback that greets every connection with `greeting` and
/// closes it; returns its port.
async fn server(greeting: &'static [u8]) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let _ = s.write_all(greeting).await;
            let _ = s.shutdown().await;
        }
    });
    port
}

fn target(port: u16) -> ProbeTarget {
    ProbeTarget {
        host: "127.0.0.1".into(),
        port,
        transport: Transport::Plain,
        ca_pem: None,
        user: "ringside".into(),
    }
}

#[tokio::test]
async fn a_port_that_is_not_ami_stops_at_the_banner_with_what_to_check() {
    let http = server(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await;
    let steps = probe(&target(http), Some("secret")).await;
    let names: Vec<_> = steps.iter().map(|s| (s.name, s.ok)).collect();
    assert_eq!(names, [("Reach the PBX", true), ("AMI banner", false)]);
    assert!(
        steps[1].message.contains("not with the AMI greeting"),
        "{}",
        steps[1].message
    );

    let closes = server(b"").await;
    let steps = probe(&target(closes), Some("secret")).await;
    assert!(
        steps[1].message.contains("permitted list"),
        "closing at once points at the AMI user's permitted IPs: {}",
        steps[1].message
    );

    let steps = probe(&target(0).with_host(""), None).await;
    assert_eq!(steps.len(), 1);
    assert!(!steps[0].ok && steps[0].message.contains("host name"));
}

trait WithHost {
    fn with_host(self, host: &str) -> Self;
}

impl WithHost for ProbeTarget {
    fn with_host(mut self, host: &str) -> Self {
        self.host = host.into();
        self
    }
}
