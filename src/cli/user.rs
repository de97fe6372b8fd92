//! `keyadm user add|list|edit|enable|disable|remove`: the users of a tenant,
//! their role and privileges (changes audited, action `user`); and the
//! check that binds a key to a user.

use clap::{Args, Subcommand};
use comfy_table::Cell;
use serde::Serialize;
use serde_json::{json, Value};

use super::edit::diff;
use super::generate::parse_list;
use super::Context;
use crate::output::table::new_table;
use keyadm::domain::org::{org_not_found, tenant_of};
use keyadm::domain::rules::Rule;
use keyadm::domain::user::{
    validate_display_name, validate_email, validate_group, validate_user_name, Role, User,
};
use keyadm::ops::Right;
use keyadm::store::{NewAudit, Tx};
use keyadm::{Error, Result};

#[derive(Args, Debug)]
pub struct UserArgs {
    #[command(subcommand)]
    pub action: UserAction,
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Register a user in an organization (--org, else the actor's, else default)
    Add(AddArgs),
    /// List users (--org: at and below it)
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Change a user's fields, role or privileges
    Edit(EditArgs),
    /// Enable users (idempotent)
    Enable(NamesArgs),
    /// Disable users: keys bound to them deny everything (idempotent)
    Disable(NamesArgs),
    /// Remove users: keys bound to them deny everything
    Remove(NamesArgs),
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// The user's name: what they run keyadm as (--actor, KEYADM_ACTOR or the login name)
    pub name: String,
    /// The name to show, e.g. 'Alice Martin'
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub display_name: String,
    /// Where expiry notices go (admins)
    #[arg(long, value_name = "ADDRESS", default_value = "")]
    pub email: String,
    /// A group (repeatable)
    #[arg(long, value_name = "GROUP")]
    pub group: Vec<String>,
    /// admin: manages the tenant's keys, users and organizations; member: sees them
    #[arg(long, default_value = "member", value_parser = ["admin", "member"])]
    pub role: String,
    /// A privilege, as an allow rule (repeatable), e.g. 'GET /api/v1/**'
    #[arg(long, value_name = "'METHOD PATTERN'")]
    pub allow: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Users in this group
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
    /// Users whose name, display name, email, organization or groups contain TEXT
    #[arg(long, short = 's', value_name = "TEXT")]
    pub search: Option<String>,
}

#[derive(Args, Debug)]
pub struct EditArgs {
    /// The user's name
    pub name: String,
    /// A new display name
    #[arg(long, value_name = "TEXT")]
    pub display_name: Option<String>,
    /// A new email ('' clears it)
    #[arg(long, value_name = "ADDRESS")]
    pub email: Option<String>,
    /// Move the user to another organization of the same tenant
    #[arg(long, value_name = "PATH")]
    pub move_to: Option<String>,
    /// Add a group (repeatable)
    #[arg(long, value_name = "GROUP")]
    pub group: Vec<String>,
    /// Remove a group (repeatable)
    #[arg(long, value_name = "GROUP")]
    pub ungroup: Vec<String>,
    /// A new role
    #[arg(long, value_parser = ["admin", "member"])]
    pub role: Option<String>,
    /// Add a privilege (repeatable)
    #[arg(long, value_name = "'METHOD PATTERN'")]
    pub allow: Vec<String>,
    /// Remove a privilege (repeatable)
    #[arg(long, value_name = "'METHOD PATTERN'")]
    pub disallow: Vec<String>,
}

#[derive(Args, Debug)]
pub struct NamesArgs {
    /// The users' names
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
}

/// A user as `user list --json` and the other `--json` outputs show it.
#[derive(Serialize)]
struct UserJson<'a> {
    #[serde(flatten)]
    user: &'a User,
    state: &'static str,
    /// Keys bound to the user.
    keys: i64,
}

pub fn run(ctx: &mut Context, args: UserArgs) -> Result<()> {
    match args.action {
        UserAction::Add(a) => add(ctx, a),
        UserAction::List(a) => list(ctx, a),
        UserAction::Edit(a) => edit(ctx, a),
        UserAction::Enable(a) => set_enabled(ctx, a, true),
        UserAction::Disable(a) => set_enabled(ctx, a, false),
        UserAction::Remove(a) => remove(ctx, a),
    }
}

fn user_not_found(name: &str) -> Error {
    Error::not_found(format!("no user \"{name}\"")).hint("list the users with: keyadm user list")
}

/// A user the actor may see: any for the operator, their tenant's for a user.
fn find_visible(tx: &Tx, ctx: &Context, name: &str) -> Result<User> {
    tx.find_user(name)?
        .filter(|u| ctx.confined_tenant().is_none_or(|t| t == u.tenant))
        .ok_or_else(|| user_not_found(name))
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

fn dedup(rules: Vec<Rule>) -> Vec<Rule> {
    let mut out: Vec<Rule> = Vec::new();
    for r in rules {
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

fn audit_user(tx: &Tx, actor: &str, user: &User, details: Value) -> Result<()> {
    tx.append_audit(NewAudit {
        actor,
        action: "user",
        key_id: None,
        key_name: None,
        tenant: Some(&user.tenant),
        details,
    })
}

fn add(ctx: &mut Context, a: AddArgs) -> Result<()> {
    validate_user_name(&a.name)?;
    validate_display_name(&a.display_name)?;
    validate_email(&a.email)?;
    let groups = parse_groups(&a.group)?;
    let privileges = dedup(parse_list(&a.allow)?);
    let role: Role = a.role.parse()?;
    let actor = ctx.actor();
    let now = ctx.now();
    let mut store = ctx.open_write()?;
    store.require(Right::Admin, "add users")?;
    let org = ctx.org();
    if ctx.confined_tenant().is_some_and(|t| t != tenant_of(&org)) {
        return Err(org_not_found(&org));
    }
    let user = store.write(Right::Admin, "add users", |tx| {
        if !tx.org_exists(&org)? {
            return Err(org_not_found(&org));
        }
        if tx.is_operator(&a.name)? {
            return Err(Error::refused(format!(
                "the name \"{}\" is reserved: it is an operator of this store",
                a.name
            ))
            .hint("choose another name (keyadm operator list shows the reserved ones)"));
        }
        if tx.find_user(&a.name)?.is_some() {
            return Err(
                Error::refused(format!("the user name \"{}\" is taken", a.name))
                    .hint("choose another name (user names are unique in the store)"),
            );
        }
        let bound = tx.count_keys_bound_to(&a.name)?;
        if bound > 0 {
            return Err(Error::refused(format!(
                "{bound} key{} still bound to the removed user \"{}\"; a new user of that name would inherit them",
                if bound == 1 { " is" } else { "s are" },
                a.name
            ))
            .hint(format!(
                "rebind or delete them first: keyadm list --user {} (then keyadm edit KEY --user all)",
                a.name
            )));
        }
        let user = User {
            name: a.name.clone(),
            display_name: a.display_name.clone(),
            email: a.email.clone(),
            org: org.clone(),
            tenant: tenant_of(&org).to_string(),
            groups: groups.clone(),
            role,
            enabled: true,
            privileges: privileges.clone(),
            created_at: now,
        };
        tx.insert_user(&user)?;
        audit_user(tx, &actor, &user, json!({"op": "add", "user": user}))?;
        Ok(user)
    })?;
    if ctx.printer.json {
        ctx.printer.json(&UserJson {
            user: &user,
            state: user.state(),
            keys: 0,
        });
    } else {
        ctx.printer.note(format!(
            "Added {} \"{}\" to {} (tenant {}).",
            user.role, user.name, user.org, user.tenant
        ));
    }
    Ok(())
}

fn join(items: &[impl ToString]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn list(ctx: &mut Context, a: ListArgs) -> Result<()> {
    let mut store = ctx.open_read()?;
    let rows = store.read(|tx| {
        let users = tx.users(ctx.confined_tenant(), ctx.global.org.as_deref())?;
        users
            .into_iter()
            .filter(|u| u.matches(a.group.as_deref(), a.search.as_deref()))
            .map(|u| {
                let keys = tx.count_keys_bound_to(&u.name)?;
                Ok((u, keys))
            })
            .collect::<Result<Vec<_>>>()
    })?;
    let p = &ctx.printer;
    if p.json {
        let out: Vec<_> = rows
            .iter()
            .map(|(u, keys)| UserJson {
                user: u,
                state: u.state(),
                keys: *keys,
            })
            .collect();
        p.json(&out);
        return Ok(());
    }
    if p.quiet {
        for (u, _) in &rows {
            p.line(&u.name);
        }
        return Ok(());
    }
    let mut t = new_table(&[
        "NAME",
        "DISPLAY NAME",
        "EMAIL",
        "ORG",
        "ROLE",
        "STATE",
        "GROUPS",
        "PRIVILEGES",
        "KEYS",
    ]);
    for (u, keys) in &rows {
        t.add_row(vec![
            Cell::new(&u.name),
            Cell::new(&u.display_name),
            Cell::new(&u.email),
            Cell::new(&u.org),
            Cell::new(u.role),
            Cell::new(u.state()),
            Cell::new(join(&u.groups)),
            Cell::new(join(&u.privileges)),
            Cell::new(keys),
        ]);
    }
    if !rows.is_empty() {
        p.line(t.to_string());
    }
    let n = rows.len();
    p.note(format!("{n} user{}", if n == 1 { "" } else { "s" }));
    Ok(())
}

impl EditArgs {
    fn is_empty(&self) -> bool {
        self.display_name.is_none()
            && self.email.is_none()
            && self.move_to.is_none()
            && self.group.is_empty()
            && self.ungroup.is_empty()
            && self.role.is_none()
            && self.allow.is_empty()
            && self.disallow.is_empty()
    }

    fn apply(&self, old: &User, allow: &[Rule], disallow: &[Rule]) -> Result<User> {
        let mut u = old.clone();
        if let Some(d) = &self.display_name {
            u.display_name = d.clone();
        }
        if let Some(e) = &self.email {
            u.email = e.clone();
        }
        if let Some(org) = &self.move_to {
            if tenant_of(org) != u.tenant {
                return Err(Error::refused(format!(
                    "user \"{}\" belongs to tenant \"{}\" and cannot move to another tenant",
                    u.name, u.tenant
                ))
                .hint("give an organization of the same tenant, or remove the user and add them in the other tenant"));
            }
            u.org = org.clone();
        }
        for g in &self.group {
            if !u.groups.contains(g) {
                u.groups.push(g.clone());
            }
        }
        u.groups.retain(|g| !self.ungroup.contains(g));
        if let Some(r) = &self.role {
            u.role = r.parse()?;
        }
        for r in disallow {
            if !u.privileges.contains(r) {
                return Err(
                    Error::usage(format!("user \"{}\" has no privilege \"{r}\"", u.name))
                        .hint("see them with: keyadm user list --json"),
                );
            }
        }
        u.privileges.retain(|r| !disallow.contains(r));
        for r in allow {
            if !u.privileges.contains(r) {
                u.privileges.push(r.clone());
            }
        }
        Ok(u)
    }
}

fn edit(ctx: &mut Context, a: EditArgs) -> Result<()> {
    if a.is_empty() {
        return Err(Error::usage("nothing to change").hint(
            "pass what to change: --display-name, --email, --move-to, --group, --ungroup, --role, --allow, --disallow",
        ));
    }
    if let Some(d) = &a.display_name {
        validate_display_name(d)?;
    }
    if let Some(e) = &a.email {
        validate_email(e)?;
    }
    if let Some(o) = &a.move_to {
        keyadm::domain::org::validate_org(o)?;
    }
    parse_groups(&a.group)?;
    let allow: Vec<Rule> = parse_list(&a.allow)?;
    let disallow: Vec<Rule> = parse_list(&a.disallow)?;
    let actor = ctx.actor();
    let mut store = ctx.open_write()?;
    store.require(Right::Admin, "change users")?;
    let (user, changed) = store.write(Right::Admin, "change users", |tx| {
        let old = find_visible(tx, ctx, &a.name)?;
        let new = a.apply(&old, &allow, &disallow)?;
        if new.org != old.org && !tx.org_exists(&new.org)? {
            return Err(org_not_found(&new.org));
        }
        let changed = diff(&old, &new);
        if !changed.is_empty() {
            tx.update_user(&new)?;
            audit_user(
                tx,
                &actor,
                &new,
                json!({"op": "edit", "user": new.name, "changes": changed.clone()}),
            )?;
        }
        Ok((new, changed))
    })?;
    let p = &ctx.printer;
    if p.json {
        let keys = store.read(|tx| tx.count_keys_bound_to(&user.name))?;
        p.json(&UserJson {
            user: &user,
            state: user.state(),
            keys,
        });
    } else if changed.is_empty() {
        p.note(format!(
            "User \"{}\" already had these values; nothing changed.",
            user.name
        ));
    } else {
        let fields: Vec<&str> = changed
            .keys()
            .map(|f| super::edit::field_label(f))
            .collect();
        p.note(format!(
            "Changed {} of user \"{}\".",
            fields.join(", "),
            user.name
        ));
        if changed.contains_key("privileges") {
            p.note("Keys bound to the user now allow only what their rules and these privileges both allow.");
        }
    }
    Ok(())
}

/// Finds every named user once, in argument order.
fn find_all(tx: &Tx, ctx: &Context, names: &[String]) -> Result<Vec<User>> {
    let mut out: Vec<User> = Vec::new();
    for n in names {
        let u = find_visible(tx, ctx, n)?;
        if !out.iter().any(|x| x.name == u.name) {
            out.push(u);
        }
    }
    Ok(out)
}

#[derive(Serialize)]
struct Outcome {
    name: String,
    changed: bool,
    state: &'static str,
    keys: i64,
}

fn set_enabled(ctx: &mut Context, a: NamesArgs, enabled: bool) -> Result<()> {
    let (op, verb) = if enabled {
        ("enable", "Enabled")
    } else {
        ("disable", "Disabled")
    };
    let actor = ctx.actor();
    let mut store = ctx.open_write()?;
    store.require(Right::Admin, &format!("{op} users"))?;
    let outcomes = store.write(Right::Admin, &format!("{op} users"), |tx| {
        let mut out = Vec::new();
        for mut u in find_all(tx, ctx, &a.names)? {
            let changed = u.enabled != enabled;
            let keys = tx.count_keys_bound_to(&u.name)?;
            if changed {
                u.enabled = enabled;
                tx.update_user(&u)?;
                audit_user(
                    tx,
                    &actor,
                    &u,
                    json!({"op": op, "user": u.name, "bound_keys": keys}),
                )?;
            }
            out.push(Outcome {
                name: u.name.clone(),
                changed,
                state: u.state(),
                keys,
            });
        }
        Ok(out)
    })?;
    let p = &ctx.printer;
    if p.json {
        p.json(&outcomes);
        return Ok(());
    }
    for o in &outcomes {
        if o.changed {
            p.note(format!("{verb} user \"{}\".", o.name));
            if !enabled && o.keys > 0 {
                p.warn(format!(
                    "{} key{} bound to \"{}\" now den{} everything",
                    o.keys,
                    if o.keys == 1 { "" } else { "s" },
                    o.name,
                    if o.keys == 1 { "ies" } else { "y" }
                ));
            }
        } else {
            p.note(format!("User \"{}\" was already {}.", o.name, o.state));
        }
    }
    Ok(())
}

fn remove(ctx: &mut Context, a: NamesArgs) -> Result<()> {
    let actor = ctx.actor();
    let mut store = ctx.open_write()?;
    store.require(Right::Admin, "remove users")?;
    // Ask before taking the write lock: a prompt must not block other processes.
    let bound: Vec<(String, i64)> = store.read(|tx| {
        find_all(tx, ctx, &a.names)?
            .into_iter()
            .map(|u| Ok((u.name.clone(), tx.count_keys_bound_to(&u.name)?)))
            .collect()
    })?;
    let total: i64 = bound.iter().map(|(_, n)| n).sum();
    if total > 0 {
        for (name, n) in bound.iter().filter(|(_, n)| *n > 0) {
            ctx.printer.warn(format!(
                "{n} key{} bound to \"{name}\" will deny everything (keyadm list --user {name}; rebind with keyadm edit KEY --user all)",
                if *n == 1 { "" } else { "s" }
            ));
        }
        ctx.confirm("Remove these users?", "keyadm user remove --yes NAME…")?;
    }
    let removed = store.write(Right::Admin, "remove users", |tx| {
        let users = find_all(tx, ctx, &a.names)?;
        let mut out = Vec::new();
        for u in users {
            let keys = tx.count_keys_bound_to(&u.name)?;
            tx.delete_user(&u.name)?;
            audit_user(
                tx,
                &actor,
                &u,
                json!({"op": "remove", "user": u, "bound_keys": keys}),
            )?;
            out.push(Outcome {
                name: u.name,
                changed: true,
                state: "removed",
                keys,
            });
        }
        Ok(out)
    })?;
    if ctx.printer.json {
        ctx.printer.json(&removed);
    } else {
        for o in &removed {
            ctx.printer.note(format!("Removed user \"{}\".", o.name));
        }
    }
    Ok(())
}
