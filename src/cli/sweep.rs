//! `keyadm sweep`: disables expired keys (reason `expired`) and deletes those
//! expired `purge-after` ago or more, except the only internal key of a
//! tenant (see `keyadm::ops::lifecycle`).

use clap::Args;

use super::Context;
use crate::output::{Human, Report};
use keyadm::ops::lifecycle::{self, SweepReport};
use keyadm::Result;

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Say what would be done, change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Also list the kept keys an earlier sweep already reported
    #[arg(short, long)]
    pub verbose: bool,
}

pub fn run(ctx: &mut Context, args: SweepArgs) -> Result<()> {
    let mut session = match args.dry_run {
        true => ctx.open_read()?,
        false => ctx.open_write_existing()?,
    };
    let report = lifecycle::sweep(&mut session, args.dry_run)?;
    ctx.printer.report(&Swept {
        report: &report,
        verbose: args.verbose,
    });
    Ok(())
}

/// The report, and whether to repeat what earlier sweeps said.
#[derive(serde::Serialize)]
#[serde(transparent)]
struct Swept<'a> {
    report: &'a SweepReport,
    #[serde(skip)]
    verbose: bool,
}

impl Report for Swept<'_> {
    fn human(&self, p: &mut Human<'_>) {
        let r = self.report;
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
        let said_before = |id: &String| r.kept_before.contains(id);
        for k in r
            .kept
            .iter()
            .filter(|k| self.verbose || !said_before(&k.id))
        {
            p.line(format!(
                "kept     {}  {}  the only internal key of tenant \"{}\": stays disabled (issue another internal key, then delete this one)",
                k.id, k.name, k.tenant
            ));
        }
        let (e, d) = (r.expired.len(), r.purged.len());
        let old = r.kept_before.len();
        let new = r.kept.len() - old;
        let prefix = if r.dry_run {
            "sweep (dry run)"
        } else {
            "sweep"
        };
        let before = match (old, self.verbose) {
            (0, _) => String::new(),
            (_, true) => format!(" ({old} kept as before)"),
            (1, false) => " (1 key kept as before; -v lists it)".to_string(),
            (_, false) => format!(" ({old} keys kept as before; -v lists them)"),
        };
        if e + d + new == 0 {
            p.note(format!("{prefix}: nothing to do{before}."));
        } else {
            p.note(format!(
                "{prefix}: {e} expired, {d} purged, {new} kept{before}."
            ));
        }
    }
}
