//! What a desk may ask the gateway, and the one check of who may ask what.
//!
//! A request is a small JSON object on the desk's request topic, tagged by
//! `action`:
//!
//! ```json
//! {"action":"dial","from":"1001","number":"+15551234567"}
//! {"action":"transfer","call":"1796392630.3","to":"1002","attended":false}
//! {"action":"pickup","from":"1001","ringing":"1002"}
//! {"action":"park","call":"1796392630.3"}
//! {"action":"hangup","call":"1796392630.3"}
//! {"action":"sms","number":"13632919026","text":"Back at 3","span":1}
//! ```
//!
//! The gateway answers each on the MQTT 5 response topic, with the request's
//! correlation data, as a [`DeskResponse`]. There is no request that carries
//! an AMI action: [`authorize`] turns an allowed request into the calls
//! crate's typed action, the same one the app's button and the CLI send, and
//! every field is checked there (a `\r\n` never reaches the PBX).

use ringside_ami::Packet;
use ringside_calls::actions::{self, DialRequest, PickupRequest};
use ringside_calls::profile::{PbxKind, Profile};
use ringside_calls::sms::{send_sms_action, SmsRequest};
use ringside_calls::tracker::{CallChannel, Dialect};
use ringside_calls::CallTracker;
use serde::{Deserialize, Serialize};

use crate::config::DeskConfig;
use crate::error::RequestError;

/// The largest request payload accepted, in bytes; a bigger one is refused
/// before it is parsed.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024;

/// A desk's request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum DeskRequest {
    /// Click-to-dial: the desk's phone `from` rings first, then `number`.
    Dial {
        /// One of the desk's extensions.
        from: String,
        /// The number to call.
        number: String,
    },
    /// Transfer a call at one of the desk's phones to `to`.
    Transfer {
        /// The call id, as the cards carry it.
        call: String,
        /// The extension or number to transfer to.
        to: String,
        /// Attended (the desk's phone talks to `to` first) or blind.
        #[serde(default)]
        attended: bool,
    },
    /// Pick up the call ringing at `ringing`, to the desk's phone `from`.
    Pickup {
        /// One of the desk's extensions.
        from: String,
        /// The colleague whose phone rings.
        ringing: String,
    },
    /// Park a call at one of the desk's phones.
    Park {
        /// The call id.
        call: String,
    },
    /// Hang up the desk's own leg of a call.
    Hangup {
        /// The call id.
        call: String,
    },
    /// Send a text through the PBX, where it is a GSM gateway.
    Sms {
        /// The destination.
        number: String,
        /// The text.
        text: String,
        /// The GSM span (SIM); 1 when not given.
        #[serde(default)]
        span: Option<u32>,
    },
}

/// The gateway's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskResponse {
    /// Whether the PBX took it.
    pub ok: bool,
    /// On refusal, a stable word ([`RequestError::code`], or the AMI
    /// client's) the desk branches on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// On refusal, what the receptionist reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl DeskResponse {
    /// The request went through.
    pub fn done() -> Self {
        Self {
            ok: true,
            code: None,
            message: None,
        }
    }

    /// The request was refused (by the gateway, or by the PBX).
    pub fn refused(code: &str, message: impl Into<String>) -> Self {
        Self {
            ok: false,
            code: Some(code.to_owned()),
            message: Some(message.into()),
        }
    }
}

impl From<&RequestError> for DeskResponse {
    fn from(e: &RequestError) -> Self {
        Self::refused(e.code(), e.to_string())
    }
}

impl DeskRequest {
    /// Reads a request payload, refusing one over [`MAX_REQUEST_BYTES`]
    /// before parsing it. The error never quotes the payload.
    pub fn parse(payload: &[u8]) -> Result<Self, RequestError> {
        if payload.len() > MAX_REQUEST_BYTES {
            return Err(RequestError::TooLarge {
                bytes: payload.len(),
                max: MAX_REQUEST_BYTES,
            });
        }
        serde_json::from_slice(payload).map_err(|e| {
            RequestError::Malformed(match e.classify() {
                serde_json::error::Category::Data => {
                    "it is not one of dial, transfer, pickup, park, hangup or sms with their fields"
                        .to_owned()
                }
                _ => format!("not JSON (line {}, column {})", e.line(), e.column()),
            })
        })
    }
}

/// The live calls, as the gateway's tracker knows them.
pub trait CallView {
    /// The channels of call `call` (empty when it is not live).
    fn channels_of(&self, call: &str) -> Vec<CallChannel>;
}

impl CallView for CallTracker {
    fn channels_of(&self, call: &str) -> Vec<CallChannel> {
        CallTracker::channels_of(self, call)
    }
}

/// Where an allowed request runs: the PBX's profile and dialect, and the
/// preset channel id for an originate (to follow its outcome).
#[derive(Debug, Clone, Copy)]
pub struct Pbx<'a> {
    /// The PBX's profile.
    pub profile: &'a Profile,
    /// The dialect the session speaks.
    pub dialect: Dialect,
}

/// Checks that `desk` may make `req` and builds the action to send: a desk
/// acts only from its own extensions and only on calls at its own phones;
/// every field then passes the typed action's own checks. Nothing is sent
/// here, and nothing at all for a refusal.
pub fn authorize(
    desk: &DeskConfig,
    req: &DeskRequest,
    pbx: Pbx<'_>,
    calls: &impl CallView,
    channel_id: &str,
) -> Result<Packet, RequestError> {
    let mine = &desk.extensions;
    let own = |ext: &str| -> Result<(), RequestError> {
        if mine.iter().any(|m| m == ext) {
            Ok(())
        } else {
            Err(RequestError::NotYourExtension {
                extension: shown(ext),
                mine: mine.join(", "),
            })
        }
    };
    let at_desk = |call: &str| -> Result<Vec<CallChannel>, RequestError> {
        let channels = calls.channels_of(call);
        if channels.is_empty() {
            return Err(actions::ActionError::CallGone.into());
        }
        let here = channels.iter().any(|c| {
            c.kind == ringside_calls::channel::EndpointKind::Extension && mine.contains(&c.endpoint)
        });
        if here {
            Ok(channels)
        } else {
            Err(RequestError::NotYourCall {
                mine: mine.join(", "),
            })
        }
    };
    let packet = match req {
        DeskRequest::Dial { from, number } => {
            own(from)?;
            let dial = DialRequest {
                extension: from.clone(),
                number: number.clone(),
                caller_name: None,
                channel_id: channel_id.to_owned(),
                context: None,
            };
            actions::click_to_dial(pbx.profile, pbx.dialect, &dial)?
        }
        DeskRequest::Pickup { from, ringing } => {
            own(from)?;
            let pick = PickupRequest {
                extension: from.clone(),
                ringing: ringing.clone(),
                caller_name: None,
                channel_id: channel_id.to_owned(),
            };
            actions::pickup(pbx.profile, pbx.dialect, &pick)?
        }
        DeskRequest::Transfer { call, to, attended } => {
            let channels = at_desk(call)?;
            actions::transfer_call(
                pbx.profile,
                pbx.dialect,
                &channels,
                mine,
                to,
                *attended,
                None,
            )?
        }
        DeskRequest::Park { call } => {
            let channels = at_desk(call)?;
            actions::park_call(pbx.profile, pbx.dialect, &channels, mine)?
        }
        DeskRequest::Hangup { call } => {
            let channels = at_desk(call)?;
            let own_leg = channels
                .iter()
                .find(|c| mine.contains(&c.endpoint))
                .ok_or(actions::ActionError::CallGone)?;
            actions::hangup(&own_leg.name)?
        }
        DeskRequest::Sms { number, text, span } => {
            if pbx.profile.kind != PbxKind::OpenVox {
                return Err(actions::ActionError::Unsupported {
                    action: "text messages (it is not a GSM gateway)",
                }
                .into());
            }
            let span = span.unwrap_or(1).to_string();
            send_sms_action(&SmsRequest::new(span, number.clone(), text.clone()))?
        }
    };
    Ok(packet)
}

/// A refused value as the error shows it: control characters escaped, at
/// most 40 characters.
fn shown(s: &str) -> String {
    s.chars().take(40).flat_map(char::escape_debug).collect()
}

#[cfg(test)]
mod tests;
