//! The operations: every use case of keyadm, for every front end (the
//! CLI, `keyadm serve`, a Rust service). Each one validates its input,
//! is authorized and run in one transaction by the [`Session`], appends
//! its own audit entry, and returns a typed report. Nothing here prints,
//! reads the terminal or the environment, or exits.

pub mod audit;
pub mod keys;
pub mod operators;
pub mod session;
pub mod verify;

pub use session::{Actor, Created, Identity, Open, Right, Session, StoreLocation};
