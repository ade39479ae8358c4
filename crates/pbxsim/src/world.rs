//! The simulated PBX's live state: channels, bridges, extension states and
//! the id counters, and the one place where AMI events are built and
//! broadcast in the configured [`Dialect`]. Call flows (`scenario.rs`) and
//! action answers (`actions.rs`) change the world only through these
//! methods, so every change produces the event a real Asterisk would send.
//!
//! The world sits behind a `std::sync::Mutex` that is never held across an
//! `.await`; it does no I/O except a non-blocking broadcast send.
//!
//! This file holds the channels, the calls they belong to and the events
//! about one channel; `bridges.rs` the bridges, `extensions.rs` the
//! extension and device states and the hints, `moves.rs` how channels move
//! between calls (masquerades, Local pairs, bridge swaps and merges, with
//! the pickup, park and transfer events), `commands.rs` what clients ask a
//! running call to do, and the attendant console's state: `lots.rs` the
//! parking lot, `queues.rs` the queues' members and waiting callers,
//! `voicemail.rs` the mailboxes.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use ringside_ami::Packet;
use tokio::sync::{broadcast, mpsc};

use crate::config::{Dialect, Extension, Hints, SimConfig};

mod bridges;
mod commands;
mod extensions;
mod lots;
mod moves;
mod queues;
mod voicemail;
pub(crate) use commands::{CallCmd, OriginateSpec};
pub(crate) use extensions::{device_state, status_text};
pub(crate) use lots::{ParkEv, ParkedSlot, PARKING_LOT};
pub(crate) use moves::{
    blind_transfer_event, dial_string_of, sip_attended_transfer_event, AttendedTransfer,
};
pub(crate) use queues::{Member, QueueRefusal, QueueState};

/// Identifies one simulated call (one call task).
pub(crate) type CallId = u64;

/// Asterisk's channel states, as numbered on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChanState {
    Down = 0,
    Ring = 4,
    Ringing = 5,
    Up = 6,
}

impl ChanState {
    pub(crate) fn desc(self) -> &'static str {
        match self {
            ChanState::Down => "Down",
            ChanState::Ring => "Ring",
            ChanState::Ringing => "Ringing",
            ChanState::Up => "Up",
        }
    }
}

/// A connected-line value as Asterisk prints it: `<unknown>` when empty.
pub(crate) fn connected_or_unknown(v: &str) -> String {
    if v.is_empty() {
        "<unknown>".to_owned()
    } else {
        v.to_owned()
    }
}

/// The channel fields every Asterisk 12+ channel event (and the channel
/// snapshots of CoreShowChannel and Status) carries, with an optional `Dest` prefix.
pub(crate) fn chan_fields(p: &mut Packet, c: &Chan, prefix: &str) {
    let key = |s: &str| format!("{prefix}{s}");
    p.push(key("Channel"), &c.name);
    p.push(key("ChannelState"), (c.state as u8).to_string());
    p.push(key("ChannelStateDesc"), c.state.desc());
    p.push(key("CallerIDNum"), &c.cid_num);
    p.push(key("CallerIDName"), &c.cid_name);
    p.push(key("ConnectedLineNum"), connected_or_unknown(&c.conn_num));
    p.push(key("ConnectedLineName"), connected_or_unknown(&c.conn_name));
    p.push(key("Language"), "en");
    p.push(key("AccountCode"), "");
    p.push(key("Context"), &c.context);
    p.push(key("Exten"), &c.exten);
    p.push(key("Priority"), "1");
    p.push(key("Uniqueid"), &c.uniqueid);
    p.push(key("Linkedid"), &c.linkedid);
}

/// One live channel.
#[derive(Debug, Clone)]
pub(crate) struct Chan {
    pub name: String,
    /// The device this channel belongs to (`1001`, `carrier`), or the Local
    /// channel's `exten@context` for Local halves.
    pub endpoint: String,
    pub uniqueid: String,
    pub linkedid: String,
    pub state: ChanState,
    pub cid_num: String,
    pub cid_name: String,
    pub conn_num: String,
    pub conn_name: String,
    pub context: String,
    pub exten: String,
    pub app: String,
    pub app_data: String,
    pub bridge: Option<String>,
    pub created: u64,
    pub dnid: String,
    pub call: CallId,
    pub on_hold: bool,
}

/// How a new channel starts out.
#[derive(Debug, Clone)]
pub(crate) struct NewChan<'a> {
    pub endpoint: &'a str,
    pub state: ChanState,
    pub cid_num: &'a str,
    pub cid_name: &'a str,
    pub context: &'a str,
    pub exten: &'a str,
    pub linkedid: Option<&'a str>,
    pub uniqueid: Option<&'a str>,
    /// For Local channels: the full name without `;1`/`;2`.
    pub local_name: Option<&'a str>,
}

/// What a `Cdr` event reports of a finished call leg besides its source
/// channel.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cdr<'a> {
    /// What the caller dialled.
    pub destination: &'a str,
    /// The channel it reached last.
    pub dest_channel: &'a str,
    /// The data of its last `Dial`.
    pub last_data: &'a str,
    /// When the leg started and was answered (epoch seconds).
    pub start: u64,
    pub answer: Option<u64>,
    /// `ANSWERED`, `NO ANSWER` …
    pub disposition: &'a str,
}

/// Hangup causes used by the flows.
pub(crate) fn cause_text(cause: u8) -> &'static str {
    match cause {
        0 => "Unknown",
        16 => "Normal Clearing",
        17 => "User busy",
        19 => "No answer",
        26 => "Answered elsewhere",
        127 => "Interworking, unspecified",
        _ => "Unknown",
    }
}

/// The live PBX.
#[derive(Debug)]
pub(crate) struct World {
    pub dialect: Dialect,
    pub extensions: Vec<Extension>,
    pub trunk: String,
    seq: u64,
    next_call: CallId,
    base_epoch: Duration,
    base_instant: tokio::time::Instant,
    /// Channels by creation order.
    chans: BTreeMap<u64, Chan>,
    ext_status: HashMap<String, u8>,
    unavailable: Vec<String>,
    hints: Hints,
    /// Extensions whose pattern hint something watches (see [`Hints::Pattern`]).
    watched: Vec<String>,
    calls: HashMap<CallId, mpsc::UnboundedSender<CallCmd>>,
    events: broadcast::Sender<Bytes>,
    /// Calls waiting in the parking lot.
    parked: Vec<ParkedSlot>,
    /// The lot's holding bridge (12+), once a call was parked.
    parking_bridge: Option<String>,
    /// How long a call parked by the `Park` action waits.
    pub parking_time: Duration,
    /// The queues by name.
    queues: BTreeMap<String, QueueState>,
    /// `(new, old)` voicemail per extension.
    mailboxes: HashMap<String, (u32, u32)>,
}

impl World {
    pub fn new(config: &SimConfig, events: broadcast::Sender<Bytes>) -> Self {
        let base_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let dialect = config.dialect;
        let extensions = config.extensions.clone();
        let queues = config
            .queues
            .iter()
            .map(|q| {
                let state = QueueState::new(dialect, &q.members, base_epoch.as_secs());
                (q.name.clone(), state)
            })
            .collect();
        Self {
            dialect,
            ext_status: extensions.iter().map(|e| (e.number.clone(), 0)).collect(),
            extensions,
            trunk: config.trunk.clone(),
            // Asterisk's counter is well past zero on a PBX that has run a
            // while; starting higher also keeps suffixes realistic.
            seq: 2,
            next_call: 1,
            base_epoch,
            base_instant: tokio::time::Instant::now(),
            chans: BTreeMap::new(),
            unavailable: Vec::new(),
            hints: config.hints,
            watched: Vec::new(),
            calls: HashMap::new(),
            events,
            parked: Vec::new(),
            parking_bridge: None,
            parking_time: config.lot_parking_time(),
            queues,
            mailboxes: config
                .voicemail
                .iter()
                .map(|(e, n, o)| (e.clone(), (*n, *o)))
                .collect(),
        }
    }

    /// Seconds since the Unix epoch, following tokio's (pausable) clock.
    pub fn now(&self) -> Duration {
        self.base_epoch + self.base_instant.elapsed()
    }

    pub fn extension(&self, number: &str) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.number == number)
    }

    /// Caller-ID name of an extension (its number when unknown).
    pub fn ext_name(&self, number: &str) -> String {
        self.extension(number)
            .map_or_else(|| number.to_owned(), |e| e.name.clone())
    }

    /// A new call id and its command channel.
    pub fn register_call(&mut self) -> (CallId, mpsc::UnboundedReceiver<CallCmd>) {
        let id = self.next_call;
        self.next_call += 1;
        let (tx, rx) = mpsc::unbounded_channel();
        self.calls.insert(id, tx);
        (id, rx)
    }

    pub fn unregister_call(&mut self, id: CallId) {
        self.calls.remove(&id);
    }

    /// Sends a command to the call owning `channel`; false if no such channel.
    pub fn command(&self, channel: &str, cmd: CallCmd) -> bool {
        let Some(chan) = self.chan(channel) else {
            return false;
        };
        self.calls
            .get(&chan.call)
            .is_some_and(|tx| tx.send(cmd).is_ok())
    }

    /// Drops every call and channel at once (a PBX restart), without events.
    pub fn wipe(&mut self) {
        self.calls.clear();
        self.chans.clear();
        self.parked.clear();
        self.parking_bridge = None;
        for q in self.queues.values_mut() {
            q.callers.clear();
        }
        for s in self.ext_status.values_mut() {
            *s = 0;
        }
    }

    pub fn chan(&self, name: &str) -> Option<&Chan> {
        self.chans.values().find(|c| c.name == name)
    }

    fn chan_mut(&mut self, name: &str) -> Option<&mut Chan> {
        self.chans.values_mut().find(|c| c.name == name)
    }

    /// Live channels in creation order.
    pub fn channels(&self) -> impl Iterator<Item = &Chan> {
        self.chans.values()
    }

    pub fn emit(&self, packet: &Packet) {
        match packet.to_bytes() {
            // No receiver is fine: nobody is logged in yet.
            Ok(bytes) => drop(self.events.send(Bytes::from(bytes))),
            Err(e) => tracing::warn!(error = %e, "simulated event not encodable; skipped"),
        }
    }

    /// Formats `secs.micros` as Asterisk's `Timestamp` does.
    pub fn timestamp(&self) -> String {
        let now = self.now();
        format!("{}.{:06}", now.as_secs(), now.subsec_micros())
    }

    // ---- channels ----------------------------------------------------

    /// Creates a channel and announces it (`Newchannel`).
    pub fn new_channel(&mut self, call: CallId, spec: NewChan<'_>) -> String {
        self.seq += 1;
        let seq = self.seq;
        let now = self.now().as_secs();
        let uniqueid = spec
            .uniqueid
            .map_or_else(|| format!("{now}.{seq}"), str::to_owned);
        let name = match spec.local_name {
            Some(local) => local.to_owned(),
            None => format!("{}/{}-{seq:08x}", self.dialect.tech(), spec.endpoint),
        };
        let chan = Chan {
            name: name.clone(),
            endpoint: spec.endpoint.to_owned(),
            linkedid: spec
                .linkedid
                .map_or_else(|| uniqueid.clone(), str::to_owned),
            uniqueid,
            // Ami11 announces channels Down and then a Newstate.
            state: if self.dialect == Dialect::Ami11 {
                ChanState::Down
            } else {
                spec.state
            },
            cid_num: spec.cid_num.to_owned(),
            cid_name: spec.cid_name.to_owned(),
            conn_num: String::new(),
            conn_name: String::new(),
            context: spec.context.to_owned(),
            exten: spec.exten.to_owned(),
            app: String::new(),
            app_data: String::new(),
            bridge: None,
            created: now,
            dnid: String::new(),
            call,
            on_hold: false,
        };
        let mut p = Packet::new()
            .with("Event", "Newchannel")
            .with("Privilege", "call,all");
        match self.dialect {
            Dialect::Modern => chan_fields(&mut p, &chan, ""),
            Dialect::Ami11 => {
                p.push("Channel", &chan.name);
                p.push("ChannelState", (chan.state as u8).to_string());
                p.push("ChannelStateDesc", chan.state.desc());
                p.push("CallerIDNum", &chan.cid_num);
                p.push("CallerIDName", &chan.cid_name);
                p.push("AccountCode", "");
                p.push("Exten", &chan.exten);
                p.push("Context", &chan.context);
                p.push("Uniqueid", &chan.uniqueid);
            }
        }
        self.emit(&p);
        self.chans.insert(seq, chan);
        if self.dialect == Dialect::Ami11 && spec.state != ChanState::Down {
            self.set_state(&name, spec.state);
        }
        self.refresh_endpoint(&name);
        name
    }

    fn chan_event(&self, event: &str, c: &Chan) -> Packet {
        let mut p = Packet::new()
            .with("Event", event)
            .with("Privilege", "call,all");
        chan_fields(&mut p, c, "");
        p
    }

    /// Changes a channel's state (`Newstate`).
    pub fn set_state(&mut self, name: &str, state: ChanState) {
        let Some(c) = self.chan_mut(name) else { return };
        if c.state == state {
            return;
        }
        c.state = state;
        let c = c.clone();
        let p = match self.dialect {
            Dialect::Modern => self.chan_event("Newstate", &c),
            Dialect::Ami11 => Packet::new()
                .with("Event", "Newstate")
                .with("Privilege", "call,all")
                .with("Channel", &c.name)
                .with("ChannelState", (state as u8).to_string())
                .with("ChannelStateDesc", state.desc())
                .with("CallerIDNum", &c.cid_num)
                .with("CallerIDName", &c.cid_name)
                .with("ConnectedLineNum", &c.conn_num)
                .with("ConnectedLineName", &c.conn_name)
                .with("Uniqueid", &c.uniqueid),
        };
        self.emit(&p);
        self.refresh_endpoint(name);
    }

    /// Sets the connected line (who the channel is talking to), announced
    /// with `NewConnectedLine` on Asterisk 12+.
    pub fn set_connected(&mut self, name: &str, num: &str, cid_name: &str) {
        let Some(c) = self.chan_mut(name) else { return };
        if c.conn_num == num && c.conn_name == cid_name {
            return;
        }
        c.conn_num = num.to_owned();
        c.conn_name = cid_name.to_owned();
        let c = c.clone();
        if self.dialect == Dialect::Modern {
            self.emit(&self.chan_event("NewConnectedLine", &c));
        }
    }

    /// Points a channel at a dialplan location and application.
    pub fn set_location(&mut self, name: &str, context: &str, exten: &str, app: &str, data: &str) {
        if let Some(c) = self.chan_mut(name) {
            c.context = context.to_owned();
            c.exten = exten.to_owned();
            c.app = app.to_owned();
            c.app_data = data.to_owned();
        }
    }

    pub fn set_dnid(&mut self, name: &str, dnid: &str) {
        if let Some(c) = self.chan_mut(name) {
            c.dnid = dnid.to_owned();
        }
    }

    /// `DialBegin` (12+) / `Dial` `SubEvent: Begin` (1.8). `src` is `None`
    /// for the first leg of an Originate, which nobody dials from.
    pub fn dial_begin(&mut self, src: Option<&str>, dst: &str, dialstring: &str) {
        let Some(d) = self.chan(dst).cloned() else {
            return;
        };
        let s = src.and_then(|s| self.chan(s).cloned());
        match self.dialect {
            Dialect::Modern => {
                let mut p = Packet::new()
                    .with("Event", "DialBegin")
                    .with("Privilege", "call,all");
                if let Some(s) = &s {
                    chan_fields(&mut p, s, "");
                }
                chan_fields(&mut p, &d, "Dest");
                p.push("DialString", dialstring);
                self.emit(&p);
            }
            Dialect::Ami11 => {
                let Some(s) = s else { return };
                let conn = |v: &str| {
                    if v.is_empty() {
                        "<unknown>".to_owned()
                    } else {
                        v.to_owned()
                    }
                };
                self.emit(
                    &Packet::new()
                        .with("Event", "Dial")
                        .with("Privilege", "call,all")
                        .with("SubEvent", "Begin")
                        .with("Channel", &s.name)
                        .with("Destination", &d.name)
                        .with("CallerIDNum", &s.cid_num)
                        .with("CallerIDName", &s.cid_name)
                        .with("ConnectedLineNum", conn(&s.conn_num))
                        .with("ConnectedLineName", conn(&s.conn_name))
                        .with("UniqueID", &s.uniqueid)
                        .with("DestUniqueID", &d.uniqueid)
                        .with("Dialstring", dialstring),
                );
            }
        }
    }

    /// `DialEnd` for one dialled leg (12+ only; 1.8 reports the end of the
    /// whole Dial with [`World::dial_app_exit`]).
    pub fn dial_end(&mut self, src: Option<&str>, dst: &str, status: &str) {
        if self.dialect != Dialect::Modern {
            return;
        }
        let Some(d) = self.chan(dst).cloned() else {
            return;
        };
        let mut p = Packet::new()
            .with("Event", "DialEnd")
            .with("Privilege", "call,all");
        if let Some(s) = src.and_then(|s| self.chan(s)) {
            chan_fields(&mut p, s, "");
        }
        chan_fields(&mut p, &d, "Dest");
        p.push("DialStatus", status);
        self.emit(&p);
    }

    /// 1.8's `Dial` `SubEvent: End`, sent when the Dial application returns.
    pub fn dial_app_exit(&mut self, src: &str, status: &str) {
        if self.dialect != Dialect::Ami11 {
            return;
        }
        let Some(s) = self.chan(src) else { return };
        let p = Packet::new()
            .with("Event", "Dial")
            .with("Privilege", "call,all")
            .with("SubEvent", "End")
            .with("Channel", &s.name)
            .with("UniqueID", &s.uniqueid)
            .with("DialStatus", status);
        self.emit(&p);
    }

    /// Puts a channel on hold or takes it off (`Hold`/`Unhold` on 12+,
    /// `Hold` with `Status: On|Off` on 1.8).
    pub fn set_hold(&mut self, name: &str, on: bool) {
        let Some(c) = self.chan_mut(name) else { return };
        c.on_hold = on;
        let c = c.clone();
        let p = match self.dialect {
            Dialect::Modern => {
                let mut p = self.chan_event(if on { "Hold" } else { "Unhold" }, &c);
                if on {
                    p.push("MusicClass", "default");
                }
                p
            }
            Dialect::Ami11 => Packet::new()
                .with("Event", "Hold")
                .with("Privilege", "call,all")
                .with("Status", if on { "On" } else { "Off" })
                .with("Channel", &c.name)
                .with("Uniqueid", &c.uniqueid),
        };
        self.emit(&p);
        self.refresh_endpoint(name);
    }

    /// Hangs a channel up (`Hangup`) and forgets it.
    pub fn hangup(&mut self, name: &str, cause: u8) {
        let Some((&key, c)) = self.chans.iter().find(|(_, c)| c.name == name) else {
            return;
        };
        let c = c.clone();
        let p = match self.dialect {
            Dialect::Modern => {
                let mut p = self.chan_event("Hangup", &c);
                p.push("Cause", cause.to_string());
                p.push("Cause-txt", cause_text(cause));
                p
            }
            Dialect::Ami11 => Packet::new()
                .with("Event", "Hangup")
                .with("Privilege", "call,all")
                .with("Channel", &c.name)
                .with("Uniqueid", &c.uniqueid)
                .with("CallerIDNum", &c.cid_num)
                .with("CallerIDName", &c.cid_name)
                .with("ConnectedLineNum", &c.conn_num)
                .with("ConnectedLineName", &c.conn_name)
                .with("AccountCode", "")
                .with("Cause", cause.to_string())
                .with("Cause-txt", cause_text(cause)),
        };
        self.emit(&p);
        self.chans.remove(&key);
        self.refresh_ext(&c.endpoint);
    }

    /// A `Cdr` event for one finished call leg from `src`.
    pub fn cdr(&self, src: &Chan, cdr: &Cdr<'_>) {
        let Cdr {
            destination,
            dest_channel,
            last_data,
            start,
            answer,
            disposition,
        } = *cdr;
        let end = self.now().as_secs();
        let caller_id = if src.cid_name.is_empty() {
            src.cid_num.clone()
        } else {
            format!("\"{}\" <{}>", src.cid_name, src.cid_num)
        };
        let p = Packet::new()
            .with("Event", "Cdr")
            .with("Privilege", "cdr,all")
            .with("AccountCode", "")
            .with("Source", &src.cid_num)
            .with("Destination", destination)
            .with("DestinationContext", "internal")
            .with("CallerID", caller_id)
            .with("Channel", &src.name)
            .with("DestinationChannel", dest_channel)
            .with("LastApplication", "Dial")
            .with("LastData", last_data)
            .with("StartTime", format_time(start))
            .with("AnswerTime", answer.map(format_time).unwrap_or_default())
            .with("EndTime", format_time(end))
            .with("Duration", end.saturating_sub(start).to_string())
            .with(
                "BillableSeconds",
                answer.map_or(0, |a| end.saturating_sub(a)).to_string(),
            )
            .with("Disposition", disposition)
            .with("AMAFlags", "DOCUMENTATION")
            .with("UniqueID", &src.uniqueid)
            .with("UserField", "");
        self.emit(&p);
    }

    /// Emits an arbitrary event whose channel fields come from `chan` (12+)
    /// or are given by the caller (1.8); used for queue and transfer events.
    pub fn chan_event_with(&self, event: &str, chan: &str, extra: &[(&str, String)]) {
        let Some(c) = self.chan(chan) else { return };
        let mut p = match self.dialect {
            Dialect::Modern => self.chan_event(event, c),
            Dialect::Ami11 => Packet::new()
                .with("Event", event)
                .with("Privilege", "call,all"),
        };
        for (k, v) in extra {
            p.push(*k, v.clone());
        }
        self.emit(&p);
    }

    /// Same as [`World::chan_event_with`] but with a second channel's fields
    /// prefixed `Dest` (12+ `AgentCalled`, `AgentConnect`).
    pub fn chan_pair_event(&self, event: &str, chan: &str, dest: &str, extra: &[(&str, String)]) {
        let (Some(c), Some(d)) = (self.chan(chan), self.chan(dest)) else {
            return;
        };
        let mut p = Packet::new()
            .with("Event", event)
            .with("Privilege", "agent,all");
        if self.dialect == Dialect::Modern {
            chan_fields(&mut p, c, "");
            chan_fields(&mut p, d, "Dest");
        }
        for (k, v) in extra {
            p.push(*k, v.clone());
        }
        self.emit(&p);
    }

    /// Announces an incoming SMS (see `SimHandle::inject_sms`); returns
    /// the Uniqueid of its dialplan run.
    pub fn incoming_sms(&mut self, span: u32, sender: &str, text: &str) -> String {
        self.seq += 1;
        let now = self.now().as_secs();
        let uniqueid = format!("{now}.{}", self.seq);
        let app_data = crate::openvox::sms_app_data(span, sender, &format_time(now), text);
        let channel = format!("EXTRA-SMS/{span}-1");
        let context = format!("gsm-{span}");
        for (priority, app, data) in [("1", "NoOp", app_data.as_str()), ("2", "Hangup", "")] {
            let mut p = Packet::new()
                .with("Event", "Newexten")
                .with("Privilege", "dialplan,all")
                .with("Channel", &channel);
            if self.dialect == Dialect::Modern {
                p.push("ChannelState", "4");
                p.push("ChannelStateDesc", "Ring");
                p.push("CallerIDNum", sender);
                p.push("CallerIDName", "<unknown>");
                p.push("ConnectedLineNum", "<unknown>");
                p.push("ConnectedLineName", "<unknown>");
                p.push("Language", "en");
                p.push("AccountCode", "");
                p.push("Context", &context);
                p.push("Exten", "sms");
                p.push("Priority", priority);
                p.push("Uniqueid", &uniqueid);
                p.push("Linkedid", &uniqueid);
                p.push("Extension", "sms");
            } else {
                p.push("Context", &context);
                p.push("Extension", "sms");
                p.push("Priority", priority);
            }
            p.push("Application", app);
            p.push("AppData", data);
            if self.dialect == Dialect::Ami11 {
                p.push("Uniqueid", &uniqueid);
            }
            self.emit(&p);
        }
        uniqueid
    }
}

/// A random UUID (version 4) as Asterisk prints bridge ids.
pub(crate) fn uuid_v4() -> String {
    let b: [u8; 16] = rand::random();
    let h = hex::encode(b);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) as in `Cdr` events.
pub(crate) fn format_time(epoch_secs: u64) -> String {
    let days = (epoch_secs / 86_400) as i64;
    let rem = epoch_secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdr_times_match_asterisk_format() {
        // 1795444649 is the capture's incoming-answered uniqueid second:
        // the Cdr there says StartTime 2026-11-23 14:37:29.
        assert_eq!(
            format_time(1_795_444_649),
            "2026-11-23 14:37:29",
            "UTC civil time"
        );
        assert_eq!(format_time(0), "1970-01-01 00:00:00", "epoch start");
    }

    #[test]
    fn bridge_ids_look_like_uuids() {
        let id = uuid_v4();
        let parts: Vec<_> = id.split('-').map(str::len).collect();
        assert_eq!(
            parts,
            vec![8, 4, 4, 4, 12],
            "Asterisk prints bridge ids as UUIDs: {id}"
        );
    }
}
