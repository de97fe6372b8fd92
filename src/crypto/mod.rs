//! Cryptography: sealing values under the master key.

pub mod seal;
pub mod sign;
