//! The path of a request as allow rules see it: percent-escapes of
//! unreserved characters decoded, other escapes upper-cased, dot segments
//! removed (RFC 3986 §6.2.2 and §5.2.4). A path that would mean something
//! else to a server than to the matcher is refused ([`BadPath`]): an encoded
//! `/` or `\`, a raw `\`, a broken escape, or a dot segment with parameters
//! (`..;x`, which some servers read as `..`). Only matching normalises:
//! signatures cover the raw bytes.

use std::borrow::Cow;

/// A request path that is denied with reason `bad_path`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPath;

/// The normalised form of `path` (which starts with `/`; the query string
/// already removed). Borrowed when there is nothing to change, as for
/// nearly every real request.
pub fn normalize_path(path: &str) -> Result<Cow<'_, str>, BadPath> {
    let b = path.as_bytes();
    let plain = !b.iter().any(|&c| c == b'%' || c == b'\\')
        && !b.windows(2).any(|w| w == b"/.")
        && !path.starts_with('.');
    if plain {
        return Ok(Cow::Borrowed(path));
    }
    if b.contains(&b'\\') {
        return Err(BadPath);
    }
    let decoded = decode_unreserved(path)?;
    Ok(Cow::Owned(remove_dot_segments(&decoded)?))
}

fn is_unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Decodes `%XX` of unreserved characters, upper-cases the others; an
/// encoded `/` or `\` or a broken escape is a bad path.
fn decode_unreserved(path: &str) -> Result<String, BadPath> {
    let b = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            // `%` is ASCII: where it is found is a character boundary.
            let next = b[i..]
                .iter()
                .position(|&c| c == b'%')
                .map_or(path.len(), |n| i + n);
            out.push_str(&path[i..next]);
            i = next;
            continue;
        }
        let (Some(hi), Some(lo)) = (
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) else {
            return Err(BadPath);
        };
        let c = hi * 16 + lo;
        if c == b'/' || c == b'\\' {
            return Err(BadPath);
        }
        if is_unreserved(c) {
            out.push(c as char);
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(hi)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(lo)]));
        }
        i += 3;
    }
    Ok(out)
}

/// RFC 3986 §5.2.4 for an absolute path: `.` is dropped, `..` drops the
/// segment before it (never above the root); a dot segment at the end
/// leaves a trailing `/`. `x;p` is an ordinary segment (so `x;/../..` cannot
/// climb higher than any other segment); `.;p` and `..;p` are bad paths.
fn remove_dot_segments(path: &str) -> Result<String, BadPath> {
    let rest = path.strip_prefix('/').unwrap_or(path);
    let mut segs: Vec<&str> = Vec::new();
    let mut parts = rest.split('/').peekable();
    while let Some(seg) = parts.next() {
        let last = parts.peek().is_none();
        let name = seg.split(';').next().unwrap_or(seg);
        match seg {
            "." | ".." => {
                if seg == ".." {
                    segs.pop();
                }
                if last {
                    segs.push("");
                }
            }
            _ if name == "." || name == ".." => return Err(BadPath),
            _ => segs.push(seg),
        }
    }
    let mut out = String::with_capacity(path.len());
    for s in &segs {
        out.push('/');
        out.push_str(s);
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(p: &str) -> Result<String, BadPath> {
        normalize_path(p).map(Cow::into_owned)
    }

    #[test]
    fn dot_segments_are_removed() {
        let cases = [
            ("/api/public/../../admin/delete", "/admin/delete"),
            ("/api/public/%2e%2e/%2e%2e/admin", "/admin"),
            ("/api/public/%2E%2e/x", "/api/x"),
            ("/api/public/x;/../../admin", "/api/admin"),
            ("/a/b/..", "/a/"),
            ("/a/./b/.", "/a/b/"),
            ("/..", "/"),
            ("/../../..", "/"),
            ("/a//../b", "/a/b"),
            ("/a/.../b", "/a/.../b"),
            ("/a/.b/c", "/a/.b/c"),
            ("/%7Euser/%41", "/~user/A"),
            ("/a%20b/%c3%a9", "/a%20b/%C3%A9"),
            ("/plain/path", "/plain/path"),
            // Found by the fuzzer: text after an escape that is not ASCII.
            ("/5%0c\u{7dc}", "/5%0C\u{7dc}"),
            ("/é%41é/../x", "/x"),
            ("/", "/"),
        ];
        for (raw, want) in cases {
            assert_eq!(n(raw), Ok(want.to_string()), "{raw}");
        }
    }

    #[test]
    fn encoded_separators_and_backslashes_are_bad_paths() {
        for raw in [
            "/api/v1/users/..%2fadmin",
            "/api/v1/users/..%2Fadmin",
            "/a%5cb",
            "/a%5Cb",
            "/api/v1/users/..\\admin",
            "/a\\b",
            "/a%2",
            "/a%zz",
            "/a%",
            "/a/..;x/b",
            "/a/.;x",
            "/a/%2e%2e;x/b",
        ] {
            assert_eq!(n(raw), Err(BadPath), "{raw}");
        }
    }

    #[test]
    fn plain_paths_are_borrowed() {
        assert!(matches!(
            normalize_path("/api/v1/users/7"),
            Ok(Cow::Borrowed(_))
        ));
    }

    proptest! {
        /// Normalising never panics, gives a path that starts with `/`, holds
        /// no dot segment, and is its own normal form.
        #[test]
        fn normal_forms_are_stable(raw in "/[a-z./%2eEfF5c;~é]{0,30}") {
            if let Ok(once) = n(&raw) {
                prop_assert!(once.starts_with('/'));
                prop_assert!(!once.split('/').any(|s| s == "." || s == ".."), "{}", once);
                prop_assert_eq!(n(&once), Ok(once.clone()));
            }
        }
    }
}
