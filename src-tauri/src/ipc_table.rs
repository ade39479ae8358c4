//! The app's IPC surface from its one table (`ipc_table.in`): the command
//! names, the `generate_handler!` list, and the TypeScript the UI's
//! `ui/src/ipc.ts` types itself with (`ui/src/bindings/IpcTable.ts`,
//! written by this module's test). `build.rs` reads the
//! same table for the per-command permissions, and a test checks every
//! window's permission sets against it, so a command cannot be added,
//! renamed or granted in one place and forgotten in another.

use std::collections::BTreeMap;

use ts_rs::TS;

use crate::ipc::*;
use ringside_calls::{CallCard, CardChange};

macro_rules! ipc_table {
    (
        commands { $( $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ty ; )* }
        events { $( $event:ident = $constant:ident : $payload:ty ; )* }
    ) => {
        /// Every command, by its IPC name.
        pub const COMMANDS: &[&str] = &[ $( stringify!($name) ),* ];

        /// The handler with every command, for `Builder::invoke_handler`.
        pub fn handler<R: tauri::Runtime>(
        ) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![ $( crate::commands::$name ),* ]
        }

        /// The TypeScript of the command and event tables.
        pub fn typescript(cfg: &ts_rs::Config) -> String {
            let mut ts = Typescript::new(cfg);
            ts.line("/** Arguments and result of every command (src-tauri/src/ipc_table.in). */");
            ts.line("export interface Commands {");
            $(
                let args: Vec<(String, String, bool)> = vec![
                    $( ts.arg::<$ty>(stringify!($arg), stringify!($ty)) ),*
                ];
                let ret = ts.name::<$ret>();
                ts.command(stringify!($name), &args, &ret);
            )*
            ts.line("}");
            ts.line("");
            ts.line("/** Event names, as the constants in src-tauri/src/ipc.rs. */");
            ts.line("export const EVENTS = {");
            $( ts.line(&format!("  {}: {:?},", stringify!($event), $constant)); )*
            ts.line("} as const;");
            ts.line("");
            ts.line("/** The payload of every event. */");
            ts.line("export interface EventPayloads {");
            $(
                let payload = ts.name::<$payload>();
                ts.line(&format!("  [EVENTS.{}]: {payload};", stringify!($event)));
            )*
            ts.line("}");
            ts.finish()
        }
    };
}

include!("ipc_table.in");

/// Builds the TypeScript text and the imports it needs.
struct Typescript<'a> {
    cfg: &'a ts_rs::Config,
    body: String,
    /// Type name → module, for every declared type met.
    types: BTreeMap<String, String>,
}

impl<'a> Typescript<'a> {
    fn new(cfg: &'a ts_rs::Config) -> Self {
        Self {
            cfg,
            body: String::new(),
            types: BTreeMap::new(),
        }
    }

    fn line(&mut self, l: &str) {
        self.body.push_str(l);
        self.body.push('\n');
    }

    /// The TypeScript name of `T`, noting the declared types it uses: itself,
    /// its type arguments (`Vec<Colleague>`) and their dependencies.
    fn name<T: TS + 'static + ?Sized>(&mut self) -> String {
        struct Note<'v, 'c>(&'v mut BTreeMap<String, String>, &'c ts_rs::Config);
        impl ts_rs::TypeVisitor for Note<'_, '_> {
            fn visit<U: TS + 'static + ?Sized>(&mut self) {
                if let Some(path) = U::output_path() {
                    self.0.insert(U::ident(self.1), module_of(&path));
                }
                U::visit_generics(self);
            }
        }
        let mut note = Note(&mut self.types, self.cfg);
        ts_rs::TypeVisitor::visit::<T>(&mut note);
        T::visit_dependencies(&mut note);
        T::name(self.cfg)
    }

    /// One argument: its camelCase name (as Tauri reads it), its type, and
    /// whether it may be left out (an `Option`).
    fn arg<T: TS + 'static>(&mut self, name: &str, rust_ty: &str) -> (String, String, bool) {
        let optional = rust_ty.starts_with("Option");
        let mut ty = self.name::<T>();
        if optional {
            ty = ty.trim_end_matches(" | null").to_owned();
        }
        (camel(name), ty, optional)
    }

    fn command(&mut self, name: &str, args: &[(String, String, bool)], ret: &str) {
        let args = if args.is_empty() {
            "undefined".to_owned()
        } else {
            let fields: Vec<String> = args
                .iter()
                .map(|(n, t, opt)| format!("{n}{}: {t}", if *opt { "?" } else { "" }))
                .collect();
            format!("{{ {} }}", fields.join("; "))
        };
        self.line(&format!("  {name}: [{args}, {ret}];"));
    }

    /// The file: a header, the imports the body uses, the body.
    fn finish(self) -> String {
        let mut out = String::from(
            "// Generated from src-tauri/src/ipc_table.in by ipc_table.rs's test\n\
             // (cargo test -p ringside). Do not edit by hand.\n\n",
        );
        for (ty, module) in &self.types {
            let used = self
                .body
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .any(|w| w == ty);
            if used {
                out.push_str(&format!("import type {{ {ty} }} from \"./{module}\";\n"));
            }
        }
        out.push('\n');
        out.push_str(&self.body);
        out
    }
}

fn module_of(path: &std::path::Path) -> String {
    path.with_extension("").to_string_lossy().replace('\\', "/")
}

/// `call_id` → `callId`, the name Tauri gives a command's argument.
fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    use super::*;

    fn manifest_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// `allow-<command>`, as tauri-build names a command's permission.
    fn permission(command: &str) -> String {
        format!("allow-{}", command.replace('_', "-"))
    }

    /// The permission sets of `permissions/windows.toml`: identifier →
    /// the permissions it lists.
    fn permission_sets() -> BTreeMap<String, Vec<String>> {
        let text = std::fs::read_to_string(manifest_dir().join("permissions/windows.toml"))
            .expect("permissions/windows.toml");
        let mut sets = BTreeMap::new();
        let mut current = None;
        for line in text.lines().map(str::trim) {
            if let Some(id) = line.strip_prefix("identifier = ") {
                current = Some(id.trim_matches('"').to_owned());
                sets.insert(current.clone().unwrap(), Vec::new());
            } else if let (Some(set), true) = (&current, line.starts_with("\"allow-")) {
                let p = line.trim_end_matches(',').trim_matches('"').to_owned();
                sets.get_mut(set).expect("set opened").push(p);
            }
        }
        sets
    }

    #[test]
    fn the_table_names_each_command_once() {
        let unique: BTreeSet<_> = COMMANDS.iter().collect();
        assert_eq!(unique.len(), COMMANDS.len(), "a command listed twice");
    }

    #[test]
    fn every_window_permission_is_a_command_of_the_table_and_every_command_is_granted() {
        let known: BTreeSet<String> = COMMANDS.iter().map(|c| permission(c)).collect();
        let sets = permission_sets();
        assert!(
            sets.contains_key("main-window-commands") && sets.contains_key("popup-window-commands"),
            "both windows have a set: {sets:?}"
        );
        let mut granted = BTreeSet::new();
        for (set, perms) in &sets {
            for p in perms {
                assert!(
                    known.contains(p),
                    "{set} grants {p}, which is no command of ipc_table.in"
                );
                granted.insert(p.clone());
            }
        }
        let never: Vec<_> = known.difference(&granted).collect();
        assert!(never.is_empty(), "commands no window may run: {never:?}");
    }

    #[test]
    fn the_popup_cannot_touch_settings_secrets_or_history_search() {
        let sets = permission_sets();
        let popup = &sets["popup-window-commands"];
        for forbidden in [
            "save_settings",
            "set_secret",
            "set_api_token",
            "get_settings",
            "search_history",
            "export_contacts",
        ] {
            assert!(
                !popup.contains(&permission(forbidden)),
                "the popup may not {forbidden}"
            );
        }
    }

    #[test]
    fn capabilities_use_only_the_sets_and_core_permissions() {
        let sets = permission_sets();
        for window in ["main", "popup"] {
            let path = manifest_dir().join(format!("capabilities/{window}.json"));
            let text = std::fs::read_to_string(&path).expect("capability file");
            let cap: serde_json::Value = serde_json::from_str(&text).expect("capability JSON");
            for p in cap["permissions"].as_array().expect("permissions list") {
                let p = p.as_str().expect("a permission is named by a string");
                assert!(
                    sets.contains_key(p) || p.contains(':'),
                    "{window}.json grants {p}, neither a set of windows.toml nor a plugin's"
                );
            }
        }
    }

    #[test]
    fn build_rs_made_one_permission_per_command_and_no_stale_one() {
        let dir = manifest_dir().join("permissions/autogenerated");
        let files: BTreeSet<String> = std::fs::read_dir(&dir)
            .expect("autogenerated permissions")
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                name.strip_suffix(".toml").map(str::to_owned)
            })
            .collect();
        let commands: BTreeSet<String> = COMMANDS.iter().map(|c| (*c).to_owned()).collect();
        assert_eq!(files, commands);
    }

    /// Writes `ui/src/bindings/IpcTable.ts` (beside the payload types the
    /// `ipc` module's test writes) and checks what it says.
    #[test]
    fn the_typescript_table_types_every_command_and_event() {
        let ts = typescript(&ts_rs::Config::new().with_large_int("number"));
        std::fs::write(manifest_dir().join("../ui/src/bindings/IpcTable.ts"), &ts)
            .expect("write IpcTable.ts");
        for c in COMMANDS {
            assert!(ts.contains(&format!("  {c}: [")), "{c} typed: {ts}");
        }
        assert!(
            ts.contains("add_note: [{ callId?: string; number?: string; text: string }, Note];")
        );
        assert!(ts.contains("dial: [{ number: string }, null];"));
        assert!(ts.contains("get_status: [undefined, Status];"));
        assert!(ts.contains("card: \"ringside://card\","));
        assert!(ts.contains("import type { CardChange } from \"./CardChange\";"));
    }
}
