//! Helpers of the fault, load and secrets tests: filling a store quickly,
//! reading it directly with rusqlite, and checking the audit chain from the
//! test side (independently of the `audit verify` command).

use std::collections::BTreeMap;
use std::path::Path;

use hmac::{Hmac, Mac};
use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};

use super::{Env, Run};
use keyadm::crypto::seal::{MasterKey, MasterKeySource};

/// A read-only connection to the store of `env` (the test's own view).
pub fn conn(env: &Env) -> Connection {
    if let Some(db) = &env.pg {
        return audit_copy_of_pg(db);
    }
    Connection::open_with_flags(env.db(), OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open store")
}

/// The audit tables of a PostgreSQL store, copied into an SQLite database
/// in memory (values as they are), so that the same checker reads both.
fn audit_copy_of_pg(db: &str) -> Connection {
    let mem = Connection::open_in_memory().unwrap();
    mem.execute_batch(
        "CREATE TABLE audit (seq INTEGER, at TEXT, actor TEXT, action TEXT, key_id TEXT,
             key_name TEXT, tenant TEXT, details TEXT, hash BLOB, as_of TEXT, os_uid INTEGER,
             os_user TEXT, chain TEXT, chain_seq INTEGER);
         CREATE TABLE audit_heads (chain TEXT, seq INTEGER, hash BLOB, mac BLOB, v INTEGER);",
    )
    .unwrap();
    let mut pg = super::pg::cluster().client(db);
    for r in pg
        .query(
            "SELECT seq, at, actor, action, key_id, key_name, tenant, details, hash, as_of,
                    os_uid, os_user, chain, chain_seq FROM audit",
            &[],
        )
        .unwrap()
    {
        mem.execute(
            "INSERT INTO audit VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            rusqlite::params![
                r.get::<_, i64>(0),
                r.get::<_, String>(1),
                r.get::<_, String>(2),
                r.get::<_, String>(3),
                r.get::<_, Option<String>>(4),
                r.get::<_, Option<String>>(5),
                r.get::<_, Option<String>>(6),
                r.get::<_, String>(7),
                r.get::<_, Vec<u8>>(8),
                r.get::<_, Option<String>>(9),
                r.get::<_, Option<i64>>(10),
                r.get::<_, Option<String>>(11),
                r.get::<_, Option<String>>(12),
                r.get::<_, Option<i64>>(13),
            ],
        )
        .unwrap();
    }
    for r in pg
        .query("SELECT chain, seq, hash, mac, v FROM audit_heads", &[])
        .unwrap()
    {
        mem.execute(
            "INSERT INTO audit_heads VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![
                r.get::<_, String>(0),
                r.get::<_, i64>(1),
                r.get::<_, Vec<u8>>(2),
                r.get::<_, Vec<u8>>(3),
                r.get::<_, i64>(4),
            ],
        )
        .unwrap();
    }
    mem
}

/// `PRAGMA integrity_check` of the store file at `path` (read-write, so a
/// WAL left by a killed process is recovered the way keyadm would).
pub fn integrity(path: &Path) -> String {
    let c = Connection::open(path).expect("open store");
    c.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check runs")
}

pub fn count(env: &Env, sql: &str) -> i64 {
    conn(env)
        .query_row(sql, [], |r| r.get(0))
        .expect("count query")
}

/// Every key's ID → (current value hash, previous value hash).
pub fn hashes(env: &Env) -> BTreeMap<String, (Vec<u8>, Option<Vec<u8>>)> {
    let c = conn(env);
    let mut st = c
        .prepare("SELECT id, value_hash, prev_hash FROM keys")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// Generates `n` keys named `{prefix}{i}` (i from 1) with `threads`
/// processes at a time; returns the values in name order.
pub fn fill(env: &Env, prefix: &str, n: usize, threads: usize) -> Vec<String> {
    env.ok(&["init"]);
    let mut values = vec![String::new(); n];
    std::thread::scope(|s| {
        let chunks: Vec<_> = values.chunks_mut(n.div_ceil(threads)).enumerate().collect();
        for (c, chunk) in chunks {
            let start = c * n.div_ceil(threads);
            s.spawn(move || {
                for (j, slot) in chunk.iter_mut().enumerate() {
                    *slot = env.generate(&format!("{prefix}{}", start + j + 1), &[]);
                }
            });
        }
    });
    values
}

/// Runs keyadm with `args` and returns the outcome (for use from threads).
pub fn run_owned(env: &Env, args: &[String]) -> Run {
    env.cmd().args(args).output().expect("binary runs").into()
}

/// SHA-256 of a value, as the store keeps it.
pub fn sha(value: &str) -> Vec<u8> {
    Sha256::digest(value.as_bytes()).to_vec()
}

/// An audit row as the test reads it: its seq, chain (None: an entry of
/// 0.1), place in its chain, the JSON its hash covers, and its hash.
struct Row {
    seq: i64,
    chain: Option<String>,
    chain_seq: Option<i64>,
    fields: serde_json::Value,
    hash: Vec<u8>,
}

fn sha_over(prev: &[u8], fields: &serde_json::Value) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(fields.to_string().as_bytes());
    h.finalize().to_vec()
}

/// The hash of an entry of 0.2 as SPEC §5.3 and the README describe it:
/// SHA-256 over the previous hash in its chain and the JSON array
/// `["keyadm audit v2", chain, chain_seq, seq, at, as_of, actor, os_uid,
/// os_user, action, key_id, key_name, tenant, details]`.
pub fn v2_hash(prev: &[u8], fields: &serde_json::Value) -> Vec<u8> {
    sha_over(prev, fields)
}

/// The HMAC of a chain's head (0.2).
pub fn v2_head_mac(audit_key: &[u8], chain: &str, seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(audit_key).unwrap();
    m.update(b"keyadm audit head v2\0");
    m.update(&(chain.len() as u64).to_be_bytes());
    m.update(chain.as_bytes());
    m.update(&seq.to_be_bytes());
    m.update(hash);
    m.finalize().into_bytes().to_vec()
}

/// The fields an entry's hash covers, read from the row itself: the 0.1
/// formula's for a row without a chain, else the 0.2 formula's.
pub fn hashed_fields(r: &rusqlite::Row) -> rusqlite::Result<serde_json::Value> {
    let chain: Option<String> = r.get("chain")?;
    Ok(match chain {
        None => serde_json::json!([
            r.get::<_, i64>("seq")?,
            r.get::<_, String>("at")?,
            r.get::<_, String>("actor")?,
            r.get::<_, String>("action")?,
            r.get::<_, Option<String>>("key_id")?,
            r.get::<_, Option<String>>("key_name")?,
            r.get::<_, Option<String>>("tenant")?,
            r.get::<_, String>("details")?,
        ]),
        Some(chain) => serde_json::json!([
            "keyadm audit v2",
            chain,
            r.get::<_, i64>("chain_seq")?,
            r.get::<_, i64>("seq")?,
            r.get::<_, String>("at")?,
            r.get::<_, Option<String>>("as_of")?,
            r.get::<_, String>("actor")?,
            r.get::<_, Option<i64>>("os_uid")?,
            r.get::<_, Option<String>>("os_user")?,
            r.get::<_, String>("action")?,
            r.get::<_, Option<String>>("key_id")?,
            r.get::<_, Option<String>>("key_name")?,
            r.get::<_, Option<String>>("tenant")?,
            r.get::<_, String>("details")?,
        ]),
    })
}

/// Checks the audit chains of the store: in each chain (the entries of
/// 0.1 first in the store-wide one, at their seq), places 1..n without a
/// gap, each entry's hash over the previous hash in its chain and its
/// fields, and each chain's head HMAC under the master key. Returns the
/// number of entries.
pub fn check_audit_chain(env: &Env) -> Result<i64, String> {
    let master = MasterKey::load(&MasterKeySource::File(env.master()))
        .map_err(|e| format!("master key: {e}"))?
        .ok_or("no master key")?;
    let key = master.audit_key();
    let c = conn(env);
    let mut st = c.prepare("SELECT * FROM audit ORDER BY seq").unwrap();
    let rows: Vec<Row> = st
        .query_map([], |r| {
            Ok(Row {
                seq: r.get("seq")?,
                chain: r.get("chain")?,
                chain_seq: r.get("chain_seq")?,
                fields: hashed_fields(r)?,
                hash: r.get("hash")?,
            })
        })
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    let mut chains: BTreeMap<String, (i64, Vec<u8>)> = BTreeMap::new();
    for row in &rows {
        let (name, place) = match (&row.chain, row.chain_seq) {
            (None, _) => ("@store".to_string(), row.seq),
            (Some(ch), Some(p)) => (ch.clone(), p),
            (Some(ch), None) => return Err(format!("entry {} of {ch} has no place", row.seq)),
        };
        let (last, prev) = chains.entry(name.clone()).or_insert((0, vec![0u8; 32]));
        if place != *last + 1 {
            return Err(format!("chain {name}: entry {place} follows entry {last}"));
        }
        if sha_over(prev, &row.fields) != row.hash {
            return Err(format!(
                "chain {name}: entry {place} (seq {}): its hash does not match its fields",
                row.seq
            ));
        }
        *last = place;
        prev.clone_from(&row.hash);
    }
    let mut st = c
        .prepare("SELECT chain, seq, hash, mac, v FROM audit_heads")
        .unwrap();
    let heads: BTreeMap<String, (i64, Vec<u8>, Vec<u8>, i64)> = st
        .query_map([], |r| {
            Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for (name, (last, hash)) in &chains {
        let Some((seq, head_hash, mac, v)) = heads.get(name) else {
            return Err(format!(
                "chain {name} has entries but no authenticated head"
            ));
        };
        if seq != last || head_hash != hash {
            return Err(format!(
                "chain {name}: the head is not its last entry {last}"
            ));
        }
        let want = match v {
            1 => {
                let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&key[..]).unwrap();
                m.update(&last.to_be_bytes());
                m.update(hash);
                m.finalize().into_bytes().to_vec()
            }
            _ => v2_head_mac(&key[..], name, *last, hash),
        };
        if &want != mac {
            return Err(format!(
                "chain {name}: the head HMAC does not match entry {last}"
            ));
        }
    }
    if let Some(extra) = heads.keys().find(|h| !chains.contains_key(*h)) {
        return Err(format!("chain {extra} has a head but no entries"));
    }
    Ok(rows.len() as i64)
}

/// Asserts the audit chain is intact; returns the number of entries.
pub fn assert_audit_intact(env: &Env) -> i64 {
    // The command is proven against the same stores as the test-side checker.
    env.ok(&["audit", "verify"]);
    match check_audit_chain(env) {
        Ok(n) => n,
        Err(e) => panic!("audit chain broken: {e}"),
    }
}

/// Is this process root, able to mount and change users?
pub fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A test that needs a capability this machine lacks: fails in CI (and by
/// default), and only passes when the person running the tests opted out
/// explicitly with KEYADM_TEST_SKIP_PRIVILEGED=1, saying so on stderr.
pub fn lacking(what: &str) {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let opted_out = std::env::var("KEYADM_TEST_SKIP_PRIVILEGED").is_ok_and(|v| v == "1");
    if opted_out && !ci {
        eprintln!("NOT TESTED (KEYADM_TEST_SKIP_PRIVILEGED=1): {what}");
        return;
    }
    panic!("cannot run this test: {what}. Run the tests as root (CI does), or set KEYADM_TEST_SKIP_PRIVILEGED=1 outside CI to leave it untested knowingly.");
}

/// A small tmpfs, unmounted when dropped.
pub struct Tmpfs(pub std::path::PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// A copy of `base`'s store (keys.db, its WAL, the master key) on a small
/// tmpfs filled to the last byte. `None` (after [`lacking`]) where this
/// machine cannot mount one.
pub fn on_full_disk(base: &Env) -> Option<(Env, Tmpfs)> {
    let mut env = Env::new();
    env.actor = base.actor.clone();
    let data = env.db().parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&data).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs"])
        .arg(&data)
        .output();
    match mounted {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            lacking(&format!(
                "mount -t tmpfs failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
            return None;
        }
        Err(e) => {
            lacking(&format!("cannot run mount: {e}"));
            return None;
        }
    }
    let guard = Tmpfs(data.clone());
    std::fs::create_dir_all(env.master().parent().unwrap()).unwrap();
    std::fs::copy(base.master(), env.master()).unwrap();
    for suffix in ["", "-wal"] {
        let from = format!("{}{suffix}", base.db().display());
        if Path::new(&from).exists() {
            std::fs::copy(&from, format!("{}{suffix}", env.db().display())).unwrap();
        }
    }
    use std::io::Write;
    let mut f = std::fs::File::create(data.join("filler")).unwrap();
    let block = vec![0u8; 4096];
    while f.write_all(&block).is_ok() {}
    let mut byte = [0u8; 1];
    while f.write_all(&byte).is_ok() {
        byte[0] = 1;
    }
    Some((env, guard))
}
