//! `keyadm config list|get|set`: the store's settings (changes audited).

use clap::{Args, Subcommand};
use serde_json::json;

use super::Context;
use crate::output::report::Shaped;
use crate::output::Human;
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
        /// With notify-smtp: plain SMTP without TLS, only to a loopback host and without credentials
        #[arg(long)]
        insecure_smtp: bool,
        /// With notify-webhook: the body's format
        #[arg(long, value_name = "FORMAT", value_parser = ["json", "slack", "teams"])]
        webhook_format: Option<String>,
    },
}

pub fn run(ctx: &mut Context, args: ConfigArgs) -> Result<()> {
    let p = ctx.printer.clone();
    match args.action {
        ConfigAction::List => {
            let org = ctx.global.org.clone();
            let settings = settings::list_for(&mut ctx.open_read()?, org.as_deref())?;
            let map: serde_json::Map<_, _> = SETTINGS
                .iter()
                .map(|(n, _, _)| (n.to_string(), json!(settings.get(n))))
                .collect();
            p.report(&Shaped {
                json: map,
                human: |out: &mut Human<'_>| {
                    let mut t = p.table(&["SETTING", "VALUE", "DEFAULT", "MEANING"]);
                    for (name, default, about) in SETTINGS {
                        t.add_row(vec![name, settings.get(name), default, about]);
                    }
                    out.line(t.to_string());
                },
            });
        }
        ConfigAction::Get { name } => {
            settings::check_name(&name)?;
            let org = ctx.global.org.clone();
            let got = settings::get_for(&mut ctx.open_read()?, &name, org.as_deref())?;
            p.report(&Shaped {
                json: &got,
                human: |out: &mut Human<'_>| out.line(&got.value),
            });
        }
        ConfigAction::Set {
            name,
            value,
            insecure_smtp,
            webhook_format,
        } => {
            let value =
                settings::with_flags(&name, &value, insecure_smtp, webhook_format.as_deref())?;
            let new = NewSetting::parse(&name, &value)?;
            let org = ctx.global.org.clone();
            let done = settings::set_for(&mut ctx.open_write()?, &new, org.as_deref())?;
            if let Some(n @ 1..) = done.violations {
                p.warn(format!(
                    "{n} key{} break{} max-lifetime {} (no expiry, or one later than that from now); see them with: keyadm list --violations",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "s" } else { "" },
                    done.value
                ));
            }
            if name == "rotation-grace" {
                if let Some(w) = keyadm::domain::expiry::parse_duration(&done.value, true)
                    .ok()
                    .and_then(keyadm::domain::expiry::long_grace_warning)
                {
                    p.warn(w);
                }
            }
            p.report(&Shaped {
                json: &done,
                human: |out: &mut Human<'_>| match done.changed() {
                    false => out.note(format!("{} was already {}.", done.name, done.value)),
                    true => out.note(format!("{}: {} → {}", done.name, done.before, done.value)),
                },
            });
        }
    }
    Ok(())
}
