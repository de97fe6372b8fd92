//! The prompts, through a real pseudo-terminal: `script` (util-linux)
//! runs keyadm on a pty whose other end this test reads and types into,
//! waiting for each prompt before answering. Without a terminal the same
//! commands are usage errors naming the flags.

use crate::common;

use common::Env;

pub(crate) use common::pty::{have_script, Pty, ENTER, T0};
pub(crate) const DOWN: &str = "\x1b[B";
pub(crate) const BACKSPACE: &str = "\x7f";

#[test]
fn generate_without_a_name_walks_through_every_field() {
    if !have_script() {
        return;
    }
    let env = Env::at(T0);
    env.ok(&["config", "set", "scoped-api", "on"]);
    let mut t = Pty::spawn(&env, &["generate"], &[]);
    t.answer("Name", &format!("reports{ENTER}"));
    t.answer("desktop", &format!("{DOWN}{DOWN}{ENTER}"));
    t.answer("Description", &format!("Monthly reports{ENTER}"));
    t.answer("Expires", &format!("tomorrow{ENTER}"));
    t.expect("invalid");
    t.send(&format!("{}30d{ENTER}", BACKSPACE.repeat(8)));
    t.answer("Allow rule", &format!("GET /api/v1/reports/*{ENTER}"));
    t.answer("Another allow rule", &format!("POST /api/v1/jobs{ENTER}"));
    t.answer("Another allow rule", ENTER);
    t.answer(
        "Allowed origins",
        &format!("app.example.com, *.example.org{ENTER}"),
    );
    t.answer("Allowed addresses", &format!("10.0.0.0/8{ENTER}"));
    t.answer("Tags", &format!("team:bi, monthly{ENTER}"));
    t.answer("Rotate every", &format!("90d{ENTER}"));
    t.answer("never store it?", "n");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    let k = env.show("reports");
    assert_eq!(k["type"], "custom");
    assert_eq!(k["description"], "Monthly reports");
    assert_eq!(k["expires_at"], "2026-12-22T17:45:00Z");
    assert_eq!(
        k["rules"],
        serde_json::json!(["GET /api/v1/reports/*", "POST /api/v1/jobs"])
    );
    assert_eq!(
        k["origins"],
        serde_json::json!(["app.example.com", "*.example.org"])
    );
    assert_eq!(k["ips"], serde_json::json!(["10.0.0.0/8"]));
    assert_eq!(k["tags"], serde_json::json!(["team:bi", "monthly"]));
    assert_eq!(k["rotate_every"], 90 * 86_400);
    let value = env.ok(&["show", "reports", "--value"]);
    assert!(
        screen.contains(value.trim()),
        "the value is shown once: {screen}"
    );
}

#[test]
fn edit_without_options_prefills_todays_values() {
    if !have_script() {
        return;
    }
    let env = Env::at(T0);
    env.generate(
        "billing",
        &[
            "--description",
            "old text",
            "--tag",
            "a",
            "--tag",
            "b",
            "--expires",
            "2027-01-31T00:00:00Z",
        ],
    );
    let before = env.show("billing");
    let mut t = Pty::spawn(&env, &["edit", "billing"], &[]);
    t.answer("Name", ENTER);
    t.expect("old text");
    t.send(&format!(
        "{}new text{ENTER}",
        BACKSPACE.repeat("old text".len())
    ));
    // In the display format and local time (TZ=UTC here), as show says it.
    t.expect("2027-01-31 00:00");
    t.send(ENTER);
    t.answer("Allowed origins", ENTER);
    t.answer("Allowed addresses", ENTER);
    t.expect("a, b");
    t.send(&format!("{BACKSPACE}c{ENTER}"));
    t.answer("Rotate every", ENTER);
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    let after = env.show("billing");
    assert_eq!(after["name"], "billing");
    assert_eq!(after["description"], "new text");
    assert_eq!(after["expires_at"], before["expires_at"]);
    assert_eq!(after["tags"], serde_json::json!(["a", "c"]));
}

#[test]
fn delete_asks_and_a_no_changes_nothing() {
    if !have_script() {
        return;
    }
    let env = Env::at(T0);
    env.generate("old", &[]);
    env.ok(&["disable", "old"]);
    let mut t = Pty::spawn(&env, &["delete", "old"], &[]);
    t.answer("Delete 1 key permanently?", "n");
    let (code, screen) = t.finish();
    // SPEC §5.9: a confirmation answered no is exit 6, "cancelled".
    assert_eq!(code, 6, "{screen}");
    env.show("old");
    let mut t = Pty::spawn(&env, &["delete", "old"], &[]);
    t.answer("Delete 1 key permanently?", "y");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    env.fails(&["show", "old"], 3);
}

#[test]
fn disabling_the_last_internal_key_asks() {
    if !have_script() {
        return;
    }
    let env = Env::at(T0);
    env.generate("agents", &["--type", "internal"]);
    let mut t = Pty::spawn(&env, &["disable", "agents"], &[]);
    t.answer("Disable the last enabled internal key?", "y");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(env.show("agents")["enabled"], false);
}

#[test]
fn show_once_waits_until_the_user_has_stored_the_value() {
    if !have_script() {
        return;
    }
    let env = Env::at(T0);
    let mut t = Pty::spawn(&env, &["generate", "once", "--show-once"], &[]);
    t.answer("Have you stored the value?", "n");
    t.answer("Have you stored the value?", "y");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("kadm_e_"), "{screen}");
}

#[test]
fn copy_osc52_writes_the_escape_to_the_terminal() {
    if !have_script() {
        return;
    }
    use base64::Engine;
    let env = Env::at(T0);
    let value = env.generate("billing", &[]);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&value);
    let t = Pty::spawn(&env, &["copy", "billing", "--osc52"], &[]);
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains(&format!("\x1b]52;c;{b64}\x07")),
        "{screen:?}"
    );
    let t = Pty::spawn(
        &env,
        &["copy", "billing", "--osc52"],
        &[("TMUX", "/tmp/tmux-0/default,1,0")],
    );
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains(&format!("\x1bPtmux;\x1b\x1b]52;c;{b64}\x07\x1b\\")),
        "{screen:?}"
    );
}

#[test]
fn without_a_terminal_the_forms_are_usage_errors_naming_the_flags() {
    let env = Env::at(T0);
    let err = env.fails(&["generate"], 2);
    assert!(
        err.contains("NAME") && err.contains("--type") && err.contains("--expires"),
        "{err}"
    );
    env.generate("billing", &[]);
    let err = env.fails(&["edit", "billing"], 2);
    assert!(
        err.contains("--description") && err.contains("--expires"),
        "{err}"
    );
    env.ok(&["disable", "billing"]);
    let err = env.fails(&["delete", "billing"], 2);
    assert!(err.contains("--yes"), "{err}");
}

#[test]
fn list_fits_the_terminal_width() {
    if !have_script() {
        return;
    }
    let env = Env::at(T0);
    let long = "a description long enough to need wrapping in a narrow terminal window";
    env.generate("billing-service-key", &["--description", long]);
    env.generate("reports", &["--tag", "x"]);
    let t = Pty::spawn_after(&env, "stty cols 80 rows 40; ", &["list"], &[]);
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("billing"), "{screen}");
    for line in screen.lines() {
        assert!(
            line.trim_end_matches('\r').chars().count() <= 80,
            "too wide: {line:?}\n{screen}"
        );
    }
}

/// Users of tenant acme in two organizations and groups, a disabled one,
/// and one of another tenant.
fn acme_users(env: &Env) {
    env.ok(&["org", "add", "acme/sales"]);
    env.ok(&["org", "add", "acme/ops"]);
    env.ok(&["org", "add", "globex"]);
    env.ok(&[
        "user",
        "add",
        "alice",
        "--org",
        "acme/sales",
        "--group",
        "billing",
        "--role",
        "admin",
        "--allow",
        "* /api/**",
    ]);
    env.ok(&[
        "user",
        "add",
        "carol",
        "--org",
        "acme/sales",
        "--group",
        "support",
        "--display-name",
        "Carol Diaz",
        "--email",
        "carol@acme.example",
        "--allow",
        "GET /api/v1/tickets/*",
    ]);
    env.ok(&[
        "user", "add", "bob", "--org", "acme/ops", "--group", "support",
    ]);
    env.ok(&[
        "user",
        "add",
        "dave",
        "--org",
        "acme/sales",
        "--group",
        "support",
    ]);
    env.ok(&["user", "disable", "dave"]);
    env.ok(&[
        "user", "add", "gary", "--org", "globex", "--group", "support",
    ]);
}

#[test]
fn the_user_picker_narrows_by_organization_and_group_then_by_keyword() {
    if !have_script() {
        return;
    }
    let env = Env::at(T0);
    acme_users(&env);
    let mut t = Pty::spawn(&env, &["--org", "acme", "generate"], &[]);
    t.answer("Name", &format!("tickets{ENTER}"));
    t.answer("desktop", ENTER);
    t.answer("Description", ENTER);
    t.answer("Expires", ENTER);
    t.answer("Bind the key to one user?", "y");
    // any, acme/ops (bob), acme/sales (alice, carol): dave is disabled.
    t.expect("any (3 users)");
    t.expect("acme/ops (1 user)");
    t.answer("acme/sales (2 users)", &format!("{DOWN}{DOWN}{ENTER}"));
    t.expect("any (2 users)");
    t.expect("billing (1 user)");
    t.answer("support (1 user)", &format!("{DOWN}{DOWN}{ENTER}"));
    t.answer("User (type to search", "car");
    t.expect("carol — Carol Diaz <carol@acme.example> (acme/sales; support; member)");
    t.send(ENTER);
    t.answer("Allowed origins", ENTER);
    t.answer("Allowed addresses", ENTER);
    t.answer("Tags", ENTER);
    t.answer("Rotate every", ENTER);
    t.answer("never store it?", "n");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(env.show("tickets")["user"], "carol");
    for hidden in ["dave", "gary", "bob —", "bob (", "alice ("] {
        assert!(!screen.contains(hidden), "{hidden:?} offered:\n{screen}");
    }
}

#[test]
fn the_user_picker_searches_all_users_and_offers_all_users_first() {
    if !have_script() {
        return;
    }
    let env = Env::at(T0);
    acme_users(&env);
    let mut t = Pty::spawn(&env, &["--org", "acme", "generate"], &[]);
    t.answer("Name", &format!("ops{ENTER}"));
    t.answer("desktop", ENTER);
    t.answer("Description", ENTER);
    t.answer("Expires", ENTER);
    t.answer("Bind the key to one user?", "y");
    t.answer("Organization", ENTER);
    t.answer("Group", ENTER);
    // By keyword: the organization matches too.
    t.answer("User (type to search", "ops");
    t.expect("bob (acme/ops; support; member)");
    t.send(ENTER);
    t.answer("Allowed origins", ENTER);
    t.answer("Allowed addresses", ENTER);
    t.answer("Tags", ENTER);
    t.answer("Rotate every", ENTER);
    t.answer("never store it?", "n");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(env.show("ops")["user"], "bob");

    // The first choice, Enter without typing: all users.
    let mut t = Pty::spawn(&env, &["--org", "acme", "generate"], &[]);
    t.answer("Name", &format!("shared{ENTER}"));
    t.answer("desktop", ENTER);
    t.answer("Description", ENTER);
    t.answer("Expires", ENTER);
    t.answer("Bind the key to one user?", "y");
    t.answer("Organization", ENTER);
    t.answer("Group", ENTER);
    t.answer("all users (not bound to one)", ENTER);
    t.answer("Allowed origins", ENTER);
    t.answer("Allowed addresses", ENTER);
    t.answer("Tags", ENTER);
    t.answer("Rotate every", ENTER);
    t.answer("never store it?", "n");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(env.show("shared")["user"], serde_json::Value::Null);
}

#[test]
fn a_custom_key_offers_only_users_whose_privileges_cover_its_rules() {
    if !have_script() {
        return;
    }
    let env = Env::at(T0);
    acme_users(&env);
    env.ok(&["config", "set", "scoped-api", "on"]);
    let mut t = Pty::spawn(&env, &["--org", "acme", "generate"], &[]);
    t.answer("Name", &format!("tickets-read{ENTER}"));
    t.answer("desktop", &format!("{DOWN}{DOWN}{ENTER}"));
    t.answer("Description", ENTER);
    t.answer("Expires", ENTER);
    t.answer("Allow rule", &format!("GET /api/v1/tickets/42{ENTER}"));
    t.answer("Another allow rule", ENTER);
    t.answer("Bind the key to one user?", "y");
    t.expect("Not offered: bob (their privileges do not cover these rules)");
    // alice (acme/sales; billing) and carol (acme/sales; support): one organization.
    t.answer("Group", &format!("{DOWN}{ENTER}"));
    t.answer("User (type to search", "ali");
    t.expect("alice (acme/sales; billing; admin)");
    t.send(ENTER);
    t.answer("Allowed origins", ENTER);
    t.answer("Allowed addresses", ENTER);
    t.answer("Tags", ENTER);
    t.answer("Rotate every", ENTER);
    t.answer("never store it?", "n");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("Organization"), "{screen}");
    assert_eq!(env.show("tickets-read")["user"], "alice");
}

#[test]
fn a_tenant_without_enabled_users_skips_the_picker() {
    if !have_script() {
        return;
    }
    let env = Env::at(T0);
    acme_users(&env);
    // The default tenant has only a disabled user; acme's users are not its.
    env.ok(&["user", "add", "erin"]);
    env.ok(&["user", "disable", "erin"]);
    let mut t = Pty::spawn(&env, &["generate"], &[]);
    t.answer("Name", &format!("lonely{ENTER}"));
    t.answer("desktop", ENTER);
    t.answer("Description", ENTER);
    t.answer("Expires", ENTER);
    t.answer("Allowed origins", ENTER);
    t.answer("Allowed addresses", ENTER);
    t.answer("Tags", ENTER);
    t.answer("Rotate every", ENTER);
    t.answer("never store it?", "n");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("Bind the key"), "{screen}");
    assert_eq!(env.show("lonely")["user"], serde_json::Value::Null);
    assert_eq!(env.show("lonely")["org"], "default");
}

#[test]
fn a_tenant_admin_picks_among_the_users_of_their_own_tenant() {
    if !have_script() {
        return;
    }
    let mut env = Env::at(T0);
    acme_users(&env);
    env.actor = "alice".into();
    let mut t = Pty::spawn(&env, &["generate"], &[]);
    t.answer("Name", &format!("ops-sync{ENTER}"));
    t.answer("desktop", ENTER);
    t.answer("Description", ENTER);
    t.answer("Expires", ENTER);
    t.answer("Bind the key to one user?", "y");
    t.answer("Organization", ENTER);
    t.answer("Group", ENTER);
    t.answer("User (type to search", "bob");
    t.expect("bob (acme/ops; support; member)");
    t.send(ENTER);
    t.answer("Allowed origins", ENTER);
    t.answer("Allowed addresses", ENTER);
    t.answer("Tags", ENTER);
    t.answer("Rotate every", ENTER);
    t.answer("never store it?", "n");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("gary"), "another tenant's user:\n{screen}");
    let k = env.show("ops-sync");
    assert_eq!(k["user"], "bob");
    assert_eq!(k["org"], "acme/sales");
}
