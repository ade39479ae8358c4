use super::*;

const GOOD: &str = r#"
credentials = "/etc/ringside/gateway.credentials"

[pbx]
address = "pbx.office.lan"
user = "ringside-gateway"
profile = "freepbx"

[broker]
url = "mqtts://broker.office.lan"
user = "ringside-gateway"

[[desk]]
user = "reception"
extensions = ["1001"]

[[desk]]
user = "sales"
extensions = ["1002", "1003"]
"#;

fn parse(text: &str) -> Result<GatewayConfig, ConfigError> {
    GatewayConfig::parse(text, Path::new("/etc/ringside/gateway.toml"))
}

#[test]
fn a_whole_configuration_is_read_with_its_defaults() {
    let c = parse(GOOD).expect("valid");
    assert_eq!((c.pbx_host.as_str(), c.pbx_port), ("pbx.office.lan", 5038));
    assert_eq!((c.broker.port, c.broker.tls), (8883, true));
    assert_eq!(c.topics.base(), "ringside/v1");
    assert_eq!(c.desk("sales").map(|d| d.extensions.len()), Some(2));
    assert!(c.desk("nobody").is_none());
    assert!(c.pbx_tls.is_none());
    assert_eq!(
        c.recall,
        Some(RecallConfig::after_secs(20)),
        "callers come back after 20 s unless it says otherwise"
    );
    let never = parse(&format!("recall_after_secs = 0\n{GOOD}")).expect("valid");
    assert_eq!(never.recall, None);
    let soon = parse(&format!("recall_after_secs = 5\n{GOOD}")).expect("valid");
    assert_eq!(soon.recall, Some(RecallConfig::after_secs(5)));
}

#[test]
fn each_mistake_names_its_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "profile = \"freepbx\"",
            "profile = \"asterisk-ng\"",
            "pbx.profile",
        ),
        (
            "address = \"pbx.office.lan\"",
            "address = \"pbx.office.lan:0\"",
            "pbx.address",
        ),
        (
            "user = \"ringside-gateway\"\nprofile",
            "user = \"gw\\r\\nAction: Command\"\nprofile",
            "pbx.user",
        ),
        (
            "url = \"mqtts://broker.office.lan\"",
            "url = \"mqtt://broker.office.lan\"",
            "broker.url",
        ),
        (
            "url = \"mqtts://broker.office.lan\"",
            "url = \"http://broker.office.lan\"",
            "broker.url",
        ),
        (
            "user = \"reception\"",
            "user = \"recep/tion\"",
            "desk[1].user",
        ),
        ("user = \"sales\"", "user = \"reception\"", "desk[2].user"),
        (
            "user = \"sales\"",
            "user = \"ringside-gateway\"",
            "desk[2].user",
        ),
        ("[\"1001\"]", "[]", "desk[1].extensions"),
        ("[\"1001\"]", "[\"1001\\r\\n\"]", "desk[1].extensions"),
        (
            "credentials =",
            "recall_after_secs = 2\ncredentials =",
            "recall_after_secs",
        ),
        (
            "credentials =",
            "recall_after_secs = 3600\ncredentials =",
            "recall_after_secs",
        ),
    ];
    for (from, to, key) in cases {
        assert!(GOOD.contains(from), "{from}");
        let text = GOOD.replacen(from, to, 1);
        match parse(&text) {
            Err(ConfigError::Invalid { key: k, reason }) => {
                assert_eq!(&k, key, "{to}: {reason}");
                assert!(
                    !reason.contains('\r') && !reason.contains('\n'),
                    "{reason:?}"
                );
            }
            other => panic!("{to}: expected an error at {key}, got {other:?}"),
        }
    }
}

#[test]
fn a_plain_broker_is_allowed_on_loopback_only_and_a_secret_key_is_refused() {
    let local = GOOD.replace("mqtts://broker.office.lan", "mqtt://127.0.0.1:18830");
    let c = parse(&local).expect("loopback without TLS");
    assert!(!c.broker.tls);
    let no_desks = GOOD.split("[[desk]]").next().expect("head").to_owned();
    assert!(matches!(parse(&no_desks), Err(ConfigError::Invalid { key, .. }) if key == "desk"));
    // The secret never belongs in this file: an unknown key is a syntax error
    // that names the key, not a value silently ignored.
    let with_secret = GOOD.replace(
        "profile = \"freepbx\"",
        "profile = \"freepbx\"\nsecret = \"s3cret\"",
    );
    match parse(&with_secret) {
        Err(ConfigError::Syntax { reason, .. }) => {
            assert!(reason.contains("secret"), "{reason}");
            assert!(
                !reason.contains("s3cret"),
                "the value is not echoed: {reason}"
            );
        }
        other => panic!("a secret key must be refused: {other:?}"),
    }
}
