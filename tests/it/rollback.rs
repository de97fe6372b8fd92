//! Rollback detected (hardening item 20, SPEC §5.4): the head witness in
//! `$XDG_STATE_HOME/keyadm/<store-id>.head` remembers the highest head of
//! each audit chain that `audit verify` and the long-running verifiers
//! saw. An older `keys.db` restored, or a WAL cut at an earlier commit, is
//! exit 1 for `audit verify` (naming the chain, the witnessed and the found
//! entry) and `store_rolled_back` for `verify --batch`, until
//! `--accept-head` records the store's heads as they are. Chain heads are
//! signed with the store's row key, so a verifier holding only the trust
//! key refuses a head a forger appended.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::Env;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

fn db_file(env: &Env, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", env.db().display()))
}

/// Copies keys.db and its WAL aside (a backup, as a person would take it).
fn copy_aside(env: &Env, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for s in ["", "-wal"] {
        let from = db_file(env, s);
        if from.exists() {
            std::fs::copy(&from, to.join(format!("keys.db{s}"))).unwrap();
        }
    }
}

/// Puts the copied files back in place of the store (the -shm index is
/// rebuilt by the next process).
fn restore(env: &Env, from: &Path) {
    for s in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(db_file(env, s));
    }
    for s in ["", "-wal"] {
        let f = from.join(format!("keys.db{s}"));
        if f.exists() {
            std::fs::copy(&f, db_file(env, s)).unwrap();
        }
    }
}

/// The head witness files the test's XDG_STATE_HOME holds.
fn witness_files(env: &Env) -> Vec<PathBuf> {
    let dir = env.dir.path().join("xdg-state/keyadm");
    match std::fs::read_dir(&dir) {
        Ok(d) => d
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "head"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn batch(env: &Env, value: &str, extra: &[&str]) -> (serde_json::Value, String) {
    let mut args = vec!["verify", "--batch"];
    args.extend_from_slice(extra);
    let r = env.run_stdin(&args, &format!("{}\n", serde_json::json!({ "key": value })));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let d = serde_json::from_str(r.stdout.trim())
        .unwrap_or_else(|_| panic!("not JSON: {}{}", r.stdout, r.stderr));
    (d, r.stderr)
}

fn reason(d: &serde_json::Value) -> &str {
    d["reason"].as_str().unwrap_or("allowed")
}

/// The place of the `default` chain's head, as `audit head` prints it.
fn head_seq(env: &Env, chain: &str) -> i64 {
    env.ok(&["audit", "head"])
        .lines()
        .find_map(|l| {
            let p: Vec<&str> = l.split_whitespace().collect();
            (p[0] == chain).then(|| p[1].parse().unwrap())
        })
        .unwrap()
}

#[test]
fn a_restored_older_store_is_exit_1_for_audit_verify_and_denied_by_verify_batch_until_accept_head()
{
    let env = Env::new();
    env.generate("svc", &["--type", "internal"]);
    let leaked = env.generate("leaked", &[]);
    env.ok(&["audit", "verify"]);
    let files = witness_files(&env);
    assert_eq!(files.len(), 1, "audit verify keeps one witness per store");
    let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let old_seq = head_seq(&env, "default");
    let backup = env.dir.path().join("backup");
    copy_aside(&env, &backup);

    // The leak is handled: the key disabled, more keys, the log checked.
    env.ok(&["disable", "leaked"]);
    env.generate("more-1", &[]);
    env.generate("more-2", &[]);
    env.ok(&["audit", "verify"]);
    let new_seq = head_seq(&env, "default");
    assert!(new_seq > old_seq);
    let (d, _) = batch(&env, &leaked, &[]);
    assert_eq!(reason(&d), "disabled");

    // Someone puts the old files back: the leaked key would work again.
    restore(&env, &backup);
    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "chain default: the store is behind the head witness: witnessed entry {new_seq}, found entry {old_seq}"
        )),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("--accept-head"), "{}", r.stderr);
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["--json", "audit", "verify"]).stdout).unwrap();
    assert_eq!(json["rolled_back"][0]["chain"], "default");
    assert_eq!(json["rolled_back"][0]["witnessed"], new_seq);
    assert_eq!(json["rolled_back"][0]["found"], old_seq);
    assert_eq!(json["rolled_back"][0]["problem"], "behind");

    let (d, err) = batch(&env, &leaked, &[]);
    assert_eq!(reason(&d), "store_rolled_back", "{d}");
    assert_eq!(d["allowed"], false);
    assert!(
        d["key_id"].is_null(),
        "a rolled-back store names no key: {d}"
    );
    assert!(err.contains("behind the head witness"), "{err}");
    let (d, _) = batch(&env, "kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p", &[]);
    assert_eq!(reason(&d), "store_rolled_back", "every request: {d}");
    // One-shot verify reads the witness too (and never writes it).
    let r = env.run_stdin(&["verify", "--json"], &leaked);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let d: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(reason(&d), "store_rolled_back", "{d}");
    assert!(
        r.stderr.contains("audit verify --accept-head"),
        "{}",
        r.stderr
    );

    // The restore was deliberate: accept it, and the witness follows it.
    let (d, _) = batch(&env, &leaked, &["--accept-head"]);
    assert_eq!(reason(&d), "allowed", "{d}");
    env.ok(&["audit", "verify"]);
    let (d, _) = batch(&env, &leaked, &[]);
    assert_eq!(reason(&d), "allowed");
    let r = env.run_stdin(&["verify"], &leaked);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn audit_verify_accept_head_records_a_deliberate_restore() {
    let env = Env::new();
    env.generate("a", &[]);
    let backup = env.dir.path().join("backup");
    copy_aside(&env, &backup);
    env.generate("b", &[]);
    env.ok(&["audit", "verify"]);
    restore(&env, &backup);
    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let r = env.run(&["audit", "verify", "--accept-head"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("recorded in the head witness"),
        "{}",
        r.stderr
    );
    env.ok(&["audit", "verify"]);
    // And the store goes on from there.
    env.generate("c", &[]);
    env.ok(&["audit", "verify"]);
}

#[test]
fn a_restored_store_that_went_on_is_a_replaced_history() {
    let env = Env::new();
    env.generate("a", &[]);
    let backup = env.dir.path().join("backup");
    copy_aside(&env, &backup);
    env.generate("b", &[]);
    env.ok(&["audit", "verify"]);
    let seen = head_seq(&env, "default");
    restore(&env, &backup);
    // As many new entries as were lost: the head is at the witnessed place.
    env.generate("c", &[]);
    assert_eq!(head_seq(&env, "default"), seen);
    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("does not extend the witnessed entry"),
        "{}",
        r.stdout
    );
    let v = env.generate("d", &[]);
    let (d, _) = batch(&env, &v, &[]);
    assert_eq!(reason(&d), "store_rolled_back", "{d}");
}

/// The byte offsets just past each commit frame of a WAL file (frames
/// whose "database size" field is not zero).
fn commit_ends(wal: &[u8]) -> Vec<usize> {
    let page = u32::from_be_bytes(wal[8..12].try_into().unwrap()) as usize;
    let frame = 24 + page;
    let mut out = Vec::new();
    let mut at = 32;
    while at + frame <= wal.len() {
        let size = u32::from_be_bytes(wal[at + 4..at + 8].try_into().unwrap());
        if size != 0 {
            out.push(at + frame);
        }
        at += frame;
    }
    out
}

#[test]
fn a_wal_cut_at_an_earlier_commit_is_caught() {
    let env = Env::new();
    env.generate("svc", &["--type", "internal"]);
    let leaked = env.generate("leaked", &[]);
    // Start from an empty WAL (as after any checkpoint), so that the
    // commits below are all in it.
    Connection::open(env.db())
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    env.generate("more", &[]);
    let wal_before = std::fs::read(db_file(&env, "-wal")).unwrap();
    let commits_before = commit_ends(&wal_before);
    assert!(
        !commits_before.is_empty(),
        "the WAL holds the commit of generate"
    );
    env.ok(&["disable", "leaked"]);
    env.ok(&["audit", "verify"]);
    let (d, _) = batch(&env, &leaked, &[]);
    assert_eq!(reason(&d), "disabled");

    // Cut the WAL just after the last commit before `disable`.
    let wal = std::fs::read(db_file(&env, "-wal")).unwrap();
    assert!(
        wal.len() > wal_before.len(),
        "the later commits are in the WAL"
    );
    assert_eq!(
        &wal[..wal_before.len()],
        &wal_before[..],
        "the WAL was appended to, not restarted"
    );
    assert!(commit_ends(&wal).len() > commits_before.len());
    let cut = *commits_before.last().unwrap();
    let _ = std::fs::remove_file(db_file(&env, "-shm"));
    std::fs::write(db_file(&env, "-wal"), &wal[..cut]).unwrap();
    // The cut store is consistent: the leaked key is enabled again.
    assert_eq!(env.show("leaked")["enabled"], true);

    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("behind the head witness"), "{}", r.stdout);
    let (d, _) = batch(&env, &leaked, &[]);
    assert_eq!(reason(&d), "store_rolled_back", "{d}");
}

fn trust_file(env: &Env) -> PathBuf {
    let text = env.ok(&["trust", "export"]);
    let p = env.dir.path().join("trust.pub");
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    p
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn heads_are_signed_and_a_verifier_with_only_the_trust_key_refuses_a_forged_head() {
    let env = Env::new();
    let v = env.generate("svc", &[]);
    let trust = trust_file(&env);
    let t = trust.to_str().unwrap();
    let heads: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "audit", "head"])).unwrap();
    assert!(
        heads
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["signed"] == true),
        "{heads}"
    );
    let (d, _) = batch(&env, &v, &["--trust-key", t]);
    assert_eq!(reason(&d), "allowed");
    let witness = std::fs::read_to_string(&witness_files(&env)[0]).unwrap();

    // A forger without the master key appends an entry that chains to the
    // head (an entry's hash is plain SHA-256) and moves the head to it.
    let c = Connection::open(env.db()).unwrap();
    let (seq, pos, prev): (i64, i64, Vec<u8>) = c
        .query_row(
            "SELECT (SELECT max(seq) FROM audit), seq, hash FROM audit_heads WHERE chain = 'default'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let at = "2026-06-01T12:00:00Z";
    let fields = serde_json::json!([
        "keyadm audit v2",
        "default",
        pos + 1,
        seq + 1,
        at,
        null,
        "mallory",
        0,
        "root",
        "enable",
        null,
        null,
        "default",
        "{}"
    ]);
    let mut h = Sha256::new();
    h.update(&prev);
    h.update(fields.to_string().as_bytes());
    let hash = h.finalize().to_vec();
    c.execute(
        "INSERT INTO audit (seq, at, actor, action, key_id, key_name, tenant, details, hash, as_of, os_uid, os_user, chain, chain_seq)
         VALUES (?1, ?2, 'mallory', 'enable', NULL, NULL, 'default', '{}', ?3, NULL, 0, 'root', 'default', ?4)",
        rusqlite::params![seq + 1, at, hash, pos + 1],
    )
    .unwrap();
    c.execute(
        "UPDATE audit_heads SET seq = ?1, hash = ?2 WHERE chain = 'default'",
        rusqlite::params![pos + 1, hash],
    )
    .unwrap();
    drop(c);

    // The chain links up, but the head's signature is not the store's.
    let (d, err) = batch(&env, &v, &["--trust-key", t]);
    assert_eq!(reason(&d), "store_rolled_back", "{d}");
    assert!(err.contains("not signed by the trust key"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&witness_files(&env)[0]).unwrap(),
        witness,
        "the forged head is not witnessed"
    );
    assert!(!witness.contains(&hex(&hash)));
    // audit verify, with the master key, says the head is not authentic.
    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
}

#[test]
fn the_library_verifier_keeps_the_witness_it_is_given() {
    use keyadm::ops::verify::TrustChoice;
    use keyadm::ops::witness::WitnessChoice;
    use keyadm::{Reason, Request, Verifier, VerifierOptions};
    let env = Env::new();
    let v = env.generate("svc", &[]);
    let backup = env.dir.path().join("backup");
    copy_aside(&env, &backup);
    env.generate("more", &[]);
    let dir = env.dir.path().join("lib-state");
    let choice = WitnessChoice {
        dir: dir.clone(),
        accept: false,
    };
    let open = |c: &WitnessChoice| {
        Verifier::open_witnessed(
            &env.db(),
            VerifierOptions::default(),
            &TrustChoice::default(),
            Some(c),
        )
        .unwrap()
    };
    let req = Request {
        key: &v,
        ..Request::default()
    };
    let mut verifier = open(&choice);
    assert!(verifier.rolled_back().is_none());
    assert!(verifier.verify(&req).allowed);
    drop(verifier);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    restore(&env, &backup);
    let mut verifier = open(&choice);
    let rb = verifier.rolled_back().cloned().expect("behind the witness");
    assert_eq!(rb.chain, "default");
    assert_eq!(verifier.verify(&req).reason, Some(Reason::StoreRolledBack));
    drop(verifier);
    let mut verifier = open(&WitnessChoice { dir, accept: true });
    assert!(verifier.verify(&req).allowed);
}

#[test]
fn a_store_without_signed_heads_gets_them_on_the_next_command() {
    let env = Env::new();
    env.generate("svc", &[]);
    // A store of this release migrated before the signed-heads step (its
    // number is below later steps): no `sig` column, heads unsigned.
    Connection::open(env.db())
        .unwrap()
        .execute_batch("ALTER TABLE audit_heads DROP COLUMN sig")
        .unwrap();
    let heads: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "audit", "head"])).unwrap();
    assert!(
        heads
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["signed"] == true),
        "the column is added and the authentic heads signed: {heads}"
    );
    let unsigned: i64 = Connection::open(env.db())
        .unwrap()
        .query_row(
            "SELECT count(*) FROM audit_heads WHERE sig IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unsigned, 0);
    env.ok(&["audit", "verify"]);
}
