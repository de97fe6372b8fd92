//! `keyadm notify`: expiry notices at the `notify-days` thresholds, each key
//! and threshold once; after a gap in runs only the nearest threshold is
//! sent and the earlier ones are marked passed. Also the one-line warning
//! that commands handing a value out print inside a key's notice window.

use chrono::{DateTime, Duration, Utc};
use clap::Args;
use serde::Serialize;
use serde_json::json;

use super::hook::run_hook;
use super::Context;
use keyadm::domain::key::Key;
use keyadm::domain::lifecycle::{
    crossed_thresholds, days_left, notice_due, notice_window_days_left,
};
use keyadm::domain::settings::Settings;
use keyadm::domain::user::notice_recipients;
use keyadm::ops::Right;
use keyadm::store::{NewAudit, NoticeState, Tx};
use keyadm::{Error, Result};

/// A claim older than this belongs to a run that died; the notice is retried.
const CLAIM_TIMEOUT_SECS: i64 = 3_600;

#[derive(Args, Debug)]
pub struct NotifyArgs {
    /// Run CMD (sh -c) per notice with KEYADM_KEY_ID, KEYADM_KEY_NAME, KEYADM_KEY_ORG, KEYADM_KEY_TENANT, KEYADM_EXPIRES, KEYADM_DAYS_LEFT, KEYADM_RECIPIENTS; a notice counts as sent only when CMD succeeds
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// Say which notices are due, send and record nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Serialize, Clone)]
struct Notice {
    key_id: String,
    name: String,
    org: String,
    tenant: String,
    expires_at: DateTime<Utc>,
    days_left: i64,
    /// The threshold (days before expiry) this notice is for.
    threshold: u32,
    /// Earlier thresholds crossed during a gap in runs, marked passed.
    passed: Vec<u32>,
    recipients: Vec<String>,
    sent: bool,
    error: Option<String>,
}

#[derive(Serialize)]
struct NotifyReport {
    dry_run: bool,
    notices: Vec<Notice>,
}

/// The notices due at `tx.now()`. A notice another run is delivering right
/// now (a fresh claim) is not due.
fn due_notices(tx: &Tx, ctx: &Context) -> Result<Vec<Notice>> {
    let now = tx.now();
    let days = tx.settings()?.notify_days();
    let Some(widest) = days.iter().max() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for k in tx.keys_expiring_within(ctx.confined_tenant(), u64::from(*widest) * 86_400)? {
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
            out.push(Notice {
                key_id: k.id.clone(),
                name: k.name.clone(),
                org: k.org.clone(),
                tenant: k.tenant.clone(),
                expires_at,
                days_left: days_left(expires_at, now),
                threshold: due.threshold,
                passed: due.passed,
                recipients: recipients(tx, ctx, &k.tenant)?,
                sent: false,
                error: None,
            });
        }
    }
    Ok(out)
}

/// The valid emails of the tenant's enabled admins; a stored email that is
/// not valid (accepted by an older release) is skipped with a warning
/// naming its user, never the address.
fn recipients(tx: &Tx, ctx: &Context, tenant: &str) -> Result<Vec<String>> {
    let r = notice_recipients(tenant, &tx.users(Some(tenant), None)?);
    for user in &r.skipped_users {
        ctx.printer.warn(format!(
            "user \"{user}\" of tenant \"{tenant}\" has an invalid email; skipped as a recipient (fix it: keyadm user edit {user} --email ADDRESS)"
        ));
    }
    Ok(r.emails)
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

pub fn run(ctx: &mut Context, args: NotifyArgs) -> Result<()> {
    super::hook::check_command(args.exec.as_deref())?;
    let actor = ctx.actor();
    if args.dry_run {
        let mut store = ctx.open_read()?;
        let notices = store.read(|tx| due_notices(tx, ctx))?;
        print(
            ctx,
            &NotifyReport {
                dry_run: true,
                notices,
            },
        );
        return Ok(());
    }
    let mut store = ctx.open_write_existing()?;
    let Some(cmd) = &args.exec else {
        // The output is the delivery: due, printed and recorded in one transaction.
        let notices = store.write(Right::Admin, "send expiry notices", |tx| {
            let mut notices = due_notices(tx, ctx)?;
            for n in &mut notices {
                record_sent(tx, n, &actor, "output")?;
                n.sent = true;
            }
            Ok(notices)
        })?;
        print(
            ctx,
            &NotifyReport {
                dry_run: false,
                notices,
            },
        );
        return Ok(());
    };
    // Claim the due notices, then run the hook outside the write lock (a
    // slow mail server must not block other keyadm processes), then record.
    let mut notices = store.write(Right::Admin, "send expiry notices", |tx| {
        let notices = due_notices(tx, ctx)?;
        for n in &notices {
            tx.record_notice(&n.key_id, n.expires_at, n.threshold, NoticeState::Sending)?;
        }
        Ok(notices)
    })?;
    for n in &mut notices {
        let expires = n
            .expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let days = n.days_left.to_string();
        let recipients = n.recipients.join(",");
        let hook = run_hook(
            cmd,
            &[
                ("KEYADM_KEY_ID", &n.key_id),
                ("KEYADM_KEY_NAME", &n.name),
                ("KEYADM_KEY_ORG", &n.org),
                ("KEYADM_KEY_TENANT", &n.tenant),
                ("KEYADM_EXPIRES", &expires),
                ("KEYADM_DAYS_LEFT", &days),
                ("KEYADM_RECIPIENTS", &recipients),
            ],
            None,
        );
        let recorded = store.write(Right::Admin, "send expiry notices", |tx| match &hook {
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
    print(
        ctx,
        &NotifyReport {
            dry_run: false,
            notices: notices.clone(),
        },
    );
    let failed = notices.iter().filter(|n| !n.sent).count();
    if failed > 0 {
        return Err(Error::environment(format!(
            "the hook failed for {failed} of {} notice{}; {} not marked sent and will be retried on the next run",
            notices.len(),
            if notices.len() == 1 { "" } else { "s" },
            if failed == 1 { "it is" } else { "they are" },
        ))
        .hint("see the hook's output above; run the same command again once it is fixed"));
    }
    Ok(())
}

fn print(ctx: &Context, r: &NotifyReport) {
    let p = &ctx.printer;
    if p.json {
        p.json(r);
        return;
    }
    for n in &r.notices {
        let to = if n.recipients.is_empty() {
            "no admin with an email".to_string()
        } else {
            n.recipients.join(", ")
        };
        let passed = if n.passed.is_empty() {
            String::new()
        } else {
            format!(
                "; passed {}",
                n.passed
                    .iter()
                    .map(|d| format!("{d}d"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let status = match (&n.error, r.dry_run) {
            (Some(e), _) => format!("  NOT SENT: {e}"),
            (None, true) => "  (dry run)".to_string(),
            (None, false) => String::new(),
        };
        p.line(format!(
            "notice  {}  {}  expires {} (in {} day{}; {}-day notice{passed})  to {to}{status}",
            n.key_id,
            n.name,
            n.expires_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            n.days_left,
            if n.days_left == 1 { "" } else { "s" },
            n.threshold,
        ));
    }
    let sent = r.notices.iter().filter(|n| n.sent).count();
    if r.dry_run {
        let n = r.notices.len();
        p.note(format!(
            "notify (dry run): {n} notice{} due.",
            if n == 1 { "" } else { "s" }
        ));
    } else if r.notices.is_empty() {
        p.note("notify: nothing due.");
    } else {
        let n = r.notices.len();
        p.note(format!(
            "notify: {sent} of {n} notice{} sent.",
            if n == 1 { "" } else { "s" }
        ));
    }
}

/// Prints one warning line on stderr when `key` is inside its notice window
/// (the largest `notify-days` threshold). For commands that hand a value
/// out: `show --value`, `copy`, `sign`.
pub fn warn_if_expiring(ctx: &Context, key: &Key, settings: &Settings) {
    let now = ctx.now();
    let Some(left) = notice_window_days_left(key, now, &settings.notify_days()) else {
        return;
    };
    let when = key
        .expires_at
        .map(|e| ctx.time_format(settings).show(e))
        .unwrap_or_default();
    ctx.printer.warn(format!(
        "key \"{}\" expires in {left} day{} ({when}); extend it (keyadm edit {} --expires 90d) or replace it",
        key.name,
        if left == 1 { "" } else { "s" },
        key.id
    ));
}
