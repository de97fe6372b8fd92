//! The shared store on PostgreSQL (issue 13, SPEC §5.10): selecting it,
//! its schema, who the actor is, and the server's clock. The capability
//! files run against it too (`tests/it/pg.rs`).
use crate::common;

use common::pg::{cluster, PASSWORD, PASSWORD_ROLE};
use common::Env;

/// A test of its own database, run against it with `--db`/`KEYADM_DB` as given.
fn pg_env() -> Env {
    let mut env = Env::new();
    env.pg = Some(cluster().create_db());
    env
}

#[test]
fn a_url_selects_postgresql_and_init_creates_the_schema() {
    let env = pg_env();
    let out = env.ok(&["init"]);
    assert!(out.contains("postgresql://tester@"), "{out}");
    let db = env.pg.as_ref().unwrap();
    let tables = cluster().psql(
        db,
        "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'",
    );
    for t in [
        "audit",
        "audit_heads",
        "keys",
        "keyadm_schema",
        "meta",
        "operators",
        "orgs",
        "users",
    ] {
        assert!(tables.split(',').any(|x| x.trim() == t), "{t} in {tables}");
    }
    // The creating role is the first operator.
    assert_eq!(
        cluster().psql(db, "SELECT name FROM operators").trim(),
        "tester"
    );
    // Nothing on disk but the master key.
    assert!(!env.dir.path().join("data").exists());
    assert!(env.master().exists());
    // Again: nothing to do.
    let again = env.run(&["init"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stderr.contains("already set up"), "{}", again.stderr);
}

#[test]
fn a_newer_schema_is_refused_untouched() {
    let env = pg_env();
    env.ok(&["init"]);
    let db = env.pg.as_ref().unwrap();
    cluster().psql(db, "UPDATE keyadm_schema SET version = 999");
    let before = cluster().dump(db);
    let err = env.fails(&["list"], 5);
    assert!(err.contains("schema version 999"), "{err}");
    assert_eq!(cluster().dump(db), before);
}

#[test]
fn a_database_with_other_tables_is_not_a_store() {
    let env = pg_env();
    let db = env.pg.as_ref().unwrap();
    cluster().psql(db, "CREATE TABLE invoices (id int)");
    let err = env.fails(&["init"], 5);
    assert!(err.contains("not a keyadm store"), "{err}");
    assert!(
        cluster()
            .psql(db, "SELECT to_regclass('keys') IS NULL")
            .trim()
            == "t"
    );
}

#[test]
fn a_password_in_db_is_exit_2_and_in_keyadm_db_it_is_accepted_and_never_printed() {
    let env = pg_env();
    let db = env.pg.as_ref().unwrap();
    cluster().psql(
        db,
        &format!("GRANT ALL ON SCHEMA public TO {PASSWORD_ROLE}; ALTER DATABASE {db} OWNER TO {PASSWORD_ROLE}"),
    );
    let host = cluster().host().replace('/', "%2F");
    let with_pw = format!("postgresql://{PASSWORD_ROLE}:{PASSWORD}@{host}/{db}");
    let err = env.fails(&["--db", &with_pw, "list"], 2);
    assert!(!err.contains(PASSWORD), "{err}");
    assert!(err.contains("--db"), "{err}");
    // In KEYADM_DB it is fine, and not shown.
    let out = env
        .cmd()
        .env("KEYADM_DB", &with_pw)
        .env("KEYADM_ACTOR", PASSWORD_ROLE)
        .args(["init"])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
    // A wrong password: exit 5, the URL named without it.
    let wrong = format!("postgresql://{PASSWORD_ROLE}:nope@{host}/{db}");
    let out = env
        .cmd()
        .env("KEYADM_DB", &wrong)
        .args(["list"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    common::assert_error_form(&err);
    assert!(!err.contains("nope"), "{err}");
    assert!(
        err.contains(&format!("postgresql://{PASSWORD_ROLE}@")),
        "{err}"
    );
    // PGPASSWORD fills in what the URL leaves out.
    let bare = format!("postgresql://{PASSWORD_ROLE}@{host}/{db}");
    let out = env
        .cmd()
        .env("KEYADM_DB", &bare)
        .env("PGPASSWORD", PASSWORD)
        .args(["list"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_unreachable_server_or_a_missing_database_is_exit_5_with_the_url() {
    let env = pg_env();
    let host = cluster().host().replace('/', "%2F");
    for url in [
        format!("postgresql://postgres@{host}/no_such_db"),
        "postgresql://postgres@%2Fnonexistent%2Fsocket/x".to_string(),
    ] {
        let out = env
            .cmd()
            .env("KEYADM_DB", &url)
            .args(["list"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{url}: {err}");
        common::assert_error_form(&err);
        assert!(err.contains("postgresql://postgres@"), "{err}");
    }
}

#[test]
fn pg_variables_never_select_postgresql_alone() {
    // A plain path with every PG* variable set is still the SQLite file.
    let env = Env::new();
    let host = cluster().host().to_string();
    let out = env
        .cmd()
        .env("PGHOST", &host)
        .env("PGUSER", "postgres")
        .env("PGDATABASE", "postgres")
        .args(["generate", "k", "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(env.db().exists());
    // And the key=value form only after pg:.
    let kv = format!("host={host} dbname=postgres");
    let env2 = Env::new();
    let out = env2
        .cmd()
        .env("KEYADM_DB", &kv)
        .args(["list"])
        .output()
        .unwrap();
    // Taken as a path (that does not exist): not a connection.
    assert_ne!(out.status.code(), Some(0));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("PostgreSQL"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_pg_prefix_takes_key_value_pairs() {
    let env = pg_env();
    let db = env.pg.as_ref().unwrap();
    let kv = format!("pg:host={} dbname={db}", cluster().host());
    let out = env
        .cmd()
        .env("KEYADM_DB", &kv)
        .args(["generate", "k", "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(cluster().psql(db, "SELECT name FROM keys").trim(), "k");
}

#[test]
fn the_actor_is_the_role_and_a_declared_name_is_only_a_label() {
    let env = pg_env();
    env.ok(&["init"]);
    // Declared "mallory", connected as tester (an operator): tester acts.
    let db = env.pg.as_ref().unwrap();
    let out = env
        .cmd()
        .env("KEYADM_ACTOR", "mallory")
        .args(["generate", "k", "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let row = cluster().psql(db, "SELECT actor, details::json->>'actor_label', created_by FROM audit JOIN keys ON keys.id = audit.key_id");
    assert_eq!(row.trim(), "tester|mallory|tester");
    // A role that is no operator and no user is refused, whatever it declares.
    cluster().ensure_role("stranger");
    let out = env
        .cmd()
        .env("PGUSER", "stranger")
        .env("KEYADM_ACTOR", "tester")
        .args(["list"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("database role \"stranger\""), "{err}");
}

#[test]
fn audit_times_are_the_servers_never_keyadm_now() {
    let mut env = pg_env();
    env.now = Some("2030-01-01T00:00:00Z".into());
    env.ok(&["generate", "k", "-q"]);
    let db = env.pg.as_ref().unwrap();
    let row = cluster().psql(
        db,
        "SELECT abs(extract(epoch FROM (at::timestamptz - now()))) < 120, as_of FROM audit",
    );
    assert_eq!(row.trim(), "t|2030-01-01T00:00:00Z");
}

#[test]
fn a_dump_of_the_database_holds_no_key_value() {
    let env = pg_env();
    let values: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|n| env.generate(n, &["--type", "internal"]))
        .collect();
    let rotated = env.ok(&["rotate", "a", "--json"]);
    let dump = cluster().dump(env.pg.as_ref().unwrap());
    assert!(
        dump.contains("COPY public.keys"),
        "the dump has the keys table"
    );
    for v in &values {
        assert!(v.starts_with("kadm_"), "{v}");
        assert!(!dump.contains(v.as_str()), "a key value is in the dump");
        // Nor its secret part alone.
        assert!(!dump.contains(&v[7..]), "a key's secret is in the dump");
    }
    let new: serde_json::Value = serde_json::from_str(&rotated).unwrap();
    let new_value = new[0]["value"]
        .as_str()
        .or(new["value"].as_str())
        .unwrap_or_default()
        .to_string();
    if !new_value.is_empty() {
        assert!(!dump.contains(&new_value));
    }
}

#[test]
fn eight_processes_generating_at_once_stop_at_exactly_300_keys() {
    let env = pg_env();
    env.ok(&["init"]);
    let children: Vec<_> = (0..8)
        .map(|p| {
            let mut c = env.std_cmd();
            let script = (0..50)
                .map(|i| {
                    format!("\"$0\" generate k{p}-{i} -q >/dev/null 2>>\"$1\"; echo $? >>\"$2\"")
                })
                .collect::<Vec<_>>()
                .join("\n");
            let bin = c.get_program().to_owned();
            let errs = env.dir.path().join(format!("err{p}"));
            let codes = env.dir.path().join(format!("codes{p}"));
            let mut sh = std::process::Command::new("sh");
            sh.arg("-c").arg(script).arg(bin).arg(&errs).arg(&codes);
            for (k, v) in c.get_envs() {
                match v {
                    Some(v) => sh.env(k, v),
                    None => sh.env_remove(k),
                };
            }
            c = sh;
            c.spawn().unwrap()
        })
        .collect();
    for mut ch in children {
        assert!(ch.wait().unwrap().success());
    }
    let mut codes = Vec::new();
    let mut errs = String::new();
    for p in 0..8 {
        codes.extend(
            std::fs::read_to_string(env.dir.path().join(format!("codes{p}")))
                .unwrap()
                .lines()
                .map(|l| l.trim().parse::<i32>().unwrap()),
        );
        errs.push_str(&std::fs::read_to_string(env.dir.path().join(format!("err{p}"))).unwrap());
    }
    assert_eq!(codes.len(), 400);
    assert_eq!(codes.iter().filter(|c| **c == 0).count(), 300, "{errs}");
    assert_eq!(codes.iter().filter(|c| **c == 4).count(), 100, "{errs}");
    // The only refusal is the documented limit, once per refused generate.
    let refusals = errs.lines().filter(|l| l.starts_with("error: ")).count();
    assert_eq!(refusals, 100, "{errs}");
    assert!(
        errs.lines()
            .filter(|l| l.starts_with("error: "))
            .all(|l| l.contains("300")),
        "{errs}"
    );
    let db = env.pg.as_ref().unwrap();
    assert_eq!(
        cluster().psql(db, "SELECT count(*) FROM keys").trim(),
        "300"
    );
    common::proof::assert_audit_intact(&env);
}

#[test]
fn a_write_lock_held_past_the_busy_timeout_is_exit_5_and_changes_nothing() {
    let env = pg_env();
    env.ok(&["init"]);
    let db = env.pg.as_ref().unwrap();
    let mut holder = cluster().client(db);
    holder
        .batch_execute("BEGIN; SELECT pg_advisory_xact_lock(118083572294765)")
        .unwrap();
    let started = std::time::Instant::now();
    let err = env.fails(&["generate", "k", "-q"], 5);
    assert!(err.contains("the store is locked"), "{err}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(4));
    holder.batch_execute("ROLLBACK").unwrap();
    assert_eq!(cluster().psql(db, "SELECT count(*) FROM keys").trim(), "0");
    env.ok(&["generate", "k", "-q"]);
}

#[test]
fn both_dialects_make_the_same_tables_and_columns() {
    let file = Env::new();
    file.ok(&["init"]);
    let mut sqlite: Vec<String> = file
        .query(
            "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
             WHERE m.type = 'table' ORDER BY 1",
        )
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    sqlite.sort();
    let env = pg_env();
    env.ok(&["init"]);
    let mut pg: Vec<String> = env
        .query(
            "SELECT table_name || '.' || column_name FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> 'keyadm_schema' ORDER BY 1",
        )
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    pg.sort();
    assert!(sqlite.len() > 50, "{sqlite:?}");
    assert_eq!(sqlite, pg);
}

#[test]
fn a_verifier_on_postgresql_sees_a_key_disabled_within_a_second() {
    let env = pg_env();
    let value = env.generate("svc", &[]);
    let db = env.pg.as_ref().unwrap();
    let mut v = pg_verifier(db);
    let req = keyadm::Request {
        key: &value,
        ..keyadm::Request::default()
    };
    assert_eq!(v.verify(&req).reason, None);
    env.ok(&["disable", "svc"]);
    wait_until(std::time::Duration::from_secs(1), || {
        match v.verify(&req).reason {
            Some(_) => Ok(()),
            None => Err("still allowed".into()),
        }
    });
}

/// Polls `done` every 20 ms until it is `Ok`; fails after `limit` with its last `Err`.
fn wait_until(limit: std::time::Duration, mut done: impl FnMut() -> Result<(), String>) {
    let start = std::time::Instant::now();
    loop {
        let why = match done() {
            Ok(()) => return,
            Err(why) => why,
        };
        assert!(start.elapsed() < limit, "{why} after {limit:?}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The library's Verifier on the test database `db`, recording no use.
fn pg_verifier(db: &str) -> keyadm::Verifier {
    let target =
        keyadm::store::PgTarget::parse(&cluster().url(db), &keyadm::store::PgEnv::default())
            .unwrap();
    keyadm::Verifier::open_pg_trusted(
        &target,
        keyadm::VerifierOptions { record_uses: false },
        &keyadm::ops::verify::TrustChoice::default(),
    )
    .unwrap()
}

#[test]
fn when_the_server_goes_away_a_command_is_exit_5_and_after_a_restart_it_works() {
    let own = common::pg::Cluster::start_durable();
    let db = own.create_db();
    let url = own.url(&db);
    let env = Env::new();
    let run = |args: &[&str]| -> common::Run {
        env.cmd()
            .env("KEYADM_DB", &url)
            .args(args)
            .output()
            .unwrap()
            .into()
    };
    assert_eq!(run(&["generate", "k1", "-q"]).code, 0);
    own.stop_immediate();
    let r = run(&["generate", "k2", "-q"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    common::assert_error_form(&r.stderr);
    assert!(r.stderr.contains("postgresql://postgres@"), "{}", r.stderr);
    own.restart();
    let r = run(&["generate", "k2", "-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let list = run(&["list", "--json"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let names: Vec<String> = serde_json::from_str::<serde_json::Value>(&list.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["k1", "k2"]);
    assert_eq!(run(&["audit", "verify"]).code, 0);
}

#[test]
fn a_user_name_is_at_most_63_bytes_on_postgresql() {
    let env = pg_env();
    env.ok(&["init"]);
    let long = "u".repeat(64);
    let err = env.fails(&["user", "add", &long, "--role", "member"], 2);
    assert!(err.contains("at most 63 bytes"), "{err}");
    assert_eq!(
        cluster()
            .psql(env.pg.as_ref().unwrap(), "SELECT count(*) FROM users")
            .trim(),
        "0"
    );
    env.ok(&["user", "add", &"u".repeat(63), "--role", "member"]);
    // A file store keeps its own limit.
    let file = Env::new();
    file.ok(&["user", "add", &long, "--role", "member"]);
}

/// A login role that is no superuser (cluster-wide: names are this test's own).
fn plain_role(name: &str) {
    cluster().psql(
        "postgres",
        &format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN CREATE ROLE {name} LOGIN; END IF; END $$"
        ),
    );
    assert_eq!(
        cluster()
            .psql(
                "postgres",
                &format!("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = '{name}'")
            )
            .trim(),
        "f"
    );
}

/// `psql` as `role` on `db`: (succeeded, stdout, stderr).
fn psql_as(role: &str, db: &str, sql: &str) -> (bool, String, String) {
    let c = cluster();
    let out = std::process::Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(c.bin.join("psql"))
        .args([
            "-X",
            "-q",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            c.host(),
            "-U",
            role,
            "-d",
            db,
            "-c",
            sql,
        ])
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// keyadm connected as `role` (and declaring it).
fn keyadm_as(env: &Env, role: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let out = env
        .cmd()
        .env("PGUSER", role)
        .env("KEYADM_ACTOR", role)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Two tenants, acme (admin rls_acme_adm, member rls_acme_mem) and globex
/// (admin rls_globex_adm), each role no superuser; each tenant has a key.
fn rls_store() -> (Env, String) {
    for r in ["rls_acme_adm", "rls_acme_mem", "rls_globex_adm"] {
        plain_role(r);
    }
    let env = pg_env();
    env.ok(&["init"]);
    env.ok(&["org", "add", "acme/emea"]);
    env.ok(&["org", "add", "globex"]);
    env.ok(&[
        "user",
        "add",
        "rls_acme_adm",
        "--org",
        "acme",
        "--role",
        "admin",
    ]);
    env.ok(&["user", "add", "rls_acme_mem", "--org", "acme/emea"]);
    env.ok(&[
        "user",
        "add",
        "rls_globex_adm",
        "--org",
        "globex",
        "--role",
        "admin",
    ]);
    let (code, _, err) = keyadm_as(&env, "rls_acme_adm", &["generate", "acme-k", "-q"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = keyadm_as(&env, "rls_globex_adm", &["generate", "globex-k", "-q"]);
    assert_eq!(code, Some(0), "{err}");
    let db = env.pg.clone().unwrap();
    (env, db)
}

#[test]
fn with_psql_a_tenant_admin_reads_and_changes_only_its_tenants_rows() {
    let (_env, db) = rls_store();
    let a = "rls_acme_adm";
    // Its own tenant's rows, and nothing of globex's.
    let (ok, out, err) = psql_as(
        a,
        &db,
        "SELECT string_agg(name, ',' ORDER BY name) FROM keys",
    );
    assert!(ok, "{err}");
    assert_eq!(out, "acme-k");
    let (ok, out, err) = psql_as(
        a,
        &db,
        "SELECT string_agg(name, ',' ORDER BY name) FROM users",
    );
    assert!(ok, "{err}");
    assert_eq!(out, "rls_acme_adm,rls_acme_mem");
    let (ok, out, err) = psql_as(
        a,
        &db,
        "SELECT string_agg(path, ',' ORDER BY path) FROM orgs",
    );
    assert!(ok, "{err}");
    assert_eq!(out, "acme,acme/emea");
    let (ok, out, err) = psql_as(
        a,
        &db,
        "SELECT count(*), count(*) FILTER (WHERE tenant IS DISTINCT FROM 'acme') FROM audit",
    );
    assert!(ok, "{err}");
    assert!(out.ends_with("|0") && !out.starts_with("0|"), "{out}");
    let (ok, out, _) = psql_as(
        a,
        &db,
        "SELECT count(*) FROM audit_heads WHERE chain <> 'acme'",
    );
    assert!(ok);
    assert_eq!(out, "0");
    // Changing globex's rows touches none.
    let before = cluster().dump(&db);
    for sql in [
        "WITH u AS (UPDATE keys SET enabled = 0 WHERE tenant = 'globex' RETURNING 1) SELECT count(*) FROM u",
        "WITH u AS (DELETE FROM keys WHERE tenant = 'globex' RETURNING 1) SELECT count(*) FROM u",
        "WITH u AS (UPDATE users SET role = 'member' WHERE tenant = 'globex' RETURNING 1) SELECT count(*) FROM u",
        "WITH u AS (DELETE FROM users WHERE tenant = 'globex' RETURNING 1) SELECT count(*) FROM u",
        "WITH u AS (DELETE FROM orgs WHERE tenant = 'globex' RETURNING 1) SELECT count(*) FROM u",
    ] {
        let (ok, out, err) = psql_as(a, &db, sql);
        assert!(ok, "{sql}: {err}");
        assert_eq!(out, "0", "{sql}");
    }
    // Audit entries and heads are written only through keyadm_append_audit.
    for sql in [
        "DELETE FROM audit WHERE tenant = 'globex'",
        "UPDATE audit SET details = '{}'",
        "DELETE FROM audit_heads",
        "UPDATE audit_heads SET seq = 0 WHERE chain = 'acme'",
        "INSERT INTO audit (seq, at, actor, action, tenant, chain, chain_seq, details, hash) VALUES (99999, 'now', 'rls_acme_adm', 'delete', 'acme', 'acme', 99, '{}', '')",
    ] {
        let (ok, _, err) = psql_as(a, &db, sql);
        assert!(!ok && err.contains("permission denied"), "{sql}: {err}");
    }
    let append = |role: &str, actor: &str, action: &str, tenant: &str| {
        psql_as(
            role,
            &db,
            &format!(
                "SELECT keyadm_append_audit((SELECT keyadm_audit_last_seq()) + 1, 'now', '{actor}', '{action}', NULL, NULL, '{tenant}', '{{}}', '\\x00', NULL, NULL, NULL, '{tenant}', 1000, '\\x00', NULL)"
            ),
        )
    };
    // Not into another tenant's chain, nor as another actor, nor off its chain's next place.
    let (ok, _, err) = append(a, a, "delete", "globex");
    assert!(!ok && err.contains("only as itself"), "{err}");
    let (ok, _, err) = append(a, "rls_acme_mem", "delete", "acme");
    assert!(!ok && err.contains("only as itself"), "{err}");
    let (ok, _, err) = append(a, a, "delete", "acme");
    assert!(!ok && err.contains("not the next one"), "{err}");
    // A member appends only reveals, copies and exports.
    let (ok, _, err) = append("rls_acme_mem", "rls_acme_mem", "delete", "acme");
    assert!(!ok && err.contains("is a member"), "{err}");
    // Moving its own row into globex, or writing one there, is refused.
    for sql in [
        "UPDATE keys SET tenant = 'globex', org = 'globex' WHERE name = 'acme-k'",
        "UPDATE users SET tenant = 'globex', org = 'globex' WHERE name = 'rls_acme_mem'",
        "INSERT INTO orgs (path, tenant, created_at) VALUES ('globex/x', 'globex', 'now')",
        "INSERT INTO users (name, org, tenant, created_at) VALUES ('x', 'globex', 'globex', 'now')",
        "UPDATE settings SET value = 'off'",
        "INSERT INTO operators (name, added_at, added_by) VALUES ('rls_acme_adm', 'now', 'me')",
        "UPDATE meta SET value = ''",
    ] {
        let (ok, _, err) = psql_as(a, &db, sql);
        if ok {
            // An UPDATE of rows it may not see changes none.
            continue;
        }
        assert!(
            err.contains("row-level security") || err.contains("permission denied"),
            "{sql}: {err}"
        );
    }
    assert_eq!(cluster().dump(&db), before);
    // A role that is no keyadm user sees no row.
    plain_role("rls_nobody");
    let (ok, out, _) = psql_as("rls_nobody", &db, "SELECT (SELECT count(*) FROM keys) + (SELECT count(*) FROM users) + (SELECT count(*) FROM audit) + (SELECT count(*) FROM meta) + (SELECT count(*) FROM settings) + (SELECT count(*) FROM orgs)");
    assert!(ok);
    assert_eq!(out, "0");
}

#[test]
fn through_keyadm_a_tenant_role_sees_only_its_tenant_and_the_operator_all() {
    let (env, db) = rls_store();
    let (code, out, err) = keyadm_as(&env, "rls_acme_adm", &["list"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("acme-k") && !out.contains("globex-k"), "{out}");
    let (code, _, err) = keyadm_as(&env, "rls_acme_adm", &["show", "globex-k"]);
    assert_eq!(code, Some(3), "{err}");
    // A member reads its tenant's keys and reveals one; it changes none,
    // with keyadm or with psql.
    let (code, out, err) = keyadm_as(&env, "rls_acme_mem", &["list"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("acme-k") && !out.contains("globex-k"), "{out}");
    let (code, _, err) = keyadm_as(&env, "rls_acme_mem", &["disable", "acme-k"]);
    assert_eq!(code, Some(4), "{err}");
    // Its reveal is audited: members append reveal, copy and export entries.
    let (code, out, err) = keyadm_as(&env, "rls_acme_mem", &["show", "acme-k", "--reveal"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.trim().is_empty(), "{out}");
    assert_eq!(
        cluster()
            .psql(
                &db,
                "SELECT count(*) FROM audit WHERE actor = 'rls_acme_mem' AND action = 'reveal'"
            )
            .trim(),
        "1"
    );
    let (ok, out, err) = psql_as(
        "rls_acme_mem",
        &db,
        "WITH u AS (UPDATE keys SET enabled = 0 RETURNING 1) SELECT count(*) FROM u",
    );
    assert!(ok, "{err}");
    assert_eq!(out, "0");
    let (ok, _, err) = psql_as(
        "rls_acme_mem",
        &db,
        "INSERT INTO audit (seq, at, actor, action, tenant, chain, chain_seq, details, hash) VALUES (99999, 'now', 'rls_acme_mem', 'reveal', 'acme', 'acme', 99, '{}', '')",
    );
    assert!(!ok && err.contains("permission denied"), "{err}");
    // The admin still works in its tenant, and its entries chain on.
    let (code, _, err) = keyadm_as(&env, "rls_acme_adm", &["disable", "acme-k"]);
    assert_eq!(code, Some(0), "{err}");
    // The operator (the role that ran init) sees every tenant, and the chains hold.
    let out = env.ok(&["list"]);
    assert!(out.contains("acme-k") && out.contains("globex-k"), "{out}");
    env.ok(&["audit", "verify"]);
    // A disabled user's role sees its own row and no key, and keyadm says why.
    env.ok(&["user", "disable", "rls_acme_mem"]);
    let (code, _, err) = keyadm_as(&env, "rls_acme_mem", &["list"]);
    assert_eq!(code, Some(4), "{err}");
    assert!(err.contains("disabled user"), "{err}");
    let (ok, out, err) = psql_as(
        "rls_acme_mem",
        &db,
        "SELECT (SELECT count(*) FROM keys) || ',' || (SELECT string_agg(name, ',') FROM users)",
    );
    assert!(ok, "{err}");
    assert_eq!(out, "0,rls_acme_mem");
    let both = cluster().psql(
        &db,
        "SELECT count(DISTINCT tenant) FROM audit WHERE tenant IN ('acme', 'globex')",
    );
    assert_eq!(both.trim(), "2");
}

#[test]
fn an_operator_creates_a_login_with_the_user_and_a_tenant_admin_cannot() {
    let (env, db) = rls_store();
    // No password: trust on the test socket. The role is no superuser and
    // sees its tenant only.
    env.ok(&[
        "user",
        "add",
        "rls_made_adm",
        "--org",
        "globex",
        "--role",
        "admin",
        "--create-login",
    ]);
    assert_eq!(
        cluster()
            .psql("postgres", "SELECT rolcanlogin, rolsuper OR rolcreaterole OR rolbypassrls OR rolcreatedb FROM pg_roles WHERE rolname = 'rls_made_adm'")
            .trim(),
        "t|f"
    );
    let (code, out, err) = keyadm_as(&env, "rls_made_adm", &["list"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("globex-k") && !out.contains("acme-k"), "{out}");
    // A password from stdin: set, and never stored or audited by keyadm.
    let run = env.run_stdin(
        &[
            "user",
            "add",
            "rls_made_pw",
            "--org",
            "acme",
            "--create-login",
            "--login-password-stdin",
        ],
        "n0t-in-the-store\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        cluster()
            .psql(
                "postgres",
                "SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'rls_made_pw'"
            )
            .trim(),
        "t"
    );
    assert!(!cluster().dump(&db).contains("n0t-in-the-store"));
    // A role that exists already is refused, and nothing changes.
    plain_role("rls_exists");
    let before = cluster().dump(&db);
    let err = env.fails(
        &[
            "user",
            "add",
            "rls_exists",
            "--org",
            "acme",
            "--create-login",
        ],
        4,
    );
    assert!(err.contains("exists already"), "{err}");
    // A tenant admin may not, neither through keyadm nor through the function.
    let (code, _, err) = keyadm_as(
        &env,
        "rls_acme_adm",
        &[
            "user",
            "add",
            "rls_by_admin",
            "--org",
            "acme",
            "--create-login",
        ],
    );
    assert_eq!(code, Some(4), "{err}");
    let (ok, _, err) = psql_as(
        "rls_acme_adm",
        &db,
        "SELECT keyadm_create_login('rls_by_admin', NULL)",
    );
    assert!(!ok && err.contains("only an operator"), "{err}");
    assert_eq!(
        cluster()
            .psql(
                "postgres",
                "SELECT count(*) FROM pg_roles WHERE rolname = 'rls_by_admin'"
            )
            .trim(),
        "0"
    );
    // A name taken in a tenant it cannot see is still taken (exit 4, not a store error).
    let (code, _, err) = keyadm_as(
        &env,
        "rls_globex_adm",
        &["user", "add", "rls_acme_mem", "--org", "globex"],
    );
    assert_eq!(code, Some(4), "{err}");
    assert!(err.contains("is taken"), "{err}");
    assert_eq!(cluster().dump(&db), before);
}

#[test]
fn create_login_on_a_file_store_is_exit_2() {
    let env = Env::new();
    env.ok(&["init"]);
    let err = env.fails(&["user", "add", "al", "--create-login"], 2);
    assert!(err.contains("PostgreSQL"), "{err}");
    let err = env.fails(&["user", "add", "al", "--login-password-stdin"], 2);
    assert!(err.contains("--create-login"), "{err}");
    assert!(env
        .ok(&["user", "list"])
        .lines()
        .all(|l| !l.contains("al ")));
}

/// keyadm connected as `role`, with `input` on its standard input.
fn keyadm_as_stdin(
    env: &Env,
    role: &str,
    args: &[&str],
    input: &str,
) -> (Option<i32>, String, String) {
    use std::io::Write;
    let mut child = env
        .std_cmd()
        .env("PGUSER", role)
        .env("KEYADM_ACTOR", role)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_service_role_verifies_and_records_last_use_but_reads_no_sealed_value() {
    let env = pg_env();
    let value = env.generate("svc", &[]);
    let db = env.pg.clone().unwrap();
    let svc = "svc_verifier";
    plain_role(svc);
    cluster().psql("postgres", &format!("GRANT keyadm_verifier TO {svc}"));

    // keyadm verify, verify --batch: answered, and the last use recorded.
    let (code, out, err) = keyadm_as_stdin(&env, svc, &["verify", "--json"], &value);
    assert_eq!(code, Some(0), "{out}{err}");
    let d: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["allowed"], true, "{out}");
    assert_eq!(
        cluster()
            .psql(&db, "SELECT current_used_at IS NOT NULL FROM keys")
            .trim(),
        "t"
    );
    let line = format!("{{\"key\": \"{value}\"}}\n");
    let (code, out, err) = keyadm_as_stdin(&env, svc, &["verify", "--batch"], &line);
    assert_eq!(code, Some(0), "{err}");
    let d: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(d["allowed"], true, "{out}");

    // With psql: no row of a table, and of the views no sealed value, no
    // description, no audit details, and no write but the last use.
    let (ok, out, err) = psql_as(
        svc,
        &db,
        "SELECT (SELECT count(*) FROM keys) + (SELECT count(*) FROM users) + (SELECT count(*) FROM audit) + (SELECT count(*) FROM meta)",
    );
    assert!(ok, "{err}");
    assert_eq!(out, "0");
    let (ok, out, err) = psql_as(
        svc,
        &db,
        "SELECT count(*), bool_and(sealed = '\\x'::bytea) FROM keyadm_verify.keys",
    );
    assert!(ok, "{err}");
    assert_eq!(out, "1|t");
    let sealed = cluster().psql(&db, "SELECT length(sealed) > 0 FROM keys");
    assert_eq!(sealed.trim(), "t", "the key has a sealed value to hide");
    for sql in [
        "SELECT details FROM keyadm_verify.audit",
        "UPDATE keyadm_verify.keys SET enabled = 0",
        "UPDATE keyadm_verify.keys SET rules = '[]'",
        "DELETE FROM keyadm_verify.keys",
        "UPDATE keys SET enabled = 0 RETURNING id",
        "INSERT INTO keyadm_verify.meta (name, value) VALUES ('x', 'y')",
    ] {
        let (ok, out, _) = psql_as(svc, &db, sql);
        assert!(!ok || out.is_empty(), "{sql}: {out}");
    }
    let (ok, _, err) = psql_as(
        svc,
        &db,
        "UPDATE keyadm_verify.keys SET last_used_at = last_used_at",
    );
    assert!(ok, "{err}");
    assert_eq!(cluster().psql(&db, "SELECT enabled FROM keys").trim(), "1");

    // keyadm as the service administers nothing and reveals nothing.
    for args in [
        &["list"][..],
        &["show", "svc", "--value"],
        &["disable", "svc"],
    ] {
        let (code, out, err) = keyadm_as(&env, svc, args);
        assert_eq!(code, Some(4), "{args:?}: {out}{err}");
        assert!(!out.contains(&value) && !err.contains(&value));
    }

    // A key disabled by an operator is denied to the service at once.
    env.ok(&["disable", "svc"]);
    let (code, out, err) = keyadm_as_stdin(&env, svc, &["verify", "--json"], &value);
    assert_eq!(code, Some(1), "{out}{err}");
    let d: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["reason"], "disabled", "{out}");
}

#[test]
fn login_password_asks_twice_on_a_terminal_and_never_echoes() {
    use common::pty::{Pty, ENTER};
    let env = pg_env();
    env.ok(&["init"]);
    env.ok(&["org", "add", "acme"]);
    let mut t = Pty::spawn(
        &env,
        &[
            "user",
            "add",
            "pw_prompted",
            "--org",
            "acme",
            "--create-login",
            "--login-password",
        ],
        &[],
    );
    t.answer(
        "Password for the login role pw_prompted",
        &format!("s3cret-one{ENTER}"),
    );
    t.answer("The same password again", &format!("s3cret-two{ENTER}"));
    t.expect("The two passwords differ");
    t.answer(
        "Password for the login role pw_prompted",
        &format!("s3cret-one{ENTER}"),
    );
    t.answer("The same password again", &format!("s3cret-one{ENTER}"));
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("s3cret"), "{screen}");
    assert_eq!(
        cluster()
            .psql(
                "postgres",
                "SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'pw_prompted'"
            )
            .trim(),
        "t"
    );
    // Without a terminal it is exit 2 naming the other way, and nothing is made.
    let err = env.fails(
        &[
            "user",
            "add",
            "pw_no_tty",
            "--org",
            "acme",
            "--create-login",
            "--login-password",
        ],
        2,
    );
    assert!(err.contains("--login-password-stdin"), "{err}");
    assert_eq!(
        cluster()
            .psql(
                "postgres",
                "SELECT count(*) FROM pg_roles WHERE rolname = 'pw_no_tty'"
            )
            .trim(),
        "0"
    );
    // Both ways at once are a usage error.
    env.fails(
        &[
            "user",
            "add",
            "pw_both",
            "--create-login",
            "--login-password",
            "--login-password-stdin",
        ],
        2,
    );
}

/// Waits (5 s at most) until `sql` on `db` prints `want`.
fn wait_for_psql(db: &str, sql: &str, want: &str) {
    wait_until(std::time::Duration::from_secs(5), || {
        let got = cluster().psql(db, sql);
        match got.trim() == want {
            true => Ok(()),
            false => Err(format!("{sql}: {got}, not {want},")),
        }
    });
}

#[test]
fn a_verifier_on_postgresql_listens_and_every_change_notifies() {
    let env = pg_env();
    env.generate("svc", &[]);
    let db = env.pg.clone().unwrap();
    let listening = "SELECT count(*) FROM pg_stat_activity
        WHERE datname = current_database() AND query = 'LISTEN keyadm_changes'";
    let v = pg_verifier(&db);
    // Its own connection listens, and is closed within seconds of the end.
    wait_for_psql(&db, listening, "1");
    drop(v);
    wait_for_psql(&db, listening, "0");

    // A change's commit notifies: psql listening hears a disable.
    let c = cluster();
    let psql = std::process::Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(c.bin.join("psql"))
        .args(["-X", "-h", c.host(), "-d", &db])
        .args([
            "-c",
            "LISTEN keyadm_changes",
            "-c",
            "SELECT pg_sleep(3)",
            "-c",
            "SELECT 1",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_psql(
        &db,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(3)' AND state = 'active'",
        "1",
    );
    env.ok(&["disable", "svc"]);
    let out = psql.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("Asynchronous notification \"keyadm_changes\""),
        "{text}"
    );
}
