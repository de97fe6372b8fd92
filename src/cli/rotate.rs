//! `keyadm rotate`: new values for keys; the old ones work for a grace period.

use chrono::{DateTime, Duration, Utc};
use clap::Args;
use comfy_table::Cell;
use serde::Serialize;
use serde_json::json;

use super::state::find_all;
use super::Context;
use crate::output::table::new_table;
use crate::output::time::TimeFormat;
use keyadm::domain::expiry::{format_duration, parse_duration};
use keyadm::domain::key::{Key, KeyState};
use keyadm::domain::value::generate_value;
use keyadm::ops::Right;
use keyadm::store::{NewAudit, Rotation, Tx};
use keyadm::{Error, Result, SecretValue};

#[derive(Args, Debug)]
pub struct RotateArgs {
    /// The keys' IDs or names
    #[arg(
        required_unless_present = "due",
        conflicts_with = "due",
        value_name = "KEY"
    )]
    pub keys: Vec<String>,
    /// How long the old values keep working (0: not at all) [default: setting rotation-grace]
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub grace: Option<String>,
    /// Rotate every enabled key whose --rotate-every policy is due
    #[arg(long)]
    pub due: bool,
    /// Deliver each new value: run CMD (sh -c) per key with KEYADM_KEY_ID, KEYADM_KEY_NAME, KEYADM_KEY_ORG, KEYADM_KEY_TENANT in its environment and the value on its stdin; if CMD fails, that key's rotation is undone
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
}

/// A key after rotation, with its new value.
pub struct Rotated {
    pub key: Key,
    pub value: SecretValue,
    pub previous_until: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
struct RotatedJson<'a> {
    id: &'a str,
    name: &'a str,
    org: &'a str,
    value: &'a str,
    key: String,
    previous_valid_until: Option<DateTime<Utc>>,
}

/// Only enabled keys are rotated (exit 4, with how to enable it).
pub fn refuse_unless_enabled(key: &Key, now: DateTime<Utc>) -> Result<()> {
    match key.state(now) {
        KeyState::Enabled => Ok(()),
        state => Err(Error::refused(format!(
            "key \"{}\" is {}, and only enabled keys are rotated",
            key.name,
            state.as_str()
        ))
        .hint(format!(
            "enable it with a new expiry first: keyadm enable {} --expires 90d",
            key.id
        ))),
    }
}

/// Gives one key a new value inside the caller's transaction.
pub fn rotate_one(tx: &Tx, key: &Key, grace: u64, actor: &str) -> Result<Rotated> {
    let now = tx.now();
    refuse_unless_enabled(key, now)?;
    let settings = tx.settings()?;
    let value = generate_value(settings.key_prefix(), key.key_type);
    let sealed = (!key.show_once)
        .then(|| tx.master().map(|m| m.seal(&key.id, &value)))
        .transpose()?;
    let previous_until = (grace > 0).then(|| now + Duration::seconds(grace as i64));
    tx.rotate_key(
        &key.id,
        &Rotation {
            hash: value.hash(),
            sealed,
            display: value.truncated(),
            previous_until,
        },
    )?;
    tx.append_audit(NewAudit::key(
        actor,
        "rotate",
        key,
        json!({
            "grace": format_duration(grace),
            "previous_valid_until": previous_until,
            "ended_earlier_previous": key.previous_in_grace(now).is_some(),
        }),
    ))?;
    let mut key = key.clone();
    key.key = value.truncated();
    key.rotated_at = Some(now);
    Ok(Rotated {
        key,
        value,
        previous_until,
    })
}

pub fn run(ctx: &mut Context, args: RotateArgs) -> Result<()> {
    super::hook::check_command(args.exec.as_deref())?;
    let grace = args
        .grace
        .as_deref()
        .map(|g| parse_duration(g, true))
        .transpose()?;
    let actor = ctx.actor();
    let mut store = ctx.open_write_existing()?;
    store.require(Right::Admin, "rotate keys")?;
    if let Some(cmd) = &args.exec {
        return super::rotate_exec::run(ctx, &mut store, &args, cmd, grace);
    }
    let (rotated, tf) = store.write(Right::Admin, "rotate keys", |tx| {
        let settings = tx.settings()?;
        let grace = grace.unwrap_or(settings.rotation_grace());
        let rotated = select(tx, ctx, &args)?
            .iter()
            .map(|k| rotate_one(tx, k, grace, &actor))
            .collect::<Result<Vec<_>>>()?;
        Ok((rotated, ctx.time_format(&settings)))
    })?;
    if args.due && rotated.is_empty() && !ctx.printer.json {
        ctx.printer.note("rotate --due: no key is due.");
        return Ok(());
    }
    // Printed after the commit: a value that reached anyone's screen or
    // script is a value the store holds, even if keyadm dies right after.
    print_rotated(ctx, &rotated, &tf);
    if let Some(e) = ctx.printer.stdout_error() {
        return Err(Error::environment(format!(
            "the keys were rotated, but their new values could not be written to stdout ({e}); the old values work until their grace ends"
        ))
        .hint("see each new value with: keyadm show KEY --value (or rotate again)"));
    }
    Ok(())
}

/// The keys to rotate: the named ones (all must exist), or with `--due`
/// the enabled keys whose policy is due.
pub fn select(tx: &Tx, ctx: &Context, args: &RotateArgs) -> Result<Vec<Key>> {
    if !args.due {
        return find_all(tx, ctx, &args.keys);
    }
    let now = tx.now();
    Ok(tx
        .keys_with_rotation_policy(ctx.confined_tenant())?
        .into_iter()
        .filter(|k| is_due(k, now))
        .collect())
}

/// Is the key enabled, unexpired, and its rotation policy due at `now`?
pub fn is_due(k: &Key, now: DateTime<Utc>) -> bool {
    k.state(now) == KeyState::Enabled && k.rotation_due_at().is_some_and(|d| d <= now)
}

pub fn print_rotated(ctx: &Context, rotated: &[Rotated], tf: &TimeFormat) {
    let p = &ctx.printer;
    if p.json {
        let out: Vec<_> = rotated
            .iter()
            .map(|r| RotatedJson {
                id: &r.key.id,
                name: &r.key.name,
                org: &r.key.org,
                value: r.value.expose(),
                key: r.value.truncated(),
                previous_valid_until: r.previous_until,
            })
            .collect();
        p.json(&out);
    } else if p.quiet {
        for r in rotated {
            p.line(r.value.expose());
        }
    } else {
        let mut t = new_table(&["ID", "NAME", "NEW VALUE", "OLD VALUE WORKS UNTIL"]);
        for r in rotated {
            t.add_row(vec![
                Cell::new(&r.key.id),
                Cell::new(&r.key.name),
                Cell::new(r.value.expose()),
                Cell::new(r.previous_until.map_or("ended now".into(), |t| tf.show(t))),
            ]);
        }
        p.line(t.to_string());
        p.warn("store the new values now; the old ones stop working when their grace ends.");
    }
}
