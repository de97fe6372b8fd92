//! The one place where the store talks to a database connection: SQLite
//! (a file) or PostgreSQL (a server, `postgres` crate). Every query of the
//! store is written once, in SQLite's dialect with `?N` placeholders; for
//! PostgreSQL the placeholders become `$N` and the few dialect differences
//! are the functions at the end of this file.
//!
//! Parameters are rusqlite's `ToSql` values for both (an integer, a real,
//! text, a blob or NULL), and rows are read through rusqlite's `FromSql`,
//! so a store function reads the same on either side. A PostgreSQL value
//! is written as the type the server asks for (`BIGINT`, `INT`, `BOOL`,
//! `TEXT`, `BYTEA`), and read back as the SQLite value it stands for.
//! PostgreSQL errors travel inside `rusqlite::Error::ToSqlConversionFailure`
//! until `Error::from` turns them into the store error of their kind.

use std::cell::RefCell;
use std::collections::HashMap;

use postgres::types::{IsNull, ToSql as PgToSql, Type};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::ToSql;

/// A connection of either kind.
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Pg(Box<PgConn>),
}

pub struct PgConn {
    client: RefCell<postgres::Client>,
    /// Prepared statements by their SQLite text.
    cache: RefCell<HashMap<String, postgres::Statement>>,
    /// The URL without its password, for messages.
    pub shown: String,
}

impl PgConn {
    pub fn new(client: postgres::Client, shown: String) -> PgConn {
        PgConn {
            client: RefCell::new(client),
            cache: RefCell::new(HashMap::new()),
            shown,
        }
    }
}

/// A PostgreSQL error as a rusqlite one (see the module's note).
pub(crate) fn pg_err(e: postgres::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

/// Parameters: `params![..]`, `[a, b]`, `[]`.
pub trait Params {
    fn with<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R;
}

impl Params for &[&dyn ToSql] {
    fn with<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
        f(self)
    }
}

impl Params for [&dyn ToSql; 0] {
    fn with<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
        f(&[])
    }
}

macro_rules! array_params {
    ($($n:literal)+) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn with<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
                let refs: [&dyn ToSql; $n] = std::array::from_fn(|i| &self[i] as &dyn ToSql);
                f(&refs)
            }
        }
        impl<T: ToSql> Params for &[T; $n] {
            fn with<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
                let refs: [&dyn ToSql; $n] = std::array::from_fn(|i| &self[i] as &dyn ToSql);
                f(&refs)
            }
        }
    )+};
}
array_params!(1 2 3 4 5 6 7 8);

/// One value, as PostgreSQL is given it.
#[derive(Debug)]
struct PgValue(Value);

impl PgToSql for PgValue {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        fn put<T: PgToSql>(
            v: T,
            ty: &Type,
            out: &mut bytes::BytesMut,
        ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
            PgToSql::to_sql(&v, ty, out)
        }
        let text = |ty: &Type| {
            matches!(
                *ty,
                Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR | Type::UNKNOWN
            )
        };
        match &self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) => match *ty {
                Type::INT8 => put(*i, ty, out),
                Type::INT4 => put(i32::try_from(*i)?, ty, out),
                Type::INT2 => put(i16::try_from(*i)?, ty, out),
                Type::BOOL => put(*i != 0, ty, out),
                Type::FLOAT8 => put(*i as f64, ty, out),
                _ if text(ty) => put(i.to_string(), &Type::TEXT, out),
                _ => Err(format!("an integer cannot be a {ty}").into()),
            },
            Value::Real(r) => match *ty {
                Type::FLOAT8 => put(*r, ty, out),
                Type::FLOAT4 => put(*r as f32, ty, out),
                _ => Err(format!("a real cannot be a {ty}").into()),
            },
            Value::Text(t) => match *ty {
                _ if text(ty) => put(t.as_str(), &Type::TEXT, out),
                Type::INT8 => put(t.parse::<i64>()?, ty, out),
                _ => Err(format!("text cannot be a {ty}").into()),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => put(b.as_slice(), ty, out),
                _ => Err(format!("a blob cannot be a {ty}").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn pg_values(params: &[&dyn ToSql]) -> rusqlite::Result<Vec<PgValue>> {
    params
        .iter()
        .map(|p| {
            Ok(PgValue(match p.to_sql()? {
                ToSqlOutput::Borrowed(v) => match v {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(i) => Value::Integer(i),
                    ValueRef::Real(r) => Value::Real(r),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                },
                ToSqlOutput::Owned(v) => v,
                _ => return Err(rusqlite::Error::InvalidQuery),
            }))
        })
        .collect()
}

/// A column: its place in the row, or its name.
pub trait ColIndex {
    fn index(self, row: &Row<'_>) -> rusqlite::Result<usize>;
}

impl ColIndex for usize {
    fn index(self, _: &Row<'_>) -> rusqlite::Result<usize> {
        Ok(self)
    }
}

impl ColIndex for &str {
    fn index(self, row: &Row<'_>) -> rusqlite::Result<usize> {
        match row {
            Row::Sqlite(r) => r.as_ref().column_index(self),
            Row::Pg(r) => r
                .columns()
                .iter()
                .position(|c| c.name() == self)
                .ok_or_else(|| rusqlite::Error::InvalidColumnName(self.to_string())),
        }
    }
}

/// A row of either kind, read through rusqlite's `FromSql`.
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Pg(&'r postgres::Row),
}

impl Row<'_> {
    /// Column `idx` as a borrowed value, given to `f`.
    pub fn with_ref<T>(
        &self,
        idx: usize,
        f: impl FnOnce(ValueRef<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        match self {
            Row::Sqlite(r) => f(r.get_ref(idx)?),
            Row::Pg(r) => f(ValueRef::from(&pg_column(r, idx)?)),
        }
    }

    pub fn get<I: ColIndex, T: rusqlite::types::FromSql>(&self, idx: I) -> rusqlite::Result<T> {
        let idx = idx.index(self)?;
        match self {
            Row::Sqlite(r) => r.get(idx),
            Row::Pg(r) => {
                let v = pg_column(r, idx)?;
                T::column_result(ValueRef::from(&v)).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(idx, v.data_type(), Box::new(e))
                })
            }
        }
    }
}

/// Column `idx` of a PostgreSQL row as the SQLite value it stands for.
fn pg_column(r: &postgres::Row, idx: usize) -> rusqlite::Result<Value> {
    let col = r
        .columns()
        .get(idx)
        .ok_or(rusqlite::Error::InvalidColumnIndex(idx))?;
    let ty = col.type_().clone();
    let v = match ty {
        Type::INT8 => r
            .try_get::<_, Option<i64>>(idx)
            .map(|v| v.map(Value::Integer)),
        Type::INT4 => r
            .try_get::<_, Option<i32>>(idx)
            .map(|v| v.map(|i| Value::Integer(i.into()))),
        Type::INT2 => r
            .try_get::<_, Option<i16>>(idx)
            .map(|v| v.map(|i| Value::Integer(i.into()))),
        Type::OID => r
            .try_get::<_, Option<u32>>(idx)
            .map(|v| v.map(|i| Value::Integer(i.into()))),
        Type::BOOL => r
            .try_get::<_, Option<bool>>(idx)
            .map(|v| v.map(|b| Value::Integer(b.into()))),
        Type::FLOAT8 => r.try_get::<_, Option<f64>>(idx).map(|v| v.map(Value::Real)),
        Type::FLOAT4 => r
            .try_get::<_, Option<f32>>(idx)
            .map(|v| v.map(|f| Value::Real(f.into()))),
        Type::BYTEA => r
            .try_get::<_, Option<Vec<u8>>>(idx)
            .map(|v| v.map(Value::Blob)),
        _ => r
            .try_get::<_, Option<String>>(idx)
            .map(|v| v.map(Value::Text)),
    }
    .map_err(pg_err)?;
    Ok(v.unwrap_or(Value::Null))
}

/// Rows of a query, walked with `next`.
pub enum Rows<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Pg(std::vec::IntoIter<postgres::Row>, Option<postgres::Row>),
}

impl Rows<'_> {
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> rusqlite::Result<Option<Row<'_>>> {
        match self {
            Rows::Sqlite(rows) => Ok(rows.next()?.map(Row::Sqlite)),
            Rows::Pg(rows, current) => {
                *current = rows.next();
                Ok(current.as_ref().map(Row::Pg))
            }
        }
    }
}

/// A statement: cached and prepared for SQLite, by its text for PostgreSQL
/// (prepared once per connection).
pub enum Stmt<'c> {
    Sqlite(rusqlite::CachedStatement<'c>),
    SqliteOnce(rusqlite::Statement<'c>),
    Pg(&'c PgConn, String),
}

impl<'c> Stmt<'c> {
    fn sqlite(&mut self) -> Option<&mut rusqlite::Statement<'c>> {
        match self {
            Stmt::Sqlite(s) => Some(s),
            Stmt::SqliteOnce(s) => Some(s),
            Stmt::Pg(..) => None,
        }
    }

    pub fn execute(&mut self, params: impl Params) -> rusqlite::Result<usize> {
        params.with(|p| match self {
            Stmt::Pg(c, sql) => c.execute(sql, p),
            _ => self.sqlite().unwrap().execute(p),
        })
    }

    pub fn query(&mut self, params: impl Params) -> rusqlite::Result<Rows<'_>> {
        params.with(|p| match self {
            Stmt::Pg(c, sql) => Ok(Rows::Pg(c.query(sql, p)?.into_iter(), None)),
            Stmt::Sqlite(s) => Ok(Rows::Sqlite(s.query(p)?)),
            Stmt::SqliteOnce(s) => Ok(Rows::Sqlite(s.query(p)?)),
        })
    }

    pub fn query_row<T>(
        &mut self,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(r) => f(&r),
            None => Err(rusqlite::Error::QueryReturnedNoRows),
        }
    }

    pub fn exists(&mut self, params: impl Params) -> rusqlite::Result<bool> {
        Ok(self.query(params)?.next()?.is_some())
    }

    /// Every row mapped by `f` (read in full first).
    pub fn query_map<T>(
        &mut self,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<std::vec::IntoIter<rusqlite::Result<T>>> {
        let mut rows = self.query(params)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(f(&r));
        }
        Ok(out.into_iter())
    }
}

impl PgConn {
    fn statement(&self, sql: &str) -> rusqlite::Result<postgres::Statement> {
        if let Some(s) = self.cache.borrow().get(sql) {
            return Ok(s.clone());
        }
        let s = self
            .client
            .borrow_mut()
            .prepare(&pg_sql(sql))
            .map_err(pg_err)?;
        self.cache.borrow_mut().insert(sql.to_string(), s.clone());
        Ok(s)
    }

    fn query(&self, sql: &str, params: &[&dyn ToSql]) -> rusqlite::Result<Vec<postgres::Row>> {
        let stmt = self.statement(sql)?;
        let values = pg_values(params)?;
        let refs: Vec<&(dyn PgToSql + Sync)> =
            values.iter().map(|v| v as &(dyn PgToSql + Sync)).collect();
        self.client.borrow_mut().query(&stmt, &refs).map_err(pg_err)
    }

    fn execute(&self, sql: &str, params: &[&dyn ToSql]) -> rusqlite::Result<usize> {
        let stmt = self.statement(sql)?;
        let values = pg_values(params)?;
        let refs: Vec<&(dyn PgToSql + Sync)> =
            values.iter().map(|v| v as &(dyn PgToSql + Sync)).collect();
        self.client
            .borrow_mut()
            .execute(&stmt, &refs)
            .map(|n| n as usize)
            .map_err(pg_err)
    }

    pub fn batch(&self, sql: &str) -> rusqlite::Result<()> {
        self.client.borrow_mut().batch_execute(sql).map_err(pg_err)
    }
}

impl Conn {
    pub fn is_pg(&self) -> bool {
        matches!(self, Conn::Pg(_))
    }

    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Conn::Sqlite(c) => Some(c),
            Conn::Pg(_) => None,
        }
    }

    pub fn prepare_cached(&self, sql: &str) -> rusqlite::Result<Stmt<'_>> {
        match self {
            Conn::Sqlite(c) => Ok(Stmt::Sqlite(c.prepare_cached(sql)?)),
            Conn::Pg(c) => Ok(Stmt::Pg(c, sql.to_string())),
        }
    }

    pub fn prepare(&self, sql: &str) -> rusqlite::Result<Stmt<'_>> {
        match self {
            Conn::Sqlite(c) => Ok(Stmt::SqliteOnce(c.prepare(sql)?)),
            Conn::Pg(c) => Ok(Stmt::Pg(c, sql.to_string())),
        }
    }

    pub fn execute(&self, sql: &str, params: impl Params) -> rusqlite::Result<usize> {
        match self {
            Conn::Sqlite(c) => params.with(|p| c.execute(sql, p)),
            Conn::Pg(c) => params.with(|p| c.execute(sql, p)),
        }
    }

    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        match self {
            Conn::Sqlite(c) => params.with(|p| c.query_row(sql, p, |r| f(&Row::Sqlite(r)))),
            Conn::Pg(_) => self.prepare(sql)?.query_row(params, f),
        }
    }

    pub fn execute_batch(&self, sql: &str) -> rusqlite::Result<()> {
        match self {
            Conn::Sqlite(c) => c.execute_batch(sql),
            Conn::Pg(c) => c.batch(sql),
        }
    }

    /// Starts a transaction: `write` takes the write lock at once (SQLite's
    /// `BEGIN IMMEDIATE`); on PostgreSQL writers lock the rows they change
    /// and reads see one snapshot (REPEATABLE READ).
    pub fn begin(&self, write: bool) -> rusqlite::Result<TxGuard<'_>> {
        let sql = match (self, write) {
            (Conn::Sqlite(_), true) => "BEGIN IMMEDIATE",
            (Conn::Sqlite(_), false) => "BEGIN DEFERRED",
            // One writer at a time, as SQLite's write lock: the 300-key
            // limit, name uniqueness and the audit chains hold under
            // writers on many hosts. A wait past the busy timeout
            // (lock_timeout) is "the store is locked".
            (Conn::Pg(_), true) => BEGIN_WRITE_PG,
            (Conn::Pg(_), false) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        self.execute_batch(sql)?;
        Ok(TxGuard {
            conn: self,
            open: true,
        })
    }
}

pub(crate) const BEGIN_WRITE_PG: &str =
    "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(118083572294765)";

impl Conn {
    /// A write transaction only if the write lock is free now (on SQLite
    /// the caller sets a zero busy timeout): `None` when another writer has it.
    pub fn begin_nowait(&self) -> rusqlite::Result<Option<TxGuard<'_>>> {
        if !self.is_pg() {
            return self.begin(true).map(Some);
        }
        self.execute_batch("BEGIN ISOLATION LEVEL READ COMMITTED")?;
        let guard = TxGuard {
            conn: self,
            open: true,
        };
        let got: bool = self.query_row(
            "SELECT pg_try_advisory_xact_lock(118083572294765)",
            [],
            |r| r.get(0),
        )?;
        Ok(got.then_some(guard))
    }
}

/// An open transaction: rolled back when dropped uncommitted.
pub struct TxGuard<'c> {
    conn: &'c Conn,
    open: bool,
}

impl TxGuard<'_> {
    pub fn commit(mut self) -> rusqlite::Result<()> {
        self.open = false;
        self.conn.execute_batch("COMMIT")
    }

    pub fn rollback(mut self) -> rusqlite::Result<()> {
        self.open = false;
        self.conn.execute_batch("ROLLBACK")
    }
}

impl Drop for TxGuard<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// SQLite's text of a query in PostgreSQL's: `?N` becomes `$N` (a bare
/// `?` the next number), and the few spellings that differ are replaced.
pub fn pg_sql(sql: &str) -> String {
    let sql = sql
        .replace("name COLLATE NOCASE", "lower(name)")
        .replace(" IS NOT ?", " IS DISTINCT FROM ?")
        .replace("x'01'", "'\\x01'::bytea")
        .replace(
            "zeroblob(32)",
            "'\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea",
        );
    let sql = match sql.strip_prefix("INSERT OR IGNORE ") {
        Some(rest) => format!("INSERT {} ON CONFLICT DO NOTHING", rest.trim_end()),
        None => sql,
    };
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut next = 1;
    let mut in_str = false;
    while let Some(c) = chars.next() {
        // `?N IS NULL` alone cannot tell PostgreSQL the parameter's type:
        // the optional filters are all text.
        if c == '?' && !in_str && optional_filter(&out, chars.clone()) {
            out.push_str("CAST(");
            out.push('$');
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                out.push(*d);
                chars.next();
            }
            out.push_str(" AS TEXT)");
            continue;
        }
        if c == '\'' {
            in_str = !in_str;
        }
        if c == '?' && !in_str {
            let mut digits = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(*d);
                chars.next();
            }
            if digits.is_empty() {
                digits = next.to_string();
            }
            next = digits.parse::<usize>().unwrap_or(next) + 1;
            out.push('$');
            out.push_str(&digits);
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether the placeholder at `rest` (just after its `?`) is `?N IS NULL`.
fn optional_filter(_before: &str, rest: std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    let rest: String = rest.take(16).collect();
    let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
    digits > 0 && rest[digits..].starts_with(" IS NULL")
}

#[cfg(test)]
mod tests {
    use super::pg_sql;

    #[test]
    fn placeholders_become_numbered_dollars() {
        assert_eq!(
            pg_sql("SELECT a FROM t WHERE b = ?1 AND c = ?2 OR d = ?1"),
            "SELECT a FROM t WHERE b = $1 AND c = $2 OR d = $1"
        );
        assert_eq!(pg_sql("VALUES (?, ?)"), "VALUES ($1, $2)");
        assert_eq!(pg_sql("SELECT '?' || ?3"), "SELECT '?' || $3");
        assert_eq!(
            pg_sql("WHERE (?1 IS NULL OR t = ?1) AND id IS NOT ?2"),
            "WHERE (CAST($1 AS TEXT) IS NULL OR t = $1) AND id IS DISTINCT FROM $2"
        );
        assert_eq!(
            pg_sql("INSERT OR IGNORE INTO t (a) VALUES (?1)"),
            "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING"
        );
    }
}
