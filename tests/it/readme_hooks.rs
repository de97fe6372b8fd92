//! The README's example hooks, cut from README.md and run as written by
//! `notify --exec` and `rotate --due --exec` with fake `mail` and
//! `systemctl` programs; and the input-hardening regressions of the
//! security review (emails as mailer options, names as paths, key values in
//! free text, the date-format panic, the signature skew overflow).

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{Env, Run};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

const T0: &str = "2026-06-01T12:00:00Z";
const T0_UNIX: i64 = 1_780_315_200;
const PLUS_4_DAYS: &str = "2026-06-05T12:00:00Z";
const ATTACK: &str = "-X!cat${IFS}$KEYADM_MASTER_KEY_FILE>./pwned,r@a.b";

/// The hook script between `<!-- hook:NAME -->` and `<!-- /hook -->` in
/// README.md, without the code fence.
fn readme_hook(name: &str) -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let marker = format!("<!-- hook:{name} -->");
    let start = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("README has no {marker}"));
    let rest = &readme[start + marker.len()..];
    let end = rest.find("<!-- /hook -->").expect("hook end marker");
    let block = rest[..end].trim();
    let body = block
        .strip_prefix("```sh\n")
        .and_then(|b| b.strip_suffix("```"))
        .expect("the hook is one ```sh block");
    assert!(body.starts_with("#!/bin/sh\n"), "{body}");
    assert!(body.contains(&format!("# /usr/local/bin/{name}")), "{body}");
    body.to_string()
}

fn write_exe(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A folder of fake programs: `mail` records its argv one per line (then
/// `--end--`) in `$FAKE_MAIL_LOG`; `systemctl` succeeds.
fn fake_bin(env: &Env) -> PathBuf {
    let bin = env.dir.path().join("fakebin");
    write_exe(
        &bin.join("mail"),
        "#!/bin/sh\n{ for a in \"$@\"; do printf '%s\\n' \"$a\"; done; echo --end--; } >> \"$FAKE_MAIL_LOG\"\ncat > /dev/null\n",
    );
    write_exe(&bin.join("systemctl"), "#!/bin/sh\nexit 0\n");
    bin
}

/// The binary with the fake programs first on PATH, run in the test's folder.
fn run_with_fakes(env: &Env, actor: &str, args: &[&str]) -> Run {
    let bin = fake_bin(env);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    env.cmd()
        .env("PATH", path)
        .env("KEYADM_ACTOR", actor)
        .env("FAKE_MAIL_LOG", env.dir.path().join("mail.log"))
        .current_dir(env.dir.path())
        .args(args)
        .output()
        .expect("binary runs")
        .into()
}

/// The review's fixture: tenants acme and globex, each with an admin.
fn tenants(env: &Env) {
    env.ok(&["org", "add", "acme/emea/support"]);
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
    ]);
    env.ok(&[
        "user",
        "add",
        "gary",
        "--org",
        "globex",
        "--role",
        "admin",
        "--email",
        "gary@globex.example",
    ]);
}

fn sql(env: &Env, statement: &str, params: &[&str]) {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let n = conn
        .execute(statement, rusqlite::params_from_iter(params.iter()))
        .unwrap();
    assert!(n > 0, "{statement}: no row changed");
}

fn id_of(env: &Env, actor: &str, name: &str) -> String {
    let j: Value =
        serde_json::from_str(&env.ok(&["--actor", actor, "show", name, "--json"])).unwrap();
    j["id"].as_str().unwrap().to_string()
}

fn value_of(env: &Env, id: &str) -> String {
    env.ok(&["show", id, "--value"]).trim().to_string()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_readme_mail_hook_gets_each_recipient_as_one_argument_after_double_dash() {
    let env = Env::at(T0);
    tenants(&env);
    env.ok(&[
        "user",
        "add",
        "ann",
        "--org",
        "acme",
        "--role",
        "admin",
        "--email",
        "ann@acme.example",
    ]);
    // An admin whose stored email an older release accepted: the attack.
    env.ok(&[
        "user",
        "add",
        "mallory",
        "--org",
        "acme",
        "--role",
        "admin",
        "--email",
        "m@acme.example",
    ]);
    sql(
        &env,
        "UPDATE users SET email = ?1 WHERE name = 'mallory'",
        &[ATTACK],
    );
    env.ok_long_ago(&[
        "--actor",
        "alice",
        "generate",
        "soon",
        "--expires",
        "5d",
        "-q",
    ]);
    let hook = env.dir.path().join("keyadm-mail-notice");
    write_exe(&hook, &readme_hook("keyadm-mail-notice"));

    let r = run_with_fakes(&env, "cron", &["notify", "--exec", hook.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let log = std::fs::read_to_string(env.dir.path().join("mail.log")).expect("mail ran");
    let argv: Vec<&str> = log.lines().collect();
    assert_eq!(argv.len(), 6, "{argv:?}");
    assert_eq!(argv[0], "-s");
    assert!(argv[1].contains("soon"), "{argv:?}");
    assert_eq!(
        &argv[2..],
        ["--", "alice@acme.example", "ann@acme.example", "--end--"]
    );
    assert!(
        !argv
            .iter()
            .any(|a| a.starts_with("-X") || a.contains("r@a.b")),
        "{argv:?}"
    );
    assert!(
        !env.dir.path().join("pwned").exists(),
        "the attack's command ran"
    );
    // The skipped admin is named, the address never repeated.
    assert!(
        r.stderr.contains("warning:") && r.stderr.contains("\"mallory\""),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("cat${IFS}") && !r.stdout.contains("cat${IFS}"),
        "{}{}",
        r.stdout,
        r.stderr
    );
}

#[test]
fn notify_and_rotate_hooks_get_the_keys_tenant() {
    let env = Env::at(T0);
    tenants(&env);
    env.ok_long_ago(&[
        "--actor",
        "alice",
        "--org",
        "acme/emea/support",
        "generate",
        "tickets",
        "--expires",
        "5d",
        "--rotate-every",
        "1d",
        "-q",
    ]);
    let out = env.dir.path().join("env.txt");
    let cmd = format!(
        "printf '%s %s %s\\n' \"$KEYADM_KEY_TENANT\" \"$KEYADM_KEY_ORG\" \"$KEYADM_KEY_NAME\" >> '{}'",
        out.display()
    );
    run_ok(&env, &["notify", "--exec", &cmd]);
    let mut env = env;
    env.now = Some(PLUS_4_DAYS.to_string());
    run_ok(&env, &["rotate", "--due", "--exec", &cmd]);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "acme acme/emea/support tickets\nacme acme/emea/support tickets\n"
    );
}

fn run_ok(env: &Env, args: &[&str]) {
    let r = run_with_fakes(env, "cron", args);
    assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
}

#[test]
fn the_readme_deploy_hook_keys_files_by_tenant_and_id_inside_its_folder() {
    let env = Env::at(T0);
    tenants(&env);
    let srv = env.dir.path().join("srv");
    let keys_dir = srv.join("myservice/keys");
    let text = readme_hook("keyadm-deploy-key");
    assert!(text.contains("/etc/myservice/keys"), "{text}");
    let hook = env.dir.path().join("keyadm-deploy-key");
    write_exe(
        &hook,
        &text.replace("/etc/myservice/keys", keys_dir.to_str().unwrap()),
    );

    // The review's reproduction: one name in two tenants, and a name that
    // reads as a path (refused now; planted as an older release stored it).
    env.ok(&[
        "--actor",
        "gary",
        "generate",
        "globex-api",
        "--rotate-every",
        "1d",
        "-q",
    ]);
    env.ok(&[
        "--actor",
        "alice",
        "generate",
        "globex-api",
        "--rotate-every",
        "1d",
        "--expires",
        "1y",
        "-q",
    ]);
    let err = env.fails(
        &[
            "--actor",
            "alice",
            "generate",
            "../../cron.d/evil",
            "--rotate-every",
            "1d",
        ],
        2,
    );
    assert!(err.contains("hint:"), "{err}");
    let evil_value = env.generate("evil", &["--org", "acme", "--rotate-every", "1d"]);
    sql(
        &env,
        "UPDATE keys SET name = '../../cron.d/evil' WHERE name = 'evil'",
        &[],
    );
    // The old-style name keeps working.
    let evil = id_of(&env, "alice", "../../cron.d/evil");
    assert_eq!(env.run_stdin(&["verify"], &evil_value).code, 0);
    env.ok(&[
        "--actor",
        "alice",
        "edit",
        "../../cron.d/evil",
        "--description",
        "from 0.1",
    ]);
    let globex = id_of(&env, "gary", "globex-api");
    let acme = id_of(&env, "alice", "globex-api");

    let mut env = env;
    env.now = Some(PLUS_4_DAYS.to_string());
    let r = run_with_fakes(
        &env,
        "cron",
        &["-q", "rotate", "--due", "--exec", hook.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    let expected = vec![
        keys_dir.join("acme").join(&acme),
        keys_dir.join("acme").join(&evil),
        keys_dir.join("globex").join(&globex),
    ];
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(
        files_under(&srv),
        expected_sorted,
        "only the three key files"
    );
    assert!(!srv.join("cron.d").exists());
    for (file, id) in expected.iter().zip([&acme, &evil, &globex]) {
        let deployed = std::fs::read_to_string(file).unwrap();
        assert_eq!(deployed.trim(), value_of(&env, id), "{}", file.display());
    }
    assert_ne!(
        std::fs::read_to_string(&expected[0]).unwrap(),
        std::fs::read_to_string(&expected[2]).unwrap(),
        "each tenant's file holds its own value"
    );
}

#[test]
fn the_reviews_email_attack_is_exit_2_and_changes_nothing() {
    let env = Env::at(T0);
    tenants(&env);
    let before = env.store_bytes();
    for email in [
        ATTACK,
        "-Smta=/path/to/program,r@a.b",
        "x,boss@rival.example",
    ] {
        let flag = format!("--email={email}");
        for args in [
            &["--actor", "alice", "user", "edit", "alice", flag.as_str()][..],
            &["--actor", "alice", "user", "add", "zed", flag.as_str()],
        ] {
            let err = env.fails(args, 2);
            assert!(err.contains("invalid email"), "{args:?}: {err}");
            assert_eq!(err.matches("hint:").count(), 1, "{err}");
        }
    }
    assert!(
        env.store_bytes() == before,
        "a refused email changed the store"
    );
    let users: Value = serde_json::from_str(&env.ok(&["user", "list", "--json"])).unwrap();
    let alice = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "alice")
        .unwrap();
    assert_eq!(alice["email"], "alice@acme.example");
}

#[test]
fn new_key_names_cannot_read_as_paths_or_be_unnormalized() {
    let env = Env::at(T0);
    env.generate("k", &[]);
    let v = keyadm::domain::value::generate_value("kadm", keyadm::KeyType::External);
    let before = env.store_bytes();
    let long = "é".repeat(65);
    for name in [
        "../../cron.d/evil",
        "team/billing",
        "team\\billing",
        ".",
        "..",
        long.as_str(),
    ] {
        for args in [&["generate", name][..], &["edit", "k", "--name", name]] {
            let err = env.fails(args, 2);
            assert!(err.contains("invalid key name"), "{args:?}: {err}");
            assert!(err.contains("hint:"), "{err}");
        }
        let file = env.dir.path().join("in.csv");
        std::fs::write(
            &file,
            format!(
                "name,type,key\n\"{}\",external,{}\n",
                name.replace('"', "\"\""),
                v.expose()
            ),
        )
        .unwrap();
        let err = env.fails(&["import", file.to_str().unwrap()], 2);
        assert!(err.contains("invalid key name"), "import {name:?}: {err}");
    }
    assert!(
        env.store_bytes() == before,
        "a refused name changed the store"
    );
    // Dots elsewhere and composed accents are fine.
    env.generate("...", &[]);
    env.generate("\u{e9}cole", &[]);
}

#[test]
fn a_key_value_is_refused_in_every_free_text_field() {
    let env = Env::at(T0);
    tenants(&env);
    env.generate("k", &["--org", "acme"]);
    let v = keyadm::domain::value::generate_value("kadm", keyadm::KeyType::External);
    let v = v.expose().to_string();
    let in_text = format!("old key was {v}");
    let at_v = format!("{v}@x.com");
    let actor = format!("x{v}");
    let csv = env.dir.path().join(format!("{v}.csv"));
    let leak = env.dir.path().join(format!("leak-{v}/"));
    let email_flag = format!("--email={at_v}");
    let pattern = format!("%Y {v}");
    let before = env.store_bytes();
    let cases: Vec<Vec<&str>> = vec![
        vec!["user", "add", &v],
        vec!["user", "add", "zed", "--email", &at_v],
        vec!["user", "edit", "alice", &email_flag],
        vec!["user", "add", "zed", "--display-name", &in_text],
        vec!["user", "add", "zed", "--group", &v],
        vec!["user", "edit", "alice", "--group", &v],
        vec!["--actor", &actor, "list"],
        vec!["export", "-o", csv.to_str().unwrap()],
        vec!["scan", "--disable", leak.to_str().unwrap()],
        vec!["generate", &v],
        vec!["generate", "n", "--description", &in_text],
        vec!["generate", "n", "--tag", &v],
        vec!["generate", "n", "--type", "external", "--user", &v],
        vec!["edit", "k", "--name", &v],
        vec!["edit", "k", "--description", &in_text],
        vec!["edit", "k", "--tag", &v],
        vec!["disable", "k", "--reason", &in_text],
        vec!["config", "set", "date-format", &pattern],
    ];
    for args in &cases {
        let err = env.fails(args, 2);
        assert!(err.contains("looks like a key value"), "{args:?}: {err}");
        assert!(
            err.contains("never go in free-text fields"),
            "{args:?}: {err}"
        );
        assert!(!err.contains(&v), "{args:?}: the value is repeated: {err}");
    }
    // The actor from the environment too.
    let r: Run = env
        .cmd()
        .env("KEYADM_ACTOR", &actor)
        .args(["list"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!csv.exists());
    assert!(
        env.store_bytes() == before,
        "a refused field changed the store"
    );
    let audit = env.ok(&["audit", "--json"]);
    assert!(!audit.contains(&v[7..39]), "the value is in the audit log");
}

#[test]
fn a_date_format_that_cannot_render_never_panics() {
    let env = Env::at(T0);
    env.generate("k", &[]);
    let err = env.fails(&["--date-format", "%#z", "list"], 2);
    assert!(err.contains("hint:"), "{err}");
    let err = env.fails(&["config", "set", "date-format", "%#z"], 2);
    assert!(err.contains("hint:"), "{err}");
    let r: Run = env
        .cmd()
        .env("KEYADM_DATE_FORMAT", "%#z")
        .args(["list"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("warning:"), "{}", r.stderr);
    // A stored setting an older release accepted: warn once, show iso.
    sql(
        &env,
        "INSERT OR REPLACE INTO settings (name, value) VALUES ('date-format', ?1)",
        &["%#z"],
    );
    for args in [&["list"][..], &["show", "k"], &["audit"]] {
        let r = env.run(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert_eq!(
            r.stderr.matches("warning:").count(),
            1,
            "{args:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("date-format"), "{}", r.stderr);
        assert!(has_iso_time(&r.stdout), "{args:?}: {}", r.stdout);
    }
}

/// Does `s` hold a time as `iso` shows it (`2026-06-01 12:00`)?
fn has_iso_time(s: &str) -> bool {
    let shape = b"dddd-dd-dd dd:dd";
    s.as_bytes().windows(shape.len()).any(|w| {
        w.iter().zip(shape).all(|(c, p)| {
            if *p == b'd' {
                c.is_ascii_digit()
            } else {
                c == p
            }
        })
    })
}

#[test]
fn check_signature_at_now_minus_2_pow_63_is_too_old() {
    let env = Env::at(T0);
    env.generate("k", &[]);
    let value = env.ok(&["show", "k", "--value"]).trim().to_string();
    let body = format!("{:x}", Sha256::digest(b""));
    for (ts, reason) in [
        (T0_UNIX + i64::MIN, "timestamp_too_old"), // T − 2⁶³
        (i64::MIN, "timestamp_too_old"),
        (i64::MAX, "timestamp_in_future"),
    ] {
        let canonical = format!("v1\n{ts}\nGET\n/x\n{body}");
        let mut mac = Hmac::<Sha256>::new_from_slice(value.as_bytes()).unwrap();
        mac.update(canonical.as_bytes());
        let sig: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let sig_file = env.dir.path().join("sig");
        std::fs::write(&sig_file, format!("v1={sig}")).unwrap();
        let r = env.run(&[
            "check-signature",
            "--key-id",
            "k",
            &format!("--timestamp={ts}"),
            "--signature-file",
            sig_file.to_str().unwrap(),
            "-X",
            "GET",
            "--url",
            "/x",
            "--json",
        ]);
        assert_eq!(r.code, 1, "{ts}: {}{}", r.stdout, r.stderr);
        let j: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(j["valid"], false, "{j}");
        assert_eq!(j["reason"], reason, "{j}");
    }
}
