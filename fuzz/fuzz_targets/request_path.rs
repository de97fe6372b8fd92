//! A request URL from the fuzzer: normalising its path never panics, gives
//! a path that starts with `/`, holds no dot segment, no encoded `/` or `\`
//! and is its own normal form; matching it against a rule never panics.
#![no_main]
use keyadm::domain::rules::{normalize_path, RequestTarget, Rule};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let path = if s.starts_with('/') { s.to_string() } else { format!("/{s}") };
    if let Ok(n) = normalize_path(&path) {
        assert!(n.starts_with('/'), "{n:?}");
        assert!(!n.split('/').any(|seg| seg == "." || seg == ".."), "{n:?}");
        let lower = n.to_ascii_lowercase();
        assert!(!lower.contains("%2f") && !lower.contains("%5c") && !n.contains('\\'), "{n:?}");
        assert_eq!(normalize_path(&n).as_deref(), Ok(n.as_ref()), "not stable");
    }
    if let Ok(Some(t)) = RequestTarget::parse(s) {
        let _ = t.path();
        for rule in ["GET /**", "* /api/*/x", "GET https://a.example.com/**/z"] {
            let r: Rule = rule.parse().unwrap();
            let _ = r.allows_target("GET", &t);
        }
    }
});
