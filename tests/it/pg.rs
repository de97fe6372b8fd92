//! The same capability files again, against PostgreSQL (issue 13): each
//! test's `Env::new()` makes a database of its own in the one cluster of
//! this test process (`common::pg`), and runs every command as the
//! database role named by its actor. Only the files that are not about
//! the SQLite file itself.

#[test]
fn pg_backend_is_detected() {
    assert!(crate::common::on_pg());
    assert!(crate::common::Env::new().pg.is_some());
}
