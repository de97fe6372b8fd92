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
    Connection::open_with_flags(env.db(), OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open store")
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

/// Checks the audit chain of the store: sequence numbers 1..n without a gap,
/// each entry's hash over the previous hash and its fields, and the head's
/// HMAC under the master key. Returns the number of entries.
pub fn check_audit_chain(env: &Env) -> Result<i64, String> {
    let master = MasterKey::load(&MasterKeySource::File(env.master()))
        .map_err(|e| format!("master key: {e}"))?
        .ok_or("no master key")?;
    let c = conn(env);
    let mut st = c
        .prepare("SELECT seq, at, actor, action, key_id, key_name, tenant, details, hash FROM audit ORDER BY seq")
        .unwrap();
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                serde_json::json!([
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, String>(7)?,
                ]),
                r.get::<_, Vec<u8>>(8)?,
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    let mut prev = vec![0u8; 32];
    for (i, (seq, fields, hash)) in rows.iter().enumerate() {
        if *seq != i as i64 + 1 {
            return Err(format!("entry {} has sequence number {seq}", i + 1));
        }
        let mut h = Sha256::new();
        h.update(&prev);
        h.update(fields.to_string().as_bytes());
        if h.finalize().as_slice() != hash.as_slice() {
            return Err(format!("entry {seq}: its hash does not match its fields"));
        }
        prev = hash.clone();
    }
    let n = rows.len() as i64;
    let head: Option<Vec<u8>> = c
        .query_row(
            "SELECT value FROM meta WHERE name = 'audit_head'",
            [],
            |r| r.get(0),
        )
        .ok();
    match head {
        None if n == 0 => Ok(0),
        None => Err("the chain has entries but no authenticated head".into()),
        Some(mac) => {
            let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&master.audit_key()[..]).unwrap();
            m.update(&n.to_be_bytes());
            m.update(&prev);
            m.verify_slice(&mac)
                .map_err(|_| format!("the head HMAC does not match entry {n}"))?;
            Ok(n)
        }
    }
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
