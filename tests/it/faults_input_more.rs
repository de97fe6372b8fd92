//! Bad input to the commands beyond the core: users and organizations,
//! what `verify` and `lookup` read on stdin, `verify --batch` lines, `sign`
//! and `check-signature` options, `import` files, `audit` filters and `scan`
//! paths. Each gives the documented exit code, one `error:` and one `hint:`
//! line (or, for the commands that judge, a denial with its reason), stores
//! nothing and never panics.

use crate::common;

use std::ffi::OsString;
use std::path::Path;
use std::process::Command as Std;

use common::{proof, Env, Run};
use serde_json::{json, Value};

const NOW: &str = "2026-11-24T09:00:00Z";

fn store() -> Env {
    let env = Env::at(NOW);
    env.ok(&["org", "add", "acme/emea"]);
    env.ok(&[
        "user",
        "add",
        "bob",
        "--org",
        "acme",
        "--email",
        "bob@example.com",
    ]);
    env.generate("k1", &[]);
    env.generate("off", &[]);
    env.ok(&["disable", "off"]);
    env
}

/// Runs `args`; asserts the exit code, an `error:` then a `hint:` line and
/// nothing else, the error saying `says`, no raw control character echoed,
/// nothing on stdout and the store byte-for-byte unchanged.
fn check(env: &Env, args: &[&str], code: i32, says: &str) {
    check_run(
        env,
        args.iter().map(OsString::from).collect(),
        None,
        code,
        says,
    )
}

fn check_run(env: &Env, args: Vec<OsString>, stdin: Option<Vec<u8>>, code: i32, says: &str) {
    let before = env.store_bytes();
    let mut c = env.cmd();
    c.args(&args);
    if let Some(input) = stdin {
        c.write_stdin(input);
    }
    let r: Run = c.output().expect("binary runs").into();
    let shown = format!("keyadm {args:?}");
    assert!(
        !r.stderr.contains("panicked"),
        "{shown}: panic: {}",
        r.stderr
    );
    assert_eq!(r.code, code, "{shown}: {}{}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty(), "{shown}: printed {}", r.stdout);
    let (error, _) = common::assert_only_error_and_hint(&r.stderr, &shown);
    assert!(
        error.contains(says),
        "{shown}: does not say {says:?}: {error}"
    );
    assert!(
        r.stderr.chars().all(|c| c == '\n' || !c.is_control()),
        "{shown}: raw control characters echoed: {:?}",
        r.stderr
    );
    assert!(env.store_bytes() == before, "{shown}: the store changed");
}

#[test]
fn bad_user_and_organization_options() {
    let env = store();
    let cases: &[(&[&str], i32, &str)] = &[
        (&["user", "add", "a\u{7}b"], 2, "user name"),
        (&["user", "add", "x\u{202E}y"], 2, "user name"),
        (&["user", "add", "\u{200F}rtl"], 2, "user name"),
        (&["user", "add", ""], 2, "user name"),
        (&["user", "add", "bob"], 4, "taken"),
        (&["user", "add", "u", "--email", "not an email"], 2, "email"),
        (&["user", "add", "u", "--email", "a@b@c"], 2, "email"),
        (
            &["user", "add", "u", "--email", "a@ex\u{202E}.com"],
            2,
            "email",
        ),
        (&["user", "add", "u", "--email", "a\n@b.com"], 2, "email"),
        (&["user", "add", "u", "--role", "king"], 2, "role"),
        (&["user", "add", "u", "--role", "ADMIN"], 2, "role"),
        (
            &["user", "add", "u", "--allow", "FETCH /x"],
            2,
            "allow rule",
        ),
        (&["user", "add", "u", "--allow", ""], 2, "allow rule"),
        (&["user", "add", "u", "--allow", "GET x"], 2, "allow rule"),
        (
            &["user", "add", "u", "--allow", "GET /a\u{1b}[31m"],
            2,
            "allow rule",
        ),
        (&["user", "add", "u", "--org", "acme//x"], 2, "organization"),
        (&["user", "add", "u", "--org", "Acme"], 2, "organization"),
        (
            &["user", "add", "u", "--org", "acme/nowhere"],
            3,
            "no organization",
        ),
        (
            &["user", "add", "u", "--display-name", "a\nb"],
            2,
            "display name",
        ),
        (
            &["user", "add", "u", "--display-name", "a\u{202E}b"],
            2,
            "display name",
        ),
        (&["user", "add", "u", "--group", "a\tb"], 2, "group"),
        (&["user", "add", "u", "--group", ""], 2, "group"),
        (&["user", "edit", "bob", "--email", "bad"], 2, "email"),
        (&["user", "edit", "bob", "--allow", "GET"], 2, "allow rule"),
        (
            &["user", "edit", "bob", "--move-to", "acme/nowhere"],
            3,
            "no organization",
        ),
        (
            &["user", "edit", "bob", "--move-to", "default"],
            4,
            "tenant",
        ),
        (&["user", "edit", "bob", "--role", "root"], 2, "role"),
        (
            &["user", "edit", "nosuch", "--email", "a@b.com"],
            3,
            "no user",
        ),
        (&["user", "disable", "nosuch"], 3, "no user"),
        (&["user", "remove", "nosuch"], 3, "no user"),
        (&["user", "list", "--org", "a b"], 2, "organization"),
        (&["org", "add", "acme/bad name"], 2, "organization"),
        (&["org", "add", "acme/\u{200F}x"], 2, "organization"),
        (&["org", "add", "/acme"], 2, "organization"),
        (&["org", "add", "acme/"], 2, "organization"),
        (&["org", "add", ""], 2, "organization"),
        (&["org", "add", "a\u{7}"], 2, "organization"),
        (&["org", "remove", "nowhere"], 3, "no organization"),
        (&["org", "remove", "acme"], 4, "still holds"),
    ];
    for (args, code, says) in cases {
        check(&env, args, *code, says);
    }
    assert_eq!(proof::count(&env, "SELECT count(*) FROM users"), 1);
}

fn stdin_run(env: &Env, args: &[&str], input: &[u8]) -> Run {
    env.cmd()
        .args(args)
        .write_stdin(input.to_vec())
        .output()
        .unwrap()
        .into()
}

#[test]
fn verify_and_lookup_take_any_stdin_without_harm() {
    let env = store();
    let v = env.ok(&["show", "k1", "--value"]).trim().to_string();
    let huge = vec![b'a'; 10 << 20];
    let many: Vec<u8> = "garbage\n".repeat(100_000).into_bytes();
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("binary", b"\xff\xfe\x00abc\x00".to_vec()),
        ("empty", Vec::new()),
        ("a newline", b"\n".to_vec()),
        ("10 MB line", huge.clone()),
        (
            "10 MB line then the value",
            [&huge[..], b"\n", v.as_bytes()].concat(),
        ),
        ("many lines", many.clone()),
        (
            "garbage, then the value",
            format!("garbage\n{v}\n").into_bytes(),
        ),
        ("the value cut", v.as_bytes()[..20].to_vec()),
    ];
    for (what, input) in &bad {
        let before = env.store_bytes();
        let r = stdin_run(&env, &["verify", "--json"], input);
        assert_eq!(r.code, 1, "verify, {what}: {}", r.stderr);
        let d: Value = serde_json::from_str(&r.stdout).expect("one JSON decision");
        assert_eq!(d["allowed"], false);
        assert_eq!(d["reason"], "malformed", "verify, {what}");
        assert!(!r.stderr.contains("panicked"));
        assert!(
            env.store_bytes() == before,
            "verify, {what}: the store changed"
        );

        check_run(
            &env,
            vec!["lookup".into()],
            Some(input.clone()),
            2,
            "not a keyadm key value",
        );
    }
    // The first line counts; what follows it is ignored.
    let r = stdin_run(&env, &["verify"], format!("{v}\ngarbage\n\u{0}").as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = stdin_run(&env, &["lookup", "--json"], format!("{v}\n").as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    check(
        &env,
        &["verify", "--key-file", "/nonexistent/key"],
        5,
        "cannot read",
    );
    check(
        &env,
        &["lookup", "--key-file", "/nonexistent/key"],
        5,
        "cannot read",
    );
}

#[test]
fn verify_batch_answers_each_bad_line_and_goes_on() {
    let env = store();
    let v = env.ok(&["show", "k1", "--value"]).trim().to_string();
    let ok = json!({"key": v}).to_string();
    let long = json!({"key": "x".repeat(70_000)}).to_string();
    let lines: Vec<(String, &str)> = vec![
        ("not json".into(), "bad_request"),
        (ok.clone(), ""),
        (json!({"key": 5}).to_string(), "bad_request"),
        (json!({"key": v, "method": 7}).to_string(), "bad_request"),
        (
            json!({"key": v, "ip": ["10.0.0.1"]}).to_string(),
            "bad_request",
        ),
        (json!({"key": null}).to_string(), "bad_request"),
        (json!({}).to_string(), "bad_request"),
        (json!({"method": "GET"}).to_string(), "bad_request"),
        (json!([v]).to_string(), "bad_request"),
        (json!(v).to_string(), "bad_request"),
        ("[1,2]".into(), "bad_request"),
        (long, "bad_request"),
        (String::new(), "bad_request"),
        ("{\"key\": \"\\u0000\"}".into(), "malformed"),
        (json!({"key": v, "methd": "GET"}).to_string(), "bad_request"),
        (
            json!({"key": v, "extra": {"a": 1}}).to_string(),
            "bad_request",
        ),
        (json!({"key": v, "ip": v}).to_string(), "bad_request"),
        (
            json!({"key": v, "ip": "300.1.1.1"}).to_string(),
            "bad_request",
        ),
        (json!({"key": v, "key": v}).to_string(), ""),
        ("{\"key\": \"a\", \"key\": \"b\"}".into(), "bad_request"),
        (ok.clone(), ""),
    ];
    let mut input: Vec<u8> = Vec::new();
    for (l, _) in &lines {
        input.extend_from_slice(l.as_bytes());
        input.push(b'\n');
    }
    // A line that is not UTF-8, then one more good line.
    input.extend_from_slice(b"{\"key\": \"\xff\xfe\"}\n");
    input.extend_from_slice(ok.as_bytes());
    let r = stdin_run(&env, &["verify", "--batch"], &input);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"));
    let out: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each answer is JSON"))
        .collect();
    assert_eq!(out.len(), lines.len() + 2, "one answer per line, in order");
    for (i, ((line, want), got)) in lines.iter().zip(&out).enumerate() {
        let shown = &line[..line.len().min(80)];
        if want.is_empty() {
            assert_eq!(got["allowed"], true, "line {}: {shown}: {got}", i + 1);
        } else {
            assert_eq!(got["allowed"], false, "line {}: {shown}", i + 1);
            assert_eq!(got["reason"], *want, "line {}: {shown}: {got}", i + 1);
        }
        if *want == "bad_request" {
            let e = got["error"].as_str().expect("a bad request says why");
            assert!(!e.is_empty());
            assert!(
                !e.contains(&v),
                "line {}: the error repeats the value: {e}",
                i + 1
            );
        }
    }
    assert_eq!(out[lines.len()]["reason"], "bad_request");
    assert_eq!(out[lines.len() + 1]["allowed"], true, "the stream went on");
}

#[test]
fn bad_sign_and_check_signature_options() {
    let env = store();
    let id = env.show("k1")["id"].as_str().unwrap().to_string();
    let sig = format!("v2={}", "0".repeat(64));
    // The signature never goes on argv: a file holds it.
    let sig_path = env.dir.path().join("sig");
    std::fs::write(&sig_path, &sig).unwrap();
    let sig_file = sig_path.to_str().unwrap().to_string();
    let now = chrono::DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .timestamp()
        .to_string();
    let ts = now.as_str();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &[
                "sign",
                "k1",
                "--url",
                "https://h.example/x",
                "--method",
                "G T",
            ],
            2,
            "method",
        ),
        (
            &["sign", "k1", "--url", "https://h.example/x", "--method", ""],
            2,
            "method",
        ),
        (
            &[
                "sign",
                "k1",
                "--url",
                "https://h.example/x",
                "--method",
                "GET\u{7}",
            ],
            2,
            "method",
        ),
        (
            &[
                "sign",
                "k1",
                "--url",
                "https://h.example/x",
                "--method",
                &"A".repeat(21),
            ],
            2,
            "method",
        ),
        (&["sign", "k1", "--url", "x y"], 2, "URL"),
        (&["sign", "k1", "--url", ""], 2, "URL"),
        (&["sign", "k1", "--url", "/a b"], 2, "URL"),
        (&["sign", "k1", "--url", "/a\u{1b}[2J"], 2, "URL"),
        (&["sign", "k1", "--url", "https://h/a\nb"], 2, "URL"),
        (
            &[
                "sign",
                "k1",
                "--url",
                "https://h.example/x",
                "--body-file",
                "/nonexistent/body",
            ],
            5,
            "cannot read",
        ),
        (
            &["sign", "nosuch", "--url", "https://h.example/x"],
            3,
            "no key",
        ),
        (
            &[
                "check-signature",
                "--key-id",
                &id,
                "--timestamp",
                ts,
                "--signature-file",
                &sig_file,
                "--url",
                "x y",
            ],
            2,
            "URL",
        ),
        (
            &[
                "check-signature",
                "--key-id",
                &id,
                "--timestamp",
                ts,
                "--signature-file",
                &sig_file,
                "--url",
                "https://h.example/x",
                "--method",
                "G T",
            ],
            2,
            "method",
        ),
        (
            &[
                "check-signature",
                "--key-id",
                &id,
                "--timestamp",
                ts,
                "--signature-file",
                &sig_file,
                "--url",
                "https://h.example/x",
                "--body-file",
                "/nonexistent/body",
            ],
            5,
            "cannot read",
        ),
        (
            &[
                "check-signature",
                "--key-id",
                &id,
                "--timestamp",
                ts,
                "--signature-file",
                &sig_file,
                "--url",
                "https://h.example/x",
                "--max-skew",
                "abc",
            ],
            2,
            "duration",
        ),
        (
            &[
                "check-signature",
                "--key-id",
                &id,
                "--timestamp",
                ts,
                "--signature-file",
                &sig_file,
                "--url",
                "https://h.example/x",
                "--max-skew",
                "-5m",
            ],
            2,
            "",
        ),
    ];
    for (args, code, says) in cases {
        check(&env, args, *code, says);
    }
    // Malformed timestamps and signatures, an unknown key: denied with a reason (exit 1).
    for (ts, sig, key, reason) in [
        ("abc", sig.as_str(), id.as_str(), "malformed"),
        ("99999999999999999999", &sig, &id, "malformed"),
        ("1.5", &sig, &id, "malformed"),
        ("", &sig, &id, "malformed"),
        (ts, "zz", &id, "malformed"),
        (ts, "v1=zz", &id, "malformed"),
        (ts, "v2=00", &id, "malformed"),
        (ts, &sig[..40], &id, "malformed"),
        (ts, &sig, "nosuch", "unknown"),
        (ts, &sig, "", "unknown"),
        ("1", &sig, &id, "timestamp_too_old"),
        (ts, &sig, &id, "signature_mismatch"),
    ] {
        let before = env.store_bytes();
        std::fs::write(&sig_path, sig).unwrap();
        let r = env.run(&[
            "check-signature",
            "--json",
            "--key-id",
            key,
            &format!("--timestamp={ts}"),
            "--signature-file",
            &sig_file,
            "--url",
            "https://h.example/x",
        ]);
        assert_eq!(r.code, 1, "{ts:?} {sig:?} {key:?}: {}", r.stderr);
        let d: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(d["valid"], false);
        assert!(
            d["reason"].as_str().unwrap().contains(reason),
            "{ts:?} {sig:?} {key:?}: {d}"
        );
        assert!(env.store_bytes() == before);
    }
}

/// An export with values from a store of its own, to import elsewhere.
fn exported() -> (Env, String) {
    let src = Env::at(NOW);
    src.generate("a", &["--tag", "x"]);
    src.generate("b", &[]);
    let file = src.dir.path().join("e.csv");
    src.ok(&[
        "export",
        "--include-secrets",
        "--yes",
        "--format",
        "csv",
        "--output",
        file.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(file).unwrap();
    (src, text)
}

#[test]
fn bad_import_files_import_nothing_and_name_the_row() {
    let (_src, csv) = exported();
    let dst = Env::at(NOW);
    dst.ok(&["init"]);
    let mut lines = csv.lines();
    let head = lines.next().unwrap().to_string();
    let row_a = lines.next().unwrap().to_string();
    let row_b = lines.next().unwrap().to_string();
    let cols: Vec<&str> = head.split(',').collect();
    let col = |name: &str| cols.iter().position(|c| *c == name).unwrap();
    // Row b with one cell replaced.
    let with = |name: &str, cell: &str| -> String {
        let mut cells: Vec<String> = row_b.split(',').map(str::to_string).collect();
        cells[col(name)] = cell.to_string();
        cells.join(",")
    };
    let value_b = row_b.split(',').nth(col("key")).unwrap().to_string();
    let mut bad_checksum = value_b.clone();
    let last = bad_checksum.pop().unwrap();
    bad_checksum.push(if last == 'A' { 'B' } else { 'A' });
    let body = |rows: &[String]| format!("{head}\n{}\n", rows.join("\n"));
    let cases: Vec<(String, String, &str)> = vec![
        (
            "bad checksum".into(),
            body(&[row_a.clone(), with("key", &bad_checksum)]),
            "row 2",
        ),
        (
            "unknown type".into(),
            body(&[row_a.clone(), with("type", "superkey")]),
            "row 2",
        ),
        (
            "type formula".into(),
            body(&[with("type", "=1+1")]),
            "row 1",
        ),
        (
            "cut value".into(),
            body(&[with("key", &value_b[..20])]),
            "row 1",
        ),
        (
            "truncated value".into(),
            body(&[with("key", "kadm_e_abc…WXYZ")]),
            "row 1",
        ),
        ("no value".into(), body(&[with("key", "")]), "row 1"),
        (
            "missing columns".into(),
            "name,type\nk,external\n".into(),
            "unknown CSV columns",
        ),
        (
            "empty file".into(),
            String::new(),
            "the file to import is empty",
        ),
        (
            "quoted newline in a name".into(),
            body(&[row_a.clone(), with("name", "\"b\nc\"")]),
            "row 2",
        ),
        (
            "escape in a name".into(),
            body(&[with("name", "b\u{1b}[31m")]),
            "row 1",
        ),
        (
            "defused dash name".into(),
            body(&[with("name", "'-b")]),
            "row 1",
        ),
        (
            "formula tag".into(),
            body(&[with("tags", "@SUM(A1)")]),
            "row 1",
        ),
        (
            "formula expiry".into(),
            body(&[with("expires_at", "+2027-01-01")]),
            "row 1",
        ),
        (
            "bad enabled".into(),
            body(&[with("enabled", "maybe")]),
            "row 1",
        ),
        (
            "bad rule".into(),
            body(&[with("rules", "FETCH /x")]),
            "row 1",
        ),
        (
            "bad ip".into(),
            body(&[with("ips", "10.0.0.0/33")]),
            "row 1",
        ),
        (
            "unknown org".into(),
            body(&[with("org", "nowhere")]),
            "row 1",
        ),
        ("bad org".into(), body(&[with("org", "a b")]), "row 1"),
        (
            "extra cell".into(),
            body(&[format!("{row_b},x")]),
            "not valid CSV",
        ),
        (
            "one cell short".into(),
            body(&[row_b.rsplit_once(',').unwrap().0.to_string()]),
            "not valid CSV",
        ),
        (
            "the same key twice".into(),
            body(&[row_b.clone(), row_b.clone()]),
            "row 2",
        ),
        // Cut inside its first item (rows are read one by one: a list cut
        // after a whole item would first stop at that item's own error).
        ("json: not a list".into(), "[{\"name\": 1".into(), "JSON"),
        ("json: an item not an object".into(), "[1]".into(), "item 1"),
        (
            "json: no value".into(),
            json!([{"name": "n", "type": "external"}]).to_string(),
            "row 1",
        ),
        (
            "json: wrong type of value".into(),
            json!([{"name": "n", "type": "external", "value": 5}]).to_string(),
            "row 1",
        ),
        (
            "json: bad tags".into(),
            json!([{"name": "n", "type": "external", "value": value_b, "tags": [{"a": 1}]}])
                .to_string(),
            "row 1",
        ),
    ];
    let file = dst.dir.path().join("in.txt");
    for (what, text, says) in &cases {
        std::fs::write(&file, text).unwrap();
        let before = dst.store_bytes();
        let r = dst.run(&["import", file.to_str().unwrap()]);
        assert!(
            [2, 3, 4].contains(&r.code),
            "{what}: exit {}: {}",
            r.code,
            r.stderr
        );
        let (error, _) = common::assert_only_error_and_hint(&r.stderr, what);
        assert!(
            error.contains(says),
            "{what}: does not name {says:?}: {error}"
        );
        assert!(
            r.stderr.chars().all(|c| c == '\n' || !c.is_control()),
            "{what}: raw control characters: {:?}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "{what}: {}", r.stdout);
        assert!(dst.store_bytes() == before, "{what}: the store changed");
    }
    assert_eq!(proof::count(&dst, "SELECT count(*) FROM keys"), 0);
    // A byte-order mark is not bad input; the file imports.
    std::fs::write(&file, format!("\u{feff}{}", body(&[row_a, row_b]))).unwrap();
    dst.ok(&["import", file.to_str().unwrap()]);
    assert_eq!(proof::count(&dst, "SELECT count(*) FROM keys"), 2);
    proof::assert_audit_intact(&dst);
}

#[test]
fn bad_audit_filters() {
    let env = store();
    for (args, says) in [
        (&["audit", "--since", "yesterday"][..], "invalid time"),
        (&["audit", "--since", ""], "invalid time"),
        (&["audit", "--since", "2026-13-01"], "invalid time"),
        (&["audit", "--until", "2026-02-30"], "invalid time"),
        (&["audit", "--until", "7x"], "invalid"),
        (&["audit", "--since", "\u{202E}7d"], "invalid time"),
        (&["audit", "--limit", "abc"], ""),
        (&["audit", "--limit=-1"], ""),
        (&["audit", "--limit", "1.5"], ""),
        (&["audit", "--limit", "99999999999999999999999"], ""),
        (&["audit", "--key", "nosuch"], ""),
    ] {
        let r = env.run(args);
        if args[1] == "--key" {
            // A key that is not (or no longer) there may still have entries.
            assert!(r.code == 0 || r.code == 3, "{}", r.stderr);
            continue;
        }
        check(&env, args, 2, says);
    }
}

#[test]
fn scan_reports_unreadable_paths_and_goes_on() {
    let env = store();
    let v = env.ok(&["show", "k1", "--value"]).trim().to_string();
    let tree = env.dir.path().join("tree");
    std::fs::create_dir_all(tree.join("locked")).unwrap();
    std::fs::write(tree.join("a.env"), format!("KEY={v}\n")).unwrap();
    std::fs::write(tree.join("locked/b.env"), format!("KEY={v}\n")).unwrap();
    std::fs::write(tree.join("secret.env"), format!("KEY={v}\n")).unwrap();
    // Paths that do not exist are bad input (exit 2), even beside good ones.
    check(&env, &["scan", "/nonexistent/path"], 2, "cannot scan");
    check(
        &env,
        &["scan", tree.to_str().unwrap(), "/nonexistent/path"],
        2,
        "cannot scan",
    );

    let have_setpriv = Std::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !proof::is_root() || !have_setpriv {
        return proof::lacking("unreadable files need root, setpriv and the user nobody");
    }
    use std::os::unix::fs::PermissionsExt;
    let mode =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    let bin = env.dir.path().join("keyadm");
    std::fs::copy(assert_cmd::cargo::cargo_bin("keyadm"), &bin).unwrap();
    // `nobody` acts as an operator the store knows by name (SPEC §5.1).
    env.ok(&["operator", "add", "tester"]);
    // The store readable by nobody; the tree's two secrets are not.
    for p in [env.db().parent().unwrap(), env.master().parent().unwrap()] {
        assert!(Std::new("chown")
            .args(["-R", "nobody"])
            .arg(p)
            .status()
            .unwrap()
            .success());
    }
    mode(env.dir.path(), 0o755);
    mode(&tree, 0o755);
    mode(&tree.join("a.env"), 0o644);
    mode(&tree.join("locked"), 0o700);
    mode(&tree.join("secret.env"), 0o600);
    let before = env.store_bytes();
    let r = env.as_nobody(&bin, &["scan", "--json", tree.to_str().unwrap()]);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(
        r.code, 1,
        "the active key in a.env is found: {}{}",
        r.stdout, r.stderr
    );
    let out: Value = serde_json::from_str(&r.stdout).expect("scan --json");
    let found: Vec<&str> = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(found.len(), 1, "{out}");
    assert!(found[0].ends_with("a.env"));
    for unreadable in ["locked", "secret.env"] {
        let warning = format!(
            "warning: could not read {}",
            tree.join(unreadable).display()
        );
        assert!(
            r.stderr.contains(&warning),
            "{unreadable} is not reported as unreadable: {}",
            r.stderr
        );
    }
    assert!(!r.stderr.contains(&v) && !r.stdout.contains(&v));
    assert!(env.store_bytes() == before, "scan changed the store");
}

#[test]
fn an_empty_exec_command_is_refused_not_run() {
    let env = store();
    env.generate("soon", &["--expires", "5d"]);
    // `sh -c ''` succeeds: the value would count as delivered to nobody.
    for cmd in ["", "  ", "\t"] {
        check(
            &env,
            &["rotate", "k1", "--exec", cmd],
            2,
            "--exec needs a command",
        );
        check(
            &env,
            &["rotate", "--due", "--exec", cmd],
            2,
            "--exec needs a command",
        );
        check(
            &env,
            &["notify", "--exec", cmd],
            2,
            "--exec needs a command",
        );
    }
}
