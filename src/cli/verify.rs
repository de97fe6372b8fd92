//! `keyadm verify`: is a presented key allowed to make a request? Exit 0
//! allowed, 1 denied (a result, not an error). `--batch` is in `batch.rs`.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use zeroize::Zeroizing;

use super::{batch, Context};
use crate::output::{Human, Report};
use keyadm::crypto::sign;
use keyadm::domain::rules;
use keyadm::domain::verify::{Decision, Reason, Request};
use keyadm::{Error, Result};

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Read the key from the first line of this file (else KEYADM_KEY, else stdin)
    #[arg(long, value_name = "FILE", conflicts_with = "batch")]
    pub key_file: Option<PathBuf>,
    /// The request's Origin header or host, checked against the key's origins
    #[arg(long, value_name = "ORIGIN", conflicts_with = "batch")]
    pub origin: Option<String>,
    /// The client's address, checked against the key's address ranges
    #[arg(long, value_name = "ADDRESS", conflicts_with = "batch")]
    pub ip: Option<String>,
    /// The request's method, checked against a custom key's allow rules
    #[arg(long, value_name = "METHOD", conflicts_with = "batch")]
    pub method: Option<String>,
    /// The request's path (or full URL), checked against a custom key's allow rules
    #[arg(long, value_name = "URL", conflicts_with = "batch")]
    pub url: Option<String>,
    /// Refused: a key in argv shows in `ps` and shell history
    #[arg(hide = true, value_name = "KEY")]
    pub argv_key: Option<String>,
    /// JSON lines on stdin ({"key", "method", "url", "origin", "ip"}), one decision a line on stdout
    #[arg(long)]
    pub batch: bool,
    /// The store's trust key (from `keyadm trust export`); else KEYADM_TRUST_KEY, else the trust folder
    #[arg(long, value_name = "FILE")]
    pub trust_key: Option<PathBuf>,
    /// Fail (exit 5) when no trust key is found, rather than verify unsigned rows
    #[arg(long)]
    pub require_trust_key: bool,
    /// With --batch: record the store's current audit heads in the head witness, even if behind it (after restoring a backup on purpose)
    #[arg(long, requires = "batch")]
    pub accept_head: bool,
}

/// The longest first line read as a presented key.
const MAX_KEY_LINE: u64 = 4096;

/// The presented key: `--key-file`, else `KEYADM_KEY`, else the first line
/// of stdin. Never argv, so it does not show in `ps` or shell history.
pub fn read_presented_key(key_file: Option<&PathBuf>) -> Result<Zeroizing<String>> {
    let mut raw = Zeroizing::new(Vec::new());
    if let Some(path) = key_file {
        let f = std::fs::File::open(path).map_err(|e| {
            Error::environment(format!("cannot read the key file {}: {e}", path.display()))
                .hint("check the path and its permissions")
        })?;
        std::io::BufReader::new(f.take(MAX_KEY_LINE)).read_until(b'\n', &mut raw)?;
    } else if let Some(v) = std::env::var_os("KEYADM_KEY") {
        raw.extend_from_slice(v.as_encoded_bytes());
    } else {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return Err(Error::usage("no key to check: give it on stdin, with --key-file, or in KEYADM_KEY")
                .hint("e.g. keyadm verify --key-file key.txt, or printf '%s\\n' \"$KEY\" | keyadm verify (never as an argument)"));
        }
        stdin
            .lock()
            .take(MAX_KEY_LINE)
            .read_until(b'\n', &mut raw)?;
    }
    let text = String::from_utf8_lossy(&raw);
    Ok(Zeroizing::new(text.trim().to_string()))
}

pub fn parse_ip(ip: Option<&str>) -> Result<Option<IpAddr>> {
    ip.map(|s| {
        s.trim().parse().map_err(|_| {
            Error::usage(format!("invalid address \"{}\"", s.escape_debug()))
                .hint("give one IPv4 or IPv6 address, e.g. --ip 10.1.2.3")
        })
    })
    .transpose()
}

/// A sentence for a person reading a denial.
pub fn describe(reason: Reason) -> &'static str {
    match reason {
        Reason::Malformed => "not a keyadm key (bad format or checksum)",
        Reason::Unknown => "no key of this store has this value",
        Reason::Disabled => "the key is disabled",
        Reason::Expired => "the key has expired",
        Reason::Rotated => "an old value of a rotated key, whose grace period has ended",
        Reason::OriginNotAllowed => "the origin is not on the key's origin list",
        Reason::IpNotAllowed => "the address is not in the key's address ranges",
        Reason::BadPath => "the path holds an encoded / or \\, a \\, a broken % escape or a dot segment with parameters",
        Reason::RuleNotAllowed => "the key's allow rules do not allow this method and URL",
        Reason::UserDisabled => "the key's user is disabled or no longer exists",
        Reason::UserLacksPrivilege => "the key's user lacks the privilege for this method and URL",
        Reason::BadRequest => "the request line is not valid",
        Reason::Forged => "the key's row is not signed by this store's master key (forged or tampered with)",
        Reason::RateLimited => "the key has used up its rate limit in this serving process",
        Reason::StoreRolledBack => "the store is behind its head witness (an older copy was restored): every request is denied until --accept-head",
    }
}

/// The error for a key given as an argument; it does not repeat the key.
pub fn no_key_in_argv() -> Error {
    Error::usage(
        "keyadm never takes a key as an argument: it would show in ps and in shell history",
    )
    .hint(
        "give it on stdin, with --key-file FILE, or in KEYADM_KEY; and rotate it if it was exposed",
    )
}

pub fn run(ctx: &mut Context, args: VerifyArgs) -> Result<ExitCode> {
    if args.argv_key.is_some() {
        return Err(no_key_in_argv());
    }
    let trust = ctx.trust_choice(args.trust_key.clone(), args.require_trust_key);
    if args.batch {
        return batch::run(ctx, &trust, args.accept_head);
    }
    let method = args.method.as_deref().map(sign::method).transpose()?;
    if let Some(u) = &args.url {
        sign::request_url(u)?;
    }
    if args
        .origin
        .as_deref()
        .is_some_and(rules::is_bare_host_origin)
    {
        ctx.printer.warn("--origin takes a serialized origin (https://host[:port]); a bare host is accepted in this release only");
    }
    let presented = read_presented_key(args.key_file.as_ref())?;
    let req = Request {
        key: &presented,
        method: method.as_deref(),
        url: args.url.as_deref(),
        origin: args.origin.as_deref(),
        ip: parse_ip(args.ip.as_deref())?,
    };
    let mut code = ExitCode::SUCCESS;
    let printer = &ctx.printer;
    let witness_dir = ctx.state_dir().ok();
    keyadm::ops::verify::verify_one(
        &ctx.location()?,
        &req,
        &ctx.clock,
        &trust,
        witness_dir.as_deref(),
        || printer.warn(keyadm::ops::verify::UNTRUSTED_WARNING),
        |rb| {
            printer.warn(format!(
                "{}: denied (store_rolled_back); if an older copy of the store was restored on purpose, record it with: keyadm audit verify --accept-head",
                rb.describe()
            ))
        },
        |d| code = answer(ctx, d),
    )?;
    Ok(code)
}

/// `-q`: the exit code alone says it.
impl Report for Decision {
    fn human(&self, p: &mut Human<'_>) {
        let who = self.key.as_ref().map_or(String::new(), |k| {
            format!(
                ": key \"{}\" ({}, {}, org {})",
                k.name, k.id, k.key_type, k.org
            )
        });
        // Which value it was: who still presents the previous one during a grace.
        let matched = self
            .matched
            .map_or(String::new(), |m| format!("; matched: {}", m.as_str()));
        match self.reason {
            None => p.line(format!("allowed{who}{matched}")),
            Some(r) => p.line(format!(
                "denied ({}){who}: {}{matched}",
                r.as_str(),
                describe(r)
            )),
        }
    }

    fn quiet(&self, _: &mut Human<'_>) {}
}

/// Prints the decision (and flushes it) and gives its exit code.
fn answer(ctx: &Context, d: &Decision) -> ExitCode {
    ctx.printer.report(d);
    let _ = std::io::stdout().flush();
    if d.allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
