//! Reading an import file (pure: text in, rows of cells out): a keyadm
//! export made with `--include-secrets` (CSV or JSON) or an AWS API Gateway
//! key CSV, and the cell parsers the row checks use. `keyadm import` checks
//! each row with the rules of `generate` and issues them in one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::{Error, Result};

/// The file's rows: JSON when its text starts with `[`, else CSV. A text
/// that starts with `{` is JSON of the wrong shape, not a CSV header.
pub fn parse_import(text: &str) -> Result<(Source, Vec<RawRow>)> {
    let start = text.trim_start();
    if start.starts_with('[') {
        Ok((Source::Keyadm, parse_json(text)?))
    } else if start.starts_with('{') {
        Err(Error::usage(
            "the file is a JSON object, but a keyadm JSON export is an array of keys: [{\"id\": …}, …]",
        )
        .hint("import a file made by: keyadm export --format json --include-secrets (for one key or a {\"keys\": […]} object, put the key objects in a list)"))
    } else {
        parse_csv(text)
    }
}

/// One row of the file, as text, by column name.
pub struct RawRow {
    /// 1 for the first row after the header (or the first JSON item).
    pub number: usize,
    /// Cell text by lower-case column name (a CSV cell already undefused).
    pub cells: HashMap<String, String>,
}

impl RawRow {
    pub fn get(&self, column: &str) -> &str {
        self.cells.get(column).map_or("", |s| s.trim())
    }
    pub fn opt(&self, column: &str) -> Option<&str> {
        Some(self.get(column)).filter(|s| !s.is_empty())
    }
}

/// Which kind of file: our JSON, our CSV, or AWS API Gateway's CSV.
pub enum Source {
    Keyadm,
    Aws,
}

pub fn parse_json(text: &str) -> Result<Vec<RawRow>> {
    let bad = |why: String| {
        Error::usage(format!("the file is not a keyadm JSON export: {why}"))
            .hint("import a file made by: keyadm export --format json --include-secrets")
    };
    let items: Vec<Value> = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let Value::Object(map) = item else {
            return Err(bad(format!("item {} is not an object", i + 1)));
        };
        let mut cells = HashMap::new();
        for (k, v) in map {
            let text = match v {
                Value::Null => String::new(),
                Value::String(s) => s,
                Value::Array(items) => items
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join("\n"),
                Value::Number(n) if k == "rotate_every" => format!("{n}s"),
                other => other.to_string(),
            };
            cells.insert(k, text);
        }
        // The JSON `value` is the CSV `key` column with secrets.
        if let Some(v) = cells.remove("value") {
            cells.insert("key".into(), v);
        } else {
            cells.insert("key".into(), String::new());
        }
        rows.push(RawRow {
            number: i + 1,
            cells,
        });
    }
    Ok(rows)
}

pub fn parse_csv(text: &str) -> Result<(Source, Vec<RawRow>)> {
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let bad = |e: csv::Error| {
        Error::usage(format!("the file is not valid CSV: {e}")).hint(
            "import a file made by keyadm export --include-secrets, or an AWS API Gateway key CSV",
        )
    };
    let headers: Vec<String> = r
        .headers()
        .map_err(bad)?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let has = |h: &str| headers.iter().any(|x| x == h);
    let source = if has("id") && has("type") && has("key") && has("name") {
        Source::Keyadm
    } else if has("name") && has("key") {
        Source::Aws
    } else {
        return Err(Error::usage(format!(
            "unknown CSV columns: {}",
            headers.join(",").escape_debug()
        ))
        .hint("expected a keyadm export (id,name,type,…,key,…) or AWS API Gateway's Name,Key,Description,Enabled"));
    };
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(bad)?;
        let cells = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, c)| (h.clone(), undefuse(c).to_string()))
            .collect();
        rows.push(RawRow {
            number: i + 1,
            cells,
        });
    }
    Ok((source, rows))
}

pub fn split_list(cell: &str) -> Vec<String> {
    cell.split(['\n', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn parse_time(cell: &str, column: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(cell)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Error::usage(format!("invalid {column} \"{}\"", cell.escape_debug()))
                .hint("times in an import are RFC 3339, e.g. 2027-01-31T17:00:00Z")
        })
}

pub fn parse_enabled(cell: &str) -> Result<bool> {
    match cell.to_ascii_lowercase().as_str() {
        "" | "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(
            Error::usage(format!("invalid enabled \"{}\"", cell.escape_debug()))
                .hint("use true or false"),
        ),
    }
}

/// Undoes the export's defusing of a cell that starts with `= + - @`
/// (a `'` put in front) when importing.
pub fn undefuse(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_object_is_not_read_as_csv() {
        for text in ["{\"keys\": []}", "  \n{\"name\": \"billing\"}"] {
            let e = parse_import(text).err().expect("an object is refused");
            assert_eq!(e.exit_code(), 2);
            assert!(
                e.message().what.contains("array of keys"),
                "{}",
                e.message().what
            );
        }
    }

    #[test]
    fn csv_and_json_give_the_same_rows() {
        let (source, rows) =
            parse_import("ID,Name,Type,Key\nabc,'-dash,external,kadm_e_x\n").unwrap();
        assert!(matches!(source, Source::Keyadm));
        assert_eq!(rows[0].number, 1);
        assert_eq!(rows[0].get("name"), "-dash", "defused cells are restored");
        let (_, rows) =
            parse_import(r#"[{"id": "abc", "name": "n", "tags": ["a", "b"], "value": "v"}]"#)
                .unwrap();
        assert_eq!(
            rows[0].get("key"),
            "v",
            "the JSON value is the CSV key column"
        );
        assert_eq!(split_list(rows[0].get("tags")), ["a", "b"]);
        assert!(parse_import("[1]").is_err());
        assert!(parse_import("name,type\n").is_err());
        let (source, _) = parse_import("Name,Key,Description,Enabled\n").unwrap();
        assert!(matches!(source, Source::Aws));
    }
}
