//! A simulated PBX and a client logged in to it, for the tests that talk
//! AMI over real TCP.

use std::time::Duration;

use ringside_ami::{Client, ClientConfig, Secret};
use ringside_pbxsim::{PbxSim, SimConfig, SimHandle};

/// How long a test waits for the simulator and its answers.
pub const WAIT: Duration = Duration::from_secs(20);

/// Starts a simulator with `config` and a client connected to it.
pub async fn sim_and_client(config: SimConfig) -> (SimHandle, Client) {
    let sim = PbxSim::start(config).await.expect("simulator starts");
    let config = ClientConfig::new(
        "127.0.0.1",
        sim.addr().port(),
        "ringside",
        Secret::new("ringside-secret"),
    );
    let client = Client::start(config).expect("client starts");
    tokio::time::timeout(WAIT, client.state().wait_for(|s| s.is_connected()))
        .await
        .expect("connects in time")
        .expect("state stream open");
    (sim, client)
}
