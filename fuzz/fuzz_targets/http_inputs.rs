//! Any text where `keyadm serve` and `check-signature` read what a client
//! sent: the listen address, the presented key headers, the forwarded
//! address chain, the signature header and the URL, method and origin of a
//! signed request. None panics; a presented key is a non-empty, trimmed
//! part of what was sent; an untrusted peer is always the client.
#![no_main]
use keyadm::crypto::sign;
use keyadm::domain::gateway;
use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Up to three fields separated by newlines: header values as sent.
    let mut parts = text.splitn(3, '\n');
    let a = parts.next().unwrap_or("");
    let b = parts.next();
    let c = parts.next();
    let _ = gateway::Listen::parse(a);
    if let Some(key) = gateway::presented_key(Some(a), b) {
        assert!(!key.is_empty() && key.trim() == key, "{key:?}");
        assert!(a.contains(key) || b.is_some_and(|b| b.contains(key)));
    }
    let trusted: Vec<keyadm::domain::rules::IpRange> =
        c.into_iter().filter_map(|c| c.parse().ok()).collect();
    let peer = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9));
    if !trusted.iter().any(|r| r.contains(peer)) {
        assert_eq!(gateway::client_ip(Some(peer), Some(a), b, &trusted), Some(peer));
    }
    let _ = gateway::client_ip(None, Some(a), b, &trusted);
    let _ = gateway::header_text(text);
    let _ = sign::parse_signature(text);
    let _ = sign::method(a);
    let _ = sign::request_url(text);
    if let Ok(pq) = sign::path_and_query(text) {
        assert!(pq.starts_with('/'), "{pq:?}");
    }
    let _ = sign::origin(text);
});
