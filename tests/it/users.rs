//! Organizations and users: their commands, the audit entries they leave,
//! and keys bound to a user (coverage of rules, a user disabled or removed).

use crate::common;

use common::Env;
use serde_json::Value;

fn json(out: &str) -> Value {
    serde_json::from_str(out).expect("JSON output")
}

/// (action, details) of every audit entry, oldest first, read from the store.
fn audit(env: &Env) -> Vec<(String, Value)> {
    env.query("SELECT action, details FROM audit ORDER BY seq")
        .into_iter()
        .map(|r| {
            (
                r[0].clone().unwrap(),
                serde_json::from_str(r[1].as_deref().unwrap()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn org_add_creates_missing_parents_and_is_idempotent() {
    let env = Env::new();
    let out = json(&env.ok(&["org", "add", "acme/emea/support", "--json"]));
    assert_eq!(
        out["created"],
        serde_json::json!(["acme", "acme/emea", "acme/emea/support"])
    );
    let out = json(&env.ok(&["org", "add", "acme/emea", "--json"]));
    assert_eq!(out["created"], serde_json::json!([]));
    for bad in ["Acme", "acme/", "/acme", "a b", "acme//x"] {
        env.fails(&["org", "add", bad], 2);
    }
    let org_entries: Vec<_> = audit(&env)
        .into_iter()
        .filter(|(a, _)| a == "org")
        .collect();
    assert_eq!(org_entries.len(), 1, "{org_entries:?}");
    assert_eq!(org_entries[0].1["op"], "add");
}

#[test]
fn org_list_is_a_tree_with_key_counts_against_the_limit() {
    let env = Env::new();
    env.ok(&["org", "add", "acme/emea/support"]);
    env.ok(&["org", "add", "acme-b"]);
    env.generate("k1", &["--org", "acme"]);
    env.generate("k2", &["--org", "acme/emea/support"]);
    env.generate("k3", &["--org", "acme/emea/support"]);
    env.ok(&["user", "add", "ann", "--org", "acme/emea"]);
    let tree = json(&env.ok(&["org", "list", "--json"]));
    let paths: Vec<&str> = tree["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "acme",
            "acme/emea",
            "acme/emea/support",
            "acme-b",
            "default"
        ]
    );
    let emea = &tree["orgs"][1];
    assert_eq!(
        (
            emea["keys"].as_i64(),
            emea["keys_within"].as_i64(),
            emea["users"].as_i64(),
            emea["parent"].as_str()
        ),
        (Some(0), Some(2), Some(1), Some("acme"))
    );
    assert_eq!(
        tree["tenants"][0],
        serde_json::json!({"tenant": "acme", "keys": 3, "limit": 300, "users": 1})
    );
    let table = env.ok(&["org", "list"]);
    assert!(table.contains("3 of 300"), "{table}");
    // Piped, full paths (a tree only on a terminal).
    assert!(table.contains("\nacme/emea/support "), "{table}");
    // --org shows that subtree (and the way to it).
    let sub = json(&env.ok(&["org", "list", "--json", "--org", "acme/emea"]));
    assert_eq!(sub["orgs"].as_array().unwrap().len(), 3);
    // Keys at and below an organization.
    let keys = json(&env.ok(&["list", "--json", "--org", "acme/emea"]));
    assert_eq!(keys.as_array().unwrap().len(), 2);
}

#[test]
fn org_remove_only_when_nothing_is_at_or_below_it() {
    let env = Env::new();
    env.ok(&["org", "add", "acme/emea/support"]);
    env.generate("k1", &["--org", "acme/emea/support"]);
    let err = env.fails(&["org", "remove", "acme/emea"], 4);
    assert!(err.contains("1 key and 0 users"), "{err}");
    env.ok(&["disable", "k1"]);
    env.ok(&["delete", "k1", "--yes"]);
    env.ok(&["user", "add", "ann", "--org", "acme/emea/support"]);
    let err = env.fails(&["org", "remove", "acme"], 4);
    assert!(err.contains("0 keys and 1 user"), "{err}");
    env.ok(&["user", "remove", "ann"]);
    let out = json(&env.ok(&["org", "remove", "acme/emea", "--json"]));
    assert_eq!(
        out["removed"],
        serde_json::json!(["acme/emea", "acme/emea/support"])
    );
    env.fails(&["org", "remove", "acme/emea"], 3);
    env.fails(&["org", "remove", "default"], 4);
    env.fails(&["generate", "k2", "--org", "acme/emea"], 3);
    env.ok(&["org", "remove", "acme"]);
    assert!(audit(&env)
        .iter()
        .any(|(a, d)| a == "org" && d["op"] == "remove"));
}

#[test]
fn users_are_added_listed_filtered_and_edited() {
    let env = Env::new();
    env.ok(&["org", "add", "acme/emea"]);
    env.ok(&["org", "add", "globex"]);
    let out = json(&env.ok(&[
        "user",
        "add",
        "alice",
        "--org",
        "acme",
        "--display-name",
        "Alice Martin",
        "--email",
        "alice@acme.example",
        "--group",
        "support",
        "--group",
        "oncall",
        "--role",
        "admin",
        "--allow",
        "GET /api/v1/**",
        "--json",
    ]));
    assert_eq!(out["tenant"], "acme");
    assert_eq!(out["privileges"], serde_json::json!(["GET /api/v1/**"]));
    env.ok(&[
        "user",
        "add",
        "bob",
        "--org",
        "acme/emea",
        "--group",
        "sales",
    ]);
    env.ok(&[
        "user",
        "add",
        "gary",
        "--org",
        "globex",
        "--display-name",
        "Gary Support",
    ]);
    let names = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["user", "list", "--json"];
        a.extend_from_slice(args);
        json(&env.ok(&a))
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&[]), ["alice", "bob", "gary"]);
    assert_eq!(names(&["--org", "acme"]), ["alice", "bob"]);
    assert_eq!(names(&["--org", "acme/emea"]), ["bob"]);
    assert_eq!(names(&["--group", "support"]), ["alice"]);
    assert_eq!(names(&["--search", "SUPPORT"]), ["alice", "gary"]);
    assert_eq!(names(&["--search", "acme.example"]), ["alice"]);
    // Bad input: nothing added.
    env.fails(&["user", "add", "alice"], 4);
    env.fails(&["user", "add", "bad name"], 2);
    env.fails(&["user", "add", "carl", "--email", "not-an-email"], 2);
    env.fails(&["user", "add", "carl", "--role", "owner"], 2);
    env.fails(&["user", "add", "carl", "--allow", "FETCH /x"], 2);
    env.fails(&["user", "add", "carl", "--org", "nowhere"], 3);
    assert_eq!(names(&[]).len(), 3);
    // Edit.
    env.ok(&[
        "user",
        "edit",
        "bob",
        "--allow",
        "GET /api/v1/users/*",
        "--role",
        "admin",
        "--ungroup",
        "sales",
        "--move-to",
        "acme",
    ]);
    let bob = &json(&env.ok(&["user", "list", "--json", "--search", "bob"]))[0];
    assert_eq!(
        (
            bob["org"].as_str(),
            bob["role"].as_str(),
            bob["groups"].clone(),
            bob["privileges"].clone()
        ),
        (
            Some("acme"),
            Some("admin"),
            serde_json::json!([]),
            serde_json::json!(["GET /api/v1/users/*"])
        )
    );
    env.fails(&["user", "edit", "bob", "--move-to", "globex"], 4);
    env.fails(&["user", "edit", "bob", "--disallow", "POST /x"], 2);
    env.fails(&["user", "edit", "bob"], 2);
    env.fails(&["user", "edit", "nobody", "--role", "admin"], 3);
    // Enable and disable are idempotent.
    env.ok(&["user", "disable", "bob"]);
    env.ok(&["user", "disable", "bob"]);
    assert_eq!(
        json(&env.ok(&["user", "list", "--json", "--search", "bob"]))[0]["state"],
        "disabled"
    );
    env.ok(&["user", "enable", "bob"]);
    let ops: Vec<String> = audit(&env)
        .into_iter()
        .filter(|(a, _)| a == "user")
        .map(|(_, d)| {
            format!(
                "{} {}",
                d["op"].as_str().unwrap(),
                d["user"].as_str().or(d["user"]["name"].as_str()).unwrap()
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            "add alice",
            "add bob",
            "add gary",
            "edit bob",
            "disable bob",
            "enable bob"
        ]
    );
}

#[test]
fn a_custom_key_bound_to_a_user_needs_rules_the_user_covers() {
    let env = Env::new();
    env.ok(&["org", "add", "acme"]);
    env.ok(&["org", "add", "globex"]);
    env.ok(&["config", "set", "scoped-api", "on"]);
    env.ok(&[
        "user",
        "add",
        "bob",
        "--org",
        "acme",
        "--allow",
        "GET /api/v1/**",
        "--allow",
        "POST /api/v1/tickets/*",
    ]);
    env.ok(&["user", "add", "gary", "--org", "globex", "--allow", "* /**"]);
    env.ok(&["user", "add", "off", "--org", "acme", "--allow", "* /**"]);
    env.ok(&["user", "disable", "off"]);
    // Covered: generated, bound.
    env.generate(
        "reports",
        &[
            "--org",
            "acme",
            "--type",
            "custom",
            "--user",
            "bob",
            "--allow",
            "GET /api/v1/reports/*",
            "--allow",
            "POST /api/v1/tickets/7",
        ],
    );
    assert_eq!(env.show("reports")["user"], "bob");
    assert_eq!(env.show("reports")["user_state"], "enabled");
    // Not covered: refused, naming the rule; nothing generated.
    for rule in [
        "POST /api/v1/users/*",
        "GET /api/v2/x",
        "* /api/v1/reports",
        "GET /**",
    ] {
        let err = env.fails(
            &[
                "generate",
                "wide",
                "--org",
                "acme",
                "--type",
                "custom",
                "--user",
                "bob",
                "--allow",
                "GET /api/v1/x",
                "--allow",
                rule,
            ],
            4,
        );
        assert!(
            err.contains(&format!("lacks the privilege for the rule \"{rule}\"")),
            "{err}"
        );
    }
    env.fails(&["show", "wide"], 3);
    // External keys may be bound too; internal and desktop keys may not.
    env.generate("ext", &["--org", "acme", "--user", "bob"]);
    env.generate("ext-all", &["--org", "acme", "--user", "all"]);
    assert_eq!(env.show("ext-all")["user"], Value::Null);
    env.fails(
        &[
            "generate", "int", "--org", "acme", "--type", "internal", "--user", "bob",
        ],
        2,
    );
    env.fails(
        &[
            "generate", "desk", "--org", "acme", "--type", "desktop", "--user", "bob",
        ],
        2,
    );
    // Unknown user, another tenant's user, a disabled user.
    env.fails(&["generate", "x", "--org", "acme", "--user", "nobody"], 3);
    env.fails(&["generate", "x", "--org", "acme", "--user", "gary"], 3);
    env.fails(&["generate", "x", "--org", "acme", "--user", "off"], 4);
    // Edit: a new rule or a new binding is checked; other edits are not.
    env.fails(
        &["edit", "reports", "--allow", "DELETE /api/v1/reports/*"],
        4,
    );
    env.ok(&["edit", "reports", "--allow", "GET /api/v1/users/*"]);
    env.generate(
        "wide",
        &["--org", "acme", "--type", "custom", "--allow", "* /api/**"],
    );
    let err = env.fails(&["edit", "wide", "--user", "bob"], 4);
    assert!(err.contains("\"* /api/**\""), "{err}");
    env.ok(&["edit", "ext-all", "--user", "bob"]);
    env.ok(&["edit", "ext-all", "--user", "all"]);
    env.generate("agents", &["--org", "acme", "--type", "internal"]);
    env.fails(&["edit", "agents", "--user", "bob"], 2);
    // Narrowing the user's privileges does not break editing other fields.
    env.ok(&[
        "user",
        "edit",
        "bob",
        "--disallow",
        "POST /api/v1/tickets/*",
    ]);
    env.ok(&["edit", "reports", "--description", "monthly"]);
    // Removing a rule only narrows the key: allowed; adding one is checked.
    env.fails(&["edit", "reports", "--allow", "POST /api/v1/tickets/8"], 4);
    env.ok(&["edit", "reports", "--disallow", "POST /api/v1/tickets/7"]);
    let keys = json(&env.ok(&["list", "--json", "--user", "bob"]));
    let names: Vec<&str> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ext", "reports"]);
}

#[test]
fn keys_of_a_disabled_or_removed_user_say_why_they_deny() {
    let env = Env::new();
    env.ok(&["org", "add", "acme"]);
    env.ok(&["user", "add", "bob", "--org", "acme", "--allow", "GET /**"]);
    env.generate("bobs", &["--org", "acme", "--user", "bob"]);
    env.ok(&["user", "disable", "bob"]);
    assert_eq!(env.show("bobs")["user_state"], "disabled");
    let table = env.ok(&["list"]);
    assert!(table.contains("enabled, user disabled"), "{table}");
    assert!(env
        .ok(&["show", "bobs"])
        .contains("bob (disabled: the key denies everything)"));
    // Removing a user with bound keys asks; --yes confirms.
    let err = env.fails(&["user", "remove", "bob"], 2);
    assert!(err.contains("needs a confirmation"), "{err}");
    env.ok(&["user", "remove", "bob", "--yes"]);
    assert_eq!(env.show("bobs")["user"], "bob");
    assert_eq!(env.show("bobs")["user_state"], "removed");
    let table = env.ok(&["list"]);
    assert!(table.contains("enabled, user removed"), "{table}");
    // A new user of that name would inherit the key: refused until it is rebound.
    let err = env.fails(&["user", "add", "bob", "--org", "acme"], 4);
    assert!(
        err.contains("still bound to the removed user \"bob\""),
        "{err}"
    );
    env.fails(&["generate", "more", "--org", "acme", "--user", "bob"], 3);
    env.ok(&["edit", "bobs", "--user", "all"]);
    env.ok(&["user", "add", "bob", "--org", "acme"]);
    assert_eq!(env.show("bobs")["user"], Value::Null);
    // A user without bound keys is removed without a question.
    env.ok(&["user", "remove", "bob"]);
    env.fails(&["user", "remove", "bob"], 3);
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
