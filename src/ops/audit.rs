//! `audit` (the log, filtered), `audit verify` (every chain the actor may
//! see, from its first entry to its authenticated head; `--expect` proves
//! a head is still held) and `audit head` (the authenticated heads).
//! SPEC §5.2, §5.3. A registered user sees, counts and checks only its
//! tenant's chain; an operator every chain.

use chrono::{DateTime, Duration, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::Serialize;

use super::Session;
use crate::domain::expiry::parse_duration;
use crate::domain::settings::Settings;
use crate::error::{Error, Result};
use crate::ops::witness::{Rollback, Witness, WitnessChoice};
use crate::store::{AuditFilter, ChainHead, ChainVerdict, ForgedRow, ReplayedRow};

pub use crate::store::{AuditBreak, AuditEntry, TimeWarning, STORE_CHAIN};

/// The actions keyadm records: the SPEC's, `import`, and `operator`.
pub const ACTIONS: [&str; 17] = [
    "generate", "import", "reveal", "copy", "edit", "enable", "disable", "delete", "rotate",
    "export", "expire", "purge", "notify", "config", "org", "user", "operator",
];

/// `--action` names one of [`ACTIONS`] (any case), lower-cased.
pub fn parse_action(input: &str) -> Result<String> {
    let a = input.trim().to_ascii_lowercase();
    if ACTIONS.contains(&a.as_str()) {
        return Ok(a);
    }
    Err(
        Error::usage(format!("unknown audit action \"{}\"", input.escape_debug()))
            .hint(format!("the actions are: {}", ACTIONS.join(", "))),
    )
}

/// `--limit` is at least 1.
pub fn check_limit(limit: Option<u64>) -> Result<Option<u64>> {
    if limit == Some(0) {
        return Err(Error::usage("--limit 0 would show no entries")
            .hint("give a limit of at least 1, or leave out --limit for all entries"));
    }
    Ok(limit)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn local_to_utc(t: NaiveDateTime) -> Option<DateTime<Utc>> {
    Local
        .from_local_datetime(&t)
        .latest()
        .map(|l| l.with_timezone(&Utc))
}

/// A bound of `--since` / `--until`: RFC 3339, a local date (its start, or
/// for `until` its end), a local date and time, or a duration before `now`.
pub fn parse_bound(input: &str, now: DateTime<Utc>, until: bool) -> Result<DateTime<Utc>> {
    let s = input.trim();
    let bad = || {
        Error::usage(format!("invalid time \"{}\"", input.escape_debug())).hint(
            "use a date (2026-11-01), a date and time (2026-11-01T09:00), RFC 3339, or a duration ago (7d)",
        )
    };
    if s.starts_with(|c: char| c.is_ascii_digit()) && !s.contains('-') {
        let secs = parse_duration(s, true)?;
        return Ok(now - Duration::seconds(secs as i64));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let time = if until {
            NaiveTime::from_hms_opt(23, 59, 59)
        } else {
            NaiveTime::from_hms_opt(0, 0, 0)
        };
        return local_to_utc(d.and_time(time.expect("valid time"))).ok_or_else(bad);
    }
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .and_then(local_to_utc)
    .ok_or_else(bad)
}

/// Which entries `audit` lists, as typed (bounds are parsed here).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// A key ID or name (entries of deleted keys keep both).
    pub key: Option<String>,
    /// The organization a key name is looked up in (`--org`).
    pub org: Option<String>,
    pub actor: Option<String>,
    /// Entries whose declared actor or OS account is this name (`--by`).
    pub by: Option<String>,
    pub action: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub limit: Option<u64>,
}

/// The entries `audit` lists, oldest first by real time, and the settings
/// to show them with.
#[derive(Debug, Clone)]
pub struct AuditList {
    pub entries: Vec<AuditEntry>,
    pub settings: Settings,
}

/// The entries of the actor's tenant (all, for an operator) that `query`
/// selects. `--since 7d` counts back from the real time, as `at` is one.
pub fn list(session: &mut Session, query: &AuditQuery) -> Result<AuditList> {
    let action = query.action.as_deref().map(parse_action).transpose()?;
    let limit = check_limit(query.limit)?;
    let real = session.clock().real();
    let since = query
        .since
        .as_deref()
        .map(|s| parse_bound(s, real, false))
        .transpose()?;
    let until = query
        .until
        .as_deref()
        .map(|s| parse_bound(s, real, true))
        .transpose()?;
    let tenant = session.confined_tenant().map(str::to_string);
    session.read(|tx| {
        // A current key by name or ID; else the text matches the ID or
        // name recorded in entries of keys since deleted.
        let key = match &query.key {
            None => None,
            Some(k) => Some(
                match tx.find_key(tenant.as_deref(), query.org.as_deref(), k) {
                    Ok(key) => key.id,
                    Err(Error::NotFound(_)) => k.clone(),
                    Err(e) => return Err(e),
                },
            ),
        };
        let filter = AuditFilter {
            key,
            actor: query.actor.clone(),
            by: query.by.clone(),
            action,
            since,
            until,
            tenant,
            limit,
        };
        let mut entries = Vec::new();
        tx.each_audit_entry(&filter, |e| {
            entries.push(e);
            Ok(())
        })?;
        Ok(AuditList {
            entries,
            settings: tx.settings()?,
        })
    })
}

/// A head to prove: a chain, a place in it, and the hash of its entry
/// there, as `audit head` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedHead {
    pub chain: String,
    pub seq: i64,
    pub hash: Vec<u8>,
}

impl ExpectedHead {
    /// `CHAIN SEQ HASH` (a line of `audit head`) or `CHAIN:SEQ:HASH`.
    pub fn parse(input: &str) -> Result<ExpectedHead> {
        let bad = || {
            Error::usage(format!("invalid audit head \"{}\"", input.escape_debug())).hint(
                "give a head as keyadm audit head prints it: CHAIN SEQ HASH, or CHAIN:SEQ:HASH",
            )
        };
        let s = input.trim();
        let parts: Vec<&str> = if s.contains(char::is_whitespace) {
            s.split_whitespace().collect()
        } else {
            s.rsplitn(3, ':')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect()
        };
        let [chain, seq, hash] = parts[..] else {
            return Err(bad());
        };
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        if chain.is_empty()
            || seq < 1
            || hash.len() != 64
            || !hash.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(bad());
        }
        let hash = (0..32)
            .map(|i| {
                hash.get(2 * i..2 * i + 2)
                    .and_then(|b| u8::from_str_radix(b, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(bad)?;
        Ok(ExpectedHead {
            chain: chain.to_string(),
            seq,
            hash,
        })
    }

    /// As `audit head` prints it.
    pub fn line(&self) -> String {
        format!("{} {} {}", self.chain, self.seq, hex(&self.hash))
    }
}

/// One chain, as `audit verify` found it.
#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    pub chain: String,
    pub intact: bool,
    /// Entries in the chain.
    pub entries: i64,
    /// The place and hash of the last entry that checked out.
    pub seq: Option<i64>,
    pub head: Option<String>,
    /// The place in the chain of the first bad entry.
    pub first_bad: Option<i64>,
    pub problem: Option<&'static str>,
    pub message: String,
    #[serde(skip)]
    pub broken: Option<AuditBreak>,
}

/// A real time that runs backwards (a warning, not a break).
#[derive(Debug, Clone, Serialize)]
pub struct WarningReport {
    pub chain: String,
    /// Its place in the chain, and its `seq` in the log.
    pub chain_seq: i64,
    pub seq: i64,
    pub at: String,
    pub previous_at: String,
    pub message: String,
}

/// Whether a chain still holds an expected head.
#[derive(Debug, Clone, Serialize)]
pub struct ExpectReport {
    pub head: String,
    pub held: bool,
    pub message: String,
}

/// What `audit verify` found in the chains the actor may see.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// Every chain checked is intact.
    pub intact: bool,
    /// Entries in the chains checked.
    pub entries: i64,
    /// Of the first broken chain: its name, first bad entry, problem.
    pub chain: Option<String>,
    pub first_bad: Option<i64>,
    pub problem: Option<&'static str>,
    pub message: String,
    pub chains: Vec<ChainReport>,
    pub warnings: Vec<WarningReport>,
    pub expected: Vec<ExpectReport>,
    /// Rows whose signature fails: written by someone without the master key.
    pub forged: Vec<ForgedRow>,
    /// Rows older than the audit log's last record of them: replayed.
    pub replayed: Vec<ReplayedRow>,
    /// Chains behind the head witness (SPEC §5.4).
    pub rolled_back: Vec<Rollback>,
    /// The head witness file, when one is kept for this store.
    pub witness: Option<String>,
    /// `--accept-head`: the current heads were recorded as they are.
    pub accepted_heads: bool,
}

impl AuditReport {
    /// Intact, every expected head held, no forged or replayed row, and
    /// not behind the head witness (exit 0; else 1).
    pub fn passed(&self) -> bool {
        self.intact
            && self.expected.iter().all(|e| e.held)
            && self.forged.is_empty()
            && self.replayed.is_empty()
            && self.rolled_back.is_empty()
    }

    /// The first broken chain.
    pub fn first_broken(&self) -> Option<&ChainReport> {
        self.chains.iter().find(|c| !c.intact)
    }
}

fn count(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn chain_report(v: ChainVerdict) -> ChainReport {
    let message = match &v.broken {
        None => format!(
            "{}: intact, {}, head {}",
            v.chain,
            count(v.entries, "entry", "entries"),
            v.head
                .as_ref()
                .map_or("(empty chain)".to_string(), |(s, h)| format!(
                    "{s} {}",
                    hex(h)
                ))
        ),
        Some(b) => format!("{}: broken: {}", v.chain, b.describe()),
    };
    ChainReport {
        intact: v.broken.is_none(),
        entries: v.entries,
        seq: v.head.as_ref().map(|(s, _)| *s),
        head: v.head.as_ref().map(|(_, h)| hex(h)),
        first_bad: v.broken.as_ref().and_then(AuditBreak::first_bad),
        problem: v.broken.as_ref().map(AuditBreak::kind),
        message,
        broken: v.broken,
        chain: v.chain,
    }
}

/// The chains the actor may check: its tenant's, or (an operator) all.
fn chains_in_scope(session: &mut Session) -> Result<Vec<String>> {
    match session.confined_tenant() {
        Some(t) => Ok(vec![t.to_string()]),
        None => session.read(|tx| tx.audit_chains()),
    }
}

/// A registered user proves only its tenant's chain.
fn check_scope(session: &Session, chain: &str) -> Result<()> {
    match session.actor_user() {
        Some(u) if u.tenant != chain => Err(Error::refused(format!(
            "the actor \"{}\" is a user of tenant \"{}\" and may check only the chain \"{}\"",
            u.name, u.tenant, u.tenant
        ))
        .hint("an operator of the store can check every chain (keyadm operator list names them)")),
        _ => Ok(()),
    }
}

/// The heads a witness remembers of the chains in scope, and how the
/// store's verdicts stand to them: the chains behind it.
fn behind_witness(
    witness: &Witness,
    verdicts: &[ChainVerdict],
    scope: &[String],
    confined: bool,
) -> Vec<Rollback> {
    let mut out = Vec::new();
    for (chain, (seq, hash)) in &witness.heads {
        if confined && !scope.contains(chain) {
            continue;
        }
        let rb = |found: Option<i64>, problem| Rollback {
            chain: chain.clone(),
            witnessed: *seq,
            found,
            problem,
        };
        let Some(v) = verdicts.iter().find(|v| &v.chain == chain) else {
            out.push(rb(None, "missing"));
            continue;
        };
        let found = v.head.as_ref().map(|(s, _)| *s);
        match found {
            None => out.push(rb(None, "missing")),
            Some(s) if s < *seq => out.push(rb(Some(s), "behind")),
            Some(s) => {
                if !v.found.iter().any(|(p, h)| p == seq && h == hash) {
                    out.push(rb(Some(s), "diverged"));
                }
            }
        }
    }
    out
}

/// `audit verify`: walks every chain the actor may see (a registered
/// user: its tenant's; an operator: all, each reported), proves each
/// expected head, checks every row's signature and version against the
/// log, and (with `witness`) compares the heads with the head witness and
/// moves it up. Needs the master key.
pub fn verify(
    session: &mut Session,
    expect: &[ExpectedHead],
    witness_choice: Option<&WitnessChoice>,
) -> Result<AuditReport> {
    for e in expect {
        check_scope(session, &e.chain)?;
    }
    let chains = chains_in_scope(session)?;
    let confined = session.confined_tenant().map(str::to_string);
    let store_id = session.read(|tx| tx.store_id())?;
    let mut witness = match (witness_choice, &store_id) {
        (Some(w), Some(id)) if !w.accept => Witness::load(&w.dir, id)?,
        _ => Witness::default(),
    };
    let (verdicts, forged, replayed) = session.read(|tx| {
        let verdicts = chains
            .iter()
            .map(|c| {
                let mut want: Vec<i64> = expect
                    .iter()
                    .filter(|e| &e.chain == c)
                    .map(|e| e.seq)
                    .collect();
                if let Some((seq, _)) = witness.heads.get(c) {
                    want.push(*seq);
                }
                tx.verify_audit_chain(c, &want)
            })
            .collect::<Result<Vec<_>>>()?;
        let forged = match tx.store_id()? {
            Some(_) => tx.forged_rows(&tx.trust_key()?, confined.as_deref())?,
            None => Vec::new(),
        };
        let replayed = tx.replayed_rows(confined.as_deref())?;
        Ok((verdicts, forged, replayed))
    })?;
    let rolled_back = behind_witness(&witness, &verdicts, &chains, confined.is_some());
    let accepted_heads = witness_choice.is_some_and(|w| w.accept);
    let witness_path = match (witness_choice, &store_id) {
        (Some(w), Some(id)) => {
            let intact: Vec<(String, i64, Vec<u8>)> = verdicts
                .iter()
                .filter(|v| v.broken.is_none())
                .filter_map(|v| {
                    v.head
                        .as_ref()
                        .map(|(s, h)| (v.chain.clone(), *s, h.clone()))
                })
                .collect();
            if accepted_heads {
                // Replace what this actor may see; keep other chains' heads.
                let mut kept = Witness::load(&w.dir, id).unwrap_or_default();
                kept.heads
                    .retain(|c, _| confined.is_some() && !chains.contains(c));
                for (c, s, h) in intact {
                    kept.heads.insert(c, (s, h));
                }
                kept.save(&w.dir, id, false)?;
            } else if rolled_back.is_empty() {
                let mut changed = false;
                for (c, s, h) in intact {
                    if witness.heads.get(&c).is_none_or(|(seen, _)| *seen < s) {
                        witness.heads.insert(c, (s, h));
                        changed = true;
                    }
                }
                if changed {
                    witness.save(&w.dir, id, true)?;
                }
            }
            Some(
                crate::ops::witness::witness_path(&w.dir, id)
                    .display()
                    .to_string(),
            )
        }
        _ => None,
    };
    let expected = expect
        .iter()
        .map(|e| {
            let found = verdicts
                .iter()
                .find(|v| v.chain == e.chain)
                .and_then(|v| v.found.iter().find(|(s, _)| *s == e.seq));
            let (held, message) = match found {
                Some((_, h)) if *h == e.hash => {
                    (true, format!("chain {} holds head {}", e.chain, e.line()))
                }
                Some((_, h)) => (
                    false,
                    format!(
                        "chain {} does not hold head {}: its entry {} has hash {}",
                        e.chain,
                        e.line(),
                        e.seq,
                        hex(h)
                    ),
                ),
                None if !verdicts.iter().any(|v| v.chain == e.chain) => (
                    false,
                    format!("there is no chain {} to hold head {}", e.chain, e.line()),
                ),
                None => (
                    false,
                    format!(
                        "chain {} does not hold head {}: it has no entry {} that checks out",
                        e.chain,
                        e.line(),
                        e.seq
                    ),
                ),
            };
            ExpectReport {
                head: e.line(),
                held,
                message,
            }
        })
        .collect();
    let warnings = verdicts
        .iter()
        .flat_map(|v| {
            v.warnings.iter().map(|w| WarningReport {
                message: format!(
                    "entry {} of chain {} (seq {}) is dated {}, before the entry before it ({}): the real clock ran backwards",
                    w.chain_seq, v.chain, w.seq, w.at, w.previous_at
                ),
                chain: v.chain.clone(),
                chain_seq: w.chain_seq,
                seq: w.seq,
                at: w.at.clone(),
                previous_at: w.previous_at.clone(),
            })
        })
        .collect();
    let chains: Vec<ChainReport> = verdicts.into_iter().map(chain_report).collect();
    let entries = chains.iter().map(|c| c.entries).sum();
    let first = chains.iter().find(|c| !c.intact);
    let message = match first {
        None if !rolled_back.is_empty() => {
            format!("audit log rolled back: {}", rolled_back[0].describe())
        }
        None if !forged.is_empty() || !replayed.is_empty() => format!(
            "audit log intact ({} in {}), but {} forged and {} replayed",
            count(entries, "entry", "entries"),
            count(chains.len() as i64, "chain", "chains"),
            count(forged.len() as i64, "row is", "rows are"),
            count(replayed.len() as i64, "row is", "rows are"),
        ),
        None => format!(
            "audit log intact: {} in {}",
            count(entries, "entry", "entries"),
            count(chains.len() as i64, "chain", "chains")
        ),
        Some(c) => format!(
            "audit log broken: chain {}: {}",
            c.chain,
            c.broken
                .as_ref()
                .map(AuditBreak::describe)
                .unwrap_or_default()
        ),
    };
    Ok(AuditReport {
        intact: first.is_none(),
        entries,
        chain: first.map(|c| c.chain.clone()),
        first_bad: first.and_then(|c| c.first_bad),
        problem: first.and_then(|c| c.problem),
        message,
        warnings,
        expected,
        chains,
        forged,
        replayed,
        rolled_back,
        witness: witness_path,
        accepted_heads,
    })
}

/// A chain's head, as `audit head` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct HeadReport {
    pub chain: String,
    pub seq: i64,
    pub hash: String,
    /// Its HMAC under the master key checks out.
    pub authentic: bool,
    /// Its Ed25519 signature checks out with the store's trust key (what a
    /// verifier holding only the trust key can check).
    pub signed: bool,
}

impl HeadReport {
    /// `CHAIN SEQ HASH`, what `audit verify --expect` takes.
    pub fn line(&self) -> String {
        format!("{} {} {}", self.chain, self.seq, self.hash)
    }
}

/// `audit head`: the heads of the chains the actor may see, each checked
/// against its HMAC (needs the master key) and its signature (SPEC §5.4).
pub fn heads(session: &mut Session) -> Result<Vec<HeadReport>> {
    let only = session.confined_tenant().map(str::to_string);
    let (heads, signed): (Vec<ChainHead>, Vec<crate::store::SignedHead>) = session.read(|tx| {
        let signed = match tx.store_id()? {
            Some(_) => tx.signed_heads(Some(&tx.trust_key()?))?,
            None => Vec::new(),
        };
        Ok((tx.audit_heads(only.as_deref())?, signed))
    })?;
    Ok(heads
        .into_iter()
        .map(|h| HeadReport {
            signed: signed
                .iter()
                .any(|s| s.chain == h.chain && s.seq == h.seq && s.hash == h.hash && s.signed),
            hash: hex(&h.hash),
            chain: h.chain,
            seq: h.seq,
            authentic: h.authentic,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_parse_dates_durations_and_rfc3339() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_bound("7d", now, false).unwrap(),
            now - Duration::days(7)
        );
        assert_eq!(
            parse_bound("2026-11-01T00:00:00Z", now, false)
                .unwrap()
                .to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert!(
            parse_bound("2026-11-01", now, false).unwrap()
                < parse_bound("2026-11-01", now, true).unwrap()
        );
        assert!(parse_bound("last week", now, false).is_err());
        assert!(parse_bound("2026-13-01", now, false).is_err());
    }

    #[test]
    fn actions_are_the_recorded_ones_and_limits_at_least_one() {
        assert_eq!(parse_action("Rotate").unwrap(), "rotate");
        assert_eq!(parse_action("import").unwrap(), "import");
        let e = parse_action("rotated").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(check_limit(Some(0)).is_err());
        assert_eq!(check_limit(Some(1)).unwrap(), Some(1));
        assert_eq!(check_limit(None).unwrap(), None);
    }

    #[test]
    fn heads_parse_as_audit_head_prints_them() {
        let h = "9f".repeat(32);
        let want = ExpectedHead {
            chain: "acme".into(),
            seq: 12,
            hash: vec![0x9f; 32],
        };
        assert_eq!(ExpectedHead::parse(&format!("acme 12 {h}")).unwrap(), want);
        assert_eq!(ExpectedHead::parse(&format!("acme:12:{h}")).unwrap(), want);
        assert_eq!(
            ExpectedHead::parse(&format!("  @store  3 {h}\n"))
                .unwrap()
                .chain,
            "@store"
        );
        assert_eq!(want.line(), format!("acme 12 {h}"));
        for bad in [
            String::new(),
            "acme".into(),
            format!("acme 0 {h}"),
            format!("acme -1 {h}"),
            format!("acme x {h}"),
            format!("12 {h}"),
            format!("acme 12 {h} x"),
            format!("a:b:12:{h}:"),
            format!("acme 12 {}", &h[..62]),
            format!("acme 12 {}zz", &h[..62]),
            format!("acme 12 {}+f", &h[..62]),
            format!("acme 12 {}é", &h[..62]),
        ] {
            let e = ExpectedHead::parse(&bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn counts_read_as_english() {
        assert_eq!(count(1, "entry", "entries"), "1 entry");
        assert_eq!(count(6, "entry", "entries"), "6 entries");
    }
}
