//! `keyadm export`: keys as CSV or JSON, with the filters of `list`; with
//! `--include-secrets` the whole values (confirmed, file 0600, audited).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use zeroize::Zeroizing;

use super::list::FilterArgs;
use super::Context;
use crate::output::table::key_cells;
use crate::output::KeyJson;
use keyadm::domain::expiry::format_duration;
use keyadm::domain::key::Key;
use keyadm::ops::handover::{self, ExportRow, Handover};
use keyadm::ops::private_file::{OutputFile, PreparedFile};
use keyadm::{Error, Result};

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
    /// Write to FILE (created 0600; a device or FIFO is written in place; - is stdout) instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Put whole key values in the key column (asks for confirmation; audited per key)
    #[arg(long)]
    pub include_secrets: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
}

use keyadm::domain::import_file::CSV_HEADERS;

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

fn csv_row(
    k: &Key,
    now: chrono::DateTime<chrono::Utc>,
    key_cell: &str,
    value_hash: Option<&[u8; 32]>,
) -> Vec<String> {
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
        k.rate_limit.map(|r| r.to_string()).unwrap_or_default(),
        time(k.last_used_at),
        value_hash
            .map(keyadm::domain::import_file::value_hash_hex)
            .unwrap_or_default(),
    ]
    .iter()
    .map(|c| defuse(c))
    .collect()
}

fn render(
    format: Format,
    rows: &[ExportRow],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Zeroizing<Vec<u8>>> {
    match format {
        Format::Json => {
            let items: Vec<KeyJson> = rows
                .iter()
                .map(|r| {
                    let j = KeyJson::new(&r.key, now).with_value_hash(r.value_hash.as_ref());
                    match &r.value {
                        Some(v) => j.with_value(v),
                        None => j,
                    }
                })
                .collect();
            let mut out = Zeroizing::new(serde_json::to_vec_pretty(&items).map_err(|e| {
                Error::environment(format!("cannot write JSON: {e}")).hint("try --format csv")
            })?);
            out.push(b'\n');
            Ok(out)
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let csv_err = |e: csv::Error| {
                Error::environment(format!("cannot write CSV: {e}")).hint("try --format json")
            };
            w.write_record(CSV_HEADERS).map_err(csv_err)?;
            for r in rows {
                // A show-once key: shortened, as list shows it, and its hash.
                let cell = match &r.value {
                    Some(v) => v.expose().to_string(),
                    None => r.key.key.clone(),
                };
                w.write_record(csv_row(&r.key, now, &cell, r.value_hash.as_ref()))
                    .map_err(csv_err)?;
            }
            w.into_inner().map(Zeroizing::new).map_err(|e| {
                Error::environment(format!("cannot write CSV: {e}")).hint("try --format json")
            })
        }
    }
}

/// Where the export goes, prepared before the commit and released after.
enum Out {
    /// Written to stdout on release.
    Stdout(Zeroizing<Vec<u8>>),
    File(PreparedFile),
}

impl Handover for Out {
    type Said = ();

    fn release(self) -> Result<()> {
        match self {
            Out::File(f) => f.release(),
            Out::Stdout(bytes) => {
                let mut out = std::io::stdout().lock();
                match out.write_all(&bytes).and_then(|()| out.flush()) {
                    // A reader that went away (`| head`) took what it wanted.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                    Err(e) => Err(Error::environment(format!(
                        "cannot write the export to stdout: {e}"
                    ))
                    .hint("check where stdout goes, or write a file with -o FILE")),
                    Ok(()) => Ok(()),
                }
            }
        }
    }
}

/// The format an `--output` extension names: `Ok(None)` for no extension
/// (or `-`), `Err(ext)` for an extension that is neither format.
fn format_of_extension(
    output: Option<&std::path::Path>,
) -> std::result::Result<Option<Format>, String> {
    let Some(ext) = output.and_then(|p| p.extension()) else {
        return Ok(None);
    };
    let ext = ext.to_string_lossy();
    if ext.eq_ignore_ascii_case("json") {
        Ok(Some(Format::Json))
    } else if ext.eq_ignore_ascii_case("csv") {
        Ok(Some(Format::Csv))
    } else {
        Err(ext.into_owned())
    }
}

/// The format to write: `--format`, else the `--output` extension, else
/// JSON with `--json`, else CSV. An extension that names the other format
/// is refused, and so is one that names neither (`out.xlsx` would get CSV
/// under a spreadsheet's name) unless `--format` says what to write; then
/// it is a warning.
fn format_of(ctx: &Context, args: &ExportArgs) -> Result<Format> {
    let shown = || {
        args.output
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    match (args.format, format_of_extension(args.output.as_deref())) {
        (Some(f), Ok(Some(e))) if f != e => Err(Error::usage(format!(
            "--format {} does not match the extension of {}",
            format_name(f),
            shown()
        ))
        .hint(format!(
            "name the file .{0}, or pass --format {1}",
            format_name(f),
            format_name(e)
        ))),
        (Some(f), Err(ext)) => {
            ctx.printer.warn(format!(
                "writing {} to {}, whose extension .{ext} is not {0}",
                format_name(f).to_uppercase(),
                shown()
            ));
            Ok(f)
        }
        (Some(f), _) => Ok(f),
        (None, Ok(Some(e))) => Ok(e),
        (None, Err(ext)) => Err(Error::usage(format!(
            "export writes CSV or JSON, and the extension .{ext} of {} is neither",
            shown()
        ))
        .hint("name the file .csv or .json, or pass --format csv|json to write that format under this name")),
        // `keyadm export --json` means JSON, as on every other command.
        (None, Ok(None)) if ctx.printer.json => Ok(Format::Json),
        (None, Ok(None)) => Ok(Format::Csv),
    }
}

pub fn run(ctx: &mut Context, args: ExportArgs) -> Result<()> {
    if let Some(p) = &args.output {
        keyadm::domain::value::refuse_value_in_path("export path", p)?;
    }
    let now = ctx.now();
    let format = format_of(ctx, &args)?;
    // `-o -` is stdout.
    let path = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let selection = args.filter.selection(ctx)?;
    let mut session = ctx.open_write_existing()?;
    // Confirm before the transaction: the count asked about is shown to a
    // person, and a prompt must not hold the store's write lock.
    let selected = handover::export_plan(
        &mut session,
        &selection,
        |settings| ctx.time_format(settings),
        |tf, k| key_cells(k, now, tf),
        args.include_secrets,
    )?;
    if args.include_secrets {
        let target = path.map_or("stdout".to_string(), |p| p.display().to_string());
        ctx.confirm(
            &format!(
                "Export {} key{} WITH THEIR VALUES to {target}?",
                selected.len(),
                if selected.len() == 1 { "" } else { "s" }
            ),
            "keyadm export --include-secrets --yes …",
        )?;
    }
    // A FIFO waits here for its reader, before the store is locked.
    let file = path.map(OutputFile::open).transpose()?;
    let ids: Vec<String> = selected.iter().map(|k| k.id.clone()).collect();
    let shown_path = path.map(|p| p.display().to_string());
    let done = handover::export(
        &mut session,
        &ids,
        args.include_secrets,
        format_name(format),
        shown_path.as_deref(),
        |rows| {
            let bytes = render(format, rows, now)?;
            Ok(match file {
                Some(f) => Out::File(f.prepare(bytes)?),
                None => Out::Stdout(bytes),
            })
        },
    )?;
    let (rows, blank) = (done.keys, done.blank);
    if let Some(path) = path {
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
            "{blank} show-once key{} no stored value: the file has {} value hash (value_hash), so an import keeps {} verifiable, still show-once",
            if blank == 1 { " has" } else { "s have" },
            if blank == 1 { "its" } else { "their" },
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
