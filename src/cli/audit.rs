//! `keyadm audit`: the audit log, oldest first, with filters;
//! `keyadm audit verify`: every chain and its authenticated head; and
//! `keyadm audit head`: the heads. The rules are in `keyadm::ops::audit`.

use std::process::ExitCode;

use crate::output::table::GridCell as Cell;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::Context;
use crate::output::report::{Shaped, ShapedQuiet};
use crate::output::time::TimeFormat;
use crate::output::Human;
use keyadm::ops::audit::{self, hex, AuditEntry, AuditQuery, AuditReport, ExpectedHead};
use keyadm::Result;

#[derive(Args, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "--by NAME lists the entries whose declared actor or OS account is NAME. --actor NAME on the command line still filters by the declared actor in this release, with a warning (--actor is who runs the command; KEYADM_ACTOR never filters)."
)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,
    /// Only entries of this key (ID or name; deleted keys too)
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// Only entries by NAME: the declared actor or the OS account that ran the command
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// Only entries of this action (generate, import, reveal, copy, edit, enable, disable, delete, rotate, export, expire, purge, notify, config, org, user)
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Entries recorded (real time) at or after: a date (2026-11-01), date and time, RFC 3339, or a duration ago (7d)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Entries at or before: a date (through that day), date and time, RFC 3339, or a duration ago
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Only the newest N matching entries (still shown oldest first; N ≥ 1)
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check every chain and its HMAC: exit 0 intact, 1 broken (naming the first bad entry)
    Verify {
        /// Prove that a chain still holds this head, as `audit head` prints it ("CHAIN SEQ HASH" or CHAIN:SEQ:HASH); exit 1 if not (repeatable)
        #[arg(long, value_name = "HEAD")]
        expect: Vec<String>,
        /// Record the store's current heads in the head witness, even if behind it (after restoring a backup on purpose)
        #[arg(long)]
        accept_head: bool,
    },
    /// Print the authenticated head of each chain: CHAIN SEQ HASH
    Head,
}

#[derive(Serialize)]
struct EntryJson<'a> {
    #[serde(flatten)]
    entry: &'a AuditEntry,
    hash: String,
}

pub fn run(ctx: &mut Context, args: AuditArgs) -> Result<ExitCode> {
    match args.command {
        Some(AuditCommand::Verify {
            expect,
            accept_head,
        }) => verify(ctx, &expect, accept_head),
        Some(AuditCommand::Head) => head(ctx),
        None => list(ctx, args).map(|()| ExitCode::SUCCESS),
    }
}

fn list(ctx: &mut Context, args: AuditArgs) -> Result<()> {
    let actor = actor_filter(ctx);
    if let Some(a) = &actor {
        ctx.printer.warn(format!(
            "audit --actor filters by the declared actor in this release only; use --by {a} (--actor names who runs the command)"
        ));
    }
    let query = AuditQuery {
        key: args.key,
        org: ctx.global.org.clone(),
        actor,
        by: args.by,
        action: args.action,
        since: args.since,
        until: args.until,
        limit: args.limit,
    };
    // Input errors before the store is opened, as before.
    query
        .action
        .as_deref()
        .map(audit::parse_action)
        .transpose()?;
    audit::check_limit(query.limit)?;
    let mut session = ctx.open_read()?;
    let found = audit::list(&mut session, &query)?;
    let tf = ctx.time_format(&found.settings);
    let entries = found.entries;
    let json: Vec<_> = entries
        .iter()
        .map(|e| EntryJson {
            entry: e,
            hash: hex(&e.hash),
        })
        .collect();
    ctx.printer.report(&Shaped {
        json,
        human: |out: &mut Human<'_>| entries_table(out, &entries, &tf),
    });
    Ok(())
}

/// The entries as a table, or a note when none match.
fn entries_table(out: &mut Human<'_>, entries: &[AuditEntry], tf: &TimeFormat) {
    if entries.is_empty() {
        out.note("No audit entries match.");
        return;
    }
    let show = |t: &str| {
        DateTime::parse_from_rfc3339(t)
            .map(|t| tf.show(t.with_timezone(&Utc)))
            .unwrap_or_else(|_| t.to_string())
    };
    let p = out.printer();
    let mut t = p.table(&["SEQ", "TIME", "ACTOR", "ACTION", "KEY", "DETAILS"]);
    // DETAILS wraps first on a terminal, between fields rather than mid-token.
    t.shrink(5, 24);
    let terminal = p.colors.stdout_terminal;
    for e in entries {
        let at = match &e.as_of {
            Some(as_of) => format!("{} (as of {})", show(&e.at), show(as_of)),
            None => show(&e.at),
        };
        let key = match (&e.key_name, &e.key_id) {
            (Some(n), Some(id)) => format!("{n} ({id})"),
            (None, Some(id)) => id.clone(),
            (Some(n), None) => n.clone(),
            (None, None) => "-".into(),
        };
        t.add_row(vec![
            Cell::new(e.seq),
            Cell::new(at),
            Cell::new(&e.actor),
            Cell::new(&e.action),
            Cell::new(key),
            Cell::new(match terminal {
                true => details_for_people(&e.details),
                false => e.details_text.clone(),
            }),
        ]);
    }
    out.line(t.to_string());
}

/// An entry's details for a person: changed fields as `field: before →
/// after`, other fields as `field: value`, separated by `; `.
fn details_for_people(d: &serde_json::Value) -> String {
    use serde_json::Value;
    fn scalar(v: &Value) -> String {
        match v {
            Value::Null => "none".into(),
            Value::String(s) if s.is_empty() => "\"\"".into(),
            Value::String(s) => s.clone(),
            Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
                let items: Vec<String> = a.iter().map(scalar).collect();
                format!("[{}]", items.join(", "))
            }
            other => other.to_string(),
        }
    }
    fn change(v: &Value) -> Option<String> {
        let o = v.as_object()?;
        let (b, a) = (o.get("before")?, o.get("after")?);
        (o.len() == 2).then(|| format!("{} → {}", scalar(b), scalar(a)))
    }
    let Value::Object(map) = d else {
        return scalar(d);
    };
    let mut parts = Vec::new();
    // `config`: {"setting": NAME, "before": …, "after": …}.
    if let (Some(Value::String(name)), Some(b), Some(a)) =
        (map.get("setting"), map.get("before"), map.get("after"))
    {
        parts.push(format!("{name}: {} → {}", scalar(b), scalar(a)));
    }
    for (field, v) in map {
        if map.contains_key("setting") && ["setting", "before", "after"].contains(&field.as_str()) {
            continue;
        }
        match change(v) {
            Some(c) => parts.push(format!("{field}: {c}")),
            None => match v.as_object() {
                // {"changes": {field: {before, after}}}: one level down.
                Some(inner) if inner.values().all(|x| change(x).is_some()) && !inner.is_empty() => {
                    for (f, x) in inner {
                        parts.push(format!("{f}: {}", change(x).unwrap_or_default()));
                    }
                }
                _ => parts.push(format!("{field}: {}", scalar(v))),
            },
        }
    }
    parts.join("; ")
}

/// `audit --actor NAME` filters by actor. `--actor` is the global option
/// (who runs the command), so it filters only when it was given on the
/// command line: KEYADM_ACTOR, which every script may set, does not.
fn actor_filter(ctx: &Context) -> Option<String> {
    use clap::parser::ValueSource;
    use clap::CommandFactory;
    let m = super::Cli::command()
        .try_get_matches_from(std::env::args_os())
        .ok()?;
    let given = m.value_source("actor") == Some(ValueSource::CommandLine)
        || m.subcommand_matches("audit")
            .is_some_and(|a| a.value_source("actor") == Some(ValueSource::CommandLine));
    given.then(|| ctx.global.actor.clone()).flatten()
}

fn verify(ctx: &mut Context, expect: &[String], accept_head: bool) -> Result<ExitCode> {
    let expect = expect
        .iter()
        .map(|e| ExpectedHead::parse(e))
        .collect::<Result<Vec<_>>>()?;
    let witness = ctx.witness_choice(accept_head)?;
    let mut session = ctx.open_write_existing()?;
    let r = audit::verify(&mut session, &expect, Some(&witness))?;
    for w in &r.warnings {
        ctx.printer.warn(&w.message);
    }
    ctx.printer.report(&ShapedQuiet {
        json: &r,
        human: |out: &mut Human<'_>| verify_human(&r, out),
        // -q: the heads of a store that passed (for --expect later).
        quiet: |out: &mut Human<'_>| {
            if !r.passed() {
                return verify_human(&r, out);
            }
            for c in r.chains.iter().filter(|c| c.head.is_some()) {
                out.line(format!(
                    "{} {} {}",
                    c.chain,
                    c.seq.unwrap_or(0),
                    c.head.as_deref().unwrap_or("")
                ));
            }
        },
    });
    Ok(if r.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `audit verify`'s human form: the verdict, each chain, each expected
/// head, then forged, replayed and rolled-back rows with what to do.
fn verify_human(r: &AuditReport, out: &mut Human<'_>) {
    out.line(&r.message);
    for c in &r.chains {
        out.line(format!("  {}", c.message));
    }
    for e in &r.expected {
        out.line(&e.message);
    }
    for f in &r.forged {
        out.line(format!(
            "forged: the {} row {} is not signed by this store's master key (written or changed without it)",
            f.table, f.id
        ));
    }
    for x in &r.replayed {
        let what = match x.recorded {
            Some(v) => format!(
                "its row version is {}, and the audit log last recorded version {v}",
                x.version
            ),
            None => "the audit log recorded its removal".to_string(),
        };
        let who = if x.table == "key" {
            format!("key \"{}\" ({})", x.name, x.id)
        } else {
            format!("user \"{}\"", x.name)
        };
        out.line(format!(
            "replayed: {who} is an older, validly signed row: {what}"
        ));
    }
    for b in &r.rolled_back {
        out.line(format!("rolled back: {}", b.describe()));
    }
    if !r.rolled_back.is_empty() {
        out.note(format!(
            "the head witness {} remembers a later head; if you restored a backup on purpose, accept it with: keyadm audit verify --accept-head",
            r.witness.as_deref().unwrap_or("")
        ));
    }
    if r.accepted_heads {
        out.note(format!(
            "the current heads were recorded in the head witness {}",
            r.witness.as_deref().unwrap_or("")
        ));
    }
    if let Some(c) = r.first_broken() {
        if let Some(h) = &c.head {
            out.note(format!(
                "the entries before it check out; the last good one has hash {h}"
            ));
        }
    }
}

fn head(ctx: &mut Context) -> Result<ExitCode> {
    let mut session = ctx.open_write_existing()?;
    let heads = audit::heads(&mut session)?;
    ctx.printer.report(&Shaped {
        json: &heads,
        human: |out: &mut Human<'_>| {
            for h in &heads {
                if h.authentic {
                    out.line(h.line());
                } else {
                    out.warn(format!(
                        "the head of chain {} does not match its HMAC: it is not shown (keyadm audit verify names the damage)",
                        h.chain
                    ));
                }
            }
            if heads.is_empty() {
                out.note("The audit log has no entries yet.");
            }
        },
    });
    Ok(if heads.iter().all(|h| h.authentic) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
