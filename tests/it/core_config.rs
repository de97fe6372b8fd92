//! `keyadm config list|get|set`: every setting, its default, the validation
//! of each value, and the audit entry of each change.
use crate::common;

use common::Env;
use serde_json::{json, Value};

const NOW: &str = "2026-11-24T10:00:00Z";

const DEFAULTS: [(&str, &str); 13] = [
    ("scoped-api", "off"),
    ("key-prefix", "kadm"),
    ("default-expiry", "never"),
    ("max-lifetime", "none"),
    ("rotation-grace", "24h"),
    ("purge-after", "7d"),
    ("notify-days", "30,14,7,3,1"),
    ("clipboard-clear", "45s"),
    ("date-format", "iso"),
    ("notify-smtp", "none"),
    ("notify-from", "none"),
    ("notify-webhook", "none"),
    ("notify-to", "admins"),
];

#[test]
fn list_and_get_show_every_setting_with_its_default() {
    let env = Env::at(NOW);
    env.ok(&["init"]);
    let j: Value = serde_json::from_str(&env.ok(&["config", "list", "--json"])).unwrap();
    let expected: serde_json::Map<String, Value> = DEFAULTS
        .iter()
        .map(|(n, v)| (n.to_string(), json!(v)))
        .collect();
    assert_eq!(j, Value::Object(expected));
    let table = env.ok(&["config", "list"]);
    for (name, default) in DEFAULTS {
        assert_eq!(env.ok(&["config", "get", name]), format!("{default}\n"));
        let row = table
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .expect(name);
        assert!(row.contains(default), "{row}");
        let g: Value = serde_json::from_str(&env.ok(&["config", "get", name, "--json"])).unwrap();
        assert_eq!(g, json!({"name": name, "value": default}));
    }
    let err = env.fails(&["config", "get", "colour"], 2);
    assert!(
        err.contains("unknown setting") && err.contains("scoped-api"),
        "{err}"
    );
}

#[test]
fn set_accepts_valid_values_in_their_normal_form_and_audits_them() {
    let env = Env::at(NOW);
    env.ok(&["init"]);
    for (name, input, stored) in [
        ("scoped-api", "ON", "on"),
        ("scoped-api", "off", "off"),
        ("scoped-api", "yes", "on"),
        ("key-prefix", "acme", "acme"),
        ("key-prefix", "k2", "k2"),
        ("default-expiry", "90d", "90d"),
        ("default-expiry", "never", "never"),
        ("max-lifetime", "1y", "1y"),
        ("max-lifetime", "none", "none"),
        ("rotation-grace", "0", "0"),
        ("rotation-grace", "48h", "48h"),
        ("purge-after", "30d", "30d"),
        ("purge-after", "0", "0"),
        ("notify-days", "7, 30,1,7", "30,7,1"),
        ("clipboard-clear", "0", "0"),
        ("clipboard-clear", "2m", "2m"),
        ("date-format", "us", "us"),
        ("date-format", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M"),
    ] {
        env.ok(&["config", "set", name, input]);
        assert_eq!(
            env.ok(&["config", "get", name]).trim(),
            stored,
            "{name} {input}"
        );
    }
    let j: Value =
        serde_json::from_str(&env.ok(&["config", "set", "date-format", "eu", "--json"])).unwrap();
    assert_eq!(
        j,
        json!({"name": "date-format", "value": "eu", "before": "%d.%m.%Y %H:%M"})
    );
    let r = env.run(&["config", "set", "date-format", "eu"]);
    assert!(r.stderr.contains("already eu"), "{}", r.stderr);

    let conn =
        rusqlite::Connection::open_with_flags(env.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'config'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 19, "one entry per change, none for a value already set");
    let last: String = conn
        .query_row(
            "SELECT details FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let last: Value = serde_json::from_str(&last).unwrap();
    assert_eq!(
        last,
        json!({"setting": "date-format", "before": "%d.%m.%Y %H:%M", "after": "eu"})
    );
}

#[test]
fn set_refuses_invalid_values_for_every_setting() {
    let env = Env::at(NOW);
    env.ok(&["init"]);
    for (name, bad) in [
        ("scoped-api", "maybe"),
        ("scoped-api", ""),
        ("key-prefix", "K"),
        ("key-prefix", "ACME"),
        ("key-prefix", "abcdefghijk"),
        ("key-prefix", "ac_me"),
        ("default-expiry", "0"),
        ("default-expiry", "forever"),
        ("default-expiry", "-1d"),
        ("max-lifetime", "0"),
        ("max-lifetime", "never"),
        ("max-lifetime", "200y"),
        ("rotation-grace", "1.5h"),
        ("rotation-grace", "-1h"),
        ("purge-after", "week"),
        ("notify-days", "0"),
        ("notify-days", "x"),
        ("notify-days", "30,,7"),
        ("notify-days", "-1"),
        ("clipboard-clear", "10"),
        ("date-format", "%Q"),
        ("date-format", ""),
        ("colour", "red"),
    ] {
        let err = env.fails(&["config", "set", name, bad], 2);
        assert!(err.contains("hint:"), "{name} {bad}: {err}");
    }
    let j: Value = serde_json::from_str(&env.ok(&["config", "list", "--json"])).unwrap();
    for (name, default) in DEFAULTS {
        assert_eq!(j[name], default, "{name} unchanged");
    }
}

#[test]
fn the_date_format_setting_shapes_human_output() {
    let env = Env::at(NOW);
    env.generate("a", &["--expires", "2027-01-31T17:00"]);
    env.ok(&["config", "set", "date-format", "%d.%m.%Y"]);
    let out = env.ok(&["show", "a"]);
    assert!(out.contains("31.01.2027"), "{out}");
    let out = env.ok(&["show", "a", "--date-format", "us"]);
    assert!(out.contains("01/31/2027 5:00 PM"), "{out}");
    assert!(env.ok(&["list"]).contains("31.01.2027"));
    assert_eq!(
        env.show("a")["expires_at"],
        "2027-01-31T17:00:00Z",
        "JSON stays RFC 3339"
    );
    env.fails(&["show", "a", "--date-format", "%Q"], 2);
}
