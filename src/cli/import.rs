//! `keyadm import FILE`: keys from an export made with `--include-secrets`
//! (CSV or JSON), or from an AWS API Gateway CSV (`Name,Key,Description,Enabled`),
//! read row by row (`keyadm::domain::import_file`). All or nothing, in one
//! transaction, with the rules of `generate`; `--dry-run` says what it would do.

use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::Context;
use crate::output::report::ShapedQuiet;
use crate::output::Human;
use keyadm::domain::import_file::{check_row, ColumnKind, ImportReader, ImportRow};
use keyadm::domain::value::redact_values;
use keyadm::ops::import;
use keyadm::ops::Right;
use keyadm::{Error, Key, MasterKey, Result, Store};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The file to read (`-` for stdin): a keyadm export made with
    /// --include-secrets (CSV or JSON), or an AWS API Gateway key CSV
    pub file: PathBuf,
    /// Check every row and print what would be imported, and where; change
    /// nothing (on a missing store, create nothing)
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Serialize)]
struct ImportedJson {
    row: usize,
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_id: Option<String>,
}

/// What `--dry-run` says of one row.
#[derive(Serialize)]
struct RowPlan {
    row: usize,
    name: String,
    #[serde(rename = "type")]
    key_type: Option<String>,
    org: Option<String>,
    /// The file's ID when it is kept; `None` when the key would get a new one.
    id: Option<String>,
    /// The file's ID when it is taken in this store (a new one is drawn).
    original_id: Option<String>,
    refused: Option<Refusal>,
}

#[derive(Serialize)]
struct Refusal {
    exit: i32,
    error: String,
    hint: Option<String>,
}

/// Gives an error the row it came from, keeping its exit code and hint.
fn at_row(e: Error, number: usize, name: &str, outcome: &str) -> Error {
    let prefix = if name.is_empty() {
        format!("row {number}")
    } else {
        // Escaped: a quoted CSV cell may hold a newline or a terminal escape.
        format!("row {number} (\"{}\")", name.escape_debug())
    };
    let m = e.message();
    // A file-level error already names the row.
    let what = if m.what.starts_with("row ") || m.what.starts_with("the file") {
        m.what.clone()
    } else {
        format!("{prefix}: {}; {outcome}", m.what)
    };
    // The same kind, its hint below.
    let fresh = match &e {
        Error::Usage(_) => Error::usage(what),        // hinted below
        Error::NotFound(_) => Error::not_found(what), // hinted below
        Error::Refused(_) => Error::refused(what),    // hinted below
        Error::Environment(_) => Error::environment(what), // hinted below
        Error::Cancelled(_) => Error::cancelled(what), // hinted below
    };
    match &m.hint {
        Some(h) => fresh.hint(h.clone()),
        None => fresh.hint("fix the file and import it again"),
    }
}

const NOTHING: &str = "nothing was imported";

fn open_input(path: &PathBuf) -> Result<Box<dyn BufRead>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::BufReader::new(std::io::stdin())));
    }
    let file = std::fs::File::open(path).map_err(|e| {
        Error::environment(format!("cannot read {}: {e}", path.display()))
            .hint("check the path and that the file is readable")
    })?;
    Ok(Box::new(std::io::BufReader::with_capacity(64 * 1024, file)))
}

/// Warns of each unknown column when first seen; gathers the dropped ones
/// for one note at the end.
#[derive(Default)]
struct Columns {
    dropped: BTreeSet<String>,
}

impl Columns {
    fn take(&mut self, ctx: &Context, file: &mut ImportReader<Box<dyn BufRead>>) {
        for (name, kind) in file.take_new_columns() {
            match kind {
                ColumnKind::Unknown => ctx.printer.warn(format!(
                    "unknown column \"{}\" (the file is read as {}): it is not imported",
                    name.escape_debug(),
                    file.format().as_str()
                )),
                ColumnKind::Dropped => {
                    self.dropped.insert(name);
                }
                _ => {}
            }
        }
    }

    fn note(&self, ctx: &Context) {
        if !self.dropped.is_empty() {
            let names: Vec<&str> = self.dropped.iter().map(String::as_str).collect();
            ctx.printer.note(format!(
                "Not imported, by design: {} (see keyadm import in the README).",
                names.join(", ")
            ));
        }
    }
}

/// One row through the library's import step, as this actor.
fn issue_row(
    ctx: &Context,
    tx: &keyadm::ops::Tx,
    actor: &str,
    row: ImportRow,
) -> Result<(Key, Option<String>)> {
    let default_org = ctx.org();
    let who = import::Importer {
        tenant: ctx.confined_tenant(),
        default_org: &default_org,
        actor,
        now: ctx.now(),
    };
    import::issue_row(tx, &who, row)
}

pub fn run(ctx: &mut Context, args: ImportArgs) -> Result<()> {
    // On a missing store the whole import is first carried out in a store
    // in memory and rolled back, so that a row refused by any rule (not only
    // the row checks) creates neither the store nor the master key. That
    // reads the input twice: stdin is held in memory for it.
    let missing = !args.dry_run && !ctx.store_exists()?;
    let held = match missing && args.file.as_os_str() == "-" {
        true => Some(Held::read_stdin()?),
        false => None,
    };
    let open = || -> Result<ImportReader<Box<dyn BufRead>>> {
        ImportReader::open(match &held {
            Some(h) => Box::new(std::io::Cursor::new(h.clone())),
            None => open_input(&args.file)?,
        })
    };
    let mut file = open()?;
    let mut columns = Columns::default();
    columns.take(ctx, &mut file);
    if args.dry_run {
        return dry_run(ctx, file, columns);
    }
    // The first row is checked before the store is opened (a file that is
    // bad from the start creates nothing).
    let check = |r: keyadm::domain::import_file::RawRow| {
        check_row(&r).map_err(|e| at_row(e, r.number, r.get("name"), NOTHING))
    };
    let mut next = file.next_row()?.map(check).transpose()?;
    columns.take(ctx, &mut file);
    if missing {
        rehearse(ctx, open()?)?;
    }
    let actor = ctx.actor();
    let mut store = ctx.open_write()?;
    let done = store.write(Right::Admin, "import keys", |tx| {
        let mut done = Vec::new();
        while let Some(row) = next {
            let (number, name) = (row.number, row.name.clone());
            let (key, original_id) =
                issue_row(ctx, tx, &actor, row).map_err(|e| at_row(e, number, &name, NOTHING))?;
            done.push(ImportedJson {
                row: number,
                original_id: original_id.filter(|o| *o != key.id),
                id: key.id,
                name: key.name,
            });
            next = file.next_row()?.map(check).transpose()?;
            columns.take(ctx, &mut file);
        }
        Ok(done)
    })?;
    columns.note(ctx);
    // One note, no reason, when the actor is confined: the ID may be taken
    // in a tenant the actor cannot see (SPEC §5.1).
    let confined = ctx.confined_tenant().is_some();
    ctx.printer.report(&ShapedQuiet {
        json: &done,
        human: |out: &mut Human<'_>| imported(out, &done, confined),
        quiet: |out: &mut Human<'_>| {
            for d in &done {
                out.line(&d.id);
            }
        },
    });
    Ok(())
}

/// The notes on replaced IDs, and how many keys were imported.
fn imported(out: &mut Human<'_>, done: &[ImportedJson], confined: bool) {
    if confined {
        let replaced: Vec<String> = done
            .iter()
            .filter_map(|d| {
                let o = d.original_id.as_ref()?;
                Some(format!("{o} (row {}, now {})", d.row, d.id))
            })
            .collect();
        if !replaced.is_empty() {
            out.note(format!("New IDs replace: {}.", replaced.join(", ")));
        }
    } else {
        for d in done {
            if let Some(o) = &d.original_id {
                out.note(format!(
                    "row {}: ID {o} is taken in this store; \"{}\" got the ID {}",
                    d.row, d.name, d.id
                ));
            }
        }
    }
    let n = done.len();
    out.line(format!("imported {n} key{}", if n == 1 { "" } else { "s" }));
}

/// Stdin, read whole (it may hold key values: wiped when dropped).
#[derive(Clone)]
struct Held(std::rc::Rc<zeroize::Zeroizing<Vec<u8>>>);

impl Held {
    fn read_stdin() -> Result<Held> {
        use std::io::Read;
        let mut buf = zeroize::Zeroizing::new(Vec::new());
        std::io::stdin().lock().read_to_end(&mut buf).map_err(|e| {
            Error::environment(format!("cannot read stdin: {e}"))
                .hint("check what is piped into keyadm import -")
        })?;
        Ok(Held(std::rc::Rc::new(buf)))
    }
}

impl AsRef<[u8]> for Held {
    fn as_ref(&self) -> &[u8] {
        &self.0[..]
    }
}

/// The import into a new, empty store in memory, rolled back: the first
/// refused row is the error, exactly as the real import would give it.
fn rehearse(ctx: &Context, mut file: ImportReader<Box<dyn BufRead>>) -> Result<()> {
    let mut s = Store::open_in_memory(ctx.now())?;
    s.unlock(MasterKey::generate())?;
    let mut store = ctx.resolve(s)?;
    let actor = ctx.actor();
    store.write_rolled_back(Right::Admin, "import keys", |tx| {
        while let Some(raw) = file.next_row()? {
            let (number, name) = (raw.number, raw.get("name").to_string());
            let row = check_row(&raw).map_err(|e| at_row(e, number, &name, NOTHING))?;
            issue_row(ctx, tx, &actor, row).map_err(|e| at_row(e, number, &name, NOTHING))?;
        }
        Ok(())
    })
}

const WOULD: &str = "the import would stop here (dry run: nothing was changed)";

/// `--dry-run`: every row checked and issued in a transaction that is
/// rolled back (in a new in-memory store when there is none), so that what
/// it says is what the import would do.
fn dry_run(
    ctx: &mut Context,
    mut file: ImportReader<Box<dyn BufRead>>,
    mut columns: Columns,
) -> Result<()> {
    let mut store = if ctx.store_exists()? {
        ctx.open_write_existing()?
    } else {
        let mut s = Store::open_in_memory(ctx.now())?;
        s.unlock(MasterKey::generate())?;
        ctx.resolve(s)?
    };
    let actor = ctx.actor();
    let mut out = PlanPrinter::default();
    let mut first_refusal = None;
    let ctx = &*ctx;
    let read = store.write_rolled_back(Right::Admin, "import keys", |tx| {
        while let Some(raw) = file.next_row()? {
            columns.take(ctx, &mut file);
            let name = raw.get("name").to_string();
            let mut plan = RowPlan {
                row: raw.number,
                name: name.clone(),
                key_type: raw.opt("type").map(str::to_string),
                org: raw.opt("org").map(str::to_string),
                id: None,
                original_id: None,
                refused: None,
            };
            match check_row(&raw).and_then(|row| issue_row(ctx, tx, &actor, row)) {
                Ok((key, original_id)) => {
                    plan.key_type = Some(key.key_type.to_string());
                    plan.org = Some(key.org.clone());
                    plan.id = original_id.as_ref().filter(|o| **o == key.id).cloned();
                    plan.original_id = original_id.filter(|o| *o != key.id);
                }
                Err(e @ Error::Environment(_)) => return Err(e),
                Err(e) => {
                    let m = e.message();
                    plan.refused = Some(Refusal {
                        exit: e.exit_code(),
                        error: redact_values(&m.what).into_owned(),
                        hint: m.hint.as_deref().map(|h| redact_values(h).into_owned()),
                    });
                    if first_refusal.is_none() {
                        first_refusal = Some(at_row(e, raw.number, &name, WOULD));
                    }
                }
            }
            out.row(ctx, &plan);
        }
        Ok(())
    });
    out.finish(ctx);
    read?;
    columns.note(ctx);
    match first_refusal {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Prints each row's plan as it comes: a line, or one item of a JSON array.
#[derive(Default)]
struct PlanPrinter {
    rows: usize,
    would: usize,
    pending: Option<String>,
}

impl PlanPrinter {
    fn row(&mut self, ctx: &Context, plan: &RowPlan) {
        let p = &ctx.printer;
        self.rows += 1;
        if plan.refused.is_none() {
            self.would += 1;
        }
        if p.json {
            match self.pending.take() {
                Some(prev) => p.line(format!("  {prev},")),
                None => p.line("["),
            }
            self.pending = serde_json::to_string(plan).ok();
            return;
        }
        let name = plan.name.escape_debug();
        let line = match &plan.refused {
            Some(r) => format!(
                "row {}: \"{name}\": refused (exit {}): {}",
                plan.row, r.exit, r.error
            ),
            None => {
                let id = match (&plan.id, &plan.original_id) {
                    (Some(id), _) => format!("ID {id} kept"),
                    (None, Some(o)) if ctx.confined_tenant().is_some() => {
                        format!("a new ID (for {o})")
                    }
                    (None, Some(o)) => format!("a new ID ({o} is taken)"),
                    (None, None) => "a new ID".to_string(),
                };
                format!(
                    "row {}: \"{name}\" {} into {}, {id}",
                    plan.row,
                    plan.key_type.as_deref().unwrap_or("?"),
                    plan.org.as_deref().unwrap_or("?"),
                )
            }
        };
        if p.quiet && plan.refused.is_none() {
            return;
        }
        p.line(line);
    }

    fn finish(&mut self, ctx: &Context) {
        let p = &ctx.printer;
        if p.json {
            match self.pending.take() {
                Some(last) => p.line(format!("  {last}\n]")),
                None => p.line("[]"),
            }
            return;
        }
        p.note(format!(
            "Dry run: {} of {} row(s) would be imported; nothing was changed.",
            self.would, self.rows
        ));
    }
}
