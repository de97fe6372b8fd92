//! The store's WAL is left in place when a command ends (no checkpoint on
//! close): a reveal's audit entry is durable in the WAL before the value is
//! printed, the store is read whole with its WAL, writes keep the WAL small,
//! and read commands neither take the write lock nor change the files.

use crate::common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::proof;
use common::Env;
use rusqlite::{Connection, OpenFlags};

const NOW: &str = "2026-03-01T12:00:00Z";

fn wal(env: &Env) -> PathBuf {
    PathBuf::from(format!("{}-wal", env.db().display()))
}

fn wal_len(env: &Env) -> u64 {
    std::fs::metadata(wal(env)).map(|m| m.len()).unwrap_or(0)
}

fn reveals_of(conn: &Connection, id: &str) -> i64 {
    conn.query_row(
        "SELECT count(*) FROM audit WHERE action = 'reveal' AND key_id = ?1",
        [id],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn a_reveal_is_audited_in_the_wal_before_the_value_is_printed() {
    let env = Env::at(NOW);
    let value = env.generate("billing", &[]);
    let id = env.show("billing")["id"].as_str().unwrap().to_string();
    let shown = env.ok(&["show", "billing", "--value"]);
    assert_eq!(shown.trim(), value);

    // The command ended without copying its commit into keys.db: the entry
    // is in the WAL, which SQLite reads with the store.
    assert!(wal_len(&env) > 0, "the WAL was left in place");
    assert_eq!(reveals_of(&proof::conn(&env), &id), 1);

    // keys.db alone (a copy without its -wal) lacks the entry: a backup must
    // take both files, or use sqlite3's .backup (README, Files it keeps).
    let alone = env.dir.path().join("alone.db");
    std::fs::copy(env.db(), &alone).unwrap();
    let c = Connection::open_with_flags(&alone, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    // (In a store this young even the tables are only in the WAL.)
    let tables: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'audit'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        tables == 0 || reveals_of(&c, &id) == 0,
        "the commit is in the WAL only"
    );
    drop(c);

    // sqlite3's way of backing up a live store takes the WAL along.
    let backup = env.dir.path().join("backup.db");
    proof::conn(&env)
        .execute("VACUUM INTO ?1", [backup.to_str().unwrap()])
        .unwrap();
    let c = Connection::open_with_flags(&backup, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    assert_eq!(reveals_of(&c, &id), 1);
}

#[test]
fn the_store_is_whole_and_works_with_its_wal_present() {
    let env = Env::at(NOW);
    env.generate("a", &[]);
    env.generate("b", &[]);
    for _ in 0..3 {
        env.ok(&["show", "a", "--value"]);
    }
    // (A write that takes the WAL past 256 KiB empties it; the next one
    // starts it again.)
    if wal_len(&env) == 0 {
        env.ok(&["edit", "b", "--description", "restarts the WAL"]);
    }
    assert!(wal_len(&env) > 0);
    // Every command reads the WAL's commits: keys, values, audit chain.
    let listed = env.ok(&["list", "-q"]);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    env.ok(&["show", "b", "--reveal"]);
    env.ok(&["rotate", "a", "--grace", "1h", "-q"]);
    env.ok(&["audit", "verify"]);
    let entries = proof::assert_audit_intact(&env);
    assert_eq!(
        proof::count(&env, "SELECT count(*) FROM audit WHERE action = 'reveal'"),
        4
    );
    assert!(entries >= 7, "{entries} entries");
    assert_eq!(proof::integrity(&env.db()), "ok");
}

#[test]
fn writes_keep_the_wal_small() {
    let env = Env::at(NOW);
    env.generate("a", &[]);
    let mut emptied = false;
    let mut largest = 0;
    // About 12 KB of WAL a reveal: past 256 KiB in about 22.
    for _ in 0..40 {
        env.ok(&["show", "a", "--value"]);
        let len = wal_len(&env);
        largest = largest.max(len);
        emptied |= len == 0;
    }
    assert!(
        emptied,
        "no write emptied the WAL (largest {largest} bytes)"
    );
    assert!(
        largest <= keyadm::store::WAL_CHECKPOINT_BYTES + 64 * 1024,
        "the WAL grew to {largest} bytes"
    );
    assert_eq!(
        proof::count(&env, "SELECT count(*) FROM audit WHERE action = 'reveal'"),
        40
    );
    proof::assert_audit_intact(&env);
    assert_eq!(proof::integrity(&env.db()), "ok");
}

#[test]
fn read_commands_do_not_wait_for_a_writer() {
    let env = Env::at(NOW);
    let value = env.generate("a", &[]);
    // Another process holds the write lock for the whole test.
    let holder = Connection::open(env.db()).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["show", "a"],
        &["show", "a", "--json"],
        &["config", "get", "key-prefix"],
        &["audit", "--json"],
    ] {
        let start = Instant::now();
        env.ok(args);
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "keyadm {args:?} waited for the write lock"
        );
    }
    // verify answers at once too (its last-use note is skipped when locked).
    let start = Instant::now();
    let r = env.run_stdin(&["verify"], &format!("{value}\n"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(start.elapsed() < Duration::from_secs(3), "verify waited");
    holder.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn read_commands_leave_the_store_and_its_wal_unchanged() {
    let env = Env::at(NOW);
    let value = env.generate("a", &[]);
    env.ok(&["show", "a", "--value"]);
    let read = |p: PathBuf| std::fs::read(p).unwrap_or_default();
    let (db, log) = (read(env.db()), read(wal(&env)));
    assert!(!log.is_empty(), "the reveal's commit is in the WAL");
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["show", "a"],
        &["config", "list", "--json"],
        &["audit", "--json"],
    ] {
        env.ok(args);
        assert!(read(env.db()) == db, "keyadm {args:?} changed keys.db");
        assert!(read(wal(&env)) == log, "keyadm {args:?} changed the WAL");
    }
    // verify's last-use note is a write; the store is whole after it.
    let r = env.run_stdin(&["verify"], &format!("{value}\n"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(proof::integrity(&env.db()), "ok");
}
