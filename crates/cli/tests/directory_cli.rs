//! `ringside directory` against a real OpenLDAP slapd started on loopback
//! (the directory crate's harness). Under Wine (scripts/test-windows.sh)
//! the test is skipped by name: slapd is a Linux program a Windows test
//! process cannot start.

#[cfg(unix)]
#[path = "../../directory/tests/support/slapd.rs"]
mod slapd;

#[cfg(unix)]
use std::process::{Command, Output};

#[cfg(unix)]
fn ringside(server: &slapd::Slapd, password: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ringside"))
        .arg("directory")
        .args(args)
        .args(["--server", &server.url(), "--base", slapd::PEOPLE])
        .args([
            "--bind-dn",
            slapd::READER_DN,
            "--country-code",
            "49",
            "--trunk-prefix",
            "0",
        ])
        .env("RINGSIDE_LDAP_PASSWORD", password)
        .output()
        .expect("run ringside")
}

#[cfg(unix)]
fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
#[cfg_attr(
    not(unix),
    ignore = "starts Debian's OpenLDAP slapd, a Linux program a test under Wine cannot start"
)]
fn lookup_test_and_a_wrong_password_from_the_command_line() {
    #[cfg(unix)]
    lookup_test_and_a_wrong_password();
}

#[cfg(unix)]
fn lookup_test_and_a_wrong_password() {
    let server = slapd::Slapd::start(100, false);
    let out = ringside(
        &server,
        slapd::READER_PASSWORD,
        &["lookup", "+49 30 1234-567"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("name: Anna Schmidt\n"), "{stdout}");
    assert!(stdout.contains("company: Schmidt & Partner\n"), "{stdout}");
    assert!(stdout.contains("photo: image/jpeg, 600 bytes"), "{stdout}");

    let out = ringside(
        &server,
        slapd::READER_PASSWORD,
        &["lookup", "+1 202 555 0143"],
    );
    assert!(text(&out.stdout).contains("nobody in the directory has +12025550143"));

    let out = ringside(&server, slapd::READER_PASSWORD, &["test"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("ok   Reach the server\nok   Sign in\nok   Search\n"),
        "{stdout}"
    );
    assert!(stdout.contains("not encrypted"), "{stdout}");

    let out = ringside(&server, "wrong", &["test"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("FAIL Sign in: The directory refused to sign in"),
        "{stdout}"
    );

    let out = ringside(&server, slapd::READER_PASSWORD, &["colleagues"]);
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 5, "{stdout}");
    assert!(
        stdout.starts_with(&format!("1000 {}\n", slapd::generated_name(0))),
        "{stdout}"
    );
}
