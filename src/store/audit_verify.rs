//! `audit verify`: walks one chain from its first entry and checks its
//! head's HMAC under the master key. It names the first entry that was
//! changed, removed or moved, says that the tail was cut, or that a chain
//! that must have entries has none (an emptied log). Entries of 0.1 (the
//! store-wide chain's history) are checked by the 0.1 formula; in entries
//! of 0.2, a real time that runs backwards is a warning.

use hmac::{Hmac, Mac};
use rusqlite::OptionalExtension;
use sha2::Sha256;

use super::audit::{chain_entry_from_row, entry_hash, AuditEntry, AUDIT_COLUMNS, STORE_CHAIN};
use super::{parse_timestamp, Tx};
use crate::error::Result;

/// The first thing wrong with a chain. Entries are named by their place in
/// their chain (`chain_seq`; for entries of 0.1, their `seq`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditBreak {
    /// Entry `seq` is not there.
    Removed { seq: i64 },
    /// Entry `seq` does not match its hash: a field was changed.
    Changed { seq: i64 },
    /// Entry `seq` sits in the row of `found_at` (its `seq` in the log):
    /// entries were reordered.
    Moved { seq: i64, found_at: i64 },
    /// Entry `seq` cannot be read (a column holds the wrong type).
    Unreadable { seq: i64 },
    /// The chain is whole up to entry `last`, but the authenticated head
    /// is not that entry: later entries were removed, or the log was rewritten.
    TailCut { last: i64 },
    /// There are entries but no authenticated head.
    HeadMissing { last: i64 },
    /// No entries and no head, while the store holds what only audited
    /// changes make (keys, users, organizations, settings, operators).
    Emptied,
}

impl AuditBreak {
    /// The entry to name (the last good one for a cut tail; 0 for an emptied chain).
    pub fn seq(&self) -> i64 {
        match self {
            AuditBreak::Removed { seq }
            | AuditBreak::Changed { seq }
            | AuditBreak::Moved { seq, .. }
            | AuditBreak::Unreadable { seq } => *seq,
            AuditBreak::TailCut { last } | AuditBreak::HeadMissing { last } => *last,
            AuditBreak::Emptied => 0,
        }
    }

    /// The first entry that is bad (none for a cut tail, a missing head or
    /// an emptied chain).
    pub fn first_bad(&self) -> Option<i64> {
        match self {
            AuditBreak::TailCut { .. } | AuditBreak::HeadMissing { .. } | AuditBreak::Emptied => {
                None
            }
            other => Some(other.seq()),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            AuditBreak::Removed { .. } => "removed",
            AuditBreak::Changed { .. } => "changed",
            AuditBreak::Moved { .. } => "reordered",
            AuditBreak::Unreadable { .. } => "unreadable",
            AuditBreak::TailCut { .. } => "tail_cut",
            AuditBreak::HeadMissing { .. } => "head_missing",
            AuditBreak::Emptied => "emptied",
        }
    }

    /// One sentence for a person.
    pub fn describe(&self) -> String {
        match self {
            AuditBreak::Removed { seq } => format!("entry {seq} was removed"),
            AuditBreak::Changed { seq } => {
                format!("entry {seq} was changed: its fields do not match its hash")
            }
            AuditBreak::Moved { seq, found_at } => format!(
                "entry {seq} was moved to the place of entry {found_at}: entries were reordered"
            ),
            AuditBreak::Unreadable { seq } => {
                format!("entry {seq} was changed: a field holds a value of the wrong type")
            }
            AuditBreak::TailCut { last } => format!(
                "the tail was cut: the chain ends at entry {last}, but the authenticated head is not that entry (later entries were removed, or the log was rewritten)"
            ),
            AuditBreak::HeadMissing { last } => format!(
                "the authenticated head is missing (the chain has {last} entries)"
            ),
            AuditBreak::Emptied => "the log was emptied: the chain has no entries and no head, but the store holds keys, users, organizations, settings or operators that only audited changes make".to_string(),
        }
    }
}

/// An entry of 0.2 whose real time is before that of the entry before it
/// in its chain: the system clock was set back (or the row was rewritten
/// by someone holding the master key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeWarning {
    pub chain_seq: i64,
    /// Its `seq` in the log.
    pub seq: i64,
    pub at: String,
    pub previous_at: String,
}

/// What `audit verify` found in one chain.
#[derive(Debug, Clone)]
pub struct ChainVerdict {
    pub chain: String,
    /// Entries in the chain (rows read).
    pub entries: i64,
    /// The place and hash of the last entry that checked out.
    pub head: Option<(i64, Vec<u8>)>,
    pub broken: Option<AuditBreak>,
    pub warnings: Vec<TimeWarning>,
    /// The hashes of the entries at the places asked for, among those that
    /// checked out (an `--expect`ed head).
    pub found: Vec<(i64, Vec<u8>)>,
}

/// A chain's head as stored, and whether its HMAC checks out.
#[derive(Debug, Clone)]
pub struct ChainHead {
    pub chain: String,
    pub seq: i64,
    pub hash: Vec<u8>,
    pub authentic: bool,
}

struct StoredHead {
    seq: i64,
    hash: Vec<u8>,
    mac: Vec<u8>,
    v: i64,
}

impl StoredHead {
    fn authentic(&self, audit_key: &[u8], chain: &str) -> bool {
        head_authentic(audit_key, chain, self.seq, &self.hash, &self.mac, self.v)
    }
}

/// Whether a head's HMAC (by formula `v`) checks out under the audit key.
pub(crate) fn head_authentic(
    audit_key: &[u8],
    chain: &str,
    seq: i64,
    hash: &[u8],
    mac: &[u8],
    v: i64,
) -> bool {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(audit_key).expect("any key length");
    match v {
        // The head of 0.1: the store-wide chain's only, until its next entry.
        1 if chain == STORE_CHAIN => {}
        2 => {
            m.update(b"keyadm audit head v2\0");
            m.update(&(chain.len() as u64).to_be_bytes());
            m.update(chain.as_bytes());
        }
        _ => return false,
    }
    m.update(&seq.to_be_bytes());
    m.update(hash);
    m.verify_slice(mac).is_ok()
}

/// Where a walk of one chain is.
struct Walk<'w> {
    chain: &'w str,
    want: &'w [i64],
    prev: Vec<u8>,
    pos: i64,
    last_v2_at: Option<String>,
    broken: Option<AuditBreak>,
    warnings: Vec<TimeWarning>,
    found: Vec<(i64, Vec<u8>)>,
}

/// Is `at` before `previous` (both RFC 3339; unparsable ones compare as text)?
fn runs_backwards(at: &str, previous: &str) -> bool {
    match (parse_timestamp(at), parse_timestamp(previous)) {
        (Ok(a), Ok(p)) => a < p,
        _ => at < previous,
    }
}

impl Tx<'_> {
    /// The rows of one segment of a chain, oldest first: the entries of 0.1
    /// (the store-wide chain's history), or the chain's entries of 0.2.
    fn segment_sql(v1: bool) -> String {
        if v1 {
            format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE chain IS NULL ORDER BY seq")
        } else {
            format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE chain = ?1 ORDER BY seq")
        }
    }

    /// The entry that should be entry `place` of the chain (chained to
    /// `prev`, in the row of `here`), if it sits in another row.
    fn find_moved_entry(
        &self,
        chain: &str,
        v1: bool,
        place: i64,
        here: i64,
        prev: &[u8],
    ) -> Result<Option<i64>> {
        let mut stmt = self.conn.prepare(&Self::segment_sql(v1))?;
        let mut rows = if v1 {
            stmt.query([])?
        } else {
            stmt.query([chain])?
        };
        while let Some(row) = rows.next()? {
            let Ok(mut e) = chain_entry_from_row(&row) else {
                continue;
            };
            let at = e.seq;
            if at == here {
                continue;
            }
            e.seq = if v1 { place } else { here };
            e.chain_seq = place;
            if entry_hash(prev, &e)[..] == e.hash[..] {
                return Ok(Some(at));
            }
        }
        Ok(None)
    }

    fn walk_segment(&self, v1: bool, w: &mut Walk) -> Result<()> {
        let mut stmt = self.conn.prepare(&Self::segment_sql(v1))?;
        let mut rows = if v1 {
            stmt.query([])?
        } else {
            stmt.query([w.chain])?
        };
        while let Some(row) = rows.next()? {
            let place = w.pos + 1;
            let e: AuditEntry = match chain_entry_from_row(&row) {
                Ok(e) => e,
                Err(_) => {
                    w.broken = Some(AuditBreak::Unreadable { seq: place });
                    return Ok(());
                }
            };
            if e.chain_seq != place || entry_hash(&w.prev, &e)[..] != e.hash[..] {
                w.broken = Some(
                    match self.find_moved_entry(w.chain, v1, place, e.seq, &w.prev)? {
                        Some(found_at) => AuditBreak::Moved {
                            seq: place,
                            found_at,
                        },
                        None if e.chain_seq > place => AuditBreak::Removed { seq: place },
                        None => AuditBreak::Changed { seq: place },
                    },
                );
                return Ok(());
            }
            if !v1 {
                if let Some(previous) = w.last_v2_at.take() {
                    if runs_backwards(&e.at, &previous) {
                        w.warnings.push(TimeWarning {
                            chain_seq: place,
                            seq: e.seq,
                            at: e.at.clone(),
                            previous_at: previous,
                        });
                    }
                }
                w.last_v2_at = Some(e.at.clone());
            }
            if w.want.contains(&place) {
                w.found.push((place, e.hash.clone()));
            }
            w.prev = e.hash;
            w.pos = place;
        }
        Ok(())
    }

    fn stored_head(&self, chain: &str) -> Result<Option<StoredHead>> {
        Ok(self
            .conn
            .query_row(
                "SELECT seq, hash, mac, v FROM audit_heads WHERE chain = ?1",
                [chain],
                |r| {
                    Ok(StoredHead {
                        seq: r.get(0)?,
                        hash: r.get(1)?,
                        mac: r.get(2)?,
                        v: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Does the store hold what only audited changes of `chain` make? For
    /// the store-wide chain: settings, or operators added after `init`;
    /// for a tenant: its keys, users, or organizations besides `default`,
    /// unless its history is in the entries of 0.1.
    fn chain_needs_entries(&self, chain: &str) -> Result<bool> {
        let sql = if chain == STORE_CHAIN {
            "SELECT EXISTS (SELECT 1 FROM settings)
                 OR EXISTS (SELECT 1 FROM operators WHERE added_by NOT IN ('init', 'migration'))"
        } else {
            "SELECT (EXISTS (SELECT 1 FROM keys WHERE tenant = ?1)
                  OR EXISTS (SELECT 1 FROM users WHERE tenant = ?1)
                  OR EXISTS (SELECT 1 FROM orgs WHERE tenant = ?1 AND path <> 'default'))
                AND NOT EXISTS (SELECT 1 FROM audit WHERE chain IS NULL AND tenant = ?1)"
        };
        let mut stmt = self.conn.prepare(sql)?;
        let needs = if chain == STORE_CHAIN {
            stmt.query_row([], |r| r.get(0))?
        } else {
            stmt.query_row([chain], |r| r.get(0))?
        };
        Ok(needs)
    }

    /// Every chain an operator's `audit verify` checks: those with a head
    /// or entries, and those the store's rows say must have entries.
    pub fn audit_chains(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT chain FROM audit_heads
             UNION SELECT chain FROM audit WHERE chain IS NOT NULL
             UNION SELECT '@store' WHERE EXISTS (SELECT 1 FROM audit WHERE chain IS NULL)
                 OR EXISTS (SELECT 1 FROM settings)
                 OR EXISTS (SELECT 1 FROM operators WHERE added_by NOT IN ('init', 'migration'))
             UNION SELECT tenant FROM keys
             UNION SELECT tenant FROM users
             UNION SELECT tenant FROM orgs WHERE path <> 'default'
             ORDER BY 1",
        )?;
        let chains = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(chains)
    }

    /// Walks `chain` from its first entry; stops at the first break. `want`
    /// names places whose hashes to return (heads to prove).
    pub fn verify_audit_chain(&self, chain: &str, want: &[i64]) -> Result<ChainVerdict> {
        let master = self.master()?;
        let mut entries: i64 = self.conn.query_row(
            "SELECT count(*) FROM audit WHERE chain = ?1",
            [chain],
            |r| r.get(0),
        )?;
        let mut w = Walk {
            chain,
            want,
            prev: vec![0u8; 32],
            pos: 0,
            last_v2_at: None,
            broken: None,
            warnings: Vec::new(),
            found: Vec::new(),
        };
        if chain == STORE_CHAIN {
            entries +=
                self.conn
                    .query_row("SELECT count(*) FROM audit WHERE chain IS NULL", [], |r| {
                        r.get::<_, i64>(0)
                    })?;
            self.walk_segment(true, &mut w)?;
        }
        if w.broken.is_none() {
            self.walk_segment(false, &mut w)?;
        }
        if w.broken.is_none() {
            let last = w.pos;
            w.broken = match (last, self.stored_head(chain)?) {
                (0, None) => self
                    .chain_needs_entries(chain)?
                    .then_some(AuditBreak::Emptied),
                (_, None) => Some(AuditBreak::HeadMissing { last }),
                (0, Some(_)) => Some(AuditBreak::TailCut { last: 0 }),
                (_, Some(h)) => (!(h.seq == last
                    && h.hash == w.prev
                    && h.authentic(&master.audit_key()[..], chain)))
                .then_some(AuditBreak::TailCut { last }),
            };
        }
        Ok(ChainVerdict {
            chain: chain.to_string(),
            entries,
            head: (w.pos > 0).then(|| (w.pos, w.prev.clone())),
            broken: w.broken,
            warnings: w.warnings,
            found: w.found,
        })
    }

    /// The stored heads (of `only` that chain, if given), each with whether
    /// its HMAC checks out.
    pub fn audit_heads(&self, only: Option<&str>) -> Result<Vec<ChainHead>> {
        let master = self.master()?;
        let mut stmt = self.conn.prepare(
            "SELECT chain, seq, hash, mac, v FROM audit_heads
             WHERE ?1 IS NULL OR chain = ?1 ORDER BY chain",
        )?;
        let rows = stmt
            .query_map([only], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    StoredHead {
                        seq: r.get(1)?,
                        hash: r.get(2)?,
                        mac: r.get(3)?,
                        v: r.get(4)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows
            .into_iter()
            .map(|(chain, h)| ChainHead {
                authentic: h.authentic(&master.audit_key()[..], &chain),
                chain,
                seq: h.seq,
                hash: h.hash,
            })
            .collect())
    }
}

impl Tx<'_> {
    /// Whether the entries of `chain` after place `from` (whose entry has
    /// hash `from_hash`) chain up one by one to place `to` with hash
    /// `to_hash`: the head `to` extends the head `from`. Needs no key (an
    /// entry's hash is plain SHA-256), so a verifier can ask it; with a
    /// signed `to`, a forger cannot make it true without the master key.
    pub fn chain_extends(&self, chain: &str, from: (i64, &[u8]), to: (i64, &[u8])) -> Result<bool> {
        if to.0 <= from.0 {
            return Ok(to.0 == from.0 && to.1 == from.1);
        }
        let mut prev = from.1.to_vec();
        let mut pos = from.0;
        let mut segments: Vec<String> = Vec::new();
        if chain == STORE_CHAIN {
            segments.push(format!(
                "SELECT {AUDIT_COLUMNS} FROM audit WHERE chain IS NULL AND seq > ?2 AND ?1 = ?1 ORDER BY seq"
            ));
        }
        segments.push(format!(
            "SELECT {AUDIT_COLUMNS} FROM audit WHERE chain = ?1 AND chain_seq > ?2 ORDER BY seq"
        ));
        for sql in segments {
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query(rusqlite::params![chain, from.0])?;
            while let Some(row) = rows.next()? {
                let Ok(e) = chain_entry_from_row(&row) else {
                    return Ok(false);
                };
                if e.chain_seq != pos + 1 || entry_hash(&prev, &e)[..] != e.hash[..] {
                    return Ok(false);
                }
                pos += 1;
                prev = e.hash;
                if pos == to.0 {
                    return Ok(prev == to.1);
                }
            }
        }
        Ok(false)
    }
}
