//! Origin allow-lists (SPEC §5.6): an entry is `[scheme://]host[:port]`
//! (scheme http or https; none means either; no port means any; `*.` covers
//! subdomains at any depth, never the bare domain), and the request's
//! origin must be a serialized origin (RFC 6454) `scheme://host[:port]`.
//! A bare host as the request's origin is still accepted in 0.2 (flagged,
//! so that the binary can warn).

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    fn parse(s: &str) -> Option<Scheme> {
        if s.eq_ignore_ascii_case("https") {
            Some(Scheme::Https)
        } else if s.eq_ignore_ascii_case("http") {
            Some(Scheme::Http)
        } else {
            None
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// An entry of a key's origin list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: Option<Scheme>,
    /// Lower-case, ASCII; `*.example.com` for a wildcard.
    host: String,
    port: Option<u16>,
}

fn origin_error(input: &str, why: &str) -> Error {
    Error::usage(format!(
        "invalid origin \"{}\": {why}",
        input.escape_debug()
    ))
    .hint(
        "give [scheme://]host[:port]: app.example.com, https://app.example.com, \
         *.example.com or https://app.example.com:8443",
    )
}

/// A DNS name in ASCII: labels of letters, digits and `-`, no empty label.
pub(crate) fn valid_hostname(h: &str) -> bool {
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

/// `host[:port]` → (host, port); `None` for a bad port.
fn split_port(s: &str) -> Option<(&str, Option<u16>)> {
    match s.rsplit_once(':') {
        None => Some((s, None)),
        Some((host, port)) => {
            if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let p: u32 = port.parse().ok()?;
            (1..=65535).contains(&p).then_some((host, Some(p as u16)))
        }
    }
}

impl FromStr for Origin {
    type Err = Error;
    fn from_str(input: &str) -> Result<Self> {
        let (scheme, rest) = match input.split_once("://") {
            Some((s, rest)) => (
                Some(
                    Scheme::parse(s)
                        .ok_or_else(|| origin_error(input, "the scheme must be http or https"))?,
                ),
                rest,
            ),
            None => (None, input),
        };
        // What admins paste: `https://app.example.com/`.
        let rest = if scheme.is_some() {
            rest.strip_suffix('/').unwrap_or(rest)
        } else {
            rest
        };
        if !rest.is_ascii() {
            return Err(origin_error(
                input,
                "give an international name in its ASCII (xn--) form",
            ));
        }
        if rest.contains(['/', '?', '#', '@', '\\', '%']) {
            return Err(origin_error(
                input,
                "an origin has no path, query, fragment or user",
            ));
        }
        let (host, port) =
            split_port(rest).ok_or_else(|| origin_error(input, "bad port (1 to 65535)"))?;
        let host = host.to_ascii_lowercase();
        let bare = host.strip_prefix("*.").unwrap_or(&host);
        if !valid_hostname(bare) || (bare.len() != host.len() && !bare.contains('.')) {
            return Err(origin_error(input, "not a host name"));
        }
        Ok(Origin { scheme, host, port })
    }
}

/// A request's origin, parsed without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestOrigin<'a> {
    /// `None` for a bare host (accepted in 0.2, with a warning).
    pub scheme: Option<Scheme>,
    /// As given (compared without regard to case).
    pub host: &'a str,
    /// The explicit port, else the scheme's default; `None` for a bare host
    /// without one.
    pub port: Option<u16>,
}

impl<'a> RequestOrigin<'a> {
    /// `scheme://host[:port]` (or, in 0.2, a bare `host[:port]`); anything
    /// else — a path, query, fragment, user, backslash, space, percent,
    /// another scheme, `null` — is `None` and matches no entry.
    pub fn parse(origin: &'a str) -> Option<RequestOrigin<'a>> {
        let (scheme, rest) = match origin.split_once("://") {
            Some((s, rest)) => (Some(Scheme::parse(s)?), rest),
            None => (None, origin),
        };
        let (host, port) = split_port(rest)?;
        // `null` (an opaque origin) is no host, even bare.
        if !valid_hostname(host) || host.eq_ignore_ascii_case("null") {
            return None;
        }
        Some(RequestOrigin {
            scheme,
            host,
            port: port.or(scheme.map(Scheme::default_port)),
        })
    }

    pub fn is_bare_host(&self) -> bool {
        self.scheme.is_none()
    }
}

/// Is `origin` a bare host, which `verify --origin` accepts with a warning
/// in 0.2 (a serialized origin is `scheme://host[:port]`)?
pub fn is_bare_host_origin(origin: &str) -> bool {
    RequestOrigin::parse(origin).is_some_and(|o| o.is_bare_host())
}

impl Origin {
    /// Does this entry allow a request's origin (`https://host[:port]`, or in
    /// 0.2 a bare host)?
    pub fn allows(&self, request_origin: &str) -> bool {
        RequestOrigin::parse(request_origin).is_some_and(|o| self.allows_parsed(&o))
    }

    pub fn allows_parsed(&self, req: &RequestOrigin) -> bool {
        if self.scheme.is_some() && req.scheme != self.scheme {
            return false;
        }
        if self.port.is_some() && req.port != self.port {
            return false;
        }
        match self.host.strip_prefix("*.") {
            Some(domain) => {
                let h = req.host.as_bytes();
                h.len() > domain.len() + 1
                    && h[h.len() - domain.len() - 1] == b'.'
                    && h[h.len() - domain.len()..].eq_ignore_ascii_case(domain.as_bytes())
            }
            None => req.host.eq_ignore_ascii_case(&self.host),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = self.scheme {
            write!(f, "{}://", s.as_str())?;
        }
        f.write_str(&self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(s: &str) -> Origin {
        s.parse().unwrap()
    }

    #[test]
    fn entries_parse_and_print() {
        for (input, shown) in [
            ("app.example.com", "app.example.com"),
            ("APP.example.com", "app.example.com"),
            ("https://app.example.com", "https://app.example.com"),
            ("HTTPS://App.Example.com/", "https://app.example.com"),
            ("http://localhost:8080", "http://localhost:8080"),
            ("*.example.com", "*.example.com"),
            ("https://*.example.com:8443", "https://*.example.com:8443"),
        ] {
            assert_eq!(o(input).to_string(), shown, "{input}");
            assert_eq!(o(shown), o(input));
        }
        for bad in [
            "",
            "*.",
            "*",
            "a..b",
            "-a.com",
            "a b.com",
            "*.com.*",
            "*.com",
            "evil://app.example.com",
            "https://app.example.com/path",
            "https://user@app.example.com",
            "app.example.com:0",
            "app.example.com:99999",
            "app.example.com:",
            "bücher.example",
            "a%2fb.com",
            "a\\b.com",
        ] {
            assert!(bad.parse::<Origin>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_review_s_origins_are_denied() {
        let wild = o("*.example.com");
        for req in [
            "https://evil.com?.example.com",
            "https://evil.com#.example.com",
            "https://evil.com\\.example.com",
            "https://evil.com%2f.example.com",
            "https://a b.example.com",
            "evil://app.example.com",
            "https://app.example.com/",
            "https://u@app.example.com",
            "null",
            "",
            "https://example.com",
            "https://badexample.com",
        ] {
            assert!(!wild.allows(req), "{req}");
        }
        assert!(wild.allows("https://a.example.com"));
        assert!(wild.allows("https://a.b.EXAMPLE.com:8443"));
        assert!(wild.allows("http://a.example.com"));
    }

    #[test]
    fn schemes_and_ports() {
        let https = o("https://app.example.com");
        assert!(https.allows("https://app.example.com"));
        assert!(https.allows("https://app.example.com:8443"));
        assert!(!https.allows("http://app.example.com"));
        assert!(
            !https.allows("app.example.com"),
            "a bare host has no scheme"
        );
        let port = o("https://app.example.com:443");
        assert!(port.allows("https://app.example.com"));
        assert!(port.allows("https://app.example.com:443"));
        assert!(!port.allows("https://app.example.com:8443"));
        let any = o("app.example.com");
        assert!(any.allows("http://app.example.com:8080"));
        assert!(any.allows("https://APP.example.com"));
        assert!(any.allows("app.example.com"));
        assert!(any.allows("app.example.com:8443"));
        assert!(!any.allows("https://evil.com"));
        assert!(is_bare_host_origin("app.example.com"));
        assert!(!is_bare_host_origin("https://app.example.com"));
        assert!(!is_bare_host_origin("null"));
    }
}
