//! Reading an import file as a stream (one row in memory at a time): a
//! keyadm export made with `--include-secrets` (CSV or JSON) or an AWS API
//! Gateway key CSV; what each column of each format means (one table per
//! format: honoured, derived and checked, deliberately dropped, or refused;
//! any other column is unknown); and the pure checks of one row. `keyadm
//! import` checks and issues the rows one by one in one transaction.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use chrono::{DateTime, Utc};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::domain::expiry::parse_duration;
use crate::domain::key::{
    validate_description, validate_name, validate_reason, validate_tag, KeyType,
};
use crate::domain::org::{tenant_of, validate_org};
use crate::domain::rate_limit::RateLimit;
use crate::domain::rules::{IpRange, Origin, Rule};
use crate::domain::value::{is_key_id, parse_value};
use crate::{Error, Result, SecretValue};

/// Which kind of file: our JSON, our CSV, or AWS API Gateway's CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Keyadm,
    Aws,
}

/// The format a file is taken for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    KeyadmCsv,
    KeyadmJson,
    AwsCsv,
}

impl Format {
    pub fn source(self) -> Source {
        match self {
            Format::KeyadmCsv | Format::KeyadmJson => Source::Keyadm,
            Format::AwsCsv => Source::Aws,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::KeyadmCsv => "a keyadm CSV export",
            Format::KeyadmJson => "a keyadm JSON export",
            Format::AwsCsv => "an AWS API Gateway key CSV",
        }
    }
}

/// What an import does with a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Read into the key.
    Honoured,
    /// Follows from other columns, and must agree with them (else exit 2).
    Checked,
    /// Known and deliberately not imported (listed in one note).
    Dropped,
    /// Known, and cannot be honoured: the import is refused (exit 2).
    Refused,
    /// Not known: named in a warning, not imported.
    Unknown,
}

/// One column of a format's table.
pub struct Column {
    /// Lower case; CSV headers and JSON fields are matched in lower case.
    pub name: &'static str,
    pub kind: ColumnKind,
    pub meaning: &'static str,
}

const fn col(name: &'static str, kind: ColumnKind, meaning: &'static str) -> Column {
    Column {
        name,
        kind,
        meaning,
    }
}

use ColumnKind::{Checked, Dropped, Honoured, Refused};

/// The columns of a keyadm export, read the same way in every format
/// (after the format's own table, which comes first).
const KEYADM_COLUMNS: &[Column] = &[
    col(
        "id",
        Honoured,
        "the key's ID: kept, unless this store has a key with it (then a new ID, and a note)",
    ),
    col("name", Honoured, "the key's name"),
    col(
        "type",
        Honoured,
        "internal, external, custom or desktop; must be the type of the value",
    ),
    col(
        "state",
        Checked,
        "enabled, disabled or expired: must agree with enabled",
    ),
    col("enabled", Honoured, "true or false (empty: true)"),
    col(
        "disabled_reason",
        Honoured,
        "why a disabled key was disabled",
    ),
    col(
        "org",
        Honoured,
        "the organization; wins over --org (empty: --org, else the actor's)",
    ),
    col(
        "tenant",
        Checked,
        "must be the tenant of the row's organization",
    ),
    col("description", Honoured, "the key's description"),
    col("created_at", Honoured, "RFC 3339 (empty: now)"),
    col(
        "created_by",
        Honoured,
        "the creator's name (empty: the actor)",
    ),
    col("expires_at", Honoured, "RFC 3339 (empty: never)"),
    col(
        "user",
        Honoured,
        "the user the key is bound to (empty or all: none)",
    ),
    col(
        "rules",
        Honoured,
        "allow rules of a custom key, separated by ; or new lines",
    ),
    col(
        "origins",
        Honoured,
        "origin allow-list, separated by ; or new lines",
    ),
    col(
        "ips",
        Honoured,
        "address allow-list, separated by ; or new lines",
    ),
    col("tags", Honoured, "tags, separated by ; or new lines"),
    col(
        "rotate_every",
        Honoured,
        "rotation policy, a duration such as 90d",
    ),
    col(
        "show_once",
        Honoured,
        "true: keep only the value's hash, as for generate --show-once",
    ),
    col(
        "value_hash",
        Honoured,
        "a show-once key's value hash (hex SHA-256): with no value, the key stays verifiable",
    ),
    col("last_used_at", Dropped, "the last use in the other store"),
    col(
        "current_used_at",
        Dropped,
        "the current value's last use in the other store",
    ),
    col(
        "previous_used_at",
        Dropped,
        "the previous value's last use in the other store",
    ),
    col(
        "expiry_set_at",
        Dropped,
        "when the expiry was set in the other store (the import sets it)",
    ),
    col(
        "rotated_at",
        Dropped,
        "the last rotation in the other store",
    ),
    col(
        "previous",
        Dropped,
        "a rotation's previous value, which an export does not hold",
    ),
    col(
        "in_grace",
        Dropped,
        "whether that previous value still worked",
    ),
    col(
        "user_state",
        Dropped,
        "the bound user's state in the other store",
    ),
    col(
        "rate_limit",
        Honoured,
        "requests per period for each serving process, e.g. 100/1m (empty: none)",
    ),
];

/// A keyadm CSV export: `key` is the whole value.
pub const KEYADM_CSV: &[Column] = &[col(
    "key",
    Honoured,
    "the whole value (an export made with --include-secrets)",
)];

/// A keyadm JSON export: `value` is the whole value, `key` the shown one.
pub const KEYADM_JSON: &[Column] = &[
    col(
        "value",
        Honoured,
        "the whole value (an export made with --include-secrets)",
    ),
    col(
        "key",
        Checked,
        "the value as list shows it (kadm_e_V2k…i5vU): must be the value's",
    ),
];

/// An AWS API Gateway key CSV (`Name,Key,Description,Enabled,UsagePlanIds`),
/// and keyadm's columns, read as in a keyadm CSV.
pub const AWS_CSV: &[Column] = &[
    col("name", Honoured, "the key's name"),
    col(
        "key",
        Honoured,
        "the whole value, which must be a keyadm value",
    ),
    col("description", Honoured, "the key's description"),
    col("enabled", Honoured, "TRUE or FALSE (empty: true)"),
    col(
        "type",
        Checked,
        "the value's type, from the value (kadm_e_… external); when given, must be it",
    ),
    col(
        "usageplanids",
        Dropped,
        "API Gateway's usage plans, which keyadm has not",
    ),
];

/// The table of `format`: its own columns, then keyadm's.
pub fn columns(format: Format) -> impl Iterator<Item = &'static Column> {
    let own = match format {
        Format::KeyadmCsv => KEYADM_CSV,
        Format::KeyadmJson => KEYADM_JSON,
        Format::AwsCsv => AWS_CSV,
    };
    own.iter().chain(
        KEYADM_COLUMNS
            .iter()
            .filter(|c| !own.iter().any(|o| o.name == c.name)),
    )
}

/// What `format` does with the column `name` (lower case).
pub fn column(format: Format, name: &str) -> Option<&'static Column> {
    columns(format).find(|c| c.name == name)
}

pub fn column_kind(format: Format, name: &str) -> ColumnKind {
    column(format, name).map_or(ColumnKind::Unknown, |c| c.kind)
}

/// At most this many distinct fields in a JSON file (memory stays bounded).
const MAX_COLUMNS: usize = 1000;

/// One row of the file, as text, by column name.
pub struct RawRow {
    /// 1 for the first row after the header (or the first JSON item).
    pub number: usize,
    pub format: Format,
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
    /// The whole value: the CSV `key`, the JSON `value`.
    pub fn value(&self) -> &str {
        self.get(match self.format {
            Format::KeyadmJson => "value",
            _ => "key",
        })
    }
}

fn empty_file() -> Error {
    Error::usage("the file to import is empty; nothing was imported").hint(
        "import a file made by: keyadm export --include-secrets (CSV or JSON), or an AWS API Gateway CSV",
    )
}

fn bad_json(why: String) -> Error {
    Error::usage(format!("the file is not a keyadm JSON export: {why}"))
        .hint("import a file made by: keyadm export --format json --include-secrets")
}

fn bad_csv(e: csv::Error, row: usize) -> Error {
    let at = if row == 0 {
        "its header".to_string()
    } else {
        format!("row {row}")
    };
    let what = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => format!("the file is not UTF-8 text (at {at})"),
        _ => format!("the file is not valid CSV (at {at}): {e}"),
    };
    Error::usage(what).hint(
        "import a file made by keyadm export --include-secrets, or an AWS API Gateway key CSV",
    )
}

fn refused_column(c: &Column) -> Error {
    Error::usage(format!(
        "the column \"{}\" cannot be imported: {}; nothing was imported",
        c.name, c.meaning
    ))
    .hint("remove the column (and so what it says) from the file, or leave keyadm out of it")
}

fn duplicate_column(name: &str) -> Error {
    Error::usage(format!(
        "the column \"{}\" is there twice, and only one can be honoured; nothing was imported",
        name.escape_debug()
    ))
    .hint("keep one of them")
}

/// Reads an import file row by row.
pub struct ImportReader<R: BufRead> {
    format: Format,
    inner: Inner<R>,
    number: usize,
    /// Columns first seen since the last `take_new_columns`.
    new_columns: Vec<(String, ColumnKind)>,
    /// JSON: the fields seen so far.
    seen: HashSet<String>,
}

enum Inner<R: BufRead> {
    Csv {
        reader: csv::Reader<R>,
        headers: Vec<String>,
        record: csv::StringRecord,
    },
    Json {
        reader: R,
        state: JsonState,
    },
}

#[derive(PartialEq, Eq)]
enum JsonState {
    First,
    More,
    Done,
}

/// The next byte that is not white space, not consumed; `None` at the end.
fn peek_non_space<R: BufRead>(r: &mut R) -> std::io::Result<Option<u8>> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                let b = buf[i];
                r.consume(i);
                return Ok(Some(b));
            }
            None => {
                let n = buf.len();
                r.consume(n);
            }
        }
    }
}

fn read_error(e: std::io::Error) -> Error {
    Error::environment(format!("cannot read the file to import: {e}"))
        .hint("check the path and that the file is readable")
}

impl<R: BufRead> ImportReader<R> {
    /// Reads what says the format (a UTF-8 byte-order mark is skipped): JSON
    /// when the text starts with `[`, else CSV and its header. A text that
    /// starts with `{` is JSON of the wrong shape, not a CSV header.
    pub fn open(mut input: R) -> Result<Self> {
        let head = input.fill_buf().map_err(read_error)?;
        if head.starts_with(b"\xEF\xBB\xBF") {
            input.consume(3);
        }
        let first = peek_non_space(&mut input).map_err(read_error)?;
        let mut me = ImportReader {
            format: Format::KeyadmJson,
            inner: Inner::Json {
                reader: input,
                state: JsonState::First,
            },
            number: 0,
            new_columns: Vec::new(),
            seen: HashSet::new(),
        };
        match first {
            None => return Err(empty_file()),
            Some(b'[') => {
                if let Inner::Json { reader, .. } = &mut me.inner {
                    reader.consume(1);
                }
                return Ok(me);
            }
            Some(b'{') => return Err(Error::usage(
                "the file is a JSON object, but a keyadm JSON export is an array of keys: [{\"id\": …}, …]",
            )
            .hint("import a file made by: keyadm export --format json --include-secrets (for one key or a {\"keys\": […]} object, put the key objects in a list)")),
            Some(_) => {}
        }
        let Inner::Json { reader: input, .. } = me.inner else {
            unreachable!("built above")
        };
        let mut reader = csv::ReaderBuilder::new().from_reader(input);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| bad_csv(e, 0))?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let has = |h: &str| headers.iter().any(|x| x == h);
        let format = if has("id") && has("type") && has("key") && has("name") {
            Format::KeyadmCsv
        } else if has("name") && has("key") {
            Format::AwsCsv
        } else {
            return Err(Error::usage(format!(
                "unknown CSV columns: {}",
                headers.join(",").escape_debug()
            ))
            .hint("expected a keyadm export (id,name,type,…,key,…) or AWS API Gateway's Name,Key,Description,Enabled"));
        };
        let mut new_columns = Vec::with_capacity(headers.len());
        for (i, h) in headers.iter().enumerate() {
            if headers[..i].contains(h) {
                return Err(duplicate_column(h));
            }
            if let Some(c) = column(format, h).filter(|c| c.kind == Refused) {
                return Err(refused_column(c));
            }
            new_columns.push((h.clone(), column_kind(format, h)));
        }
        Ok(ImportReader {
            format,
            inner: Inner::Csv {
                reader,
                headers,
                record: csv::StringRecord::new(),
            },
            number: 0,
            new_columns,
            seen: HashSet::new(),
        })
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The columns first seen since the last call (a CSV's header; a JSON
    /// item's new fields), with what the import does with each.
    pub fn take_new_columns(&mut self) -> Vec<(String, ColumnKind)> {
        std::mem::take(&mut self.new_columns)
    }

    /// The next row; `None` after the last. A syntax error in the file is
    /// exit 2 and names the row.
    pub fn next_row(&mut self) -> Result<Option<RawRow>> {
        let number = self.number + 1;
        let format = self.format;
        let cells = match &mut self.inner {
            Inner::Csv {
                reader,
                headers,
                record,
            } => {
                if !reader.read_record(record).map_err(|e| bad_csv(e, number))? {
                    return Ok(None);
                }
                headers
                    .iter()
                    .zip(record.iter())
                    .map(|(h, c)| (h.clone(), undefuse(c).to_string()))
                    .collect()
            }
            Inner::Json { reader, state } => {
                let Some(entries) = next_json_item(reader, state, number)? else {
                    return Ok(None);
                };
                let mut cells = HashMap::with_capacity(entries.len());
                for (k, v) in entries {
                    let k = k.to_ascii_lowercase();
                    if cells.contains_key(&k) {
                        return Err(at_row_of(duplicate_column(&k), number));
                    }
                    if !self.seen.contains(&k) {
                        if let Some(c) = column(format, &k).filter(|c| c.kind == Refused) {
                            return Err(at_row_of(refused_column(c), number));
                        }
                        if self.seen.len() >= MAX_COLUMNS {
                            return Err(bad_json(format!(
                                "more than {MAX_COLUMNS} different fields (item {number})"
                            )));
                        }
                        self.seen.insert(k.clone());
                        self.new_columns.push((k.clone(), column_kind(format, &k)));
                    }
                    let text = json_cell(&k, v);
                    cells.insert(k, text);
                }
                cells
            }
        };
        self.number = number;
        Ok(Some(RawRow {
            number,
            format,
            cells,
        }))
    }
}

/// An error about one row, with its number in front (for errors made
/// before the row's name is known).
fn at_row_of(e: Error, number: usize) -> Error {
    let m = e.message();
    let what = format!("row {number}: {}", m.what);
    let fresh = Error::usage(what);
    match &m.hint {
        Some(h) => fresh.hint(h.clone()),
        None => fresh.hint("fix that row of the file and import it again"),
    }
}

fn json_cell(key: &str, v: Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s,
        Value::Array(items) => items
            .iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Number(n) if key == "rotate_every" => format!("{n}s"),
        other => other.to_string(),
    }
}

/// The next item of the JSON array, read from the stream: `[` is already
/// consumed; items are separated by `,`; `]` ends it, and only white space
/// may follow.
fn next_json_item<R: BufRead>(
    reader: &mut R,
    state: &mut JsonState,
    number: usize,
) -> Result<Option<Vec<(String, Value)>>> {
    let io = |e: std::io::Error| read_error(e);
    match state {
        JsonState::Done => return Ok(None),
        JsonState::First => {
            if peek_non_space(reader).map_err(io)? == Some(b']') {
                reader.consume(1);
                return end_of_array(reader, state).map(|()| None);
            }
        }
        JsonState::More => match peek_non_space(reader).map_err(io)? {
            Some(b',') => reader.consume(1),
            Some(b']') => {
                reader.consume(1);
                return end_of_array(reader, state).map(|()| None);
            }
            None => return Err(bad_json("the list is not closed with ]".into())),
            Some(_) => {
                return Err(bad_json(format!(
                    "expected , or ] after item {}",
                    number - 1
                )))
            }
        },
    }
    *state = JsonState::More;
    let mut de = serde_json::Deserializer::from_reader(&mut *reader);
    match Item::deserialize(&mut de) {
        Ok(Item::Object(entries)) => Ok(Some(entries)),
        Ok(Item::Other) => Err(bad_json(format!("item {number} is not an object"))),
        Err(e) => Err(bad_json(format!("{e} (in item {number})"))),
    }
}

fn end_of_array<R: BufRead>(reader: &mut R, state: &mut JsonState) -> Result<()> {
    *state = JsonState::Done;
    match peek_non_space(reader).map_err(read_error)? {
        None => Ok(()),
        Some(_) => Err(bad_json("text after the closing ]".into())),
    }
}

/// One JSON item: an object's fields in order (duplicates kept, to be
/// refused), or anything else.
enum Item {
    Object(Vec<(String, Value)>),
    Other,
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Item;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Item, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    entries.push((k, v));
                }
                Ok(Item::Object(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Item, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Item::Other)
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Item, E> {
                Ok(Item::Other)
            }
            fn visit_i64<E>(self, _: i64) -> std::result::Result<Item, E> {
                Ok(Item::Other)
            }
            fn visit_u64<E>(self, _: u64) -> std::result::Result<Item, E> {
                Ok(Item::Other)
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<Item, E> {
                Ok(Item::Other)
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<Item, E> {
                Ok(Item::Other)
            }
            fn visit_unit<E>(self) -> std::result::Result<Item, E> {
                Ok(Item::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// The whole file's rows (for tests and the fuzz target; `import` streams).
pub fn parse_import(text: &str) -> Result<(Source, Vec<RawRow>)> {
    let mut r = ImportReader::open(text.as_bytes())?;
    let mut rows = Vec::new();
    while let Some(row) = r.next_row()? {
        rows.push(row);
    }
    Ok((r.format().source(), rows))
}

/// A row that passed every check that needs no store.
/// A row's key value: the whole value, or for a show-once key only its
/// hash and the value as `list` shows it (the key stays verifiable).
pub enum ImportValue {
    Whole(SecretValue),
    HashOnly { hash: [u8; 32], shown: String },
}

impl ImportValue {
    pub fn hash(&self) -> [u8; 32] {
        match self {
            ImportValue::Whole(v) => v.hash(),
            ImportValue::HashOnly { hash, .. } => *hash,
        }
    }

    /// The value as `list` shows it.
    pub fn truncated(&self) -> String {
        match self {
            ImportValue::Whole(v) => v.truncated(),
            ImportValue::HashOnly { shown, .. } => shown.clone(),
        }
    }
}

/// A `value_hash` cell: 64 hex digits.
fn parse_value_hash(cell: &str) -> Result<[u8; 32]> {
    let bad = || {
        Error::usage(format!(
            "invalid value_hash \"{}\": not 64 hex digits",
            cell.escape_debug()
        ))
        .hint("a value hash is the hex SHA-256 of the value, as keyadm export writes it")
    };
    if cell.len() != 64 || !cell.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&cell[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// The hex form of a value hash, as export writes it.
pub fn value_hash_hex(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// A show-once row without its value: the type from the `type` column, the
/// hash from `value_hash`, the shown value from `key` (CSV or JSON).
fn hash_only_row(row: &RawRow, hash_cell: &str) -> Result<(KeyType, ImportValue)> {
    let hash = parse_value_hash(hash_cell)?;
    // An export gives only show-once keys a hash (a CSV has no show_once).
    match row.opt("show_once").map(|s| parse_bool(s, "show_once")) {
        None | Some(Ok(true)) => {}
        Some(Err(e)) => return Err(e),
        Some(Ok(false)) => {
            return Err(Error::usage(
                "the row has a value hash but no value, and is not a show-once key",
            )
            .hint("only a show-once key (show_once true) is imported by its hash; export the others with --include-secrets"))
        }
    }
    let Some(t) = row.opt("type") else {
        return Err(Error::usage("the row has no type")
            .hint("give it one of: internal, external, custom, desktop"));
    };
    let key_type = t.parse::<KeyType>()?;
    let shown = row.get("key");
    let shown = if shown.contains('…') {
        shown.to_string()
    } else {
        format!("kadm_{}_…", key_type.letter())
    };
    Ok((key_type, ImportValue::HashOnly { hash, shown }))
}

pub struct ImportRow {
    pub number: usize,
    pub name: String,
    pub key_type: KeyType,
    pub value: ImportValue,
    pub description: String,
    /// The row's organization (`None`: --org, else the actor's).
    pub org: Option<String>,
    /// The row's tenant, checked against the organization in [`ImportRow::resolve_org`].
    pub tenant: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub rules: Vec<Rule>,
    pub origins: Vec<Origin>,
    pub ips: Vec<IpRange>,
    pub tags: Vec<String>,
    pub rotate_every: Option<u64>,
    pub rate_limit: Option<RateLimit>,
    pub user: Option<String>,
    /// The file's ID, when it is one.
    pub id: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub created_by: Option<String>,
    pub show_once: bool,
}

fn parse_bool(cell: &str, column: &str) -> Result<bool> {
    match cell.to_ascii_lowercase().as_str() {
        "" | "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(
            Error::usage(format!("invalid {column} \"{}\"", cell.escape_debug()))
                .hint("use true or false"),
        ),
    }
}

fn parse_items<T: std::str::FromStr<Err = Error>>(cell: &str) -> Result<Vec<T>> {
    split_list(cell).iter().map(|s| s.parse()).collect()
}

/// Checks one row on its own (no store): value and checksum, type, name,
/// lists, times, and every derived column against what it follows from.
pub fn check_row(row: &RawRow) -> Result<ImportRow> {
    let value = row.value();
    let hash_cell = row.opt("value_hash");
    if value.is_empty() || value.contains('…') {
        return match hash_cell {
            Some(h) => {
                let (key_type, value) = hash_only_row(row, h)?;
                check_rest(row, key_type, value)
            }
            None => Err(Error::usage("the row has no key value").hint(
                "export with --include-secrets (a show-once key needs its value_hash, which keyadm export writes)",
            )),
        };
    }
    let parsed = parse_value(value)?;
    let key_type = match (row.format.source(), row.opt("type")) {
        (_, Some(t)) => t.parse::<KeyType>()?,
        (Source::Keyadm, None) => {
            return Err(Error::usage("the row has no type")
                .hint("give it one of: internal, external, custom, desktop"))
        }
        (Source::Aws, None) => parsed.key_type,
    };
    if key_type != parsed.key_type {
        return Err(Error::usage(format!(
            "the row says type {key_type} but its value is of type {}",
            parsed.key_type
        ))
        .hint("a key's type is part of its value: correct the type column"));
    }
    let value = SecretValue::new(value.to_string());
    if let Some(h) = hash_cell {
        if parse_value_hash(h)? != value.hash() {
            return Err(
                Error::usage("the row's value_hash is not the hash of its value")
                    .hint("correct or remove the value_hash column"),
            );
        }
    }
    if row.format == Format::KeyadmJson {
        if let Some(shown) = row.opt("key") {
            if shown != value.truncated() {
                return Err(Error::usage(
                    "the row's key (the value as list shows it) is not that of its value",
                )
                .hint("correct or remove the key field; the value is in the value field"));
            }
        }
    }
    check_rest(row, key_type, ImportValue::Whole(value))
}

/// The checks of a row after its value.
fn check_rest(row: &RawRow, key_type: KeyType, value: ImportValue) -> Result<ImportRow> {
    let hash_only = matches!(value, ImportValue::HashOnly { .. });
    let name = crate::domain::key::normalize_name(row.get("name"));
    validate_name(&name)?;
    let description = row.get("description").to_string();
    validate_description(&description)?;
    let org = row.opt("org").map(str::to_string);
    if let Some(o) = &org {
        validate_org(o)?;
    }
    let tenant = row.opt("tenant").map(str::to_string);
    let enabled = parse_enabled(row.get("enabled"))?;
    if let Some(state) = row.opt("state") {
        let disabled = match state.to_ascii_lowercase().as_str() {
            "disabled" => true,
            "enabled" | "expired" => false,
            _ => {
                return Err(
                    Error::usage(format!("invalid state \"{}\"", state.escape_debug()))
                        .hint("a key's state is enabled, disabled or expired (or leave it empty)"),
                )
            }
        };
        if disabled == enabled {
            return Err(Error::usage(format!(
                "the row says state {} but enabled {enabled}",
                state.escape_debug()
            ))
            .hint("correct one of them: a disabled key has enabled false"));
        }
    }
    let disabled_reason = row
        .opt("disabled_reason")
        .filter(|_| !enabled)
        .map(str::to_string);
    if let Some(r) = &disabled_reason {
        validate_reason(r)?;
    }
    let id = match row.opt("id") {
        Some(id) if is_key_id(id) => Some(id.to_string()),
        Some(id) => {
            return Err(Error::usage(format!(
                "invalid id \"{}\": not a keyadm key ID",
                id.escape_debug()
            ))
            .hint("a key ID is 12 letters and digits; leave the cell empty for a new one"))
        }
        None => None,
    };
    let mut tags: Vec<String> = Vec::new();
    for t in split_list(row.get("tags")) {
        validate_tag(&t)?;
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    Ok(ImportRow {
        number: row.number,
        name,
        key_type,
        value,
        description,
        org,
        tenant,
        enabled,
        disabled_reason,
        expires_at: row
            .opt("expires_at")
            .map(|t| parse_time(t, "expires_at"))
            .transpose()?,
        rules: parse_items(row.get("rules"))?,
        origins: parse_items(row.get("origins"))?,
        ips: parse_items(row.get("ips"))?,
        tags,
        rotate_every: row
            .opt("rotate_every")
            .map(|d| parse_duration(d, false))
            .transpose()?,
        rate_limit: row
            .opt("rate_limit")
            .map(str::parse::<RateLimit>)
            .transpose()?,
        user: row.opt("user").filter(|u| *u != "all").map(str::to_string),
        id,
        created_at: row
            .opt("created_at")
            .map(|t| parse_time(t, "created_at"))
            .transpose()?,
        created_by: row.opt("created_by").map(str::to_string),
        show_once: match row.opt("show_once") {
            Some(s) => parse_bool(s, "show_once")?,
            None => hash_only,
        },
    })
}

impl ImportRow {
    /// The row's organization, else `fallback` (`--org`, else the actor's);
    /// a `tenant` column must name its tenant.
    pub fn resolve_org(&self, fallback: &str) -> Result<String> {
        let org = self.org.clone().unwrap_or_else(|| fallback.to_string());
        if let Some(t) = &self.tenant {
            if t != tenant_of(&org) {
                return Err(Error::usage(format!(
                    "the row says tenant \"{}\", but organization \"{org}\" is in tenant \"{}\"",
                    t.escape_debug(),
                    tenant_of(&org)
                ))
                .hint("a key's tenant follows from its organization: correct the org or tenant column"));
            }
        }
        Ok(org)
    }
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
    parse_bool(cell, "enabled")
}

/// Undoes the export's defusing of a cell that starts with `= + - @`
/// (a `'` put in front) when importing.
pub fn undefuse(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// The CSV columns, in order; what `export` writes and `import` reads.
pub const CSV_HEADERS: [&str; 22] = [
    "id",
    "name",
    "type",
    "state",
    "enabled",
    "disabled_reason",
    "org",
    "tenant",
    "description",
    "created_at",
    "created_by",
    "expires_at",
    "key",
    "user",
    "rules",
    "origins",
    "ips",
    "tags",
    "rotate_every",
    "rate_limit",
    "last_used_at",
    "value_hash",
];

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
        assert_eq!(rows[0].value(), "v", "the JSON value is the CSV key column");
        assert_eq!(split_list(rows[0].get("tags")), ["a", "b"]);
        assert!(parse_import("[1]").is_err());
        assert!(parse_import("name,type\n").is_err());
        let (source, _) = parse_import("Name,Key,Description,Enabled\n").unwrap();
        assert!(matches!(source, Source::Aws));
    }

    #[test]
    fn json_is_read_item_by_item() {
        let text = "\u{feff} [ {\"name\": \"a\"} ,\n{\"name\": \"b\"} ] \n";
        let mut r = ImportReader::open(text.as_bytes()).unwrap();
        assert_eq!(r.next_row().unwrap().unwrap().get("name"), "a");
        assert_eq!(r.take_new_columns(), [("name".to_string(), Honoured)]);
        assert_eq!(r.next_row().unwrap().unwrap().get("name"), "b");
        assert!(r.take_new_columns().is_empty());
        assert!(r.next_row().unwrap().is_none());
        assert!(r.next_row().unwrap().is_none());
        // The first item is handed over before a later syntax error is met.
        let mut r = ImportReader::open(&b"[{\"name\": \"a\"} {"[..]).unwrap();
        assert!(r.next_row().unwrap().is_some());
        let e = r.next_row().err().unwrap();
        assert!(
            e.message().what.contains("expected , or ]"),
            "{}",
            e.message().what
        );
        for (text, says) in [
            ("[]x", "after the closing"),
            ("[{\"a\": 1}", "not closed"),
            ("[{\"a\": 1},]", "item 2"),
            ("[{\"a\": 1, \"A\": 2}]", "twice"),
            ("[{\"a\": 1}, 2]", "item 2 is not an object"),
        ] {
            let e = parse_import(text).err().unwrap_or_else(|| panic!("{text}"));
            assert!(
                e.message().what.contains(says),
                "{text}: {}",
                e.message().what
            );
            assert_eq!(e.exit_code(), 2);
        }
        assert!(parse_import("[]").unwrap().1.is_empty());
    }

    #[test]
    fn every_column_of_every_format_has_one_kind() {
        for format in [Format::KeyadmCsv, Format::KeyadmJson, Format::AwsCsv] {
            let names: Vec<&str> = columns(format).map(|c| c.name).collect();
            let mut unique = names.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(names.len(), unique.len(), "{format:?}");
            assert_eq!(column_kind(format, "org"), Honoured, "{format:?}");
            assert_eq!(column_kind(format, "tenant"), Checked);
            assert_eq!(column_kind(format, "last_used_at"), Dropped);
            assert_eq!(column_kind(format, "rate_limit"), Honoured);
            assert_eq!(column_kind(format, "colour"), ColumnKind::Unknown);
        }
        assert_eq!(column_kind(Format::AwsCsv, "usageplanids"), Dropped);
        assert_eq!(column_kind(Format::AwsCsv, "type"), Checked);
        assert_eq!(column_kind(Format::KeyadmJson, "key"), Checked);
        assert_eq!(column_kind(Format::KeyadmCsv, "key"), Honoured);
        // Every column an export writes is in the table.
        for h in CSV_HEADERS {
            assert_ne!(
                column_kind(Format::KeyadmCsv, h),
                ColumnKind::Unknown,
                "{h}"
            );
        }
        let e = parse_import("id,name,type,key,Org,org\n").err().unwrap();
        assert!(e.message().what.contains("twice"), "{}", e.message().what);
    }

    #[test]
    fn derived_columns_must_agree() {
        let v = "kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p";
        let row = |extra_head: &str, extra: &str| {
            let text = format!("name,key{extra_head}\nn,{v}{extra}\n");
            let (_, mut rows) = parse_import(&text).unwrap();
            check_row(&rows.remove(0))
        };
        assert!(row(",type", ",external").is_ok());
        assert!(row(",type", ",internal").is_err());
        assert!(row(",state,enabled", ",disabled,true").is_err());
        assert!(row(",state,enabled", ",disabled,false").is_ok());
        assert!(row(",id", ",not-an-id").is_err());
        let r = row(",org,tenant", ",acme/emea,globex").unwrap();
        assert!(r.resolve_org("default").is_err());
        let r = row(",tenant", ",acme").unwrap();
        assert_eq!(r.resolve_org("acme/emea").unwrap(), "acme/emea");
        assert!(r.resolve_org("default").is_err());
    }
}
