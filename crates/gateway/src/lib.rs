//! Office mode (issue 17): one `ringside-gateway` holds the office's only
//! AMI session and fans it out to the desks through an MQTT 5 broker; desks
//! send their requests back the same way, and the gateway authorizes each
//! one before anything reaches the PBX.
//!
//! This crate is the gateway's headless core, shared by the gateway and the
//! desks (the CLI and the app), so neither decides twice:
//! - [`config`]: the gateway's TOML file (the PBX, the broker, the desk users
//!   and their extensions), checked as a whole before anything connects;
//! - [`credentials`]: the AMI secret and the broker password, from a file
//!   that only its owner may read, or from the environment, never from the
//!   command line;
//! - [`broker`]: the broker's address (`mqtt://`, `mqtts://`) and when a
//!   password may travel over it;
//! - [`topics`]: the versioned topic tree, and the Mosquitto ACL that
//!   confines each desk to its own branch;
//! - [`request`]: what a desk may ask (dial, transfer, pickup, park, hang
//!   up, text, retrieve, send to voicemail, its own queue pauses and
//!   logins), the JSON on the wire with its size cap, and the one check of
//!   who may ask what, which turns an allowed request into the calls crate's
//!   typed action. A desk can never send a raw AMI action.
//!
//! On these: [`desk`] (a desk's connection, shared by the CLI and the
//! app: its card lines once each, the office's retained state, requests
//! and their answers), [`session`] (an MQTT 5 session, TLS with the AMI crate's
//! trust, the gateway's Last Will, reconnection with backoff), [`feed`]
//! (a desk's live calls, retained, and the desk's de-duplication),
//! [`panels`] (the office's live calls, parked calls, queues and voicemail,
//! retained) and
//! [`runtime`] (the gateway at work: one AMI session, one tracker per
//! desk, the desks' requests answered). The `ringside-gateway` binary and
//! the CLI's `--broker` commands are thin over them.

pub mod broker;
pub mod config;
pub mod credentials;
pub mod desk;
mod error;
pub mod feed;
pub mod panels;
pub mod request;
pub mod runtime;
pub mod session;
pub mod topics;

pub use broker::BrokerUrl;
pub use config::{DeskConfig, GatewayConfig};
pub use credentials::Credentials;
pub use error::{ConfigError, RequestError};
pub use request::{DeskRequest, DeskResponse};
pub use topics::Topics;
