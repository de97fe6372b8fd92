//! Lines from the fuzzer: an allow rule (new and as stored), an origin entry,
//! a request origin, an address range and a request path. Parsing never
//! panics; a new rule holds at most 16 wildcards and prints back the same,
//! also when read as stored; stored rules (no cap) match in bounded time
//! (the fuzzer's timeout catches a slow matcher); origin entries print back
//! the same.
#![no_main]
use keyadm::domain::rules::{
    is_bare_host_origin, FromStored, IpRange, Origin, RequestOrigin, Rule,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let mut parts = s.splitn(4, '\n');
    let rule = parts.next().unwrap_or("");
    let entry = parts.next().unwrap_or("");
    let request = parts.next().unwrap_or("");
    let path = parts.next().unwrap_or("");
    if let Ok(r) = rule.parse::<Rule>() {
        let stars = r.path.split('/').map(|seg| if seg == "**" { 1 } else { seg.matches('*').count() }).sum::<usize>();
        assert!(stars <= 16, "{r}");
        assert_eq!(r.to_string().parse::<Rule>().unwrap(), r);
        assert_eq!(Rule::from_stored(&r.to_string()).unwrap(), r);
        let _ = r.is_covered_by(&r);
    }
    if let Ok(r) = Rule::from_stored(rule) {
        let _ = r.allows("GET", path);
        let _ = r.allows("GET", request);
    }
    if let Ok(o) = entry.parse::<Origin>() {
        assert_eq!(o.to_string().parse::<Origin>().unwrap(), o);
        let _ = o.allows(request);
        if let Some(req) = RequestOrigin::parse(request) {
            assert_eq!(req.is_bare_host(), is_bare_host_origin(request));
            let _ = o.allows_parsed(&req);
        }
    }
    if let Some(req) = RequestOrigin::parse(request) {
        let host = req.host;
        assert!(host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'), "{host:?}");
    }
    if let (Ok(range), Ok(ip)) = (entry.parse::<IpRange>(), request.parse()) {
        let _ = range.contains(ip);
        assert_eq!(range.to_string().parse::<IpRange>().unwrap(), range);
    }
});
