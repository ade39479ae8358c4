//! Answers to the actions a logged-in client sends, shaped like the real
//! answers in `tests/fixtures/ami/actions.ami`, `click-to-dial.ami` and
//! `redirect-transfer.ami` (and Asterisk 1.8's for [`Dialect::Ami11`]).
//! Login, Challenge and Logoff are the session's business (`session.rs`);
//! this module owns everything after the login, and reads or changes the
//! world only through its methods.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ringside_ami::Packet;
use tokio::sync::oneshot;

use crate::config::Dialect;
use crate::openvox;
use crate::scenario::{self, OriginateSpec, Timing};
use crate::shared::Shared;
use crate::world::{
    chan_fields, connected_or_unknown, device_state, status_text, CallCmd, ChanState, World,
};

/// What the session must do after an action was answered.
#[derive(Debug, Default)]
pub(crate) struct Answer {
    /// Bytes to write, in order.
    pub bytes: Vec<u8>,
    /// `Events: on|off` changed the session's event flag.
    pub events: Option<bool>,
}

impl Answer {
    fn packets(packets: &[Packet]) -> Self {
        let mut bytes = Vec::new();
        for p in packets {
            if let Err(e) = p.encode_into(&mut bytes) {
                tracing::warn!(error = %e, "answer not encodable; skipped");
            }
        }
        Self {
            bytes,
            events: None,
        }
    }
}

/// `Response: <kind>` with the action's ActionID, as Asterisk starts every
/// answer.
pub(crate) fn response(action: &Packet, kind: &str) -> Packet {
    let mut p = Packet::new().with("Response", kind);
    if let Some(id) = action.action_id() {
        p.push("ActionID", id);
    }
    p
}

/// `Response: Error` with a message.
pub(crate) fn error(action: &Packet, message: &str) -> Packet {
    response(action, "Error").with("Message", message)
}

fn success(action: &Packet, message: &str) -> Packet {
    response(action, "Success").with("Message", message)
}

fn with_id(mut p: Packet, action: &Packet) -> Packet {
    if let Some(id) = action.action_id() {
        p.push("ActionID", id);
    }
    p
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, World> {
    shared
        .world
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Answers one action of a logged-in session.
pub(crate) async fn answer(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let dialect = shared.dialect;
    let name = action
        .action_name()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match name.as_str() {
        "ping" => Answer::packets(&[response(action, "Success")
            .with("Ping", "Pong")
            .with("Timestamp", lock(shared).timestamp())]),
        "events" => {
            let on = !action
                .get("EventMask")
                .is_some_and(|m| m.eq_ignore_ascii_case("off"));
            // Asterisk 1.8 and 12+ both answer `Response: Success` with
            // `Events: On|Off` and the ActionID (manager.c action_events).
            let mut a = Answer::packets(&[
                response(action, "Success").with("Events", if on { "On" } else { "Off" })
            ]);
            a.events = Some(on);
            a
        }
        "originate" => originate(shared, action).await,
        "redirect" => transfer(shared, action, Transfer::Redirect),
        "blindtransfer" if dialect == Dialect::Modern => transfer(shared, action, Transfer::Blind),
        "atxfer" => transfer(shared, action, Transfer::Attended),
        "hangup" => hangup(shared, action),
        "coreshowchannels" => core_show_channels(shared, action),
        "status" => status(shared, action),
        "extensionstatelist" if dialect == Dialect::Modern => extension_state_list(shared, action),
        "devicestatelist" if dialect == Dialect::Modern => device_state_list(shared, action),
        "extensionstate" => extension_state(shared, action),
        "command" => command(shared, action),
        "coresettings" => Answer::packets(&[response(action, "Success")
            .with(
                "AMIversion",
                dialect.banner().rsplit('/').next().unwrap_or_default(),
            )
            .with("AsteriskVersion", asterisk_version(dialect))
            .with("SystemName", "")
            .with("CoreMaxCalls", "0")
            .with("CoreMaxLoadAvg", "0.000000")
            .with("CoreRunUser", "asterisk")
            .with("CoreRunGroup", "asterisk")
            .with("CoreMaxFilehandles", "0")
            .with("CoreRealTimeEnabled", "No")
            .with("CoreCDRenabled", "Yes")
            .with("CoreHTTPenabled", "No")]),
        "corestatus" => {
            let w = lock(shared);
            let calls = w
                .channels()
                .filter(|c| c.endpoint == w.trunk || !c.name.starts_with("Local/"))
                .count()
                / 2;
            let started = crate::world::format_time(w.now().as_secs());
            let (date, time) = started.split_once(' ').unwrap_or_default();
            Answer::packets(&[response(action, "Success")
                .with("CoreStartupDate", date)
                .with("CoreStartupTime", time)
                .with("CoreReloadDate", date)
                .with("CoreReloadTime", time)
                .with("CoreCurrentCalls", calls.to_string())])
        }
        "queuestatus" => queue_status(shared, action),
        "pjsipshowendpoints" if dialect == Dialect::Modern => endpoints(shared, action),
        "sippeers" if dialect == Dialect::Ami11 => endpoints(shared, action),
        "pjsipshowendpoint" if dialect == Dialect::Modern => endpoint_detail(shared, action),
        "sipshowpeer" if dialect == Dialect::Ami11 => sip_peer(shared, action),
        "login" => Answer::packets(&[success(action, "Already authenticated")]),
        "" => Answer::packets(&[error(action, "Missing action in request")]),
        _ => Answer::packets(&[error(
            action,
            &format!(
                "Invalid/unknown command: {}. Use Action: ListCommands to show available commands.",
                action.action_name().unwrap_or_default()
            ),
        )]),
    }
}

fn asterisk_version(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Ami11 => "1.8.32.3",
        Dialect::Modern => "23.4.1",
    }
}

/// `PJSIP/1000`, `SIP/1000`, `Local/1000@ctx` → `1000`.
fn endpoint_of(channel: &str) -> Option<&str> {
    let (tech, rest) = channel.split_once('/')?;
    let ep = rest.split(['@', '/', '-']).next()?;
    match tech.to_ascii_uppercase().as_str() {
        "PJSIP" | "SIP" | "LOCAL" | "IAX2" => Some(ep),
        _ => None,
    }
}

async fn originate(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let Some(channel) = action.get("Channel").filter(|c| !c.is_empty()) else {
        return Answer::packets(&[error(action, "Channel not specified")]);
    };
    let Some(exten) = action.get("Exten").filter(|e| !e.is_empty()) else {
        return Answer::packets(&[error(action, "Exten not specified")]);
    };
    let is_async = action
        .get("Async")
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "1" | "on"));
    let from = endpoint_of(channel).unwrap_or_default().to_owned();
    let known = lock(shared).extension(&from).is_some();
    let spec = OriginateSpec {
        action_id: action.action_id().map(str::to_owned),
        from: from.clone(),
        context: action.get("Context").unwrap_or("default").to_owned(),
        exten: exten.to_owned(),
        channel_id: action
            .get("ChannelId")
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        caller_id: action.get("CallerID").map(str::to_owned),
        is_async,
    };
    let timing = Timing {
        ring: Duration::from_secs(1),
        talk: Duration::from_secs(3600),
    };
    if !known {
        if is_async {
            // Asterisk queues it, then reports the failure as an event.
            let w = shared.world.clone();
            let queued = success(action, "Originate successfully queued");
            let failure = with_id(
                Packet::new()
                    .with("Event", "OriginateResponse")
                    .with("Privilege", "call,all"),
                action,
            )
            .with("Response", "Failure")
            .with("Channel", channel)
            .with("Context", &spec.context)
            .with("Exten", exten)
            .with("Reason", "0")
            .with("Uniqueid", "<null>")
            .with("CallerIDNum", "<unknown>")
            .with("CallerIDName", "<unknown>");
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(10)).await;
                w.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .emit(&failure);
            });
            return Answer::packets(&[queued]);
        }
        return Answer::packets(&[error(action, "Originate failed")]);
    }
    let w = shared.world.clone();
    if is_async {
        tokio::spawn(scenario::originate(w, spec, timing, None));
        return Answer::packets(&[success(action, "Originate successfully queued")]);
    }
    // A synchronous Originate answers once the first leg is up.
    let (tx, rx) = oneshot::channel();
    tokio::spawn(scenario::originate(w, spec, timing, Some(tx)));
    match rx.await {
        Ok(true) => Answer::packets(&[success(action, "Originate successfully queued")]),
        _ => Answer::packets(&[error(action, "Originate failed")]),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transfer {
    Redirect,
    Blind,
    Attended,
}

fn transfer(shared: &Arc<Shared>, action: &Packet, kind: Transfer) -> Answer {
    let Some(channel) = action.get("Channel").filter(|c| !c.is_empty()) else {
        return Answer::packets(&[error(action, "Channel not specified")]);
    };
    let Some(exten) = action.get("Exten").filter(|e| !e.is_empty()) else {
        return Answer::packets(&[error(action, "Exten not specified")]);
    };
    let cmd = match kind {
        Transfer::Redirect => CallCmd::Redirect {
            channel: channel.to_owned(),
            exten: exten.to_owned(),
        },
        Transfer::Blind => CallCmd::BlindTransfer {
            channel: channel.to_owned(),
            exten: exten.to_owned(),
        },
        Transfer::Attended => CallCmd::Atxfer {
            channel: channel.to_owned(),
            exten: exten.to_owned(),
        },
    };
    let found = lock(shared).command(channel, cmd);
    let answer = match (kind, found) {
        (Transfer::Redirect, true) => success(action, "Redirect successful"),
        (Transfer::Redirect, false) => error(action, &format!("Channel does not exist: {channel}")),
        (Transfer::Blind, true) => success(action, "Transfer succeeded"),
        (Transfer::Attended, true) => success(action, "Atxfer successfully queued"),
        (_, false) => error(action, "Channel specified does not exist"),
    };
    Answer::packets(&[answer])
}

fn hangup(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let Some(channel) = action.get("Channel").filter(|c| !c.is_empty()) else {
        return Answer::packets(&[error(action, "No channel specified")]);
    };
    let w = lock(shared);
    let is_regex = channel.len() > 2 && channel.starts_with('/') && channel.ends_with('/');
    if is_regex && shared.dialect == Dialect::Modern {
        let pattern = &channel[1..channel.len() - 1];
        let names: Vec<String> = w
            .channels()
            .filter(|c| regex_match(pattern, &c.name))
            .map(|c| c.name.clone())
            .collect();
        let mut packets = vec![response(action, "Success")
            .with("EventList", "start")
            .with("Message", "Channels hung up will follow")];
        for n in &names {
            w.command(n, CallCmd::Hangup { channel: n.clone() });
            packets.push(with_id(
                Packet::new()
                    .with("Event", "ChannelHungup")
                    .with("Channel", n),
                action,
            ));
        }
        packets.push(
            with_id(
                Packet::new().with("Event", "ChannelsHungupListComplete"),
                action,
            )
            .with("EventList", "Complete")
            .with("ListItems", names.len().to_string()),
        );
        return Answer::packets(&packets);
    }
    if w.command(
        channel,
        CallCmd::Hangup {
            channel: channel.to_owned(),
        },
    ) {
        Answer::packets(&[success(action, "Channel Hungup")])
    } else {
        Answer::packets(&[error(action, "No such channel")])
    }
}

fn duration_hms(secs: u64) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

fn list_start(action: &Packet, message: &str) -> Packet {
    response(action, "Success")
        .with("EventList", "start")
        .with("Message", message)
}

fn list_complete(action: &Packet, event: &str, items: usize) -> Packet {
    with_id(Packet::new().with("Event", event), action)
        .with("EventList", "Complete")
        .with("ListItems", items.to_string())
}

/// The channel a channel is bridged with, if any.
fn bridged_peer<'a>(w: &'a World, name: &str) -> Option<&'a crate::world::Chan> {
    let me = w.chan(name)?;
    let bridge = me.bridge.as_ref()?;
    w.channels()
        .find(|c| c.name != name && c.bridge.as_ref() == Some(bridge))
}

fn core_show_channels(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let w = lock(shared);
    let now = w.now().as_secs();
    let mut packets = vec![list_start(action, "Channels will follow")];
    for c in w.channels() {
        let p = match shared.dialect {
            Dialect::Modern => {
                let mut p = with_id(Packet::new().with("Event", "CoreShowChannel"), action);
                chan_fields(&mut p, c, "");
                p.with("Application", &c.app)
                    .with("ApplicationData", &c.app_data)
                    .with("Duration", duration_hms(now.saturating_sub(c.created)))
                    .with("BridgeId", c.bridge.clone().unwrap_or_default())
            }
            Dialect::Ami11 => {
                let peer = bridged_peer(&w, &c.name);
                with_id(Packet::new().with("Event", "CoreShowChannel"), action)
                    .with("Channel", &c.name)
                    .with("UniqueID", &c.uniqueid)
                    .with("Context", &c.context)
                    .with("Extension", &c.exten)
                    .with("Priority", "1")
                    .with("ChannelState", (c.state as u8).to_string())
                    .with("ChannelStateDesc", c.state.desc())
                    .with("Application", &c.app)
                    .with("ApplicationData", &c.app_data)
                    .with("CallerIDnum", &c.cid_num)
                    .with("Duration", duration_hms(now.saturating_sub(c.created)))
                    .with("AccountCode", "")
                    .with(
                        "BridgedChannel",
                        peer.map(|p| p.name.clone()).unwrap_or_default(),
                    )
                    .with(
                        "BridgedUniqueID",
                        peer.map(|p| p.uniqueid.clone()).unwrap_or_default(),
                    )
            }
        };
        packets.push(p);
    }
    let n = packets.len() - 1;
    packets.push(list_complete(action, "CoreShowChannelsComplete", n));
    Answer::packets(&packets)
}

fn status(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let w = lock(shared);
    let now = w.now().as_secs();
    let wanted = action.get("Channel").filter(|c| !c.is_empty());
    if let Some(ch) = wanted {
        if w.chan(ch).is_none() {
            return Answer::packets(&[error(action, "No such channel")]);
        }
    }
    let modern = shared.dialect == Dialect::Modern;
    let mut packets = vec![if modern {
        list_start(action, "Channel status will follow")
    } else {
        // Asterisk 1.8 sends no EventList header here.
        success(action, "Channel status will follow")
    }];
    for c in w.channels().filter(|c| wanted.is_none_or(|n| n == c.name)) {
        let mut p = Packet::new()
            .with("Event", "Status")
            .with("Privilege", "Call");
        let secs = now.saturating_sub(c.created).to_string();
        if modern {
            chan_fields(&mut p, c, "");
            p = p
                .with("Type", shared.dialect.tech())
                .with("DNID", &c.dnid)
                .with(
                    "EffectiveConnectedLineNum",
                    connected_or_unknown(&c.conn_num),
                )
                .with(
                    "EffectiveConnectedLineName",
                    connected_or_unknown(&c.conn_name),
                )
                .with("TimeToHangup", "0")
                .with("BridgeID", c.bridge.clone().unwrap_or_default())
                .with("Application", &c.app)
                .with("Data", &c.app_data)
                .with("Nativeformats", "(ulaw)")
                .with("Readformat", "ulaw")
                .with("Readtrans", "")
                .with("Writeformat", "ulaw")
                .with("Writetrans", "")
                .with("Callgroup", "0")
                .with("Pickupgroup", "0")
                .with("Seconds", secs);
        } else {
            let peer = bridged_peer(&w, &c.name);
            p = p
                .with("Channel", &c.name)
                .with("CallerIDNum", &c.cid_num)
                .with("CallerIDName", &c.cid_name)
                .with("ConnectedLineNum", &c.conn_num)
                .with("ConnectedLineName", &c.conn_name)
                .with("Accountcode", "")
                .with("ChannelState", (c.state as u8).to_string())
                .with("ChannelStateDesc", c.state.desc())
                .with("Context", &c.context)
                .with("Extension", &c.exten)
                .with("Priority", "1")
                .with("Seconds", secs)
                .with(
                    "BridgedChannel",
                    peer.map(|p| p.name.clone()).unwrap_or_default(),
                )
                .with(
                    "BridgedUniqueid",
                    peer.map(|p| p.uniqueid.clone()).unwrap_or_default(),
                )
                .with("Uniqueid", &c.uniqueid);
        }
        packets.push(with_id(p, action));
    }
    let n = packets.len() - 1;
    let complete = if modern {
        list_complete(action, "StatusComplete", n).with("Items", n.to_string())
    } else {
        with_id(Packet::new().with("Event", "StatusComplete"), action).with("Items", n.to_string())
    };
    packets.push(complete);
    Answer::packets(&packets)
}

fn extension_state_list(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let w = lock(shared);
    let tech = shared.dialect.tech();
    let mut packets = vec![list_start(action, "Extension Statuses will follow")];
    // Only hints that exist: a pattern hint's extensions once watched.
    for (ext, st) in w.hinted_extension_states() {
        packets.push(
            with_id(Packet::new().with("Event", "ExtensionStatus"), action)
                .with("Exten", &ext)
                .with("Context", w.hint_context())
                .with("Hint", format!("{tech}/{ext}"))
                .with("Status", st.to_string())
                .with("StatusText", status_text(st)),
        );
    }
    let n = packets.len() - 1;
    packets.push(list_complete(action, "ExtensionStateListComplete", n));
    Answer::packets(&packets)
}

fn device_state_list(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let w = lock(shared);
    let tech = shared.dialect.tech();
    let mut packets = vec![list_start(action, "Device State Changes will follow")];
    for (ext, st) in w.extension_states() {
        let state = device_state(st);
        packets.push(
            with_id(Packet::new().with("Event", "DeviceStateChange"), action)
                .with("Device", format!("{tech}/{ext}"))
                .with("State", state),
        );
    }
    let n = packets.len() - 1;
    packets.push(list_complete(action, "DeviceStateListComplete", n));
    Answer::packets(&packets)
}

fn extension_state(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let w = lock(shared);
    let exten = action.get("Exten").unwrap_or_default();
    let context = action.get("Context").unwrap_or("default");
    let status = w
        .extension_states()
        .into_iter()
        .find(|(e, _)| e == exten)
        .map(|(_, s)| i32::from(s));
    let mut p = success(action, "Extension Status")
        .with("Exten", exten)
        .with("Context", context)
        .with(
            "Hint",
            if status.is_some() {
                format!("{}/{exten}", shared.dialect.tech())
            } else {
                String::new()
            },
        )
        .with("Status", status.unwrap_or(-1).to_string());
    if shared.dialect == Dialect::Modern {
        p.push(
            "StatusText",
            status.map_or("Unknown", |s| status_text(s as u8)),
        );
    }
    Answer::packets(&[p])
}

fn queue_status(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let modern = shared.dialect == Dialect::Modern;
    let start = if modern {
        list_start(action, "Queue status will follow")
    } else {
        success(action, "Queue status will follow")
    };
    let params = with_id(
        Packet::new()
            .with("Event", "QueueParams")
            .with("Queue", "support")
            .with("Max", "0")
            .with("Strategy", "ringall")
            .with("Calls", "0")
            .with("Holdtime", "0")
            .with("TalkTime", "0")
            .with("Completed", "0")
            .with("Abandoned", "0")
            .with("ServiceLevel", "0")
            .with("ServicelevelPerf", "0.0"),
        action,
    );
    let complete = if modern {
        list_complete(action, "QueueStatusComplete", 1)
    } else {
        with_id(Packet::new().with("Event", "QueueStatusComplete"), action)
    };
    Answer::packets(&[start, params, complete])
}

/// `PJSIPShowEndpoints` (12+) or `SIPpeers` (1.8): one item per phone and
/// the trunk, with their live device state.
fn endpoints(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let w = lock(shared);
    let modern = shared.dialect == Dialect::Modern;
    let mut packets = vec![if modern {
        list_start(
            action,
            "A listing of Endpoints follows, presented as EndpointList events",
        )
    } else {
        list_start(action, "Peer status list will follow")
    }];
    let mut names: Vec<(String, u8)> = w.extension_states();
    let trunk_busy = w.channels().filter(|c| c.endpoint == w.trunk).count();
    names.push((w.trunk.clone(), u8::from(trunk_busy > 0)));
    for (i, (name, st)) in names.iter().enumerate() {
        let active = w.channels().filter(|c| &c.endpoint == name).count();
        let p = if modern {
            let state = match st {
                0 => "Not in use",
                4 => "Unavailable",
                8 => "Ringing",
                _ => "In use",
            };
            with_id(Packet::new().with("Event", "EndpointList"), action)
                .with("ObjectType", "endpoint")
                .with("ObjectName", name)
                .with("Transport", "")
                .with("Aor", name)
                .with("Auths", "")
                .with("OutboundAuths", "")
                .with(
                    "Contacts",
                    format!("{name}/sip:{name}@127.0.0.{}:5060,", 10 + i),
                )
                .with("DeviceState", state)
                .with("ActiveChannels", active.to_string())
        } else {
            with_id(Packet::new().with("Event", "PeerEntry"), action)
                .with("Channeltype", "SIP")
                .with("ObjectName", name)
                .with("ChanObjectType", "peer")
                .with(
                    "IPaddress",
                    if *st == 4 {
                        "-none-".to_owned()
                    } else {
                        format!("127.0.0.{}", 10 + i)
                    },
                )
                .with("IPport", if *st == 4 { "0" } else { "5060" })
                .with("Dynamic", "yes")
                .with("Forcerport", "no")
                .with("VideoSupport", "no")
                .with("TextSupport", "no")
                .with("ACL", "no")
                .with("Status", if *st == 4 { "UNREACHABLE" } else { "OK (1 ms)" })
                .with("RealtimeDevice", "no")
        };
        packets.push(p);
    }
    let n = packets.len() - 1;
    let complete = if modern {
        "EndpointListComplete"
    } else {
        "PeerlistComplete"
    };
    packets.push(list_complete(action, complete, n));
    Answer::packets(&packets)
}

/// The caller ID a phone is configured with, as Asterisk shows it.
fn callerid_of(w: &World, endpoint: &str) -> Option<String> {
    w.extension(endpoint)
        .map(|e| format!("\"{}\" <{}>", e.name, e.number))
}

/// `PJSIPShowEndpoint` (12+): the endpoint's configuration as an
/// `EndpointDetail` event (with its `Callerid`) and its AOR, in a list.
fn endpoint_detail(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let w = lock(shared);
    let name = action.get("Endpoint").unwrap_or_default().trim();
    let Some(callerid) = callerid_of(&w, name) else {
        return Answer::packets(&[error(
            action,
            &format!("Unable to retrieve endpoint {name}"),
        )]);
    };
    let start = list_start(
        action,
        "Following are Events for each object associated with the Endpoint",
    );
    let detail = with_id(Packet::new().with("Event", "EndpointDetail"), action)
        .with("ObjectType", "endpoint")
        .with("ObjectName", name)
        .with("Context", "from-internal")
        .with("Disallow", "")
        .with("Allow", "(ulaw|alaw)")
        .with("Aors", name)
        .with("Callerid", &callerid)
        .with("CalleridPrivacy", "allowed_not_screened")
        .with("Mailboxes", format!("{name}@default"))
        .with("DeviceState", "Not in use")
        .with("ActiveChannels", "");
    let aor = with_id(Packet::new().with("Event", "AorDetail"), action)
        .with("ObjectType", "aor")
        .with("ObjectName", name)
        .with("MaxContacts", "1")
        .with("EndpointName", name);
    let complete = list_complete(action, "EndpointDetailComplete", 2);
    Answer::packets(&[start, detail, aor, complete])
}

/// `SIPshowpeer` (chan_sip): one response with the peer's settings,
/// `Callerid` among them.
fn sip_peer(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let w = lock(shared);
    let name = action.get("Peer").unwrap_or_default().trim();
    let Some(callerid) = callerid_of(&w, name) else {
        return Answer::packets(&[error(action, &format!("Peer {name} not found."))]);
    };
    let p = response(action, "Success")
        .with("Channeltype", "SIP")
        .with("ObjectName", name)
        .with("ChanObjectType", "peer")
        .with("Context", "from-internal")
        .with("Callerid", &callerid)
        .with("Status", "OK (1 ms)");
    Answer::packets(&[p])
}

/// The CLI commands the simulator knows, as output lines.
fn cli_output(shared: &Arc<Shared>, command: &str) -> Option<Vec<String>> {
    let w = lock(shared);
    match command.trim() {
        "core show version" => Some(vec![format!(
            "Asterisk {} built by root @ pbxsim on a x86_64 running Linux",
            asterisk_version(shared.dialect)
        )]),
        "core show channels" => {
            let mut out = vec![format!(
                "{:<64} {:<32} {:<7} {:<30}",
                "Channel", "Location", "State", "Application(Data)"
            )];
            let mut n = 0;
            for c in w.channels() {
                n += 1;
                let loc = if c.exten.is_empty() {
                    "(None)".to_owned()
                } else {
                    format!("{}@{}:1", c.exten, c.context)
                };
                let app = format!("{}({})", c.app, c.app_data);
                out.push(format!(
                    "{:<64} {:<32} {:<7} {:<30}",
                    c.name,
                    loc,
                    c.state.desc(),
                    app
                ));
            }
            out.push(format!(
                "{n} active channel{}",
                if n == 1 { "" } else { "s" }
            ));
            let calls = w
                .channels()
                .filter(|c| c.endpoint == w.trunk || c.state == ChanState::Ring)
                .count();
            out.push(format!(
                "{calls} active call{}",
                if calls == 1 { "" } else { "s" }
            ));
            Some(out)
        }
        _ => None,
    }
}

fn command(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let cmd = action.get("Command").unwrap_or_default();
    let output = shared
        .openvox
        .as_ref()
        .and_then(|gateway| openvox::gsm_command(gateway, cmd, |sms| shared.record_sms(sms)))
        .or_else(|| cli_output(shared, cmd));
    let ok = output.is_some();
    let lines = output.unwrap_or_else(|| {
        let first = cmd.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        vec![format!(
            "No such command '{cmd}' (type 'core show help {first}' for other possible commands)"
        )]
    });
    match shared.dialect {
        Dialect::Modern => {
            let mut p = response(action, if ok { "Success" } else { "Error" })
                .with("Message", "Command output follows");
            for l in lines {
                p.push("Output", l);
            }
            Answer::packets(&[p])
        }
        Dialect::Ami11 => {
            // `Response: Follows`: raw text with bare LF line ends, then the
            // end marker, exactly as Asterisk 1.8 writes it.
            let mut bytes = b"Response: Follows\r\nPrivilege: Command\r\n".to_vec();
            if let Some(id) = action.action_id() {
                bytes.extend_from_slice(format!("ActionID: {id}\r\n").as_bytes());
            }
            for l in lines {
                bytes.extend_from_slice(l.as_bytes());
                bytes.push(b'\n');
            }
            bytes.extend_from_slice(b"--END COMMAND--\r\n\r\n");
            Answer {
                bytes,
                events: None,
            }
        }
    }
}

/// Asterisk's `Hangup` takes `/regex/`; this matcher covers what clients
/// send: literals, `.`, `*` after an atom, `^`, `$` and `\` escapes.
pub(crate) fn regex_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    if p.first() == Some(&'^') {
        return match_here(&p[1..], &t);
    }
    (0..=t.len()).any(|i| match_here(&p, &t[i..]))
}

fn atom(p: &[char]) -> Option<(Option<char>, usize)> {
    match p {
        [] => None,
        ['\\', c, ..] => Some((Some(*c), 2)),
        ['.', ..] => Some((None, 1)),
        [c, ..] => Some((Some(*c), 1)),
    }
}

fn match_here(p: &[char], t: &[char]) -> bool {
    if p.is_empty() {
        return true;
    }
    if p == ['$'] {
        return t.is_empty();
    }
    let Some((a, len)) = atom(p) else { return true };
    let fits = |c: &char| a.is_none_or(|x| x == *c);
    if p.get(len) == Some(&'*') {
        let rest = &p[len + 1..];
        let mut i = 0;
        loop {
            if match_here(rest, &t[i..]) {
                return true;
            }
            if i < t.len() && fits(&t[i]) {
                i += 1;
            } else {
                return false;
            }
        }
    }
    match t.first() {
        Some(c) if fits(c) => match_here(&p[len..], &t[1..]),
        _ => false,
    }
}

/// Bytes for an unsolicited packet (used by the session for login events).
pub(crate) fn encode(p: &Packet) -> Bytes {
    Bytes::from(p.to_bytes().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hangup_regex_matches_the_click_to_dial_form() {
        let re = r"^PJSIP\/1000-.*$";
        assert!(
            regex_match(re, "PJSIP/1000-0000000c"),
            "the capture's Hangup regex hits 1000's channel"
        );
        assert!(!regex_match(re, "PJSIP/1002-0000000d"), "and not 1002's");
        assert!(!regex_match(re, "XPJSIP/1000-1"), "^ anchors at the start");
        assert!(
            regex_match("1000", "PJSIP/1000-1"),
            "unanchored patterns match anywhere"
        );
        assert!(
            !regex_match("^PJSIP/1000$", "PJSIP/1000-1"),
            "$ anchors at the end"
        );
    }

    #[test]
    fn endpoints_come_from_dial_strings() {
        assert_eq!(endpoint_of("PJSIP/1000"), Some("1000"), "PJSIP endpoint");
        assert_eq!(
            endpoint_of("SIP/503"),
            Some("503"),
            "chan_sip peer as in the MyPBX guide"
        );
        assert_eq!(
            endpoint_of("Local/1002@from-internal"),
            Some("1002"),
            "Local channel"
        );
        assert_eq!(
            endpoint_of("DAHDI/5"),
            None,
            "no analog ports on the simulator"
        );
    }
}
