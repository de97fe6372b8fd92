//! `keyadm import FILE`: keys from an export made with `--include-secrets`
//! (CSV or JSON), or from an AWS API Gateway CSV (`Name,Key,Description,Enabled`).
//! All or nothing, in one transaction, with the rules of `generate`.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::generate::{issue_with, parse_list, parse_tags, Imported, KeySpec};
use super::Context;
use keyadm::domain::expiry::{parse_duration, Expiry};
use keyadm::domain::import_file::{
    parse_enabled, parse_import, parse_time, split_list, RawRow, Source,
};
use keyadm::domain::key::{validate_description, validate_name, validate_reason, KeyType};
use keyadm::domain::org::{org_not_found, tenant_of, validate_org};
use keyadm::domain::value::{is_key_id, parse_value};
use keyadm::ops::Right;
use keyadm::{Error, Result, SecretValue};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The file to read (`-` for stdin): a keyadm export made with
    /// --include-secrets (CSV or JSON), or an AWS API Gateway key CSV
    pub file: PathBuf,
}

/// A row checked on its own, ready to be issued.
struct Checked {
    number: usize,
    spec: KeySpec,
    imported: Imported,
}

#[derive(Serialize)]
struct ImportedJson {
    row: usize,
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_id: Option<String>,
}

/// Gives an error the row it came from, keeping its exit code and hint.
fn at_row(e: Error, number: usize, name: &str) -> Error {
    let prefix = if name.is_empty() {
        format!("row {number}")
    } else {
        // Escaped: a quoted CSV cell may hold a newline or a terminal escape.
        format!("row {number} (\"{}\")", name.escape_debug())
    };
    let m = e.message();
    let what = format!("{prefix}: {}; nothing was imported", m.what);
    let fresh = match &e {
        Error::Usage(_) => Error::usage(what),
        Error::NotFound(_) => Error::not_found(what),
        Error::Refused(_) => Error::refused(what),
        Error::Environment(_) => Error::environment(what),
        Error::Cancelled(_) => Error::cancelled(what),
    };
    match &m.hint {
        Some(h) => fresh.hint(h.clone()),
        None => fresh,
    }
}

fn read_input(path: &PathBuf) -> Result<String> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                Error::usage("the input is not UTF-8 text")
                    .hint("import a CSV or JSON file made by: keyadm export --include-secrets")
            } else {
                Error::environment(format!("cannot read stdin: {e}"))
            }
        })?
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            Error::environment(format!("cannot read {}: {e}", path.display()))
                .hint("check the path and that the file is UTF-8 text")
        })?
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if text.trim().is_empty() {
        return Err(Error::usage("the file to import is empty; nothing was imported").hint(
            "import a file made by: keyadm export --include-secrets (CSV or JSON), or an AWS API Gateway CSV",
        ));
    }
    Ok(text.to_string())
}

/// Checks one row on its own (no store): value and checksum, type, name,
/// lists, times. What needs the store is checked when it is issued.
fn check_row(ctx: &Context, source: &Source, row: &RawRow) -> Result<Checked> {
    let value = row.get("key");
    if value.is_empty() || value.contains('…') {
        return Err(Error::usage("the row has no key value").hint(
            "export with --include-secrets (show-once keys have no value and cannot be imported)",
        ));
    }
    let parsed = parse_value(value)?;
    let key_type = match (source, row.opt("type")) {
        (Source::Keyadm, Some(t)) => t.parse::<KeyType>()?,
        (Source::Keyadm, None) => {
            return Err(Error::usage("the row has no type")
                .hint("give it one of: internal, external, custom, desktop"))
        }
        (Source::Aws, _) => parsed.key_type,
    };
    if key_type != parsed.key_type {
        return Err(Error::usage(format!(
            "the row says type {key_type} but its value is of type {}",
            parsed.key_type
        ))
        .hint("a key's type is part of its value: correct the type column"));
    }
    let name = row.get("name").to_string();
    validate_name(&name)?;
    let description = row.get("description").to_string();
    validate_description(&description)?;
    // Empty: the actor's organization, known once the store is open (see run).
    let org = match (source, row.opt("org")) {
        (Source::Keyadm, Some(o)) => o.to_string(),
        _ => ctx.global.org.clone().unwrap_or_default(),
    };
    if !org.is_empty() {
        validate_org(&org)?;
    }
    let enabled = parse_enabled(row.get("enabled"))?;
    let disabled_reason = row
        .opt("disabled_reason")
        .filter(|_| !enabled)
        .map(str::to_string);
    if let Some(r) = &disabled_reason {
        validate_reason(r)?;
    }
    let expires = match row.opt("expires_at") {
        Some(t) => Expiry::At(parse_time(t, "expires_at")?),
        None => Expiry::Never,
    };
    let spec = KeySpec {
        name,
        key_type,
        description,
        expires: Some(expires),
        rules: parse_list(&split_list(row.get("rules")))?,
        origins: parse_list(&split_list(row.get("origins")))?,
        ips: parse_list(&split_list(row.get("ips")))?,
        tags: parse_tags(&split_list(row.get("tags")))?,
        rotate_every: row
            .opt("rotate_every")
            .map(|d| parse_duration(d, false))
            .transpose()?,
        org,
        user: row.opt("user").filter(|u| *u != "all").map(str::to_string),
        show_once: false,
    };
    let spec = KeySpec {
        expires: if key_type.takes_expiry() {
            spec.expires
        } else {
            None
        },
        ..spec
    };
    spec.check_type_rules()?;
    Ok(Checked {
        number: row.number,
        spec,
        imported: Imported {
            id: row.opt("id").filter(|id| is_key_id(id)).map(str::to_string),
            value: SecretValue::new(value.to_string()),
            enabled,
            disabled_reason,
            created_at: match row.opt("created_at") {
                Some(t) => parse_time(t, "created_at")?,
                None => ctx.now(),
            },
            created_by: row
                .opt("created_by")
                .map_or_else(|| ctx.actor(), str::to_string),
        },
    })
}

pub fn run(ctx: &mut Context, args: ImportArgs) -> Result<()> {
    let text = read_input(&args.file)?;
    let (source, rows) = parse_import(&text)?;
    // Every row is checked on its own before the store is opened (a bad
    // file creates nothing)...
    let mut checked = rows
        .iter()
        .map(|r| check_row(ctx, &source, r).map_err(|e| at_row(e, r.number, r.get("name"))))
        .collect::<Result<Vec<_>>>()?;
    let actor = ctx.actor();
    let mut store = ctx.open_write()?;
    store.require(Right::Admin, "import keys")?;
    // ...and its organization once the actor is known: a row without one
    // takes the actor's; another tenant's is "not found", as for generate.
    for c in &mut checked {
        if c.spec.org.is_empty() {
            c.spec.org = ctx.org();
        }
        if ctx
            .confined_tenant()
            .is_some_and(|t| t != tenant_of(&c.spec.org))
        {
            return Err(at_row(org_not_found(&c.spec.org), c.number, &c.spec.name));
        }
    }
    let done = store.write(Right::Admin, "import keys", |tx| {
        let mut done = Vec::with_capacity(checked.len());
        for c in checked {
            let (number, name) = (c.number, c.spec.name.clone());
            let original_id = c.imported.id.clone();
            if let Some((other, _)) = tx.find_key_by_hash(&c.imported.value.hash())? {
                let visible = ctx.confined_tenant().is_none_or(|t| t == other.tenant);
                return Err(at_row(
                    Error::refused(if visible {
                        format!(
                            "its value is already in this store, as key \"{}\" ({})",
                            other.name, other.id
                        )
                    } else {
                        "its value is already in this store".to_string()
                    })
                    .hint("leave that row out of the file"),
                    number,
                    &name,
                ));
            }
            let (key, _) = issue_with(tx, &c.spec, &actor, Some(c.imported))
                .map_err(|e| at_row(e, number, &name))?;
            done.push(ImportedJson {
                row: number,
                original_id: original_id.filter(|o| *o != key.id),
                id: key.id,
                name: key.name,
            });
        }
        Ok(done)
    })?;
    let p = &ctx.printer;
    if p.json {
        p.json(&done);
    } else if p.quiet {
        for d in &done {
            p.line(&d.id);
        }
    } else {
        for d in &done {
            if let Some(o) = &d.original_id {
                p.note(format!(
                    "row {}: ID {o} is taken in this store; \"{}\" got the ID {}",
                    d.row, d.name, d.id
                ));
            }
        }
        p.line(format!(
            "imported {} key{}",
            done.len(),
            if done.len() == 1 { "" } else { "s" }
        ));
    }
    Ok(())
}
