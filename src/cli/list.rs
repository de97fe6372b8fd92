//! `keyadm list`: keys in a table, or `--json`, with filters and sorting.

use std::io::{IsTerminal, Write};

use chrono::Duration;
use clap::{Args, ValueEnum};

use super::user::binding_state;
use super::{Context, KEY_TYPES};
use crate::output::table::{
    cells_row, fit_key_table, key_cells, new_table, plain_table, KeyWidths, KEY_HEADERS,
};
use crate::output::time::TimeFormat;
use crate::output::KeyJson;
use keyadm::domain::expiry::parse_duration;
use keyadm::domain::key::{Key, KeyState, KeyType};
use keyadm::domain::org::{org_not_found, tenant_of};
use keyadm::store::{KeyQuery, KeySort, Tx};
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
    #[arg(long, short = 's', value_name = "TEXT")]
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

/// A checked filter, ready to test keys.
pub struct KeyFilter {
    search: Option<String>,
    key_type: Option<KeyType>,
    tags: Vec<String>,
    state: Option<KeyState>,
    expiring_within: Option<u64>,
    max_lifetime: Option<Option<u64>>,
    user: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
}

impl FilterArgs {
    pub fn query(&self, ctx: &Context) -> KeyQuery {
        KeyQuery {
            tenant: ctx.confined_tenant().map(str::to_string),
            org: ctx.global.org.clone(),
            sort: match self.sort {
                SortArg::Name => KeySort::Name,
                SortArg::Issued => KeySort::Issued,
                SortArg::Expires => KeySort::Expires,
                SortArg::Type => KeySort::Type,
                SortArg::Org => KeySort::Org,
            },
            reverse: self.reverse,
        }
    }

    /// `--org` must name an organization that exists (and that the actor
    /// may see): a typo must not look like an empty organization.
    pub fn check_org(&self, ctx: &Context, tx: &Tx) -> Result<()> {
        if let Some(org) = ctx.global.org.as_deref() {
            let hidden = ctx.confined_tenant().is_some_and(|t| t != tenant_of(org));
            if hidden || !tx.org_exists(org)? {
                return Err(org_not_found(org).hint("keyadm org list shows the organizations"));
            }
        }
        Ok(())
    }

    pub fn filter(&self, ctx: &Context, max_lifetime: Option<u64>) -> Result<KeyFilter> {
        let state = if self.enabled {
            Some(KeyState::Enabled)
        } else if self.disabled {
            Some(KeyState::Disabled)
        } else if self.expired {
            Some(KeyState::Expired)
        } else {
            None
        };
        if self.violations && max_lifetime.is_none() {
            return Err(
                Error::usage("--violations needs the max-lifetime setting, which is none")
                    .hint("set it first, e.g. keyadm config set max-lifetime 1y"),
            );
        }
        Ok(KeyFilter {
            search: self.search.as_ref().map(|s| s.to_lowercase()),
            key_type: self.key_type.as_deref().map(str::parse).transpose()?,
            tags: self.tag.clone(),
            state,
            expiring_within: self
                .expiring_within
                .as_deref()
                .map(|d| parse_duration(d, false))
                .transpose()?,
            max_lifetime: self.violations.then_some(max_lifetime),
            user: self.user.clone(),
            now: ctx.now(),
        })
    }
}

impl KeyFilter {
    pub fn matches(&self, k: &Key, tf: &TimeFormat) -> bool {
        let now = self.now;
        if self.key_type.is_some_and(|t| t != k.key_type) {
            return false;
        }
        if !self.tags.iter().all(|t| k.tags.contains(t)) {
            return false;
        }
        if self.state.as_ref().is_some_and(|s| *s != k.state(now)) {
            return false;
        }
        if let Some(within) = self.expiring_within {
            let limit = now + Duration::seconds(within as i64);
            if !k.expires_at.is_some_and(|e| e > now && e <= limit) {
                return false;
            }
        }
        if let Some(max) = self.max_lifetime {
            let limit = now + Duration::seconds(max.unwrap_or(0) as i64);
            let violates = k.key_type.takes_expiry() && k.expires_at.is_none_or(|e| e > limit);
            if !violates {
                return false;
            }
        }
        if let Some(u) = &self.user {
            if k.user.as_deref() != Some(u.as_str()) {
                return false;
            }
        }
        if let Some(s) = &self.search {
            let cells = key_cells(k, now, tf);
            let hit = cells
                .iter()
                .chain(k.tags.iter())
                .any(|c| c.to_lowercase().contains(s.as_str()));
            if !hit {
                return false;
            }
        }
        true
    }
}

pub fn run(ctx: &mut Context, args: ListArgs) -> Result<()> {
    let mut store = ctx.open_read()?;
    let now = ctx.now();
    let p = ctx.printer.clone();
    store.read(|tx| {
        let settings = tx.settings()?;
        let tf = ctx.time_format(&settings);
        args.filter.check_org(ctx, tx)?;
        let filter = args.filter.filter(ctx, settings.max_lifetime())?;
        let query = args.filter.query(ctx);
        let user_states = tx.user_states(ctx.confined_tenant())?;
        if p.json {
            // Streamed: one key in memory at a time, whatever the store's size.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let mut first = true;
            write!(out, "[")?;
            tx.each_key(&query, |k| {
                if filter.matches(&k, &tf) {
                    write!(out, "{}\n  ", if first { "" } else { "," })?;
                    let json =
                        KeyJson::new(&k, now).with_user_state(binding_state(&user_states, &k));
                    serde_json::to_writer(&mut out, &json).map_err(std::io::Error::from)?;
                    first = false;
                }
                Ok(())
            })?;
            writeln!(out, "{}]", if first { "" } else { "\n" })?;
            out.flush()?;
            return Ok(());
        }
        // Piped and plain: aligned columns without comfy-table's per-cell cost.
        let plain = !p.color && !std::io::stdout().is_terminal();
        let mut table = new_table(&KEY_HEADERS);
        let mut widths = KeyWidths::default();
        let mut rows: Vec<[String; 11]> = Vec::new();
        // -q: the IDs, written at once rather than one write per line.
        let mut ids = String::new();
        let mut count = 0;
        tx.each_key(&query, |k| {
            if filter.matches(&k, &tf) {
                if p.quiet {
                    ids.push_str(&k.id);
                    ids.push('\n');
                } else {
                    let mut cells = key_cells(&k, now, &tf);
                    if let Some(state @ ("disabled" | "removed")) = binding_state(&user_states, &k)
                    {
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
            }
            Ok(())
        })?;
        if p.quiet && !ids.is_empty() {
            ids.pop();
            p.line(ids);
        }
        if !p.quiet {
            if count > 0 && plain {
                p.line(plain_table(&KEY_HEADERS, &rows));
            } else if count > 0 {
                let hidden = fit_key_table(&mut table, &widths);
                if p.color {
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
    })
}
