//! `org add|list|remove`: organizations, a tree under each tenant, with the
//! keys and users in them. Changes are an admin's, within its own tenant
//! (an operator's for a new tenant), audited with action `org`.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;

use super::{Right, Session};
use crate::domain::key::TENANT_KEY_LIMIT;
use crate::domain::org::{
    is_within, org_not_found, parent_of, tenant_of, validate_org, DEFAULT_TENANT,
};
use crate::error::{Error, Result};
use crate::store::NewAudit;

/// What `org add` did (fields in the order `--json` prints them).
#[derive(Debug, Clone, Serialize)]
pub struct OrgAdded {
    /// The organizations created: the path and its missing parents, top first.
    pub created: Vec<String>,
    pub path: String,
    pub tenant: String,
}

/// What `org remove` did.
#[derive(Debug, Clone, Serialize)]
pub struct OrgRemoved {
    pub path: String,
    /// The organization and those below it.
    pub removed: Vec<String>,
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

/// Creates an organization and its missing parents (idempotent).
pub fn add(session: &mut Session, path: &str) -> Result<OrgAdded> {
    const WHAT: &str = "add organizations";
    validate_org(path)?;
    session.require(Right::Admin, WHAT)?;
    let tenant = tenant_of(path);
    if let Some(own) = session.confined_tenant().filter(|t| *t != tenant) {
        return Err(Error::refused(format!(
            "organizations can be added only within tenant \"{own}\", and \"{path}\" is not in it"
        ))
        .hint(format!(
            "give a path such as {own}/{}",
            path.rsplit('/').next().unwrap_or(path)
        )));
    }
    let actor = session.actor_name().to_string();
    let created = session.write(Right::Admin, WHAT, |tx| {
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
    Ok(OrgAdded {
        created,
        path: path.to_string(),
        tenant: tenant.to_string(),
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgEntry {
    pub path: String,
    pub tenant: String,
    pub parent: Option<String>,
    /// Keys in this organization itself.
    pub keys: i64,
    /// Keys at and below it.
    pub keys_within: i64,
    pub users: i64,
    pub users_within: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TenantTotals {
    pub tenant: String,
    pub keys: i64,
    pub limit: i64,
    pub users: i64,
}

/// What `org list` shows: each tenant's totals, and the organizations in tree order.
#[derive(Debug, Clone, Serialize)]
pub struct OrgTree {
    pub tenants: Vec<TenantTotals>,
    pub orgs: Vec<OrgEntry>,
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
    let orgs: Vec<OrgEntry> = paths
        .iter()
        .map(|p| OrgEntry {
            path: p.clone(),
            tenant: tenant_of(p).to_string(),
            parent: parent_of(p).map(str::to_string),
            keys: keys.get(p).copied().unwrap_or(0),
            keys_within: within(keys, p),
            users: users.get(p).copied().unwrap_or(0),
            users_within: within(users, p),
        })
        .collect();
    let mut tenants: Vec<TenantTotals> = orgs
        .iter()
        .filter(|o| o.parent.is_none())
        .map(|o| {
            let (k, u) = tenant_totals
                .get(&o.tenant)
                .copied()
                .unwrap_or((o.keys_within, o.users_within));
            TenantTotals {
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

/// The organizations the actor sees (a user: its tenant's), within
/// `scope` (and its parents) when given, with their key and user counts.
pub fn list(session: &mut Session, scope: Option<&str>) -> Result<OrgTree> {
    let tenant = session.confined_tenant().map(str::to_string);
    session.read(|tx| {
        let tenant = tenant.as_deref();
        let mut paths = tx.orgs(tenant)?;
        let keys = tx.key_counts_by_org(tenant)?;
        let users = tx.user_counts_by_org(tenant)?;
        // Tenant totals count every organization, whatever the scope shows.
        let mut totals: HashMap<String, (i64, i64)> = HashMap::new();
        for (o, n) in &keys {
            totals.entry(tenant_of(o).to_string()).or_default().0 += n;
        }
        for (o, n) in &users {
            totals.entry(tenant_of(o).to_string()).or_default().1 += n;
        }
        if let Some(s) = scope {
            paths.retain(|p| is_within(p, s) || is_within(s, p));
        }
        Ok(tree(paths, &keys, &users, &totals))
    })
}

/// Removes an organization and those below it, when no key and no user is in them.
pub fn remove(session: &mut Session, path: &str) -> Result<OrgRemoved> {
    const WHAT: &str = "remove organizations";
    validate_org(path)?;
    session.require(Right::Admin, WHAT)?;
    if session
        .confined_tenant()
        .is_some_and(|t| t != tenant_of(path))
    {
        return Err(org_not_found(path).hint("keyadm org list shows the organizations"));
    }
    if path == DEFAULT_TENANT {
        return Err(Error::refused("the tenant \"default\" cannot be removed")
            .hint("it is where keys go when no organization is given"));
    }
    let actor = session.actor_name().to_string();
    let removed = session.write(Right::Admin, WHAT, |tx| {
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
    Ok(OrgRemoved {
        path: path.to_string(),
        removed,
    })
}
