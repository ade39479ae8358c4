//! Colleagues' presence (the busy-lamp field): at start, every phone the
//! PBX lists (`PJSIPShowEndpoints`/`SIPpeers`, trunks left out) with its
//! hint's state from `ExtensionStateList`, or, where no hint exists yet
//! (Asterisk makes a pattern hint's only once something watches it), its
//! device state from `DeviceStateList` or the listing itself; then
//! `ExtensionStatus` and `DeviceStateChange` events, plus who they are
//! talking to where the PBX says (`ConnectedLine` of their channel). Pure,
//! like the tracker: listings and events in, [`Colleague`] snapshots out;
//! no I/O.

use std::collections::{BTreeMap, HashMap};

use ringside_ami::Packet;
use serde::{Deserialize, Serialize};

use crate::channel::{ChannelName, Classifier};

/// An extension's state, as the `Status` code of ExtensionStatus gives it.
/// The code is a bit set, so combined states exist: 9 = in use + ringing,
/// 17 = in use + on hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExtensionState {
    /// The raw code: -1 not found, 0 idle, 1 in use, 2 busy, 4 unavailable,
    /// 8 ringing, 16 on hold, or a sum of them.
    pub code: i32,
}

impl ExtensionState {
    /// Not found (-1).
    pub const NOT_FOUND: Self = Self { code: -1 };
    /// Idle (0).
    pub const IDLE: Self = Self { code: 0 };
    const IN_USE: i32 = 1;
    const BUSY: i32 = 2;
    const UNAVAILABLE: i32 = 4;
    const RINGING: i32 = 8;
    const ON_HOLD: i32 = 16;

    /// From the numeric `Status` of ExtensionStatus.
    pub fn from_code(code: i32) -> Self {
        Self { code }
    }

    /// From a device state name of `DeviceStateChange` (`NOT_INUSE`,
    /// `INUSE`, `BUSY`, `INVALID`, `UNAVAILABLE`, `RINGING`, `RINGINUSE`,
    /// `ONHOLD`; `UNKNOWN` → `None`).
    pub fn from_device_state(s: &str) -> Option<Self> {
        let code = match s.to_ascii_uppercase().as_str() {
            "NOT_INUSE" => 0,
            "INUSE" => Self::IN_USE,
            "BUSY" => Self::BUSY,
            "INVALID" => -1,
            "UNAVAILABLE" => Self::UNAVAILABLE,
            "RINGING" => Self::RINGING,
            "RINGINUSE" => Self::IN_USE | Self::RINGING,
            "ONHOLD" => Self::ON_HOLD,
            _ => return None,
        };
        Some(Self { code })
    }

    /// The state a hint on this one device would show, from a listed
    /// device state: a `DeviceStateList` item's `State` (`NOT_INUSE`, …) or
    /// an `EndpointList` item's `DeviceState` (`Not in use`, `Ring+Inuse`,
    /// …). As Asterisk computes a hint's state (`ast_devstate_to_extenstate`),
    /// an unknown device is idle and an invalid one unavailable.
    pub fn from_listed_device_state(s: &str) -> Option<Self> {
        let name = match s.trim().to_ascii_lowercase().as_str() {
            "unknown" => return Some(Self::IDLE),
            "invalid" => {
                return Some(Self {
                    code: Self::UNAVAILABLE,
                })
            }
            "not in use" => "NOT_INUSE",
            "in use" => "INUSE",
            "ring+inuse" => "RINGINUSE",
            "on hold" => "ONHOLD",
            _ => s.trim(),
        };
        Self::from_device_state(name)
    }

    /// Whether a chan_sip peer (a `SIPpeers` `PeerEntry`) can be reached:
    /// `UNREACHABLE`, or no registered address (`-none-`), is unavailable;
    /// anything else (`OK (5 ms)`, `LAGGED`, `UNKNOWN` while the first
    /// qualify is out, `Unmonitored`) idle, as chan_sip's own device state.
    pub fn from_sip_peer(p: &Packet) -> Self {
        let unreachable = p
            .get("Status")
            .is_some_and(|s| s.trim().to_ascii_uppercase().starts_with("UNREACHABLE"));
        let address = p
            .get("IPaddress")
            .map(str::trim)
            .filter(|a| !a.is_empty() && *a != "-none-" && *a != "(null)");
        if unreachable || address.is_none() {
            Self {
                code: Self::UNAVAILABLE,
            }
        } else {
            Self::IDLE
        }
    }

    /// The extension does not exist (-1).
    pub fn not_found(self) -> bool {
        self.code < 0
    }
    /// Nothing going on (0).
    pub fn idle(self) -> bool {
        self.code == 0
    }
    /// On a call (bit 1).
    pub fn in_use(self) -> bool {
        self.code > 0 && self.code & Self::IN_USE != 0
    }
    /// Busy (bit 2).
    pub fn busy(self) -> bool {
        self.code > 0 && self.code & Self::BUSY != 0
    }
    /// Unreachable or unregistered (bit 4).
    pub fn unavailable(self) -> bool {
        self.code > 0 && self.code & Self::UNAVAILABLE != 0
    }
    /// Ringing (bit 8).
    pub fn ringing(self) -> bool {
        self.code > 0 && self.code & Self::RINGING != 0
    }
    /// Has a call on hold (bit 16).
    pub fn on_hold(self) -> bool {
        self.code > 0 && self.code & Self::ON_HOLD != 0
    }

    /// A short label for people: "idle", "in use, ringing", "not found".
    pub fn label(self) -> String {
        if self.not_found() {
            return "not found".into();
        }
        if self.idle() {
            return "idle".into();
        }
        let mut parts = Vec::new();
        for (on, name) in [
            (self.in_use(), "in use"),
            (self.busy(), "busy"),
            (self.unavailable(), "unavailable"),
            (self.ringing(), "ringing"),
            (self.on_hold(), "on hold"),
        ] {
            if on {
                parts.push(name);
            }
        }
        if parts.is_empty() {
            format!("unknown ({})", self.code)
        } else {
            parts.join(", ")
        }
    }
}

/// The other party of a colleague's call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// Their number.
    pub num: String,
    /// Their name, as text.
    pub name: Option<String>,
}

/// One colleague's presence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colleague {
    /// The extension number.
    pub extension: String,
    /// The hint device(s), e.g. `PJSIP/1001`.
    pub hint: Option<String>,
    /// The state code and its meaning.
    pub state: ExtensionState,
    /// "idle", "in use, ringing", …
    pub label: String,
    /// Who they are talking to (or who is ringing them), when known.
    pub talking_to: Option<Party>,
    /// Their name, from the caller ID their phone is configured with
    /// (see [`crate::live::endpoint_names`]), when the PBX gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Colleague {
    /// Who they are talking to now: nobody while they are free, offline or
    /// unknown. Asterisk sets the connected line on a phone's new channel
    /// while it is still Down, before the device rings (see
    /// `incoming-answered.ami`), so a client that lists the states just then
    /// would otherwise show "Available with ACME Corp".
    pub fn talking_to_now(&self) -> Option<&Party> {
        let s = self.state;
        if s.idle() || s.not_found() || s.unavailable() {
            return None;
        }
        self.talking_to.as_ref()
    }
}

/// What presence is rebuilt from after a (re)connect, as
/// [`crate::live::presence_listing`] reads it from the PBX.
#[derive(Debug, Clone, Default)]
pub struct PresenceListing {
    /// `ExtensionStateList` items (`ExtensionStatus`): the hints the PBX has
    /// now. Empty on Asterisk 1.8, which has no such action.
    pub hints: Vec<Packet>,
    /// `DeviceStateList` items (`DeviceStateChange`; Asterisk 12+).
    pub devices: Vec<Packet>,
    /// `PJSIPShowEndpoints` (`EndpointList`) or `SIPpeers` (`PeerEntry`)
    /// items, trunks included: which are phones is the classifier's call.
    pub endpoints: Vec<Packet>,
}

/// Presence of every extension seen, kept up to date from events.
#[derive(Debug, Default)]
pub struct Presence {
    colleagues: BTreeMap<String, Colleague>,
    /// Hint device (`PJSIP/1001`) → extensions using it.
    devices: HashMap<String, Vec<String>>,
    /// Channel Uniqueid → extension, for "talking to".
    channels: HashMap<String, String>,
    /// Extension → name, kept across resyncs.
    names: HashMap<String, String>,
}

impl Presence {
    /// Empty presence.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every colleague, by extension.
    pub fn colleagues(&self) -> impl Iterator<Item = &Colleague> {
        self.colleagues.values()
    }

    /// One colleague.
    pub fn get(&self, extension: &str) -> Option<&Colleague> {
        self.colleagues.get(extension)
    }

    /// Names colleagues (extension → name, as [`crate::live::endpoint_names`]
    /// reads them from the PBX); an extension left out loses its name.
    /// Returns the colleagues whose name changed.
    pub fn set_names(
        &mut self,
        names: impl IntoIterator<Item = (String, String)>,
    ) -> Vec<Colleague> {
        self.names = names.into_iter().collect();
        let mut changed = Vec::new();
        for c in self.colleagues.values_mut() {
            let name = self.names.get(&c.extension).cloned();
            if c.name != name {
                c.name = name;
                changed.push(c.clone());
            }
        }
        changed
    }

    /// Replaces everything with a board someone else follows the PBX for
    /// (an office desk shows the office gateway's): each colleague as it is,
    /// names included.
    pub fn replace_board(&mut self, board: Vec<Colleague>) {
        self.devices.clear();
        self.channels.clear();
        self.names = board
            .iter()
            .filter_map(|c| Some((c.extension.clone(), c.name.clone()?)))
            .collect();
        self.colleagues = board
            .into_iter()
            .map(|c| (c.extension.clone(), c))
            .collect();
    }

    /// Applies one event; returns the colleagues whose presence changed.
    pub fn apply(&mut self, ev: &Packet) -> Vec<Colleague> {
        let Some(name) = ev.event() else {
            return Vec::new();
        };
        match name {
            n if n.eq_ignore_ascii_case("ExtensionStatus") => self.on_extension_status(ev),
            n if n.eq_ignore_ascii_case("DeviceStateChange") => self.on_device_state(ev),
            n if n.eq_ignore_ascii_case("Newstate")
                || n.eq_ignore_ascii_case("NewConnectedLine") =>
            {
                self.on_channel(ev)
            }
            n if n.eq_ignore_ascii_case("Hangup") => self.on_hangup(ev),
            _ => Vec::new(),
        }
    }

    /// Replaces everything with an `ExtensionStateList` result (its
    /// `ExtensionStatus` items) alone: [`Presence::resync_listing`] without
    /// the phones that have no hint. Returns every colleague.
    pub fn resync(&mut self, items: &[Packet]) -> Vec<Colleague> {
        let listing = PresenceListing {
            hints: items.to_vec(),
            ..PresenceListing::default()
        };
        self.resync_listing(&listing, &Classifier::new())
    }

    /// Replaces everything with the PBX's listings, as after a reconnect:
    /// each hint with its state, then every phone of the endpoint listing
    /// (those `classifier` takes for extensions, after it learnt the
    /// listing) that no hint covers, with its state from `DeviceStateList`,
    /// else from the listing item. A dialplan's pattern hint
    /// (`_10XX,hint,PJSIP/${EXTEN}`) is not listed until something watches
    /// it, so without the endpoints such phones would be missing. Returns
    /// every colleague.
    pub fn resync_listing(
        &mut self,
        listing: &PresenceListing,
        classifier: &Classifier,
    ) -> Vec<Colleague> {
        self.colleagues.clear();
        self.devices.clear();
        for p in &listing.hints {
            self.on_extension_status(p);
        }
        for p in &listing.endpoints {
            if let Some(ext) = classifier.listed_phone(p) {
                self.add_unhinted_phone(ext, p, &listing.devices);
            }
        }
        self.colleagues.values().cloned().collect()
    }

    /// A listed phone no hint covers: its device (`PJSIP/1004`, `SIP/1004`)
    /// stands for its extension, so `DeviceStateChange` keeps it current.
    fn add_unhinted_phone(&mut self, ext: &str, item: &Packet, devices: &[Packet]) {
        let sip = item
            .event()
            .is_some_and(|e| e.eq_ignore_ascii_case("PeerEntry"));
        let tech = if sip {
            item.get("Channeltype")
                .filter(|t| !t.is_empty())
                .unwrap_or("SIP")
        } else {
            "PJSIP"
        };
        let device = format!("{tech}/{ext}");
        if self.colleagues.contains_key(ext) || self.devices.contains_key(&device) {
            return;
        }
        let listed = devices
            .iter()
            .find(|d| {
                d.get("Device")
                    .is_some_and(|x| x.eq_ignore_ascii_case(&device))
            })
            .and_then(|d| d.get("State"))
            .and_then(ExtensionState::from_listed_device_state);
        let state = match listed {
            Some(s) => s,
            None if sip => ExtensionState::from_sip_peer(item),
            None => item
                .get("DeviceState")
                .and_then(ExtensionState::from_listed_device_state)
                .unwrap_or(ExtensionState::IDLE),
        };
        self.devices
            .entry(device.clone())
            .or_default()
            .push(ext.to_owned());
        self.colleagues.insert(
            ext.to_owned(),
            Colleague {
                extension: ext.to_owned(),
                hint: Some(device),
                state,
                label: state.label(),
                talking_to: None,
                name: self.names.get(ext).cloned(),
            },
        );
    }

    fn on_extension_status(&mut self, ev: &Packet) -> Vec<Colleague> {
        let Some(ext) = ev.get("Exten").filter(|e| !e.is_empty()) else {
            return Vec::new();
        };
        let Some(code) = ev.get("Status").and_then(|s| s.trim().parse::<i32>().ok()) else {
            return Vec::new();
        };
        let hint = ev.get("Hint").filter(|h| !h.is_empty()).map(str::to_owned);
        if let Some(h) = &hint {
            for dev in h.split('&') {
                let list = self.devices.entry(dev.to_owned()).or_default();
                if !list.iter().any(|e| e == ext) {
                    list.push(ext.to_owned());
                }
            }
        }
        let c = self
            .colleagues
            .entry(ext.to_owned())
            .or_insert_with(|| Colleague {
                extension: ext.to_owned(),
                hint: None,
                state: ExtensionState::IDLE,
                label: String::new(),
                talking_to: None,
                name: self.names.get(ext).cloned(),
            });
        if hint.is_some() {
            c.hint = hint;
        }
        c.state = ExtensionState::from_code(code);
        c.label = c.state.label();
        if c.state.idle() || c.state.not_found() || c.state.unavailable() {
            c.talking_to = None;
        }
        vec![c.clone()]
    }

    fn on_device_state(&mut self, ev: &Packet) -> Vec<Colleague> {
        let (Some(dev), Some(state)) = (
            ev.get("Device"),
            ev.get("State").and_then(ExtensionState::from_device_state),
        ) else {
            return Vec::new();
        };
        let exts: Vec<String> = match self.devices.get(dev) {
            Some(e) => e.clone(),
            // Without a hint, `PJSIP/1001` is extension 1001 on the PBXes we know.
            None => ChannelName::parse(dev)
                .filter(|c| !c.is_local() && c.endpoint.bytes().all(|b| b.is_ascii_digit()))
                .map(|c| vec![c.endpoint.to_owned()])
                .unwrap_or_default(),
        };
        let mut out = Vec::new();
        for ext in exts {
            let c = self
                .colleagues
                .entry(ext.clone())
                .or_insert_with(|| Colleague {
                    extension: ext.clone(),
                    hint: Some(dev.to_owned()),
                    state: ExtensionState::IDLE,
                    label: String::new(),
                    talking_to: None,
                    name: self.names.get(&ext).cloned(),
                });
            if c.state != state || c.label.is_empty() {
                c.state = state;
                c.label = state.label();
                if state.idle() {
                    c.talking_to = None;
                }
                out.push(c.clone());
            }
        }
        out
    }

    fn on_channel(&mut self, ev: &Packet) -> Vec<Colleague> {
        let (Some(uid), Some(name)) = (ev.get("Uniqueid"), ev.get("Channel")) else {
            return Vec::new();
        };
        let Some(ch) = ChannelName::parse(name) else {
            return Vec::new();
        };
        let ext = ch.endpoint;
        if !self.colleagues.contains_key(ext) {
            return Vec::new();
        }
        let num = ev
            .get("ConnectedLineNum")
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("<unknown>"));
        let Some(num) = num else { return Vec::new() };
        let name = ev
            .get("ConnectedLineName")
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("<unknown>"))
            .map(str::to_owned);
        self.channels.insert(uid.to_owned(), ext.to_owned());
        let party = Party {
            num: num.to_owned(),
            name,
        };
        let c = self.colleagues.get_mut(ext).expect("checked above");
        if c.talking_to.as_ref() == Some(&party) {
            return Vec::new();
        }
        c.talking_to = Some(party);
        vec![c.clone()]
    }

    fn on_hangup(&mut self, ev: &Packet) -> Vec<Colleague> {
        let Some(ext) = ev.get("Uniqueid").and_then(|u| self.channels.remove(u)) else {
            return Vec::new();
        };
        if self.channels.values().any(|e| *e == ext) {
            return Vec::new();
        }
        match self.colleagues.get_mut(&ext) {
            Some(c) if c.talking_to.is_some() => {
                c.talking_to = None;
                vec![c.clone()]
            }
            _ => Vec::new(),
        }
    }

    /// Channels remembered for "talking to" (bounded by live calls).
    pub fn tracked_channels(&self) -> usize {
        self.channels.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(ext: &str, code: &str) -> Packet {
        Packet::new()
            .with("Event", "ExtensionStatus")
            .with("Exten", ext)
            .with("Context", "internal")
            .with("Hint", format!("PJSIP/{ext}"))
            .with("Status", code)
    }

    #[test]
    fn a_board_from_the_office_gateway_replaces_everything() {
        let mut p = Presence::new();
        p.resync(&[status("1001", "0"), status("1009", "1")]);
        let mut ringing = p.get("1001").expect("1001").clone();
        ringing.state = ExtensionState::from_code(8);
        ringing.name = Some("Alice".into());
        let wire = serde_json::to_string(&[ringing.clone()]).expect("json");
        p.replace_board(serde_json::from_str(&wire).expect("board"));
        let now: Vec<_> = p.colleagues().cloned().collect();
        assert_eq!(now, vec![ringing], "1009 gone, 1001 ringing and named");
    }

    #[test]
    fn seed_status_codes_and_combinations() {
        let rows = [
            (-1, "not found"),
            (0, "idle"),
            (1, "in use"),
            (2, "busy"),
            (4, "unavailable"),
            (8, "ringing"),
            (9, "in use, ringing"),
            (16, "on hold"),
            (17, "in use, on hold"),
        ];
        for (code, label) in rows {
            assert_eq!(
                ExtensionState::from_code(code).label(),
                label,
                "status code {code}"
            );
        }
        let s = ExtensionState::from_code(9);
        assert!(
            s.in_use() && s.ringing() && !s.on_hold(),
            "9 = in use + ringing"
        );
    }

    #[test]
    fn listed_device_and_peer_states() {
        let rows = [
            ("NOT_INUSE", "idle"),
            ("Not in use", "idle"),
            ("INUSE", "in use"),
            ("In use", "in use"),
            ("Ring+Inuse", "in use, ringing"),
            ("On Hold", "on hold"),
            ("Unavailable", "unavailable"),
            ("INVALID", "unavailable"),
            ("UNKNOWN", "idle"),
        ];
        for (listed, label) in rows {
            assert_eq!(
                ExtensionState::from_listed_device_state(listed)
                    .map(|s| s.label())
                    .as_deref(),
                Some(label),
                "listed as {listed}"
            );
        }
        let peer = |status: &str, ip: &str| {
            Packet::new()
                .with("Event", "PeerEntry")
                .with("IPaddress", ip)
                .with("Status", status)
        };
        let rows = [
            (peer("OK (5 ms)", "192.168.1.21"), "idle"),
            (peer("UNKNOWN", "192.168.1.21"), "idle"),
            (peer("UNREACHABLE", "192.168.1.21"), "unavailable"),
            (peer("UNKNOWN", "-none-"), "unavailable"),
        ];
        for (p, label) in rows {
            assert_eq!(
                ExtensionState::from_sip_peer(&p).label(),
                label,
                "peer {:?} at {:?}",
                p.get("Status"),
                p.get("IPaddress")
            );
        }
    }

    #[test]
    fn phones_without_a_hint_join_the_board() {
        let endpoint = |name: &str, outbound: &str, state: &str| {
            Packet::new()
                .with("Event", "EndpointList")
                .with("ObjectName", name)
                .with("OutboundAuths", outbound)
                .with("DeviceState", state)
        };
        let listing = PresenceListing {
            hints: vec![status("1001", "8")],
            devices: vec![Packet::new()
                .with("Event", "DeviceStateChange")
                .with("Device", "PJSIP/1000")
                .with("State", "INUSE")],
            endpoints: vec![
                endpoint("1000", "", "Not in use"),
                endpoint("1001", "", "Not in use"),
                endpoint("1004", "", "Unavailable"),
                endpoint("carrier", "carrier-auth", "Not in use"),
            ],
        };
        let mut classifier = Classifier::new();
        for p in &listing.endpoints {
            classifier.learn(p);
        }
        let mut p = Presence::new();
        let all = p.resync_listing(&listing, &classifier);
        let rows: Vec<(&str, &str)> = all
            .iter()
            .map(|c| (c.extension.as_str(), c.label.as_str()))
            .collect();
        assert_eq!(
            rows,
            [("1000", "in use"), ("1001", "ringing"), ("1004", "unavailable")],
            "the hint wins for 1001, DeviceStateList for 1000, the listing's own DeviceState for 1004; no trunk"
        );
        let ch = p.apply(
            &Packet::new()
                .with("Event", "DeviceStateChange")
                .with("Device", "PJSIP/1004")
                .with("State", "NOT_INUSE"),
        );
        assert_eq!(ch.len(), 1, "the phone's device keeps its row current");
        assert!(ch[0].state.idle(), "1004 registered again");
    }

    #[test]
    fn list_then_events() {
        let mut p = Presence::new();
        let all = p.resync(&[status("1001", "0"), status("1002", "4")]);
        assert_eq!(all.len(), 2, "both listed");
        assert_eq!(
            p.get("1002").map(|c| c.label.as_str()),
            Some("unavailable"),
            "1002 is not registered"
        );

        let ch = p.apply(
            &Packet::new()
                .with("Event", "DeviceStateChange")
                .with("Device", "PJSIP/1001")
                .with("State", "RINGING"),
        );
        assert_eq!(ch.len(), 1, "1001's lamp changes");
        assert!(ch[0].state.ringing(), "device RINGING maps to ringing");

        let ch = p.apply(
            &Packet::new()
                .with("Event", "Newstate")
                .with("Channel", "PJSIP/1001-00000012")
                .with("Uniqueid", "1795444786.18")
                .with("ChannelState", "6")
                .with("ConnectedLineNum", "+15551234567")
                .with("ConnectedLineName", "ACME Corp"),
        );
        assert_eq!(
            ch[0].talking_to,
            Some(Party {
                num: "+15551234567".into(),
                name: Some("ACME Corp".into())
            }),
            "who 1001 talks to comes from the channel's connected line"
        );
        let ch = p.apply(&status("1001", "9"));
        assert_eq!(
            ch[0].label, "in use, ringing",
            "a second call rings while talking"
        );

        let ch = p.apply(
            &Packet::new()
                .with("Event", "Hangup")
                .with("Channel", "PJSIP/1001-00000012")
                .with("Uniqueid", "1795444786.18"),
        );
        assert_eq!(ch[0].talking_to, None, "the call ended");
        assert_eq!(p.tracked_channels(), 0, "no channel kept after its hangup");
        assert!(
            p.apply(
                &Packet::new()
                    .with("Event", "DeviceStateChange")
                    .with("Device", "Queue:support_avail")
                    .with("State", "NOT_INUSE")
            )
            .is_empty(),
            "queue pseudo-devices are not colleagues"
        );
    }
}
