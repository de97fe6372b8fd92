//! `keyadm delete`: permanent, all or nothing, after a confirmation.

use clap::Args;
use serde_json::json;

use super::state::find_all;
use super::Context;
use keyadm::domain::key::{Key, KeyType};
use keyadm::ops::Right;
use keyadm::store::{NewAudit, Tx};
use keyadm::{Error, Result};

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// The keys' IDs or names
    #[arg(required = true, value_name = "KEY")]
    pub keys: Vec<String>,
}

/// Why each key may not be deleted (empty: all may).
fn refusals(tx: &Tx, keys: &[Key]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for k in keys {
        if k.enabled {
            out.push(format!(
                "\"{}\" is still enabled (keyadm disable {})",
                k.name, k.id
            ));
        } else if k.key_type == KeyType::Internal {
            let internal = tx.count_internal_keys(&k.tenant, false)?;
            let going = keys
                .iter()
                .filter(|x| x.tenant == k.tenant && x.key_type == KeyType::Internal)
                .count() as i64;
            if going >= internal {
                out.push(format!(
                    "\"{}\" is the only internal key of tenant \"{}\"",
                    k.name, k.tenant
                ));
            }
        }
    }
    Ok(out)
}

fn refuse(reasons: Vec<String>, total: usize) -> Error {
    Error::refused(format!(
        "{} of {total} key{} cannot be deleted, so none was: {}",
        reasons.len(),
        if total == 1 { "" } else { "s" },
        reasons.join("; ")
    ))
    .hint("disable a key before deleting it; a tenant keeps its only internal key")
}

pub fn run(ctx: &mut Context, args: DeleteArgs) -> Result<()> {
    let actor = ctx.actor();
    let mut store = ctx.open_write_existing()?;
    store.require(Right::Admin, "delete keys")?;
    let keys = store.read(|tx| {
        let keys = find_all(tx, ctx, &args.keys)?;
        let reasons = refusals(tx, &keys)?;
        if reasons.is_empty() {
            Ok(keys)
        } else {
            Err(refuse(reasons, keys.len()))
        }
    })?;
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
    let deleted = store.write(Right::Admin, "delete keys", |tx| {
        let keys = find_all(tx, ctx, &args.keys)?;
        let reasons = refusals(tx, &keys)?;
        if !reasons.is_empty() {
            return Err(refuse(reasons, keys.len()));
        }
        for k in &keys {
            tx.delete_key(&k.id)?;
            tx.append_audit(NewAudit::key(
                &actor,
                "delete",
                k,
                json!({ "type": k.key_type, "org": k.org, "reason_disabled": k.disabled_reason }),
            ))?;
        }
        Ok(keys)
    })?;
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
