//! `keyadm store copy FROM TO` (issue 13, item 10): a whole store, from
//! SQLite to PostgreSQL or back (or to one of its own kind), all or
//! nothing, into an empty target. The rows are carried as they are
//! (`store::copy`): the store ID, the signatures and the audit chains
//! with their heads, so that `audit verify`, the trust key and every key
//! work on the copy. The source is read through a session as an operator
//! (the whole store is an operator's: a tenant's user is refused); the
//! copy records nothing in either store (the copy's audit log is the
//! source's).

use crate::error::{Error, Result};
use crate::ops::{Right, Session};
pub use crate::store::copy::{CopyOptions, CopyReport, Location};

/// Copies the store of `session` into the empty `to`. A non-empty target
/// is refused (exit 4) and changed in nothing; so is, on a PostgreSQL
/// target, a user or operator with no role in `pg_roles` unless
/// `options.create_logins`; `options.operator_role` makes the source's
/// operators that one role.
pub fn copy(session: &mut Session, to: &Location, options: &CopyOptions) -> Result<CopyReport> {
    session.require(Right::Operator, "copy the whole store")?;
    let store = session.store();
    if same_place(store, to) {
        return Err(
            Error::usage(format!("FROM and TO are the same store ({})", to.shown()))
                .hint("name another path or database as TO"),
        );
    }
    crate::store::copy::copy_store(store, to, options, session.now())
}

fn same_place(from: &crate::Store, to: &Location) -> bool {
    match to {
        Location::File(y) if !from.is_pg() => {
            let x = from.path();
            x == y || matches!((x.canonicalize(), y.canonicalize()), (Ok(p), Ok(q)) if p == q)
        }
        Location::Pg(y) if from.is_pg() => from.path().display().to_string() == y.shown,
        _ => false,
    }
}
