//! `keyadm notify`: expiry notices at the `notify-days` thresholds (see
//! `keyadm::ops::lifecycle`), printed or handed to a hook. Also the one-line warning
//! that commands handing a value out print inside a key's notice window.

use clap::Args;

use super::hook::run_hook;
use super::Context;
use crate::output::time::TimeFormat;
use crate::output::{Human, Report};
use keyadm::domain::key::Key;
use keyadm::domain::lifecycle::notice_window_days_left;
use keyadm::domain::settings::Settings;
use keyadm::ops::lifecycle::{self, NotifyReport};
use keyadm::ops::settings;
use keyadm::Result;
use serde::Serialize;

#[derive(Args, Debug)]
pub struct NotifyArgs {
    /// Run CMD (sh -c) per notice with KEYADM_KEY_ID, KEYADM_KEY_NAME, KEYADM_KEY_ORG, KEYADM_KEY_TENANT, KEYADM_EXPIRES, KEYADM_DAYS_LEFT, KEYADM_RECIPIENTS; a notice counts as sent only when CMD succeeds
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// Say which notices are due, send and record nothing
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(ctx: &mut Context, args: NotifyArgs) -> Result<()> {
    super::hook::check_command(args.exec.as_deref())?;
    if args.dry_run {
        let mut session = ctx.open_read()?;
        let tf = ctx.time_format(&settings::list(&mut session)?);
        let report = lifecycle::due(&mut session)?;
        print(ctx, &report, &tf);
        return Ok(());
    }
    let mut session = ctx.open_write_existing()?;
    // Times in the lines as every other command shows them.
    let tf = ctx.time_format(&settings::list(&mut session)?);
    let Some(cmd) = &args.exec else {
        let report = lifecycle::send(&mut session)?;
        print(ctx, &report, &tf);
        return Ok(());
    };
    let report = lifecycle::send_with(&mut session, |n| {
        let expires = n
            .expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let days = n.days_left.to_string();
        let recipients = n.recipients.join(",");
        run_hook(
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
        )
    })?;
    print(ctx, &report, &tf);
    match report.failure() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn print(ctx: &Context, r: &NotifyReport, tf: &TimeFormat) {
    let p = &ctx.printer;
    let mut warned = std::collections::BTreeSet::new();
    for n in &r.notices {
        for user in &n.skipped_users {
            if warned.insert((&n.tenant, user)) {
                p.warn(format!(
                    "user \"{user}\" of tenant \"{}\" has an invalid email; skipped as a recipient (fix it: keyadm user edit {user} --email ADDRESS)",
                    n.tenant
                ));
            }
        }
    }
    p.report(&Shown { report: r, tf });
}

/// The report, with the times shown in the chosen date format.
#[derive(Serialize)]
#[serde(transparent)]
struct Shown<'a> {
    report: &'a NotifyReport,
    #[serde(skip)]
    tf: &'a TimeFormat,
}

impl Report for Shown<'_> {
    fn human(&self, p: &mut Human<'_>) {
        let r = self.report;
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
                self.tf.show(n.expires_at),
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
