//! keyadm: administer API keys in one local SQLite store, with key values
//! sealed under a master key.
//!
//! The library holds the domain rules ([`domain`]), the store ([`store`]) and
//! the cryptography ([`crypto`]); the `keyadm` binary parses arguments, calls
//! it, and prints. The library never prints, reads the terminal or exits.

pub mod crypto;
pub mod domain;
pub mod error;
pub mod scan;
pub mod store;
pub mod verifier;

pub use crypto::seal::{MasterKey, MasterKeySource};
pub use domain::expiry::Clock;
pub use domain::key::{Key, KeyState, KeyType};
pub use domain::value::SecretValue;
pub use domain::verify::{Decision, Reason, Request};
pub use error::{Error, Result};
pub use store::{Access, Store};
pub use verifier::{Verifier, VerifierOptions};
