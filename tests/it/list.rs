//! `list` and `show`: every filter and sort, the date formats, `--utc`,
//! and JSON that display settings do not change.

use crate::common;

use common::{Env, Run};

use serde_json::Value;

const T0: &str = "2026-11-22T17:45:00Z";

fn run_at(env: &Env, now: &str, args: &[&str]) -> Run {
    env.cmd()
        .env("KEYADM_NOW", now)
        .args(args)
        .output()
        .unwrap()
        .into()
}

fn ok_at(env: &Env, now: &str, args: &[&str]) -> String {
    let r = run_at(env, now, args);
    assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
    r.stdout
}

/// Names of the keys `list ARGS --json` gives, in its order.
fn names(env: &Env, args: &[&str]) -> Vec<String> {
    names_at(env, env.now.as_deref().unwrap_or(T0), args)
}

fn names_at(env: &Env, now: &str, args: &[&str]) -> Vec<String> {
    let mut a = vec!["list", "--json"];
    a.extend_from_slice(args);
    let v: Value = serde_json::from_str(&ok_at(env, now, &a)).expect("JSON");
    v.as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap().to_string())
        .collect()
}

fn add_orgs(env: &Env, orgs: &[&str]) {
    let now = chrono::Utc::now();
    let mut store = env.open_store(now);
    store
        .write(now, |tx| {
            for o in orgs {
                tx.insert_org(o)?;
            }
            Ok(())
        })
        .unwrap();
}

/// Five keys issued a day apart with distinct types, expiries and tags.
fn fixture() -> Env {
    let env = Env::at(T0);
    env.ok(&["config", "set", "scoped-api", "on"]);
    let issue = |now: &str, args: &[&str]| {
        let mut a = vec!["generate", "-q"];
        a.extend_from_slice(args);
        ok_at(&env, now, &a);
    };
    issue(
        "2026-11-01T10:00:00Z",
        &[
            "delta",
            "--type",
            "internal",
            "--expires",
            "400d",
            "--tag",
            "core",
        ],
    );
    issue(
        "2026-11-02T10:00:00Z",
        &[
            "Alpha",
            "--description",
            "Billing Service",
            "--expires",
            "20d",
            "--tag",
            "team-pay",
        ],
    );
    issue("2026-11-03T10:00:00Z", &["charlie", "--type", "desktop"]);
    issue(
        "2026-11-04T10:00:00Z",
        &[
            "bravo",
            "--type",
            "custom",
            "--allow",
            "GET /api/*",
            "--expires",
            "5d",
            "--tag",
            "team-pay",
        ],
    );
    issue("2026-11-05T10:00:00Z", &["echo", "--expires", "60d"]);
    env
}

#[test]
fn list_sorts_by_each_column_and_reverses() {
    let env = fixture();
    assert_eq!(
        names(&env, &[]),
        ["Alpha", "bravo", "charlie", "delta", "echo"]
    );
    assert_eq!(
        names(&env, &["--reverse"]),
        ["echo", "delta", "charlie", "bravo", "Alpha"]
    );
    assert_eq!(
        names(&env, &["--sort", "issued"]),
        ["delta", "Alpha", "charlie", "bravo", "echo"]
    );
    // Alpha ends 11-22, bravo 11-09, echo 01-04, delta 2027-12; charlie never (last).
    assert_eq!(
        names(&env, &["--sort", "expires"]),
        ["bravo", "Alpha", "echo", "delta", "charlie"]
    );
    assert_eq!(
        names(&env, &["--sort", "type"]),
        ["bravo", "charlie", "Alpha", "echo", "delta"]
    );
    assert_eq!(
        names(&env, &["--sort", "type", "--reverse"]),
        ["delta", "echo", "Alpha", "charlie", "bravo"]
    );
    env.fails(&["list", "--sort", "colour"], 2);
}

#[test]
fn list_sorts_by_organization() {
    let env = Env::at(T0);
    env.ok(&["init"]);
    add_orgs(&env, &["acme", "acme/emea", "zeta"]);
    env.generate("z-key", &["--org", "zeta"]);
    env.generate("e-key", &["--org", "acme/emea"]);
    env.generate("a-key", &["--org", "acme"]);
    env.generate("d-key", &[]);
    assert_eq!(
        names(&env, &["--sort", "org"]),
        ["a-key", "e-key", "d-key", "z-key"]
    );
    // --org shows keys at and below an organization, not its siblings.
    assert_eq!(names(&env, &["--org", "acme"]), ["a-key", "e-key"]);
    assert_eq!(names(&env, &["--org", "acme/emea"]), ["e-key"]);
    // "acm" is not a prefix of "acme": there is no such organization.
    assert_eq!(run_at(&env, T0, &["list", "--org", "acm"]).code, 3);
}

#[test]
fn list_filters_by_type_tag_and_expiry_window() {
    let env = fixture();
    assert_eq!(names(&env, &["--type", "custom"]), ["bravo"]);
    assert_eq!(names(&env, &["--type", "desktop"]), ["charlie"]);
    assert_eq!(names(&env, &["--tag", "team-pay"]), ["Alpha", "bravo"]);
    assert_eq!(
        names(&env, &["--tag", "team-pay", "--type", "external"]),
        ["Alpha"]
    );
    assert!(
        names(&env, &["--tag", "team"]).is_empty(),
        "tags match whole"
    );
    // At T0 (11-22 17:45): bravo ended 11-09, Alpha ends 11-22 10:00 (past).
    assert_eq!(names(&env, &["--expiring-within", "30d"]).len(), 0);
    assert_eq!(names(&env, &["--expiring-within", "45d"]), ["echo"]);
    assert_eq!(
        names(&env, &["--expiring-within", "500d"]),
        ["delta", "echo"]
    );
    assert_eq!(
        names_at(&env, "2026-11-20T00:00:00Z", &["--expiring-within", "3d"]),
        ["Alpha"]
    );
    env.fails(&["list", "--expiring-within", "soon"], 2);
}

#[test]
fn list_filters_by_state() {
    let env = fixture();
    env.ok(&["disable", "charlie", "--reason", "laptop stolen"]);
    assert_eq!(names(&env, &["--expired"]), ["Alpha", "bravo"]);
    assert_eq!(names(&env, &["--disabled"]), ["charlie"]);
    assert_eq!(names(&env, &["--enabled"]), ["delta", "echo"]);
    let table = env.ok(&["list", "--disabled"]);
    assert!(table.contains("disabled (laptop stolen)"), "{table}");
    let table = env.ok(&["list", "--expired"]);
    assert!(table.contains("expired"), "{table}");
    env.fails(&["list", "--enabled", "--disabled"], 2);
}

#[test]
fn list_violations_needs_max_lifetime_and_shows_keys_beyond_it() {
    let env = fixture();
    let err = env.fails(&["list", "--violations"], 2);
    assert!(err.contains("max-lifetime"), "{err}");
    env.ok(&["config", "set", "max-lifetime", "90d"]);
    // delta expires in ~a year; desktop keys take no expiry and are exempt.
    assert_eq!(names(&env, &["--violations"]), ["delta"]);
}

#[test]
fn list_user_filter_matches_only_bound_keys() {
    let env = fixture();
    assert!(names(&env, &["--user", "bob"]).is_empty());
}

#[test]
fn list_search_is_case_insensitive_over_shown_columns_and_tags() {
    let env = fixture();
    assert_eq!(names(&env, &["--search", "BILLING serv"]), ["Alpha"]);
    assert_eq!(names(&env, &["--search", "alp"]), ["Alpha"]);
    assert_eq!(names(&env, &["--search", "TEAM-P"]), ["Alpha", "bravo"]);
    assert_eq!(names(&env, &["--search", "desktop"]), ["charlie"]);
    // Shown date: issued 11/04/2026 in the us format, 2026-11-04 in iso.
    assert_eq!(names(&env, &["--search", "2026-11-04"]), ["bravo"]);
    assert_eq!(
        names(&env, &["--search", "11/04/2026", "--date-format", "us"]),
        ["bravo"]
    );
    // The ID column and the truncated key column are searched too.
    let id = env.show("echo")["id"].as_str().unwrap().to_string();
    assert_eq!(names(&env, &["--search", &id.to_lowercase()]), ["echo"]);
    let key = env.show("echo")["key"].as_str().unwrap().to_string();
    let tail = &key[key.len() - 4..];
    assert!(names(&env, &["--search", tail]).contains(&"echo".to_string()));
    assert!(names(&env, &["--search", "nothing-like-this"]).is_empty());
}

#[test]
fn list_table_has_every_column_and_a_truncated_key() {
    let env = fixture();
    let out = env.ok(&["list"]);
    for h in [
        "ID",
        "NAME",
        "TYPE",
        "STATE",
        "ORG",
        "DESCRIPTION",
        "ISSUED",
        "EXPIRES",
        "CREATED BY",
        "KEY",
        "LAST USED",
    ] {
        assert!(out.contains(h), "header {h}: {out}");
    }
    let key = env.show("Alpha")["key"].as_str().unwrap().to_string();
    assert_eq!(key.chars().count(), 15, "10 + … + 4: {key}");
    assert!(key.contains('…'));
    assert!(out.contains(&key));
    assert!(!out.contains('\u{1b}'), "no colour when piped");
    assert_eq!(env.ok(&["list", "-q"]).lines().count(), 5);
}

#[test]
fn date_formats_from_flag_env_and_setting() {
    let env = Env::at(T0);
    env.generate("k", &["--expires", "2027-01-31T17:00:00Z"]);
    let expires = |r: String| {
        r.lines()
            .find(|l| l.starts_with("Expires"))
            .unwrap()
            .to_string()
    };
    assert!(expires(env.ok(&["show", "k"])).contains("2027-01-31 17:00"));
    assert!(expires(env.ok(&["show", "k", "--date-format", "us"])).contains("01/31/2027 5:00 PM"));
    assert!(expires(env.ok(&["show", "k", "--date-format", "eu"])).contains("31/01/2027 17:00"));
    assert!(expires(env.ok(&["show", "k", "--date-format", "%e %b %Y"])).contains("31 Jan 2027"));
    let out: Run = env
        .cmd()
        .env("KEYADM_DATE_FORMAT", "eu")
        .args(["list"])
        .output()
        .unwrap()
        .into();
    assert!(out.stdout.contains("31/01/2027 17:00"), "{}", out.stdout);
    env.ok(&["config", "set", "date-format", "us"]);
    assert!(env.ok(&["list"]).contains("01/31/2027 5:00 PM"));
    // The flag wins over the setting.
    assert!(env
        .ok(&["list", "--date-format", "iso"])
        .contains("2027-01-31 17:00"));
    let err = env.fails(&["list", "--date-format", "%Q"], 2);
    assert!(err.contains("date format"), "{err}");
}

#[test]
fn local_time_unless_utc() {
    let env = Env::at(T0);
    env.generate("k", &["--expires", "2027-01-31T17:00:00Z"]);
    let tokyo = |args: &[&str]| -> String {
        let r: Run = env
            .cmd()
            .env("TZ", "Asia/Tokyo")
            .args(args)
            .output()
            .unwrap()
            .into();
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    assert!(tokyo(&["list"]).contains("2027-02-01 02:00"));
    assert!(tokyo(&["list", "--utc"]).contains("2027-01-31 17:00 UTC"));
    assert!(tokyo(&["show", "k", "--utc"]).contains("2027-01-31 17:00 UTC"));
}

#[test]
fn json_is_rfc3339_utc_whatever_the_display_settings() {
    let env = fixture();
    let plain = env.ok(&["list", "--json"]);
    let styled: Run = env
        .cmd()
        .env("TZ", "Asia/Tokyo")
        .args(["list", "--json", "--date-format", "us", "--utc"])
        .output()
        .unwrap()
        .into();
    assert_eq!(plain, styled.stdout);
    let v: Value = serde_json::from_str(&plain).unwrap();
    let alpha = v
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "Alpha")
        .unwrap();
    assert_eq!(alpha["created_at"], "2026-11-02T10:00:00Z");
    let show_plain = env.ok(&["show", "Alpha", "--json"]);
    let show_styled = env.ok(&["show", "Alpha", "--json", "--date-format", "eu"]);
    assert_eq!(show_plain, show_styled);
}

#[test]
fn list_state_column_shows_a_rotation_in_grace() {
    let env = Env::at(T0);
    env.generate("billing", &[]);
    env.ok(&["rotate", "billing", "--grace", "1h"]);
    assert!(env.ok(&["list"]).contains("enabled, in grace"));
    let later = ok_at(&env, "2026-11-22T19:00:00Z", &["list"]);
    assert!(!later.contains("in grace"), "{later}");
}

#[test]
fn a_bad_date_format_in_the_environment_warns_and_uses_the_setting() {
    let env = Env::at("2026-11-24T10:00:00Z");
    let value = env.generate("billing", &["--expires", "2027-01-31T17:00:00Z"]);
    let with_env = |args: &[&str]| -> common::Run {
        env.cmd()
            .env("KEYADM_DATE_FORMAT", "%Q")
            .args(args)
            .output()
            .unwrap()
            .into()
    };
    let warning = "warning: KEYADM_DATE_FORMAT \"%Q\" is not a date format; using the setting\n";
    let r = with_env(&["list", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, warning);
    assert!(r.stdout.contains("billing"));
    let r = with_env(&["show", "billing", "--value"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), value);
    assert_eq!(r.stderr.matches("warning:").count(), 1, "{}", r.stderr);
    // Human output falls back to the setting (iso by default).
    let r = with_env(&["show", "billing"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("2027-01-31 17:00"), "{}", r.stdout);
    env.ok(&["config", "set", "date-format", "eu"]);
    assert!(with_env(&["show", "billing"])
        .stdout
        .contains("31/01/2027 17:00"));
    // The flag stays strict, and wins over the environment.
    let r = with_env(&["list", "--date-format", "%Q"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("error: invalid date format"),
        "{}",
        r.stderr
    );
    let r = with_env(&["show", "billing", "--date-format", "us"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("01/31/2027 5:00 PM"), "{}", r.stdout);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}
