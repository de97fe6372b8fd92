//! `kill -9` of a `rotate` of 300 keys at random moments: the store stays
//! sound, the rotation is all or nothing, and every value the command
//! printed before it died is a working value of its key.

use crate::common;

use std::collections::BTreeMap;
use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::proof::{self, sha};
use common::Env;

/// A fresh copy of the 300-key store of `base` in a new Env.
fn copy_of(base: &Env) -> Env {
    let env = Env::new();
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    std::fs::create_dir_all(env.master().parent().unwrap()).unwrap();
    // The store is keys.db with its WAL (keyadm leaves recent commits there).
    for suffix in ["", "-wal"] {
        let from = format!("{}{suffix}", base.db().display());
        if std::path::Path::new(&from).exists() {
            std::fs::copy(&from, format!("{}{suffix}", env.db().display())).unwrap();
        }
    }
    std::fs::copy(base.master(), env.master()).unwrap();
    env
}

/// Starts `rotate` of every key, kills it after `delay` (if still running),
/// and returns what it printed and whether it had already finished.
fn rotate_killed_after(env: &Env, ids: &[String], delay: Duration) -> (String, bool) {
    let mut child = env
        .std_cmd()
        .args(["rotate", "-q", "--grace", "1h"])
        .args(ids)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut finished = false;
    while start.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            finished = true;
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    (out, finished)
}

#[test]
fn kill_9_during_a_300_key_rotate_leaves_all_or_nothing() {
    let base = Env::new();
    proof::fill(&base, "k", 300, 4);
    let before = proof::hashes(&base);
    let ids: Vec<String> = before.keys().cloned().collect();
    let audit_before = proof::count(&base, "SELECT count(*) FROM audit");

    // How long a whole rotate takes here, to spread the kills over it.
    // (the fastest of three, the first run being slowed by a cold cache).
    let mut full = Duration::MAX;
    for _ in 0..3 {
        let probe = copy_of(&base);
        let t = Instant::now();
        let (out, _) = rotate_killed_after(&probe, &ids, Duration::from_secs(60));
        full = full.min(t.elapsed());
        assert_eq!(out.lines().count(), 300, "a whole rotate prints 300 values");
    }

    let mut outcomes = BTreeMap::new();
    for round in 0..20 {
        let env = copy_of(&base);
        // Half the kills anywhere, half near the end, where the commit and
        // the printing happen.
        let r = rand::random::<f64>();
        let delay = full.mul_f64(if round % 2 == 0 {
            r * 1.2
        } else {
            0.7 + r * 0.35
        });
        let (out, finished) = rotate_killed_after(&env, &ids, delay);

        assert_eq!(
            proof::integrity(&env.db()),
            "ok",
            "round {round}: integrity"
        );
        let after = proof::hashes(&env);
        assert_eq!(after.len(), 300);
        let mut rotated = 0;
        for (id, (cur, prev)) in &after {
            let (old, _) = &before[id];
            if cur == old {
                assert_eq!(prev, &None, "round {round}: {id} half rotated");
            } else {
                assert_eq!(
                    prev.as_ref(),
                    Some(old),
                    "round {round}: {id} lost its old value"
                );
                rotated += 1;
            }
        }
        assert!(
            rotated == 0 || rotated == 300,
            "round {round}: {rotated} of 300 keys rotated"
        );
        let entries = proof::count(&env, "SELECT count(*) FROM audit") - audit_before;
        assert_eq!(
            entries, rotated,
            "round {round}: audit entries for what happened only"
        );
        proof::assert_audit_intact(&env);

        // Complete lines only: the kill may cut the last one.
        let printed: Vec<&str> = out
            .split_inclusive('\n')
            .filter(|l| l.ends_with('\n'))
            .map(str::trim)
            .collect();
        assert!(
            printed.is_empty() || rotated == 300,
            "round {round}: values printed for an undone rotation"
        );
        let current: BTreeMap<&Vec<u8>, &String> =
            after.iter().map(|(id, (cur, _))| (cur, id)).collect();
        for (i, v) in printed.iter().enumerate() {
            let id = current
                .get(&sha(v))
                .unwrap_or_else(|| panic!("round {round}: printed value {i} is not a key's value"));
            assert_eq!(
                *id, &ids[i],
                "round {round}: values print in argument order"
            );
        }
        if finished {
            assert_eq!(printed.len(), 300);
        }
        *outcomes.entry((rotated, printed.len() == 300)).or_insert(0) += 1;
    }
    eprintln!("(keys rotated, all printed) → rounds: {outcomes:?}; a whole rotate took {full:?}");
}

#[test]
fn kill_9_during_the_first_generate_leaves_a_usable_store() {
    // How long a first generate (master key, store, schema, key) takes.
    let probe = Env::new();
    let t = Instant::now();
    probe.generate("first", &[]);
    let full = t.elapsed();
    for round in 0..10 {
        let env = Env::new();
        let mut child = env
            .std_cmd()
            .args(["generate", "first", "-q"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full.mul_f64(rand::random::<f64>() * 1.2));
        let _ = child.kill();
        let _ = child.wait();
        let mut printed = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut printed)
            .unwrap();

        // Whatever moment it died at, the next command works.
        let second = env.generate("second", &[]);
        assert_eq!(proof::integrity(&env.db()), "ok", "round {round}");
        let names = env.ok(&["list", "-q"]).lines().count();
        assert!(names == 1 || names == 2, "round {round}: {names} keys");
        if printed.ends_with('\n') {
            assert_eq!(names, 2, "round {round}: a printed first key is stored");
            let first = env.ok(&["show", "first", "--value"]);
            assert_eq!(
                first, printed,
                "round {round}: the printed value is the stored one"
            );
        }
        assert_eq!(env.ok(&["show", "second", "--value"]).trim(), second);
        proof::assert_audit_intact(&env);
    }
}
