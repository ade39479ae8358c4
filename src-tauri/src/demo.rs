//! Demo mode: with no PBX configured (or `--demo`), the simulated PBX from
//! `ringside-pbxsim` runs in-process on a free loopback port and plays its
//! demo loop (external callers, a ring group, an internal call, a queue, a
//! transfer, a missed call) and, as an OpenVox gateway, an incoming text
//! every third period; the app connects to it like to any PBX.
//! Its AMI secret is random per run and never leaves memory.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use ringside_pbxsim::{PbxSim, SimConfig, SimHandle, SimUser};

use crate::settings::Secret;

/// The demo PBX's AMI user.
pub const DEMO_USER: &str = "ringside";
/// The extension the demo user sits at (Alice Front Desk).
pub const DEMO_EXTENSION: &str = "1001";
/// The demo's ring group that includes 1001.
pub const DEMO_RING_GROUP: &str = "600";
/// A new demo call this often.
pub const DEMO_EVERY: Duration = Duration::from_secs(8);

/// The running demo PBX.
#[derive(Debug)]
pub struct DemoPbx {
    sim: SimHandle,
    secret: Secret,
}

fn random_secret() -> String {
    // Two independently seeded SipHash states: 128 bits, no extra crate.
    let mut out = String::new();
    for _ in 0..2 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

impl DemoPbx {
    /// Starts the simulated PBX on `127.0.0.1:0` with the demo loop.
    pub async fn start() -> Result<Self, String> {
        let secret = random_secret();
        let config = SimConfig {
            users: vec![SimUser::new(DEMO_USER, secret.clone())],
            demo_every: Some(DEMO_EVERY),
            // The demo PBX is also an OpenVox GSM gateway, so a newcomer
            // sees a text message card now and then and can reply to it.
            openvox: Some(ringside_pbxsim::OpenVox::default()),
            ..SimConfig::default()
        };
        let sim = PbxSim::start(config)
            .await
            .map_err(|e| format!("The demo PBX could not start: {e}."))?;
        tracing::info!(addr = %sim.addr(), "demo PBX running");
        Ok(Self {
            sim,
            secret: Secret::new(secret),
        })
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.sim.addr().port()
    }

    /// Its AMI secret.
    pub fn secret(&self) -> Secret {
        self.secret.clone()
    }

    /// Stops it.
    pub async fn stop(self) {
        self.sim.shutdown().await;
    }
}
