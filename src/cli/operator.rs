//! `keyadm operator add|remove|list`: the store's operators (SPEC §5.1).

use clap::{Args, Subcommand};

use super::Context;
use crate::output::table::new_table;
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
            if p.json {
                p.json(&all);
            } else if p.quiet {
                for o in &all {
                    p.line(&o.name);
                }
            } else {
                let mut t = new_table(&["OPERATOR", "ADDED", "BY"]);
                for o in &all {
                    t.add_row(vec![o.name.clone(), o.added_at.clone(), o.added_by.clone()]);
                }
                p.line(t.to_string());
            }
        }
        OperatorAction::Add { name } => {
            let mut session = ctx.open_write_existing()?;
            let done = operators::add(&mut session, &name)?;
            if p.json {
                p.json(&done);
            } else if done.changed {
                p.note(format!("Added operator \"{}\".", done.name));
            } else {
                p.note(format!("\"{}\" was already an operator.", done.name));
            }
        }
        OperatorAction::Remove { name } => {
            let mut session = ctx.open_write_existing()?;
            let done = operators::remove(&mut session, &name)?;
            if p.json {
                p.json(&done);
            } else {
                p.note(format!("Removed operator \"{}\".", done.name));
            }
        }
    }
    Ok(())
}
