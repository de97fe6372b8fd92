//! Tables: one small renderer for every command's table. Columns are
//! separated by two spaces, with no leading or trailing blanks and no rule
//! lines. On a terminal a table fits its width exactly: the least needed
//! columns are hidden first (each table says which, in its priority), then
//! the remaining cells wrap. Piped, every column stays on one line in its
//! order (so `awk` scripts keep working); `--format tsv` is one row a line,
//! cells separated by tabs.

use std::fmt;

use chrono::{DateTime, Utc};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::time::TimeFormat;
use super::Printer;
use keyadm::domain::key::{Key, KeyState};

/// One cell: its text, and how it is shown on a terminal.
#[derive(Debug, Clone, Default)]
pub struct GridCell {
    text: String,
    right: bool,
    /// An ANSI colour code, used only when colours are on.
    color: Option<&'static str>,
}

impl GridCell {
    pub fn new(text: impl fmt::Display) -> Self {
        GridCell {
            text: text.to_string(),
            ..GridCell::default()
        }
    }

    /// Aligned to the right (numbers).
    pub fn right(mut self) -> Self {
        self.right = true;
        self
    }

    pub fn color(mut self, code: &'static str) -> Self {
        self.color = Some(code);
        self
    }
}

impl From<String> for GridCell {
    fn from(text: String) -> Self {
        GridCell {
            text,
            ..GridCell::default()
        }
    }
}

impl From<&String> for GridCell {
    fn from(text: &String) -> Self {
        GridCell::new(text)
    }
}

impl From<&str> for GridCell {
    fn from(text: &str) -> Self {
        GridCell::new(text)
    }
}

/// How a table is laid out, from where stdout goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Piped: every column on one line, padded to its widest cell.
    Plain,
    /// A terminal this many columns wide: fitted to it.
    Fit(usize),
    /// A terminal, every column kept on one line (`-o wide`).
    Wide,
    /// Tab-separated, one row a line (`--format tsv`).
    Tsv,
}

/// A table being built; `Display` (or [`Grid::render`]) lays it out.
#[derive(Debug, Clone)]
pub struct Grid {
    headers: Vec<String>,
    rows: Vec<Vec<GridCell>>,
    layout: Layout,
    color: bool,
    /// Columns hidden first when a terminal is too narrow, in this order.
    drop_order: Vec<usize>,
    /// A column that wraps down to this width before any column is hidden.
    shrink: Option<(usize, usize)>,
    /// Columns that wrap only when no other column can.
    intact: Vec<usize>,
}

impl Grid {
    pub fn new(headers: &[&str], layout: Layout, color: bool) -> Self {
        Grid {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            layout,
            color,
            drop_order: Vec::new(),
            shrink: None,
            intact: Vec::new(),
        }
    }

    pub fn add_row<C: Into<GridCell>>(&mut self, cells: Vec<C>) -> &mut Self {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    pub fn set_layout(&mut self, layout: Layout) -> &mut Self {
        self.layout = layout;
        self
    }

    /// On a narrow terminal, hide these columns first, in this order.
    pub fn drop_order(&mut self, order: &[usize]) -> &mut Self {
        self.drop_order = order.to_vec();
        self
    }

    /// These columns wrap only when no other column can.
    pub fn intact(&mut self, cols: &[usize]) -> &mut Self {
        self.intact = cols.to_vec();
        self
    }

    /// Column `col` wraps down to `min` before any column is hidden.
    pub fn shrink(&mut self, col: usize, min: usize) -> &mut Self {
        self.shrink = Some((col, min));
        self
    }

    /// The table's text (no final newline) and the headers of the columns
    /// hidden to fit the terminal.
    pub fn render(&self) -> (String, Vec<String>) {
        let n = self.headers.len();
        if self.layout == Layout::Tsv {
            let mut out = String::new();
            let tsv = |s: &str| s.replace(['\t', '\n', '\r'], " ");
            let line = |cells: Vec<String>| cells.join("\t");
            out.push_str(&line(self.headers.iter().map(|h| tsv(h)).collect()));
            for row in &self.rows {
                out.push('\n');
                out.push_str(&line((0..n).map(|i| tsv(cell_text(row, i))).collect()));
            }
            return (out, Vec::new());
        }
        let mut natural: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (i, w) in natural.iter_mut().enumerate() {
                *w = (*w).max(cell_text(row, i).width());
            }
        }
        let mut kept: Vec<usize> = (0..n).collect();
        let mut widths = natural.clone();
        if let Layout::Fit(total) = self.layout {
            let need = |kept: &[usize]| -> usize {
                kept.iter()
                    .map(|&i| match self.shrink {
                        Some((c, min)) if c == i => natural[i].min(min),
                        _ => natural[i],
                    })
                    .sum::<usize>()
                    + 2 * kept.len().saturating_sub(1)
            };
            for &drop in &self.drop_order {
                if need(&kept) <= total || kept.len() <= 1 {
                    break;
                }
                kept.retain(|&i| i != drop);
            }
            // What is left wraps: the shrinking column first, then the
            // widest, one character at a time, until the table fits.
            let sum = |widths: &[usize]| -> usize {
                kept.iter().map(|&i| widths[i]).sum::<usize>() + 2 * kept.len().saturating_sub(1)
            };
            if let Some((c, min)) = self.shrink {
                if kept.contains(&c) {
                    let over = sum(&widths).saturating_sub(total);
                    widths[c] = widths[c].saturating_sub(over).max(min.min(natural[c]));
                }
            }
            while sum(&widths) > total {
                let widest = kept
                    .iter()
                    .filter(|i| !self.intact.contains(i) && widths[**i] > 1)
                    .max_by_key(|&&i| widths[i])
                    .or_else(|| kept.iter().max_by_key(|&&i| widths[i]));
                let Some(&widest) = widest else {
                    break;
                };
                if widths[widest] <= 1 {
                    break;
                }
                widths[widest] -= 1;
            }
        }
        let hidden = (0..n)
            .filter(|i| !kept.contains(i))
            .map(|i| self.headers[i].clone())
            .collect();
        let mut out = String::new();
        let header: Vec<GridCell> = self.headers.iter().map(GridCell::from).collect();
        self.push_row(
            &mut out,
            &header,
            &kept,
            &widths,
            self.color.then_some("\x1b[1m"),
        );
        for row in &self.rows {
            self.push_row(&mut out, row, &kept, &widths, None);
        }
        out.pop();
        (out, hidden)
    }

    fn push_row(
        &self,
        out: &mut String,
        row: &[GridCell],
        kept: &[usize],
        widths: &[usize],
        style: Option<&'static str>,
    ) {
        let wrap = matches!(self.layout, Layout::Fit(_));
        let lines: Vec<Vec<String>> = kept
            .iter()
            .map(|&i| {
                let text = cell_text(row, i);
                if wrap && text.width() > widths[i] {
                    wrap_text(text, widths[i])
                } else {
                    vec![text.to_string()]
                }
            })
            .collect();
        let height = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
        for l in 0..height {
            let start = out.len();
            for (k, &i) in kept.iter().enumerate() {
                let text = lines[k].get(l).map_or("", String::as_str);
                let pad = widths[i].saturating_sub(text.width());
                let cell = row.get(i);
                let right = cell.is_some_and(|c| c.right);
                let color = style.or(cell.and_then(|c| c.color)).filter(|_| self.color);
                if k > 0 {
                    out.push_str("  ");
                }
                if right {
                    out.extend(std::iter::repeat_n(' ', pad));
                }
                match color {
                    Some(code) if !text.is_empty() => {
                        out.push_str(code);
                        out.push_str(text);
                        out.push_str("\x1b[0m");
                    }
                    _ => out.push_str(text),
                }
                if !right {
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            let kept_len = out[start..].trim_end_matches(' ').len();
            out.truncate(start + kept_len);
            out.push('\n');
        }
    }
}

impl fmt::Display for Grid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render().0)
    }
}

fn cell_text(row: &[GridCell], i: usize) -> &str {
    row.get(i).map_or("", |c| c.text.as_str())
}

/// `text` in lines at most `width` wide: broken at spaces, and inside a
/// word only when the word alone is wider.
pub fn wrap_text(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word;
        loop {
            let lw = line.width();
            let sep = usize::from(lw > 0);
            if lw + sep + word.width() <= width {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                break;
            }
            if lw > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word wider than the column: as much of it as fits.
            let mut taken = 0;
            let mut cut = 0;
            for (at, ch) in word.char_indices() {
                let cw = ch.width().unwrap_or(0);
                if taken + cw > width {
                    break;
                }
                taken += cw;
                cut = at + ch.len_utf8();
            }
            if cut == 0 {
                cut = word.chars().next().map_or(word.len(), char::len_utf8);
            } else if let Some(dash) = word[..cut].rfind('-').filter(|&d| d > 0) {
                // Rather after a hyphen: "billing-" / "service".
                cut = dash + 1;
            }
            lines.push(word[..cut].to_string());
            word = &word[cut..];
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The width of the terminal on stdout, if it is one.
pub fn terminal_width() -> Option<usize> {
    // SAFETY: TIOCGWINSZ fills a winsize struct we own; a failure leaves it zeroed.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_col > 0).then_some(usize::from(ws.ws_col))
}

/// A table with the house style for where stdout goes (as decided at
/// start-up: prefer `Printer::table`; this one is for callers without a
/// printer at hand).
#[allow(dead_code)] // for callers without a printer at hand (none today)
pub fn new_table(headers: &[&str]) -> Grid {
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    Grid::new(headers, default_layout(terminal), false)
}

/// A note for the terminal: wrapped to its width.
pub fn fit_note(layout: Layout, text: &str) -> String {
    match layout {
        Layout::Fit(width) => wrap_text(text, width).join("\n"),
        _ => text.to_string(),
    }
}

fn default_layout(terminal: bool) -> Layout {
    match terminal {
        true => Layout::Fit(terminal_width().unwrap_or(80).max(40)),
        false => Layout::Plain,
    }
}

impl Printer {
    /// A table with the house style for where stdout goes.
    pub fn table(&self, headers: &[&str]) -> Grid {
        Grid::new(
            headers,
            default_layout(self.colors.stdout_terminal),
            self.colors.stdout,
        )
    }
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
/// narrow for all of them: LAST USED, CREATED BY, ISSUED, ORG, TYPE,
/// DESCRIPTION (after it wrapped down to 16 characters), ID, EXPIRES.
/// NAME, STATE and KEY are never hidden: they wrap instead.
pub const KEY_DROP_ORDER: [usize; 8] = [10, 8, 6, 4, 2, DESCRIPTION, 0, 7];

/// The DESCRIPTION column: the one that wraps first.
pub const DESCRIPTION: usize = 5;

/// The narrowest a wrapped description may become before it is hidden.
pub const MIN_DESCRIPTION: usize = 16;

/// The key columns that wrap last: STATE and KEY.
pub const KEY_INTACT: [usize; 2] = [3, 9];

/// The colour of a key's state.
pub fn state_color(state: KeyState) -> &'static str {
    match state {
        KeyState::Enabled => "\x1b[32m",
        KeyState::Disabled => "\x1b[90m",
        KeyState::Expired => "\x1b[31m",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(layout: Layout) -> Grid {
        let mut g = Grid::new(&["ID", "NAME", "NOTE"], layout, false);
        g.add_row(vec!["k1", "日本", "x"]);
        g.add_row(vec!["key-2", "ab", ""]);
        g
    }

    #[test]
    fn plain_tables_align_by_display_width_without_leading_or_trailing_blanks() {
        assert_eq!(
            grid(Layout::Plain).to_string(),
            "ID     NAME  NOTE\nk1     日本  x\nkey-2  ab"
        );
    }

    #[test]
    fn tsv_is_one_row_a_line_separated_by_tabs() {
        let mut g = grid(Layout::Tsv);
        g.add_row(vec!["a\tb", "c d", "e\nf"]);
        assert_eq!(
            g.to_string(),
            "ID\tNAME\tNOTE\nk1\t日本\tx\nkey-2\tab\t\na b\tc d\te f"
        );
    }

    #[test]
    fn fitted_tables_fill_no_more_than_the_width_hiding_then_wrapping() {
        for width in [40, 41, 55, 60, 80, 120, 200] {
            let mut g = Grid::new(
                &["ID", "NAME", "DESCRIPTION", "KEY"],
                Layout::Fit(width),
                true,
            );
            g.drop_order(&[0, 2]).shrink(2, 16);
            g.add_row(vec![
                GridCell::new("k_0123456789abcdef"),
                GridCell::new("billing-service").color("\x1b[32m"),
                GridCell::new("a description long enough to need wrapping in a narrow window"),
                GridCell::new("ka_live_0123456789abcdefghij"),
            ]);
            let (text, hidden) = g.render();
            for line in text.lines() {
                let plain = line
                    .replace("\x1b[32m", "")
                    .replace("\x1b[0m", "")
                    .replace("\x1b[1m", "");
                assert!(plain.width() <= width, "{width}: {plain:?}\n{text}");
                // Continuation lines of wrapped cells start under their column.
                assert_eq!(
                    plain,
                    plain.trim_end(),
                    "{width}: trailing blanks {plain:?}"
                );
            }
            assert!(!hidden.contains(&"KEY".to_string()));
            if width >= 200 {
                assert!(hidden.is_empty(), "{hidden:?}");
            }
        }
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_inside_words_only_when_needed() {
        assert_eq!(wrap_text("ab cd ef", 5), ["ab cd", "ef"]);
        assert_eq!(wrap_text("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap_text("", 3), [""]);
        assert_eq!(
            wrap_text("billing-service-01", 10),
            ["billing-", "service-01"]
        );
    }
}
