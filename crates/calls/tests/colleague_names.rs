//! Colleague names over real TCP: after a resync against the simulated PBX,
//! each phone is named from the caller ID it is configured with
//! (`PJSIPShowEndpoint` on Asterisk 12+, `SIPshowpeer` on chan_sip); the
//! trunk is never asked, and a phone the PBX will not show stays unnamed.

use ringside_ami::{Client, Packet};
use ringside_calls::live::{
    endpoint_names, name_colleagues, name_queries, resync, LiveParts, LiveUpdate, NameQuery,
};
use ringside_calls::presence::Presence;
use ringside_calls::{CallTracker, Console, TrackerConfig};
use ringside_pbxsim::{capture_extensions, Dialect, SimConfig, SimHandle};

mod support;

async fn sim_and_client(dialect: Dialect) -> (SimHandle, Client) {
    support::pbx::sim_and_client(SimConfig::dialect(dialect)).await
}

fn names_of(presence: &Presence) -> Vec<(String, Option<String>)> {
    presence
        .colleagues()
        .map(|c| (c.extension.clone(), c.name.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resync_names_every_phone_from_its_caller_id() {
    let (_sim, client) = sim_and_client(Dialect::Modern).await;
    let mut tracker = CallTracker::new(TrackerConfig::watching(["1001"]));
    let mut presence = Presence::new();
    let mut console = Console::new();
    let mut named = Vec::new();
    let parts = LiveParts {
        tracker: &mut tracker,
        presence: &mut presence,
        console: &mut console,
    };
    let phones = resync(&client, parts, 0, &mut |_| {})
        .await
        .expect("resync");
    assert!(
        presence.colleagues().all(|c| c.name.is_none()),
        "the resync itself does not wait for names"
    );
    assert_eq!(
        phones.len(),
        6,
        "the six phones of its listing, to name: {phones:?}"
    );
    name_colleagues(&client, &phones, &mut presence, &mut |u| {
        if let LiveUpdate::Presence(c) = u {
            if c.name.is_some() {
                named.push(c.extension);
            }
        }
    })
    .await;
    let configured: Vec<(String, Option<String>)> = capture_extensions()
        .into_iter()
        .map(|e| (e.number, Some(e.name)))
        .collect();
    assert_eq!(configured.len(), 6);
    assert_eq!(
        names_of(&presence),
        configured,
        "each phone named as the PBX has it configured"
    );
    named.sort();
    assert_eq!(
        named,
        ["1000", "1001", "1002", "1003", "1004", "1005"],
        "each naming is reported as a presence change"
    );

    // A second resync (after a reconnect) keeps them.
    let parts = LiveParts {
        tracker: &mut tracker,
        presence: &mut presence,
        console: &mut console,
    };
    resync(&client, parts, 1, &mut |_| {})
        .await
        .expect("resync again");
    assert_eq!(
        presence.get("1002").and_then(|c| c.name.as_deref()),
        Some("Bob Sales")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_phones_are_asked_and_one_the_pbx_will_not_show_stays_unnamed() {
    for (dialect, listing, query) in [
        (
            Dialect::Modern,
            "PJSIPShowEndpoints",
            NameQuery::Pjsip as fn(String) -> NameQuery,
        ),
        (
            Dialect::Ami11,
            "SIPpeers",
            NameQuery::Sip as fn(String) -> NameQuery,
        ),
    ] {
        let (_sim, client) = sim_and_client(dialect).await;
        let list = client
            .send_list(Packet::action(listing))
            .await
            .expect("listing");
        let mut tracker = CallTracker::new(TrackerConfig::watching(["1001"]));
        for p in &list.events {
            tracker.classifier_mut().learn(p);
        }
        let queries = name_queries(&list.events, tracker.classifier());
        assert_eq!(
            queries.len(),
            6,
            "{dialect:?}: the six phones, not the carrier trunk: {queries:?}"
        );
        assert!(queries
            .iter()
            .all(|q| !matches!(q, NameQuery::Pjsip(n) | NameQuery::Sip(n) if n == "carrier")));

        let mut asked = queries.clone();
        asked.push(query("7777".into()));
        let names = endpoint_names(&client, &asked).await;
        assert_eq!(
            names.len(),
            6,
            "{dialect:?}: 7777 is unknown to the PBX and left out: {names:?}"
        );
        assert!(
            names.contains(&("1003".into(), "Carol Support".into())),
            "{dialect:?}: {names:?}"
        );
    }
}

#[test]
fn names_outlive_a_presence_resync_and_reach_colleagues_seen_later() {
    let mut presence = Presence::new();
    let status = |ext: &str, code: &str| {
        Packet::new()
            .with("Event", "ExtensionStatus")
            .with("Exten", ext)
            .with("Status", code)
    };
    presence.resync(&[status("1001", "0")]);
    let changed = presence.set_names([
        ("1001".to_owned(), "Alice".to_owned()),
        ("1002".to_owned(), "Bob".to_owned()),
    ]);
    assert_eq!(
        changed
            .iter()
            .map(|c| c.extension.as_str())
            .collect::<Vec<_>>(),
        ["1001"]
    );
    assert!(
        presence
            .set_names([
                ("1001".to_owned(), "Alice".to_owned()),
                ("1002".to_owned(), "Bob".to_owned())
            ])
            .is_empty(),
        "no change, no report"
    );

    presence.apply(&status("1002", "1"));
    assert_eq!(
        presence.get("1002").and_then(|c| c.name.as_deref()),
        Some("Bob"),
        "a colleague first seen later gets the name"
    );
    presence.resync(&[status("1001", "1"), status("1002", "0")]);
    assert_eq!(
        names_of(&presence),
        [
            ("1001".into(), Some("Alice".into())),
            ("1002".into(), Some("Bob".into()))
        ]
    );

    let changed = presence.set_names([("1002".to_owned(), "Robert".to_owned())]);
    assert_eq!(changed.len(), 2, "1001 lost its name, 1002 changed it");
    assert_eq!(
        names_of(&presence),
        [
            ("1001".into(), None),
            ("1002".into(), Some("Robert".into()))
        ]
    );
}
