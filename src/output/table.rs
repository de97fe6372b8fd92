//! Tables (comfy-table): fitted to the terminal's width on a terminal,
//! plain aligned columns when piped.

use std::io::IsTerminal;

use chrono::{DateTime, Utc};
use comfy_table::{presets, Cell, Color, ContentArrangement, Table};
use unicode_width::UnicodeWidthStr;

use super::time::TimeFormat;
use super::Printer;
use keyadm::domain::key::{Key, KeyState};

/// A table with the house style for where stdout goes.
pub fn new_table(headers: &[&str]) -> Table {
    let mut t = Table::new();
    if std::io::stdout().is_terminal() {
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

/// A table row for a key, the state coloured when colours are on.
pub fn key_row(p: &Printer, k: &Key, now: DateTime<Utc>, tf: &TimeFormat) -> Vec<Cell> {
    let state = k.state(now);
    key_cells(k, now, tf)
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let cell = Cell::new(text);
            if i == 3 && p.color {
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
