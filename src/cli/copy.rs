//! `keyadm copy KEY`: the value to the clipboard (or the terminal's, with
//! `--osc52`), cleared after `--clear-after`; audited before it is released.

use clap::Args;
use serde_json::json;

use super::Context;
use crate::clipboard;
use crate::output::report::Shaped;
use crate::output::Human;
use keyadm::domain::expiry::{format_duration, parse_duration};
use keyadm::ops::handover::{self, CopyPlan, Handover, Via};
use keyadm::ops::keys::Scope;
use keyadm::{Result, SecretValue};

#[derive(Args, Debug)]
pub struct CopyArgs {
    /// The key's ID or name
    pub key: String,
    #[command(flatten)]
    pub how: CopyHow,
}

/// How to copy; shared with `generate --copy`.
#[derive(Args, Debug, Clone, Default)]
pub struct CopyHow {
    /// Clear the clipboard after DURATION if it still holds the value; 0 never [default: setting clipboard-clear, 45s]
    #[arg(long, value_name = "DURATION")]
    pub clear_after: Option<String>,
    /// Send the value through the terminal (OSC 52: works over SSH and in tmux) instead
    #[arg(long)]
    pub osc52: bool,
}

/// A value on its way to a clipboard: prepared before the commit, released after.
pub enum Held {
    Clipboard(clipboard::Holder, u64),
    Osc52(clipboard::Osc52),
}

impl Handover for Held {
    /// What to tell the user.
    type Said = String;

    fn release(self) -> Result<String> {
        match self {
            Held::Osc52(o) => {
                o.send()?;
                Ok(
                    "sent to the terminal's clipboard (OSC 52); keyadm cannot clear it there"
                        .into(),
                )
            }
            Held::Clipboard(holder, secs) => {
                holder.take_over()?;
                Ok(if secs == 0 {
                    "copied to the clipboard (not cleared: clear-after is 0)".into()
                } else {
                    format!(
                        "copied to the clipboard; cleared in {} unless replaced before",
                        format_duration(secs)
                    )
                })
            }
        }
    }
}

impl CopyHow {
    /// Checks the options (the clipboard itself is looked for when the
    /// holder starts, inside the transaction: a failure there changes nothing).
    pub fn plan(&self) -> Result<CopyPlan> {
        let clear_after = self
            .clear_after
            .as_deref()
            .map(|d| parse_duration(d, true))
            .transpose()?;
        let via = if self.osc52 {
            Via::Osc52
        } else {
            Via::Clipboard
        };
        Ok(CopyPlan { via, clear_after })
    }
}

/// Every step of handing `value` over that can fail (inside the
/// transaction that audits it); the value is not yet released.
pub fn prepare(plan: &CopyPlan, value: &SecretValue, secs: u64) -> Result<Held> {
    Ok(match plan.via {
        Via::Osc52 => Held::Osc52(clipboard::osc52(value)?),
        Via::Clipboard => Held::Clipboard(clipboard::start(value, secs)?, secs),
    })
}

pub fn run(ctx: &mut Context, args: CopyArgs) -> Result<()> {
    let plan = args.how.plan()?;
    let mut session = ctx.open_write_existing()?;
    let scope = Scope {
        org: ctx.global.org.as_deref(),
    };
    let done = handover::copy(&mut session, scope, &args.key, &plan, |value, secs| {
        prepare(&plan, value, secs)
    })?;
    super::notify::warn_if_expiring(ctx, &done.key, &done.settings);
    let mut out = json!({"key_id": done.key.id, "name": done.key.name});
    if let (Some(o), serde_json::Value::Object(d)) =
        (out.as_object_mut(), plan.details(done.clear_after))
    {
        o.extend(d);
    }
    ctx.printer.report(&Shaped {
        json: out,
        human: |p: &mut Human<'_>| {
            p.note(format!(
                "The value of key \"{}\" was {}.",
                done.key.name, done.said
            ))
        },
    });
    Ok(())
}
