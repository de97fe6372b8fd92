//! `keyadm scan [PATH…]`: finds key values in files (`.` by default, `-`
//! for stdin) and says what each is in this store. Exit 1 when an active key
//! is found (a pre-commit or CI gate); `--disable` disables those keys with
//! reason `leaked` (audited). Text, `--json` or `--format sarif` (SARIF
//! 2.1.0, for code-scanning tools); a progress line on a terminal.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::Context;
use crate::output::report::Shaped;
use crate::output::Human;
use keyadm::domain::key::KeyState;
use keyadm::domain::value::redact_values;
use keyadm::scan::{scan_path, scan_reader, ScanOptions, ScanStats};
use keyadm::Result;

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files and folders to scan [default: .]; - reads stdin (folders recursively; .git, binary files, symlinks and special files are skipped)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Disable every active key found, with reason "leaked" (needs the master key)
    #[arg(long)]
    pub disable: bool,
    /// Skip files that .gitignore, .ignore and git's exclude files name, as ripgrep does (hidden files are still scanned)
    #[arg(long)]
    pub respect_gitignore: bool,
    /// The output: text, json (as --json) or sarif (SARIF 2.1.0, for code-scanning tools)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ScanFormat>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanFormat {
    Text,
    Json,
    Sarif,
}

/// The path that means stdin.
const STDIN: &str = "-";

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

pub fn run(ctx: &mut Context, mut args: ScanArgs) -> Result<ExitCode> {
    let format = match (args.format, ctx.printer.json) {
        (Some(ScanFormat::Json) | None, true) => ScanFormat::Json,
        (Some(f), false) => f,
        (None, false) => ScanFormat::Text,
        (Some(f), true) => {
            return Err(keyadm::Error::usage(format!(
                "--json and --format {} ask for two outputs",
                f.to_possible_value()
                    .map(|v| v.get_name().to_owned())
                    .unwrap_or_default()
            ))
            .hint("give one of them"))
        }
    };
    ctx.printer.json = format == ScanFormat::Json;
    if args.paths.is_empty() {
        args.paths.push(PathBuf::from("."));
    }
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
    let mut progress = Progress::new(std::io::stderr().is_terminal() && !ctx.printer.quiet);
    let mut stats = ScanStats::default();
    store.read(|tx| {
        let mut on_finding = |f: keyadm::scan::Finding| {
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
        };
        let mut tick = |s: &ScanStats| progress.tick(s);
        let mut opts = ScanOptions {
            respect_gitignore: args.respect_gitignore,
            progress: Some(&mut tick),
        };
        for p in &args.paths {
            if p.as_os_str() == STDIN {
                let stdin = std::io::stdin().lock();
                scan_reader(p, stdin, &mut stats, &mut on_finding)?;
            } else {
                scan_path(p, &mut opts, &mut stats, &mut on_finding)?;
            }
        }
        Ok(())
    })?;
    progress.clear();
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
    if format == ScanFormat::Sarif {
        ctx.printer.json(&sarif(&findings));
    } else {
        print(ctx, &findings, &active, &disabled_now, &stats);
    }
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

/// The one progress line on a terminal (stderr) for a scan that takes a
/// while: it appears once 1000 files were read or a second has passed, is
/// redrawn at most ten times a second, and is erased before the results.
struct Progress {
    on: bool,
    start: Instant,
    last: Option<Instant>,
}

impl Progress {
    fn new(on: bool) -> Self {
        Progress {
            on,
            start: Instant::now(),
            last: None,
        }
    }

    fn tick(&mut self, stats: &ScanStats) {
        if !self.on {
            return;
        }
        let now = Instant::now();
        let due = match self.last {
            None => stats.files >= 1000 || now - self.start >= Duration::from_secs(1),
            Some(last) => now - last >= Duration::from_millis(100),
        };
        if due {
            self.last = Some(now);
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\r\x1b[2Kscanning: {} file(s) read, {} binary skipped, {} s",
                stats.files,
                stats.binary,
                (now - self.start).as_secs()
            );
            let _ = err.flush();
        }
    }

    fn clear(&mut self) {
        if self.last.take().is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

/// The SARIF rule of each state, and its level.
const RULES: [(&str, &str, &str, &str); 3] = [
    (
        "keyadm/active-key",
        "error",
        "An active API key of this store is in a file",
        "The value works: rotate the key or disable it (keyadm scan --disable), then remove it from the file and its history.",
    ),
    (
        "keyadm/inactive-key",
        "warning",
        "A disabled or expired API key of this store is in a file",
        "The value no longer works here; remove it from the file.",
    ),
    (
        "keyadm/unknown-key",
        "note",
        "A string of the key format with a valid checksum, not in this store",
        "It may be a key of another store; check there.",
    ),
];

/// A relative URI reference for a path (forward slashes, percent-encoded
/// bytes outside the unreserved set), as SARIF's artifactLocation wants.
fn uri(path: &str) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The findings as one SARIF 2.1.0 log (one run, the three rules).
fn sarif(findings: &[Found]) -> serde_json::Value {
    let rules: Vec<_> = RULES
        .iter()
        .map(|(id, level, short, help)| {
            serde_json::json!({
                "id": id,
                "shortDescription": {"text": short},
                "help": {"text": help},
                "defaultConfiguration": {"level": level},
            })
        })
        .collect();
    let results: Vec<_> = findings
        .iter()
        .map(|f| {
            let index = match f.state {
                "active" => 0,
                "unknown" => 2,
                _ => 1,
            };
            let who = match (&f.name, &f.key_id) {
                (Some(n), Some(id)) => format!(" key \"{n}\" ({id})"),
                _ => String::new(),
            };
            let old = if f.matched.is_some() {
                ", its previous value"
            } else {
                ""
            };
            serde_json::json!({
                "ruleId": RULES[index].0,
                "ruleIndex": index,
                "level": RULES[index].1,
                "message": {"text": format!("{} {}{who}{old}: {}", f.state, f.key, RULES[index].3)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&f.path)},
                        "region": {"startLine": f.line},
                    }
                }],
            })
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "keyadm",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn uris_are_relative_and_percent_encoded() {
        assert_eq!(super::uri("./src/a b.py"), "src/a%20b.py");
        assert_eq!(super::uri("docs/Köln.md"), "docs/K%C3%B6ln.md");
    }
}
