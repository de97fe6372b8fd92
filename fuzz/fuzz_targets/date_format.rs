//! Any text as a date format (`--date-format`, `KEYADM_DATE_FORMAT`, the
//! `date-format` setting): validating it never panics, and a format that
//! validates renders any date, in UTC or at any offset, without panicking
//! (a date it cannot render is `None`, never a panic).
#![no_main]
use chrono::{DateTime, FixedOffset, Utc};
use keyadm::domain::settings::{date_items, render_date, validate_date_format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first 12 bytes choose the date and the offset; the rest is the format.
    let (when, pattern) = data.split_at(data.len().min(12));
    let Ok(pattern) = std::str::from_utf8(pattern) else { return };
    let valid = validate_date_format(pattern).is_some();
    let Some(items) = date_items(pattern) else {
        assert!(!valid);
        return;
    };
    assert!(valid);
    let mut b = [0u8; 12];
    b[..when.len()].copy_from_slice(when);
    let secs = i64::from_le_bytes(b[..8].try_into().unwrap());
    let offset = i32::from_le_bytes(b[8..].try_into().unwrap()) % 86_400;
    let t = DateTime::<Utc>::from_timestamp(secs % 8_000_000_000_000, 0).unwrap_or(DateTime::UNIX_EPOCH);
    let _ = render_date(&items, &t);
    if let Some(off) = FixedOffset::east_opt(offset) {
        let _ = render_date(&items, &t.with_timezone(&off));
    }
    for edge in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        let _ = render_date(&items, &edge);
    }
});
