//! Keys: their types and what each type allows, their state at a moment,
//! and the checks on names, descriptions and tags.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::rate_limit::RateLimit;
use crate::domain::rules::{IpRange, Origin, Rule};
use crate::error::{Error, Result};

pub const TENANT_KEY_LIMIT: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    Internal,
    External,
    Custom,
    Desktop,
}

impl KeyType {
    pub const ALL: [KeyType; 4] = [
        KeyType::Internal,
        KeyType::External,
        KeyType::Custom,
        KeyType::Desktop,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Internal => "internal",
            KeyType::External => "external",
            KeyType::Custom => "custom",
            KeyType::Desktop => "desktop",
        }
    }

    /// The letter in the value: `kadm_<letter>_…`.
    pub fn letter(self) -> char {
        self.as_str().chars().next().expect("non-empty")
    }

    pub fn takes_expiry(self) -> bool {
        self != KeyType::Desktop
    }
    pub fn takes_user(self) -> bool {
        matches!(self, KeyType::External | KeyType::Custom)
    }
    pub fn takes_rules(self) -> bool {
        self == KeyType::Custom
    }
    pub fn takes_allow_lists(self) -> bool {
        self != KeyType::Desktop
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KeyType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        KeyType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                Error::usage(format!("unknown key type \"{s}\""))
                    .hint("use one of: internal, external, custom, desktop")
            })
    }
}

/// Where a key stands at a given moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    Enabled,
    Disabled,
    Expired,
}

impl KeyState {
    pub fn as_str(&self) -> &'static str {
        match self {
            KeyState::Enabled => "enabled",
            KeyState::Disabled => "disabled",
            KeyState::Expired => "expired",
        }
    }
}

/// The previous value during a rotation's grace period.
#[derive(Debug, Clone, Serialize)]
pub struct PreviousValue {
    /// The truncated previous value (first 10, `…`, last 4).
    pub key: String,
    pub valid_until: DateTime<Utc>,
}

/// A key as the store holds it, without its secret.
#[derive(Debug, Clone, Serialize)]
pub struct Key {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub key_type: KeyType,
    pub org: String,
    pub tenant: String,
    pub description: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub expires_at: Option<DateTime<Utc>>,
    /// The truncated value.
    pub key: String,
    pub show_once: bool,
    pub previous: Option<PreviousValue>,
    pub rotated_at: Option<DateTime<Utc>>,
    /// Rotation policy, in seconds.
    pub rotate_every: Option<u64>,
    /// Requests allowed per period, per serving process (`100/1m`).
    pub rate_limit: Option<RateLimit>,
    /// The user the key is bound to; `None` is "all" (or not applicable).
    pub user: Option<String>,
    pub rules: Vec<Rule>,
    pub origins: Vec<Origin>,
    pub ips: Vec<IpRange>,
    pub tags: Vec<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The last use of the current value (at most a minute off).
    pub current_used_at: Option<DateTime<Utc>>,
    /// The last use of the previous value, during a rotation's grace.
    pub previous_used_at: Option<DateTime<Utc>>,
    /// When the expiry was last set (generation, `edit --expires`, a
    /// rotation that reset it, import); `None`: long ago, or never.
    pub expiry_set_at: Option<DateTime<Utc>>,
}

impl Key {
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }

    pub fn state(&self, now: DateTime<Utc>) -> KeyState {
        if !self.enabled {
            KeyState::Disabled
        } else if self.is_expired(now) {
            KeyState::Expired
        } else {
            KeyState::Enabled
        }
    }

    /// The previous value, if it still works at `now`.
    pub fn previous_in_grace(&self, now: DateTime<Utc>) -> Option<&PreviousValue> {
        self.previous.as_ref().filter(|p| p.valid_until > now)
    }

    /// A short state for tables: `enabled`, `disabled (leaked)`, `expired`, `enabled, in grace`.
    pub fn state_label(&self, now: DateTime<Utc>) -> String {
        let state = self.state(now);
        match (&state, &self.disabled_reason) {
            (KeyState::Disabled, Some(r)) => format!("disabled ({r})"),
            (KeyState::Enabled, _) if self.previous_in_grace(now).is_some() => {
                "enabled, in grace".to_string()
            }
            _ => state.as_str().to_string(),
        }
    }

    /// When the rotation policy next falls due.
    pub fn rotation_due_at(&self) -> Option<DateTime<Utc>> {
        let every = self.rotate_every?;
        let since = self.rotated_at.unwrap_or(self.created_at);
        Some(since + chrono::Duration::seconds(every as i64))
    }
}

/// Characters that would let a name or text mislead a terminal or a reader.
pub fn is_deceptive(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' // zero-width and directional marks
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{FEFF}' | '\u{061C}')
}

/// A new key name: 1–64 printable characters in Unicode normal form C, no
/// leading or trailing space, not starting with `-`, no `/` or `\\` and
/// not `.` or `..` (hooks make file names of names), no key value. Names
/// that an older release accepted are kept: only new names are checked.
pub fn validate_name(name: &str) -> Result<()> {
    let bad = |why: &str| {
        Error::usage(format!("invalid key name: {why}"))
            .hint("use 1 to 64 printable characters, no / or \\, not . or .., not starting with '-' or a space nor ending with a space (e.g. billing-prod)")
    };
    if name.is_empty() {
        return Err(bad("it is empty"));
    }
    if name.chars().count() > 64 {
        return Err(bad("it is longer than 64 characters"));
    }
    if name.chars().any(is_deceptive) {
        return Err(bad("it contains control or invisible characters"));
    }
    if name.trim() != name {
        return Err(bad("it starts or ends with a space"));
    }
    if name.starts_with('-') {
        return Err(bad("it starts with '-'"));
    }
    if name.contains(['/', '\\']) {
        return Err(bad("it contains / or \\ (a name must not read as a path)"));
    }
    if name.starts_with(crate::store::ID_PREFIX) {
        return Err(bad(
            "it starts with id: (a KEY argument id:ID names a key by its ID)",
        ));
    }
    if name == "." || name == ".." {
        return Err(bad("it is . or .. (a name must not read as a path)"));
    }
    if !unicode_normalization::is_nfc(name) {
        return Err(bad(
            "it is not in Unicode normal form C (an accent typed as a separate mark)",
        ));
    }
    if let Some((word, scripts)) = mixed_script_word(name) {
        return Err(Error::usage(format!(
            "invalid key name: the word \"{}\" mixes {scripts} letters (a look-alike letter?)",
            word.escape_debug()
        ))
        .hint("write each word in one script, e.g. retype it on a keyboard of one layout"));
    }
    crate::domain::value::refuse_value_in("key name", name)
}

/// A new name as it is kept: in Unicode normal form C, so that the NFC and
/// NFD spellings of "Köln" are one name (SPEC §5.6). Check it with
/// [`validate_name`] afterwards.
pub fn normalize_name(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    if unicode_normalization::is_nfc(name) {
        name.to_string()
    } else {
        name.nfc().collect()
    }
}

/// The first word of `name` whose letters come from more than one script
/// (a Cyrillic "а" in "pаrtner"), with those scripts named. Words are runs
/// of letters and digits; digits and marks belong to every script. As in
/// Unicode's "highly restrictive" profile (UTS #39), Han, Hiragana,
/// Katakana, Hangul and Bopomofo count as one (Japanese, Korean and Chinese
/// words mix them), and Latin may mix with them.
pub fn mixed_script_word(name: &str) -> Option<(&str, String)> {
    use unicode_script::{Script, UnicodeScript};
    for word in name.split(|c: char| !c.is_alphanumeric()) {
        let mut scripts: Vec<Script> = Vec::new();
        for c in word.chars() {
            let s = match c.script() {
                Script::Common | Script::Inherited | Script::Unknown => continue,
                Script::Hiragana | Script::Katakana | Script::Hangul | Script::Bopomofo => {
                    Script::Han
                }
                s => s,
            };
            if !scripts.contains(&s) {
                scripts.push(s);
            }
        }
        let allowed = scripts.len() <= 1
            || (scripts.len() == 2
                && scripts.contains(&Script::Latin)
                && scripts.contains(&Script::Han));
        if !allowed {
            let names: Vec<&str> = scripts.iter().map(|s| s.full_name()).collect();
            return Some((word, names.join(" and ")));
        }
    }
    None
}

/// The names among `names` closest to `wanted` (at most three, best
/// first), for a "did you mean" hint: the same name in another case or
/// normal form, or one within about a third of its length in edits.
pub fn closest_names<'n>(wanted: &str, names: impl IntoIterator<Item = &'n str>) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    let fold = |s: &str| -> String { s.nfkc().flat_map(char::to_lowercase).collect() };
    let w = fold(wanted);
    let limit = (w.chars().count() / 3).max(1);
    let mut scored: Vec<(usize, usize, String)> = names
        .into_iter()
        .filter_map(|n| {
            let d = strsim::levenshtein(&w, &fold(n));
            // Ties go to the spelling closest as typed.
            (d <= limit).then(|| (d, strsim::levenshtein(wanted, n), n.to_string()))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.2 == b.2);
    scored.into_iter().take(3).map(|(_, _, n)| n).collect()
}

pub const DESCRIPTION_MAX: usize = 1000;

pub fn validate_description(text: &str) -> Result<()> {
    if text.chars().count() > DESCRIPTION_MAX {
        return Err(Error::usage(format!(
            "the description is longer than {DESCRIPTION_MAX} characters"
        ))
        .hint("shorten it"));
    }
    if text.chars().any(is_deceptive) {
        return Err(
            Error::usage("the description contains control or invisible characters")
                .hint("use one line of plain text"),
        );
    }
    crate::domain::value::refuse_value_in("description", text)
}

/// A disable reason: free text, one line, up to 200 characters.
pub fn validate_reason(text: &str) -> Result<()> {
    crate::domain::value::refuse_value_in("reason", text)?;
    if text.is_empty() || text.chars().count() > 200 || text.chars().any(is_deceptive) {
        return Err(
            Error::usage("invalid reason: use one line of 1 to 200 characters")
                .hint("e.g. --reason 'contractor left'"),
        );
    }
    Ok(())
}

/// A tag: 1–40 of `[A-Za-z0-9._:/-]`.
pub fn validate_tag(tag: &str) -> Result<()> {
    crate::domain::value::refuse_value_in("tag", tag)?;
    let ok = (1..=40).contains(&tag.len())
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:/-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(
            Error::usage(format!("invalid tag \"{}\"", tag.escape_debug()))
                .hint("a tag is 1 to 40 letters, digits or . _ : / - (e.g. team:billing)"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_reject_control_and_bidi_characters() {
        assert!(validate_name("billing-prod").is_ok());
        assert!(validate_name("Billing prod 2").is_ok());
        for bad in [
            "",
            " x",
            "x ",
            "a\nb",
            "a\u{202E}b",
            "a\u{200B}b",
            "-x",
            &"x".repeat(65),
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn new_names_cannot_read_as_paths_and_are_nfc() {
        for bad in [
            "../../cron.d/evil",
            "a/b",
            "a\\b",
            ".",
            "..",
            "/",
            "e\u{301}cole",
        ] {
            let e = validate_name(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}");
            assert!(e.message().hint.is_some(), "{bad:?}");
        }
        for good in [
            "...",
            ".hidden",
            "a.b",
            "\u{e9}cole",
            "日本語のキー",
            &"é".repeat(64),
        ] {
            assert!(validate_name(good).is_ok(), "{good:?}");
        }
        assert!(validate_name(&"é".repeat(65)).is_err());
    }

    #[test]
    fn mixed_scripts_in_a_word_are_refused_and_names_are_normalised() {
        for bad in ["p\u{430}rtner-x", "\u{3b1}lpha", "billing \u{43c}ix"] {
            let e = validate_name(bad).unwrap_err();
            assert!(e.message().what.contains("mixes"), "{bad:?}: {e:?}");
        }
        assert!(
            validate_name("billing \u{43c}\u{438}\u{440}").is_ok(),
            "one script per word"
        );
        for good in [
            "K\u{f6}ln",
            "\u{420}\u{43e}\u{441}\u{441}\u{438}\u{44f}-2",
            "\u{6771}\u{4eac}\u{30ad}\u{30fc}",
            "Tokyo\u{6771}\u{4eac}",
        ] {
            assert!(validate_name(good).is_ok(), "{good:?}");
        }
        assert_eq!(normalize_name("Ko\u{308}ln"), "K\u{f6}ln");
        assert!(validate_name(&normalize_name("Ko\u{308}ln")).is_ok());
    }

    #[test]
    fn the_closest_names_are_suggested() {
        let names = ["billing", "billing-prod", "reports", "Billing"];
        assert_eq!(closest_names("biling", names), ["billing", "Billing"]);
        assert_eq!(closest_names("report", names), ["reports"]);
        assert!(closest_names("zzz", names).is_empty());
    }

    #[test]
    fn every_free_text_field_refuses_a_key_value() {
        let v = crate::domain::value::generate_value("kadm", KeyType::External);
        let v = v.expose();
        let in_text = format!("x{v}");
        for r in [
            validate_name(v),
            validate_description(&in_text),
            validate_reason(&in_text),
            validate_tag(v),
            crate::domain::user::validate_user_name(v),
            crate::domain::user::validate_email(&format!("{v}@x.com")),
            crate::domain::user::validate_display_name(&in_text),
            crate::domain::user::validate_group(v),
        ] {
            let e = r.unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(e.message().what.contains("looks like a key value"), "{e:?}");
            assert!(e
                .message()
                .hint
                .as_deref()
                .unwrap()
                .contains("never go in free-text fields"));
        }
    }

    #[test]
    fn type_letters_and_parsing() {
        assert_eq!(KeyType::Desktop.letter(), 'd');
        assert_eq!("CUSTOM".parse::<KeyType>().unwrap(), KeyType::Custom);
        assert!("admin".parse::<KeyType>().is_err());
    }

    #[test]
    fn tags_are_checked() {
        assert!(validate_tag("team:billing").is_ok());
        assert!(validate_tag("a b").is_err());
        assert!(validate_tag("").is_err());
    }

    #[test]
    fn descriptions_are_bounded() {
        assert!(validate_description("for the billing service").is_ok());
        assert!(validate_description(&"x".repeat(1_000_000)).is_err());
        assert!(validate_description("a\u{1b}[31m").is_err());
    }
}
