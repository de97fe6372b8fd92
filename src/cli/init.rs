//! `keyadm init`: create the store and the master key, and say where.

use std::path::Path;

use serde::Serialize;

use super::Context;
use crate::output::{Human, Report};
use keyadm::ops::Created;
use keyadm::Result;

pub fn run(ctx: &mut Context) -> Result<()> {
    let pg = ctx.pg_target()?.is_some();
    let source = ctx.master_key_source()?;
    let existed = source.exists() && (pg || ctx.store_path()?.exists());
    let store = ctx.open_write()?;
    let existed = existed
        && !store
            .created()
            .iter()
            .any(|c| matches!(c, Created::Store(_)));
    ctx.printer.report(&InitReport {
        created: !existed,
        master_key: source.describe(),
        store: store.path(),
    });
    Ok(())
}

/// Where the store and the master key are, and whether init made them.
#[derive(Serialize)]
struct InitReport<'a> {
    created: bool,
    master_key: String,
    store: &'a Path,
}

impl Report for InitReport<'_> {
    fn human(&self, p: &mut Human<'_>) {
        if !self.created {
            p.note("keyadm is already set up; nothing was changed.");
        }
        p.line(format!("store:      {}", self.store.display()));
        p.line(format!("master key: {}", self.master_key));
        // "Back it up" is said with "created a new master key" (Context::open),
        // on every first run: init, generate, import, config set, …
    }
}
