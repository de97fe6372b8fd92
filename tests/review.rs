//! Problems found by trying keyadm as a new administrator would: each test
//! pins down one fix.

mod common;

use std::fs::File;
use std::process::{Command, Stdio};

use common::{Env, Run};

/// The binary with the same environment as `Env::cmd`, as a std Command
/// (so that its stdout can be any file or a pipe we close).
fn std_cmd(env: &Env, args: &[&str]) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("keyadm"));
    for (k, _) in std::env::vars() {
        if k.starts_with("KEYADM_") {
            c.env_remove(k);
        }
    }
    c.args(args)
        .env("KEYADM_DB", env.db())
        .env("KEYADM_MASTER_KEY_FILE", env.master())
        .env("KEYADM_ACTOR", &env.actor)
        .env("XDG_DATA_HOME", env.dir.path().join("xdg-data"))
        .env("XDG_CONFIG_HOME", env.dir.path().join("xdg-config"))
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(now) = &env.now {
        c.env("KEYADM_NOW", now);
    }
    c
}

/// Runs with stdout a pipe whose reader is gone before keyadm writes (as
/// with `keyadm … | head -1` once head has its line).
fn into_closed_pipe(env: &Env, args: &[&str]) -> Run {
    // The read end is closed before keyadm starts: every write fails (no race).
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    std_cmd(env, args)
        .stdout(writer)
        .output()
        .expect("binary runs")
        .into()
}

/// Runs with stdout on /dev/full: every write fails with "no space left".
fn into_full_disk(env: &Env, args: &[&str]) -> Run {
    let full = File::create("/dev/full").expect("/dev/full exists on Linux");
    std_cmd(env, args)
        .stdout(full)
        .output()
        .expect("binary runs")
        .into()
}

#[test]
fn completions_into_a_closed_pipe_do_not_panic() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let r = into_closed_pipe(&env, &["completions", shell]);
        assert!(!r.stderr.contains("panicked"), "{shell}: {}", r.stderr);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert_eq!(r.stderr, "", "{shell}");
    }
}

#[test]
fn a_reader_that_goes_away_ends_list_quietly() {
    let env = Env::new();
    env.generate("a", &[]);
    env.generate("b", &[]);
    for args in [
        &["list", "--json"][..],
        &["list"],
        &["export", "--format", "json"],
        &["audit", "--json"],
    ] {
        let r = into_closed_pipe(&env, args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("error"), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn output_that_cannot_be_written_is_an_error() {
    let env = Env::new();
    env.generate("a", &[]);
    let r = into_full_disk(&env, &["list"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(r.stderr.contains("error: "), "{}", r.stderr);
    assert!(r.stderr.contains("hint: "), "{}", r.stderr);
}

#[test]
fn generate_whose_value_cannot_be_printed_says_so_and_names_the_way_back() {
    // The value is printed after the commit (a printed value always
    // exists, even if keyadm is killed right after): a failed write is
    // exit 5 naming the key and how to get at it.
    let env = Env::new();
    env.generate("first", &[]);
    let r = into_full_disk(&env, &["generate", "full", "-q"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(r.stderr.contains("was generated"), "{}", r.stderr);
    assert!(
        r.stderr.contains("show ") && r.stderr.contains("--value"),
        "{}",
        r.stderr
    );
    assert_eq!(env.ok(&["show", "full", "--value"]).trim().len(), 45);
    let r = into_full_disk(&env, &["generate", "once", "-q", "--show-once"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(r.stderr.contains("rotate"), "{}", r.stderr);
    let r = into_closed_pipe(&env, &["generate", "piped", "--json"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    env.ok(&["show", "piped"]);
}

#[test]
fn rotate_whose_new_values_cannot_be_printed_says_so_and_keeps_them_retrievable() {
    // Values are printed after the commit (a printed value always works,
    // even if keyadm is killed right after): a failed write is exit 5, and
    // the new value can still be seen, the old one works for its grace.
    let env = Env::new();
    let value = env.generate("a", &[]);
    let r = into_full_disk(&env, &["rotate", "a", "-q"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(r.stderr.contains("were rotated"), "{}", r.stderr);
    assert!(r.stderr.contains("show KEY --value"), "{}", r.stderr);
    let new = env.ok(&["show", "a", "--value"]).trim().to_string();
    assert_ne!(new, value);
    assert!(
        !env.show("a")["previous"].is_null(),
        "the old value keeps its grace"
    );
    let r = into_closed_pipe(&env, &["rotate", "a", "--json"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
}

#[test]
fn color_always_colours_the_table_and_the_error_lines_when_piped() {
    let env = Env::new();
    env.generate("a", &[]);
    let run = |args: &[&str]| -> Run {
        env.cmd()
            .env_remove("NO_COLOR")
            .args(args)
            .output()
            .expect("binary runs")
            .into()
    };
    let r = run(&["--color", "always", "list"]);
    assert!(r.stdout.contains("\x1b["), "no colour: {:?}", r.stdout);
    let r = run(&["--color", "always", "show", "nope"]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.starts_with("\x1b[31merror:"), "{:?}", r.stderr);
    // Piped and not asked for: plain text.
    let r = run(&["list"]);
    assert!(!r.stdout.contains('\x1b'), "{:?}", r.stdout);
    let r = run(&["show", "nope"]);
    assert!(r.stderr.starts_with("error: "), "{:?}", r.stderr);
}

#[test]
fn export_json_means_json() {
    let env = Env::new();
    env.generate("a", &[]);
    let out = env.ok(&["export", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("export --json is JSON");
    assert_eq!(v[0]["name"], "a");
    // An explicit --format, or the file's extension, still decides.
    assert!(env
        .ok(&["export", "--json", "--format", "csv"])
        .starts_with("id,name,"));
    let file = env.dir.path().join("keys.csv");
    env.ok(&["export", "--json", "-o", file.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .starts_with("id,name,"));
}

/// A store with tenants acme (admin `adm`, member `mem`) and globex.
fn two_tenants() -> Env {
    let env = Env::new();
    env.ok(&["org", "add", "acme"]);
    env.ok(&["org", "add", "globex"]);
    env.ok(&["user", "add", "adm", "--org", "acme", "--role", "admin"]);
    env.ok(&["user", "add", "mem", "--org", "acme"]);
    env
}

/// A valid value that this store does not know (issued by another store).
fn foreign_value() -> String {
    Env::new().generate("elsewhere", &[])
}

#[test]
fn import_puts_rows_without_an_org_in_the_actors_org() {
    let env = two_tenants();
    let csv = env.dir.path().join("aws.csv");
    std::fs::write(
        &csv,
        format!(
            "Name,Key,Description,Enabled\naws-key,{},from aws,TRUE\n",
            foreign_value()
        ),
    )
    .unwrap();
    let r = env.run(&["--actor", "adm", "import", csv.to_str().unwrap()]);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(env.show("aws-key")["org"], "acme");
}

#[test]
fn import_is_confined_to_the_actors_tenant() {
    let env = two_tenants();
    let csv = env.dir.path().join("keys.csv");
    let row = |org: &str, value: &str| {
        format!(
            "id,name,type,state,enabled,disabled_reason,org,tenant,description,created_at,created_by,expires_at,key\n\
             ,moved,external,enabled,true,,{org},{org},,2026-11-01T00:00:00Z,x,,{value}\n"
        )
    };
    let path = csv.to_str().unwrap();
    std::fs::write(&csv, row("globex", &foreign_value())).unwrap();
    // A member may not import at all; an admin not into another tenant.
    let err = env.fails(&["--actor", "mem", "import", path], 4);
    assert!(err.contains("may not import keys"), "{err}");
    let err = env.fails(&["--actor", "adm", "import", path], 3);
    assert!(err.contains("no organization \"globex\""), "{err}");
    assert_eq!(env.ok(&["list", "-q"]), "");
    // A value held by another tenant's key: refused without naming that key.
    let theirs = env.generate("theirs", &["--org", "globex"]);
    std::fs::write(&csv, row("acme", &theirs)).unwrap();
    let err = env.fails(&["--actor", "adm", "import", path], 4);
    // Nor whether it is held at all (SPEC §5.1: other tenants do not exist).
    assert!(err.contains("this value cannot be imported"), "{err}");
    assert!(!err.contains("theirs"), "{err}");
    // The operator sees every tenant, and is told which key it is.
    let err = env.fails(&["import", path], 4);
    assert!(err.contains("theirs"), "{err}");
}

#[test]
fn list_and_export_of_an_unknown_org_are_not_found() {
    let env = two_tenants();
    env.generate("a", &["--org", "acme"]);
    env.generate("d", &[]);
    // A typo is not an empty organization.
    let err = env.fails(&["list", "--org", "acme/emae"], 3);
    assert!(err.contains("no organization \"acme/emae\""), "{err}");
    env.fails(&["export", "--org", "nope"], 3);
    // Another tenant does not exist for a tenant's admin.
    env.fails(&["--actor", "adm", "list", "--org", "globex"], 3);
    // Organizations that exist, with or without keys, list normally.
    assert_eq!(env.ok(&["list", "--org", "globex", "-q"]), "");
    assert_eq!(
        env.ok(&["list", "--org", "default", "-q"]).lines().count(),
        1
    );
    assert_eq!(env.ok(&["list", "--org", "acme", "-q"]).lines().count(), 1);
}

#[test]
fn a_folder_given_as_the_store_is_said_so() {
    let env = Env::new();
    let dir = env.dir.path().to_str().unwrap().to_string();
    for args in [&["list"][..], &["generate", "k"], &["init"]] {
        let mut a = vec!["--db", dir.as_str()];
        a.extend_from_slice(args);
        let err = env.fails(&a, 5);
        assert!(err.contains("is a folder, not a store file"), "{err}");
        assert!(err.contains("hint: name the file"), "{err}");
    }
}

#[test]
fn a_negative_expiry_or_duration_gets_keyadms_own_message() {
    let env = Env::new();
    env.generate("k", &[]);
    for args in [
        &["generate", "n", "--expires", "-1d"][..],
        &["generate", "n", "--rotate-every", "-5d"],
        &["edit", "k", "--expires", "-1d"],
        &["rotate", "k", "--grace", "-1h"],
        &["enable", "k", "--expires", "-3d"],
    ] {
        let err = env.fails(args, 2);
        assert!(err.contains("hint: "), "{args:?}: {err}");
        assert!(!err.contains("unexpected argument"), "{args:?}: {err}");
    }
    env.fails(&["show", "n"], 3);
}

#[test]
fn show_states_a_bound_users_removal_as_list_does() {
    let env = Env::new();
    env.ok(&["user", "add", "bob"]);
    env.generate("bot", &["--user", "bob"]);
    env.ok(&["user", "disable", "bob"]);
    let show = env.ok(&["show", "bot"]);
    assert!(show.contains("enabled, user disabled"), "{show}");
    env.ok(&["user", "remove", "bob", "--yes"]);
    let show = env.ok(&["show", "bot"]);
    assert!(show.contains("enabled, user removed"), "{show}");
    assert!(env.ok(&["list"]).contains("enabled, user removed"));
}

#[test]
fn removing_an_unknown_org_does_not_suggest_creating_it() {
    let env = Env::new();
    env.ok(&["init"]);
    let err = env.fails(&["org", "remove", "nope"], 3);
    assert!(err.contains("no organization \"nope\""), "{err}");
    assert!(!err.contains("org add"), "{err}");
    assert!(err.contains("hint: keyadm org list"), "{err}");
}

#[test]
fn a_commands_help_puts_its_own_options_before_the_global_ones() {
    let env = Env::new();
    let help = env.ok(&["rotate", "--help"]);
    let own = help.find("--grace").expect("--grace in help");
    let global = help
        .find("Global options:")
        .expect("a Global options heading");
    assert!(own < global, "{help}");
    assert!(help.find("--db").unwrap() > global, "{help}");
}

#[test]
fn the_key_name_hint_describes_what_is_accepted() {
    let env = Env::new();
    // Accepted: any printable characters (README "Names").
    env.generate("clé ünïcødé", &[]);
    let err = env.fails(&["generate", " lead"], 2);
    assert!(
        err.contains("hint: use 1 to 64 printable characters"),
        "{err}"
    );
    assert!(!err.contains("letters, digits, spaces or"), "{err}");
}

#[test]
fn a_key_cannot_be_named_after_another_keys_id() {
    let env = Env::new();
    env.generate("first", &[]);
    let id = env.show("first")["id"].as_str().unwrap().to_string();
    let err = env.fails(&["generate", &id], 4);
    assert!(err.contains("is the ID of another key"), "{err}");
    env.generate("second", &[]);
    let err = env.fails(&["edit", "second", "--name", &id], 4);
    assert!(err.contains("is the ID of another key"), "{err}");
    // So KEY arguments stay unambiguous: the ID still means "first".
    assert_eq!(env.show(&id)["name"], "first");
    assert_eq!(env.show("second")["name"], "second");
    // A 12-character name that is no key's ID is fine.
    env.generate("paymentsprod", &[]);
}

#[test]
fn audit_output_that_cannot_be_written_is_an_error() {
    let env = Env::new();
    env.generate("a", &[]);
    for args in [
        &["audit", "verify", "-q"][..],
        &["audit", "verify"],
        &["audit"],
    ] {
        let r = into_full_disk(&env, args);
        assert_eq!(r.code, 5, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("error: "), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn importing_an_empty_or_binary_input_is_a_usage_error() {
    let env = Env::new();
    env.ok(&["init"]);
    let empty = env.dir.path().join("empty.csv");
    std::fs::write(&empty, "\n").unwrap();
    let err = env.fails(&["import", empty.to_str().unwrap()], 2);
    assert!(err.contains("is empty"), "{err}");
    assert!(err.contains("hint: "), "{err}");
    let r = env.run_stdin(&["import", "-"], "");
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = env
        .cmd()
        .args(["import", "-"])
        .write_stdin(vec![0xff_u8, 0xfe, 0x00, 0x80])
        .output()
        .unwrap();
    let r: Run = r.into();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not UTF-8"), "{}", r.stderr);
    assert!(r.stderr.contains("hint: "), "{}", r.stderr);
}

/// Several processes creating one store at once all succeed. (The race this
/// guards against was rare, about one round in a hundred: this test catches
/// it only sometimes, and every time when concurrent creation breaks outright.)
#[test]
fn processes_creating_one_store_at_once_all_succeed() {
    for _round in 0..5 {
        let env = Env::new();
        let children: Vec<_> = (0..6)
            .map(|i| {
                std_cmd(&env, &["generate", &format!("p{i}"), "-q"])
                    .stdout(Stdio::null())
                    .spawn()
                    .expect("binary runs")
            })
            .collect();
        let mut said_created = 0;
        for child in children {
            let r: Run = child.wait_with_output().expect("binary ends").into();
            assert_eq!(r.code, 0, "{}", r.stderr);
            said_created += r.stderr.matches("created a new master key").count();
        }
        assert_eq!(env.ok(&["list", "-q"]).lines().count(), 6);
        // One master key was made, and only its maker says so.
        assert_eq!(said_created, 1);
    }
}

/// `keyadm ARGS` on a pseudo-terminal COLS wide (util-linux `script`, which
/// the prompt tests need too); returns what the terminal showed.
fn on_terminal(env: &Env, cols: u16, args: &[&str]) -> String {
    let bin = assert_cmd::cargo::cargo_bin("keyadm");
    let mut line = format!("stty cols {cols} rows 40; '{}'", bin.display());
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    let keyadm = std_cmd(env, &[]);
    let envs = keyadm
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned())));
    let out = Command::new("script")
        .args(["-qfec", &line, "/dev/null"])
        .envs(envs)
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

#[test]
fn a_narrow_terminal_hides_the_description_rather_than_shredding_it() {
    let env = Env::new();
    let long = "the billing service in production, used by invoicing";
    env.generate("billing-service-prod", &["--description", long]);
    for cols in [60, 80, 100] {
        let screen = on_terminal(&env, cols, &["--color", "never", "list"]);
        assert!(screen.contains("billing-service-prod"), "{cols}: {screen}");
        // Table lines (not the notes under it) fit; the header is whole or
        // absent, never broken over lines.
        for l in screen.lines().filter(|l| l.starts_with([' ', '─', '═'])) {
            assert!(
                l.chars().count() <= cols as usize,
                "{cols}: {l:?}\n{screen}"
            );
            assert!(
                !l.contains("DES") || l.contains("DESCRIPTION"),
                "{cols}:\n{screen}"
            );
        }
    }
}

#[test]
fn a_bad_import_file_creates_no_store() {
    let env = Env::new();
    let csv = env.dir.path().join("bad.csv");
    std::fs::write(&csv, "Name,Key,Description,Enabled\nx,kadm_e_bad,d,TRUE\n").unwrap();
    env.fails(&["import", csv.to_str().unwrap()], 2);
    assert!(!env.db().exists(), "a store was created");
    assert!(!env.master().exists(), "a master key was created");
}

#[test]
fn copying_a_show_once_key_without_a_display_says_it_is_not_retrievable() {
    let env = Env::new();
    env.generate("once", &["--show-once"]);
    let r: Run = env
        .cmd()
        .env_remove("DISPLAY")
        .args(["copy", "once"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("not retrievable"), "{}", r.stderr);
}

#[test]
fn without_user_or_logname_the_actor_is_the_login_name_of_the_process() {
    let env = Env::new();
    let me = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let me = String::from_utf8_lossy(&me.stdout).trim().to_string();
    let r: Run = env
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
