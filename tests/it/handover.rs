//! Handing values over (SPEC §5.8): a value leaves only after the commit
//! of its audit entry, no named file ever holds an export's values before
//! it is complete (so a kill leaves none), and `--output` writes devices
//! and FIFOs in place, refuses symlinks, and takes `-` for stdout.

use crate::common;

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::Command as Std;

use common::{proof, Env, Run};

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn audit_rows(env: &Env) -> i64 {
    proof::count(env, "SELECT count(*) FROM audit")
}

/// The last audit entry's action and details.
fn last_entry(env: &Env) -> (String, serde_json::Value) {
    proof::conn(env)
        .query_row(
            "SELECT action, details FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| {
                let details: String = r.get(1)?;
                Ok((r.get(0)?, serde_json::from_str(&details).unwrap()))
            },
        )
        .unwrap()
}

fn two_keys() -> (Env, String) {
    let env = Env::new();
    let value = env.generate("billing", &[]);
    env.generate("reports", &[]);
    (env, value)
}

#[test]
fn no_value_is_released_when_the_commit_fails_on_a_full_disk() {
    let (base, value) = two_keys();
    let Some((env, _tmpfs)) = proof::on_full_disk(&base) else {
        return;
    };
    let before = audit_rows(&base);
    // The export goes to a disk with room: only the store's is full.
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("leak.json");
    let r = env.run(&[
        "export",
        "--include-secrets",
        "--yes",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("disk"), "{}", r.stderr);
    assert!(
        names_in(out.path()).is_empty(),
        "{:?}",
        names_in(out.path())
    );
    let r = env.run(&["export", "--include-secrets", "--yes", "--json"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "stdout got the export: {}", r.stdout);
    assert!(!r.stderr.contains(&value));
    // With room again (to read the store): no entry for what did not happen.
    std::fs::remove_file(env.db().parent().unwrap().join("filler")).unwrap();
    assert_eq!(audit_rows(&env), before);
}

/// The names created in `dir` (inotify: IN_CREATE and IN_MOVED_TO) while `run` runs.
fn names_created_during(dir: &Path, run: impl FnOnce() -> Run) -> (Run, Vec<String>) {
    // SAFETY: plain system calls on a descriptor this function owns.
    let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
    assert!(fd >= 0, "inotify_init1");
    let path = CString::new(dir.as_os_str().as_bytes()).unwrap();
    let wd =
        unsafe { libc::inotify_add_watch(fd, path.as_ptr(), libc::IN_CREATE | libc::IN_MOVED_TO) };
    assert!(wd >= 0, "inotify_add_watch");
    let r = run();
    let mut names = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            break;
        }
        let mut at = 0;
        while at < n as usize {
            // struct inotify_event { int wd; u32 mask, cookie, len; char name[len]; }
            let len = u32::from_ne_bytes(buf[at + 12..at + 16].try_into().unwrap()) as usize;
            let name = &buf[at + 16..at + 16 + len];
            let end = name.iter().position(|b| *b == 0).unwrap_or(len);
            names.push(String::from_utf8_lossy(&name[..end]).into_owned());
            at += 16 + len;
        }
    }
    unsafe { libc::close(fd) };
    (r, names)
}

#[test]
fn an_export_gets_a_name_only_once_complete_so_a_kill_leaves_no_temp_file() {
    let env = Env::new();
    proof::fill(&env, "k", 60, 2);
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("keys.csv");
    // Twice: a new file, and one replaced.
    for _ in 0..2 {
        let (r, created) = names_created_during(out.path(), || {
            env.run(&[
                "export",
                "--include-secrets",
                "--yes",
                "-o",
                file.to_str().unwrap(),
            ])
        });
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(
            created,
            ["keys.csv"],
            "a name held the values before the export was complete"
        );
        assert_eq!(names_in(out.path()), ["keys.csv"]);
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text.lines().count(), 61);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn export_writes_a_character_device_in_place() {
    if !proof::is_root() {
        return proof::lacking("mknod of a character device needs root");
    }
    let (env, _) = two_keys();
    // A private /dev/null (1, 3), never the machine's own.
    let dir = tempfile::tempdir().unwrap();
    let dev = dir.path().join("null");
    assert!(Std::new("mknod")
        .arg(&dev)
        .args(["c", "1", "3"])
        .status()
        .unwrap()
        .success());
    use std::os::unix::fs::MetadataExt;
    let before = std::fs::symlink_metadata(&dev).unwrap();
    let r = env.run(&[
        "export",
        "--include-secrets",
        "--yes",
        "-o",
        dev.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let after = std::fs::symlink_metadata(&dev).unwrap();
    assert!(
        after.file_type().is_char_device(),
        "the device became a file"
    );
    assert_eq!(
        (after.rdev(), after.ino(), after.mode()),
        (before.rdev(), before.ino(), before.mode())
    );
    assert_eq!(names_in(dir.path()), ["null"]);
}

fn mkfifo(path: &Path) {
    assert!(Std::new("mkfifo").arg(path).status().unwrap().success());
}

#[test]
fn export_writes_a_fifo_in_place() {
    let (env, value) = two_keys();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    // (A channel, not a join: a keyadm that replaced the FIFO leaves the reader waiting.)
    let (tx, got) = std::sync::mpsc::channel();
    {
        let fifo = fifo.clone();
        std::thread::spawn(move || tx.send(std::fs::read_to_string(fifo).unwrap()));
    }
    let r = env.run(&[
        "export",
        "--include-secrets",
        "--yes",
        "-o",
        fifo.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let got = got
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the FIFO's reader got the export");
    assert!(got.starts_with("id,name,"), "{got}");
    assert!(got.contains(&value));
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert_eq!(names_in(dir.path()), ["pipe"]);
}

#[test]
fn a_value_undelivered_after_the_commit_is_exit_5_and_recorded_as_such() {
    let (env, _) = two_keys();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    // A reader that goes away at once: the write after the commit fails.
    {
        let fifo = fifo.clone();
        std::thread::spawn(move || drop(std::fs::File::open(fifo).unwrap()));
    }
    let r = env.run(&[
        "export",
        "--include-secrets",
        "--yes",
        "-o",
        fifo.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    let (error, _) = common::assert_only_error_and_hint(&r.stderr, "export to a FIFO");
    assert!(error.contains("marked not delivered"), "{}", r.stderr);
    let (action, details) = last_entry(&env);
    assert_eq!(action, "export");
    assert_eq!(details["delivered"], false, "{details}");
    // The export itself was recorded before: one entry per key and one for the export.
    let exports = proof::count(&env, "SELECT count(*) FROM audit WHERE action = 'export'");
    assert_eq!(exports, 4);
}

#[test]
fn export_through_a_symlink_is_refused() {
    let (env, _) = two_keys();
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.csv");
    std::fs::write(&real, "mine").unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let stdout_link = dir.path().join("stdout");
    std::os::unix::fs::symlink("/dev/stdout", &stdout_link).unwrap();
    let before = audit_rows(&env);
    for target in [&link, &stdout_link, &dir.path().to_path_buf()] {
        let err = env.fails(
            &[
                "export",
                "--include-secrets",
                "--yes",
                "-o",
                target.to_str().unwrap(),
            ],
            2,
        );
        assert!(err.contains("hint: "), "{err}");
    }
    assert!(env
        .fails(&["export", "-o", link.to_str().unwrap()], 2)
        .contains("symbolic link"));
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "mine");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::symlink_metadata(&stdout_link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(audit_rows(&env), before);
}

#[test]
fn export_to_dash_is_stdout() {
    let (env, _) = two_keys();
    let dir = tempfile::tempdir().unwrap();
    let r: Run = env
        .cmd()
        .current_dir(dir.path())
        .args(["export", "-o", "-"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("id,name,"), "{}", r.stdout);
    assert_eq!(r.stdout.lines().count(), 3);
    assert!(
        names_in(dir.path()).is_empty(),
        "{:?}",
        names_in(dir.path())
    );
}
