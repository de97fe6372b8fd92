//! `keyadm delete`: permanent, all or nothing, after a confirmation.

use clap::Args;
use serde_json::json;

use super::Context;
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
    if ctx.printer.json {
        let ids: Vec<_> = deleted
            .iter()
            .map(|k| json!({"id": k.id, "name": k.name}))
            .collect();
        ctx.printer.json(&ids);
    } else {
        for k in &deleted {
            ctx.printer
                .note(format!("Deleted key \"{}\" ({}).", k.name, k.id));
        }
    }
    Ok(())
}
