//! `keyadm config list|get|set`: the store's settings (changes audited).

use clap::{Args, Subcommand};
use serde_json::json;

use super::Context;
use crate::output::table::new_table;
use keyadm::domain::settings::{normalize, unknown, SETTINGS};
use keyadm::ops::Right;
use keyadm::store::NewAudit;
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
            let settings = ctx.open_read()?.read(|tx| tx.settings())?;
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
            if !SETTINGS.iter().any(|(n, _, _)| *n == name) {
                return Err(unknown(&name));
            }
            let settings = ctx.open_read()?.read(|tx| tx.settings())?;
            if p.json {
                p.json(&json!({ "name": name, "value": settings.get(&name) }));
            } else {
                p.line(settings.get(&name));
            }
        }
        ConfigAction::Set { name, value } => {
            let value = normalize(&name, &value)?;
            let actor = ctx.actor();
            let mut store = ctx.open_write()?;
            store.require(Right::Operator, "change the store's settings")?;
            let before = store.write(Right::Operator, "change the store's settings", |tx| {
                let before = tx.settings()?.get(&name).to_string();
                if before != value {
                    tx.set_setting(&name, &value)?;
                    tx.append_audit(NewAudit {
                        actor: &actor,
                        action: "config",
                        key_id: None,
                        key_name: None,
                        tenant: None,
                        details: json!({ "setting": name, "before": before, "after": value }),
                    })?;
                }
                Ok(before)
            })?;
            if p.json {
                p.json(&json!({ "name": name, "value": value, "before": before }));
            } else if before == value {
                p.note(format!("{name} was already {value}."));
            } else {
                p.note(format!("{name}: {before} → {value}"));
            }
        }
    }
    Ok(())
}
