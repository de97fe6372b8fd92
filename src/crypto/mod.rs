//! Cryptography: sealing values under the master key.

pub mod seal;
