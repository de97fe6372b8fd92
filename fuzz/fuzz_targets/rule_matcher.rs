//! A rule, a method and a URL from the fuzzer (separated by newlines): rule
//! parsing and matching never panic, and a parsed rule prints back the same.
#![no_main]
use keyadm::domain::rules::{IpRange, Origin, Rule};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let mut parts = s.splitn(3, '\n');
    let (rule, method, url) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if let Ok(r) = rule.parse::<Rule>() {
        let _ = r.allows(method, url);
        assert_eq!(r.to_string().parse::<Rule>().unwrap(), r);
        if let Ok(other) = url.parse::<Rule>() {
            let _ = r.is_covered_by(&other);
        }
    }
    if let Ok(o) = rule.parse::<Origin>() {
        let _ = o.allows(url);
    }
    if let (Ok(range), Ok(ip)) = (rule.parse::<IpRange>(), method.parse()) {
        let _ = range.contains(ip);
    }
});
