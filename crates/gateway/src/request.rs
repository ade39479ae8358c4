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
//! {"action":"retrieve","slot":"71","lot":"default"}
//! {"action":"voicemail","call":"1796392630.3","to":"1002"}
//! {"action":"queue_pause","queue":"support","member":"1001","paused":true,"reason":"lunch"}
//! {"action":"queue_member","queue":"support","member":"1001","logged_in":false}
//! ```
//!
//! The gateway answers each on the MQTT 5 response topic, with the request's
//! correlation data, as a [`DeskResponse`]. There is no request that carries
//! an AMI action: [`authorize`] turns an allowed request into the calls
//! crate's typed action, the same one the app's button and the CLI send, and
//! every field is checked there (a `\r\n` never reaches the PBX).

use ringside_ami::Packet;
use ringside_calls::actions::{self, DialRequest, PickupRequest, RetrieveRequest};
use ringside_calls::channel::ChannelName;
use ringside_calls::profile::{PbxKind, Profile};
use ringside_calls::sms::{send_sms_action, SmsRequest};
use ringside_calls::tracker::{CallChannel, Dialect};
use ringside_calls::{CallTracker, ParkedCalls};
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
    /// Take the call parked in `slot` to the desk's phone `from` (its
    /// first extension when not given).
    Retrieve {
        /// The parking space (`71`).
        slot: String,
        /// The lot, when the PBX names it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lot: Option<String>,
        /// One of the desk's extensions; its first when not given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
    },
    /// Send the caller of a call at one of the desk's phones to the
    /// voicemail of `to`.
    Voicemail {
        /// The call id.
        call: String,
        /// The colleague whose voicemail takes the caller.
        to: String,
    },
    /// Pause or unpause the desk's own queue membership, in `queue` or in
    /// every queue.
    QueuePause {
        /// The queue; every queue when not given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        queue: Option<String>,
        /// The member: one of the desk's extensions, or the queue's
        /// interface for it (`PJSIP/1001`, `Local/1001@from-queue/n`).
        member: String,
        /// Paused or not.
        paused: bool,
        /// Why (kept by Asterisk 12+ as the member's `PausedReason`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Log the desk's own extension in to or out of `queue`.
    QueueMember {
        /// The queue.
        queue: String,
        /// The member, as for [`DeskRequest::QueuePause`].
        member: String,
        /// In (`QueueAdd`) or out (`QueueRemove`).
        logged_in: bool,
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
                    "it is not one of dial, transfer, pickup, park, hangup, sms, retrieve, \
                     voicemail, queue_pause or queue_member with their fields"
                        .to_owned()
                }
                _ => format!("not JSON (line {}, column {})", e.line(), e.column()),
            })
        })
    }
}

/// The live calls and parked calls, as the gateway knows them.
pub trait CallView {
    /// The channels of call `call` (empty when it is not live).
    fn channels_of(&self, call: &str) -> Vec<CallChannel>;
    /// Whether a call waits in parking space `space`: of `lot` when named,
    /// of any lot when not.
    fn is_parked(&self, lot: Option<&str>, space: &str) -> bool;
}

/// What the gateway knows for one desk: the calls its tracker follows,
/// and the office's parked calls (its console's).
#[derive(Debug, Clone, Copy)]
pub struct DeskView<'a> {
    /// The desk's view of the calls.
    pub calls: &'a CallTracker,
    /// The office's parked calls.
    pub parked: &'a ParkedCalls,
}

impl CallView for DeskView<'_> {
    fn channels_of(&self, call: &str) -> Vec<CallChannel> {
        self.calls.channels_of(call)
    }

    fn is_parked(&self, lot: Option<&str>, space: &str) -> bool {
        match lot {
            Some(_) => self.parked.get(lot, space).is_some(),
            // The PBX names the lot of each parked call: a request without
            // one means the space in whichever lot holds it.
            None => self.parked.calls().any(|c| c.slot == space),
        }
    }
}

/// The extension a queue member names: itself, or the extension of an
/// interface (`PJSIP/1001`, `Local/1001@from-queue/n` → `1001`).
fn member_extension(member: &str) -> Option<&str> {
    if !member.contains('/') {
        return Some(member);
    }
    let name = ChannelName::parse(member)?;
    if name.wrapped || name.sequence.is_some() {
        return None;
    }
    Some(
        name.local_target()
            .map_or(name.endpoint, |(exten, _)| exten),
    )
}

/// The longest parking lot name accepted.
const MAX_LOT_LEN: usize = 80;

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
    // A desk pauses and logs in or out only its own membership.
    let own_member = |member: &str| -> Result<(), RequestError> {
        match member_extension(member) {
            Some(ext) if mine.iter().any(|m| m == ext) => Ok(()),
            _ => Err(RequestError::NotYourMember {
                member: shown(member),
                mine: mine.join(", "),
            }),
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
        DeskRequest::Retrieve { slot, lot, from } => {
            let extension = retrieve_extension(desk, from.as_deref())?;
            if let Some(l) = lot {
                if l.is_empty() || l.len() > MAX_LOT_LEN || l.chars().any(char::is_control) {
                    return Err(actions::ActionError::BadField {
                        field: "parking lot",
                        shown: shown(l),
                    }
                    .into());
                }
            }
            let req = RetrieveRequest {
                extension,
                space: slot.clone(),
                caller_name: None,
                channel_id: channel_id.to_owned(),
                context: None,
            };
            // Built first: the space is checked before it is quoted back.
            let packet = actions::retrieve(pbx.profile, pbx.dialect, &req)?;
            if !calls.is_parked(lot.as_deref(), slot) {
                return Err(actions::ActionError::NothingParked {
                    space: slot.clone(),
                    lot: lot.clone(),
                }
                .into());
            }
            packet
        }
        DeskRequest::Voicemail { call, to } => {
            let channels = at_desk(call)?;
            actions::voicemail_call(pbx.profile, &channels, mine, to)?
        }
        DeskRequest::QueuePause {
            queue,
            member,
            paused,
            reason,
        } => {
            own_member(member)?;
            actions::queue_pause(
                pbx.profile,
                queue.as_deref(),
                member,
                *paused,
                reason.as_deref(),
            )?
        }
        DeskRequest::QueueMember {
            queue,
            member,
            logged_in,
        } => {
            own_member(member)?;
            if *logged_in {
                actions::queue_add(pbx.profile, queue, member, None, false)?
            } else {
                actions::queue_remove(pbx.profile, queue, member)?
            }
        }
    };
    Ok(packet)
}

/// The desk's phone a retrieval rings: `from`, which must be one of the
/// desk's own, or its first extension.
pub fn retrieve_extension(desk: &DeskConfig, from: Option<&str>) -> Result<String, RequestError> {
    let mine = &desk.extensions;
    match from {
        Some(f) if mine.iter().any(|m| m == f) => Ok(f.to_owned()),
        Some(f) => Err(RequestError::NotYourExtension {
            extension: shown(f),
            mine: mine.join(", "),
        }),
        // The configuration gives every desk at least one.
        None => mine
            .first()
            .cloned()
            .ok_or_else(|| RequestError::NotYourExtension {
                extension: String::new(),
                mine: String::new(),
            }),
    }
}

/// A refused value as the error shows it: control characters escaped, at
/// most 40 characters.
fn shown(s: &str) -> String {
    s.chars().take(40).flat_map(char::escape_debug).collect()
}

#[cfg(test)]
mod tests;
