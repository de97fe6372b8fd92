//! `export` and `import`: formats, secrets, 0600 files, formula defusing,
//! audit, all-or-nothing imports and a round trip between two stores.

use crate::common;

use std::os::unix::fs::PermissionsExt;

use common::{Env, Run};
use serde_json::Value;

const T0: &str = "2026-11-22T17:45:00Z";

fn audit_actions(env: &Env) -> Vec<String> {
    // The `audit` command lives on another branch; read the table itself.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let mut stmt = conn
        .prepare("SELECT action FROM audit ORDER BY seq")
        .unwrap();
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

fn csv_rows(text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect()
}

fn fixture() -> Env {
    let env = Env::at(T0);
    env.ok(&["config", "set", "scoped-api", "on"]);
    env.generate(
        "billing",
        &[
            "--description",
            "Billing, \"main\"",
            "--expires",
            "90d",
            "--tag",
            "team:pay",
            "--tag",
            "prod",
        ],
    );
    env.generate(
        "reports",
        &[
            "--type",
            "custom",
            "--allow",
            "GET /api/v1/reports/*",
            "--allow",
            "POST /api/v1/jobs",
            "--origin",
            "*.example.com",
            "--ip",
            "10.0.0.0/8",
            "--rotate-every",
            "30d",
        ],
    );
    env.generate("agents", &["--type", "internal"]);
    env.generate("laptop", &["--type", "desktop"]);
    env.ok(&["disable", "billing", "--reason", "moved"]);
    env
}

#[test]
fn export_without_secrets_truncates_the_key_column() {
    let env = fixture();
    let value = env.ok(&["show", "billing", "--value"]).trim().to_string();
    let out = env.ok(&["export"]);
    assert!(!out.contains(&value));
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 4);
    let billing = rows.iter().find(|r| &r[1] == "billing").unwrap();
    assert_eq!(&billing[12], env.show("billing")["key"].as_str().unwrap());
    assert_eq!(&billing[8], "Billing, \"main\"");
    assert_eq!(&billing[4], "false");
    assert_eq!(&billing[5], "moved");
    assert_eq!(&billing[17], "team:pay; prod");
    let json: Value = serde_json::from_str(&env.ok(&["export", "--format", "json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 4);
    assert!(json[0].get("value").is_none());
    // The filters of list apply.
    assert_eq!(csv_rows(&env.ok(&["export", "--type", "custom"])).len(), 1);
    assert_eq!(csv_rows(&env.ok(&["export", "--disabled"])).len(), 1);
}

#[test]
fn export_with_secrets_needs_confirmation_and_writes_a_private_file() {
    let env = fixture();
    let err = env.fails(&["export", "--include-secrets"], 2);
    assert!(err.contains("--yes"), "{err}");
    let file = env.dir.path().join("keys.csv");
    let f = file.to_str().unwrap();
    let r = env.run(&["export", "--include-secrets", "-o", f]);
    assert_eq!(r.code, 2, "no terminal, no --yes: refused");
    assert!(!file.exists());
    env.ok(&["export", "--include-secrets", "--yes", "-o", f]);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&file).unwrap();
    let value = env.ok(&["show", "reports", "--value"]).trim().to_string();
    assert!(text.contains(&value));
    let actions = audit_actions(&env);
    let exports = actions.iter().filter(|a| *a == "export").count();
    assert_eq!(
        exports, 5,
        "one per key revealed and one for the export: {actions:?}"
    );
}

#[test]
fn export_output_format_follows_the_extension() {
    let env = fixture();
    let file = env.dir.path().join("keys.json");
    env.ok(&["export", "-o", file.to_str().unwrap()]);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 4);
    assert!(audit_actions(&env).contains(&"export".to_string()));
}

#[test]
fn export_gives_show_once_keys_their_hash_with_a_note() {
    let env = Env::at(T0);
    env.generate("kept", &[]);
    env.generate("once", &["--show-once"]);
    let r = env.run(&["export", "--include-secrets", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("1 show-once key"), "{}", r.stderr);
    let rows = csv_rows(&r.stdout);
    let once = rows.iter().find(|r| &r[1] == "once").unwrap();
    assert!(
        once[12].contains('…'),
        "shortened, as list shows it: {}",
        &once[12]
    );
    assert_eq!(once[21].len(), 64, "its value hash");
    let kept = rows.iter().find(|r| &r[1] == "kept").unwrap();
    assert!(kept[12].starts_with("kadm_e_") && kept[12].len() == 45);
    // Only show-once keys selected: nothing retrievable, exit 4.
    let err = env.fails(
        &["export", "--include-secrets", "--yes", "--search", "once"],
        4,
    );
    assert!(err.contains("shown once"), "{err}");
}

#[test]
fn export_defuses_spreadsheet_formulas() {
    let env = Env::at(T0);
    for (name, desc) in [
        ("a", "=HYPERLINK(\"x\")"),
        ("b", "+1"),
        ("c", "-2+3"),
        ("d", "@SUM(A1)"),
    ] {
        env.generate(name, &[&format!("--description={desc}")]);
    }
    env.generate("=name", &[]);
    let out = env.ok(&["export"]);
    for row in csv_rows(&out) {
        let cell = if &row[1] == "'=name" {
            &row[1]
        } else {
            &row[8]
        };
        assert!(cell.starts_with('\''), "not defused: {cell:?}");
    }
    // And an import of such an export gets the original text back.
    let file = env.dir.path().join("x.csv");
    env.ok(&[
        "export",
        "--include-secrets",
        "--yes",
        "-o",
        file.to_str().unwrap(),
    ]);
    let other = Env::at(T0);
    other.ok(&["import", file.to_str().unwrap()]);
    assert_eq!(other.show("a")["description"], "=HYPERLINK(\"x\")");
    assert_eq!(other.show("c")["description"], "-2+3");
    assert_eq!(other.show("=name")["name"], "=name");
}

fn round_trip(format: &str) {
    let a = fixture();
    let b = Env::at(T0);
    b.ok(&["init"]);
    assert_ne!(
        std::fs::read(a.master()).unwrap(),
        std::fs::read(b.master()).unwrap()
    );
    let file = a.dir.path().join(format!("keys.{format}"));
    a.ok(&[
        "export",
        "--include-secrets",
        "--yes",
        "-o",
        file.to_str().unwrap(),
    ]);
    b.ok(&["config", "set", "scoped-api", "on"]);
    let out = b.ok(&["import", file.to_str().unwrap()]);
    assert!(out.contains("imported 4 keys"), "{out}");
    for name in ["billing", "reports", "agents", "laptop"] {
        let (ka, kb) = (a.show(name), b.show(name));
        for field in [
            "id",
            "type",
            "org",
            "description",
            "enabled",
            "disabled_reason",
            "created_at",
            "created_by",
            "expires_at",
            "key",
            "rules",
            "origins",
            "ips",
            "tags",
            "rotate_every",
        ] {
            assert_eq!(ka[field], kb[field], "{name}.{field}");
        }
        let va = a.ok(&["show", name, "--value"]);
        assert_eq!(va, b.ok(&["show", name, "--value"]), "{name}: value kept");
    }
    assert!(audit_actions(&b).iter().filter(|x| *x == "import").count() == 4);
}

#[test]
fn round_trip_csv_between_stores_with_different_master_keys() {
    round_trip("csv");
}

#[test]
fn round_trip_json_between_stores_with_different_master_keys() {
    round_trip("json");
}

#[test]
fn import_keeps_ids_unless_they_clash() {
    let a = Env::at(T0);
    a.generate("one", &[]);
    let id = a.show("one")["id"].as_str().unwrap().to_string();
    let file = a.dir.path().join("k.csv");
    a.ok(&[
        "export",
        "--include-secrets",
        "--yes",
        "-o",
        file.to_str().unwrap(),
    ]);
    // Change the name so only the ID clashes when importing into the same store.
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace(",one,", ",uno,");
    let value = a.ok(&["show", "one", "--value"]);
    a.ok(&["rotate", "one", "--grace", "0"]);
    std::fs::write(&file, text).unwrap();
    let r = a.run(&["import", file.to_str().unwrap(), "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v[0]["original_id"], id.as_str());
    assert_ne!(v[0]["id"], id.as_str());
    assert_eq!(a.ok(&["show", "uno", "--value"]), value);
}

#[test]
fn import_is_all_or_nothing_and_names_the_bad_row() {
    let a = Env::at(T0);
    a.generate("one", &[]);
    a.generate("two", &[]);
    a.generate("three", &[]);
    let file = a.dir.path().join("k.csv");
    a.ok(&[
        "export",
        "--include-secrets",
        "--yes",
        "-o",
        file.to_str().unwrap(),
    ]);
    let good = std::fs::read_to_string(&file).unwrap();
    let b = Env::at(T0);
    b.ok(&["init"]);
    let try_import = |text: &str, code: i32| -> String {
        std::fs::write(&file, text).unwrap();
        let err = b.fails(&["import", file.to_str().unwrap()], code);
        assert!(b.ok(&["list", "-q"]).is_empty(), "nothing imported");
        err
    };
    // A mistyped value (checksum) in row 2 ("three" sorts after "one").
    let v3 = a.ok(&["show", "three", "--value"]).trim().to_string();
    let mut broken = v3.clone();
    broken.replace_range(10..11, if &v3[10..11] == "A" { "B" } else { "A" });
    let err = try_import(&good.replace(&v3, &broken), 2);
    assert!(
        err.contains("row 2 (\"three\")") && err.contains("checksum"),
        "{err}"
    );
    // An unknown type.
    let err = try_import(&good.replacen(",external,", ",premium,", 1), 2);
    assert!(
        err.contains("row 1") && err.contains("unknown key type"),
        "{err}"
    );
    // A name already taken in the target store.
    b.generate("two", &[]);
    let err = try_import_keeping(&b, &file, &good, 4);
    assert!(
        err.contains("row 3 (\"two\")") && err.contains("already exists"),
        "{err}"
    );
    // A truncated key (an export made without --include-secrets).
    let plain = a.ok(&["export"]);
    std::fs::write(&file, plain).unwrap();
    let err = b.fails(&["import", file.to_str().unwrap()], 2);
    assert!(
        err.contains("row 1") && err.contains("--include-secrets"),
        "{err}"
    );
}

fn try_import_keeping(b: &Env, file: &std::path::Path, text: &str, code: i32) -> String {
    std::fs::write(file, text).unwrap();
    let before = b.ok(&["list", "-q"]);
    let err = b.fails(&["import", file.to_str().unwrap()], code);
    assert_eq!(b.ok(&["list", "-q"]), before, "nothing imported");
    err
}

#[test]
fn import_applies_the_key_limit() {
    let b = Env::at(T0);
    b.ok(&["init"]);
    let mut csv = String::from("Name,Key,Description,Enabled\n");
    let a = Env::at(T0);
    for i in 0..3 {
        let v = a.generate(&format!("k{i}"), &[]);
        csv.push_str(&format!("k{i},{v},from aws,TRUE\n"));
    }
    // Fill the tenant to 298 keys with a script-speed loop of generates.
    for i in 0..298 {
        b.generate(&format!("f{i}"), &[]);
    }
    let file = b.dir.path().join("aws.csv");
    let err = try_import_keeping(&b, &file, &csv, 4);
    assert!(
        err.contains("row 3 (\"k2\")") && err.contains("limit"),
        "{err}"
    );
}

#[test]
fn import_reads_an_aws_api_gateway_csv() {
    let a = Env::at(T0);
    let v1 = a.generate("x", &[]);
    let v2 = a.generate("y", &["--type", "internal"]);
    let csv = format!(
        "Name,Key,Description,Enabled,UsageplanIds\nmobile-app,{v1},Mobile app,TRUE,abc\nbatch,{v2},\"Nightly, batch\",false,\n"
    );
    let b = Env::at(T0);
    let file = b.dir.path().join("aws.csv");
    std::fs::write(&file, csv).unwrap();
    let out = b.ok(&["import", file.to_str().unwrap()]);
    assert!(out.contains("imported 2 keys"), "{out}");
    let m = b.show("mobile-app");
    assert_eq!(m["type"], "external");
    assert_eq!(m["description"], "Mobile app");
    assert_eq!(m["state"], "enabled");
    let batch = b.show("batch");
    assert_eq!(batch["type"], "internal");
    assert_eq!(batch["enabled"], false);
    assert_eq!(b.ok(&["show", "batch", "--value"]).trim(), v2);
    // A value that is not a keyadm value is refused (verify could never accept it).
    std::fs::write(
        &file,
        "Name,Key,Description,Enabled\nz,abcdefghijklmnopqrstuvwxyz0123456789,,TRUE\n",
    )
    .unwrap();
    let err = b.fails(&["import", file.to_str().unwrap()], 2);
    assert!(err.contains("row 1 (\"z\")"), "{err}");
}

#[test]
fn import_refuses_a_value_already_in_the_store() {
    let a = Env::at(T0);
    let v = a.generate("x", &[]);
    let file = a.dir.path().join("aws.csv");
    std::fs::write(
        &file,
        format!("Name,Key,Description,Enabled\ncopy,{v},,TRUE\n"),
    )
    .unwrap();
    let err = a.fails(&["import", file.to_str().unwrap()], 4);
    assert!(err.contains("already in this store"), "{err}");
    let r: Run = a.run(&["import", "/nonexistent/file.csv"]);
    assert_eq!(r.code, 5);
}

#[test]
fn a_failed_export_writes_and_audits_nothing() {
    let env = fixture();
    let before = audit_actions(&env);
    let r = env.run(&[
        "export",
        "--include-secrets",
        "--yes",
        "-o",
        "/nonexistent/dir/keys.csv",
    ]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(r.stderr.contains("error: cannot write"), "{}", r.stderr);
    assert_eq!(audit_actions(&env), before);
}

#[test]
fn import_reads_stdin() {
    let a = Env::at(T0);
    let v = a.generate("x", &[]);
    let b = Env::at(T0);
    let r = b.run_stdin(
        &["import", "-", "-q"],
        &format!("Name,Key,Description,Enabled\nx,{v},,TRUE\n"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), b.show("x")["id"].as_str().unwrap());
}

#[test]
fn an_import_file_that_is_a_json_object_says_so() {
    let env = Env::new();
    let value = env.generate("billing", &[]);
    let export = env.ok(&["export", "--format", "json", "--include-secrets", "-y"]);
    let keys: serde_json::Value = serde_json::from_str(&export).unwrap();
    let env = Env::new();
    let key = keys[0].clone();
    for file in [
        serde_json::json!({ "keys": [key.clone()] }).to_string(),
        format!("\u{feff}\n  {}", key),
    ] {
        let r = env.run_stdin(&["import", "-"], &file);
        assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(
                "error: the file is a JSON object, but a keyadm JSON export is an array of keys"
            ),
            "{}",
            r.stderr
        );
        assert!(r
            .stderr
            .contains("hint: import a file made by: keyadm export --format json"));
        assert!(!r.stderr.contains("CSV"), "{}", r.stderr);
        assert!(!r.stderr.contains(&value), "no value in errors");
    }
    assert!(!env.db().exists(), "a refused file creates no store");
    // The array itself imports.
    let r = env.run_stdin(&["import", "-"], &export);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(env.show("billing")["name"], "billing");
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

#[test]
fn a_bad_import_file_creates_no_store() {
    let env = Env::new();
    let csv = env.dir.path().join("bad.csv");
    std::fs::write(&csv, "Name,Key,Description,Enabled\nx,kadm_e_bad,d,TRUE\n").unwrap();
    env.fails(&["import", csv.to_str().unwrap()], 2);
    assert!(!env.db().exists(), "a store was created");
    assert!(!env.master().exists(), "a master key was created");
}
