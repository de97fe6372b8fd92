//! `keyadm store copy FROM TO` (issue 13, item 10): a whole store, from
//! SQLite to PostgreSQL or back (or to one of its own kind), all or
//! nothing, into an empty target. The rows are carried as they are
//! (`store::copy`): the store ID, the signatures and the audit chains
//! with their heads, so that `audit verify`, the trust key and every key
//! work on the copy. No session: the copy writes no store that exists,
//! and records nothing in either (the copy's audit log is the source's).

use chrono::{DateTime, Utc};

use crate::error::Result;
pub use crate::store::copy::{CopyOptions, CopyReport, Location};

/// Copies the store at `from` into the empty `to`. A non-empty target is
/// refused (exit 4) and changed in nothing; so is, on a PostgreSQL target,
/// a user or operator with no role in `pg_roles` unless
/// `options.create_logins`; `options.operator_role` makes the source's
/// operators that one role.
pub fn copy(
    from: &Location,
    to: &Location,
    options: &CopyOptions,
    now: DateTime<Utc>,
) -> Result<CopyReport> {
    if same_place(from, to) {
        return Err(crate::error::Error::usage(format!(
            "FROM and TO are the same store ({})",
            from.shown()
        ))
        .hint("name another path or database as TO"));
    }
    crate::store::copy::copy_store(from, to, options, now)
}

fn same_place(a: &Location, b: &Location) -> bool {
    match (a, b) {
        (Location::File(x), Location::File(y)) => {
            x == y || matches!((x.canonicalize(), y.canonicalize()), (Ok(p), Ok(q)) if p == q)
        }
        (Location::Pg(x), Location::Pg(y)) => x.shown == y.shown,
        _ => false,
    }
}
