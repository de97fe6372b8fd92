//! The cron jobs of a tenant — `rotate --due`, `sweep`, `notify` and
//! `scan --disable` — are an admin's (SPEC §5.1): a member is refused
//! (exit 4) whether or not there is work to do, and nothing changes.

use crate::common;

use common::{Env, Run};

const T0: &str = "2026-01-01T00:00:00Z";
/// 33 days after T0: with work, "expiring" has expired (not yet purged),
/// "soon" is in its 7-day notice window, and "policy" is due for rotation.
const LATER: &str = "2026-02-03T00:00:00Z";

fn run_as(env: &Env, actor: &str, now: &str, args: &[&str]) -> Run {
    env.cmd_as(actor)
        .env("KEYADM_NOW", now)
        .args(args)
        .output()
        .expect("binary runs")
        .into()
}

/// Tenant acme with alice (admin) and bob (member); with `work`, a key
/// that expires (sweep), one near its expiry (notify), one whose rotation
/// policy falls due (rotate --due), and a file holding an active key's
/// value (scan).
fn tenant(work: bool) -> (Env, std::path::PathBuf) {
    let env = Env::at(T0);
    env.ok(&["org", "add", "acme"]);
    env.ok(&["user", "add", "alice", "--org", "acme", "--role", "admin"]);
    env.ok(&[
        "user",
        "add",
        "bob",
        "--org",
        "acme",
        "--email",
        "b@example.com",
    ]);
    let file = env.dir.path().join("leak.txt");
    let mut leaked = String::from("nothing here\n");
    if work {
        env.generate("expiring", &["--org", "acme", "--expires", "31d"]);
        env.generate("soon", &["--org", "acme", "--expires", "40d"]);
        env.generate("policy", &["--org", "acme", "--rotate-every", "30d"]);
        let value = env.generate("leaked", &["--org", "acme"]);
        leaked = format!("API_KEY={value}\n");
    }
    std::fs::write(&file, leaked).unwrap();
    (env, file)
}

#[test]
fn a_member_may_not_run_the_tenants_jobs_and_nothing_changes() {
    for work in [true, false] {
        let (env, file) = tenant(work);
        let file = file.to_str().unwrap();
        let jobs: [&[&str]; 5] = [
            &["rotate", "--due"],
            &["sweep"],
            &["notify"],
            &["notify", "--exec", "true"],
            &["scan", "--disable", file],
        ];
        for args in jobs {
            let before = env.store_bytes();
            let r = run_as(&env, "bob", LATER, args);
            assert_eq!(
                r.code, 4,
                "work {work}: {args:?}:\n{}{}",
                r.stdout, r.stderr
            );
            assert!(
                r.stderr.contains(
                    "error: the actor \"bob\" is a member of tenant \"acme\" and may not"
                ),
                "{args:?}: {}",
                r.stderr
            );
            assert!(r.stderr.contains("hint: "), "{args:?}: {}", r.stderr);
            assert!(
                env.store_bytes() == before,
                "work {work}: a member's {args:?} changed the store"
            );
        }
        // The tenant's admin may, and (with work) each job has something to do.
        for args in jobs {
            let r = run_as(&env, "alice", LATER, args);
            let expected = match (work, args[0]) {
                (true, "scan") => 1, // an active key was found (and is now disabled)
                _ => 0,
            };
            assert_eq!(
                r.code, expected,
                "alice: {args:?}:\n{}{}",
                r.stdout, r.stderr
            );
            if work && args == ["notify"] {
                assert!(r.stdout.contains("soon"), "{}", r.stdout);
            }
        }
        if work {
            let leaked = env.show("leaked");
            assert_eq!(leaked["enabled"], false, "{leaked}");
            assert_eq!(env.show("expiring")["enabled"], false);
            assert_ne!(env.show("policy")["rotated_at"], serde_json::Value::Null);
        }
    }
}
