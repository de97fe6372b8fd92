//! `keyadm store copy FROM TO`: a whole store into an empty one, SQLite
//! or PostgreSQL either way (issue 13, item 10).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use super::context::{parse_pg, password_on_argv};
use super::Context;
use crate::output::report::Shaped;
use crate::output::Human;
use keyadm::ops::store_copy::{self, CopyOptions, Location};
use keyadm::{Error, Result};

#[derive(Args, Debug)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub command: StoreCommand,
}

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Copy a whole store into an empty one (SQLite or PostgreSQL, either way), all or nothing
    Copy(CopyArgs),
}

#[derive(Args, Debug)]
pub struct CopyArgs {
    /// The store to copy: a file, or postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD)
    #[arg(value_name = "FROM")]
    pub from: String,
    /// The empty target: a path where no file is, or an empty PostgreSQL database [default: KEYADM_COPY_TO]
    #[arg(value_name = "TO")]
    pub to: Option<String>,
    /// On a PostgreSQL target: create a login role for each user (and operator) that has none
    #[arg(long)]
    pub create_logins: bool,
    /// On the target: the source's operators become this one role
    #[arg(long, value_name = "NAME")]
    pub operator_role: Option<String>,
}

/// A location given as text: a PostgreSQL URL (a password only from the
/// environment) or a path.
fn location(text: &str, what: &str, var: Option<&str>, on_argv: bool) -> Result<Location> {
    if text.is_empty() {
        return Err(Error::usage(format!("{what} is empty"))
            .hint("give a store file path or a postgresql:// URL"));
    }
    if !keyadm::ops::session::is_pg_location(text) {
        return Ok(Location::File(PathBuf::from(text)));
    }
    let target = parse_pg(text)?;
    if target.password_in_text && on_argv {
        return Err(password_on_argv(what, var, &target));
    }
    Ok(Location::Pg(Box::new(target)))
}

pub fn run(ctx: &mut Context, args: StoreArgs) -> Result<()> {
    match args.command {
        StoreCommand::Copy(a) => copy(ctx, a),
    }
}

fn copy(ctx: &mut Context, a: CopyArgs) -> Result<()> {
    // FROM is checked as --db is, then opened as the store of this command.
    location(&a.from, "FROM", None, true)?;
    let to = match &a.to {
        Some(t) => location(t, "TO", Some("KEYADM_COPY_TO"), true)?,
        None => match std::env::var("KEYADM_COPY_TO") {
            Ok(t) if !t.is_empty() => location(&t, "KEYADM_COPY_TO", None, false)?,
            _ => {
                return Err(Error::usage("store copy needs TO: where the copy goes")
                    .hint("keyadm store copy FROM TO (a path or postgresql:// URL), or set KEYADM_COPY_TO"))
            }
        },
    };
    ctx.global.db = Some(PathBuf::from(&a.from));
    ctx.global.db_on_command_line = true;
    let mut session = ctx.open_read()?;
    let options = CopyOptions {
        create_logins: a.create_logins,
        operator_role: a.operator_role,
    };
    let report = store_copy::copy(&mut session, &to, &options)?;
    let rows: serde_json::Map<String, serde_json::Value> = report
        .rows
        .iter()
        .map(|(t, n)| (t.clone(), json!(n)))
        .collect();
    let shown = json!({
        "from": report.from,
        "to": report.to,
        "rows": rows,
        "operators": report.operators,
        "created_logins": report.created_logins,
    });
    let count = |t: &str| {
        report
            .rows
            .iter()
            .find(|(n, _)| n == t)
            .map_or(0, |(_, n)| *n)
    };
    let p = ctx.printer.clone();
    p.report(&Shaped {
        json: &shown,
        human: |out: &mut Human<'_>| {
            out.note(format!(
                "Copied {} to {}: {} keys, {} users, {} orgs, {} audit entries in {} chains.",
                report.from,
                report.to,
                count("keys"),
                count("users"),
                count("orgs"),
                count("audit"),
                count("audit_heads"),
            ));
            if !report.created_logins.is_empty() {
                out.note(format!(
                    "Created login roles: {}.",
                    report.created_logins.join(", ")
                ));
            }
            out.note(format!("Operators: {}.", report.operators.join(", ")));
        },
    });
    Ok(())
}
