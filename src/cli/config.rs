//! `keyadm config list|get|set`: the store's settings (changes audited).

use clap::{Args, Subcommand};
use serde_json::json;

use super::Context;
use crate::output::table::new_table;
use keyadm::domain::settings::SETTINGS;
use keyadm::ops::settings::{self, NewSetting};
use keyadm::Result;

#[derive(Args, Debug)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub action: ConfigAction,
}

#[derive(Subcommand, Debug)]
pub enum ConfigAction {
    /// Every setting, its value and its default
    List,
    /// Print one setting's value
    Get {
        /// The setting's name
        name: String,
    },
    /// Change a setting (audited)
    Set {
        /// The setting's name
        name: String,
        /// The new value
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
}

pub fn run(ctx: &mut Context, args: ConfigArgs) -> Result<()> {
    let p = ctx.printer.clone();
    match args.action {
        ConfigAction::List => {
            let settings = settings::list(&mut ctx.open_read()?)?;
            if p.json {
                let map: serde_json::Map<_, _> = SETTINGS
                    .iter()
                    .map(|(n, _, _)| (n.to_string(), json!(settings.get(n))))
                    .collect();
                p.json(&map);
                return Ok(());
            }
            let mut t = new_table(&["SETTING", "VALUE", "DEFAULT", "MEANING"]);
            for (name, default, about) in SETTINGS {
                t.add_row(vec![name, settings.get(name), default, about]);
            }
            p.line(t.to_string());
        }
        ConfigAction::Get { name } => {
            settings::check_name(&name)?;
            let got = settings::get(&mut ctx.open_read()?, &name)?;
            if p.json {
                p.json(&got);
            } else {
                p.line(&got.value);
            }
        }
        ConfigAction::Set { name, value } => {
            let new = NewSetting::parse(&name, &value)?;
            let done = settings::set(&mut ctx.open_write()?, &new)?;
            if p.json {
                p.json(&done);
            } else if !done.changed() {
                p.note(format!("{} was already {}.", done.name, done.value));
            } else {
                p.note(format!("{}: {} → {}", done.name, done.before, done.value));
            }
        }
    }
    Ok(())
}
