//! keyadm: administer API keys in one local SQLite store, with key values
//! sealed under a master key.
//!
//! The library holds the operations ([`ops`]: every use case, run through a
//! [`ops::Session`] that knows who acts and when and checks their rights),
//! the domain rules ([`domain`]), the store ([`store`]) and the cryptography
//! ([`crypto`]); the `keyadm` binary parses arguments, calls one operation,
//! and renders its report. The library never prints, reads the terminal or
//! the environment, or exits.
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
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("keys.db");
//! use keyadm::domain::key_spec::KeySpec;
//! use keyadm::identity::OsAccount;
//! use keyadm::ops::{keys, Identity, Open, Session, StoreLocation};
//! use keyadm::{Clock, KeyType, MasterKeySource};
//!
//! // Issue a key the way `keyadm generate` does: checked, authorized and
//! // audited in one transaction (the store and master key are created on
//! // first use; the account running this is the new store's operator).
//! let at = StoreLocation {
//!     path: path.clone(),
//!     pg: None, // or a PostgreSQL store: keyadm::store::PgTarget::parse(..)
//!     master: MasterKeySource::File(dir.path().join("master.key")),
//!     trust_dir: None, // or where verifiers find the store's public key
//! };
//! let me = Identity::new(Some("reports-service".into()), OsAccount::current());
//! let mut session = Session::open(&at, Open::Write, me, Clock::system())?;
//! let mut spec = KeySpec::new("reports", KeyType::Custom);
//! spec.rules = vec!["GET /api/v1/reports/*".parse()?];
//! spec.ips = vec!["10.0.0.0/8".parse()?];
//! # let settings = keyadm::ops::settings::NewSetting::parse("scoped-api", "on")?;
//! # keyadm::ops::settings::set(&mut session, &settings)?;
//! let (_key, value) = keys::generate_key(&mut session, spec)?;
//! drop(session);
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
