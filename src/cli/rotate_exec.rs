//! `rotate --exec CMD`: rotate and deliver, one key at a time.
//!
//! Each key is rotated and committed in its own transaction before its hook
//! runs, so the store knows every value a hook may have delivered, and no
//! write lock is held while the hook works (a slow deploy must not block
//! other keyadm processes). When the hook fails or cannot start, a second
//! transaction puts the key's value columns back exactly as they were (the
//! old value current again, its earlier grace value too) — but only if
//! nobody rotated the key meanwhile — and audits the undo. The other keys
//! go on; the command exits non-zero at the end.

use chrono::{DateTime, Utc};
use comfy_table::Cell;
use serde::Serialize;
use serde_json::json;

use super::hook::run_hook;
use super::rotate::{is_due, refuse_unless_enabled, rotate_one, select, RotateArgs};
use super::Context;
use crate::output::table::new_table;
use keyadm::ops::Right;
use keyadm::ops::Session;
use keyadm::store::NewAudit;
use keyadm::{Error, Result};

#[derive(Serialize)]
struct Delivery {
    id: String,
    name: String,
    org: String,
    /// The truncated current value: the new one, or the old one after an undo.
    key: String,
    previous_valid_until: Option<DateTime<Utc>>,
    delivered: bool,
    undone: bool,
    error: Option<String>,
}

pub fn run(
    ctx: &mut Context,
    store: &mut Session,
    args: &RotateArgs,
    cmd: &str,
    grace: Option<u64>,
) -> Result<()> {
    let now = ctx.now();
    let actor = ctx.actor();
    // Named keys: all must exist and be enabled, or none is rotated.
    let ids: Vec<String> = store.read(|tx| {
        let keys = select(tx, ctx, args)?;
        for k in &keys {
            refuse_unless_enabled(k, now)?;
        }
        Ok(keys.into_iter().map(|k| k.id).collect())
    })?;
    let mut out: Vec<Delivery> = Vec::new();
    for id in &ids {
        let step = store.write(Right::Admin, "rotate keys", |tx| {
            let key = tx.find_key(ctx.confined_tenant(), None, id)?;
            if args.due && !is_due(&key, now) {
                return Ok(None); // another run rotated it meanwhile
            }
            let before = tx
                .key_value_state(&key.id)?
                .ok_or_else(|| Error::key_not_found(id))?;
            let grace = grace.unwrap_or(tx.settings()?.rotation_grace());
            Ok(Some((
                rotate_one(tx, &key, grace, &actor)?,
                before,
                key.key.clone(),
            )))
        });
        let (rotated, before, old_display) = match step {
            Ok(Some(s)) => s,
            Ok(None) => continue,
            Err(e) => {
                out.push(Delivery {
                    id: id.clone(),
                    name: String::new(),
                    org: String::new(),
                    key: String::new(),
                    previous_valid_until: None,
                    delivered: false,
                    undone: false,
                    error: Some(format!("not rotated: {}", e.message())),
                });
                continue;
            }
        };
        let k = &rotated.key;
        let mut stdin = zeroize::Zeroizing::new(rotated.value.expose().as_bytes().to_vec());
        stdin.push(b'\n');
        let hook = run_hook(
            cmd,
            &[
                ("KEYADM_KEY_ID", &k.id),
                ("KEYADM_KEY_NAME", &k.name),
                ("KEYADM_KEY_ORG", &k.org),
                ("KEYADM_KEY_TENANT", &k.tenant),
            ],
            Some(&stdin),
        );
        let mut d = Delivery {
            id: k.id.clone(),
            name: k.name.clone(),
            org: k.org.clone(),
            key: rotated.value.truncated(),
            previous_valid_until: rotated.previous_until,
            delivered: hook.is_ok(),
            undone: false,
            error: None,
        };
        if let Err(why) = hook {
            let new_hash = rotated.value.hash();
            let undo = store.write(Right::Admin, "rotate keys", |tx| {
                if !tx.restore_key_value(&k.id, &new_hash, &before)? {
                    return Ok(false);
                }
                tx.append_audit(NewAudit::key(
                    &actor,
                    "rotate",
                    k,
                    json!({ "undone": true, "hook": why }),
                ))?;
                Ok(true)
            });
            match undo {
                Ok(true) => {
                    d.undone = true;
                    d.key = old_display.clone();
                    d.previous_valid_until = None;
                    d.error = Some(format!("{why}; the rotation was undone"));
                }
                Ok(false) => {
                    d.error = Some(format!(
                        "{why}; the rotation was NOT undone: another process changed the key's value meanwhile"
                    ))
                }
                Err(e) => {
                    d.error = Some(format!(
                        "{why}; the rotation was NOT undone ({}): the new value is current{}",
                        e.message(),
                        if k.show_once {
                            ""
                        } else {
                            "; keyadm show --value gives it"
                        }
                    ))
                }
            }
        }
        out.push(d);
    }
    print(ctx, &out);
    let failed: Vec<&Delivery> = out.iter().filter(|d| !d.delivered).collect();
    if failed.is_empty() {
        if args.due && out.is_empty() && !ctx.printer.json {
            ctx.printer.note("rotate --due: no key is due.");
        }
        return Ok(());
    }
    let names: Vec<String> = failed
        .iter()
        .map(|d| {
            if d.name.is_empty() {
                d.id.clone()
            } else {
                format!("\"{}\"", d.name)
            }
        })
        .collect();
    Err(Error::environment(format!(
        "the hook failed for {} of {} key{} ({}); {}",
        failed.len(),
        out.len(),
        if out.len() == 1 { "" } else { "s" },
        names.join(", "),
        if failed.iter().all(|d| d.undone) {
            "their rotation was undone and their old values stay current"
        } else {
            "see each key's line above"
        }
    ))
    .hint("fix the hook (its output is above) and run the same command again"))
}

fn print(ctx: &Context, out: &[Delivery]) {
    let p = &ctx.printer;
    if p.json {
        p.json(out);
        return;
    }
    if p.quiet || out.is_empty() {
        return;
    }
    let mut t = new_table(&["ID", "NAME", "KEY", "OLD VALUE WORKS UNTIL", "DELIVERED"]);
    for d in out {
        t.add_row(vec![
            Cell::new(&d.id),
            Cell::new(&d.name),
            Cell::new(&d.key),
            Cell::new(match (d.delivered, d.previous_valid_until) {
                (false, _) => "-".to_string(),
                (true, Some(t)) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
                (true, None) => "ended now".to_string(),
            }),
            Cell::new(match &d.error {
                None => "yes".to_string(),
                Some(e) => format!("no: {e}"),
            }),
        ]);
    }
    p.line(t.to_string());
}
