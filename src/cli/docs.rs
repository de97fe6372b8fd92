//! `keyadm completions SHELL`, and the internal `keyadm __generate-docs DIR`
//! that writes `completions/` and `man/` from the clap definitions (the
//! committed copies are checked by `tests/it/docs.rs`). The one source of
//! what `--help` and the man pages say beyond the options: [`EXAMPLES`]
//! (the end of `--help` and each page's EXAMPLES), and the EXIT STATUS,
//! ENVIRONMENT, FILES and SEE ALSO sections below.

use std::fs;
use std::io::Write;
use std::path::Path;

use clap::{Args, Command, CommandFactory};
use clap_complete::Shell;

use super::{Cli, Context};
use keyadm::Result;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to print the completion script for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The argument that runs [`generate_docs`]: `cargo run -q -- __generate-docs .`
pub const GENERATE_DOCS: &str = "__generate-docs";

pub fn completions(_ctx: &mut Context, args: CompletionsArgs) -> Result<()> {
    // Generated into memory first: clap_complete panics when its writer
    // fails, and `keyadm completions bash | head` closes the pipe early.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command(), "keyadm", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(())
}

/// The completion scripts kept in the repository, and their file names.
pub const COMPLETION_FILES: [(Shell, &str); 3] = [
    (Shell::Bash, "keyadm.bash"),
    (Shell::Zsh, "_keyadm"),
    (Shell::Fish, "keyadm.fish"),
];

/// Writes `DIR/completions/` and `DIR/man/` afresh.
pub fn generate_docs(dir: &Path) -> Result<()> {
    let completions = dir.join("completions");
    let man = dir.join("man");
    recreate(&completions)?;
    recreate(&man)?;
    for (shell, file) in COMPLETION_FILES {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut command(), "keyadm", &mut buf);
        fs::write(completions.join(file), buf)?;
    }
    let mut cmd = command().disable_help_subcommand(true);
    cmd.build();
    write_pages(&cmd, &[], &man)?;
    eprintln!("wrote {} and {}", completions.display(), man.display());
    Ok(())
}

/// Empties a generated folder so that pages of removed subcommands go too.
fn recreate(dir: &Path) -> Result<()> {
    if dir.exists() {
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_file() {
                fs::remove_file(path)?;
            }
        }
    } else {
        fs::create_dir_all(dir)?;
    }
    Ok(())
}

/// Examples of the main commands: the end of their `--help`, and their man
/// page's EXAMPLES. (command, [(command line, what it does)]); "" is keyadm.
pub const EXAMPLES: &[(&str, &[(&str, &str)])] = &[
    (
        "",
        &[
            ("keyadm init", "create the store and the master key"),
            ("keyadm generate billing --expires 90d", "issue a key"),
            ("keyadm list", "the keys, as a table"),
        ],
    ),
    ("init", &[("keyadm init", "create the store and the master key, say where")]),
    (
        "generate",
        &[
            (
                "keyadm generate billing --description \"billing service\" --expires 90d",
                "an external key (the default type)",
            ),
            ("keyadm generate agents --type internal", "an internal key"),
            (
                "keyadm generate reports --type custom --allow 'GET /api/v1/reports/*'",
                "a key limited to one route (needs the setting scoped-api on)",
            ),
        ],
    ),
    (
        "list",
        &[
            ("keyadm list", "every key, sorted by name"),
            ("keyadm list --sort expires --reverse", "the latest expiry first"),
            ("keyadm list --json", "every key as JSON"),
        ],
    ),
    (
        "show",
        &[
            ("keyadm show billing", "every property, the value masked"),
            ("keyadm show billing --value", "the value alone, for scripts (audited)"),
        ],
    ),
    (
        "edit",
        &[
            (
                "keyadm edit billing --expires 2027-06-30 --tag prod",
                "a new expiry and a tag",
            ),
            ("keyadm edit billing", "on a terminal: every property, prefilled"),
        ],
    ),
    (
        "enable",
        &[("keyadm enable billing --expires 30d", "enable it with a new expiry")],
    ),
    (
        "disable",
        &[("keyadm disable billing --reason \"contractor left\"", "disable it, saying why")],
    ),
    (
        "delete",
        &[("keyadm disable billing && keyadm delete billing --yes", "delete a key, permanently")],
    ),
    (
        "rotate",
        &[
            ("keyadm rotate billing --grace 1h", "a new value; the old one works for an hour"),
            ("keyadm rotate --due --exec /usr/local/bin/keyadm-deploy-key", "rotate what is due, and deliver"),
        ],
    ),
    (
        "config",
        &[
            ("keyadm config list", "every setting and its value"),
            ("keyadm config set scoped-api on", "allow custom keys"),
        ],
    ),
    (
        "org",
        &[
            ("keyadm org add acme/emea", "adds acme and acme/emea"),
            ("keyadm org list", "the tree, with key counts"),
        ],
    ),
    (
        "user",
        &[
            (
                "keyadm user add alice --org acme --role admin --email alice@acme.example",
                "an admin of tenant acme",
            ),
            ("keyadm user list", "the users"),
        ],
    ),
    (
        "sweep",
        &[
            ("keyadm sweep --dry-run", "what expiry and purge would do today"),
            ("keyadm sweep", "disable expired keys, purge the long expired"),
        ],
    ),
    (
        "notify",
        &[
            ("keyadm notify --dry-run", "the notices due, recording nothing"),
            ("keyadm notify --exec /usr/local/bin/keyadm-mail-notice", "deliver each through a hook"),
        ],
    ),
    (
        "audit",
        &[
            ("keyadm audit --key billing --limit 20", "a key's entries"),
            ("keyadm audit verify", "exit 0 intact, 1 broken"),
        ],
    ),
    (
        "copy",
        &[
            ("keyadm copy billing", "to the clipboard, cleared after 45 s"),
            ("keyadm copy billing --osc52", "through the terminal (SSH, tmux)"),
        ],
    ),
    (
        "export",
        &[
            ("keyadm export --format csv --output keys.csv", "values truncated: safe to share"),
            ("keyadm export --include-secrets -o backup.json --format json", "with values, for a migration"),
        ],
    ),
    (
        "import",
        &[
            ("keyadm import backup.json", "an export made with --include-secrets, all or nothing"),
            ("cat backup.csv | keyadm import -", "from stdin"),
        ],
    ),
    (
        "verify",
        &[
            ("printf '%s\\n' \"$KEY\" | keyadm verify --method GET --url /api/v1/reports/7", "exit 0 allowed, 1 denied"),
            ("KEYADM_KEY=\"$KEY\" keyadm verify -q && echo ok", "the exit code alone"),
        ],
    ),
    (
        "lookup",
        &[("printf '%s\\n' \"$KEY\" | keyadm lookup", "which key is this value?")],
    ),
    (
        "sign",
        &[(
            "keyadm sign billing --method POST --url https://api.example.com/api/v1/orders --body-file body.json",
            "the X-Keyadm-* headers",
        )],
    ),
    (
        "store",
        &[
            (
                "keyadm store copy ~/.local/share/keyadm/keys.db postgresql://keyadm@db.example/keys",
                "the file store into an empty PostgreSQL database",
            ),
            (
                "keyadm store copy postgresql://keyadm@db.example/keys /backup/keys.db",
                "back into a new file",
            ),
        ],
    ),
    (
        "scan",
        &[
            ("keyadm scan", "the current folder, gitignored files included"),
            ("git diff --cached | keyadm scan -", "what is about to be committed"),
            ("keyadm scan --format sarif . > keyadm.sarif", "for code-scanning tools"),
        ],
    ),
];

/// The clap command with the examples at the end of `--help`: what main
/// parses with, and what completions and man pages are made from.
pub fn command() -> Command {
    let mut cmd = Cli::command();
    for (name, examples) in EXAMPLES {
        let text = examples_help(examples);
        if name.is_empty() {
            cmd = cmd.after_help(text);
        } else {
            cmd = cmd.mut_subcommand(*name, |c| c.after_help(text));
        }
    }
    cmd
}

fn examples_help(examples: &[(&str, &str)]) -> String {
    let mut out = String::from("Examples:");
    for (line, what) in examples {
        out.push_str(&format!("\n  {line}\n      {what}"));
    }
    out
}

/// The date in the pages' title lines (kept fixed so the generated pages
/// change only when the interface does).
const MAN_DATE: &str = "2026-12-02";

/// The exit codes, as README's table says them.
const EXIT_CODES: &[(&str, &str)] = &[
    ("0", "Done; allowed; intact."),
    ("1", "Denied: verify, check-signature and audit verify; scan found an active key."),
    ("2", "Usage: a bad option or value (date, duration, rule, name)."),
    ("3", "Not found: a key, user or organization."),
    ("4", "Refused by a rule: a limit reached, the only internal key, a key still enabled, scoped-api off, a name taken, a user lacking the privilege."),
    ("5", "Environment: the store unreadable, damaged, locked or newer; the master key missing or wrong; no clipboard; I/O."),
    ("6", "Cancelled: a confirmation answered no, Esc, Ctrl-C or the end of input."),
];

/// Every environment variable keyadm reads, and those it gives hooks.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("KEYADM_DB", "The store file or PostgreSQL URL, as --db (a password is accepted here, never printed)."),
    ("KEYADM_COPY_TO", "store copy: the target (a path or PostgreSQL URL) when TO is not given (a password is accepted here, never printed)."),
    ("PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGPASSFILE", "With a PostgreSQL URL in --db or KEYADM_DB only: fill in what the URL leaves out, as libpq does (~/.pgpass too). They never select PostgreSQL alone."),
    ("KEYADM_MASTER_KEY_FILE", "The master key file, as --master-key-file."),
    ("KEYADM_MASTER_KEY", "The master key itself (base64), instead of a file. Never passed to hooks."),
    ("KEYADM_ACTOR", "Who runs the command, as --actor (default: the OS login name)."),
    ("KEYADM_ORG", "The organization of new keys; with list and export, keys at and below it; as --org."),
    ("KEYADM_DATE_FORMAT", "The date format when --date-format is not given (iso, us, eu or a strftime pattern); an invalid one is a warning and the setting date-format is used."),
    ("KEYADM_NOW", "The time keyadm takes as now (RFC 3339): a dry run on a given day, or tests."),
    ("KEYADM_TEST_NOTIFY_BUDGET_MS", "Tests only: the retry budget of a notice channel in milliseconds (30 s without it)."),
    ("KEYADM_KEY", "The presented key value for verify, lookup, sign and check-signature when neither stdin nor --key-file gives it. Never passed to hooks."),
    ("KEYADM_SIGNATURE", "The X-Keyadm-Signature value for check-signature, when --signature-file is not given."),
    ("KEYADM_TRUST_KEY", "The store's trust key file for verifiers, when --trust-key is not given."),
    ("KEYADM_KEY_ID", "Given to the hooks of rotate --exec and notify --exec: the key's ID."),
    ("KEYADM_KEY_NAME", "Given to hooks: the key's name."),
    ("KEYADM_KEY_ORG", "Given to hooks: the key's organization."),
    ("KEYADM_KEY_TENANT", "Given to hooks: the key's tenant."),
    ("KEYADM_EXPIRES", "Given to notify --exec: when the key expires."),
    ("KEYADM_DAYS_LEFT", "Given to notify --exec: the days until then."),
    ("KEYADM_RECIPIENTS", "Given to notify --exec: who to tell (the key's user and the tenant's admins)."),
    ("NO_COLOR", "When set and not empty, no colours unless --color always."),
    ("XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_STATE_HOME, HOME", "Where the store, the master key and the head witness are by default."),
    ("DISPLAY, WAYLAND_DISPLAY, TMUX", "The clipboard copy uses."),
];

const FILES: &[(&str, &str)] = &[
    ("$XDG_DATA_HOME/keyadm/keys.db (and -wal, -shm)", "The store (default ~/.local/share/keyadm/keys.db). Back up both files together."),
    ("$XDG_CONFIG_HOME/keyadm/master.key", "The master key (default ~/.config/keyadm/master.key). Back it up: without it no value can be opened."),
    ("$XDG_CONFIG_HOME/keyadm/trust/STORE-ID.pub", "The store's trust key, for verifiers."),
    ("$XDG_STATE_HOME/keyadm/STORE-ID.head", "The head witness (default ~/.local/state/keyadm): the highest audit head of each chain seen by audit verify and the long-running verifiers. A store behind it is refused until --accept-head."),
];

/// Text for a roff line: backslashes and dashes escaped, no leading dot or
/// quote (which roff would read as a request).
fn roff_text(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

/// The sections clap_mangen does not write, for the page of `path`
/// (`[]` is keyadm itself).
fn extra_sections(cmd: &Command, path: &[&str], root: &Command) -> String {
    let mut out = String::new();
    let top = path.first().copied().unwrap_or("");
    let examples = EXAMPLES
        .iter()
        .find(|(n, _)| *n == top && path.len() <= 1)
        .map(|(_, e)| *e);
    if let Some(examples) = examples {
        out.push_str(".SH EXAMPLES\n");
        for (line, what) in examples {
            out.push_str(&format!(
                ".TP\n.B {}\n{}\n",
                roff_text(line),
                roff_text(what)
            ));
        }
    }
    out.push_str(".SH \"EXIT STATUS\"\n");
    for (code, what) in EXIT_CODES {
        out.push_str(&format!(".TP\n.B {code}\n{}\n", roff_text(what)));
    }
    out.push_str(".SH ENVIRONMENT\n");
    let names: Vec<&str> = if path.is_empty() {
        ENVIRONMENT.iter().map(|(n, _)| *n).collect()
    } else {
        let mut n = vec![
            "KEYADM_DB",
            "KEYADM_MASTER_KEY_FILE",
            "KEYADM_MASTER_KEY",
            "KEYADM_ACTOR",
            "KEYADM_ORG",
            "KEYADM_DATE_FORMAT",
            "KEYADM_NOW",
        ];
        n.extend(match top {
            "verify" | "lookup" | "sign" => &["KEYADM_KEY", "KEYADM_TRUST_KEY"][..],
            "check-signature" => &["KEYADM_KEY", "KEYADM_SIGNATURE", "KEYADM_TRUST_KEY"],
            "rotate" => &[
                "KEYADM_KEY_ID",
                "KEYADM_KEY_NAME",
                "KEYADM_KEY_ORG",
                "KEYADM_KEY_TENANT",
            ],
            "notify" => &[
                "KEYADM_KEY_ID",
                "KEYADM_KEY_NAME",
                "KEYADM_KEY_ORG",
                "KEYADM_KEY_TENANT",
                "KEYADM_EXPIRES",
                "KEYADM_DAYS_LEFT",
                "KEYADM_RECIPIENTS",
            ],
            "copy" => &["DISPLAY, WAYLAND_DISPLAY, TMUX"],
            "store" => &["KEYADM_COPY_TO"],
            _ => &[],
        });
        n.extend([
            "NO_COLOR",
            "XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_STATE_HOME, HOME",
        ]);
        n
    };
    for name in names {
        if let Some((_, what)) = ENVIRONMENT.iter().find(|(n, _)| *n == name) {
            out.push_str(&format!(
                ".TP\n.B {}\n{}\n",
                roff_text(name),
                roff_text(what)
            ));
        }
    }
    if top != "completions" {
        out.push_str(".SH FILES\n");
        for (file, what) in FILES {
            out.push_str(&format!(
                ".TP\n.I {}\n{}\n",
                roff_text(file),
                roff_text(what)
            ));
        }
    }
    // SEE ALSO: the parent, the subcommands, and for keyadm(1) every page.
    let mut see: Vec<String> = Vec::new();
    if !path.is_empty() {
        see.push(page_name(&path[..path.len() - 1]));
    }
    let children: Vec<&Command> = cmd.get_subcommands().filter(|c| !c.is_hide_set()).collect();
    for c in &children {
        let mut p = path.to_vec();
        p.push(c.get_name());
        see.push(page_name(&p));
    }
    if path.len() == 1 && children.is_empty() {
        // Siblings that are often used together.
        let related: &[&str] = match top {
            "generate" | "edit" | "show" => &["list", "rotate"],
            "enable" | "disable" | "delete" => &["enable", "disable", "delete"],
            "export" => &["import"],
            "import" => &["export"],
            "verify" | "lookup" => &["sign", "check-signature"],
            "sign" | "check-signature" => &["verify", "trust"],
            "sweep" | "notify" | "rotate" => &["sweep", "notify", "rotate", "audit"],
            _ => &[],
        };
        for r in related {
            if *r != top && root.find_subcommand(r).is_some() {
                see.push(page_name(&[r]));
            }
        }
    }
    see.dedup();
    out.push_str(".SH \"SEE ALSO\"\n");
    let refs: Vec<String> = see
        .iter()
        .map(|p| format!(".BR {} (1)", roff_text(p)))
        .collect();
    for (i, r) in refs.iter().enumerate() {
        out.push_str(r);
        if i + 1 < refs.len() {
            out.push_str(" ,");
        }
        out.push('\n');
    }
    out
}

fn page_name(path: &[&str]) -> String {
    let mut name = String::from("keyadm");
    for p in path {
        name.push('-');
        name.push_str(p);
    }
    name
}

/// Writes the page of `cmd` (at `path` below keyadm) and those of its
/// subcommands.
fn write_pages(root: &Command, path: &[&str], dir: &Path) -> Result<()> {
    let mut cmd = root.clone();
    for p in path {
        cmd = cmd
            .find_subcommand(p)
            .expect("a subcommand of the path")
            .clone();
    }
    for c in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
        let mut p = path.to_vec();
        p.push(c.get_name());
        write_pages(root, &p, dir)?;
    }
    let name = page_name(path);
    // The after-help examples get their own EXAMPLES section instead.
    let man = clap_mangen::Man::new(cmd.clone().after_help(None::<&str>))
        .title(name.clone())
        .date(MAN_DATE)
        .source(format!("keyadm {}", env!("CARGO_PKG_VERSION")))
        .manual("keyadm manual");
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut page)?;
    }
    if cmd.get_subcommands().any(|c| !c.is_hide_set()) {
        man.render_subcommands_section(&mut page)?;
    }
    let mut page = String::from_utf8(page).expect("roff is text");
    page.push_str(&extra_sections(&cmd, path, root));
    let mut version = Vec::new();
    man.render_version_section(&mut version)?;
    page.push_str(&String::from_utf8(version).expect("roff is text"));
    fs::write(dir.join(format!("{name}.1")), tidy_roff(&page))?;
    Ok(())
}

/// What mandoc -T lint warns about in clap_mangen's output: a blank line
/// (a paragraph break) between two `.br`, and trailing spaces.
fn tidy_roff(page: &str) -> String {
    let page = page.replace("\n.br\n\n.br\n", "\n.sp\n");
    let mut out: String = page
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}
