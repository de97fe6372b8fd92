//! The command line: global options, the subcommands and their options
//! (clap derive), and the dispatch to one file per subcommand.

mod audit;
mod batch;
mod config;
mod context;
mod copy;
mod delete;
mod docs;
mod edit;
mod export;
mod generate;
mod hook;
mod import;
mod init;
mod list;
mod lookup;
mod notify;
mod operator;
mod org;
mod prompt;
mod rotate;
mod rotate_exec;
mod scan;
mod serve;
mod show;
mod sign;
mod state;
mod store;
mod sweep;
mod trust;
pub mod usage;
mod user;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use context::Context;
use keyadm::Result;

pub const KEY_TYPES: [&str; 4] = ["internal", "external", "custom", "desktop"];

#[derive(Parser, Debug)]
#[command(
    name = "keyadm",
    version,
    about = "Administer API keys: issue, show, copy, rotate, export, verify and audit them",
    long_about = "keyadm administers API keys in one local SQLite store, with key values sealed under a master key.\n\nKEY arguments accept a key ID or a key name.",
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]
    #[arg(long, global = true, env = "KEYADM_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// `--db` was on the command line (not from KEYADM_DB).
    #[arg(skip)]
    pub db_on_command_line: bool,
    /// The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]
    #[arg(
        long,
        global = true,
        env = "KEYADM_MASTER_KEY_FILE",
        value_name = "PATH"
    )]
    pub master_key_file: Option<PathBuf>,
    /// Who runs the command [default: the OS login name]
    #[arg(long, global = true, env = "KEYADM_ACTOR", value_name = "NAME")]
    pub actor: Option<String>,
    /// The organization of new keys; with list and export, keys at and below it
    #[arg(long, global = true, env = "KEYADM_ORG", value_name = "PATH")]
    pub org: Option<String>,
    /// Print JSON (RFC 3339 UTC times)
    #[arg(long, global = true)]
    pub json: bool,
    /// Answer yes to confirmations (for scripts)
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,
    /// Print only what a script needs
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Colours in human output (NO_COLOR is honoured)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]
    #[arg(long, global = true, value_name = "FORMAT")]
    pub date_format: Option<String>,
    /// Show times in UTC instead of local time
    #[arg(long, global = true)]
    pub utc: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create the store and the master key (idempotent)
    Init,
    /// Issue a new key
    Generate(generate::GenerateArgs),
    /// List keys
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    /// Show every property of a key
    Show(show::ShowArgs),
    /// Change a key's properties
    Edit(edit::EditArgs),
    /// Enable keys (idempotent)
    Enable(state::EnableArgs),
    /// Disable keys (idempotent)
    Disable(state::DisableArgs),
    /// Delete disabled keys, permanently
    Delete(delete::DeleteArgs),
    /// Give keys new values; the old ones work for a grace period
    Rotate(rotate::RotateArgs),
    /// Read and change the store's settings
    Config(config::ConfigArgs),
    /// Organizations: add, list (a tree with key counts), remove
    Org(org::OrgArgs),
    /// Users: add, list, edit, enable, disable, remove
    User(user::UserArgs),
    /// The store's operators: add, remove, list
    Operator(operator::OperatorArgs),
    /// Disable expired keys and delete those expired purge-after ago (for cron)
    Sweep(sweep::SweepArgs),
    /// Send expiry notices at the notify-days thresholds (for cron)
    Notify(notify::NotifyArgs),
    /// List the audit log, oldest first; `audit verify` checks its hash chain
    Audit(audit::AuditArgs),
    /// Put a key's value on the clipboard, cleared after a while (audited)
    Copy(copy::CopyArgs),
    /// Write keys to CSV or JSON (with --include-secrets, their values)
    Export(export::ExportArgs),
    /// Read keys from an export made with --include-secrets, or an AWS API Gateway CSV
    Import(import::ImportArgs),
    /// Print the completion script for a shell
    Completions(docs::CompletionsArgs),
    /// Check a presented key (stdin, --key-file or KEYADM_KEY): exit 0 allowed, 1 denied
    Verify(verify::VerifyArgs),
    /// Say which key a value is (stdin, --key-file or KEYADM_KEY), without recording a use
    Lookup(lookup::LookupArgs),
    /// Sign a request with a key's value (HMAC-SHA256); prints the X-Keyadm-* headers
    Sign(sign::SignArgs),
    /// Check a signed request's headers: exit 0 valid, 1 invalid
    CheckSignature(sign::CheckSignatureArgs),
    /// Find key values in files: exit 1 when an active key is found
    Scan(scan::ScanArgs),
    /// The store's trust key for verifiers: `trust export` prints it
    Trust(trust::TrustArgs),
    /// Check keys over HTTP for gateways and services (nginx auth_request, POST /v1/verify)
    Serve(serve::ServeArgs),
    /// The whole store: `store copy FROM TO` copies it into an empty one (SQLite or PostgreSQL)
    Store(store::StoreArgs),
}

/// Runs the parsed command; the exit code is 0 unless the command decides
/// otherwise (a denial is exit 1, not an error).
pub fn run(cli: Cli, colors: crate::output::Colors) -> Result<ExitCode> {
    let mut ctx = Context::new(cli.global, colors)?;
    let done = match cli.command {
        Command::Init => init::run(&mut ctx),
        Command::Generate(a) => generate::run(&mut ctx, a),
        Command::List(a) => list::run(&mut ctx, a),
        Command::Show(a) => show::run(&mut ctx, a),
        Command::Edit(a) => edit::run(&mut ctx, a),
        Command::Enable(a) => state::enable(&mut ctx, a),
        Command::Disable(a) => state::disable(&mut ctx, a),
        Command::Delete(a) => delete::run(&mut ctx, a),
        Command::Rotate(a) => rotate::run(&mut ctx, a),
        Command::Config(a) => config::run(&mut ctx, a),
        Command::Org(a) => org::run(&mut ctx, a),
        Command::User(a) => user::run(&mut ctx, a),
        Command::Operator(a) => operator::run(&mut ctx, a),
        Command::Sweep(a) => sweep::run(&mut ctx, a),
        Command::Notify(a) => notify::run(&mut ctx, a),
        Command::Audit(a) => {
            let code = audit::run(&mut ctx, a)?;
            return check_stdout(&ctx).map(|()| code);
        }
        Command::Copy(a) => copy::run(&mut ctx, a),
        Command::Export(a) => export::run(&mut ctx, a),
        Command::Import(a) => import::run(&mut ctx, a),
        Command::Completions(a) => docs::completions(&mut ctx, a),
        Command::Verify(a) => return verify::run(&mut ctx, a),
        Command::Lookup(a) => lookup::run(&mut ctx, a),
        Command::Sign(a) => sign::run_sign(&mut ctx, a),
        Command::CheckSignature(a) => return sign::run_check(&mut ctx, a),
        Command::Scan(a) => return scan::run(&mut ctx, a),
        Command::Trust(a) => trust::run(&mut ctx, a),
        Command::Serve(a) => return serve::run(&mut ctx, a),
        Command::Store(a) => store::run(&mut ctx, a),
    };
    done?;
    check_stdout(&ctx)?;
    Ok(ExitCode::SUCCESS)
}

/// A result that did not reach stdout is not a success; a reader that went
/// away (`| head`) is (main ends quietly on a broken pipe).
fn check_stdout(ctx: &Context) -> Result<()> {
    match ctx.printer.stdout_error() {
        Some(e) => Err(keyadm::Error::from(e)
            .hint("the command itself was carried out; check where stdout goes")),
        None => Ok(()),
    }
}

/// Parses argv with the command that has `--help`'s examples
/// ([`docs::command`]).
pub fn try_parse() -> std::result::Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let mut cmd = docs::command();
    let mut m = cmd.try_get_matches_from_mut(std::env::args_os())?;
    let on_line = db_on_command_line(&m);
    let mut cli = Cli::from_arg_matches_mut(&mut m).map_err(|e| e.format(&mut cmd))?;
    cli.global.db_on_command_line = on_line;
    Ok(cli)
}

/// Whether `--db` came from argv at any level of subcommands.
fn db_on_command_line(m: &clap::ArgMatches) -> bool {
    let mut m = Some(m);
    while let Some(cur) = m {
        if cur.value_source("db") == Some(clap::parser::ValueSource::CommandLine) {
            return true;
        }
        m = cur.subcommand().map(|(_, s)| s);
    }
    false
}

/// Entry points that are not part of the documented interface (so that
/// neither completions nor man pages show them): `__generate-docs DIR` for
/// maintainers, and `__clipboard-holder` that `copy` starts. `None` when
/// argv asks for neither.
pub fn run_internal() -> Option<Result<ExitCode>> {
    let mut args = std::env::args_os().skip(1);
    let first = args.next()?;
    match first.to_str()? {
        docs::GENERATE_DOCS => {
            let dir = args
                .next()
                .map_or_else(|| PathBuf::from("."), PathBuf::from);
            Some(docs::generate_docs(&dir).map(|()| ExitCode::SUCCESS))
        }
        crate::clipboard::HOLDER => {
            let rest: Vec<String> = args.filter_map(|a| a.into_string().ok()).collect();
            Some(Ok(crate::clipboard::hold(&rest)))
        }
        _ => None,
    }
}
