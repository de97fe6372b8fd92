//! `keyadm org add|list|remove`: organizations, a tree under each tenant,
//! with the keys and users in them (see `keyadm::ops::orgs`).

use crate::output::table::GridCell as Cell;
use clap::{Args, Subcommand};

use super::Context;
use crate::output::report::Shaped;
use crate::output::{Human, Report};
use keyadm::domain::key::TENANT_KEY_LIMIT;
use keyadm::domain::org::validate_org;
use keyadm::ops::orgs::{self, OrgTree};
use keyadm::Result;

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

fn add(ctx: &mut Context, path: &str) -> Result<()> {
    validate_org(path)?; // before a store is created
    let done = orgs::add(&mut ctx.open_write()?, path)?;
    ctx.printer.report(&Shaped {
        json: &done,
        human: |p: &mut Human<'_>| {
            if done.created.is_empty() {
                p.note(format!(
                    "Organization \"{path}\" already exists; nothing changed."
                ));
            } else {
                p.note(format!(
                    "Created organization{} {}.",
                    if done.created.len() == 1 { "" } else { "s" },
                    done.created.join(", ")
                ));
            }
        },
    });
    Ok(())
}

fn list(ctx: &mut Context) -> Result<()> {
    let t = orgs::list(&mut ctx.open_read()?, ctx.global.org.as_deref())?;
    ctx.printer.report(&t);
    Ok(())
}

impl Report for OrgTree {
    fn quiet(&self, p: &mut Human<'_>) {
        for o in &self.orgs {
            p.line(&o.path);
        }
    }

    fn human(&self, p: &mut Human<'_>) {
        let t = self;
        let mut table = p
            .printer()
            .table(&["ORGANIZATION", "KEYS", "KEYS AT AND BELOW", "USERS"]);
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
            // A tree on a terminal; full paths for scripts.
            let shown = match p.printer().colors.stdout_terminal {
                true => format!("{}{name}", "  ".repeat(depth)),
                false => o.path.clone(),
            };
            table.add_row(vec![
                Cell::new(shown),
                Cell::new(o.keys).right(),
                Cell::new(within).right(),
                Cell::new(o.users_within).right(),
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
    }
}

fn remove(ctx: &mut Context, path: &str) -> Result<()> {
    validate_org(path)?; // before a store is created
    let done = orgs::remove(&mut ctx.open_write()?, path)?;
    ctx.printer.report(&Shaped {
        json: &done,
        human: |p: &mut Human<'_>| {
            p.note(format!(
                "Removed organization{} {}.",
                if done.removed.len() == 1 { "" } else { "s" },
                done.removed.join(", ")
            ))
        },
    });
    Ok(())
}
