//! `import` reads every column it is given (issue 16): honoured, checked,
//! dropped with a note, unknown with a warning, or refused; `--dry-run`
//! changes and creates nothing; a large file is read row by row, in bounded
//! memory (hardening item 15).

use crate::common;

use std::io::Write;

use common::Env;
use serde_json::Value;

const T0: &str = "2026-11-22T17:45:00Z";

/// Values from a store of their own (valid, in no store under test).
fn values(n: usize) -> Vec<String> {
    let src = Env::at(T0);
    (0..n)
        .map(|i| src.generate(&format!("v{i}"), &[]))
        .collect()
}

fn write(env: &Env, text: &str) -> String {
    let file = env.dir.path().join("in.csv");
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_string()
}

fn orgs_of(env: &Env) -> Vec<(String, String)> {
    let list: Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["name"].as_str().unwrap().to_string(),
                k["org"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_rows_org_is_honoured_without_an_id_column_and_wins_over_the_flag() {
    let v = values(2);
    let env = Env::at(T0);
    env.ok(&["org", "add", "t1"]);
    env.ok(&["org", "add", "t2"]);
    let file = write(
        &env,
        &format!(
            "name,type,key,org\nz1,external,{},t1\nz2,external,{},\n",
            v[0], v[1]
        ),
    );
    let r = env.run(&["--org", "t2", "import", &file]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("imported 2 keys"), "{}", r.stdout);
    assert!(
        !r.stderr.contains("warning"),
        "every column is known: {}",
        r.stderr
    );
    assert_eq!(
        orgs_of(&env),
        [("z1".into(), "t1".into()), ("z2".into(), "t2".into())],
        "the row's org, else --org"
    );
}

#[test]
fn an_unknown_column_imports_with_a_warning_naming_it() {
    let v = values(1);
    let env = Env::at(T0);
    let file = write(
        &env,
        &format!("Name,Key,Colour,Description\nz1,{},red,d\n", v[0]),
    );
    let r = env.run(&["import", &file]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning: unknown column \"colour\""),
        "{}",
        r.stderr
    );
    assert_eq!(env.show("z1")["description"], "d");
}

#[test]
fn dropped_columns_are_listed_in_one_note() {
    let v = values(1);
    let env = Env::at(T0);
    let file = write(
        &env,
        &format!(
            "Name,Key,Enabled,UsagePlanIds,last_used_at\nz1,{},TRUE,abc,2026-01-01T00:00:00Z\n",
            v[0]
        ),
    );
    let r = env.run(&["import", &file]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let notes: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("by design"))
        .collect();
    assert_eq!(notes.len(), 1, "{}", r.stderr);
    assert!(
        notes[0].contains("last_used_at, usageplanids"),
        "{}",
        notes[0]
    );
    assert_eq!(env.show("z1")["last_used_at"], Value::Null);
}

#[test]
fn a_column_that_cannot_be_honoured_refuses_the_import() {
    let v = values(2);
    let env = Env::at(T0);
    env.ok(&["org", "add", "t1"]);
    let before = env.store_bytes();
    for (text, says) in [
        (
            format!("name,key,rate_limit\nz1,{},100/0s\n", v[0]),
            "invalid rate limit",
        ),
        (
            format!("name,key,org,Org\nz1,{},t1,default\n", v[0]),
            "\"org\" is there twice",
        ),
        (
            format!(
                "[{{\"name\": \"z1\", \"type\": \"external\", \"value\": \"{}\"}}, {{\"name\": \"z2\", \"value\": \"{}\", \"org\": \"t1\", \"ORG\": \"default\"}}]",
                v[0], v[1]
            ),
            "row 2: the column \"org\" is there twice",
        ),
        // Derived columns that disagree with what they follow from.
        (
            format!("name,key,org,tenant\nz1,{},t1,default\n", v[0]),
            "tenant \"default\", but organization \"t1\"",
        ),
        (
            format!("name,key,type\nz1,{},internal\n", v[0]),
            "its value is of type external",
        ),
        (
            format!("name,key,enabled,state\nz1,{},true,disabled\n", v[0]),
            "state disabled but enabled true",
        ),
    ] {
        let file = write(&env, &text);
        let err = env.fails(&["import", &file], 2);
        assert!(err.contains(says), "{says}: {err}");
        assert!(err.contains("nothing was imported"), "{err}");
        assert!(env.store_bytes() == before, "{says}: the store changed");
    }
}

#[test]
fn dry_run_says_what_would_be_imported_and_changes_nothing() {
    let v = values(3);
    let env = Env::at(T0);
    env.ok(&["org", "add", "t1"]);
    let kept = "AbCdEf123456";
    env.generate("taken", &[]);
    let taken = env.show("taken")["id"].as_str().unwrap().to_string();
    let text = format!(
        "id,name,type,key,org\n{kept},z1,external,{},t1\n{taken},z2,external,{},\n,taken,external,{},\n",
        v[0], v[1], v[2]
    );
    let file = write(&env, &text);
    let before = env.store_bytes();
    let r = env.run(&["import", "--dry-run", &file]);
    assert_eq!(r.code, 4, "the import would stop at row 3: {}", r.stderr);
    assert!(
        r.stdout
            .contains(&format!("row 1: \"z1\" external into t1, ID {kept} kept")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!(
            "row 2: \"z2\" external into default, a new ID ({taken} is taken)"
        )),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("row 3: \"taken\": refused (exit 4): a key named \"taken\" already exists"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("error: row 3 (\"taken\")"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("dry run: nothing was changed"),
        "{}",
        r.stderr
    );
    let r = env.run(&["import", "--dry-run", "--json", &file]);
    assert_eq!(r.code, 4);
    let plans: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(plans[0]["name"], "z1");
    assert_eq!(plans[0]["type"], "external");
    assert_eq!(plans[0]["org"], "t1");
    assert_eq!(plans[0]["id"], kept);
    assert_eq!(plans[0]["refused"], Value::Null);
    assert_eq!(plans[1]["id"], Value::Null);
    assert_eq!(plans[1]["original_id"], taken.as_str());
    assert_eq!(plans[2]["refused"]["exit"], 4);
    assert!(env.store_bytes() == before, "the store changed");
    // Without the bad row the dry run passes, and still changes nothing.
    let good: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
    let file = write(&env, &good);
    let r = env.run(&["import", "--dry-run", &file]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("2 of 2 row(s) would be imported"),
        "{}",
        r.stderr
    );
    assert!(env.store_bytes() == before, "the store changed");
    assert_eq!(env.ok(&["list", "-q"]).lines().count(), 1);
    // The real import does what the dry run said.
    env.ok(&["import", &file]);
    assert_eq!(env.show("z1")["id"], kept);
    assert_eq!(env.show("z1")["org"], "t1");
}

#[test]
fn dry_run_on_a_missing_store_creates_nothing() {
    let v = values(2);
    let env = Env::at(T0);
    let file = env.dir.path().join("in.json");
    std::fs::write(
        &file,
        format!(
            "[{{\"name\": \"z1\", \"type\": \"external\", \"value\": \"{}\"}}, {{\"name\": \"z2\", \"type\": \"external\", \"value\": \"{}\"}}]",
            v[0], v[1]
        ),
    )
    .unwrap();
    let r = env.run(&["import", "--dry-run", "--json", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let plans: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(plans.as_array().unwrap().len(), 2);
    assert_eq!(plans[0]["org"], "default");
    assert_eq!(plans[1]["refused"]["exit"], Value::Null);
    assert!(!r.stderr.contains("created"), "{}", r.stderr);
    assert!(!env.db().exists() && !env.master().exists());
    assert!(!env.db().parent().unwrap().exists(), "not even its folder");
    // A bad file on a missing store creates nothing either (the pure checks
    // run over the whole file first).
    let text = format!("Name,Key\nz1,{}\nz2,not-a-value\n", v[0]);
    std::fs::write(&file, text).unwrap();
    env.fails(&["import", file.to_str().unwrap()], 2);
    assert!(!env.db().exists() && !env.master().exists());
}

/// Runs keyadm and returns its exit code, stderr and peak resident memory
/// (KiB), as the kernel counted it for that one child (wait4).
#[allow(clippy::zombie_processes)] // reaped by wait4, which std does not offer
fn run_measured(env: &Env, args: &[&str]) -> (i32, String, i64) {
    let mut cmd = env.std_cmd();
    cmd.env("KEYADM_NOW", T0)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    let mut status = 0;
    // SAFETY: a zeroed rusage is valid, and the pid is our unreaped child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    assert!(libc::WIFEXITED(status), "killed: {status}");
    (libc::WEXITSTATUS(status), stderr, usage.ru_maxrss)
}

#[test]
fn a_large_file_whose_first_row_is_bad_fails_in_bounded_memory() {
    let v = values(1);
    let env = Env::at(T0);
    env.ok(&["init"]);
    let mut broken = v[0].clone();
    let last = broken.pop().unwrap();
    broken.push(if last == 'A' { 'B' } else { 'A' });
    let head = "id,name,type,key,org\n";
    let small = env.dir.path().join("small.csv");
    std::fs::write(&small, format!("{head},bad,external,{broken},default\n")).unwrap();
    // 400,000 rows, about 30 MB: read whole, it takes 10 times that.
    let big = env.dir.path().join("big.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
    writeln!(w, "{head},bad,external,{broken},default").unwrap();
    for i in 0..400_000 {
        writeln!(w, ",key-{i:07},external,{},default", v[0]).unwrap();
    }
    w.into_inner().unwrap().sync_all().unwrap();
    assert!(std::fs::metadata(&big).unwrap().len() > 25_000_000);
    let (code, err, base) = run_measured(&env, &["import", small.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    let (code, err, peak) = run_measured(&env, &["import", big.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("row 1 (\"bad\")") && err.contains("checksum"),
        "{err}"
    );
    assert!(
        peak < base + 8 * 1024,
        "peak RSS {peak} KiB for a 30 MB file against {base} KiB for one row"
    );
}
