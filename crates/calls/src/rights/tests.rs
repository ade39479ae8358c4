use super::*;
use crate::profile::PbxKind;

/// `ListCommands` lines as Asterisk 20 prints them (synopsis, then the
/// action's authority), for a user with `write=` these classes.
fn listing(classes: &[&str]) -> Packet {
    const ACTIONS: &[(&str, &str, &str)] = &[
        ("Ping", "Keepalive command.", ""),
        ("ListCommands", "List available manager commands.", ""),
        ("Originate", "Originate a call.", "originate"),
        ("Redirect", "Redirect (transfer) a call.", "call"),
        (
            "BlindTransfer",
            "Blind transfer channel(s) to the given destination",
            "call",
        ),
        ("Atxfer", "Attended transfer.", "call"),
        ("Park", "Park a channel.", "call"),
        ("ParkedCalls", "List parked calls.", "call"),
        ("Hangup", "Hangup channel.", "system,call"),
        ("QueueStatus", "Show queue status.", ""),
        (
            "QueuePause",
            "Makes a queue member temporarily unavailable.",
            "agent",
        ),
        ("QueueAdd", "Add interface to queue.", "agent"),
        ("QueueRemove", "Remove interface from queue.", "agent"),
        (
            "MailboxCount",
            "Check Mailbox Message Count.",
            "call,reporting",
        ),
        ("Command", "Execute Asterisk CLI Command.", "command"),
    ];
    let mut p = Packet::new()
        .with("Response", "Success")
        .with("ActionID", "7");
    for (name, synopsis, auth) in ACTIONS {
        let needs: Vec<&str> = auth.split(',').filter(|c| !c.is_empty()).collect();
        if needs.is_empty() || needs.iter().any(|c| classes.contains(c)) {
            let privs = if needs.is_empty() {
                "<none>".to_owned()
            } else {
                format!("{auth},all")
            };
            p.push(*name, format!("{synopsis} (Priv: {privs})"));
        }
    }
    p
}

fn reason_of(profile: &Profile, rights: &Rights, action: ConsoleAction) -> Option<String> {
    let a = availability(profile, Dialect::Ami2, rights, action);
    assert_eq!(
        a.allowed,
        a.reason.is_none(),
        "{action:?}: a reason exactly when refused"
    );
    a.reason
}

#[test]
fn a_full_user_may_do_everything_the_profile_has() {
    let rights = Rights::from_list_commands(&listing(&[
        "system",
        "call",
        "originate",
        "agent",
        "reporting",
        "command",
    ]));
    assert!(rights.is_known());
    let freepbx = Profile::of(PbxKind::FreePbx);
    for a in console_availability(&freepbx, Dialect::Ami2, &rights) {
        assert!(a.allowed, "FreePBX with every class offers {a:?}");
    }
    let generic = Profile::of(PbxKind::Generic);
    assert_eq!(
        reason_of(&generic, &rights, ConsoleAction::SendToVoicemail).as_deref(),
        Some("Ringside does not know which number reaches a colleague's voicemail on this PBX: ask your PBX admin for it and set it in the PBX profile."),
        "a plain Asterisk has no known voicemail extension: the profile says so"
    );
    let openvox = Profile::of(PbxKind::OpenVox);
    for action in [ConsoleAction::Park, ConsoleAction::Retrieve] {
        assert_eq!(
            reason_of(&openvox, &rights, action).as_deref(),
            Some("This PBX has no call parking."),
            "OpenVox has no Park: {action:?}"
        );
    }
}

#[test]
fn a_missing_class_is_named_with_what_to_ask_for() {
    let rights = Rights::from_list_commands(&listing(&["call", "originate", "reporting"]));
    let p = Profile::of(PbxKind::FreePbx);
    for action in [ConsoleAction::QueuePause, ConsoleAction::QueueMembers] {
        let why = reason_of(&p, &rights, action).expect("refused without agent");
        assert!(
            why.starts_with("Your PBX user may not ")
                && why.contains("give the AMI user the 'agent' permission"),
            "{action:?}: {why}"
        );
    }
    assert_eq!(
        reason_of(&p, &rights, ConsoleAction::QueuePause).as_deref(),
        Some("Your PBX user may not pause queue members: ask your PBX admin to give the AMI user the 'agent' permission.")
    );
    for allowed in [
        ConsoleAction::Dial,
        ConsoleAction::Pickup,
        ConsoleAction::Park,
        ConsoleAction::Retrieve,
        ConsoleAction::Transfer,
        ConsoleAction::SendToVoicemail,
    ] {
        assert_eq!(
            reason_of(&p, &rights, allowed),
            None,
            "{allowed:?} needs only call or originate"
        );
    }
    let no_originate = Rights::from_list_commands(&listing(&["call", "agent"]));
    assert_eq!(
        reason_of(&p, &no_originate, ConsoleAction::Pickup).as_deref(),
        Some("Your PBX user may not pick up colleagues' calls: ask your PBX admin to give the AMI user the 'originate' permission.")
    );
}

#[test]
fn an_action_missing_although_its_class_is_held_is_a_missing_feature() {
    // The user has `agent` (QueueAdd is listed) but the PBX has no QueuePause.
    let mut answer = listing(&["call", "originate", "agent"]);
    answer = answer
        .fields()
        .filter(|(k, _)| *k != "QueuePause")
        .fold(Packet::new(), |p, (k, v)| p.with(k, v));
    let rights = Rights::from_list_commands(&answer);
    let why = reason_of(
        &Profile::of(PbxKind::Generic),
        &rights,
        ConsoleAction::QueuePause,
    )
    .expect("refused");
    assert_eq!(
        why,
        "This PBX has no queues (its AMI has no QueuePause action): ask your PBX admin whether it can be turned on."
    );
}

#[test]
fn a_class_the_vendor_cannot_grant_is_said_so() {
    let mut ucm = Profile::of(PbxKind::GrandstreamUcm);
    assert!(
        !ucm.grants_class("system") && !ucm.grants_class("command") && ucm.grants_class("agent"),
        "the UCM guide's privilege table has no system or command, but has agent"
    );
    // A UCM that would not offer `agent` either (to reach the message).
    ucm.ami_classes = Some(vec!["call".into(), "originate".into()]);
    let rights = Rights::from_list_commands(&listing(&["call", "originate"]));
    assert_eq!(
        reason_of(&ucm, &rights, ConsoleAction::QueuePause).as_deref(),
        Some("This PBX does not let AMI users have the 'agent' permission, so Ringside cannot pause queue members here.")
    );
}

#[test]
fn the_transfer_needs_the_action_the_profile_uses() {
    // BlindTransfer missing (an Asterisk 11 has none), Redirect there.
    let answer = listing(&["call", "originate"])
        .fields()
        .filter(|(k, _)| *k != "BlindTransfer")
        .fold(Packet::new(), |p, (k, v)| p.with(k, v));
    let rights = Rights::from_list_commands(&answer);
    let generic = Profile::of(PbxKind::Generic);
    assert!(
        availability(&generic, Dialect::Ami1, &rights, ConsoleAction::Transfer).allowed,
        "1.x transfers with Redirect"
    );
    assert!(
        !availability(&generic, Dialect::Ami2, &rights, ConsoleAction::Transfer).allowed,
        "12+ with the profile's Auto method uses BlindTransfer"
    );
    assert!(
        availability(
            &Profile::of(PbxKind::YeastarS),
            Dialect::Ami2,
            &rights,
            ConsoleAction::Transfer
        )
        .allowed,
        "Yeastar redirects"
    );
}

#[test]
fn unknown_rights_offer_everything_and_other_answers_are_unknown() {
    let unknown = Rights::unknown();
    assert!(!unknown.is_known() && unknown.allows("QueuePause"));
    let refused = Rights::from_list_commands(
        &Packet::new()
            .with("Response", "Error")
            .with("Message", "Permission denied"),
    );
    assert!(
        !refused.is_known(),
        "an error answer tells nothing about the rights"
    );
    for a in console_availability(&Profile::of(PbxKind::FreePbx), Dialect::Ami2, &unknown) {
        assert!(a.allowed, "{a:?} is offered while rights are unknown");
    }
}

#[test]
fn priv_lists_are_read_as_asterisk_prints_them() {
    assert_eq!(
        classes_of("Hangup channel. (Priv: system,call,all)"),
        ["system", "call"]
    );
    assert!(classes_of("Keepalive command. (Priv: <none>)").is_empty());
    assert!(classes_of("no priv at all").is_empty());
    // A synopsis with brackets of its own (Grandstream's listing).
    assert_eq!(
        classes_of("Redirect (transfer) a call. (Priv: call,all)"),
        ["call"]
    );
}

#[test]
fn availability_serializes_for_the_app() {
    let a = availability(
        &Profile::of(PbxKind::OpenVox),
        Dialect::Ami1,
        &Rights::unknown(),
        ConsoleAction::Park,
    );
    assert_eq!(
        serde_json::to_value(&a).expect("serializes"),
        serde_json::json!({"action": "park", "allowed": false, "reason": "This PBX has no call parking."}),
        "the disabled button's payload"
    );
}
