//! `keyadm enable` and `keyadm disable`: idempotent, all keys or none.

use clap::Args;
use serde::Serialize;
use serde_json::json;

use super::generate::check_max_lifetime;
use super::Context;
use keyadm::domain::expiry::{parse_expiry, Expiry};
use keyadm::domain::key::{validate_reason, Key, KeyType};
use keyadm::ops::keys::{disable_key, DisableCause};
use keyadm::ops::Right;
use keyadm::store::{NewAudit, Tx};
use keyadm::{Error, Result};

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
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
}

#[derive(Serialize)]
struct Outcome {
    id: String,
    name: String,
    changed: bool,
    state: &'static str,
}

/// Finds every named key once, in argument order.
pub fn find_all(tx: &Tx, ctx: &Context, names: &[String]) -> Result<Vec<Key>> {
    let mut keys: Vec<Key> = Vec::new();
    for n in names {
        let k = tx.find_key(ctx.confined_tenant(), ctx.global.org.as_deref(), n)?;
        if !keys.iter().any(|x| x.id == k.id) {
            keys.push(k);
        }
    }
    Ok(keys)
}

fn report(ctx: &Context, outcomes: &[Outcome], verb: &str) {
    let p = &ctx.printer;
    if p.json {
        p.json(outcomes);
        return;
    }
    for o in outcomes {
        if o.changed {
            p.note(format!("{verb} key \"{}\" ({}).", o.name, o.id));
        } else {
            p.note(format!(
                "Key \"{}\" ({}) was already {}.",
                o.name, o.id, o.state
            ));
        }
    }
}

pub fn enable(ctx: &mut Context, args: EnableArgs) -> Result<()> {
    let now = ctx.now();
    let expiry = args
        .expires
        .as_deref()
        .map(|e| parse_expiry(e, now))
        .transpose()?;
    let actor = ctx.actor();
    let mut store = ctx.open_write_existing()?;
    store.require(Right::Admin, "enable keys")?;
    let outcomes = store.write(Right::Admin, "enable keys", |tx| {
        let settings = tx.settings()?;
        let mut out = Vec::new();
        for mut k in find_all(tx, ctx, &args.keys)? {
            let before = k.clone();
            if let Some(e) = expiry {
                if !k.key_type.takes_expiry() {
                    return Err(Error::usage(format!("{} keys take no expiry", k.key_type))
                        .hint("leave out --expires"));
                }
                k.expires_at = e.at();
            } else if k.is_expired(now) {
                return Err(Error::refused(format!(
                    "key \"{}\" has expired; enabling it needs a new expiry",
                    k.name
                ))
                .hint(format!("keyadm enable {} --expires 90d", k.id)));
            }
            k.enabled = true;
            k.disabled_reason = None;
            let changed = k.enabled != before.enabled || k.expires_at != before.expires_at;
            if changed {
                if k.key_type.takes_expiry() {
                    let e = k.expires_at.map_or(Expiry::Never, Expiry::At);
                    check_max_lifetime(e, &settings, now)?;
                }
                tx.update_key(&k)?;
                tx.append_audit(NewAudit::key(
                    &actor,
                    "enable",
                    &k,
                    json!({
                        "was": before.state(now).as_str(),
                        "reason_was": before.disabled_reason,
                        "expires_at": {"before": before.expires_at, "after": k.expires_at},
                    }),
                ))?;
            }
            out.push(Outcome {
                id: k.id,
                name: k.name,
                changed,
                state: "enabled",
            });
        }
        Ok(out)
    })?;
    report(ctx, &outcomes, "Enabled");
    Ok(())
}

/// The enabled internal keys of each tenant that disabling `keys` would leave at zero.
fn last_internal<'k>(tx: &Tx, keys: &'k [Key]) -> Result<Vec<&'k Key>> {
    let mut out = Vec::new();
    for k in keys
        .iter()
        .filter(|k| k.key_type == KeyType::Internal && k.enabled)
    {
        let enabled = tx.count_internal_keys(&k.tenant, true)?;
        let going = keys
            .iter()
            .filter(|x| x.tenant == k.tenant && x.key_type == KeyType::Internal && x.enabled)
            .count() as i64;
        if going >= enabled && !out.iter().any(|x: &&Key| x.tenant == k.tenant) {
            out.push(k);
        }
    }
    Ok(out)
}

pub fn disable(ctx: &mut Context, args: DisableArgs) -> Result<()> {
    if let Some(r) = &args.reason {
        validate_reason(r)?;
    }
    let actor = ctx.actor();
    let mut store = ctx.open_write_existing()?;
    store.require(Right::Admin, "disable keys")?;
    // Ask before taking the write lock: a prompt must not block other processes.
    let warned: Vec<String> = store.read(|tx| {
        let keys = find_all(tx, ctx, &args.keys)?;
        Ok(last_internal(tx, &keys)?
            .iter()
            .map(|k| k.tenant.clone())
            .collect())
    })?;
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
    let outcomes = store.write(Right::Admin, "disable keys", |tx| {
        let keys = find_all(tx, ctx, &args.keys)?;
        if last_internal(tx, &keys)?
            .iter()
            .any(|k| !warned.contains(&k.tenant))
        {
            return Err(Error::refused(
                "another process changed the internal keys meanwhile; nothing was disabled",
            )
            .hint("run the command again"));
        }
        let mut out = Vec::new();
        for mut k in keys {
            let cause = DisableCause::Asked(args.reason.clone());
            let changed = disable_key(tx, &actor, &mut k, cause, false)?;
            out.push(Outcome {
                id: k.id,
                name: k.name,
                changed,
                state: "disabled",
            });
        }
        Ok(out)
    })?;
    report(ctx, &outcomes, "Disabled");
    Ok(())
}
