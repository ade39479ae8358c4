//! LDAP lookups against a real OpenLDAP `slapd` started by the tests on
//! loopback (tests/support/slapd.rs), loaded with 10,000 generated people.
//! Unix only: the Windows cross-build has no slapd to run.
#![cfg(unix)]

#[path = "support/slapd.rs"]
mod slapd;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ringside_ami::{CertFingerprint, Secret, TlsTrust};
use ringside_calls::NumberPlan;
use ringside_directory::ldap::{escape, LdapConfig, LdapDirectory, Step};
use ringside_directory::{Directory, Error};
use slapd::Slapd;

const PEOPLE: usize = 10_000;

fn germany() -> NumberPlan {
    NumberPlan::new("49", "0", "00")
}

/// The 10,000-people server the read-only tests share.
fn shared() -> &'static Slapd {
    static SERVER: OnceLock<Slapd> = OnceLock::new();
    SERVER.get_or_init(|| {
        let start = Instant::now();
        let s = Slapd::start(PEOPLE, false);
        slapd::note(&format!(
            "slapd with {PEOPLE} people ready in {:?}",
            start.elapsed()
        ));
        s
    })
}

fn config(server: &Slapd) -> LdapConfig {
    let mut c = LdapConfig::new(server.url(), slapd::PEOPLE);
    c.bind_dn = slapd::READER_DN.into();
    c.password = Secret::new(slapd::READER_PASSWORD);
    c.timeout = Duration::from_secs(5);
    c
}

fn directory(c: LdapConfig) -> LdapDirectory {
    LdapDirectory::new(c, germany()).expect("valid settings")
}

#[tokio::test]
async fn a_differently_written_number_finds_the_person_with_company_department_title_and_photo() {
    let dir = directory(config(shared()));
    let plan = germany();
    let number = plan.normalize("+49 30 1234-567").expect("a number");
    let anna = dir
        .find(&number)
        .await
        .expect("the lookup works")
        .expect("Anna is found");
    assert_eq!(anna.name, "Anna Schmidt");
    assert_eq!(anna.company.as_deref(), Some("Schmidt & Partner"));
    assert_eq!(anna.department.as_deref(), Some("Buchhaltung"));
    assert_eq!(anna.title.as_deref(), Some("Prokuristin"));
    let photo = anna.photo.expect("her jpegPhoto");
    assert_eq!(photo.mime, "image/jpeg");
    assert_eq!(photo.bytes, slapd::jpeg(1, slapd::ANNA_PHOTO_LEN));
    // Every way the generated people's numbers are written is found.
    for i in [0, 1, 2, 3, 4, 20, 9_999] {
        let p = dir
            .find(&slapd::generated_normalized(i))
            .await
            .expect("lookup")
            .expect("found");
        assert_eq!(
            p.name,
            slapd::generated_name(i),
            "written as {}",
            slapd::generated_number(i)
        );
        assert_eq!(p.extension, slapd::generated_extension(i));
        let photo = p.photo.expect("thumbnailPhoto or jpegPhoto");
        assert_eq!(photo.bytes, slapd::jpeg(i, 200 + i % 300));
    }
}

#[tokio::test]
async fn an_unknown_number_is_not_found_and_a_near_miss_is_not_a_match() {
    let dir = directory(config(shared()));
    assert_eq!(dir.find("+49301234568").await, Ok(None), "one digit off");
    assert_eq!(
        dir.find("+4330 1234567").await,
        Ok(None),
        "same digits, other country"
    );
    assert_eq!(dir.find("+12025550143").await, Ok(None));
    assert_eq!(dir.find("4711").await, Ok(None), "an extension nobody has");
}

#[tokio::test]
async fn rfc4515_specials_in_a_number_are_text_not_filter_syntax() {
    let dir = directory(config(shared()));
    // A feature code keeps its `*`: it is searched escaped, finds nobody,
    // and the search does not fail.
    assert_eq!(dir.find("*97").await, Ok(None));
    assert_eq!(dir.find("1*)(uid=*").await, Ok(None), "not a number at all");
    assert_eq!(
        escape("*)(|(objectClass=*)\0\\"),
        "\\2a\\29\\28|\\28objectClass=\\2a\\29\\00\\5c"
    );
}

#[tokio::test]
async fn a_hostile_value_comes_back_as_one_line_of_plain_text() {
    let dir = directory(config(shared()));
    let n = germany()
        .normalize(slapd::HOSTILE_NUMBER)
        .expect("a number");
    let p = dir.find(&n).await.expect("lookup").expect("found");
    assert_eq!(
        p.name, "<script>alert(1)</script> Evil",
        "markup kept as characters, CR/LF gone"
    );
    assert_eq!(p.company.as_deref(), Some("Acme & <b>Co</b>"));
}

#[tokio::test]
async fn a_broad_filter_is_capped() {
    let server = shared();
    // A filter that matches every one of the 10,000 entries whatever the number.
    let mut broad = config(server);
    broad.filter = "(|(objectClass=*){number})".into();
    broad.colleague_limit = 50;
    let dir = directory(broad.clone());
    let start = Instant::now();
    let colleagues = dir.colleagues().await.expect("colleagues");
    assert!(
        colleagues.len() <= 50,
        "read at most 50 entries, got {}",
        colleagues.len()
    );
    let found = dir.find("+49301234567").await;
    assert!(found.is_ok(), "{found:?}");
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "capped searches are quick: {took:?}"
    );
    // With the default filter, only colleagues come back: exactly the cap,
    // and all 500 of them with a higher cap.
    let mut narrow = config(server);
    narrow.colleague_limit = 50;
    assert_eq!(
        directory(narrow.clone())
            .colleagues()
            .await
            .expect("colleagues")
            .len(),
        50
    );
    narrow.colleague_limit = 5_000;
    let all = directory(narrow).colleagues().await.expect("colleagues");
    assert_eq!(all.len(), PEOPLE / 20);
    assert_eq!(all[0].extension, "1000");
    assert_eq!(all[0].name, slapd::generated_name(0));
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_test_says_sign_in() {
    let mut c = config(shared());
    c.password = Secret::new("wrong");
    let dir = directory(c);
    assert_eq!(
        dir.find("+49301234567").await,
        Err(Error::Refused {
            user: slapd::READER_DN.into()
        })
    );
    let failed = dir.check().await.expect_err("the test fails");
    assert_eq!(failed.step, Step::SignIn);
    assert!(
        failed.to_string().contains("Check the user and password"),
        "{failed}"
    );
}

#[tokio::test]
async fn the_test_passes_on_a_good_server_and_names_the_step_that_fails() {
    let server = shared();
    let checked = directory(config(server))
        .check()
        .await
        .expect("all steps pass");
    assert!(
        !checked.encrypted,
        "plain ldap:// is reported as not encrypted"
    );
    let mut nobody = config(server);
    nobody.base_dn = "ou=Nobody,dc=example,dc=com".into();
    let failed = directory(nobody).check().await.expect_err("no such base");
    assert_eq!(failed.step, Step::Search, "{failed}");
    let mut closed = config(server);
    closed.url = format!("ldap://127.0.0.1:{}", free_port());
    let failed = directory(closed)
        .check()
        .await
        .expect_err("nothing listens");
    assert_eq!(failed.step, Step::Reach, "{failed}");
    assert!(matches!(failed.error, Error::Unreachable { .. }));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

#[tokio::test]
async fn tls_with_a_pinned_self_signed_certificate_and_a_wrong_pin() {
    let server = Slapd::start(100, true);
    let der = server.cert_der.clone().expect("a certificate");
    let pin = CertFingerprint::of(&der).to_string();
    let number = slapd::generated_normalized(7);
    for starttls in [false, true] {
        let mut c = config(&server);
        if !starttls {
            c.url = server.ldaps_url();
        }
        c.starttls = starttls;
        c.trust = TlsTrust::pinned(&pin).expect("pin");
        let dir = directory(c.clone());
        let p = dir
            .find(&number)
            .await
            .expect("TLS lookup works")
            .expect("found");
        assert_eq!(p.name, slapd::generated_name(7));
        assert!(dir.check().await.expect("test passes").encrypted);

        c.trust = TlsTrust::pinned(&"AB".repeat(32)).expect("pin");
        let wrong = directory(c.clone());
        let err = wrong
            .find(&number)
            .await
            .expect_err("a wrong pin is refused");
        assert!(matches!(err, Error::Certificate { .. }), "{err:?}");
        assert!(err.to_string().contains("not the pinned one"), "{err}");
        assert_eq!(wrong.check().await.expect_err("fails").step, Step::Tls);

        c.trust = TlsTrust::only_roots(Vec::new());
        let err = directory(c)
            .find(&number)
            .await
            .expect_err("no CA signed it");
        assert!(matches!(err, Error::Certificate { .. }), "{err:?}");
    }
}

#[tokio::test]
async fn a_server_killed_mid_lookup_is_an_error_and_the_next_lookup_reconnects() {
    let mut server = Slapd::start(200, false);
    let dir = directory(config(&server));
    let number = slapd::generated_normalized(42);
    assert!(
        dir.find(&number).await.expect("up").is_some(),
        "the connection is kept"
    );
    // The lookup must be in flight when the server dies. Once in a CI run
    // it came back within 300 ms of the freeze; which answer it had is
    // kept for the message, and the freeze is tried again (at most three
    // times) rather than killing a server that has nothing in flight.
    let mut early = Vec::new();
    let lookup = loop {
        server.pause();
        let lookup = tokio::spawn({
            let dir = dir.clone();
            let number = number.clone();
            async move { dir.find(&number).await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        if !lookup.is_finished() {
            break lookup;
        }
        early.push(format!("{:?}", lookup.await));
        assert!(
            early.len() < 3,
            "the frozen server answered every time: {early:?}"
        );
        slapd::note(&format!(
            "a lookup ended although slapd was frozen: {early:?}"
        ));
        server.resume();
    };
    let killed = Instant::now();
    server.kill();
    let result = tokio::time::timeout(Duration::from_secs(5), lookup)
        .await
        .expect("the lookup ends when the server dies")
        .expect("no panic");
    slapd::note(&format!(
        "lookup failed {:?} after the kill: {result:?}",
        killed.elapsed()
    ));
    assert!(
        matches!(result, Err(Error::Dropped(_) | Error::Unreachable { .. })),
        "{result:?}"
    );
    assert!(matches!(
        dir.find(&number).await,
        Err(Error::Unreachable { .. })
    ));
    server.run();
    let again = dir
        .find(&number)
        .await
        .expect("reconnected and signed in again");
    assert_eq!(again.map(|p| p.name), Some(slapd::generated_name(42)));
}
