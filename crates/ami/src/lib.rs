//! The Asterisk Manager Interface, and nothing else: how AMI bytes are framed
//! into [`Packet`]s and back, and the async client that owns one AMI session
//! (transport, login, ActionIDs, event lists, keepalive, reconnection).
//!
//! This crate must not know about calls, extensions or any UI; those live in
//! `ringside-calls` and the app shell.

pub mod codec;
pub mod packet;

pub use codec::{AmiCodec, Banner, CodecError, Frame};
pub use packet::{EncodeError, Packet};
