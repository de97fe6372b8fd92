//! Secrets on their way out of keyadm: never in the argv or the environment
//! of a hook (`rotate --exec`, `notify --exec`), whatever keyadm's own
//! environment carries; export files with values are private and exports
//! without them hold no whole value; import errors never repeat a value.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{proof, Env};

const T0: &str = "2026-11-01T09:00:00Z";

/// The random body of a value (its most secret part), and the whole value.
fn needles(v: &str) -> [&str; 2] {
    [v, &v[7..39]]
}

fn assert_absent(hay: &str, values: &[String], what: &str) {
    for v in values {
        for n in needles(v) {
            assert!(!hay.contains(n), "{what} holds a key value:\n{hay}");
        }
    }
}

/// A hook that records its own argv and environment, its parent's argv
/// (keyadm, or the `sh -c` keyadm started), and what it read on stdin.
fn recording_hook(dir: &Path) -> String {
    let out = dir.join("hook-out");
    std::fs::create_dir_all(&out).unwrap();
    let script = dir.join("hook.sh");
    std::fs::write(
        &script,
        format!(
            r#"out={out}
cat >> "$out/stdin"; echo >> "$out/stdin"
tr '\0' '\n' < /proc/$$/cmdline >> "$out/argv"
tr '\0' '\n' < /proc/$PPID/cmdline >> "$out/argv"
tr '\0' '\n' < /proc/$$/environ >> "$out/environ"
"#,
            out = out.display()
        ),
    )
    .unwrap();
    format!("sh {}", script.display())
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("hook-out").join(name)).unwrap_or_default()
}

#[test]
fn hooks_see_no_value_and_no_master_key_in_argv_or_environment() {
    let env = Env::at(T0);
    env.ok(&[
        "user",
        "add",
        "ada",
        "--role",
        "admin",
        "--email",
        "ada@example.com",
    ]);
    let mut values = vec![
        env.generate_long_ago("soon", &["--expires", "2026-11-05T00:00:00Z"]),
        env.generate("later", &[]),
    ];
    let master = std::fs::read_to_string(env.master()).unwrap();
    let master = master.trim().to_string();
    let hook = recording_hook(env.dir.path());
    let presented = values[1].clone();
    // keyadm's own environment carries the master key and a presented key:
    // neither may reach a hook.
    let with_secrets = |args: &[&str]| -> common::Run {
        env.cmd()
            .env("KEYADM_MASTER_KEY", &master)
            .env_remove("KEYADM_MASTER_KEY_FILE")
            .env("KEYADM_KEY", &presented)
            .args(args)
            .output()
            .unwrap()
            .into()
    };

    let r = with_secrets(&["rotate", "soon", "later", "--exec", &hook, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The hook did run, and got each new value on its stdin (and only there).
    let new: Vec<String> = read(env.dir.path(), "stdin")
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    assert_eq!(new.len(), 2, "the hook read two values: {new:?}");
    assert_eq!(env.ok(&["show", "soon", "--value"]).trim(), new[0]);
    assert_absent(&r.stdout, &new, "rotate --exec output");
    values.extend(new);

    // A failing hook undoes its key's rotation; the report names no value.
    let failing = format!("{hook}; exit 3");
    let r = with_secrets(&["rotate", "later", "--exec", &failing]);
    assert_ne!(r.code, 0, "a failing hook is reported");
    assert_absent(&r.stderr, &values, "the report of a failed hook");
    assert_absent(&r.stdout, &values[..2], "the report of a failed hook");

    let r = with_secrets(&["notify", "--exec", &hook]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        read(env.dir.path(), "environ").contains("KEYADM_DAYS_LEFT="),
        "the notify hook did not run"
    );

    let argv = read(env.dir.path(), "argv");
    let environ = read(env.dir.path(), "environ");
    assert!(
        argv.contains("hook.sh") && environ.contains("KEYADM_KEY_ID="),
        "the hook recorded nothing:\n{argv}\n{environ}"
    );
    assert_absent(&argv, &values, "a hook's or keyadm's argv");
    assert_absent(&environ, &values, "a hook's environment");
    assert!(
        !environ.contains(&master) && !environ.contains("KEYADM_MASTER_KEY="),
        "the master key reached a hook:\n{environ}"
    );
    assert!(
        !environ.contains("KEYADM_KEY="),
        "KEYADM_KEY reached a hook:\n{environ}"
    );
    proof::assert_audit_intact(&env);
}

#[test]
fn exports_with_values_are_private_and_without_hold_no_value() {
    let env = Env::at(T0);
    let values: Vec<String> = (0..3)
        .map(|i| env.generate(&format!("k{i}"), &["--description", "x"]))
        .collect();
    env.generate("once", &["--show-once"]);
    for format in ["csv", "json"] {
        // Without --include-secrets: the key column is cut, on stdout and in a file.
        let out = env.ok(&["export", "--format", format]);
        assert_absent(&out, &values, "an export without --include-secrets");
        let file = env.dir.path().join(format!("plain.{format}"));
        env.ok(&[
            "export",
            "--format",
            format,
            "--output",
            file.to_str().unwrap(),
        ]);
        assert_absent(
            &std::fs::read_to_string(&file).unwrap(),
            &values,
            "an export file without --include-secrets",
        );

        // With them: 0600, also when the file existed before with a wider mode.
        let secret = env.dir.path().join(format!("secret.{format}"));
        std::fs::write(&secret, "old").unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
        env.ok(&[
            "export",
            "--format",
            format,
            "--include-secrets",
            "--yes",
            "--output",
            secret.to_str().unwrap(),
        ]);
        let text = std::fs::read_to_string(&secret).unwrap();
        for v in &values {
            assert!(text.contains(v.as_str()), "{format}: the value is exported");
        }
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{format}: an export with values is {mode:o}");
    }
}

#[test]
fn import_errors_never_repeat_a_value() {
    let src = Env::at(T0);
    let v = src.generate("k", &[]);
    let other = src.generate("k2", &[]);
    let values = vec![v.clone(), other.clone()];
    let dst = Env::at(T0);
    dst.ok(&["init"]);
    let typo = format!("{}x", &v);
    let head = "id,name,type,key,description,tags,origins,ips,expires_at,org\n";
    for row in [
        format!(",{v},external,{v},,,,,,\n"),
        format!(",n,external,{typo},,,,,,\n"),
        format!(",n,external,{v},{other}\u{7},,,,,\n"),
        format!(",n,external,{v},,{other},,,,\n"),
        format!(",n,external,{v},,,{other},,,\n"),
        format!(",n,external,{v},,,,{other},,\n"),
        format!(",n,external,{v},,,,,{other},\n"),
        format!(",n,external,{v},,,,,,{other}\n"),
        format!(",n,internal,{v},,,,,,\n"),
        format!(",n,external,{v},,,,,,\n,n,external,{v},,,,,,\n"),
    ] {
        let file = dst.dir.path().join("in.csv");
        std::fs::write(&file, format!("{head}{row}")).unwrap();
        let before = dst.store_bytes();
        let r = dst.run(&["import", file.to_str().unwrap()]);
        assert!(
            [2, 3, 4].contains(&r.code),
            "{row}: exit {}: {}",
            r.code,
            r.stderr
        );
        let err = r.stderr;
        common::assert_error_form(&err);
        assert_absent(&err, &values, "an import error");
        assert!(err.contains("row "), "the bad row is named: {err}");
        assert!(
            dst.store_bytes() == before,
            "a failed import changed the store"
        );
    }
    // JSON: a value where a string list belongs.
    let file = dst.dir.path().join("in.json");
    std::fs::write(
        &file,
        format!(
            r#"[{{"name": "n", "type": "external", "value": "{v}", "tags": [{{"x": "{other}"}}]}}]"#
        ),
    )
    .unwrap();
    let err = dst.fails(&["import", file.to_str().unwrap()], 2);
    assert_absent(&err, &values, "an import error");
}

#[test]
fn a_value_pasted_into_a_name_description_or_reason_is_refused_not_stored() {
    let env = Env::at(T0);
    let v = env.generate("k", &[]);
    let typo = format!("{v}x");
    let in_text = format!("old key was {v}");
    let before = env.store_bytes();
    for args in [
        &["generate", v.as_str()][..],
        &["generate", typo.as_str()],
        &["generate", "n", "--description", &in_text],
        &["edit", "k", "--name", v.as_str()],
        &["edit", "k", "--description", &in_text],
        &["disable", "k", "--reason", &in_text],
    ] {
        let err = env.fails(args, 2);
        assert!(err.contains("looks like a key value"), "{args:?}: {err}");
        assert_absent(&err, std::slice::from_ref(&v), "the refusal");
    }
    assert!(
        env.store_bytes() == before,
        "a refused command changed the store"
    );
}
