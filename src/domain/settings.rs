//! Store settings: their names, defaults, and the validation of each value.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, FixedOffset, TimeZone};

use crate::domain::expiry::parse_duration;
use crate::domain::notify::{self, SmtpSetting, WebhookSetting};
use crate::domain::value::valid_prefix;
use crate::error::{Error, Result};

/// Every setting with its default, in the order `config list` shows them.
pub const SETTINGS: [(&str, &str, &str); 13] = [
    ("scoped-api", "off", "allow custom (scoped) keys: on or off"),
    (
        "key-prefix",
        "kadm",
        "prefix of new key values: 2-10 of a-z, 0-9",
    ),
    (
        "default-expiry",
        "never",
        "expiry of keys generated without --expires: a duration or never",
    ),
    (
        "max-lifetime",
        "none",
        "longest expiry allowed: a duration or none",
    ),
    (
        "rotation-grace",
        "24h",
        "how long an old value works after rotate: a duration or 0",
    ),
    (
        "purge-after",
        "7d",
        "sweep deletes keys expired this long ago: a duration or 0",
    ),
    (
        "notify-days",
        "30,14,7,3,1",
        "days before expiry that notify sends notices",
    ),
    (
        "clipboard-clear",
        "45s",
        "copy clears the clipboard after this: a duration or 0 (never)",
    ),
    (
        "date-format",
        "iso",
        "how dates are shown: iso, us, eu or a strftime pattern",
    ),
    (
        "notify-smtp",
        "none",
        "notices by email: smtp://HOST:PORT (STARTTLS) or smtps://… [user=NAME password-file=PATH|password-env=VAR]",
    ),
    (
        "notify-from",
        "none",
        "the From address of notice emails",
    ),
    (
        "notify-webhook",
        "none",
        "notices by POST: https://… [format=json|slack|teams] [secret-file=PATH|secret-env=VAR]",
    ),
    (
        "notify-to",
        "admins",
        "a tenant's notice recipients: emails separated by commas, or admins",
    ),
];

/// The stored name of a tenant's `notify-to`.
pub fn tenant_setting(name: &str, tenant: &str) -> String {
    format!("{name}:{tenant}")
}

pub fn default_of(name: &str) -> Option<&'static str> {
    SETTINGS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, d, _)| *d)
}

/// Checks a value for a setting and returns its normal form.
pub fn normalize(name: &str, value: &str) -> Result<String> {
    // A date-format pattern is free text (literal characters are shown as
    // typed), and every setting is audited.
    crate::domain::value::refuse_value_in(&format!("value for {name}"), value)?;
    let v = value.trim();
    let bad = |hint: &str| {
        Error::usage(format!(
            "invalid value \"{}\" for {name}",
            value.escape_debug()
        ))
        .hint(hint.to_string())
    };
    match name {
        "scoped-api" => match v.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => Ok("on".into()),
            "off" | "false" | "no" | "0" => Ok("off".into()),
            _ => Err(bad("use on or off")),
        },
        "key-prefix" if valid_prefix(v) => Ok(v.into()),
        "key-prefix" => Err(bad("use 2 to 10 lower-case letters or digits, e.g. acme")),
        "default-expiry" if v.eq_ignore_ascii_case("never") => Ok("never".into()),
        "max-lifetime" if v.eq_ignore_ascii_case("none") => Ok("none".into()),
        // The duration's own message, with the setting named and its other choices.
        "default-expiry" => parse_duration(v, false)
            .map(|_| v.to_string())
            .map_err(|e| named(name, e, "use a duration such as 90d, or never")),
        "max-lifetime" => parse_duration(v, false)
            .map(|_| v.to_string())
            .map_err(|e| named(name, e, "use a duration such as 1y, or none")),
        "rotation-grace" | "purge-after" | "clipboard-clear" => parse_duration(v, true)
            .map(|_| v.to_string())
            .map_err(|e| named(name, e, "use a duration such as 24h, or 0 for none")),
        "notify-days" => parse_notify_days(v)
            .map(|d| d.iter().map(u32::to_string).collect::<Vec<_>>().join(","))
            .ok_or_else(|| bad("use whole days separated by commas, e.g. 30,14,7,3,1")),
        "date-format" => crate::domain::settings::validate_date_format(v)
            .map(|_| v.to_string())
            .ok_or_else(|| bad("use iso, us, eu or a strftime pattern such as %d.%m.%Y %H:%M")),
        "notify-smtp" | "notify-webhook" | "notify-from" if v.eq_ignore_ascii_case("none") => {
            Ok("none".into())
        }
        "notify-to" if v.eq_ignore_ascii_case("admins") => Ok("admins".into()),
        "notify-smtp" => notify::parse_smtp(v).map(|s| s.render()),
        "notify-webhook" => notify::parse_webhook(v).map(|w| w.render()),
        "notify-from" => notify::parse_from(v),
        "notify-to" => notify::parse_to(v).map(|to| to.join(",")),
        _ => Err(unknown(name)),
    }
}

fn named(name: &str, e: Error, hint: &str) -> Error {
    Error::usage(format!("{name}: {}", e.message().what)).hint(hint)
}

pub fn unknown(name: &str) -> Error {
    let names: Vec<&str> = SETTINGS.iter().map(|(n, _, _)| *n).collect();
    Error::usage(format!("unknown setting \"{}\"", name.escape_debug()))
        .hint(format!("settings are: {}", names.join(", ")))
}

/// Days, largest first, no duplicates, each 1–3650.
pub fn parse_notify_days(v: &str) -> Option<Vec<u32>> {
    let mut days: Vec<u32> = v
        .split(',')
        .map(|d| {
            d.trim()
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=3650).contains(d))
        })
        .collect::<Option<_>>()?;
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    Some(days)
}

/// The strftime pattern of a date format: `iso`, `us` and `eu` by name,
/// anything else is a pattern itself.
pub fn date_pattern(format: &str) -> &str {
    match format {
        "iso" => "%Y-%m-%d %H:%M",
        "us" => "%m/%d/%Y %-I:%M %p",
        "eu" => "%d/%m/%Y %H:%M",
        other => other,
    }
}

/// A date format parsed into what chrono renders, or `None` when chrono
/// cannot render it: a pattern with an unknown specifier, or one that
/// parses but fails to format (`%#z` is for parsing only). A sample date
/// in UTC and at an offset is rendered to find out, without panicking.
pub fn date_items(format: &str) -> Option<Vec<Item<'static>>> {
    let pattern = date_pattern(format);
    if pattern.is_empty() || pattern.chars().any(char::is_control) {
        return None;
    }
    let items = StrftimeItems::new(pattern).parse_to_owned().ok()?;
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return None;
    }
    // Text without a specifier would show every date as that text.
    if !items
        .iter()
        .any(|i| matches!(i, Item::Numeric(..) | Item::Fixed(_)))
    {
        return None;
    }
    let sample = DateTime::from_timestamp(1_795_000_000, 123_456_789)?;
    let east = FixedOffset::east_opt(5 * 3600 + 30 * 60)?;
    render_date(&items, &sample)?;
    render_date(&items, &sample.with_timezone(&east))?;
    Some(items)
}

/// `t` rendered with `items`; `None` when chrono reports a formatting
/// error (never a panic, unlike `to_string`). Some items fail only for
/// some dates (RFC 2822 outside years 0–9999), so callers keep a fallback.
pub fn render_date<Tz: TimeZone>(items: &[Item<'_>], t: &DateTime<Tz>) -> Option<String>
where
    Tz::Offset: fmt::Display,
{
    let mut out = String::new();
    write!(out, "{}", t.format_with_items(items.iter())).ok()?;
    Some(out)
}

/// `iso`, `us`, `eu`, or a strftime pattern chrono can render.
pub fn validate_date_format(v: &str) -> Option<()> {
    date_items(v).map(|_| ())
}

/// The settings of a store, with defaults filled in and typed accessors.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    values: BTreeMap<String, String>,
    /// The tenant whose `notify-to` [`Settings::get`] shows.
    tenant: Option<String>,
}

impl Settings {
    pub fn from_stored(values: BTreeMap<String, String>) -> Self {
        Settings {
            values,
            tenant: None,
        }
    }

    /// These settings as seen by `tenant`: `get("notify-to")` is its own.
    pub fn for_tenant(mut self, tenant: &str) -> Self {
        self.tenant = Some(tenant.to_string());
        self
    }

    pub fn get(&self, name: &str) -> &str {
        let stored = match (&self.tenant, name) {
            (Some(t), "notify-to") => self.values.get(&tenant_setting(name, t)),
            (None, "notify-to") => None,
            _ => self.values.get(name),
        };
        stored
            .map(String::as_str)
            .or_else(|| default_of(name))
            .unwrap_or("")
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    fn duration(&self, name: &str) -> Option<u64> {
        parse_duration(self.get(name), true).ok()
    }

    pub fn scoped_api(&self) -> bool {
        self.get("scoped-api") == "on"
    }
    pub fn key_prefix(&self) -> &str {
        self.get("key-prefix")
    }
    /// `None` when the default is never.
    pub fn default_expiry(&self) -> Option<u64> {
        self.duration("default-expiry")
            .filter(|_| self.get("default-expiry") != "never")
    }
    pub fn max_lifetime(&self) -> Option<u64> {
        self.duration("max-lifetime")
            .filter(|_| self.get("max-lifetime") != "none")
    }
    pub fn rotation_grace(&self) -> u64 {
        self.duration("rotation-grace").unwrap_or(86_400)
    }
    pub fn purge_after(&self) -> u64 {
        self.duration("purge-after").unwrap_or(7 * 86_400)
    }
    pub fn notify_days(&self) -> Vec<u32> {
        parse_notify_days(self.get("notify-days")).unwrap_or_else(|| vec![30, 14, 7, 3, 1])
    }
    pub fn clipboard_clear(&self) -> u64 {
        self.duration("clipboard-clear").unwrap_or(45)
    }
    pub fn date_format(&self) -> &str {
        self.get("date-format")
    }
    /// The SMTP channel, when set.
    pub fn notify_smtp(&self) -> Option<SmtpSetting> {
        Some(self.get("notify-smtp"))
            .filter(|v| *v != "none")
            .and_then(|v| notify::parse_smtp(v).ok())
    }
    pub fn notify_webhook(&self) -> Option<WebhookSetting> {
        Some(self.get("notify-webhook"))
            .filter(|v| *v != "none")
            .and_then(|v| notify::parse_webhook(v).ok())
    }
    pub fn notify_from(&self) -> Option<&str> {
        Some(self.get("notify-from")).filter(|v| *v != "none")
    }
    /// `tenant`'s own recipients, when it set them (else its admins get the notices).
    pub fn notify_to(&self, tenant: &str) -> Option<Vec<String>> {
        self.values
            .get(&tenant_setting("notify-to", tenant))
            .filter(|v| *v != "admins")
            .and_then(|v| notify::parse_to(v).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_valid() {
        for (name, default, _) in SETTINGS {
            assert_eq!(normalize(name, default).unwrap(), default, "{name}");
        }
    }

    #[test]
    fn values_are_validated() {
        assert_eq!(normalize("scoped-api", "ON").unwrap(), "on");
        assert_eq!(normalize("rotation-grace", " 48h").unwrap(), "48h");
        assert_eq!(normalize("notify-days", "1, 7,30,7").unwrap(), "30,7,1");
        assert!(normalize("key-prefix", "K").is_err());
        assert!(normalize("key-prefix", "abcdefghijk").is_err());
        assert!(normalize("max-lifetime", "0").is_err());
        assert!(normalize("notify-days", "0").is_err());
        assert!(normalize("notify-days", "x").is_err());
        assert!(normalize("date-format", "%Q").is_err());
        for no_specifier in ["hello", "%%", "at noon"] {
            assert!(
                normalize("date-format", no_specifier).is_err(),
                "{no_specifier}"
            );
        }
        assert!(normalize("date-format", "%d.%m.%Y").is_ok());
        assert!(normalize("colour", "x").is_err());
        let v = crate::domain::value::generate_value("kadm", crate::domain::key::KeyType::External);
        let e = normalize("date-format", &format!("%Y {}", v.expose())).unwrap_err();
        assert!(e.message().what.contains("looks like a key value"), "{e:?}");
    }

    #[test]
    fn date_formats_that_cannot_render_are_refused() {
        // %#z parses (it is for parsing offsets) but cannot format: it made
        // every list panic.
        for bad in ["%#z", "%Y-%m-%d %#z", "%Q", "%", "", "%Y\u{7}%m"] {
            assert!(validate_date_format(bad).is_none(), "{bad:?}");
            assert_eq!(
                normalize("date-format", bad).unwrap_err().exit_code(),
                2,
                "{bad:?}"
            );
        }
        for good in [
            "iso",
            "us",
            "eu",
            "%d.%m.%Y %H:%M",
            "%+",
            "%s",
            "%Z %z %:z",
            "%c",
        ] {
            assert!(validate_date_format(good).is_some(), "{good:?}");
        }
        let t = DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        let items = date_items("%d.%m.%Y").unwrap();
        assert_eq!(render_date(&items, &t).as_deref(), Some("18.11.2026"));
    }

    proptest::proptest! {
        #[test]
        fn no_date_pattern_panics(pattern in "([ -~]|%[-_0#:.3-9]{0,2}[a-zA-Z+%]|%){0,12}") {
            if let Some(items) = date_items(&pattern) {
                for t in [
                    DateTime::<chrono::Utc>::MIN_UTC,
                    DateTime::<chrono::Utc>::MAX_UTC,
                    DateTime::UNIX_EPOCH,
                ] {
                    let _ = render_date(&items, &t);
                    let west = FixedOffset::west_opt(11 * 3600).unwrap();
                    let _ = render_date(&items, &t.with_timezone(&west));
                }
            }
        }
    }

    #[test]
    fn typed_accessors_use_defaults() {
        let s = Settings::default();
        assert!(!s.scoped_api());
        assert_eq!(s.rotation_grace(), 86_400);
        assert_eq!(s.max_lifetime(), None);
        assert_eq!(s.default_expiry(), None);
        assert_eq!(s.notify_days(), vec![30, 14, 7, 3, 1]);
    }
}
