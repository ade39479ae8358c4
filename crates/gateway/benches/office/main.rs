//! The office-mode scale benchmark (issue 17), run by `bench/office`.
//!
//! A real Mosquitto (plain TCP on loopback, a password per desk made by
//! `mosquitto_passwd`, the gateway's ACL), the simulated PBX replaying the
//! busy-hour capture after a real AMI login, one release `ringside-gateway`
//! configured for N desks, and N desks, each its own MQTT 5 connection and
//! broker user. The stream is played at each speed asked (1× spreads its
//! packets evenly over the busy hour's recorded length). Then the direct
//! alternative: N AMI sessions to the simulated PBX, each receiving the same
//! stream, measured on the PBX side.
//!
//! Prints one JSON object (the figures) on stdout; `bench/office` turns it
//! into the table in bench/RESULTS.md.

mod desks;
mod direct;
mod procs;
mod run;
mod truth;

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;

/// The office benchmark's settings.
#[derive(Debug, Parser)]
struct Args {
    /// How many desks.
    #[arg(long, default_value_t = 500)]
    desks: usize,
    /// The speeds to play the busy hour at, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,10")]
    speeds: Vec<f64>,
    /// The `ringside-gateway` binary (release).
    #[arg(long)]
    gateway: PathBuf,
    /// The `ringside-pbxsim` binary (release).
    #[arg(long)]
    pbxsim: PathBuf,
    /// The capture to play.
    #[arg(long)]
    capture: PathBuf,
    /// The speeds to play the direct alternative at (its PBX-side cost
    /// per stream hardly depends on the speed).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    direct_speeds: Vec<f64>,
    /// AMI sessions for the direct alternative (0: skip it).
    #[arg(long, default_value_t = 500)]
    direct_sessions: usize,
    /// Seconds between the gateway's login and the first packet, for its
    /// desks' trackers to read the PBX's state.
    #[arg(long, default_value_t = 5.0)]
    start_delay: f64,
    /// Seconds without a new card, once the stream is over, before the
    /// count is final.
    #[arg(long, default_value_t = 10.0)]
    drain: f64,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let report = rt.block_on(run::all(&args));
    println!("{report}");
}

/// What every run shares.
#[derive(Debug)]
pub struct Setup {
    /// The capture, as the simulated PBX replays it.
    pub capture: Arc<ringside_pbxsim::Capture>,
    /// Its packets, decoded.
    pub packets: Vec<ringside_ami::Packet>,
    /// The busy hour's recorded length, seconds.
    pub recorded_s: f64,
    /// The extensions the desks watch, with their truth.
    pub truths: Vec<(String, Arc<truth::Truth>)>,
}
