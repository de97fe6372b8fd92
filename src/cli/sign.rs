//! `keyadm sign` and `keyadm check-signature`: HMAC-SHA256 request
//! signatures under a key's value (see `keyadm::crypto::sign`). Both open
//! the key's sealed value, so both need the master key; neither shows it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::Context;
use keyadm::crypto::seal::MasterKey;
use keyadm::crypto::sign;
use keyadm::domain::expiry::parse_duration;
use keyadm::domain::key::{Key, KeyState};
use keyadm::ops::Session;
use keyadm::store::Tx;
use keyadm::{Error, Result, SecretValue};

#[derive(Args, Debug)]
pub struct SignArgs {
    /// The key's ID or name
    pub key: String,
    /// The request's method
    #[arg(long, short = 'X', default_value = "GET", value_name = "METHOD")]
    pub method: String,
    /// The request's path and query, or its full URL (only the path and query are signed)
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
    /// The X-Keyadm-Signature header: v1=<hex>
    #[arg(long, value_name = "SIGNATURE")]
    pub signature: String,
    /// The request's method
    #[arg(long, short = 'X', default_value = "GET", value_name = "METHOD")]
    pub method: String,
    /// The request's path and query, or its full URL
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

/// The current value of a key, opened; a show-once key has none.
fn current_value(tx: &Tx, key: &Key) -> Result<SecretValue> {
    let sealed = tx.sealed_value(&key.id)?.ok_or_else(|| {
        Error::refused(format!(
            "key \"{}\" is show-once: its value is not stored, so keyadm cannot sign or check with it",
            key.name
        ))
        .hint("sign in the service that holds the value, or rotate the key to a stored value")
    })?;
    tx.master()?.open(&key.id, &sealed)
}

#[derive(Serialize)]
struct Signed<'a> {
    key_id: &'a str,
    timestamp: i64,
    signature: &'a str,
}

pub fn run_sign(ctx: &mut Context, args: SignArgs) -> Result<()> {
    let method = sign::method(&args.method)?;
    let path = sign::path_and_query(&args.url)?;
    let now = ctx.now();
    let mut store = open_unlocked(ctx)?;
    let (key, value, settings) = store.read(|tx| {
        let key = tx.find_key(ctx.confined_tenant(), ctx.global.org.as_deref(), &args.key)?;
        let value = current_value(tx, &key)?;
        Ok((key, value, tx.settings()?))
    })?;
    drop(store);
    super::notify::warn_if_expiring(ctx, &key, &settings);
    if key.state(now) != KeyState::Enabled {
        ctx.printer.warn(format!(
            "key \"{}\" is {}: check-signature will refuse this signature",
            key.name,
            key.state(now).as_str()
        ));
    }
    let timestamp = now.timestamp();
    let body = body_hash(args.body_file.as_deref())?;
    let signature = sign::sign(
        &value,
        &sign::canonical_request(timestamp, &method, &path, &body),
    );
    if ctx.printer.json {
        ctx.printer.json(&Signed {
            key_id: &key.id,
            timestamp,
            signature: &signature,
        });
    } else {
        ctx.printer.line(format!("X-Keyadm-Key-Id: {}", key.id));
        ctx.printer.line(format!("X-Keyadm-Timestamp: {timestamp}"));
        ctx.printer.line(format!("X-Keyadm-Signature: {signature}"));
    }
    Ok(())
}

/// Which check a signature failed, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Failure {
    Malformed,
    Unknown,
    Disabled,
    Expired,
    TimestampTooOld,
    TimestampInFuture,
    SignatureMismatch,
}

#[derive(Serialize)]
struct Checked<'a> {
    valid: bool,
    reason: Option<Failure>,
    detail: String,
    key_id: Option<&'a str>,
    name: Option<&'a str>,
    /// `current`, or `previous` (a rotated key's old value, within its grace).
    matched: Option<&'static str>,
}

fn report(ctx: &Context, c: &Checked) -> ExitCode {
    let p = &ctx.printer;
    if p.json {
        p.json(c);
    } else if !p.quiet {
        match (c.valid, c.reason) {
            (true, _) => p.line(format!("valid: {}", c.detail)),
            (false, Some(r)) => {
                let code = serde_json::to_value(r).unwrap_or_default();
                p.line(format!(
                    "invalid ({}): {}",
                    code.as_str().unwrap_or(""),
                    c.detail
                ))
            }
            (false, None) => p.line(format!("invalid: {}", c.detail)),
        }
    }
    let _ = std::io::stdout().flush();
    if c.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn fail<'a>(reason: Failure, detail: String, key: Option<&'a Key>) -> Checked<'a> {
    Checked {
        valid: false,
        reason: Some(reason),
        detail,
        key_id: key.map(|k| k.id.as_str()),
        name: key.map(|k| k.name.as_str()),
        matched: None,
    }
}

pub fn run_check(ctx: &mut Context, args: CheckSignatureArgs) -> Result<ExitCode> {
    let method = sign::method(&args.method)?;
    let path = sign::path_and_query(&args.url)?;
    let max_skew = parse_duration(&args.max_skew, true)?;
    let Ok(timestamp) = args.timestamp.trim().parse::<i64>() else {
        let c = fail(
            Failure::Malformed,
            "the timestamp is not unix seconds".into(),
            None,
        );
        return Ok(report(ctx, &c));
    };
    let Some(mac) = sign::parse_signature(&args.signature) else {
        let c = fail(
            Failure::Malformed,
            "the signature is not v1=<64 hex digits>".into(),
            None,
        );
        return Ok(report(ctx, &c));
    };
    let now = ctx.now();
    let mut store = open_unlocked(ctx)?;
    let found = store.read(|tx| {
        let key = match tx.find_key(ctx.confined_tenant(), None, &args.key_id) {
            Ok(k) => k,
            Err(Error::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let current = current_value(tx, &key)?;
        let previous = match tx.sealed_previous_value(&key.id)? {
            Some(sealed) => Some(tx.master()?.open(&key.id, &sealed)?),
            None => None,
        };
        Ok(Some((key, current, previous)))
    })?;
    drop(store);
    let Some((key, current, previous)) = found else {
        let c = fail(
            Failure::Unknown,
            format!("no key \"{}\"", args.key_id),
            None,
        );
        return Ok(report(ctx, &c));
    };
    let k = Some(&key);
    match key.state(now) {
        KeyState::Disabled => {
            return Ok(report(
                ctx,
                &fail(Failure::Disabled, "the key is disabled".into(), k),
            ))
        }
        KeyState::Expired => {
            return Ok(report(
                ctx,
                &fail(Failure::Expired, "the key has expired".into(), k),
            ))
        }
        KeyState::Enabled => {}
    }
    match sign::timestamp_skew(now.timestamp(), timestamp, max_skew) {
        sign::Skew::Fresh => {}
        sign::Skew::TooOld(age) => {
            let detail = format!("the timestamp is {age} s old; at most {max_skew} s is accepted");
            return Ok(report(ctx, &fail(Failure::TimestampTooOld, detail, k)));
        }
        sign::Skew::InFuture(ahead) => {
            let detail = format!(
                "the timestamp is {ahead} s in the future; at most {max_skew} s is accepted"
            );
            return Ok(report(ctx, &fail(Failure::TimestampInFuture, detail, k)));
        }
    }
    let body = body_hash(args.body_file.as_deref())?;
    let canonical = sign::canonical_request(timestamp, &method, &path, &body);
    let matched = if sign::verify(&current, &canonical, &mac) {
        Some("current")
    } else if previous.is_some_and(|p| sign::verify(&p, &canonical, &mac)) {
        Some("previous")
    } else {
        None
    };
    let c = match matched {
        Some(m) => Checked {
            valid: true,
            reason: None,
            detail: format!("signed by key \"{}\" ({}), {m} value", key.name, key.id),
            key_id: Some(&key.id),
            name: Some(&key.name),
            matched: Some(m),
        },
        None => fail(
            Failure::SignatureMismatch,
            "the signature does not match this method, URL, body and timestamp under the key's value".into(),
            k,
        ),
    };
    Ok(report(ctx, &c))
}
