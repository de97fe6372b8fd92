//! `keyadm export`: keys as CSV or JSON, with the filters of `list`; with
//! `--include-secrets` the whole values (confirmed, file 0600, audited).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde_json::json;

use super::list::FilterArgs;
use super::show::reveal;
use super::Context;
use crate::output::time::TimeFormat;
use crate::output::KeyJson;
use keyadm::domain::expiry::format_duration;
use keyadm::domain::key::Key;
use keyadm::ops::Right;
use keyadm::store::NewAudit;
use keyadm::{Error, Result, SecretValue};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The file format [default: from the --output extension, else json with --json, else csv]
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to FILE (created 0600) instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Put whole key values in the key column (asks for confirmation; audited per key)
    #[arg(long)]
    pub include_secrets: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// The CSV columns, in order; `import` reads the same names.
pub const CSV_HEADERS: [&str; 20] = [
    "id",
    "name",
    "type",
    "state",
    "enabled",
    "disabled_reason",
    "org",
    "tenant",
    "description",
    "created_at",
    "created_by",
    "expires_at",
    "key",
    "user",
    "rules",
    "origins",
    "ips",
    "tags",
    "rotate_every",
    "last_used_at",
];

/// How lists (rules, origins, addresses, tags) are joined in one CSV cell.
pub const LIST_SEPARATOR: &str = "; ";

/// Defuses a cell that a spreadsheet would run as a formula: a leading
/// `= + - @`, tab or carriage return gets a `'` in front.
pub fn defuse(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn join(items: &[impl ToString]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(LIST_SEPARATOR)
}

fn csv_row(k: &Key, now: chrono::DateTime<chrono::Utc>, key_cell: &str) -> Vec<String> {
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    [
        k.id.clone(),
        k.name.clone(),
        k.key_type.to_string(),
        k.state(now).as_str().to_string(),
        k.enabled.to_string(),
        k.disabled_reason.clone().unwrap_or_default(),
        k.org.clone(),
        k.tenant.clone(),
        k.description.clone(),
        time(Some(k.created_at)),
        k.created_by.clone(),
        time(k.expires_at),
        key_cell.to_string(),
        k.user.clone().unwrap_or_default(),
        join(&k.rules),
        join(&k.origins),
        join(&k.ips),
        join(&k.tags),
        k.rotate_every.map(format_duration).unwrap_or_default(),
        time(k.last_used_at),
    ]
    .iter()
    .map(|c| defuse(c))
    .collect()
}

/// A selected key and, with `--include-secrets`, its value (`None` for a show-once key).
struct Exported {
    key: Key,
    value: Option<SecretValue>,
}

fn render(
    format: Format,
    rows: &[Exported],
    secrets: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<u8>> {
    match format {
        Format::Json => {
            let items: Vec<KeyJson> = rows
                .iter()
                .map(|r| {
                    let j = KeyJson::new(&r.key, now);
                    match &r.value {
                        Some(v) => j.with_value(v),
                        None => j,
                    }
                })
                .collect();
            let mut out = serde_json::to_vec_pretty(&items)
                .map_err(|e| Error::environment(format!("cannot write JSON: {e}")))?;
            out.push(b'\n');
            Ok(out)
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let csv_err = |e: csv::Error| Error::environment(format!("cannot write CSV: {e}"));
            w.write_record(CSV_HEADERS).map_err(csv_err)?;
            for r in rows {
                let cell = match &r.value {
                    Some(v) => v.expose().to_string(),
                    None if secrets => String::new(),
                    None => r.key.key.clone(),
                };
                w.write_record(csv_row(&r.key, now, &cell))
                    .map_err(csv_err)?;
            }
            w.into_inner()
                .map_err(|e| Error::environment(format!("cannot write CSV: {e}")))
        }
    }
}

/// Writes `bytes` to `path` by way of a 0600 temporary file beside it, so
/// that a failure leaves no half-written export and no reader sees one.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| Error::usage(format!("--output {} is not a file name", path.display())))?;
    let tmp = dir.join(format!(
        ".{}.keyadm-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let io = |e: std::io::Error| {
        Error::environment(format!("cannot write {}: {e}", path.display()))
            .hint("check that the folder exists and is writable")
    };
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io)?;
    let done = f
        .write_all(bytes)
        .and_then(|()| f.sync_all())
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = done {
        let _ = fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

pub fn run(ctx: &mut Context, args: ExportArgs) -> Result<()> {
    if let Some(p) = &args.output {
        keyadm::domain::value::refuse_value_in_path("export path", p)?;
    }
    let now = ctx.now();
    let format = args.format.unwrap_or_else(|| {
        match args
            .output
            .as_ref()
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
        {
            Some(e) if e.eq_ignore_ascii_case("json") => Format::Json,
            Some(e) if e.eq_ignore_ascii_case("csv") => Format::Csv,
            // `keyadm export --json` means JSON, as on every other command.
            _ if ctx.printer.json => Format::Json,
            _ => Format::Csv,
        }
    });
    let actor = ctx.actor();
    let mut store = ctx.open_write_existing()?;
    // Confirm before the transaction: the count asked about is shown to a
    // person, and a prompt must not hold the store's write lock.
    let selected = store.read(|tx| select(ctx, &args, &tx.settings()?, tx))?;
    if args.include_secrets {
        if !selected.is_empty() && selected.iter().all(|k| k.show_once) {
            return Err(Error::refused(format!(
                "no value to export: the {} selected key{} shown once and not stored",
                selected.len(),
                if selected.len() == 1 {
                    " was"
                } else {
                    "s were"
                }
            ))
            .hint("export without --include-secrets, or give them new values with keyadm rotate"));
        }
        let target = args
            .output
            .as_ref()
            .map_or("stdout".to_string(), |p| p.display().to_string());
        ctx.confirm(
            &format!(
                "Export {} key{} WITH THEIR VALUES to {target}?",
                selected.len(),
                if selected.len() == 1 { "" } else { "s" }
            ),
            "keyadm export --include-secrets --yes …",
        )?;
    }
    let ids: Vec<String> = selected.iter().map(|k| k.id.clone()).collect();
    let (rows, blank) = store.write(Right::Reveal, "export keys", |tx| {
        let mut rows = Vec::with_capacity(ids.len());
        let mut blank = 0;
        for id in &ids {
            let key = tx.find_key(ctx.confined_tenant(), None, id)?;
            let value = if !args.include_secrets {
                None
            } else if key.show_once {
                blank += 1;
                None
            } else {
                Some(reveal(
                    tx,
                    &key,
                    &actor,
                    "export",
                    json!({"format": format_name(format)}),
                )?)
            };
            rows.push(Exported { key, value });
        }
        let bytes = render(format, &rows, args.include_secrets, now)?;
        tx.append_audit(NewAudit {
            actor: &actor,
            action: "export",
            key_id: None,
            key_name: None,
            tenant: ctx.confined_tenant(),
            details: json!({
                "format": format_name(format),
                "keys": rows.len(),
                "include_secrets": args.include_secrets,
                "output": args.output.as_ref().map(|p| p.display().to_string()),
            }),
        })?;
        match &args.output {
            Some(path) => write_private(path, &bytes)?,
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(&bytes)?;
                out.flush()?;
            }
        }
        Ok((rows.len(), blank))
    })?;
    if let Some(path) = &args.output {
        ctx.printer.note(format!(
            "exported {rows} key{} to {}{}",
            if rows == 1 { "" } else { "s" },
            path.display(),
            if args.include_secrets {
                " (with values; the file is 0600)"
            } else {
                ""
            }
        ));
    }
    if blank > 0 {
        ctx.printer.warn(format!(
            "{blank} show-once key{} no stored value; the key column is blank for {}",
            if blank == 1 { " has" } else { "s have" },
            if blank == 1 { "it" } else { "them" }
        ));
    }
    Ok(())
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Csv => "csv",
        Format::Json => "json",
    }
}

/// The keys `list` would show with the same filters, in its order.
fn select(
    ctx: &Context,
    args: &ExportArgs,
    settings: &keyadm::domain::settings::Settings,
    tx: &keyadm::store::Tx,
) -> Result<Vec<Key>> {
    let tf: TimeFormat = ctx.time_format(settings);
    args.filter.check_org(ctx, tx)?;
    let filter = args.filter.filter(ctx, settings.max_lifetime())?;
    let mut keys = Vec::new();
    tx.each_key(&args.filter.query(ctx), |k| {
        if filter.matches(&k, &tf) {
            keys.push(k);
        }
        Ok(())
    })?;
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyadm::domain::import_file::undefuse;

    #[test]
    fn formula_cells_are_defused_and_restored() {
        for bad in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            let d = defuse(bad);
            assert!(d.starts_with('\''), "{d:?}");
            assert_eq!(undefuse(&d), bad);
        }
        assert_eq!(defuse("billing"), "billing");
        assert_eq!(undefuse("'quoted"), "'quoted");
    }
}
