use super::*;

#[test]
fn a_free_colleague_talks_to_nobody() {
    use ringside_calls::presence::{Colleague as Seen, ExtensionState, Party};
    let seen = |code: i32| Seen {
        extension: "1001".into(),
        hint: None,
        state: ExtensionState::from_code(code),
        label: String::new(),
        talking_to: Some(Party {
            num: "+15551234567".into(),
            name: Some("ACME Corp".into()),
        }),
        name: Some("Alice Front Desk".into()),
    };
    let busy = colleague(&seen(1), None);
    assert_eq!(busy.talking_to.as_deref(), Some("ACME Corp (+15551234567)"));
    assert_eq!(busy.name, "Alice Front Desk");
    for code in [0, 4, -1] {
        assert_eq!(
            colleague(&seen(code), None).talking_to,
            None,
            "state {code}"
        );
    }
}

#[test]
fn a_colleague_is_named_from_contacts_then_the_pbx_then_the_number() {
    use ringside_calls::presence::{Colleague as Seen, ExtensionState};
    let seen = |name: Option<&str>| Seen {
        extension: "1002".into(),
        hint: None,
        state: ExtensionState::from_code(0),
        label: String::new(),
        talking_to: None,
        name: name.map(str::to_owned),
    };
    let mine = "Bob (sales desk)".to_owned();
    assert_eq!(
        colleague(&seen(Some("Bob Sales")), Some(&mine)).name,
        mine,
        "her contact wins"
    );
    assert_eq!(
        colleague(&seen(Some("Bob Sales")), None).name,
        "Bob Sales",
        "else the phone's caller ID"
    );
    assert_eq!(colleague(&seen(None), None).name, "1002", "else the number");
}

fn target(demo: bool) -> Target {
    Target {
        host: "pbx.local".into(),
        port: 5038,
        user: "ringside".into(),
        transport: Transport::Plain,
        extensions: vec!["1001".into()],
        groups: vec![],
        demo,
    }
}

fn ringing(call: &str) -> CardChange {
    CardChange::Popup {
        call: call.into(),
        extension: "1001".into(),
        caller_num: "+15551234567".into(),
        caller_name: None,
        direction: ringside_calls::Direction::Inbound,
        trunk: None,
        did: None,
        queue: None,
        transferred_by: None,
        consultation: false,
        consulting_for: None,
        park_return: false,
        park_slot: None,
        parked_by: None,
        at_ms: 0,
    }
}

fn closed(call: &str) -> CardChange {
    CardChange::Close {
        call: call.into(),
        extension: "1001".into(),
        reason: CloseReason::AnsweredElsewhere,
        answered_by: Some("1002".into()),
        at_ms: 0,
    }
}

#[test]
fn the_popup_hears_only_of_its_own_cards() {
    let mut popup = crate::popup::PopupState::default();
    assert!(
        popup_wants(&popup, &ringing("a")),
        "a new card always goes to the popup"
    );
    assert!(
        !popup_wants(&popup, &closed("a")),
        "another extension's call is none of the popup's business"
    );
    popup.open("a");
    assert!(
        popup_wants(&popup, &closed("a")),
        "a change to a card it shows"
    );
    assert!(!popup_wants(&popup, &closed("b")));
    popup.do_not_disturb = true;
    assert!(
        !popup_wants(&popup, &ringing("c")),
        "no card under do-not-disturb"
    );
    assert!(
        popup_wants(&popup, &closed("a")),
        "a card already up still follows its call"
    );
}

#[test]
fn client_states_map_to_plain_ui_states() {
    let s = connection_status(
        &AmiState::Connected {
            version: "12.0.0".into(),
        },
        &target(false),
        None,
    );
    assert_eq!(s.state, ConnectionState::Connected);
    assert_eq!(s.message, "Connected to pbx.local:5038");
    assert_eq!(s.version.as_deref(), Some("12.0.0"));
    let demo = connection_status(&AmiState::Connecting { attempt: 1 }, &target(true), None);
    assert_eq!(
        demo.message, "Connecting to the demo PBX…",
        "the demo's random port means nothing to a user"
    );
    let failed = connection_status(
        &AmiState::AuthFailed {
            message: "Wrong AMI password for user 'ringside' on pbx.local:5038".into(),
        },
        &target(false),
        None,
    );
    assert_eq!(failed.state, ConnectionState::AuthFailed);
    assert!(
        failed.message.contains("Wrong AMI password"),
        "the client's actionable message is passed through"
    );
}
