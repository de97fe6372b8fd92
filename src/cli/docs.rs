//! `keyadm completions SHELL`, and the internal `keyadm __generate-docs DIR`
//! that writes `completions/` and `man/` from the clap definitions (the
//! committed copies are checked by `tests/it/docs.rs`).

use std::fs;
use std::io::Write;
use std::path::Path;

use clap::{Args, CommandFactory};
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
    clap_complete::generate(args.shell, &mut Cli::command(), "keyadm", &mut script);
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
        clap_complete::generate(shell, &mut Cli::command(), "keyadm", &mut buf);
        fs::write(completions.join(file), buf)?;
    }
    clap_mangen::generate_to(Cli::command(), &man)?;
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
