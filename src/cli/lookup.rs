//! `keyadm lookup`: which key a value is, without recording a use.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::verify::read_presented_key;
use super::Context;
use crate::output::KeyJson;
use keyadm::ops::lookup;
use keyadm::Result;

#[derive(Args, Debug)]
pub struct LookupArgs {
    /// Read the value from the first line of this file (else KEYADM_KEY, else stdin)
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Refused: a key in argv shows in `ps` and shell history
    #[arg(hide = true, value_name = "KEY")]
    pub argv_key: Option<String>,
}

#[derive(Serialize)]
struct Found<'a> {
    #[serde(flatten)]
    key: KeyJson<'a>,
    /// `current`, or `previous` for the old value of a rotated key.
    matched: &'static str,
}

pub fn run(ctx: &mut Context, args: LookupArgs) -> Result<()> {
    if args.argv_key.is_some() {
        return Err(super::verify::no_key_in_argv());
    }
    let value = read_presented_key(args.key_file.as_ref())?;
    lookup::check_value(&value)?;
    let now = ctx.now();
    let found = lookup::lookup(&mut ctx.open_read()?, &value)?;
    let (key, is_current, matched) = (&found.key, found.is_current, found.matched());
    let tf = ctx.time_format(&found.settings);
    let p = &ctx.printer;
    if p.json {
        p.json(&Found {
            key: KeyJson::new(key, now),
            matched,
        });
    } else if p.quiet {
        p.line(&key.id);
    } else {
        p.line(format!("id:    {}", key.id));
        p.line(format!("name:  {}", key.name));
        p.line(format!("type:  {}", key.key_type));
        p.line(format!("org:   {}", key.org));
        p.line(format!("state: {}", key.state_label(now)));
        if !is_current {
            let grace = match key.previous_in_grace(now) {
                Some(prev) => format!("works until {}", tf.show(prev.valid_until)),
                None => "its grace period has ended".to_string(),
            };
            p.line(format!(
                "value: the previous value of a rotated key; {grace}"
            ));
        }
    }
    Ok(())
}
