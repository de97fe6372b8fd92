//! Allow rules (`METHOD URL-PATTERN`), origin allow-lists and address
//! ranges: parsing, validation and matching a request against them. The
//! glob matcher is in [`crate::domain::glob`], the request path's normal
//! form in [`crate::domain::request_path`], origins in
//! [`crate::domain::origin`].

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Serialize, Serializer};

pub use crate::domain::glob::{path_matches, pattern_covers, MAX_WILDCARDS};
pub use crate::domain::origin::{is_bare_host_origin, Origin, RequestOrigin};
pub use crate::domain::request_path::{normalize_path, BadPath};

use crate::domain::glob::{collapse_double_stars, wildcard_count};
use crate::error::{Error, Result};

/// The methods a rule may name (`*` is any).
pub const METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*",
];

/// A value as it was stored: parsed without the checks that only new input
/// gets (so that what an older keyadm stored keeps loading and working).
pub trait FromStored: Sized {
    fn from_stored(s: &str) -> Result<Self>;
}

impl FromStored for String {
    fn from_stored(s: &str) -> Result<Self> {
        Ok(s.to_string())
    }
}

impl FromStored for Origin {
    fn from_stored(s: &str) -> Result<Self> {
        s.parse()
    }
}

impl FromStored for IpRange {
    fn from_stored(s: &str) -> Result<Self> {
        s.parse()
    }
}

impl FromStored for Rule {
    /// No wildcard cap and none of 0.2's pattern checks: a stored rule over
    /// them still matches (linear time makes that safe).
    fn from_stored(s: &str) -> Result<Self> {
        Rule::parse(s, false)
    }
}

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
    /// A new rule, with every check of 0.2.
    fn from_str(input: &str) -> Result<Self> {
        Rule::parse(input, true)
    }
}

impl Rule {
    fn parse(input: &str, new: bool) -> Result<Self> {
        let mut parts = input.split_whitespace();
        let (method, pattern) = match (parts.next(), parts.next(), parts.next()) {
            (Some(m), Some(p), None) => (m.to_ascii_uppercase(), p),
            _ => return Err(rule_error(input, "expected a method and a pattern")),
        };
        // 0.1 stored only methods it accepted, all of them still in the list.
        if !METHODS.contains(&method.as_str()) {
            return Err(Error::usage(format!(
                "invalid allow rule \"{}\": unknown method \"{}\"",
                input.escape_debug(),
                method.escape_debug()
            ))
            .hint("the method is one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, or * for any, e.g. --allow 'GET /api/v1/users/*'"));
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
        let path = if new {
            new_pattern_path(input, path)?
        } else {
            path.to_string()
        };
        Ok(Rule {
            method,
            origin: origin
                .map(|(scheme, host)| format!("{scheme}://{}", host.to_ascii_lowercase())),
            path,
        })
    }
}

/// The checks only a new rule's path gets, and its normal form: repeated
/// `**` collapsed, unreserved escapes decoded as requests' are.
fn new_pattern_path(input: &str, path: &str) -> Result<String> {
    let n = wildcard_count(path);
    if n > MAX_WILDCARDS {
        return Err(Error::usage(format!(
            "invalid allow rule \"{}\": {n} wildcards, more than {MAX_WILDCARDS}",
            input.escape_debug()
        ))
        .hint("use fewer * and **: one ** covers any number of segments, as in 'GET /api/**'"));
    }
    let normal = normalize_path(path).map_err(|_| {
        rule_error(
            input,
            "a pattern holds no \\, no encoded / or \\ (%2F, %5C) and no broken % escape",
        )
    })?;
    // A dot segment, plain or encoded, would be removed from every request.
    if normal.split('/').count() != path.split('/').count()
        || path.split('/').any(|s| s == "." || s == "..")
    {
        return Err(rule_error(
            input,
            "a pattern has no . or .. segments (request paths are normalised before matching)",
        ));
    }
    Ok(collapse_double_stars(&normal))
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

/// Splits `https://Host/path` into (`Some(("https", "Host"))`, `/path`), and
/// `/path` into (`None`, `/path`). Anything else is `None`.
fn split_url(url: &str) -> Option<(Option<(&str, &str)>, &str)> {
    if url.starts_with('/') {
        return Some((None, url));
    }
    let (scheme, rest) = url.split_once("://")?;
    let scheme = if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else if scheme.eq_ignore_ascii_case("http") {
        "http"
    } else {
        return None;
    };
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host.is_empty() || host.contains(['*', '@', ' ']) {
        return None;
    }
    Some((Some((scheme, host)), path))
}

/// Strips the query string and fragment of a request URL.
fn without_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// A request's URL as rules match it: scheme and host if it was a full URL,
/// and the normalised path (the query string dropped). Parsed once per
/// request, whatever the number of rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTarget<'a> {
    origin: Option<(&'a str, &'a str)>,
    path: Cow<'a, str>,
}

impl<'a> RequestTarget<'a> {
    /// `Ok(None)` for a URL that no rule can match (neither a path nor an
    /// http(s) URL with a host); `Err(BadPath)` for a path that is denied
    /// as such (see [`normalize_path`]).
    pub fn parse(url: &'a str) -> std::result::Result<Option<RequestTarget<'a>>, BadPath> {
        let Some((origin, path)) = split_url(without_query(url)) else {
            return Ok(None);
        };
        Ok(Some(RequestTarget {
            origin,
            path: normalize_path(path)?,
        }))
    }

    /// The normalised path.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl Rule {
    /// Does this rule allow `method` on `url` (a path or a full URL)? A bad
    /// path (see [`normalize_path`]) is allowed by no rule.
    pub fn allows(&self, method: &str, url: &str) -> bool {
        match RequestTarget::parse(url) {
            Ok(Some(t)) => self.allows_target(method, &t),
            _ => false,
        }
    }

    /// Does this rule allow `method` on an already parsed request URL?
    pub fn allows_target(&self, method: &str, target: &RequestTarget) -> bool {
        self.allows_method(method) && self.allows_url(target)
    }

    pub fn allows_method(&self, method: &str) -> bool {
        self.method == "*" || self.method.eq_ignore_ascii_case(method)
    }

    /// Does this rule's pattern match the request URL (whatever the method)?
    pub fn allows_url(&self, target: &RequestTarget) -> bool {
        if let Some(rule_origin) = &self.origin {
            let Some((scheme, host)) = target.origin else {
                return false;
            };
            let same = rule_origin.len() == scheme.len() + 3 + host.len()
                && rule_origin.starts_with(scheme)
                && rule_origin[scheme.len()..].starts_with("://")
                && rule_origin[scheme.len() + 3..].eq_ignore_ascii_case(host);
            if !same {
                return false;
            }
        }
        path_matches(&self.path, &target.path)
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
    let Ok(Some(t)) = RequestTarget::parse(url) else {
        return false;
    };
    key_rules.iter().any(|r| r.allows_target(method, &t))
        && user_privileges.iter().any(|p| p.allows_target(method, &t))
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
        // A range inside ::ffff:0:0/96 is the IPv4 range it maps.
        let (addr, prefix) = match addr {
            IpAddr::V6(a) if prefix >= 96 => match a.to_ipv4_mapped() {
                Some(v4) => (IpAddr::V4(v4), prefix - 96),
                None => (addr, prefix),
            },
            _ => (addr, prefix),
        };
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
    /// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is its IPv4 client, in
    /// requests and in ranges (`::ffff:10.0.0.0/104` is `10.0.0.0/8`): so
    /// `::/0` covers IPv6 clients only and `0.0.0.0/0` every IPv4 client,
    /// however the socket reports it.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.prefix) == self.addr
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
        for ok in ["HEAD /x", "options /x", "DELETE /x", "* /x"] {
            assert!(ok.parse::<Rule>().is_ok(), "{ok}");
        }
        assert_eq!(rule("GET /**/**/**/z").to_string(), "GET /**/z");
        assert_eq!(rule("GET /%7euser/%c3%a9").to_string(), "GET /~user/%C3%A9");
        let many = format!("GET /{}", "a*/".repeat(17));
        let err = many.parse::<Rule>().unwrap_err();
        assert!(err.to_string().contains("17 wildcards"), "{err}");
        assert!(format!("GET /{}", "a*/".repeat(16)).parse::<Rule>().is_ok());
        // Stored rules over the cap (or with 0.1's unchecked paths) still load and match.
        let stored = Rule::from_stored(&many).unwrap();
        assert!(stored.allows("GET", &format!("/{}", "ab/".repeat(17))));
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
            "TRACE /x",
            "CONNECT /x",
            "GET /a/../b",
            "GET /a/./b",
            "GET /a/%2e%2e/b",
            "GET /a%2fb",
            "GET /a\\b",
            "GET /a%zz",
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
    fn address_ranges() {
        let r: IpRange = "10.0.0.0/8".parse().unwrap();
        assert_eq!("::ffff:10.0.0.0/104".parse::<IpRange>().unwrap(), r);
        assert_eq!(
            "::ffff:10.1.2.3".parse::<IpRange>().unwrap().to_string(),
            "10.1.2.3"
        );
        let any6: IpRange = "::/0".parse().unwrap();
        let any4: IpRange = "0.0.0.0/0".parse().unwrap();
        for v4 in ["1.2.3.4", "::ffff:1.2.3.4"] {
            assert!(!any6.contains(v4.parse().unwrap()), "{v4}");
            assert!(any4.contains(v4.parse().unwrap()), "{v4}");
        }
        assert!(any6.contains("2001:db8::1".parse().unwrap()));
        assert!(!any4.contains("2001:db8::1".parse().unwrap()));
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
                if seg.is_empty() && s.contains('*') {
                    // `*` never matches an empty segment.
                    seg.push_str("zz");
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
