//! keyadm: administer API keys in one local SQLite store, with key values
//! sealed under a master key.
//!
//! The library holds the domain rules ([`domain`]), the store ([`store`]) and
//! the cryptography ([`crypto`]); the `keyadm` binary parses arguments, calls
//! it, and prints. The library never prints, reads the terminal or exits.
//!
//! # Verifying keys in a Rust service
//!
//! [`Verifier`] opens a store, holds its keys in memory, and answers each
//! request with a [`Decision`] (the same checks, order and reasons as
//! `keyadm verify`). It picks up changes other processes make to the store
//! (a key disabled, rotated or added) within about 100 ms.
//!
//! ```
//! # fn main() -> keyadm::Result<()> {
//! # use chrono::Utc;
//! # use keyadm::domain::{key::*, value::*};
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("keys.db");
//! # let value = generate_value("kadm", KeyType::Custom);
//! # {
//! #     let mut store = keyadm::Store::open(&path, keyadm::Access::Create, Utc::now())?;
//! #     let key = Key { id: new_key_id(), name: "reports".into(), key_type: KeyType::Custom,
//! #         org: "default".into(), tenant: "default".into(), description: String::new(),
//! #         enabled: true, disabled_reason: None, created_at: Utc::now(), created_by: "doc".into(),
//! #         expires_at: None, key: value.truncated(), show_once: true, previous: None,
//! #         rotated_at: None, rotate_every: None, user: None,
//! #         rules: vec!["GET /api/v1/reports/*".parse()?], origins: vec![],
//! #         ips: vec!["10.0.0.0/8".parse()?], tags: vec![], last_used_at: None };
//! #     store.write(Utc::now(), |tx| tx.insert_key(&keyadm::store::NewKey { key: &key, hash: value.hash(), sealed: None }))?;
//! # }
//! # let presented_key = value.expose();
//! use keyadm::{Reason, Request, Verifier};
//!
//! let mut verifier = Verifier::open(&path)?; // e.g. ~/.local/share/keyadm/keys.db
//!
//! let request = Request {
//!     key: presented_key, // from the request's Authorization header
//!     method: Some("GET"),
//!     url: Some("/api/v1/reports/7?format=csv"),
//!     origin: None,
//!     ip: "10.1.2.3".parse().ok(),
//! };
//! let decision = verifier.verify(&request);
//! assert!(decision.allowed);
//! assert_eq!(decision.key.as_ref().map(|k| k.name.as_str()), Some("reports"));
//!
//! let elsewhere = Request { url: Some("/api/v1/users"), ..request };
//! assert_eq!(verifier.verify(&elsewhere).reason, Some(Reason::RuleNotAllowed));
//!
//! let outsider = Request { ip: "192.168.1.9".parse().ok(), ..request };
//! assert_eq!(verifier.verify(&outsider).reason, Some(Reason::IpNotAllowed));
//! # Ok(()) }
//! ```

pub mod crypto;
pub mod domain;
pub mod error;
pub mod files;
pub mod identity;
pub mod ops;
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
