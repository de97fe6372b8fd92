//! The channels of expiry notices (issue 17, SPEC §5.11): the settings
//! `notify-smtp`, `notify-webhook`, `notify-from` and a tenant's
//! `notify-to`, parsed and checked. Pure: nothing here connects or reads a
//! secret; a secret is only *named* (an environment variable or a file).
//!
//! ```text
//! notify-smtp     smtp://HOST[:PORT] | smtps://HOST[:PORT]
//!                 [user=NAME (password-env=VAR | password-file=PATH)] [insecure]
//! notify-webhook  https://… | http://LOOPBACK… [format=json|slack|teams]
//!                 [secret-env=VAR | secret-file=PATH]
//! ```

use std::net::IpAddr;
use std::path::PathBuf;

use url::Url;

use crate::domain::user::is_valid_email;
use crate::error::{Error, Result};

/// Where a secret (SMTP password, webhook secret) is read from, by the
/// program that calls the library; never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Env(String),
    File(PathBuf),
}

impl SecretSource {
    fn render(&self, prefix: &str) -> String {
        match self {
            SecretSource::Env(v) => format!("{prefix}-env={v}"),
            SecretSource::File(p) => format!("{prefix}-file={}", p.display()),
        }
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://`: STARTTLS, required (the message is never sent in clear).
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Tls,
    /// `smtp://… insecure` (`--insecure-smtp`): plain SMTP, only to a
    /// loopback host and only without credentials.
    Plain,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSetting {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// User name and where its password is.
    pub credentials: Option<(String, SecretSource)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// keyadm's own JSON body (key_id, name, tenant, org, expires_at, days_left, recipients).
    Json,
    /// A Slack incoming webhook: `{"text": …}`.
    Slack,
    /// A Microsoft Teams incoming webhook: a MessageCard.
    Teams,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Json => "json",
            WebhookFormat::Slack => "slack",
            WebhookFormat::Teams => "teams",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSetting {
    pub url: String,
    pub format: WebhookFormat,
    /// The HMAC secret that signs each POST (required for `json`).
    pub secret: Option<SecretSource>,
}

fn bad(name: &str, value: &str, hint: &str) -> Error {
    Error::usage(format!(
        "invalid value \"{}\" for {name}",
        redact(value).escape_debug()
    ))
    .hint(hint.to_string())
}

/// `value` with any credentials of a URL (`scheme://user:password@`)
/// replaced by `…`: an error never repeats a password.
fn redact(value: &str) -> String {
    let Some((scheme, rest)) = value.split_once("://") else {
        return value.to_string();
    };
    let end = rest.find(['/', ' ', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://…@{}", &rest[at + 1..]),
        None => value.to_string(),
    }
}

/// Is `host` (from a URL) a loopback address or `localhost`?
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Splits a setting into its URL and its `name=value` / flag options.
fn split_options<'v>(
    name: &str,
    value: &'v str,
    known: &[&str],
) -> Result<(&'v str, Vec<(&'v str, &'v str)>)> {
    let mut words = value.split_whitespace();
    let url = words.next().unwrap_or("");
    let mut opts = Vec::new();
    for w in words {
        let (k, v) = w.split_once('=').unwrap_or((w, ""));
        if !known.contains(&k) {
            return Err(bad(
                name,
                value,
                &format!("options are: {}", known.join(", ")),
            ));
        }
        if opts.iter().any(|(o, _)| *o == k) {
            return Err(bad(name, value, &format!("give {k} once")));
        }
        opts.push((k, v));
    }
    Ok((url, opts))
}

fn secret_source(
    name: &str,
    value: &str,
    opts: &[(&str, &str)],
    prefix: &str,
) -> Result<Option<SecretSource>> {
    let env = opts.iter().find(|(k, _)| *k == format!("{prefix}-env"));
    let file = opts.iter().find(|(k, _)| *k == format!("{prefix}-file"));
    match (env, file) {
        (Some(_), Some(_)) => Err(bad(
            name,
            value,
            &format!("give {prefix}-env=VAR or {prefix}-file=PATH, not both"),
        )),
        (Some((_, v)), None) => {
            let ok = !v.is_empty()
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !v.starts_with(|c: char| c.is_ascii_digit());
            match ok {
                true => Ok(Some(SecretSource::Env(v.to_string()))),
                false => Err(bad(
                    name,
                    value,
                    &format!("{prefix}-env names an environment variable, e.g. {prefix}-env=KEYADM_SMTP_PASSWORD"),
                )),
            }
        }
        (None, Some((_, p))) if p.starts_with('/') => Ok(Some(SecretSource::File(p.into()))),
        (None, Some(_)) => Err(bad(
            name,
            value,
            &format!("{prefix}-file takes an absolute path, e.g. {prefix}-file=/etc/keyadm/secret"),
        )),
        (None, None) => Ok(None),
    }
}

/// Parses `notify-smtp` (not `none`).
pub fn parse_smtp(value: &str) -> Result<SmtpSetting> {
    const NAME: &str = "notify-smtp";
    let (raw, opts) = split_options(
        NAME,
        value,
        &["user", "password-env", "password-file", "insecure"],
    )?;
    let url = Url::parse(raw).map_err(|_| {
        bad(
            NAME,
            value,
            "use smtp://HOST:PORT (STARTTLS) or smtps://HOST:PORT (TLS), or none",
        )
    })?;
    let security = match url.scheme() {
        "smtp" => SmtpSecurity::StartTls,
        "smtps" => SmtpSecurity::Tls,
        _ => {
            return Err(bad(
                NAME,
                value,
                "use smtp://HOST:PORT (STARTTLS) or smtps://HOST:PORT (TLS)",
            ))
        }
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            NAME,
            value,
            "no credentials in the URL: add user=NAME and password-file=PATH or password-env=VAR (the password is never stored)",
        ));
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            NAME,
            value,
            "give only smtp://HOST:PORT, no path or query",
        ));
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(bad(NAME, value, "the URL names no host"));
    };
    let port = url.port().unwrap_or(match security {
        SmtpSecurity::Tls => 465,
        _ => 587,
    });
    let user = opts.iter().find(|(k, _)| *k == "user").map(|(_, v)| *v);
    let password = secret_source(NAME, value, &opts, "password")?;
    let credentials = match (user, password) {
        (Some(u), Some(p)) if !u.is_empty() => Some((u.to_string(), p)),
        (None, None) => None,
        _ => {
            return Err(bad(
                NAME,
                value,
                "give user=NAME together with password-file=PATH or password-env=VAR",
            ))
        }
    };
    let insecure = opts.iter().any(|(k, _)| *k == "insecure");
    let security = match insecure {
        false => security,
        true if security == SmtpSecurity::StartTls
            && is_loopback_host(host)
            && credentials.is_none() =>
        {
            SmtpSecurity::Plain
        }
        true => {
            return Err(bad(
                NAME,
                value,
                "plain SMTP (--insecure-smtp) only to a loopback host (127.0.0.1, ::1, localhost), with smtp:// and without credentials: STARTTLS is required when credentials are set",
            ))
        }
    };
    Ok(SmtpSetting {
        host: host.to_string(),
        port,
        security,
        credentials,
    })
}

impl SmtpSetting {
    /// The normal form stored.
    pub fn render(&self) -> String {
        let scheme = match self.security {
            SmtpSecurity::Tls => "smtps",
            _ => "smtp",
        };
        let host = match self.host.parse::<std::net::Ipv6Addr>() {
            Ok(_) => format!("[{}]", self.host),
            Err(_) => self.host.clone(),
        };
        let mut out = format!("{scheme}://{host}:{}", self.port);
        if let Some((user, source)) = &self.credentials {
            out.push_str(&format!(" user={user} {}", source.render("password")));
        }
        if self.security == SmtpSecurity::Plain {
            out.push_str(" insecure");
        }
        out
    }
}

/// Parses `notify-webhook` (not `none`).
pub fn parse_webhook(value: &str) -> Result<WebhookSetting> {
    const NAME: &str = "notify-webhook";
    let (raw, opts) = split_options(NAME, value, &["format", "secret-env", "secret-file"])?;
    let url = Url::parse(raw).map_err(|_| {
        bad(
            NAME,
            value,
            "use an https:// URL (http:// only to a loopback host)",
        )
    })?;
    let host = url.host_str().unwrap_or("");
    match url.scheme() {
        "https" if !host.is_empty() => {}
        "http" if is_loopback_host(host) => {}
        _ => {
            return Err(bad(
                NAME,
                value,
                "use an https:// URL (http:// only to a loopback host)",
            ))
        }
    }
    if url.password().is_some() {
        return Err(bad(
            NAME,
            value,
            "no password in the URL: the receiver checks the signature made with secret-file=PATH",
        ));
    }
    let format = match opts.iter().find(|(k, _)| *k == "format").map(|(_, v)| *v) {
        None | Some("json") => WebhookFormat::Json,
        Some("slack") => WebhookFormat::Slack,
        Some("teams") => WebhookFormat::Teams,
        Some(_) => return Err(bad(NAME, value, "format is json, slack or teams")),
    };
    let secret = secret_source(NAME, value, &opts, "secret")?;
    if format == WebhookFormat::Json && secret.is_none() {
        return Err(bad(
            NAME,
            value,
            "a json webhook is signed: add secret-file=PATH (or secret-env=VAR) holding the shared secret",
        ));
    }
    Ok(WebhookSetting {
        url: url.to_string(),
        format,
        secret,
    })
}

impl WebhookSetting {
    pub fn render(&self) -> String {
        let mut out = format!("{} format={}", self.url, self.format.as_str());
        if let Some(s) = &self.secret {
            out.push(' ');
            out.push_str(&s.render("secret"));
        }
        out
    }
}

/// Parses `notify-from`: one email address.
pub fn parse_from(value: &str) -> Result<String> {
    match is_valid_email(value) {
        true => Ok(value.to_string()),
        false => Err(bad(
            "notify-from",
            value,
            "give one address such as keyadm@example.com, or none",
        )),
    }
}

/// Parses a tenant's `notify-to`: emails separated by commas, sorted,
/// without duplicates.
pub fn parse_to(value: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for a in value.split(',').map(str::trim) {
        if !is_valid_email(a) {
            return Err(bad(
                "notify-to",
                value,
                &format!(
                    "\"{}\" is not an address: give emails separated by commas, e.g. ops@acme.example,sec@acme.example, or none (the tenant's admins)",
                    a.escape_debug()
                ),
            ));
        }
        out.push(a.to_string());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Why a secret file (SMTP password, webhook secret) with these permission
/// bits is not trusted: any access for others, or group write. (Group read
/// is fine: `root:keyadm 0640` for a service account.)
pub fn secret_file_distrust(path: &std::path::Path, mode: u32) -> Option<Error> {
    if mode & 0o027 == 0 {
        return None;
    }
    Some(
        Error::environment(format!(
            "the secret file {} may be read or changed by others (mode {:04o})",
            path.display(),
            mode & 0o777
        ))
        .hint(format!("chmod 600 {} (or 640 for a group)", path.display())),
    )
}

/// HMAC-SHA256 webhook signature of SPEC §5.11:
/// `v1=hex(HMAC-SHA256(secret, timestamp + "." + body))`.
pub fn webhook_signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(67);
    hex.push_str("v1=");
    for b in tag {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_settings() {
        let s = parse_smtp("smtp://mail.example.com").unwrap();
        assert_eq!(s.render(), "smtp://mail.example.com:587");
        let s = parse_smtp("smtps://mail.example.com user=a@b.example password-env=PW").unwrap();
        assert_eq!(
            s.render(),
            "smtps://mail.example.com:465 user=a@b.example password-env=PW"
        );
        assert_eq!(
            parse_smtp("smtp://127.0.0.1:2525 insecure")
                .unwrap()
                .security,
            SmtpSecurity::Plain
        );
        for bad in [
            "smtp://mail.example.com:25 insecure",
            "smtp://127.0.0.1:25 user=a password-env=PW insecure",
            "smtps://127.0.0.1 insecure",
            "smtp://a:secret@mail.example.com",
            "smtp://mail.example.com user=a",
            "smtp://mail.example.com password-file=/x",
            "smtp://mail.example.com user=a password-file=relative",
            "smtp://mail.example.com user=a password-env=PW password-file=/x",
            "smtp://mail.example.com?x=1",
            "http://mail.example.com",
            "smtp://mail.example.com colour=red",
            "",
        ] {
            assert!(parse_smtp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_never_repeat_a_password() {
        let e = parse_smtp("smtp://a:hunter2@mail.example.com:25").unwrap_err();
        assert!(!format!("{e:?}").contains("hunter2"), "{e:?}");
        assert_eq!(redact("https://h.example/x y"), "https://h.example/x y");
    }

    #[test]
    fn webhook_settings() {
        let w = parse_webhook("https://hooks.slack.com/services/T/B/X format=slack").unwrap();
        assert_eq!(w.format, WebhookFormat::Slack);
        assert!(parse_webhook("http://127.0.0.1:9/h secret-file=/s").is_ok());
        for bad in [
            "http://hooks.example.com/h secret-file=/s",
            "https://hooks.example.com/h",
            "https://hooks.example.com/h format=xml secret-file=/s",
            "ftp://127.0.0.1/h secret-file=/s",
        ] {
            assert!(parse_webhook(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secret_files_must_be_private() {
        let p = std::path::Path::new("/s");
        assert!(secret_file_distrust(p, 0o600).is_none());
        assert!(secret_file_distrust(p, 0o640).is_none());
        assert!(secret_file_distrust(p, 0o644).is_some());
        assert!(secret_file_distrust(p, 0o660).is_some());
    }

    #[test]
    fn recipients_and_signature() {
        assert_eq!(
            parse_to("b@x.example, a@x.example,b@x.example").unwrap(),
            vec!["a@x.example", "b@x.example"]
        );
        assert!(parse_to("a@x.example,-oX@y.example").is_err());
        assert!(parse_to("").is_err());
        // RFC 4231 test case 2 shape: a known HMAC-SHA256 over "1.{}".
        let s = webhook_signature(b"Jefe", 1, b"{}");
        assert!(s.starts_with("v1=") && s.len() == 67, "{s}");
        assert_ne!(s, webhook_signature(b"Jefe", 2, b"{}"));
    }
}
