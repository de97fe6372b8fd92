//! Rows a forger cannot mint (hardening item 19, SPEC §5.4): who can write
//! keys.db but lacks the master key inserts or changes key rows with
//! sqlite; `verify` (one-shot and `--batch`) with the store's trust key
//! denies each such row, reason `forged`. Without a trust key, verifiers
//! work as before with one warning; `--require-trust-key` fails closed.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::Env;
use rusqlite::Connection;

const NOW: &str = "2026-06-01T12:00:00Z";

fn sql(env: &Env, statement: &str) {
    let c = Connection::open(env.db()).unwrap();
    c.execute_batch(statement).unwrap();
}

/// The trust key as `trust export` prints it, saved in a file of its own.
fn trust_file(env: &Env) -> PathBuf {
    let text = env.ok(&["trust", "export"]);
    assert!(text.starts_with("keyadm-trust-v1 ed25519 "), "{text}");
    let p = env.dir.path().join("trust.pub");
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    p
}

fn verify(env: &Env, value: &str, extra: &[&str]) -> (serde_json::Value, String) {
    let mut args = vec!["verify", "--json"];
    args.extend_from_slice(extra);
    let r = env.run_stdin(&args, value);
    let d = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|_| panic!("not JSON: {}{}", r.stdout, r.stderr));
    (d, r.stderr)
}

fn verify_trusted(env: &Env, value: &str, trust: &Path) -> serde_json::Value {
    let t = trust.to_str().unwrap();
    verify(
        env,
        value,
        &["--trust-key", t, "--method", "GET", "--url", "/x"],
    )
    .0
}

fn batch(env: &Env, values: &[&str], trust: &Path) -> Vec<serde_json::Value> {
    let input: String = values
        .iter()
        .map(|v| {
            format!(
                "{}\n",
                serde_json::json!({ "key": v, "method": "GET", "url": "/x" })
            )
        })
        .collect();
    let r = env.run_stdin(
        &["verify", "--batch", "--trust-key", trust.to_str().unwrap()],
        &input,
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("no trust key"), "{}", r.stderr);
    r.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn reason(d: &serde_json::Value) -> &str {
    d["reason"].as_str().unwrap_or("allowed")
}

/// Both verifiers deny `value` as forged.
fn assert_forged(env: &Env, value: &str, trust: &Path, what: &str) {
    let d = verify_trusted(env, value, trust);
    assert_eq!(reason(&d), "forged", "{what}: {d}");
    assert_eq!(d["allowed"], false);
    let b = batch(env, &[value], trust);
    assert_eq!(reason(&b[0]), "forged", "{what} (batch): {}", b[0]);
}

#[test]
fn an_honest_store_verifies_as_before_with_its_trust_key() {
    let env = Env::at(NOW);
    env.ok(&["config", "set", "scoped-api", "on"]);
    let a = env.generate("svc", &["--type", "internal"]);
    let b = env.generate("api", &["--type", "custom", "--allow", "GET /**"]);
    let trust = trust_file(&env);
    // init (here: the first generate) published the same key in the trust folder.
    let folder = env.dir.path().join("xdg-config/keyadm/trust");
    let published: Vec<_> = std::fs::read_dir(&folder).unwrap().collect();
    assert_eq!(published.len(), 1);
    let published = published[0].as_ref().unwrap().path();
    assert_eq!(
        std::fs::read_to_string(&published).unwrap(),
        std::fs::read_to_string(&trust).unwrap()
    );
    // A later change (edit, disable, rotate) is signed again.
    env.ok(&["edit", "api", "--description", "orders"]);
    env.ok(&["disable", "svc", "--yes"]);
    env.ok(&["enable", "svc"]);
    for v in [&a, &b] {
        let d = verify_trusted(&env, v, &trust);
        assert_eq!(d["allowed"], true, "{d}");
    }
    let out = batch(&env, &[&a, &b], &trust);
    assert!(out.iter().all(|d| d["allowed"] == true), "{out:?}");
    // Found in the trust folder without --trust-key: no warning.
    let (d, stderr) = verify(&env, &a, &[]);
    assert_eq!(d["allowed"], true);
    assert!(!stderr.contains("warning"), "{stderr}");
    // A rotated key's new value is signed too.
    let rotated = env.ok(&["rotate", "svc", "-q"]);
    let d = verify_trusted(&env, rotated.trim(), &trust);
    assert_eq!(d["allowed"], true, "{d}");
}

#[test]
fn a_row_inserted_with_a_chosen_hash_is_forged() {
    let env = Env::at(NOW);
    env.generate("svc", &["--type", "internal"]);
    let chosen = env.generate("other", &["--type", "internal"]);
    let trust = trust_file(&env);
    let hash: String = keyadm::domain::value::value_hash(&chosen)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    // The forger's own row: copied from svc, with the chosen value's hash,
    // no sealed value, and no (or svc's) signature.
    sql(&env, "DELETE FROM keys WHERE name = 'other'");
    sql(
        &env,
        &format!(
            "INSERT INTO keys (id, name, tenant, org, type, description, enabled, created_at,
                created_by, value_hash, sealed, display, user_name, rules, origins, ips, tags)
             SELECT 'FORGEDFORGED', 'evil', tenant, org, 'internal', '', 1, created_at,
                created_by, x'{hash}', NULL, display, NULL, '[]', '[]', '[]', '[]'
             FROM keys WHERE name = 'svc'"
        ),
    );
    assert_forged(&env, &chosen, &trust, "inserted, unsigned");
    sql(
        &env,
        "UPDATE keys SET row_sig = (SELECT row_sig FROM keys WHERE name = 'svc'),
            row_version = (SELECT row_version FROM keys WHERE name = 'svc')
         WHERE id = 'FORGEDFORGED'",
    );
    assert_forged(
        &env,
        &chosen,
        &trust,
        "inserted with another row's signature",
    );
    // Without a trust key it is the 0.1 behaviour (allowed), with one warning.
    std::fs::remove_dir_all(env.dir.path().join("xdg-config/keyadm/trust")).unwrap();
    let (d, stderr) = verify(&env, &chosen, &[]);
    assert_eq!(d["allowed"], true, "{d}");
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    assert!(stderr.contains("no trust key"), "{stderr}");
    // And --require-trust-key fails closed.
    let r = env.run_stdin(&["verify", "--require-trust-key"], &chosen);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.starts_with("error:"), "{}", r.stderr);
    assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    let r = env.run_stdin(&["verify", "--batch", "--require-trust-key"], "");
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
}

#[test]
fn every_change_of_a_policy_column_is_forged() {
    let env = Env::at(NOW);
    env.ok(&["config", "set", "scoped-api", "on"]);
    env.ok(&["org", "add", "acme"]);
    env.ok(&["org", "add", "globex"]);
    let off = env.generate("off", &["--type", "internal"]);
    env.ok(&["disable", "off", "--yes"]);
    let narrow = env.generate("narrow", &["--type", "custom", "--allow", "GET /health"]);
    let a = env.generate("a", &["--type", "internal"]);
    let b = env.generate("b", &["--type", "internal"]);
    let g = env.generate("g", &["--type", "internal", "--org", "globex"]);
    let trust = trust_file(&env);
    assert_eq!(reason(&verify_trusted(&env, &off, &trust)), "disabled");
    assert_eq!(
        reason(&verify_trusted(&env, &narrow, &trust)),
        "rule_not_allowed"
    );

    sql(&env, "UPDATE keys SET enabled = 1 WHERE name = 'off'");
    assert_forged(&env, &off, &trust, "re-enabled");

    sql(
        &env,
        r#"UPDATE keys SET rules = '["* /**"]' WHERE name = 'narrow'"#,
    );
    assert_forged(&env, &narrow, &trust, "rules widened");

    sql(
        &env,
        "CREATE TEMP TABLE h AS SELECT name, value_hash FROM keys WHERE name IN ('a', 'b');
         UPDATE keys SET value_hash = x'00' WHERE name = 'a';
         UPDATE keys SET value_hash = (SELECT value_hash FROM h WHERE name = 'a') WHERE name = 'b';
         UPDATE keys SET value_hash = (SELECT value_hash FROM h WHERE name = 'b') WHERE name = 'a';",
    );
    assert_forged(&env, &a, &trust, "hashes swapped (a)");
    assert_forged(&env, &b, &trust, "hashes swapped (b)");

    sql(
        &env,
        "UPDATE keys SET tenant = 'acme', org = 'acme' WHERE name = 'g'",
    );
    assert_forged(&env, &g, &trust, "moved to another tenant");

    // The library names each forged row (for audit verify).
    let mut store =
        keyadm::Store::open(&env.db(), keyadm::Access::Existing, chrono::Utc::now()).unwrap();
    let key = keyadm::store::TrustKey::read(&trust).unwrap();
    let forged = store
        .read(chrono::Utc::now(), |tx| tx.forged_rows(&key, None))
        .unwrap();
    let mut names: Vec<String> = forged
        .iter()
        .map(|f| {
            let show = env.show(&f.id);
            format!("{}:{}", f.table, show["name"].as_str().unwrap())
        })
        .collect();
    names.sort();
    assert_eq!(names, ["key:a", "key:b", "key:g", "key:narrow", "key:off"]);
}

#[test]
fn a_forged_user_row_denies_the_keys_bound_to_it() {
    let env = Env::at(NOW);
    env.ok(&["config", "set", "scoped-api", "on"]);
    env.ok(&["user", "add", "ana", "--allow", "GET /**"]);
    let v = env.generate(
        "ana-key",
        &["--type", "custom", "--allow", "GET /**", "--user", "ana"],
    );
    let trust = trust_file(&env);
    let d = verify(
        &env,
        &v,
        &[
            "--trust-key",
            trust.to_str().unwrap(),
            "--method",
            "GET",
            "--url",
            "/api/x",
        ],
    )
    .0;
    assert_eq!(d["allowed"], true, "{d}");
    sql(
        &env,
        r#"UPDATE users SET privileges = '["* /**"]' WHERE name = 'ana'"#,
    );
    assert_forged(&env, &v, &trust, "user's privileges widened");
    let mut store =
        keyadm::Store::open(&env.db(), keyadm::Access::Existing, chrono::Utc::now()).unwrap();
    let key = keyadm::store::TrustKey::read(&trust).unwrap();
    let forged = store
        .read(chrono::Utc::now(), |tx| tx.forged_rows(&key, None))
        .unwrap();
    assert_eq!(forged.len(), 1);
    assert_eq!((forged[0].table, forged[0].id.as_str()), ("user", "ana"));
}

#[test]
fn a_planted_trust_key_is_refused() {
    let env = Env::at(NOW);
    let v = env.generate("svc", &["--type", "internal"]);
    let trust = trust_file(&env);
    std::fs::set_permissions(&trust, std::fs::Permissions::from_mode(0o666)).unwrap();
    let r = env.run_stdin(&["verify", "--trust-key", trust.to_str().unwrap()], &v);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("may be written by others"),
        "{}",
        r.stderr
    );
}

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/store-0.1");

#[test]
fn a_0_1_store_is_signed_on_first_unlock_and_every_key_still_verifies() {
    let mut env = Env::at("2026-11-21T09:00:00Z");
    env.actor = "root".into();
    for (file, to) in [("keys.db", env.db()), ("master.key", env.master())] {
        let dir = to.parent().unwrap();
        std::fs::create_dir_all(dir).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::copy(Path::new(FIXTURE).join(file), &to).unwrap();
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let value = |name: &str| {
        std::fs::read_to_string(Path::new(FIXTURE).join(format!("{name}.val")))
            .unwrap()
            .trim()
            .to_string()
    };
    let names = [
        "billing",
        "acme-int",
        "globex-sync",
        "desk",
        "once",
        "rotated",
        "rotated-old",
        "legacy",
    ];
    // Before any unlock: verifiers keep working (no trust key yet).
    let (d, _) = verify(&env, &value("billing"), &[]);
    assert_eq!(d["allowed"], true, "{d}");
    // The first command that unlocks the master key signs every row.
    let trust = trust_file(&env);
    for name in names {
        let d = verify_trusted(&env, &value(name), &trust);
        assert_eq!(d["allowed"], true, "{name}: {d}");
    }
    let vals: Vec<String> = names.iter().map(|n| value(n)).collect();
    let refs: Vec<&str> = vals.iter().map(String::as_str).collect();
    let out = batch(&env, &refs, &trust);
    assert!(out.iter().all(|d| d["allowed"] == true), "{out:?}");
    // Only once: a row unsigned after that stays forged.
    sql(
        &env,
        "UPDATE keys SET row_sig = NULL WHERE name = 'billing'",
    );
    env.ok(&["trust", "export"]);
    assert_forged(
        &env,
        &value("billing"),
        &trust,
        "unsigned after the upgrade",
    );
}
