//! The attendant console as the app's windows see it (issue 16): the
//! console the session keeps (built from Settings with the calls crate's
//! builders, as `ringside watch` builds it from its flags), what its
//! buttons may offer (`ringside_calls::rights`, from the AMI user's
//! `ListCommands` and the PBX profile) and the state `get_console` returns.
//! Decisions are the calls crate's; this only shapes them for the IPC.

use ringside_ami::{Client, Packet};
use ringside_calls::console::{Console, Queues};
use ringside_calls::profile::Profile;
use ringside_calls::recall::{RecallConfig, RecallSetup};
use ringside_calls::rights::{availability, Rights};
use ringside_calls::tracker::Dialect;

use crate::ipc::{Offer, OfferAction, Settings};

/// The console a session keeps: the queues Settings names (all without
/// any) and, unless it is 0, the recall of her blind transfers after
/// `recallAfterSecs`, brought back to `extensions` (those the tracker
/// watches).
pub fn console_for(settings: &Settings, extensions: &[String], profile: &Profile) -> Console {
    let console = Console::new().with_queues(Queues::watching(
        settings.watched_queues.iter().map(|q| q.trim().to_owned()),
    ));
    if settings.recall_after_secs == 0 || extensions.is_empty() {
        return console;
    }
    console.with_recall(RecallSetup {
        config: RecallConfig::after_secs(u64::from(settings.recall_after_secs)),
        extensions: extensions.to_vec(),
        profile: profile.clone(),
        context: None,
    })
}

/// What each console button may do with these rights.
pub fn offers(profile: &Profile, dialect: Dialect, rights: &Rights) -> Vec<Offer> {
    OfferAction::ALL
        .iter()
        .map(|&action| {
            let a = availability(profile, dialect, rights, action.console_action());
            Offer {
                action,
                allowed: a.allowed,
                why: a.reason,
            }
        })
        .collect()
}

/// The AMI user's rights, asked of the PBX (`ListCommands` lists only what
/// this user may send); unknown when the PBX will not say, and then every
/// action the profile allows is offered and a refusal is told when it
/// comes.
pub async fn fetch_rights(client: &Client) -> Rights {
    match client.send(Packet::action("ListCommands")).await {
        Ok(answer) => Rights::from_list_commands(&answer),
        Err(e) => {
            tracing::info!("the PBX did not list this user's actions ({e}); offering all");
            Rights::unknown()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_calls::profile::PbxKind;

    #[test]
    fn every_button_gets_an_offer_and_a_refused_one_says_why() {
        let profile = Profile::of(PbxKind::Generic);
        let none = Rights::from_list_commands(
            &Packet::new()
                .with("Response", "Success")
                .with("Ping", "Keepalive (Priv: <none>)"),
        );
        let offers = offers(&profile, Dialect::Ami2, &none);
        assert_eq!(offers.len(), OfferAction::ALL.len());
        let pause = offers
            .iter()
            .find(|o| o.action == OfferAction::QueuePause)
            .unwrap();
        assert!(!pause.allowed);
        assert!(
            pause.why.as_deref().is_some_and(|w| w.contains("agent")),
            "she is told which permission is missing: {pause:?}"
        );
        let all = offers_with_unknown(&profile);
        assert!(all
            .iter()
            .any(|o| o.action == OfferAction::Pickup && o.allowed));
    }

    fn offers_with_unknown(profile: &Profile) -> Vec<Offer> {
        offers(profile, Dialect::Ami2, &Rights::unknown())
    }

    #[test]
    fn the_recall_follows_the_setting() {
        let profile = Profile::of(PbxKind::Generic);
        let mut s = crate::settings::default_settings();
        let mine = ["1001".to_owned()];
        assert!(
            console_for(&s, &mine, &profile).recall.is_some(),
            "on by default"
        );
        s.recall_after_secs = 0;
        assert!(
            console_for(&s, &mine, &profile).recall.is_none(),
            "0 turns it off"
        );
        s.recall_after_secs = 20;
        assert!(
            console_for(&s, &[], &profile).recall.is_none(),
            "no extension, nobody to bring it back to"
        );
        s.watched_queues = vec!["sales".into()];
        let c = console_for(&s, &mine, &profile);
        assert!(c.queues.is_watched("sales") && !c.queues.is_watched("support"));
    }
}
