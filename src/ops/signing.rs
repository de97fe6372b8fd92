//! `sign` and `check-signature`: HMAC-SHA256 request signatures under a
//! key's value (see [`crate::crypto::sign`]). Both open the key's sealed
//! value, so the session must be unlocked; neither shows it. Both read
//! only, confined to the actor's tenant. `check-signature` may record
//! what it accepted in a replay cache ([`replay`]).

pub mod replay;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Session;
use crate::crypto::sign;
use crate::domain::expiry::parse_duration;
use crate::domain::key::{Key, KeyState};
use crate::domain::settings::Settings;
use crate::error::{Error, Result};
use crate::store::Tx;
use crate::SecretValue;

/// A key whose value is opened for signing: step one of `sign`, so that
/// the front end can warn about the key before it reads the body.
pub struct SigningKey {
    pub key: Key,
    /// The key's state now: a key that is not enabled signs, but
    /// `check-signature` refuses what it signed.
    pub state: KeyState,
    pub settings: Settings,
    value: SecretValue,
    now: DateTime<Utc>,
}

/// The `X-Keyadm-*` headers of a signed request.
#[derive(Debug, Clone, Serialize)]
pub struct Signed {
    pub key_id: String,
    pub timestamp: i64,
    pub signature: String,
}

/// Finds `key` (within `org` when given) and opens its current value.
pub fn signing_key(session: &mut Session, key: &str, org: Option<&str>) -> Result<SigningKey> {
    let tenant = session.confined_tenant().map(str::to_string);
    let now = session.now();
    let (key, value, settings) = session.read(|tx| {
        let key = tx.find_key(tenant.as_deref(), org, key)?;
        let value = current_value(tx, &key)?;
        Ok((key, value, tx.settings()?))
    })?;
    Ok(SigningKey {
        state: key.state(now),
        key,
        settings,
        value,
        now,
    })
}

/// What `sign` signs of a request, checked: its method, and the origin
/// and the raw path and query of its absolute URL.
#[derive(Debug, Clone)]
pub struct SignRequest {
    method: String,
    origin: String,
    path: String,
}

impl SignRequest {
    /// A bad method or URL is exit 2; so is a bare path, since v2 signs
    /// the origin too.
    pub fn parse(method: &str, url: &str) -> Result<SignRequest> {
        let method = sign::method(method)?;
        let path = sign::path_and_query(url)?;
        let origin = sign::origin(url)?.ok_or_else(absolute_needed)?;
        Ok(SignRequest {
            method,
            origin,
            path,
        })
    }
}

fn absolute_needed() -> Error {
    Error::usage("a v2 signature covers the scheme and host: --url must be an absolute URL")
        .hint("give the full URL the client requests, e.g. --url 'https://api.example.com/v1/orders?dry_run=1'")
}

impl SigningKey {
    /// Signs a request (`body` the hex SHA-256 of its body) at the
    /// session's time, with a v2 signature.
    pub fn sign(&self, req: &SignRequest, body: &str) -> Signed {
        let timestamp = self.now.timestamp();
        let signature = sign::sign(
            &self.value,
            &sign::canonical_request_v2(timestamp, &req.method, &req.origin, &req.path, body),
        );
        Signed {
            key_id: self.key.id.clone(),
            timestamp,
            signature,
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

/// Which check a signature failed, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    Malformed,
    Unknown,
    Disabled,
    Expired,
    TimestampTooOld,
    TimestampInFuture,
    SignatureMismatch,
    Replayed,
}

impl Failure {
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Malformed => "malformed",
            Failure::Unknown => "unknown",
            Failure::Disabled => "disabled",
            Failure::Expired => "expired",
            Failure::TimestampTooOld => "timestamp_too_old",
            Failure::TimestampInFuture => "timestamp_in_future",
            Failure::SignatureMismatch => "signature_mismatch",
            Failure::Replayed => "replayed",
        }
    }
}

/// The verdict of `check-signature`.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub valid: bool,
    pub reason: Option<Failure>,
    pub detail: String,
    pub key_id: Option<String>,
    pub name: Option<String>,
    /// `current`, or `previous` (a rotated key's old value, within its grace).
    pub matched: Option<&'static str>,
}

fn fail(reason: Failure, detail: String, key: Option<&Key>) -> Checked {
    Checked {
        valid: false,
        reason: Some(reason),
        detail,
        key_id: key.map(|k| k.id.clone()),
        name: key.map(|k| k.name.clone()),
        matched: None,
    }
}

/// A signed request's headers and what was signed, checked in form.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    key_id: String,
    timestamp: i64,
    version: sign::Version,
    mac: Vec<u8>,
    method: String,
    origin: Option<String>,
    path: String,
    max_skew: u64,
    replay_cache: Option<PathBuf>,
}

impl CheckRequest {
    /// A bad method, URL or skew is an error (exit 2); a timestamp or
    /// signature that cannot be one is the verdict `malformed` (`Ok(Err)`),
    /// given without opening the store. A v2 signature needs an absolute
    /// URL (a bare path is exit 2); a v1 one signs only the path and query.
    pub fn parse(
        key_id: &str,
        timestamp: &str,
        signature: &str,
        method: &str,
        url: &str,
        max_skew: &str,
    ) -> Result<std::result::Result<CheckRequest, Checked>> {
        let method = sign::method(method)?;
        let path = sign::path_and_query(url)?;
        let origin = sign::origin(url)?;
        let max_skew = parse_duration(max_skew, true)?;
        let Ok(timestamp) = timestamp.trim().parse::<i64>() else {
            return Ok(Err(fail(
                Failure::Malformed,
                "the timestamp is not unix seconds".into(),
                None,
            )));
        };
        let Some((version, mac)) = sign::parse_signature(signature) else {
            return Ok(Err(fail(
                Failure::Malformed,
                "the signature is not v2=<64 hex digits> (or v1=…)".into(),
                None,
            )));
        };
        if version == sign::Version::V2 && origin.is_none() {
            return Err(absolute_needed());
        }
        Ok(Ok(CheckRequest {
            key_id: key_id.to_string(),
            timestamp,
            version,
            mac,
            method,
            origin,
            path,
            max_skew,
            replay_cache: None,
        }))
    }

    /// Is this an old v1 signature (accepted in this release, with a warning)?
    pub fn is_v1(&self) -> bool {
        self.version == sign::Version::V1
    }

    /// Records each accepted signature in `path` and refuses one seen
    /// there within the skew window (reason `replayed`).
    pub fn with_replay_cache(mut self, path: Option<PathBuf>) -> CheckRequest {
        self.replay_cache = path;
        self
    }

    fn canonical(&self, body: &str) -> String {
        match (&self.version, &self.origin) {
            (sign::Version::V2, Some(origin)) => {
                sign::canonical_request_v2(self.timestamp, &self.method, origin, &self.path, body)
            }
            _ => sign::canonical_request(self.timestamp, &self.method, &self.path, body),
        }
    }
}

/// The `X-Keyadm-Signature` value from a file: at most 1 KiB, surrounding
/// white space ignored. An unreadable file is exit 5.
pub fn read_signature_file(path: &Path) -> Result<String> {
    use std::io::Read;
    let failed = |e: std::io::Error| {
        Error::environment(format!(
            "cannot read the signature file {}: {e}",
            path.display()
        ))
        .hint("check the path given to --signature-file")
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(failed)?
        .take(1025)
        .read_to_string(&mut text)
        .map_err(failed)?;
    if text.len() > 1024 {
        return Err(Error::usage(format!(
            "the signature file {} is over 1 KiB",
            path.display()
        ))
        .hint("it should hold only the header's value, v2=<64 hex digits>"));
    }
    Ok(text.trim().to_string())
}

/// Checks a signature: the key (the actor's tenant's), its state, the
/// timestamp's skew, then the MAC under its current or previous value.
/// `body` gives the hex SHA-256 of the body, read only once the cheaper
/// checks passed.
pub fn check(
    session: &mut Session,
    req: &CheckRequest,
    body: impl FnOnce() -> Result<String>,
) -> Result<Checked> {
    let now = session.now();
    let tenant = session.confined_tenant().map(str::to_string);
    let found = session.read(|tx| {
        let key = match tx.find_key(tenant.as_deref(), None, &req.key_id) {
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
    let Some((key, current, previous)) = found else {
        return Ok(fail(
            Failure::Unknown,
            format!("no key \"{}\"", req.key_id),
            None,
        ));
    };
    let k = Some(&key);
    match key.state(now) {
        KeyState::Disabled => {
            return Ok(fail(Failure::Disabled, "the key is disabled".into(), k));
        }
        KeyState::Expired => return Ok(fail(Failure::Expired, "the key has expired".into(), k)),
        KeyState::Enabled => {}
    }
    let max_skew = req.max_skew;
    match sign::timestamp_skew(now.timestamp(), req.timestamp, max_skew) {
        sign::Skew::Fresh => {}
        sign::Skew::TooOld(age) => {
            let detail = format!("the timestamp is {age} s old; at most {max_skew} s is accepted");
            return Ok(fail(Failure::TimestampTooOld, detail, k));
        }
        sign::Skew::InFuture(ahead) => {
            let detail = format!(
                "the timestamp is {ahead} s in the future; at most {max_skew} s is accepted"
            );
            return Ok(fail(Failure::TimestampInFuture, detail, k));
        }
    }
    let body = body()?;
    let canonical = req.canonical(&body);
    let matched = if sign::verify(&current, &canonical, &req.mac) {
        Some("current")
    } else if previous.is_some_and(|p| sign::verify(&p, &canonical, &req.mac)) {
        Some("previous")
    } else {
        None
    };
    if let (Some(_), Some(cache)) = (matched, &req.replay_cache) {
        let entry = replay::Entry::new(&key.id, req.timestamp, &req.mac);
        if !replay::record(cache, &entry, now.timestamp(), max_skew)? {
            return Ok(fail(
                Failure::Replayed,
                format!(
                    "this signature was already accepted within the last {max_skew} s (replay cache {})",
                    cache.display()
                ),
                k,
            ));
        }
    }
    Ok(match matched {
        Some(m) => Checked {
            valid: true,
            reason: None,
            detail: format!("signed by key \"{}\" ({}), {m} value", key.name, key.id),
            key_id: Some(key.id.clone()),
            name: Some(key.name.clone()),
            matched: Some(m),
        },
        None => fail(
            Failure::SignatureMismatch,
            "the signature does not match this method, URL, body and timestamp under the key's value".into(),
            k,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_code_is_its_json_name() {
        for f in [
            Failure::Malformed,
            Failure::Unknown,
            Failure::Disabled,
            Failure::Expired,
            Failure::TimestampTooOld,
            Failure::TimestampInFuture,
            Failure::SignatureMismatch,
            Failure::Replayed,
        ] {
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
    }

    #[test]
    fn a_timestamp_or_signature_that_cannot_be_one_is_malformed() {
        let sig = format!("v2={}", "0".repeat(64));
        let bad_time = CheckRequest::parse("k", "soon", &sig, "GET", "/x", "300s").unwrap();
        assert_eq!(bad_time.unwrap_err().reason, Some(Failure::Malformed));
        let bad_sig = CheckRequest::parse("k", "1", "v1=zz", "GET", "/x", "300s").unwrap();
        assert_eq!(bad_sig.unwrap_err().reason, Some(Failure::Malformed));
        let url = "https://h.example/x";
        assert!(CheckRequest::parse("k", "1", &sig, "GET", url, "300s")
            .unwrap()
            .is_ok());
        assert!(CheckRequest::parse("k", "1", &sig, "GET", url, "soon").is_err());
        // v2 needs the origin; v1 signed only the path.
        let bare = CheckRequest::parse("k", "1", &sig, "GET", "/x", "300s").unwrap_err();
        assert_eq!(bare.exit_code(), 2);
        let v1 = format!("v1={}", "0".repeat(64));
        let req = CheckRequest::parse("k", "1", &v1, "GET", "/x", "300s")
            .unwrap()
            .unwrap();
        assert!(req.is_v1());
    }
}
