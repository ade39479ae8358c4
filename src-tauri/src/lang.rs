//! The shell's own words (the tray menu, desktop notifications) in the
//! language the UI shows.
//!
//! There is one set of translations: the UI's catalogs
//! (`ui/src/locales/*.json`, ICU MessageFormat), built into the binary. The
//! shell uses only messages whose arguments are plain `{name}` values (no
//! plural or select), which a test checks in every catalog. The UI picks the
//! language (her choice in Settings, else the OS locale) and tells the shell
//! through `set_shown_language`, so the two never decide it twice; until it
//! does, the shell speaks English.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

/// The catalogs, by language tag, as the UI names them.
const CATALOGS: [(&str, &str); 8] = [
    ("en", include_str!("../../ui/src/locales/en.json")),
    ("de", include_str!("../../ui/src/locales/de.json")),
    ("fr", include_str!("../../ui/src/locales/fr.json")),
    ("es", include_str!("../../ui/src/locales/es.json")),
    ("it", include_str!("../../ui/src/locales/it.json")),
    ("pt-BR", include_str!("../../ui/src/locales/pt-BR.json")),
    ("tr", include_str!("../../ui/src/locales/tr.json")),
    ("zh-CN", include_str!("../../ui/src/locales/zh-CN.json")),
];

/// The messages the shell itself shows: each must exist in English.
pub const SHELL_KEYS: &[&str] = &[
    "shell.tray.starting",
    "shell.tray.recentCalls",
    "shell.tray.noCalls",
    "shell.tray.quickDial",
    "shell.tray.dnd",
    "shell.tray.show",
    "shell.tray.quit",
    "shell.notify.onLine",
    "popup.callFrom",
    "popup.textFrom",
    "popup.ringingAt",
    "connection.connecting",
    "connection.connected",
    "connection.authFailed",
    "connection.unreachable",
    "connection.disconnected",
    "outcome.answered",
    "outcome.missed",
    "outcome.answeredElsewhere",
    "outcome.abandoned",
    "outcome.voicemail",
    "outcome.unanswered",
];

type Catalog = HashMap<String, String>;

fn catalog(index: usize) -> &'static Catalog {
    static PARSED: [OnceLock<Catalog>; 8] = [const { OnceLock::new() }; 8];
    PARSED[index].get_or_init(|| {
        // Built in and checked by the tests: a catalog that does not parse
        // is empty here, and every message falls back to English.
        serde_json::from_str(CATALOGS[index].1).unwrap_or_default()
    })
}

/// The language the UI shows; English until it says.
static SHOWN: RwLock<usize> = RwLock::new(0);

/// Makes `tag` the shell's language. An unknown tag is refused (`false`),
/// and the language stays what it was.
pub fn set_shown(tag: &str) -> bool {
    match CATALOGS.iter().position(|(t, _)| *t == tag) {
        Some(index) => {
            *SHOWN.write().unwrap_or_else(|p| p.into_inner()) = index;
            true
        }
        None => false,
    }
}

/// The words of one language.
#[derive(Debug, Clone, Copy)]
pub struct Words(usize);

impl Words {
    /// The language the UI shows now.
    pub fn shown() -> Words {
        Words(*SHOWN.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The words of the language tagged `tag`, if it is one of ours.
    pub fn of(tag: &str) -> Option<Words> {
        CATALOGS.iter().position(|(t, _)| *t == tag).map(Words)
    }

    /// The message `key` (English where this catalog lacks it, the key
    /// itself where English does too) with each `{name}` replaced by its
    /// argument.
    pub fn text(self, key: &str, args: &[(&str, &str)]) -> String {
        let message = catalog(self.0)
            .get(key)
            .or_else(|| catalog(0).get(key))
            .map_or(key, String::as_str);
        fill(message, args)
    }
}

/// Replaces each `{name}` with its argument in one pass, so an argument
/// that itself contains `{name}` (a caller name is PBX text) stays literal.
fn fill(message: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after
            .find('}')
            .and_then(|close| Some((close, args.iter().find(|(n, _)| *n == &after[..close])?.1)));
        match value {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
