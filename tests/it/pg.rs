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
#[path = "audit.rs"]
mod audit;
#[path = "batch.rs"]
mod batch;
#[path = "clashes.rs"]
mod clashes;
#[path = "core_generate.rs"]
mod core_generate;
#[path = "core_lifecycle.rs"]
mod core_lifecycle;
#[path = "list.rs"]
mod list;
#[path = "output.rs"]
mod output;
#[path = "render.rs"]
mod render;
#[path = "rights.rs"]
mod rights;
#[path = "rights_jobs.rs"]
mod rights_jobs;
#[path = "rotate_hooks.rs"]
mod rotate_hooks;
#[path = "show_once.rs"]
mod show_once;
#[path = "sign.rs"]
mod sign;
#[path = "tenants.rs"]
mod tenants;
#[path = "users.rs"]
mod users;
#[path = "verify.rs"]
mod verify;
#[path = "wildcards.rs"]
mod wildcards;
