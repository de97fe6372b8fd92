//! The requests of `user add` and `user edit`: their values checked
//! before the store is opened (so that bad input changes and creates
//! nothing), and an edit applied to a user.

use crate::domain::org::{tenant_of, validate_org};
use crate::domain::rules::Rule;
use crate::domain::user::{
    validate_display_name, validate_email, validate_group, validate_user_name, Role, User,
};
use crate::error::{Error, Result};

/// A new user's fields, checked before the store is opened.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub(super) name: String,
    pub(super) display_name: String,
    pub(super) email: String,
    pub(super) groups: Vec<String>,
    pub(super) role: Role,
    pub(super) privileges: Vec<Rule>,
}

impl NewUser {
    pub fn parse(
        name: &str,
        display_name: &str,
        email: &str,
        groups: &[String],
        role: &str,
        allow: &[String],
    ) -> Result<NewUser> {
        validate_user_name(name)?;
        validate_display_name(display_name)?;
        validate_email(email)?;
        let groups = parse_groups(groups)?;
        let privileges = dedup(parse_rules(allow)?);
        Ok(NewUser {
            name: name.to_string(),
            display_name: display_name.to_string(),
            email: email.to_string(),
            groups,
            role: role.parse()?,
            privileges,
        })
    }
}

/// What `user edit` is asked to change, as given.
#[derive(Debug, Clone, Default)]
pub struct UserEdit {
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub move_to: Option<String>,
    pub group: Vec<String>,
    pub ungroup: Vec<String>,
    pub role: Option<String>,
    pub allow: Vec<String>,
    pub disallow: Vec<String>,
}

/// A [`UserEdit`] whose values are checked (before the store is opened).
#[derive(Debug, Clone)]
pub struct CheckedEdit {
    edit: UserEdit,
    role: Option<Role>,
    allow: Vec<Rule>,
    disallow: Vec<Rule>,
}

impl UserEdit {
    pub fn is_empty(&self) -> bool {
        self.display_name.is_none()
            && self.email.is_none()
            && self.move_to.is_none()
            && self.group.is_empty()
            && self.ungroup.is_empty()
            && self.role.is_none()
            && self.allow.is_empty()
            && self.disallow.is_empty()
    }

    pub fn check(self) -> Result<CheckedEdit> {
        if self.is_empty() {
            return Err(Error::usage("nothing to change").hint(
                "pass what to change: --display-name, --email, --move-to, --group, --ungroup, --role, --allow, --disallow",
            ));
        }
        if let Some(d) = &self.display_name {
            validate_display_name(d)?;
        }
        if let Some(e) = &self.email {
            validate_email(e)?;
        }
        if let Some(o) = &self.move_to {
            validate_org(o)?;
        }
        parse_groups(&self.group)?;
        let allow = parse_rules(&self.allow)?;
        let disallow = parse_rules(&self.disallow)?;
        let role = self.role.as_deref().map(str::parse).transpose()?;
        Ok(CheckedEdit {
            edit: self,
            role,
            allow,
            disallow,
        })
    }
}

impl CheckedEdit {
    pub(super) fn apply(&self, old: &User) -> Result<User> {
        let a = &self.edit;
        let mut u = old.clone();
        if let Some(d) = &a.display_name {
            u.display_name = d.clone();
        }
        if let Some(e) = &a.email {
            u.email = e.clone();
        }
        if let Some(org) = &a.move_to {
            if tenant_of(org) != u.tenant {
                return Err(Error::refused(format!(
                    "user \"{}\" belongs to tenant \"{}\" and cannot move to another tenant",
                    u.name, u.tenant
                ))
                .hint("give an organization of the same tenant, or remove the user and add them in the other tenant"));
            }
            u.org = org.clone();
        }
        for g in &a.group {
            if !u.groups.contains(g) {
                u.groups.push(g.clone());
            }
        }
        u.groups.retain(|g| !a.ungroup.contains(g));
        if let Some(r) = self.role {
            u.role = r;
        }
        for r in &self.disallow {
            if !u.privileges.contains(r) {
                return Err(
                    Error::usage(format!("user \"{}\" has no privilege \"{r}\"", u.name))
                        .hint("see them with: keyadm user list --json"),
                );
            }
        }
        u.privileges.retain(|r| !self.disallow.contains(r));
        for r in &self.allow {
            if !u.privileges.contains(r) {
                u.privileges.push(r.clone());
            }
        }
        Ok(u)
    }
}

fn parse_groups(groups: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for g in groups {
        validate_group(g)?;
        if !out.contains(g) {
            out.push(g.clone());
        }
    }
    Ok(out)
}

fn parse_rules(items: &[String]) -> Result<Vec<Rule>> {
    items.iter().map(|s| s.parse()).collect()
}

fn dedup(rules: Vec<Rule>) -> Vec<Rule> {
    let mut out: Vec<Rule> = Vec::new();
    for r in rules {
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> User {
        User {
            name: "alice".into(),
            display_name: String::new(),
            email: String::new(),
            org: "acme/emea".into(),
            tenant: "acme".into(),
            groups: vec!["ops".into()],
            role: Role::Member,
            enabled: true,
            privileges: vec!["GET /api/**".parse().unwrap()],
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn an_empty_edit_is_a_usage_error() {
        assert_eq!(UserEdit::default().check().unwrap_err().exit_code(), 2);
    }

    #[test]
    fn an_edit_applies_groups_role_and_privileges() {
        let edit = UserEdit {
            group: vec!["sre".into()],
            ungroup: vec!["ops".into()],
            role: Some("admin".into()),
            allow: vec!["POST /api/**".into()],
            disallow: vec!["GET /api/**".into()],
            move_to: Some("acme".into()),
            ..Default::default()
        };
        let u = edit.check().unwrap().apply(&alice()).unwrap();
        assert_eq!(u.groups, ["sre"]);
        assert_eq!(u.role, Role::Admin);
        assert_eq!(u.org, "acme");
        assert_eq!(u.privileges, vec!["POST /api/**".parse::<Rule>().unwrap()]);
    }

    #[test]
    fn a_user_stays_in_its_tenant_and_loses_only_privileges_it_has() {
        let move_out = UserEdit {
            move_to: Some("globex".into()),
            ..Default::default()
        };
        let e = move_out.check().unwrap().apply(&alice()).unwrap_err();
        assert_eq!(e.exit_code(), 4);
        let disallow = UserEdit {
            disallow: vec!["DELETE /api/**".into()],
            ..Default::default()
        };
        let e = disallow.check().unwrap().apply(&alice()).unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}
