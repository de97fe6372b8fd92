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
}

pub fn run(ctx: &mut Context, args: SweepArgs) -> Result<()> {
    let mut session = match args.dry_run {
        true => ctx.open_read()?,
        false => ctx.open_write_existing()?,
    };
    let report = lifecycle::sweep(&mut session, args.dry_run)?;
    ctx.printer.report(&report);
    Ok(())
}

impl Report for SweepReport {
    fn human(&self, p: &mut Human<'_>) {
        let r = self;
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
}
