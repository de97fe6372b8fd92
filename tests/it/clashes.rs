//! Clashes across tenants (SPEC §5.1, hardening items 5 and 17): a KEY
//! argument resolves only among the keys the actor can see; for an operator,
//! a KEY that is one key's ID and another key's name is exit 2 naming both;
//! `id:ID` and `--org` say which. A confined actor is told nothing of other
//! tenants' keys: not their IDs (generate, import), nor their values.

use crate::common;

use common::{assert_error_form, Env};

/// acme (alice, admin) and globex (gary, admin); the default actor is the operator.
fn two_tenants() -> Env {
    let env = Env::new();
    env.ok(&["org", "add", "acme"]);
    env.ok(&["org", "add", "globex"]);
    env.ok(&["user", "add", "alice", "--org", "acme", "--role", "admin"]);
    env.ok(&["user", "add", "gary", "--org", "globex", "--role", "admin"]);
    env
}

/// A well-formed value this store has never seen (made by another store).
fn fresh_value() -> String {
    Env::new().generate("elsewhere", &[])
}

fn id_of(env: &Env, actor: &str, key: &str) -> String {
    let out = env.ok_as(actor, &["show", key, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["id"].as_str().unwrap().to_string()
}

fn write_csv(env: &Env, rows: &str) -> String {
    let path = env.dir.path().join("in.csv");
    std::fs::write(&path, format!("id,name,type,key,org\n{rows}")).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn an_imported_id_does_not_shadow_another_tenants_name() {
    let env = two_tenants();
    let pp = env.ok_as("gary", &["generate", "prodpayments", "-q"]);
    let pp = pp.trim();
    let gary_id = id_of(&env, "gary", "prodpayments");
    let csv = write_csv(
        &env,
        &format!("prodpayments,decoy,external,{},acme\n", fresh_value()),
    );
    env.ok_as("alice", &["import", &csv]);

    // The operator without --org: both keys are named, nothing is changed.
    let err = env.fails(&["disable", "prodpayments", "--reason", "leaked"], 2);
    assert!(err.contains("\"decoy\""), "{err}");
    assert!(err.contains(&gary_id), "{err}");
    assert!(err.contains("id:prodpayments"), "{err}");
    assert!(err.contains("--org globex"), "{err}");
    env.run_stdin(&["verify"], pp)
        .code
        .eq(&0)
        .then_some(())
        .expect("still allowed");

    // With --org, the KEY resolves within that tenant: gary's key, by name.
    env.ok(&[
        "--org",
        "globex",
        "disable",
        "prodpayments",
        "--reason",
        "leaked",
    ]);
    let r = env.run_stdin(&["verify"], pp);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("disabled"), "{}", r.stdout);
    let decoy = env.show("id:prodpayments");
    assert_eq!(decoy["name"], "decoy");
    assert_eq!(decoy["enabled"], true);
    // An ID outside --org's tenant is not found.
    env.fails(&["--org", "globex", "show", "id:prodpayments"], 3);

    // Confined actors see only their tenant: no clash for them.
    assert_eq!(id_of(&env, "alice", "prodpayments"), "prodpayments");
    assert_eq!(id_of(&env, "gary", "prodpayments"), gary_id);
    env.fails_as("alice", &["show", &format!("id:{gary_id}")], 3);
}

#[test]
fn a_confined_import_replaces_a_foreign_id_without_saying_why() {
    let env = two_tenants();
    env.ok_as("gary", &["generate", "sync", "-q"]);
    let gary_id = id_of(&env, "gary", "sync");
    let csv = write_csv(
        &env,
        &format!("{gary_id},mine,external,{},acme\n", fresh_value()),
    );

    let dry = env.run_as("alice", &["import", &csv, "--dry-run"]);
    assert_eq!(dry.code, 0, "{}{}", dry.stdout, dry.stderr);
    assert!(dry.stdout.contains("a new ID"), "{}", dry.stdout);
    assert!(!dry.stdout.contains("taken"), "{}", dry.stdout);

    let r = env.run_as("alice", &["import", &csv]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("taken"), "{}", r.stderr);
    let new_id = id_of(&env, "alice", "mine");
    assert_ne!(new_id, gary_id);
    assert_eq!(
        r.stderr.matches(&gary_id).count(),
        1,
        "one note lists the replaced ID: {}",
        r.stderr
    );
    assert!(r.stderr.contains(&new_id), "{}", r.stderr);
    // The operator is still told the reason.
    let csv = write_csv(
        &env,
        &format!("{gary_id},again,external,{},acme\n", fresh_value()),
    );
    let r = env.run(&["import", &csv]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("is taken in this store"), "{}", r.stderr);
}

#[test]
fn a_confined_actor_may_name_a_key_after_a_foreign_id() {
    let env = two_tenants();
    env.ok_as("gary", &["generate", "sync", "-q"]);
    let gary_id = id_of(&env, "gary", "sync");
    env.ok_as("alice", &["generate", &gary_id, "-q"]);
    env.ok_as("alice", &["generate", "other", "-q"]);
    let alice_id = id_of(&env, "alice", &gary_id);
    assert_ne!(alice_id, gary_id);
    // Each sees its own key under that string.
    assert_eq!(id_of(&env, "gary", &gary_id), gary_id);
    // edit --name likewise: to another foreign-looking ID (its last
    // character changed, never back to gary's ID, which alice's key holds).
    let last = if gary_id[11..].eq_ignore_ascii_case("x") {
        "y"
    } else {
        "x"
    };
    env.ok_as(
        "alice",
        &[
            "edit",
            "other",
            "--name",
            &format!("{}{last}", &gary_id[..11]),
        ],
    );
    // The operator is asked which one.
    let err = env.fails(&["show", &gary_id], 2);
    assert!(err.contains(&alice_id) && err.contains("sync"), "{err}");
    assert_eq!(env.show(&format!("id:{gary_id}"))["name"], "sync");
    assert_eq!(
        env.show(&format!("id:{alice_id}"))["name"],
        gary_id.as_str()
    );
    // Within the actor's tenant the rule stays: a name may not be a visible ID.
    let err = env.fails_as("alice", &["generate", &alice_id], 4);
    assert!(err.contains("is the ID of another key"), "{err}");
}

#[test]
fn a_foreign_value_is_refused_without_saying_where_it_is() {
    let env = two_tenants();
    let theirs = env.ok_as("gary", &["generate", "sync", "-q"]);
    let csv = write_csv(&env, &format!(",mine,external,{},acme\n", theirs.trim()));
    let before = env.store_bytes();
    let err = env.fails_as("alice", &["import", &csv], 4);
    assert!(err.contains("this value cannot be imported"), "{err}");
    assert!(!err.contains("already in this store"), "{err}");
    assert!(!err.contains("sync"), "{err}");
    let r = env.run_as("alice", &["import", &csv, "--dry-run"]);
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("this value cannot be imported"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("already"), "{}", r.stdout);
    assert_eq!(env.store_bytes(), before);
    // The tenant's own value is still named.
    let own = env.ok_as("alice", &["generate", "billing", "-q"]);
    let csv = write_csv(&env, &format!(",again,external,{},acme\n", own.trim()));
    let err = env.fails_as("alice", &["import", &csv], 4);
    assert!(
        err.contains("already in this store, as key \"billing\""),
        "{err}"
    );
}

#[test]
fn id_prefix_names_a_key_by_its_id_only() {
    let env = Env::new();
    env.generate("billing", &[]);
    let id = env.show("billing")["id"].as_str().unwrap().to_string();
    assert_eq!(env.show(&format!("id:{id}"))["name"], "billing");
    let err = env.fails(&["show", "id:billing"], 3);
    assert_error_form(&err);
    let err = env.fails(&["generate", "id:x"], 2);
    assert!(err.contains("id:"), "{err}");
}
