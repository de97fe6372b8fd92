//! `keyadm sign` and `keyadm check-signature`: HMAC-SHA256 request
//! signatures under a key's value (see `keyadm::ops::signing`). Both open
//! the key's sealed value, so both need the master key; neither shows it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::Context;
use crate::output::{Human, Report};
use keyadm::crypto::seal::MasterKey;
use keyadm::crypto::sign;
use keyadm::domain::key::KeyState;
use keyadm::ops::signing::{self, CheckRequest, Checked, Signed};
use keyadm::ops::Session;
use keyadm::{Error, Result};

#[derive(Args, Debug)]
pub struct SignArgs {
    /// The key's ID or name
    pub key: String,
    /// The request's method
    #[arg(long, short = 'X', default_value = "GET", value_name = "METHOD")]
    pub method: String,
    /// The request's absolute URL (its origin, path and query are signed)
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// The request's body ('-': stdin, streamed) [default: empty]
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CheckSignatureArgs {
    /// The X-Keyadm-Key-Id header: the key's ID
    #[arg(long, value_name = "ID")]
    pub key_id: String,
    /// The X-Keyadm-Timestamp header: unix seconds
    #[arg(long, value_name = "SECONDS")]
    pub timestamp: String,
    /// Refused: argv is readable by every user (use --signature-file or KEYADM_SIGNATURE)
    #[arg(long, hide = true, value_name = "SIGNATURE")]
    pub signature: Option<String>,
    /// A file holding the X-Keyadm-Signature header: v2=<hex> [or KEYADM_SIGNATURE]
    #[arg(long, value_name = "FILE")]
    pub signature_file: Option<PathBuf>,
    /// Accept an old v1 signature (a no-op in this release, which accepts v1 with a warning; required later)
    #[arg(long)]
    pub allow_v1: bool,
    /// Record accepted signatures in FILE and refuse one seen within the skew window
    #[arg(long, value_name = "FILE")]
    pub replay_cache: Option<PathBuf>,
    /// The request's method
    #[arg(long, short = 'X', default_value = "GET", value_name = "METHOD")]
    pub method: String,
    /// The request's absolute URL (a path alone only for a v1 signature)
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// The request's body ('-': stdin, streamed) [default: empty]
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// How far the timestamp may be from now, either way
    #[arg(long, default_value = "300s", value_name = "DURATION")]
    pub max_skew: String,
}

/// The store, unlocked with the master key (it is never created here).
fn open_unlocked(ctx: &Context) -> Result<Session> {
    let source = ctx.master_key_source()?;
    let master = MasterKey::load(&source)?.ok_or_else(|| {
        Error::environment(format!("the master key {} is missing", source.describe())).hint(
            "signing needs the key's value, which is sealed under the master key: pass --master-key-file",
        )
    })?;
    let mut store = ctx.open_read()?;
    store.unlock(master)?;
    Ok(store)
}

fn body_hash(body: Option<&Path>) -> Result<String> {
    let failed = |e: std::io::Error, what: &str| {
        Error::environment(format!("cannot read the body {what}: {e}"))
            .hint("check the path given to --body-file")
    };
    match body {
        None => Ok(sign::body_hash(std::io::empty())?),
        Some(p) if p.as_os_str() == "-" => {
            sign::body_hash(std::io::stdin().lock()).map_err(|e| failed(e, "from stdin"))
        }
        Some(p) => {
            let f = std::fs::File::open(p).map_err(|e| failed(e, &p.display().to_string()))?;
            sign::body_hash(f).map_err(|e| failed(e, &p.display().to_string()))
        }
    }
}

pub fn run_sign(ctx: &mut Context, args: SignArgs) -> Result<()> {
    let req = signing::SignRequest::parse(&args.method, &args.url)?;
    let signer = {
        let mut session = open_unlocked(ctx)?;
        signing::signing_key(&mut session, &args.key, ctx.global.org.as_deref())?
    };
    super::notify::warn_if_expiring(ctx, &signer.key, &signer.settings);
    if signer.state != KeyState::Enabled {
        ctx.printer.warn(format!(
            "key \"{}\" is {}: check-signature will refuse this signature",
            signer.key.name,
            signer.state.as_str()
        ));
    }
    let body = body_hash(args.body_file.as_deref())?;
    let signed = signer.sign(&req, &body);
    ctx.printer.report(&signed);
    Ok(())
}

impl Report for Signed {
    fn human(&self, p: &mut Human<'_>) {
        p.line(format!("X-Keyadm-Key-Id: {}", self.key_id));
        p.line(format!("X-Keyadm-Timestamp: {}", self.timestamp));
        p.line(format!("X-Keyadm-Signature: {}", self.signature));
    }
}

/// `-q`: the exit code alone says it.
impl Report for Checked {
    fn human(&self, p: &mut Human<'_>) {
        let c = self;
        match (c.valid, c.reason) {
            (true, _) => p.line(format!("valid: {}", c.detail)),
            (false, Some(r)) => p.line(format!("invalid ({}): {}", r.as_str(), c.detail)),
            (false, None) => p.line(format!("invalid: {}", c.detail)),
        }
    }

    fn quiet(&self, _: &mut Human<'_>) {}
}

fn report(ctx: &Context, c: &Checked) -> ExitCode {
    ctx.printer.report(c);
    let _ = std::io::stdout().flush();
    if c.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The signature from `--signature-file` or `KEYADM_SIGNATURE` (the file
/// first); never from argv, which every user can read in /proc.
fn signature(args: &CheckSignatureArgs) -> Result<String> {
    if args.signature.is_some() {
        return Err(Error::usage(
            "--signature is refused: the command line is readable by every user (/proc/PID/cmdline)",
        )
        .hint("put the X-Keyadm-Signature value in a file for --signature-file FILE, or in KEYADM_SIGNATURE"));
    }
    if let Some(file) = &args.signature_file {
        return signing::read_signature_file(file);
    }
    match std::env::var("KEYADM_SIGNATURE") {
        Ok(sig) => Ok(sig),
        Err(_) => Err(Error::usage("no signature given").hint(
            "give the X-Keyadm-Signature value with --signature-file FILE or KEYADM_SIGNATURE",
        )),
    }
}

pub fn run_check(ctx: &mut Context, args: CheckSignatureArgs) -> Result<ExitCode> {
    let signature = signature(&args)?;
    let req = match CheckRequest::parse(
        &args.key_id,
        &args.timestamp,
        &signature,
        &args.method,
        &args.url,
        &args.max_skew,
    )? {
        Ok(req) => req,
        Err(malformed) => return Ok(report(ctx, &malformed)),
    };
    // --allow-v1 is a no-op in this release: v1 is accepted, with a warning.
    let _ = args.allow_v1;
    if req.is_v1() {
        ctx.printer.warn(
            "a v1 signature covers no scheme or host; this release accepts it, later ones only with \
             --allow-v1: sign with v2 (keyadm sign --url https://…)",
        );
    }
    let req = req.with_replay_cache(args.replay_cache.clone());
    let mut session = open_unlocked(ctx)?;
    let checked = signing::check(&mut session, &req, || body_hash(args.body_file.as_deref()))?;
    Ok(report(ctx, &checked))
}
