//! The app's settings as the UI sees them, and the rules for them.
//!
//! The settings file itself (where it lives, what it keeps, how it is
//! written) and the secret stores are `ringside-config`'s, shared with the
//! CLI; this module holds what is the app's own: the defaults of its IPC
//! [`Settings`] and which of its keys are filled at run time ([`Persisted`]),
//! the validation whose messages name the Settings page's fields, the CRM
//! URL, and the checks on a secret typed in Settings. It must not touch
//! windows or the PBX.

use std::path::Path;

use crate::ipc::{ErrorCode, IpcError, IpcResult, PbxProfile, PopupPosition, Settings};
use ringside_calls::recall::RecallConfig;

/// Where the files live, the settings file's name, the secret stores and
/// the keyring's names: shared with the CLI.
pub use ringside_config::settings::{diff_from_defaults, Persisted, SETTINGS_FILE};
pub use ringside_config::{
    config_dir, data_dir, keyring_account, FileSecretStore, OsKeyring, Secret, SecretStore,
    KEYRING_SERVICE,
};

/// The settings of a fresh install: no PBX (so the demo PBX starts), the
/// plain-Asterisk profile, popups bottom right (most notification daemons
/// draw top right, over the popup's caller number) and kept 4 s after
/// ringing stops, and no desktop notification while the popup shows.
pub fn default_settings() -> Settings {
    Settings {
        profile: PbxProfile::GenericAsterisk,
        host: String::new(),
        port: 5038,
        tls: false,
        pinned_fingerprint: None,
        ami_user: String::new(),
        has_secret: false,
        extensions: Vec::new(),
        watched_groups: Vec::new(),
        country_code: "1".into(),
        trunk_prefix: "1".into(),
        crm_url_template: String::new(),
        popup_position: PopupPosition::BottomRight,
        popup_duration_secs: 4,
        notifications: true,
        notify_with_popup: false,
        start_with_os: false,
        gsm_span: 1,
        elastix_url: String::new(),
        elastix_fingerprint: None,
        has_api_token: false,
        recall_after_secs: 20,
        watched_queues: Vec::new(),
        directory: Default::default(),
        has_directory_password: false,
        address_book: Default::default(),
        has_address_book_password: false,
        office: Default::default(),
        has_broker_password: false,
    }
}

impl Persisted for Settings {
    /// Whether the keyring holds the AMI secret and the API token is asked
    /// of the keyring each time, never kept in the file.
    const RUNTIME_KEYS: &'static [&'static str] = &[
        "hasSecret",
        "hasApiToken",
        "hasDirectoryPassword",
        "hasAddressBookPassword",
        "hasBrokerPassword",
    ];

    fn defaults() -> Self {
        default_settings()
    }
}

/// Reads the settings: defaults overlaid with the user's file. A missing file
/// is a fresh install; an unreadable one is reported (and defaults used by
/// the caller) rather than silently overwritten.
pub fn load(dir: &Path) -> IpcResult<Settings> {
    Ok(ringside_config::settings::load(dir)?)
}

/// Validates and writes the settings (only what differs from the defaults),
/// atomically: a crash mid-write leaves the old file.
pub fn save(dir: &Path, settings: &Settings) -> IpcResult<()> {
    validate(settings)?;
    Ok(ringside_config::settings::save(dir, settings)?)
}

fn invalid(field: &str, why: impl std::fmt::Display) -> IpcError {
    IpcError::new(ErrorCode::InvalidSetting, format!("{field}: {why}"))
}

fn is_extension(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 16
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '#')
}

/// Checks every field; the error names the field the user must fix.
pub fn validate(s: &Settings) -> IpcResult<()> {
    validate_login(s)?;
    validate_extensions(s)?;
    validate_number_plan(s)?;
    validate_links(s)?;
    if s.gsm_span == 0 || s.gsm_span > ringside_calls::sms::MAX_SPAN {
        return Err(invalid(
            "GSM span",
            "enter the gateway's GSM port that sends texts, such as 1.",
        ));
    }
    if s.popup_duration_secs > 3600 {
        return Err(invalid(
            "Popup duration",
            "use at most 3600 seconds (0 closes it with the call).",
        ));
    }
    validate_console(s)?;
    crate::address_book::validate(&s.address_book)?;
    crate::office::validate(&s.office)?;
    crate::directory::validate(&s.directory)
}

/// The attendant console's recall time and watched queues.
fn validate_console(s: &Settings) -> IpcResult<()> {
    RecallConfig::from_setting(u64::from(s.recall_after_secs))
        .map_err(|why| invalid("Bring a transferred caller back after", why))?;
    if s.watched_queues.len() > MAX_WATCHED_QUEUES {
        return Err(invalid(
            "Queues to show",
            format!("list at most {MAX_WATCHED_QUEUES} queues, or none to show every queue."),
        ));
    }
    for q in &s.watched_queues {
        let name = q.trim();
        if ringside_calls::actions::queue_name(name).is_err() {
            return Err(invalid(
                "Queues to show",
                format!(
                    "“{}” is not a queue name; use the names the PBX gives its queues, \
                     such as sales (letters, digits, dots, - and _ only).",
                    name.escape_debug()
                ),
            ));
        }
    }
    Ok(())
}

/// At most this many queues are named in Settings.
const MAX_WATCHED_QUEUES: usize = 50;

/// The PBX's host, port, AMI user and pinned certificate.
fn validate_login(s: &Settings) -> IpcResult<()> {
    let host = s.host.trim();
    if host.len() > 253
        || host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/' || c == '@')
    {
        return Err(invalid(
            "PBX host",
            "enter a host name or IP address only, such as pbx.local or 192.168.1.10.",
        ));
    }
    if s.port == 0 {
        return Err(invalid(
            "Port",
            "enter the PBX's AMI port, usually 5038 (7777 on Grandstream).",
        ));
    }
    if !host.is_empty() && s.ami_user.trim().is_empty() {
        return Err(invalid(
            "AMI user",
            "enter the AMI user name configured on the PBX.",
        ));
    }
    if s.ami_user.chars().any(|c| c.is_control()) || s.ami_user.len() > 80 {
        return Err(invalid(
            "AMI user",
            "the name may not contain line breaks or control characters.",
        ));
    }
    validate_pin(s.pinned_fingerprint.as_deref(), "Pinned certificate")
}

/// A pasted SHA-256 fingerprint, when there is one: 64 hex digits, colons
/// and spaces allowed.
pub(crate) fn validate_pin(fp: Option<&str>, field: &'static str) -> IpcResult<()> {
    let Some(fp) = fp else { return Ok(()) };
    let hex: String = fp
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect();
    if !hex.is_empty() && (hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit())) {
        return Err(invalid(
            field,
            "paste the SHA-256 fingerprint: 64 hexadecimal digits, colons allowed.",
        ));
    }
    Ok(())
}

/// Her own extensions and the ring groups she watches.
fn validate_extensions(s: &Settings) -> IpcResult<()> {
    if !s.host.trim().is_empty() && s.extensions.is_empty() {
        return Err(invalid(
            "My extension",
            "enter at least one extension, such as 1001.",
        ));
    }
    for e in s.extensions.iter().chain(&s.watched_groups) {
        if !is_extension(e) {
            return Err(invalid(
                "My extension",
                format!("“{e}” is not an extension; use digits only, such as 1001 or 600."),
            ));
        }
    }
    Ok(())
}

/// The country code and trunk prefix that normalize numbers.
fn validate_number_plan(s: &Settings) -> IpcResult<()> {
    if s.country_code.is_empty()
        || s.country_code.len() > 3
        || !s.country_code.chars().all(|c| c.is_ascii_digit())
    {
        return Err(invalid(
            "Country code",
            "enter 1 to 3 digits without +, such as 1 or 44.",
        ));
    }
    if s.trunk_prefix.len() > 2 || !s.trunk_prefix.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid(
            "Trunk prefix",
            "enter the national prefix digit (0 or 1), or leave it empty.",
        ));
    }
    Ok(())
}

/// The CRM link and the Elastix API's address and pin.
fn validate_links(s: &Settings) -> IpcResult<()> {
    if !s.crm_url_template.is_empty() {
        let t = s.crm_url_template.trim();
        if check_crm_template(t).is_err() || !t.contains("{number}") {
            return Err(invalid(
                "CRM URL",
                "use an http:// or https:// address containing {number}, such as https://crm.example/search?phone={number}.",
            ));
        }
    }
    let api = s.elastix_url.trim();
    if !api.is_empty()
        && (!api.to_ascii_lowercase().starts_with("https://")
            || api.len() > 300
            || api.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        return Err(invalid(
            "Elastix API URL",
            "use the https:// address of the PBX's API, such as https://pbx.local/api/api.php.",
        ));
    }
    validate_pin(
        s.elastix_fingerprint.as_deref(),
        "Elastix pinned certificate",
    )
}

/// Why a CRM URL template cannot be opened, if it cannot: it must be an
/// absolute `http://` or `https://` address (scheme in any case) with a
/// host, and hold no whitespace or control characters, so neither a typed
/// template nor a hand-edited settings file can open `javascript:`,
/// `file:`, `data:` or a scheme-less path.
pub fn check_crm_template(t: &str) -> Result<(), &'static str> {
    let lower = t.get(..8).unwrap_or(t).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &t[8..]
    } else if lower.starts_with("http://") {
        &t[7..]
    } else {
        return Err("only http:// and https:// addresses can be opened.");
    };
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the address may not contain spaces or line breaks.");
    }
    if rest.is_empty() || rest.starts_with(['/', '?', '#']) {
        return Err(
            "the address needs a host name, such as https://crm.example/search?phone={number}.",
        );
    }
    Ok(())
}

/// Fills a CRM URL template with the number, every byte of it
/// percent-encoded except RFC 3986's unreserved characters, so a caller id
/// such as `+1 555&x=<script>` stays one query value; refuses anything but
/// http/https (see [`check_crm_template`]).
pub fn crm_url(template: &str, number: &str) -> IpcResult<String> {
    let t = template.trim();
    if t.is_empty() {
        return Err(invalid(
            "CRM URL",
            "no CRM address is set; add one in Settings.",
        ));
    }
    check_crm_template(t).map_err(|why| invalid("CRM URL", why))?;
    let mut enc = String::new();
    for b in number.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(t.replace("{number}", &enc))
}

/// Stores a secret typed in Settings: refuses an empty one or one with line
/// breaks (it would break the AMI login packet), then hands it to `store`.
pub fn store_secret(
    store: &dyn SecretStore,
    settings: &Settings,
    secret: &Secret,
) -> IpcResult<()> {
    if settings.host.trim().is_empty() || settings.ami_user.trim().is_empty() {
        return Err(invalid(
            "AMI secret",
            "save the PBX host and AMI user first, then type the secret.",
        ));
    }
    let s = secret.expose();
    if s.is_empty() {
        return Err(invalid("AMI secret", "the secret is empty."));
    }
    if s.chars().any(|c| c == '\r' || c == '\n' || c == '\0') {
        return Err(invalid(
            "AMI secret",
            "the secret may not contain line breaks.",
        ));
    }
    Ok(store.set(&keyring_account(&settings.ami_user, &settings.host), secret)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn configured() -> Settings {
        Settings {
            host: "pbx.local".into(),
            ami_user: "ringside".into(),
            extensions: vec!["1001".into()],
            ..default_settings()
        }
    }

    #[test]
    fn defaults_are_valid_and_a_fresh_install_has_no_pbx() {
        let d = default_settings();
        validate(&d).expect("defaults must pass validation or nobody could save settings");
        assert!(
            d.host.is_empty(),
            "no PBX configured by default, so the demo PBX starts"
        );
    }

    #[test]
    fn the_file_stores_only_what_differs() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = configured();
        s.has_secret = true;
        save(dir.path(), &s).unwrap();
        let text = std::fs::read_to_string(dir.path().join(SETTINGS_FILE)).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["amiUser", "extensions", "host"],
            "only changed keys, never hasSecret: {text}"
        );
        let back = load(dir.path()).unwrap();
        assert_eq!(
            back,
            Settings {
                has_secret: false,
                has_api_token: false,
                ..s
            },
            "defaults + file give the saved settings back"
        );
    }

    #[test]
    fn a_file_saved_before_notify_with_popup_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(SETTINGS_FILE),
            r#"{"popupPosition":"topRight","notifications":true}"#,
        )
        .unwrap();
        let s = load(dir.path()).expect("an older file must keep loading");
        assert_eq!(
            s.popup_position,
            PopupPosition::TopRight,
            "a corner she chose is kept though the default moved"
        );
        assert!(!s.notify_with_popup, "the new setting starts off");
        let old: Settings = serde_json::from_value({
            let mut v = serde_json::to_value(default_settings()).unwrap();
            v.as_object_mut().unwrap().remove("notifyWithPopup");
            v
        })
        .expect("the type itself reads a value without the field (serde default)");
        assert!(!old.notify_with_popup);
        let mut both = default_settings();
        both.notify_with_popup = true;
        save(dir.path(), &both).unwrap();
        assert!(
            load(dir.path()).unwrap().notify_with_popup,
            "the setting round-trips through the file"
        );
    }

    #[test]
    fn a_missing_file_means_defaults_and_a_damaged_one_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), default_settings());
        std::fs::write(dir.path().join(SETTINGS_FILE), "{not json").unwrap();
        let e = load(dir.path()).unwrap_err();
        assert_eq!(
            e.code,
            ErrorCode::InvalidSetting,
            "a damaged file must be reported, not overwritten"
        );
    }

    #[test]
    fn validation_names_the_field() {
        type Case = (fn(&mut Settings), &'static str);
        let cases: Vec<Case> = vec![
            (|s| s.port = 0, "Port"),
            (|s| s.host = "pbx.local/x".into(), "PBX host"),
            (|s| s.extensions = vec!["10 01".into()], "My extension"),
            (|s| s.extensions.clear(), "My extension"),
            (|s| s.country_code = "+1".into(), "Country code"),
            (
                |s| s.crm_url_template = "javascript:alert(1)//{number}".into(),
                "CRM URL",
            ),
            (
                |s| s.pinned_fingerprint = Some("abc".into()),
                "Pinned certificate",
            ),
            (|s| s.ami_user = "a\r\nAction: Originate".into(), "AMI user"),
            (
                |s| s.recall_after_secs = 2,
                "Bring a transferred caller back after",
            ),
            (
                |s| s.recall_after_secs = 601,
                "Bring a transferred caller back after",
            ),
            (
                |s| s.watched_queues = vec!["sales\r\nAction: Command".into()],
                "Queues to show",
            ),
            (|s| s.watched_queues = vec!["  ".into()], "Queues to show"),
            (
                |s| s.watched_queues = vec!["support desk".into()],
                "Queues to show",
            ),
            (
                |s| s.watched_queues = (0..51).map(|i| format!("q{i}")).collect(),
                "Queues to show",
            ),
        ];
        let mut off = configured();
        off.recall_after_secs = 0;
        off.watched_queues = vec!["sales".into(), "support-desk".into(), "600".into()];
        validate(&off).expect("0 turns the recall off; queue names as queues.conf spells them");
        for (break_it, field) in cases {
            let mut s = configured();
            break_it(&mut s);
            let e = validate(&s).expect_err(field);
            assert_eq!(e.code, ErrorCode::InvalidSetting);
            assert!(
                e.message.starts_with(field),
                "message must name the field {field}: {}",
                e.message
            );
        }
    }

    #[test]
    fn crm_url_percent_encodes_the_number_and_refuses_other_schemes() {
        let url = crm_url("https://crm.example/search?phone={number}", "+1 555&x=<b>").unwrap();
        assert_eq!(
            url,
            "https://crm.example/search?phone=%2B1%20555%26x%3D%3Cb%3E"
        );
        assert!(
            crm_url("file:///etc/passwd?{number}", "1").is_err(),
            "only http(s) may open"
        );
    }

    #[test]
    fn secret_debug_is_redacted_and_goes_to_the_store_not_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSecretStore::new(dir.path().join("keys"));
        let secret = Secret::new("hunter2-ami");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        let s = configured();
        store_secret(&store, &s, &secret).unwrap();
        assert_eq!(
            store.get("ringside@pbx.local").unwrap().unwrap().expose(),
            "hunter2-ami"
        );
        save(&dir.path().join("cfg"), &s).unwrap();
        let text = std::fs::read_to_string(dir.path().join("cfg").join(SETTINGS_FILE)).unwrap();
        assert!(
            !text.contains("hunter2"),
            "the settings file must never hold the secret"
        );
        let bad = store_secret(&store, &s, &Secret::new("a\r\nAction: Originate")).unwrap_err();
        assert_eq!(
            bad.code,
            ErrorCode::InvalidSetting,
            "a secret with CRLF would inject AMI headers"
        );
    }
}
