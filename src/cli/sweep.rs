//! `keyadm sweep`: disables expired keys (reason `expired`) and deletes those
//! expired `purge-after` ago or more, except the only internal key of a
//! tenant. One transaction: two sweeps at once do what one does.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use clap::Args;
use serde::Serialize;
use serde_json::json;

use super::Context;
use keyadm::domain::expiry::format_duration;
use keyadm::domain::key::{Key, KeyType};
use keyadm::domain::lifecycle::purge_due;
use keyadm::ops::keys::{disable_key, DisableCause};
use keyadm::ops::Right;
use keyadm::store::{NewAudit, Tx};
use keyadm::Result;

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Say what would be done, change nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Serialize)]
struct Swept {
    id: String,
    name: String,
    #[serde(rename = "type")]
    key_type: KeyType,
    org: String,
    tenant: String,
    expires_at: Option<DateTime<Utc>>,
}

impl From<&Key> for Swept {
    fn from(k: &Key) -> Self {
        Swept {
            id: k.id.clone(),
            name: k.name.clone(),
            key_type: k.key_type,
            org: k.org.clone(),
            tenant: k.tenant.clone(),
            expires_at: k.expires_at,
        }
    }
}

#[derive(Serialize, Default)]
struct SweepReport {
    dry_run: bool,
    /// Disabled now, reason `expired`.
    expired: Vec<Swept>,
    /// Deleted now.
    purged: Vec<Swept>,
    /// Due for purging, but the only internal key of its tenant: stays disabled.
    kept: Vec<Swept>,
}

/// Decides, and unless `dry_run` does, what a sweep at `tx.now()` does.
fn sweep(tx: &Tx, ctx: &Context, actor: &str, dry_run: bool) -> Result<SweepReport> {
    let now = tx.now();
    let purge_after = tx.settings()?.purge_after();
    let mut report = SweepReport {
        dry_run,
        ..Default::default()
    };
    // Internal keys left in each tenant, counted before this sweep deletes any.
    let mut internal: HashMap<String, i64> = HashMap::new();
    for mut k in tx.expired_keys(ctx.confined_tenant())? {
        if disable_key(tx, actor, &mut k, DisableCause::Expired, dry_run)? {
            report.expired.push((&k).into());
        }
        if !purge_due(&k, now, purge_after) {
            continue;
        }
        if k.key_type == KeyType::Internal {
            let left = match internal.get(&k.tenant) {
                Some(n) => *n,
                None => tx.count_internal_keys(&k.tenant, false)?,
            };
            if left <= 1 {
                internal.insert(k.tenant.clone(), left);
                report.kept.push((&k).into());
                continue;
            }
            internal.insert(k.tenant.clone(), left - 1);
        }
        if !dry_run {
            tx.delete_key(&k.id)?;
            tx.append_audit(NewAudit::key(
                actor,
                "purge",
                &k,
                json!({
                    "expires_at": k.expires_at,
                    "purge_after": format_duration(purge_after),
                    "type": k.key_type,
                    "org": k.org,
                    "reason_disabled": k.disabled_reason,
                }),
            ))?;
        }
        report.purged.push((&k).into());
    }
    if !dry_run && !report.purged.is_empty() {
        tx.forget_orphan_notices()?;
    }
    Ok(report)
}

pub fn run(ctx: &mut Context, args: SweepArgs) -> Result<()> {
    let actor = ctx.actor();
    let report = if args.dry_run {
        let mut store = ctx.open_read()?;
        store.read(|tx| sweep(tx, ctx, &actor, true))?
    } else {
        let mut store = ctx.open_write_existing()?;
        store.write(Right::Admin, "sweep keys", |tx| {
            sweep(tx, ctx, &actor, false)
        })?
    };
    print(ctx, &report);
    Ok(())
}

fn print(ctx: &Context, r: &SweepReport) {
    let p = &ctx.printer;
    if p.json {
        p.json(r);
        return;
    }
    let would = if r.dry_run { "would be " } else { "" };
    for k in &r.expired {
        p.line(format!(
            "expired  {}  {}  {would}disabled (reason expired)",
            k.id, k.name
        ));
    }
    for k in &r.purged {
        p.line(format!("purged   {}  {}  {would}deleted", k.id, k.name));
    }
    for k in &r.kept {
        p.line(format!(
            "kept     {}  {}  the only internal key of tenant \"{}\": stays disabled (issue another internal key, then delete this one)",
            k.id, k.name, k.tenant
        ));
    }
    let (e, d, k) = (r.expired.len(), r.purged.len(), r.kept.len());
    let prefix = if r.dry_run {
        "sweep (dry run)"
    } else {
        "sweep"
    };
    if e + d + k == 0 {
        p.note(format!("{prefix}: nothing to do."));
    } else {
        p.note(format!("{prefix}: {e} expired, {d} purged, {k} kept."));
    }
}
