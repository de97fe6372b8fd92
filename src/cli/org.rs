//! `keyadm org add|list|remove`: organizations, a tree under each tenant,
//! with the keys and users in them (changes audited, action `org`).

use std::collections::HashMap;

use clap::{Args, Subcommand};
use comfy_table::{Cell, CellAlignment};
use serde::Serialize;
use serde_json::json;

use super::Context;
use crate::output::table::new_table;
use keyadm::domain::key::TENANT_KEY_LIMIT;
use keyadm::domain::org::{
    is_within, org_not_found, parent_of, tenant_of, validate_org, DEFAULT_TENANT,
};
use keyadm::ops::Right;
use keyadm::store::NewAudit;
use keyadm::{Error, Result};

#[derive(Args, Debug)]
pub struct OrgArgs {
    #[command(subcommand)]
    pub action: OrgAction,
}

#[derive(Subcommand, Debug)]
pub enum OrgAction {
    /// Create an organization, and its missing parents (acme/emea creates acme)
    Add {
        /// The organization's path, e.g. acme/emea/support
        path: String,
    },
    /// The organizations as a tree, with their keys and users (--org: that subtree)
    #[command(visible_alias = "ls")]
    List,
    /// Remove an organization and those below it, when no key and no user is in them
    Remove {
        /// The organization's path
        path: String,
    },
}

pub fn run(ctx: &mut Context, args: OrgArgs) -> Result<()> {
    match args.action {
        OrgAction::Add { path } => add(ctx, &path),
        OrgAction::List => list(ctx),
        OrgAction::Remove { path } => remove(ctx, &path),
    }
}

/// `acme/emea/support` → `["acme", "acme/emea", "acme/emea/support"]`.
fn with_ancestors(path: &str) -> Vec<&str> {
    let mut out = vec![path];
    let mut p = path;
    while let Some(parent) = parent_of(p) {
        out.push(parent);
        p = parent;
    }
    out.reverse();
    out
}

fn add(ctx: &mut Context, path: &str) -> Result<()> {
    validate_org(path)?;
    let actor = ctx.actor();
    let mut store = ctx.open_write()?;
    store.require(Right::Admin, "add organizations")?;
    let tenant = tenant_of(path);
    if let Some(own) = ctx.confined_tenant().filter(|t| *t != tenant) {
        return Err(Error::refused(format!(
            "organizations can be added only within tenant \"{own}\", and \"{path}\" is not in it"
        ))
        .hint(format!(
            "give a path such as {own}/{}",
            path.rsplit('/').next().unwrap_or(path)
        )));
    }
    let created = store.write(Right::Admin, "add organizations", |tx| {
        let mut created = Vec::new();
        for p in with_ancestors(path) {
            if !tx.org_exists(p)? {
                tx.insert_org(p)?;
                created.push(p.to_string());
            }
        }
        if !created.is_empty() {
            tx.append_audit(NewAudit {
                actor: &actor,
                action: "org",
                key_id: None,
                key_name: None,
                tenant: Some(tenant),
                details: json!({"op": "add", "path": path, "created": created}),
            })?;
        }
        Ok(created)
    })?;
    let p = &ctx.printer;
    if p.json {
        p.json(&json!({"path": path, "tenant": tenant, "created": created}));
    } else if created.is_empty() {
        p.note(format!(
            "Organization \"{path}\" already exists; nothing changed."
        ));
    } else {
        p.note(format!(
            "Created organization{} {}.",
            if created.len() == 1 { "" } else { "s" },
            created.join(", ")
        ));
    }
    Ok(())
}

#[derive(Serialize)]
struct OrgJson {
    path: String,
    tenant: String,
    parent: Option<String>,
    /// Keys in this organization itself.
    keys: i64,
    /// Keys at and below it.
    keys_within: i64,
    users: i64,
    users_within: i64,
}

#[derive(Serialize)]
struct TenantJson {
    tenant: String,
    keys: i64,
    limit: i64,
    users: i64,
}

#[derive(Serialize)]
struct OrgTree {
    tenants: Vec<TenantJson>,
    orgs: Vec<OrgJson>,
}

fn tree(
    mut paths: Vec<String>,
    keys: &HashMap<String, i64>,
    users: &HashMap<String, i64>,
    tenant_totals: &HashMap<String, (i64, i64)>,
) -> OrgTree {
    // By segments, so that a child follows its parent (`acme/x` before `acme-b`).
    paths.sort_by(|a, b| a.split('/').cmp(b.split('/')));
    let within = |counts: &HashMap<String, i64>, p: &str| -> i64 {
        counts
            .iter()
            .filter(|(o, _)| is_within(o, p))
            .map(|(_, n)| n)
            .sum()
    };
    let orgs: Vec<OrgJson> = paths
        .iter()
        .map(|p| OrgJson {
            path: p.clone(),
            tenant: tenant_of(p).to_string(),
            parent: parent_of(p).map(str::to_string),
            keys: keys.get(p).copied().unwrap_or(0),
            keys_within: within(keys, p),
            users: users.get(p).copied().unwrap_or(0),
            users_within: within(users, p),
        })
        .collect();
    let mut tenants: Vec<TenantJson> = orgs
        .iter()
        .filter(|o| o.parent.is_none())
        .map(|o| {
            let (k, u) = tenant_totals
                .get(&o.tenant)
                .copied()
                .unwrap_or((o.keys_within, o.users_within));
            TenantJson {
                tenant: o.tenant.clone(),
                keys: k,
                limit: TENANT_KEY_LIMIT,
                users: u,
            }
        })
        .collect();
    tenants.sort_by(|a, b| a.tenant.cmp(&b.tenant));
    OrgTree { tenants, orgs }
}

fn list(ctx: &mut Context) -> Result<()> {
    let mut store = ctx.open_read()?;
    let scope = ctx.global.org.clone();
    let t = store.read(|tx| {
        let tenant = ctx.confined_tenant();
        let mut paths = tx.orgs(tenant)?;
        let keys = tx.key_counts_by_org(tenant)?;
        let users = tx.user_counts_by_org(tenant)?;
        // Tenant totals count every organization, whatever --org shows.
        let mut totals: HashMap<String, (i64, i64)> = HashMap::new();
        for (o, n) in &keys {
            totals.entry(tenant_of(o).to_string()).or_default().0 += n;
        }
        for (o, n) in &users {
            totals.entry(tenant_of(o).to_string()).or_default().1 += n;
        }
        if let Some(s) = &scope {
            paths.retain(|p| is_within(p, s) || is_within(s, p));
        }
        Ok(tree(paths, &keys, &users, &totals))
    })?;
    let p = &ctx.printer;
    if p.json {
        p.json(&t);
        return Ok(());
    }
    if p.quiet {
        for o in &t.orgs {
            p.line(&o.path);
        }
        return Ok(());
    }
    let mut table = new_table(&["ORGANIZATION", "KEYS", "KEYS AT AND BELOW", "USERS"]);
    for o in &t.orgs {
        let depth = o.path.matches('/').count();
        let name = o.path.rsplit('/').next().unwrap_or(&o.path);
        let within = match t
            .tenants
            .iter()
            .find(|x| o.parent.is_none() && x.tenant == o.tenant)
        {
            Some(tenant) => format!("{} of {}", tenant.keys, tenant.limit),
            None => o.keys_within.to_string(),
        };
        table.add_row(vec![
            Cell::new(format!("{}{name}", "  ".repeat(depth))),
            Cell::new(o.keys).set_alignment(CellAlignment::Right),
            Cell::new(within).set_alignment(CellAlignment::Right),
            Cell::new(o.users_within).set_alignment(CellAlignment::Right),
        ]);
    }
    if !t.orgs.is_empty() {
        p.line(table.to_string());
    }
    let n = t.tenants.len();
    p.note(format!(
        "{n} tenant{}, {} organization{}; a tenant holds at most {TENANT_KEY_LIMIT} keys",
        if n == 1 { "" } else { "s" },
        t.orgs.len(),
        if t.orgs.len() == 1 { "" } else { "s" }
    ));
    Ok(())
}

fn remove(ctx: &mut Context, path: &str) -> Result<()> {
    validate_org(path)?;
    let actor = ctx.actor();
    let mut store = ctx.open_write()?;
    store.require(Right::Admin, "remove organizations")?;
    if ctx.confined_tenant().is_some_and(|t| t != tenant_of(path)) {
        return Err(org_not_found(path).hint("keyadm org list shows the organizations"));
    }
    if path == DEFAULT_TENANT {
        return Err(Error::refused("the tenant \"default\" cannot be removed")
            .hint("it is where keys go when no organization is given"));
    }
    let removed = store.write(Right::Admin, "remove organizations", |tx| {
        if !tx.org_exists(path)? {
            return Err(org_not_found(path).hint("keyadm org list shows the organizations"));
        }
        let (keys, users) = tx.count_within_org(path)?;
        if keys > 0 || users > 0 {
            return Err(Error::refused(format!(
                "organization \"{path}\" still holds {keys} key{} and {users} user{} (at or below it)",
                if keys == 1 { "" } else { "s" },
                if users == 1 { "" } else { "s" },
            ))
            .hint(format!(
                "delete or move them first: keyadm list --org {path}; keyadm user list --org {path}"
            )));
        }
        let removed = tx.delete_orgs_within(path)?;
        tx.append_audit(NewAudit {
            actor: &actor,
            action: "org",
            key_id: None,
            key_name: None,
            tenant: Some(tenant_of(path)),
            details: json!({"op": "remove", "path": path, "removed": removed}),
        })?;
        Ok(removed)
    })?;
    let p = &ctx.printer;
    if p.json {
        p.json(&json!({"path": path, "removed": removed}));
    } else {
        p.note(format!(
            "Removed organization{} {}.",
            if removed.len() == 1 { "" } else { "s" },
            removed.join(", ")
        ));
    }
    Ok(())
}
