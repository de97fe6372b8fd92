//! HMAC request signing (SPEC §5.7): the canonical request
//! `v2\n<unix time>\n<METHOD>\n<origin>\n<path and query>\n<hex SHA-256 of body>`,
//! signed with HMAC-SHA256 under the key's value, sent as `v2=<hex>`. The
//! older `v1` string (no origin) is still checked, with a warning.

use std::io::Read;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::domain::value::SecretValue;
use crate::error::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

/// How much of a body is read at a time: the body is never held whole.
const CHUNK: usize = 1 << 20;

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    s.as_bytes()
        .chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

/// The SHA-256 of a body, read in chunks, as hex.
pub fn body_hash(mut body: impl Read) -> std::io::Result<String> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hex(&h.finalize()))
}

/// The path and query of a request URL: a full URL loses its scheme and
/// host, a fragment is dropped, an empty path is `/`. The query is kept as
/// given (not reordered or decoded): sign what is sent.
pub fn path_and_query(url: &str) -> Result<String> {
    let url = url.trim();
    let rest = match url.split_once("://") {
        Some((scheme, rest)) if !scheme.is_empty() && !scheme.contains('/') => {
            let i = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            &rest[i..]
        }
        _ if url.starts_with('/') => url,
        _ => {
            return Err(Error::usage(format!(
                "invalid URL \"{}\": give a path (/api/v1/x?a=1) or a full URL",
                url.escape_debug()
            ))
            .hint("e.g. --url '/api/v1/orders?dry_run=1'"))
        }
    };
    let rest = rest.split('#').next().unwrap_or("");
    if rest.chars().any(|c| c.is_control() || c == ' ') {
        return Err(
            Error::usage("the URL contains spaces or control characters")
                .hint("percent-encode them, as the request sends them"),
        );
    }
    Ok(if rest.is_empty() || rest.starts_with('?') {
        format!("/{rest}")
    } else {
        rest.to_string()
    })
}

/// The origin of an absolute `http(s)://` URL, as signed by v2: the
/// lower-case scheme and host, an IPv6 host in brackets (in its RFC 5952
/// form), and `:port` only when the port is not the scheme's default.
/// `None` for a bare path. A non-ASCII host must be given as its IDNA
/// A-label (`xn--…`): keyadm refuses it rather than convert it, so that
/// the signer and the service never disagree on a conversion.
pub fn origin(url: &str) -> Result<Option<String>> {
    let url = url.trim();
    let bad = |why: &str| {
        Error::usage(format!("invalid URL \"{}\": {why}", url.escape_debug()))
            .hint("e.g. --url 'https://api.example.com/v1/orders?dry_run=1'")
    };
    if url.starts_with('/') {
        return Ok(None);
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Ok(None);
    };
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return Err(bad("the scheme must be http or https")),
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.contains('@') {
        return Err(Error::usage(format!(
            "the URL holds a user name or password before \"@\" (\"{}\")",
            url.escape_debug()
        ))
        .hint("leave out user:password@: credentials are not part of what is signed"));
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let Some((ip, after)) = inner.split_once(']') else {
            return Err(bad("an IPv6 host needs its closing ]"));
        };
        let ip: std::net::Ipv6Addr = ip
            .parse()
            .map_err(|_| bad("the host in [ ] is not an IPv6 address"))?;
        (format!("[{ip}]"), after)
    } else {
        let (host, port) = match authority.rfind(':') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        };
        if host.is_empty() {
            return Err(bad("it has no host"));
        }
        if !host.is_ascii() {
            return Err(Error::usage(format!(
                "the host \"{}\" is not ASCII: give its IDNA A-label",
                host.escape_debug()
            ))
            .hint("e.g. python3 -c 'print(\"bücher.example\".encode(\"idna\").decode())' gives xn--bcher-kva.example"));
        }
        if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        {
            return Err(bad(
                "the host may hold only letters, digits, '-', '.' and '_'",
            ));
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        "" | ":" => None,
        p => {
            let digits = p
                .strip_prefix(':')
                .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| bad("what follows the host is not :port"))?;
            let n: u16 = digits
                .parse()
                .map_err(|_| bad("the port is not a number from 0 to 65535"))?;
            (n != default_port).then_some(n)
        }
    };
    Ok(Some(match port {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    }))
}

/// The HTTP methods keyadm signs, checks and verifies.
pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// An HTTP method, one of [`METHODS`] in any case, upper-cased.
pub fn method(m: &str) -> Result<String> {
    let upper = m.to_ascii_uppercase();
    if !METHODS.contains(&upper.as_str()) {
        return Err(
            Error::usage(format!("invalid method \"{}\"", m.escape_debug())).hint(format!(
                "use one of {} (e.g. --method POST)",
                METHODS.join(", ")
            )),
        );
    }
    Ok(upper)
}

/// A request URL as `verify` takes it: a path starting with `/`, or an
/// `http://` or `https://` URL with a host.
pub fn request_url(url: &str) -> Result<()> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        ""
    };
    let host_given = !rest.is_empty() && !rest.starts_with(['/', '?', '#']);
    if !(url.starts_with('/') || host_given) {
        return Err(Error::usage(format!(
            "invalid URL \"{}\": give a path starting with / or an http(s) URL",
            url.escape_debug()
        ))
        .hint("e.g. --url /api/v1/orders or --url https://api.example.com/v1/orders"));
    }
    Ok(())
}

/// Where a request's timestamp stands against the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skew {
    /// Within the allowed skew, either way.
    Fresh,
    /// This many seconds older than the allowed skew permits.
    TooOld(u64),
    /// This many seconds ahead of the clock, more than the skew permits.
    InFuture(u64),
}

/// Is `timestamp` within `max_skew` seconds of `now`, either way? The
/// distance is computed without overflow for any two `i64`s: a timestamp
/// near `now − 2⁶³` is far in the past, not wrapped around to "fresh".
pub fn timestamp_skew(now: i64, timestamp: i64, max_skew: u64) -> Skew {
    let distance = now.abs_diff(timestamp);
    if distance <= max_skew {
        Skew::Fresh
    } else if timestamp < now {
        Skew::TooOld(distance)
    } else {
        Skew::InFuture(distance)
    }
}

/// The version of a signature: the first line of what it signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// Path and query only: still checked in this release, with a warning.
    V1,
    /// Origin, path and query (SPEC §5.7).
    V2,
}

/// The string a v2 signature signs.
pub fn canonical_request_v2(
    timestamp: i64,
    method: &str,
    origin: &str,
    path_and_query: &str,
    body_hex: &str,
) -> String {
    format!("v2\n{timestamp}\n{method}\n{origin}\n{path_and_query}\n{body_hex}")
}

/// The string a v1 signature signs (no origin).
pub fn canonical_request(
    timestamp: i64,
    method: &str,
    path_and_query: &str,
    body_hex: &str,
) -> String {
    format!("v1\n{timestamp}\n{method}\n{path_and_query}\n{body_hex}")
}

fn mac(value: &SecretValue, canonical: &str) -> HmacSha256 {
    let mut m = HmacSha256::new_from_slice(value.expose().as_bytes()).expect("any key length");
    m.update(canonical.as_bytes());
    m
}

/// `<version>=<hex HMAC-SHA256>` of the canonical request under the key's
/// value; the version is the canonical string's first line (`v1` or `v2`).
pub fn sign(value: &SecretValue, canonical: &str) -> String {
    let version = canonical.split('\n').next().unwrap_or("");
    format!(
        "{version}={}",
        hex(&mac(value, canonical).finalize().into_bytes())
    )
}

/// The version and MAC bytes of a `v2=<hex>` or `v1=<hex>` signature;
/// `None` if it is neither.
pub fn parse_signature(sig: &str) -> Option<(Version, Vec<u8>)> {
    let sig = sig.trim();
    let (version, hex) = if let Some(h) = sig.strip_prefix("v2=") {
        (Version::V2, h)
    } else {
        (Version::V1, sig.strip_prefix("v1=")?)
    };
    let bytes = unhex(hex)?;
    (bytes.len() == 32).then_some((version, bytes))
}

/// Does `mac_bytes` sign `canonical` under `value`? Compared in constant time.
pub fn verify(value: &SecretValue, canonical: &str, mac_bytes: &[u8]) -> bool {
    mac(value, canonical).verify_slice(mac_bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_the_http_ones_and_urls_paths_or_http() {
        assert_eq!(method("patch").unwrap(), "PATCH");
        assert_eq!(method("Options").unwrap(), "OPTIONS");
        for bad in ["FETCH", "", "G T", "CONNECT", "TRACE"] {
            assert_eq!(method(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
        for good in ["/", "/v1/x?a=1", "https://api.example.com", "HTTP://h/x"] {
            assert!(request_url(good).is_ok(), "{good}");
        }
        for bad in [
            "v1/x",
            "",
            "ftp://h/x",
            "https://",
            "https:///x",
            "api.example.com/x",
        ] {
            assert_eq!(request_url(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }

    // Computed independently with Python:
    //   body = b'{"amount":42}'
    //   h = hashlib.sha256(body).hexdigest()
    //   msg = f"v1\n1767225600\nPOST\n/api/v1/orders?dry_run=1\n{h}".encode()
    //   hmac.new(b"kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p", msg, hashlib.sha256).hexdigest()
    const KEY: &str = "kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p";
    const BODY_HEX: &str = "f26e267ee03331ff5ce10b687a1ba1a9b49012ffb27694c922e17411b4b86e6c";
    const SIGNATURE: &str = "v1=3e5826ba0d2074c5302ad5687f643b0473338a6834f27a8efaa7565abac9007f";

    #[test]
    fn a_fixed_vector_computed_elsewhere() {
        let body = body_hash(&br#"{"amount":42}"#[..]).unwrap();
        assert_eq!(body, BODY_HEX);
        let c = canonical_request(1767225600, "POST", "/api/v1/orders?dry_run=1", &body);
        let v = SecretValue::new(KEY.into());
        assert_eq!(sign(&v, &c), SIGNATURE);
        assert!(verify(&v, &c, &parse_signature(SIGNATURE).unwrap().1));
    }

    #[test]
    fn the_empty_body_hash_is_sha256_of_nothing() {
        assert_eq!(
            body_hash(std::io::empty()).unwrap(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn a_changed_request_does_not_verify() {
        let v = SecretValue::new(KEY.into());
        let c = canonical_request(1, "GET", "/a", BODY_HEX);
        let sig = parse_signature(&sign(&v, &c)).unwrap().1;
        assert!(verify(&v, &c, &sig));
        assert!(!verify(
            &v,
            &canonical_request(2, "GET", "/a", BODY_HEX),
            &sig
        ));
        assert!(!verify(
            &v,
            &canonical_request(1, "GET", "/b", BODY_HEX),
            &sig
        ));
        assert!(!verify(&SecretValue::new("other".into()), &c, &sig));
    }

    #[test]
    fn urls_become_path_and_query() {
        for (url, want) in [
            ("/api/v1/x?a=1&b=2", "/api/v1/x?a=1&b=2"),
            ("https://api.example.com/api/v1/x?a=1#frag", "/api/v1/x?a=1"),
            ("https://api.example.com", "/"),
            ("https://api.example.com?x=1", "/?x=1"),
            ("/p#f", "/p"),
        ] {
            assert_eq!(path_and_query(url).unwrap(), want, "{url}");
        }
        for bad in ["api/x", "", "/a b", "/a\nb"] {
            assert!(path_and_query(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn skew_is_measured_without_overflow() {
        let now = 1_767_225_600;
        assert_eq!(timestamp_skew(now, now, 300), Skew::Fresh);
        assert_eq!(timestamp_skew(now, now - 300, 300), Skew::Fresh);
        assert_eq!(timestamp_skew(now, now + 300, 300), Skew::Fresh);
        assert_eq!(timestamp_skew(now, now - 301, 300), Skew::TooOld(301));
        assert_eq!(timestamp_skew(now, now + 301, 300), Skew::InFuture(301));
        // now − 2⁶³ (the review's attack): now minus it wrapped to i64::MIN,
        // which passed both "too old" and "in the future" checks.
        let far_past = now + i64::MIN;
        assert_eq!(now.wrapping_sub(far_past), i64::MIN);
        assert_eq!(timestamp_skew(now, far_past, 300), Skew::TooOld(1 << 63));
        assert_eq!(
            timestamp_skew(now, i64::MIN, u64::MAX),
            Skew::Fresh,
            "a skew of u64::MAX allows everything"
        );
        assert_eq!(
            timestamp_skew(i64::MAX, i64::MIN, 300),
            Skew::TooOld(u64::MAX)
        );
        assert_eq!(
            timestamp_skew(i64::MIN, i64::MAX, 300),
            Skew::InFuture(u64::MAX)
        );
    }

    #[test]
    fn signatures_parse_strictly() {
        assert_eq!(
            parse_signature(&format!("v1={}", "ab".repeat(32)))
                .unwrap()
                .0,
            Version::V1
        );
        assert_eq!(
            parse_signature(&format!("v2={}", "ab".repeat(32)))
                .unwrap()
                .0,
            Version::V2
        );
        assert!(parse_signature(&format!("v3={}", "ab".repeat(32))).is_none());
        assert!(parse_signature(&format!("V2={}", "ab".repeat(32))).is_none());
        assert!(parse_signature(&format!("v1={}", "ab".repeat(31))).is_none());
        assert!(parse_signature(&format!("v1={}", "zz".repeat(32))).is_none());
        assert!(parse_signature("v1=").is_none());
    }

    // The README's v2 vector, computed independently with Python:
    //   msg = f"v2\n1767225600\nPOST\nhttps://api.example.com\n/api/v1/orders?dry_run=1\n{h}".encode()
    //   hmac.new(KEY.encode(), msg, hashlib.sha256).hexdigest()
    const SIGNATURE_V2: &str =
        "v2=79691f4026ba4283a25bb496c6159c22c1b8d819ce7f162a240ff766e6691220";

    #[test]
    fn the_v2_vector_computed_elsewhere() {
        let o = origin("HTTPS://API.Example.COM:443/api/v1/orders?dry_run=1#f")
            .unwrap()
            .unwrap();
        assert_eq!(o, "https://api.example.com");
        let c = canonical_request_v2(1767225600, "POST", &o, "/api/v1/orders?dry_run=1", BODY_HEX);
        let v = SecretValue::new(KEY.into());
        assert_eq!(sign(&v, &c), SIGNATURE_V2);
        let (version, mac) = parse_signature(SIGNATURE_V2).unwrap();
        assert_eq!(version, Version::V2);
        assert!(verify(&v, &c, &mac));
        let other = canonical_request_v2(
            1767225600,
            "POST",
            "https://b.other.net",
            "/api/v1/orders?dry_run=1",
            BODY_HEX,
        );
        assert!(!verify(&v, &other, &mac));
    }

    #[test]
    fn origins_are_lower_case_without_default_ports() {
        for (url, want) in [
            (
                "https://a.example.com/v1/orders",
                Some("https://a.example.com"),
            ),
            ("HTTP://A.EXAMPLE.COM:80", Some("http://a.example.com")),
            (
                "http://a.example.com:443/",
                Some("http://a.example.com:443"),
            ),
            (
                "https://a.example.com:8443?x",
                Some("https://a.example.com:8443"),
            ),
            ("https://a.example.com:0443/", Some("https://a.example.com")),
            ("https://a.example.com:/", Some("https://a.example.com")),
            (
                "https://[2001:DB8:0::1]:443/x",
                Some("https://[2001:db8::1]"),
            ),
            ("http://[::1]:8080", Some("http://[::1]:8080")),
            ("https://127.0.0.1/x", Some("https://127.0.0.1")),
            (
                "https://xn--bcher-kva.example/",
                Some("https://xn--bcher-kva.example"),
            ),
            ("/v1/orders", None),
        ] {
            assert_eq!(origin(url).unwrap().as_deref(), want, "{url}");
        }
        for bad in [
            "ftp://a.example.com/x",
            "https:///x",
            "https://user:pw@a.example.com/",
            "https://bücher.example/",
            "https://a b.example.com/",
            "https://a.example.com:99999/",
            "https://a.example.com:8x/",
            "https://[::1/",
            "https://[nope]/",
            "https://a%2f.example.com/",
        ] {
            assert_eq!(origin(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }
}
