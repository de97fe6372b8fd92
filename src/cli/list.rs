//! `keyadm list`: keys in a table, or `--json`, with filters and sorting.

use std::io::Write;

use clap::{Args, ValueEnum};

use super::{Context, KEY_TYPES};
use crate::output::table::{
    fit_note, key_cells, state_color, GridCell, Layout, DESCRIPTION, KEY_DROP_ORDER, KEY_HEADERS,
    KEY_INTACT, MIN_DESCRIPTION,
};
use crate::output::time::TimeFormat;
use crate::output::KeyJson;
use keyadm::domain::expiry::parse_duration;
use keyadm::domain::key::{Key, KeyState};
use keyadm::ops::listing::{self, KeyFilter, KeySort, Selection};
use keyadm::{Error, Result};

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
    /// The columns to show, in this order (comma-separated, e.g. name,state,expires)
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub columns: Vec<String>,
    /// table (fitted to a terminal), wide (every column, even on a narrow terminal) or tsv (tab-separated, for awk)
    #[arg(long = "format", short = 'o', value_enum, default_value_t = FormatArg::Table, value_name = "FORMAT")]
    pub format: FormatArg,
}

#[derive(ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FormatArg {
    #[default]
    Table,
    Wide,
    Tsv,
}

/// The column indexes `--columns` names, in its order.
fn chosen_columns(names: &[String]) -> Result<Vec<usize>> {
    let norm = |s: &str| s.trim().to_ascii_uppercase().replace(['-', '_'], " ");
    names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|n| {
            KEY_HEADERS
                .iter()
                .position(|h| *h == norm(n))
                .ok_or_else(|| {
                    Error::usage(format!("--columns: no column \"{}\"", n.escape_debug())).hint(
                        format!(
                            "the columns are: {}",
                            KEY_HEADERS
                                .iter()
                                .map(|h| h.to_ascii_lowercase().replace(' ', "-"))
                                .collect::<Vec<_>>()
                                .join(",")
                        ),
                    )
                })
        })
        .collect()
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
    let chosen = chosen_columns(&args.columns)?;
    let columns: Vec<usize> = if chosen.is_empty() {
        (0..KEY_HEADERS.len()).collect()
    } else {
        chosen.clone()
    };
    let headers: Vec<&str> = columns.iter().map(|&i| KEY_HEADERS[i]).collect();
    let mut table = p.table(&headers);
    match args.format {
        FormatArg::Tsv => {
            table.set_layout(Layout::Tsv);
        }
        FormatArg::Wide if p.colors.stdout_terminal => {
            table.set_layout(Layout::Wide);
        }
        _ => {}
    }
    if chosen.is_empty() {
        // On a terminal, the least needed columns go first.
        table.drop_order(&KEY_DROP_ORDER).intact(&KEY_INTACT);
        table.shrink(DESCRIPTION, MIN_DESCRIPTION);
    } else if let Some(d) = columns.iter().position(|&i| i == DESCRIPTION) {
        table.shrink(d, MIN_DESCRIPTION);
    }
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
                let color = state_color(k.state(now));
                let mut cells = cells.map(GridCell::from);
                cells[3] = std::mem::take(&mut cells[3]).color(color);
                table.add_row(
                    columns
                        .iter()
                        .map(|&i| std::mem::take(&mut cells[i]))
                        .collect(),
                );
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
        if count > 0 {
            let (text, hidden) = table.render();
            p.line(text);
            if !hidden.is_empty() {
                p.note(fit_note(
                    table.layout(),
                    &format!(
                        "hidden to fit the terminal: {} (widen it, or use -o wide or --columns)",
                        hidden.join(", ")
                    ),
                ));
            }
        }
        p.note(format!("{count} key{}", if count == 1 { "" } else { "s" }));
    }
    Ok(())
}
