//! A simulated Asterisk PBX that speaks real AMI over real TCP (or TLS):
//! the peer of every Ringside client test, the source of the peer
//! benchmark's replay stream, and the app's built-in demo PBX.
//!
//! It can
//! - greet, hand out MD5 challenges and check `Login` (plain `Secret` or
//!   `Key`), refusing wrong secrets and non-permitted users as Asterisk does;
//! - replay any recorded session from `tests/fixtures/ami` (gzip too) to
//!   each client after its login, as fast as the client reads or paced;
//! - script calls ([`Scenario`]) in two dialects ([`Dialect::Ami11`] for
//!   Asterisk 1.8, [`Dialect::Modern`] for 12+): incoming, ring group,
//!   queue via Local channels, internal, outbound, transfers, and a demo loop
//!   (in real time, or [`SimConfig::demo_speed`] times as fast for soaks);
//! - answer Ping, Originate (and make the call happen), Redirect,
//!   BlindTransfer, Atxfer, Hangup, the event lists, Command and Events
//!   against its live channels and extension states, recording every action;
//!   its hints are one per extension or one pattern ([`Hints`]), whose
//!   extensions `ExtensionStateList` lists only once watched;
//! - be an attendant's PBX: a parking lot (`Park`, `ParkedCalls`,
//!   retrieval by an Originate to the space, the timeout back to the
//!   parker), queues with members and waiting callers ([`SimQueue`]:
//!   `QueueStatus`, `QueueSummary`, `QueuePause`, `QueueAdd`,
//!   `QueueRemove`), pickup by an Originate to `PickupChan` or a `**<ext>`
//!   code, voicemail (`MailboxCount`, `MessageWaiting`), and each user's
//!   `write=` classes ([`SimUser::with_write`]: `Permission denied`, and
//!   `ListCommands` lists only what the user may send);
//! - act as an OpenVox GSM gateway ([`OpenVox`]): take `gsm send sms`
//!   commands and announce incoming SMS as the gateway's dialplan does;
//! - inject [`Fault`]s: cut packets, drip, garbage, a 100 MiB packet, an
//!   endless line, half-open silence, refused logins, permit-list closes,
//!   event floods and restarts.
//!
//! It must not be used by the product except as the demo PBX, and it owns
//! no client logic: it reads actions with the shared [`ringside_ami::AmiCodec`].
//!
//! ```no_run
//! # async fn demo() -> ringside_pbxsim::Result<()> {
//! use ringside_pbxsim::{Party, PbxSim, Scenario, SimConfig};
//! let sim = PbxSim::start(SimConfig::default()).await?;
//! // ... connect a client to sim.addr() and log in as ringside/ringside-secret ...
//! sim.play(Scenario::incoming(Party::new("+15551234567", "ACME Corp"), "5550100", "1001"))
//!     .finished()
//!     .await;
//! assert!(sim.received().iter().any(|a| a.is("Action", "Login")));
//! # Ok(()) }
//! ```

mod actions;
pub mod capture;
pub mod config;
pub mod error;
pub mod fault;
pub mod openvox;
pub mod scenario;
mod server;
mod session;
mod shared;
mod world;

pub use capture::Capture;
pub use config::{
    capture_extensions, capture_queues, Dialect, Extension, Hints, Pace, Replay, SentLog,
    SimConfig, SimQueue, SimTls, SimUser,
};
pub use error::{Error, Result};
pub use fault::Fault;
pub use openvox::{OpenVox, SentSms};
pub use scenario::{CallSpec, Party, PickupStyle, Scenario, Timing, TransferStyle};
pub use server::{PbxSim, Playing, SimHandle};
