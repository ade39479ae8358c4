use std::collections::BTreeMap;

use ringside_calls::channel::EndpointKind;

use super::*;

/// Calls by id, as a tracker would list their channels; one call parked
/// in space 71 of the default lot.
struct Calls(BTreeMap<&'static str, Vec<CallChannel>>);

impl CallView for Calls {
    fn channels_of(&self, call: &str) -> Vec<CallChannel> {
        self.0.get(call).cloned().unwrap_or_default()
    }

    fn is_parked(&self, lot: Option<&str>, space: &str) -> bool {
        space == "71" && lot.is_none_or(|l| l == "default")
    }
}

fn chan(name: &str, endpoint: &str, kind: EndpointKind, origin: bool) -> CallChannel {
    CallChannel {
        name: name.into(),
        endpoint: endpoint.into(),
        kind,
        up: true,
        ringing: false,
        origin,
    }
}

/// Call `a` is between an outside caller and 1001 (the reception desk's);
/// call `b` between an outside caller and 1002 (the sales desk's).
fn calls() -> Calls {
    let trunk = |n: &str| chan(n, "carrier", EndpointKind::Trunk, true);
    Calls(BTreeMap::from([
        (
            "a",
            vec![
                trunk("PJSIP/carrier-00000001"),
                chan(
                    "PJSIP/1001-00000002",
                    "1001",
                    EndpointKind::Extension,
                    false,
                ),
            ],
        ),
        (
            "b",
            vec![
                trunk("PJSIP/carrier-00000003"),
                chan(
                    "PJSIP/1002-00000004",
                    "1002",
                    EndpointKind::Extension,
                    false,
                ),
            ],
        ),
    ]))
}

fn reception() -> DeskConfig {
    DeskConfig {
        user: "reception".into(),
        extensions: vec!["1001".into()],
    }
}

fn run(req: &str, kind: PbxKind) -> Result<Packet, RequestError> {
    let profile = Profile::of(kind);
    let pbx = Pbx {
        profile: &profile,
        dialect: Dialect::Ami2,
    };
    let req = DeskRequest::parse(req.as_bytes())?;
    authorize(&reception(), &req, pbx, &calls(), "ringside-gw-1")
}

#[test]
fn a_desk_acts_from_its_own_phones_on_its_own_calls() {
    let dial = run(
        r#"{"action":"dial","from":"1001","number":"+15551234567"}"#,
        PbxKind::Generic,
    )
    .expect("her own phone");
    assert_eq!(dial.action_name(), Some("Originate"));
    assert_eq!(dial.get("Channel"), Some("PJSIP/1001"));
    let transfer = run(
        r#"{"action":"transfer","call":"a","to":"1003"}"#,
        PbxKind::Generic,
    )
    .expect("a call at her phone");
    assert_eq!(transfer.get("Exten"), Some("1003"));
    let park = run(r#"{"action":"park","call":"a"}"#, PbxKind::Generic).expect("park hers");
    assert_eq!(park.action_name(), Some("Park"));
    let hangup = run(r#"{"action":"hangup","call":"a"}"#, PbxKind::Generic).expect("her leg");
    assert_eq!(
        hangup.get("Channel"),
        Some("PJSIP/1001-00000002"),
        "only her own leg"
    );
    let pickup = run(
        r#"{"action":"pickup","from":"1001","ringing":"1002"}"#,
        PbxKind::FreePbx,
    )
    .expect("to her own phone");
    assert_eq!(pickup.get("Exten"), Some("**1002"));
    let sms = run(
        r#"{"action":"sms","number":"13632919026","text":"Back at 3"}"#,
        PbxKind::OpenVox,
    )
    .expect("a gateway sends texts");
    assert_eq!(
        sms.get("Command"),
        Some(r#"gsm send sms 1 13632919026 "Back at 3" 20"#)
    );
}

#[test]
fn a_desk_retrieves_to_its_own_phone_and_pauses_only_itself() {
    let retrieve = run(
        r#"{"action":"retrieve","slot":"71","lot":"default"}"#,
        PbxKind::Generic,
    )
    .expect("a parked call, to her first phone");
    assert_eq!(retrieve.action_name(), Some("Originate"));
    assert_eq!(retrieve.get("Channel"), Some("PJSIP/1001"));
    assert_eq!(retrieve.get("Exten"), Some("71"));
    let from = run(
        r#"{"action":"retrieve","slot":"71","lot":null,"from":"1001"}"#,
        PbxKind::Generic,
    )
    .expect("her own phone, named");
    assert_eq!(from.get("Channel"), Some("PJSIP/1001"));
    let voicemail = run(
        r#"{"action":"voicemail","call":"a","to":"1002"}"#,
        PbxKind::FreePbx,
    )
    .expect("a caller at her phone");
    assert_eq!(voicemail.action_name(), Some("Redirect"));
    assert_eq!(
        voicemail.get("Channel"),
        Some("PJSIP/carrier-00000001"),
        "the caller goes, not her"
    );
    assert_eq!(voicemail.get("Exten"), Some("*1002"));
    for member in ["1001", "PJSIP/1001", "Local/1001@from-queue/n"] {
        let req = format!(
            r#"{{"action":"queue_pause","queue":"support","member":"{member}","paused":true,"reason":"lunch"}}"#
        );
        let pause = run(&req, PbxKind::Generic).expect(member);
        assert_eq!(pause.action_name(), Some("QueuePause"), "{member}");
        assert_eq!(pause.get("Paused"), Some("true"));
        assert_eq!(pause.get("Reason"), Some("lunch"));
    }
    let everywhere = run(
        r#"{"action":"queue_pause","member":"1001","paused":false}"#,
        PbxKind::Generic,
    )
    .expect("every queue");
    assert_eq!(everywhere.get("Queue"), None);
    assert_eq!(everywhere.get("Interface"), Some("PJSIP/1001"));
    let out = run(
        r#"{"action":"queue_member","queue":"support","member":"PJSIP/1001","logged_in":false}"#,
        PbxKind::Generic,
    )
    .expect("her own login");
    assert_eq!(out.action_name(), Some("QueueRemove"));
    let back = run(
        r#"{"action":"queue_member","queue":"support","member":"1001","logged_in":true}"#,
        PbxKind::Generic,
    )
    .expect("her own login");
    assert_eq!(back.action_name(), Some("QueueAdd"));
}

#[test]
fn what_a_desk_may_not_do_is_refused_in_words_before_anything_is_built() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"action":"dial","from":"1002","number":"100"}"#,
            "not_your_extension",
        ),
        (
            r#"{"action":"pickup","from":"1005","ringing":"1002"}"#,
            "not_your_extension",
        ),
        (
            r#"{"action":"transfer","call":"b","to":"1003"}"#,
            "not_your_call",
        ),
        (r#"{"action":"park","call":"b"}"#, "not_your_call"),
        (r#"{"action":"hangup","call":"b"}"#, "not_your_call"),
        (r#"{"action":"park","call":"gone"}"#, "call_gone"),
        (r#"{"action":"sms","number":"1","text":"x"}"#, "unsupported"),
        (
            r#"{"action":"retrieve","slot":"71","from":"1002"}"#,
            "not_your_extension",
        ),
        (r#"{"action":"retrieve","slot":"72"}"#, "nothing_parked"),
        (
            r#"{"action":"retrieve","slot":"71","lot":"sales"}"#,
            "nothing_parked",
        ),
        (
            r#"{"action":"retrieve","slot":"71\r\nAction: Hangup"}"#,
            "not_dialable",
        ),
        (
            r#"{"action":"retrieve","slot":"71","lot":"default\r\n"}"#,
            "bad_field",
        ),
        (
            r#"{"action":"voicemail","call":"b","to":"1003"}"#,
            "not_your_call",
        ),
        (
            r#"{"action":"voicemail","call":"gone","to":"1003"}"#,
            "call_gone",
        ),
        (
            r#"{"action":"voicemail","call":"a","to":"1003"}"#,
            "no_voicemail_exten",
        ),
        (
            r#"{"action":"queue_pause","member":"1002","paused":true}"#,
            "not_your_extension",
        ),
        (
            r#"{"action":"queue_pause","member":"PJSIP/1002","paused":true}"#,
            "not_your_extension",
        ),
        (
            r#"{"action":"queue_pause","member":"Local/1002@from-queue/n","paused":true}"#,
            "not_your_extension",
        ),
        (
            r#"{"action":"queue_pause","member":"1001\r\n","paused":true}"#,
            "not_your_extension",
        ),
        (
            r#"{"action":"queue_pause","member":"1001","paused":true,"reason":"x\r\nAction: Hangup"}"#,
            "bad_field",
        ),
        (
            r#"{"action":"queue_pause","queue":"support\r\n","member":"1001","paused":true}"#,
            "bad_field",
        ),
        (
            r#"{"action":"queue_member","queue":"support","member":"1002","logged_in":false}"#,
            "not_your_extension",
        ),
        (r#"{"action":"queue_pause","member":"1001"}"#, "malformed"),
        (
            r#"{"action":"dial","from":"1001","number":"100\r\nAction: Command"}"#,
            "not_dialable",
        ),
        (
            r#"{"action":"transfer","call":"a","to":"1003\r\nAction: Hangup"}"#,
            "not_dialable",
        ),
        (
            r#"{"action":"dial","from":"1001\r\n","number":"100"}"#,
            "not_your_extension",
        ),
        (
            r#"{"action":"originate","channel":"PJSIP/1002"}"#,
            "malformed",
        ),
        (
            r#"{"action":"dial","from":"1001","number":"100","context":"x"}"#,
            "malformed",
        ),
        (
            r#"{"Action":"Command","Command":"core stop now"}"#,
            "malformed",
        ),
        ("not json", "malformed"),
    ];
    for (req, code) in cases {
        let e = run(req, PbxKind::Generic).expect_err(req);
        assert_eq!(e.code(), *code, "{req}: {e}");
        let msg = e.to_string();
        assert!(!msg.contains('\r') && !msg.contains('\n'), "{req}: {msg:?}");
        let answer = DeskResponse::from(&e);
        assert!(!answer.ok);
        assert_eq!(answer.code.as_deref(), Some(*code));
    }
    let big = format!(
        r#"{{"action":"sms","number":"1","text":"{}"}}"#,
        "x".repeat(MAX_REQUEST_BYTES)
    );
    let e = run(
        r#"{"action":"voicemail","call":"a","to":"1003\r\nAction: Hangup"}"#,
        PbxKind::FreePbx,
    )
    .expect_err("a CR/LF in the colleague");
    assert_eq!(e.code(), "not_dialable", "{e}");
    let e = run(&big, PbxKind::OpenVox).expect_err("oversized");
    assert_eq!(e.code(), "too_large");
}

#[test]
fn requests_and_answers_round_trip_as_documented() {
    let req = DeskRequest::Transfer {
        call: "1796392630.3".into(),
        to: "1002".into(),
        attended: false,
    };
    let json = serde_json::to_string(&req).expect("json");
    assert_eq!(
        json,
        r#"{"action":"transfer","call":"1796392630.3","to":"1002","attended":false}"#
    );
    assert_eq!(DeskRequest::parse(json.as_bytes()).expect("back"), req);
    let documented = [
        (
            DeskRequest::Retrieve {
                slot: "71".into(),
                lot: Some("default".into()),
                from: None,
            },
            r#"{"action":"retrieve","slot":"71","lot":"default"}"#,
        ),
        (
            DeskRequest::Voicemail {
                call: "1796392630.3".into(),
                to: "1002".into(),
            },
            r#"{"action":"voicemail","call":"1796392630.3","to":"1002"}"#,
        ),
        (
            DeskRequest::QueuePause {
                queue: Some("support".into()),
                member: "1001".into(),
                paused: true,
                reason: Some("lunch".into()),
            },
            r#"{"action":"queue_pause","queue":"support","member":"1001","paused":true,"reason":"lunch"}"#,
        ),
        (
            DeskRequest::QueueMember {
                queue: "support".into(),
                member: "1001".into(),
                logged_in: false,
            },
            r#"{"action":"queue_member","queue":"support","member":"1001","logged_in":false}"#,
        ),
    ];
    for (req, want) in documented {
        let json = serde_json::to_string(&req).expect("json");
        assert_eq!(json, want);
        assert_eq!(DeskRequest::parse(json.as_bytes()).expect("back"), req);
    }
    let null_lot = DeskRequest::parse(br#"{"action":"retrieve","slot":"71","lot":null}"#)
        .expect("a null lot is no lot");
    assert_eq!(
        null_lot,
        DeskRequest::Retrieve {
            slot: "71".into(),
            lot: None,
            from: None
        }
    );
    assert_eq!(
        serde_json::to_string(&DeskResponse::done()).expect("json"),
        r#"{"ok":true}"#
    );
}
