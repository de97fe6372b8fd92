//! Allow rules (`METHOD URL-PATTERN`), origin allow-lists and address
//! ranges: parsing, validation and matching a request against them.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::error::{Error, Result};

const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "*"];

/// `GET /api/v1/users/*`: a method (or `*`) and a URL pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub method: String,
    /// `https://host` for full-URL patterns, lower-cased; `None` for path patterns.
    pub origin: Option<String>,
    /// The path part, starting with `/`.
    pub path: String,
}

fn rule_error(input: &str, why: &str) -> Error {
    Error::usage(format!(
        "invalid allow rule \"{}\": {why}",
        input.escape_debug()
    ))
    .hint("write it as 'METHOD PATTERN', e.g. --allow 'GET /api/v1/users/*'")
}

impl FromStr for Rule {
    type Err = Error;
    fn from_str(input: &str) -> Result<Self> {
        let mut parts = input.split_whitespace();
        let (method, pattern) = match (parts.next(), parts.next(), parts.next()) {
            (Some(m), Some(p), None) => (m.to_ascii_uppercase(), p),
            _ => return Err(rule_error(input, "expected a method and a pattern")),
        };
        if !METHODS.contains(&method.as_str()) {
            return Err(rule_error(
                input,
                "the method must be GET, POST, PUT, PATCH, DELETE or *",
            ));
        }
        if pattern.contains(['?', '#']) || pattern.chars().any(|c| c.is_control()) {
            return Err(rule_error(
                input,
                "a pattern has no query string or fragment",
            ));
        }
        let (origin, path) = split_url(pattern)
            .ok_or_else(|| rule_error(input, "the pattern must start with / or https://host/"))?;
        if path.contains("***") {
            return Err(rule_error(
                input,
                "use * within a segment or ** across segments",
            ));
        }
        if path.split('/').any(|s| s.contains("**") && s != "**") {
            return Err(rule_error(
                input,
                "** must be a whole segment, as in /api/**",
            ));
        }
        Ok(Rule {
            method,
            origin,
            path: path.to_string(),
        })
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}{}",
            self.method,
            self.origin.as_deref().unwrap_or(""),
            self.path
        )
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Splits `https://Host/path` into (`Some("https://host")`, `/path`), and
/// `/path` into (`None`, `/path`). Anything else is `None`.
fn split_url(url: &str) -> Option<(Option<String>, &str)> {
    if url.starts_with('/') {
        return Some((None, url));
    }
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host.is_empty() || host.contains(['*', '@', ' ']) {
        return None;
    }
    Some((
        Some(format!("{scheme}://{}", host.to_ascii_lowercase())),
        path,
    ))
}

/// Strips the query string and fragment of a request URL.
fn without_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

impl Rule {
    /// Does this rule allow `method` on `url` (a path or a full URL)?
    pub fn allows(&self, method: &str, url: &str) -> bool {
        if self.method != "*" && !self.method.eq_ignore_ascii_case(method) {
            return false;
        }
        let Some((origin, path)) = split_url(without_query(url)) else {
            return false;
        };
        if let Some(rule_origin) = &self.origin {
            if origin.as_deref() != Some(rule_origin.as_str()) {
                return false;
            }
        }
        path_matches(&self.path, path)
    }

    /// Does every request this rule allows also pass `other`? (Used to check
    /// that a user's privileges cover a rule.)
    pub fn is_covered_by(&self, other: &Rule) -> bool {
        if other.method != "*" && other.method != self.method {
            return false;
        }
        if other.origin.is_some() && other.origin != self.origin {
            return false;
        }
        pattern_covers(&other.path, &self.path)
    }
}

/// Does a key bound to a user allow `method` on `url`? Only when one of the
/// key's rules AND one of the user's current privileges allow it: the
/// intersection of the two, never more than either side. An empty side
/// allows nothing. (Whether the user still exists and is enabled is
/// the verifier's question: [`crate::domain::verify`].)
pub fn user_bound_allows(
    key_rules: &[Rule],
    user_privileges: &[Rule],
    method: &str,
    url: &str,
) -> bool {
    key_rules.iter().any(|r| r.allows(method, url))
        && user_privileges.iter().any(|p| p.allows(method, url))
}

/// Glob match of a path against a pattern: `*` within a segment, `**` as a
/// whole segment for any number of segments.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').collect();
    let segs: Vec<&str> = path.split('/').collect();
    match_segments(&pat, &segs)
}

fn match_segments(pat: &[&str], segs: &[&str]) -> bool {
    match pat.split_first() {
        None => segs.is_empty(),
        Some((&"**", rest)) => (0..=segs.len()).any(|i| match_segments(rest, &segs[i..])),
        Some((p, rest)) => match segs.split_first() {
            Some((s, srest)) => segment_matches(p, s) && match_segments(rest, srest),
            None => false,
        },
    }
}

/// `*` matches any run of characters within one segment.
fn segment_matches(pat: &str, seg: &str) -> bool {
    let p = pat.as_bytes();
    let s = seg.as_bytes();
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if pi < p.len() && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Does the pattern `outer` match every path that `inner` matches?
/// Decided by treating `inner` as a path whose wildcards must be matched by
/// wildcards of `outer` at least as broad.
pub fn pattern_covers(outer: &str, inner: &str) -> bool {
    let o: Vec<&str> = outer.split('/').collect();
    let i: Vec<&str> = inner.split('/').collect();
    covers_segments(&o, &i)
}

fn covers_segments(o: &[&str], i: &[&str]) -> bool {
    match (o.split_first(), i.split_first()) {
        (None, None) => true,
        (Some((&"**", orest)), _) => (0..=i.len()).any(|k| covers_segments(orest, &i[k..])),
        (_, Some((&"**", _))) => false,
        (Some((os, orest)), Some((is, irest))) => {
            segment_covers(os, is) && covers_segments(orest, irest)
        }
        _ => false,
    }
}

/// A segment pattern covers another when it matches the other's text with
/// each `*` of the other standing for a run the outer pattern also allows.
fn segment_covers(outer: &str, inner: &str) -> bool {
    if !inner.contains('*') {
        return segment_matches(outer, inner);
    }
    // Treat inner's `*` as a literal that only an outer `*` may absorb.
    let o = outer.as_bytes();
    let s = inner.as_bytes();
    fn go(o: &[u8], s: &[u8]) -> bool {
        match o.split_first() {
            None => s.is_empty(),
            Some((b'*', orest)) => (0..=s.len()).any(|k| go(orest, &s[k..])),
            Some((c, orest)) => match s.split_first() {
                Some((d, srest)) if c == d && *d != b'*' => go(orest, srest),
                _ => false,
            },
        }
    }
    go(o, s)
}

/// A hostname in an origin allow-list: exact, or `*.example.com`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(String);

impl FromStr for Origin {
    type Err = Error;
    fn from_str(input: &str) -> Result<Self> {
        let host = input.to_ascii_lowercase();
        let bare = host.strip_prefix("*.").unwrap_or(&host);
        if valid_hostname(bare) && (bare.contains('.') || host == bare) {
            Ok(Origin(host))
        } else {
            Err(
                Error::usage(format!("invalid origin \"{}\"", input.escape_debug()))
                    .hint("give a hostname (app.example.com) or a wildcard (*.example.com)"),
            )
        }
    }
}

fn valid_hostname(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

impl Origin {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Does this entry allow a request's origin (`https://host:port`, or a host)?
    pub fn allows(&self, request_origin: &str) -> bool {
        let host = request_host(request_origin);
        match self.0.strip_prefix("*.") {
            Some(domain) => host
                .strip_suffix(domain)
                .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
            None => host == self.0,
        }
    }
}

/// The lower-cased host of an origin header value.
fn request_host(origin: &str) -> String {
    let rest = origin.split_once("://").map_or(origin, |(_, r)| r);
    let host = rest.split(['/', ':']).next().unwrap_or("");
    host.to_ascii_lowercase()
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// An address or a CIDR range, IPv4 or IPv6.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpRange {
    addr: IpAddr,
    prefix: u8,
}

impl FromStr for IpRange {
    type Err = Error;
    fn from_str(input: &str) -> Result<Self> {
        let bad = || {
            Error::usage(format!(
                "invalid address range \"{}\"",
                input.escape_debug()
            ))
            .hint("give an address or a CIDR range, e.g. --ip 10.0.0.0/8 or --ip 2001:db8::/32")
        };
        let (addr, prefix) = match input.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (input, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 3 => {
                p.parse::<u8>().map_err(|_| bad())?
            }
            Some(_) => return Err(bad()),
            None => max,
        };
        if prefix > max {
            return Err(bad());
        }
        Ok(IpRange {
            addr: mask(addr, prefix),
            prefix,
        })
    }
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix)
            };
            IpAddr::V4((u32::from(a) & m).into())
        }
        IpAddr::V6(a) => {
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix)
            };
            IpAddr::V6((u128::from(a) & m).into())
        }
    }
}

impl IpRange {
    /// An IPv4 address and its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`) are
    /// the same client: a mapped address matches IPv4 ranges and IPv6 ranges
    /// as written; an IPv4 address matches ranges inside `::ffff:0:0/96`.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let hit =
            |ip: IpAddr| ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.prefix) == self.addr;
        let mapped_range =
            matches!(self.addr, IpAddr::V6(a) if self.prefix >= 96 && a.to_ipv4_mapped().is_some());
        match ip {
            IpAddr::V6(v6) => hit(ip) || v6.to_ipv4_mapped().is_some_and(|v4| hit(IpAddr::V4(v4))),
            IpAddr::V4(v4) => hit(ip) || (mapped_range && hit(IpAddr::V6(v4.to_ipv6_mapped()))),
        }
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix == max {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

impl Serialize for IpRange {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(s: &str) -> Rule {
        s.parse().unwrap()
    }

    #[test]
    fn rules_parse_and_print() {
        assert_eq!(
            rule("get /api/v1/users/*").to_string(),
            "GET /api/v1/users/*"
        );
        assert_eq!(
            rule("* HTTPS://API.example.com/v1/**").to_string(),
            "* https://api.example.com/v1/**"
        );
        for bad in [
            "",
            "GET",
            "FETCH /x",
            "GET x",
            "GET /a?b=1",
            "GET /a/***",
            "GET /a/b**",
            "GET /a /b",
            "GET ftp://x/y",
        ] {
            assert!(bad.parse::<Rule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn wildcard_matching() {
        let cases = [
            ("GET /api/v1/users/*", "GET", "/api/v1/users/7", true),
            ("GET /api/v1/users/*", "GET", "/api/v1/users/7/keys", false),
            ("GET /api/v1/users/*", "GET", "/api/v1/users/7?full=1", true),
            ("GET /api/v1/users/*", "POST", "/api/v1/users/7", false),
            ("* /api/v1/users/*", "DELETE", "/api/v1/users/7", true),
            ("GET /api/**", "GET", "/api/v1/users/7/keys", true),
            ("GET /api/**", "GET", "/api", true),
            ("GET /api/**", "GET", "/apix/v1", false),
            ("GET /api/v*/users", "GET", "/api/v2/users", true),
            ("GET /api/v*/users", "GET", "/api/v2/x/users", false),
            (
                "GET https://api.example.com/v1/*",
                "GET",
                "https://api.example.com/v1/x",
                true,
            ),
            (
                "GET https://api.example.com/v1/*",
                "GET",
                "https://evil.example.com/v1/x",
                false,
            ),
            (
                "GET https://api.example.com/v1/*",
                "GET",
                "http://api.example.com/v1/x",
                false,
            ),
            ("GET https://api.example.com/v1/*", "GET", "/v1/x", false),
            ("GET /v1/*", "GET", "https://any.example.com/v1/x", true),
        ];
        for (r, m, u, want) in cases {
            assert_eq!(rule(r).allows(m, u), want, "{r} {m} {u}");
        }
    }

    #[test]
    fn coverage_of_rules() {
        assert!(rule("GET /api/v1/users/7").is_covered_by(&rule("GET /api/v1/users/*")));
        assert!(rule("GET /api/v1/users/*").is_covered_by(&rule("GET /api/**")));
        assert!(rule("GET /api/v1/users/*").is_covered_by(&rule("* /api/v1/*/*")));
        assert!(!rule("GET /api/**").is_covered_by(&rule("GET /api/v1/users/*")));
        assert!(!rule("POST /api/v1/users/7").is_covered_by(&rule("GET /api/**")));
        assert!(!rule("* /api/x").is_covered_by(&rule("GET /api/**")));
        assert!(!rule("GET /api/v1/*").is_covered_by(&rule("GET /api/v1/a*")));
        assert!(rule("GET /api/v1/ab*").is_covered_by(&rule("GET /api/v1/a*")));
    }

    #[test]
    fn origins() {
        let exact: Origin = "app.example.com".parse().unwrap();
        let wild: Origin = "*.example.com".parse().unwrap();
        assert!(exact.allows("https://app.example.com"));
        assert!(exact.allows("app.example.com:8443"));
        assert!(!exact.allows("https://evil.com"));
        assert!(wild.allows("https://a.example.com"));
        assert!(wild.allows("https://a.b.example.com"));
        assert!(!wild.allows("https://example.com"));
        assert!(!wild.allows("https://badexample.com"));
        for bad in [
            "",
            "*.",
            "*",
            "a..b",
            "-a.com",
            "a b.com",
            "*.com.*",
            "https://x.com",
        ] {
            assert!(bad.parse::<Origin>().is_err(), "{bad}");
        }
    }

    #[test]
    fn address_ranges() {
        let r: IpRange = "10.0.0.0/8".parse().unwrap();
        assert!(r.contains("10.1.2.3".parse().unwrap()));
        assert!(r.contains("::ffff:10.1.2.3".parse().unwrap()));
        assert!(!r.contains("11.0.0.1".parse().unwrap()));
        let r6: IpRange = "2001:db8::/32".parse().unwrap();
        assert!(r6.contains("2001:db8::1".parse().unwrap()));
        assert!(!r6.contains("2001:db9::1".parse().unwrap()));
        assert_eq!(
            "10.1.2.3/8".parse::<IpRange>().unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(
            "192.168.1.1".parse::<IpRange>().unwrap().to_string(),
            "192.168.1.1"
        );
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0/8",
            "x",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "::/129",
        ] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod intersection {
    use super::*;
    use proptest::prelude::*;

    fn rules(list: &[&str]) -> Vec<Rule> {
        list.iter().map(|r| r.parse().unwrap()).collect()
    }

    #[test]
    fn intersection_with_wildcards() {
        let key = rules(&["GET /api/v1/users/*", "* /reports/**"]);
        let user = rules(&["GET /api/**", "GET /reports/2026/*"]);
        let cases = [
            ("GET", "/api/v1/users/7", true),
            ("GET", "/api/v1/users/7?x=1", true),
            ("GET", "/api/v1/users/7/keys", false), // key: * stays in one segment
            ("GET", "/api/v1/teams/1", false),      // key denies
            ("GET", "/reports/2026/q1", true),
            ("POST", "/reports/2026/q1", false), // user denies the method
            ("GET", "/reports/2025/q1", false),  // user denies the path
            ("GET", "/reports/2026/q1/x", false), // user: * stays in one segment
            ("DELETE", "/api/v1/users/7", false),
        ];
        for (m, u, want) in cases {
            assert_eq!(user_bound_allows(&key, &user, m, u), want, "{m} {u}");
        }
        assert!(!user_bound_allows(&key, &[], "GET", "/api/v1/users/7"));
        assert!(!user_bound_allows(&[], &user, "GET", "/api/v1/users/7"));
        let everything = rules(&["* /**"]);
        assert!(user_bound_allows(
            &everything,
            &everything,
            "PATCH",
            "/a/b/c"
        ));
        assert!(user_bound_allows(&everything, &everything, "GET", "/"));
    }

    const SEGMENTS: [&str; 8] = ["a", "b", "ab", "v1", "*", "a*", "*b", "**"];
    const FILL: [&str; 5] = ["", "a", "b", "ab", "zz"];
    const REQUEST_METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    fn rule_strategy() -> impl Strategy<Value = Rule> {
        (
            prop::sample::select(METHODS.to_vec()),
            prop::collection::vec(prop::sample::select(SEGMENTS.to_vec()), 0..4),
        )
            .prop_map(|(m, segs)| format!("{m} /{}", segs.join("/")).parse().unwrap())
    }

    fn path_strategy() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(FILL.to_vec()), 0..5)
            .prop_map(|segs| format!("/{}", segs.join("/")))
    }

    /// A request the rule allows: its pattern with every `*` and `**` filled in
    /// by `picks` (a stream of choices), and a method it takes.
    fn instance(rule: &Rule, picks: &[usize]) -> (String, String) {
        let mut pick = picks.iter().copied().cycle();
        let mut segs: Vec<String> = Vec::new();
        for s in rule.path.split('/') {
            if s == "**" {
                for _ in 0..pick.next().unwrap() % 3 {
                    segs.push(FILL[1 + pick.next().unwrap() % 4].to_string());
                }
            } else {
                let mut seg = String::new();
                for (i, part) in s.split('*').enumerate() {
                    if i > 0 {
                        seg.push_str(FILL[pick.next().unwrap() % FILL.len()]);
                    }
                    seg.push_str(part);
                }
                segs.push(seg);
            }
        }
        let mut path = segs.join("/");
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        let method = if rule.method == "*" {
            REQUEST_METHODS[pick.next().unwrap() % REQUEST_METHODS.len()].to_string()
        } else {
            rule.method.clone()
        };
        (method, path)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The intersection never allows what the key's rules or the user's
        /// privileges deny, and allows what both allow.
        #[test]
        fn intersection_never_allows_what_either_side_denies(
            key in prop::collection::vec(rule_strategy(), 0..3),
            user in prop::collection::vec(rule_strategy(), 0..3),
            method in prop::sample::select(REQUEST_METHODS.to_vec()),
            path in path_strategy(),
        ) {
            let by_key = key.iter().any(|r| r.allows(method, &path));
            let by_user = user.iter().any(|r| r.allows(method, &path));
            prop_assert_eq!(user_bound_allows(&key, &user, method, &path), by_key && by_user);
        }

        /// The same, with requests the key's rule is known to allow, so the
        /// user's side decides.
        #[test]
        fn intersection_follows_the_user_on_what_the_key_allows(
            rule in rule_strategy(),
            user in prop::collection::vec(rule_strategy(), 0..3),
            picks in prop::collection::vec(0usize..100, 1..12),
        ) {
            let (method, path) = instance(&rule, &picks);
            prop_assert!(rule.allows(&method, &path), "{} should allow {} {}", rule, method, path);
            let by_user = user.iter().any(|r| r.allows(&method, &path));
            prop_assert_eq!(user_bound_allows(std::slice::from_ref(&rule), &user, &method, &path), by_user);
        }

        /// Coverage is sound: a rule covered by a privilege allows nothing the
        /// privilege denies (so a bound key whose rules passed the check at
        /// generation allows exactly what its rules allow while the user's
        /// privileges stay as they were).
        #[test]
        fn a_covered_rule_allows_nothing_its_cover_denies(
            rule in rule_strategy(),
            cover in rule_strategy(),
            picks in prop::collection::vec(0usize..100, 1..12),
        ) {
            let (method, path) = instance(&rule, &picks);
            prop_assert!(rule.allows(&method, &path));
            if rule.is_covered_by(&cover) {
                prop_assert!(cover.allows(&method, &path), "{} covers {} but denies {} {}", cover, rule, method, path);
                let user = [cover.clone()];
                prop_assert!(user_bound_allows(std::slice::from_ref(&rule), &user, &method, &path));
            }
        }
    }
}
