use serde::{Deserialize, Serialize};

use super::*;

/// A settings type of the app's kind: camelCase keys, one runtime key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Desk {
    host: String,
    port: u16,
    extensions: Vec<String>,
    has_secret: bool,
}

impl Persisted for Desk {
    const RUNTIME_KEYS: &'static [&'static str] = &["hasSecret"];

    fn defaults() -> Self {
        Self {
            host: String::new(),
            port: 5038,
            extensions: Vec::new(),
            has_secret: false,
        }
    }
}

fn configured() -> Desk {
    Desk {
        host: "pbx.local".into(),
        extensions: vec!["1001".into()],
        has_secret: true,
        ..Desk::defaults()
    }
}

fn file_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(SETTINGS_FILE)).expect("the settings file")
}

#[test]
fn a_round_trip_keeps_only_the_changed_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    save(dir.path(), &configured()).expect("saved");
    let text = file_text(dir.path());
    let v: Value = serde_json::from_str(&text).expect("JSON");
    let keys: Vec<&String> = v.as_object().expect("an object").keys().collect();
    assert_eq!(
        keys,
        ["extensions", "host"],
        "only changed keys, never the runtime hasSecret: {text}"
    );
    assert_eq!(
        load::<Desk>(dir.path()).expect("loaded"),
        Desk {
            has_secret: false,
            ..configured()
        },
        "defaults + file give the saved settings back"
    );
    save(dir.path(), &Desk::defaults()).expect("saved");
    assert_eq!(file_text(dir.path()).trim(), "{}", "back to the defaults");
}

#[test]
fn a_missing_file_is_a_fresh_install() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_eq!(
        load::<Desk>(dir.path()).expect("defaults"),
        Desk::defaults()
    );
    assert_eq!(
        load::<Desk>(&dir.path().join("never-made")).expect("defaults"),
        Desk::defaults()
    );
}

#[test]
fn a_corrupt_file_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(SETTINGS_FILE);
    std::fs::write(&path, "{not json").expect("written");
    let e = load::<Desk>(dir.path()).expect_err("damaged");
    assert!(matches!(e, Error::SettingsDamaged { .. }), "{e:?}");
    assert_eq!(e.code(), "settings_damaged");
    let message = e.to_string();
    assert!(
        message.starts_with(&format!(
            "The settings file {} is damaged (",
            path.display()
        )) && message.ends_with("); fix or delete it."),
        "names the file and what to do: {message}"
    );
    assert_eq!(file_text(dir.path()), "{not json", "never overwritten");

    std::fs::write(&path, r#"{"port": "five"}"#).expect("written");
    let e = load::<Desk>(dir.path()).expect_err("a word for a number");
    assert!(matches!(e, Error::SettingsWrongValue { .. }), "{e:?}");
    assert!(e.to_string().contains("has a wrong value"), "{e}");
}

#[test]
fn unknown_and_runtime_keys_in_a_file_are_ignored() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join(SETTINGS_FILE),
        r#"{"port": 7777, "hasSecret": true, "fromANewerVersion": [1, 2]}"#,
    )
    .expect("written");
    assert_eq!(
        load::<Desk>(dir.path()).expect("loaded"),
        Desk {
            port: 7777,
            ..Desk::defaults()
        },
        "a newer version's keys are dropped and hasSecret is never read from a file"
    );
    std::fs::write(dir.path().join(SETTINGS_FILE), "[1, 2]").expect("written");
    assert_eq!(
        load::<Desk>(dir.path()).expect("loaded"),
        Desk::defaults(),
        "JSON that is no object gives the defaults"
    );
}

#[test]
fn saving_replaces_the_file_and_leaves_no_temp_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("nested").join("config");
    save(&cfg, &configured()).expect("saved, the folders made");
    save(
        &cfg,
        &Desk {
            port: 7777,
            ..Desk::defaults()
        },
    )
    .expect("saved again");
    let names: Vec<String> = std::fs::read_dir(&cfg)
        .expect("the folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        [SETTINGS_FILE],
        "the temp file was renamed over the old one"
    );
    let v: Value = serde_json::from_str(&file_text(&cfg)).expect("JSON");
    assert_eq!(
        v,
        serde_json::json!({"port": 7777}),
        "the whole file was replaced"
    );
}

#[test]
fn a_folder_that_cannot_be_made_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let not_a_folder = dir.path().join("file");
    std::fs::write(&not_a_folder, "").expect("written");
    let e = save(&not_a_folder, &configured()).expect_err("a file is in the way");
    assert!(matches!(e, Error::SettingsUnwritable { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with(&format!(
            "Ringside could not save its settings in {}: ",
            not_a_folder.display()
        )),
        "{e}"
    );
}
