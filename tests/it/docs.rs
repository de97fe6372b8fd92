//! completions/ and man/ are generated from the clap definitions; the
//! committed copies must be what the code generates today.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use common::Env;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        out.insert(name, std::fs::read(&path).unwrap());
    }
    out
}

#[test]
fn committed_completions_and_man_pages_match_the_code() {
    let env = Env::new();
    let out = env.dir.path().join("docs");
    env.ok(&["__generate-docs", out.to_str().unwrap()]);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for sub in ["completions", "man"] {
        let fresh = files(&out.join(sub));
        let committed = files(&repo.join(sub));
        let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(
            names(&committed),
            names(&fresh),
            "{sub}/ is out of date; regenerate with: cargo run -q -- __generate-docs ."
        );
        for (name, bytes) in &fresh {
            assert!(
                committed[name] == *bytes,
                "{sub}/{name} is out of date; regenerate with: cargo run -q -- __generate-docs ."
            );
        }
    }
    assert!(files(&out.join("man")).contains_key("keyadm-list.1"));
    assert!(files(&out.join("completions")).contains_key("_keyadm"));
}

#[test]
fn completions_print_a_script_for_each_shell() {
    let env = Env::new();
    for (shell, marker) in [
        ("bash", "complete -F _keyadm"),
        ("zsh", "#compdef keyadm"),
        ("fish", "complete -c keyadm"),
        ("elvish", "edit:completion:arg-completer[keyadm]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = env.ok(&["completions", shell]);
        assert!(out.contains(marker), "{shell}: {out}");
        assert!(out.contains("generate"), "{shell} script lists subcommands");
        assert!(!out.contains("__generate-docs") && !out.contains("__clipboard-holder"));
    }
    env.fails(&["completions", "tcsh"], 2);
}

#[test]
fn completions_need_no_store() {
    let env = Env::new();
    env.ok(&["completions", "bash"]);
    assert!(!env.db().exists());
}

/// Every `"KEYADM_…"` string literal in the sources: the variables keyadm
/// reads or gives its hooks.
fn env_vars_in_sources() -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, _) in text.match_indices("\"KEYADM_") {
                let rest = &text[i + 1..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
                    .unwrap();
                if rest[end..].starts_with('"') {
                    out.insert(rest[..end].to_string());
                }
            }
        }
    }
    out
}

/// The text of one section (`.SH NAME` up to the next `.SH`).
fn section<'p>(page: &'p str, name: &str) -> Option<&'p str> {
    let start = page
        .find(&format!(".SH {name}\n"))
        .or_else(|| page.find(&format!(".SH \"{name}\"\n")))?;
    let rest = &page[start + 4..];
    Some(&rest[..rest.find("\n.SH ").unwrap_or(rest.len())])
}

fn mandoc_present() -> bool {
    let ok = std::process::Command::new("mandoc")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stdout.is_empty() || !o.stderr.is_empty());
    if !ok {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "the man page lint needs mandoc in CI"
        );
        eprintln!("SKIPPED mandoc lint: mandoc is not installed");
    }
    ok
}

#[test]
fn man_pages_have_examples_exit_status_environment_files_and_see_also() {
    let env = Env::new();
    let out = env.dir.path().join("docs");
    env.ok(&["__generate-docs", out.to_str().unwrap()]);
    let pages = files(&out.join("man"));
    let text = |n: &str| String::from_utf8(pages[n].clone()).unwrap();
    let main = text("keyadm.1");
    let environment = section(&main, "ENVIRONMENT").expect("keyadm.1 has ENVIRONMENT");
    let vars = env_vars_in_sources();
    assert!(vars.len() >= 15, "{vars:?}");
    for var in vars.iter().map(String::as_str).chain(["NO_COLOR"]) {
        assert!(
            environment.contains(&format!(".B {var}\n")),
            "keyadm.1 ENVIRONMENT lacks {var}"
        );
    }
    for (name, bytes) in &pages {
        let page = String::from_utf8(bytes.clone()).unwrap();
        for s in ["EXIT STATUS", "ENVIRONMENT", "SEE ALSO"] {
            assert!(section(&page, s).is_some(), "{name} lacks {s}");
        }
        let see = section(&page, "SEE ALSO").unwrap();
        if name != "keyadm.1" {
            assert!(see.contains(".BR keyadm"), "{name}: {see}");
        }
        if name != "keyadm-completions.1" {
            assert!(section(&page, "FILES").is_some(), "{name} lacks FILES");
        }
    }
    for name in [
        "keyadm.1",
        "keyadm-generate.1",
        "keyadm-list.1",
        "keyadm-rotate.1",
        "keyadm-scan.1",
        "keyadm-verify.1",
    ] {
        let page = text(name);
        let ex = section(&page, "EXAMPLES").unwrap_or_else(|| panic!("{name}: no EXAMPLES"));
        assert!(ex.matches(".TP").count() >= 2, "{name}: {ex}");
    }
    assert!(section(&text("keyadm-notify.1"), "ENVIRONMENT")
        .unwrap()
        .contains("KEYADM_DAYS_LEFT"));
    assert!(section(&main, "SEE ALSO")
        .unwrap()
        .contains("keyadm\\-list"));

    if mandoc_present() {
        let names: Vec<_> = pages.keys().map(|n| out.join("man").join(n)).collect();
        let lint = std::process::Command::new("mandoc")
            .args(["-T", "lint", "-W", "warning"])
            .args(&names)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&lint.stdout).into_owned()
            + &String::from_utf8_lossy(&lint.stderr);
        assert!(report.trim().is_empty(), "mandoc -T lint:\n{report}");
        assert!(lint.status.success(), "{report}");
    }
}

#[test]
fn help_of_the_main_commands_ends_with_examples() {
    let env = Env::new();
    for cmd in [
        "generate", "list", "show", "edit", "rotate", "config", "org", "user", "sweep", "notify",
        "audit", "copy", "export", "import", "verify", "scan",
    ] {
        let help = env.ok(&[cmd, "--help"]);
        let tail = &help[help
            .rfind("\nExamples:\n")
            .unwrap_or_else(|| panic!("{cmd}: {help}"))..];
        let lines = tail
            .lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.contains("keyadm "))
            .count();
        assert!((2..=3).contains(&lines), "{cmd}: {lines} examples:\n{tail}");
    }
    let top = env.ok(&["--help"]);
    assert!(top.contains("\nExamples:\n  keyadm init"), "{top}");
}

/// The README's table of verify reasons has a row for every reason a
/// decision can carry (`store_rolled_back` among them, issue 12 item 20).
#[test]
fn the_readme_lists_every_verify_reason() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for r in keyadm::Reason::ALL {
        let row = format!("| `{}` |", r.as_str());
        assert!(readme.contains(&row), "README has no row {row}");
    }
}
