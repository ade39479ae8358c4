//! Answers to the actions a logged-in client sends, shaped like the real
//! answers in `tests/fixtures/ami/actions.ami`, `click-to-dial.ami` and
//! `redirect-transfer.ami` (and Asterisk 1.8's for [`Dialect::Ami11`]).
//! Login, Challenge and Logoff are the session's business (`session.rs`);
//! this module owns everything after the login, and reads or changes the
//! world only through its methods. This file dispatches every action and
//! answers those that act (Originate, Redirect, the transfers, Hangup,
//! Command, Events); the ones that only read the PBX are in `queries.rs`,
//! the attendant console's (parking, queues, voicemail, and the Originates
//! that pick up or retrieve a call) in `console.rs`, and who may send what
//! (`Permission denied`, `ListCommands`) in `rights.rs`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ringside_ami::Packet;
use tokio::sync::oneshot;

use crate::config::Dialect;
use crate::openvox;
use crate::scenario::{self, Timing};
use crate::shared::Shared;
use crate::world::{CallCmd, ChanState, OriginateSpec, World};

mod console;
mod queries;
mod rights;

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

/// Answers one action of a session logged in as a user with these
/// `write=` classes.
pub(crate) async fn answer(shared: &Arc<Shared>, action: &Packet, write: &[String]) -> Answer {
    let dialect = shared.dialect;
    let name = action
        .action_name()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !rights::permitted(write, &name, dialect) {
        return Answer::packets(&[error(action, "Permission denied")]);
    }
    match name.as_str() {
        "listcommands" => rights::list_commands(action, write, dialect),
        "park" => console::park(shared, action),
        "parkedcalls" => console::parked_calls(shared, action),
        "queuesummary" => console::queue_summary(shared, action),
        "queuepause" => console::queue_pause(shared, action),
        "queueadd" => console::queue_add(shared, action),
        "queueremove" => console::queue_remove(shared, action),
        "mailboxcount" => console::mailbox_count(shared, action),
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
        "coreshowchannels" => queries::core_show_channels(shared, action),
        "status" => queries::status(shared, action),
        "extensionstatelist" if dialect == Dialect::Modern => {
            queries::extension_state_list(shared, action)
        }
        "devicestatelist" if dialect == Dialect::Modern => {
            queries::device_state_list(shared, action)
        }
        "extensionstate" => queries::extension_state(shared, action),
        "command" => command(shared, action),
        "coresettings" => queries::core_settings(dialect, action),
        "corestatus" => queries::core_status(shared, action),
        "queuestatus" => console::queue_status(shared, action),
        "pjsipshowendpoints" if dialect == Dialect::Modern => queries::endpoints(shared, action),
        "sippeers" if dialect == Dialect::Ami11 => queries::endpoints(shared, action),
        "pjsipshowendpoint" if dialect == Dialect::Modern => {
            queries::endpoint_detail(shared, action)
        }
        "sipshowpeer" if dialect == Dialect::Ami11 => queries::sip_peer(shared, action),
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

/// What an `Originate` asks for, or the error Asterisk answers a missing
/// field with.
fn originate_spec(action: &Packet) -> Result<OriginateSpec, Answer> {
    let Some(channel) = action.get("Channel").filter(|c| !c.is_empty()) else {
        return Err(Answer::packets(&[error(action, "Channel not specified")]));
    };
    let app = action
        .get("Application")
        .filter(|a| !a.is_empty())
        .map(|a| {
            (
                a.to_owned(),
                action.get("Data").unwrap_or_default().to_owned(),
            )
        });
    let exten = match action.get("Exten").filter(|e| !e.is_empty()) {
        Some(e) => e,
        None if app.is_some() => "",
        None => return Err(Answer::packets(&[error(action, "Exten not specified")])),
    };
    Ok(OriginateSpec {
        action_id: action.action_id().map(str::to_owned),
        from: endpoint_of(channel).unwrap_or_default().to_owned(),
        context: action.get("Context").unwrap_or("default").to_owned(),
        exten: exten.to_owned(),
        app,
        channel_id: action
            .get("ChannelId")
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        caller_id: action.get("CallerID").map(str::to_owned),
        is_async: action.get("Async").is_some_and(|v| {
            matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "1" | "on")
        }),
    })
}

async fn originate(shared: &Arc<Shared>, action: &Packet) -> Answer {
    let spec = match originate_spec(action) {
        Ok(spec) => spec,
        Err(answer) => return answer,
    };
    if lock(shared).extension(&spec.from).is_none() {
        return no_such_phone(shared, action, &spec);
    }
    let timing = Timing {
        ring: Duration::from_secs(1),
        talk: Duration::from_secs(3600),
    };
    let queued = success(action, "Originate successfully queued");
    if console::originate_takes(shared, &spec).is_some() {
        return Answer::packets(&[queued]);
    }
    let w = shared.world.clone();
    if spec.app.is_some() {
        // Another application: the phone answers, runs it and hangs up.
        tokio::spawn(scenario::originate_alone(w, spec, timing.ring));
        return Answer::packets(&[queued]);
    }
    if spec.is_async {
        tokio::spawn(scenario::originate(w, spec, timing, None));
        return Answer::packets(&[queued]);
    }
    // A synchronous Originate answers once the first leg is up.
    let (tx, rx) = oneshot::channel();
    tokio::spawn(scenario::originate(w, spec, timing, Some(tx)));
    match rx.await {
        Ok(true) => Answer::packets(&[success(action, "Originate successfully queued")]),
        _ => Answer::packets(&[error(action, "Originate failed")]),
    }
}

/// An Originate from a phone the PBX does not have: an async one is
/// queued, then fails with an `OriginateResponse` (reason 0); a
/// synchronous one fails at once.
fn no_such_phone(shared: &Arc<Shared>, action: &Packet, spec: &OriginateSpec) -> Answer {
    if !spec.is_async {
        return Answer::packets(&[error(action, "Originate failed")]);
    }
    let w = shared.world.clone();
    let failure = with_id(
        Packet::new()
            .with("Event", "OriginateResponse")
            .with("Privilege", "call,all"),
        action,
    )
    .with("Response", "Failure")
    .with("Channel", action.get("Channel").unwrap_or_default())
    .with("Context", &spec.context)
    .with("Exten", &spec.exten)
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
    Answer::packets(&[success(action, "Originate successfully queued")])
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
