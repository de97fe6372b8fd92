//! Key values and key IDs: generation from the OS's CSPRNG, the CRC32
//! checksum, parsing a presented value, and the truncated form for tables.

use std::fmt;

use rand::rngs::OsRng;
use rand::TryRngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::domain::key::KeyType;
use crate::error::{Error, Result};

pub const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const ID_LEN: usize = 12;
const BODY_LEN: usize = 32;
const CHECK_LEN: usize = 6;

/// A key value. Zeroized when dropped; its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(Zeroizing<String>);

impl SecretValue {
    pub fn new(value: String) -> Self {
        SecretValue(Zeroizing::new(value))
    }
    /// The value itself: only the output layer (when asked) and the crypto use it.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn hash(&self) -> [u8; 32] {
        value_hash(self.expose())
    }
    pub fn truncated(&self) -> String {
        truncate(self.expose())
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(…)")
    }
}

/// SHA-256 of a value: how the store finds a presented key.
pub fn value_hash(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

/// `n` random base62 characters, without modulo bias.
pub fn random_base62(n: usize) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(n));
    let mut buf = Zeroizing::new([0u8; 64]);
    while out.len() < n {
        OsRng
            .try_fill_bytes(&mut buf[..])
            .expect("the operating system's random number generator failed");
        for &b in buf.iter() {
            // 248 = 4 × 62: bytes at or above it would bias the low digits.
            if b < 248 && out.len() < n {
                out.push(BASE62[(b % 62) as usize] as char);
            }
        }
    }
    out
}

pub fn new_key_id() -> String {
    random_base62(ID_LEN).to_string()
}

pub fn is_key_id(s: &str) -> bool {
    s.len() == ID_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The CRC32 (IEEE) of `s`, as 6 base62 digits, most significant first.
pub fn checksum(s: &str) -> String {
    let mut n = crc32fast::hash(s.as_bytes()) as u64;
    let mut digits = [b'0'; CHECK_LEN];
    for d in digits.iter_mut().rev() {
        *d = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(digits.to_vec()).expect("base62 is ASCII")
}

/// A new value `<prefix>_<t>_<32 random><6 checksum>`.
pub fn generate_value(prefix: &str, key_type: KeyType) -> SecretValue {
    let mut s = Zeroizing::new(String::with_capacity(
        prefix.len() + 3 + BODY_LEN + CHECK_LEN,
    ));
    s.push_str(prefix);
    s.push('_');
    s.push(key_type.letter());
    s.push('_');
    s.push_str(&random_base62(BODY_LEN));
    let check = checksum(&s);
    s.push_str(&check);
    SecretValue::new(std::mem::take(&mut *s))
}

/// What a well-formed value says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedValue {
    pub prefix: String,
    pub key_type: KeyType,
}

/// Checks the format and checksum of a presented value (no store lookup).
pub fn parse_value(s: &str) -> Result<ParsedValue> {
    let bad = || {
        Error::usage("the key is not a keyadm key value (bad format or checksum)")
            .hint("a key looks like kadm_e_ followed by 38 letters and digits")
    };
    let mut parts = s.splitn(3, '_');
    let (prefix, t, rest) = match (parts.next(), parts.next(), parts.next()) {
        (Some(p), Some(t), Some(r)) => (p, t, r),
        _ => return Err(bad()),
    };
    if !valid_prefix(prefix) || rest.len() != BODY_LEN + CHECK_LEN {
        return Err(bad());
    }
    if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad());
    }
    let key_type = match t {
        "i" => KeyType::Internal,
        "e" => KeyType::External,
        "c" => KeyType::Custom,
        "d" => KeyType::Desktop,
        _ => return Err(bad()),
    };
    let split = s.len() - CHECK_LEN;
    if checksum(&s[..split]) != s[split..] {
        return Err(bad());
    }
    Ok(ParsedValue {
        prefix: prefix.to_string(),
        key_type,
    })
}

/// 2–10 of `[a-z0-9]`.
pub fn valid_prefix(p: &str) -> bool {
    (2..=10).contains(&p.len())
        && p.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Does this word hold something shaped like a key value (`x_e_` and 30 or
/// more letters and digits), whether or not its checksum is right?
fn looks_like_value(word: &str) -> bool {
    let b = word.as_bytes();
    (2..b.len().saturating_sub(2)).any(|i| {
        b[i - 1] == b'_'
            && b"iecd".contains(&b[i])
            && b[i + 1] == b'_'
            && b[i + 2..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric())
                .count()
                >= 30
    })
}

/// Does `text` hold a word shaped like a key value (a typo of one included)?
/// Free text that is stored in plain (names, descriptions, reasons) must
/// not: a value pasted into the wrong field would sit unsealed in the store,
/// the audit log and every table.
pub fn contains_value_like(text: &str) -> bool {
    text.contains('_')
        && text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(looks_like_value)
}

/// Refuses (exit 2) free text that holds a key value or a typo of one.
/// Every field that is stored or audited in plain text goes through this
/// one check: names, emails, descriptions, reasons, tags, groups, the
/// actor, and the paths that audit entries record. `field` names the field
/// in the message ("key name", "email", "export path").
pub fn refuse_value_in(field: &str, text: &str) -> Result<()> {
    if contains_value_like(text) {
        return Err(Error::usage(format!(
            "invalid {field}: it holds something that looks like a key value"
        ))
        .hint(
            "key values never go in free-text fields: they are stored, shown and audited in plain text",
        ));
    }
    Ok(())
}

/// [`refuse_value_in`] for a path (which audit entries record as text).
pub fn refuse_value_in_path(field: &str, path: &std::path::Path) -> Result<()> {
    refuse_value_in(field, &path.to_string_lossy())
}

/// `text` with every word shaped like a key value (a typo of one included)
/// shown truncated: for messages that echo what the user typed, so that a
/// value pasted into the wrong place is never repeated whole.
pub fn redact_values(text: &str) -> std::borrow::Cow<'_, str> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if !text.contains('_') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(is_word) {
        out.push_str(&rest[..start]);
        let word_len = rest[start..]
            .find(|c: char| !is_word(c))
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + word_len];
        if looks_like_value(word) {
            out.push_str(&truncate(word));
        } else {
            out.push_str(word);
        }
        rest = &rest[start + word_len..];
    }
    out.push_str(rest);
    out.into()
}

/// First 10 characters, `…`, last 4: how tables show a value.
pub fn truncate(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 14 {
        return value.to_string();
    }
    let head: String = chars[..10].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_value_like_finds_values_and_typos_of_them_only() {
        let v = generate_value("kadm", KeyType::Internal);
        assert!(contains_value_like(v.expose()));
        assert!(contains_value_like(&format!("prod ({}x)", v.expose())));
        assert!(!contains_value_like(&v.truncated()));
        assert!(!contains_value_like("kadm_e_short billing_prod my_i_key"));
        assert!(!contains_value_like("billing-prod"));
    }

    #[test]
    fn redact_values_truncates_only_well_formed_values() {
        let v = generate_value("kadm", KeyType::External);
        let text = format!(
            "invalid tag \"{}\" (kadm_e_short, {}x)",
            v.expose(),
            v.expose()
        );
        let out = redact_values(&text);
        assert!(!out.contains(v.expose()));
        assert!(out.contains(&v.truncated()));
        assert!(out.contains("kadm_e_short"), "not a value: kept");
        assert!(
            !out.contains(&v.expose()[7..39]),
            "a mistyped value is cut too"
        );
        assert_eq!(
            redact_values("plain text, no values"),
            "plain text, no values"
        );
        assert_eq!(
            redact_values("ünïcödé_ \u{202e} ok"),
            "ünïcödé_ \u{202e} ok"
        );
    }

    #[test]
    fn checksum_matches_zlib_crc32() {
        // Computed with Python: zlib.crc32(b"kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV") = 3282765015
        assert_eq!(
            checksum("kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV"),
            "3aA98p"
        );
        // zlib.crc32(b"acme_c_" + b"z" * 32) = 3664996217
        assert_eq!(
            checksum("acme_c_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"),
            "401wwD"
        );
    }

    #[test]
    fn known_value_parses() {
        let p = parse_value("kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p").unwrap();
        assert_eq!(p.prefix, "kadm");
        assert_eq!(p.key_type, KeyType::External);
    }

    #[test]
    fn generated_values_have_the_documented_shape() {
        for t in [
            KeyType::Internal,
            KeyType::External,
            KeyType::Custom,
            KeyType::Desktop,
        ] {
            let v = generate_value("kadm", t);
            assert_eq!(v.expose().len(), 45);
            assert_eq!(parse_value(v.expose()).unwrap().key_type, t);
        }
    }

    #[test]
    fn one_changed_character_breaks_the_checksum() {
        let v = generate_value("kadm", KeyType::External);
        let s = v.expose();
        for i in 7..s.len() {
            let mut b = s.as_bytes().to_vec();
            b[i] = if b[i] == b'a' { b'b' } else { b'a' };
            let t = String::from_utf8(b).unwrap();
            assert!(parse_value(&t).is_err(), "{i}");
        }
    }

    #[test]
    fn malformed_values_are_rejected() {
        for s in [
            "",
            "kadm",
            "kadm_e_",
            "kadm_x_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p",
            "KADM_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p",
            "kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98",
            "kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTU-3aA98p",
            "kadm_e_é123456789ABCDEFGHIJKLMNOPQRSTU3aA98p",
        ] {
            assert!(parse_value(s).is_err(), "{s}");
        }
    }

    #[test]
    fn ids_are_12_base62_characters_and_differ() {
        let a = new_key_id();
        let b = new_key_id();
        assert!(is_key_id(&a) && is_key_id(&b));
        assert_ne!(a, b);
    }

    #[test]
    fn truncation_keeps_ten_and_four() {
        assert_eq!(
            truncate("kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p"),
            "kadm_e_012…A98p"
        );
    }

    #[test]
    fn debug_never_shows_the_value() {
        let v = SecretValue::new("kadm_e_secret".into());
        assert!(!format!("{v:?}").contains("secret"));
    }
}
