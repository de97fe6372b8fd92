//! Benchmark of the service side (not run by CI): `verify --batch`
//! decisions per second with 300 and with 300,000 keys in the store, the
//! in-process `Verifier`, and the time to load the keys.
//!
//! Run: `cargo bench --bench service` (or `scripts/bench.sh`, which also
//! compares whole-process `verify` with `sqlite3` and `sign` with `openssl`).
//! Set `BENCH_DIR` to keep the stores it builds (`keys-300.db`, `keys-300000.db`,
//! and a `key-*.txt` with one of their values).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use chrono::Utc;
use keyadm::domain::key::{Key, KeyType};
use keyadm::domain::value::{generate_value, new_key_id, SecretValue};
use keyadm::store::NewKey;
use keyadm::{Access, Request, Store, Verifier};

const REQUESTS: usize = 2_000_000;

/// A store with `n` external keys, 300 per tenant; returns their values.
fn build_store(path: &Path, n: usize) -> Vec<SecretValue> {
    let _ = std::fs::remove_file(path);
    let now = Utc::now();
    let mut store = Store::open(path, Access::Create, now).unwrap();
    let values: Vec<SecretValue> = (0..n)
        .map(|_| generate_value("kadm", KeyType::External))
        .collect();
    store
        .write(now, |tx| {
            for (i, v) in values.iter().enumerate() {
                let tenant = if i < 300 {
                    "default".to_string()
                } else {
                    format!("t{}", i / 300)
                };
                if i % 300 == 0 && tenant != "default" {
                    tx.insert_org(&tenant)?;
                }
                let key = Key {
                    id: new_key_id(),
                    name: format!("key-{i}"),
                    key_type: KeyType::External,
                    org: tenant.clone(),
                    tenant,
                    description: String::new(),
                    enabled: true,
                    disabled_reason: None,
                    created_at: now,
                    created_by: "bench".into(),
                    expires_at: None,
                    key: v.truncated(),
                    show_once: true,
                    previous: None,
                    rotated_at: None,
                    rotate_every: None,
                    rate_limit: None,
                    user: None,
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
    values
}

/// JSON request lines cycling through the keys in a scrambled order.
fn requests(path: &Path, values: &[SecretValue]) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let n = values.len();
    for i in 0..REQUESTS {
        let v = &values[(i * 7919) % n];
        writeln!(
            out,
            r#"{{"key":"{}","method":"GET","url":"/api/v1/users/{i}?full=1","origin":"https://app.example.com","ip":"10.1.2.3"}}"#,
            v.expose()
        )
        .unwrap();
    }
}

/// Seconds for one `keyadm verify --batch` run on one core over `input`.
fn run_batch(db: &Path, input: &Path) -> f64 {
    let started = Instant::now();
    let status = Command::new("taskset")
        .args(["-c", "0", env!("CARGO_BIN_EXE_keyadm"), "verify", "--batch"])
        .env("KEYADM_DB", db)
        .stdin(std::fs::File::open(input).unwrap())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    started.elapsed().as_secs_f64()
}

fn main() {
    let keep = std::env::var_os("BENCH_DIR").map(PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let dir = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    println!("verify --batch, {REQUESTS} requests, pinned to one core (taskset -c 0)");
    // BENCH_SIZES=300000 picks sizes; BENCH_IN_PROCESS=1 skips the process runs.
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|_| vec![300, 300_000]);
    let in_process_only = std::env::var_os("BENCH_IN_PROCESS").is_some();
    for n in sizes {
        let db = dir.join(format!("keys-{n}.db"));
        let t = Instant::now();
        let values = reuse_or_build(&dir, &db, n);
        let built = t.elapsed();
        std::fs::write(
            dir.join(format!("key-{n}.txt")),
            format!("{}\n", values[n / 2].expose()),
        )
        .unwrap();
        let input = dir.join(format!("requests-{n}.jsonl"));
        if !in_process_only {
            requests(&input, &values);
            batch(&db, &input, &empty, n, built);
        }
        in_process(&db, &values, n);
        if keep.is_none() {
            let _ = std::fs::remove_file(&input);
        }
    }
}

/// The stored values of a kept store (`BENCH_DIR`), or a new store.
fn reuse_or_build(dir: &Path, db: &Path, n: usize) -> Vec<SecretValue> {
    let list = dir.join(format!("values-{n}.txt"));
    if let (true, Ok(text)) = (db.exists(), std::fs::read_to_string(&list)) {
        return text
            .lines()
            .map(|l| SecretValue::new(l.to_string()))
            .collect();
    }
    let values = build_store(db, n);
    let text: String = values.iter().map(|v| format!("{}\n", v.expose())).collect();
    std::fs::write(&list, text).unwrap();
    values
}

fn batch(db: &Path, input: &Path, empty: &Path, n: usize, built: std::time::Duration) {
    {
        let load = (0..3)
            .map(|_| run_batch(db, empty))
            .fold(f64::MAX, f64::min);
        let total = (0..3)
            .map(|_| run_batch(db, input))
            .fold(f64::MAX, f64::min);
        let steady = REQUESTS as f64 / (total - load);
        println!(
            "{n:>7} keys: store built in {:.1?}; start-up and load {:.0} ms; {REQUESTS} decisions in {:.2} s \
             = {:.0}/s overall, {:.0}/s after the load",
            built,
            load * 1e3,
            total,
            REQUESTS as f64 / total,
            steady
        );
    }
}

fn in_process(db: &Path, values: &[SecretValue], n: usize) {
    let opened = Instant::now();
    let mut verifier = Verifier::open(db).unwrap();
    println!(
        "{n:>7} keys: Verifier::open (load) {:.0?}",
        opened.elapsed()
    );
    let rate = decisions(&mut verifier, |i| values[(i * 7919) % n].expose());
    println!("{n:>7} keys: in-process Verifier (verify_json_at): {rate:.0} decisions/s");
    // The same keys in the same order, presented from one buffer read
    // front to back, as a request stream presents them: the loop no
    // longer pays for reading scattered value strings, only the
    // verifier's own memory reads remain.
    let mut stream = String::with_capacity(n * 48);
    let mut spans = Vec::with_capacity(n);
    for j in 0..n {
        let v = values[(j * 7919) % n].expose();
        spans.push((stream.len(), v.len()));
        stream.push_str(v);
    }
    let rate = decisions(&mut verifier, |i| {
        let (at, len) = spans[i % n];
        &stream[at..at + len]
    });
    println!(
        "{n:>7} keys: in-process Verifier, keys from one sequential buffer: {rate:.0} decisions/s"
    );
}

/// Decisions per second over `REQUESTS` requests presenting `key(i)`,
/// every one of which must be allowed.
fn decisions<'k>(verifier: &mut Verifier, key: impl Fn(usize) -> &'k str) -> f64 {
    let now = Utc::now();
    let mut out = Vec::with_capacity(1 << 16);
    let mut allowed = 0usize;
    let started = Instant::now();
    for i in 0..REQUESTS {
        out.clear();
        verifier.verify_json_at(
            &Request {
                key: key(i),
                method: Some("GET"),
                url: Some("/api/v1/users/7"),
                origin: None,
                ip: None,
            },
            now,
            &mut out,
        );
        allowed += out.starts_with(br#"{"allowed":true"#) as usize;
    }
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(allowed, REQUESTS);
    REQUESTS as f64 / secs
}
