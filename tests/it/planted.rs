//! Planted files (hardening item 8, SPEC §5.6): a master key or a store that
//! another account created, or that others may write, is refused (exit 5,
//! with the chmod/chown to run), and nothing is created beside it.

use crate::common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command as Std;

use common::{assert_error_form, proof, Env};

fn mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

fn chown(p: &Path, who: &str) {
    assert!(Std::new("chown")
        .arg(who)
        .arg(p)
        .status()
        .unwrap()
        .success());
}

#[test]
fn a_master_key_others_may_read_or_write_is_refused() {
    let env = Env::new();
    env.ok(&["init"]);
    for m in [0o644, 0o640, 0o666, 0o620] {
        mode(&env.master(), m);
        let r = env.run(&["show", "x", "--value"]);
        assert_eq!(r.code, 5, "{m:o}: {}", r.stderr);
        assert_error_form(&r.stderr);
        assert!(
            r.stderr.contains("may be read or written by others"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("chmod 600"), "{}", r.stderr);
    }
    mode(&env.master(), 0o600);
    env.ok(&["generate", "fine", "-q"]);
}

#[test]
fn a_store_others_may_write_is_refused() {
    let env = Env::new();
    env.generate("k", &[]);
    let before = env.store_bytes();
    mode(&env.db(), 0o666);
    let err = env.fails(&["list"], 5);
    assert!(err.contains("may be written by others"), "{err}");
    assert!(err.contains("chmod 600"), "{err}");
    mode(&env.db(), 0o600);
    mode(env.db().parent().unwrap(), 0o777);
    let err = env.fails(&["generate", "k2"], 5);
    assert!(err.contains("folder"), "{err}");
    mode(env.db().parent().unwrap(), 0o700);
    assert!(env.store_bytes() == before);
}

/// The review's reproduction: in a 1777 folder another account plants an
/// empty keys.db and a master key of 32 × 'A', both 0666; `init` said
/// "already set up" and sealed every later value under that key.
#[test]
fn files_planted_by_another_account_in_a_sticky_folder_are_refused() {
    if !proof::is_root() {
        return proof::lacking("planting files as another account needs root (chown)");
    }
    let env = Env::new();
    let shared = env.dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    mode(&shared, 0o1777);
    let db = shared.join("keys.db");
    let master = shared.join("master.key");
    std::fs::write(&db, "").unwrap();
    std::fs::write(&master, "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=\n").unwrap();
    for p in [&db, &master] {
        mode(p, 0o666);
        chown(p, "nobody");
    }
    let r: common::Run = env
        .cmd()
        .env("KEYADM_DB", &db)
        .env("KEYADM_MASTER_KEY_FILE", &master)
        .arg("init")
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert_error_form(&r.stderr);
    assert!(!shared.join("keys.db-wal").exists());
    assert!(!shared.join("keys.db-shm").exists());
    assert_eq!(
        std::fs::metadata(&db).unwrap().len(),
        0,
        "the planted store was not used"
    );
    // Even 0600, a planted store of another account in a sticky folder is refused.
    mode(&db, 0o600);
    let r: common::Run = env
        .cmd()
        .env("KEYADM_DB", &db)
        .arg("init")
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(
        r.stderr.contains("belongs to another account"),
        "{}",
        r.stderr
    );
    // A store of my own in the sticky folder is fine.
    let mine = shared.join("mine.db");
    let r: common::Run = env
        .cmd()
        .env("KEYADM_DB", &mine)
        .arg("init")
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A master key file owned by another account, even 0600, is refused; a
/// store owned by another account may still be read (a verifier's service
/// account reads the operator's store).
#[test]
fn a_master_key_of_another_account_is_refused() {
    if !proof::is_root() {
        return proof::lacking("a file of another account needs root (chown)");
    }
    let env = Env::new();
    env.ok(&["init"]);
    chown(&env.master(), "nobody");
    assert_ne!(std::fs::metadata(env.master()).unwrap().uid(), 0);
    let err = env.fails(&["generate", "x"], 5);
    assert!(err.contains("belongs to another account"), "{err}");
    assert!(err.contains("chown"), "{err}");
    chown(&env.master(), "root");
    env.ok(&["generate", "x", "-q"]);
}
