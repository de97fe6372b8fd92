//! A key as asked for (by `generate`, `import` or an edit) and the rules
//! that decide whether it may be: what each type takes (written once here
//! for generate, import, edit and enable), expiries within the store's
//! max-lifetime, and the refusals for names.

use chrono::{DateTime, Duration, Utc};

use crate::domain::expiry::{format_duration, Expiry};
use crate::domain::key::{validate_tag, KeyType};
use crate::domain::org::org_not_found;
use crate::domain::rate_limit::RateLimit;
use crate::domain::rules::{IpRange, Origin, Rule};
use crate::domain::settings::Settings;
use crate::domain::user::validate_user_name;
use crate::error::{Error, Result};

/// The parts of a new key that its options decide, checked before the
/// store is touched.
#[derive(Debug, Clone)]
pub struct KeySpec {
    pub name: String,
    pub key_type: KeyType,
    pub description: String,
    pub expires: Option<Expiry>,
    pub rules: Vec<Rule>,
    pub origins: Vec<Origin>,
    pub ips: Vec<IpRange>,
    pub tags: Vec<String>,
    pub rotate_every: Option<u64>,
    pub rate_limit: Option<RateLimit>,
    /// Empty until resolved (the actor's organization, once the store is open).
    pub org: String,
    pub user: Option<String>,
    pub show_once: bool,
}

impl KeySpec {
    /// A key named `name` of `key_type`, with no other option set (the
    /// actor's organization, no expiry beyond the store's default).
    pub fn new(name: impl Into<String>, key_type: KeyType) -> KeySpec {
        KeySpec {
            name: name.into(),
            key_type,
            description: String::new(),
            expires: None,
            rules: Vec::new(),
            origins: Vec::new(),
            ips: Vec::new(),
            tags: Vec::new(),
            rotate_every: None,
            rate_limit: None,
            org: String::new(),
            user: None,
            show_once: false,
        }
    }

    /// Checks what the key's type allows of its options.
    pub fn check_type_rules(&self) -> Result<()> {
        check_type_rules(
            self.key_type,
            Given {
                expiry: matches!(self.expires, Some(Expiry::At(_))),
                rules: !self.rules.is_empty(),
                allow_lists: !self.origins.is_empty() || !self.ips.is_empty(),
                user: self.user.is_some(),
            },
            self.rules.len(),
        )
    }
}

/// Which of the type-bound options a command was given.
#[derive(Debug, Clone, Copy, Default)]
pub struct Given {
    /// `--expires` with a time (`never` suits every type).
    pub expiry: bool,
    /// `--allow` (or, on edit, `--disallow`).
    pub rules: bool,
    /// `--origin` or `--ip`.
    pub allow_lists: bool,
    /// `--user` (a name or `all`).
    pub user: bool,
}

fn a_or_an(t: KeyType) -> &'static str {
    match t {
        KeyType::Internal | KeyType::External => "an",
        KeyType::Custom | KeyType::Desktop => "a",
    }
}

/// What a key's type allows of the options given (SPEC §1, key types);
/// `rules_after` is how many allow rules the key has with them.
pub fn check_type_rules(t: KeyType, given: Given, rules_after: usize) -> Result<()> {
    if given.expiry && !t.takes_expiry() {
        return Err(Error::usage(format!("{t} keys take no expiry"))
            .hint("leave out --expires: a desktop key never expires"));
    }
    if given.rules && !t.takes_rules() {
        return Err(Error::usage(format!(
            "only custom keys take allow rules, and this is {} {t} key",
            a_or_an(t)
        ))
        .hint("a scoped key is a custom key: keyadm generate NAME --type custom --allow 'GET /path/*'"));
    }
    if t.takes_rules() && rules_after == 0 {
        return Err(Error::usage("a custom key needs at least one allow rule")
            .hint("give one, e.g. --allow 'GET /api/v1/users/*'"));
    }
    if given.allow_lists && !t.takes_allow_lists() {
        return Err(
            Error::usage(format!("{t} keys take no --origin or --ip")).hint(
                "leave out --origin and --ip: a desktop key is not limited by origin or address",
            ),
        );
    }
    if given.user && !t.takes_user() {
        return Err(Error::usage(format!("{t} keys cannot be bound to a user"))
            .hint("only external and custom keys take --user"));
    }
    Ok(())
}

/// Items that parse one by one (rules, origins, addresses).
pub fn parse_list<T: std::str::FromStr<Err = Error>>(items: &[String]) -> Result<Vec<T>> {
    items.iter().map(|s| s.parse()).collect()
}

/// Checks and de-duplicates tags.
pub fn parse_tags(tags: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        validate_tag(t)?;
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    Ok(out)
}

/// `--user NAME|all`: `None` for all users.
pub fn parse_user_binding(user: Option<&str>) -> Result<Option<String>> {
    match user {
        None | Some("all") => Ok(None),
        Some(name) => validate_user_name(name).map(|()| Some(name.to_string())),
    }
}

/// The expiry a new key gets: its own, else the default, within max-lifetime.
pub fn resolve_expiry(
    spec_expiry: Option<Expiry>,
    key_type: KeyType,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    if !key_type.takes_expiry() {
        return Ok(None);
    }
    let max = settings.max_lifetime();
    let expiry = match spec_expiry {
        Some(e) => e,
        // The default never goes beyond max-lifetime: it is capped there.
        None => match settings
            .default_expiry()
            .map_or(max, |d| Some(max.map_or(d, |m| d.min(m))))
        {
            Some(secs) => Expiry::At(now + Duration::seconds(secs as i64)),
            None => Expiry::Never,
        },
    };
    check_max_lifetime(expiry, settings, now)?;
    Ok(expiry.at())
}

/// Refuses `never` and expiries beyond the `max-lifetime` setting.
pub fn check_max_lifetime(expiry: Expiry, settings: &Settings, now: DateTime<Utc>) -> Result<()> {
    let Some(max) = settings.max_lifetime() else {
        return Ok(());
    };
    let limit = now + Duration::seconds(max as i64);
    let beyond = match expiry {
        Expiry::Never => true,
        Expiry::At(t) => t > limit,
    };
    if beyond {
        let max = format_duration(max);
        return Err(Error::refused(format!(
            "the expiry is beyond the store's max-lifetime of {max}"
        ))
        .hint(format!("give --expires {max} or sooner")));
    }
    Ok(())
}

/// What the store's settings and organizations say about a new key.
pub fn check_store_rules(spec: &KeySpec, settings: &Settings, org_exists: bool) -> Result<()> {
    if spec.key_type == KeyType::Custom && !settings.scoped_api() {
        return Err(
            Error::refused("custom keys need the scoped-api setting, which is off")
                .hint("turn it on with: keyadm config set scoped-api on"),
        );
    }
    if !org_exists {
        return Err(org_not_found(&spec.org));
    }
    Ok(())
}

/// The refusal for a name another key of the tenant has (exit 4).
pub fn name_taken(name: &str, tenant: &str) -> Error {
    Error::refused(format!(
        "a key named \"{name}\" already exists in tenant \"{tenant}\""
    ))
    .hint(format!(
        "choose another name, or look at that key: keyadm show \"{name}\""
    ))
}

/// The refusal for a name that is another key's ID (KEY arguments are
/// looked up by ID first, so the key could never be reached by its name).
pub fn name_is_an_id(name: &str) -> Error {
    Error::refused(format!(
        "\"{name}\" is the ID of another key, so it cannot be a key's name"
    ))
    .hint("choose another name")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given() -> Given {
        Given::default()
    }

    fn hint(e: &Error) -> String {
        e.message().hint.clone().unwrap_or_default()
    }

    #[test]
    fn each_type_takes_what_the_spec_says() {
        let every = Given {
            expiry: true,
            rules: true,
            allow_lists: true,
            user: true,
        };
        assert!(check_type_rules(KeyType::Custom, every, 1).is_ok());
        assert!(check_type_rules(
            KeyType::External,
            Given {
                rules: false,
                ..every
            },
            0
        )
        .is_ok());
        let internal = check_type_rules(
            KeyType::Internal,
            Given {
                expiry: true,
                allow_lists: true,
                user: true,
                ..given()
            },
            0,
        );
        assert!(internal
            .unwrap_err()
            .message()
            .what
            .contains("cannot be bound to a user"));
        for (g, says) in [
            (
                Given {
                    expiry: true,
                    ..given()
                },
                "desktop keys take no expiry",
            ),
            (
                Given {
                    allow_lists: true,
                    ..given()
                },
                "desktop keys take no --origin or --ip",
            ),
            (
                Given {
                    user: true,
                    ..given()
                },
                "desktop keys cannot be bound to a user",
            ),
            (
                Given {
                    rules: true,
                    ..given()
                },
                "and this is a desktop key",
            ),
        ] {
            let e = check_type_rules(KeyType::Desktop, g, 0).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(e.message().what.contains(says), "{}", e.message().what);
            assert!(!hint(&e).is_empty());
        }
        let e = check_type_rules(
            KeyType::External,
            Given {
                rules: true,
                ..given()
            },
            1,
        )
        .unwrap_err();
        assert!(
            e.message().what.ends_with("this is an external key"),
            "{}",
            e.message().what
        );
    }

    #[test]
    fn a_custom_key_keeps_at_least_one_rule() {
        let e = check_type_rules(KeyType::Custom, given(), 0).unwrap_err();
        assert_eq!(
            e.message().what,
            "a custom key needs at least one allow rule"
        );
        assert!(hint(&e).contains("--allow"));
    }

    #[test]
    fn a_taken_name_is_refused_with_a_pointer_to_the_other_key() {
        let e = name_taken("billing", "acme");
        assert_eq!(e.exit_code(), 4);
        assert!(hint(&e).contains("keyadm show \"billing\""));
    }

    #[test]
    fn all_is_no_binding() {
        assert_eq!(parse_user_binding(Some("all")).unwrap(), None);
        assert_eq!(parse_user_binding(None).unwrap(), None);
        assert_eq!(
            parse_user_binding(Some("ana")).unwrap().as_deref(),
            Some("ana")
        );
    }
}
