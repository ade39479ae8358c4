//! Everything Ringside knows about calls, kept free of I/O: channel-name
//! parsing, the AMI dialects, the pure [`tracker`], the attendant
//! [`console`]'s parked calls, queues and voicemail panels and the
//! [`recall`] of unanswered transfers beside it, presence, PBX profiles,
//! typed actions, the AMI user's [`rights`] and number normalization.
//!
//! This crate must not open sockets or files; the only async code is the thin
//! glue that feeds the tracker from an `ringside-ami` event stream.

pub mod actions;
pub mod channel;
pub mod civil;
pub mod clock;
pub mod console;
pub mod lines;
pub mod live;
pub mod number;
pub mod presence;
pub mod probe;
pub mod profile;
pub mod recall;
pub mod record;
pub mod replay;
pub mod rights;
pub mod sms;
pub mod tracker;

pub use console::{
    Console, ConsoleChange, ParkChange, ParkedCalls, QueueChange, Queues, Voicemail,
    VoicemailChange,
};
pub use number::NumberPlan;
pub use recall::{LiveRecall, Recall, RecallConfig, RecallOutput, RecallSetup};
pub use record::{CallRecord, Direction, Outcome, QueueWait, Transfer, TransferKind, WaitEnd};
pub use sms::{IncomingSms, SmsDetector, SmsRequest};
pub use tracker::{CallCard, CallTracker, CardChange, CloseReason, TrackerConfig};
