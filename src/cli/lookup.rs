//! `keyadm lookup`: which key a value is, without recording a use.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::verify::read_presented_key;
use super::Context;
use chrono::{DateTime, Utc};

use crate::output::time::TimeFormat;
use crate::output::{Human, KeyJson, Report};
use keyadm::ops::lookup;
use keyadm::Key;
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
    json: KeyJson<'a>,
    /// `current`, or `previous` for the old value of a rotated key.
    matched: &'static str,
    #[serde(skip)]
    key: &'a Key,
    #[serde(skip)]
    is_current: bool,
    #[serde(skip)]
    tf: TimeFormat,
    #[serde(skip)]
    now: DateTime<Utc>,
}

impl Report for Found<'_> {
    fn human(&self, p: &mut Human<'_>) {
        let (key, now) = (self.key, self.now);
        p.line(format!("id:    {}", key.id));
        p.line(format!("name:  {}", key.name));
        p.line(format!("type:  {}", key.key_type));
        p.line(format!("org:   {}", key.org));
        p.line(format!("state: {}", key.state_label(now)));
        if !self.is_current {
            let grace = match key.previous_in_grace(now) {
                Some(prev) => format!("works until {}", self.tf.show(prev.valid_until)),
                None => "its grace period has ended".to_string(),
            };
            p.line(format!(
                "value: the previous value of a rotated key; {grace}"
            ));
        }
    }

    fn quiet(&self, p: &mut Human<'_>) {
        p.line(&self.key.id);
    }
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
    ctx.printer.report(&Found {
        json: KeyJson::new(key, now),
        matched,
        key,
        is_current,
        tf,
        now,
    });
    Ok(())
}
