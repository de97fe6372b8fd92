//! The master key (its file, or `KEYADM_MASTER_KEY`), sealing key values
//! with XChaCha20-Poly1305 (the key ID as associated data), and the check
//! value that tells a wrong master key from a damaged row.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::TryRngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::domain::value::SecretValue;
use crate::error::{Error, Result};

const NONCE_LEN: usize = 24;

/// Where the master key comes from.
#[derive(Debug, Clone)]
pub enum MasterKeySource {
    /// A file (from `--master-key-file`, `KEYADM_MASTER_KEY_FILE` or the default path).
    File(PathBuf),
    /// `KEYADM_MASTER_KEY`: the key itself, base64.
    Inline(Zeroizing<String>),
}

impl MasterKeySource {
    pub fn describe(&self) -> String {
        match self {
            MasterKeySource::File(p) => p.display().to_string(),
            MasterKeySource::Inline(_) => "KEYADM_MASTER_KEY".to_string(),
        }
    }

    pub fn exists(&self) -> bool {
        match self {
            MasterKeySource::File(p) => p.exists(),
            MasterKeySource::Inline(_) => true,
        }
    }
}

/// 32 secret bytes; zeroized when dropped; no `Debug` of the bytes.
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

fn decode(text: &str, from: &str) -> Result<MasterKey> {
    let bytes = Zeroizing::new(B64.decode(text.trim()).map_err(|_| bad_key(from))?);
    let arr: [u8; 32] = bytes.as_slice().try_into().map_err(|_| bad_key(from))?;
    Ok(MasterKey(Zeroizing::new(arr)))
}

fn bad_key(from: &str) -> Error {
    let e = Error::environment(format!(
        "the master key in {from} is not 32 bytes of base64"
    ));
    if from == "KEYADM_MASTER_KEY" {
        // The variable holds the key itself, not the name of a file.
        return e.hint("set KEYADM_MASTER_KEY to the key itself (the base64 line of a master.key file, e.g. KEYADM_MASTER_KEY=\"$(cat master.key)\"), or unset it and use --master-key-file PATH");
    }
    e.hint("restore the master key file that belongs to this store")
}

impl MasterKey {
    pub fn generate() -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        OsRng
            .try_fill_bytes(&mut k[..])
            .expect("the operating system's random number generator failed");
        MasterKey(k)
    }

    /// Reads the key; `Ok(None)` when its file does not exist.
    pub fn load(source: &MasterKeySource) -> Result<Option<Self>> {
        match source {
            MasterKeySource::Inline(text) => decode(text, "KEYADM_MASTER_KEY").map(Some),
            MasterKeySource::File(path) => match read_trusted(path) {
                Ok(text) => decode(&text, &path.display().to_string()).map(Some),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) if e.get_ref().is_some_and(|i| i.is::<Distrusted>()) => {
                    let d = e
                        .into_inner()
                        .and_then(|i| i.downcast::<Distrusted>().ok())
                        .expect("just checked");
                    Err(
                        Error::environment(format!("{}; keyadm does not use it", d.0.what))
                            .hint(d.0.fix),
                    )
                }
                Err(e) => Err(Error::environment(format!(
                    "cannot read the master key file {}: {e}",
                    path.display()
                ))
                .hint("check its permissions (it should be 0600 and yours)")),
            },
        }
    }

    /// Writes a new key file (0600, folder 0700) atomically. If another
    /// process won the race, its key is returned instead.
    /// Writes a new master key file; if another process wrote one first,
    /// loads that one instead. The flag says whether this call created it.
    pub fn create_file(path: &Path) -> Result<(Self, bool)> {
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        let key = MasterKey::generate();
        let text = Zeroizing::new(format!("{}\n", B64.encode(&key.0[..])));
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()
        };
        write().map_err(|e| {
            Error::environment(format!(
                "cannot write the master key file {}: {e}",
                path.display()
            ))
            .hint(
                "check the permissions and free space of its folder, or set KEYADM_MASTER_KEY_FILE",
            )
        })?;
        // A hard link never replaces an existing file: the first writer wins.
        let linked = fs::hard_link(&tmp, path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok((key, true)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let theirs = MasterKey::load(&MasterKeySource::File(path.to_path_buf()))?
                    .ok_or_else(|| {
                        Error::environment("the master key file vanished while being created")
                            .hint("another process removed it; run the command again")
                    })?;
                Ok((theirs, false))
            }
            Err(e) => Err(Error::environment(format!(
                "cannot write the master key file {}: {e}",
                path.display()
            ))
            .hint(
                "check the permissions and free space of its folder, or set KEYADM_MASTER_KEY_FILE",
            )),
        }
    }

    fn mac(&self, label: &[u8]) -> Hmac<Sha256> {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.0[..]).expect("any key length");
        m.update(label);
        m
    }

    /// A value stored in the store that proves which master key it belongs to.
    pub fn check_value(&self) -> Vec<u8> {
        self.mac(b"keyadm check v1")
            .finalize()
            .into_bytes()
            .to_vec()
    }

    pub fn matches_check(&self, stored: &[u8]) -> bool {
        self.mac(b"keyadm check v1").verify_slice(stored).is_ok()
    }

    /// The key that authenticates the head of the audit chain.
    pub fn audit_key(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.mac(b"keyadm audit v1").finalize().into_bytes().into())
    }

    /// The seed of the store's row-signing key pair (SPEC §5.4): HKDF-SHA256
    /// of the master key, bound to the store ID, so each store has its own.
    pub(crate) fn row_signing_seed(&self, store_id: &str) -> Zeroizing<[u8; 32]> {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"keyadm row signing v1"), &self.0[..]);
        let mut seed = Zeroizing::new([0u8; 32]);
        hk.expand(store_id.as_bytes(), &mut seed[..])
            .expect("32 bytes is a valid HKDF-SHA256 length");
        seed
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new_from_slice(&self.0[..]).expect("32-byte key")
    }

    /// Seals a value for the row of `key_id`: nonce ‖ ciphertext.
    pub fn seal(&self, key_id: &str, value: &SecretValue) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng
            .try_fill_bytes(&mut nonce)
            .expect("the operating system's random number generator failed");
        let ct = self
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: value.expose().as_bytes(),
                    aad: key_id.as_bytes(),
                },
            )
            .expect("encryption does not fail for small messages");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        out
    }

    /// Opens a sealed value of `key_id`. A failure here, with a matching
    /// check value, means the row is damaged or was copied from another key.
    pub fn open(&self, key_id: &str, sealed: &[u8]) -> Result<SecretValue> {
        let damaged = || {
            Error::environment(format!(
                "the stored value of key {key_id} is damaged and cannot be opened"
            ))
            .hint("rotate the key to give it a new value: keyadm rotate KEY")
        };
        if sealed.len() <= NONCE_LEN {
            return Err(damaged());
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let plain = Zeroizing::new(
            self.cipher()
                .decrypt(
                    XNonce::from_slice(nonce),
                    Payload {
                        msg: ct,
                        aad: key_id.as_bytes(),
                    },
                )
                .map_err(|_| damaged())?,
        );
        let text = std::str::from_utf8(&plain).map_err(|_| damaged())?;
        Ok(SecretValue::new(text.to_string()))
    }
}

/// Creates a folder (and its parents) readable by the owner only.
/// Reads a master key file that passes the planted-file rules (checked on
/// the open file, so that the file read is the file checked).
fn read_trusted(path: &Path) -> std::io::Result<Zeroizing<String>> {
    use std::io::Read;
    let mut f = fs::File::open(path)?;
    let facts = crate::files::Facts::of(&f.metadata()?);
    let me = crate::identity::OsAccount::current().uid;
    if let Some(d) = crate::files::master_key_trust(path, facts, me) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            Distrusted(d),
        ));
    }
    let mut text = Zeroizing::new(String::new());
    f.read_to_string(&mut text)?;
    Ok(text)
}

/// A master key file refused by the planted-file rules.
#[derive(Debug)]
struct Distrusted(crate::files::Distrust);

impl std::fmt::Display for Distrusted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.what)
    }
}

impl std::error::Error for Distrusted {}

pub fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| {
            Error::environment(format!("cannot create the folder {}: {e}", dir.display()))
                .hint("check the permissions of its parent folder, or choose another path")
        })?;
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_round_trip_and_associated_data() {
        let k = MasterKey::generate();
        let v = SecretValue::new("kadm_e_abc".into());
        let sealed = k.seal("AAAAAAAAAAAA", &v);
        assert!(!sealed.windows(10).any(|w| w == b"kadm_e_abc"));
        assert_eq!(k.open("AAAAAAAAAAAA", &sealed).unwrap(), v);
        assert!(
            k.open("BBBBBBBBBBBB", &sealed).is_err(),
            "a sealed value copied to another row must not open"
        );
        assert!(MasterKey::generate().open("AAAAAAAAAAAA", &sealed).is_err());
    }

    #[test]
    fn check_value_tells_keys_apart() {
        let a = MasterKey::generate();
        let b = MasterKey::generate();
        assert!(a.matches_check(&a.check_value()));
        assert!(!b.matches_check(&a.check_value()));
    }

    #[test]
    fn inline_keys_must_be_32_bytes() {
        let short = MasterKeySource::Inline(Zeroizing::new(B64.encode([1u8; 16])));
        assert!(MasterKey::load(&short).is_err());
        let ok = MasterKeySource::Inline(Zeroizing::new(B64.encode([1u8; 32])));
        assert!(MasterKey::load(&ok).unwrap().is_some());
    }
}
