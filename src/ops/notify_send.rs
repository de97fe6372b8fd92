//! Delivering one expiry notice through a channel (issue 17, SPEC §5.11):
//! an email over SMTP (lettre, STARTTLS or TLS by rustls) or a signed
//! webhook POST (ureq, rustls), each retried with backoff within a budget
//! per channel and run. Nothing here prints or reads the environment: the
//! secrets come from the caller in [`Secrets`].

use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, SecondsFormat, Utc};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use serde_json::json;
use zeroize::Zeroizing;

use super::lifecycle::Notice;
use crate::domain::notify::{
    webhook_signature, SecretSource, SmtpSecurity, SmtpSetting, WebhookFormat, WebhookSetting,
};

/// The secrets the settings name, read by the caller.
#[derive(Default)]
pub struct Secrets {
    pub smtp_password: Option<Zeroizing<String>>,
    pub webhook_secret: Option<Zeroizing<Vec<u8>>>,
}

/// The channels configured in the store's settings.
#[derive(Debug, Clone, Default)]
pub struct Channels {
    pub smtp: Option<SmtpSetting>,
    pub from: Option<String>,
    pub webhook: Option<WebhookSetting>,
}

impl Channels {
    pub fn is_empty(&self) -> bool {
        self.smtp.is_none() && self.webhook.is_none()
    }
    /// The SMTP password's source, when the settings name one.
    pub fn smtp_password_source(&self) -> Option<&SecretSource> {
        self.smtp
            .as_ref()
            .and_then(|s| s.credentials.as_ref())
            .map(|(_, src)| src)
    }
    pub fn webhook_secret_source(&self) -> Option<&SecretSource> {
        self.webhook.as_ref().and_then(|w| w.secret.as_ref())
    }
}

/// How long a channel may spend on one run (attempts and waits between
/// them), and the first wait; each next wait doubles.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub budget: Duration,
    pub first_delay: Duration,
}

impl Default for Retry {
    /// At most 30 s per channel per run (SPEC §5.11); waits 1 s, 2 s, 4 s, ….
    fn default() -> Self {
        Retry {
            budget: Duration::from_secs(30),
            first_delay: Duration::from_secs(1),
        }
    }
}

impl Retry {
    /// The default schedule scaled to a budget (waits keep their ratio).
    pub fn with_budget(budget: Duration) -> Self {
        Retry {
            budget,
            first_delay: budget / 30,
        }
    }
}

/// One failed attempt: why, and whether trying again can help.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub permanent: bool,
}

/// A channel's state through one run: time spent, and the error it gave
/// up with (then the run sends nothing more through it).
#[derive(Debug, Default)]
pub struct ChannelRun {
    spent: Duration,
    gave_up: Option<String>,
}

impl ChannelRun {
    /// Runs `attempt` (given the time it may take) until it succeeds, fails
    /// for good, or the budget is spent. Returns the attempts made and the
    /// last error.
    pub fn deliver(
        &mut self,
        retry: Retry,
        mut attempt: impl FnMut(Duration) -> Result<(), Failure>,
    ) -> (u32, Result<(), String>) {
        if let Some(why) = &self.gave_up {
            return (
                0,
                Err(format!(
                    "not tried: the channel gave up earlier in this run ({why})"
                )),
            );
        }
        let mut delay = retry.first_delay;
        let mut attempts = 0;
        loop {
            let left = retry.budget.saturating_sub(self.spent);
            let timeout = left.min(retry.budget / 3).max(Duration::from_millis(100));
            let start = Instant::now();
            attempts += 1;
            let r = attempt(timeout);
            self.spent += start.elapsed();
            let f = match r {
                Ok(()) => return (attempts, Ok(())),
                Err(f) => f,
            };
            if f.permanent {
                return (attempts, Err(f.message));
            }
            if self.spent + delay >= retry.budget {
                let why = format!(
                    "{} after {attempts} attempt{} within {} s",
                    f.message,
                    if attempts == 1 { "" } else { "s" },
                    retry.budget.as_secs_f64().ceil()
                );
                self.gave_up = Some(why.clone());
                return (attempts, Err(why));
            }
            std::thread::sleep(delay);
            self.spent += delay;
            delay *= 2;
        }
    }
}

/// The subject of a notice's email.
pub fn subject(n: &Notice) -> String {
    format!(
        "API key \"{}\" ({}, organization {}) expires in {} day{}",
        n.name,
        n.key_id,
        n.org,
        n.days_left,
        if n.days_left == 1 { "" } else { "s" }
    )
}

/// The plain-text body of a notice (never a key value: a notice holds none).
pub fn body(n: &Notice) -> String {
    let expires = n.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true);
    format!(
        "The API key \"{name}\" expires {expires}, in {days} day{s}.\n\
         \n\
         Key ID:        {id}\n\
         Name:          {name}\n\
         Organization:  {org}\n\
         Tenant:        {tenant}\n\
         Expires:       {expires}\n\
         Days left:     {days}\n\
         \n\
         Extend it:     keyadm edit {id} --expires 90d\n\
         Or rotate it:  keyadm rotate {id}\n\
         \n\
         -- \n\
         keyadm notify ({threshold}-day notice)\n",
        name = n.name,
        id = n.key_id,
        org = n.org,
        tenant = n.tenant,
        days = n.days_left,
        s = if n.days_left == 1 { "" } else { "s" },
        threshold = n.threshold,
    )
}

/// The email of a notice: To each recipient as its own address.
pub fn message(from: &str, n: &Notice, now: DateTime<Utc>) -> Result<Message, String> {
    if n.recipients.is_empty() {
        return Err(
            "no recipients (no admin of the tenant has an email, and no notify-to is set)"
                .to_string(),
        );
    }
    let from: Mailbox = from
        .parse()
        .map_err(|e| format!("notify-from is not an address: {e}"))?;
    let mut b = Message::builder()
        .from(from)
        .subject(subject(n))
        .date(SystemTime::from(now))
        .message_id(None)
        .header(ContentType::TEXT_PLAIN);
    for r in &n.recipients {
        let to: Mailbox = r
            .parse()
            .map_err(|e| format!("recipient \"{r}\" is not an address: {e}"))?;
        b = b.to(to);
    }
    b.body(body(n))
        .map_err(|e| format!("cannot build the email: {e}"))
}

/// Sends one email; a 2xx after DATA is delivery.
pub fn send_smtp(
    cfg: &SmtpSetting,
    password: Option<&str>,
    msg: &Message,
    timeout: Duration,
) -> Result<(), Failure> {
    let builder = match cfg.security {
        SmtpSecurity::Tls => SmtpTransport::relay(&cfg.host),
        SmtpSecurity::StartTls => SmtpTransport::starttls_relay(&cfg.host),
        SmtpSecurity::Plain => Ok(SmtpTransport::builder_dangerous(cfg.host.clone())),
    }
    .map_err(|e| Failure {
        message: format!("smtp: {e}"),
        permanent: true,
    })?;
    let mut builder = builder.port(cfg.port).timeout(Some(timeout));
    if let (Some((user, _)), Some(pw)) = (&cfg.credentials, password) {
        builder = builder.credentials(Credentials::new(user.clone(), pw.to_string()));
    }
    builder.build().send(msg).map(|_| ()).map_err(|e| Failure {
        message: format!("smtp {}:{}: {e}", cfg.host, cfg.port),
        permanent: e.is_permanent(),
    })
}

/// The body of a notice's webhook POST in `format`.
pub fn webhook_body(format: WebhookFormat, n: &Notice) -> String {
    let text = format!(
        "API key *{}* ({}, organization {}, tenant {}) expires {} — in {} day{}. Extend it: `keyadm edit {} --expires 90d`",
        n.name,
        n.key_id,
        n.org,
        n.tenant,
        n.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        n.days_left,
        if n.days_left == 1 { "" } else { "s" },
        n.key_id
    );
    let v = match format {
        WebhookFormat::Json => json!({
            "key_id": n.key_id,
            "name": n.name,
            "tenant": n.tenant,
            "org": n.org,
            "expires_at": n.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            "days_left": n.days_left,
            "threshold": n.threshold,
            "recipients": n.recipients,
        }),
        WebhookFormat::Slack => json!({ "text": text }),
        WebhookFormat::Teams => json!({
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": subject(n),
            "title": subject(n),
            "text": text,
        }),
    };
    v.to_string()
}

/// POSTs one notice; an HTTP 2xx is delivery. Signed with
/// `X-Keyadm-Timestamp` (Unix seconds, `now`) and `X-Keyadm-Signature`.
pub fn send_webhook(
    cfg: &WebhookSetting,
    secret: Option<&[u8]>,
    n: &Notice,
    now: DateTime<Utc>,
    timeout: Duration,
) -> Result<(), Failure> {
    let body = webhook_body(cfg.format, n);
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let ts = now.timestamp();
    let mut req = agent
        .post(&cfg.url)
        .header("Content-Type", "application/json")
        .header("User-Agent", concat!("keyadm/", env!("CARGO_PKG_VERSION")));
    if let Some(secret) = secret {
        req = req.header("X-Keyadm-Timestamp", ts.to_string()).header(
            "X-Keyadm-Signature",
            webhook_signature(secret, ts, body.as_bytes()),
        );
    }
    match req.send(body.as_bytes()) {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => {
            let code = r.status().as_u16();
            Err(Failure {
                message: format!("webhook: HTTP {}", r.status()),
                permanent: (400..500).contains(&code) && code != 408 && code != 429,
            })
        }
        Err(e) => Err(Failure {
            message: format!("webhook: {e}"),
            permanent: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_gives_up_within_its_budget() {
        let retry = Retry::with_budget(Duration::from_millis(300));
        let mut run = ChannelRun::default();
        let start = Instant::now();
        let (n, r) = run.deliver(retry, |_| {
            Err(Failure {
                message: "down".into(),
                permanent: false,
            })
        });
        assert!(r.is_err() && n > 1, "{n} {r:?}");
        assert!(start.elapsed() < Duration::from_millis(600));
        // The next notice is not tried at all.
        let (n, r) = run.deliver(retry, |_| Ok(()));
        assert_eq!(n, 0);
        assert!(r.unwrap_err().contains("gave up"));
        // A permanent failure is not retried.
        let mut run = ChannelRun::default();
        let (n, _) = run.deliver(retry, |_| {
            Err(Failure {
                message: "550".into(),
                permanent: true,
            })
        });
        assert_eq!(n, 1);
    }
}
