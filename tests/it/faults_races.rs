//! Races between the commands that change keys in bulk or judge them by
//! time (`sweep`, `rotate --due`), the ones that remove things (`delete`,
//! `org remove`) and the ones that add (`generate`): every refusal is a
//! documented one, the rules that count (the only internal key of a tenant,
//! the 300-key limit over a tenant's organizations, no key in a removed
//! organization, each due key rotated once) hold, and the store and its
//! audit chain stay whole.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Barrier;

use common::proof::{self, run_owned};
use common::{Env, Run};
use keyadm::domain::key::KeyType;
use keyadm::domain::value::generate_value;

const T0: &str = "2026-11-01T00:00:00Z";
/// 19 days after T0: keys that expired on 11-02 are due for purging, those
/// that expired on 11-18 are expired but kept.
const T1: &str = "2026-11-20T00:00:00Z";

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// Runs every list of arguments in its own thread, all released at once.
fn all_at_once(env: &Env, runs: &[Vec<String>]) -> Vec<Run> {
    let barrier = Barrier::new(runs.len());
    std::thread::scope(|s| {
        let hs: Vec<_> = runs
            .iter()
            .map(|a| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    run_owned(env, a)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// A refusal must be a documented exit with both lines and no panic.
fn documented(what: &str, r: &Run, allowed: &[(i32, &str)]) {
    assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
    if r.code == 0 {
        return;
    }
    assert!(
        allowed
            .iter()
            .any(|(code, says)| r.code == *code && r.stderr.contains(says)),
        "{what}: undocumented outcome under concurrency, exit {}: {}",
        r.code,
        r.stderr
    );
    common::assert_error_form(&r.stderr);
}

fn ids_by_name(env: &Env) -> BTreeMap<String, (String, String, String)> {
    let c = proof::conn(env);
    let mut st = c
        .prepare("SELECT name, id, tenant, type FROM keys")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn sweep_rotate_delete_and_disable_racing_keep_the_rules_and_the_chain() {
    let mut env = Env::at(T0);
    env.ok(&["org", "add", "acme"]);
    // (name, extra options): purge-due, expired-but-kept, and live keys in
    // tenant default; in tenant acme two internal keys that both become
    // purge-due (sweep must keep one) and in default two live internal
    // keys that the deleter goes after (one must stay).
    let mut specs: Vec<(String, Vec<&str>)> = Vec::new();
    for i in 1..=6 {
        specs.push((format!("old{i}"), vec!["--expires", "2026-11-02T00:00:00Z"]));
        specs.push((
            format!("gone{i}"),
            vec!["--expires", "2026-11-18T00:00:00Z"],
        ));
        specs.push((format!("live{i}"), vec![]));
    }
    for i in 1..=2 {
        specs.push((
            format!("acme-int{i}"),
            vec![
                "--type",
                "internal",
                "--org",
                "acme",
                "--expires",
                "2026-11-02T00:00:00Z",
            ],
        ));
        specs.push((format!("def-int{i}"), vec!["--type", "internal"]));
    }
    std::thread::scope(|s| {
        for half in specs.chunks(specs.len().div_ceil(2)) {
            let env = &env;
            s.spawn(move || {
                for (name, extra) in half {
                    env.generate(name, extra);
                }
            });
        }
    });
    let before = ids_by_name(&env);
    assert_eq!(before.len(), specs.len());
    let names: Vec<&str> = specs.iter().map(|(n, _)| n.as_str()).collect();

    env.now = Some(T1.into());
    let env = env;
    let rounds = 10;
    let n = names.len();
    let outcomes: Vec<(&str, Run)> = std::thread::scope(|s| {
        let mut hs = Vec::new();
        let (env, names) = (&env, &names);
        hs.push(s.spawn(move || {
            (0..rounds)
                .map(|_| ("sweep", run_owned(env, &args(&["sweep", "--json"]))))
                .collect::<Vec<_>>()
        }));
        hs.push(s.spawn(move || {
            (0..rounds)
                .map(|i| {
                    // Live, expired and purge-due keys in turn.
                    let a = args(&["rotate", "--json", "--grace", "1h", names[(2 + i * 2) % n]]);
                    ("rotate", run_owned(env, &a))
                })
                .collect::<Vec<_>>()
        }));
        hs.push(s.spawn(move || {
            (0..rounds)
                .map(|i| {
                    let a = args(&[
                        "disable",
                        "--yes",
                        "--reason",
                        "race",
                        names[(i * 2 + 1) % n],
                        names[(n - 1 - i) % n],
                    ]);
                    ("disable", run_owned(env, &a))
                })
                .collect::<Vec<_>>()
        }));
        hs.push(s.spawn(move || {
            (0..rounds * 2)
                .map(|i| {
                    // Goes after both internal keys of each tenant as well.
                    let target = names[(n - 1 - (i % 4) - (i / 4) * 3) % n];
                    let a = args(&["delete", "--yes", "--json", target]);
                    ("delete", run_owned(env, &a))
                })
                .collect::<Vec<_>>()
        }));
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });

    let mut rotated = 0;
    let mut codes: BTreeMap<(&str, i32), usize> = BTreeMap::new();
    for (verb, r) in &outcomes {
        *codes.entry((verb, r.code)).or_default() += 1;
        let allowed: &[(i32, &str)] = match *verb {
            "sweep" => &[],
            "rotate" => &[(3, "no key"), (4, "only enabled keys are rotated")],
            "disable" => &[(3, "no key")],
            "delete" => &[(3, "no key"), (4, "cannot be deleted, so none was")],
            _ => unreachable!(),
        };
        documented(verb, r, allowed);
        if *verb == "rotate" && r.code == 0 {
            let out: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
            assert_eq!(out.as_array().unwrap().len(), 1);
            rotated += 1;
        }
        if *verb == "sweep" && r.code == 0 {
            let out: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
            for k in out["purged"].as_array().unwrap() {
                assert_ne!(
                    k["name"], "def-int1",
                    "sweep purged a key that never expires"
                );
            }
        }
    }
    eprintln!("outcomes: {codes:?}");
    assert!(codes.contains_key(&("delete", 0)), "no delete got through");

    // The last sweep, alone: what is left is what the rules say.
    env.ok(&["sweep"]);
    assert_eq!(proof::integrity(&env.db()), "ok");
    let after = ids_by_name(&env);
    for tenant in ["default", "acme"] {
        let internal = after
            .values()
            .filter(|(_, t, ty)| t == tenant && ty == "internal")
            .count();
        assert!(
            internal >= 1,
            "tenant {tenant} lost its only internal key: {after:?}"
        );
    }
    assert_eq!(
        after.keys().filter(|k| k.starts_with("acme-int")).count(),
        1,
        "sweep purges one purge-due internal key of acme and keeps the other"
    );
    for i in 1..=6 {
        assert!(
            !after.contains_key(&format!("old{i}")),
            "old{i} expired 18 days ago and is still there"
        );
    }
    let enabled_expired = proof::count(
        &env,
        "SELECT count(*) FROM keys WHERE enabled = 1 AND expires_at IS NOT NULL",
    );
    assert_eq!(enabled_expired, 0, "every expired key is disabled by sweep");

    // Every key that is gone was removed exactly once, by delete or purge,
    // and the audit log says so; each rotation has its entry.
    let gone: BTreeSet<&String> = before
        .iter()
        .filter(|(name, _)| !after.contains_key(*name))
        .map(|(_, (id, _, _))| id)
        .collect();
    let c = proof::conn(&env);
    let removed: Vec<String> = c
        .prepare("SELECT key_id FROM audit WHERE action IN ('delete', 'purge')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        removed.len(),
        gone.len(),
        "one delete or purge entry per removed key"
    );
    assert_eq!(removed.iter().collect::<BTreeSet<_>>(), gone);
    assert_eq!(
        proof::count(&env, "SELECT count(*) FROM audit WHERE action = 'rotate'"),
        rotated as i64
    );
    proof::assert_audit_intact(&env);
}

#[test]
fn concurrent_rotate_due_rotates_each_due_key_exactly_once() {
    let mut env = Env::at(T0);
    env.ok(&["init"]);
    let due: Vec<String> = (1..=16).map(|i| format!("due{i}")).collect();
    for name in &due {
        env.generate(name, &["--rotate-every", "1d"]);
    }
    env.generate("weekly", &["--rotate-every", "30d"]);
    env.generate("manual", &[]);
    let before = proof::hashes(&env);
    env.now = Some("2026-11-03T00:00:00Z".into());
    let runs = all_at_once(&env, &vec![args(&["rotate", "--due", "--json"]); 4]);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for r in &runs {
        assert_eq!(r.code, 0, "rotate --due failed: {}", r.stderr);
        let out: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        for k in out.as_array().unwrap() {
            *seen.entry(k["name"].as_str().unwrap().into()).or_default() += 1;
            let value = k["value"].as_str().unwrap();
            let id = k["id"].as_str().unwrap();
            assert_eq!(
                env.ok(&["show", id, "--value"]).trim(),
                value,
                "{id}: the printed value is not the stored one"
            );
        }
    }
    assert_eq!(
        seen.keys().cloned().collect::<Vec<_>>(),
        {
            let mut d = due.clone();
            d.sort();
            d
        },
        "the due keys, and only they, were rotated"
    );
    assert!(
        seen.values().all(|&n| n == 1),
        "a key was rotated twice: {seen:?}"
    );
    let after = proof::hashes(&env);
    for (id, (cur, prev)) in &after {
        let (old, _) = &before[id];
        if cur != old {
            assert_eq!(
                prev.as_ref(),
                Some(old),
                "{id}: the previous value is not the original one"
            );
        }
    }
    assert_eq!(
        proof::count(&env, "SELECT count(*) FROM audit WHERE action = 'rotate'"),
        due.len() as i64
    );
    proof::assert_audit_intact(&env);
}

#[test]
fn org_remove_racing_generate_never_leaves_a_key_in_a_removed_org() {
    let env = Env::new();
    let n = 10;
    for i in 0..n {
        env.ok(&["org", "add", &format!("acme/o{i}")]);
    }
    let mut runs = Vec::new();
    for i in 0..n {
        let org = format!("acme/o{i}");
        runs.push(args(&["org", "remove", &org]));
        runs.push(args(&["--org", &org, "generate", &format!("k{i}"), "-q"]));
    }
    let out = all_at_once(&env, &runs);
    for (i, pair) in out.chunks(2).enumerate() {
        let (remove, generate) = (&pair[0], &pair[1]);
        documented("org remove", remove, &[(4, "")]);
        documented("generate", generate, &[(3, "no organization")]);
        assert!(
            (remove.code == 0) != (generate.code == 0),
            "acme/o{i}: exactly one of remove and generate succeeds (remove {}, generate {}): {}{}",
            remove.code,
            generate.code,
            remove.stderr,
            generate.stderr
        );
    }
    assert_eq!(
        proof::count(
            &env,
            "SELECT count(*) FROM keys WHERE org NOT IN (SELECT path FROM orgs)"
        ),
        0,
        "a key in an organization that no longer exists"
    );
    let orgs: BTreeSet<String> = {
        let c = proof::conn(&env);
        let mut st = c.prepare("SELECT org FROM keys").unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    assert_eq!(
        proof::count(&env, "SELECT count(*) FROM orgs WHERE path LIKE 'acme/%'") as usize,
        orgs.len(),
        "the organizations left are exactly those holding a key"
    );
    assert_eq!(proof::integrity(&env.db()), "ok");
    proof::assert_audit_intact(&env);
}

#[test]
fn the_tenant_limit_holds_across_organizations_under_concurrent_generates() {
    let env = Env::new();
    for org in ["acme/a", "acme/b", "acme/c"] {
        env.ok(&["org", "add", org]);
    }
    // 270 keys in three organizations of acme, through one import.
    let mut csv = String::from("id,name,type,key,org\n");
    for (i, org) in ["acme", "acme/a", "acme/b"]
        .iter()
        .cycle()
        .take(270)
        .enumerate()
    {
        let v = generate_value("kadm", KeyType::External);
        csv += &format!(",pre{i},external,{},{org}\n", v.expose());
    }
    let file = env.dir.path().join("pre.csv");
    std::fs::write(&file, csv).unwrap();
    env.ok(&["import", file.to_str().unwrap()]);

    // And an import of 10 more into acme/c, all or nothing, near the end.
    let mut more = String::from("id,name,type,key,org\n");
    for i in 0..10 {
        let v = generate_value("kadm", KeyType::External);
        more += &format!(",imp{i},external,{},acme/c\n", v.expose());
    }
    let more_file = env.dir.path().join("more.csv");
    std::fs::write(&more_file, more).unwrap();

    let per = 15;
    let (outcomes, import): (Vec<Run>, Run) = std::thread::scope(|s| {
        let hs: Vec<_> = ["acme", "acme/a", "acme/b", "acme/c"]
            .into_iter()
            .map(|org| {
                let env = &env;
                s.spawn(move || {
                    (0..per)
                        .map(|i| {
                            let name = format!("{}-{i}", org.replace('/', "-"));
                            run_owned(env, &args(&["--org", org, "generate", &name, "-q"]))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // Started when the tenant is nearly full, so that it races the last generates.
        let give_up = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while proof::count(&env, "SELECT count(*) FROM keys WHERE tenant = 'acme'") < 288
            && std::time::Instant::now() < give_up
        {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let import = run_owned(&env, &args(&["import", more_file.to_str().unwrap()]));
        (
            hs.into_iter().flat_map(|h| h.join().unwrap()).collect(),
            import,
        )
    });
    let made = outcomes.iter().filter(|r| r.code == 0).count();
    for r in &outcomes {
        documented("generate", r, &[(4, "the limit is 300")]);
    }
    documented("import", &import, &[(4, "limit")]);
    let imported = proof::count(&env, "SELECT count(*) FROM keys WHERE name LIKE 'imp%'");
    assert_eq!(
        imported,
        if import.code == 0 { 10 } else { 0 },
        "an import is all or nothing: {}",
        import.stderr
    );
    eprintln!("generated {made}, imported {imported}");
    assert_eq!(
        made + imported as usize,
        30,
        "exactly the 30 keys left under the limit"
    );
    assert_eq!(
        proof::count(&env, "SELECT count(*) FROM keys WHERE tenant = 'acme'"),
        300
    );
    // The limit is per tenant: another tenant is not affected.
    env.generate("elsewhere", &[]);
    proof::assert_audit_intact(&env);
}
