//! [`Verifier`]: verification in process, for a long-running service or
//! `verify --batch`. Every key is loaded once into a flat open-addressing
//! table whose slots are the keys' records (two cache lines each, keyed by
//! the SHA-256 of the current value; previous values in a small table of
//! their own); a worker thread watches the store's data
//! version and loads a fresh map when another process changes the store, so
//! a key disabled by an administrator is denied within a fraction of a
//! second, while answers never wait for the store.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::expiry::Clock;
use crate::domain::key::KeyType;
use crate::domain::rate_limit::{Bucket, RateLimit};
use crate::domain::rules::{IpRange, Origin, Rule};
use crate::domain::value::{parse_value, value_hash};
use crate::domain::verify::{check, Decision, Grant, KeyIdentity, Reason, Request, UserGrant};
use crate::error::Result;
use crate::ops::witness::{Rollback, WitnessChoice, WitnessState};
use crate::store::{last_use_due, Access, SignatureCache, Store, TrustChoice, TrustKey};

/// How often the worker looks at the store's data version.
pub const REFRESH_EVERY: Duration = Duration::from_millis(100);

/// How a [`Verifier`] behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifierOptions {
    /// Write each key's last use (at most once a minute per key, from the
    /// worker thread, never waiting for a lock). Off: the store is never written.
    pub record_uses: bool,
}

/// Checks presented keys against a store, in memory.
///
/// ```
/// # fn main() -> keyadm::Result<()> {
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("keys.db");
/// # keyadm::Store::open(&path, keyadm::Access::Create, chrono::Utc::now())?;
/// use keyadm::{Reason, Request, Verifier};
///
/// let mut verifier = Verifier::open(&path)?;
/// let decision = verifier.verify(&Request {
///     key: "kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p",
///     method: Some("GET"),
///     url: Some("/api/v1/users/7"),
///     origin: Some("https://app.example.com"),
///     ip: "10.1.2.3".parse().ok(),
/// });
/// assert!(!decision.allowed);
/// assert_eq!(decision.reason, Some(Reason::Unknown)); // no such key in this empty store
/// # Ok(()) }
/// ```
pub struct Verifier {
    snapshot: Snapshot,
    /// Rate-limited keys' buckets, by key ID: kept across reloads.
    buckets: HashMap<Box<str>, Bucket>,
    /// How long the last request denied `rate_limited` should wait.
    retry_after: Option<Duration>,
    fresh: Arc<Fresh>,
    uses: Option<Sender<Work>>,
    worker: Option<JoinHandle<()>>,
    /// Tells a PostgreSQL listener thread to end.
    listener_stop: Arc<AtomicBool>,
    record_uses: bool,
    trusted: bool,
}

/// What the worker is sent: a key's use to record (ID, when, whether by
/// the current value), a store change announced by NOTIFY, or the end.
enum Work {
    Use(String, DateTime<Utc>, bool),
    Changed,
    Stop,
}

/// How often a verifier on PostgreSQL checks the change counter besides
/// the NOTIFY that wakes it (alone, on a replica, where LISTEN is refused).
pub const PG_REFRESH_EVERY: Duration = Duration::from_millis(250);

/// A newer snapshot, handed from the worker to the verifier.
#[derive(Default)]
struct Fresh {
    ready: AtomicBool,
    slot: Mutex<Option<Snapshot>>,
    /// The replaced snapshot, freed by the worker: freeing a large map takes
    /// long enough to delay an answer.
    old: Mutex<Option<Snapshot>>,
}

/// One key as a decision reads it, in two adjacent cache lines: the
/// value's hash, what the checks need, and the start of the key's JSON.
/// Everything else about the key (its identity, rules, user, rate limit)
/// is in [`Cold`], read only when the key has them.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Record {
    hash: [u8; 32],
    expires_at: Option<DateTime<Utc>>,
    previous_until: Option<DateTime<Utc>>,
    /// The last use recorded (Unix seconds; [`NEVER`]): `verify --batch`
    /// reads it on every decision.
    last_used: i64,
    /// Which shared JSON tail (`"type":…,"user":…`) the key's decision ends with.
    tail: u32,
    /// The key's entry in the snapshot's cold array.
    cold: u32,
    key_type: KeyType,
    flags: u8,
    /// `"key_id":…,"name":…,`: its length in `head`, or [`SPILLED`] when it
    /// is in the snapshot's arena (its offset and length in `head`'s first 8 bytes).
    head_len: u8,
    head: [u8; HEAD_INLINE],
}

const RECORD_SIZE: usize = 128;
const HEAD_INLINE: usize =
    RECORD_SIZE - 32 - 2 * std::mem::size_of::<Option<DateTime<Utc>>>() - 8 - 8 - 3;
const NEVER: i64 = i64::MIN;
const SPILLED: u8 = u8::MAX;
const _: () = assert!(std::mem::size_of::<Record>() == RECORD_SIZE);
const _: () = assert!(HEAD_INLINE >= 8 && HEAD_INLINE < SPILLED as usize);

const ENABLED: u8 = 1;
const FORGED: u8 = 2;
const HAS_LISTS: u8 = 4;
const HAS_USER: u8 = 8;
const HAS_LIMIT: u8 = 16;
/// A slot of the table that holds a key (the others are empty).
const OCCUPIED: u8 = 32;

/// An empty slot.
const EMPTY: Record = Record {
    hash: [0; 32],
    expires_at: None,
    previous_until: None,
    last_used: NEVER,
    tail: 0,
    cold: 0,
    key_type: KeyType::External,
    flags: 0,
    head_len: 0,
    head: [0; HEAD_INLINE],
};

/// What a decision reads only for some keys (or only for `verify`, not
/// the JSON fast path), in load order.
struct Cold {
    identity: Arc<KeyIdentity>,
    /// Allow rules and lists, boxed: most keys have none.
    lists: Option<Box<Lists>>,
    /// Bound to a user: `Some(None)` when that user does not exist.
    user: Option<Option<Arc<UserGrant>>>,
    rate_limit: Option<RateLimit>,
    /// The last use of the previous value (the current one's is in the
    /// record, read on every decision).
    previous_used: Option<DateTime<Utc>>,
}

/// The `"key_id"` and `"name"` fields of a [`Decision`]'s JSON.
#[derive(Serialize)]
struct HeadJson<'a> {
    key_id: &'a str,
    name: &'a str,
}

/// The fields after them, in the decision's order: shared by every key of
/// the same type, organization, tenant and user.
#[derive(Serialize)]
struct TailJson<'a> {
    #[serde(rename = "type")]
    key_type: KeyType,
    org: &'a str,
    tenant: &'a str,
    user: Option<&'a str>,
}

/// A struct's JSON without its braces.
fn fields_json(v: &impl Serialize) -> String {
    let s = serde_json::to_string(v).expect("strings serialize");
    s[1..s.len() - 1].to_string()
}

const NO_KEY_JSON: &str =
    r#""key_id":null,"name":null,"type":null,"org":null,"tenant":null,"user":null"#;

struct Lists {
    rules: Vec<Rule>,
    origins: Vec<Origin>,
    ips: Vec<IpRange>,
}

/// Where the hash of a previous value leads: an open-addressing table
/// (linear probing, at most 3/4 full) of 8-byte slots, each 32 bits of the
/// hash as a tag and an index into the snapshot's previous values.
#[derive(Default)]
struct Table {
    slots: Vec<u64>,
    mask: usize,
}

/// At most this many keys in a snapshot.
const MAX_KEYS: usize = 1 << 31;

fn slot_position(hash: &[u8; 32]) -> usize {
    u64::from_le_bytes(hash[..8].try_into().expect("8 bytes")) as usize
}

fn slot_tag(hash: &[u8; 32]) -> u64 {
    u64::from(u32::from_le_bytes(hash[8..12].try_into().expect("4 bytes"))) << 32
}

impl Table {
    fn with_room(n: usize) -> Table {
        let cap = (n + n / 3 + 1).next_power_of_two().max(8);
        let slots = huge_pages(vec![0u64; cap]);
        Table {
            slots,
            mask: cap - 1,
        }
    }

    /// `at` is an index below 2^31.
    fn insert(&mut self, hash: &[u8; 32], at: u64) {
        let mut i = slot_position(hash) & self.mask;
        while self.slots[i] != 0 {
            i = (i + 1) & self.mask;
        }
        self.slots[i] = slot_tag(hash) | (at + 1);
    }

    /// The candidates for `hash`.
    fn candidates<'a>(&'a self, hash: &[u8; 32]) -> impl Iterator<Item = u64> + 'a {
        let tag = slot_tag(hash);
        let mask = self.mask;
        let start = slot_position(hash) & mask;
        let slots = &self.slots;
        (0..slots.len())
            .map(move |k| slots[(start + k) & mask])
            .take_while(|&s| s != 0)
            .filter(move |&s| s & 0xFFFF_FFFF_0000_0000 == tag)
            .map(|s| (s & 0xFFFF_FFFF) - 1)
    }
}

/// Asks the kernel to back a large array with 2 MiB pages (before its
/// pages are touched): a look-up into a large store then costs no TLB miss.
fn huge_pages<T>(v: Vec<T>) -> Vec<T> {
    const HUGE: usize = 2 << 20;
    let bytes = v.capacity() * std::mem::size_of::<T>();
    if bytes >= 2 * HUGE {
        let start = (v.as_ptr() as usize).next_multiple_of(HUGE);
        let end = (v.as_ptr() as usize + bytes) / HUGE * HUGE;
        if start < end {
            // SAFETY: advice about a range inside this vector's own
            // allocation; it changes no memory and the result is ignored.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    v
}

struct Snapshot {
    /// When it was read from the store.
    loaded: Instant,
    /// Each key's record by the hash of its current value: an open-addressing
    /// table (linear probing, at most 3/4 full, a power of two long) whose
    /// slots are the records themselves, so a look-up reads one record
    /// (two adjacent cache lines) and nothing before it.
    records: Vec<Record>,
    mask: usize,
    /// How many slots hold a key.
    keys: usize,
    cold: Vec<Cold>,
    /// A previous value's hash (in or past its grace) and its key's current one.
    previous: Vec<([u8; 32], [u8; 32])>,
    previous_table: Table,
    /// Heads too long for their record, and the shared tails.
    arena: String,
    tails: Vec<Box<str>>,
    /// The store is behind the head witness: every request is denied.
    rolled_back: Option<Rollback>,
}

impl Default for Snapshot {
    fn default() -> Snapshot {
        Snapshot {
            loaded: Instant::now(),
            records: Vec::new(),
            mask: 0,
            keys: 0,
            cold: Vec::new(),
            previous_table: Table::default(),
            previous: Vec::new(),
            arena: String::new(),
            tails: Vec::new(),
            rolled_back: None,
        }
    }
}

impl Snapshot {
    fn load(
        store: &mut Store,
        now: DateTime<Utc>,
        trust: Option<&TrustKey>,
        cache: &mut SignatureCache,
        witness: Option<(&mut WitnessState, bool)>,
    ) -> Result<Snapshot> {
        store.read(now, |tx| {
            // In the snapshot of the keys: the heads judged are theirs.
            let rolled_back = match witness {
                Some((w, strict)) => w.check(tx, trust, strict)?,
                None => None,
            };
            let mut users: HashMap<(String, String), Arc<UserGrant>> = HashMap::new();
            let mut forged_users: HashSet<(String, String)> = HashSet::new();
            tx.each_user_for_verify(
                trust.map(|t| (t, &mut *cache)),
                |tenant, name, grant, forged| {
                    if forged {
                        forged_users.insert((tenant.clone(), name.clone()));
                    }
                    users.insert((tenant, name), Arc::new(grant));
                },
            )?;
            let mut s = Snapshot {
                rolled_back,
                ..Snapshot::default()
            };
            let n = tx.count_keys_for_verify()?;
            s.make_room(n);
            s.cold.reserve(n);
            let mut tails: HashMap<String, u32> = HashMap::new();
            tx.each_key_for_verify(trust.map(|t| (t, &mut *cache)), |k| {
                let at = s.cold.len() as u32;
                let forged = k.forged
                    || k.user.as_ref().is_some_and(|u| {
                        !forged_users.is_empty()
                            && forged_users.contains(&(k.tenant.clone(), u.clone()))
                    });
                if let Some(h) = k.previous_hash {
                    s.previous.push((h, k.hash));
                }
                let user = k
                    .user
                    .as_ref()
                    .map(|u| users.get(&(k.tenant.clone(), u.clone())).cloned());
                let head = fields_json(&HeadJson {
                    key_id: &k.id,
                    name: &k.name,
                }) + ",";
                let tail = fields_json(&TailJson {
                    key_type: k.key_type,
                    org: &k.org,
                    tenant: &k.tenant,
                    user: k.user.as_deref(),
                });
                let tail = *tails.entry(tail).or_insert_with_key(|t| {
                    s.tails.push(t.as_str().into());
                    s.tails.len() as u32 - 1
                });
                let lists = (!k.rules.is_empty() || !k.origins.is_empty() || !k.ips.is_empty())
                    .then(|| {
                        Box::new(Lists {
                            rules: k.rules,
                            origins: k.origins,
                            ips: k.ips,
                        })
                    });
                let mut record = Record {
                    hash: k.hash,
                    expires_at: k.expires_at,
                    previous_until: k.previous_until,
                    last_used: k.current_used_at.map_or(NEVER, |t| t.timestamp()),
                    tail,
                    cold: at,
                    key_type: k.key_type,
                    flags: (if k.enabled { ENABLED } else { 0 })
                        | (if forged { FORGED } else { 0 })
                        | (if lists.is_some() { HAS_LISTS } else { 0 })
                        | (if user.is_some() { HAS_USER } else { 0 })
                        | (if k.rate_limit.is_some() { HAS_LIMIT } else { 0 })
                        | OCCUPIED,
                    head_len: 0,
                    head: [0; HEAD_INLINE],
                };
                if head.len() <= HEAD_INLINE {
                    record.head[..head.len()].copy_from_slice(head.as_bytes());
                    record.head_len = head.len() as u8;
                } else {
                    let off = s.arena.len() as u32;
                    s.arena.push_str(&head);
                    record.head[..4].copy_from_slice(&off.to_le_bytes());
                    record.head[4..8].copy_from_slice(&(head.len() as u32).to_le_bytes());
                    record.head_len = SPILLED;
                }
                s.insert(record);
                s.cold.push(Cold {
                    identity: Arc::new(KeyIdentity {
                        id: k.id,
                        name: k.name,
                        key_type: k.key_type,
                        org: k.org,
                        tenant: k.tenant,
                        user: k.user,
                    }),
                    lists,
                    user,
                    rate_limit: k.rate_limit,
                    previous_used: k.previous_used_at,
                });
            })?;
            if s.keys + s.previous.len() >= MAX_KEYS {
                return Err(crate::error::Error::environment(
                    "the store holds more keys than a verifier can load (2^31)",
                )
                .hint("split the keys across stores"));
            }
            s.previous_table = Table::with_room(s.previous.len());
            for (i, (h, _)) in s.previous.iter().enumerate() {
                s.previous_table.insert(h, i as u64);
            }
            Ok(s)
        })
    }

    /// An empty table with room for `n` keys (at most 3/4 full).
    fn make_room(&mut self, n: usize) {
        let cap = (n + n / 3 + 1).next_power_of_two().max(8);
        let mut records = huge_pages(Vec::with_capacity(cap));
        records.resize(cap, EMPTY);
        let old = std::mem::replace(&mut self.records, records);
        self.mask = cap - 1;
        self.keys = 0;
        for r in old.into_iter().filter(|r| r.flags & OCCUPIED != 0) {
            self.insert(r);
        }
    }

    fn insert(&mut self, record: Record) {
        if (self.keys + 1) * 4 > self.records.len() * 3 {
            // More rows than counted: a bigger table.
            self.make_room((self.keys + 1) * 2);
        }
        let mut i = slot_position(&record.hash) & self.mask;
        while self.records[i].flags & OCCUPIED != 0 {
            i = (i + 1) & self.mask;
        }
        self.records[i] = record;
        self.keys += 1;
    }

    /// The slot of the key whose current value hashes to `hash`.
    fn find_current(&self, hash: &[u8; 32]) -> Option<usize> {
        if self.records.is_empty() {
            return None;
        }
        let mut i = slot_position(hash) & self.mask;
        loop {
            let r = &self.records[i];
            if r.flags & OCCUPIED == 0 {
                return None;
            }
            if r.hash == *hash {
                return Some(i);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The slot of the key whose current (`true`) or previous value hashes to `hash`.
    fn find(&self, hash: &[u8; 32]) -> Option<(usize, bool)> {
        if let Some(i) = self.find_current(hash) {
            return Some((i, true));
        }
        if self.previous.is_empty() {
            return None;
        }
        for at in self.previous_table.candidates(hash) {
            let (h, current) = &self.previous[at as usize];
            if h == hash {
                return self.find_current(current).map(|i| (i, false));
            }
        }
        None
    }

    /// The key's fields of a decision's JSON, appended to `out`.
    fn write_json(&self, i: usize, out: &mut Vec<u8>) {
        let r = &self.records[i];
        if r.head_len == SPILLED {
            let off = u32::from_le_bytes(r.head[..4].try_into().expect("4 bytes")) as usize;
            let len = u32::from_le_bytes(r.head[4..8].try_into().expect("4 bytes")) as usize;
            out.extend_from_slice(&self.arena.as_bytes()[off..off + len]);
        } else {
            out.extend_from_slice(&r.head[..r.head_len as usize]);
        }
        out.extend_from_slice(self.tails[r.tail as usize].as_bytes());
    }
}

impl Verifier {
    /// Opens the store at `path` read-only and loads its keys.
    pub fn open(path: &Path) -> Result<Verifier> {
        Verifier::open_with(path, VerifierOptions::default())
    }

    pub fn open_with(path: &Path, options: VerifierOptions) -> Result<Verifier> {
        Verifier::open_trusted(path, options, &TrustChoice::default())
    }

    /// Opens the store as `open_with` does, with the trust key `trust`
    /// finds (SPEC §5.4): then a key whose row is unsigned or badly signed
    /// is denied, reason `forged`. Each row's signature is checked once,
    /// when it is loaded; a reload checks only the rows that changed.
    pub fn open_trusted(
        path: &Path,
        options: VerifierOptions,
        trust: &TrustChoice,
    ) -> Result<Verifier> {
        Verifier::open_witnessed(path, options, trust, None)
    }

    /// Opens the store as `open_trusted` does, keeping the head witness
    /// `witness` names (SPEC §5.4): the highest head of each audit chain
    /// seen is remembered in `<dir>/<store-id>.head`, and while the store
    /// is behind it (restored from an older copy, a WAL cut at an earlier
    /// commit) every request is denied, reason `store_rolled_back`. With
    /// `accept`, the store's current heads are recorded as they are.
    pub fn open_witnessed(
        path: &Path,
        options: VerifierOptions,
        trust: &TrustChoice,
        witness: Option<&WitnessChoice>,
    ) -> Result<Verifier> {
        let now = Clock::system().now();
        let store = if options.record_uses {
            Store::open(path, Access::Existing, now)?
        } else {
            Store::open_read_only(path)?
        };
        Verifier::from_store(store, options, trust, witness, REFRESH_EVERY)
    }

    /// Opens a store on PostgreSQL as `open_trusted` opens a file. A change
    /// is picked up at once through `LISTEN keyadm_changes` on a connection
    /// of its own (step 11's trigger), and by the worker's poll of the
    /// change counter every `PG_REFRESH_EVERY` (alone on a replica, where
    /// LISTEN is refused).
    pub fn open_pg_trusted(
        target: &crate::store::PgTarget,
        options: VerifierOptions,
        trust: &TrustChoice,
    ) -> Result<Verifier> {
        Verifier::open_pg_witnessed(target, options, trust, None)
    }

    /// Opens a store on PostgreSQL as `open_witnessed` opens a file.
    pub fn open_pg_witnessed(
        target: &crate::store::PgTarget,
        options: VerifierOptions,
        trust: &TrustChoice,
        witness: Option<&WitnessChoice>,
    ) -> Result<Verifier> {
        let now = Clock::system().now();
        let store = Store::open_pg(target, Access::Existing, now)?;
        let v = Verifier::from_store(store, options, trust, witness, PG_REFRESH_EVERY)?;
        if let Some(uses) = &v.uses {
            let uses = uses.clone();
            let stop = Arc::clone(&v.listener_stop);
            let target = target.clone();
            // Detached: it ends within a second of the verifier, or at the
            // next notification. Where LISTEN fails, the poll goes on alone.
            std::thread::Builder::new()
                .name("keyadm-listen".into())
                .spawn(move || {
                    let _ = target.listen_for_changes(&stop, || uses.send(Work::Changed).is_ok());
                })?;
        }
        Ok(v)
    }

    fn from_store(
        mut store: Store,
        options: VerifierOptions,
        trust: &TrustChoice,
        witness: Option<&WitnessChoice>,
        every: Duration,
    ) -> Result<Verifier> {
        let now = Clock::system().now();
        let (version, store_id) = store.read(now, |tx| Ok((tx.data_version()?, tx.store_id()?)))?;
        let trust = trust.resolve(store_id.as_deref())?;
        let mut witness = match (witness, &store_id) {
            (Some(w), Some(id)) => Some(WitnessState::open(w, id)?),
            _ => None,
        };
        let mut cache = SignatureCache::default();
        let snapshot = Snapshot::load(
            &mut store,
            now,
            trust.as_ref(),
            &mut cache,
            witness.as_mut().map(|w| (w, true)),
        )?;
        let trusted = trust.is_some();
        let fresh = Arc::new(Fresh::default());
        let (tx, rx) = mpsc::channel();
        let worker = {
            let fresh = Arc::clone(&fresh);
            std::thread::Builder::new()
                .name("keyadm-verifier".into())
                .spawn(move || work(store, version, &fresh, &rx, every, trust, cache, witness))?
        };
        Ok(Verifier {
            buckets: HashMap::new(),
            retry_after: None,
            trusted,
            snapshot,
            fresh,
            uses: Some(tx),
            worker: Some(worker),
            listener_stop: Arc::new(AtomicBool::new(false)),
            record_uses: options.record_uses,
        })
    }

    /// Whether rows are checked against a trust key (else a caller warns once).
    pub fn trusted(&self) -> bool {
        self.trusted
    }

    /// The rollback the head witness found, if the store is behind it
    /// (then every request is denied `store_rolled_back`).
    pub fn rolled_back(&mut self) -> Option<&Rollback> {
        self.refresh();
        self.snapshot.rolled_back.as_ref()
    }

    /// How many key values (current and previous) are loaded.
    pub fn len(&self) -> usize {
        self.snapshot.keys + self.snapshot.previous.len()
    }

    pub fn is_empty(&self) -> bool {
        self.snapshot.keys == 0
    }

    /// When the keys in memory were read from the store (a reload happens
    /// only when the store changed; see [`Verifier::refresh`]).
    pub fn loaded_at(&self) -> Instant {
        self.snapshot.loaded
    }

    /// Takes up a newer snapshot of the store, if the worker has one
    /// (every decision does this first; an idle service calls it).
    pub fn refresh(&mut self) {
        if self.fresh.ready.load(Ordering::Acquire) {
            self.take_fresh();
        }
    }

    /// For the last decision denied `rate_limited`: how long until the key
    /// has a request again (an HTTP `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// Decides a request now (system clock).
    pub fn verify(&mut self, req: &Request) -> Decision {
        self.verify_at(req, Clock::system().now())
    }

    /// Decides a request as of `now`.
    pub fn verify_at(&mut self, req: &Request, now: DateTime<Utc>) -> Decision {
        match self.judge(req, now) {
            (Err(reason), None, _) => Decision::deny(reason, None),
            (check, Some(i), is_current) => {
                let cold = self.snapshot.records[i].cold as usize;
                Decision::from_check(
                    check,
                    Arc::clone(&self.snapshot.cold[cold].identity),
                    is_current,
                )
            }
            (Ok(()), None, _) => unreachable!("an allowed request has a key"),
        }
    }

    /// Decides a request as of `now` and appends the decision's JSON (the
    /// shape `Decision` serializes to) to `out`: the fast path of `verify --batch`.
    pub fn verify_json_at(&mut self, req: &Request, now: DateTime<Utc>, out: &mut Vec<u8>) {
        let (check, entry, is_current) = self.judge(req, now);
        match check {
            Ok(()) => out.extend_from_slice(br#"{"allowed":true,"reason":null,"#),
            Err(r) => {
                out.extend_from_slice(br#"{"allowed":false,"reason":""#);
                out.extend_from_slice(r.as_str().as_bytes());
                out.extend_from_slice(br#"","#);
            }
        }
        match entry {
            Some(i) => self.snapshot.write_json(i, out),
            None => out.extend_from_slice(NO_KEY_JSON.as_bytes()),
        }
        out.extend_from_slice(match (entry, is_current) {
            (None, _) => br#","matched":null}"#.as_slice(),
            (Some(_), true) => br#","matched":"current"}"#.as_slice(),
            (Some(_), false) => br#","matched":"previous"}"#.as_slice(),
        });
    }

    /// Runs the checks; gives the key's record when the value is known, and
    /// whether the value was its current one.
    fn judge(
        &mut self,
        req: &Request,
        now: DateTime<Utc>,
    ) -> (Result<(), Reason>, Option<usize>, bool) {
        self.refresh();
        self.retry_after = None;
        if self.snapshot.rolled_back.is_some() {
            return (Err(Reason::StoreRolledBack), None, false);
        }
        if parse_value(req.key).is_err() {
            return (Err(Reason::Malformed), None, false);
        }
        let hash = value_hash(req.key);
        let snapshot = &mut self.snapshot;
        let Some((i, is_current)) = snapshot.find(&hash) else {
            return (Err(Reason::Unknown), None, false);
        };
        let r = &mut snapshot.records[i];
        if r.flags & FORGED != 0 {
            return (Err(Reason::Forged), None, false);
        }
        let cold = &mut snapshot.cold[r.cold as usize];
        let lists = if r.flags & HAS_LISTS != 0 {
            cold.lists.as_deref()
        } else {
            None
        };
        let grant = Grant {
            key_type: r.key_type,
            enabled: r.flags & ENABLED != 0,
            expires_at: r.expires_at,
            previous_until: if is_current {
                None
            } else {
                Some(r.previous_until.unwrap_or(DateTime::<Utc>::MIN_UTC))
            },
            rules: lists.map_or(&[], |l| &l.rules),
            origins: lists.map_or(&[], |l| &l.origins),
            ips: lists.map_or(&[], |l| &l.ips),
            user: if r.flags & HAS_USER != 0 {
                cold.user.as_ref().map(|u| u.as_deref())
            } else {
                None
            },
        };
        let mut result = check(&grant, req, now);
        if let (Ok(()), true, Some(limit)) = (result, r.flags & HAS_LIMIT != 0, &cold.rate_limit) {
            // Only a request that every other check allows takes a token.
            let t = Instant::now();
            let bucket = self
                .buckets
                .entry(cold.identity.id.as_str().into())
                .or_insert_with(|| Bucket::full(limit, t));
            if let Err(wait) = bucket.take(limit, t) {
                result = Err(Reason::RateLimited);
                self.retry_after = Some(wait);
            }
        }
        let last = if is_current {
            (r.last_used != NEVER)
                .then(|| DateTime::from_timestamp(r.last_used, 0))
                .flatten()
        } else {
            cold.previous_used
        };
        if self.record_uses && last_use_due(last, now) {
            if is_current {
                r.last_used = now.timestamp();
            } else {
                cold.previous_used = Some(now);
            }
            if let Some(uses) = &self.uses {
                let _ = uses.send(Work::Use(cold.identity.id.clone(), now, is_current));
            }
        }
        (result, Some(i), is_current)
    }

    fn take_fresh(&mut self) {
        let mut slot = self.fresh.slot.lock().unwrap_or_else(|p| p.into_inner());
        self.fresh.ready.store(false, Ordering::Release);
        if let Some(s) = slot.take() {
            let old = std::mem::replace(&mut self.snapshot, s);
            *self.fresh.old.lock().unwrap_or_else(|p| p.into_inner()) = Some(old);
        }
    }

    /// Stops the worker (after it has written the last uses it was given)
    /// and leaves the keys in memory unfreed: for a process about to exit,
    /// where freeing a large map would only delay the exit.
    pub fn finish_for_exit(mut self) {
        self.stop_worker();
        std::mem::forget(std::mem::take(&mut self.snapshot));
    }

    fn stop_worker(&mut self) {
        self.listener_stop.store(true, Ordering::Relaxed);
        if let Some(uses) = self.uses.take() {
            let _ = uses.send(Work::Stop);
        }
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

impl Drop for Verifier {
    /// Stops the worker after it has written the last uses it was given.
    fn drop(&mut self) {
        self.stop_worker();
    }
}

/// The worker: writes last uses it is sent, and loads a new snapshot when
/// another connection has changed the store. Its own writes do not change
/// its connection's data version, so they cause no reload.
#[allow(clippy::too_many_arguments)]
fn work(
    mut store: Store,
    mut version: i64,
    fresh: &Fresh,
    uses: &Receiver<Work>,
    every: Duration,
    trust: Option<TrustKey>,
    mut cache: SignatureCache,
    mut witness: Option<WitnessState>,
) {
    let mut pending: Vec<(String, DateTime<Utc>, bool)> = Vec::new();
    loop {
        let mut stop = false;
        let mut take = |w: Work| match w {
            Work::Use(id, at, current) => pending.push((id, at, current)),
            Work::Changed => {}
            Work::Stop => stop = true,
        };
        match uses.recv_timeout(every) {
            Ok(w) => {
                take(w);
                uses.try_iter().for_each(&mut take);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => stop = true,
        }
        if !pending.is_empty() {
            let _ = store.record_key_uses_nowait(&pending);
            pending.clear();
        }
        drop(fresh.old.lock().unwrap_or_else(|p| p.into_inner()).take());
        if stop {
            return;
        }
        let now = Clock::system().now();
        let Ok(v) = store.read(now, |tx| tx.data_version()) else {
            continue;
        };
        if v != version {
            if let Ok(s) = Snapshot::load(
                &mut store,
                now,
                trust.as_ref(),
                &mut cache,
                witness.as_mut().map(|w| (w, false)),
            ) {
                version = v;
                let mut slot = fresh.slot.lock().unwrap_or_else(|p| p.into_inner());
                *slot = Some(s);
                fresh.ready.store(true, Ordering::Release);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::key::Key;
    use crate::domain::value::{generate_value, new_key_id, SecretValue};
    use crate::store::NewKey;

    fn store_with(path: &Path, keys: &[(&str, bool, &SecretValue)]) {
        let now = Utc::now();
        let mut store = Store::open(path, Access::Create, now).unwrap();
        store
            .write(now, |tx| {
                for (name, enabled, v) in keys {
                    let key = Key {
                        id: new_key_id(),
                        name: name.to_string(),
                        key_type: KeyType::External,
                        org: "default".into(),
                        tenant: "default".into(),
                        description: String::new(),
                        enabled: *enabled,
                        disabled_reason: None,
                        created_at: now,
                        created_by: "test".into(),
                        expires_at: None,
                        key: v.truncated(),
                        show_once: true,
                        previous: None,
                        rotated_at: None,
                        rotate_every: None,
                        rate_limit: None,
                        user: Some("ana \"the\" admin".into()),
                        rules: vec![],
                        origins: vec![],
                        ips: vec![],
                        tags: vec![],
                        last_used_at: None,
                        current_used_at: None,
                        previous_used_at: None,
                        expiry_set_at: None,
                    };
                    tx.insert_key(&NewKey {
                        key: &key,
                        hash: v.hash(),
                        sealed: None,
                    })?;
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn the_fast_json_is_the_serialized_decision() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.db");
        let on = generate_value("kadm", KeyType::External);
        let off = generate_value("kadm", KeyType::External);
        store_with(&path, &[("on", true, &on), ("off \u{e9}\"x", false, &off)]);
        let mut v = Verifier::open(&path).unwrap();
        let stranger = generate_value("kadm", KeyType::External);
        let now = Utc::now();
        for key in [on.expose(), off.expose(), stranger.expose(), "junk"] {
            let req = Request {
                key,
                ..Request::default()
            };
            let d = v.verify_at(&req, now);
            let mut out = Vec::new();
            v.verify_json_at(&req, now, &mut out);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&d).unwrap()
            );
        }
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn every_key_is_found_and_a_long_name_reads_from_the_arena() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.db");
        let values: Vec<SecretValue> = (0..200)
            .map(|_| generate_value("kadm", KeyType::External))
            .collect();
        let names: Vec<String> = (0..200)
            .map(|i| format!("k{i}-{}", "\u{e9}\"x".repeat(i % 40)))
            .collect();
        let keys: Vec<(&str, bool, &SecretValue)> = names
            .iter()
            .zip(&values)
            .enumerate()
            .map(|(i, (n, v))| (n.as_str(), i % 3 != 0, v))
            .collect();
        store_with(&path, &keys);
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute("UPDATE keys SET user_name = NULL", [])
            .unwrap();
        let mut v = Verifier::open(&path).unwrap();
        assert_eq!(v.len(), 200);
        assert!(
            v.snapshot
                .records
                .iter()
                .any(|r| r.flags & OCCUPIED != 0 && r.head_len == SPILLED)
                && v.snapshot
                    .records
                    .iter()
                    .any(|r| r.flags & OCCUPIED != 0 && r.head_len != SPILLED),
            "both kinds of head"
        );
        let now = Utc::now();
        for (i, (name, value)) in names.iter().zip(&values).enumerate() {
            let req = Request {
                key: value.expose(),
                ..Request::default()
            };
            let d = v.verify_at(&req, now);
            assert_eq!(d.key.as_ref().map(|k| k.name.as_str()), Some(name.as_str()));
            assert_eq!(d.allowed, i % 3 != 0, "{name}");
            let mut out = Vec::new();
            v.verify_json_at(&req, now, &mut out);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&d).unwrap()
            );
        }
    }

    #[test]
    fn a_previous_value_is_found_in_its_grace_and_rotated_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.db");
        let (a, b) = (
            generate_value("kadm", KeyType::External),
            generate_value("kadm", KeyType::External),
        );
        let (old_a, old_b) = (
            generate_value("kadm", KeyType::External),
            generate_value("kadm", KeyType::External),
        );
        store_with(&path, &[("a", true, &a), ("b", true, &b)]);
        let admin = rusqlite::Connection::open(&path).unwrap();
        for (name, old, until) in [
            ("a", &old_a, "2030-01-01T00:00:00Z"),
            ("b", &old_b, "2020-01-01T00:00:00Z"),
        ] {
            admin
                .execute(
                    "UPDATE keys SET user_name = NULL, prev_hash = ?1, prev_until = ?2 WHERE name = ?3",
                    rusqlite::params![old.hash().to_vec(), until, name],
                )
                .unwrap();
        }
        let mut v = Verifier::open(&path).unwrap();
        assert_eq!(v.len(), 4);
        let now: DateTime<Utc> = "2026-06-01T00:00:00Z".parse().unwrap();
        let decide = |v: &mut Verifier, key: &str| {
            let d = v.verify_at(
                &Request {
                    key,
                    ..Request::default()
                },
                now,
            );
            (d.reason, d.key.map(|k| k.name.clone()))
        };
        assert_eq!(decide(&mut v, a.expose()), (None, Some("a".into())));
        assert_eq!(decide(&mut v, old_a.expose()), (None, Some("a".into())));
        assert_eq!(
            decide(&mut v, old_b.expose()),
            (Some(Reason::Rotated), Some("b".into()))
        );
        let stranger = generate_value("kadm", KeyType::External);
        assert_eq!(
            decide(&mut v, stranger.expose()),
            (Some(Reason::Unknown), None)
        );
    }

    #[test]
    fn the_table_grows_when_more_keys_come_than_were_counted() {
        let mut s = Snapshot::default();
        s.make_room(2);
        let hashes: Vec<[u8; 32]> = (0..1000u32)
            .map(|i| crate::domain::value::value_hash(&format!("v{i}")))
            .collect();
        for (i, h) in hashes.iter().enumerate() {
            s.insert(Record {
                hash: *h,
                cold: i as u32,
                flags: OCCUPIED,
                ..EMPTY
            });
        }
        assert_eq!(s.keys, 1000);
        assert!(s.records.len() * 3 >= s.keys * 4);
        for (i, h) in hashes.iter().enumerate() {
            let at = s.find_current(h).expect("found");
            assert_eq!(s.records[at].cold, i as u32);
        }
        assert_eq!(s.find_current(&[7; 32]), None);
    }

    #[test]
    fn hostile_paths_are_normalised_or_denied_as_bad_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.db");
        let v = generate_value("kadm", KeyType::Custom);
        store_with(&path, &[("pub", true, &v)]);
        let admin = rusqlite::Connection::open(&path).unwrap();
        admin
            .execute(
                "UPDATE keys SET type = 'custom', user_name = NULL, rules = '[\"GET /api/public/**\"]'",
                [],
            )
            .unwrap();
        let mut verifier = Verifier::open(&path).unwrap();
        let now = Utc::now();
        for (url, want) in [
            ("/api/public/a", None),
            ("/api/public/a/../b", None),
            (
                "/api/public/../../admin/delete",
                Some(Reason::RuleNotAllowed),
            ),
            (
                "/api/public/%2e%2e/%2e%2e/admin",
                Some(Reason::RuleNotAllowed),
            ),
            ("/api/public/x;/../../admin", Some(Reason::RuleNotAllowed)),
            ("/api/public/..%2fadmin", Some(Reason::BadPath)),
            ("/api/public/..\\admin", Some(Reason::BadPath)),
        ] {
            let req = Request {
                key: v.expose(),
                method: Some("GET"),
                url: Some(url),
                ..Request::default()
            };
            let d = verifier.verify_at(&req, now);
            assert_eq!(d.reason, want, "{url}");
            let mut out = Vec::new();
            verifier.verify_json_at(&req, now, &mut out);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&d).unwrap()
            );
        }
    }

    #[test]
    fn a_read_only_verifier_sees_another_connection_disable_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.db");
        let on = generate_value("kadm", KeyType::External);
        store_with(&path, &[("on", true, &on)]);
        let admin = rusqlite::Connection::open(&path).unwrap();
        admin
            .execute("UPDATE keys SET user_name = NULL", [])
            .unwrap();
        let mut v = Verifier::open(&path).unwrap();
        let req = Request {
            key: on.expose(),
            ..Request::default()
        };
        assert!(v.verify(&req).allowed);
        admin.execute("UPDATE keys SET enabled = 0", []).unwrap();
        let started = std::time::Instant::now();
        while v.verify(&req).allowed {
            assert!(started.elapsed() < Duration::from_secs(2), "never reloaded");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(v.verify(&req).reason, Some(Reason::Disabled));
        let last_used: Option<String> = admin
            .query_row("SELECT last_used_at FROM keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(last_used, None, "a read-only verifier records nothing");
    }

    #[test]
    fn a_rate_limited_key_is_denied_once_its_bucket_is_empty_and_only_allowed_requests_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.db");
        let v = generate_value("kadm", KeyType::External);
        store_with(&path, &[("limited", true, &v)]);
        let admin = rusqlite::Connection::open(&path).unwrap();
        admin
            .execute(
                "UPDATE keys SET user_name = NULL, rate_limit = '2/1h', ips = '[\"10.0.0.0/8\"]'",
                [],
            )
            .unwrap();
        let mut verifier = Verifier::open(&path).unwrap();
        let now = Utc::now();
        let inside = Request {
            key: v.expose(),
            ip: "10.1.2.3".parse().ok(),
            ..Request::default()
        };
        let outside = Request {
            ip: "192.168.1.1".parse().ok(),
            ..inside
        };
        for _ in 0..5 {
            assert_eq!(
                verifier.verify_at(&outside, now).reason,
                Some(Reason::IpNotAllowed)
            );
        }
        assert!(verifier.verify_at(&inside, now).allowed);
        assert!(verifier.verify_at(&inside, now).allowed);
        let d = verifier.verify_at(&inside, now);
        assert_eq!(d.reason, Some(Reason::RateLimited));
        assert_eq!(d.key.unwrap().name, "limited");
        let wait = verifier.retry_after().unwrap();
        assert!(wait > Duration::from_secs(1700) && wait <= Duration::from_secs(1800));
        let mut out = Vec::new();
        verifier.verify_json_at(&inside, now, &mut out);
        assert!(String::from_utf8(out)
            .unwrap()
            .contains(r#""reason":"rate_limited""#));
    }
}
