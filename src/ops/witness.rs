//! The head witness (SPEC §5.4): a file outside the store,
//! `<state dir>/<store-id>.head`, that remembers the highest head seen of
//! each audit chain. A store whose chain is behind it (an older `keys.db`
//! restored, a WAL cut at an earlier commit) or has left it (a head that
//! does not extend the witnessed one) has been rolled back: verifiers deny
//! every request (`store_rolled_back`) and `audit verify` exits 1, until
//! the user accepts the store's current heads (`--accept-head`).
//!
//! The library reads no environment: the binary passes the folder in
//! (`$XDG_STATE_HOME/keyadm`, else `~/.local/state/keyadm`).

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::crypto::seal::create_private_dir;
use crate::error::{Error, Result};
use crate::ops::audit::hex;
use crate::store::{SignedHead, TrustKey, Tx};

/// Where the witness is kept, and whether the store's current heads are
/// to be accepted (recorded as they are) rather than judged.
#[derive(Debug, Clone)]
pub struct WitnessChoice {
    /// The folder of witness files (`<dir>/<store-id>.head`).
    pub dir: PathBuf,
    /// `--accept-head`: record the current heads, even if behind.
    pub accept: bool,
}

/// `<dir>/<store-id>.head`.
pub fn witness_path(dir: &Path, store_id: &str) -> PathBuf {
    dir.join(format!("{store_id}.head"))
}

const MAGIC: &str = "keyadm-head-witness v1";

/// The highest head seen of each chain: its place and the hash of its entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Witness {
    pub heads: BTreeMap<String, (i64, Vec<u8>)>,
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 {
        return None;
    }
    (0..32)
        .map(|i| {
            s.get(2 * i..2 * i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect()
}

impl Witness {
    /// The text of the file: a first line naming the store, then one
    /// `CHAIN SEQ HASH` line per chain (what `audit head` prints).
    pub fn to_text(&self, store_id: &str) -> String {
        let mut out = format!("{MAGIC} {store_id}\n");
        for (chain, (seq, hash)) in &self.heads {
            out.push_str(&format!("{chain} {seq} {}\n", hex(hash)));
        }
        out
    }

    pub fn parse(text: &str, store_id: &str, from: &Path) -> Result<Witness> {
        let bad = || {
            Error::environment(format!(
                "the head witness {} is not a keyadm head witness",
                from.display()
            ))
            .hint("remove it, or record the store's current heads with --accept-head")
        };
        let mut lines = text.lines();
        let first = lines.next().ok_or_else(bad)?;
        let id = first.strip_prefix(MAGIC).ok_or_else(bad)?.trim();
        if id != store_id {
            return Err(bad());
        }
        let mut heads = BTreeMap::new();
        for line in lines.filter(|l| !l.trim().is_empty()) {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [chain, seq, hash] = parts[..] else {
                return Err(bad());
            };
            let seq: i64 = seq.parse().map_err(|_| bad())?;
            heads.insert(chain.to_string(), (seq, unhex(hash).ok_or_else(bad)?));
        }
        Ok(Witness { heads })
    }

    /// The witness of store `store_id` in `dir` (empty when there is none yet).
    pub fn load(dir: &Path, store_id: &str) -> Result<Witness> {
        let path = witness_path(dir, store_id);
        match std::fs::read_to_string(&path) {
            Ok(text) => Witness::parse(&text, store_id, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Witness::default()),
            Err(e) => Err(Error::environment(format!(
                "cannot read the head witness {}: {e}",
                path.display()
            ))
            .hint("check its permissions (it is the running user's own, 0600)")),
        }
    }

    /// Writes the witness atomically (a 0600 temp file renamed over it, in
    /// a 0700 folder). With `merge`, a head the file holds that is higher
    /// than ours (another process saw it) is kept.
    pub fn save(&self, dir: &Path, store_id: &str, merge: bool) -> Result<()> {
        let path = witness_path(dir, store_id);
        let mut all = self.clone();
        if merge {
            if let Ok(on_disk) = Witness::load(dir, store_id) {
                for (chain, (seq, hash)) in on_disk.heads {
                    match all.heads.get(&chain) {
                        Some((mine, _)) if *mine >= seq => {}
                        _ => {
                            all.heads.insert(chain, (seq, hash));
                        }
                    }
                }
            }
        }
        let fail = |e: std::io::Error| {
            Error::environment(format!(
                "cannot write the head witness {}: {e}",
                path.display()
            ))
            .hint("let this account write the folder, or point XDG_STATE_HOME at one it may write")
        };
        create_private_dir(dir)?;
        let tmp = dir.join(format!(".{store_id}.head.tmp{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let _ = std::fs::remove_file(&tmp);
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(all.to_text(store_id).as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            fail(e)
        })
    }

    /// Moves each chain's witnessed head up to `heads` (the proven ones);
    /// true when anything changed.
    pub fn advance(&mut self, heads: &[SignedHead], trusted: bool) -> bool {
        let mut changed = false;
        for h in heads.iter().filter(|h| h.signed || !trusted) {
            match self.heads.get(&h.chain) {
                Some((seq, _)) if *seq >= h.seq => {}
                _ => {
                    self.heads.insert(h.chain.clone(), (h.seq, h.hash.clone()));
                    changed = true;
                }
            }
        }
        changed
    }
}

/// How a chain of the store fell behind its witness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rollback {
    pub chain: String,
    /// The witnessed place in the chain, and the store's head (none: the
    /// chain has no head any more).
    pub witnessed: i64,
    pub found: Option<i64>,
    /// `behind`, `diverged` (the head does not extend the witnessed one),
    /// `missing`, or `unsigned` (with a trust key: the head's signature fails).
    pub problem: &'static str,
}

impl Rollback {
    pub fn describe(&self) -> String {
        let found = self
            .found
            .map_or("no head".to_string(), |s| format!("entry {s}"));
        match self.problem {
            "behind" => format!(
                "chain {}: the store is behind the head witness: witnessed entry {}, found {found}",
                self.chain, self.witnessed
            ),
            "diverged" => format!(
                "chain {}: the store's head ({found}) does not extend the witnessed entry {}: its history was replaced",
                self.chain, self.witnessed
            ),
            "unsigned" => format!(
                "chain {}: the store's head ({found}) is not signed by the trust key; the head witness saw entry {}",
                self.chain, self.witnessed
            ),
            _ => format!(
                "chain {}: the chain has no head, and the head witness saw entry {}",
                self.chain, self.witnessed
            ),
        }
    }
}

/// Judges the store's heads against the witness: the first chain that was
/// rolled back, if any. With a trust key (`trusted`), a witnessed chain's
/// head counts only if its signature verifies.
pub fn judge(
    tx: &Tx,
    witness: &Witness,
    heads: &[SignedHead],
    trusted: bool,
) -> Result<Option<Rollback>> {
    judge_with(witness, heads, trusted, |chain, seen, head| {
        tx.chain_extends(chain, seen, head)
    })
}

/// The check of a one-shot `verify`, which reads the witness and never
/// writes it: a witnessed chain whose head is missing, at an earlier
/// place, at the same place with another hash, or (when `trusted`)
/// unsigned. (A head further on is not walked back to the witnessed entry:
/// `audit verify` and the long-running verifiers do that.)
pub fn judge_without_walk(
    witness: &Witness,
    heads: &[SignedHead],
    trusted: bool,
) -> Option<Rollback> {
    judge_with(
        witness,
        heads,
        trusted,
        |_, (seq, hash), (head_seq, head_hash)| Ok(head_seq != seq || head_hash == hash),
    )
    .unwrap_or(None)
}

/// The checks both judges share, in order (missing, behind, unsigned), then
/// `extends`: does the head at `(seq, hash)` extend the witnessed entry?
fn judge_with(
    witness: &Witness,
    heads: &[SignedHead],
    trusted: bool,
    mut extends: impl FnMut(&str, (i64, &[u8]), (i64, &[u8])) -> Result<bool>,
) -> Result<Option<Rollback>> {
    for (chain, (seq, hash)) in &witness.heads {
        let rb = |found: Option<i64>, problem| Rollback {
            chain: chain.clone(),
            witnessed: *seq,
            found,
            problem,
        };
        let Some(h) = heads.iter().find(|h| &h.chain == chain) else {
            return Ok(Some(rb(None, "missing")));
        };
        if h.seq < *seq {
            return Ok(Some(rb(Some(h.seq), "behind")));
        }
        if trusted && !h.signed {
            return Ok(Some(rb(Some(h.seq), "unsigned")));
        }
        if !extends(chain, (*seq, hash), (h.seq, &h.hash))? {
            return Ok(Some(rb(Some(h.seq), "diverged")));
        }
    }
    Ok(None)
}

/// What a long-running verifier keeps of the witness: its folder, the
/// store ID, the heads seen, and whether the store's heads are still to be
/// accepted (`--accept-head`, done at the first check).
#[derive(Debug, Clone)]
pub struct WitnessState {
    pub dir: PathBuf,
    pub store_id: String,
    pub witness: Witness,
    accept: bool,
}

impl WitnessState {
    /// Loads the witness of store `store_id` (not with `accept`: then the
    /// first check records the store's heads as they are).
    pub fn open(choice: &WitnessChoice, store_id: &str) -> Result<WitnessState> {
        Ok(WitnessState {
            dir: choice.dir.clone(),
            store_id: store_id.to_string(),
            witness: if choice.accept {
                Witness::default()
            } else {
                Witness::load(&choice.dir, store_id)?
            },
            accept: choice.accept,
        })
    }

    /// Judges the store's heads (read in `tx`); when none is behind, moves
    /// the witness up to them and saves it (merging what other processes
    /// saw). A failed save is an error only when `strict` (at a start; a
    /// reload keeps the heads in memory and tries again at the next one).
    pub fn check(
        &mut self,
        tx: &Tx,
        trust: Option<&TrustKey>,
        strict: bool,
    ) -> Result<Option<Rollback>> {
        let heads = tx.signed_heads(trust)?;
        let trusted = trust.is_some();
        if self.accept {
            self.witness = Witness::default();
            self.witness.advance(&heads, trusted);
            self.witness.save(&self.dir, &self.store_id, false)?;
            self.accept = false;
            return Ok(None);
        }
        if let Some(rb) = judge(tx, &self.witness, &heads, trusted)? {
            return Ok(Some(rb));
        }
        if self.witness.advance(&heads, trusted) {
            match self.witness.save(&self.dir, &self.store_id, true) {
                Err(e) if strict => return Err(e),
                _ => {}
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_round_trips_and_names_its_store() {
        let mut w = Witness::default();
        w.heads.insert("@store".into(), (3, vec![7; 32]));
        w.heads.insert("acme".into(), (12, vec![0xab; 32]));
        let text = w.to_text("s1");
        assert!(text.starts_with("keyadm-head-witness v1 s1\n"));
        assert_eq!(Witness::parse(&text, "s1", Path::new("x")).unwrap(), w);
        assert!(Witness::parse(&text, "s2", Path::new("x")).is_err());
        assert!(Witness::parse("junk", "s1", Path::new("x")).is_err());
        assert!(Witness::parse(&format!("{MAGIC} s1\nacme 1 zz\n"), "s1", Path::new("x")).is_err());
    }

    #[test]
    fn advance_takes_only_higher_and_proven_heads() {
        let mut w = Witness::default();
        let h = |chain: &str, seq, signed| SignedHead {
            chain: chain.into(),
            seq,
            hash: vec![seq as u8; 32],
            signed,
        };
        assert!(w.advance(&[h("a", 5, true), h("b", 2, false)], true));
        assert_eq!(
            w.heads.len(),
            1,
            "an unsigned head is not witnessed with a trust key"
        );
        assert!(!w.advance(&[h("a", 4, true)], true));
        assert_eq!(w.heads["a"].0, 5);
        assert!(w.advance(&[h("b", 2, false)], false));
    }

    #[test]
    fn save_is_private_and_merges_higher_heads() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("state/keyadm");
        let mut a = Witness::default();
        a.heads.insert("acme".into(), (9, vec![1; 32]));
        a.save(&d, "s", false).unwrap();
        let mode = std::fs::metadata(witness_path(&d, "s"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let mut b = Witness::default();
        b.heads.insert("acme".into(), (4, vec![2; 32]));
        b.heads.insert("@store".into(), (1, vec![3; 32]));
        b.save(&d, "s", true).unwrap();
        let got = Witness::load(&d, "s").unwrap();
        assert_eq!(got.heads["acme"].0, 9);
        assert_eq!(got.heads["@store"].0, 1);
        b.save(&d, "s", false).unwrap();
        assert_eq!(Witness::load(&d, "s").unwrap().heads["acme"].0, 4);
        assert_eq!(
            std::fs::read_dir(&d).unwrap().count(),
            1,
            "no temp file left"
        );
    }
}
