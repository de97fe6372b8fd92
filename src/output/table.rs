//! Tables (comfy-table): fitted to the terminal's width on a terminal,
//! plain aligned columns when piped.

use chrono::{DateTime, Utc};
use comfy_table::{presets, Cell, Color, ColumnConstraint, ContentArrangement, Table};
use unicode_width::UnicodeWidthStr;

use super::time::TimeFormat;
use super::Printer;
use keyadm::domain::key::{Key, KeyState};

/// A table with the house style for where stdout goes (as decided at
/// start-up: prefer `Printer::table`; this one is for callers without a
/// printer at hand).
pub fn new_table(headers: &[&str]) -> Table {
    styled_table(
        std::io::IsTerminal::is_terminal(&std::io::stdout()),
        headers,
    )
}

impl Printer {
    /// A table with the house style for where stdout goes.
    pub fn table(&self, headers: &[&str]) -> Table {
        styled_table(self.colors.stdout_terminal, headers)
    }
}

fn styled_table(terminal: bool, headers: &[&str]) -> Table {
    let mut t = Table::new();
    if terminal {
        t.load_preset(presets::UTF8_HORIZONTAL_ONLY)
            .set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        t.load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled);
    }
    t.set_header(headers.iter().map(Cell::new));
    t
}

pub const KEY_HEADERS: [&str; 11] = [
    "ID",
    "NAME",
    "TYPE",
    "STATE",
    "ORG",
    "DESCRIPTION",
    "ISSUED",
    "EXPIRES",
    "CREATED BY",
    "KEY",
    "LAST USED",
];

/// The cells of a key's row, as text (also what `list --search` searches).
pub fn key_cells(k: &Key, now: DateTime<Utc>, tf: &TimeFormat) -> [String; 11] {
    [
        k.id.clone(),
        k.name.clone(),
        k.key_type.to_string(),
        k.state_label(now),
        k.org.clone(),
        k.description.clone(),
        tf.show(k.created_at),
        tf.show_opt(k.expires_at, "never"),
        k.created_by.clone(),
        k.key.clone(),
        tf.show_opt(k.last_used_at, "never"),
    ]
}

/// The key columns hidden first, in this order, when a terminal is too
/// narrow for all of them: LAST USED, CREATED BY, ISSUED, ORG, KEY, ID, and
/// last DESCRIPTION (rather than wrapping it a few letters a line).
const DROP_ORDER: [usize; 7] = [10, 8, 6, 4, 9, 0, DESCRIPTION];

/// The DESCRIPTION column: the one that wraps, and that takes what is left.
const DESCRIPTION: usize = 5;

/// The narrowest a wrapped description may become.
const MIN_DESCRIPTION: usize = 16;

/// Tracks the natural width of each key column, to fit the table later.
#[derive(Debug, Clone)]
pub struct KeyWidths([usize; 11]);

impl Default for KeyWidths {
    fn default() -> Self {
        KeyWidths(KEY_HEADERS.map(|h| h.chars().count()))
    }
}

impl KeyWidths {
    pub fn add(&mut self, cells: &[String; 11]) {
        for (w, c) in self.0.iter_mut().zip(cells) {
            *w = (*w).max(c.chars().count());
        }
    }
}

/// Makes a key table fit the terminal: names, states and values are never
/// broken across lines; the description wraps; when even that does not fit,
/// the least needed columns are hidden. Returns how many were hidden.
/// (Piped output is not fitted: it keeps every column on one line.)
pub fn fit_key_table(p: &Printer, table: &mut Table, widths: &KeyWidths) -> usize {
    if !p.colors.stdout_terminal {
        return 0;
    }
    let Some(total) = table.width().map(usize::from) else {
        return 0;
    };
    // Each column has one space of padding on each side, and one
    // separator column between it and the next.
    let need = |kept: &[usize]| -> usize {
        kept.iter()
            .map(|&i| {
                let w = if i == DESCRIPTION {
                    widths.0[i].min(MIN_DESCRIPTION)
                } else {
                    widths.0[i]
                };
                w + 2
            })
            .sum::<usize>()
            + kept.len().saturating_sub(1)
    };
    let mut kept: Vec<usize> = (0..KEY_HEADERS.len()).collect();
    let mut hidden = 0;
    for drop in DROP_ORDER {
        if need(&kept) <= total {
            break;
        }
        kept.retain(|&i| i != drop);
        hidden += 1;
    }
    for i in 0..KEY_HEADERS.len() {
        if let Some(col) = table.column_mut(i) {
            if !kept.contains(&i) {
                col.set_constraint(ColumnConstraint::Hidden);
            } else if i != DESCRIPTION {
                col.set_constraint(ColumnConstraint::ContentWidth);
            }
        }
    }
    hidden
}

/// A table row from a key's cells, the state coloured when colours are on.
pub fn cells_row(p: &Printer, cells: [String; 11], state: KeyState) -> Vec<Cell> {
    let color = p.colors.table_cells;
    cells
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let cell = Cell::new(text);
            if i == 3 && color {
                cell.fg(match state {
                    KeyState::Enabled => Color::Green,
                    KeyState::Disabled => Color::DarkGrey,
                    KeyState::Expired => Color::Red,
                })
            } else {
                cell
            }
        })
        .collect()
}

/// Piped output without colours: each column padded to its widest cell, laid
/// out as comfy-table's borderless preset prints it (trailing blanks cut), at
/// a fraction of its cost per cell: scripts list hundreds of keys, often.
pub fn plain_table<const N: usize>(headers: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = headers.map(|h| h.width());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let line_len: usize = widths.iter().map(|w| w + 2).sum();
    let mut out = String::with_capacity(line_len * (rows.len() + 1));
    push_plain_row(&mut out, &widths, headers.iter().copied());
    for row in rows {
        push_plain_row(&mut out, &widths, row.iter().map(String::as_str));
    }
    out.pop();
    out
}

fn push_plain_row<'a>(out: &mut String, widths: &[usize], cells: impl Iterator<Item = &'a str>) {
    let start = out.len();
    for (w, cell) in widths.iter().zip(cells) {
        out.push(' ');
        out.push_str(cell);
        out.extend(std::iter::repeat_n(' ', w + 1 - cell.width()));
    }
    let kept = out[start..].trim_end().len();
    out.truncate(start + kept);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_tables_align_by_display_width_and_cut_trailing_blanks() {
        let rows = [
            ["k1".to_string(), "日本".to_string(), "x".to_string()],
            ["key-2".to_string(), "ab".to_string(), String::new()],
        ];
        let out = plain_table(&["ID", "NAME", "NOTE"], &rows);
        assert_eq!(out, " ID     NAME  NOTE\n k1     日本  x\n key-2  ab");
    }
}
