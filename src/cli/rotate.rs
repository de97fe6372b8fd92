//! `keyadm rotate`: new values for keys; the old ones work for a grace period.

use crate::output::table::GridCell as Cell;
use chrono::{DateTime, Utc};
use clap::Args;
use serde::Serialize;

use super::Context;
use crate::output::time::TimeFormat;
use crate::output::{Human, Report};
use keyadm::domain::expiry::parse_duration;
use keyadm::ops::rotation::{self, Rotated, Selection};
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
    let mut session = ctx.open_write_existing()?;
    if let Some(cmd) = &args.exec {
        return super::rotate_exec::run(ctx, &mut session, &selection, cmd, grace);
    }
    let report = rotation::rotate(&mut session, &selection, grace)?;
    // Printed after the commit: a value that reached anyone's screen or
    // script is a value the store holds, even if keyadm dies right after.
    let tf = ctx.time_format(&report.settings);
    ctx.printer
        .report(&RotatedReport::new(&report.rotated, &tf, args.due));
    if let Some(e) = ctx.printer.stdout_error() {
        return Err(Error::environment(format!(
            "the keys were rotated, but their new values could not be written to stdout ({e}); the old values work until their grace ends"
        ))
        .hint("see each new value with: keyadm show KEY --value (or rotate again)"));
    }
    Ok(())
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
