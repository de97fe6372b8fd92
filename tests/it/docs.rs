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
