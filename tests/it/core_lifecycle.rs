//! The key lifecycle: list, show, edit, enable, disable, delete, rotate,
//! with every refusal and its exit code, and the audit entry of each change.
use crate::common;

use common::Env;
use serde_json::{json, Value};

const NOW: &str = "2026-11-24T10:00:00Z";

/// The audit entries (action, key name, details), oldest first.
fn audit(env: &Env) -> Vec<(String, Option<String>, Value)> {
    env.query("SELECT action, key_name, details FROM audit ORDER BY seq")
        .into_iter()
        .map(|r| {
            (
                r[0].clone().unwrap(),
                r[1].clone(),
                serde_json::from_str(r[2].as_deref().unwrap()).unwrap(),
            )
        })
        .collect()
}

fn actions(env: &Env) -> Vec<String> {
    audit(env).into_iter().map(|(a, _, _)| a).collect()
}

fn names(list_json: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(list_json).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------- list

#[test]
fn list_sorts_by_name_and_shows_every_column() {
    let env = Env::at(NOW);
    env.ok(&["init"]);
    assert_eq!(names(&env.ok(&["list", "--json"])), Vec::<String>::new());
    let r = env.run(&["list"]);
    assert!(r.stderr.contains("0 keys"), "{}", r.stderr);
    for n in ["charlie", "Alpha", "bravo"] {
        env.generate(n, &["--description", &format!("the {n} service")]);
    }
    assert_eq!(
        names(&env.ok(&["list", "--json"])),
        ["Alpha", "bravo", "charlie"]
    );
    assert_eq!(
        names(&env.ok(&["list", "--json", "--reverse"])),
        ["charlie", "bravo", "Alpha"]
    );
    let table = env.ok(&["list"]);
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
        assert!(table.contains(h), "{h}: {table}");
    }
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(rows.len(), 3);
    assert!(rows[0].contains("Alpha") && rows[2].contains("charlie"));
    assert!(rows[0].contains("the Alpha service"));
    assert!(rows[0].contains("2026-11-24 10:00") && rows[0].contains("tester"));
    assert!(rows[0].contains("kadm_e_") && rows[0].contains('…'));
    let value = env.ok(&["show", "Alpha", "--value"]).trim().to_string();
    assert!(
        !table.contains(&value),
        "the table never shows a whole value"
    );
}

#[test]
fn expired_keys_show_as_expired_without_any_sweep() {
    let mut env = Env::at(NOW);
    env.generate("short", &["--expires", "1d"]);
    env.generate("long", &["--expires", "30d"]);
    env.now = Some("2026-11-26T10:00:00Z".into());
    let list: Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
    let state = |n: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == n)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state("short"), "expired");
    assert_eq!(state("long"), "enabled");
    assert_eq!(env.show("short")["state"], "expired");
    assert_eq!(env.show("short")["enabled"], true, "nothing swept it");
    let table = env.ok(&["list"]);
    let row = table.lines().find(|l| l.contains("short")).unwrap();
    assert!(row.contains("expired"), "{row}");
    let out = env.ok(&["show", "short"]);
    assert!(out.contains("expired"), "{out}");
    // At the exact moment of expiry the key is expired.
    env.now = Some("2026-11-25T10:00:00Z".into());
    assert_eq!(env.show("short")["state"], "expired");
}

// ---------------------------------------------------------------- show

#[test]
fn show_masks_the_value_and_reveals_it_audited() {
    let env = Env::at(NOW);
    let value = env.generate(
        "billing",
        &["--description", "billing service", "--tag", "prod"],
    );
    let before = actions(&env).len();
    let out = env.ok(&["show", "billing"]);
    assert!(!out.contains(&value), "masked by default");
    assert!(
        out.contains(&format!("{}…{}", &value[..10], &value[41..])),
        "{out}"
    );
    for label in [
        "ID",
        "Name",
        "Type",
        "State",
        "Organization",
        "Description",
        "Issued",
        "Expires",
        "Key",
        "Tags",
        "Last used",
    ] {
        assert!(out.lines().any(|l| l.starts_with(label)), "{label}: {out}");
    }
    assert_eq!(actions(&env).len(), before, "a plain show is not audited");

    let out = env.ok(&["show", "billing", "--reveal"]);
    assert!(out.contains(&value), "{out}");
    assert_eq!(
        env.ok(&["show", "billing", "--value"]),
        format!("{value}\n")
    );
    let j: Value =
        serde_json::from_str(&env.ok(&["show", "billing", "--reveal", "--json"])).unwrap();
    assert_eq!(j["value"], value.as_str());
    assert!(env.show("billing").get("value").is_none());
    let id = env.show("billing")["id"].as_str().unwrap().to_string();
    assert_eq!(env.ok(&["show", &id, "--value"]).trim(), value, "by ID");

    let reveals: Vec<_> = audit(&env)
        .into_iter()
        .filter(|(a, _, _)| a == "reveal")
        .collect();
    assert_eq!(reveals.len(), 4);
    assert!(reveals
        .iter()
        .all(|(_, n, _)| n.as_deref() == Some("billing")));
}

#[test]
fn unknown_keys_are_exit_3() {
    let env = Env::at(NOW);
    env.generate("a", &[]);
    for args in [
        &["show", "nope"][..],
        &["show", "nope", "--reveal"],
        &["edit", "nope", "--description", "x"],
        &["enable", "nope"],
        &["disable", "nope"],
        &["delete", "nope", "--yes"],
        &["rotate", "nope"],
        &["rotate", "a", "nope"],
        &["disable", "a", "nope"],
    ] {
        let err = env.fails(args, 3);
        assert!(err.contains("no key \"nope\""), "{args:?}: {err}");
    }
    assert_eq!(env.show("a")["state"], "enabled", "all or nothing");
    assert_eq!(actions(&env), ["generate"]);
}

// ---------------------------------------------------------------- edit

#[test]
fn edit_changes_every_option_and_audits_before_and_after() {
    let env = Env::at(NOW);
    env.ok(&["config", "set", "scoped-api", "on"]);
    env.generate(
        "svc",
        &[
            "--type",
            "custom",
            "--allow",
            "GET /a/*",
            "--tag",
            "old",
            "--origin",
            "a.example.com",
            "--ip",
            "10.0.0.1",
        ],
    );
    let id = env.show("svc")["id"].as_str().unwrap().to_string();
    env.ok(&[
        "edit",
        "svc",
        "--name",
        "service",
        "--description",
        "the service",
    ]);
    env.ok(&[
        "edit",
        &id,
        "--expires",
        "2027-03-01",
        "--tag",
        "new",
        "--untag",
        "old",
    ]);
    env.ok(&[
        "edit",
        "service",
        "--allow",
        "POST /b/**",
        "--disallow",
        "GET /a/*",
    ]);
    env.ok(&["edit", "service", "--origin", "*.example.org"]);
    env.ok(&["edit", "service", "--ip", "192.168.0.0/16", "--no-ip"]);
    env.ok(&["edit", "service", "--rotate-every", "90d"]);
    let k = env.show(&id);
    assert_eq!(k["name"], "service");
    assert_eq!(k["description"], "the service");
    assert_eq!(k["expires_at"], "2027-03-01T23:59:59Z");
    assert_eq!(k["tags"], json!(["new"]));
    assert_eq!(k["rules"].as_array().unwrap().len(), 1);
    assert!(k["rules"].to_string().contains("/b/**"), "{}", k["rules"]);
    assert_eq!(k["origins"], json!(["a.example.com", "*.example.org"]));
    assert_eq!(k["ips"], json!(["192.168.0.0/16"]));
    assert_eq!(k["rotate_every"], 90 * 86_400);
    env.ok(&[
        "edit",
        "service",
        "--no-origin",
        "--rotate-every",
        "0",
        "--expires",
        "never",
    ]);
    let k = env.show(&id);
    assert_eq!(k["origins"], json!([]));
    assert_eq!(k["rotate_every"], Value::Null);
    assert_eq!(k["expires_at"], Value::Null);

    let edits: Vec<_> = audit(&env)
        .into_iter()
        .filter(|(a, _, _)| a == "edit")
        .collect();
    assert_eq!(edits.len(), 7);
    let first = &edits[0].2["changes"];
    assert_eq!(first["name"], json!({"before": "svc", "after": "service"}));
    assert_eq!(first["description"]["after"], "the service");

    // Same values again: nothing changes, nothing is audited.
    let r = env.run(&["edit", "service", "--description", "the service"]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("nothing changed"), "{}", r.stderr);
    assert_eq!(
        audit(&env).iter().filter(|(a, _, _)| a == "edit").count(),
        7
    );
}

#[test]
fn edit_refuses_what_cannot_be_edited() {
    let env = Env::at(NOW);
    env.generate("a", &[]);
    env.generate("b", &[]);
    env.generate("desk", &["--type", "desktop"]);
    let err = env.fails(&["edit", "a", "--name", "b"], 4);
    assert!(err.contains("already exists"), "{err}");
    for args in [
        &["edit", "a", "--type", "internal"][..],
        &["edit", "a", "--type"],
        &["edit", "a", "--value", "x"],
        &["edit", "a", "--value"],
    ] {
        let err = env.fails(args, 2);
        assert!(err.contains("cannot be edited"), "{args:?}: {err}");
        assert!(
            err.contains("hint:") && err.contains("keyadm rotate a"),
            "{args:?}: {err}"
        );
    }
    let err = env.fails(&["edit", "a"], 2);
    assert!(err.contains("nothing to change"), "{err}");
    env.fails(&["edit", "a", "--expires", "2020-01-01"], 2);
    env.fails(&["edit", "a", "--expires=-1d"], 2);
    env.fails(&["edit", "a", "--name", ""], 2);
    env.fails(&["edit", "a", "--allow", "GET /x"], 2);
    env.fails(&["edit", "a", "--ip", "not-an-ip"], 2);
    env.fails(&["edit", "a", "--tag", "bad tag"], 2);
    env.fails(&["edit", "a", "--rotate-every", "soon"], 2);
    env.fails(&["edit", "desk", "--expires", "30d"], 2);
    env.fails(&["edit", "desk", "--origin", "a.example.com"], 2);
    env.ok(&["config", "set", "max-lifetime", "1y"]);
    env.fails(&["edit", "a", "--expires", "never"], 4);
    env.fails(&["edit", "a", "--expires", "2y"], 4);
    assert_eq!(actions(&env).iter().filter(|a| *a == "edit").count(), 0);
    assert_eq!(env.show("a")["name"], "a");
}

#[test]
fn edit_keeps_a_custom_key_with_at_least_one_rule() {
    let env = Env::at(NOW);
    env.ok(&["config", "set", "scoped-api", "on"]);
    env.generate("c", &["--type", "custom", "--allow", "GET /x"]);
    let err = env.fails(&["edit", "c", "--disallow", "GET /x"], 2);
    assert!(err.contains("at least one allow rule"), "{err}");
    env.fails(&["edit", "c", "--disallow", "GET /y"], 2);
}

// ---------------------------------------------------------------- enable / disable

#[test]
fn disable_and_enable_are_idempotent_and_record_the_reason() {
    let env = Env::at(NOW);
    env.generate("a", &[]);
    env.generate("b", &[]);
    env.ok(&["disable", "a", "b", "--reason", "contractor left"]);
    let k = env.show("a");
    assert_eq!(k["state"], "disabled");
    assert_eq!(k["disabled_reason"], "contractor left");
    let row = env
        .ok(&["list"])
        .lines()
        .find(|l| l.contains(" a "))
        .unwrap()
        .to_string();
    assert!(row.contains("disabled (contractor left)"), "{row}");
    assert!(env.ok(&["show", "a"]).contains("contractor left"));
    let r = env.run(&["disable", "a"]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("already disabled"), "{}", r.stderr);
    assert_eq!(env.show("a")["disabled_reason"], "contractor left", "kept");
    let disables = audit(&env)
        .into_iter()
        .filter(|(a, _, _)| a == "disable")
        .collect::<Vec<_>>();
    assert_eq!(disables.len(), 2);
    assert_eq!(disables[0].2["reason"], "contractor left");

    env.ok(&["enable", "a", "b"]);
    assert_eq!(env.show("a")["state"], "enabled");
    assert_eq!(env.show("a")["disabled_reason"], Value::Null);
    let r = env.run(&["enable", "a"]);
    assert!(r.stderr.contains("already enabled"), "{}", r.stderr);
    assert_eq!(actions(&env).iter().filter(|a| *a == "enable").count(), 2);
    let j: Value = serde_json::from_str(&env.ok(&["disable", "a", "--json"])).unwrap();
    assert_eq!(j[0]["changed"], true);
    assert_eq!(j[0]["state"], "disabled");
    env.fails(&["disable", "a", "--reason", ""], 2);
}

#[test]
fn enabling_an_expired_key_needs_a_new_expiry() {
    let mut env = Env::at(NOW);
    env.generate("a", &["--expires", "1d"]);
    env.generate("desk", &["--type", "desktop"]);
    env.now = Some("2026-12-01T10:00:00Z".into());
    let err = env.fails(&["enable", "a"], 4);
    assert!(
        err.contains("expired") && err.contains("--expires"),
        "{err}"
    );
    env.fails(&["enable", "a", "--expires", "2026-11-30"], 2);
    env.fails(&["enable", "desk", "--expires", "30d"], 2);
    env.ok(&["enable", "a", "--expires", "30d"]);
    let k = env.show("a");
    assert_eq!(k["state"], "enabled");
    assert_eq!(k["expires_at"], "2026-12-31T10:00:00Z");
    // A disabled and expired key too.
    env.ok(&["disable", "a"]);
    env.now = Some("2027-02-01T10:00:00Z".into());
    env.fails(&["enable", "a"], 4);
    env.ok(&["enable", "a", "--expires", "never"]);
    // An enabled key is left alone even if max-lifetime changed since.
    env.ok(&["config", "set", "max-lifetime", "1y"]);
    env.ok(&["enable", "a"]);
    env.ok(&["disable", "a"]);
    env.fails(&["enable", "a"], 4);
    env.ok(&["enable", "a", "--expires", "90d"]);
}

#[test]
fn disabling_the_last_enabled_internal_key_needs_yes() {
    let env = Env::at(NOW);
    env.generate("agents", &["--type", "internal"]);
    let err = env.fails(&["disable", "agents"], 2);
    assert!(
        err.contains("confirmation") && err.contains("--yes"),
        "{err}"
    );
    assert_eq!(env.show("agents")["state"], "enabled");
    let r = env.run(&["disable", "agents", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning:") && r.stderr.contains("last enabled internal key"),
        "{}",
        r.stderr
    );
    assert_eq!(env.show("agents")["state"], "disabled");
    // With another enabled internal key there is nothing to confirm.
    env.ok(&["enable", "agents"]);
    env.generate("recorders", &["--type", "internal"]);
    env.ok(&["disable", "recorders"]);
    env.fails(&["disable", "agents"], 2);
}

// ---------------------------------------------------------------- delete

#[test]
fn delete_is_all_or_nothing_and_lists_each_reason() {
    let env = Env::at(NOW);
    env.generate("agents", &["--type", "internal"]);
    env.generate("live", &[]);
    env.generate("old", &[]);
    env.ok(&["disable", "old", "agents", "--yes"]);
    let err = env.fails(&["delete", "live", "agents", "old", "--yes"], 4);
    assert!(err.contains("\"live\" is still enabled"), "{err}");
    assert!(err.contains("\"agents\" is the only internal key"), "{err}");
    assert!(
        err.contains("2 of 3 keys cannot be deleted, so none was"),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");
    for n in ["live", "agents", "old"] {
        env.show(n);
    }
    let err = env.fails(&["delete", "live", "--yes"], 4);
    assert!(
        err.contains("still enabled") && err.contains("keyadm disable"),
        "{err}"
    );
    let err = env.fails(&["delete", "agents", "--yes"], 4);
    assert!(err.contains("only internal key"), "{err}");
    assert!(!actions(&env).contains(&"delete".to_string()));

    // No terminal and no --yes: refused, nothing deleted.
    let err = env.fails(&["delete", "old"], 2);
    assert!(err.contains("--yes"), "{err}");
    env.show("old");

    let j: Value = serde_json::from_str(&env.ok(&["delete", "old", "--yes", "--json"])).unwrap();
    assert_eq!(j[0]["name"], "old");
    env.fails(&["show", "old"], 3);
    let deletes: Vec<_> = audit(&env)
        .into_iter()
        .filter(|(a, _, _)| a == "delete")
        .collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(
        deletes[0].1.as_deref(),
        Some("old"),
        "the audit keeps its record"
    );

    // With a second internal key, the first may go.
    env.generate("agents2", &["--type", "internal"]);
    env.ok(&["delete", "agents", "--yes"]);
    env.ok(&["disable", "agents2", "--yes"]);
    env.fails(&["delete", "agents2", "--yes"], 4);
}

// ---------------------------------------------------------------- rotate

#[test]
fn rotate_gives_new_values_and_keeps_the_old_for_the_grace() {
    let env = Env::at(NOW);
    let old = env.generate("a", &["--expires", "90d", "--tag", "t"]);
    let before = env.show("a");
    let new = env
        .ok(&["rotate", "a", "--grace", "2h", "-q"])
        .trim()
        .to_string();
    assert_ne!(old, new);
    assert!(new.starts_with("kadm_e_") && new.len() == 45);
    assert_eq!(env.ok(&["show", "a", "--value"]).trim(), new);
    let k = env.show("a");
    for field in [
        "id",
        "name",
        "expires_at",
        "tags",
        "created_at",
        "type",
        "org",
    ] {
        assert_eq!(k[field], before[field], "{field} stays");
    }
    assert_eq!(k["in_grace"], true);
    assert_eq!(k["previous"]["valid_until"], "2026-11-24T12:00:00Z");
    assert_eq!(
        k["previous"]["key"],
        format!("{}…{}", &old[..10], &old[41..])
    );
    assert_eq!(k["rotated_at"], NOW);
    let out = env.ok(&["show", "a"]);
    let prev = out
        .lines()
        .find(|l| l.starts_with("Previous key"))
        .expect(&out);
    assert!(prev.contains("works until 2026-11-24 12:00"), "{prev}");
    assert!(out.contains("enabled, in grace"), "{out}");

    // Rotating again ends the older previous value; grace 0 ends it at once.
    env.ok(&["rotate", "a", "--grace", "0"]);
    let k = env.show("a");
    assert_eq!(k["previous"], Value::Null);
    assert_eq!(k["in_grace"], false);
    // The default grace is the setting.
    env.ok(&["config", "set", "rotation-grace", "3h"]);
    env.ok(&["rotate", "a"]);
    assert_eq!(
        env.show("a")["previous"]["valid_until"],
        "2026-11-24T13:00:00Z"
    );
    let rotates: Vec<_> = audit(&env)
        .into_iter()
        .filter(|(a, _, _)| a == "rotate")
        .collect();
    assert_eq!(rotates.len(), 3);
    assert_eq!(rotates[0].2["grace"], "2h");
}

#[test]
fn rotate_prints_values_in_argument_order() {
    let env = Env::at(NOW);
    env.generate("x", &[]);
    env.generate("y", &[]);
    env.generate("z", &[]);
    let out = env.ok(&["rotate", "z", "x", "y", "-q"]);
    let values: Vec<&str> = out.lines().collect();
    assert_eq!(values.len(), 3);
    for (n, v) in ["z", "x", "y"].iter().zip(&values) {
        assert_eq!(env.ok(&["show", n, "--value"]).trim(), *v, "{n}");
    }
    let j: Value =
        serde_json::from_str(&env.ok(&["rotate", "y", "z", "--json", "--grace", "1h"])).unwrap();
    let arr = j.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[0]["name"], "y");
    assert_eq!(arr[1]["name"], "z");
    assert_eq!(arr[0]["previous_valid_until"], "2026-11-24T11:00:00Z");
    assert_eq!(
        env.ok(&["show", "y", "--value"]).trim(),
        arr[0]["value"].as_str().unwrap()
    );
    for f in ["id", "org", "key"] {
        assert!(arr[0].get(f).is_some(), "{f}");
    }
    let table = env.ok(&["rotate", "x", "--grace", "1h"]);
    assert!(table.contains("2026-11-24 11:00"), "{table}");
}

#[test]
fn rotate_refuses_disabled_and_expired_keys_all_or_nothing() {
    let mut env = Env::at(NOW);
    env.generate("off", &[]);
    env.generate("short", &["--expires", "1h"]);
    let ok = env.generate("ok", &[]);
    env.ok(&["disable", "off"]);
    let err = env.fails(&["rotate", "ok", "off"], 4);
    assert!(
        err.contains("disabled") && err.contains("keyadm enable"),
        "{err}"
    );
    env.now = Some("2026-11-24T12:00:00Z".into());
    let err = env.fails(&["rotate", "short"], 4);
    assert!(
        err.contains("expired") && err.contains("--expires"),
        "{err}"
    );
    assert_eq!(
        env.ok(&["show", "ok", "--value"]).trim(),
        ok,
        "nothing rotated"
    );
    env.fails(&["rotate", "ok", "--grace", "soon"], 2);
    env.fails(&["rotate", "ok", "--grace=-1h"], 2);
    assert!(!actions(&env).contains(&"rotate".to_string()));
}

#[test]
fn concurrent_deletes_never_remove_the_last_internal_key() {
    let env = Env::at(NOW);
    let mut survivor: Option<String> = None;
    for round in 0..3 {
        let mut names: Vec<String> = (0..3).map(|i| format!("int{round}-{i}")).collect();
        for n in &names {
            env.generate(n, &["--type", "internal"]);
        }
        let mut args = vec!["disable", "--yes"];
        args.extend(names.iter().map(String::as_str));
        env.ok(&args);
        names.extend(survivor.take());
        let codes: Vec<i32> = std::thread::scope(|s| {
            let workers: Vec<_> = names
                .iter()
                .map(|n| {
                    let env = &env;
                    s.spawn(move || env.run(&["delete", n, "--yes"]).code)
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        assert_eq!(codes.iter().filter(|c| **c == 4).count(), 1, "{codes:?}");
        assert_eq!(
            codes.iter().filter(|c| **c == 0).count(),
            names.len() - 1,
            "{codes:?}"
        );
        let left = env.ok(&["list", "-q", "--type", "internal"]);
        assert_eq!(left.lines().count(), 1, "one internal key is left");
        survivor = Some(left.trim().to_string());
    }
}

#[test]
fn untag_of_a_tag_the_key_lacks_is_refused_like_disallow() {
    let env = Env::new();
    env.generate("billing", &["--tag", "prod"]);
    let id = env.show("billing")["id"].as_str().unwrap().to_string();
    let before = env.ok(&["audit", "--json"]);
    let err = env.fails(&["edit", "billing", "--untag", "nope"], 2);
    assert!(err.contains("error: the key has no tag \"nope\""), "{err}");
    assert!(
        err.contains(&format!("hint: its tags are: keyadm show {id}")),
        "{err}"
    );
    // All or nothing: with a valid change beside it, nothing changes.
    env.fails(
        &["edit", "billing", "--untag", "nope", "--description", "x"],
        2,
    );
    assert_eq!(env.show("billing")["description"], "");
    assert_eq!(env.ok(&["audit", "--json"]), before);
    // A tag the key has is removed; --no-origin on an empty list is still fine.
    env.ok(&["edit", "billing", "--untag", "prod", "--no-origin", "-q"]);
    assert_eq!(env.show("billing")["tags"], serde_json::json!([]));
}

#[test]
fn edit_names_changed_fields_as_the_options_do() {
    let env = Env::at("2026-11-24T10:00:00Z");
    env.ok(&["config", "set", "scoped-api", "on", "-q"]);
    env.generate("billing", &["--type", "custom", "--allow", "GET /v1/**"]);
    let r = env.run(&["edit", "billing", "--expires", "30d"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("Changed expires of key \"billing\""),
        "{}",
        r.stderr
    );
    let r = env.run(&[
        "edit",
        "billing",
        "--allow",
        "POST /v1/orders",
        "--ip",
        "10.0.0.0/8",
        "--rotate-every",
        "90d",
        "--tag",
        "prod",
        "--description",
        "d",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for label in [
        "rules (allow)",
        "addresses (ip)",
        "rotate every",
        "tags",
        "description",
    ] {
        assert!(r.stderr.contains(label), "{label}: {}", r.stderr);
    }
    for internal in ["expires_at", "rotate_every", "ips"] {
        assert!(!r.stderr.contains(internal), "{internal}: {}", r.stderr);
    }
    // The audit log keeps the field names.
    let audit = env.ok(&["audit", "--action", "edit", "--json"]);
    assert!(audit.contains("\"expires_at\"") && audit.contains("\"rotate_every\""));
    // So does user edit: display_name is "display name".
    env.ok(&["user", "add", "alice", "--display-name", "Alice", "-q"]);
    let r = env.run(&["user", "edit", "alice", "--display-name", "Alice B"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Changed display name of user \"alice\""),
        "{}",
        r.stderr
    );
}
