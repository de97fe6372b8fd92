//! `keyadm rotate`: new values for keys; the old ones work for a grace period.

use crate::output::table::GridCell as Cell;
use chrono::{DateTime, Utc};
use clap::Args;
use serde::Serialize;

use super::Context;
use crate::output::time::TimeFormat;
use crate::output::{Human, Report};
use keyadm::domain::expiry::{long_grace_warning, parse_duration};
use keyadm::ops::rotation::{self, RotatePlan, Rotated, Selection};
use keyadm::{Error, Result};

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
    /// Say which keys would be rotated (and which old values would stop working), change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Deliver each new value: run CMD (sh -c) per key with KEYADM_KEY_ID, KEYADM_KEY_NAME, KEYADM_KEY_ORG, KEYADM_KEY_TENANT in its environment and the value on its stdin; if CMD fails, that key's rotation is undone
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
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

pub fn run(ctx: &mut Context, args: RotateArgs) -> Result<()> {
    super::hook::check_command(args.exec.as_deref())?;
    let grace = args
        .grace
        .as_deref()
        .map(|g| parse_duration(g, true))
        .transpose()?;
    let selection = match args.due {
        true => Selection::Due,
        false => Selection::Named {
            keys: args.keys.clone(),
            org: ctx.global.org.clone(),
        },
    };
    if let Some(w) = grace.and_then(long_grace_warning) {
        ctx.printer.warn(w);
    }
    let mut session = ctx.open_write_existing()?;
    let plan = rotation::plan_rotation(&mut session, &selection, grace)?;
    let tf = ctx.time_format(&plan.settings);
    if args.dry_run {
        ctx.printer.report(&PlanReport::new(&plan, &tf, args.due));
        return Ok(());
    }
    // A previous value still in grace stops working now (SPEC §5.9): warn,
    // and at a terminal ask (never for --due, which cron runs).
    let ending: Vec<_> = plan.ending_previous().collect();
    for (k, prev) in &ending {
        ctx.printer.warn(format!(
            "key \"{}\": its previous value {} stops working now, not at the end of its grace ({})",
            k.name,
            prev.key,
            tf.show(prev.valid_until)
        ));
    }
    if !ending.is_empty() && !args.due && ctx.interactive() {
        ctx.confirm(
            "Rotate anyway, ending those values now?",
            "keyadm rotate KEY --yes",
        )?;
    }
    if let Some(cmd) = &args.exec {
        return super::rotate_exec::run(ctx, &mut session, &selection, cmd, grace);
    }
    let report = rotation::rotate(&mut session, &selection, grace)?;
    // Printed after the commit: a value that reached anyone's screen or
    // script is a value the store holds, even if keyadm dies right after.
    ctx.printer
        .report(&RotatedReport::new(&report.rotated, &tf, args.due));
    if let Some(e) = ctx.printer.stdout_error() {
        return Err(Error::environment(format!(
            "the keys were rotated, but their new values could not be written to stdout ({e}); the old values work until their grace ends"
        ))
        .hint("see each new value with: keyadm show KEY --value (or rotate again)"));
    }
    // A show-once value is gone when the command ends: as at generation.
    if let Some(r) = report.rotated.iter().find(|r| r.key.show_once) {
        if !ctx.printer.json {
            super::generate::confirm_stored(ctx, &r.key)?;
        }
    }
    Ok(())
}

/// `rotate --dry-run`: the keys that would be rotated.
#[derive(Serialize)]
struct PlanReport<'a> {
    dry_run: bool,
    keys: Vec<PlannedJson<'a>>,
    #[serde(skip)]
    plan: &'a RotatePlan,
    #[serde(skip)]
    tf: &'a TimeFormat,
    #[serde(skip)]
    due: bool,
}

#[derive(Serialize)]
struct PlannedJson<'a> {
    id: &'a str,
    name: &'a str,
    org: &'a str,
    key: &'a str,
    /// When the current value would stop working after the rotation.
    old_value_works_until: DateTime<Utc>,
    /// A previous value still in grace that the rotation would end now.
    ends_previous: Option<&'a str>,
}

impl<'a> PlanReport<'a> {
    fn new(plan: &'a RotatePlan, tf: &'a TimeFormat, due: bool) -> Self {
        let until = plan.now + chrono::Duration::seconds(plan.grace as i64);
        let keys = plan
            .keys
            .iter()
            .map(|k| PlannedJson {
                id: &k.id,
                name: &k.name,
                org: &k.org,
                key: &k.key,
                old_value_works_until: until,
                ends_previous: k.previous_in_grace(plan.now).map(|p| p.key.as_str()),
            })
            .collect();
        PlanReport {
            dry_run: true,
            keys,
            plan,
            tf,
            due,
        }
    }
}

impl Report for PlanReport<'_> {
    fn human(&self, p: &mut Human<'_>) {
        if self.keys.is_empty() {
            p.note(match self.due {
                true => "rotate --due (dry run): no key is due.",
                false => "rotate (dry run): no key.",
            });
            return;
        }
        let mut t = p.printer().table(&[
            "ID",
            "NAME",
            "KEY",
            "OLD VALUE WOULD WORK UNTIL",
            "ENDS NOW",
        ]);
        for k in &self.keys {
            t.add_row(vec![
                Cell::new(k.id),
                Cell::new(k.name),
                Cell::new(k.key),
                Cell::new(self.tf.show(k.old_value_works_until)),
                Cell::new(k.ends_previous.unwrap_or("-")),
            ]);
        }
        p.line(t.to_string());
        let n = self.plan.keys.len();
        p.note(format!(
            "rotate (dry run): {n} key{} would be rotated; nothing was changed.",
            if n == 1 { "" } else { "s" }
        ));
    }

    fn quiet(&self, p: &mut Human<'_>) {
        for k in &self.keys {
            p.line(k.id);
        }
    }
}

/// The new values: a table, `-q` the values alone, `--json` with the key.
#[derive(Serialize)]
#[serde(transparent)]
struct RotatedReport<'a> {
    json: Vec<RotatedJson<'a>>,
    #[serde(skip)]
    rotated: &'a [Rotated],
    #[serde(skip)]
    tf: &'a TimeFormat,
    #[serde(skip)]
    due: bool,
}

impl<'a> RotatedReport<'a> {
    fn new(rotated: &'a [Rotated], tf: &'a TimeFormat, due: bool) -> Self {
        let json = rotated
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
        RotatedReport {
            json,
            rotated,
            tf,
            due,
        }
    }
}

impl Report for RotatedReport<'_> {
    fn human(&self, p: &mut Human<'_>) {
        if self.due && self.rotated.is_empty() {
            p.note("rotate --due: no key is due.");
            return;
        }
        let mut t = p
            .printer()
            .table(&["ID", "NAME", "NEW VALUE", "OLD VALUE WORKS UNTIL"]);
        for r in self.rotated {
            t.add_row(vec![
                Cell::new(&r.key.id),
                Cell::new(&r.key.name),
                Cell::new(r.value.expose()),
                Cell::new(
                    r.previous_until
                        .map_or("ended now".into(), |t| self.tf.show(t)),
                ),
            ]);
        }
        p.line(t.to_string());
        p.warn("store the new values now; the old ones stop working when their grace ends.");
    }

    fn quiet(&self, p: &mut Human<'_>) {
        for r in self.rotated {
            p.line(r.value.expose());
        }
    }
}
