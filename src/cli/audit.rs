//! `keyadm audit`: the audit log, oldest first, with filters; and
//! `keyadm audit verify`: the hash chain and its authenticated head.

use std::process::ExitCode;

use chrono::{DateTime, Duration, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use clap::{Args, Subcommand};
use comfy_table::Cell;
use serde::Serialize;

use super::Context;
use crate::output::table::new_table;
use keyadm::domain::expiry::parse_duration;
use keyadm::store::{AuditBreak, AuditEntry, AuditFilter};
use keyadm::{Error, Result};

#[derive(Args, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "--actor NAME, given on the command line, lists only the entries by that actor (KEYADM_ACTOR does not filter)."
)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,
    /// Only entries of this key (ID or name; deleted keys too)
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// Only entries of this action (generate, import, reveal, copy, edit, enable, disable, delete, rotate, export, expire, purge, notify, config, org, user)
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Entries at or after: a date (2026-11-01), date and time, RFC 3339, or a duration ago (7d)
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
    /// Check the hash chain and its HMAC: exit 0 intact, 1 broken (naming the first bad entry)
    Verify,
}

#[derive(Serialize)]
struct EntryJson<'a> {
    #[serde(flatten)]
    entry: &'a AuditEntry,
    hash: String,
}

#[derive(Serialize)]
struct VerdictJson {
    intact: bool,
    entries: i64,
    /// Hash of the last entry that checked out.
    head: Option<String>,
    first_bad: Option<i64>,
    problem: Option<&'static str>,
    message: String,
}

/// The actions keyadm records: the SPEC's, and `import`.
pub const ACTIONS: [&str; 16] = [
    "generate", "import", "reveal", "copy", "edit", "enable", "disable", "delete", "rotate",
    "export", "expire", "purge", "notify", "config", "org", "user",
];

/// `--action` names one of [`ACTIONS`] (any case), lower-cased.
fn parse_action(input: &str) -> Result<String> {
    let a = input.trim().to_ascii_lowercase();
    if ACTIONS.contains(&a.as_str()) {
        return Ok(a);
    }
    Err(
        Error::usage(format!("unknown audit action \"{}\"", input.escape_debug()))
            .hint(format!("the actions are: {}", ACTIONS.join(", "))),
    )
}

/// `--limit` is at least 1.
fn check_limit(limit: Option<u64>) -> Result<Option<u64>> {
    if limit == Some(0) {
        return Err(Error::usage("--limit 0 would show no entries")
            .hint("give a limit of at least 1, or leave out --limit for all entries"));
    }
    Ok(limit)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn local_to_utc(t: NaiveDateTime) -> Option<DateTime<Utc>> {
    Local
        .from_local_datetime(&t)
        .latest()
        .map(|l| l.with_timezone(&Utc))
}

/// A bound of `--since` / `--until`: RFC 3339, a local date (its start, or
/// for `until` its end), a local date and time, or a duration before now.
fn parse_bound(input: &str, now: DateTime<Utc>, until: bool) -> Result<DateTime<Utc>> {
    let s = input.trim();
    let bad = || {
        Error::usage(format!("invalid time \"{}\"", input.escape_debug())).hint(
            "use a date (2026-11-01), a date and time (2026-11-01T09:00), RFC 3339, or a duration ago (7d)",
        )
    };
    if s.starts_with(|c: char| c.is_ascii_digit()) && !s.contains('-') {
        let secs = parse_duration(s, true)?;
        return Ok(now - Duration::seconds(secs as i64));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let time = if until {
            NaiveTime::from_hms_opt(23, 59, 59)
        } else {
            NaiveTime::from_hms_opt(0, 0, 0)
        };
        return local_to_utc(d.and_time(time.expect("valid time"))).ok_or_else(bad);
    }
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .and_then(local_to_utc)
    .ok_or_else(bad)
}

pub fn run(ctx: &mut Context, args: AuditArgs) -> Result<ExitCode> {
    match args.command {
        Some(AuditCommand::Verify) => verify(ctx),
        None => list(ctx, args).map(|()| ExitCode::SUCCESS),
    }
}

fn list(ctx: &mut Context, args: AuditArgs) -> Result<()> {
    let now = ctx.now();
    let action = args.action.as_deref().map(parse_action).transpose()?;
    let limit = check_limit(args.limit)?;
    let mut store = ctx.open_read()?;
    let mut filter = AuditFilter {
        key: None,
        actor: actor_filter(ctx),
        action,
        since: args
            .since
            .as_deref()
            .map(|s| parse_bound(s, now, false))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|s| parse_bound(s, now, true))
            .transpose()?,
        tenant: ctx.confined_tenant().map(str::to_string),
        limit,
    };
    let (entries, tf) = store.read(|tx| {
        if let Some(k) = &args.key {
            // A current key by name or ID; else the text matches the ID or
            // name recorded in entries of keys since deleted.
            filter.key = Some(
                match tx.find_key(ctx.confined_tenant(), ctx.global.org.as_deref(), k) {
                    Ok(key) => key.id,
                    Err(Error::NotFound(_)) => k.clone(),
                    Err(e) => return Err(e),
                },
            );
        }
        let mut entries = Vec::new();
        tx.each_audit_entry(&filter, |e| {
            entries.push(e);
            Ok(())
        })?;
        Ok((entries, ctx.time_format(&tx.settings()?)))
    })?;
    let p = &ctx.printer;
    if p.json {
        let out: Vec<_> = entries
            .iter()
            .map(|e| EntryJson {
                entry: e,
                hash: hex(&e.hash),
            })
            .collect();
        p.json(&out);
        return Ok(());
    }
    if entries.is_empty() {
        p.note("No audit entries match.");
        return Ok(());
    }
    let mut t = new_table(&["SEQ", "TIME", "ACTOR", "ACTION", "KEY", "DETAILS"]);
    for e in &entries {
        let at = DateTime::parse_from_rfc3339(&e.at)
            .map(|t| tf.show(t.with_timezone(&Utc)))
            .unwrap_or_else(|_| e.at.clone());
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
            Cell::new(&e.details_text),
        ]);
    }
    p.line(t.to_string());
    Ok(())
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

fn verify(ctx: &mut Context) -> Result<ExitCode> {
    let mut store = ctx.open_write_existing()?;
    let v = store.read(|tx| tx.verify_audit())?;
    let head = v.head.as_deref().map(hex);
    let message = match &v.broken {
        None => format!(
            "audit log intact: {} entries, head {}",
            v.entries,
            head.as_deref().unwrap_or("(empty log)")
        ),
        Some(b) => format!("audit log broken: {}", b.describe()),
    };
    let p = &ctx.printer;
    if p.json {
        p.json(&VerdictJson {
            intact: v.broken.is_none(),
            entries: v.entries,
            head: head.clone(),
            first_bad: v.broken.as_ref().and_then(first_bad),
            problem: v.broken.as_ref().map(AuditBreak::kind),
            message,
        });
    } else if p.quiet && v.broken.is_none() {
        p.line(head.as_deref().unwrap_or(""));
    } else {
        p.line(&message);
        if v.broken.is_some() {
            if let Some(h) = &head {
                p.note(format!(
                    "the entries before it check out; the last good one has hash {h}"
                ));
            }
        }
    }
    Ok(if v.broken.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The first entry that is bad (none for a cut tail or a missing head).
fn first_bad(b: &AuditBreak) -> Option<i64> {
    match b {
        AuditBreak::TailCut { .. } | AuditBreak::HeadMissing { .. } => None,
        other => Some(other.seq()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_parse_dates_durations_and_rfc3339() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_bound("7d", now, false).unwrap(),
            now - Duration::days(7)
        );
        assert_eq!(
            parse_bound("2026-11-01T00:00:00Z", now, false)
                .unwrap()
                .to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert!(
            parse_bound("2026-11-01", now, false).unwrap()
                < parse_bound("2026-11-01", now, true).unwrap()
        );
        assert!(parse_bound("last week", now, false).is_err());
        assert!(parse_bound("2026-13-01", now, false).is_err());
    }

    #[test]
    fn actions_are_the_recorded_ones_and_limits_at_least_one() {
        assert_eq!(parse_action("Rotate").unwrap(), "rotate");
        assert_eq!(parse_action("import").unwrap(), "import");
        let e = parse_action("rotated").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(check_limit(Some(0)).is_err());
        assert_eq!(check_limit(Some(1)).unwrap(), Some(1));
        assert_eq!(check_limit(None).unwrap(), None);
    }
}
