//! `keyadm import FILE`: keys from an export made with `--include-secrets`
//! (CSV or JSON), or from an AWS API Gateway CSV (`Name,Key,Description,Enabled`).
//! All or nothing, in one transaction, with the rules of `generate`.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;
use serde::Serialize;
use serde_json::Value;

use super::export::undefuse;
use super::generate::{issue_with, parse_list, parse_tags, Imported, KeySpec};
use super::Context;
use keyadm::domain::expiry::{parse_duration, Expiry};
use keyadm::domain::key::{validate_description, validate_name, validate_reason, KeyType};
use keyadm::domain::org::{org_not_found, tenant_of, validate_org};
use keyadm::domain::value::{is_key_id, parse_value};
use keyadm::{Error, Result, SecretValue};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The file to read (`-` for stdin): a keyadm export made with
    /// --include-secrets (CSV or JSON), or an AWS API Gateway key CSV
    pub file: PathBuf,
}

/// One row of the file, as text, by column name.
struct RawRow {
    number: usize,
    cells: HashMap<String, String>,
}

impl RawRow {
    fn get(&self, column: &str) -> &str {
        self.cells.get(column).map_or("", |s| s.trim())
    }
    fn opt(&self, column: &str) -> Option<&str> {
        Some(self.get(column)).filter(|s| !s.is_empty())
    }
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
    };
    match &m.hint {
        Some(h) => fresh.hint(h.clone()),
        None => fresh,
    }
}

fn read_input(path: &PathBuf) -> Result<String> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            Error::environment(format!("cannot read {}: {e}", path.display()))
                .hint("check the path and that the file is UTF-8 text")
        })?
    };
    Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string())
}

/// Which kind of file: our JSON, our CSV, or AWS API Gateway's CSV.
enum Source {
    Keyadm,
    Aws,
}

fn parse_json(text: &str) -> Result<Vec<RawRow>> {
    let bad = |why: String| {
        Error::usage(format!("the file is not a keyadm JSON export: {why}"))
            .hint("import a file made by: keyadm export --format json --include-secrets")
    };
    let items: Vec<Value> = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let Value::Object(map) = item else {
            return Err(bad(format!("item {} is not an object", i + 1)));
        };
        let mut cells = HashMap::new();
        for (k, v) in map {
            let text = match v {
                Value::Null => String::new(),
                Value::String(s) => s,
                Value::Array(items) => items
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join("\n"),
                Value::Number(n) if k == "rotate_every" => format!("{n}s"),
                other => other.to_string(),
            };
            cells.insert(k, text);
        }
        // The JSON `value` is the CSV `key` column with secrets.
        if let Some(v) = cells.remove("value") {
            cells.insert("key".into(), v);
        } else {
            cells.insert("key".into(), String::new());
        }
        rows.push(RawRow {
            number: i + 1,
            cells,
        });
    }
    Ok(rows)
}

fn parse_csv(text: &str) -> Result<(Source, Vec<RawRow>)> {
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let bad = |e: csv::Error| {
        Error::usage(format!("the file is not valid CSV: {e}")).hint(
            "import a file made by keyadm export --include-secrets, or an AWS API Gateway key CSV",
        )
    };
    let headers: Vec<String> = r
        .headers()
        .map_err(bad)?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let has = |h: &str| headers.iter().any(|x| x == h);
    let source = if has("id") && has("type") && has("key") && has("name") {
        Source::Keyadm
    } else if has("name") && has("key") {
        Source::Aws
    } else {
        return Err(Error::usage(format!(
            "unknown CSV columns: {}",
            headers.join(",").escape_debug()
        ))
        .hint("expected a keyadm export (id,name,type,…,key,…) or AWS API Gateway's Name,Key,Description,Enabled"));
    };
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(bad)?;
        let cells = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, c)| (h.clone(), undefuse(c).to_string()))
            .collect();
        rows.push(RawRow {
            number: i + 1,
            cells,
        });
    }
    Ok((source, rows))
}

fn split_list(cell: &str) -> Vec<String> {
    cell.split(['\n', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_time(cell: &str, column: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(cell)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Error::usage(format!("invalid {column} \"{}\"", cell.escape_debug()))
                .hint("times in an import are RFC 3339, e.g. 2027-01-31T17:00:00Z")
        })
}

fn parse_enabled(cell: &str) -> Result<bool> {
    match cell.to_ascii_lowercase().as_str() {
        "" | "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(
            Error::usage(format!("invalid enabled \"{}\"", cell.escape_debug()))
                .hint("use true or false"),
        ),
    }
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
    let org = match (source, row.opt("org")) {
        (Source::Keyadm, Some(o)) => o.to_string(),
        _ => ctx.org(),
    };
    validate_org(&org)?;
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
    let (source, rows) = if text.trim_start().starts_with('[') {
        (Source::Keyadm, parse_json(&text)?)
    } else {
        parse_csv(&text)?
    };
    let actor = ctx.actor();
    let mut store = ctx.open_write()?;
    ctx.require_admin("import keys")?;
    let checked = rows
        .iter()
        .map(|r| {
            check_row(ctx, &source, r)
                .and_then(|c| {
                    // A confined actor imports into their own tenant only.
                    match ctx.confined_tenant() {
                        Some(t) if t != tenant_of(&c.spec.org) => Err(org_not_found(&c.spec.org)),
                        _ => Ok(c),
                    }
                })
                .map_err(|e| at_row(e, r.number, r.get("name")))
        })
        .collect::<Result<Vec<_>>>()?;
    let done = store.write(ctx.now(), |tx| {
        let mut done = Vec::with_capacity(checked.len());
        for c in checked {
            let (number, name) = (c.number, c.spec.name.clone());
            let original_id = c.imported.id.clone();
            if let Some((other, _)) = tx.find_key_by_hash(&c.imported.value.hash())? {
                return Err(at_row(
                    Error::refused(format!(
                        "its value is already in this store, as key \"{}\" ({})",
                        other.name, other.id
                    ))
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
