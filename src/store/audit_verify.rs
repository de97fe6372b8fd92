//! `audit verify`: walks the hash chain from the first entry and checks the
//! head's HMAC under the master key. It names the first entry that was
//! changed, removed or moved, or says that the tail was cut.

use hmac::{Hmac, Mac};
use rusqlite::OptionalExtension;
use sha2::Sha256;

use super::audit::{chain_entry_from_row, entry_hash, AuditEntry, AUDIT_COLUMNS};
use super::Tx;
use crate::error::Result;

/// The first thing wrong with the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditBreak {
    /// Entry `seq` is not there.
    Removed { seq: i64 },
    /// Entry `seq` does not match its hash: a field was changed.
    Changed { seq: i64 },
    /// Entry `seq` sits at the place of entry `found_at` (entries reordered).
    Moved { seq: i64, found_at: i64 },
    /// Entry `seq` cannot be read (a column holds the wrong type).
    Unreadable { seq: i64 },
    /// The chain is whole up to entry `last`, but the authenticated head
    /// is not that entry: later entries were removed, or the log was rewritten.
    TailCut { last: i64 },
    /// There are entries but no authenticated head.
    HeadMissing { last: i64 },
}

impl AuditBreak {
    /// The entry to name (the last good one for a cut tail).
    pub fn seq(&self) -> i64 {
        match self {
            AuditBreak::Removed { seq }
            | AuditBreak::Changed { seq }
            | AuditBreak::Moved { seq, .. }
            | AuditBreak::Unreadable { seq } => *seq,
            AuditBreak::TailCut { last } | AuditBreak::HeadMissing { last } => *last,
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
        }
    }
}

/// What `audit verify` found.
#[derive(Debug, Clone)]
pub struct AuditVerdict {
    /// Entries in the log (rows read).
    pub entries: i64,
    /// The hash of the last entry that checked out.
    pub head: Option<Vec<u8>>,
    pub broken: Option<AuditBreak>,
}

fn head_matches(audit_key: &[u8], seq: i64, hash: &[u8], mac: &[u8]) -> bool {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(audit_key).expect("any key length");
    m.update(&seq.to_be_bytes());
    m.update(hash);
    m.verify_slice(mac).is_ok()
}

impl Tx<'_> {
    /// The entry that should be entry `seq` (chained to `prev`), if it sits
    /// elsewhere in the table.
    fn find_moved_entry(&self, seq: i64, prev: &[u8]) -> Result<Option<i64>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq"))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let Ok(mut e) = chain_entry_from_row(row) else {
                continue;
            };
            let at = e.seq;
            if at == seq {
                continue;
            }
            e.seq = seq;
            if entry_hash(prev, &e)[..] == e.hash[..] {
                return Ok(Some(at));
            }
        }
        Ok(None)
    }

    /// Walks the chain from the first entry; stops at the first break.
    pub fn verify_audit(&self) -> Result<AuditVerdict> {
        let master = self.master()?;
        let total: i64 = self
            .conn
            .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))?;
        let mut prev: Vec<u8> = vec![0u8; 32];
        let mut expected: i64 = 1;
        let mut last: Option<AuditEntry> = None;
        let mut broken = None;
        {
            let mut stmt = self
                .conn
                .prepare(&format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq"))?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let e = match chain_entry_from_row(row) {
                    Ok(e) => e,
                    Err(_) => {
                        broken = Some(AuditBreak::Unreadable { seq: expected });
                        break;
                    }
                };
                if e.seq != expected || entry_hash(&prev, &e)[..] != e.hash[..] {
                    broken = Some(match self.find_moved_entry(expected, &prev)? {
                        Some(found_at) => AuditBreak::Moved {
                            seq: expected,
                            found_at,
                        },
                        None if e.seq > expected => AuditBreak::Removed { seq: expected },
                        None => AuditBreak::Changed { seq: expected },
                    });
                    break;
                }
                prev.clone_from(&e.hash);
                expected += 1;
                last = Some(e);
            }
        }
        let head = last.as_ref().map(|e| e.hash.clone());
        if broken.is_none() {
            let mac: Option<Vec<u8>> = self
                .conn
                .query_row(
                    "SELECT value FROM meta WHERE name = 'audit_head'",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            let last_seq = last.as_ref().map_or(0, |e| e.seq);
            let has_keys: bool =
                self.conn
                    .query_row("SELECT EXISTS (SELECT 1 FROM keys)", [], |r| r.get(0))?;
            broken = match (&last, mac) {
                // Every key was generated with an entry: an empty log beside keys was emptied.
                (None, None) if has_keys => Some(AuditBreak::Removed { seq: 1 }),
                (None, None) => None,
                (Some(_), None) => Some(AuditBreak::HeadMissing { last: last_seq }),
                (None, Some(_)) => Some(AuditBreak::TailCut { last: 0 }),
                (Some(e), Some(mac)) => {
                    (!head_matches(&master.audit_key()[..], e.seq, &e.hash, &mac))
                        .then_some(AuditBreak::TailCut { last: last_seq })
                }
            };
        }
        Ok(AuditVerdict {
            entries: total,
            head,
            broken,
        })
    }
}
