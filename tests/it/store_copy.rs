//! `keyadm store copy FROM TO` (issue 13, item 10): a whole store from
//! SQLite to PostgreSQL and back, all or nothing, into an empty target;
//! `audit verify` intact and every key verifying on each copy.
use crate::common;

use common::pg::cluster;
use common::Env;

/// A key's value and its name, with what `verify` says of it.
struct Value {
    name: &'static str,
    value: String,
}

/// The source: keys of every kind (rotated in grace, show-once,
/// rate-limited, user-bound, disabled), a user, an org, a setting.
/// `user` is a name of its own per test: the cluster's roles are shared.
fn source(user: &str) -> (Env, Vec<Value>) {
    let env = Env::new();
    env.ok(&["org", "add", "acme"]);
    env.ok(&["user", "add", user, "--org", "acme", "--role", "member"]);
    env.ok(&["config", "set", "rotation-grace", "3d"]);
    let mut values = Vec::new();
    let mut add = |name: &'static str, value: String| values.push(Value { name, value });
    add("plain", env.generate("plain", &["--type", "internal"]));
    let old = env.generate("rotated", &["--expires", "90d", "--rotate-every", "30d"]);
    let new = env.ok(&["rotate", "rotated", "-q", "--grace", "7d"]);
    add("rotated", old);
    add("rotated", new.trim().to_string());
    add("once", env.generate("once", &["--show-once"]));
    add(
        "limited",
        env.generate("limited", &["--rate-limit", "100/1m", "--tag", "a"]),
    );
    add(
        "bound",
        env.generate("bound", &["--user", user, "--org", "acme"]),
    );
    add("off", env.generate("off", &[]));
    env.ok(&["disable", "off", "--reason", "leaked"]);
    (env, values)
}

/// What `verify` says of each value on the store at `db`: exit code and output.
fn verdicts(env: &Env, db: &str, values: &[Value]) -> Vec<(i32, String)> {
    values
        .iter()
        .map(|v| {
            let r = env.run_stdin(&["--db", db, "verify", "--json"], &v.value);
            assert!(r.code == 0 || r.code == 1, "{}: {}", v.name, r.stderr);
            (r.code, r.stdout)
        })
        .collect()
}

fn shows(env: &Env, db: &str) -> Vec<serde_json::Value> {
    ["plain", "rotated", "once", "limited", "bound", "off"]
        .iter()
        .map(|k| {
            let mut v: serde_json::Value =
                serde_json::from_str(&env.ok(&["--db", db, "show", k, "--json"])).unwrap();
            // When it was last used: verify records it.
            for f in [
                "last_used_at",
                "current_used_at",
                "previous_used_at",
                "last_used",
            ] {
                v.as_object_mut().unwrap().remove(f);
            }
            v
        })
        .collect()
}

/// The URL of `db` as the role `tester` (who the tests' actor is).
fn pg_url(db: &str) -> String {
    cluster().ensure_role("tester");
    cluster().url(db).replacen("postgres@", "tester@", 1)
}

fn tables(db: &str) -> String {
    cluster().psql(
        db,
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
    )
}

#[test]
fn sqlite_to_postgresql_and_back_keeps_every_key_and_the_audit_chains() {
    let (env, values) = source("copy-bob");
    let file = env.db().display().to_string();
    let before = verdicts(&env, &file, &values);
    // Enabled keys verify (both values of the rotated one); the disabled
    // one not, nor the one of a member without privileges.
    let codes: Vec<i32> = before.iter().map(|v| v.0).collect();
    assert_eq!(codes, [0, 0, 0, 0, 0, 1, 1], "{before:?}");
    assert!(
        before[5].1.contains("user_lacks_privilege"),
        "{}",
        before[5].1
    );
    let shown = shows(&env, &file);

    // Into PostgreSQL: the user has no role there, the operator neither.
    let db = cluster().create_db();
    let url = pg_url(&db);
    let err = env.fails(&["store", "copy", &file, &url], 4);
    assert!(err.contains("copy-bob"), "{err}");
    assert_eq!(tables(&db).trim(), "0", "nothing written");
    let r = env.run(&[
        "store",
        "copy",
        &file,
        &url,
        "--create-logins",
        "--operator-role",
        "tester",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("6 keys"), "{}", r.stderr);
    assert_eq!(
        cluster()
            .psql(
                &db,
                "SELECT count(*) FROM pg_roles WHERE rolname = 'copy-bob'"
            )
            .trim(),
        "1"
    );
    assert_eq!(
        cluster().psql(&db, "SELECT name FROM operators").trim(),
        "tester"
    );
    let audit = env.ok(&["--db", &url, "audit", "verify"]);
    assert!(audit.contains("intact"), "{audit}");
    assert_eq!(verdicts(&env, &url, &values), before);
    assert_eq!(shows(&env, &url), shown);
    // The same store: its ID and trust key.
    let trust = env.ok(&["trust", "export"]);
    assert_eq!(env.ok(&["--db", &url, "trust", "export"]), trust);

    // And back into a new file.
    let back = env.dir.path().join("back/keys.db");
    let back_s = back.display().to_string();
    env.ok(&["store", "copy", &url, &back_s]);
    let audit = env.ok(&["--db", &back_s, "audit", "verify"]);
    assert!(audit.contains("intact"), "{audit}");
    assert_eq!(verdicts(&env, &back_s, &values), before);
    assert_eq!(shows(&env, &back_s), shown);
    assert_eq!(env.ok(&["--db", &back_s, "trust", "export"]), trust);
    let users = env.ok(&["--db", &back_s, "user", "list"]);
    assert!(users.contains("copy-bob"), "{users}");
    // Users, settings, orgs and the audit log read the same on every copy.
    for args in [
        &["user", "list", "--json"][..],
        &["config", "list", "--json"],
        &["org", "list", "--json"],
        &["audit", "--json"],
    ] {
        let of = |db: &str| {
            let mut a = vec!["--db", db];
            a.extend_from_slice(args);
            env.ok(&a)
        };
        let original = of(&file);
        assert_eq!(of(&url), original, "{args:?}");
        assert_eq!(of(&back_s), original, "{args:?}");
    }
}

#[test]
fn a_target_that_is_not_empty_is_refused_and_left_as_it_was() {
    let (env, _) = source("copy-carol");
    let file = env.db().display().to_string();
    // A file that is there.
    let other = env.dir.path().join("other.db");
    std::fs::write(&other, b"not empty").unwrap();
    let err = env.fails(&["store", "copy", &file, other.to_str().unwrap()], 4);
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(std::fs::read(&other).unwrap(), b"not empty");
    // A PostgreSQL database holding a store already.
    let db = cluster().create_db();
    let url = pg_url(&db);
    env.ok(&["--db", &url, "init"]);
    let dump = cluster().dump(&db);
    let err = env.fails(&["store", "copy", &file, &url, "--create-logins"], 4);
    assert!(err.contains("holds a keyadm store already"), "{err}");
    assert_eq!(cluster().dump(&db), dump);
    // A database with other tables.
    let db = cluster().create_db();
    cluster().psql(&db, "CREATE TABLE theirs (x int)");
    let url = pg_url(&db);
    let err = env.fails(&["store", "copy", &file, &url], 4);
    assert!(err.contains("theirs"), "{err}");
    // Nothing left beside the source either.
    let left: Vec<_> = std::fs::read_dir(env.db().parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".copy-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_password_in_the_target_url_on_the_command_line_is_refused() {
    let (env, _) = source("copy-dave");
    let file = env.db().display().to_string();
    let err = env.fails(
        &["store", "copy", &file, "postgresql://u:secret@localhost/db"],
        2,
    );
    assert!(!err.contains("secret"), "{err}");
    assert!(err.contains("KEYADM_COPY_TO"), "{err}");
    // From the environment: taken (an empty database gets the copy).
    let db = cluster().create_db();
    let url = pg_url(&db);
    let r: common::Run = env
        .cmd()
        .env("KEYADM_COPY_TO", &url)
        .args([
            "store",
            "copy",
            &file,
            "--create-logins",
            "--operator-role",
            "tester",
        ])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let audit = env.ok(&["--db", &url, "audit", "verify"]);
    assert!(audit.contains("intact"), "{audit}");
}

#[test]
fn sqlite_to_sqlite_is_a_copy_too() {
    let (env, values) = source("copy-erin");
    let file = env.db().display().to_string();
    let before = verdicts(&env, &file, &values);
    let to = env.dir.path().join("copy.db").display().to_string();
    env.ok(&["store", "copy", &file, &to]);
    assert!(env.ok(&["--db", &to, "audit", "verify"]).contains("intact"));
    assert_eq!(verdicts(&env, &to, &values), before);
    env.fails(&["store", "copy", &file, &file], 2);
    // The whole store is an operator's: a tenant's user may not copy it.
    let other = env.dir.path().join("theirs.db");
    let err = env.fails_as(
        "copy-erin",
        &["store", "copy", &file, other.to_str().unwrap()],
        4,
    );
    assert!(err.contains("may not copy the whole store"), "{err}");
    assert!(!other.exists());
}

#[test]
fn a_column_the_copy_does_not_know_is_refused_and_nothing_is_written() {
    let (env, _) = source("copy-frank");
    let file = env.db().display().to_string();
    env.execute_sql("ALTER TABLE keys ADD COLUMN owner TEXT");
    let to = env.dir.path().join("data/copy.db");
    let err = env.fails(&["store", "copy", &file, to.to_str().unwrap()], 5);
    assert!(err.contains("keys.owner"), "{err}");
    assert!(!to.exists());
    let left: Vec<_> = std::fs::read_dir(env.db().parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".copy-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // The same for a PostgreSQL target: no table made.
    let db = cluster().create_db();
    let err = env.fails(
        &["store", "copy", &file, &pg_url(&db), "--create-logins"],
        5,
    );
    assert!(err.contains("keys.owner"), "{err}");
    assert_eq!(tables(&db).trim(), "0");
}

#[test]
fn postgresql_to_postgresql_and_a_password_in_from_is_refused() {
    let (env, values) = source("copy-gina");
    let file = env.db().display().to_string();
    let before = verdicts(&env, &file, &values);
    let (a, b) = (cluster().create_db(), cluster().create_db());
    let (a, b) = (pg_url(&a), pg_url(&b));
    env.ok(&[
        "store",
        "copy",
        &file,
        &a,
        "--create-logins",
        "--operator-role",
        "tester",
    ]);
    env.ok(&["store", "copy", &a, &b]);
    assert!(env.ok(&["--db", &b, "audit", "verify"]).contains("intact"));
    assert_eq!(verdicts(&env, &b, &values), before);
    let err = env.fails(
        &[
            "store",
            "copy",
            "postgresql://u:hunter2@localhost/db",
            &file,
        ],
        2,
    );
    assert!(!err.contains("hunter2"), "{err}");
}

/// Every row of every table of an SQLite store, as text, sorted.
fn all_rows(path: &std::path::Path) -> Vec<(String, Vec<String>)> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut names: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    names.retain(|n| !n.starts_with("sqlite_"));
    names
        .into_iter()
        .map(|t| {
            let mut stmt = c.prepare(&format!("SELECT * FROM {t}")).unwrap();
            let n = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    Ok((0..n)
                        .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            rows.sort();
            (t, rows)
        })
        .collect()
}

#[test]
fn every_row_of_every_table_comes_back_the_same_through_postgresql() {
    let (env, _) = source("copy-hal");
    // The bookkeeping tables too: notices, their deliveries, sweep_kept.
    let id = env.show("off")["id"].as_str().unwrap().to_string();
    env.execute_sql(&format!(
        "INSERT INTO notices VALUES ('{id}', '2027-01-01T00:00:00Z', 7, 'sent', '2026-12-25T00:00:00Z');
         INSERT INTO notice_deliveries VALUES ('{id}', '2027-01-01T00:00:00Z', 7, 'webhook', 'failed', 3, '2026-12-25T00:00:00Z', 'timeout');
         INSERT INTO sweep_kept VALUES ('{id}', '2027-01-01T00:00:00Z', '2026-12-25T00:00:00Z');"
    ));
    let file = env.db().display().to_string();
    let url = pg_url(&cluster().create_db());
    // The operator becomes the role `tester` there, and comes back.
    let operator = env.ok(&["operator", "list", "-q"]).trim().to_string();
    assert!(
        !operator.is_empty() && !operator.contains('\n'),
        "{operator}"
    );
    env.ok(&[
        "store",
        "copy",
        &file,
        &url,
        "--create-logins",
        "--operator-role",
        "tester",
    ]);
    let back = env.dir.path().join("back.db");
    env.ok(&[
        "store",
        "copy",
        &url,
        back.to_str().unwrap(),
        "--operator-role",
        &operator,
    ]);
    let (a, b) = (all_rows(&env.db()), all_rows(&back));
    assert_eq!(a.len(), 11, "{a:?}");
    for ((ta, ra), (tb, rb)) in a.iter().zip(&b) {
        assert_eq!(ta, tb);
        assert!(
            !ra.is_empty() || ta == "settings",
            "{ta} has rows in the test"
        );
        assert_eq!(ra, rb, "{ta}");
    }
    assert_eq!(a.len(), b.len());
}
