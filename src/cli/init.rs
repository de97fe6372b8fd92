//! `keyadm init`: create the store and the master key, and say where.

use serde_json::json;

use super::Context;
use keyadm::Result;

pub fn run(ctx: &mut Context) -> Result<()> {
    let path = ctx.store_path()?;
    let source = ctx.master_key_source()?;
    let existed = path.exists() && source.exists();
    let store = ctx.open_write()?;
    let p = &ctx.printer;
    if p.json {
        p.json(&json!({
            "store": store.path(),
            "master_key": source.describe(),
            "created": !existed,
        }));
        return Ok(());
    }
    if existed {
        p.note("keyadm is already set up; nothing was changed.");
    }
    p.line(format!("store:      {}", store.path().display()));
    p.line(format!("master key: {}", source.describe()));
    if !existed {
        p.warn("back up the master key file: without it no stored value can be opened.");
    }
    Ok(())
}
