//! The Asterisk Manager Interface, and nothing else: how AMI bytes are framed
//! into [`Packet`]s and back, and the async client that owns one AMI session
//! (transport, login, ActionIDs, event lists, keepalive, reconnection).
//!
//! This crate must not know about calls, extensions or any UI; those live in
//! `ringside-calls` and the app shell.

pub mod client;
pub mod codec;
pub mod error;
pub mod packet;

pub use client::{
    AmiStream, AuthMode, BackoffPolicy, BoxedStream, CertFingerprint, Client, ClientConfig,
    ConnectError, ConnectionState, Connector, DisconnectReason, EventList, EventStream,
    ReceivedEvent, Secret, SessionEvent, TcpConnector, TlsConnector, TlsFailure, TlsFailureKind,
    TlsTrust,
};
pub use codec::{AmiCodec, Banner, CodecError, Frame};
pub use error::{Error, Result};
pub use packet::{EncodeError, Packet};
