//! Any text as the value of any setting (`keyadm config set NAME VALUE`),
//! and the parsers behind them: the notice channels' URLs, `notify-to`,
//! `notify-days`, organization paths and rate limits. None panics; a value
//! `normalize` accepts is accepted again unchanged (what is stored reads
//! back as itself), and a rate limit prints as text that parses back to it.
#![no_main]
use keyadm::domain::{notify, org, rate_limit::RateLimit, settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for (name, _, _) in settings::SETTINGS {
        if let Ok(stored) = settings::normalize(name, text) {
            assert_eq!(
                settings::normalize(name, &stored).ok().as_deref(),
                Some(stored.as_str()),
                "{name}: {text:?} was stored as {stored:?}, which does not read back"
            );
        }
    }
    let _ = settings::parse_notify_days(text);
    let _ = notify::parse_smtp(text);
    let _ = notify::parse_webhook(text);
    let _ = notify::parse_to(text);
    let _ = org::validate_org(text);
    let _ = org::parent_of(text);
    if let Ok(limit) = text.parse::<RateLimit>() {
        assert_eq!(limit.to_string().parse::<RateLimit>().ok(), Some(limit));
    }
});
