//! [`Verifier`]: verification in process, for a long-running service or
//! `verify --batch`. Every key is loaded once into a hash map keyed by the
//! SHA-256 of its value(s); a worker thread watches the store's data
//! version and loads a fresh map when another process changes the store, so
//! a key disabled by an administrator is denied within a fraction of a
//! second, while answers never wait for the store.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
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
    uses: Option<Sender<(String, DateTime<Utc>)>>,
    worker: Option<JoinHandle<()>>,
    record_uses: bool,
    trusted: bool,
}

/// A newer snapshot, handed from the worker to the verifier.
#[derive(Default)]
struct Fresh {
    ready: AtomicBool,
    slot: Mutex<Option<Snapshot>>,
    /// The replaced snapshot, freed by the worker: freeing a large map takes
    /// long enough to delay an answer.
    old: Mutex<Option<Snapshot>>,
}

/// Keys are SHA-256 outputs: their first bytes are already a good hash.
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(17) ^ u64::from_le_bytes(b);
        }
    }
    fn write_usize(&mut self, _: usize) {}
}

type ByHash<V> = HashMap<[u8; 32], V, BuildHasherDefault<DigestHasher>>;

/// One key as the checks need it.
struct Entry {
    identity: Arc<KeyIdentity>,
    key_type: KeyType,
    enabled: bool,
    expires_at: Option<DateTime<Utc>>,
    previous_until: Option<DateTime<Utc>>,
    /// Allow rules and lists, boxed: most keys have none, and a small entry
    /// keeps a large store's map closer to the CPU caches.
    lists: Option<Box<Lists>>,
    /// Bound to a user: `Some(None)` when that user does not exist.
    user: Option<Option<Arc<UserGrant>>>,
    last_used: Option<DateTime<Utc>>,
    /// The key's fields of a decision, serialized once: one read per answer.
    json: Box<str>,
    /// With a trust key: the row, or its user's, is unsigned or badly signed.
    forged: bool,
    rate_limit: Option<RateLimit>,
}

/// The key fields of a [`Decision`]'s JSON, in its order.
#[derive(Serialize)]
struct IdentityJson<'a> {
    key_id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    key_type: KeyType,
    org: &'a str,
    tenant: &'a str,
    user: Option<&'a str>,
}

impl IdentityJson<'_> {
    /// `"key_id":…,"user":…` without the braces.
    fn fragment(id: &KeyIdentity) -> Box<str> {
        let s = serde_json::to_string(&IdentityJson {
            key_id: &id.id,
            name: &id.name,
            key_type: id.key_type,
            org: &id.org,
            tenant: &id.tenant,
            user: id.user.as_deref(),
        })
        .expect("strings serialize");
        s[1..s.len() - 1].into()
    }
}

const NO_KEY_JSON: &str =
    r#""key_id":null,"name":null,"type":null,"org":null,"tenant":null,"user":null"#;

struct Lists {
    rules: Vec<Rule>,
    origins: Vec<Origin>,
    ips: Vec<IpRange>,
}

struct Snapshot {
    /// When it was read from the store.
    loaded: Instant,
    /// Each key by the hash of its current value, held in the table itself
    /// (one memory access fewer per decision in a large store).
    current: ByHash<Entry>,
    /// The hash of a previous value (in or past its grace) → the current one.
    previous: ByHash<[u8; 32]>,
}

impl Default for Snapshot {
    fn default() -> Snapshot {
        Snapshot {
            loaded: Instant::now(),
            current: ByHash::default(),
            previous: ByHash::default(),
        }
    }
}

impl Snapshot {
    fn load(
        store: &mut Store,
        now: DateTime<Utc>,
        trust: Option<&TrustKey>,
        cache: &mut SignatureCache,
    ) -> Result<Snapshot> {
        store.read(now, |tx| {
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
            let mut s = Snapshot::default();
            s.current.reserve(tx.count_keys_for_verify()?);
            tx.each_key_for_verify(trust.map(|t| (t, &mut *cache)), |k| {
                let (hash, previous_hash) = (k.hash, k.previous_hash);
                let forged = k.forged
                    || k.user.as_ref().is_some_and(|u| {
                        !forged_users.is_empty()
                            && forged_users.contains(&(k.tenant.clone(), u.clone()))
                    });
                if let Some(h) = previous_hash {
                    s.previous.insert(h, hash);
                }
                let user = k
                    .user
                    .as_ref()
                    .map(|u| users.get(&(k.tenant.clone(), u.clone())).cloned());
                let identity = KeyIdentity {
                    id: k.id,
                    name: k.name,
                    key_type: k.key_type,
                    org: k.org,
                    tenant: k.tenant,
                    user: k.user,
                };
                s.current.insert(
                    hash,
                    Entry {
                        json: IdentityJson::fragment(&identity),
                        forged,
                        rate_limit: k.rate_limit,
                        previous_until: k.previous_until,
                        key_type: k.key_type,
                        enabled: k.enabled,
                        expires_at: k.expires_at,
                        last_used: k.last_used_at,
                        user,
                        identity: Arc::new(identity),
                        lists: (!k.rules.is_empty() || !k.origins.is_empty() || !k.ips.is_empty())
                            .then(|| {
                                Box::new(Lists {
                                    rules: k.rules,
                                    origins: k.origins,
                                    ips: k.ips,
                                })
                            }),
                    },
                );
            })?;
            Ok(s)
        })
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
        let now = Clock::system().now();
        let store = if options.record_uses {
            Store::open(path, Access::Existing, now)?
        } else {
            Store::open_read_only(path)?
        };
        Verifier::from_store(store, options, trust)
    }

    /// Opens a store on PostgreSQL as `open_trusted` opens a file. A change
    /// is picked up by the worker's poll of the change counter (every
    /// `REFRESH_EVERY`); LISTEN/NOTIFY is not built yet.
    pub fn open_pg_trusted(
        target: &crate::store::PgTarget,
        options: VerifierOptions,
        trust: &TrustChoice,
    ) -> Result<Verifier> {
        let now = Clock::system().now();
        let store = Store::open_pg(target, Access::Existing, now)?;
        Verifier::from_store(store, options, trust)
    }

    fn from_store(
        mut store: Store,
        options: VerifierOptions,
        trust: &TrustChoice,
    ) -> Result<Verifier> {
        let now = Clock::system().now();
        let (version, store_id) = store.read(now, |tx| Ok((tx.data_version()?, tx.store_id()?)))?;
        let trust = trust.resolve(store_id.as_deref())?;
        let mut cache = SignatureCache::default();
        let snapshot = Snapshot::load(&mut store, now, trust.as_ref(), &mut cache)?;
        let trusted = trust.is_some();
        let fresh = Arc::new(Fresh::default());
        let (tx, rx) = mpsc::channel();
        let worker = {
            let fresh = Arc::clone(&fresh);
            std::thread::Builder::new()
                .name("keyadm-verifier".into())
                .spawn(move || work(store, version, &fresh, &rx, trust, cache))?
        };
        Ok(Verifier {
            buckets: HashMap::new(),
            retry_after: None,
            trusted,
            snapshot,
            fresh,
            uses: Some(tx),
            worker: Some(worker),
            record_uses: options.record_uses,
        })
    }

    /// Whether rows are checked against a trust key (else a caller warns once).
    pub fn trusted(&self) -> bool {
        self.trusted
    }

    /// How many key values (current and previous) are loaded.
    pub fn len(&self) -> usize {
        self.snapshot.current.len() + self.snapshot.previous.len()
    }

    pub fn is_empty(&self) -> bool {
        self.snapshot.current.is_empty()
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
            (Err(reason), None) => Decision::deny(reason, None),
            (check, Some(e)) => Decision::from_check(check, Arc::clone(&e.identity)),
            (Ok(()), None) => unreachable!("an allowed request has a key"),
        }
    }

    /// Decides a request as of `now` and appends the decision's JSON (the
    /// shape `Decision` serializes to) to `out`: the fast path of `verify --batch`.
    pub fn verify_json_at(&mut self, req: &Request, now: DateTime<Utc>, out: &mut Vec<u8>) {
        let (check, entry) = self.judge(req, now);
        match check {
            Ok(()) => out.extend_from_slice(br#"{"allowed":true,"reason":null,"#),
            Err(r) => {
                out.extend_from_slice(br#"{"allowed":false,"reason":""#);
                out.extend_from_slice(r.as_str().as_bytes());
                out.extend_from_slice(br#"","#);
            }
        }
        let fields = entry.map_or(NO_KEY_JSON, |e| &e.json);
        out.extend_from_slice(fields.as_bytes());
        out.push(b'}');
    }

    /// Runs the checks; gives the key when the value is known.
    fn judge(&mut self, req: &Request, now: DateTime<Utc>) -> (Result<(), Reason>, Option<&Entry>) {
        self.refresh();
        self.retry_after = None;
        if parse_value(req.key).is_err() {
            return (Err(Reason::Malformed), None);
        }
        let hash = value_hash(req.key);
        let snapshot = &mut self.snapshot;
        // The second look-up of the same slot is served from the cache.
        let (is_current, key_hash) = if snapshot.current.contains_key(&hash) {
            (true, hash)
        } else if let Some(h) = snapshot.previous.get(&hash) {
            (false, *h)
        } else {
            return (Err(Reason::Unknown), None);
        };
        let Some(e) = snapshot.current.get_mut(&key_hash) else {
            return (Err(Reason::Unknown), None);
        };
        if e.forged {
            return (Err(Reason::Forged), None);
        }
        let grant = Grant {
            key_type: e.key_type,
            enabled: e.enabled,
            expires_at: e.expires_at,
            previous_until: if is_current {
                None
            } else {
                Some(e.previous_until.unwrap_or(DateTime::<Utc>::MIN_UTC))
            },
            rules: e.lists.as_ref().map_or(&[], |l| &l.rules),
            origins: e.lists.as_ref().map_or(&[], |l| &l.origins),
            ips: e.lists.as_ref().map_or(&[], |l| &l.ips),
            user: e.user.as_ref().map(|u| u.as_deref()),
        };
        let mut result = check(&grant, req, now);
        if let (Ok(()), Some(limit)) = (result, &e.rate_limit) {
            // Only a request that every other check allows takes a token.
            let t = Instant::now();
            let bucket = self
                .buckets
                .entry(e.identity.id.as_str().into())
                .or_insert_with(|| Bucket::full(limit, t));
            if let Err(wait) = bucket.take(limit, t) {
                result = Err(Reason::RateLimited);
                self.retry_after = Some(wait);
            }
        }
        if self.record_uses && last_use_due(e.last_used, now) {
            e.last_used = Some(now);
            if let Some(uses) = &self.uses {
                let _ = uses.send((e.identity.id.clone(), now));
            }
        }
        (result, Some(e))
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
        self.uses.take();
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
fn work(
    mut store: Store,
    mut version: i64,
    fresh: &Fresh,
    uses: &Receiver<(String, DateTime<Utc>)>,
    trust: Option<TrustKey>,
    mut cache: SignatureCache,
) {
    let mut pending: Vec<(String, DateTime<Utc>)> = Vec::new();
    loop {
        let stop = match uses.recv_timeout(REFRESH_EVERY) {
            Ok(u) => {
                pending.push(u);
                pending.extend(uses.try_iter());
                false
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => true,
        };
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
            if let Ok(s) = Snapshot::load(&mut store, now, trust.as_ref(), &mut cache) {
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
