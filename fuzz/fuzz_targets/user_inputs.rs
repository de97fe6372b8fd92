//! Any text as what `user add|edit` and `--actor` take: a user name, an
//! email, a display name, a group. None panics, and an email that passes
//! is one no mailer can read as an option or as a second recipient: no
//! leading `-` or `.`, one `@`, nothing outside RFC 5322's atext and dots
//! (`'`, `$` and a backtick are atext: hooks quote the recipients).
#![no_main]
use keyadm::domain::user;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = user::validate_user_name(text);
    let _ = user::validate_display_name(text);
    let _ = user::validate_group(text);
    let valid = user::is_valid_email(text);
    if user::validate_email(text).is_ok() {
        assert!(text.is_empty() || valid, "{text:?} stored but not an address");
    }
    if valid {
        assert!(!text.starts_with('-') && !text.starts_with('.'), "{text:?}");
        assert!(
            !text.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | '"' | '\\' | ';' | '<' | '>' | '(' | ')' | '[' | ']' | ':')),
            "{text:?}"
        );
        assert_eq!(text.matches('@').count(), 1, "{text:?}");
    }
});
