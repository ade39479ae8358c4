//! The Elastix HTTP API (the `elastix-api` PHP add-on at
//! `https://<pbx>/api/api.php`), and nothing else: call history (CDR),
//! SIP peer presence, live calls and call recordings, fetched over HTTPS
//! with the same certificate trust as the AMI client (system CAs, extra CA
//! certificates, or one pinned SHA-256 fingerprint for the self-signed
//! certificate Elastix ships).
//!
//! Parsing lives apart from networking: [`cdr`], [`peers`] and [`channels`]
//! turn response bytes into typed values and can be used without a
//! connection; [`ElastixClient`] only moves bytes. [`convert`] turns CDR rows
//! into [`ringside_calls::CallRecord`]s for the history store. This crate
//! knows nothing about the UI or the database.
//!
//! ```no_run
//! use ringside_ami::{Secret, TlsTrust};
//! use ringside_elastix::{CdrQuery, ElastixClient, ElastixConfig};
//! # async fn demo() -> ringside_elastix::Result<()> {
//! // The fingerprint the first connection's error message showed.
//! let trust = TlsTrust::pinned(
//!     "3A:1F:6C:0B:9E:54:27:D8:41:C2:70:AF:15:88:E3:6D:92:0C:B7:44:5E:19:A6:F0:3D:81:C5:2B:7E:60:D9:14",
//! )?;
//! let client = ElastixClient::new(ElastixConfig::new(
//!     "https://pbx.office.lan/api/api.php",
//!     Secret::new("kJBJzUqZ2W9THvW9vrFTEzXN7NNfDv9XyzENAn7teWDsZCcYHj"),
//!     trust,
//! ))?;
//! let rows = client.cdr_report(&CdrQuery::default()).await?;
//! # let _ = rows; Ok(()) }
//! ```

pub mod cdr;
pub mod channels;
mod client;
mod config;
pub mod convert;
pub mod error;
mod import;
mod loose;
pub mod peers;
pub mod recording;
mod response;
#[cfg(feature = "test-server")]
pub mod testserver;
pub mod time;

pub use cdr::{CdrField, CdrQuery, CdrRow, CdrStatus, Disposition, RecordingFilter};
pub use channels::{ActiveCalls, ActiveChannel};
pub use client::ElastixClient;
pub use config::ElastixConfig;
pub use convert::calls_from_cdr;
pub use error::{Error, Result};
pub use import::import_cdr_since_cursor;
pub use peers::{PeerKind, PeerPresence, PeerStatus, SipPeer};
pub use recording::RecordingName;
pub use ringside_ami::{CertFingerprint, Secret, TlsTrust};
pub use time::{PbxDateTime, UtcOffset};
