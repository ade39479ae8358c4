use super::*;

/// The `{name}` arguments of a message, and whether it has anything the
/// shell's plain filling cannot do (ICU plural/select, quoting).
fn arguments(message: &str) -> (Vec<String>, bool) {
    let mut names = Vec::new();
    let mut plain = !message.contains('\'');
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}').unwrap_or(after.len());
        let name = &after[..close];
        if name.contains(',') || name.contains('{') || name.is_empty() {
            plain = false;
        }
        names.push(name.to_owned());
        rest = &after[close.min(after.len())..];
    }
    names.sort();
    (names, plain)
}

#[test]
fn every_shell_message_is_in_every_catalog_with_plain_arguments_matching_english() {
    for (index, (tag, _)) in CATALOGS.iter().enumerate() {
        let cat = catalog(index);
        assert!(!cat.is_empty(), "{tag}'s catalog does not parse");
        for key in SHELL_KEYS {
            let english = catalog(0).get(*key).expect("every shell key is in English");
            let message = cat.get(*key).unwrap_or_else(|| panic!("{tag} lacks {key}"));
            let (args, plain) = arguments(message);
            assert!(
                plain,
                "{tag}'s {key} needs ICU, which the shell does not do: {message}"
            );
            assert_eq!(
                args,
                arguments(english).0,
                "{tag}'s {key} has other arguments than English"
            );
        }
    }
}

#[test]
fn words_fill_arguments_literally_and_fall_back_to_english() {
    let de = Words::of("de").expect("German is ours");
    assert_eq!(de.text("shell.tray.quit", &[]), "Beenden");
    assert_eq!(
        de.text("popup.callFrom", &[("name", "{name} & <b>Co</b>")]),
        "Anruf von {name} & <b>Co</b>",
        "a caller's name is text, never a placeholder or markup"
    );
    assert_eq!(
        Words::of("en")
            .map(|w| w.text("no.such.key", &[]))
            .as_deref(),
        Some("no.such.key")
    );
    assert_eq!(
        fill("{a} and {b} and {a", &[("a", "1")]),
        "1 and {b} and {a"
    );
    assert!(Words::of("klingon").is_none());
}

#[test]
fn the_shown_language_is_what_the_ui_said_and_an_unknown_one_changes_nothing() {
    assert!(set_shown("zh-CN"));
    assert_eq!(Words::shown().text("shell.tray.quit", &[]), "退出");
    assert!(!set_shown("xx"));
    assert_eq!(Words::shown().text("shell.tray.quit", &[]), "退出");
    assert!(set_shown("en"));
    assert_eq!(Words::shown().text("shell.tray.quit", &[]), "Quit");
}
