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
use keyadm::domain::notify::SecretSource;
use keyadm::domain::settings::Settings;
use keyadm::ops::lifecycle::{self, Notice, NotifyReport};
use keyadm::ops::notify_send::{Channels, Retry, Secrets};
use keyadm::ops::settings;
use keyadm::Result;
use serde::Serialize;
use zeroize::Zeroizing;

#[derive(Args, Debug)]
pub struct NotifyArgs {
    /// Run CMD (sh -c) per notice with KEYADM_KEY_ID, KEYADM_KEY_NAME, KEYADM_KEY_ORG, KEYADM_KEY_TENANT, KEYADM_EXPIRES, KEYADM_DAYS_LEFT, KEYADM_RECIPIENTS; a notice counts as sent only when CMD succeeds
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// Say which notices are due, send and record nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Send one test notice through each channel (notify-smtp, notify-webhook) to your tenant's recipients; records nothing
    #[arg(long, conflicts_with_all = ["dry_run", "exec"])]
    pub test: bool,
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
    let channels = lifecycle::channels(&mut session)?;
    if args.test {
        if channels.is_empty() {
            return Err(keyadm::Error::usage("no notice channel is set")
                .hint("keyadm config set notify-smtp smtp://HOST:587 (and notify-from), or notify-webhook https://…"));
        }
        let secrets = read_secrets(&channels)?;
        let report = lifecycle::send_test(&mut session, &channels, &secrets, retry()?)?;
        print(ctx, &report, &tf);
        return failure(&report);
    }
    if !channels.is_empty() {
        let secrets = read_secrets(&channels)?;
        let mut hook = args
            .exec
            .as_ref()
            .map(|cmd| move |n: &Notice| deliver_by_hook(cmd, n));
        let exec = hook.as_mut().map(|h| h as &mut lifecycle::Hook<'_>);
        let report = lifecycle::send_through(&mut session, &channels, &secrets, exec, retry()?)?;
        print(ctx, &report, &tf);
        return failure(&report);
    }
    let Some(cmd) = &args.exec else {
        let report = lifecycle::send(&mut session)?;
        print(ctx, &report, &tf);
        return Ok(());
    };
    let report = lifecycle::send_with(&mut session, |n| deliver_by_hook(cmd, n))?;
    print(ctx, &report, &tf);
    failure(&report)
}

fn failure(report: &NotifyReport) -> Result<()> {
    match report.failure() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// How long each channel may retry in one run: 30 s; in tests,
/// `KEYADM_TEST_NOTIFY_BUDGET_MS` (1–30000) shortens it.
fn retry() -> Result<Retry> {
    let Some(v) = std::env::var_os("KEYADM_TEST_NOTIFY_BUDGET_MS") else {
        return Ok(Retry::default());
    };
    match v.to_str().and_then(|v| v.parse::<u64>().ok()) {
        Some(ms @ 1..=30_000) => Ok(Retry::with_budget(std::time::Duration::from_millis(ms))),
        _ => Err(keyadm::Error::usage(
            "KEYADM_TEST_NOTIFY_BUDGET_MS must be 1 to 30000 (milliseconds)",
        )
        .hint("unset it: it exists for keyadm's tests")),
    }
}

/// Reads the secrets the settings name (an environment variable or a file).
fn read_secrets(channels: &Channels) -> Result<Secrets> {
    let read = |src: &SecretSource, setting: &str| -> Result<Zeroizing<String>> {
        let v = match src {
            SecretSource::Env(var) => std::env::var(var).map_err(|_| {
                keyadm::Error::environment(format!(
                    "the environment variable {var} named in {setting} is not set"
                ))
                .hint(format!(
                    "export {var} in the job's environment, or name a file in {setting}"
                ))
            })?,
            SecretSource::File(path) => {
                use std::os::unix::fs::MetadataExt;
                if let Ok(m) = std::fs::metadata(path) {
                    if let Some(e) = keyadm::domain::notify::secret_file_distrust(path, m.mode()) {
                        return Err(e);
                    }
                }
                std::fs::read_to_string(path).map_err(|e| {
                    keyadm::Error::environment(format!(
                    "cannot read the secret file {} named in {setting}: {e}",
                    path.display()
                ))
                .hint("create it (mode 0600, readable by the job's account) or change the setting")
                })?
            }
        };
        let v = Zeroizing::new(v.trim_end_matches(['\n', '\r']).to_string());
        if v.is_empty() {
            return Err(keyadm::Error::environment(format!(
                "the secret named in {setting} is empty"
            ))
            .hint("put the secret in the file or variable the setting names"));
        }
        Ok(v)
    };
    let smtp_password = match channels.smtp_password_source() {
        Some(src) => Some(read(src, "notify-smtp")?),
        None => None,
    };
    let webhook_secret = match channels.webhook_secret_source() {
        Some(src) => Some(Zeroizing::new(
            read(src, "notify-webhook")?.as_bytes().to_vec(),
        )),
        None => None,
    };
    Ok(Secrets {
        smtp_password,
        webhook_secret,
    })
}

fn deliver_by_hook(cmd: &str, n: &Notice) -> std::result::Result<(), String> {
    {
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
