//! Tenants: the 300-key limit per tenant, an actor who is a registered user
//! confined to their tenant's keys in every command, and member vs admin rights.

use crate::common;

use common::{Env, Run};
use serde_json::Value;

fn id_of(env: &Env, key: &str) -> String {
    env.show(key)["id"].as_str().unwrap().to_string()
}

/// Two tenants (acme with users alice, admin, and bob, member; globex with
/// gary, admin), custom keys on, and keys in both.
fn two_tenants() -> Env {
    let env = Env::new();
    env.ok(&["org", "add", "acme/emea"]);
    env.ok(&["org", "add", "globex"]);
    env.ok(&[
        "user", "add", "alice", "--org", "acme", "--role", "admin", "--allow", "* /**",
    ]);
    env.ok(&[
        "user",
        "add",
        "bob",
        "--org",
        "acme/emea",
        "--allow",
        "GET /api/**",
    ]);
    env.ok(&["user", "add", "gary", "--org", "globex", "--role", "admin"]);
    env.ok(&["config", "set", "scoped-api", "on"]);
    env.generate("a-live", &["--org", "acme"]);
    env.generate("shared", &["--org", "acme", "--description", "acme's"]);
    env.generate("g-live", &["--org", "globex"]);
    env.generate("g-off", &["--org", "globex"]);
    env.generate("shared", &["--org", "globex", "--description", "globex's"]);
    env.ok(&["disable", "g-off"]);
    env
}

#[test]
fn each_tenant_holds_300_keys_and_the_301st_is_refused() {
    let env = Env::new();
    env.ok(&["org", "add", "acme/emea"]);
    env.ok(&["org", "add", "globex"]);
    // Fill both tenants at once: the limit is counted inside each write.
    let fill = |tenant: &'static str, n: usize| {
        let env = &env;
        move || {
            for i in 0..n {
                let org = if tenant == "acme" && i % 2 == 1 {
                    "acme/emea"
                } else {
                    tenant
                };
                env.generate(&format!("{tenant}-{i}"), &["--org", org]);
            }
        }
    };
    std::thread::scope(|s| {
        s.spawn(fill("acme", 300));
        s.spawn(fill("globex", 299));
    });
    // Disabled keys count too.
    env.ok(&["disable", "acme-0"]);
    let err = env.fails(&["generate", "acme-300", "--org", "acme/emea"], 4);
    assert!(
        err.contains("tenant \"acme\" already has 300 keys"),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
    // The other tenant still accepts its 300th, then refuses its 301st.
    env.generate("globex-299", &["--org", "globex"]);
    let err = env.fails(&["generate", "globex-300", "--org", "globex"], 4);
    assert!(
        err.contains("tenant \"globex\" already has 300 keys"),
        "{err}"
    );
    // And the default tenant is a tenant of its own.
    env.generate("default-0", &[]);
    let tree: Value = serde_json::from_str(&env.ok(&["org", "list", "--json"])).unwrap();
    let counts: Vec<(String, i64)> = tree["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tenant"].as_str().unwrap().to_string(),
                t["keys"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            ("acme".into(), 300),
            ("default".into(), 1),
            ("globex".into(), 300)
        ]
    );
}

/// Every command that takes a KEY answers a confined actor the same for a
/// key of another tenant as for a key that does not exist.
#[test]
fn another_tenants_key_is_not_found_in_every_command() {
    let env = two_tenants();
    let g_live = id_of(&env, "g-live");
    let g_off = id_of(&env, "g-off");
    let before = env.ok(&["list", "--json", "--org", "globex"]);
    let commands: Vec<Vec<&str>> = vec![
        vec!["show", "KEY"],
        vec!["show", "KEY", "--json"],
        vec!["show", "KEY", "--reveal"],
        vec!["show", "KEY", "--value"],
        vec!["edit", "KEY", "--description", "mine now"],
        vec!["edit", "KEY", "--user", "alice"],
        vec!["enable", "KEY"],
        vec!["disable", "KEY", "--reason", "x"],
        vec!["disable", "a-live", "KEY"],
        vec!["delete", "KEY", "--yes"],
        vec!["rotate", "KEY"],
        vec!["rotate", "KEY", "--grace", "0"],
    ];
    // (the key of the other tenant, a key that does not exist, of the same form)
    let targets = [
        (g_live.as_str(), "ZZZZZZZZZZZZ"),
        (g_off.as_str(), "YYYYYYYYYYYY"),
        ("g-live", "q-live"),
        ("g-off", "nokey-g-off"),
    ];
    for cmd in &commands {
        for (theirs, missing) in targets {
            let with = |k: &str| -> Vec<String> {
                cmd.iter()
                    .map(|a| {
                        if *a == "KEY" {
                            k.to_string()
                        } else {
                            a.to_string()
                        }
                    })
                    .collect()
            };
            let a = with(theirs);
            let b = with(missing);
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            let b: Vec<&str> = b.iter().map(String::as_str).collect();
            let ra = env.run_as("alice", &a);
            let rb = env.run_as("alice", &b);
            assert_eq!(ra.code, 3, "alice {a:?}:\n{}{}", ra.stdout, ra.stderr);
            assert_eq!(
                (
                    ra.code,
                    ra.stdout.replace(theirs, "<KEY>"),
                    ra.stderr.replace(theirs, "<KEY>")
                ),
                (
                    rb.code,
                    rb.stdout.replace(missing, "<KEY>"),
                    rb.stderr.replace(missing, "<KEY>")
                ),
                "alice {a:?} vs {b:?}"
            );
        }
    }
    // Listing: nothing of globex, whatever the filter.
    for args in [
        vec!["list", "--json"],
        vec!["list", "--json", "--search", "g-"],
        vec!["list", "--json", "--user", "gary"],
    ] {
        let keys: Value = serde_json::from_str(&env.ok_as("alice", &args)).unwrap();
        assert!(
            keys.as_array()
                .unwrap()
                .iter()
                .all(|k| k["tenant"] == "acme"),
            "{args:?}: {keys}"
        );
    }
    // --org of another tenant: the same "not found" as an organization that does not exist.
    let other = env.fails_as("alice", &["list", "--json", "--org", "globex"], 3);
    let none = env.fails_as("alice", &["list", "--json", "--org", "nowhere"], 3);
    assert_eq!(other.replace("globex", "X"), none.replace("nowhere", "X"));
    let q = env.ok_as("alice", &["list", "-q"]);
    assert_eq!(q.lines().count(), 2, "{q}");
    // A name used in both tenants is the actor's own tenant's key, not ambiguous.
    assert_eq!(
        serde_json::from_str::<Value>(&env.ok_as("alice", &["show", "shared", "--json"])).unwrap()
            ["description"],
        "acme's"
    );
    // The operator (no registered user) sees both, and finds globex's untouched.
    assert_eq!(env.ok(&["list", "--json", "--org", "globex"]), before);
    assert_eq!(env.show("a-live")["state"], "enabled");
    env.fails(&["show", "shared"], 2);
    // Organizations and users of another tenant are just as invisible.
    let other = env.fails_as("alice", &["generate", "k", "--org", "globex"], 3);
    let none = env.fails_as("alice", &["generate", "k", "--org", "nowhere"], 3);
    assert_eq!(other.replace("globex", "X"), none.replace("nowhere", "X"));
    let other = env.fails_as(
        "alice",
        &["user", "edit", "gary", "--email", "g@x.example"],
        3,
    );
    let none = env.fails_as(
        "alice",
        &["user", "edit", "nobody", "--email", "g@x.example"],
        3,
    );
    assert_eq!(other.replace("gary", "X"), none.replace("nobody", "X"));
    let other = env.fails_as("alice", &["org", "remove", "globex"], 3);
    let none = env.fails_as("alice", &["org", "remove", "nowhere"], 3);
    assert_eq!(other.replace("globex", "X"), none.replace("nowhere", "X"));
    let users: Value =
        serde_json::from_str(&env.ok_as("alice", &["user", "list", "--json"])).unwrap();
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    let orgs: Value =
        serde_json::from_str(&env.ok_as("alice", &["org", "list", "--json"])).unwrap();
    assert_eq!(orgs["tenants"].as_array().unwrap().len(), 1, "{orgs}");
    assert_eq!(orgs["tenants"][0]["tenant"], "acme");
}

#[test]
fn a_member_sees_the_tenants_keys_and_changes_none() {
    let env = two_tenants();
    let before = env.ok(&["list", "--json"]);
    let keys: Value = serde_json::from_str(&env.ok_as("bob", &["list", "--json"])).unwrap();
    assert_eq!(keys.as_array().unwrap().len(), 2);
    env.ok_as("bob", &["show", "a-live"]);
    for args in [
        vec!["generate", "mine"],
        vec!["generate", "mine", "--org", "acme/emea"],
        vec!["edit", "a-live", "--description", "x"],
        vec!["enable", "a-live"],
        vec!["disable", "a-live"],
        vec!["delete", "a-live", "--yes"],
        vec!["rotate", "a-live"],
        vec!["user", "add", "eve"],
        vec!["user", "edit", "bob", "--role", "admin"],
        vec!["user", "disable", "alice"],
        vec!["user", "remove", "alice", "--yes"],
        vec!["org", "add", "acme/apac"],
        vec!["org", "remove", "acme/emea"],
        vec!["config", "set", "key-prefix", "bob"],
    ] {
        let err = env.fails_as("bob", &args, 4);
        assert!(
            err.contains("\"bob\" is a member of tenant \"acme\"")
                || err.contains("is a user of tenant"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        env.ok(&["list", "--json"]),
        before,
        "a member changed something"
    );
}

#[test]
fn an_admin_manages_their_tenant_and_nothing_else() {
    let env = two_tenants();
    // Keys: generated in the admin's organization unless --org says otherwise.
    let out = env.ok_as("alice", &["generate", "alice-key", "--json"]);
    let k: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (k["org"].as_str(), k["created_by"].as_str()),
        (Some("acme"), Some("alice"))
    );
    env.ok_as("alice", &["generate", "emea-key", "--org", "acme/emea"]);
    env.ok_as("alice", &["edit", "alice-key", "--description", "by alice"]);
    env.ok_as("alice", &["rotate", "alice-key"]);
    env.ok_as("alice", &["disable", "alice-key"]);
    env.ok_as("alice", &["enable", "alice-key"]);
    env.ok_as("alice", &["disable", "alice-key"]);
    env.ok_as("alice", &["delete", "alice-key", "--yes"]);
    // Users and organizations of the tenant.
    env.ok_as("alice", &["user", "add", "dave", "--org", "acme/emea"]);
    env.ok_as("alice", &["user", "edit", "dave", "--role", "admin"]);
    env.ok_as("alice", &["org", "add", "acme/apac"]);
    env.ok_as("alice", &["org", "remove", "acme/apac"]);
    // Not another tenant, not a new tenant, not the store's settings.
    env.fails_as("alice", &["user", "add", "eve", "--org", "globex"], 3);
    env.fails_as("alice", &["org", "add", "newco"], 4);
    env.fails_as("alice", &["org", "add", "globex/x"], 4);
    let err = env.fails_as("alice", &["config", "set", "scoped-api", "off"], 4);
    assert!(err.contains("is a user of tenant \"acme\""), "{err}");
    env.ok_as("alice", &["config", "get", "scoped-api"]);
    // The actor's organization is the default for new keys; --org and KEYADM_ORG win.
    let k: Value = serde_json::from_str(&env.ok_as("dave", &["generate", "d1", "--json"])).unwrap();
    assert_eq!(k["org"], "acme/emea");
    let r: Run = env
        .cmd_as("dave")
        .env("KEYADM_ORG", "acme")
        .args(["generate", "d2", "--json"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        serde_json::from_str::<Value>(&r.stdout).unwrap()["org"],
        "acme"
    );
    // The operator's default is the default tenant.
    env.generate("op-key", &[]);
    assert_eq!(env.show("op-key")["org"], "default");
}

#[test]
fn a_disabled_user_may_do_nothing() {
    let env = two_tenants();
    env.ok(&["user", "disable", "alice"]);
    for args in [vec!["list"], vec!["show", "a-live"], vec!["generate", "x"]] {
        let err = env.fails_as("alice", &args, 4);
        assert!(
            err.contains("\"alice\" is a disabled user of tenant \"acme\""),
            "{err}"
        );
    }
    env.ok(&["user", "enable", "alice"]);
    env.ok_as("alice", &["list"]);
}

/// A store with tenants acme (admin `adm`, member `mem`) and globex.
fn adm_and_mem() -> Env {
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
    let env = adm_and_mem();
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
    let env = adm_and_mem();
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
    let env = adm_and_mem();
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
