//! Bad input over every option of the core that takes a value: the
//! documented exit code, one `error:` line saying what, a `hint:` line
//! saying how, nothing stored, never a panic.

use crate::common;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use common::{proof, Env, Run};

const NOW: &str = "2026-11-24T09:00:00Z";

/// A store with one key of each type (k4-style names used below), scoped-api on.
fn store() -> Env {
    let env = Env::at(NOW);
    env.ok(&["config", "set", "scoped-api", "on"]);
    env.generate("ext", &[]);
    env.generate("cus", &["--type", "custom", "--allow", "GET /api/*"]);
    env.generate("int", &["--type", "internal"]);
    env.generate("desk", &["--type", "desktop"]);
    env.generate("off", &[]);
    env.ok(&["disable", "off"]);
    env
}

/// One case: the arguments, the exit code, and a word the error must contain.
struct Case {
    args: Vec<OsString>,
    code: i32,
    says: &'static str,
}

fn case(args: &[&str], code: i32, says: &'static str) -> Case {
    Case {
        args: args.iter().map(OsString::from).collect(),
        code,
        says,
    }
}

/// Rejected by the argument parser (clap): the same two lines.
fn clap(args: &[&str]) -> Case {
    case(args, 2, "")
}

fn check(env: &Env, c: &Case) {
    let before = env.store_bytes();
    let r: Run = env
        .cmd()
        .args(&c.args)
        .output()
        .expect("binary runs")
        .into();
    let shown = format!("keyadm {:?}", c.args);
    assert!(
        !r.stderr.contains("panicked"),
        "{shown}: panic: {}",
        r.stderr
    );
    assert_eq!(
        r.code, c.code,
        "{shown}: expected exit {}:\n{}{}",
        c.code, r.stdout, r.stderr
    );
    assert!(
        r.stdout.is_empty(),
        "{shown}: printed on stdout: {}",
        r.stdout
    );
    let (error, _) = common::assert_only_error_and_hint(&r.stderr, &shown);
    assert!(
        error.contains(c.says),
        "{shown}: the error does not say \"{}\": {}",
        c.says,
        error
    );
    assert!(
        error.chars().all(|ch| !ch.is_control()),
        "{shown}: raw control characters echoed: {:?}",
        error
    );
    assert!(env.store_bytes() == before, "{shown}: the store changed");
}

fn long(n: usize) -> String {
    "x".repeat(n)
}

#[test]
fn bad_names_descriptions_and_reasons() {
    let env = store();
    let d1001 = long(1001);
    // 1 MB cannot pass through argv (Linux caps one argument at 128 KiB);
    // this is the largest one the kernel lets through.
    let d120k = long(120_000);
    let n65 = long(65);
    let r201 = long(201);
    let cases = [
        case(&["generate", ""], 2, "empty"),
        case(&["generate", "a\u{7}b"], 2, "control or invisible"),
        case(&["generate", "a\nb"], 2, "control or invisible"),
        case(&["generate", "a\u{1b}[31mred"], 2, "control or invisible"),
        case(
            &["generate", "evil\u{202E}gpj.exe"],
            2,
            "control or invisible",
        ),
        case(&["generate", "x\u{200F}"], 2, "control or invisible"),
        case(&["generate", "\u{2066}iso"], 2, "control or invisible"),
        case(&["generate", "\u{FEFF}bom"], 2, "control or invisible"),
        case(&["generate", " lead"], 2, "space"),
        case(&["generate", "trail "], 2, "space"),
        case(&["generate", "--", "-dash"], 2, "'-'"),
        case(&["generate", &n65], 2, "longer than 64"),
        case(&["generate", "ext"], 4, "already exists"),
        case(
            &["edit", "ext", "--name", "a\tb"],
            2,
            "control or invisible",
        ),
        case(&["edit", "ext", "--name", "cus"], 4, "already exists"),
        case(
            &["generate", "d", "--description", &d1001],
            2,
            "longer than 1000",
        ),
        case(
            &["generate", "d", "--description", &d120k],
            2,
            "longer than 1000",
        ),
        case(
            &["generate", "d", "--description", "one\ntwo"],
            2,
            "control or invisible",
        ),
        case(
            &["generate", "d", "--description", "a\u{202E}b"],
            2,
            "control or invisible",
        ),
        case(
            &["edit", "ext", "--description", &d120k],
            2,
            "longer than 1000",
        ),
        case(&["disable", "ext", "--reason", ""], 2, "reason"),
        case(&["disable", "ext", "--reason", &r201], 2, "reason"),
        case(&["disable", "ext", "--reason", "a\nb"], 2, "reason"),
        case(&["show", "no\u{1b}such"], 3, "no key"),
        case(&["edit", "ext", "--type", "internal"], 2, "type"),
        case(&["edit", "ext", "--value", "x"], 2, "value"),
    ];
    for c in &cases {
        check(&env, c);
    }
    let non_utf8 = Case {
        args: vec![
            "generate".into(),
            OsString::from_vec(vec![b'k', 0xff, 0xfe]),
        ],
        ..clap(&[])
    };
    check(&env, &non_utf8);
}

#[test]
fn bad_expiries_and_durations() {
    let env = store();
    let mut cases = Vec::new();
    for when in [
        "",
        "yesterday",
        "2026-13-01",
        "2027-02-30",
        "2026-11-23",
        "2026-11-24T08:00",
        "2020-01-01T00:00:00Z",
        "0d",
        "-5d",
        "5 d",
        "1.5d",
        "101y",
        "99999999999999999999d",
        "1y1d",
        "never!",
        "9999-12-31T25:00",
        "+10000-01-01",
        "٣d",
        "1D ",
        "1e9s",
    ] {
        let says = if when.starts_with("2026-11-2") || when.starts_with("2020") {
            "in the past"
        } else {
            ""
        };
        // `--opt=VALUE`, so that values starting with '-' reach keyadm.
        let opt = format!("--expires={when}");
        cases.push(case(&["generate", "e", &opt], 2, says));
        cases.push(case(&["edit", "ext", &opt], 2, says));
        cases.push(case(&["enable", "off", &opt], 2, says));
    }
    cases.push(case(
        &["generate", "e", "--type", "desktop", "--expires", "90d"],
        2,
        "take no expiry",
    ));
    cases.push(case(&["edit", "desk", "--expires", "90d"], 2, "expiry"));
    for d in [
        "",
        "0",
        "1x",
        "d",
        "-1d",
        "1.5h",
        "٣d",
        "1y1d",
        "101y",
        "18446744073709551616s",
        "1 d",
        "１d",
    ] {
        let (every, within, grace) = (
            format!("--rotate-every={d}"),
            format!("--expiring-within={d}"),
            format!("--grace={d}"),
        );
        cases.push(case(&["generate", "r", &every], 2, "duration"));
        cases.push(case(&["list", &within], 2, "duration"));
        // `0` removes a policy (edit) or ends the grace at once (rotate).
        if d != "0" {
            cases.push(case(&["edit", "ext", &every], 2, "duration"));
            cases.push(case(&["rotate", "ext", &grace], 2, "duration"));
        }
    }
    for c in &cases {
        check(&env, c);
    }
}

#[test]
fn bad_rules_origins_addresses_and_tags() {
    let env = store();
    let label64 = format!("{}.example.com", long(64));
    let tag41 = long(41);
    let mut cases = Vec::new();
    for rule in [
        "",
        "GET",
        "FETCH /x",
        "GET x",
        "GET /a?b=1",
        "GET /a#f",
        "GET /a/***",
        "GET /a/b**",
        "GET ftp://h/x",
        "GET https:///x",
        "GET https://user@h/x",
        "GET /a\u{7}",
        "GET /a b",
        "GET\t",
        "* *",
    ] {
        cases.push(case(
            &["generate", "c", "--type", "custom", "--allow", rule],
            2,
            "allow rule",
        ));
        cases.push(case(&["edit", "cus", "--allow", rule], 2, "allow rule"));
    }
    cases.push(case(
        &["generate", "c", "--allow", "GET /x"],
        2,
        "only custom keys",
    ));
    cases.push(case(
        &["generate", "c", "--type", "custom"],
        2,
        "at least one allow rule",
    ));
    for origin in [
        "",
        "*",
        "*.",
        "exa mple.com",
        "-bad.com",
        "a..b",
        "*.*.com",
        "ex\u{202E}.com",
        &label64,
        "a/b",
        "ex_ample.com",
    ] {
        let opt = format!("--origin={origin}");
        cases.push(case(&["generate", "o", &opt], 2, "origin"));
        cases.push(case(&["edit", "ext", &opt], 2, "origin"));
    }
    cases.push(case(
        &["generate", "o", "--type", "desktop", "--origin", "a.com"],
        2,
        "--origin",
    ));
    for ip in [
        "",
        "10.0.0.0/33",
        "::/129",
        "10.0.0/8",
        "10.0.0.0/",
        "10.0.0.0/-1",
        "10.0.0.0/1a",
        "300.1.1.1",
        "10.0.0.0/8/8",
        "fe80::1%eth0",
        "10.0.0.0/0008",
        " 10.0.0.1",
        "localhost",
    ] {
        let opt = format!("--ip={ip}");
        cases.push(case(&["generate", "i", &opt], 2, "address range"));
        cases.push(case(&["edit", "ext", &opt], 2, "address range"));
    }
    for tag in ["", "a b", &tag41, "t\u{202E}", "a,b", "é", "x\n"] {
        let opt = format!("--tag={tag}");
        cases.push(case(&["generate", "t", &opt], 2, "tag"));
        cases.push(case(&["edit", "ext", &opt], 2, "tag"));
    }
    for c in &cases {
        check(&env, c);
    }
}

#[test]
fn bad_settings_and_global_options() {
    let env = store();
    let mut cases = Vec::new();
    for (name, value) in [
        ("scoped-api", "maybe"),
        ("key-prefix", "A"),
        ("key-prefix", "x"),
        ("key-prefix", "toolongprefix1"),
        ("key-prefix", "ka_dm"),
        ("default-expiry", "0"),
        ("default-expiry", "forever"),
        ("max-lifetime", "abc"),
        ("max-lifetime", "0"),
        ("rotation-grace", "-1h"),
        ("purge-after", "1q"),
        ("clipboard-clear", "x"),
        ("notify-days", "30,0"),
        ("notify-days", "a"),
        ("notify-days", ""),
        ("notify-days", "30,,7"),
        ("date-format", ""),
        ("date-format", "%Q"),
        ("date-format", "%"),
    ] {
        cases.push(case(&["config", "set", "--", name, value], 2, name));
    }
    cases.push(case(
        &["config", "set", "no-such-setting", "1"],
        2,
        "unknown setting",
    ));
    cases.push(case(
        &["config", "get", "no-such-setting"],
        2,
        "unknown setting",
    ));
    cases.push(case(
        &["config", "set", "key\u{202E}", "1"],
        2,
        "unknown setting",
    ));
    for org in ["", "bad org", "/acme", "acme/", "acme//x", "a\u{7}"] {
        cases.push(case(&["--org", org, "generate", "g"], 2, "organization"));
    }
    cases.push(case(
        &["--org", "nowhere", "generate", "g"],
        3,
        "no organization",
    ));
    cases.push(case(&["--date-format", "%Q", "list"], 2, "date format"));
    cases.push(clap(&["--color", "purple", "list"]));
    cases.push(clap(&["generate", "g", "--type", "bogus"]));
    cases.push(clap(&["list", "--sort", "bogus"]));
    cases.push(clap(&["list", "--no-such-flag"]));
    cases.push(clap(&["frobnicate"]));
    cases.push(clap(&["generate", "g", "--type", "a\u{1b}[31mred"]));
    cases.push(clap(&["rotate"]));
    cases.push(clap(&["config", "set", "key-prefix"]));
    for c in &cases {
        check(&env, c);
    }
    // The clock from the environment.
    for now in ["yesterday", "2026-11-24", ""] {
        let before = env.store_bytes();
        let r: Run = env
            .cmd()
            .env("KEYADM_NOW", now)
            .args(["generate", "g"])
            .output()
            .unwrap()
            .into();
        assert_eq!(r.code, 2, "KEYADM_NOW={now:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("KEYADM_NOW") && r.stderr.contains("hint: "),
            "{}",
            r.stderr
        );
        assert!(env.store_bytes() == before);
    }
    assert_eq!(
        proof::count(&env, "SELECT count(*) FROM keys"),
        5,
        "nothing was stored"
    );
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
