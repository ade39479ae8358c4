//! Extension and device states: each phone's state worked out from its
//! channels and announced when it changes (`ExtensionStatus`, and
//! `DeviceStateChange` on 12+), phones marked unregistered, the states a
//! replayed capture reports, and which hints exist: one per extension, or
//! a pattern hint's extensions once something watches them ([`Hints`]).

use ringside_ami::Packet;

use super::{ChanState, World};
use crate::capture::PhoneState;
use crate::config::{Dialect, Hints};

/// Extension state as numbered in `ExtensionStatus` events.
pub(crate) fn status_text(status: u8) -> &'static str {
    match status {
        0 => "Idle",
        1 => "InUse",
        2 => "Busy",
        4 => "Unavailable",
        8 => "Ringing",
        9 => "InUse&Ringing",
        16 => "Hold",
        17 => "InUse&Hold",
        _ => "Unknown",
    }
}

/// The `DeviceStateChange` state name of an `ExtensionStatus` code.
pub(crate) fn device_state(status: u8) -> &'static str {
    match status {
        0 => "NOT_INUSE",
        1 | 17 => "INUSE",
        2 => "BUSY",
        4 => "UNAVAILABLE",
        8 => "RINGING",
        9 => "RINGINUSE",
        16 => "ONHOLD",
        _ => "UNKNOWN",
    }
}

/// The `ExtensionStatus` code of a device state name (the inverse of
/// [`device_state`]); `None` for a name it does not know.
fn status_of_device_state(state: &str) -> Option<u8> {
    [0, 1, 2, 4, 8, 9, 16]
        .into_iter()
        .find(|&code| device_state(code).eq_ignore_ascii_case(state))
}

impl World {
    /// `(number, status)` of every extension, in configured order.
    pub fn extension_states(&self) -> Vec<(String, u8)> {
        self.extensions
            .iter()
            .map(|e| {
                (
                    e.number.clone(),
                    self.ext_status.get(&e.number).copied().unwrap_or(0),
                )
            })
            .collect()
    }

    /// Whether the dialplan has a hint for this extension now: always with
    /// one hint per extension; with a pattern hint, only once it is watched.
    pub fn has_hint(&self, number: &str) -> bool {
        self.extension(number).is_some()
            && match self.hints {
                Hints::PerExtension => true,
                Hints::Pattern => self.watched.iter().any(|n| n == number),
            }
    }

    /// `(number, status)` of the extensions that have a hint now (what
    /// `ExtensionStateList` lists), in configured order.
    pub fn hinted_extension_states(&self) -> Vec<(String, u8)> {
        let mut states = self.extension_states();
        states.retain(|(n, _)| self.has_hint(n));
        states
    }

    /// Something (a phone's BLF key) watches an extension: with a pattern
    /// hint, Asterisk makes its hint now, and lists and reports it from
    /// then on. Unknown extensions are ignored.
    pub fn watch_hint(&mut self, number: &str) {
        if self.extension(number).is_some() && !self.watched.iter().any(|n| n == number) {
            self.watched.push(number.to_owned());
        }
    }

    /// A replayed capture said what a phone is doing: that is now its state in
    /// `ExtensionStateList`, `DeviceStateList` and `ExtensionState`, so a
    /// client resynchronising in the middle of a replay is told what the
    /// events it was sent say, as a real PBX would (not "idle" while the
    /// replay has its phone ringing). Phones this PBX does not have are
    /// ignored; nothing is emitted (the replay sends its own events).
    pub fn note_phone_state(&mut self, state: &PhoneState) {
        let (number, status) = match state {
            PhoneState::Device { device, state } => {
                let Some((tech, number)) = device.split_once('/') else {
                    return;
                };
                if !tech.eq_ignore_ascii_case(self.dialect.tech()) {
                    return;
                }
                let Some(status) = status_of_device_state(state) else {
                    return;
                };
                (number, status)
            }
            PhoneState::Extension { exten, status } => (exten.as_str(), *status),
        };
        if let Some(s) = self.ext_status.get_mut(number) {
            *s = status;
        }
    }

    /// Marks an extension's phone as unregistered (status 4) or back.
    pub fn set_unavailable(&mut self, number: &str, unavailable: bool) {
        self.unavailable.retain(|n| n != number);
        if unavailable {
            self.unavailable.push(number.to_owned());
        }
        self.refresh_ext(number);
    }

    /// The context hints live in (`internal` on the capture PBX,
    /// `ext-local` style on FreePBX).
    pub fn hint_context(&self) -> &'static str {
        "internal"
    }

    pub(super) fn refresh_endpoint(&mut self, chan: &str) {
        if let Some(ep) = self.chan(chan).map(|c| c.endpoint.clone()) {
            self.refresh_ext(&ep);
        }
    }

    /// Recomputes an extension's state from its channels and announces a
    /// change with `ExtensionStatus` (and `DeviceStateChange` on 12+).
    pub(super) fn refresh_ext(&mut self, number: &str) {
        let Some(old) = self.ext_status.get(number).copied() else {
            return;
        };
        let mine = || self.chans.values().filter(|c| c.endpoint == number);
        let ringing = mine().any(|c| c.state == ChanState::Ringing);
        let held = mine().any(|c| c.on_hold);
        // A Down channel is being set up; the phone shows nothing yet.
        let busy = mine().any(|c| matches!(c.state, ChanState::Ring | ChanState::Up) && !c.on_hold);
        let status = if self.unavailable.iter().any(|n| n == number) {
            4
        } else {
            match (busy, ringing, held) {
                (true, true, _) => 9,
                (false, true, _) => 8,
                (true, false, true) => 17,
                (false, false, true) => 16,
                (true, false, false) => 1,
                (false, false, false) => 0,
            }
        };
        if status == old {
            return;
        }
        self.ext_status.insert(number.to_owned(), status);
        let tech = self.dialect.tech();
        if self.dialect == Dialect::Modern {
            self.emit(
                &Packet::new()
                    .with("Event", "DeviceStateChange")
                    .with("Privilege", "call,all")
                    .with("Device", format!("{tech}/{number}"))
                    .with("State", device_state(status)),
            );
        }
        // app_queue follows its members' devices.
        self.queue_members_changed(number);
        // No hint (a pattern hint nobody watches): no ExtensionStatus.
        if !self.has_hint(number) {
            return;
        }
        let mut p = Packet::new()
            .with("Event", "ExtensionStatus")
            .with("Privilege", "call,all")
            .with("Exten", number)
            .with("Context", self.hint_context())
            .with("Hint", format!("{tech}/{number}"))
            .with("Status", status.to_string());
        if self.dialect == Dialect::Modern {
            p.push("StatusText", status_text(status));
        }
        self.emit(&p);
    }
}
