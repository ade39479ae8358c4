//! Which AMI user may send which action, as manager.c decides it: each
//! action is registered with an authority (the permission classes that
//! may use it, none for `Ping`, `ListCommands`…); a user whose `write=`
//! classes meet none of them is answered `Permission denied`, and
//! `ListCommands` lists only the actions the user may send, each as
//! `Name: Synopsis (Priv: class,…,all)` (`action_listcommands`, the same
//! in 11 and 12+). The authorities are Asterisk's registrations in
//! manager.c, app_queue.c, features.c (11), res_parking (12+), chan_sip
//! and res_pjsip.

use ringside_ami::Packet;

use super::{response, Answer};
use crate::config::Dialect;

/// Only in this dialect (the actions added after 1.8, or gone since).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Only {
    Both,
    Modern,
    Old,
}

/// `(name, synopsis, authority, dialect)` of every action the simulator
/// answers.
const ACTIONS: &[(&str, &str, &[&str], Only)] = &[
    ("Ping", "Keepalive command.", &[], Only::Both),
    ("Events", "Control Event Flow.", &[], Only::Both),
    ("Login", "Login Manager.", &[], Only::Both),
    ("Logoff", "Logoff Manager.", &[], Only::Both),
    (
        "Challenge",
        "Generate Challenge for MD5 Auth.",
        &[],
        Only::Both,
    ),
    (
        "ListCommands",
        "List available manager commands.",
        &[],
        Only::Both,
    ),
    ("Originate", "Originate a call.", &["originate"], Only::Both),
    (
        "Redirect",
        "Redirect (transfer) a call.",
        &["call"],
        Only::Both,
    ),
    (
        "BlindTransfer",
        "Blind transfer channel(s) to the given destination",
        &["call"],
        Only::Modern,
    ),
    ("Atxfer", "Attended transfer.", &["call"], Only::Both),
    ("Hangup", "Hangup channel.", &["system", "call"], Only::Both),
    (
        "CoreShowChannels",
        "List currently active channels.",
        &["system", "reporting"],
        Only::Both,
    ),
    (
        "Status",
        "List channel status.",
        &["system", "call", "reporting"],
        Only::Both,
    ),
    (
        "ExtensionStateList",
        "List the current known extension states.",
        &["call", "reporting"],
        Only::Modern,
    ),
    (
        "DeviceStateList",
        "List the current known device states.",
        &["call", "reporting"],
        Only::Modern,
    ),
    (
        "ExtensionState",
        "Check Extension Status.",
        &["call", "reporting"],
        Only::Both,
    ),
    (
        "Command",
        "Execute Asterisk CLI Command.",
        &["command"],
        Only::Both,
    ),
    (
        "CoreSettings",
        "Show PBX core settings (version etc).",
        &["system", "reporting"],
        Only::Both,
    ),
    (
        "CoreStatus",
        "Show PBX core status variables.",
        &["system", "reporting"],
        Only::Both,
    ),
    ("QueueStatus", "Show queue status.", &[], Only::Both),
    ("QueueSummary", "Show queue summary.", &[], Only::Both),
    (
        "QueuePause",
        "Makes a queue member temporarily unavailable.",
        &["agent"],
        Only::Both,
    ),
    (
        "QueueAdd",
        "Add interface to queue.",
        &["agent"],
        Only::Both,
    ),
    (
        "QueueRemove",
        "Remove interface from queue.",
        &["agent"],
        Only::Both,
    ),
    ("Park", "Park a channel.", &["call"], Only::Both),
    // features.c (11) lists parked calls to anyone; res_parking wants `call`.
    ("ParkedCalls", "List parked calls.", &[], Only::Old),
    ("ParkedCalls", "List parked calls.", &["call"], Only::Modern),
    (
        "MailboxCount",
        "Check Mailbox Message Count.",
        &["call", "reporting"],
        Only::Both,
    ),
    (
        "PJSIPShowEndpoints",
        "Lists PJSIP endpoints.",
        &["system"],
        Only::Modern,
    ),
    (
        "PJSIPShowEndpoint",
        "Detail listing of an endpoint and its objects.",
        &["system"],
        Only::Modern,
    ),
    (
        "SIPpeers",
        "List SIP peers (text format).",
        &["system", "reporting"],
        Only::Old,
    ),
    (
        "SIPshowpeer",
        "show SIP peer (text format).",
        &["system", "reporting"],
        Only::Old,
    ),
];

fn in_dialect(only: Only, dialect: Dialect) -> bool {
    match only {
        Only::Both => true,
        Only::Modern => dialect == Dialect::Modern,
        Only::Old => dialect == Dialect::Ami11,
    }
}

/// Whether a user with these `write=` classes may send `action`. An
/// action the simulator does not know is left to its own answer.
pub(crate) fn permitted(write: &[String], action: &str, dialect: Dialect) -> bool {
    let Some((_, _, authority, _)) = ACTIONS
        .iter()
        .find(|(name, _, _, only)| name.eq_ignore_ascii_case(action) && in_dialect(*only, dialect))
    else {
        return true;
    };
    authority.is_empty()
        || write.iter().any(|w| {
            w.eq_ignore_ascii_case("all") || authority.iter().any(|a| a.eq_ignore_ascii_case(w))
        })
}

/// `ListCommands`: `Response: Success`, then one line per action this
/// user may send.
pub(crate) fn list_commands(action: &Packet, write: &[String], dialect: Dialect) -> Answer {
    let mut p = response(action, "Success");
    for (name, synopsis, authority, only) in ACTIONS {
        if !in_dialect(*only, dialect) || !permitted(write, name, dialect) {
            continue;
        }
        let privs = if authority.is_empty() {
            "<none>".to_owned()
        } else {
            format!("{},all", authority.join(","))
        };
        p.push(*name, format!("{synopsis} (Priv: {privs})"));
    }
    Answer::packets(&[p])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn write_classes_decide_as_manager_c_does() {
        let caller = classes(&["call", "originate"]);
        for (action, ok) in [
            ("Originate", true),
            ("Redirect", true),
            ("Park", true),
            ("QueuePause", false),
            ("QueueAdd", false),
            ("Command", false),
            ("Hangup", true),
            ("Ping", true),
            ("QueueStatus", true),
            ("ListCommands", true),
        ] {
            assert_eq!(
                permitted(&caller, action, Dialect::Modern),
                ok,
                "{action} for write=call,originate"
            );
        }
        assert!(permitted(&classes(&["all"]), "QueuePause", Dialect::Modern));
        assert!(
            permitted(&classes(&["reporting"]), "ParkedCalls", Dialect::Ami11)
                && !permitted(&classes(&["reporting"]), "ParkedCalls", Dialect::Modern),
            "ParkedCalls needs nothing on 11 and call on 12+"
        );
    }

    #[test]
    fn list_commands_lists_only_what_the_user_may_send() {
        let answer = list_commands(
            &Packet::action("ListCommands").with("ActionID", "5"),
            &classes(&["call", "reporting"]),
            Dialect::Modern,
        );
        let text = String::from_utf8(answer.bytes).expect("utf-8");
        assert!(
            text.starts_with("Response: Success\r\nActionID: 5\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Park: Park a channel. (Priv: call,all)\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Ping: Keepalive command. (Priv: <none>)\r\n"),
            "{text}"
        );
        assert!(!text.contains("QueuePause"), "no agent class: {text}");
        assert!(!text.contains("Originate:"), "no originate class: {text}");
        assert!(
            !text.contains("SIPpeers"),
            "12+ has no chan_sip here: {text}"
        );
    }
}
