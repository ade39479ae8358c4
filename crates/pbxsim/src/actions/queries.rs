//! The actions that read the PBX and change nothing, answered from the
//! live world as Asterisk answers them in each dialect: the core's
//! settings and status (`CoreSettings`, `CoreStatus`), the channels
//! (`CoreShowChannels`, `Status`), extension and device states
//! (`ExtensionStateList`, `DeviceStateList`, `ExtensionState`), and the
//! phones as endpoints or peers
//! (`PJSIPShowEndpoints`/`SIPpeers`, `PJSIPShowEndpoint`, `SIPshowpeer`).

use std::sync::Arc;

use ringside_ami::Packet;

use super::{asterisk_version, error, lock, response, success, with_id, Answer};
use crate::config::Dialect;
use crate::shared::Shared;
use crate::world::{chan_fields, connected_or_unknown, device_state, status_text, Chan, World};

fn duration_hms(secs: u64) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

pub(super) fn list_start(action: &Packet, message: &str) -> Packet {
    response(action, "Success")
        .with("EventList", "start")
        .with("Message", message)
}

pub(super) fn list_complete(action: &Packet, event: &str, items: usize) -> Packet {
    with_id(Packet::new().with("Event", event), action)
        .with("EventList", "Complete")
        .with("ListItems", items.to_string())
}

/// The channel a channel is bridged with, if any.
fn bridged_peer<'a>(w: &'a World, name: &str) -> Option<&'a Chan> {
    let me = w.chan(name)?;
    let bridge = me.bridge.as_ref()?;
    w.channels()
        .find(|c| c.name != name && c.bridge.as_ref() == Some(bridge))
}

/// `CoreSettings`: the versions and the core's settings.
pub(super) fn core_settings(dialect: Dialect, action: &Packet) -> Answer {
    Answer::packets(&[response(action, "Success")
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
        .with("CoreHTTPenabled", "No")])
}

/// `CoreStatus`: when the core started (now) and how many calls are up.
pub(super) fn core_status(shared: &Arc<Shared>, action: &Packet) -> Answer {
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

pub(super) fn core_show_channels(shared: &Arc<Shared>, action: &Packet) -> Answer {
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

pub(super) fn status(shared: &Arc<Shared>, action: &Packet) -> Answer {
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
        packets.push(with_id(status_item(&w, c, shared.dialect, now), action));
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

/// One channel's `Status` event, as of `now` (epoch seconds).
fn status_item(w: &World, c: &Chan, dialect: Dialect, now: u64) -> Packet {
    let mut p = Packet::new()
        .with("Event", "Status")
        .with("Privilege", "Call");
    let secs = now.saturating_sub(c.created).to_string();
    if dialect == Dialect::Modern {
        chan_fields(&mut p, c, "");
        p = p
            .with("Type", dialect.tech())
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
        let peer = bridged_peer(w, &c.name);
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
    p
}

pub(super) fn extension_state_list(shared: &Arc<Shared>, action: &Packet) -> Answer {
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

pub(super) fn device_state_list(shared: &Arc<Shared>, action: &Packet) -> Answer {
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

pub(super) fn extension_state(shared: &Arc<Shared>, action: &Packet) -> Answer {
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

/// `PJSIPShowEndpoints` (12+) or `SIPpeers` (1.8): one item per phone and
/// the trunk, with their live device state.
pub(super) fn endpoints(shared: &Arc<Shared>, action: &Packet) -> Answer {
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
pub(super) fn endpoint_detail(shared: &Arc<Shared>, action: &Packet) -> Answer {
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
pub(super) fn sip_peer(shared: &Arc<Shared>, action: &Packet) -> Answer {
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
