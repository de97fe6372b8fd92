//! `keyadm enable` and `keyadm disable`: idempotent, all keys or none.

use clap::Args;

use serde::Serialize;

use super::Context;
use crate::output::{Human, Report};
use keyadm::domain::key::validate_reason;
use keyadm::ops::key_changes::{self, StateChange};
use keyadm::ops::keys::Scope;
use keyadm::Result;

#[derive(Args, Debug)]
pub struct EnableArgs {
    /// The keys' IDs or names
    #[arg(required = true, value_name = "KEY")]
    pub keys: Vec<String>,
    /// A new expiry (needed to enable an expired key)
    #[arg(long, short = 'e', value_name = "WHEN", allow_hyphen_values = true)]
    pub expires: Option<String>,
}

#[derive(Args, Debug)]
pub struct DisableArgs {
    /// The keys' IDs or names
    #[arg(required = true, value_name = "KEY")]
    pub keys: Vec<String>,
    /// Why (shown by show and list, kept in the audit)
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub reason: Option<String>,
}

/// The keys enabled or disabled (`verb`), and those that already were.
#[derive(Serialize)]
#[serde(transparent)]
struct StateReport<'a> {
    outcomes: &'a [StateChange],
    #[serde(skip)]
    verb: &'static str,
}

impl Report for StateReport<'_> {
    fn human(&self, p: &mut Human<'_>) {
        for o in self.outcomes {
            if o.changed {
                p.note(format!("{} key \"{}\" ({}).", self.verb, o.name, o.id));
            } else {
                p.note(format!(
                    "Key \"{}\" ({}) was already {}.",
                    o.name, o.id, o.state
                ));
            }
        }
    }
}

fn report(ctx: &Context, outcomes: &[StateChange], verb: &'static str) {
    ctx.printer.report(&StateReport { outcomes, verb });
}

pub fn enable(ctx: &mut Context, args: EnableArgs) -> Result<()> {
    let expiry = args.expires.as_deref().map(|e| ctx.expiry(e)).transpose()?;
    let mut session = ctx.open_write_existing()?;
    let scope = Scope {
        org: ctx.global.org.as_deref(),
    };
    let outcomes = key_changes::enable(&mut session, scope, &args.keys, expiry)?;
    report(ctx, &outcomes, "Enabled");
    Ok(())
}

pub fn disable(ctx: &mut Context, args: DisableArgs) -> Result<()> {
    if let Some(r) = &args.reason {
        validate_reason(r)?;
    }
    let mut session = ctx.open_write_existing()?;
    let scope = Scope {
        org: ctx.global.org.as_deref(),
    };
    // Ask before taking the write lock: a prompt must not block other processes.
    let warned = key_changes::disable_plan(&mut session, scope, &args.keys)?;
    for tenant in &warned {
        ctx.printer.warn(format!(
            "this disables the last enabled internal key of tenant \"{tenant}\": its components will stop reaching the servers"
        ));
    }
    if !warned.is_empty() {
        ctx.confirm(
            "Disable the last enabled internal key?",
            "keyadm disable --yes KEY",
        )?;
    }
    let outcomes = key_changes::disable(
        &mut session,
        scope,
        &args.keys,
        args.reason.as_deref(),
        &warned,
    )?;
    report(ctx, &outcomes, "Disabled");
    Ok(())
}
