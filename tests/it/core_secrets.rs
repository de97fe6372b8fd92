//! Secrets at rest: no key value in any store file (database, WAL, shared
//! memory) or audit entry, whatever was generated, rotated or revealed.
use crate::common;

use common::Env;

const NOW: &str = "2026-11-24T10:00:00Z";

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Every text cell of the audit table, all columns.
fn audit_text(env: &Env) -> String {
    let conn =
        rusqlite::Connection::open_with_flags(env.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = conn
        .prepare("SELECT at, actor, action, key_id, key_name, tenant, details FROM audit")
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            let mut cells = Vec::new();
            for i in 0..7 {
                cells.push(r.get::<_, Option<String>>(i)?.unwrap_or_default());
            }
            Ok(cells.join("|"))
        })
        .unwrap();
    rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
}

#[test]
fn no_value_is_ever_in_the_store_files_or_the_audit() {
    let env = Env::at(NOW);
    env.ok(&["config", "set", "scoped-api", "on"]);
    let mut values = vec![
        env.generate("ext", &["--description", "external"]),
        env.generate("int", &["--type", "internal"]),
        env.generate("desk", &["--type", "desktop"]),
        env.generate("cus", &["--type", "custom", "--allow", "GET /x/*"]),
        env.generate("once", &["--show-once"]),
    ];
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["generate", "js", "--json"])).unwrap();
    values.push(json["value"].as_str().unwrap().to_string());
    for v in env
        .ok(&["rotate", "ext", "int", "once", "-q", "--grace", "1h"])
        .lines()
    {
        values.push(v.to_string());
    }
    for v in env.ok(&["rotate", "desk", "-q", "--grace", "0"]).lines() {
        values.push(v.to_string());
    }
    for key in ["ext", "int", "desk", "cus", "js"] {
        let shown = env.ok(&["show", key, "--value"]).trim().to_string();
        assert!(values.contains(&shown), "{key}");
        env.ok(&["show", key, "--reveal"]);
        env.ok(&["show", key, "--reveal", "--json"]);
    }
    env.ok(&["edit", "ext", "--name", "ext2", "--tag", "x"]);
    env.ok(&["disable", "ext2", "--reason", "test"]);
    assert_eq!(values.len(), 10);

    // While a reader holds the store open the WAL is still there, and after.
    let reader = rusqlite::Connection::open(env.db()).unwrap();
    reader
        .query_row("SELECT count(*) FROM keys", [], |r| r.get::<_, i64>(0))
        .unwrap();
    let bytes = env.store_bytes();
    assert!(bytes.len() > 4096, "read the store files");
    let audit = audit_text(&env);
    assert!(audit.contains("reveal"), "the audit was read");
    for v in &values {
        assert!(v.starts_with("kadm_"), "{v}");
        assert!(!contains(&bytes, v), "a value is in the store files");
        // Nor its random body alone (the prefix is public).
        assert!(
            !contains(&bytes, &v[7..]),
            "a value's body is in the store files"
        );
        assert!(!audit.contains(&v[7..]), "a value is in the audit");
    }
    drop(reader);
    let bytes = env.store_bytes();
    for v in &values {
        assert!(!contains(&bytes, &v[7..]));
    }
}
