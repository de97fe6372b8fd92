//! Pure rules of the domain: no I/O, no SQL, no printing.

pub mod expiry;
pub mod gateway;
pub mod glob;
pub mod import_file;
pub mod key;
pub mod key_spec;
pub mod lifecycle;
pub mod notify;
pub mod org;
pub mod origin;
pub mod rate_limit;
pub mod request_path;
pub mod rules;
pub mod settings;
pub mod user;
pub mod value;
pub mod verify;
