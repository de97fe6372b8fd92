//! `keyadm verify --batch`: JSON lines in, one JSON decision a line out, in
//! order, for a gateway. The keys are held in memory by a `Verifier`, which
//! reloads them when the store changes. Output is flushed whenever no more
//! input is waiting, so a caller that writes one line and waits for the
//! answer gets it at once, and a bulk feed is answered in large writes.

use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, Write};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};

use super::verify::parse_ip;
use super::Context;
use keyadm::crypto::sign;
use keyadm::domain::value::redact_values;
use keyadm::domain::verify::{Decision, Reason, Request};
use keyadm::{Clock, Result, Verifier, VerifierOptions};

/// A request line longer than this is a bad request (and is skipped).
const MAX_LINE: usize = 64 * 1024;
/// Answers are written out in blocks of about this size when input keeps coming.
const OUT_BUFFER: usize = 64 * 1024;

/// Unknown fields are refused: a misspelt `methd` or `orign` would
/// otherwise be dropped silently and the answer's reason would mislead.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    origin: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ip: Option<Cow<'a, str>>,
}

#[derive(Serialize)]
struct BadRequest<'a> {
    #[serde(flatten)]
    decision: &'a Decision,
    error: &'a str,
}

/// Reads one line (without its newline) into `buf`; `Ok(None)` at the end of
/// input, `Ok(Some(false))` when the line was longer than `MAX_LINE` (its
/// rest is skipped).
fn read_line(r: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<Option<bool>> {
    buf.clear();
    let mut fits = true;
    let mut any = false;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok(any.then_some(fits));
        }
        any = true;
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        if fits && buf.len() + part.len() <= MAX_LINE {
            buf.extend_from_slice(part);
        } else {
            fits = false;
        }
        let used = done.unwrap_or(part.len());
        r.consume(used);
        if done.is_some() {
            return Ok(Some(fits));
        }
    }
}

/// Appends the decision on one request line to `out`; `Err` for a bad request.
fn decide(
    verifier: &mut Verifier,
    line: &[u8],
    now: chrono::DateTime<chrono::Utc>,
    out: &mut Vec<u8>,
) -> std::result::Result<(), String> {
    with_request(line, |req| verifier.verify_json_at(req, now, out))
}

/// The JSON of a bad request line: a denial `bad_request` with the error,
/// any key value in it redacted.
pub fn bad_request_json(error: &str) -> Vec<u8> {
    let bad = BadRequest {
        decision: &Decision::deny(Reason::BadRequest, None),
        error: &redact_values(error),
    };
    serde_json::to_vec(&bad).expect("a decision serializes")
}

/// Parses one request object (a line of `verify --batch`, the body of
/// `serve`'s `POST /v1/verify`) and gives it to `f`; `Err` for a bad request.
pub fn with_request<R>(
    line: &[u8],
    f: impl FnOnce(&Request) -> R,
) -> std::result::Result<R, String> {
    let text = std::str::from_utf8(line).map_err(|_| "the line is not UTF-8".to_string())?;
    // serde would also take an array for the struct: only an object is a request.
    if !text.trim_start().starts_with('{') {
        return Err("not a request object: a line is one JSON object {\"key\": …}".into());
    }
    let l: Line = serde_json::from_str(text).map_err(|e| format!("not a request object: {e}"))?;
    let ip = parse_ip(l.ip.as_deref()).map_err(|e| e.message().what.clone())?;
    let method = l
        .method
        .as_deref()
        .map(sign::method)
        .transpose()
        .map_err(|e| e.message().what.clone())?;
    if let Some(u) = &l.url {
        sign::request_url(u).map_err(|e| e.message().what.clone())?;
    }
    let req = Request {
        key: l.key.trim(),
        method: method.as_deref(),
        url: l.url.as_deref(),
        origin: l.origin.as_deref(),
        ip,
    };
    Ok(f(&req))
}

/// A verifier whose store is behind its head witness says so once, on
/// stderr: every request will be denied `store_rolled_back`.
pub fn warn_rolled_back(ctx: &Context, verifier: &mut Verifier) {
    if let Some(rb) = verifier.rolled_back() {
        ctx.printer.warn(format!(
            "{}: every request is denied (store_rolled_back); if an older copy of the store was restored on purpose, start again with --accept-head",
            rb.describe()
        ));
    }
}

pub fn run(
    ctx: &mut Context,
    trust: &keyadm::ops::verify::TrustChoice,
    accept_head: bool,
) -> Result<ExitCode> {
    let witness = ctx.witness_choice(accept_head)?;
    let mut verifier =
        ctx.open_verifier(VerifierOptions { record_uses: true }, trust, Some(&witness))?;
    if !verifier.trusted() {
        ctx.printer.warn(keyadm::ops::verify::UNTRUSTED_WARNING);
    }
    warn_rolled_back(ctx, &mut verifier);
    // KEYADM_NOW fixes the time of the whole run; otherwise each line is judged at its own time.
    let fixed = std::env::var_os("KEYADM_NOW").is_some().then(|| ctx.now());
    let mut input = BufReader::with_capacity(64 * 1024, io::stdin().lock());
    let mut stdout = io::stdout().lock();
    let mut out: Vec<u8> = Vec::with_capacity(OUT_BUFFER + 1024);
    let mut line = Vec::with_capacity(512);
    while let Some(fits) = read_line(&mut input, &mut line)? {
        let now = fixed.unwrap_or_else(|| Clock::system().now());
        let mark = out.len();
        let result = if fits {
            decide(&mut verifier, &line, now, &mut out)
        } else {
            Err(format!("the line is longer than {MAX_LINE} bytes"))
        };
        if let Err(e) = result {
            out.truncate(mark);
            // The parser's message may quote a field, and a key put where it
            // does not belong must not come back whole.
            out.extend_from_slice(&bad_request_json(&e));
        }
        out.push(b'\n');
        if out.len() >= OUT_BUFFER || input.buffer().is_empty() {
            match stdout.write_all(&out).and_then(|()| stdout.flush()) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
                r => r?,
            }
            out.clear();
        }
    }
    stdout.write_all(&out)?;
    stdout.flush()?;
    verifier.finish_for_exit();
    Ok(ExitCode::SUCCESS)
}
