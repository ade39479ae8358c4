//! What a client asks a running call to do ([`CallCmd`]), sent to the task
//! of the call that owns the channel, and what a client's `Originate` asked
//! for ([`OriginateSpec`]), which a pickup or a retrieval carries to the
//! call it takes.

use std::time::Duration;

/// What a client asked to do to a channel of a running call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallCmd {
    /// `Hangup` of this channel.
    Hangup { channel: String },
    /// `Redirect` of this channel to an extension.
    Redirect { channel: String, exten: String },
    /// `BlindTransfer`: the peer of `channel` goes to `exten`.
    BlindTransfer { channel: String, exten: String },
    /// `Atxfer`: `channel` consults `exten`, then hands its peer over.
    Atxfer { channel: String, exten: String },
    /// `Park`: `channel` waits in `space`; after `timeout` it rings the
    /// phone of `parker` (the timeout channel) again.
    Park {
        channel: String,
        parker: Option<String>,
        space: String,
        timeout: Duration,
    },
    /// A phone takes the ringing channel `target` (`PickupChan`, `**ext`).
    PickUp {
        target: String,
        by: Box<OriginateSpec>,
    },
    /// A phone dialled the space this call waits in.
    Retrieve { by: Box<OriginateSpec> },
}

/// What a client's `Originate` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OriginateSpec {
    pub action_id: Option<String>,
    /// The extension whose phone rings first (from `Channel: PJSIP/1000`).
    pub from: String,
    pub context: String,
    /// The extension dialled once it answers; empty for an application.
    pub exten: String,
    /// The application it runs instead (`PickupChan`) and its data.
    pub app: Option<(String, String)>,
    pub channel_id: Option<String>,
    pub caller_id: Option<String>,
    /// Asterisk reports the outcome as an `OriginateResponse` event only
    /// for `Async: true`.
    pub is_async: bool,
}
