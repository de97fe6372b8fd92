//! The operations: every use case of keyadm, for every front end (the
//! CLI, `keyadm serve`, a Rust service). Each one validates its input,
//! is authorized and run in one transaction by the [`Session`], appends
//! its own audit entry, and returns a typed report. Nothing here prints,
//! reads the terminal or the environment, or exits.

pub mod audit;
pub mod handover;
pub mod import;
pub mod key_changes;
pub mod keys;
pub mod lifecycle;
pub mod listing;
pub mod lookup;
pub mod notify_send;
pub mod operators;
pub mod orgs;
pub mod private_file;
pub mod rotation;
pub mod scan;
pub mod session;
pub mod settings;
pub mod signing;
pub mod store_copy;
pub mod users;
pub mod verify;
pub mod witness;

/// The transaction an operation's steps run in (for the steps the binary
/// still runs itself, e.g. `rotate`'s lookup of its KEY arguments).
pub use crate::store::Tx;
pub use session::{Actor, Created, Identity, Open, Right, Session, StoreLocation};
