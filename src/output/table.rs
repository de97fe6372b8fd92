//! Tables (comfy-table): fitted to the terminal's width on a terminal,
//! plain aligned columns when piped.

use std::io::IsTerminal;

use chrono::{DateTime, Utc};
use comfy_table::{presets, Cell, Color, ContentArrangement, Table};

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
