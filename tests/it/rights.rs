//! The rights table of SPEC §5.1, checked row by row: every writing command
//! (and the audited reveals) × {operator, tenant admin, tenant member,
//! admin of another tenant} → the exit code, and nothing changed when it
//! is refused (nor anything of the tenant when another tenant's admin acts).

use crate::common;

use common::{assert_error_form, Env};

const NOW: &str = "2026-12-01T09:00:00Z";
/// Two days on: the key with a one-day rotation policy is due.
const LATER: &str = "2026-12-03T09:00:00Z";
/// Far on: every key with an expiry has expired and may be purged.
const FAR: &str = "2099-01-01T00:00:00Z";

/// Tenant acme (alice admin; bob and carol members), tenant globex (gary
/// admin), keys in both, and an export of a key of acme made elsewhere.
fn setup() -> Env {
    let env = Env::at(NOW);
    env.ok(&["org", "add", "acme/emea"]);
    env.ok(&["org", "add", "acme/empty"]);
    env.ok(&["org", "add", "globex"]);
    env.ok(&[
        "user",
        "add",
        "alice",
        "--org",
        "acme",
        "--role",
        "admin",
        "--email",
        "alice@acme.example",
        "--allow",
        "* /**",
    ]);
    env.ok(&[
        "user",
        "add",
        "bob",
        "--org",
        "acme",
        "--allow",
        "GET /api/**",
    ]);
    env.ok(&["user", "add", "carol", "--org", "acme/emea"]);
    env.ok(&["user", "add", "gary", "--org", "globex", "--role", "admin"]);
    let a_key = env.generate(
        "a-key",
        &["--org", "acme", "--rotate-every", "1d", "--expires", "10d"],
    );
    env.generate("a-off", &["--org", "acme"]);
    env.ok(&["disable", "a-off"]);
    env.generate("g-key", &["--org", "globex", "--expires", "10d"]);
    std::fs::write(env.dir.path().join("leak.txt"), format!("token={a_key}\n")).unwrap();
    // A key of acme exported from another store, to import.
    let other = Env::at(NOW);
    other.ok(&["org", "add", "acme"]);
    other.generate("imported", &["--org", "acme"]);
    let file = env.dir.path().join("import.csv");
    other.ok(&[
        "export",
        "--include-secrets",
        "--yes",
        "-o",
        file.to_str().unwrap(),
    ]);
    env
}

/// A copy of the set-up store in a folder of its own.
fn copy_of(base: &Env) -> Env {
    let env = Env::copy_store_of(base, Some(NOW));
    for f in ["leak.txt", "import.csv"] {
        std::fs::copy(base.dir.path().join(f), env.dir.path().join(f)).unwrap();
    }
    env
}

/// What the operator sees of tenant acme: its keys, users and organizations.
fn acme(env: &Env) -> String {
    let keys = env.ok_as("tester", &["--org", "acme", "list", "--json"]);
    let users = env.ok_as("tester", &["user", "list", "--org", "acme", "--json"]);
    let orgs: serde_json::Value =
        serde_json::from_str(&env.ok_as("tester", &["org", "list", "--json"])).unwrap();
    let orgs: Vec<&serde_json::Value> = orgs["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["tenant"] == "acme")
        .collect();
    format!("{keys}\n{users}\n{orgs:?}")
}

const ACTORS: [&str; 4] = ["tester", "alice", "bob", "gary"];

/// One row: the command, the as-of time it runs at, and the expected exit
/// code for the operator, acme's admin, acme's member and globex's admin.
struct Row {
    args: &'static [&'static str],
    at: &'static str,
    codes: [i32; 4],
}

const fn row(args: &'static [&'static str], codes: [i32; 4]) -> Row {
    Row {
        args,
        at: NOW,
        codes,
    }
}

const ROWS: &[Row] = &[
    row(&["generate", "new", "--org", "acme", "-q"], [0, 0, 4, 3]),
    row(&["edit", "a-key", "--description", "changed"], [0, 0, 4, 3]),
    row(&["disable", "a-key"], [0, 0, 4, 3]),
    row(&["enable", "a-off"], [0, 0, 4, 3]),
    row(&["delete", "a-off", "--yes"], [0, 0, 4, 3]),
    row(&["rotate", "a-key", "-q"], [0, 0, 4, 3]),
    Row {
        args: &["rotate", "--due", "-q"],
        at: LATER,
        codes: [0, 0, 4, 0],
    },
    row(&["import", "IMPORT"], [0, 0, 4, 3]),
    Row {
        args: &["sweep"],
        at: FAR,
        codes: [0, 0, 4, 0],
    },
    row(&["notify"], [0, 0, 4, 0]),
    row(&["scan", "--disable", "LEAK"], [1, 1, 4, 0]),
    row(&["org", "add", "acme/new"], [0, 0, 4, 4]),
    row(&["org", "remove", "acme/empty"], [0, 0, 4, 3]),
    row(&["user", "add", "dave", "--org", "acme"], [0, 0, 4, 3]),
    row(
        &["user", "edit", "carol", "--display-name", "Carol"],
        [0, 0, 4, 3],
    ),
    row(&["user", "disable", "carol"], [0, 0, 4, 3]),
    row(&["user", "remove", "carol", "--yes"], [0, 0, 4, 3]),
    row(&["config", "set", "scoped-api", "on"], [0, 4, 4, 4]),
    row(&["operator", "add", "ops2"], [0, 4, 4, 4]),
    // Audited reveals: a member's right too.
    row(&["show", "a-key", "--value"], [0, 0, 0, 3]),
    row(
        &[
            "export",
            "--org",
            "acme",
            "--include-secrets",
            "--yes",
            "-o",
            "OUT",
        ],
        [0, 0, 0, 3],
    ),
];

#[test]
fn every_writing_command_follows_the_rights_table() {
    let base = setup();
    let mut failures = Vec::new();
    for row in ROWS {
        for (actor, &want) in ACTORS.iter().zip(&row.codes) {
            let env = copy_of(&base);
            let path = |name: &str| env.dir.path().join(name).to_str().unwrap().to_string();
            let args: Vec<String> = row
                .args
                .iter()
                .map(|a| match *a {
                    "IMPORT" => path("import.csv"),
                    "LEAK" => path("leak.txt"),
                    "OUT" => path("out.csv"),
                    a => a.to_string(),
                })
                .collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let before = env.store_bytes();
            let acme_before = acme(&env);
            let r = env
                .cmd_as(actor)
                .env("KEYADM_NOW", row.at)
                .args(&args)
                .output()
                .expect("binary runs");
            let r: common::Run = r.into();
            if r.code != want {
                failures.push(format!(
                    "{actor}: keyadm {args:?}: exit {} (want {want}): {}",
                    r.code,
                    r.stderr.trim()
                ));
                continue;
            }
            if want > 1 {
                assert_error_form(&r.stderr);
                assert!(
                    env.store_bytes() == before,
                    "{actor}: keyadm {args:?} was refused but changed the store"
                );
                assert!(!env.dir.path().join("out.csv").exists());
            }
            if *actor == "gary" {
                assert_eq!(
                    acme(&env),
                    acme_before,
                    "globex's admin changed tenant acme with {args:?}"
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// SPEC §5.1: an operator's cron name registered once with `operator add`
/// cannot be taken by a tenant's admin, so the cron jobs stay the
/// operator's (reproduced: `user add cron` confined every later sweep).
#[test]
fn a_tenant_admin_cannot_squat_an_operator_name() {
    let env = setup();
    env.ok(&["operator", "add", "cron"]);
    let err = env.fails_as("alice", &["user", "add", "cron", "--org", "acme"], 4);
    assert!(err.contains("reserved"), "{err}");
    // cron's sweep reaches every tenant.
    let out = env
        .cmd_as("cron")
        .env("KEYADM_NOW", FAR)
        .args(["sweep", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let expired: Vec<&str> = report["expired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert!(expired.contains(&"g-key"), "{report}");
    assert!(expired.contains(&"a-key"), "{report}");
}

/// A declared name that is neither an operator nor a user, on an OS
/// account that is no operator, may do nothing (exit 4, with the hint).
#[test]
fn an_unknown_actor_on_an_unknown_account_is_refused() {
    let env = setup();
    // The test runs as the store's creator, an operator; remove that
    // account's name so that only a declared operator name remains.
    let me = env.ok(&["operator", "list", "-q"]);
    let me = me.lines().next().unwrap().to_string();
    env.ok(&["operator", "add", "ops"]);
    env.ok_as("ops", &["operator", "remove", &me]);
    let err = env.fails_as("stranger", &["list"], 4);
    assert!(err.contains("keyadm operator add stranger"), "{err}");
    // The declared operator name still acts as operator; verify needs no one.
    env.ok_as("ops", &["list"]);
    let value = env.ok_as("ops", &["show", "g-key", "--value"]);
    let r = env
        .cmd_as("stranger")
        .arg("verify")
        .write_stdin(value)
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "verify never depends on the actor"
    );
}

/// The operators of a 0.1 store are the owner of its file and the actors
/// of its audit log that are not registered users (SPEC §5.5).
#[test]
fn operators_are_recorded_from_init() {
    let env = Env::new();
    env.ok(&["init"]);
    let ops: serde_json::Value =
        serde_json::from_str(&env.ok(&["operator", "list", "--json"])).unwrap();
    let names: Vec<&str> = ops
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    let me = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let me = String::from_utf8(me.stdout).unwrap();
    // On PostgreSQL the creating role (SPEC §5.1), on a file the OS account.
    let me = match env.pg {
        Some(_) => env.actor.clone(),
        None => me.trim().to_string(),
    };
    assert_eq!(names, [me]);
}

#[test]
fn without_user_or_logname_the_actor_is_the_login_name_of_the_process() {
    let env = Env::new();
    let me = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let me = String::from_utf8_lossy(&me.stdout).trim().to_string();
    // On PostgreSQL the actor is the role that connected, whatever the
    // environment declares (SPEC §5.1).
    let me = match env.pg {
        Some(_) => env.actor.clone(),
        None => me,
    };
    let r: common::Run = env
        .cmd()
        .env_remove("KEYADM_ACTOR")
        .env_remove("USER")
        .env_remove("LOGNAME")
        .args(["generate", "a", "-q"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(env.show("a")["created_by"], me.as_str());
}

/// `operator add|remove|list`: each documented refusal, with its exit code,
/// and nothing changed.
#[test]
fn operator_commands_refuse_what_would_break_the_store() {
    let env = setup();
    let before = env.ok(&["operator", "list", "--json"]);
    // A registered user's name cannot be an operator's.
    let err = env.fails_as("tester", &["operator", "add", "alice"], 4);
    assert!(err.contains("registered user"), "{err}");
    // No such operator.
    env.fails_as("tester", &["operator", "remove", "nobody-here"], 3);
    // The last operator stays.
    let me = env.ok(&["operator", "list", "-q"]).trim().to_string();
    let err = env.fails_as("tester", &["operator", "remove", &me], 4);
    assert!(err.contains("only operator"), "{err}");
    // Only an operator changes them (a tenant admin may not).
    env.fails_as("alice", &["operator", "add", "x"], 4);
    assert_eq!(env.ok(&["operator", "list", "--json"]), before);
    // Adding is idempotent; removing an added one works.
    env.ok(&["operator", "add", "cron"]);
    assert!(env.ok(&["operator", "add", "cron"]).is_empty());
    env.ok(&["operator", "remove", "cron"]);
    assert_eq!(env.ok(&["operator", "list", "--json"]), before);
}
