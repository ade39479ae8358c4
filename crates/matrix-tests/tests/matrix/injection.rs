//! Row: injection. Every user-typed field that reaches AMI (dial number,
//! transfer target, the user's extension, a context, the CallerID name) is
//! tried with CR LF, LF, NUL and smuggled `Action:` payloads, through the
//! typed actions the app uses and through the raw client underneath them,
//! against a live session. The user must get a clear error naming the
//! field; the PBX's own log must show none of it; and the session must stay
//! healthy (a real action right after goes through, which also proves the
//! log would have shown a leak).

use std::time::Duration;

use ringside_ami::{Error, Packet};
use ringside_calls::actions::{
    attended_transfer, blind_transfer, click_to_dial, ActionError, BlindTransferRequest,
    DialRequest,
};
use ringside_calls::live::LiveUpdate;
use ringside_calls::profile::{PbxKind, Profile};
use ringside_calls::tracker::Dialect;
use ringside_pbxsim::{capture_extensions, PbxSim, SimConfig, SimHandle};

use crate::common::*;

const PAYLOADS: &[&str] = &[
    "1002\r\nAction: Hangup\r\nChannel: PJSIP/1001-00000001",
    "1002\nAction: Originate\nChannel: PJSIP/1005",
    "1002\0Action: Hangup",
    "\r\n\r\nAction: Command\r\nCommand: core stop now\r\n\r\n",
    "1002\rAction: Hangup",
];

fn dial(ext: &str, number: &str, context: Option<&str>, name: Option<&str>) -> DialRequest {
    DialRequest {
        extension: ext.into(),
        number: number.into(),
        caller_name: name.map(Into::into),
        channel_id: "ringside-c2d-1".into(),
        context: context.map(Into::into),
    }
}

fn xfer(ext: &str, target: &str, context: Option<&str>) -> BlindTransferRequest {
    BlindTransferRequest {
        own_channel: "PJSIP/1001-0000000f".into(),
        far_channel: "PJSIP/carrier-0000000e".into(),
        extension: ext.into(),
        target: target.into(),
        context: context.map(Into::into),
    }
}

/// Waits until the PBX got `n` `MailboxCount`s: the board's voicemail
/// counts, which the session sends by itself after its resync.
async fn wait_for_mailbox_counts(sim: &SimHandle, n: usize) {
    let counted = || {
        sim.received()
            .iter()
            .filter(|p| p.is("Action", "MailboxCount"))
            .count()
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    while counted() < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the session asked only {} of {n} voicemail counts within {WAIT:?}",
            counted()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_user_typed_field_can_smuggle_anything_onto_the_wire() {
    tokio::time::timeout(Duration::from_secs(60), async {
        let sim = PbxSim::start(SimConfig::default())
            .await
            .expect("pbxsim starts");
        let mut chain = Chain::start(config_for(sim.addr()), &["1001"]).await;
        chain
            .wait_for("the session", |s| {
                matches!(s, Seen::Update(LiveUpdate::Connected(_)))
            })
            .await;
        chain.wait_named(capture_extensions().len()).await;
        // The session counts each colleague's voicemail once the board is
        // known; those reads are its own, so let them pass before looking.
        wait_for_mailbox_counts(&sim, capture_extensions().len()).await;
        let before = sim.received().len();
        let profile = Profile::of(PbxKind::FreePbx);

        for payload in PAYLOADS {
            // (field the user typed, what building the action gave)
            let attempts: Vec<(&str, Result<Packet, ActionError>)> = vec![
                (
                    "number",
                    click_to_dial(&profile, Dialect::Ami2, &dial("1001", payload, None, None)),
                ),
                (
                    "extension",
                    click_to_dial(&profile, Dialect::Ami2, &dial(payload, "1002", None, None)),
                ),
                (
                    "context",
                    click_to_dial(
                        &profile,
                        Dialect::Ami2,
                        &dial("1001", "1002", Some(payload), None),
                    ),
                ),
                (
                    "caller ID name",
                    click_to_dial(
                        &profile,
                        Dialect::Ami2,
                        &dial("1001", "1002", None, Some(payload)),
                    ),
                ),
                (
                    "target",
                    blind_transfer(&profile, Dialect::Ami2, &xfer("1001", payload, None)),
                ),
                (
                    "context",
                    blind_transfer(
                        &profile,
                        Dialect::Ami2,
                        &xfer("1001", "1002", Some(payload)),
                    ),
                ),
                (
                    "extension",
                    blind_transfer(&profile, Dialect::Ami1, &xfer(payload, "1002", None)),
                ),
                (
                    "target",
                    attended_transfer(&profile, "PJSIP/1001-0000000f", "1001", payload, None),
                ),
            ];
            for (field, built) in attempts {
                let err = built.expect_err(&format!(
                    "{field} = {payload:?} must be refused before anything is sent"
                ));
                let msg = err.to_string();
                assert!(
                    msg.contains(field),
                    "the error must name the field the user typed ({field}): {msg}"
                );
                assert!(
                    !msg.contains('\r') && !msg.contains('\n') && !msg.contains('\0'),
                    "the message shows control characters escaped: {msg:?}"
                );
            }
            // The raw client refuses the same values even if a caller skips the builders.
            for key in ["Exten", "Context", "CallerID", "Channel"] {
                let raw = Packet::action("Originate")
                    .with("Channel", "PJSIP/1001")
                    .with(key, *payload);
                let r = chain.client.send(raw).await;
                assert!(
                    matches!(r, Err(Error::Encode(_))),
                    "the client must refuse {key} = {payload:?} before the socket: {r:?}"
                );
            }
        }

        // A caller name that merely *says* "Action:" is text, not an action.
        let named = click_to_dial(
            &profile,
            Dialect::Ami2,
            &dial("1001", "1002", None, Some("Action: Hangup")),
        )
        .expect("a name without line breaks is just a name");
        let answer = chain.client.send(named).await;
        assert!(
            answer.is_ok(),
            "the session is still healthy after all the refusals: {answer:?}"
        );
        let seen = sim
            .wait_for_action(WAIT, |p| p.is("Action", "Originate"))
            .await
            .expect("the valid Originate reaches the PBX, so the log would show a leak");
        assert_eq!(
            seen.get("CallerID"),
            Some("\"Action: Hangup\" <1001>"),
            "the text travels inside its field, unchanged"
        );

        let after: Vec<Packet> = sim.received().into_iter().skip(before).collect();
        let actions: Vec<&str> = after.iter().filter_map(|p| p.action_name()).collect();
        assert!(
            actions.iter().all(|a| ["Originate", "Ping"]
                .iter()
                .any(|ok| a.eq_ignore_ascii_case(ok))),
            "only the one valid Originate (and keepalives) may reach the PBX: {actions:?}"
        );
        assert_eq!(
            actions
                .iter()
                .filter(|a| a.eq_ignore_ascii_case("Originate"))
                .count(),
            1,
            "exactly one Originate reached the PBX"
        );
        for p in &after {
            for (k, v) in p.fields() {
                assert!(
                    !v.contains("core stop") && !k.eq_ignore_ascii_case("Command"),
                    "no smuggled field may reach the PBX: {k}: {v}"
                );
            }
        }
        chain.stop().await;
        sim.shutdown().await;
    })
    .await
    .expect("the injection row must finish, not hang");
}
