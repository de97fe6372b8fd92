//! `sweep` and `notify`, the cron jobs of a tenant's admin.
//!
//! `sweep` disables expired keys (reason `expired`) and deletes those
//! expired `purge-after` ago or more, except the only internal key of a
//! tenant; one transaction, so two sweeps at once do what one does.
//!
//! `notify` sends expiry notices at the `notify-days` thresholds, each key
//! and threshold once; after a gap in runs only the nearest threshold is
//! sent and the earlier ones are marked passed. Delivered by the output
//! (due, recorded in one transaction), or by a hook: the notices are
//! claimed, delivered outside the write lock, then recorded one by one.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

use super::keys::{disable_key, DisableCause};
use super::notify_send::{self, ChannelRun, Channels, Retry, Secrets};
use super::{Right, Session};
use crate::domain::expiry::format_duration;
use crate::domain::key::{Key, KeyType};
use crate::domain::lifecycle::{crossed_thresholds, days_left, notice_due, purge_due};
use crate::domain::user::notice_recipients;
use crate::error::{Error, Result};
use crate::store::{NewAudit, NoticeState, Tx};

/// A claim older than this belongs to a run that died; the notice is retried.
const CLAIM_TIMEOUT_SECS: i64 = 3_600;

/// A key that a sweep expired, purged or kept.
#[derive(Debug, Clone, Serialize)]
pub struct Swept {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub key_type: KeyType,
    pub org: String,
    pub tenant: String,
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<&Key> for Swept {
    fn from(k: &Key) -> Self {
        Swept {
            id: k.id.clone(),
            name: k.name.clone(),
            key_type: k.key_type,
            org: k.org.clone(),
            tenant: k.tenant.clone(),
            expires_at: k.expires_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct SweepReport {
    pub dry_run: bool,
    /// Disabled now, reason `expired`.
    pub expired: Vec<Swept>,
    /// Deleted now.
    pub purged: Vec<Swept>,
    /// Due for purging, but the only internal key of its tenant: stays disabled.
    pub kept: Vec<Swept>,
    /// Of `kept`, the IDs an earlier sweep already said it kept (with the
    /// same expiry): said once, not by every daily run.
    pub kept_before: Vec<String>,
}

/// Sweeps the actor's tenant (an operator: every tenant). With `dry_run`
/// it only says what a sweep would do, and any actor may ask.
pub fn sweep(session: &mut Session, dry_run: bool) -> Result<SweepReport> {
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    let tenant = tenant.as_deref();
    match dry_run {
        true => session.read(|tx| sweep_in(tx, tenant, &actor, true)),
        false => session.write(Right::Admin, "sweep keys", |tx| {
            sweep_in(tx, tenant, &actor, false)
        }),
    }
}

/// Decides, and unless `dry_run` does, what a sweep at `tx.now()` does.
fn sweep_in(tx: &Tx, tenant: Option<&str>, actor: &str, dry_run: bool) -> Result<SweepReport> {
    let now = tx.now();
    let purge_after = tx.settings()?.purge_after();
    let mut report = SweepReport {
        dry_run,
        ..Default::default()
    };
    // Internal keys left in each tenant, counted before this sweep deletes any.
    let mut internal: HashMap<String, i64> = HashMap::new();
    for mut k in tx.expired_keys(tenant)? {
        if disable_key(tx, actor, &mut k, DisableCause::Expired, dry_run)? {
            report.expired.push((&k).into());
        }
        if !purge_due(&k, now, purge_after) {
            continue;
        }
        if k.key_type == KeyType::Internal {
            let left = match internal.get(&k.tenant) {
                Some(n) => *n,
                None => tx.count_internal_keys(&k.tenant, false)?,
            };
            if left <= 1 {
                internal.insert(k.tenant.clone(), left);
                if tx.sweep_kept_before(&k.id, k.expires_at)? {
                    report.kept_before.push(k.id.clone());
                } else if !dry_run {
                    tx.remember_sweep_kept(&k.id, k.expires_at)?;
                }
                report.kept.push((&k).into());
                continue;
            }
            internal.insert(k.tenant.clone(), left - 1);
        }
        if !dry_run {
            tx.delete_key(&k.id)?;
            tx.append_audit(NewAudit::key(
                actor,
                "purge",
                &k,
                json!({
                    "expires_at": k.expires_at,
                    "purge_after": format_duration(purge_after),
                    "type": k.key_type,
                    "org": k.org,
                    "reason_disabled": k.disabled_reason,
                }),
            ))?;
        }
        report.purged.push((&k).into());
    }
    if !dry_run && !report.purged.is_empty() {
        tx.forget_orphan_notices()?;
    }
    Ok(report)
}

/// One expiry notice.
#[derive(Debug, Serialize, Clone)]
pub struct Notice {
    pub key_id: String,
    pub name: String,
    pub org: String,
    pub tenant: String,
    pub expires_at: DateTime<Utc>,
    pub days_left: i64,
    /// The threshold (days before expiry) this notice is for.
    pub threshold: u32,
    /// Earlier thresholds crossed during a gap in runs, marked passed.
    pub passed: Vec<u32>,
    pub recipients: Vec<String>,
    /// Admins whose stored email is not valid (accepted by an older
    /// release): skipped as recipients, for a warning naming the user.
    #[serde(skip)]
    pub skipped_users: Vec<String>,
    pub sent: bool,
    pub error: Option<String>,
    /// Per channel (smtp, webhook, exec), when notices go out through channels.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deliveries: Vec<Delivery>,
}

/// The delivery of a notice through one channel in this run.
#[derive(Debug, Serialize, Clone)]
pub struct Delivery {
    pub channel: String,
    /// Sent now, or by an earlier run (`attempts` 0).
    pub sent: bool,
    pub attempts: u32,
    pub error: Option<String>,
}

#[derive(Debug, Serialize, Clone)]
pub struct NotifyReport {
    pub dry_run: bool,
    pub notices: Vec<Notice>,
    /// The channels of this run (empty: printed, or the hook alone).
    #[serde(skip)]
    pub channels: Vec<String>,
}

impl NotifyReport {
    /// The error a run with a hook ends with when some notice was not sent
    /// (exit 5; those notices are retried on the next run).
    pub fn failure(&self) -> Option<Error> {
        let failed = self.notices.iter().filter(|n| !n.sent).count();
        if self.dry_run || failed == 0 {
            return None;
        }
        let all = self.notices.len();
        if !self.channels.is_empty() {
            let names: Vec<String> = self
                .notices
                .iter()
                .filter(|n| !n.sent)
                .map(|n| {
                    let by: Vec<&str> = n
                        .deliveries
                        .iter()
                        .filter(|d| !d.sent)
                        .map(|d| d.channel.as_str())
                        .collect();
                    format!("{} ({}) by {}", n.name, n.key_id, by.join(" and "))
                })
                .collect();
            return Some(Error::environment(format!(
                "{failed} of {all} notice{} not sent: {}; the next run retries only those channels",
                if all == 1 { "" } else { "s" },
                names.join(", "),
            ))
            .hint("the NOT SENT lines above say why; fix the channel and run the same command again"));
        }
        Some(Error::environment(format!(
            "the hook failed for {failed} of {all} notice{}; {} not marked sent and will be retried on the next run",
            if all == 1 { "" } else { "s" },
            if failed == 1 { "it is" } else { "they are" },
        ))
        .hint("see the hook's output above; run the same command again once it is fixed"))
    }
}

/// The notices due now, sending and recording nothing (any actor may ask).
pub fn due(session: &mut Session) -> Result<NotifyReport> {
    let tenant = session.confined_tenant().map(str::to_string);
    let notices = session.read(|tx| due_notices(tx, tenant.as_deref()))?;
    Ok(NotifyReport {
        dry_run: true,
        notices,
        channels: Vec::new(),
    })
}

/// Sends the due notices by handing them to the caller in the report:
/// the output is the delivery, so they are due and recorded sent in one
/// transaction.
pub fn send(session: &mut Session) -> Result<NotifyReport> {
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    let notices = session.write(Right::Admin, "send expiry notices", |tx| {
        let mut notices = due_notices(tx, tenant.as_deref())?;
        for n in &mut notices {
            record_sent(tx, n, &actor, "output")?;
            n.sent = true;
        }
        Ok(notices)
    })?;
    Ok(NotifyReport {
        dry_run: false,
        notices,
        channels: Vec::new(),
    })
}

/// Sends the due notices through `deliver` (a hook; `Err` says why it
/// failed): they are claimed in one transaction, delivered outside the
/// write lock (a slow mail server must not block other keyadm
/// processes), and each recorded sent, or its claim dropped, after.
pub fn send_with(
    session: &mut Session,
    mut deliver: impl FnMut(&Notice) -> std::result::Result<(), String>,
) -> Result<NotifyReport> {
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    let mut notices = session.write(Right::Admin, "send expiry notices", |tx| {
        let notices = due_notices(tx, tenant.as_deref())?;
        for n in &notices {
            tx.record_notice(&n.key_id, n.expires_at, n.threshold, NoticeState::Sending)?;
        }
        Ok(notices)
    })?;
    for n in &mut notices {
        let hook = deliver(n);
        let recorded = session.write(Right::Admin, "send expiry notices", |tx| match &hook {
            Ok(()) => record_sent(tx, n, &actor, "exec"),
            Err(_) => tx.forget_notice(&n.key_id, n.expires_at, n.threshold),
        });
        match (hook, recorded) {
            (Ok(()), Ok(())) => n.sent = true,
            (Err(why), _) => n.error = Some(why),
            (Ok(()), Err(e)) => {
                n.error = Some(format!(
                    "the hook succeeded, but recording the notice failed: {}",
                    e.message()
                ))
            }
        }
    }
    Ok(NotifyReport {
        dry_run: false,
        notices,
        channels: Vec::new(),
    })
}

/// A hook that delivers one notice (`Err` says why it failed).
pub type Hook<'h> = dyn FnMut(&Notice) -> std::result::Result<(), String> + 'h;

/// The notice channels the store's settings configure (SMTP needs
/// `notify-from`).
pub fn channels(session: &mut Session) -> Result<Channels> {
    let settings = session.read(|tx| tx.settings())?;
    let smtp = settings.notify_smtp();
    let from = settings.notify_from().map(str::to_string);
    if smtp.is_some() && from.is_none() {
        return Err(
            Error::environment("notify-smtp is set, but notify-from is not")
                .hint("keyadm config set notify-from keyadm@example.com (an operator)"),
        );
    }
    Ok(Channels {
        smtp,
        from,
        webhook: settings.notify_webhook(),
    })
}

/// Sends the due notices through the configured channels and the hook
/// (`exec`, when given): claimed in one transaction, each delivered outside
/// the write lock through every channel not yet sent (retried within
/// `retry`'s budget per channel), each channel's outcome recorded, and the
/// notice recorded sent once every channel has it. A notice some channel
/// failed is due again on the next run, which sends it only through that
/// channel.
pub fn send_through(
    session: &mut Session,
    channels: &Channels,
    secrets: &Secrets,
    mut exec: Option<&mut Hook<'_>>,
    retry: Retry,
) -> Result<NotifyReport> {
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    let now = session.now();
    let mut names: Vec<&str> = Vec::new();
    if channels.smtp.is_some() {
        names.push("smtp");
    }
    if channels.webhook.is_some() {
        names.push("webhook");
    }
    if exec.is_some() {
        names.push("exec");
    }
    let mut notices = session.write(Right::Admin, "send expiry notices", |tx| {
        let notices = due_notices(tx, tenant.as_deref())?;
        let mut out = Vec::new();
        for n in notices {
            tx.record_notice(&n.key_id, n.expires_at, n.threshold, NoticeState::Sending)?;
            let done = tx.delivered_channels(&n.key_id, n.expires_at, n.threshold)?;
            out.push((n, done));
        }
        Ok(out)
    })?;
    let mut runs: HashMap<&str, ChannelRun> = HashMap::new();
    for (n, done) in &mut notices {
        for ch in &names {
            if done.iter().any(|d| d == ch) {
                n.deliveries.push(Delivery {
                    channel: ch.to_string(),
                    sent: true,
                    attempts: 0,
                    error: None,
                });
                continue;
            }
            let run = runs.entry(ch).or_default();
            let (attempts, r) = match *ch {
                "smtp" => {
                    let (Some(cfg), Some(from)) = (&channels.smtp, &channels.from) else {
                        continue;
                    };
                    match notify_send::message(from, n, now) {
                        Err(e) => (0, Err(e)),
                        Ok(msg) => run.deliver(retry, |t| {
                            notify_send::send_smtp(
                                cfg,
                                secrets.smtp_password.as_deref().map(String::as_str),
                                &msg,
                                t,
                            )
                        }),
                    }
                }
                "webhook" => {
                    let Some(cfg) = &channels.webhook else {
                        continue;
                    };
                    run.deliver(retry, |t| {
                        notify_send::send_webhook(
                            cfg,
                            secrets.webhook_secret.as_deref().map(Vec::as_slice),
                            n,
                            now,
                            t,
                        )
                    })
                }
                _ => match exec.as_mut() {
                    Some(f) => (1, f(n)),
                    None => continue,
                },
            };
            let error = r.err();
            session.write(Right::Admin, "send expiry notices", |tx| {
                tx.record_delivery(
                    &n.key_id,
                    n.expires_at,
                    n.threshold,
                    ch,
                    attempts,
                    error.as_deref(),
                )
            })?;
            n.deliveries.push(Delivery {
                channel: ch.to_string(),
                sent: error.is_none(),
                attempts,
                error,
            });
        }
        let all_sent = n.deliveries.iter().all(|d| d.sent);
        let via = names.join(",");
        let recorded = session.write(Right::Admin, "send expiry notices", |tx| match all_sent {
            true => record_sent(tx, n, &actor, &via),
            false => tx.forget_notice(&n.key_id, n.expires_at, n.threshold),
        });
        let errors: Vec<String> = n
            .deliveries
            .iter()
            .filter_map(|d| d.error.as_ref().map(|e| format!("{}: {e}", d.channel)))
            .collect();
        match (all_sent, recorded) {
            (true, Ok(())) => n.sent = true,
            (false, _) => n.error = Some(errors.join("; ")),
            (true, Err(e)) => {
                n.error = Some(format!(
                    "delivered, but recording the notice failed: {}",
                    e.message()
                ))
            }
        }
    }
    Ok(NotifyReport {
        dry_run: false,
        notices: notices.into_iter().map(|(n, _)| n).collect(),
        channels: names.iter().map(|c| c.to_string()).collect(),
    })
}

/// `notify --test`: one test notice (key ID `test`, 7 days left) to the
/// actor's tenant's recipients through each channel, once, recording
/// nothing.
pub fn send_test(
    session: &mut Session,
    channels: &Channels,
    secrets: &Secrets,
    retry: Retry,
) -> Result<NotifyReport> {
    session.require(Right::Admin, "send a test notice")?;
    let tenant = session
        .confined_tenant()
        .unwrap_or(crate::domain::org::DEFAULT_TENANT)
        .to_string();
    let now = session.now();
    let recipients = session.read(|tx| {
        let settings = tx.settings()?;
        Ok(match settings.notify_to(&tenant) {
            Some(own) => own,
            None => notice_recipients(&tenant, &tx.users(Some(&tenant), None)?).emails,
        })
    })?;
    let expires_at = now + Duration::days(7);
    let mut n = Notice {
        key_id: "test".into(),
        name: "keyadm-test-notice".into(),
        org: tenant.clone(),
        tenant,
        expires_at,
        days_left: 7,
        threshold: 7,
        passed: Vec::new(),
        recipients,
        skipped_users: Vec::new(),
        sent: false,
        error: None,
        deliveries: Vec::new(),
    };
    let mut names = Vec::new();
    if let (Some(cfg), Some(from)) = (&channels.smtp, &channels.from) {
        names.push("smtp".to_string());
        let (attempts, r) = match notify_send::message(from, &n, now) {
            Err(e) => (0, Err(e)),
            Ok(msg) => ChannelRun::default().deliver(retry, |t| {
                notify_send::send_smtp(
                    cfg,
                    secrets.smtp_password.as_deref().map(String::as_str),
                    &msg,
                    t,
                )
            }),
        };
        n.deliveries.push(Delivery {
            channel: "smtp".into(),
            sent: r.is_ok(),
            attempts,
            error: r.err(),
        });
    }
    if let Some(cfg) = &channels.webhook {
        names.push("webhook".to_string());
        let (attempts, r) = ChannelRun::default().deliver(retry, |t| {
            notify_send::send_webhook(
                cfg,
                secrets.webhook_secret.as_deref().map(Vec::as_slice),
                &n,
                now,
                t,
            )
        });
        n.deliveries.push(Delivery {
            channel: "webhook".into(),
            sent: r.is_ok(),
            attempts,
            error: r.err(),
        });
    }
    n.sent = n.deliveries.iter().all(|d| d.sent);
    let errors: Vec<String> = n
        .deliveries
        .iter()
        .filter_map(|d| d.error.as_ref().map(|e| format!("{}: {e}", d.channel)))
        .collect();
    if !errors.is_empty() {
        n.error = Some(errors.join("; "));
    }
    Ok(NotifyReport {
        dry_run: false,
        notices: vec![n],
        channels: names,
    })
}

/// The notices due at `tx.now()`. A notice another run is delivering right
/// now (a fresh claim) is not due.
fn due_notices(tx: &Tx, tenant: Option<&str>) -> Result<Vec<Notice>> {
    let now = tx.now();
    let settings = tx.settings()?;
    let days = settings.notify_days();
    let Some(widest) = days.iter().max() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for k in tx.keys_expiring_within(tenant, u64::from(*widest) * 86_400)? {
        let Some(expires_at) = k.expires_at else {
            continue;
        };
        let crossed = crossed_thresholds(&k, now, &days);
        let recorded: Vec<u32> = tx
            .recorded_notices(&k.id, expires_at)?
            .into_iter()
            .filter(|(_, state, at)| {
                *state != NoticeState::Sending || now - *at < Duration::seconds(CLAIM_TIMEOUT_SECS)
            })
            .map(|(d, _, _)| d)
            .collect();
        if let Some(due) = notice_due(&crossed, &recorded) {
            let mut to = notice_recipients(&k.tenant, &tx.users(Some(&k.tenant), None)?);
            if let Some(own) = settings.notify_to(&k.tenant) {
                to.emails = own;
                to.skipped_users.clear();
            }
            out.push(Notice {
                key_id: k.id.clone(),
                name: k.name.clone(),
                org: k.org.clone(),
                tenant: k.tenant.clone(),
                expires_at,
                days_left: days_left(expires_at, now),
                threshold: due.threshold,
                passed: due.passed,
                recipients: to.emails,
                skipped_users: to.skipped_users,
                sent: false,
                error: None,
                deliveries: Vec::new(),
            });
        }
    }
    Ok(out)
}

/// Marks a notice sent (and the thresholds it replaces passed), audited.
fn record_sent(tx: &Tx, n: &Notice, actor: &str, via: &str) -> Result<()> {
    tx.record_notice(&n.key_id, n.expires_at, n.threshold, NoticeState::Sent)?;
    for d in &n.passed {
        tx.record_notice(&n.key_id, n.expires_at, *d, NoticeState::Passed)?;
    }
    tx.append_audit(NewAudit {
        actor,
        action: "notify",
        key_id: Some(&n.key_id),
        key_name: Some(&n.name),
        tenant: Some(&n.tenant),
        details: json!({
            "threshold_days": n.threshold,
            "days_left": n.days_left,
            "expires_at": n.expires_at,
            "passed": n.passed,
            "recipients": n.recipients,
            "via": via,
        }),
    })
}
