//! Users (people and service accounts known to the store): their fields and
//! checks, and their role.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::rules::Rule;
use crate::error::{Error, Result};

/// What a user may do with the keys of their tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages the tenant: keys, users and organizations.
    Admin,
    /// Sees the tenant's keys; changes none.
    #[default]
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "member" => Ok(Role::Member),
            _ => Err(
                Error::usage(format!("unknown role \"{}\"", s.escape_debug()))
                    .hint("use --role admin or --role member"),
            ),
        }
    }
}

/// A user as the store holds it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub display_name: String,
    pub email: String,
    pub org: String,
    pub tenant: String,
    pub groups: Vec<String>,
    pub role: Role,
    pub enabled: bool,
    /// What the user may do, as allow rules.
    pub privileges: Vec<Rule>,
    pub created_at: DateTime<Utc>,
}

impl User {
    pub fn state(&self) -> &'static str {
        if self.enabled {
            "enabled"
        } else {
            "disabled"
        }
    }

    /// Is the user in `group` (if given), and does `search` (if given) occur,
    /// case-insensitively, in their name, display name, email, organization
    /// or a group? (`user list` filters and the guided user picker.)
    pub fn matches(&self, group: Option<&str>, search: Option<&str>) -> bool {
        if group.is_some_and(|g| !self.groups.iter().any(|x| x == g)) {
            return false;
        }
        let Some(s) = search.map(str::to_lowercase) else {
            return true;
        };
        [&self.name, &self.display_name, &self.email, &self.org]
            .into_iter()
            .chain(self.groups.iter())
            .any(|f| f.to_lowercase().contains(&s))
    }

    /// The first of `rules` that this user's privileges do not cover.
    pub fn uncovered_rule<'r>(&self, rules: &'r [Rule]) -> Option<&'r Rule> {
        rules
            .iter()
            .find(|r| !self.privileges.iter().any(|p| r.is_covered_by(p)))
    }
}

/// A user name: what `--actor` (or the OS login name) is compared with, so
/// 1–64 of `[A-Za-z0-9._@-]`, not starting with `-`.
pub fn validate_user_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(
            Error::usage(format!("invalid user name \"{}\"", name.escape_debug()))
                .hint("use 1 to 64 letters, digits or . _ @ - (the name the person runs keyadm as, e.g. alice)"),
        )
    }
}

/// An email address: empty (none), or one `@` between a local part and a
/// dotted domain, no spaces or control characters.
pub fn validate_email(email: &str) -> Result<()> {
    if email.is_empty() {
        return Ok(());
    }
    let ok = email.len() <= 254
        && !email.chars().any(|c| {
            // Bidirectional and invisible characters would make notices go
            // to an address other than the one shown.
            c.is_whitespace() || c.is_control() || crate::domain::key::is_deceptive(c)
        })
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if ok {
        Ok(())
    } else {
        Err(
            Error::usage(format!("invalid email \"{}\"", email.escape_debug()))
                .hint("give an address such as alice@example.com, or '' for none"),
        )
    }
}

/// A display name: one line of up to 100 printable characters.
pub fn validate_display_name(text: &str) -> Result<()> {
    let bad = || {
        Error::usage("invalid display name: use one line of up to 100 characters")
            .hint("e.g. --display-name 'Alice Martin'")
    };
    if text.chars().count() > 100 || text.chars().any(crate::domain::key::is_deceptive) {
        return Err(bad());
    }
    // What else a description refuses (a pasted key value), said about the display name.
    crate::domain::key::validate_description(text).map_err(|e| {
        let what = e
            .message()
            .what
            .replace("the description", "the display name");
        Error::usage(what).hint("e.g. --display-name 'Alice Martin'")
    })
}

/// A group: 1–40 of `[A-Za-z0-9._:/-]` (the same alphabet as tags).
pub fn validate_group(group: &str) -> Result<()> {
    crate::domain::key::validate_tag(group).map_err(|_| {
        Error::usage(format!("invalid group \"{}\"", group.escape_debug()))
            .hint("a group is 1 to 40 letters, digits or . _ : / - (e.g. support)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(list: &[&str]) -> Vec<Rule> {
        list.iter().map(|r| r.parse().unwrap()).collect()
    }

    fn user(privileges: &[&str]) -> User {
        User {
            name: "alice".into(),
            display_name: String::new(),
            email: String::new(),
            org: "acme".into(),
            tenant: "acme".into(),
            groups: vec![],
            role: Role::Member,
            enabled: true,
            privileges: rules(privileges),
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn names_emails_and_roles_are_checked() {
        for good in ["alice", "a.b-c_d", "ops@example.com", "A1"] {
            assert!(validate_user_name(good).is_ok(), "{good}");
        }
        for bad in ["", "-x", "a b", "a/b", "é", &"x".repeat(65)] {
            assert!(validate_user_name(bad).is_err(), "{bad}");
        }
        for good in ["", "a@b.co", "first.last+tag@mail.example.com"] {
            assert!(validate_email(good).is_ok(), "{good}");
        }
        for bad in [
            "a", "a@b", "@b.co", "a@b@c.co", "a b@c.co", "a@.co", "a@co.",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
        assert_eq!("ADMIN".parse::<Role>().unwrap(), Role::Admin);
        assert!("owner".parse::<Role>().is_err());
        assert!(validate_display_name("Alice Martin").is_ok());
        assert!(validate_display_name("a\nb").is_err());
        assert!(validate_group("support").is_ok());
        assert!(validate_group("a b").is_err());
    }

    #[test]
    fn users_match_by_group_and_search_text() {
        let mut u = user(&[]);
        u.display_name = "Alice Martin".into();
        u.groups = vec!["support".into()];
        assert!(u.matches(None, None));
        assert!(u.matches(Some("support"), Some("MART")));
        assert!(u.matches(None, Some("acme")));
        assert!(!u.matches(Some("sales"), None));
        assert!(!u.matches(None, Some("bob")));
    }

    #[test]
    fn uncovered_rule_names_the_first_rule_outside_the_privileges() {
        let u = user(&["GET /api/v1/**", "POST /api/v1/tickets/*"]);
        let ok = rules(&["GET /api/v1/users/*", "POST /api/v1/tickets/7"]);
        assert_eq!(u.uncovered_rule(&ok), None);
        let bad = rules(&["GET /api/v1/users/*", "POST /api/v1/users/*"]);
        assert_eq!(
            u.uncovered_rule(&bad).map(|r| r.to_string()),
            Some("POST /api/v1/users/*".into())
        );
        assert!(user(&[]).uncovered_rule(&ok).is_some());
    }
}
