//! Pure rules of the domain: no I/O, no SQL, no printing.

pub mod expiry;
pub mod key;
pub mod org;
pub mod rules;
pub mod settings;
pub mod value;
pub mod verify;
