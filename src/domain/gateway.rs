//! The rules of `keyadm serve` that do not depend on HTTP machinery: where
//! it listens, which key a gateway's request presents, which address is the
//! client's, and what HTTP status a decision is. Pure: the binary's server
//! reads the headers and calls these.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use crate::domain::rules::IpRange;
use crate::domain::verify::Reason;
use crate::error::{Error, Result};

/// Where `serve` listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    Tcp(SocketAddr),
    /// `unix:/path`: a Unix socket, whose peers are local processes that
    /// may open it (treated as a trusted proxy).
    Unix(PathBuf),
}

/// The default `--listen`: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8417";

impl Listen {
    /// `HOST:PORT` (an IP address: `127.0.0.1:8417`, `[::1]:8417`) or `unix:/path`.
    pub fn parse(s: &str) -> Result<Listen> {
        let bad = |why: &str| {
            Error::usage(format!("invalid --listen \"{}\": {why}", s.escape_debug())).hint(
                "give ADDRESS:PORT (e.g. 127.0.0.1:8417, [::1]:8417, 0.0.0.0:8417 for every interface) or unix:/path/to/socket",
            )
        };
        if let Some(path) = s.strip_prefix("unix:") {
            if path.is_empty() || !path.starts_with('/') {
                return Err(bad("a Unix socket needs an absolute path"));
            }
            return Ok(Listen::Unix(PathBuf::from(path)));
        }
        s.parse::<SocketAddr>()
            .map(Listen::Tcp)
            .map_err(|_| bad("expected an IP address and a port"))
    }
}

impl std::fmt::Display for Listen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Listen::Tcp(a) => write!(f, "{a}"),
            Listen::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

/// The key a gateway's request presents: `Authorization: Bearer …`, else
/// the API key header. `Err` when a header is there but holds no key.
pub fn presented_key<'a>(
    authorization: Option<&'a str>,
    api_key: Option<&'a str>,
) -> Option<&'a str> {
    if let Some(a) = authorization {
        let a = a.trim();
        if let Some((scheme, rest)) = a.split_once(' ') {
            if scheme.eq_ignore_ascii_case("bearer") && !rest.trim().is_empty() {
                return Some(rest.trim());
            }
        }
    }
    api_key.map(str::trim).filter(|k| !k.is_empty())
}

/// Whose address the checks see: the peer's, unless the peer is a trusted
/// proxy (or a Unix socket peer, `None`): then the nearest address of
/// `X-Forwarded-For` that is not a trusted proxy (read from the right, as
/// each proxy appends), else `X-Real-IP`, else the peer's.
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    real_ip: Option<&str>,
    trusted: &[IpRange],
) -> Option<IpAddr> {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if peer.is_some_and(|p| !is_trusted(p)) {
        return peer;
    }
    if let Some(xff) = forwarded_for {
        let mut last = None;
        for part in xff.rsplit(',') {
            let Ok(ip) = part.trim().parse::<IpAddr>() else {
                // An address a proxy did not write: trust nothing before it.
                break;
            };
            last = Some(ip);
            if !is_trusted(ip) {
                return Some(ip);
            }
        }
        if last.is_some() {
            return last;
        }
    }
    if let Some(ip) = real_ip.and_then(|r| r.trim().parse().ok()) {
        return Some(ip);
    }
    peer
}

/// The HTTP status of `GET /v1/auth` for a decision: 200 allowed; 401 no
/// key, a malformed or an unknown one; 429 rate-limited; 403 any other denial.
pub fn auth_status(reason: Option<Reason>) -> u16 {
    match reason {
        None => 200,
        Some(Reason::Malformed | Reason::Unknown) => 401,
        Some(Reason::RateLimited) => 429,
        Some(_) => 403,
    }
}

/// A header value for a name that may hold any character: visible ASCII
/// as it is, everything else (and `%`) percent-encoded as UTF-8.
pub fn header_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (0x20..0x7f).contains(&b) && b != b'%' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses() {
        assert_eq!(
            Listen::parse("127.0.0.1:8417").unwrap(),
            Listen::Tcp("127.0.0.1:8417".parse().unwrap())
        );
        assert!(matches!(Listen::parse("[::1]:0").unwrap(), Listen::Tcp(_)));
        assert_eq!(
            Listen::parse("unix:/run/keyadm.sock").unwrap(),
            Listen::Unix("/run/keyadm.sock".into())
        );
        for bad in [
            "",
            "8417",
            "localhost:8417",
            "127.0.0.1",
            "unix:",
            "unix:rel",
            "1.2.3.4:99999",
        ] {
            let e = Listen::parse(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.message().hint.is_some());
        }
    }

    #[test]
    fn the_key_comes_from_bearer_then_the_api_key_header() {
        assert_eq!(presented_key(Some("Bearer abc"), Some("x")), Some("abc"));
        assert_eq!(presented_key(Some("bearer  abc "), None), Some("abc"));
        assert_eq!(presented_key(Some("Basic abc"), Some("k")), Some("k"));
        assert_eq!(presented_key(Some("Bearer "), None), None);
        assert_eq!(presented_key(None, Some("  ")), None);
        assert_eq!(presented_key(None, None), None);
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let trusted: Vec<IpRange> = vec![
            "127.0.0.1/32".parse().unwrap(),
            "10.9.0.0/16".parse().unwrap(),
        ];
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        // An untrusted peer: its own address, whatever it sends.
        assert_eq!(
            client_ip(
                ip("192.0.2.7"),
                Some("10.1.1.1"),
                Some("10.1.1.2"),
                &trusted
            ),
            ip("192.0.2.7")
        );
        // A trusted proxy: the nearest untrusted address of the chain.
        assert_eq!(
            client_ip(
                ip("127.0.0.1"),
                Some("6.6.6.6, 203.0.113.5, 10.9.0.3"),
                None,
                &trusted
            ),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), None, Some("203.0.113.9"), &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), None, None, &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), Some("junk, 10.9.0.3"), None, &trusted),
            ip("10.9.0.3")
        );
        // No proxy trusted: never the headers.
        assert_eq!(
            client_ip(ip("127.0.0.1"), Some("203.0.113.5"), None, &[]),
            ip("127.0.0.1")
        );
        // A Unix socket peer is the gateway itself.
        assert_eq!(
            client_ip(None, Some("203.0.113.5"), None, &[]),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn statuses_and_header_text() {
        assert_eq!(auth_status(None), 200);
        assert_eq!(auth_status(Some(Reason::Unknown)), 401);
        assert_eq!(auth_status(Some(Reason::Malformed)), 401);
        assert_eq!(auth_status(Some(Reason::Disabled)), 403);
        assert_eq!(auth_status(Some(Reason::Forged)), 403);
        assert_eq!(auth_status(Some(Reason::RateLimited)), 429);
        assert_eq!(header_text("billing é\n%"), "billing %C3%A9%0A%25");
    }
}
