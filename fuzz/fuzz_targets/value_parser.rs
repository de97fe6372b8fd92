//! Any text given as a key value: parse_value never panics, and whatever it
//! accepts carries a right checksum, so changing its last character fails.
#![no_main]
use keyadm::domain::value::{parse_value, redact_values};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let _ = redact_values(s);
    if parse_value(s).is_ok() {
        let mut typo = s.to_string();
        let last = typo.pop().unwrap();
        typo.push(if last == '0' { '1' } else { '0' });
        assert!(parse_value(&typo).is_err());
    }
});
