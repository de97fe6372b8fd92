//! A store made by keyadm 0.1.0 (tests/fixtures/store-0.1, built by its
//! make.sh with that release) opens with this build, migrates forward and
//! loses nothing: every key verifies as before, the audit log is intact,
//! and the operators are the ones SPEC §5.5 names.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::Env;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/store-0.1");
/// A day after the fixture was made: the rotated key's old value is still in its 30-day grace.
const NOW: &str = "2026-11-21T09:00:00Z";

/// A copy of the 0.1 store, as the user's own files (0600 in a 0700 folder).
fn old_store() -> Env {
    let mut env = Env::at(NOW);
    env.actor = "root".into();
    for (file, to) in [("keys.db", env.db()), ("master.key", env.master())] {
        let dir = to.parent().unwrap();
        std::fs::create_dir_all(dir).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::copy(Path::new(FIXTURE).join(file), &to).unwrap();
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    env
}

/// Runs keyadm on the store of `env` as another actor; its stdout.
fn ok_as(env: &Env, actor: &str, args: &[&str]) -> String {
    let r: common::Run = env
        .cmd()
        .env("KEYADM_ACTOR", actor)
        .args(args)
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 0, "{actor}: {args:?}: {}{}", r.stdout, r.stderr);
    r.stdout
}

fn value(name: &str) -> String {
    std::fs::read_to_string(Path::new(FIXTURE).join(format!("{name}.val")))
        .unwrap()
        .trim()
        .to_string()
}

fn verify(env: &Env, name: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["verify", "--json"];
    args.extend_from_slice(extra);
    let r = env.run_stdin(&args, &value(name));
    serde_json::from_str(&r.stdout).unwrap_or_else(|_| panic!("{name}: {}{}", r.stdout, r.stderr))
}

#[test]
fn every_key_of_a_0_1_store_verifies_as_before() {
    let env = old_store();
    for name in [
        "billing",
        "acme-int",
        "globex-sync",
        "desk",
        "once",
        "rotated",
        "rotated-old",
        "legacy",
    ] {
        let d = verify(&env, name, &[]);
        assert_eq!(d["allowed"], true, "{name}: {d}");
    }
    let d = verify(
        &env,
        "reports",
        &[
            "--method",
            "GET",
            "--url",
            "/api/v1/reports/7",
            "--origin",
            "https://app.globex.example",
            "--ip",
            "10.1.2.3",
        ],
    );
    assert_eq!(d["allowed"], true, "{d}");
    let d = verify(
        &env,
        "bobs",
        &["--method", "GET", "--url", "/api/v1/tickets/9"],
    );
    assert_eq!(d["allowed"], true, "{d}");
    let d = verify(&env, "old", &[]);
    assert_eq!(d["allowed"], false);
    assert_eq!(d["reason"], "disabled");
}

#[test]
fn a_0_1_store_migrates_with_nothing_lost() {
    let env = old_store();
    let out = env.ok(&["audit", "verify"]);
    assert!(out.contains("intact"), "{out}");
    let keys: Vec<serde_json::Value> = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
    assert_eq!(keys.len(), 10);
    // A sealed value opens under the old master key; a write works and is chained on.
    assert_eq!(
        env.ok(&["show", "billing", "--value"]).trim(),
        value("billing")
    );
    env.ok(&["disable", "billing", "--reason", "after the upgrade"]);
    let out = env.ok(&["audit", "verify"]);
    assert!(out.contains("intact"), "{out}");
    // The 0.1 chain is the store-wide chain's history (0.1 formula); a new
    // store-wide entry chains onto it by the 0.2 formula, a tenant's entry
    // starts its tenant's chain (SPEC §5.3).
    let v: serde_json::Value =
        serde_json::from_str(&env.ok(&["audit", "verify", "--json"])).unwrap();
    let old_entries = v["chains"][0]["entries"].as_i64().unwrap();
    assert_eq!(v["chains"][0]["chain"], "@store", "{v}");
    assert!(old_entries > 10, "{v}");
    env.ok(&["config", "set", "date-format", "eu"]);
    ok_as(&env, "alice", &["generate", "after", "-q"]);
    let v: serde_json::Value =
        serde_json::from_str(&env.ok(&["audit", "verify", "--json"])).unwrap();
    assert_eq!(v["intact"], true, "{v}");
    let chains: Vec<(String, i64)> = v["chains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["chain"].as_str().unwrap().into(),
                c["entries"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(chains.contains(&("@store".into(), old_entries + 1)), "{v}");
    // billing is acme's: its reveal and disable, and alice's new key.
    assert!(chains.contains(&("acme".into(), 3)), "{v}");
    let head = env.ok(&["audit", "head"]);
    assert!(
        head.lines()
            .any(|l| l.starts_with(&format!("@store {} ", old_entries + 1))),
        "{head}"
    );
    common::proof::assert_audit_intact(&env);
    // Alice checks her tenant's chain only; its history before the
    // migration is in the store-wide chain.
    let v: serde_json::Value =
        serde_json::from_str(&ok_as(&env, "alice", &["audit", "verify", "--json"])).unwrap();
    assert_eq!(v["entries"], 3, "{v}");
    assert_eq!(v["chains"][0]["chain"], "acme");
    // The key named before 0.2's name rules keeps its name and works.
    assert_eq!(env.show("legacy/name")["name"], "legacy/name");
}

/// SPEC §5.5: a read-only verifier (the library's `Verifier::open`) reads a
/// 0.1 store as it is, without migrating it.
#[test]
fn a_read_only_verifier_reads_a_0_1_store_unmigrated() {
    let env = old_store();
    let verifier = keyadm::Verifier::open(&env.db()).expect("a 0.1 store opens read-only");
    let value = value("billing");
    let request = keyadm::Request {
        key: &value,
        method: None,
        url: None,
        origin: None,
        ip: None,
    };
    let mut verifier = verifier;
    assert!(verifier.verify(&request).allowed);
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let version: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1, "the verifier left the store as it was");
}
