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
/// 1–64 of `[A-Za-z0-9._@-]`, not starting with `-`, and no key value.
pub fn validate_user_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b));
    if !ok {
        return Err(
            Error::usage(format!("invalid user name \"{}\"", name.escape_debug()))
                .hint("use 1 to 64 letters, digits or . _ @ - (the name the person runs keyadm as, e.g. alice)"),
        );
    }
    crate::domain::value::refuse_value_in("user name", name)
}

/// The characters RFC 5322 allows in a dot-atom besides letters and digits.
const ATEXT_SPECIALS: &[u8] = b"!#$%&'*+-/=?^_`{|}~";

/// A dot-atom local part (RFC 5322 atext between single dots) that cannot
/// read as a command-line option: not starting with `-` or `.`.
fn valid_local_part(local: &str) -> bool {
    (1..=64).contains(&local.len())
        && !local.starts_with(['-', '.'])
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || ATEXT_SPECIALS.contains(&b))
        })
}

/// A host name: at least two dot-separated labels of letters, digits and
/// `-` (LDH), each 1–63 long and neither starting nor ending with `-`.
fn valid_mail_domain(domain: &str) -> bool {
    domain.len() <= 253
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Is `email` an address keyadm hands to a mailer: a dot-atom local part
/// not starting with `-` or `.`, `@`, a host name; no quoted local part,
/// no spaces, commas or control characters, at most 254 bytes? (Empty,
/// "none", is not an address: see [`validate_email`].)
pub fn is_valid_email(email: &str) -> bool {
    email.len() <= 254
        && match email.split_once('@') {
            Some((local, domain)) => valid_local_part(local) && valid_mail_domain(domain),
            None => false,
        }
}

/// An email address: empty (none), or one that [`is_valid_email`] accepts.
/// Addresses reach a mailer's command line through hooks, so anything that
/// could read as an option or a second recipient is refused.
pub fn validate_email(email: &str) -> Result<()> {
    if email.is_empty() {
        return Ok(());
    }
    crate::domain::value::refuse_value_in("email", email)?;
    if is_valid_email(email) {
        Ok(())
    } else {
        Err(
            Error::usage(format!("invalid email \"{}\"", email.escape_debug()))
                .hint("give one address such as alice@example.com (not starting with - or ., no spaces, commas or quotes; an international domain as xn--…), or '' for none"),
        )
    }
}

/// The recipients of a tenant's notices: the valid emails of its enabled
/// admins, sorted, without duplicates, and the names of the admins whose
/// stored email is not valid (an older release accepted any), who are
/// skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeRecipients {
    pub emails: Vec<String>,
    pub skipped_users: Vec<String>,
}

/// Who gets the notices of `tenant`, from its users (any list of users; the
/// others are ignored).
pub fn notice_recipients<'u>(
    tenant: &str,
    users: impl IntoIterator<Item = &'u User>,
) -> NoticeRecipients {
    let mut r = NoticeRecipients::default();
    for u in users {
        if u.tenant != tenant || u.role != Role::Admin || !u.enabled || u.email.is_empty() {
            continue;
        }
        if is_valid_email(&u.email) && !crate::domain::value::contains_value_like(&u.email) {
            r.emails.push(u.email.clone());
        } else {
            r.skipped_users.push(u.name.clone());
        }
    }
    r.emails.sort();
    r.emails.dedup();
    r.skipped_users.sort();
    r.skipped_users.dedup();
    r
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
    crate::domain::value::refuse_value_in("display name", text)
}

/// A group: 1–40 of `[A-Za-z0-9._:/-]` (the same alphabet as tags).
pub fn validate_group(group: &str) -> Result<()> {
    crate::domain::value::refuse_value_in("group", group)?;
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
    }

    #[test]
    fn emails_are_dot_atoms_at_host_names() {
        for good in [
            "o'brien@example.ie",
            "a_b{c}|d~e@x-y.example.com",
            "user+tag@xn--bcher-kva.example",
            "x@1.2",
            &format!("{}@{}.example", "l".repeat(64), "d".repeat(63)),
        ] {
            assert!(is_valid_email(good), "{good}");
            assert!(validate_email(good).is_ok(), "{good}");
        }
        for bad in [
            // The review's attack and its variants: options and extra recipients.
            "-X!cat${IFS}$KEYADM_MASTER_KEY_FILE>./pwned,r@a.b",
            "-Smta=/path/to/program,r@a.b",
            "x,boss@rival.example",
            "-x@a.b",
            ".a@b.co",
            "a.@b.co",
            "a..b@c.co",
            "\"quoted\"@b.co",
            "a\tb@c.co",
            "a@b.co\n",
            "a\u{7f}@b.co",
            "a<b@c.co",
            "a(b)@c.co",
            "a;b@c.co",
            "é@x.co",
            "a@bü.co",
            "a@b_c.co",
            "a@-b.co",
            "a@b-.co",
            "a@b..co",
            "a@b.co.",
            "a@[1.2.3.4]",
            &format!("{}@b.co", "l".repeat(65)),
            &format!("a@{}.co", "d".repeat(64)),
            &format!("a@{}.co", "d.".repeat(130)),
        ] {
            assert!(!is_valid_email(bad), "{bad:?}");
            let e = validate_email(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}");
            assert!(e.message().hint.is_some(), "{bad:?}");
        }
    }

    #[test]
    fn notice_recipients_skip_invalid_stored_emails_by_user_name() {
        let mut users = Vec::new();
        for (name, email, role, enabled, tenant) in [
            ("ann", "ann@acme.example", Role::Admin, true, "acme"),
            ("zoe", "zoe@acme.example", Role::Admin, true, "acme"),
            ("dup", "ann@acme.example", Role::Admin, true, "acme"),
            ("mal", "-X!cat,r@a.b", Role::Admin, true, "acme"),
            ("nomail", "", Role::Admin, true, "acme"),
            ("mem", "mem@acme.example", Role::Member, true, "acme"),
            ("off", "off@acme.example", Role::Admin, false, "acme"),
            ("gary", "gary@globex.example", Role::Admin, true, "globex"),
        ] {
            let mut u = user(&[]);
            u.name = name.into();
            u.email = email.into();
            u.role = role;
            u.enabled = enabled;
            u.tenant = tenant.into();
            users.push(u);
        }
        let r = notice_recipients("acme", &users);
        assert_eq!(r.emails, ["ann@acme.example", "zoe@acme.example"]);
        assert_eq!(r.skipped_users, ["mal"]);
        assert_eq!(
            notice_recipients("globex", &users).emails,
            ["gary@globex.example"]
        );
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
