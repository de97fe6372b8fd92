//! Durations and expiries: never a panic, never more than 100 years, never
//! an expiry in the past, and a duration prints back to itself.
#![no_main]
use chrono::{TimeZone, Utc};
use keyadm::domain::expiry::{format_duration, parse_duration, parse_expiry, Expiry, MAX_DURATION_SECS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(secs) = parse_duration(s, true) {
        assert!(secs <= MAX_DURATION_SECS);
        assert_eq!(parse_duration(&format_duration(secs), true).unwrap(), secs);
    }
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
    if let Ok(Expiry::At(t)) = parse_expiry(s, now) {
        assert!(t > now);
    }
});
