//! `keyadm delete`: permanent, all or nothing, after a confirmation.

use clap::Args;
use serde::Serialize;

use super::Context;
use crate::output::{Human, Report};
use keyadm::ops::key_changes;
use keyadm::ops::keys::Scope;
use keyadm::Result;

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// The keys' IDs or names
    #[arg(required = true, value_name = "KEY")]
    pub keys: Vec<String>,
}

pub fn run(ctx: &mut Context, args: DeleteArgs) -> Result<()> {
    let mut session = ctx.open_write_existing()?;
    let scope = Scope {
        org: ctx.global.org.as_deref(),
    };
    let keys = key_changes::delete_plan(&mut session, scope, &args.keys)?;
    if !ctx.global.yes && ctx.interactive() {
        for k in &keys {
            ctx.printer.note(format!(
                "  {}  {}  ({}, {})",
                k.id, k.name, k.key_type, k.org
            ));
        }
    }
    let n = keys.len();
    ctx.confirm(
        &format!(
            "Delete {n} key{} permanently?",
            if n == 1 { "" } else { "s" }
        ),
        "keyadm delete --yes KEY…",
    )?;
    let deleted = key_changes::delete(&mut session, scope, &args.keys)?;
    let deleted: Vec<_> = deleted
        .iter()
        .map(|k| Deleted {
            id: &k.id,
            name: &k.name,
        })
        .collect();
    ctx.printer.report(&DeleteReport(deleted));
    Ok(())
}

#[derive(Serialize)]
struct Deleted<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct DeleteReport<'a>(Vec<Deleted<'a>>);

impl Report for DeleteReport<'_> {
    fn human(&self, p: &mut Human<'_>) {
        for k in &self.0 {
            p.note(format!("Deleted key \"{}\" ({}).", k.name, k.id));
        }
    }
}
