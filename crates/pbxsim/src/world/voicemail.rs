//! The mailboxes: new and old messages per extension (mailbox
//! `<ext>@default`), a caller leaving a message, and the `MessageWaiting`
//! event it raises: 12+ manager_mwi.c puts the caller's channel snapshot
//! first when a channel caused it, then `Mailbox`, `Waiting`, `New` and
//! `Old`; 11 app_voicemail sends `Mailbox: <box>@<context>`, `Waiting`,
//! `New`, `Old`. Which dialled extensions reach a mailbox is FreePBX's
//! spelling: `*<ext>` (direct voicemail) and `vmu<ext>`/`vmb<ext>`. The
//! application's `Newexten` is here too, its only user.

use ringside_ami::Packet;

use super::{chan_fields, World};
use crate::config::Dialect;

/// The voicemail context of every mailbox.
pub(crate) const VOICEMAIL_CONTEXT: &str = "default";

impl World {
    /// `(new, old)` messages of `ext`'s mailbox.
    pub fn mailbox(&self, ext: &str) -> (u32, u32) {
        self.mailboxes.get(ext).copied().unwrap_or((0, 0))
    }

    /// The extension whose voicemail the dialled `exten` reaches: `*1002`,
    /// `vmu1002` or `vmb1002` for a known extension.
    pub fn voicemail_target(&self, exten: &str) -> Option<String> {
        let ext = exten
            .strip_prefix('*')
            .or_else(|| exten.strip_prefix("vmu"))
            .or_else(|| exten.strip_prefix("vmb"))?;
        self.extension(ext).map(|e| e.number.clone())
    }

    /// `Newexten`: `chan` runs `app(data)` at its current location.
    pub fn newexten(&self, chan: &str, app: &str, data: &str) {
        let Some(c) = self.chan(chan) else { return };
        let mut p = Packet::new()
            .with("Event", "Newexten")
            .with("Privilege", "dialplan,all");
        match self.dialect {
            Dialect::Modern => {
                chan_fields(&mut p, c, "");
                p.push("Extension", &c.exten);
            }
            Dialect::Ami11 => {
                p.push("Channel", &c.name);
                p.push("Context", &c.context);
                p.push("Extension", &c.exten);
                p.push("Priority", "1");
            }
        }
        p.push("Application", app);
        p.push("AppData", data);
        if self.dialect == Dialect::Ami11 {
            p.push("Uniqueid", &c.uniqueid);
        }
        self.emit(&p);
    }

    /// The caller on `chan` left a message for `ext`: one more new message
    /// and its `MessageWaiting`.
    pub fn leave_voicemail(&mut self, ext: &str, chan: &str) {
        let (new, old) = {
            let counts = self.mailboxes.entry(ext.to_owned()).or_insert((0, 0));
            counts.0 += 1;
            *counts
        };
        let mut p = Packet::new()
            .with("Event", "MessageWaiting")
            .with("Privilege", "call,all");
        if self.dialect == Dialect::Modern {
            if let Some(c) = self.chan(chan) {
                chan_fields(&mut p, c, "");
            }
        }
        p.push("Mailbox", format!("{ext}@{VOICEMAIL_CONTEXT}"));
        p.push("Waiting", if new > 0 { "1" } else { "0" });
        p.push("New", new.to_string());
        p.push("Old", old.to_string());
        self.emit(&p);
    }
}
