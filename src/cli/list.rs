//! `keyadm list`: keys in a table, or `--json`, with filters and sorting.

use std::io::Write;

use clap::{Args, ValueEnum};

use super::{Context, KEY_TYPES};
use crate::output::table::{
    cells_row, fit_key_table, key_cells, plain_table, KeyWidths, KEY_HEADERS,
};
use crate::output::time::TimeFormat;
use crate::output::KeyJson;
use keyadm::domain::expiry::parse_duration;
use keyadm::domain::key::{Key, KeyState};
use keyadm::ops::listing::{self, KeyFilter, KeySort, Selection};
use keyadm::Result;

#[derive(ValueEnum, Debug, Clone, Copy, Default)]
pub enum SortArg {
    #[default]
    Name,
    Issued,
    Expires,
    Type,
    Org,
}

/// The filters shared by `list` and `export`.
#[derive(Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// Keys whose shown columns or tags contain TEXT (case-insensitive)
    #[arg(long, short = 's', value_name = "TEXT", allow_hyphen_values = true)]
    pub search: Option<String>,
    /// Keys of this type
    #[arg(long = "type", short = 't', value_parser = KEY_TYPES)]
    pub key_type: Option<String>,
    /// Keys with this tag (repeatable: all must be present)
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Only enabled keys (not expired)
    #[arg(long, conflicts_with_all = ["disabled", "expired"])]
    pub enabled: bool,
    /// Only disabled keys
    #[arg(long, conflicts_with = "expired")]
    pub disabled: bool,
    /// Only expired keys (enabled, past their expiry)
    #[arg(long)]
    pub expired: bool,
    /// Only keys expiring within DURATION (e.g. 30d)
    #[arg(long, value_name = "DURATION")]
    pub expiring_within: Option<String>,
    /// Only keys that break the max-lifetime setting
    #[arg(long)]
    pub violations: bool,
    /// Only keys bound to this user
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// Sort by
    #[arg(long, value_enum, default_value_t = SortArg::Name)]
    pub sort: SortArg,
    /// Reverse the order
    #[arg(long)]
    pub reverse: bool,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
}

impl FilterArgs {
    /// The selection these options (and `--org`) make.
    pub fn selection(&self, ctx: &Context) -> Result<Selection> {
        let state = if self.enabled {
            Some(KeyState::Enabled)
        } else if self.disabled {
            Some(KeyState::Disabled)
        } else if self.expired {
            Some(KeyState::Expired)
        } else {
            None
        };
        Ok(Selection {
            org: ctx.global.org.clone(),
            filter: KeyFilter {
                search: self.search.clone(),
                key_type: self.key_type.as_deref().map(str::parse).transpose()?,
                tags: self.tag.clone(),
                state,
                expiring_within: self
                    .expiring_within
                    .as_deref()
                    .map(|d| parse_duration(d, false))
                    .transpose()?,
                violations: self.violations,
                user: self.user.clone(),
            },
            sort: match self.sort {
                SortArg::Name => KeySort::Name,
                SortArg::Issued => KeySort::Issued,
                SortArg::Expires => KeySort::Expires,
                SortArg::Type => KeySort::Type,
                SortArg::Org => KeySort::Org,
            },
            reverse: self.reverse,
        })
    }
}

/// The shown columns, which `--search` looks in.
fn cells(now: chrono::DateTime<chrono::Utc>) -> impl Fn(&TimeFormat, &Key) -> [String; 11] {
    move |tf, k| key_cells(k, now, tf)
}

pub fn run(ctx: &mut Context, args: ListArgs) -> Result<()> {
    let selection = args.filter.selection(ctx)?;
    let mut session = ctx.open_read()?;
    let now = ctx.now();
    let p = ctx.printer.clone();
    if p.json {
        // Streamed: one key in memory at a time, whatever the store's size.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let mut first = true;
        write!(out, "[")?;
        listing::select(
            &mut session,
            &selection,
            true,
            |s| Ok(ctx.time_format(s)),
            cells(now),
            |_, k, user_state| {
                write!(out, "{}\n  ", if first { "" } else { "," })?;
                let json = KeyJson::new(&k, now).with_user_state(user_state);
                serde_json::to_writer(&mut out, &json).map_err(std::io::Error::from)?;
                first = false;
                Ok(())
            },
        )?;
        writeln!(out, "{}]", if first { "" } else { "\n" })?;
        out.flush()?;
        return Ok(());
    }
    // Piped and plain: aligned columns without comfy-table's per-cell cost.
    let plain = !p.colors.stdout && !p.colors.stdout_terminal;
    let mut table = p.table(&KEY_HEADERS);
    let mut widths = KeyWidths::default();
    let mut rows: Vec<[String; 11]> = Vec::new();
    // -q: the IDs, written at once rather than one write per line.
    let mut ids = String::new();
    let mut count = 0;
    listing::select(
        &mut session,
        &selection,
        true,
        |s| Ok(ctx.time_format(s)),
        cells(now),
        |tf, k, user_state| {
            if p.quiet {
                ids.push_str(&k.id);
                ids.push('\n');
            } else {
                let mut cells = key_cells(&k, now, tf);
                if let Some(state @ ("disabled" | "removed")) = user_state {
                    // Why a bound key denies everything although it is enabled.
                    cells[3] = format!("{}, user {state}", k.state_label(now));
                }
                if plain {
                    rows.push(cells);
                } else {
                    widths.add(&cells);
                    table.add_row(cells_row(&p, cells, k.state(now)));
                }
            }
            count += 1;
            Ok(())
        },
    )?;
    if p.quiet && !ids.is_empty() {
        ids.pop();
        p.line(ids);
    }
    if !p.quiet {
        if count > 0 && plain {
            p.line(plain_table(&KEY_HEADERS, &rows));
        } else if count > 0 {
            let hidden = fit_key_table(&p, &mut table, &widths);
            if p.colors.stdout {
                // --color always: styled even when piped (comfy-table
                // styles only a terminal by itself).
                table.enforce_styling();
            }
            p.line(table.to_string());
            if hidden > 0 {
                p.note(format!(
                    "{hidden} column{} hidden to fit the terminal; widen it, or use --json",
                    if hidden == 1 { "" } else { "s" }
                ));
            }
        }
        p.note(format!("{count} key{}", if count == 1 { "" } else { "s" }));
    }
    Ok(())
}
