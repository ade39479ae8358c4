use super::*;
use std::path::PathBuf;

/// Writes the TypeScript bindings of every IPC type into `ui/src/bindings/`.
/// i64 fields are milliseconds and ids far below 2^53, so they map to
/// `number` (ts-rs would default to `bigint`, which JSON.parse never gives).
#[test]
fn export_typescript_bindings() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings");
    let cfg = ts_rs::Config::new()
        .with_large_int("number")
        .with_out_dir(&dir);
    macro_rules! export {
        ($($t:ty),* $(,)?) => { $( <$t as TS>::export_all(&cfg).expect(concat!("export ", stringify!($t))); )* };
    }
    export!(
        IpcError,
        ConnectionStatus,
        Status,
        Colleague,
        CallRow,
        CallerContext,
        CallerContextEvent,
        CallerIdentityEvent,
        DirectoryTestResult,
        AddressBookSyncResult,
        HistoryChanged,
        ConfirmDial,
        HistoryQuery,
        MissedPage,
        ImportReport,
        Settings,
        TestReport,
        SmsRow,
        IncomingSmsEvent,
        ApiTestResult,
        ImportProgress,
        CdrImportSummary,
        PbxChannel,
        ringside_calls::CardChange,
        ringside_calls::CallCard,
        ConsoleState,
        RecallOutput,
    );
    let card = std::fs::read_to_string(dir.join("CardChange.ts")).expect("CardChange.ts written");
    assert!(
        card.contains(r#""type": "popup""#) && card.contains(r#""type": "call_end""#),
        "the card union keeps the CLI's snake_case type tags: {card}"
    );
    let settings = std::fs::read_to_string(dir.join("Settings.ts")).expect("Settings.ts written");
    assert!(
        settings.contains("hasSecret: boolean"),
        "camelCase names must reach TypeScript: {settings}"
    );
    assert!(
        !settings
            .lines()
            .any(|l| l.trim_start().starts_with("secret")),
        "no secret field may ever reach the UI type: {settings}"
    );
    let note = std::fs::read_to_string(dir.join("Note.ts")).expect("Note.ts written");
    assert!(
        note.contains("createdAtMs: number"),
        "ms timestamps must be plain numbers: {note}"
    );
}

#[test]
fn ipc_error_serializes_as_code_and_message() {
    let e = IpcError::new(
        ErrorCode::InvalidNumber,
        "“12a” is not a number Ringside can dial.",
    );
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        serde_json::json!({"code": "invalid_number", "message": "“12a” is not a number Ringside can dial."}),
        "the UI reads exactly these two keys"
    );
}

#[test]
fn connection_status_is_camel_case() {
    let s = ConnectionStatus {
        state: ConnectionState::AuthFailed,
        message: "x".into(),
        version: None,
    };
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        r#"{"state":"authFailed","message":"x"}"#
    );
}
