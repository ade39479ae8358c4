//! Banner and login against the simulator, compared with the real answers
//! in tests/fixtures/ami/login-failed.ami and the seeds' permit lists.

mod common;

use std::time::Duration;

use common::{connect, decode_actions, decode_file};
use ringside_ami::Packet;
use ringside_pbxsim::{Dialect, Fault, PbxSim, SimConfig, SimUser};

#[tokio::test]
async fn md5_login_is_accepted_after_the_modern_banner() {
    let sim = PbxSim::start(SimConfig::default()).await.expect("starts");
    let mut c = connect(sim.addr()).await;
    let banner = c.banner.clone().expect("a banner comes first");
    assert_eq!(
        banner.raw, "Asterisk Call Manager/12.0.0",
        "what Asterisk 23 really sends"
    );
    let r = c.login_md5("ringside", "ringside-secret").await;
    assert_eq!(
        r.response(),
        Some("Success"),
        "md5(challenge+secret) is the right key: {r:?}"
    );
    assert_eq!(
        r.get("Message"),
        Some("Authentication accepted"),
        "Asterisk's wording"
    );
    let booted = c.next().await.expect("an event follows the login");
    assert_eq!(
        booted.event(),
        Some("FullyBooted"),
        "Asterisk greets logged-in clients with FullyBooted"
    );
    let ping = c.ask(Packet::action("Ping"), "p1").await;
    assert_eq!(
        ping.get("Ping"),
        Some("Pong"),
        "Ping answered as in actions.ami: {ping:?}"
    );
    assert!(
        ping.get("Timestamp").is_some_and(|t| t.contains('.')),
        "Ping carries a secs.micros Timestamp"
    );
    let logins: Vec<_> = sim
        .received()
        .into_iter()
        .filter(|p| p.is("Action", "Login"))
        .collect();
    assert_eq!(
        logins.len(),
        1,
        "the simulator records the login it received"
    );
    assert!(logins[0].get("Key").is_some(), "recorded with its key");
}

#[tokio::test]
async fn wrong_secret_is_answered_like_the_capture_and_closed() {
    let sim = PbxSim::start(SimConfig::default()).await.expect("starts");
    let real = decode_file("ami/login-failed.ami");
    let real = real.first().expect("the capture holds the error response");
    let mut c = connect(sim.addr()).await;
    // Send exactly what the recording client sent.
    let sent = decode_actions("ami/login-failed.sent");
    c.send(sent[0].clone()).await;
    let r = c.response("1").await;
    let fields = |p: &Packet| {
        p.fields()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        fields(&r),
        fields(real),
        "same fields in the same order as the real PBX"
    );
    assert!(
        c.next().await.is_none(),
        "Asterisk closes the session after a failed login"
    );
}

#[tokio::test]
async fn wrong_md5_key_and_unknown_user_fail() {
    let sim = PbxSim::start(SimConfig::default()).await.expect("starts");
    let mut c = connect(sim.addr()).await;
    let r = c.login_md5("ringside", "not-the-secret").await;
    assert_eq!(
        r.get("Message"),
        Some("Authentication failed"),
        "a key from the wrong secret fails"
    );
    let mut c = connect(sim.addr()).await;
    let r = c.login_plain("nobody", "ringside-secret").await;
    assert_eq!(
        r.get("Message"),
        Some("Authentication failed"),
        "an unknown user fails the same way"
    );
}

#[tokio::test]
async fn not_permitted_user_is_refused_even_with_the_right_secret() {
    let config = SimConfig {
        users: vec![SimUser {
            permitted: false,
            ..SimUser::new("ringside", "ringside-secret")
        }],
        ..SimConfig::default()
    };
    let sim = PbxSim::start(config).await.expect("starts");
    let mut c = connect(sim.addr()).await;
    let r = c.login_md5("ringside", "ringside-secret").await;
    assert_eq!(r.response(), Some("Error"), "an ACL refusal is an error");
    assert_eq!(
        r.get("Message"),
        Some("Authentication failed"),
        "Asterisk does not say why"
    );
    assert!(c.next().await.is_none(), "and closes the session");
}

#[tokio::test]
async fn permit_list_close_after_banner() {
    let sim = PbxSim::start(SimConfig {
        fault: Some(Fault::CloseAfterBanner),
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let mut c = connect(sim.addr()).await;
    assert!(c.banner.is_some(), "the banner still comes");
    assert!(
        c.frame().await.is_none(),
        "then the connection closes without an answer"
    );
    sim.heal();
    let mut c = connect(sim.addr()).await;
    let r = c.login_md5("ringside", "ringside-secret").await;
    assert_eq!(
        r.response(),
        Some("Success"),
        "after heal() logins work again"
    );
}

#[tokio::test]
async fn actions_before_login_are_denied() {
    let sim = PbxSim::start(SimConfig::default()).await.expect("starts");
    let mut c = connect(sim.addr()).await;
    let r = c.ask(Packet::action("Ping"), "early").await;
    assert_eq!(
        (r.response(), r.get("Message")),
        (Some("Error"), Some("Permission denied")),
        "as manager.c answers"
    );
    let r = c.ask(Packet::new().with("Foo", "bar"), "noaction").await;
    assert_eq!(
        r.get("Message"),
        Some("Missing action in request"),
        "a packet without Action"
    );
    let r = c
        .ask(Packet::action("Challenge").with("AuthType", "plain"), "ch")
        .await;
    assert_eq!(
        r.get("Message"),
        Some("Must specify AuthType"),
        "only MD5 challenges exist"
    );
    let r = c.login_plain("ringside", "ringside-secret").await;
    assert_eq!(r.response(), Some("Success"), "the session is still usable");
}

#[tokio::test]
async fn ami11_banner_and_refused_logins() {
    let sim = PbxSim::start(SimConfig::dialect(Dialect::Ami11))
        .await
        .expect("starts");
    let mut c = connect(sim.addr()).await;
    assert_eq!(
        c.banner.as_ref().map(|b| b.raw.as_str()),
        Some("Asterisk Call Manager/1.1"),
        "MyPBX's banner"
    );
    let r = c.login_plain("ringside", "ringside-secret").await;
    assert_eq!(
        r.response(),
        Some("Success"),
        "plain login as in the MyPBX guide"
    );
    sim.inject(Fault::RefuseLogins);
    let mut c2 = connect(sim.addr()).await;
    let r = c2.login_md5("ringside", "ringside-secret").await;
    assert_eq!(
        r.get("Message"),
        Some("Authentication failed"),
        "a revoked secret fails"
    );
    let ping = c.ask(Packet::action("Ping"), "still").await;
    assert_eq!(
        ping.get("Ping"),
        Some("Pong"),
        "sessions already logged in stay"
    );
    assert!(
        sim.wait_logged_in(1, Duration::from_secs(1)).await,
        "one session counted as logged in"
    );
}

#[tokio::test(start_paused = true)]
async fn idle_connections_are_closed_after_the_login_timeout() {
    // Shorter than the helper's own 20 s wait; Grandstream uses 30 s.
    let timeout = Duration::from_secs(10);
    let sim = PbxSim::start(SimConfig {
        login_timeout: Some(timeout),
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let started = tokio::time::Instant::now();
    let mut idle = connect(sim.addr()).await;
    assert!(idle.frame().await.is_none(), "an idle connection is closed");
    assert!(
        started.elapsed() >= timeout,
        "but not before the timeout: {:?}",
        started.elapsed()
    );
    let mut c = connect(sim.addr()).await;
    c.login_md5("ringside", "ringside-secret").await;
    tokio::time::sleep(timeout * 2).await;
    let ping = c.ask(Packet::action("Ping"), "later").await;
    assert_eq!(
        ping.get("Ping"),
        Some("Pong"),
        "a logged-in session is not timed out"
    );
}
