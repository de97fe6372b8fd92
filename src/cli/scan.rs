//! `keyadm scan PATH…`: finds key values in files and says what each is in
//! this store. Exit 1 when an active key is found (a pre-commit or CI gate);
//! `--disable` disables those keys with reason `leaked` (audited).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::Context;
use crate::output::report::Shaped;
use crate::output::Human;
use keyadm::domain::key::KeyState;
use keyadm::domain::value::redact_values;
use keyadm::scan::scan_paths;
use keyadm::Result;

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files and folders to scan (folders recursively; .git, binary files, symlinks and special files are skipped)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Disable every active key found, with reason "leaked" (needs the master key)
    #[arg(long)]
    pub disable: bool,
}

#[derive(Serialize)]
struct Found {
    path: String,
    line: usize,
    /// The value, truncated.
    key: String,
    /// active, disabled, expired or unknown.
    state: &'static str,
    key_id: Option<String>,
    name: Option<String>,
    /// `previous` when it is the old value of a rotated key.
    matched: Option<&'static str>,
}

#[derive(Serialize)]
struct Report<'a> {
    findings: &'a [Found],
    active: usize,
    disabled_now: &'a [String],
    files: usize,
    binary_skipped: usize,
    symlinks_skipped: usize,
    special_skipped: usize,
}

pub fn run(ctx: &mut Context, args: ScanArgs) -> Result<ExitCode> {
    let now = ctx.now();
    // A scan never creates a store, even with --disable.
    let mut store = ctx.open_read()?;
    if args.disable {
        for p in &args.paths {
            keyadm::domain::value::refuse_value_in_path("scan path", p)?;
        }
        store = ctx.open_write()?;
    }
    let mut findings = Vec::new();
    let stats = store.read(|tx| {
        scan_paths(&args.paths, |f| {
            let found = tx
                .find_key_by_hash(&f.value.hash())?
                .filter(|(k, _)| ctx.confined_tenant().is_none_or(|t| t == k.tenant));
            let (state, key, matched) = match &found {
                None => ("unknown", None, None),
                Some((k, current)) => {
                    let state = match k.state(now) {
                        KeyState::Disabled => "disabled",
                        KeyState::Expired => "expired",
                        KeyState::Enabled if *current || k.previous_in_grace(now).is_some() => {
                            "active"
                        }
                        KeyState::Enabled => "expired",
                    };
                    (state, Some(k), (!current).then_some("previous"))
                }
            };
            findings.push(Found {
                path: f.path.display().to_string(),
                line: f.line,
                key: f.value.truncated(),
                state,
                key_id: key.map(|k| k.id.clone()),
                name: key.map(|k| k.name.clone()),
                matched,
            });
            Ok(())
        })
    })?;
    for (path, kind) in &stats.special {
        ctx.printer.warn(format!(
            "skipped {}: a {kind}, not a regular file",
            path.display()
        ));
    }
    for (path, why) in &stats.unreadable {
        ctx.printer
            .warn(format!("could not read {}: {why}", path.display()));
    }
    // Each active key once, with every place it was found.
    let mut active: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.state == "active") {
        if let Some(id) = &f.key_id {
            active
                .entry(id)
                .or_default()
                .push(redact_values(&format!("{}:{}", f.path, f.line)).into_owned());
        }
    }
    let mut disabled_now = Vec::new();
    if args.disable {
        disabled_now = keyadm::ops::scan::disable_found(&mut store, &active)?;
    }
    print(ctx, &findings, &active, &disabled_now, &stats);
    Ok(if active.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print(
    ctx: &Context,
    findings: &[Found],
    active: &BTreeMap<&str, Vec<String>>,
    disabled_now: &[String],
    stats: &keyadm::scan::ScanStats,
) {
    let json = Report {
        findings,
        active: active.len(),
        disabled_now,
        files: stats.files,
        binary_skipped: stats.binary,
        symlinks_skipped: stats.symlinks,
        special_skipped: stats.special.len(),
    };
    ctx.printer.report(&Shaped {
        json,
        human: |p: &mut Human<'_>| human(p, findings, active, disabled_now, stats),
    });
}

fn human(
    p: &mut Human<'_>,
    findings: &[Found],
    active: &BTreeMap<&str, Vec<String>>,
    disabled_now: &[String],
    stats: &keyadm::scan::ScanStats,
) {
    for f in findings {
        let who = match (&f.name, &f.key_id) {
            (Some(n), Some(id)) => format!("  key \"{n}\" ({id})"),
            _ => String::new(),
        };
        let old = if f.matched.is_some() {
            ", old value"
        } else {
            ""
        };
        p.line(format!(
            "{}:{}: {}  {}{old}{who}",
            f.path, f.line, f.key, f.state
        ));
    }
    for id in disabled_now {
        p.note(format!("Disabled key {id} (reason: leaked)."));
    }
    p.note(format!(
        "{} key value(s) found in {} file(s), {} active; {} binary file(s), {} symlink(s) and {} special file(s) skipped.",
        findings.len(),
        stats.files,
        active.len(),
        stats.binary,
        stats.symlinks,
        stats.special.len()
    ));
    if !active.is_empty() && disabled_now.is_empty() {
        p.note("Rotate or disable the active keys: keyadm scan --disable PATH… disables them (reason leaked).");
    }
}
