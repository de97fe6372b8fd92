//! `keyadm operator add|remove|list`: the store's operators (SPEC §5.1).

use clap::{Args, Subcommand};

use super::Context;
use crate::output::report::{Shaped, ShapedQuiet};
use crate::output::Human;
use keyadm::ops::operators;
use keyadm::Result;

#[derive(Args, Debug)]
pub struct OperatorArgs {
    #[command(subcommand)]
    pub action: OperatorAction,
}

#[derive(Subcommand, Debug)]
pub enum OperatorAction {
    /// Record a name (an OS login, or the actor cron jobs declare) as an operator
    Add {
        /// The operator's name
        name: String,
    },
    /// Remove an operator (the last one stays)
    Remove {
        /// The operator's name
        name: String,
    },
    /// The store's operators
    List,
}

pub fn run(ctx: &mut Context, args: OperatorArgs) -> Result<()> {
    let p = ctx.printer.clone();
    match args.action {
        OperatorAction::List => {
            let mut session = ctx.open_read()?;
            let all = operators::list(&mut session)?;
            p.report(&ShapedQuiet {
                json: &all,
                human: |out: &mut Human<'_>| {
                    let mut t = p.table(&["OPERATOR", "ADDED", "BY"]);
                    for o in &all {
                        t.add_row(vec![o.name.clone(), o.added_at.clone(), o.added_by.clone()]);
                    }
                    out.line(t.to_string());
                },
                quiet: |out: &mut Human<'_>| {
                    for o in &all {
                        out.line(&o.name);
                    }
                },
            });
        }
        OperatorAction::Add { name } => {
            let mut session = ctx.open_write_existing()?;
            let done = operators::add(&mut session, &name)?;
            p.report(&Shaped {
                json: &done,
                human: |out: &mut Human<'_>| match done.changed {
                    true => out.note(format!("Added operator \"{}\".", done.name)),
                    false => out.note(format!("\"{}\" was already an operator.", done.name)),
                },
            });
        }
        OperatorAction::Remove { name } => {
            let mut session = ctx.open_write_existing()?;
            let done = operators::remove(&mut session, &name)?;
            p.report(&Shaped {
                json: &done,
                human: |out: &mut Human<'_>| {
                    out.note(format!("Removed operator \"{}\".", done.name))
                },
            });
        }
    }
    Ok(())
}
