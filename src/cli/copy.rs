//! `keyadm copy KEY`: the value to the clipboard (or the terminal's, with
//! `--osc52`), cleared after `--clear-after`; audited.

use clap::Args;
use serde_json::json;

use super::show::reveal;
use super::Context;
use crate::clipboard;
use keyadm::domain::expiry::{format_duration, parse_duration};
use keyadm::domain::settings::Settings;
use keyadm::ops::Right;
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

impl CopyHow {
    /// Checks the options and that there is a clipboard, before any change.
    pub fn prepare(&self) -> Result<Option<u64>> {
        let secs = self
            .clear_after
            .as_deref()
            .map(|d| parse_duration(d, true))
            .transpose()?;
        if !self.osc52 {
            clipboard::check_display()?;
        }
        Ok(secs)
    }

    /// Hands `value` over (inside the caller's transaction, so that a failure
    /// undoes the audit entry); returns what to tell the user.
    pub fn hand_over(&self, value: &SecretValue, clear_after: u64) -> Result<String> {
        if self.osc52 {
            clipboard::osc52(value)?;
            return Ok(
                "sent to the terminal's clipboard (OSC 52); keyadm cannot clear it there".into(),
            );
        }
        clipboard::hand_over(value, clear_after)?;
        Ok(if clear_after == 0 {
            "copied to the clipboard (not cleared: clear-after is 0)".into()
        } else {
            format!(
                "copied to the clipboard; cleared in {} unless replaced before",
                format_duration(clear_after)
            )
        })
    }

    pub fn details(&self, clear_after: u64) -> serde_json::Value {
        json!({
            "via": if self.osc52 { "osc52" } else { "clipboard" },
            "clear_after": if self.osc52 { None } else { Some(format_duration(clear_after)) },
        })
    }
}

/// The clear-after from the option, else the setting.
pub fn clear_after(option: Option<u64>, settings: &Settings) -> u64 {
    option.unwrap_or_else(|| settings.clipboard_clear())
}

pub fn run(ctx: &mut Context, args: CopyArgs) -> Result<()> {
    let actor = ctx.actor();
    let mut store = ctx.open_write_existing()?;
    // A show-once key has nothing to copy: say that, not "no clipboard".
    let key = store
        .read(|tx| tx.find_key(ctx.confined_tenant(), ctx.global.org.as_deref(), &args.key))?;
    if key.show_once {
        return Err(super::show::not_retrievable(&key));
    }
    let option = args.how.prepare()?;
    let (key, secs, said, settings) = store.write(Right::Reveal, "copy keys", |tx| {
        let key = tx.find_key(ctx.confined_tenant(), ctx.global.org.as_deref(), &args.key)?;
        let settings = tx.settings()?;
        let secs = clear_after(option, &settings);
        let value = reveal(tx, &key, &actor, "copy", args.how.details(secs))?;
        let said = args.how.hand_over(&value, secs)?;
        Ok((key, secs, said, settings))
    })?;
    super::notify::warn_if_expiring(ctx, &key, &settings);
    if ctx.printer.json {
        let mut out = json!({"key_id": key.id, "name": key.name});
        if let (Some(o), serde_json::Value::Object(d)) =
            (out.as_object_mut(), args.how.details(secs))
        {
            o.extend(d);
        }
        ctx.printer.json(&out);
    } else {
        ctx.printer
            .note(format!("The value of key \"{}\" was {said}.", key.name));
    }
    Ok(())
}
